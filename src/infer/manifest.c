/* SPDX-License-Identifier: Apache-2.0 */
/* The model manifest: a strict parser (every field checked, unknown and
 * duplicate keys refused) and the encoder that writes manifest bytes. */
#include <ctype.h>
#include <string.h>

#include "infer/infer_int.h"

static const char *const top_fields[] = {
    "format",        "name",          "version", "vendor",   "runtime",
    "model_file",    "input",         "output",  "purposes", "out_of_scope",
    "jurisdictions", "training_data", "files"};

/* Characters allowed in names (extra beyond a-z 0-9). */
static bool
chars_ok(const char *s, const char *extra, bool upper)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (upper && c >= 'A' && c <= 'Z') || strchr(extra, c) != NULL)) {
            return false;
        }
    }
    return true;
}

/* Printable text: no control characters (UTF-8 is checked by jansson). */
static bool
text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

/* ISO 3166-1 alpha-2 or 3166-2: [A-Z]{2}(-[A-Z0-9]{1,3})? */
static bool
code_ok(const char *s)
{
    size_t n = strlen(s);

    if (n != 2 && (n < 4 || n > 6)) {
        return false;
    }
    if (!isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1])) {
        return false;
    }
    if (n == 2) {
        return true;
    }
    if (s[2] != '-') {
        return false;
    }
    for (size_t i = 3; i < n; i++) {
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* A plain file name: no directories, no leading dot. */
static bool
file_name_ok(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n <= WB_MODEL_NAME_MAX && s[0] != '.' &&
           chars_ok(s, "._-", true) && strcmp(s, WB_MODEL_MANIFEST_FILE) != 0 &&
           strcmp(s, WB_MODEL_SIGNATURE_FILE) != 0;
}

enum kind {
    K_TEXT,
    K_PROSE,
    K_NAME,
    K_VERSION,
    K_LABEL,
    K_CODE,
    K_FILE,
    K_PURPOSE
};

static bool
value_ok(enum kind k, const char *s)
{
    size_t n = strlen(s);

    switch (k) {
    case K_TEXT:
        return text_ok(s, WB_MODEL_TEXT_MAX);
    case K_PROSE:
        return text_ok(s, WB__MODEL_PROSE_MAX);
    case K_NAME:
        return n > 0 && n <= WB_MODEL_NAME_MAX && chars_ok(s, "._-", false);
    case K_VERSION: /* no "+": name@version must be a register id */
        return n > 0 && n <= WB_MODEL_NAME_MAX && chars_ok(s, "._-", true);
    case K_LABEL:
        return n > 0 && n <= WB_MODEL_NAME_MAX && chars_ok(s, "._-+", true);
    case K_CODE:
        return code_ok(s);
    case K_FILE:
        return file_name_ok(s);
    case K_PURPOSE:
        return wb_id_ok(s, 256);
    }
    return false;
}

static const char *
kind_rule(enum kind k)
{
    switch (k) {
    case K_TEXT:
        return "1..1024 bytes of text without control characters";
    case K_PROSE:
        return "1..4096 bytes of text without control characters";
    case K_NAME:
        return "1..64 of a-z 0-9 . _ -";
    case K_VERSION:
        return "1..64 of A-Z a-z 0-9 . _ -";
    case K_LABEL:
        return "1..64 of A-Z a-z 0-9 . _ - +";
    case K_CODE:
        return "an ISO 3166 code such as DE or US-CA";
    case K_FILE:
        return "a plain file name (1..64 of A-Z a-z 0-9 . _ -, no leading "
               "dot, not manifest.json or manifest.sig)";
    case K_PURPOSE:
        return "a purpose id (1..256 of A-Z a-z 0-9 . _ : / @ -)";
    }
    return "?";
}

/* A checked string field of o into *out (copied). */
static wb_err
get_str(json_t *o, const char *key, const char *where, enum kind k, char **out)
{
    json_t *v = json_object_get(o, key);
    const char *s;

    if (v == NULL) {
        return wb__err(WB_ERR_FORMAT, "manifest: \"%s%s\": missing", where,
                       key);
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "manifest: \"%s%s\": not a string", where,
                       key);
    }
    s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || !value_ok(k, s)) {
        return wb__err(WB_ERR_FORMAT, "manifest: \"%s%s\": want %s", where, key,
                       kind_rule(k));
    }
    *out = wb__strdup(s);
    return *out ? WB_OK : WB_ERR_NOMEM;
}

/* Only the listed keys in o. */
static wb_err
only_keys(json_t *o, const char *where, const char *const *keys, size_t n)
{
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (i < n && strcmp(keys[i], k) != 0) {
            i++;
        }
        if (i == n) {
            return wb__err(WB_ERR_FORMAT, "manifest: \"%s%s\": unknown field",
                           where, k);
        }
    }
    return WB_OK;
}

/* The array field key of o: 1..WB_MODEL_LIST_MAX items (min may be 0). */
static wb_err
get_array(json_t *o, const char *key, const char *where, size_t min, json_t **a)
{
    *a = json_object_get(o, key);
    if (*a == NULL) {
        return wb__err(WB_ERR_FORMAT, "manifest: \"%s%s\": missing", where,
                       key);
    }
    if (!json_is_array(*a) || json_array_size(*a) < min ||
        json_array_size(*a) > WB_MODEL_LIST_MAX) {
        return wb__err(WB_ERR_FORMAT,
                       "manifest: \"%s%s\": want an array of %zu..%d items",
                       where, key, min, WB_MODEL_LIST_MAX);
    }
    return WB_OK;
}

/* A list of distinct strings. */
static wb_err
get_list(json_t *o,
         const char *key,
         const char *where,
         size_t min,
         enum kind k,
         char ***out,
         size_t *count)
{
    json_t *a;
    char path[96];
    wb_err rc = get_array(o, key, where, min, &a);

    if (rc != WB_OK) {
        return rc;
    }
    *out = wb__calloc(json_array_size(a) + 1, sizeof **out);
    if (*out == NULL) {
        return WB_ERR_NOMEM;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *wrap = json_pack("{s:O}", "v", json_array_get(a, i));
        snprintf(path, sizeof path, "%s%s[%zu]", where, key, i);
        rc = wrap ? get_str(wrap, "v", "", k, &(*out)[i]) : WB_ERR_NOMEM;
        json_decref(wrap);
        if (rc != WB_OK) {
            wb_errmsg_clear();
            return rc == WB_ERR_NOMEM
                       ? rc
                       : wb__err(WB_ERR_FORMAT, "manifest: \"%s\": want %s",
                                 path, kind_rule(k));
        }
        *count = i + 1;
        for (size_t j = 0; j < i; j++) {
            if (strcmp((*out)[j], (*out)[i]) == 0) {
                /* the value shortened, so that the reason fits */
                return wb__err(WB_ERR_FORMAT,
                               "manifest: \"%s\": \"%.64s%s\" repeated", path,
                               (*out)[i], strlen((*out)[i]) > 64 ? "..." : "");
            }
        }
    }
    return WB_OK;
}

static wb_err
parse_input(json_t *root, struct wb_model_manifest *m)
{
    static const char *const keys[] = {"name", "field", "unit"};
    json_t *a;
    char where[48];
    wb_err rc = get_array(root, "input", "", 1, &a);

    if (rc != WB_OK) {
        return rc;
    }
    m->input = wb__calloc(json_array_size(a), sizeof *m->input);
    if (m->input == NULL) {
        return WB_ERR_NOMEM;
    }
    for (size_t i = 0; i < json_array_size(a) && rc == WB_OK; i++) {
        json_t *f = json_array_get(a, i);
        struct wb_model_feature *x = &m->input[i];
        snprintf(where, sizeof where, "input[%zu].", i);
        m->input_count = i + 1;
        if (!json_is_object(f)) {
            return wb__err(WB_ERR_FORMAT,
                           "manifest: \"input[%zu]\": not an "
                           "object",
                           i);
        }
        rc = only_keys(f, where, keys, 3);
        if (rc == WB_OK) {
            rc = get_str(f, "name", where, K_LABEL, &x->name);
        }
        if (rc == WB_OK) {
            rc = get_str(f, "field", where, K_LABEL, &x->field);
        }
        if (rc == WB_OK) {
            rc = get_str(f, "unit", where, K_TEXT, &x->unit);
        }
        for (size_t j = 0; rc == WB_OK && j < i; j++) {
            if (strcmp(m->input[j].name, x->name) == 0) {
                rc = wb__err(WB_ERR_FORMAT,
                             "manifest: \"input[%zu].name\": \"%s\" repeated",
                             i, x->name);
            }
        }
    }
    return rc;
}

static wb_err
parse_output(json_t *root, struct wb_model_manifest *m)
{
    static const char *const keys[] = {"name", "unit"};
    json_t *a;
    char where[48];
    wb_err rc = get_array(root, "output", "", 1, &a);

    if (rc != WB_OK) {
        return rc;
    }
    m->output = wb__calloc(json_array_size(a), sizeof *m->output);
    if (m->output == NULL) {
        return WB_ERR_NOMEM;
    }
    for (size_t i = 0; i < json_array_size(a) && rc == WB_OK; i++) {
        json_t *f = json_array_get(a, i);
        snprintf(where, sizeof where, "output[%zu].", i);
        m->output_count = i + 1;
        if (!json_is_object(f)) {
            return wb__err(WB_ERR_FORMAT,
                           "manifest: \"output[%zu]\": not an object", i);
        }
        rc = only_keys(f, where, keys, 2);
        if (rc == WB_OK) {
            rc = get_str(f, "name", where, K_LABEL, &m->output[i].name);
        }
        if (rc == WB_OK) {
            rc = get_str(f, "unit", where, K_TEXT, &m->output[i].unit);
        }
        for (size_t j = 0; rc == WB_OK && j < i; j++) {
            if (strcmp(m->output[j].name, m->output[i].name) == 0) {
                rc = wb__err(WB_ERR_FORMAT,
                             "manifest: \"output[%zu].name\": \"%s\" repeated",
                             i, m->output[i].name);
            }
        }
    }
    return rc;
}

/* One files[] item. */
static wb_err
parse_file(json_t *f, size_t i, struct wb_model_file *x)
{
    static const char *const keys[] = {"path", "sha256", "bytes"};
    char where[48];
    json_t *h;
    json_t *b;
    wb_err rc;

    snprintf(where, sizeof where, "files[%zu].", i);
    if (!json_is_object(f)) {
        return wb__err(WB_ERR_FORMAT,
                       "manifest: \"files[%zu]\": not an "
                       "object",
                       i);
    }
    rc = only_keys(f, where, keys, 3);
    if (rc == WB_OK) {
        rc = get_str(f, "path", where, K_FILE, &x->path);
    }
    if (rc != WB_OK) {
        return rc;
    }
    h = json_object_get(f, "sha256");
    if (!json_is_string(h) || json_string_length(h) != 64 ||
        !chars_ok(json_string_value(h), "", false) ||
        wb_hex_decode(json_string_value(h), 64, x->sha256, 32) != WB_OK) {
        wb_errmsg_clear();
        return wb__err(WB_ERR_FORMAT,
                       "manifest: \"%ssha256\": want 64 lower-case hex digits",
                       where);
    }
    b = json_object_get(f, "bytes");
    if (!json_is_integer(b) || json_integer_value(b) < 0 ||
        json_integer_value(b) > WB_MODEL_FILE_MAX) {
        return wb__err(WB_ERR_FORMAT,
                       "manifest: \"%sbytes\": want an integer 0..%d", where,
                       WB_MODEL_FILE_MAX);
    }
    x->bytes = (uint64_t)json_integer_value(b);
    return WB_OK;
}

static wb_err
parse_files(json_t *root, struct wb_model_manifest *m)
{
    json_t *a;
    bool found = false;
    wb_err rc = get_array(root, "files", "", 1, &a);

    if (rc != WB_OK) {
        return rc;
    }
    m->files = wb__calloc(json_array_size(a), sizeof *m->files);
    if (m->files == NULL) {
        return WB_ERR_NOMEM;
    }
    for (size_t i = 0; i < json_array_size(a) && rc == WB_OK; i++) {
        m->file_count = i + 1;
        rc = parse_file(json_array_get(a, i), i, &m->files[i]);
        for (size_t j = 0; rc == WB_OK && j < i; j++) {
            if (strcmp(m->files[j].path, m->files[i].path) == 0) {
                rc = wb__err(WB_ERR_FORMAT,
                             "manifest: \"files[%zu].path\": \"%s\" repeated",
                             i, m->files[i].path);
            }
        }
        found = found ||
                (rc == WB_OK && strcmp(m->files[i].path, m->model_file) == 0);
    }
    if (rc == WB_OK && !found) {
        rc = wb__err(WB_ERR_FORMAT,
                     "manifest: \"model_file\": \"%s\" is not in \"files\"",
                     m->model_file);
    }
    return rc;
}

static wb_err
parse_jurisdictions(json_t *root, struct wb_model_manifest *m)
{
    static const char *const keys[] = {"run", "output"};
    json_t *j = json_object_get(root, "jurisdictions");
    wb_err rc;

    if (!json_is_object(j)) {
        return wb__err(WB_ERR_FORMAT, "manifest: \"jurisdictions\": %s",
                       j ? "not an object" : "missing");
    }
    rc = only_keys(j, "jurisdictions.", keys, 2);
    if (rc == WB_OK) {
        rc = get_list(j, "run", "jurisdictions.", 1, K_CODE, &m->run_in,
                      &m->run_in_count);
    }
    if (rc == WB_OK) {
        rc = get_list(j, "output", "jurisdictions.", 1, K_CODE, &m->output_to,
                      &m->output_to_count);
    }
    return rc;
}

/* No intended purpose is also ruled out: such a model could never run for
 * it (every call would be refused). */
static wb_err
scope_ok(const struct wb_model_manifest *m)
{
    for (size_t i = 0; i < m->out_of_scope_count; i++) {
        if (wb__infer_in_list(m->purposes, m->purpose_count,
                              m->out_of_scope[i])) {
            return wb__err(WB_ERR_FORMAT,
                           "manifest: \"out_of_scope[%zu]\": \"%.64s%s\" is "
                           "also an intended purpose (in \"purposes\")",
                           i, m->out_of_scope[i],
                           strlen(m->out_of_scope[i]) > 64 ? "..." : "");
        }
    }
    return WB_OK;
}

static wb_err
parse_root(json_t *root, bool allow_no_files, struct wb_model_manifest *m)
{
    char *format = NULL;
    wb_err rc = only_keys(root, "", top_fields,
                          sizeof top_fields / sizeof top_fields[0]);

    if (rc == WB_OK) {
        rc = get_str(root, "format", "", K_TEXT, &format);
    }
    if (rc == WB_OK && strcmp(format, WB_MODEL_FORMAT) != 0) {
        rc = wb__err(WB_ERR_FORMAT, "manifest: \"format\": want \"%s\"",
                     WB_MODEL_FORMAT);
    }
    wb__free(format);
    if (rc == WB_OK) {
        rc = get_str(root, "name", "", K_NAME, &m->name);
    }
    if (rc == WB_OK) {
        rc = get_str(root, "version", "", K_VERSION, &m->version);
    }
    if (rc == WB_OK) {
        rc = get_str(root, "vendor", "", K_TEXT, &m->vendor);
    }
    if (rc == WB_OK) {
        rc = get_str(root, "runtime", "", K_NAME, &m->runtime);
    }
    if (rc == WB_OK) {
        rc = get_str(root, "model_file", "", K_FILE, &m->model_file);
    }
    if (rc == WB_OK) {
        rc = parse_input(root, m);
    }
    if (rc == WB_OK) {
        rc = parse_output(root, m);
    }
    if (rc == WB_OK) {
        rc = get_list(root, "purposes", "", 1, K_PURPOSE, &m->purposes,
                      &m->purpose_count);
    }
    if (rc == WB_OK) {
        rc = get_list(root, "out_of_scope", "", 0, K_TEXT, &m->out_of_scope,
                      &m->out_of_scope_count);
    }
    if (rc == WB_OK) {
        rc = scope_ok(m);
    }
    if (rc == WB_OK) {
        rc = parse_jurisdictions(root, m);
    }
    if (rc == WB_OK) {
        rc = get_str(root, "training_data", "", K_PROSE, &m->training_data);
    }
    if (rc == WB_OK && (!allow_no_files || json_object_get(root, "files"))) {
        rc = parse_files(root, m);
    }
    return rc;
}

wb_err
wb_model_manifest_parse(const char *json,
                        size_t len,
                        bool allow_no_files,
                        struct wb_model_manifest **out)
{
    struct wb_model_manifest *m = NULL;
    json_error_t jerr;
    json_t *root = NULL;
    wb_err rc = WB_OK;

    if (out == NULL || (json == NULL && len > 0)) {
        return wb__err(WB_ERR_INVAL, "manifest: missing argument");
    }
    *out = NULL;
    if (len > (allow_no_files ? WB_MODEL_SPEC_MAX : WB_MODEL_MANIFEST_MAX)) {
        return wb__err(WB_ERR_TOOBIG, "%s: larger than %d bytes",
                       allow_no_files ? "spec" : "manifest",
                       allow_no_files ? WB_MODEL_SPEC_MAX
                                      : WB_MODEL_MANIFEST_MAX);
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        return wb__err(WB_ERR_FORMAT, "manifest: line %d column %d: %s",
                       jerr.line, jerr.column, jerr.text);
    }
    if (!json_is_object(root)) {
        rc = wb__err(WB_ERR_FORMAT, "manifest: not a JSON object");
        goto out;
    }
    m = wb__calloc(1, sizeof *m);
    if (m == NULL) {
        rc = WB_ERR_NOMEM;
        goto out;
    }
    rc = parse_root(root, allow_no_files, m);
    if (rc == WB_OK) {
        *out = m;
        m = NULL;
    }
out:
    wb_model_manifest_free(m);
    json_decref(root);
    return rc;
}

static void
free_list(char **v, size_t n)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        wb__free(v[i]);
    }
    wb__free(v);
}

void
wb_model_manifest_free(struct wb_model_manifest *m)
{
    if (m == NULL) {
        return;
    }
    wb__free(m->name);
    wb__free(m->version);
    wb__free(m->vendor);
    wb__free(m->runtime);
    wb__free(m->model_file);
    for (size_t i = 0; m->input != NULL && i < m->input_count; i++) {
        wb__free(m->input[i].name);
        wb__free(m->input[i].field);
        wb__free(m->input[i].unit);
    }
    wb__free(m->input);
    for (size_t i = 0; m->output != NULL && i < m->output_count; i++) {
        wb__free(m->output[i].name);
        wb__free(m->output[i].unit);
    }
    wb__free(m->output);
    free_list(m->purposes, m->purpose_count);
    free_list(m->out_of_scope, m->out_of_scope_count);
    free_list(m->run_in, m->run_in_count);
    free_list(m->output_to, m->output_to_count);
    wb__free(m->training_data);
    for (size_t i = 0; m->files != NULL && i < m->file_count; i++) {
        wb__free(m->files[i].path);
    }
    wb__free(m->files);
    wb__free(m);
}

static json_t *
list_json(char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

wb_err
wb_model_manifest_encode(const struct wb_model_manifest *m,
                         char **out,
                         size_t *out_len)
{
    json_t *in = json_array();
    json_t *o_ = json_array();
    json_t *files = json_array();
    json_t *root = NULL;
    char *s = NULL;
    char hex[65];
    wb_err rc;

    for (size_t i = 0; in && i < m->input_count; i++) {
        json_array_append_new(
            in, json_pack("{s:s, s:s, s:s}", "name", m->input[i].name, "field",
                          m->input[i].field, "unit", m->input[i].unit));
    }
    for (size_t i = 0; o_ && i < m->output_count; i++) {
        json_array_append_new(o_,
                              json_pack("{s:s, s:s}", "name", m->output[i].name,
                                        "unit", m->output[i].unit));
    }
    for (size_t i = 0; files && i < m->file_count; i++) {
        wb_hex_encode(m->files[i].sha256, 32, hex);
        json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "path",
                                               m->files[i].path, "sha256", hex,
                                               "bytes",
                                               (json_int_t)m->files[i].bytes));
    }
    root = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o}, "
        "s:s}",
        "format", WB_MODEL_FORMAT, "name", m->name, "version", m->version,
        "vendor", m->vendor, "runtime", m->runtime, "model_file", m->model_file,
        "input", in, "output", o_, "purposes",
        list_json(m->purposes, m->purpose_count), "out_of_scope",
        list_json(m->out_of_scope, m->out_of_scope_count), "jurisdictions",
        "run", list_json(m->run_in, m->run_in_count), "output",
        list_json(m->output_to, m->output_to_count), "training_data",
        m->training_data);
    if (root != NULL && m->file_count > 0) {
        json_object_set_new(root, "files", files); /* absent in a spec */
    } else {
        json_decref(files);
    }
    rc = root ? wb__json_dump(root, JSON_COMPACT | JSON_SORT_KEYS, &s)
              : WB_ERR_NOMEM;
    json_decref(root);
    if (rc == WB_OK) {
        size_t n = strlen(s);
        char *t = wb__realloc(s, n + 2);
        if (t == NULL) {
            wb__free(s);
            return WB_ERR_NOMEM;
        }
        t[n] = '\n';
        t[n + 1] = '\0';
        *out = t;
        *out_len = n + 1;
    }
    return rc;
}

void
wb_model_digest(const uint8_t *manifest, size_t len, uint8_t out[WB_HASH_BYTES])
{
    wb_sha256(manifest, len, out);
}

wb_err
wb_model_manifest_places_check(const struct wb_model_manifest *m)
{
    static const char *const field[] = {"run", "output"};
    char *const *v[] = {m->run_in, m->output_to};
    size_t n[] = {m->run_in_count, m->output_to_count};
    wb_err rc = WB_OK;

    for (size_t k = 0; rc == WB_OK && k < 2; k++) {
        for (size_t i = 0; rc == WB_OK && i < n[k]; i++) {
            rc = wb_region_check(v[k][i]);
            if (rc == WB_ERR_INVAL) {
                rc = wb__err(WB_ERR_FORMAT,
                             "manifest: \"jurisdictions.%s[%zu]\": \"%s\" is "
                             "not an ISO 3166-1 country code or ISO 3166-2 "
                             "subdivision",
                             field[k], i, v[k][i]);
            }
        }
    }
    return rc;
}
