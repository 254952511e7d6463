/* SPDX-License-Identifier: Apache-2.0 */
/* Signed-note key text (C2SP signed-note): names, key ids, splitting. */
#include <string.h>

#include "crypto/crypto_int.h"

void
wb__note_key_id(const char *name,
                const uint8_t *pk,
                size_t pk_len,
                uint8_t id[WB_KEY_ID_BYTES])
{
    uint8_t h[WB_HASH_BYTES];
    uint8_t mid[2] = {0x0A, 0x01};
    uint8_t buf[WB_KEY_NAME_MAX + 2 + 65];
    size_t n = strlen(name);

    memcpy(buf, name, n);
    memcpy(buf + n, mid, 2);
    memcpy(buf + n + 2, pk, pk_len);
    wb_sha256(buf, n + 2 + pk_len, h);
    memcpy(id, h, WB_KEY_ID_BYTES);
}

bool
wb__note_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > WB_KEY_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        /* signed-note: no Unicode spaces or '+'; we also refuse controls */
        if (c <= 0x20 || c == '+' || c == 0x7f) {
            return false;
        }
    }
    return true;
}

wb_err
wb__note_key_split(const char *text,
                   size_t len,
                   char *name,
                   uint8_t id[WB_KEY_ID_BYTES],
                   uint8_t **key,
                   size_t *key_len)
{
    const char *plus;
    size_t name_len;
    const char *rest;
    size_t rest_len;
    wb_err rc;

    *key = NULL;
    *key_len = 0;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        len--;
    }
    plus = memchr(text, '+', len);
    if (plus == NULL) {
        return wb__err(WB_ERR_FORMAT, "key: expected name+hex8+base64");
    }
    name_len = (size_t)(plus - text);
    if (!wb__note_name_ok(text, name_len)) {
        return wb__err(WB_ERR_FORMAT, "key: bad key name");
    }
    memcpy(name, text, name_len);
    name[name_len] = '\0';
    rest = plus + 1;
    rest_len = len - name_len - 1;
    if (rest_len < 10 || rest[8] != '+') {
        return wb__err(WB_ERR_FORMAT, "key: expected 8 hex digits of key id "
                                      "after the name");
    }
    if (wb_hex_decode(rest, 8, id, WB_KEY_ID_BYTES) != WB_OK) {
        return wb__err(WB_ERR_FORMAT, "key: bad key id hex");
    }
    rc = wb_base64_decode(rest + 9, rest_len - 9, key, key_len);
    if (rc == WB_ERR_FORMAT) {
        rc = wb__err(WB_ERR_FORMAT, "key: bad base64 key");
    }
    return rc;
}
