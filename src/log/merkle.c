/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9162 §2.1 tree hashing and the verification of inclusion (§2.1.3.2)
 * and consistency (§2.1.4.2) proofs. No allocation: this is the hot path. */
#include <string.h>

#include "log/log_int.h"

void
wb_merkle_leaf_hash(const uint8_t *leaf,
                    size_t leaf_len,
                    uint8_t out[WB_HASH_BYTES])
{
    static const uint8_t prefix = 0x00;

    wb_sha256_2(&prefix, 1, leaf, leaf_len, out);
}

void
wb_merkle_node_hash(const uint8_t left[WB_HASH_BYTES],
                    const uint8_t right[WB_HASH_BYTES],
                    uint8_t out[WB_HASH_BYTES])
{
    uint8_t buf[1 + 2 * WB_HASH_BYTES];

    /* copy first: out may alias left or right */
    buf[0] = 0x01;
    memcpy(buf + 1, left, WB_HASH_BYTES);
    memcpy(buf + 1 + WB_HASH_BYTES, right, WB_HASH_BYTES);
    wb_sha256(buf, sizeof buf, out);
}

/* One step of the RFC 9162 verification walk: after combining with a
 * proof hash, climb past the levels where no hash is needed. */
static void
climb(uint64_t *fn, uint64_t *sn)
{
    if ((*fn & 1) || *fn == *sn) {
        while (!(*fn & 1) && *fn != 0) {
            *fn >>= 1;
            *sn >>= 1;
        }
    }
    *fn >>= 1;
    *sn >>= 1;
}

/* Number of proof hashes the walk from (fn, sn) consumes before sn reaches
 * 0: the exact proof length, checked before any hashing. */
static size_t
walk_len(uint64_t fn, uint64_t sn)
{
    size_t n = 0;

    while (sn != 0) {
        climb(&fn, &sn);
        n++;
    }
    return n;
}

wb_err
wb_merkle_verify_inclusion(uint64_t index,
                           uint64_t size,
                           const uint8_t leaf_hash[WB_HASH_BYTES],
                           const uint8_t (*proof)[WB_HASH_BYTES],
                           size_t count,
                           const uint8_t root[WB_HASH_BYTES])
{
    uint64_t fn, sn;
    uint8_t r[WB_HASH_BYTES];
    size_t want;

    if (index >= size) {
        return wb__err(WB_ERR_INVAL,
                       "inclusion: index %llu is not below tree size %llu",
                       (unsigned long long)index, (unsigned long long)size);
    }
    want = walk_len(index, size - 1);
    if (count != want || (count > 0 && proof == NULL)) {
        return wb__err(WB_ERR_INVAL,
                       "inclusion: proof has %zu hashes, index %llu in size "
                       "%llu needs %zu",
                       count, (unsigned long long)index,
                       (unsigned long long)size, want);
    }
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, WB_HASH_BYTES);
    for (size_t i = 0; i < count; i++) {
        if ((fn & 1) || fn == sn) {
            wb_merkle_node_hash(proof[i], r, r);
        } else {
            wb_merkle_node_hash(r, proof[i], r);
        }
        climb(&fn, &sn);
    }
    if (memcmp(r, root, WB_HASH_BYTES) != 0) {
        return wb__err(WB_ERR_VERIFY, "inclusion: root mismatch");
    }
    return WB_OK;
}

/* Size checks and the equal-size case of consistency verification; *done
 * is set when the result is final. */
static wb_err
consistency_trivial(uint64_t size1,
                    uint64_t size2,
                    const uint8_t root1[WB_HASH_BYTES],
                    const uint8_t root2[WB_HASH_BYTES],
                    size_t count,
                    bool *done)
{
    *done = true;
    if (size1 == 0 || size1 > size2) {
        return wb__err(WB_ERR_INVAL,
                       "consistency: sizes %llu -> %llu (need 0 < size1 <= "
                       "size2)",
                       (unsigned long long)size1, (unsigned long long)size2);
    }
    if (size1 == size2) {
        if (count != 0) {
            return wb__err(WB_ERR_INVAL,
                           "consistency: equal sizes need an empty proof");
        }
        if (memcmp(root1, root2, WB_HASH_BYTES) != 0) {
            return wb__err(WB_ERR_VERIFY,
                           "consistency: equal sizes, different roots");
        }
        return WB_OK;
    }
    *done = false;
    return WB_OK;
}

wb_err
wb_merkle_verify_consistency(uint64_t size1,
                             uint64_t size2,
                             const uint8_t root1[WB_HASH_BYTES],
                             const uint8_t root2[WB_HASH_BYTES],
                             const uint8_t (*proof)[WB_HASH_BYTES],
                             size_t count)
{
    uint64_t fn, sn;
    uint8_t fr[WB_HASH_BYTES], sr[WB_HASH_BYTES];
    size_t i = 0, want;
    bool pow2 = (size1 & (size1 - 1)) == 0;
    bool done;
    wb_err rc;

    rc = consistency_trivial(size1, size2, root1, root2, count, &done);
    if (done) {
        return rc;
    }
    fn = size1 - 1;
    sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    want = (pow2 ? 0 : 1) + walk_len(fn, sn);
    if (count != want || proof == NULL) {
        return wb__err(WB_ERR_INVAL,
                       "consistency: proof has %zu hashes, %llu -> %llu "
                       "needs %zu",
                       count, (unsigned long long)size1,
                       (unsigned long long)size2, want);
    }
    /* RFC 9162 §2.1.4.2: a power-of-2 size1 is its own first hash */
    memcpy(fr, pow2 ? root1 : proof[i++], WB_HASH_BYTES);
    memcpy(sr, fr, WB_HASH_BYTES);
    for (; i < count; i++) {
        if ((fn & 1) || fn == sn) {
            wb_merkle_node_hash(proof[i], fr, fr);
            wb_merkle_node_hash(proof[i], sr, sr);
        } else {
            wb_merkle_node_hash(sr, proof[i], sr);
        }
        climb(&fn, &sn);
    }
    if (memcmp(fr, root1, WB_HASH_BYTES) != 0 ||
        memcmp(sr, root2, WB_HASH_BYTES) != 0) {
        return wb__err(WB_ERR_VERIFY, "consistency: root mismatch");
    }
    return WB_OK;
}
