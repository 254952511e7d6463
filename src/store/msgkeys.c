/* SPDX-License-Identifier: Apache-2.0 */
/* The ring of idempotency keys of recent messages: one row a slot, so
 * redelivered messages are found without the table growing with the log.
 * Rows are found by slot and followed by seq; the ledger keeps the
 * key -> slot lookup in memory. */
#include <string.h>

#include "store/db_int.h"

wb_err
wb__db_msgring_put(struct wb__db *db,
                   uint32_t slot,
                   const uint8_t key[32],
                   uint64_t entry,
                   uint64_t *seq)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_MSGRING_PUT);
    wb_err rc = WB_OK;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)slot);
    sqlite3_bind_blob(st, 2, key, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)entry);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, "store message key");
    } else {
        *seq = (uint64_t)sqlite3_last_insert_rowid(db->h);
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_msgring_slot(struct wb__db *db,
                    uint32_t slot,
                    uint8_t key[32],
                    uint64_t *entry)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_MSGRING_SLOT);
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)slot);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(key, sqlite3_column_blob(st, 0), 32);
        *entry = (uint64_t)sqlite3_column_int64(st, 1);
    } else if (r == SQLITE_ROW || r == SQLITE_DONE) {
        rc = WB_ERR_NOTFOUND; /* a key of another length is no key */
    } else {
        rc = wb__db_fail(db, "read message key");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_msgring_since(struct wb__db *db,
                     uint64_t seq,
                     wb__msgring_fn fn,
                     void *ctx)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_MSGRING_SINCE);
    wb_err rc = WB_OK;
    int r = SQLITE_DONE;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    while (rc == WB_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 2) != 32) {
            continue;
        }
        rc = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0),
                (uint32_t)sqlite3_column_int64(st, 1),
                sqlite3_column_blob(st, 2),
                (uint64_t)sqlite3_column_int64(st, 3));
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "read message keys");
    }
    sqlite3_reset(st);
    return rc;
}
