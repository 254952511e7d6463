/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the policy engine: the compiled form of profiles. Every string a
 * decision can return is interned once at load, so the hot path compares
 * and copies pointers only. */
#ifndef WB_POLICY_INT_H
#define WB_POLICY_INT_H

#include <jansson.h>

#include <waybill/policy.h>

#include "core/core_int.h"

#define COUNTRIES       676 /* AA..ZZ */
#define MECH_MAX        63  /* bit 63 of a mechanism mask is "none" */
#define PURPOSE_WORDS   5   /* 256 purposes + "none" as bit 256 */
#define PURPOSE_NONE    WB_POLICY_PURPOSES_MAX
#define FACT_MECH_VALID (1u << 31) /* computed per profile */
#define DAY_MIN         INT32_MIN
#define DAY_MAX         INT32_MAX

/* Country index of an alpha-2 code (first two letters of a subdivision),
 * or -1. */
static inline int
wb__country_index(const char *code)
{
    if (code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') {
        return -1;
    }
    return (code[0] - 'A') * 26 + (code[1] - 'A');
}

/* A set of countries, each a member from..until (exclusive); a non-member
 * has from > until. */
struct wb__cset {
    char *name; /* "@eea", or NULL for a rule's own list */
    int32_t from[COUNTRIES];
    int32_t until[COUNTRIES];
};

static inline bool
wb__cset_has(const struct wb__cset *s, int c, int32_t date)
{
    return c >= 0 && s->from[c] <= date && date < s->until[c];
}

struct wb__mech_rule {
    bool declared;
    bool needs_reference;
    bool needs_valid_until;
    int32_t max_validity_days; /* 0 = no limit */
};

struct wb__strs {
    const char **v; /* interned */
    size_t n;
};

struct wb__rule {
    const char *id;
    int line;
    /* conditions */
    uint32_t facts_true, facts_false;
    const struct wb__cset *country; /* NULL = any */
    bool country_not;
    const struct wb__cset *exporter;
    bool exporter_not;
    uint32_t roles;    /* allowed wb_role values (bits) */
    uint32_t consents; /* allowed wb_consent_status values (bits) */
    uint64_t mechs;    /* allowed mechanism indexes; bit 63 = none */
    uint64_t purposes[PURPOSE_WORDS]; /* allowed purpose values */
    uint32_t classes_any, classes_none, classes_only; /* 0 = no test */
    uint64_t subj_lo, subj_hi, sens_lo, sens_hi;
    int32_t date_lo, date_hi; /* inclusive */
    /* outcome */
    enum wb_decision decision;
    struct wb__strs mechanisms;
    int mech_ids[WB_POLICY_OUT_MAX];
    struct wb__strs obligations;
    struct wb__strs cites;
    const char *reason; /* "name@version rule: reason" */
};

enum wb__strategy { STRAT_NONE, STRAT_FIRST_MATCH, STRAT_MOST_RESTRICTIVE };

struct wb__profile {
    const char *name; /* "name@version" */
    const char *id;   /* "name" */
    const char *title;
    const char *file;
    bool everyone;            /* applies_to "*" */
    struct wb__cset *applies; /* countries (undated) */
    const char **subdivisions;
    size_t subdivision_count;
    int32_t effective, until; /* in force effective <= date < until */
    enum wb__strategy strategy;
    struct wb__strs default_cites;
    const char *default_reason;
    const char *not_in_force; /* "name@version: not in force ..." */
    struct wb__mech_rule mech[MECH_MAX];
    struct wb__rule *rules;
    size_t rule_count;
    struct wb__cset **sets; /* named and anonymous, owned */
    size_t set_count;
};

struct wb__purpose {
    const char *id, *parent, *dpv, *label;
    int parent_index;
    uint64_t self_and_ancestors[PURPOSE_WORDS];
};

#define WB_POLICY_PROFILES_MAX 64

/* A file the policy was loaded from, kept so that a site can log the exact
 * text its decisions rest on. */
struct wb__source {
    const char *id;      /* interned: "purposes" or the profile's name */
    const char *profile; /* interned "name@version"; NULL: the vocabulary */
    const char *file;    /* interned base name of the file */
    char *text;          /* owned copy, NUL-terminated */
    size_t len;
};

struct wb_policy {
    struct wb__source sources[WB_POLICY_PROFILES_MAX + 1];
    size_t source_count;
    struct wb__profile *profiles;
    size_t profile_count;
    struct wb__purpose purposes[WB_POLICY_PURPOSES_MAX];
    size_t purpose_count;
    const char *mechs[MECH_MAX]; /* mechanism type names */
    size_t mech_count;
    char **strings; /* interned, owned */
    size_t string_count, string_cap;
};

/* Names of enum values, NULL-terminated, in enum order. */
extern const char *const wb__role_names[];
extern const char *const wb__consent_names[];
extern const char *const wb__class_names[];
extern const char *const wb__decision_names[];

/* Index of s in a NULL-terminated name list, or -1. */
int wb__name_index(const char *const *names, const char *s);

/* Intern s (a copy); NULL on allocation failure. */
const char *wb__policy_intern(struct wb_policy *p, const char *s);

/* Read the process's ISO 3166 tables (Debian's iso-codes) if not yet
 * read; WB_ERR_IO/WB_ERR_FORMAT (retried on the next call). Thread-safe. */
wb_err wb__iso_load(void);

/* True for an assigned alpha-2 code or ISO 3166-2 subdivision; false
 * before a successful wb__iso_load. */
bool wb__iso_code_ok(const char *code);

/* Where a load error is: "file:line: rule id: " prefix. */
struct wb__at {
    const char *file;
    int line;
    const char *rule;
};

wb_err wb__at_err(const struct wb__at *at, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An array of non-empty strings (at most WB_POLICY_OUT_MAX), interned,
 * into *out (the array is owned by the caller). */
wb_err wb__strs_field(struct wb_policy *p,
                      json_t *obj,
                      const char *key,
                      bool required,
                      const struct wb__at *at,
                      struct wb__strs *out);

/* Every key of obj must be in the NULL-terminated list `allowed`. */
wb_err wb__only_fields(json_t *obj,
                       const char *const *allowed,
                       const struct wb__at *at);

/* Compile one rule object into r (strings interned in p, sets owned by
 * pr). */
wb_err wb__rule_compile(struct wb_policy *p,
                        struct wb__profile *pr,
                        json_t *obj,
                        const struct wb__at *at,
                        struct wb__rule *r);

/* Resolve a list of codes and @set names (undated sets keep their dates)
 * into a new anonymous set owned by pr. */
wb_err wb__cset_from_list(struct wb__profile *pr,
                          json_t *list,
                          const struct wb__at *at,
                          const char *field,
                          struct wb__cset **out);

/* Reject rule pairs of a profile without strategy that can match the same
 * request and decide differently. */
wb_err wb__profile_check_conflicts(const struct wb__profile *pr);

/* Does rule r match request q (with facts including FACT_MECH_VALID)? */
bool wb__rule_match(const struct wb__rule *r,
                    const struct wb_policy_request *q,
                    uint32_t facts,
                    int country);

#endif
