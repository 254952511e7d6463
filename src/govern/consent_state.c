/* SPDX-License-Identifier: Apache-2.0 */
/* Consent states: the state in force on a date, and which states are
 * final (the names are the policy engine's, wb_consent_state_name). */
#include "govern/govern_int.h"

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
