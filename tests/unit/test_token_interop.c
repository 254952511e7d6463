/* SPDX-License-Identifier: Apache-2.0 */
/* Tokens against an independent implementation (python3-cbor2 and
 * python3-cryptography): ours must verify there, theirs here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <waybill/token.h>

#include "core/core_int.h"
#include "tinytest.h"

#define PYTHON "/usr/bin/python3"

static char interop_dir[1024]; /* <source>/tests/interop */
static char tmp_dir[] = "/tmp/wb-token-interop-XXXXXX";

/* __FILE__ is absolute under CMake: <source>/tests/unit/this.c. */
static int
find_interop_dir(void)
{
    char buf[900];
    char *slash;

    snprintf(buf, sizeof buf, "%s", __FILE__);
    for (int i = 0; i < 2; i++) {
        slash = strrchr(buf, '/');
        if (slash == NULL) {
            return -1;
        }
        *slash = '\0';
    }
    snprintf(interop_dir, sizeof interop_dir, "%s/interop", buf);
    return 0;
}

static void
write_file(const char *name, const void *p, size_t n)
{
    char path[1200];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

/* Exit status of cose_verify.py on tok_name (0 valid, 1 invalid). */
static int
py_verify(const char *tok_name, const char *kid_hex)
{
    char cmd[4096];
    int st;

    snprintf(cmd, sizeof cmd,
             PYTHON " %s/cose_verify.py %s/site.vkey %s/%s%s%s", interop_dir,
             tmp_dir, tmp_dir, tok_name, kid_hex ? " --kid " : "",
             kid_hex ? kid_hex : "");
    fflush(stdout);
    st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) {
        return -1;
    }
    return WEXITSTATUS(st);
}

static void
sign_to_file(const struct wb_signer *s,
             const uint8_t *kid,
             size_t kid_len,
             const uint8_t *payload,
             size_t len,
             const char *name)
{
    uint8_t *tok = NULL;
    size_t tok_len = 0;

    TT_CHECK(wb_cose_sign(s, kid, kid_len, payload, len, &tok, &tok_len) ==
             WB_OK);
    write_file(name, tok, tok_len);
    wb_free(tok);
}

static void
test_ours_verify_there(void)
{
    static const char *const purposes[] = {"maintenance", "dpv:Analytics"};
    static const char *const residency[] = {"DE", "US-CA"};
    uint8_t parents[1][WB_HASH_BYTES];
    struct wb_signer *s = NULL;
    char *vkey = NULL;
    uint8_t kid[WB_KEY_ID_BYTES];
    char kid_hex[2 * WB_KEY_ID_BYTES + 1];
    struct wb_claims c;
    uint8_t *leaf = NULL;
    size_t leaf_len = 0;
    uint8_t *tok = NULL;
    size_t tok_len = 0;
    /* {1: "a", 6: 1, ...} with keys out of order: signed, not canonical */
    static const uint8_t unsorted[] = {
        0xa5, 0x06, 0x01, 0x01, 0x61, 0x61, 0x07, 0x41, 0x01, 0x19, 0x01,
        0x09, 0x73, 'u',  'r',  'n',  ':',  'w',  'a',  'y',  'b',  'i',
        'l',  'l',  ':',  't',  'o',  'k',  'e',  'n',  ':',  '1',  0x3a,
        0x00, 0x01, 0x00, 0x00, 0x66, 'r',  'e',  'c',  'o',  'r',  'd'};

    TT_CHECK(wb_signer_generate("interop.example", &s) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(s, &vkey) == WB_OK);
    write_file("site.vkey", vkey, strlen(vkey));
    wb_signer_key_id(s, kid);
    wb_hex_encode(kid, sizeof kid, kid_hex);

    /* 1: every claim. */
    memset(&c, 0, sizeof c);
    memset(parents, 0x77, sizeof parents);
    c.iss = "interop.example";
    c.sub = "press-07";
    c.iat = 1767225600;
    memset(c.cti, 0x42, 16);
    c.cti_len = 16;
    c.kind = "inference";
    c.has_payload = 1;
    memset(c.payload_hash, 0x01, 32);
    c.purposes = purposes;
    c.purpose_count = 2;
    c.consent_id = "consent-1";
    c.consent_version = 2;
    c.jurisdiction = "DE";
    c.data_class = "personal";
    c.rights = "Werk GmbH";
    c.parents = (const uint8_t(*)[WB_HASH_BYTES])parents;
    c.parent_count = 1;
    c.has_model = 1;
    memset(c.model, 0x02, 32);
    c.residency = residency;
    c.residency_count = 2;
    c.media = "text/csv";
    c.has_time_ns = 1;
    c.time_ns = 500000000;
    c.has_devsig = 1;
    memset(c.devsig, 0x03, 32);
    TT_CHECK(wb_claims_encode(&c, &leaf, &leaf_len) == WB_OK);
    sign_to_file(s, kid, sizeof kid, leaf, leaf_len, "full.cose");
    TT_CHECK(py_verify("full.cose", kid_hex) == 0);

    /* 2: tampered payload byte (the signature still has the old one). */
    TT_CHECK(wb_cose_sign(s, kid, sizeof kid, leaf, leaf_len, &tok, &tok_len) ==
             WB_OK);
    tok[tok_len - 64 - 2 - 5] ^= 0x01;
    write_file("tampered.cose", tok, tok_len);
    TT_CHECK(py_verify("tampered.cose", NULL) == 1);
    wb_free(tok);
    wb_free(leaf);
    leaf = NULL;

    /* 3: minimal claims; a device-style kid (the device id). */
    memset(&c, 0, sizeof c);
    c.iss = "interop.example";
    c.iat = 0;
    c.cti[0] = 9;
    c.cti_len = 1;
    c.kind = "device";
    c.residency_local_only = 1;
    TT_CHECK(wb_claims_encode(&c, &leaf, &leaf_len) == WB_OK);
    sign_to_file(s, (const uint8_t *)"press-07", 8, leaf, leaf_len,
                 "minimal.cose");
    TT_CHECK(py_verify("minimal.cose", "70726573732d3037") == 0);
    TT_CHECK(py_verify("minimal.cose", kid_hex) == 1); /* wrong kid */
    wb_free(leaf);

    /* 4: validly signed, but the claims are not canonical. */
    sign_to_file(s, kid, sizeof kid, unsorted, sizeof unsorted,
                 "unsorted.cose");
    TT_CHECK(py_verify("unsorted.cose", NULL) == 1);

    wb_free(vkey);
    wb_signer_free(s);
}

static void
test_theirs_verify_here(void)
{
    char cmd[4096];
    char path[1200];
    uint8_t *vkey = NULL, *tok = NULL;
    size_t vkey_len = 0, tok_len = 0;
    struct wb_verifier *v = NULL;
    struct wb_cose_sign1 out;
    struct wb_claims *c = NULL;
    uint8_t kid[WB_KEY_ID_BYTES];
    int st;

    snprintf(cmd, sizeof cmd, PYTHON " %s/cose_make.py %s/py.vkey %s/py.cose",
             interop_dir, tmp_dir, tmp_dir);
    fflush(stdout);
    st = system(cmd);
    TT_CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(path, sizeof path, "%s/py.vkey", tmp_dir);
    TT_CHECK(wb__read_file(path, 4096, &vkey, &vkey_len) == WB_OK);
    snprintf(path, sizeof path, "%s/py.cose", tmp_dir);
    TT_CHECK(wb__read_file(path, WB_TOKEN_MAX_BYTES, &tok, &tok_len) == WB_OK);
    if (vkey == NULL || tok == NULL) {
        goto out;
    }
    TT_CHECK(wb_verifier_from_note_key((char *)vkey, vkey_len, &v) == WB_OK);
    if (v == NULL) {
        goto out;
    }
    TT_CHECK_MSG(wb_cose_verify(tok, tok_len, v, NULL, 0, &out) == WB_OK, "%s",
                 wb_errmsg());
    wb_verifier_key_id(v, kid);
    TT_CHECK(out.kid_len == 4 && memcmp(out.kid, kid, 4) == 0);
    TT_CHECK(out.alg == WB_ALG_EDDSA && out.tagged);
    TT_CHECK_MSG(wb_claims_decode(out.payload, out.payload_len, &c) == WB_OK,
                 "%s", wb_errmsg());
    if (c != NULL) {
        TT_CHECK(strcmp(c->iss, "py-interop.example") == 0);
        TT_CHECK(strcmp(c->sub, "py-device-1") == 0);
        TT_CHECK(c->iat == 1767225600 && c->cti_len == 16);
        TT_CHECK(strcmp(c->kind, "record") == 0 && c->has_payload);
        TT_CHECK(c->purpose_count == 2 &&
                 strcmp(c->purposes[1], "quality-control") == 0);
        TT_CHECK(strcmp(c->consent_id, "consent-7") == 0 &&
                 c->consent_version == 3);
        TT_CHECK(strcmp(c->jurisdiction, "JP") == 0);
        TT_CHECK(strcmp(c->data_class, "non-personal") == 0);
        TT_CHECK(c->residency_count == 2 && strcmp(c->residency[1], "DE") == 0);
        TT_CHECK(strcmp(c->media, "application/cbor") == 0);
        TT_CHECK(c->has_time_ns && c->time_ns == 123456789);
    }
    /* And their token, tampered, fails here. */
    tok[tok_len - 1] ^= 0x01;
    TT_CHECK(wb_cose_verify(tok, tok_len, v, NULL, 0, NULL) == WB_ERR_BADSIG);
out:
    wb_claims_free(c);
    wb_verifier_free(v);
    wb_free(vkey);
    wb_free(tok);
}

static void
cleanup(void)
{
    static const char *const files[] = {
        "site.vkey",     "full.cose", "tampered.cose", "minimal.cose",
        "unsorted.cose", "py.vkey",   "py.cose",
    };
    char path[1200];

    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp_dir, files[i]);
        unlink(path);
    }
    rmdir(tmp_dir);
}

int
main(void)
{
    if (wb_init() != WB_OK || find_interop_dir() != 0) {
        return 99;
    }
    if (mkdtemp(tmp_dir) == NULL) {
        perror("mkdtemp");
        return 99;
    }
    test_ours_verify_there();
    test_theirs_verify_here();
    cleanup();
    return TT_REPORT();
}
