/* SPDX-License-Identifier: Apache-2.0 */
/* Consent changes: a grant records version 1; an answer, withdrawal,
 * renewal or revocation records the next version, as the state allows. */
#include <string.h>
#include <time.h>

#include "govern/govern_int.h"

static int32_t
today(void)
{
    return (int32_t)((int64_t)time(NULL) / 86400);
}

/* What a grant may say beyond the document's own rules. */
static wb_err
check_grant(const struct wb_policy *pol, const struct wb_consent *c)
{
    char date[11];

    if (c->state != WB_CONSENT_REQUESTED && c->state != WB_CONSENT_GIVEN &&
        c->state != WB_CONSENT_REFUSED) {
        return wb__err(WB_ERR_INVAL,
                       "field \"state\": a new consent is requested, given "
                       "or refused, not %s",
                       wb_consent_state_name(c->state));
    }
    if (c->state == WB_CONSENT_GIVEN && c->purposes != NULL &&
        !wb__consent_any_granted(c)) {
        return wb__err(WB_ERR_INVAL, "field \"purposes\": a given consent "
                                     "grants at least one purpose");
    }
    if (c->has_expires && c->expires < today()) {
        wb_date_format(c->expires, date);
        return wb__err(WB_ERR_INVAL, "field \"expires\": %s is before today",
                       date);
    }
    for (size_t i = 0;
         pol != NULL && c->purposes != NULL && i < c->purpose_count; i++) {
        if (c->purposes[i].id == NULL ||
            wb_policy_purpose_find(pol, c->purposes[i].id) < 0) {
            return wb__err(WB_ERR_INVAL,
                           "field \"purposes\": \"%.64s\" is not in the "
                           "purpose vocabulary",
                           c->purposes[i].id ? c->purposes[i].id : "");
        }
    }
    return WB_OK;
}

wb_err
wb_consent_grant(struct wb_site *s,
                 const struct wb_policy *pol,
                 const struct wb_consent *in,
                 struct wb_consent **out)
{
    struct wb_register_doc d;
    struct wb_consent c;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    if (s == NULL || in == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site or record");
    }
    if (in->version > 1 || in->replaces != 0) {
        return wb__err(WB_ERR_INVAL, "field \"version\": a grant records "
                                     "version 1");
    }
    c = *in;
    c.state = c.state == WB_CONSENT_NONE ? WB_CONSENT_GIVEN : c.state;
    c.version = 1;
    c.by = c.state == WB_CONSENT_REQUESTED ? c.controller : c.subject;
    c.entry = 0;
    rc = check_grant(pol, &c);
    if (rc == WB_OK) {
        rc = wb__consent_check(WB_ERR_INVAL, &c);
    }
    if (rc != WB_OK) {
        return rc;
    }
    rc = wb_site_register_get(s, WB_CONSENT_REGISTER, c.id, 0, &d);
    if (rc == WB_OK) {
        rc = wb__err(WB_ERR_EXISTS,
                     "consent %s is already recorded (version %u); change "
                     "it with withdraw, renew or revoke, or grant under a "
                     "new id",
                     c.id, (unsigned)d.version);
        wb_register_doc_clear(&d);
        return rc;
    }
    if (rc != WB_ERR_NOTFOUND) {
        return rc;
    }
    wb_errmsg_clear();
    return wb__consent_record(s, &c, out);
}

/* The latest version of id, for a change `what` that its state allows
 * unless final. */
static wb_err
load_for_change(struct wb_site *s,
                const char *id,
                const char *what,
                struct wb_consent **cur)
{
    wb_err rc;

    if (s == NULL || id == NULL) {
        return wb__err(WB_ERR_INVAL, "consent: no site or id");
    }
    rc = wb_consent_get(s, id, 0, cur);
    if (rc != WB_OK || *cur == NULL) {
        return rc != WB_OK ? rc : WB_ERR_INTERNAL;
    }
    if (wb__consent_final((*cur)->state)) {
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s is %s (version %u): cannot %s it; consent "
                     "given again is a new grant under a new id",
                     id, wb_consent_state_name((*cur)->state),
                     (unsigned)(*cur)->version, what);
    } else if ((*cur)->version == UINT32_MAX) {
        rc = wb__err(WB_ERR_INVAL, "consent %s: no versions left", id);
    }
    if (rc != WB_OK) {
        wb_consent_free(*cur);
        *cur = NULL;
    }
    return rc;
}

/* The next version of cur: same terms, by the subject, no reason yet. */
static struct wb_consent
next_version(const struct wb_consent *cur)
{
    struct wb_consent n = *cur;

    n.version = cur->version + 1;
    n.replaces = cur->version;
    n.by = cur->subject;
    n.reason = NULL;
    n.entry = 0;
    return n;
}

static wb_err
need_reason(const char *reason)
{
    if (reason == NULL || reason[0] == '\0') {
        return wb__err(WB_ERR_INVAL, "a reason is required");
    }
    return WB_OK;
}

wb_err
wb_consent_answer(struct wb_site *s,
                  const char *id,
                  bool given,
                  struct wb_consent **out)
{
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = load_for_change(s, id, given ? "give" : "refuse", &cur);
    if (rc != WB_OK) {
        return rc;
    }
    if (cur->state != WB_CONSENT_REQUESTED) {
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s is %s, not requested: there is no request "
                     "to answer",
                     id, wb_consent_state_name(cur->state));
    } else {
        n = next_version(cur);
        n.state = given ? WB_CONSENT_GIVEN : WB_CONSENT_REFUSED;
        rc = wb__consent_record(s, &n, out);
    }
    wb_consent_free(cur);
    return rc;
}

wb_err
wb_consent_withdraw(struct wb_site *s,
                    const char *id,
                    const char *purpose,
                    const char *reason,
                    struct wb_consent **out)
{
    struct wb_consent_purpose *flags = NULL;
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = need_reason(reason);
    if (rc == WB_OK) {
        rc = load_for_change(s, id, "withdraw", &cur);
    }
    if (rc != WB_OK) {
        return rc;
    }
    n = next_version(cur);
    n.reason = reason;
    if (purpose == NULL) {
        n.state = WB_CONSENT_WITHDRAWN;
    } else {
        rc =
            wb__consent_set_flag(cur, purpose, false, &flags, &n.purpose_count);
        n.purposes = flags;
    }
    if (rc == WB_OK) {
        rc = wb__consent_record(s, &n, out);
    }
    wb__free(flags);
    wb_consent_free(cur);
    return rc;
}

wb_err
wb_consent_allow(struct wb_site *s,
                 const struct wb_policy *pol,
                 const char *id,
                 const char *purpose,
                 const char *reason,
                 struct wb_consent **out)
{
    struct wb_consent_purpose *flags = NULL;
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    wb_err rc = WB_OK;

    if (out != NULL) {
        *out = NULL;
    }
    if (purpose == NULL ||
        (pol != NULL && wb_policy_purpose_find(pol, purpose) < 0)) {
        return wb__err(WB_ERR_INVAL,
                       "purpose \"%.64s\" is not in the purpose vocabulary",
                       purpose ? purpose : "");
    }
    rc = load_for_change(s, id, "grant a purpose of", &cur);
    if (rc != WB_OK) {
        return rc;
    }
    if (cur->state != WB_CONSENT_GIVEN && cur->state != WB_CONSENT_RENEWED) {
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s is %s: a purpose is granted on a given or "
                     "renewed consent (answer or renew it first)",
                     id, wb_consent_state_name(cur->state));
    } else {
        n = next_version(cur);
        n.reason = reason != NULL && reason[0] != '\0' ? reason : NULL;
        rc = wb__consent_set_flag(cur, purpose, true, &flags, &n.purpose_count);
        n.purposes = flags;
    }
    if (rc == WB_OK) {
        rc = wb__consent_record(s, &n, out);
    }
    wb__free(flags);
    wb_consent_free(cur);
    return rc;
}

wb_err
wb_consent_renew(struct wb_site *s,
                 const char *id,
                 const int32_t *expires,
                 struct wb_consent **out)
{
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    char date[11];
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = load_for_change(s, id, "renew", &cur);
    if (rc != WB_OK) {
        return rc;
    }
    n = next_version(cur);
    n.state = WB_CONSENT_RENEWED;
    if (expires != NULL) {
        n.has_expires = true;
        n.expires = *expires;
    }
    if (cur->state == WB_CONSENT_REQUESTED) {
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s is requested: answer the request; there is "
                     "nothing to renew",
                     id);
    } else if (n.has_expires && n.expires < today()) {
        wb_date_format(n.expires, date);
        rc = wb__err(WB_ERR_INVAL,
                     "consent %s: expiry %s is before today; give a new "
                     "expiry",
                     id, date);
    } else {
        rc = wb__consent_record(s, &n, out);
    }
    wb_consent_free(cur);
    return rc;
}

wb_err
wb_consent_revoke(struct wb_site *s,
                  const char *id,
                  const char *reason,
                  struct wb_consent **out)
{
    struct wb_consent *cur = NULL;
    struct wb_consent n;
    wb_err rc;

    if (out != NULL) {
        *out = NULL;
    }
    rc = need_reason(reason);
    if (rc == WB_OK) {
        rc = load_for_change(s, id, "revoke", &cur);
    }
    if (rc != WB_OK) {
        return rc;
    }
    n = next_version(cur);
    n.state = WB_CONSENT_REVOKED;
    n.by = cur->controller;
    n.reason = reason;
    rc = wb__consent_record(s, &n, out);
    wb_consent_free(cur);
    return rc;
}
