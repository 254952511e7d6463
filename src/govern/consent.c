/* SPDX-License-Identifier: Apache-2.0 */
/* Consent records: the strict JSON document, and every change (grant,
 * answer, withdrawal, renewal, revocation) recorded as a new version in the
 * "consent" register of the log. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <waybill/consent.h>

#include "core/core_int.h"

#define DAY_MIN       (-25567)       /* 1900-01-01 */
#define DAY_MAX       2932896        /* 9999-12-31 */
#define RECORDED_MAX  253402300799LL /* 9999-12-31T23:59:59Z */
#define CODE_MAX_LEN  6              /* "US-CA", "CN-BJ", "FR-75C" */
#define TIMESTAMP_LEN 20             /* "YYYY-MM-DDTHH:MM:SSZ" */

static const char *const state_names[] = {
    [WB_CONSENT_NONE] = "none",           [WB_CONSENT_REQUESTED] = "requested",
    [WB_CONSENT_GIVEN] = "given",         [WB_CONSENT_REFUSED] = "refused",
    [WB_CONSENT_WITHDRAWN] = "withdrawn", [WB_CONSENT_REVOKED] = "revoked",
    [WB_CONSENT_EXPIRED] = "expired",     [WB_CONSENT_RENEWED] = "renewed",
};

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

const char *
wb_consent_state_name(enum wb_consent_status st)
{
    if ((unsigned)st >= sizeof state_names / sizeof state_names[0]) {
        return "?";
    }
    return state_names[st];
}

wb_err
wb_consent_state_parse(const char *name, enum wb_consent_status *st)
{
    for (unsigned i = WB_CONSENT_REQUESTED;
         i < sizeof state_names / sizeof state_names[0]; i++) {
        if (name != NULL && strcmp(name, state_names[i]) == 0) {
            *st = (enum wb_consent_status)i;
            return WB_OK;
        }
    }
    return wb__err(WB_ERR_INVAL,
                   "\"%.64s\" is not a consent state (requested, given, "
                   "refused, withdrawn, revoked, expired, renewed)",
                   name ? name : "");
}

/* ---- checks shared by parsing and writing --------------------------------
 */

/* Text: 1..max bytes, no control characters. */
static wb_err
check_text(wb_err code, const char *field, const char *s, size_t max)
{
    size_t n;

    if (s == NULL) {
        return wb__err(code, "field \"%s\": missing", field);
    }
    n = strnlen(s, max + 1);
    if (n == 0) {
        return wb__err(code, "field \"%s\": empty", field);
    }
    if (n > max) {
        return wb__err(code, "field \"%s\": longer than %zu bytes", field, max);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) {
            return wb__err(code, "field \"%s\": control character", field);
        }
    }
    return WB_OK;
}

static wb_err
check_opt_text(wb_err code, const char *field, const char *s, size_t max)
{
    return s == NULL ? WB_OK : check_text(code, field, s, max);
}

/* Purpose ids, as in the vocabulary: a-z 0-9 - */
static bool
purpose_id_ok(const char *p)
{
    size_t n = strnlen(p, WB_CONSENT_ITEM_MAX + 1);

    if (n == 0 || n > WB_CONSENT_ITEM_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
              p[i] == '-')) {
            return false;
        }
    }
    return true;
}

/* ISO 3166-1 alpha-2 "DE", or ISO 3166-2 "US-CA". */
static bool
code_ok(const char *s)
{
    size_t n = strnlen(s, CODE_MAX_LEN + 1);

    if (n < 2 || !(s[0] >= 'A' && s[0] <= 'Z') ||
        !(s[1] >= 'A' && s[1] <= 'Z')) {
        return false;
    }
    if (n == 2) {
        return true;
    }
    if (n < 4 || n > CODE_MAX_LEN || s[2] != '-') {
        return false;
    }
    for (size_t i = 3; i < n; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) {
            return false;
        }
    }
    return true;
}

/* A list of texts (codes when `codes`): at most WB_CONSENT_LIST_MAX, each
 * valid, no duplicates. */
static wb_err
check_list(
    wb_err code, const char *field, const char *const *v, size_t n, bool codes)
{
    char name[64];
    wb_err rc;

    if (n > WB_CONSENT_LIST_MAX) {
        return wb__err(code, "field \"%s\": more than %d items", field,
                       WB_CONSENT_LIST_MAX);
    }
    if (n > 0 && v == NULL) {
        return wb__err(code, "field \"%s\": NULL list", field);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s[%zu]", field, i);
        if (v[i] == NULL) {
            return wb__err(code, "field \"%s\": NULL", name);
        }
        rc = check_text(code, name, v[i], WB_CONSENT_ITEM_MAX);
        if (rc != WB_OK) {
            return rc;
        }
        if (codes && !code_ok(v[i])) {
            return wb__err(code,
                           "field \"%s\": \"%s\" is not an ISO 3166-1 "
                           "alpha-2 or ISO 3166-2 code",
                           name, v[i]);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(v[i], v[j]) == 0) {
                return wb__err(code, "field \"%s\": \"%s\" listed twice", name,
                               v[i]);
            }
        }
    }
    return WB_OK;
}

static wb_err
check_purposes(wb_err code, const struct wb_consent *c)
{
    if (c->purpose_count == 0 || c->purposes == NULL) {
        return wb__err(code, "field \"purposes\": missing or empty");
    }
    if (c->purpose_count > WB_CONSENT_LIST_MAX) {
        return wb__err(code, "field \"purposes\": more than %d purposes",
                       WB_CONSENT_LIST_MAX);
    }
    for (size_t i = 0; i < c->purpose_count; i++) {
        const char *p = c->purposes[i].id;
        if (p == NULL || !purpose_id_ok(p)) {
            return wb__err(code,
                           "field \"purposes\": \"%.64s\" is not a purpose id "
                           "(1..%d of a-z 0-9 -)",
                           p ? p : "", WB_CONSENT_ITEM_MAX);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p, c->purposes[j].id) == 0) {
                return wb__err(code, "field \"purposes\": \"%s\" listed twice",
                               p);
            }
        }
    }
    return WB_OK;
}

/* Version, replaces, state, dates and timestamp. */
static wb_err
check_numbers(wb_err code, const struct wb_consent *c)
{
    if (c->version <= 1 ? c->replaces != 0 : c->replaces != c->version - 1) {
        return wb__err(code,
                       "field \"replaces\": version %u replaces %s, not %u",
                       (unsigned)c->version,
                       c->version <= 1 ? "nothing (null)" : "the one before",
                       (unsigned)c->replaces);
    }
    if (c->state <= WB_CONSENT_NONE || c->state > WB_CONSENT_RENEWED) {
        return wb__err(code, "field \"state\": missing or unknown");
    }
    if (c->has_retention &&
        (c->retention_until < DAY_MIN || c->retention_until > DAY_MAX)) {
        return wb__err(code, "field \"retention\": date out of range");
    }
    if (c->has_expires && (c->expires < DAY_MIN || c->expires > DAY_MAX)) {
        return wb__err(code, "field \"expires\": date out of range");
    }
    if (c->recorded < 0 || c->recorded > RECORDED_MAX) {
        return wb__err(code, "field \"recorded\": out of range");
    }
    return WB_OK;
}

/* Everything a stored document must satisfy, reported with `code`. */
static wb_err
check_consent(wb_err code, const struct wb_consent *c)
{
    wb_err rc;

    if (c->id == NULL || !wb_id_ok(c->id, WB_CONSENT_ID_MAX)) {
        return wb__err(code,
                       "field \"id\": \"%.64s\" is not 1..%d of A-Z a-z 0-9 "
                       ". _ : / @ -",
                       c->id ? c->id : "", WB_CONSENT_ID_MAX);
    }
    rc = check_numbers(code, c);
    if (rc == WB_OK) {
        rc = check_text(code, "subject", c->subject, WB_CONSENT_ITEM_MAX);
    }
    if (rc == WB_OK) {
        rc = check_text(code, "controller", c->controller, WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_purposes(code, c);
    }
    if (rc == WB_OK && (c->jurisdiction == NULL || !code_ok(c->jurisdiction))) {
        rc = wb__err(code,
                     "field \"jurisdiction\": \"%.64s\" is not an ISO 3166-1 "
                     "alpha-2 or ISO 3166-2 code",
                     c->jurisdiction ? c->jurisdiction : "");
    }
    if (rc == WB_OK) {
        rc = check_list(code, "data_categories", c->data_categories,
                        c->data_category_count, false);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "storage_locations", c->storage_locations,
                        c->storage_location_count, true);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "processing_locations", c->processing_locations,
                        c->processing_location_count, true);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "geographic_restrictions",
                        c->geographic_restrictions,
                        c->geographic_restriction_count, true);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "recipients", c->recipients, c->recipient_count,
                        false);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "withdrawal_method", c->withdrawal_method,
                            WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "lawful_basis", c->lawful_basis,
                            WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "notice", c->notice, WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "by", c->by, WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "reason", c->reason, WB_CONSENT_TEXT_MAX);
    }
    return rc;
}

/* ---- time ------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SSZ" of t into buf (TIMESTAMP_LEN + 1 bytes). */
static void
format_timestamp(int64_t t, char *buf)
{
    int32_t days = (int32_t)(t / 86400);
    unsigned rest = (unsigned)(t % 86400);
    char date[11];
    char text[64];

    wb_date_format(days, date);
    snprintf(text, sizeof text, "%.10sT%02u:%02u:%02uZ", date,
             (rest / 3600) % 24u, (rest / 60) % 60u, rest % 60u);
    memcpy(buf, text, TIMESTAMP_LEN);
    buf[TIMESTAMP_LEN] = '\0';
}

static bool
two_digits(const char *s, int max, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
        return false;
    }
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return *out <= max;
}

/* Strict UTC timestamp, after 1970-01-01T00:00:00Z. */
static bool
parse_timestamp(const char *s, int64_t *out)
{
    char date[11];
    int32_t days = 0;
    int h = 0;
    int m = 0;
    int sec = 0;

    if (strlen(s) != TIMESTAMP_LEN || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z') {
        return false;
    }
    memcpy(date, s, 10);
    date[10] = '\0';
    if (wb_date_parse(date, &days) != WB_OK || !two_digits(s + 11, 23, &h) ||
        !two_digits(s + 14, 59, &m) || !two_digits(s + 17, 59, &sec)) {
        wb_errmsg_clear();
        return false;
    }
    *out = (int64_t)days * 86400 + (int64_t)h * 3600 + (int64_t)m * 60 + sec;
    return *out > 0;
}

static int32_t
today(void)
{
    return (int32_t)((int64_t)time(NULL) / 86400);
}

/* ---- parsing ------------------------------------------------------------ */

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
        !parse_timestamp(json_string_value(v), &c->recorded)) {
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
        rc = check_consent(WB_ERR_FORMAT, c);
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

/* ---- writing ------------------------------------------------------------ */

/* Set o[name] to v (stolen), or to null when v is NULL because the input
 * was NULL; a NULL from a failed conversion is reported. */
static wb_err
put(json_t *o, const char *name, json_t *v)
{
    if (v == NULL) {
        return wb__err(WB_ERR_INVAL, "field \"%s\": not UTF-8", name);
    }
    if (json_object_set_new(o, name, v) != 0) {
        return WB_ERR_NOMEM;
    }
    return WB_OK;
}

static wb_err
put_text(json_t *o, const char *name, const char *s)
{
    return put(o, name, s == NULL ? json_null() : json_string(s));
}

static wb_err
put_list(json_t *o, const char *name, const char *const *v, size_t n)
{
    json_t *a = json_array();

    if (a == NULL) {
        return WB_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_string(v[i]);
        if (s == NULL || json_array_append_new(a, s) != 0) {
            json_decref(a);
            return wb__err(WB_ERR_INVAL, "field \"%s[%zu]\": not UTF-8", name,
                           i);
        }
    }
    return put(o, name, a);
}

static wb_err
put_date(json_t *o, const char *name, bool has, int32_t days)
{
    char buf[11];

    if (!has) {
        return put(o, name, json_null());
    }
    wb_date_format(days, buf);
    return put(o, name, json_string(buf));
}

static json_t *
u32_or_null(uint32_t v)
{
    return v == 0 ? json_null() : json_integer(v);
}

static wb_err
put_purposes(json_t *o, const struct wb_consent *c)
{
    json_t *p = json_object();

    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    for (size_t i = 0; i < c->purpose_count; i++) {
        if (json_object_set_new(p, c->purposes[i].id,
                                json_boolean(c->purposes[i].granted)) != 0) {
            json_decref(p);
            return WB_ERR_NOMEM;
        }
    }
    return put(o, "purposes", p);
}

static wb_err
put_retention(json_t *o, const struct wb_consent *c)
{
    char buf[11];

    if (!c->has_retention) {
        return put(o, "retention", json_null());
    }
    wb_date_format(c->retention_until, buf);
    return put(o, "retention", json_pack("{s:s}", "until", buf));
}

static wb_err
put_recorded(json_t *o, const struct wb_consent *c)
{
    char buf[TIMESTAMP_LEN + 1];

    if (c->recorded == 0) {
        return put(o, "recorded", json_null());
    }
    format_timestamp(c->recorded, buf);
    return put(o, "recorded", json_string(buf));
}

/* The document's fields in order (the fields array). */
static wb_err
build(json_t *o, const struct wb_consent *c)
{
    wb_err rc = put_text(o, "id", c->id);

    if (rc == WB_OK) {
        rc = put(o, "version", u32_or_null(c->version));
    }
    if (rc == WB_OK) {
        rc = put(o, "replaces", u32_or_null(c->replaces));
    }
    if (rc == WB_OK) {
        rc = put_text(o, "state", wb_consent_state_name(c->state));
    }
    if (rc == WB_OK) {
        rc = put_text(o, "subject", c->subject);
    }
    if (rc == WB_OK) {
        rc = put_text(o, "controller", c->controller);
    }
    if (rc == WB_OK) {
        rc = put_purposes(o, c);
    }
    if (rc == WB_OK) {
        rc = put_list(o, "data_categories", c->data_categories,
                      c->data_category_count);
    }
    if (rc == WB_OK) {
        rc = put_text(o, "jurisdiction", c->jurisdiction);
    }
    if (rc == WB_OK) {
        rc = put_list(o, "storage_locations", c->storage_locations,
                      c->storage_location_count);
    }
    if (rc == WB_OK) {
        rc = put_list(o, "processing_locations", c->processing_locations,
                      c->processing_location_count);
    }
    if (rc == WB_OK) {
        rc = put_list(o, "geographic_restrictions", c->geographic_restrictions,
                      c->geographic_restriction_count);
    }
    if (rc == WB_OK) {
        rc = put_list(o, "recipients", c->recipients, c->recipient_count);
    }
    if (rc == WB_OK) {
        rc = put_retention(o, c);
    }
    if (rc == WB_OK) {
        rc = put_date(o, "expires", c->has_expires, c->expires);
    }
    if (rc == WB_OK) {
        rc = put_text(o, "withdrawal_method", c->withdrawal_method);
    }
    if (rc == WB_OK) {
        rc = put_text(o, "lawful_basis", c->lawful_basis);
    }
    if (rc == WB_OK) {
        rc = put_text(o, "notice", c->notice);
    }
    if (rc == WB_OK) {
        rc = put_recorded(o, c);
    }
    if (rc == WB_OK) {
        rc = put_text(o, "by", c->by);
    }
    if (rc == WB_OK) {
        rc = put_text(o, "reason", c->reason);
    }
    return rc;
}

wb_err
wb_consent_to_json(const struct wb_consent *c, char **out)
{
    json_t *o;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no output");
    }
    *out = NULL;
    if (c == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no record");
    }
    rc = check_consent(WB_ERR_INVAL, c);
    if (rc != WB_OK) {
        return rc;
    }
    o = json_object();
    rc = o != NULL ? build(o, c) : WB_ERR_NOMEM;
    if (rc == WB_OK) {
        rc = wb__json_dump(o, JSON_COMPACT, out);
    }
    json_decref(o);
    if (rc == WB_OK && strlen(*out) > WB_CONSENT_DOC_MAX) {
        WB_FREE(*out);
        rc = wb__err(WB_ERR_TOOBIG, "consent %s: document larger than %d bytes",
                     c->id, WB_CONSENT_DOC_MAX);
    }
    return rc;
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

enum wb_consent_status
wb_consent_effective_state(const struct wb_consent *c, int32_t date)
{
    if (c == NULL) {
        return WB_CONSENT_NONE;
    }
    if ((c->state == WB_CONSENT_GIVEN || c->state == WB_CONSENT_RENEWED) &&
        c->has_expires && date > c->expires) {
        return WB_CONSENT_EXPIRED;
    }
    return c->state;
}

/* ---- the register ------------------------------------------------------- */

/* A stored version: parsed, and agreeing with its register row. */
static wb_err
from_doc(const struct wb_register_doc *d, struct wb_consent *out)
{
    struct wb_consent *c = NULL;
    wb_err rc = wb_consent_from_json(d->doc, strlen(d->doc), &c);

    if (rc == WB_OK && c == NULL) {
        rc = WB_ERR_INTERNAL;
    }
    if (rc != WB_OK) {
        wb__err_prefix("consent %s version %u (entry %llu)", d->id,
                       (unsigned)d->version, (unsigned long long)d->entry);
        return rc;
    }
    if (strcmp(c->id, d->id) != 0 || c->version != d->version) {
        rc = wb__err(WB_ERR_FORMAT,
                     "consent %s version %u (entry %llu): the document is "
                     "%s version %u",
                     d->id, (unsigned)d->version, (unsigned long long)d->entry,
                     c->id, (unsigned)c->version);
        wb_consent_free(c);
        return rc;
    }
    c->entry = d->entry;
    *out = *c;
    wb__free(c); /* its contents moved to *out */
    return WB_OK;
}

wb_err
wb_consent_get(struct wb_site *s,
               const char *id,
               uint32_t version,
               struct wb_consent **out)
{
    struct wb_register_doc d;
    struct wb_consent *c;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no output");
    }
    *out = NULL;
    if (s == NULL || id == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site or id");
    }
    rc = wb_site_register_get(s, WB_CONSENT_REGISTER, id, version, &d);
    if (rc != WB_OK) {
        return rc;
    }
    c = wb__calloc(1, sizeof *c);
    rc = c != NULL ? from_doc(&d, c) : WB_ERR_NOMEM;
    wb_register_doc_clear(&d);
    if (rc != WB_OK) {
        wb__free(c);
        return rc;
    }
    *out = c;
    return WB_OK;
}

/* Parse register rows into a new array of consents. */
static wb_err
from_docs(const struct wb_register_doc *d,
          size_t n,
          struct wb_consent **out,
          size_t *count)
{
    struct wb_consent *v;
    wb_err rc = WB_OK;
    size_t i = 0;

    if (n == 0) {
        return WB_OK;
    }
    v = wb__calloc(n, sizeof *v);
    if (v == NULL) {
        return WB_ERR_NOMEM;
    }
    for (; i < n && rc == WB_OK; i++) {
        rc = from_doc(&d[i], &v[i]);
    }
    if (rc != WB_OK) {
        wb_consent_list_free(v, i);
        return rc;
    }
    *out = v;
    *count = n;
    return WB_OK;
}

/* The consent register's versions of id (NULL = latest of each id). */
static wb_err
list(struct wb_site *s, const char *id, struct wb_consent **out, size_t *count)
{
    struct wb_register_doc *d = NULL;
    size_t n = 0;
    wb_err rc;

    if (out == NULL || count == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no output");
    }
    *out = NULL;
    *count = 0;
    if (s == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site");
    }
    rc = wb_site_register_list(s, WB_CONSENT_REGISTER, id, &d, &n);
    if (rc == WB_OK) {
        rc = from_docs(d, n, out, count);
    }
    wb_register_docs_free(d, n);
    return rc;
}

wb_err
wb_consent_history(struct wb_site *s,
                   const char *id,
                   struct wb_consent **out,
                   size_t *count)
{
    wb_err rc;

    if (id == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no id");
    }
    rc = list(s, id, out, count);
    if (rc == WB_OK && *count == 0) {
        rc = wb__err(WB_ERR_NOTFOUND, "no consent \"%s\"", id);
    }
    return rc;
}

wb_err
wb_consent_list(struct wb_site *s, struct wb_consent **out, size_t *count)
{
    return list(s, NULL, out, count);
}

/* Log c (a complete next version) as a "consent" entry and index it; *out
 * (may be NULL) gets the stored record. */
static wb_err
record_version(struct wb_site *s, struct wb_consent *c, struct wb_consent **out)
{
    const char *granted[WB_CONSENT_LIST_MAX];
    struct wb_append e;
    char *doc = NULL;
    uint64_t entry = 0;
    size_t n = 0;
    wb_err rc;

    c->recorded = (int64_t)time(NULL);
    rc = wb_consent_to_json(c, &doc);
    if (rc != WB_OK) {
        return rc;
    }
    /* the leaf's purposes are what the subject has granted right now */
    for (size_t i = 0; i < c->purpose_count && (c->state == WB_CONSENT_GIVEN ||
                                                c->state == WB_CONSENT_RENEWED);
         i++) {
        if (c->purposes[i].granted) {
            granted[n++] = c->purposes[i].id;
        }
    }
    memset(&e, 0, sizeof e);
    e.claims.kind = WB_CONSENT_REGISTER;
    e.claims.consent_id = c->id;
    e.claims.consent_version = c->version;
    e.claims.jurisdiction = c->jurisdiction;
    e.claims.data_class = "personal";
    e.claims.purposes = n > 0 ? granted : NULL;
    e.claims.purpose_count = n;
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    rc = wb_site_register_put(s, &e, c->id, c->version, &entry);
    if (rc == WB_OK && out != NULL) {
        rc = wb_consent_from_json(doc, e.payload_len, out);
        if (rc == WB_OK) {
            (*out)->entry = entry;
        }
    }
    wb__free(doc);
    return rc;
}

static bool
any_granted(const struct wb_consent *c)
{
    for (size_t i = 0; i < c->purpose_count; i++) {
        if (c->purposes[i].granted) {
            return true;
        }
    }
    return false;
}

/* What a grant may say beyond the document's own rules. */
static wb_err
check_grant(const struct wb_policy *pol, const struct wb_consent *c)
{
    char date[11];

    if (c->state != WB_CONSENT_REQUESTED && c->state != WB_CONSENT_GIVEN &&
        c->state != WB_CONSENT_REFUSED) {
        return wb__err(WB_ERR_INVAL,
                       "field \"state\": a new consent is requested, given "
                       "or refused, not %s",
                       wb_consent_state_name(c->state));
    }
    if (c->state == WB_CONSENT_GIVEN && c->purposes != NULL &&
        !any_granted(c)) {
        return wb__err(WB_ERR_INVAL, "field \"purposes\": a given consent "
                                     "grants at least one purpose");
    }
    if (c->has_expires && c->expires < today()) {
        wb_date_format(c->expires, date);
        return wb__err(WB_ERR_INVAL, "field \"expires\": %s is before today",
                       date);
    }
    for (size_t i = 0;
         pol != NULL && c->purposes != NULL && i < c->purpose_count; i++) {
        if (c->purposes[i].id == NULL ||
            wb_policy_purpose_find(pol, c->purposes[i].id) < 0) {
            return wb__err(WB_ERR_INVAL,
                           "field \"purposes\": \"%.64s\" is not in the "
                           "purpose vocabulary",
                           c->purposes[i].id ? c->purposes[i].id : "");
        }
    }
    return WB_OK;
}

wb_err
wb_consent_grant(struct wb_site *s,
                 const struct wb_policy *pol,
                 const struct wb_consent *in,
                 struct wb_consent **out)
{
    struct wb_register_doc d;
    struct wb_consent c;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    if (s == NULL || in == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site or record");
    }
    if (in->version > 1 || in->replaces != 0) {
        return wb__err(WB_ERR_INVAL, "field \"version\": a grant records "
                                     "version 1");
    }
    c = *in;
    c.state = c.state == WB_CONSENT_NONE ? WB_CONSENT_GIVEN : c.state;
    c.version = 1;
    c.by = c.state == WB_CONSENT_REQUESTED ? c.controller : c.subject;
    c.entry = 0;
    rc = check_grant(pol, &c);
    if (rc == WB_OK) {
        rc = check_consent(WB_ERR_INVAL, &c);
    }
    if (rc != WB_OK) {
        return rc;
    }
    rc = wb_site_register_get(s, WB_CONSENT_REGISTER, c.id, 0, &d);
    if (rc == WB_OK) {
        rc = wb__err(WB_ERR_EXISTS,
                     "consent %s is already recorded (version %u); change "
                     "it with withdraw, renew or revoke, or grant under a "
                     "new id",
                     c.id, (unsigned)d.version);
        wb_register_doc_clear(&d);
        return rc;
    }
    if (rc != WB_ERR_NOTFOUND) {
        return rc;
    }
    wb_errmsg_clear();
    return record_version(s, &c, out);
}

/* ---- changes ---------------------------------------------------------- */

static bool
is_final(enum wb_consent_status st)
{
    return st == WB_CONSENT_REFUSED || st == WB_CONSENT_WITHDRAWN ||
           st == WB_CONSENT_REVOKED;
}

/* The latest version of id, for a change `what` that its state allows
 * unless final, or (for renew) requested. */
static wb_err
load_for_change(struct wb_site *s,
                const char *id,
                const char *what,
                struct wb_consent **cur)
{
    wb_err rc;

    if (s == NULL || id == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site or id");
    }
    rc = wb_consent_get(s, id, 0, cur);
    if (rc != WB_OK || *cur == NULL) {
        return rc != WB_OK ? rc : WB_ERR_INTERNAL;
    }
    if (is_final((*cur)->state)) {
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s is %s (version %u): cannot %s it; consent "
                     "given again is a new grant under a new id",
                     id, wb_consent_state_name((*cur)->state),
                     (unsigned)(*cur)->version, what);
    } else if ((*cur)->version == UINT32_MAX) {
        rc = wb__err(WB_ERR_INVAL, "consent %s: no versions left", id);
    }
    if (rc != WB_OK) {
        wb_consent_free(*cur);
        *cur = NULL;
    }
    return rc;
}

/* The next version of cur: same terms, by the subject, no reason yet. */
static struct wb_consent
next_version(const struct wb_consent *cur)
{
    struct wb_consent n = *cur;

    n.version = cur->version + 1;
    n.replaces = cur->version;
    n.by = cur->subject;
    n.reason = NULL;
    n.entry = 0;
    return n;
}

static wb_err
need_reason(const char *reason)
{
    if (reason == NULL || reason[0] == '\0') {
        return wb__err(WB_ERR_INVAL, "a reason is required");
    }
    return WB_OK;
}

wb_err
wb_consent_answer(struct wb_site *s,
                  const char *id,
                  bool given,
                  struct wb_consent **out)
{
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = load_for_change(s, id, given ? "give" : "refuse", &cur);
    if (rc != WB_OK) {
        return rc;
    }
    if (cur->state != WB_CONSENT_REQUESTED) {
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s is %s, not requested: there is no request "
                     "to answer",
                     id, wb_consent_state_name(cur->state));
    } else {
        n = next_version(cur);
        n.state = given ? WB_CONSENT_GIVEN : WB_CONSENT_REFUSED;
        rc = record_version(s, &n, out);
    }
    wb_consent_free(cur);
    return rc;
}

/* cur's purpose flags with `purpose` set false, into a new array *out. */
static wb_err
deny_flag(const struct wb_consent *cur,
          const char *purpose,
          struct wb_consent_purpose **out,
          size_t *count)
{
    struct wb_consent_purpose *p;
    size_t n = cur->purpose_count;
    size_t i = 0;

    while (i < n && strcmp(cur->purposes[i].id, purpose) != 0) {
        i++;
    }
    if (i < n && !cur->purposes[i].granted) {
        return wb__err(WB_ERR_INVAL,
                       "consent %s: purpose %s is already withdrawn", cur->id,
                       purpose);
    }
    p = wb__calloc(n + 1, sizeof *p);
    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    memcpy(p, cur->purposes, n * sizeof *p);
    if (i == n) {
        p[n].id = purpose; /* a flag of its own, below a granted parent */
        n++;
    }
    p[i].granted = false;
    *out = p;
    *count = n;
    return WB_OK;
}

wb_err
wb_consent_withdraw(struct wb_site *s,
                    const char *id,
                    const char *purpose,
                    const char *reason,
                    struct wb_consent **out)
{
    struct wb_consent_purpose *flags = NULL;
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = need_reason(reason);
    if (rc == WB_OK) {
        rc = load_for_change(s, id, "withdraw", &cur);
    }
    if (rc != WB_OK) {
        return rc;
    }
    n = next_version(cur);
    n.reason = reason;
    if (purpose == NULL) {
        n.state = WB_CONSENT_WITHDRAWN;
    } else {
        rc = deny_flag(cur, purpose, &flags, &n.purpose_count);
        n.purposes = flags;
    }
    if (rc == WB_OK) {
        rc = record_version(s, &n, out);
    }
    wb__free(flags);
    wb_consent_free(cur);
    return rc;
}

wb_err
wb_consent_renew(struct wb_site *s,
                 const char *id,
                 const int32_t *expires,
                 struct wb_consent **out)
{
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    char date[11];
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = load_for_change(s, id, "renew", &cur);
    if (rc != WB_OK) {
        return rc;
    }
    n = next_version(cur);
    n.state = WB_CONSENT_RENEWED;
    if (expires != NULL) {
        n.has_expires = true;
        n.expires = *expires;
    }
    if (cur->state == WB_CONSENT_REQUESTED) {
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s is requested: answer the request; there is "
                     "nothing to renew",
                     id);
    } else if (n.has_expires && n.expires < today()) {
        wb_date_format(n.expires, date);
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s: expiry %s is before today; give a new "
                     "expiry",
                     id, date);
    } else {
        rc = record_version(s, &n, out);
    }
    wb_consent_free(cur);
    return rc;
}

wb_err
wb_consent_revoke(struct wb_site *s,
                  const char *id,
                  const char *reason,
                  struct wb_consent **out)
{
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = need_reason(reason);
    if (rc == WB_OK) {
        rc = load_for_change(s, id, "revoke", &cur);
    }
    if (rc != WB_OK) {
        return rc;
    }
    n = next_version(cur);
    n.state = WB_CONSENT_REVOKED;
    n.by = cur->controller;
    n.reason = reason;
    rc = record_version(s, &n, out);
    wb_consent_free(cur);
    return rc;
}
