/* SPDX-License-Identifier: Apache-2.0 */
/* Core encodings and the crypto module: strict base64, signed-note key
 * text, Ed25519 signers/verifiers, and PEM keys and signatures made by an
 * independent implementation (the openssl command line). */
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "tinytest.h"

static void
test_base64(void)
{
    uint8_t bin[64];
    uint8_t *out = NULL;
    size_t n = 0;
    char *s = NULL;
    static const char *const bad[] = {
        "AAA",   "AA=A",  "A===", "AB==", "AAB=",   "\x80\x41\x41\x41",
        "AA AA", "AA\nA", "====", "A",    "QUJD\n",
    };

    for (size_t len = 0; len <= sizeof bin; len++) {
        for (size_t i = 0; i < len; i++) {
            bin[i] = (uint8_t)(i * 37 + len);
        }
        TT_CHECK(wb_base64_encode(bin, len, &s) == WB_OK);
        TT_CHECK(wb_base64_decode(s, strlen(s), &out, &n) == WB_OK);
        TT_CHECK(n == len && (len == 0 || memcmp(out, bin, len) == 0));
        wb_free(s);
        wb_free(out);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TT_CHECK_MSG(wb_base64_decode(bad[i], strlen(bad[i]), &out, &n) ==
                         WB_ERR_FORMAT,
                     "accepted \"%s\"", bad[i]);
        TT_CHECK(out == NULL);
    }
    TT_CHECK(wb_base64_decode("AA==", 4, &out, &n) == WB_OK && n == 1 &&
             out[0] == 0);
    wb_free(out);
    TT_CHECK(wb_hex_decode("00ff", 4, bin, 2) == WB_OK && bin[1] == 0xff);
    TT_CHECK(wb_hex_decode("00fg", 4, bin, 2) == WB_ERR_FORMAT);
    TT_CHECK(wb_hex_decode("00f", 3, bin, 2) == WB_ERR_FORMAT);
}

static void
test_note_keys(void)
{
    struct wb_signer *k = NULL;
    struct wb_signer *k2 = NULL;
    struct wb_verifier *v = NULL;
    char *priv = NULL;
    char *vkey = NULL;
    char *vkey2 = NULL;
    char buf[512];
    uint8_t sig[WB_SIG_MAX_BYTES];
    size_t sig_len = 0;
    const uint8_t msg[] = "reading 42";

    TT_CHECK(wb_signer_generate("bad name", &k) == WB_ERR_INVAL);
    TT_CHECK(wb_signer_generate("bad+name", &k) == WB_ERR_INVAL);
    TT_CHECK(wb_signer_generate("", &k) == WB_ERR_INVAL);
    TT_CHECK(wb_signer_generate("plant-7.example/log", &k) == WB_OK);
    TT_CHECK(wb_signer_note_key(k, &priv) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(k, &vkey) == WB_OK);
    TT_CHECK(strncmp(priv, "PRIVATE+KEY+plant-7.example/log+", 32) == 0);

    /* import round trip, with a trailing newline */
    snprintf(buf, sizeof buf, "%s\n", priv);
    TT_CHECK(wb_signer_from_note_key(buf, strlen(buf), &k2) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(k2, &vkey2) == WB_OK);
    TT_CHECK(strcmp(vkey, vkey2) == 0);

    /* sign and verify; tampering fails */
    TT_CHECK(wb_signer_sign(k, msg, sizeof msg, sig, &sig_len) == WB_OK);
    TT_CHECK(sig_len == 64);
    TT_CHECK(wb_verifier_from_note_key(vkey, strlen(vkey), &v) == WB_OK);
    TT_CHECK(wb_verifier_verify(v, msg, sizeof msg, sig, sig_len) == WB_OK);
    sig[10] ^= 1;
    TT_CHECK(wb_verifier_verify(v, msg, sizeof msg, sig, sig_len) ==
             WB_ERR_BADSIG);
    TT_CHECK(wb_verifier_verify(v, msg, sizeof msg, sig, 63) == WB_ERR_BADSIG);
    wb_verifier_free(v);
    v = NULL;

    /* a key id that does not match name and key is refused */
    snprintf(buf, sizeof buf, "%s", vkey);
    buf[strlen("plant-7.example/log+")] ^= 1;
    TT_CHECK(wb_verifier_from_note_key(buf, strlen(buf), &v) == WB_ERR_FORMAT);
    wb_signer_free(k2);
    k2 = NULL;
    snprintf(buf, sizeof buf, "%s", priv);
    buf[strlen("PRIVATE+KEY+plant-7.example/log+") + 2] ^= 1;
    TT_CHECK(wb_signer_from_note_key(buf, strlen(buf), &k2) != WB_OK);
    TT_CHECK(wb_signer_from_note_key(vkey, strlen(vkey), &k2) ==
             WB_ERR_FORMAT); /* no PRIVATE+KEY+ prefix */
    TT_CHECK(k2 == NULL);
    TT_CHECK(wb_verifier_from_note_key("name+12345678+", 14, &v) ==
             WB_ERR_FORMAT);
    TT_CHECK(wb_verifier_from_note_key("name", 4, &v) == WB_ERR_FORMAT);
    TT_CHECK(v == NULL);

    if (priv != NULL) {
        wb_wipe(priv, strlen(priv));
    }
    wb_free(priv);
    wb_free(vkey);
    wb_free(vkey2);
    wb_signer_free(k);
    wb_signer_free(NULL);
    wb_verifier_free(NULL);
}

/* Run a shell command in dir; true on success. */
static int
sh(const char *dir, const char *cmd)
{
    char full[2048];

    snprintf(full, sizeof full, "cd '%s' && { %s; } >/dev/null 2>&1", dir, cmd);
    return system(full) == 0;
}

static uint8_t *
slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    uint8_t *p = malloc(65536);

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    *len = 0;
    if (f != NULL && p != NULL) {
        *len = fread(p, 1, 65535, f);
        p[*len] = 0;
    }
    if (f != NULL) {
        fclose(f);
    }
    return p;
}

/* PEM keys and signatures from openssl verify here. */
static void
test_openssl_interop(void)
{
    char dir[] = "/tmp/wbcrypto.XXXXXX";
    struct wb_verifier *v = NULL;
    uint8_t *pem = NULL;
    uint8_t *sig = NULL;
    uint8_t *msg = NULL;
    uint8_t raw[64];
    size_t pem_len;
    size_t sig_len;
    size_t msg_len;
    const unsigned char *q;
    ECDSA_SIG *es;

    if (mkdtemp(dir) == NULL || !sh(dir, "command -v openssl")) {
        printf("openssl not found: interop skipped\n");
        return;
    }
    TT_CHECK(sh(dir, "printf 'telemetry window 7' > msg"));
    /* Ed25519 */
    TT_CHECK(sh(dir, "openssl genpkey -algorithm ed25519 -out ed.pem && "
                     "openssl pkey -in ed.pem -pubout -out ed.pub && "
                     "openssl pkeyutl -sign -inkey ed.pem -rawin -in msg "
                     "-out ed.sig"));
    pem = slurp(dir, "ed.pub", &pem_len);
    sig = slurp(dir, "ed.sig", &sig_len);
    msg = slurp(dir, "msg", &msg_len);
    TT_CHECK(wb_verifier_from_pem((char *)pem, pem_len, &v) == WB_OK);
    TT_CHECK(v != NULL && wb_verifier_alg(v) == WB_ALG_EDDSA);
    TT_CHECK(v != NULL &&
             wb_verifier_verify(v, msg, msg_len, sig, sig_len) == WB_OK);
    msg[0] ^= 1;
    TT_CHECK(v != NULL && wb_verifier_verify(v, msg, msg_len, sig, sig_len) ==
                              WB_ERR_BADSIG);
    msg[0] ^= 1;
    wb_verifier_free(v);
    v = NULL;
    free(pem);
    free(sig);
    /* P-256: openssl gives DER signatures, COSE wants raw r||s */
    TT_CHECK(sh(dir, "openssl genpkey -algorithm EC -pkeyopt "
                     "ec_paramgen_curve:P-256 -out ec.pem && "
                     "openssl pkey -in ec.pem -pubout -out ec.pub && "
                     "openssl dgst -sha256 -sign ec.pem -out ec.sig msg"));
    pem = slurp(dir, "ec.pub", &pem_len);
    sig = slurp(dir, "ec.sig", &sig_len);
    TT_CHECK(wb_verifier_from_pem((char *)pem, pem_len, &v) == WB_OK);
    TT_CHECK(v != NULL && wb_verifier_alg(v) == WB_ALG_ES256);
    q = sig;
    es = d2i_ECDSA_SIG(NULL, &q, (long)sig_len);
    TT_CHECK(es != NULL);
    if (es != NULL && v != NULL) {
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
        TT_CHECK(wb_verifier_verify(v, msg, msg_len, raw, 64) == WB_OK);
        raw[5] ^= 1;
        TT_CHECK(wb_verifier_verify(v, msg, msg_len, raw, 64) == WB_ERR_BADSIG);
    }
    ECDSA_SIG_free(es);
    wb_verifier_free(v);
    v = NULL;
    /* not a key */
    TT_CHECK(wb_verifier_from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                                  "-----END PUBLIC KEY-----\n",
                                  58, &v) == WB_ERR_FORMAT);
    /* a point not on the curve */
    memset(raw, 0x11, sizeof raw);
    {
        uint8_t pt[65];
        pt[0] = 0x04;
        memset(pt + 1, 0x11, 64);
        TT_CHECK(wb_verifier_from_raw(WB_ALG_ES256, NULL, pt, 65, &v) ==
                 WB_ERR_FORMAT);
    }
    free(pem);
    free(sig);
    free(msg);
    sh(dir, "rm -f msg ed.pem ed.pub ed.sig ec.pem ec.pub ec.sig");
    rmdir(dir);
}

int
main(void)
{
    if (wb_init() != WB_OK) {
        return 1;
    }
    test_base64();
    test_note_keys();
    test_openssl_interop();
    return TT_REPORT();
}
