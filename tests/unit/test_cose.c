/* SPDX-License-Identifier: Apache-2.0 */
/* COSE_Sign1: the cose-wg/Examples vectors (read in place from
 * WB_VECTORS_DIR), our own header layout, and must-fail tokens. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <waybill/token.h>

#include "core/core_int.h"
#include "tinytest.h"
#include "token/token_int.h"

static const char content[] = "This is the content.";

/* ---- helpers ------------------------------------------------------------ */

static json_t *
load_vector(const char *name)
{
    char path[1024];
    json_error_t err;
    json_t *j;

    snprintf(path, sizeof path, "%s/cose/%s", WB_VECTORS_DIR, name);
    j = json_load_file(path, 0, &err);
    if (j == NULL) {
        fprintf(stderr, "%s: %s (line %d)\n", path, err.text, err.line);
        exit(2);
    }
    return j;
}

/* String at a dotted path such as "output.cbor". */
static const char *
jstr(json_t *root, const char *path)
{
    char buf[256];
    char *save = NULL;
    json_t *j = root;

    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k != NULL && j != NULL;
         k = strtok_r(NULL, ".", &save)) {
        j = json_object_get(j, k);
    }
    if (!json_is_string(j)) {
        fprintf(stderr, "vector has no string at %s\n", path);
        exit(2);
    }
    return json_string_value(j);
}

static uint8_t *
unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *p = malloc(n ? n : 1);

    if (p == NULL || wb_hex_decode(hex, strlen(hex), p, n) != WB_OK) {
        fprintf(stderr, "bad hex: %s\n", hex);
        exit(2);
    }
    *len = n;
    return p;
}

/* base64url without padding (JWK) into exactly n bytes. */
static void
unb64url(const char *in, uint8_t *out, size_t n)
{
    char buf[256];
    size_t len = strlen(in);
    uint8_t *dec = NULL;
    size_t dec_len = 0;

    if (len + 4 > sizeof buf) {
        exit(2);
    }
    for (size_t i = 0; i < len; i++) {
        buf[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
    }
    while (len % 4 != 0) {
        buf[len++] = '=';
    }
    buf[len] = '\0';
    if (wb_base64_decode(buf, len, &dec, &dec_len) != WB_OK || dec_len != n) {
        fprintf(stderr, "bad base64url: %s\n", in);
        exit(2);
    }
    memcpy(out, dec, n);
    wb_free(dec);
}

/* ES256 verifier from a JWK-style vector key (x, y base64url). */
static struct wb_verifier *
es256_verifier_b64url(json_t *v)
{
    uint8_t pt[65];
    struct wb_verifier *ver = NULL;

    pt[0] = 0x04;
    unb64url(jstr(v, "input.sign0.key.x"), pt + 1, 32);
    unb64url(jstr(v, "input.sign0.key.y"), pt + 33, 32);
    if (wb_verifier_from_raw(WB_ALG_ES256, "vector", pt, sizeof pt, &ver) !=
        WB_OK) {
        fprintf(stderr, "ES256 key: %s\n", wb_errmsg());
        exit(2);
    }
    return ver;
}

/* Check the vector's ToBeSign bytes against our Sig_structure. */
static void
check_tbs(json_t *v,
          const struct wb_cose_sign1 *s,
          const uint8_t *aad,
          size_t aad_len,
          const uint8_t *protected_bytes,
          size_t protected_len)
{
    size_t want_len;
    uint8_t *want = unhex(jstr(v, "intermediates.ToBeSign_hex"), &want_len);
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;

    TT_CHECK(wb__cose_tbs(protected_bytes, protected_len, aad, aad_len,
                          s->payload, s->payload_len, &tbs, &tbs_len) == WB_OK);
    TT_CHECK(tbs_len == want_len && memcmp(tbs, want, want_len) == 0);
    wb_free(tbs);
    free(want);
}

/* ---- EdDSA: eddsa-sig-01 ------------------------------------------------ */

/* Signed-note private key text for an RFC 8032 seed: the only way in for
 * a raw seed through the public API. */
static struct wb_signer *
signer_from_seed(const char *name, const uint8_t seed[32], const uint8_t pk[32])
{
    uint8_t idin[WB_KEY_NAME_MAX + 2 + 32];
    uint8_t h[WB_HASH_BYTES];
    uint8_t typed[33];
    char hex8[9];
    char *b64 = NULL;
    char text[512];
    size_t nlen = strlen(name);
    struct wb_signer *s = NULL;

    memcpy(idin, name, nlen);
    idin[nlen] = 0x0A;
    idin[nlen + 1] = 0x01;
    memcpy(idin + nlen + 2, pk, 32);
    wb_sha256(idin, nlen + 2 + 32, h);
    wb_hex_encode(h, 4, hex8);
    typed[0] = 0x01;
    memcpy(typed + 1, seed, 32);
    if (wb_base64_encode(typed, sizeof typed, &b64) != WB_OK) {
        exit(2);
    }
    snprintf(text, sizeof text, "PRIVATE+KEY+%s+%s+%s", name, hex8, b64);
    if (wb_signer_from_note_key(text, strlen(text), &s) != WB_OK) {
        fprintf(stderr, "signer: %s\n", wb_errmsg());
        exit(2);
    }
    wb_wipe(text, sizeof text);
    wb_wipe(typed, sizeof typed);
    wb_free(b64);
    return s;
}

static void
test_eddsa_01(void)
{
    json_t *v = load_vector("eddsa-sig-01.json");
    uint8_t seed[32], pk[32];
    size_t want_len, prot_len, unprot_len;
    uint8_t *want = unhex(jstr(v, "output.cbor"), &want_len);
    uint8_t *prot = unhex("A201270300", &prot_len);
    uint8_t *unprot = unhex("A104423131", &unprot_len);
    struct wb_signer *s;
    struct wb_signer *other = NULL;
    struct wb_verifier *ver = NULL;
    struct wb_verifier *wrong = NULL;
    struct wb_cose_sign1 out;
    uint8_t *tok = NULL;
    size_t tok_len = 0;
    const uint8_t *spk;
    size_t spk_len = 0;
    wb_err rc;

    TT_CHECK(wb_hex_decode(jstr(v, "input.sign0.key.d_hex"), 64, seed, 32) ==
             WB_OK);
    TT_CHECK(wb_hex_decode(jstr(v, "input.sign0.key.x_hex"), 64, pk, 32) ==
             WB_OK);
    s = signer_from_seed("cose-wg-eddsa-01", seed, pk);
    spk = wb_signer_public_key(s, &spk_len);
    TT_CHECK(spk_len == 32 && memcmp(spk, pk, 32) == 0);

    /* Ed25519 is deterministic: the exact example bytes. */
    rc = wb_cose_sign_raw(s, prot, prot_len, unprot, unprot_len, NULL, 0,
                          (const uint8_t *)content, strlen(content), &tok,
                          &tok_len);
    TT_CHECK_MSG(rc == WB_OK, "%s", wb_errmsg());
    TT_CHECK(tok_len == want_len && memcmp(tok, want, want_len) == 0);

    TT_CHECK(wb_verifier_from_raw(WB_ALG_EDDSA, "x", pk, 32, &ver) == WB_OK);
    rc = wb_cose_verify(want, want_len, ver, NULL, 0, &out);
    TT_CHECK_MSG(rc == WB_OK, "%s", wb_errmsg());
    TT_CHECK(out.alg == WB_ALG_EDDSA && out.tagged == 1);
    TT_CHECK(out.kid_len == 2 && memcmp(out.kid, "11", 2) == 0);
    TT_CHECK(out.protected_len == 5 && out.protected_bytes == want + 3);
    TT_CHECK(out.payload_len == strlen(content) &&
             memcmp(out.payload, content, out.payload_len) == 0);
    TT_CHECK(out.sig_len == 64);
    check_tbs(v, &out, NULL, 0, out.protected_bytes, out.protected_len);

    /* Regions: protected "03 00" -> "03 01" stays well-formed, so only the
     * signature catches it; a payload byte; a signature byte. */
    {
        static const size_t at[] = {7, 20, 40, 50, 99};
        for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
            memcpy(tok, want, want_len);
            tok[at[i]] ^= 0x01;
            rc = wb_cose_verify(tok, tok_len, ver, NULL, 0, &out);
            TT_CHECK_MSG(rc == WB_ERR_BADSIG, "flip at %zu: %d", at[i], rc);
            TT_CHECK(out.payload == NULL); /* nothing handed out */
        }
    }
    /* Every single-bit flip outside the unprotected header (bytes 8..12,
     * {4: h'3131'}, which no signature covers) is refused. */
    for (size_t i = 0; i < want_len; i++) {
        if (i >= 8 && i <= 12) {
            continue;
        }
        for (int bit = 0; bit < 8; bit++) {
            memcpy(tok, want, want_len);
            tok[i] ^= (uint8_t)(1u << bit);
            rc = wb_cose_verify(tok, tok_len, ver, NULL, 0, NULL);
            TT_CHECK_MSG(rc == WB_ERR_BADSIG || rc == WB_ERR_FORMAT,
                         "byte %zu bit %d: %d", i, bit, rc);
        }
    }
    /* ...and that is why our tokens carry the kid in the protected
     * header: here a rewritten unprotected kid still verifies. */
    memcpy(tok, want, want_len);
    tok[12] = '2';
    TT_CHECK(wb_cose_verify(tok, tok_len, ver, NULL, 0, &out) == WB_OK);
    TT_CHECK(out.kid_len == 2 && memcmp(out.kid, "12", 2) == 0);
    /* Truncated at every length. */
    for (size_t n = 0; n < want_len; n++) {
        rc = wb_cose_verify(want, n, ver, NULL, 0, NULL);
        TT_CHECK_MSG(rc == WB_ERR_FORMAT, "truncated to %zu: %d", n, rc);
    }
    /* Wrong key, wrong algorithm, an AAD the signer did not use. */
    TT_CHECK(wb_signer_generate("other", &other) == WB_OK);
    spk = wb_signer_public_key(other, &spk_len);
    TT_CHECK(wb_verifier_from_raw(WB_ALG_EDDSA, "other", spk, spk_len,
                                  &wrong) == WB_OK);
    TT_CHECK(wb_cose_verify(want, want_len, wrong, NULL, 0, NULL) ==
             WB_ERR_BADSIG);
    TT_CHECK(wb_cose_verify(want, want_len, ver, (const uint8_t *)"x", 1,
                            NULL) == WB_ERR_BADSIG);

    wb_verifier_free(wrong);
    wb_signer_free(other);
    wb_verifier_free(ver);
    wb_signer_free(s);
    wb_free(tok);
    free(want);
    free(prot);
    free(unprot);
    json_decref(v);
}

/* ---- ES256: RFC 8392 A.3 and the sign1 pass cases ------------------------ */

static void
test_cwt_a3(void)
{
    json_t *v = load_vector("A_3.json");
    size_t len;
    uint8_t *tok = unhex(jstr(v, "output.cbor"), &len);
    uint8_t pt[65];
    struct wb_verifier *ver = NULL;
    struct wb_verifier *ed = NULL;
    struct wb_signer *s = NULL;
    struct wb_cose_sign1 out;
    struct wb_claims *cl = NULL;
    const uint8_t *pk;
    size_t pk_len;
    wb_err rc;

    pt[0] = 0x04;
    TT_CHECK(wb_hex_decode(jstr(v, "input.sign0.key.x_hex"), 64, pt + 1, 32) ==
             WB_OK);
    TT_CHECK(wb_hex_decode(jstr(v, "input.sign0.key.y_hex"), 64, pt + 33, 32) ==
             WB_OK);
    TT_CHECK(wb_verifier_from_raw(WB_ALG_ES256, "cwt", pt, 65, &ver) == WB_OK);
    rc = wb_cose_verify(tok, len, ver, NULL, 0, &out);
    TT_CHECK_MSG(rc == WB_OK, "%s", wb_errmsg());
    TT_CHECK(out.alg == WB_ALG_ES256 && out.tagged && out.kid == NULL);
    check_tbs(v, &out, NULL, 0, out.protected_bytes, out.protected_len);
    /* Its payload is a CWT with claims we do not define (aud, 3). */
    TT_CHECK(wb_claims_decode(out.payload, out.payload_len, &cl) ==
             WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "label 3") != NULL);
    TT_CHECK(cl == NULL);

    tok[len - 1] ^= 0x80; /* signature */
    TT_CHECK(wb_cose_verify(tok, len, ver, NULL, 0, NULL) == WB_ERR_BADSIG);
    tok[len - 1] ^= 0x80;
    tok[20] ^= 0x01; /* payload */
    TT_CHECK(wb_cose_verify(tok, len, ver, NULL, 0, NULL) == WB_ERR_BADSIG);
    tok[20] ^= 0x01;

    /* An Ed25519 key for an ES256 token: refused before any crypto. */
    TT_CHECK(wb_signer_generate("ed", &s) == WB_OK);
    pk = wb_signer_public_key(s, &pk_len);
    TT_CHECK(wb_verifier_from_raw(WB_ALG_EDDSA, "ed", pk, pk_len, &ed) ==
             WB_OK);
    TT_CHECK(wb_cose_verify(tok, len, ed, NULL, 0, NULL) == WB_ERR_BADSIG);
    TT_CHECK(strstr(wb_errmsg(), "alg") != NULL);

    wb_verifier_free(ed);
    wb_signer_free(s);
    wb_verifier_free(ver);
    free(tok);
    json_decref(v);
}

static void
test_sign_pass_01(void)
{
    /* alg only in the unprotected header, protected h'A0' (an encoded
     * empty map). We trust only a protected alg: anyone can rewrite the
     * unprotected header and pick the algorithm (RFC 9052 §3.1 puts alg in
     * the protected bucket). The token parses but does not verify. */
    json_t *v = load_vector("sign-pass-01.json");
    size_t len;
    uint8_t *tok = unhex(jstr(v, "output.cbor"), &len);
    struct wb_verifier *ver = es256_verifier_b64url(v);
    struct wb_cose_sign1 s;
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;

    TT_CHECK(wb_cose_parse(tok, len, &s) == WB_OK);
    TT_CHECK(s.alg == 0);
    TT_CHECK(s.kid_len == 2 && memcmp(s.kid, "11", 2) == 0);
    TT_CHECK(s.protected_len == 1 && s.protected_bytes[0] == 0xA0);
    TT_CHECK(wb_cose_verify(tok, len, ver, NULL, 0, NULL) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "protected") != NULL);

    /* The example was signed over an empty protected bstr and then had it
     * changed to h'A0' ("failures": ChangeProtected). Its ToBeSign uses
     * h''; the signature holds over that, so the refusal above is policy,
     * and bytes-as-received would refuse it a second time. */
    check_tbs(v, &s, NULL, 0, NULL, 0);
    TT_CHECK(wb__cose_tbs(NULL, 0, NULL, 0, s.payload, s.payload_len, &tbs,
                          &tbs_len) == WB_OK);
    TT_CHECK(wb_verifier_verify(ver, tbs, tbs_len, s.sig, s.sig_len) == WB_OK);
    wb_free(tbs);
    TT_CHECK(wb__cose_tbs(s.protected_bytes, s.protected_len, NULL, 0,
                          s.payload, s.payload_len, &tbs, &tbs_len) == WB_OK);
    TT_CHECK(wb_verifier_verify(ver, tbs, tbs_len, s.sig, s.sig_len) ==
             WB_ERR_BADSIG);
    wb_free(tbs);

    wb_verifier_free(ver);
    free(tok);
    json_decref(v);
}

static void
test_sign_pass_02(void)
{
    json_t *v = load_vector("sign-pass-02.json");
    size_t len, aad_len;
    uint8_t *tok = unhex(jstr(v, "output.cbor"), &len);
    uint8_t *aad = unhex(jstr(v, "input.sign0.external"), &aad_len);
    struct wb_verifier *ver = es256_verifier_b64url(v);
    struct wb_cose_sign1 s;
    wb_err rc;

    rc = wb_cose_verify(tok, len, ver, aad, aad_len, &s);
    TT_CHECK_MSG(rc == WB_OK, "%s", wb_errmsg());
    check_tbs(v, &s, aad, aad_len, s.protected_bytes, s.protected_len);
    TT_CHECK(wb_cose_verify(tok, len, ver, NULL, 0, NULL) == WB_ERR_BADSIG);
    aad[0] ^= 1;
    TT_CHECK(wb_cose_verify(tok, len, ver, aad, aad_len, NULL) ==
             WB_ERR_BADSIG);

    wb_verifier_free(ver);
    free(aad);
    free(tok);
    json_decref(v);
}

static void
test_sign_pass_03(void)
{
    json_t *v = load_vector("sign-pass-03.json");
    size_t len;
    uint8_t *tok = unhex(jstr(v, "output.cbor"), &len);
    struct wb_verifier *ver = es256_verifier_b64url(v);
    struct wb_cose_sign1 s;
    wb_err rc;

    TT_CHECK(wb_cose_parse(tok, len, &s) == WB_OK);
    TT_CHECK(s.tagged == 0 && s.alg == WB_ALG_ES256);
    rc = wb_cose_verify(tok, len, ver, NULL, 0, &s);
    TT_CHECK_MSG(rc == WB_OK, "%s", wb_errmsg());
    check_tbs(v, &s, NULL, 0, s.protected_bytes, s.protected_len);

    wb_verifier_free(ver);
    free(tok);
    json_decref(v);
}

/* ---- our own tokens --------------------------------------------------------
 */

static void
test_sign_layout(void)
{
    struct wb_signer *s = NULL;
    struct wb_verifier *ver = NULL;
    char *vkey = NULL;
    uint8_t kid[WB_KEY_ID_BYTES];
    uint8_t *tok = NULL;
    size_t len = 0;
    struct wb_cose_sign1 out;
    static const uint8_t payload[] = {0xA0};
    static const uint8_t prot_head[] = {0xD2, 0x84, 0x49, 0xA2,
                                        0x01, 0x27, 0x04, 0x44};
    wb_err rc;

    TT_CHECK(wb_signer_generate("site.example", &s) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(s, &vkey) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(vkey, strlen(vkey), &ver) == WB_OK);
    wb_signer_key_id(s, kid);

    rc = wb_cose_sign(s, kid, sizeof kid, payload, sizeof payload, &tok, &len);
    TT_CHECK(rc == WB_OK);
    /* 18([h'A2 01 27 04 44 kid', {}, payload, sig]) */
    TT_CHECK(len == sizeof prot_head + 4 + 1 + 2 + 2 + 64);
    TT_CHECK(memcmp(tok, prot_head, sizeof prot_head) == 0);
    TT_CHECK(memcmp(tok + 8, kid, 4) == 0);
    TT_CHECK(tok[12] == 0xA0 && tok[13] == 0x41 && tok[14] == 0xA0);
    TT_CHECK(tok[15] == 0x58 && tok[16] == 64);
    TT_CHECK(wb_cose_verify(tok, len, ver, NULL, 0, &out) == WB_OK);
    TT_CHECK(out.kid_len == 4 && memcmp(out.kid, kid, 4) == 0);
    TT_CHECK(out.alg == WB_ALG_EDDSA);
    wb_free(tok);
    tok = NULL;

    /* No kid: {1: -8}; an empty payload. */
    TT_CHECK(wb_cose_sign(s, NULL, 0, NULL, 0, &tok, &len) == WB_OK);
    TT_CHECK(len > 6 && tok[2] == 0x43 && tok[3] == 0xA1 && tok[4] == 0x01 &&
             tok[5] == 0x27);
    TT_CHECK(wb_cose_verify(tok, len, ver, NULL, 0, &out) == WB_OK);
    TT_CHECK(out.kid == NULL && out.payload_len == 0);
    wb_free(tok);
    tok = NULL;

    /* Device tokens: kid = device id as UTF-8. */
    TT_CHECK(wb_cose_sign(s, (const uint8_t *)"press-07", 8, payload,
                          sizeof payload, &tok, &len) == WB_OK);
    TT_CHECK(wb_cose_verify(tok, len, ver, NULL, 0, &out) == WB_OK);
    TT_CHECK(out.kid_len == 8 && memcmp(out.kid, "press-07", 8) == 0);
    wb_free(tok);
    tok = NULL;

    /* Allocation failures: NOMEM every time until it works, no leaks. */
    for (unsigned long k = 1; k < 32; k++) {
        wb__test_fail_alloc_at(k);
        rc = wb_cose_sign(s, kid, sizeof kid, payload, sizeof payload, &tok,
                          &len);
        wb__test_fail_alloc_at(0);
        if (rc == WB_OK) {
            break;
        }
        TT_CHECK_MSG(rc == WB_ERR_NOMEM, "alloc %lu: %d", k, rc);
        TT_CHECK(tok == NULL);
    }
    for (unsigned long k = 1; k < 32; k++) {
        wb__test_fail_alloc_at(k);
        rc = wb_cose_verify(tok, len, ver, NULL, 0, NULL);
        wb__test_fail_alloc_at(0);
        if (rc == WB_OK) {
            break;
        }
        TT_CHECK_MSG(rc == WB_ERR_NOMEM, "alloc %lu: %d", k, rc);
    }
    wb_free(tok);
    tok = NULL;

    /* sign_raw refuses headers a verifier would refuse. */
    {
        static const uint8_t es256_prot[] = {0xA1, 0x01, 0x26};
        static const uint8_t not_map[] = {0x80};
        static const uint8_t two_maps[] = {0xA0, 0xA0};
        static const uint8_t empty[] = {0xA0};
        static const uint8_t crit[] = {0xA1, 0x02, 0x81, 0x01};
        TT_CHECK(wb_cose_sign_raw(s, es256_prot, 3, empty, 1, NULL, 0, payload,
                                  1, &tok, &len) == WB_ERR_INVAL);
        TT_CHECK(wb_cose_sign_raw(s, not_map, 1, empty, 1, NULL, 0, payload, 1,
                                  &tok, &len) == WB_ERR_INVAL);
        TT_CHECK(wb_cose_sign_raw(s, NULL, 0, not_map, 1, NULL, 0, payload, 1,
                                  &tok, &len) == WB_ERR_INVAL);
        TT_CHECK(wb_cose_sign_raw(s, NULL, 0, two_maps, 2, NULL, 0, payload, 1,
                                  &tok, &len) == WB_ERR_INVAL);
        TT_CHECK(wb_cose_sign_raw(s, crit, 4, empty, 1, NULL, 0, payload, 1,
                                  &tok, &len) == WB_ERR_INVAL);
        TT_CHECK(tok == NULL);
    }
    /* Over the token cap. */
    {
        uint8_t *big = calloc(1, WB_TOKEN_MAX_BYTES);
        TT_CHECK(wb_cose_sign(s, kid, 4, big, WB_TOKEN_MAX_BYTES, &tok, &len) ==
                 WB_ERR_TOOBIG);
        TT_CHECK(tok == NULL);
        TT_CHECK(wb_cose_parse(big, WB_TOKEN_MAX_BYTES + 1, &out) ==
                 WB_ERR_TOOBIG);
        free(big);
    }

    wb_verifier_free(ver);
    wb_free(vkey);
    wb_signer_free(s);
}

struct bad_tok {
    const char *name;
    const char *hex;
    const char *detail;
};

/* A well-formed base: 18([h'A10127', {}, h'74657374', h'']). */
#define OK_TOKEN "d28443a10127a0447465737440"

static const struct bad_tok bad_toks[] = {
    {"tag 17", "d18443a10127a0447465737440", "tag 17"},
    {"tag 18 twice", "d2d28443a10127a0447465737440", "array of 4"},
    {"array of 3", "d28343a10127a04474657374", "array of 4"},
    {"array of 5", "d28543a10127a044746573744040", "array of 4"},
    {"huge array", "d29bffffffffffffffff", "array of 4"},
    {"indefinite array", "d29f43a10127a0447465737440ff", "array of 4"},
    {"protected int", "d28401a0447465737440", "protected header is not a b"},
    {"protected not map", "d2844101a0447465737440", "not a CBOR map"},
    {"protected trailing", "d28444a1012700a0447465737440", "trailing"},
    {"protected truncated", "d28442a101a0447465737440", "early"},
    {"unprotected array", "d28443a1012780447465737440", "not a map"},
    {"unprotected indefinite", "d28443a10127bfff447465737440", "not a map"},
    {"detached payload", "d28443a10127a0f640", "detached"},
    {"payload text", "d28443a10127a0647465737440", "payload"},
    {"signature int", "d28443a10127a0447465737401", "signature"},
    {"trailing bytes", OK_TOKEN "00", "trailing"},
    {"kid twice",
     "d28446a20127044131a10441314474657374"
     "40",
     "duplicate"},
    {"alg twice", "d28445a201270126a0447465737440", "duplicate"},
    {"crit", "d28446a20127028101a0447465737440", "crit"},
    {"kid int",
     "d28443a10127a104014474657374"
     "40",
     "kid"},
    {"alg text", "d28446a1016345533aa0447465737440", "alg"},
    {"alg 0", "d28443a10100a0447465737440", "reserved"},
    {"float label",
     "d28443a10127a1f93c00004474657374"
     "40",
     "label"},
    {"deep nesting",
     "d28443a10127a105818181818181818181818181818100447465737440", "deep"},
    {"huge map in header", "d28443a10127a105bbffffffffffffffff", "early"},
    {"empty", "", "early"},
};

static void
test_parse_fails(void)
{
    struct wb_cose_sign1 out;
    size_t len;
    uint8_t *tok = unhex(OK_TOKEN, &len);

    TT_CHECK(wb_cose_parse(tok, len, &out) == WB_OK);
    TT_CHECK(out.alg == WB_ALG_EDDSA && out.payload_len == 4);
    free(tok);

    for (size_t i = 0; i < sizeof bad_toks / sizeof *bad_toks; i++) {
        const struct bad_tok *bt = &bad_toks[i];
        wb_err rc;

        tok = unhex(bt->hex, &len);
        rc = wb_cose_parse(tok, len, &out);
        TT_CHECK_MSG(rc == WB_ERR_FORMAT, "%s: rc %d", bt->name, rc);
        TT_CHECK_MSG(strstr(wb_errmsg(), bt->detail) != NULL,
                     "%s: detail \"%s\" lacks \"%s\"", bt->name, wb_errmsg(),
                     bt->detail);
        TT_CHECK(out.payload == NULL && out.alg == 0);
        free(tok);
    }
}

int
main(void)
{
    if (wb_init() != WB_OK) {
        return 99;
    }
    test_eddsa_01();
    test_cwt_a3();
    test_sign_pass_01();
    test_sign_pass_02();
    test_sign_pass_03();
    test_sign_layout();
    test_parse_fails();
    return TT_REPORT();
}
