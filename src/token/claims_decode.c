/* SPDX-License-Identifier: Apache-2.0 */
/* Leaf bytes (untrusted) to claims. Reads item by item with the pull
 * reader, checks every label and type, copies the values into one
 * allocation, and finally re-encodes: only the exact deterministic bytes
 * wb_claims_encode would produce are accepted. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "token/token_int.h"

struct view {
    const uint8_t *p; /* NULL: absent */
    size_t n;
};

/* What the input holds, borrowing from it, before anything is copied. */
struct raw {
    struct wb_claims c; /* scalars and fixed-size values only */
    struct view iss, sub, kind, consent_id, jurisdiction, data_class, rights,
        media;
    struct view purposes[WB_CLAIMS_MAX_ITEMS];
    struct view residency[WB_CLAIMS_MAX_ITEMS];
    const uint8_t *parents[WB_CLAIMS_MAX_ITEMS];
    bool has_iat, has_cti, has_profile;
};

static wb_err
bad(int64_t label, const char *what)
{
    return wb__err(WB_ERR_FORMAT, "token: claim %" PRId64 " (%s): %s", label,
                   wb__claims_label_name(label), what);
}

static wb_err
next(struct wb__cbor_rd *r, struct wb__cbor_item *it)
{
    wb_err rc = wb__cbor_next(r, it);

    if (rc == WB_OK && it->type == WB__CBOR_INDEF) {
        rc = wb__err(WB_ERR_FORMAT,
                     "token: indefinite-length CBOR at byte %zu in claims",
                     r->off);
    }
    return rc;
}

static wb_err
check_text(int64_t label, const struct wb__cbor_item *it, struct view *v)
{
    if (it->type != WB__CBOR_TSTR) {
        return bad(label, "expected a text string");
    }
    if (it->len == 0) {
        return bad(label, "empty string");
    }
    if (it->len > WB__CLAIM_STR_MAX) {
        return bad(label, "string longer than 1024 bytes");
    }
    if (memchr(it->data, 0, it->len) != NULL) {
        return bad(label, "string contains NUL");
    }
    if (!wb__utf8_valid(it->data, it->len)) {
        return bad(label, "string is not valid UTF-8");
    }
    v->p = it->data;
    v->n = it->len;
    return WB_OK;
}

static wb_err
read_text(struct wb__cbor_rd *r, int64_t label, struct view *v)
{
    struct wb__cbor_item it;
    wb_err rc = next(r, &it);

    return rc != WB_OK ? rc : check_text(label, &it, v);
}

static wb_err
copy_hash(int64_t label,
          const struct wb__cbor_item *it,
          uint8_t out[WB_HASH_BYTES])
{
    if (it->type != WB__CBOR_BSTR || it->len != WB_HASH_BYTES) {
        return bad(label, "expected a 32-byte byte string");
    }
    memcpy(out, it->data, WB_HASH_BYTES);
    return WB_OK;
}

static wb_err
read_hash(struct wb__cbor_rd *r, int64_t label, uint8_t out[WB_HASH_BYTES])
{
    struct wb__cbor_item it;
    wb_err rc = next(r, &it);

    return rc != WB_OK ? rc : copy_hash(label, &it, out);
}

static wb_err
read_uint(struct wb__cbor_rd *r, int64_t label, uint64_t *v)
{
    struct wb__cbor_item it;
    wb_err rc = next(r, &it);

    if (rc != WB_OK) {
        return rc;
    }
    if (it.type != WB__CBOR_UINT) {
        return bad(label, "expected an unsigned integer");
    }
    *v = it.u;
    return WB_OK;
}

/* Array head it already read: 1..WB_CLAIMS_MAX_ITEMS items. */
static wb_err
check_array(int64_t label, const struct wb__cbor_item *it, uint64_t want)
{
    if (it->type != WB__CBOR_ARRAY) {
        return bad(label, "expected an array");
    }
    if (want != 0 && it->u != want) {
        return bad(label, "wrong number of array items");
    }
    if (it->u == 0) {
        return bad(label, "empty array");
    }
    if (it->u > WB_CLAIMS_MAX_ITEMS) {
        return bad(label, "more than 64 array items");
    }
    return WB_OK;
}

static wb_err
read_text_items(struct wb__cbor_rd *r,
                int64_t label,
                const struct wb__cbor_item *head,
                struct view *items,
                size_t *count)
{
    wb_err rc = check_array(label, head, 0);

    for (size_t i = 0; rc == WB_OK && i < head->u; i++) {
        rc = read_text(r, label, &items[i]);
    }
    if (rc == WB_OK) {
        *count = (size_t)head->u;
    }
    return rc;
}

static wb_err
read_value(struct wb__cbor_rd *r, int64_t label, struct raw *raw)
{
    struct wb_claims *c = &raw->c;
    struct wb__cbor_item it;
    struct view v;
    wb_err rc = next(r, &it);

    if (rc != WB_OK) {
        return rc;
    }
    switch (label) {
    case WB_CLAIM_ISS:
        return check_text(label, &it, &raw->iss);
    case WB_CLAIM_SUB:
        return check_text(label, &it, &raw->sub);
    case WB_CLAIM_IAT:
        if (it.type == WB__CBOR_NEGINT) {
            return bad(label, "negative");
        }
        if (it.type != WB__CBOR_UINT) {
            return bad(label, "expected an integer");
        }
        if (it.u > INT64_MAX) {
            return bad(label, "out of range");
        }
        c->iat = (int64_t)it.u;
        raw->has_iat = true;
        return WB_OK;
    case WB_CLAIM_CTI:
        if (it.type != WB__CBOR_BSTR || it.len == 0 ||
            it.len > WB_CTI_MAX_BYTES) {
            return bad(label, "expected a byte string of 1..32 bytes");
        }
        memcpy(c->cti, it.data, it.len);
        c->cti_len = it.len;
        raw->has_cti = true;
        return WB_OK;
    case WB_CLAIM_EAT_PROFILE:
        rc = check_text(label, &it, &v);
        if (rc == WB_OK && (v.n != strlen(WB_EAT_PROFILE) ||
                            memcmp(v.p, WB_EAT_PROFILE, v.n) != 0)) {
            rc = bad(label, "not " WB_EAT_PROFILE);
        }
        raw->has_profile = true;
        return rc;
    case WB_CLAIM_KIND:
        return check_text(label, &it, &raw->kind);
    case WB_CLAIM_PAYLOAD:
        rc = check_array(label, &it, 2);
        if (rc == WB_OK) {
            rc = next(r, &it);
        }
        if (rc == WB_OK && (it.type != WB__CBOR_NEGINT ||
                            it.u != (uint64_t)(-1 - WB__COSE_ALG_SHA256))) {
            rc = bad(label, "hash algorithm is not SHA-256 (-16)");
        }
        if (rc == WB_OK) {
            rc = read_hash(r, label, c->payload_hash);
        }
        c->has_payload = 1;
        return rc;
    case WB_CLAIM_PURPOSES:
        return read_text_items(r, label, &it, raw->purposes, &c->purpose_count);
    case WB_CLAIM_CONSENT:
        rc = check_array(label, &it, 2);
        if (rc == WB_OK) {
            rc = read_text(r, label, &raw->consent_id);
        }
        if (rc == WB_OK) {
            rc = read_uint(r, label, &c->consent_version);
        }
        return rc;
    case WB_CLAIM_JURISDICTION:
        return check_text(label, &it, &raw->jurisdiction);
    case WB_CLAIM_CLASS:
        return check_text(label, &it, &raw->data_class);
    case WB_CLAIM_RIGHTS:
        return check_text(label, &it, &raw->rights);
    case WB_CLAIM_PARENTS:
        rc = check_array(label, &it, 0);
        for (size_t i = 0; rc == WB_OK && i < it.u; i++) {
            struct wb__cbor_item h;
            rc = next(r, &h);
            if (rc == WB_OK &&
                (h.type != WB__CBOR_BSTR || h.len != WB_HASH_BYTES)) {
                rc = bad(label, "expected a 32-byte byte string");
            }
            if (rc == WB_OK) {
                raw->parents[i] = h.data;
            }
        }
        if (rc == WB_OK) {
            c->parent_count = (size_t)it.u;
        }
        return rc;
    case WB_CLAIM_MODEL:
        c->has_model = 1;
        return copy_hash(label, &it, c->model);
    case WB_CLAIM_RESIDENCY:
        if (it.type == WB__CBOR_TSTR) {
            rc = check_text(label, &it, &v);
            if (rc == WB_OK && (v.n != strlen(WB__RESIDENCY_LOCAL_ONLY) ||
                                memcmp(v.p, WB__RESIDENCY_LOCAL_ONLY, v.n))) {
                rc = bad(label, "text value is not \"local-only\"");
            }
            c->residency_local_only = 1;
            return rc;
        }
        return read_text_items(r, label, &it, raw->residency,
                               &c->residency_count);
    case WB_CLAIM_MEDIA:
        return check_text(label, &it, &raw->media);
    case WB_CLAIM_TIME_NS:
        if (it.type != WB__CBOR_UINT) {
            return bad(label, "expected an unsigned integer");
        }
        if (it.u >= 1000000000u) {
            return bad(label, "not below 1e9");
        }
        c->time_ns = (uint32_t)it.u;
        c->has_time_ns = 1;
        return WB_OK;
    case WB_CLAIM_DEVSIG:
        c->has_devsig = 1;
        return copy_hash(label, &it, c->devsig);
    default:
        return wb__err(WB_ERR_INTERNAL, "token: claim label %" PRId64, label);
    }
}

/* The label in key item it, or an error naming what it is instead (the
 * text made only then: a decode reads a dozen keys). */
static wb_err
read_label(const struct wb__cbor_item *it, int64_t *label, int *index)
{
    char text[32];

    if (it->type == WB__CBOR_UINT) {
        *label = it->u <= INT64_MAX ? (int64_t)it->u : 0;
    } else if (it->type == WB__CBOR_NEGINT) {
        *label = it->u <= INT64_MAX ? -1 - (int64_t)it->u : 0;
    } else {
        return wb__err(WB_ERR_FORMAT,
                       "token: claims map key is not an integer label");
    }
    *index = *label == 0 ? -1 : wb__claims_label_index(*label);
    if (*index >= 0) {
        return WB_OK;
    }
    if (it->type == WB__CBOR_UINT) {
        snprintf(text, sizeof text, "%" PRIu64, it->u);
    } else if (it->u == UINT64_MAX) {
        snprintf(text, sizeof text, "-18446744073709551616");
    } else {
        snprintf(text, sizeof text, "-%" PRIu64, it->u + 1);
    }
    return wb__err(WB_ERR_FORMAT, "token: unknown claim label %s", text);
}

static wb_err
parse(const uint8_t *in, size_t len, struct raw *raw)
{
    struct wb__cbor_rd r;
    struct wb__cbor_item it;
    uint32_t seen = 0;
    int prev = -1;
    wb_err rc;

    wb__cbor_rd_init(&r, in, len);
    rc = next(&r, &it);
    if (rc != WB_OK) {
        return rc;
    }
    if (it.type != WB__CBOR_MAP) {
        return wb__err(WB_ERR_FORMAT, "token: claims are not a CBOR map");
    }
    if (it.u > WB__CLAIMS_LABELS) {
        return wb__err(WB_ERR_FORMAT,
                       "token: claims map has %" PRIu64 " entries, more than "
                       "the %d known labels",
                       it.u, WB__CLAIMS_LABELS);
    }
    for (uint64_t i = 0; i < it.u; i++) {
        struct wb__cbor_item key;
        int64_t label = 0;
        int idx = 0;

        rc = next(&r, &key);
        if (rc == WB_OK) {
            rc = read_label(&key, &label, &idx);
        }
        if (rc != WB_OK) {
            return rc;
        }
        if (seen & (1u << idx)) {
            return bad(label, "duplicate key");
        }
        if (idx < prev) {
            return bad(label, "keys not in deterministic order");
        }
        seen |= 1u << idx;
        prev = idx;
        rc = read_value(&r, label, raw);
        if (rc != WB_OK) {
            return rc;
        }
    }
    if (r.off != len) {
        return wb__err(WB_ERR_FORMAT, "token: %zu trailing bytes after claims",
                       len - r.off);
    }
    if (raw->iss.p == NULL || !raw->has_iat || !raw->has_cti ||
        !raw->has_profile || raw->kind.p == NULL) {
        const char *which = raw->iss.p == NULL  ? "iss"
                            : !raw->has_iat     ? "iat"
                            : !raw->has_cti     ? "cti"
                            : !raw->has_profile ? "eat_profile"
                                                : "kind";
        return wb__err(WB_ERR_FORMAT, "token: claim %s: missing", which);
    }
    return WB_OK;
}

/* Bump allocator over the single block that holds the result. */
struct arena {
    uint8_t *p;
    size_t used;
};

static const char *
copy_str(struct arena *a, const struct view *v)
{
    char *s;

    if (v->p == NULL) {
        return NULL;
    }
    s = (char *)a->p + a->used;
    memcpy(s, v->p, v->n);
    s[v->n] = '\0';
    a->used += v->n + 1;
    return s;
}

static size_t
str_size(const struct view *v)
{
    return v->p == NULL ? 0 : v->n + 1;
}

/* One allocation: the struct, the two pointer arrays, the parent hashes,
 * then every string. */
static wb_err
build(const struct raw *raw, struct wb_claims **out)
{
    size_t np = raw->c.purpose_count;
    size_t nr = raw->c.residency_count;
    size_t nh = raw->c.parent_count;
    size_t size = sizeof(struct wb_claims) + (np + nr) * sizeof(char *) +
                  nh * WB_HASH_BYTES;
    struct arena a;
    struct wb_claims *c;
    const char **purposes;
    const char **residency;
    uint8_t(*parents)[WB_HASH_BYTES];

    size += str_size(&raw->iss) + str_size(&raw->sub) + str_size(&raw->kind) +
            str_size(&raw->consent_id) + str_size(&raw->jurisdiction) +
            str_size(&raw->data_class) + str_size(&raw->rights) +
            str_size(&raw->media);
    for (size_t i = 0; i < np; i++) {
        size += str_size(&raw->purposes[i]);
    }
    for (size_t i = 0; i < nr; i++) {
        size += str_size(&raw->residency[i]);
    }
    a.p = wb__malloc(size);
    if (a.p == NULL) {
        return WB_ERR_NOMEM;
    }
    c = (struct wb_claims *)a.p;
    *c = raw->c;
    a.used = sizeof *c;
    purposes = (const char **)(a.p + a.used);
    a.used += np * sizeof(char *);
    residency = (const char **)(a.p + a.used);
    a.used += nr * sizeof(char *);
    parents = (uint8_t(*)[WB_HASH_BYTES])(a.p + a.used);
    a.used += nh * WB_HASH_BYTES;
    for (size_t i = 0; i < nh; i++) {
        memcpy(parents[i], raw->parents[i], WB_HASH_BYTES);
    }
    c->iss = copy_str(&a, &raw->iss);
    c->sub = copy_str(&a, &raw->sub);
    c->kind = copy_str(&a, &raw->kind);
    c->consent_id = copy_str(&a, &raw->consent_id);
    c->jurisdiction = copy_str(&a, &raw->jurisdiction);
    c->data_class = copy_str(&a, &raw->data_class);
    c->rights = copy_str(&a, &raw->rights);
    c->media = copy_str(&a, &raw->media);
    for (size_t i = 0; i < np; i++) {
        purposes[i] = copy_str(&a, &raw->purposes[i]);
    }
    for (size_t i = 0; i < nr; i++) {
        residency[i] = copy_str(&a, &raw->residency[i]);
    }
    c->purposes = np > 0 ? purposes : NULL;
    c->residency = nr > 0 ? residency : NULL;
    c->parents = nh > 0 ? (const uint8_t(*)[WB_HASH_BYTES])parents : NULL;
    *out = c;
    return WB_OK;
}

wb_err
wb_claims_decode(const uint8_t *in, size_t len, struct wb_claims **out)
{
    struct raw raw;
    struct wb_claims *c = NULL;
    uint8_t *re = NULL;
    size_t re_len = 0;
    wb_err rc;

    if (out == NULL || (in == NULL && len > 0)) {
        return wb__err(WB_ERR_INVAL, "token: NULL argument");
    }
    *out = NULL;
    if (len > WB_CLAIMS_MAX_BYTES) {
        return wb__err(WB_ERR_TOOBIG, "token: claims of %zu bytes, over %d",
                       len, WB_CLAIMS_MAX_BYTES);
    }
    memset(&raw, 0, sizeof raw);
    rc = parse(in, len, &raw);
    if (rc != WB_OK) {
        goto out;
    }
    rc = build(&raw, &c);
    if (rc != WB_OK) {
        goto out;
    }
    /* Values the encoder refuses (an unknown kind, a bad jurisdiction) and
     * any non-deterministic form (long heads) fail here. */
    rc = wb_claims_encode(c, &re, &re_len);
    if (rc == WB_ERR_INVAL) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", wb_errmsg());
        rc = wb__err(WB_ERR_FORMAT, "%s", msg);
    }
    if (rc != WB_OK) {
        goto out;
    }
    if (re_len != len || memcmp(re, in, len) != 0) {
        rc = wb__err(WB_ERR_FORMAT, "token: claims are not deterministic CBOR "
                                    "(RFC 8949 §4.2.1)");
        goto out;
    }
    *out = c;
    c = NULL;
out:
    wb__free(re);
    wb__free(c);
    return rc;
}

static struct view
view_of(const char *s)
{
    struct view v = {(const uint8_t *)s, s ? strlen(s) : 0};

    return v;
}

wb_err
wb_claims_copy(const struct wb_claims *c, struct wb_claims **out)
{
    struct raw raw;

    *out = NULL;
    if (c->purpose_count > WB_CLAIMS_MAX_ITEMS ||
        c->residency_count > WB_CLAIMS_MAX_ITEMS ||
        c->parent_count > WB_CLAIMS_MAX_ITEMS) {
        return wb__err(WB_ERR_TOOBIG, "claims: more than %d items in an array",
                       WB_CLAIMS_MAX_ITEMS);
    }
    memset(&raw, 0, sizeof raw);
    raw.c = *c;
    raw.iss = view_of(c->iss);
    raw.sub = view_of(c->sub);
    raw.kind = view_of(c->kind);
    raw.consent_id = view_of(c->consent_id);
    raw.jurisdiction = view_of(c->jurisdiction);
    raw.data_class = view_of(c->data_class);
    raw.rights = view_of(c->rights);
    raw.media = view_of(c->media);
    for (size_t i = 0; i < c->purpose_count; i++) {
        raw.purposes[i] = view_of(c->purposes[i]);
    }
    for (size_t i = 0; i < c->residency_count; i++) {
        raw.residency[i] = view_of(c->residency[i]);
    }
    for (size_t i = 0; i < c->parent_count; i++) {
        raw.parents[i] = c->parents[i];
    }
    return build(&raw, out);
}

void
wb_claims_free(struct wb_claims *c)
{
    wb__free(c);
}
