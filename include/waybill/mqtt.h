/* SPDX-License-Identifier: Apache-2.0 */
/* MQTT ingest (libmosquitto): subscribe to configured topics at QoS 1, turn
 * every message into a logged record, and acknowledge a message to the
 * broker only once the batch holding it is durable. Runs in its own thread
 * with its own site handle. */
#ifndef WAYBILL_MQTT_H
#define WAYBILL_MQTT_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/core.h>
#include <waybill/metrics.h>

#define WB_MQTT_MAX_ROUTES   64
#define WB_MQTT_MAX_PURPOSES 16

/* What a message's payload is. AUTO: a COSE_Sign1 (CBOR tag 18 or a
 * 4-element array) is a device token, a JSON object is a JSON record,
 * anything else raw bytes. */
enum wb_mqtt_format {
    WB_MQTT_AUTO = 0,
    WB_MQTT_JSON,
    WB_MQTT_RAW,
    WB_MQTT_COSE
};

/* A topic filter and the claims its messages get. The device is `device`
 * when set, else topic level `device_level` (0-based) of the message's
 * topic. MQTT 5 user properties "purpose" (repeatable), "consent"
 * ("id" or "id@version") and "msg-id" override the defaults. */
struct wb_mqtt_route {
    const char *filter; /* MQTT subscription filter, e.g. "plant/+/tele" */
    const char *device; /* fixed device id, or NULL */
    int device_level;   /* topic level naming the device when device NULL */
    enum wb_mqtt_format format;
    const char *purposes[WB_MQTT_MAX_PURPOSES];
    size_t purpose_count;
    const char *data_class;   /* NULL = "non-personal" */
    const char *jurisdiction; /* NULL = none */
    const char *rights;       /* NULL = none */
    bool residency_local_only;
    const char *consent_id; /* default consent claim, or NULL */
    uint64_t consent_version;
};

#define WB_MQTT_MAX_MODELS 8

/* A registered model run on the records of matching messages as their
 * batch commits (the governed call: consent, purposes, residency, the
 * model's jurisdictions; outputs logged as inference records with their
 * lineage), each result published at QoS 1. */
struct wb_mqtt_model {
    const char *filter;  /* records of messages on topics matching this */
    const char *model;   /* registered model id, e.g. "bearing-risk@1.0.0" */
    const char *run_in;  /* jurisdiction the model runs in (required) */
    const char *purpose; /* NULL = the model's first intended purpose */
    const char *publish; /* result topic; "{device}" becomes the device id */
    bool log_only;       /* governance log-only: denials logged, every
                            record run (the call's WB_INFER_LOG_ONLY) */
};

struct wb_mqtt_config {
    const char *host;                /* NULL = 127.0.0.1 */
    int port;                        /* 0 = 1883 */
    const char *client_id;           /* NULL = "waybilld-" + site origin hash; a
                                        persistent session is kept under it */
    const char *username, *password; /* or NULL */
    const char *cafile, *certfile, *keyfile; /* TLS, or NULL */
    int keepalive;                           /* seconds; 0 = 30 */
    struct wb_mqtt_route routes[WB_MQTT_MAX_ROUTES];
    size_t route_count;
    struct wb_mqtt_model models[WB_MQTT_MAX_MODELS];
    size_t model_count;
    /* the purpose vocabulary: required with models; when set, routes'
     * purposes and messages' purpose properties must be in it */
    const char *profiles_dir;
    size_t batch_size;           /* records per durable commit; 0 = 5000 */
    unsigned commit_interval_ms; /* longest wait before a commit; 0 = 20 */
    const char *source; /* where cfg came from (a file), for the messages
                           written to standard error; or NULL */
};

struct wb_mqtt;

/** Check cfg and open what it names, without connecting: cfg itself
 *  (routes, their topics, classes and places; models, result topics),
 *  the TLS files, with profiles_dir the routes' purposes in its
 *  vocabulary (a profile set that does not load refuses it, "profiles
 *  DIR: ..."), the site at site_dir (a handle of its own), and with
 *  models the profiles, each model registered, verified and loaded (a
 *  load refusal is logged as wb_model_open logs it), its run_in and
 *  purpose. cfg and the strings it points to are copied. *out is the
 *  caller's: wb_mqtt_run starts it, wb_mqtt_stop frees it (started or
 *  not). WB_ERR_INVAL with detail naming the field; the errors of
 *  wb_site_open and wb_model_open; on error *out is NULL. */
WB_API WB_NODISCARD wb_err wb_mqtt_prepare(const char *site_dir,
                                           const struct wb_mqtt_config *cfg,
                                           struct wb_mqtt **out);

/** Start q from wb_mqtt_prepare: connect to the broker (retrying with
 *  backoff from 100 ms to 10 s while it is down) and ingest in a new
 *  thread. m (may be NULL) receives counts and must outlive q.
 *  WB_ERR_INVAL if q runs already, WB_ERR_IO (no thread); q stays the
 *  caller's to stop either way. */
WB_API WB_NODISCARD wb_err wb_mqtt_run(struct wb_mqtt *q, struct wb_metrics *m);

/** wb_mqtt_prepare, then wb_mqtt_run; on failure nothing runs and *out
 *  is NULL. */
WB_API WB_NODISCARD wb_err wb_mqtt_start(const char *site_dir,
                                         const struct wb_mqtt_config *cfg,
                                         struct wb_metrics *m,
                                         struct wb_mqtt **out);

/** Stop: commit the open batch, acknowledge it, disconnect, join the
 *  thread, close the site handle and free q; a q that never ran is only
 *  freed. NULL-safe. */
WB_API void wb_mqtt_stop(struct wb_mqtt *q);

/** WB_OK while ingesting; the store error (WB_ERR_DB, WB_ERR_IO) that
 *  stopped the thread otherwise: nothing of the failed batch was
 *  acknowledged, and the caller should exit and be restarted. */
WB_API wb_err wb_mqtt_error(const struct wb_mqtt *q);

/** True while connected and subscribed. */
WB_API bool wb_mqtt_connected(const struct wb_mqtt *q);

#endif
