/* SPDX-License-Identifier: Apache-2.0 */
/* Verifiers: Ed25519 through libsodium, ES256 through OpenSSL. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto_int.h"

struct wb_verifier {
    int alg;
    char name[WB_KEY_NAME_MAX + 1];
    uint8_t pk[65];
    size_t pk_len;
    uint8_t id[WB_KEY_ID_BYTES];
};

wb_err
wb_verifier_from_raw(int alg,
                     const char *name,
                     const uint8_t *pk,
                     size_t pk_len,
                     struct wb_verifier **out)
{
    struct wb_verifier *v;
    wb_err rc;

    *out = NULL;
    if (name == NULL) {
        name = "";
    }
    if (strlen(name) > WB_KEY_NAME_MAX) {
        return wb__err(WB_ERR_INVAL, "key name too long");
    }
    if (alg == WB_ALG_EDDSA) {
        if (pk_len != WB_ED25519_PK_BYTES) {
            return wb__err(WB_ERR_FORMAT,
                           "Ed25519 public key must be 32 "
                           "bytes, not %zu",
                           pk_len);
        }
    } else if (alg == WB_ALG_ES256) {
        rc = wb__es256_check_key(pk, pk_len);
        if (rc != WB_OK) {
            return rc;
        }
    } else {
        return wb__err(WB_ERR_FORMAT, "unsupported algorithm %d", alg);
    }
    v = wb__calloc(1, sizeof *v);
    if (v == NULL) {
        return WB_ERR_NOMEM;
    }
    v->alg = alg;
    snprintf(v->name, sizeof v->name, "%s", name);
    memcpy(v->pk, pk, pk_len);
    v->pk_len = pk_len;
    wb__note_key_id(v->name, v->pk, v->pk_len, v->id);
    *out = v;
    return WB_OK;
}

wb_err
wb_verifier_from_note_key(const char *text,
                          size_t len,
                          struct wb_verifier **out)
{
    char name[WB_KEY_NAME_MAX + 1];
    uint8_t id[WB_KEY_ID_BYTES];
    uint8_t *key = NULL;
    size_t key_len = 0;
    wb_err rc;

    *out = NULL;
    if (len >= 12 && memcmp(text, "PRIVATE+KEY+", 12) == 0) {
        /* never echoed: it is a secret */
        return wb__err(WB_ERR_FORMAT,
                       "verifier key: this is a private signing key; give "
                       "its public verifier key (the line keygen printed)");
    }
    rc = wb__note_key_split(text, len, name, id, &key, &key_len);
    if (rc != WB_OK) {
        goto out;
    }
    if (key_len != 1 + WB_ED25519_PK_BYTES || key[0] != 0x01) {
        rc = wb__err(WB_ERR_FORMAT, "verifier key: not an Ed25519 (type 1) "
                                    "key of 32 bytes");
        goto out;
    }
    rc = wb_verifier_from_raw(WB_ALG_EDDSA, name, key + 1, WB_ED25519_PK_BYTES,
                              out);
    if (rc == WB_OK && memcmp((*out)->id, id, WB_KEY_ID_BYTES) != 0) {
        wb_verifier_free(*out);
        *out = NULL;
        rc = wb__err(WB_ERR_FORMAT, "verifier key: key id does not match "
                                    "name and key");
    }
out:
    wb__free(key);
    return rc;
}

wb_err
wb_verifier_from_pem(const char *pem, size_t len, struct wb_verifier **out)
{
    uint8_t pk[65];
    size_t pk_len = 0;
    int alg = 0;
    wb_err rc;

    *out = NULL;
    rc = wb__pem_public_key(pem, len, &alg, pk, &pk_len);
    if (rc != WB_OK) {
        return rc;
    }
    return wb_verifier_from_raw(alg, "", pk, pk_len, out);
}

const char *
wb_verifier_name(const struct wb_verifier *v)
{
    return v->name;
}

int
wb_verifier_alg(const struct wb_verifier *v)
{
    return v->alg;
}

void
wb_verifier_key_id(const struct wb_verifier *v, uint8_t id[WB_KEY_ID_BYTES])
{
    memcpy(id, v->id, WB_KEY_ID_BYTES);
}

const uint8_t *
wb_verifier_public_key(const struct wb_verifier *v, size_t *len)
{
    *len = v->pk_len;
    return v->pk;
}

wb_err
wb_verifier_verify(const struct wb_verifier *v,
                   const uint8_t *msg,
                   size_t msg_len,
                   const uint8_t *sig,
                   size_t sig_len)
{
    if (sig_len != 64) {
        return WB_ERR_BADSIG;
    }
    if (v->alg == WB_ALG_EDDSA) {
        return crypto_sign_ed25519_verify_detached(sig, msg, msg_len, v->pk) ==
                       0
                   ? WB_OK
                   : WB_ERR_BADSIG;
    }
    return wb__es256_verify(v->pk, v->pk_len, msg, msg_len, sig, sig_len);
}

void
wb_verifier_free(struct wb_verifier *v)
{
    wb__free(v);
}
