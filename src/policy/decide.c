/* SPDX-License-Identifier: Apache-2.0 */
/* The hot path: match compiled rules against a parsed request and combine
 * the profiles' outcomes. No I/O, no allocation; every string returned is
 * interned in the policy. */
#include <string.h>

#include "policy/policy_int.h"

#define RULES_PER_PROFILE 8 /* matched rules reported per profile */

static inline bool
bit64(const uint64_t *words, int i)
{
    return (words[i / 64] >> (i % 64)) & 1;
}

bool
wb__rule_match(const struct wb__rule *r,
               const struct wb_policy_request *q,
               uint32_t facts,
               int country)
{
    int purpose = q->purpose < 0 ? PURPOSE_NONE : q->purpose;
    int mech = q->mechanism < 0 ? MECH_MAX : q->mechanism;

    if ((facts & r->facts_true) != r->facts_true ||
        (facts & r->facts_false) != 0 || !((r->roles >> q->role) & 1) ||
        !((r->consents >> q->consent) & 1) || !((r->mechs >> mech) & 1) ||
        !bit64(r->purposes, purpose)) {
        return false;
    }
    if ((r->classes_any && !(q->classes & r->classes_any)) ||
        (q->classes & r->classes_none) ||
        (r->classes_only && (q->classes & ~r->classes_only))) {
        return false;
    }
    if (q->subjects_ytd < r->subj_lo || q->subjects_ytd > r->subj_hi ||
        q->sensitive_subjects_ytd < r->sens_lo ||
        q->sensitive_subjects_ytd > r->sens_hi || q->date < r->date_lo ||
        q->date > r->date_hi) {
        return false;
    }
    if (r->country != NULL &&
        wb__cset_has(r->country, country, q->date) == r->country_not) {
        return false;
    }
    if (r->exporter != NULL &&
        wb__cset_has(r->exporter, wb__country_index(q->exporter), q->date) ==
            r->exporter_not) {
        return false;
    }
    return true;
}

static bool
mech_valid(const struct wb__profile *pr, const struct wb_policy_request *q)
{
    const struct wb__mech_rule *m;

    if (q->mechanism < 0 || q->mechanism >= MECH_MAX) {
        return false;
    }
    m = &pr->mech[q->mechanism];
    if (!m->declared || (m->needs_reference && q->reference[0] == '\0') ||
        (m->needs_valid_until && !q->has_valid_until)) {
        return false;
    }
    if (q->has_valid_until &&
        (q->valid_until < q->date ||
         (m->max_validity_days > 0 &&
          (int64_t)q->valid_until - q->date > m->max_validity_days))) {
        return false;
    }
    return true;
}

static bool
applies(const struct wb__profile *pr, const struct wb_policy_request *q)
{
    if (pr->everyone) {
        return true;
    }
    if (pr->applies != NULL &&
        wb__cset_has(pr->applies, wb__country_index(q->exporter), q->date)) {
        return true;
    }
    for (size_t i = 0; i < pr->subdivision_count; i++) {
        if (strcmp(pr->subdivisions[i], q->exporter) == 0) {
            return true;
        }
    }
    return false;
}

/* One profile's outcome: its decision and the rules that made it (none:
 * default deny or not in force). */
struct outcome {
    const struct wb__profile *pr;
    enum wb_decision decision;
    const char *why; /* when no rule: default deny or not in force */
    const struct wb__rule *rules[RULES_PER_PROFILE];
    size_t n;
};

static void
evaluate(const struct wb__profile *pr,
         const struct wb_policy_request *q,
         struct outcome *o)
{
    uint32_t facts = q->facts | (mech_valid(pr, q) ? FACT_MECH_VALID : 0);
    int country = wb__country_index(q->country);

    o->pr = pr;
    o->n = 0;
    o->why = NULL;
    if (q->date < pr->effective || q->date >= pr->until) {
        o->decision = WB_NOT_APPLICABLE;
        o->why = pr->not_in_force;
        return;
    }
    for (size_t i = 0; i < pr->rule_count; i++) {
        const struct wb__rule *r = &pr->rules[i];
        if (!wb__rule_match(r, q, facts, country)) {
            continue;
        }
        if (o->n == 0 || r->decision > o->decision) {
            o->decision = r->decision;
            o->rules[0] = r;
            o->n = 1;
        } else if (r->decision == o->decision && o->n < RULES_PER_PROFILE) {
            o->rules[o->n++] = r;
        }
        if (pr->strategy == STRAT_FIRST_MATCH) {
            break;
        }
    }
    if (o->n == 0) {
        o->decision = WB_DENY;
        o->why = pr->default_reason;
    }
}

static void
add(const char **v, size_t *n, size_t cap, const char *s)
{
    for (size_t i = 0; i < *n; i++) {
        if (v[i] == s) {
            return;
        }
    }
    if (*n < cap) {
        v[(*n)++] = s;
    }
}

static void
gather(const struct outcome *o,
       const struct wb_policy_request *q,
       struct wb_policy_decision *d)
{
    if (o->n == 0) {
        for (size_t i = 0; o->decision == WB_DENY && i < o->pr->default_cites.n;
             i++) {
            add(d->citations, &d->citation_count, WB_POLICY_OUT_MAX,
                o->pr->default_cites.v[i]);
        }
        return;
    }
    for (size_t k = 0; k < o->n; k++) {
        const struct wb__rule *r = o->rules[k];
        bool used = false;
        if (r->decision <= WB_ALLOW_WITH_OBLIGATIONS && q->mechanism >= 0) {
            for (size_t i = 0; i < r->mechanisms.n; i++) {
                if (r->mech_ids[i] == q->mechanism) {
                    add(d->mechanisms, &d->mechanism_count, WB_POLICY_OUT_MAX,
                        r->mechanisms.v[i]);
                    used = true;
                }
            }
        }
        for (size_t i = 0; !used && i < r->mechanisms.n; i++) {
            add(d->mechanisms, &d->mechanism_count, WB_POLICY_OUT_MAX,
                r->mechanisms.v[i]);
        }
        for (size_t i = 0; i < r->obligations.n; i++) {
            add(d->obligations, &d->obligation_count, WB_POLICY_OUT_MAX,
                r->obligations.v[i]);
        }
        for (size_t i = 0; i < r->cites.n; i++) {
            add(d->citations, &d->citation_count, WB_POLICY_OUT_MAX,
                r->cites.v[i]);
        }
    }
}

wb_err
wb_policy_decide(const struct wb_policy *p,
                 const struct wb_policy_request *q,
                 struct wb_policy_decision *d)
{
    struct outcome outs[WB_POLICY_PROFILES_MAX];
    size_t n = 0;
    bool covered = false;
    enum wb_decision final = WB_NOT_APPLICABLE;

    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < p->profile_count; i++) {
        const struct wb__profile *pr = &p->profiles[i];
        if (!applies(pr, q)) {
            continue;
        }
        covered |= !pr->everyone;
        evaluate(pr, q, &outs[n]);
        if (outs[n].decision > final) {
            final = outs[n].decision;
        }
        n++;
    }
    if (!covered) {
        return wb__err(WB_ERR_NOTFOUND,
                       "no profile covers exporter jurisdiction %s",
                       q->exporter);
    }
    d->decision = final;
    for (size_t i = 0; i < n; i++) {
        const struct outcome *o = &outs[i];
        bool allowish = final == WB_ALLOW || final == WB_ALLOW_WITH_OBLIGATIONS;
        bool counts = allowish ? (o->decision == WB_ALLOW ||
                                  o->decision == WB_ALLOW_WITH_OBLIGATIONS)
                               : o->decision == final;
        if (counts && d->profile == NULL &&
            (o->decision == final || !allowish)) {
            d->profile = o->pr->name;
        }
        if (counts) {
            gather(o, q, d);
        }
        if (o->n == 0) {
            add(d->reasons, &d->reason_count, WB_POLICY_REASONS_MAX, o->why);
        }
        for (size_t k = 0; k < o->n; k++) {
            add(d->reasons, &d->reason_count, WB_POLICY_REASONS_MAX,
                o->rules[k]->reason);
        }
    }
    if (d->profile == NULL) {
        for (size_t i = 0; i < n && d->profile == NULL; i++) {
            if (outs[i].decision == final) {
                d->profile = outs[i].pr->name;
            }
        }
    }
    if (final == WB_ALLOW && d->obligation_count > 0) {
        d->decision = WB_ALLOW_WITH_OBLIGATIONS;
    }
    if (final == WB_NOT_APPLICABLE) {
        d->mechanism_count = 0;
    }
    return WB_OK;
}

const char *
wb_decision_name(enum wb_decision d)
{
    return (unsigned)d <= WB_DENY ? wb__decision_names[d] : "?";
}
