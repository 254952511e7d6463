/* SPDX-License-Identifier: Apache-2.0 */
/* The store: the only code that speaks SQL. The ledger uses these calls, so
 * another store (PostgreSQL at a hub) can replace this file set later. */
#ifndef WB_STORE_INT_H
#define WB_STORE_INT_H

#include <stdbool.h>

#include <waybill/ledger.h>

#include "core/core_int.h"

struct wb__db;

/* One log entry as stored. Buffers are owned by the row (wb__row_clear). */
struct wb__row {
    uint64_t idx;
    uint8_t *leaf;
    size_t leaf_len;
    uint8_t *hashes; /* leaf hash then completed subtree hashes */
    size_t hashes_len;
    uint8_t *salt; /* NULL when erased or no payload */
    size_t salt_len;
    uint8_t *payload;
    size_t payload_len;
    uint8_t *devtok;
    size_t devtok_len;
    bool erased;
};

/* Open (create when `create`) the database at path in WAL mode with
 * synchronous=FULL, create the schema if missing. */
wb_err wb__db_open(const char *path, bool create, struct wb__db **out);
void wb__db_close(struct wb__db *db);

wb_err wb__db_begin(struct wb__db *db);
wb_err wb__db_commit(struct wb__db *db);
void wb__db_rollback(struct wb__db *db);

/* Hold one read transaction over a run of reads (a proof's node reads:
 * 2-4x faster than one implicit transaction each). *own is false when a
 * transaction was already open; wb__db_read_end then does nothing. */
wb_err wb__db_read_begin(struct wb__db *db, bool *own);
void wb__db_read_end(struct wb__db *db, bool own);

/* Key/value settings of the site (origin, schema version). */
wb_err wb__db_meta_get(struct wb__db *db, const char *key, char **value);
wb_err wb__db_meta_set(struct wb__db *db, const char *key, const char *value);

/* Index the next entry would get (max index + 1): one index seek, for
 * catching up with other handles' appends. */
wb_err wb__db_entry_next(struct wb__db *db, uint64_t *next);
wb_err wb__db_entry_insert(struct wb__db *db,
                           const struct wb__row *row,
                           const char *kind);
/* Copy entry idx's hashes (at most cap bytes) into out. */
wb_err wb__db_entry_hashes(
    struct wb__db *db, uint64_t idx, uint8_t *out, size_t cap, size_t *len);
wb_err wb__db_entry_get(struct wb__db *db, uint64_t idx, struct wb__row *row);
/* Drop payload, salt and device token of idx with secure delete. */
wb_err wb__db_entry_erase(struct wb__db *db, uint64_t idx);
/* Cap the page cache of this connection at kib KiB. */
wb_err wb__db_cache_limit(struct wb__db *db, size_t kib);
/* Truncate the WAL so erased bytes do not linger there. */
wb_err wb__db_wal_truncate(struct wb__db *db);
void wb__row_clear(struct wb__row *row);

/* Walk all entries in index order; fn returns non-OK to stop. */
typedef wb_err (*wb__row_fn)(void *ctx, const struct wb__row *row);
wb_err wb__db_entry_walk(struct wb__db *db, wb__row_fn fn, void *ctx);
/* Leaves of the entries that still hold a payload or device token (not
 * erasures), in index order. */
wb_err wb__db_entry_erasable(struct wb__db *db, wb_leaf_fn fn, void *ctx);

/* Checkpoints, keyed by tree size. */
wb_err
wb__db_checkpoint_put(struct wb__db *db, uint64_t size, const char *text);
wb_err wb__db_checkpoint_get(struct wb__db *db, uint64_t size, char **text);
/* The latest (largest) stored checkpoint whose size is at least min_size. */
wb_err wb__db_checkpoint_latest(struct wb__db *db,
                                uint64_t min_size,
                                uint64_t *size,
                                char **text);
typedef wb_err (*wb__checkpoint_fn)(void *ctx, uint64_t size, const char *text);
wb_err
wb__db_checkpoint_walk(struct wb__db *db, wb__checkpoint_fn fn, void *ctx);

/* Devices. */
wb_err wb__db_device_put(struct wb__db *db, const struct wb_device *d);
wb_err
wb__db_device_get(struct wb__db *db, const char *id, struct wb_device *d);
wb_err
wb__db_device_list(struct wb__db *db, struct wb_device **out, size_t *count);

/* Registers: version `version` of document `id` in register `reg`,
 * recorded by log entry `entry`. WB_ERR_EXISTS when that version (or that
 * entry) is already recorded. */
wb_err wb__db_reg_put(struct wb__db *db,
                      const char *reg,
                      const char *id,
                      uint32_t version,
                      uint64_t entry,
                      const char *doc);
/* One version (0 = the latest). WB_ERR_NOTFOUND. */
wb_err wb__db_reg_get(struct wb__db *db,
                      const char *reg,
                      const char *id,
                      uint32_t version,
                      struct wb_register_doc *out);
/* Every version of id (id != NULL), or the latest version of every id in
 * reg, ordered, into a new array (wb_register_docs_free). */
wb_err wb__db_reg_list(struct wb__db *db,
                       const char *reg,
                       const char *id,
                       struct wb_register_doc **out,
                       size_t *count);
/* Walk every register row in entry order. */
typedef wb_err (*wb__reg_fn)(void *ctx,
                             const char *reg,
                             const struct wb_register_doc *d);
wb_err wb__db_reg_walk(struct wb__db *db, wb__reg_fn fn, void *ctx);

/* Tallies of distinct subjects: add one (its keyed hash); *added is 1 when
 * it was new for (exporter, year, sensitive). */
wb_err wb__db_tally_add(struct wb__db *db,
                        const char *exporter,
                        int year,
                        bool sensitive,
                        const uint8_t subject[WB_HASH_BYTES],
                        uint64_t entry,
                        bool *added);
wb_err wb__db_tally_count(struct wb__db *db,
                          const char *exporter,
                          int year,
                          bool sensitive,
                          uint64_t *count);

/* The ring of message idempotency keys (32 bytes), one a slot. put
 * replaces slot's row and gives the row's *seq (rising with every put);
 * slot reads it (WB_ERR_NOTFOUND); since calls fn for every row put after
 * seq, in order. */
wb_err wb__db_msgring_put(struct wb__db *db,
                          uint32_t slot,
                          const uint8_t key[32],
                          uint64_t entry,
                          uint64_t *seq);
wb_err wb__db_msgring_slot(struct wb__db *db,
                           uint32_t slot,
                           uint8_t key[32],
                           uint64_t *entry);
typedef wb_err (*wb__msgring_fn)(void *ctx,
                                 uint64_t seq,
                                 uint32_t slot,
                                 const uint8_t key[32],
                                 uint64_t entry);
wb_err wb__db_msgring_since(struct wb__db *db,
                            uint64_t seq,
                            wb__msgring_fn fn,
                            void *ctx);
/* Work owed on entries (wb_site_pending_add): add is idempotent, done
 * deletes the rows of entries first..last (none there is no error), list
 * gives at most max entries from `from` on, ascending, into out (*n). */
wb_err
wb__db_pending_add(struct wb__db *db, const char *consumer, uint64_t entry);
wb_err wb__db_pending_done(struct wb__db *db,
                           const char *consumer,
                           uint64_t first,
                           uint64_t last);
/* At most max consumers owing work, by name, into out (*n). */
wb_err wb__db_pending_owed(struct wb__db *db,
                           struct wb_pending_owed *out,
                           size_t max,
                           size_t *n);
wb_err wb__db_pending_list(struct wb__db *db,
                           const char *consumer,
                           uint64_t from,
                           uint64_t *out,
                           size_t max,
                           size_t *n);
/* The database of site s, for modules that keep tables of their own
 * beside the log (src/access); defined by the ledger. */
struct wb__db *wb__site_db(struct wb_site *s);

/* API keys and client certificates (src/access). The secret's hash is
 * only written and compared, never returned to callers outside access. */
struct wb_apikey;
wb_err wb__db_apikey_put(struct wb__db *db,
                         const struct wb_apikey *k,
                         const uint8_t *secret_hash);
/* By id; hash (32 bytes) gets the stored secret hash (zero for a cert). */
wb_err wb__db_apikey_get(struct wb__db *db,
                         const char *id,
                         struct wb_apikey *k,
                         uint8_t hash[WB_HASH_BYTES]);
wb_err wb__db_apikey_by_cert(struct wb__db *db,
                             const uint8_t sha256[WB_HASH_BYTES],
                             struct wb_apikey *k);
wb_err
wb__db_apikey_list(struct wb__db *db, struct wb_apikey **out, size_t *count);
/* WB_ERR_NOTFOUND, WB_ERR_EXISTS (already revoked). */
wb_err wb__db_apikey_revoke(struct wb__db *db, const char *id, int64_t when);

#endif
