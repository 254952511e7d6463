/* SPDX-License-Identifier: Apache-2.0 */
/* The device registry: registration (logged as a "device" entry) and the
 * check of device-signed tokens against it. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ledger/ledger_int.h"

/* The registration payload: {"id":..,"alg":..,"pubkey":base64 or null}. */
static wb_err
registration_json(const struct wb_device *d, char **out)
{
    json_t *o = NULL;
    char *b64 = NULL;
    wb_err rc = WB_OK;

    *out = NULL;
    if (d->pubkey_len > 0) {
        rc = wb_base64_encode(d->pubkey, d->pubkey_len, &b64);
        if (rc != WB_OK) {
            return rc;
        }
    }
    o = json_pack("{s:s, s:s, s:s?}", "id", d->id, "alg",
                  d->alg == WB_ALG_EDDSA   ? "EdDSA"
                  : d->alg == WB_ALG_ES256 ? "ES256"
                                           : "none",
                  "pubkey", b64);
    rc = o != NULL ? wb__json_dump(o, JSON_COMPACT, out) : WB_ERR_NOMEM;
    json_decref(o);
    wb__free(b64);
    return rc;
}

wb_err
wb_site_device_add(struct wb_site *s,
                   const char *id,
                   int alg,
                   const uint8_t *pubkey,
                   size_t pubkey_len,
                   uint64_t *entry)
{
    struct wb_verifier *v = NULL;
    struct wb_device d;
    struct wb_append e;
    char *json = NULL;
    bool own = false;
    wb_err rc;

    memset(&d, 0, sizeof d);
    memset(&e, 0, sizeof e);
    if (!wb_id_ok(id, WB_DEVICE_ID_MAX)) {
        return wb__err(WB_ERR_INVAL,
                       "device id \"%s\": use 1..%d of "
                       "A-Z a-z 0-9 . _ : / @ -",
                       id, WB_DEVICE_ID_MAX);
    }
    snprintf(d.id, sizeof d.id, "%s", id);
    if (pubkey != NULL) {
        rc = wb_verifier_from_raw(alg, id, pubkey, pubkey_len, &v);
        if (rc != WB_OK) {
            wb__err_prefix("device %s: public key", id);
            return rc;
        }
        wb_verifier_free(v);
        d.alg = alg;
        memcpy(d.pubkey, pubkey, pubkey_len);
        d.pubkey_len = pubkey_len;
    }
    rc = registration_json(&d, &json);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb__ledger_tx_begin(s, &own);
    if (rc != WB_OK) {
        goto out;
    }
    e.claims.kind = "device";
    e.claims.sub = id;
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)json;
    e.payload_len = strlen(json);
    rc = wb_site_append(s, &e, &d.entry);
    if (rc == WB_OK) {
        int64_t now;
        uint32_t ns;
        wb__ledger_now(&now, &ns);
        d.created = now;
        rc = wb__db_device_put(s->db, &d);
    }
    rc = wb__ledger_tx_end(s, own, rc);
    if (rc == WB_OK && entry != NULL) {
        *entry = d.entry;
    }
out:
    wb__free(json);
    return rc;
}

wb_err
wb__device_check(struct wb_site *s, const struct wb_device *d)
{
    struct wb_register_doc doc;
    wb_err rc;

    memset(&doc, 0, sizeof doc);
    snprintf(doc.id, sizeof doc.id, "%s", d->id);
    doc.entry = d->entry;
    rc = registration_json(d, &doc.doc);
    if (rc == WB_OK) {
        /* the table's key is the one its entry logged, or none */
        rc = wb_site_register_check(s, "device", &doc, NULL);
    }
    wb__free(doc.doc);
    return rc;
}

/* A device row read from the table, checked against its entry. */
static wb_err
device_read(struct wb_site *s, const char *id, struct wb_device *out)
{
    wb_err rc = wb__db_device_get(s->db, id, out);

    if (rc == WB_OK) {
        rc = wb__device_check(s, out);
    }
    if (rc != WB_OK) {
        memset(out, 0, sizeof *out); /* never an unchecked row */
    }
    return rc;
}

/* The cache slot of device id (FNV-1a). */
static struct wb_device *
slot(struct wb_site *s, const char *id)
{
    uint32_t h = 2166136261u;

    for (const char *p = id; *p != '\0'; p++) {
        h = (h ^ (uint8_t)*p) * 16777619u;
    }
    return &s->devices[h % WB__DEVICE_CACHE];
}

wb_err
wb_site_device_get(struct wb_site *s, const char *id, struct wb_device *out)
{
    struct wb_device *c = slot(s, id);
    wb_err rc;

    /* ingest asks for the same few devices record after record */
    if (c->id[0] != '\0' && strcmp(c->id, id) == 0) {
        *out = *c;
        return WB_OK;
    }
    rc = device_read(s, id, out);
    if (rc == WB_OK && out->entry < s->saved.size) {
        *c = *out; /* committed: no rollback can take it back */
    }
    return rc;
}

wb_err
wb_site_device_list(struct wb_site *s, struct wb_device **out, size_t *count)
{
    wb_err rc = wb__db_device_list(s->db, out, count);

    /* each row checked, as a read of one is: nothing on a mismatch */
    for (size_t i = 0; rc == WB_OK && i < *count; i++) {
        rc = wb__device_check(s, &(*out)[i]);
    }
    if (rc != WB_OK && *out != NULL) {
        wb__free(*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

wb_err
wb_site_device_verify(struct wb_site *s,
                      const char *device,
                      const uint8_t *tok,
                      size_t tok_len,
                      struct wb_device *dev,
                      struct wb_cose_sign1 *cose)
{
    char kid[WB_DEVICE_ID_MAX + 1] = "";
    struct wb_verifier *v = NULL;
    wb_err rc;

    rc = wb_cose_parse(tok, tok_len, cose);
    if (rc != WB_OK) {
        return rc;
    }
    if (cose->kid != NULL && cose->kid_len <= WB_DEVICE_ID_MAX) {
        memcpy(kid, cose->kid, cose->kid_len);
        kid[cose->kid_len] = '\0';
    }
    if (device == NULL) {
        if (kid[0] == '\0') {
            return wb__err(WB_ERR_FORMAT, "device token has no kid naming "
                                          "the device; give --device");
        }
        device = kid;
    } else if (cose->kid != NULL && strcmp(kid, device) != 0) {
        return wb__err(WB_ERR_DENIED,
                       "device token's kid \"%s\" is not "
                       "device \"%s\"",
                       kid, device);
    }
    rc = device_read(s, device, dev);
    if (rc != WB_OK) {
        return rc;
    }
    if (dev->pubkey_len == 0) {
        return wb__err(WB_ERR_DENIED, "device %s has no registered key",
                       device);
    }
    rc = wb_verifier_from_raw(dev->alg, dev->id, dev->pubkey, dev->pubkey_len,
                              &v);
    if (rc == WB_OK) {
        rc = wb_cose_verify(tok, tok_len, v, NULL, 0, cose);
        if (rc == WB_ERR_BADSIG) {
            rc = wb__err(rc,
                         "device %s: signature does not verify with "
                         "its registered key (forged or altered)",
                         device);
        }
    }
    wb_verifier_free(v);
    return rc;
}
