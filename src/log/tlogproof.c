/* SPDX-License-Identifier: Apache-2.0 */
/* c2sp.org/tlog-proof@v1: a self-contained, offline-verifiable inclusion
 * proof (header, optional extra, index, proof hashes, blank line, the signed
 * checkpoint verbatim): formatting, strict parsing and full verification. */
#include <stdio.h>
#include <string.h>

#include "log/log_int.h"

static const char header[] = "c2sp.org/tlog-proof@v1";

wb_err
wb_tlog_proof_format(uint64_t index,
                     const uint8_t *extra,
                     size_t extra_len,
                     const uint8_t (*proof)[WB_HASH_BYTES],
                     size_t count,
                     const char *checkpoint,
                     char **out)
{
    struct wb__buf b;
    char *b64 = NULL;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "tlog-proof: NULL output");
    }
    *out = NULL;
    if (checkpoint == NULL || checkpoint[0] == '\0' ||
        count > WB_MERKLE_MAX_PROOF || (count > 0 && proof == NULL) ||
        (extra == NULL && extra_len > 0)) {
        return wb__err(WB_ERR_INVAL, "tlog-proof: bad argument");
    }
    wb__buf_init(&b, WB_TLOG_PROOF_MAX_BYTES);
    rc = wb__buf_printf(&b, "%s\n", header);
    if (rc == WB_OK && extra != NULL) {
        rc = wb_base64_encode(extra, extra_len, &b64);
        if (rc == WB_OK) {
            rc = wb__buf_printf(&b, "extra %s\n", b64);
        }
        WB_FREE(b64);
    }
    if (rc == WB_OK) {
        rc = wb__buf_printf(&b, "index %llu\n", (unsigned long long)index);
    }
    for (size_t i = 0; i < count && rc == WB_OK; i++) {
        rc = wb_base64_encode(proof[i], WB_HASH_BYTES, &b64);
        if (rc == WB_OK) {
            rc = wb__buf_printf(&b, "%s\n", b64);
        }
        WB_FREE(b64);
    }
    if (rc == WB_OK) {
        rc = wb__buf_printf(&b, "\n%s", checkpoint);
    }
    if (rc == WB_OK) {
        rc = wb__buf_cstr(&b);
    }
    if (rc == WB_OK) {
        *out = (char *)wb__buf_take(&b, NULL);
    }
    wb__buf_clear(&b);
    return rc;
}

/* A cursor over newline-terminated lines. */
struct lines {
    const char *text;
    size_t len;
    size_t pos;
    unsigned no; /* 1-based number of the line last returned */
};

/* Next line (without '\n') into *line; false at the end or when the last
 * line has no newline. */
static bool
next_line(struct lines *l, const char **line, size_t *line_len)
{
    const char *nl;

    if (l->pos >= l->len) {
        return false;
    }
    nl = memchr(l->text + l->pos, '\n', l->len - l->pos);
    if (nl == NULL) {
        return false;
    }
    *line = l->text + l->pos;
    *line_len = (size_t)(nl - *line);
    l->pos += *line_len + 1;
    l->no++;
    return true;
}

/* "extra <base64>" into p->extra (a 1-byte buffer when the data is empty,
 * so that "present but empty" survives a round trip). */
static wb_err
parse_extra(const char *b64, size_t len, unsigned no, struct wb_tlog_proof *p)
{
    wb_err rc = wb_base64_decode(b64, len, &p->extra, &p->extra_len);

    if (rc == WB_ERR_NOMEM) {
        return rc;
    }
    if (rc != WB_OK) {
        return wb__err(WB_ERR_FORMAT,
                       "tlog-proof line %u: extra is not "
                       "base64",
                       no);
    }
    if (p->extra == NULL) {
        p->extra = wb__malloc(1);
        if (p->extra == NULL) {
            return WB_ERR_NOMEM;
        }
    }
    return WB_OK;
}

/* One proof hash line into p->hash[p->count]. */
static wb_err
parse_hash(const char *b64, size_t len, unsigned no, struct wb_tlog_proof *p)
{
    uint8_t *h = NULL;
    size_t h_len = 0;
    wb_err rc;

    if (p->count >= WB_MERKLE_MAX_PROOF) {
        return wb__err(WB_ERR_FORMAT,
                       "tlog-proof line %u: more than %d proof hashes", no,
                       WB_MERKLE_MAX_PROOF);
    }
    rc = wb_base64_decode(b64, len, &h, &h_len);
    if (rc == WB_ERR_NOMEM) {
        return rc;
    }
    if (rc != WB_OK || h_len != WB_HASH_BYTES) {
        wb__free(h);
        return wb__err(WB_ERR_FORMAT,
                       "tlog-proof line %u: proof hash is not base64 of %d "
                       "bytes",
                       no, WB_HASH_BYTES);
    }
    memcpy(p->hash[p->count++], h, WB_HASH_BYTES);
    wb__free(h);
    return WB_OK;
}

/* Header, optional extra and index lines. */
static wb_err
parse_head(struct lines *l, struct wb_tlog_proof *p)
{
    const char *line = NULL;
    size_t n = 0;
    wb_err rc;

    if (!next_line(l, &line, &n) || n != sizeof header - 1 ||
        memcmp(line, header, n) != 0) {
        return wb__err(WB_ERR_FORMAT, "tlog-proof line 1: expected \"%s\"",
                       header);
    }
    if (!next_line(l, &line, &n)) {
        return wb__err(WB_ERR_FORMAT, "tlog-proof line 2: missing index");
    }
    if (n >= 6 && memcmp(line, "extra ", 6) == 0) {
        rc = parse_extra(line + 6, n - 6, l->no, p);
        if (rc != WB_OK) {
            return rc;
        }
        if (!next_line(l, &line, &n)) {
            return wb__err(WB_ERR_FORMAT, "tlog-proof line 3: missing index");
        }
    }
    if (n < 6 || memcmp(line, "index ", 6) != 0 ||
        !wb__parse_u64(line + 6, n - 6, &p->index)) {
        return wb__err(WB_ERR_FORMAT,
                       "tlog-proof line %u: expected \"index N\" (decimal, "
                       "no leading zeros)",
                       l->no);
    }
    return WB_OK;
}

/* Everything after the header: hashes up to the blank line, then the
 * checkpoint verbatim. */
static wb_err
parse_rest(struct lines *l, struct wb_tlog_proof *p)
{
    const char *line = NULL;
    size_t n = 0;
    wb_err rc;

    for (;;) {
        if (!next_line(l, &line, &n)) {
            return wb__err(WB_ERR_FORMAT,
                           "tlog-proof line %u: no blank line "
                           "before the checkpoint",
                           l->no + 1);
        }
        if (n == 0) {
            break;
        }
        rc = parse_hash(line, n, l->no, p);
        if (rc != WB_OK) {
            return rc;
        }
    }
    if (l->pos >= l->len) {
        return wb__err(WB_ERR_FORMAT,
                       "tlog-proof line %u: checkpoint is "
                       "missing",
                       l->no + 1);
    }
    p->checkpoint_len = l->len - l->pos;
    p->checkpoint = wb__malloc(p->checkpoint_len + 1);
    if (p->checkpoint == NULL) {
        return WB_ERR_NOMEM;
    }
    memcpy(p->checkpoint, l->text + l->pos, p->checkpoint_len);
    p->checkpoint[p->checkpoint_len] = '\0';
    return WB_OK;
}

wb_err
wb_tlog_proof_parse(const char *text, size_t len, struct wb_tlog_proof **out)
{
    struct lines l = {text, len, 0, 0};
    struct wb_tlog_proof *p = NULL;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "tlog-proof: NULL output");
    }
    *out = NULL;
    if (text == NULL) {
        return wb__err(WB_ERR_INVAL, "tlog-proof: NULL text");
    }
    if (len > WB_TLOG_PROOF_MAX_BYTES) {
        return wb__err(WB_ERR_TOOBIG, "tlog-proof: %zu bytes, more than %d",
                       len, WB_TLOG_PROOF_MAX_BYTES);
    }
    p = wb__calloc(1, sizeof *p);
    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    rc = parse_head(&l, p);
    if (rc == WB_OK) {
        rc = parse_rest(&l, p);
    }
    if (rc != WB_OK) {
        wb_tlog_proof_free(p);
        return rc;
    }
    *out = p;
    return WB_OK;
}

void
wb_tlog_proof_free(struct wb_tlog_proof *p)
{
    if (p == NULL) {
        return;
    }
    wb__free(p->extra);
    wb__free(p->checkpoint);
    wb__free(p);
}

wb_err
wb_tlog_proof_verify(const char *text,
                     size_t len,
                     const struct wb_verifier *v,
                     const uint8_t *leaf,
                     size_t leaf_len,
                     struct wb_checkpoint *cp)
{
    struct wb_tlog_proof *p = NULL;
    struct wb_checkpoint c;
    uint8_t leaf_hash[WB_HASH_BYTES];
    wb_err rc;

    memset(&c, 0, sizeof c);
    if (cp != NULL) {
        memset(cp, 0, sizeof *cp);
    }
    if (v == NULL || (leaf == NULL && leaf_len > 0)) {
        return wb__err(WB_ERR_INVAL, "tlog-proof: NULL argument");
    }
    rc = wb_tlog_proof_parse(text, len, &p);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb_checkpoint_verify(p->checkpoint, p->checkpoint_len, v, &c);
    if (rc != WB_OK) {
        /* the note counts its own lines: name the proof's line as well */
        unsigned first = 1;
        unsigned k = 0;
        int at = 0;
        char rest[512];
        for (size_t i = 0; i < len - p->checkpoint_len; i++) {
            first += text[i] == '\n';
        }
        if (sscanf(wb_errmsg(), "note line %u: %n", &k, &at) == 1 && at > 0) {
            snprintf(rest, sizeof rest, "%s", wb_errmsg() + at);
            wb_errmsg_set("tlog-proof line %u (the checkpoint's line %u): %s",
                          first + k - 1, k, rest);
        } else {
            wb__err_prefix("tlog-proof checkpoint (from line %u)", first);
        }
        goto out;
    }
    wb_merkle_leaf_hash(leaf, leaf_len, leaf_hash);
    rc = wb_merkle_verify_inclusion(p->index, c.size, leaf_hash,
                                    (const uint8_t(*)[WB_HASH_BYTES])p->hash,
                                    p->count, c.root);
    if (rc != WB_OK) {
        /* impossible sizes come from the input here, not the caller */
        rc = WB_ERR_VERIFY;
        wb__err_prefix("tlog-proof index %llu", (unsigned long long)p->index);
        goto out;
    }
    if (cp != NULL) {
        *cp = c;
    }
out:
    wb_tlog_proof_free(p);
    return rc;
}
