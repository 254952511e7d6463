/* SPDX-License-Identifier: Apache-2.0 */
/* The frontier (roots of the perfect subtrees of a tree, largest first):
 * appending leaves, the root, and loading it or the root of any size from
 * stored perfect-subtree hashes through the read callback. */
#include <string.h>

#include "log/log_int.h"

/* SHA-256 of the empty string: the root of the empty tree. */
static const uint8_t empty_root[WB_HASH_BYTES] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
    0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
    0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

void
wb_merkle_frontier_init(struct wb_merkle_frontier *f)
{
    memset(f, 0, sizeof *f);
}

unsigned
wb_merkle_frontier_append(struct wb_merkle_frontier *f,
                          const uint8_t leaf[WB_HASH_BYTES],
                          uint8_t stored[65][WB_HASH_BYTES])
{
    uint8_t cur[WB_HASH_BYTES];
    uint64_t n = f->size;
    unsigned k = 0;

    if (n == UINT64_MAX) {
        return 0; /* a tree of 2^64 leaves cannot be described */
    }
    memcpy(cur, leaf, WB_HASH_BYTES);
    memcpy(stored[0], cur, WB_HASH_BYTES);
    /* each trailing one bit of the old size is a perfect subtree of the
     * same height that the new one completes (level k, index n >> k) */
    while (n & 1) {
        f->count--;
        wb_merkle_node_hash(f->hash[f->count], cur, cur);
        k++;
        memcpy(stored[k], cur, WB_HASH_BYTES);
        n >>= 1;
    }
    memcpy(f->hash[f->count], cur, WB_HASH_BYTES);
    f->count++;
    f->size++;
    return k + 1;
}

/* Fold perfect-subtree hashes (largest first) into the hash of their
 * concatenation: RFC 9162 pairs the right edge first. */
static void
fold(const uint8_t (*h)[WB_HASH_BYTES], unsigned n, uint8_t out[WB_HASH_BYTES])
{
    uint8_t r[WB_HASH_BYTES];

    memcpy(r, h[n - 1], WB_HASH_BYTES);
    for (unsigned i = n - 1; i-- > 0;) {
        wb_merkle_node_hash(h[i], r, r);
    }
    memcpy(out, r, WB_HASH_BYTES);
}

void
wb_merkle_frontier_root(const struct wb_merkle_frontier *f,
                        uint8_t root[WB_HASH_BYTES])
{
    if (f->count == 0) {
        memcpy(root, empty_root, WB_HASH_BYTES);
        return;
    }
    fold((const uint8_t(*)[WB_HASH_BYTES])f->hash, f->count, root);
}

/* Read the perfect subtrees of [lo, lo + n), largest first, into h[]; lo
 * must be aligned to the largest one. Returns how many through *count. */
static wb_err
read_pieces(wb_merkle_read_fn read,
            void *ctx,
            uint64_t lo,
            uint64_t n,
            uint8_t h[64][WB_HASH_BYTES],
            unsigned *count)
{
    unsigned c = 0;
    wb_err rc;

    for (unsigned level = 64; level-- > 0;) {
        uint64_t width = (uint64_t)1 << level;
        if (!(n & width)) {
            continue;
        }
        rc = read(ctx, level, lo >> level, h[c]);
        if (rc != WB_OK) {
            return rc;
        }
        c++;
        lo += width;
    }
    *count = c;
    return WB_OK;
}

wb_err
wb__log_range_hash(wb_merkle_read_fn read,
                   void *ctx,
                   uint64_t lo,
                   uint64_t hi,
                   uint8_t out[WB_HASH_BYTES])
{
    uint8_t h[64][WB_HASH_BYTES];
    unsigned count = 0;
    wb_err rc;

    rc = read_pieces(read, ctx, lo, hi - lo, h, &count);
    if (rc != WB_OK) {
        return rc;
    }
    fold((const uint8_t(*)[WB_HASH_BYTES])h, count, out);
    return WB_OK;
}

wb_err
wb_merkle_frontier_load(struct wb_merkle_frontier *f,
                        uint64_t size,
                        wb_merkle_read_fn read,
                        void *ctx)
{
    unsigned count = 0;
    wb_err rc;

    wb_merkle_frontier_init(f);
    if (read == NULL) {
        return wb__err(WB_ERR_INVAL, "frontier: no read callback");
    }
    rc = read_pieces(read, ctx, 0, size, f->hash, &count);
    if (rc != WB_OK) {
        wb_merkle_frontier_init(f);
        return rc;
    }
    f->count = count;
    f->size = size;
    return WB_OK;
}

wb_err
wb_merkle_root(wb_merkle_read_fn read,
               void *ctx,
               uint64_t size,
               uint8_t root[WB_HASH_BYTES])
{
    if (read == NULL) {
        return wb__err(WB_ERR_INVAL, "root: no read callback");
    }
    if (size == 0) {
        memcpy(root, empty_root, WB_HASH_BYTES);
        return WB_OK;
    }
    return wb__log_range_hash(read, ctx, 0, size, root);
}
