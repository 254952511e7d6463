/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9162 §2.1.3.1 inclusion and §2.1.4.1 consistency proof generation,
 * walking the recursive definitions top-down without recursion. Every
 * sibling is a perfect subtree except at most one range on the right edge
 * of the tree, so a proof costs O(log n) reads. */
#include <string.h>

#include "log/log_int.h"

/* Largest power of two strictly below n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
    return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* The walks below produce the proof root-first; RFC order is leaf-first. */
static void
reverse(uint8_t (*h)[WB_HASH_BYTES], size_t n)
{
    uint8_t t[WB_HASH_BYTES];

    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        memcpy(t, h[i], WB_HASH_BYTES);
        memcpy(h[i], h[j - 1], WB_HASH_BYTES);
        memcpy(h[j - 1], t, WB_HASH_BYTES);
    }
}

/* Append the hash of [lo, hi) to proof[*n]. */
static wb_err
push(wb_merkle_read_fn read,
     void *ctx,
     uint64_t lo,
     uint64_t hi,
     uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
     size_t *n)
{
    wb_err rc;

    if (*n >= WB_MERKLE_MAX_PROOF) {
        return wb__err(WB_ERR_INTERNAL, "proof longer than %d hashes",
                       WB_MERKLE_MAX_PROOF);
    }
    rc = wb__log_range_hash(read, ctx, lo, hi, proof[*n]);
    if (rc != WB_OK) {
        return rc;
    }
    (*n)++;
    return WB_OK;
}

wb_err
wb_merkle_prove_inclusion(wb_merkle_read_fn read,
                          void *ctx,
                          uint64_t index,
                          uint64_t size,
                          uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                          size_t *count)
{
    uint64_t lo = 0, hi = size;
    size_t n = 0;
    wb_err rc = WB_OK;

    *count = 0;
    if (read == NULL || proof == NULL) {
        return wb__err(WB_ERR_INVAL, "inclusion proof: NULL argument");
    }
    if (index >= size) {
        return wb__err(WB_ERR_INVAL,
                       "inclusion proof: index %llu is not below tree size "
                       "%llu",
                       (unsigned long long)index, (unsigned long long)size);
    }
    /* PATH(m, D[lo:hi]): the sibling of the half holding m, then descend */
    while (hi - lo > 1 && rc == WB_OK) {
        uint64_t k = split_point(hi - lo);
        if (index < lo + k) {
            rc = push(read, ctx, lo + k, hi, proof, &n);
            hi = lo + k;
        } else {
            rc = push(read, ctx, lo, lo + k, proof, &n);
            lo += k;
        }
    }
    if (rc != WB_OK) {
        return rc;
    }
    reverse(proof, n);
    *count = n;
    return WB_OK;
}

wb_err
wb_merkle_prove_consistency(wb_merkle_read_fn read,
                            void *ctx,
                            uint64_t old_size,
                            uint64_t new_size,
                            uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                            size_t *count)
{
    uint64_t lo = 0, hi = new_size;
    bool at_root = true;
    size_t n = 0;
    wb_err rc = WB_OK;

    *count = 0;
    if (read == NULL || proof == NULL) {
        return wb__err(WB_ERR_INVAL, "consistency proof: NULL argument");
    }
    if (old_size == 0 || old_size > new_size) {
        return wb__err(WB_ERR_INVAL,
                       "consistency proof: sizes %llu -> %llu (need 0 < old "
                       "<= new)",
                       (unsigned long long)old_size,
                       (unsigned long long)new_size);
    }
    /* SUBPROOF(m, D[lo:hi], b) with m = old_size - lo */
    while (old_size != hi && rc == WB_OK) {
        uint64_t k = split_point(hi - lo);
        if (old_size <= lo + k) {
            rc = push(read, ctx, lo + k, hi, proof, &n);
            hi = lo + k;
        } else {
            rc = push(read, ctx, lo, lo + k, proof, &n);
            lo += k;
            at_root = false;
        }
    }
    if (rc == WB_OK && !at_root) {
        rc = push(read, ctx, lo, hi, proof, &n);
    }
    if (rc != WB_OK) {
        return rc;
    }
    reverse(proof, n);
    *count = n;
    return WB_OK;
}
