/* SPDX-License-Identifier: Apache-2.0 */
/* Offline verification: inclusion proofs for every leaf of an in-memory log
 * of N leaves (generation and wb_merkle_verify_inclusion timed apart) against
 * bare SHA-256 of the same number of hash calls; then the whole-log
 * self-check wb_site_verify of a real site against its parts (bare SQLite
 * scan, claims decode, bare SHA-256 of leaves and payloads).
 * Usage: bench_verify [N=1000000] [site_records=200000] */
#include <openssl/evp.h>
#include <sqlite3.h>

#include "bench_util.h"

#define CHUNK      2048    /* proofs generated, then verified, per round */
#define SAMPLE_MAX 1000000 /* site rows loaded for the hashing baselines */

static volatile uint8_t sink;

/* ---- part 1: inclusion proofs over an in-memory log -------------------- */

static void
proofs(uint64_t n)
{
    struct bu_mtree t;
    uint8_t root[WB_HASH_BYTES], h[WB_HASH_BYTES];
    uint8_t(*buf)[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    size_t *counts;
    uint64_t calls = 0;
    double t0, build, gen = 0, ver = 0, sha = 0, evp = 0;
    uint8_t node[1 + 2 * WB_HASH_BYTES];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    unsigned hl;

    buf = bu_xmalloc(CHUNK * sizeof *buf);
    counts = bu_xmalloc(CHUNK * sizeof *counts);
    bu_mtree_init(&t, n);
    t0 = bu_now();
    for (uint64_t i = 0; i < n; i++) {
        bu_index_leaf_hash(i, h);
        bu_mtree_append(&t, h);
    }
    build = bu_now() - t0;
    wb_merkle_frontier_root(&t.f, root);
    memset(node, 1, sizeof node);

    for (uint64_t base = 0; base < n; base += CHUNK) {
        uint64_t m = n - base < CHUNK ? n - base : CHUNK;
        uint64_t chunk_calls = 0;
        t0 = bu_now();
        for (uint64_t j = 0; j < m; j++) {
            bu_check(wb_merkle_prove_inclusion(bu_mtree_read, &t, base + j, n,
                                               buf[j], &counts[j]),
                     "prove");
        }
        gen += bu_now() - t0;
        t0 = bu_now();
        for (uint64_t j = 0; j < m; j++) {
            bu_index_leaf_hash(base + j, h);
            bu_check(wb_merkle_verify_inclusion(
                         base + j, n, h,
                         (const uint8_t(*)[WB_HASH_BYTES])buf[j], counts[j],
                         root),
                     "verify");
        }
        ver += bu_now() - t0;
        /* baseline, interleaved so that both see the same machine load:
         * the same number of SHA-256 calls on node-sized input */
        for (uint64_t j = 0; j < m; j++) {
            chunk_calls += counts[j] + 1; /* node hashes + the leaf hash */
        }
        t0 = bu_now();
        for (uint64_t i = 0; i < chunk_calls; i++) {
            node[1] = (uint8_t)i;
            wb_sha256(node, sizeof node, h);
            sink ^= h[0];
        }
        sha += bu_now() - t0;
        t0 = bu_now();
        for (uint64_t i = 0; i < chunk_calls; i++) {
            node[1] = (uint8_t)i;
            EVP_DigestInit_ex2(ctx, md, NULL);
            EVP_DigestUpdate(ctx, node, sizeof node);
            EVP_DigestFinal_ex(ctx, h, &hl);
            sink ^= h[0];
        }
        evp += bu_now() - t0;
        calls += chunk_calls;
    }

    printf("in-memory log of %" PRIu64 " leaves (8-byte leaves), "
           "%.2f hash calls per proof (leaf + %.2f nodes)\n",
           n, (double)calls / (double)n, (double)calls / (double)n - 1);
    printf("  %-40s %12.0f /s  %8.3f us each\n",
           "build (leaf hash + frontier + store)", (double)n / build,
           build / (double)n * 1e6);
    printf("  %-40s %12.0f /s  %8.3f us each\n", "generate inclusion proofs",
           (double)n / gen, gen / (double)n * 1e6);
    printf("  %-40s %12.0f /s  %8.3f us each\n",
           "verify (leaf hash + verify_inclusion)", (double)n / ver,
           ver / (double)n * 1e6);
    printf("  %-40s %12.0f /s  %8.3f us each\n",
           "bare SHA-256, same calls (wb_sha256)", (double)n / sha,
           sha / (double)n * 1e6);
    printf("  %-40s %12.0f /s  %8.3f us each\n",
           "bare SHA-256, same calls (OpenSSL EVP)", (double)n / evp,
           evp / (double)n * 1e6);
    printf("  ratio verify / bare wb_sha256 = %.3f (throughput); "
           "verify / OpenSSL = %.3f\n",
           sha / ver, evp / ver);
    printf("  (hash calls/s: wb_sha256 %.2fM, OpenSSL %.2fM)\n\n",
           (double)calls / sha / 1e6, (double)calls / evp / 1e6);
    bu_mtree_free(&t);
    free(buf);
    free(counts);
    EVP_MD_free(md);
    EVP_MD_CTX_free(ctx);
}

/* ---- part 2: whole-log self-check of a real site ----------------------- */

struct sample {
    uint64_t n;
    uint8_t **leaf, **salt, **payload;
    size_t *leaf_len, *payload_len;
};

static uint8_t *
dup_col(sqlite3_stmt *st, int col, size_t *len)
{
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    const void *p = sqlite3_column_blob(st, col);
    uint8_t *out = bu_xmalloc(n);

    if (n > 0) {
        memcpy(out, p, n);
    }
    if (len != NULL) {
        *len = n;
    }
    return out;
}

/* Time a bare scan of every column wb_site_verify reads; fill the sample
 * (untimed second pass). */
static double
scan(const char *db_path, uint64_t want, struct sample *sm)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT idx, leaf, hashes, salt, payload, devtok, "
                      "erased FROM entries ORDER BY idx";
    uint64_t bytes = 0, i = 0;
    double t0, secs;

    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: sqlite: %s\n", sqlite3_errmsg(db));
        exit(3);
    }
    t0 = bu_now();
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 1; c <= 5; c++) {
            if (sqlite3_column_blob(st, c) != NULL) {
                bytes += (uint64_t)sqlite3_column_bytes(st, c);
            }
        }
        bytes += (uint64_t)sqlite3_column_int64(st, 6);
    }
    secs = bu_now() - t0;
    sink ^= (uint8_t)bytes;

    sqlite3_reset(st);
    memset(sm, 0, sizeof *sm);
    sm->leaf = bu_xmalloc(want * sizeof *sm->leaf);
    sm->salt = bu_xmalloc(want * sizeof *sm->salt);
    sm->payload = bu_xmalloc(want * sizeof *sm->payload);
    sm->leaf_len = bu_xmalloc(want * sizeof *sm->leaf_len);
    sm->payload_len = bu_xmalloc(want * sizeof *sm->payload_len);
    while (i < want && sqlite3_step(st) == SQLITE_ROW) {
        sm->leaf[i] = dup_col(st, 1, &sm->leaf_len[i]);
        sm->salt[i] = dup_col(st, 3, NULL);
        sm->payload[i] = dup_col(st, 4, &sm->payload_len[i]);
        i++;
    }
    sm->n = i;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return secs;
}

static void
sample_free(struct sample *sm)
{
    for (uint64_t i = 0; i < sm->n; i++) {
        free(sm->leaf[i]);
        free(sm->salt[i]);
        free(sm->payload[i]);
    }
    free(sm->leaf);
    free(sm->salt);
    free(sm->payload);
    free(sm->leaf_len);
    free(sm->payload_len);
}

static void
selfcheck(uint64_t m)
{
    char tmp[4096], dir[4200], db_path[4300];
    struct wb_site *s = NULL;
    struct wb_verify_report r;
    struct wb_merkle_frontier f;
    uint8_t stored[65][WB_HASH_BYTES], h[WB_HASH_BYTES];
    struct sample sm;
    char *cp = NULL;
    double t0, ingest, verify, scan_s, decode, sha, sha_tree, evp;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    unsigned hl;
    const uint8_t zero = 0;
    wb_err rc;

    bu_tmpdir(tmp, sizeof tmp);
    if (snprintf(dir, sizeof dir, "%s/site", tmp) >= (int)sizeof dir ||
        snprintf(db_path, sizeof db_path, "%s/%s", dir, WB_SITE_DB_FILE) >=
            (int)sizeof db_path) {
        exit(3);
    }
    bu_check(wb_site_create(dir, BU_ORIGIN, NULL, 0, &s), "site create");
    t0 = bu_now();
    bu_ingest(s, 0, m, 1000);
    ingest = bu_now() - t0;
    bu_check(wb_site_checkpoint(s, 0, &cp), "checkpoint");
    wb_free(cp);
    wb_site_close(s);

    bu_check(wb_site_open(dir, &s), "open");
    memset(&r, 0, sizeof r);
    t0 = bu_now();
    rc = wb_site_verify(s, &r);
    verify = bu_now() - t0;
    bu_check(rc, "wb_site_verify");
    wb_site_close(s);

    scan_s = scan(db_path, m < SAMPLE_MAX ? m : SAMPLE_MAX, &sm);

    t0 = bu_now();
    for (uint64_t i = 0; i < sm.n; i++) {
        struct wb_claims *c = NULL;
        bu_check(wb_claims_decode(sm.leaf[i], sm.leaf_len[i], &c), "decode");
        wb_claims_free(c);
    }
    decode = bu_now() - t0;

    t0 = bu_now();
    for (uint64_t i = 0; i < sm.n; i++) {
        wb_sha256_2(&zero, 1, sm.leaf[i], sm.leaf_len[i], h);
        sink ^= h[0];
        wb_sha256_2(sm.salt[i], WB_SALT_BYTES, sm.payload[i], sm.payload_len[i],
                    h);
        sink ^= h[0];
    }
    sha = bu_now() - t0;

    wb_merkle_frontier_init(&f);
    t0 = bu_now();
    for (uint64_t i = 0; i < sm.n; i++) {
        wb_merkle_leaf_hash(sm.leaf[i], sm.leaf_len[i], h);
        (void)wb_merkle_frontier_append(&f, h, stored);
    }
    sha_tree = bu_now() - t0;

    t0 = bu_now();
    for (uint64_t i = 0; i < sm.n; i++) {
        EVP_DigestInit_ex2(ctx, md, NULL);
        EVP_DigestUpdate(ctx, &zero, 1);
        EVP_DigestUpdate(ctx, sm.leaf[i], sm.leaf_len[i]);
        EVP_DigestFinal_ex(ctx, h, &hl);
        sink ^= h[0];
        EVP_DigestInit_ex2(ctx, md, NULL);
        EVP_DigestUpdate(ctx, sm.salt[i], WB_SALT_BYTES);
        EVP_DigestUpdate(ctx, sm.payload[i], sm.payload_len[i]);
        EVP_DigestFinal_ex(ctx, h, &hl);
        sink ^= h[0];
    }
    evp = bu_now() - t0;

    printf("site self-check: %" PRIu64 " records (200-byte payloads), "
           "1 checkpoint; built at %.0f records/s\n",
           m, (double)m / ingest);
    printf("  report: entries %" PRIu64 ", payloads %" PRIu64
           ", checkpoints %" PRIu64 "\n",
           r.entries, r.payloads, r.checkpoints);
    printf("  %-44s %12.0f rec/s %8.3f us/rec\n", "wb_site_verify (ours)",
           (double)m / verify, verify / (double)m * 1e6);
    printf("  %-44s %12.0f rec/s %8.3f us/rec\n",
           "bare SQLite scan of the same columns", (double)m / scan_s,
           scan_s / (double)m * 1e6);
    printf("  %-44s %12.0f rec/s %8.3f us/rec\n", "wb_claims_decode of leaves",
           (double)sm.n / decode, decode / (double)sm.n * 1e6);
    printf("  %-44s %12.0f rec/s %8.3f us/rec\n",
           "bare SHA-256 leaf+payload (wb_sha256)", (double)sm.n / sha,
           sha / (double)sm.n * 1e6);
    printf("  %-44s %12.0f rec/s %8.3f us/rec\n",
           "  leaf hash + frontier (tree nodes)", (double)sm.n / sha_tree,
           sha_tree / (double)sm.n * 1e6);
    printf("  %-44s %12.0f rec/s %8.3f us/rec\n",
           "bare SHA-256 leaf+payload (OpenSSL EVP)", (double)sm.n / evp,
           evp / (double)sm.n * 1e6);
    printf("  ratio ours / bare wb_sha256 = %.3f, ours / OpenSSL "
           "= %.3f (throughput)\n",
           ((double)m / verify) / ((double)sm.n / sha),
           ((double)m / verify) / ((double)sm.n / evp));
    printf(
        "  parts sum (scan + decode + tree + payload hash) = %.3f us/rec "
        "vs ours %.3f\n",
        (scan_s / (double)m + decode / (double)sm.n + sha_tree / (double)sm.n) *
                1e6 +
            (sha / (double)sm.n * 1e6) / 2,
        verify / (double)m * 1e6);
    sample_free(&sm);
    EVP_MD_free(md);
    EVP_MD_CTX_free(ctx);
    bu_rmtree(tmp);
}

int
main(int argc, char **argv)
{
    uint64_t n = 1000000, m = 200000;

    if (argc > 1) {
        n = bu_count(argv[1]);
    }
    if (argc > 2) {
        m = bu_count(argv[2]);
    }
    if (argc > 3) {
        fprintf(stderr, "usage: bench_verify [N=1000000] [site=200000]\n");
        return 2;
    }
    bu_check(wb_init(), "init");
    bu_machine();
    printf("bench_verify\n\n");
    proofs(n);
    selfcheck(m);
    return 0;
}
