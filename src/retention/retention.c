/* SPDX-License-Identifier: Apache-2.0 */
/* The retention job: find expired payloads, keep what a legal minimum
 * holds, erase the rest through wb_site_erase_many. */
#include <stdio.h>
#include <string.h>

#include <waybill/retention.h>
#include <waybill/token.h>

#include "core/core_int.h"

struct scan {
    const struct wb_retention_rule *rules;
    size_t count;
    int64_t now;
    struct wb_retention_report *r;
    uint64_t *erase; /* indexes to erase, grouped by rule */
    size_t *rule_of; /* the expiring rule of each */
    size_t n, cap;
};

static bool
applies(const struct wb_retention_rule *rule, const struct wb_claims *c)
{
    return (rule->kind == NULL || strcmp(rule->kind, c->kind) == 0) &&
           (rule->data_class == NULL ||
            (c->data_class != NULL &&
             strcmp(rule->data_class, c->data_class) == 0));
}

wb_err
wb_retention_check(const struct wb_retention_rule *rules, size_t count)
{
    if (count > WB_RETENTION_MAX_RULES) {
        return wb__err(WB_ERR_INVAL, "retention: more than %d rules",
                       WB_RETENTION_MAX_RULES);
    }
    for (size_t i = 0; i < count; i++) {
        const struct wb_retention_rule *u = &rules[i];
        if (u->erase_after_days < -1 || u->minimum_days < -1) {
            return wb__err(WB_ERR_INVAL,
                           "retention.rules[%zu]: days must "
                           "be 0 or more",
                           i);
        }
        if (u->erase_after_days < 0 && u->minimum_days < 0) {
            return wb__err(WB_ERR_INVAL,
                           "retention.rules[%zu]: needs "
                           "erase_after_days or minimum_days",
                           i);
        }
        if (u->kind != NULL && !wb_claims_kind_ok(u->kind)) {
            return wb__err(WB_ERR_INVAL,
                           "retention.rules[%zu].kind: \"%.64s\" is no entry "
                           "kind (record, decision, transfer, inference, ...)",
                           i, u->kind);
        }
        if (u->data_class != NULL && !wb_claims_class_ok(u->data_class)) {
            return wb__err(WB_ERR_INVAL,
                           "retention.rules[%zu].class: \"%.64s\" is no data "
                           "class (non-personal, personal, "
                           "sensitive-personal, important)",
                           i, u->data_class);
        }
        if (u->erase_after_days >= 0 && u->kind != NULL &&
            !wb_kind_erasable(u->kind)) {
            return wb__err(WB_ERR_INVAL,
                           "retention.rules[%zu]: %s entries are kept "
                           "(never erased), so erase_after_days cannot "
                           "apply; a minimum_days alone may",
                           i, u->kind);
        }
        if (u->erase_after_days >= 0 && u->minimum_days >= 0 &&
            u->erase_after_days < u->minimum_days) {
            return wb__err(WB_ERR_INVAL,
                           "retention.rules[%zu]: erases after "
                           "%d days but keeps at least %d",
                           i, (int)u->erase_after_days, (int)u->minimum_days);
        }
    }
    return WB_OK;
}

static wb_err
visit(void *ctx, uint64_t index, const uint8_t *leaf, size_t leaf_len)
{
    struct scan *sc = ctx;
    struct wb_claims *c = NULL;
    size_t expiring = SIZE_MAX;
    bool held = false;
    int64_t age;
    wb_err rc = wb_claims_decode(leaf, leaf_len, &c);

    if (rc != WB_OK) {
        wb__err_prefix("entry %llu", (unsigned long long)index);
        return rc;
    }
    sc->r->scanned++;
    if (!wb_kind_erasable(c->kind)) {
        wb_claims_free(c);
        return WB_OK; /* an erasure or a register's: kept whatever the rules */
    }
    age = (sc->now - c->iat) / 86400;
    for (size_t i = 0; i < sc->count; i++) {
        const struct wb_retention_rule *u = &sc->rules[i];
        if (!applies(u, c)) {
            continue;
        }
        if (u->minimum_days >= 0 && age < u->minimum_days) {
            held = true;
        }
        if (u->erase_after_days >= 0 && age > u->erase_after_days &&
            expiring == SIZE_MAX) {
            expiring = i;
        }
    }
    wb_claims_free(c);
    if (expiring == SIZE_MAX) {
        return WB_OK;
    }
    sc->r->expired++;
    if (held) {
        sc->r->held++;
        return WB_OK;
    }
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 256;
        uint64_t *e = wb__realloc(sc->erase, cap * sizeof *e);
        size_t *o;
        if (e == NULL) {
            return WB_ERR_NOMEM;
        }
        sc->erase = e;
        o = wb__realloc(sc->rule_of, cap * sizeof *o);
        if (o == NULL) {
            return WB_ERR_NOMEM;
        }
        sc->rule_of = o;
        sc->cap = cap;
    }
    sc->erase[sc->n] = index;
    sc->rule_of[sc->n++] = expiring;
    return WB_OK;
}

wb_err
wb_retention_run(struct wb_site *s,
                 const struct wb_retention_rule *rules,
                 size_t count,
                 int64_t now,
                 bool dry_run,
                 struct wb_retention_report *r)
{
    struct scan sc;
    wb_err rc;

    memset(r, 0, sizeof *r);
    memset(&sc, 0, sizeof sc);
    sc.rules = rules;
    sc.count = count;
    sc.now = now;
    sc.r = r;
    rc = wb_retention_check(rules, count);
    if (rc == WB_OK) {
        rc = wb_site_walk_erasable(s, visit, &sc);
    }
    /* one erase call per rule, so each erasure's reason names its rule */
    for (size_t i = 0; rc == WB_OK && !dry_run && i < count; i++) {
        const struct wb_retention_rule *u = &rules[i];
        uint64_t *mine = NULL;
        size_t k = 0;
        uint64_t first = 0;
        char reason[512];

        for (size_t j = 0; j < sc.n; j++) {
            k += sc.rule_of[j] == i;
        }
        if (k == 0) {
            continue;
        }
        mine = wb__malloc(k * sizeof *mine);
        if (mine == NULL) {
            rc = WB_ERR_NOMEM;
            break;
        }
        k = 0;
        for (size_t j = 0; j < sc.n; j++) {
            if (sc.rule_of[j] == i) {
                mine[k++] = sc.erase[j];
            }
        }
        snprintf(reason, sizeof reason,
                 "retention rule %zu (kind %s, class %s): erase after %d "
                 "days%s%s",
                 i, u->kind ? u->kind : "any",
                 u->data_class ? u->data_class : "any",
                 (int)u->erase_after_days, u->citation ? "; " : "",
                 u->citation ? u->citation : "");
        rc = wb_site_erase_many(s, mine, k, reason, &first);
        if (rc == WB_OK) {
            if (r->erased == 0) {
                r->first_erasure = first;
            }
            r->erased += k;
        }
        wb__free(mine);
    }
    wb__free(sc.erase);
    wb__free(sc.rule_of);
    return rc;
}
