/* SPDX-License-Identifier: Apache-2.0 */
/* Batched, durable ingest through wb_site_append (records/s), against a
 * bare SQLite insert loop of the same rows and bare SHA-256 of the same
 * leaves measured in the same run (the SQLite baseline runs before and after
 * ours), with a per-record cost breakdown.
 * Usage: bench_ingest [records=200000] [-b batch=1000] */
#include <openssl/evp.h>
#include <sqlite3.h>

#include "bench_util.h"

#define RING 4096 /* distinct precomputed leaves reused by the baselines */

struct ring {
    uint8_t *leaf[RING];
    size_t leaf_len[RING];
};

static double
rate(uint64_t n, double secs)
{
    return secs > 0 ? (double)n / secs : 0;
}

/* ---- ours and baseline (a), run batch by batch in turn ---------------- */

struct runner {
    struct wb_site *s; /* ours */
    struct wb_append e;
    sqlite3 *db; /* baseline (a) */
    sqlite3_stmt *ins;
    const struct ring *rg;
    uint8_t payload[BU_PAYLOAD_BYTES];
    uint8_t hashes[65 * WB_HASH_BYTES];
    uint8_t salt[WB_SALT_BYTES];
    uint64_t i;       /* records done */
    double t, tc;     /* seconds in total and in commit */
    const char *owed; /* ours: note each record as owed work of this */
    double t_clear;   /* ours: clearing the owed work, without commits */
    uint64_t base;    /* ours: the log's size before the first record */
};

static void
ours_open(struct runner *r, const char *dir)
{
    memset(r, 0, sizeof *r);
    bu_check(wb_site_create(dir, BU_ORIGIN, NULL, 0, &r->s), "site create");
    bu_append_init(&r->e, r->payload, sizeof r->payload);
    r->base = wb_site_size(r->s);
}

static void
ours_batch(struct runner *r, uint64_t end)
{
    double t0 = bu_now(), c0;

    bu_check(wb_site_begin(r->s), "begin");
    for (; r->i < end; r->i++) {
        uint64_t at;
        bu_payload(r->payload, r->i);
        bu_check(wb_site_append(r->s, &r->e, &at), "append");
        if (r->owed != NULL) {
            bu_check(wb_site_pending_add(r->s, r->owed, at), "owe");
        }
    }
    c0 = bu_now();
    bu_check(wb_site_commit(r->s), "commit");
    r->tc += bu_now() - c0;
    r->t += bu_now() - t0;
}

/* The daemon's models' batch: the owed work of records [from, end)
 * cleared (it commits with the inference records, so no commit timed). */
static void
ours_clear(struct runner *r, uint64_t from, uint64_t end)
{
    double t0;

    bu_check(wb_site_begin(r->s), "begin");
    t0 = bu_now();
    bu_check(
        wb_site_pending_done(r->s, r->owed, r->base + from, r->base + end - 1),
        "clear");
    r->t_clear += bu_now() - t0;
    bu_check(wb_site_commit(r->s), "commit");
}

/* ---- breakdown: the steps wb_site_append takes, one at a time ---------- */

struct breakdown {
    double payload_gen; /* the harness's own payload formatting */
    double random;      /* salt + record id from a 4 KiB pool */
    double commit_hash; /* sha256(salt || payload) */
    double encode;      /* claims -> deterministic CBOR (incl. malloc/free) */
    double tree;        /* leaf hash + frontier append (node hashes) */
    size_t leaf_bytes;  /* average leaf size */
    double hashes_per;  /* sha256 calls per record in tree */
};

static void
run_breakdown(uint64_t n, struct ring *rg, struct breakdown *b)
{
    uint8_t payload[BU_PAYLOAD_BYTES];
    uint8_t pool[4096];
    uint8_t salt[WB_SALT_BYTES];
    uint8_t h[WB_HASH_BYTES];
    uint8_t stored[65][WB_HASH_BYTES];
    struct wb_merkle_frontier f;
    struct wb_append e;
    struct wb_claims c;
    struct timespec now;
    uint64_t total_len = 0, node_calls = 0;
    double t;

    memset(b, 0, sizeof *b);
    t = bu_now();
    for (uint64_t i = 0; i < n; i++) {
        bu_payload(payload, i);
    }
    b->payload_gen = bu_now() - t;

    t = bu_now();
    for (uint64_t i = 0; i < n; i++) {
        if (i % (sizeof pool / 32) == 0) {
            wb_random(pool, sizeof pool);
        }
    }
    b->random = bu_now() - t;

    wb_random(salt, sizeof salt);
    bu_payload(payload, 1);
    t = bu_now();
    for (uint64_t i = 0; i < n; i++) {
        salt[0] = (uint8_t)i;
        wb_sha256_2(salt, sizeof salt, payload, sizeof payload, h);
    }
    b->commit_hash = bu_now() - t;

    /* claims as make_leaf() in src/ledger/append.c fills them */
    bu_append_init(&e, payload, sizeof payload);
    c = e.claims;
    c.iss = BU_ORIGIN;
    c.cti_len = WB_CTI_BYTES;
    c.has_payload = 1;
    c.has_time_ns = 1;
    t = bu_now();
    for (uint64_t i = 0; i < n; i++) {
        uint8_t *leaf = NULL;
        size_t len = 0;
        clock_gettime(CLOCK_REALTIME, &now);
        c.iat = (int64_t)now.tv_sec;
        c.time_ns = (uint32_t)now.tv_nsec;
        memcpy(c.cti, pool + (i % 64) * 32, WB_CTI_BYTES);
        c.cti[0] = (uint8_t)i;
        c.cti[1] = (uint8_t)(i >> 8);
        memcpy(c.payload_hash, h, WB_HASH_BYTES);
        c.payload_hash[0] = (uint8_t)i;
        bu_check(wb_claims_encode(&c, &leaf, &len), "claims encode");
        total_len += len;
        if (i < RING) {
            rg->leaf[i] = leaf;
            rg->leaf_len[i] = len;
        } else {
            wb_free(leaf);
        }
    }
    b->encode = bu_now() - t;
    b->leaf_bytes = (size_t)(total_len / n);
    for (uint64_t i = n; i < RING; i++) { /* tiny runs: fill the ring */
        rg->leaf[i] = rg->leaf[i % n];
        rg->leaf_len[i] = rg->leaf_len[i % n];
    }

    wb_merkle_frontier_init(&f);
    t = bu_now();
    for (uint64_t i = 0; i < n; i++) {
        wb_merkle_leaf_hash(rg->leaf[i % RING], rg->leaf_len[i % RING], h);
        node_calls += wb_merkle_frontier_append(&f, h, stored);
    }
    b->tree = bu_now() - t;
    b->hashes_per = (double)node_calls / (double)n;
}

/* ---- baseline (a): bare SQLite, same schema, rows and transactions ----- */

static void
sql_ok(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "bench: sqlite %s: %s\n", what, sqlite3_errmsg(db));
        exit(3);
    }
}

static void
sql_open(struct runner *r, const char *dir, int durable, const struct ring *rg)
{
    char path[4200];

    memset(r, 0, sizeof *r);
    r->rg = rg;
    mkdir(dir, 0700);
    if (snprintf(path, sizeof path, "%s/bare.db", dir) >= (int)sizeof path) {
        fprintf(stderr, "bench: path too long\n");
        exit(3);
    }
    sql_ok(r->db,
           sqlite3_open_v2(path, &r->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                               SQLITE_OPEN_NOMUTEX,
                           NULL),
           "open");
    sql_ok(r->db,
           sqlite3_exec(r->db,
                        durable ? "PRAGMA synchronous=FULL;"
                                : "PRAGMA synchronous=OFF;",
                        NULL, NULL, NULL),
           "pragma");
    sql_ok(r->db,
           sqlite3_exec(r->db,
                        "PRAGMA page_size=65536; PRAGMA cache_size=-16384;"
                        "PRAGMA journal_mode=WAL;"
                        "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
                        "CREATE TABLE entries(idx INTEGER PRIMARY KEY,"
                        " kind TEXT NOT NULL, leaf BLOB NOT NULL,"
                        " hashes BLOB NOT NULL, salt BLOB, payload BLOB,"
                        " devtok BLOB, erased INTEGER NOT NULL DEFAULT 0);",
                        NULL, NULL, NULL),
           "schema");
    sql_ok(r->db,
           sqlite3_prepare_v3(r->db,
                              "INSERT INTO entries(idx, kind, leaf, hashes, "
                              "salt, payload, devtok) VALUES (?1, ?2, ?3, "
                              "?4, ?5, ?6, ?7)",
                              -1, SQLITE_PREPARE_PERSISTENT, &r->ins, NULL),
           "prepare");
    wb_random(r->hashes, sizeof r->hashes);
    wb_random(r->salt, sizeof r->salt);
}

static void
sql_batch(struct runner *r, uint64_t end)
{
    sqlite3_stmt *ins = r->ins;
    double t0 = bu_now(), c0;

    sql_ok(r->db, sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
           "begin");
    for (; r->i < end; r->i++) {
        uint64_t i = r->i;
        /* the store keeps 1 + trailing-ones(i) hashes for entry i */
        unsigned nh = 1 + (unsigned)__builtin_ctzll(~i);
        bu_payload(r->payload, i);
        r->salt[0] = (uint8_t)i;
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
        sqlite3_bind_text(ins, 2, "record", -1, SQLITE_STATIC);
        sqlite3_bind_blob64(ins, 3, r->rg->leaf[i % RING],
                            r->rg->leaf_len[i % RING], SQLITE_STATIC);
        sqlite3_bind_blob64(ins, 4, r->hashes, (sqlite3_uint64)nh * 32,
                            SQLITE_STATIC);
        sqlite3_bind_blob64(ins, 5, r->salt, sizeof r->salt, SQLITE_STATIC);
        sqlite3_bind_blob64(ins, 6, r->payload, sizeof r->payload,
                            SQLITE_STATIC);
        sqlite3_bind_null(ins, 7);
        sql_ok(r->db, sqlite3_step(ins), "insert");
    }
    sqlite3_reset(ins);
    c0 = bu_now();
    sql_ok(r->db, sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL), "commit");
    r->tc += bu_now() - c0;
    r->t += bu_now() - t0;
}

static void
runner_close(struct runner *r)
{
    if (r->s != NULL) {
        wb_site_close(r->s);
    }
    if (r->db != NULL) {
        sqlite3_finalize(r->ins);
        sqlite3_close(r->db);
    }
}

/* ---- baseline (b): bare SHA-256 ---------------------------------------- */

static double
run_sha_leaves(uint64_t n, const struct ring *rg)
{
    uint8_t h[WB_HASH_BYTES];
    uint8_t acc = 0;
    double t = bu_now();

    for (uint64_t i = 0; i < n; i++) {
        wb_sha256(rg->leaf[i % RING], rg->leaf_len[i % RING], h);
        acc ^= h[0];
    }
    t = bu_now() - t;
    if (acc == 0xff) {
        fputc(' ', stderr); /* keep the loop */
    }
    return t;
}

static double
run_evp_leaves(uint64_t n, const struct ring *rg, EVP_MD_CTX *ctx, EVP_MD *md)
{
    uint8_t h[WB_HASH_BYTES];
    unsigned hl;
    uint8_t acc = 0;
    double t = bu_now();

    for (uint64_t i = 0; i < n; i++) {
        EVP_DigestInit_ex2(ctx, md, NULL);
        EVP_DigestUpdate(ctx, rg->leaf[i % RING], rg->leaf_len[i % RING]);
        EVP_DigestFinal_ex(ctx, h, &hl);
        acc ^= h[0];
    }
    t = bu_now() - t;
    if (acc == 0xff) {
        fputc(' ', stderr);
    }
    return t;
}

/* MB/s over large buffers: wb_sha256 (OpenSSL EVP inside) vs bare EVP. */
static void
run_sha_bulk(EVP_MD_CTX *ctx, EVP_MD *md, double *sodium, double *evp)
{
    const size_t len = 1 << 20;
    const int reps = 64;
    uint8_t *buf = bu_xmalloc(len);
    uint8_t h[WB_HASH_BYTES];
    unsigned hl;
    double t;

    memset(buf, 0x5a, len);
    t = bu_now();
    for (int i = 0; i < reps; i++) {
        buf[0] = (uint8_t)i;
        wb_sha256(buf, len, h);
    }
    *sodium = (double)len * reps / (bu_now() - t) / 1e6;
    t = bu_now();
    for (int i = 0; i < reps; i++) {
        buf[0] = (uint8_t)i;
        EVP_DigestInit_ex2(ctx, md, NULL);
        EVP_DigestUpdate(ctx, buf, len);
        EVP_DigestFinal_ex(ctx, h, &hl);
    }
    *evp = (double)len * reps / (bu_now() - t) / 1e6;
    free(buf);
}

static void
usage(void)
{
    fprintf(stderr, "usage: bench_ingest [records=200000] [-b batch=1000]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    uint64_t n = 200000, batch = 1000, ours_bytes = 0, sql_bytes = 0;
    char tmp[4096], site_dir[4200], sql_dir[4200], nosync_dir[4200];
    double nosync, nosync_commit;
    double ours, ours_commit, sql, sql_commit, sha, evp, bulk_s, bulk_e;
    double per_ours, per_sql, owed_note, owed_clear;
    struct breakdown b;
    struct ring rg;
    struct runner ro, rs;
    double sql_before, sql_after;
    EVP_MD_CTX *ctx;
    EVP_MD *md;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-b") == 0 || strcmp(argv[i], "--batch") == 0) {
            if (++i >= argc) {
                usage();
            }
            batch = bu_count(argv[i]);
        } else if (argv[i][0] == '-') {
            usage();
        } else {
            n = bu_count(argv[i]);
        }
    }
    bu_check(wb_init(), "init");
    ctx = EVP_MD_CTX_new();
    md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (ctx == NULL || md == NULL) {
        fprintf(stderr, "bench: OpenSSL SHA256 unavailable\n");
        return 3;
    }
    bu_tmpdir(tmp, sizeof tmp);
    if (snprintf(site_dir, sizeof site_dir, "%s/site", tmp) >=
            (int)sizeof site_dir ||
        snprintf(sql_dir, sizeof sql_dir, "%s/bare", tmp) >=
            (int)sizeof sql_dir ||
        snprintf(nosync_dir, sizeof nosync_dir, "%s/nosync", tmp) >=
            (int)sizeof nosync_dir) {
        return 3;
    }

    bu_machine();
    printf("bench_ingest: %" PRIu64 " records, batch %" PRIu64
           ", 200-byte payload, WAL + synchronous=FULL (durable per batch)\n"
           "temp dir %s\n\n",
           n, batch, tmp);

    /* the breakdown first: it also makes the leaves baseline (a) inserts */
    run_breakdown(n, &rg, &b);
    /* baseline (a) runs before and after ours (bracketing, fresh database
     * each time); its figure is the mean of the two. Interleaving batch by
     * batch was tried: the two files' fsyncs then slow each other down. */
    sql_open(&rs, sql_dir, 1, &rg);
    while (rs.i < n) {
        sql_batch(&rs, rs.i + batch < n ? rs.i + batch : n);
    }
    runner_close(&rs);
    sql_bytes = bu_dir_bytes(sql_dir);
    bu_rmtree(sql_dir);
    sql_before = rs.t;
    sql_commit = rs.tc;
    ours_open(&ro, site_dir);
    while (ro.i < n) {
        ours_batch(&ro, ro.i + batch < n ? ro.i + batch : n);
    }
    runner_close(&ro);
    ours = ro.t;
    ours_commit = ro.tc;
    ours_bytes = bu_dir_bytes(site_dir);
    bu_rmtree(site_dir);
    /* the same with a model owed every record, as the daemon notes it */
    ours_open(&ro, site_dir);
    ro.owed = "mqtt bearing-risk@1.0.0 plant/+/tele";
    while (ro.i < n) {
        uint64_t from = ro.i;
        ours_batch(&ro, ro.i + batch < n ? ro.i + batch : n);
        ours_clear(&ro, from, ro.i);
    }
    runner_close(&ro);
    bu_rmtree(site_dir);
    owed_note = ro.t - ours;
    owed_clear = ro.t_clear;
    sql_open(&rs, sql_dir, 1, &rg);
    while (rs.i < n) {
        sql_batch(&rs, rs.i + batch < n ? rs.i + batch : n);
    }
    runner_close(&rs);
    bu_rmtree(sql_dir);
    sql_after = rs.t;
    sql = (sql_before + sql_after) / 2;
    sql_commit = (sql_commit + rs.tc) / 2;
    sql_open(&rs, nosync_dir, 0, &rg);
    while (rs.i < n) {
        sql_batch(&rs, rs.i + batch < n ? rs.i + batch : n);
    }
    runner_close(&rs);
    nosync = rs.t;
    nosync_commit = rs.tc;
    sha = run_sha_leaves(n, &rg);
    evp = run_evp_leaves(n, &rg, ctx, md);
    run_sha_bulk(ctx, md, &bulk_s, &bulk_e);

    per_ours = ours / (double)n * 1e6;
    per_sql = sql / (double)n * 1e6;
    printf("%-44s %12s %10s\n", "", "records/s", "us/record");
    printf("%-44s %12.0f %10.3f\n", "waybill wb_site_append (ours)",
           rate(n, ours), per_ours);
    printf("%-44s %12.0f %10.3f\n", "  of which commit (fsync)",
           rate(n, ours_commit), ours_commit / (double)n * 1e6);
    printf("%-44s %12s %10.3f\n", "  + owed work noted (a model takes each)",
           "", owed_note / (double)n * 1e6);
    printf("%-44s %12s %10.3f\n", "  + owed work cleared (models' batch)", "",
           owed_clear / (double)n * 1e6);
    printf("%-44s %12.0f %10.3f\n", "(a) bare SQLite insert, same rows (mean)",
           rate(n, sql), per_sql);
    printf("%-44s %12.0f / %.0f\n", "  runs before / after ours",
           rate(n, sql_before), rate(n, sql_after));
    printf("%-44s %12.0f %10.3f\n", "  of which commit (fsync)",
           rate(n, sql_commit), sql_commit / (double)n * 1e6);
    printf("%-44s %12.0f %10.3f\n", "(a') same, synchronous=OFF (NOT durable)",
           rate(n, nosync), nosync / (double)n * 1e6);
    printf("%-44s %12.0f %10.3f\n", "  of which commit", rate(n, nosync_commit),
           nosync_commit / (double)n * 1e6);
    printf("%-44s %12.0f %10.3f\n",
           "(b) bare SHA-256 of the leaves (wb_sha256)", rate(n, sha),
           sha / (double)n * 1e6);
    printf("%-44s %12.0f %10.3f\n", "    same with OpenSSL EVP (SHA-NI)",
           rate(n, evp), evp / (double)n * 1e6);
    printf("\nratios: ours / sqlite = %.3f   ours / sha256 = %.4f   "
           "(throughput)\n",
           rate(n, ours) / rate(n, sql), rate(n, ours) / rate(n, sha));
    printf("target >= 300000 records/s: %s (%.0f)\n",
           rate(n, ours) >= 300000 ? "MET" : "MISSED", rate(n, ours));
    printf("disk: ours %.1f MB, bare sqlite %.1f MB (db + wal)\n",
           (double)ours_bytes / 1e6, (double)sql_bytes / 1e6);

    printf("\nper-record breakdown (each step timed alone, us/record):\n");
    printf("  payload formatting (harness)     %7.3f\n",
           b.payload_gen / (double)n * 1e6);
    printf("  random salt+cti (4 KiB pool)     %7.3f\n",
           b.random / (double)n * 1e6);
    printf("  sha256(salt||payload)            %7.3f\n",
           b.commit_hash / (double)n * 1e6);
    printf("  claims encode (CBOR, %3zu B leaf) %7.3f\n", b.leaf_bytes,
           b.encode / (double)n * 1e6);
    printf("  leaf hash + frontier (%.2f sha/rec)%6.3f\n", b.hashes_per,
           b.tree / (double)n * 1e6);
    printf("  bare SQLite insert+commit        %7.3f\n", per_sql);
    {
        double sum =
            (b.payload_gen + b.random + b.commit_hash + b.encode + b.tree) /
                (double)n * 1e6 +
            per_sql;
        printf("  sum                              %7.3f   (ours %.3f, "
               "unexplained %.3f)\n",
               sum, per_ours, per_ours - sum);
    }
    printf("\nSHA-256 bulk (1 MiB buffers): wb_sha256 %.0f MB/s, OpenSSL EVP "
           "%.0f MB/s (x%.2f)\n",
           bulk_s, bulk_e, bulk_e / bulk_s);

    for (size_t i = 0; i < RING && i < n; i++) {
        wb_free(rg.leaf[i]);
    }
    EVP_MD_free(md);
    EVP_MD_CTX_free(ctx);
    bu_rmtree(tmp);
    return 0;
}
