/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: data leaves the site only for a server
 * registered here. Each registration is a versioned JSON document in the
 * site's "server" register (wb_site_register_put), so every registration
 * and status change is an entry of the log. A server whose transfer
 * mechanism is not valid on a date counts as unregistered on that date. */
#ifndef WAYBILL_SERVER_H
#define WAYBILL_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/core.h>
#include <waybill/ledger.h>
#include <waybill/policy.h>

#define WB_SERVER_REGISTER     "server" /* register name and entry kind */
#define WB_SERVER_ID_MAX       WB_REGISTER_ID_MAX
#define WB_SERVER_ENDPOINT_MAX 512
#define WB_SERVER_TEXT_MAX     256               /* operator */
#define WB_SERVER_REF_MAX      WB_POLICY_REF_MAX /* registration, reference */
#define WB_SERVER_MECH_MAX     64                /* mechanism type */
#define WB_SERVER_PIN_MAX      52 /* "sha256//" + 44 base64 characters */
#define WB_SERVER_REASON_MAX   512
#define WB_SERVER_DOC_MAX      (16 * 1024) /* a JSON document */
#define WB_SERVER_PIN_PREFIX   "sha256//"

/* Recorded status, and (all five) the effective status on a date. */
enum wb_server_status {
    WB_SERVER_ACTIVE = 0,
    WB_SERVER_SUSPENDED = 1,
    WB_SERVER_REVOKED = 2,       /* final */
    WB_SERVER_EXPIRED = 3,       /* effective only: past valid_until */
    WB_SERVER_NOT_YET_VALID = 4, /* effective only: before valid_from */
};

/* The legal basis of transfers to the server. Dates are days since
 * 1970-01-01 (wb_date_parse); the mechanism is valid from valid_from (if
 * given) through valid_until, both days included. */
struct wb_server_mechanism {
    char type[WB_SERVER_MECH_MAX + 1];     /* [a-z0-9-]+, e.g. "scc" */
    char reference[WB_SERVER_REF_MAX + 1]; /* contract or filing number */
    bool has_valid_from;
    int32_t valid_from;
    int32_t valid_until;
};

/* One version of a registration. Strings are NUL-terminated UTF-8 without
 * control characters; "" is "none" for the optional ones (pin, reason). */
struct wb_server {
    char id[WB_SERVER_ID_MAX + 1]; /* 1..128 of A-Z a-z 0-9 . _ : / @ - */
    uint32_t version;              /* 1, 2, ...; 0 = not recorded yet */
    uint32_t replaces;             /* the version this one follows; 0 none */
    char endpoint[WB_SERVER_ENDPOINT_MAX + 1];  /* https://host[:port]/... */
    char operator_name[WB_SERVER_TEXT_MAX + 1]; /* JSON "operator" */
    char country[3];                            /* ISO 3166-1 alpha-2 */
    enum wb_role role;                          /* never WB_ROLE_NONE */
    char registration[WB_SERVER_REF_MAX + 1];   /* filing with the authority */
    struct wb_server_mechanism mechanism;
    char pin[WB_SERVER_PIN_MAX + 1]; /* "sha256//BASE64" of the SPKI, or "" */
    enum wb_server_status status;    /* active, suspended or revoked */
    char reason[WB_SERVER_REASON_MAX + 1]; /* why the status changed */
    int64_t recorded; /* seconds since the epoch (UTC); 0 = not yet */
    uint64_t entry;   /* log index of the recording entry (not in JSON) */
};

/** Register a new server as version 1 (status active, recorded now) and
 *  log it; *entry (may be NULL) gets the log index. s->version must be 0
 *  or 1, s->replaces 0 and s->status active. WB_ERR_EXISTS if the id is
 *  registered already; WB_ERR_INVAL / WB_ERR_TOOBIG naming the field. */
WB_API WB_NODISCARD wb_err wb_server_register(struct wb_site *site,
                                              const struct wb_server *s,
                                              uint64_t *entry);

/** Record a new version of a registered server with the descriptive
 *  fields of s (endpoint ... pin, and reason; s->id names it), keeping
 *  its status: e.g. a renewed mechanism. WB_ERR_NOTFOUND; WB_ERR_INVAL for
 *  a revoked server or a bad field (named). */
WB_API WB_NODISCARD wb_err wb_server_update(struct wb_site *site,
                                            const struct wb_server *s,
                                            uint64_t *entry);

/** Record a status change of server id as a new version: active ->
 *  suspended, suspended -> active, active or suspended -> revoked (final).
 *  reason is required. WB_ERR_NOTFOUND; WB_ERR_INVAL for any other
 *  transition, an empty reason or an effective-only status. */
WB_API WB_NODISCARD wb_err wb_server_set_status(struct wb_site *site,
                                                const char *id,
                                                enum wb_server_status status,
                                                const char *reason,
                                                uint64_t *entry);

/** Version `version` (0 = latest) of server id into *out. WB_ERR_NOTFOUND;
 *  WB_ERR_FORMAT/WB_ERR_INVAL if the stored document does not parse;
 *  WB_ERR_VERIFY if it names another id or version than it is stored as. */
WB_API WB_NODISCARD wb_err wb_server_get(struct wb_site *site,
                                         const char *id,
                                         uint32_t version,
                                         struct wb_server *out);

/** The latest version of every server, ordered by id, into a new array
 *  *out (wb_free; NULL when *n is 0). Errors as wb_server_get. */
WB_API WB_NODISCARD wb_err wb_server_list(struct wb_site *site,
                                          struct wb_server **out,
                                          size_t *n);

/** Every version of server id, oldest first, into a new array *out
 *  (wb_free). WB_ERR_NOTFOUND when there is none. */
WB_API WB_NODISCARD wb_err wb_server_history(struct wb_site *site,
                                             const char *id,
                                             struct wb_server **out,
                                             size_t *n);

/** Strict parse of a document (at most WB_SERVER_DOC_MAX bytes) into
 *  *out. Required: id, endpoint, operator, country, role, registration,
 *  mechanism {type, reference, valid_until}; optional (absent or null):
 *  version, replaces, mechanism.valid_from, pin, status (default active),
 *  reason, recorded. WB_ERR_FORMAT for bad JSON, wrong types, unknown or
 *  missing fields; WB_ERR_TOOBIG for the document or a field over its
 *  cap; WB_ERR_INVAL for bad values; wb_errmsg() names the field.
 *  WB_ERR_IO if the country list cannot be read. *out is zeroed on
 *  failure. */
WB_API WB_NODISCARD wb_err wb_server_from_json(const char *json,
                                               size_t len,
                                               struct wb_server *out);

/** The document of s (compact JSON, fixed field order; entry is left out)
 *  into *out (wb_free). WB_ERR_INVAL naming the field if s is not valid. */
WB_API WB_NODISCARD wb_err wb_server_to_json(const struct wb_server *s,
                                             char **out);

/** Check every field of s as wb_server_to_json does. WB_ERR_INVAL or
 *  WB_ERR_TOOBIG naming the field; WB_ERR_IO if the country list cannot
 *  be read. */
WB_API WB_NODISCARD wb_err wb_server_check(const struct wb_server *s);

/** Effective status of s on date (days since 1970-01-01): revoked or
 *  suspended as recorded, else not-yet-valid before mechanism.valid_from,
 *  expired after mechanism.valid_until, else active. */
WB_API enum wb_server_status wb_server_effective(const struct wb_server *s,
                                                 int32_t date);

/** True when data may be sent to s on date: effective status active. */
WB_API bool wb_server_registered(const struct wb_server *s, int32_t date);

/** "active", "suspended", "revoked", "expired", "not-yet-valid"; "?"
 *  otherwise. Static. */
WB_API const char *wb_server_status_name(enum wb_server_status st);

/** "processor", "controller", "importer", "third-party"; "?" otherwise. */
WB_API const char *wb_server_role_name(enum wb_role role);

/** The curl CURLOPT_PINNEDPUBLICKEY pin "sha256//BASE64" of the SHA-256
 *  of the DER SubjectPublicKeyInfo of the first X.509 certificate in pem
 *  (at most 1 MiB) into pin. WB_ERR_FORMAT if there is none. */
WB_API WB_NODISCARD wb_err wb_server_pin_from_pem(
    const char *pem, size_t len, char pin[WB_SERVER_PIN_MAX + 1]);

#endif
