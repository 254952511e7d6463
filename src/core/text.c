/* SPDX-License-Identifier: Apache-2.0 */
/* Text checks shared by every parser: well-formed UTF-8, and plain text
 * (UTF-8 without control characters); foreign text made printable. */
#include <string.h>

#include "core/core_int.h"

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes), 0 when
 * none starts there. */
static size_t
seq_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t extra;
    uint32_t cp;
    uint32_t min;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        extra = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        extra = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        extra = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n <= extra) {
        return 0;
    }
    for (size_t k = 1; k <= extra; k++) {
        uint8_t cc = s[k];
        if ((cc & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return extra + 1;
}

bool
wb__utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint64_t eight;
        size_t k;

        /* ASCII eight bytes at a time: the claims' codes and ids are
         * ASCII, and this check was a fifth of a leaf's decoding */
        if (n - i >= 8 &&
            (memcpy(&eight, s + i, 8), (eight & 0x8080808080808080u) == 0)) {
            i += 8;
            continue;
        }
        k = seq_len(s + i, n - i);
        if (k == 0) {
            return false;
        }
        i += k;
    }
    return true;
}

char *
wb__utf8_scrub(char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    for (size_t i = 0; i < n;) {
        size_t k = seq_len((const uint8_t *)s + i, n - i);
        if (k == 0) {
            s[i] = '?';
            k = 1;
        }
        i += k;
    }
    return s;
}

bool
wb__text_ok(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;

    if (!wb__utf8_valid(p, n)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        /* C0 and DEL; C1 (U+0080..U+009F) is 0xC2 0x80..0x9F */
        if (p[i] < 0x20 || p[i] == 0x7f ||
            (p[i] == 0xc2 && i + 1 < n && p[i + 1] <= 0x9f)) {
            return false;
        }
    }
    return true;
}

char *
wb__printable(const char *in, size_t max, char *out, size_t cap)
{
    size_t k = 0;

    for (; in != NULL && *in != '\0' && *in != '\n' && k + 1 < cap && k < max;
         in++) {
        unsigned char ch = (unsigned char)*in;
        out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (cap > 0) {
        out[k] = '\0';
    }
    return out;
}

char *
wb__one_line(const char *in, char *out, size_t cap)
{
    size_t n = 0;

    for (const char *p = in ? in : ""; *p != '\0' && n + 3 < cap; p++) {
        if (*p == '\n') {
            out[n++] = ';';
            out[n++] = ' ';
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}

const char *
wb__a(const char *word)
{
    return word != NULL && word[0] != '\0' && strchr("aeiouAEIOU", word[0])
               ? "an"
               : "a";
}
