/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal test runner: checks count, report prints "N passed, N failed". */
#ifndef WB_TINYTEST_H
#define WB_TINYTEST_H

#include <stdio.h>
#include <string.h>

static int tt_pass, tt_fail;

#define TT_CHECK(cond)                                                         \
    do {                                                                       \
        if (cond) {                                                            \
            tt_pass++;                                                         \
        } else {                                                               \
            tt_fail++;                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define TT_CHECK_MSG(cond, ...)                                                \
    do {                                                                       \
        if (cond) {                                                            \
            tt_pass++;                                                         \
        } else {                                                               \
            tt_fail++;                                                         \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,   \
                    #cond);                                                    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
        }                                                                      \
    } while (0)

#define TT_EQ_MEM(a, b, n) TT_CHECK(memcmp((a), (b), (n)) == 0)

/* Flip the low bit of file's byte at off (a tamper case); a file that
 * cannot be opened is a failed check. */
static inline void
tt_flip(const char *file, long off)
{
    FILE *f = fopen(file, "r+b");
    int c;

    if (f == NULL) {
        tt_fail++;
        return;
    }
    fseek(f, off, SEEK_SET);
    c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
}

#define TT_REPORT()                                                            \
    (printf("%d passed, %d failed\n", tt_pass, tt_fail), tt_fail ? 1 : 0)

#endif
