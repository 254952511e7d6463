/* SPDX-License-Identifier: Apache-2.0 */
/* Registers kept in the log: each version of a consent record, server
 * registration or loaded policy is the payload of one entry, and a table
 * indexes the versions. Also the per-year tallies of distinct subjects. */
#include <sodium.h>
#include <string.h>

#include "ledger/ledger_int.h"

bool
wb_id_ok(const char *id, size_t max)
{
    size_t n = strnlen(id, max + 1);

    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || strchr("._:/@-", c) != NULL)) {
            return false;
        }
    }
    return true;
}

wb_err
wb_site_register_put(struct wb_site *s,
                     const struct wb_append *e,
                     const char *id,
                     uint32_t version,
                     uint64_t *entry)
{
    uint64_t idx = 0;
    bool own = false;
    wb_err rc;

    if (e->claims.kind == NULL || e->payload == NULL ||
        memchr(e->payload, 0, e->payload_len) != NULL) {
        return wb__err(WB_ERR_INVAL, "a register entry needs a kind and a "
                                     "text document");
    }
    if (!wb_id_ok(id, WB_REGISTER_ID_MAX)) {
        return wb__err(WB_ERR_INVAL,
                       "%s id \"%s\": use 1..%d of A-Z a-z 0-9 . _ : / @ -",
                       e->claims.kind, id, WB_REGISTER_ID_MAX);
    }
    if (version == 0) {
        return wb__err(WB_ERR_INVAL, "%s %s: versions start at 1",
                       e->claims.kind, id);
    }
    rc = wb__ledger_tx_begin(s, &own);
    if (rc != WB_OK) {
        return rc;
    }
    s->epoch = wb__ledger_new_epoch(); /* before the row: a failed put may have
                                          changed it */
    rc = wb_site_append(s, e, &idx);
    if (rc == WB_OK) {
        char *doc = wb__malloc(e->payload_len + 1);
        if (doc == NULL) {
            rc = WB_ERR_NOMEM;
        } else {
            memcpy(doc, e->payload, e->payload_len);
            doc[e->payload_len] = '\0';
            rc = wb__db_reg_put(s->db, e->claims.kind, id, version, idx, doc);
            wb__free(doc);
        }
    }
    rc = wb__ledger_tx_end(s, own, rc);
    if (rc == WB_OK && entry != NULL) {
        *entry = idx;
    }
    return rc;
}

wb_err
wb_site_register_check(struct wb_site *s,
                       const char *reg,
                       const struct wb_register_doc *d,
                       struct wb_claims **claims)
{
    struct wb__row row;
    struct wb_claims *c = NULL;
    char what[WB_REGISTER_ID_MAX + 64]; /* "consent c1 version 2" */
    wb_err rc;

    /* version 0: a table with one document an id (the devices) */
    if (d->version > 0) {
        snprintf(what, sizeof what, "%s %s version %u", reg, d->id,
                 (unsigned)d->version);
    } else {
        snprintf(what, sizeof what, "%s %s", reg, d->id);
    }
    if (claims != NULL) {
        *claims = NULL;
    }
    memset(&row, 0, sizeof row);
    if (d->entry >= s->tree.size && !s->in_batch) {
        /* another handle may have logged it since this one last looked */
        rc = wb__ledger_catch_up(s);
        if (rc != WB_OK) {
            return rc;
        }
    }
    if (d->entry >= s->tree.size) {
        return wb__err(WB_ERR_VERIFY, "%s names a missing entry", what);
    }
    rc = wb__db_entry_get(s->db, d->entry, &row);
    if (rc == WB_ERR_NOTFOUND) {
        /* within the tree's size, yet no row: the table was cut */
        rc = wb__err(WB_ERR_VERIFY, "%s names entry %llu, which is gone", what,
                     (unsigned long long)d->entry);
    }
    if (rc == WB_OK) {
        rc = wb_claims_decode(row.leaf, row.leaf_len, &c);
    }
    if (rc == WB_OK && strcmp(c->kind, reg) != 0) {
        rc = wb__err(WB_ERR_VERIFY, "%s: entry %llu is %s %s entry", what,
                     (unsigned long long)d->entry, wb__a(c->kind), c->kind);
    } else if (rc == WB_OK && row.erased) {
        /* a register's entries are kept (wb_kind_erasable): an erased one
         * was erased behind the library's back, or before that rule */
        rc = wb__err(WB_ERR_VERIFY,
                     "%s: entry %llu has been erased; the register's copy "
                     "cannot be checked against it",
                     what, (unsigned long long)d->entry);
    } else if (rc == WB_OK) {
        bool same = row.payload != NULL && c->has_payload &&
                    row.salt_len == WB_SALT_BYTES &&
                    row.payload_len == strlen(d->doc) &&
                    memcmp(row.payload, d->doc, row.payload_len) == 0;
        if (same) {
            same = wb_payload_check(c, row.salt, row.salt_len, row.payload,
                                    row.payload_len) == WB_OK;
        }
        if (!same) {
            rc = wb__err(WB_ERR_VERIFY,
                         "%s differs from the payload the log commits to "
                         "(entry %llu)",
                         what, (unsigned long long)d->entry);
        }
    }
    if (rc == WB_OK && claims != NULL) {
        *claims = c;
        c = NULL;
    }
    wb_claims_free(c);
    wb__row_clear(&row);
    return rc;
}

wb_err
wb_site_register_get(struct wb_site *s,
                     const char *reg,
                     const char *id,
                     uint32_t version,
                     struct wb_register_doc *out)
{
    wb_err rc = wb__db_reg_get(s->db, reg, id, version, out);

    if (rc == WB_OK) {
        rc = wb_site_register_check(s, reg, out, NULL);
    }
    if (rc == WB_ERR_VERIFY) {
        wb__free(out->doc); /* id, version and entry say which */
        out->doc = NULL;
    } else if (rc != WB_OK) {
        wb_register_doc_clear(out);
    }
    return rc;
}

wb_err
wb_site_register_list(struct wb_site *s,
                      const char *reg,
                      const char *id,
                      struct wb_register_doc **out,
                      size_t *count)
{
    wb_err rc = wb__db_reg_list(s->db, reg, id, out, count);

    for (size_t i = 0; rc == WB_OK && i < *count; i++) {
        rc = wb_site_register_check(s, reg, &(*out)[i], NULL);
    }
    if (rc != WB_OK && *out != NULL) {
        wb_register_docs_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

void
wb_register_doc_clear(struct wb_register_doc *d)
{
    if (d == NULL) {
        return;
    }
    wb__free(d->doc);
    memset(d, 0, sizeof *d);
}

void
wb_register_docs_free(struct wb_register_doc *v, size_t count)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        wb__free(v[i].doc);
    }
    wb__free(v);
}

/* The site's secret for hashing subject ids, made on first use. */
static wb_err
tally_key(struct wb_site *s, uint8_t key[crypto_generichash_KEYBYTES])
{
    char *hex = NULL;
    size_t n = 0;
    wb_err rc = wb__db_meta_get(s->db, "tally_key", &hex);

    if (rc == WB_ERR_NOTFOUND) {
        char text[2 * crypto_generichash_KEYBYTES + 1];
        wb__ledger_random(s, key, crypto_generichash_KEYBYTES);
        sodium_bin2hex(text, sizeof text, key, crypto_generichash_KEYBYTES);
        rc = wb__db_meta_set(s->db, "tally_key", text);
        sodium_memzero(text, sizeof text);
        return rc;
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (sodium_hex2bin(key, crypto_generichash_KEYBYTES, hex, strlen(hex), NULL,
                       &n, NULL) != 0 ||
        n != crypto_generichash_KEYBYTES) {
        rc = wb__err(WB_ERR_FORMAT, "database: bad tally_key setting");
    }
    sodium_memzero(hex, strlen(hex));
    wb__free(hex);
    return rc;
}

wb_err
wb_site_tally_add(struct wb_site *s,
                  const char *exporter,
                  int year,
                  bool sensitive,
                  const char *subject,
                  uint64_t entry,
                  bool *added)
{
    uint8_t key[crypto_generichash_KEYBYTES];
    uint8_t h[WB_HASH_BYTES];
    wb_err rc;

    *added = false;
    if (!s->in_batch) {
        return wb__err(WB_ERR_INVAL, "tallies change only inside a batch");
    }
    rc = tally_key(s, key);
    if (rc == WB_OK) {
        crypto_generichash(h, sizeof h, (const uint8_t *)subject,
                           strlen(subject), key, sizeof key);
        rc =
            wb__db_tally_add(s->db, exporter, year, sensitive, h, entry, added);
    }
    sodium_memzero(key, sizeof key);
    return rc;
}

wb_err
wb_site_tally_count(struct wb_site *s,
                    const char *exporter,
                    int year,
                    bool sensitive,
                    uint64_t *count)
{
    return wb__db_tally_count(s->db, exporter, year, sensitive, count);
}
