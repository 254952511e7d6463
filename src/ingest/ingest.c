/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger sink: checks each record's device (and device signature),
 * appends it, and commits every batch_size records durably. */
#include <string.h>

#include "ingest/ingest_int.h"

struct ledger_sink {
    struct wb_site *s;
    const struct wb_ingest_opts *o;
    struct wb_ingest_stats *stats;
    size_t batch_size;
    size_t in_batch;
    uint64_t batch_first;
    bool caller_batch; /* the caller begins and commits (one message) */
    uint64_t index;    /* of the last record appended */
    struct wb_ingest_kept *kept;             /* a copy of it, when asked for */
    char known_device[WB_DEVICE_ID_MAX + 1]; /* last device found */
};

static wb_err
commit_batch(struct ledger_sink *ls)
{
    wb_err rc;

    if (ls->in_batch == 0) {
        return WB_OK;
    }
    rc = wb_site_commit(ls->s);
    if (rc != WB_OK) {
        return rc;
    }
    if (ls->stats->records == 0) {
        ls->stats->first = ls->batch_first;
    }
    ls->stats->records += ls->in_batch;
    ls->stats->last = ls->batch_first + ls->in_batch - 1;
    ls->stats->batches++;
    if (ls->o->on_commit != NULL) {
        ls->o->on_commit(ls->o->ctx, ls->batch_first, ls->stats->last);
    }
    ls->in_batch = 0;
    return WB_OK;
}

/* The record's device must be registered. */
static wb_err
check_device(struct ledger_sink *ls, const char *id)
{
    struct wb_device d;
    wb_err rc;

    if (id == NULL || strcmp(id, ls->known_device) == 0) {
        return WB_OK;
    }
    rc = wb_site_device_get(ls->s, id, &d);
    if (rc == WB_OK) {
        memcpy(ls->known_device, d.id, sizeof d.id);
    }
    return rc;
}

/* Dry run: everything but the write, including the claims encoding. */
static wb_err
check_claims(struct ledger_sink *ls, const struct wb_append *e)
{
    struct wb_claims c = e->claims;
    uint8_t *leaf = NULL;
    size_t leaf_len = 0;
    wb_err rc;

    c.iss = wb_site_origin(ls->s);
    c.cti_len = WB_CTI_BYTES;
    if (c.iat == 0) {
        c.iat = 1;
    }
    rc = wb_claims_encode(&c, &leaf, &leaf_len);
    wb__free(leaf);
    return rc;
}

/* Copy what was just appended into ls->kept. */
static wb_err
keep(struct ledger_sink *ls, const struct wb_append *e, json_t *doc)
{
    struct wb_ingest_kept *k = ls->kept;
    wb_err rc;

    wb_ingest_kept_clear(k);
    k->index = ls->index;
    wb_site_last_leaf_hash(ls->s, k->leaf_hash);
    rc = wb_claims_copy(&e->claims, &k->claims);
    k->doc = e->device_token == NULL ? json_incref(doc) : NULL;
    if (rc == WB_OK && e->payload != NULL) {
        k->payload = wb__malloc(e->payload_len ? e->payload_len : 1);
        if (k->payload == NULL) {
            rc = WB_ERR_NOMEM;
        } else {
            memcpy(k->payload, e->payload, e->payload_len);
            k->payload_len = e->payload_len;
        }
    }
    if (rc != WB_OK) {
        wb_ingest_kept_clear(k);
    }
    return rc;
}

void
wb_ingest_kept_clear(struct wb_ingest_kept *k)
{
    if (k == NULL) {
        return;
    }
    wb_claims_free(k->claims);
    wb__free(k->payload);
    json_decref(k->doc);
    memset(k, 0, sizeof *k);
}

static wb_err
put(void *ctx, const struct wb_append *in, json_t *doc, uint64_t pos)
{
    struct ledger_sink *ls = ctx;
    struct wb_append e = *in;
    struct wb_cose_sign1 cose;
    struct wb_device dev;
    wb_err rc;

    (void)pos;
    if (e.device_token != NULL) {
        rc = wb_site_device_verify(ls->s, ls->o->device, e.device_token,
                                   e.device_token_len, &dev, &cose);
        if (rc != WB_OK) {
            return rc;
        }
        memcpy(ls->known_device, dev.id, sizeof dev.id);
        e.claims.sub = ls->known_device;
        e.claims.media = "application/octet-stream";
        e.payload = cose.payload;
        e.payload_len = cose.payload_len;
    }
    rc = check_device(ls, e.claims.sub);
    if (rc != WB_OK) {
        return rc;
    }
    if (ls->o->dry_run) {
        rc = check_claims(ls, &e);
        if (rc == WB_OK) {
            ls->stats->records++;
        }
        return rc;
    }
    if (ls->caller_batch) {
        rc = wb_site_append(ls->s, &e, &ls->index);
        return rc == WB_OK && ls->kept != NULL ? keep(ls, &e, doc) : rc;
    }
    if (ls->in_batch == 0) {
        rc = wb_site_begin(ls->s);
        if (rc != WB_OK) {
            return rc;
        }
        ls->batch_first = wb_site_size(ls->s);
    }
    rc = wb_site_append(ls->s, &e, NULL);
    if (rc != WB_OK) {
        return rc;
    }
    ls->in_batch++;
    if (ls->in_batch >= ls->batch_size) {
        rc = commit_batch(ls);
    }
    return rc;
}

wb_err
wb_ingest_stream(struct wb_site *s,
                 FILE *in,
                 const struct wb_ingest_opts *opts,
                 struct wb_ingest_stats *stats)
{
    struct ledger_sink ls;
    struct wb__sink k = {put, &ls};
    uint64_t pos = 0;
    wb_err rc;

    memset(stats, 0, sizeof *stats);
    memset(&ls, 0, sizeof ls);
    ls.s = s;
    ls.o = opts;
    ls.stats = stats;
    ls.batch_size = opts->batch_size ? opts->batch_size : 1000;
    rc = wb_ingest_places_check(opts);
    if (rc != WB_OK) {
        return rc; /* the options', not a line's */
    }
    switch (opts->format) {
    case WB_INGEST_JSONL:
        rc = wb__ingest_jsonl(in, opts, &k, &pos);
        break;
    case WB_INGEST_CSV:
        rc = wb__ingest_csv(in, opts, &k, &pos);
        break;
    case WB_INGEST_RAW:
    case WB_INGEST_COSE:
        rc = wb__ingest_whole(in, opts, &k, &pos);
        break;
    default:
        rc = wb__err(WB_ERR_INVAL, "unknown format");
    }
    if (rc == WB_OK) {
        rc = commit_batch(&ls);
    }
    if (rc != WB_OK) {
        if (ls.in_batch > 0) {
            wb_site_rollback(s);
        }
        stats->position = pos;
        wb__err_prefix("%s:%llu", opts->source ? opts->source : "input",
                       (unsigned long long)pos);
    }
    return rc;
}

/* One message; kept, when not NULL, gets a copy of the last record. */
static wb_err
message(struct wb_site *s,
        const struct wb_ingest_opts *opts,
        const uint8_t *msg,
        size_t len,
        struct wb_ingest_kept *kept,
        uint64_t *index)
{
    struct wb_ingest_stats stats;
    struct ledger_sink ls;
    struct wb__sink k = {put, &ls};
    uint64_t pos = 1;
    wb_err rc;

    memset(&stats, 0, sizeof stats);
    memset(&ls, 0, sizeof ls);
    ls.s = s;
    ls.o = opts;
    ls.stats = &stats;
    ls.caller_batch = true;
    ls.kept = kept;
    rc = wb_ingest_places_check(opts);
    if (rc != WB_OK) {
        return rc;
    }
    switch (opts->format) {
    case WB_INGEST_JSONL:
        rc = len > WB_INGEST_LINE_MAX
                 ? wb__err(WB_ERR_TOOBIG, "message larger than %d bytes",
                           WB_INGEST_LINE_MAX)
                 : wb__ingest_json(msg, len, opts, &k, 1);
        break;
    case WB_INGEST_RAW:
    case WB_INGEST_COSE:
        rc = wb__ingest_buffer(msg, len, opts, &k, &pos);
        break;
    default:
        rc = wb__err(WB_ERR_INVAL, "format: not a message format");
    }
    if (rc == WB_OK && index != NULL) {
        *index = ls.index;
    }
    return rc;
}

wb_err
wb_ingest_message(struct wb_site *s,
                  const struct wb_ingest_opts *opts,
                  const uint8_t *msg,
                  size_t len,
                  uint64_t *index)
{
    struct wb_ingest_kept k;
    wb_err rc;

    memset(&k, 0, sizeof k);
    rc = message(s, opts, msg, len, NULL, &k.index);
    if (rc == WB_OK && index != NULL) {
        *index = k.index;
    }
    return rc;
}

wb_err
wb_ingest_message_keep(struct wb_site *s,
                       const struct wb_ingest_opts *opts,
                       const uint8_t *msg,
                       size_t len,
                       struct wb_ingest_kept *kept)
{
    memset(kept, 0, sizeof *kept);
    return message(s, opts, msg, len, kept, NULL);
}
