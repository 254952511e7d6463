/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a decision request (design.md JSON) parsed and decided
 * under a small fixed profile. */
#include <string.h>

#include <waybill/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char vocab[] =
    "{\"purpose\":\"service-optimisation\",\"label\":\"x\"}\n"
    "{\"purpose\":\"predictive-maintenance\",\"parent\":\"service-"
    "optimisation\",\"label\":\"y\"}\n";

static const char profile[] =
    "{\"profile\":\"f\",\"version\":\"1\",\"title\":\"f\",\"applies_to\":"
    "[\"CN\",\"US-CA\"],\"strategy\":\"first-match\",\"default_cite\":"
    "[\"A\"]}\n"
    "{\"set\":\"eu\",\"members\":{\"DE\":{\"from\":\"2020-01-01\"}}}\n"
    "{\"mechanism\":\"scc\",\"needs_reference\":true,\"needs_valid_until\":"
    "true,\"max_validity_days\":1096,\"cite\":[\"B\"]}\n"
    "{\"rule\":\"r1\",\"if\":{\"recipient.country\":\"@eu\",\"mechanism."
    "valid\":true,\"purpose\":\"service-optimisation\"},\"decision\":"
    "\"allow\",\"mechanisms\":[\"scc\"],\"cite\":[\"C\"],\"reason\":\"r\"}\n"
    "{\"rule\":\"r2\",\"if\":{\"data.subjects_ytd\":{\"gte\":100000},"
    "\"data.classes\":{\"any\":[\"personal\"]}},\"decision\":"
    "\"require_mechanism\",\"mechanisms\":[\"scc\"],\"cite\":[\"D\"],"
    "\"reason\":\"r\"}\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wb_policy *p;
    const char *names[] = {"purposes.jsonl", "f.jsonl"};
    const char *texts[] = {vocab, profile};
    size_t lens[] = {sizeof vocab - 1, sizeof profile - 1};
    struct wb_policy_request q;
    struct wb_policy_decision d;

    if (p == NULL && wb_policy_load(names, texts, lens, 2, &p) != WB_OK) {
        return 0;
    }
    if (wb_policy_request_parse(p, (const char *)data, size, &q) == WB_OK) {
        wb_err rc = wb_policy_decide(p, &q, &d);
        (void)rc;
    }
    return 0;
}
