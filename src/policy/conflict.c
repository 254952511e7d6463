/* SPDX-License-Identifier: Apache-2.0 */
/* Conflicts: in a profile without a strategy, two rules that decide
 * differently must never match the same request. Each condition constrains
 * one field, so two rules overlap exactly when every field's constraints
 * intersect; the check below is exact, field by field. */
#include <string.h>

#include "policy/policy_int.h"

/* Is some class combination (including none) accepted by both? */
static bool
classes_meet(const struct wb__rule *a, const struct wb__rule *b)
{
    for (uint32_t x = 0; x < 16; x++) {
        bool ok = true;
        for (int k = 0; k < 2 && ok; k++) {
            const struct wb__rule *r = k ? b : a;
            ok = !(r->classes_any && !(x & r->classes_any)) &&
                 !(x & r->classes_none) &&
                 !(r->classes_only && (x & ~r->classes_only));
        }
        if (ok) {
            return true;
        }
    }
    return false;
}

/* Is there a country and a day in [lo, hi] on which both country tests
 * hold? Membership changes only at a set's from/until, so those days (and
 * the day before each) with lo and hi are the only candidates. */
static bool
country_meet(const struct wb__cset *sa,
             bool na,
             const struct wb__cset *sb,
             bool nb,
             int32_t lo,
             int32_t hi)
{
    const struct wb__cset *sets[2] = {sa, sb};

    for (int c = 0; c < COUNTRIES; c++) {
        int32_t days[10] = {lo, hi};
        int nd = 2;
        for (int k = 0; k < 2; k++) {
            const struct wb__cset *s = sets[k];
            if (s == NULL || s->from[c] >= s->until[c]) {
                continue;
            }
            days[nd++] = s->from[c];
            days[nd++] = s->until[c];
            if (s->from[c] > DAY_MIN) {
                days[nd++] = s->from[c] - 1;
            }
            if (s->until[c] > DAY_MIN) {
                days[nd++] = s->until[c] - 1;
            }
        }
        for (int i = 0; i < nd; i++) {
            int32_t d = days[i];
            if (d < lo || d > hi) {
                continue;
            }
            if ((sa == NULL || wb__cset_has(sa, c, d) != na) &&
                (sb == NULL || wb__cset_has(sb, c, d) != nb)) {
                return true;
            }
        }
    }
    return false;
}

static bool
overlap(const struct wb__rule *a, const struct wb__rule *b)
{
    int32_t dlo = a->date_lo > b->date_lo ? a->date_lo : b->date_lo;
    int32_t dhi = a->date_hi < b->date_hi ? a->date_hi : b->date_hi;
    bool purposes = false;

    if ((a->facts_true & b->facts_false) || (a->facts_false & b->facts_true) ||
        !(a->roles & b->roles) || !(a->consents & b->consents) ||
        !(a->mechs & b->mechs)) {
        return false;
    }
    for (int w = 0; w < PURPOSE_WORDS; w++) {
        purposes |= (a->purposes[w] & b->purposes[w]) != 0;
    }
    if (!purposes || !classes_meet(a, b) || dlo > dhi ||
        (a->subj_lo > b->subj_hi || b->subj_lo > a->subj_hi) ||
        (a->sens_lo > b->sens_hi || b->sens_lo > a->sens_hi)) {
        return false;
    }
    if ((a->country || b->country) &&
        !country_meet(a->country, a->country_not, b->country, b->country_not,
                      dlo, dhi)) {
        return false;
    }
    if ((a->exporter || b->exporter) &&
        !country_meet(a->exporter, a->exporter_not, b->exporter,
                      b->exporter_not, dlo, dhi)) {
        return false;
    }
    return true;
}

wb_err
wb__profile_check_conflicts(const struct wb__profile *pr)
{
    for (size_t i = 0; i < pr->rule_count; i++) {
        for (size_t k = i + 1; k < pr->rule_count; k++) {
            const struct wb__rule *a = &pr->rules[i];
            const struct wb__rule *b = &pr->rules[k];
            struct wb__at at = {pr->file, b->line, b->id};
            if (a->decision != b->decision && overlap(a, b)) {
                return wb__at_err(&at,
                                  "can match the same request as rule %s "
                                  "(line %d) and decides %s, not %s; "
                                  "narrow one or state a \"strategy\"",
                                  a->id, a->line, wb_decision_name(b->decision),
                                  wb_decision_name(a->decision));
            }
        }
    }
    return WB_OK;
}
