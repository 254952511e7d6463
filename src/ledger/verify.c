/* SPDX-License-Identifier: Apache-2.0 */
/* The self-check: recompute everything the log stores from the leaves and
 * payloads, and name the first entry where they disagree. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger_int.h"

struct cp_item {
    uint64_t size;
    char *text;
};

struct walk {
    struct wb_site *s;
    struct wb_verifier *v;
    struct wb_verify_report *r;
    struct wb_merkle_frontier tree;
    struct cp_item *cps; /* stored checkpoints by size */
    size_t cp_count;
    size_t cp_next;
    uint8_t (*erased)[WB_HASH_BYTES]; /* leaf hashes of erased entries */
    uint64_t *erased_idx;
    size_t erased_count;
    uint8_t (*declared)[WB_HASH_BYTES]; /* parents of erasure entries */
    size_t declared_count;
    uint64_t *reg_idx; /* entries of a register's kind, ascending */
    bool *reg_seen;    /* ... and whether a register row names each */
    size_t reg_count;
};

/* The kinds whose entries each record a version of a register document. */
static const char *const register_kinds[] = {"consent", "server", "policy"};

/* Record the first bad entry and stop the walk. */
static wb_err bad(struct walk *w, uint64_t idx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static wb_err
bad(struct walk *w, uint64_t idx, const char *fmt, ...)
{
    va_list ap;

    w->r->first_bad = (int64_t)idx;
    va_start(ap, fmt);
    vsnprintf(w->r->what, sizeof w->r->what, fmt, ap);
    va_end(ap);
    return wb__err(WB_ERR_VERIFY, "entry %llu: %s", (unsigned long long)idx,
                   w->r->what);
}

/* Append a hash to a growable array. */
static wb_err
push_hash(uint8_t (**arr)[WB_HASH_BYTES], size_t *n, const uint8_t *h)
{
    uint8_t(*p)[WB_HASH_BYTES] = wb__realloc(*arr, (*n + 1) * sizeof **arr);

    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    memcpy(p[*n], h, WB_HASH_BYTES);
    *arr = p;
    (*n)++;
    return WB_OK;
}

static wb_err
collect_cp(void *ctx, uint64_t size, const char *text)
{
    struct walk *w = ctx;
    struct cp_item *p = wb__realloc(w->cps, (w->cp_count + 1) * sizeof *p);

    if (p == NULL) {
        return WB_ERR_NOMEM;
    }
    w->cps = p;
    p[w->cp_count].size = size;
    p[w->cp_count].text = wb__strdup(text);
    if (p[w->cp_count].text == NULL) {
        return WB_ERR_NOMEM;
    }
    w->cp_count++;
    return WB_OK;
}

/* Check the stored checkpoints whose size the walk has reached. */
static wb_err
check_checkpoints(struct walk *w)
{
    uint8_t root[WB_HASH_BYTES];
    struct wb_checkpoint cp;

    while (w->cp_next < w->cp_count &&
           w->cps[w->cp_next].size == w->tree.size) {
        const struct cp_item *c = &w->cps[w->cp_next++];
        uint64_t at = c->size ? c->size - 1 : 0;
        wb_err rc = wb_checkpoint_verify(c->text, strlen(c->text), w->v, &cp);
        if (rc == WB_ERR_NOMEM) {
            return rc;
        }
        if (rc != WB_OK) {
            return bad(w, at, "checkpoint of size %llu does not verify: %s",
                       (unsigned long long)c->size, wb_errmsg());
        }
        wb_merkle_frontier_root(&w->tree, root);
        if (cp.size != c->size || memcmp(cp.root, root, WB_HASH_BYTES) != 0 ||
            strcmp(cp.origin, w->s->origin) != 0) {
            return bad(w, at,
                       "checkpoint of size %llu does not match the "
                       "log's tree",
                       (unsigned long long)c->size);
        }
        w->r->checkpoints++;
    }
    return WB_OK;
}

/* Payload and device token against the commitments in the claims. */
static wb_err
check_payload(struct walk *w,
              const struct wb__row *row,
              const struct wb_claims *c)
{
    uint8_t h[WB_HASH_BYTES];

    if (row->payload != NULL) {
        if (!c->has_payload || row->salt == NULL ||
            row->salt_len != WB_SALT_BYTES) {
            return bad(w, row->idx, "stored payload has no commitment");
        }
        if (wb_payload_check(c, row->salt, row->salt_len, row->payload,
                             row->payload_len) != WB_OK) {
            wb_errmsg_clear();
            return bad(w, row->idx,
                       "payload does not match its salted "
                       "commitment");
        }
        w->r->payloads++;
    } else if (c->has_payload && !row->erased) {
        return bad(w, row->idx,
                   "payload is missing and no erasure is "
                   "recorded");
    }
    if (row->devtok != NULL) {
        wb_sha256(row->devtok, row->devtok_len, h);
        if (!c->has_devsig || memcmp(h, c->devsig, WB_HASH_BYTES) != 0) {
            return bad(w, row->idx,
                       "device token does not match the devsig "
                       "claim");
        }
    } else if (c->has_devsig && !row->erased) {
        return bad(w, row->idx, "device token is missing");
    }
    return WB_OK;
}

/* Remember an entry of a register's kind: a register row must name it. */
static wb_err
note_register_entry(struct walk *w, const char *kind, uint64_t idx)
{
    uint64_t *p;
    bool *q;

    for (size_t i = 0; i < sizeof register_kinds / sizeof register_kinds[0];
         i++) {
        if (strcmp(kind, register_kinds[i]) != 0) {
            continue;
        }
        p = wb__realloc(w->reg_idx, (w->reg_count + 1) * sizeof *p);
        if (p == NULL) {
            return WB_ERR_NOMEM;
        }
        w->reg_idx = p;
        q = wb__realloc(w->reg_seen, (w->reg_count + 1) * sizeof *q);
        if (q == NULL) {
            return WB_ERR_NOMEM;
        }
        w->reg_seen = q;
        p[w->reg_count] = idx;
        q[w->reg_count++] = false;
        break;
    }
    return WB_OK;
}

/* Mark the register entry idx as named by a row (a register other than
 * register_kinds' names no such entry: nothing to mark). */
static void
mark_register_entry(struct walk *w, uint64_t idx)
{
    size_t lo = 0;
    size_t hi = w->reg_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->reg_idx[mid] == idx) {
            w->reg_seen[mid] = true;
            return;
        }
        if (w->reg_idx[mid] < idx) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
}

static wb_err
check_row(void *ctx, const struct wb__row *row)
{
    struct walk *w = ctx;
    uint8_t leaf_hash[WB_HASH_BYTES];
    uint8_t stored[65][WB_HASH_BYTES];
    struct wb_claims *c = NULL;
    unsigned n;
    wb_err rc;

    if (row->idx != w->tree.size) {
        return bad(w, w->tree.size, "entry is missing (next stored is %llu)",
                   (unsigned long long)row->idx);
    }
    rc = wb_claims_decode(row->leaf, row->leaf_len, &c);
    if (rc == WB_ERR_NOMEM) {
        return rc;
    }
    if (rc != WB_OK) {
        return bad(w, row->idx, "leaf is not valid claims: %s", wb_errmsg());
    }
    wb_merkle_leaf_hash(row->leaf, row->leaf_len, leaf_hash);
    n = wb_merkle_frontier_append(&w->tree, leaf_hash, stored);
    if (row->hashes_len != (size_t)n * WB_HASH_BYTES ||
        memcmp(row->hashes, stored, row->hashes_len) != 0) {
        rc = bad(w, row->idx, "leaf does not match the stored tree hashes");
        goto out;
    }
    rc = check_payload(w, row, c);
    if (rc == WB_OK && row->erased) {
        w->r->erased++;
        rc = push_hash(&w->erased, &w->erased_count, leaf_hash);
        if (rc == WB_OK) {
            uint64_t *p =
                wb__realloc(w->erased_idx, w->erased_count * sizeof *p);
            rc = p ? WB_OK : WB_ERR_NOMEM;
            if (p != NULL) {
                p[w->erased_count - 1] = row->idx;
                w->erased_idx = p;
            }
        }
    }
    if (rc == WB_OK) {
        rc = note_register_entry(w, c->kind, row->idx);
    }
    for (size_t i = 0;
         rc == WB_OK && strcmp(c->kind, "erasure") == 0 && i < c->parent_count;
         i++) {
        rc = push_hash(&w->declared, &w->declared_count, c->parents[i]);
    }
    w->r->entries++;
    if (rc == WB_OK) {
        rc = check_checkpoints(w);
    }
out:
    wb_claims_free(c);
    return rc;
}

static int
cmp_hash(const void *a, const void *b)
{
    return memcmp(a, b, WB_HASH_BYTES);
}

/* Every erased payload must have a logged erasure naming its leaf. */
static wb_err
check_erasures(struct walk *w)
{
    if (w->declared_count > 0) {
        qsort(w->declared, w->declared_count, WB_HASH_BYTES, cmp_hash);
    }
    for (size_t i = 0; i < w->erased_count; i++) {
        if (w->declared_count == 0 ||
            bsearch(w->erased[i], w->declared, w->declared_count, WB_HASH_BYTES,
                    cmp_hash) == NULL) {
            return bad(w, w->erased_idx[i],
                       "payload was removed without a "
                       "logged erasure");
        }
    }
    return WB_OK;
}

/* Every register document must be the payload of its entry, an entry of
 * the register's kind, not erased (a register's entries are kept). */
static wb_err
check_register(void *ctx, const char *reg, const struct wb_register_doc *d)
{
    struct walk *w = ctx;
    char why[512]; /* the report's "what" holds as much */
    wb_err rc = wb_site_register_check(w->s, reg, d, NULL);

    if (rc == WB_OK) {
        mark_register_entry(w, d->entry);
    } else if (rc == WB_ERR_VERIFY) {
        snprintf(why, sizeof why, "%s", wb_errmsg());
        rc = bad(w, d->entry, "%s", why);
    }
    return rc;
}

/* Every device row must be what its "device" entry logged: the key
 * ingest checks device signatures with. */
static wb_err
check_devices(struct walk *w)
{
    struct wb_device *v = NULL;
    size_t n = 0;
    wb_err rc = wb__db_device_list(w->s->db, &v, &n);

    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        rc = wb__device_check(w->s, &v[i]);
        if (rc == WB_ERR_VERIFY) {
            char why[512];
            snprintf(why, sizeof why, "%s", wb_errmsg());
            rc = bad(w, v[i].entry, "%s", why);
        }
    }
    wb__free(v);
    return rc;
}

wb_err
wb_site_verify(struct wb_site *s, struct wb_verify_report *r)
{
    struct walk w;
    const uint8_t *pk;
    size_t pk_len;
    bool own = false;
    wb_err rc;

    memset(r, 0, sizeof *r);
    r->first_bad = -1;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.r = r;
    wb_merkle_frontier_init(&w.tree);
    pk = wb_signer_public_key(s->signer, &pk_len);
    rc = wb__site_settle(s);
    if (rc == WB_OK) {
        /* one snapshot for every walk below, the handle at its size: a
         * writer elsewhere cannot make the entries and the registers (or
         * the checkpoints) disagree */
        rc = wb__db_read_begin(s->db, &own);
        rc = rc == WB_OK && !s->in_batch ? wb__ledger_catch_up(s) : rc;
        if (rc == WB_ERR_VERIFY) {
            /* the log shrank under the handle: say so in the report */
            snprintf(r->what, sizeof r->what, "%s", wb_errmsg());
        }
    }
    if (rc == WB_OK) {
        rc = wb_verifier_from_raw(wb_signer_alg(s->signer),
                                  wb_signer_name(s->signer), pk, pk_len, &w.v);
    }
    if (rc == WB_OK) {
        rc = wb__db_checkpoint_walk(s->db, collect_cp, &w);
    }
    if (rc == WB_OK) {
        rc = check_checkpoints(&w); /* size 0 */
    }
    if (rc == WB_OK) {
        rc = wb__db_entry_walk(s->db, check_row, &w);
    }
    if (rc == WB_OK && w.cp_next < w.cp_count) {
        rc = bad(&w, w.tree.size,
                 "checkpoint of size %llu is beyond the "
                 "log's %llu entries",
                 (unsigned long long)w.cps[w.cp_next].size,
                 (unsigned long long)w.tree.size);
    }
    if (rc == WB_OK) {
        rc = check_erasures(&w);
    }
    if (rc == WB_OK) {
        rc = wb__db_reg_walk(s->db, check_register, &w);
    }
    if (rc == WB_OK) {
        rc = check_devices(&w);
    }
    for (size_t i = 0; rc == WB_OK && i < w.reg_count; i++) {
        if (!w.reg_seen[i]) {
            rc = bad(&w, w.reg_idx[i],
                     "a register entry whose register row is missing");
        }
    }
    wb__db_read_end(s->db, own);
    for (size_t i = 0; i < w.cp_count; i++) {
        wb__free(w.cps[i].text);
    }
    wb__free(w.cps);
    wb__free(w.erased);
    wb__free(w.erased_idx);
    wb__free(w.declared);
    wb__free(w.reg_idx);
    wb__free(w.reg_seen);
    wb_verifier_free(w.v);
    return rc;
}
