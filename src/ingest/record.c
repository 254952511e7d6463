/* SPDX-License-Identifier: Apache-2.0 */
/* Building a record's claims from the ingest options and the record. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ingest/ingest_int.h"

void
wb__rec_init(struct wb__rec *r, const struct wb_ingest_opts *o)
{
    struct wb_claims *c = &r->e.claims;

    memset(r, 0, sizeof *r);
    c->kind = "record";
    c->sub = o->device;
    c->purposes = o->purposes;
    c->purpose_count = o->purpose_count;
    c->data_class = o->data_class ? o->data_class : "non-personal";
    c->jurisdiction = o->jurisdiction;
    c->rights = o->rights;
    c->residency_local_only = o->residency_local_only;
    c->residency = o->residency;
    c->residency_count = o->residency_count;
}

wb_err
wb__rec_set_ts(struct wb__rec *r, double ts)
{
    double sec;
    double frac;

    /* 1970 .. 9999-12-31 */
    if (!isfinite(ts) || ts < 0 || ts >= 253402300800.0) {
        return wb__err(WB_ERR_FORMAT,
                       "field \"ts\": not seconds since "
                       "1970 (got %g)",
                       ts);
    }
    frac = modf(ts, &sec);
    r->e.claims.iat = (int64_t)sec;
    r->e.claims.has_time_ns = 1;
    r->e.claims.time_ns = (uint32_t)llround(frac * 1e9);
    if (r->e.claims.time_ns >= 1000000000u) {
        r->e.claims.time_ns = 999999999u;
    }
    if (r->e.claims.iat == 0) {
        /* iat 0 means "now" to the ledger; the epoch itself is no
         * plausible telemetry time */
        return wb__err(WB_ERR_FORMAT, "field \"ts\": 0 is not a time");
    }
    return WB_OK;
}

wb_err
wb__rec_set_device(struct wb__rec *r,
                   const struct wb_ingest_opts *o,
                   const char *device)
{
    if (o->device != NULL && strcmp(o->device, device) != 0) {
        return wb__err(WB_ERR_FORMAT,
                       "field \"device\": \"%s\" but "
                       "--device is \"%s\"",
                       device, o->device);
    }
    if (strlen(device) == 0 || strlen(device) > WB_DEVICE_ID_MAX) {
        return wb__err(WB_ERR_FORMAT, "field \"device\": 1..%d bytes",
                       WB_DEVICE_ID_MAX);
    }
    snprintf(r->device, sizeof r->device, "%s", device);
    r->e.claims.sub = r->device;
    return WB_OK;
}
