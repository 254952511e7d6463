/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: strict documents (every must-fail case
 * names its field), registration, status transitions, the effective status
 * by date, key pins from certificates, tampering caught by the self-check,
 * and every allocation failing in turn. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/server.h>
#include <waybill/waybill.h>

#include "core/core_int.h"
#include "tinytest.h"

static char dir[64];

#define DOC_HEAD                                                               \
    "{\"id\":\"srv-eu-1\",\"endpoint\":\"https://eu.example.com:8443/in\","    \
    "\"operator\":\"Example GmbH\",\"country\":\"DE\",\"role\":\"processor\"," \
    "\"registration\":\"CAC-2026-001\","
#define MECH                                                                   \
    "\"mechanism\":{\"type\":\"scc\",\"reference\":\"SCC M2\","                \
    "\"valid_from\":\"2026-01-01\",\"valid_until\":\"2029-05-01\"}"

static const char good_doc[] = DOC_HEAD MECH "}";

/* A certificate made with
 * openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
 * and its pin from
 * openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
 * openssl dgst -sha256 -binary | base64 */
static const char cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBbTCCAROgAwIBAgIUSz3IbHv4TljYlKvpdmKf0a25eXswCgYIKoZIzj0EAwIw\n"
    "DDEKMAgGA1UEAwwBeDAeFw0yNjExMjIwNzM5MjBaFw0zNjExMTkwNzM5MjBaMAwx\n"
    "CjAIBgNVBAMMAXgwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT9EvhfHWDM4KdM\n"
    "hk6tYvt0tHtGDq2mgs/BxIOFgGf9ndkDSKEsgmWlPbjWRORN0YjYp2LG+4CHPqWS\n"
    "54c+Slo+o1MwUTAdBgNVHQ4EFgQU6Q2pTwolG2OpH9QCOKMs8/Bz+WYwHwYDVR0j\n"
    "BBgwFoAU6Q2pTwolG2OpH9QCOKMs8/Bz+WYwDwYDVR0TAQH/BAUwAwEB/zAKBggq\n"
    "hkjOPQQDAgNIADBFAiEA7FZs0fch6rWz1kezV+48PvU1Kir5r1tjRJ41pDbaH10C\n"
    "ICYbko60ZSNpn0z/+//ETshOzyutLyNfcaKtVbDbyzHl\n"
    "-----END CERTIFICATE-----\n";
static const char cert_pin[] =
    "sha256//80uNgEONtyutBmTBK9l2SR+V2ZeARmCcEb/H3AtdIO8=";

static int32_t
day(const char *s)
{
    int32_t d = 0;

    if (wb_date_parse(s, &d) != WB_OK) {
        tt_fail++;
    }
    return d;
}

static struct wb_server
sample(const char *id)
{
    struct wb_server s;

    TT_CHECK(wb_server_from_json(good_doc, strlen(good_doc), &s) == WB_OK);
    snprintf(s.id, sizeof s.id, "%s", id);
    return s;
}

static void
test_parse_and_round_trip(void)
{
    static const char full[] = DOC_HEAD MECH
        ",\"version\":3,\"replaces\":2,\"pin\":\"" WB_SERVER_PIN_PREFIX
        "80uNgEONtyutBmTBK9l2SR+V2ZeARmCcEb/H3AtdIO8=\",\"status\":"
        "\"suspended\",\"reason\":\"audit \\u00e9\",\"recorded\":"
        "\"2026-11-22T10:11:12Z\"}";
    struct wb_server s;
    struct wb_server t;
    char *json = NULL;
    char *json2 = NULL;

    TT_CHECK(wb_server_from_json(good_doc, strlen(good_doc), &s) == WB_OK);
    TT_CHECK(strcmp(s.id, "srv-eu-1") == 0 && s.version == 0 &&
             s.replaces == 0);
    TT_CHECK(strcmp(s.operator_name, "Example GmbH") == 0);
    TT_CHECK(s.role == WB_ROLE_PROCESSOR && s.status == WB_SERVER_ACTIVE);
    TT_CHECK(s.mechanism.has_valid_from &&
             s.mechanism.valid_from == day("2026-01-01") &&
             s.mechanism.valid_until == day("2029-05-01"));
    TT_CHECK(s.pin[0] == '\0' && s.reason[0] == '\0' && s.recorded == 0);

    TT_CHECK_MSG(wb_server_from_json(full, strlen(full), &s) == WB_OK, "%s",
                 wb_errmsg());
    TT_CHECK(s.version == 3 && s.replaces == 2 &&
             s.status == WB_SERVER_SUSPENDED);
    TT_CHECK(strcmp(s.reason, "audit \xc3\xa9") == 0);
    TT_CHECK(s.recorded == 1795342272);
    TT_CHECK(strcmp(s.pin, cert_pin) == 0);
    TT_CHECK(wb_server_to_json(&s, &json) == WB_OK);
    TT_CHECK(json != NULL &&
             wb_server_from_json(json, strlen(json), &t) == WB_OK);
    TT_CHECK(wb_server_to_json(&t, &json2) == WB_OK);
    TT_CHECK(json != NULL && json2 != NULL && strcmp(json, json2) == 0);
    TT_CHECK(json != NULL &&
             strncmp(json, "{\"id\":\"srv-eu-1\",\"version\":3,", 29) == 0);
    TT_CHECK(json != NULL &&
             strstr(json, "\"recorded\":\"2026-11-22T10:11:12Z\"") != NULL);
    wb_free(json);
    wb_free(json2);

    /* null for the optional ones */
    {
        static const char nulls[] =
            "{\"id\":\"a\",\"version\":null,\"replaces\":null,\"endpoint\":"
            "\"https://[2001:db8::1]/x\",\"operator\":\"O\",\"country\":"
            "\"JP\",\"role\":\"third-party\",\"registration\":\"R\","
            "\"mechanism\":{\"type\":\"adequacy\",\"reference\":\"2019/419\","
            "\"valid_from\":null,\"valid_until\":\"2030-01-01\"},\"pin\":null,"
            "\"status\":null,\"reason\":null,\"recorded\":null}";
        TT_CHECK_MSG(wb_server_from_json(nulls, strlen(nulls), &s) == WB_OK,
                     "%s", wb_errmsg());
        TT_CHECK(!s.mechanism.has_valid_from && s.role == WB_ROLE_THIRD_PARTY);
    }
}

/* Each document must fail with code want and a message naming field. */
struct bad_case {
    const char *doc;
    wb_err want;
    const char *field;
};

static void
test_must_fail(void)
{
    static const struct bad_case cases[] = {
        {"", WB_ERR_FORMAT, "line 1"},
        {"[]", WB_ERR_FORMAT, "JSON object"},
        {"{\"id\":\"a\"", WB_ERR_FORMAT, "line 1"},
        {DOC_HEAD MECH ",\"colour\":\"red\"}", WB_ERR_FORMAT,
         "unknown field \"colour\""},
        {DOC_HEAD
         "\"mechanism\":{\"type\":\"scc\",\"reference\":\"R\",\"valid_until\":"
         "\"2029-05-01\",\"extra\":1}}",
         WB_ERR_FORMAT, "mechanism: unknown field \"extra\""},
        {DOC_HEAD MECH ",\"id\":\"b\"}", WB_ERR_FORMAT, "duplicate"},
        {"{\"endpoint\":\"https://a.example\",\"operator\":\"O\","
         "\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_FORMAT, "id: missing"},
        {DOC_HEAD "\"mechanism\":{\"type\":\"scc\",\"reference\":\"R\"}}",
         WB_ERR_FORMAT, "mechanism.valid_until: missing"},
        {DOC_HEAD "\"mechanism\":\"scc\"}", WB_ERR_FORMAT, "mechanism:"},
        {DOC_HEAD MECH ",\"version\":\"1\"}", WB_ERR_FORMAT, "version:"},
        {DOC_HEAD MECH ",\"version\":0}", WB_ERR_INVAL, "version:"},
        {DOC_HEAD MECH ",\"version\":1.5}", WB_ERR_FORMAT, "version:"},
        {DOC_HEAD MECH ",\"version\":2,\"replaces\":2}", WB_ERR_INVAL,
         "replaces:"},
        {DOC_HEAD MECH ",\"pin\":7}", WB_ERR_FORMAT, "pin:"},
        {DOC_HEAD MECH ",\"pin\":\"sha256//abc\"}", WB_ERR_INVAL, "pin:"},
        {DOC_HEAD MECH ",\"pin\":\"sha1//80uNgEONtyutBmTBK9l2SR+V2ZeARmCcEb/"
                       "H3AtdIO8=\"}",
         WB_ERR_INVAL, "pin:"},
        {DOC_HEAD MECH ",\"status\":\"expired\"}", WB_ERR_INVAL, "status:"},
        {DOC_HEAD MECH ",\"status\":\"\"}", WB_ERR_INVAL, "status:"},
        {DOC_HEAD MECH ",\"recorded\":\"2026-11-22 10:11:12\"}", WB_ERR_INVAL,
         "recorded:"},
        {DOC_HEAD MECH ",\"recorded\":\"2026-11-22T24:00:00Z\"}", WB_ERR_INVAL,
         "recorded:"},
        {DOC_HEAD MECH ",\"reason\":\"line\\nbreak\"}", WB_ERR_INVAL,
         "reason:"},
        {DOC_HEAD MECH ",\"reason\":\"nul\\u0000\"}", WB_ERR_FORMAT, "line 1"},
        {"{\"id\":\"has space\",\"endpoint\":\"https://a.example\","
         "\"operator\":\"O\",\"country\":\"DE\",\"role\":\"processor\","
         "\"registration\":\"R\"," MECH "}",
         WB_ERR_INVAL, "id:"},
        {"{\"id\":\"a\",\"endpoint\":\"http://a.example\",\"operator\":\"O\","
         "\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "endpoint:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://\",\"operator\":\"O\","
         "\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "endpoint:"},
        {"{\"id\":\"a\",\"endpoint\":\"https:///path\",\"operator\":\"O\","
         "\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "endpoint:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://u:p@a.example/\",\"operator\":"
         "\"O\",\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "endpoint:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example:70000/\",\"operator\":"
         "\"O\",\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "endpoint:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example/a b\",\"operator\":"
         "\"O\",\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "endpoint:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a..example\",\"operator\":"
         "\"O\",\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "endpoint:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example\",\"operator\":\"\","
         "\"country\":\"DE\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "operator:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example\",\"operator\":\"O\","
         "\"country\":\"de\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "country:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example\",\"operator\":\"O\","
         "\"country\":\"XX\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_INVAL, "country:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example\",\"operator\":\"O\","
         "\"country\":\"DEU\",\"role\":\"processor\",\"registration\":"
         "\"R\"," MECH "}",
         WB_ERR_TOOBIG, "country:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example\",\"operator\":\"O\","
         "\"country\":\"DE\",\"role\":\"owner\",\"registration\":\"R\"," MECH
         "}",
         WB_ERR_INVAL, "role:"},
        {"{\"id\":\"a\",\"endpoint\":\"https://a.example\",\"operator\":\"O\","
         "\"country\":\"DE\",\"role\":\"processor\",\"registration\":\"\"," MECH
         "}",
         WB_ERR_INVAL, "registration:"},
        {DOC_HEAD "\"mechanism\":{\"type\":\"SCC\",\"reference\":\"R\","
                  "\"valid_until\":\"2029-05-01\"}}",
         WB_ERR_INVAL, "mechanism.type:"},
        {DOC_HEAD "\"mechanism\":{\"type\":\"scc\",\"reference\":\"\","
                  "\"valid_until\":\"2029-05-01\"}}",
         WB_ERR_INVAL, "mechanism.reference:"},
        {DOC_HEAD "\"mechanism\":{\"type\":\"scc\",\"reference\":\"R\","
                  "\"valid_until\":\"2029-02-30\"}}",
         WB_ERR_INVAL, "mechanism.valid_until:"},
        {DOC_HEAD "\"mechanism\":{\"type\":\"scc\",\"reference\":\"R\","
                  "\"valid_until\":20290501}}",
         WB_ERR_FORMAT, "mechanism.valid_until:"},
        {DOC_HEAD "\"mechanism\":{\"type\":\"scc\",\"reference\":\"R\","
                  "\"valid_from\":\"2029-06-01\",\"valid_until\":"
                  "\"2029-05-01\"}}",
         WB_ERR_INVAL, "mechanism.valid_until:"},
    };
    struct wb_server s;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *k = &cases[i];
        wb_err rc = wb_server_from_json(k->doc, strlen(k->doc), &s);
        TT_CHECK_MSG(rc == k->want, "case %zu: %s, want %s (%s)", i,
                     wb_strerror(rc), wb_strerror(k->want), wb_errmsg());
        TT_CHECK_MSG(strstr(wb_errmsg(), k->field) != NULL,
                     "case %zu: \"%s\" lacks \"%s\"", i, wb_errmsg(), k->field);
        TT_CHECK(s.id[0] == '\0'); /* nothing half-filled */
    }

    /* length caps: a field and the whole document */
    {
        char big[WB_SERVER_DOC_MAX + 64];
        char op[WB_SERVER_TEXT_MAX + 2];
        memset(op, 'o', sizeof op - 1);
        op[sizeof op - 1] = '\0';
        snprintf(big, sizeof big,
                 "{\"id\":\"a\",\"endpoint\":\"https://a.example\","
                 "\"operator\":\"%s\",\"country\":\"DE\",\"role\":"
                 "\"processor\",\"registration\":\"R\"," MECH "}",
                 op);
        TT_CHECK(wb_server_from_json(big, strlen(big), &s) == WB_ERR_TOOBIG);
        TT_CHECK(strstr(wb_errmsg(), "operator:") != NULL);
        memset(big, ' ', sizeof big);
        memcpy(big, good_doc, strlen(good_doc));
        TT_CHECK(wb_server_from_json(big, WB_SERVER_DOC_MAX, &s) == WB_OK);
        TT_CHECK(wb_server_from_json(big, WB_SERVER_DOC_MAX + 1, &s) ==
                 WB_ERR_TOOBIG);
    }

    /* the C API is checked the same way */
    s = sample("a");
    s.role = WB_ROLE_NONE;
    TT_CHECK(wb_server_check(&s) == WB_ERR_INVAL);
    s = sample("a");
    memset(s.registration, 'r', sizeof s.registration);
    TT_CHECK(wb_server_check(&s) == WB_ERR_TOOBIG);
    s = sample("a");
    s.status = WB_SERVER_EXPIRED;
    TT_CHECK(wb_server_check(&s) == WB_ERR_INVAL);
    s = sample("a");
    snprintf(s.operator_name, sizeof s.operator_name, "bad \xff utf-8");
    TT_CHECK(wb_server_check(&s) == WB_ERR_INVAL);
}

static void
test_countries(void)
{
    static const char list[] =
        "{\"3166-1\":[{\"alpha_2\":\"DE\",\"name\":\"Germany\"},"
        "{\"alpha_2\":\"CN\"}]}";

    TT_CHECK(wb_country_check("DE") == WB_OK);
    TT_CHECK(wb_country_check("CN") == WB_OK);
    TT_CHECK(wb_country_check("XX") == WB_ERR_INVAL);
    TT_CHECK(wb_country_check("") == WB_ERR_INVAL);
    TT_CHECK(wb_country_check_in(list, strlen(list), "CN") == WB_OK);
    TT_CHECK(wb_country_check_in(list, strlen(list), "FR") == WB_ERR_INVAL);
    TT_CHECK(wb_country_check_in("{}", 2, "DE") == WB_ERR_FORMAT);
    TT_CHECK(wb_country_check_in("{", 1, "DE") == WB_ERR_FORMAT);
}

static void
test_effective(void)
{
    struct wb_server s = sample("a");

    TT_CHECK(wb_server_effective(&s, day("2025-12-31")) ==
             WB_SERVER_NOT_YET_VALID);
    TT_CHECK(wb_server_effective(&s, day("2026-01-01")) == WB_SERVER_ACTIVE);
    TT_CHECK(wb_server_effective(&s, day("2029-05-01")) == WB_SERVER_ACTIVE);
    TT_CHECK(wb_server_effective(&s, day("2029-05-02")) == WB_SERVER_EXPIRED);
    TT_CHECK(!wb_server_registered(&s, day("2029-05-02")));
    TT_CHECK(!wb_server_registered(&s, day("2025-12-31")));
    TT_CHECK(wb_server_registered(&s, day("2027-01-01")));
    s.mechanism.has_valid_from = false;
    TT_CHECK(wb_server_effective(&s, day("1999-01-01")) == WB_SERVER_ACTIVE);
    s.status = WB_SERVER_SUSPENDED;
    TT_CHECK(wb_server_effective(&s, day("2027-01-01")) == WB_SERVER_SUSPENDED);
    TT_CHECK(!wb_server_registered(&s, day("2027-01-01")));
    s.status = WB_SERVER_REVOKED;
    TT_CHECK(wb_server_effective(&s, day("2030-01-01")) == WB_SERVER_REVOKED);
    TT_CHECK(strcmp(wb_server_status_name(WB_SERVER_NOT_YET_VALID),
                    "not-yet-valid") == 0);
    TT_CHECK(strcmp(wb_server_status_name((enum wb_server_status)9), "?") == 0);
    TT_CHECK(strcmp(wb_server_role_name(WB_ROLE_THIRD_PARTY), "third-party") ==
             0);
    TT_CHECK(strcmp(wb_server_role_name(WB_ROLE_NONE), "?") == 0);
}

static void
test_pin(void)
{
    char pin[WB_SERVER_PIN_MAX + 1];
    struct wb_server s = sample("a");

    TT_CHECK(wb_server_pin_from_pem(cert_pem, strlen(cert_pem), pin) == WB_OK);
    TT_CHECK_MSG(strcmp(pin, cert_pin) == 0, "%s", pin);
    memcpy(s.pin, pin, sizeof pin);
    TT_CHECK(wb_server_check(&s) == WB_OK);
    TT_CHECK(wb_server_pin_from_pem("not a cert", 10, pin) == WB_ERR_FORMAT);
    TT_CHECK(pin[0] == '\0');
    TT_CHECK(wb_server_pin_from_pem(cert_pem, 100, pin) == WB_ERR_FORMAT);
}

static void
test_registry(void)
{
    struct wb_site *site = NULL;
    struct wb_server s = sample("srv-eu-1");
    struct wb_server got;
    struct wb_server *v = NULL;
    size_t n = 0;
    uint64_t entry = 99;

    TT_CHECK(wb_site_create(dir, "servers.waybill.example", NULL, 0, &site) ==
             WB_OK);
    if (site == NULL) {
        return;
    }
    TT_CHECK(wb_server_list(site, &v, &n) == WB_OK && n == 0 && v == NULL);
    TT_CHECK(wb_server_get(site, "srv-eu-1", 0, &got) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_server_history(site, "srv-eu-1", &v, &n) == WB_ERR_NOTFOUND);

    TT_CHECK_MSG(wb_server_register(site, &s, &entry) == WB_OK, "%s",
                 wb_errmsg());
    TT_CHECK(entry == 0);
    TT_CHECK(wb_server_register(site, &s, NULL) == WB_ERR_EXISTS);
    TT_CHECK(strstr(wb_errmsg(), "srv-eu-1") != NULL);
    TT_CHECK(wb_server_get(site, "srv-eu-1", 0, &got) == WB_OK);
    TT_CHECK(got.version == 1 && got.replaces == 0 && got.entry == 0 &&
             got.recorded > 0 && got.status == WB_SERVER_ACTIVE);
    TT_CHECK(strcmp(got.endpoint, s.endpoint) == 0);

    /* a new registration is version 1, active */
    s = sample("srv-us-1");
    s.version = 2;
    TT_CHECK(wb_server_register(site, &s, NULL) == WB_ERR_INVAL);
    s.version = 0;
    s.status = WB_SERVER_SUSPENDED;
    TT_CHECK(wb_server_register(site, &s, NULL) == WB_ERR_INVAL);
    s.status = WB_SERVER_ACTIVE;
    snprintf(s.country, sizeof s.country, "US");
    s.role = WB_ROLE_IMPORTER;
    TT_CHECK(wb_server_register(site, &s, &entry) == WB_OK && entry == 1);
    TT_CHECK(wb_site_size(site) == 2);

    /* transitions */
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_ACTIVE, "x",
                                  NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_SUSPENDED, "",
                                  NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_SUSPENDED, NULL,
                                  NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_EXPIRED, "x",
                                  NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_server_set_status(site, "nope", WB_SERVER_SUSPENDED, "x",
                                  NULL) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_site_size(site) == 2); /* refusals write nothing */
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_SUSPENDED,
                                  "audit pending", &entry) == WB_OK);
    TT_CHECK(entry == 2);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_SUSPENDED, "x",
                                  NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_ACTIVE,
                                  "audit passed", NULL) == WB_OK);
    TT_CHECK(wb_server_get(site, "srv-eu-1", 0, &got) == WB_OK);
    TT_CHECK(got.version == 3 && got.replaces == 2 &&
             got.status == WB_SERVER_ACTIVE &&
             strcmp(got.reason, "audit passed") == 0);
    TT_CHECK(wb_server_get(site, "srv-eu-1", 2, &got) == WB_OK);
    TT_CHECK(got.status == WB_SERVER_SUSPENDED && got.entry == 2);
    TT_CHECK(wb_server_get(site, "srv-eu-1", 9, &got) == WB_ERR_NOTFOUND);

    /* an update (renewed mechanism) keeps the status */
    s = sample("srv-eu-1");
    s.mechanism.valid_until = day("2031-12-31");
    snprintf(s.reason, sizeof s.reason, "renewed");
    TT_CHECK(wb_server_update(site, &s, &entry) == WB_OK && entry == 4);
    TT_CHECK(wb_server_get(site, "srv-eu-1", 0, &got) == WB_OK);
    TT_CHECK(got.version == 4 && got.status == WB_SERVER_ACTIVE &&
             got.mechanism.valid_until == day("2031-12-31"));
    s = sample("srv-xx");
    TT_CHECK(wb_server_update(site, &s, NULL) == WB_ERR_NOTFOUND);

    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_REVOKED,
                                  "contract ended", NULL) == WB_OK);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_ACTIVE, "x",
                                  NULL) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "final") != NULL);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_SUSPENDED, "x",
                                  NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_server_set_status(site, "srv-eu-1", WB_SERVER_REVOKED, "x",
                                  NULL) == WB_ERR_INVAL);
    s = sample("srv-eu-1");
    TT_CHECK(wb_server_update(site, &s, NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_site_size(site) == 6);

    TT_CHECK(wb_server_history(site, "srv-eu-1", &v, &n) == WB_OK && n == 5);
    for (size_t i = 0; v != NULL && i < n; i++) {
        TT_CHECK(v[i].version == i + 1);
    }
    TT_CHECK(v != NULL && v[4].status == WB_SERVER_REVOKED);
    wb_free(v);
    TT_CHECK(wb_server_list(site, &v, &n) == WB_OK && n == 2);
    TT_CHECK(v != NULL && strcmp(v[0].id, "srv-eu-1") == 0 &&
             v[0].version == 5 && strcmp(v[1].id, "srv-us-1") == 0);
    TT_CHECK(v != NULL && !wb_server_registered(&v[0], day("2027-01-01")) &&
             wb_server_registered(&v[1], day("2027-01-01")));
    wb_free(v);

    /* the entries are "server" entries carrying the documents */
    {
        uint8_t *leaf = NULL;
        size_t leaf_len = 0;
        struct wb_claims *c = NULL;
        struct wb_verify_report r;
        TT_CHECK(wb_site_leaf(site, 2, &leaf, &leaf_len) == WB_OK);
        TT_CHECK(wb_claims_decode(leaf, leaf_len, &c) == WB_OK);
        TT_CHECK(c != NULL && strcmp(c->kind, "server") == 0 &&
                 strcmp(c->sub, "srv-eu-1") == 0);
        wb_claims_free(c);
        wb_free(leaf);
        TT_CHECK_MSG(wb_site_verify(site, &r) == WB_OK, "%s", r.what);
    }
    wb_site_close(site);
}

/* Change the database behind the library's back. */
static void
tamper(const char *sql)
{
    char path[128];
    sqlite3 *db = NULL;

    snprintf(path, sizeof path, "%s/%s", dir, WB_SITE_DB_FILE);
    TT_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    TT_CHECK_MSG(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s",
                 sqlite3_errmsg(db));
    TT_CHECK(sqlite3_changes(db) == 1);
    sqlite3_close(db);
}

static void
test_tamper(void)
{
    struct wb_site *site = NULL;
    struct wb_verify_report r;
    struct wb_server got;

    /* a longer validity written into the stored document */
    tamper("UPDATE registers SET doc = replace(doc, '2029-05-01', "
           "'2039-05-01') WHERE reg = 'server' AND id = 'srv-us-1'");
    TT_CHECK(wb_site_open(dir, &site) == WB_OK);
    if (site == NULL) {
        return;
    }
    TT_CHECK(wb_site_verify(site, &r) == WB_ERR_VERIFY);
    TT_CHECK_MSG(r.first_bad == 1 && strstr(r.what, "server srv-us-1") != NULL,
                 "%lld %s", (long long)r.first_bad, r.what);
    wb_site_close(site);
    tamper("UPDATE registers SET doc = replace(doc, '2039-05-01', "
           "'2029-05-01') WHERE reg = 'server' AND id = 'srv-us-1'");
    TT_CHECK(wb_site_open(dir, &site) == WB_OK);
    TT_CHECK(site != NULL && wb_site_verify(site, &r) == WB_OK);
    wb_site_close(site);

    /* a version of one server passed off as another's */
    tamper("UPDATE registers SET doc = replace(doc, '\"version\":2,', "
           "'\"version\":7,') WHERE reg = 'server' AND id = 'srv-eu-1' AND "
           "version = 2");
    TT_CHECK(wb_site_open(dir, &site) == WB_OK);
    TT_CHECK(site != NULL &&
             wb_server_get(site, "srv-eu-1", 2, &got) == WB_ERR_VERIFY);
    TT_CHECK(site != NULL && wb_site_verify(site, &r) == WB_ERR_VERIFY);
    wb_site_close(site);
}

/* Fail each allocation in turn: NOMEM or success, never a crash or leak,
 * and a failed registration leaves nothing behind. */
static void
test_alloc_failures(const char *fdir)
{
    struct wb_site *s0 = NULL;
    int completed = 0;

    TT_CHECK(wb_site_create(fdir, "fault.waybill.example", NULL, 0, &s0) ==
             WB_OK);
    wb_site_close(s0);
    for (unsigned long k = 1; k < 5000 && !completed; k++) {
        struct wb_site *site = NULL;
        struct wb_server s = sample("srv-f");
        struct wb_server *v = NULL;
        size_t n = 0;
        char *json = NULL;
        wb_err rc;

        wb__test_fail_alloc_at(k);
        rc = wb_site_open(fdir, &site);
        if (rc == WB_OK) {
            rc = wb_site_begin(site);
        }
        if (rc == WB_OK) {
            rc = wb_server_register(site, &s, NULL);
        }
        if (rc == WB_OK) {
            rc = wb_server_set_status(site, "srv-f", WB_SERVER_SUSPENDED, "x",
                                      NULL);
        }
        if (rc == WB_OK) {
            rc = wb_server_list(site, &v, &n);
        }
        if (rc == WB_OK) {
            rc = wb_server_to_json(&v[0], &json);
        }
        wb_site_rollback(site); /* every round sees an empty site */
        TT_CHECK_MSG(rc == WB_OK || rc == WB_ERR_NOMEM,
                     "allocation %lu: %s (%s)", k, wb_strerror(rc),
                     wb_errmsg());
        completed = rc == WB_OK && n == 1;
        wb_free(json);
        wb_free(v);
        wb_site_close(site);
    }
    wb__test_fail_alloc_at(0);
    TT_CHECK(completed);
}

int
main(void)
{
    snprintf(dir, sizeof dir, "/tmp/wbserver.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    {
        char fdir[80];
        snprintf(fdir, sizeof fdir, "%s/fault", dir);
        strcat(dir, "/site");
        test_countries();
        test_parse_and_round_trip();
        test_must_fail();
        test_effective();
        test_pin();
        test_registry();
        test_tamper();
        test_alloc_failures(fdir);
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
