/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's configuration file (JSON, parsed by jansson): site
 * directory, listen address, TLS, MQTT subscriptions and topic routes,
 * batching, retention rules. Everything has an embedded default, so no
 * file is needed on loopback. */
#ifndef WBD_CONFIG_H
#define WBD_CONFIG_H

#include <jansson.h>

#include <waybill/api.h>
#include <waybill/infer.h>
#include <waybill/mqtt.h>
#include <waybill/retention.h>

#define WBD_CONFIG_MAX (1024 * 1024)
#define WBD_HOOKS_MAX  8

struct wbd_config {
    json_t *root; /* the parsed file; every string below points into it */
    const char *dir;
    const char *listen; /* "ADDR:PORT" */
    const char *tls_cert, *tls_key, *tls_client_ca;
    const char *profiles;
    bool mqtt_enabled;
    struct wb_mqtt_config mqtt;
    char *mqtt_password; /* read from mqtt.password_file; wiped */
    struct wb_retention_rule retention[WB_RETENTION_MAX_RULES];
    size_t retention_count;
    unsigned retention_interval_s; /* 0 = no retention job */
    /* inference hook plug-ins: "library" (a path with a '/') and "arg" */
    struct wb_infer_plugin hooks[WBD_HOOKS_MAX];
    size_t hook_count;
    /* seconds between published checkpoints (one is signed when the log
     * grew): checkpoints.interval_s, default WB_API_CHECKPOINT_INTERVAL;
     * 0 = the daemon publishes none */
    unsigned checkpoint_interval_s;
    unsigned auditor_payload_classes; /* api.auditor_payload_classes:
                                         WB_API_AUDIT_* bits, default 0 */
};

/* Load path (NULL = embedded defaults only) into c. On error the detail
 * (wb_errmsg) names the file, line and column or the field; c is left
 * empty. */
wb_err wbd_config_load(const char *path, struct wbd_config *c);

/* Free what c holds. NULL-safe. */
void wbd_config_clear(struct wbd_config *c);

#endif
