/* SPDX-License-Identifier: Apache-2.0 */
/* The models' results on their way to the broker, at least once.
 *
 * The models' batch notes each inference record whose rows it will
 * publish as owed to "mqtt result MODEL HEX" (models.c), in the same
 * transaction as the record. Each row is then published at QoS 1 and its
 * message id remembered; when every row of a record has its PUBACK, the
 * record is done, and the next batch clears it (wb_site_pending_done).
 * A crash anywhere in between leaves the record owed, and the next start
 * publishes its rows again from the log (wb__mqtt_results_resume): a
 * result may come twice, never not at all. Past a window of results in
 * flight, a model's results wait in the log and are published from there
 * as PUBACKs make room, so libmosquitto's queue stays short. A record
 * whose rows could not be tracked (a publish failed, a message id was
 * reused while outstanding, the broker refused a row for a reason that
 * may pass) stays owed and is published again from the log a second
 * later; one the broker refuses for good is reported and cleared. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <waybill/infer.h>
#include <waybill/token.h>

#include "mqtt/mqtt_int.h"

/* Results handed to libmosquitto and not yet acknowledged: at most about
 * WINDOW messages (a record's rows go together, so up to 63 more). The
 * broker lets 20 be in flight; the rest wait in libmosquitto's queue,
 * which it walks on every publish, and in memory: past the window the
 * results stay owed in the log and are published from there as PUBACKs
 * make room (wb__mqtt_results_resume). MQTT ids are 16 bits, and
 * libmosquitto hands one out again after 65,535 without looking at what
 * is in flight: the window keeps that from happening. */
#define WINDOW 1024
#define TRACK  4096 /* records in the window (with room for untidy ones) */
#define MIDS   65536
#define RETRY  1024 /* untidy records to publish again (past it: at start) */

struct track {
    uint64_t record;
    uint32_t left; /* PUBACKs still awaited */
    uint8_t model; /* index in the configuration */
    bool untidy;   /* a row untracked: the record stays owed */
};

struct done {
    uint64_t record;
    uint8_t model;
    time_t at; /* on the retry list: when it left the window */
};

/* Model i's records owed to the broker from `next` on have not been
 * handed to libmosquitto when `behind` (all of them at a start). */
struct cursor {
    uint64_t next;
    bool behind;
};

struct wb__mqtt_results {
    struct track ring[TRACK]; /* seq head..tail at ring[seq % TRACK] */
    struct done retry[RETRY]; /* untidy, out of the window, still owed */
    size_t retry_n;
    bool stopping; /* nothing more is published from memory */
    uint64_t head, tail;
    uint64_t by_mid[MIDS]; /* seq + 1 of the record a message is of, or 0 */
    size_t inflight;       /* tracked messages whose PUBACK is awaited */
    struct cursor cur[WB_MQTT_MAX_MODELS];
    struct done *done; /* acknowledged, not yet cleared */
    size_t done_n, done_cap;
    time_t done_since;
    time_t said_sec; /* reports printed: at most 20 a second */
    unsigned said_n;
};

/* "a result of inference record N WHAT: WHY; NEXT" on stderr, at most 20
 * a second. */
static void
say(struct wb__mqtt_results *r,
    uint64_t record,
    const char *what,
    const char *why,
    bool again)
{
    time_t now = time(NULL);

    if (now != r->said_sec) {
        r->said_sec = now;
        r->said_n = 0;
    }
    if (r->said_n++ < 20) {
        fprintf(stderr,
                "waybilld: mqtt: a result of inference record %llu %s: %s; "
                "%s\n",
                (unsigned long long)record, what, why,
                again ? "publishing it again" : "it stays in the log");
    }
}

wb_err
wb__mqtt_results_open(struct wb__mqtt_results **out)
{
    *out = wb__calloc(1, sizeof **out);
    for (size_t i = 0; *out != NULL && i < WB_MQTT_MAX_MODELS; i++) {
        (*out)->cur[i].behind = true; /* what is owed from before */
    }
    return *out ? WB_OK : WB_ERR_NOMEM;
}

/* Room for one more record's rows: in the window, and in the ring (a
 * record past the ring would go out untracked, outside the window). */
static bool
room(const struct wb__mqtt_results *r)
{
    return r->inflight < WINDOW && r->tail - r->head < TRACK;
}

bool
wb__mqtt_results_behind(const struct wb__mqtt_results *r, size_t models)
{
    bool behind = false;

    for (size_t i = 0; r != NULL && i < models && i < WB_MQTT_MAX_MODELS; i++) {
        behind = behind || r->cur[i].behind;
    }
    return behind;
}

bool
wb__mqtt_results_direct(const struct wb__mqtt_results *r, size_t model)
{
    return !r->stopping && !r->cur[model].behind && room(r);
}

void
wb__mqtt_results_stop(struct wb__mqtt_results *r)
{
    if (r != NULL) {
        r->stopping = true;
    }
}

size_t
wb__mqtt_results_retrying(const struct wb__mqtt_results *r)
{
    return r == NULL ? 0 : r->retry_n;
}

void
wb__mqtt_results_handed(struct wb__mqtt_results *r,
                        size_t model,
                        uint64_t record)
{
    r->cur[model].next = record + 1;
}

void
wb__mqtt_results_held(struct wb__mqtt_results *r, size_t model)
{
    r->cur[model].behind = true;
}

void
wb__mqtt_results_free(struct wb__mqtt_results *r)
{
    if (r == NULL) {
        return;
    }
    wb__free(r->done);
    wb__free(r);
}

void
wb__mqtt_results_name(const char *work, char out[WB_PENDING_CONSUMER_MAX + 1])
{
    /* "mqtt MODEL HEX" -> "mqtt result MODEL HEX" */
    snprintf(out, WB_PENDING_CONSUMER_MAX + 1, "mqtt result %s", work + 5);
}

/* Add record (of model) to what the next batch clears. */
static wb_err
done_push(struct wb__mqtt_results *r, uint64_t record, uint8_t model)
{
    if (r->done_n == r->done_cap) {
        size_t c = r->done_cap ? r->done_cap * 2 : 256;
        struct done *g = wb__realloc(r->done, c * sizeof *g);
        if (g == NULL) {
            return WB_ERR_NOMEM;
        }
        r->done = g;
        r->done_cap = c;
    }
    if (r->done_n == 0) {
        r->done_since = time(NULL);
    }
    r->done[r->done_n].record = record;
    r->done[r->done_n++].model = model;
    return WB_OK;
}

/* The record being published into, opened for rows of record (model). */
static struct track *
track_for(struct wb__mqtt_results *r, size_t model, uint64_t record)
{
    struct track *t =
        r->tail > r->head ? &r->ring[(r->tail - 1) % TRACK] : NULL;

    if (t != NULL && t->record == record && t->model == model) {
        return t;
    }
    if (r->tail - r->head == TRACK) {
        return NULL; /* full: untracked, owed until the next start */
    }
    t = &r->ring[r->tail++ % TRACK];
    memset(t, 0, sizeof *t);
    t->record = record;
    t->model = (uint8_t)model;
    return t;
}

/* The message text: {"model", "input", "output", "values"}. */
static wb_err
message(struct wb__buf *b,
        const char *model,
        uint64_t input,
        uint64_t output,
        const float *values,
        size_t n)
{
    wb_err rc = wb__buf_printf(b,
                               "{\"model\": \"%s\", \"input\": %llu, "
                               "\"output\": %llu, \"values\": [",
                               model, (unsigned long long)input,
                               (unsigned long long)output);

    for (size_t k = 0; rc == WB_OK && k < n; k++) {
        rc = k ? wb__buf_append(b, ", ", 2) : WB_OK;
        if (rc == WB_OK) {
            rc = wb__buf_put_float(b, values[k]); /* null when not finite */
        }
    }
    return rc == WB_OK ? wb__buf_append(b, "]}", 2) : rc;
}

/* Message mid is gone or names another message now: the record it was
 * of can no longer be told done, and stays owed. */
static bool
forget_mid(struct wb__mqtt_results *r, int mid)
{
    uint64_t seq = r->by_mid[mid];

    r->by_mid[mid] = 0;
    if (seq-- == 0) {
        return false;
    }
    if (seq >= r->head && seq < r->tail && r->ring[seq % TRACK].left > 0) {
        r->ring[seq % TRACK].left--;
        r->ring[seq % TRACK].untidy = true;
        r->inflight--;
    }
    return true;
}

/* Records whose PUBACKs have all come, in publishing order (a record waits
 * for those before it), onto the done list, or when untidy onto the list
 * to publish again. */
static void
pop(struct wb__mqtt_results *r)
{
    while (r->head < r->tail && r->ring[r->head % TRACK].left == 0) {
        const struct track *t = &r->ring[r->head++ % TRACK];
        if (t->untidy && r->retry_n < RETRY) {
            r->retry[r->retry_n].record = t->record;
            r->retry[r->retry_n].model = t->model;
            r->retry[r->retry_n++].at = time(NULL);
        } else if (!t->untidy && done_push(r, t->record, t->model) != WB_OK) {
            /* stays owed: published again at the next start */
        }
    }
}

void
wb__mqtt_results_publish(struct wb__mqtt_results *r,
                         struct mosquitto *mosq,
                         size_t model,
                         const struct wb_mqtt_model *m,
                         const char *device,
                         uint64_t input,
                         uint64_t output,
                         const float *values,
                         size_t n)
{
    struct track *t = track_for(r, model, output);
    char topic[512];
    struct wb__buf b;
    int mid = 0;
    int mrc = MOSQ_ERR_NOMEM;
    bool known;

    wb__mqtt_result_topic(m->publish, device, topic, sizeof topic);
    wb__buf_init(&b, 4096);
    if (message(&b, m->model, input, output, values, n) == WB_OK) {
        mrc = mosquitto_publish_v5(mosq, &mid, topic, (int)b.len, b.data, 1,
                                   false, NULL);
    }
    wb__buf_clear(&b);
    /* with the connection down libmosquitto keeps the message and sends it
     * after the reconnect under the same id: published all the same */
    known = (mrc == MOSQ_ERR_SUCCESS || mrc == MOSQ_ERR_NO_CONN) && mid > 0 &&
            mid < MIDS;
    if (known && forget_mid(r, mid) && t != NULL) {
        t->untidy = true; /* its PUBACK could be the earlier message's */
    }
    if (t == NULL) {
        return; /* the ring is full: owed until the next start */
    }
    if (mrc == MOSQ_ERR_OVERSIZE_PACKET || mrc == MOSQ_ERR_PAYLOAD_SIZE ||
        mrc == MOSQ_ERR_QOS_NOT_SUPPORTED) {
        /* the same bytes would be refused again: kept in the log only */
        say(r, output, "cannot be published", mosquitto_strerror(mrc), false);
        return;
    }
    if (!known || r->inflight >= 4 * WINDOW) {
        if (!known) {
            say(r, output, "was not published", mosquitto_strerror(mrc), true);
        }
        t->untidy = true;
        return;
    }
    r->by_mid[mid] = r->tail; /* t is ring[(tail - 1) % TRACK] */
    t->left++;
    r->inflight++;
}

void
wb__mqtt_results_acked(struct wb__mqtt_results *r, int mid, int reason)
{
    uint64_t seq;

    if (r == NULL || mid <= 0 || mid >= MIDS || r->by_mid[mid] == 0) {
        return; /* not a tracked result's */
    }
    seq = r->by_mid[mid] - 1;
    r->by_mid[mid] = 0;
    if (seq < r->head || seq >= r->tail) {
        return;
    }
    if (reason == 0x87 || reason == 0x90 || reason == 0x99) {
        /* not authorised, topic name or payload format invalid (MQTT 5.0
         * 3.4.2.1): the same message would be refused again; the result
         * stays in the log */
        say(r, r->ring[seq % TRACK].record, "was refused by the broker",
            mosquitto_reason_string(reason), false);
    } else if (reason >= 0x80) {
        /* e.g. quota exceeded, unspecified: it may pass */
        say(r, r->ring[seq % TRACK].record, "was refused by the broker",
            mosquitto_reason_string(reason), true);
        r->ring[seq % TRACK].untidy = true;
    }
    if (r->ring[seq % TRACK].left > 0) {
        r->ring[seq % TRACK].left--;
        r->inflight--;
    }
    pop(r);
}

void
wb__mqtt_results_round(struct wb__mqtt_results *r)
{
    if (r != NULL) {
        pop(r); /* no record gets more rows now: one awaiting none is done */
    }
}

bool
wb__mqtt_results_due(const struct wb__mqtt_results *r, bool now)
{
    return r != NULL && r->done_n > 0 &&
           (now || time(NULL) - r->done_since >= 1);
}

size_t
wb__mqtt_results_awaited(const struct wb__mqtt_results *r)
{
    return r == NULL ? 0 : r->inflight;
}

wb_err
wb__mqtt_results_settle(struct wb__mqtt_results *r,
                        struct wb_site *s,
                        const char (*names)[WB_PENDING_CONSUMER_MAX + 1])
{
    wb_err rc = WB_OK;

    for (size_t k = 0; r != NULL && rc == WB_OK && k < r->done_n; k++) {
        rc = wb_site_pending_done(s, names[r->done[k].model], r->done[k].record,
                                  r->done[k].record);
    }
    if (rc == WB_OK && r != NULL) {
        r->done_n = 0;
    }
    return rc;
}

/* The rows of inference record idx (of the model m) from the log, each
 * published again; *rows counts them. A record that cannot give its rows
 * (not an inference of m, its payload erased) is reported and done with. */
static wb_err
again(struct wb__mqtt_results *r,
      struct wb_site *s,
      struct mosquitto *mosq,
      size_t model,
      const struct wb_mqtt_model *m,
      const struct wb_model_manifest *mf,
      uint64_t idx,
      size_t *rows)
{
    uint8_t *leaf = NULL;
    uint8_t *pay = NULL;
    size_t len = 0;
    size_t plen = 0;
    int erased = 0;
    struct wb_claims *c = NULL;
    json_t *doc = NULL;
    const json_t *in = NULL;
    const json_t *outs = NULL;
    const char *why = NULL;
    wb_err rc = wb_site_entry(s, idx, &leaf, &len, &c, &pay, &plen, &erased);

    if (rc == WB_ERR_NOTFOUND || rc == WB_ERR_FORMAT || rc == WB_ERR_VERIFY) {
        why = rc == WB_ERR_NOTFOUND ? "no such entry"
              : rc == WB_ERR_FORMAT ? "its claims do not decode"
                                    : "its payload does not match the log's "
                                      "commitment to it";
        wb_errmsg_clear();
        rc = WB_OK;
    } else if (rc == WB_OK && strcmp(c->kind, "inference") != 0) {
        why = "not an inference record";
    } else if (rc == WB_OK && (erased || pay == NULL)) {
        why = "its payload was erased";
    }
    if (rc == WB_OK && why == NULL) {
        doc = json_loadb((const char *)pay, plen, JSON_REJECT_DUPLICATES, NULL);
        in = json_object_get(doc, "inputs");
        outs = json_object_get(doc, "outputs");
        if (doc == NULL) {
            why = "its payload does not parse";
        } else if (!json_is_string(json_object_get(doc, "model")) ||
                   strcmp(json_string_value(json_object_get(doc, "model")),
                          m->model) != 0) {
            why = "not an inference of this model";
        } else if (!json_is_array(in) || !json_is_array(outs) ||
                   json_array_size(in) != json_array_size(outs)) {
            why = "its payload does not list inputs and outputs";
        }
    }
    for (size_t k = 0; rc == WB_OK && why == NULL && k < json_array_size(in);
         k++) {
        const json_t *o = json_array_get(outs, k);
        float v[WB_INFER_OUTPUTS_MAX];
        size_t nv = mf->output_count < WB_INFER_OUTPUTS_MAX
                        ? mf->output_count
                        : WB_INFER_OUTPUTS_MAX;
        if (!json_is_integer(json_array_get(in, k)) || !json_is_object(o)) {
            why = "its payload does not list inputs and outputs";
            break;
        }
        for (size_t j = 0; j < nv; j++) {
            const json_t *x = json_object_get(o, mf->output[j].name);
            v[j] = json_is_number(x) ? (float)json_number_value(x) : NAN;
        }
        wb__mqtt_results_publish(
            r, mosq, model, m, c->sub ? c->sub : "",
            (uint64_t)json_integer_value(json_array_get(in, k)), idx, v, nv);
        (*rows)++;
    }
    if (rc == WB_OK && why != NULL) {
        fprintf(stderr,
                "waybilld: mqtt: result record %llu owed to %s cannot be "
                "published again: %s\n",
                (unsigned long long)idx, m->model, why);
        rc = done_push(r, idx, (uint8_t)model);
    }
    json_decref(doc);
    wb_claims_free(c);
    wb_free(pay);
    wb_free(leaf);
    return rc;
}

wb_err
wb__mqtt_results_resume(struct wb__mqtt_results *r,
                        struct wb_site *s,
                        struct mosquitto *mosq,
                        size_t model,
                        const struct wb_mqtt_model *m,
                        const struct wb_model_manifest *mf,
                        const char *name,
                        size_t *rows)
{
    struct cursor *g = &r->cur[model];
    uint64_t owed[64];
    size_t got = 0;
    size_t keep = 0;
    wb_err rc = WB_OK;

    /* the model's records that left the window untidy, a second on: each
     * published again whole (a row the broker had may come twice) */
    if (r->retry_n > 0) {
        time_t now = time(NULL);
        size_t n = r->retry_n;
        for (size_t k = 0; k < n; k++) {
            const struct done d = r->retry[k];
            if (rc == WB_OK && d.model == model && now - d.at >= 1 && room(r)) {
                rc = again(r, s, mosq, model, m, mf, d.record, rows);
            } else {
                r->retry[keep++] = d;
            }
        }
        r->retry_n = keep; /* again() publishes; only pop() adds */
        pop(r);
    }
    /* one page a call (the models take turns), while there is room; a
     * record whole */
    if (rc == WB_OK && g->behind && room(r)) {
        size_t k = 0;
        bool all;
        rc = wb_site_pending_list(s, name, g->next, owed, 64, &got);
        for (; rc == WB_OK && k < got && room(r); k++) {
            rc = again(r, s, mosq, model, m, mf, owed[k], rows);
            g->next = owed[k] + 1;
        }
        all = rc == WB_OK && k == got;
        if (all && got == 64) {
            /* a full page: caught up only if none follows it */
            rc = wb_site_pending_list(s, name, g->next, owed, 1, &got);
            all = rc == WB_OK && got == 0;
        }
        if (all) {
            g->behind = false; /* caught up: the next results go direct */
        }
        pop(r);
    }
    return rc;
}
