/* SPDX-License-Identifier: Apache-2.0 */
/* Consent states: their names, the state in force on a date, and which
 * states are final. */
#include <string.h>

#include "govern/govern_int.h"

static const char *const state_names[] = {
    [WB_CONSENT_NONE] = "none",           [WB_CONSENT_REQUESTED] = "requested",
    [WB_CONSENT_GIVEN] = "given",         [WB_CONSENT_REFUSED] = "refused",
    [WB_CONSENT_WITHDRAWN] = "withdrawn", [WB_CONSENT_REVOKED] = "revoked",
    [WB_CONSENT_EXPIRED] = "expired",     [WB_CONSENT_RENEWED] = "renewed",
};

const char *
wb_consent_state_name(enum wb_consent_status st)
{
    if ((unsigned)st >= sizeof state_names / sizeof state_names[0]) {
        return "?";
    }
    return state_names[st];
}

wb_err
wb_consent_state_parse(const char *name, enum wb_consent_status *st)
{
    for (unsigned i = WB_CONSENT_REQUESTED;
         i < sizeof state_names / sizeof state_names[0]; i++) {
        if (name != NULL && strcmp(name, state_names[i]) == 0) {
            *st = (enum wb_consent_status)i;
            return WB_OK;
        }
    }
    return wb__err(WB_ERR_INVAL,
                   "\"%.64s\" is not a consent state (requested, given, "
                   "refused, withdrawn, revoked, expired, renewed)",
                   name ? name : "");
}

enum wb_consent_status
wb_consent_effective_state(const struct wb_consent *c, int32_t date)
{
    if (c == NULL) {
        return WB_CONSENT_NONE;
    }
    if ((c->state == WB_CONSENT_GIVEN || c->state == WB_CONSENT_RENEWED) &&
        c->has_expires && date > c->expires) {
        return WB_CONSENT_EXPIRED;
    }
    return c->state;
}

bool
wb__consent_final(enum wb_consent_status st)
{
    return st == WB_CONSENT_REFUSED || st == WB_CONSENT_WITHDRAWN ||
           st == WB_CONSENT_REVOKED;
}
