/* SPDX-License-Identifier: Apache-2.0 */
/* Governed inference against the raw XGBoost call, in one process: per-row
 * latency of XGBoosterPredictFromDense on a booster loaded from the same
 * checked bytes, and of the governed call, for single rows and for batches
 * of 1,000, and the ratios: wb_infer_run (read each record and its payload
 * from the log, purpose and consent check, residency, run, log the
 * outputs, commit) and wb_infer_run_records on the records as a gateway
 * holds them after ingest (no read back).
 * usage: bench_infer [SPEC MODEL] [ROUNDS]
 * (default: the committed test model tests/models/bearing-risk.*) */
#include <jansson.h>
#include <math.h>
#include <xgboost/c_api.h>

#include "bench_util.h"

#define BATCH      1000
#define RECORDS    (BATCH + 1)
#define MAX_ROUNDS 64

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v). */
static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *const purposes[] = {"predictive-maintenance"};
static char payloads[RECORDS][200];

/* The claims every telemetry record is appended with. */
static struct wb_claims
telemetry_claims(void)
{
    struct wb_claims c;

    memset(&c, 0, sizeof c);
    c.kind = "record";
    c.sub = "press-7";
    c.purposes = purposes;
    c.purpose_count = 1;
    c.data_class = "non-personal";
    c.jurisdiction = "DE";
    c.residency_local_only = 1;
    c.media = "application/json";
    return c;
}

/* A site with the package registered and RECORDS telemetry records. */
static struct wb_model *
setup(const char *dir, const char *spec, const char *model, struct wb_site **s)
{
    struct wb_signer *vendor = NULL;
    struct wb_model *m = NULL;
    uint8_t *text = NULL;
    size_t len = 0;
    char *vkey = NULL;
    char path[4096];
    char site[4096];
    FILE *f = fopen(spec, "rb");

    if (f == NULL) {
        fprintf(stderr, "bench: %s: cannot open\n", spec);
        exit(2);
    }
    text = bu_xmalloc(WB_MODEL_MANIFEST_MAX);
    len = fread(text, 1, WB_MODEL_MANIFEST_MAX, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/pkg", dir);
    snprintf(site, sizeof site, "%s/site", dir);
    bu_check(wb_model_pack((const char *)text, len, model, path), "pack");
    bu_check(wb_signer_generate("vendor.example", &vendor), "vendor key");
    bu_check(wb_model_sign(path, vendor), "sign");
    bu_check(wb_signer_verifier_key(vendor, &vkey), "vkey");
    bu_check(wb_site_create(site, BU_ORIGIN, NULL, 0, s), "site");
    bu_check(wb_model_register(*s, path, vkey, NULL), "register");
    bu_check(wb_site_begin(*s), "begin");
    for (int i = 0; i < RECORDS; i++) {
        struct wb_append e;
        char *payload = payloads[i];
        int n = snprintf(payload, sizeof payloads[i],
                         "{\"vib_rms\":%.3f,\"temp_c\":%.2f,\"current_a\":%.2f,"
                         "\"line\":\"press-7\"}",
                         1.0 + (i % 90) * 0.1, 45.0 + (i % 30),
                         10.0 + (i % 5) * 0.5);
        memset(&e, 0, sizeof e);
        e.claims = telemetry_claims();
        e.payload = (const uint8_t *)payload;
        e.payload_len = (size_t)n;
        bu_check(wb_site_append(*s, &e, NULL), "append");
    }
    bu_check(wb_site_commit(*s), "commit");
    bu_check(wb_model_open(*s, "bearing-risk@1.0.0", &m), "open");
    wb_signer_free(vendor);
    wb_free(vkey);
    free(text);
    return m;
}

/* Where the governed per-row time goes, measured through the public API:
 * reading a record (leaf + payload, claims decode, payload JSON) and
 * appending one output record, with the batch's commit. */
static void
breakdown(struct wb_site *s, const uint64_t *idx, double *read, double *write)
{
    static const char doc[] =
        "{\"model\":\"bearing-risk@1.0.0\",\"input\":1,\"outputs\":{"
        "\"failure_risk_7d\":0.0365993492}}";
    uint8_t parent[WB_HASH_BYTES] = {0};
    struct wb_append e;
    double t0 = bu_now();

    for (int i = 0; i < BATCH; i++) {
        uint8_t *leaf = NULL;
        uint8_t *pay = NULL;
        size_t n = 0;
        size_t pn = 0;
        int erased = 0;
        struct wb_claims *c = NULL;
        json_t *j;
        bu_check(wb_site_entry(s, idx[i], &leaf, &n, &c, &pay, &pn, &erased),
                 "entry");
        j = json_loadb((const char *)pay, pn, JSON_REJECT_DUPLICATES, NULL);
        json_decref(j);
        wb_claims_free(c);
        wb_free(leaf);
        wb_free(pay);
    }
    *read = fmin(*read, (bu_now() - t0) / BATCH);
    memset(&e, 0, sizeof e);
    e.claims.kind = "inference";
    e.claims.purposes = purposes;
    e.claims.purpose_count = 1;
    e.claims.data_class = "non-personal";
    e.claims.jurisdiction = "DE";
    e.claims.parents = &parent;
    e.claims.parent_count = 1;
    e.claims.has_model = 1;
    e.claims.residency_local_only = 1;
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    t0 = bu_now();
    bu_check(wb_site_begin(s), "begin");
    for (int i = 0; i < BATCH; i++) {
        bu_check(wb_site_append(s, &e, NULL), "append");
    }
    bu_check(wb_site_commit(s), "commit");
    *write = fmin(*write, (bu_now() - t0) / BATCH);
}

/* The records idx[0..BATCH) as a gateway holds them after ingest: the
 * claims it appended with, the payload and its parse (made at ingest),
 * the leaf hash. */
static void
held(struct wb_site *s,
     const uint64_t *idx,
     const struct wb_claims *c,
     struct wb_infer_record *rec)
{
    uint64_t first = wb_site_size(s) - RECORDS; /* payloads[0]'s entry */

    for (int i = 0; i < BATCH; i++) {
        uint8_t *leaf = NULL;
        size_t n = 0;
        bu_check(wb_site_leaf(s, idx[i], &leaf, &n), "leaf");
        wb_merkle_leaf_hash(leaf, n, rec[i].leaf_hash);
        wb_free(leaf);
        rec[i].index = idx[i];
        rec[i].claims = c;
        rec[i].payload = (const uint8_t *)payloads[idx[i] - first];
        rec[i].payload_len = strlen(payloads[idx[i] - first]);
        rec[i].doc = json_loadb(payloads[idx[i] - first], rec[i].payload_len,
                                JSON_REJECT_DUPLICATES, NULL);
    }
}

/* The raw call: the same bytes loaded straight into a booster, called
 * as fast as the C API allows: one thread, in-place prediction through a
 * proxy DMatrix kept across calls (a new one per call re-reads the cgroup
 * CPU quota files, 2-3x a small model's single-row time). */
static DMatrixHandle raw_proxy;

static BoosterHandle
raw_booster(struct wb_site *s)
{
    struct wb_model_package *p = NULL;
    BoosterHandle h = NULL;

    bu_check(wb_model_verify(s, "bearing-risk@1.0.0", &p), "verify");
    if (XGBoosterCreate(NULL, 0, &h) != 0 ||
        XGBoosterSetParam(h, "nthread", "1") != 0 ||
        XGBoosterLoadModelFromBuffer(h, p->model, p->model_len) != 0 ||
        XGProxyDMatrixCreate(&raw_proxy) != 0) {
        fprintf(stderr, "bench: xgboost: %s\n", XGBGetLastError());
        exit(3);
    }
    wb_model_package_free(p);
    return h;
}

static void
raw_predict(BoosterHandle h, const float *x, size_t rows, size_t nf)
{
    static const char config[] =
        "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
        "\"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, "
        "\"cache_id\": 0}";
    char iface[256];
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    const float *res = NULL;

    snprintf(iface, sizeof iface,
             "{\"data\": [%llu, true], \"shape\": [%zu, %zu], "
             "\"typestr\": \"<f4\", \"version\": 3}",
             (unsigned long long)(uintptr_t)x, rows, nf);
    if (XGBoosterPredictFromDense(h, iface, config, raw_proxy, &shape, &dim,
                                  &res) != 0) {
        fprintf(stderr, "bench: predict: %s\n", XGBGetLastError());
        exit(3);
    }
}

int
main(int argc, char **argv)
{
    const char *spec =
        argc > 2 ? argv[1] : WB_SRC_DIR "/tests/models/bearing-risk.spec.json";
    const char *model =
        argc > 2 ? argv[2] : WB_SRC_DIR "/tests/models/bearing-risk.ubj";
    int rounds = argc == 2 ? atoi(argv[1]) : argc > 3 ? atoi(argv[3]) : 7;
    struct wb_policy *pol = NULL;
    struct wb_site *s = NULL;
    struct wb_model *m;
    struct wb_infer_result *r = NULL;
    struct wb_infer_opts o;
    BoosterHandle h;
    uint64_t idx[BATCH];
    float *x = bu_xmalloc(BATCH * 3 * sizeof(float));
    char dir[256];
    double t0, raw1[MAX_ROUNDS], gov1[MAX_ROUNDS], gov1b[MAX_ROUNDS];
    double rawb[MAX_ROUNDS], govb[MAX_ROUNDS], q1[MAX_ROUNDS], q1b[MAX_ROUNDS];
    double qb[MAX_ROUNDS], hold1[MAX_ROUNDS], holdb[MAX_ROUNDS];
    double qh1[MAX_ROUNDS], qhb[MAX_ROUNDS], rawh1[MAX_ROUNDS];
    double rawhb[MAX_ROUNDS], holdc[MAX_ROUNDS];
    double rd = 1e9, wr = 1e9;
    struct wb_claims tc = telemetry_claims();
    struct wb_infer_record *rec = bu_xmalloc(BATCH * sizeof *rec);
    const int singles = 200;

    bu_check(wb_init(), "init");
    bu_check(wb_policy_load_dir(WB_SRC_DIR "/profiles", &pol), "profiles");
    bu_tmpdir(dir, sizeof dir);
    m = setup(dir, spec, model, &s);
    h = raw_booster(s);
    /* the raw rows are the features of the records the governed calls
     * take (payloads[1..]), read from the same text as the governed path
     * reads them (a double, then a float), so both run the same rows */
    for (int i = 0; i < BATCH; i++) {
        double v[3];
        idx[i] = wb_site_size(s) - RECORDS + 1 + (uint64_t)i;
        if (sscanf(payloads[i + 1],
                   "{\"vib_rms\":%lf,\"temp_c\":%lf,\"current_a\":%lf", &v[0],
                   &v[1], &v[2]) != 3) {
            fprintf(stderr, "bench: payload %d does not scan\n", i + 1);
            return 3;
        }
        for (int j = 0; j < 3; j++) {
            x[i * 3 + j] = (float)v[j];
        }
    }
    held(s, idx, &tc, rec);
    memset(&o, 0, sizeof o);
    o.policy = pol;
    o.run_in = "DE";
    o.date = (int32_t)(time(NULL) / 86400);
    o.mode = WB_INFER_ENFORCE;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "bench: 1..%d rounds\n", MAX_ROUNDS);
        return 2;
    }
    /* each round measures raw and governed back to back on the same rows;
     * the figures and the ratios are medians over the rounds, since the
     * machine is shared */
    for (int k = 0; k < rounds; k++) {
        t0 = bu_now();
        for (int i = 0; i < singles; i++) {
            raw_predict(h, x + (i % BATCH) * 3, 1, 3);
        }
        raw1[k] = (bu_now() - t0) / singles;
        t0 = bu_now();
        for (int i = 0; i < singles; i++) {
            bu_check(wb_infer_run(s, m, &idx[i % BATCH], 1, &o, &r), "infer");
            wb_infer_result_free(r);
        }
        gov1[k] = (bu_now() - t0) / singles;
        t0 = bu_now();
        bu_check(wb_site_begin(s), "begin");
        for (int i = 0; i < singles; i++) {
            bu_check(wb_infer_run(s, m, &idx[i % BATCH], 1, &o, &r), "infer");
            wb_infer_result_free(r);
        }
        bu_check(wb_site_commit(s), "commit");
        gov1b[k] = (bu_now() - t0) / singles;
        t0 = bu_now();
        raw_predict(h, x, BATCH, 3);
        rawb[k] = (bu_now() - t0) / BATCH;
        t0 = bu_now();
        bu_check(wb_infer_run(s, m, idx, BATCH, &o, &r), "infer batch");
        if (r->ran != BATCH) {
            fprintf(stderr, "bench: %zu of %d rows ran\n", r->ran, BATCH);
            exit(3);
        }
        wb_infer_result_free(r);
        govb[k] = (bu_now() - t0) / BATCH;
        /* single rows in blocks: `singles` raw calls and `singles`
         * governed ones on the same rows, the block order alternating by
         * round. Each row's payload is parsed just before its call,
         * untimed, in both blocks: the gateway parses a message at ingest,
         * then runs its models on the held record. Interleaving the two
         * calls row by row (as this bench did until 2026-12-03) let the
         * raw call share the governed one's cache state: the governed
         * loop's cost to XGBoost's own predict (its trees evicted between
         * calls) did not show */
        {
            static float yraw[BATCH], ygov[BATCH];
            double tr = 0, tg = 0;
            for (int half = 0; half < 2; half++) {
                bool gov = (half + k) % 2 == 1;
                if (gov) {
                    bu_check(wb_site_begin(s), "begin");
                }
                for (int i = 0; i < singles; i++) {
                    struct wb_infer_record one = rec[i % BATCH];
                    json_t *doc =
                        json_loadb((const char *)one.payload, one.payload_len,
                                   JSON_REJECT_DUPLICATES, NULL);
                    double a = bu_now();
                    one.doc = doc;
                    if (gov) {
                        bu_check(wb_infer_run_records(s, m, &one, 1, &o, &r),
                                 "infer held");
                        tg += bu_now() - a;
                        ygov[i] = r->count == 1 && r->rows[0].ran
                                      ? r->rows[0].values[0]
                                      : NAN;
                        wb_infer_result_free(r);
                    } else {
                        bu_check(wb_model_predict(m, x + (i % BATCH) * 3, 1,
                                                  &yraw[i]),
                                 "predict");
                        tr += bu_now() - a;
                    }
                    json_decref(doc);
                }
                if (gov) {
                    bu_check(wb_site_commit(s), "commit");
                }
            }
            for (int i = 0; i < singles; i++) {
                if (ygov[i] != yraw[i]) {
                    fprintf(stderr, "bench: row %d: governed and raw differ\n",
                            i);
                    exit(3);
                }
            }
            rawh1[k] = tr / singles;
            hold1[k] = tg / singles;
        }
        /* the batch: raw, then governed inside an open batch (the
         * gateway's way: its models' batch), then that batch's durable
         * commit, each timed */
        {
            float *y = bu_xmalloc(BATCH * sizeof(float) * WB_INFER_OUTPUTS_MAX);
            double a, b2, c2;
            bu_check(wb_site_begin(s), "begin");
            a = bu_now();
            bu_check(wb_model_predict(m, x, BATCH, y), "predict");
            b2 = bu_now();
            bu_check(wb_infer_run_records(s, m, rec, BATCH, &o, &r),
                     "infer held batch");
            c2 = bu_now();
            bu_check(wb_site_commit(s), "commit");
            holdc[k] = (bu_now() - c2) / BATCH;
            /* the raw call again after it: the baseline is the mean of the
             * calls before and after, so neither side gets the warmer
             * caches */
            {
                double d = bu_now();
                bu_check(wb_model_predict(m, x, BATCH, y), "predict");
                d = bu_now() - d;
                a -= d; /* b2 - a is now both raw calls' time */
            }
            if (r->ran != BATCH) {
                fprintf(stderr, "bench: %zu of %d held rows ran\n", r->ran,
                        BATCH);
                exit(3);
            }
            wb_infer_result_free(r);
            rawhb[k] = (b2 - a) / 2 / BATCH;
            holdb[k] = (c2 - b2) / BATCH;
            free(y);
        }
        breakdown(s, idx, &rd, &wr);
        qh1[k] = hold1[k] / rawh1[k];
        qhb[k] = holdb[k] / rawhb[k];
        q1[k] = gov1[k] / raw1[k];
        q1b[k] = gov1b[k] / raw1[k];
        qb[k] = govb[k] / rawb[k];
    }
    bu_machine();
    printf("model: %s (%d rounds, medians)\n", model, rounds);
    printf("single row, raw XGBoost call:            %9.2f us\n",
           median(raw1, rounds) * 1e6);
    printf("single row, governed (own commit):       %9.2f us  ratio %.2f\n",
           median(gov1, rounds) * 1e6, median(q1, rounds));
    printf("single row, governed (in a batch of %d): %9.2f us  ratio %.2f\n",
           singles, median(gov1b, rounds) * 1e6, median(q1b, rounds));
    printf("batch %d, raw XGBoost call, per row:    %9.2f us\n", BATCH,
           median(rawb, rounds) * 1e6);
    printf("batch %d, governed, per row:            %9.2f us  ratio %.2f\n",
           BATCH, median(govb, rounds) * 1e6, median(qb, rounds));
    printf("held records (the gateway's path, no read back):\n");
    printf("single row, raw (same booster), in blocks:  %6.2f us\n",
           median(rawh1, rounds) * 1e6);
    printf("single row, governed (in a batch of %d): %9.2f us  ratio %.2f\n",
           singles, median(hold1, rounds) * 1e6, median(qh1, rounds));
    printf("batch %d, raw (same booster, before and after): %.2f us\n", BATCH,
           median(rawhb, rounds) * 1e6);
    printf("batch %d, governed in an open batch:    %9.2f us  ratio %.2f\n",
           BATCH, median(holdb, rounds) * 1e6, median(qhb, rounds));
    printf("  + that batch's durable commit, per row: %7.2f us\n",
           median(holdc, rounds) * 1e6);
    printf("for scale, per row (best): reading a record back %.2f us, "
           "appending a one-output record (batch commit included) %.2f us\n",
           rd * 1e6, wr * 1e6);
    XGBoosterFree(h);
    XGDMatrixFree(raw_proxy);
    wb_model_close(m);
    wb_site_close(s);
    wb_policy_free(pol);
    free(x);
    for (int i = 0; i < BATCH; i++) {
        json_decref((json_t *)(uintptr_t)rec[i].doc);
    }
    free(rec);
    bu_rmtree(dir);
    return 0;
}
