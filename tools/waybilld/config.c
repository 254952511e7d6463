/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's configuration file: strict JSON (unknown fields, wrong
 * types and duplicate keys are errors naming the file, line and field). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <waybill/crypto.h>

#ifndef WB_DOMESTIC
#define WB_DOMESTIC 0
#endif

static const char *src = "config";

static wb_err
bad(const char *field, const char *what)
{
    wb_errmsg_set("%s: %s: %s", src, field, what);
    return WB_ERR_FORMAT;
}

/* Every key of o must be one of allowed (NULL-terminated). */
static wb_err
known(json_t *o, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;

    if (!json_is_object(o)) {
        return bad(path, "expected an object");
    }
    json_object_foreach(o, key, v)
    {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0) {
            i++;
        }
        if (allowed[i] == NULL) {
            char f[256];
            snprintf(f, sizeof f, "%s.%s", path, key);
            return bad(f, "unknown field");
        }
    }
    return WB_OK;
}

static wb_err
str(json_t *o, const char *path, const char *key, const char **out)
{
    json_t *v = json_object_get(o, key);
    char f[256];

    if (v == NULL) {
        return WB_OK;
    }
    snprintf(f, sizeof f, "%s.%s", path, key);
    if (!json_is_string(v) || json_string_length(v) == 0) {
        return bad(f, "expected a non-empty string");
    }
    *out = json_string_value(v);
    return WB_OK;
}

static wb_err
num(json_t *o,
    const char *path,
    const char *key,
    long long lo,
    long long hi,
    long long *out)
{
    json_t *v = json_object_get(o, key);
    char f[256];

    if (v == NULL) {
        return WB_OK;
    }
    snprintf(f, sizeof f, "%s.%s", path, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo ||
        json_integer_value(v) > hi) {
        char what[96];
        snprintf(what, sizeof what, "expected an integer %lld..%lld", lo, hi);
        return bad(f, what);
    }
    *out = json_integer_value(v);
    return WB_OK;
}

static wb_err
parse_route(json_t *o, size_t i, struct wb_mqtt_route *r)
{
    static const char *const keys[] = {
        "topic",     "device",  "device_level",    "format",
        "purposes",  "class",   "jurisdiction",    "rights",
        "residency", "consent", "consent_version", NULL};
    const char *format = NULL;
    const char *residency = NULL;
    long long level = -1;
    long long version = 0;
    char path[64];
    json_t *p;
    wb_err rc;

    snprintf(path, sizeof path, "mqtt.routes[%zu]", i);
    rc = known(o, path, keys);
    if (rc == WB_OK) {
        rc = str(o, path, "topic", &r->filter);
    }
    if (rc == WB_OK && r->filter == NULL) {
        rc = bad(path, "needs a topic");
    }
    if (rc == WB_OK) {
        rc = str(o, path, "device", &r->device);
    }
    if (rc == WB_OK) {
        rc = num(o, path, "device_level", 0, 32, &level);
        r->device_level = (int)level;
    }
    if (rc == WB_OK) {
        rc = str(o, path, "format", &format);
    }
    if (rc == WB_OK && format != NULL) {
        static const char *const names[] = {"auto", "json", "raw", "cose"};
        size_t k = 0;
        while (k < 4 && strcmp(names[k], format) != 0) {
            k++;
        }
        r->format = (enum wb_mqtt_format)k;
        if (k == 4) {
            rc = bad(path, "format: expected auto, json, raw or cose");
        }
    }
    p = json_object_get(o, "purposes");
    if (rc == WB_OK && p != NULL) {
        size_t k;
        json_t *v;
        if (!json_is_array(p) || json_array_size(p) > WB_MQTT_MAX_PURPOSES) {
            rc = bad(path, "purposes: expected an array of at most 16 "
                           "strings");
        }
        json_array_foreach(p, k, v)
        {
            if (rc != WB_OK) {
                break;
            }
            if (!json_is_string(v)) {
                rc = bad(path, "purposes: expected strings");
            } else {
                r->purposes[r->purpose_count++] = json_string_value(v);
            }
        }
    }
    if (rc == WB_OK) {
        rc = str(o, path, "class", &r->data_class);
    }
    if (rc == WB_OK) {
        rc = str(o, path, "jurisdiction", &r->jurisdiction);
    }
    if (rc == WB_OK) {
        rc = str(o, path, "rights", &r->rights);
    }
    if (rc == WB_OK) {
        rc = str(o, path, "residency", &residency);
    }
    if (rc == WB_OK && residency != NULL) {
        r->residency_local_only = strcmp(residency, "local-only") == 0;
        if (!r->residency_local_only) {
            rc = bad(path, "residency: only \"local-only\" is supported here");
        }
    }
    if (rc == WB_OK) {
        rc = str(o, path, "consent", &r->consent_id);
    }
    if (rc == WB_OK) {
        rc = num(o, path, "consent_version", 1, UINT32_MAX, &version);
        r->consent_version = (uint64_t)version;
    }
    return rc;
}

static wb_err
read_secret(const char *path, char **out)
{
    char buf[1024];
    size_t n = 0;
    struct stat st;
    /* never blocks: a FIFO or a terminal is refused, not waited on */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    FILE *f = NULL;

    *out = NULL;
    if (fd < 0) {
        wb_err rc = wb_err_from_errno(errno);
        wb_errmsg_set("%s: mqtt.password_file: %s: %s", src, path,
                      strerror(errno));
        return rc; /* not there: bad configuration (exit 2), no retry */
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        wb_errmsg_set("%s: mqtt.password_file: %s: not a regular file", src,
                      path);
        close(fd);
        return WB_ERR_FORMAT;
    }
    f = fdopen(fd, "r");
    if (f == NULL) {
        wb_errmsg_set("%s: mqtt.password_file: %s: %s", src, path,
                      strerror(errno));
        close(fd);
        return WB_ERR_IO;
    }
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }
    buf[n] = '\0';
    *out = strdup(buf);
    wb_wipe(buf, sizeof buf);
    if (*out == NULL) {
        wb_errmsg_set("%s: mqtt.password_file: out of memory", src);
        return WB_ERR_NOMEM;
    }
    return WB_OK;
}

static wb_err
parse_mqtt(json_t *o, struct wbd_config *c)
{
    static const char *const keys[] = {"host",
                                       "port",
                                       "client_id",
                                       "username",
                                       "password_file",
                                       "ca",
                                       "cert",
                                       "key",
                                       "keepalive",
                                       "batch_size",
                                       "commit_interval_ms",
                                       "routes",
                                       "models",
                                       NULL};
    struct wb_mqtt_config *m = &c->mqtt;
    const char *pwfile = NULL;
    long long v;
    json_t *routes;
    wb_err rc = known(o, "mqtt", keys);

    if (rc == WB_OK) {
        rc = str(o, "mqtt", "host", &m->host);
    }
    if (rc == WB_OK) {
        v = 0;
        rc = num(o, "mqtt", "port", 1, 65535, &v);
        m->port = (int)v;
    }
    if (rc == WB_OK) {
        rc = str(o, "mqtt", "client_id", &m->client_id);
    }
    if (rc == WB_OK) {
        rc = str(o, "mqtt", "username", &m->username);
    }
    if (rc == WB_OK) {
        rc = str(o, "mqtt", "password_file", &pwfile);
    }
    if (rc == WB_OK && pwfile != NULL) {
        rc = read_secret(pwfile, &c->mqtt_password);
        m->password = c->mqtt_password;
    }
    if (rc == WB_OK) {
        rc = str(o, "mqtt", "ca", &m->cafile);
    }
    if (rc == WB_OK) {
        rc = str(o, "mqtt", "cert", &m->certfile);
    }
    if (rc == WB_OK) {
        rc = str(o, "mqtt", "key", &m->keyfile);
    }
    if (rc == WB_OK) {
        v = 0;
        rc = num(o, "mqtt", "keepalive", 5, 3600, &v);
        m->keepalive = (int)v;
    }
    if (rc == WB_OK) {
        v = 0;
        rc = num(o, "mqtt", "batch_size", 1, 65535, &v);
        m->batch_size = (size_t)v;
    }
    if (rc == WB_OK) {
        v = 0;
        rc = num(o, "mqtt", "commit_interval_ms", 1, 10000, &v);
        m->commit_interval_ms = (unsigned)v;
    }
    routes = json_object_get(o, "routes");
    if (rc == WB_OK &&
        (!json_is_array(routes) || json_array_size(routes) == 0 ||
         json_array_size(routes) > WB_MQTT_MAX_ROUTES)) {
        rc = bad("mqtt.routes", "expected an array of 1..64 routes");
    }
    for (size_t i = 0; rc == WB_OK && i < json_array_size(routes); i++) {
        rc = parse_route(json_array_get(routes, i), i, &m->routes[i]);
        m->route_count = i + 1;
    }
    routes = json_object_get(o, "models");
    if (rc == WB_OK && routes != NULL &&
        (!json_is_array(routes) ||
         json_array_size(routes) > WB_MQTT_MAX_MODELS)) {
        rc = bad("mqtt.models", "expected an array of at most 8 models");
    }
    for (size_t i = 0; rc == WB_OK && i < json_array_size(routes); i++) {
        static const char *const mkeys[] = {"topic",   "model",   "run_in",
                                            "purpose", "publish", "governance",
                                            NULL};
        const char *gov = NULL;
        struct wb_mqtt_model *md = &m->models[i];
        json_t *r = json_array_get(routes, i);
        char path[64];
        snprintf(path, sizeof path, "mqtt.models[%zu]", i);
        rc = known(r, path, mkeys);
        if (rc == WB_OK) {
            rc = str(r, path, "topic", &md->filter);
        }
        if (rc == WB_OK) {
            rc = str(r, path, "model", &md->model);
        }
        if (rc == WB_OK) {
            rc = str(r, path, "run_in", &md->run_in);
        }
        if (rc == WB_OK) {
            rc = str(r, path, "purpose", &md->purpose);
        }
        if (rc == WB_OK) {
            rc = str(r, path, "publish", &md->publish);
        }
        if (rc == WB_OK) {
            rc = str(r, path, "governance", &gov);
        }
        /* a domestic build logs denials and runs every record unless told
         * to enforce; an export build enforces unless told otherwise */
        md->log_only = WB_DOMESTIC;
        if (rc == WB_OK && gov != NULL) {
            if (strcmp(gov, "enforce") != 0 && strcmp(gov, "log-only") != 0) {
                char field[80];
                snprintf(field, sizeof field, "%s.governance", path);
                rc = bad(field, "\"enforce\" or \"log-only\"");
            }
            md->log_only = strcmp(gov, "log-only") == 0;
        }
        if (rc == WB_OK && (md->filter == NULL || md->model == NULL ||
                            md->run_in == NULL || md->publish == NULL)) {
            char field[80];
            snprintf(field, sizeof field, "%s.%s", path,
                     md->filter == NULL   ? "topic"
                     : md->model == NULL  ? "model"
                     : md->run_in == NULL ? "run_in"
                                          : "publish");
            rc = bad(field, "required (a model entry needs topic, model, "
                            "run_in and publish)");
        }
        m->model_count = i + 1;
    }
    c->mqtt_enabled = rc == WB_OK;
    return rc;
}

static wb_err
parse_retention(json_t *o, struct wbd_config *c)
{
    static const char *const keys[] = {"interval_s", "rules", NULL};
    static const char *const rkeys[] = {
        "kind", "class", "erase_after_days", "minimum_days", "citation", NULL};
    long long v = 3600;
    json_t *rules;
    wb_err rc = known(o, "retention", keys);

    if (rc == WB_OK) {
        rc = num(o, "retention", "interval_s", 1, 86400 * 7, &v);
        c->retention_interval_s = (unsigned)v;
    }
    rules = json_object_get(o, "rules");
    if (rc == WB_OK && (!json_is_array(rules) ||
                        json_array_size(rules) > WB_RETENTION_MAX_RULES)) {
        rc = bad("retention.rules", "expected an array of at most 64 rules");
    }
    for (size_t i = 0; rc == WB_OK && i < json_array_size(rules); i++) {
        struct wb_retention_rule *u = &c->retention[i];
        json_t *r = json_array_get(rules, i);
        char path[64];
        long long d;
        snprintf(path, sizeof path, "retention.rules[%zu]", i);
        u->erase_after_days = u->minimum_days = -1;
        rc = known(r, path, rkeys);
        if (rc == WB_OK) {
            rc = str(r, path, "kind", &u->kind);
        }
        if (rc == WB_OK) {
            rc = str(r, path, "class", &u->data_class);
        }
        if (rc == WB_OK) {
            d = -1;
            rc = num(r, path, "erase_after_days", 0, 365 * 100, &d);
            u->erase_after_days = (int32_t)d;
        }
        if (rc == WB_OK) {
            d = -1;
            rc = num(r, path, "minimum_days", 0, 365 * 100, &d);
            u->minimum_days = (int32_t)d;
        }
        if (rc == WB_OK) {
            rc = str(r, path, "citation", &u->citation);
        }
        c->retention_count = i + 1;
    }
    if (rc == WB_OK) {
        rc = wb_retention_check(c->retention, c->retention_count);
        if (rc != WB_OK) {
            char d[512];
            snprintf(d, sizeof d, "%s", wb_errmsg());
            wb_errmsg_set("%s: %s", src, d);
        }
    }
    return rc;
}

/* "checkpoints": {"interval_s": N}. */
static wb_err
parse_checkpoints(json_t *o, struct wbd_config *c)
{
    static const char *const keys[] = {"interval_s", NULL};
    long long v = WB_API_CHECKPOINT_INTERVAL;
    wb_err rc = known(o, "checkpoints", keys);

    if (rc == WB_OK) {
        rc = num(o, "checkpoints", "interval_s", 0, 86400, &v);
        c->checkpoint_interval_s = (unsigned)v;
    }
    return rc;
}

/* "api": {"auditor_payload_classes": ["personal", ...]}. */
static wb_err
parse_api(json_t *o, struct wbd_config *c)
{
    static const char *const keys[] = {"auditor_payload_classes", NULL};
    json_t *a = json_object_get(o, "auditor_payload_classes");
    wb_err rc = known(o, "api", keys);
    size_t i;
    json_t *v;

    if (rc == WB_OK && a != NULL && !json_is_array(a)) {
        rc = bad("api.auditor_payload_classes", "expected an array");
    }
    json_array_foreach(a, i, v)
    {
        const char *name = json_is_string(v) ? json_string_value(v) : "";
        char f[64];
        if (rc != WB_OK) {
            break;
        }
        snprintf(f, sizeof f, "api.auditor_payload_classes[%zu]", i);
        if (strcmp(name, "personal") == 0) {
            c->auditor_payload_classes |= WB_API_AUDIT_PERSONAL;
        } else if (strcmp(name, "sensitive-personal") == 0) {
            c->auditor_payload_classes |= WB_API_AUDIT_SENSITIVE;
        } else {
            rc = bad(f, "expected \"personal\" or \"sensitive-personal\" "
                        "(auditors see the other classes anyway)");
        }
    }
    return rc;
}

/* "hooks": [{"library": PATH, "arg": TEXT}, ...]. */
static wb_err
parse_hooks(json_t *a, struct wbd_config *c)
{
    static const char *const keys[] = {"library", "arg", NULL};
    wb_err rc = WB_OK;

    if (!json_is_array(a) || json_array_size(a) > WBD_HOOKS_MAX) {
        return bad("hooks", "expected an array of at most 8 plug-ins");
    }
    for (size_t i = 0; rc == WB_OK && i < json_array_size(a); i++) {
        json_t *h = json_array_get(a, i);
        char path[32];
        snprintf(path, sizeof path, "hooks[%zu]", i);
        rc = known(h, path, keys);
        if (rc == WB_OK) {
            rc = str(h, path, "library", &c->hooks[i].path);
        }
        if (rc == WB_OK) {
            rc = str(h, path, "arg", &c->hooks[i].arg);
        }
        if (rc == WB_OK && (c->hooks[i].path == NULL ||
                            strchr(c->hooks[i].path, '/') == NULL)) {
            rc = bad(path, "needs \"library\": a path with a '/'");
        }
        for (size_t j = 0; rc == WB_OK && j < i; j++) {
            /* two instances would write one trail as two chains */
            const char *x = c->hooks[j].arg;
            const char *y = c->hooks[i].arg;
            if (strcmp(c->hooks[j].path, c->hooks[i].path) == 0 &&
                (x == y || (x != NULL && y != NULL && strcmp(x, y) == 0))) {
                char what[64];
                snprintf(what, sizeof what,
                         "the same library and arg as hooks[%zu]", j);
                rc = bad(path, what);
            }
        }
        c->hook_count = i + 1;
    }
    return rc;
}

static wb_err
parse(struct wbd_config *c)
{
    static const char *const keys[] = {
        "dir",       "listen",      "tls", "profiles", "mqtt",
        "retention", "checkpoints", "api", "hooks",    NULL};
    static const char *const tkeys[] = {"cert", "key", "client_ca", NULL};
    json_t *o = c->root;
    json_t *t;
    wb_err rc = known(o, "(top)", keys);

    if (rc == WB_OK) {
        rc = str(o, "(top)", "dir", &c->dir);
    }
    if (rc == WB_OK) {
        rc = str(o, "(top)", "listen", &c->listen);
    }
    if (rc == WB_OK) {
        rc = str(o, "(top)", "profiles", &c->profiles);
    }
    t = json_object_get(o, "tls");
    if (rc == WB_OK && t != NULL) {
        rc = known(t, "tls", tkeys);
        if (rc == WB_OK) {
            rc = str(t, "tls", "cert", &c->tls_cert);
        }
        if (rc == WB_OK) {
            rc = str(t, "tls", "key", &c->tls_key);
        }
        if (rc == WB_OK) {
            rc = str(t, "tls", "client_ca", &c->tls_client_ca);
        }
        if (rc == WB_OK && (c->tls_cert == NULL || c->tls_key == NULL)) {
            rc = bad("tls", "needs both cert and key");
        }
    }
    if (rc == WB_OK && json_object_get(o, "mqtt") != NULL) {
        rc = parse_mqtt(json_object_get(o, "mqtt"), c);
    }
    if (rc == WB_OK && json_object_get(o, "retention") != NULL) {
        rc = parse_retention(json_object_get(o, "retention"), c);
    }
    if (rc == WB_OK && json_object_get(o, "checkpoints") != NULL) {
        rc = parse_checkpoints(json_object_get(o, "checkpoints"), c);
    }
    if (rc == WB_OK && json_object_get(o, "api") != NULL) {
        rc = parse_api(json_object_get(o, "api"), c);
    }
    if (rc == WB_OK && json_object_get(o, "hooks") != NULL) {
        rc = parse_hooks(json_object_get(o, "hooks"), c);
    }
    return rc;
}

wb_err
wbd_config_load(const char *path, struct wbd_config *c)
{
    json_error_t jerr;
    struct stat st;
    wb_err rc;

    memset(c, 0, sizeof *c);
    if (path == NULL) {
        c->checkpoint_interval_s = WB_API_CHECKPOINT_INTERVAL;
        return WB_OK;
    }
    src = path;
    if (stat(path, &st) != 0) {
        rc = wb_err_from_errno(errno);
        wb_errmsg_set("%s: %s", path, strerror(errno));
        return rc;
    }
    if (st.st_size > WBD_CONFIG_MAX) {
        wb_errmsg_set("%s: larger than %d bytes", path, WBD_CONFIG_MAX);
        return WB_ERR_TOOBIG;
    }
    c->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (c->root == NULL) {
        wb_errmsg_set("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return WB_ERR_FORMAT;
    }
    c->checkpoint_interval_s = WB_API_CHECKPOINT_INTERVAL;
    rc = parse(c);
    if (rc != WB_OK) {
        wbd_config_clear(c);
    }
    return rc;
}

void
wbd_config_clear(struct wbd_config *c)
{
    if (c == NULL) {
        return;
    }
    if (c->mqtt_password != NULL) {
        wb_wipe(c->mqtt_password, strlen(c->mqtt_password));
        free(c->mqtt_password);
    }
    json_decref(c->root);
    memset(c, 0, sizeof *c);
}
