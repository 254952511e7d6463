/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the store: the handle and its cached prepared statements. */
#ifndef WB_DB_INT_H
#define WB_DB_INT_H

#include <sqlite3.h>

#include "store/store_int.h"

enum wb__stmt {
    ST_BEGIN,
    ST_BEGIN_READ,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_META_GET,
    ST_META_SET,
    ST_ENTRY_NEXT,
    ST_ENTRY_INSERT,
    ST_ENTRY_HASHES,
    ST_ENTRY_GET,
    ST_ENTRY_ERASE,
    ST_ENTRY_WALK,
    ST_ENTRY_ERASABLE,
    ST_CP_PUT,
    ST_CP_GET,
    ST_CP_LATEST,
    ST_CP_WALK,
    ST_DEV_PUT,
    ST_DEV_GET,
    ST_DEV_LIST,
    ST_REG_PUT,
    ST_REG_GET,
    ST_REG_LATEST,
    ST_REG_HISTORY,
    ST_REG_LIST,
    ST_REG_WALK,
    ST_TALLY_ADD,
    ST_TALLY_COUNT,
    ST_MSGRING_PUT,
    ST_MSGRING_SLOT,
    ST_MSGRING_SINCE,
    ST_PENDING_ADD,
    ST_PENDING_DONE,
    ST_PENDING_LIST,
    ST_PENDING_OWED,
    ST__COUNT
};

struct wb__db {
    sqlite3 *h;
    sqlite3_stmt *st[ST__COUNT];
};

/* The cached statement k, reset; callers bind every parameter on every
 * use (bindings are not cleared). NULL with the error detail set on
 * failure. */
sqlite3_stmt *wb__db_stmt(struct wb__db *db, enum wb__stmt k);

/* WB_ERR_DB with SQLite's message and `what` in the detail. */
wb_err wb__db_fail(struct wb__db *db, const char *what);

/* Copy a blob column into a new buffer (NULL when the column is NULL). */
wb_err wb__db_col_blob(sqlite3_stmt *st, int col, uint8_t **out, size_t *len);

#endif
