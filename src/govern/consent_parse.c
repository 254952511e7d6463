/* SPDX-License-Identifier: Apache-2.0 */
/* Consent records: strict parsing of the JSON document, and the memory a
 * parsed record owns. */
#include <jansson.h>
#include <string.h>

#include "govern/govern_int.h"

/* The document's fields, in the order they are written. */
static const char *const fields[] = {
    "id",
    "version",
    "replaces",
    "state",
    "subject",
    "controller",
    "purposes",
    "data_categories",
    "jurisdiction",
    "storage_locations",
    "processing_locations",
    "geographic_restrictions",
    "recipients",
    "retention",
    "expires",
    "withdrawal_method",
    "lawful_basis",
    "notice",
    "recorded",
    "by",
    "reason",
};

static wb_err
dup_string(const json_t *v, const char **out)
{
    char *d = wb__strndup(json_string_value(v), json_string_length(v));

    if (d == NULL) {
        return WB_ERR_NOMEM;
    }
    *out = d;
    return WB_OK;
}

/* A string field; absent or null leaves *out NULL. */
static wb_err
get_text(json_t *o, const char *name, const char **out)
{
    json_t *v = json_object_get(o, name);

    if (v == NULL || json_is_null(v)) {
        return WB_OK;
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "field \"%s\": not a string", name);
    }
    return dup_string(v, out);
}

/* An array of strings; absent or null is empty. */
static wb_err
get_list(json_t *o, const char *name, const char *const **out, size_t *count)
{
    json_t *v = json_object_get(o, name);
    size_t n;
    char **a;

    if (v == NULL || json_is_null(v)) {
        return WB_OK;
    }
    if (!json_is_array(v)) {
        return wb__err(WB_ERR_FORMAT, "field \"%s\": not an array", name);
    }
    n = json_array_size(v);
    if (n > WB_CONSENT_LIST_MAX) {
        return wb__err(WB_ERR_FORMAT, "field \"%s\": more than %d items", name,
                       WB_CONSENT_LIST_MAX);
    }
    if (n == 0) {
        return WB_OK;
    }
    a = wb__calloc(n, sizeof *a);
    if (a == NULL) {
        return WB_ERR_NOMEM;
    }
    *out = (const char *const *)a;
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(v, i);
        if (!json_is_string(item)) {
            return wb__err(WB_ERR_FORMAT, "field \"%s[%zu]\": not a string",
                           name, i);
        }
        if (dup_string(item, (const char **)&a[i]) != WB_OK) {
            return WB_ERR_NOMEM;
        }
        *count = i + 1;
    }
    return WB_OK;
}

/* "purposes": {"id": true|false, ...} in document order. */
static wb_err
get_purposes(json_t *o, struct wb_consent *c)
{
    json_t *v = json_object_get(o, "purposes");
    struct wb_consent_purpose *p;
    const char *key;
    json_t *val;
    size_t n;
    size_t i = 0;

    if (v == NULL || json_is_null(v)) {
        return wb__err(WB_ERR_FORMAT, "field \"purposes\": missing");
    }
    if (!json_is_object(v)) {
        return wb__err(WB_ERR_FORMAT, "field \"purposes\": not an object of "
                                      "purpose id: true|false");
    }
    n = json_object_size(v);
    if (n == 0 || n > WB_CONSENT_LIST_MAX) {
        return wb__err(WB_ERR_FORMAT, "field \"purposes\": want 1..%d purposes",
                       WB_CONSENT_LIST_MAX);
    }
    p = wb__calloc(n, sizeof *p);
    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    c->purposes = p;
    json_object_foreach(v, key, val)
    {
        if (!json_is_boolean(val)) {
            return wb__err(WB_ERR_FORMAT,
                           "field \"purposes.%.64s\": not true or false", key);
        }
        p[i].id = wb__strdup(key);
        if (p[i].id == NULL) {
            return WB_ERR_NOMEM;
        }
        p[i].granted = json_is_true(val);
        c->purpose_count = ++i;
    }
    return WB_OK;
}

/* A whole number 1..UINT32_MAX; absent or null is 0. */
static wb_err
get_u32(json_t *o, const char *name, uint32_t *out)
{
    json_t *v = json_object_get(o, name);

    if (v == NULL || json_is_null(v)) {
        return WB_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > (json_int_t)UINT32_MAX) {
        return wb__err(WB_ERR_FORMAT,
                       "field \"%s\": not a whole number 1..4294967295", name);
    }
    *out = (uint32_t)json_integer_value(v);
    return WB_OK;
}

/* A YYYY-MM-DD string v (field `name`) into *days. */
static wb_err
date_value(const json_t *v, const char *name, int32_t *days)
{
    if (!json_is_string(v) ||
        wb_date_parse(json_string_value(v), days) != WB_OK) {
        return wb__err(WB_ERR_FORMAT, "field \"%s\": not a date (YYYY-MM-DD)",
                       name);
    }
    return WB_OK;
}

static wb_err
get_date(json_t *o, const char *name, bool *has, int32_t *days)
{
    json_t *v = json_object_get(o, name);

    if (v == NULL || json_is_null(v)) {
        return WB_OK;
    }
    *has = true;
    return date_value(v, name, days);
}

/* "retention": {"until": "YYYY-MM-DD"} or null. */
static wb_err
get_retention(json_t *o, struct wb_consent *c)
{
    json_t *v = json_object_get(o, "retention");
    const char *key;
    json_t *val;

    if (v == NULL || json_is_null(v)) {
        return WB_OK;
    }
    if (!json_is_object(v)) {
        return wb__err(WB_ERR_FORMAT, "field \"retention\": not an object "
                                      "{\"until\": \"YYYY-MM-DD\"}");
    }
    json_object_foreach(v, key, val)
    {
        if (strcmp(key, "until") != 0) {
            return wb__err(WB_ERR_FORMAT,
                           "field \"retention.%.64s\": unknown field", key);
        }
    }
    if (json_object_get(v, "until") == NULL) {
        return wb__err(WB_ERR_FORMAT, "field \"retention.until\": missing");
    }
    c->has_retention = true;
    return date_value(json_object_get(v, "until"), "retention.until",
                      &c->retention_until);
}

static wb_err
get_recorded(json_t *o, struct wb_consent *c)
{
    json_t *v = json_object_get(o, "recorded");

    if (v == NULL || json_is_null(v)) {
        return WB_OK;
    }
    if (!json_is_string(v) ||
        wb_time_parse(json_string_value(v), &c->recorded) != WB_OK ||
        c->recorded == 0) {
        wb_errmsg_clear();
        return wb__err(WB_ERR_FORMAT, "field \"recorded\": not a UTC time "
                                      "YYYY-MM-DDTHH:MM:SSZ after 1970");
    }
    return WB_OK;
}

static wb_err
get_state(json_t *o, struct wb_consent *c)
{
    json_t *v = json_object_get(o, "state");

    if (v == NULL || json_is_null(v)) {
        return wb__err(WB_ERR_FORMAT, "field \"state\": missing");
    }
    if (!json_is_string(v) ||
        wb_consent_state_parse(json_string_value(v), &c->state) != WB_OK) {
        return wb__err(WB_ERR_FORMAT,
                       "field \"state\": not one of requested, given, "
                       "refused, withdrawn, revoked, expired, renewed");
    }
    return WB_OK;
}

/* Every key of the document must be a known field. */
static wb_err
check_keys(json_t *o)
{
    const char *key;
    json_t *val;

    json_object_foreach(o, key, val)
    {
        size_t i = 0;
        (void)val;
        while (i < sizeof fields / sizeof fields[0] &&
               strcmp(key, fields[i]) != 0) {
            i++;
        }
        if (i == sizeof fields / sizeof fields[0]) {
            return wb__err(WB_ERR_FORMAT, "field \"%.64s\": unknown field",
                           key);
        }
    }
    return WB_OK;
}

/* The string fields (other than lists) and where they go. */
static wb_err
get_texts(json_t *o, struct wb_consent *c)
{
    struct {
        const char *name;
        const char **dst;
    } t[] = {
        {"id", &c->id},
        {"subject", &c->subject},
        {"controller", &c->controller},
        {"jurisdiction", &c->jurisdiction},
        {"withdrawal_method", &c->withdrawal_method},
        {"lawful_basis", &c->lawful_basis},
        {"notice", &c->notice},
        {"by", &c->by},
        {"reason", &c->reason},
    };
    wb_err rc = WB_OK;

    for (size_t i = 0; rc == WB_OK && i < sizeof t / sizeof t[0]; i++) {
        rc = get_text(o, t[i].name, t[i].dst);
    }
    return rc;
}

static wb_err
get_lists(json_t *o, struct wb_consent *c)
{
    wb_err rc;

    rc = get_list(o, "data_categories", &c->data_categories,
                  &c->data_category_count);
    if (rc == WB_OK) {
        rc = get_list(o, "storage_locations", &c->storage_locations,
                      &c->storage_location_count);
    }
    if (rc == WB_OK) {
        rc = get_list(o, "processing_locations", &c->processing_locations,
                      &c->processing_location_count);
    }
    if (rc == WB_OK) {
        rc = get_list(o, "geographic_restrictions", &c->geographic_restrictions,
                      &c->geographic_restriction_count);
    }
    if (rc == WB_OK) {
        rc = get_list(o, "recipients", &c->recipients, &c->recipient_count);
    }
    return rc;
}

static wb_err
parse_object(json_t *o, struct wb_consent *c)
{
    wb_err rc = check_keys(o);

    if (rc == WB_OK) {
        rc = get_texts(o, c);
    }
    if (rc == WB_OK) {
        rc = get_u32(o, "version", &c->version);
    }
    if (rc == WB_OK) {
        rc = get_u32(o, "replaces", &c->replaces);
    }
    if (rc == WB_OK) {
        rc = get_state(o, c);
    }
    if (rc == WB_OK) {
        rc = get_purposes(o, c);
    }
    if (rc == WB_OK) {
        rc = get_lists(o, c);
    }
    if (rc == WB_OK) {
        rc = get_retention(o, c);
    }
    if (rc == WB_OK) {
        rc = get_date(o, "expires", &c->has_expires, &c->expires);
    }
    if (rc == WB_OK) {
        rc = get_recorded(o, c);
    }
    if (rc == WB_OK) {
        rc = wb__consent_check(WB_ERR_FORMAT, c);
    }
    return rc;
}

wb_err
wb_consent_from_json(const char *json, size_t len, struct wb_consent **out)
{
    struct wb_consent *c = NULL;
    json_error_t jerr;
    json_t *o;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no output");
    }
    *out = NULL;
    if (json == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no document");
    }
    if (len > WB_CONSENT_DOC_MAX) {
        return wb__err(WB_ERR_TOOBIG, "consent document: larger than %d bytes",
                       WB_CONSENT_DOC_MAX);
    }
    o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL) {
        return wb__err(WB_ERR_FORMAT,
                       "consent document: line %d column %d: invalid JSON: %s",
                       jerr.line, jerr.column, jerr.text);
    }
    if (!json_is_object(o)) {
        json_decref(o);
        return wb__err(WB_ERR_FORMAT, "consent document: not a JSON object");
    }
    c = wb__calloc(1, sizeof *c);
    rc = c != NULL ? parse_object(o, c) : WB_ERR_NOMEM;
    json_decref(o);
    if (rc != WB_OK) {
        wb_consent_free(c);
        if (rc != WB_ERR_NOMEM) {
            wb__err_prefix("consent document");
        }
        return rc;
    }
    *out = c;
    return WB_OK;
}

/* ---- memory ------------------------------------------------------------- */

static void
free_list(const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wb__free((void *)v[i]);
    }
    wb__free((void *)v);
}

/* Release what a library-made consent owns, and zero it. */
static void
consent_clear(struct wb_consent *c)
{
    const char *texts[] = {c->id,
                           c->subject,
                           c->controller,
                           c->jurisdiction,
                           c->withdrawal_method,
                           c->lawful_basis,
                           c->notice,
                           c->by,
                           c->reason};

    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        wb__free((void *)texts[i]);
    }
    for (size_t i = 0; c->purposes != NULL && i < c->purpose_count; i++) {
        wb__free((void *)c->purposes[i].id);
    }
    wb__free((void *)c->purposes);
    free_list(c->data_categories, c->data_category_count);
    free_list(c->storage_locations, c->storage_location_count);
    free_list(c->processing_locations, c->processing_location_count);
    free_list(c->geographic_restrictions, c->geographic_restriction_count);
    free_list(c->recipients, c->recipient_count);
    memset(c, 0, sizeof *c);
}

void
wb_consent_free(struct wb_consent *c)
{
    if (c == NULL) {
        return;
    }
    consent_clear(c);
    wb__free(c);
}

void
wb_consent_list_free(struct wb_consent *v, size_t count)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        consent_clear(&v[i]);
    }
    wb__free(v);
}
