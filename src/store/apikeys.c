/* SPDX-License-Identifier: Apache-2.0 */
/* The apikeys table: API keys (secret hashes only) and client certificate
 * fingerprints with their roles. Rare calls, so plain prepared statements
 * rather than the cached set. */
#include <string.h>

#include <waybill/access.h>

#include "store/db_int.h"

#define KEY_COLS "id, role, name, cert_sha256, created, revoked, secret_hash"

/* Prepare sql or fail with the detail set. */
static wb_err
prepare(struct wb__db *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return wb__db_fail(db, "prepare");
    }
    return WB_OK;
}

/* The current row (KEY_COLS order) into k and, when hash != NULL, the
 * secret hash into hash. */
static wb_err
read_row(sqlite3_stmt *st, struct wb_apikey *k, uint8_t *hash)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    const char *role = (const char *)sqlite3_column_text(st, 1);
    const char *name = (const char *)sqlite3_column_text(st, 2);

    memset(k, 0, sizeof *k);
    if (id == NULL || role == NULL || name == NULL ||
        strlen(id) > WB_APIKEY_ID_LEN || strlen(name) > WB_APIKEY_NAME_MAX ||
        wb_access_role_parse(role, &k->role) != WB_OK) {
        return wb__err(WB_ERR_FORMAT, "database: bad apikeys row");
    }
    memcpy(k->id, id, strlen(id) + 1);
    memcpy(k->name, name, strlen(name) + 1);
    if (sqlite3_column_type(st, 3) == SQLITE_BLOB &&
        sqlite3_column_bytes(st, 3) == WB_HASH_BYTES) {
        k->is_cert = true;
        memcpy(k->cert_sha256, sqlite3_column_blob(st, 3), WB_HASH_BYTES);
    }
    k->created = sqlite3_column_int64(st, 4);
    k->revoked = sqlite3_column_int64(st, 5);
    if (hash != NULL) {
        memset(hash, 0, WB_HASH_BYTES);
        if (sqlite3_column_bytes(st, 6) == WB_HASH_BYTES) {
            memcpy(hash, sqlite3_column_blob(st, 6), WB_HASH_BYTES);
        }
    }
    return WB_OK;
}

wb_err
wb__db_apikey_put(struct wb__db *db,
                  const struct wb_apikey *k,
                  const uint8_t *secret_hash)
{
    sqlite3_stmt *st = NULL;
    wb_err rc = prepare(db,
                        "INSERT INTO apikeys(id, role, name, secret_hash, "
                        "cert_sha256, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &st);
    int r;

    if (rc != WB_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, wb_access_role_name(k->role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->name, -1, SQLITE_STATIC);
    if (secret_hash != NULL) {
        sqlite3_bind_blob(st, 4, secret_hash, WB_HASH_BYTES, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 4);
    }
    if (k->is_cert) {
        sqlite3_bind_blob(st, 5, k->cert_sha256, WB_HASH_BYTES, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 5);
    }
    sqlite3_bind_int64(st, 6, k->created);
    r = sqlite3_step(st);
    if (r == SQLITE_CONSTRAINT_UNIQUE || r == SQLITE_CONSTRAINT_PRIMARYKEY) {
        rc = wb__err(WB_ERR_EXISTS, "that %s is registered already",
                     k->is_cert ? "certificate" : "key id");
    } else if (r != SQLITE_DONE) {
        rc = wb__db_fail(db, "store api key");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Run a one-row lookup prepared in st (bound); NOTFOUND when no row. */
static wb_err
lookup(struct wb__db *db, sqlite3_stmt *st, struct wb_apikey *k, uint8_t *hash)
{
    int r = sqlite3_step(st);
    wb_err rc;

    if (r == SQLITE_ROW) {
        rc = read_row(st, k, hash);
    } else if (r == SQLITE_DONE) {
        rc = wb__err(WB_ERR_NOTFOUND, "no such key");
    } else {
        rc = wb__db_fail(db, "read api key");
    }
    sqlite3_finalize(st);
    return rc;
}

wb_err
wb__db_apikey_get(struct wb__db *db,
                  const char *id,
                  struct wb_apikey *k,
                  uint8_t hash[WB_HASH_BYTES])
{
    sqlite3_stmt *st = NULL;
    wb_err rc =
        prepare(db, "SELECT " KEY_COLS " FROM apikeys WHERE id = ?1", &st);

    if (rc != WB_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return lookup(db, st, k, hash);
}

wb_err
wb__db_apikey_by_cert(struct wb__db *db,
                      const uint8_t sha256[WB_HASH_BYTES],
                      struct wb_apikey *k)
{
    sqlite3_stmt *st = NULL;
    wb_err rc = prepare(
        db, "SELECT " KEY_COLS " FROM apikeys WHERE cert_sha256 = ?1", &st);

    if (rc != WB_OK) {
        return rc;
    }
    sqlite3_bind_blob(st, 1, sha256, WB_HASH_BYTES, SQLITE_STATIC);
    return lookup(db, st, k, NULL);
}

wb_err
wb__db_apikey_list(struct wb__db *db, struct wb_apikey **out, size_t *count)
{
    sqlite3_stmt *st = NULL;
    struct wb_apikey *v = NULL;
    size_t n = 0;
    size_t cap = 0;
    wb_err rc = prepare(
        db, "SELECT " KEY_COLS " FROM apikeys ORDER BY created, id", &st);
    int r = SQLITE_DONE;

    *out = NULL;
    *count = 0;
    while (rc == WB_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            struct wb_apikey *nv;
            cap = cap ? cap * 2 : 8;
            nv = wb__realloc(v, cap * sizeof *v);
            if (nv == NULL) {
                rc = WB_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        rc = read_row(st, &v[n], NULL);
        n += rc == WB_OK;
    }
    if (rc == WB_OK && r != SQLITE_DONE) {
        rc = wb__db_fail(db, "list api keys");
    }
    sqlite3_finalize(st);
    if (rc != WB_OK || n == 0) {
        wb__free(v);
        return rc;
    }
    *out = v;
    *count = n;
    return WB_OK;
}

wb_err
wb__db_apikey_revoke(struct wb__db *db, const char *id, int64_t when)
{
    struct wb_apikey k;
    sqlite3_stmt *st = NULL;
    wb_err rc = wb__db_apikey_get(db, id, &k, NULL);

    if (rc != WB_OK) {
        return rc == WB_ERR_NOTFOUND ? wb__err(WB_ERR_NOTFOUND, "no key %s", id)
                                     : rc;
    }
    if (k.revoked != 0) {
        return wb__err(WB_ERR_EXISTS, "key %s is revoked already", id);
    }
    rc = prepare(db, "UPDATE apikeys SET revoked = ?2 WHERE id = ?1", &st);
    if (rc != WB_OK) {
        return rc;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, when > 0 ? when : 1);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = wb__db_fail(db, "revoke api key");
    }
    sqlite3_finalize(st);
    return rc;
}
