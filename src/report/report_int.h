/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the report module: the report object, the scan of the log the
 * reports share, and the helpers that build their JSON. */
#ifndef WB_REPORT_INT_H
#define WB_REPORT_INT_H

#include <waybill/consent.h>
#include <waybill/report.h>
#include <waybill/server.h>
#include <waybill/token.h>

#include "core/core_int.h"

struct wb_report {
    enum wb_report_kind kind;
    json_t *root; /* keys in output order */
};

/* What every report body is computed from. */
struct wb__rscan {
    struct wb_site *site;
    struct wb_report_period period;
    uint64_t size;                  /* the log size the report covers */
    bool counts_only;               /* WB_REPORT_COUNTS_ONLY */
    int32_t today;                  /* day the report is made */
    wb_report_progress_fn progress; /* or NULL */
    void *progress_arg;
};

/* Called for each entry of the scan, claims valid during the call only. */
typedef wb_err (*wb__rscan_fn)(void *ctx,
                               const struct wb__rscan *sc,
                               uint64_t index,
                               const struct wb_claims *c);

/* Call fn for every entry below sc->size whose kind is `kind` (NULL: any)
 * and whose iat falls in the period. WB_ERR_BUSY when sc->progress asks
 * to stop. */
wb_err wb__report_walk(const struct wb__rscan *sc,
                       const char *kind,
                       wb__rscan_fn fn,
                       void *ctx);

/* Tell sc->progress that done of sc->size entries are read: WB_ERR_BUSY
 * (with the detail) when it asks to stop. */
wb_err wb__report_progress(const struct wb__rscan *sc, uint64_t done);

/* Whether the day of t (seconds since the epoch) is in the period. */
bool wb__report_in_period(const struct wb_report_period *p, int64_t t);

/* The iat of entry index into *iat. */
wb_err wb__report_entry_time(struct wb_site *s, uint64_t index, int64_t *iat);

/* The payload of entry index parsed as JSON into *doc, or NULL (erased,
 * none, not JSON). WB_ERR_VERIFY when the stored payload is not the one
 * the log commits to (a report on it would not be the log's). */
wb_err wb__report_payload(struct wb_site *s, uint64_t index, json_t **doc);

/* obj[key] += n, the member made when missing. */
void wb__report_add(json_t *obj, const char *key, json_int_t n);

/* A copy of obj with its members sorted by key (obj is stolen). */
json_t *wb__report_sorted(json_t *obj);

/* The bodies: members appended to body, in the documented order. */
wb_err wb__report_transfers(const struct wb__rscan *sc, json_t *body);
wb_err wb__report_records(const struct wb__rscan *sc, json_t *body);
wb_err wb__report_consents(const struct wb__rscan *sc, json_t *body);
wb_err wb__report_maintenance(const struct wb__rscan *sc, json_t *body);

/* The text form of a report's JSON. */
wb_err wb__report_render(const json_t *root, char **out);

#endif
