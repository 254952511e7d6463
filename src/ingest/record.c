/* SPDX-License-Identifier: Apache-2.0 */
/* Building a record's claims from the ingest options and the record. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
    c->consent_id = o->consent_id;
    c->consent_version = o->consent_version;
    c->residency_local_only = o->residency_local_only;
    c->residency = o->residency;
    c->residency_count = o->residency_count;
}

/* Set iat and time_ns, refusing times outside 1970-01-01 .. 9999-12-31. */
static wb_err
set_time(struct wb__rec *r, int64_t sec, uint32_t ns)
{
    struct timespec now;

    if (sec <= 0 || sec >= 253402300800LL) {
        /* iat 0 means "now" to the ledger; the epoch itself is no
         * plausible telemetry time */
        return wb__err(WB_ERR_FORMAT,
                       "field \"ts\": not seconds since "
                       "1970 (got %lld)",
                       (long long)sec);
    }
    clock_gettime(CLOCK_REALTIME, &now);
    if (sec > (int64_t)now.tv_sec + WB_INGEST_TS_AHEAD_MAX) {
        /* a reading dated ahead is never old enough for retention and
         * falls outside every report's period */
        return wb__err(WB_ERR_FORMAT,
                       "field \"ts\": %lld is more than a day ahead of this "
                       "gateway's clock (%lld): a device clock to set right",
                       (long long)sec, (long long)now.tv_sec);
    }
    r->e.claims.iat = sec;
    r->e.claims.has_time_ns = 1;
    r->e.claims.time_ns = ns;
    return WB_OK;
}

wb_err
wb__rec_set_ts(struct wb__rec *r, double ts)
{
    double sec;
    double us;

    if (!isfinite(ts) || ts < 0 || ts >= 253402300800.0) {
        return wb__err(WB_ERR_FORMAT,
                       "field \"ts\": not seconds since "
                       "1970 (got %g)",
                       ts);
    }
    /* a JSON number is a double: at today's epoch seconds it carries
     * microseconds, not nanoseconds; send "ts" as a string for those */
    us = llround(modf(ts, &sec) * 1e6);
    if (us >= 1e6) {
        sec += 1;
        us = 0;
    }
    return set_time(r, (int64_t)sec, (uint32_t)us * 1000u);
}

wb_err
wb__rec_set_ts_text(struct wb__rec *r, const char *t)
{
    int64_t sec = 0;
    uint32_t ns = 0;
    size_t i = 0;
    int digits = 0;

    for (; t[i] >= '0' && t[i] <= '9' && i < 12; i++) {
        sec = sec * 10 + (t[i] - '0');
    }
    if (i == 0) {
        goto bad;
    }
    if (t[i] == '.') {
        for (i++; t[i] >= '0' && t[i] <= '9'; i++, digits++) {
            if (digits < 9) {
                ns = ns * 10 + (uint32_t)(t[i] - '0');
            } else if (digits >= 18) {
                goto bad;
            }
        }
        if (digits == 0) {
            goto bad;
        }
        for (int d = digits; d < 9; d++) {
            ns *= 10;
        }
    }
    if (t[i] != '\0') {
        goto bad;
    }
    return set_time(r, sec, ns);
bad:
    return wb__err(WB_ERR_FORMAT,
                   "field \"ts\": \"%.40s\" is not decimal "
                   "seconds since 1970",
                   t);
}

wb_err
wb__rec_set_device(struct wb__rec *r,
                   const struct wb_ingest_opts *o,
                   const char *device)
{
    if (o->device != NULL && strcmp(o->device, device) != 0) {
        return wb__err(
            WB_ERR_FORMAT, "field \"device\": \"%s\" but %s is \"%s\"", device,
            o->device_from ? o->device_from : "the device given", o->device);
    }
    if (strlen(device) == 0 || strlen(device) > WB_DEVICE_ID_MAX) {
        return wb__err(WB_ERR_FORMAT, "field \"device\": 1..%d bytes",
                       WB_DEVICE_ID_MAX);
    }
    snprintf(r->device, sizeof r->device, "%s", device);
    r->e.claims.sub = r->device;
    return WB_OK;
}
