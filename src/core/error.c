/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes, their text, and the per-thread error detail. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/core_int.h"

static _Thread_local char detail[1024];

const char *
wb_strerror(wb_err err)
{
    switch (err) {
    case WB_OK:
        return "ok";
    case WB_ERR_NOMEM:
        return "out of memory";
    case WB_ERR_INVAL:
        return "invalid argument";
    case WB_ERR_TOOBIG:
        return "input too large";
    case WB_ERR_FORMAT:
        return "malformed input";
    case WB_ERR_BADSIG:
        return "signature verification failed";
    case WB_ERR_NOTFOUND:
        return "not found";
    case WB_ERR_EXISTS:
        return "already exists";
    case WB_ERR_IO:
        return "I/O error";
    case WB_ERR_DB:
        return "database error";
    case WB_ERR_BUSY:
        return "resource busy";
    case WB_ERR_CRYPTO:
        return "crypto library error";
    case WB_ERR_INTERNAL:
        return "internal error";
    case WB_ERR_VERIFY:
        return "verification failed";
    case WB_ERR_DENIED:
        return "denied";
    case WB_ERR__LAST:
        break;
    }
    return "unknown error";
}

int
wb_err_exit_code(wb_err err)
{
    switch (err) {
    case WB_OK:
        return 0;
    case WB_ERR_BADSIG:
    case WB_ERR_VERIFY:
    case WB_ERR_DENIED:
        return 1;
    case WB_ERR_INVAL:
    case WB_ERR_TOOBIG:
    case WB_ERR_FORMAT:
    case WB_ERR_NOTFOUND:
    case WB_ERR_EXISTS:
        return 2;
    default:
        return 3;
    }
}

wb_err
wb_err_from_errno(int e)
{
    return e == ENOENT || e == ENOTDIR ? WB_ERR_NOTFOUND : WB_ERR_IO;
}

const char *
wb_errmsg(void)
{
    return detail;
}

void
wb_errmsg_clear(void)
{
    detail[0] = '\0';
}

void
wb_errmsg_set(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
}

wb_err
wb__err(wb_err err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return err;
}

void
wb__err_prefix(const char *fmt, ...)
{
    char pre[256];
    size_t pre_len;
    size_t old_len = strlen(detail);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    pre_len = strlen(pre);
    if (old_len > 0) {
        /* detail becomes "pre: old" ("pre.old" when the format ends with
         * a dot: a field path; never decided by what %s brought in),
         * truncated to fit */
        size_t fmt_len = strlen(fmt);
        size_t sep = fmt_len > 0 && fmt[fmt_len - 1] == '.' ? 0 : 2;
        if (pre_len + sep + old_len >= sizeof detail) {
            old_len = sizeof detail - pre_len - sep - 1;
        }
        memmove(detail + pre_len + sep, detail, old_len);
        detail[pre_len + sep + old_len] = '\0';
        memcpy(detail, pre, pre_len);
        memcpy(detail + pre_len, ": ", sep);
    } else {
        memcpy(detail, pre, pre_len + 1);
    }
}
