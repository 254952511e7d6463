/* SPDX-License-Identifier: Apache-2.0 */
/* Work owed on entries: (consumer, entry) rows, written and deleted inside
 * the caller's batches (ledger/pending.c). */
#include "store/db_int.h"

/* Run a statement that binds (consumer, first, last) and returns no
 * rows; add binds only first. */
static wb_err
step(struct wb__db *db,
     int which,
     const char *consumer,
     uint64_t first,
     uint64_t last,
     const char *what)
{
    sqlite3_stmt *st = wb__db_stmt(db, which);
    wb_err rc = WB_OK;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, consumer, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)first);
    if (which == ST_PENDING_DONE) {
        sqlite3_bind_int64(st, 3, (sqlite3_int64)last);
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, what);
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_pending_add(struct wb__db *db, const char *consumer, uint64_t entry)
{
    return step(db, ST_PENDING_ADD, consumer, entry, entry, "note owed work");
}

wb_err
wb__db_pending_done(struct wb__db *db,
                    const char *consumer,
                    uint64_t first,
                    uint64_t last)
{
    return step(db, ST_PENDING_DONE, consumer, first, last, "clear owed work");
}

wb_err
wb__db_pending_list(struct wb__db *db,
                    const char *consumer,
                    uint64_t from,
                    uint64_t *out,
                    size_t max,
                    size_t *n)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_PENDING_LIST);
    wb_err rc = WB_OK;
    int r = SQLITE_DONE;

    *n = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, consumer, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)from);
    sqlite3_bind_int64(
        st, 3, max > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
    while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
        out[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
    }
    if (r != SQLITE_DONE && r != SQLITE_ROW) {
        rc = wb__db_fail(db, "list owed work");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_pending_owed(struct wb__db *db,
                    struct wb_pending_owed *out,
                    size_t max,
                    size_t *n)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_PENDING_OWED);
    wb_err rc = WB_OK;
    int r = SQLITE_DONE;

    *n = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(
        st, 1, max > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
    while (*n < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct wb_pending_owed *o = &out[(*n)++];
        const unsigned char *name = sqlite3_column_text(st, 0);
        snprintf(o->consumer, sizeof o->consumer, "%s",
                 name ? (const char *)name : "");
        o->count = (uint64_t)sqlite3_column_int64(st, 1);
        o->first = (uint64_t)sqlite3_column_int64(st, 2);
        o->last = (uint64_t)sqlite3_column_int64(st, 3);
    }
    if (r != SQLITE_DONE && r != SQLITE_ROW) {
        rc = wb__db_fail(db, "list who owes work");
    }
    sqlite3_reset(st);
    return rc;
}
