/* SPDX-License-Identifier: Apache-2.0 */
/* Reading entries back: leaves, payloads, roots. */
#include <string.h>

#include "ledger/ledger_int.h"

/* WB_ERR_NOTFOUND naming the index when it is past the log. */
static wb_err
check_index(const struct wb_site *s, uint64_t index)
{
    if (index >= s->tree.size) {
        return wb__err(WB_ERR_NOTFOUND,
                       "entry %llu: the log has %llu "
                       "entries",
                       (unsigned long long)index,
                       (unsigned long long)s->tree.size);
    }
    return WB_OK;
}

/* Entry index's row, checked against the log size (a pending entry at
 * index is appended first: defer.h). */
static wb_err
get_row(struct wb_site *s, uint64_t index, struct wb__row *row)
{
    wb_err rc = index == s->tree.size ? wb__site_settle(s) : WB_OK;

    rc = rc == WB_OK ? check_index(s, index) : rc;
    memset(row, 0, sizeof *row);
    return rc == WB_OK ? wb__db_entry_get(s->db, index, row) : rc;
}

wb_err
wb_site_leaf(struct wb_site *s,
             uint64_t index,
             uint8_t **leaf,
             size_t *leaf_len)
{
    struct wb__row row;
    wb_err rc = get_row(s, index, &row);

    *leaf = rc == WB_OK ? row.leaf : NULL;
    *leaf_len = rc == WB_OK ? row.leaf_len : 0;
    row.leaf = NULL;
    wb__row_clear(&row);
    return rc;
}

wb_err
wb_site_payload(struct wb_site *s,
                uint64_t index,
                uint8_t **payload,
                size_t *payload_len,
                int *erased)
{
    struct wb__row row;
    wb_err rc = get_row(s, index, &row);

    *payload = rc == WB_OK ? row.payload : NULL;
    *payload_len = rc == WB_OK ? row.payload_len : 0;
    *erased = rc == WB_OK && row.payload == NULL;
    row.payload = NULL;
    wb__row_clear(&row);
    return rc;
}

wb_err
wb_site_entry(struct wb_site *s,
              uint64_t index,
              uint8_t **leaf,
              size_t *leaf_len,
              uint8_t **payload,
              size_t *payload_len,
              int *erased)
{
    struct wb__row row;
    wb_err rc = get_row(s, index, &row);

    *leaf = rc == WB_OK ? row.leaf : NULL;
    *leaf_len = rc == WB_OK ? row.leaf_len : 0;
    *payload = rc == WB_OK ? row.payload : NULL;
    *payload_len = rc == WB_OK ? row.payload_len : 0;
    *erased = rc == WB_OK && row.payload == NULL;
    row.leaf = NULL;
    row.payload = NULL;
    wb__row_clear(&row);
    return rc;
}

wb_err
wb_site_root(struct wb_site *s, uint64_t size, uint8_t root[WB_HASH_BYTES])
{
    bool own = false;
    wb_err rc = wb__ledger_usable(s);

    rc = rc == WB_OK ? wb__site_settle(s) : rc;
    if (rc != WB_OK) {
        return rc;
    }
    if (size > s->tree.size) {
        return wb__err(WB_ERR_INVAL, "size %llu: the log has %llu entries",
                       (unsigned long long)size,
                       (unsigned long long)s->tree.size);
    }
    if (size == s->tree.size) {
        wb_merkle_frontier_root(&s->tree, root);
        return WB_OK;
    }
    rc = wb__db_read_begin(s->db, &own);
    if (rc == WB_OK) {
        rc = wb_merkle_root(wb__ledger_read_node, s, size, root);
        wb__db_read_end(s->db, own);
    }
    return rc;
}
