/* SPDX-License-Identifier: Apache-2.0 */
/* P-256 (ES256) and PEM public keys through OpenSSL 3: COSE carries raw
 * r||s, OpenSSL wants DER, so the signature is converted here. */
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <string.h>

#include "crypto/crypto_int.h"

/* EVP_PKEY for an uncompressed P-256 point, or NULL. */
static EVP_PKEY *
p256_key(const uint8_t *pk, size_t pk_len)
{
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    OSSL_PARAM params[3];

    if (pk_len != 65 || pk[0] != 0x04) {
        return NULL;
    }
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *)"prime256v1", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  (void *)pk, pk_len);
    params[2] = OSSL_PARAM_construct_end();
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}

wb_err
wb__es256_check_key(const uint8_t *pk, size_t pk_len)
{
    EVP_PKEY *key = p256_key(pk, pk_len);
    EVP_PKEY_CTX *ctx = NULL;
    wb_err rc = WB_OK;

    if (key == NULL) {
        return wb__err(WB_ERR_FORMAT, "not an uncompressed P-256 point");
    }
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx == NULL || EVP_PKEY_public_check(ctx) != 1) {
        rc = wb__err(WB_ERR_FORMAT, "P-256 point is not on the curve");
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    return rc;
}

wb_err
wb__es256_verify(const uint8_t *pk,
                 size_t pk_len,
                 const uint8_t *msg,
                 size_t msg_len,
                 const uint8_t *sig,
                 size_t sig_len)
{
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL;
    BIGNUM *s = NULL;
    unsigned char *der = NULL;
    int der_len;
    wb_err rc = WB_ERR_BADSIG;

    if (sig_len != 64) {
        return WB_ERR_BADSIG;
    }
    key = p256_key(pk, pk_len);
    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, 32, NULL);
    s = BN_bin2bn(sig + 32, 32, NULL);
    if (key == NULL || es == NULL || r == NULL || s == NULL ||
        ECDSA_SIG_set0(es, r, s) != 1) {
        rc = WB_ERR_CRYPTO;
        goto out;
    }
    r = NULL; /* owned by es now */
    s = NULL;
    der_len = i2d_ECDSA_SIG(es, &der);
    md = EVP_MD_CTX_new();
    if (der_len <= 0 || md == NULL ||
        EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1) {
        rc = WB_ERR_CRYPTO;
        goto out;
    }
    if (EVP_DigestVerify(md, der, (size_t)der_len, msg, msg_len) == 1) {
        rc = WB_OK;
    }
out:
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    EVP_PKEY_free(key);
    return rc;
}

wb_err
wb__pem_public_key(
    const char *pem, size_t len, int *alg, uint8_t pk[65], size_t *pk_len)
{
    BIO *bio = NULL;
    EVP_PKEY *key = NULL;
    wb_err rc = WB_OK;
    size_t n = 65;

    if (len > 16384) {
        return wb__err(WB_ERR_TOOBIG, "PEM key larger than 16 KiB");
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio != NULL) {
        key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    }
    if (key == NULL) {
        rc = wb__err(WB_ERR_FORMAT, "not a PEM public key");
        goto out;
    }
    if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) {
        n = WB_ED25519_PK_BYTES;
        if (EVP_PKEY_get_raw_public_key(key, pk, &n) != 1) {
            rc = wb__err(WB_ERR_FORMAT, "bad Ed25519 key");
            goto out;
        }
        *alg = WB_ALG_EDDSA;
    } else if (EVP_PKEY_get_id(key) == EVP_PKEY_EC) {
        char group[64] = "";
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
                                           group, sizeof group, NULL) != 1 ||
            strcmp(group, "prime256v1") != 0 ||
            EVP_PKEY_set_utf8_string_param(
                key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                "uncompressed") != 1 ||
            EVP_PKEY_get_octet_string_param(
                key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pk, 65, &n) != 1) {
            rc = wb__err(WB_ERR_FORMAT, "EC key is not P-256");
            goto out;
        }
        *alg = WB_ALG_ES256;
    } else {
        rc = wb__err(WB_ERR_FORMAT, "PEM key is neither Ed25519 nor P-256");
        goto out;
    }
    *pk_len = n;
out:
    EVP_PKEY_free(key);
    BIO_free(bio);
    return rc;
}
