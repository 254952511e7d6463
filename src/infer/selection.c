/* SPDX-License-Identifier: Apache-2.0 */
/* Record selections: "5", "3-10", "3,7,9", "1-4,9" -> log indexes, each
 * once. */
#include <stdlib.h>
#include <string.h>

#include "infer/infer_int.h"

/* A decimal index at *p, advancing p: NULL, or what is wrong with it. */
static const char *
number(const char **p, uint64_t *out)
{
    size_t n = strspn(*p, "0123456789");

    if (n == 0) {
        return "want an index";
    }
    if (n > 1 && **p == '0') {
        return "an index has no leading zero";
    }
    if (!wb__parse_u64(*p, n, out)) {
        return "index too large";
    }
    *p += n;
    return NULL;
}

static int
index_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* An index v[0..n) holds twice (a record run twice would be two outputs
 * of one reading): WB_ERR_FORMAT naming it. */
static wb_err
once_each(const char *text, const uint64_t *v, size_t n)
{
    uint64_t *sorted = n > 1 ? wb__malloc(n * sizeof *sorted) : NULL;
    wb_err rc = WB_OK;

    if (n > 1 && sorted == NULL) {
        return WB_ERR_NOMEM;
    }
    if (sorted != NULL) {
        memcpy(sorted, v, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, index_cmp);
    }
    for (size_t i = 1; sorted != NULL && i < n; i++) {
        if (sorted[i] == sorted[i - 1]) {
            rc = wb__err(WB_ERR_FORMAT,
                         "selection \"%.64s\": entry %llu is selected more "
                         "than once",
                         text, (unsigned long long)sorted[i]);
            break;
        }
    }
    wb__free(sorted);
    return rc;
}

wb_err
wb_infer_selection_parse(const char *text, uint64_t **out, size_t *count)
{
    const char *p = text;
    struct wb__buf b;
    wb_err rc = WB_OK;

    *out = NULL;
    *count = 0;
    if (text == NULL || text[0] == '\0') {
        return wb__err(WB_ERR_FORMAT, "selection: empty");
    }
    wb__buf_init(&b, WB_INFER_MAX_INPUTS * sizeof(uint64_t));
    while (rc == WB_OK) {
        uint64_t lo = 0;
        uint64_t hi = 0;
        size_t at = (size_t)(p - text) + 1;
        const char *bad = number(&p, &lo);
        bool range = false;
        if (bad != NULL) {
            rc = wb__err(WB_ERR_FORMAT, "selection \"%.64s\": position %zu: %s",
                         text, at, bad);
            break;
        }
        hi = lo;
        if (*p == '-') {
            size_t high_at = (size_t)(++p - text) + 1;
            range = true;
            bad = number(&p, &hi);
            if (bad != NULL) {
                rc = wb__err(WB_ERR_FORMAT,
                             "selection \"%.64s\": position %zu: %s", text,
                             high_at,
                             strcmp(bad, "want an index") == 0
                                 ? "want the range's HIGH index (LOW-HIGH)"
                                 : bad);
                break;
            }
            if (hi < lo) {
                rc = wb__err(WB_ERR_FORMAT,
                             "selection \"%.64s\": position %zu: range "
                             "%llu-%llu: want HIGH >= LOW",
                             text, at, (unsigned long long)lo,
                             (unsigned long long)hi);
                break;
            }
        }
        if (hi - lo >= WB_INFER_MAX_INPUTS ||
            b.len / sizeof(uint64_t) + (hi - lo) >= WB_INFER_MAX_INPUTS) {
            rc = WB_ERR_TOOBIG;
        }
        for (uint64_t i = lo; rc == WB_OK; i++) {
            rc = wb__buf_append(&b, &i, sizeof i);
            if (i == hi) {
                break;
            }
        }
        if (rc == WB_ERR_TOOBIG) {
            rc = wb__err(rc, "selection \"%.64s\": more than %d records", text,
                         WB_INFER_MAX_INPUTS);
        }
        if (rc != WB_OK || *p == '\0') {
            break;
        }
        if (*p != ',') {
            rc = wb__err(WB_ERR_FORMAT,
                         "selection \"%.64s\": position %zu: want ','%s", text,
                         (size_t)(p - text) + 1, range ? "" : " or '-'");
            break;
        }
        p++;
    }
    if (rc == WB_OK) {
        rc = once_each(text, (const uint64_t *)(void *)b.data,
                       b.len / sizeof(uint64_t));
    }
    if (rc == WB_OK) {
        size_t len = 0;
        *out = (uint64_t *)(void *)wb__buf_take(&b, &len);
        *count = len / sizeof(uint64_t);
    }
    wb__buf_clear(&b);
    return rc;
}
