/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto internals shared by the signer and verifier files. */
#ifndef WB_CRYPTO_INT_H
#define WB_CRYPTO_INT_H

#include <waybill/crypto.h>

#include "core/core_int.h"

/* SHA-256(name || 0x0A || 0x01 || pk)[0..4]: the signed-note key id. */
void wb__note_key_id(const char *name,
                     const uint8_t *pk,
                     size_t pk_len,
                     uint8_t id[WB_KEY_ID_BYTES]);

/* Check a signed-note key name: 1..255 bytes, printable, no '+' or space. */
bool wb__note_name_ok(const char *name, size_t len);

/* Split "name+hex8+base64" (text after any PRIVATE+KEY+ prefix) into its
 * parts; decodes the base64 into key (wb_free). WB_ERR_FORMAT w/ detail. */
wb_err wb__note_key_split(const char *text,
                          size_t len,
                          char *name,
                          uint8_t id[WB_KEY_ID_BYTES],
                          uint8_t **key,
                          size_t *key_len);

/* ES256 verification through OpenSSL: pk is a SEC1 uncompressed point,
 * sig is raw r||s (64 bytes). */
wb_err wb__es256_verify(const uint8_t *pk,
                        size_t pk_len,
                        const uint8_t *msg,
                        size_t msg_len,
                        const uint8_t *sig,
                        size_t sig_len);

/* Check that pk is a valid uncompressed P-256 point. */
wb_err wb__es256_check_key(const uint8_t *pk, size_t pk_len);

/* Parse a PEM public key: *alg and the raw key (Ed25519 32 bytes or SEC1
 * uncompressed P-256 65 bytes) into pk/pk_len (pk holds 65 bytes). */
wb_err wb__pem_public_key(
    const char *pem, size_t len, int *alg, uint8_t pk[65], size_t *pk_len);

#endif
