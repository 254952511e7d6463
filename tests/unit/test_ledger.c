/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger through its public API: append and batches, rollback, reopen,
 * checkpoints and proofs checked by the offline verifiers, devices, erasure,
 * the self-check, and every allocation failing in turn. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "core/core_int.h"
#include "ledger/defer.h"
#include "tinytest.h"

static char dir[64];

/* A record with a payload and the usual claims. */
static struct wb_append
record(const char *payload)
{
    static const char *const purposes[] = {"predictive-maintenance"};
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.purposes = purposes;
    e.claims.purpose_count = 1;
    e.claims.data_class = "non-personal";
    e.claims.jurisdiction = "CN";
    e.claims.media = "text/plain";
    e.claims.iat = 1795000000;
    e.payload = (const uint8_t *)payload;
    e.payload_len = strlen(payload);
    return e;
}

static struct wb_verifier *
site_verifier(struct wb_site *s)
{
    struct wb_verifier *v = NULL;
    char *vkey = NULL;

    if (wb_signer_verifier_key(wb_site_signer(s), &vkey) == WB_OK) {
        if (wb_verifier_from_note_key(vkey, strlen(vkey), &v) != WB_OK) {
            v = NULL;
        }
    }
    wb_free(vkey);
    return v;
}

/* Every entry's tlog-proof verifies offline, and not for another leaf. */
static void
check_all_proofs(struct wb_site *s, struct wb_verifier *v)
{
    uint64_t n = wb_site_size(s);

    for (uint64_t i = 0; i < n; i++) {
        uint8_t *leaf = NULL;
        size_t leaf_len = 0;
        char *proof = NULL;
        struct wb_checkpoint cp;
        TT_CHECK(wb_site_leaf(s, i, &leaf, &leaf_len) == WB_OK);
        TT_CHECK(wb_site_prove(s, i, 0, &proof) == WB_OK);
        TT_CHECK(proof != NULL &&
                 wb_tlog_proof_verify(proof, strlen(proof), v, leaf, leaf_len,
                                      &cp) == WB_OK);
        if (leaf != NULL && leaf_len > 0) {
            leaf[leaf_len - 1] ^= 1;
            TT_CHECK(wb_tlog_proof_verify(proof, strlen(proof), v, leaf,
                                          leaf_len, &cp) != WB_OK);
        }
        wb_free(leaf);
        wb_free(proof);
    }
}

static void
test_append_and_prove(void)
{
    struct wb_site *s = NULL;
    struct wb_verifier *v = NULL;
    struct wb_append e = record("vibration 0.31");
    struct wb_claims *c = NULL;
    struct wb_verify_report r;
    uint8_t root1[WB_HASH_BYTES];
    uint8_t root2[WB_HASH_BYTES];
    uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    uint8_t *p = NULL;
    size_t len = 0;
    size_t count = 0;
    uint64_t idx = 99;
    char *cp = NULL;
    int erased = -1;

    TT_CHECK(wb_site_create(dir, "test.waybill.example/log", NULL, 0, &s) ==
             WB_OK);
    TT_CHECK(wb_site_create(dir, "again", NULL, 0, NULL) == WB_ERR_EXISTS);
    v = site_verifier(s);
    TT_CHECK(v != NULL);

    /* a single append is its own durable transaction */
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK && idx == 0);
    /* a batch, rolled back, leaves nothing behind */
    TT_CHECK(wb_site_root(s, 1, root1) == WB_OK);
    {
        uint8_t last[WB_HASH_BYTES];
        wb_site_last_leaf_hash(s, last); /* a one-leaf tree's root */
        TT_EQ_MEM(last, root1, WB_HASH_BYTES);
    }
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_site_begin(s) == WB_ERR_BUSY);
    for (int i = 0; i < 5; i++) {
        TT_CHECK(wb_site_append(s, &e, NULL) == WB_OK);
    }
    TT_CHECK(wb_site_size(s) == 6);
    wb_site_rollback(s);
    TT_CHECK(wb_site_size(s) == 1);
    TT_CHECK(wb_site_root(s, 1, root2) == WB_OK);
    TT_EQ_MEM(root1, root2, WB_HASH_BYTES);
    /* a committed batch of 300 */
    TT_CHECK(wb_site_begin(s) == WB_OK);
    for (int i = 0; i < 300; i++) {
        char buf[64];
        struct wb_append b;
        snprintf(buf, sizeof buf, "reading %d", i);
        b = record(buf);
        TT_CHECK(wb_site_append(s, &b, &idx) == WB_OK);
    }
    TT_CHECK(idx == 300);
    /* a refused record does not spoil the batch */
    e.claims.data_class = "secret";
    TT_CHECK(wb_site_append(s, &e, NULL) == WB_ERR_INVAL);
    e.claims.data_class = "non-personal";
    TT_CHECK(wb_site_commit(s) == WB_OK);
    TT_CHECK(wb_site_size(s) == 301);
    TT_CHECK(wb_site_checkpoint(s, 100, &cp) == WB_OK);
    wb_free(cp);
    check_all_proofs(s, v);

    /* claims and payload round trip */
    TT_CHECK(wb_site_leaf(s, 5, &p, &len) == WB_OK);
    TT_CHECK(wb_claims_decode(p, len, &c) == WB_OK);
    TT_CHECK(c != NULL && strcmp(c->iss, "test.waybill.example/log") == 0);
    TT_CHECK(c != NULL && strcmp(c->kind, "record") == 0 && c->has_payload);
    wb_claims_free(c);
    wb_free(p);
    TT_CHECK(wb_site_payload(s, 5, &p, &len, &erased) == WB_OK);
    TT_CHECK(erased == 0 && len == 9 && memcmp(p, "reading 4", 9) == 0);
    wb_free(p);
    TT_CHECK(wb_site_leaf(s, 301, &p, &len) == WB_ERR_NOTFOUND);

    /* consistency between every pair of a few sizes */
    TT_CHECK(wb_site_root(s, 100, root1) == WB_OK);
    TT_CHECK(wb_site_root(s, 301, root2) == WB_OK);
    TT_CHECK(wb_site_prove_consistency(s, 100, 301, proof, &count) == WB_OK);
    TT_CHECK(wb_merkle_verify_consistency(
                 100, 301, root1, root2, (const uint8_t(*)[WB_HASH_BYTES])proof,
                 count) == WB_OK);
    TT_CHECK(wb_site_prove_consistency(s, 0, 301, proof, &count) ==
             WB_ERR_INVAL);
    TT_CHECK(wb_site_prove_consistency(s, 5, 302, proof, &count) ==
             WB_ERR_INVAL);

    /* erasure keeps every proof valid */
    TT_CHECK(wb_site_erase(s, 7, "retention expired", &idx) == WB_OK);
    TT_CHECK(idx == 301);
    TT_CHECK(wb_site_erase(s, 7, "again", NULL) == WB_ERR_EXISTS);
    TT_CHECK(wb_site_erase(s, 301, "an erasure", NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_site_erase(s, 8, "", NULL) == WB_ERR_INVAL);
    /* the registers' kinds and erasures are kept; the rest may go */
    {
        static const char *const kept[] = {"erasure", "model",  "consent",
                                           "server",  "policy", "maint",
                                           "device"};
        for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
            TT_CHECK(!wb_kind_erasable(kept[i]));
        }
        TT_CHECK(!wb_kind_erasable(NULL));
        TT_CHECK(wb_kind_erasable("record") && wb_kind_erasable("inference"));
        TT_CHECK(wb_kind_erasable("decision") && wb_kind_erasable("consents"));
    }
    TT_CHECK(wb_site_payload(s, 7, &p, &len, &erased) == WB_OK);
    TT_CHECK(erased == 1 && p == NULL);
    check_all_proofs(s, v);
    TT_CHECK(wb_site_verify(s, &r) == WB_OK);
    TT_CHECK(r.entries == 302 && r.erased == 1 && r.first_bad == -1);
    TT_CHECK(r.checkpoints >= 2);
    TT_CHECK(wb_site_root(s, 302, root1) == WB_OK);
    wb_site_close(s);

    /* reopened: same tree, same proofs */
    s = NULL;
    TT_CHECK(wb_site_open(dir, &s) == WB_OK);
    TT_CHECK(s != NULL && wb_site_size(s) == 302);
    TT_CHECK(s != NULL && wb_site_root(s, 302, root2) == WB_OK);
    TT_EQ_MEM(root1, root2, WB_HASH_BYTES);
    if (s != NULL) {
        check_all_proofs(s, v);
    }
    wb_site_close(s);
    wb_verifier_free(v);
}

static void
test_devices(void)
{
    struct wb_site *s = NULL;
    struct wb_signer *dk = NULL;
    struct wb_signer *forger = NULL;
    struct wb_device d;
    struct wb_device *list = NULL;
    struct wb_cose_sign1 cose;
    uint8_t *tok = NULL;
    size_t tok_len = 0;
    size_t n = 0;
    size_t pk_len = 0;
    const uint8_t *pk;

    TT_CHECK(wb_site_open(dir, &s) == WB_OK);
    TT_CHECK(wb_signer_generate("press-1", &dk) == WB_OK);
    TT_CHECK(wb_signer_generate("press-1", &forger) == WB_OK);
    pk = wb_signer_public_key(dk, &pk_len);
    TT_CHECK(wb_site_device_add(s, "press-1", WB_ALG_EDDSA, pk, pk_len, NULL) ==
             WB_OK);
    TT_CHECK(wb_site_device_add(s, "press-1", 0, NULL, 0, NULL) ==
             WB_ERR_EXISTS);
    TT_CHECK(wb_site_device_add(s, "bad id", 0, NULL, 0, NULL) == WB_ERR_INVAL);
    TT_CHECK(wb_site_device_add(s, "press-2", WB_ALG_EDDSA, pk, 31, NULL) ==
             WB_ERR_FORMAT);
    TT_CHECK(wb_site_device_add(s, "press-2", 0, NULL, 0, NULL) == WB_OK);
    TT_CHECK(wb_site_device_list(s, &list, &n) == WB_OK && n == 2);
    TT_CHECK(list != NULL && strcmp(list[0].id, "press-1") == 0);
    wb_free(list);
    TT_CHECK(wb_site_device_get(s, "press-3", &d) == WB_ERR_NOTFOUND);
    /* more devices than a handle keeps checked, looked up in turn: each
     * lookup gives its own device, cached or read again */
    {
        char id[16];
        uint64_t entry[100];
        TT_CHECK(wb_site_begin(s) == WB_OK);
        for (int i = 0; i < 100; i++) {
            snprintf(id, sizeof id, "cell-%d", i);
            TT_CHECK(wb_site_device_add(s, id, 0, NULL, 0, &entry[i]) == WB_OK);
            /* in the open batch: found (not kept: it may be rolled back) */
            TT_CHECK(wb_site_device_get(s, id, &d) == WB_OK &&
                     d.entry == entry[i]);
        }
        TT_CHECK(wb_site_commit(s) == WB_OK);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100; i++) {
                int k = (i * 37 + round) % 100;
                snprintf(id, sizeof id, "cell-%d", k);
                TT_CHECK_MSG(wb_site_device_get(s, id, &d) == WB_OK &&
                                 strcmp(d.id, id) == 0 && d.entry == entry[k],
                             "lookup of %s gave %s", id, d.id);
            }
        }
        /* a registration rolled back is not found afterwards */
        TT_CHECK(wb_site_begin(s) == WB_OK);
        TT_CHECK(wb_site_device_add(s, "cell-gone", 0, NULL, 0, NULL) == WB_OK);
        TT_CHECK(wb_site_device_get(s, "cell-gone", &d) == WB_OK);
        wb_site_rollback(s);
        TT_CHECK(wb_site_device_get(s, "cell-gone", &d) == WB_ERR_NOTFOUND);
    }

    TT_CHECK(wb_cose_sign(dk, (const uint8_t *)"press-1", 7,
                          (const uint8_t *)"42", 2, &tok, &tok_len) == WB_OK);
    TT_CHECK(wb_site_device_verify(s, NULL, tok, tok_len, &d, &cose) == WB_OK);
    TT_CHECK(strcmp(d.id, "press-1") == 0 && cose.payload_len == 2);
    TT_CHECK(wb_site_device_verify(s, "press-2", tok, tok_len, &d, &cose) ==
             WB_ERR_DENIED);
    wb_free(tok);
    TT_CHECK(wb_cose_sign(forger, (const uint8_t *)"press-1", 7,
                          (const uint8_t *)"42", 2, &tok, &tok_len) == WB_OK);
    TT_CHECK(wb_site_device_verify(s, NULL, tok, tok_len, &d, &cose) ==
             WB_ERR_BADSIG);
    wb_free(tok);
    wb_signer_free(dk);
    wb_signer_free(forger);
    wb_site_close(s);
}

/* Two handles on one site (the daemon's MQTT and HTTP threads, a CLI run
 * beside the daemon) append in turn: each sees the other's entries, the
 * log verifies, and message keys are found only once committed. */
static void
test_two_writers(void)
{
    struct wb_site *a = NULL;
    struct wb_site *b = NULL;
    struct wb_verify_report r;
    uint8_t key[32];
    uint64_t idx = 0;
    uint64_t found = 0;
    uint64_t base;
    char *cp = NULL;

    memset(key, 0x5a, sizeof key);
    TT_CHECK(wb_site_open(dir, &a) == WB_OK);
    TT_CHECK(wb_site_open(dir, &b) == WB_OK);
    if (a == NULL || b == NULL) {
        goto out;
    }
    base = wb_site_size(a);
    for (int round = 0; round < 3; round++) {
        struct wb_append e = record("from a");
        struct wb_append f = record("from b");
        TT_CHECK(wb_site_append(a, &e, &idx) == WB_OK);
        TT_CHECK(idx == base + 2 * (uint64_t)round);
        TT_CHECK(wb_site_begin(b) == WB_OK);
        TT_CHECK(wb_site_append(b, &f, &idx) == WB_OK);
        TT_CHECK(idx == base + 2 * (uint64_t)round + 1);
        TT_CHECK(wb_site_commit(b) == WB_OK);
    }
    TT_CHECK(wb_site_size(a) == base + 5);
    TT_CHECK(wb_site_refresh(a) == WB_OK && wb_site_size(a) == base + 6);
    TT_CHECK(wb_site_checkpoint(a, 0, &cp) == WB_OK);
    TT_CHECK(cp != NULL && strstr(cp, "\n") != NULL);

    TT_CHECK(wb_site_msgkey_put(a, key, 1) == WB_ERR_INVAL);
    TT_CHECK(wb_site_msgkey_find(b, key, &found) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_site_begin(a) == WB_OK);
    TT_CHECK(wb_site_msgkey_put(a, key, 7) == WB_OK);
    TT_CHECK(wb_site_msgkey_find(a, key, &found) == WB_OK && found == 7);
    wb_site_rollback(a);
    TT_CHECK(wb_site_msgkey_find(a, key, &found) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_site_begin(a) == WB_OK);
    TT_CHECK(wb_site_msgkey_put(a, key, 7) == WB_OK);
    TT_CHECK(wb_site_commit(a) == WB_OK);
    TT_CHECK(wb_site_msgkey_find(b, key, &found) == WB_OK && found == 7);
    /* the ring keeps one key a slot: a later entry in slot 7 replaces it */
    key[0] ^= 1;
    TT_CHECK(wb_site_begin(b) == WB_OK);
    TT_CHECK(wb_site_msgkey_put(b, key, 7 + WB_MSGKEY_WINDOW) == WB_OK);
    TT_CHECK(wb_site_commit(b) == WB_OK);
    key[0] ^= 1;
    TT_CHECK(wb_site_msgkey_find(a, key, &found) == WB_ERR_NOTFOUND);

    /* a replacement rolled back: the replaced key is found again */
    {
        uint8_t k0[32], k1[32], same[32];
        memset(k0, 0x11, 32);
        memset(k1, 0x22, 32);
        memcpy(same, k0, 32);
        same[31] ^= 0xff; /* same first bytes as k0: the index's prefix */
        TT_CHECK(wb_site_begin(a) == WB_OK);
        TT_CHECK(wb_site_msgkey_put(a, k0, 5) == WB_OK);
        TT_CHECK(wb_site_msgkey_put(a, same, 6) == WB_OK);
        TT_CHECK(wb_site_commit(a) == WB_OK);
        TT_CHECK(wb_site_msgkey_find(a, k0, &found) == WB_OK && found == 5);
        TT_CHECK(wb_site_msgkey_find(a, same, &found) == WB_OK && found == 6);
        TT_CHECK(wb_site_begin(a) == WB_OK);
        TT_CHECK(wb_site_msgkey_put(a, k1, 5 + WB_MSGKEY_WINDOW) == WB_OK);
        TT_CHECK(wb_site_msgkey_find(a, k0, &found) == WB_ERR_NOTFOUND);
        TT_CHECK(wb_site_msgkey_find(a, k1, &found) == WB_OK &&
                 found == 5 + WB_MSGKEY_WINDOW);
        wb_site_rollback(a);
        TT_CHECK(wb_site_msgkey_find(a, k0, &found) == WB_OK && found == 5);
        TT_CHECK(wb_site_msgkey_find(a, k1, &found) == WB_ERR_NOTFOUND);
        TT_CHECK(wb_site_msgkey_find(b, same, &found) == WB_OK && found == 6);
    }
    /* a full ring and more: the oldest keys fall out, the rest are found,
     * by the handle that put them and by another */
    {
        uint8_t k[32];
        uint64_t n = WB_MSGKEY_WINDOW + 1000;
        bool all = true;
        memset(k, 0, 32);
        TT_CHECK(wb_site_begin(a) == WB_OK);
        for (uint64_t i = 0; i < n && all; i++) {
            wb_sha256((const uint8_t *)&i, sizeof i, k);
            all = wb_site_msgkey_put(a, k, 1000000 + i) == WB_OK;
        }
        TT_CHECK(all);
        TT_CHECK(wb_site_commit(a) == WB_OK);
        for (uint64_t i = 0; i < n; i += 997) {
            uint64_t want = 1000000 + i;
            wb_err ra, rb;
            wb_sha256((const uint8_t *)&i, sizeof i, k);
            ra = wb_site_msgkey_find(a, k, &found);
            rb = wb_site_msgkey_find(b, k, &found);
            if (i < 1000) {
                all = all && ra == WB_ERR_NOTFOUND && rb == WB_ERR_NOTFOUND;
            } else {
                all = all && ra == WB_OK && rb == WB_OK && found == want;
            }
        }
        TT_CHECK(all);
    }

    TT_CHECK(wb_site_verify(b, &r) == WB_OK);
out:
    wb_free(cp);
    wb_site_close(a);
    wb_site_close(b);
}

/* Fail each allocation in turn: every path returns NOMEM (or succeeds),
 * and leaks nothing (LSan and valgrind watch). */
static void
test_alloc_failures(const char *fdir)
{
    int completed = 0;
    struct wb_site *s0 = NULL;

    /* a small site of its own keeps every round short */
    TT_CHECK(wb_site_create(fdir, "fault.waybill.example", NULL, 0, &s0) ==
             WB_OK);
    for (int i = 0; s0 != NULL && i < 4; i++) {
        struct wb_append e = record("y");
        TT_CHECK(wb_site_append(s0, &e, NULL) == WB_OK);
    }
    wb_site_close(s0);
    for (unsigned long k = 1; k < 5000 && !completed; k++) {
        struct wb_site *s = NULL;
        struct wb_append e = record("x");
        struct wb_verify_report r;
        char *cp = NULL;
        char *proof = NULL;
        wb_err rc;

        wb__test_fail_alloc_at(k);
        rc = wb_site_open(fdir, &s);
        /* rolled back, so every round sees the same site */
        if (rc == WB_OK) {
            rc = wb_site_begin(s);
        }
        if (rc == WB_OK) {
            rc = wb_site_append(s, &e, NULL);
            wb_site_rollback(s);
        }
        if (rc == WB_OK) {
            rc = wb_site_checkpoint(s, 0, &cp);
        }
        if (rc == WB_OK) {
            rc = wb_site_prove(s, 3, 0, &proof);
        }
        if (rc == WB_OK) {
            rc = wb_site_verify(s, &r);
        }
        TT_CHECK_MSG(rc == WB_OK || rc == WB_ERR_NOMEM,
                     "allocation %lu: %s (%s)", k, wb_strerror(rc),
                     wb_errmsg());
        completed = rc == WB_OK;
        wb_free(cp);
        wb_free(proof);
        wb_site_close(s);
    }
    wb__test_fail_alloc_at(0);
    TT_CHECK(completed);
}

/* A site from before the ring lost its key index: its keys move to the
 * new table once, and are found. */
static void
test_msgkeys_migrated(const char *d)
{
    struct wb_site *s = NULL;
    sqlite3 *h = NULL;
    char path[160];
    uint8_t key[32];
    uint64_t found = 0;
    int old = -1;

    memset(key, 0x5c, sizeof key);
    TT_CHECK(wb_site_create(d, "old.waybill.example", NULL, 0, &s) == WB_OK);
    wb_site_close(s);
    s = NULL;
    snprintf(path, sizeof path, "%s/waybill.db", d);
    TT_CHECK(sqlite3_open(path, &h) == SQLITE_OK);
    TT_CHECK(sqlite3_exec(h,
                          "CREATE TABLE msgkeys(slot INTEGER PRIMARY KEY, "
                          "key BLOB NOT NULL UNIQUE, entry INTEGER NOT NULL);"
                          "INSERT INTO msgkeys VALUES (9, "
                          "x'5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c"
                          "5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c', 9);",
                          NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    TT_CHECK(wb_site_open(d, &s) == WB_OK);
    TT_CHECK(s && wb_site_msgkey_find(s, key, &found) == WB_OK && found == 9);
    wb_site_close(s);
    TT_CHECK(sqlite3_open(path, &h) == SQLITE_OK);
    {
        sqlite3_stmt *st = NULL;
        TT_CHECK(sqlite3_prepare_v2(h,
                                    "SELECT count(*) FROM sqlite_master "
                                    "WHERE name = 'msgkeys'",
                                    -1, &st, NULL) == SQLITE_OK);
        if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
            old = sqlite3_column_int(st, 0);
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    TT_CHECK(old == 0);
}

/* An entry deferred (ledger/defer.h): ctx says what to append. */
struct pend {
    const char *payload; /* NULL: finish fails */
    int *drops;
};

static wb_err
pend_finish(struct wb_site *s, void *p, uint64_t *index)
{
    struct pend *d = p;
    struct wb_append e = record(d->payload ? d->payload : "");

    if (d->payload == NULL) {
        return WB_ERR_NOMEM; /* as a failed allocation would */
    }
    return wb_site_append(s, &e, index);
}

static void
pend_drop(void *p)
{
    struct pend *d = p;

    (*d->drops)++;
    wb__free(d);
}

static const struct wb__deferred_ops pend_ops = {pend_finish, pend_drop};

static struct pend *
pend_new(const char *payload, int *drops)
{
    struct pend *d = wb__calloc(1, sizeof *d);

    TT_CHECK(d != NULL);
    if (d != NULL) {
        d->payload = payload;
        d->drops = drops;
    }
    return d;
}

/* A deferred entry keeps its reserved index: appended before any other
 * entry, when read, at commit; dropped by a rollback, at close, and when
 * it cannot be appended (then the whole batch is rolled back). */
static void
test_deferred(void)
{
    struct wb_site *s = NULL;
    struct wb_append e = record("after");
    uint64_t size, at = 0, idx = 0;
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0, drops = 0;
    struct pend *d;

    TT_CHECK(wb_site_open(dir, &s) == WB_OK);
    if (s == NULL) {
        return;
    }
    size = wb_site_size(s);
    d = pend_new("deferred", &drops);
    TT_CHECK(wb__site_defer(s, &pend_ops, d, &at) == WB_ERR_INVAL);
    TT_CHECK(drops == 1); /* outside a batch: refused and dropped */

    TT_CHECK(wb_site_begin(s) == WB_OK);
    d = pend_new("deferred", &drops);
    TT_CHECK(wb__site_defer(s, &pend_ops, d, &at) == WB_OK && at == size);
    TT_CHECK(wb__site_deferred(s, &pend_ops) == d);
    TT_CHECK(wb_site_size(s) == size + 1);
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK && idx == size + 1);
    TT_CHECK(drops == 2 && wb__site_deferred(s, &pend_ops) == NULL);
    TT_CHECK(wb_site_payload(s, size, &p, &n, &erased) == WB_OK && p &&
             n == 8 && memcmp(p, "deferred", 8) == 0);
    wb_free(p);
    p = NULL;
    /* read: the pending entry is appended first */
    TT_CHECK(wb__site_defer(s, &pend_ops, pend_new("read", &drops), &at) ==
                 WB_OK &&
             at == size + 2);
    TT_CHECK(wb_site_payload(s, size + 2, &p, &n, &erased) == WB_OK && p &&
             n == 4);
    wb_free(p);
    p = NULL;
    /* commit */
    TT_CHECK(wb__site_defer(s, &pend_ops, pend_new("commit", &drops), &at) ==
                 WB_OK &&
             at == size + 3);
    TT_CHECK(wb_site_commit(s) == WB_OK && wb_site_size(s) == size + 4);
    TT_CHECK(drops == 4);

    /* rollback, and close with a batch open */
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb__site_defer(s, &pend_ops, pend_new("gone", &drops), &at) ==
             WB_OK);
    wb_site_rollback(s);
    TT_CHECK(drops == 5 && wb_site_size(s) == size + 4);

    /* one that cannot be appended takes the batch with it: the entry
     * appended before it in the batch is gone too */
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK && idx == size + 4);
    TT_CHECK(wb__site_defer(s, &pend_ops, pend_new(NULL, &drops), &at) ==
             WB_OK);
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_ERR_NOMEM);
    TT_CHECK(drops == 6 && !wb_site_in_batch(s) && wb_site_size(s) == size + 4);
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb__site_defer(s, &pend_ops, pend_new("closed", &drops), &at) ==
             WB_OK);
    wb_site_close(s);
    TT_CHECK(drops == 7);
    s = NULL;
    TT_CHECK(wb_site_open(dir, &s) == WB_OK);
    TT_CHECK(s && wb_site_size(s) == size + 4);
    wb_site_close(s);
}

/* Owed work moves with the batches: noted and cleared only inside one,
 * kept by a commit, undone by a rollback, there after a reopen; listed in
 * index order from a given entry, per consumer. */
static void
test_pending(void)
{
    struct wb_site *s = NULL;
    uint64_t got[8];
    size_t n = 9;
    char long_name[WB_PENDING_CONSUMER_MAX + 2];

    memset(long_name, 'm', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    TT_CHECK(wb_site_open(dir, &s) == WB_OK);
    if (s == NULL) {
        return;
    }
    TT_CHECK(wb_site_pending_add(s, "m", 3) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "outside a batch") != NULL);
    TT_CHECK(wb_site_pending_done(s, "m", 3, 3) == WB_ERR_INVAL);
    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_site_pending_add(s, "", 3) == WB_ERR_INVAL);
    TT_CHECK(wb_site_pending_add(s, long_name, 3) == WB_ERR_INVAL);
    TT_CHECK(wb_site_pending_add(s, "m", 7) == WB_OK);
    TT_CHECK(wb_site_pending_add(s, "m", 3) == WB_OK);
    TT_CHECK(wb_site_pending_add(s, "m", 3) == WB_OK); /* twice is once */
    TT_CHECK(wb_site_pending_add(s, "m", 5) == WB_OK);
    TT_CHECK(wb_site_pending_add(s, "other", 4) == WB_OK);
    /* the open batch is seen */
    TT_CHECK(wb_site_pending_list(s, "m", 0, got, 8, &n) == WB_OK && n == 3 &&
             got[0] == 3 && got[1] == 5 && got[2] == 7);
    TT_CHECK(wb_site_commit(s) == WB_OK);
    TT_CHECK(wb_site_pending_list(s, "m", 4, got, 1, &n) == WB_OK && n == 1 &&
             got[0] == 5);

    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_site_pending_done(s, "m", 4, 6) == WB_OK);
    TT_CHECK(wb_site_pending_done(s, "m", 99, 99) == WB_OK); /* not owed */
    TT_CHECK(wb_site_pending_done(s, "m", 7, 6) == WB_ERR_INVAL);
    TT_CHECK(wb_site_pending_add(s, "m", 9) == WB_OK);
    wb_site_rollback(s);
    TT_CHECK(wb_site_pending_list(s, "m", 0, got, 8, &n) == WB_OK && n == 3 &&
             got[1] == 5 && got[2] == 7);

    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb_site_pending_done(s, "m", 3, 3) == WB_OK);
    TT_CHECK(wb_site_pending_done(s, "m", 6, 100) == WB_OK);
    TT_CHECK(wb_site_commit(s) == WB_OK);
    wb_site_close(s);
    s = NULL;
    TT_CHECK(wb_site_open(dir, &s) == WB_OK);
    TT_CHECK(s && wb_site_pending_list(s, "m", 0, got, 8, &n) == WB_OK &&
             n == 1 && got[0] == 5);
    TT_CHECK(s && wb_site_pending_list(s, "other", 0, got, 8, &n) == WB_OK &&
             n == 1 && got[0] == 4);
    wb_site_close(s);
}

int
main(void)
{
    snprintf(dir, sizeof dir, "/tmp/wbledger.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    {
        char fdir[80];
        snprintf(fdir, sizeof fdir, "%s/fault", dir);
        strcat(dir, "/site");
        test_append_and_prove();
        test_devices();
        test_two_writers();
        test_deferred();
        test_pending();
        test_alloc_failures(fdir);
        snprintf(fdir, sizeof fdir, "%.*s/old", (int)(strlen(dir) - 5), dir);
        test_msgkeys_migrated(fdir);
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
