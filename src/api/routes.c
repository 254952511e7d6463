/* SPDX-License-Identifier: Apache-2.0 */
/* The route table: every endpoint, its method and the roles allowed to
 * call it, in one place (docs/api/openapi.yaml documents the same table;
 * tests/cli/api_routes.py checks that they agree). More specific patterns
 * come first: a {x} parameter matches greedily. */
#include "api/api_int.h"

#define OP    WB_ACCESS_OPERATOR
#define COMP  WB_ACCESS_COMPLIANCE
#define MAINT WB_ACCESS_MAINTAINER
#define AUD   WB_ACCESS_AUDITOR
#define ADMIN WB_ACCESS_ADMIN
/* who reads the log: claims, proofs, tokens, checkpoints, tiles */
#define LOG_READERS (OP | COMP | AUD | ADMIN)

const struct wb__route wb__api_routes[] = {
    {"GET", "/healthz", 0, wb__api_healthz},
    {"GET", "/metrics", 0, wb__api_metrics},
    {"POST", "/v1/ingest", OP | ADMIN, wb__api_ingest},
    {"GET", "/v1/records/{index}/leaf", LOG_READERS, wb__api_leaf},
    {"GET", "/v1/records/{index}/payload", LOG_READERS, wb__api_payload},
    {"GET", "/v1/records/{index}/token", LOG_READERS, wb__api_token},
    {"GET", "/v1/records/{index}/proof", LOG_READERS, wb__api_proof},
    {"GET", "/v1/records/{index}", LOG_READERS, wb__api_record},
    {"GET", "/v1/proofs/consistency", LOG_READERS, wb__api_consistency},
    {"POST", "/v1/checkpoints", OP | ADMIN, wb__api_checkpoint_sign},
    {"GET", "/v1/checkpoints/latest", LOG_READERS, wb__api_checkpoint_latest},
    {"POST", "/v1/consents", COMP | ADMIN, wb__api_consent_grant},
    {"GET", "/v1/consents", COMP | ADMIN, wb__api_consent_list},
    {"POST", "/v1/consents/{id}/withdraw", COMP | ADMIN,
     wb__api_consent_withdraw},
    {"POST", "/v1/consents/{id}/renew", COMP | ADMIN, wb__api_consent_renew},
    {"POST", "/v1/consents/{id}/revoke", COMP | ADMIN, wb__api_consent_revoke},
    {"GET", "/v1/consents/{id}/history", COMP | ADMIN, wb__api_consent_history},
    {"GET", "/v1/consents/{id}", COMP | ADMIN, wb__api_consent_show},
    {"POST", "/v1/servers", COMP | ADMIN, wb__api_server_register},
    {"GET", "/v1/servers", COMP | AUD | ADMIN, wb__api_server_list},
    {"POST", "/v1/servers/{id}/suspend", COMP | ADMIN, wb__api_server_suspend},
    {"POST", "/v1/servers/{id}/reinstate", COMP | ADMIN,
     wb__api_server_reinstate},
    {"POST", "/v1/servers/{id}/revoke", COMP | ADMIN, wb__api_server_revoke},
    {"GET", "/v1/servers/{id}", COMP | AUD | ADMIN, wb__api_server_show},
    {"POST", "/v1/policy/check", COMP | ADMIN, wb__api_policy_check},
    {"GET", "/v1/policy/profiles", COMP | AUD | ADMIN, wb__api_policy_profiles},
    {"POST", "/v1/devices", OP | ADMIN, wb__api_device_add},
    {"GET", "/v1/devices", OP | COMP | ADMIN, wb__api_device_list},
    {"GET", "/v1/devices/{id}", OP | COMP | ADMIN, wb__api_device_show},
    {"POST", "/v1/maintenance/sessions", MAINT | ADMIN, wb__api_maint_start},
    {"POST", "/v1/maintenance/sessions/{id}/events", MAINT | ADMIN,
     wb__api_maint_event},
    {"POST", "/v1/maintenance/sessions/{id}/end", MAINT | ADMIN,
     wb__api_maint_end},
    {"GET", "/v1/maintenance/sessions/{id}", MAINT | ADMIN, wb__api_maint_show},
    {"GET", "/v1/reports/{name}", COMP | AUD | ADMIN, wb__api_report},
    {"GET", "/v1/tlog/checkpoint", LOG_READERS, wb__api_tlog_checkpoint},
    {"GET", "/v1/tlog/tile/{tile}", LOG_READERS, wb__api_tlog_tile},
};

const size_t wb__api_route_count =
    sizeof wb__api_routes / sizeof wb__api_routes[0];

bool
wb_api_route(size_t i,
             const char **method,
             const char **pattern,
             unsigned *roles)
{
    if (i >= wb__api_route_count) {
        return false;
    }
    *method = wb__api_routes[i].method;
    *pattern = wb__api_routes[i].pattern;
    *roles = wb__api_routes[i].roles;
    return true;
}
