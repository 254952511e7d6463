/* SPDX-License-Identifier: Apache-2.0 */
/* Errors, library memory and text encodings shared by every module. */
#ifndef WAYBILL_CORE_H
#define WAYBILL_CORE_H

#include <stddef.h>
#include <stdint.h>

#if defined(WB_BUILDING)
#define WB_API __attribute__((visibility("default")))
#else
#define WB_API
#endif
#define WB_NODISCARD __attribute__((warn_unused_result))

/* Error codes: append only, never renumber. */
typedef enum wb_err {
    WB_OK = 0,
    WB_ERR_NOMEM,    /* allocation failed */
    WB_ERR_INVAL,    /* bad argument from the caller */
    WB_ERR_TOOBIG,   /* input over a documented cap */
    WB_ERR_FORMAT,   /* input cannot be parsed */
    WB_ERR_BADSIG,   /* signature does not verify */
    WB_ERR_NOTFOUND, /* no such object */
    WB_ERR_EXISTS,   /* object already exists */
    WB_ERR_IO,       /* file or socket error */
    WB_ERR_DB,       /* database error */
    WB_ERR_BUSY,     /* resource locked */
    WB_ERR_CRYPTO,   /* crypto library failure */
    WB_ERR_INTERNAL, /* invariant broken */
    WB_ERR_VERIFY,   /* proof, hash or commitment mismatch */
    WB_ERR_DENIED,   /* refused by policy or registry */
    WB_ERR__LAST     /* not an error */
} wb_err;

/** Static English text for err; never NULL. */
WB_API const char *wb_strerror(wb_err err);

/** Detail of the last error set on this thread (names file, line, field);
 *  "" when none. Valid until the next library call on this thread. */
WB_API const char *wb_errmsg(void);

/** Set this thread's error detail (printf format), for front ends that
 *  report their own input errors through the same channel. */
WB_API void wb_errmsg_set(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/** Clear this thread's error detail. */
WB_API void wb_errmsg_clear(void);

/** Initialise the library (libsodium). Idempotent, thread-safe.
 *  Returns WB_ERR_CRYPTO if the crypto library cannot start. */
WB_API WB_NODISCARD wb_err wb_init(void);

/** Release memory the library handed out (buffers, strings). NULL-safe. */
WB_API void wb_free(void *p);

/** Exit code convention of the tools for err: 0 ok, 1 verification failed
 *  or denied, 2 usage or bad input, 3 I/O or internal. */
WB_API int wb_err_exit_code(wb_err err);

/** The error for a failed file call's errno e: WB_ERR_NOTFOUND when the
 *  path is not there (ENOENT, or a non-directory on the way: ENOTDIR),
 *  bad input naming a place; WB_ERR_IO otherwise. */
WB_API wb_err wb_err_from_errno(int e);

/** Standard base64 of in into out (NUL-terminated, caller frees with
 *  wb_free). WB_ERR_NOMEM on allocation failure. */
WB_API WB_NODISCARD wb_err wb_base64_encode(const uint8_t *in,
                                            size_t in_len,
                                            char **out);

/** Decode strict standard base64 (padding required, no whitespace) into a
 *  new buffer (caller frees with wb_free). WB_ERR_FORMAT on bad input. */
WB_API WB_NODISCARD wb_err wb_base64_decode(const char *in,
                                            size_t in_len,
                                            uint8_t **out,
                                            size_t *out_len);

/** Lower-case hex of in into out (2*in_len+1 bytes, caller-provided). */
WB_API void wb_hex_encode(const uint8_t *in, size_t in_len, char *out);

/** Decode hex (either case) of exactly out_len bytes into out.
 *  WB_ERR_FORMAT on bad length or digit. */
WB_API WB_NODISCARD wb_err wb_hex_decode(const char *in,
                                         size_t in_len,
                                         uint8_t *out,
                                         size_t out_len);

#endif
