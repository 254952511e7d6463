/* SPDX-License-Identifier: Apache-2.0 */
/* The jurisdiction policy engine: profiles and the purpose vocabulary are
 * data files (docs/policy.md), compiled at load into rule tables; a
 * decision on a parsed request does no I/O and no allocation. A loaded
 * wb_policy is read-only and may be shared between threads. */
#ifndef WAYBILL_POLICY_H
#define WAYBILL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/core.h>

#define WB_POLICY_LINE_MAX     (16 * 1024)
#define WB_POLICY_FILE_MAX     (1024 * 1024)
#define WB_POLICY_REQUEST_MAX  (64 * 1024)
#define WB_POLICY_PURPOSES_MAX 256
#define WB_POLICY_OUT_MAX      32 /* mechanisms, obligations, citations */
#define WB_POLICY_REASONS_MAX  16
#define WB_POLICY_CODE_MAX     7 /* "US-CA", "CN-BJ", ... */
#define WB_POLICY_REF_MAX      128

/* Outcomes, from least to most restrictive. */
enum wb_decision {
    WB_NOT_APPLICABLE = 0,
    WB_ALLOW = 1,
    WB_ALLOW_WITH_OBLIGATIONS = 2,
    WB_REQUIRE_MECHANISM = 3,
    WB_DENY = 4
};

/* Data classes (bits of wb_policy_request.classes). */
#define WB_CLASS_NON_PERSONAL       (1u << 0)
#define WB_CLASS_PERSONAL           (1u << 1)
#define WB_CLASS_SENSITIVE_PERSONAL (1u << 2)
#define WB_CLASS_IMPORTANT          (1u << 3)

/* Yes/no facts of a request (bits of wb_policy_request.facts). */
#define WB_FACT_CIIO               (1u << 0)
#define WB_FACT_PUBLIC_AUTHORITY   (1u << 1)
#define WB_FACT_DPF_CERTIFIED      (1u << 2)
#define WB_FACT_RESTRICTED_LIST    (1u << 3)
#define WB_FACT_REGISTERED         (1u << 4)
#define WB_FACT_IMPORTANT_NOTIFIED (1u << 5)
#define WB_FACT_CONSENT_SEPARATE   (1u << 6)
#define WB_FACT_CONSENT_GPC        (1u << 7)
#define WB_FACT_REPETITIVE         (1u << 8)
#define WB_FACT_REMOTE_ACCESS      (1u << 9)
#define WB_FACT_SERVER_NAMED       (1u << 10) /* recipient.server given */

enum wb_role {
    WB_ROLE_NONE = 0,
    WB_ROLE_PROCESSOR,
    WB_ROLE_CONTROLLER,
    WB_ROLE_IMPORTER,
    WB_ROLE_THIRD_PARTY
};

enum wb_consent_status {
    WB_CONSENT_NONE = 0,
    WB_CONSENT_REQUESTED,
    WB_CONSENT_GIVEN,
    WB_CONSENT_REFUSED,
    WB_CONSENT_WITHDRAWN,
    WB_CONSENT_REVOKED,
    WB_CONSENT_EXPIRED,
    WB_CONSENT_RENEWED
};

/** "processor", "controller", "importer", "third-party"; "none" for
 *  WB_ROLE_NONE; "?" otherwise. Static. */
WB_API const char *wb_role_name(enum wb_role role);

/** "given", "withdrawn", ...; "none" for WB_CONSENT_NONE, "?" otherwise. */
WB_API const char *wb_consent_state_name(enum wb_consent_status st);

/** The state named `name` into *st. WB_ERR_INVAL for an unknown name
 *  ("none" included). */
WB_API WB_NODISCARD wb_err wb_consent_state_parse(const char *name,
                                                  enum wb_consent_status *st);

struct wb_policy;

/* A request, parsed and resolved against a loaded policy. */
struct wb_policy_request {
    char exporter[WB_POLICY_CODE_MAX + 1]; /* "CN", "US-CA" */
    char country[WB_POLICY_CODE_MAX + 1];  /* recipient's */
    char server[129];                      /* "" = none named */
    uint32_t facts;                        /* WB_FACT_* */
    uint32_t classes;                      /* WB_CLASS_* */
    enum wb_role role;
    uint64_t subjects_ytd;
    uint64_t sensitive_subjects_ytd;
    int purpose;   /* vocabulary index, -1 = none */
    int mechanism; /* mechanism type index, -1 = none */
    char reference[WB_POLICY_REF_MAX + 1];
    bool has_valid_until;
    int32_t valid_until; /* days since 1970-01-01 */
    enum wb_consent_status consent;
    int32_t date; /* days since 1970-01-01 */
    bool date_given;
};

struct wb_policy_decision {
    enum wb_decision decision;
    const char *profile; /* "name@version"; owned by the policy */
    const char *mechanisms[WB_POLICY_OUT_MAX];
    size_t mechanism_count;
    const char *obligations[WB_POLICY_OUT_MAX];
    size_t obligation_count;
    const char *citations[WB_POLICY_OUT_MAX];
    size_t citation_count;
    const char *reasons[WB_POLICY_REASONS_MAX]; /* "name@version rule: why" */
    size_t reason_count;
};

/** Load the purpose vocabulary (purposes.jsonl) and every other *.jsonl
 *  profile in dir, compiled, into *out (wb_policy_free). All or nothing:
 *  WB_ERR_FORMAT with "file:line: rule: what" in wb_errmsg() on any bad
 *  line, unknown field, missing citation, unknown code or unresolved rule
 *  conflict; WB_ERR_IO, WB_ERR_TOOBIG (line or file over its cap). */
WB_API WB_NODISCARD wb_err wb_policy_load_dir(const char *dir,
                                              struct wb_policy **out);

/** Load from in-memory files: names[i] (for messages; "purposes.jsonl"
 *  marks the vocabulary, which must come first) with texts[i]. Same errors
 *  as wb_policy_load_dir. */
WB_API WB_NODISCARD wb_err wb_policy_load(const char *const *names,
                                          const char *const *texts,
                                          const size_t *lens,
                                          size_t count,
                                          struct wb_policy **out);

/** Free a policy. NULL-safe. */
WB_API void wb_policy_free(struct wb_policy *p);

/** Number of loaded profiles, and the i-th one's "name@version" and title
 *  (owned by p; NULL when i is out of range). */
WB_API size_t wb_policy_profile_count(const struct wb_policy *p);
WB_API const char *wb_policy_profile_name(const struct wb_policy *p, size_t i);
WB_API const char *wb_policy_profile_title(const struct wb_policy *p, size_t i);

/* The register id of the purpose vocabulary's file (no profile may take
 * this name). */
#define WB_POLICY_VOCABULARY_ID "purposes"

/* A file a policy was loaded from. Everything is owned by the policy. */
struct wb_policy_source {
    const char *id;      /* WB_POLICY_VOCABULARY_ID or the profile's name */
    const char *profile; /* "name@version"; NULL for the vocabulary */
    const char *file;    /* the file's base name, e.g. "cn-pipl.jsonl" */
    const char *text;    /* its bytes as loaded, NUL-terminated */
    size_t len;
};

/** Number of files p was loaded from: the vocabulary first, then each
 *  profile in load order. 0 for NULL. */
WB_API size_t wb_policy_source_count(const struct wb_policy *p);

/** The i-th file of p into *out (zeroed and false when out of range). */
WB_API bool wb_policy_source(const struct wb_policy *p,
                             size_t i,
                             struct wb_policy_source *out);

/** Index of purpose id `name` in the vocabulary, or -1. */
WB_API int wb_policy_purpose_find(const struct wb_policy *p, const char *name);

/** Number of purposes, and the i-th one's id, parent (NULL for a root),
 *  DPV term (may be NULL) and label; all owned by p. */
WB_API size_t wb_policy_purpose_count(const struct wb_policy *p);
WB_API const char *wb_policy_purpose_name(const struct wb_policy *p, int i);
WB_API const char *wb_policy_purpose_parent(const struct wb_policy *p, int i);
WB_API const char *wb_policy_purpose_dpv(const struct wb_policy *p, int i);
WB_API const char *wb_policy_purpose_label(const struct wb_policy *p, int i);

/** Index of mechanism type `name` among those the profiles declare, or
 *  -1; and the i-th type's name (NULL out of range). */
WB_API int wb_policy_mechanism_find(const struct wb_policy *p,
                                    const char *name);
WB_API const char *wb_policy_mechanism_name(const struct wb_policy *p, int i);

/** WB_OK when mechanism type `type` is one the profiles declare, else
 *  WB_ERR_FORMAT naming `field` (e.g. "mechanism.type") and listing the
 *  declared types: what a server registration is checked with. */
WB_API WB_NODISCARD wb_err wb_policy_mechanism_check(const struct wb_policy *p,
                                                     const char *field,
                                                     const char *type);

/** True when a use for purpose `used` is covered by a grant for purpose
 *  `granted`: the same purpose or a descendant of it. False when either is
 *  not in the vocabulary. */
WB_API bool wb_policy_purpose_covers(const struct wb_policy *p,
                                     const char *granted,
                                     const char *used);

/** Parse a request (the JSON of design.md; at most WB_POLICY_REQUEST_MAX
 *  bytes) into *out, resolving codes, purpose and mechanism against p.
 *  Unknown fields, wrong types, unknown country, class, role, status,
 *  purpose or mechanism: WB_ERR_INVAL naming the field. A missing date is
 *  today's (UTC) with date_given false. */
WB_API WB_NODISCARD wb_err
wb_policy_request_parse(const struct wb_policy *p,
                        const char *json,
                        size_t len,
                        struct wb_policy_request *out);

/** Decide r under p: the profiles covering r->exporter in force on r->date,
 *  each by its strategy with default deny, the most restrictive outcome
 *  winning. No I/O, no allocation; every string in *d is owned by p.
 *  WB_ERR_NOTFOUND when no jurisdiction profile covers the exporter. */
WB_API WB_NODISCARD wb_err wb_policy_decide(const struct wb_policy *p,
                                            const struct wb_policy_request *r,
                                            struct wb_policy_decision *d);

/** The decision as the JSON of design.md (compact when `compact`), into
 *  *out (wb_free). */
WB_API WB_NODISCARD wb_err wb_policy_decision_json(
    const struct wb_policy_decision *d, bool compact, char **out);

/** "allow", "deny", ...; "?" for an unknown value. */
WB_API const char *wb_decision_name(enum wb_decision d);

/** WB_OK if code is an ISO 3166-1 alpha-2 country code by Debian's
 *  iso-codes tables (/usr/share/iso-codes/json, read once per process);
 *  WB_ERR_INVAL if not; WB_ERR_IO if the tables cannot be read (retried on
 *  the next call). Thread-safe. */
WB_API WB_NODISCARD wb_err wb_country_check(const char *code);

/** As wb_country_check, accepting also an ISO 3166-2 subdivision
 *  ("US-CA"). */
WB_API WB_NODISCARD wb_err wb_region_check(const char *code);

/** As wb_country_check against a list in the iso-codes JSON format
 *  ({"3166-1": [{"alpha_2": "DE", ...}, ...]}), for tests and other
 *  lists. WB_ERR_FORMAT if the list does not parse. */
WB_API WB_NODISCARD wb_err wb_country_check_in(const char *list_json,
                                               size_t list_len,
                                               const char *code);

/** Days since 1970-01-01 of a YYYY-MM-DD date. WB_ERR_INVAL on anything
 *  else (also impossible dates). */
WB_API WB_NODISCARD wb_err wb_date_parse(const char *s, int32_t *days);

/** YYYY-MM-DD of days since 1970-01-01 into buf (at least 11 bytes). */
WB_API void wb_date_format(int32_t days, char *buf);

#define WB_TIME_LEN 20             /* "YYYY-MM-DDTHH:MM:SSZ" */
#define WB_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

/** "YYYY-MM-DDTHH:MM:SSZ" (UTC) of t, seconds since the epoch (clamped to
 *  0..WB_TIME_MAX), into buf (at least WB_TIME_LEN + 1 bytes). */
WB_API void wb_time_format(int64_t t, char *buf);

/** Seconds since the epoch of a strict UTC time "YYYY-MM-DDTHH:MM:SSZ" on
 *  or after 1970-01-01. WB_ERR_INVAL (detail set) on anything else. */
WB_API WB_NODISCARD wb_err wb_time_parse(const char *s, int64_t *t);

#endif
