/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: stored policy register documents (the text of a logged
 * profile). Whatever parses must print back to the same bytes after one
 * round trip. */
#include <stdlib.h>
#include <string.h>

#include <waybill/decision.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wb_policy_doc d;
    struct wb_policy_doc e;
    char *json = NULL;
    char *again = NULL;

    if (size > 2 * WB_POLICY_DOC_MAX || wb_init() != WB_OK) {
        return 0;
    }
    if (wb_policy_doc_from_json((const char *)data, size, &d) != WB_OK) {
        return 0;
    }
    if (wb_policy_doc_to_json(&d, &json) != WB_OK ||
        wb_policy_doc_from_json(json, strlen(json), &e) != WB_OK ||
        wb_policy_doc_to_json(&e, &again) != WB_OK ||
        strcmp(json, again) != 0 || e.text_len != d.text_len ||
        memcmp(e.text, d.text, d.text_len) != 0) {
        abort(); /* a valid document must survive a round trip */
    }
    wb_policy_doc_clear(&d);
    wb_policy_doc_clear(&e);
    wb_free(json);
    wb_free(again);
    return 0;
}
