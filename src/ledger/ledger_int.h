/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the ledger: the site handle shared by the ledger's files. */
#ifndef WB_LEDGER_INT_H
#define WB_LEDGER_INT_H

#include <waybill/ledger.h>

#include "core/core_int.h"
#include "ledger/defer.h"
#include "store/store_int.h"

#define RANDOM_POOL 4096

/* Device registrations a site handle keeps checked: a gateway's devices
 * interleave, and a check reads the registration's entry (~10 us). */
#define WB__DEVICE_CACHE 64

struct wb_site {
    char *dir;
    char origin[WB_ORIGIN_MAX + 1];
    struct wb_signer *signer;
    struct wb__db *db;
    struct wb_merkle_frontier tree;  /* including the open batch */
    struct wb_merkle_frontier saved; /* as of the last commit */
    bool in_batch;
    uint64_t epoch;                         /* wb_site_register_epoch */
    const struct wb__deferred_ops *def_ops; /* the pending entry (defer.h) */
    void *def_ctx;
    char *damage; /* why the stored tree could not be loaded; then only
                     reading and wb_site_verify work */
    /* committed registrations, checked, by a hash of the id (they never
     * change); an empty id is an empty slot */
    struct wb_device devices[WB__DEVICE_CACHE];
    uint8_t last_leaf[WB_HASH_BYTES]; /* of the last append */
    struct wb__keyidx *keys; /* message keys -> ring slots (msgkeys.c) */
    size_t pool_left;
    uint8_t pool[RANDOM_POOL]; /* salts and record ids, refilled in bulk */
};

/* wb_merkle_read_fn over the site's stored hashes. */
wb_err wb__ledger_read_node(void *ctx,
                            unsigned level,
                            uint64_t index,
                            uint8_t out[WB_HASH_BYTES]);

/* WB_ERR_VERIFY with the damage when the site's tree did not load. */
wb_err wb__ledger_usable(const struct wb_site *s);

/* Begin a transaction unless a batch is open (*own says which), and end
 * it: commit when rc is WB_OK, else roll back; returns the final code. */
wb_err wb__ledger_tx_begin(struct wb_site *s, bool *own);
wb_err wb__ledger_tx_end(struct wb_site *s, bool own, wb_err rc);

/* Reload the size and frontier when the stored log grew through another
 * handle (outside a batch). */
wb_err wb__ledger_catch_up(struct wb_site *s);

/* The in-memory index of message keys follows the batch: a commit keeps
 * what the batch put, a rollback has it rebuilt from the table; free it
 * with the handle. */
void wb__ledger_keys_committed(struct wb_site *s);
void wb__ledger_keys_rolled_back(struct wb_site *s);
void wb__ledger_keys_free(struct wb_site *s);

/* Take n fresh random bytes from the pool. */
void wb__ledger_random(struct wb_site *s, uint8_t *out, size_t n);

/* A register epoch no handle of the process has had (wb_site_register_epoch):
 * a handle opened where a closed one was cannot inherit its verdicts. */
uint64_t wb__ledger_new_epoch(void);

/* Current time: seconds and nanoseconds. */
void wb__ledger_now(int64_t *sec, uint32_t *nsec);

/* Is device d's row what its "device" entry logged (its id, algorithm
 * and key)? WB_ERR_VERIFY naming it, as wb_site_register_check. */
wb_err wb__device_check(struct wb_site *s, const struct wb_device *d);

#endif
