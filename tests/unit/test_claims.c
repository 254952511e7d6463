/* SPDX-License-Identifier: Apache-2.0 */
/* Claims: deterministic encoding (byte-exact against python3-cbor2), round
 * trips, encode-time checks, and must-fail decodes of untrusted leaves. */
#include <stdlib.h>
#include <string.h>

#include <waybill/token.h>

#include "core/core_int.h"
#include "tinytest.h"
#include "token/token_int.h"

/* Hex pieces of the minimal claims {1: "a", 6: 1, 7: h'01', 265:
 * "urn:waybill:token:1", -65537: "record"}. */
#define ISS  "016161"
#define IAT  "0601"
#define CTI  "074101"
#define PROF "1901097375726e3a77617962696c6c3a746f6b656e3a31"
#define KIND "3a00010000667265636f7264"
#define ZERO32                                                                 \
    "0000000000000000000000000000000000000000000000000000000000000000"

/* Expected bytes from python3-cbor2 5.4.6, independently:
 *   cbor2.dumps({1:'a', 6:1, 7:b'\x01', 265:'urn:waybill:token:1',
 *                -65537:'record'}, canonical=True).hex() */
static const char minimal_hex[] = "a5" ISS IAT CTI PROF KIND;

/* cbor2.dumps({1:'site', 2:'dev-1', 6:1700000000, 7:bytes(range(16)),
 *   265:'urn:waybill:token:1', -65537:'record',
 *   -65538:[-16, bytes([0xab]*32)], -65539:['maintenance'], -65541:'DE',
 *   -65542:'personal', -65546:'local-only', -65548:999999999,
 *   -65549:bytes([0xcd]*32)}, canonical=True).hex() */
static const char medium_hex[] =
    "ad01647369746502656465762d31061a6553f1000750000102030405060708090a0b0c0d"
    "0e0f1901097375726e3a77617962696c6c3a746f6b656e3a313a00010000667265636f72"
    "643a00010001822f5820abababababababababababababababababababababababababab"
    "abababababab3a00010002816b6d61696e74656e616e63653a000100046244453a000100"
    "0568706572736f6e616c3a000100096a6c6f63616c2d6f6e6c793a0001000b1a3b9ac9ff"
    "3a0001000c5820cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
    "cdcdcd";

static uint8_t *
unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    uint8_t *p = malloc(n ? n : 1);

    if (p == NULL || wb_hex_decode(hex, strlen(hex), p, n) != WB_OK) {
        fprintf(stderr, "bad hex in test: %s\n", hex);
        exit(2);
    }
    *len = n;
    return p;
}

static void
minimal(struct wb_claims *c)
{
    static const uint8_t cti[] = {1};

    memset(c, 0, sizeof *c);
    c->iss = "a";
    c->iat = 1;
    memcpy(c->cti, cti, sizeof cti);
    c->cti_len = sizeof cti;
    c->kind = "record";
}

static void
check_encodes_to(const struct wb_claims *c, const char *hex)
{
    uint8_t *want;
    size_t want_len;
    uint8_t *got = NULL;
    size_t got_len = 0;
    wb_err rc = wb_claims_encode(c, &got, &got_len);

    want = unhex(hex, &want_len);
    TT_CHECK_MSG(rc == WB_OK, "%s", wb_errmsg());
    TT_CHECK(got_len == want_len);
    TT_CHECK(got != NULL && got_len == want_len &&
             memcmp(got, want, want_len) == 0);
    wb_free(got);
    free(want);
}

static void
test_byte_exact(void)
{
    struct wb_claims c;
    static const char *const purposes[] = {"maintenance"};
    uint8_t cti[16];

    minimal(&c);
    check_encodes_to(&c, minimal_hex);

    for (int i = 0; i < 16; i++) {
        cti[i] = (uint8_t)i;
    }
    memset(&c, 0, sizeof c);
    c.iss = "site";
    c.sub = "dev-1";
    c.iat = 1700000000;
    memcpy(c.cti, cti, 16);
    c.cti_len = 16;
    c.kind = "record";
    c.has_payload = 1;
    memset(c.payload_hash, 0xab, 32);
    c.purposes = purposes;
    c.purpose_count = 1;
    c.jurisdiction = "DE";
    c.data_class = "personal";
    c.residency_local_only = 1;
    c.has_time_ns = 1;
    c.time_ns = 999999999;
    c.has_devsig = 1;
    memset(c.devsig, 0xcd, 32);
    check_encodes_to(&c, medium_hex);
}

static void
test_round_trip(void)
{
    static const char *const purposes[] = {"maintenance", "dpv:Analytics",
                                           "überwachung"};
    static const char *const residency[] = {"DE", "US-CA", "FR"};
    uint8_t parents[2][WB_HASH_BYTES];
    struct wb_claims c;
    struct wb_claims *d = NULL;
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;

    memset(&c, 0, sizeof c);
    memset(parents[0], 0x11, 32);
    memset(parents[1], 0x22, 32);
    c.iss = "example.com/site-1";
    c.sub = "press-07";
    c.iat = 4102444800; /* 2100, beyond 32 bits */
    memset(c.cti, 0x5a, WB_CTI_MAX_BYTES);
    c.cti_len = WB_CTI_MAX_BYTES;
    c.kind = "inference";
    c.has_payload = 1;
    memset(c.payload_hash, 0x33, 32);
    c.purposes = purposes;
    c.purpose_count = 3;
    c.consent_id = "consent-42";
    c.consent_version = 70000;
    c.jurisdiction = "US-CA";
    c.data_class = "sensitive-personal";
    c.rights = "ACME GmbH";
    c.parents = (const uint8_t(*)[WB_HASH_BYTES])parents;
    c.parent_count = 2;
    c.has_model = 1;
    memset(c.model, 0x44, 32);
    c.residency = residency;
    c.residency_count = 3;
    c.media = "application/json";
    c.has_time_ns = 1;
    c.time_ns = 0;
    c.has_devsig = 1;
    memset(c.devsig, 0x55, 32);

    TT_CHECK(wb_claims_encode(&c, &enc, &len) == WB_OK);
    TT_CHECK_MSG(wb_claims_decode(enc, len, &d) == WB_OK, "%s", wb_errmsg());
    if (d != NULL) {
        TT_CHECK(strcmp(d->iss, c.iss) == 0);
        TT_CHECK(strcmp(d->sub, c.sub) == 0);
        TT_CHECK(d->iat == c.iat);
        TT_CHECK(d->cti_len == c.cti_len);
        TT_EQ_MEM(d->cti, c.cti, c.cti_len);
        TT_CHECK(strcmp(d->kind, "inference") == 0);
        TT_CHECK(d->has_payload);
        TT_EQ_MEM(d->payload_hash, c.payload_hash, 32);
        TT_CHECK(d->purpose_count == 3);
        for (size_t i = 0; i < 3 && d->purpose_count == 3; i++) {
            TT_CHECK(strcmp(d->purposes[i], purposes[i]) == 0);
        }
        TT_CHECK(strcmp(d->consent_id, "consent-42") == 0);
        TT_CHECK(d->consent_version == 70000);
        TT_CHECK(strcmp(d->jurisdiction, "US-CA") == 0);
        TT_CHECK(strcmp(d->data_class, "sensitive-personal") == 0);
        TT_CHECK(strcmp(d->rights, "ACME GmbH") == 0);
        TT_CHECK(d->parent_count == 2);
        TT_EQ_MEM(d->parents, parents, sizeof parents);
        TT_CHECK(d->has_model);
        TT_EQ_MEM(d->model, c.model, 32);
        TT_CHECK(!d->residency_local_only && d->residency_count == 3);
        for (size_t i = 0; i < 3 && d->residency_count == 3; i++) {
            TT_CHECK(strcmp(d->residency[i], residency[i]) == 0);
        }
        TT_CHECK(strcmp(d->media, "application/json") == 0);
        TT_CHECK(d->has_time_ns && d->time_ns == 0);
        TT_CHECK(d->has_devsig);
        TT_EQ_MEM(d->devsig, c.devsig, 32);
        TT_CHECK(wb_claims_encode(d, &enc2, &len2) == WB_OK);
        TT_CHECK(len2 == len && memcmp(enc, enc2, len) == 0);
    }
    wb_claims_free(d);
    d = NULL;
    wb_free(enc2);
    enc2 = NULL;
    /* a deep copy encodes to the same bytes and borrows nothing */
    TT_CHECK(wb_claims_copy(&c, &d) == WB_OK);
    if (d != NULL) {
        TT_CHECK(d->iss != c.iss && d->purposes != c.purposes &&
                 d->purposes[0] != purposes[0] && d->parents != c.parents &&
                 d->residency[2] != residency[2]);
        TT_CHECK(wb_claims_encode(d, &enc2, &len2) == WB_OK);
        TT_CHECK(len2 == len && memcmp(enc, enc2, len) == 0);
    }
    wb_claims_free(d);
    d = NULL;
    c.parent_count = WB_CLAIMS_MAX_ITEMS + 1;
    TT_CHECK(wb_claims_copy(&c, &d) == WB_ERR_TOOBIG && d == NULL);
    c.parent_count = 2;

    /* Every proper prefix is refused. */
    for (size_t n = 0; n < len; n++) {
        wb_err rc = wb_claims_decode(enc, n, &d);
        TT_CHECK_MSG(rc == WB_ERR_FORMAT && d == NULL, "prefix %zu", n);
        wb_claims_free(d);
        d = NULL;
    }

    /* Allocation failures at every point: NOMEM, nothing leaked. */
    for (unsigned long k = 1; k < 64; k++) {
        wb_err rc;
        wb__test_fail_alloc_at(k);
        rc = wb_claims_decode(enc, len, &d);
        wb__test_fail_alloc_at(0);
        wb_claims_free(d);
        d = NULL;
        if (rc == WB_OK) {
            break;
        }
        TT_CHECK_MSG(rc == WB_ERR_NOMEM, "alloc %lu: %d", k, rc);
    }
    wb_free(enc2);
    enc2 = NULL;
    for (unsigned long k = 1; k < 64; k++) {
        wb_err rc;
        wb__test_fail_alloc_at(k);
        rc = wb_claims_encode(&c, &enc2, &len2);
        wb__test_fail_alloc_at(0);
        if (rc == WB_OK) {
            break;
        }
        TT_CHECK_MSG(rc == WB_ERR_NOMEM, "alloc %lu: %d", k, rc);
    }
    wb_free(enc);

    /* Minimal claims decode with everything optional absent. */
    enc = unhex(minimal_hex, &len);
    TT_CHECK(wb_claims_decode(enc, len, &d) == WB_OK);
    if (d != NULL) {
        TT_CHECK(strcmp(d->iss, "a") == 0 && d->iat == 1);
        TT_CHECK(d->sub == NULL && d->purposes == NULL &&
                 d->purpose_count == 0 && d->parents == NULL &&
                 d->residency == NULL && !d->has_payload && !d->has_devsig &&
                 d->consent_id == NULL && d->media == NULL);
    }
    wb_claims_free(d);
    wb_claims_free(NULL);
    free(enc);
    wb_free(enc2);
}

static void
expect_encode_fail(const struct wb_claims *c, const char *field)
{
    uint8_t *out = NULL;
    size_t len = 0;
    wb_err rc = wb_claims_encode(c, &out, &len);

    TT_CHECK_MSG(rc == WB_ERR_INVAL && out == NULL, "%s: rc %d", field, rc);
    TT_CHECK_MSG(strstr(wb_errmsg(), field) != NULL, "%s: detail \"%s\"", field,
                 wb_errmsg());
    wb_free(out);
}

static void
expect_encode_ok(const struct wb_claims *c)
{
    uint8_t *out = NULL;
    size_t len = 0;

    TT_CHECK_MSG(wb_claims_encode(c, &out, &len) == WB_OK, "%s", wb_errmsg());
    wb_free(out);
}

static void
test_encode_checks(void)
{
    struct wb_claims c;
    const char *many[WB_CLAIMS_MAX_ITEMS + 1];
    char long_str[WB__CLAIM_STR_MAX + 2];
    static const char *const bad_juris[] = {"de",    "D",       "DEU",   "US-",
                                            "US_CA", "US-ABCD", "US-ca", ""};
    static const char *const good_juris[] = {"DE", "US-CA", "GB-ENG", "FR-75"};

    minimal(&c);
    c.iss = NULL;
    expect_encode_fail(&c, "iss");
    minimal(&c);
    c.kind = NULL;
    expect_encode_fail(&c, "kind");
    minimal(&c);
    c.kind = "telemetry";
    expect_encode_fail(&c, "kind");
    minimal(&c);
    c.kind = "device"; /* new kind: device registration */
    expect_encode_ok(&c);
    minimal(&c);
    c.cti_len = 0;
    expect_encode_fail(&c, "cti");
    c.cti_len = WB_CTI_MAX_BYTES + 1;
    expect_encode_fail(&c, "cti");
    minimal(&c);
    c.iat = -1;
    expect_encode_fail(&c, "iat");
    minimal(&c);
    c.data_class = "secret";
    expect_encode_fail(&c, "class");
    for (size_t i = 0; i < sizeof bad_juris / sizeof *bad_juris; i++) {
        minimal(&c);
        c.jurisdiction = bad_juris[i];
        expect_encode_fail(&c, "jurisdiction");
    }
    for (size_t i = 0; i < sizeof good_juris / sizeof *good_juris; i++) {
        minimal(&c);
        c.jurisdiction = good_juris[i];
        expect_encode_ok(&c);
    }
    minimal(&c);
    c.has_time_ns = 1;
    c.time_ns = 1000000000u;
    expect_encode_fail(&c, "time_ns");
    c.time_ns = 999999999u;
    expect_encode_ok(&c);

    for (size_t i = 0; i <= WB_CLAIMS_MAX_ITEMS; i++) {
        many[i] = "p";
    }
    minimal(&c);
    c.purposes = many;
    c.purpose_count = WB_CLAIMS_MAX_ITEMS;
    expect_encode_ok(&c);
    c.purpose_count = WB_CLAIMS_MAX_ITEMS + 1;
    expect_encode_fail(&c, "purposes");
    minimal(&c);
    c.residency = many;
    c.residency_count = 1;
    c.residency_local_only = 1;
    expect_encode_fail(&c, "residency");

    minimal(&c);
    c.sub = "\xc3\x28"; /* invalid UTF-8 */
    expect_encode_fail(&c, "sub");
    c.sub = "\xed\xa0\x80"; /* a surrogate */
    expect_encode_fail(&c, "sub");
    c.sub = "\xc0\xaf"; /* overlong */
    expect_encode_fail(&c, "sub");
    c.sub = "";
    expect_encode_fail(&c, "sub");
    memset(long_str, 'x', sizeof long_str);
    long_str[WB__CLAIM_STR_MAX] = '\0';
    c.sub = long_str; /* exactly 1024 */
    expect_encode_ok(&c);
    long_str[WB__CLAIM_STR_MAX] = 'x';
    long_str[WB__CLAIM_STR_MAX + 1] = '\0';
    expect_encode_fail(&c, "sub");
    minimal(&c);
    c.consent_id = "c1";
    c.consent_version = UINT64_MAX;
    expect_encode_ok(&c);
}

struct bad_case {
    const char *name;
    const char *hex;
    const char *detail; /* must occur in wb_errmsg() */
};

static const struct bad_case bad_cases[] = {
    {"unsorted keys", "a5" IAT ISS CTI PROF KIND, "order"},
    {"duplicate key", "a6" ISS ISS IAT CTI PROF KIND, "duplicate"},
    {"non-shortest int", "a5" ISS "061801" CTI PROF KIND, "deterministic"},
    {"non-shortest key",
     "a5"
     "18016161" IAT CTI PROF KIND,
     "deterministic"},
    {"non-shortest map head", "b805" ISS IAT CTI PROF KIND, "deterministic"},
    {"non-shortest string head",
     "a5"
     "01780161" IAT CTI PROF KIND,
     "deterministic"},
    {"indefinite array", "a6" ISS IAT CTI PROF KIND "3a000100029f6161ff",
     "indefinite"},
    {"indefinite map", "bf" ISS IAT CTI PROF KIND "ff", "indefinite"},
    {"indefinite string",
     "a5"
     "017f6161ff" IAT CTI PROF KIND,
     "indefinite"},
    {"unknown label 3", "a6" ISS IAT "0300" CTI PROF KIND, "label 3"},
    {"unknown label -65550", "a6" ISS IAT CTI PROF KIND "3a0001000d00",
     "label -65550"},
    {"unknown label -2^64", "a6" ISS IAT CTI PROF KIND "3bffffffffffffffff00",
     "label -18446744073709551616"},
    {"text key", "a6" ISS IAT CTI PROF KIND "616b00", "not an integer"},
    {"iss as bstr",
     "a5"
     "014161" IAT CTI PROF KIND,
     "iss"},
    {"iat as float", "a5" ISS "06f93c00" CTI PROF KIND, "iat"},
    {"iat negative", "a5" ISS "0620" CTI PROF KIND, "iat"},
    {"iat tagged", "a5" ISS "06c101" CTI PROF KIND, "iat"},
    {"cti as tstr", "a5" ISS IAT "076101" PROF KIND, "cti"},
    {"cti too long", "a5" ISS IAT "075821" ZERO32 "00" PROF KIND, "cti"},
    {"trailing garbage", "a5" ISS IAT CTI PROF KIND "00", "trailing"},
    {"missing eat_profile", "a4" ISS IAT CTI KIND, "eat_profile"},
    {"missing iss", "a4" IAT CTI PROF KIND, "iss"},
    {"wrong eat_profile",
     "a5" ISS IAT CTI "1901097375726e3a77617962696c6c3a746f6b656e3a32" KIND,
     "eat_profile"},
    {"unknown kind", "a5" ISS IAT CTI PROF "3a0001000063666f6f", "kind"},
    {"invalid UTF-8",
     "a5"
     "0162c328" IAT CTI PROF KIND,
     "UTF-8"},
    {"embedded NUL",
     "a5"
     "01626100" IAT CTI PROF KIND,
     "NUL"},
    {"empty purposes", "a6" ISS IAT CTI PROF KIND "3a0001000280", "purposes"},
    {"purpose not text", "a6" ISS IAT CTI PROF KIND "3a000100028101",
     "purposes"},
    {"payload alg -17",
     "a6" ISS IAT CTI PROF KIND "3a000100018230"
     "5820" ZERO32,
     "SHA-256"},
    {"payload short hash", "a6" ISS IAT CTI PROF KIND "3a00010001822f4100",
     "payload"},
    {"consent 3 items", "a6" ISS IAT CTI PROF KIND "3a000100038361630100",
     "consent"},
    {"residency other text", "a6" ISS IAT CTI PROF KIND "3a00010009624445",
     "residency"},
    {"time_ns 1e9", "a6" ISS IAT CTI PROF KIND "3a0001000b1a3b9aca00",
     "time_ns"},
    {"bad jurisdiction", "a6" ISS IAT CTI PROF KIND "3a00010004626465",
     "juris"},
    {"not a map", "80", "map"},
    {"empty input", "", "early"},
    {"too many entries", "b3", "entries"},
};

static void
test_decode_fails(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const struct bad_case *bc = &bad_cases[i];
        size_t len;
        uint8_t *in = unhex(bc->hex, &len);
        struct wb_claims *d = NULL;
        wb_err rc = wb_claims_decode(in, len, &d);

        TT_CHECK_MSG(rc == WB_ERR_FORMAT && d == NULL, "%s: rc %d", bc->name,
                     rc);
        TT_CHECK_MSG(strstr(wb_errmsg(), bc->detail) != NULL,
                     "%s: detail \"%s\" lacks \"%s\"", bc->name, wb_errmsg(),
                     bc->detail);
        wb_claims_free(d);
        free(in);
    }
}

static void
test_decode_good_variants(void)
{
    /* Definite purposes array, after kind: accepted. */
    size_t len;
    uint8_t *in = unhex("a6" ISS IAT CTI PROF KIND "3a00010002816161", &len);
    struct wb_claims *d = NULL;

    TT_CHECK_MSG(wb_claims_decode(in, len, &d) == WB_OK, "%s", wb_errmsg());
    TT_CHECK(d != NULL && d->purpose_count == 1 &&
             strcmp(d->purposes[0], "a") == 0);
    wb_claims_free(d);
    free(in);
}

static void
test_oversize(void)
{
    uint8_t *big = calloc(1, WB_CLAIMS_MAX_BYTES + 1);
    struct wb_claims *d = NULL;
    struct wb_claims c;
    const char *many[WB_CLAIMS_MAX_ITEMS];
    char s[WB__CLAIM_STR_MAX + 1];
    uint8_t *out = NULL;
    size_t len = 0;

    TT_CHECK(big != NULL && wb_claims_decode(big, WB_CLAIMS_MAX_BYTES + 1,
                                             &d) == WB_ERR_TOOBIG);
    TT_CHECK(d == NULL);
    free(big);

    /* 64 purposes of 1024 bytes exceed the 32 KiB cap on encode. */
    memset(s, 'p', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    for (size_t i = 0; i < WB_CLAIMS_MAX_ITEMS; i++) {
        many[i] = s;
    }
    minimal(&c);
    c.purposes = many;
    c.purpose_count = WB_CLAIMS_MAX_ITEMS;
    TT_CHECK(wb_claims_encode(&c, &out, &len) == WB_ERR_TOOBIG);
    TT_CHECK(out == NULL);
}

int
main(void)
{
    if (wb_init() != WB_OK) {
        return 99;
    }
    test_byte_exact();
    test_round_trip();
    test_encode_checks();
    test_decode_fails();
    test_decode_good_variants();
    test_oversize();
    return TT_REPORT();
}
