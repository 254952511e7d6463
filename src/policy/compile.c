/* SPDX-License-Identifier: Apache-2.0 */
/* Compiling a rule: each condition of its "if" becomes a bit mask, a
 * country set or a range, so matching a request is a few AND and compare
 * instructions per rule. */
#include <stdio.h>
#include <string.h>

#include "policy/policy_int.h"

static const struct {
    const char *name;
    uint32_t bit;
} facts[] = {
    {"exporter.ciio", WB_FACT_CIIO},
    {"exporter.public_authority", WB_FACT_PUBLIC_AUTHORITY},
    {"recipient.dpf_certified", WB_FACT_DPF_CERTIFIED},
    {"recipient.restricted_list", WB_FACT_RESTRICTED_LIST},
    {"recipient.registered", WB_FACT_REGISTERED},
    {"recipient.server_named", WB_FACT_SERVER_NAMED},
    {"data.important_notified", WB_FACT_IMPORTANT_NOTIFIED},
    {"consent.separate", WB_FACT_CONSENT_SEPARATE},
    {"consent.gpc", WB_FACT_CONSENT_GPC},
    {"repetitive", WB_FACT_REPETITIVE},
    {"remote_access", WB_FACT_REMOTE_ACCESS},
    {"mechanism.valid", FACT_MECH_VALID},
};

const char *const wb__role_names[] = {"none",     "processor",   "controller",
                                      "importer", "third-party", NULL};
const char *const wb__consent_names[] = {"none",    "requested", "given",
                                         "refused", "withdrawn", "revoked",
                                         "expired", "renewed",   NULL};
const char *const wb__class_names[] = {"non-personal", "personal",
                                       "sensitive-personal", "important", NULL};
const char *const wb__decision_names[] = {
    "not_applicable",    "allow", "allow_with_obligations",
    "require_mechanism", "deny",  NULL};

int
wb__name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], s) == 0) {
            return i;
        }
    }
    return -1;
}

/* The items of an enum condition: v is a string, an array, or {"in": ..}
 * / {"not_in": ..}. *items is a borrowed array, *neg set for not_in. */
static wb_err
enum_items(json_t *v,
           const char *field,
           const struct wb__at *at,
           json_t **items,
           bool *neg,
           json_t **own)
{
    *items = NULL; /* an empty loop for a caller that iterates on error */
    *neg = false;
    *own = NULL;
    if (json_is_object(v)) {
        json_t *in = json_object_get(v, "in");
        json_t *out = json_object_get(v, "not_in");
        if (json_object_size(v) != 1 || (in == NULL && out == NULL)) {
            return wb__at_err(at, "%s: {\"in\": [...]} or {\"not_in\": [...]}",
                              field);
        }
        *neg = out != NULL;
        v = in ? in : out;
    }
    if (json_is_string(v)) {
        *own = json_pack("[O]", v);
        if (*own == NULL) {
            return WB_ERR_NOMEM;
        }
        v = *own;
    }
    if (!json_is_array(v) || json_array_size(v) == 0) {
        return wb__at_err(at, "%s: a value or a non-empty list", field);
    }
    *items = v;
    return WB_OK;
}

/* Allowed-value mask over a fixed name list (at most 32 names). */
static wb_err
enum_mask(json_t *v,
          const char *field,
          const char *const *names,
          const struct wb__at *at,
          uint32_t *mask)
{
    json_t *items, *own, *e;
    bool neg;
    size_t i;
    wb_err rc = enum_items(v, field, at, &items, &neg, &own);
    uint32_t m = 0;

    json_array_foreach(items, i, e)
    {
        const char *s = json_string_value(e);
        int k = s ? wb__name_index(names, s) : -1;
        if (rc != WB_OK) {
            break;
        }
        if (k < 0) {
            rc = wb__at_err(at, "%s: unknown value \"%s\"", field,
                            s ? s : "(not a string)");
        }
        m |= 1u << (k & 31);
    }
    json_decref(own);
    *mask = neg ? ~m : m;
    return rc;
}

static wb_err
mech_mask(struct wb_policy *p,
          const struct wb__profile *pr,
          json_t *v,
          const struct wb__at *at,
          uint64_t *mask)
{
    json_t *items, *own, *e;
    bool neg;
    size_t i;
    wb_err rc = enum_items(v, "mechanism.type", at, &items, &neg, &own);
    uint64_t m = 0;

    json_array_foreach(items, i, e)
    {
        const char *s = json_string_value(e);
        int k;
        if (rc != WB_OK) {
            break;
        }
        if (s != NULL && strcmp(s, "none") == 0) {
            m |= 1ull << MECH_MAX;
            continue;
        }
        k = s ? wb_policy_mechanism_find(p, s) : -1;
        if (k < 0 || !pr->mech[k].declared) {
            rc = wb__at_err(at,
                            "mechanism.type: \"%s\" is not declared in "
                            "this profile",
                            s ? s : "(not a string)");
        } else {
            m |= 1ull << k;
        }
    }
    json_decref(own);
    *mask = neg ? ~m : m;
    return rc;
}

/* Allowed purpose values: v matches a listed purpose when the listed one
 * is v or an ancestor of v. */
static wb_err
purpose_mask(struct wb_policy *p,
             json_t *v,
             const struct wb__at *at,
             uint64_t mask[PURPOSE_WORDS])
{
    uint64_t listed[PURPOSE_WORDS] = {0};
    bool none = false;
    json_t *items, *own, *e;
    bool neg;
    size_t i;
    wb_err rc = enum_items(v, "purpose", at, &items, &neg, &own);

    json_array_foreach(items, i, e)
    {
        const char *s = json_string_value(e);
        int k;
        if (rc != WB_OK) {
            break;
        }
        if (s != NULL && strcmp(s, "none") == 0) {
            none = true;
            continue;
        }
        k = s ? wb_policy_purpose_find(p, s) : -1;
        if (k < 0) {
            rc = wb__at_err(at, "purpose: \"%s\" is not in the vocabulary",
                            s ? s : "(not a string)");
        } else {
            listed[k / 64] |= 1ull << (k % 64);
        }
    }
    json_decref(own);
    memset(mask, 0, PURPOSE_WORDS * sizeof *mask);
    for (size_t u = 0; u < p->purpose_count; u++) {
        bool hit = false;
        for (int w = 0; w < PURPOSE_WORDS; w++) {
            hit |= (p->purposes[u].self_and_ancestors[w] & listed[w]) != 0;
        }
        if (hit != neg) {
            mask[u / 64] |= 1ull << (u % 64);
        }
    }
    if (none != neg) {
        mask[PURPOSE_NONE / 64] |= 1ull << (PURPOSE_NONE % 64);
    }
    return rc;
}

static wb_err
classes_test(json_t *v, const struct wb__at *at, struct wb__rule *r)
{
    const char *key;
    json_t *list;

    if (!json_is_object(v) || json_object_size(v) == 0) {
        return wb__at_err(at, "data.classes: {\"any\"|\"none\"|\"only\": "
                              "[classes]}");
    }
    json_object_foreach(v, key, list)
    {
        uint32_t *m = strcmp(key, "any") == 0    ? &r->classes_any
                      : strcmp(key, "none") == 0 ? &r->classes_none
                      : strcmp(key, "only") == 0 ? &r->classes_only
                                                 : NULL;
        size_t i;
        json_t *e;
        if (m == NULL) {
            return wb__at_err(at, "data.classes: unknown test \"%s\"", key);
        }
        if (!json_is_array(list) || json_array_size(list) == 0) {
            return wb__at_err(at, "data.classes.%s: a non-empty list", key);
        }
        json_array_foreach(list, i, e)
        {
            const char *s = json_string_value(e);
            int k = s ? wb__name_index(wb__class_names, s) : -1;
            if (k < 0) {
                return wb__at_err(at, "data.classes: unknown class \"%s\"",
                                  s ? s : "(not a string)");
            }
            *m |= 1u << k;
        }
    }
    return WB_OK;
}

/* {"gt"|"gte"|"lt"|"lte": N} into an inclusive range. */
static wb_err
count_range(json_t *v,
            const char *field,
            const struct wb__at *at,
            uint64_t *lo,
            uint64_t *hi)
{
    const char *key;
    json_t *n;

    if (!json_is_object(v) || json_object_size(v) == 0) {
        return wb__at_err(at, "%s: {\"gt\"|\"gte\"|\"lt\"|\"lte\": number}",
                          field);
    }
    json_object_foreach(v, key, n)
    {
        json_int_t x = json_integer_value(n);
        if (!json_is_integer(n) || x < 0) {
            return wb__at_err(at, "%s.%s: a whole number >= 0", field, key);
        }
        if (strcmp(key, "gt") == 0) {
            *lo = (uint64_t)x + 1;
        } else if (strcmp(key, "gte") == 0) {
            *lo = (uint64_t)x;
        } else if (strcmp(key, "lt") == 0) {
            if (x == 0) {
                return wb__at_err(at, "%s.lt: 0 matches nothing", field);
            }
            *hi = (uint64_t)x - 1;
        } else if (strcmp(key, "lte") == 0) {
            *hi = (uint64_t)x;
        } else {
            return wb__at_err(at, "%s: unknown bound \"%s\"", field, key);
        }
    }
    if (*lo > *hi) {
        return wb__at_err(at, "%s: the range is empty", field);
    }
    return WB_OK;
}

static wb_err
date_range(json_t *v, const struct wb__at *at, int32_t *lo, int32_t *hi)
{
    const char *key;
    json_t *d;

    if (!json_is_object(v) || json_object_size(v) == 0) {
        return wb__at_err(at, "date: {\"gt\"|\"gte\"|\"lt\"|\"lte\": date}");
    }
    json_object_foreach(v, key, d)
    {
        int32_t x;
        if (!json_is_string(d) || wb_date_parse(json_string_value(d), &x)) {
            return wb__at_err(at, "date.%s: a date YYYY-MM-DD", key);
        }
        if (strcmp(key, "gt") == 0) {
            *lo = x + 1;
        } else if (strcmp(key, "gte") == 0) {
            *lo = x;
        } else if (strcmp(key, "lt") == 0) {
            *hi = x - 1;
        } else if (strcmp(key, "lte") == 0) {
            *hi = x;
        } else {
            return wb__at_err(at, "date: unknown bound \"%s\"", key);
        }
    }
    if (*lo > *hi) {
        return wb__at_err(at, "date: the range is empty");
    }
    return WB_OK;
}

static wb_err
compile_if(struct wb_policy *p,
           struct wb__profile *pr,
           json_t *cond,
           const struct wb__at *at,
           struct wb__rule *r)
{
    const char *key;
    json_t *v;
    wb_err rc = WB_OK;

    if (cond != NULL && !json_is_object(cond)) {
        return wb__at_err(at, "\"if\" must be an object of conditions");
    }
    json_object_foreach(cond, key, v)
    {
        size_t f = 0;
        while (f < sizeof facts / sizeof facts[0] &&
               strcmp(facts[f].name, key) != 0) {
            f++;
        }
        if (f < sizeof facts / sizeof facts[0]) {
            if (!json_is_boolean(v)) {
                return wb__at_err(at, "%s: true or false", key);
            }
            *(json_is_true(v) ? &r->facts_true : &r->facts_false) |=
                facts[f].bit;
        } else if (strcmp(key, "recipient.country") == 0 ||
                   strcmp(key, "exporter.jurisdiction") == 0) {
            bool country = key[0] == 'r';
            json_t *items, *own;
            bool neg;
            struct wb__cset *s = NULL;
            rc = enum_items(v, key, at, &items, &neg, &own);
            if (rc == WB_OK) {
                rc = wb__cset_from_list(pr, items, at, key, &s);
            }
            json_decref(own);
            *(country ? &r->country : &r->exporter) = s;
            *(country ? &r->country_not : &r->exporter_not) = neg;
        } else if (strcmp(key, "recipient.role") == 0) {
            rc = enum_mask(v, key, wb__role_names, at, &r->roles);
        } else if (strcmp(key, "consent.status") == 0) {
            rc = enum_mask(v, key, wb__consent_names, at, &r->consents);
        } else if (strcmp(key, "mechanism.type") == 0) {
            rc = mech_mask(p, pr, v, at, &r->mechs);
        } else if (strcmp(key, "purpose") == 0) {
            rc = purpose_mask(p, v, at, r->purposes);
        } else if (strcmp(key, "data.classes") == 0) {
            rc = classes_test(v, at, r);
        } else if (strcmp(key, "data.subjects_ytd") == 0) {
            rc = count_range(v, key, at, &r->subj_lo, &r->subj_hi);
        } else if (strcmp(key, "data.sensitive_subjects_ytd") == 0) {
            rc = count_range(v, key, at, &r->sens_lo, &r->sens_hi);
        } else if (strcmp(key, "date") == 0) {
            rc = date_range(v, at, &r->date_lo, &r->date_hi);
        } else {
            return wb__at_err(at, "unknown condition \"%s\"", key);
        }
        if (rc != WB_OK) {
            return rc;
        }
    }
    if (r->facts_true & r->facts_false) {
        return wb__at_err(at, "a condition is both true and false");
    }
    return rc;
}

wb_err
wb__rule_compile(struct wb_policy *p,
                 struct wb__profile *pr,
                 json_t *obj,
                 const struct wb__at *at0,
                 struct wb__rule *r)
{
    static const char *const fields[] = {
        "rule", "if",     "decision", "mechanisms", "obligations",
        "cite", "reason", "note",     NULL};
    struct wb__at at = *at0;
    json_t *id = json_object_get(obj, "rule");
    const char *decision, *reason;
    char line[1024];
    int d;
    wb_err rc;

    memset(r, 0, sizeof *r);
    r->line = at.line;
    r->roles = r->consents = ~0u;
    r->mechs = ~0ull;
    memset(r->purposes, 0xff, sizeof r->purposes);
    r->subj_hi = r->sens_hi = UINT64_MAX;
    r->date_lo = DAY_MIN;
    r->date_hi = DAY_MAX;
    if (!json_is_string(id) || json_string_length(id) == 0 ||
        json_string_length(id) > 64) {
        return wb__at_err(&at, "\"rule\" must be an id of 1..64 characters");
    }
    r->id = wb__policy_intern(p, json_string_value(id));
    if (r->id == NULL) {
        return WB_ERR_NOMEM;
    }
    at.rule = r->id;
    if ((rc = wb__only_fields(obj, fields, &at)) != WB_OK ||
        (rc = wb__strs_field(p, obj, "cite", true, &at, &r->cites)) != WB_OK ||
        (rc = wb__strs_field(p, obj, "mechanisms", false, &at,
                             &r->mechanisms)) != WB_OK ||
        (rc = wb__strs_field(p, obj, "obligations", false, &at,
                             &r->obligations)) != WB_OK) {
        return rc;
    }
    decision = json_string_value(json_object_get(obj, "decision"));
    reason = json_string_value(json_object_get(obj, "reason"));
    d = decision ? wb__name_index(wb__decision_names, decision) : -1;
    if (d < 0) {
        return wb__at_err(&at, "\"decision\" must be one of allow, "
                               "allow_with_obligations, require_mechanism, "
                               "deny, not_applicable");
    }
    r->decision = (enum wb_decision)d;
    if (reason == NULL || reason[0] == '\0') {
        return wb__at_err(&at, "missing \"reason\" (a sentence for the "
                               "decision's reader)");
    }
    snprintf(line, sizeof line, "%s %s: %s", pr->name, r->id, reason);
    r->reason = wb__policy_intern(p, line);
    if (r->reason == NULL) {
        return WB_ERR_NOMEM;
    }
    if (r->decision == WB_REQUIRE_MECHANISM && r->mechanisms.n == 0) {
        return wb__at_err(&at, "require_mechanism needs \"mechanisms\"");
    }
    if (r->decision == WB_ALLOW_WITH_OBLIGATIONS && r->obligations.n == 0) {
        return wb__at_err(&at, "allow_with_obligations needs "
                               "\"obligations\"");
    }
    if (r->decision != WB_ALLOW_WITH_OBLIGATIONS && r->obligations.n > 0) {
        return wb__at_err(&at, "only allow_with_obligations carries "
                               "obligations");
    }
    for (size_t i = 0; i < r->mechanisms.n; i++) {
        int k = wb_policy_mechanism_find(p, r->mechanisms.v[i]);
        if (k < 0 || !pr->mech[k].declared) {
            return wb__at_err(&at,
                              "mechanism \"%s\" is not declared in this "
                              "profile",
                              r->mechanisms.v[i]);
        }
        r->mech_ids[i] = k;
    }
    return compile_if(p, pr, json_object_get(obj, "if"), &at, r);
}
