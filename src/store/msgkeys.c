/* SPDX-License-Identifier: Apache-2.0 */
/* Idempotency keys of recent messages: a ring of WB_MSGKEY_WINDOW slots,
 * so redelivered messages are found without the table growing with the
 * log. */
#include "store/db_int.h"

wb_err
wb__db_msgkey_get(struct wb__db *db, const uint8_t key[32], uint64_t *entry)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_MSGKEY_GET);
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_blob(st, 1, key, 32, SQLITE_STATIC);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *entry = (uint64_t)sqlite3_column_int64(st, 0);
    } else if (r == SQLITE_DONE) {
        rc = WB_ERR_NOTFOUND;
    } else {
        rc = wb__db_fail(db, "find message key");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_msgkey_put(struct wb__db *db, const uint8_t key[32], uint64_t entry)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_MSGKEY_PUT);
    wb_err rc = WB_OK;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(entry % WB_MSGKEY_WINDOW));
    sqlite3_bind_blob(st, 2, key, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)entry);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, "store message key");
    }
    sqlite3_reset(st);
    return rc;
}
