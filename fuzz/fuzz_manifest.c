/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: model manifests (a vendor's package, or read back from the
 * model register), with and without "files". Whatever parses must encode
 * and parse again to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include <waybill/model.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const uint8_t *data, size_t size, bool spec)
{
    struct wb_model_manifest *m = NULL;
    struct wb_model_manifest *again = NULL;
    char *b1 = NULL;
    char *b2 = NULL;
    size_t n1 = 0;
    size_t n2 = 0;

    if (wb_model_manifest_parse((const char *)data, size, spec, &m) != WB_OK) {
        return;
    }
    if (wb_model_manifest_encode(m, &b1, &n1) != WB_OK ||
        wb_model_manifest_parse(b1, n1, spec, &again) != WB_OK ||
        wb_model_manifest_encode(again, &b2, &n2) != WB_OK || n1 != n2 ||
        memcmp(b1, b2, n1) != 0) {
        abort(); /* a parsed manifest must round-trip */
    }
    wb_free(b1);
    wb_free(b2);
    wb_model_manifest_free(again);
    wb_model_manifest_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > WB_MODEL_MANIFEST_MAX + 16) {
        return 0;
    }
    round_trip(data, size, false);
    round_trip(data, size, true);
    return 0;
}
