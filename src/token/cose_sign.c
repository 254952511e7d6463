/* SPDX-License-Identifier: Apache-2.0 */
/* COSE_Sign1 signing (RFC 9052 §4.2, §4.4): the Sig_structure, tokens with
 * our protected header {1: alg, 4: kid}, and tokens with caller-made
 * headers. */
#include <string.h>

#include "token/token_int.h"

/* Room for the CBOR heads around the three byte strings: array, the
 * "Signature1" text, three bstr heads of at most 9 bytes. */
#define TBS_OVERHEAD 48

static const char context_sign1[] = "Signature1";

wb_err
wb__cose_tbs(const uint8_t *protected_bytes,
             size_t protected_len,
             const uint8_t *aad,
             size_t aad_len,
             const uint8_t *payload,
             size_t payload_len,
             uint8_t **out,
             size_t *out_len)
{
    struct wb__cbor_wr w;
    size_t max = TBS_OVERHEAD;
    wb_err rc;

    *out = NULL;
    *out_len = 0;
    if (protected_len > SIZE_MAX - max || aad_len > SIZE_MAX - max ||
        payload_len > SIZE_MAX - max) {
        return wb__err(WB_ERR_TOOBIG, "token: Sig_structure too large");
    }
    max += protected_len;
    if (aad_len > SIZE_MAX - max) {
        return wb__err(WB_ERR_TOOBIG, "token: Sig_structure too large");
    }
    max += aad_len;
    if (payload_len > SIZE_MAX - max) {
        return wb__err(WB_ERR_TOOBIG, "token: Sig_structure too large");
    }
    max += payload_len;
    wb__cbor_wr_init(&w, max);
    wb__cbor_put_array(&w, 4);
    wb__cbor_put_tstr(&w, context_sign1, sizeof context_sign1 - 1);
    wb__cbor_put_bstr(&w, protected_bytes, protected_len);
    wb__cbor_put_bstr(&w, aad, aad_len);
    wb__cbor_put_bstr(&w, payload, payload_len);
    rc = w.rc;
    if (rc == WB_OK) {
        *out = wb__buf_take(&w.buf, out_len);
    }
    wb__buf_clear(&w.buf);
    return rc;
}

/* The caller's headers must be what a verifier accepts. */
static wb_err
check_headers(const struct wb_signer *s,
              const uint8_t *protected_bytes,
              size_t protected_len,
              const uint8_t *unprotected_map,
              size_t unprotected_len)
{
    struct wb__cbor_rd r;
    struct wb_cose_sign1 h;
    wb_err rc;

    memset(&h, 0, sizeof h);
    wb__cbor_rd_init(&r, unprotected_map, unprotected_len);
    rc = wb__cose_headers(protected_bytes, protected_len, &r, &h);
    if (rc == WB_OK && r.off != unprotected_len) {
        rc = wb__err(WB_ERR_FORMAT,
                     "token: trailing bytes after the unprotected header");
    }
    if (rc == WB_ERR_FORMAT) {
        wb__err_prefix("token: bad header for signing");
        return WB_ERR_INVAL;
    }
    if (rc == WB_OK && h.alg != 0 && h.alg != wb_signer_alg(s)) {
        rc = wb__err(WB_ERR_INVAL,
                     "token: protected alg %d does not match the signer's "
                     "alg %d",
                     h.alg, wb_signer_alg(s));
    }
    return rc;
}

wb_err
wb_cose_sign_raw(const struct wb_signer *s,
                 const uint8_t *protected_bytes,
                 size_t protected_len,
                 const uint8_t *unprotected_map,
                 size_t unprotected_len,
                 const uint8_t *aad,
                 size_t aad_len,
                 const uint8_t *payload,
                 size_t payload_len,
                 uint8_t **out,
                 size_t *out_len)
{
    struct wb__cbor_wr w;
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    uint8_t sig[WB_SIG_MAX_BYTES];
    size_t sig_len = 0;
    wb_err rc;

    wb__cbor_wr_init(&w, WB_TOKEN_MAX_BYTES);
    if (out == NULL || out_len == NULL) {
        return wb__err(WB_ERR_INVAL, "token: NULL output");
    }
    *out = NULL;
    *out_len = 0;
    if (s == NULL || (protected_bytes == NULL && protected_len > 0) ||
        unprotected_map == NULL || (aad == NULL && aad_len > 0) ||
        (payload == NULL && payload_len > 0)) {
        return wb__err(WB_ERR_INVAL, "token: NULL argument");
    }
    if (protected_len > WB_TOKEN_MAX_BYTES ||
        unprotected_len > WB_TOKEN_MAX_BYTES ||
        payload_len > WB_TOKEN_MAX_BYTES) {
        return wb__err(WB_ERR_TOOBIG, "token: larger than %d bytes",
                       WB_TOKEN_MAX_BYTES);
    }
    rc = check_headers(s, protected_bytes, protected_len, unprotected_map,
                       unprotected_len);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb__cose_tbs(protected_bytes, protected_len, aad, aad_len, payload,
                      payload_len, &tbs, &tbs_len);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb_signer_sign(s, tbs, tbs_len, sig, &sig_len);
    if (rc != WB_OK) {
        wb__err_prefix("token: signing");
        goto out;
    }
    wb__cbor_put_tag(&w, WB__COSE_TAG_SIGN1);
    wb__cbor_put_array(&w, 4);
    wb__cbor_put_bstr(&w, protected_bytes, protected_len);
    wb__cbor_put_raw(&w, unprotected_map, unprotected_len);
    wb__cbor_put_bstr(&w, payload, payload_len);
    wb__cbor_put_bstr(&w, sig, sig_len);
    rc = w.rc;
    if (rc == WB_ERR_TOOBIG) {
        rc = wb__err(rc, "token: larger than %d bytes", WB_TOKEN_MAX_BYTES);
    }
    if (rc == WB_OK) {
        *out = wb__buf_take(&w.buf, out_len);
    }
out:
    wb__free(tbs);
    wb__buf_clear(&w.buf);
    return rc;
}

wb_err
wb_cose_sign(const struct wb_signer *s,
             const uint8_t *kid,
             size_t kid_len,
             const uint8_t *payload,
             size_t payload_len,
             uint8_t **out,
             size_t *out_len)
{
    static const uint8_t empty_map[] = {0xA0};
    struct wb__cbor_wr w;
    wb_err rc;

    if (out == NULL || out_len == NULL) {
        return wb__err(WB_ERR_INVAL, "token: NULL output");
    }
    *out = NULL;
    *out_len = 0;
    if (s == NULL || (kid == NULL && kid_len > 0)) {
        return wb__err(WB_ERR_INVAL, "token: NULL argument");
    }
    /* {1: alg, 4: kid}: deterministic, labels in order; without a kid
     * just {1: alg}. */
    wb__cbor_wr_init(&w, WB_TOKEN_MAX_BYTES);
    wb__cbor_put_map(&w, kid_len > 0 ? 2 : 1);
    wb__cbor_put_int(&w, 1);
    wb__cbor_put_int(&w, wb_signer_alg(s));
    if (kid_len > 0) {
        wb__cbor_put_int(&w, 4);
        wb__cbor_put_bstr(&w, kid, kid_len);
    }
    rc = w.rc;
    if (rc == WB_ERR_TOOBIG) {
        rc = wb__err(rc, "token: kid larger than %d bytes", WB_TOKEN_MAX_BYTES);
    }
    if (rc == WB_OK) {
        rc = wb_cose_sign_raw(s, w.buf.data, w.buf.len, empty_map,
                              sizeof empty_map, NULL, 0, payload, payload_len,
                              out, out_len);
    }
    wb__buf_clear(&w.buf);
    return rc;
}
