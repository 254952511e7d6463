/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: consistency proof text (one base64 hash a line); what
 * parses must format back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include <waybill/log.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    size_t count = 0;
    char *text = NULL;

    if (wb_proof_lines_parse((const char *)data, size, proof, &count) !=
        WB_OK) {
        return 0;
    }
    if (wb_proof_lines_format((const uint8_t(*)[WB_HASH_BYTES])proof, count,
                              &text) != WB_OK ||
        strlen(text) != size || memcmp(text, data, size) != 0) {
        abort(); /* one proof, one spelling */
    }
    wb_free(text);
    return 0;
}
