/* SPDX-License-Identifier: Apache-2.0 */
/* Remote-maintenance sessions (the "maint" register the API writes: a
 * start, events, an end) that overlap the period: who, on which device,
 * from when to when, how many events. */
#include <stdlib.h>

#include "report/report_int.h"

#define MAINT_REGISTER "maint"

struct session {
    uint64_t first; /* entry of the start */
    json_t *item;
};

struct sessions {
    struct session *v;
    size_t count;
    json_int_t open, ended, events;
    json_t *by_device;
};

static const char *
str(json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

/* The item of one session's steps h[0..n), or NULL when it does not
 * overlap the period (or has no step in the covered log). */
static wb_err
session_item(const struct wb__rscan *sc,
             const struct wb_register_doc *h,
             size_t n,
             json_t **out)
{
    json_t *start = NULL, *end = NULL;
    json_int_t events = 0;
    int64_t t0 = 0, t1 = 0;
    size_t last = 0;
    wb_err rc = WB_OK;

    *out = NULL;
    for (size_t k = 0; k < n && h[k].entry < sc->size; k++) {
        json_t *d = json_loads(h[k].doc, 0, NULL);
        const char *ev = str(d, "event");
        last = k;
        if (k == 0) {
            start = d;
            continue;
        }
        events += ev && strcmp(ev, "event") == 0;
        if (ev && strcmp(ev, "end") == 0 && end == NULL) {
            end = d;
            rc = wb__report_entry_time(sc->site, h[k].entry, &t1);
        } else {
            json_decref(d);
        }
    }
    if (rc == WB_OK && start != NULL) {
        rc = wb__report_entry_time(sc->site, h[0].entry, &t0);
    }
    if (rc == WB_OK && start != NULL &&
        (!sc->period.has_to || t0 / 86400 < sc->period.to) &&
        (end == NULL || !sc->period.has_from ||
         t1 / 86400 >= sc->period.from)) {
        *out = json_pack(
            "{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I}",
            "session", h[0].id, "device", str(start, "device"), "technician",
            str(start, "technician"), "by", str(start, "by"), "reason",
            str(start, "reason"), "started", str(start, "recorded"), "ended",
            end ? str(end, "recorded") : NULL, "end_reason",
            end ? str(end, "reason") : NULL, "events", events, "first_entry",
            (json_int_t)h[0].entry, "last_entry", (json_int_t)h[last].entry);
        rc = *out != NULL ? WB_OK : WB_ERR_NOMEM;
    }
    json_decref(start);
    json_decref(end);
    return rc;
}

static wb_err
add(struct sessions *s, uint64_t first, json_t *item)
{
    struct session *grown = wb__realloc(s->v, (s->count + 1) * sizeof *grown);
    const char *dev = str(item, "device");

    if (grown == NULL) {
        json_decref(item);
        return WB_ERR_NOMEM;
    }
    s->v = grown;
    s->v[s->count].first = first;
    s->v[s->count++].item = item;
    if (json_is_null(json_object_get(item, "ended"))) {
        s->open++;
    } else {
        s->ended++;
    }
    s->events += json_integer_value(json_object_get(item, "events"));
    wb__report_add(s->by_device, dev ? dev : "none", 1);
    return WB_OK;
}

static int
by_start(const void *a, const void *b)
{
    const struct session *x = a, *y = b;

    return (x->first > y->first) - (x->first < y->first);
}

wb_err
wb__report_maintenance(const struct wb__rscan *sc, json_t *body)
{
    struct wb_register_doc *ids = NULL;
    size_t n = 0;
    struct sessions s;
    json_t *list = json_array();
    wb_err rc;

    memset(&s, 0, sizeof s);
    s.by_device = json_object();
    rc = list && s.by_device
             ? wb_site_register_list(sc->site, MAINT_REGISTER, NULL, &ids, &n)
             : WB_ERR_NOMEM;
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        struct wb_register_doc *h = NULL;
        size_t hn = 0;
        json_t *item = NULL;
        rc =
            wb_site_register_list(sc->site, MAINT_REGISTER, ids[i].id, &h, &hn);
        if (rc == WB_OK) {
            rc = session_item(sc, h, hn, &item);
        }
        if (rc == WB_OK && item != NULL) {
            rc = add(&s, h[0].entry, item);
        }
        wb_register_docs_free(h, hn);
    }
    wb_register_docs_free(ids, n);
    if (rc == WB_OK) {
        if (s.count > 1) {
            qsort(s.v, s.count, sizeof *s.v, by_start);
        }
        for (size_t i = 0; i < s.count; i++) {
            json_array_append(list, s.v[i].item);
        }
        json_object_set_new(body, "sessions",
                            json_integer((json_int_t)s.count));
        json_object_set_new(body, "open", json_integer(s.open));
        json_object_set_new(body, "ended", json_integer(s.ended));
        json_object_set_new(body, "events", json_integer(s.events));
        json_object_set_new(body, "by_device",
                            wb__report_sorted(json_incref(s.by_device)));
        if (!sc->counts_only) {
            json_object_set(body, "session_list", list);
        }
    }
    for (size_t i = 0; i < s.count; i++) {
        json_decref(s.v[i].item);
    }
    wb__free(s.v);
    json_decref(s.by_device);
    json_decref(list);
    return rc;
}
