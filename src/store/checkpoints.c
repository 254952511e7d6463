/* SPDX-License-Identifier: Apache-2.0 */
/* Signed checkpoints, one per tree size. */
#include "store/db_int.h"

wb_err
wb__db_checkpoint_put(struct wb__db *db, uint64_t size, const char *text)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_CP_PUT);
    wb_err rc = WB_OK;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, "store checkpoint");
    }
    sqlite3_reset(st);
    return rc;
}

/* Copy column col of the current row into a new string. */
static wb_err
col_text(sqlite3_stmt *st, int col, char **out)
{
    const char *t = (const char *)sqlite3_column_text(st, col);

    *out = wb__strdup(t ? t : "");
    return *out ? WB_OK : WB_ERR_NOMEM;
}

wb_err
wb__db_checkpoint_get(struct wb__db *db, uint64_t size, char **text)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_CP_GET);
    wb_err rc;
    int r;

    *text = NULL;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        rc = col_text(st, 0, text);
    } else if (r == SQLITE_DONE) {
        rc = wb__err(WB_ERR_NOTFOUND, "no checkpoint of size %llu",
                     (unsigned long long)size);
    } else {
        rc = wb__db_fail(db, "read checkpoint");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_checkpoint_latest(struct wb__db *db,
                         uint64_t min_size,
                         uint64_t *size,
                         char **text)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_CP_LATEST);
    wb_err rc;
    int r;

    *text = NULL;
    *size = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)min_size);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *size = (uint64_t)sqlite3_column_int64(st, 0);
        rc = col_text(st, 1, text);
    } else if (r == SQLITE_DONE) {
        rc = WB_ERR_NOTFOUND;
    } else {
        rc = wb__db_fail(db, "read checkpoint");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_checkpoint_walk(struct wb__db *db, wb__checkpoint_fn fn, void *ctx)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_CP_WALK);
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 1);
        rc = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), t ? t : "");
        if (rc != WB_OK) {
            break;
        }
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "walk checkpoints");
    }
    sqlite3_reset(st);
    return rc;
}
