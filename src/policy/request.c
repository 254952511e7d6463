/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing a decision request (design.md): strict, every field checked,
 * every code resolved, so that a typo is an error and never a silent
 * "absent = false". */
#include <string.h>
#include <time.h>

#include "policy/policy_int.h"

struct req {
    const struct wb_policy *p;
    struct wb_policy_request *q;
};

static wb_err
bad(const char *field, const char *what)
{
    return wb__err(WB_ERR_INVAL, "request: %s: %s", field, what);
}

static wb_err
check_fields(json_t *obj, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj)) {
        return bad(path, "must be an object");
    }
    json_object_foreach(obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0) {
            i++;
        }
        if (allowed[i] == NULL) {
            return wb__err(WB_ERR_INVAL, "request: unknown field %s%s%s", path,
                           path[0] ? "." : "", key);
        }
    }
    return WB_OK;
}

static wb_err
flag(json_t *obj, const char *key, const char *path, uint32_t bit, uint32_t *f)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        return WB_OK;
    }
    if (!json_is_boolean(v)) {
        char field[64];
        snprintf(field, sizeof field, "%s%s%s", path, path[0] ? "." : "", key);
        return bad(field, "must be true or false");
    }
    if (json_is_true(v)) {
        *f |= bit;
    }
    return WB_OK;
}

/* A string field into buf (cap bytes with NUL); "" when absent. */
static wb_err
text(json_t *obj, const char *key, const char *field, char *buf, size_t cap)
{
    json_t *v = json_object_get(obj, key);

    buf[0] = '\0';
    if (v == NULL) {
        return WB_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        return bad(field, "must be a non-empty string");
    }
    if (json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        return bad(field, "too long");
    }
    memcpy(buf, json_string_value(v), json_string_length(v) + 1);
    return WB_OK;
}

static wb_err
code(json_t *obj, const char *key, const char *field, char *buf)
{
    wb_err rc = text(obj, key, field, buf, WB_POLICY_CODE_MAX + 1);

    if (rc == WB_ERR_INVAL || (rc == WB_OK && buf[0] == '\0')) {
        return bad(field, "an ISO 3166 code is required");
    }
    if (rc == WB_OK && !wb__iso_code_ok(buf)) {
        return wb__err(WB_ERR_INVAL,
                       "request: %s: unknown jurisdiction \"%s\" (ISO "
                       "3166-1 alpha-2 or 3166-2)",
                       field, buf);
    }
    return rc;
}

static wb_err
count(json_t *obj, const char *key, const char *field, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);

    *out = 0;
    if (v == NULL) {
        return WB_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return bad(field, "must be a whole number >= 0");
    }
    *out = (uint64_t)json_integer_value(v);
    return WB_OK;
}

static wb_err
enum_field(json_t *obj,
           const char *key,
           const char *field,
           const char *const *names,
           int *out)
{
    json_t *v = json_object_get(obj, key);
    const char *s = json_string_value(v);

    *out = 0;
    if (v == NULL) {
        return WB_OK;
    }
    *out = s ? wb__name_index(names, s) : -1;
    if (*out < 0) {
        char what[200];
        snprintf(what, sizeof what, "unknown value \"%.60s\"",
                 s ? s : "(not a string)");
        return bad(field, what);
    }
    return WB_OK;
}

static wb_err
parse_exporter(struct req *r, json_t *o)
{
    static const char *const f[] = {"jurisdiction", "ciio", "public_authority",
                                    NULL};
    wb_err rc;

    if (o == NULL) {
        return bad("exporter", "required (its jurisdiction picks the "
                               "profiles)");
    }
    if ((rc = check_fields(o, "exporter", f)) != WB_OK ||
        (rc = code(o, "jurisdiction", "exporter.jurisdiction",
                   r->q->exporter)) != WB_OK ||
        (rc = flag(o, "ciio", "exporter", WB_FACT_CIIO, &r->q->facts)) !=
            WB_OK) {
        return rc;
    }
    return flag(o, "public_authority", "exporter", WB_FACT_PUBLIC_AUTHORITY,
                &r->q->facts);
}

static wb_err
parse_recipient(struct req *r, json_t *o)
{
    static const char *const f[] = {
        "country", "server", "dpf_certified", "restricted_list", "role", NULL};
    int role = 0;
    wb_err rc;

    if (o == NULL) {
        return bad("recipient", "required (at least its country)");
    }
    if ((rc = check_fields(o, "recipient", f)) != WB_OK ||
        (rc = code(o, "country", "recipient.country", r->q->country)) !=
            WB_OK ||
        (rc = text(o, "server", "recipient.server", r->q->server,
                   sizeof r->q->server)) != WB_OK ||
        (rc = flag(o, "dpf_certified", "recipient", WB_FACT_DPF_CERTIFIED,
                   &r->q->facts)) != WB_OK ||
        (rc = flag(o, "restricted_list", "recipient", WB_FACT_RESTRICTED_LIST,
                   &r->q->facts)) != WB_OK ||
        (rc = enum_field(o, "role", "recipient.role", wb__role_names, &role)) !=
            WB_OK) {
        return rc;
    }
    r->q->role = (enum wb_role)role;
    if (r->q->server[0] != '\0') {
        r->q->facts |= WB_FACT_SERVER_NAMED;
    }
    return WB_OK;
}

static wb_err
parse_data(struct req *r, json_t *o)
{
    static const char *const f[] = {"classes", "subjects_ytd",
                                    "sensitive_subjects_ytd",
                                    "important_notified", NULL};
    json_t *classes = json_object_get(o, "classes");
    size_t i;
    json_t *e;
    wb_err rc;

    if (o == NULL) {
        return WB_OK;
    }
    if ((rc = check_fields(o, "data", f)) != WB_OK ||
        (rc = count(o, "subjects_ytd", "data.subjects_ytd",
                    &r->q->subjects_ytd)) != WB_OK ||
        (rc = count(o, "sensitive_subjects_ytd", "data.sensitive_subjects_ytd",
                    &r->q->sensitive_subjects_ytd)) != WB_OK ||
        (rc = flag(o, "important_notified", "data", WB_FACT_IMPORTANT_NOTIFIED,
                   &r->q->facts)) != WB_OK) {
        return rc;
    }
    if (classes != NULL && !json_is_array(classes)) {
        return bad("data.classes", "must be a list");
    }
    json_array_foreach(classes, i, e)
    {
        const char *s = json_string_value(e);
        int k = s ? wb__name_index(wb__class_names, s) : -1;
        if (k < 0) {
            char what[200];
            snprintf(what, sizeof what,
                     "unknown class \"%.60s\" (non-personal, personal, "
                     "sensitive-personal, important)",
                     s ? s : "(not a string)");
            return bad("data.classes", what);
        }
        r->q->classes |= 1u << k;
    }
    return WB_OK;
}

static wb_err
parse_mechanism(struct req *r, json_t *o)
{
    static const char *const f[] = {"type", "reference", "valid_until", NULL};
    char type[80];
    char until[16];
    wb_err rc;

    if (o == NULL) {
        return WB_OK;
    }
    if ((rc = check_fields(o, "mechanism", f)) != WB_OK ||
        (rc = text(o, "type", "mechanism.type", type, sizeof type)) != WB_OK ||
        (rc = text(o, "reference", "mechanism.reference", r->q->reference,
                   sizeof r->q->reference)) != WB_OK ||
        (rc = text(o, "valid_until", "mechanism.valid_until", until,
                   sizeof until)) != WB_OK) {
        return rc;
    }
    if (type[0] == '\0') {
        return bad("mechanism.type", "required when a mechanism is given");
    }
    r->q->mechanism = wb_policy_mechanism_find(r->p, type);
    if (r->q->mechanism < 0) {
        char what[200];
        snprintf(what, sizeof what,
                 "unknown mechanism \"%.60s\" (no loaded profile declares "
                 "it)",
                 type);
        return bad("mechanism.type", what);
    }
    if (until[0] != '\0') {
        if (wb_date_parse(until, &r->q->valid_until) != WB_OK) {
            return bad("mechanism.valid_until", "must be a date YYYY-MM-DD");
        }
        r->q->has_valid_until = true;
    }
    return WB_OK;
}

static wb_err
parse_consent(struct req *r, json_t *o)
{
    static const char *const f[] = {"status", "separate", "gpc", NULL};
    int status = 0;
    wb_err rc;

    if (o == NULL) {
        return WB_OK;
    }
    if ((rc = check_fields(o, "consent", f)) != WB_OK ||
        (rc = enum_field(o, "status", "consent.status", wb__consent_names,
                         &status)) != WB_OK ||
        (rc = flag(o, "separate", "consent", WB_FACT_CONSENT_SEPARATE,
                   &r->q->facts)) != WB_OK ||
        (rc = flag(o, "gpc", "consent", WB_FACT_CONSENT_GPC, &r->q->facts)) !=
            WB_OK) {
        return rc;
    }
    r->q->consent = (enum wb_consent_status)status;
    return WB_OK;
}

static int32_t
today(void)
{
    return (int32_t)(time(NULL) / 86400);
}

wb_err
wb_policy_request_parse(const struct wb_policy *p,
                        const char *json,
                        size_t len,
                        struct wb_policy_request *out)
{
    static const char *const f[] = {
        "exporter", "recipient",  "data",          "purpose", "mechanism",
        "consent",  "repetitive", "remote_access", "date",    NULL};
    struct req r = {p, out};
    json_error_t err;
    json_t *j = NULL;
    char purpose[80];
    char date[16];
    wb_err rc;

    memset(out, 0, sizeof *out);
    out->purpose = -1;
    out->mechanism = -1;
    if (len > WB_POLICY_REQUEST_MAX) {
        return wb__err(WB_ERR_TOOBIG, "request: over %d bytes",
                       WB_POLICY_REQUEST_MAX);
    }
    j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (j == NULL) {
        return wb__err(WB_ERR_INVAL, "request: line %d, column %d: %s",
                       err.line, err.column, err.text);
    }
    if ((rc = check_fields(j, "", f)) != WB_OK ||
        (rc = parse_exporter(&r, json_object_get(j, "exporter"))) != WB_OK ||
        (rc = parse_recipient(&r, json_object_get(j, "recipient"))) != WB_OK ||
        (rc = parse_data(&r, json_object_get(j, "data"))) != WB_OK ||
        (rc = parse_mechanism(&r, json_object_get(j, "mechanism"))) != WB_OK ||
        (rc = parse_consent(&r, json_object_get(j, "consent"))) != WB_OK ||
        (rc = flag(j, "repetitive", "", WB_FACT_REPETITIVE, &out->facts)) !=
            WB_OK ||
        (rc = flag(j, "remote_access", "", WB_FACT_REMOTE_ACCESS,
                   &out->facts)) != WB_OK ||
        (rc = text(j, "purpose", "purpose", purpose, sizeof purpose)) !=
            WB_OK ||
        (rc = text(j, "date", "date", date, sizeof date)) != WB_OK) {
        goto out;
    }
    if (purpose[0] != '\0') {
        out->purpose = wb_policy_purpose_find(p, purpose);
        if (out->purpose < 0) {
            rc = wb__err(WB_ERR_INVAL,
                         "request: purpose: \"%s\" is not in the purpose "
                         "vocabulary",
                         purpose);
            goto out;
        }
    }
    if (date[0] != '\0') {
        if (wb_date_parse(date, &out->date) != WB_OK) {
            rc = bad("date", "must be a date YYYY-MM-DD");
            goto out;
        }
        out->date_given = true;
    } else {
        out->date = today();
    }
out:
    json_decref(j);
    return rc;
}
