/* SPDX-License-Identifier: Apache-2.0 */
/* Ingest: turn JSON Lines, CSV, raw bytes or device-signed COSE_Sign1
 * tokens into log entries, in batches with group commit. */
#ifndef WAYBILL_INGEST_H
#define WAYBILL_INGEST_H

#include <stdbool.h>
#include <stdio.h>

#include <waybill/ledger.h>

struct json_t; /* jansson's */

/* Longest JSON line or CSV row; larger ones are refused. */
#define WB_INGEST_LINE_MAX (64 * 1024)
/* Largest input of the raw and cose formats. */
#define WB_INGEST_WHOLE_MAX (64 * 1024 * 1024)
/* How far a record's "ts" may lie ahead of the clock (seconds): one day. */
#define WB_INGEST_TS_AHEAD_MAX 86400

enum wb_ingest_format {
    WB_INGEST_JSONL, /* one JSON object a line; payload = the line */
    WB_INGEST_CSV,   /* header row, then one record a row; payload = JSON */
    WB_INGEST_RAW,   /* the whole input is one record */
    WB_INGEST_COSE   /* a CBOR sequence of device-signed COSE_Sign1 */
};

struct wb_policy;

struct wb_ingest_opts {
    enum wb_ingest_format format;
    const char *source; /* name used in messages, e.g. a path or "stdin" */
    const char *device; /* default device id (must be registered) */
    const char *const *purposes;
    size_t purpose_count;
    const char *data_class;   /* default "non-personal" */
    const char *jurisdiction; /* ISO 3166-1 alpha-2 or 3166-2 */
    const char *rights;
    const char *consent_id; /* consent claim [id, version], or NULL */
    uint64_t consent_version;
    int residency_local_only;
    const char *const *residency;
    size_t residency_count;
    /* the purpose vocabulary (borrowed): when set, each of purposes must be
     * in it; NULL leaves purposes unchecked */
    const struct wb_policy *policy;
    size_t batch_size; /* records per durable commit; 0 = 1000 */
    bool dry_run;      /* check everything, write nothing */
    /* Called after each durable commit with the batch's index range. */
    void (*on_commit)(void *ctx, uint64_t first, uint64_t last);
    void *ctx;
    /* what gave device, as a mismatch with a record's "device" field
     * names it ("--device"); NULL: "the device given" */
    const char *device_from;
};

struct wb_ingest_stats {
    uint64_t records;  /* records committed (or checked, in a dry run) */
    uint64_t first;    /* index of the first committed record */
    uint64_t last;     /* index of the last committed record */
    uint64_t batches;  /* durable commits */
    uint64_t position; /* line or row where an error stopped it (1-based) */
};

/** The places, class and purposes opts gives its records: jurisdiction
 *  an assigned ISO 3166-1 alpha-2 or ISO 3166-2 code; residency local-only
 *  (with a jurisdiction, and alone) or a list of such codes, each once;
 *  data_class one of wb_claims_class_ok's; with opts->policy, each purpose
 *  in its vocabulary. WB_ERR_INVAL naming the field ("jurisdiction: ...",
 *  "class: ...", "purpose: ..."); WB_ERR_IO if the ISO
 *  tables cannot be read. wb_ingest_stream and wb_ingest_message check
 *  this first. */
WB_API WB_NODISCARD wb_err
wb_ingest_places_check(const struct wb_ingest_opts *opts);

/** Parse `in` (its name in opts->source) and append every record. Records
 *  are committed in batches of opts->batch_size; on an error the open
 *  batch is rolled back, earlier batches stay (they were acknowledged), and
 *  stats tells what was committed. WB_ERR_FORMAT / WB_ERR_TOOBIG /
 *  WB_ERR_NOTFOUND (unknown device) / WB_ERR_BADSIG / WB_ERR_DENIED with
 *  "source:line: ..." in wb_errmsg(). */
WB_API WB_NODISCARD wb_err wb_ingest_stream(struct wb_site *s,
                                            FILE *in,
                                            const struct wb_ingest_opts *opts,
                                            struct wb_ingest_stats *stats);

/** Append one message as a record: a whole JSON object (WB_INGEST_JSONL,
 *  at most WB_INGEST_LINE_MAX bytes), raw bytes (WB_INGEST_RAW, at most
 *  WB_PAYLOAD_MAX_BYTES) or device-signed COSE_Sign1 tokens
 *  (WB_INGEST_COSE), with opts' claims; into the open batch, or as its own
 *  durable transaction without one. The device must be registered and a
 *  token must verify. *index (may be NULL) gets the log index of the
 *  (last) record. WB_ERR_FORMAT / WB_ERR_TOOBIG / WB_ERR_NOTFOUND /
 *  WB_ERR_BADSIG / WB_ERR_DENIED with detail naming the field. The open
 *  batch stays usable after a refusal. */
WB_API WB_NODISCARD wb_err wb_ingest_message(struct wb_site *s,
                                             const struct wb_ingest_opts *opts,
                                             const uint8_t *msg,
                                             size_t len,
                                             uint64_t *index);

/* A copy of the (last) record a message became, for a caller that works
 * on it next (a gateway's models): everything owned. */
struct wb_ingest_kept {
    uint64_t index;
    uint8_t leaf_hash[WB_HASH_BYTES];
    struct wb_claims *claims; /* as given to the ledger, which adds iss,
                                 iat, cti and the payload commitment */
    uint8_t *payload;         /* as stored; NULL when none */
    size_t payload_len;
    struct json_t *doc; /* the payload as parsed at ingest (a JSON message),
                           a jansson reference; NULL otherwise */
};

/** wb_ingest_message, and *kept (wb_ingest_kept_clear; zeroed first) gets
 *  a copy of the last record appended. Same errors; WB_ERR_NOMEM when the
 *  copy fails (the record stays appended in the open batch). */
WB_API WB_NODISCARD wb_err
wb_ingest_message_keep(struct wb_site *s,
                       const struct wb_ingest_opts *opts,
                       const uint8_t *msg,
                       size_t len,
                       struct wb_ingest_kept *kept);

/** Free what k holds and zero it. NULL-safe. */
WB_API void wb_ingest_kept_clear(struct wb_ingest_kept *k);

#endif
