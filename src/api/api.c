/* SPDX-License-Identifier: Apache-2.0 */
/* The transport-free request handler: body cap, authentication (API key
 * or registered client certificate), routing, roles, metrics. */
#include <strings.h>

#include "api/api_int.h"

wb_err
wb_api_new(const struct wb_api_config *cfg,
           struct wb_metrics *m,
           struct wb_api **out)
{
    struct wb_api *a = NULL;
    wb_err rc = WB_ERR_NOMEM;

    *out = NULL;
    if (cfg == NULL || cfg->site_dir == NULL) {
        return wb__err(WB_ERR_INVAL, "site_dir: required");
    }
    a = wb__calloc(1, sizeof *a);
    if (a == NULL) {
        return WB_ERR_NOMEM;
    }
    pthread_mutex_init(&a->lock, NULL);
    wb_metrics_init(&a->own_metrics);
    a->metrics = m ? m : &a->own_metrics;
    a->body_max = cfg->body_max ? cfg->body_max : WB_API_BODY_MAX;
    a->checkpoint_interval_s = cfg->checkpoint_interval_s;
    a->auditor_payload_classes = cfg->auditor_payload_classes;
    a->site_dir = wb__strdup(cfg->site_dir);
    a->profiles_dir = cfg->profiles_dir ? wb__strdup(cfg->profiles_dir) : NULL;
    if (a->site_dir == NULL || (cfg->profiles_dir && !a->profiles_dir)) {
        goto out;
    }
    rc = wb_site_open(a->site_dir, &a->site);
    if (rc == WB_OK) {
        /* reads and small writes; the daemon's memory budget is shared */
        rc = wb_site_cache_limit(a->site, 4096);
    }
    if (rc == WB_OK && a->profiles_dir != NULL) {
        rc = wb_policy_load_dir(a->profiles_dir, &a->policy);
    }
out:
    if (rc != WB_OK) {
        wb_api_free(a);
        return rc;
    }
    *out = a;
    return WB_OK;
}

void
wb_api_free(struct wb_api *a)
{
    if (a == NULL) {
        return;
    }
    wb_site_close(a->site);
    wb_policy_free(a->policy);
    wb__free(a->site_dir);
    wb__free(a->profiles_dir);
    pthread_mutex_destroy(&a->lock);
    wb__free(a);
}

wb_err
wb_api_reload(struct wb_api *a)
{
    struct wb_policy *p = NULL;
    struct wb_policy *old;
    wb_err rc;

    if (a->profiles_dir == NULL) {
        return WB_OK;
    }
    rc = wb_policy_load_dir(a->profiles_dir, &p);
    if (rc != WB_OK) {
        return rc;
    }
    pthread_mutex_lock(&a->lock);
    old = a->policy;
    a->policy = p;
    pthread_mutex_unlock(&a->lock);
    wb_policy_free(old);
    return WB_OK;
}

void
wb_api_response_clear(struct wb_api_response *rs)
{
    if (rs == NULL) {
        return;
    }
    wb__free(rs->body);
    memset(rs, 0, sizeof *rs);
}

/* Does path match pattern? The {x} part (greedy, non-empty) is copied to
 * arg (cap bytes). */
static bool
match(const char *pattern, const char *path, char *arg, size_t cap)
{
    const char *open = strchr(pattern, '{');
    const char *close;
    size_t pre;
    size_t suf;
    size_t len = strlen(path);

    arg[0] = '\0';
    if (open == NULL) {
        return strcmp(pattern, path) == 0;
    }
    close = strchr(open, '}');
    pre = (size_t)(open - pattern);
    suf = strlen(close + 1);
    if (len <= pre + suf || strncmp(path, pattern, pre) != 0 ||
        strcmp(path + len - suf, close + 1) != 0 || len - pre - suf >= cap) {
        return false;
    }
    memcpy(arg, path + pre, len - pre - suf);
    arg[len - pre - suf] = '\0';
    return true;
}

/* Authenticate rq into c->who: a registered client certificate, else a
 * Bearer API key. False after replying 401. */
static bool
authenticate(struct wb__ctx *c)
{
    const char *h = c->rq->authorization;
    wb_err rc;

    if (c->rq->client_cert_sha256 != NULL &&
        wb_apikey_check_cert(c->site, c->rq->client_cert_sha256, &c->who) ==
            WB_OK) {
        return true;
    }
    if (h == NULL) {
        wb__api_error(c, 401, "Authorization",
                      "authentication required: send \"Authorization: "
                      "Bearer KEY\" or a registered client certificate");
        return false;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0) {
        wb__api_error(c, 401, "Authorization",
                      "the Authorization header must be \"Bearer KEY\"");
        return false;
    }
    h += 7;
    while (*h == ' ') {
        h++;
    }
    rc = wb_apikey_check(c->site, h, strlen(h), &c->who);
    if (rc != WB_OK) {
        wb__api_error(c, rc == WB_ERR_DENIED ? 401 : 500, "Authorization", "%s",
                      wb_errmsg());
        return false;
    }
    return true;
}

/* Find the route and call it, or reply 401/403/404/405. */
static void
dispatch(struct wb__ctx *c, char *arg, size_t cap)
{
    char *allow = c->rs->allow;
    const size_t allow_cap = sizeof c->rs->allow;
    const struct wb__route *r = NULL;
    bool path_known = false;

    allow[0] = '\0';
    for (size_t i = 0; i < wb__api_route_count && r == NULL; i++) {
        if (!match(wb__api_routes[i].pattern, c->rq->path, arg, cap)) {
            continue;
        }
        path_known = true;
        if (strcmp(wb__api_routes[i].method, c->rq->method) == 0) {
            r = &wb__api_routes[i];
        } else if (strstr(allow, wb__api_routes[i].method) == NULL) {
            size_t n = strlen(allow);
            snprintf(allow + n, allow_cap - n, "%s%s", n ? ", " : "",
                     wb__api_routes[i].method);
        }
    }
    if (r != NULL && r->roles == 0) {
        r->fn(c);
        return;
    }
    if (!authenticate(c)) {
        return;
    }
    if (r == NULL && path_known) {
        wb__api_error(c, 405, NULL, "method %s not allowed here (allowed: %s)",
                      c->rq->method, allow);
    } else if (r == NULL) {
        wb__api_error(c, 404, NULL, "no such endpoint: %s", c->rq->path);
    } else if ((r->roles & (unsigned)c->who.role) == 0) {
        wb__api_error(c, 403, NULL, "role %s may not %s %s",
                      wb_access_role_name(c->who.role), r->method, r->pattern);
    } else {
        c->arg = arg;
        r->fn(c);
    }
}

void
wb_api_handle(struct wb_api *a,
              const struct wb_api_request *rq,
              struct wb_api_response *rs)
{
    wb__api_handle_job(a, rq, rs, NULL);
}

void
wb__api_count(struct wb_api *a, int status, bool rejected)
{
    atomic_fetch_add_explicit(&a->metrics->http_requests, 1,
                              memory_order_relaxed);
    if (status >= 400) {
        atomic_fetch_add_explicit(&a->metrics->http_errors, 1,
                                  memory_order_relaxed);
    }
    if (status == 400 || status == 413 || rejected) {
        atomic_fetch_add_explicit(&a->metrics->rejected_inputs, 1,
                                  memory_order_relaxed);
    }
}

void
wb__api_handle_job(struct wb_api *a,
                   const struct wb_api_request *rq,
                   struct wb_api_response *rs,
                   struct wb__rjob *job)
{
    struct wb_api_request req = *rq;
    char arg[1024];
    struct wb__ctx c;

    if (req.body == NULL) {
        req.body = (const uint8_t *)"";
        req.body_len = 0;
    }
    memset(rs, 0, sizeof *rs);
    memset(&c, 0, sizeof c);
    c.api = a;
    c.site = a->site;
    c.rq = &req;
    c.rs = rs;
    c.arg = "";
    c.job = job;
    pthread_mutex_lock(&a->lock);
    wb_errmsg_clear();
    if (rq->reject_status != 0) {
        wb__api_error(&c, rq->reject_status, rq->reject_field, "%s",
                      rq->reject_msg ? rq->reject_msg : "malformed request");
        rs->close = true;
    } else if (rq->method == NULL || rq->path == NULL) {
        wb__api_error(&c, 400, NULL, "no method or path");
    } else if (rq->body_too_large || rq->body_len > a->body_max) {
        wb__api_error(&c, 413, "body", "request body larger than %zu bytes",
                      a->body_max);
    } else if (rq->param_count > WB_API_PARAMS_MAX) {
        wb__api_error(&c, 400, "query", "more than %d query parameters",
                      WB_API_PARAMS_MAX);
    } else if (wb_site_refresh(a->site) != WB_OK) {
        wb__api_error(&c, 500, NULL, "site: %s", wb_errmsg());
    } else {
        dispatch(&c, arg, sizeof arg);
    }
    pthread_mutex_unlock(&a->lock);
    if (job == NULL || !job->pending) {
        wb__api_count(a, rs->status, rq->reject_status != 0);
    }
}
