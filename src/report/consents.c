/* SPDX-License-Identifier: Apache-2.0 */
/* Consents: every consent by its state as of the end of the period (the
 * latest version logged before it, expiry applied), and the changes the
 * period logged: grants, requests, refusals, withdrawals (whole or one
 * purpose), purposes granted, renewals, revocations and expiries. */
#include <waybill/policy.h>

#include "report/report_int.h"

static const char *const states[] = {"requested", "given",     "renewed",
                                     "refused",   "withdrawn", "revoked",
                                     "expired"};
static const char *const changes[] = {
    "granted",         "requested", "refused", "withdrawn", "purpose_withdrawn",
    "purpose_granted", "renewed",   "revoked", "expired",   "other"};

/* The flag of purpose id in c: 1 granted, 0 denied, -1 none. */
static int
flag_of(const struct wb_consent *c, const char *id)
{
    for (size_t i = 0; i < c->purpose_count; i++) {
        if (strcmp(c->purposes[i].id, id) == 0) {
            return c->purposes[i].granted ? 1 : 0;
        }
    }
    return -1;
}

/* A version that keeps the state: which flag moved. */
static const char *
flag_change(const struct wb_consent *prev, const struct wb_consent *cur)
{
    bool off = false, on = false;

    for (size_t i = 0; i < cur->purpose_count; i++) {
        int was = flag_of(prev, cur->purposes[i].id);
        off = off || (!cur->purposes[i].granted && was != 0);
        on = on || (cur->purposes[i].granted && was != 1);
    }
    return off                                ? "purpose_withdrawn"
           : on                               ? "purpose_granted"
           : cur->state == WB_CONSENT_RENEWED ? "renewed"
                                              : "other";
}

/* What version cur (after prev, NULL for the first) changed. */
static const char *
change_of(const struct wb_consent *prev, const struct wb_consent *cur)
{
    if (prev != NULL && prev->state == cur->state) {
        return flag_change(prev, cur);
    }
    switch (cur->state) {
    case WB_CONSENT_GIVEN:
        return "granted";
    case WB_CONSENT_REQUESTED:
        return prev == NULL ? "requested" : "other";
    case WB_CONSENT_REFUSED:
        return "refused";
    case WB_CONSENT_WITHDRAWN:
        return "withdrawn";
    case WB_CONSENT_RENEWED:
        return "renewed";
    case WB_CONSENT_REVOKED:
        return "revoked";
    default:
        return "other";
    }
}

struct tally {
    json_int_t consents;
    json_t *by_state;
    json_t *changes;
};

/* One consent's versions h[0..n). */
static wb_err
one(const struct wb__rscan *sc,
    int32_t state_day,
    const struct wb_consent *h,
    size_t n,
    struct tally *t)
{
    const struct wb_consent *asof = NULL;
    int64_t iat = 0;
    wb_err rc = WB_OK;

    for (size_t k = 0; rc == WB_OK && k < n && h[k].entry < sc->size; k++) {
        rc = wb__report_entry_time(sc->site, h[k].entry, &iat);
        if (rc != WB_OK) {
            break;
        }
        if (!sc->period.has_to || iat / 86400 < sc->period.to) {
            asof = &h[k];
        }
        if (wb__report_in_period(&sc->period, iat)) {
            wb__report_add(t->changes, change_of(k ? &h[k - 1] : NULL, &h[k]),
                           1);
        }
    }
    if (rc != WB_OK || asof == NULL) {
        return rc;
    }
    t->consents++;
    wb__report_add(
        t->by_state,
        wb_consent_state_name(wb_consent_effective_state(asof, state_day)), 1);
    if ((asof->state == WB_CONSENT_GIVEN ||
         asof->state == WB_CONSENT_RENEWED) &&
        asof->has_expires &&
        wb__report_in_period(&sc->period,
                             ((int64_t)asof->expires + 1) * 86400) &&
        asof->expires < state_day) {
        wb__report_add(t->changes, "expired", 1);
    }
    return WB_OK;
}

wb_err
wb__report_consents(const struct wb__rscan *sc, json_t *body)
{
    struct wb_consent *list = NULL;
    size_t n = 0;
    int32_t state_day = sc->period.has_to ? sc->period.to : sc->today;
    char day[16];
    struct tally t = {0, json_object(), json_object()};
    wb_err rc = t.by_state && t.changes ? WB_OK : WB_ERR_NOMEM;

    for (size_t i = 0; rc == WB_OK && i < 7; i++) {
        json_object_set_new(t.by_state, states[i], json_integer(0));
    }
    for (size_t i = 0; rc == WB_OK && i < 10; i++) {
        json_object_set_new(t.changes, changes[i], json_integer(0));
    }
    if (rc == WB_OK) {
        rc = wb_consent_list(sc->site, &list, &n);
    }
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        struct wb_consent *h = NULL;
        size_t hn = 0;
        rc = wb_consent_history(sc->site, list[i].id, &h, &hn);
        if (rc == WB_OK) {
            rc = one(sc, state_day, h, hn, &t);
        }
        wb_consent_list_free(h, hn);
    }
    wb_consent_list_free(list, n);
    if (rc == WB_OK) {
        wb_date_format(state_day, day);
        json_object_set_new(body, "state_date", json_string(day));
        json_object_set_new(body, "consents", json_integer(t.consents));
        json_object_set(body, "by_state", t.by_state);
        json_object_set(body, "changes", t.changes);
    }
    json_decref(t.by_state);
    json_decref(t.changes);
    return rc;
}
