/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the bench_*.c programs: a monotonic clock, temporary
 * site directories, argument parsing and the record every benchmark
 * appends. Header-only (static inline) so each benchmark stays one file. */
#ifndef WB_BENCH_UTIL_H
#define WB_BENCH_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <waybill/waybill.h>

#define BU_PAYLOAD_BYTES 200

static inline double
bu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void
bu_check(wb_err rc, const char *what)
{
    if (rc != WB_OK) {
        fprintf(stderr, "bench: %s: %s (%s)\n", what, wb_strerror(rc),
                wb_errmsg());
        exit(3);
    }
}

static inline void *
bu_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", n);
        exit(3);
    }
    return p;
}

/* A fresh directory $TMPDIR/wb-bench-XXXXXX (or under /tmp). */
static inline void
bu_tmpdir(char *out, size_t cap)
{
    const char *base = getenv("TMPDIR");

    if (base == NULL || *base == '\0') {
        base = "/tmp";
    }
    snprintf(out, cap, "%s/wb-bench-XXXXXX", base);
    if (mkdtemp(out) == NULL) {
        fprintf(stderr, "bench: mkdtemp %s: %s\n", out, strerror(errno));
        exit(3);
    }
}

/* Remove a directory tree (the benchmarks' own temp dirs only). */
static inline void
bu_rmtree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char sub[4096];
    struct stat st;

    if (d == NULL) {
        unlink(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >=
            (int)sizeof sub) {
            continue;
        }
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            bu_rmtree(sub);
        } else {
            unlink(sub);
        }
    }
    closedir(d);
    rmdir(path);
}

/* Total size of the regular files directly in dir (database + WAL). */
static inline uint64_t
bu_dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char sub[4096];
    struct stat st;
    uint64_t total = 0;

    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >=
            (int)sizeof sub) {
            continue;
        }
        if (lstat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
            total += (uint64_t)st.st_size;
        }
    }
    closedir(d);
    return total;
}

/* Parse a count such as 200000, 1e6 or 10M. */
static inline uint64_t
bu_count(const char *s)
{
    char *end = NULL;
    double v = strtod(s, &end);

    if (end == s || v < 1) {
        fprintf(stderr, "bench: bad count '%s'\n", s);
        exit(2);
    }
    if (*end == 'k' || *end == 'K') {
        v *= 1e3;
    } else if (*end == 'm' || *end == 'M') {
        v *= 1e6;
    }
    return (uint64_t)v;
}

/* A 200-byte JSON telemetry payload for record seq (exactly
 * BU_PAYLOAD_BYTES, no NUL). */
static inline void
bu_payload(uint8_t out[BU_PAYLOAD_BYTES], uint64_t seq)
{
    char tmp[BU_PAYLOAD_BYTES + 64];
    int n = snprintf(tmp, sizeof tmp,
                     "{\"device\":\"press-07\",\"seq\":%" PRIu64
                     ",\"temp_c\":%u.%u,\"vib_mm_s\":%u.%02u,"
                     "\"rpm\":%u,\"status\":\"ok\",\"pad\":\"",
                     seq, (unsigned)(40 + seq % 30), (unsigned)(seq % 10),
                     (unsigned)(seq % 7), (unsigned)(seq % 100),
                     (unsigned)(1400 + seq % 200));
    size_t len = (size_t)n;

    while (len < BU_PAYLOAD_BYTES - 2) {
        tmp[len++] = 'x';
    }
    tmp[BU_PAYLOAD_BYTES - 2] = '"';
    tmp[BU_PAYLOAD_BYTES - 1] = '}';
    memcpy(out, tmp, BU_PAYLOAD_BYTES);
}

static const char *const bu_purposes[] = {"predictive-maintenance"};

/* The record the ingest benchmarks append: kind "record", no device, one
 * purpose, class non-personal, jurisdiction DE, JSON media, iat = now. */
static inline void
bu_append_init(struct wb_append *e, const uint8_t *payload, size_t len)
{
    memset(e, 0, sizeof *e);
    e->claims.kind = "record";
    e->claims.sub = NULL;
    e->claims.purposes = bu_purposes;
    e->claims.purpose_count = 1;
    e->claims.data_class = "non-personal";
    e->claims.jurisdiction = "DE";
    e->claims.media = "application/json";
    e->payload = payload;
    e->payload_len = len;
}

#define BU_ORIGIN "bench.waybill.example/log"

/* Append records [from, to) to s in batches of `batch`, one durable
 * commit each. */
static inline void
bu_ingest(struct wb_site *s, uint64_t from, uint64_t to, uint64_t batch)
{
    uint8_t payload[BU_PAYLOAD_BYTES] = {0};
    struct wb_append e;

    bu_append_init(&e, payload, sizeof payload);
    for (uint64_t i = from; i < to;) {
        uint64_t end = i + batch < to ? i + batch : to;
        bu_check(wb_site_begin(s), "begin");
        for (; i < end; i++) {
            bu_payload(payload, i);
            bu_check(wb_site_append(s, &e, NULL), "append");
        }
        bu_check(wb_site_commit(s), "commit");
    }
}

/* An in-memory Merkle store: level k holds the hashes of the perfect
 * subtrees of height k, node (k, i >> k) written when leaf i completes it
 * (stored[k] from wb_merkle_frontier_append). */
struct bu_mtree {
    struct wb_merkle_frontier f;
    uint64_t cap; /* leaves allocated for */
    uint64_t reads;
    uint8_t (*lv[64])[WB_HASH_BYTES];
};

static inline void
bu_mtree_init(struct bu_mtree *t, uint64_t cap)
{
    memset(t, 0, sizeof *t);
    wb_merkle_frontier_init(&t->f);
    t->cap = cap;
    for (unsigned k = 0; k < 64 && (cap >> k) > 0; k++) {
        t->lv[k] = bu_xmalloc((size_t)(cap >> k) * WB_HASH_BYTES);
    }
}

static inline void
bu_mtree_free(struct bu_mtree *t)
{
    for (unsigned k = 0; k < 64; k++) {
        free(t->lv[k]);
    }
    memset(t, 0, sizeof *t);
}

static inline void
bu_mtree_append(struct bu_mtree *t, const uint8_t leaf_hash[WB_HASH_BYTES])
{
    uint8_t stored[65][WB_HASH_BYTES];
    uint64_t i = t->f.size;
    unsigned n = wb_merkle_frontier_append(&t->f, leaf_hash, stored);

    for (unsigned k = 0; k < n; k++) {
        memcpy(t->lv[k][i >> k], stored[k], WB_HASH_BYTES);
    }
}

static inline wb_err
bu_mtree_read(void *ctx,
              unsigned level,
              uint64_t index,
              uint8_t out[WB_HASH_BYTES])
{
    struct bu_mtree *t = ctx;

    t->reads++;
    if (level >= 64 || t->lv[level] == NULL ||
        ((index + 1) << level) > t->f.size) {
        return WB_ERR_NOTFOUND;
    }
    memcpy(out, t->lv[level][index], WB_HASH_BYTES);
    return WB_OK;
}

/* Leaf bytes for the in-memory trees: the index, 8 bytes little-endian. */
static inline void
bu_index_leaf_hash(uint64_t i, uint8_t out[WB_HASH_BYTES])
{
    uint8_t b[8];

    for (int k = 0; k < 8; k++) {
        b[k] = (uint8_t)(i >> (8 * k));
    }
    wb_merkle_leaf_hash(b, sizeof b, out);
}

static inline void
bu_machine(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    const char *model = "?";

    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':');
                if (p != NULL) {
                    p += 2;
                    p[strcspn(p, "\n")] = '\0';
                    model = p;
                }
                break;
            }
        }
        fclose(f);
    }
    printf("machine: %ld cpus online, %s\n", sysconf(_SC_NPROCESSORS_ONLN),
           model);
}

#endif
