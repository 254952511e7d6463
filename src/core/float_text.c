/* SPDX-License-Identifier: Apache-2.0 */
/* A float as printf's "%.9g" writes it, byte for byte, without printf:
 * printf's exact multi-precision path cost ~2,300 instructions a value,
 * more than the rest of a governed single-row call's bookkeeping
 * (docs/performance.md). The value is exact as m * 2^e; its nine
 * significant digits are the quotient m * 2^e / 10^k rounded half to even,
 * computed exactly in 128-bit integers. Values whose exact quotient does
 * not fit (below 1e-23 or 10^38 and up) go to snprintf. Most values take
 * a double-arithmetic path first whose rounding is provably the same
 * (digits_fast). test_buf compares the text with printf's over millions
 * of floats. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core_int.h"

typedef unsigned __int128 u128;

#define DIGITS 9

static u128
pow10_u128(int k)
{
    u128 p = 1;

    while (k-- > 0) {
        p *= 10;
    }
    return p;
}

/* The nine-digit integer d (10^8 <= d < 10^9) with |f| ~ d * 10^(x-8),
 * for |f| = m * 2^e; false when the exact quotient does not fit. */
static bool
digits_of(uint32_t m, int e, int x, uint64_t *d)
{
    int k = x - (DIGITS - 1); /* the power of ten of the last digit */
    u128 num, den, q, r;

    if (k >= 0) { /* m * 2^e / 10^k */
        if (e < 0 || e > 103 || k > 38) {
            return false;
        }
        num = (u128)m << e;
        den = pow10_u128(k);
    } else { /* m * 10^-k / 2^-e, or m * 10^-k * 2^e */
        if (-k > 31) {
            return false;
        }
        num = (u128)m * pow10_u128(-k);
        if (e >= 0) {
            if (e > 127 - 104) {
                return false;
            }
            num <<= e;
            den = 1;
        } else {
            if (-e > 126) {
                return false;
            }
            den = (u128)1 << -e;
        }
    }
    /* the unrounded quotient must have nine digits, else x is off by one
     * (the caller's estimate); rounding half to even may still reach 10^9 */
    q = num / den;
    r = num % den;
    if (q < 100000000u || q >= 1000000000u) {
        *d = q < 100000000u ? 0 : UINT64_MAX;
        return true;
    }
    *d = (uint64_t)q + (r > den - r || (r == den - r && (q & 1)));
    return true;
}

/* The common case in double arithmetic: |f| = v (exact in a double),
 * t = v * 10^(8-x) with an exact power of ten, so t is within 2^-53 of
 * the exact quotient, less than 1.2e-7 for t < 10^9. Its rounding to an
 * integer is the exact one unless t lies that near a half. *x may be one
 * too low (the estimate from the binary exponent) and is corrected. False
 * near a half, outside the exact powers, or when t will not settle in
 * 10^8 <= t < 10^9: digits_of decides then. */
static bool
digits_fast(double v, int *x, uint64_t *d)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    for (int tries = 0; tries < 2; tries++) {
        int k = DIGITS - 1 - *x;
        double t, whole, frac;
        if (k > 22 || k < -22) {
            return false;
        }
        t = k >= 0 ? v * p10[k] : v / p10[-k];
        if (t >= 1e9) {
            ++*x;
            continue;
        }
        if (t < 1e8) {
            return false;
        }
        whole = (double)(uint64_t)t; /* floor: t > 0 */
        frac = t - whole;            /* exact: t < 2^30 */
        if (fabs(frac - 0.5) < 1e-6) {
            return false;
        }
        *d = (uint64_t)whole + (frac > 0.5);
        return true;
    }
    return false;
}

/* floor(log10 v) or one less, for a normal float v = 1.m * 2^b: b *
 * log10(2) rounded down (78913 / 2^18 is log10(2) to 6 digits, exact for
 * |b| < 1650). */
static int
decade_estimate(int b)
{
    return b >= 0 ? (b * 78913) >> 18 : -((-b * 78913 + (1 << 18) - 1) >> 18);
}

size_t
wb__float_text(float f, char out[WB__FLOAT_TEXT_MAX])
{
    double v = fabs((double)f);
    uint32_t bits, m;
    int e, x, n = 0, len;
    uint64_t d = 0;
    bool done;
    char dig[DIGITS];

    if (v == 0 || !isfinite(f)) {
        len = snprintf(out, WB__FLOAT_TEXT_MAX, "%.9g", (double)f);
        return len > 0 ? (size_t)len : 0;
    }
    memcpy(&bits, &f, sizeof bits);
    e = (int)(bits >> 23 & 0xff);
    m = bits & 0x7fffff;
    if (e == 0) {
        e = -149; /* subnormal */
    } else {
        m |= 0x800000;
        e -= 150;
    }
    x = bits >> 23 & 0xff ? decade_estimate(e + 23) : 0;
    done = digits_fast(v, &x, &d);
    if (!done) {
        x = (int)floor(log10(v));
    }
    for (int tries = 0; !done && tries < 3; tries++) {
        if (!digits_of(m, e, x, &d)) {
            len = snprintf(out, WB__FLOAT_TEXT_MAX, "%.9g", (double)f);
            return len > 0 ? (size_t)len : 0;
        }
        if (d == 0) {
            x--;
        } else if (d == UINT64_MAX) {
            x++;
        } else {
            done = true;
        }
    }
    if (d == 1000000000u) { /* rounded up to ten digits: 1e(x+1) */
        d = 100000000u;
        x++;
    }
    for (int i = DIGITS - 1; i >= 0; i--) {
        dig[i] = (char)('0' + d % 10);
        d /= 10;
    }
    len = DIGITS; /* without trailing zeros */
    while (len > 1 && dig[len - 1] == '0') {
        len--;
    }
    if (f < 0) {
        out[n++] = '-';
    }
    if (x < -4 || x >= DIGITS) { /* d.ddde+XX */
        out[n++] = dig[0];
        if (len > 1) {
            out[n++] = '.';
            memcpy(out + n, dig + 1, (size_t)len - 1);
            n += len - 1;
        }
        n += snprintf(out + n, WB__FLOAT_TEXT_MAX - (size_t)n, "e%c%02d",
                      x < 0 ? '-' : '+', x < 0 ? -x : x);
    } else if (x >= 0) { /* ddd.ddd */
        int whole = x + 1;
        memcpy(out + n, dig, (size_t)whole);
        n += whole;
        if (len > whole) {
            out[n++] = '.';
            memcpy(out + n, dig + whole, (size_t)(len - whole));
            n += len - whole;
        }
    } else { /* 0.000ddd */
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -x - 1; i++) {
            out[n++] = '0';
        }
        memcpy(out + n, dig, (size_t)len);
        n += len;
    }
    out[n] = '\0';
    return (size_t)n;
}
