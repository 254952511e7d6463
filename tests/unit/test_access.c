/* SPDX-License-Identifier: Apache-2.0 */
/* API keys and client certificates: keys are stored only as hashes (the
 * secret never appears in the database files), wrong, malformed and
 * revoked keys are refused, certificates authenticate by fingerprint, and
 * the transport-free handler enforces roles. Also: two handles on one
 * site append in turn without colliding (the daemon's HTTP and MQTT
 * threads). */
#include <stdlib.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "core/core_int.h"
#include "tinytest.h"

static char dir[64];

/* Does the file at path contain needle? */
static int
file_has(const char *path, const char *needle)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int found = 0;

    if (wb__read_file(path, 64u << 20, &buf, &len) != WB_OK) {
        return 0;
    }
    for (size_t i = 0; i + strlen(needle) <= len && !found; i++) {
        found = memcmp(buf + i, needle, strlen(needle)) == 0;
    }
    wb_free(buf);
    return found;
}

static void
test_keys(struct wb_site *s)
{
    char key[WB_APIKEY_TEXT_MAX + 1];
    char other[WB_APIKEY_TEXT_MAX + 1];
    char path[128];
    struct wb_apikey k;
    struct wb_apikey got;
    struct wb_apikey *v = NULL;
    size_t n = 0;
    enum wb_access_role r;

    TT_CHECK(wb_apikey_create(s, WB_ACCESS_AUDITOR, "audit", key, &k) == WB_OK);
    TT_CHECK(strlen(key) == WB_APIKEY_TEXT_MAX);
    TT_CHECK(strncmp(key, "wbk_", 4) == 0 && key[4 + 16] == '_');
    TT_CHECK(wb_apikey_check(s, key, strlen(key), &got) == WB_OK);
    TT_CHECK(got.role == WB_ACCESS_AUDITOR && strcmp(got.id, k.id) == 0);
    TT_CHECK(strcmp(got.name, "audit") == 0 && !got.is_cert);
    /* hash-only: neither the key text nor its secret part in the files */
    snprintf(path, sizeof path, "%s/waybill.db", dir);
    TT_CHECK(!file_has(path, key + 21));
    snprintf(path, sizeof path, "%s/waybill.db-wal", dir);
    TT_CHECK(!file_has(path, key + 21));
    /* one character of the secret changed */
    memcpy(other, key, sizeof other);
    other[30] = other[30] == 'A' ? 'B' : 'A';
    TT_CHECK(wb_apikey_check(s, other, strlen(other), &got) == WB_ERR_DENIED);
    TT_CHECK(strstr(wb_errmsg(), "wrong") != NULL);
    /* an unknown id, malformed keys */
    memcpy(other, key, sizeof other);
    other[5] = other[5] == '0' ? '1' : '0';
    TT_CHECK(wb_apikey_check(s, other, strlen(other), &got) == WB_ERR_DENIED);
    TT_CHECK(strstr(wb_errmsg(), "unknown") != NULL);
    TT_CHECK(wb_apikey_check(s, key, strlen(key) - 1, &got) == WB_ERR_DENIED);
    TT_CHECK(wb_apikey_check(s, "", 0, &got) == WB_ERR_DENIED);
    memcpy(other, key, sizeof other);
    other[4] = 'G';
    TT_CHECK(wb_apikey_check(s, other, strlen(other), &got) == WB_ERR_DENIED);
    TT_CHECK(strstr(wb_errmsg(), "malformed") != NULL);
    /* bad roles and names are refused */
    TT_CHECK(wb_apikey_create(s, WB_ACCESS_NONE, NULL, other, NULL) ==
             WB_ERR_INVAL);
    TT_CHECK(wb_apikey_create(s, (enum wb_access_role)3, NULL, other, NULL) ==
             WB_ERR_INVAL);
    TT_CHECK(wb_apikey_create(s, WB_ACCESS_ADMIN, "a\nb", other, NULL) ==
             WB_ERR_INVAL);
    TT_CHECK(wb_access_role_parse("root", &r) == WB_ERR_INVAL);
    TT_CHECK(wb_access_role_parse("maintainer", &r) == WB_OK &&
             r == WB_ACCESS_MAINTAINER);
    /* revoked: refused for good */
    TT_CHECK(wb_apikey_revoke(s, k.id) == WB_OK);
    TT_CHECK(wb_apikey_check(s, key, strlen(key), &got) == WB_ERR_DENIED);
    TT_CHECK(strstr(wb_errmsg(), "revoked") != NULL);
    TT_CHECK(wb_apikey_revoke(s, k.id) == WB_ERR_EXISTS);
    TT_CHECK(wb_apikey_revoke(s, "0000000000000000") == WB_ERR_NOTFOUND);
    TT_CHECK(wb_apikey_list(s, &v, &n) == WB_OK && n == 1);
    TT_CHECK(n == 1 && v[0].revoked != 0 && strcmp(v[0].id, k.id) == 0);
    wb_free(v);
}

/* A self-signed certificate made by openssl, registered by fingerprint. */
static void
test_certs(struct wb_site *s)
{
    char cmd[512];
    char path[128];
    uint8_t *pem = NULL;
    size_t len = 0;
    uint8_t fp[32];
    struct wb_apikey k;
    struct wb_apikey got;

    snprintf(path, sizeof path, "%s/c.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
             "-nodes -subj /CN=t -keyout %s/c.key -out %s -days 1 "
             ">/dev/null 2>&1",
             dir, path);
    TT_CHECK(system(cmd) == 0);
    TT_CHECK(wb__read_file(path, 65536, &pem, &len) == WB_OK);
    TT_CHECK(wb_apikey_add_cert(s, WB_ACCESS_OPERATOR, "plc", (char *)pem, len,
                                &k) == WB_OK);
    TT_CHECK(k.is_cert);
    TT_CHECK(wb_apikey_add_cert(s, WB_ACCESS_ADMIN, "again", (char *)pem, len,
                                NULL) == WB_ERR_EXISTS);
    TT_CHECK(wb_apikey_check_cert(s, k.cert_sha256, &got) == WB_OK &&
             got.role == WB_ACCESS_OPERATOR);
    memcpy(fp, k.cert_sha256, 32);
    fp[0] ^= 1;
    TT_CHECK(wb_apikey_check_cert(s, fp, &got) == WB_ERR_DENIED);
    TT_CHECK(wb_apikey_add_cert(s, WB_ACCESS_ADMIN, NULL, "junk", 4, NULL) ==
             WB_ERR_FORMAT);
    TT_CHECK(wb_apikey_revoke(s, k.id) == WB_OK);
    TT_CHECK(wb_apikey_check_cert(s, k.cert_sha256, &got) == WB_ERR_DENIED);
    wb_free(pem);
}

/* GET path with key through the handler: the status. */
static int
call(struct wb_api *a, const char *method, const char *path, const char *key)
{
    char auth[128];
    struct wb_api_request rq;
    struct wb_api_response rs;
    int st;

    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.path = path;
    if (key != NULL) {
        snprintf(auth, sizeof auth, "Bearer %s", key);
        rq.authorization = auth;
    }
    rq.body = (const uint8_t *)"";
    wb_api_handle(a, &rq, &rs);
    st = rs.status;
    TT_CHECK(rs.body != NULL && rs.body_len > 0);
    wb_api_response_clear(&rs);
    return st;
}

static void
test_handler(struct wb_site *s)
{
    char op[WB_APIKEY_TEXT_MAX + 1];
    char aud[WB_APIKEY_TEXT_MAX + 1];
    struct wb_api_config cfg = {dir, NULL, 0, 0, 0};
    struct wb_metrics m;
    struct wb_api *a = NULL;
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    TT_CHECK(wb_site_append(s, &e, NULL) == WB_OK);
    TT_CHECK(wb_apikey_create(s, WB_ACCESS_OPERATOR, NULL, op, NULL) == WB_OK);
    TT_CHECK(wb_apikey_create(s, WB_ACCESS_AUDITOR, NULL, aud, NULL) == WB_OK);
    wb_metrics_init(&m);
    TT_CHECK(wb_api_new(&cfg, &m, &a) == WB_OK);
    if (a == NULL) {
        return;
    }
    TT_CHECK(call(a, "GET", "/healthz", NULL) == 200);
    TT_CHECK(call(a, "GET", "/v1/records/0", NULL) == 401);
    TT_CHECK(call(a, "GET", "/v1/records/0", aud) == 200);
    TT_CHECK(call(a, "POST", "/v1/checkpoints", aud) == 403);
    TT_CHECK(call(a, "POST", "/v1/checkpoints", op) == 201);
    TT_CHECK(call(a, "DELETE", "/v1/checkpoints", op) == 405);
    TT_CHECK(call(a, "GET", "/v1/none", op) == 404);
    TT_CHECK(call(a, "POST", "/v1/policy/check", op) == 403);
    TT_CHECK(call(a, "GET", "/v1/policy/profiles", aud) == 503);
    /* an entry appended through the other handle is seen */
    TT_CHECK(wb_site_append(s, &e, NULL) == WB_OK);
    TT_CHECK(call(a, "GET", "/v1/records/1", aud) == 200);
    TT_CHECK(atomic_load(&m.http_requests) == 10);
    TT_CHECK(atomic_load(&m.http_errors) == 6);
    wb_api_free(a);
}

/* Two handles append in turn: each batch follows the other's entries. */
static void
test_two_handles(struct wb_site *s)
{
    struct wb_site *t = NULL;
    struct wb_append e;
    struct wb_verify_report r;
    uint64_t i1 = 0;
    uint64_t i2 = 0;
    uint64_t i3 = 0;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.payload = (const uint8_t *)"x";
    e.payload_len = 1;
    TT_CHECK(wb_site_open(dir, &t) == WB_OK);
    if (t == NULL) {
        return;
    }
    TT_CHECK(wb_site_append(s, &e, &i1) == WB_OK);
    TT_CHECK(wb_site_append(t, &e, &i2) == WB_OK);
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_site_append(s, &e, &i3) == WB_OK);
    TT_CHECK(wb_site_commit(s) == WB_OK);
    TT_CHECK(i2 == i1 + 1 && i3 == i2 + 1);
    TT_CHECK(wb_site_refresh(t) == WB_OK && wb_site_size(t) == i3 + 1);
    TT_CHECK(wb_site_verify(t, &r) == WB_OK);
    /* the stored level-0 nodes are the leaf hashes; level 1 their pairs */
    {
        uint8_t h[2][WB_HASH_BYTES];
        uint8_t want[WB_HASH_BYTES];
        uint8_t *leaf = NULL;
        size_t len = 0;

        TT_CHECK(wb_site_nodes(t, 0, i2, 2, h) == WB_OK);
        TT_CHECK(wb_site_leaf(t, i3, &leaf, &len) == WB_OK);
        wb_merkle_leaf_hash(leaf, len, want);
        TT_EQ_MEM(h[1], want, WB_HASH_BYTES);
        wb_free(leaf);
        TT_CHECK(wb_site_nodes(t, 0, i3, 2, h) == WB_ERR_NOTFOUND);
        TT_CHECK(wb_site_nodes(t, 1, 0, 1, h) == WB_OK);
        TT_CHECK(wb_site_nodes(t, 64, 0, 1, h) == WB_ERR_NOTFOUND);
    }
    wb_site_close(t);
}

int
main(void)
{
    struct wb_site *s = NULL;
    char cmd[128];

    snprintf(dir, sizeof dir, "/tmp/wbaccess.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    strcat(dir, "/site");
    TT_CHECK(wb_site_create(dir, "access.example", NULL, 0, &s) == WB_OK);
    if (s != NULL) {
        test_keys(s);
        test_certs(s);
        test_handler(s);
        test_two_handles(s);
        wb_site_close(s);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 5), dir);
    if (system(cmd) != 0) {
        tt_fail++;
    }
    return TT_REPORT();
}
