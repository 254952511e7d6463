/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256, randomness and wiping: the primitives everything else uses. */
#include <sodium.h>

#include "crypto/crypto_int.h"

void
wb_sha256(const uint8_t *in, size_t in_len, uint8_t out[WB_HASH_BYTES])
{
    crypto_hash_sha256(out, in, in_len);
}

void
wb_sha256_2(const uint8_t *a,
            size_t a_len,
            const uint8_t *b,
            size_t b_len,
            uint8_t out[WB_HASH_BYTES])
{
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, a, a_len);
    crypto_hash_sha256_update(&st, b, b_len);
    crypto_hash_sha256_final(&st, out);
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
