/* SPDX-License-Identifier: Apache-2.0 */
/* A decision as the JSON of design.md, fields in the contract's order. */
#include "policy/policy_int.h"

static json_t *
strings(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, json_string(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

wb_err
wb_policy_decision_json(const struct wb_policy_decision *d,
                        bool compact,
                        char **out)
{
    json_t *o;
    wb_err rc;

    *out = NULL;
    o = json_pack("{s:s, s:o*, s:o*, s:o*, s:s?, s:o*}", "decision",
                  wb_decision_name(d->decision), "mechanisms",
                  strings(d->mechanisms, d->mechanism_count), "obligations",
                  strings(d->obligations, d->obligation_count), "citations",
                  strings(d->citations, d->citation_count), "profile",
                  d->profile, "reasons", strings(d->reasons, d->reason_count));
    if (o == NULL) {
        return WB_ERR_NOMEM;
    }
    rc = wb__json_dump(
        o, JSON_PRESERVE_ORDER | (compact ? JSON_COMPACT : JSON_INDENT(2)),
        out);
    json_decref(o);
    return rc;
}
