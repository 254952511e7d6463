/* SPDX-License-Identifier: Apache-2.0 */
/* Hashing, signers (an interface: Ed25519 in software now, TPM-held P-256
 * keys later) and verifiers, and the signed-note key text encodings. */
#ifndef WAYBILL_CRYPTO_H
#define WAYBILL_CRYPTO_H

#include <waybill/core.h>

#define WB_HASH_BYTES         32
#define WB_ED25519_PK_BYTES   32
#define WB_ED25519_SEED_BYTES 32
#define WB_SIG_MAX_BYTES      64
#define WB_KEY_ID_BYTES       4
#define WB_KEY_NAME_MAX       255

/* COSE algorithm identifiers (RFC 9053). */
#define WB_ALG_EDDSA (-8)
#define WB_ALG_ES256 (-7)

/** SHA-256 of in into out. Never fails. */
WB_API void
wb_sha256(const uint8_t *in, size_t in_len, uint8_t out[WB_HASH_BYTES]);

/** SHA-256 of the concatenation a || b (either may be empty). */
WB_API void wb_sha256_2(const uint8_t *a,
                        size_t a_len,
                        const uint8_t *b,
                        size_t b_len,
                        uint8_t out[WB_HASH_BYTES]);

/** Fill buf with cryptographically secure random bytes. Never fails. */
WB_API void wb_random(uint8_t *buf, size_t len);

/** Wipe len bytes at p so the compiler cannot elide it. NULL-safe. */
WB_API void wb_wipe(void *p, size_t len);

/* ---- signers ---------------------------------------------------------- */

struct wb_signer;

/** New Ed25519 signer named name (a signed-note key name: no spaces, '+'
 *  or newlines, 1..255 bytes) with a fresh random key. *out owned by the
 *  caller (wb_signer_free). WB_ERR_INVAL on a bad name. */
WB_API WB_NODISCARD wb_err wb_signer_generate(const char *name,
                                              struct wb_signer **out);

/** Parse signed-note private key text
 *  "PRIVATE+KEY+name+hex8+base64(0x01||seed)" (trailing newline allowed).
 *  WB_ERR_FORMAT with detail in wb_errmsg() on any defect, including a
 *  key id that does not match. The seed lives in locked memory. */
WB_API WB_NODISCARD wb_err wb_signer_from_note_key(const char *text,
                                                   size_t len,
                                                   struct wb_signer **out);

/** Private key text of s (no newline) into *out (wb_free; it is a secret:
 *  the caller wipes it). WB_ERR_INVAL for signers that cannot export. */
WB_API WB_NODISCARD wb_err wb_signer_note_key(const struct wb_signer *s,
                                              char **out);

/** Verifier key text "name+hex8+base64(0x01||pk)" of s into *out
 *  (wb_free). */
WB_API WB_NODISCARD wb_err wb_signer_verifier_key(const struct wb_signer *s,
                                                  char **out);

/** Key name of s; owned by s. */
WB_API const char *wb_signer_name(const struct wb_signer *s);

/** COSE algorithm of s (WB_ALG_EDDSA or WB_ALG_ES256). */
WB_API int wb_signer_alg(const struct wb_signer *s);

/** Signed-note key id of s: SHA-256(name || 0x0A || 0x01 || pk)[0..4]. */
WB_API void wb_signer_key_id(const struct wb_signer *s,
                             uint8_t id[WB_KEY_ID_BYTES]);

/** Raw public key of s (32 bytes for Ed25519); owned by s. */
WB_API const uint8_t *wb_signer_public_key(const struct wb_signer *s,
                                           size_t *len);

/** Sign msg; sig must hold WB_SIG_MAX_BYTES, *sig_len gets the length
 *  (64 for both algorithms: ES256 is raw r||s). WB_ERR_CRYPTO on failure. */
WB_API WB_NODISCARD wb_err wb_signer_sign(const struct wb_signer *s,
                                          const uint8_t *msg,
                                          size_t msg_len,
                                          uint8_t sig[WB_SIG_MAX_BYTES],
                                          size_t *sig_len);

/** Free s and wipe its secret. NULL-safe. */
WB_API void wb_signer_free(struct wb_signer *s);

/* ---- verifiers -------------------------------------------------------- */

struct wb_verifier;

/** Parse signed-note verifier key text "name+hex8+base64(0x01||pk)"
 *  (trailing newline allowed). WB_ERR_FORMAT with detail on any defect,
 *  including a key id that does not match name and key. */
WB_API WB_NODISCARD wb_err wb_verifier_from_note_key(const char *text,
                                                     size_t len,
                                                     struct wb_verifier **out);

/** Verifier from a raw public key: Ed25519 (32 bytes) for WB_ALG_EDDSA,
 *  SEC1 uncompressed P-256 point (65 bytes) for WB_ALG_ES256. name may be
 *  NULL (then ""). WB_ERR_FORMAT on a bad key. */
WB_API WB_NODISCARD wb_err wb_verifier_from_raw(int alg,
                                                const char *name,
                                                const uint8_t *pk,
                                                size_t pk_len,
                                                struct wb_verifier **out);

/** Verifier from a PEM SubjectPublicKeyInfo (Ed25519 or P-256).
 *  WB_ERR_FORMAT on anything else. */
WB_API WB_NODISCARD wb_err wb_verifier_from_pem(const char *pem,
                                                size_t len,
                                                struct wb_verifier **out);

/** Key name (may be ""); owned by v. */
WB_API const char *wb_verifier_name(const struct wb_verifier *v);

/** COSE algorithm of v. */
WB_API int wb_verifier_alg(const struct wb_verifier *v);

/** Signed-note key id of v (meaningful for Ed25519 note keys). */
WB_API void wb_verifier_key_id(const struct wb_verifier *v,
                               uint8_t id[WB_KEY_ID_BYTES]);

/** Raw public key of v; owned by v. */
WB_API const uint8_t *wb_verifier_public_key(const struct wb_verifier *v,
                                             size_t *len);

/** WB_OK only if sig is a valid signature of msg; WB_ERR_BADSIG otherwise
 *  (including a wrong length). */
WB_API WB_NODISCARD wb_err wb_verifier_verify(const struct wb_verifier *v,
                                              const uint8_t *msg,
                                              size_t msg_len,
                                              const uint8_t *sig,
                                              size_t sig_len);

/** Free v. NULL-safe. */
WB_API void wb_verifier_free(struct wb_verifier *v);

#endif
