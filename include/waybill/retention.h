/* SPDX-License-Identifier: Apache-2.0 */
/* Retention: rules per kind and data class that erase expired payloads
 * through the erasure path (the salted commitments keep the log and every
 * proof verifiable) and hold back what a legal minimum still keeps. */
#ifndef WAYBILL_RETENTION_H
#define WAYBILL_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/ledger.h>

#define WB_RETENTION_MAX_RULES 64

/* A rule applies to entries of `kind` (NULL = any) and `data_class`
 * (NULL = any). erase_after_days >= 0: a payload older than that is
 * expired. minimum_days >= 0: a legal minimum; no rule erases a payload
 * younger than that. -1 = not set. Age counts from the entry's iat. */
struct wb_retention_rule {
    const char *kind;
    const char *data_class;
    int32_t erase_after_days;
    int32_t minimum_days;
    const char *citation; /* what requires it, e.g. an article; optional */
};

struct wb_retention_report {
    uint64_t scanned;       /* entries still holding a payload */
    uint64_t expired;       /* of which past an erase_after_days rule */
    uint64_t held;          /* expired, but a legal minimum still holds */
    uint64_t erased;        /* erased in this run */
    uint64_t first_erasure; /* log index of the first erasure entry */
};

/** Check rules (at least one field set per rule, days >= -1, a minimum
 *  and an erasure rule of the same scope that contradict each other are
 *  fine: the minimum wins). WB_ERR_INVAL naming rules[i] and the field. */
WB_API WB_NODISCARD wb_err
wb_retention_check(const struct wb_retention_rule *rules, size_t count);

/** Apply rules at time `now` (seconds since 1970): erase every expired
 *  payload no minimum holds (one transaction, one erasure entry each,
 *  reason naming the rule), unless dry_run. r gets the counts. No batch
 *  may be open on s. Errors as wb_retention_check, wb_site_erase_many. */
WB_API WB_NODISCARD wb_err
wb_retention_run(struct wb_site *s,
                 const struct wb_retention_rule *rules,
                 size_t count,
                 int64_t now,
                 bool dry_run,
                 struct wb_retention_report *r);

#endif
