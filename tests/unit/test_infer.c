/* SPDX-License-Identifier: Apache-2.0 */
/* Governed inference through the public API: the manifest (round trip and
 * must-fail), packages (unsigned, wrong signer, a flipped model byte refused
 * before the runtime sees it), predictions equal to python-xgboost's on the
 * same rows (tests/models/expected.txt), the per-record checks (consent
 * withdrawn, residency, jurisdiction, schema) logged as decisions, log-only
 * mode giving the same outputs, hooks, lineage (parents = input leaf
 * hashes, model = package digest, token and inclusion proof verify) and the
 * audit summary. */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "core/core_int.h"
#include "fake_clock.h"
#include "tinytest.h"

#define MODELS WB_SRC_DIR "/tests/models"
#define ID     "bearing-risk@1.0.0"

static char dir[64];
static char path[256];
static struct wb_policy *pol;

static char *
slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    char *buf = calloc(1, 1 << 20);
    size_t n = 0;

    if (f != NULL && buf != NULL) {
        n = fread(buf, 1, (1 << 20) - 1, f);
        fclose(f);
    }
    *len = n;
    return buf;
}

static const char *
at(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* ---- manifest -------------------------------------------------------------
 */

static void
test_manifest(void)
{
    size_t len = 0;
    char *spec = slurp(MODELS "/bearing-risk.spec.json", &len);
    struct wb_model_manifest *m = NULL;
    struct wb_model_manifest *again = NULL;
    char *b1 = NULL;
    char *b2 = NULL;
    size_t n1 = 0;
    size_t n2 = 0;
    static const struct {
        const char *json;
        const char *field;
    } bad[] = {
        {"[]", "not a JSON object"},
        {"{\"format\":\"waybill-model/1\",\"format\":\"x\"}", "duplicate"},
        {"{\"colour\":1}", "\"colour\": unknown field"},
        {"{\"format\":\"waybill-model/2\"}", "\"format\""},
    };

    TT_CHECK(wb_model_manifest_parse(spec, len, true, &m) == WB_OK);
    TT_CHECK(wb_model_manifest_parse(spec, len, false, &again) ==
             WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "\"files\": missing") != NULL);
    if (m != NULL) {
        TT_CHECK(m->input_count == 3 &&
                 strcmp(m->input[1].field, "temp_c") == 0);
        TT_CHECK(m->run_in_count == 2 && strcmp(m->run_in[1], "CN") == 0);
        TT_CHECK(wb_model_manifest_encode(m, &b1, &n1) == WB_OK);
        TT_CHECK(b1 != NULL && b1[n1 - 1] == '\n' && b1[0] == '{');
        TT_CHECK(wb_model_manifest_parse(b1, n1, true, &again) == WB_OK);
        TT_CHECK(wb_model_manifest_encode(again, &b2, &n2) == WB_OK);
        TT_CHECK(n1 == n2 && b2 != NULL && memcmp(b1, b2, n1) == 0);
        wb_model_manifest_free(again);
        again = NULL;
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wb_model_manifest *x = NULL;
        TT_CHECK(wb_model_manifest_parse(bad[i].json, strlen(bad[i].json), true,
                                         &x) == WB_ERR_FORMAT);
        TT_CHECK_MSG(strstr(wb_errmsg(), bad[i].field) != NULL, "%s",
                     wb_errmsg());
        TT_CHECK(x == NULL);
    }
    {
        /* a bad jurisdiction code, named */
        char *t = strdup(spec);
        char *p = strstr(t, "\"CN\"");
        memcpy(p, "\"Cn\"", 4);
        TT_CHECK(wb_model_manifest_parse(t, strlen(t), true, &again) ==
                 WB_ERR_FORMAT);
        TT_CHECK(strstr(wb_errmsg(), "jurisdictions.run[1]") != NULL);
        free(t);
    }
    {
        /* a nested field's path is one quoted dotted name */
        json_t *j = json_loadb(spec, len, 0, NULL);
        json_t *in0 = json_array_get(json_object_get(j, "input"), 0);
        char *t;
        json_object_del(in0, "unit");
        t = json_dumps(j, 0);
        TT_CHECK(t && wb_model_manifest_parse(t, strlen(t), true, &again) ==
                          WB_ERR_FORMAT);
        TT_CHECK_MSG(strstr(wb_errmsg(), "manifest: \"input[0].unit\": "
                                         "missing") != NULL,
                     "%s", wb_errmsg());
        free(t);
        json_object_set_new(in0, "unit", json_string("mm/s"));
        {
            /* a long value repeated: shortened, so that the reason fits */
            char *longv = malloc(1001);
            json_t *oos = json_array();
            memset(longv, 'x', 1000);
            longv[1000] = '\0';
            json_array_append_new(oos, json_string(longv));
            json_array_append_new(oos, json_string(longv));
            json_object_set(j, "out_of_scope", oos);
            t = json_dumps(j, 0);
            TT_CHECK(t && wb_model_manifest_parse(t, strlen(t), true, &again) ==
                              WB_ERR_FORMAT);
            TT_CHECK_MSG(strstr(wb_errmsg(), "...\" repeated") != NULL, "%s",
                         wb_errmsg());
            free(t);
            json_object_set_new(j, "out_of_scope", json_array());
            json_decref(oos);
            free(longv);
        }
        json_object_set_new(json_object_get(j, "jurisdictions"), "run",
                            json_string("DE"));
        t = json_dumps(j, 0);
        TT_CHECK(t && wb_model_manifest_parse(t, strlen(t), true, &again) ==
                          WB_ERR_FORMAT);
        TT_CHECK_MSG(strstr(wb_errmsg(), "\"jurisdictions.run\": want an "
                                         "array") != NULL,
                     "%s", wb_errmsg());
        free(t);
        json_decref(j);
    }
    TT_CHECK(wb_model_manifest_parse(spec, WB_MODEL_MANIFEST_MAX + 1, false,
                                     &again) == WB_ERR_TOOBIG);
    TT_CHECK(wb_model_manifest_parse(spec, WB_MODEL_SPEC_MAX + 1, true,
                                     &again) == WB_ERR_TOOBIG);
    wb_free(b1);
    wb_free(b2);
    wb_model_manifest_free(m);
    wb_model_manifest_free(again);
    free(spec);
}

/* The test spec as JSON, to edit. */
static json_t *
spec_json(void)
{
    return json_load_file(MODELS "/bearing-risk.spec.json", 0, NULL);
}

/* Parse edited spec j (consumed) as a spec; its error text must hold want
 * (NULL: it must parse). */
static void
check_edited(json_t *j, const char *want)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    struct wb_model_manifest *m = NULL;
    wb_err rc = text ? wb_model_manifest_parse(text, strlen(text), true, &m)
                     : WB_ERR_NOMEM;

    if (want == NULL) {
        TT_CHECK_MSG(rc == WB_OK && m != NULL, "%s", wb_errmsg());
    } else {
        TT_CHECK(rc == WB_ERR_FORMAT && m == NULL);
        TT_CHECK_MSG(strstr(wb_errmsg(), want) != NULL, "%s", wb_errmsg());
    }
    wb_model_manifest_free(m);
    free(text);
    json_decref(j);
}

/* A text of n copies of c (free). */
static char *
repeat(char c, size_t n)
{
    char *t = malloc(n + 1);

    if (t != NULL) {
        memset(t, c, n);
        t[n] = '\0';
    }
    return t;
}

/* The manifest rules beyond the shape: distinct output names, no intended
 * purpose ruled out, a version that makes a register id, the text caps. */
static void
test_manifest_rules(void)
{
    json_t *j = spec_json();
    char *t = NULL;

    TT_CHECK(j != NULL);
    json_array_append_new(
        json_object_get(j, "output"),
        json_pack("{s:s, s:s}", "name", "failure_risk_7d", "unit", "1"));
    check_edited(j, "\"output[1].name\": \"failure_risk_7d\" repeated");

    j = spec_json();
    json_array_append_new(json_object_get(j, "out_of_scope"),
                          json_string("predictive-maintenance"));
    check_edited(j, "\"out_of_scope[2]\": \"predictive-maintenance\" is also "
                    "an intended purpose");

    j = spec_json();
    json_object_set_new(j, "version", json_string("1.0.0+build.7"));
    check_edited(j, "\"version\": want 1..64 of A-Z a-z 0-9 . _ -");

    /* "+" stays allowed in feature and output names */
    j = spec_json();
    json_object_set_new(json_array_get(json_object_get(j, "output"), 0), "name",
                        json_string("risk+7d"));
    check_edited(j, NULL);

    j = spec_json();
    t = repeat('x', 4096);
    json_object_set_new(j, "training_data", json_string(t));
    check_edited(j, NULL);
    free(t);
    j = spec_json();
    t = repeat('x', 4097);
    json_object_set_new(j, "training_data", json_string(t));
    check_edited(j, "\"training_data\": want 1..4096 bytes");
    free(t);
    j = spec_json();
    t = repeat('x', 1025);
    json_object_set_new(j, "vendor", json_string(t));
    check_edited(j, "\"vendor\": want 1..1024 bytes");
    free(t);
}

/* ---- packages -------------------------------------------------------------
 */

static int loads; /* loads the counting backend passed on to XGBoost */

static wb_err
counted_load(const uint8_t *b, size_t n, size_t nf, size_t no, void **m)
{
    loads++;
    return wb_infer_backend_xgboost()->load(b, n, nf, no, m);
}

static wb_err
counted_predict(void *m, const float *x, size_t rows, float *out)
{
    return wb_infer_backend_xgboost()->predict(m, x, rows, out);
}

static void
counted_free(void *m)
{
    wb_infer_backend_xgboost()->free(m);
}

static const struct wb_infer_backend counted = {"xgboost-counted", counted_load,
                                                counted_predict, counted_free};

/* Pack the test model into dir/name, with runtime and version replaced
 * when given, signed by k when given. */
static void
pack(const char *name,
     const char *runtime,
     const char *version,
     const struct wb_signer *k)
{
    json_t *spec = json_load_file(MODELS "/bearing-risk.spec.json", 0, NULL);
    char *text = NULL;
    char out[512];

    TT_CHECK(spec != NULL);
    if (runtime != NULL) {
        json_object_set_new(spec, "runtime", json_string(runtime));
    }
    if (version != NULL) {
        json_object_set_new(spec, "version", json_string(version));
    }
    text = json_dumps(spec, 0);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    TT_CHECK(wb_model_pack(text, strlen(text), MODELS "/bearing-risk.ubj",
                           out) == WB_OK);
    if (k != NULL) {
        TT_CHECK(wb_model_sign(out, k) == WB_OK);
    }
    free(text);
    json_decref(spec);
}

/* The last entry's kind and payload event. */
static void
last_entry(struct wb_site *s, const char *kind, const char *event)
{
    uint8_t *leaf = NULL;
    uint8_t *pay = NULL;
    size_t n = 0;
    size_t pn = 0;
    int erased = 0;
    struct wb_claims *c = NULL;

    TT_CHECK(wb_site_entry(s, wb_site_size(s) - 1, &leaf, &n, NULL, &pay, &pn,
                           &erased) == WB_OK);
    TT_CHECK(wb_claims_decode(leaf, n, &c) == WB_OK);
    TT_CHECK_MSG(c && strcmp(c->kind, kind) == 0, "kind %s", c ? c->kind : "");
    TT_CHECK(event == NULL ||
             (pay && strstr((const char *)pay, event) != NULL));
    wb_claims_free(c);
    wb_free(leaf);
    wb_free(pay);
}

static void
test_packages(struct wb_site *s,
              const struct wb_signer *vendor,
              const char *vkey)
{
    struct wb_signer *other = NULL;
    struct wb_verifier *v = NULL;
    struct wb_model_package *p = NULL;
    struct wb_model *m = NULL;
    char copy[512];
    uint64_t size;

    TT_CHECK(wb_signer_generate("other.example", &other) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(vkey, strlen(vkey), &v) == WB_OK);
    TT_CHECK(wb_infer_backend_add(&counted) == WB_OK);
    TT_CHECK(wb_infer_backend_add(&counted) == WB_ERR_EXISTS);
    TT_CHECK(wb_infer_backend_find("xgboost-counted") == &counted);
    TT_CHECK(wb_infer_backend_find("onnx") == NULL);

    pack("unsigned", NULL, NULL, NULL);
    size = wb_site_size(s);
    TT_CHECK(wb_model_register(s, at("unsigned"), vkey, NULL) == WB_ERR_BADSIG);
    TT_CHECK(strstr(wb_errmsg(), "is not signed") != NULL);
    TT_CHECK(wb_site_size(s) == size + 1); /* the refusal is logged */
    last_entry(s, "decision", "model-register-refused");

    pack("wrong", NULL, NULL, other);
    TT_CHECK(wb_model_package_read(at("wrong"), v, &p) == WB_ERR_BADSIG);
    TT_CHECK(strstr(wb_errmsg(), "signed by key \"other.example\"") != NULL);
    TT_CHECK(p == NULL);
    TT_CHECK(wb_model_register(s, at("wrong"), vkey, NULL) == WB_ERR_BADSIG);

    /* a flipped byte in the signed manifest: the signature fails */
    pack("tampered", NULL, NULL, vendor);
    tt_flip(at("tampered/manifest.json"), 40);
    TT_CHECK(wb_model_package_read(at("tampered"), v, &p) == WB_ERR_BADSIG);

    /* a flipped model byte in the package: refused at registration */
    pack("flipped", NULL, NULL, vendor);
    tt_flip(at("flipped/bearing-risk.ubj"), 100);
    TT_CHECK(wb_model_register(s, at("flipped"), vkey, NULL) == WB_ERR_VERIFY);
    TT_CHECK(strstr(wb_errmsg(), "bearing-risk.ubj: digest mismatch") != NULL);

    /* registered, then a byte of the site's copy flipped: refused at open
     * before the runtime is handed anything */
    pack("counted", "xgboost-counted", "9.0.0", vendor);
    TT_CHECK(wb_model_register(s, at("counted"), vkey, NULL) == WB_OK);
    TT_CHECK(wb_model_register(s, at("counted"), vkey, NULL) == WB_ERR_EXISTS);
    TT_CHECK(wb_model_open(s, "bearing-risk@9.0.0", &m) == WB_OK);
    TT_CHECK(loads == 1);
    wb_model_close(m);
    m = NULL;
    snprintf(copy, sizeof copy, "%s/site/models/bearing-risk@9.0.0/%s", dir,
             "bearing-risk.ubj");
    tt_flip(copy, 100);
    size = wb_site_size(s);
    TT_CHECK(wb_model_open(s, "bearing-risk@9.0.0", &m) == WB_ERR_VERIFY);
    TT_CHECK(m == NULL && loads == 1);
    TT_CHECK(strstr(wb_errmsg(), "digest mismatch") != NULL);
    TT_CHECK(wb_site_size(s) == size + 1);
    last_entry(s, "decision", "model-load-refused");
    TT_CHECK(wb_model_verify(s, "bearing-risk@9.0.0", NULL) == WB_ERR_VERIFY);
    tt_flip(copy, 100); /* restored: verifies again */
    TT_CHECK(wb_model_verify(s, "bearing-risk@9.0.0", NULL) == WB_OK);
    TT_CHECK(wb_model_open(s, "nope@1", &m) == WB_ERR_NOTFOUND);

    wb_verifier_free(v);
    wb_signer_free(other);
}

/* Entries of the site's models directory other than ".", ".." and
 * registered ids; registrations' own directories (".register-*") must not
 * be left behind. */
static int
models_leftovers(void)
{
    char d[512];
    DIR *h;
    int n = 0;

    snprintf(d, sizeof d, "%s/site/models", dir);
    h = opendir(d);
    for (struct dirent *e = h ? readdir(h) : NULL; e != NULL; e = readdir(h)) {
        n += strncmp(e->d_name, ".register-", 10) == 0;
    }
    if (h != NULL) {
        closedir(h);
    }
    return n;
}

/* Does dir/rel exist? */
static bool
exists(const char *rel)
{
    struct stat st;

    return stat(at(rel), &st) == 0;
}

/* An empty file at rel (under the test directory). */
static void
touch(const char *rel)
{
    FILE *f = fopen(at(rel), "w");

    TT_CHECK_MSG(f != NULL, "%s", rel);
    if (f != NULL) {
        fclose(f);
    }
}

/* Package NAME at version registered inside a batch that is rolled back:
 * its copy at models/ID stays, with no entry. */
static void
leave_copy(struct wb_site *s,
           const char *name,
           const char *version,
           const struct wb_signer *vendor,
           const char *vkey)
{
    pack(name, NULL, version, vendor);
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_model_register(s, at(name), vkey, NULL) == WB_OK);
    wb_site_rollback(s);
}

/* How often file was opened while the package at pkg was registered (the
 * closes are watched too: inotify merges repeated identical events). */
static int
opens_while_registering(struct wb_site *s,
                        const char *pkg,
                        const char *vkey,
                        const char *file)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    struct inotify_event ev;
    int fd = inotify_init1(IN_NONBLOCK);
    int opens = 0;
    ssize_t got;

    TT_CHECK(fd >= 0 &&
             inotify_add_watch(fd, file, IN_OPEN | IN_CLOSE_NOWRITE) >= 0);
    TT_CHECK_MSG(wb_model_register(s, pkg, vkey, NULL) == WB_OK, "%s",
                 wb_errmsg());
    for (got = read(fd, buf, sizeof buf); got > 0;
         got = read(fd, buf, sizeof buf)) {
        for (size_t off = 0; off + sizeof ev <= (size_t)got;
             off += sizeof ev + ev.len) {
            memcpy(&ev, buf + off, sizeof ev);
            opens += (ev.mask & IN_OPEN) != 0;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    return opens;
}

/* Add a second file, notes.txt, to package name's manifest, then sign. */
static void
add_notes(const char *name, const struct wb_signer *k)
{
    char p[512];
    char hex[65];
    uint8_t h[32];
    const char *notes = "calibrated on press line 7\n";
    json_t *m;
    char *text;
    FILE *f;

    snprintf(p, sizeof p, "%s/%s/notes.txt", dir, name);
    f = fopen(p, "wb");
    TT_CHECK(f != NULL && fputs(notes, f) >= 0);
    if (f != NULL) {
        fclose(f);
    }
    wb_sha256((const uint8_t *)notes, strlen(notes), h);
    wb_hex_encode(h, 32, hex);
    snprintf(p, sizeof p, "%s/%s/manifest.json", dir, name);
    m = json_load_file(p, 0, NULL);
    TT_CHECK(m != NULL);
    json_array_append_new(json_object_get(m, "files"),
                          json_pack("{s:s, s:s, s:I}", "path", "notes.txt",
                                    "sha256", hex, "bytes",
                                    (json_int_t)strlen(notes)));
    text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    f = fopen(p, "wb");
    TT_CHECK(f != NULL && text != NULL && fputs(text, f) >= 0);
    if (f != NULL) {
        fputc('\n', f);
        fclose(f);
    }
    snprintf(p, sizeof p, "%s/%s", dir, name);
    TT_CHECK_MSG(wb_model_sign(p, k) == WB_OK, "%s", wb_errmsg());
    free(text);
    json_decref(m);
}

/* A spec whose manifest fits 64 KiB only without "files": pack refuses it
 * before writing anything (sign would refuse what it wrote). */
static void
test_pack_too_big(void)
{
    json_t *j = spec_json();
    json_t *in = json_object_get(j, "input");
    char *unit = repeat('u', 1000);
    char *text = NULL;
    char *pad = NULL;
    char name[16];
    size_t len = 0;

    for (int i = 0; len + 1200 < 65500; i++) {
        snprintf(name, sizeof name, "f%d", i);
        if (json_array_size(in) < 64) {
            json_array_append_new(in, json_pack("{s:s, s:s, s:s}", "name", name,
                                                "field", name, "unit", unit));
        } else {
            json_array_append_new(
                json_object_get(j, "output"),
                json_pack("{s:s, s:s}", "name", name, "unit", unit));
        }
        free(text);
        text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        len = text ? strlen(text) : 65500;
    }
    pad = repeat('t', 65500 - len);
    json_object_set_new(
        j, "training_data",
        json_sprintf("%s%s",
                     json_string_value(json_object_get(j, "training_data")),
                     pad));
    free(text);
    text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    TT_CHECK(text != NULL && strlen(text) == 65500);
    check_edited(json_deep_copy(j), NULL); /* the spec itself is fine */
    TT_CHECK(text != NULL &&
             wb_model_pack(text, strlen(text), MODELS "/bearing-risk.ubj",
                           at("big")) == WB_ERR_TOOBIG);
    TT_CHECK_MSG(strstr(wb_errmsg(), "over the 65536-byte limit") != NULL, "%s",
                 wb_errmsg());
    TT_CHECK(!exists("big"));
    free(pad);
    free(unit);
    free(text);
    json_decref(j);
}

/* Registration writes the very bytes it checked (the package's files are
 * read once), logs every refusal and leaves nothing behind on one. */
static void
test_register(struct wb_site *s,
              const struct wb_signer *vendor,
              const char *vkey)
{
    struct wb_verifier *v = NULL;
    struct wb_model_package *p = NULL;
    char src[512];
    char copy[512];
    size_t n1 = 0;
    size_t n2 = 0;
    char *a = NULL;
    char *b = NULL;
    uint64_t size;

    TT_CHECK(wb_verifier_from_note_key(vkey, strlen(vkey), &v) == WB_OK);
    test_pack_too_big();

    /* read once: the copy is what was checked */
    pack("once", NULL, "7.0.0", vendor);
    snprintf(src, sizeof src, "%s/once/bearing-risk.ubj", dir);
    TT_CHECK(opens_while_registering(s, at("once"), vkey, src) == 1);
    snprintf(copy, sizeof copy, "%s/site/models/bearing-risk@7.0.0/%s", dir,
             "bearing-risk.ubj");
    a = slurp(src, &n1);
    b = slurp(copy, &n2);
    TT_CHECK(n1 > 0 && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    TT_CHECK(wb_model_verify(s, "bearing-risk@7.0.0", NULL) == WB_OK);

    /* refused again, logged; the registered copy untouched */
    size = wb_site_size(s);
    TT_CHECK(wb_model_register(s, at("once"), vkey, NULL) == WB_ERR_EXISTS);
    TT_CHECK(strstr(wb_errmsg(), "already registered") != NULL);
    TT_CHECK(wb_site_size(s) == size + 1);
    last_entry(s, "decision", "\"model\":\"bearing-risk@7.0.0\"");
    TT_CHECK(wb_model_verify(s, "bearing-risk@7.0.0", NULL) == WB_OK);

    /* a malformed vendor key: refused, logged */
    size = wb_site_size(s);
    TT_CHECK(wb_model_register(s, at("once"), "no key", NULL) != WB_OK);
    TT_CHECK(strstr(wb_errmsg(), "vendor key") != NULL);
    TT_CHECK(wb_site_size(s) == size + 1);
    last_entry(s, "decision", "model-register-refused");

    /* a listed file missing: a refused package (as a digest mismatch),
     * not an I/O error */
    pack("missing", NULL, "7.0.3", vendor);
    TT_CHECK(unlink(at("missing/bearing-risk.ubj")) == 0);
    TT_CHECK(wb_model_package_read(at("missing"), v, &p) == WB_ERR_VERIFY);
    TT_CHECK_MSG(strstr(wb_errmsg(), "bearing-risk.ubj: listed in the "
                                     "manifest but not readable") != NULL,
                 "%s", wb_errmsg());
    TT_CHECK(p == NULL);
    TT_CHECK(wb_model_sign(at("missing"), vendor) == WB_ERR_VERIFY);
    size = wb_site_size(s);
    TT_CHECK(wb_model_register(s, at("missing"), vkey, NULL) == WB_ERR_VERIFY);
    TT_CHECK(wb_site_size(s) == size + 1);
    TT_CHECK(!exists("site/models/bearing-risk@7.0.3"));

    /* the second file fails after the first was written: all removed */
    pack("two", NULL, "7.0.2", vendor);
    add_notes("two", vendor);
    tt_flip(at("two/notes.txt"), 3);
    size = wb_site_size(s);
    TT_CHECK(wb_model_register(s, at("two"), vkey, NULL) == WB_ERR_VERIFY);
    TT_CHECK(strstr(wb_errmsg(), "notes.txt: digest mismatch") != NULL);
    TT_CHECK(wb_site_size(s) == size + 1);
    TT_CHECK(!exists("site/models/bearing-risk@7.0.2"));
    tt_flip(at("two/notes.txt"), 3); /* restored: both files copied */
    TT_CHECK(wb_model_register(s, at("two"), vkey, NULL) == WB_OK);
    TT_CHECK(exists("site/models/bearing-risk@7.0.2/notes.txt"));
    TT_CHECK(wb_model_verify(s, "bearing-risk@7.0.2", NULL) == WB_OK);

    /* a directory at models/ID of no registered model is not touched */
    pack("stale", NULL, "7.0.1", vendor);
    TT_CHECK(mkdir(at("site/models/bearing-risk@7.0.1"), 0755) == 0);
    touch("site/models/bearing-risk@7.0.1/junk");
    size = wb_site_size(s);
    TT_CHECK(wb_model_register(s, at("stale"), vkey, NULL) == WB_ERR_EXISTS);
    TT_CHECK_MSG(strstr(wb_errmsg(),
                        "exists although model "
                        "bearing-risk@7.0.1 is not registered") != NULL,
                 "%s", wb_errmsg());
    TT_CHECK(wb_site_size(s) == size + 1);
    TT_CHECK(exists("site/models/bearing-risk@7.0.1/junk"));
    TT_CHECK(!exists("site/models/bearing-risk@7.0.1/bearing-risk.ubj"));
    TT_CHECK(models_leftovers() == 0);

    /* a registration in the caller's batch, rolled back, leaves its copy
     * with no entry; the same package registered again replaces it */
    leave_copy(s, "again", "7.0.3", vendor, vkey);
    TT_CHECK(exists("site/models/bearing-risk@7.0.3/bearing-risk.ubj"));
    TT_CHECK(wb_model_register(s, at("again"), vkey, NULL) == WB_OK);
    TT_CHECK(wb_model_verify(s, "bearing-risk@7.0.3", NULL) == WB_OK);
    /* but not a copy that differs from the package: one byte, or a file
     * more */
    leave_copy(s, "differs", "7.0.4", vendor, vkey);
    tt_flip(at("site/models/bearing-risk@7.0.4/bearing-risk.ubj"), 0);
    TT_CHECK(wb_model_register(s, at("differs"), vkey, NULL) == WB_ERR_EXISTS);
    TT_CHECK(strstr(wb_errmsg(), "is not a copy of this package"));
    leave_copy(s, "more", "7.0.5", vendor, vkey);
    touch("site/models/bearing-risk@7.0.5/notes.txt");
    TT_CHECK(wb_model_register(s, at("more"), vkey, NULL) == WB_ERR_EXISTS);
    TT_CHECK(exists("site/models/bearing-risk@7.0.5/notes.txt"));
    /* nor a file in the way (exit 2 with the advice, not an I/O error) */
    pack("file", NULL, "7.0.6", vendor);
    touch("site/models/bearing-risk@7.0.6");
    TT_CHECK(wb_model_register(s, at("file"), vkey, NULL) == WB_ERR_EXISTS);
    TT_CHECK(strstr(wb_errmsg(), "is not a copy of this package"));
    TT_CHECK(models_leftovers() == 0);
    wb_verifier_free(v);
}

/* ---- the governed call -----------------------------------------------------
 */

static const char *const pm[] = {"predictive-maintenance"};

static struct wb_consent_purpose flag_pm = {"predictive-maintenance", true};

/* Grant consent id (given, predictive maintenance, DE) for subject. */
static void
grant(struct wb_site *s, const char *id, const char *subject)
{
    struct wb_consent c;

    memset(&c, 0, sizeof c);
    c.id = id;
    c.state = WB_CONSENT_GIVEN;
    c.subject = subject;
    c.controller = "Example Plant GmbH";
    c.purposes = &flag_pm;
    c.purpose_count = 1;
    c.jurisdiction = "DE";
    TT_CHECK(wb_consent_grant(s, pol, &c, NULL) == WB_OK);
}

/* Append one telemetry record of press-7 (payload the JSON line) held in
 * jurisdiction jur, with the given class, consent (version 1, or NULL)
 * and residency (local-only, or the list res, may be empty); its index. */
static uint64_t
add_record(struct wb_site *s,
           const char *payload,
           const char *cls,
           const char *consent,
           const char *jur,
           bool local_only,
           const char *const *res,
           size_t res_n)
{
    struct wb_append e;
    uint64_t idx = 0;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.sub = "press-7";
    e.claims.purposes = pm;
    e.claims.purpose_count = 1;
    e.claims.data_class = cls;
    e.claims.consent_id = consent;
    e.claims.consent_version = consent ? 1 : 0;
    e.claims.jurisdiction = jur;
    e.claims.residency_local_only = local_only;
    e.claims.residency = res;
    e.claims.residency_count = res_n;
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)payload;
    e.payload_len = strlen(payload);
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK);
    return idx;
}

/* One held in DE. */
static uint64_t
add(struct wb_site *s,
    const char *payload,
    const char *cls,
    const char *consent,
    bool local_only)
{
    return add_record(s, payload, cls, consent, "DE", local_only, NULL, 0);
}

struct counts {
    int before, after, deny, whole;
};

static void
c_before(void *ctx, const struct wb_infer_event *ev)
{
    ((struct counts *)ctx)->before += ev->input_leaf != NULL;
}

static void
c_after(void *ctx, const struct wb_infer_event *ev)
{
    ((struct counts *)ctx)->after += ev->value_count == 1;
}

static void
c_deny(void *ctx, const struct wb_infer_event *ev)
{
    ((struct counts *)ctx)->deny++;
    ((struct counts *)ctx)->whole += ev->whole_call;
}

static struct wb_infer_opts
opts(enum wb_infer_mode mode, const char *run_in)
{
    struct wb_infer_opts o;

    memset(&o, 0, sizeof o);
    o.policy = pol;
    o.run_in = run_in;
    o.date = (int32_t)(time(NULL) / 86400);
    o.mode = mode;
    return o;
}

/* The 20 readings of telemetry.jsonl as records; python's predictions. */
static size_t
readings(struct wb_site *s, uint64_t *idx, double *want)
{
    size_t len = 0;
    char *text = slurp(MODELS "/telemetry.jsonl", &len);
    char *exp = slurp(MODELS "/expected.txt", &len);
    char *save = NULL;
    size_t n = 0;

    for (char *line = strtok_r(text, "\n", &save); line && n < 20;
         line = strtok_r(NULL, "\n", &save)) {
        idx[n++] = add(s, line, "non-personal", NULL, true);
    }
    save = NULL;
    n = 0;
    for (char *line = strtok_r(exp, "\n", &save); line && n < 20;
         line = strtok_r(NULL, "\n", &save)) {
        want[n++] = strtod(line, NULL);
    }
    free(text);
    free(exp);
    return n;
}

static void
test_python_agrees(struct wb_site *s, uint64_t *idx, const double *want)
{
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    struct counts k = {0, 0, 0, 0};
    struct wb_infer_hook h = {"count", c_before, c_after, c_deny, &k, NULL};
    FILE *trail = tmpfile();
    struct wb_infer_hook hooks[2];
    char line[2048];
    int lines = 0;

    hooks[0] = h;
    hooks[1] = wb_infer_hook_audit_trail(trail);
    o.hooks = hooks;
    o.hook_count = 2;
    TT_CHECK(wb_infer(s, ID, idx, 20, &o, &r) == WB_OK);
    TT_CHECK(r != NULL && r->ran == 20 && r->denied == 0);
    for (size_t i = 0; r != NULL && i < 20; i++) {
        TT_CHECK_MSG(fabs((double)r->rows[i].values[0] - want[i]) < 1e-6,
                     "row %zu: %.9g, python %.9g", i,
                     (double)r->rows[i].values[0], want[i]);
    }
    TT_CHECK(k.before == 20 && k.after == 20 && k.deny == 0);
    rewind(trail);
    while (fgets(line, sizeof line, trail) != NULL) {
        lines++;
        TT_CHECK(strstr(line, "\"model\":\"" ID "\"") != NULL);
    }
    TT_CHECK(lines == 40);
    fclose(trail);
    wb_infer_result_free(r);
}

/* parents = [input leaf hash], model = digest; token and proof verify. */
static void
test_lineage(struct wb_site *s, uint64_t input, uint64_t output)
{
    struct wb_model_entry e;
    uint8_t *leaf = NULL;
    uint8_t *in_leaf = NULL;
    size_t n = 0;
    size_t in_n = 0;
    uint8_t h[WB_HASH_BYTES];
    struct wb_claims *c = NULL;
    uint8_t *tok = NULL;
    size_t tok_len = 0;
    char *proof = NULL;
    char *vk = NULL;
    struct wb_verifier *v = NULL;

    TT_CHECK(wb_model_get(s, ID, &e) == WB_OK);
    TT_CHECK(wb_site_leaf(s, output, &leaf, &n) == WB_OK);
    TT_CHECK(wb_site_leaf(s, input, &in_leaf, &in_n) == WB_OK);
    wb_merkle_leaf_hash(in_leaf, in_n, h);
    TT_CHECK(wb_claims_decode(leaf, n, &c) == WB_OK);
    if (c != NULL) {
        TT_CHECK(strcmp(c->kind, "inference") == 0);
        TT_CHECK(c->parent_count == 1 && memcmp(c->parents[0], h, 32) == 0);
        TT_CHECK(c->has_model && memcmp(c->model, e.digest, 32) == 0);
        TT_CHECK(!c->residency_local_only && c->residency_count == 2);
        TT_CHECK(strcmp(c->jurisdiction, "DE") == 0);
    }
    TT_CHECK(wb_signer_verifier_key(wb_site_signer(s), &vk) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(vk, strlen(vk), &v) == WB_OK);
    TT_CHECK(wb_site_token(s, output, &tok, &tok_len) == WB_OK);
    TT_CHECK(wb_cose_verify(tok, tok_len, v, NULL, 0, NULL) == WB_OK);
    TT_CHECK(wb_site_prove(s, output, 0, &proof) == WB_OK);
    TT_CHECK(proof && wb_tlog_proof_verify(proof, strlen(proof), v, leaf, n,
                                           NULL) == WB_OK);
    wb_verifier_free(v);
    wb_free(vk);
    wb_free(proof);
    wb_free(tok);
    wb_claims_free(c);
    wb_free(leaf);
    wb_free(in_leaf);
    wb_model_entry_clear(&e);
}

/* Leaf hash of entry i. */
static void
leaf_hash_of(struct wb_site *s, uint64_t i, uint8_t h[WB_HASH_BYTES])
{
    uint8_t *leaf = NULL;
    size_t n = 0;

    memset(h, 0, WB_HASH_BYTES);
    TT_CHECK(wb_site_leaf(s, i, &leaf, &n) == WB_OK);
    if (leaf != NULL) {
        wb_merkle_leaf_hash(leaf, n, h);
    }
    wb_free(leaf);
}

/* Record `rec` holds rows[first..first+k) of r: parents[j] = the leaf
 * hash of input j, payload inputs[j] and outputs[j] those of row j. */
static void
check_group(struct wb_site *s,
            const struct wb_infer_result *r,
            size_t first,
            size_t k)
{
    uint64_t rec = r->rows[first].output;
    uint8_t *leaf = NULL;
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0;
    struct wb_claims *c = NULL;
    json_t *doc = NULL;

    TT_CHECK(wb_site_leaf(s, rec, &leaf, &n) == WB_OK);
    TT_CHECK(wb_claims_decode(leaf, n, &c) == WB_OK);
    TT_CHECK(wb_site_payload(s, rec, &p, &n, &erased) == WB_OK && !erased);
    doc = p ? json_loadb((const char *)p, n, 0, NULL) : NULL;
    TT_CHECK(c != NULL && c->parent_count == k);
    TT_CHECK(json_array_size(json_object_get(doc, "inputs")) == k);
    TT_CHECK(json_array_size(json_object_get(doc, "outputs")) == k);
    for (size_t j = 0; c != NULL && j < k && j < c->parent_count; j++) {
        const struct wb_infer_row *row = &r->rows[first + j];
        json_t *o = json_array_get(json_object_get(doc, "outputs"), j);
        uint8_t h[WB_HASH_BYTES];
        leaf_hash_of(s, row->input, h);
        TT_CHECK(row->output == rec);
        TT_CHECK(memcmp(c->parents[j], h, WB_HASH_BYTES) == 0);
        TT_CHECK((uint64_t)json_integer_value(json_array_get(
                     json_object_get(doc, "inputs"), j)) == row->input);
        TT_CHECK(fabs(json_number_value(json_object_get(o, "failure_risk_7d")) -
                      (double)row->values[0]) < 1e-6);
    }
    json_decref(doc);
    wb_free(p);
    wb_claims_free(c);
    wb_free(leaf);
}

/* Rows of one group share inference records of at most 64 outputs; held
 * records give what the same records read from the log give. */
static void
test_grouping(struct wb_site *s)
{
    uint64_t idx[20];
    double want[20];
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    struct wb_infer_result *h = NULL;
    struct wb_infer_record rec[20];
    struct wb_claims *cl[20];
    char *text[20];
    uint64_t in[70];
    uint64_t size, refusal;

    TT_CHECK(readings(s, idx, want) == 20); /* fresh: none erased */
    for (size_t i = 0; i < 70; i++) {
        in[i] = idx[i % 20];
    }
    size = wb_site_size(s);
    TT_CHECK_MSG(wb_infer(s, ID, in, 70, &o, &r) == WB_OK, "%s", wb_errmsg());
    TT_CHECK(r && r->ran == 70 && r->denied == 0);
    TT_CHECK(wb_site_size(s) == size + 2); /* 64 + 6 */
    if (r != NULL && r->ran == 70) {
        TT_CHECK(r->rows[0].output != r->rows[64].output);
        check_group(s, r, 0, 64);
        check_group(s, r, 64, 6);
    }

    /* a row of another group (here: not local-only) starts a new record;
     * a denied row (personal, no consent) between two of one group does
     * not: rows that ran are grouped */
    {
        const char *p = "{\"vib_rms\":2.5,\"temp_c\":50.0,\"current_a\":11.0}";
        uint64_t other = add(s, p, "non-personal", NULL, false);
        uint64_t denied = add(s, p, "personal", NULL, true);
        uint64_t v[6] = {idx[0], idx[1], other, idx[2], denied, idx[3]};
        struct wb_infer_result *g = NULL;
        size = wb_site_size(s);
        TT_CHECK(wb_infer(s, ID, v, 6, &o, &g) == WB_OK);
        TT_CHECK(g && g->ran == 5 && g->denied == 1 && !g->rows[4].ran);
        /* records: {0, 1}, {2}, {3, 5}; and the denial's decision */
        TT_CHECK(wb_site_size(s) == size + 4);
        if (g != NULL && g->ran == 5) {
            TT_CHECK(g->rows[0].output == g->rows[1].output);
            TT_CHECK(g->rows[2].output != g->rows[1].output);
            TT_CHECK(g->rows[3].output != g->rows[2].output);
            TT_CHECK(g->rows[3].output == g->rows[5].output);
            check_group(s, g, 0, 2);
            check_group(s, g, 2, 1);
        }
        wb_infer_result_free(g);
    }

    /* the same 20 records, held as a gateway holds them after ingest */
    memset(rec, 0, sizeof rec);
    for (size_t i = 0; i < 20; i++) {
        uint8_t *leaf = NULL;
        uint8_t *p = NULL;
        size_t n = 0;
        size_t pn = 0;
        int erased = 0;
        cl[i] = NULL;
        text[i] = NULL;
        TT_CHECK(wb_site_entry(s, idx[i], &leaf, &n, NULL, &p, &pn, &erased) ==
                 WB_OK);
        TT_CHECK(leaf && wb_claims_decode(leaf, n, &cl[i]) == WB_OK);
        if (leaf != NULL) {
            wb_merkle_leaf_hash(leaf, n, rec[i].leaf_hash);
        }
        text[i] = (char *)p;
        rec[i].index = idx[i];
        rec[i].claims = cl[i];
        rec[i].payload = p;
        rec[i].payload_len = pn;
        wb_free(leaf);
    }
    size = wb_site_size(s);
    TT_CHECK(wb_infer_run_records(s, NULL, rec, 20, &o, &h) == WB_ERR_INVAL);
    {
        struct wb_model *m = NULL;
        TT_CHECK(wb_model_open(s, ID, &m) == WB_OK);
        TT_CHECK(m && wb_infer_run_records(s, m, rec, 20, &o, &h) == WB_OK);
        TT_CHECK(h && h->ran == 20 && wb_site_size(s) == size + 1);
        for (size_t i = 0; h != NULL && i < 20; i++) {
            TT_CHECK(fabs((double)h->rows[i].values[0] - want[i]) < 1e-6);
            TT_CHECK(h->rows[i].values[0] == r->rows[i].values[0]);
        }
        if (h != NULL) {
            check_group(s, h, 0, 20);
        }
        wb_infer_result_free(h);
        h = NULL;
        /* one not held (claims NULL): read from the log, same output */
        {
            struct wb_infer_record keep5 = rec[5];
            memset(&rec[5], 0, sizeof rec[5]);
            rec[5].index = idx[5];
            TT_CHECK(wb_infer_run_records(s, m, rec, 20, &o, &h) == WB_OK);
            TT_CHECK(h && h->ran == 20 &&
                     h->rows[5].values[0] == r->rows[5].values[0]);
            if (h != NULL) {
                check_group(s, h, 0, 20);
            }
            wb_infer_result_free(h);
            h = NULL;
            rec[5] = keep5;
        }
        /* a held record whose payload does not fit the data interface:
         * the whole call refused, logged, nothing run */
        rec[3].payload = (const uint8_t *)"{\"vib_rms\":1}";
        rec[3].payload_len = strlen((const char *)rec[3].payload);
        size = wb_site_size(s);
        TT_CHECK(m &&
                 wb_infer_run_records(s, m, rec, 20, &o, &h) == WB_ERR_FORMAT);
        TT_CHECK(h == NULL && wb_site_size(s) == size + 1);
        TT_CHECK(strstr(wb_errmsg(), "temp_c") != NULL);
        last_entry(s, "decision", "inference-refused");
        refusal = wb_site_size(s) - 1;
        /* with deny_unfit (the gateway's way) that record alone is
         * denied and logged, the others run; also in log-only mode, and
         * by index for an entry that is not a record */
        for (int mode = 0; m && mode < 2; mode++) {
            struct wb_infer_opts d =
                opts(mode ? WB_INFER_LOG_ONLY : WB_INFER_ENFORCE, "DE");
            uint64_t byidx[3] = {idx[0], refusal, idx[1]};
            uint8_t *leaf = NULL;
            size_t n = 0;
            struct wb_claims *dc = NULL;
            uint8_t lh[WB_HASH_BYTES];
            struct counts k = {0, 0, 0, 0};
            struct wb_infer_hook ch = {"count", c_before, c_after,
                                       c_deny,  &k,       NULL};
            d.deny_unfit = true;
            d.hooks = &ch;
            d.hook_count = 1;
            TT_CHECK(wb_infer_run_records(s, m, rec, 20, &d, &h) == WB_OK);
            /* the unfit record was read: before_input, then on_deny */
            TT_CHECK_MSG(k.before == 20 && k.deny == 1 && k.after == 19,
                         "hooks: %d before, %d deny, %d after", k.before,
                         k.deny, k.after);
            TT_CHECK(h && h->ran == 19 && h->denied == 1 && !h->rows[3].ran &&
                     !h->rows[3].permitted && h->rows[4].ran);
            TT_CHECK(h && h->rows[3].why &&
                     strstr(h->rows[3].why, "schema mismatch") &&
                     strstr(h->rows[3].why, "temp_c"));
            TT_CHECK(h && h->rows[4].values[0] == r->rows[4].values[0]);
            /* the denial names the record: its device, class, leaf */
            TT_CHECK(h &&
                     wb_site_leaf(s, h->rows[3].decision, &leaf, &n) == WB_OK);
            TT_CHECK(leaf && wb_claims_decode(leaf, n, &dc) == WB_OK);
            leaf_hash_of(s, idx[3], lh);
            TT_CHECK(dc && strcmp(dc->kind, "decision") == 0 && dc->sub &&
                     strcmp(dc->sub, "press-7") == 0 && dc->parent_count == 1 &&
                     memcmp(dc->parents[0], lh, WB_HASH_BYTES) == 0);
            wb_claims_free(dc);
            wb_free(leaf);
            wb_infer_result_free(h);
            h = NULL;
            TT_CHECK(wb_infer_run(s, m, byidx, 3, &d, &h) == WB_OK);
            TT_CHECK(h && h->ran == 2 && h->denied == 1 && !h->rows[1].ran &&
                     h->rows[1].why && strstr(h->rows[1].why, "not a record"));
            wb_infer_result_free(h);
            h = NULL;
        }
        /* log-only, a call outside the model's terms (run in US): with
         * a record to run it is logged as not enforced; with none fit to
         * run, the denials alone are logged (nothing runs) */
        for (size_t n = 1; m && n <= 2; n++) {
            struct wb_infer_opts d = opts(WB_INFER_LOG_ONLY, "US");
            d.deny_unfit = true;
            size = wb_site_size(s);
            TT_CHECK(wb_infer_run_records(s, m, &rec[3], n, &d, &h) == WB_OK);
            TT_CHECK_MSG(h && h->refused == (n == 2) && h->denied == n &&
                             h->ran == n - 1,
                         "%zu records: refused %d", n, h ? h->refused : -1);
            /* a denial each (the fit one is held in DE, local-only);
             * for two, the refusal and one output record too */
            TT_CHECK_MSG(wb_site_size(s) == size + (n == 2 ? 4 : 1),
                         "%zu records: %llu entries logged", n,
                         (unsigned long long)(wb_site_size(s) - size));
            wb_infer_result_free(h);
            h = NULL;
        }
        /* in one open batch, a call outside the model's terms whose
         * every input is unfit must not pass those terms for the next
         * call: it is refused (enforced) or logged as refused (log-only) */
        for (int mode = 0; m && mode < 2; mode++) {
            struct wb_infer_opts d = opts(WB_INFER_LOG_ONLY, "US");
            struct wb_infer_opts e =
                opts(mode ? WB_INFER_LOG_ONLY : WB_INFER_ENFORCE, "US");
            d.deny_unfit = e.deny_unfit = true;
            TT_CHECK(wb_site_begin(s) == WB_OK);
            TT_CHECK(wb_infer_run_records(s, m, &rec[3], 1, &d, &h) == WB_OK);
            TT_CHECK(h && !h->refused && h->ran == 0);
            wb_infer_result_free(h);
            h = NULL;
            wb_err got = wb_infer_run_records(s, m, &rec[4], 1, &e, &h);
            TT_CHECK_MSG(mode ? got == WB_OK && h && h->refused
                              : got == WB_ERR_DENIED && h == NULL,
                         "mode %d: %s, refused %d", mode, wb_strerror(got),
                         h ? h->refused : -1);
            wb_infer_result_free(h);
            h = NULL;
            TT_CHECK(wb_site_commit(s) == WB_OK);
        }
        wb_model_close(m);
    }
    for (size_t i = 0; i < 20; i++) {
        wb_claims_free(cl[i]);
        wb_free(text[i]);
    }
    wb_infer_result_free(r);
}

/* Single-row calls inside a caller's batch share inference records as a
 * batch's rows do: the open record's index is reserved (counted by
 * wb_site_size), it is appended before any other entry, any read of it,
 * and at commit, and dropped by a rollback; a consent changed inside the
 * batch is seen by the next call (the kept verdicts are forgotten). */
static void
test_single_rows(struct wb_site *s)
{
    uint64_t idx[20];
    double want[20];
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *one = NULL;
    struct wb_infer_row rows[72];
    struct wb_infer_result all;
    struct wb_model *m = NULL;
    struct wb_verify_report vr;
    uint64_t size, pers;

    TT_CHECK(readings(s, idx, want) == 20);
    TT_CHECK(wb_model_open(s, ID, &m) == WB_OK);
    if (m == NULL) {
        return;
    }
    memset(rows, 0, sizeof rows);
    TT_CHECK(wb_site_begin(s) == WB_OK);
    size = wb_site_size(s);
    for (size_t i = 0; i < 70; i++) {
        TT_CHECK(wb_infer_run(s, m, &idx[i % 20], 1, &o, &one) == WB_OK);
        TT_CHECK(one && one->ran == 1);
        if (one != NULL) {
            rows[i] = one->rows[0];
        }
        wb_infer_result_free(one);
        one = NULL;
        TT_CHECK(fabs((double)rows[i].values[0] - want[i % 20]) < 1e-6);
        TT_CHECK(rows[i].output == size + (i < 64 ? 0 : 1));
        /* the open record's index is counted at once */
        TT_CHECK(wb_site_size(s) == size + (i < 64 ? 1 : 2));
    }
    /* reading the open record appends it; the next row starts another */
    {
        uint8_t *leaf = NULL;
        size_t n = 0;
        TT_CHECK(wb_site_leaf(s, size + 1, &leaf, &n) == WB_OK && leaf);
        wb_free(leaf);
    }
    TT_CHECK(wb_infer_run(s, m, &idx[0], 1, &o, &one) == WB_OK);
    TT_CHECK(one && one->rows[0].output == size + 2);
    rows[70] = one ? one->rows[0] : rows[70];
    wb_infer_result_free(one);
    one = NULL;
    /* another entry goes after the open record, which is appended first */
    pers = add(s, "{\"vib_rms\":2.5,\"temp_c\":50.0,\"current_a\":11.0}",
               "personal", "c-single", false);
    TT_CHECK(pers == size + 3);
    TT_CHECK(wb_site_commit(s) == WB_OK);
    TT_CHECK(wb_site_size(s) == size + 4);
    memset(&all, 0, sizeof all);
    all.rows = rows;
    all.count = 71;
    check_group(s, &all, 0, 64);
    check_group(s, &all, 64, 6);
    check_group(s, &all, 70, 1);

    /* a rollback drops the open record */
    TT_CHECK(wb_site_begin(s) == WB_OK);
    size = wb_site_size(s);
    TT_CHECK(wb_infer_run(s, m, &idx[1], 1, &o, &one) == WB_OK);
    TT_CHECK(one && one->rows[0].output == size && wb_site_size(s) == size + 1);
    wb_infer_result_free(one);
    one = NULL;
    wb_site_rollback(s);
    TT_CHECK(wb_site_size(s) == size);

    /* consent granted, then withdrawn inside one batch: the second call
     * sees the withdrawal and logs the denial, which closes the open
     * record */
    grant(s, "c-single", "operator-18");
    TT_CHECK(wb_site_begin(s) == WB_OK);
    size = wb_site_size(s);
    TT_CHECK(wb_infer_run(s, m, &pers, 1, &o, &one) == WB_OK);
    TT_CHECK(one && one->ran == 1 && one->rows[0].output == size);
    wb_infer_result_free(one);
    one = NULL;
    TT_CHECK(wb_consent_withdraw(s, "c-single", NULL, "left", NULL) == WB_OK);
    TT_CHECK(wb_infer_run(s, m, &pers, 1, &o, &one) == WB_OK);
    TT_CHECK(one && one->ran == 0 && one->denied == 1);
    TT_CHECK(one && one->rows[0].why && strstr(one->rows[0].why, "withdrawn"));
    /* the record, the withdrawal, the denial */
    TT_CHECK(one && one->rows[0].decision == size + 2);
    wb_infer_result_free(one);
    one = NULL;
    TT_CHECK(wb_site_commit(s) == WB_OK);
    TT_CHECK(wb_site_size(s) == size + 3);
    last_entry(s, "decision", "inference-denied");

    /* the checks of the call itself are kept only for the same place and
     * purpose: after a good call in a batch, another place or purpose is
     * checked afresh */
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_infer_run(s, m, &idx[0], 1, &o, &one) == WB_OK);
    TT_CHECK(one && one->ran == 1);
    wb_infer_result_free(one);
    one = NULL;
    {
        struct wb_infer_opts us = opts(WB_INFER_ENFORCE, "US");
        struct wb_infer_opts zz = opts(WB_INFER_ENFORCE, "ZZ");
        struct wb_infer_opts other = o;
        other.purpose = "quality-assurance";
        TT_CHECK(wb_infer_run(s, m, &idx[0], 1, &us, &one) == WB_ERR_DENIED);
        TT_CHECK(strstr(wb_errmsg(), "may run only in DE, CN, not in US"));
        TT_CHECK(wb_infer_run(s, m, &idx[0], 1, &zz, &one) == WB_ERR_INVAL);
        TT_CHECK(wb_infer_run(s, m, &idx[0], 1, &other, &one) == WB_ERR_DENIED);
        TT_CHECK(strstr(wb_errmsg(), "not intended for purpose quality"));
        other.purpose = "no-such-purpose";
        TT_CHECK(wb_infer_run(s, m, &idx[0], 1, &other, &one) == WB_ERR_INVAL);
        TT_CHECK(one == NULL);
    }
    TT_CHECK(wb_infer_run(s, m, &idx[0], 1, &o, &one) == WB_OK);
    TT_CHECK(one && one->ran == 1);
    wb_infer_result_free(one);
    one = NULL;
    wb_site_rollback(s);
    wb_model_close(m);
    TT_CHECK(wb_site_verify(s, &vr) == WB_OK && vr.first_bad == -1);
}

/* Hook plug-ins: the example chained trail loaded by path sees every
 * event; bad paths, a library without the entry point, a refused init. */
static void
test_plugin(struct wb_site *s)
{
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    uint64_t idx[20];
    double want[20];
    char trail[300];
    char line[4096];
    FILE *f;
    int lines = 0;

    TT_CHECK(wb_infer_hook_load("libwaybill_hook_chain.so", "x") ==
             WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "never searched") != NULL);
    TT_CHECK(wb_infer_hook_load("/nonexistent/hook.so", "x") ==
             WB_ERR_NOTFOUND);
    TT_CHECK(strstr(wb_errmsg(), "/nonexistent/hook.so") != NULL);
    TT_CHECK(wb_infer_hook_load(WB_LIB_SHARED, "x") == WB_ERR_NOTFOUND);
    TT_CHECK(strstr(wb_errmsg(), "no symbol waybill_infer_hook_v1") != NULL);
    TT_CHECK(wb_infer_hook_load(WB_HOOK_CHAIN, NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "refused to start: give the trail file") !=
             NULL);

    snprintf(trail, sizeof trail, "%s", at("chain.jsonl"));
    TT_CHECK_MSG(wb_infer_hook_load(WB_HOOK_CHAIN, trail) == WB_OK, "%s",
                 wb_errmsg());
    TT_CHECK(readings(s, idx, want) == 20);
    TT_CHECK(wb_infer(s, ID, idx, 3, &o, &r) == WB_OK && r && r->ran == 3);
    wb_infer_result_free(r);
    wb_infer_hook_detach_all(); /* closes the trail, unloads the library */
    TT_CHECK(wb_infer(s, ID, idx, 3, &o, &r) == WB_OK); /* not seen */
    wb_infer_result_free(r);
    {
        /* a set replaced all or nothing: a second plug-in that will not
         * start leaves the running one running, its chain continued */
        struct wb_infer_plugin set[2] = {{WB_HOOK_CHAIN, trail},
                                         {WB_HOOK_CHAIN, "/nonexistent/x"}};
        size_t failed = 9;
        bool kept = false;
        TT_CHECK(wb_infer_hook_replace(set, 1, &failed, &kept) == WB_OK &&
                 kept);
        TT_CHECK(wb_infer_hook_replace(set, 2, &failed, &kept) ==
                     WB_ERR_INVAL &&
                 failed == 1 && kept);
        TT_CHECK(strstr(wb_errmsg(), "/nonexistent/x") != NULL);
        TT_CHECK(wb_infer(s, ID, idx, 3, &o, &r) == WB_OK); /* seen */
        wb_infer_result_free(r);
        TT_CHECK(wb_infer_hook_replace(NULL, 0, &failed, &kept) == WB_OK);
        TT_CHECK(wb_infer(s, ID, idx, 3, &o, &r) == WB_OK); /* not seen */
        wb_infer_result_free(r);
        TT_CHECK(wb_infer_hook_replace(set, 9, &failed, &kept) ==
                 WB_ERR_TOOBIG);
    }
    {
        /* one trail, one writer: the same file under another spelling
         * of its path is refused while the first instance runs */
        char alias[320];
        char *cut = strrchr(trail, '/');
        struct wb_infer_plugin two[2] = {{WB_HOOK_CHAIN, trail},
                                         {WB_HOOK_CHAIN, alias}};
        size_t failed = 9;
        bool kept = false;
        snprintf(alias, sizeof alias, "%.*s/./%s", (int)(cut - trail), trail,
                 cut + 1);
        TT_CHECK(wb_infer_hook_replace(two, 2, &failed, &kept) ==
                     WB_ERR_INVAL &&
                 failed == 1 && kept);
        TT_CHECK_MSG(strstr(wb_errmsg(), "in use by another instance") != NULL,
                     "%s", wb_errmsg());
        TT_CHECK(wb_infer_hook_replace(NULL, 0, &failed, &kept) == WB_OK);
        /* once it is closed, the trail is free again */
        TT_CHECK(wb_infer_hook_replace(&two[1], 1, &failed, &kept) == WB_OK);
        TT_CHECK(wb_infer_hook_replace(NULL, 0, &failed, &kept) == WB_OK);
    }
    f = fopen(trail, "r");
    TT_CHECK(f != NULL);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char seq[32];
        lines++;
        snprintf(seq, sizeof seq, "\"seq\":%d,", lines);
        TT_CHECK_MSG(strstr(line, seq) != NULL, "line %d: %.80s", lines, line);
        if (lines == 1) {
            TT_CHECK(strstr(line, "\"seq\":1,\"prev\":\"0000") != NULL);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    /* 3 before-input and 3 after-output, twice */
    TT_CHECK_MSG(lines == 12, "%d lines", lines);
}

/* An inference record in the format before grouping (one output,
 * {"input": N, "outputs": {...}}) still counts, with its lineage. */
static void
test_audit_old_format(struct wb_site *s)
{
    static const char *const pmp[] = {"predictive-maintenance"};
    struct wb_model_audit a0, a1;
    struct wb_model_entry e;
    struct wb_append ap;
    uint8_t parent[1][WB_HASH_BYTES];
    char doc[128];
    FILE *out = tmpfile();
    uint64_t in = 0;

    TT_CHECK(wb_model_get(s, ID, &e) == WB_OK);
    TT_CHECK(wb_model_audit_report(s, ID, false, out, &a0) == WB_OK);
    in = add(s, "{\"vib_rms\":1.0,\"temp_c\":40.0,\"current_a\":9.0}",
             "non-personal", NULL, true);
    leaf_hash_of(s, in, parent[0]);
    snprintf(doc, sizeof doc,
             "{\"model\":\"%s\",\"input\":%llu,\"outputs\":{\"f\":0.5}}", ID,
             (unsigned long long)in);
    memset(&ap, 0, sizeof ap);
    ap.claims.kind = "inference";
    ap.claims.purposes = pmp;
    ap.claims.purpose_count = 1;
    ap.claims.data_class = "non-personal";
    ap.claims.parents = (const uint8_t(*)[WB_HASH_BYTES])parent;
    ap.claims.parent_count = 1;
    ap.claims.has_model = 1;
    memcpy(ap.claims.model, e.digest, WB_HASH_BYTES);
    ap.payload = (const uint8_t *)doc;
    ap.payload_len = strlen(doc);
    TT_CHECK(wb_site_append(s, &ap, NULL) == WB_OK);
    TT_CHECK(wb_model_audit_report(s, ID, false, out, &a1) == WB_OK);
    TT_CHECK(a1.inferences == a0.inferences + 1 &&
             a1.records == a0.records + 1 && a1.inputs == a0.inputs + 1);
    fclose(out);
    wb_model_entry_clear(&e);
}

/* A purpose withdrawn 20 days ago: a date before it does not bring the
 * consent back for a use made today, whatever version was in force then. */
static void
test_backdated(struct wb_site *s)
{
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    time_t now = time(NULL);
    uint64_t rec;

    fake_now = now - 30 * 86400;
    grant(s, "c-back", "operator-9");
    rec = add(s, "{\"vib_rms\":2.5,\"temp_c\":50.0,\"current_a\":11.0}",
              "personal", "c-back", false);
    fake_now = now - 20 * 86400;
    TT_CHECK(wb_consent_withdraw(s, "c-back", "predictive-maintenance",
                                 "objected", NULL) == WB_OK);
    fake_now = 0;
    o.date = (int32_t)((now - 25 * 86400) / 86400);
    TT_CHECK(wb_infer(s, ID, &rec, 1, &o, &r) == WB_OK);
    TT_CHECK(
        r && r->ran == 0 && r->denied == 1 && r->rows[0].why &&
        strstr(r->rows[0].why, "(version 2) denies predictive-maintenance"));
    wb_infer_result_free(r);
    r = NULL;
    /* the version in force then did allow it: purpose check on that date */
    {
        bool ok = false;
        char why[WB_PURPOSE_WHY_MAX];
        TT_CHECK(wb_purpose_check(s, pol, rec, "predictive-maintenance", o.date,
                                  &ok, why, sizeof why) == WB_OK);
        TT_CHECK_MSG(ok, "%s", why);
    }
    /* a later date adds a day the consent must hold on */
    grant(s, "c-soon", "operator-10");
    rec = add(s, "{\"vib_rms\":2.5,\"temp_c\":50.0,\"current_a\":11.0}",
              "personal", "c-soon", false);
    o.date = (int32_t)(now / 86400) + 1;
    TT_CHECK(wb_infer(s, ID, &rec, 1, &o, &r) == WB_OK);
    TT_CHECK(r && r->ran == 1 && r->denied == 0);
    wb_infer_result_free(r);
}

static void
test_governance(struct wb_site *s, const uint64_t *idx)
{
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    struct wb_infer_result *lo = NULL;
    struct counts k = {0, 0, 0, 0};
    struct wb_infer_hook h = {"count", c_before, c_after, c_deny, &k, NULL};
    uint64_t in[3];
    uint64_t size;

    grant(s, "c-7", "operator-17");
    in[0] = idx[0];
    in[1] = add(s, "{\"vib_rms\":2.5,\"temp_c\":50.0,\"current_a\":11.0}",
                "personal", "c-7", false);
    in[2] = idx[2];
    o.hooks = &h;
    o.hook_count = 1;
    TT_CHECK(wb_infer(s, ID, in, 3, &o, &r) == WB_OK);
    TT_CHECK(r && r->ran == 3 && r->denied == 0);
    test_lineage(s, in[1], r ? r->rows[1].output : 0);
    wb_infer_result_free(r);

    /* consent withdrawn: that record is denied and the denial logged; the
     * others run */
    TT_CHECK(wb_consent_withdraw(s, "c-7", NULL, "left the company", NULL) ==
             WB_OK);
    memset(&k, 0, sizeof k);
    TT_CHECK(wb_infer(s, ID, in, 3, &o, &r) == WB_OK);
    TT_CHECK(r && r->ran == 2 && r->denied == 1 && !r->rows[1].permitted &&
             !r->rows[1].ran);
    TT_CHECK(r && r->rows[1].why && strstr(r->rows[1].why, "withdrawn"));
    if (r != NULL) {
        /* the denial's claims say what was denied, without its payload */
        uint8_t *leaf = NULL;
        size_t n = 0;
        struct wb_claims *d = NULL;
        uint8_t lh[WB_HASH_BYTES];
        leaf_hash_of(s, in[1], lh);
        TT_CHECK(wb_site_leaf(s, r->rows[1].decision, &leaf, &n) == WB_OK);
        TT_CHECK(leaf && wb_claims_decode(leaf, n, &d) == WB_OK);
        TT_CHECK(d && strcmp(d->kind, "decision") == 0 &&
                 d->purpose_count == 1 &&
                 strcmp(d->purposes[0], "predictive-maintenance") == 0 &&
                 strcmp(d->data_class, "personal") == 0 &&
                 strcmp(d->consent_id, "c-7") == 0 &&
                 strcmp(d->sub, "press-7") == 0 &&
                 strcmp(d->jurisdiction, "DE") == 0 && d->parent_count == 1 &&
                 memcmp(d->parents[0], lh, WB_HASH_BYTES) == 0 && d->has_model);
        wb_claims_free(d);
        wb_free(leaf);
    }
    TT_CHECK(r && r->rows[0].why == NULL);
    TT_CHECK(k.deny == 1 && k.after == 2 && k.before == 3);
    if (r != NULL) {
        uint8_t *pay = NULL;
        uint8_t *leaf = NULL;
        size_t n = 0, pn = 0;
        int erased = 0;
        TT_CHECK(wb_site_entry(s, r->rows[1].decision, &leaf, &n, NULL, &pay,
                               &pn, &erased) == WB_OK);
        TT_CHECK(pay && strstr((char *)pay, "\"event\":\"inference-denied\""));
        TT_CHECK(pay && strstr((char *)pay, "\"enforced\":true"));
        wb_free(pay);
        wb_free(leaf);
    }

    /* log-only (a domestic build): the denial is logged, every record runs,
     * and the outputs are the same */
    o.mode = WB_INFER_LOG_ONLY;
    TT_CHECK(wb_infer(s, ID, in, 3, &o, &lo) == WB_OK);
    TT_CHECK(lo && lo->ran == 3 && lo->denied == 1 && lo->rows[1].ran);
    for (size_t i = 0; r && lo && i < 3; i++) {
        TT_CHECK(i == 1 || memcmp(r->rows[i].values, lo->rows[i].values,
                                  sizeof(float)) == 0);
    }
    wb_infer_result_free(lo);
    wb_infer_result_free(r);
    o.mode = WB_INFER_ENFORCE;

    /* residency: a local-only record held in DE, the model run in CN */
    o.run_in = "CN";
    TT_CHECK(wb_infer(s, ID, in, 1, &o, &r) == WB_OK);
    TT_CHECK(r && r->denied == 1 && r->ran == 0 &&
             strstr(r->rows[0].why, "local-only") != NULL);
    wb_infer_result_free(r);

    /* outside the model's jurisdictions: the call is refused, logged,
     * nothing run; an attached (process-wide) hook sees it too */
    o.run_in = "US";
    memset(&k, 0, sizeof k);
    {
        struct wb_infer_hook none = {"none", NULL, NULL, NULL, NULL, NULL};
        TT_CHECK(wb_infer_hook_attach(&h) == WB_OK);
        TT_CHECK(wb_infer_hook_attach(&none) == WB_ERR_INVAL);
    }
    size = wb_site_size(s);
    TT_CHECK(wb_infer(s, ID, in, 3, &o, &r) == WB_ERR_DENIED && r == NULL);
    TT_CHECK(strstr(wb_errmsg(), "may run only in DE, CN, not in US") != NULL);
    TT_CHECK(wb_site_size(s) == size + 1 && k.whole == 2 && k.after == 0);
    wb_infer_hook_detach_all();
    last_entry(s, "decision", "inference-refused");

    /* a purpose the vendor rules out */
    o.run_in = "DE";
    o.purpose = "marketing";
    TT_CHECK(wb_infer(s, ID, in, 1, &o, &r) == WB_ERR_DENIED);
    TT_CHECK(strstr(wb_errmsg(), "rules out use for marketing") != NULL);
    o.purpose = NULL;

    /* schema mismatches: refused, logged, nothing run */
    in[2] = add(s, "{\"vib_rms\":2.5,\"temp_c\":\"hot\",\"current_a\":1}",
                "non-personal", NULL, false);
    size = wb_site_size(s);
    TT_CHECK(wb_infer(s, ID, &in[2], 1, &o, &r) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "field \"temp_c\" (feature temp_c, Cel) is "
                                 "not a number") != NULL);
    TT_CHECK(wb_site_size(s) == size + 1);
    in[2] = add(s, "{\"vib_rms\":2.5,\"current_a\":1}", "non-personal", NULL,
                false);
    TT_CHECK(wb_infer(s, ID, &in[2], 1, &o, &r) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "field \"temp_c\"") != NULL &&
             strstr(wb_errmsg(), "is missing") != NULL);
    TT_CHECK(wb_site_erase(s, idx[5], "retention", NULL) == WB_OK);
    TT_CHECK(wb_infer(s, ID, &idx[5], 1, &o, &r) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "payload was erased") != NULL);
}

static void
test_selection(void)
{
    uint64_t *v = NULL;
    size_t n = 0;

    TT_CHECK(wb_infer_selection_parse("3-5,9,1", &v, &n) == WB_OK);
    TT_CHECK(n == 5 && v[0] == 3 && v[2] == 5 && v[3] == 9 && v[4] == 1);
    wb_free(v);
    TT_CHECK(wb_infer_selection_parse("5", &v, &n) == WB_OK && n == 1);
    wb_free(v);
    TT_CHECK(wb_infer_selection_parse("5-3", &v, &n) == WB_ERR_FORMAT);
    TT_CHECK(wb_infer_selection_parse("1,,2", &v, &n) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "position 3") != NULL);
    TT_CHECK(wb_infer_selection_parse("1 2", &v, &n) == WB_ERR_FORMAT);
    TT_CHECK(wb_infer_selection_parse("", &v, &n) == WB_ERR_FORMAT);
    TT_CHECK(wb_infer_selection_parse("0-10000", &v, &n) == WB_ERR_TOOBIG);
    TT_CHECK(v == NULL && n == 0);
    /* 10,000 in all, across ranges */
    TT_CHECK(wb_infer_selection_parse("0-4999,5000-9999", &v, &n) == WB_OK &&
             n == 10000);
    wb_free(v);
    TT_CHECK(wb_infer_selection_parse("0-4999,5000-10000", &v, &n) ==
             WB_ERR_TOOBIG);
    /* each record once */
    TT_CHECK(wb_infer_selection_parse("6,6,6", &v, &n) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "entry 6 is selected more than once") != NULL);
    TT_CHECK(wb_infer_selection_parse("1-10,5", &v, &n) == WB_ERR_FORMAT);
    TT_CHECK(v == NULL && n == 0);
}

/* A reading held in jurisdiction jur with residency list res; as
 * add_record. */
static uint64_t
add_placed(struct wb_site *s,
           const char *cls,
           const char *consent,
           const char *jur,
           const char *const *res,
           size_t res_n)
{
    return add_record(s, "{\"vib_rms\":2.5,\"temp_c\":60,\"current_a\":11}",
                      cls, consent, jur, false, res, res_n);
}

/* The residency claim of output record out, as "A,B" or "local-only",
 * into got (len bytes). */
static void
residency_of(struct wb_site *s, uint64_t out, char *got, size_t len)
{
    struct wb_claims *c = NULL;
    uint8_t *leaf = NULL;
    size_t n = 0;

    got[0] = '\0';
    TT_CHECK(wb_site_leaf(s, out, &leaf, &n) == WB_OK &&
             wb_claims_decode(leaf, n, &c) == WB_OK);
    for (size_t j = 0; c != NULL && j < c->residency_count; j++) {
        snprintf(got + strlen(got), len - strlen(got), "%s%s", j ? "," : "",
                 c->residency[j]);
    }
    if (c != NULL && c->residency_local_only) {
        snprintf(got, len, "local-only");
    }
    wb_claims_free(c);
    wb_free(leaf);
}

/* The residency claim of the output of a one-record call on rec, as
 * residency_of ("" when it did not run). */
static void
output_residency(struct wb_site *s,
                 uint64_t rec,
                 const struct wb_infer_opts *o,
                 char *got,
                 size_t len)
{
    struct wb_infer_result *r = NULL;

    got[0] = '\0';
    TT_CHECK(wb_infer(s, ID, &rec, 1, o, &r) == WB_OK);
    TT_CHECK_MSG(
        r != NULL && r->ran == 1, "entry %llu: %s", (unsigned long long)rec,
        r && r->count && r->rows[0].why ? r->rows[0].why : wb_errmsg());
    if (r != NULL && r->ran == 1) {
        residency_of(s, r->rows[0].output, got, len);
    }
    wb_infer_result_free(r);
}

/* An output resides no wider than its input, nor than the model's
 * outputs (DE, CN), nor than its consent's storage places less its
 * restrictions: run in DE on records held in DE. */
static void
test_output_residency(struct wb_site *s)
{
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    static const char *const de[] = {"DE"};
    static const char *const by[] = {"DE-BY"};
    static const char *const fr[] = {"FR"};
    static const char *const cn_de[] = {"CN", "DE"};
    static const char *const cn[] = {"CN"};
    static const struct {
        const char *const *in;
        size_t n;
        const char *out; /* "," joined, or "local-only" */
    } cases[] = {
        {de, 1, "DE"},
        {fr, 1, "local-only"},
        {cn_de, 2, "DE,CN"},
    };
    /* restricted from CN gives DE; stored only in DE-BY gives DE-BY */
    static const struct {
        const char *id;
        const char *const *restrict_to;
        size_t rn;
        const char *const *store;
        size_t sn;
        const char *where; /* held and run in */
        const char *out;
    } kcases[] = {
        {"c-res-cn", cn, 1, NULL, 0, "DE", "DE"},
        {"c-res-by", NULL, 0, by, 1, "DE-BY", "DE-BY"},
    };
    struct wb_model_entry me;
    char why[WB_INFER_WHY_MAX];
    char got[64];
    uint64_t two[2];

    /* the manifest's own terms, before any call */
    TT_CHECK(wb_model_get(s, ID, &me) == WB_OK);
    TT_CHECK(wb_model_call_allowed(me.manifest, "predictive-maintenance",
                                   "DE-BY", why, sizeof why) &&
             why[0] == '\0');
    TT_CHECK(!wb_model_call_allowed(me.manifest, "marketing", "US", why,
                                    sizeof why));
    TT_CHECK_MSG(strstr(why, "rules out use for marketing\n") != NULL &&
                     strstr(why, "may run only in DE, CN, not in US") != NULL,
                 "%s", why);
    TT_CHECK(!wb_model_call_allowed(NULL, "marketing", "DE", why, sizeof why));
    wb_model_entry_clear(&me);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t rec =
            add_placed(s, "non-personal", NULL, "DE", cases[i].in, cases[i].n);
        output_residency(s, rec, &o, got, sizeof got);
        TT_CHECK_MSG(strcmp(got, cases[i].out) == 0,
                     "case %zu: output residency %s, want %s", i, got,
                     cases[i].out);
    }

    /* one call over inputs of different residency: a record each, as
     * each record's claims hold for every output in it */
    two[0] = add_placed(s, "non-personal", NULL, "DE", de, 1);
    two[1] = add_placed(s, "non-personal", NULL, "DE", cn_de, 2);
    TT_CHECK(wb_infer(s, ID, two, 2, &o, &r) == WB_OK);
    TT_CHECK(r != NULL && r->ran == 2 &&
             r->rows[0].output != r->rows[1].output);
    wb_infer_result_free(r);

    for (size_t i = 0; i < sizeof kcases / sizeof kcases[0]; i++) {
        struct wb_consent k;
        uint64_t rec;

        memset(&k, 0, sizeof k);
        k.id = kcases[i].id;
        k.state = WB_CONSENT_GIVEN;
        k.subject = "subj-res";
        k.controller = "Example Plant GmbH";
        k.purposes = &flag_pm;
        k.purpose_count = 1;
        k.jurisdiction = "DE";
        k.geographic_restrictions = kcases[i].restrict_to;
        k.geographic_restriction_count = kcases[i].rn;
        k.storage_locations = kcases[i].store;
        k.storage_location_count = kcases[i].sn;
        TT_CHECK(wb_consent_grant(s, pol, &k, NULL) == WB_OK);
        rec = add_placed(s, "personal", kcases[i].id, kcases[i].where, NULL, 0);
        o.run_in = kcases[i].where;
        output_residency(s, rec, &o, got, sizeof got);
        TT_CHECK_MSG(strcmp(got, kcases[i].out) == 0,
                     "consent case %zu: output residency %s, want %s", i, got,
                     kcases[i].out);
    }

    /* one call on more consents than the gate keeps verdicts for (16):
     * each output is narrowed by its own consent (stored in DE-BY, where
     * the model runs, and a Land of its own), whether the gate kept the
     * consent it read or the record's consent is read again */
    {
        enum { NK = 20 };
        static const char *const land[] = {"DE-BW", "DE-BE", "DE-BB", "DE-HB",
                                           "DE-HH", "DE-HE", "DE-MV", "DE-NI",
                                           "DE-NW", "DE-RP", "DE-SL", "DE-SN",
                                           "DE-ST", "DE-SH", "DE-TH"};
        const char *stored[NK][2];
        uint64_t recs[NK];
        char id[NK][16];
        for (size_t i = 0; i < NK; i++) {
            struct wb_consent k;
            stored[i][0] = "DE-BY";
            stored[i][1] = land[i % (sizeof land / sizeof land[0])];
            snprintf(id[i], sizeof id[i], "c-many-%zu", i);
            memset(&k, 0, sizeof k);
            k.id = id[i];
            k.state = WB_CONSENT_GIVEN;
            k.subject = "subj-res";
            k.controller = "Example Plant GmbH";
            k.purposes = &flag_pm;
            k.purpose_count = 1;
            k.jurisdiction = "DE";
            k.storage_locations = stored[i];
            k.storage_location_count = 2;
            TT_CHECK(wb_consent_grant(s, pol, &k, NULL) == WB_OK);
            recs[i] = add_placed(s, "personal", id[i], "DE-BY", de, 1);
        }
        o.run_in = "DE-BY";
        TT_CHECK(wb_infer(s, ID, recs, NK, &o, &r) == WB_OK);
        TT_CHECK_MSG(r != NULL && r->ran == NK, "%s", wb_errmsg());
        for (size_t i = 0; r != NULL && i < r->count; i++) {
            char want[32];
            snprintf(want, sizeof want, "DE-BY,%s", stored[i][1]);
            residency_of(s, r->rows[i].output, got, sizeof got);
            TT_CHECK_MSG(strcmp(got, want) == 0,
                         "row %zu: output residency %s, want %s", i, got, want);
        }
        wb_infer_result_free(r);
    }
}

/* Residency beside where a record is held: a list that keeps it to part
 * of that place (DE-BY, held in DE) lets it run there, or in DE itself,
 * not elsewhere in DE; a list elsewhere (NL) leaves the place it is held
 * open. An input denied but run under log-only claims its own list,
 * never local-only where it ran, which would look compliant. */
static void
test_residency_within_home(struct wb_site *s)
{
    static const char *const by[] = {"DE-BY"};
    static const char *const nl[] = {"NL"};
    static const char *const fr[] = {"FR"};
    uint64_t by_de = add_placed(s, "non-personal", NULL, "DE", by, 1);
    uint64_t nl_de = add_placed(s, "non-personal", NULL, "DE", nl, 1);
    uint64_t fr_fr = add_placed(s, "non-personal", NULL, "FR", fr, 1);
    struct wb_infer_opts be = opts(WB_INFER_ENFORCE, "DE-BE");
    struct wb_infer_opts lo = opts(WB_INFER_LOG_ONLY, "DE");
    struct wb_infer_opts en = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    uint64_t two[2];
    char got[64];

    TT_CHECK(wb_infer(s, ID, &by_de, 1, &be, &r) == WB_OK);
    TT_CHECK_MSG(r && r->ran == 0 && r->denied == 1 && r->rows[0].why &&
                     strstr(r->rows[0].why, "does not include DE-BE"),
                 "%s", r && r->rows[0].why ? r->rows[0].why : "ran");
    wb_infer_result_free(r);
    r = NULL;
    be.run_in = "DE-BY";
    output_residency(s, by_de, &be, got, sizeof got);
    TT_CHECK_MSG(strcmp(got, "DE-BY") == 0, "%s", got);
    TT_CHECK(wb_infer(s, ID, &by_de, 1, &en, &r) == WB_OK);
    TT_CHECK(r && r->ran == 0 && r->denied == 1); /* DE at large */
    wb_infer_result_free(r);
    r = NULL;
    be.run_in = "DE-BE";
    output_residency(s, nl_de, &be, got, sizeof got);
    TT_CHECK_MSG(strcmp(got, "local-only") == 0, "%s", got);

    /* log-only: FR-only data run in DE */
    TT_CHECK(wb_infer(s, ID, &fr_fr, 1, &lo, &r) == WB_OK);
    TT_CHECK(r && r->ran == 1 && !r->rows[0].permitted);
    if (r != NULL && r->ran == 1) {
        residency_of(s, r->rows[0].output, got, sizeof got);
        TT_CHECK_MSG(strcmp(got, "FR") == 0, "log-only output claims %s", got);
    }
    wb_infer_result_free(r);
    r = NULL;
    /* a permitted input of the same group (same device, class and list)
     * never shares the denied one's record: held in DE it may run in DE,
     * its output local-only there; the one held in FR claims FR */
    two[0] = add_placed(s, "non-personal", NULL, "DE", fr, 1);
    two[1] = fr_fr;
    TT_CHECK(wb_infer(s, ID, two, 2, &lo, &r) == WB_OK);
    TT_CHECK(r && r->ran == 2);
    if (r != NULL && r->ran == 2) {
        TT_CHECK(r->rows[0].permitted && !r->rows[1].permitted &&
                 r->rows[0].output != r->rows[1].output);
        residency_of(s, r->rows[0].output, got, sizeof got);
        TT_CHECK_MSG(strcmp(got, "local-only") == 0, "permitted: %s", got);
        residency_of(s, r->rows[1].output, got, sizeof got);
        TT_CHECK_MSG(strcmp(got, "FR") == 0, "denied: %s", got);
    }
    wb_infer_result_free(r);
    r = NULL;
    /* a local-only record held in DE run log-only in CN: its output
     * claims DE, where it may be, not local-only in CN */
    two[0] = add_record(s, "{\"vib_rms\":2.5,\"temp_c\":60,\"current_a\":11}",
                        "non-personal", NULL, "DE", true, NULL, 0);
    lo.run_in = "CN";
    TT_CHECK(wb_infer(s, ID, two, 1, &lo, &r) == WB_OK);
    TT_CHECK(r && r->ran == 1 && !r->rows[0].permitted);
    if (r != NULL && r->ran == 1) {
        residency_of(s, r->rows[0].output, got, sizeof got);
        TT_CHECK_MSG(strcmp(got, "DE") == 0, "local-only, log-only: %s", got);
    }
    wb_infer_result_free(r);
}

/* A payload that is no JSON, whose parse error quotes a character cut in
 * two: the denial is logged (valid UTF-8) and the call goes on, as the
 * gateway needs; without deny_unfit the refusal is logged. */
static void
test_cut_character(struct wb_site *s)
{
    const char *bad = "[\"x\\u12\xc3\xa9\"]"; /* valid UTF-8, not JSON */
    struct wb_append e;
    struct wb_infer_record rec[2];
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    struct wb_model *m = NULL;
    uint64_t bi = 0;
    uint64_t good = add_placed(s, "non-personal", NULL, "DE", NULL, 0);
    uint64_t size;
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.sub = "press-7";
    e.claims.purposes = pm;
    e.claims.purpose_count = 1;
    e.claims.data_class = "non-personal";
    e.claims.jurisdiction = "DE";
    e.claims.media = "application/octet-stream";
    e.payload = (const uint8_t *)bad;
    e.payload_len = strlen(bad);
    TT_CHECK(wb_site_append(s, &e, &bi) == WB_OK);
    TT_CHECK(wb_model_open(s, ID, &m) == WB_OK);
    memset(rec, 0, sizeof rec);
    rec[0].index = bi; /* not held: read back, as after a restart */
    rec[1].index = good;
    o.deny_unfit = true;
    size = wb_site_size(s);
    TT_CHECK(m && wb_site_begin(s) == WB_OK);
    TT_CHECK_MSG(m && wb_infer_run_records(s, m, rec, 2, &o, &r) == WB_OK, "%s",
                 wb_errmsg());
    TT_CHECK(r && r->denied == 1 && r->ran == 1 && r->rows[0].why &&
             wb__utf8_valid((const uint8_t *)r->rows[0].why,
                            strlen(r->rows[0].why)));
    TT_CHECK(wb_site_commit(s) == WB_OK);
    TT_CHECK(wb_site_size(s) == size + 2); /* the denial, the output */
    TT_CHECK(r &&
             wb_site_payload(s, r->rows[0].decision, &p, &n, &erased) == WB_OK);
    {
        char text[1024];
        snprintf(text, sizeof text, "%.*s", (int)n, p ? (const char *)p : "");
        TT_CHECK_MSG(p && wb__utf8_valid(p, n) &&
                         strstr(text, "invalid escape") != NULL,
                     "%s", text);
    }
    wb_free(p);
    wb_infer_result_free(r);
    r = NULL;
    o.deny_unfit = false;
    TT_CHECK(m && wb_infer_run(s, m, &bi, 1, &o, &r) == WB_ERR_FORMAT);
    TT_CHECK(wb_infer_refused_entry(NULL) == size + 2);
    wb_model_close(m);
}

/* Inference record rec on its own: as many parents, inputs and outputs,
 * and parents[j] the leaf hash of inputs[j]. */
static void
check_record(struct wb_site *s, uint64_t rec)
{
    uint8_t *leaf = NULL;
    uint8_t *p = NULL;
    size_t n = 0;
    size_t pn = 0;
    int erased = 0;
    struct wb_claims *c = NULL;
    json_t *doc = NULL;
    json_t *ins;

    TT_CHECK(wb_site_entry(s, rec, &leaf, &n, &c, &p, &pn, &erased) == WB_OK);
    doc = p ? json_loadb((const char *)p, pn, 0, NULL) : NULL;
    ins = json_object_get(doc, "inputs");
    TT_CHECK_MSG(doc && c && json_array_size(ins) == c->parent_count &&
                     json_array_size(json_object_get(doc, "outputs")) ==
                         c->parent_count,
                 "record %llu: %.*s", (unsigned long long)rec, (int)pn,
                 p ? (const char *)p : "");
    for (size_t j = 0; c && j < c->parent_count && j < json_array_size(ins);
         j++) {
        uint8_t h[WB_HASH_BYTES];
        leaf_hash_of(s, (uint64_t)json_integer_value(json_array_get(ins, j)),
                     h);
        TT_CHECK(memcmp(h, c->parents[j], WB_HASH_BYTES) == 0);
    }
    json_decref(doc);
    wb_claims_free(c);
    wb_free(p);
    wb_free(leaf);
}

/* A failure while a call fills the batch's open record (any allocation)
 * rolls the batch back: nothing half written is committed later. Each
 * committed record's inputs, parents and outputs agree. */
static void
test_open_record_failure(struct wb_site *s)
{
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_model *m = NULL;
    uint64_t in[24];
    int failed = 0;
    int rolled = 0;

    for (size_t i = 0; i < 24; i++) {
        in[i] = add_placed(s, "non-personal", NULL, "DE", NULL, 0);
    }
    TT_CHECK(wb_model_open(s, ID, &m) == WB_OK);
    /* the open record's buffers grow at some row: fail each allocation of
     * each row's call in turn */
    for (size_t prior = 1; m != NULL && prior < 22; prior++) {
        for (unsigned long k = 1; k < 12; k++) {
            struct wb_infer_result *r = NULL;
            uint64_t rec = 0;
            wb_err rc;

            TT_CHECK(wb_site_begin(s) == WB_OK);
            for (size_t i = 0; i < prior; i++) {
                TT_CHECK(wb_infer_run(s, m, &in[i], 1, &o, &r) == WB_OK);
                rec = r ? r->rows[0].output : 0;
                wb_infer_result_free(r);
                r = NULL;
            }
            wb__test_fail_alloc_at(k);
            rc = wb_infer_run(s, m, &in[prior], 1, &o, &r);
            wb__test_fail_alloc_at(0);
            wb_infer_result_free(r);
            r = NULL;
            failed += rc != WB_OK;
            if (!wb_site_in_batch(s)) {
                rolled += rc != WB_OK;
                continue; /* rolled back: the caller is told */
            }
            /* the caller goes on: one more row, and commits */
            TT_CHECK_MSG(wb_infer_run(s, m, &in[prior + 1], 1, &o, &r) == WB_OK,
                         "%s", wb_errmsg());
            wb_infer_result_free(r);
            TT_CHECK(wb_site_commit(s) == WB_OK);
            check_record(s, rec);
        }
    }
    /* failures before the open record is touched leave the batch open */
    TT_CHECK_MSG(failed > rolled && rolled > 0, "%d failed, %d rolled back",
                 failed, rolled);
    wb_model_close(m);
}

/* A stored input payload changed behind the library's back: reading it
 * is refused naming the entry, and a call on it is refused and logged;
 * nothing runs on bytes the log does not commit to. */
static void
test_tampered_input(struct wb_site *s)
{
    struct wb_infer_opts o = opts(WB_INFER_ENFORCE, "DE");
    struct wb_infer_result *r = NULL;
    uint64_t rec = add_placed(s, "non-personal", NULL, "DE", NULL, 0);
    uint64_t size;
    sqlite3 *h = NULL;
    char sql[256];
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0;

    TT_CHECK(sqlite3_open(at("site/waybill.db"), &h) == SQLITE_OK);
    snprintf(sql, sizeof sql,
             "UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), "
             "'2.5', '9.5') AS BLOB) WHERE idx = %llu",
             (unsigned long long)rec);
    TT_CHECK(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
    TT_CHECK(wb_site_payload(s, rec, &p, &n, &erased) == WB_ERR_VERIFY && !p);
    TT_CHECK_MSG(strstr(wb_errmsg(), "does not match its salted commitment"),
                 "%s", wb_errmsg());
    size = wb_site_size(s);
    TT_CHECK(wb_infer(s, ID, &rec, 1, &o, &r) == WB_ERR_VERIFY && r == NULL);
    TT_CHECK(wb_infer_refused_entry(NULL) == size &&
             wb_site_size(s) == size + 1);
    {
        /* the gateway's way: that input denied alone, its denial naming
         * its leaf; an index with no entry is denied naming none */
        struct wb_model *m = NULL;
        struct wb_infer_record held[2];
        uint8_t lh[WB_HASH_BYTES];
        struct wb_claims *dc = NULL;
        uint8_t *leaf = NULL;
        size_t ln = 0;

        memset(held, 0, sizeof held);
        held[0].index = rec;
        held[1].index = wb_site_size(s) + 5;
        o.deny_unfit = true;
        TT_CHECK(wb_model_open(s, ID, &m) == WB_OK);
        TT_CHECK(m && wb_infer_run_records(s, m, held, 2, &o, &r) == WB_OK);
        TT_CHECK(r && r->denied == 2 && r->ran == 0 && r->rows[0].why &&
                 strstr(r->rows[0].why, "salted commitment"));
        leaf_hash_of(s, rec, lh);
        TT_CHECK(r &&
                 wb_site_leaf(s, r->rows[0].decision, &leaf, &ln) == WB_OK &&
                 wb_claims_decode(leaf, ln, &dc) == WB_OK);
        TT_CHECK(dc && dc->parent_count == 1 &&
                 memcmp(dc->parents[0], lh, WB_HASH_BYTES) == 0);
        TT_CHECK(dc && dc->sub && strcmp(dc->sub, "press-7") == 0 &&
                 dc->data_class && strcmp(dc->data_class, "non-personal") == 0);
        wb_claims_free(dc);
        wb_free(leaf);
        dc = NULL;
        leaf = NULL;
        TT_CHECK(r &&
                 wb_site_leaf(s, r->rows[1].decision, &leaf, &ln) == WB_OK &&
                 wb_claims_decode(leaf, ln, &dc) == WB_OK);
        TT_CHECK(dc && dc->parent_count == 0);
        wb_claims_free(dc);
        wb_free(leaf);
        wb_infer_result_free(r);
        r = NULL;
        wb_model_close(m);
        o.deny_unfit = false;
    }
    snprintf(sql, sizeof sql,
             "UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), "
             "'9.5', '2.5') AS BLOB) WHERE idx = %llu",
             (unsigned long long)rec);
    TT_CHECK(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    TT_CHECK(wb_infer(s, ID, &rec, 1, &o, &r) == WB_OK && r && r->ran == 1);
    wb_infer_result_free(r);
}

int
main(void)
{
    struct wb_site *s = NULL;
    struct wb_signer *vendor = NULL;
    struct wb_model_audit a;
    struct wb_verify_report rep;
    char *vkey = NULL;
    uint64_t idx[20];
    double want[20];
    FILE *out = tmpfile();

    snprintf(dir, sizeof dir, "/tmp/wbinfer.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL ||
        wb_policy_load_dir(WB_SRC_DIR "/profiles", &pol) != WB_OK) {
        return 1;
    }
    test_manifest();
    test_manifest_rules();
    test_selection();
    TT_CHECK(wb_site_create(at("site"), "infer.waybill.example", NULL, 0, &s) ==
             WB_OK);
    TT_CHECK(wb_signer_generate("vendor.example", &vendor) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(vendor, &vkey) == WB_OK);
    if (s != NULL && vendor != NULL) {
        test_packages(s, vendor, vkey);
        test_register(s, vendor, vkey);
        pack("pkg", NULL, NULL, vendor);
        TT_CHECK(wb_model_register(s, at("pkg"), vkey, NULL) == WB_OK);
        TT_CHECK(readings(s, idx, want) == 20);
        test_python_agrees(s, idx, want);
        test_governance(s, idx);
        TT_CHECK(wb_model_audit_report(s, ID, false, out, &a) == WB_OK);
        /* 20 + 3 + 2 + 3 outputs; 20 + 1 distinct inputs of which one is
         * personal; denials: consent, log-only consent, residency, the
         * US call, marketing, three schema refusals */
        TT_CHECK_MSG(a.inferences == 28 && a.inputs == 21 &&
                         a.by_class[1] == 1 && a.by_class[0] == 20,
                     "%llu %llu", (unsigned long long)a.inferences,
                     (unsigned long long)a.inputs);
        TT_CHECK_MSG(a.denials == 8 && a.refusals == 5, "%llu %llu",
                     (unsigned long long)a.denials,
                     (unsigned long long)a.refusals);
        test_grouping(s);
        test_single_rows(s);
        test_plugin(s);
        test_audit_old_format(s);
        test_backdated(s);
        test_output_residency(s);
        test_residency_within_home(s);
        test_cut_character(s);
        test_open_record_failure(s);
        test_tampered_input(s);
        TT_CHECK(wb_site_verify(s, &rep) == WB_OK);
    }
    fclose(out);
    wb_site_close(s);
    wb_signer_free(vendor);
    wb_free(vkey);
    wb_policy_free(pol);
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            tt_fail++;
        }
    }
    return TT_REPORT();
}
