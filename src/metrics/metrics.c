/* SPDX-License-Identifier: Apache-2.0 */
/* Gateway counters and their Prometheus text exposition. */
#include <string.h>

#include <waybill/metrics.h>

#include "core/core_int.h"

/* Batch commit latency bucket bounds, microseconds. */
static const uint64_t bounds[WB_METRICS_LATENCY_BUCKETS] = {
    250,   500,    1000,   2000,   5000,    10000,   20000,
    50000, 100000, 200000, 500000, 1000000, 2000000, 5000000};

#define LOAD(x)   atomic_load_explicit(&(x), memory_order_relaxed)
#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)

void
wb_metrics_init(struct wb_metrics *m)
{
    size_t i;

    atomic_init(&m->records_logged, 0);
    atomic_init(&m->mqtt_messages, 0);
    atomic_init(&m->mqtt_duplicates, 0);
    atomic_init(&m->mqtt_reconnects, 0);
    atomic_init(&m->mqtt_connected, 0);
    atomic_init(&m->rejected_inputs, 0);
    atomic_init(&m->http_requests, 0);
    atomic_init(&m->http_errors, 0);
    atomic_init(&m->batches, 0);
    atomic_init(&m->batch_latency_us, 0);
    for (i = 0; i <= WB_METRICS_LATENCY_BUCKETS; i++) {
        atomic_init(&m->batch_buckets[i], 0);
    }
    atomic_init(&m->log_size, 0);
    atomic_init(&m->transfer_queue_depth, 0);
    atomic_init(&m->inference_outputs, 0);
    atomic_init(&m->inference_denials, 0);
    atomic_init(&m->inference_read_back, 0);
    atomic_init(&m->retention_erased, 0);
    atomic_init(&m->reports_running, 0);
}

void
wb_metrics_batch(struct wb_metrics *m, uint64_t records, uint64_t latency_us)
{
    size_t i = 0;

    while (i < WB_METRICS_LATENCY_BUCKETS && latency_us > bounds[i]) {
        i++;
    }
    ADD(m->batch_buckets[i], 1);
    ADD(m->batches, 1);
    ADD(m->batch_latency_us, latency_us);
    ADD(m->records_logged, records);
}

uint64_t
wb_metrics_latency_quantile(const struct wb_metrics *m, double q)
{
    uint64_t total = LOAD(m->batches);
    uint64_t seen = 0;
    size_t i;

    if (total == 0) {
        return 0;
    }
    for (i = 0; i < WB_METRICS_LATENCY_BUCKETS; i++) {
        seen += LOAD(m->batch_buckets[i]);
        if ((double)seen >= q * (double)total) {
            return bounds[i];
        }
    }
    return UINT64_MAX;
}

wb_err
wb_metrics_render(const struct wb_metrics *m, char **out, size_t *len)
{
    const struct {
        const char *name, *type, *help;
        uint64_t v;
    } rows[] = {
        {"waybill_records_logged_total", "counter",
         "Records durably logged, all sources.", LOAD(m->records_logged)},
        {"waybill_mqtt_messages_total", "counter", "MQTT messages received.",
         LOAD(m->mqtt_messages)},
        {"waybill_mqtt_duplicates_total", "counter",
         "MQTT redeliveries of messages already logged.",
         LOAD(m->mqtt_duplicates)},
        {"waybill_mqtt_reconnects_total", "counter",
         "Reconnections to the MQTT broker.", LOAD(m->mqtt_reconnects)},
        {"waybill_mqtt_connected", "gauge",
         "1 while connected to the MQTT broker.",
         (uint64_t)LOAD(m->mqtt_connected)},
        {"waybill_rejected_inputs_total", "counter",
         "Inputs refused (malformed, unknown device, bad signature, "
         "oversized).",
         LOAD(m->rejected_inputs)},
        {"waybill_http_requests_total", "counter", "HTTP requests answered.",
         LOAD(m->http_requests)},
        {"waybill_http_errors_total", "counter",
         "HTTP requests answered with 4xx or 5xx.", LOAD(m->http_errors)},
        {"waybill_log_size", "gauge", "Entries in the log.", LOAD(m->log_size)},
        {"waybill_transfer_queue_depth", "gauge",
         "Transfers waiting to be sent (no transfer scheduler yet: 0).",
         LOAD(m->transfer_queue_depth)},
        {"waybill_inference_outputs_total", "counter",
         "Governed outputs of the configured models, logged and published.",
         LOAD(m->inference_outputs)},
        {"waybill_inference_denials_total", "counter",
         "Inputs the configured models were denied (each logged).",
         LOAD(m->inference_denials)},
        {"waybill_inference_read_back_total", "counter",
         "Inputs the configured models read back from the log (past the "
         "held-records budget, or not JSON).",
         LOAD(m->inference_read_back)},
        {"waybill_retention_erased_total", "counter",
         "Payloads erased by the retention job.", LOAD(m->retention_erased)},
        {"waybill_reports_running", "gauge",
         "1 while a report asked for over HTTP reads the log.",
         (uint64_t)LOAD(m->reports_running)},
    };
    struct wb__buf b;
    uint64_t cum = 0;
    wb_err rc = WB_OK;
    size_t i;

    *out = NULL;
    wb__buf_init(&b, 64 * 1024);
    for (i = 0; rc == WB_OK && i < sizeof rows / sizeof rows[0]; i++) {
        rc = wb__buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
                            rows[i].name, rows[i].help, rows[i].name,
                            rows[i].type, rows[i].name,
                            (unsigned long long)rows[i].v);
    }
    if (rc == WB_OK) {
        rc = wb__buf_printf(&b,
                            "# HELP waybill_batch_commit_seconds Batch commit "
                            "latency (write and fsync of the batch).\n"
                            "# TYPE waybill_batch_commit_seconds histogram\n");
    }
    for (i = 0; rc == WB_OK && i < WB_METRICS_LATENCY_BUCKETS; i++) {
        cum += LOAD(m->batch_buckets[i]);
        rc = wb__buf_printf(&b,
                            "waybill_batch_commit_seconds_bucket{le=\"%g\"} "
                            "%llu\n",
                            (double)bounds[i] / 1e6, (unsigned long long)cum);
    }
    if (rc == WB_OK) {
        cum += LOAD(m->batch_buckets[WB_METRICS_LATENCY_BUCKETS]);
        rc = wb__buf_printf(
            &b,
            "waybill_batch_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
            "waybill_batch_commit_seconds_sum %.6f\n"
            "waybill_batch_commit_seconds_count %llu\n",
            (unsigned long long)cum, (double)LOAD(m->batch_latency_us) / 1e6,
            (unsigned long long)LOAD(m->batches));
    }
    if (rc == WB_OK) {
        rc = wb__buf_cstr(&b);
    }
    if (rc != WB_OK) {
        wb__buf_clear(&b);
        return rc;
    }
    *out = (char *)wb__buf_take(&b, len);
    return WB_OK;
}
