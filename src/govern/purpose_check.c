/* SPDX-License-Identifier: Apache-2.0 */
/* The purpose check: may a logged record be used for a purpose on a date,
 * given its purposes claim, its class and the consent it names (the
 * version in force on the date, and its latest). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <waybill/consent.h>

#include "govern/govern_int.h"

/* Reasons for and against, gathered as the checks run. */
struct verdict {
    bool permitted;
    char pro[WB_PURPOSE_WHY_MAX];
    char con[WB_PURPOSE_WHY_MAX];
};

static void add(char *buf, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Append one reason line to buf (truncated at WB_PURPOSE_WHY_MAX). */
static void
add(char *buf, const char *fmt, va_list ap)
{
    size_t n = strlen(buf);

    if (n > 0 && n + 1 < WB_PURPOSE_WHY_MAX) {
        buf[n++] = '\n';
        buf[n] = '\0';
    }
    if (n + 1 < WB_PURPOSE_WHY_MAX) {
        vsnprintf(buf + n, WB_PURPOSE_WHY_MAX - n, fmt, ap);
    }
}

static void yes(struct verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void no(struct verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
yes(struct verdict *v, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add(v->pro, fmt, ap);
    va_end(ap);
}

static void
no(struct verdict *v, const char *fmt, ...)
{
    va_list ap;

    v->permitted = false;
    va_start(ap, fmt);
    add(v->con, fmt, ap);
    va_end(ap);
}

/* The record's purposes, comma-separated, into buf. */
static void
join(const struct wb_claims *c, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < c->purpose_count && n < len; i++) {
        int k =
            snprintf(buf + n, len - n, "%s%s", i ? ", " : "", c->purposes[i]);
        n += k > 0 ? (size_t)k : 0;
    }
}

/* A purpose of the record's purposes claim must cover the use. */
static void
check_record_purposes(const struct wb_policy *pol,
                      const struct wb_claims *c,
                      const char *purpose,
                      struct verdict *v)
{
    char list[512];

    if (c->purpose_count == 0) {
        no(v, "the record declares no purposes");
        return;
    }
    join(c, list, sizeof list);
    for (size_t i = 0; i < c->purpose_count; i++) {
        if (wb_policy_purpose_covers(pol, c->purposes[i], purpose)) {
            yes(v, "the record's purpose %s covers %s", c->purposes[i],
                purpose);
            return;
        }
    }
    no(v, "the record's purposes (%s) do not cover %s", list, purpose);
}

/* The version of the record's consent in force on date must be given or
 * renewed then and its flags must cover the use; the latest version must
 * not have ended it for good. */
static wb_err
check_consent(struct wb_site *s,
              const struct wb_policy *pol,
              const struct wb_claims *rec,
              const char *purpose,
              int32_t date,
              struct verdict *v)
{
    const struct wb_consent_purpose *f;
    struct wb_consent *latest = NULL;
    struct wb_consent *c = NULL;
    enum wb_consent_status st;
    char day[11];
    wb_err rc = wb_consent_get(s, rec->consent_id, 0, &latest);

    wb_date_format(date, day);
    if (rc == WB_ERR_NOTFOUND) {
        wb_errmsg_clear();
        no(v, "consent %s, named by the record, is not in the consent register",
           rec->consent_id);
        return WB_OK;
    }
    if (rc == WB_OK && latest->recorded / 86400 > date) {
        rc = wb_consent_get_on(s, rec->consent_id, date, &c);
        if (rc == WB_ERR_NOTFOUND) {
            no(v, "%s", wb_errmsg());
            wb_errmsg_clear();
            rc = WB_OK;
        }
    } else {
        c = latest;
    }
    if (rc != WB_OK || c == NULL) {
        if (latest != c) {
            wb_consent_free(latest);
        }
        return rc;
    }
    if (latest != c && wb__consent_final(latest->state)) {
        no(v, "consent %s (version %u, the latest) is %s", c->id,
           (unsigned)latest->version, wb_consent_state_name(latest->state));
    }
    st = wb_consent_effective_state(c, date);
    if (st != WB_CONSENT_GIVEN && st != WB_CONSENT_RENEWED) {
        no(v, "consent %s (version %u, %s) is %s on %s", c->id,
           (unsigned)c->version, c == latest ? "the latest" : "then in force",
           wb_consent_state_name(st), day);
    } else {
        yes(v, "consent %s (version %u, %s) is %s on %s", c->id,
            (unsigned)c->version, c == latest ? "the latest" : "then in force",
            wb_consent_state_name(st), day);
    }
    f = wb__consent_deciding_flag(pol, c, purpose);
    if (f == NULL) {
        no(v, "consent %s (version %u) grants no purpose covering %s", c->id,
           (unsigned)c->version, purpose);
    } else if (!f->granted) {
        no(v, "consent %s (version %u) denies %s%s%s", c->id,
           (unsigned)c->version, f->id,
           strcmp(f->id, purpose) ? ", covering " : "",
           strcmp(f->id, purpose) ? purpose : "");
    } else {
        yes(v, "consent %s (version %u) grants %s%s%s", c->id,
            (unsigned)c->version, f->id,
            strcmp(f->id, purpose) ? ", covering " : "",
            strcmp(f->id, purpose) ? purpose : "");
    }
    if (latest != c) {
        wb_consent_free(latest);
    }
    wb_consent_free(c);
    return WB_OK;
}

static bool
is_personal(const struct wb_claims *c)
{
    return c->data_class != NULL &&
           (strcmp(c->data_class, "personal") == 0 ||
            strcmp(c->data_class, "sensitive-personal") == 0);
}

/* The claims at index. */
static wb_err
load_record(struct wb_site *s, uint64_t index, struct wb_claims **out)
{
    uint8_t *leaf = NULL;
    size_t len = 0;
    wb_err rc = wb_site_leaf(s, index, &leaf, &len);

    if (rc == WB_OK) {
        rc = wb_claims_decode(leaf, len, out);
    }
    wb_free(leaf);
    if (rc != WB_OK || *out == NULL) {
        wb__err_prefix("entry %llu", (unsigned long long)index);
        return rc != WB_OK ? rc : WB_ERR_INTERNAL;
    }
    return rc;
}

static void
copy_why(const struct verdict *v, char *why, size_t why_len)
{
    if (why != NULL && why_len > 0) {
        snprintf(why, why_len, "%s", v->permitted ? v->pro : v->con);
    }
}

wb_err
wb_purpose_check_claims(struct wb_site *s,
                        const struct wb_policy *pol,
                        const struct wb_claims *c,
                        const char *purpose,
                        int32_t date,
                        bool *permitted,
                        char *why,
                        size_t why_len)
{
    struct verdict *v;
    wb_err rc = WB_OK;

    if (why != NULL && why_len > 0) {
        why[0] = '\0';
    }
    if (permitted == NULL || s == NULL || pol == NULL || purpose == NULL ||
        c == NULL) {
        return wb__err(WB_ERR_INVAL, "purpose check: missing argument");
    }
    *permitted = false;
    if (wb_policy_purpose_find(pol, purpose) < 0) {
        return wb__err(WB_ERR_INVAL,
                       "purpose \"%.64s\" is not in the purpose vocabulary",
                       purpose);
    }
    if (c->kind == NULL ||
        (strcmp(c->kind, "record") != 0 && strcmp(c->kind, "inference") != 0)) {
        return wb__err(WB_ERR_INVAL,
                       "%s %s entry, not a record: purposes apply to records",
                       wb__a(c->kind ? c->kind : "kindless"),
                       c->kind ? c->kind : "kindless");
    }
    v = wb__calloc(1, sizeof *v);
    if (v == NULL) {
        return WB_ERR_NOMEM;
    }
    v->permitted = true;
    check_record_purposes(pol, c, purpose, v);
    if (c->consent_id != NULL) {
        rc = check_consent(s, pol, c, purpose, date, v);
    } else if (is_personal(c)) {
        no(v, "the record is %s data and names no consent", c->data_class);
    } else {
        yes(v, "the record is %s data: no consent needed",
            c->data_class ? c->data_class : "unclassified");
    }
    if (rc == WB_OK) {
        *permitted = v->permitted;
        copy_why(v, why, why_len);
    }
    wb__free(v);
    return rc;
}

wb_err
wb_purpose_check(struct wb_site *s,
                 const struct wb_policy *pol,
                 uint64_t index,
                 const char *purpose,
                 int32_t date,
                 bool *permitted,
                 char *why,
                 size_t why_len)
{
    struct wb_claims *c = NULL;
    wb_err rc;

    if (why != NULL && why_len > 0) {
        why[0] = '\0';
    }
    if (permitted == NULL || s == NULL || pol == NULL || purpose == NULL) {
        return wb__err(WB_ERR_INVAL, "purpose check: missing argument");
    }
    *permitted = false;
    if (wb_policy_purpose_find(pol, purpose) < 0) {
        return wb__err(WB_ERR_INVAL,
                       "purpose \"%.64s\" is not in the purpose vocabulary",
                       purpose);
    }
    rc = load_record(s, index, &c);
    if (rc == WB_OK) {
        rc = wb_purpose_check_claims(s, pol, c, purpose, date, permitted, why,
                                     why_len);
        if (rc == WB_ERR_INVAL) {
            wb__err_prefix("entry %llu", (unsigned long long)index);
        }
    }
    wb_claims_free(c);
    return rc;
}
