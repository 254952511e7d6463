/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256, randomness and wiping: the primitives everything else uses.
 * SHA-256 goes through OpenSSL's EVP, which uses the CPU's SHA extensions:
 * measured 4.3x faster than libsodium 1.0.18's portable code on a 216-byte
 * leaf (docs/performance.md); Ed25519, randomness and wiping stay with
 * libsodium. */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>

#include "crypto/crypto_int.h"

/* One digest context and one fetched SHA-256 per thread, made on first
 * use: a context per hash costs an allocation, and EVP_sha256() makes
 * OpenSSL 3 look the implementation up again on every init (2x slower). */
static _Thread_local EVP_MD_CTX *hash_ctx;
static _Thread_local EVP_MD *hash_md;

static EVP_MD_CTX *
ctx_get(void)
{
    if (hash_ctx == NULL) {
        hash_ctx = EVP_MD_CTX_new();
        hash_md = EVP_MD_fetch(NULL, "SHA256", NULL);
        if (hash_ctx == NULL || hash_md == NULL) {
            abort(); /* no way to report: SHA-256 cannot fail */
        }
    }
    return hash_ctx;
}

void
wb_sha256_2(const uint8_t *a,
            size_t a_len,
            const uint8_t *b,
            size_t b_len,
            uint8_t out[WB_HASH_BYTES])
{
    EVP_MD_CTX *c = ctx_get();

    if (EVP_DigestInit_ex2(c, hash_md, NULL) != 1 ||
        EVP_DigestUpdate(c, a, a_len) != 1 ||
        EVP_DigestUpdate(c, b, b_len) != 1 ||
        EVP_DigestFinal_ex(c, out, NULL) != 1) {
        abort();
    }
}

void
wb_sha256(const uint8_t *in, size_t in_len, uint8_t out[WB_HASH_BYTES])
{
    wb_sha256_2(in, in_len, NULL, 0, out);
}

void
wb_random(uint8_t *buf, size_t len)
{
    randombytes_buf(buf, len);
}

void
wb_wipe(void *p, size_t len)
{
    if (p != NULL) {
        sodium_memzero(p, len);
    }
}
