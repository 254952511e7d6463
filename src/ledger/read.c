/* SPDX-License-Identifier: Apache-2.0 */
/* Reading entries back: leaves, payloads, roots. */
#include <sodium.h>
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
wb_payload_check(const struct wb_claims *c,
                 const uint8_t *salt,
                 size_t salt_len,
                 const uint8_t *payload,
                 size_t len)
{
    uint8_t h[WB_HASH_BYTES];

    if (c == NULL || !c->has_payload) {
        return wb__err(WB_ERR_VERIFY, "the claims commit to no payload");
    }
    if (salt == NULL || salt_len != WB_SALT_BYTES) {
        return wb__err(WB_ERR_VERIFY, "a salt is %d bytes, not %zu",
                       WB_SALT_BYTES, salt ? salt_len : 0);
    }
    wb_sha256_2(salt, salt_len, payload, len, h);
    if (sodium_memcmp(h, c->payload_hash, WB_HASH_BYTES) != 0) {
        return wb__err(WB_ERR_VERIFY,
                       "the payload does not match its salted commitment");
    }
    return WB_OK;
}

/* Row index's stored payload against the salted commitment in its leaf
 * (as wb_site_verify checks it): WB_ERR_VERIFY naming the entry when the
 * payload differs, has no commitment, or is gone while the store does not mark
 * it erased. The decoded claims go to *claims when it is not NULL (the caller's
 * to free), whatever the verdict. */
static wb_err
check_row(const struct wb__row *row, struct wb_claims **claims)
{
    struct wb_claims *c = NULL;
    const char *why = NULL;
    wb_err rc;

    if (claims != NULL) {
        *claims = NULL;
    }
    if (row->payload == NULL && row->erased && claims == NULL) {
        return WB_OK; /* erased: nothing to check */
    }
    rc = wb_claims_decode(row->leaf, row->leaf_len, &c);
    if (rc == WB_OK && row->payload != NULL) {
        if (!c->has_payload || row->salt == NULL ||
            row->salt_len != WB_SALT_BYTES) {
            why = "has no commitment in the entry's claims";
        } else if (wb_payload_check(c, row->salt, row->salt_len, row->payload,
                                    row->payload_len) != WB_OK) {
            why = "does not match its salted commitment";
        }
    } else if (rc == WB_OK && c->has_payload && !row->erased) {
        why = "is missing and no erasure is recorded";
    }
    if (why != NULL) {
        rc = wb__err(WB_ERR_VERIFY,
                     "entry %llu: the stored payload %s (changed outside "
                     "waybill: `waybill verify` checks the whole log)",
                     (unsigned long long)row->idx, why);
    }
    if (claims != NULL) {
        *claims = c;
        c = NULL;
    }
    wb_claims_free(c);
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

    rc = rc == WB_OK ? check_row(&row, NULL) : rc;
    *payload = rc == WB_OK ? row.payload : NULL;
    *payload_len = rc == WB_OK ? row.payload_len : 0;
    *erased = rc == WB_OK && row.payload == NULL;
    if (rc == WB_OK) {
        row.payload = NULL;
    }
    wb__row_clear(&row);
    return rc;
}

wb_err
wb_site_payload_salt(struct wb_site *s,
                     uint64_t index,
                     uint8_t salt[WB_SALT_BYTES])
{
    struct wb__row row;
    wb_err rc = get_row(s, index, &row);

    rc = rc == WB_OK ? check_row(&row, NULL) : rc;
    if (rc == WB_OK && (row.payload == NULL || row.salt == NULL)) {
        rc = wb__err(WB_ERR_NOTFOUND, "entry %llu has no payload",
                     (unsigned long long)index);
    }
    if (rc == WB_OK) {
        memcpy(salt, row.salt, WB_SALT_BYTES);
    }
    wb__row_clear(&row);
    return rc;
}

wb_err
wb_site_entry(struct wb_site *s,
              uint64_t index,
              uint8_t **leaf,
              size_t *leaf_len,
              struct wb_claims **claims,
              uint8_t **payload,
              size_t *payload_len,
              int *erased)
{
    struct wb__row row;
    struct wb_claims *c = NULL;
    wb_err rc = get_row(s, index, &row);
    bool leaf_ok;

    rc = rc == WB_OK ? check_row(&row, claims ? &c : NULL) : rc;
    /* a payload not the log's: the leaf and claims still are */
    leaf_ok = rc == WB_OK || (rc == WB_ERR_VERIFY && (claims == NULL || c));
    *leaf = leaf_ok ? row.leaf : NULL;
    *leaf_len = leaf_ok ? row.leaf_len : 0;
    *payload = rc == WB_OK ? row.payload : NULL;
    *payload_len = rc == WB_OK ? row.payload_len : 0;
    *erased = rc == WB_OK && row.payload == NULL;
    if (claims != NULL) {
        *claims = leaf_ok ? c : NULL;
        c = leaf_ok ? NULL : c;
    }
    if (leaf_ok) {
        row.leaf = NULL;
    }
    if (rc == WB_OK) {
        row.payload = NULL;
    }
    wb_claims_free(c);
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
