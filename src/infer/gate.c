/* SPDX-License-Identifier: Apache-2.0 */
/* The governance checks of a call: the model's intended purposes, ruled-out
 * uses and allowed jurisdictions for the whole call; per record the purpose
 * check of src/govern (consent state and flags, the record's purposes,
 * personal data needing consent) and residency against where the model
 * runs. The purpose check's verdict depends only on the record's kind,
 * consent, purposes and class, and on the consent register: it is
 * memoised on those per model, for as long as the register cannot have
 * changed (one call, or the calls of one open batch with no register put
 * between them: wb_site_register_epoch). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "infer/infer_int.h"

#define MEMO_MAX 16

struct memo {
    struct wb_claims *key; /* a copy of an input's claims with this verdict */
    bool ok;
    char *why;
    struct wb_consent *consent; /* the one key names, as read; or NULL */
};

struct wb__infer_gate {
    /* what the verdicts were drawn under; epochs are unique across the
     * process's handles, so one names the site too */
    uint64_t epoch;
    const struct wb_policy *policy;
    int32_t date;
    int32_t today; /* the day the verdicts were drawn on */
    char *purpose;
    char *run_in;   /* where the model runs (the consent's places) */
    bool call_good; /* run_in, purpose and the model's terms passed */
    size_t count;
    struct memo m[MEMO_MAX];
};

wb_err
wb__infer_gate_new(struct wb__infer_gate **out)
{
    *out = wb__calloc(1, sizeof **out);
    return *out ? WB_OK : WB_ERR_NOMEM;
}

/* Forget every verdict. */
static void
forget(struct wb__infer_gate *g)
{
    for (size_t i = 0; i < g->count; i++) {
        wb_claims_free(g->m[i].key);
        wb__free(g->m[i].why);
        wb_consent_free(g->m[i].consent);
    }
    g->count = 0;
    wb__free(g->purpose);
    g->purpose = NULL;
    wb__free(g->run_in);
    g->run_in = NULL;
    g->call_good = false;
    g->epoch = 0; /* no handle has epoch 0 */
}

void
wb__infer_gate_free(struct wb__infer_gate *g)
{
    if (g != NULL) {
        forget(g);
        wb__free(g);
    }
}

/* Were the verdicts drawn under what the call asks now? */
static bool
synced(const struct wb__infer_gate *g,
       const struct wb_site *s,
       const struct wb_infer_opts *o,
       const char *purpose,
       int32_t today)
{
    return g->epoch == wb_site_register_epoch(s) && wb_site_in_batch(s) &&
           g->policy == o->policy && g->date == o->date && g->today == today &&
           strcmp(g->purpose, purpose) == 0 &&
           strcmp(g->run_in, o->run_in) == 0;
}

bool
wb__infer_gate_call_known(const struct wb__infer_gate *g,
                          const struct wb_site *s,
                          const struct wb_infer_opts *o,
                          const char *purpose)
{
    return g->call_good &&
           synced(g, s, o, purpose, (int32_t)((int64_t)time(NULL) / 86400));
}

void
wb__infer_gate_call_good(struct wb__infer_gate *g)
{
    g->call_good = true;
}

wb_err
wb__infer_gate_sync(struct wb__infer_gate *g,
                    const struct wb_site *s,
                    const struct wb_infer_opts *o,
                    const char *purpose)
{
    int32_t today = (int32_t)((int64_t)time(NULL) / 86400);

    if (synced(g, s, o, purpose, today)) {
        return WB_OK;
    }
    forget(g);
    g->purpose = wb__strdup(purpose);
    g->run_in = wb__strdup(o->run_in);
    if (g->purpose == NULL || g->run_in == NULL) {
        return WB_ERR_NOMEM;
    }
    g->epoch = wb_site_register_epoch(s);
    g->policy = o->policy;
    g->date = o->date;
    g->today = today;
    return WB_OK;
}

/* Append a line to why. */
static void
line(char *why, size_t len, const char *text)
{
    size_t n = strlen(why);

    snprintf(why + n, len - n, "%s%s", n ? "\n" : "", text);
}

static void
join_codes(const char *const *v, size_t n, char *buf, size_t len)
{
    size_t k = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && k < len; i++) {
        int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", v[i]);
        k += w > 0 ? (size_t)w : 0;
    }
}

bool
wb__infer_within(const char *code, const char *area)
{
    return strcmp(code, area) == 0 ||
           (strlen(area) == 2 && strncmp(code, area, 2) == 0 && code[2] == '-');
}

/* Does code lie within one of the places v[0..n)? */
static bool
in_places(const char *const *v, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++) {
        if (wb__infer_within(code, v[i])) {
            return true;
        }
    }
    return false;
}

bool
wb__infer_touches(const char *const *v, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++) {
        if (wb__infer_within(code, v[i]) || wb__infer_within(v[i], code)) {
            return true;
        }
    }
    return false;
}

bool
wb_model_call_allowed(const struct wb_model_manifest *m,
                      const char *purpose,
                      const char *run_in,
                      char *why,
                      size_t why_len)
{
    char list[512];
    char text[1024];

    if (why == NULL || why_len == 0) {
        return false;
    }
    why[0] = '\0';
    if (m == NULL || purpose == NULL || run_in == NULL) {
        snprintf(why, why_len, "no manifest, purpose or place");
        return false;
    }
    if (!wb__infer_in_list(m->purposes, m->purpose_count, purpose)) {
        join_codes((const char *const *)m->purposes, m->purpose_count, list,
                   sizeof list);
        snprintf(text, sizeof text,
                 "model %s@%s is not intended for purpose %s (intended: %s)",
                 m->name, m->version, purpose, list);
        line(why, why_len, text);
    }
    if (wb__infer_in_list(m->out_of_scope, m->out_of_scope_count, purpose)) {
        snprintf(text, sizeof text, "model %s@%s rules out use for %s", m->name,
                 m->version, purpose);
        line(why, why_len, text);
    }
    if (!in_places((const char *const *)m->run_in, m->run_in_count, run_in)) {
        join_codes((const char *const *)m->run_in, m->run_in_count, list,
                   sizeof list);
        snprintf(text, sizeof text, "model %s@%s may run only in %s, not in %s",
                 m->name, m->version, list, run_in);
        line(why, why_len, text);
    }
    if (!in_places((const char *const *)m->output_to, m->output_to_count,
                   run_in)) {
        join_codes((const char *const *)m->output_to, m->output_to_count, list,
                   sizeof list);
        snprintf(text, sizeof text,
                 "model %s@%s's outputs may be kept only in %s, not in %s "
                 "where it would run",
                 m->name, m->version, list, run_in);
        line(why, why_len, text);
    }
    return why[0] == '\0';
}

/* The record's residency claim against run_in. */
static bool
residency_ok(const struct wb_claims *c,
             uint64_t index,
             const char *run_in,
             char *text,
             size_t len)
{
    const char *home = c->jurisdiction;

    if (c->residency_local_only) {
        if (home != NULL && strcmp(home, run_in) == 0) {
            return true;
        }
        snprintf(text, len,
                 "entry %llu is local-only%s%s%s: running in %s would take "
                 "it out",
                 (unsigned long long)index, home ? " (held in " : "",
                 home ? home : " with no jurisdiction claim", home ? ")" : "",
                 run_in);
        return false;
    }
    if (c->residency_count == 0 ||
        in_places(c->residency, c->residency_count, run_in)) {
        return true;
    }
    if (home != NULL && wb__infer_within(run_in, home)) {
        /* where it is held, unless the list keeps it to part of that
         * place: held in DE with residency DE-BY it runs only within
         * DE-BY (listed), not in DE-BE nor in DE at large */
        bool narrower = false;
        for (size_t k = 0; k < c->residency_count && !narrower; k++) {
            narrower = strcmp(c->residency[k], home) != 0 &&
                       wb__infer_within(c->residency[k], home);
        }
        if (!narrower) {
            return true;
        }
    }
    snprintf(text, len,
             "entry %llu's residency does not include %s where the model "
             "runs",
             (unsigned long long)index, run_in);
    return false;
}

/* Do a and b get the same purpose-check verdict: the same kind,
 * consent, class and purposes? */
static bool
same_key(const struct wb_claims *a, const struct wb_claims *b)
{
    if (!wb__str_eq(a->kind, b->kind) ||
        !wb__str_eq(a->consent_id, b->consent_id) ||
        a->consent_version != b->consent_version ||
        !wb__str_eq(a->data_class, b->data_class) ||
        a->purpose_count != b->purpose_count) {
        return false;
    }
    for (size_t i = 0; i < a->purpose_count; i++) {
        if (!wb__str_eq(a->purposes[i], b->purposes[i])) {
            return false;
        }
    }
    return true;
}

/* run_in against the consent's processing and storage locations, where
 * it lists any; a reason into text when it lies outside them. */
static bool
listed_places_ok(const struct wb_consent *k,
                 const char *run_in,
                 char *text,
                 size_t len)
{
    const struct {
        const char *const *v;
        size_t n;
        const char *done;  /* what is done with the data there */
        const char *where; /* what is at run_in */
    } listed[] = {
        {k->processing_locations, k->processing_location_count, "processed",
         "where the model runs"},
        {k->storage_locations, k->storage_location_count, "stored",
         "where the output would be kept"},
    };
    char list[256];

    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
        if (listed[i].n > 0 && !in_places(listed[i].v, listed[i].n, run_in)) {
            join_codes(listed[i].v, listed[i].n, list, sizeof list);
            snprintf(text, len,
                     "consent %s (version %u) lets the data be %s only in "
                     "%s, not in %s %s",
                     k->id, (unsigned)k->version, listed[i].done, list, run_in,
                     listed[i].where);
            return false;
        }
    }
    return true;
}

/* Where the consent c names lets its data go (its latest version: the
 * use is now): run_in must not be among its geographic restrictions, and
 * must be among its processing and its storage locations when it lists
 * any (the output record is kept where the model runs). A reason into
 * text and *ok false otherwise. An unknown consent is the purpose
 * check's to deny (*kept NULL). The consent read into *kept (the
 * caller's). */
static wb_err
places_ok(struct wb_site *s,
          const struct wb_claims *c,
          const char *run_in,
          bool *ok,
          char *text,
          size_t len,
          struct wb_consent **kept)
{
    struct wb_consent *k = NULL;
    wb_err rc = wb_consent_get(s, c->consent_id, 0, &k);

    *ok = true;
    *kept = NULL;
    if (rc == WB_ERR_NOTFOUND) {
        wb_errmsg_clear();
        return WB_OK;
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (wb__infer_touches(k->geographic_restrictions,
                          k->geographic_restriction_count, run_in)) {
        snprintf(text, len,
                 "consent %s (version %u) rules out %s, where the model runs",
                 k->id, (unsigned)k->version, run_in);
        *ok = false;
    }
    if (*ok) {
        *ok = listed_places_ok(k, run_in, text, len);
    }
    *kept = k;
    return WB_OK;
}

/* The purpose check's verdict for in, from the memo or
 * wb_purpose_check_claims, with the consent's places. */
static wb_err
purpose_verdict(struct wb__infer_gate *g,
                struct wb_site *s,
                const struct wb_infer_opts *o,
                const char *purpose,
                const struct wb__infer_input *in,
                bool *ok,
                char *why,
                size_t why_len)
{
    struct memo *mm;
    struct wb_consent *k = NULL;
    wb_err rc;

    for (size_t i = 0; i < g->count; i++) {
        if (same_key(g->m[i].key, in->claims)) {
            *ok = g->m[i].ok;
            if (*ok) {
                why[0] = '\0'; /* reasons are kept only for denials */
            } else {
                snprintf(why, why_len, "%s", g->m[i].why);
            }
            return WB_OK;
        }
    }
    mm = g->count < MEMO_MAX ? &g->m[g->count] : NULL;
    rc = wb_purpose_check_claims(s, o->policy, in->claims, purpose, o->date, ok,
                                 why, why_len);
    if (rc == WB_OK && *ok && o->date != g->today) {
        /* the record is used today: another date may only add a day the
         * consent must hold on, never stand in for today */
        rc = wb_purpose_check_claims(s, o->policy, in->claims, purpose,
                                     g->today, ok, why, why_len);
    }
    if (rc == WB_OK && in->claims->consent_id != NULL) {
        char text[512];
        bool here = true;
        rc = places_ok(s, in->claims, o->run_in, &here, text, sizeof text, &k);
        if (rc == WB_OK && !here) {
            if (*ok) {
                why[0] = '\0'; /* only the reasons against are kept */
            }
            line(why, why_len, text);
            *ok = false;
        }
    }
    if (rc == WB_ERR_INVAL) {
        wb__err_prefix("entry %llu", (unsigned long long)in->index);
    }
    if (rc == WB_OK && mm != NULL) {
        mm->why = wb__strdup(why);
        if (mm->why == NULL || wb_claims_copy(in->claims, &mm->key) != WB_OK) {
            wb__free(mm->why);
            mm->why = NULL;
            rc = WB_ERR_NOMEM;
        } else {
            mm->ok = *ok;
            mm->consent = k; /* the memo's now */
            k = NULL;
            g->count++;
        }
    }
    wb_consent_free(k);
    return rc;
}

bool
wb__infer_gate_consent(const struct wb__infer_gate *g,
                       const struct wb_claims *c,
                       const struct wb_consent **k)
{
    *k = NULL;
    for (size_t i = 0; c->consent_id != NULL && i < g->count; i++) {
        if (wb__str_eq(g->m[i].key->consent_id, c->consent_id)) {
            *k = g->m[i].consent; /* every verdict read the latest */
            return true;
        }
    }
    return false;
}

wb_err
wb__infer_gate_check(struct wb__infer_gate *g,
                     struct wb_site *s,
                     const struct wb_infer_opts *o,
                     const char *purpose,
                     const struct wb__infer_input *in,
                     bool *ok,
                     char *why,
                     size_t why_len)
{
    char text[512];
    bool res;
    wb_err rc = purpose_verdict(g, s, o, purpose, in, ok, why, why_len);

    if (rc != WB_OK) {
        return rc;
    }
    res = residency_ok(in->claims, in->index, o->run_in, text, sizeof text);
    if (!res) {
        if (*ok) {
            why[0] = '\0'; /* the reasons for were kept; now only against */
        }
        line(why, why_len, text);
        *ok = false;
    }
    return WB_OK;
}
