/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP API of waybilld: a transport-free request handler (what the
 * fuzz target drives) and its libmicrohttpd server. Routes, roles and
 * formats: docs/api/openapi.yaml and docs/api/access.md. */
#ifndef WAYBILL_API_H
#define WAYBILL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <waybill/access.h>
#include <waybill/core.h>
#include <waybill/metrics.h>

#define WB_API_BODY_MAX     (8u * 1024 * 1024) /* default request body cap */
#define WB_API_DEFAULT_PORT 8787
#define WB_API_DEFAULT_ADDR "127.0.0.1"
#define WB_API_PARAMS_MAX   64    /* query parameters of one request */
#define WB_API_URI_MAX      8192  /* request target (path and query) */
#define WB_API_HEADER_MAX   8192  /* one header line */
#define WB_API_HEADERS_MAX  16384 /* all header lines together */
#define WB_API_HEADER_COUNT 64    /* header lines */
/* Default seconds between checkpoints the daemon publishes. */
#define WB_API_CHECKPOINT_INTERVAL 10

/* Classes of personal data whose payloads an auditor may be shown, when
 * configured (wb_api_config.auditor_payload_classes); every disclosure is
 * logged. Other classes are always shown to auditors. */
#define WB_API_AUDIT_PERSONAL  1u /* "personal" */
#define WB_API_AUDIT_SENSITIVE 2u /* "sensitive-personal" */

struct wb_api;

/* A decoded query parameter (repeats allowed, in order). */
struct wb_api_param {
    const char *key;
    const char *value; /* "" for a key without value */
};

/* One request. Everything is borrowed for the call. */
struct wb_api_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* decoded path without the query */
    const struct wb_api_param *params;
    size_t param_count;
    const char *authorization;         /* Authorization header, or NULL */
    const uint8_t *client_cert_sha256; /* 32 bytes of a client certificate
                                          the TLS layer verified, or NULL */
    const uint8_t *body;
    size_t body_len;
    bool body_too_large;      /* the transport dropped a body over the cap */
    int reject_status;        /* nonzero: the transport found the request
                                 malformed; answered with this 4xx/5xx status */
    const char *reject_field; /* with reject_status: what is wrong (the
                                 header's name, "uri", ...), or NULL */
    const char *reject_msg;   /* with reject_status: the reason */
};

/* One response: body owned (wb_api_response_clear). */
struct wb_api_response {
    int status;
    const char *content_type; /* static */
    char allow[32];           /* for 405: the allowed methods */
    const char *header[2];    /* more headers' names (static), or NULL */
    char header_value[2][64]; /* their values */
    bool close;               /* close the connection after this reply */
    uint8_t *body;
    size_t body_len;
};

struct wb_api_config {
    const char *site_dir;           /* required */
    const char *profiles_dir;       /* policy profiles; NULL = none loaded (the
                                       policy endpoints answer 503) */
    size_t body_max;                /* 0 = WB_API_BODY_MAX */
    unsigned checkpoint_interval_s; /* how often checkpoints are published
                                       (0 = only on request): the
                                       Retry-After of an uncovered proof */
    unsigned auditor_payload_classes; /* WB_API_AUDIT_* bits */
};

/** Open the site (a handle of its own) and load the profiles into a new
 *  handler *out (wb_api_free). m (may be NULL) receives the HTTP counts
 *  and is what /metrics shows. WB_ERR_NOTFOUND (no site), the errors of
 *  wb_site_open and wb_policy_load_dir. cfg is copied. */
WB_API WB_NODISCARD wb_err wb_api_new(const struct wb_api_config *cfg,
                                      struct wb_metrics *m,
                                      struct wb_api **out);

/** Close the site and free a. NULL-safe. */
WB_API void wb_api_free(struct wb_api *a);

/** Load the profiles again (SIGHUP); on failure the loaded set stays and
 *  the error is returned. Thread-safe against wb_api_handle. */
WB_API WB_NODISCARD wb_err wb_api_reload(struct wb_api *a);

/** Answer rq into rs (cleared first; release with wb_api_response_clear).
 *  Never fails: errors are 4xx/5xx responses with a JSON body
 *  {"error": "...", "field": ...}. Calls are serialised on a; a report is
 *  made in the call (the HTTP server makes them on its report worker). */
WB_API void wb_api_handle(struct wb_api *a,
                          const struct wb_api_request *rq,
                          struct wb_api_response *rs);

/** Free the body of rs and zero it. NULL-safe. */
WB_API void wb_api_response_clear(struct wb_api_response *rs);

/** The route table: route i's method, path pattern ("{x}" marks a path
 *  parameter) and allowed roles (WB_ACCESS_* bits; 0 = no authentication).
 *  False when i is out of range. */
WB_API bool wb_api_route(size_t i,
                         const char **method,
                         const char **pattern,
                         unsigned *roles);

/* ---- the HTTP server (libmicrohttpd) ------------------------------------ */

struct wb_httpd;

struct wb_httpd_config {
    const char *site_dir;     /* required */
    const char *profiles_dir; /* or NULL */
    const char *address;      /* NULL = WB_API_DEFAULT_ADDR; IPv4 or IPv6 */
    int port;                 /* 0 = any free port (wb_httpd_port tells) */
    const char *tls_cert;     /* PEM files; both or neither */
    const char *tls_key;
    const char *client_ca; /* PEM CA file: ask for client certificates and
                              accept those it signed (with TLS only) */
    size_t body_max;       /* 0 = WB_API_BODY_MAX */
    unsigned checkpoint_interval_s;   /* as in wb_api_config */
    unsigned auditor_payload_classes; /* as in wb_api_config */
};

/** Start serving in an internal polling thread with a site handle of its
 *  own, and a report worker thread that makes reports (one at a time, a
 *  second answered 503) on handles of its own (docs/report.md).
 *  WB_ERR_INVAL naming the field (bad address, TLS half given), WB_ERR_IO
 *  (files, cannot listen), WB_ERR_INTERNAL (no thread), and wb_api_new's
 *  errors. */
WB_API WB_NODISCARD wb_err wb_httpd_start(const struct wb_httpd_config *cfg,
                                          struct wb_metrics *m,
                                          struct wb_httpd **out);

/** The port the server listens on. */
WB_API int wb_httpd_port(const struct wb_httpd *h);

/** Reload the policy profiles (wb_api_reload). */
WB_API WB_NODISCARD wb_err wb_httpd_reload(struct wb_httpd *h);

/** Stop serving: stop a report being made (answered 503), close the
 *  connections, join the threads, close the site. NULL-safe. */
WB_API void wb_httpd_stop(struct wb_httpd *h);

#endif
