/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the governance module: what its files share. Never installed. */
#ifndef WB_GOVERN_INT_H
#define WB_GOVERN_INT_H

#include <waybill/consent.h>
#include <waybill/decision.h>

#include "core/core_int.h"

/* ---- consent records ---------------------------------------------------- */

/* Everything a consent document must satisfy (consent_check.c), reported
 * with `code` (WB_ERR_FORMAT when parsing, WB_ERR_INVAL when writing) and
 * the field named. */
wb_err wb__consent_check(wb_err code, const struct wb_consent *c);

/* Refused, withdrawn and revoked admit no further change. */
bool wb__consent_final(enum wb_consent_status st);

/* Log c (a complete next version) as a "consent" entry and index it in the
 * register; c->recorded is set now. *out (may be NULL) gets the stored
 * record (consent_register.c). */
wb_err wb__consent_record(struct wb_site *s,
                          struct wb_consent *c,
                          struct wb_consent **out);

/* Purpose flags (consent_flags.c). */
bool wb__consent_any_granted(const struct wb_consent *c);

/* cur's flags with `purpose` set to granted (added when it has none) into
 * a new array *out (wb__free; its ids are borrowed from cur and purpose).
 * WB_ERR_INVAL if that flag has that value already, or no room is left. */
wb_err wb__consent_set_flag(const struct wb_consent *cur,
                            const char *purpose,
                            bool granted,
                            struct wb_consent_purpose **out,
                            size_t *count);

/* The purposes c grants while given or renewed, into out; their number. */
size_t wb__consent_granted(const struct wb_consent *c,
                           const char *out[WB_CONSENT_LIST_MAX]);

/* The most specific flag of c on purpose or an ancestor in pol's
 * vocabulary, or NULL when none covers it. */
const struct wb_consent_purpose *
wb__consent_deciding_flag(const struct wb_policy *pol,
                          const struct wb_consent *c,
                          const char *purpose);

/* ---- the policy register --------------------------------------------------
 */

/* Lower-case hex SHA-256 of a policy file's text, as its register
 * document carries it. */
void wb__policy_text_digest(const char *text,
                            size_t len,
                            char hex[2 * WB_HASH_BYTES + 1]);

/* wb_policy_log inside the batch the caller has open. */
wb_err wb__policy_log_in_batch(struct wb_site *s,
                               const struct wb_policy *p,
                               struct wb_policy_cite *cites,
                               size_t *added);

#endif
