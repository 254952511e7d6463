/* SPDX-License-Identifier: Apache-2.0 */
/* COSE_Sign1 parsing and verification (RFC 9052) of untrusted tokens. The
 * Sig_structure is built from the protected header bytes as received,
 * never re-encoded, and only an alg in the protected header is trusted. */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "token/token_int.h"

/* Header parameter labels (RFC 9052 §3.1). */
#define HDR_ALG  1
#define HDR_CRIT 2
#define HDR_KID  4

/* Most header parameters (both maps together) a token may carry. */
#define MAX_LABELS 32
/* Nesting allowed inside a header value we skip. */
#define SKIP_DEPTH 8

/* Labels seen so far, across both header maps: a label may occur once. */
struct seen {
    size_t n;
    struct wb__cbor_item label[MAX_LABELS];
};

static bool
same_label(const struct wb__cbor_item *a, const struct wb__cbor_item *b)
{
    if (a->type != b->type || a->u != b->u) {
        return false;
    }
    return a->type != WB__CBOR_TSTR || memcmp(a->data, b->data, a->len) == 0;
}

static wb_err
note_label(struct seen *s, const struct wb__cbor_item *key)
{
    if (key->type != WB__CBOR_UINT && key->type != WB__CBOR_NEGINT &&
        key->type != WB__CBOR_TSTR) {
        return wb__err(WB_ERR_FORMAT,
                       "token: header label is not an integer or text");
    }
    for (size_t i = 0; i < s->n; i++) {
        if (same_label(&s->label[i], key)) {
            return wb__err(WB_ERR_FORMAT, "token: duplicate header label");
        }
    }
    if (s->n == MAX_LABELS) {
        return wb__err(WB_ERR_FORMAT, "token: more than %d header parameters",
                       MAX_LABELS);
    }
    s->label[s->n++] = *key;
    return WB_OK;
}

static bool
is_label(const struct wb__cbor_item *key, uint64_t label)
{
    return key->type == WB__CBOR_UINT && key->u == label;
}

/* The alg value: an integer that fits an int (text algs are not used). */
static wb_err
read_alg(const struct wb__cbor_item *v, int *alg)
{
    if (v->type == WB__CBOR_UINT && v->u <= INT_MAX) {
        *alg = (int)v->u;
    } else if (v->type == WB__CBOR_NEGINT && v->u <= INT_MAX) {
        *alg = -1 - (int)v->u;
    } else {
        return wb__err(WB_ERR_FORMAT, "token: alg is not a supported integer");
    }
    if (*alg == 0) {
        return wb__err(WB_ERR_FORMAT, "token: alg 0 is reserved");
    }
    return WB_OK;
}

static wb_err
read_map(struct wb__cbor_rd *r,
         uint64_t pairs,
         bool is_protected,
         struct seen *s,
         struct wb_cose_sign1 *out)
{
    struct wb__cbor_item key;
    struct wb__cbor_item v;
    wb_err rc = WB_OK;

    for (uint64_t i = 0; rc == WB_OK && i < pairs; i++) {
        rc = wb__cbor_next(r, &key);
        if (rc == WB_OK) {
            rc = note_label(s, &key);
        }
        if (rc == WB_OK) {
            rc = wb__cbor_next(r, &v);
        }
        if (rc != WB_OK) {
            break;
        }
        if (is_label(&key, HDR_CRIT)) {
            rc = wb__err(WB_ERR_FORMAT, "token: crit header parameter not "
                                        "supported");
        } else if (is_label(&key, HDR_ALG) && is_protected) {
            rc = read_alg(&v, &out->alg);
        } else if (is_label(&key, HDR_KID)) {
            if (v.type != WB__CBOR_BSTR) {
                rc = wb__err(WB_ERR_FORMAT, "token: kid is not a byte string");
            } else {
                out->kid = v.data;
                out->kid_len = v.len;
            }
        } else {
            /* Anything else, and an unprotected alg (never trusted), is
             * only checked for being well-formed. */
            rc = wb__cbor_skip_rest(r, &v, SKIP_DEPTH);
        }
    }
    return rc;
}

wb_err
wb__cose_headers(const uint8_t *protected_bytes,
                 size_t protected_len,
                 struct wb__cbor_rd *r,
                 struct wb_cose_sign1 *out)
{
    struct seen s;
    struct wb__cbor_rd pr;
    struct wb__cbor_item it;
    wb_err rc;

    s.n = 0;
    out->alg = 0;
    out->kid = NULL;
    out->kid_len = 0;
    /* Protected: a zero-length bstr, or exactly one map inside it. The
     * labels read first, so a kid there takes precedence (a second kid in
     * the unprotected map is a duplicate). */
    if (protected_len > 0) {
        wb__cbor_rd_init(&pr, protected_bytes, protected_len);
        rc = wb__cbor_next(&pr, &it);
        if (rc == WB_OK && it.type != WB__CBOR_MAP) {
            rc = wb__err(WB_ERR_FORMAT,
                         "token: protected header is not a CBOR map");
        }
        if (rc == WB_OK) {
            rc = read_map(&pr, it.u, true, &s, out);
        }
        if (rc == WB_OK && pr.off != protected_len) {
            rc = wb__err(WB_ERR_FORMAT,
                         "token: trailing bytes in the protected header");
        }
        if (rc != WB_OK) {
            return rc;
        }
    }
    rc = wb__cbor_next(r, &it);
    if (rc == WB_OK && it.type != WB__CBOR_MAP) {
        rc = wb__err(WB_ERR_FORMAT, "token: unprotected header is not a map");
    }
    if (rc == WB_OK) {
        rc = read_map(r, it.u, false, &s, out);
    }
    return rc;
}

static wb_err
parse(const uint8_t *tok, size_t len, struct wb_cose_sign1 *out)
{
    struct wb__cbor_rd r;
    struct wb__cbor_item it;
    wb_err rc;

    wb__cbor_rd_init(&r, tok, len);
    rc = wb__cbor_next(&r, &it);
    if (rc != WB_OK) {
        return rc;
    }
    if (it.type == WB__CBOR_TAG) {
        if (it.u != WB__COSE_TAG_SIGN1) {
            return wb__err(WB_ERR_FORMAT,
                           "token: CBOR tag %" PRIu64 ", want 18 (COSE_Sign1)",
                           it.u);
        }
        out->tagged = 1;
        rc = wb__cbor_next(&r, &it);
        if (rc != WB_OK) {
            return rc;
        }
    }
    if (it.type != WB__CBOR_ARRAY || it.u != 4) {
        return wb__err(WB_ERR_FORMAT,
                       "token: not a COSE_Sign1 (an array of 4 items)");
    }
    rc = wb__cbor_next(&r, &it);
    if (rc != WB_OK) {
        return rc;
    }
    if (it.type != WB__CBOR_BSTR) {
        return wb__err(WB_ERR_FORMAT,
                       "token: protected header is not a byte string");
    }
    out->protected_bytes = it.data;
    out->protected_len = it.len;
    rc = wb__cose_headers(it.data, it.len, &r, out);
    if (rc == WB_OK) {
        rc = wb__cbor_next(&r, &it);
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (it.type == WB__CBOR_SIMPLE && it.u == 22) {
        return wb__err(WB_ERR_FORMAT, "token: detached payload not supported");
    }
    if (it.type != WB__CBOR_BSTR) {
        return wb__err(WB_ERR_FORMAT, "token: payload is not a byte string");
    }
    out->payload = it.data;
    out->payload_len = it.len;
    rc = wb__cbor_next(&r, &it);
    if (rc != WB_OK) {
        return rc;
    }
    if (it.type != WB__CBOR_BSTR) {
        return wb__err(WB_ERR_FORMAT, "token: signature is not a byte string");
    }
    out->sig = it.data;
    out->sig_len = it.len;
    if (r.off != len) {
        return wb__err(WB_ERR_FORMAT, "token: %zu trailing bytes", len - r.off);
    }
    return WB_OK;
}

wb_err
wb_cose_parse(const uint8_t *tok, size_t len, struct wb_cose_sign1 *out)
{
    wb_err rc;

    if (out == NULL || (tok == NULL && len > 0)) {
        return wb__err(WB_ERR_INVAL, "token: NULL argument");
    }
    memset(out, 0, sizeof *out);
    if (len > WB_TOKEN_MAX_BYTES) {
        return wb__err(WB_ERR_TOOBIG, "token: %zu bytes, over %d", len,
                       WB_TOKEN_MAX_BYTES);
    }
    rc = parse(tok, len, out);
    if (rc != WB_OK) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}

wb_err
wb_cose_verify(const uint8_t *tok,
               size_t len,
               const struct wb_verifier *v,
               const uint8_t *aad,
               size_t aad_len,
               struct wb_cose_sign1 *out)
{
    struct wb_cose_sign1 s;
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    wb_err rc;

    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (v == NULL || (aad == NULL && aad_len > 0)) {
        return wb__err(WB_ERR_INVAL, "token: NULL argument");
    }
    rc = wb_cose_parse(tok, len, &s);
    if (rc != WB_OK) {
        goto out;
    }
    if (s.alg == 0) {
        /* Anyone can rewrite the unprotected header, so an alg there
         * would let an attacker pick the algorithm (RFC 9052 §3.1). */
        rc = wb__err(WB_ERR_FORMAT, "token: no alg in the protected header "
                                    "(an unprotected alg is not trusted)");
        goto out;
    }
    if (s.alg != wb_verifier_alg(v)) {
        rc = wb__err(WB_ERR_BADSIG,
                     "token: alg %d does not match the key's alg %d", s.alg,
                     wb_verifier_alg(v));
        goto out;
    }
    rc = wb__cose_tbs(s.protected_bytes, s.protected_len, aad, aad_len,
                      s.payload, s.payload_len, &tbs, &tbs_len);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb_verifier_verify(v, tbs, tbs_len, s.sig, s.sig_len);
    if (rc == WB_ERR_BADSIG) {
        rc = wb__err(rc, "token: signature does not verify with key \"%s\"",
                     wb_verifier_name(v));
    }
    if (rc == WB_OK && out != NULL) {
        *out = s;
    }
out:
    wb__free(tbs);
    return rc;
}
