/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: consent documents (JSON a user hands to `consent grant
 * --from`, or read back from the register). Whatever parses must write
 * back and parse again to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include <waybill/consent.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wb_consent *c = NULL;
    struct wb_consent *again = NULL;
    char *j1 = NULL;
    char *j2 = NULL;

    if (size > WB_CONSENT_DOC_MAX + 16) {
        return 0;
    }
    if (wb_consent_from_json((const char *)data, size, &c) != WB_OK) {
        return 0;
    }
    (void)wb_consent_effective_state(c, 20000);
    if (wb_consent_to_json(c, &j1) != WB_OK ||
        wb_consent_from_json(j1, strlen(j1), &again) != WB_OK ||
        wb_consent_to_json(again, &j2) != WB_OK || strcmp(j1, j2) != 0) {
        abort(); /* a parsed document must round-trip */
    }
    wb_free(j1);
    wb_free(j2);
    wb_consent_free(again);
    wb_consent_free(c);
    return 0;
}
