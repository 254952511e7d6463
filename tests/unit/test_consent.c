/* SPDX-License-Identifier: Apache-2.0 */
/* Consent records through the public API: the strict document (round trip
 * and must-fail inputs), grant/answer/withdraw/renew/revoke as versions
 * chained by `replaces`, each version's document equal to its log entry's
 * payload, expiry by date, and the purpose check on logged records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <waybill/consent.h>
#include <waybill/waybill.h>

#include "tinytest.h"

static char dir[64];

#include "fake_clock.h"
static char today_s[11]; /* the real today, YYYY-MM-DD */

static int32_t
day(const char *s)
{
    int32_t d = 0;

    if (wb_date_parse(s, &d) != WB_OK) {
        fprintf(stderr, "bad test date %s\n", s);
        exit(1);
    }
    return d;
}

/* ---- documents ---------------------------------------------------------- */

static const char *const categories[] = {"telemetry", "dpv:pd:Location"};
static const char *const store[] = {"DE"};
static const char *const process[] = {"DE", "FR"};
static const char *const restrict_to[] = {"CN", "US-CA"};
static const char *const recipients[] = {"Acme Analytics GmbH"};
static const struct wb_consent_purpose flags[] = {
    {"service-optimisation", true},
    {"product-improvement", false},
    {"marketing", true},
};

/* A complete consent, borrowed strings. */
static struct wb_consent
full(const char *id)
{
    struct wb_consent c;

    memset(&c, 0, sizeof c);
    c.id = id;
    c.state = WB_CONSENT_GIVEN;
    c.subject = "subj-7f3a";
    c.controller = "Acme GmbH, Musterstraße 1, Berlin";
    c.purposes = flags;
    c.purpose_count = 3;
    c.data_categories = categories;
    c.data_category_count = 2;
    c.jurisdiction = "DE";
    c.storage_locations = store;
    c.storage_location_count = 1;
    c.processing_locations = process;
    c.processing_location_count = 2;
    c.geographic_restrictions = restrict_to;
    c.geographic_restriction_count = 2;
    c.recipients = recipients;
    c.recipient_count = 1;
    c.has_retention = true;
    c.retention_until = day("2031-12-31");
    c.has_expires = true;
    c.expires = day("2099-06-30");
    c.withdrawal_method = "email dpo@acme.example";
    c.lawful_basis = "GDPR Art. 6(1)(a)";
    c.notice = "https://acme.example/notice/v3";
    return c;
}

static void
test_round_trip(void)
{
    struct wb_consent c = full("c-rt");
    struct wb_consent *back = NULL;
    char *j1 = NULL;
    char *j2 = NULL;

    c.version = 3;
    c.replaces = 2;
    c.recorded = 1795000000;
    c.by = "subj-7f3a";
    c.reason = "asked by phone";
    TT_CHECK(wb_consent_to_json(&c, &j1) == WB_OK);
    TT_CHECK(j1 != NULL &&
             wb_consent_from_json(j1, strlen(j1), &back) == WB_OK);
    TT_CHECK(back != NULL && wb_consent_to_json(back, &j2) == WB_OK);
    TT_CHECK(j1 != NULL && j2 != NULL && strcmp(j1, j2) == 0);
    if (back != NULL) {
        TT_CHECK(strcmp(back->id, "c-rt") == 0 && back->version == 3 &&
                 back->replaces == 2 && back->state == WB_CONSENT_GIVEN);
        TT_CHECK(back->purpose_count == 3 &&
                 strcmp(back->purposes[1].id, "product-improvement") == 0 &&
                 !back->purposes[1].granted && back->purposes[2].granted);
        TT_CHECK(back->geographic_restriction_count == 2 &&
                 strcmp(back->geographic_restrictions[1], "US-CA") == 0);
        TT_CHECK(back->has_expires && back->expires == day("2099-06-30"));
        TT_CHECK(back->has_retention &&
                 back->retention_until == day("2031-12-31"));
        TT_CHECK(back->recorded == 1795000000);
        TT_CHECK(strcmp(back->controller, c.controller) == 0);
    }
    TT_CHECK(j1 != NULL && strstr(j1, "\"recorded\":\"2026-11-18T") != NULL);
    {
        static const char head[] = "{\"id\":\"c-rt\",\"version\":3,"
                                   "\"replaces\":2,\"state\":\"given\",";
        TT_CHECK(j1 != NULL && strncmp(j1, head, sizeof head - 1) == 0);
    }
    wb_consent_free(back);
    wb_free(j1);
    wb_free(j2);
}

/* Documents that must not parse, and the field the message must name. */
static void
test_must_fail(void)
{
    static const struct {
        const char *doc;
        const char *field;
    } bad[] = {
        {"[]", "not a JSON object"},
        {"{\"id\":\"x\"", "invalid JSON"},
        {"{} {}", "invalid JSON"},
        {"{\"id\":\"a\",\"id\":\"b\"}", "duplicate"},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"colour\":\"red\"}",
         "\"colour\": unknown field"},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true}}",
         "\"jurisdiction\""},
        {"{\"id\":\"c\",\"state\":\"happy\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\"}",
         "\"state\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"controller\":\"k\","
         "\"purposes\":{\"marketing\":true},\"jurisdiction\":\"DE\"}",
         "\"subject\": missing"},
        {"{\"id\":\"c d\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\"}",
         "\"id\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{},\"jurisdiction\":\"DE\"}",
         "\"purposes\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"Marketing\":true},"
         "\"jurisdiction\":\"DE\"}",
         "\"purposes\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":1},"
         "\"jurisdiction\":\"DE\"}",
         "\"purposes.marketing\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":[\"marketing\"],"
         "\"jurisdiction\":\"DE\"}",
         "\"purposes\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"Germany\"}",
         "\"jurisdiction\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"storage_locations\":[\"de\"]}",
         "\"storage_locations[0]\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"geographic_restrictions\":\"CN\"}",
         "\"geographic_restrictions\": not an array"},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"recipients\":[\"a\",\"a\"]}",
         "\"recipients[1]\": \"a\" listed twice"},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"expires\":\"2027-02-30\"}",
         "\"expires\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"retention\":\"2031-01-01\"}",
         "\"retention\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"retention\":{\"until\":\"2031-01-01\","
         "\"days\":3}}",
         "\"retention.days\": unknown field"},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"recorded\":\"2026-11-22 07:00:00\"}",
         "\"recorded\""},
        {"{\"id\":\"c\",\"version\":0,\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\"}",
         "\"version\""},
        {"{\"id\":\"c\",\"version\":1.0,\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\"}",
         "\"version\""},
        {"{\"id\":\"c\",\"version\":3,\"replaces\":1,\"state\":\"given\","
         "\"subject\":\"s\",\"controller\":\"k\","
         "\"purposes\":{\"marketing\":true},\"jurisdiction\":\"DE\"}",
         "\"replaces\""},
        {"{\"id\":\"c\",\"version\":1,\"replaces\":1,\"state\":\"given\","
         "\"subject\":\"s\",\"controller\":\"k\","
         "\"purposes\":{\"marketing\":true},\"jurisdiction\":\"DE\"}",
         "\"replaces\""},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"a\\nb\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\"}",
         "\"subject\": control character"},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\"}",
         "\"subject\": empty"},
        {"{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
         "\"controller\":\"k\",\"purposes\":{\"marketing\":true},"
         "\"jurisdiction\":\"DE\",\"notice\":7}",
         "\"notice\": not a string"},
    };
    struct wb_consent *c = NULL;
    char buf[8192];
    size_t n;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wb_err rc = wb_consent_from_json(bad[i].doc, strlen(bad[i].doc), &c);
        TT_CHECK_MSG(rc == WB_ERR_FORMAT && c == NULL, "case %zu: rc %d", i,
                     (int)rc);
        TT_CHECK_MSG(strstr(wb_errmsg(), bad[i].field) != NULL,
                     "case %zu: \"%s\" lacks %s", i, wb_errmsg(), bad[i].field);
        wb_consent_free(c);
        c = NULL;
    }

    /* 65 purposes; a subject of 257 bytes; a document over the cap */
    n = (size_t)snprintf(buf, sizeof buf,
                         "{\"id\":\"c\",\"state\":\"given\",\"subject\":\"s\","
                         "\"controller\":\"k\",\"jurisdiction\":\"DE\","
                         "\"purposes\":{");
    for (int i = 0; i <= WB_CONSENT_LIST_MAX; i++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"p%d\":true",
                              i ? "," : "", i);
    }
    snprintf(buf + n, sizeof buf - n, "}}");
    TT_CHECK(wb_consent_from_json(buf, strlen(buf), &c) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "\"purposes\"") != NULL);
    {
        char subject[WB_CONSENT_ITEM_MAX + 2];
        memset(subject, 's', sizeof subject - 1);
        subject[sizeof subject - 1] = '\0';
        snprintf(buf, sizeof buf,
                 "{\"id\":\"c\",\"state\":\"given\",\"subject\":\"%s\","
                 "\"controller\":\"k\",\"jurisdiction\":\"DE\","
                 "\"purposes\":{\"marketing\":true}}",
                 subject);
        TT_CHECK(wb_consent_from_json(buf, strlen(buf), &c) == WB_ERR_FORMAT);
        TT_CHECK(strstr(wb_errmsg(), "\"subject\": longer than") != NULL);
    }
    {
        size_t big = WB_CONSENT_DOC_MAX + 1;
        char *p = malloc(big);
        if (p != NULL) {
            memset(p, ' ', big);
            TT_CHECK(wb_consent_from_json(p, big, &c) == WB_ERR_TOOBIG);
            free(p);
        }
    }
    /* a document with only the required fields parses */
    snprintf(buf, sizeof buf,
             "{\"id\":\"c\",\"state\":\"requested\",\"subject\":\"s\","
             "\"controller\":\"k\",\"jurisdiction\":\"US-CA\","
             "\"purposes\":{\"marketing\":false}}");
    TT_CHECK(wb_consent_from_json(buf, strlen(buf), &c) == WB_OK);
    TT_CHECK(c != NULL && c->version == 0 && !c->has_expires &&
             c->data_category_count == 0 && c->notice == NULL);
    wb_consent_free(c);
}

/* ---- the register ------------------------------------------------------- */

/* The entry of k records k: kind consent, claims from k, payload = doc. */
static void
check_entry(struct wb_site *s, const struct wb_consent *k)
{
    uint8_t *leaf = NULL;
    uint8_t *payload = NULL;
    size_t leaf_len = 0;
    size_t payload_len = 0;
    int erased = 0;
    struct wb_claims *cl = NULL;
    char *doc = NULL;
    size_t granted = 0;

    TT_CHECK(wb_consent_to_json(k, &doc) == WB_OK);
    TT_CHECK(wb_site_leaf(s, k->entry, &leaf, &leaf_len) == WB_OK);
    TT_CHECK(wb_claims_decode(leaf, leaf_len, &cl) == WB_OK);
    TT_CHECK(wb_site_payload(s, k->entry, &payload, &payload_len, &erased) ==
             WB_OK);
    TT_CHECK(doc != NULL && payload != NULL && payload_len == strlen(doc) &&
             memcmp(payload, doc, payload_len) == 0);
    for (size_t i = 0; i < k->purpose_count; i++) {
        granted += k->purposes[i].granted;
    }
    if (k->state != WB_CONSENT_GIVEN && k->state != WB_CONSENT_RENEWED) {
        granted = 0;
    }
    if (cl != NULL) {
        TT_CHECK(strcmp(cl->kind, "consent") == 0);
        TT_CHECK(cl->consent_id != NULL && strcmp(cl->consent_id, k->id) == 0 &&
                 cl->consent_version == k->version);
        TT_CHECK(strcmp(cl->data_class, "personal") == 0);
        TT_CHECK(strcmp(cl->jurisdiction, k->jurisdiction) == 0);
        TT_CHECK(strcmp(cl->media, "application/json") == 0);
        TT_CHECK(cl->purpose_count == granted);
    }
    wb_claims_free(cl);
    wb_free(leaf);
    wb_free(payload);
    wb_free(doc);
}

/* History: versions 1..n chained by replaces, each equal to get(version)
 * and to the register's document, each recorded by its own entry. */
static void
check_history(struct wb_site *s, const char *id, size_t want)
{
    struct wb_consent *v = NULL;
    size_t n = 0;

    TT_CHECK(wb_consent_history(s, id, &v, &n) == WB_OK);
    TT_CHECK_MSG(n == want, "%s: %zu versions, want %zu", id, n, want);
    for (size_t i = 0; i < n; i++) {
        struct wb_consent *g = NULL;
        struct wb_register_doc d;
        char *a = NULL;
        char *b = NULL;
        TT_CHECK(v[i].version == i + 1);
        TT_CHECK(v[i].replaces == i);
        TT_CHECK(wb_consent_get(s, id, v[i].version, &g) == WB_OK);
        TT_CHECK(wb_site_register_get(s, "consent", id, v[i].version, &d) ==
                 WB_OK);
        TT_CHECK(wb_consent_to_json(&v[i], &a) == WB_OK);
        TT_CHECK(g != NULL && wb_consent_to_json(g, &b) == WB_OK);
        TT_CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
        TT_CHECK(a != NULL && d.doc != NULL && strcmp(a, d.doc) == 0);
        TT_CHECK(g != NULL && g->entry == v[i].entry && d.entry == g->entry);
        check_entry(s, &v[i]);
        wb_register_doc_clear(&d);
        wb_consent_free(g);
        wb_free(a);
        wb_free(b);
    }
    wb_consent_list_free(v, n);
}

static void
test_lifecycle(struct wb_site *s)
{
    struct wb_consent in = full("c-life");
    struct wb_consent *k = NULL;
    struct wb_consent *latest = NULL;
    int32_t later = day("2099-12-31");
    int32_t past = day("2001-01-01");

    TT_CHECK(wb_consent_grant(s, NULL, &in, &k) == WB_OK);
    TT_CHECK(k != NULL && k->version == 1 && k->replaces == 0 &&
             k->state == WB_CONSENT_GIVEN && k->recorded > 0 &&
             strcmp(k->by, "subj-7f3a") == 0);
    wb_consent_free(k);
    k = NULL;
    TT_CHECK(wb_consent_grant(s, NULL, &in, NULL) == WB_ERR_EXISTS);

    /* withdraw one purpose: a new version, state unchanged */
    TT_CHECK(wb_consent_withdraw(s, "c-life", "marketing", "no more ads", &k) ==
             WB_OK);
    TT_CHECK(k != NULL && k->version == 2 && k->state == WB_CONSENT_GIVEN &&
             k->purpose_count == 3 && !k->purposes[2].granted &&
             strcmp(k->reason, "no more ads") == 0);
    wb_consent_free(k);
    k = NULL;
    TT_CHECK(wb_consent_withdraw(s, "c-life", "marketing", "again", NULL) ==
             WB_ERR_INVAL);
    /* a flag of its own for a child of a granted purpose */
    TT_CHECK(wb_consent_withdraw(s, "c-life", "predictive-maintenance",
                                 "not that", &k) == WB_OK);
    TT_CHECK(k != NULL && k->version == 3 && k->purpose_count == 4 &&
             strcmp(k->purposes[3].id, "predictive-maintenance") == 0 &&
             !k->purposes[3].granted);
    wb_consent_free(k);
    k = NULL;
    TT_CHECK(wb_consent_withdraw(s, "c-life", NULL, "", NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_renew(s, "c-life", &past, NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_renew(s, "c-life", &later, &k) == WB_OK);
    TT_CHECK(k != NULL && k->version == 4 && k->state == WB_CONSENT_RENEWED &&
             k->expires == later);
    wb_consent_free(k);
    k = NULL;
    TT_CHECK(wb_consent_renew(s, "c-life", NULL, &k) == WB_OK);
    TT_CHECK(k != NULL && k->version == 5 && k->expires == later);
    wb_consent_free(k);
    k = NULL;
    TT_CHECK(wb_consent_withdraw(s, "c-life", NULL, "moved away", &k) == WB_OK);
    TT_CHECK(k != NULL && k->version == 6 && k->state == WB_CONSENT_WITHDRAWN);
    wb_consent_free(k);
    k = NULL;
    /* final: nothing follows a withdrawal */
    TT_CHECK(wb_consent_renew(s, "c-life", NULL, NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "new grant") != NULL);
    TT_CHECK(wb_consent_revoke(s, "c-life", "r", NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_withdraw(s, "c-life", NULL, "r", NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_withdraw(s, "nope", NULL, "r", NULL) ==
             WB_ERR_NOTFOUND);
    TT_CHECK(wb_consent_get(s, "c-life", 0, &latest) == WB_OK);
    TT_CHECK(latest != NULL && latest->version == 6);
    wb_consent_free(latest);
    TT_CHECK(wb_consent_get(s, "c-life", 7, &latest) == WB_ERR_NOTFOUND);
    check_history(s, "c-life", 6);
}

static void
test_request_and_revoke(struct wb_site *s)
{
    struct wb_consent in = full("c-req");
    struct wb_consent *k = NULL;
    struct wb_consent *v = NULL;
    size_t n = 0;

    in.state = WB_CONSENT_REQUESTED;
    TT_CHECK(wb_consent_grant(s, NULL, &in, &k) == WB_OK);
    TT_CHECK(k != NULL && strcmp(k->by, in.controller) == 0);
    wb_consent_free(k);
    TT_CHECK(wb_consent_renew(s, "c-req", NULL, NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_answer(s, "c-req", true, &k) == WB_OK);
    TT_CHECK(k != NULL && k->state == WB_CONSENT_GIVEN && k->version == 2);
    wb_consent_free(k);
    TT_CHECK(wb_consent_answer(s, "c-req", false, NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_revoke(s, "c-req", "", NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_revoke(s, "c-req", "contract ended", &k) == WB_OK);
    TT_CHECK(k != NULL && k->state == WB_CONSENT_REVOKED &&
             strcmp(k->by, in.controller) == 0);
    wb_consent_free(k);
    check_history(s, "c-req", 3);

    /* a refused request, and grants the rules refuse */
    in.id = "c-ref";
    TT_CHECK(wb_consent_grant(s, NULL, &in, NULL) == WB_OK);
    TT_CHECK(wb_consent_answer(s, "c-ref", false, NULL) == WB_OK);
    TT_CHECK(wb_consent_answer(s, "c-ref", true, NULL) == WB_ERR_INVAL);
    in.id = "c-bad";
    in.state = WB_CONSENT_WITHDRAWN;
    TT_CHECK(wb_consent_grant(s, NULL, &in, NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "\"state\"") != NULL);
    in.state = WB_CONSENT_GIVEN;
    in.expires = day("2001-01-01");
    TT_CHECK(wb_consent_grant(s, NULL, &in, NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "\"expires\"") != NULL);
    in.has_expires = false;
    in.jurisdiction = "germany";
    TT_CHECK(wb_consent_grant(s, NULL, &in, NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "\"jurisdiction\"") != NULL);
    TT_CHECK(wb_consent_get(s, "c-bad", 0, &k) == WB_ERR_NOTFOUND);

    TT_CHECK(wb_consent_list(s, &v, &n) == WB_OK);
    TT_CHECK(n == 3 && strcmp(v[0].id, "c-life") == 0 &&
             strcmp(v[1].id, "c-ref") == 0 && v[1].version == 2 &&
             v[1].state == WB_CONSENT_REFUSED &&
             strcmp(v[2].id, "c-req") == 0 && v[2].version == 3);
    wb_consent_list_free(v, n);
}

static void
test_expiry(void)
{
    struct wb_consent c = full("c-exp");

    c.expires = day("2027-06-30");
    TT_CHECK(wb_consent_effective_state(&c, day("2027-06-29")) ==
             WB_CONSENT_GIVEN);
    TT_CHECK(wb_consent_effective_state(&c, day("2027-06-30")) ==
             WB_CONSENT_GIVEN);
    TT_CHECK(wb_consent_effective_state(&c, day("2027-07-01")) ==
             WB_CONSENT_EXPIRED);
    c.state = WB_CONSENT_RENEWED;
    TT_CHECK(wb_consent_effective_state(&c, day("2030-01-01")) ==
             WB_CONSENT_EXPIRED);
    c.state = WB_CONSENT_WITHDRAWN;
    TT_CHECK(wb_consent_effective_state(&c, day("2030-01-01")) ==
             WB_CONSENT_WITHDRAWN);
    c.state = WB_CONSENT_GIVEN;
    c.has_expires = false;
    TT_CHECK(wb_consent_effective_state(&c, day("2999-01-01")) ==
             WB_CONSENT_GIVEN);
}

/* ---- the purpose check -------------------------------------------------- */

static const char vocabulary[] =
    "{\"purpose\":\"service-provision\",\"label\":\"Provide\"}\n"
    "{\"purpose\":\"service-optimisation\",\"parent\":\"service-provision\","
    "\"label\":\"Optimise\"}\n"
    "{\"purpose\":\"predictive-maintenance\",\"parent\":"
    "\"service-optimisation\",\"label\":\"Predict\"}\n"
    "{\"purpose\":\"product-improvement\",\"parent\":"
    "\"service-optimisation\",\"label\":\"Improve\"}\n"
    "{\"purpose\":\"marketing\",\"label\":\"Market\"}\n"
    "{\"purpose\":\"direct-marketing\",\"parent\":\"marketing\","
    "\"label\":\"Direct\"}\n";

static const char profile[] =
    "{\"profile\":\"test-consent\",\"version\":\"1\",\"title\":\"test\","
    "\"applies_to\":[\"DE\"],\"effective\":\"2020-01-01\","
    "\"strategy\":\"first-match\",\"default_cite\":[\"Test Art. 1\"]}\n"
    "{\"rule\":\"all\",\"decision\":\"allow\",\"cite\":[\"Test Art. 1\"],"
    "\"reason\":\"test\"}\n";

static struct wb_policy *
policy(void)
{
    const char *names[] = {"purposes.jsonl", "test.jsonl"};
    const char *texts[] = {vocabulary, profile};
    size_t lens[] = {sizeof vocabulary - 1, sizeof profile - 1};
    struct wb_policy *p = NULL;

    if (wb_policy_load(names, texts, lens, 2, &p) != WB_OK) {
        fprintf(stderr, "policy: %s\n", wb_errmsg());
        return NULL;
    }
    return p;
}

static uint64_t
add_record(struct wb_site *s,
           const char *data_class,
           const char *purpose,
           const char *consent,
           uint64_t version)
{
    const char *purposes[] = {purpose};
    struct wb_append e;
    uint64_t idx = 0;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.purposes = purposes;
    e.claims.purpose_count = 1;
    e.claims.data_class = data_class;
    e.claims.jurisdiction = "DE";
    e.claims.consent_id = consent;
    e.claims.consent_version = version;
    e.payload = (const uint8_t *)"{\"v\":1}";
    e.payload_len = 7;
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK);
    return idx;
}

/* Check and compare; the reasons must mention `why`. */
static void
expect(struct wb_site *s,
       const struct wb_policy *pol,
       uint64_t idx,
       const char *purpose,
       const char *date,
       bool want,
       const char *why)
{
    char buf[WB_PURPOSE_WHY_MAX];
    bool permitted = !want;
    wb_err rc = wb_purpose_check(s, pol, idx, purpose, day(date), &permitted,
                                 buf, sizeof buf);

    TT_CHECK_MSG(rc == WB_OK, "entry %llu %s: %s", (unsigned long long)idx,
                 purpose, wb_errmsg());
    TT_CHECK_MSG(permitted == want, "entry %llu %s on %s: %s",
                 (unsigned long long)idx, purpose, date, buf);
    TT_CHECK_MSG(strstr(buf, why) != NULL, "entry %llu %s: \"%s\" lacks %s",
                 (unsigned long long)idx, purpose, buf, why);
}

static void
test_purpose_check(struct wb_site *s)
{
    struct wb_policy *pol = policy();
    struct wb_consent in = full("c-pc");
    struct wb_consent_purpose f[] = {{"service-optimisation", true},
                                     {"product-improvement", false}};
    uint64_t plain;
    uint64_t personal;
    uint64_t with;
    uint64_t ghost;
    uint64_t consent_entry;
    char why[16];
    bool ok = true;

    TT_CHECK(pol != NULL);
    if (pol == NULL) {
        return;
    }
    in.purposes = f;
    in.purpose_count = 2;
    in.expires = day("2098-12-31");
    TT_CHECK(wb_consent_grant(s, pol, &in, NULL) == WB_OK);
    consent_entry = wb_site_size(s) - 1;
    plain = add_record(s, "non-personal", "service-optimisation", NULL, 0);
    personal = add_record(s, "personal", "service-optimisation", NULL, 0);
    with = add_record(s, "personal", "service-provision", "c-pc", 1);
    ghost = add_record(s, "sensitive-personal", "marketing", "c-ghost", 1);

    expect(s, pol, plain, "predictive-maintenance", today_s, true,
           "no consent needed");
    expect(s, pol, plain, "service-provision", today_s, false,
           "do not cover service-provision");
    expect(s, pol, plain, "marketing", today_s, false, "do not cover");
    expect(s, pol, personal, "predictive-maintenance", today_s, false,
           "names no consent");
    expect(s, pol, with, "predictive-maintenance", today_s, true,
           "grants service-optimisation, covering predictive-maintenance");
    expect(s, pol, with, "product-improvement", today_s, false,
           "denies product-improvement");
    expect(s, pol, with, "service-provision", today_s, false,
           "grants no purpose covering service-provision");
    expect(s, pol, with, "predictive-maintenance", "2099-01-01", false,
           "is expired on 2099-01-01");
    expect(s, pol, ghost, "direct-marketing", today_s, false,
           "not in the consent register");

    /* the latest version counts, not the one the record names */
    TT_CHECK(wb_consent_withdraw(s, "c-pc", "predictive-maintenance",
                                 "subject objected", NULL) == WB_OK);
    expect(s, pol, with, "predictive-maintenance", today_s, false,
           "version 2) denies predictive-maintenance");
    expect(s, pol, with, "service-optimisation", today_s, true,
           "grants service-optimisation");
    TT_CHECK(wb_consent_withdraw(s, "c-pc", NULL, "all of it", NULL) == WB_OK);
    expect(s, pol, with, "service-optimisation", today_s, false,
           "is withdrawn on");

    /* bad input */
    TT_CHECK(wb_purpose_check(s, pol, plain, "world-domination", day(today_s),
                              &ok, why, sizeof why) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "vocabulary") != NULL);
    TT_CHECK(wb_purpose_check(s, pol, consent_entry, "marketing", day(today_s),
                              &ok, why, sizeof why) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "consent entry, not a record") != NULL);
    TT_CHECK(wb_purpose_check(s, pol, 100000, "marketing", day(today_s), &ok,
                              why, sizeof why) == WB_ERR_NOTFOUND);
    TT_CHECK(!ok);
    /* a short why buffer is truncated, never overrun */
    TT_CHECK(wb_purpose_check(s, pol, plain, "marketing", day(today_s), &ok,
                              why, sizeof why) == WB_OK);
    TT_CHECK(!ok && strlen(why) == sizeof why - 1);
    /* grants check purposes against the vocabulary */
    in.id = "c-vocab";
    f[1].id = "world-domination";
    TT_CHECK(wb_consent_grant(s, pol, &in, NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "world-domination") != NULL);
    wb_policy_free(pol);
}

/* A withdrawn purpose granted again is a new version, never a rewrite; the
 * purpose check follows the latest flags. */
/* The version in force on a date counts, and a final latest version ends
 * the consent for any date. */
static void
test_dated(struct wb_site *s)
{
    struct wb_policy *pol = policy();
    struct wb_consent in = full("c-dated");
    struct wb_consent_purpose f[] = {{"service-optimisation", true}};
    struct wb_consent *k = NULL;
    uint64_t rec;

    TT_CHECK(pol != NULL);
    if (pol == NULL) {
        return;
    }
    in.purposes = f;
    in.purpose_count = 1;
    fake_now = (time_t)day("2026-03-01") * 86400 + 43200;
    TT_CHECK(wb_consent_grant(s, pol, &in, NULL) == WB_OK);
    fake_now = (time_t)day("2026-06-01") * 86400 + 43200;
    TT_CHECK(wb_consent_withdraw(s, "c-dated", "service-optimisation", "paused",
                                 NULL) == WB_OK);
    fake_now = (time_t)day("2026-09-01") * 86400 + 43200;
    TT_CHECK(wb_consent_allow(s, pol, "c-dated", "service-optimisation",
                              "resumed", NULL) == WB_OK);
    fake_now = 0;
    rec = add_record(s, "personal", "service-optimisation", "c-dated", 1);

    expect(s, pol, rec, "service-optimisation", "2026-02-28", false,
           "consent c-dated: no version recorded on or before 2026-02-28 "
           "(the first was recorded 2026-03-01T12:00:00Z)");
    expect(s, pol, rec, "service-optimisation", "2026-03-01", true,
           "consent c-dated (version 1, then in force) is given on "
           "2026-03-01");
    expect(s, pol, rec, "service-optimisation", "2026-05-31", true,
           "(version 1) grants service-optimisation");
    expect(s, pol, rec, "service-optimisation", "2026-06-01", false,
           "(version 2) denies service-optimisation");
    expect(s, pol, rec, "service-optimisation", "2026-10-15", true,
           "(version 3, the latest) is given");
    expect(s, pol, rec, "service-optimisation", today_s, true,
           "(version 3) grants service-optimisation");

    TT_CHECK(wb_consent_get_on(s, "c-dated", day("2026-08-31"), &k) == WB_OK);
    TT_CHECK(k != NULL && k->version == 2 && k->entry > 0);
    wb_consent_free(k);
    k = NULL;
    TT_CHECK(wb_consent_get_on(s, "c-dated", day("2026-02-28"), &k) ==
             WB_ERR_NOTFOUND);
    TT_CHECK(k == NULL && strstr(wb_errmsg(), "no version recorded") != NULL);
    TT_CHECK(wb_consent_get_on(s, "c-none", day("2026-02-28"), &k) ==
             WB_ERR_NOTFOUND);
    TT_CHECK(wb_consent_get_on(s, "c-dated", 0, NULL) == WB_ERR_INVAL);

    /* a withdrawal is final: an earlier date does not undo it */
    fake_now = (time_t)day("2026-10-01") * 86400;
    TT_CHECK(wb_consent_withdraw(s, "c-dated", NULL, "all of it", NULL) ==
             WB_OK);
    fake_now = 0;
    expect(s, pol, rec, "service-optimisation", "2026-04-01", false,
           "consent c-dated (version 4, the latest) is withdrawn");
    expect(s, pol, rec, "service-optimisation", today_s, false,
           "(version 4, the latest) is withdrawn on");
    wb_policy_free(pol);
}

static void
test_allow(struct wb_site *s)
{
    struct wb_policy *pol = policy();
    struct wb_consent in = full("c-allow");
    struct wb_consent_purpose f[] = {{"service-optimisation", true}};
    struct wb_consent *out = NULL;
    struct wb_consent *v = NULL;
    size_t n = 0;
    uint64_t rec;

    TT_CHECK(pol != NULL);
    if (pol == NULL) {
        return;
    }
    in.purposes = f;
    in.purpose_count = 1;
    TT_CHECK(wb_consent_grant(s, pol, &in, NULL) == WB_OK);
    rec = add_record(s, "personal", "service-provision", "c-allow", 1);
    expect(s, pol, rec, "predictive-maintenance", today_s, true,
           "grants service-optimisation");
    expect(s, pol, rec, "marketing", today_s, false, "do not cover");
    TT_CHECK(wb_consent_withdraw(s, "c-allow", "predictive-maintenance",
                                 "objected", NULL) == WB_OK);
    expect(s, pol, rec, "predictive-maintenance", today_s, false,
           "denies predictive-maintenance");
    /* the subject changes their mind: version 3 grants it again */
    TT_CHECK(wb_consent_allow(s, pol, "c-allow", "predictive-maintenance",
                              "asked again", &out) == WB_OK);
    TT_CHECK(out != NULL && out->version == 3 && out->replaces == 2 &&
             out->state == WB_CONSENT_GIVEN && out->purpose_count == 2 &&
             out->purposes[1].granted &&
             strcmp(out->reason, "asked again") == 0);
    wb_consent_free(out);
    expect(s, pol, rec, "predictive-maintenance", today_s, true,
           "grants predictive-maintenance");
    /* a new purpose with no flag yet */
    TT_CHECK(wb_consent_allow(s, pol, "c-allow", "direct-marketing", NULL,
                              NULL) == WB_OK);
    /* already granted, unknown purpose, a final state: refused */
    TT_CHECK(wb_consent_allow(s, pol, "c-allow", "direct-marketing", NULL,
                              NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "already granted") != NULL);
    TT_CHECK(wb_consent_allow(s, pol, "c-allow", "world-domination", NULL,
                              NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_consent_allow(s, pol, "c-none", "marketing", NULL, NULL) ==
             WB_ERR_NOTFOUND);
    TT_CHECK(wb_consent_withdraw(s, "c-allow", NULL, "all", NULL) == WB_OK);
    TT_CHECK(wb_consent_allow(s, pol, "c-allow", "marketing", NULL, NULL) ==
             WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "withdrawn") != NULL);
    /* history: five versions, each replacing the one before */
    TT_CHECK(wb_consent_history(s, "c-allow", &v, &n) == WB_OK && n == 5);
    for (size_t i = 0; v != NULL && i < n; i++) {
        TT_CHECK(v[i].version == i + 1 && v[i].replaces == i);
    }
    TT_CHECK(v != NULL && n == 5 && !v[1].purposes[1].granted &&
             v[2].purposes[1].granted);
    wb_consent_list_free(v, n);
    /* a requested consent is answered first */
    in.id = "c-allow-req";
    in.state = WB_CONSENT_REQUESTED;
    TT_CHECK(wb_consent_grant(s, pol, &in, NULL) == WB_OK);
    TT_CHECK(wb_consent_allow(s, pol, "c-allow-req", "marketing", NULL, NULL) ==
             WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "requested") != NULL);
    wb_policy_free(pol);
}

/* A handle that last looked before another handle logged a consent reads
 * it: the register's copy names an entry past what the handle knew, and
 * the check catches the handle up instead of calling the copy forged. */
static void
test_other_handle(struct wb_site *s)
{
    struct wb_site *b = NULL;
    struct wb_consent in = full("c-other");
    struct wb_consent *got = NULL;
    struct wb_consent *k = NULL;

    TT_CHECK(wb_site_open(dir, &b) == WB_OK);
    TT_CHECK(wb_consent_grant(s, NULL, &in, &k) == WB_OK);
    TT_CHECK(b != NULL && k != NULL && k->entry == wb_site_size(b));
    TT_CHECK(b != NULL && wb_consent_get(b, "c-other", 0, &got) == WB_OK);
    TT_CHECK(got != NULL && k != NULL && got->entry == k->entry);
    TT_CHECK(b != NULL && wb_site_size(b) == wb_site_size(s));
    wb_consent_free(got);
    wb_consent_free(k);
    wb_site_close(b);
}

int
main(void)
{
    struct wb_site *s = NULL;
    struct wb_verify_report r;

    wb_date_format((int32_t)(time(NULL) / 86400), today_s);
    snprintf(dir, sizeof dir, "/tmp/wbconsent.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    test_round_trip();
    test_must_fail();
    test_expiry();
    strcat(dir, "/site");
    TT_CHECK(wb_site_create(dir, "consent.waybill.example", NULL, 0, &s) ==
             WB_OK);
    if (s != NULL) {
        test_lifecycle(s);
        test_request_and_revoke(s);
        test_purpose_check(s);
        test_dated(s);
        test_allow(s);
        test_other_handle(s);
        TT_CHECK(wb_site_verify(s, &r) == WB_OK);
        wb_site_close(s);
    }
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 5), dir);
        if (system(cmd) != 0) {
            tt_fail++;
        }
    }
    return TT_REPORT();
}
