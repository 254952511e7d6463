/* SPDX-License-Identifier: Apache-2.0 */
/* Checkpoint, signed-note and tlog-proof tests: the tessera reference log
 * reproduced byte for byte (vectors read in place), must-fail and tamper
 * cases, round trips, and allocation failure at every step. */
#include <stdlib.h>

#include <waybill/log.h>

#include "core/core_int.h"
#include "tinytest.h"

#define TESSERA WB_VECTORS_DIR "/tessera-log"

typedef uint8_t hash_t[WB_HASH_BYTES];

static char *
slurp(const char *path, size_t *len)
{
    uint8_t *b = NULL;
    size_t n = 0;

    if (wb__read_file(path, 1 << 20, &b, &n) != WB_OK) {
        fprintf(stderr, "cannot read %s: %s\n", path, wb_errmsg());
        return NULL;
    }
    if (len != NULL) {
        *len = n;
    }
    return (char *)b;
}

/* Text between the first "`" after marker and the next "`" in s. */
static char *
backticked(const char *s, const char *marker)
{
    const char *p = strstr(s, marker), *q;

    if (p == NULL || (p = strchr(p, '`')) == NULL ||
        (q = strchr(p + 1, '`')) == NULL) {
        return NULL;
    }
    return wb__strndup(p + 1, (size_t)(q - p - 1));
}

/* ---- the tessera reference log ---------------------------------------- */

struct tessera {
    char *readme;
    char *skey, *vkey, *origin;
    char *entries[32];
    int n_entries;
};

static int
tessera_load(struct tessera *t)
{
    const char *p;
    char *line, *save = NULL, *tok;

    memset(t, 0, sizeof *t);
    t->readme = slurp(TESSERA "/README.md", NULL);
    if (t->readme == NULL) {
        return 0;
    }
    t->skey = backticked(t->readme, "Signer key");
    t->vkey = backticked(t->readme, "Verifier key");
    t->origin = backticked(t->readme, "Log origin");
    /* the entries are the line after "- Entries" */
    p = strstr(t->readme, "- Entries");
    p = p != NULL ? strchr(p, '\n') : NULL;
    if (p == NULL || t->skey == NULL || t->vkey == NULL || t->origin == NULL) {
        return 0;
    }
    line = wb__strndup(p + 1, strcspn(p + 1, "\n"));
    for (tok = strtok_r(line, " ", &save); tok != NULL && t->n_entries < 32;
         tok = strtok_r(NULL, " ", &save)) {
        t->entries[t->n_entries++] = wb__strdup(tok);
    }
    wb__free(line);
    return t->n_entries == 15;
}

static void
tessera_free(struct tessera *t)
{
    wb__free(t->readme);
    wb__free(t->skey);
    wb__free(t->vkey);
    wb__free(t->origin);
    for (int i = 0; i < t->n_entries; i++) {
        wb__free(t->entries[i]);
    }
}

static void
test_tessera(void)
{
    struct tessera t;
    struct wb_signer *s = NULL;
    struct wb_verifier *v = NULL;
    struct wb_merkle_frontier f;
    uint8_t stored[65][WB_HASH_BYTES];
    hash_t leaves[16];
    int ran = 0;

    TT_CHECK(tessera_load(&t));
    TT_CHECK(wb_signer_from_note_key(t.skey, strlen(t.skey), &s) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(t.vkey, strlen(t.vkey), &v) == WB_OK);
    if (s == NULL || v == NULL || t.n_entries != 15) {
        goto out;
    }
    wb_merkle_frontier_init(&f);
    for (int n = 0; n <= 15; n++) {
        struct wb_checkpoint cp, got;
        char path[4096], *want, *text = NULL;
        size_t want_len = 0;

        if (n > 0) {
            const char *e = t.entries[n - 1];
            wb_merkle_leaf_hash((const uint8_t *)e, strlen(e), leaves[n - 1]);
            wb_merkle_frontier_append(&f, leaves[n - 1], stored);
        }
        memset(&cp, 0, sizeof cp);
        snprintf(cp.origin, sizeof cp.origin, "%s", t.origin);
        cp.size = f.size;
        wb_merkle_frontier_root(&f, cp.root);
        TT_CHECK(wb_checkpoint_sign(&cp, s, &text) == WB_OK);

        snprintf(path, sizeof path, TESSERA "/checkpoint.%d", n);
        want = slurp(path, &want_len);
        TT_CHECK_MSG(want != NULL && text != NULL && strlen(text) == want_len &&
                         memcmp(text, want, want_len) == 0,
                     "checkpoint.%d differs:\n%s", n, text ? text : "");
        TT_CHECK(want != NULL &&
                 wb_checkpoint_verify(want, want_len, v, &got) == WB_OK);
        TT_CHECK(strcmp(got.origin, t.origin) == 0 && got.size == (uint64_t)n);
        TT_EQ_MEM(got.root, cp.root, WB_HASH_BYTES);
        if (n == 15) {
            char *last = slurp(TESSERA "/checkpoint", NULL);
            TT_CHECK(last != NULL && text != NULL && strcmp(last, text) == 0);
            wb_free(last);
        }
        if (n > 0) {
            /* level-0 tile: the first n leaf hashes, concatenated */
            char *tile;
            size_t tile_len = 0;
            snprintf(path, sizeof path, TESSERA "/tile/0/000.p/%d", n);
            tile = slurp(path, &tile_len);
            TT_CHECK(tile != NULL && tile_len == (size_t)n * WB_HASH_BYTES &&
                     memcmp(tile, leaves, tile_len) == 0);
            wb_free(tile);
        }
        wb_free(want);
        wb_free(text);
        ran++;
    }
    printf("tessera: %d checkpoints reproduced\n", ran);
out:
    TT_CHECK(ran == 16);
    wb_signer_free(s);
    wb_verifier_free(v);
    tessera_free(&t);
}

/* ---- must-fail checkpoints -------------------------------------------- */

/* Replace the first occurrence of from in text by to (the last when from
 * starts with '$'); new string (free). */
static char *
replace(const char *text, const char *from, const char *to)
{
    const char *p;
    size_t n;
    char *o;

    if (from[0] == '$') { /* "$x": the last occurrence of x */
        const char *q = text;
        from++;
        p = NULL;
        while ((q = strstr(q, from)) != NULL) {
            p = q++;
        }
    } else {
        p = strstr(text, from);
    }
    n = strlen(text) - strlen(from) + strlen(to) + 1;
    if (p == NULL) {
        return NULL;
    }
    o = malloc(n);
    snprintf(o, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    return o;
}

static wb_err
verify_str(const char *text, const struct wb_verifier *v)
{
    struct wb_checkpoint cp;

    return wb_checkpoint_verify(text, strlen(text), v, &cp);
}

/* Verify a variant of good made by replacing from with to; expect rc and,
 * when detail is non-NULL, that wb_errmsg() contains it. */
static void
expect_variant(const char *good,
               const struct wb_verifier *v,
               const char *from,
               const char *to,
               wb_err rc,
               const char *detail)
{
    char *bad = replace(good, from, to);
    wb_err got;

    TT_CHECK_MSG(bad != NULL, "no \"%s\" in the checkpoint", from);
    if (bad == NULL) {
        return;
    }
    got = verify_str(bad, v);
    TT_CHECK_MSG(got == rc, "\"%s\" -> \"%s\": got %d (%s), want %d", from, to,
                 got, wb_errmsg(), rc);
    if (detail != NULL) {
        TT_CHECK_MSG(strstr(wb_errmsg(), detail) != NULL,
                     "detail \"%s\" lacks \"%s\"", wb_errmsg(), detail);
    }
    free(bad);
}

/* text (verified by v) with a signature line by s appended. */
static char *
cosign(const char *text, const struct wb_verifier *v, const struct wb_signer *s)
{
    struct wb_checkpoint c;
    char *other = NULL, *out;
    const char *line;
    size_t n;

    if (wb_checkpoint_verify(text, strlen(text), v, &c) != WB_OK ||
        wb_checkpoint_sign(&c, s, &other) != WB_OK) {
        return NULL;
    }
    line = strstr(other, "\n\n") + 2;
    n = strlen(text) + strlen(line) + 1;
    out = malloc(n);
    snprintf(out, n, "%s%s", text, line);
    wb_free(other);
    return out;
}

static void
test_checkpoint_fail(void)
{
    struct wb_signer *s = NULL, *other = NULL, *same_name = NULL;
    struct wb_verifier *v = NULL, *vo = NULL;
    struct wb_checkpoint cp, got;
    char *good = NULL, *vkey = NULL, *two, *big;
    size_t len;

    TT_CHECK(wb_signer_generate("example.com/site-a", &s) == WB_OK);
    TT_CHECK(wb_signer_generate("example.com/other", &other) == WB_OK);
    TT_CHECK(wb_signer_generate("example.com/site-a", &same_name) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(s, &vkey) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(vkey, strlen(vkey), &v) == WB_OK);
    wb_free(vkey);
    vkey = NULL;
    TT_CHECK(wb_signer_verifier_key(other, &vkey) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(vkey, strlen(vkey), &vo) == WB_OK);
    wb_free(vkey);

    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "example.com/site-a");
    cp.size = 1234;
    for (int i = 0; i < 32; i++) {
        cp.root[i] = (uint8_t)(i * 7 + 1);
    }
    TT_CHECK(wb_checkpoint_sign(&cp, s, &good) == WB_OK);
    if (good == NULL || v == NULL || vo == NULL) {
        goto out;
    }
    len = strlen(good);
    TT_CHECK(wb_checkpoint_verify(good, len, v, &got) == WB_OK);
    TT_CHECK(got.size == 1234 && strcmp(got.origin, cp.origin) == 0 &&
             memcmp(got.root, cp.root, 32) == 0);

    /* wrong key; same name, different key (ignored: no signature of v) */
    TT_CHECK(wb_checkpoint_verify(good, len, vo, &got) == WB_ERR_BADSIG);
    TT_CHECK(got.size == 0 && got.origin[0] == '\0');
    {
        char *k2 = NULL;
        struct wb_verifier *v2 = NULL;
        TT_CHECK(wb_signer_verifier_key(same_name, &k2) == WB_OK);
        TT_CHECK(wb_verifier_from_note_key(k2, strlen(k2), &v2) == WB_OK);
        TT_CHECK(verify_str(good, v2) == WB_ERR_BADSIG);
        wb_verifier_free(v2);
        wb_free(k2);
    }

    /* altered body fields: signature no longer verifies */
    expect_variant(good, v, "1234\n", "1235\n", WB_ERR_BADSIG, NULL);
    expect_variant(good, v, "site-a\n", "site-b\n", WB_ERR_BADSIG, NULL);
    expect_variant(good, v, "\nAQgP", "\nAQgQ", WB_ERR_BADSIG, NULL);
    /* malformed envelopes and bodies */
    expect_variant(good, v, "\n\n", "\n", WB_ERR_FORMAT, "blank line");
    expect_variant(good, v, "\n", "\r\n", WB_ERR_FORMAT, "line 1");
    expect_variant(good, v, "\xe2\x80\x94 ", "- ", WB_ERR_FORMAT, "line 5");
    expect_variant(good, v, "\xe2\x80\x94 ", "\xe2\x80\x94", WB_ERR_FORMAT,
                   "line 5");
    expect_variant(good, v, "\xe2\x80\x94 example.com/site-a ",
                   "\xe2\x80\x94 example.com/site-a  ", WB_ERR_FORMAT,
                   "line 5");
    expect_variant(good, v, "\xe2\x80\x94 example.com/site-a ",
                   "\xe2\x80\x94 example.com+site-a ", WB_ERR_FORMAT,
                   "key name");
    expect_variant(good, v, "\xe2\x80\x94 example.com/site-a ",
                   "\xe2\x80\x94 example.com/\xc2\xa0site-a ", WB_ERR_FORMAT,
                   "key name");
    expect_variant(good, v, "\xe2\x80\x94 example.com/site-a ",
                   "\xe2\x80\x94 example.com/site-b ", WB_ERR_BADSIG,
                   "no signature");
    expect_variant(good, v, "$=\n", "\n", WB_ERR_FORMAT, "base64");
    expect_variant(good, v, "$=\n", "=*\n", WB_ERR_FORMAT, "base64");
    expect_variant(good, v, "$=\n", "=", WB_ERR_FORMAT, "newline");
    expect_variant(good, v, "$=\n", "=\n\n", WB_ERR_FORMAT,
                   "no signature lines");
    expect_variant(good, v, "example", "exa\x01mple", WB_ERR_FORMAT, "line 1");
    expect_variant(good, v, "example", "exa\xc0\x80mple", WB_ERR_FORMAT,
                   "UTF-8");
    expect_variant(good, v, "example", "exa\xed\xa0\x80mple", WB_ERR_FORMAT,
                   "UTF-8");
    expect_variant(good, v, "example", "exa\xffmple", WB_ERR_FORMAT, "UTF-8");

    /* bytes outside the base64 alphabet (libsodium reads them as '/') */
    {
        char *bad = wb__strdup(good);
        char *sig = strrchr(bad, ' ') + 9;
        memcpy(sig, "\xf0\x9f\x98\x80", 4);
        TT_CHECK(verify_str(bad, v) == WB_ERR_FORMAT);
        TT_CHECK(strstr(wb_errmsg(), "line 5") != NULL);
        wb__free(bad);
    }

    /* a stranger's extra signature is ignored; a bad one by v is not */
    two = cosign(good, v, other);
    TT_CHECK(two != NULL && verify_str(two, v) == WB_OK);
    TT_CHECK(two != NULL && verify_str(two, vo) == WB_OK);
    free(two);
    two = cosign(good, v, s);
    TT_CHECK(two != NULL && verify_str(two, v) == WB_OK);
    if (two != NULL) {
        /* corrupt the second signature of v */
        char *p = strrchr(two, ' ') + 10;
        *p = *p == 'A' ? 'B' : 'A';
        TT_CHECK(verify_str(two, v) == WB_ERR_BADSIG);
    }
    free(two);

    /* every truncation fails; oversize input is refused unread */
    for (size_t n = 0; n < len; n++) {
        TT_CHECK_MSG(wb_checkpoint_verify(good, n, v, &got) != WB_OK,
                     "truncated to %zu", n);
    }
    big = calloc(1, WB_NOTE_MAX_BYTES + 2);
    memset(big, 'a', WB_NOTE_MAX_BYTES + 1);
    TT_CHECK(wb_checkpoint_verify(big, WB_NOTE_MAX_BYTES + 1, v, &got) ==
             WB_ERR_TOOBIG);
    free(big);
    TT_CHECK(wb_checkpoint_verify(good, len, NULL, &got) == WB_ERR_INVAL);

    /* too many signature lines */
    {
        char *sig = strstr(good, "\n\n") + 2;
        size_t sl = strlen(sig), bl = (size_t)(sig - good);
        char *many = malloc(bl + sl * (WB_NOTE_MAX_SIGS + 1) + 1);
        memcpy(many, good, bl);
        for (int i = 0; i <= WB_NOTE_MAX_SIGS; i++) {
            memcpy(many + bl + (size_t)i * sl, sig, sl);
        }
        many[bl + sl * (WB_NOTE_MAX_SIGS + 1)] = '\0';
        TT_CHECK(verify_str(many, v) == WB_ERR_FORMAT);
        many[bl + sl * WB_NOTE_MAX_SIGS] = '\0';
        TT_CHECK(verify_str(many, v) == WB_OK);
        free(many);
    }
out:
    wb_free(good);
    wb_signer_free(s);
    wb_signer_free(other);
    wb_signer_free(same_name);
    wb_verifier_free(v);
    wb_verifier_free(vo);
}

/* Bodies with a good signature but a bad checkpoint layout: the error
 * names the line and field. */
static void
test_body_fail(void)
{
    static const struct {
        const char *body;
        wb_err rc;
        const char *detail;
    } cases[] = {
        {"o\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", WB_OK, NULL},
        {"o\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next 1\nx\n",
         WB_OK, NULL},
        {"o\n012\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
         WB_ERR_FORMAT, "checkpoint line 2: size is not a decimal number"},
        {"o\n+12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
         WB_ERR_FORMAT, "line 2"},
        {"o\n 12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
         WB_ERR_FORMAT, "line 2"},
        {"o\n18446744073709551616\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
         "\n",
         WB_ERR_FORMAT, "line 2"},
        {"o\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", WB_ERR_FORMAT,
         "line 2"},
        {"o\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", WB_ERR_FORMAT,
         "checkpoint line 3: root"},
        {"o\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", WB_ERR_FORMAT,
         "line 3"},
        {"o\n12\n", WB_ERR_FORMAT, "line 3: missing root"},
        {"o\n", WB_ERR_FORMAT, "line 2: missing size"},
        {"\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", WB_ERR_FORMAT,
         "line 1: origin is empty"},
        {"o\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx\n",
         WB_ERR_FORMAT, "line 4: extension line is empty"},
    };
    struct wb_signer *s = NULL;
    struct wb_verifier *v = NULL;
    char *k = NULL;

    TT_CHECK(wb_signer_generate("example.com/b", &s) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(s, &k) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(k, strlen(k), &v) == WB_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* sign the raw body as a note: the envelope is good */
        uint8_t blob[4 + 64];
        size_t sl = 0;
        char *b64 = NULL, text[1024];
        const char *body = cases[i].body;
        wb_err rc;

        wb_signer_key_id(s, blob);
        TT_CHECK(wb_signer_sign(s, (const uint8_t *)body, strlen(body),
                                blob + 4, &sl) == WB_OK);
        TT_CHECK(wb_base64_encode(blob, 4 + sl, &b64) == WB_OK);
        snprintf(text, sizeof text, "%s\n\xe2\x80\x94 example.com/b %s\n", body,
                 b64);
        wb_free(b64);
        rc = verify_str(text, v);
        TT_CHECK_MSG(rc == cases[i].rc, "case %zu: %d %s", i, rc, wb_errmsg());
        if (cases[i].detail != NULL) {
            TT_CHECK_MSG(strstr(wb_errmsg(), cases[i].detail) != NULL,
                         "case %zu: \"%s\"", i, wb_errmsg());
        }
    }
    wb_free(k);
    wb_signer_free(s);
    wb_verifier_free(v);
}

static void
test_sign_args(void)
{
    struct wb_signer *s = NULL;
    struct wb_checkpoint cp;
    char *out = NULL;

    TT_CHECK(wb_signer_generate("n", &s) == WB_OK);
    memset(&cp, 0, sizeof cp);
    TT_CHECK(wb_checkpoint_sign(&cp, s, &out) == WB_ERR_INVAL && !out);
    snprintf(cp.origin, sizeof cp.origin, "two\nlines");
    TT_CHECK(wb_checkpoint_sign(&cp, s, &out) == WB_ERR_INVAL && !out);
    snprintf(cp.origin, sizeof cp.origin, "tab\there");
    TT_CHECK(wb_checkpoint_sign(&cp, s, &out) == WB_ERR_INVAL && !out);
    memset(cp.origin, 'x', sizeof cp.origin); /* no NUL */
    TT_CHECK(wb_checkpoint_sign(&cp, s, &out) == WB_ERR_INVAL && !out);
    cp.origin[WB_ORIGIN_MAX] = '\0';
    cp.size = UINT64_MAX;
    TT_CHECK(wb_checkpoint_sign(&cp, s, &out) == WB_OK && out != NULL);
    TT_CHECK(out != NULL && strstr(out, "\n18446744073709551615\n") != NULL);
    wb_free(out);
    wb_signer_free(s);
}

/* ---- tlog-proof ------------------------------------------------------- */

struct mem {
    hash_t *lv[64];
    uint64_t size;
};

static wb_err
mem_read(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    struct mem *m = ctx;

    memcpy(out, m->lv[level][index], 32);
    return WB_OK;
}

static void
mem_build(struct mem *m, uint64_t n, struct wb_merkle_frontier *f)
{
    uint8_t stored[65][WB_HASH_BYTES];

    memset(m, 0, sizeof *m);
    for (unsigned k = 0; (n >> k) > 0; k++) {
        m->lv[k] = calloc(n >> k, sizeof(hash_t));
    }
    wb_merkle_frontier_init(f);
    for (uint64_t i = 0; i < n; i++) {
        char leaf[32];
        hash_t h;
        unsigned c;
        snprintf(leaf, sizeof leaf, "entry %llu", (unsigned long long)i);
        wb_merkle_leaf_hash((const uint8_t *)leaf, strlen(leaf), h);
        c = wb_merkle_frontier_append(f, h, stored);
        for (unsigned k = 0; k < c; k++) {
            memcpy(m->lv[k][i >> k], stored[k], 32);
        }
    }
    m->size = n;
}

static void
mem_free(struct mem *m)
{
    for (int k = 0; k < 64; k++) {
        free(m->lv[k]);
    }
}

/* The tlog-proof text for entry i of a 50-leaf log. */
static char *
make_proof(struct mem *m,
           uint64_t i,
           const char *cp,
           const uint8_t *extra,
           size_t extra_len)
{
    hash_t proof[WB_MERKLE_MAX_PROOF];
    size_t count = 0;
    char *out = NULL;

    TT_CHECK(wb_merkle_prove_inclusion(mem_read, m, i, m->size, proof,
                                       &count) == WB_OK);
    TT_CHECK(wb_tlog_proof_format(i, extra, extra_len, (const hash_t *)proof,
                                  count, cp, &out) == WB_OK);
    return out;
}

static wb_err
tp_verify(const char *text, const struct wb_verifier *v, uint64_t i)
{
    char leaf[32];

    snprintf(leaf, sizeof leaf, "entry %llu", (unsigned long long)i);
    return wb_tlog_proof_verify(text, strlen(text), v, (const uint8_t *)leaf,
                                strlen(leaf), NULL);
}

static void
expect_tp(const char *good,
          const struct wb_verifier *v,
          uint64_t i,
          const char *from,
          const char *to,
          wb_err rc)
{
    char *bad = replace(good, from, to);
    wb_err got;

    TT_CHECK_MSG(bad != NULL, "no \"%s\"", from);
    if (bad == NULL) {
        return;
    }
    got = tp_verify(bad, v, i);
    TT_CHECK_MSG(got == rc, "\"%s\" -> \"%s\": got %d (%s), want %d", from, to,
                 got, wb_errmsg(), rc);
    free(bad);
}

static void
test_tlog_proof(void)
{
    struct wb_signer *s = NULL, *other = NULL;
    struct wb_verifier *v = NULL, *vo = NULL;
    struct wb_merkle_frontier f;
    struct wb_checkpoint cp, got;
    struct wb_tlog_proof *p = NULL;
    struct mem m;
    char *k = NULL, *ckpt = NULL, *text;
    static const uint8_t extra[] = "vrf proof bytes";

    TT_CHECK(wb_signer_generate("example.com/tp", &s) == WB_OK);
    TT_CHECK(wb_signer_generate("example.com/tp-other", &other) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(s, &k) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(k, strlen(k), &v) == WB_OK);
    wb_free(k);
    TT_CHECK(wb_signer_verifier_key(other, &k) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(k, strlen(k), &vo) == WB_OK);
    wb_free(k);

    mem_build(&m, 50, &f);
    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "example.com/tp");
    cp.size = f.size;
    wb_merkle_frontier_root(&f, cp.root);
    TT_CHECK(wb_checkpoint_sign(&cp, s, &ckpt) == WB_OK);
    if (ckpt == NULL || v == NULL) {
        goto out;
    }
    for (uint64_t i = 0; i < 50; i++) {
        text = make_proof(&m, i, ckpt, i % 3 ? NULL : extra,
                          i % 3 ? 0 : sizeof extra);
        TT_CHECK(text != NULL && tp_verify(text, v, i) == WB_OK);
        TT_CHECK(text != NULL &&
                 tp_verify(text, v, (i + 1) % 50) == WB_ERR_VERIFY);
        TT_CHECK(text != NULL && tp_verify(text, vo, i) == WB_ERR_BADSIG);
        TT_CHECK(text != NULL &&
                 wb_tlog_proof_parse(text, strlen(text), &p) == WB_OK);
        if (p != NULL) {
            TT_CHECK(p->index == i && strcmp(p->checkpoint, ckpt) == 0);
            TT_CHECK(p->checkpoint_len == strlen(ckpt));
            TT_CHECK(i % 3 ? p->extra == NULL
                           : (p->extra_len == sizeof extra &&
                              memcmp(p->extra, extra, sizeof extra) == 0));
        }
        wb_tlog_proof_free(p);
        p = NULL;
        wb_free(text);
    }

    /* entry 17 of 50: tamper with every part */
    text = make_proof(&m, 17, ckpt, NULL, 0);
    TT_CHECK(wb_tlog_proof_verify(text, strlen(text), v,
                                  (const uint8_t *)"entry 17", 8,
                                  &got) == WB_OK);
    TT_CHECK(got.size == 50 && memcmp(got.root, cp.root, 32) == 0);
    expect_tp(text, v, 17, "index 17\n", "index 16\n", WB_ERR_VERIFY);
    expect_tp(text, v, 17, "index 17\n", "index 017\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "index 17\n", "index  17\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "index 17\n", "index 50\n", WB_ERR_VERIFY);
    expect_tp(text, v, 17, "index 17\n", "index17\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "index 17\n", "", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "c2sp.org/tlog-proof@v1\n",
              "c2sp.org/tlog-proof@v2\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "c2sp.org/tlog-proof@v1\n",
              "c2sp.org/tlog-proof@v1\r\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "index 17\n", "index 17\r\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "index 17\n", "extra !!!!\nindex 17\n",
              WB_ERR_FORMAT);
    expect_tp(text, v, 17, "index 17\n", "extra \nindex 17\n", WB_OK);
    expect_tp(text, v, 17, "index 17\n", "index 17\nAAAA\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "index 17\n",
              "index 17\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
              WB_ERR_VERIFY);
    expect_tp(text, v, 17, "=\n\n", "=\n", WB_ERR_FORMAT);
    expect_tp(text, v, 17, "=\n\n", "=\n\n\n", WB_ERR_BADSIG);
    expect_tp(text, v, 17, "example.com/tp\n50\n", "example.com/tp\n51\n",
              WB_ERR_BADSIG);
    {
        /* flip one character of the first proof hash */
        char *bad = wb__strdup(text);
        char *h = strstr(bad, "index 17\n") + 9;
        h[3] = h[3] == 'A' ? 'B' : 'A';
        TT_CHECK(tp_verify(bad, v, 17) == WB_ERR_VERIFY);
        /* a character outside the base64 alphabet */
        h[3] = '\xcc';
        TT_CHECK(tp_verify(bad, v, 17) == WB_ERR_FORMAT);
        h[3] = 'A';
        /* drop the first hash line */
        {
            char *nl = strchr(h, '\n');
            memmove(h, nl + 1, strlen(nl + 1) + 1);
            TT_CHECK(tp_verify(bad, v, 17) == WB_ERR_VERIFY);
        }
        wb__free(bad);
    }
    for (size_t n = 0; n < strlen(text); n++) {
        TT_CHECK_MSG(wb_tlog_proof_verify(text, n, v,
                                          (const uint8_t *)"entry 17", 8,
                                          NULL) != WB_OK,
                     "truncated to %zu", n);
    }
    {
        char *big = calloc(1, WB_TLOG_PROOF_MAX_BYTES + 2);
        memset(big, '\n', WB_TLOG_PROOF_MAX_BYTES + 1);
        TT_CHECK(wb_tlog_proof_parse(big, WB_TLOG_PROOF_MAX_BYTES + 1, &p) ==
                     WB_ERR_TOOBIG &&
                 p == NULL);
        free(big);
    }
    /* 129 hash lines */
    {
        struct wb__buf b;
        wb__buf_init(&b, 1 << 20);
        TT_CHECK(wb__buf_printf(&b, "c2sp.org/tlog-proof@v1\nindex 0\n") ==
                 WB_OK);
        for (int i = 0; i <= WB_MERKLE_MAX_PROOF; i++) {
            TT_CHECK(
                wb__buf_printf(
                    &b, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n") ==
                WB_OK);
        }
        TT_CHECK(wb__buf_printf(&b, "\n%s", ckpt) == WB_OK);
        TT_CHECK(wb_tlog_proof_parse((const char *)b.data, b.len, &p) ==
                 WB_ERR_FORMAT);
        TT_CHECK(strstr(wb_errmsg(), "line 131") != NULL);
        wb__buf_clear(&b);
    }
    wb_free(text);
out:
    mem_free(&m);
    wb_free(ckpt);
    wb_signer_free(s);
    wb_signer_free(other);
    wb_verifier_free(v);
    wb_verifier_free(vo);
}

/* ---- allocation failures ---------------------------------------------- */

static void
test_alloc_failures(void)
{
    struct wb_signer *s = NULL;
    struct wb_verifier *v = NULL;
    struct wb_checkpoint cp;
    char *k = NULL, *ckpt = NULL, *tp = NULL;
    hash_t proof[2];
    static const uint8_t extra[] = {1, 2, 3};
    int steps = 0;

    TT_CHECK(wb_signer_generate("example.com/oom", &s) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(s, &k) == WB_OK);
    TT_CHECK(wb_verifier_from_note_key(k, strlen(k), &v) == WB_OK);
    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "example.com/oom");
    cp.size = 3;
    memset(proof, 7, sizeof proof);
    for (unsigned long n = 1; n < 100; n++) {
        wb_err rc;
        wb__test_fail_alloc_at(n);
        rc = wb_checkpoint_sign(&cp, s, &ckpt);
        wb__test_fail_alloc_at(0);
        steps++;
        if (rc == WB_OK) {
            break;
        }
        TT_CHECK(rc == WB_ERR_NOMEM && ckpt == NULL);
    }
    for (unsigned long n = 1; n < 100 && ckpt != NULL; n++) {
        wb_err rc;
        wb__test_fail_alloc_at(n);
        rc = wb_tlog_proof_format(2, extra, sizeof extra, (const hash_t *)proof,
                                  2, ckpt, &tp);
        wb__test_fail_alloc_at(0);
        steps++;
        if (rc == WB_OK) {
            break;
        }
        TT_CHECK(rc == WB_ERR_NOMEM && tp == NULL);
    }
    for (unsigned long n = 1; n < 100 && tp != NULL; n++) {
        wb_err rc;
        wb__test_fail_alloc_at(n);
        /* the proof does not match the root: any result but NOMEM is the
         * end of the allocations */
        rc = wb_tlog_proof_verify(tp, strlen(tp), v, extra, 3, NULL);
        wb__test_fail_alloc_at(0);
        steps++;
        if (rc != WB_ERR_NOMEM) {
            TT_CHECK(rc == WB_ERR_VERIFY);
            break;
        }
    }
    printf("allocation failure: %d steps\n", steps);
    TT_CHECK(steps > 3);
    wb_free(tp);
    wb_free(ckpt);
    wb_free(k);
    wb_signer_free(s);
    wb_verifier_free(v);
}

int
main(void)
{
    if (wb_init() != WB_OK) {
        return 1;
    }
    test_tessera();
    test_checkpoint_fail();
    test_body_fail();
    test_sign_args();
    test_tlog_proof();
    test_alloc_failures();
    return TT_REPORT();
}
