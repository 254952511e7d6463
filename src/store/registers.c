/* SPDX-License-Identifier: Apache-2.0 */
/* Register documents (consent, server, policy) and the per-year tallies of
 * distinct subjects. */
#include <stdio.h>
#include <string.h>

#include "store/db_int.h"

wb_err
wb__db_reg_put(struct wb__db *db,
               const char *reg,
               const char *id,
               uint32_t version,
               uint64_t entry,
               const char *doc)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_REG_PUT);
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, version);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)entry);
    sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    if ((r & 0xff) == SQLITE_CONSTRAINT) {
        rc = wb__err(WB_ERR_EXISTS, "%s %s version %u is already recorded", reg,
                     id, (unsigned)version);
    } else if (r != SQLITE_DONE) {
        rc = wb__db_fail(db, "record register document");
    }
    sqlite3_reset(st);
    return rc;
}

/* Fill d from a row of SELECT [reg,] id, version, entry, doc at col. */
static wb_err
read_doc(sqlite3_stmt *st, int col, struct wb_register_doc *d)
{
    const char *id = (const char *)sqlite3_column_text(st, col);
    const char *doc = (const char *)sqlite3_column_text(st, col + 3);

    memset(d, 0, sizeof *d);
    snprintf(d->id, sizeof d->id, "%s", id ? id : "");
    d->version = (uint32_t)sqlite3_column_int64(st, col + 1);
    d->entry = (uint64_t)sqlite3_column_int64(st, col + 2);
    d->doc = wb__strdup(doc ? doc : "");
    return d->doc != NULL ? WB_OK : WB_ERR_NOMEM;
}

wb_err
wb__db_reg_get(struct wb__db *db,
               const char *reg,
               const char *id,
               uint32_t version,
               struct wb_register_doc *out)
{
    sqlite3_stmt *st =
        wb__db_stmt(db, version == 0 ? ST_REG_LATEST : ST_REG_GET);
    wb_err rc = WB_OK;
    int r;

    memset(out, 0, sizeof *out);
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, reg, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    if (version != 0) {
        sqlite3_bind_int64(st, 3, version);
    }
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        rc = read_doc(st, 0, out);
    } else if (r == SQLITE_DONE) {
        rc = version == 0 ? wb__err(WB_ERR_NOTFOUND, "no %s \"%s\"", reg, id)
                          : wb__err(WB_ERR_NOTFOUND, "no %s \"%s\" version %u",
                                    reg, id, (unsigned)version);
    } else {
        rc = wb__db_fail(db, "read register");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_reg_list(struct wb__db *db,
                const char *reg,
                const char *id,
                struct wb_register_doc **out,
                size_t *count)
{
    sqlite3_stmt *st = wb__db_stmt(db, id ? ST_REG_HISTORY : ST_REG_LIST);
    struct wb_register_doc *v = NULL;
    size_t n = 0;
    size_t cap = 0;
    wb_err rc = WB_OK;
    int r;

    *out = NULL;
    *count = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, reg, -1, SQLITE_STATIC);
    if (id != NULL) {
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            struct wb_register_doc *nv;
            cap = cap ? cap * 2 : 16;
            nv = wb__realloc(v, cap * sizeof *v);
            if (nv == NULL) {
                rc = WB_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        rc = read_doc(st, 0, &v[n]);
        n++;
        if (rc != WB_OK) {
            break;
        }
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "list register");
    }
    sqlite3_reset(st);
    if (rc != WB_OK) {
        wb_register_docs_free(v, n);
        return rc;
    }
    *out = v;
    *count = n;
    return WB_OK;
}

wb_err
wb__db_reg_walk(struct wb__db *db, wb__reg_fn fn, void *ctx)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_REG_WALK);
    struct wb_register_doc d;
    wb_err rc = WB_OK;
    int r;

    if (st == NULL) {
        return WB_ERR_DB;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        char reg[32];
        const char *g = (const char *)sqlite3_column_text(st, 0);

        snprintf(reg, sizeof reg, "%s", g ? g : "");
        rc = read_doc(st, 1, &d);
        if (rc == WB_OK) {
            rc = fn(ctx, reg, &d);
        }
        wb__free(d.doc);
        if (rc != WB_OK) {
            break;
        }
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "walk registers");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_tally_add(struct wb__db *db,
                 const char *exporter,
                 int year,
                 bool sensitive,
                 const uint8_t subject[WB_HASH_BYTES],
                 uint64_t entry,
                 bool *added)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_TALLY_ADD);
    wb_err rc = WB_OK;

    *added = false;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, exporter, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_int(st, 3, sensitive ? 1 : 0);
    sqlite3_bind_blob(st, 4, subject, WB_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)entry);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, "count subject");
    } else {
        *added = sqlite3_changes(db->h) > 0;
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_tally_count(struct wb__db *db,
                   const char *exporter,
                   int year,
                   bool sensitive,
                   uint64_t *count)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_TALLY_COUNT);
    wb_err rc = WB_OK;

    *count = 0;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, exporter, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_int(st, 3, sensitive ? 1 : 0);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *count = (uint64_t)sqlite3_column_int64(st, 0);
    } else {
        rc = wb__db_fail(db, "read subject tally");
    }
    sqlite3_reset(st);
    return rc;
}
