/* SPDX-License-Identifier: Apache-2.0 */
/* Reads through the transport-free API handler: a proof request never
 * signs a checkpoint (log size and stored checkpoints are the same after
 * it), an uncovered entry is a 409 JSON error naming the latest
 * checkpoint with Retry-After, a proof against a published checkpoint
 * verifies offline and names it; an auditor is refused personal payloads
 * unless auditor_payload_classes names the class, and each disclosure is
 * a decision entry whose parent is the record's leaf hash. Also the
 * ledger call itself (wb_site_prove_published), and the daemon's way of
 * publishing: a handle of its own signing checkpoints while another
 * thread's handle commits batches. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "core/core_int.h"
#include "tinytest.h"

static char dir[64];

struct reply {
    int status;
    char header[64];
    char value[64];
    char salt[64]; /* Waybill-Payload-Salt */
    char body[8192];
    size_t len;
};

/* GET path as key; the reply copied into r. */
static void
get(struct wb_api *a, const char *path, const char *key, struct reply *r)
{
    struct wb_api_request rq;
    struct wb_api_response rs;
    struct wb_api_param params[1];
    char auth[WB_APIKEY_TEXT_MAX + 16];
    char p[256];
    char *q;

    memset(&rq, 0, sizeof rq);
    memset(r, 0, sizeof *r);
    snprintf(p, sizeof p, "%s", path);
    q = strchr(p, '?');
    if (q != NULL) {
        *q++ = '\0';
        params[0].key = q;
        params[0].value = strchr(q, '=') ? strchr(q, '=') + 1 : "";
        *strchr(q, '=') = '\0';
        rq.params = params;
        rq.param_count = 1;
    }
    rq.method = "GET";
    rq.path = p;
    snprintf(auth, sizeof auth, "Bearer %s", key);
    rq.authorization = auth;
    wb_api_handle(a, &rq, &rs);
    r->status = rs.status;
    r->len =
        rs.body_len < sizeof r->body - 1 ? rs.body_len : sizeof r->body - 1;
    memcpy(r->body, rs.body, r->len);
    r->header[0] = r->value[0] = r->salt[0] = '\0';
    if (rs.header[0] != NULL) {
        snprintf(r->header, sizeof r->header, "%s", rs.header[0]);
        snprintf(r->value, sizeof r->value, "%s", rs.header_value[0]);
    }
    if (rs.header[1] != NULL &&
        strcmp(rs.header[1], "Waybill-Payload-Salt") == 0) {
        snprintf(r->salt, sizeof r->salt, "%s", rs.header_value[1]);
    }
    wb_api_response_clear(&rs);
}

/* The stored checkpoints' sizes summed with their count, as one number
 * that changes when one is added. */
static uint64_t
checkpoints(struct wb_site *s)
{
    uint64_t size = 0;
    char *text = NULL;
    wb_err rc = wb_site_checkpoint_latest(s, &size, &text);

    wb_free(text);
    return rc == WB_OK ? size : 0;
}

/* Does p[0..n) contain needle? */
static bool
contains(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(p + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

static void
append(struct wb_site *s, const char *cls, const char *payload)
{
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.data_class = cls;
    e.payload = (const uint8_t *)payload;
    e.payload_len = strlen(payload);
    TT_CHECK(wb_site_append(s, &e, NULL) == WB_OK);
}

static void
test_ledger(struct wb_site *s)
{
    uint64_t used = 1;
    uint64_t latest = 1;
    char *text = NULL;
    char *cp = NULL;

    TT_CHECK(wb_site_prove_published(s, 0, 0, &text, &used, &latest) ==
             WB_ERR_NOTFOUND);
    TT_CHECK(text == NULL && used == 0 && latest == 0);
    TT_CHECK(strstr(wb_errmsg(), "no checkpoint has been published") != NULL);
    TT_CHECK(wb_site_checkpoint_latest(s, &used, &cp) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_site_checkpoint(s, 2, &cp) == WB_OK);
    wb_free(cp);
    TT_CHECK(wb_site_prove_published(s, 2, 0, &text, &used, &latest) ==
             WB_ERR_NOTFOUND);
    TT_CHECK(latest == 2 && strstr(wb_errmsg(), "size 2") != NULL);
    TT_CHECK(wb_site_prove_published(s, 1, 0, &text, &used, &latest) == WB_OK);
    TT_CHECK(used == 2 && text != NULL);
    wb_free(text);
    TT_CHECK(wb_site_prove_published(s, 1, 3, &text, &used, &latest) ==
             WB_ERR_NOTFOUND);
    TT_CHECK(wb_site_prove_published(s, 2, 2, &text, &used, &latest) ==
             WB_ERR_INVAL);
    TT_CHECK(checkpoints(s) == 2);
}

static void
test_proofs(struct wb_site *s, struct wb_api *a, const char *aud)
{
    struct wb_verifier *v = NULL;
    struct wb_checkpoint cp;
    struct reply r;
    uint8_t *leaf = NULL;
    size_t leaf_len = 0;
    char *vkey = NULL;
    uint64_t size = wb_site_size(s);

    /* the log has 4 entries, a checkpoint of 2 is stored */
    for (int i = 0; i < 3; i++) {
        get(a, "/v1/records/3/proof", aud, &r);
        TT_CHECK(r.status == 409);
    }
    TT_CHECK(strstr(r.body, "\"checkpoint_size\":2") != NULL);
    TT_CHECK(strstr(r.body, "\"log_size\":4") != NULL);
    TT_CHECK(strstr(r.body, "entry 3 is not covered") != NULL);
    TT_CHECK(strcmp(r.header, "Retry-After") == 0 && strcmp(r.value, "7") == 0);
    get(a, "/v1/records/2/proof?size=3", aud, &r);
    TT_CHECK(r.status == 404 && strstr(r.body, "\"field\":\"size\"") != NULL);
    get(a, "/v1/records/9/proof", aud, &r);
    TT_CHECK(r.status == 404 && strstr(r.body, "no entry 9") != NULL);
    TT_CHECK(wb_site_refresh(s) == WB_OK);
    TT_CHECK(wb_site_size(s) == size && checkpoints(s) == 2);
    /* published through another handle (the daemon's thread) */
    {
        struct wb_site *pub = NULL;
        char *text = NULL;
        TT_CHECK(wb_site_open(dir, &pub) == WB_OK);
        if (pub != NULL) {
            TT_CHECK(wb_site_checkpoint(pub, 0, &text) == WB_OK);
            wb_free(text);
            wb_site_close(pub);
        }
    }
    get(a, "/v1/records/3/proof", aud, &r);
    TT_CHECK(r.status == 200);
    TT_CHECK(strcmp(r.header, "Waybill-Checkpoint-Size") == 0 &&
             strcmp(r.value, "4") == 0);
    TT_CHECK(wb_signer_verifier_key(wb_site_signer(s), &vkey) == WB_OK);
    TT_CHECK(vkey != NULL &&
             wb_verifier_from_note_key(vkey, strlen(vkey), &v) == WB_OK);
    TT_CHECK(wb_site_leaf(s, 3, &leaf, &leaf_len) == WB_OK);
    TT_CHECK(wb_tlog_proof_verify(r.body, r.len, v, leaf, leaf_len, &cp) ==
             WB_OK);
    TT_CHECK(cp.size == 4);
    leaf[leaf_len - 1] ^= 1;
    TT_CHECK(wb_tlog_proof_verify(r.body, r.len, v, leaf, leaf_len, NULL) !=
             WB_OK);
    /* an older published one, by size */
    get(a, "/v1/records/1/proof?size=2", aud, &r);
    TT_CHECK(r.status == 200 && strcmp(r.value, "2") == 0);
    wb_free(leaf);
    wb_free(vkey);
    wb_verifier_free(v);
}

static void
test_payloads(struct wb_site *s, const char *aud, const char *op)
{
    struct wb_api_config cfg = {dir, NULL, 0, 0, WB_API_AUDIT_PERSONAL};
    struct wb_api_config plain = {dir, NULL, 0, 0, 0};
    struct wb_api *a = NULL;
    struct wb_api *b = NULL;
    struct wb_claims *cl = NULL;
    uint8_t *leaf = NULL;
    uint8_t *p = NULL;
    uint8_t lh[WB_HASH_BYTES];
    size_t leaf_len = 0;
    size_t n = 0;
    int erased = 0;
    struct reply r;
    uint64_t size;

    TT_CHECK(wb_api_new(&plain, NULL, &a) == WB_OK);
    TT_CHECK(wb_api_new(&cfg, NULL, &b) == WB_OK);
    if (a == NULL || b == NULL) {
        goto out;
    }
    TT_CHECK(wb_site_refresh(s) == WB_OK);
    size = wb_site_size(s); /* entry 1 personal, 2 sensitive-personal */
    get(a, "/v1/records/1/payload", aud, &r);
    TT_CHECK(r.status == 403 && strstr(r.body, "\"field\":\"class\"") &&
             strstr(r.body, "personal record is not shown to the auditor"));
    get(b, "/v1/records/2/payload", aud, &r);
    TT_CHECK(r.status == 403 && strstr(r.body, "sensitive-personal"));
    get(b, "/v1/records/1/payload", op, &r);
    TT_CHECK(r.status == 200 && r.header[0] == '\0');
    get(b, "/v1/records/0/payload", aud, &r);
    TT_CHECK(r.status == 200 && r.header[0] == '\0');
    TT_CHECK(wb_site_refresh(s) == WB_OK && wb_site_size(s) == size);
    get(b, "/v1/records/1/payload", aud, &r);
    TT_CHECK(r.status == 200 && r.len == 6 && memcmp(r.body, "secret", 6) == 0);
    TT_CHECK(strcmp(r.header, "Waybill-Disclosure-Entry") == 0 &&
             strtoull(r.value, NULL, 10) == size);
    {
        /* the salt opens the leaf's commitment to the payload, offline */
        uint8_t salt[WB_SALT_BYTES];
        uint8_t *rl = NULL;
        size_t rl_len = 0;
        struct wb_claims *rc = NULL;
        TT_CHECK(strlen(r.salt) == 2 * WB_SALT_BYTES &&
                 wb_hex_decode(r.salt, strlen(r.salt), salt, sizeof salt) ==
                     WB_OK);
        TT_CHECK(wb_site_leaf(s, 1, &rl, &rl_len) == WB_OK &&
                 wb_claims_decode(rl, rl_len, &rc) == WB_OK);
        TT_CHECK(wb_payload_check(rc, salt, sizeof salt, (uint8_t *)r.body,
                                  r.len) == WB_OK);
        TT_CHECK(wb_payload_check(rc, salt, sizeof salt, (uint8_t *)r.body,
                                  r.len - 1) == WB_ERR_VERIFY);
        salt[0] ^= 1;
        TT_CHECK(wb_payload_check(rc, salt, sizeof salt, (uint8_t *)r.body,
                                  r.len) == WB_ERR_VERIFY);
        TT_CHECK(wb_payload_check(rc, salt, 15, (uint8_t *)r.body, r.len) ==
                 WB_ERR_VERIFY);
        wb_claims_free(rc);
        wb_free(rl);
    }
    TT_CHECK(wb_site_refresh(s) == WB_OK && wb_site_size(s) == size + 1);
    TT_CHECK(wb_site_entry(s, size, &leaf, &leaf_len, NULL, &p, &n, &erased) ==
             WB_OK);
    TT_CHECK(leaf != NULL && wb_claims_decode(leaf, leaf_len, &cl) == WB_OK);
    if (cl != NULL && p != NULL) {
        uint8_t *rl = NULL;
        size_t rl_len = 0;
        TT_CHECK(strcmp(cl->kind, "decision") == 0);
        TT_CHECK(cl->parent_count == 1);
        TT_CHECK(wb_site_leaf(s, 1, &rl, &rl_len) == WB_OK);
        wb_merkle_leaf_hash(rl, rl_len, lh);
        TT_CHECK(cl->parent_count == 1 && memcmp(cl->parents[0], lh, 32) == 0);
        TT_CHECK(contains(p, n, "\"event\":\"payload-disclosed\""));
        TT_CHECK(contains(p, n, "\"entry\":1"));
        wb_free(rl);
    }
    {
        /* a stored payload changed behind the library's back: refused to
         * whoever may see it (500, the entry named), and a role that may
         * not sees its 403 first */
        sqlite3 *h = NULL;
        char db[128];
        snprintf(db, sizeof db, "%s/waybill.db", dir);
        TT_CHECK(sqlite3_open(db, &h) == SQLITE_OK &&
                 sqlite3_exec(h,
                              "UPDATE entries SET payload = "
                              "CAST('secreT' AS BLOB) WHERE idx = 1",
                              NULL, NULL, NULL) == SQLITE_OK);
        get(a, "/v1/records/1/payload", aud, &r);
        TT_CHECK(r.status == 403);
        get(b, "/v1/records/1/payload", op, &r);
        TT_CHECK_MSG(r.status == 500 &&
                         strstr(r.body, "entry 1: the stored payload does not "
                                        "match its salted commitment") &&
                         r.salt[0] == '\0',
                     "%d %s", r.status, r.body);
        TT_CHECK(sqlite3_exec(h,
                              "UPDATE entries SET payload = "
                              "CAST('secret' AS BLOB) WHERE idx = 1",
                              NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close(h);
        get(b, "/v1/records/1/payload", op, &r);
        TT_CHECK(r.status == 200 && strlen(r.salt) == 2 * WB_SALT_BYTES);
    }
out:
    wb_claims_free(cl);
    wb_free(leaf);
    wb_free(p);
    wb_api_free(a);
    wb_api_free(b);
}

/* A writer thread: batches of entries on a handle of its own. */
struct writer {
    wb_err rc;
    int batches;
};

static void *
write_batches(void *arg)
{
    struct writer *w = arg;
    struct wb_site *t = NULL;
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.payload = (const uint8_t *)"reading";
    e.payload_len = 7;
    w->rc = wb_site_open(dir, &t);
    for (int b = 0; b < w->batches && w->rc == WB_OK; b++) {
        w->rc = wb_site_begin(t);
        for (int i = 0; i < 50 && w->rc == WB_OK; i++) {
            w->rc = wb_site_append(t, &e, NULL);
        }
        if (w->rc == WB_OK) {
            w->rc = wb_site_commit(t);
        }
    }
    wb_site_close(t);
    return NULL;
}

/* Publishing as the daemon does (refresh, sign the whole log when it
 * grew) while another thread commits: every signature succeeds, and
 * every stored checkpoint's root and signature verify. */
static void
test_publish_while_writing(struct wb_site *s)
{
    struct writer w = {WB_OK, 40};
    struct wb_verify_report r;
    struct wb_site *pub = NULL;
    pthread_t th;
    uint64_t before = checkpoints(s);
    int signed_count = 0;
    int failures = 0;

    TT_CHECK(wb_site_open(dir, &pub) == WB_OK);
    if (pub == NULL) {
        return;
    }
    TT_CHECK(pthread_create(&th, NULL, write_batches, &w) == 0);
    for (int i = 0; i < 400; i++) {
        char *text = NULL;
        uint64_t latest = checkpoints(pub);
        if (wb_site_refresh(pub) != WB_OK) {
            failures++;
            continue;
        }
        if (wb_site_size(pub) > latest) {
            if (wb_site_checkpoint(pub, 0, &text) == WB_OK) {
                signed_count++;
            } else {
                failures++;
            }
            wb_free(text);
        }
    }
    pthread_join(th, NULL);
    TT_CHECK(w.rc == WB_OK);
    TT_CHECK_MSG(failures == 0, "%d publishing failures", failures);
    TT_CHECK(signed_count > 0);
    TT_CHECK(wb_site_refresh(s) == WB_OK);
    TT_CHECK(checkpoints(s) > before);
    TT_CHECK(wb_site_verify(s, &r) == WB_OK);
    TT_CHECK_MSG(r.checkpoints >= (uint64_t)signed_count,
                 "%llu checkpoints verified, %d signed",
                 (unsigned long long)r.checkpoints, signed_count);
    wb_site_close(pub);
}

int
main(void)
{
    struct wb_api_config cfg = {dir, NULL, 0, 7, 0};
    char aud[WB_APIKEY_TEXT_MAX + 1];
    char op[WB_APIKEY_TEXT_MAX + 1];
    struct wb_site *s = NULL;
    struct wb_api *a = NULL;
    char cmd[128];

    snprintf(dir, sizeof dir, "/tmp/wbreads.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    strcat(dir, "/site");
    TT_CHECK(wb_site_create(dir, "reads.example", NULL, 0, &s) == WB_OK);
    if (s != NULL) {
        append(s, "non-personal", "plain");
        append(s, "personal", "secret");
        append(s, "sensitive-personal", "health");
        append(s, NULL, "four");
        TT_CHECK(wb_apikey_create(s, WB_ACCESS_AUDITOR, NULL, aud, NULL) ==
                 WB_OK);
        TT_CHECK(wb_apikey_create(s, WB_ACCESS_OPERATOR, NULL, op, NULL) ==
                 WB_OK);
        test_ledger(s);
        TT_CHECK(wb_api_new(&cfg, NULL, &a) == WB_OK);
        if (a != NULL) {
            test_proofs(s, a, aud);
        }
        wb_api_free(a);
        test_payloads(s, aud, op);
        test_publish_while_writing(s);
        wb_site_close(s);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 5), dir);
    if (system(cmd) != 0) {
        return 1;
    }
    return TT_REPORT();
}
