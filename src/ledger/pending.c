/* SPDX-License-Identifier: Apache-2.0 */
/* Work owed on entries (ledger.h): the rows live in the store and move
 * with the caller's batches, so owed work is exactly as durable as the
 * entries it is owed on. */
#include <string.h>

#include "ledger/ledger_int.h"

static wb_err
check(const struct wb_site *s, const char *consumer, bool need_batch)
{
    size_t len = consumer ? strlen(consumer) : 0;

    if (len == 0 || len > WB_PENDING_CONSUMER_MAX) {
        return wb__err(WB_ERR_INVAL, "owed work: a consumer of 1..%d bytes",
                       WB_PENDING_CONSUMER_MAX);
    }
    if (need_batch && !s->in_batch) {
        return wb__err(WB_ERR_INVAL, "owed work outside a batch");
    }
    return WB_OK;
}

wb_err
wb_site_pending_add(struct wb_site *s, const char *consumer, uint64_t entry)
{
    wb_err rc = check(s, consumer, true);

    return rc != WB_OK ? rc : wb__db_pending_add(s->db, consumer, entry);
}

wb_err
wb_site_pending_done(struct wb_site *s,
                     const char *consumer,
                     uint64_t first,
                     uint64_t last)
{
    wb_err rc = check(s, consumer, true);

    if (rc == WB_OK && first > last) {
        rc = wb__err(WB_ERR_INVAL, "owed work: an empty range %llu..%llu",
                     (unsigned long long)first, (unsigned long long)last);
    }
    return rc != WB_OK ? rc : wb__db_pending_done(s->db, consumer, first, last);
}

wb_err
wb_site_pending_list(struct wb_site *s,
                     const char *consumer,
                     uint64_t from,
                     uint64_t *out,
                     size_t max,
                     size_t *n)
{
    wb_err rc = check(s, consumer, false);

    *n = 0;
    return rc != WB_OK
               ? rc
               : wb__db_pending_list(s->db, consumer, from, out, max, n);
}

wb_err
wb_site_pending_owed(struct wb_site *s,
                     struct wb_pending_owed *out,
                     size_t max,
                     size_t *n)
{
    *n = 0;
    return wb__db_pending_owed(s->db, out, max, n);
}
