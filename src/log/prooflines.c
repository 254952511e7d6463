/* SPDX-License-Identifier: Apache-2.0 */
/* Proofs as plain text: one standard-base64 hash and a newline each, the
 * format of a consistency proof on its own (RFC 9162 order). */
#include <string.h>

#include "log/log_int.h"

wb_err
wb_proof_lines_format(const uint8_t (*proof)[WB_HASH_BYTES],
                      size_t count,
                      char **out)
{
    struct wb__buf b;
    wb_err rc = WB_OK;

    *out = NULL;
    if (count > WB_MERKLE_MAX_PROOF) {
        return wb__err(WB_ERR_TOOBIG, "more than %d hashes",
                       WB_MERKLE_MAX_PROOF);
    }
    wb__buf_init(&b, (size_t)WB_MERKLE_MAX_PROOF * 46 + 1);
    for (size_t i = 0; rc == WB_OK && i < count; i++) {
        char *b64 = NULL;
        rc = wb_base64_encode(proof[i], WB_HASH_BYTES, &b64);
        if (rc == WB_OK) {
            rc = wb__buf_printf(&b, "%s\n", b64);
        }
        wb__free(b64);
    }
    if (rc == WB_OK) {
        rc = wb__buf_cstr(&b);
    }
    if (rc == WB_OK) {
        *out = (char *)wb__buf_take(&b, NULL);
    }
    wb__buf_clear(&b);
    return rc;
}

wb_err
wb_proof_lines_parse(const char *text,
                     size_t len,
                     uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                     size_t *count)
{
    size_t off = 0;
    size_t line = 0;
    wb_err rc = WB_OK;

    *count = 0;
    while (rc == WB_OK && off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
        uint8_t *h = NULL;
        size_t h_len = 0;

        line++;
        if (*count == WB_MERKLE_MAX_PROOF) {
            return wb__err(WB_ERR_TOOBIG,
                           "proof line %zu: more than %d "
                           "hashes",
                           line, WB_MERKLE_MAX_PROOF);
        }
        rc = nl == NULL ? WB_ERR_FORMAT
                        : wb_base64_decode(text + off, n, &h, &h_len);
        if (rc == WB_OK && h_len != WB_HASH_BYTES) {
            rc = WB_ERR_FORMAT;
        }
        if (rc == WB_ERR_FORMAT) {
            rc = wb__err(rc,
                         "proof line %zu: expected a base64 SHA-256 hash "
                         "and a newline",
                         line);
        } else if (rc == WB_OK) {
            memcpy(proof[(*count)++], h, WB_HASH_BYTES);
        }
        wb__free(h);
        off += n + 1;
    }
    if (rc != WB_OK) {
        *count = 0;
    }
    return rc;
}
