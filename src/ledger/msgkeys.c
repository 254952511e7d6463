/* SPDX-License-Identifier: Apache-2.0 */
/* Message idempotency: the ring of the last WB_MSGKEY_WINDOW keys lives in
 * the database (one row a slot, written in the entry's transaction); the
 * lookup key -> slot lives here, in memory. Keys are SHA-256 values, so
 * an index on them in SQLite touched a random page for every message and
 * every commit rewrote most of it (docs/performance.md). The table is
 * followed by its seq column, so puts by other handles are seen; a hit is
 * confirmed against the stored row, so a stale mapping can only miss
 * nothing: after a rollback the index is rebuilt. */
#include <string.h>

#include "ledger/ledger_int.h"

#define BUCKETS (2u * WB_MSGKEY_WINDOW) /* load factor at most 1/2 */
#define MASK    (BUCKETS - 1)

struct wb__keyidx {
    uint32_t bucket[BUCKETS];          /* 0 = empty, else slot + 1 */
    uint32_t prefix[WB_MSGKEY_WINDOW]; /* the first 4 bytes of its key */
    uint8_t used[WB_MSGKEY_WINDOW];    /* the slot is in the index */
    uint64_t seq;                      /* the last row followed */
    bool loaded;
    bool dirty; /* the open batch put keys */
};

static uint32_t
prefix_of(const uint8_t key[32])
{
    return (uint32_t)key[0] | (uint32_t)key[1] << 8 | (uint32_t)key[2] << 16 |
           (uint32_t)key[3] << 24;
}

/* Take slot out (linear probing, deletion by backward shift). */
static void
idx_remove(struct wb__keyidx *k, uint32_t slot)
{
    uint32_t i;
    uint32_t j;

    if (!k->used[slot]) {
        return;
    }
    i = k->prefix[slot] & MASK;
    while (k->bucket[i] != slot + 1) {
        i = (i + 1) & MASK;
    }
    for (j = (i + 1) & MASK; k->bucket[j] != 0; j = (j + 1) & MASK) {
        uint32_t home = k->prefix[k->bucket[j] - 1] & MASK;
        /* move j's slot into the hole at i unless its home lies in the
         * cyclic range (i, j] */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            k->bucket[i] = k->bucket[j];
            i = j;
        }
    }
    k->bucket[i] = 0;
    k->used[slot] = 0;
}

static void
idx_insert(struct wb__keyidx *k, uint32_t slot, uint32_t p)
{
    uint32_t i;

    idx_remove(k, slot);
    k->prefix[slot] = p;
    for (i = p & MASK; k->bucket[i] != 0; i = (i + 1) & MASK) {
    }
    k->bucket[i] = slot + 1;
    k->used[slot] = 1;
}

static wb_err
follow(void *ctx,
       uint64_t seq,
       uint32_t slot,
       const uint8_t key[32],
       uint64_t entry)
{
    struct wb__keyidx *k = ctx;

    (void)entry;
    if (slot < WB_MSGKEY_WINDOW) {
        idx_insert(k, slot, prefix_of(key));
    }
    k->seq = seq;
    return WB_OK;
}

/* The index, loaded (the whole table) or brought up to date (the rows put
 * since, by any handle). */
static wb_err
keys(struct wb_site *s, struct wb__keyidx **out)
{
    struct wb__keyidx *k = s->keys;
    wb_err rc;

    *out = NULL;
    if (k == NULL) {
        k = s->keys = wb__calloc(1, sizeof *k);
        if (k == NULL) {
            return WB_ERR_NOMEM;
        }
    }
    if (!k->loaded) {
        memset(k->bucket, 0, sizeof k->bucket);
        memset(k->used, 0, sizeof k->used);
        k->seq = 0;
    }
    rc = wb__db_msgring_since(s->db, k->seq, follow, k);
    k->loaded = rc == WB_OK;
    if (rc == WB_OK) {
        *out = k;
    }
    return rc;
}

wb_err
wb_site_msgkey_find(struct wb_site *s, const uint8_t key[32], uint64_t *entry)
{
    struct wb__keyidx *k = NULL;
    uint32_t p = prefix_of(key);
    wb_err rc = keys(s, &k);

    for (uint32_t i = p & MASK; rc == WB_OK && k->bucket[i] != 0;
         i = (i + 1) & MASK) {
        uint32_t slot = k->bucket[i] - 1;
        uint8_t stored[32];
        if (k->prefix[slot] != p) {
            continue;
        }
        rc = wb__db_msgring_slot(s->db, slot, stored, entry);
        if (rc == WB_OK && memcmp(stored, key, 32) == 0) {
            return WB_OK;
        }
        rc = rc == WB_ERR_NOTFOUND ? WB_OK : rc;
    }
    return rc == WB_OK ? WB_ERR_NOTFOUND : rc;
}

wb_err
wb_site_msgkey_put(struct wb_site *s, const uint8_t key[32], uint64_t entry)
{
    struct wb__keyidx *k = NULL;
    uint32_t slot = (uint32_t)(entry % WB_MSGKEY_WINDOW);
    uint64_t seq = 0;
    wb_err rc;

    if (!s->in_batch) {
        return wb__err(WB_ERR_INVAL, "message key outside a batch");
    }
    rc = keys(s, &k);
    if (rc == WB_OK) {
        rc = wb__db_msgring_put(s->db, slot, key, entry, &seq);
    }
    if (rc == WB_OK) {
        idx_insert(k, slot, prefix_of(key));
        k->seq = seq;
        k->dirty = true;
    }
    return rc;
}

void
wb__ledger_keys_committed(struct wb_site *s)
{
    if (s->keys != NULL) {
        s->keys->dirty = false;
    }
}

void
wb__ledger_keys_rolled_back(struct wb_site *s)
{
    if (s->keys != NULL && s->keys->dirty) {
        s->keys->loaded = false; /* rebuilt from the table when next used */
        s->keys->dirty = false;
    }
}

void
wb__ledger_keys_free(struct wb_site *s)
{
    wb__free(s->keys);
    s->keys = NULL;
}
