/* SPDX-License-Identifier: Apache-2.0 */
/* An entry still being filled (what other modules may ask of the ledger
 * beyond its public API): inside an open batch, a module may reserve the
 * next index for an entry whose content is still growing — the governed
 * call's inference record, filled by single-row calls one output at a
 * time. The ledger appends it (finish) before anything else is appended
 * or read through the handle, and at commit; a rollback drops it. Only
 * one is pending per handle: reserving another appends the first. */
#ifndef WB_LEDGER_DEFER_H
#define WB_LEDGER_DEFER_H

#include <waybill/ledger.h>

struct wb__deferred_ops {
    /* Append the entry through wb_site_append; *index gets its index. */
    wb_err (*finish)(struct wb_site *s, void *ctx, uint64_t *index);
    /* Free ctx (after finish, or instead of it). */
    void (*drop)(void *ctx);
};

/* Reserve the next index (*index) for ctx, which the site now owns (ops
 * drop it). A pending entry is appended first. WB_ERR_INVAL outside a
 * batch; on any error ctx is dropped. */
wb_err wb__site_defer(struct wb_site *s,
                      const struct wb__deferred_ops *ops,
                      void *ctx,
                      uint64_t *index);

/* The pending entry's ctx if it was deferred with ops (still owned by
 * the site; the caller may add to it), else NULL. */
void *wb__site_deferred(struct wb_site *s, const struct wb__deferred_ops *ops);

/* Append the pending entry now, if any. If it cannot be appended, or does
 * not land at its reserved index, the whole batch is rolled back (outputs
 * already handed out name that index) and the error returned. */
wb_err wb__site_settle(struct wb_site *s);

#endif
