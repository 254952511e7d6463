/* SPDX-License-Identifier: Apache-2.0 */
/* Appending entries in batches: claims leaf, salted payload commitment,
 * Merkle hashes, one row each, one durable transaction per batch. */
#include <string.h>

#include "ledger/ledger_int.h"

wb_err
wb_site_begin(struct wb_site *s)
{
    wb_err rc;

    if (s->in_batch) {
        return wb__err(WB_ERR_BUSY, "a batch is already open");
    }
    rc = wb__ledger_usable(s);
    if (rc != WB_OK) {
        return rc;
    }
    rc = wb__db_begin(s->db);
    if (rc == WB_OK) {
        /* inside the write lock: entries another handle committed since
         * are final, and this batch must follow them */
        rc = wb__ledger_catch_up(s);
        if (rc != WB_OK) {
            wb__db_rollback(s->db);
        }
    }
    if (rc == WB_OK) {
        s->in_batch = true;
        s->saved = s->tree;
    }
    s->epoch = wb__ledger_new_epoch();
    return rc;
}

wb_err
wb__ledger_catch_up(struct wb_site *s)
{
    struct wb_merkle_frontier f;
    uint64_t next = 0;
    wb_err rc = wb__db_entry_next(s->db, &next);

    if (rc != WB_OK || next == s->tree.size) {
        return rc;
    }
    if (next < s->tree.size) {
        return wb__err(
            WB_ERR_VERIFY, "database: the log shrank from %llu to %llu entries",
            (unsigned long long)s->tree.size, (unsigned long long)next);
    }
    rc = wb_merkle_frontier_load(&f, next, wb__ledger_read_node, s);
    if (rc == WB_OK) {
        s->tree = f;
        s->saved = f;
    }
    return rc;
}

wb_err
wb_site_refresh(struct wb_site *s)
{
    wb_err rc;

    if (s->in_batch) {
        return WB_OK;
    }
    s->epoch = wb__ledger_new_epoch();
    rc = wb__ledger_usable(s);
    return rc == WB_OK ? wb__ledger_catch_up(s) : rc;
}

wb_err
wb_site_commit(struct wb_site *s)
{
    wb_err rc;

    if (!s->in_batch) {
        return wb__err(WB_ERR_INVAL, "no batch is open");
    }
    rc = wb__site_settle(s);
    if (rc != WB_OK) {
        return rc; /* rolled back */
    }
    rc = wb__db_commit(s->db);
    s->in_batch = false;
    s->epoch = wb__ledger_new_epoch();
    if (rc != WB_OK) {
        wb__db_rollback(s->db);
        s->tree = s->saved;
        wb__ledger_keys_rolled_back(s);
        return rc;
    }
    wb__ledger_keys_committed(s);
    s->saved = s->tree;
    return WB_OK;
}

/* Drop the pending entry without appending it. */
static void
drop_deferred(struct wb_site *s)
{
    if (s->def_ops != NULL) {
        s->def_ops->drop(s->def_ctx);
        s->def_ops = NULL;
        s->def_ctx = NULL;
    }
}

void
wb_site_rollback(struct wb_site *s)
{
    if (s == NULL || !s->in_batch) {
        return;
    }
    drop_deferred(s);
    wb__db_rollback(s->db);
    s->in_batch = false;
    s->epoch = wb__ledger_new_epoch();
    s->tree = s->saved;
    wb__ledger_keys_rolled_back(s);
}

/* Fill the ledger-owned claims and encode the leaf. salt gets a fresh salt
 * when there is a payload. */
static wb_err
make_leaf(struct wb_site *s,
          const struct wb_append *e,
          uint8_t salt[WB_SALT_BYTES],
          uint8_t **leaf,
          size_t *leaf_len)
{
    struct wb_claims c = e->claims;
    uint32_t nsec;
    int64_t now;

    if (e->payload_len > WB_PAYLOAD_MAX_BYTES) {
        return wb__err(WB_ERR_TOOBIG, "payload: %zu bytes, more than %d",
                       e->payload_len, WB_PAYLOAD_MAX_BYTES);
    }
    if (e->device_token_len > WB_TOKEN_MAX_BYTES) {
        return wb__err(WB_ERR_TOOBIG, "device token larger than %d bytes",
                       WB_TOKEN_MAX_BYTES);
    }
    c.iss = s->origin;
    if (c.iat == 0) {
        wb__ledger_now(&now, &nsec);
        c.iat = now;
        if (!c.has_time_ns) {
            c.has_time_ns = 1;
            c.time_ns = nsec;
        }
    }
    wb__ledger_random(s, c.cti, WB_CTI_BYTES);
    c.cti_len = WB_CTI_BYTES;
    c.has_payload = e->payload != NULL;
    if (c.has_payload) {
        wb__ledger_random(s, salt, WB_SALT_BYTES);
        wb_sha256_2(salt, WB_SALT_BYTES, e->payload, e->payload_len,
                    c.payload_hash);
    }
    c.has_devsig = e->device_token != NULL;
    if (c.has_devsig) {
        wb_sha256(e->device_token, e->device_token_len, c.devsig);
    }
    return wb_claims_encode(&c, leaf, leaf_len);
}

wb_err
wb__ledger_tx_begin(struct wb_site *s, bool *own)
{
    wb_err rc = WB_OK;

    *own = !s->in_batch;
    if (*own) {
        rc = wb_site_begin(s);
        if (rc != WB_OK) {
            *own = false;
        }
    }
    return rc;
}

wb_err
wb__ledger_tx_end(struct wb_site *s, bool own, wb_err rc)
{
    if (!own) {
        return rc;
    }
    if (rc == WB_OK) {
        return wb_site_commit(s);
    }
    wb_site_rollback(s);
    return rc;
}

/* Hash the leaf into the tree and insert its row, in the open batch. */
static wb_err
append_row(struct wb_site *s,
           const struct wb_append *e,
           struct wb__row *row,
           uint8_t salt[WB_SALT_BYTES])
{
    uint8_t stored[65][WB_HASH_BYTES];
    uint8_t leaf_hash[WB_HASH_BYTES];
    uint64_t before = s->tree.size;
    unsigned n;
    wb_err rc;

    wb_merkle_leaf_hash(row->leaf, row->leaf_len, leaf_hash);
    row->idx = s->tree.size;
    n = wb_merkle_frontier_append(&s->tree, leaf_hash, stored);
    row->hashes = &stored[0][0];
    row->hashes_len = (size_t)n * WB_HASH_BYTES;
    if (e->payload != NULL) {
        row->salt = salt;
        row->salt_len = WB_SALT_BYTES;
        row->payload = (uint8_t *)(uintptr_t)e->payload;
        row->payload_len = e->payload_len;
    }
    row->devtok = (uint8_t *)(uintptr_t)e->device_token;
    row->devtok_len = e->device_token_len;
    rc = wb__db_entry_insert(s->db, row, e->claims.kind);
    if (rc == WB_OK) {
        memcpy(s->last_leaf, leaf_hash, WB_HASH_BYTES);
    }
    if (rc != WB_OK) {
        /* rare: rebuild the frontier from the rows rather than copy 2 KiB
         * on every append to be able to undo */
        if (wb_merkle_frontier_load(&s->tree, before, wb__ledger_read_node,
                                    s) != WB_OK) {
            wb_site_rollback(s); /* the whole batch, consistently */
        }
    }
    return rc;
}

wb_err
wb_site_append(struct wb_site *s, const struct wb_append *e, uint64_t *index)
{
    uint8_t salt[WB_SALT_BYTES];
    struct wb__row row;
    bool own = false;
    wb_err rc;

    memset(&row, 0, sizeof row);
    rc = wb__site_settle(s); /* the reserved index comes first */
    if (rc == WB_OK) {
        rc = make_leaf(s, e, salt, &row.leaf, &row.leaf_len);
    }
    if (rc == WB_OK) {
        rc = wb__ledger_tx_begin(s, &own);
    }
    if (rc == WB_OK) {
        rc = wb__ledger_tx_end(s, own, append_row(s, e, &row, salt));
    }
    if (rc == WB_OK && index != NULL) {
        *index = row.idx;
    }
    wb_wipe(salt, sizeof salt);
    wb__free(row.leaf);
    return rc;
}

wb_err
wb__site_defer(struct wb_site *s,
               const struct wb__deferred_ops *ops,
               void *ctx,
               uint64_t *index)
{
    wb_err rc = s->in_batch ? wb__site_settle(s)
                            : wb__err(WB_ERR_INVAL, "an entry can be "
                                                    "deferred only in a batch");

    if (rc != WB_OK) {
        ops->drop(ctx);
        return rc;
    }
    s->def_ops = ops;
    s->def_ctx = ctx;
    *index = s->tree.size;
    return WB_OK;
}

void *
wb__site_deferred(struct wb_site *s, const struct wb__deferred_ops *ops)
{
    return s->def_ops == ops ? s->def_ctx : NULL;
}

wb_err
wb__site_settle(struct wb_site *s)
{
    const struct wb__deferred_ops *ops = s->def_ops;
    void *ctx = s->def_ctx;
    uint64_t want = s->tree.size;
    uint64_t got = 0;
    wb_err rc;

    if (ops == NULL) {
        return WB_OK;
    }
    s->def_ops = NULL; /* taken: its own append must not settle it again */
    s->def_ctx = NULL;
    rc = ops->finish(s, ctx, &got);
    ops->drop(ctx);
    if (rc == WB_OK && got != want) {
        rc = wb__err(WB_ERR_INTERNAL,
                     "a deferred entry landed at %llu, not at its reserved "
                     "index %llu",
                     (unsigned long long)got, (unsigned long long)want);
    }
    if (rc != WB_OK) {
        wb_site_rollback(s);
    }
    return rc;
}

void
wb_site_last_leaf_hash(const struct wb_site *s, uint8_t out[WB_HASH_BYTES])
{
    memcpy(out, s->last_leaf, WB_HASH_BYTES);
}

wb_err
wb__ledger_read_node(void *ctx,
                     unsigned level,
                     uint64_t index,
                     uint8_t out[WB_HASH_BYTES])
{
    struct wb_site *s = ctx;
    uint8_t hashes[65 * WB_HASH_BYTES];
    size_t len = 0;
    uint64_t row;
    wb_err rc;

    /* node (level, index) is completed by leaf ((index + 1) << level) - 1
     * and stored in that leaf's row at position `level` */
    if (level >= 64 || index >= (UINT64_MAX >> level)) {
        return wb__err(WB_ERR_INVAL, "no node at level %u index %llu", level,
                       (unsigned long long)index);
    }
    row = ((index + 1) << level) - 1;
    rc = wb__db_entry_hashes(s->db, row, hashes, sizeof hashes, &len);
    if (rc != WB_OK) {
        return rc;
    }
    if (len < (size_t)(level + 1) * WB_HASH_BYTES) {
        return wb__err(WB_ERR_VERIFY,
                       "entry %llu: stored hashes are "
                       "truncated",
                       (unsigned long long)row);
    }
    memcpy(out, hashes + (size_t)level * WB_HASH_BYTES, WB_HASH_BYTES);
    return WB_OK;
}
