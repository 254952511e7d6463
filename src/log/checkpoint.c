/* SPDX-License-Identifier: Apache-2.0 */
/* C2SP tlog-checkpoint: the note text "origin\nsize\nbase64(root)\n" plus
 * optional extension lines, signed and opened as a signed note. */
#include <string.h>

#include "log/log_int.h"

/* Check an origin for signing: 1..WB_ORIGIN_MAX bytes of clean UTF-8, one
 * line. */
static wb_err
origin_ok(const char *origin, size_t *len)
{
    size_t n = strnlen(origin, WB_ORIGIN_MAX + 1);

    if (n == 0 || n > WB_ORIGIN_MAX) {
        return wb__err(WB_ERR_INVAL, "checkpoint: origin must be 1..%d bytes",
                       WB_ORIGIN_MAX);
    }
    if (memchr(origin, '\n', n) != NULL ||
        wb__log_text_check((const uint8_t *)origin, n) != n) {
        return wb__err(WB_ERR_INVAL, "checkpoint: origin must be one line "
                                     "of UTF-8 without control characters");
    }
    *len = n;
    return WB_OK;
}

wb_err
wb_checkpoint_sign(const struct wb_checkpoint *cp,
                   const struct wb_signer *s,
                   char **out)
{
    char *root = NULL;
    size_t origin_len = 0;
    struct wb__buf b;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "checkpoint: NULL output");
    }
    *out = NULL;
    if (cp == NULL || s == NULL) {
        return wb__err(WB_ERR_INVAL, "checkpoint: NULL argument");
    }
    wb__buf_init(&b, WB_NOTE_MAX_BYTES);
    rc = origin_ok(cp->origin, &origin_len);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb_base64_encode(cp->root, WB_HASH_BYTES, &root);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb__buf_printf(&b, "%.*s\n%llu\n%s\n", (int)origin_len, cp->origin,
                        (unsigned long long)cp->size, root);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb__log_note_sign((const char *)b.data, b.len, s, out);
out:
    wb__free(root);
    wb__buf_clear(&b);
    return rc;
}

/* Parse the root line: standard base64 of exactly 32 bytes. */
static wb_err
parse_root(const char *line, size_t len, uint8_t root[WB_HASH_BYTES])
{
    uint8_t *h = NULL;
    size_t h_len = 0;
    wb_err rc;

    rc = wb_base64_decode(line, len, &h, &h_len);
    if (rc == WB_ERR_NOMEM) {
        return rc;
    }
    if (rc != WB_OK || h_len != WB_HASH_BYTES) {
        rc = wb__err(WB_ERR_FORMAT,
                     "checkpoint line 3: root is not base64 of %d bytes",
                     WB_HASH_BYTES);
    } else {
        memcpy(root, h, WB_HASH_BYTES);
    }
    wb__free(h);
    return rc;
}

/* Parse line number `no` (1-based) of the note text into cp. */
static wb_err
parse_line(unsigned no, const char *line, size_t len, struct wb_checkpoint *cp)
{
    switch (no) {
    case 1:
        if (len == 0) {
            return wb__err(WB_ERR_FORMAT, "checkpoint line 1: origin is "
                                          "empty");
        }
        if (len > WB_ORIGIN_MAX) {
            return wb__err(WB_ERR_FORMAT,
                           "checkpoint line 1: origin longer than %d bytes",
                           WB_ORIGIN_MAX);
        }
        memcpy(cp->origin, line, len);
        cp->origin[len] = '\0';
        return WB_OK;
    case 2:
        if (!wb__parse_u64(line, len, &cp->size)) {
            return wb__err(WB_ERR_FORMAT, "checkpoint line 2: size is not a "
                                          "decimal number");
        }
        return WB_OK;
    case 3:
        return parse_root(line, len, cp->root);
    default:
        if (len == 0) {
            return wb__err(WB_ERR_FORMAT,
                           "checkpoint line %u: extension line is empty", no);
        }
        return WB_OK;
    }
}

/* Parse the note text (ends in '\n') of a checkpoint into cp. */
static wb_err
parse_body(const char *body, size_t len, struct wb_checkpoint *cp)
{
    size_t pos = 0;
    unsigned no = 0;
    wb_err rc;

    while (pos < len) {
        const char *nl = memchr(body + pos, '\n', len - pos);
        size_t line_len = (size_t)(nl - (body + pos));
        rc = parse_line(++no, body + pos, line_len, cp);
        if (rc != WB_OK) {
            return rc;
        }
        pos += line_len + 1;
    }
    if (no < 3) {
        return wb__err(WB_ERR_FORMAT, "checkpoint line %u: missing %s line",
                       no + 1,
                       no == 0   ? "origin"
                       : no == 1 ? "size"
                                 : "root");
    }
    return WB_OK;
}

wb_err
wb_checkpoint_verify(const char *text,
                     size_t len,
                     const struct wb_verifier *v,
                     struct wb_checkpoint *out)
{
    struct wb_checkpoint cp;
    const char *body = NULL;
    size_t body_len = 0;
    wb_err rc;

    memset(&cp, 0, sizeof cp);
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    rc = wb__log_note_open(text, len, v, &body, &body_len);
    if (rc != WB_OK) {
        return rc;
    }
    rc = parse_body(body, body_len, &cp);
    if (rc != WB_OK) {
        return rc;
    }
    if (out != NULL) {
        *out = cp;
    }
    return WB_OK;
}
