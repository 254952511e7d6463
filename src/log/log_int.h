/* SPDX-License-Identifier: Apache-2.0 */
/* Log internals shared by the Merkle, proof, note, checkpoint and tlog-proof
 * files. Never installed. */
#ifndef WB_LOG_INT_H
#define WB_LOG_INT_H

#include <waybill/log.h>

#include "core/core_int.h"

/* Hash of the leaf range [lo, hi) (hi > lo, lo aligned to the largest power
 * of two not above hi - lo), combined from its perfect subtrees, largest
 * first: popcount(hi - lo) reads. */
wb_err wb__log_range_hash(wb_merkle_read_fn read,
                          void *ctx,
                          uint64_t lo,
                          uint64_t hi,
                          uint8_t out[WB_HASH_BYTES]);

/* Offset of the first byte of s[0..len) that is not valid UTF-8 (overlongs,
 * surrogates and code points above U+10FFFF are invalid) or is an ASCII
 * control character other than '\n'; len when the text is clean. */
size_t wb__log_text_check(const uint8_t *s, size_t len);

/* Open a signed note: check the envelope, verify the signature(s) of v and
 * point *body and *body_len at the signed text inside `text` (ending in '\n').
 * WB_ERR_FORMAT, WB_ERR_BADSIG or WB_ERR_TOOBIG, with detail. */
wb_err wb__log_note_open(const char *text,
                         size_t len,
                         const struct wb_verifier *v,
                         const char **body,
                         size_t *body_len);

/* Sign the note text body (ending in '\n') with s and return the whole
 * signed note in *out (wb_free). */
wb_err wb__log_note_sign(const char *body,
                         size_t body_len,
                         const struct wb_signer *s,
                         char **out);

#endif
