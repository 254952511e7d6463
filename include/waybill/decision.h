/* SPDX-License-Identifier: Apache-2.0 */
/* Transfer decisions at a site: a policy request resolved against the
 * site's server registry and its per-year subject tallies, decided, and
 * (for a real transfer) logged as a "decision" entry. */
#ifndef WAYBILL_DECISION_H
#define WAYBILL_DECISION_H

#include <waybill/ledger.h>
#include <waybill/policy.h>

struct wb_site_decision {
    struct wb_policy_request request; /* as resolved and counted */
    struct wb_policy_decision decision;
    uint64_t subjects_new;   /* this transfer's subjects not yet counted */
    uint64_t subjects_site;  /* the site's count this year, this included */
    uint64_t sensitive_site; /* same for sensitive personal information */
    bool recorded;           /* logged as entry `entry` */
    uint64_t entry;
};

/** Decide the request json (design.md) at site s under policy p.
 *  Resolves recipient.server in the registry (recipient.registered; its
 *  mechanism when the request gives none; a country that differs from the
 *  registration is WB_ERR_INVAL), then counts: data.subjects_ytd and
 *  sensitive_subjects_ytd become the larger of the request's figure and
 *  the site's tally for the exporter and year including `subjects` (ids of
 *  this transfer's individuals; may be NULL). With `record` the decision
 *  is logged as a "decision" entry and, when it allows, the subjects are
 *  added to the tally in the same transaction; record needs a named,
 *  registered server. Errors: those of wb_policy_request_parse and
 *  wb_policy_decide, WB_ERR_DB/WB_ERR_IO. */
WB_API WB_NODISCARD wb_err wb_site_decide(struct wb_site *s,
                                          const struct wb_policy *p,
                                          const char *json,
                                          size_t len,
                                          const char *const *subjects,
                                          size_t subject_count,
                                          bool record,
                                          struct wb_site_decision *out);

#endif
