/* SPDX-License-Identifier: Apache-2.0 */
/* Library-internal core: allocation (with fault injection in tests), error
 * detail, capped growable buffers. Never installed. */
#ifndef WB_CORE_INT_H
#define WB_CORE_INT_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <waybill/core.h>

/* Every library allocation goes through these (fault injection, §7). */
void *wb__malloc(size_t n);
void *wb__calloc(size_t count, size_t n);
void *wb__realloc(void *p, size_t n);
void wb__free(void *p);
char *wb__strdup(const char *s);
char *wb__strndup(const char *s, size_t n);
#define WB_FREE(p)                                                             \
    do {                                                                       \
        wb__free(p);                                                           \
        (p) = NULL;                                                            \
    } while (0)

/* Make the k-th allocation from now on fail (k >= 1); 0 disables. Returns
 * the number of allocations made since the last call. For tests. */
unsigned long wb__test_fail_alloc_at(unsigned long k);

/* Set this thread's error detail (printf format) and return err, so that
 * `return wb__err(WB_ERR_FORMAT, "line %d: ...", n);` reads naturally. */
wb_err wb__err(wb_err err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the current detail with "prefix: ", or with "prefix." alone when
 * the format ends with a dot (a field path); keeps the existing detail. */
void wb__err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a hard cap (curl's dynbuf). */
struct wb__buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max; /* hard limit on len */
};

void wb__buf_init(struct wb__buf *b, size_t max);
/* Append; WB_ERR_TOOBIG past max (the buffer is kept), WB_ERR_NOMEM. The
 * common case, room already there, is inline: CBOR encoding appends a few
 * bytes at a time on the ingest path. */
wb_err wb__buf_append_grow(struct wb__buf *b, const void *p, size_t n);

static inline wb_err
wb__buf_append(struct wb__buf *b, const void *p, size_t n)
{
    if (b->cap - b->len > n && b->len + n <= b->max) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return WB_OK;
    }
    return wb__buf_append_grow(b, p, n);
}
wb_err wb__buf_printf(struct wb__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NUL-terminate (not counted in len). */
wb_err wb__buf_cstr(struct wb__buf *b);
/* Hand the data to the caller (wb_free) and reset b. */
uint8_t *wb__buf_take(struct wb__buf *b, size_t *len);
void wb__buf_clear(struct wb__buf *b);

/* Read a whole file into a new buffer (NUL-terminated, wb_free), at most
 * max bytes: WB_ERR_TOOBIG beyond, WB_ERR_NOTFOUND when it does not exist,
 * WB_ERR_IO otherwise (detail names the path). */
WB_NODISCARD wb_err wb__read_file(const char *path,
                                  size_t max,
                                  uint8_t **out,
                                  size_t *out_len);

/* Parse a decimal uint64 with no sign, no leading zeros (except "0"), no
 * spaces; false on any defect or overflow. */
bool wb__parse_u64(const char *s, size_t len, uint64_t *out);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF). */
bool wb__utf8_valid(const uint8_t *s, size_t n);
/* Every byte of s (NUL-terminated, may be NULL) that starts no well-formed
 * UTF-8 sequence replaced by '?', in place (a message cut mid-character,
 * foreign bytes quoted in it): s. */
char *wb__utf8_scrub(char *s);

/* Append text (NUL-terminated). */
static inline wb_err
wb__buf_puts(struct wb__buf *b, const char *s)
{
    return wb__buf_append(b, s, strlen(s));
}

/* Append v in decimal. */
wb_err wb__buf_put_u64(struct wb__buf *b, uint64_t v);

/* Append f as "%.9g" (nine significant digits: it reads back as the same
 * float), or null when it is not finite: a JSON value. */
wb_err wb__buf_put_float(struct wb__buf *b, float f);

/* f as printf's "%.9g" writes it in the default rounding mode (to
 * nearest, ties to even), NUL-terminated into out; its length. The same
 * bytes, about 10x faster (src/core/float_text.c). */
#define WB__FLOAT_TEXT_MAX 24
size_t wb__float_text(float f, char out[WB__FLOAT_TEXT_MAX]);

/* Are a and b both absent or the same string? */
static inline bool
wb__str_eq(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Plain text: well-formed UTF-8 without control characters (C0, DEL, C1). */
bool wb__text_ok(const char *s, size_t n);

/* The first line of in (up to its NUL or newline), at most max bytes, into
 * out (cap bytes, NUL-terminated) with every byte outside printable ASCII
 * as '?': foreign text made safe to quote in one message line. out. */
char *wb__printable(const char *in, size_t max, char *out, size_t cap);

/* Lines of in (one reason a line) as one line, "a; b", into out (cap > 0
 * bytes, truncated); returns out. */
char *wb__one_line(const char *in, char *out, size_t cap);

/* "an" before a word that starts with a vowel letter, else "a" (for
 * messages naming an entry kind: "an erasure entry"). */
const char *wb__a(const char *word);

/* Compact JSON of j (jansson flags) into a new string (wb_free). */
wb_err wb__json_dump(const json_t *j, size_t flags, char **out);

#endif
