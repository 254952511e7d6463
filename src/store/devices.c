/* SPDX-License-Identifier: Apache-2.0 */
/* The device registry table. */
#include <stdio.h>
#include <string.h>

#include "store/db_int.h"

wb_err
wb__db_device_put(struct wb__db *db, const struct wb_device *d)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_DEV_PUT);
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, d->alg);
    if (d->pubkey_len > 0) {
        sqlite3_bind_blob(st, 3, d->pubkey, (int)d->pubkey_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 3);
    }
    sqlite3_bind_int64(st, 4, (sqlite3_int64)d->entry);
    sqlite3_bind_int64(st, 5, d->created);
    r = sqlite3_step(st);
    if (r == SQLITE_CONSTRAINT_PRIMARYKEY || r == SQLITE_CONSTRAINT) {
        rc = wb__err(WB_ERR_EXISTS, "device %s is already registered", d->id);
    } else if (r != SQLITE_DONE) {
        rc = wb__db_fail(db, "register device");
    }
    sqlite3_reset(st);
    return rc;
}

/* Fill d from the current row of SELECT id, alg, pubkey, entry, created. */
static void
read_device(sqlite3_stmt *st, struct wb_device *d)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    size_t n = (size_t)sqlite3_column_bytes(st, 2);

    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", id ? id : "");
    d->alg = sqlite3_column_int(st, 1);
    if (n > sizeof d->pubkey) {
        n = sizeof d->pubkey;
    }
    if (n > 0) {
        memcpy(d->pubkey, sqlite3_column_blob(st, 2), n);
    }
    d->pubkey_len = n;
    d->entry = (uint64_t)sqlite3_column_int64(st, 3);
    d->created = sqlite3_column_int64(st, 4);
}

wb_err
wb__db_device_get(struct wb__db *db, const char *id, struct wb_device *d)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_DEV_GET);
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        read_device(st, d);
    } else if (r == SQLITE_DONE) {
        rc = wb__err(WB_ERR_NOTFOUND, "unknown device \"%s\"", id);
    } else {
        rc = wb__db_fail(db, "read device");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_device_list(struct wb__db *db, struct wb_device **out, size_t *count)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_DEV_LIST);
    struct wb_device *v = NULL;
    size_t n = 0;
    size_t cap = 0;
    wb_err rc = WB_OK;
    int r;

    *out = NULL;
    *count = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            struct wb_device *nv;
            cap = cap ? cap * 2 : 16;
            nv = wb__realloc(v, cap * sizeof *v);
            if (nv == NULL) {
                rc = WB_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        read_device(st, &v[n++]);
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "list devices");
    }
    sqlite3_reset(st);
    if (rc != WB_OK) {
        wb__free(v);
        return rc;
    }
    *out = v;
    *count = n;
    return WB_OK;
}
