/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints of the log: health, metrics, ingest, records (claims, leaf,
 * payload, token), proofs and checkpoints. */
#include <stdio.h>
#include <time.h>

#include "api/api_int.h"

#define LIST_MAX 16

/* Batch timing of one ingest request, for the latency histogram. */
struct ingest_timer {
    struct wb_metrics *m;
    struct timespec last; /* start of the batch being built */
};

static void
on_commit(void *ctx, uint64_t first, uint64_t last)
{
    struct ingest_timer *t = ctx;
    struct timespec now;
    int64_t us;

    clock_gettime(CLOCK_MONOTONIC, &now);
    us = (int64_t)(now.tv_sec - t->last.tv_sec) * 1000000 +
         (now.tv_nsec - t->last.tv_nsec) / 1000;
    wb_metrics_batch(t->m, last - first + 1, us > 0 ? (uint64_t)us : 0);
    t->last = now;
}

void
wb__api_healthz(struct wb__ctx *c)
{
    wb__api_json(c, 200,
                 json_pack("{s:s, s:s, s:I}", "status", "ok", "origin",
                           wb_site_origin(c->site), "log_size",
                           (json_int_t)wb_site_size(c->site)));
}

void
wb__api_metrics(struct wb__ctx *c)
{
    struct wb_metrics *m = c->api->metrics;
    char *text = NULL;
    size_t len = 0;
    wb_err rc;

    atomic_store_explicit(&m->log_size, wb_site_size(c->site),
                          memory_order_relaxed);
    rc = wb_metrics_render(m, &text, &len);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "metrics");
        return;
    }
    wb__api_bytes(c, 200, "text/plain; version=0.0.4", text, len);
    wb_free(text);
}

/* Every value of repeated parameter key into v (at most LIST_MAX). */
static bool
param_list(struct wb__ctx *c, const char *key, const char **v, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < c->rq->param_count; i++) {
        if (c->rq->params[i].key == NULL ||
            strcmp(c->rq->params[i].key, key) != 0) {
            continue;
        }
        if (*n == LIST_MAX) {
            wb__api_error(c, 400, key, "at most %d %s values", LIST_MAX, key);
            return false;
        }
        v[(*n)++] = c->rq->params[i].value ? c->rq->params[i].value : "";
    }
    return true;
}

/* The consent= parameter: its latest version must be in force today. */
static bool
ingest_consent(struct wb__ctx *c,
               struct wb_ingest_opts *o,
               struct wb_consent **k)
{
    const char *id = wb__api_param(c, "consent");
    enum wb_consent_status st;
    wb_err rc;

    if (id == NULL) {
        return true;
    }
    rc = wb_consent_get(c->site, id, 0, k);
    if (rc != WB_OK) {
        wb__api_fail(c, rc == WB_ERR_NOTFOUND ? WB_ERR_INVAL : rc, "consent",
                     "consent: nothing ingested");
        return false;
    }
    st = wb_consent_effective_state(*k, (int32_t)(time(NULL) / 86400));
    if (st != WB_CONSENT_GIVEN && st != WB_CONSENT_RENEWED) {
        wb__api_error(c, 400, "consent",
                      "consent %s (version %u) is %s, not given or renewed", id,
                      (*k)->version, wb_consent_state_name(st));
        return false;
    }
    o->consent_id = (*k)->id;
    o->consent_version = (*k)->version;
    return true;
}

/* Ingest options from the query (the CLI's options by the same names). */
static bool
ingest_opts(struct wb__ctx *c,
            struct wb_ingest_opts *o,
            const char **purposes,
            const char **residency)
{
    static const char *const allowed[] = {
        "device", "purpose*", "class",   "jurisdiction", "rights",
        "format", "batch",    "consent", "residency*",   NULL};
    const char *format = wb__api_param(c, "format");
    uint64_t batch = 0;
    wb_err rc;

    if (!wb__api_params_only(c, allowed) ||
        !param_list(c, "purpose", purposes, &o->purpose_count) ||
        !param_list(c, "residency", residency, &o->residency_count) ||
        !wb__api_param_u64(c, "batch", &batch)) {
        return false;
    }
    o->purposes = purposes;
    o->device = wb__api_param(c, "device");
    o->device_from = "the device parameter";
    o->data_class = wb__api_param(c, "class");
    o->jurisdiction = wb__api_param(c, "jurisdiction");
    o->rights = wb__api_param(c, "rights");
    o->batch_size = (size_t)batch;
    if (o->residency_count == 1 && strcmp(residency[0], "local-only") == 0) {
        o->residency_local_only = 1;
        o->residency_count = 0;
    } else {
        o->residency = residency;
    }
    if (format == NULL || strcmp(format, "jsonl") == 0) {
        o->format = WB_INGEST_JSONL;
    } else if (strcmp(format, "csv") == 0) {
        o->format = WB_INGEST_CSV;
    } else if (strcmp(format, "raw") == 0) {
        o->format = WB_INGEST_RAW;
    } else if (strcmp(format, "cose") == 0) {
        o->format = WB_INGEST_COSE;
    } else {
        wb__api_error(c, 400, "format",
                      "format: \"%.32s\" is not jsonl, csv, raw or cose",
                      format);
        return false;
    }
    o->policy = c->api->policy; /* purposes in its vocabulary, if loaded */
    rc = wb_ingest_places_check(o);
    if (rc == WB_ERR_INVAL) {
        /* before the body is read, naming the query parameter: the
         * message starts with it */
        static const char *const fields[] = {"jurisdiction", "purpose", "class",
                                             "residency"};
        const char *why = wb_errmsg();
        size_t f = 0;
        while (f < 3 && strncmp(why, fields[f], strlen(fields[f])) != 0) {
            f++;
        }
        wb__api_error(c, 400, fields[f], "%s", why);
        return false;
    }
    if (rc != WB_OK) { /* the ISO tables could not be read: ours */
        wb__api_fail(c, rc, NULL, "places check");
        return false;
    }
    return true;
}

void
wb__api_ingest(struct wb__ctx *c)
{
    const char *purposes[LIST_MAX];
    const char *residency[LIST_MAX];
    struct wb_ingest_stats st;
    struct wb_ingest_opts o;
    struct wb_consent *k = NULL;
    struct ingest_timer timer;
    FILE *in = NULL;
    wb_err rc;

    memset(&o, 0, sizeof o);
    memset(&st, 0, sizeof st);
    o.source = "body";
    timer.m = c->api->metrics;
    clock_gettime(CLOCK_MONOTONIC, &timer.last);
    o.on_commit = on_commit;
    o.ctx = &timer;
    if (!ingest_opts(c, &o, purposes, residency) ||
        !ingest_consent(c, &o, &k)) {
        goto out;
    }
    if (c->rq->body_len == 0) {
        wb__api_error(c, 400, "body", "body: empty, nothing to ingest");
        goto out;
    }
    in = fmemopen((void *)(uintptr_t)c->rq->body, c->rq->body_len, "r");
    if (in == NULL) {
        wb__api_error(c, 500, NULL, "cannot read the body");
        goto out;
    }
    rc = wb_ingest_stream(c->site, in, &o, &st);
    if (rc != WB_OK) {
        /* batches before the bad line stay committed: say so */
        wb__api_json(c, wb__api_status(rc),
                     json_pack("{s:s, s:s, s:I, s:I}", "error", wb_errmsg(),
                               "field", "body", "line", (json_int_t)st.position,
                               "committed", (json_int_t)st.records));
        goto out;
    }
    wb__api_json(c, 200,
                 json_pack("{s:I, s:I, s:I, s:I}", "records",
                           (json_int_t)st.records, "first",
                           (json_int_t)st.first, "last", (json_int_t)st.last,
                           "batches", (json_int_t)st.batches));
out:
    if (in != NULL) {
        fclose(in);
    }
    wb_consent_free(k);
}

/* The entry's claims (caller frees with wb_claims_free); NULL after a
 * reply. */
static struct wb_claims *
entry_claims(struct wb__ctx *c, uint64_t index)
{
    struct wb_claims *cl = NULL;
    uint8_t *leaf = NULL;
    size_t len = 0;
    wb_err rc = wb_site_leaf(c->site, index, &leaf, &len);

    if (rc == WB_OK) {
        rc = wb_claims_decode(leaf, len, &cl);
    }
    wb_free(leaf);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "index", "entry");
        return NULL;
    }
    return cl;
}

void
wb__api_record(struct wb__ctx *c)
{
    struct wb_claims *cl;
    uint64_t index = 0;

    if (!wb__api_params_only(c, NULL) || !wb__api_index(c, &index)) {
        return;
    }
    cl = entry_claims(c, index);
    if (cl != NULL) {
        wb__api_json(c, 200,
                     json_pack("{s:I, s:o}", "index", (json_int_t)index,
                               "claims", wb__api_claims_json(cl)));
    }
    wb_claims_free(cl);
}

/* GET of bytes an entry has: fetch(index) with content type ct. */
static void
entry_bytes(struct wb__ctx *c,
            wb_err (*fetch)(struct wb_site *, uint64_t, uint8_t **, size_t *),
            const char *ct)
{
    uint8_t *p = NULL;
    size_t n = 0;
    uint64_t index = 0;
    wb_err rc;

    if (!wb__api_params_only(c, NULL) || !wb__api_index(c, &index)) {
        return;
    }
    rc = fetch(c->site, index, &p, &n);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "index", "entry");
    } else {
        wb__api_bytes(c, 200, ct, p, n);
    }
    wb_free(p);
}

void
wb__api_leaf(struct wb__ctx *c)
{
    entry_bytes(c, wb_site_leaf, "application/cbor");
}

void
wb__api_token(struct wb__ctx *c)
{
    entry_bytes(c, wb_site_token, "application/cose; cose-type=\"cose-sign1\"");
}

/* The WB_API_AUDIT_* bit of a personal class, 0 for the others. */
static unsigned
personal_bit(const char *data_class)
{
    if (data_class == NULL) {
        return 0;
    }
    if (strcmp(data_class, "personal") == 0) {
        return WB_API_AUDIT_PERSONAL;
    }
    return strcmp(data_class, "sensitive-personal") == 0
               ? WB_API_AUDIT_SENSITIVE
               : 0;
}

/* Log that entry index (claims cl, leaf hash leaf) of a personal class is
 * being shown to an auditor: a decision entry, durable before the payload
 * leaves (docs/api/access.md). *entry gets its index. */
static wb_err
log_disclosure(struct wb__ctx *c,
               uint64_t index,
               const struct wb_claims *cl,
               const uint8_t leaf[WB_HASH_BYTES],
               uint64_t *entry)
{
    struct wb_append e;
    char *doc = NULL;
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "event",
                          "payload-disclosed", "entry", (json_int_t)index,
                          "class", cl->data_class, "role",
                          wb_access_role_name(c->who.role), "key", c->who.id,
                          "allowed_by", "api.auditor_payload_classes");
    wb_err rc = o ? wb__json_dump(o, JSON_COMPACT | JSON_SORT_KEYS, &doc)
                  : WB_ERR_NOMEM;

    json_decref(o);
    if (rc != WB_OK) {
        return rc;
    }
    memset(&e, 0, sizeof e);
    e.claims.kind = "decision";
    e.claims.sub = cl->sub;
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.claims.parents = (const uint8_t(*)[WB_HASH_BYTES])leaf;
    e.claims.parent_count = 1;
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    rc = wb_site_append(c->site, &e, entry);
    wb__free(doc);
    return rc;
}

/* Payloads of personal data are for the roles that work with it; an
 * auditor sees those of the classes the daemon's configuration names
 * (api.auditor_payload_classes). False after replying 403; *log is set
 * when the disclosure must be logged first. */
static bool
payload_allowed(struct wb__ctx *c, const struct wb_claims *cl, bool *log)
{
    unsigned bit = personal_bit(cl->data_class);

    *log = false;
    if (bit == 0 ||
        wb__api_has_role(c, WB_ACCESS_OPERATOR | WB_ACCESS_COMPLIANCE)) {
        return true;
    }
    if (c->who.role == WB_ACCESS_AUDITOR &&
        (c->api->auditor_payload_classes & bit) != 0) {
        *log = true;
        return true;
    }
    wb__api_error(c, 403, "class",
                  "the payload of a %s record is not shown to the %s role%s",
                  cl->data_class, wb_access_role_name(c->who.role),
                  c->who.role == WB_ACCESS_AUDITOR
                      ? " (api.auditor_payload_classes does not name the "
                        "class)"
                      : "");
    return false;
}

void
wb__api_payload(struct wb__ctx *c)
{
    struct wb_claims *cl = NULL;
    uint8_t *leaf = NULL;
    uint8_t *p = NULL;
    uint8_t lh[WB_HASH_BYTES];
    uint8_t salt[WB_SALT_BYTES];
    size_t leaf_len = 0;
    size_t n = 0;
    uint64_t index = 0;
    uint64_t entry = 0;
    int erased = 0;
    bool log = false;
    wb_err rc;

    if (!wb__api_params_only(c, NULL) || !wb__api_index(c, &index)) {
        return;
    }
    rc = wb_site_entry(c->site, index, &leaf, &leaf_len, &cl, &p, &n, &erased);
    if (rc != WB_OK && !(rc == WB_ERR_VERIFY && cl != NULL)) {
        wb__api_fail(c, rc, "index", "entry");
        goto out;
    }
    /* who may see it first: a role refused learns nothing more */
    if (!payload_allowed(c, cl, &log)) {
        goto out;
    }
    if (rc == WB_OK && !erased) {
        /* the salt that opens the leaf's commitment, before anything is
         * disclosed: every payload reply carries it */
        rc = wb_site_payload_salt(c->site, index, salt);
        erased = rc == WB_ERR_NOTFOUND; /* erased since */
        rc = erased ? WB_OK : rc;
    }
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "index", "entry");
        goto out;
    }
    if (erased) {
        /* nothing is disclosed, so nothing is logged */
        wb__api_error(c, 410, "index",
                      "entry %llu has no payload (erased, or never had one)",
                      (unsigned long long)index);
        goto out;
    }
    wb_merkle_leaf_hash(leaf, leaf_len, lh);
    rc = log ? log_disclosure(c, index, cl, lh, &entry) : WB_OK;
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "logging the disclosure (payload not shown)");
        goto out;
    }
    /* the media claim is free text from the source: never echoed as a
     * content type */
    wb__api_bytes(c, 200, "application/octet-stream", p, n);
    if (c->rs->status == 200) {
        /* the recipient checks the payload offline (wb_payload_check) */
        c->rs->header[1] = "Waybill-Payload-Salt";
        wb_hex_encode(salt, WB_SALT_BYTES, c->rs->header_value[1]);
        if (log) {
            c->rs->header[0] = "Waybill-Disclosure-Entry";
            snprintf(c->rs->header_value[0], sizeof c->rs->header_value[0],
                     "%llu", (unsigned long long)entry);
        }
    }
out:
    wb_wipe(salt, sizeof salt);
    wb_free(p);
    wb_free(leaf);
    wb_claims_free(cl);
}

void
wb__api_proof(struct wb__ctx *c)
{
    static const char *const allowed[] = {"size", NULL};
    uint64_t index = 0;
    uint64_t size = 0;
    uint64_t used = 0;
    uint64_t latest = 0;
    uint64_t log_size = wb_site_size(c->site);
    char *text = NULL;
    wb_err rc;

    if (!wb__api_params_only(c, allowed) || !wb__api_index(c, &index) ||
        !wb__api_param_u64(c, "size", &size)) {
        return;
    }
    if (index >= log_size) {
        wb__api_error(c, 404, "index", "no entry %llu (the log has %llu)",
                      (unsigned long long)index, (unsigned long long)log_size);
        return;
    }
    /* a read never signs: only published checkpoints are used */
    rc = wb_site_prove_published(c->site, index, size, &text, &used, &latest);
    if (rc == WB_ERR_NOTFOUND && size == 0) {
        wb__api_json(
            c, 409,
            json_pack("{s:s, s:s, s:I, s:I, s:o}", "error", wb_errmsg(),
                      "field", "index", "index", (json_int_t)index, "log_size",
                      (json_int_t)log_size, "checkpoint_size",
                      latest ? json_integer((json_int_t)latest) : json_null()));
        if (c->api->checkpoint_interval_s > 0) {
            c->rs->header[0] = "Retry-After";
            snprintf(c->rs->header_value[0], sizeof c->rs->header_value[0],
                     "%u", c->api->checkpoint_interval_s);
        }
    } else if (rc != WB_OK) {
        wb__api_fail(c, rc, rc == WB_ERR_NOTFOUND ? "size" : "index", "proof");
    } else {
        wb__api_bytes(c, 200, "text/plain; charset=utf-8", text, strlen(text));
        c->rs->header[0] = "Waybill-Checkpoint-Size";
        snprintf(c->rs->header_value[0], sizeof c->rs->header_value[0], "%llu",
                 (unsigned long long)used);
    }
    wb_free(text);
}

void
wb__api_consistency(struct wb__ctx *c)
{
    static const char *const allowed[] = {"old", "new", NULL};
    uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    uint64_t old_size = UINT64_MAX;
    uint64_t new_size = UINT64_MAX;
    size_t count = 0;
    char *text = NULL;
    wb_err rc;

    if (!wb__api_params_only(c, allowed) ||
        !wb__api_param_u64(c, "old", &old_size) ||
        !wb__api_param_u64(c, "new", &new_size)) {
        return;
    }
    if (old_size == UINT64_MAX || new_size == UINT64_MAX) {
        wb__api_error(c, 400, old_size == UINT64_MAX ? "old" : "new",
                      "the query needs old=SIZE and new=SIZE");
        return;
    }
    rc = wb_site_prove_consistency(c->site, old_size, new_size, proof, &count);
    if (rc == WB_OK) {
        rc = wb_proof_lines_format((const uint8_t(*)[WB_HASH_BYTES])proof,
                                   count, &text);
    }
    if (rc != WB_OK) {
        wb__api_fail(c, rc == WB_ERR_NOTFOUND ? WB_ERR_INVAL : rc, "new",
                     "consistency proof");
    } else {
        wb__api_bytes(c, 200, "text/plain; charset=utf-8", text, strlen(text));
    }
    wb_free(text);
}

void
wb__api_checkpoint_sign(struct wb__ctx *c)
{
    static const char *const allowed[] = {"size", NULL};
    uint64_t size = 0;
    char *text = NULL;
    wb_err rc;

    if (!wb__api_params_only(c, allowed) ||
        !wb__api_param_u64(c, "size", &size)) {
        return;
    }
    rc = wb_site_checkpoint(c->site, size, &text);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "size", "checkpoint");
    } else {
        wb__api_bytes(c, 201, "text/plain; charset=utf-8", text, strlen(text));
    }
    wb_free(text);
}

void
wb__api_checkpoint_latest(struct wb__ctx *c)
{
    uint64_t size = 0;
    char *text = NULL;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_site_checkpoint_latest(c->site, &size, &text);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "checkpoint");
    } else {
        wb__api_bytes(c, 200, "text/plain; charset=utf-8", text, strlen(text));
    }
    wb_free(text);
}

void
wb__api_tlog_checkpoint(struct wb__ctx *c)
{
    wb__api_checkpoint_latest(c);
}
