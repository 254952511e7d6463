/* SPDX-License-Identifier: Apache-2.0 */
/* The document of one logged policy file (the "policy" register): strict
 * parsing, checks and the compact JSON it is stored as. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include <waybill/crypto.h>
#include <waybill/decision.h>

#include "govern/govern_int.h"

static const char *const fields[] = {"id",       "version", "replaces",
                                     "profile",  "file",    "sha256",
                                     "recorded", "text",    NULL};

void
wb__policy_text_digest(const char *text,
                       size_t len,
                       char hex[2 * WB_HASH_BYTES + 1])
{
    uint8_t h[WB_HASH_BYTES];

    wb_sha256((const uint8_t *)text, len, h);
    sodium_bin2hex(hex, 2 * WB_HASH_BYTES + 1, h, sizeof h);
}

/* Everything a stored version must satisfy, reported with `code`. */
static wb_err
check_doc(wb_err code, const struct wb_policy_doc *d)
{
    char hex[2 * WB_HASH_BYTES + 1];
    size_t idn = strnlen(d->id, sizeof d->id);
    bool vocab = strcmp(d->id, WB_POLICY_VOCABULARY_ID) == 0;

    if (!wb_id_ok(d->id, WB_REGISTER_ID_MAX)) {
        return wb__err(code, "field \"id\": \"%.64s\" is not a register id",
                       d->id);
    }
    if (d->version == 0 ||
        (d->version == 1 ? d->replaces != 0 : d->replaces != d->version - 1)) {
        return wb__err(code,
                       "field \"replaces\": version %u replaces %s, not %u",
                       (unsigned)d->version,
                       d->version <= 1 ? "nothing (null)" : "the one before",
                       (unsigned)d->replaces);
    }
    if (vocab ? d->profile[0] != '\0'
              : strncmp(d->profile, d->id, idn) != 0 ||
                    d->profile[idn] != '@' || d->profile[idn + 1] == '\0') {
        return wb__err(code,
                       "field \"profile\": \"%.64s\" is not %s@version (or "
                       "null for the vocabulary)",
                       d->profile, d->id);
    }
    if (d->file[0] == '\0' || strchr(d->file, '/') != NULL) {
        return wb__err(code, "field \"file\": a file's base name");
    }
    if (d->text == NULL || d->text_len == 0 ||
        d->text_len > WB_POLICY_DOC_MAX ||
        memchr(d->text, 0, d->text_len) != NULL) {
        return wb__err(code, "field \"text\": missing, empty, too long or "
                             "holding a NUL");
    }
    wb__policy_text_digest(d->text, d->text_len, hex);
    if (strcmp(hex, d->sha256) != 0) {
        return wb__err(code, "field \"sha256\": not the SHA-256 of the text");
    }
    if (d->recorded < 0 || d->recorded > WB_TIME_MAX) {
        return wb__err(code, "field \"recorded\": out of range");
    }
    return WB_OK;
}

/* A string member into dst (size bytes with the NUL); null or absent is
 * "" when optional. */
static wb_err
get_string(json_t *o, const char *key, bool required, char *dst, size_t size)
{
    json_t *v = json_object_get(o, key);

    dst[0] = '\0';
    if (v == NULL || json_is_null(v)) {
        return required ? wb__err(WB_ERR_FORMAT, "field \"%s\": missing", key)
                        : WB_OK;
    }
    if (!json_is_string(v) || json_string_length(v) >= size ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        return wb__err(WB_ERR_FORMAT,
                       "field \"%s\": not a string of at most %zu bytes", key,
                       size - 1);
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return WB_OK;
}

static wb_err
get_u32(json_t *o, const char *key, uint32_t *out)
{
    json_t *v = json_object_get(o, key);

    *out = 0;
    if (v == NULL || json_is_null(v)) {
        return WB_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > (json_int_t)UINT32_MAX) {
        return wb__err(WB_ERR_FORMAT,
                       "field \"%s\": not a whole number 1..4294967295", key);
    }
    *out = (uint32_t)json_integer_value(v);
    return WB_OK;
}

static wb_err
parse_object(json_t *o, struct wb_policy_doc *d)
{
    char recorded[WB_TIME_LEN + 2];
    json_t *text = json_object_get(o, "text");
    const char *key;
    json_t *val;
    wb_err rc = WB_OK;

    json_object_foreach(o, key, val)
    {
        size_t i = 0;
        (void)val;
        while (fields[i] != NULL && strcmp(fields[i], key) != 0) {
            i++;
        }
        if (fields[i] == NULL) {
            return wb__err(WB_ERR_FORMAT, "field \"%.64s\": unknown field",
                           key);
        }
    }
    if ((rc = get_string(o, "id", true, d->id, sizeof d->id)) != WB_OK ||
        (rc = get_u32(o, "version", &d->version)) != WB_OK ||
        (rc = get_u32(o, "replaces", &d->replaces)) != WB_OK ||
        (rc = get_string(o, "profile", false, d->profile, sizeof d->profile)) !=
            WB_OK ||
        (rc = get_string(o, "file", true, d->file, sizeof d->file)) != WB_OK ||
        (rc = get_string(o, "sha256", true, d->sha256, sizeof d->sha256)) !=
            WB_OK ||
        (rc = get_string(o, "recorded", true, recorded, sizeof recorded)) !=
            WB_OK) {
        return rc;
    }
    if (wb_time_parse(recorded, &d->recorded) != WB_OK) {
        return wb__err(WB_ERR_FORMAT, "field \"recorded\": not a UTC time "
                                      "YYYY-MM-DDTHH:MM:SSZ");
    }
    if (!json_is_string(text)) {
        return wb__err(WB_ERR_FORMAT, "field \"text\": missing or not a "
                                      "string");
    }
    d->text = wb__strndup(json_string_value(text), json_string_length(text));
    if (d->text == NULL) {
        return WB_ERR_NOMEM;
    }
    d->text_len = json_string_length(text);
    return check_doc(WB_ERR_FORMAT, d);
}

wb_err
wb_policy_doc_from_json(const char *json, size_t len, struct wb_policy_doc *out)
{
    json_error_t jerr;
    json_t *o;
    wb_err rc;

    if (out == NULL || json == NULL) {
        return wb__err(WB_ERR_INVAL, "policy document: no input or output");
    }
    memset(out, 0, sizeof *out);
    if (len > WB_POLICY_DOC_MAX) {
        return wb__err(WB_ERR_TOOBIG, "policy document: larger than %d bytes",
                       WB_POLICY_DOC_MAX);
    }
    o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL) {
        return wb__err(WB_ERR_FORMAT,
                       "policy document: line %d column %d: invalid JSON: %s",
                       jerr.line, jerr.column, jerr.text);
    }
    rc = json_is_object(o) ? parse_object(o, out)
                           : wb__err(WB_ERR_FORMAT, "not a JSON object");
    json_decref(o);
    if (rc != WB_OK) {
        wb_policy_doc_clear(out);
        if (rc != WB_ERR_NOMEM) {
            wb__err_prefix("policy document");
        }
    }
    return rc;
}

wb_err
wb_policy_doc_to_json(const struct wb_policy_doc *d, char **out)
{
    char recorded[WB_TIME_LEN + 1];
    json_t *o;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "policy document: no output");
    }
    *out = NULL;
    if (d == NULL) {
        return wb__err(WB_ERR_INVAL, "policy document: none");
    }
    rc = check_doc(WB_ERR_INVAL, d);
    if (rc != WB_OK) {
        return rc;
    }
    wb_time_format(d->recorded, recorded);
    o = json_pack("{s:s, s:I, s:o, s:o, s:s, s:s, s:s, s:s%}", "id", d->id,
                  "version", (json_int_t)d->version, "replaces",
                  d->replaces ? json_integer(d->replaces) : json_null(),
                  "profile",
                  d->profile[0] ? json_string(d->profile) : json_null(), "file",
                  d->file, "sha256", d->sha256, "recorded", recorded, "text",
                  d->text, d->text_len);
    if (o == NULL) {
        return wb__err(WB_ERR_INVAL, "policy %s: a field is not UTF-8", d->id);
    }
    rc = wb__json_dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER, out);
    json_decref(o);
    if (rc == WB_OK && strlen(*out) > WB_POLICY_DOC_MAX) {
        WB_FREE(*out);
        rc = wb__err(WB_ERR_TOOBIG,
                     "policy %s: its document is larger than %d bytes", d->id,
                     WB_POLICY_DOC_MAX);
    }
    return rc;
}

void
wb_policy_doc_clear(struct wb_policy_doc *d)
{
    if (d == NULL) {
        return;
    }
    wb__free(d->text);
    memset(d, 0, sizeof *d);
}

void
wb_policy_docs_free(struct wb_policy_doc *v, size_t count)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        wb__free(v[i].text);
    }
    wb__free(v);
}
