/* SPDX-License-Identifier: Apache-2.0 */
/* Capped buffers: formatting into the free space, growing past it, an
 * exact fit at the cap, and a refusal past the cap that leaves the buffer
 * as it was. */
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

int
main(void)
{
    test_numbers();
    test_printf_grows();
    test_printf_cap();
    return TT_REPORT();
}
