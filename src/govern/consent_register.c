/* SPDX-License-Identifier: Apache-2.0 */
/* The consent register: every version of a record is the payload of one
 * "consent" log entry; reading versions back checks them against their
 * register rows. */
#include <string.h>
#include <time.h>

#include "govern/govern_int.h"

/* A stored version: parsed, and agreeing with its register row. */
static wb_err
from_doc(const struct wb_register_doc *d, struct wb_consent *out)
{
    struct wb_consent *c = NULL;
    wb_err rc = wb_consent_from_json(d->doc, strlen(d->doc), &c);

    if (rc == WB_OK && c == NULL) {
        rc = WB_ERR_INTERNAL;
    }
    if (rc != WB_OK) {
        wb__err_prefix("consent %s version %u (entry %llu)", d->id,
                       (unsigned)d->version, (unsigned long long)d->entry);
        return rc;
    }
    if (strcmp(c->id, d->id) != 0 || c->version != d->version) {
        rc = wb__err(WB_ERR_FORMAT,
                     "consent %s version %u (entry %llu): the document is "
                     "%s version %u",
                     d->id, (unsigned)d->version, (unsigned long long)d->entry,
                     c->id, (unsigned)c->version);
        wb_consent_free(c);
        return rc;
    }
    c->entry = d->entry;
    *out = *c;
    wb__free(c); /* its contents moved to *out */
    return WB_OK;
}

wb_err
wb_consent_get(struct wb_site *s,
               const char *id,
               uint32_t version,
               struct wb_consent **out)
{
    struct wb_register_doc d;
    struct wb_consent *c;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no output");
    }
    *out = NULL;
    if (s == NULL || id == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site or id");
    }
    rc = wb_site_register_get(s, WB_CONSENT_REGISTER, id, version, &d);
    if (rc != WB_OK) {
        return rc;
    }
    c = wb__calloc(1, sizeof *c);
    rc = c != NULL ? from_doc(&d, c) : WB_ERR_NOMEM;
    wb_register_doc_clear(&d);
    if (rc != WB_OK) {
        wb__free(c);
        return rc;
    }
    *out = c;
    return WB_OK;
}

/* Parse register rows into a new array of consents. */
static wb_err
from_docs(const struct wb_register_doc *d,
          size_t n,
          struct wb_consent **out,
          size_t *count)
{
    struct wb_consent *v;
    wb_err rc = WB_OK;
    size_t i = 0;

    if (n == 0) {
        return WB_OK;
    }
    v = wb__calloc(n, sizeof *v);
    if (v == NULL) {
        return WB_ERR_NOMEM;
    }
    for (; i < n && rc == WB_OK; i++) {
        rc = from_doc(&d[i], &v[i]);
    }
    if (rc != WB_OK) {
        wb_consent_list_free(v, i);
        return rc;
    }
    *out = v;
    *count = n;
    return WB_OK;
}

/* The consent register's versions of id (NULL = latest of each id). */
static wb_err
list(struct wb_site *s, const char *id, struct wb_consent **out, size_t *count)
{
    struct wb_register_doc *d = NULL;
    size_t n = 0;
    wb_err rc;

    if (out == NULL || count == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no output");
    }
    *out = NULL;
    *count = 0;
    if (s == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site");
    }
    rc = wb_site_register_list(s, WB_CONSENT_REGISTER, id, &d, &n);
    if (rc == WB_OK) {
        rc = from_docs(d, n, out, count);
    }
    wb_register_docs_free(d, n);
    return rc;
}

wb_err
wb_consent_history(struct wb_site *s,
                   const char *id,
                   struct wb_consent **out,
                   size_t *count)
{
    wb_err rc;

    if (id == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no id");
    }
    rc = list(s, id, out, count);
    if (rc == WB_OK && *count == 0) {
        rc = wb__err(WB_ERR_NOTFOUND, "no consent \"%s\"", id);
    }
    return rc;
}

wb_err
wb_consent_get_on(struct wb_site *s,
                  const char *id,
                  int32_t date,
                  struct wb_consent **out)
{
    struct wb_consent *v = NULL;
    struct wb_consent *c = NULL;
    size_t n = 0;
    size_t k;
    char day[11];
    char first[21];
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no output");
    }
    *out = NULL;
    rc = wb_consent_history(s, id, &v, &n);
    if (rc != WB_OK) {
        return rc;
    }
    /* oldest first: the newest version recorded by that day */
    for (k = n; k > 0 && v[k - 1].recorded / 86400 > date; k--) {
    }
    if (k == 0) {
        wb_date_format(date, day);
        wb_time_format(v[0].recorded, first);
        rc = wb__err(WB_ERR_NOTFOUND,
                     "consent %s: no version recorded on or before %s (the "
                     "first was recorded %s)",
                     id, day, first);
    } else {
        c = wb__calloc(1, sizeof *c);
        rc = c != NULL ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK) {
        *c = v[k - 1]; /* moved out: the array slot is zeroed below */
        memset(&v[k - 1], 0, sizeof v[k - 1]);
        *out = c;
    }
    wb_consent_list_free(v, n);
    return rc;
}

wb_err
wb_consent_list(struct wb_site *s, struct wb_consent **out, size_t *count)
{
    return list(s, NULL, out, count);
}

wb_err
wb__consent_record(struct wb_site *s,
                   struct wb_consent *c,
                   struct wb_consent **out)
{
    const char *granted[WB_CONSENT_LIST_MAX];
    struct wb_append e;
    char *doc = NULL;
    uint64_t entry = 0;
    size_t n = 0;
    wb_err rc;

    c->recorded = (int64_t)time(NULL);
    rc = wb_consent_to_json(c, &doc);
    if (rc != WB_OK) {
        return rc;
    }
    /* the leaf's purposes are what the subject has granted right now */
    n = wb__consent_granted(c, granted);
    memset(&e, 0, sizeof e);
    e.claims.kind = WB_CONSENT_REGISTER;
    e.claims.consent_id = c->id;
    e.claims.consent_version = c->version;
    e.claims.jurisdiction = c->jurisdiction;
    e.claims.data_class = "personal";
    e.claims.purposes = n > 0 ? granted : NULL;
    e.claims.purpose_count = n;
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    rc = wb_site_register_put(s, &e, c->id, c->version, &entry);
    if (rc == WB_OK && out != NULL) {
        rc = wb_consent_from_json(doc, e.payload_len, out);
        if (rc == WB_OK) {
            (*out)->entry = entry;
        }
    }
    wb__free(doc);
    return rc;
}
