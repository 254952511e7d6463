/* SPDX-License-Identifier: Apache-2.0 */
/* The policy register: each file of a loaded policy logged as a version of
 * its id when its text is new, and the stored versions read back. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "govern/govern_int.h"

/* A stored version: parsed, and agreeing with its register row. */
static wb_err
from_doc(const struct wb_register_doc *r, struct wb_policy_doc *out)
{
    wb_err rc = wb_policy_doc_from_json(r->doc, strlen(r->doc), out);

    if (rc != WB_OK) {
        wb__err_prefix("policy %s version %u (entry %llu)", r->id,
                       (unsigned)r->version, (unsigned long long)r->entry);
        return rc;
    }
    if (strcmp(out->id, r->id) != 0 || out->version != r->version) {
        rc = wb__err(WB_ERR_FORMAT,
                     "policy %s version %u (entry %llu): the document is %s "
                     "version %u",
                     r->id, (unsigned)r->version, (unsigned long long)r->entry,
                     out->id, (unsigned)out->version);
        wb_policy_doc_clear(out);
        return rc;
    }
    out->entry = r->entry;
    return WB_OK;
}

wb_err
wb_policy_doc_get(struct wb_site *s,
                  const char *id,
                  uint32_t version,
                  struct wb_policy_doc *out)
{
    struct wb_register_doc r;
    wb_err rc;

    if (out == NULL) {
        return wb__err(WB_ERR_INVAL, "policy: no output");
    }
    memset(out, 0, sizeof *out);
    if (s == NULL || id == NULL) {
        return wb__err(WB_ERR_INVAL, "policy: no site or id");
    }
    rc = wb_site_register_get(s, WB_POLICY_REGISTER, id, version, &r);
    if (rc == WB_ERR_NOTFOUND) {
        return version == 0 ? wb__err(rc, "no policy \"%.64s\" is logged", id)
                            : wb__err(rc, "policy %.64s has no version %u", id,
                                      (unsigned)version);
    }
    if (rc == WB_OK) {
        rc = from_doc(&r, out);
    }
    wb_register_doc_clear(&r);
    return rc;
}

wb_err
wb_policy_doc_list(struct wb_site *s,
                   const char *id,
                   struct wb_policy_doc **out,
                   size_t *count)
{
    struct wb_register_doc *r = NULL;
    struct wb_policy_doc *v = NULL;
    size_t n = 0;
    size_t i = 0;
    wb_err rc;

    if (out == NULL || count == NULL) {
        return wb__err(WB_ERR_INVAL, "policy: no output");
    }
    *out = NULL;
    *count = 0;
    if (s == NULL) {
        return wb__err(WB_ERR_INVAL, "policy: no site");
    }
    rc = wb_site_register_list(s, WB_POLICY_REGISTER, id, &r, &n);
    if (rc == WB_OK && n == 0 && id != NULL) {
        rc = wb__err(WB_ERR_NOTFOUND, "no policy \"%.64s\" is logged", id);
    }
    if (rc == WB_OK && n > 0) {
        v = wb__calloc(n, sizeof *v);
        rc = v != NULL ? WB_OK : WB_ERR_NOMEM;
    }
    for (; rc == WB_OK && i < n; i++) {
        rc = from_doc(&r[i], &v[i]);
    }
    wb_register_docs_free(r, n);
    if (rc != WB_OK) {
        wb_policy_docs_free(v, i);
        return rc;
    }
    *out = v;
    *count = n;
    return WB_OK;
}

/* Log src as version `version` of its id. */
static wb_err
log_version(struct wb_site *s,
            const struct wb_policy_source *src,
            const char *sha256,
            uint32_t version,
            uint64_t *entry)
{
    struct wb_policy_doc d;
    struct wb_append e;
    char *json = NULL;
    wb_err rc;

    memset(&d, 0, sizeof d);
    snprintf(d.id, sizeof d.id, "%s", src->id);
    d.version = version;
    d.replaces = version - 1;
    snprintf(d.profile, sizeof d.profile, "%s",
             src->profile ? src->profile : "");
    snprintf(d.file, sizeof d.file, "%s", src->file);
    memcpy(d.sha256, sha256, sizeof d.sha256);
    d.recorded = (int64_t)time(NULL);
    d.text = (char *)src->text;
    d.text_len = src->len;
    rc = wb_policy_doc_to_json(&d, &json);
    if (rc != WB_OK) {
        return rc;
    }
    memset(&e, 0, sizeof e);
    e.claims.kind = WB_POLICY_REGISTER;
    e.claims.sub = src->id;
    e.claims.iat = d.recorded;
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)json;
    e.payload_len = strlen(json);
    rc = wb_site_register_put(s, &e, src->id, version, entry);
    wb__free(json);
    return rc;
}

/* The cite of source i of p, logging its text when it is new. */
static wb_err
log_source(struct wb_site *s,
           const struct wb_policy *p,
           size_t i,
           struct wb_policy_cite *c)
{
    struct wb_policy_source src;
    struct wb_policy_doc latest;
    wb_err rc;

    memset(c, 0, sizeof *c);
    if (!wb_policy_source(p, i, &src)) {
        return wb__err(WB_ERR_INTERNAL, "policy: no file %zu", i);
    }
    snprintf(c->id, sizeof c->id, "%s", src.id);
    snprintf(c->profile, sizeof c->profile, "%s",
             src.profile ? src.profile : "");
    wb__policy_text_digest(src.text, src.len, c->sha256);
    rc = wb_policy_doc_get(s, src.id, 0, &latest);
    if (rc == WB_OK && latest.text_len == src.len &&
        memcmp(latest.text, src.text, src.len) == 0) {
        c->version = latest.version;
        c->entry = latest.entry;
    } else if (rc == WB_OK || rc == WB_ERR_NOTFOUND) {
        wb_errmsg_clear();
        if (rc == WB_OK && latest.version == UINT32_MAX) {
            rc = wb__err(WB_ERR_TOOBIG, "policy %s: no versions left", src.id);
        } else {
            c->version = rc == WB_OK ? latest.version + 1 : 1;
            c->added = true;
            rc = log_version(s, &src, c->sha256, c->version, &c->entry);
        }
    }
    wb_policy_doc_clear(&latest);
    return rc;
}

wb_err
wb__policy_log_in_batch(struct wb_site *s,
                        const struct wb_policy *p,
                        struct wb_policy_cite *cites,
                        size_t *added)
{
    size_t n = wb_policy_source_count(p);
    wb_err rc = WB_OK;

    *added = 0;
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        rc = log_source(s, p, i, &cites[i]);
        *added += cites[i].added;
    }
    return rc;
}

wb_err
wb_policy_log(struct wb_site *s,
              const struct wb_policy *p,
              struct wb_policy_cite **out,
              size_t *count)
{
    struct wb_policy_cite *v = NULL;
    size_t n = wb_policy_source_count(p);
    size_t added = 0;
    bool own;
    wb_err rc;

    if (out == NULL || count == NULL) {
        return wb__err(WB_ERR_INVAL, "policy: no output");
    }
    *out = NULL;
    *count = 0;
    if (s == NULL || n == 0) {
        return wb__err(WB_ERR_INVAL, "policy: no site or no policy");
    }
    v = wb__calloc(n, sizeof *v);
    if (v == NULL) {
        return WB_ERR_NOMEM;
    }
    /* one transaction of its own, unless the caller has a batch open */
    rc = wb_site_begin(s);
    own = rc == WB_OK;
    if (rc == WB_ERR_BUSY) {
        wb_errmsg_clear();
        rc = WB_OK;
    }
    if (rc == WB_OK) {
        rc = wb__policy_log_in_batch(s, p, v, &added);
    }
    if (own && rc == WB_OK) {
        rc = wb_site_commit(s);
    } else if (own) {
        wb_site_rollback(s);
    }
    if (rc != WB_OK) {
        wb__free(v);
        return rc;
    }
    *out = v;
    *count = n;
    return WB_OK;
}
