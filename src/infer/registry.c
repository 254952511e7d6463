/* SPDX-License-Identifier: Apache-2.0 */
/* The site's "model" register: a package is verified against the vendor
 * key, the checked bytes of its files written into the site directory
 * (models/ID/), and its signed manifest, signature and vendor key logged as
 * a "model" entry. Every later use re-verifies the site's copy against
 * that entry. */
#define _GNU_SOURCE /* renameat2: a leftover copy swapped out atomically */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infer/infer_int.h"

/* SITE/models/ID (or SITE/models when id is NULL) into buf. */
static wb_err
models_dir(struct wb_site *s, const char *id, char *buf, size_t len)
{
    size_t n =
        id ? (size_t)snprintf(buf, len, "%s/models/%s", wb_site_dir(s), id)
           : (size_t)snprintf(buf, len, "%s/models", wb_site_dir(s));

    return n < len ? WB_OK : wb__err(WB_ERR_INVAL, "site path too long");
}

/* A registration's copy of the package: the checked bytes of each file
 * are written into a directory of its own (models/.register-XXXXXX),
 * which becomes models/ID only when every file is in and only if nothing
 * is there; a failed registration removes what it wrote, never more. It
 * holds an exclusive flock on that directory meanwhile: one killed on the
 * way leaves the directory unlocked, and the next registration removes
 * it (the kernel drops a dead process's locks, in any PID namespace). */
struct copy {
    struct wb_site *s;
    const struct wb_policy *pol;  /* purposes checked against it, or NULL */
    char id[WB_MODEL_ID_MAX + 1]; /* "" until the manifest is seen */
    char tmp[4096];               /* the directory written; "" if none */
    char dst[4096];               /* models/ID once renamed to it */
    char names[WB_MODEL_LIST_MAX][WB_MODEL_NAME_MAX + 1]; /* written */
    size_t count;
    bool replaced;     /* models/ID held this package's files already */
    uint64_t restored; /* the decision entry of a restored copy, or 0 */
    int lock;          /* tmp's descriptor, flocked while it is written; -1 */
};

/* Remove the files c wrote and the directory d holding them. */
static void
remove_copy(const struct copy *c, const char *d)
{
    char f[4200];

    for (size_t i = 0; d[0] != '\0' && i < c->count; i++) {
        snprintf(f, sizeof f, "%s/%s", d, c->names[i]);
        unlink(f);
    }
    if (d[0] != '\0') {
        rmdir(d);
    }
}

/* A copy directory some registration left in models directory fd at
 * name: a real directory (never through a link) that no registration
 * holds locked: its files (not below it) and it are removed. */
static void
remove_left(int fd, const char *name)
{
    struct stat st;
    struct stat now;
    struct dirent *e;
    DIR *h;
    int d;

    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISDIR(st.st_mode)) {
        return;
    }
    d = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0) {
        return;
    }
    /* locked, it must still be the directory at name: a registration
     * may have finished between the open and the lock, renaming it to
     * models/ID */
    if (flock(d, LOCK_EX | LOCK_NB) != 0 || fstat(d, &st) != 0 ||
        st.st_nlink == 0 || fstatat(fd, name, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
        now.st_dev != st.st_dev || now.st_ino != st.st_ino ||
        (h = fdopendir(d)) == NULL) {
        close(d); /* held (a registration runs), gone, or no locks */
        return;
    }
    while ((e = readdir(h)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            unlinkat(d, e->d_name, 0); /* files only: never recursive */
        }
    }
    unlinkat(fd, name, AT_REMOVEDIR);
    closedir(h); /* and the lock */
}

/* Remove from models directory dir the copy directories registrations
 * killed while copying left (.register-*, see struct copy). */
static void
sweep(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *h = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (h == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    while ((e = readdir(h)) != NULL) {
        if (strncmp(e->d_name, ".register-", 10) == 0) {
            remove_left(dirfd(h), e->d_name);
        }
    }
    closedir(h);
}

/* Each of the manifest's list v[0..n) (field) is a purpose of pol's
 * vocabulary (no pol: not checked). */
static wb_err
in_vocabulary(const struct wb_policy *pol,
              const char *field,
              char *const *v,
              size_t n)
{
    for (size_t i = 0; pol != NULL && i < n; i++) {
        if (wb_policy_purpose_find(pol, v[i]) < 0) {
            return wb__err(WB_ERR_FORMAT,
                           "manifest: \"%s[%zu]\": \"%s\" is not in the "
                           "purpose vocabulary",
                           field, i, v[i]);
        }
    }
    return WB_OK;
}

/* Lock directory descriptor d for good (a sweep holds it only while it
 * removes it): 0, 1 when this file system has no locks, -1 (errno). */
static int
lock_dir(int d)
{
    int r;

    do {
        r = flock(d, LOCK_EX);
    } while (r != 0 && errno == EINTR);
    if (r != 0 && (errno == EOPNOTSUPP || errno == ENOSYS || errno == EBADF ||
                   errno == EINVAL)) {
        return 1; /* e.g. a network file system: unlocked, no sweeps */
    }
    return r;
}

/* Make c's copy directory in models directory dir and lock it (held
 * until the registration ends, so that no sweep removes it; a file system
 * without locks leaves it unlocked, and sweeps none). WB_ERR_BUSY when a
 * sweep removed it before it was locked. */
static wb_err
make_tmp(struct copy *c, const char *dir)
{
    struct stat st;
    wb_err rc = WB_OK;
    int locked;

    if ((size_t)snprintf(c->tmp, sizeof c->tmp, "%s/.register-XXXXXX", dir) >=
        sizeof c->tmp) {
        return wb__err(WB_ERR_INVAL, "site path too long");
    }
    if (mkdtemp(c->tmp) == NULL) {
        return wb__err(WB_ERR_IO, "%s: %s", dir, strerror(errno));
    }
    c->lock = open(c->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->lock < 0) {
        rc = errno == ENOENT
                 ? WB_ERR_BUSY
                 : wb__err(WB_ERR_IO, "%s: %s", c->tmp, strerror(errno));
        rmdir(c->tmp);
        return rc;
    }
    locked = lock_dir(c->lock);
    if (locked < 0) {
        rc = wb__err(WB_ERR_IO, "%s: cannot lock: %s", c->tmp, strerror(errno));
    } else if (fstat(c->lock, &st) != 0 || st.st_nlink == 0) {
        rc = WB_ERR_BUSY; /* a sweep held it, and removed it */
    } else if (fchmod(c->lock, 0755) != 0) {
        rc = wb__err(WB_ERR_IO, "%s: %s", c->tmp, strerror(errno));
    }
    if (rc != WB_OK) {
        if (rc != WB_ERR_BUSY) {
            rmdir(c->tmp);
        }
        close(c->lock);
        c->lock = -1;
    } else if (locked == 1) {
        close(c->lock);
        c->lock = -1;
    }
    return rc;
}

/* Before anything is written: the id is a register id, its purposes are
 * the vocabulary's, it is not registered yet; then the copy's own
 * directory. */
static wb_err
copy_begin(struct copy *c, const struct wb_model_manifest *m)
{
    char dir[4096];
    wb_err rc;

    snprintf(c->id, sizeof c->id, "%s@%s", m->name, m->version);
    if (!wb_id_ok(c->id, WB_MODEL_ID_MAX)) {
        return wb__err(WB_ERR_FORMAT, "model id \"%s\" is not a register id",
                       c->id);
    }
    /* out_of_scope is the vendor's words: a use outside the site's
     * vocabulary can never be asked for, so it needs no match */
    rc = in_vocabulary(c->pol, "purposes", m->purposes, m->purpose_count);
    if (rc == WB_OK) {
        rc = wb_model_manifest_places_check(m);
    }
    if (rc != WB_OK) {
        return rc;
    }
    rc = models_dir(c->s, NULL, dir, sizeof dir);
    if (rc == WB_OK && mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rc = wb__err(WB_ERR_IO, "%s: %s", dir, strerror(errno));
    }
    if (rc == WB_OK) {
        sweep(dir);
    }
    /* a sweep elsewhere may take a directory made here before it is
     * locked: then another is made */
    for (int tries = 0; rc == WB_OK && tries < 8; tries++) {
        rc = make_tmp(c, dir);
        if (rc != WB_ERR_BUSY) {
            break;
        }
        wb_errmsg_clear();
        rc = tries < 7 ? WB_OK
                       : wb__err(WB_ERR_IO,
                                 "%s: a copy directory kept being "
                                 "removed while it was made",
                                 dir);
    }
    if (rc != WB_OK) {
        c->tmp[0] = '\0';
    }
    return rc;
}

/* The package reader's hand-off (wb__model_file_fn): write the bytes
 * whose size and digest were just checked, never the source again. */
static wb_err
copy_file(void *ctx,
          const struct wb_model_manifest *m,
          const struct wb_model_file *f,
          const uint8_t *bytes,
          size_t len)
{
    struct copy *c = ctx;
    char to[4200];
    int fd;
    wb_err rc = c->tmp[0] == '\0' ? copy_begin(c, m) : WB_OK;

    if (f == NULL) {
        return rc; /* the manifest: the id is known, the files come next */
    }
    if (rc == WB_OK && c->count == WB_MODEL_LIST_MAX) {
        rc = wb__err(WB_ERR_INTERNAL, "model register: too many files");
    }
    if (rc == WB_OK && strcmp(f->path, m->model_file) == 0) {
        /* its runtime loads it before anything is registered */
        rc = wb__infer_trial(m, bytes, len);
        if (rc != WB_OK) {
            wb__err_prefix("model file %s", f->path);
        }
    }
    if (rc != WB_OK) {
        return rc;
    }
    snprintf(c->names[c->count++], sizeof c->names[0], "%s", f->path);
    snprintf(to, sizeof to, "%s/%s", c->tmp, f->path);
    fd = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || write(fd, bytes, len) != (ssize_t)len || fsync(fd) != 0) {
        rc = wb__err(WB_ERR_IO, "%s: %s", to, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

/* Make directory path's entries durable (best effort, as for the files'
 * fsync: a failure shows when the copy is verified). */
static void
sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Is the file at a byte for byte the one at b? */
static bool
same_file(const char *a, const char *b)
{
    uint8_t *x = NULL;
    uint8_t *y = NULL;
    size_t nx = 0;
    size_t ny = 0;
    bool same = wb__read_file(a, WB_MODEL_FILE_MAX, &x, &nx) == WB_OK &&
                wb__read_file(b, WB_MODEL_FILE_MAX, &y, &ny) == WB_OK &&
                nx == ny && memcmp(x, y, nx) == 0;

    wb__free(x);
    wb__free(y);
    wb_errmsg_clear();
    return same;
}

/* Does directory d hold exactly the files c wrote, with the same bytes:
 * the copy of an earlier registration of this very package that was
 * never logged (a crash before its entry, or a caller's batch rolled
 * back)? */
static bool
same_copy(const struct copy *c, const char *d)
{
    char a[sizeof c->tmp + 258]; /* + '/', a d_name and its NUL */
    char b[sizeof c->tmp + 258];
    size_t seen = 0;
    bool same = true;
    struct dirent *e;
    DIR *dir = opendir(d);

    if (dir == NULL) {
        return false;
    }
    while (same && (e = readdir(dir)) != NULL) {
        size_t i = 0;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        while (i < c->count && strcmp(c->names[i], e->d_name) != 0) {
            i++;
        }
        snprintf(a, sizeof a, "%s/%s", c->tmp, e->d_name);
        snprintf(b, sizeof b, "%s/%s", d, e->d_name);
        same = i < c->count && same_file(a, b);
        seen++;
    }
    closedir(dir);
    return same && seen == c->count;
}

/* Rename the written copy to models/ID, which must not hold anything (an
 * empty directory is replaced), or only the same package's copy that an
 * unlogged registration left (replaced: nothing is lost): any other
 * directory there is another registration's or one left behind, and is
 * not touched. */
static wb_err
copy_publish(struct copy *c)
{
    char dir[4096];
    wb_err rc = models_dir(c->s, c->id, c->dst, sizeof c->dst);
    int e = 0;

    sync_dir(c->tmp);
    if (rc == WB_OK && rename(c->tmp, c->dst) != 0) {
        e = errno;
        if ((e == EEXIST || e == ENOTEMPTY) && same_copy(c, c->dst)) {
            /* swapped, so models/ID is never without the files (another
             * registration of this package may have just made it), then
             * the old copy, now at tmp, removed */
            e = 0;
            if (renameat2(AT_FDCWD, c->tmp, AT_FDCWD, c->dst,
                          RENAME_EXCHANGE) != 0) {
                rc = wb__err(WB_ERR_IO, "%s: %s", c->dst, strerror(errno));
            } else {
                c->replaced = true;
                remove_copy(c, c->tmp);
            }
        }
    }
    if (e == EEXIST || e == ENOTEMPTY || e == ENOTDIR) {
        /* ENOTDIR: a file or a link there */
        rc = wb__err(WB_ERR_EXISTS,
                     "%s exists although model %s is not registered, and "
                     "is not a copy of this package: remove it and "
                     "register again",
                     c->dst, c->id);
    } else if (e != 0) {
        rc = wb__err(WB_ERR_IO, "%s: %s", c->dst, strerror(e));
    }
    if (rc != WB_OK) {
        c->dst[0] = '\0';
        return rc;
    }
    c->tmp[0] = '\0';
    if (models_dir(c->s, NULL, dir, sizeof dir) == WB_OK) {
        sync_dir(dir); /* the rename is durable before the entry is put */
    }
    return WB_OK;
}

/* The register document of a verified package. */
static wb_err
make_doc(const char *id,
         const char *vkey,
         const struct wb_model_package *p,
         char **out)
{
    char hex[2 * WB_HASH_BYTES + 1];
    json_t *o;
    wb_err rc;

    wb_hex_encode(p->digest, WB_HASH_BYTES, hex);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "digest", hex,
                  "vendor_key", vkey, "signer", p->signer, "manifest",
                  p->manifest_bytes, "signature", p->signature);
    rc = o ? wb__json_dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER, out)
           : WB_ERR_NOMEM;
    json_decref(o);
    return rc;
}

/* Log that registering dir (as model id, when known) was refused with rc,
 * keeping the refusal's detail. */
static void
log_refused(struct wb_site *s, const char *dir, const char *id, wb_err rc)
{
    char why[1024];
    char lost[1024];
    uint64_t entry = 0;
    json_t *extra = json_pack("{s:s}", "package", dir);

    snprintf(why, sizeof why, "%s",
             wb_errmsg()[0] != '\0' ? wb_errmsg() : wb_strerror(rc));
    if (wb__infer_log_refusal(s, "model-register-refused",
                              id[0] != '\0' ? id : NULL, NULL, NULL, why, extra,
                              &entry) != WB_OK) {
        /* wb__err formats into the buffer wb_errmsg() returns */
        snprintf(lost, sizeof lost, "%s", wb_errmsg());
        (void)wb__err(rc, "%s (and the refusal could not be logged: %s)", why,
                      lost[0] != '\0' ? lost : "out of memory");
    } else {
        /* reported as a refused call's is: the entry, and in JSON */
        wb__infer_refused_set(entry, why);
        wb_errmsg_set("%s (logged as decision entry %llu)", why,
                      (unsigned long long)entry);
    }
    json_decref(extra);
}

/* Verify dir with the vendor key vkey (parsed into v) while its checked
 * files are written to the site, then log the "model" entry; on failure
 * remove what was written. c->id gets the model id once known. */
/* Is c->id free for package p? WB_OK when it is not registered, or when
 * it is registered with p's very digest but the site's copy no longer
 * verifies (*damaged gets why: the copy is to be restored from p);
 * WB_ERR_EXISTS otherwise, saying whether the package differs. */
static wb_err
not_registered(struct copy *c,
               const struct wb_model_package *p,
               char *damaged,
               size_t len)
{
    struct wb_model_entry old;
    struct wb_model_package *have = NULL;
    char a[2 * WB_HASH_BYTES + 1];
    char b[2 * WB_HASH_BYTES + 1];
    wb_err rc = wb_model_get(c->s, c->id, &old);

    damaged[0] = '\0';
    if (rc == WB_ERR_NOTFOUND) {
        wb_errmsg_clear();
        rc = WB_OK;
    } else if (rc == WB_OK &&
               memcmp(old.digest, p->digest, WB_HASH_BYTES) != 0) {
        wb_hex_encode(old.digest, WB_HASH_BYTES, a);
        wb_hex_encode(p->digest, WB_HASH_BYTES, b);
        rc = wb__err(WB_ERR_EXISTS,
                     "model %s is already registered (entry %llu) as another "
                     "package (digest %.16s..., this one %.16s...): a new "
                     "build needs a new version",
                     c->id, (unsigned long long)old.entry, a, b);
    } else if (rc == WB_OK &&
               (rc = wb_model_verify(c->s, c->id, &have)) == WB_ERR_VERIFY) {
        snprintf(damaged, len, "%s", wb_errmsg());
        wb_errmsg_clear();
        rc = WB_OK;
    } else if (rc == WB_OK) {
        rc = wb__err(WB_ERR_EXISTS,
                     "model %s is already registered (entry %llu), this same "
                     "package",
                     c->id, (unsigned long long)old.entry);
    }
    wb_model_package_free(have);
    wb_model_entry_clear(&old);
    return rc;
}

/* Put the checked copy at c->tmp in place of the site's damaged (or
 * missing) copy of c->id. Whatever is at models/ID (a directory, a file,
 * a link: never followed) is moved aside to models/ID.damaged-N, kept
 * for the operator, its name into aside (cap bytes; "" when nothing was
 * there); nothing is removed. */
static wb_err
copy_restore(struct copy *c, char *aside, size_t cap)
{
    char dir[4096];
    wb_err rc = models_dir(c->s, c->id, c->dst, sizeof c->dst);
    struct stat st;

    aside[0] = '\0';
    sync_dir(c->tmp);
    if (rc == WB_OK && lstat(c->dst, &st) == 0) {
        for (unsigned n = 1; rc == WB_OK; n++) {
            snprintf(aside, cap, "%s.damaged-%u", c->dst, n);
            if (lstat(aside, &st) != 0 && errno == ENOENT) {
                break;
            }
            rc = n < 1000 ? WB_OK
                          : wb__err(WB_ERR_EXISTS,
                                    "%s: too many damaged copies "
                                    "kept beside it",
                                    c->dst);
        }
        if (rc == WB_OK && rename(c->dst, aside) != 0) {
            rc = wb__err(WB_ERR_IO, "%s: %s", c->dst, strerror(errno));
        }
    }
    if (rc == WB_OK && rename(c->tmp, c->dst) != 0) {
        rc = wb__err(WB_ERR_IO, "%s: %s", c->dst, strerror(errno));
    }
    if (rc != WB_OK) {
        c->dst[0] = '\0'; /* not ours: never removed */
        return rc;
    }
    c->replaced = true; /* the registration's copy: never removed */
    c->tmp[0] = '\0';
    if (models_dir(c->s, NULL, dir, sizeof dir) == WB_OK) {
        sync_dir(dir);
    }
    return WB_OK;
}

static wb_err
register_package(struct wb_site *s,
                 const char *dir,
                 const char *vkey,
                 const struct wb_verifier *v,
                 struct copy *c)
{
    struct wb_model_package *p = NULL;
    struct wb_append e;
    char *doc = NULL;
    char damaged[WB_INFER_WHY_MAX] = "";
    uint64_t idx = 0;
    wb_err rc = wb__model_package_read(dir, v, copy_file, c, &p);

    if (rc == WB_OK) {
        /* after the package proved whole: a tampered copy of a registered
         * model is refused (and logged) as tampered, not as a repeat */
        rc = not_registered(c, p, damaged, sizeof damaged);
    }
    if (rc == WB_OK && damaged[0] != '\0') {
        /* registered, its copy lost or damaged: restored from the same
         * package, and logged; the registration stands as it was */
        char aside[4200];
        json_t *extra = NULL;
        rc = copy_restore(c, aside, sizeof aside);
        if (rc == WB_OK) {
            extra = json_pack("{s:s, s:s?}", "package", dir, "kept",
                              aside[0] ? aside : NULL);
            rc = wb__infer_log_refusal(s, "model-copy-restored", c->id,
                                       p->digest, NULL, damaged, extra,
                                       &c->restored);
        }
        json_decref(extra);
    } else if (rc == WB_OK) {
        rc = make_doc(c->id, vkey, p, &doc);
    }
    if (rc == WB_OK && damaged[0] == '\0') {
        rc = copy_publish(c);
    }
    if (rc == WB_OK && damaged[0] == '\0') {
        memset(&e, 0, sizeof e);
        e.claims.kind = WB_MODEL_REGISTER;
        e.claims.purposes = (const char *const *)p->manifest->purposes;
        e.claims.purpose_count = p->manifest->purpose_count;
        e.claims.has_model = 1;
        memcpy(e.claims.model, p->digest, WB_HASH_BYTES);
        e.claims.media = "application/json";
        e.payload = (const uint8_t *)doc;
        e.payload_len = strlen(doc);
        rc = wb_site_register_put(s, &e, c->id, 1, &idx);
    }
    if (rc != WB_OK) {
        remove_copy(c, c->tmp);
        if (!c->replaced) {
            remove_copy(c, c->dst); /* ours: the rename made it */
        } /* else the same bytes as were there: perhaps a registration that
             ran meanwhile, whose entry made ours fail */
    }
    wb__free(doc);
    wb_model_package_free(p);
    return rc;
}

wb_err
wb_model_register(struct wb_site *s,
                  const char *dir,
                  const char *vkey,
                  struct wb_model_entry *out)
{
    return wb_model_register_checked(s, NULL, dir, vkey, out);
}

wb_err
wb_model_register_checked(struct wb_site *s,
                          const struct wb_policy *pol,
                          const char *dir,
                          const char *vkey,
                          struct wb_model_entry *out)
{
    struct wb_verifier *v = NULL;
    struct copy *c = NULL;
    wb_err rc = WB_OK;

    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    wb__infer_refused_set(0, NULL);
    if (s == NULL || dir == NULL || vkey == NULL) {
        return wb__err(WB_ERR_INVAL, "model register: missing argument");
    }
    c = wb__calloc(1, sizeof *c);
    if (c == NULL) {
        rc = WB_ERR_NOMEM;
        goto out;
    }
    c->s = s;
    c->pol = pol;
    c->lock = -1;
    rc = wb_verifier_from_note_key(vkey, strlen(vkey), &v);
    if (rc != WB_OK) {
        wb__err_prefix("vendor key");
    } else if (wb_verifier_alg(v) != WB_ALG_EDDSA) {
        rc = wb__err(WB_ERR_FORMAT, "vendor key: not an Ed25519 key");
    }
    if (rc == WB_OK) {
        rc = register_package(s, dir, vkey, v, c);
    }
    if (rc != WB_OK) {
        log_refused(s, dir, c->id, rc);
    } else if (out != NULL) {
        rc = wb_model_get(s, c->id, out);
        out->restored = c->restored;
    }
out:
    if (c != NULL && c->lock >= 0) {
        close(c->lock); /* and its lock */
    }
    wb__free(c);
    wb_verifier_free(v);
    return rc;
}

/* A string field of the register document, copied. */
static wb_err
doc_str(json_t *o, const char *key, char **out)
{
    const char *v = json_string_value(json_object_get(o, key));

    if (v == NULL) {
        return wb__err(WB_ERR_FORMAT,
                       "model register: document lacks "
                       "\"%s\"",
                       key);
    }
    *out = wb__strdup(v);
    return *out ? WB_OK : WB_ERR_NOMEM;
}

/* Parse a register document into e. */
static wb_err
from_doc(const struct wb_register_doc *d, struct wb_model_entry *e)
{
    json_t *o = json_loads(d->doc, JSON_REJECT_DUPLICATES, NULL);
    const char *hex = json_string_value(json_object_get(o, "digest"));
    uint8_t h[WB_HASH_BYTES];
    wb_err rc = WB_OK;

    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", d->id);
    e->entry = d->entry;
    if (hex == NULL ||
        wb_hex_decode(hex, strlen(hex), e->digest, WB_HASH_BYTES) != WB_OK) {
        rc =
            wb__err(WB_ERR_FORMAT, "model register: %s: bad \"digest\"", d->id);
    }
    if (rc == WB_OK) {
        rc = doc_str(o, "vendor_key", &e->vendor_key);
    }
    if (rc == WB_OK) {
        rc = doc_str(o, "manifest", &e->manifest_bytes);
    }
    if (rc == WB_OK) {
        rc = doc_str(o, "signature", &e->signature);
    }
    if (rc == WB_OK) {
        wb_model_digest((const uint8_t *)e->manifest_bytes,
                        strlen(e->manifest_bytes), h);
        if (memcmp(h, e->digest, WB_HASH_BYTES) != 0) {
            rc = wb__err(WB_ERR_VERIFY,
                         "model register: %s: the manifest "
                         "does not hash to the digest",
                         d->id);
        }
    }
    if (rc == WB_OK) {
        rc = wb_model_manifest_parse(
            e->manifest_bytes, strlen(e->manifest_bytes), false, &e->manifest);
    }
    json_decref(o);
    if (rc != WB_OK) {
        wb_model_entry_clear(e);
    }
    return rc;
}

/* e (parsed from d, or not: rc) against the digest d's entry commits to
 * in its model claim; on WB_ERR_VERIFY only e's id, entry and that
 * digest (when the entry names one) are kept, for the refusal. */
static wb_err
bind_entry(struct wb_site *s,
           const struct wb_register_doc *d,
           struct wb_model_entry *e,
           wb_err rc)
{
    uint8_t *leaf = NULL;
    uint8_t *pay = NULL;
    size_t n = 0;
    size_t pn = 0;
    int erased = 0;
    struct wb_claims *c = NULL;
    wb_err rc2 = wb_site_entry(s, d->entry, &leaf, &n, &c, &pay, &pn, &erased);

    if (rc2 != WB_OK) {
        rc = rc == WB_OK ? rc2 : rc;
    } else if (rc == WB_OK && (!c->has_model || memcmp(c->model, e->digest,
                                                       WB_HASH_BYTES) != 0)) {
        char a[2 * WB_HASH_BYTES + 1];
        char b[2 * WB_HASH_BYTES + 1] = "none";
        wb_hex_encode(e->digest, WB_HASH_BYTES, a);
        if (c->has_model) {
            wb_hex_encode(c->model, WB_HASH_BYTES, b);
        }
        rc = wb__err(WB_ERR_VERIFY,
                     "model %s: the register's copy has digest %.16s..., "
                     "registration entry %llu commits to %.16s...",
                     d->id, a, (unsigned long long)d->entry, b);
    }
    if (rc != WB_OK) {
        wb_model_entry_clear(e); /* nothing half filled, whatever failed */
    }
    if (rc == WB_ERR_VERIFY) {
        snprintf(e->id, sizeof e->id, "%s", d->id);
        e->entry = d->entry;
        if (c != NULL && c->has_model) {
            memcpy(e->digest, c->model, WB_HASH_BYTES);
        }
    }
    wb_claims_free(c);
    wb_free(leaf);
    wb_free(pay);
    return rc;
}

wb_err
wb_model_get(struct wb_site *s, const char *id, struct wb_model_entry *out)
{
    struct wb_register_doc d;
    wb_err rc;

    memset(out, 0, sizeof *out);
    memset(&d, 0, sizeof d);
    if (!wb_id_ok(id, WB_MODEL_ID_MAX)) {
        return wb__err(WB_ERR_INVAL, "model id \"%.64s\": want NAME@VERSION",
                       id);
    }
    rc = wb_site_register_get(s, WB_MODEL_REGISTER, id, 0, &d);
    if (rc == WB_ERR_NOTFOUND) {
        rc = wb__err(rc, "no model \"%s\" is registered (waybill model list)",
                     id);
    }
    if (rc == WB_OK) {
        rc = from_doc(&d, out);
    }
    if (rc == WB_OK || (rc == WB_ERR_VERIFY && d.id[0] != '\0')) {
        rc = bind_entry(s, &d, out, rc);
    }
    wb_register_doc_clear(&d);
    return rc;
}

wb_err
wb_model_list(struct wb_site *s, struct wb_model_entry **out, size_t *count)
{
    struct wb_register_doc *d = NULL;
    struct wb_model_entry *v = NULL;
    size_t n = 0;
    size_t done = 0;
    wb_err rc = wb_site_register_list(s, WB_MODEL_REGISTER, NULL, &d, &n);

    *out = NULL;
    *count = 0;
    if (rc == WB_OK && n > 0) {
        v = wb__calloc(n, sizeof *v);
        rc = v ? WB_OK : WB_ERR_NOMEM;
    }
    for (; rc == WB_OK && done < n; done++) {
        rc = bind_entry(s, &d[done], &v[done], from_doc(&d[done], &v[done]));
    }
    if (rc == WB_OK) {
        *out = v;
        *count = n;
        v = NULL;
    }
    wb_model_entries_free(v, done);
    wb_register_docs_free(d, n);
    return rc;
}

wb_err
wb_model_verify(struct wb_site *s,
                const char *id,
                struct wb_model_package **out)
{
    struct wb_model_entry e;
    struct wb_verifier *v = NULL;
    struct wb_model_package *p = NULL;
    char dir[4096];
    wb_err rc = wb_model_get(s, id, &e);

    if (out != NULL) {
        *out = NULL;
    }
    if (rc == WB_OK) {
        rc = wb_verifier_from_note_key(e.vendor_key, strlen(e.vendor_key), &v);
    }
    if (rc == WB_OK) {
        rc = models_dir(s, e.id, dir, sizeof dir);
    }
    if (rc == WB_OK) {
        rc = wb__model_package_check(dir, e.manifest_bytes,
                                     strlen(e.manifest_bytes), e.signature,
                                     strlen(e.signature), v, NULL, NULL, &p);
    }
    if (rc != WB_OK && e.id[0] != '\0') {
        wb__err_prefix("model %s", e.id);
    }
    if (rc == WB_OK && out != NULL) {
        *out = p;
        p = NULL;
    }
    wb_model_package_free(p);
    wb_verifier_free(v);
    wb_model_entry_clear(&e);
    return rc;
}

void
wb_model_entry_clear(struct wb_model_entry *e)
{
    if (e == NULL) {
        return;
    }
    wb__free(e->vendor_key);
    wb__free(e->manifest_bytes);
    wb__free(e->signature);
    wb_model_manifest_free(e->manifest);
    memset(e, 0, sizeof *e);
}

void
wb_model_entries_free(struct wb_model_entry *v, size_t count)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        wb_model_entry_clear(&v[i]);
    }
    wb__free(v);
}
