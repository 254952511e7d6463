/* SPDX-License-Identifier: Apache-2.0 */
/* Signers. An interface from the start (design.md: TPM-held ES256 keys come
 * later); the software Ed25519 signer keeps its secret in guarded memory. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto_int.h"

struct wb_signer_ops {
    int alg;
    wb_err (*sign)(const struct wb_signer *s,
                   const uint8_t *msg,
                   size_t len,
                   uint8_t *sig,
                   size_t *sig_len);
    void (*destroy)(struct wb_signer *s);
};

struct wb_signer {
    const struct wb_signer_ops *ops;
    char name[WB_KEY_NAME_MAX + 1];
    uint8_t pk[65];
    size_t pk_len;
    uint8_t id[WB_KEY_ID_BYTES];
    uint8_t *sk; /* sodium_malloc'd: Ed25519 seed || pk (64 bytes) */
};

static wb_err
ed25519_sign(const struct wb_signer *s,
             const uint8_t *msg,
             size_t len,
             uint8_t *sig,
             size_t *sig_len)
{
    unsigned long long n = 0;

    if (crypto_sign_ed25519_detached(sig, &n, msg, len, s->sk) != 0) {
        return WB_ERR_CRYPTO;
    }
    *sig_len = (size_t)n;
    return WB_OK;
}

static void
ed25519_destroy(struct wb_signer *s)
{
    sodium_free(s->sk); /* wipes */
}

static const struct wb_signer_ops ed25519_ops = {WB_ALG_EDDSA, ed25519_sign,
                                                 ed25519_destroy};

/* Build an Ed25519 signer from a seed (copied). */
static wb_err
ed25519_from_seed(const char *name,
                  const uint8_t seed[32],
                  struct wb_signer **out)
{
    struct wb_signer *s;

    *out = NULL;
    if (!wb__note_name_ok(name, strlen(name))) {
        return wb__err(WB_ERR_INVAL,
                       "bad key name \"%s\": 1..255 printable "
                       "bytes, no spaces or '+'",
                       name);
    }
    s = wb__calloc(1, sizeof *s);
    if (s == NULL) {
        return WB_ERR_NOMEM;
    }
    s->sk = sodium_malloc(crypto_sign_ed25519_SECRETKEYBYTES);
    if (s->sk == NULL) {
        wb__free(s);
        return WB_ERR_NOMEM;
    }
    s->ops = &ed25519_ops;
    snprintf(s->name, sizeof s->name, "%s", name);
    crypto_sign_ed25519_seed_keypair(s->pk, s->sk, seed);
    s->pk_len = WB_ED25519_PK_BYTES;
    wb__note_key_id(s->name, s->pk, s->pk_len, s->id);
    *out = s;
    return WB_OK;
}

wb_err
wb_signer_generate(const char *name, struct wb_signer **out)
{
    uint8_t seed[WB_ED25519_SEED_BYTES];
    wb_err rc;

    randombytes_buf(seed, sizeof seed);
    rc = ed25519_from_seed(name, seed, out);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

wb_err
wb_signer_from_note_key(const char *text, size_t len, struct wb_signer **out)
{
    static const char prefix[] = "PRIVATE+KEY+";
    char name[WB_KEY_NAME_MAX + 1];
    uint8_t id[WB_KEY_ID_BYTES];
    uint8_t *key = NULL;
    size_t key_len = 0;
    wb_err rc;

    *out = NULL;
    if (len < sizeof prefix - 1 || memcmp(text, prefix, sizeof prefix - 1)) {
        return wb__err(WB_ERR_FORMAT, "private key: must start with "
                                      "PRIVATE+KEY+");
    }
    rc = wb__note_key_split(text + sizeof prefix - 1, len - (sizeof prefix - 1),
                            name, id, &key, &key_len);
    if (rc != WB_OK) {
        goto out;
    }
    if (key_len != 1 + WB_ED25519_SEED_BYTES || key[0] != 0x01) {
        rc = wb__err(WB_ERR_FORMAT, "private key: not an Ed25519 (type 1) "
                                    "key of 32 bytes");
        goto out;
    }
    rc = ed25519_from_seed(name, key + 1, out);
    if (rc != WB_OK) {
        goto out;
    }
    if (memcmp((*out)->id, id, WB_KEY_ID_BYTES) != 0) {
        wb_signer_free(*out);
        *out = NULL;
        rc = wb__err(WB_ERR_FORMAT, "private key: key id does not match "
                                    "name and key");
    }
out:
    if (key != NULL) {
        sodium_memzero(key, key_len);
        wb__free(key);
    }
    return rc;
}

/* "name+hex8+base64(type||key)" with an optional prefix. */
static wb_err
format_key(const char *prefix,
           const char *name,
           const uint8_t id[WB_KEY_ID_BYTES],
           const uint8_t *key,
           size_t key_len,
           char **out)
{
    uint8_t typed[1 + 65];
    char hex[2 * WB_KEY_ID_BYTES + 1];
    char *b64 = NULL;
    struct wb__buf b;
    wb_err rc;

    *out = NULL;
    wb__buf_init(&b, 1024);
    typed[0] = 0x01;
    memcpy(typed + 1, key, key_len);
    rc = wb_base64_encode(typed, key_len + 1, &b64);
    sodium_memzero(typed, sizeof typed);
    if (rc != WB_OK) {
        goto out;
    }
    wb_hex_encode(id, WB_KEY_ID_BYTES, hex);
    rc = wb__buf_printf(&b, "%s%s+%s+%s", prefix, name, hex, b64);
    if (rc == WB_OK) {
        *out = (char *)wb__buf_take(&b, NULL);
    }
out:
    if (b64 != NULL) {
        sodium_memzero(b64, strlen(b64));
        wb__free(b64);
    }
    if (b.data != NULL) {
        sodium_memzero(b.data, b.len);
    }
    wb__buf_clear(&b);
    return rc;
}

wb_err
wb_signer_note_key(const struct wb_signer *s, char **out)
{
    if (s->ops != &ed25519_ops) {
        *out = NULL;
        return wb__err(WB_ERR_INVAL, "this key cannot be exported");
    }
    return format_key("PRIVATE+KEY+", s->name, s->id, s->sk,
                      WB_ED25519_SEED_BYTES, out);
}

wb_err
wb_signer_verifier_key(const struct wb_signer *s, char **out)
{
    return format_key("", s->name, s->id, s->pk, s->pk_len, out);
}

const char *
wb_signer_name(const struct wb_signer *s)
{
    return s->name;
}

int
wb_signer_alg(const struct wb_signer *s)
{
    return s->ops->alg;
}

void
wb_signer_key_id(const struct wb_signer *s, uint8_t id[WB_KEY_ID_BYTES])
{
    memcpy(id, s->id, WB_KEY_ID_BYTES);
}

const uint8_t *
wb_signer_public_key(const struct wb_signer *s, size_t *len)
{
    *len = s->pk_len;
    return s->pk;
}

wb_err
wb_signer_sign(const struct wb_signer *s,
               const uint8_t *msg,
               size_t msg_len,
               uint8_t sig[WB_SIG_MAX_BYTES],
               size_t *sig_len)
{
    return s->ops->sign(s, msg, msg_len, sig, sig_len);
}

void
wb_signer_free(struct wb_signer *s)
{
    if (s == NULL) {
        return;
    }
    s->ops->destroy(s);
    sodium_memzero(s, sizeof *s);
    wb__free(s);
}
