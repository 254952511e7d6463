/* SPDX-License-Identifier: Apache-2.0 */
/* Portable token mint (wb_cose_sign over a ~200-byte claims leaf) and check
 * (wb_cose_verify), against bare libsodium Ed25519 detached sign/verify of
 * the same Sig_structure bytes, in interleaved rounds (best and median).
 * Usage: bench_token [iterations per op=18000] */
#include <sodium.h>

#include "bench_util.h"

#define ROUNDS 9

enum {
    OURS_SIGN,
    SIGNER_SIGN,
    BARE_SIGN,
    BARE_SIGN_LEAF,
    OURS_VERIFY,
    VERIFIER_VERIFY,
    BARE_VERIFY,
    NOPS
};

static const char *const op_name[NOPS] = {
    [OURS_SIGN] = "wb_cose_sign (ours: mint token)",
    [SIGNER_SIGN] = "  wb_signer_sign(Sig_structure)",
    [BARE_SIGN] = "crypto_sign_ed25519_detached(Sig_str)",
    [BARE_SIGN_LEAF] = "crypto_sign_ed25519_detached(leaf)",
    [OURS_VERIFY] = "wb_cose_verify (ours: check token)",
    [VERIFIER_VERIFY] = "  wb_verifier_verify(Sig_structure)",
    [BARE_VERIFY] = "crypto_sign_ed25519_verify_detached",
};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* CBOR byte-string head for len into p; returns its length. */
static size_t
bstr_head(uint8_t *p, size_t len)
{
    if (len < 24) {
        p[0] = (uint8_t)(0x40 | len);
        return 1;
    }
    if (len < 256) {
        p[0] = 0x58;
        p[1] = (uint8_t)len;
        return 2;
    }
    p[0] = 0x59;
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)len;
    return 3;
}

/* A realistic leaf: the claims wb_site_append would encode for a record. */
static void
make_leaf(uint8_t **leaf, size_t *len)
{
    uint8_t payload[BU_PAYLOAD_BYTES];
    struct wb_append e;
    struct wb_claims c;

    bu_payload(payload, 7);
    bu_append_init(&e, payload, sizeof payload);
    c = e.claims;
    c.iss = BU_ORIGIN;
    c.iat = 1790000000;
    c.has_time_ns = 1;
    c.time_ns = 123456789;
    wb_random(c.cti, WB_CTI_BYTES);
    c.cti_len = WB_CTI_BYTES;
    c.has_payload = 1;
    wb_sha256(payload, sizeof payload, c.payload_hash);
    bu_check(wb_claims_encode(&c, leaf, len), "claims encode");
}

int
main(int argc, char **argv)
{
    uint64_t iters = 18000, per_round;
    struct wb_signer *signer = NULL;
    struct wb_verifier *verifier = NULL;
    struct wb_cose_sign1 cose;
    uint8_t *leaf = NULL, *tok = NULL;
    size_t leaf_len = 0, tok_len = 0, pk_len = 0, sig_len = 0;
    uint8_t kid[WB_KEY_ID_BYTES], sig[WB_SIG_MAX_BYTES];
    uint8_t bare_pk[crypto_sign_ed25519_PUBLICKEYBYTES];
    uint8_t bare_sk[crypto_sign_ed25519_SECRETKEYBYTES];
    uint8_t bare_sig[crypto_sign_ed25519_BYTES];
    uint8_t *sigst;
    size_t sigst_len = 0;
    const uint8_t *pk;
    double t[NOPS][ROUNDS];

    if (argc > 1) {
        iters = bu_count(argv[1]);
    }
    if (argc > 2) {
        fprintf(stderr, "usage: bench_token [iterations=18000]\n");
        return 2;
    }
    per_round = iters / ROUNDS ? iters / ROUNDS : 1;
    bu_check(wb_init(), "init");
    bu_check(wb_signer_generate("bench-token", &signer), "signer");
    pk = wb_signer_public_key(signer, &pk_len);
    bu_check(wb_verifier_from_raw(WB_ALG_EDDSA, "bench-token", pk, pk_len,
                                  &verifier),
             "verifier");
    wb_signer_key_id(signer, kid);
    crypto_sign_ed25519_keypair(bare_pk, bare_sk);
    make_leaf(&leaf, &leaf_len);

    /* the exact bytes COSE signs: ["Signature1", protected, h'', payload] */
    bu_check(
        wb_cose_sign(signer, kid, sizeof kid, leaf, leaf_len, &tok, &tok_len),
        "cose sign");
    bu_check(wb_cose_parse(tok, tok_len, &cose), "cose parse");
    sigst = bu_xmalloc(32 + cose.protected_len + leaf_len);
    sigst[sigst_len++] = 0x84;
    sigst[sigst_len++] = 0x6a;
    memcpy(sigst + sigst_len, "Signature1", 10);
    sigst_len += 10;
    sigst_len += bstr_head(sigst + sigst_len, cose.protected_len);
    memcpy(sigst + sigst_len, cose.protected_bytes, cose.protected_len);
    sigst_len += cose.protected_len;
    sigst[sigst_len++] = 0x40;
    sigst_len += bstr_head(sigst + sigst_len, leaf_len);
    memcpy(sigst + sigst_len, leaf, leaf_len);
    sigst_len += leaf_len;
    bu_check(
        wb_verifier_verify(verifier, sigst, sigst_len, cose.sig, cose.sig_len),
        "Sig_structure reconstruction");
    crypto_sign_ed25519_detached(bare_sig, NULL, sigst, sigst_len, bare_sk);

    bu_machine();
    printf("bench_token: Ed25519, leaf %zu B, Sig_structure %zu B, token %zu "
           "B; %d interleaved rounds x %" PRIu64 " ops\n\n",
           leaf_len, sigst_len, tok_len, ROUNDS, per_round);

    for (int r = 0; r < ROUNDS; r++) {
        double t0;

        t0 = bu_now();
        for (uint64_t i = 0; i < per_round; i++) {
            uint8_t *out = NULL;
            size_t out_len = 0;
            bu_check(wb_cose_sign(signer, kid, sizeof kid, leaf, leaf_len, &out,
                                  &out_len),
                     "cose sign");
            wb_free(out);
        }
        t[OURS_SIGN][r] = bu_now() - t0;
        t0 = bu_now();
        for (uint64_t i = 0; i < per_round; i++) {
            bu_check(wb_signer_sign(signer, sigst, sigst_len, sig, &sig_len),
                     "signer sign");
        }
        t[SIGNER_SIGN][r] = bu_now() - t0;
        t0 = bu_now();
        for (uint64_t i = 0; i < per_round; i++) {
            crypto_sign_ed25519_detached(bare_sig, NULL, sigst, sigst_len,
                                         bare_sk);
        }
        t[BARE_SIGN][r] = bu_now() - t0;
        t0 = bu_now();
        for (uint64_t i = 0; i < per_round; i++) {
            crypto_sign_ed25519_detached(bare_sig, NULL, leaf, leaf_len,
                                         bare_sk);
        }
        t[BARE_SIGN_LEAF][r] = bu_now() - t0;
        crypto_sign_ed25519_detached(bare_sig, NULL, sigst, sigst_len, bare_sk);

        t0 = bu_now();
        for (uint64_t i = 0; i < per_round; i++) {
            bu_check(wb_cose_verify(tok, tok_len, verifier, NULL, 0, NULL),
                     "cose verify");
        }
        t[OURS_VERIFY][r] = bu_now() - t0;
        t0 = bu_now();
        for (uint64_t i = 0; i < per_round; i++) {
            bu_check(wb_verifier_verify(verifier, sigst, sigst_len, cose.sig,
                                        cose.sig_len),
                     "verifier verify");
        }
        t[VERIFIER_VERIFY][r] = bu_now() - t0;
        t0 = bu_now();
        for (uint64_t i = 0; i < per_round; i++) {
            if (crypto_sign_ed25519_verify_detached(bare_sig, sigst, sigst_len,
                                                    bare_pk) != 0) {
                fprintf(stderr, "bench: bare verify failed\n");
                return 3;
            }
        }
        t[BARE_VERIFY][r] = bu_now() - t0;
    }

    {
        double best[NOPS], med[NOPS];
        printf("%-40s %10s %10s\n", "", "best us/op", "median");
        for (int op = 0; op < NOPS; op++) {
            qsort(t[op], ROUNDS, sizeof t[op][0], cmp_double);
            best[op] = t[op][0] / (double)per_round * 1e6;
            med[op] = t[op][ROUNDS / 2] / (double)per_round * 1e6;
            printf("%-40s %10.2f %10.2f\n", op_name[op], best[op], med[op]);
        }
        printf("\nratios (time, ours / bare libsodium; target <= 1.10):\n");
        printf("  mint:  best %.3f  median %.3f  -> %s\n",
               best[OURS_SIGN] / best[BARE_SIGN],
               med[OURS_SIGN] / med[BARE_SIGN],
               med[OURS_SIGN] / med[BARE_SIGN] <= 1.10 ? "MET" : "MISSED");
        printf("  check: best %.3f  median %.3f  -> %s\n",
               best[OURS_VERIFY] / best[BARE_VERIFY],
               med[OURS_VERIFY] / med[BARE_VERIFY],
               med[OURS_VERIFY] / med[BARE_VERIFY] <= 1.10 ? "MET" : "MISSED");
        printf("  COSE framing overhead: mint %+.2f us, check %+.2f us "
               "(median, vs bare on the same bytes)\n",
               med[OURS_SIGN] - med[BARE_SIGN],
               med[OURS_VERIFY] - med[BARE_VERIFY]);
    }
    free(sigst);
    wb_free(tok);
    wb_free(leaf);
    sodium_memzero(bare_sk, sizeof bare_sk);
    wb_verifier_free(verifier);
    wb_signer_free(signer);
    return 0;
}
