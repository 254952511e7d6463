/* SPDX-License-Identifier: Apache-2.0 */
/* The MQTT ingest thread. libmosquitto (2.0) queues a QoS 1 PUBACK as soon
 * as it has read the PUBLISH; in threaded mode (mosquitto_threaded_set)
 * queued packets are only written by mosquitto_loop_write, which this loop
 * calls only when no batch is open. So a message is acknowledged to the
 * broker only after the batch holding it is durable: a crash before that
 * leaves it unacknowledged, and the broker sends it again (the persistent
 * session keeps it); one after the commit but before the write is a
 * redelivery that the idempotency key recognises. */
#include <errno.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <waybill/crypto.h>
#include <waybill/log.h>
#include <waybill/policy.h>

#include "mqtt/mqtt_int.h"

struct wb_mqtt {
    struct wb__mqtt_cfg cfg;
    char client_id[64];
    struct wb_metrics own; /* when the caller passes none */
    struct wb_metrics *m;
    struct wb_site *site;
    struct wb__mqtt_models *models; /* or NULL */
    struct wb_policy *vocab;        /* the purpose vocabulary, or NULL */
    struct mosquitto *mosq;
    pthread_t thread;
    int wake[2];
    atomic_bool stop;
    atomic_bool connected; /* connected and subscribed */
    atomic_int fatal;      /* a store error: the thread stopped */
    bool running;          /* the thread was started (wb_mqtt_run) */
    bool batch_open;
    bool resumed;    /* the models ran on the work owed from before a start */
    bool drain_over; /* stopping: the connection went while draining */
    size_t handled;  /* messages handled in the open batch */
    size_t logged;   /* of which appended */
    struct timespec t0;
    time_t reject_sec;
    unsigned reject_printed;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
lib_init(void)
{
    mosquitto_lib_init();
}

static uint64_t
us_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000000u +
           (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "waybilld: mqtt: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Refusals go to stderr, at most 20 a second (counted in the metrics). */
static void
report_reject(struct wb_mqtt *q)
{
    time_t now = time(NULL);

    atomic_fetch_add(&q->m->rejected_inputs, 1);
    if (now != q->reject_sec) {
        q->reject_sec = now;
        q->reject_printed = 0;
    }
    if (q->reject_printed++ < 20) {
        say("refused: %s", wb_errmsg());
    }
}

static void
fail(struct wb_mqtt *q, wb_err rc, const char *what)
{
    say("%s: %s; stopping (nothing of the open batch was acknowledged)", what,
        wb_errmsg()[0] ? wb_errmsg() : wb_strerror(rc));
    atomic_store(&q->fatal, (int)rc);
    atomic_store(&q->stop, true);
}

/* The models' outcome rc of a run: counted, or the daemon stops. */
static void
counted(struct wb_mqtt *q, wb_err rc, const struct wb__mqtt_models_counts *n)
{
    if (rc != WB_OK) {
        fail(q, rc, "inference");
        return;
    }
    atomic_fetch_add_explicit(&q->m->inference_outputs, n->ran,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&q->m->inference_denials, n->denied,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&q->m->inference_read_back, n->read_back,
                              memory_order_relaxed);
}

static void
on_message(struct mosquitto *mosq,
           void *obj,
           const struct mosquitto_message *msg,
           const mosquitto_property *props)
{
    struct wb_mqtt *q = obj;
    struct wb__mqtt_msg m;
    struct wb__mqtt_logged logged = {0};
    const mosquitto_property *p = props;
    enum wb__mqtt_outcome out = WB__MQTT_REJECTED;
    bool skip = false;
    wb_err rc = WB_OK;

    (void)mosq;
    if (atomic_load(&q->fatal) != 0) {
        return;
    }
    memset(&m, 0, sizeof m);
    m.topic = msg->topic;
    m.payload = msg->payload ? msg->payload : (const uint8_t *)"";
    m.payload_len = (size_t)msg->payloadlen;
    while (m.prop_count < WB_MQTT_PROPS_MAX) {
        char *name = NULL;
        char *value = NULL;
        p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY,
                                                &name, &value, skip);
        if (p == NULL) {
            break;
        }
        m.names[m.prop_count] = name;
        m.values[m.prop_count++] = value;
        skip = true;
    }
    if (!q->batch_open) {
        rc = wb_site_begin(q->site);
        if (rc != WB_OK) {
            fail(q, rc, "begin batch");
            goto out;
        }
        q->batch_open = true;
        clock_gettime(CLOCK_MONOTONIC, &q->t0);
    }
    atomic_fetch_add(&q->m->mqtt_messages, 1);
    wb_errmsg_clear();
    logged.keep = wb__mqtt_models_want(q->models, m.topic, m.payload_len);
    rc = wb__mqtt_handle(q->site, &q->cfg.c, q->vocab, &m, &out, &logged);
    if (rc == WB_OK && out == WB__MQTT_LOGGED) {
        rc = wb__mqtt_models_note(q->models, q->site, m.topic, &logged);
    }
    if (rc != WB_OK) {
        fail(q, rc, "append");
        goto out;
    }
    q->handled++;
    if (out == WB__MQTT_LOGGED) {
        q->logged++;
    } else if (out == WB__MQTT_DUPLICATE) {
        atomic_fetch_add(&q->m->mqtt_duplicates, 1);
    } else {
        report_reject(q);
    }
out:
    wb_ingest_kept_clear(&logged.kept);
    for (size_t i = 0; i < m.prop_count; i++) {
        free((void *)(uintptr_t)m.names[i]);
        free((void *)(uintptr_t)m.values[i]);
    }
}

static void
on_connect(struct mosquitto *mosq,
           void *obj,
           int rc,
           int flags,
           const mosquitto_property *props)
{
    struct wb_mqtt *q = obj;
    char *filters[WB_MQTT_MAX_ROUTES];

    (void)flags;
    (void)props;
    if (rc != 0) {
        say("broker refused the connection: %s", mosquitto_reason_string(rc));
        return;
    }
    if (!q->resumed && q->models != NULL) {
        /* before the first message: what a crash left owed, published
         * now that there is a connection */
        struct wb__mqtt_models_counts n;
        q->resumed = true;
        counted(q, wb__mqtt_models_resume(q->models, q->site, mosq, &n), &n);
        if (atomic_load(&q->fatal) != 0) {
            return; /* stopping: no subscription, no messages */
        }
        if (n.republished > 0) {
            say("published again %zu result(s) the broker had not "
                "acknowledged before the stop%s",
                n.republished,
                n.more ? "; any others follow as the broker acknowledges" : "");
        }
        if (n.inputs > 0) {
            /* a log-only denial also runs: inputs, not ran + denied */
            say("ran the models on %zu record(s) owed from before", n.inputs);
        }
    }
    for (size_t i = 0; i < q->cfg.c.route_count; i++) {
        filters[i] = (char *)(uintptr_t)q->cfg.c.routes[i].filter;
    }
    rc = mosquitto_subscribe_multiple(mosq, NULL, (int)q->cfg.c.route_count,
                                      filters, 1, 0, NULL);
    if (rc != MOSQ_ERR_SUCCESS) {
        say("subscribe: %s", mosquitto_strerror(rc));
    }
}

static void
on_subscribe(struct mosquitto *mosq,
             void *obj,
             int mid,
             int count,
             const int *granted,
             const mosquitto_property *props)
{
    struct wb_mqtt *q = obj;

    (void)mosq;
    (void)mid;
    (void)props;
    for (int i = 0; i < count; i++) {
        if (granted[i] > 2) {
            say("subscription to %s refused by the broker",
                q->cfg.c.routes[i].filter);
        }
    }
    if (!atomic_exchange(&q->connected, true)) {
        say("subscribed to %zu topic filter(s) as %s", q->cfg.c.route_count,
            q->cfg.c.client_id);
    }
    atomic_store(&q->m->mqtt_connected, 1);
}

/* A PUBACK of one of the models' results. */
static void
on_publish(struct mosquitto *mosq,
           void *obj,
           int mid,
           int reason,
           const mosquitto_property *props)
{
    struct wb_mqtt *q = obj;

    (void)mosq;
    (void)props;
    wb__mqtt_models_acked(q->models, mid, reason);
}

static void
on_disconnect(struct mosquitto *mosq,
              void *obj,
              int rc,
              const mosquitto_property *props)
{
    struct wb_mqtt *q = obj;

    (void)mosq;
    (void)rc;
    (void)props;
    atomic_store(&q->connected, false);
    atomic_store(&q->m->mqtt_connected, 0);
}

/* Write what libmosquitto queued (PUBACKs, pings, subscribes); only
 * called with no batch open. false when the connection is gone. */
static bool
flush(struct wb_mqtt *q)
{
    int tries = 0;

    while (mosquitto_want_write(q->mosq)) {
        struct pollfd pfd = {mosquitto_socket(q->mosq), POLLOUT, 0};
        int rc = mosquitto_loop_write(q->mosq, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            return false;
        }
        if (mosquitto_want_write(q->mosq) && pfd.fd >= 0) {
            if (++tries > 100) {
                return false; /* 10 s without room to write */
            }
            (void)poll(&pfd, 1, 100);
        }
    }
    return true;
}

/* Commit the open batch; then, and only then, acknowledge it. */
static void
commit(struct wb_mqtt *q)
{
    struct timespec t0;
    wb_err rc;

    if (!q->batch_open) {
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* results the broker acknowledged are no longer owed */
    rc = wb__mqtt_models_settle(q->models, q->site);
    if (rc == WB_OK) {
        rc = wb_site_commit(q->site);
    } else {
        wb_site_rollback(q->site);
    }
    q->batch_open = false;
    if (rc != WB_OK) {
        fail(q, rc, "commit");
        return;
    }
    wb_metrics_batch(q->m, q->logged, us_since(&t0));
    q->handled = q->logged = 0;
    if (q->models != NULL) {
        struct wb__mqtt_models_counts n;
        counted(q, wb__mqtt_models_run(q->models, q->site, q->mosq, &n), &n);
    }
    atomic_store(&q->m->log_size, wb_site_size(q->site));
}

/* With no batch open: clear the acknowledged results in a batch of their
 * own (when no data batch has done it within a second, or at the stop). */
static void
settle(struct wb_mqtt *q, bool now)
{
    wb_err rc;

    if (q->batch_open || atomic_load(&q->fatal) != 0 ||
        !wb__mqtt_models_settle_due(q->models, now)) {
        return;
    }
    rc = wb_site_begin(q->site);
    if (rc == WB_OK) {
        rc = wb__mqtt_models_settle(q->models, q->site);
        if (rc == WB_OK) {
            rc = wb_site_commit(q->site);
        } else {
            wb_site_rollback(q->site);
        }
    }
    if (rc != WB_OK) {
        fail(q, rc, "clear acknowledged results");
    }
}

static void
lost(struct wb_mqtt *q, int rc)
{
    if (atomic_load(&q->stop)) {
        q->drain_over = true;
        return;
    }
    say("connection lost: %s", mosquitto_strerror(rc));
    commit(q); /* logged; the broker resends them, the keys catch that */
    atomic_store(&q->connected, false);
    atomic_store(&q->m->mqtt_connected, 0);
    mosquitto_disconnect(q->mosq);
}

static int
connect_broker(struct wb_mqtt *q)
{
    mosquitto_property *props = NULL;
    int rc;

    /* a session that outlives the daemon (the window of unacknowledged
     * messages, MOSQ_OPT_RECEIVE_MAXIMUM, is set at start) */
    rc = mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                      UINT32_MAX);
    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_connect_bind_v5(q->mosq, q->cfg.c.host, q->cfg.c.port,
                                       q->cfg.c.keepalive, NULL, props);
    }
    mosquitto_property_free_all(&props);
    return rc;
}

/* Sleep ms unless woken by a stop. */
static void
nap(struct wb_mqtt *q, int ms)
{
    struct pollfd pfd = {q->wake[0], POLLIN, 0};

    if (!atomic_load(&q->stop)) {
        (void)poll(&pfd, 1, ms);
    }
}

static void
serve(struct wb_mqtt *q)
{
    struct pollfd pfd[2];
    int timeout = 1000;
    int rc;

    if (q->batch_open) {
        uint64_t el = us_since(&q->t0) / 1000;
        timeout = el >= q->cfg.c.commit_interval_ms
                      ? 0
                      : (int)(q->cfg.c.commit_interval_ms - el);
    }
    pfd[0].fd = mosquitto_socket(q->mosq);
    pfd[0].events = POLLIN;
    if (!q->batch_open && mosquitto_want_write(q->mosq)) {
        pfd[0].events |= POLLOUT;
    }
    pfd[1].fd = q->wake[0];
    pfd[1].events = POLLIN;
    pfd[0].revents = pfd[1].revents = 0;
    if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
        lost(q, MOSQ_ERR_ERRNO);
        return;
    }
    if (pfd[1].revents & POLLIN) {
        char c;
        if (read(q->wake[0], &c, 1) < 0) {
            /* the stop flag is what counts */
        }
    }
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        rc = mosquitto_loop_read(q->mosq, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            lost(q, rc);
            return;
        }
    }
    if (q->batch_open &&
        (q->handled >= q->cfg.c.batch_size ||
         us_since(&q->t0) / 1000 >= q->cfg.c.commit_interval_ms)) {
        commit(q);
    }
    settle(q, false);
    if (!q->batch_open && q->resumed && !atomic_load(&q->stop) &&
        atomic_load(&q->fatal) == 0) {
        /* results waiting in the log (from before the start, or past the
         * window) as PUBACKs make room; not while stopping, so that the
         * drain can end with none in flight */
        size_t more = 0;
        wb_err r2 =
            wb__mqtt_models_republish(q->models, q->site, q->mosq, &more);
        if (r2 != WB_OK) {
            fail(q, r2, "publish owed results");
        }
    }
    if (!q->batch_open && atomic_load(&q->fatal) == 0 && !flush(q)) {
        lost(q, MOSQ_ERR_CONN_LOST);
        return;
    }
    rc = mosquitto_loop_misc(q->mosq);
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
        lost(q, rc);
    }
}

/* Asked to stop: keep serving while results await their PUBACKs, for at
 * most 2 s, so that a clean stop leaves none to publish again. Results
 * of messages still arriving meanwhile wait in the log (owed) for the
 * next start instead, published once then, not left in flight. */
static bool
draining(struct wb_mqtt *q, bool up, struct timespec *since)
{
    if (since->tv_sec == 0 && since->tv_nsec == 0) {
        clock_gettime(CLOCK_MONOTONIC, since);
        wb__mqtt_models_stop(q->models);
    }
    return up && !q->drain_over && atomic_load(&q->connected) &&
           atomic_load(&q->fatal) == 0 &&
           wb__mqtt_models_awaited(q->models) > 0 && us_since(since) < 2000000;
}

static void *
run(void *arg)
{
    struct wb_mqtt *q = arg;
    struct timespec stopping = {0, 0};
    int backoff = 100;
    bool up = false;

    while (!atomic_load(&q->stop) || draining(q, up, &stopping)) {
        if (!up) {
            int rc = connect_broker(q);
            if (rc != MOSQ_ERR_SUCCESS) {
                say("cannot connect to %s:%d: %s", q->cfg.c.host, q->cfg.c.port,
                    rc == MOSQ_ERR_ERRNO ? strerror(errno)
                                         : mosquitto_strerror(rc));
                nap(q, backoff);
                backoff = backoff >= 5000 ? 10000 : backoff * 2;
                continue;
            }
            up = true;
        }
        serve(q);
        if (mosquitto_socket(q->mosq) < 0) {
            up = false;
            atomic_fetch_add(&q->m->mqtt_reconnects, 1);
            nap(q, backoff);
            backoff = backoff >= 5000 ? 10000 : backoff * 2;
        } else if (atomic_load(&q->connected)) {
            backoff = 100;
        }
    }
    if (atomic_load(&q->fatal) == 0) {
        commit(q);
        settle(q, true);
        if (atomic_load(&q->fatal) == 0 && up) {
            (void)flush(q);
            mosquitto_disconnect_v5(q->mosq, 0, NULL);
            (void)flush(q);
        }
    } else if (q->batch_open) {
        wb_site_rollback(q->site);
        q->batch_open = false;
    }
    atomic_store(&q->m->mqtt_connected, 0);
    return NULL;
}

/* The client's options: MQTT 5, the receive window, threaded mode,
 * credentials, TLS (whose files libmosquitto opens here). */
static wb_err
client_options(struct mosquitto *mosq, const struct wb_mqtt_config *c)
{
    int mrc =
        mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);

    if (mrc == MOSQ_ERR_SUCCESS) {
        /* as many unacknowledged messages as MQTT allows: a whole batch
         * waits for its commit (libmosquitto's default is 20) */
        mrc = mosquitto_int_option(mosq, MOSQ_OPT_RECEIVE_MAXIMUM, 65535);
    }
    if (mrc == MOSQ_ERR_SUCCESS) {
        mrc = mosquitto_threaded_set(mosq, true);
    }
    if (mrc == MOSQ_ERR_SUCCESS && c->username != NULL) {
        mrc = mosquitto_username_pw_set(mosq, c->username, c->password);
    }
    if (mrc == MOSQ_ERR_SUCCESS && c->cafile != NULL) {
        mrc = mosquitto_tls_set(mosq, c->cafile, NULL, c->certfile, c->keyfile,
                                NULL);
    }
    return mrc == MOSQ_ERR_SUCCESS
               ? WB_OK
               : wb__err(WB_ERR_INVAL, "mqtt: %s", mosquitto_strerror(mrc));
}

wb_err
wb_mqtt_prepare(const char *site_dir,
                const struct wb_mqtt_config *cfg,
                struct wb_mqtt **out)
{
    struct wb_mqtt *q;
    wb_err rc;

    *out = NULL;
    pthread_once(&lib_once, lib_init);
    q = wb__calloc(1, sizeof *q);
    if (q == NULL) {
        return WB_ERR_NOMEM;
    }
    q->wake[0] = q->wake[1] = -1;
    wb_metrics_init(&q->own);
    q->m = &q->own;
    rc = wb__mqtt_cfg_copy(cfg, &q->cfg);
    if (rc == WB_OK) {
        rc = wb__mqtt_vocab_open(&q->cfg.c, &q->vocab);
    }
    if (rc == WB_OK) {
        rc = wb_site_open(site_dir, &q->site);
    }
    if (rc == WB_OK) {
        rc = wb__mqtt_models_open(q->site, &q->cfg.c, &q->models);
    }
    if (rc == WB_OK) {
        /* a batch's new pages (5,000 records: ~3.5 MB) fit; the daemon's
         * resident set stays within its 32 MiB budget */
        rc = wb_site_cache_limit(q->site, 4096);
    }
    if (rc == WB_OK && q->cfg.c.client_id == NULL) {
        uint8_t h[WB_HASH_BYTES];
        char hex[17];
        const char *origin = wb_site_origin(q->site);
        wb_sha256((const uint8_t *)origin, strlen(origin), h);
        wb_hex_encode(h, 8, hex);
        snprintf(q->client_id, sizeof q->client_id, "waybilld-%s", hex);
        q->cfg.c.client_id = q->client_id;
    }
    if (rc == WB_OK && pipe(q->wake) != 0) {
        rc = wb__err(WB_ERR_IO, "pipe: %s", strerror(errno));
    }
    if (rc == WB_OK) {
        q->mosq = mosquitto_new(q->cfg.c.client_id, false, q);
        if (q->mosq == NULL) {
            rc = wb__err(WB_ERR_NOMEM, "mqtt: cannot create a client");
        }
    }
    if (rc == WB_OK) {
        rc = client_options(q->mosq, &q->cfg.c); /* opens the TLS files */
    }
    if (rc != WB_OK) {
        wb_mqtt_stop(q);
        return rc;
    }
    mosquitto_connect_v5_callback_set(q->mosq, on_connect);
    mosquitto_subscribe_v5_callback_set(q->mosq, on_subscribe);
    mosquitto_disconnect_v5_callback_set(q->mosq, on_disconnect);
    mosquitto_publish_v5_callback_set(q->mosq, on_publish);
    mosquitto_message_v5_callback_set(q->mosq, on_message);
    *out = q;
    return WB_OK;
}

wb_err
wb_mqtt_run(struct wb_mqtt *q, struct wb_metrics *m)
{
    wb_err rc;

    if (q->running) {
        return wb__err(WB_ERR_INVAL, "mqtt: already running");
    }
    /* prepared while another client may still have been logging (a
     * reload): what it logged until its stop is read from here on */
    rc = wb_site_refresh(q->site);
    if (rc != WB_OK) {
        return rc;
    }
    q->m = m ? m : &q->own;
    wb__mqtt_models_orphans(q->models, q->site);
    atomic_store(&q->m->log_size, wb_site_size(q->site));
    if (pthread_create(&q->thread, NULL, run, q) != 0) {
        return wb__err(WB_ERR_IO, "mqtt: cannot start a thread");
    }
    q->running = true;
    return WB_OK;
}

wb_err
wb_mqtt_start(const char *site_dir,
              const struct wb_mqtt_config *cfg,
              struct wb_metrics *m,
              struct wb_mqtt **out)
{
    wb_err rc = wb_mqtt_prepare(site_dir, cfg, out);

    if (rc == WB_OK) {
        rc = wb_mqtt_run(*out, m);
    }
    if (rc != WB_OK) {
        wb_mqtt_stop(*out);
        *out = NULL;
    }
    return rc;
}

void
wb_mqtt_stop(struct wb_mqtt *q)
{
    if (q == NULL) {
        return;
    }
    if (q->running) {
        atomic_store(&q->stop, true);
        if (write(q->wake[1], "x", 1) < 0) {
            /* the loop wakes within its poll timeout anyway */
        }
        pthread_join(q->thread, NULL);
    }
    mosquitto_destroy(q->mosq);
    if (q->wake[0] >= 0) {
        close(q->wake[0]);
        close(q->wake[1]);
    }
    wb__mqtt_models_free(q->models);
    wb_policy_free(q->vocab);
    wb_site_close(q->site);
    wb__mqtt_cfg_clear(&q->cfg);
    wb__free(q);
}

bool
wb_mqtt_connected(const struct wb_mqtt *q)
{
    return q != NULL && atomic_load(&q->connected);
}

wb_err
wb_mqtt_error(const struct wb_mqtt *q)
{
    return q == NULL ? WB_OK : (wb_err)atomic_load(&q->fatal);
}
