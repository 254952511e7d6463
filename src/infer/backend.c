/* SPDX-License-Identifier: Apache-2.0 */
/* The table of runtime backends: the governance code finds a backend by
 * the manifest's "runtime" name and never knows which runtime it is. */
#include <string.h>

#include "infer/infer_int.h"

#define BACKENDS_MAX 8

static const struct wb_infer_backend *table[BACKENDS_MAX];
static size_t table_count;

wb_err
wb_infer_backend_add(const struct wb_infer_backend *b)
{
    if (b == NULL || b->name == NULL || b->load == NULL || b->predict == NULL ||
        b->free == NULL) {
        return wb__err(WB_ERR_INVAL, "backend: missing name or function");
    }
    if (wb_infer_backend_find(b->name) != NULL) {
        return wb__err(WB_ERR_EXISTS, "backend %s: already in the table",
                       b->name);
    }
    if (table_count == BACKENDS_MAX) {
        return wb__err(WB_ERR_TOOBIG, "backend %s: the table holds %d", b->name,
                       BACKENDS_MAX);
    }
    table[table_count++] = b;
    return WB_OK;
}

const struct wb_infer_backend *
wb_infer_backend_find(const char *name)
{
    const struct wb_infer_backend *x = wb_infer_backend_xgboost();

    if (name == NULL) {
        return NULL;
    }
    if (strcmp(name, x->name) == 0) {
        return x;
    }
    for (size_t i = 0; i < table_count; i++) {
        if (strcmp(table[i]->name, name) == 0) {
            return table[i];
        }
    }
    return NULL;
}
