/* SPDX-License-Identifier: Apache-2.0 */
/* Model package directories: pack, the vendor's signature over the
 * manifest bytes, and reading a package so that every file is read once
 * and checked against the signed digest before anything else sees it. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infer/infer_int.h"

#define DASH "\xe2\x80\x94 " /* "— ", as signed-note signature lines */

/* The signed message: context prefix then the manifest bytes. */
static wb_err
message(const char *manifest, size_t len, struct wb__buf *b)
{
    wb__buf_init(b, WB_MODEL_MANIFEST_MAX + 64);
    if (wb__buf_append(b, WB__MODEL_SIG_CONTEXT,
                       strlen(WB__MODEL_SIG_CONTEXT)) != WB_OK ||
        wb__buf_append(b, manifest, len) != WB_OK) {
        wb__buf_clear(b);
        return WB_ERR_NOMEM;
    }
    return WB_OK;
}

wb_err
wb__model_sig_make(const struct wb_signer *s,
                   const char *manifest,
                   size_t len,
                   char **out)
{
    uint8_t raw[WB_KEY_ID_BYTES + WB_SIG_MAX_BYTES];
    size_t sig_len = 0;
    char *b64 = NULL;
    struct wb__buf msg;
    struct wb__buf line;
    wb_err rc;

    *out = NULL;
    if (wb_signer_alg(s) != WB_ALG_EDDSA) {
        return wb__err(WB_ERR_INVAL, "model signature: the vendor key must "
                                     "be Ed25519");
    }
    rc = message(manifest, len, &msg);
    if (rc != WB_OK) {
        return rc;
    }
    wb_signer_key_id(s, raw);
    rc = wb_signer_sign(s, msg.data, msg.len, raw + WB_KEY_ID_BYTES, &sig_len);
    wb__buf_clear(&msg);
    if (rc == WB_OK) {
        rc = wb_base64_encode(raw, WB_KEY_ID_BYTES + sig_len, &b64);
    }
    wb__buf_init(&line, WB_MODEL_SIG_MAX);
    if (rc == WB_OK) {
        rc = wb__buf_printf(&line, DASH "%s %s\n", wb_signer_name(s), b64);
    }
    if (rc == WB_OK) {
        rc = wb__buf_cstr(&line);
    }
    if (rc == WB_OK) {
        *out = (char *)wb__buf_take(&line, NULL);
    }
    wb__buf_clear(&line);
    wb_free(b64);
    return rc;
}

wb_err
wb__model_sig_check(const char *sig,
                    size_t sig_len,
                    const char *manifest,
                    size_t len,
                    const struct wb_verifier *v)
{
    const char *name = sig + strlen(DASH);
    const char *sp;
    uint8_t id[WB_KEY_ID_BYTES];
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    struct wb__buf msg;
    wb_err rc;

    if (sig_len < strlen(DASH) + 3 || memcmp(sig, DASH, strlen(DASH)) != 0 ||
        sig[sig_len - 1] != '\n' ||
        memchr(sig, '\n', sig_len) != sig + sig_len - 1) {
        return wb__err(WB_ERR_FORMAT,
                       "%s: want one line \"— NAME "
                       "BASE64\\n\"",
                       WB_MODEL_SIGNATURE_FILE);
    }
    sp = memchr(name, ' ', (size_t)(sig + sig_len - name));
    if (sp == NULL || sp == name) {
        return wb__err(WB_ERR_FORMAT, "%s: no key name",
                       WB_MODEL_SIGNATURE_FILE);
    }
    if (wb_base64_decode(sp + 1, (size_t)(sig + sig_len - 1 - (sp + 1)), &raw,
                         &raw_len) != WB_OK ||
        raw_len != WB_KEY_ID_BYTES + 64) {
        wb_free(raw);
        wb_errmsg_clear();
        return wb__err(WB_ERR_FORMAT,
                       "%s: the signature is not base64 of a "
                       "key id and an Ed25519 signature",
                       WB_MODEL_SIGNATURE_FILE);
    }
    wb_verifier_key_id(v, id);
    if ((size_t)(sp - name) != strlen(wb_verifier_name(v)) ||
        memcmp(name, wb_verifier_name(v), (size_t)(sp - name)) != 0 ||
        memcmp(raw, id, WB_KEY_ID_BYTES) != 0) {
        char got[2 * WB_KEY_ID_BYTES + 1];
        char want[2 * WB_KEY_ID_BYTES + 1];
        wb_hex_encode(raw, WB_KEY_ID_BYTES, got);
        wb_hex_encode(id, WB_KEY_ID_BYTES, want);
        rc = wb__err(WB_ERR_BADSIG,
                     "the package is signed by key \"%.*s\" (id %s), not by "
                     "the vendor key \"%s\" (id %s)",
                     (int)(sp - name), name, got, wb_verifier_name(v), want);
        wb_free(raw);
        return rc;
    }
    rc = message(manifest, len, &msg);
    if (rc == WB_OK) {
        rc = wb_verifier_verify(v, msg.data, msg.len, raw + WB_KEY_ID_BYTES,
                                raw_len - WB_KEY_ID_BYTES);
        if (rc == WB_ERR_BADSIG) {
            rc = wb__err(rc,
                         "%s: the signature of key \"%s\" does not "
                         "verify over %s",
                         WB_MODEL_SIGNATURE_FILE, wb_verifier_name(v),
                         WB_MODEL_MANIFEST_FILE);
        }
        wb__buf_clear(&msg);
    }
    wb_free(raw);
    return rc;
}

/* dir/name into buf. */
static wb_err
join(const char *dir, const char *name, char *buf, size_t len)
{
    if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len) {
        return wb__err(WB_ERR_INVAL, "%s: path too long", dir);
    }
    return WB_OK;
}

/* Write bytes to a new file (exclusive create, fsync). */
static wb_err
write_new(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    wb_err rc = WB_OK;

    if (fd < 0) {
        return wb__err(errno == EEXIST ? WB_ERR_EXISTS : WB_ERR_IO, "%s: %s",
                       path, strerror(errno));
    }
    if (write(fd, p, n) != (ssize_t)n || fsync(fd) != 0) {
        rc = wb__err(WB_ERR_IO, "%s: %s", path, strerror(errno));
    }
    close(fd);
    return rc;
}

/* Replace path with bytes (write a temp file, fsync, rename). */
static wb_err
write_replace(const char *path, const void *p, size_t n)
{
    char tmp[4096];
    wb_err rc;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        return wb__err(WB_ERR_INVAL, "%s: path too long", path);
    }
    unlink(tmp);
    rc = write_new(tmp, p, n);
    if (rc == WB_OK && rename(tmp, path) != 0) {
        rc = wb__err(WB_ERR_IO, "%s: %s", path, strerror(errno));
    }
    if (rc != WB_OK) {
        unlink(tmp);
    }
    return rc;
}

/* Does the spec (within its cap) name "files", which pack computes? */
static bool
spec_has_files(const char *spec, size_t len)
{
    json_t *r =
        len <= WB_MODEL_SPEC_MAX ? json_loadb(spec, len, 0, NULL) : NULL;
    bool has = json_is_object(r) && json_object_get(r, "files") != NULL;

    json_decref(r);
    return has;
}

wb_err
wb_model_pack(const char *spec,
              size_t spec_len,
              const char *model_path,
              const char *out_dir)
{
    struct wb_model_manifest *m = NULL;
    uint8_t *model = NULL;
    size_t model_len = 0;
    char *bytes = NULL;
    size_t len = 0;
    char path[4096];
    bool made = false;
    wb_err rc = spec_has_files(spec, spec_len)
                    ? wb__err(WB_ERR_FORMAT, "spec: \"files\": pack computes "
                                             "them; leave the field out")
                    : wb_model_manifest_parse(spec, spec_len, true, &m);

    if (rc == WB_OK) {
        rc = wb_model_manifest_places_check(m);
    }
    if (rc == WB_OK) {
        rc = wb__read_file(model_path, WB_MODEL_FILE_MAX, &model, &model_len);
    }
    if (rc == WB_OK) {
        m->files = wb__calloc(1, sizeof *m->files);
        rc = m->files ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK) {
        m->file_count = 1;
        m->files[0].path = wb__strdup(m->model_file);
        m->files[0].bytes = model_len;
        wb_sha256(model, model_len, m->files[0].sha256);
        rc = m->files[0].path ? wb_model_manifest_encode(m, &bytes, &len)
                              : WB_ERR_NOMEM;
    }
    if (rc == WB_OK && len > WB_MODEL_MANIFEST_MAX) {
        /* the spec fits, but not with "files": sign would refuse it */
        rc = wb__err(WB_ERR_TOOBIG,
                     "spec: the manifest with \"files\" would be %zu bytes, "
                     "over the %d-byte limit; nothing written",
                     len, WB_MODEL_MANIFEST_MAX);
    }
    if (rc == WB_OK && mkdir(out_dir, 0755) != 0) {
        rc = wb__err(errno == EEXIST ? WB_ERR_EXISTS : wb_err_from_errno(errno),
                     "%s: %s", out_dir, strerror(errno));
    }
    made = rc == WB_OK;
    if (rc == WB_OK) {
        rc = join(out_dir, m->model_file, path, sizeof path);
    }
    if (rc == WB_OK) {
        rc = write_new(path, model, model_len);
    }
    if (rc == WB_OK) {
        rc = join(out_dir, WB_MODEL_MANIFEST_FILE, path, sizeof path);
    }
    if (rc == WB_OK) {
        rc = write_new(path, bytes, len);
    }
    if (rc != WB_OK && made) {
        if (join(out_dir, m->model_file, path, sizeof path) == WB_OK) {
            unlink(path);
        }
        rmdir(out_dir);
    }
    wb_model_manifest_free(m);
    wb_free(model);
    wb__free(bytes);
    return rc;
}

/* Read dir's manifest bytes (and its signature, when sig != NULL). */
static wb_err
read_manifest(const char *dir,
              uint8_t **manifest,
              size_t *len,
              uint8_t **sig,
              size_t *sig_len)
{
    char path[4096];
    wb_err rc = join(dir, WB_MODEL_MANIFEST_FILE, path, sizeof path);

    if (rc == WB_OK) {
        rc = wb__read_file(path, WB_MODEL_MANIFEST_MAX, manifest, len);
    }
    if (rc != WB_OK || sig == NULL) {
        return rc;
    }
    rc = join(dir, WB_MODEL_SIGNATURE_FILE, path, sizeof path);
    if (rc == WB_OK && access(path, F_OK) != 0 && errno == ENOENT) {
        rc = wb__err(WB_ERR_BADSIG,
                     "package %s is not signed: no %s (waybill model sign)",
                     dir, WB_MODEL_SIGNATURE_FILE);
    }
    if (rc == WB_OK) {
        rc = wb__read_file(path, WB_MODEL_SIG_MAX, sig, sig_len);
    }
    return rc;
}

/* Read package file path of f: a file the manifest lists that is
 * missing, unreadable or over the cap refuses the package (WB_ERR_VERIFY,
 * as a digest mismatch does), naming the file. */
static wb_err
read_listed(const char *path,
            const struct wb_model_file *f,
            uint8_t **bytes,
            size_t *n)
{
    char why[512];
    wb_err rc = wb__read_file(path, WB_MODEL_FILE_MAX, bytes, n);

    if (rc == WB_OK || rc == WB_ERR_NOMEM) {
        return rc;
    }
    snprintf(why, sizeof why, "%s", wb_errmsg()); /* wb__err writes there */
    return wb__err(WB_ERR_VERIFY,
                   "%s: listed in the manifest but not readable (%s); "
                   "nothing loaded",
                   f->path, why);
}

/* Every file of m in dir, each read once: size and digest must match;
 * each checked buffer goes to fn (may be NULL); model_file's bytes are
 * kept in p. */
static wb_err
check_files(const char *dir,
            const struct wb_model_manifest *m,
            wb__model_file_fn fn,
            void *ctx,
            struct wb_model_package *p)
{
    char path[4096];
    uint8_t h[WB_HASH_BYTES];
    wb_err rc = WB_OK;

    if (fn != NULL) {
        rc = fn(ctx, m, NULL, NULL, 0); /* the manifest holds: files next */
    }
    for (size_t i = 0; i < m->file_count && rc == WB_OK; i++) {
        const struct wb_model_file *f = &m->files[i];
        uint8_t *bytes = NULL;
        size_t n = 0;
        rc = join(dir, f->path, path, sizeof path);
        if (rc == WB_OK) {
            rc = read_listed(path, f, &bytes, &n);
        }
        if (rc == WB_OK) {
            wb_sha256(bytes, n, h);
            if (n != f->bytes) {
                rc = wb__err(WB_ERR_VERIFY,
                             "%s: digest mismatch: %zu bytes, not the %llu "
                             "the manifest names; nothing loaded",
                             f->path, n, (unsigned long long)f->bytes);
            } else if (memcmp(h, f->sha256, WB_HASH_BYTES) != 0) {
                rc = wb__err(WB_ERR_VERIFY,
                             "%s: digest mismatch: its SHA-256 is not the "
                             "one the manifest names; nothing loaded",
                             f->path);
            }
        }
        if (rc == WB_OK && fn != NULL) {
            rc = fn(ctx, m, f, bytes, n); /* the very bytes just checked */
        }
        if (rc == WB_OK && strcmp(f->path, m->model_file) == 0) {
            p->model = bytes;
            p->model_len = n;
            bytes = NULL;
        }
        wb_free(bytes);
    }
    return rc;
}

wb_err
wb__model_package_check(const char *dir,
                        const char *manifest,
                        size_t manifest_len,
                        const char *sig,
                        size_t sig_len,
                        const struct wb_verifier *v,
                        wb__model_file_fn fn,
                        void *ctx,
                        struct wb_model_package **out)
{
    struct wb_model_package *p = wb__calloc(1, sizeof *p);
    wb_err rc = p ? WB_OK : WB_ERR_NOMEM;

    *out = NULL;
    if (rc == WB_OK) {
        rc = wb__model_sig_check(sig, sig_len, manifest, manifest_len, v);
    }
    if (rc == WB_OK) {
        rc = wb_model_manifest_parse(manifest, manifest_len, false,
                                     &p->manifest);
    }
    if (rc == WB_OK) {
        p->manifest_bytes = wb__strndup(manifest, manifest_len);
        p->signature = wb__strndup(sig, sig_len);
        p->manifest_len = manifest_len;
        rc = p->manifest_bytes && p->signature ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK) {
        wb_model_digest((const uint8_t *)manifest, manifest_len, p->digest);
        snprintf(p->signer, sizeof p->signer, "%s", wb_verifier_name(v));
        rc = check_files(dir, p->manifest, fn, ctx, p);
    }
    if (rc == WB_OK) {
        *out = p;
        p = NULL;
    }
    wb_model_package_free(p);
    return rc;
}

wb_err
wb_model_package_read(const char *dir,
                      const struct wb_verifier *v,
                      struct wb_model_package **out)
{
    return wb__model_package_read(dir, v, NULL, NULL, out);
}

wb_err
wb__model_package_read(const char *dir,
                       const struct wb_verifier *v,
                       wb__model_file_fn fn,
                       void *ctx,
                       struct wb_model_package **out)
{
    uint8_t *manifest = NULL;
    uint8_t *sig = NULL;
    size_t len = 0;
    size_t sig_len = 0;
    wb_err rc;

    if (out == NULL || dir == NULL || v == NULL) {
        return wb__err(WB_ERR_INVAL, "model package: missing argument");
    }
    *out = NULL;
    rc = read_manifest(dir, &manifest, &len, &sig, &sig_len);
    if (rc == WB_OK) {
        rc = wb__model_package_check(dir, (const char *)manifest, len,
                                     (const char *)sig, sig_len, v, fn, ctx,
                                     out);
    }
    wb_free(manifest);
    wb_free(sig);
    return rc;
}

void
wb_model_package_free(struct wb_model_package *p)
{
    if (p == NULL) {
        return;
    }
    wb_model_manifest_free(p->manifest);
    wb__free(p->manifest_bytes);
    wb__free(p->signature);
    wb_free(p->model);
    wb__free(p);
}

wb_err
wb_model_sign(const char *dir, const struct wb_signer *s)
{
    struct wb_model_manifest *m = NULL;
    struct wb_model_package p;
    uint8_t *manifest = NULL;
    size_t len = 0;
    char *line = NULL;
    char path[4096];
    wb_err rc = read_manifest(dir, &manifest, &len, NULL, NULL);

    memset(&p, 0, sizeof p);
    if (rc == WB_OK) {
        rc = wb_model_manifest_parse((const char *)manifest, len, false, &m);
    }
    if (rc == WB_OK) {
        rc = check_files(dir, m, NULL, NULL, &p);
    }
    if (rc == WB_OK) {
        rc = wb__model_sig_make(s, (const char *)manifest, len, &line);
    }
    if (rc == WB_OK) {
        rc = join(dir, WB_MODEL_SIGNATURE_FILE, path, sizeof path);
    }
    if (rc == WB_OK) {
        rc = write_replace(path, line, strlen(line));
    }
    wb_free(p.model);
    wb__free(line);
    wb_free(manifest);
    wb_model_manifest_free(m);
    return rc;
}
