/* SPDX-License-Identifier: Apache-2.0 */
/* Reports over a site of N records (a tenth of them erased, with their
 * erasure entries): each report's wb_report_make against the bare scan
 * every report rests on (each leaf read and its claims decoded), in the
 * same process, after one untimed scan warms the cache;
 * the fastest of three runs of each. Usage: bench_report
 * [N=200000] */
#include <waybill/report.h>

#include "bench_util.h"

#define ROUNDS 3 /* the fastest of three runs counts */

static volatile size_t sink;

/* The baseline: read and decode every leaf. */
static void
bare_scan(struct wb_site *s)
{
    uint64_t n = wb_site_size(s);

    for (uint64_t i = 0; i < n; i++) {
        uint8_t *leaf = NULL;
        size_t len = 0;
        struct wb_claims *c = NULL;
        bu_check(wb_site_leaf(s, i, &leaf, &len), "leaf");
        bu_check(wb_claims_decode(leaf, len, &c), "decode");
        sink += c->purpose_count;
        wb_claims_free(c);
        wb_free(leaf);
    }
}

int
main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? bu_count(argv[1]) : 200000;
    char dir[256], site[300];
    struct wb_site *s = NULL;
    uint64_t *erase;
    size_t ne = 0;
    double t0, base;

    bu_check(wb_init(), "init");
    bu_machine();
    bu_tmpdir(dir, sizeof dir);
    snprintf(site, sizeof site, "%s/site", dir);
    bu_check(wb_site_create(site, BU_ORIGIN, NULL, 0, &s), "create");
    bu_ingest(s, 0, n, 4096);
    erase = bu_xmalloc((n / 10 + 1) * sizeof *erase);
    for (uint64_t i = 0; i < n; i += 10) {
        erase[ne++] = i;
    }
    bu_check(wb_site_erase_many(s, erase, ne, "retention expired", NULL),
             "erase");
    free(erase);
    printf("site: %llu entries (%llu records, %zu erasures)\n",
           (unsigned long long)wb_site_size(s), (unsigned long long)n, ne);

    bare_scan(s); /* warm the page cache */
    base = 1e9;
    for (int round = 0; round < ROUNDS; round++) {
        t0 = bu_now();
        bare_scan(s);
        t0 = bu_now() - t0;
        base = t0 < base ? t0 : base;
    }
    printf("bare scan (leaf + decode): %.3f s, %.2f us/entry\n", base,
           base * 1e6 / (double)wb_site_size(s));
    for (int k = 0; k < 4; k++) {
        struct wb_report *r = NULL;
        char *out = NULL;
        double t = 1e9;
        for (int round = 0; round < ROUNDS; round++) {
            t0 = bu_now();
            bu_check(wb_report_make(s, (enum wb_report_kind)k, NULL, 0, &r),
                     "report");
            bu_check(wb_report_json(r, true, &out), "json");
            t0 = bu_now() - t0;
            t = t0 < t ? t0 : t;
            sink += strlen(out);
            wb_free(out);
            wb_report_free(r);
        }
        printf("report %-11s: %.3f s, %.2f us/entry, %.2fx the bare scan\n",
               wb_report_name((enum wb_report_kind)k), t,
               t * 1e6 / (double)wb_site_size(s), t / base);
    }
    wb_site_close(s);
    bu_rmtree(dir);
    return 0;
}
