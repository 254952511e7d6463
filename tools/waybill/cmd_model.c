/* SPDX-License-Identifier: Apache-2.0 */
/* waybill model pack|sign|register|list|show|verify|audit: signed model
 * packages and the site's model register. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill model pack SPEC --model FILE --out DIR\n"
    "       waybill model sign DIR --key-file VENDOR.key\n"
    "       waybill model register DIR --vendor-key VKEY\n"
    "       waybill model list | model show ID | model audit ID\n"
    "       waybill model verify DIR --key VKEY   (a package, offline)\n"
    "       waybill model verify ID               (a registered model)";

struct margs {
    const char *pos; /* SPEC, DIR or ID */
    const char *model;
    const char *out;
    const char *key;
};

/* One positional argument and the options in allowed ("mokv"). */
static int
parse(const struct cli *c,
      int argc,
      char **argv,
      const char *allowed,
      struct margs *a)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},
        {"out", required_argument, 0, 'o'},
        {"key-file", required_argument, 0, 'k'},
        {"vendor-key", required_argument, 0, 'v'},
        {"key", required_argument, 0, 'v'},
        {0, 0, 0, 0}};
    int ch;

    memset(a, 0, sizeof *a);
    optind = 1;
    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == '?' || strchr(allowed, ch) == NULL) {
            return cli_usage(c, "%s", usage);
        }
        const char **to = ch == 'm' ? &a->model : ch == 'o' ? &a->out : &a->key;
        if (*to != NULL) {
            return cli_usage(c, "--%s: give it once",
                             ch == 'm'   ? "model"
                             : ch == 'o' ? "out"
                             : ch == 'k' ? "key-file"
                                         : "vendor-key (or --key)");
        }
        *to = optarg;
    }
    if (optind + 1 != argc) {
        return cli_usage(c, "%s", usage);
    }
    a->pos = argv[optind];
    return 0;
}

/* Verifier key text from an argument: a file holding it, or the text. */
static wb_err
key_text(const char *arg, char **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    wb_err rc;

    *out = NULL;
    if (access(arg, R_OK) != 0 && errno != ENOENT) {
        wb_errmsg_set("%s: %s", arg, strerror(errno)); /* there, unreadable */
        return WB_ERR_IO;
    }
    if (access(arg, R_OK) != 0 && strchr(arg, '+') == NULL) {
        /* meant as a file: say so rather than how a key is written */
        wb_errmsg_set("%s: no such file, nor a verifier key "
                      "(name+hex8+base64)",
                      arg);
        return WB_ERR_NOTFOUND;
    }
    if (access(arg, R_OK) != 0) {
        *out = strdup(arg);
        return *out ? WB_OK : WB_ERR_NOMEM;
    }
    rc = cli_read(arg, 4096, &buf, &len);
    while (rc == WB_OK && len > 0 &&
           (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        buf[--len] = '\0';
    }
    *out = (char *)buf;
    return rc;
}

/* The vendor's own check of spec's purposes against the vocabulary the
 * CLI finds: a site with that vocabulary refuses to register a model
 * intended for a purpose outside it. A warning, since the vendor may pack
 * for a site whose vocabulary is larger. */
static void
warn_purposes(const struct cli *c,
              const char *path,
              const uint8_t *spec,
              size_t len)
{
    struct wb_model_manifest *m = NULL;
    struct wb_policy *pol = NULL;
    char site[4096];
    const char *dir = cli_profiles_dir(c, site, sizeof site);

    if (wb_model_manifest_parse((const char *)spec, len, true, &m) != WB_OK) {
        wb_errmsg_clear(); /* it packed: cannot happen */
        return;
    }
    if (wb_policy_load_dir(dir, &pol) != WB_OK) {
        fprintf(stderr,
                "waybill model: warning: %s: the purposes were not checked "
                "against a purpose vocabulary (%s)\n",
                path, wb_errmsg());
        wb_errmsg_clear();
    }
    for (size_t i = 0; pol != NULL && i < m->purpose_count; i++) {
        if (wb_policy_purpose_find(pol, m->purposes[i]) < 0) {
            fprintf(stderr,
                    "waybill model: warning: %s: \"purposes[%zu]\": \"%s\" "
                    "is not in the purpose vocabulary: a site with it "
                    "refuses to register the model\n",
                    path, i, m->purposes[i]);
        }
    }
    wb_policy_free(pol);
    wb_model_manifest_free(m);
}

static int
model_pack(const struct cli *c, const struct margs *a)
{
    uint8_t *spec = NULL;
    size_t len = 0;
    wb_err rc;

    if (a->model == NULL || a->out == NULL) {
        return cli_usage(c, "model pack needs --model FILE and --out DIR");
    }
    rc = cli_read(a->pos, WB_MODEL_SPEC_MAX, &spec, &len);
    if (rc == WB_OK) {
        rc = wb_model_pack((const char *)spec, len, a->model, a->out);
    }
    if (rc == WB_OK) {
        warn_purposes(c, a->pos, spec, len);
    }
    free(spec);
    if (rc == WB_ERR_FORMAT) {
        return cli_fail(c, rc, "%s", a->pos); /* the spec's content */
    }
    if (rc != WB_OK) {
        return cli_fail(c, rc, "pack"); /* names the model file or --out */
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:s}", "ok", 1, "package", a->out));
    } else {
        printf("packed %s\n", a->out);
    }
    return 0;
}

static int
model_sign(const struct cli *c, const struct margs *a)
{
    uint8_t *text = NULL;
    size_t len = 0;
    struct wb_signer *k = NULL;
    wb_err rc;

    if (a->key == NULL) {
        return cli_usage(c, "model sign needs --key-file VENDOR.key");
    }
    rc = cli_read(a->key, 4096, &text, &len);
    if (rc == WB_OK) {
        rc = wb_signer_from_note_key((const char *)text, len, &k);
    }
    if (text != NULL) {
        wb_wipe(text, len);
        free(text);
    }
    if (rc != WB_OK) {
        return cli_fail(c, rc, "%s", a->key);
    }
    rc = wb_model_sign(a->pos, k);
    if (rc == WB_OK && c->json) {
        cli_json(json_pack("{s:b, s:s, s:s}", "ok", 1, "package", a->pos,
                           "signer", wb_signer_name(k)));
    } else if (rc == WB_OK) {
        printf("signed %s with %s\n", a->pos, wb_signer_name(k));
    }
    wb_signer_free(k);
    return rc == WB_OK ? 0 : cli_fail(c, rc, "%s", a->pos);
}

static json_t *
strings(char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

static void
print_list(const char *label, char *const *v, size_t n)
{
    printf("%s:", label);
    for (size_t i = 0; i < n; i++) {
        printf("%s %s", i ? "," : "", v[i]);
    }
    printf("%s\n", n ? "" : " -");
}

/* One registered model as text or JSON ({"ok": true, ...} when it was
 * just registered, as every command that writes reports). */
static void
show_entry(const struct cli *c, const struct wb_model_entry *e, bool done)
{
    const struct wb_model_manifest *m = e->manifest;
    char hex[2 * WB_HASH_BYTES + 1];

    wb_hex_encode(e->digest, WB_HASH_BYTES, hex);
    if (c->json) {
        json_t *j = json_pack(
            "{s:b, s:s, s:s, s:I, s:s, s:o}", "ok", 1, "id", e->id, "digest",
            hex, "entry", (json_int_t)e->entry, "vendor_key", e->vendor_key,
            "manifest", json_loads(e->manifest_bytes, 0, NULL));
        if (!done && j != NULL) {
            json_object_del(j, "ok"); /* a read: the document alone */
        } else if (j != NULL && e->restored != 0) {
            json_object_set_new(j, "restored",
                                json_integer((json_int_t)e->restored));
        }
        cli_json(j);
        return;
    }
    printf("model %s (entry %llu)\ndigest %s\nvendor %s\nvendor key %s\n",
           e->id, (unsigned long long)e->entry, hex, m->vendor, e->vendor_key);
    printf("runtime %s, file %s\ninput:", m->runtime, m->model_file);
    for (size_t i = 0; i < m->input_count; i++) {
        printf("%s %s <- field %s (%s)", i ? "," : "", m->input[i].name,
               m->input[i].field, m->input[i].unit);
    }
    printf("\noutput:");
    for (size_t i = 0; i < m->output_count; i++) {
        printf("%s %s (%s)", i ? "," : "", m->output[i].name,
               m->output[i].unit);
    }
    printf("\n");
    print_list("purposes", m->purposes, m->purpose_count);
    print_list("out of scope", m->out_of_scope, m->out_of_scope_count);
    print_list("runs in", m->run_in, m->run_in_count);
    print_list("outputs kept in", m->output_to, m->output_to_count);
    printf("training data: %s\n", m->training_data);
    for (size_t i = 0; i < m->file_count; i++) {
        wb_hex_encode(m->files[i].sha256, WB_HASH_BYTES, hex);
        printf("file %s %llu bytes sha256 %s\n", m->files[i].path,
               (unsigned long long)m->files[i].bytes, hex);
    }
}

static int
model_register(const struct cli *c, const struct margs *a)
{
    struct wb_policy *pol = NULL;
    struct wb_site *s = NULL;
    struct wb_model_entry e;
    char *vkey = NULL;
    wb_err rc;
    int code;

    if (a->key == NULL) {
        return cli_usage(c, "model register needs --vendor-key VKEY");
    }
    /* the key argument is the caller's, checked before the site opens
     * (a key that does not parse is the registration's refusal, logged) */
    rc = key_text(a->key, &vkey);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "--vendor-key");
    }
    code = cli_open(c, &s);
    if (code != 0) {
        free(vkey);
        return code;
    }
    code = cli_policy(c, &pol);
    if (code != 0) {
        free(vkey);
        wb_site_close(s);
        return code;
    }
    rc = wb_model_register_checked(s, pol, a->pos, vkey, &e);
    if (rc == WB_OK) {
        if (c->json) {
            show_entry(c, &e, true);
        } else {
            if (e.restored != 0) {
                printf("restored the site's copy of model %s (registered "
                       "at entry %llu; logged as decision entry %llu)\n",
                       e.id, (unsigned long long)e.entry,
                       (unsigned long long)e.restored);
            } else {
                printf("registered model %s (entry %llu)\n", e.id,
                       (unsigned long long)e.entry);
            }
        }
        wb_model_entry_clear(&e);
    } else {
        /* a key read from a file: the file is named with its fault */
        const char *kf = strstr(wb_errmsg(), "vendor key:") != NULL &&
                                 access(a->key, R_OK) == 0
                             ? a->key
                             : NULL;
        const char *why = NULL;
        uint64_t entry = wb_infer_refused_entry(&why);
        code = cli_fail_json(
            c, rc,
            entry != 0 ? json_pack("{s:{s:I, s:s}}", "refused", "decision",
                                   (json_int_t)entry, "why", why)
                       : NULL,
            "%s refused%s%s%s", a->pos, kf ? " (vendor key file " : "",
            kf ? kf : "", kf ? ")" : "");
    }
    free(vkey);
    wb_policy_free(pol);
    wb_site_close(s);
    return code;
}

static int
model_list(const struct cli *c, struct wb_site *s)
{
    struct wb_model_entry *v = NULL;
    size_t n = 0;
    char hex[2 * WB_HASH_BYTES + 1];
    json_t *a = c->json ? json_array() : NULL;
    wb_err rc = wb_model_list(s, &v, &n);

    if (rc != WB_OK) {
        json_decref(a);
        return cli_fail(c, rc, "model list");
    }
    for (size_t i = 0; i < n; i++) {
        const struct wb_model_manifest *m = v[i].manifest;
        wb_hex_encode(v[i].digest, WB_HASH_BYTES, hex);
        if (a != NULL) {
            json_array_append_new(
                a, json_pack("{s:s, s:s, s:I, s:s, s:o}", "id", v[i].id,
                             "digest", hex, "entry", (json_int_t)v[i].entry,
                             "runtime", m->runtime, "purposes",
                             strings(m->purposes, m->purpose_count)));
        } else {
            printf("%s\t%.16s\tentry %llu\t%s\t%s\n", v[i].id, hex,
                   (unsigned long long)v[i].entry, m->runtime, m->purposes[0]);
        }
    }
    if (a != NULL) {
        cli_json(json_pack("{s:o}", "models", a));
    }
    wb_model_entries_free(v, n);
    return 0;
}

/* verify DIR --key VKEY (offline) or verify ID (the site's copy). */
static int
model_verify(const struct cli *c, const struct margs *a)
{
    struct wb_model_package *p = NULL;
    struct wb_verifier *v = NULL;
    struct wb_site *s = NULL;
    char hex[2 * WB_HASH_BYTES + 1];
    wb_err rc;
    int code = 0;

    if (a->key != NULL) {
        rc = cli_verifier(a->key, &v);
        if (rc != WB_OK) {
            return cli_fail(c, rc, "%s", a->key);
        }
        rc = wb_model_package_read(a->pos, v, &p);
    } else {
        code = cli_open(c, &s);
        if (code != 0) {
            return code;
        }
        rc = wb_model_verify(s, a->pos, &p);
    }
    if (rc == WB_OK) {
        wb_hex_encode(p->digest, WB_HASH_BYTES, hex);
        if (c->json) {
            cli_json(json_pack("{s:b, s:s, s:s, s:s, s:s}", "ok", 1, "model",
                               p->manifest->name, "version",
                               p->manifest->version, "digest", hex, "signer",
                               p->signer));
        } else {
            printf("ok: %s@%s signed by %s, %zu file(s) match, digest %s\n",
                   p->manifest->name, p->manifest->version, p->signer,
                   p->manifest->file_count, hex);
        }
    } else {
        /* the site's copy is named by the library; a package's file by
         * its name in the package: the package is named here */
        struct stat st;
        bool dir = stat(a->pos, &st) == 0 && S_ISDIR(st.st_mode);
        size_t n = strlen(a->pos);
        char was[1024];
        snprintf(was, sizeof was, "%s", wb_errmsg());
        if (rc == WB_ERR_NOTFOUND && a->key == NULL && dir) {
            wb_errmsg_set("%s (%s is a directory: a package is verified "
                          "with --key VKEY)",
                          was, a->pos);
        } else if (a->key != NULL && !dir && strchr(a->pos, '@') != NULL) {
            wb_errmsg_set("%s (%s is no package directory: a registered "
                          "model is verified without --key)",
                          was, a->pos);
        }
        code = a->key != NULL && strncmp(was, a->pos, n) != 0 &&
                       strstr(was, a->pos) == NULL
                   ? cli_fail(c, rc, "verify: package %s", a->pos)
                   : cli_fail(c, rc, "verify");
    }
    wb_model_package_free(p);
    wb_verifier_free(v);
    wb_site_close(s);
    return code;
}

static int
model_site(const struct cli *c, const char *sub, const struct margs *a)
{
    struct wb_site *s = NULL;
    struct wb_model_entry e;
    wb_err rc = WB_OK;
    int code = cli_open(c, &s);

    if (code != 0) {
        return code;
    }
    if (strcmp(sub, "list") == 0) {
        code = model_list(c, s);
    } else if (strcmp(sub, "show") == 0) {
        rc = wb_model_get(s, a->pos, &e);
        if (rc == WB_OK) {
            show_entry(c, &e, false);
            wb_model_entry_clear(&e);
        }
    } else {
        rc = wb_model_audit_report(s, a->pos, c->json, stdout, NULL);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "%s", sub); /* after "waybill model: " */
    }
    wb_site_close(s);
    return code;
}

int
cmd_model(struct cli *c, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    struct margs a;
    int code;

    if (strcmp(sub, "list") == 0) {
        if (argc != 2) {
            cli_unexpected(argc, argv, 2);
            return cli_usage(c, "%s", usage);
        }
        memset(&a, 0, sizeof a);
        return model_site(c, sub, &a);
    }
    if (strcmp(sub, "pack") == 0) {
        code = parse(c, argc - 1, argv + 1, "mo", &a);
        return code ? code : model_pack(c, &a);
    }
    if (strcmp(sub, "sign") == 0) {
        code = parse(c, argc - 1, argv + 1, "k", &a);
        return code ? code : model_sign(c, &a);
    }
    if (strcmp(sub, "register") == 0) {
        code = parse(c, argc - 1, argv + 1, "v", &a);
        return code ? code : model_register(c, &a);
    }
    if (strcmp(sub, "verify") == 0) {
        code = parse(c, argc - 1, argv + 1, "v", &a);
        return code ? code : model_verify(c, &a);
    }
    if (strcmp(sub, "show") == 0 || strcmp(sub, "audit") == 0) {
        code = parse(c, argc - 1, argv + 1, "", &a);
        return code ? code : model_site(c, sub, &a);
    }
    return cli_usage(c, "%s%s%s\n%s",
                     sub[0] ? "unknown model command \""
                            : "which model command?",
                     sub, sub[0] ? "\"" : "", usage);
}
