/* SPDX-License-Identifier: Apache-2.0 */
/* Deciding a transfer at a site: registry lookup, subject tallies, the
 * policy decision, and the logged "decision" entry. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include <waybill/decision.h>
#include <waybill/server.h>

#include "govern/govern_int.h"

/* Who decides a refusal the profiles did not make, and why. */
static const char refusing_profile[] = "site-registry";
static const char refuse_unregistered[] =
    "site-registry: the named server is not registered and active on the "
    "request date; data leaves only for a registered server";
static const char refuse_unnamed[] =
    "site-registry: the request names no server; a recorded transfer names "
    "its registered server (recipient.server)";

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
    if (q->mechanism >= 0 &&
        q->mechanism != wb_policy_mechanism_find(p, srv.mechanism.type)) {
        /* as for the country: the transfer goes under the server's
         * registered mechanism, which a request cannot swap for another */
        const char *named = wb_policy_mechanism_name(p, q->mechanism);
        return wb__err(WB_ERR_INVAL,
                       "request: mechanism.type %s differs from server %s's "
                       "registered mechanism %s",
                       named ? named : "(unknown)", srv.id, srv.mechanism.type);
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

/* The cites of the policy files as a JSON array. */
static json_t *
cites_json(const struct wb_policy_cite *c, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        json_t *o =
            json_pack("{s:s, s:o, s:I, s:I, s:s}", "id", c[i].id, "profile",
                      c[i].profile[0] ? json_string(c[i].profile) : json_null(),
                      "version", (json_int_t)c[i].version, "entry",
                      (json_int_t)c[i].entry, "sha256", c[i].sha256);
        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

/* The decision entry's payload: the request as received, the decision,
 * the counts it used and the policy files it rests on. */
static wb_err
payload(const char *json,
        size_t len,
        const struct wb_site_decision *d,
        const struct wb_policy_cite *cites,
        size_t cite_count,
        char **out)
{
    json_t *req = json_loadb(json, len, 0, NULL);
    char *dec = NULL;
    json_t *o = NULL;
    wb_err rc = wb_policy_decision_json(&d->decision, true, &dec);

    if (rc == WB_OK) {
        o = json_pack("{s:o, s:o, s:{s:I, s:I, s:I}, s:b, s:o}", "request", req,
                      "decision", json_loads(dec, 0, NULL), "counted",
                      "subjects_new", (json_int_t)d->subjects_new,
                      "subjects_ytd", (json_int_t)d->request.subjects_ytd,
                      "sensitive_subjects_ytd",
                      (json_int_t)d->request.sensitive_subjects_ytd, "refused",
                      d->refused, "policy", cites_json(cites, cite_count));
        req = NULL;
        rc = o ? wb__json_dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER, out)
               : WB_ERR_NOMEM;
    }
    json_decref(req);
    json_decref(o);
    wb__free(dec);
    return rc;
}

/* A recorded transfer goes only to a named server registered and active on
 * the request date: otherwise the decision becomes a deny, with why. */
static void
refuse_unless_registered(struct wb_site_decision *out)
{
    struct wb_policy_decision *d = &out->decision;
    const struct wb_policy_request *q = &out->request;

    if (q->facts & WB_FACT_REGISTERED) {
        return;
    }
    out->refused = true;
    if (d->decision != WB_DENY) {
        d->decision = WB_DENY;
        d->profile = refusing_profile;
        d->mechanism_count = 0;
        d->obligation_count = 0;
    }
    if (d->reason_count < WB_POLICY_REASONS_MAX) {
        d->reasons[d->reason_count++] =
            q->server[0] ? refuse_unregistered : refuse_unnamed;
    }
}

/* Log the decision in out (and, for an allow, its subjects) in one
 * transaction with the policy files it cites. */
static wb_err
record_decision(struct wb_site *s,
                const struct wb_policy *p,
                const char *json,
                size_t len,
                const char *const *subjects,
                size_t subject_count,
                struct wb_site_decision *out)
{
    const struct wb_policy_request *q = &out->request;
    size_t n = wb_policy_source_count(p);
    struct wb_policy_cite *cites = wb__calloc(n ? n : 1, sizeof *cites);
    const char *purpose =
        q->purpose >= 0 ? wb_policy_purpose_name(p, q->purpose) : NULL;
    bool allowed = out->decision.decision == WB_ALLOW ||
                   out->decision.decision == WB_ALLOW_WITH_OBLIGATIONS;
    struct wb_append e;
    char *doc = NULL;
    wb_err rc = cites != NULL ? wb_site_begin(s) : WB_ERR_NOMEM;

    if (rc == WB_OK) {
        rc = wb__policy_log_in_batch(s, p, cites, &out->policy_added);
    }
    if (rc == WB_OK && allowed) {
        struct wb_site_decision again = *out;
        rc = count(s, &again.request, subjects, subject_count, wb_site_size(s),
                   &again);
    }
    if (rc == WB_OK) {
        rc = payload(json, len, out, cites, n, &doc);
    }
    if (rc == WB_OK) {
        memset(&e, 0, sizeof e);
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
    } else if (cites != NULL) {
        wb_site_rollback(s);
    }
    out->recorded = rc == WB_OK;
    if (rc != WB_OK) {
        out->policy_added = 0;
    }
    wb__free(doc);
    wb__free(cites);
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
    wb_err rc;

    memset(out, 0, sizeof *out);
    rc = wb_policy_request_parse(p, json, len, q);
    if (rc == WB_OK) {
        rc = resolve_server(s, p, q);
    }
    /* count this transfer's subjects, decide, roll the count back */
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
    refuse_unless_registered(out);
    return record_decision(s, p, json, len, subjects, subject_count, out);
}
