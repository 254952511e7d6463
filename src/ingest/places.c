/* SPDX-License-Identifier: Apache-2.0 */
/* What an ingest gives all its records, checked once before anything is
 * read: the places (jurisdiction and residency) against the ISO 3166
 * tables, the class, and the purposes against the vocabulary when one is
 * given (a misspelt purpose would make every record unusable for the
 * purpose meant). */
#include <string.h>

#include <waybill/policy.h>
#include <waybill/token.h>

#include "ingest/ingest_int.h"

/* code is an assigned ISO 3166-1 alpha-2 or ISO 3166-2 code. */
static wb_err
code_ok(const char *field, const char *code, const char *more)
{
    wb_err rc = wb_region_check(code);

    if (rc == WB_ERR_INVAL) {
        rc = wb__err(WB_ERR_INVAL,
                     "%s: \"%.64s\" is not an ISO 3166-1 alpha-2 or ISO "
                     "3166-2 code%s",
                     field, code, more);
    }
    return rc;
}

wb_err
wb_ingest_places_check(const struct wb_ingest_opts *o)
{
    wb_err rc = WB_OK;

    if (o->jurisdiction != NULL) {
        rc = code_ok("jurisdiction", o->jurisdiction, "");
    }
    if (rc == WB_OK && o->residency_local_only &&
        (o->jurisdiction == NULL || o->residency_count > 0)) {
        rc = wb__err(WB_ERR_INVAL,
                     o->jurisdiction == NULL
                         ? "residency local-only needs a jurisdiction (where "
                           "the records are held)"
                         : "residency: local-only stands alone");
    }
    for (size_t i = 0; rc == WB_OK && i < o->residency_count; i++) {
        const char *r = o->residency[i] != NULL ? o->residency[i] : "";
        rc = code_ok("residency", r, " (local-only stands alone)");
        for (size_t k = 0; rc == WB_OK && k < i; k++) {
            if (strcmp(r, o->residency[k]) == 0) {
                rc = wb__err(WB_ERR_INVAL, "residency: \"%s\" listed twice", r);
            }
        }
    }
    if (rc == WB_OK && o->data_class != NULL &&
        !wb_claims_class_ok(o->data_class)) {
        rc = wb__err(WB_ERR_INVAL,
                     "class: \"%.64s\" is not non-personal, personal, "
                     "sensitive-personal or important",
                     o->data_class);
    }
    for (size_t i = 0; rc == WB_OK && o->policy != NULL && i < o->purpose_count;
         i++) {
        const char *p = o->purposes[i] != NULL ? o->purposes[i] : "";
        if (wb_policy_purpose_find(o->policy, p) < 0) {
            rc = wb__err(WB_ERR_INVAL,
                         "purpose: \"%.64s\" is not in the purpose "
                         "vocabulary",
                         p);
        }
    }
    return rc;
}
