/* SPDX-License-Identifier: Apache-2.0 */
/* Reports from a site built with known records, erasures, inferences,
 * consents (some logged on past dates), servers, recorded decisions (allowed,
 * denied, refused for each reason), a transfer and maintenance sessions:
 * exact counts for the whole log and for periods, the log state each
 * report covers, counts-only reports, the text form, and bad periods and
 * names refused. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "tinytest.h"

static char dir[64];

static const char vocabulary[] =
    "{\"purpose\":\"service-provision\",\"label\":\"Provide\"}\n"
    "{\"purpose\":\"predictive-maintenance\",\"parent\":\"service-provision\","
    "\"label\":\"Predict\"}\n";

/* More than 100 individuals this year needs a contract; else allowed. */
static const char profile[] =
    "{\"profile\":\"test-de\",\"version\":\"1\",\"title\":\"test\","
    "\"applies_to\":[\"DE\"],\"effective\":\"2020-01-01\","
    "\"strategy\":\"first-match\",\"default_cite\":[\"Test Art. 1\"]}\n"
    "{\"mechanism\":\"scc\",\"needs_reference\":true,\"cite\":[\"Test Art. "
    "2\"]}\n"
    "{\"rule\":\"volume\",\"if\":{\"data.subjects_ytd\":{\"gt\":100}},"
    "\"decision\":\"require_mechanism\",\"mechanisms\":[\"scc\"],"
    "\"cite\":[\"Test Art. 3\"],\"reason\":\"over 100 individuals\"}\n"
    "{\"rule\":\"all\",\"decision\":\"allow\",\"cite\":[\"Test Art. 4\"],"
    "\"reason\":\"test\"}\n";

static int32_t
day(const char *s)
{
    int32_t d = 0;

    TT_CHECK(wb_date_parse(s, &d) == WB_OK);
    return d;
}

static int64_t
at(const char *date)
{
    return (int64_t)day(date) * 86400 + 3600;
}

/* A record of the given claims logged on date. */
static void
record(struct wb_site *s,
       const char *date,
       const char *cls,
       const char *cc,
       const char *const *purposes,
       size_t np,
       const char *const *residency,
       size_t nr,
       const char *consent)
{
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.sub = "press-1";
    e.claims.iat = at(date);
    e.claims.data_class = cls;
    e.claims.jurisdiction = cc;
    e.claims.purposes = purposes;
    e.claims.purpose_count = np;
    e.claims.residency_local_only = residency == NULL && nr == 1;
    e.claims.residency = residency;
    e.claims.residency_count = residency ? nr : 0;
    e.claims.consent_id = consent;
    e.claims.consent_version = consent ? 1 : 0;
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)"{\"t\":1}";
    e.payload_len = 7;
    TT_CHECK_MSG(wb_site_append(s, &e, NULL) == WB_OK, "%s", wb_errmsg());
}

static void
inference(struct wb_site *s, const char *date)
{
    static const uint8_t parents[3][WB_HASH_BYTES] = {{1}, {2}, {3}};
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = "inference";
    e.claims.parents = parents; /* three outputs in this record */
    e.claims.parent_count = 3;
    e.claims.iat = at(date);
    e.claims.data_class = "non-personal";
    e.claims.has_model = 1;
    memset(e.claims.model, 0xab, WB_HASH_BYTES);
    TT_CHECK(wb_site_append(s, &e, NULL) == WB_OK);
}

/* A register document (kind = register) logged on date. */
static void
put_doc(struct wb_site *s,
        const char *reg,
        const char *id,
        uint32_t version,
        const char *date,
        const char *sub,
        const char *doc)
{
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = reg;
    e.claims.sub = sub;
    e.claims.iat = at(date);
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    TT_CHECK_MSG(wb_site_register_put(s, &e, id, version, NULL) == WB_OK,
                 "%s %s: %s", reg, id, wb_errmsg());
}

/* A consent version logged on a past date, as the library writes it. */
static void
past_consent(struct wb_site *s,
             const char *id,
             uint32_t version,
             enum wb_consent_status st,
             const char *date,
             const char *expires)
{
    static const struct wb_consent_purpose flags[] = {
        {"predictive-maintenance", true}};
    struct wb_consent c;
    char *doc = NULL;

    memset(&c, 0, sizeof c);
    c.id = id;
    c.version = version;
    c.replaces = version - 1;
    c.state = st;
    c.subject = "subj-past";
    c.controller = "Acme GmbH";
    c.purposes = flags;
    c.purpose_count = 1;
    c.jurisdiction = "DE";
    c.has_expires = expires != NULL;
    c.expires = expires ? day(expires) : 0;
    c.recorded = at(date);
    c.by = "subj-past";
    c.reason = version > 1 ? "objected" : NULL;
    TT_CHECK_MSG(wb_consent_to_json(&c, &doc) == WB_OK, "%s", wb_errmsg());
    if (doc != NULL) {
        put_doc(s, "consent", id, version, date, NULL, doc);
    }
    wb_free(doc);
}

static void
consents(struct wb_site *s)
{
    static const struct wb_consent_purpose two[] = {
        {"predictive-maintenance", true}, {"service-provision", true}};
    static const char *const ids[] = {"c-1", "c-2", "c-3", "c-4", "c-5", "c-6"};
    struct wb_consent c;

    for (size_t i = 0; i < 6; i++) {
        memset(&c, 0, sizeof c);
        c.id = ids[i];
        c.state = i == 3 ? WB_CONSENT_REQUESTED : WB_CONSENT_GIVEN;
        c.subject = "subj-1";
        c.controller = "Acme GmbH";
        c.purposes = two;
        c.purpose_count = 2;
        c.jurisdiction = "DE";
        c.has_expires = true;
        c.expires = day("2099-12-31");
        TT_CHECK_MSG(wb_consent_grant(s, NULL, &c, NULL) == WB_OK, "%s",
                     wb_errmsg());
    }
    TT_CHECK(wb_consent_withdraw(s, "c-2", NULL, "objected", NULL) == WB_OK);
    TT_CHECK(wb_consent_withdraw(s, "c-3", "service-provision", "no", NULL) ==
             WB_OK);
    TT_CHECK(wb_consent_allow(s, NULL, "c-3", "service-provision", NULL,
                              NULL) == WB_OK);
    TT_CHECK(wb_consent_answer(s, "c-4", false, NULL) == WB_OK);
    TT_CHECK(wb_consent_renew(s, "c-5", NULL, NULL) == WB_OK);
    TT_CHECK(wb_consent_revoke(s, "c-6", "contract ended", NULL) == WB_OK);
    /* logged in the past: given in February, withdrawn in August */
    past_consent(s, "c-7", 1, WB_CONSENT_GIVEN, "2026-02-01", NULL);
    past_consent(s, "c-7", 2, WB_CONSENT_WITHDRAWN, "2026-08-01", NULL);
    /* given in February, expired after March */
    past_consent(s, "c-8", 1, WB_CONSENT_GIVEN, "2026-02-01", "2026-03-31");
}

static void
server(struct wb_site *s, const char *id, const char *until)
{
    char doc[512];
    struct wb_server srv;

    snprintf(doc, sizeof doc,
             "{\"id\":\"%s\",\"endpoint\":\"https://us.example.com/in\","
             "\"operator\":\"Example Inc\",\"country\":\"US\",\"role\":"
             "\"processor\",\"registration\":\"REG-1\",\"mechanism\":{"
             "\"type\":\"scc\",\"reference\":\"SCC-7\",\"valid_until\":"
             "\"%s\"}}",
             id, until);
    TT_CHECK(wb_server_from_json(doc, strlen(doc), &srv) == WB_OK);
    TT_CHECK_MSG(wb_server_register(s, &srv, NULL) == WB_OK, "%s", wb_errmsg());
}

/* Record a decision DE -> US via server (NULL: none named) on date. */
static void
decide(struct wb_site *s,
       const struct wb_policy *p,
       const char *server_id,
       const char *date,
       int ytd,
       const char *const *subjects,
       size_t n)
{
    char req[512];
    struct wb_site_decision d;
    int len = snprintf(
        req, sizeof req,
        "{\"exporter\":{\"jurisdiction\":\"DE\"},\"recipient\":{"
        "\"country\":\"US\"%s%s%s},\"data\":{\"classes\":[\"personal\"],"
        "\"subjects_ytd\":%d},\"purpose\":\"predictive-maintenance\","
        "\"date\":\"%s\"}",
        server_id ? ",\"server\":\"" : "", server_id ? server_id : "",
        server_id ? "\"" : "", ytd, date);

    TT_CHECK_MSG(
        wb_site_decide(s, p, req, (size_t)len, subjects, n, true, &d) == WB_OK,
        "%s", wb_errmsg());
}

static void
transfers(struct wb_site *s)
{
    static const char *const ab[] = {"a", "b"};
    static const char *const bc[] = {"b", "c"};
    const char *names[] = {"purposes.jsonl", "test-de.jsonl"};
    const char *texts[] = {vocabulary, profile};
    size_t lens[] = {strlen(vocabulary), strlen(profile)};
    struct wb_policy *p = NULL;
    uint8_t parents[3][WB_HASH_BYTES];
    struct wb_append e;

    TT_CHECK_MSG(wb_policy_load(names, texts, lens, 2, &p) == WB_OK, "%s",
                 wb_errmsg());
    if (p == NULL) {
        return;
    }
    server(s, "srv-us-1", "2030-12-31");
    server(s, "srv-sus", "2030-12-31");
    server(s, "srv-exp", "2027-01-31");
    TT_CHECK(wb_server_set_status(s, "srv-sus", WB_SERVER_SUSPENDED, "audit",
                                  NULL) == WB_OK);
    decide(s, p, "srv-us-1", "2026-11-22", 0, ab, 2);   /* allow, 2 new */
    decide(s, p, "srv-us-1", "2026-11-22", 0, bc, 2);   /* allow, 1 new */
    decide(s, p, "srv-us-1", "2026-11-22", 500, bc, 2); /* needs a contract */
    decide(s, p, "srv-sus", "2026-11-22", 0, NULL, 0);  /* suspended */
    decide(s, p, "srv-none", "2026-11-22", 0, NULL, 0); /* unregistered */
    decide(s, p, NULL, "2026-11-22", 0, NULL, 0);       /* unnamed */
    decide(s, p, "srv-exp", "2027-03-01", 0, NULL, 0);  /* expired */
    wb_policy_free(p);
    memset(&e, 0, sizeof e);
    memset(parents, 1, sizeof parents);
    e.claims.kind = "transfer";
    e.claims.sub = "srv-us-1";
    e.claims.data_class = "personal";
    e.claims.parents = (const uint8_t(*)[WB_HASH_BYTES])parents;
    e.claims.parent_count = 3;
    TT_CHECK(wb_site_append(s, &e, NULL) == WB_OK);
}

static void
maintenance(struct wb_site *s)
{
    put_doc(s, "maint", "ms-1", 1, "2026-03-02", "press-1",
            "{\"by\":\"k1\",\"device\":\"press-1\",\"event\":\"start\","
            "\"reason\":\"bearing\",\"recorded\":\"2026-03-02T01:00:00Z\","
            "\"session\":\"ms-1\",\"step\":1,\"technician\":\"t-1\"}");
    put_doc(s, "maint", "ms-1", 2, "2026-03-02", "press-1",
            "{\"event\":\"event\",\"type\":\"command\",\"session\":\"ms-1\"}");
    put_doc(s, "maint", "ms-1", 3, "2026-03-02", "press-1",
            "{\"event\":\"event\",\"type\":\"ota\",\"session\":\"ms-1\"}");
    put_doc(s, "maint", "ms-1", 4, "2026-03-03", "press-1",
            "{\"event\":\"end\",\"reason\":\"done\",\"recorded\":"
            "\"2026-03-03T01:00:00Z\",\"session\":\"ms-1\"}");
    put_doc(s, "maint", "ms-2", 1, "2026-07-01", "press-2",
            "{\"by\":\"k2\",\"device\":\"press-2\",\"event\":\"start\","
            "\"recorded\":\"2026-07-01T01:00:00Z\",\"session\":\"ms-2\","
            "\"step\":1,\"technician\":\"t-2\"}");
    put_doc(s, "maint", "ms-2", 2, "2026-07-01", "press-2",
            "{\"event\":\"event\",\"type\":\"command\",\"session\":\"ms-2\"}");
}

/* Report k for [from, to) (NULL = open) as parsed JSON. */
static json_t *
report(struct wb_site *s,
       enum wb_report_kind k,
       const char *from,
       const char *to,
       unsigned flags)
{
    struct wb_report_period p = {from != NULL, from ? day(from) : 0, to != NULL,
                                 to ? day(to) : 0};
    struct wb_report *r = NULL;
    char *text = NULL;
    json_t *j = NULL;
    wb_err rc = wb_report_make(s, k, &p, flags, &r);

    TT_CHECK_MSG(rc == WB_OK, "report %s: %s", wb_report_name(k), wb_errmsg());
    if (rc == WB_OK && wb_report_json(r, true, &text) == WB_OK) {
        j = json_loads(text, 0, NULL);
    }
    TT_CHECK(j != NULL);
    wb_free(text);
    wb_report_free(r);
    return j;
}

/* The integer at a dotted path of j (-1 when missing). */
static long long
num(json_t *j, const char *path)
{
    char buf[256];
    char *save = NULL;
    json_t *v = j;

    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && v;
         k = strtok_r(NULL, ".", &save)) {
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k))
                             : json_object_get(v, k);
    }
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

#define NUM(j, path, want)                                                     \
    TT_CHECK_MSG(num(j, path) == (long long)(want), "%s = %lld, want %lld",    \
                 path, num(j, path), (long long)(want))

static void
test_records(struct wb_site *s)
{
    json_t *j = report(s, WB_REPORT_RECORDS, NULL, NULL, 0);
    json_t *m = json_object_get(json_object_get(j, "inferences"), "by_model");
    json_t *c;

    NUM(j, "entries.total", wb_site_size(s));
    NUM(j, "entries.by_kind.record", 6);
    NUM(j, "entries.by_kind.maint", 6);
    NUM(j, "records.total", 6);
    NUM(j, "records.with_consent", 2);
    NUM(j, "records.by_class.non-personal", 3);
    NUM(j, "records.by_class.personal", 2);
    NUM(j, "records.by_class.important", 1);
    NUM(j, "records.by_class.sensitive-personal", 0);
    NUM(j, "records.by_jurisdiction.CN", 3);
    NUM(j, "records.by_jurisdiction.DE", 2);
    NUM(j, "records.by_jurisdiction.none", 1);
    NUM(j, "records.by_residency.local-only", 3);
    NUM(j, "records.by_residency.unrestricted", 1);
    NUM(j, "records.by_residency.allowed.DE,FR", 2);
    NUM(j, "records.by_purpose.predictive-maintenance", 5);
    NUM(j, "records.by_purpose.service-provision", 2);
    NUM(j, "records.by_purpose.none", 1);
    NUM(j, "erasures.total", 3);
    NUM(j, "erasures.by_reason.two\nlines", 1);
    NUM(j, "erasures.by_reason.retention expired", 1);
    NUM(j, "erasures.by_reason.subject request", 1);
    NUM(j, "inferences.total", 2);
    NUM(j, "inferences.outputs", 6);
    TT_CHECK(json_array_size(m) == 1);
    TT_CHECK(json_is_null(json_object_get(json_array_get(m, 0), "model")));
    NUM(j, "inferences.by_model.0.inferences", 2);
    json_decref(j);

    /* March only: the three CN records; erasures and inferences later */
    j = report(s, WB_REPORT_RECORDS, "2026-03-01", "2026-04-01", 0);
    NUM(j, "records.total", 3);
    NUM(j, "records.by_class.non-personal", 3);
    NUM(j, "records.by_class.personal", 0);
    NUM(j, "erasures.total", 0);
    NUM(j, "inferences.total", 0);
    NUM(j, "entries.total", 7); /* three records, four maintenance steps */
    json_decref(j);
    /* April */
    j = report(s, WB_REPORT_RECORDS, "2026-04-01", "2026-05-01", 0);
    NUM(j, "records.total", 2);
    NUM(j, "records.with_consent", 2);
    NUM(j, "inferences.total", 2);
    json_decref(j);
    /* counts only: no reasons */
    j = report(s, WB_REPORT_RECORDS, NULL, NULL, WB_REPORT_COUNTS_ONLY);
    c = json_object_get(j, "erasures");
    NUM(j, "erasures.total", 3);
    TT_CHECK(json_object_get(c, "by_reason") == NULL);
    TT_CHECK(
        strcmp(json_string_value(json_object_get(j, "detail")), "counts") == 0);
    json_decref(j);
}

static void
test_transfers(struct wb_site *s)
{
    json_t *j = report(s, WB_REPORT_TRANSFERS, NULL, NULL, 0);
    json_t *srv = json_object_get(j, "by_server");
    json_t *us = json_array_get(srv, 4);
    json_t *att = json_object_get(j, "refused_attempts");
    json_t *none = json_array_get(srv, 2);

    NUM(j, "decisions", 7);
    NUM(j, "permitted", 2);
    NUM(j, "denied", 1);
    NUM(j, "refused", 4);
    NUM(j, "unreadable", 0);
    NUM(j, "outcomes.allow", 2);
    NUM(j, "outcomes.require_mechanism", 1);
    NUM(j, "outcomes.deny", 4);
    NUM(j, "outcomes.allow_with_obligations", 0);
    TT_CHECK(json_array_size(srv) == 5);
    /* sorted: unnamed first, then by id */
    TT_CHECK(json_is_null(json_object_get(json_array_get(srv, 0), "server")));
    TT_CHECK(strcmp(json_string_value(json_object_get(us, "server")),
                    "srv-us-1") == 0);
    TT_CHECK(strcmp(json_string_value(json_object_get(us, "operator")),
                    "Example Inc") == 0);
    TT_CHECK(strcmp(json_string_value(json_object_get(us, "country")), "US") ==
             0);
    NUM(us, "decisions", 3);
    NUM(us, "permitted", 2);
    NUM(us, "denied", 1);
    NUM(us, "refused", 0);
    NUM(us, "mechanisms.scc", 3);
    NUM(us, "subjects_counted", 3);
    NUM(us, "transfers", 1);
    NUM(us, "records_sent", 3);
    TT_CHECK(strcmp(json_string_value(json_object_get(none, "server")),
                    "srv-none") == 0);
    TT_CHECK(json_is_null(json_object_get(none, "operator")));
    NUM(none, "mechanisms.none", 1);
    NUM(none, "refused", 1);
    NUM(j, "by_mechanism.scc.decisions", 5);
    NUM(j, "by_mechanism.scc.refused", 2);
    NUM(j, "by_mechanism.none.refused", 2);
    NUM(j, "refused_by_reason.unregistered", 1);
    NUM(j, "refused_by_reason.suspended", 1);
    NUM(j, "refused_by_reason.expired", 1);
    NUM(j, "refused_by_reason.unnamed", 1);
    TT_CHECK(json_array_size(att) == 4);
    json_decref(j);

    /* a period before any decision */
    j = report(s, WB_REPORT_TRANSFERS, "2026-01-01", "2026-06-01", 0);
    NUM(j, "decisions", 0);
    TT_CHECK(json_array_size(json_object_get(j, "by_server")) == 0);
    json_decref(j);
    /* counts only: no list of attempts */
    j = report(s, WB_REPORT_TRANSFERS, NULL, NULL, WB_REPORT_COUNTS_ONLY);
    NUM(j, "refused", 4);
    TT_CHECK(json_object_get(j, "refused_attempts") == NULL);
    json_decref(j);
}

static void
test_consents(struct wb_site *s)
{
    json_t *j = report(s, WB_REPORT_CONSENTS, NULL, NULL, 0);

    NUM(j, "consents", 8);
    NUM(j, "by_state.given", 2); /* c-1, c-3 */
    NUM(j, "by_state.withdrawn", 2);
    NUM(j, "by_state.refused", 1);
    NUM(j, "by_state.renewed", 1);
    NUM(j, "by_state.revoked", 1);
    NUM(j, "by_state.expired", 1); /* c-8 */
    NUM(j, "by_state.requested", 0);
    NUM(j, "changes.granted", 7);
    NUM(j, "changes.requested", 1);
    NUM(j, "changes.refused", 1);
    NUM(j, "changes.withdrawn", 2);
    NUM(j, "changes.purpose_withdrawn", 1);
    NUM(j, "changes.purpose_granted", 1);
    NUM(j, "changes.renewed", 1);
    NUM(j, "changes.revoked", 1);
    NUM(j, "changes.expired", 1);
    NUM(j, "changes.other", 0);
    json_decref(j);

    /* as of June: c-7 given, c-8 expired; granted in the period */
    j = report(s, WB_REPORT_CONSENTS, "2026-01-01", "2026-06-01", 0);
    TT_CHECK(strcmp(json_string_value(json_object_get(j, "state_date")),
                    "2026-06-01") == 0);
    NUM(j, "consents", 2);
    NUM(j, "by_state.given", 1);
    NUM(j, "by_state.expired", 1);
    NUM(j, "by_state.withdrawn", 0);
    NUM(j, "changes.granted", 2);
    NUM(j, "changes.expired", 1);
    NUM(j, "changes.withdrawn", 0);
    json_decref(j);
    /* June to September: c-7 withdrawn in it */
    j = report(s, WB_REPORT_CONSENTS, "2026-06-01", "2026-09-01", 0);
    NUM(j, "consents", 2);
    NUM(j, "by_state.withdrawn", 1);
    NUM(j, "changes.withdrawn", 1);
    NUM(j, "changes.granted", 0);
    NUM(j, "changes.expired", 0);
    json_decref(j);
}

static void
test_maintenance(struct wb_site *s)
{
    json_t *j = report(s, WB_REPORT_MAINTENANCE, NULL, NULL, 0);
    json_t *l = json_object_get(j, "session_list");
    json_t *first = json_array_get(l, 0);

    NUM(j, "sessions", 2);
    NUM(j, "open", 1);
    NUM(j, "ended", 1);
    NUM(j, "events", 3);
    NUM(j, "by_device.press-1", 1);
    NUM(j, "by_device.press-2", 1);
    TT_CHECK(json_array_size(l) == 2);
    TT_CHECK(strcmp(json_string_value(json_object_get(first, "session")),
                    "ms-1") == 0);
    TT_CHECK(strcmp(json_string_value(json_object_get(first, "technician")),
                    "t-1") == 0);
    TT_CHECK(strcmp(json_string_value(json_object_get(first, "ended")),
                    "2026-03-03T01:00:00Z") == 0);
    NUM(first, "events", 2);
    TT_CHECK(json_is_null(
        json_object_get(json_array_get(l, 1), "ended"))); /* ms-2 is open */
    json_decref(j);

    j = report(s, WB_REPORT_MAINTENANCE, "2026-04-01", "2026-06-01", 0);
    NUM(j, "sessions", 0);
    json_decref(j);
    j = report(s, WB_REPORT_MAINTENANCE, "2026-03-03", "2026-03-04", 0);
    NUM(j, "sessions", 1); /* ms-1 ended that day */
    NUM(j, "ended", 1);
    json_decref(j);
    j = report(s, WB_REPORT_MAINTENANCE, "2026-06-01", NULL, 0);
    NUM(j, "sessions", 1);
    NUM(j, "open", 1);
    json_decref(j);
    j = report(s, WB_REPORT_MAINTENANCE, NULL, NULL, WB_REPORT_COUNTS_ONLY);
    NUM(j, "sessions", 2);
    TT_CHECK(json_object_get(j, "session_list") == NULL);
    json_decref(j);
}

/* The log state a report covers, its key order and text, bad input. */
static void
test_header(struct wb_site *s)
{
    static const char head[] = "{\"report\":\"records\",\"origin\":"
                               "\"report.waybill.example\",\"made\":\"";
    struct wb_report_period bad = {true, day("2026-05-01"), true,
                                   day("2026-05-01")};
    enum wb_report_kind k = WB_REPORT_RECORDS;
    struct wb_report *r = NULL;
    uint8_t root[WB_HASH_BYTES];
    char hex[2 * WB_HASH_BYTES + 1];
    char *cp = NULL;
    char *text = NULL;
    uint64_t size = wb_site_size(s);
    json_t *j = report(s, WB_REPORT_TRANSFERS, NULL, NULL, 0);

    TT_CHECK(json_is_null(
        json_object_get(json_object_get(j, "log"), "checkpoint_size")));
    NUM(j, "log.size", size);
    TT_CHECK(wb_site_root(s, size, root) == WB_OK);
    wb_hex_encode(root, WB_HASH_BYTES, hex);
    TT_CHECK(strcmp(json_string_value(
                        json_object_get(json_object_get(j, "log"), "root")),
                    hex) == 0);
    json_decref(j);
    TT_CHECK(wb_site_checkpoint(s, size - 3, &cp) == WB_OK);
    wb_free(cp);
    j = report(s, WB_REPORT_RECORDS, NULL, NULL, 0);
    NUM(j, "log.checkpoint_size", size - 3);
    NUM(j, "log.size", size);
    json_decref(j);

    TT_CHECK(wb_report_make(s, WB_REPORT_RECORDS, NULL, 0, &r) == WB_OK);
    TT_CHECK(wb_report_json(r, true, &text) == WB_OK);
    TT_CHECK(text != NULL && strncmp(text, head, strlen(head)) == 0);
    TT_CHECK(text != NULL && strstr(text, "\"period\":{\"from\":null,\"to\":"
                                          "null},\"log\":{\"size\":") != NULL);
    wb_free(text);
    TT_CHECK(wb_report_text(r, &text) == WB_OK);
    TT_CHECK(text != NULL && strncmp(text, "report: records\n", 16) == 0);
    TT_CHECK(text != NULL &&
             strstr(text, "\n  by_class:\n    non-personal: 3\n") != NULL);
    TT_CHECK(text != NULL &&
             strstr(text, "\n    allowed:\n      DE,FR: 2\n") != NULL);
    TT_CHECK(text != NULL && strstr(text, "\n    two\\x0alines: 1\n") != NULL);
    TT_CHECK(text != NULL &&
             strstr(text, "\n  by_model:\n    - model: -\n      digest: "
                          "abababab") != NULL);
    wb_free(text);
    wb_report_free(r);

    r = (struct wb_report *)&bad; /* must be reset on failure */
    TT_CHECK(wb_report_make(s, WB_REPORT_RECORDS, &bad, 0, &r) == WB_ERR_INVAL);
    TT_CHECK(r == NULL && strstr(wb_errmsg(), "before") != NULL);
    TT_CHECK(wb_report_parse("flows", &k) == WB_ERR_NOTFOUND);
    TT_CHECK(strstr(wb_errmsg(), "maintenance") != NULL);
    for (int i = 0; i < 4; i++) {
        TT_CHECK(wb_report_parse(wb_report_name((enum wb_report_kind)i), &k) ==
                     WB_OK &&
                 k == (enum wb_report_kind)i);
    }
    TT_CHECK(strcmp(wb_report_name((enum wb_report_kind)9), "?") == 0);
    wb_report_free(NULL);
}

static bool
stop_now(void *arg, uint64_t done, uint64_t total)
{
    (void)arg;
    (void)done;
    (void)total;
    return false;
}

/* What a progress callback saw, and when it asks to stop. */
struct watch {
    uint64_t calls, last_done, total, stop_at;
    bool in_order;
};

static bool
watch_progress(void *arg, uint64_t done, uint64_t total)
{
    struct watch *w = arg;

    if (w->calls == 0 ? done != 0 : done < w->last_done) {
        w->in_order = false;
    }
    w->calls++;
    w->last_done = done;
    w->total = total;
    return w->stop_at == 0 || done < w->stop_at;
}

/* wb_report_make_stoppable: the same report as wb_report_make, progress
 * from 0 through every entry of the log it covers; told to stop, it stops
 * there with WB_ERR_BUSY and no report; the registers' reports (no scan)
 * see one call. */
static void
test_stoppable(struct wb_site *s)
{
    struct wb_report *r = NULL;
    struct wb_report *plain = NULL;
    char *a = NULL;
    char *b = NULL;
    struct watch w = {0, 0, 0, 0, true};
    uint64_t size = wb_site_size(s);

    TT_CHECK(wb_report_make_stoppable(s, WB_REPORT_TRANSFERS, NULL, 0,
                                      watch_progress, &w, &r) == WB_OK);
    TT_CHECK(w.in_order && w.total == size);
    /* once with 0 when the size is fixed, then before each entry */
    TT_CHECK(w.calls == size + 1 && w.last_done == size - 1);
    TT_CHECK(wb_report_make(s, WB_REPORT_TRANSFERS, NULL, 0, &plain) == WB_OK);
    TT_CHECK(wb_report_json(r, true, &a) == WB_OK);
    TT_CHECK(wb_report_json(plain, true, &b) == WB_OK);
    /* equal but for the second they were made in */
    TT_CHECK(a != NULL && b != NULL && strlen(a) == strlen(b) &&
             strncmp(a, b, 60) == 0 &&
             strcmp(strstr(a, "\"period\""), strstr(b, "\"period\"")) == 0);
    wb_free(a);
    wb_free(b);
    wb_report_free(r);
    wb_report_free(plain);

    memset(&w, 0, sizeof w);
    w.in_order = true;
    w.stop_at = 3;
    r = (struct wb_report *)&w; /* must be reset */
    TT_CHECK(wb_report_make_stoppable(s, WB_REPORT_RECORDS, NULL, 0,
                                      watch_progress, &w, &r) == WB_ERR_BUSY);
    TT_CHECK(r == NULL && w.last_done == 3 && w.calls == 5);
    TT_CHECK(strstr(wb_errmsg(), "stopped after 3 of") != NULL);

    memset(&w, 0, sizeof w);
    w.in_order = true;
    TT_CHECK(wb_report_make_stoppable(s, WB_REPORT_CONSENTS, NULL, 0,
                                      watch_progress, &w, &r) == WB_OK);
    TT_CHECK(w.calls == 1 && w.total == size);
    wb_report_free(r);
    /* stopped before the body: a register's report too */
    w.stop_at = 0;
    w.calls = 0;
    TT_CHECK(wb_report_make_stoppable(s, WB_REPORT_MAINTENANCE, NULL, 0,
                                      stop_now, NULL, &r) == WB_ERR_BUSY);
    TT_CHECK(r == NULL);
}

/* A site with nothing but its first entries: every report, all zeros. */
static void
test_empty(void)
{
    char d2[96];
    struct wb_site *e = NULL;
    json_t *j;

    snprintf(d2, sizeof d2, "%.*s/empty", (int)(strlen(dir) - 5), dir);
    TT_CHECK(wb_site_create(d2, "empty.waybill.example", NULL, 0, &e) == WB_OK);
    if (e == NULL) {
        return;
    }
    j = report(e, WB_REPORT_TRANSFERS, NULL, NULL, 0);
    NUM(j, "decisions", 0);
    TT_CHECK(json_array_size(json_object_get(j, "by_server")) == 0);
    NUM(j, "log.size", wb_site_size(e));
    json_decref(j);
    j = report(e, WB_REPORT_RECORDS, NULL, NULL, 0);
    NUM(j, "records.total", 0);
    json_decref(j);
    j = report(e, WB_REPORT_CONSENTS, NULL, NULL, 0);
    NUM(j, "consents", 0);
    json_decref(j);
    j = report(e, WB_REPORT_MAINTENANCE, NULL, NULL, 0);
    NUM(j, "sessions", 0);
    TT_CHECK(json_array_size(json_object_get(j, "session_list")) == 0);
    json_decref(j);
    wb_site_close(e);
}

int
main(void)
{
    static const char *const pm[] = {"predictive-maintenance"};
    static const char *const both[] = {"predictive-maintenance",
                                       "service-provision"};
    static const char *const defr[] = {"DE", "FR"};
    struct wb_site *s = NULL;
    char cmd[96];
    uint64_t first = 0;

    snprintf(dir, sizeof dir, "/tmp/wbreport.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    strcat(dir, "/site");
    TT_CHECK(wb_site_create(dir, "report.waybill.example", NULL, 0, &s) ==
             WB_OK);
    if (s == NULL) {
        return TT_REPORT();
    }
    first = wb_site_size(s);
    for (int i = 0; i < 3; i++) {
        record(s, "2026-03-10", "non-personal", "CN", pm, 1, NULL, 1, NULL);
    }
    record(s, "2026-04-05", "personal", "DE", both, 2, defr, 2, "c-1");
    record(s, "2026-04-05", "personal", "DE", both, 2, defr, 2, "c-1");
    record(s, "2026-05-20", "important", NULL, NULL, 0, NULL, 0, NULL);
    inference(s, "2026-04-06");
    inference(s, "2026-04-06");
    TT_CHECK(wb_site_erase(s, first, "retention expired", NULL) == WB_OK);
    TT_CHECK(wb_site_erase(s, first + 3, "subject request", NULL) == WB_OK);
    TT_CHECK(wb_site_erase(s, first + 5, "two\nlines", NULL) == WB_OK);
    consents(s);
    transfers(s);
    maintenance(s);

    test_records(s);
    test_transfers(s);
    test_consents(s);
    test_maintenance(s);
    test_header(s);
    test_stoppable(s);
    test_empty();
    /* last, as it adds an erasure: a C1 control (U+009B, a terminal's
     * CSI) in free text is escaped in the text form */
    {
        struct wb_report *r = NULL;
        char *text = NULL;
        TT_CHECK(wb_site_erase(s, first + 1, "csi\xc2\x9b[2Jx", NULL) == WB_OK);
        TT_CHECK(wb_report_make(s, WB_REPORT_RECORDS, NULL, 0, &r) == WB_OK);
        TT_CHECK(wb_report_text(r, &text) == WB_OK);
        TT_CHECK(text != NULL && strstr(text, "csi\\u009b[2Jx: 1\n") != NULL);
        TT_CHECK(text != NULL && strstr(text, "\xc2\x9b") == NULL);
        wb_free(text);
        wb_report_free(r);
    }

    wb_site_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 5), dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    return TT_REPORT();
}
