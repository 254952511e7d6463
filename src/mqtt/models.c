/* SPDX-License-Identifier: Apache-2.0 */
/* Governed inference on MQTT-ingested records: the configured models,
 * opened (verified) once at start, run on the records of matching
 * messages after their batch commits, in a batch of their own; each
 * result is published at QoS 1 on the route's topic once the inference
 * batch has committed (a result names its inference record, which must
 * exist); the PUBLISH packets then wait in libmosquitto's queue with the
 * batch's PUBACKs and leave with them.
 *
 * The data batch notes each record as work owed by each model that takes
 * it (wb_site_pending_add); the models' batch clears it with the outcome.
 * A crash between the two commits leaves the record owed, and the models
 * run on it when the daemon next connects (wb__mqtt_models_resume): every
 * logged record gets its governed outcome once. The results reach the
 * broker at least once (results.c). */
#include <stdio.h>
#include <string.h>

#include <waybill/infer.h>
#include <waybill/policy.h>
#include <waybill/token.h>

#include "ledger/defer.h"
#include "mqtt/mqtt_int.h"

/* A record a model will run on: the copy made at ingest. */
struct held {
    struct wb_ingest_kept kept;
    char device[WB_DEVICE_ID_MAX + 1];
};

/* The records of one commit that models will run on, each held once;
 * for model i, the positions in rec of the records it takes. */
struct pending {
    struct held *rec;
    size_t n, cap;
};

struct uses {
    size_t *at;
    size_t n, cap;
};

/* A call's result, published after the commit: model i's rows for the
 * records at in[i].at[off..]. */
struct outcome {
    size_t model;
    size_t off;
    struct wb_infer_result *res;
};

struct wb__mqtt_models {
    const struct wb_mqtt_config *cfg;
    struct wb_policy *policy;
    struct wb_model *model[WB_MQTT_MAX_MODELS];
    struct pending held;
    size_t held_bytes; /* an estimate of what held records take */
    struct uses in[WB_MQTT_MAX_MODELS];
    struct outcome *out;
    size_t out_n, out_cap;
    /* model i's name for the work it owes (consumer_name), and for the
     * results it owes the broker */
    char consumer[WB_MQTT_MAX_MODELS][WB_PENDING_CONSUMER_MAX + 1];
    char result[WB_MQTT_MAX_MODELS][WB_PENDING_CONSUMER_MAX + 1];
    struct wb__mqtt_results *results;
    size_t turn; /* which model publishes from the log first */
};

/* Forget what is held. */
static void
drop(struct wb__mqtt_models *ms)
{
    for (size_t i = 0; i < ms->held.n; i++) {
        wb_ingest_kept_clear(&ms->held.rec[i].kept);
    }
    ms->held.n = 0;
    ms->held_bytes = 0;
    for (size_t i = 0; i < WB_MQTT_MAX_MODELS; i++) {
        ms->in[i].n = 0;
    }
    for (size_t i = 0; i < ms->out_n; i++) {
        wb_infer_result_free(ms->out[i].res);
    }
    ms->out_n = 0;
}

/* Room for one more of size sz in *v (n used of *cap). */
static wb_err
grow(void **v, size_t n, size_t *cap, size_t sz)
{
    size_t c = *cap ? *cap * 2 : 256;
    void *g;

    if (n < *cap) {
        return WB_OK;
    }
    g = wb__realloc(*v, c * sz);
    if (g == NULL) {
        return WB_ERR_NOMEM;
    }
    *v = g;
    *cap = c;
    return WB_OK;
}

void
wb__mqtt_models_free(struct wb__mqtt_models *ms)
{
    if (ms == NULL) {
        return;
    }
    for (size_t i = 0; i < WB_MQTT_MAX_MODELS; i++) {
        wb_model_close(ms->model[i]);
        wb__free(ms->in[i].at);
    }
    drop(ms);
    wb__free(ms->held.rec);
    wb__free(ms->out);
    wb__mqtt_results_free(ms->results);
    wb_policy_free(ms->policy);
    wb__free(ms);
}

/* "mqtt MODEL " and the first 16 bytes (hex) of SHA-256 over the
 * entry's topic filter, run_in and purpose ("" when unset), each followed
 * by a NUL: what decides a governed outcome, in a name of bounded length.
 * Two entries with the same name are refused by the configuration
 * (wb__mqtt_cfg_check), so each entry's work is its own. */
static wb_err
consumer_name(const struct wb_mqtt_model *m,
              char out[WB_PENDING_CONSUMER_MAX + 1])
{
    const char *part[] = {m->filter, m->run_in, m->purpose ? m->purpose : ""};
    uint8_t h[WB_HASH_BYTES];
    char hex[33];
    struct wb__buf b;
    wb_err rc = WB_OK;

    wb__buf_init(&b, SIZE_MAX);
    for (size_t k = 0; rc == WB_OK && k < 3; k++) {
        rc = wb__buf_append(&b, part[k], strlen(part[k]) + 1);
    }
    if (rc == WB_OK) {
        wb_sha256(b.data, b.len, h);
        wb_hex_encode(h, 16, hex);
        snprintf(out, WB_PENDING_CONSUMER_MAX + 1, "mqtt %s %s", m->model, hex);
    }
    wb__buf_clear(&b);
    return rc;
}

/* Model entry i against its manifest's own terms: every call of an entry
 * for a purpose the vendor did not intend, or in a place the model may
 * not run or keep outputs, would be refused whole. Enforced, that is a
 * configuration that can never work: refused. Log-only, the calls run
 * and log their refusal: said once, here. */
static wb_err
terms(const struct wb_mqtt_model *m,
      size_t i,
      const struct wb_model_manifest *mf,
      const char *purpose,
      const char *src)
{
    char why[WB_INFER_WHY_MAX];
    char line[WB_INFER_WHY_MAX + 64]; /* the reasons on one line */

    if (wb_model_call_allowed(mf, purpose, m->run_in, why, sizeof why)) {
        return WB_OK;
    }
    wb__one_line(why, line, sizeof line);
    if (!m->log_only) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.models[%zu] %s: every call would be refused: %s",
                       i, m->model, line);
    }
    fprintf(stderr,
            "waybilld: %s%smqtt.models[%zu] %s: every call will be refused, "
            "and run (governance log-only): %s\n",
            src ? src : "", src ? ": " : "", i, m->model, line);
    return WB_OK;
}

wb_err
wb__mqtt_models_open(struct wb_site *s,
                     const struct wb_mqtt_config *cfg,
                     struct wb__mqtt_models **out)
{
    struct wb__mqtt_models *ms;
    wb_err rc;

    *out = NULL;
    if (cfg->model_count == 0) {
        return WB_OK;
    }
    ms = wb__calloc(1, sizeof *ms);
    if (ms == NULL) {
        return WB_ERR_NOMEM;
    }
    ms->cfg = cfg;
    rc = wb_policy_load_dir(cfg->profiles_dir, &ms->policy);
    if (rc == WB_OK) {
        rc = wb__mqtt_results_open(&ms->results);
    }
    for (size_t i = 0; rc == WB_OK && i < cfg->model_count; i++) {
        const struct wb_mqtt_model *m = &cfg->models[i];
        const char *purpose;
        rc = consumer_name(m, ms->consumer[i]);
        wb__mqtt_results_name(ms->consumer[i], ms->result[i]);
        if (rc == WB_OK) {
            rc = wb_model_open(s, m->model, &ms->model[i]);
        }
        if (rc != WB_OK) {
            wb__err_prefix("mqtt.models[%zu] %s", i, m->model);
            break;
        }
        /* a place or a purpose that is none would refuse every call
         * unlogged (WB_ERR_INVAL): refused here, before any record */
        purpose = m->purpose ? m->purpose
                             : wb_model_manifest_of(ms->model[i])->purposes[0];
        rc = wb_region_check(m->run_in);
        if (rc != WB_OK && rc != WB_ERR_INVAL) {
            break; /* the ISO tables could not be read */
        }
        if (rc == WB_ERR_INVAL) {
            rc = wb__err(WB_ERR_INVAL,
                         "mqtt.models[%zu].run_in: \"%.64s\" is not an ISO "
                         "3166-1 country code or ISO 3166-2 subdivision",
                         i, m->run_in);
        } else if (wb_policy_purpose_find(ms->policy, purpose) < 0) {
            rc = wb__err(WB_ERR_INVAL,
                         "mqtt.models[%zu].purpose: \"%.64s\" is not in "
                         "the purpose vocabulary of %s",
                         i, purpose, cfg->profiles_dir);
        } else {
            rc = terms(m, i, wb_model_manifest_of(ms->model[i]), purpose,
                       cfg->source);
        }
    }
    if (rc != WB_OK) {
        wb__mqtt_models_free(ms);
        return rc;
    }
    *out = ms;
    return WB_OK;
}

static bool
matches(const struct wb_mqtt_model *m, const char *topic)
{
    bool match = false;

    return mosquitto_topic_matches_sub(m->filter, topic, &match) ==
               MOSQ_ERR_SUCCESS &&
           match;
}

/* What holding a record of a payload of len bytes costs, about: the
 * claims, the parse of a JSON payload (jansson's objects take several
 * times the text) and the bookkeeping. */
static size_t
held_cost(size_t len)
{
    return 512 + 8 * len;
}

/* Does a model take records of topic? */
static bool
taken(const struct wb__mqtt_models *ms, const char *topic)
{
    for (size_t i = 0; ms != NULL && i < ms->cfg->model_count; i++) {
        if (matches(&ms->cfg->models[i], topic)) {
            return true;
        }
    }
    return false;
}

bool
wb__mqtt_models_want(const struct wb__mqtt_models *ms,
                     const char *topic,
                     size_t payload_len)
{
    return taken(ms, topic) &&
           ms->held_bytes + held_cost(payload_len) <= WB__MQTT_HELD_MAX;
}

/* Queue the record of entry index (of device; kept: the copy made at
 * ingest, taken, or NULL to read it back from the log) for the models in
 * takers (bit i: model i). A failure leaves nothing half queued. */
static wb_err
hold(struct wb__mqtt_models *ms,
     unsigned takers,
     uint64_t index,
     const char *device,
     struct wb_ingest_kept *kept)
{
    struct pending *p = &ms->held;
    struct held *h;
    /* room everywhere first */
    wb_err rc = grow((void **)&p->rec, p->n, &p->cap, sizeof *p->rec);

    for (size_t i = 0; rc == WB_OK && i < ms->cfg->model_count; i++) {
        struct uses *u = &ms->in[i];
        if (takers & 1u << i) {
            rc = grow((void **)&u->at, u->n, &u->cap, sizeof *u->at);
        }
    }
    if (rc != WB_OK) {
        return rc;
    }
    for (size_t i = 0; i < ms->cfg->model_count; i++) {
        struct uses *u = &ms->in[i];
        if (takers & 1u << i) {
            u->at[u->n++] = p->n;
        }
    }
    h = &p->rec[p->n++];
    memset(h, 0, sizeof *h);
    snprintf(h->device, sizeof h->device, "%s", device);
    if (kept == NULL) {
        h->kept.index = index;
        return WB_OK;
    }
    h->kept = *kept; /* taken; the parse is what the models read */
    memset(kept, 0, sizeof *kept);
    wb__free(h->kept.payload);
    h->kept.payload = NULL;
    ms->held_bytes += held_cost(h->kept.payload_len);
    return WB_OK;
}

wb_err
wb__mqtt_models_note(struct wb__mqtt_models *ms,
                     struct wb_site *s,
                     const char *topic,
                     struct wb__mqtt_logged *l)
{
    unsigned takers = 0;
    wb_err rc = WB_OK;

    for (size_t i = 0; ms != NULL && i < ms->cfg->model_count; i++) {
        if (matches(&ms->cfg->models[i], topic)) {
            takers |= 1u << i;
            rc = rc == WB_OK ? wb_site_pending_add(s, ms->consumer[i], l->index)
                             : rc;
        }
    }
    if (takers == 0 || rc != WB_OK) {
        return rc;
    }
    /* not kept, or not JSON (the models read JSON fields): the governed
     * call reads it from the log */
    return hold(ms, takers, l->index, l->device,
                l->kept.claims != NULL && l->kept.doc != NULL ? &l->kept
                                                              : NULL);
}

/* A refusal of the whole call that wb_infer_run logged (an
 * "inference-refused" entry in the open batch), committed like any other
 * outcome: the work is done. The same codes come from errors that log
 * nothing (a register's document that does not parse), whose records
 * stay owed. */
static bool
refused_logged(wb_err rc)
{
    return (rc == WB_ERR_DENIED || rc == WB_ERR_FORMAT ||
            rc == WB_ERR_VERIFY) &&
           wb_infer_refused_entry(NULL) != 0;
}

/* Model i on the records it takes, WB_INFER_MAX_INPUTS at a time, each
 * result kept for publishing. */
static wb_err
run_model(struct wb__mqtt_models *ms,
          size_t i,
          struct wb_site *s,
          struct wb_infer_record *rec,
          size_t *read_back)
{
    const struct wb_mqtt_model *m = &ms->cfg->models[i];
    const struct uses *u = &ms->in[i];
    wb_err rc = WB_OK;

    for (size_t off = 0; rc == WB_OK && off < u->n;
         off += WB_INFER_MAX_INPUTS) {
        struct wb_infer_result *res = NULL;
        struct wb_infer_opts o;
        size_t n =
            u->n - off < WB_INFER_MAX_INPUTS ? u->n - off : WB_INFER_MAX_INPUTS;
        for (size_t k = 0; k < n; k++) {
            const struct wb_ingest_kept *h = &ms->held.rec[u->at[off + k]].kept;
            rec[k].index = h->index;
            memcpy(rec[k].leaf_hash, h->leaf_hash, WB_HASH_BYTES);
            rec[k].claims = h->claims;
            rec[k].payload = h->payload;
            rec[k].payload_len = h->payload_len;
            rec[k].doc = h->doc;
            *read_back += h->claims == NULL;
        }
        memset(&o, 0, sizeof o);
        o.policy = ms->policy;
        o.run_in = m->run_in;
        o.purpose = m->purpose;
        o.date = (int32_t)(time(NULL) / 86400);
        o.deny_unfit = true; /* one device's bad message, not the batch */
        o.mode = m->log_only ? WB_INFER_LOG_ONLY : WB_INFER_ENFORCE;
        rc = grow((void **)&ms->out, ms->out_n, &ms->out_cap, sizeof *ms->out);
        if (rc == WB_OK) {
            rc = wb_infer_run_records(s, ms->model[i], rec, n, &o, &res);
            if (rc == WB_OK && res->refused) {
                char why[WB_INFER_WHY_MAX + 64]; /* one line: "a; b" */
                fprintf(stderr,
                        "waybilld: mqtt: model %s: the call on %zu record(s) "
                        "refused, not enforced (log-only; decision entry "
                        "%llu): %s\n",
                        m->model, n, (unsigned long long)res->refusal,
                        wb__one_line(res->refused_why, why, sizeof why));
            } else if (refused_logged(rc)) {
                fprintf(stderr,
                        "waybilld: mqtt: model %s refused %zu "
                        "record(s): %s\n",
                        m->model, n, wb_errmsg());
                rc = WB_OK; /* an outcome, logged: the work is done */
            } else if (rc == WB_ERR_INVAL) {
                /* refused before any check, nothing logged: the records
                 * stay owed (run again at the next start) */
                fprintf(stderr,
                        "waybilld: mqtt: model %s could not run on %zu "
                        "record(s), which stay owed: %s\n",
                        m->model, n, wb_errmsg());
                rc = WB_OK;
                continue;
            }
        }
        if (rc == WB_OK) {
            /* every entry model i owes between the first and the last of
             * these is one of them: what a data batch noted was queued in
             * log order, and resume queues them in order */
            rc = wb_site_pending_done(s, ms->consumer[i], rec[0].index,
                                      rec[n - 1].index);
        }
        /* the records whose rows will be published, owed to the broker
         * until their PUBACKs (results.c) */
        for (size_t r = 0; rc == WB_OK && res != NULL && r < res->count; r++) {
            const struct wb_infer_row *row = &res->rows[r];
            if (row->ran && (r == 0 || !res->rows[r - 1].ran ||
                             res->rows[r - 1].output != row->output)) {
                rc = wb_site_pending_add(s, ms->result[i], row->output);
            }
        }
        if (rc == WB_OK && res != NULL) {
            ms->out[ms->out_n].model = i;
            ms->out[ms->out_n].off = off;
            ms->out[ms->out_n++].res = res;
            res = NULL;
        }
        wb_infer_result_free(res);
    }
    return rc;
}

wb_err
wb__mqtt_models_run(struct wb__mqtt_models *ms,
                    struct wb_site *s,
                    struct mosquitto *mosq,
                    struct wb__mqtt_models_counts *n)
{
    struct wb_infer_record *rec = NULL;
    uint64_t now_rec[WB_MQTT_MAX_MODELS];
    bool now_set[WB_MQTT_MAX_MODELS] = {false};
    bool now_pub[WB_MQTT_MAX_MODELS];
    wb_err rc;

    memset(n, 0, sizeof *n);
    if (ms == NULL || ms->held.n == 0) {
        return WB_OK;
    }
    rec = wb__calloc(ms->held.n < WB_INFER_MAX_INPUTS ? ms->held.n
                                                      : WB_INFER_MAX_INPUTS,
                     sizeof *rec);
    rc = rec ? wb_site_begin(s) : WB_ERR_NOMEM;
    if (rc == WB_OK) {
        for (size_t i = 0; rc == WB_OK && i < ms->cfg->model_count; i++) {
            rc = run_model(ms, i, s, rec, &n->read_back);
            if (rc == WB_OK) {
                /* the batch's open inference record is appended: two
                 * entries never share one (each entry's owed results
                 * are its own rows, published on its own topic) */
                rc = wb__site_settle(s);
            }
        }
        if (rc == WB_OK) {
            rc = wb__mqtt_results_settle(ms->results, s, ms->result);
        }
        if (rc == WB_OK) {
            rc = wb_site_commit(s);
        } else {
            wb_site_rollback(s);
        }
    }
    for (size_t k = 0; rc == WB_OK && k < ms->out_n; k++) {
        const struct outcome *oc = &ms->out[k];
        const struct wb_mqtt_model *m = &ms->cfg->models[oc->model];
        n->denied += oc->res->denied;
        n->inputs += oc->res->count;
        for (size_t r = 0; r < oc->res->count; r++) {
            const struct wb_infer_row *row = &oc->res->rows[r];
            size_t i = oc->model;
            if (!row->ran) {
                continue;
            }
            if (!now_set[i] || now_rec[i] != row->output) {
                /* a record's rows go together, from memory while the
                 * window has room; past it, this model's results wait in
                 * the log (owed) and go out from there, in order */
                now_set[i] = true;
                now_rec[i] = row->output;
                now_pub[i] = wb__mqtt_results_direct(ms->results, i);
                if (!now_pub[i]) {
                    wb__mqtt_results_held(ms->results, i);
                }
            }
            if (now_pub[i]) {
                wb__mqtt_results_publish(
                    ms->results, mosq, i, m,
                    ms->held.rec[ms->in[i].at[oc->off + r]].device, row->input,
                    row->output, row->values, row->value_count);
                wb__mqtt_results_handed(ms->results, i, row->output);
            }
            n->ran++;
        }
    }
    wb__mqtt_results_round(ms->results);
    drop(ms);
    wb__free(rec);
    return rc;
}

/* Queue entry index, owed by model i, read back from the log; the device
 * (for the result's topic) is the record's sub claim. */
static wb_err
hold_owed(struct wb__mqtt_models *ms,
          size_t i,
          struct wb_site *s,
          uint64_t index)
{
    uint8_t *leaf = NULL;
    size_t len = 0;
    struct wb_claims *c = NULL;
    wb_err rc = wb_site_leaf(s, index, &leaf, &len);

    if (rc == WB_OK) {
        rc = wb_claims_decode(leaf, len, &c);
    }
    if (rc == WB_OK) {
        rc = hold(ms, 1u << i, index, c->sub ? c->sub : "", NULL);
    } else {
        wb__err_prefix("owed work on entry %llu", (unsigned long long)index);
    }
    wb_claims_free(c);
    wb_free(leaf);
    return rc;
}

wb_err
wb__mqtt_models_resume(struct wb__mqtt_models *ms,
                       struct wb_site *s,
                       struct mosquitto *mosq,
                       struct wb__mqtt_models_counts *n)
{
    /* a page holds what a crash can leave (a data batch is at most 65,535
     * records), so the owed work commits in one models' batch and its
     * results are published together; a failing page leaves it all owed */
    size_t max = 65536;
    uint64_t *owed = NULL;
    wb_err rc = WB_OK;

    memset(n, 0, sizeof *n);
    if (ms != NULL && (owed = wb__calloc(max, sizeof *owed)) == NULL) {
        return WB_ERR_NOMEM;
    }
    /* first the results a stop or crash left unacknowledged, oldest (the
     * first slice; the loop publishes the rest as PUBACKs come) */
    rc = wb__mqtt_models_republish(ms, s, mosq, &n->republished);
    n->more = ms != NULL &&
              wb__mqtt_results_behind(ms->results, ms->cfg->model_count);
    for (size_t i = 0; ms != NULL && rc == WB_OK && i < ms->cfg->model_count;
         i++) {
        uint64_t from = 0;
        size_t got = max;
        while (rc == WB_OK && got == max) {
            struct wb__mqtt_models_counts c;
            rc =
                wb_site_pending_list(s, ms->consumer[i], from, owed, max, &got);
            for (size_t k = 0; rc == WB_OK && k < got; k++) {
                rc = hold_owed(ms, i, s, owed[k]);
            }
            if (rc == WB_OK && got > 0) {
                from = owed[got - 1] + 1; /* each entry once, even if kept */
                rc = wb__mqtt_models_run(ms, s, mosq, &c);
                n->ran += c.ran;
                n->denied += c.denied;
                n->inputs += c.inputs;
                n->read_back += c.read_back;
            }
        }
    }
    if (ms != NULL) {
        drop(ms);
    }
    wb__free(owed);
    return rc;
}

void
wb__mqtt_models_acked(struct wb__mqtt_models *ms, int mid, int reason)
{
    wb__mqtt_results_acked(ms ? ms->results : NULL, mid, reason);
}

bool
wb__mqtt_models_settle_due(const struct wb__mqtt_models *ms, bool now)
{
    return ms != NULL && wb__mqtt_results_due(ms->results, now);
}

size_t
wb__mqtt_models_awaited(const struct wb__mqtt_models *ms)
{
    return ms == NULL ? 0 : wb__mqtt_results_awaited(ms->results);
}

void
wb__mqtt_models_stop(struct wb__mqtt_models *ms)
{
    wb__mqtt_results_stop(ms ? ms->results : NULL);
}

wb_err
wb__mqtt_models_settle(struct wb__mqtt_models *ms, struct wb_site *s)
{
    return ms == NULL ? WB_OK
                      : wb__mqtt_results_settle(ms->results, s, ms->result);
}

void
wb__mqtt_models_orphans(const struct wb__mqtt_models *ms, struct wb_site *s)
{
    struct wb_pending_owed *o = wb__calloc(64, sizeof *o);
    size_t n = 0;

    if (o == NULL || wb_site_pending_owed(s, o, 64, &n) != WB_OK) {
        n = 0; /* only a report: the start goes on */
    }
    if (n == 64) {
        fprintf(stderr, "waybilld: mqtt: owed work under 64 names or more: "
                        "waybill pending lists them\n");
    }
    for (size_t k = 0; k < n; k++) {
        bool ours = strncmp(o[k].consumer, "mqtt ", 5) != 0;
        for (size_t i = 0; ms != NULL && !ours && i < ms->cfg->model_count;
             i++) {
            ours = strcmp(o[k].consumer, ms->consumer[i]) == 0 ||
                   strcmp(o[k].consumer, ms->result[i]) == 0;
        }
        if (!ours) {
            fprintf(stderr,
                    "waybilld: mqtt: %llu entr%s (%llu..%llu) owed to "
                    "\"%s\", which no configured model entry has: done "
                    "when that entry is configured again, or dropped with "
                    "waybill pending drop\n",
                    (unsigned long long)o[k].count,
                    o[k].count == 1 ? "y" : "ies",
                    (unsigned long long)o[k].first,
                    (unsigned long long)o[k].last, o[k].consumer);
        }
    }
    wb__free(o);
}

wb_err
wb__mqtt_models_republish(struct wb__mqtt_models *ms,
                          struct wb_site *s,
                          struct mosquitto *mosq,
                          size_t *rows)
{
    wb_err rc = WB_OK;

    *rows = 0;
    /* a page of each in turn, starting one further each time, so that one
     * model's backlog cannot keep another's results waiting */
    for (size_t k = 0; ms != NULL && rc == WB_OK && k < ms->cfg->model_count;
         k++) {
        size_t i = (ms->turn + k) % ms->cfg->model_count;
        rc = wb__mqtt_results_resume(
            ms->results, s, mosq, i, &ms->cfg->models[i],
            wb_model_manifest_of(ms->model[i]), ms->result[i], rows);
    }
    if (ms != NULL) {
        ms->turn++;
    }
    return rc;
}
