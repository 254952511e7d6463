/* SPDX-License-Identifier: Apache-2.0 */
/* Inside ingest: format parsers hand records to a sink; the ledger sink
 * batches them into the log, a null sink lets fuzzers run the parsers. */
#ifndef WB_INGEST_INT_H
#define WB_INGEST_INT_H

#include <waybill/ingest.h>

#include "core/core_int.h"

/* Receives each parsed record; pos is its 1-based line or row. Returns
 * non-OK (with detail) to stop the parse. */
struct wb__sink {
    /* doc: the record's payload as parsed (JSON lines), borrowed for the
     * call; NULL for the other formats */
    wb_err (*put)(void *ctx,
                  const struct wb_append *e,
                  json_t *doc,
                  uint64_t pos);
    void *ctx;
};

/* A record under construction: claims from the options, and what a line
 * may set for itself (time, device). */
struct wb__rec {
    struct wb_append e;
    char device[WB_DEVICE_ID_MAX + 1];
};

/* Start a record from the options' defaults. */
void wb__rec_init(struct wb__rec *r, const struct wb_ingest_opts *o);

/* Apply a "ts" value (seconds since the epoch, fractions allowed) and a
 * "device" value from the record itself; either may be NULL. */
wb_err wb__rec_set_ts(struct wb__rec *r, double ts);
/* Exact decimal seconds ("1795000040.040123456"), to the nanosecond. */
wb_err wb__rec_set_ts_text(struct wb__rec *r, const char *t);
wb_err wb__rec_set_device(struct wb__rec *r,
                          const struct wb_ingest_opts *o,
                          const char *device);

/* One JSON object (a line, or a whole message) into a record. */
wb_err wb__ingest_json(const uint8_t *line,
                       size_t len,
                       const struct wb_ingest_opts *o,
                       struct wb__sink *k,
                       uint64_t pos);
/* Raw bytes as one record, or a CBOR sequence of device tokens (by
 * o->format), from memory. */
wb_err wb__ingest_buffer(const uint8_t *p,
                         size_t len,
                         const struct wb_ingest_opts *o,
                         struct wb__sink *k,
                         uint64_t *pos);

/* Parsers; *pos tracks the line or row reached. */
wb_err wb__ingest_jsonl(FILE *in,
                        const struct wb_ingest_opts *o,
                        struct wb__sink *k,
                        uint64_t *pos);
wb_err wb__ingest_csv(FILE *in,
                      const struct wb_ingest_opts *o,
                      struct wb__sink *k,
                      uint64_t *pos);
wb_err wb__ingest_whole(FILE *in,
                        const struct wb_ingest_opts *o,
                        struct wb__sink *k,
                        uint64_t *pos);

#endif
