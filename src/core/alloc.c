/* SPDX-License-Identifier: Apache-2.0 */
/* The one place the library calls malloc and free, so tests can make the
 * k-th allocation fail and check that every path handles it. */
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"

static _Thread_local unsigned long alloc_count;
static _Thread_local unsigned long fail_at;

unsigned long
wb__test_fail_alloc_at(unsigned long k)
{
    unsigned long n = alloc_count;

    alloc_count = 0;
    fail_at = k;
    return n;
}

/* Counts allocations; true when this one is to fail. */
static bool
should_fail(void)
{
    alloc_count++;
    return fail_at != 0 && alloc_count == fail_at;
}

/* Every failed allocation leaves the same detail, so no stale message of
 * an earlier error is reported with WB_ERR_NOMEM. */
static void *
checked(void *p)
{
    if (p == NULL) {
        (void)wb__err(WB_ERR_NOMEM, "out of memory");
    }
    return p;
}

void *
wb__malloc(size_t n)
{
    return checked(should_fail() ? NULL : malloc(n == 0 ? 1 : n));
}

void *
wb__calloc(size_t count, size_t n)
{
    return checked(
        should_fail() ? NULL : calloc(count == 0 ? 1 : count, n == 0 ? 1 : n));
}

void *
wb__realloc(void *p, size_t n)
{
    return checked(should_fail() ? NULL : realloc(p, n == 0 ? 1 : n));
}

void
wb__free(void *p)
{
    free(p);
}

void
wb_free(void *p)
{
    free(p);
}

char *
wb__strndup(const char *s, size_t n)
{
    char *d = wb__malloc(n + 1);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *
wb__strdup(const char *s)
{
    return wb__strndup(s, strlen(s));
}
