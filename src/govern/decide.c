/* SPDX-License-Identifier: Apache-2.0 */
/* Deciding a transfer at a site: registry lookup, subject tallies, the
 * policy decision, and the logged "decision" entry. */
#include <jansson.h>
#include <string.h>

#include <waybill/decision.h>
#include <waybill/server.h>

#include "core/core_int.h"

/* Calendar year of a day number. */
static int
year_of(int32_t days)
{
    char buf[11];

    wb_date_format(days, buf);
    return (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 +
           (buf[3] - '0');
}

/* recipient.server: registered on the date? Its mechanism fills in. */
static wb_err
resolve_server(struct wb_site *s,
               const struct wb_policy *p,
               struct wb_policy_request *q)
{
    struct wb_server srv;
    wb_err rc;

    if (q->server[0] == '\0') {
        return WB_OK;
    }
    rc = wb_server_get(s, q->server, 0, &srv);
    if (rc == WB_ERR_NOTFOUND) {
        return WB_OK; /* named but not registered */
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (strcmp(srv.country, q->country) != 0 &&
        strncmp(srv.country, q->country, 2) != 0) {
        return wb__err(WB_ERR_INVAL,
                       "request: recipient.country %s differs from server "
                       "%s's registered country %s",
                       q->country, srv.id, srv.country);
    }
    if (wb_server_registered(&srv, q->date)) {
        q->facts |= WB_FACT_REGISTERED;
    }
    if (q->role == WB_ROLE_NONE) {
        q->role = srv.role;
    }
    if (q->mechanism < 0) {
        q->mechanism = wb_policy_mechanism_find(p, srv.mechanism.type);
        snprintf(q->reference, sizeof q->reference, "%s",
                 srv.mechanism.reference);
        q->has_valid_until = true;
        q->valid_until = srv.mechanism.valid_until;
    }
    return WB_OK;
}

/* Add this transfer's subjects (inside the open batch) and read the
 * site's counts into q. */
static wb_err
count(struct wb_site *s,
      struct wb_policy_request *q,
      const char *const *subjects,
      size_t n,
      uint64_t entry,
      struct wb_site_decision *out)
{
    int year = year_of(q->date);
    bool personal = (q->classes & WB_CLASS_PERSONAL) != 0;
    bool sensitive = (q->classes & WB_CLASS_SENSITIVE_PERSONAL) != 0;
    wb_err rc = WB_OK;

    out->subjects_new = 0;
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        bool a = false, b = false;
        if (personal) {
            rc = wb_site_tally_add(s, q->exporter, year, false, subjects[i],
                                   entry, &a);
        }
        if (rc == WB_OK && sensitive) {
            rc = wb_site_tally_add(s, q->exporter, year, true, subjects[i],
                                   entry, &b);
        }
        out->subjects_new += a || b;
    }
    if (rc == WB_OK) {
        rc = wb_site_tally_count(s, q->exporter, year, false,
                                 &out->subjects_site);
    }
    if (rc == WB_OK) {
        rc = wb_site_tally_count(s, q->exporter, year, true,
                                 &out->sensitive_site);
    }
    if (rc == WB_OK) {
        if (out->subjects_site > q->subjects_ytd) {
            q->subjects_ytd = out->subjects_site;
        }
        if (out->sensitive_site > q->sensitive_subjects_ytd) {
            q->sensitive_subjects_ytd = out->sensitive_site;
        }
    }
    return rc;
}

static const char *
strongest_class(uint32_t classes)
{
    return classes & WB_CLASS_IMPORTANT            ? "important"
           : classes & WB_CLASS_SENSITIVE_PERSONAL ? "sensitive-personal"
           : classes & WB_CLASS_PERSONAL           ? "personal"
                                                   : "non-personal";
}

/* The decision entry's payload: the request as received, the decision,
 * and the counts it used. */
static wb_err
payload(const char *json,
        size_t len,
        const struct wb_site_decision *d,
        char **out)
{
    json_t *req = json_loadb(json, len, 0, NULL);
    char *dec = NULL;
    json_t *o = NULL;
    wb_err rc = wb_policy_decision_json(&d->decision, true, &dec);

    if (rc == WB_OK) {
        o = json_pack("{s:o, s:o, s:{s:I, s:I, s:I}}", "request", req,
                      "decision", json_loads(dec, 0, NULL), "counted",
                      "subjects_new", (json_int_t)d->subjects_new,
                      "subjects_ytd", (json_int_t)d->request.subjects_ytd,
                      "sensitive_subjects_ytd",
                      (json_int_t)d->request.sensitive_subjects_ytd);
        req = NULL;
        rc = o ? wb__json_dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER, out)
               : WB_ERR_NOMEM;
    }
    json_decref(req);
    json_decref(o);
    wb__free(dec);
    return rc;
}

wb_err
wb_site_decide(struct wb_site *s,
               const struct wb_policy *p,
               const char *json,
               size_t len,
               const char *const *subjects,
               size_t subject_count,
               bool record,
               struct wb_site_decision *out)
{
    struct wb_policy_request *q = &out->request;
    struct wb_append e;
    const char *purpose = NULL;
    char *doc = NULL;
    bool allowed;
    wb_err rc;

    memset(out, 0, sizeof *out);
    memset(&e, 0, sizeof e);
    rc = wb_policy_request_parse(p, json, len, q);
    if (rc == WB_OK) {
        rc = resolve_server(s, p, q);
    }
    if (rc == WB_OK && record && !(q->facts & WB_FACT_REGISTERED)) {
        rc = wb__err(WB_ERR_DENIED,
                     q->server[0] ? "server %s is not registered and active "
                                    "on the request date"
                                  : "a recorded transfer must name its "
                                    "registered server (recipient.server)%s",
                     q->server);
    }
    /* first pass: count this transfer's subjects, decide, roll back */
    if (rc == WB_OK) {
        rc = wb_site_begin(s);
    }
    if (rc == WB_OK) {
        rc = count(s, q, subjects, subject_count, wb_site_size(s), out);
        wb_site_rollback(s);
    }
    if (rc == WB_OK) {
        rc = wb_policy_decide(p, q, &out->decision);
    }
    if (rc != WB_OK || !record) {
        return rc;
    }
    /* second pass: log the decision; keep the tally only for an allow */
    allowed = out->decision.decision == WB_ALLOW ||
              out->decision.decision == WB_ALLOW_WITH_OBLIGATIONS;
    rc = wb_site_begin(s);
    if (rc == WB_OK && allowed) {
        struct wb_site_decision again = *out;
        rc = count(s, &again.request, subjects, subject_count, wb_site_size(s),
                   &again);
    }
    if (rc == WB_OK) {
        rc = payload(json, len, out, &doc);
    }
    if (rc == WB_OK) {
        purpose =
            q->purpose >= 0 ? wb_policy_purpose_name(p, q->purpose) : NULL;
        e.claims.kind = "decision";
        e.claims.sub = q->server[0] ? q->server : NULL;
        e.claims.jurisdiction = q->exporter;
        e.claims.data_class = strongest_class(q->classes);
        e.claims.purposes = purpose ? &purpose : NULL;
        e.claims.purpose_count = purpose ? 1 : 0;
        e.claims.media = "application/json";
        e.payload = (const uint8_t *)doc;
        e.payload_len = strlen(doc);
        rc = wb_site_append(s, &e, &out->entry);
    }
    if (rc == WB_OK) {
        rc = wb_site_commit(s);
    } else {
        wb_site_rollback(s);
    }
    out->recorded = rc == WB_OK;
    wb__free(doc);
    return rc;
}
