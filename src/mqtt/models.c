/* SPDX-License-Identifier: Apache-2.0 */
/* Governed inference on MQTT-ingested records: the configured models,
 * opened (verified) once at start, run on the records of matching
 * messages after their batch commits, in a batch of their own; each
 * result is published at QoS 1 on the route's topic. The PUBLISH packets
 * wait in libmosquitto's queue with the batch's PUBACKs and are written
 * after the inference batch commits. */
#include <stdio.h>
#include <string.h>

#include <waybill/infer.h>
#include <waybill/policy.h>

#include "mqtt/mqtt_int.h"

struct pending {
    uint64_t *index;
    char (*device)[WB_DEVICE_ID_MAX + 1];
    size_t n, cap;
};

struct wb__mqtt_models {
    const struct wb_mqtt_config *cfg;
    struct wb_policy *policy;
    struct wb_model *model[WB_MQTT_MAX_MODELS];
    struct pending in[WB_MQTT_MAX_MODELS];
};

void
wb__mqtt_models_free(struct wb__mqtt_models *ms)
{
    if (ms == NULL) {
        return;
    }
    for (size_t i = 0; i < WB_MQTT_MAX_MODELS; i++) {
        wb_model_close(ms->model[i]);
        wb__free(ms->in[i].index);
        wb__free(ms->in[i].device);
    }
    wb_policy_free(ms->policy);
    wb__free(ms);
}

wb_err
wb__mqtt_models_open(struct wb_site *s,
                     const struct wb_mqtt_config *cfg,
                     struct wb__mqtt_models **out)
{
    struct wb__mqtt_models *ms;
    wb_err rc;

    *out = NULL;
    if (cfg->model_count == 0) {
        return WB_OK;
    }
    ms = wb__calloc(1, sizeof *ms);
    if (ms == NULL) {
        return WB_ERR_NOMEM;
    }
    ms->cfg = cfg;
    rc = wb_policy_load_dir(cfg->profiles_dir, &ms->policy);
    for (size_t i = 0; rc == WB_OK && i < cfg->model_count; i++) {
        rc = wb_model_open(s, cfg->models[i].model, &ms->model[i]);
        if (rc != WB_OK) {
            wb__err_prefix("mqtt.models[%zu] %s", i, cfg->models[i].model);
        }
    }
    if (rc != WB_OK) {
        wb__mqtt_models_free(ms);
        return rc;
    }
    *out = ms;
    return WB_OK;
}

wb_err
wb__mqtt_models_note(struct wb__mqtt_models *ms,
                     const char *topic,
                     const struct wb__mqtt_logged *l)
{
    for (size_t i = 0; ms != NULL && i < ms->cfg->model_count; i++) {
        struct pending *p = &ms->in[i];
        bool match = false;
        if (mosquitto_topic_matches_sub(ms->cfg->models[i].filter, topic,
                                        &match) != MOSQ_ERR_SUCCESS ||
            !match) {
            continue;
        }
        if (p->n == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 256;
            uint64_t *ix = wb__realloc(p->index, cap * sizeof *ix);
            if (ix == NULL) {
                return WB_ERR_NOMEM;
            }
            p->index = ix;
            void *dv = wb__realloc(p->device, cap * sizeof *p->device);
            if (dv == NULL) {
                return WB_ERR_NOMEM;
            }
            p->device = dv;
            p->cap = cap;
        }
        p->index[p->n] = l->index;
        memcpy(p->device[p->n++], l->device, sizeof l->device);
    }
    return WB_OK;
}

/* One result: {"model", "input", "output", "values"} on the route's
 * topic, "{device}" filled in. Queued; written with the next flush. */
static void
publish(struct mosquitto *mosq,
        const struct wb_mqtt_model *m,
        const char *device,
        const struct wb_infer_row *row)
{
    char topic[512];
    char msg[2048];
    const char *at = strstr(m->publish, "{device}");
    int len;

    snprintf(topic, sizeof topic, "%.*s%s%s",
             at ? (int)(at - m->publish) : (int)strlen(m->publish), m->publish,
             at ? device : "", at ? at + 8 : "");
    len = snprintf(msg, sizeof msg,
                   "{\"model\": \"%s\", \"input\": %llu, \"output\": %llu, "
                   "\"values\": [",
                   m->model, (unsigned long long)row->input,
                   (unsigned long long)row->output);
    for (size_t k = 0; k < row->value_count && len < (int)sizeof msg - 40;
         k++) {
        len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%.9g",
                        k ? ", " : "", (double)row->values[k]);
    }
    len += snprintf(msg + len, sizeof msg - (size_t)len, "]}");
    (void)mosquitto_publish_v5(mosq, NULL, topic, len, msg, 1, false, NULL);
}

/* A refusal of the whole call is logged by wb_infer_run (a decision
 * entry in the open batch) and committed like any other outcome. */
static bool
refused_whole(wb_err rc)
{
    return rc == WB_ERR_DENIED || rc == WB_ERR_FORMAT || rc == WB_ERR_INVAL;
}

wb_err
wb__mqtt_models_run(struct wb__mqtt_models *ms,
                    struct wb_site *s,
                    struct mosquitto *mosq,
                    size_t *ran)
{
    bool any = false;
    wb_err rc = WB_OK;

    *ran = 0;
    for (size_t i = 0; ms != NULL && i < ms->cfg->model_count; i++) {
        any = any || ms->in[i].n > 0;
    }
    if (!any) {
        return WB_OK;
    }
    rc = wb_site_begin(s);
    for (size_t i = 0; rc == WB_OK && i < ms->cfg->model_count; i++) {
        const struct wb_mqtt_model *m = &ms->cfg->models[i];
        struct pending *p = &ms->in[i];
        for (size_t off = 0; rc == WB_OK && off < p->n;
             off += WB_INFER_MAX_INPUTS) {
            struct wb_infer_result *res = NULL;
            struct wb_infer_opts o;
            size_t n = p->n - off < WB_INFER_MAX_INPUTS ? p->n - off
                                                        : WB_INFER_MAX_INPUTS;
            memset(&o, 0, sizeof o);
            o.policy = ms->policy;
            o.run_in = m->run_in;
            o.purpose = m->purpose;
            o.date = (int32_t)(time(NULL) / 86400);
            rc = wb_infer_run(s, ms->model[i], p->index + off, n, &o, &res);
            if (rc == WB_OK) {
                for (size_t r = 0; r < res->count; r++) {
                    if (res->rows[r].ran) {
                        publish(mosq, m, p->device[off + r], &res->rows[r]);
                        (*ran)++;
                    }
                }
            } else if (refused_whole(rc)) {
                fprintf(stderr,
                        "waybilld: mqtt: model %s refused %zu "
                        "record(s): %s\n",
                        m->model, n, wb_errmsg());
                rc = WB_OK;
            }
            wb_infer_result_free(res);
        }
        p->n = 0;
    }
    if (rc == WB_OK) {
        return wb_site_commit(s);
    }
    wb_site_rollback(s);
    return rc;
}
