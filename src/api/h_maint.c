/* SPDX-License-Identifier: Apache-2.0 */
/* Maintenance sessions: start, events, end. Each step is a version of the
 * session's document in the "maint" register, so each is a "maint" entry
 * of the log whose payload is the step as JSON (docs/api/access.md). */
#include <time.h>

#include "api/api_int.h"

#define MAINT_REGISTER "maint"
#define MAINT_TEXT_MAX 1024

/* Log version `version` of session id: the step in o (stolen) with the
 * session, step number, caller and time added. */
static wb_err
put_step(struct wb__ctx *c,
         const char *id,
         uint32_t version,
         const char *device,
         json_t *o,
         uint64_t *entry)
{
    struct wb_append e;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    char *doc = NULL;
    wb_err rc;

    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(o, "session", json_string(id));
    json_object_set_new(o, "step", json_integer(version));
    json_object_set_new(o, "by", json_string(c->who.id));
    json_object_set_new(o, "recorded", json_string(when));
    rc = wb__json_dump(o, JSON_COMPACT | JSON_SORT_KEYS, &doc);
    if (rc != WB_OK) {
        json_decref(o);
        return rc;
    }
    memset(&e, 0, sizeof e);
    e.claims.kind = MAINT_REGISTER;
    e.claims.sub = device;
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    rc = wb_site_register_put(c->site, &e, id, version, entry);
    wb__free(doc);
    json_decref(o); /* device may point into it */
    return rc;
}

/* Every string member of o is at most MAINT_TEXT_MAX bytes: false after a
 * reply. */
static bool
short_strings(struct wb__ctx *c, json_t *o)
{
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v)
    {
        if (!json_is_string(v) || json_string_length(v) > MAINT_TEXT_MAX ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            wb__api_error(c, 400, k,
                          "body: %s must be a string of at most %d "
                          "bytes",
                          k, MAINT_TEXT_MAX);
            return false;
        }
    }
    return true;
}

void
wb__api_maint_start(struct wb__ctx *c)
{
    static const char *const keys[] = {"device", "technician", "reason", NULL};
    uint8_t rnd[8];
    char id[3 + 2 * sizeof rnd + 1];
    const char *device = NULL;
    const char *tech = NULL;
    uint64_t entry = 0;
    json_t *o = wb__api_body_object(c, keys, false);
    wb_err rc;

    if (o == NULL || !wb__api_params_only(c, NULL) || !short_strings(c, o) ||
        !wb__api_str(c, o, "device", true, &device) ||
        !wb__api_str(c, o, "technician", true, &tech)) {
        json_decref(o);
        return;
    }
    if (!wb_id_ok(device, WB_DEVICE_ID_MAX)) {
        wb__api_error(c, 400, "device", "device: not a device id");
        json_decref(o);
        return;
    }
    {
        /* a session on a device the site does not know would count in
         * the maintenance report under a name no record carries */
        struct wb_device d;
        rc = wb_site_device_get(c->site, device, &d);
        if (rc == WB_ERR_NOTFOUND) {
            wb__api_error(c, 400, "device",
                          "device: \"%s\" is not registered (POST "
                          "/v1/devices)",
                          device);
        } else if (rc != WB_OK) {
            wb__api_fail(c, rc, "device", "maintenance session");
        }
        if (rc != WB_OK) {
            json_decref(o);
            return;
        }
    }
    wb_random(rnd, sizeof rnd);
    memcpy(id, "ms-", 3);
    wb_hex_encode(rnd, sizeof rnd, id + 3);
    json_object_set_new(o, "event", json_string("start"));
    rc = put_step(c, id, 1, device, o, &entry);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "maintenance session");
        return;
    }
    wb__api_json(c, 201,
                 json_pack("{s:s, s:i, s:I}", "session", id, "step", 1, "entry",
                           (json_int_t)entry));
}

/* The latest step of session c->arg into *last (its "event" in *event):
 * false after a reply (404, or 409 when the session has ended). */
static bool
open_session(struct wb__ctx *c, struct wb_register_doc *last, json_t **doc)
{
    wb_err rc = wb_site_register_get(c->site, MAINT_REGISTER, c->arg, 0, last);
    const char *ev;

    *doc = NULL;
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "maintenance session");
        return false;
    }
    *doc = json_loads(last->doc, 0, NULL);
    ev = json_string_value(json_object_get(*doc, "event"));
    if (ev == NULL) {
        wb__api_error(c, 500, NULL, "session %s: stored step unreadable",
                      c->arg);
        return false;
    }
    if (strcmp(ev, "end") == 0) {
        wb__api_error(c, 409, NULL, "session %s has ended", c->arg);
        return false;
    }
    return true;
}

/* POST an event (type, detail) or the end (reason) of a session. */
static void
maint_step(struct wb__ctx *c, const char *event, const char *const *keys)
{
    struct wb_register_doc last;
    json_t *prev = NULL;
    uint64_t entry = 0;
    json_t *o = wb__api_body_object(c, keys, strcmp(event, "end") == 0);
    const char *type = NULL;
    wb_err rc;

    memset(&last, 0, sizeof last);
    if (o == NULL || !wb__api_params_only(c, NULL) || !short_strings(c, o) ||
        (strcmp(event, "event") == 0 &&
         !wb__api_str(c, o, "type", true, &type)) ||
        !open_session(c, &last, &prev)) {
        goto out;
    }
    json_object_set_new(o, "event", json_string(event));
    rc =
        put_step(c, c->arg, last.version + 1,
                 json_string_value(json_object_get(prev, "device")), o, &entry);
    o = NULL;
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "maintenance session");
        goto out;
    }
    wb__api_json(c, 200,
                 json_pack("{s:s, s:I, s:I}", "session", c->arg, "step",
                           (json_int_t)last.version + 1, "entry",
                           (json_int_t)entry));
out:
    json_decref(o);
    json_decref(prev);
    wb_register_doc_clear(&last);
}

void
wb__api_maint_event(struct wb__ctx *c)
{
    static const char *const keys[] = {"type", "detail", NULL};
    maint_step(c, "event", keys);
}

void
wb__api_maint_end(struct wb__ctx *c)
{
    static const char *const keys[] = {"reason", NULL};
    maint_step(c, "end", keys);
}

void
wb__api_maint_show(struct wb__ctx *c)
{
    struct wb_register_doc *v = NULL;
    size_t n = 0;
    json_t *a;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_site_register_list(c->site, MAINT_REGISTER, c->arg, &v, &n);
    if (rc == WB_OK && n == 0) {
        rc = wb__err(WB_ERR_NOTFOUND, "no session %s", c->arg);
    }
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "maintenance session");
        wb_register_docs_free(v, n);
        return;
    }
    a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_loads(v[i].doc, 0, NULL);
        if (s != NULL) {
            json_object_set_new(s, "entry",
                                json_integer((json_int_t)v[i].entry));
            json_array_append_new(a, s);
        }
    }
    wb_register_docs_free(v, n);
    wb__api_json(c, 200,
                 json_pack("{s:s, s:o}", "session", c->arg, "steps", a));
}
