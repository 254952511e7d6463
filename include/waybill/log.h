/* SPDX-License-Identifier: Apache-2.0 */
/* The Merkle log: RFC 9162 tree hashing, inclusion and consistency proofs,
 * C2SP signed-note checkpoints and c2sp.org/tlog-proof@v1 texts. Storage is
 * not here: proofs read node hashes through a callback, so any store works. */
#ifndef WAYBILL_LOG_H
#define WAYBILL_LOG_H

#include <waybill/crypto.h>

/* Longest proof accepted or produced (a tree of 2^63 leaves needs 63). */
#define WB_MERKLE_MAX_PROOF 128
/* Largest checkpoint or signed note parsed. */
#define WB_NOTE_MAX_BYTES 65536
/* Most signature lines read in one note (as golang.org/x/mod/sumdb/note). */
#define WB_NOTE_MAX_SIGS 100
/* Largest tlog-proof text parsed. */
#define WB_TLOG_PROOF_MAX_BYTES 131072
/* Longest log origin line. */
#define WB_ORIGIN_MAX 255

/** Leaf hash SHA-256(0x00 || leaf). */
WB_API void wb_merkle_leaf_hash(const uint8_t *leaf,
                                size_t leaf_len,
                                uint8_t out[WB_HASH_BYTES]);

/** Node hash SHA-256(0x01 || left || right). */
WB_API void wb_merkle_node_hash(const uint8_t left[WB_HASH_BYTES],
                                const uint8_t right[WB_HASH_BYTES],
                                uint8_t out[WB_HASH_BYTES]);

/* The roots of the perfect subtrees that make up a tree of `size` leaves,
 * largest first: all that is needed to append and to compute the root. */
struct wb_merkle_frontier {
    uint64_t size;
    unsigned count;
    uint8_t hash[64][WB_HASH_BYTES];
};

/** Empty frontier (size 0). */
WB_API void wb_merkle_frontier_init(struct wb_merkle_frontier *f);

/** Append a leaf hash. stored[0] gets the leaf hash and stored[k] the hash
 *  of the perfect subtree of height k this leaf completed; returns how many
 *  were written (1 + number of trailing one bits of the old size).
 *  stored[k] is node (level k, index old_size >> k). At size UINT64_MAX
 *  nothing is appended and 0 is returned. */
WB_API unsigned wb_merkle_frontier_append(struct wb_merkle_frontier *f,
                                          const uint8_t leaf[WB_HASH_BYTES],
                                          uint8_t stored[65][WB_HASH_BYTES]);

/** Root of the tree the frontier describes (SHA-256("") when empty). */
WB_API void wb_merkle_frontier_root(const struct wb_merkle_frontier *f,
                                    uint8_t root[WB_HASH_BYTES]);

/* Reads the hash of the perfect subtree at height `level` covering leaves
 * [index << level, (index + 1) << level). Returns WB_OK or an error that is
 * passed through to the caller. */
typedef wb_err (*wb_merkle_read_fn)(void *ctx,
                                    unsigned level,
                                    uint64_t index,
                                    uint8_t out[WB_HASH_BYTES]);

/** Frontier of the tree of `size` leaves, from stored hashes (O(log n)
 *  reads). Errors from read are returned. */
WB_API WB_NODISCARD wb_err wb_merkle_frontier_load(struct wb_merkle_frontier *f,
                                                   uint64_t size,
                                                   wb_merkle_read_fn read,
                                                   void *ctx);

/** Root of the tree of `size` leaves (O(log n) reads). */
WB_API WB_NODISCARD wb_err wb_merkle_root(wb_merkle_read_fn read,
                                          void *ctx,
                                          uint64_t size,
                                          uint8_t root[WB_HASH_BYTES]);

/** RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size`
 *  leaves into proof[], count in *count (O(log n) reads).
 *  WB_ERR_INVAL when index >= size. */
WB_API WB_NODISCARD wb_err
wb_merkle_prove_inclusion(wb_merkle_read_fn read,
                          void *ctx,
                          uint64_t index,
                          uint64_t size,
                          uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                          size_t *count);

/** RFC 9162 §2.1.4 consistency proof between sizes old_size and new_size
 *  into proof[], count in *count. WB_ERR_INVAL unless
 *  0 < old_size <= new_size; equal sizes give an empty proof. */
WB_API WB_NODISCARD wb_err
wb_merkle_prove_consistency(wb_merkle_read_fn read,
                            void *ctx,
                            uint64_t old_size,
                            uint64_t new_size,
                            uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                            size_t *count);

/** WB_OK only if proof shows leaf_hash at index in the tree of size with
 *  root; WB_ERR_VERIFY on mismatch, WB_ERR_INVAL on impossible arguments
 *  (index >= size, wrong proof length). */
WB_API WB_NODISCARD wb_err
wb_merkle_verify_inclusion(uint64_t index,
                           uint64_t size,
                           const uint8_t leaf_hash[WB_HASH_BYTES],
                           const uint8_t (*proof)[WB_HASH_BYTES],
                           size_t count,
                           const uint8_t root[WB_HASH_BYTES]);

/** WB_OK only if proof shows the tree (size1, root1) is a prefix of
 *  (size2, root2); WB_ERR_VERIFY or WB_ERR_INVAL otherwise. */
WB_API WB_NODISCARD wb_err
wb_merkle_verify_consistency(uint64_t size1,
                             uint64_t size2,
                             const uint8_t root1[WB_HASH_BYTES],
                             const uint8_t root2[WB_HASH_BYTES],
                             const uint8_t (*proof)[WB_HASH_BYTES],
                             size_t count);

/** A proof as text: each hash in standard base64 and a newline, nothing
 *  else (the consistency proof format), into *out (wb_free). */
WB_API WB_NODISCARD wb_err wb_proof_lines_format(
    const uint8_t (*proof)[WB_HASH_BYTES], size_t count, char **out);

/** Parse proof lines into proof[], count in *count. WB_ERR_FORMAT naming
 *  the line, WB_ERR_TOOBIG past WB_MERKLE_MAX_PROOF hashes. */
WB_API WB_NODISCARD wb_err
wb_proof_lines_parse(const char *text,
                     size_t len,
                     uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                     size_t *count);

/* ---- checkpoints (C2SP tlog-checkpoint over C2SP signed-note) ----------- */

struct wb_checkpoint {
    char origin[WB_ORIGIN_MAX + 1];
    uint64_t size;
    uint8_t root[WB_HASH_BYTES];
};

/** Signed checkpoint text "origin\nsize\nroot\n\n— name sig\n" into *out
 *  (wb_free). WB_ERR_INVAL on a bad origin. */
WB_API WB_NODISCARD wb_err wb_checkpoint_sign(const struct wb_checkpoint *cp,
                                              const struct wb_signer *s,
                                              char **out);

/** Parse a signed checkpoint and verify the signature of v (matched by key
 *  name and id; other signatures are ignored). The body is parsed into out.
 *  WB_ERR_FORMAT (detail in wb_errmsg: line and field) on a malformed note,
 *  WB_ERR_BADSIG when no signature of v verifies, WB_ERR_TOOBIG over
 *  WB_NOTE_MAX_BYTES. */
WB_API WB_NODISCARD wb_err wb_checkpoint_verify(const char *text,
                                                size_t len,
                                                const struct wb_verifier *v,
                                                struct wb_checkpoint *out);

/* ---- c2sp.org/tlog-proof@v1 -------------------------------------------- */

struct wb_tlog_proof {
    uint64_t index;
    uint8_t *extra; /* NULL when absent */
    size_t extra_len;
    size_t count;
    uint8_t hash[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    char *checkpoint; /* verbatim signed checkpoint, NUL-terminated */
    size_t checkpoint_len;
};

/** Format a tlog-proof text into *out (wb_free). extra may be NULL. */
WB_API WB_NODISCARD wb_err
wb_tlog_proof_format(uint64_t index,
                     const uint8_t *extra,
                     size_t extra_len,
                     const uint8_t (*proof)[WB_HASH_BYTES],
                     size_t count,
                     const char *checkpoint,
                     char **out);

/** Parse a tlog-proof text into a new *out (wb_tlog_proof_free).
 *  WB_ERR_FORMAT with the line named in wb_errmsg; WB_ERR_TOOBIG over
 *  WB_TLOG_PROOF_MAX_BYTES. The checkpoint is not verified here. */
WB_API WB_NODISCARD wb_err wb_tlog_proof_parse(const char *text,
                                               size_t len,
                                               struct wb_tlog_proof **out);

/** Free p. NULL-safe. */
WB_API void wb_tlog_proof_free(struct wb_tlog_proof *p);

/** Offline check of a tlog-proof text for leaf bytes: parse, verify the
 *  checkpoint with v, verify inclusion of SHA-256(0x00||leaf). cp may be
 *  NULL; else it receives the checkpoint. WB_OK only if all pass. */
WB_API WB_NODISCARD wb_err wb_tlog_proof_verify(const char *text,
                                                size_t len,
                                                const struct wb_verifier *v,
                                                const uint8_t *leaf,
                                                size_t leaf_len,
                                                struct wb_checkpoint *cp);

#endif
