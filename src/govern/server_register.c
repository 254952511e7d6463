/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: registrations, updates and status changes
 * recorded as new versions in the "server" register of the log, and the
 * versions read back. */
#include <string.h>
#include <time.h>

#include <waybill/server.h>

#include "govern/govern_int.h"

#define ECHO_MAX 64 /* bytes of a bad value quoted in a message */

/* Parse a stored version and check it is what the register says. */
static wb_err
from_doc(const struct wb_register_doc *d, struct wb_server *out)
{
    wb_err rc = wb_server_from_json(d->doc, strlen(d->doc), out);

    if (rc != WB_OK) {
        wb__err_prefix("server %s version %u (entry %llu)", d->id,
                       (unsigned)d->version, (unsigned long long)d->entry);
        return rc;
    }
    if (strcmp(out->id, d->id) != 0 || out->version != d->version) {
        return wb__err(WB_ERR_VERIFY,
                       "server %s version %u (entry %llu): the document says "
                       "%s version %u",
                       d->id, (unsigned)d->version,
                       (unsigned long long)d->entry, out->id,
                       (unsigned)out->version);
    }
    out->entry = d->entry;
    return WB_OK;
}

/* Log v (its version set) now; v->recorded and v->entry are set. */
static wb_err
record(struct wb_site *site, struct wb_server *v, uint64_t *entry)
{
    struct wb_append e;
    char *json = NULL;
    wb_err rc;

    v->recorded = (int64_t)time(NULL);
    rc = wb_server_to_json(v, &json);
    if (rc != WB_OK) {
        goto out;
    }
    memset(&e, 0, sizeof e);
    e.claims.kind = WB_SERVER_REGISTER;
    e.claims.sub = v->id;
    e.claims.iat = v->recorded;
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)json;
    e.payload_len = strlen(json);
    rc = wb_site_register_put(site, &e, v->id, v->version, &v->entry);
    if (rc == WB_OK && entry != NULL) {
        *entry = v->entry;
    }
out:
    wb__free(json);
    return rc;
}

wb_err
wb_server_register(struct wb_site *site,
                   const struct wb_server *s,
                   uint64_t *entry)
{
    struct wb_register_doc d;
    struct wb_server v;
    wb_err rc;

    memset(&d, 0, sizeof d);
    rc = wb_server_check(s);
    if (rc != WB_OK) {
        return rc;
    }
    if (s->version > 1 || s->replaces != 0) {
        return wb__err(WB_ERR_INVAL, "version: a new registration is "
                                     "version 1 and replaces none");
    }
    if (s->status != WB_SERVER_ACTIVE) {
        return wb__err(WB_ERR_INVAL, "status: a new registration is active");
    }
    rc = wb_site_register_get(site, WB_SERVER_REGISTER, s->id, 0, &d);
    if (rc == WB_OK) {
        rc = wb__err(WB_ERR_EXISTS,
                     "server %s is registered already (version %u); "
                     "record changes as new versions",
                     s->id, (unsigned)d.version);
        wb_register_doc_clear(&d);
        return rc;
    }
    if (rc != WB_ERR_NOTFOUND) {
        return rc;
    }
    wb_errmsg_clear();
    v = *s;
    v.version = 1;
    v.replaces = 0;
    return record(site, &v, entry);
}

/* The latest version of id, which must not be revoked, as the base of the
 * next one. */
static wb_err
next_version(struct wb_site *site, const char *id, struct wb_server *next)
{
    wb_err rc = wb_server_get(site, id, 0, next);

    if (rc != WB_OK) {
        return rc;
    }
    if (next->status == WB_SERVER_REVOKED) {
        return wb__err(WB_ERR_INVAL,
                       "server %s was revoked in version %u; a revocation "
                       "is final (register a new id)",
                       id, (unsigned)next->version);
    }
    if (next->version == UINT32_MAX) {
        return wb__err(WB_ERR_TOOBIG, "server %s: no versions left", id);
    }
    next->replaces = next->version;
    next->version++;
    next->reason[0] = '\0';
    return WB_OK;
}

wb_err
wb_server_update(struct wb_site *site,
                 const struct wb_server *s,
                 uint64_t *entry)
{
    struct wb_server v;
    wb_err rc;

    rc = wb_server_check(s);
    if (rc != WB_OK) {
        return rc;
    }
    rc = next_version(site, s->id, &v);
    if (rc != WB_OK) {
        return rc;
    }
    memcpy(v.endpoint, s->endpoint, sizeof v.endpoint);
    memcpy(v.operator_name, s->operator_name, sizeof v.operator_name);
    memcpy(v.country, s->country, sizeof v.country);
    v.role = s->role;
    memcpy(v.registration, s->registration, sizeof v.registration);
    v.mechanism = s->mechanism;
    memcpy(v.pin, s->pin, sizeof v.pin);
    memcpy(v.reason, s->reason, sizeof v.reason);
    return record(site, &v, entry);
}

wb_err
wb_server_set_status(struct wb_site *site,
                     const char *id,
                     enum wb_server_status status,
                     const char *reason,
                     uint64_t *entry)
{
    struct wb_server v;
    wb_err rc;

    if (status > WB_SERVER_REVOKED) {
        return wb__err(WB_ERR_INVAL,
                       "status: only active, suspended or revoked is "
                       "recorded");
    }
    if (reason == NULL || reason[0] == '\0') {
        return wb__err(WB_ERR_INVAL, "reason: required for a status change");
    }
    if (strlen(reason) > WB_SERVER_REASON_MAX) {
        return wb__err(WB_ERR_TOOBIG, "reason: longer than %d bytes",
                       WB_SERVER_REASON_MAX);
    }
    rc = next_version(site, id, &v);
    if (rc != WB_OK) {
        return rc;
    }
    if (v.status == status) {
        return wb__err(WB_ERR_INVAL, "server %s is %s already", id,
                       wb_server_status_name(status));
    }
    v.status = status;
    memcpy(v.reason, reason, strlen(reason) + 1);
    return record(site, &v, entry);
}

wb_err
wb_server_get(struct wb_site *site,
              const char *id,
              uint32_t version,
              struct wb_server *out)
{
    struct wb_register_doc d;
    wb_err rc;

    memset(out, 0, sizeof *out);
    rc = wb_site_register_get(site, WB_SERVER_REGISTER, id, version, &d);
    if (rc == WB_OK) {
        rc = from_doc(&d, out);
    }
    wb_register_doc_clear(&d);
    return rc;
}

/* Parse every document of a register listing into a new array. */
static wb_err
parse_list(struct wb_register_doc *docs,
           size_t count,
           struct wb_server **out,
           size_t *n)
{
    struct wb_server *v = NULL;
    wb_err rc = WB_OK;

    if (count > 0) {
        v = wb__calloc(count, sizeof *v);
        if (v == NULL) {
            return WB_ERR_NOMEM;
        }
    }
    for (size_t i = 0; i < count && rc == WB_OK; i++) {
        rc = from_doc(&docs[i], &v[i]);
    }
    if (rc != WB_OK) {
        wb__free(v);
        return rc;
    }
    *out = v;
    *n = count;
    return WB_OK;
}

wb_err
wb_server_list(struct wb_site *site, struct wb_server **out, size_t *n)
{
    struct wb_register_doc *docs = NULL;
    size_t count = 0;
    wb_err rc;

    *out = NULL;
    *n = 0;
    rc = wb_site_register_list(site, WB_SERVER_REGISTER, NULL, &docs, &count);
    if (rc == WB_OK) {
        rc = parse_list(docs, count, out, n);
    }
    wb_register_docs_free(docs, count);
    return rc;
}

wb_err
wb_server_history(struct wb_site *site,
                  const char *id,
                  struct wb_server **out,
                  size_t *n)
{
    struct wb_register_doc *docs = NULL;
    size_t count = 0;
    wb_err rc;

    *out = NULL;
    *n = 0;
    rc = wb_site_register_list(site, WB_SERVER_REGISTER, id, &docs, &count);
    if (rc == WB_OK && count == 0) {
        rc = wb__err(WB_ERR_NOTFOUND, "no server \"%.*s\"", ECHO_MAX, id);
    }
    if (rc == WB_OK) {
        rc = parse_list(docs, count, out, n);
    }
    wb_register_docs_free(docs, count);
    return rc;
}
