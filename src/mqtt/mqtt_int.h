/* SPDX-License-Identifier: Apache-2.0 */
/* Inside MQTT ingest: the configuration copy, the message handler (no
 * sockets: the fuzz target drives it) and the connection loop. */
#ifndef WB_MQTT_INT_H
#define WB_MQTT_INT_H

#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>

#include <waybill/ingest.h>
#include <waybill/ledger.h>
#include <waybill/mqtt.h>

#include "core/core_int.h"

struct wb_policy; /* waybill/policy.h */

/* One user property of a message ("purpose", "consent",
 * "consent-version", "msg-id"); strings owned by the message. */
#define WB_MQTT_PROPS_MAX 32

struct wb__mqtt_msg {
    const char *topic;
    const uint8_t *payload;
    size_t payload_len;
    const char *names[WB_MQTT_PROPS_MAX];
    const char *values[WB_MQTT_PROPS_MAX];
    size_t prop_count;
};

/* What handling a message came to. */
enum wb__mqtt_outcome {
    WB__MQTT_LOGGED,    /* appended to the open batch */
    WB__MQTT_DUPLICATE, /* its key is logged already: a redelivery */
    WB__MQTT_REJECTED   /* refused: detail in wb_errmsg() */
};

/* A validated deep copy of a wb_mqtt_config (one allocation of strings). */
struct wb__mqtt_cfg {
    struct wb_mqtt_config c;
    char *strings;
};

/* A model's result topic: publish with "{device}" (its first) replaced
 * by device, into out (cap bytes, truncated). */
void wb__mqtt_result_topic(const char *publish,
                           const char *device,
                           char *out,
                           size_t cap);

/* The checks of cfg alone: routes (topics, devices, classes, places),
 * models (ids, topics, result topics, repeats). WB_ERR_INVAL naming the
 * field. */
wb_err wb__mqtt_cfg_check(const struct wb_mqtt_config *cfg);

/* wb__mqtt_cfg_check, then copy cfg into out. */
wb_err wb__mqtt_cfg_copy(const struct wb_mqtt_config *cfg,
                         struct wb__mqtt_cfg *out);
void wb__mqtt_cfg_clear(struct wb__mqtt_cfg *c);

/* Held records of one batch for the models take at most about this much
 * memory; records past it are read back from the log instead. */
#define WB__MQTT_HELD_MAX (4u * 1024 * 1024)

/* What a logged message became: its entry and device; with keep set
 * (a model will run on it), a copy of the record in kept. */
struct wb__mqtt_logged {
    uint64_t index;
    char device[WB_DEVICE_ID_MAX + 1];
    bool keep;
    struct wb_ingest_kept kept;
};

/* Handle one message against the open batch of s: route by topic, claims
 * from the route and the message's properties (purposes in vocab, when
 * given), idempotency key, append.
 * Returns WB_OK with *out set (and *logged when WB__MQTT_LOGGED; logged
 * may be NULL), or a store error (WB_ERR_DB, WB_ERR_IO, WB_ERR_NOMEM) that
 * must abort the batch. */
wb_err wb__mqtt_handle(struct wb_site *s,
                       const struct wb_mqtt_config *cfg,
                       const struct wb_policy *vocab,
                       const struct wb__mqtt_msg *msg,
                       enum wb__mqtt_outcome *out,
                       struct wb__mqtt_logged *logged);

/* The purpose vocabulary of cfg->profiles_dir into *out (NULL when none is
 * configured: purposes then go unchecked), every route's purposes in it.
 * WB_ERR_INVAL naming the route's purpose; the load's own errors. */
wb_err wb__mqtt_vocab_open(const struct wb_mqtt_config *cfg,
                           struct wb_policy **out);

/* The configured models (src/mqtt/models.c). open: policy and models
 * verified and loaded (*out NULL when none is configured); want: should
 * the record of a message on topic be kept in memory (a model's filter
 * matches and the batch's budget of held bytes allows it); note: queue a
 * logged record (taking l's copy, or only its index when there is none)
 * for the models whose topic filter matches, and note it as owed work
 * (wb_site_pending_add) in the open data batch; run: in a batch of its
 * own, the governed call per model on what was queued, the owed work
 * cleared in that batch; after its commit each result published (queued
 * in mosq) at QoS 1, or left owed in the log past the window of results
 * in flight (results.c), counted in *n; resume: run the models on the records
 * still owed from before a crash (read back from the log), as run does,
 * adding to *n. */
struct wb__mqtt_models;
struct wb__mqtt_models_counts {
    size_t inputs;      /* inputs the models took (each once a model) */
    size_t ran;         /* outputs logged, to be published */
    size_t denied;      /* inputs denied */
    size_t read_back;   /* inputs read from the log, not held */
    size_t republished; /* resume: results published again */
    bool more;          /* resume: more owed results follow as PUBACKs come */
};
wb_err wb__mqtt_models_open(struct wb_site *s,
                            const struct wb_mqtt_config *cfg,
                            struct wb__mqtt_models **out);
bool wb__mqtt_models_want(const struct wb__mqtt_models *ms,
                          const char *topic,
                          size_t payload_len);
wb_err wb__mqtt_models_note(struct wb__mqtt_models *ms,
                            struct wb_site *s,
                            const char *topic,
                            struct wb__mqtt_logged *l);
wb_err wb__mqtt_models_run(struct wb__mqtt_models *ms,
                           struct wb_site *s,
                           struct mosquitto *mosq,
                           struct wb__mqtt_models_counts *n);
wb_err wb__mqtt_models_resume(struct wb__mqtt_models *ms,
                              struct wb_site *s,
                              struct mosquitto *mosq,
                              struct wb__mqtt_models_counts *n);
void wb__mqtt_models_free(struct wb__mqtt_models *ms);
/* Say on stderr which owed work in s no configured model entry of ms (may
 * be NULL) will do: a model entry removed or changed. */
void wb__mqtt_models_orphans(const struct wb__mqtt_models *ms,
                             struct wb_site *s);
/* The results' PUBACKs (results.c, through the models): acked: message
 * mid was acknowledged with reason; settle_due: are acknowledged results
 * waiting to be cleared (over a second, unless now); awaited: results whose
 * PUBACK is awaited; settle: clear the acknowledged ones in the open batch of s
 * (WB_ERR_DB). */
void wb__mqtt_models_acked(struct wb__mqtt_models *ms, int mid, int reason);
bool wb__mqtt_models_settle_due(const struct wb__mqtt_models *ms, bool now);
size_t wb__mqtt_models_awaited(const struct wb__mqtt_models *ms);
/* Stopping: the models' results from here on wait in the log. */
void wb__mqtt_models_stop(struct wb__mqtt_models *ms);
wb_err wb__mqtt_models_settle(struct wb__mqtt_models *ms, struct wb_site *s);
/* Publish the next page of the results waiting in the log (from before
 * the start, or held past the window: wb__mqtt_results_resume), counted
 * in *rows. */
wb_err wb__mqtt_models_republish(struct wb__mqtt_models *ms,
                                 struct wb_site *s,
                                 struct mosquitto *mosq,
                                 size_t *rows);

/* The results on their way to the broker (src/mqtt/results.c). open:
 * an empty tracker (*out, free); name: the consumer name results of the
 * work consumer "mqtt MODEL HEX" are owed under; publish: one row of
 * inference record output at QoS 1 on m's topic, its PUBACK awaited
 * (a failure leaves the record owed); acked: a PUBACK (ignored when not
 * a result's); due/awaited/settle as the models' above, names[i] model
 * i's result name; direct: may model's results of a models' batch be
 * published now, from memory (nothing of the model's is waiting in the
 * log, and the window has room)? handed: model's rows of record went to
 * libmosquitto; held: model's results from here on wait in the log;
 * resume: publish, from the log, the rows of the records owed under name
 * (model i, manifest mf) that were not handed over (all of them after a
 * start, or those held), a page at a time while the window has room (the
 * next call goes on), and the model's untidy records a second after they
 * left the window, counted in *rows; a record that cannot give its rows
 * is reported on stderr and cleared with the next settle.
 * WB_ERR_DB, WB_ERR_NOMEM. */
struct wb__mqtt_results;
wb_err wb__mqtt_results_open(struct wb__mqtt_results **out);
void wb__mqtt_results_free(struct wb__mqtt_results *r);
void wb__mqtt_results_name(const char *work,
                           char out[WB_PENDING_CONSUMER_MAX + 1]);
void wb__mqtt_results_publish(struct wb__mqtt_results *r,
                              struct mosquitto *mosq,
                              size_t model,
                              const struct wb_mqtt_model *m,
                              const char *device,
                              uint64_t input,
                              uint64_t output,
                              const float *values,
                              size_t n);
bool wb__mqtt_results_direct(const struct wb__mqtt_results *r, size_t model);
void wb__mqtt_results_handed(struct wb__mqtt_results *r,
                             size_t model,
                             uint64_t record);
void wb__mqtt_results_held(struct wb__mqtt_results *r, size_t model);
/* Stopping: no more results from memory (they wait in the log, owed), so
 * that the drain can end with none in flight. retrying: untidy records
 * waiting to be published again by resume, a second after they left the
 * window. */
void wb__mqtt_results_stop(struct wb__mqtt_results *r);
size_t wb__mqtt_results_retrying(const struct wb__mqtt_results *r);
/* One of the first `models` models' results owed from before is not
 * handed out yet. */
bool wb__mqtt_results_behind(const struct wb__mqtt_results *r, size_t models);
void wb__mqtt_results_acked(struct wb__mqtt_results *r, int mid, int reason);
/* Every row of the records published so far is out (end of a models'
 * batch's publishing, or of a slice published again): records awaiting no
 * PUBACK (every row failed, or an id reused) leave the window. */
void wb__mqtt_results_round(struct wb__mqtt_results *r);
bool wb__mqtt_results_due(const struct wb__mqtt_results *r, bool now);
size_t wb__mqtt_results_awaited(const struct wb__mqtt_results *r);
wb_err
wb__mqtt_results_settle(struct wb__mqtt_results *r,
                        struct wb_site *s,
                        const char (*names)[WB_PENDING_CONSUMER_MAX + 1]);
struct wb_model_manifest;
wb_err wb__mqtt_results_resume(struct wb__mqtt_results *r,
                               struct wb_site *s,
                               struct mosquitto *mosq,
                               size_t model,
                               const struct wb_mqtt_model *m,
                               const struct wb_model_manifest *mf,
                               const char *name,
                               size_t *rows);

#endif
