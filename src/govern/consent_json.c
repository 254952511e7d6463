/* SPDX-License-Identifier: Apache-2.0 */
/* Consent records: the compact JSON document, fields in their fixed
 * order. */
#include <jansson.h>
#include <string.h>

#include "govern/govern_int.h"

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
    char buf[WB_TIME_LEN + 1];

    if (c->recorded == 0) {
        return put(o, "recorded", json_null());
    }
    wb_time_format(c->recorded, buf);
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
    rc = wb__consent_check(WB_ERR_INVAL, c);
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
