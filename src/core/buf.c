/* SPDX-License-Identifier: Apache-2.0 */
/* Capped growable buffers, file reading, strict number parsing. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core_int.h"

void
wb__buf_init(struct wb__buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static wb_err
reserve(struct wb__buf *b, size_t extra)
{
    size_t want;
    size_t ncap;
    uint8_t *p;

    if (extra > b->max || b->len > b->max - extra) {
        return wb__err(WB_ERR_TOOBIG, "more than %zu bytes", b->max);
    }
    want = b->len + extra + 1; /* room for a NUL */
    if (want <= b->cap) {
        return WB_OK;
    }
    ncap = b->cap ? b->cap : 512; /* a leaf or token fits: one allocation */
    while (ncap < want) {
        ncap *= 2;
    }
    p = wb__realloc(b->data, ncap);
    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    b->data = p;
    b->cap = ncap;
    return WB_OK;
}

wb_err
wb__buf_append_grow(struct wb__buf *b, const void *p, size_t n)
{
    wb_err rc = reserve(b, n);

    if (rc == WB_OK && n > 0) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
    return rc;
}

wb_err
wb__buf_printf(struct wb__buf *b, const char *fmt, ...)
{
    size_t room = b->cap - b->len; /* includes the NUL's byte */
    va_list ap;
    int n;
    wb_err rc;

    /* format straight into the free space; only what does not fit is
     * formatted a second time, after growing */
    va_start(ap, fmt);
    n = vsnprintf(room ? (char *)b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return WB_ERR_INTERNAL;
    }
    if ((size_t)n < room && b->len + (size_t)n <= b->max) {
        b->len += (size_t)n;
        return WB_OK;
    }
    rc = reserve(b, (size_t)n);
    if (rc != WB_OK) {
        return rc; /* len is unchanged: the buffer is as it was */
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return WB_OK;
}

wb_err
wb__buf_put_u64(struct wb__buf *b, uint64_t v)
{
    char d[20];
    size_t n = sizeof d;

    do {
        d[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return wb__buf_append(b, d + n, sizeof d - n);
}

wb_err
wb__buf_put_float(struct wb__buf *b, float f)
{
    char d[WB__FLOAT_TEXT_MAX];
    size_t n;

    if (!isfinite(f)) {
        return wb__buf_append(b, "null", 4);
    }
    n = wb__float_text(f, d);
    return n > 0 ? wb__buf_append(b, d, n) : WB_ERR_INTERNAL;
}

wb_err
wb__buf_cstr(struct wb__buf *b)
{
    wb_err rc = reserve(b, 0);

    if (rc == WB_OK) {
        b->data[b->len] = '\0';
    }
    return rc;
}

uint8_t *
wb__buf_take(struct wb__buf *b, size_t *len)
{
    uint8_t *p = b->data;

    if (len != NULL) {
        *len = b->len;
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

void
wb__buf_clear(struct wb__buf *b)
{
    WB_FREE(b->data);
    b->len = 0;
    b->cap = 0;
}

wb_err
wb__read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
    FILE *f = NULL;
    struct wb__buf b;
    uint8_t chunk[65536];
    size_t n;
    wb_err rc = WB_OK;

    *out = NULL;
    *out_len = 0;
    wb__buf_init(&b, max);
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = wb__err(errno == ENOENT ? WB_ERR_NOTFOUND : WB_ERR_IO, "%s: %s",
                     path, strerror(errno));
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rc = wb__buf_append(&b, chunk, n);
        if (rc == WB_ERR_TOOBIG) {
            rc = wb__err(rc, "%s: larger than %zu bytes", path, max);
        }
        if (rc != WB_OK) {
            goto out;
        }
    }
    if (ferror(f)) {
        rc = wb__err(WB_ERR_IO, "%s: read error", path);
        goto out;
    }
    rc = wb__buf_cstr(&b);
    if (rc == WB_OK) {
        *out = wb__buf_take(&b, out_len);
    }
out:
    if (f != NULL) {
        fclose(f);
    }
    wb__buf_clear(&b);
    return rc;
}

bool
wb__parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 20 || (len > 1 && s[0] == '0')) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}
