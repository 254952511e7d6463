/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 and hex, through libsodium's constant-time codecs, and wb_init. */
#include <sodium.h>
#include <string.h>

#include "core/core_int.h"

wb_err
wb_init(void)
{
    return sodium_init() < 0 ? WB_ERR_CRYPTO : WB_OK;
}

wb_err
wb_base64_encode(const uint8_t *in, size_t in_len, char **out)
{
    size_t n =
        sodium_base64_encoded_len(in_len, sodium_base64_VARIANT_ORIGINAL);
    char *s = wb__malloc(n);

    *out = NULL;
    if (s == NULL) {
        return WB_ERR_NOMEM;
    }
    sodium_bin2base64(s, n, in, in_len, sodium_base64_VARIANT_ORIGINAL);
    *out = s;
    return WB_OK;
}

/* Standard alphabet and padding only: libsodium 1.0.18 decodes some bytes
 * >= 0x80 as '/', which would give one value several encodings. */
static bool
base64_alphabet(const char *in, size_t in_len)
{
    for (size_t i = 0; i < in_len; i++) {
        char c = in[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=')) {
            return false;
        }
    }
    return true;
}

/* The one canonical encoding: unused low bits of the last symbol are 0. */
static bool
base64_canonical(const char *in,
                 size_t in_len,
                 const uint8_t *bin,
                 size_t bin_len)
{
    char tail[5];
    size_t full = bin_len / 3 * 3;

    if (full == bin_len) {
        return true;
    }
    sodium_bin2base64(tail, sizeof tail, bin + full, bin_len - full,
                      sodium_base64_VARIANT_ORIGINAL);
    return memcmp(tail, in + in_len - 4, 4) == 0;
}

wb_err
wb_base64_decode(const char *in, size_t in_len, uint8_t **out, size_t *out_len)
{
    size_t cap = in_len / 4 * 3 + 3;
    uint8_t *p;
    const char *end = NULL;
    size_t n = 0;

    *out = NULL;
    *out_len = 0;
    if (in_len % 4 != 0 || !base64_alphabet(in, in_len)) {
        return wb__err(WB_ERR_FORMAT,
                       "base64 length %zu is not a multiple "
                       "of 4",
                       in_len);
    }
    p = wb__malloc(cap);
    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    if (sodium_base642bin(p, cap, in, in_len, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != in + in_len || !base64_canonical(in, in_len, p, n)) {
        wb__free(p);
        return wb__err(WB_ERR_FORMAT, "bad base64");
    }
    *out = p;
    *out_len = n;
    return WB_OK;
}

void
wb_hex_encode(const uint8_t *in, size_t in_len, char *out)
{
    sodium_bin2hex(out, in_len * 2 + 1, in, in_len);
}

wb_err
wb_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len)
{
    size_t n = 0;
    const char *end = NULL;

    if (in_len != out_len * 2 ||
        sodium_hex2bin(out, out_len, in, in_len, NULL, &n, &end) != 0 ||
        n != out_len || end != in + in_len) {
        return wb__err(WB_ERR_FORMAT, "expected %zu hex digits", out_len * 2);
    }
    return WB_OK;
}
