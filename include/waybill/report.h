/* SPDX-License-Identifier: Apache-2.0 */
/* Compliance reports computed from a site's log for a period of days:
 * cross-border transfers, the register of processing, consents, and
 * remote-maintenance sessions. Each report states the log it covers (tree
 * size, root hash, latest checkpoint size) so an auditor can tie it to the
 * log. Schemas: docs/report.md. One site handle, one thread at a time. */
#ifndef WAYBILL_REPORT_H
#define WAYBILL_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/core.h>
#include <waybill/ledger.h>

enum wb_report_kind {
    WB_REPORT_TRANSFERS = 0,
    WB_REPORT_RECORDS = 1,
    WB_REPORT_CONSENTS = 2,
    WB_REPORT_MAINTENANCE = 3,
};

/* Leave out every list of single events and every free text (reasons,
 * technicians, key ids): only counts, for the auditor role. */
#define WB_REPORT_COUNTS_ONLY 1u

/* The period [from, to) in days since 1970-01-01 (UTC); an entry falls in
 * it by the day of its iat claim. A bound not given is open. */
struct wb_report_period {
    bool has_from;
    int32_t from; /* first day included */
    bool has_to;
    int32_t to; /* first day excluded */
};

struct wb_report;

/** "transfers", "records", "consents", "maintenance"; "?" otherwise.
 *  Static. */
WB_API const char *wb_report_name(enum wb_report_kind k);

/** The report named `name` into *k. WB_ERR_NOTFOUND (detail lists the
 *  names) for any other name. */
WB_API WB_NODISCARD wb_err wb_report_parse(const char *name,
                                           enum wb_report_kind *k);

/** Compute report k over the log of s as it stands (caught up first with
 *  wb_site_refresh; call it outside a batch) for period p (NULL = the
 *  whole log), flags WB_REPORT_*, into a new *out (wb_report_free).
 *  WB_ERR_INVAL when from is not before to; WB_ERR_DB, WB_ERR_VERIFY,
 *  WB_ERR_FORMAT (an entry or register document that does not decode,
 *  named in the detail), WB_ERR_NOMEM. */
WB_API WB_NODISCARD wb_err wb_report_make(struct wb_site *s,
                                          enum wb_report_kind k,
                                          const struct wb_report_period *p,
                                          unsigned flags,
                                          struct wb_report **out);

/* Told how far a report's scan of the log has come: once with done 0
 * when the log size the report covers (total) is fixed, then before each
 * entry read. Return false to stop the report. Called on the thread that
 * makes the report. */
typedef bool (*wb_report_progress_fn)(void *arg, uint64_t done, uint64_t total);

/** As wb_report_make, calling progress(arg, ...) as the report goes (NULL:
 *  never). When progress returns false the report stops: WB_ERR_BUSY
 *  (detail "stopped after N of M entries"), *out NULL, nothing leaked. */
WB_API WB_NODISCARD wb_err
wb_report_make_stoppable(struct wb_site *s,
                         enum wb_report_kind k,
                         const struct wb_report_period *p,
                         unsigned flags,
                         wb_report_progress_fn progress,
                         void *arg,
                         struct wb_report **out);

/** The report as JSON (keys in the documented order; indented unless
 *  compact) into *out (wb_free). WB_ERR_NOMEM. */
WB_API WB_NODISCARD wb_err wb_report_json(const struct wb_report *r,
                                          bool compact,
                                          char **out);

/** The report as text for people (the JSON's fields, one a line,
 *  indented by nesting) into *out (wb_free). WB_ERR_NOMEM. */
WB_API WB_NODISCARD wb_err wb_report_text(const struct wb_report *r,
                                          char **out);

/** Free r. NULL-safe. */
WB_API void wb_report_free(struct wb_report *r);

#endif
