/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: record selections ("5", "3-10", "1-4,9"), the text of
 * `waybill infer --input`. Whatever parses lists 1..WB_INFER_MAX_INPUTS
 * indexes, and each range's indexes in order. */
#include <stdlib.h>
#include <string.h>

#include <waybill/infer.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[256];
    uint64_t *v = NULL;
    size_t n = 0;
    wb_err rc;

    if (size >= sizeof text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    rc = wb_infer_selection_parse(text, &v, &n);
    if (rc == WB_OK && (n == 0 || n > WB_INFER_MAX_INPUTS || v == NULL)) {
        abort(); /* a selection is 1..10,000 records */
    }
    if (rc != WB_OK && (v != NULL || n != 0)) {
        abort(); /* a refusal hands nothing out */
    }
    wb_free(v);
    return 0;
}
