/* SPDX-License-Identifier: Apache-2.0 */
/* The governed call: open a registered model (verify, then load from the
 * checked buffer), check every input, run the permitted ones, log each
 * output as an "inference" record with its lineage and each denial as a
 * "decision" entry, and tell the hooks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <waybill/policy.h>

#include "infer/infer_int.h"
#include "ledger/defer.h"

static wb_err check_where(const struct wb_infer_opts *o, const char *purpose);

/* The calling thread's last whole refusal (wb_infer_refused_entry). */
static _Thread_local uint64_t refused_entry;
static _Thread_local char refused_why[WB_INFER_WHY_MAX];

uint64_t
wb_infer_refused_entry(const char **why)
{
    if (why != NULL) {
        *why = refused_entry != 0 ? refused_why : NULL;
    }
    return refused_entry;
}

void
wb__infer_refused_set(uint64_t entry, const char *why)
{
    refused_entry = entry;
    snprintf(refused_why, sizeof refused_why, "%s", why ? why : "");
}

/* Log a refusal of the whole model or call, keeping the error detail. */
static wb_err
log_whole(struct wb_site *s,
          const char *event,
          const char *id,
          const uint8_t *digest,
          const struct wb_claims *about,
          const char *why,
          json_t *extra,
          wb_err err,
          uint64_t *entry)
{
    char keep[WB_INFER_WHY_MAX];
    wb_err rc;

    snprintf(keep, sizeof keep, "%s", why);
    rc = wb__infer_log_refusal(s, event, id, digest, about, keep, extra, entry);
    json_decref(extra);
    if (rc != WB_OK) {
        /* wb_errmsg() is the buffer wb__err writes: copied first */
        char cause[256];
        snprintf(cause, sizeof cause, "%s", wb_errmsg());
        return wb__err(rc, "%s (and the refusal could not be logged: %s)", keep,
                       cause);
    }
    refused_entry = *entry;
    memcpy(refused_why, keep, sizeof keep);
    {
        char line[WB_INFER_WHY_MAX + 256]; /* one line: "a; b" */
        return wb__err(err, "%s (logged as decision entry %llu)",
                       wb__one_line(keep, line, sizeof line),
                       (unsigned long long)*entry);
    }
}

/* Tell the hooks (o's, if any, and the attached ones) that opening model
 * id (registered as e) was refused and logged as entry: the refusal of
 * every call that would have run on it. */
static void
tell_refused(const struct wb_model_entry *e,
             const char *id,
             const struct wb_infer_opts *o,
             const char *why,
             uint64_t entry)
{
    struct wb_infer_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = WB_INFER_ON_DENY;
    ev.model_id = id;
    ev.model_digest = e->digest;
    ev.purpose = o && o->purpose ? o->purpose
                 : o && e->manifest && e->manifest->purpose_count > 0
                     ? e->manifest->purposes[0]
                     : NULL;
    ev.run_in = o ? o->run_in : NULL;
    ev.enforced = o == NULL || o->mode == WB_INFER_ENFORCE;
    ev.whole_call = true;
    ev.why = why; /* the reason alone: the entry is ev.decision */
    ev.decision = entry;
    wb__infer_hooks_fire(o ? o->hooks : NULL, o ? o->hook_count : 0, &ev);
}

wb_err
wb_model_open(struct wb_site *s, const char *id, struct wb_model **out)
{
    return wb_model_open_for(s, id, NULL, out);
}

wb_err
wb_model_open_for(struct wb_site *s,
                  const char *id,
                  const struct wb_infer_opts *o,
                  struct wb_model **out)
{
    struct wb_model_package *p = NULL;
    struct wb_model *m = NULL;
    struct wb_model_entry e;
    wb_err rc;

    *out = NULL;
    refused_entry = 0;
    memset(&e, 0, sizeof e);
    /* a place or purpose that is none is the caller's slip, refused
     * before a damaged model's refusal would log it */
    if (o != NULL && (o->run_in == NULL || o->policy == NULL)) {
        return wb__err(WB_ERR_INVAL, "infer: missing policy or run_in");
    }
    rc = o != NULL ? check_where(o, o->purpose) : WB_OK;
    if (rc == WB_OK) {
        rc = wb_model_get(s, id, &e);
    }
    if (rc != WB_OK && rc != WB_ERR_VERIFY) {
        return rc; /* not registered, or no place: nothing to refuse */
    }
    if (rc == WB_OK) {
        rc = wb_model_verify(s, id, &p);
    }
    m = rc == WB_OK ? wb__calloc(1, sizeof *m) : NULL;
    if (rc == WB_OK && (m == NULL || wb__infer_gate_new(&m->gate) != WB_OK)) {
        rc = WB_ERR_NOMEM;
    }
    if (rc == WB_OK) {
        snprintf(m->id, sizeof m->id, "%s", id);
        memcpy(m->digest, p->digest, WB_HASH_BYTES);
        m->manifest = p->manifest;
        p->manifest = NULL;
        m->backend = wb_infer_backend_find(m->manifest->runtime);
        if (m->backend == NULL) {
            rc = wb__err(WB_ERR_NOTFOUND,
                         "model %s: no backend for runtime \"%s\"", id,
                         m->manifest->runtime);
        }
    }
    if (rc == WB_OK) {
        wb__infer_runtime_started();
        rc = m->backend->load(p->model, p->model_len, m->manifest->input_count,
                              m->manifest->output_count, &m->runtime);
        if (rc != WB_OK) {
            wb__err_prefix("model %s", id);
        }
    }
    if (rc != WB_OK && rc != WB_ERR_NOMEM) {
        uint64_t entry = 0;
        wb_err why = rc;
        char reason[WB_INFER_WHY_MAX];
        snprintf(reason, sizeof reason, "%s", wb_errmsg());
        rc = log_whole(s, "model-load-refused", id, e.digest, NULL, reason,
                       NULL, rc, &entry);
        if (rc == why && entry != 0) { /* logged */
            tell_refused(&e, id, o, reason, entry);
        }
    }
    if (rc == WB_OK) {
        *out = m;
        m = NULL;
    }
    wb_model_close(m);
    wb_model_package_free(p);
    wb_model_entry_clear(&e);
    return rc;
}

void
wb_model_close(struct wb_model *m)
{
    if (m == NULL) {
        return;
    }
    if (m->backend != NULL) {
        m->backend->free(m->runtime);
    }
    wb_model_manifest_free(m->manifest);
    wb__infer_gate_free(m->gate);
    wb__free(m->scratch);
    wb__free(m);
}

const struct wb_model_manifest *
wb_model_manifest_of(const struct wb_model *m)
{
    return m->manifest;
}

wb_err
wb_model_predict(struct wb_model *m, const float *x, size_t rows, float *out)
{
    if (m == NULL || x == NULL || out == NULL || rows == 0) {
        return wb__err(WB_ERR_INVAL, "predict: missing argument");
    }
    return m->backend->predict(m->runtime, x, rows, out);
}

/* ---- one call ------------------------------------------------------------ */

struct call {
    struct wb_site *s;
    struct wb_model *m;
    const struct wb_infer_opts *o;
    const char *purpose;
    size_t n;
    const struct wb_infer_record *held; /* the caller's, or NULL: read */
    struct wb__infer_input *in;
    float *x;  /* n x features */
    float *rx; /* the rows run, compacted */
    float *ry; /* their outputs */
    struct wb_infer_result *res;
    bool own;     /* the call's own transaction */
    bool known;   /* its place, purpose and the model's terms passed before */
    bool outside; /* outside the model's terms (refused, or logged) */
};

static struct wb_infer_event
event(const struct call *c, enum wb_infer_event_type t)
{
    struct wb_infer_event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = t;
    ev.model_id = c->m->id;
    ev.model_digest = c->m->digest;
    ev.purpose = c->purpose;
    ev.run_in = c->o->run_in;
    ev.enforced = c->o->mode == WB_INFER_ENFORCE;
    return ev;
}

static void
fire_input(const struct call *c,
           enum wb_infer_event_type t,
           size_t i,
           const char *why)
{
    struct wb_infer_event ev;
    const struct wb_infer_row *r = &c->res->rows[i];

    if (!wb__infer_hooks_any(c->o->hook_count)) {
        return;
    }
    ev = event(c, t);
    ev.input = r->input;
    ev.input_leaf = c->in[i].has_leaf ? c->in[i].leaf_hash : NULL;
    ev.input_class = c->in[i].claims ? c->in[i].claims->data_class : NULL;
    ev.output = r->output;
    ev.values = r->values;
    ev.value_count = r->ran ? r->value_count : 0;
    ev.why = why;
    ev.decision = r->decision;
    wb__infer_hooks_fire(c->o->hooks, c->o->hook_count, &ev);
}

/* Refuse the whole call: log it (on its own, or in the call's
 * transaction for a log-only refusal that lets it go on), tell on_deny;
 * *logged (may be NULL) gets the entry. */
static wb_err
refuse_call(struct call *c, const char *why, wb_err err, uint64_t *logged)
{
    struct wb_infer_event ev = event(c, WB_INFER_ON_DENY);
    json_t *extra = json_pack(
        "{s:s, s:s, s:b, s:I}", "purpose", c->purpose, "run_in", c->o->run_in,
        "enforced", c->o->mode == WB_INFER_ENFORCE, "inputs", (json_int_t)c->n);
    struct wb_claims about;
    uint64_t entry = 0;
    char keep[WB_INFER_WHY_MAX];
    wb_err rc;

    snprintf(keep, sizeof keep, "%s", why);
    wb__utf8_scrub(keep); /* cut anywhere, or quoting foreign bytes */
    memset(&about, 0, sizeof about);
    about.purposes = &c->purpose;
    about.purpose_count = 1;
    about.jurisdiction = c->o->run_in;
    rc = log_whole(c->s, "inference-refused", c->m->id, c->m->digest, &about,
                   keep, extra, err, &entry);
    ev.whole_call = true;
    ev.why = keep;
    ev.decision = entry;
    if (rc == err) {
        wb__infer_hooks_fire(c->o->hooks, c->o->hook_count, &ev);
    }
    if (logged != NULL) {
        *logged = entry;
    }
    return rc;
}

static wb_err
check_opts(const struct wb_model *m,
           const void *inputs,
           size_t n,
           const struct wb_infer_opts *o)
{
    if (m == NULL || inputs == NULL || o == NULL || o->policy == NULL ||
        o->run_in == NULL) {
        return wb__err(WB_ERR_INVAL, "infer: missing model, inputs, policy "
                                     "or run_in");
    }
    if (n == 0 || n > WB_INFER_MAX_INPUTS) {
        return wb__err(WB_ERR_INVAL, "infer: 1..%d inputs, not %zu",
                       WB_INFER_MAX_INPUTS, n);
    }
    if (m->manifest->output_count > WB_INFER_OUTPUTS_MAX) {
        return wb__err(WB_ERR_INVAL, "infer: more than %d outputs",
                       WB_INFER_OUTPUTS_MAX);
    }
    if (o->mode != WB_INFER_ENFORCE && o->mode != WB_INFER_LOG_ONLY) {
        return wb__err(WB_ERR_INVAL, "infer: unknown governance mode");
    }
    return WB_OK;
}

/* Where calls of o would run and what for (purpose, or NULL when o names
 * none and the model's is not known yet) must be a place and a purpose at
 * all, or not even their refusal could be logged: a caller's error. */
static wb_err
check_where(const struct wb_infer_opts *o, const char *purpose)
{
    wb_err rc = wb_region_check(o->run_in);

    if (rc == WB_ERR_INVAL) {
        return wb__err(WB_ERR_INVAL,
                       "run_in \"%.64s\" is not an ISO 3166-1 country "
                       "code or ISO 3166-2 subdivision",
                       o->run_in);
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (purpose != NULL && wb_policy_purpose_find(o->policy, purpose) < 0) {
        return wb__err(WB_ERR_INVAL,
                       "purpose \"%.64s\"%s is not in the purpose "
                       "vocabulary",
                       purpose,
                       o->purpose ? "" : " (the model's first purpose)");
    }
    return WB_OK;
}

static wb_err
alloc_call(struct call *c, const uint64_t *inputs)
{
    /* one allocation a call, the result with its rows (handed to the
     * caller); the scratch (inputs, features, the rows run and their
     * outputs) is the model's, kept between small calls: per-call work is
     * most of a single row's governance */
    struct wb_model *m = c->m;
    size_t nf = m->manifest->input_count;
    size_t no = m->manifest->output_count;
    size_t in_len = c->n * sizeof *c->in;
    size_t x_len = c->n * nf * sizeof *c->x;
    size_t need = in_len + 2 * x_len + c->n * no * sizeof *c->ry;
    uint8_t *scratch;

    if (need > m->scratch_cap) {
        wb__free(m->scratch);
        m->scratch = wb__malloc(need);
        m->scratch_cap = m->scratch ? need : 0;
    }
    scratch = m->scratch;
    c->res = wb__calloc(1, sizeof *c->res + c->n * sizeof *c->res->rows);
    if (c->res == NULL || scratch == NULL) {
        return WB_ERR_NOMEM;
    }
    memset(scratch, 0, in_len); /* the rest is written before it is read */
    c->in = (struct wb__infer_input *)(void *)scratch;
    c->x = (float *)(void *)(scratch + in_len);
    c->rx = (float *)(void *)(scratch + in_len + x_len);
    c->ry = (float *)(void *)(scratch + in_len + 2 * x_len);
    c->res->rows = (struct wb_infer_row *)(void *)(c->res + 1);
    c->res->count = c->n;
    for (size_t i = 0; i < c->n; i++) {
        c->res->rows[i].input = inputs ? inputs[i] : c->held[i].index;
    }
    return WB_OK;
}

/* Read every input; a schema mismatch refuses the whole call, or with
 * deny_unfit marks that input to be denied. */
static wb_err
read_inputs(struct call *c)
{
    size_t nf = c->m->manifest->input_count;

    for (size_t i = 0; i < c->n; i++) {
        wb_err rc =
            c->held ? wb__infer_take_record(c->s, c->m->manifest, &c->held[i],
                                            &c->in[i], c->x + i * nf)
                    : wb__infer_read_input(c->s, c->m->manifest,
                                           c->res->rows[i].input, &c->in[i],
                                           c->x + i * nf);
        bool unfit = rc == WB_ERR_FORMAT || rc == WB_ERR_VERIFY;
        if (unfit && c->o->deny_unfit) {
            c->in[i].unfit = true;
            c->res->rows[i].why = wb__utf8_scrub(wb__strdup(wb_errmsg()));
            wb_errmsg_clear();
            rc = c->res->rows[i].why ? WB_OK : WB_ERR_NOMEM;
            if (rc == WB_OK) {
                /* read, and to be denied: the hooks see every input */
                fire_input(c, WB_INFER_BEFORE_INPUT, i, NULL);
                continue;
            }
        }
        if (unfit) {
            /* read, and it does not fit (or is not what the log commits
             * to): the hooks see it before the
             * whole call's refusal (the inputs after it are not read) */
            char why[WB_INFER_WHY_MAX];
            snprintf(why, sizeof why, "%s", wb_errmsg());
            fire_input(c, WB_INFER_BEFORE_INPUT, i, NULL);
            wb_errmsg_set("%s", why);
        }
        if (rc != WB_OK) {
            return rc;
        }
        fire_input(c, WB_INFER_BEFORE_INPUT, i, NULL);
    }
    return WB_OK;
}

/* Log row i's denial (its why) as a "decision" entry, with the claims of
 * what was denied. */
static wb_err
log_denial(struct call *c, size_t i)
{
    struct wb_infer_row *r = &c->res->rows[i];
    const struct wb_claims *in = c->in[i].claims;
    struct wb_claims about;
    json_t *extra;
    wb_err rc;

    c->res->denied++;
    extra = json_pack("{s:I, s:s, s:s, s:b}", "input", (json_int_t)r->input,
                      "purpose", c->purpose, "run_in", c->o->run_in, "enforced",
                      c->o->mode == WB_INFER_ENFORCE);
    memset(&about, 0, sizeof about);
    about.sub = in ? in->sub : NULL;
    about.purposes = &c->purpose;
    about.purpose_count = 1;
    about.consent_id = in ? in->consent_id : NULL;
    about.consent_version = in ? in->consent_version : 0;
    about.jurisdiction = c->o->run_in;
    about.data_class = in ? in->data_class : NULL;
    if (c->in[i].has_leaf) { /* none for an index with no entry */
        about.parents = (const uint8_t(*)[WB_HASH_BYTES])c->in[i].leaf_hash;
        about.parent_count = 1;
    }
    rc = wb__infer_log_refusal(c->s, "inference-denied", c->m->id, c->m->digest,
                               &about, r->why, extra, &r->decision);
    json_decref(extra);
    return rc;
}

/* Check each input; log each denial. */
static wb_err
gate_inputs(struct call *c)
{
    char why[WB_INFER_WHY_MAX];
    /* a known call found the gate in sync, in the open batch, and
     * nothing since could have changed that, unless a before-input hook
     * wrote to a register */
    wb_err rc0 = c->known && !wb__infer_hooks_any(c->o->hook_count)
                     ? WB_OK
                     : wb__infer_gate_sync(c->m->gate, c->s, c->o, c->purpose);

    if (rc0 != WB_OK) {
        return rc0;
    }
    if (!c->outside) {
        wb__infer_gate_call_good(c->m->gate); /* the next call's to skip */
    }
    for (size_t i = 0; i < c->n; i++) {
        struct wb_infer_row *r = &c->res->rows[i];
        wb_err rc;
        if (c->in[i].unfit) {
            /* no features to run on, whatever the mode */
            r->permitted = r->ran = false;
            rc = log_denial(c, i);
            if (rc != WB_OK) {
                return rc;
            }
            continue;
        }
        rc = wb__infer_gate_check(c->m->gate, c->s, c->o, c->purpose, &c->in[i],
                                  &r->permitted, why, sizeof why);
        if (rc != WB_OK) {
            return rc;
        }
        r->ran = r->permitted || c->o->mode == WB_INFER_LOG_ONLY;
        if (r->permitted) {
            continue;
        }
        r->why = wb__utf8_scrub(wb__strdup(why));
        if (r->why == NULL) {
            return WB_ERR_NOMEM;
        }
        rc = log_denial(c, i);
        if (rc != WB_OK) {
            return rc;
        }
    }
    return WB_OK;
}

/* Run the model once over the rows that run. */
static wb_err
run_rows(struct call *c)
{
    size_t nf = c->m->manifest->input_count;
    size_t no = c->m->manifest->output_count;
    size_t k = 0;
    wb_err rc;

    for (size_t i = 0; i < c->n; i++) {
        if (c->res->rows[i].ran) {
            memcpy(c->rx + k * nf, c->x + i * nf, nf * sizeof *c->x);
            k++;
        }
    }
    if (k == 0) {
        return WB_OK;
    }
    rc = c->m->backend->predict(c->m->runtime, c->rx, k, c->ry);
    k = 0;
    for (size_t i = 0; rc == WB_OK && i < c->n; i++) {
        struct wb_infer_row *r = &c->res->rows[i];
        if (r->ran) {
            memcpy(r->values, c->ry + k * no, no * sizeof *c->ry);
            r->value_count = no;
            k++;
        }
    }
    return rc;
}

/* ---- inference records ---------------------------------------------------
 * One record holds the outputs of consecutive rows that share device,
 * consent, class, rights and residency, up to WB_CLAIMS_MAX_ITEMS (the
 * parents claim). Inside a caller's open batch the last record of a call
 * stays open (ledger/defer.h): the next call's rows of the same group go
 * into it, so single-row calls of a batch share records as a batch's rows
 * do. Its index is reserved when it opens. */

struct group {
    struct wb_claims *claims; /* the record's claims but parents (a copy) */
    struct wb_claims *input;  /* its first input's (a copy), for the rest */
    uint8_t parents[WB_CLAIMS_MAX_ITEMS][WB_HASH_BYTES];
    size_t count;
    uint64_t index;      /* reserved, once deferred */
    bool denied;         /* its rows ran though denied (log-only) */
    struct wb__buf body; /* {"model":..,"inputs":[a,b */
    struct wb__buf outs; /* {name:value},{...} */
};

static void
group_free(void *p)
{
    struct group *g = p;

    if (g != NULL) {
        wb_claims_free(g->claims);
        wb_claims_free(g->input);
        wb__buf_clear(&g->body);
        wb__buf_clear(&g->outs);
        wb__free(g);
    }
}

/* Append g as its "inference" record: payload {"model", "inputs":
 * [entry...], "outputs": [{name: value}...]}. */
static wb_err
group_append(struct wb_site *s, void *p, uint64_t *index)
{
    struct group *g = p;
    struct wb_append e;
    wb_err rc = wb__buf_puts(&g->body, "],\"outputs\":[");

    if (rc == WB_OK) {
        rc = wb__buf_append(&g->body, g->outs.data, g->outs.len);
    }
    if (rc == WB_OK) {
        rc = wb__buf_puts(&g->body, "]}");
    }
    if (rc != WB_OK) {
        return rc;
    }
    memset(&e, 0, sizeof e);
    e.claims = *g->claims;
    e.claims.parents = (const uint8_t(*)[WB_HASH_BYTES])g->parents;
    e.claims.parent_count = g->count;
    e.payload = g->body.data;
    e.payload_len = g->body.len;
    return wb_site_append(s, &e, index);
}

static const struct wb__deferred_ops group_ops = {group_append, group_free};

/* Do inputs a and b share what a record states of its inputs: device,
 * consent, class, rights and residency? */
static bool
same_group(const struct wb_claims *a, const struct wb_claims *b)
{
    bool same = wb__str_eq(a->sub, b->sub) &&
                wb__str_eq(a->consent_id, b->consent_id) &&
                a->consent_version == b->consent_version &&
                wb__str_eq(a->data_class, b->data_class) &&
                wb__str_eq(a->rights, b->rights) &&
                a->residency_local_only == b->residency_local_only &&
                a->residency_count == b->residency_count;

    for (size_t k = 0; same && k < a->residency_count; k++) {
        same = strcmp(a->residency[k], b->residency[k]) == 0;
    }
    return same;
}

/* May row i's output go into g: room, the same model, purpose and place,
 * the same verdict (narrow), and the same group? */
static bool
group_fits(const struct call *c, const struct group *g, size_t i)
{
    return g->count < WB_CLAIMS_MAX_ITEMS &&
           g->denied == !c->res->rows[i].permitted &&
           memcmp(g->claims->model, c->m->digest, WB_HASH_BYTES) == 0 &&
           strcmp(g->claims->purposes[0], c->purpose) == 0 &&
           strcmp(g->claims->jurisdiction, c->o->run_in) == 0 &&
           same_group(c->in[i].claims, g->input);
}

/* Into out (WB_CLAIMS_MAX_ITEMS), once each, the places of a that lie
 * within one of b's and of b that lie within one of a's (DE-BY of the
 * one within DE of the other); their number. */
static size_t
overlap(const char *const *a,
        size_t an,
        const char *const *b,
        size_t bn,
        const char **out)
{
    size_t n = 0;

    for (size_t x = 0; x < an; x++) {
        for (size_t y = 0; y < bn; y++) {
            const char *p = wb__infer_within(a[x], b[y])   ? a[x]
                            : wb__infer_within(b[y], a[x]) ? b[y]
                                                           : NULL;
            bool seen = p == NULL;
            for (size_t j = 0; !seen && j < n; j++) {
                seen = strcmp(out[j], p) == 0;
            }
            if (!seen && n < WB_CLAIMS_MAX_ITEMS) {
                out[n++] = p;
            }
        }
    }
    return n;
}

/* Where the output of input `in` may reside, into k (places, which
 * k->residency points into, and tmp hold WB_CLAIMS_MAX_ITEMS each): no
 * wider than its input, nor than the model's output jurisdictions, nor
 * than where the consent it names (kc, may be NULL) lets its data be
 * stored. A local-only input gives a local-only output. Else: the model's
 * places, narrowed to those overlapping the input's (when it names any)
 * and the consent's storage locations (when it lists any), less any that
 * touch the consent's geographic restrictions; local-only (kept where the
 * model ran, which the gate let it) when none is left. For an input the
 * gate denied, which ran only as governance was log-only (denied), none
 * left gives the input's own list instead, else the consent's storage
 * locations, and a local-only input gives the place it is held: the
 * record shows it is held where it may not be. */
static void
narrow(const struct wb_claims *in,
       const struct wb_model_manifest *mf,
       const struct wb_consent *kc,
       bool denied,
       const char **places,
       const char **tmp,
       struct wb_claims *k)
{
    size_t n = mf->output_to_count < WB_CLAIMS_MAX_ITEMS ? mf->output_to_count
                                                         : WB_CLAIMS_MAX_ITEMS;
    size_t kept = 0;

    k->residency_local_only = in->residency_local_only;
    if (in->residency_local_only && denied && in->jurisdiction != NULL) {
        /* ran elsewhere though it may not leave where it is held: the
         * output claims that place, not local-only where it ran */
        places[0] = in->jurisdiction;
        k->residency = places;
        k->residency_count = 1;
        k->residency_local_only = false;
        return;
    }
    if (in->residency_local_only) {
        return;
    }
    memcpy(places, mf->output_to, n * sizeof *places);
    if (in->residency_count > 0) {
        n = overlap(places, n, in->residency, in->residency_count, tmp);
        memcpy(places, tmp, n * sizeof *places);
    }
    if (kc != NULL && kc->storage_location_count > 0) {
        n = overlap(places, n, kc->storage_locations,
                    kc->storage_location_count, tmp);
        memcpy(places, tmp, n * sizeof *places);
    }
    for (size_t x = 0; x < n; x++) {
        if (kc == NULL ||
            !wb__infer_touches(kc->geographic_restrictions,
                               kc->geographic_restriction_count, places[x])) {
            places[kept++] = places[x];
        }
    }
    if (kept == 0 && denied && in->residency_count > 0) {
        kept = in->residency_count < WB_CLAIMS_MAX_ITEMS ? in->residency_count
                                                         : WB_CLAIMS_MAX_ITEMS;
        memcpy(places, in->residency, kept * sizeof *places);
    } else if (kept == 0 && denied && kc != NULL) {
        kept = kc->storage_location_count < WB_CLAIMS_MAX_ITEMS
                   ? kc->storage_location_count
                   : WB_CLAIMS_MAX_ITEMS;
        memcpy(places, kc->storage_locations, kept * sizeof *places);
    }
    k->residency = places;
    k->residency_count = kept;
    k->residency_local_only = kept == 0;
}

/* A new record for row i's group. */
static wb_err
group_new(const struct call *c, size_t i, struct group **out)
{
    const struct wb_model_manifest *mf = c->m->manifest;
    const struct wb_claims *in = c->in[i].claims;
    struct group *g = wb__calloc(1, sizeof *g);
    const char *places[WB_CLAIMS_MAX_ITEMS];
    const char *tmp[WB_CLAIMS_MAX_ITEMS];
    const struct wb_consent *kc = NULL; /* the consent the input names */
    struct wb_consent *read = NULL;     /* kc, when the gate kept none */
    struct wb_claims k;
    wb_err rc = g ? WB_OK : WB_ERR_NOMEM;

    *out = NULL;
    memset(&k, 0, sizeof k);
    k.kind = "inference";
    k.sub = in->sub;
    k.purposes = &c->purpose;
    k.purpose_count = 1;
    k.consent_id = in->consent_id;
    k.consent_version = in->consent_version;
    k.jurisdiction = c->o->run_in;
    k.data_class = in->data_class;
    k.rights = in->rights;
    k.has_model = 1;
    memcpy(k.model, c->m->digest, WB_HASH_BYTES);
    if (rc == WB_OK && in->consent_id != NULL && !in->residency_local_only &&
        !wb__infer_gate_consent(c->m->gate, in, &kc)) {
        /* its latest version, as the gate read it: the use is now */
        rc = wb_consent_get(c->s, in->consent_id, 0, &read);
        kc = read;
        if (rc == WB_ERR_NOTFOUND) {
            wb_errmsg_clear(); /* the gate's to deny; nothing to narrow */
            rc = WB_OK;
        }
    }
    narrow(in, mf, kc, !c->res->rows[i].permitted, places, tmp, &k);
    k.media = "application/json";
    if (rc == WB_OK) {
        /* the model id and output names are limited to characters JSON
         * needs no escape for (manifest.c), the values are finite numbers
         * or null */
        wb__buf_init(&g->body, WB_PAYLOAD_MAX_BYTES);
        wb__buf_init(&g->outs, WB_PAYLOAD_MAX_BYTES);
        rc = wb_claims_copy(&k, &g->claims);
    }
    if (rc == WB_OK) {
        rc = wb_claims_copy(in, &g->input);
    }
    if (rc == WB_OK) {
        rc = wb__buf_printf(&g->body, "{\"model\":\"%s\",\"inputs\":[",
                            c->m->id);
    }
    wb_consent_free(read); /* after the copy of the places it lent */
    if (rc == WB_OK) {
        g->denied = !c->res->rows[i].permitted;
        *out = g;
    } else {
        group_free(g);
    }
    return rc;
}

/* Add row i's input and output to g: per piece an append, not a printf
 * (formatting was a third of a batch's governance time:
 * docs/performance.md). */
static wb_err
group_add(const struct call *c, struct group *g, size_t i)
{
    const struct wb_model_manifest *mf = c->m->manifest;
    const struct wb_infer_row *r = &c->res->rows[i];
    wb_err rc = g->count ? wb__buf_append(&g->body, ",", 1) : WB_OK;

    if (rc == WB_OK) {
        rc = wb__buf_put_u64(&g->body, r->input);
    }
    if (rc == WB_OK) {
        rc = wb__buf_puts(&g->outs, g->count ? ",{" : "{");
    }
    for (size_t j = 0; rc == WB_OK && j < r->value_count; j++) {
        rc = wb__buf_puts(&g->outs, j ? ",\"" : "\"");
        if (rc == WB_OK) {
            rc = wb__buf_puts(&g->outs, mf->output[j].name);
        }
        if (rc == WB_OK) {
            rc = wb__buf_puts(&g->outs, "\":");
        }
        if (rc == WB_OK) {
            rc = wb__buf_put_float(&g->outs, r->values[j]);
        }
    }
    if (rc == WB_OK) {
        rc = wb__buf_puts(&g->outs, "}");
    }
    if (rc == WB_OK) {
        memcpy(g->parents[g->count++], c->in[i].leaf_hash, WB_HASH_BYTES);
    }
    return rc;
}

/* The record this call is filling and which of its rows are in it. */
struct open_group {
    struct group *g;
    bool deferred; /* owned by the site, index reserved */
    size_t rows[WB_CLAIMS_MAX_ITEMS];
    size_t k;
};

static void
give_index(struct call *c, struct open_group *u, uint64_t index)
{
    for (size_t j = 0; j < u->k; j++) {
        c->res->rows[u->rows[j]].output = index;
        c->res->ran++;
    }
    u->g = NULL;
    u->k = 0;
    u->deferred = false;
}

/* Append u's record now. */
static wb_err
group_close(struct call *c, struct open_group *u)
{
    uint64_t index = 0;
    wb_err rc;

    if (u->g == NULL) {
        return WB_OK;
    }
    if (u->deferred) {
        index = u->g->index;
        rc = wb__site_settle(c->s); /* appends and frees it */
    } else {
        rc = group_append(c->s, u->g, &index);
        group_free(u->g);
    }
    if (rc == WB_OK) {
        give_index(c, u, index);
    }
    u->g = NULL;
    return rc;
}

/* Log the outputs of the rows that ran; in the caller's batch the last
 * record stays open for the next call. */
static wb_err
write_outputs(struct call *c)
{
    struct open_group u;
    wb_err rc = WB_OK;

    memset(&u, 0, sizeof u);
    u.g = c->own ? NULL : wb__site_deferred(c->s, &group_ops);
    u.deferred = u.g != NULL;
    for (size_t i = 0; rc == WB_OK && i < c->n; i++) {
        if (!c->res->rows[i].ran) {
            continue;
        }
        if (u.g != NULL && !group_fits(c, u.g, i)) {
            rc = group_close(c, &u);
        }
        if (rc == WB_OK && u.g == NULL) {
            rc = group_new(c, i, &u.g);
        }
        if (rc == WB_OK) {
            rc = group_add(c, u.g, i);
            u.rows[u.k++] = i;
        }
    }
    if (rc != WB_OK && u.deferred && u.g != NULL) {
        /* the batch's open record may hold part of a row, and earlier
         * calls handed out its index: the batch cannot be committed */
        wb_site_rollback(c->s);
        return rc;
    }
    if (rc != WB_OK || u.g == NULL) {
        if (!u.deferred) {
            group_free(u.g);
        }
        return rc;
    }
    if (c->own) {
        return group_close(c, &u);
    }
    if (!u.deferred) {
        rc = wb__site_defer(c->s, &group_ops, u.g, &u.g->index);
    }
    if (rc == WB_OK) {
        give_index(c, &u, u.g->index);
    }
    return rc;
}

static void
free_call(struct call *c)
{
    for (size_t i = 0; c->in != NULL && i < c->n; i++) {
        wb_claims_free(c->in[i].owned);
    }
    if (c->m->scratch_cap > WB__INFER_SCRATCH_KEEP) {
        wb__free(c->m->scratch); /* a large call's: not kept */
        c->m->scratch = NULL;
        c->m->scratch_cap = 0;
    }
    wb_infer_result_free(c->res);
}

/* Begin the call's transaction unless the caller has a batch open. */
static wb_err
begin(struct call *c)
{
    wb_err rc;

    if (wb_site_in_batch(c->s)) {
        return WB_OK;
    }
    rc = wb_site_begin(c->s);
    c->own = rc == WB_OK;
    return rc;
}

/* Does any input have features to run on? */
static bool
any_fit(const struct call *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (!c->in[i].unfit) {
            return true;
        }
    }
    return false;
}

/* Checks, run and log inside the transaction. */
static wb_err
governed(struct call *c)
{
    char why[WB_INFER_WHY_MAX];
    bool refused =
        !c->known && !wb_model_call_allowed(c->m->manifest, c->purpose,
                                            c->o->run_in, why, sizeof why);
    wb_err rc;

    c->outside = refused; /* whether or not a refusal is logged */
    if (refused && c->o->mode == WB_INFER_ENFORCE) {
        return refuse_call(c, why, WB_ERR_DENIED, NULL);
    }
    rc = begin(c);
    if (rc == WB_OK) {
        rc = read_inputs(c);
        if (rc == WB_ERR_FORMAT || rc == WB_ERR_VERIFY) {
            snprintf(why, sizeof why, "%s", wb_errmsg());
            if (c->own) {
                wb_site_rollback(c->s);
                c->own = false;
            }
            return refuse_call(c, why, rc, NULL);
        }
    }
    if (rc == WB_OK && refused && any_fit(c)) {
        /* logged, not enforced, once the inputs are known to fit (a call
         * refused as a schema mismatch logs that alone, as one whose
         * every input is denied as unfit logs those denials alone:
         * nothing runs): the result says so */
        rc = refuse_call(c, why, WB_ERR_DENIED, &c->res->refusal);
        if (rc == WB_ERR_DENIED) {
            wb_errmsg_clear();
            refused_entry = 0; /* the result holds it: the call goes on */
            c->res->refused = true;
            c->res->refused_why = wb__strdup(why);
            rc = c->res->refused_why ? WB_OK : WB_ERR_NOMEM;
        }
    }
    if (rc == WB_OK) {
        rc = gate_inputs(c);
    }
    if (rc == WB_OK) {
        rc = run_rows(c);
    }
    if (rc == WB_OK) {
        rc = write_outputs(c);
    }
    if (c->own) {
        if (rc == WB_OK) {
            rc = wb_site_commit(c->s);
        } else {
            wb_site_rollback(c->s);
        }
    }
    return rc;
}

/* The governed call on inputs (indexes to read) or held records. */
static wb_err
run_call(struct wb_site *s,
         struct wb_model *m,
         const uint64_t *inputs,
         const struct wb_infer_record *held,
         size_t n,
         const struct wb_infer_opts *o,
         struct wb_infer_result **out)
{
    struct call c;
    wb_err rc = check_opts(m, inputs ? (const void *)inputs : held, n, o);

    if (out != NULL) {
        *out = NULL;
    }
    refused_entry = 0;
    memset(&c, 0, sizeof c);
    if (rc != WB_OK || s == NULL || out == NULL) {
        return rc != WB_OK ? rc : wb__err(WB_ERR_INVAL, "infer: no site");
    }
    c.s = s;
    c.m = m;
    c.o = o;
    c.n = n;
    c.held = held;
    c.purpose = o->purpose ? o->purpose : m->manifest->purposes[0];
    c.known = wb__infer_gate_call_known(m->gate, s, o, c.purpose);
    rc = c.known ? WB_OK : check_where(o, c.purpose);
    if (rc == WB_OK) {
        rc = alloc_call(&c, inputs);
    }
    if (rc == WB_OK) {
        rc = governed(&c);
    }
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        const struct wb_infer_row *r = &c.res->rows[i];
        if (!r->permitted) {
            fire_input(&c, WB_INFER_ON_DENY, i, r->why);
        }
        if (r->ran) {
            fire_input(&c, WB_INFER_AFTER_OUTPUT, i, NULL);
        }
    }
    if (rc == WB_OK) {
        *out = c.res;
        c.res = NULL;
    }
    free_call(&c);
    return rc;
}

wb_err
wb_infer_run(struct wb_site *s,
             struct wb_model *m,
             const uint64_t *inputs,
             size_t n,
             const struct wb_infer_opts *o,
             struct wb_infer_result **out)
{
    return run_call(s, m, inputs, NULL, n, o, out);
}

wb_err
wb_infer_run_records(struct wb_site *s,
                     struct wb_model *m,
                     const struct wb_infer_record *records,
                     size_t n,
                     const struct wb_infer_opts *o,
                     struct wb_infer_result **out)
{
    if (records == NULL) {
        refused_entry = 0;
        if (out != NULL) {
            *out = NULL;
        }
        return wb__err(WB_ERR_INVAL, "infer: no records");
    }
    return run_call(s, m, NULL, records, n, o, out);
}

wb_err
wb_infer(struct wb_site *s,
         const char *model_id,
         const uint64_t *inputs,
         size_t n,
         const struct wb_infer_opts *o,
         struct wb_infer_result **out)
{
    struct wb_model *m = NULL;
    wb_err rc = wb_model_open_for(s, model_id, o, &m);

    if (out != NULL) {
        *out = NULL;
    }
    if (rc == WB_OK) {
        rc = wb_infer_run(s, m, inputs, n, o, out);
    }
    wb_model_close(m);
    return rc;
}

void
wb_infer_result_free(struct wb_infer_result *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; r->rows != NULL && i < r->count; i++) {
        wb__free(r->rows[i].why);
    }
    wb__free(r->refused_why);
    wb__free(r); /* the rows are in its allocation */
}
