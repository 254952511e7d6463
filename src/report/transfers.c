/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-border transfers: the recorded transfer decisions of the period
 * (policy check --record) by recipient server and legal mechanism, with
 * the refused attempts and why, and the transfer entries that carried
 * records to each server. */
#include <stdlib.h>

#include <waybill/policy.h>

#include "report/report_int.h"

static const char *const outcome_names[] = {"allow", "allow_with_obligations",
                                            "require_mechanism", "deny",
                                            "not_applicable"};

/* One recipient server (id NULL: the request named none). */
struct group {
    char *id;
    struct wb_server *hist; /* its registrations, oldest first */
    size_t hist_count;
    json_t *obj; /* its by_server item */
};

struct transfers {
    struct group *g;
    size_t count;
    json_int_t decisions, permitted, denied, refused, unreadable;
    json_t *outcomes;
    json_t *by_mechanism;
    json_t *by_reason;
    json_t *attempts;
};

static bool
same_id(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The group of server id, made (with its registry history) when new. */
static wb_err
group_of(struct transfers *t,
         struct wb_site *s,
         const char *id,
         struct group **out)
{
    struct group *grown;
    struct group *g;
    wb_err rc = WB_OK;

    for (size_t i = 0; i < t->count; i++) {
        if (same_id(t->g[i].id, id)) {
            *out = &t->g[i];
            return WB_OK;
        }
    }
    grown = wb__realloc(t->g, (t->count + 1) * sizeof *grown);
    if (grown == NULL) {
        return WB_ERR_NOMEM;
    }
    t->g = grown;
    g = &t->g[t->count];
    memset(g, 0, sizeof *g);
    g->obj =
        json_pack("{s:s?, s:n, s:n, s:i, s:i, s:i, s:i, s:{}, s:i, s:i, "
                  "s:i}",
                  "server", id, "country", "operator", "decisions", 0,
                  "permitted", 0, "denied", 0, "refused", 0, "mechanisms",
                  "subjects_counted", 0, "transfers", 0, "records_sent", 0);
    g->id = id ? wb__strdup(id) : NULL;
    if (g->obj == NULL || (id && g->id == NULL)) {
        json_decref(g->obj);
        wb__free(g->id);
        return WB_ERR_NOMEM;
    }
    t->count++;
    if (id != NULL) {
        rc = wb_server_history(s, id, &g->hist, &g->hist_count);
        if (rc == WB_ERR_NOTFOUND) {
            rc = WB_OK;
            wb_errmsg_clear();
        }
    }
    *out = g;
    return rc;
}

/* The registration of g in force when entry `index` was logged, or NULL. */
static const struct wb_server *
in_force(const struct group *g, uint64_t index)
{
    const struct wb_server *v = NULL;

    for (size_t i = 0; i < g->hist_count && g->hist[i].entry < index; i++) {
        v = &g->hist[i];
    }
    return v;
}

/* Why a refused attempt was refused: the server's registry state then. */
static const char *
refusal(const struct group *g,
        const struct wb_server *v,
        json_t *req,
        int64_t iat)
{
    const char *date = json_string_value(json_object_get(req, "date"));
    int32_t day = (int32_t)(iat / 86400);
    enum wb_server_status st;

    if (g->id == NULL) {
        return "unnamed";
    }
    if (v == NULL) {
        return "unregistered";
    }
    if (date != NULL && wb_date_parse(date, &day) != WB_OK) {
        day = (int32_t)(iat / 86400);
    }
    st = wb_server_effective(v, day);
    return st == WB_SERVER_ACTIVE ? "unregistered" : wb_server_status_name(st);
}

/* Count decision doc (entry index) into group g and the totals. */
static void
count_decision(struct transfers *t,
               const struct wb__rscan *sc,
               struct group *g,
               uint64_t index,
               const struct wb_claims *c,
               json_t *doc)
{
    json_t *req = json_object_get(doc, "request");
    json_t *rcpt = json_object_get(req, "recipient");
    const char *dec = json_string_value(
        json_object_get(json_object_get(doc, "decision"), "decision"));
    const char *mech = json_string_value(
        json_object_get(json_object_get(req, "mechanism"), "type"));
    const struct wb_server *v = in_force(g, index);
    bool refused = json_is_true(json_object_get(doc, "refused"));
    bool denied =
        !refused && dec != NULL &&
        (strcmp(dec, "deny") == 0 || strcmp(dec, "require_mechanism") == 0);
    const char *cls = refused ? "refused" : denied ? "denied" : "permitted";
    json_t *m;

    if (v != NULL) {
        json_object_set_new(g->obj, "country", json_string(v->country));
        json_object_set_new(g->obj, "operator", json_string(v->operator_name));
    } else if (json_is_null(json_object_get(g->obj, "country"))) {
        const char *cc = json_string_value(json_object_get(rcpt, "country"));
        json_object_set_new(g->obj, "country",
                            cc ? json_string(cc) : json_null());
    }
    mech = mech ? mech : v ? v->mechanism.type : "none";
    t->decisions++;
    t->refused += refused;
    t->denied += denied;
    t->permitted += !refused && !denied;
    if (dec != NULL && json_object_get(t->outcomes, dec) != NULL) {
        wb__report_add(t->outcomes, dec, 1);
    }
    wb__report_add(g->obj, "decisions", 1);
    wb__report_add(g->obj, cls, 1);
    wb__report_add(json_object_get(g->obj, "mechanisms"), mech, 1);
    if (!refused && dec != NULL && strncmp(dec, "allow", 5) == 0) {
        /* only an allow adds its subjects to the tally */
        wb__report_add(g->obj, "subjects_counted",
                       json_integer_value(json_object_get(
                           json_object_get(doc, "counted"), "subjects_new")));
    }
    m = json_object_get(t->by_mechanism, mech);
    if (m == NULL) {
        m = json_pack("{s:i, s:i, s:i, s:i}", "decisions", 0, "permitted", 0,
                      "denied", 0, "refused", 0);
        json_object_set_new(t->by_mechanism, mech, m);
    }
    wb__report_add(m, "decisions", 1);
    wb__report_add(m, cls, 1);
    if (refused) {
        const char *why = refusal(g, v, req, c->iat);
        char day[16];
        wb__report_add(t->by_reason, why, 1);
        wb_date_format((int32_t)(c->iat / 86400), day);
        if (!sc->counts_only) {
            json_array_append_new(
                t->attempts,
                json_pack("{s:I, s:s, s:s?, s:s?, s:s}", "entry",
                          (json_int_t)index, "date", day, "server", g->id,
                          "country",
                          json_string_value(json_object_get(rcpt, "country")),
                          "reason", why));
        }
    }
}

static wb_err
visit(void *ctx,
      const struct wb__rscan *sc,
      uint64_t index,
      const struct wb_claims *c)
{
    struct transfers *t = ctx;
    struct group *g = NULL;
    json_t *doc = NULL;
    const char *server = c->sub;
    wb_err rc = WB_OK;

    if (strcmp(c->kind, "transfer") == 0) {
        rc = group_of(t, sc->site, server, &g);
        if (rc == WB_OK) {
            wb__report_add(g->obj, "transfers", 1);
            wb__report_add(g->obj, "records_sent", (json_int_t)c->parent_count);
        }
        return rc;
    }
    if (strcmp(c->kind, "decision") != 0) {
        return WB_OK;
    }
    rc = wb__report_payload(sc->site, index, &doc);
    if (rc != WB_OK) {
        return rc;
    }
    if (doc == NULL) {
        t->unreadable++;
    } else if (json_is_object(json_object_get(doc, "request"))) {
        server = json_string_value(json_object_get(
            json_object_get(json_object_get(doc, "request"), "recipient"),
            "server"));
        rc = group_of(t, sc->site, server, &g);
        if (rc == WB_OK) {
            count_decision(t, sc, g, index, c, doc);
        }
    }
    json_decref(doc);
    return rc;
}

static int
by_id(const void *a, const void *b)
{
    const struct group *x = a, *y = b;

    if (x->id == NULL || y->id == NULL) {
        return (x->id != NULL) - (y->id != NULL);
    }
    return strcmp(x->id, y->id);
}

static void
transfers_clear(struct transfers *t)
{
    for (size_t i = 0; i < t->count; i++) {
        wb__free(t->g[i].id);
        wb_free(t->g[i].hist);
        json_decref(t->g[i].obj);
    }
    wb__free(t->g);
    json_decref(t->outcomes);
    json_decref(t->by_mechanism);
    json_decref(t->by_reason);
    json_decref(t->attempts);
}

wb_err
wb__report_transfers(const struct wb__rscan *sc, json_t *body)
{
    struct transfers t;
    json_t *servers = json_array();
    json_t *o = NULL;
    wb_err rc;

    memset(&t, 0, sizeof t);
    t.outcomes = json_object();
    t.by_mechanism = json_object();
    t.by_reason = json_object();
    t.attempts = json_array();
    for (size_t i = 0; t.outcomes != NULL && i < 5; i++) {
        json_object_set_new(t.outcomes, outcome_names[i], json_integer(0));
    }
    rc = servers && t.outcomes && t.by_mechanism && t.by_reason && t.attempts
             ? wb__report_walk(sc, NULL, visit, &t)
             : WB_ERR_NOMEM;
    if (rc == WB_OK) {
        if (t.count > 1) {
            qsort(t.g, t.count, sizeof *t.g, by_id);
        }
        for (size_t i = 0; i < t.count; i++) {
            json_t *m = json_object_get(t.g[i].obj, "mechanisms");
            json_object_set_new(t.g[i].obj, "mechanisms",
                                wb__report_sorted(json_incref(m)));
            json_array_append(servers, t.g[i].obj);
        }
        o = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:o, s:o}", "decisions",
            t.decisions, "permitted", t.permitted, "denied", t.denied,
            "refused", t.refused, "unreadable", t.unreadable, "outcomes",
            t.outcomes, "by_server", servers, "by_mechanism",
            wb__report_sorted(json_incref(t.by_mechanism)), "refused_by_reason",
            wb__report_sorted(json_incref(t.by_reason)));
        rc = o != NULL ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK && !sc->counts_only) {
        json_object_set(o, "refused_attempts", t.attempts);
    }
    if (rc == WB_OK) {
        json_object_update(body, o);
    }
    json_decref(o);
    json_decref(servers);
    transfers_clear(&t);
    return rc;
}
