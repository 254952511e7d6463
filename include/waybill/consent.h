/* SPDX-License-Identifier: Apache-2.0 */
/* Versioned consent records and the purpose check. A consent record is a
 * JSON document (fields after ISO/IEC TS 27560 and W3C DPV, docs below)
 * kept in the "consent" register: every version is the payload of one
 * "consent" log entry, so changing a consent adds a version and never
 * rewrites one. One site handle is used by one thread at a time.
 *
 * States and what may follow them:
 *   requested  -> given or refused (wb_consent_answer), withdrawn, revoked
 *   given      -> withdrawn (whole, or one purpose flag: state unchanged),
 *                 a purpose granted (state unchanged), renewed, revoked
 *   renewed    -> as given
 *   expired    -> renewed, withdrawn, revoked (a stored "expired" comes
 *                 only from imported documents; a given or renewed consent
 *                 past its expiry is expired by wb_consent_effective_state)
 *   refused, withdrawn, revoked: final. Consent after one of these is a new
 *                 affirmative act by the subject, recorded as a new grant
 *                 under a new id; the old record stays as evidence.
 * A change the state does not allow is WB_ERR_INVAL naming the state. */
#ifndef WAYBILL_CONSENT_H
#define WAYBILL_CONSENT_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/ledger.h>
#include <waybill/policy.h>

/* The register's name, also the kind of its entries. */
#define WB_CONSENT_REGISTER "consent"
/* Caps, in bytes or items. */
#define WB_CONSENT_DOC_MAX  65536 /* one document */
#define WB_CONSENT_ID_MAX   WB_REGISTER_ID_MAX
#define WB_CONSENT_TEXT_MAX 1024 /* a free-text field */
#define WB_CONSENT_ITEM_MAX 256  /* a list item, the subject, a purpose id */
#define WB_CONSENT_LIST_MAX 64   /* items of a list, purpose flags */

/* One purpose flag: consent to `id` is given (true) or denied (false). A
 * flag covers the purpose and its descendants in the vocabulary; the most
 * specific flag on the way from a purpose up to the root decides. */
struct wb_consent_purpose {
    const char *id;
    bool granted;
};

/* A consent record. As an input, strings and arrays are borrowed; NULL or a
 * zero count means absent. From the library (wb_consent_get,
 * wb_consent_from_json, ...), everything is owned by the struct and
 * released by wb_consent_free.
 *
 * JSON document (every field always written, null or [] when absent):
 *   id, version (1, 2, ...), replaces (the previous version or null),
 *   state, subject (pseudonymous id), controller,
 *   purposes {"purpose-id": true|false, ...},
 *   data_categories [..], jurisdiction (ISO 3166-1 alpha-2 or 3166-2),
 *   storage_locations [CC..], processing_locations [CC..],
 *   geographic_restrictions [CC.. where the data must not go],
 *   recipients [..], retention {"until": "YYYY-MM-DD"} or null,
 *   expires "YYYY-MM-DD" or null, withdrawal_method, lawful_basis (e.g.
 *   "dpv:Consent", "GDPR Art. 6(1)(a)"), notice (reference to the notice
 *   shown), recorded ("YYYY-MM-DDTHH:MM:SSZ", UTC), by (who made this
 *   version: the subject, or the controller for a revocation or a
 *   request), reason (why it changed; null for a grant). */
struct wb_consent {
    const char *id;    /* 1..128 of A-Z a-z 0-9 . _ : / @ - */
    uint32_t version;  /* 0 in an input = not given */
    uint32_t replaces; /* 0 = null */
    enum wb_consent_status state;
    const char *subject;
    const char *controller;
    const struct wb_consent_purpose *purposes;
    size_t purpose_count;
    const char *const *data_categories;
    size_t data_category_count;
    const char *jurisdiction;
    const char *const *storage_locations;
    size_t storage_location_count;
    const char *const *processing_locations;
    size_t processing_location_count;
    const char *const *geographic_restrictions;
    size_t geographic_restriction_count;
    const char *const *recipients;
    size_t recipient_count;
    bool has_retention;
    int32_t retention_until; /* days since 1970-01-01 */
    bool has_expires;
    int32_t expires; /* last day in force, days since 1970-01-01 */
    const char *withdrawal_method;
    const char *lawful_basis;
    const char *notice;
    int64_t recorded; /* seconds since the epoch; 0 in an input = not given */
    const char *by;
    const char *reason;
    uint64_t entry; /* log index of this version's entry (not in the doc) */
};

/* wb_consent_state_name and wb_consent_state_parse are in policy.h, with
 * the states. */

/** Strictly parse one document (at most WB_CONSENT_DOC_MAX bytes, no
 *  duplicate keys) into a new *out (wb_consent_free). version, replaces and
 *  recorded may be absent (0). Unknown fields, wrong types, bad ids, codes
 *  or dates, lengths or counts over their caps: WB_ERR_FORMAT (WB_ERR_TOOBIG
 *  for the document size) with the field named in wb_errmsg(). */
WB_API WB_NODISCARD wb_err wb_consent_from_json(const char *json,
                                                size_t len,
                                                struct wb_consent **out);

/** c as a compact JSON document (fields in the order above) into *out
 *  (wb_free). Checks c as wb_consent_from_json would: WB_ERR_INVAL naming
 *  the field. from_json of the result gives c back, and to_json of that
 *  the same bytes. */
WB_API WB_NODISCARD wb_err wb_consent_to_json(const struct wb_consent *c,
                                              char **out);

/** Free a consent from the library. NULL-safe. */
WB_API void wb_consent_free(struct wb_consent *c);

/** State of c on `date` (days since 1970-01-01): given or renewed past
 *  `expires` is WB_CONSENT_EXPIRED; otherwise the recorded state. */
WB_API enum wb_consent_status
wb_consent_effective_state(const struct wb_consent *c, int32_t date);

/** Record a new consent as version 1 of in->id (state requested, given or
 *  refused; none given = given), logged as a "consent" entry whose claims
 *  are consent [id, 1], jurisdiction, class "personal", purposes = the
 *  flags set true (every version's entry: only while the state is given
 *  or renewed), media application/json. The library sets version,
 *  replaces, recorded (now) and by (the subject; the controller for a
 *  request). pol (may be NULL) checks the purposes against its
 *  vocabulary. *out (may be NULL) gets the stored record
 *  (wb_consent_free). WB_ERR_EXISTS if the id is recorded; WB_ERR_INVAL
 *  naming the field (also: expiry before today, no purpose granted in a
 *  given consent, purpose not in the vocabulary); WB_ERR_DB, WB_ERR_IO. */
WB_API WB_NODISCARD wb_err wb_consent_grant(struct wb_site *s,
                                            const struct wb_policy *pol,
                                            const struct wb_consent *in,
                                            struct wb_consent **out);

/** Record the subject's answer to a requested consent as a new version:
 *  state given (`given`) or refused, by the subject. WB_ERR_NOTFOUND;
 *  WB_ERR_INVAL if the latest version is not requested. */
WB_API WB_NODISCARD wb_err wb_consent_answer(struct wb_site *s,
                                             const char *id,
                                             bool given,
                                             struct wb_consent **out);

/** Withdraw consent `id` as a new version by the subject, with `reason`
 *  (non-empty): purpose NULL withdraws the whole consent (state
 *  withdrawn); a purpose id sets that purpose's flag false (added if the
 *  record has none; its descendants follow unless they have flags of
 *  their own) and leaves the state unchanged. WB_ERR_NOTFOUND;
 *  WB_ERR_INVAL when the state is final, the flag is already false, or
 *  the reason is empty. *out may be NULL. */
WB_API WB_NODISCARD wb_err wb_consent_withdraw(struct wb_site *s,
                                               const char *id,
                                               const char *purpose,
                                               const char *reason,
                                               struct wb_consent **out);

/** Grant `purpose` on consent `id` as a new version by the subject: its
 *  flag set true (added if the record has none, so it covers the
 *  purpose's descendants that have no flag of their own); the state is
 *  unchanged and must be given or renewed. reason may be NULL. pol (may be
 *  NULL) checks the purpose against its vocabulary. WB_ERR_NOTFOUND;
 *  WB_ERR_INVAL when the state is not given or renewed, the flag is true
 *  already or the purpose is unknown. *out may be NULL. The counterpart of
 *  wb_consent_withdraw with a purpose. */
WB_API WB_NODISCARD wb_err wb_consent_allow(struct wb_site *s,
                                            const struct wb_policy *pol,
                                            const char *id,
                                            const char *purpose,
                                            const char *reason,
                                            struct wb_consent **out);

/** Renew consent `id` as a new version by the subject: state renewed;
 *  expires (may be NULL) replaces the expiry, else it is kept.
 *  WB_ERR_NOTFOUND; WB_ERR_INVAL when the state is requested or final, or
 *  the resulting expiry is before today. *out may be NULL. */
WB_API WB_NODISCARD wb_err wb_consent_renew(struct wb_site *s,
                                            const char *id,
                                            const int32_t *expires,
                                            struct wb_consent **out);

/** Revoke consent `id` on the controller's side (state revoked, by the
 *  controller) with `reason` (non-empty), as a new version.
 *  WB_ERR_NOTFOUND; WB_ERR_INVAL when the state is final. *out may be
 *  NULL. */
WB_API WB_NODISCARD wb_err wb_consent_revoke(struct wb_site *s,
                                             const char *id,
                                             const char *reason,
                                             struct wb_consent **out);

/** Version `version` (0 = the latest) of consent id into a new *out
 *  (wb_consent_free), entry set. WB_ERR_NOTFOUND; WB_ERR_FORMAT when the
 *  stored document does not parse or disagrees with its register row;
 *  WB_ERR_VERIFY when the register's copy is not its entry's payload
 *  (wb_site_register_check). */
WB_API WB_NODISCARD wb_err wb_consent_get(struct wb_site *s,
                                          const char *id,
                                          uint32_t version,
                                          struct wb_consent **out);

/** The version of consent id in force on date (days since 1970-01-01):
 *  the latest one recorded on or before that day, into a new *out
 *  (wb_consent_free), entry set. WB_ERR_NOTFOUND when there is no such
 *  consent, or none of its versions was recorded by then (the message
 *  says which); WB_ERR_FORMAT as wb_consent_get. */
WB_API WB_NODISCARD wb_err wb_consent_get_on(struct wb_site *s,
                                             const char *id,
                                             int32_t date,
                                             struct wb_consent **out);

/** Every version of consent id, oldest first, into a new array *out
 *  (wb_consent_list_free) of *count, entries set. WB_ERR_NOTFOUND when
 *  there is none; WB_ERR_FORMAT as wb_consent_get. */
WB_API WB_NODISCARD wb_err wb_consent_history(struct wb_site *s,
                                              const char *id,
                                              struct wb_consent **out,
                                              size_t *count);

/** The latest version of every consent, ordered by id, into a new array
 *  *out (wb_consent_list_free) of *count (0 and NULL when there is none). */
WB_API WB_NODISCARD wb_err wb_consent_list(struct wb_site *s,
                                           struct wb_consent **out,
                                           size_t *count);

/** Free an array from wb_consent_history or wb_consent_list. NULL-safe. */
WB_API void wb_consent_list_free(struct wb_consent *v, size_t count);

/* ---- the purpose check -------------------------------------------------- */

#define WB_PURPOSE_WHY_MAX 2048 /* a why buffer that always suffices */

/** May the record at log entry `index` be used for `purpose` on `date`
 *  (days since 1970-01-01)? Permitted when all hold: the purpose is in
 *  pol's vocabulary; a purpose of the record's purposes claim covers it
 *  (the same or an ancestor); when the record names a consent, the
 *  version of it in force on date (wb_consent_get_on) is given or renewed
 *  on date (not expired) and its flags cover the purpose (the most
 *  specific flag on the purpose or an ancestor is true), and its LATEST
 *  version is not refused, withdrawn or revoked (those are final: a use
 *  made now is never permitted by an earlier date); a personal or
 *  sensitive-personal record names a consent. *permitted gets the answer and
 * why (why_len bytes, may be 0) one reason per line: the failed conditions when
 * not permitted, what allowed it otherwise. WB_ERR_INVAL (purpose not in the
 * vocabulary), WB_ERR_NOTFOUND (no such entry), WB_ERR_INVAL (the entry is not
 * a record or inference), WB_ERR_FORMAT, WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_purpose_check(struct wb_site *s,
                                            const struct wb_policy *pol,
                                            uint64_t index,
                                            const char *purpose,
                                            int32_t date,
                                            bool *permitted,
                                            char *why,
                                            size_t why_len);

/** wb_purpose_check on claims c (borrowed) the caller holds for a record
 *  or inference output, instead of reading entry index's from the log
 *  (the consent is still read from the site). Same answers and errors. */
WB_API WB_NODISCARD wb_err wb_purpose_check_claims(struct wb_site *s,
                                                   const struct wb_policy *pol,
                                                   const struct wb_claims *c,
                                                   const char *purpose,
                                                   int32_t date,
                                                   bool *permitted,
                                                   char *why,
                                                   size_t why_len);

#endif
