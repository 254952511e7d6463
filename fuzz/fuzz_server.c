/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: server registration documents (a --from file, or a stored
 * register document). Whatever parses must print back to a document that
 * parses to the same bytes, and have an effective status on any date. */
#include <stdlib.h>
#include <string.h>

#include <waybill/server.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wb_server s;
    struct wb_server t;
    char *json = NULL;
    char *again = NULL;

    if (size > 2 * WB_SERVER_DOC_MAX || wb_init() != WB_OK) {
        return 0;
    }
    if (wb_server_from_json((const char *)data, size, &s) != WB_OK) {
        return 0;
    }
    if (wb_server_to_json(&s, &json) != WB_OK ||
        wb_server_from_json(json, strlen(json), &t) != WB_OK ||
        wb_server_to_json(&t, &again) != WB_OK || strcmp(json, again) != 0) {
        abort(); /* a valid document must survive a round trip */
    }
    (void)wb_server_registered(&s, s.mechanism.valid_until);
    (void)wb_server_effective(&s, s.mechanism.valid_until + 1);
    (void)wb_server_effective(&s, INT32_MIN);
    wb_free(json);
    wb_free(again);
    return 0;
}
