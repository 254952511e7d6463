/* SPDX-License-Identifier: Apache-2.0 */
/* Transfer decisions at a site: a policy request resolved against the
 * site's server registry and its per-year subject tallies, decided, and
 * (for a real transfer) logged as a "decision" entry that cites the exact
 * policy texts it rests on, each logged in the site's "policy" register. */
#ifndef WAYBILL_DECISION_H
#define WAYBILL_DECISION_H

#include <waybill/ledger.h>
#include <waybill/policy.h>

/* ---- the policy register ----------------------------------------------
 * Every file of a loaded policy (the purpose vocabulary and each profile)
 * is logged as a versioned document of the "policy" register under its id
 * (WB_POLICY_VOCABULARY_ID or the profile's name); a new version is logged
 * only when the text changed. Document (compact JSON, this field order):
 *   {"id", "version", "replaces" (null for 1), "profile" ("name@version",
 *    null for the vocabulary), "file" (base name), "sha256" (lower-case
 *    hex of the text), "recorded" (YYYY-MM-DDTHH:MM:SSZ), "text"} */

#define WB_POLICY_REGISTER      "policy" /* register name and entry kind */
#define WB_POLICY_NAME_MAX      160      /* "name@version" */
#define WB_POLICY_FILE_NAME_MAX 255
#define WB_POLICY_DOC_MAX       WB_PAYLOAD_MAX_BYTES

/* One version of a logged policy file. */
struct wb_policy_doc {
    char id[WB_REGISTER_ID_MAX + 1];
    uint32_t version;                     /* 1, 2, ... */
    uint32_t replaces;                    /* 0 = none */
    char profile[WB_POLICY_NAME_MAX + 1]; /* "" for the vocabulary */
    char file[WB_POLICY_FILE_NAME_MAX + 1];
    char sha256[2 * WB_HASH_BYTES + 1]; /* hex of text */
    int64_t recorded;                   /* seconds since the epoch */
    char *text;                         /* owned (wb_policy_doc_clear) */
    size_t text_len;
    uint64_t entry; /* log index of the entry (not in the document) */
};

/* Where a decision's policy file is in the log. */
struct wb_policy_cite {
    char id[WB_REGISTER_ID_MAX + 1];
    char profile[WB_POLICY_NAME_MAX + 1]; /* "" for the vocabulary */
    uint32_t version;
    uint64_t entry;
    char sha256[2 * WB_HASH_BYTES + 1];
    bool added; /* logged by this call (the text was new or changed) */
};

/** Log every file of p whose text is not the latest version of its id in
 *  the policy register as a new version (all in one transaction, or in the
 *  open batch); files already logged are left alone, so a second call
 *  adds nothing. *out (wb_free) gets one cite per file of p, in
 *  wb_policy_source order, and *count their number. WB_ERR_TOOBIG for a
 *  text whose document is over WB_POLICY_DOC_MAX; WB_ERR_FORMAT if a
 *  stored version does not parse; WB_ERR_DB, WB_ERR_IO. */
WB_API WB_NODISCARD wb_err wb_policy_log(struct wb_site *s,
                                         const struct wb_policy *p,
                                         struct wb_policy_cite **out,
                                         size_t *count);

/** Version `version` (0 = latest) of policy file id into *out
 *  (wb_policy_doc_clear). WB_ERR_NOTFOUND; WB_ERR_FORMAT when the stored
 *  document does not parse, its text does not match its sha256, or it
 *  names another id or version than its register row. */
WB_API WB_NODISCARD wb_err wb_policy_doc_get(struct wb_site *s,
                                             const char *id,
                                             uint32_t version,
                                             struct wb_policy_doc *out);

/** Every version of id, oldest first (WB_ERR_NOTFOUND when none), or with
 *  id NULL the latest version of every id ordered by id (possibly none),
 *  into a new array *out (wb_policy_docs_free). Errors as
 *  wb_policy_doc_get. */
WB_API WB_NODISCARD wb_err wb_policy_doc_list(struct wb_site *s,
                                              const char *id,
                                              struct wb_policy_doc **out,
                                              size_t *count);

/** Strictly parse a stored document (at most WB_POLICY_DOC_MAX bytes, no
 *  duplicate or unknown fields) into *out (wb_policy_doc_clear; zeroed on
 *  failure). WB_ERR_FORMAT naming the field, WB_ERR_TOOBIG. */
WB_API WB_NODISCARD wb_err wb_policy_doc_from_json(const char *json,
                                                   size_t len,
                                                   struct wb_policy_doc *out);

/** The document of d into *out (wb_free). WB_ERR_INVAL naming a bad
 *  field; WB_ERR_TOOBIG over WB_POLICY_DOC_MAX. */
WB_API WB_NODISCARD wb_err wb_policy_doc_to_json(const struct wb_policy_doc *d,
                                                 char **out);

/** Free d's text and zero it. NULL-safe. */
WB_API void wb_policy_doc_clear(struct wb_policy_doc *d);

/** Free an array from wb_policy_doc_list. NULL-safe. */
WB_API void wb_policy_docs_free(struct wb_policy_doc *v, size_t count);

/* ---- deciding ------------------------------------------------------------ */

struct wb_site_decision {
    struct wb_policy_request request; /* as resolved and counted */
    struct wb_policy_decision decision;
    uint64_t subjects_new;   /* this transfer's subjects not yet counted */
    uint64_t subjects_site;  /* the site's count this year, this included */
    uint64_t sensitive_site; /* same for sensitive personal information */
    bool recorded;           /* logged as entry `entry` */
    uint64_t entry;
    bool refused;        /* recorded as a deny: no registered server */
    size_t policy_added; /* policy files logged for this decision */
};

/** Decide the request json (design.md) at site s under policy p.
 *  Resolves recipient.server in the registry (recipient.registered; its
 *  mechanism when the request gives none; a country that differs from the
 *  registration is WB_ERR_INVAL), then counts: data.subjects_ytd and
 *  sensitive_subjects_ytd become the larger of the request's figure and
 *  the site's tally for the exporter and year including `subjects` (ids of
 *  this transfer's individuals; may be NULL).
 *  With `record` every attempt is logged, in one transaction: the files of
 *  p not yet in the policy register (wb_policy_log; policy_added counts
 *  them), then a "decision" entry whose payload holds the request, the
 *  decision, the counts and "policy": the cite of every file of p. Only an
 *  allow adds the subjects to the tally. A recorded transfer needs a named
 *  server registered and active on the request date: otherwise the
 *  decision is made deny (refused set, the reason added) and logged so.
 *  Errors (nothing logged): those of wb_policy_request_parse and
 *  wb_policy_decide, WB_ERR_DB/WB_ERR_IO. */
WB_API WB_NODISCARD wb_err wb_site_decide(struct wb_site *s,
                                          const struct wb_policy *p,
                                          const char *json,
                                          size_t len,
                                          const char *const *subjects,
                                          size_t subject_count,
                                          bool record,
                                          struct wb_site_decision *out);

#endif
