/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the API: the handler's state, one request's context, the route
 * table and the helpers the endpoint files share. */
#ifndef WB_API_INT_H
#define WB_API_INT_H

#include <pthread.h>

#include <waybill/api.h>
#include <waybill/report.h>
#include <waybill/waybill.h>

#include "core/core_int.h"

struct wb_api {
    char *site_dir;
    char *profiles_dir;
    size_t body_max;
    unsigned checkpoint_interval_s;
    unsigned auditor_payload_classes;
    struct wb_site *site;
    struct wb_policy *policy; /* NULL when none is loaded */
    struct wb_metrics *metrics;
    struct wb_metrics own_metrics; /* when the caller gave none */
    pthread_mutex_t lock;
};

/* A report request, checked, to be made off the HTTP thread by the
 * report worker (report_worker.c), and its answer. */
struct wb__rjob {
    enum wb_report_kind kind;
    struct wb_report_period period;
    unsigned flags;              /* WB_REPORT_* */
    bool pending;                /* the answer comes from the worker */
    bool done;                   /* rs is the answer (the worker's lock) */
    struct wb_api_response rs;   /* the answer, once done */
    void (*finished)(void *arg); /* on the worker's thread once done */
    void *arg;
    int client_fd; /* the requester's socket, watched for a hang-up while
                      the report runs (read only, never closed here); -1:
                      none */
};

/* One request being answered. */
struct wb__ctx {
    struct wb_api *api;
    struct wb_site *site;
    const struct wb_api_request *rq;
    struct wb_api_response *rs;
    const char *arg; /* the {x} path parameter, NUL-terminated */
    struct wb_apikey who;
    struct wb__rjob *job; /* NULL: a report is made in the call */
};

typedef void (*wb__api_fn)(struct wb__ctx *c);

struct wb__route {
    const char *method;
    const char *pattern; /* at most one {x}, matched greedily */
    unsigned roles;      /* WB_ACCESS_* bits; 0 = public */
    wb__api_fn fn;
};

extern const struct wb__route wb__api_routes[];
extern const size_t wb__api_route_count;

/* ---- responses ---------------------------------------------------------- */

/* Reply with j (stolen) as compact JSON. */
void wb__api_json(struct wb__ctx *c, int status, json_t *j);
/* Reply with bytes (copied) of content type ct (static). */
void wb__api_bytes(
    struct wb__ctx *c, int status, const char *ct, const void *p, size_t n);
/* Reply {"error": msg, "field": field or null}. */
void wb__api_error(struct wb__ctx *c,
                   int status,
                   const char *field,
                   const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
/* Reply with the HTTP status of rc and "what: library detail". */
void
wb__api_fail(struct wb__ctx *c, wb_err rc, const char *field, const char *what);
int wb__api_status(wb_err rc);

/* ---- request parts ------------------------------------------------------ */

/* The first value of query parameter key, or NULL. */
const char *wb__api_param(const struct wb__ctx *c, const char *key);
/* Optional decimal parameter: false after replying 400 on junk; *out is
 * left alone when absent. */
bool wb__api_param_u64(struct wb__ctx *c, const char *key, uint64_t *out);
/* Only parameters named in `allowed` (NULL-terminated) may appear, each
 * once unless its name there ends in "*" ("purpose*": repeatable): false
 * after replying 400 naming the first other or repeated one. */
bool wb__api_params_only(struct wb__ctx *c, const char *const *allowed);
/* The path parameter as a log index: false after replying 400. */
bool wb__api_index(struct wb__ctx *c, uint64_t *index);
/* The body as a JSON object, strictly (no duplicate keys, only `allowed`
 * keys when allowed != NULL): NULL after replying 400. An empty body is
 * an empty object when empty_ok. */
json_t *wb__api_body_object(struct wb__ctx *c,
                            const char *const *allowed,
                            bool empty_ok);
/* String member key of o (NULL when absent): false after replying 400
 * when present but not a string, or missing while required. */
bool wb__api_str(struct wb__ctx *c,
                 json_t *o,
                 const char *key,
                 bool required,
                 const char **out);
/* Whether c's caller has role bit r (admin has all). */
bool wb__api_has_role(const struct wb__ctx *c, unsigned r);

/* Claims as a JSON object (names of design.md). */
json_t *wb__api_claims_json(const struct wb_claims *cl);

/* ---- the handler with a report worker ----------------------------------- */

/* As wb_api_handle; with job != NULL a report request that passes the
 * checks is not made but described in *job (job->pending set, rs left
 * empty and the request not yet counted: wb__api_count when answered). */
void wb__api_handle_job(struct wb_api *a,
                        const struct wb_api_request *rq,
                        struct wb_api_response *rs,
                        struct wb__rjob *job);
/* Count an answered request of status in a's metrics. */
void wb__api_count(struct wb_api *a, int status, bool rejected);
/* Make the report j describes on s into rs (200 and the JSON, or the
 * error), progress as in wb_report_make_stoppable. */
void wb__api_report_answer(struct wb_site *s,
                           const struct wb__rjob *j,
                           wb_report_progress_fn progress,
                           void *arg,
                           struct wb_api_response *rs);
/* A 503 answer saying why, with Retry-After: retry_s when retry_s > 0. */
void wb__api_report_busy(struct wb_api_response *rs,
                         const char *why,
                         unsigned retry_s);

/* ---- the report worker (report_worker.c) -------------------------------- */

/* Page cache of the worker's site handle, KiB. */
#define WB__RWORKER_CACHE_KIB 1024

struct wb__rworker;

/* Start the worker thread into *out (wb__rworker_free): one report at a
 * time, each on a site handle of its own on site_dir (copied), opened for
 * the report and closed after it. m: reports_running. WB_ERR_NOMEM,
 * WB_ERR_INTERNAL (no thread). */
wb_err wb__rworker_start(const char *site_dir,
                         struct wb_metrics *m,
                         struct wb__rworker **out);
/* Give j (kind, period, flags, finished, arg; j->rs empty) to the worker:
 * true when taken; j->finished(j->arg) is then called on the worker's
 * thread once j->done and j->rs hold the answer, and j must live until
 * that call. False when a report is running or the worker is stopping:
 * j->rs is then a 503 answer (Retry-After an estimate of when the running
 * report ends) and j->done is set; nothing is called. */
bool wb__rworker_submit(struct wb__rworker *w, struct wb__rjob *j);
/* Whether j's answer is ready. */
bool wb__rworker_done(struct wb__rworker *w, const struct wb__rjob *j);
/* Stop a running report (it is answered 503), finish a job taken, join
 * the thread; later submissions are refused. After it no finished call
 * is running or will run. Idempotent; NULL-safe. */
void wb__rworker_stop(struct wb__rworker *w);
/* Stop w and free it. NULL-safe. */
void wb__rworker_free(struct wb__rworker *w);

/* ---- endpoints ---------------------------------------------------------- */

void wb__api_healthz(struct wb__ctx *c);
void wb__api_metrics(struct wb__ctx *c);
void wb__api_ingest(struct wb__ctx *c);
void wb__api_record(struct wb__ctx *c);
void wb__api_leaf(struct wb__ctx *c);
void wb__api_payload(struct wb__ctx *c);
void wb__api_token(struct wb__ctx *c);
void wb__api_proof(struct wb__ctx *c);
void wb__api_consistency(struct wb__ctx *c);
void wb__api_checkpoint_sign(struct wb__ctx *c);
void wb__api_checkpoint_latest(struct wb__ctx *c);
void wb__api_consent_grant(struct wb__ctx *c);
void wb__api_consent_list(struct wb__ctx *c);
void wb__api_consent_show(struct wb__ctx *c);
void wb__api_consent_history(struct wb__ctx *c);
void wb__api_consent_withdraw(struct wb__ctx *c);
void wb__api_consent_renew(struct wb__ctx *c);
void wb__api_consent_revoke(struct wb__ctx *c);
void wb__api_server_register(struct wb__ctx *c);
void wb__api_server_list(struct wb__ctx *c);
void wb__api_server_show(struct wb__ctx *c);
void wb__api_server_suspend(struct wb__ctx *c);
void wb__api_server_reinstate(struct wb__ctx *c);
void wb__api_server_revoke(struct wb__ctx *c);
void wb__api_policy_check(struct wb__ctx *c);
void wb__api_policy_profiles(struct wb__ctx *c);
void wb__api_device_add(struct wb__ctx *c);
void wb__api_device_list(struct wb__ctx *c);
void wb__api_device_show(struct wb__ctx *c);
void wb__api_maint_start(struct wb__ctx *c);
void wb__api_maint_event(struct wb__ctx *c);
void wb__api_maint_end(struct wb__ctx *c);
void wb__api_maint_show(struct wb__ctx *c);
void wb__api_report(struct wb__ctx *c);
void wb__api_tlog_checkpoint(struct wb__ctx *c);
void wb__api_tlog_tile(struct wb__ctx *c);

#endif
