/* SPDX-License-Identifier: Apache-2.0 */
/* Record claims as deterministic CBOR (the Merkle leaf) and COSE_Sign1
 * tokens over them (RFC 9052, EdDSA and ES256). */
#ifndef WAYBILL_TOKEN_H
#define WAYBILL_TOKEN_H

#include <stdbool.h>

#include <waybill/crypto.h>

/* Largest token or leaf decoded. */
#define WB_TOKEN_MAX_BYTES  65536
#define WB_CLAIMS_MAX_BYTES 32768
/* Longest array claim (purposes, parents, residency). */
#define WB_CLAIMS_MAX_ITEMS 64
#define WB_CTI_MAX_BYTES    32

#define WB_EAT_PROFILE "urn:waybill:token:1"

/* Claim labels (design.md; docs/formats.md for additions). */
#define WB_CLAIM_ISS          1
#define WB_CLAIM_SUB          2
#define WB_CLAIM_IAT          6
#define WB_CLAIM_CTI          7
#define WB_CLAIM_EAT_PROFILE  265
#define WB_CLAIM_KIND         (-65537)
#define WB_CLAIM_PAYLOAD      (-65538)
#define WB_CLAIM_PURPOSES     (-65539)
#define WB_CLAIM_CONSENT      (-65540)
#define WB_CLAIM_JURISDICTION (-65541)
#define WB_CLAIM_CLASS        (-65542)
#define WB_CLAIM_RIGHTS       (-65543)
#define WB_CLAIM_PARENTS      (-65544)
#define WB_CLAIM_MODEL        (-65545)
#define WB_CLAIM_RESIDENCY    (-65546)
#define WB_CLAIM_MEDIA        (-65547)
#define WB_CLAIM_TIME_NS      (-65548)
#define WB_CLAIM_DEVSIG       (-65549)

/* A record's claims. For encoding, strings are borrowed; NULL or a zero
 * count means absent. From wb_claims_decode, everything is owned by the
 * struct and released by wb_claims_free. */
struct wb_claims {
    const char *iss; /* required */
    const char *sub; /* device id */
    int64_t iat;     /* required, seconds since epoch */
    uint8_t cti[WB_CTI_MAX_BYTES];
    size_t cti_len;   /* required, 1..WB_CTI_MAX_BYTES */
    const char *kind; /* required */
    int has_payload;
    uint8_t payload_hash[WB_HASH_BYTES]; /* sha256(salt || payload) */
    const char *const *purposes;
    size_t purpose_count;
    const char *consent_id; /* with consent_version; NULL = absent */
    uint64_t consent_version;
    const char *jurisdiction;
    const char *data_class;
    const char *rights;
    const uint8_t (*parents)[WB_HASH_BYTES];
    size_t parent_count;
    int has_model;
    uint8_t model[WB_HASH_BYTES];
    int residency_local_only;     /* 1: "local-only" */
    const char *const *residency; /* else allowed jurisdictions */
    size_t residency_count;
    const char *media;
    int has_time_ns;
    uint32_t time_ns; /* < 1e9 */
    int has_devsig;
    uint8_t devsig[WB_HASH_BYTES]; /* sha256 of the device's COSE token */
};

/** Is data_class one of the class claim's values (non-personal, personal,
 *  sensitive-personal, important)? False for NULL. */
WB_API bool wb_claims_class_ok(const char *data_class);

/** Is kind one of the kind claim's values (record, consent, server,
 *  policy, decision, transfer, maint, model, inference, erasure, device)?
 *  False for NULL. */
WB_API bool wb_claims_kind_ok(const char *kind);

/** Deterministic CBOR (RFC 8949 §4.2.1) of c into *out (wb_free).
 *  WB_ERR_INVAL naming the field in wb_errmsg when a required claim is
 *  missing or a value is out of range; WB_ERR_TOOBIG over
 *  WB_CLAIMS_MAX_BYTES. */
WB_API WB_NODISCARD wb_err wb_claims_encode(const struct wb_claims *c,
                                            uint8_t **out,
                                            size_t *out_len);

/** Decode leaf bytes into a new *out (wb_claims_free). Accepts only the
 *  deterministic encoding wb_claims_encode produces (re-encoding must give
 *  the same bytes). WB_ERR_FORMAT naming the claim, WB_ERR_TOOBIG. */
WB_API WB_NODISCARD wb_err wb_claims_decode(const uint8_t *in,
                                            size_t len,
                                            struct wb_claims **out);

/** Deep copy of c (every string, array and hash) into one new allocation
 *  *out (wb_claims_free): how a caller keeps claims whose strings it
 *  borrowed. WB_ERR_TOOBIG over WB_CLAIMS_MAX_ITEMS items in an array,
 *  WB_ERR_NOMEM. */
WB_API WB_NODISCARD wb_err wb_claims_copy(const struct wb_claims *c,
                                          struct wb_claims **out);

/** Free decoded or copied claims. NULL-safe. */
WB_API void wb_claims_free(struct wb_claims *c);

/* A parsed COSE_Sign1; every pointer borrows from the token bytes. */
struct wb_cose_sign1 {
    int alg;            /* from the protected header */
    const uint8_t *kid; /* protected, else unprotected; may be NULL */
    size_t kid_len;
    const uint8_t *protected_bytes; /* as received */
    size_t protected_len;
    const uint8_t *payload;
    size_t payload_len;
    const uint8_t *sig;
    size_t sig_len;
    int tagged; /* carried tag 18 */
};

/** COSE_Sign1 with protected header {1: alg, 4: kid}, empty unprotected
 *  header, tag 18, empty external AAD, into *out (wb_free). */
WB_API WB_NODISCARD wb_err wb_cose_sign(const struct wb_signer *s,
                                        const uint8_t *kid,
                                        size_t kid_len,
                                        const uint8_t *payload,
                                        size_t payload_len,
                                        uint8_t **out,
                                        size_t *out_len);

/** COSE_Sign1 with caller-encoded protected header bytes and unprotected
 *  header map bytes (both must be well-formed CBOR; unprotected a map),
 *  external AAD aad (may be empty), tag 18, into *out (wb_free). */
WB_API WB_NODISCARD wb_err wb_cose_sign_raw(const struct wb_signer *s,
                                            const uint8_t *protected_bytes,
                                            size_t protected_len,
                                            const uint8_t *unprotected_map,
                                            size_t unprotected_len,
                                            const uint8_t *aad,
                                            size_t aad_len,
                                            const uint8_t *payload,
                                            size_t payload_len,
                                            uint8_t **out,
                                            size_t *out_len);

/** Parse a COSE_Sign1 (tagged or not) without verifying. WB_ERR_FORMAT
 *  with detail, WB_ERR_TOOBIG over WB_TOKEN_MAX_BYTES. */
WB_API WB_NODISCARD wb_err wb_cose_parse(const uint8_t *tok,
                                         size_t len,
                                         struct wb_cose_sign1 *out);

/** Parse and verify tok with v over external AAD aad (NULL/0 = empty),
 *  using the protected header bytes as received. The protected alg must
 *  match v's algorithm. out may be NULL. WB_OK only on a valid signature;
 *  WB_ERR_BADSIG, WB_ERR_FORMAT, WB_ERR_TOOBIG otherwise. */
WB_API WB_NODISCARD wb_err wb_cose_verify(const uint8_t *tok,
                                          size_t len,
                                          const struct wb_verifier *v,
                                          const uint8_t *aad,
                                          size_t aad_len,
                                          struct wb_cose_sign1 *out);

/** Length of the first CBOR data item in a CBOR sequence (RFC 8742) at
 *  seq, looking at no more than max bytes: splits a stream of tokens.
 *  WB_ERR_FORMAT on malformed or indefinite-length CBOR, WB_ERR_TOOBIG
 *  when the item would run past max while more input exists. */
WB_API WB_NODISCARD wb_err wb_cbor_item_length(const uint8_t *seq,
                                               size_t len,
                                               size_t max,
                                               size_t *item_len);

#endif
