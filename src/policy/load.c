/* SPDX-License-Identifier: Apache-2.0 */
/* Loading profiles: files and lines, the purpose vocabulary, profile
 * headers, sets and mechanisms. Rules are compiled in compile.c. All or
 * nothing: any error frees everything loaded so far. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

wb_err
wb__at_err(const struct wb__at *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at->rule != NULL) {
        return wb__err(WB_ERR_FORMAT, "%s:%d: %s: %s", at->file, at->line,
                       at->rule, msg);
    }
    return wb__err(WB_ERR_FORMAT, "%s:%d: %s", at->file, at->line, msg);
}

const char *
wb__policy_intern(struct wb_policy *p, const char *s)
{
    char *copy;

    for (size_t i = 0; i < p->string_count; i++) {
        if (strcmp(p->strings[i], s) == 0) {
            return p->strings[i];
        }
    }
    if (p->string_count == p->string_cap) {
        size_t cap = p->string_cap ? p->string_cap * 2 : 256;
        char **v = wb__realloc(p->strings, cap * sizeof *v);
        if (v == NULL) {
            return NULL;
        }
        p->strings = v;
        p->string_cap = cap;
    }
    copy = wb__strdup(s);
    if (copy != NULL) {
        p->strings[p->string_count++] = copy;
    }
    return copy;
}

/* ---- one line of JSON ------------------------------------------------- */

struct line {
    json_t *obj;
    int line;
};

struct lines {
    struct line *v;
    size_t n;
};

static void
lines_free(struct lines *ls)
{
    for (size_t i = 0; i < ls->n; i++) {
        json_decref(ls->v[i].obj);
    }
    wb__free(ls->v);
    ls->v = NULL;
    ls->n = 0;
}

/* Split text into JSON objects, one per non-blank, non-comment line. */
static wb_err
read_lines(const char *file, const char *text, size_t len, struct lines *out)
{
    size_t pos = 0;
    int lineno = 0;
    wb_err rc = WB_OK;

    memset(out, 0, sizeof *out);
    if (len > WB_POLICY_FILE_MAX) {
        return wb__err(WB_ERR_TOOBIG, "%s: over %d bytes", file,
                       WB_POLICY_FILE_MAX);
    }
    while (pos < len && rc == WB_OK) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        size_t k = 0;
        json_error_t err;
        json_t *j;
        struct line *v;
        struct wb__at at = {file, ++lineno, NULL};

        pos += n + (nl != NULL);
        if (n > WB_POLICY_LINE_MAX) {
            rc = wb__err(WB_ERR_TOOBIG, "%s:%d: line over %d bytes", file,
                         lineno, WB_POLICY_LINE_MAX);
            break;
        }
        while (k < n &&
               (start[k] == ' ' || start[k] == '\t' || start[k] == '\r')) {
            k++;
        }
        if (k == n || start[k] == '#') {
            continue;
        }
        if (memchr(start, '\0', n) != NULL) {
            rc = wb__at_err(&at, "NUL byte in line");
            break;
        }
        j = json_loadb(start, n, JSON_REJECT_DUPLICATES, &err);
        if (j == NULL) {
            rc = wb__at_err(&at, "column %d: %s", err.column, err.text);
            break;
        }
        if (!json_is_object(j)) {
            json_decref(j);
            rc = wb__at_err(&at, "each line must be one JSON object");
            break;
        }
        v = wb__realloc(out->v, (out->n + 1) * sizeof *v);
        if (v == NULL) {
            json_decref(j);
            rc = WB_ERR_NOMEM;
            break;
        }
        out->v = v;
        v[out->n].obj = j;
        v[out->n].line = lineno;
        out->n++;
    }
    if (rc != WB_OK) {
        lines_free(out);
    }
    return rc;
}

/* ---- strict field access ------------------------------------------------ */

wb_err
wb__only_fields(json_t *obj,
                const char *const *allowed,
                const struct wb__at *at)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0) {
            i++;
        }
        if (allowed[i] == NULL) {
            return wb__at_err(at, "unknown field \"%s\"", key);
        }
    }
    return WB_OK;
}

/* A string field: *out interned, or NULL when absent and not required. */
static wb_err
str_field(struct wb_policy *p,
          json_t *obj,
          const char *key,
          bool required,
          const struct wb__at *at,
          const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        return required ? wb__at_err(at, "missing field \"%s\"", key) : WB_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) != strlen(json_string_value(v))) {
        return wb__at_err(at, "\"%s\" must be a non-empty string", key);
    }
    *out = wb__policy_intern(p, json_string_value(v));
    return *out ? WB_OK : WB_ERR_NOMEM;
}

static wb_err
date_field(json_t *obj,
           const char *key,
           int32_t dflt,
           const struct wb__at *at,
           int32_t *out)
{
    json_t *v = json_object_get(obj, key);

    *out = dflt;
    if (v == NULL) {
        return WB_OK;
    }
    if (!json_is_string(v) || wb_date_parse(json_string_value(v), out) != 0) {
        return wb__at_err(at, "\"%s\" must be a date YYYY-MM-DD", key);
    }
    return WB_OK;
}

/* An id: 1..64 of a-z 0-9 - (and . for versions). */
static bool
id_ok(const char *s, bool dots)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              (dots && (c == '.' || c == '_')))) {
            return false;
        }
    }
    return true;
}

wb_err
wb__strs_field(struct wb_policy *p,
               json_t *obj,
               const char *key,
               bool required,
               const struct wb__at *at,
               struct wb__strs *out)
{
    json_t *v = json_object_get(obj, key);
    size_t i;
    json_t *e;

    memset(out, 0, sizeof *out);
    if (v == NULL) {
        return required ? wb__at_err(at, "missing field \"%s\"", key) : WB_OK;
    }
    if (!json_is_array(v) || (required && json_array_size(v) == 0)) {
        return wb__at_err(at, "\"%s\" must be a%s array of strings", key,
                          required ? " non-empty" : "n");
    }
    if (json_array_size(v) > WB_POLICY_OUT_MAX) {
        return wb__at_err(at, "\"%s\": at most %d items", key,
                          WB_POLICY_OUT_MAX);
    }
    out->v = wb__calloc(json_array_size(v) + 1, sizeof *out->v);
    if (out->v == NULL) {
        return WB_ERR_NOMEM;
    }
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e) || json_string_length(e) == 0) {
            return wb__at_err(at, "\"%s\"[%zu] must be a non-empty string", key,
                              i);
        }
        out->v[i] = wb__policy_intern(p, json_string_value(e));
        if (out->v[i] == NULL) {
            return WB_ERR_NOMEM;
        }
        out->n++;
    }
    return WB_OK;
}

/* ---- purposes ------------------------------------------------------------ */

static wb_err
load_purposes(struct wb_policy *p, const char *file, const struct lines *ls)
{
    static const char *const fields[] = {"purpose", "parent", "dpv", "label",
                                         NULL};

    for (size_t i = 0; i < ls->n; i++) {
        struct wb__at at = {file, ls->v[i].line, NULL};
        struct wb__purpose *u = &p->purposes[p->purpose_count];
        json_t *o = ls->v[i].obj;
        wb_err rc;

        if (p->purpose_count == WB_POLICY_PURPOSES_MAX) {
            return wb__at_err(&at, "more than %d purposes",
                              WB_POLICY_PURPOSES_MAX);
        }
        if ((rc = wb__only_fields(o, fields, &at)) != WB_OK ||
            (rc = str_field(p, o, "purpose", true, &at, &u->id)) != WB_OK ||
            (rc = str_field(p, o, "parent", false, &at, &u->parent)) != WB_OK ||
            (rc = str_field(p, o, "dpv", false, &at, &u->dpv)) != WB_OK ||
            (rc = str_field(p, o, "label", true, &at, &u->label)) != WB_OK) {
            return rc;
        }
        at.rule = u->id;
        if (!id_ok(u->id, false) || strcmp(u->id, "none") == 0) {
            return wb__at_err(&at, "purpose ids are 1..64 of a-z 0-9 - "
                                   "(and not \"none\")");
        }
        if (wb_policy_purpose_find(p, u->id) >= 0) {
            return wb__at_err(&at, "purpose defined twice");
        }
        u->parent_index = -1;
        if (u->parent != NULL) {
            u->parent_index = wb_policy_purpose_find(p, u->parent);
            if (u->parent_index < 0) {
                return wb__at_err(&at,
                                  "parent \"%s\" is not defined on an "
                                  "earlier line",
                                  u->parent);
            }
            memcpy(u->self_and_ancestors,
                   p->purposes[u->parent_index].self_and_ancestors,
                   sizeof u->self_and_ancestors);
        }
        u->self_and_ancestors[p->purpose_count / 64] |=
            1ull << (p->purpose_count % 64);
        p->purpose_count++;
    }
    return WB_OK;
}

/* ---- profiles ------------------------------------------------------------ */

static wb_err
new_set(struct wb__profile *pr, const char *name, struct wb__cset **out)
{
    struct wb__cset **v =
        wb__realloc(pr->sets, (pr->set_count + 1) * sizeof *v);
    struct wb__cset *s;

    *out = NULL;
    if (v == NULL) {
        return WB_ERR_NOMEM;
    }
    pr->sets = v;
    s = wb__calloc(1, sizeof *s);
    if (s == NULL) {
        return WB_ERR_NOMEM;
    }
    for (int c = 0; c < COUNTRIES; c++) {
        s->from[c] = DAY_MAX;
        s->until[c] = DAY_MIN;
    }
    if (name != NULL && (s->name = wb__strdup(name)) == NULL) {
        wb__free(s);
        return WB_ERR_NOMEM;
    }
    pr->sets[pr->set_count++] = s;
    *out = s;
    return WB_OK;
}

static const struct wb__cset *
find_set(const struct wb__profile *pr, const char *name)
{
    for (size_t i = 0; i < pr->set_count; i++) {
        if (pr->sets[i]->name != NULL && strcmp(pr->sets[i]->name, name) == 0) {
            return pr->sets[i];
        }
    }
    return NULL;
}

/* Add country c for [from, until) to s; overlapping or touching intervals
 * merge, disjoint ones cannot be held and are an error. */
static wb_err
cset_add(struct wb__cset *s,
         int c,
         int32_t from,
         int32_t until,
         const char *code,
         const struct wb__at *at)
{
    if (from >= until) {
        return wb__at_err(at, "%s: \"from\" must be before \"until\"", code);
    }
    if (s->from[c] > s->until[c]) {
        s->from[c] = from;
        s->until[c] = until;
        return WB_OK;
    }
    if (from > s->until[c] || until < s->from[c]) {
        return wb__at_err(at,
                          "%s is listed for two separate periods; "
                          "use one period per country",
                          code);
    }
    s->from[c] = from < s->from[c] ? from : s->from[c];
    s->until[c] = until > s->until[c] ? until : s->until[c];
    return WB_OK;
}

wb_err
wb__cset_from_list(struct wb__profile *pr,
                   json_t *list,
                   const struct wb__at *at,
                   const char *field,
                   struct wb__cset **out)
{
    struct wb__cset *s = NULL;
    json_t *one = NULL;
    size_t i;
    json_t *e;
    wb_err rc;

    *out = NULL;
    if (json_is_string(list)) {
        one = json_pack("[O]", list);
        if (one == NULL) {
            return WB_ERR_NOMEM;
        }
        list = one;
    }
    if (!json_is_array(list) || json_array_size(list) == 0) {
        rc = wb__at_err(at, "%s: a code, an @set or a list of them", field);
        goto out;
    }
    rc = new_set(pr, NULL, &s);
    json_array_foreach(list, i, e)
    {
        const char *code = json_string_value(e);
        if (rc != WB_OK) {
            break;
        }
        if (code == NULL) {
            rc = wb__at_err(at, "%s[%zu] must be a string", field, i);
        } else if (code[0] == '@') {
            const struct wb__cset *named = find_set(pr, code);
            if (named == NULL) {
                rc = wb__at_err(at, "%s: no set %s in this profile", field,
                                code);
            }
            for (int c = 0; rc == WB_OK && c < COUNTRIES; c++) {
                if (named->from[c] < named->until[c]) {
                    rc = cset_add(s, c, named->from[c], named->until[c], code,
                                  at);
                }
            }
        } else if (strlen(code) != 2 || !wb__iso_code_ok(code)) {
            rc = wb__at_err(at,
                            "%s: \"%s\" is not an ISO 3166-1 alpha-2 "
                            "code",
                            field, code);
        } else {
            rc = cset_add(s, wb__country_index(code), DAY_MIN, DAY_MAX, code,
                          at);
        }
    }
    if (rc == WB_OK) {
        *out = s;
    }
out:
    json_decref(one);
    return rc;
}

/* {"set":"name","members":[codes] | {code: {"from":..,"until":..}}} */
static wb_err
load_set(struct wb_policy *p,
         struct wb__profile *pr,
         json_t *o,
         const struct wb__at *at0)
{
    static const char *const fields[] = {"set", "members", "cite", NULL};
    struct wb__at at = *at0;
    json_t *m = json_object_get(o, "members");
    const char *name;
    char at_name[72];
    struct wb__cset *s;
    wb_err rc;

    if ((rc = wb__only_fields(o, fields, &at)) != WB_OK ||
        (rc = str_field(p, o, "set", true, &at, &name)) != WB_OK) {
        return rc;
    }
    at.rule = name;
    if (!id_ok(name, false)) {
        return wb__at_err(&at, "set names are 1..64 of a-z 0-9 -");
    }
    snprintf(at_name, sizeof at_name, "@%s", name);
    if (find_set(pr, at_name) != NULL) {
        return wb__at_err(&at, "set defined twice");
    }
    if (json_is_array(m)) {
        struct wb__cset *tmp;
        rc = wb__cset_from_list(pr, m, &at, "members", &tmp);
        if (rc == WB_OK) {
            tmp->name = wb__strdup(at_name);
            rc = tmp->name ? WB_OK : WB_ERR_NOMEM;
        }
        return rc;
    }
    if (!json_is_object(m)) {
        return wb__at_err(&at, "\"members\": a list of codes or an object "
                               "of code: {from, until}");
    }
    rc = new_set(pr, at_name, &s);
    {
        const char *code;
        json_t *v;
        json_object_foreach(m, code, v)
        {
            static const char *const dated[] = {"from", "until", "cite", NULL};
            int32_t from, until;
            if (rc != WB_OK) {
                break;
            }
            if (strlen(code) != 2 || !wb__iso_code_ok(code)) {
                rc = wb__at_err(&at, "\"%s\" is not an ISO 3166-1 alpha-2 code",
                                code);
            } else if (!json_is_object(v)) {
                rc = wb__at_err(&at, "%s: {\"from\": date, \"until\": date}",
                                code);
            } else if ((rc = wb__only_fields(v, dated, &at)) == WB_OK &&
                       (rc = date_field(v, "from", DAY_MIN, &at, &from)) ==
                           WB_OK &&
                       (rc = date_field(v, "until", DAY_MAX, &at, &until)) ==
                           WB_OK) {
                rc = cset_add(s, wb__country_index(code), from, until, code,
                              &at);
            }
        }
    }
    return rc;
}

/* Index of mechanism type name, added to the global table if new. */
static int
mech_index(struct wb_policy *p, const char *name, bool add)
{
    int i = wb_policy_mechanism_find(p, name);

    if (i >= 0 || !add || p->mech_count == MECH_MAX) {
        return i;
    }
    p->mechs[p->mech_count] = wb__policy_intern(p, name);
    return p->mechs[p->mech_count] ? (int)p->mech_count++ : -1;
}

static wb_err
load_mechanism(struct wb_policy *p,
               struct wb__profile *pr,
               json_t *o,
               const struct wb__at *at0)
{
    static const char *const fields[] = {"mechanism",
                                         "needs_reference",
                                         "needs_valid_until",
                                         "max_validity_days",
                                         "cite",
                                         "label",
                                         NULL};
    struct wb__at at = *at0;
    struct wb__strs cites;
    json_t *days = json_object_get(o, "max_validity_days");
    const char *name;
    int i;
    wb_err rc;

    if ((rc = wb__only_fields(o, fields, &at)) != WB_OK ||
        (rc = str_field(p, o, "mechanism", true, &at, &name)) != WB_OK) {
        return rc;
    }
    at.rule = name;
    if (!id_ok(name, false) || strcmp(name, "none") == 0) {
        return wb__at_err(&at, "mechanism types are 1..64 of a-z 0-9 -");
    }
    rc = wb__strs_field(p, o, "cite", true, &at, &cites);
    wb__free(cites.v);
    if (rc != WB_OK) {
        return rc;
    }
    i = mech_index(p, name, true);
    if (i < 0) {
        return wb__at_err(&at, "more than %d mechanism types", MECH_MAX);
    }
    if (pr->mech[i].declared) {
        return wb__at_err(&at, "mechanism declared twice");
    }
    pr->mech[i].declared = true;
    for (int k = 0; k < 2; k++) {
        const char *key = k ? "needs_valid_until" : "needs_reference";
        json_t *b = json_object_get(o, key);
        if (b != NULL && !json_is_boolean(b)) {
            return wb__at_err(&at, "\"%s\" must be true or false", key);
        }
        *(k ? &pr->mech[i].needs_valid_until : &pr->mech[i].needs_reference) =
            json_is_true(b);
    }
    if (days != NULL) {
        if (!json_is_integer(days) || json_integer_value(days) < 1 ||
            json_integer_value(days) > 36600) {
            return wb__at_err(&at, "\"max_validity_days\": 1..36600");
        }
        pr->mech[i].max_validity_days = (int32_t)json_integer_value(days);
    }
    return WB_OK;
}

static wb_err
load_header(struct wb_policy *p,
            struct wb__profile *pr,
            json_t *o,
            const struct wb__at *at0)
{
    static const char *const fields[] = {
        "profile",        "version", "title",    "applies_to",
        "effective",      "until",   "strategy", "default_cite",
        "default_reason", "sources", NULL};
    struct wb__at at = *at0;
    const char *name, *version, *strategy, *reason;
    json_t *applies = json_object_get(o, "applies_to");
    json_t *sources = json_object_get(o, "sources");
    char full[160];
    size_t i;
    json_t *e;
    wb_err rc;

    if ((rc = wb__only_fields(o, fields, &at)) != WB_OK ||
        (rc = str_field(p, o, "profile", true, &at, &name)) != WB_OK ||
        (rc = str_field(p, o, "version", true, &at, &version)) != WB_OK ||
        (rc = str_field(p, o, "title", true, &at, &pr->title)) != WB_OK ||
        (rc = str_field(p, o, "strategy", false, &at, &strategy)) != WB_OK ||
        (rc = str_field(p, o, "default_reason", false, &at, &reason)) !=
            WB_OK ||
        (rc = date_field(o, "effective", DAY_MIN, &at, &pr->effective)) !=
            WB_OK ||
        (rc = date_field(o, "until", DAY_MAX, &at, &pr->until)) != WB_OK ||
        (rc = wb__strs_field(p, o, "default_cite", true, &at,
                             &pr->default_cites)) != WB_OK) {
        return rc;
    }
    if (!id_ok(name, false) || !id_ok(version, true)) {
        return wb__at_err(&at, "profile names are a-z 0-9 -, versions also "
                               ". and _");
    }
    if (sources != NULL && !json_is_array(sources)) {
        return wb__at_err(&at, "\"sources\" must be a list");
    }
    if (strcmp(name, WB_POLICY_VOCABULARY_ID) == 0) {
        return wb__at_err(&at,
                          "the profile name \"%s\" is the purpose "
                          "vocabulary's",
                          name);
    }
    pr->id = name;
    snprintf(full, sizeof full, "%s@%s", name, version);
    pr->name = wb__policy_intern(p, full);
    snprintf(full, sizeof full,
             "%s@%s default: no rule permits this (default "
             "deny)",
             name, version);
    if (reason != NULL) {
        char buf[600];
        snprintf(buf, sizeof buf, "%s@%s default: %s", name, version, reason);
        pr->default_reason = wb__policy_intern(p, buf);
    } else {
        pr->default_reason = wb__policy_intern(p, full);
    }
    snprintf(full, sizeof full, "%s@%s: not in force on the request date", name,
             version);
    pr->not_in_force = wb__policy_intern(p, full);
    if (pr->name == NULL || pr->default_reason == NULL ||
        pr->not_in_force == NULL) {
        return WB_ERR_NOMEM;
    }
    if (strategy == NULL) {
        pr->strategy = STRAT_NONE;
    } else if (strcmp(strategy, "first-match") == 0) {
        pr->strategy = STRAT_FIRST_MATCH;
    } else if (strcmp(strategy, "most-restrictive") == 0) {
        pr->strategy = STRAT_MOST_RESTRICTIVE;
    } else {
        return wb__at_err(&at,
                          "strategy \"%s\": first-match or "
                          "most-restrictive",
                          strategy);
    }
    if (pr->effective >= pr->until) {
        return wb__at_err(&at, "\"effective\" must be before \"until\"");
    }
    if (!json_is_array(applies) || json_array_size(applies) == 0) {
        return wb__at_err(&at, "\"applies_to\": a non-empty list of codes, "
                               "@sets or \"*\"");
    }
    {
        json_t *countries = json_array();
        if (countries == NULL) {
            return WB_ERR_NOMEM;
        }
        json_array_foreach(applies, i, e)
        {
            const char *code = json_string_value(e);
            if (rc != WB_OK) {
                break;
            }
            if (code == NULL) {
                rc = wb__at_err(&at, "applies_to[%zu] must be a string", i);
            } else if (strcmp(code, "*") == 0) {
                pr->everyone = true;
            } else if (strlen(code) > 2 && code[0] != '@') {
                const char **v;
                if (!wb__iso_code_ok(code)) {
                    rc = wb__at_err(&at,
                                    "applies_to: \"%s\" is not an ISO "
                                    "3166-2 subdivision",
                                    code);
                    break;
                }
                v = wb__realloc(pr->subdivisions,
                                (pr->subdivision_count + 1) * sizeof *v);
                if (v == NULL) {
                    rc = WB_ERR_NOMEM;
                    break;
                }
                pr->subdivisions = v;
                v[pr->subdivision_count] = wb__policy_intern(p, code);
                rc = v[pr->subdivision_count++] ? WB_OK : WB_ERR_NOMEM;
            } else if (json_array_append(countries, e) != 0) {
                rc = WB_ERR_NOMEM;
            }
        }
        if (rc == WB_OK && json_array_size(countries) > 0) {
            rc = wb__cset_from_list(pr, countries, &at, "applies_to",
                                    &pr->applies);
        }
        json_decref(countries);
    }
    return rc;
}

static void
profile_clear(struct wb__profile *pr)
{
    for (size_t i = 0; i < pr->set_count; i++) {
        wb__free(pr->sets[i]->name);
        wb__free(pr->sets[i]);
    }
    wb__free(pr->sets);
    for (size_t i = 0; i < pr->rule_count; i++) {
        wb__free(pr->rules[i].mechanisms.v);
        wb__free(pr->rules[i].obligations.v);
        wb__free(pr->rules[i].cites.v);
    }
    wb__free(pr->rules);
    wb__free(pr->subdivisions);
    wb__free(pr->default_cites.v);
    memset(pr, 0, sizeof *pr);
}

static wb_err
load_profile(struct wb_policy *p, const char *file, const struct lines *ls)
{
    struct wb__profile *pr;
    struct wb__profile *v;
    struct wb__at at = {file, 1, NULL};
    wb_err rc = WB_OK;

    if (ls->n == 0 || json_object_get(ls->v[0].obj, "profile") == NULL) {
        at.line = ls->n ? ls->v[0].line : 1;
        return wb__at_err(&at, "the first line must be the profile header "
                               "({\"profile\": ...})");
    }
    if (p->profile_count == WB_POLICY_PROFILES_MAX) {
        return wb__at_err(&at, "more than %d profiles", WB_POLICY_PROFILES_MAX);
    }
    v = wb__realloc(p->profiles, (p->profile_count + 1) * sizeof *v);
    if (v == NULL) {
        return WB_ERR_NOMEM;
    }
    p->profiles = v;
    pr = &v[p->profile_count++];
    memset(pr, 0, sizeof *pr);
    pr->file = wb__policy_intern(p, file);
    pr->rules = wb__calloc(ls->n, sizeof *pr->rules);
    if (pr->file == NULL || pr->rules == NULL) {
        return WB_ERR_NOMEM;
    }
    /* sets first (the header and rules name them), then the header,
     * mechanisms, and rules in file order */
    for (int pass = 0; pass < 4 && rc == WB_OK; pass++) {
        for (size_t i = pass == 1 ? 0 : 1; i < ls->n && rc == WB_OK; i++) {
            json_t *o = ls->v[i].obj;
            at.line = ls->v[i].line;
            at.rule = NULL;
            if (pass == 1) {
                rc = load_header(p, pr, o, &at);
                break;
            }
            if (json_object_get(o, "profile") != NULL) {
                rc = wb__at_err(&at, "a second profile header");
            } else if (json_object_get(o, "set") != NULL) {
                rc = pass == 0 ? load_set(p, pr, o, &at) : WB_OK;
            } else if (json_object_get(o, "mechanism") != NULL) {
                rc = pass == 2 ? load_mechanism(p, pr, o, &at) : WB_OK;
            } else if (json_object_get(o, "rule") != NULL) {
                if (pass == 3) {
                    struct wb__rule *r = &pr->rules[pr->rule_count];
                    rc = wb__rule_compile(p, pr, o, &at, r);
                    pr->rule_count++;
                    for (size_t k = 0; rc == WB_OK && k + 1 < pr->rule_count;
                         k++) {
                        if (strcmp(pr->rules[k].id, r->id) == 0) {
                            at.rule = r->id;
                            rc = wb__at_err(&at,
                                            "rule id used twice "
                                            "(also line %d)",
                                            pr->rules[k].line);
                        }
                    }
                }
            } else {
                rc = wb__at_err(&at, "a line must be a set, a mechanism or a "
                                     "rule");
            }
        }
    }
    for (size_t k = 0; rc == WB_OK && k + 1 < p->profile_count; k++) {
        if (p->profiles[k].id == pr->id) {
            /* one version of a profile at a time: the site's policy
             * register keeps its versions under the name */
            at.line = ls->v[0].line;
            rc = wb__at_err(&at, "profile %s is also loaded from %s (as %s)",
                            pr->id, p->profiles[k].file, p->profiles[k].name);
        }
    }
    if (rc == WB_OK && pr->strategy == STRAT_NONE) {
        rc = wb__profile_check_conflicts(pr);
    }
    return rc;
}

/* ---- entry points ------------------------------------------------------- */

void
wb_policy_free(struct wb_policy *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->profile_count; i++) {
        profile_clear(&p->profiles[i]);
    }
    wb__free(p->profiles);
    for (size_t i = 0; i < p->source_count; i++) {
        wb__free(p->sources[i].text);
    }
    for (size_t i = 0; i < p->string_count; i++) {
        wb__free(p->strings[i]);
    }
    wb__free(p->strings);
    wb__free(p);
}

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Keep a copy of a loaded file's text: the vocabulary, or the profile
 * loaded last. */
static wb_err
keep_source(struct wb_policy *p,
            const char *file,
            const char *text,
            size_t len,
            bool vocabulary)
{
    struct wb__source *src = &p->sources[p->source_count];
    const struct wb__profile *pr =
        vocabulary ? NULL : &p->profiles[p->profile_count - 1];

    src->id =
        vocabulary ? wb__policy_intern(p, WB_POLICY_VOCABULARY_ID) : pr->id;
    src->profile = vocabulary ? NULL : pr->name;
    src->file = wb__policy_intern(p, base_name(file));
    src->text = wb__strndup(text, len);
    src->len = len;
    if (src->id == NULL || src->file == NULL || src->text == NULL) {
        wb__free(src->text);
        src->text = NULL;
        return WB_ERR_NOMEM;
    }
    p->source_count++;
    return WB_OK;
}

wb_err
wb_policy_load(const char *const *names,
               const char *const *texts,
               const size_t *lens,
               size_t count,
               struct wb_policy **out)
{
    struct wb_policy *p = wb__calloc(1, sizeof *p);
    wb_err rc;

    *out = NULL;
    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    rc = wb__iso_load();
    if (rc == WB_OK &&
        (count == 0 || strcmp(base_name(names[0]), "purposes.jsonl") != 0)) {
        rc = wb__err(WB_ERR_FORMAT,
                     "the purpose vocabulary (purposes.jsonl) must be "
                     "loaded first");
    }
    for (size_t i = 0; rc == WB_OK && i < count; i++) {
        struct lines ls;
        rc = read_lines(names[i], texts[i], lens[i], &ls);
        if (rc != WB_OK) {
            break;
        }
        if (i == 0) {
            rc = load_purposes(p, names[i], &ls);
        } else if (strcmp(base_name(names[i]), "purposes.jsonl") == 0) {
            rc = wb__err(WB_ERR_FORMAT, "%s: a second purpose vocabulary",
                         names[i]);
        } else {
            rc = load_profile(p, names[i], &ls);
        }
        lines_free(&ls);
        if (rc == WB_OK) {
            rc = keep_source(p, names[i], texts[i], lens[i], i == 0);
        }
    }
    if (rc == WB_OK && p->profile_count == 0) {
        rc = wb__err(WB_ERR_FORMAT, "no profiles loaded");
    }
    if (rc != WB_OK) {
        wb_policy_free(p);
        return rc;
    }
    *out = p;
    return WB_OK;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

wb_err
wb_policy_load_dir(const char *dir, struct wb_policy **out)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    char **texts = NULL;
    size_t *lens = NULL;
    size_t n = 0;
    struct dirent *de;
    wb_err rc = WB_OK;

    *out = NULL;
    if (d == NULL) {
        /* not there: bad input (a named directory), not a failing disk */
        return wb__err(wb_err_from_errno(errno),
                       "%s: cannot open the profile directory (%s)", dir,
                       strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        size_t k = strlen(de->d_name);
        char **v;
        if (k < 7 || strcmp(de->d_name + k - 6, ".jsonl") != 0 ||
            de->d_name[0] == '.') {
            continue;
        }
        v = wb__realloc(names, (n + 1) * sizeof *v);
        if (v == NULL) {
            rc = WB_ERR_NOMEM;
            break;
        }
        names = v;
        names[n] = wb__malloc(strlen(dir) + k + 2);
        if (names[n] == NULL) {
            rc = WB_ERR_NOMEM;
            break;
        }
        sprintf(names[n++], "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (rc == WB_OK && n > 0) {
        qsort(names, n, sizeof *names, cmp_str);
        /* the vocabulary first */
        for (size_t i = 0; i < n; i++) {
            if (strcmp(base_name(names[i]), "purposes.jsonl") == 0) {
                char *t = names[i];
                memmove(names + 1, names, i * sizeof *names);
                names[0] = t;
                break;
            }
        }
        texts = wb__calloc(n, sizeof *texts);
        lens = wb__calloc(n, sizeof *lens);
        rc = texts && lens ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK &&
        (n == 0 || strcmp(base_name(names[0]), "purposes.jsonl") != 0)) {
        rc = wb__err(WB_ERR_FORMAT,
                     "%s: no purposes.jsonl (the purpose vocabulary) in the "
                     "profile directory",
                     dir);
    }
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        rc = wb__read_file(names[i], WB_POLICY_FILE_MAX, (uint8_t **)&texts[i],
                           &lens[i]);
        if (rc == WB_ERR_TOOBIG) {
            rc = wb__err(WB_ERR_TOOBIG, "%s: over %d bytes", names[i],
                         WB_POLICY_FILE_MAX);
        }
    }
    if (rc == WB_OK) {
        rc = wb_policy_load((const char *const *)names,
                            (const char *const *)texts, lens, n, out);
    }
    for (size_t i = 0; i < n; i++) {
        wb__free(names[i]);
        wb__free(texts ? texts[i] : NULL);
    }
    wb__free(names);
    wb__free(texts);
    wb__free(lens);
    return rc;
}

/* ---- queries ------------------------------------------------------------ */

size_t
wb_policy_source_count(const struct wb_policy *p)
{
    return p != NULL ? p->source_count : 0;
}

bool
wb_policy_source(const struct wb_policy *p,
                 size_t i,
                 struct wb_policy_source *out)
{
    const struct wb__source *src;

    memset(out, 0, sizeof *out);
    if (p == NULL || i >= p->source_count) {
        return false;
    }
    src = &p->sources[i];
    out->id = src->id;
    out->profile = src->profile;
    out->file = src->file;
    out->text = src->text;
    out->len = src->len;
    return true;
}

size_t
wb_policy_profile_count(const struct wb_policy *p)
{
    return p->profile_count;
}

const char *
wb_policy_profile_name(const struct wb_policy *p, size_t i)
{
    return i < p->profile_count ? p->profiles[i].name : NULL;
}

const char *
wb_policy_profile_title(const struct wb_policy *p, size_t i)
{
    return i < p->profile_count ? p->profiles[i].title : NULL;
}

int
wb_policy_purpose_find(const struct wb_policy *p, const char *name)
{
    for (size_t i = 0; i < p->purpose_count; i++) {
        if (strcmp(p->purposes[i].id, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

size_t
wb_policy_purpose_count(const struct wb_policy *p)
{
    return p->purpose_count;
}

#define PURPOSE_GETTER(fn, field)                                              \
    const char *fn(const struct wb_policy *p, int i)                           \
    {                                                                          \
        return i >= 0 && (size_t)i < p->purpose_count ? p->purposes[i].field   \
                                                      : NULL;                  \
    }
PURPOSE_GETTER(wb_policy_purpose_name, id)
PURPOSE_GETTER(wb_policy_purpose_parent, parent)
PURPOSE_GETTER(wb_policy_purpose_dpv, dpv)
PURPOSE_GETTER(wb_policy_purpose_label, label)

bool
wb_policy_purpose_covers(const struct wb_policy *p,
                         const char *granted,
                         const char *used)
{
    int g = wb_policy_purpose_find(p, granted);
    int u = wb_policy_purpose_find(p, used);

    if (g < 0 || u < 0) {
        return false;
    }
    return (p->purposes[u].self_and_ancestors[g / 64] >> (g % 64)) & 1;
}

int
wb_policy_mechanism_find(const struct wb_policy *p, const char *name)
{
    for (size_t i = 0; i < p->mech_count; i++) {
        if (strcmp(p->mechs[i], name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *
wb_policy_mechanism_name(const struct wb_policy *p, int i)
{
    return i >= 0 && (size_t)i < p->mech_count ? p->mechs[i] : NULL;
}

wb_err
wb_policy_mechanism_check(const struct wb_policy *p,
                          const char *field,
                          const char *type)
{
    char names[512] = "";
    size_t used = 0;

    if (type != NULL && wb_policy_mechanism_find(p, type) >= 0) {
        return WB_OK;
    }
    for (size_t i = 0; i < p->mech_count; i++) {
        int w = snprintf(names + used, sizeof names - used, "%s%s",
                         i ? ", " : "", p->mechs[i]);
        if (w < 0 || (size_t)w >= sizeof names - used) {
            break;
        }
        used += (size_t)w;
    }
    return wb__err(WB_ERR_FORMAT,
                   "%s: \"%s\" is not a mechanism type the policy profiles "
                   "declare (%s)",
                   field, type ? type : "", names[0] ? names : "none");
}
