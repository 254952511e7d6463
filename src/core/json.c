/* SPDX-License-Identifier: Apache-2.0 */
/* Serialising jansson values into library-owned strings. */
#include "core/core_int.h"

wb_err
wb__json_dump(const json_t *j, size_t flags, char **out)
{
    size_t n = json_dumpb(j, NULL, 0, flags);
    char *s;

    *out = NULL;
    if (n == 0) {
        return WB_ERR_NOMEM;
    }
    s = wb__malloc(n + 1);
    if (s == NULL) {
        return WB_ERR_NOMEM;
    }
    if (json_dumpb(j, s, n, flags) != n) {
        wb__free(s);
        return WB_ERR_INTERNAL;
    }
    s[n] = '\0';
    *out = s;
    return WB_OK;
}
