/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd glue: one internal polling thread, bodies collected up to
 * the cap, TLS with optional client certificates (verified by GnuTLS
 * against the client CA), every request answered by wb_api_handle; a
 * report's connection is suspended while the report worker makes it
 * (MHD_suspend_connection), so the polling thread never scans the log. */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <strings.h>

#include "api/api_int.h"

#define PEM_MAX (1024 * 1024)
/* libmicrohttpd's per-connection memory (request line, headers and read
 * buffer). Larger than our caps (WB_API_URI_MAX, WB_API_HEADERS_MAX), so
 * a request over them reaches the handler and gets our JSON 414/431;
 * only one over this limit gets libmicrohttpd's own HTML answer
 * (docs/api/access.md). */
#define CONN_MEMORY (64 * 1024)

struct wb_httpd {
    struct wb_api *api;
    struct wb__rworker *reports;
    struct MHD_Daemon *d;
    size_t body_max;
    bool client_certs;
    uint8_t *cert, *key, *ca; /* PEM, kept while MHD runs */
    int port;
};

/* One request's upload. */
struct upload {
    struct wb__buf body;
    bool started; /* the handler has seen the headers */
    bool too_large;
    size_t uri_len; /* the request target as sent, query included */
    int reject;     /* a status for a malformed request, or 0 */
    const char *reject_field;
    char reject_msg[160];
    struct wb_api_param params[WB_API_PARAMS_MAX + 1];
    size_t param_count;
    struct wb__rjob job; /* a report the worker makes (job.pending) */
};

static enum MHD_Result
collect_param(void *ctx, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct upload *u = ctx;

    (void)kind;
    if (u->param_count <= WB_API_PARAMS_MAX) {
        u->params[u->param_count].key = k ? k : "";
        u->params[u->param_count].value = v ? v : "";
    }
    u->param_count++;
    return MHD_YES;
}

/* SHA-256 of the DER of the client's certificate, when it sent one that
 * the client CA verifies. */
static bool
client_cert(struct MHD_Connection *conn, uint8_t out[WB_HASH_BYTES])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s;
    const gnutls_datum_t *peers;
    unsigned status = 1;
    unsigned n = 0;

    if (ci == NULL || ci->tls_session == NULL) {
        return false;
    }
    s = (gnutls_session_t)ci->tls_session;
    if (gnutls_certificate_verify_peers2(s, &status) != GNUTLS_E_SUCCESS ||
        status != 0) {
        return false;
    }
    peers = gnutls_certificate_get_peers(s, &n);
    if (peers == NULL || n == 0) {
        return false;
    }
    wb_sha256(peers[0].data, peers[0].size, out);
    return true;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, const struct wb_api_response *rs)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        rs->body_len, rs->body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rs->content_type ? rs->content_type
                                             : "application/json");
    if (rs->status == 405 && rs->allow[0] != '\0') {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
    }
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < sizeof rs->header / sizeof rs->header[0]; i++) {
        if (rs->header[i] != NULL) {
            MHD_add_response_header(r, rs->header[i], rs->header_value[i]);
        }
    }
    if (rs->close) {
        /* the rest of what the client sent is not read: a later request
         * on this connection cannot be told from it */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    ret = MHD_queue_response(conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The report worker's answer is ready: let the polling thread go on
 * with the connection (the worker's thread calls this). */
static void
report_finished(void *arg)
{
    MHD_resume_connection(arg);
}

/* Hand the checked report request in u->job to the worker with the
 * connection suspended; refused (one is running), it is resumed at once
 * with the 503 answer. Either way the answer is replied by handler. */
static enum MHD_Result
defer_report(struct wb_httpd *h, struct MHD_Connection *conn, struct upload *u)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

    u->job.finished = report_finished;
    u->job.arg = conn;
    /* suspended, the connection is not polled: the worker watches it */
    u->job.client_fd = ci != NULL ? (int)ci->connect_fd : -1;
    /* before the worker can resume it: resuming a connection that is not
     * suspended is undefined */
    MHD_suspend_connection(conn);
    if (!wb__rworker_submit(h->reports, &u->job)) {
        MHD_resume_connection(conn);
    }
    return MHD_YES;
}

/* Reply with the worker's answer once it is there. */
static enum MHD_Result
report_answer(struct wb_httpd *h, struct MHD_Connection *conn, struct upload *u)
{
    enum MHD_Result ret;

    if (!wb__rworker_done(h->reports, &u->job)) {
        return MHD_YES; /* not resumed yet */
    }
    ret = reply(conn, &u->job.rs);
    wb__api_count(h->api, u->job.rs.status, false);
    wb_api_response_clear(&u->job.rs);
    return ret;
}

/* Answer the request whose body is complete. */
static enum MHD_Result
answer(struct wb_httpd *h,
       struct MHD_Connection *conn,
       const char *url,
       const char *method,
       struct upload *u)
{
    struct wb_api_request rq;
    struct wb_api_response rs;
    uint8_t fp[WB_HASH_BYTES];
    enum MHD_Result ret;

    memset(&rq, 0, sizeof rq);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, u);
    rq.method = method;
    rq.path = url;
    rq.params = u->params;
    rq.param_count = u->param_count > WB_API_PARAMS_MAX ? WB_API_PARAMS_MAX + 1
                                                        : u->param_count;
    rq.authorization = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    rq.client_cert_sha256 =
        h->client_certs && client_cert(conn, fp) ? fp : NULL;
    rq.body = u->body.data ? u->body.data : (const uint8_t *)"";
    rq.body_len = u->body.len;
    rq.body_too_large = u->too_large;
    rq.reject_status = u->reject;
    rq.reject_field = u->reject_field;
    rq.reject_msg = u->reject_msg;
    wb__api_handle_job(h->api, &rq, &rs, &u->job);
    if (u->job.pending) {
        wb_api_response_clear(&rs);
        return defer_report(h, conn, u);
    }
    ret = reply(conn, &rs);
    wb_api_response_clear(&rs);
    return ret;
}

/* Before the request line is parsed further: note the target's length
 * (libmicrohttpd hands the handler the path without the query). */
static void *
uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct wb_httpd *h = cls;
    struct upload *u = wb__calloc(1, sizeof *u);

    (void)conn;
    if (u != NULL) {
        wb__buf_init(&u->body, h->body_max);
        u->uri_len = uri ? strlen(uri) : 0;
    }
    return u;
}

/* Sizes of the header lines, for the caps. */
struct header_sizes {
    size_t total;
    size_t count;
    const char *longest;
    size_t longest_len;
};

static enum MHD_Result
measure_header(void *ctx, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct header_sizes *hs = ctx;
    size_t n = (k ? strlen(k) : 0) + (v ? strlen(v) : 0) + 4; /* ": " CRLF */

    (void)kind;
    hs->total += n;
    hs->count++;
    if (n > hs->longest_len) {
        hs->longest_len = n;
        hs->longest = k;
    }
    return MHD_YES;
}

/* The checks libmicrohttpd leaves to us, on the request line and headers:
 * our caps on the target and the headers, and framing it would accept or
 * wait on (both Content-Length and Transfer-Encoding; a coding other than
 * chunked), and HTTP/1.1 without Host. Sets u->reject. */
static void
check_head(struct wb_httpd *h,
           struct MHD_Connection *conn,
           const char *version,
           struct upload *u)
{
    struct header_sizes hs = {0, 0, NULL, 0};
    const char *te = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *cl = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

    MHD_get_connection_values(conn, MHD_HEADER_KIND, measure_header, &hs);
    if (u->uri_len > WB_API_URI_MAX) {
        u->reject = 414;
        u->reject_field = "uri";
        snprintf(u->reject_msg, sizeof u->reject_msg,
                 "the request target is %zu bytes, more than %d", u->uri_len,
                 WB_API_URI_MAX);
    } else if (hs.longest_len > WB_API_HEADER_MAX) {
        u->reject = 431;
        u->reject_field = hs.longest;
        snprintf(u->reject_msg, sizeof u->reject_msg,
                 "header %.64s is %zu bytes, more than %d",
                 hs.longest ? hs.longest : "", hs.longest_len,
                 WB_API_HEADER_MAX);
    } else if (hs.total > WB_API_HEADERS_MAX ||
               hs.count > WB_API_HEADER_COUNT) {
        u->reject = 431;
        u->reject_field = "headers";
        snprintf(u->reject_msg, sizeof u->reject_msg,
                 "%zu header lines of %zu bytes: at most %d lines of %d bytes",
                 hs.count, hs.total, WB_API_HEADER_COUNT, WB_API_HEADERS_MAX);
    } else if (version != NULL && strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
               MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                           MHD_HTTP_HEADER_HOST) == NULL) {
        /* RFC 9112 3.2: a server must answer 400 (0.9.75 accepts it) */
        u->reject = 400;
        u->reject_field = MHD_HTTP_HEADER_HOST;
        snprintf(u->reject_msg, sizeof u->reject_msg,
                 "an HTTP/1.1 request needs a Host header");
    } else if (te != NULL && cl != NULL) {
        u->reject = 400;
        u->reject_field = MHD_HTTP_HEADER_TRANSFER_ENCODING;
        snprintf(u->reject_msg, sizeof u->reject_msg,
                 "both Transfer-Encoding and Content-Length: send one");
    } else if (te != NULL && strcasecmp(te, "chunked") != 0) {
        u->reject = 501;
        u->reject_field = MHD_HTTP_HEADER_TRANSFER_ENCODING;
        snprintf(u->reject_msg, sizeof u->reject_msg,
                 "Transfer-Encoding \"%.32s\": only chunked is supported", te);
    } else if (cl != NULL && strtoull(cl, NULL, 10) > h->body_max) {
        /* refuse before reading (no 100 Continue is sent) */
        u->too_large = true;
    }
}

static enum MHD_Result
handler(void *cls,
        struct MHD_Connection *conn,
        const char *url,
        const char *method,
        const char *version,
        const char *upload_data,
        size_t *upload_size,
        void **con_cls)
{
    struct wb_httpd *h = cls;
    struct upload *u = *con_cls;

    if (u == NULL) {
        return MHD_NO; /* uri_seen could not allocate */
    }
    if (u->job.pending) {
        return report_answer(h, conn, u);
    }
    if (!u->started) {
        u->started = true;
        check_head(h, conn, version, u);
        if (u->reject != 0 || u->too_large) {
            return answer(h, conn, url, method, u);
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!u->too_large &&
            wb__buf_append(&u->body, upload_data, *upload_size) != WB_OK) {
            u->too_large = true;
            wb__buf_clear(&u->body);
            wb__buf_init(&u->body, h->body_max);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(h, conn, url, method, u);
}

static void
completed(void *cls,
          struct MHD_Connection *conn,
          void **con_cls,
          enum MHD_RequestTerminationCode code)
{
    struct upload *u = *con_cls;

    (void)cls;
    (void)conn;
    (void)code;
    if (u != NULL) {
        /* a job is never running here: the worker is stopped before the
         * daemon, and a suspended connection is not completed */
        wb_api_response_clear(&u->job.rs);
        wb__buf_clear(&u->body);
        wb__free(u);
        *con_cls = NULL;
    }
}

/* The listening address: IPv4 or IPv6 text and port. */
static wb_err
make_addr(const struct wb_httpd_config *cfg,
          struct sockaddr_storage *ss,
          bool *v6)
{
    const char *a = cfg->address ? cfg->address : WB_API_DEFAULT_ADDR;
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof *ss);
    if (cfg->port < 0 || cfg->port > 65535) {
        return wb__err(WB_ERR_INVAL, "port: %d is not 0..65535", cfg->port);
    }
    if (inet_pton(AF_INET, a, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)cfg->port);
        *v6 = false;
        return WB_OK;
    }
    if (inet_pton(AF_INET6, a, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)cfg->port);
        *v6 = true;
        return WB_OK;
    }
    return wb__err(WB_ERR_INVAL,
                   "address: \"%s\" is not an IPv4 or IPv6 "
                   "address",
                   a);
}

/* Read the TLS files of cfg into h. */
static wb_err
read_tls(const struct wb_httpd_config *cfg, struct wb_httpd *h)
{
    size_t n = 0;
    wb_err rc = WB_OK;

    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
        return wb__err(WB_ERR_INVAL, "tls: give both the certificate and "
                                     "the key, or neither");
    }
    if (cfg->client_ca != NULL && cfg->tls_cert == NULL) {
        return wb__err(WB_ERR_INVAL, "client_ca: needs TLS (a certificate "
                                     "and a key)");
    }
    if (cfg->tls_cert != NULL) {
        rc = wb__read_file(cfg->tls_cert, PEM_MAX, &h->cert, &n);
    }
    if (rc == WB_OK && cfg->tls_key != NULL) {
        rc = wb__read_file(cfg->tls_key, PEM_MAX, &h->key, &n);
    }
    if (rc == WB_OK && cfg->client_ca != NULL) {
        rc = wb__read_file(cfg->client_ca, PEM_MAX, &h->ca, &n);
        h->client_certs = rc == WB_OK;
    }
    return rc;
}

wb_err
wb_httpd_start(const struct wb_httpd_config *cfg,
               struct wb_metrics *m,
               struct wb_httpd **out)
{
    struct wb_api_config ac = {cfg->site_dir, cfg->profiles_dir, cfg->body_max,
                               cfg->checkpoint_interval_s,
                               cfg->auditor_payload_classes};
    struct sockaddr_storage ss;
    struct wb_httpd *h = NULL;
    const union MHD_DaemonInfo *di;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    bool v6 = false;
    wb_err rc;

    *out = NULL;
    rc = make_addr(cfg, &ss, &v6);
    if (rc != WB_OK) {
        return rc;
    }
    h = wb__calloc(1, sizeof *h);
    if (h == NULL) {
        return WB_ERR_NOMEM;
    }
    h->body_max = cfg->body_max ? cfg->body_max : WB_API_BODY_MAX;
    rc = read_tls(cfg, h);
    if (rc == WB_OK) {
        rc = wb_api_new(&ac, m, &h->api);
    }
    if (rc == WB_OK) {
        rc = wb__rworker_start(cfg->site_dir, h->api->metrics, &h->reports);
    }
    if (rc != WB_OK) {
        goto out;
    }
    flags |= (h->cert ? MHD_USE_TLS : 0) | (v6 ? MHD_USE_IPv6 : 0);
    h->d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, handler, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, completed, h, MHD_OPTION_URI_LOG_CALLBACK,
        uri_seen, h, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 64u,
        h->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->cert,
        MHD_OPTION_HTTPS_MEM_KEY, h->key,
        h->ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, h->ca,
        MHD_OPTION_END);
    if (h->d == NULL) {
        rc = wb__err(WB_ERR_IO, "cannot listen on %s port %d",
                     cfg->address ? cfg->address : WB_API_DEFAULT_ADDR,
                     cfg->port);
        goto out;
    }
    di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : cfg->port;
out:
    if (rc != WB_OK) {
        wb_httpd_stop(h);
        return rc;
    }
    *out = h;
    return WB_OK;
}

int
wb_httpd_port(const struct wb_httpd *h)
{
    return h->port;
}

wb_err
wb_httpd_reload(struct wb_httpd *h)
{
    return wb_api_reload(h->api);
}

void
wb_httpd_stop(struct wb_httpd *h)
{
    if (h == NULL) {
        return;
    }
    /* a running report stops and its connection is resumed, and none is
     * taken any more: libmicrohttpd must not be stopped with a connection
     * suspended */
    wb__rworker_stop(h->reports);
    if (h->d != NULL) {
        MHD_stop_daemon(h->d);
    }
    wb__rworker_free(h->reports);
    wb_api_free(h->api);
    if (h->key != NULL) {
        wb_wipe(h->key, strlen((const char *)h->key));
    }
    wb__free(h->cert);
    wb__free(h->key);
    wb__free(h->ca);
    wb__free(h);
}
