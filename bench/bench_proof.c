/* SPDX-License-Identifier: Apache-2.0 */
/* Inclusion proof size and generation time as the log grows (n = 1e3 .. 1e6,
 * 1e7 with an argument): from a real SQLite-backed site (wb_site_prove, and
 * the bare wb_merkle_prove_inclusion over the site's store) and from an
 * in-memory store, to show O(log n). Usage: bench_proof [max_n=1000000] */
#include "bench_util.h"
#include "ledger/ledger_int.h" /* wb__ledger_read_node: the site's store */

#define SITE_PROOFS 2000
#define MEM_PROOFS  100000

static const uint64_t sizes[] = {1000, 10000, 100000, 1000000, 10000000};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Counts the reads the proof makes from the site's store. */
struct counted {
    struct wb_site *s;
    uint64_t reads;
};

static wb_err
site_read(void *ctx, unsigned level, uint64_t index, uint8_t out[WB_HASH_BYTES])
{
    struct counted *c = ctx;

    c->reads++;
    return wb__ledger_read_node(c->s, level, index, out);
}

static unsigned
ceil_log2(uint64_t n)
{
    unsigned k = 0;

    while (k < 64 && (1ull << k) < n) {
        k++;
    }
    return k;
}

int
main(int argc, char **argv)
{
    uint64_t max_n = 1000000, have = 0;
    char tmp[4096], dir[4200];
    struct wb_site *s = NULL;
    struct wb_verifier *v = NULL;
    struct bu_mtree mt;
    uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES], h[WB_HASH_BYTES];
    char *text = NULL;
    size_t count;

    if (argc > 1) {
        max_n = bu_count(argv[1]);
    }
    if (argc > 2) {
        fprintf(stderr, "usage: bench_proof [max_n=1000000]\n");
        return 2;
    }
    bu_check(wb_init(), "init");
    bu_tmpdir(tmp, sizeof tmp);
    if (snprintf(dir, sizeof dir, "%s/site", tmp) >= (int)sizeof dir) {
        return 3;
    }
    bu_check(wb_site_create(dir, BU_ORIGIN, NULL, 0, &s), "site create");
    {
        char *vk = NULL;
        bu_check(wb_signer_verifier_key(wb_site_signer(s), &vk), "vkey");
        bu_check(wb_verifier_from_note_key(vk, strlen(vk), &v), "verifier");
        wb_free(vk);
    }
    bu_mtree_init(&mt, max_n);

    bu_machine();
    printf("bench_proof: inclusion proofs up to n = %" PRIu64 "; site: %d "
           "random leaves per n, in-memory: %d\ntemp dir %s\n\n",
           max_n, SITE_PROOFS, MEM_PROOFS, tmp);
    printf("%9s %6s %14s %9s | %11s %11s %7s %11s | %11s %7s\n", "n", "log2n",
           "len min/avg/max", "text B", "site_prove", "site raw", "reads",
           "raw in 1 tx", "in-memory", "reads");
    printf("%9s %6s %14s %9s | %11s %11s %7s %11s | %11s %7s\n", "", "", "", "",
           "us/proof", "us/proof", "/proof", "us/proof", "us/proof", "/proof");

    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        uint64_t n = sizes[si], len_sum = 0, text_sum = 0;
        size_t len_min = SIZE_MAX, len_max = 0;
        struct counted cr = {s, 0};
        double t0, t_site, t_raw, t_tx, t_mem;
        uint64_t mem_reads0;

        if (n > max_n) {
            break;
        }
        /* grow both logs to n (untimed) */
        bu_ingest(s, have, n, 1000);
        for (uint64_t i = have; i < n; i++) {
            bu_index_leaf_hash(i, h);
            bu_mtree_append(&mt, h);
        }
        have = n;
        bu_check(wb_site_checkpoint(s, 0, &text), "checkpoint");
        wb_free(text);

        /* site: the public call, a complete tlog-proof text */
        t0 = bu_now();
        for (int k = 0; k < SITE_PROOFS; k++) {
            bu_check(wb_site_prove(s, next_rand() % n, n, &text), "prove");
            text_sum += strlen(text);
            wb_free(text);
        }
        t_site = bu_now() - t0;
        /* site: the bare proof over the site's SQLite store */
        t0 = bu_now();
        for (int k = 0; k < SITE_PROOFS; k++) {
            bu_check(wb_merkle_prove_inclusion(site_read, &cr, next_rand() % n,
                                               n, proof, &count),
                     "prove (site store)");
            len_sum += count;
            len_min = count < len_min ? count : len_min;
            len_max = count > len_max ? count : len_max;
        }
        t_raw = bu_now() - t0;
        /* the same, with all reads of a proof in one SQLite transaction
         * (wb_site_begin .. wb_site_rollback, nothing written) */
        t0 = bu_now();
        for (int k = 0; k < SITE_PROOFS; k++) {
            bu_check(wb_site_begin(s), "begin");
            bu_check(wb_merkle_prove_inclusion(site_read, &cr, next_rand() % n,
                                               n, proof, &count),
                     "prove (site store, one tx)");
            wb_site_rollback(s);
        }
        t_tx = bu_now() - t0;
        /* in memory */
        mem_reads0 = mt.reads;
        t0 = bu_now();
        for (int k = 0; k < MEM_PROOFS; k++) {
            bu_check(wb_merkle_prove_inclusion(
                         bu_mtree_read, &mt, next_rand() % n, n, proof, &count),
                     "prove (memory)");
        }
        t_mem = bu_now() - t0;

        /* sanity: one site proof checks offline */
        {
            uint64_t idx = next_rand() % n;
            uint8_t *leaf = NULL;
            size_t leaf_len = 0;
            bu_check(wb_site_prove(s, idx, n, &text), "prove");
            bu_check(wb_site_leaf(s, idx, &leaf, &leaf_len), "leaf");
            bu_check(wb_tlog_proof_verify(text, strlen(text), v, leaf, leaf_len,
                                          NULL),
                     "tlog proof verify");
            wb_free(leaf);
            wb_free(text);
        }

        printf("%9" PRIu64 " %6u %4zu/%4.1f/%-4zu %9.0f | %11.2f %11.2f %7.1f"
               " %11.2f | %11.3f %7.1f\n",
               n, ceil_log2(n), len_min, (double)len_sum / SITE_PROOFS, len_max,
               (double)text_sum / SITE_PROOFS, t_site / SITE_PROOFS * 1e6,
               t_raw / SITE_PROOFS * 1e6, (double)cr.reads / 2 / SITE_PROOFS,
               t_tx / SITE_PROOFS * 1e6, t_mem / MEM_PROOFS * 1e6,
               (double)(mt.reads - mem_reads0) / MEM_PROOFS);
        fflush(stdout);
    }
    printf("\nproof bytes = 32 x length; text B = the whole tlog-proof "
           "(hashes in base64 + signed checkpoint)\n");
    bu_mtree_free(&mt);
    wb_verifier_free(v);
    wb_site_close(s);
    bu_rmtree(tmp);
    return 0;
}
