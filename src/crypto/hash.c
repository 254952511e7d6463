/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256, randomness and wiping: the primitives everything else uses.
 * SHA-256 is OpenSSL's, which uses the CPU's SHA extensions: 4.3x faster
 * than libsodium 1.0.18's portable code on a 216-byte leaf. It is called
 * through the SHA256_* functions, which OpenSSL 3 marks deprecated but
 * keeps: on the ~100-byte inputs of the Merkle tree, EVP's per-call
 * dispatch and context cleansing cost as much as the hashing itself
 * (docs/performance.md). Ed25519, randomness and wiping are libsodium's. */
#define OPENSSL_API_COMPAT 10101
#include <openssl/sha.h>
#include <sodium.h>

#include "crypto/crypto_int.h"

void
wb_sha256_2(const uint8_t *a,
            size_t a_len,
            const uint8_t *b,
            size_t b_len,
            uint8_t out[WB_HASH_BYTES])
{
    SHA256_CTX c;

    SHA256_Init(&c);
    SHA256_Update(&c, a, a_len);
    SHA256_Update(&c, b, b_len);
    SHA256_Final(out, &c);
}

void
wb_sha256(const uint8_t *in, size_t in_len, uint8_t out[WB_HASH_BYTES])
{
    SHA256_CTX c;

    SHA256_Init(&c);
    SHA256_Update(&c, in, in_len);
    SHA256_Final(out, &c);
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
