/* SPDX-License-Identifier: Apache-2.0 */
/* Decisions at a site and the policy register: policy files logged once
 * per text (a changed text is a new version), recorded decisions citing
 * the exact logged texts (auto-logged when missing), refused attempts
 * logged as denials (unregistered, unnamed, and past its mechanism's
 * validity), per-year counters that a split transfer cannot escape, and
 * strict policy documents. */
#include <jansson.h>
#include <sodium.h>
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
static const char profile_v1[] =
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

/* The same profile with one word changed. */
static const char profile_v2[] =
    "{\"profile\":\"test-de\",\"version\":\"2\",\"title\":\"test\","
    "\"applies_to\":[\"DE\"],\"effective\":\"2020-01-01\","
    "\"strategy\":\"first-match\",\"default_cite\":[\"Test Art. 1\"]}\n"
    "{\"mechanism\":\"scc\",\"needs_reference\":true,\"cite\":[\"Test Art. "
    "2\"]}\n"
    "{\"rule\":\"volume\",\"if\":{\"data.subjects_ytd\":{\"gt\":100}},"
    "\"decision\":\"require_mechanism\",\"mechanisms\":[\"scc\"],"
    "\"cite\":[\"Test Art. 3\"],\"reason\":\"over 100 persons\"}\n"
    "{\"rule\":\"all\",\"decision\":\"allow\",\"cite\":[\"Test Art. 4\"],"
    "\"reason\":\"test\"}\n";

static struct wb_policy *
policy(const char *profile)
{
    const char *names[] = {"purposes.jsonl", "test-de.jsonl"};
    const char *texts[] = {vocabulary, profile};
    size_t lens[] = {strlen(vocabulary), strlen(profile)};
    struct wb_policy *p = NULL;

    if (wb_policy_load(names, texts, lens, 2, &p) != WB_OK) {
        fprintf(stderr, "policy: %s\n", wb_errmsg());
        return NULL;
    }
    return p;
}

/* Hex SHA-256 by libsodium (the library hashes through OpenSSL). */
static void
hex_digest(const char *text, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static void
test_policy_log(struct wb_site *s)
{
    struct wb_policy *p1 = policy(profile_v1);
    struct wb_policy *p2 = policy(profile_v2);
    struct wb_policy_cite *c = NULL;
    struct wb_policy_doc *h = NULL;
    struct wb_policy_doc d;
    uint64_t size;
    size_t n = 0;
    char hex[65];

    TT_CHECK(p1 != NULL && p2 != NULL);
    if (p1 == NULL || p2 == NULL) {
        goto out;
    }
    TT_CHECK(wb_policy_source_count(p1) == 2);
    TT_CHECK(wb_policy_log(s, p1, &c, &n) == WB_OK && n == 2);
    TT_CHECK(c != NULL && c[0].added && c[1].added);
    TT_CHECK(c != NULL && strcmp(c[0].id, WB_POLICY_VOCABULARY_ID) == 0 &&
             c[0].profile[0] == '\0' && c[0].version == 1);
    TT_CHECK(c != NULL && strcmp(c[1].id, "test-de") == 0 &&
             strcmp(c[1].profile, "test-de@1") == 0 && c[1].version == 1);
    hex_digest(profile_v1, hex);
    TT_CHECK(c != NULL && strcmp(c[1].sha256, hex) == 0);
    wb_free(c);
    /* the stored version is the file's text */
    TT_CHECK(wb_policy_doc_get(s, "test-de", 0, &d) == WB_OK);
    TT_CHECK(d.text_len == strlen(profile_v1) &&
             memcmp(d.text, profile_v1, d.text_len) == 0);
    TT_CHECK(d.version == 1 && d.replaces == 0 &&
             strcmp(d.file, "test-de.jsonl") == 0);
    wb_policy_doc_clear(&d);

    /* idempotent: nothing new is logged */
    size = wb_site_size(s);
    TT_CHECK(wb_policy_log(s, p1, &c, &n) == WB_OK && n == 2);
    TT_CHECK(c != NULL && !c[0].added && !c[1].added && c[1].version == 1);
    TT_CHECK(wb_site_size(s) == size);
    wb_free(c);

    /* a changed text is a new version of its id, nothing else changes */
    TT_CHECK(wb_policy_log(s, p2, &c, &n) == WB_OK && n == 2);
    TT_CHECK(c != NULL && !c[0].added && c[1].added && c[1].version == 2);
    TT_CHECK(wb_site_size(s) == size + 1);
    wb_free(c);
    TT_CHECK(wb_policy_doc_list(s, "test-de", &h, &n) == WB_OK && n == 2);
    TT_CHECK(h != NULL && h[1].replaces == 1 &&
             strcmp(h[1].profile, "test-de@2") == 0 &&
             strcmp(h[0].profile, "test-de@1") == 0);
    wb_policy_docs_free(h, n);
    TT_CHECK(wb_policy_doc_list(s, NULL, &h, &n) == WB_OK && n == 2);
    TT_CHECK(h != NULL && strcmp(h[0].id, "purposes") == 0 &&
             strcmp(h[1].id, "test-de") == 0 && h[1].version == 2);
    wb_policy_docs_free(h, n);
    TT_CHECK(wb_policy_doc_list(s, "nothing", &h, &n) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_policy_doc_get(s, "test-de", 3, &d) == WB_ERR_NOTFOUND);
    /* back to the first text: a third version, not a rewrite */
    TT_CHECK(wb_policy_log(s, p1, &c, &n) == WB_OK && n == 2);
    TT_CHECK(c != NULL && c[1].added && c[1].version == 3);
    wb_free(c);
out:
    wb_policy_free(p1);
    wb_policy_free(p2);
}

/* A stored document that fails: wrong digest, unknown field, chain. */
static void
test_policy_doc(void)
{
    static const char *const bad[][2] = {
        {"{\"id\":\"x\",\"version\":1,\"replaces\":null,\"profile\":\"x@1\","
         "\"file\":\"x.jsonl\",\"sha256\":\"00\",\"recorded\":"
         "\"2026-01-01T00:00:00Z\",\"text\":\"a\"}",
         "sha256"},
        {"{\"id\":\"x\",\"version\":2,\"replaces\":null,\"profile\":\"x@1\","
         "\"file\":\"x.jsonl\",\"sha256\":\"00\",\"recorded\":"
         "\"2026-01-01T00:00:00Z\",\"text\":\"a\"}",
         "replaces"},
        {"{\"id\":\"x\",\"version\":1,\"profile\":\"y@1\",\"file\":\"x.jsonl\","
         "\"sha256\":\"00\",\"recorded\":\"2026-01-01T00:00:00Z\",\"text\":"
         "\"a\"}",
         "profile"},
        {"{\"id\":\"x\",\"version\":1,\"colour\":1}", "colour"},
        {"{\"id\":\"x\",\"version\":1,\"id\":\"y\"}", "invalid JSON"},
        {"[1]", "not a JSON object"},
    };
    struct wb_policy_doc d;
    char hex[65];
    char good[512];
    char *back = NULL;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TT_CHECK_MSG(wb_policy_doc_from_json(bad[i][0], strlen(bad[i][0]),
                                             &d) == WB_ERR_FORMAT,
                     "case %zu", i);
        TT_CHECK_MSG(strstr(wb_errmsg(), bad[i][1]) != NULL, "%zu: %s", i,
                     wb_errmsg());
        TT_CHECK(d.text == NULL);
    }
    /* a good one round-trips byte for byte */
    hex_digest("a\n", hex);
    snprintf(good, sizeof good,
             "{\"id\":\"x\",\"version\":2,\"replaces\":1,\"profile\":\"x@2\","
             "\"file\":\"x.jsonl\",\"sha256\":\"%s\",\"recorded\":"
             "\"2026-01-01T00:00:00Z\",\"text\":\"a\\n\"}",
             hex);
    TT_CHECK(wb_policy_doc_from_json(good, strlen(good), &d) == WB_OK);
    TT_CHECK(wb_policy_doc_to_json(&d, &back) == WB_OK && back != NULL &&
             strcmp(back, good) == 0);
    wb_free(back);
    wb_policy_doc_clear(&d);
}

static void
register_server(struct wb_site *s, const char *id, const char *until)
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

/* A request from DE to US on date via server (NULL: none named). */
static size_t
request(char *buf, size_t len, const char *server, const char *date)
{
    int n = snprintf(buf, len,
                     "{\"exporter\":{\"jurisdiction\":\"DE\"},\"recipient\":{"
                     "\"country\":\"US\"%s%s%s},\"data\":{\"classes\":["
                     "\"personal\"]},\"purpose\":\"predictive-maintenance\","
                     "\"date\":\"%s\"}",
                     server ? ",\"server\":\"" : "", server ? server : "",
                     server ? "\"" : "", date);
    return n > 0 ? (size_t)n : 0;
}

/* The payload of entry idx as JSON. */
static json_t *
payload_of(struct wb_site *s, uint64_t idx)
{
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0;
    json_t *j = NULL;

    if (wb_site_payload(s, idx, &p, &n, &erased) == WB_OK && !erased) {
        j = json_loadb((const char *)p, n, 0, NULL);
    }
    wb_free(p);
    return j;
}

/* Decide and record; returns the decision's payload (json_decref). */
static json_t *
decide(struct wb_site *s,
       const struct wb_policy *p,
       const char *server,
       const char *date,
       const char *const *subjects,
       size_t count,
       struct wb_site_decision *d)
{
    char req[512];
    size_t len = request(req, sizeof req, server, date);
    wb_err rc = wb_site_decide(s, p, req, len, subjects, count, true, d);

    TT_CHECK_MSG(rc == WB_OK, "decide: %s", wb_errmsg());
    TT_CHECK(d->recorded);
    return rc == WB_OK ? payload_of(s, d->entry) : NULL;
}

/* Does the payload's reasons array hold text? */
static bool
has_reason(json_t *pl, const char *text)
{
    json_t *r = json_object_get(json_object_get(pl, "decision"), "reasons");
    size_t i;
    json_t *v;

    json_array_foreach(r, i, v)
    {
        if (strstr(json_string_value(v), text) != NULL) {
            return true;
        }
    }
    return false;
}

static const char *
decision_of(json_t *pl)
{
    return json_string_value(
        json_object_get(json_object_get(pl, "decision"), "decision"));
}

/* A subject list op-<tag>-0 .. op-<tag>-(n-1) in storage. */
static void
subjects(char ids[][32], const char *v[], const char *tag, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], 32, "op-%s-%zu", tag, i);
        v[i] = ids[i];
    }
}

static void
test_decisions(struct wb_site *s)
{
    struct wb_policy *p = policy(profile_v1);
    struct wb_site_decision d;
    struct wb_policy_doc doc;
    char ids_a[60][32], ids_b[60][32];
    const char *a[60], *b[60];
    uint64_t before;
    json_t *pl;
    json_t *cite;

    TT_CHECK(p != NULL);
    if (p == NULL) {
        return;
    }
    subjects(ids_a, a, "a", 60);
    subjects(ids_b, b, "b", 60);
    register_server(s, "srv-us-1", "2030-12-31");
    register_server(s, "srv-us-old", "2026-03-31");

    /* the texts in use are cited exactly: test-de version 3 (its text is
     * profile_v1 again), logged by test_policy_log */
    pl = decide(s, p, "srv-us-1", "2026-06-01", a, 60, &d);
    TT_CHECK(d.decision.decision == WB_ALLOW && !d.refused);
    TT_CHECK(d.policy_added == 0);
    cite = json_array_get(json_object_get(pl, "policy"), 1);
    TT_CHECK(
        strcmp(json_string_value(json_object_get(cite, "id")), "test-de") == 0);
    TT_CHECK(json_integer_value(json_object_get(cite, "version")) == 3);
    TT_CHECK(wb_policy_doc_get(s, "test-de", 3, &doc) == WB_OK);
    TT_CHECK((uint64_t)json_integer_value(json_object_get(cite, "entry")) ==
             doc.entry);
    TT_CHECK(strcmp(json_string_value(json_object_get(cite, "sha256")),
                    doc.sha256) == 0);
    TT_CHECK(doc.text_len == strlen(profile_v1) &&
             memcmp(doc.text, profile_v1, doc.text_len) == 0);
    wb_policy_doc_clear(&doc);
    TT_CHECK(json_is_false(json_object_get(pl, "refused")));
    json_decref(pl);

    /* per-year counters: a second batch of 60 others is the 120th
     * individual this year, over the threshold although this request
     * says nothing of earlier ones */
    pl = decide(s, p, "srv-us-1", "2026-07-01", b, 60, &d);
    TT_CHECK(d.decision.decision == WB_REQUIRE_MECHANISM);
    TT_CHECK(d.subjects_site == 120 && d.request.subjects_ytd == 120);
    TT_CHECK(has_reason(pl, "over 100 individuals"));
    json_decref(pl);
    /* a refused transfer counts nobody: the first 60 again are 60 */
    pl = decide(s, p, "srv-us-1", "2026-08-01", a, 60, &d);
    TT_CHECK(d.decision.decision == WB_ALLOW && d.subjects_new == 0);
    json_decref(pl);
    /* a new year starts from nobody */
    pl = decide(s, p, "srv-us-1", "2027-01-02", b, 60, &d);
    TT_CHECK(d.decision.decision == WB_ALLOW && d.subjects_site == 60);
    json_decref(pl);

    /* refused attempts are logged as denials */
    before = wb_site_size(s);
    pl = decide(s, p, "srv-nowhere", "2026-06-01", a, 1, &d);
    TT_CHECK(d.refused && d.decision.decision == WB_DENY);
    TT_CHECK(d.entry == before && wb_site_size(s) == before + 1);
    TT_CHECK(has_reason(pl, "not registered and active"));
    TT_CHECK(strcmp(decision_of(pl), "deny") == 0);
    TT_CHECK(json_is_true(json_object_get(pl, "refused")));
    TT_CHECK(json_array_size(json_object_get(pl, "policy")) == 2);
    json_decref(pl);
    pl = decide(s, p, NULL, "2026-06-01", NULL, 0, &d);
    TT_CHECK(d.refused && d.decision.decision == WB_DENY);
    TT_CHECK(has_reason(pl, "names no server"));
    TT_CHECK(strcmp(decision_of(pl), "deny") == 0);
    json_decref(pl);
    /* past its mechanism's validity a server counts as unregistered */
    pl = decide(s, p, "srv-us-old", "2026-03-31", NULL, 0, &d);
    TT_CHECK(!d.refused && d.decision.decision == WB_ALLOW);
    json_decref(pl);
    pl = decide(s, p, "srv-us-old", "2026-04-01", a, 1, &d);
    TT_CHECK(d.refused && d.decision.decision == WB_DENY);
    TT_CHECK(d.subjects_new == 0);
    json_decref(pl);
    wb_policy_free(p);

    /* a text not logged yet is logged with the decision, before it */
    p = policy(profile_v2);
    before = wb_site_size(s);
    pl = decide(s, p, "srv-us-1", "2026-06-01", NULL, 0, &d);
    TT_CHECK(d.policy_added == 1 && d.entry == before + 1);
    TT_CHECK(wb_policy_doc_get(s, "test-de", 0, &doc) == WB_OK);
    TT_CHECK(doc.version == 4 && doc.entry == before);
    wb_policy_doc_clear(&doc);
    cite = json_array_get(json_object_get(pl, "policy"), 1);
    TT_CHECK(json_integer_value(json_object_get(cite, "version")) == 4);
    TT_CHECK((uint64_t)json_integer_value(json_object_get(cite, "entry")) ==
             before);
    json_decref(pl);
    wb_policy_free(p);
}

/* One version of a profile at a time, and the vocabulary's id is its own. */
static void
test_load_ids(void)
{
    const char *names[] = {"purposes.jsonl", "a.jsonl", "b.jsonl"};
    const char *texts[] = {vocabulary, profile_v1, profile_v2};
    size_t lens[] = {strlen(vocabulary), strlen(profile_v1),
                     strlen(profile_v2)};
    static const char named[] =
        "{\"profile\":\"purposes\",\"version\":\"1\",\"title\":\"t\","
        "\"applies_to\":[\"DE\"],\"effective\":\"2020-01-01\","
        "\"strategy\":\"first-match\",\"default_cite\":[\"T 1\"]}\n";
    struct wb_policy *p = NULL;

    TT_CHECK(wb_policy_load(names, texts, lens, 3, &p) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "b.jsonl:1: profile test-de is also loaded "
                                 "from a.jsonl (as test-de@1)") != NULL);
    texts[1] = named;
    lens[1] = strlen(named);
    TT_CHECK(wb_policy_load(names, texts, lens, 2, &p) == WB_ERR_FORMAT);
    TT_CHECK(strstr(wb_errmsg(), "purpose vocabulary's") != NULL);
    TT_CHECK(p == NULL);
}

int
main(void)
{
    struct wb_site *s = NULL;
    struct wb_verify_report r;

    snprintf(dir, sizeof dir, "/tmp/wbdecision.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    test_policy_doc();
    test_load_ids();
    strcat(dir, "/site");
    TT_CHECK(wb_site_create(dir, "decision.waybill.example", NULL, 0, &s) ==
             WB_OK);
    if (s != NULL) {
        test_policy_log(s);
        test_decisions(s);
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
