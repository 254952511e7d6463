/* SPDX-License-Identifier: Apache-2.0 */
/* The scan of the log the reports share: entries of one kind in the
 * period, their payloads as JSON, and counting into JSON objects. */
#include <stdlib.h>

#include "report/report_int.h"

bool
wb__report_in_period(const struct wb_report_period *p, int64_t t)
{
    int64_t day = t >= 0 ? t / 86400 : -1;

    return (!p->has_from || day >= p->from) && (!p->has_to || day < p->to);
}

/* Entry index's leaf decoded into *c (wb_claims_free). */
static wb_err
claims_of(struct wb_site *s, uint64_t index, struct wb_claims **c)
{
    uint8_t *leaf = NULL;
    size_t len = 0;
    wb_err rc = wb_site_leaf(s, index, &leaf, &len);

    *c = NULL;
    if (rc == WB_OK) {
        rc = wb_claims_decode(leaf, len, c);
        if (rc != WB_OK) {
            wb__err_prefix("entry %llu", (unsigned long long)index);
        }
    }
    wb_free(leaf);
    return rc;
}

wb_err
wb__report_entry_time(struct wb_site *s, uint64_t index, int64_t *iat)
{
    struct wb_claims *c = NULL;
    wb_err rc = claims_of(s, index, &c);

    *iat = rc == WB_OK ? c->iat : 0;
    wb_claims_free(c);
    return rc;
}

wb_err
wb__report_progress(const struct wb__rscan *sc, uint64_t done)
{
    if (sc->progress == NULL ||
        sc->progress(sc->progress_arg, done, sc->size)) {
        return WB_OK;
    }
    return wb__err(WB_ERR_BUSY, "stopped after %llu of %llu entries",
                   (unsigned long long)done, (unsigned long long)sc->size);
}

wb_err
wb__report_walk(const struct wb__rscan *sc,
                const char *kind,
                wb__rscan_fn fn,
                void *ctx)
{
    wb_err rc = WB_OK;

    for (uint64_t i = 0; rc == WB_OK && i < sc->size; i++) {
        struct wb_claims *c = NULL;
        rc = wb__report_progress(sc, i);
        if (rc == WB_OK) {
            rc = claims_of(sc->site, i, &c);
        }
        if (rc == WB_OK && (kind == NULL || strcmp(c->kind, kind) == 0) &&
            wb__report_in_period(&sc->period, c->iat)) {
            rc = fn(ctx, sc, i, c);
        }
        wb_claims_free(c);
    }
    return rc;
}

wb_err
wb__report_payload(struct wb_site *s, uint64_t index, json_t **doc)
{
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0;
    wb_err rc = wb_site_payload(s, index, &p, &n, &erased);

    *doc =
        rc == WB_OK && !erased ? json_loadb((const char *)p, n, 0, NULL) : NULL;
    wb_free(p);
    return rc;
}

void
wb__report_add(json_t *obj, const char *key, json_int_t n)
{
    json_t *v = json_object_get(obj, key);

    if (v != NULL) {
        json_integer_set(v, json_integer_value(v) + n);
    } else {
        json_object_set_new(obj, key, json_integer(n));
    }
}

static int
by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
wb__report_sorted(json_t *obj)
{
    size_t n = json_object_size(obj);
    const char **keys = wb__calloc(n ? n : 1, sizeof *keys);
    json_t *out = keys != NULL ? json_object() : NULL;
    const char *k;
    json_t *v;
    size_t i = 0;

    if (out != NULL) {
        json_object_foreach(obj, k, v)
        {
            keys[i++] = k;
        }
        qsort(keys, n, sizeof *keys, by_key);
        for (i = 0; i < n; i++) {
            json_object_set(out, keys[i], json_object_get(obj, keys[i]));
        }
    }
    wb__free(keys);
    json_decref(obj);
    return out;
}
