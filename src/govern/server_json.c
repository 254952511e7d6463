/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: a registration's strict JSON document,
 * parsed and written in its fixed field order. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include <waybill/server.h>

#include "govern/govern_int.h"

#define ECHO_MAX 64 /* bytes of a bad value quoted in a message */

static json_t *
date_json(bool has, int32_t days)
{
    char buf[11];

    if (!has) {
        return json_null();
    }
    wb_date_format(days, buf);
    return json_string(buf);
}

static json_t *
opt_string(const char *s)
{
    return s[0] != '\0' ? json_string(s) : json_null();
}

wb_err
wb_server_to_json(const struct wb_server *s, char **out)
{
    const struct wb_server_mechanism *m = &s->mechanism;
    char recorded[21];
    json_t *o = NULL;
    wb_err rc;

    *out = NULL;
    rc = wb_server_check(s);
    if (rc != WB_OK) {
        return rc;
    }
    wb_time_format(s->recorded, recorded);
    o = json_pack(
        "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s,"
        " s:{s:s, s:s, s:o, s:o}, s:o, s:s, s:o, s:o}",
        "id", s->id, "version",
        s->version ? json_integer(s->version) : json_null(), "replaces",
        s->replaces ? json_integer(s->replaces) : json_null(), "endpoint",
        s->endpoint, "operator", s->operator_name, "country", s->country,
        "role", wb_server_role_name(s->role), "registration", s->registration,
        "mechanism", "type", m->type, "reference", m->reference, "valid_from",
        date_json(m->has_valid_from, m->valid_from), "valid_until",
        date_json(true, m->valid_until), "pin", opt_string(s->pin), "status",
        wb_server_status_name(s->status), "reason", opt_string(s->reason),
        "recorded", s->recorded ? json_string(recorded) : json_null());
    if (o == NULL) {
        return WB_ERR_NOMEM;
    }
    rc = wb__json_dump(o, JSON_COMPACT, out);
    json_decref(o);
    return rc;
}

/* Fields a document may carry: top level and in "mechanism". */
static const char *const doc_fields[] = {
    "id",      "version", "replaces",     "endpoint",  "operator",
    "country", "role",    "registration", "mechanism", "pin",
    "status",  "reason",  "recorded",     NULL};
static const char *const mech_fields[] = {"type", "reference", "valid_from",
                                          "valid_until", NULL};

static wb_err
unknown_fields(const json_t *o, const char *const *known, const char *where)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)o, key, v)
    {
        size_t i = 0;
        (void)v;
        while (known[i] != NULL && strcmp(known[i], key) != 0) {
            i++;
        }
        if (known[i] == NULL) {
            return wb__err(WB_ERR_FORMAT, "%s%sunknown field \"%.*s\"", where,
                           where[0] ? ": " : "", ECHO_MAX, key);
        }
    }
    return WB_OK;
}

/* Member key of o: *v gets it, NULL when absent or null (allowed only
 * when optional). */
static wb_err
member(const json_t *o,
       const char *key,
       const char *name,
       bool required,
       json_t **v)
{
    *v = json_object_get(o, key);
    if (*v != NULL && json_is_null(*v)) {
        *v = NULL;
    }
    if (*v == NULL && required) {
        return wb__err(WB_ERR_FORMAT, "%s: missing", name);
    }
    return WB_OK;
}

/* A string member into dst (size bytes with the NUL). */
static wb_err
get_string(const json_t *o,
           const char *key,
           const char *name,
           bool required,
           char *dst,
           size_t size)
{
    json_t *v;
    wb_err rc = member(o, key, name, required, &v);

    dst[0] = '\0';
    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a string", name);
    }
    if (json_string_length(v) >= size) {
        return wb__err(WB_ERR_TOOBIG, "%s: longer than %zu bytes", name,
                       size - 1);
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return WB_OK;
}

static wb_err
get_date(const json_t *o,
         const char *key,
         const char *name,
         bool required,
         bool *has,
         int32_t *days)
{
    json_t *v;
    wb_err rc = member(o, key, name, required, &v);

    *has = false;
    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a date string", name);
    }
    if (wb_date_parse(json_string_value(v), days) != WB_OK) {
        return wb__err(WB_ERR_INVAL, "%s: \"%.*s\" is not a date (YYYY-MM-DD)",
                       name, ECHO_MAX, json_string_value(v));
    }
    *has = true;
    return WB_OK;
}

static wb_err
get_version(const json_t *o, const char *key, uint32_t *out)
{
    json_t *v;
    wb_err rc = member(o, key, key, false, &v);

    *out = 0;
    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_integer(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a whole number", key);
    }
    if (json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX) {
        return wb__err(WB_ERR_INVAL, "%s: out of range (1..%u)", key,
                       (unsigned)UINT32_MAX);
    }
    *out = (uint32_t)json_integer_value(v);
    return WB_OK;
}

static const char *
role_at(int i)
{
    return wb_server_role_name((enum wb_role)i);
}

static const char *
status_at(int i)
{
    return wb_server_status_name((enum wb_server_status)i);
}

/* A string member naming one of name_of(first..last) into *out (left alone
 * when the member is absent or null and optional). */
static wb_err
get_enum(const json_t *o,
         const char *key,
         bool required,
         const char *(*name_of)(int),
         int first,
         int last,
         int *out)
{
    json_t *v;
    wb_err rc = member(o, key, key, required, &v);

    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a string", key);
    }
    for (int i = first; i <= last; i++) {
        if (strcmp(json_string_value(v), name_of(i)) == 0) {
            *out = i;
            return WB_OK;
        }
    }
    return wb__err(WB_ERR_INVAL, "%s: \"%.*s\": use %s", key, ECHO_MAX,
                   json_string_value(v),
                   name_of == role_at
                       ? "processor, controller, importer or third-party"
                       : "active, suspended or revoked");
}

static wb_err
parse_doc(const json_t *root, struct wb_server *s)
{
    struct wb_server_mechanism *m = &s->mechanism;
    char recorded[32];
    json_t *mech;
    bool has;
    int role = WB_ROLE_NONE;
    int status = WB_SERVER_ACTIVE;
    wb_err rc;

    if (!json_is_object(root)) {
        return wb__err(WB_ERR_FORMAT, "a server document is a JSON object");
    }
    if ((rc = unknown_fields(root, doc_fields, "")) != WB_OK ||
        (rc = get_string(root, "id", "id", true, s->id, sizeof s->id)) !=
            WB_OK ||
        (rc = get_version(root, "version", &s->version)) != WB_OK ||
        (rc = get_version(root, "replaces", &s->replaces)) != WB_OK ||
        (rc = get_string(root, "endpoint", "endpoint", true, s->endpoint,
                         sizeof s->endpoint)) != WB_OK ||
        (rc = get_string(root, "operator", "operator", true, s->operator_name,
                         sizeof s->operator_name)) != WB_OK ||
        (rc = get_string(root, "country", "country", true, s->country,
                         sizeof s->country)) != WB_OK ||
        (rc = get_enum(root, "role", true, role_at, WB_ROLE_PROCESSOR,
                       WB_ROLE_THIRD_PARTY, &role)) != WB_OK ||
        (rc = get_string(root, "registration", "registration", true,
                         s->registration, sizeof s->registration)) != WB_OK ||
        (rc = member(root, "mechanism", "mechanism", true, &mech)) != WB_OK) {
        return rc;
    }
    s->role = (enum wb_role)role;
    if (!json_is_object(mech)) {
        return wb__err(WB_ERR_FORMAT, "mechanism: expected an object");
    }
    if ((rc = unknown_fields(mech, mech_fields, "mechanism")) != WB_OK ||
        (rc = get_string(mech, "type", "mechanism.type", true, m->type,
                         sizeof m->type)) != WB_OK ||
        (rc = get_string(mech, "reference", "mechanism.reference", true,
                         m->reference, sizeof m->reference)) != WB_OK ||
        (rc = get_date(mech, "valid_from", "mechanism.valid_from", false,
                       &m->has_valid_from, &m->valid_from)) != WB_OK ||
        (rc = get_date(mech, "valid_until", "mechanism.valid_until", true, &has,
                       &m->valid_until)) != WB_OK ||
        (rc = get_string(root, "pin", "pin", false, s->pin, sizeof s->pin)) !=
            WB_OK ||
        (rc = get_enum(root, "status", false, status_at, WB_SERVER_ACTIVE,
                       WB_SERVER_REVOKED, &status)) != WB_OK ||
        (rc = get_string(root, "reason", "reason", false, s->reason,
                         sizeof s->reason)) != WB_OK) {
        return rc;
    }
    s->status = (enum wb_server_status)status;
    rc = get_string(root, "recorded", "recorded", false, recorded,
                    sizeof recorded);
    if (rc == WB_ERR_TOOBIG ||
        (rc == WB_OK && json_is_string(json_object_get(root, "recorded")) &&
         wb_time_parse(recorded, &s->recorded) != WB_OK)) {
        return wb__err(WB_ERR_INVAL,
                       "recorded: \"%.*s\" is not YYYY-MM-DDTHH:MM:SSZ",
                       ECHO_MAX, recorded);
    }
    if (rc != WB_OK) {
        return rc;
    }
    return wb_server_check(s);
}

wb_err
wb_server_from_json(const char *json, size_t len, struct wb_server *out)
{
    json_error_t jerr;
    json_t *root = NULL;
    wb_err rc;

    memset(out, 0, sizeof *out);
    if (len > WB_SERVER_DOC_MAX) {
        return wb__err(WB_ERR_TOOBIG,
                       "server document: %zu bytes, more than %d", len,
                       WB_SERVER_DOC_MAX);
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        return wb__err(WB_ERR_FORMAT, "line %d column %d: %s", jerr.line,
                       jerr.column, jerr.text);
    }
    rc = parse_doc(root, out);
    json_decref(root);
    if (rc != WB_OK) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}
