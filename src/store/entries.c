/* SPDX-License-Identifier: Apache-2.0 */
/* Log entries: insert, point reads of stored hashes, full rows, erasure. */
#include <string.h>

#include "store/db_int.h"

void
wb__row_clear(struct wb__row *row)
{
    if (row == NULL) {
        return;
    }
    wb__free(row->leaf);
    wb__free(row->hashes);
    if (row->salt != NULL) {
        wb_wipe(row->salt, row->salt_len);
    }
    wb__free(row->salt);
    wb__free(row->payload);
    wb__free(row->devtok);
    memset(row, 0, sizeof *row);
}

wb_err
wb__db_entry_next(struct wb__db *db, uint64_t *next)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_ENTRY_NEXT);
    wb_err rc = WB_OK;

    *next = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = wb__db_fail(db, "next entry");
    } else {
        *next = (uint64_t)sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return rc;
}

/* Bind a blob, or NULL when p is NULL. */
static void
bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
    if (p == NULL) {
        sqlite3_bind_null(st, i);
    } else {
        sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
    }
}

wb_err
wb__db_entry_insert(struct wb__db *db,
                    const struct wb__row *row,
                    const char *kind)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_ENTRY_INSERT);
    wb_err rc = WB_OK;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)row->idx);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    bind_blob(st, 3, row->leaf, row->leaf_len);
    bind_blob(st, 4, row->hashes, row->hashes_len);
    bind_blob(st, 5, row->salt, row->salt_len);
    bind_blob(st, 6, row->payload, row->payload_len);
    bind_blob(st, 7, row->devtok, row->devtok_len);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, "insert entry");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_entry_hashes(
    struct wb__db *db, uint64_t idx, uint8_t *out, size_t cap, size_t *len)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_ENTRY_HASHES);
    wb_err rc = WB_OK;
    int r;

    *len = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (n > cap) {
            n = cap;
        }
        memcpy(out, sqlite3_column_blob(st, 0), n);
        *len = n;
    } else if (r == SQLITE_DONE) {
        rc = wb__err(WB_ERR_NOTFOUND, "no entry %llu", (unsigned long long)idx);
    } else {
        rc = wb__db_fail(db, "read hashes");
    }
    sqlite3_reset(st);
    return rc;
}

/* Fill row from the current result of a SELECT idx, leaf, hashes, salt,
 * payload, devtok, erased. */
static wb_err
read_row(sqlite3_stmt *st, struct wb__row *row)
{
    wb_err rc;

    memset(row, 0, sizeof *row);
    row->idx = (uint64_t)sqlite3_column_int64(st, 0);
    row->erased = sqlite3_column_int(st, 6) != 0;
    rc = wb__db_col_blob(st, 1, &row->leaf, &row->leaf_len);
    if (rc == WB_OK) {
        rc = wb__db_col_blob(st, 2, &row->hashes, &row->hashes_len);
    }
    if (rc == WB_OK) {
        rc = wb__db_col_blob(st, 3, &row->salt, &row->salt_len);
    }
    if (rc == WB_OK) {
        rc = wb__db_col_blob(st, 4, &row->payload, &row->payload_len);
    }
    if (rc == WB_OK) {
        rc = wb__db_col_blob(st, 5, &row->devtok, &row->devtok_len);
    }
    if (rc != WB_OK) {
        wb__row_clear(row);
    }
    return rc;
}

wb_err
wb__db_entry_get(struct wb__db *db, uint64_t idx, struct wb__row *row)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_ENTRY_GET);
    wb_err rc;
    int r;

    memset(row, 0, sizeof *row);
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        rc = read_row(st, row);
    } else if (r == SQLITE_DONE) {
        rc = wb__err(WB_ERR_NOTFOUND, "no entry %llu", (unsigned long long)idx);
    } else {
        rc = wb__db_fail(db, "read entry");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_entry_erase(struct wb__db *db, uint64_t idx)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_ENTRY_ERASE);
    wb_err rc = WB_OK;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)idx);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, "erase entry");
    } else if (sqlite3_changes(db->h) != 1) {
        rc = wb__err(WB_ERR_NOTFOUND, "no entry %llu", (unsigned long long)idx);
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_entry_walk(struct wb__db *db, wb__row_fn fn, void *ctx)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_ENTRY_WALK);
    struct wb__row row;
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        rc = read_row(st, &row);
        if (rc == WB_OK) {
            rc = fn(ctx, &row);
            wb__row_clear(&row);
        }
        if (rc != WB_OK) {
            break;
        }
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "walk entries");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_entry_erasable(struct wb__db *db, wb_leaf_fn fn, void *ctx)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_ENTRY_ERASABLE);
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    while (rc == WB_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        rc =
            fn(ctx, (uint64_t)sqlite3_column_int64(st, 0),
               sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "walk erasable entries");
    }
    sqlite3_reset(st);
    return rc;
}
