/* SPDX-License-Identifier: Apache-2.0 */
/* Gateway metrics: counters shared by the daemon's threads (MQTT ingest,
 * HTTP API, jobs) and their Prometheus text exposition. */
#ifndef WAYBILL_METRICS_H
#define WAYBILL_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include <waybill/core.h>

/* Upper bounds (microseconds) of the batch commit latency histogram; the
 * last bucket is +Inf. */
#define WB_METRICS_LATENCY_BUCKETS 14

/* All fields are updated with relaxed atomics by any thread. */
struct wb_metrics {
    atomic_uint_least64_t records_logged;  /* durably logged, all sources */
    atomic_uint_least64_t mqtt_messages;   /* MQTT messages received */
    atomic_uint_least64_t mqtt_duplicates; /* redeliveries already logged */
    atomic_uint_least64_t mqtt_reconnects;
    atomic_int mqtt_connected;              /* 1 while connected */
    atomic_uint_least64_t rejected_inputs;  /* refused inputs, all sources */
    atomic_uint_least64_t http_requests;    /* HTTP requests answered */
    atomic_uint_least64_t http_errors;      /* answered with 4xx or 5xx */
    atomic_uint_least64_t batches;          /* durable commits */
    atomic_uint_least64_t batch_latency_us; /* sum over all commits */
    atomic_uint_least64_t batch_buckets[WB_METRICS_LATENCY_BUCKETS + 1];
    atomic_uint_least64_t log_size;             /* entries in the log */
    atomic_uint_least64_t transfer_queue_depth; /* transfers waiting (no
                                                   scheduler yet: 0) */
    atomic_uint_least64_t inference_outputs;    /* governed outputs logged
                                                   and published */
    atomic_uint_least64_t inference_denials;    /* inputs denied by the
                                                   governed call */
    atomic_uint_least64_t inference_read_back;  /* inputs the models read
                                                   from the log, not held */
    atomic_uint_least64_t retention_erased;     /* payloads erased by the
                                                   retention job */
    atomic_int reports_running; /* 1 while an HTTP report scans the log */
};

/** Zero every counter of m. */
WB_API void wb_metrics_init(struct wb_metrics *m);

/** Count one durable commit of `records` records whose commit (write and
 *  fsync) took latency_us. */
WB_API void
wb_metrics_batch(struct wb_metrics *m, uint64_t records, uint64_t latency_us);

/** The metrics in the Prometheus text format (version 0.0.4) into a new
 *  NUL-terminated string *out (wb_free). WB_ERR_NOMEM. */
WB_API WB_NODISCARD wb_err wb_metrics_render(const struct wb_metrics *m,
                                             char **out,
                                             size_t *len);

/** Estimate of the q-quantile (0 < q < 1) of batch commit latency in
 *  microseconds from the histogram (the bucket's upper bound); 0 when no
 *  batch was counted. */
WB_API uint64_t wb_metrics_latency_quantile(const struct wb_metrics *m,
                                            double q);

#endif
