/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: status and role names, and the effective
 * status of a registration on a date. */
#include <waybill/server.h>

#include "govern/govern_int.h"

static const char *const status_names[] = {"active", "suspended", "revoked",
                                           "expired", "not-yet-valid"};

enum wb_server_status
wb_server_effective(const struct wb_server *s, int32_t date)
{
    if (s->status == WB_SERVER_REVOKED || s->status == WB_SERVER_SUSPENDED) {
        return s->status;
    }
    if (s->status != WB_SERVER_ACTIVE) {
        return WB_SERVER_REVOKED; /* not a recorded status: fail closed */
    }
    if (s->mechanism.has_valid_from && date < s->mechanism.valid_from) {
        return WB_SERVER_NOT_YET_VALID;
    }
    if (date > s->mechanism.valid_until) {
        return WB_SERVER_EXPIRED;
    }
    return WB_SERVER_ACTIVE;
}

bool
wb_server_registered(const struct wb_server *s, int32_t date)
{
    return wb_server_effective(s, date) == WB_SERVER_ACTIVE;
}

const char *
wb_server_status_name(enum wb_server_status st)
{
    return (unsigned)st <= WB_SERVER_NOT_YET_VALID ? status_names[st] : "?";
}

const char *
wb_server_role_name(enum wb_role role)
{
    return role >= WB_ROLE_PROCESSOR && role <= WB_ROLE_THIRD_PARTY
               ? wb_role_name(role)
               : "?";
}
