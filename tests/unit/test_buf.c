/* SPDX-License-Identifier: Apache-2.0 */
/* Capped buffers: formatting into the free space, growing past it, an
 * exact fit at the cap, and a refusal past the cap that leaves the buffer
 * as it was. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/core_int.h"
#include "tinytest.h"

static void
test_printf_grows(void)
{
    struct wb__buf b;
    char want[4096];
    size_t n = 0;

    wb__buf_init(&b, 1 << 20);
    /* 1,000 pieces across the first allocation (512) and several growths */
    for (int i = 0; i < 1000; i++) {
        TT_CHECK(wb__buf_printf(&b, "%d,", i) == WB_OK);
        n += (size_t)snprintf(want + n, sizeof want - n, "%d,", i);
        if (n >= 3000) {
            break;
        }
    }
    TT_CHECK(b.len == n && memcmp(b.data, want, n) == 0);
    TT_CHECK(wb__buf_cstr(&b) == WB_OK && strlen((char *)b.data) == n);
    wb__buf_clear(&b);
}

static void
test_printf_cap(void)
{
    struct wb__buf b;

    wb__buf_init(&b, 10);
    TT_CHECK(wb__buf_printf(&b, "%s", "abcdef") == WB_OK && b.len == 6);
    TT_CHECK(wb__buf_printf(&b, "%s", "ghij") == WB_OK && b.len == 10);
    TT_CHECK(memcmp(b.data, "abcdefghij", 10) == 0); /* exactly the cap */
    TT_CHECK(wb__buf_printf(&b, "%s", "k") == WB_ERR_TOOBIG);
    TT_CHECK(b.len == 10 && memcmp(b.data, "abcdefghij", 10) == 0);
    wb__buf_clear(&b);

    /* past the cap from an empty buffer, and with room in the allocation
     * but not under the cap */
    wb__buf_init(&b, 4);
    TT_CHECK(wb__buf_printf(&b, "%s", "abcde") == WB_ERR_TOOBIG && b.len == 0);
    TT_CHECK(wb__buf_printf(&b, "%s", "ab") == WB_OK && b.len == 2);
    TT_CHECK(b.cap > 8); /* the allocation is larger than the cap */
    TT_CHECK(wb__buf_printf(&b, "%s", "cde") == WB_ERR_TOOBIG && b.len == 2);
    TT_CHECK(wb__buf_printf(&b, "%s", "cd") == WB_OK && b.len == 4);
    TT_CHECK(memcmp(b.data, "abcd", 4) == 0);
    wb__buf_clear(&b);
}

static void
test_numbers(void)
{
    struct wb__buf b;

    wb__buf_init(&b, 1024);
    TT_CHECK(wb__buf_put_u64(&b, 0) == WB_OK);
    TT_CHECK(wb__buf_puts(&b, ",") == WB_OK);
    TT_CHECK(wb__buf_put_u64(&b, UINT64_MAX) == WB_OK);
    TT_CHECK(wb__buf_puts(&b, ",") == WB_OK);
    TT_CHECK(wb__buf_put_float(&b, 0.5f) == WB_OK);
    TT_CHECK(wb__buf_puts(&b, ",") == WB_OK);
    TT_CHECK(wb__buf_put_float(&b, 0.1f) == WB_OK);
    TT_CHECK(wb__buf_puts(&b, ",") == WB_OK);
    TT_CHECK(wb__buf_put_float(&b, NAN) == WB_OK);
    TT_CHECK(wb__buf_puts(&b, ",") == WB_OK);
    TT_CHECK(wb__buf_put_float(&b, -INFINITY) == WB_OK);
    TT_CHECK(wb__buf_cstr(&b) == WB_OK);
    TT_CHECK_MSG(strcmp((char *)b.data,
                        "0,18446744073709551615,0.5,0.100000001,null,null") ==
                     0,
                 "%s", (char *)b.data);
    wb__buf_clear(&b);
}

/* wb__float_text against snprintf("%.9g") itself. */
static int float_mismatches;

static void
same_as_printf(float f)
{
    char want[64], got[WB__FLOAT_TEXT_MAX];
    size_t n = wb__float_text(f, got);

    snprintf(want, sizeof want, "%.9g", (double)f);
    if (n != strlen(want) || strcmp(got, want) != 0) {
        if (float_mismatches++ < 5) {
            TT_CHECK_MSG(0, "float %a: \"%s\", printf \"%s\"", (double)f, got,
                         want);
        }
    }
}

static float
from_bits(uint32_t u)
{
    float f;

    memcpy(&f, &u, sizeof f);
    return f;
}

static void
test_float_text(void)
{
    uint64_t x = 0x9e3779b97f4a7c15u; /* xorshift64, fixed seed */
    static const float edges[] = {
        0.0f,         -0.0f,      1.0f,        0.5f,        0.1f,
        1e-23f,       1e-24f,     1e-5f,       1e-4f,       9.99999975e-5f,
        123456789.0f, 99999999.f, 999999999.f, 1e9f,        1e38f,
        FLT_MAX,      FLT_MIN,    1.4e-45f,    16777216.0f, 3.0e-39f};

    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        same_as_printf(edges[i]);
        same_as_printf(-edges[i]);
    }
    /* around every power of ten, where the digit count changes */
    for (int k = -45; k <= 38; k++) {
        float p = (float)pow(10.0, k);
        uint32_t u;
        memcpy(&u, &p, sizeof u);
        for (uint32_t d = 0; d < 64; d++) {
            same_as_printf(from_bits(u + d));
            same_as_printf(from_bits(u - d));
        }
    }
    /* every exponent, random mantissas; then random bit patterns */
    for (uint32_t e = 0; e < 255; e++) {
        for (int i = 0; i < 64; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            same_as_printf(from_bits(e << 23 | (uint32_t)(x & 0x7fffff)));
        }
    }
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        float f = from_bits((uint32_t)x);
        if (isfinite(f)) {
            same_as_printf(f);
        }
    }
    TT_CHECK_MSG(float_mismatches == 0, "%d floats differ", float_mismatches);
}

/* A path that is not there is bad input (exit 2); other file errors are
 * I/O (exit 3). */
static void
test_errno_map(void)
{
    TT_CHECK(wb_err_from_errno(ENOENT) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_err_from_errno(ENOTDIR) == WB_ERR_NOTFOUND);
    TT_CHECK(wb_err_from_errno(EACCES) == WB_ERR_IO);
    TT_CHECK(wb_err_from_errno(ENOSPC) == WB_ERR_IO);
    TT_CHECK(wb_err_exit_code(wb_err_from_errno(ENOENT)) == 2);
}

/* UTF-8 checks at every offset of the eight-byte ASCII steps: a bad or
 * good sequence after p ASCII bytes and before q more. */
static void
test_utf8(void)
{
    static const struct {
        const char *seq;
        bool ok;
    } cases[] = {
        {"\xc3\xa9", true},          /* e acute */
        {"\xe2\x82\xac", true},      /* euro sign */
        {"\xf0\x9f\x98\x80", true},  /* an emoji */
        {"\xc3\x28", false},         /* bad continuation */
        {"\xc0\xaf", false},         /* overlong */
        {"\xed\xa0\x80", false},     /* a surrogate */
        {"\xf4\x90\x80\x80", false}, /* past U+10FFFF */
        {"\xff", false},
        {"\x80", false},     /* a lone continuation */
        {"\xe2\x82", false}, /* cut off (at the end when q is 0) */
    };
    uint8_t s[64];

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t m = strlen(cases[k].seq);
        for (size_t p = 0; p <= 17; p++) {
            for (size_t q = 0; q <= 9; q++) {
                memset(s, 'a', p);
                memcpy(s + p, cases[k].seq, m);
                memset(s + p + m, 'b', q);
                TT_CHECK_MSG(wb__utf8_valid(s, p + m + q) == cases[k].ok,
                             "case %zu after %zu, before %zu bytes", k, p, q);
            }
        }
    }
    for (size_t n = 0; n <= 24; n++) {
        memset(s, 'z', n);
        TT_CHECK(wb__utf8_valid(s, n));
    }
    /* scrubbed: good sequences kept, each byte starting none made '?' */
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char t[16];
        snprintf(t, sizeof t, "a%sb", cases[k].seq);
        wb__utf8_scrub(t);
        TT_CHECK(wb__utf8_valid((const uint8_t *)t, strlen(t)));
        /* byte for byte: the length stays */
        TT_CHECK_MSG((memcmp(t + 1, cases[k].seq, strlen(cases[k].seq)) == 0) ==
                             cases[k].ok &&
                         t[0] == 'a' && strlen(t) == strlen(cases[k].seq) + 2 &&
                         t[strlen(t) - 1] == 'b',
                     "case %zu scrubbed to %s", k, t);
    }
    {
        char cut[] = "invalid escape near '\"x\\u12\xc3";
        TT_CHECK(
            strcmp(wb__utf8_scrub(cut), "invalid escape near '\"x\\u12?") == 0);
        TT_CHECK(wb__utf8_scrub(NULL) == NULL);
    }
}

int
main(void)
{
    test_utf8();
    test_errno_map();
    test_numbers();
    test_float_text();
    test_printf_grows();
    test_printf_cap();
    return TT_REPORT();
}
