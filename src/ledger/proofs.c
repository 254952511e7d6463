/* SPDX-License-Identifier: Apache-2.0 */
/* Checkpoints, inclusion and consistency proofs, portable tokens. */
#include <stdio.h>
#include <string.h>

#include "ledger/ledger_int.h"

wb_err
wb_site_checkpoint(struct wb_site *s, uint64_t size, char **out)
{
    struct wb_checkpoint cp;
    char *text = NULL;
    wb_err rc;

    *out = NULL;
    if (s->in_batch) {
        return wb__err(WB_ERR_INVAL, "commit the open batch first");
    }
    if (size == 0) {
        size = s->tree.size;
    }
    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "%s", s->origin);
    cp.size = size;
    rc = wb_site_root(s, size, cp.root);
    if (rc != WB_OK) {
        return rc;
    }
    /* Ed25519 is deterministic: re-signing a stored size gives the stored
     * text, so a stored checkpoint is returned as it is. */
    rc = wb__db_checkpoint_get(s->db, size, &text);
    if (rc == WB_ERR_NOTFOUND) {
        rc = wb_checkpoint_sign(&cp, s->signer, &text);
        if (rc == WB_OK) {
            rc = wb__db_checkpoint_put(s->db, size, text);
        }
    }
    if (rc != WB_OK) {
        wb__free(text);
        return rc;
    }
    *out = text;
    return WB_OK;
}

/* The tlog-proof of index in the tree of `size` entries, whose signed
 * checkpoint is cp, into *out. */
static wb_err
prove_against(struct wb_site *s,
              uint64_t index,
              uint64_t size,
              const char *cp,
              char **out)
{
    uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    size_t count = 0;
    bool own = false;
    wb_err rc;

    if (index >= size) {
        return wb__err(WB_ERR_INVAL,
                       "entry %llu is not in the tree of size "
                       "%llu",
                       (unsigned long long)index, (unsigned long long)size);
    }
    rc = wb__db_read_begin(s->db, &own);
    if (rc == WB_OK) {
        rc = wb_merkle_prove_inclusion(wb__ledger_read_node, s, index, size,
                                       proof, &count);
        wb__db_read_end(s->db, own);
    }
    if (rc == WB_ERR_NOTFOUND) {
        /* a node below the tree's size is missing: the store was damaged,
         * not "not yet" */
        char why[512];
        snprintf(why, sizeof why, "%s", wb_errmsg());
        rc = wb__err(WB_ERR_VERIFY,
                     "the log is damaged (%s); run waybill "
                     "verify",
                     why);
    }
    if (rc == WB_OK) {
        rc = wb_tlog_proof_format(index, NULL, 0,
                                  (const uint8_t(*)[WB_HASH_BYTES])proof, count,
                                  cp, out);
    }
    return rc;
}

wb_err
wb_site_prove_published(struct wb_site *s,
                        uint64_t index,
                        uint64_t size,
                        char **out,
                        uint64_t *cp_size,
                        uint64_t *latest)
{
    char *cp = NULL;
    wb_err rc;

    *out = NULL;
    *cp_size = 0;
    *latest = 0;
    rc = wb__ledger_usable(s);
    if (rc != WB_OK) {
        return rc;
    }
    rc = wb__db_checkpoint_latest(s->db, 0, latest, &cp);
    if (rc == WB_ERR_NOTFOUND && size != 0) {
        *latest = 0;
        rc = wb__err(WB_ERR_NOTFOUND, "no checkpoint of size %llu is published",
                     (unsigned long long)size);
    } else if (rc == WB_ERR_NOTFOUND) {
        *latest = 0;
        rc = wb__err(WB_ERR_NOTFOUND, "no checkpoint has been published yet");
    } else if (rc == WB_OK && size != 0 && size != *latest) {
        wb__free(cp);
        cp = NULL;
        rc = wb__db_checkpoint_get(s->db, size, &cp);
        if (rc == WB_ERR_NOTFOUND) {
            rc = wb__err(WB_ERR_NOTFOUND,
                         "no checkpoint of size %llu is published",
                         (unsigned long long)size);
        }
    } else if (rc == WB_OK && size == 0) {
        size = *latest;
        if (index >= size) {
            rc = wb__err(WB_ERR_NOTFOUND,
                         "entry %llu is not covered by a published checkpoint "
                         "yet (the latest is of size %llu)",
                         (unsigned long long)index, (unsigned long long)size);
        }
    }
    if (rc == WB_OK) {
        rc = prove_against(s, index, size, cp, out);
    }
    if (rc == WB_OK) {
        *cp_size = size;
    }
    wb__free(cp);
    return rc;
}

wb_err
wb_site_prove(struct wb_site *s, uint64_t index, uint64_t size, char **out)
{
    char *cp = NULL;
    wb_err rc;

    *out = NULL;
    rc = wb__ledger_usable(s);
    if (rc != WB_OK) {
        return rc;
    }
    if (size == 0) {
        rc = wb__db_checkpoint_latest(s->db, index + 1, &size, &cp);
        if (rc == WB_ERR_NOTFOUND) {
            rc = wb_site_checkpoint(s, 0, &cp);
            size = s->tree.size;
        }
    } else {
        rc = wb_site_checkpoint(s, size, &cp);
    }
    if (rc == WB_OK) {
        rc = prove_against(s, index, size, cp, out);
    }
    wb__free(cp);
    return rc;
}

wb_err
wb_site_prove_consistency(struct wb_site *s,
                          uint64_t old_size,
                          uint64_t new_size,
                          uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                          size_t *count)
{
    bool own = false;
    wb_err rc;

    *count = 0;
    if (wb__ledger_usable(s) != WB_OK) {
        return WB_ERR_VERIFY;
    }
    rc = wb__site_settle(s);
    if (rc != WB_OK) {
        return rc;
    }
    if (new_size > s->tree.size || old_size == 0 || old_size > new_size) {
        return wb__err(WB_ERR_INVAL, "need 0 < OLD <= NEW <= %llu (log size)",
                       (unsigned long long)s->tree.size);
    }
    rc = wb__db_read_begin(s->db, &own);
    if (rc == WB_OK) {
        rc = wb_merkle_prove_consistency(wb__ledger_read_node, s, old_size,
                                         new_size, proof, count);
        wb__db_read_end(s->db, own);
    }
    return rc;
}

wb_err
wb_site_token(struct wb_site *s, uint64_t index, uint8_t **out, size_t *out_len)
{
    uint8_t kid[WB_KEY_ID_BYTES];
    uint8_t *leaf = NULL;
    size_t leaf_len = 0;
    wb_err rc;

    *out = NULL;
    *out_len = 0;
    rc = wb_site_leaf(s, index, &leaf, &leaf_len);
    if (rc == WB_OK) {
        wb_signer_key_id(s->signer, kid);
        rc = wb_cose_sign(s->signer, kid, sizeof kid, leaf, leaf_len, out,
                          out_len);
    }
    wb__free(leaf);
    return rc;
}

wb_err
wb_site_checkpoint_latest(struct wb_site *s, uint64_t *size, char **out)
{
    wb_err rc = wb__db_checkpoint_latest(s->db, 0, size, out);

    if (rc == WB_ERR_NOTFOUND) {
        rc = wb__err(WB_ERR_NOTFOUND, "no checkpoint has been signed yet");
    }
    return rc;
}

wb_err
wb_site_nodes(struct wb_site *s,
              unsigned level,
              uint64_t first,
              size_t count,
              uint8_t (*out)[WB_HASH_BYTES])
{
    bool own = false;
    wb_err rc = wb__site_settle(s);

    if (rc != WB_OK) {
        return rc;
    }
    if (level >= 64 || first > (wb_site_size(s) >> level) ||
        count > (wb_site_size(s) >> level) - first) {
        return wb__err(WB_ERR_NOTFOUND,
                       "no %zu complete subtrees at level %u from %llu", count,
                       level, (unsigned long long)first);
    }
    /* one read transaction for the run: 2-4x faster than one a read */
    rc = wb__db_read_begin(s->db, &own);
    for (size_t i = 0; i < count && rc == WB_OK; i++) {
        rc = wb__ledger_read_node(s, level, first + i, out[i]);
    }
    wb__db_read_end(s->db, own);
    return rc;
}
