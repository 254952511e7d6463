/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz wb_claims_decode with untrusted leaf bytes; whatever it accepts must
 * re-encode to exactly the same bytes. */
#include <stdlib.h>
#include <string.h>

#include <waybill/token.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct wb_claims *c = NULL;
    uint8_t *re = NULL;
    size_t re_len = 0;

    if (!ready) {
        if (wb_init() != WB_OK) {
            abort();
        }
        ready = 1;
    }
    if (wb_claims_decode(data, size, &c) == WB_OK) {
        if (wb_claims_encode(c, &re, &re_len) != WB_OK || re_len != size ||
            memcmp(re, data, size) != 0) {
            abort();
        }
        wb_free(re);
    }
    wb_claims_free(c);
    return 0;
}
