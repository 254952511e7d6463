/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a policy profile file (JSON Lines) loaded after a small
 * purpose vocabulary; when it loads, a fixed request is decided under it.
 * The loader must refuse or compile, never crash or leak. */
#include <string.h>

#include <waybill/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char vocab[] =
    "{\"purpose\":\"service-optimisation\",\"label\":\"x\"}\n"
    "{\"purpose\":\"predictive-maintenance\",\"parent\":\"service-"
    "optimisation\",\"label\":\"y\"}\n";

static const char request[] =
    "{\"exporter\":{\"jurisdiction\":\"CN\"},\"recipient\":{\"country\":"
    "\"DE\",\"role\":\"processor\"},\"data\":{\"classes\":[\"personal\"],"
    "\"subjects_ytd\":150000},\"purpose\":\"predictive-maintenance\","
    "\"date\":\"2026-11-22\"}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *names[] = {"purposes.jsonl", "fuzz.jsonl"};
    const char *texts[] = {vocab, (const char *)data};
    size_t lens[] = {sizeof vocab - 1, size};
    struct wb_policy *p = NULL;
    struct wb_policy_request q;
    struct wb_policy_decision d;

    if (size > WB_POLICY_FILE_MAX) {
        return 0;
    }
    if (wb_policy_load(names, texts, lens, 2, &p) == WB_OK &&
        wb_policy_request_parse(p, request, sizeof request - 1, &q) == WB_OK) {
        wb_err rc = wb_policy_decide(p, &q, &d);
        (void)rc;
    }
    wb_policy_free(p);
    return 0;
}
