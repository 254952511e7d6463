/* SPDX-License-Identifier: Apache-2.0 */
/* Erasure (retention expiry, GDPR Art. 17): the payload, salt and device
 * token go for good; the leaf stays, so the log and every proof still
 * verify, and the erasure itself is logged. */
#include <jansson.h>
#include <string.h>

#include "ledger/ledger_int.h"

#define REASON_MAX 1024

/* The kinds whose entries are kept, whatever is asked, and why: an
 * erasure is the record of what went; the entries of the registers the
 * gates read (their kind is the register's name) are the record of what
 * was in force, and their copies in the registers table are bound to them
 * (wb_site_register_check). A consent is revoked, a server suspended, a
 * policy or model superseded by a new version, never erased; and the
 * remote-maintenance log is kept (a session's steps: erasing one would
 * reopen the session or lose its start). */
static const struct {
    const char *kind;
    const char *why;
} kept[] = {
    {"erasure", "is an erasure record; those are kept"},
    {"model", "registers a model; those are kept (the provenance of its "
              "inferences)"},
    {"consent", "records a consent; those are kept (the proof of what was "
                "agreed: revoke it instead)"},
    {"server", "registers a server; those are kept (the record of where "
               "data may go: suspend the server instead)"},
    {"policy", "records a policy; those are kept (the rules decisions "
               "cite: register a new version instead)"},
    {"maint", "records a maintenance step; those are kept (the "
              "remote-maintenance log)"},
    {"device", "registers a device; those are kept (the key its "
               "signed records are checked with)"},
};

static const char *
kept_why(const char *kind)
{
    for (size_t i = 0; kind != NULL && i < sizeof kept / sizeof kept[0]; i++) {
        if (strcmp(kind, kept[i].kind) == 0) {
            return kept[i].why;
        }
    }
    return NULL;
}

bool
wb_kind_erasable(const char *kind)
{
    return kind != NULL && kept_why(kind) == NULL;
}

/* Refuse what cannot be erased: kinds that are kept, and entries with
 * nothing left to erase. */
static wb_err
check_erasable(const struct wb__row *row)
{
    struct wb_claims *c = NULL;
    wb_err rc = wb_claims_decode(row->leaf, row->leaf_len, &c);

    if (rc != WB_OK) {
        wb__err_prefix("entry %llu", (unsigned long long)row->idx);
        return rc;
    }
    if (kept_why(c->kind) != NULL) {
        rc = wb__err(WB_ERR_INVAL, "entry %llu %s",
                     (unsigned long long)row->idx, kept_why(c->kind));
    } else if (row->erased) {
        rc = wb__err(WB_ERR_EXISTS, "entry %llu is already erased",
                     (unsigned long long)row->idx);
    } else if (row->payload == NULL && row->devtok == NULL) {
        rc = wb__err(WB_ERR_EXISTS, "entry %llu has no payload to erase",
                     (unsigned long long)row->idx);
    }
    wb_claims_free(c);
    return rc;
}

/* Inside the open batch: log the erasure of index and drop its payload. */
static wb_err
erase_one(struct wb_site *s,
          uint64_t index,
          const char *reason,
          uint64_t *erasure)
{
    uint8_t parent[1][WB_HASH_BYTES];
    struct wb__row row;
    struct wb_append e;
    json_t *o = NULL;
    char *json = NULL;
    wb_err rc;

    memset(&row, 0, sizeof row);
    memset(&e, 0, sizeof e);
    if (index >= s->tree.size) {
        return wb__err(WB_ERR_NOTFOUND,
                       "entry %llu: the log has %llu "
                       "entries",
                       (unsigned long long)index,
                       (unsigned long long)s->tree.size);
    }
    rc = wb__db_entry_get(s->db, index, &row);
    if (rc == WB_OK) {
        rc = check_erasable(&row);
    }
    if (rc != WB_OK) {
        goto out;
    }
    memcpy(parent[0], row.hashes, WB_HASH_BYTES);
    o = json_pack("{s:I, s:s}", "erased", (json_int_t)index, "reason", reason);
    rc = o != NULL ? wb__json_dump(o, JSON_COMPACT, &json) : WB_ERR_INVAL;
    if (rc != WB_OK) {
        rc = wb__err(WB_ERR_INVAL, "reason must be UTF-8 text");
        goto out;
    }
    e.claims.kind = "erasure";
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.claims.parents = (const uint8_t(*)[WB_HASH_BYTES])parent;
    e.claims.parent_count = 1;
    e.payload = (const uint8_t *)json;
    e.payload_len = strlen(json);
    rc = wb_site_append(s, &e, erasure);
    if (rc == WB_OK) {
        rc = wb__db_entry_erase(s->db, index);
    }
out:
    json_decref(o);
    wb__free(json);
    wb__row_clear(&row);
    return rc;
}

wb_err
wb_site_erase_many(struct wb_site *s,
                   const uint64_t *indexes,
                   size_t count,
                   const char *reason,
                   uint64_t *first)
{
    wb_err rc;

    if (reason == NULL || reason[0] == '\0' || strlen(reason) > REASON_MAX) {
        return wb__err(WB_ERR_INVAL, "a reason of 1..%d bytes is required",
                       REASON_MAX);
    }
    if (s->in_batch) {
        return wb__err(WB_ERR_BUSY, "commit the open batch first");
    }
    if (count == 0) {
        return WB_OK;
    }
    rc = wb_site_begin(s);
    for (size_t i = 0; rc == WB_OK && i < count; i++) {
        rc = erase_one(s, indexes[i], reason, i == 0 ? first : NULL);
    }
    rc = wb__ledger_tx_end(s, true, rc);
    if (rc == WB_OK) {
        /* secure_delete zeroed the old cells in the database; the WAL
         * still holds the pages from before, so fold and truncate it */
        rc = wb__db_wal_truncate(s->db);
    }
    return rc;
}

wb_err
wb_site_erase(struct wb_site *s,
              uint64_t index,
              const char *reason,
              uint64_t *erasure)
{
    return wb_site_erase_many(s, &index, 1, reason, erasure);
}

wb_err
wb_site_walk_erasable(struct wb_site *s, wb_leaf_fn fn, void *ctx)
{
    bool own = false;
    wb_err rc;

    if (s->in_batch) {
        return wb__err(WB_ERR_BUSY, "commit the open batch first");
    }
    rc = wb__db_read_begin(s->db, &own);
    if (rc == WB_OK) {
        rc = wb__db_entry_erasable(s->db, fn, ctx);
        wb__db_read_end(s->db, own);
    }
    return rc;
}
