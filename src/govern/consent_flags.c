/* SPDX-License-Identifier: Apache-2.0 */
/* Consent flags per purpose: a record grants or denies purposes; a flag
 * covers its purpose's descendants in the vocabulary, and the most
 * specific flag on the way up from a purpose decides. */
#include <string.h>

#include "govern/govern_int.h"

bool
wb__consent_any_granted(const struct wb_consent *c)
{
    for (size_t i = 0; i < c->purpose_count; i++) {
        if (c->purposes[i].granted) {
            return true;
        }
    }
    return false;
}

wb_err
wb__consent_set_flag(const struct wb_consent *cur,
                     const char *purpose,
                     bool granted,
                     struct wb_consent_purpose **out,
                     size_t *count)
{
    struct wb_consent_purpose *p;
    size_t n = cur->purpose_count;
    size_t i = 0;

    while (i < n && strcmp(cur->purposes[i].id, purpose) != 0) {
        i++;
    }
    if (i < n && cur->purposes[i].granted == granted) {
        return wb__err(WB_ERR_INVAL, "consent %s: purpose %s is already %s",
                       cur->id, purpose, granted ? "granted" : "withdrawn");
    }
    if (i == n && n == WB_CONSENT_LIST_MAX) {
        return wb__err(WB_ERR_INVAL, "consent %s: already %d purpose flags",
                       cur->id, WB_CONSENT_LIST_MAX);
    }
    p = wb__calloc(n + 1, sizeof *p);
    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    memcpy(p, cur->purposes, n * sizeof *p);
    if (i == n) {
        p[n].id = purpose; /* a flag of its own, below its parent's */
        n++;
    }
    p[i].granted = granted;
    *out = p;
    *count = n;
    return WB_OK;
}

size_t
wb__consent_granted(const struct wb_consent *c,
                    const char *out[WB_CONSENT_LIST_MAX])
{
    size_t n = 0;

    if (c->state != WB_CONSENT_GIVEN && c->state != WB_CONSENT_RENEWED) {
        return 0;
    }
    for (size_t i = 0; i < c->purpose_count && n < WB_CONSENT_LIST_MAX; i++) {
        if (c->purposes[i].granted) {
            out[n++] = c->purposes[i].id;
        }
    }
    return n;
}

/* The flag of purpose name in c, or NULL. */
static const struct wb_consent_purpose *
flag_of(const struct wb_consent *c, const char *name)
{
    for (size_t i = 0; i < c->purpose_count; i++) {
        if (strcmp(c->purposes[i].id, name) == 0) {
            return &c->purposes[i];
        }
    }
    return NULL;
}

const struct wb_consent_purpose *
wb__consent_deciding_flag(const struct wb_policy *pol,
                          const struct wb_consent *c,
                          const char *purpose)
{
    size_t steps = wb_policy_purpose_count(pol);
    int i = wb_policy_purpose_find(pol, purpose);

    /* bounded by the vocabulary's size, whatever its parent links say */
    for (size_t k = 0; i >= 0 && k <= steps; k++) {
        const char *parent = wb_policy_purpose_parent(pol, i);
        const struct wb_consent_purpose *f =
            flag_of(c, wb_policy_purpose_name(pol, i));
        if (f != NULL) {
            return f;
        }
        if (parent == NULL) {
            break;
        }
        i = wb_policy_purpose_find(pol, parent);
    }
    return NULL;
}
