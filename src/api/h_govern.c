/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints of governance: consent, the server registry, the policy check
 * and the device registry, through the same library calls as the CLI. */
#include <time.h>

#include "api/api_int.h"

static int32_t
today(void)
{
    return (int32_t)((int64_t)time(NULL) / 86400);
}

/* A stored JSON document as an object, with extra members from `extra`
 * (stolen) merged in. */
static json_t *
doc_json(const char *doc, json_t *extra)
{
    json_t *o = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);

    if (o == NULL || !json_is_object(o)) {
        json_decref(o);
        json_decref(extra);
        return NULL;
    }
    if (extra != NULL) {
        json_object_update(o, extra);
        json_decref(extra);
    }
    return o;
}

/* ---- consent ------------------------------------------------------------ */

static json_t *
consent_json(const struct wb_consent *k)
{
    char *doc = NULL;
    json_t *o = NULL;

    if (wb_consent_to_json(k, &doc) == WB_OK) {
        o = doc_json(
            doc,
            json_pack(
                "{s:I, s:s}", "entry", (json_int_t)k->entry, "effective_state",
                wb_consent_state_name(wb_consent_effective_state(k, today()))));
    }
    wb_free(doc);
    return o;
}

/* Reply with k (or the failure of rc) and free k. */
static void
consent_reply(struct wb__ctx *c,
              wb_err rc,
              int status,
              struct wb_consent *k,
              const char *what)
{
    json_t *j = rc == WB_OK && k != NULL ? consent_json(k) : NULL;

    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, what);
    } else if (j == NULL) {
        wb__api_fail(c, WB_ERR_INTERNAL, NULL, "consent document");
    } else {
        wb__api_json(c, status, j);
    }
    wb_consent_free(k);
}

void
wb__api_consent_grant(struct wb__ctx *c)
{
    struct wb_consent *in = NULL;
    struct wb_consent *out = NULL;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_consent_from_json((const char *)c->rq->body, c->rq->body_len, &in);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "body", "consent document");
        return;
    }
    rc = wb_consent_grant(c->site, c->api->policy, in, &out);
    wb_consent_free(in);
    consent_reply(c, rc, 201, out, "consent");
}

void
wb__api_consent_list(struct wb__ctx *c)
{
    struct wb_consent *v = NULL;
    size_t n = 0;
    json_t *a;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_consent_list(c->site, &v, &n);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "consents");
        return;
    }
    a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, consent_json(&v[i]));
    }
    wb_consent_list_free(v, n);
    wb__api_json(c, 200, json_pack("{s:o}", "consents", a));
}

void
wb__api_consent_show(struct wb__ctx *c)
{
    static const char *const allowed[] = {"version", NULL};
    struct wb_consent *k = NULL;
    uint64_t version = 0;
    wb_err rc;

    if (!wb__api_params_only(c, allowed) ||
        !wb__api_param_u64(c, "version", &version)) {
        return;
    }
    if (version > UINT32_MAX) {
        wb__api_error(c, 400, "version", "version out of range");
        return;
    }
    rc = wb_consent_get(c->site, c->arg, (uint32_t)version, &k);
    consent_reply(c, rc, 200, k, "consent");
}

void
wb__api_consent_history(struct wb__ctx *c)
{
    struct wb_consent *v = NULL;
    size_t n = 0;
    json_t *a;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_consent_history(c->site, c->arg, &v, &n);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "consent");
        return;
    }
    a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, consent_json(&v[i]));
    }
    wb_consent_list_free(v, n);
    wb__api_json(c, 200, json_pack("{s:s, s:o}", "id", c->arg, "versions", a));
}

void
wb__api_consent_withdraw(struct wb__ctx *c)
{
    static const char *const keys[] = {"reason", "purpose", NULL};
    struct wb_consent *k = NULL;
    const char *reason = NULL;
    const char *purpose = NULL;
    json_t *o = wb__api_body_object(c, keys, false);

    if (o != NULL && wb__api_params_only(c, NULL) &&
        wb__api_str(c, o, "reason", true, &reason) &&
        wb__api_str(c, o, "purpose", false, &purpose)) {
        if (purpose != NULL && c->api->policy != NULL &&
            wb_policy_purpose_find(c->api->policy, purpose) < 0) {
            /* as the command line: a purpose no use can name would be
             * written into the consent for good */
            wb__api_error(c, 400, "purpose",
                          "purpose: \"%s\" is not in the purpose vocabulary "
                          "(GET /v1/policy/profiles)",
                          purpose);
        } else {
            wb_err rc =
                wb_consent_withdraw(c->site, c->arg, purpose, reason, &k);
            consent_reply(c, rc, 200, k, "withdraw");
        }
    }
    json_decref(o);
}

void
wb__api_consent_renew(struct wb__ctx *c)
{
    static const char *const keys[] = {"expires", NULL};
    struct wb_consent *k = NULL;
    const char *expires = NULL;
    int32_t days = 0;
    wb_err rc;
    json_t *o = wb__api_body_object(c, keys, true);

    if (o == NULL || !wb__api_params_only(c, NULL) ||
        !wb__api_str(c, o, "expires", false, &expires)) {
        goto out;
    }
    if (expires != NULL && wb_date_parse(expires, &days) != WB_OK) {
        wb__api_error(c, 400, "expires", "expires: not a YYYY-MM-DD date");
        goto out;
    }
    rc = wb_consent_renew(c->site, c->arg, expires ? &days : NULL, &k);
    consent_reply(c, rc, 200, k, "renew");
out:
    json_decref(o);
}

void
wb__api_consent_revoke(struct wb__ctx *c)
{
    static const char *const keys[] = {"reason", NULL};
    struct wb_consent *k = NULL;
    const char *reason = NULL;
    json_t *o = wb__api_body_object(c, keys, false);

    if (o != NULL && wb__api_params_only(c, NULL) &&
        wb__api_str(c, o, "reason", true, &reason)) {
        wb_err rc = wb_consent_revoke(c->site, c->arg, reason, &k);
        consent_reply(c, rc, 200, k, "revoke");
    }
    json_decref(o);
}

/* ---- servers ------------------------------------------------------------ */

static json_t *
server_json(const struct wb_server *s, int32_t date)
{
    char *doc = NULL;
    json_t *o = NULL;

    if (wb_server_to_json(s, &doc) == WB_OK) {
        o = doc_json(
            doc,
            json_pack("{s:I, s:s}", "entry", (json_int_t)s->entry, "effective",
                      wb_server_status_name(wb_server_effective(s, date))));
    }
    wb_free(doc);
    return o;
}

/* The optional date= parameter (default today): false after a reply. */
static bool
date_param(struct wb__ctx *c, int32_t *date)
{
    const char *d = wb__api_param(c, "date");

    *date = today();
    if (d != NULL && wb_date_parse(d, date) != WB_OK) {
        wb__api_error(c, 400, "date", "date: not a YYYY-MM-DD date");
        return false;
    }
    return true;
}

void
wb__api_server_register(struct wb__ctx *c)
{
    struct wb_server s;
    uint64_t entry = 0;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_server_from_json((const char *)c->rq->body, c->rq->body_len, &s);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "body", "server document");
        return;
    }
    if (c->api->policy != NULL &&
        wb_policy_mechanism_check(c->api->policy, "mechanism.type",
                                  s.mechanism.type) != WB_OK) {
        /* as the command line checks it: a type no rule knows would
         * read as a mechanism in force */
        wb__api_fail(c, WB_ERR_FORMAT, "mechanism.type", "server document");
        return;
    }
    rc = wb_server_register(c->site, &s, &entry);
    if (rc == WB_OK) {
        char id[WB_SERVER_ID_MAX + 1];
        memcpy(id, s.id, sizeof id);
        rc = wb_server_get(c->site, id, 0, &s);
    }
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "register server");
        return;
    }
    wb__api_json(c, 201, server_json(&s, today()));
}

void
wb__api_server_list(struct wb__ctx *c)
{
    static const char *const allowed[] = {"date", NULL};
    struct wb_server *v = NULL;
    size_t n = 0;
    int32_t date = 0;
    json_t *a;
    wb_err rc;

    if (!wb__api_params_only(c, allowed) || !date_param(c, &date)) {
        return;
    }
    rc = wb_server_list(c->site, &v, &n);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "servers");
        return;
    }
    a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, server_json(&v[i], date));
    }
    wb_free(v);
    wb__api_json(c, 200, json_pack("{s:o}", "servers", a));
}

void
wb__api_server_show(struct wb__ctx *c)
{
    static const char *const allowed[] = {"date", "version", NULL};
    struct wb_server s;
    uint64_t version = 0;
    int32_t date = 0;
    wb_err rc;

    if (!wb__api_params_only(c, allowed) || !date_param(c, &date) ||
        !wb__api_param_u64(c, "version", &version)) {
        return;
    }
    if (version > UINT32_MAX) {
        wb__api_error(c, 400, "version", "version out of range");
        return;
    }
    rc = wb_server_get(c->site, c->arg, (uint32_t)version, &s);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "server");
        return;
    }
    wb__api_json(c, 200, server_json(&s, date));
}

/* POST .../suspend|reinstate|revoke with {"reason": "..."}. */
static void
server_status(struct wb__ctx *c, enum wb_server_status st)
{
    static const char *const keys[] = {"reason", NULL};
    const char *reason = NULL;
    struct wb_server s;
    uint64_t entry = 0;
    json_t *o = wb__api_body_object(c, keys, false);
    wb_err rc;

    if (o == NULL || !wb__api_params_only(c, NULL) ||
        !wb__api_str(c, o, "reason", true, &reason)) {
        json_decref(o);
        return;
    }
    rc = wb_server_set_status(c->site, c->arg, st, reason, &entry);
    json_decref(o);
    if (rc == WB_OK) {
        rc = wb_server_get(c->site, c->arg, 0, &s);
    }
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "server status");
        return;
    }
    wb__api_json(c, 200, server_json(&s, today()));
}

void
wb__api_server_suspend(struct wb__ctx *c)
{
    server_status(c, WB_SERVER_SUSPENDED);
}

void
wb__api_server_reinstate(struct wb__ctx *c)
{
    server_status(c, WB_SERVER_ACTIVE);
}

void
wb__api_server_revoke(struct wb__ctx *c)
{
    server_status(c, WB_SERVER_REVOKED);
}

/* ---- policy ------------------------------------------------------------- */

/* The loaded policy, or NULL after replying 503. */
static const struct wb_policy *
policy(struct wb__ctx *c)
{
    if (c->api->policy == NULL) {
        wb__api_error(c, 503, NULL, "no policy profiles are loaded");
    }
    return c->api->policy;
}

void
wb__api_policy_check(struct wb__ctx *c)
{
    static const char *const allowed[] = {"record", NULL};
    const struct wb_policy *p;
    struct wb_site_decision d;
    const char *record = NULL;
    char *text = NULL;
    wb_err rc;

    if (!wb__api_params_only(c, allowed)) {
        return;
    }
    record = wb__api_param(c, "record");
    if (record != NULL && strcmp(record, "true") != 0 &&
        strcmp(record, "false") != 0) {
        wb__api_error(c, 400, "record", "record: true or false");
        return;
    }
    p = policy(c);
    if (p == NULL) {
        return;
    }
    rc = wb_site_decide(c->site, p, (const char *)c->rq->body, c->rq->body_len,
                        NULL, 0, record != NULL && strcmp(record, "true") == 0,
                        &d);
    if (rc == WB_OK) {
        rc = wb_policy_decision_json(&d.decision, true, &text);
    }
    if (rc != WB_OK) {
        wb__api_fail(c, rc == WB_ERR_NOTFOUND ? WB_ERR_INVAL : rc, "body",
                     "policy request");
    } else {
        wb__api_bytes(c, 200, "application/json", text, strlen(text));
    }
    wb_free(text);
}

void
wb__api_policy_profiles(struct wb__ctx *c)
{
    const struct wb_policy *p;
    json_t *a;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    p = policy(c);
    if (p == NULL) {
        return;
    }
    a = json_array();
    for (size_t i = 0; i < wb_policy_profile_count(p); i++) {
        json_array_append_new(
            a, json_pack("{s:s, s:s?}", "profile", wb_policy_profile_name(p, i),
                         "title", wb_policy_profile_title(p, i)));
    }
    wb__api_json(c, 200, json_pack("{s:o}", "profiles", a));
}

/* ---- devices ------------------------------------------------------------ */

static json_t *
device_json(const struct wb_device *d)
{
    char *b64 = NULL;
    json_t *o;

    if (d->pubkey_len > 0 &&
        wb_base64_encode(d->pubkey, d->pubkey_len, &b64) != WB_OK) {
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:s?, s:I, s:I}", "id", d->id, "alg",
                  d->alg == WB_ALG_EDDSA   ? "EdDSA"
                  : d->alg == WB_ALG_ES256 ? "ES256"
                                           : "-",
                  "pubkey", b64, "entry", (json_int_t)d->entry, "created",
                  (json_int_t)d->created);
    wb_free(b64);
    return o;
}

void
wb__api_device_add(struct wb__ctx *c)
{
    static const char *const keys[] = {"id", "pubkey", NULL};
    struct wb_verifier *v = NULL;
    const char *id = NULL;
    const char *pub = NULL;
    const uint8_t *pk = NULL;
    struct wb_device d;
    size_t pk_len = 0;
    json_t *o = wb__api_body_object(c, keys, false);
    wb_err rc = WB_OK;

    if (o == NULL || !wb__api_params_only(c, NULL) ||
        !wb__api_str(c, o, "id", true, &id) ||
        !wb__api_str(c, o, "pubkey", false, &pub)) {
        goto out;
    }
    if (pub != NULL) {
        rc = strstr(pub, "-----BEGIN") != NULL
                 ? wb_verifier_from_pem(pub, strlen(pub), &v)
                 : wb_verifier_from_note_key(pub, strlen(pub), &v);
        if (rc != WB_OK) {
            wb__api_fail(c, rc, "pubkey", "pubkey");
            goto out;
        }
        pk = wb_verifier_public_key(v, &pk_len);
    }
    rc = wb_site_device_add(c->site, id, v ? wb_verifier_alg(v) : 0, pk, pk_len,
                            NULL);
    if (rc == WB_OK) {
        rc = wb_site_device_get(c->site, id, &d);
    }
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "id", "device");
    } else {
        wb__api_json(c, 201, device_json(&d));
    }
out:
    wb_verifier_free(v);
    json_decref(o);
}

void
wb__api_device_list(struct wb__ctx *c)
{
    struct wb_device *v = NULL;
    size_t n = 0;
    json_t *a;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_site_device_list(c->site, &v, &n);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "devices");
        return;
    }
    a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, device_json(&v[i]));
    }
    wb_free(v);
    wb__api_json(c, 200, json_pack("{s:o}", "devices", a));
}

void
wb__api_device_show(struct wb__ctx *c)
{
    struct wb_device d;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    rc = wb_site_device_get(c->site, c->arg, &d);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, NULL, "device");
        return;
    }
    wb__api_json(c, 200, device_json(&d));
}
