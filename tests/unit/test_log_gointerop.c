/* SPDX-License-Identifier: Apache-2.0 */
/* Interop with Go's independent implementation: build a 1000-entry log,
 * write its verifier key, checkpoints, leaves, tlog-proofs and consistency
 * proofs to a temporary directory, and check that tests/interop/go/verify.go
 * (golang.org/x/mod/sumdb/note and tlog) accepts the good ones and rejects
 * the tampered ones. Skips (0 passed) only when `go` is not installed. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <waybill/log.h>

#include "core/core_int.h"
#include "tinytest.h"

#define N_LEAVES 1000

typedef uint8_t hash_t[WB_HASH_BYTES];

static char dir[256];
static char verify_bin[512];
static int go_ok, go_rejected;

struct mem {
    hash_t *lv[16];
};

static wb_err
mem_read(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    struct mem *m = ctx;

    memcpy(out, m->lv[level][index], 32);
    return WB_OK;
}

static size_t
leaf_bytes(uint64_t i, uint8_t *buf)
{
    /* mixed text and binary, including NUL and newline bytes */
    int n = snprintf((char *)buf, 64, "record %llu\n", (unsigned long long)i);
    for (int k = 0; k < 8; k++) {
        buf[n + k] = (uint8_t)(i * 31 + (uint64_t)k * 97);
    }
    return (size_t)n + 8;
}

static void
write_file(const char *name, const void *data, size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    TT_CHECK(f != NULL && fwrite(data, 1, len, f) == len);
    if (f != NULL) {
        fclose(f);
    }
}

static void
write_str(const char *name, const char *s)
{
    write_file(name, s, strlen(s));
}

/* Run verify with args (file names relative to dir); its exit status. */
static int
run_go(const char *args)
{
    char cmd[2048];
    int st;

    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >>go.log 2>&1", dir,
             verify_bin, args);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
expect_go(int want, const char *args)
{
    int got = run_go(args);

    go_ok += got == 0;
    go_rejected += got == 1;
    TT_CHECK_MSG(got == want, "verify %s: exit %d, want %d (see %s/go.log)",
                 args, got, want, dir);
}

/* Path of a file in the source tree, from this file's absolute __FILE__. */
static int
source_path(const char *rel, char *out, size_t cap)
{
    const char *me = __FILE__;
    const char *tail = strstr(me, "tests/unit/");

    if (me[0] != '/' || tail == NULL) {
        return 0;
    }
    snprintf(out, cap, "%.*s%s", (int)(tail - me), me, rel);
    return access(out, R_OK) == 0;
}

static int
build_go(void)
{
    char src[1024], cmd[4096];
    const char *gopath = getenv("WB_GOPATH");

    if (system("command -v go >/dev/null 2>&1") != 0) {
        return 0;
    }
    TT_CHECK(source_path("tests/interop/go/verify.go", src, sizeof src));
    snprintf(verify_bin, sizeof verify_bin, "%s/verify", dir);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && GO111MODULE=off GOPATH='%s' GOCACHE='%s/gocache' "
             "GOFLAGS= GOPROXY=off go build -o '%s' '%s' >build.log 2>&1",
             dir, gopath != NULL ? gopath : "/usr/share/gocode", dir,
             verify_bin, src);
    TT_CHECK_MSG(system(cmd) == 0, "go build failed: see %s/build.log", dir);
    return 1;
}

/* Sign a checkpoint of the first n leaves (frontier built in order). */
static char *
sign_size(struct mem *m, uint64_t n, const struct wb_signer *s)
{
    struct wb_checkpoint cp;
    char *out = NULL;

    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "example.com/waybill/interop");
    cp.size = n;
    TT_CHECK(wb_merkle_root(mem_read, m, n, cp.root) == WB_OK);
    TT_CHECK(wb_checkpoint_sign(&cp, s, &out) == WB_OK);
    return out;
}

static void
write_hashes(const char *name, const hash_t *h, size_t count)
{
    struct wb__buf b;

    wb__buf_init(&b, 1 << 16);
    for (size_t i = 0; i < count; i++) {
        char *b64 = NULL;
        TT_CHECK(wb_base64_encode(h[i], 32, &b64) == WB_OK);
        TT_CHECK(wb__buf_printf(&b, "%s\n", b64) == WB_OK);
        wb_free(b64);
    }
    write_file(name, b.data != NULL ? (const char *)b.data : "", b.len);
    wb__buf_clear(&b);
}

static void
test_inclusion(struct mem *m, const struct wb_verifier *v, const char *ckpt)
{
    static const uint64_t idx[] = {0,   1,   2,   3,   255, 256,
                                   500, 511, 512, 998, 999};
    static const uint8_t extra[] = "opaque";

    for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++) {
        uint64_t i = idx[k];
        hash_t proof[WB_MERKLE_MAX_PROOF];
        size_t count = 0, leaf_len;
        uint8_t leaf[80];
        char *tp = NULL, *bad, name[64], args[256];

        leaf_len = leaf_bytes(i, leaf);
        TT_CHECK(wb_merkle_prove_inclusion(mem_read, m, i, N_LEAVES, proof,
                                           &count) == WB_OK);
        TT_CHECK(wb_tlog_proof_format(
                     i, k % 2 ? extra : NULL, k % 2 ? sizeof extra : 0,
                     (const hash_t *)proof, count, ckpt, &tp) == WB_OK);
        if (tp == NULL) {
            continue;
        }
        TT_CHECK(wb_tlog_proof_verify(tp, strlen(tp), v, leaf, leaf_len,
                                      NULL) == WB_OK);
        snprintf(name, sizeof name, "leaf.%llu", (unsigned long long)i);
        write_file(name, leaf, leaf_len);
        snprintf(name, sizeof name, "proof.%llu", (unsigned long long)i);
        write_str(name, tp);
        snprintf(args, sizeof args,
                 "-key key -checkpoint cp -leaf leaf.%llu -proof proof.%llu",
                 (unsigned long long)i, (unsigned long long)i);
        expect_go(0, args);

        /* the proof of i does not prove another leaf */
        {
            uint8_t other[80];
            write_file("wrongleaf", other, leaf_bytes(i + 1, other));
        }
        snprintf(args, sizeof args,
                 "-key key -checkpoint cp -leaf wrongleaf -proof proof.%llu",
                 (unsigned long long)i);
        expect_go(1, args);

        /* one flipped character in the first proof hash */
        bad = wb__strdup(tp);
        {
            char *h = strstr(bad, "index ");
            h = strchr(h, '\n') + 1;
            h[5] = h[5] == 'A' ? 'B' : 'A';
        }
        TT_CHECK(wb_tlog_proof_verify(bad, strlen(bad), v, leaf, leaf_len,
                                      NULL) != WB_OK);
        write_str("bad", bad);
        snprintf(args, sizeof args,
                 "-key key -checkpoint cp -leaf leaf.%llu -proof bad",
                 (unsigned long long)i);
        expect_go(1, args);
        wb__free(bad);
        wb_free(tp);
    }
}

static void
test_consistency(struct mem *m, const struct wb_signer *s)
{
    static const uint64_t olds[] = {1,   2,   3,   7,   8,  255,
                                    256, 511, 513, 777, 999};
    static const uint64_t news[] = {N_LEAVES, 800, 514};

    for (size_t a = 0; a < sizeof news / sizeof news[0]; a++) {
        char *cp_new = sign_size(m, news[a], s);
        write_str("new", cp_new);
        for (size_t k = 0; k < sizeof olds / sizeof olds[0]; k++) {
            hash_t proof[WB_MERKLE_MAX_PROOF];
            size_t count = 0;
            char *cp_old;
            if (olds[k] > news[a]) {
                continue;
            }
            cp_old = sign_size(m, olds[k], s);
            TT_CHECK(wb_merkle_prove_consistency(mem_read, m, olds[k], news[a],
                                                 proof, &count) == WB_OK);
            write_str("old", cp_old);
            write_hashes("cons", (const hash_t *)proof, count);
            expect_go(0, "-key key -checkpoint new -old old -consistency "
                         "cons");
            if (count > 0) {
                proof[count - 1][0] ^= 0x80;
                write_hashes("cons", (const hash_t *)proof, count);
                expect_go(1, "-key key -checkpoint new -old old "
                             "-consistency cons");
                proof[count - 1][0] ^= 0x80;
                write_hashes("cons", (const hash_t *)proof, count - 1);
                expect_go(1, "-key key -checkpoint new -old old "
                             "-consistency cons");
            }
            wb_free(cp_old);
        }
        wb_free(cp_new);
    }
}

static void
test_checkpoints(struct mem *m,
                 const struct wb_signer *s,
                 const struct wb_signer *stranger,
                 const char *ckpt)
{
    char *other = sign_size(m, N_LEAVES, stranger);
    char *bad = wb__strdup(ckpt);
    char *p = strstr(bad, "\n1000\n");

    expect_go(0, "-key key -checkpoint cp");
    write_str("other", other);
    expect_go(1, "-key key -checkpoint other");
    if (p != NULL) {
        p[4] = '1'; /* size 1001 under the old signature */
    }
    write_str("bad", bad);
    expect_go(1, "-key key -checkpoint bad");
    /* empty tree */
    wb_free(other);
    other = sign_size(m, 0, s);
    write_str("empty", other);
    expect_go(0, "-key key -checkpoint empty");
    wb_free(other);
    wb__free(bad);
}

int
main(void)
{
    struct wb_signer *s = NULL, *stranger = NULL;
    struct wb_verifier *v = NULL;
    struct wb_merkle_frontier f;
    struct mem m;
    char *key = NULL, *ckpt = NULL, cmd[512];

    if (wb_init() != WB_OK) {
        return 1;
    }
    snprintf(dir, sizeof dir, "/tmp/wb-gointerop-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    if (!build_go()) {
        printf("go not found: Go interop skipped\n");
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        TT_CHECK(system(cmd) == 0);
        return TT_REPORT();
    }

    memset(&m, 0, sizeof m);
    for (unsigned k = 0; (N_LEAVES >> k) > 0; k++) {
        m.lv[k] = calloc(N_LEAVES >> k, sizeof(hash_t));
    }
    wb_merkle_frontier_init(&f);
    for (uint64_t i = 0; i < N_LEAVES; i++) {
        uint8_t leaf[80], stored[65][WB_HASH_BYTES];
        hash_t h;
        unsigned c;
        wb_merkle_leaf_hash(leaf, leaf_bytes(i, leaf), h);
        c = wb_merkle_frontier_append(&f, h, stored);
        for (unsigned k = 0; k < c; k++) {
            memcpy(m.lv[k][i >> k], stored[k], 32);
        }
    }

    TT_CHECK(wb_signer_generate("example.com/waybill/interop", &s) == WB_OK);
    TT_CHECK(wb_signer_generate("example.com/waybill/interop", &stranger) ==
             WB_OK);
    TT_CHECK(wb_signer_verifier_key(s, &key) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(key, strlen(key), &v) == WB_OK);
    if (key != NULL && v != NULL) {
        write_str("key", key);
        ckpt = sign_size(&m, N_LEAVES, s);
        write_str("cp", ckpt);
        test_checkpoints(&m, s, stranger, ckpt);
        test_inclusion(&m, v, ckpt);
        test_consistency(&m, s);
    }

    printf("go verify: %d accepted, %d rejected as expected\n", go_ok,
           go_rejected);
    wb_free(ckpt);
    wb_free(key);
    wb_verifier_free(v);
    wb_signer_free(s);
    wb_signer_free(stranger);
    for (unsigned k = 0; k < 16; k++) {
        free(m.lv[k]);
    }
    if (tt_fail == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        TT_CHECK(system(cmd) == 0);
    } else {
        printf("artefacts kept in %s\n", dir);
    }
    return TT_REPORT();
}
