/* SPDX-License-Identifier: Apache-2.0 */
/* The names of roles and consent states, as requests, profiles, consent
 * records and server registrations spell them. */
#include <string.h>

#include "policy/policy_int.h"

const char *
wb_role_name(enum wb_role role)
{
    return (unsigned)role <= WB_ROLE_THIRD_PARTY ? wb__role_names[role] : "?";
}

const char *
wb_consent_state_name(enum wb_consent_status st)
{
    return (unsigned)st <= WB_CONSENT_RENEWED ? wb__consent_names[st] : "?";
}

wb_err
wb_consent_state_parse(const char *name, enum wb_consent_status *st)
{
    int i = name != NULL ? wb__name_index(wb__consent_names, name) : -1;

    if (i <= (int)WB_CONSENT_NONE) {
        return wb__err(WB_ERR_INVAL,
                       "\"%.64s\" is not a consent state (requested, given, "
                       "refused, withdrawn, revoked, expired, renewed)",
                       name ? name : "");
    }
    *st = (enum wb_consent_status)i;
    return WB_OK;
}
