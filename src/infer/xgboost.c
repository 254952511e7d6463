/* SPDX-License-Identifier: Apache-2.0 */
/* The XGBoost backend: tree ensembles through the XGBoost C API, loaded
 * from the checked buffer (XGBoosterLoadModelFromBuffer), one thread per
 * booster, in-place prediction on dense float rows through a proxy
 * DMatrix kept with the booster (without one, XGBoost makes a proxy per
 * call, and each new proxy re-reads the cgroup CPU quota files: two
 * thirds of a single-row call's time for a small model). A model is used
 * by one thread at a time. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "infer/infer_int.h"

struct xgb_model {
    BoosterHandle h;
    DMatrixHandle proxy; /* the rows of the call in flight */
    size_t n_features;
    size_t n_outputs;
};

static void
xgb_free(void *p)
{
    struct xgb_model *m = p;

    if (m == NULL) {
        return;
    }
    if (m->h != NULL) {
        XGBoosterFree(m->h);
    }
    if (m->proxy != NULL) {
        XGDMatrixFree(m->proxy);
    }
    wb__free(m);
}

/* XGBoost's last error as one line of printable ASCII, at most 300 bytes
 * (its messages quote the model's bytes, and go on with a stack trace). */
static const char *
last_error(char *buf, size_t len)
{
    return wb__printable(XGBGetLastError(), 300, buf, len);
}

static wb_err
xgb_predict(void *p, const float *x, size_t rows, float *out)
{
    static const char config[] =
        "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
        "\"iteration_end\": 0, \"strict_shape\": false, \"missing\": NaN, "
        "\"cache_id\": 0}";
    struct xgb_model *m = p;
    char iface[256];
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    const float *res = NULL;
    size_t total = 1;
    char e[320];

    snprintf(iface, sizeof iface,
             "{\"data\": [%llu, true], \"shape\": [%zu, %zu], "
             "\"typestr\": \"<f4\", \"version\": 3}",
             (unsigned long long)(uintptr_t)x, rows, m->n_features);
    if (XGBoosterPredictFromDense(m->h, iface, config, m->proxy, &shape, &dim,
                                  &res) != 0) {
        return wb__err(WB_ERR_INTERNAL, "xgboost predict: %s",
                       last_error(e, sizeof e));
    }
    for (bst_ulong i = 0; i < dim; i++) {
        total *= (size_t)shape[i];
    }
    if (total != rows * m->n_outputs) {
        return wb__err(WB_ERR_FORMAT,
                       "the model gives %zu value(s) for %zu row(s); the "
                       "manifest names %zu output(s) a row",
                       total, rows, m->n_outputs);
    }
    memcpy(out, res, total * sizeof *out);
    return WB_OK;
}

/* One row of missing values through the model, before any call: a model
 * that gives another number of outputs a row than the manifest names is
 * refused at load, not after it has run on records. */
static wb_err
probe(struct xgb_model *m)
{
    float *row = wb__calloc(m->n_features ? m->n_features : 1, sizeof *row);
    float *y = wb__calloc(m->n_outputs ? m->n_outputs : 1, sizeof *y);
    wb_err rc = row && y ? WB_OK : WB_ERR_NOMEM;

    for (size_t j = 0; rc == WB_OK && j < m->n_features; j++) {
        row[j] = NAN;
    }
    if (rc == WB_OK) {
        rc = xgb_predict(m, row, 1, y);
    }
    wb__free(row);
    wb__free(y);
    return rc;
}

static wb_err
xgb_load(const uint8_t *bytes,
         size_t len,
         size_t n_features,
         size_t n_outputs,
         void **out)
{
    struct xgb_model *m = wb__calloc(1, sizeof *m);
    bst_ulong nf = 0;
    char e[320];
    wb_err rc = WB_OK;

    *out = NULL;
    if (m == NULL) {
        return WB_ERR_NOMEM;
    }
    m->n_features = n_features;
    m->n_outputs = n_outputs;
    if (XGBoosterCreate(NULL, 0, &m->h) != 0 ||
        XGBoosterSetParam(m->h, "nthread", "1") != 0 ||
        XGProxyDMatrixCreate(&m->proxy) != 0) {
        rc = wb__err(WB_ERR_INTERNAL, "xgboost: %s", last_error(e, sizeof e));
    } else if (XGBoosterLoadModelFromBuffer(m->h, bytes, (bst_ulong)len) != 0) {
        rc = wb__err(WB_ERR_FORMAT, "xgboost refused the model: %s",
                     last_error(e, sizeof e));
    } else if (XGBoosterGetNumFeature(m->h, &nf) != 0) {
        rc = wb__err(WB_ERR_FORMAT, "xgboost: %s", last_error(e, sizeof e));
    } else if ((size_t)nf != n_features) {
        rc = wb__err(WB_ERR_FORMAT,
                     "the model takes %llu features; the manifest's data "
                     "interface names %zu",
                     (unsigned long long)nf, n_features);
    }
    if (rc == WB_OK) {
        rc = probe(m);
    }
    if (rc == WB_OK) {
        *out = m;
    } else {
        xgb_free(m);
    }
    return rc;
}

static const struct wb_infer_backend xgboost_backend = {"xgboost", xgb_load,
                                                        xgb_predict, xgb_free};

const struct wb_infer_backend *
wb_infer_backend_xgboost(void)
{
    return &xgboost_backend;
}
