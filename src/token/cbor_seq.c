/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR sequences (RFC 8742): where the first data item ends, so a stream
 * of tokens can be split without decoding it into a tree. */
#include "token/token_int.h"

#define SEQ_MAX_DEPTH 16

wb_err
wb_cbor_item_length(const uint8_t *seq,
                    size_t len,
                    size_t max,
                    size_t *item_len)
{
    struct wb__cbor_rd r;
    struct wb__cbor_item it;
    size_t window = len < max ? len : max;
    wb_err rc;

    *item_len = 0;
    wb__cbor_rd_init(&r, seq, window);
    rc = wb__cbor_next(&r, &it);
    if (rc == WB_OK) {
        rc = wb__cbor_skip_rest(&r, &it, SEQ_MAX_DEPTH);
    }
    if (rc == WB_ERR_FORMAT && len > max) {
        return wb__err(WB_ERR_TOOBIG, "CBOR item larger than %zu bytes", max);
    }
    if (rc == WB_OK) {
        *item_len = r.off;
    }
    return rc;
}
