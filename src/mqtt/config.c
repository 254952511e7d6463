/* SPDX-License-Identifier: Apache-2.0 */
/* MQTT ingest configuration: checked once at start and copied, so the
 * ingest thread owns everything it reads. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <waybill/policy.h>
#include <waybill/token.h>

#include "mqtt/mqtt_int.h"

/* Every string field of cfg, for sizing and copying. */
#define ROUTE_STRINGS(r)                                                       \
    &(r)->filter, &(r)->device, &(r)->data_class, &(r)->jurisdiction,          \
        &(r)->rights, &(r)->consent_id

#define MODEL_STRINGS(m)                                                       \
    &(m)->filter, &(m)->model, &(m)->run_in, &(m)->purpose, &(m)->publish

/* The places the route gives its records, checked as every message's
 * ingest would (wb_ingest_places_check), so a bad one stops the start
 * instead of refusing each message. */
static wb_err
check_places(const struct wb_mqtt_route *r, size_t i)
{
    struct wb_ingest_opts o;
    wb_err rc;

    memset(&o, 0, sizeof o);
    o.jurisdiction = r->jurisdiction;
    o.residency_local_only = r->residency_local_only;
    rc = wb_ingest_places_check(&o);
    if (rc != WB_OK) {
        wb__err_prefix("mqtt.routes[%zu].", i);
    }
    return rc;
}

static wb_err
check_route(const struct wb_mqtt_route *r, size_t i)
{
    if (r->filter == NULL ||
        mosquitto_sub_topic_check(r->filter) != MOSQ_ERR_SUCCESS) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.routes[%zu].topic: not a valid "
                       "MQTT topic filter",
                       i);
    }
    if (r->device != NULL && !wb_id_ok(r->device, WB_DEVICE_ID_MAX)) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.routes[%zu].device: not a device "
                       "id",
                       i);
    }
    if (r->device == NULL && (r->device_level < 0 || r->device_level > 32)) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.routes[%zu]: needs a device or a "
                       "device_level of 0..32",
                       i);
    }
    if (r->purpose_count > WB_MQTT_MAX_PURPOSES) {
        return wb__err(WB_ERR_INVAL, "mqtt.routes[%zu].purposes: more than %d",
                       i, WB_MQTT_MAX_PURPOSES);
    }
    for (size_t k = 0; k < r->purpose_count; k++) {
        if (r->purposes[k] == NULL || !wb_id_ok(r->purposes[k], 128)) {
            return wb__err(WB_ERR_INVAL,
                           "mqtt.routes[%zu].purposes[%zu]: "
                           "not a purpose id",
                           i, k);
        }
    }
    if (r->data_class != NULL && !wb_claims_class_ok(r->data_class)) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.routes[%zu].class: \"%s\" is not "
                       "non-personal, personal, sensitive-personal or "
                       "important",
                       i, r->data_class);
    }
    if (r->consent_id != NULL && !wb_id_ok(r->consent_id, 128)) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.routes[%zu].consent: not a "
                       "consent id",
                       i);
    }
    if ((unsigned)r->format > WB_MQTT_COSE) {
        return wb__err(WB_ERR_INVAL, "mqtt.routes[%zu].format: unknown", i);
    }
    return check_places(r, i);
}

void
wb__mqtt_result_topic(const char *publish,
                      const char *device,
                      char *out,
                      size_t cap)
{
    const char *at = strstr(publish, "{device}");

    snprintf(out, cap, "%.*s%s%s",
             at ? (int)(at - publish) : (int)strlen(publish), publish,
             at ? device : "", at ? at + 8 : "");
}

/* A level that holds {device} among other text ("dev-{device}", filled
 * with "+") matches any level: made "+", so the overlap test errs on the
 * side of refusing. */
static void
wild_levels(char *t)
{
    char *out = t;

    for (const char *l = t; *l != '\0';) {
        size_t n = strcspn(l, "/");
        bool wild = n > 1 && memchr(l, '+', n) != NULL;
        if (wild) {
            *out++ = '+';
        } else {
            memmove(out, l, n);
            out += n;
        }
        l += n;
        if (*l == '/') {
            *out++ = *l++;
        }
    }
    *out = '\0';
}

/* A TLS file named in the configuration (NULL: none) must be a readable
 * regular file now, not at the first connection attempt, where
 * libmosquitto says only "A TLS error occurred" and retries for ever. */
static wb_err
tls_file(const char *field, const char *path)
{
    struct stat st;

    if (path == NULL) {
        return WB_OK;
    }
    if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
        return wb__err(WB_ERR_INVAL, "mqtt.%s: %s: %s", field, path,
                       strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return wb__err(WB_ERR_INVAL, "mqtt.%s: %s: not a regular file", field,
                       path);
    }
    return WB_OK;
}

/* The levels of topic filter f ("a/+/b": 3). */
static size_t
levels(const char *f)
{
    size_t n = 1;

    for (; *f != '\0'; f++) {
        n += *f == '/';
    }
    return n;
}

/* Can a topic match both filters a and b ('+' one level, '#' the rest,
 * on either side)? */
static bool
filters_overlap(const char *a, const char *b)
{
    for (;;) {
        size_t na = strcspn(a, "/");
        size_t nb = strcspn(b, "/");
        if ((na == 1 && a[0] == '#') || (nb == 1 && b[0] == '#')) {
            return true;
        }
        if (!(na == 1 && a[0] == '+') && !(nb == 1 && b[0] == '+') &&
            (na != nb || memcmp(a, b, na) != 0)) {
            return false;
        }
        a += na;
        b += nb;
        if (*a == '\0' || *b == '\0') {
            /* "x/#" also matches "x" */
            return (*a == '\0' && *b == '\0') ||
                   (*a == '\0' && strcmp(b, "/#") == 0) ||
                   (*b == '\0' && strcmp(a, "/#") == 0);
        }
        a++;
        b++;
    }
}

static wb_err
check_model(const struct wb_mqtt_model *m, size_t i)
{
    char topic[512];

    if (m->filter == NULL ||
        mosquitto_sub_topic_check(m->filter) != MOSQ_ERR_SUCCESS) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.models[%zu].topic: not a valid MQTT topic "
                       "filter",
                       i);
    }
    if (m->model == NULL || !wb_id_ok(m->model, 128)) {
        return wb__err(WB_ERR_INVAL, "mqtt.models[%zu].model: not a model id",
                       i);
    }
    if (m->run_in == NULL) {
        return wb__err(WB_ERR_INVAL, "mqtt.models[%zu].run_in: required", i);
    }
    if (m->publish == NULL || strlen(m->publish) > 256) {
        return wb__err(WB_ERR_INVAL, "mqtt.models[%zu].publish: required", i);
    }
    /* {device} is the one placeholder, once: another would go out as is */
    for (const char *b = strchr(m->publish, '{'); b != NULL;
         b = strchr(b + 1, '{')) {
        if (strncmp(b, "{device}", 8) != 0) {
            return wb__err(WB_ERR_INVAL,
                           "mqtt.models[%zu].publish: \"%s\": the only "
                           "placeholder is {device}",
                           i, m->publish);
        }
        if (b != strstr(m->publish, "{device}")) {
            return wb__err(WB_ERR_INVAL,
                           "mqtt.models[%zu].publish: \"%s\": {device} may "
                           "appear once",
                           i, m->publish);
        }
    }
    /* the topic with "{device}" filled in must be a topic */
    wb__mqtt_result_topic(m->publish, "d", topic, sizeof topic);
    if (mosquitto_pub_topic_check(topic) != MOSQ_ERR_SUCCESS) {
        return wb__err(WB_ERR_INVAL,
                       "mqtt.models[%zu].publish: \"%s\" is not a topic to "
                       "publish to",
                       i, m->publish);
    }
    return WB_OK;
}

static size_t
need(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Copy *p into the arena at *at and point *p at the copy. */
static void
move(const char **p, char **at)
{
    size_t n;

    if (*p == NULL) {
        return;
    }
    n = strlen(*p) + 1;
    memcpy(*at, *p, n);
    *p = *at;
    *at += n;
}

wb_err
wb__mqtt_cfg_check(const struct wb_mqtt_config *cfg)
{
    wb_err rc;

    if (cfg->route_count == 0 || cfg->route_count > WB_MQTT_MAX_ROUTES) {
        return wb__err(WB_ERR_INVAL, "mqtt.routes: need 1..%d routes",
                       WB_MQTT_MAX_ROUTES);
    }
    if (cfg->port < 0 || cfg->port > 65535) {
        return wb__err(WB_ERR_INVAL, "mqtt.port: %d is not a port", cfg->port);
    }
    if ((cfg->certfile == NULL) != (cfg->keyfile == NULL)) {
        return wb__err(WB_ERR_INVAL, "mqtt: cert and key go together");
    }
    if ((cfg->certfile != NULL || cfg->keyfile != NULL) &&
        cfg->cafile == NULL) {
        return wb__err(WB_ERR_INVAL, "mqtt: cert and key need ca (TLS)");
    }
    if (cfg->password != NULL && cfg->username == NULL) {
        return wb__err(WB_ERR_INVAL, "mqtt.password_file: needs "
                                     "mqtt.username (it would go unused)");
    }
    rc = tls_file("ca", cfg->cafile);
    if (rc == WB_OK) {
        rc = tls_file("cert", cfg->certfile);
    }
    if (rc == WB_OK) {
        rc = tls_file("key", cfg->keyfile);
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (cfg->batch_size > 65535) {
        return wb__err(WB_ERR_INVAL, "mqtt.batch_size: at most 65535 (the "
                                     "MQTT receive window)");
    }
    for (size_t i = 0; i < cfg->route_count; i++) {
        rc = check_route(&cfg->routes[i], i);
        if (rc != WB_OK) {
            return rc;
        }
    }
    if (cfg->model_count > WB_MQTT_MAX_MODELS) {
        return wb__err(WB_ERR_INVAL, "mqtt.models: at most %d",
                       WB_MQTT_MAX_MODELS);
    }
    if (cfg->model_count > 0 && cfg->profiles_dir == NULL) {
        return wb__err(WB_ERR_INVAL, "mqtt.models: need the profiles "
                                     "(purpose vocabulary)");
    }
    for (size_t i = 0; i < cfg->model_count; i++) {
        const struct wb_mqtt_model *m = &cfg->models[i];
        char topic[512];
        bool reached = false;
        rc = check_model(m, i);
        if (rc != WB_OK) {
            return rc;
        }
        /* a model sees only what a route ingests */
        for (size_t j = 0; !reached && j < cfg->route_count; j++) {
            reached = filters_overlap(cfg->routes[j].filter, m->filter);
        }
        if (!reached) {
            return wb__err(WB_ERR_INVAL,
                           "mqtt.models[%zu].topic: \"%.256s\" is no "
                           "route's: no record would reach the model",
                           i, m->filter);
        }
        /* results published where the daemon ingests would come back as
         * records (each then refused by the model's data interface): the
         * result topic of any device against every route's filter. A
         * device id may hold '/' (a route's fixed device, a message's
         * property), so {device} stands for 1, 2, ... levels, as many as
         * the deepest filter has */
        for (size_t j = 0; rc == WB_OK && j < cfg->route_count; j++) {
            const char *f = cfg->routes[j].filter;
            char dev[256] = "+";
            for (size_t k = 1;
                 rc == WB_OK && k <= levels(f) && 2 * k < sizeof dev; k++) {
                if (k > 1) {
                    memcpy(dev + 2 * k - 3, "/+", 3); /* "+/+...", k */
                }
                wb__mqtt_result_topic(m->publish, dev, topic, sizeof topic);
                wild_levels(topic);
                if (filters_overlap(f, topic)) {
                    rc = wb__err(WB_ERR_INVAL,
                                 "mqtt.models[%zu].publish: \"%.256s\" is "
                                 "ingested by mqtt.routes[%zu] (\"%.256s\"): "
                                 "the results would come back as records",
                                 i, m->publish, j, f);
                }
            }
        }
        if (rc != WB_OK) {
            return rc;
        }
        /* the same governed call twice (it would be owed once:
         * docs/daemon.md, "Inference after a crash") */
        for (size_t j = 0; j < i; j++) {
            const struct wb_mqtt_model *p = &cfg->models[j];
            if (strcmp(p->model, m->model) == 0 &&
                strcmp(p->filter, m->filter) == 0 &&
                strcmp(p->run_in, m->run_in) == 0 &&
                wb__str_eq(p->purpose, m->purpose)) {
                return wb__err(WB_ERR_INVAL,
                               "mqtt.models[%zu]: the same model, topic, "
                               "run_in and purpose as mqtt.models[%zu]",
                               i, j);
            }
        }
    }
    return WB_OK;
}

wb_err
wb__mqtt_vocab_open(const struct wb_mqtt_config *cfg, struct wb_policy **out)
{
    wb_err rc = WB_OK;

    *out = NULL;
    if (cfg->profiles_dir != NULL) {
        rc = wb_policy_load_dir(cfg->profiles_dir, out);
        if (rc != WB_OK) {
            wb__err_prefix("profiles %.256s", cfg->profiles_dir);
        }
    }
    for (size_t i = 0; rc == WB_OK && *out != NULL && i < cfg->route_count;
         i++) {
        const struct wb_mqtt_route *r = &cfg->routes[i];
        for (size_t k = 0; rc == WB_OK && k < r->purpose_count; k++) {
            if (wb_policy_purpose_find(*out, r->purposes[k]) < 0) {
                rc = wb__err(WB_ERR_INVAL,
                             "mqtt.routes[%zu].purposes[%zu]: \"%.128s\" is "
                             "not in the purpose vocabulary",
                             i, k, r->purposes[k]);
            }
        }
    }
    if (rc != WB_OK) {
        wb_policy_free(*out);
        *out = NULL;
    }
    return rc;
}

wb_err
wb__mqtt_cfg_copy(const struct wb_mqtt_config *cfg, struct wb__mqtt_cfg *out)
{
    struct wb_mqtt_config *c = &out->c;
    size_t total = 0;
    char *at;
    wb_err rc;

    memset(out, 0, sizeof *out);
    rc = wb__mqtt_cfg_check(cfg);
    if (rc != WB_OK) {
        return rc;
    }
    *c = *cfg;
    {
        const char **top[] = {&c->host,     &c->client_id,    &c->username,
                              &c->password, &c->cafile,       &c->certfile,
                              &c->keyfile,  &c->profiles_dir, &c->source};
        for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
            total += need(*top[i]);
        }
        for (size_t i = 0; i < c->route_count; i++) {
            struct wb_mqtt_route *r = &c->routes[i];
            const char **f[] = {ROUTE_STRINGS(r)};
            for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
                total += need(*f[k]);
            }
            for (size_t k = 0; k < r->purpose_count; k++) {
                total += need(r->purposes[k]);
            }
        }
        for (size_t i = 0; i < c->model_count; i++) {
            struct wb_mqtt_model *m = &c->models[i];
            const char **f[] = {MODEL_STRINGS(m)};
            for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
                total += need(*f[k]);
            }
        }
        out->strings = at = wb__malloc(total + 1);
        if (at == NULL) {
            return WB_ERR_NOMEM;
        }
        for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
            move(top[i], &at);
        }
        for (size_t i = 0; i < c->route_count; i++) {
            struct wb_mqtt_route *r = &c->routes[i];
            const char **f[] = {ROUTE_STRINGS(r)};
            for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
                move(f[k], &at);
            }
            for (size_t k = 0; k < r->purpose_count; k++) {
                move(&r->purposes[k], &at);
            }
        }
    }
    for (size_t i = 0; i < c->model_count; i++) {
        struct wb_mqtt_model *m = &c->models[i];
        const char **f[] = {MODEL_STRINGS(m)};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
            move(f[k], &at);
        }
    }
    if (c->host == NULL) {
        c->host = "127.0.0.1";
    }
    if (c->port == 0) {
        c->port = 1883;
    }
    if (c->keepalive <= 0) {
        c->keepalive = 30;
    }
    if (c->batch_size == 0) {
        c->batch_size = 5000;
    }
    if (c->commit_interval_ms == 0) {
        c->commit_interval_ms = 20;
    }
    return WB_OK;
}

void
wb__mqtt_cfg_clear(struct wb__mqtt_cfg *c)
{
    if (c == NULL) {
        return;
    }
    if (c->c.password != NULL) {
        wb_wipe((void *)(uintptr_t)c->c.password, strlen(c->c.password));
    }
    wb__free(c->strings);
    memset(c, 0, sizeof *c);
}
