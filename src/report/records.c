/* SPDX-License-Identifier: Apache-2.0 */
/* The register of processing (GDPR Art. 30): the entries of the period
 * by kind, the records ingested by class, jurisdiction, residency and
 * purpose, the erasures with their reasons, the inferences by model. */
#include <waybill/model.h>

#include "report/report_int.h"

static const char *const class_names[] = {"non-personal", "personal",
                                          "sensitive-personal", "important",
                                          "unclassified"};

struct records {
    json_t *by_kind;
    json_int_t entries;
    json_int_t records;
    json_int_t with_consent;
    json_t *by_class;
    json_t *by_jurisdiction;
    json_t *residency; /* local-only, unrestricted */
    json_t *allowed;   /* "CC,CC": n */
    json_t *by_purpose;
    json_int_t erasures;
    json_t *by_reason;
    json_int_t inferences;
    json_int_t outputs; /* inference records hold up to 64 each */
    json_t *by_model;   /* digest hex: n */
};

/* "DE,FR" for a residency list. */
static wb_err
residency_key(const struct wb_claims *c, struct wb__buf *b)
{
    wb_err rc = WB_OK;

    for (size_t i = 0; rc == WB_OK && i < c->residency_count; i++) {
        rc = wb__buf_printf(b, "%s%s", i ? "," : "", c->residency[i]);
    }
    return rc == WB_OK ? wb__buf_cstr(b) : rc;
}

static wb_err
add_record(struct records *r, const struct wb_claims *c)
{
    const char *cls = c->data_class ? c->data_class : "unclassified";
    struct wb__buf b;
    wb_err rc = WB_OK;

    r->records++;
    r->with_consent += c->consent_id != NULL;
    wb__report_add(r->by_class,
                   json_object_get(r->by_class, cls) ? cls : "unclassified", 1);
    wb__report_add(r->by_jurisdiction,
                   c->jurisdiction ? c->jurisdiction : "none", 1);
    for (size_t i = 0; i < c->purpose_count; i++) {
        wb__report_add(r->by_purpose, c->purposes[i], 1);
    }
    if (c->purpose_count == 0) {
        wb__report_add(r->by_purpose, "none", 1);
    }
    if (c->residency_local_only) {
        wb__report_add(r->residency, "local-only", 1);
    } else if (c->residency_count == 0) {
        wb__report_add(r->residency, "unrestricted", 1);
    } else {
        wb__buf_init(&b, WB_CLAIMS_MAX_BYTES);
        rc = residency_key(c, &b);
        if (rc == WB_OK) {
            wb__report_add(r->allowed, (const char *)b.data, 1);
        }
        wb__buf_clear(&b);
    }
    return rc;
}

static wb_err
visit(void *ctx,
      const struct wb__rscan *sc,
      uint64_t index,
      const struct wb_claims *c)
{
    struct records *r = ctx;
    char hex[2 * WB_HASH_BYTES + 1];

    r->entries++;
    wb__report_add(r->by_kind, c->kind, 1);
    if (strcmp(c->kind, "record") == 0) {
        return add_record(r, c);
    }
    if (strcmp(c->kind, "erasure") == 0) {
        json_t *doc = NULL;
        wb_err rc = wb__report_payload(sc->site, index, &doc);
        const char *why = json_string_value(json_object_get(doc, "reason"));
        if (rc != WB_OK) {
            return rc;
        }
        r->erasures++;
        wb__report_add(r->by_reason, why ? why : "(unreadable)", 1);
        json_decref(doc);
    } else if (strcmp(c->kind, "inference") == 0) {
        r->inferences++;
        r->outputs += (json_int_t)c->parent_count;
        if (c->has_model) {
            wb_hex_encode(c->model, WB_HASH_BYTES, hex);
        }
        wb__report_add(r->by_model, c->has_model ? hex : "none", 1);
    }
    return WB_OK;
}

/* [{"model": id or null, "digest", "inferences"}], by digest. */
static wb_err
models_json(const struct wb__rscan *sc, json_t *by_model, json_t **out)
{
    struct wb_model_entry *m = NULL;
    size_t n = 0;
    char hex[2 * WB_HASH_BYTES + 1];
    const char *k;
    json_t *v;
    wb_err rc = wb_model_list(sc->site, &m, &n);
    json_t *a = json_array();

    *out = NULL;
    if (rc == WB_OK && a == NULL) {
        rc = WB_ERR_NOMEM;
    }
    json_object_foreach(by_model, k, v)
    {
        const char *id = NULL;
        for (size_t i = 0; rc == WB_OK && i < n && id == NULL; i++) {
            wb_hex_encode(m[i].digest, WB_HASH_BYTES, hex);
            id = strcmp(hex, k) == 0 ? m[i].id : NULL;
        }
        if (rc == WB_OK) {
            json_array_append_new(a, json_pack("{s:s?, s:s, s:O}", "model", id,
                                               "digest", k, "inferences", v));
        }
    }
    wb_model_entries_free(m, n);
    if (rc != WB_OK) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return WB_OK;
}

static void
records_clear(struct records *r)
{
    json_decref(r->by_kind);
    json_decref(r->by_class);
    json_decref(r->by_jurisdiction);
    json_decref(r->residency);
    json_decref(r->allowed);
    json_decref(r->by_purpose);
    json_decref(r->by_reason);
    json_decref(r->by_model);
}

wb_err
wb__report_records(const struct wb__rscan *sc, json_t *body)
{
    struct records r;
    json_t *models = NULL;
    json_t *o;
    wb_err rc;

    memset(&r, 0, sizeof r);
    r.by_kind = json_object();
    r.by_class = json_object();
    r.by_jurisdiction = json_object();
    r.residency = json_pack("{s:i, s:i}", "local-only", 0, "unrestricted", 0);
    r.allowed = json_object();
    r.by_purpose = json_object();
    r.by_reason = json_object();
    r.by_model = json_object();
    for (size_t i = 0; r.by_class != NULL && i < 5; i++) {
        json_object_set_new(r.by_class, class_names[i], json_integer(0));
    }
    rc = r.by_kind && r.by_class && r.by_jurisdiction && r.residency &&
                 r.allowed && r.by_purpose && r.by_reason && r.by_model
             ? wb__report_walk(sc, NULL, visit, &r)
             : WB_ERR_NOMEM;
    if (rc == WB_OK) {
        r.by_model = wb__report_sorted(r.by_model);
        rc = models_json(sc, r.by_model, &models);
    }
    if (rc == WB_OK) {
        json_object_set_new(r.residency, "allowed",
                            wb__report_sorted(json_incref(r.allowed)));
        o = json_pack(
            "{s:{s:I, s:o}, s:{s:I, s:I, s:O, s:o, s:O, s:o}, s:{s:I}, "
            "s:{s:I, s:I, s:o}}",
            "entries", "total", r.entries, "by_kind",
            wb__report_sorted(json_incref(r.by_kind)), "records", "total",
            r.records, "with_consent", r.with_consent, "by_class", r.by_class,
            "by_jurisdiction",
            wb__report_sorted(json_incref(r.by_jurisdiction)), "by_residency",
            r.residency, "by_purpose",
            wb__report_sorted(json_incref(r.by_purpose)), "erasures", "total",
            r.erasures, "inferences", "total", r.inferences, "outputs",
            r.outputs, "by_model", models);
        models = NULL;
        rc = o != NULL ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK && !sc->counts_only) {
        json_object_set_new(json_object_get(o, "erasures"), "by_reason",
                            wb__report_sorted(json_incref(r.by_reason)));
    }
    if (rc == WB_OK) {
        json_object_update(body, o);
        json_decref(o);
    }
    json_decref(models);
    records_clear(&r);
    return rc;
}
