/* SPDX-License-Identifier: Apache-2.0 */
/* Token module internals: a pull reader over libcbor's streaming decoder,
 * deterministic CBOR writers over libcbor's low-level encoders, UTF-8
 * checks and the COSE Sig_structure. Never installed. */
#ifndef WB_TOKEN_INT_H
#define WB_TOKEN_INT_H

#include <stdbool.h>

#include <waybill/token.h>

#include "core/core_int.h"

/* ---- reading ----------------------------------------------------------- */

enum wb__cbor_type {
    WB__CBOR_NONE = 0,
    WB__CBOR_UINT,   /* u = value */
    WB__CBOR_NEGINT, /* value = -1 - u */
    WB__CBOR_BSTR,   /* data, len (definite only) */
    WB__CBOR_TSTR,   /* data, len (definite only, UTF-8 not checked) */
    WB__CBOR_ARRAY,  /* u = item count (definite only) */
    WB__CBOR_MAP,    /* u = pair count (definite only) */
    WB__CBOR_TAG,    /* u = tag number; the tagged item follows */
    WB__CBOR_SIMPLE, /* u = 20 false, 21 true, 22 null, 23 undefined */
    WB__CBOR_FLOAT,
    WB__CBOR_INDEF /* an indefinite-length start or a break */
};

struct wb__cbor_item {
    enum wb__cbor_type type;
    uint64_t u;
    const uint8_t *data;
    size_t len;
};

/* Reads one data item head at a time; strings come whole. */
struct wb__cbor_rd {
    const uint8_t *p;
    size_t len;
    size_t off;
};

void wb__cbor_rd_init(struct wb__cbor_rd *r, const uint8_t *p, size_t len);

/* Next item head into *it. WB_ERR_FORMAT (detail "token: ...") when the
 * input ends early or is not well-formed CBOR. */
wb_err wb__cbor_next(struct wb__cbor_rd *r, struct wb__cbor_item *it);

/* Skip the rest of the item whose head is it (nested items up to depth
 * levels). Indefinite lengths are WB_ERR_FORMAT. */
wb_err wb__cbor_skip_rest(struct wb__cbor_rd *r,
                          const struct wb__cbor_item *it,
                          int depth);

/* ---- writing ----------------------------------------------------------- */

/* Deterministic CBOR writer with a sticky error: after the first failure
 * every call is a no-op and rc keeps the first error. */
struct wb__cbor_wr {
    struct wb__buf buf;
    wb_err rc;
};

void wb__cbor_wr_init(struct wb__cbor_wr *w, size_t max);
void wb__cbor_put_uint(struct wb__cbor_wr *w, uint64_t v);
/* Any int64 (shortest major type 0 or 1). */
void wb__cbor_put_int(struct wb__cbor_wr *w, int64_t v);
void wb__cbor_put_bstr(struct wb__cbor_wr *w, const uint8_t *p, size_t n);
void wb__cbor_put_tstr(struct wb__cbor_wr *w, const char *s, size_t n);
void wb__cbor_put_array(struct wb__cbor_wr *w, size_t n);
void wb__cbor_put_map(struct wb__cbor_wr *w, size_t n);
void wb__cbor_put_tag(struct wb__cbor_wr *w, uint64_t tag);
/* Already-encoded bytes. */
void wb__cbor_put_raw(struct wb__cbor_wr *w, const uint8_t *p, size_t n);

/* ---- claims -------------------------------------------------------------- */

#define WB__CLAIMS_LABELS        18
#define WB__CLAIM_STR_MAX        1024
#define WB__COSE_ALG_SHA256      (-16)
#define WB__RESIDENCY_LOCAL_ONLY "local-only"

/* Position of label in deterministic key order, or -1 if unknown. */
int wb__claims_label_index(int64_t label);
/* "iss", "kind", ...; "?" for an unknown label. */
const char *wb__claims_label_name(int64_t label);
/* ISO 3166-1 alpha-2 ("DE") or ISO 3166-2 ("US-CA") syntax. */
bool wb__claims_jurisdiction_ok(const char *s);

/* ---- COSE ---------------------------------------------------------------- */

#define WB__COSE_TAG_SIGN1 18

/* Sig_structure for COSE_Sign1 (RFC 9052 §4.4):
 * ["Signature1", bstr protected, bstr external_aad, bstr payload], into
 * *out (wb_free). The ToBeSign bytes of the cose-wg examples. */
WB_NODISCARD wb_err wb__cose_tbs(const uint8_t *protected_bytes,
                                 size_t protected_len,
                                 const uint8_t *aad,
                                 size_t aad_len,
                                 const uint8_t *payload,
                                 size_t payload_len,
                                 uint8_t **out,
                                 size_t *out_len);

/* Check the protected header bytes (empty, or one CBOR map) and read the
 * unprotected header map from r (its head is next), setting out->alg
 * (protected only; 0 = absent) and out->kid (protected, else
 * unprotected). Rejects duplicate labels (also across the two maps),
 * crit, indefinite lengths. Shared by signing (to check caller-made
 * headers) and parsing. */
wb_err wb__cose_headers(const uint8_t *protected_bytes,
                        size_t protected_len,
                        struct wb__cbor_rd *r,
                        struct wb_cose_sign1 *out);

#endif
