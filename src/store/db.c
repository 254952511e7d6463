/* SPDX-License-Identifier: Apache-2.0 */
/* Opening the SQLite database, its schema, transactions and settings. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/db_int.h"

#define SCHEMA_VERSION "1"

static const char *const sql_text[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_SET] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
    [ST_ENTRY_NEXT] = "SELECT coalesce(max(idx) + 1, 0) FROM entries",
    [ST_ENTRY_INSERT] = "INSERT INTO entries(idx, kind, leaf, hashes, salt, "
                        "payload, devtok) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_ENTRY_HASHES] = "SELECT hashes FROM entries WHERE idx = ?1",
    [ST_ENTRY_GET] = "SELECT idx, leaf, hashes, salt, payload, devtok, erased "
                     "FROM entries WHERE idx = ?1",
    [ST_ENTRY_ERASE] = "UPDATE entries SET salt = NULL, payload = NULL, "
                       "devtok = NULL, erased = 1 WHERE idx = ?1",
    [ST_ENTRY_WALK] = "SELECT idx, leaf, hashes, salt, payload, devtok, "
                      "erased FROM entries ORDER BY idx",
    [ST_ENTRY_ERASABLE] = "SELECT idx, leaf FROM entries WHERE erased = 0 "
                          "AND kind != 'erasure' AND (payload IS NOT NULL "
                          "OR devtok IS NOT NULL) ORDER BY idx",
    [ST_CP_PUT] = "INSERT OR IGNORE INTO checkpoints(size, text, created) "
                  "VALUES (?1, ?2, strftime('%s','now'))",
    [ST_CP_GET] = "SELECT text FROM checkpoints WHERE size = ?1",
    [ST_CP_LATEST] = "SELECT size, text FROM checkpoints WHERE size >= ?1 "
                     "ORDER BY size DESC LIMIT 1",
    [ST_CP_WALK] = "SELECT size, text FROM checkpoints ORDER BY size",
    [ST_DEV_PUT] = "INSERT INTO devices(id, alg, pubkey, entry, created) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_DEV_GET] = "SELECT id, alg, pubkey, entry, created FROM devices "
                   "WHERE id = ?1",
    [ST_DEV_LIST] = "SELECT id, alg, pubkey, entry, created FROM devices "
                    "ORDER BY id",
    [ST_REG_PUT] = "INSERT INTO registers(reg, id, version, entry, doc) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_REG_GET] = "SELECT id, version, entry, doc FROM registers "
                   "WHERE reg = ?1 AND id = ?2 AND version = ?3",
    [ST_REG_LATEST] = "SELECT id, version, entry, doc FROM registers "
                      "WHERE reg = ?1 AND id = ?2 "
                      "ORDER BY version DESC LIMIT 1",
    [ST_REG_HISTORY] = "SELECT id, version, entry, doc FROM registers "
                       "WHERE reg = ?1 AND id = ?2 ORDER BY version",
    [ST_REG_LIST] = "SELECT id, max(version), entry, doc FROM registers "
                    "WHERE reg = ?1 GROUP BY id ORDER BY id",
    [ST_REG_WALK] = "SELECT reg, id, version, entry, doc FROM registers "
                    "ORDER BY entry",
    [ST_TALLY_ADD] = "INSERT OR IGNORE INTO tallies(exporter, year, "
                     "sensitive, subject, entry) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_TALLY_COUNT] = "SELECT count(*) FROM tallies WHERE exporter = ?1 "
                       "AND year = ?2 AND sensitive = ?3",
    [ST_MSGRING_PUT] = "INSERT OR REPLACE INTO msgring(slot, key, entry) "
                       "VALUES (?1, ?2, ?3)",
    [ST_MSGRING_SLOT] = "SELECT key, entry FROM msgring WHERE slot = ?1",
    [ST_MSGRING_SINCE] = "SELECT seq, slot, key, entry FROM msgring "
                         "WHERE seq > ?1 ORDER BY seq",
    [ST_PENDING_ADD] = "INSERT OR IGNORE INTO pending(consumer, entry) "
                       "VALUES (?1, ?2)",
    [ST_PENDING_DONE] = "DELETE FROM pending WHERE consumer = ?1 AND "
                        "entry BETWEEN ?2 AND ?3",
    [ST_PENDING_LIST] = "SELECT entry FROM pending WHERE consumer = ?1 AND "
                        "entry >= ?2 ORDER BY entry LIMIT ?3",
    [ST_PENDING_OWED] = "SELECT consumer, count(*), min(entry), max(entry) "
                        "FROM pending GROUP BY consumer ORDER BY consumer "
                        "LIMIT ?1",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS entries("
    " idx INTEGER PRIMARY KEY," /* log index, 0.. without gaps */
    " kind TEXT NOT NULL,"      /* copy of the kind claim, for queries */
    " leaf BLOB NOT NULL,"      /* deterministic CBOR claims */
    " hashes BLOB NOT NULL,"    /* leaf hash || completed subtree hashes */
    " salt BLOB, payload BLOB, devtok BLOB," /* local only; erasable */
    " erased INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS checkpoints("
    " size INTEGER PRIMARY KEY, text TEXT NOT NULL, created INTEGER);"
    "CREATE TABLE IF NOT EXISTS devices("
    " id TEXT PRIMARY KEY, alg INTEGER NOT NULL, pubkey BLOB,"
    " entry INTEGER NOT NULL, created INTEGER NOT NULL);"
    /* Registers (consent, server, policy): every version of a document is
     * the payload of the log entry that recorded it. */
    "CREATE TABLE IF NOT EXISTS registers("
    " reg TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
    " entry INTEGER NOT NULL UNIQUE, doc TEXT NOT NULL,"
    " PRIMARY KEY(reg, id, version)) WITHOUT ROWID;"
    /* Distinct individuals per exporter and year, from logged transfers:
     * keyed hashes of subject ids, never the ids. */
    "CREATE TABLE IF NOT EXISTS tallies("
    " exporter TEXT NOT NULL, year INTEGER NOT NULL,"
    " sensitive INTEGER NOT NULL, subject BLOB NOT NULL,"
    " entry INTEGER NOT NULL,"
    " PRIMARY KEY(exporter, year, sensitive, subject)) WITHOUT ROWID;"
    /* Idempotency keys of the most recent keyed messages (MQTT
     * redeliveries), a ring of WB_MSGKEY_WINDOW slots by entry. The key
     * is not indexed here: keys are random, and an index on them had
     * every commit rewrite most of it (docs/performance.md); the ledger
     * looks keys up in memory and follows other handles' puts by seq. */
    "CREATE TABLE IF NOT EXISTS msgring("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, slot INTEGER NOT NULL UNIQUE,"
    " key BLOB NOT NULL, entry INTEGER NOT NULL);"
    /* Work owed on entries: a consumer (a model the daemon runs on
     * ingested records) notes an entry in the batch that logs it and
     * clears it in the batch that logs the work's result. */
    "CREATE TABLE IF NOT EXISTS pending("
    " consumer TEXT NOT NULL, entry INTEGER NOT NULL,"
    " PRIMARY KEY(consumer, entry)) WITHOUT ROWID;"
    /* API keys and client certificates of the HTTP API: a key's secret
     * is never stored, only its SHA-256 (src/access). */
    "CREATE TABLE IF NOT EXISTS apikeys("
    " id TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL,"
    " secret_hash BLOB, cert_sha256 BLOB UNIQUE,"
    " created INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);";

wb_err
wb__db_fail(struct wb__db *db, const char *what)
{
    bool ro = db->h != NULL && sqlite3_db_readonly(db->h, "main") == 1;

    return wb__err(WB_ERR_DB, "database: %s: %s%s", what,
                   db->h ? sqlite3_errmsg(db->h) : "not open",
                   ro ? " (the site was opened read-only: its database "
                        "file may not be written by this user)"
                      : "");
}

sqlite3_stmt *
wb__db_stmt(struct wb__db *db, enum wb__stmt k)
{
    if (db->st[k] == NULL) {
        if (sqlite3_prepare_v3(db->h, sql_text[k], -1,
                               SQLITE_PREPARE_PERSISTENT, &db->st[k],
                               NULL) != SQLITE_OK) {
            wb__db_fail(db, "prepare");
            return NULL;
        }
    } else {
        /* every caller binds every parameter, so no clear_bindings */
        sqlite3_reset(db->st[k]);
    }
    return db->st[k];
}

wb_err
wb__db_col_blob(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
    const void *p;
    int n;

    *out = NULL;
    *len = 0;
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        return WB_OK;
    }
    p = sqlite3_column_blob(st, col);
    n = sqlite3_column_bytes(st, col);
    *out = wb__malloc((size_t)n + 1);
    if (*out == NULL) {
        return WB_ERR_NOMEM;
    }
    if (n > 0) {
        memcpy(*out, p, (size_t)n);
    }
    *len = (size_t)n;
    return WB_OK;
}

/* Run one statement with no result rows. */
static wb_err
exec_stmt(struct wb__db *db, enum wb__stmt k, const char *what)
{
    sqlite3_stmt *st = wb__db_stmt(db, k);

    if (st == NULL) {
        return WB_ERR_DB;
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        wb_err rc = wb__db_fail(db, what);
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    return WB_OK;
}

/* A site made before the ring lost its key index: its keys move to
 * msgring, in entry order, once. */
static wb_err
migrate_msgkeys(struct wb__db *db)
{
    sqlite3_stmt *st = NULL;
    bool old = false;
    char *err = NULL;
    wb_err rc = WB_OK;

    if (sqlite3_prepare_v2(db->h,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'msgkeys'",
                           -1, &st, NULL) != SQLITE_OK) {
        return wb__db_fail(db, "look for old message keys");
    }
    old = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (old && sqlite3_exec(db->h,
                            "BEGIN IMMEDIATE;"
                            "INSERT OR REPLACE INTO msgring(slot, key, entry)"
                            " SELECT slot, key, entry FROM msgkeys"
                            " ORDER BY entry;"
                            "DROP TABLE msgkeys; COMMIT;",
                            NULL, NULL, &err) != SQLITE_OK) {
        rc = wb__err(WB_ERR_DB, "database: moving message keys: %s",
                     err ? err : sqlite3_errmsg(db->h));
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_free(err);
    return rc;
}

/* May this process not write path (an auditor's copy, a read-only
 * mount)? */
static bool
not_writable(const char *path)
{
    return access(path, W_OK) != 0 &&
           (errno == EACCES || errno == EROFS || errno == EPERM);
}

/* Open path read-only. WAL needs its -shm file: where it cannot be made
 * (a read-only directory) and the -wal holds nothing, the file is opened
 * immutable instead, which reads the database file alone. */
static wb_err
open_read_only(const char *path, struct wb__db *db)
{
    char wal[4200];
    char uri[12600];
    struct stat st;
    size_t k = 0;
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;

    if (sqlite3_open_v2(path, &db->h, flags, NULL) == SQLITE_OK &&
        sqlite3_exec(db->h, "SELECT count(*) FROM meta", NULL, NULL, NULL) ==
            SQLITE_OK) {
        return WB_OK;
    }
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &st) == 0 && st.st_size > 0) {
        return wb__err(WB_ERR_DB,
                       "database %s is read-only and its write-ahead log %s "
                       "holds data that cannot be read without its -shm "
                       "file: copy the site with a writable directory, or "
                       "open it writable once",
                       path, wal);
    }
    sqlite3_close(db->h);
    db->h = NULL;
    /* a file: URI, with the characters a URI gives meaning escaped */
    k = (size_t)snprintf(uri, sizeof uri, "file:");
    for (const char *p = path; *p != '\0' && k + 4 < sizeof uri; p++) {
        if (*p == '%' || *p == '?' || *p == '#') {
            k += (size_t)snprintf(uri + k, sizeof uri - k, "%%%02X",
                                  (unsigned char)*p);
        } else {
            uri[k++] = *p;
        }
    }
    snprintf(uri + k, sizeof uri - k, "?immutable=1");
    if (sqlite3_open_v2(uri, &db->h, flags | SQLITE_OPEN_URI, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db->h, "SELECT count(*) FROM meta", NULL, NULL, NULL) !=
            SQLITE_OK) {
        return wb__err(WB_ERR_DB, "database %s (read-only): %s", path,
                       db->h ? sqlite3_errmsg(db->h) : "cannot open");
    }
    return WB_OK;
}

wb_err
wb__db_open(const char *path, bool create, struct wb__db **out)
{
    struct wb__db *db = NULL;
    wb_err rc = WB_OK;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                (create ? SQLITE_OPEN_CREATE : 0);
    char *err = NULL;

    *out = NULL;
    db = wb__calloc(1, sizeof *db);
    if (db == NULL) {
        return WB_ERR_NOMEM;
    }
    if (!create && not_writable(path)) {
        /* every read works; a write fails, saying why (wb__db_fail) */
        rc = open_read_only(path, db);
        if (rc == WB_OK) {
            sqlite3_busy_timeout(db->h, 5000);
            sqlite3_extended_result_codes(db->h, 1);
            rc = sqlite3_exec(db->h,
                              "PRAGMA cache_size=-16384; "
                              "PRAGMA foreign_keys=ON;",
                              NULL, NULL, NULL) == SQLITE_OK
                     ? WB_OK
                     : wb__db_fail(db, "settings");
        }
        goto out;
    }
    if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
        rc = wb__err(WB_ERR_DB, "database %s: %s", path,
                     db->h ? sqlite3_errmsg(db->h) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db->h, 5000);
    sqlite3_extended_result_codes(db->h, 1);
    /* 64 KiB pages (only takes effect when the file is created): a batch
     * of ~600-byte rows then costs a few large WAL writes instead of many
     * small ones; measured 1.6x the insert rate of 4 KiB pages. WAL with a
     * full sync at commit: an acknowledged batch survives a crash of the
     * process and of the machine. */
    if (sqlite3_exec(db->h,
                     "PRAGMA page_size=65536; PRAGMA cache_size=-16384;"
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
                     NULL, NULL, &err) != SQLITE_OK ||
        sqlite3_exec(db->h, schema, NULL, NULL, &err) != SQLITE_OK) {
        rc = wb__err(WB_ERR_DB, "database %s: %s", path,
                     err ? err : sqlite3_errmsg(db->h));
        goto out;
    }
    if (create) {
        rc = wb__db_meta_set(db, "schema", SCHEMA_VERSION);
    }
    if (rc == WB_OK) {
        rc = migrate_msgkeys(db);
    }
out:
    sqlite3_free(err);
    if (rc != WB_OK) {
        wb__db_close(db);
        db = NULL;
    }
    *out = db;
    return rc;
}

void
wb__db_close(struct wb__db *db)
{
    if (db == NULL) {
        return;
    }
    for (int k = 0; k < ST__COUNT; k++) {
        sqlite3_finalize(db->st[k]);
    }
    sqlite3_close(db->h);
    wb__free(db);
}

wb_err
wb__db_begin(struct wb__db *db)
{
    return exec_stmt(db, ST_BEGIN, "begin");
}

wb_err
wb__db_commit(struct wb__db *db)
{
    return exec_stmt(db, ST_COMMIT, "commit");
}

wb_err
wb__db_read_begin(struct wb__db *db, bool *own)
{
    wb_err rc = WB_OK;

    *own = sqlite3_get_autocommit(db->h) != 0;
    if (*own) {
        rc = exec_stmt(db, ST_BEGIN_READ, "begin read");
        if (rc != WB_OK) {
            *own = false;
        }
    }
    return rc;
}

void
wb__db_read_end(struct wb__db *db, bool own)
{
    if (own) {
        (void)exec_stmt(db, ST_COMMIT, "end read");
    }
}

void
wb__db_rollback(struct wb__db *db)
{
    if (!sqlite3_get_autocommit(db->h)) {
        (void)exec_stmt(db, ST_ROLLBACK, "rollback");
    }
}

wb_err
wb__db_wal_truncate(struct wb__db *db)
{
    if (sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                  NULL) != SQLITE_OK) {
        return wb__db_fail(db, "WAL checkpoint");
    }
    return WB_OK;
}

wb_err
wb__db_cache_limit(struct wb__db *db, size_t kib)
{
    char sql[64];

    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%zu", kib);
    if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return wb__db_fail(db, "cache size");
    }
    return WB_OK;
}

wb_err
wb__db_meta_get(struct wb__db *db, const char *key, char **value)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_META_GET);
    wb_err rc = WB_OK;
    int r;

    *value = NULL;
    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *value = wb__strdup(v ? v : "");
        rc = *value ? WB_OK : WB_ERR_NOMEM;
    } else if (r == SQLITE_DONE) {
        rc = wb__err(WB_ERR_NOTFOUND, "database: no setting %s", key);
    } else {
        rc = wb__db_fail(db, "read setting");
    }
    sqlite3_reset(st);
    return rc;
}

wb_err
wb__db_meta_set(struct wb__db *db, const char *key, const char *value)
{
    sqlite3_stmt *st = wb__db_stmt(db, ST_META_SET);

    if (st == NULL) {
        return WB_ERR_DB;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        wb_err rc = wb__db_fail(db, "write setting");
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    return WB_OK;
}
