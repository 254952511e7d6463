/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: key texts a user or auditor hands in: signed-note verifier
 * and private key text, and PEM public keys (through OpenSSL). */
#include <stdlib.h>

#include <waybill/crypto.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wb_verifier *v = NULL;
    struct wb_signer *s = NULL;
    const char *text = (const char *)data;

    if (size > 16384 || wb_init() != WB_OK) {
        return 0;
    }
    if (wb_verifier_from_note_key(text, size, &v) == WB_OK) {
        wb_verifier_free(v);
    }
    if (wb_signer_from_note_key(text, size, &s) == WB_OK) {
        wb_signer_free(s);
    }
    if (wb_verifier_from_pem(text, size, &v) == WB_OK) {
        wb_verifier_free(v);
    }
    return 0;
}
