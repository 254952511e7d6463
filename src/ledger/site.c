/* SPDX-License-Identifier: Apache-2.0 */
/* Site directories: creating and opening them, the site key file. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ledger/ledger_int.h"

#define KEY_FILE_MAX 4096

/* dir "/" name into a new string. */
static char *
path_join(const char *dir, const char *name)
{
    struct wb__buf b;

    wb__buf_init(&b, 8192);
    if (wb__buf_printf(&b, "%s/%s", dir, name) != WB_OK) {
        wb__buf_clear(&b);
        return NULL;
    }
    return (char *)wb__buf_take(&b, NULL);
}

/* Write the key text to path, mode 0600, never over an existing file. */
static wb_err
write_key_file(const char *path, const char *text)
{
    size_t len = strlen(text);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    wb_err rc = WB_OK;

    if (fd < 0) {
        return wb__err(errno == EEXIST ? WB_ERR_EXISTS : WB_ERR_IO, "%s: %s",
                       path, strerror(errno));
    }
    if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0) {
        rc = wb__err(WB_ERR_IO, "%s: %s", path, strerror(errno));
    }
    close(fd);
    return rc;
}

/* Read and parse the key file; refuse one that others may read. */
static wb_err
read_key_file(const char *path, struct wb_signer **out)
{
    struct stat st;
    uint8_t *text = NULL;
    size_t len = 0;
    wb_err rc;

    *out = NULL;
    if (stat(path, &st) != 0) {
        /* not NOTFOUND: the site is there, damaged (callers take NOTFOUND
         * for "no site here") */
        return wb__err(WB_ERR_IO, "%s: %s (the site's signing key)", path,
                       strerror(errno));
    }
    if ((st.st_mode & 077) != 0) {
        return wb__err(WB_ERR_DENIED,
                       "%s: site key is readable by others "
                       "(mode %03o); chmod 600 it",
                       path, (unsigned)(st.st_mode & 0777));
    }
    rc = wb__read_file(path, KEY_FILE_MAX, &text, &len);
    if (rc == WB_OK) {
        rc = wb_signer_from_note_key((const char *)text, len, out);
        if (rc != WB_OK) {
            wb__err_prefix("%s", path);
        }
    }
    if (text != NULL) {
        wb_wipe(text, len);
    }
    wb__free(text);
    return rc;
}

static void
site_free(struct wb_site *s)
{
    if (s == NULL) {
        return;
    }
    wb__ledger_keys_free(s);
    wb__db_close(s->db);
    wb_signer_free(s->signer);
    wb__free(s->dir);
    wb__free(s->damage);
    wb_wipe(s->pool, sizeof s->pool);
    wb__free(s);
}

/* Allocate a handle for dir with its database opened. */
static wb_err
site_alloc(const char *dir, bool create, struct wb_site **out)
{
    struct wb_site *s = wb__calloc(1, sizeof *s);
    char *db_path = NULL;
    wb_err rc = WB_ERR_NOMEM;

    *out = NULL;
    if (s == NULL) {
        return WB_ERR_NOMEM;
    }
    s->epoch = wb__ledger_new_epoch();
    s->dir = wb__strdup(dir);
    db_path = path_join(dir, WB_SITE_DB_FILE);
    if (s->dir == NULL || db_path == NULL) {
        goto out;
    }
    rc = wb__db_open(db_path, create, &s->db);
out:
    wb__free(db_path);
    if (rc != WB_OK) {
        site_free(s);
        return rc;
    }
    wb_merkle_frontier_init(&s->tree);
    *out = s;
    return WB_OK;
}

/* Load the log size and frontier from the database: the size is the
 * highest index + 1 (a primary-key lookup; counting the rows would read
 * the whole table on every open), and the frontier's nodes must be there.
 * A store damaged behind the library's back still opens, so
 * wb_site_verify can name the bad entry (it also finds a missing row the
 * frontier does not need); everything that would build on the damage
 * refuses. */
static wb_err
load_tree(struct wb_site *s)
{
    uint64_t n = 0;
    uint64_t signed_size = 0;
    char *cp = NULL;
    wb_err rc = wb__db_entry_next(s->db, &n);

    if (rc == WB_OK) {
        /* a checkpoint larger than the log: entries were cut off the end
         * (one index seek; new appends would fork from what was signed) */
        rc = wb__db_checkpoint_latest(s->db, n + 1, &signed_size, &cp);
        wb__free(cp);
        rc = rc == WB_ERR_NOTFOUND ? WB_OK
             : rc == WB_OK
                 ? wb__err(WB_ERR_VERIFY,
                           "the log has %llu entries but a checkpoint of "
                           "size %llu was signed",
                           (unsigned long long)n,
                           (unsigned long long)signed_size)
                 : rc;
    }
    if (rc == WB_OK) {
        rc = wb_merkle_frontier_load(&s->tree, n, wb__ledger_read_node, s);
    }
    if (rc == WB_ERR_VERIFY || rc == WB_ERR_NOTFOUND || rc == WB_ERR_FORMAT) {
        s->damage = wb__strdup(wb_errmsg());
        wb_merkle_frontier_init(&s->tree);
        rc = s->damage ? WB_OK : WB_ERR_NOMEM;
    }
    s->saved = s->tree;
    return rc;
}

wb_err
wb__ledger_usable(const struct wb_site *s)
{
    if (s->damage != NULL) {
        return wb__err(WB_ERR_VERIFY,
                       "the log is damaged (%s); run waybill "
                       "verify",
                       s->damage);
    }
    return WB_OK;
}

/* Make the signer: imported from key_text, or fresh. */
static wb_err
make_signer(const char **origin,
            const char *key_text,
            size_t key_len,
            struct wb_signer **out)
{
    wb_err rc;

    if (key_text == NULL) {
        if (*origin == NULL) {
            return wb__err(WB_ERR_INVAL, "an origin is required");
        }
        return wb_signer_generate(*origin, out);
    }
    rc = wb_signer_from_note_key(key_text, key_len, out);
    if (rc != WB_OK) {
        return rc;
    }
    if (*origin == NULL) {
        *origin = wb_signer_name(*out);
    } else if (strcmp(*origin, wb_signer_name(*out)) != 0) {
        rc = wb__err(WB_ERR_INVAL,
                     "the key is named \"%s\" but the origin "
                     "is \"%s\"; they must be equal",
                     wb_signer_name(*out), *origin);
        wb_signer_free(*out);
        *out = NULL;
    }
    return rc;
}

wb_err
wb_site_create(const char *dir,
               const char *origin,
               const char *key_text,
               size_t key_len,
               struct wb_site **out)
{
    struct wb_signer *signer = NULL;
    struct wb_site *s = NULL;
    char *key_path = NULL;
    char *db_path = NULL;
    char *text = NULL;
    struct stat st;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = make_signer(&origin, key_text, key_len, &signer);
    if (rc != WB_OK) {
        goto out;
    }
    if (strlen(origin) > WB_ORIGIN_MAX) {
        rc =
            wb__err(WB_ERR_INVAL, "origin longer than %d bytes", WB_ORIGIN_MAX);
        goto out;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = wb__err(WB_ERR_IO, "%s: %s", dir, strerror(errno));
        goto out;
    }
    key_path = path_join(dir, WB_SITE_KEY_FILE);
    db_path = path_join(dir, WB_SITE_DB_FILE);
    if (key_path == NULL || db_path == NULL) {
        rc = WB_ERR_NOMEM;
        goto out;
    }
    if (stat(db_path, &st) == 0 || stat(key_path, &st) == 0) {
        rc = wb__err(WB_ERR_EXISTS, "%s already holds a site", dir);
        goto out;
    }
    rc = wb_signer_note_key(signer, &text);
    if (rc == WB_OK) {
        rc = write_key_file(key_path, text);
    }
    if (rc == WB_OK) {
        rc = site_alloc(dir, true, &s);
    }
    if (rc == WB_OK) {
        rc = wb__db_meta_set(s->db, "origin", origin);
    }
    if (rc != WB_OK) {
        goto out;
    }
    snprintf(s->origin, sizeof s->origin, "%s", origin);
    s->signer = signer;
    signer = NULL;
    if (out != NULL) {
        *out = s;
        s = NULL;
    }
out:
    if (text != NULL) {
        wb_wipe(text, strlen(text));
    }
    wb__free(text);
    wb__free(key_path);
    wb__free(db_path);
    wb_signer_free(signer);
    site_free(s);
    return rc;
}

wb_err
wb_site_open(const char *dir, struct wb_site **out)
{
    struct wb_site *s = NULL;
    char *key_path = NULL;
    char *db_path = NULL;
    char *origin = NULL;
    struct stat st;
    wb_err rc;

    *out = NULL;
    key_path = path_join(dir, WB_SITE_KEY_FILE);
    db_path = path_join(dir, WB_SITE_DB_FILE);
    if (key_path == NULL || db_path == NULL) {
        rc = WB_ERR_NOMEM;
        goto out;
    }
    if (stat(db_path, &st) != 0) {
        /* only a missing database is "no site": a directory that is a
         * file, or one the user may not read, says so */
        int e = errno;
        rc =
            e == ENOENT ? wb__err(WB_ERR_NOTFOUND,
                                  "%s holds no site (run waybill init)", dir)
            : e == ENOTDIR
                ? wb__err(WB_ERR_NOTFOUND, "%s: not a directory", dir)
                : wb__err(wb_err_from_errno(e), "%s: %s", db_path, strerror(e));
        goto out;
    }
    rc = site_alloc(dir, false, &s);
    if (rc == WB_OK) {
        rc = read_key_file(key_path, &s->signer);
    }
    if (rc == WB_OK) {
        rc = wb__db_meta_get(s->db, "origin", &origin);
    }
    if (rc != WB_OK) {
        goto out;
    }
    if (strcmp(origin, wb_signer_name(s->signer)) != 0) {
        rc = wb__err(WB_ERR_FORMAT,
                     "%s: key name \"%s\" is not the site "
                     "origin \"%s\"",
                     key_path, wb_signer_name(s->signer), origin);
        goto out;
    }
    snprintf(s->origin, sizeof s->origin, "%s", origin);
    rc = load_tree(s);
    if (rc == WB_OK) {
        *out = s;
        s = NULL;
    }
out:
    wb__free(origin);
    wb__free(key_path);
    wb__free(db_path);
    site_free(s);
    return rc;
}

void
wb_site_close(struct wb_site *s)
{
    if (s == NULL) {
        return;
    }
    wb_site_rollback(s);
    site_free(s);
}

const char *
wb_site_origin(const struct wb_site *s)
{
    return s->origin;
}

const char *
wb_site_dir(const struct wb_site *s)
{
    return s->dir;
}

const struct wb_signer *
wb_site_signer(const struct wb_site *s)
{
    return s->signer;
}

struct wb__db *
wb__site_db(struct wb_site *s)
{
    return s->db;
}

uint64_t
wb_site_size(const struct wb_site *s)
{
    return s->tree.size + (s->def_ops != NULL); /* its index is reserved */
}

bool
wb_site_in_batch(const struct wb_site *s)
{
    return s->in_batch;
}

uint64_t
wb_site_register_epoch(const struct wb_site *s)
{
    return s->epoch;
}

uint64_t
wb__ledger_new_epoch(void)
{
    static atomic_uint_least64_t next = 1;

    return (uint64_t)atomic_fetch_add(&next, 1);
}

void
wb__ledger_random(struct wb_site *s, uint8_t *out, size_t n)
{
    if (n > sizeof s->pool) {
        wb_random(out, n);
        return;
    }
    if (s->pool_left < n) {
        /* one 32-byte seed from the kernel expanded with ChaCha20: the
         * kernel interface hands out 256 bytes a call, which made salts
         * and record ids 0.29 us of each append */
        uint8_t seed[randombytes_SEEDBYTES];
        wb_random(seed, sizeof seed);
        randombytes_buf_deterministic(s->pool, sizeof s->pool, seed);
        wb_wipe(seed, sizeof seed);
        s->pool_left = sizeof s->pool;
    }
    memcpy(out, s->pool + sizeof s->pool - s->pool_left, n);
    wb_wipe(s->pool + sizeof s->pool - s->pool_left, n);
    s->pool_left -= n;
}

void
wb__ledger_now(int64_t *sec, uint32_t *nsec)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    *sec = (int64_t)ts.tv_sec;
    *nsec = (uint32_t)ts.tv_nsec;
}

wb_err
wb_site_cache_limit(struct wb_site *s, size_t kib)
{
    if (kib < 256) {
        return wb__err(WB_ERR_INVAL, "cache: at least 256 KiB");
    }
    return wb__db_cache_limit(s->db, kib);
}
