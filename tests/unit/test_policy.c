/* SPDX-License-Identifier: Apache-2.0 */
/* The policy engine: the shipped profiles against the scenario tables in
 * tests/policy/ (decision, mechanisms, citations, profile; must-fail
 * requests), and profiles that must be refused at load with file, line
 * and rule named. */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "tinytest.h"

#define PROFILES  WB_SRC_DIR "/profiles"
#define SCENARIOS WB_SRC_DIR "/tests/policy"

static bool
has_string(json_t *arr, const char *s)
{
    size_t i;
    json_t *e;

    json_array_foreach(arr, i, e)
    {
        if (strcmp(json_string_value(e), s) == 0) {
            return true;
        }
    }
    return false;
}

static void
run_scenario(const struct wb_policy *p, const char *file, int line, json_t *sc)
{
    const char *name = json_string_value(json_object_get(sc, "name"));
    json_t *expect = json_object_get(sc, "expect");
    const char *error = json_string_value(json_object_get(sc, "error"));
    char *req = json_dumps(json_object_get(sc, "request"), JSON_COMPACT);
    struct wb_policy_request q;
    struct wb_policy_decision d;
    char *out = NULL;
    json_t *got = NULL;
    wb_err rc;

    rc = req ? wb_policy_request_parse(p, req, strlen(req), &q) : WB_ERR_NOMEM;
    if (rc == WB_OK) {
        rc = wb_policy_decide(p, &q, &d);
    }
    if (error != NULL) {
        TT_CHECK_MSG(rc != WB_OK && strstr(wb_errmsg(), error) != NULL,
                     "%s:%d %s: want error \"%s\", got %d \"%s\"", file, line,
                     name, error, rc, wb_errmsg());
        goto out;
    }
    TT_CHECK_MSG(rc == WB_OK, "%s:%d %s: %s", file, line, name, wb_errmsg());
    if (rc != WB_OK) {
        goto out;
    }
    TT_CHECK(wb_policy_decision_json(&d, true, &out) == WB_OK);
    got = json_loads(out, 0, NULL);
    {
        const char *want =
            json_string_value(json_object_get(expect, "decision"));
        const char *have = json_string_value(json_object_get(got, "decision"));
        json_t *mechs = json_object_get(expect, "mechanisms");
        json_t *cites = json_object_get(expect, "citations");
        const char *profile =
            json_string_value(json_object_get(expect, "profile"));
        size_t i;
        json_t *e;

        TT_CHECK_MSG(want && have && strcmp(want, have) == 0,
                     "%s:%d %s: decision %s, want %s\n  %s", file, line, name,
                     have, want, out);
        if (mechs != NULL) {
            TT_CHECK_MSG(json_equal(mechs, json_object_get(got, "mechanisms")),
                         "%s:%d %s: mechanisms differ\n  %s", file, line, name,
                         out);
        }
        json_array_foreach(cites, i, e)
        {
            TT_CHECK_MSG(has_string(json_object_get(got, "citations"),
                                    json_string_value(e)),
                         "%s:%d %s: no citation \"%s\"\n  %s", file, line, name,
                         json_string_value(e), out);
        }
        if (profile != NULL) {
            TT_CHECK_MSG(
                strcmp(profile,
                       json_string_value(json_object_get(got, "profile"))) == 0,
                "%s:%d %s: profile differs\n  %s", file, line, name, out);
        }
    }
out:
    json_decref(got);
    wb_free(out);
    free(req);
}

static int scenario_count;

static void
test_scenarios(const struct wb_policy *p)
{
    DIR *d = opendir(SCENARIOS);
    struct dirent *de;

    TT_CHECK(d != NULL);
    while (d != NULL && (de = readdir(d)) != NULL) {
        char path[1024];
        char line[65536];
        FILE *f;
        int n = 0;

        if (strstr(de->d_name, ".jsonl") == NULL) {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", SCENARIOS, de->d_name);
        f = fopen(path, "r");
        TT_CHECK(f != NULL);
        while (f != NULL && fgets(line, sizeof line, f) != NULL) {
            json_t *sc;
            n++;
            if (line[strspn(line, " \t\r\n")] == '\0' || line[0] == '#') {
                continue;
            }
            sc = json_loads(line, 0, NULL);
            TT_CHECK_MSG(sc != NULL, "%s:%d: bad JSON", path, n);
            if (sc != NULL) {
                run_scenario(p, de->d_name, n, sc);
                scenario_count++;
            }
            json_decref(sc);
        }
        if (f != NULL) {
            fclose(f);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
}

/* ---- profiles that must be refused ---------------------------------- */

static const char vocab[] =
    "{\"purpose\":\"service-optimisation\",\"label\":\"x\"}\n"
    "{\"purpose\":\"predictive-maintenance\",\"parent\":\"service-"
    "optimisation\",\"label\":\"y\"}\n";

#define HEADER                                                                 \
    "{\"profile\":\"t\",\"version\":\"1\",\"title\":\"t\",\"applies_to\":"     \
    "[\"CN\"],\"default_cite\":[\"A 1\"]}\n"

/* Load vocab + one profile; return the error (or WB_OK). */
static wb_err
load_one(const char *profile, struct wb_policy **out)
{
    const char *names[] = {"purposes.jsonl", "t.jsonl"};
    const char *texts[] = {vocab, profile};
    size_t lens[] = {strlen(vocab), strlen(profile)};

    return wb_policy_load(names, texts, lens, 2, out);
}

static void
must_refuse(const char *profile, const char *want)
{
    struct wb_policy *p = NULL;
    wb_err rc = load_one(profile, &p);

    TT_CHECK_MSG(rc != WB_OK && p == NULL && strstr(wb_errmsg(), want),
                 "want \"%s\", got %d \"%s\"", want, rc, wb_errmsg());
    wb_policy_free(p);
}

static void
test_bad_profiles(void)
{
    struct wb_policy *p = NULL;

    must_refuse(HEADER "{\"rule\":\"a\",\"decision\":\"deny\"\n",
                "t.jsonl:2: column");
    must_refuse(HEADER "{\"rule\":\"a\",\"decision\":\"deny\",\"reason\":"
                       "\"r\"}\n",
                "t.jsonl:2: a: missing field \"cite\"");
    must_refuse(HEADER "{\"rule\":\"a\",\"decision\":\"deny\",\"cite\":[],"
                       "\"reason\":\"r\"}\n",
                "t.jsonl:2: a: \"cite\" must be a non-empty array");
    must_refuse(HEADER "\n# c\n{\"rule\":\"a\",\"decision\":\"deny\","
                       "\"cite\":[\"x\"],\"reason\":\"r\",\"colour\":1}\n",
                "t.jsonl:4: a: unknown field \"colour\"");
    must_refuse(HEADER "{\"rule\":\"a\",\"if\":{\"recipient.colour\":true},"
                       "\"decision\":\"deny\",\"cite\":[\"x\"],\"reason\":"
                       "\"r\"}\n",
                "t.jsonl:2: a: unknown condition \"recipient.colour\"");
    must_refuse(HEADER "{\"rule\":\"a\",\"if\":{\"recipient.country\":"
                       "\"XX\"},\"decision\":\"deny\",\"cite\":[\"x\"],"
                       "\"reason\":\"r\"}\n",
                "\"XX\" is not an ISO 3166-1 alpha-2 code");
    must_refuse(HEADER "{\"rule\":\"a\",\"if\":{\"purpose\":\"golf\"},"
                       "\"decision\":\"deny\",\"cite\":[\"x\"],\"reason\":"
                       "\"r\"}\n",
                "purpose: \"golf\" is not in the vocabulary");
    /* A list condition that is not a list: refused by name, with nothing
     * read from the missing list (a fuzzing run found that read). */
    must_refuse(HEADER "{\"rule\":\"a\",\"if\":{\"consent.status\":[]},"
                       "\"decision\":\"deny\",\"cite\":[\"x\"],\"reason\":"
                       "\"r\"}\n",
                "t.jsonl:2: a: consent.status: a value or a non-empty list");
    must_refuse(HEADER "{\"rule\":\"a\",\"if\":{\"recipient.role\":{}},"
                       "\"decision\":\"deny\",\"cite\":[\"x\"],\"reason\":"
                       "\"r\"}\n",
                "recipient.role: {\"in\": [...]} or {\"not_in\": [...]}");
    must_refuse(HEADER "{\"rule\":\"a\",\"if\":{\"mechanism.type\":"
                       "{\"in\":[]}},\"decision\":\"deny\",\"cite\":[\"x\"],"
                       "\"reason\":\"r\"}\n",
                "mechanism.type: a value or a non-empty list");
    must_refuse(HEADER "{\"rule\":\"a\",\"if\":{\"purpose\":7},"
                       "\"decision\":\"deny\",\"cite\":[\"x\"],\"reason\":"
                       "\"r\"}\n",
                "purpose: a value or a non-empty list");
    must_refuse(HEADER "{\"rule\":\"a\",\"decision\":\"require_mechanism\","
                       "\"mechanisms\":[\"scc\"],\"cite\":[\"x\"],\"reason\":"
                       "\"r\"}\n",
                "mechanism \"scc\" is not declared");
    /* no strategy: overlapping rules that disagree */
    must_refuse(HEADER "{\"rule\":\"big\",\"if\":{\"data.subjects_ytd\":"
                       "{\"gte\":100000}},\"decision\":\"deny\",\"cite\":"
                       "[\"x\"],\"reason\":\"r\"}\n"
                       "{\"rule\":\"eu\",\"if\":{\"recipient.country\":"
                       "[\"DE\"],\"purpose\":\"service-optimisation\"},"
                       "\"decision\":\"not_applicable\",\"cite\":[\"y\"],"
                       "\"reason\":\"r\"}\n",
                "t.jsonl:3: eu: can match the same request as rule big "
                "(line 2)");
    /* ... and the same rules made disjoint load */
    TT_CHECK(load_one(HEADER "{\"rule\":\"big\",\"if\":{\"data.subjects_ytd\":"
                             "{\"gte\":100000}},\"decision\":\"deny\","
                             "\"cite\":[\"x\"],\"reason\":\"r\"}\n"
                             "{\"rule\":\"eu\",\"if\":{\"data.subjects_ytd\":"
                             "{\"lt\":100000}},\"decision\":\"not_applicable\","
                             "\"cite\":[\"y\"],\"reason\":\"r\"}\n",
                      &p) == WB_OK);
    wb_policy_free(p);
    must_refuse("{\"rule\":\"a\"}\n", "the first line must be the profile");
    must_refuse(HEADER "{\"rule\":\"a\",\"decision\":\"deny\",\"cite\":[\"x\"]"
                       ",\"reason\":\"r\"}\n{\"rule\":\"a\",\"decision\":"
                       "\"deny\",\"cite\":[\"x\"],\"reason\":\"r\"}\n",
                "t.jsonl:3: a: rule id used twice (also line 2)");
}

/* A request with an unknown jurisdiction, class, mechanism or field is an
 * error, never an allow; the purpose hierarchy is followed. */
static void
test_requests(void)
{
    struct wb_policy *p = NULL;
    struct wb_policy_request q;
    static const char *const bad[] = {
        "{\"exporter\":{\"jurisdiction\":\"ZZ\"},\"recipient\":{\"country\":"
        "\"DE\"}}",
        "{\"exporter\":{\"jurisdiction\":\"CN\"},\"recipient\":{\"country\":"
        "\"DE\"},\"data\":{\"classes\":[\"secret\"]}}",
        "{\"exporter\":{\"jurisdiction\":\"CN\"},\"recipient\":{\"country\":"
        "\"DE\"},\"mechanism\":{\"type\":\"handshake\"}}",
        "{\"exporter\":{\"jurisdiction\":\"CN\"},\"recipient\":{\"country\":"
        "\"DE\"},\"data\":{\"subject_ytd\":5}}",
        "{\"exporter\":{\"jurisdiction\":\"CN\"},\"recipient\":{\"country\":"
        "\"DE\"},\"repetitive\":\"yes\"}",
        "{\"exporter\":{\"jurisdiction\":\"CN\"}}",
        "[]",
    };

    TT_CHECK(load_one(HEADER "{\"rule\":\"a\",\"decision\":\"allow\",\"cite\":"
                             "[\"x\"],\"reason\":\"r\"}\n",
                      &p) == WB_OK);
    for (size_t i = 0; p && i < sizeof bad / sizeof bad[0]; i++) {
        TT_CHECK_MSG(wb_policy_request_parse(p, bad[i], strlen(bad[i]), &q) ==
                         WB_ERR_INVAL,
                     "accepted %s", bad[i]);
    }
    if (p != NULL) {
        const char *ok = "{\"exporter\":{\"jurisdiction\":\"FR\"},"
                         "\"recipient\":{\"country\":\"US\"}}";
        struct wb_policy_decision d;
        TT_CHECK(wb_policy_request_parse(p, ok, strlen(ok), &q) == WB_OK);
        TT_CHECK(wb_policy_decide(p, &q, &d) == WB_ERR_NOTFOUND);
        TT_CHECK(wb_policy_purpose_covers(p, "service-optimisation",
                                          "predictive-maintenance"));
        TT_CHECK(!wb_policy_purpose_covers(p, "predictive-maintenance",
                                           "service-optimisation"));
    }
    wb_policy_free(p);
}

static void
test_dates(void)
{
    int32_t d;
    char buf[11];

    TT_CHECK(wb_date_parse("1970-01-01", &d) == WB_OK && d == 0);
    TT_CHECK(wb_date_parse("2024-02-29", &d) == WB_OK);
    wb_date_format(d, buf);
    TT_CHECK(strcmp(buf, "2024-02-29") == 0);
    TT_CHECK(wb_date_parse("2023-02-29", &d) != WB_OK);
    TT_CHECK(wb_date_parse("2026-13-01", &d) != WB_OK);
    TT_CHECK(wb_date_parse("2026-1-01", &d) != WB_OK);
}

int
main(void)
{
    struct wb_policy *p = NULL;
    wb_err rc;

    TT_CHECK(wb_init() == WB_OK);
    test_dates();
    test_bad_profiles();
    test_requests();
    {
        /* a directory without the vocabulary is named as such */
        char dir[] = "/tmp/wb-noprofiles-XXXXXX";
        TT_CHECK(mkdtemp(dir) != NULL);
        TT_CHECK(wb_policy_load_dir(dir, &p) == WB_ERR_FORMAT && p == NULL);
        TT_CHECK_MSG(strstr(wb_errmsg(), "no purposes.jsonl") != NULL &&
                         strstr(wb_errmsg(), dir) != NULL,
                     "%s", wb_errmsg());
        rmdir(dir);
    }
    rc = wb_policy_load_dir(PROFILES, &p);
    TT_CHECK_MSG(rc == WB_OK, "shipped profiles: %s", wb_errmsg());
    if (p != NULL) {
        test_scenarios(p);
        TT_CHECK_MSG(scenario_count >= 40, "only %d scenarios", scenario_count);
    }
    wb_policy_free(p);
    return TT_REPORT();
}
