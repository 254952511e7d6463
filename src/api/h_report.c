/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/reports/{name}?from=&to=: a compliance report as JSON
 * (docs/report.md). The auditor role gets counts only. Behind the HTTP
 * server the request is checked here and the report made by the report
 * worker (report_worker.c) on a handle of its own; the transport-free
 * handler makes it in the call. */
#include <waybill/report.h>

#include "api/api_int.h"

/* Optional date parameter key into p: false after replying 400. */
static bool
date_param(struct wb__ctx *c, const char *key, bool *has, int32_t *day)
{
    const char *v = wb__api_param(c, key);

    if (v == NULL) {
        return true;
    }
    if (wb_date_parse(v, day) != WB_OK) {
        wb__api_error(c, 400, key, "%s: \"%.64s\" is not a date (YYYY-MM-DD)",
                      key, v);
        return false;
    }
    *has = true;
    return true;
}

void
wb__api_report_answer(struct wb_site *s,
                      const struct wb__rjob *j,
                      wb_report_progress_fn progress,
                      void *arg,
                      struct wb_api_response *rs)
{
    struct wb__ctx c;
    struct wb_report *r = NULL;
    char *json = NULL;
    wb_err rc;

    memset(&c, 0, sizeof c);
    c.rs = rs;
    rc = wb_report_make_stoppable(s, j->kind, &j->period, j->flags, progress,
                                  arg, &r);
    if (rc == WB_OK) {
        rc = wb_report_json(r, true, &json);
    }
    if (rc != WB_OK) {
        wb__api_fail(&c, rc, NULL, "report");
    } else {
        wb__api_bytes(&c, 200, "application/json", json, strlen(json));
    }
    wb_free(json);
    wb_report_free(r);
}

void
wb__api_report_busy(struct wb_api_response *rs,
                    const char *why,
                    unsigned retry_s)
{
    struct wb__ctx c;

    memset(&c, 0, sizeof c);
    c.rs = rs;
    wb__api_error(&c, 503, NULL, "%s", why);
    if (retry_s > 0) {
        rs->header[0] = "Retry-After";
        snprintf(rs->header_value[0], sizeof rs->header_value[0], "%u",
                 retry_s);
    }
}

void
wb__api_report(struct wb__ctx *c)
{
    static const char *const params[] = {"from", "to", NULL};
    struct wb__rjob j;
    struct wb_report_period p = {false, 0, false, 0};
    unsigned flags =
        wb__api_has_role(c, WB_ACCESS_COMPLIANCE) ? 0 : WB_REPORT_COUNTS_ONLY;
    enum wb_report_kind kind;
    wb_err rc;

    if (!wb__api_params_only(c, params) ||
        !date_param(c, "from", &p.has_from, &p.from) ||
        !date_param(c, "to", &p.has_to, &p.to)) {
        return;
    }
    if (p.has_from && p.has_to && p.from >= p.to) {
        wb__api_error(c, 400, "to", "to: must be a later date than from");
        return;
    }
    rc = wb_report_parse(c->arg, &kind);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "report");
        return;
    }
    if (c->job != NULL) {
        /* checked: the transport hands it to the report worker */
        c->job->kind = kind;
        c->job->period = p;
        c->job->flags = flags;
        c->job->pending = true;
        return;
    }
    memset(&j, 0, sizeof j);
    j.client_fd = -1;
    j.kind = kind;
    j.period = p;
    j.flags = flags;
    wb__api_report_answer(c->site, &j, NULL, NULL, c->rs);
}
