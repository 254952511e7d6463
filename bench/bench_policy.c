/* SPDX-License-Identifier: Apache-2.0 */
/* Decisions per second with every shipped profile loaded, on one core,
 * over a mix of parsed requests (several jurisdictions, classes, counts
 * and mechanisms), against the baseline of a bare hash lookup per
 * request (one SipHash of the request's key fields, libsodium's
 * crypto_shorthash, into a 4096-slot table) in the same process. Then
 * recorded decisions (wb_site_decide with record: the policy files cited,
 * one durable transaction each) against appending a plain entry of the
 * same payload size as its own transaction, in a temporary site.
 * usage: bench_policy [PROFILES_DIR] [SECONDS] */
#include <sodium.h>

#include "bench_util.h"

#define MIX 64

static const char *const exporters[] = {"CN", "DE", "FR", "US-CA", "ID", "CL"};
static const char *const countries[] = {"US", "JP", "DE", "CN", "IN", "GB"};
static const char *const classes[] = {"personal", "non-personal",
                                      "sensitive-personal", "important"};
static const char *const mechs[] = {"scc", "cn-standard-contract", "adequacy",
                                    NULL};

/* Recorded decisions per second against plain appends of the same size,
 * each its own durable transaction, in a fresh site. */
static void
recorded(const struct wb_policy *p, double seconds)
{
    static const char req[] =
        "{\"exporter\":{\"jurisdiction\":\"DE\"},\"recipient\":{"
        "\"country\":\"US\",\"server\":\"srv-bench\"},\"data\":{"
        "\"classes\":[\"non-personal\"]},\"purpose\":"
        "\"predictive-maintenance\",\"date\":\"2026-11-22\"}";
    static const char srv_doc[] =
        "{\"id\":\"srv-bench\",\"endpoint\":\"https://us.example.com/in\","
        "\"operator\":\"Bench Inc\",\"country\":\"US\",\"role\":"
        "\"processor\",\"registration\":\"R-1\",\"mechanism\":{"
        "\"type\":\"scc\",\"reference\":\"SCC-1\",\"valid_until\":"
        "\"2030-12-31\"}}";
    struct wb_policy_cite *cites = NULL;
    struct wb_site_decision d;
    struct wb_server srv;
    struct wb_site *s = NULL;
    struct wb_append e;
    char dir[512], site[600];
    uint8_t *payload = NULL;
    size_t payload_len = 0, n_cites = 0;
    int erased = 0;
    uint64_t n = 0, n_plain = 0;
    double t0, t_rec, t_plain;

    bu_tmpdir(dir, sizeof dir);
    snprintf(site, sizeof site, "%s/site", dir);
    bu_check(wb_site_create(site, "bench.waybill.example", NULL, 0, &s),
             "site");
    bu_check(wb_server_from_json(srv_doc, strlen(srv_doc), &srv), "server");
    bu_check(wb_server_register(s, &srv, NULL), "register");
    bu_check(wb_policy_log(s, p, &cites, &n_cites), "policy load");
    wb_free(cites);
    t0 = bu_now();
    do {
        bu_check(wb_site_decide(s, p, req, strlen(req), NULL, 0, true, &d),
                 "decide --record");
        n++;
    } while (bu_now() - t0 < seconds);
    t_rec = (bu_now() - t0) / (double)n;
    bu_check(wb_site_payload(s, d.entry, &payload, &payload_len, &erased),
             "payload");
    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.media = "application/json";
    e.payload = payload;
    e.payload_len = payload_len;
    t0 = bu_now();
    do {
        bu_check(wb_site_append(s, &e, NULL), "append");
        n_plain++;
    } while (bu_now() - t0 < seconds);
    t_plain = (bu_now() - t0) / (double)n_plain;
    printf("recorded:    %10.0f decisions/s  (%.0f us each, %zu policy "
           "files cited, payload %zu bytes)\n",
           1.0 / t_rec, t_rec * 1e6, n_cites, payload_len);
    printf("plain append:%10.0f entries/s    (%.0f us each, own "
           "transaction)\n",
           1.0 / t_plain, t_plain * 1e6);
    printf("ratio recorded decision/plain append time: %.1fx\n",
           t_rec / t_plain);
    wb_free(payload);
    wb_site_close(s);
    bu_rmtree(dir);
}

int
main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : WB_SRC_DIR "/profiles";
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    struct wb_policy *p = NULL;
    struct wb_policy_request q[MIX];
    struct wb_policy_decision d;
    uint8_t key[crypto_shorthash_KEYBYTES] = {1};
    static uint32_t table[4096];
    uint64_t n = 0, n_hash = 0, sink = 0, hist[5] = {0};
    double t0, t_engine, t_hash;

    bu_check(wb_init(), "init");
    bu_check(wb_policy_load_dir(dir, &p), dir);
    for (int i = 0; i < MIX; i++) {
        char json[1024];
        const char *m = mechs[i % 4];
        char mech[200] = "";
        if (m != NULL && wb_policy_mechanism_find(p, m) >= 0) {
            snprintf(mech, sizeof mech,
                     ",\"mechanism\":{\"type\":\"%s\",\"reference\":\"r-1\","
                     "\"valid_until\":\"2028-01-01\"}",
                     m);
        }
        snprintf(json, sizeof json,
                 "{\"exporter\":{\"jurisdiction\":\"%s\",\"ciio\":%s},"
                 "\"recipient\":{\"country\":\"%s\",\"role\":\"processor\"},"
                 "\"data\":{\"classes\":[\"%s\"],\"subjects_ytd\":%d},"
                 "\"consent\":{\"status\":\"given\",\"separate\":true}%s,"
                 "\"date\":\"2026-11-22\"}",
                 exporters[i % 6], i % 7 == 0 ? "true" : "false",
                 countries[(i / 6) % 6], classes[(i / 3) % 4],
                 (i * 37717) % 1500000, mech);
        bu_check(wb_policy_request_parse(p, json, strlen(json), &q[i]), json);
        bu_check(wb_policy_decide(p, &q[i], &d), "decide");
        hist[d.decision]++;
    }
    printf("profiles loaded: %zu; request mix: %d (n/a %llu, allow %llu, "
           "obligations %llu, require %llu, deny %llu)\n",
           wb_policy_profile_count(p), MIX, (unsigned long long)hist[0],
           (unsigned long long)hist[1], (unsigned long long)hist[2],
           (unsigned long long)hist[3], (unsigned long long)hist[4]);

    t0 = bu_now();
    do {
        for (int k = 0; k < 4096; k++) {
            if (wb_policy_decide(p, &q[n % MIX], &d) != WB_OK) {
                return 3;
            }
            sink += d.decision + d.citation_count;
            n++;
        }
    } while (bu_now() - t0 < seconds);
    t_engine = (bu_now() - t0) / (double)n;

    t0 = bu_now();
    do {
        for (int k = 0; k < 4096; k++) {
            const struct wb_policy_request *r = &q[n_hash % MIX];
            uint8_t h[crypto_shorthash_BYTES];
            uint64_t slot;
            crypto_shorthash(h, (const uint8_t *)r, 64, key);
            memcpy(&slot, h, sizeof slot);
            sink += table[slot % 4096]++;
            n_hash++;
        }
    } while (bu_now() - t0 < seconds);
    t_hash = (bu_now() - t0) / (double)n_hash;

    printf("decide:      %10.0f decisions/s  (%.0f ns each)\n", 1.0 / t_engine,
           t_engine * 1e9);
    printf("hash lookup: %10.0f lookups/s    (%.0f ns each)\n", 1.0 / t_hash,
           t_hash * 1e9);
    printf("ratio decide/hash lookup time: %.1fx  (sink %llu)\n",
           t_engine / t_hash, (unsigned long long)(sink & 1));
    recorded(p, seconds);
    wb_policy_free(p);
    return 0;
}
