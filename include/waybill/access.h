/* SPDX-License-Identifier: Apache-2.0 */
/* Who may use the HTTP API: roles, API keys stored only as hashes, and
 * client certificates registered by fingerprint (docs/api/access.md). */
#ifndef WAYBILL_ACCESS_H
#define WAYBILL_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/ledger.h>

/* Roles, one bit each (a route allows a set of them). */
enum wb_access_role {
    WB_ACCESS_NONE = 0,
    WB_ACCESS_OPERATOR = 1 << 0,   /* ingest, devices, checkpoints */
    WB_ACCESS_COMPLIANCE = 1 << 1, /* consent, servers, policy */
    WB_ACCESS_MAINTAINER = 1 << 2, /* maintenance sessions */
    WB_ACCESS_AUDITOR = 1 << 3,    /* read-only: checkpoints, proofs, tokens */
    WB_ACCESS_ADMIN = 1 << 4       /* everything */
};

#define WB_APIKEY_ID_LEN   16 /* hex of 8 random bytes */
#define WB_APIKEY_NAME_MAX 64
/* "wbk_" id "_" base64url of 32 random bytes (43 characters). */
#define WB_APIKEY_TEXT_MAX (4 + WB_APIKEY_ID_LEN + 1 + 43)

struct wb_apikey {
    char id[WB_APIKEY_ID_LEN + 1];
    enum wb_access_role role;
    char name[WB_APIKEY_NAME_MAX + 1];
    bool is_cert;            /* a client certificate, not a secret */
    uint8_t cert_sha256[32]; /* SHA-256 of the certificate's DER */
    int64_t created;         /* seconds since the epoch */
    int64_t revoked;         /* 0 while in force */
};

/** "operator", "compliance", "maintainer", "auditor", "admin"; "none" for
 *  WB_ACCESS_NONE; "?" otherwise. Static. */
WB_API const char *wb_access_role_name(enum wb_access_role r);

/** The role named `name` into *r. WB_ERR_INVAL for any other name. */
WB_API WB_NODISCARD wb_err wb_access_role_parse(const char *name,
                                                enum wb_access_role *r);

/** Make a new API key for role r (not NONE) named `name` (may be NULL:
 *  ""; at most WB_APIKEY_NAME_MAX printable bytes): 32 random bytes, of
 *  which only the SHA-256 is stored. key receives the key text, shown
 *  this once; out (may be NULL) the stored row. WB_ERR_INVAL naming the
 *  field, WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_apikey_create(struct wb_site *s,
                                            enum wb_access_role r,
                                            const char *name,
                                            char key[WB_APIKEY_TEXT_MAX + 1],
                                            struct wb_apikey *out);

/** Register the first X.509 certificate in pem (at most 64 KiB) as a
 *  client certificate of role r: a TLS client presenting it (verified by
 *  the daemon against its client CA) acts with role r. Only its SHA-256
 *  fingerprint is stored. WB_ERR_FORMAT (no certificate), WB_ERR_EXISTS,
 *  WB_ERR_INVAL, WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_apikey_add_cert(struct wb_site *s,
                                              enum wb_access_role r,
                                              const char *name,
                                              const char *pem,
                                              size_t pem_len,
                                              struct wb_apikey *out);

/** Every key and certificate, revoked ones included, ordered by creation,
 *  into a new array *out (wb_free; NULL when *count is 0). No secrets. */
WB_API WB_NODISCARD wb_err wb_apikey_list(struct wb_site *s,
                                          struct wb_apikey **out,
                                          size_t *count);

/** Revoke key or certificate id for good. WB_ERR_NOTFOUND; WB_ERR_EXISTS
 *  when already revoked. */
WB_API WB_NODISCARD wb_err wb_apikey_revoke(struct wb_site *s, const char *id);

/** Authenticate key text (len bytes, not NUL-terminated): *out gets the
 *  key's row when it is well formed, known, its secret matches (constant
 *  time) and it is not revoked. WB_ERR_DENIED otherwise (the detail says
 *  which: malformed, unknown, wrong secret, revoked); WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_apikey_check(struct wb_site *s,
                                           const char *key,
                                           size_t len,
                                           struct wb_apikey *out);

/** Authenticate a verified client certificate by its DER's SHA-256.
 *  WB_ERR_DENIED (unregistered or revoked), WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_apikey_check_cert(struct wb_site *s,
                                                const uint8_t sha256[32],
                                                struct wb_apikey *out);

#endif
