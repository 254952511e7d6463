/* SPDX-License-Identifier: Apache-2.0 */
/* Reports off the HTTP thread: the handler with a job slot checks a report
 * request (key, role, parameters, name) and describes it instead of making
 * it, uncounted until answered; the report worker makes it on a handle of
 * its own, the answer equal to wb_report_make's, its finished call made on
 * the worker's thread with the gauge back at 0; a stopped worker refuses
 * with 503 and no Retry-After; a worker on a directory with no site
 * answers the open's error. Under the valgrind preset this runs the
 * worker's thread under valgrind. */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "api/api_int.h"
#include "tinytest.h"

static char dir[64];

/* A job's finished call, waited for. */
struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool called;
    pthread_t caller;
};

static void
finished(void *arg)
{
    struct waiter *w = arg;

    pthread_mutex_lock(&w->mu);
    w->called = true;
    w->caller = pthread_self();
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void
wait_finished(struct waiter *w)
{
    pthread_mutex_lock(&w->mu);
    while (!w->called) {
        pthread_cond_wait(&w->cv, &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
}

static void
job_init(struct wb__rjob *j, struct waiter *w, enum wb_report_kind k)
{
    memset(j, 0, sizeof *j);
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    j->kind = k;
    j->finished = finished;
    j->arg = w;
    j->client_fd = -1;
}

static void
job_clear(struct wb__rjob *j, struct waiter *w)
{
    wb_api_response_clear(&j->rs);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

static void
append(struct wb_site *s, const char *cls)
{
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.data_class = cls;
    e.payload = (const uint8_t *)"{}";
    e.payload_len = 2;
    TT_CHECK(wb_site_append(s, &e, NULL) == WB_OK);
}

/* JSON text without its "made" member (the second it was made in). */
static json_t *
without_made(const void *text, size_t n)
{
    json_t *j = json_loadb(text, n, 0, NULL);

    if (j != NULL) {
        json_object_del(j, "made");
    }
    return j;
}

static void
get(struct wb_api *a,
    const char *path,
    const char *key,
    struct wb_api_response *rs,
    struct wb__rjob *job)
{
    struct wb_api_request rq;
    char auth[WB_APIKEY_TEXT_MAX + 16];

    memset(&rq, 0, sizeof rq);
    rq.method = "GET";
    rq.path = path;
    snprintf(auth, sizeof auth, "Bearer %s", key);
    rq.authorization = auth;
    wb__api_handle_job(a, &rq, rs, job);
}

/* The handler with a job slot: checked, described, not counted. */
static void
test_handler(struct wb_api *a, const char *comp, const char *op)
{
    struct wb_api_response rs;
    struct wb__rjob job;
    uint64_t before = atomic_load(&a->metrics->http_requests);

    memset(&job, 0, sizeof job);
    get(a, "/v1/reports/records", comp, &rs, &job);
    TT_CHECK(job.pending && rs.status == 0 && rs.body == NULL);
    TT_CHECK(job.kind == WB_REPORT_RECORDS && job.flags == 0);
    TT_CHECK(!job.period.has_from && !job.period.has_to);
    TT_CHECK(atomic_load(&a->metrics->http_requests) == before);
    wb_api_response_clear(&rs);

    /* refused at once, never described: an unknown name, a role */
    memset(&job, 0, sizeof job);
    get(a, "/v1/reports/flows", comp, &rs, &job);
    TT_CHECK(!job.pending && rs.status == 404);
    wb_api_response_clear(&rs);
    get(a, "/v1/reports/records", op, &rs, &job);
    TT_CHECK(!job.pending && rs.status == 403);
    wb_api_response_clear(&rs);
    TT_CHECK(atomic_load(&a->metrics->http_requests) == before + 2);

    /* without a slot the report is made in the call */
    get(a, "/v1/reports/records", comp, &rs, NULL);
    TT_CHECK(rs.status == 200 && rs.body != NULL &&
             strstr((const char *)rs.body, "\"report\":\"records\"") != NULL);
    wb_api_response_clear(&rs);
}

static void
test_worker(struct wb_site *s)
{
    struct wb_metrics m;
    struct wb__rworker *w = NULL;
    struct wb__rjob j;
    struct waiter wt;
    struct wb_report *r = NULL;
    char *text = NULL;
    json_t *got;
    json_t *want;

    wb_metrics_init(&m);
    TT_CHECK(wb__rworker_start(dir, &m, &w) == WB_OK);
    if (w == NULL) {
        return;
    }
    job_init(&j, &wt, WB_REPORT_RECORDS);
    TT_CHECK(wb__rworker_submit(w, &j));
    wait_finished(&wt);
    TT_CHECK(wb__rworker_done(w, &j) && j.done);
    TT_CHECK(!pthread_equal(wt.caller, pthread_self()));
    TT_CHECK(atomic_load(&m.reports_running) == 0);
    TT_CHECK(j.rs.status == 200 && j.rs.header[0] == NULL);
    TT_CHECK(wb_report_make(s, WB_REPORT_RECORDS, NULL, 0, &r) == WB_OK);
    TT_CHECK(wb_report_json(r, true, &text) == WB_OK);
    got = without_made(j.rs.body, j.rs.body_len);
    want = text ? without_made(text, strlen(text)) : NULL;
    TT_CHECK(got != NULL && want != NULL && json_equal(got, want));
    json_decref(got);
    json_decref(want);
    wb_free(text);
    wb_report_free(r);
    job_clear(&j, &wt);

    /* the next one is taken again: one at a time, not one in all */
    job_init(&j, &wt, WB_REPORT_CONSENTS);
    j.flags = WB_REPORT_COUNTS_ONLY;
    TT_CHECK(wb__rworker_submit(w, &j));
    wait_finished(&wt);
    TT_CHECK(j.rs.status == 200 && j.rs.body != NULL &&
             strstr((const char *)j.rs.body, "\"detail\":\"counts\"") != NULL);
    job_clear(&j, &wt);

    /* stopped: refused with 503, nothing called, no Retry-After */
    wb__rworker_stop(w);
    wb__rworker_stop(w);
    job_init(&j, &wt, WB_REPORT_RECORDS);
    TT_CHECK(!wb__rworker_submit(w, &j));
    TT_CHECK(j.done && !wt.called && j.rs.status == 503);
    TT_CHECK(j.rs.header[0] == NULL);
    TT_CHECK(j.rs.body != NULL &&
             strstr((const char *)j.rs.body, "stopping") != NULL);
    job_clear(&j, &wt);
    wb__rworker_free(w);
    wb__rworker_free(NULL);

    /* no site there: the open's error is the answer */
    w = NULL;
    TT_CHECK(wb__rworker_start("/nonexistent/waybill-site", &m, &w) == WB_OK);
    if (w != NULL) {
        job_init(&j, &wt, WB_REPORT_RECORDS);
        TT_CHECK(wb__rworker_submit(w, &j));
        wait_finished(&wt);
        TT_CHECK(j.rs.status == 404 && j.rs.body != NULL &&
                 strstr((const char *)j.rs.body, "holds no site") != NULL);
        job_clear(&j, &wt);
        wb__rworker_free(w);
    }
}

/* The requester's socket is watched while the report runs: once its peer
 * has hung up the report stops (503, "stopped after"); bytes waiting on it
 * (a pipelined request) neither stop the report nor get taken. */
static void
test_hangup(struct wb_site *s)
{
    struct wb_metrics m;
    struct wb__rworker *w = NULL;
    struct wb__rjob j;
    struct waiter wt;
    int sv[2];
    char b = 0;

    TT_CHECK(wb_site_begin(s) == WB_OK);
    for (int i = 0; i < 9000; i++) {
        append(s, "non-personal");
    }
    TT_CHECK(wb_site_commit(s) == WB_OK);
    wb_metrics_init(&m);
    TT_CHECK(wb__rworker_start(dir, &m, &w) == WB_OK);
    if (w == NULL || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        wb__rworker_free(w);
        TT_CHECK(0);
        return;
    }
    /* alive, with a byte waiting: the report is made, the byte stays */
    TT_CHECK(write(sv[1], "x", 1) == 1);
    job_init(&j, &wt, WB_REPORT_RECORDS);
    j.client_fd = sv[0];
    TT_CHECK(wb__rworker_submit(w, &j));
    wait_finished(&wt);
    TT_CHECK_MSG(j.rs.status == 200, "status %d", j.rs.status);
    TT_CHECK(recv(sv[0], &b, 1, MSG_DONTWAIT) == 1 && b == 'x');
    job_clear(&j, &wt);
    /* hung up, a byte still waiting before the end of stream, and hung
     * up with nothing waiting: stopped at the first look either way */
    for (int round = 0; round < 2; round++) {
        if (round == 0) {
            TT_CHECK(write(sv[1], "y", 1) == 1);
            close(sv[1]);
        } else {
            TT_CHECK(recv(sv[0], &b, 1, MSG_DONTWAIT) == 1 && b == 'y');
        }
        job_init(&j, &wt, WB_REPORT_RECORDS);
        j.client_fd = sv[0];
        TT_CHECK(wb__rworker_submit(w, &j));
        wait_finished(&wt);
        TT_CHECK_MSG(j.rs.status == 503 && j.rs.body != NULL &&
                         strstr((const char *)j.rs.body,
                                "stopped after 4096 of") != NULL,
                     "round %d: status %d", round, j.rs.status);
        TT_CHECK(atomic_load(&m.reports_running) == 0);
        job_clear(&j, &wt);
    }
    close(sv[0]);
    wb__rworker_free(w);
}

int
main(void)
{
    struct wb_api_config cfg = {dir, NULL, 0, 0, 0};
    char comp[WB_APIKEY_TEXT_MAX + 1];
    char op[WB_APIKEY_TEXT_MAX + 1];
    struct wb_site *s = NULL;
    struct wb_api *a = NULL;
    char cmd[128];

    snprintf(dir, sizeof dir, "/tmp/wbrworker.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    strcat(dir, "/site");
    TT_CHECK(wb_site_create(dir, "rworker.example", NULL, 0, &s) == WB_OK);
    if (s != NULL) {
        append(s, "non-personal");
        append(s, "personal");
        TT_CHECK(wb_apikey_create(s, WB_ACCESS_COMPLIANCE, NULL, comp, NULL) ==
                 WB_OK);
        TT_CHECK(wb_apikey_create(s, WB_ACCESS_OPERATOR, NULL, op, NULL) ==
                 WB_OK);
        TT_CHECK(wb_api_new(&cfg, NULL, &a) == WB_OK);
        if (a != NULL) {
            test_handler(a, comp, op);
        }
        wb_api_free(a);
        test_worker(s);
        test_hangup(s);
        wb_site_close(s);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 5), dir);
    if (system(cmd) != 0) {
        return 1;
    }
    return TT_REPORT();
}
