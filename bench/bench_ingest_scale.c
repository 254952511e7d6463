/* SPDX-License-Identifier: Apache-2.0 */
/* Ingest throughput as the log grows: one site filled with durable batches
 * up to N records (default 1,000,000), reporting records/s per window at
 * 100k, 200k, 500k, 1M, 2M, 5M, 10M and the ratio of the last 100k-record
 * window to the first. Usage: bench_ingest_scale [N=1000000] [-b 1000] */
#include "bench_util.h"

#define CHUNK 100000 /* equal-size window for the first/last comparison */

static const uint64_t marks[] = {100000,  200000,  500000,  1000000,
                                 2000000, 5000000, 10000000};

static void
usage(void)
{
    fprintf(stderr, "usage: bench_ingest_scale [N=1000000] [-b batch=1000]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    uint64_t n = 1000000, batch = 1000, done = 0, prev_mark = 0;
    char tmp[4096], dir[4200];
    struct wb_site *s = NULL;
    double t_start, t_prev_mark, first_chunk = 0, last_chunk = 0;
    double window_max_batch = 0;
    size_t mi = 0;
    const size_t nmarks = sizeof marks / sizeof marks[0];
    uint64_t cb = 1; /* next chunk boundary to time */
    uint8_t payload[BU_PAYLOAD_BYTES];
    struct wb_append e;
    double *chunk_end; /* time when each CHUNK boundary was passed */
    uint64_t nchunks;

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
    if (n < CHUNK) {
        n = CHUNK;
    }
    nchunks = (n + CHUNK - 1) / CHUNK;
    chunk_end = bu_xmalloc((size_t)(nchunks + 1) * sizeof *chunk_end);
    bu_check(wb_init(), "init");
    bu_tmpdir(tmp, sizeof tmp);
    if (snprintf(dir, sizeof dir, "%s/site", tmp) >= (int)sizeof dir) {
        return 3;
    }
    bu_machine();
    printf("bench_ingest_scale: up to %" PRIu64 " records, batch %" PRIu64
           ", 200-byte payload, durable per batch\ntemp dir %s\n\n",
           n, batch, tmp);
    printf("%10s %10s %12s %12s %12s %10s %10s\n", "at", "window",
           "window rec/s", "last100k r/s", "cumul rec/s", "max batch",
           "disk MB");
    fflush(stdout);

    bu_check(wb_site_create(dir, BU_ORIGIN, NULL, 0, &s), "site create");
    bu_append_init(&e, payload, sizeof payload);
    t_start = t_prev_mark = bu_now();
    chunk_end[0] = t_start;
    while (done < n) {
        uint64_t end = done + batch < n ? done + batch : n;
        uint64_t next_mark;
        double b0 = bu_now(), b1;

        bu_check(wb_site_begin(s), "begin");
        for (; done < end; done++) {
            bu_payload(payload, done);
            bu_check(wb_site_append(s, &e, NULL), "append");
        }
        bu_check(wb_site_commit(s), "commit");
        b1 = bu_now();
        if (b1 - b0 > window_max_batch) {
            window_max_batch = b1 - b0;
        }
        while (cb <= nchunks && (cb * CHUNK <= done || done == n)) {
            chunk_end[cb++] = b1;
        }
        next_mark = mi < nmarks && marks[mi] < n ? marks[mi] : n;
        if (done >= next_mark) {
            uint64_t c = cb - 1; /* last completed chunk */
            double last = b1 - chunk_end[c - 1];
            uint64_t last_n = done - (c - 1) * CHUNK;
            printf("%10" PRIu64 " %10" PRIu64 " %12.0f %12.0f %12.0f %8.1fms"
                   " %10.1f\n",
                   done, done - prev_mark,
                   (double)(done - prev_mark) / (b1 - t_prev_mark),
                   (double)last_n / last, (double)done / (b1 - t_start),
                   window_max_batch * 1e3, (double)bu_dir_bytes(dir) / 1e6);
            fflush(stdout);
            prev_mark = done;
            t_prev_mark = b1;
            window_max_batch = 0;
            while (mi < nmarks && marks[mi] <= done) {
                mi++;
            }
        }
    }
    wb_site_close(s);

    first_chunk = (double)(n < CHUNK ? n : CHUNK) / (chunk_end[1] - t_start);
    last_chunk = (double)(n - (nchunks - 1) * CHUNK) /
                 (chunk_end[nchunks] - chunk_end[nchunks - 1]);
    printf("\ncurve (records/s per 100k chunk):");
    for (uint64_t c = 1; c <= nchunks; c++) {
        uint64_t cn = c < nchunks ? CHUNK : n - (c - 1) * CHUNK;
        if (nchunks <= 20 || c % (nchunks / 20 + 1) == 0 || c == 1 ||
            c == nchunks) {
            printf("%s%.0f", c == 1 ? " " : ", ",
                   (double)cn / (chunk_end[c] - chunk_end[c - 1]));
        }
    }
    printf("\n\nfirst 100k: %.0f records/s, last 100k (ending at %" PRIu64
           "): %.0f records/s\nratio last / first = %.3f (target at 10M: >= "
           "0.80)\n",
           first_chunk, n, last_chunk, last_chunk / first_chunk);
    printf("overall: %.0f records/s over %.1f s\n",
           (double)n / (chunk_end[nchunks] - t_start),
           chunk_end[nchunks] - t_start);
    free(chunk_end);
    bu_rmtree(tmp);
    return 0;
}
