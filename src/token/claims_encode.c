/* SPDX-License-Identifier: Apache-2.0 */
/* Claims to deterministic CBOR (the Merkle leaf and COSE payload). Checks
 * every value first, so any bytes produced here decode again. */
#include <string.h>

#include "token/token_int.h"

static const char *const kinds[] = {
    "record", "consent", "server",    "policy",  "decision", "transfer",
    "maint",  "model",   "inference", "erasure", "device",
};

static const char *const classes[] = {
    "non-personal",
    "personal",
    "sensitive-personal",
    "important",
};

/* Labels in deterministic order (bytewise order of their encodings). */
static const struct {
    int64_t label;
    const char *name;
} labels[WB__CLAIMS_LABELS] = {
    {WB_CLAIM_ISS, "iss"},
    {WB_CLAIM_SUB, "sub"},
    {WB_CLAIM_IAT, "iat"},
    {WB_CLAIM_CTI, "cti"},
    {WB_CLAIM_EAT_PROFILE, "eat_profile"},
    {WB_CLAIM_KIND, "kind"},
    {WB_CLAIM_PAYLOAD, "payload"},
    {WB_CLAIM_PURPOSES, "purposes"},
    {WB_CLAIM_CONSENT, "consent"},
    {WB_CLAIM_JURISDICTION, "jurisdiction"},
    {WB_CLAIM_CLASS, "class"},
    {WB_CLAIM_RIGHTS, "rights"},
    {WB_CLAIM_PARENTS, "parents"},
    {WB_CLAIM_MODEL, "model"},
    {WB_CLAIM_RESIDENCY, "residency"},
    {WB_CLAIM_MEDIA, "media"},
    {WB_CLAIM_TIME_NS, "time_ns"},
    {WB_CLAIM_DEVSIG, "devsig"},
};

int
wb__claims_label_index(int64_t label)
{
    for (int i = 0; i < WB__CLAIMS_LABELS; i++) {
        if (labels[i].label == label) {
            return i;
        }
    }
    return -1;
}

const char *
wb__claims_label_name(int64_t label)
{
    int i = wb__claims_label_index(label);

    return i < 0 ? "?" : labels[i].name;
}

static bool
in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool
wb_claims_class_ok(const char *data_class)
{
    return data_class != NULL &&
           in_list(data_class, classes, sizeof classes / sizeof *classes);
}

bool
wb_claims_kind_ok(const char *kind)
{
    return kind != NULL && in_list(kind, kinds, sizeof kinds / sizeof *kinds);
}

static bool
is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

bool
wb__claims_jurisdiction_ok(const char *s)
{
    size_t n = strlen(s);

    /* ISO 3166-1 alpha-2 "DE", or ISO 3166-2 "US-CA" (1..3 alphanumerics
     * after the hyphen). */
    if (n < 2 || !is_upper(s[0]) || !is_upper(s[1])) {
        return false;
    }
    if (n == 2) {
        return true;
    }
    if (n < 4 || n > 6 || s[2] != '-') {
        return false;
    }
    for (size_t i = 3; i < n; i++) {
        if (!is_upper(s[i]) && !(s[i] >= '0' && s[i] <= '9')) {
            return false;
        }
    }
    return true;
}

/* A text claim: non-empty, at most WB__CLAIM_STR_MAX bytes, UTF-8. */
static wb_err
check_str(const char *field, const char *s)
{
    size_t n = strnlen(s, WB__CLAIM_STR_MAX + 1);

    if (n == 0) {
        return wb__err(WB_ERR_INVAL, "token: claim %s: empty string", field);
    }
    if (n > WB__CLAIM_STR_MAX) {
        return wb__err(WB_ERR_INVAL, "token: claim %s: longer than %d bytes",
                       field, WB__CLAIM_STR_MAX);
    }
    if (!wb__utf8_valid((const uint8_t *)s, n)) {
        return wb__err(WB_ERR_INVAL, "token: claim %s: not valid UTF-8", field);
    }
    return WB_OK;
}

static wb_err
check_opt_str(const char *field, const char *s)
{
    return s == NULL ? WB_OK : check_str(field, s);
}

static wb_err
check_str_array(const char *field, const char *const *a, size_t n)
{
    wb_err rc;

    if (n == 0) {
        return WB_OK;
    }
    if (a == NULL) {
        return wb__err(WB_ERR_INVAL, "token: claim %s: NULL array", field);
    }
    if (n > WB_CLAIMS_MAX_ITEMS) {
        return wb__err(WB_ERR_INVAL, "token: claim %s: more than %d items",
                       field, WB_CLAIMS_MAX_ITEMS);
    }
    for (size_t i = 0; i < n; i++) {
        if (a[i] == NULL) {
            return wb__err(WB_ERR_INVAL, "token: claim %s: item %zu is NULL",
                           field, i);
        }
        rc = check_str(field, a[i]);
        if (rc != WB_OK) {
            return rc;
        }
    }
    return WB_OK;
}

static wb_err
validate(const struct wb_claims *c)
{
    wb_err rc;

    if (c->iss == NULL) {
        return wb__err(WB_ERR_INVAL, "token: claim iss: missing");
    }
    if (c->kind == NULL) {
        return wb__err(WB_ERR_INVAL, "token: claim kind: missing");
    }
    if (c->cti_len == 0 || c->cti_len > WB_CTI_MAX_BYTES) {
        return wb__err(WB_ERR_INVAL, "token: claim cti: %zu bytes, want 1..%d",
                       c->cti_len, WB_CTI_MAX_BYTES);
    }
    if (c->iat < 0) {
        return wb__err(WB_ERR_INVAL, "token: claim iat: negative");
    }
    rc = check_str("iss", c->iss);
    if (rc == WB_OK) {
        rc = check_opt_str("sub", c->sub);
    }
    if (rc == WB_OK) {
        rc = check_str("kind", c->kind);
    }
    if (rc == WB_OK && !in_list(c->kind, kinds, sizeof kinds / sizeof *kinds)) {
        rc = wb__err(WB_ERR_INVAL, "token: claim kind: unknown kind \"%s\"",
                     c->kind);
    }
    if (rc == WB_OK) {
        rc = check_str_array("purposes", c->purposes, c->purpose_count);
    }
    if (rc == WB_OK) {
        rc = check_opt_str("consent", c->consent_id);
    }
    if (rc == WB_OK) {
        rc = check_opt_str("jurisdiction", c->jurisdiction);
    }
    if (rc == WB_OK && c->jurisdiction != NULL &&
        !wb__claims_jurisdiction_ok(c->jurisdiction)) {
        rc = wb__err(WB_ERR_INVAL,
                     "token: claim jurisdiction: \"%s\" is not an ISO 3166-1 "
                     "alpha-2 or ISO 3166-2 code",
                     c->jurisdiction);
    }
    if (rc == WB_OK) {
        rc = check_opt_str("class", c->data_class);
    }
    if (rc == WB_OK && c->data_class != NULL &&
        !wb_claims_class_ok(c->data_class)) {
        rc = wb__err(WB_ERR_INVAL, "token: claim class: unknown class \"%s\"",
                     c->data_class);
    }
    if (rc == WB_OK) {
        rc = check_opt_str("rights", c->rights);
    }
    if (rc == WB_OK && c->parent_count > 0 &&
        (c->parents == NULL || c->parent_count > WB_CLAIMS_MAX_ITEMS)) {
        rc = wb__err(WB_ERR_INVAL, "token: claim parents: NULL or more than %d",
                     WB_CLAIMS_MAX_ITEMS);
    }
    if (rc == WB_OK && c->residency_local_only && c->residency_count > 0) {
        rc = wb__err(WB_ERR_INVAL, "token: claim residency: both local-only "
                                   "and a jurisdiction list");
    }
    if (rc == WB_OK) {
        rc = check_str_array("residency", c->residency, c->residency_count);
    }
    if (rc == WB_OK) {
        rc = check_opt_str("media", c->media);
    }
    if (rc == WB_OK && c->has_time_ns && c->time_ns >= 1000000000u) {
        rc = wb__err(WB_ERR_INVAL, "token: claim time_ns: %u is not below 1e9",
                     (unsigned)c->time_ns);
    }
    return rc;
}

static size_t
count_entries(const struct wb_claims *c)
{
    /* iss, iat, cti, eat_profile, kind are always there. */
    return 5 + (c->sub != NULL) + (c->has_payload != 0) +
           (c->purpose_count > 0) + (c->consent_id != NULL) +
           (c->jurisdiction != NULL) + (c->data_class != NULL) +
           (c->rights != NULL) + (c->parent_count > 0) + (c->has_model != 0) +
           (c->residency_local_only || c->residency_count > 0) +
           (c->media != NULL) + (c->has_time_ns != 0) + (c->has_devsig != 0);
}

static void
put_str(struct wb__cbor_wr *w, const char *s)
{
    wb__cbor_put_tstr(w, s, strlen(s));
}

static void
put_str_array(struct wb__cbor_wr *w, const char *const *a, size_t n)
{
    wb__cbor_put_array(w, n);
    for (size_t i = 0; i < n; i++) {
        put_str(w, a[i]);
    }
}

/* The map, entries in label order (see labels[]). */
static void
encode(struct wb__cbor_wr *w, const struct wb_claims *c)
{
    wb__cbor_put_map(w, count_entries(c));
    wb__cbor_put_int(w, WB_CLAIM_ISS);
    put_str(w, c->iss);
    if (c->sub != NULL) {
        wb__cbor_put_int(w, WB_CLAIM_SUB);
        put_str(w, c->sub);
    }
    wb__cbor_put_int(w, WB_CLAIM_IAT);
    wb__cbor_put_int(w, c->iat);
    wb__cbor_put_int(w, WB_CLAIM_CTI);
    wb__cbor_put_bstr(w, c->cti, c->cti_len);
    wb__cbor_put_int(w, WB_CLAIM_EAT_PROFILE);
    put_str(w, WB_EAT_PROFILE);
    wb__cbor_put_int(w, WB_CLAIM_KIND);
    put_str(w, c->kind);
    if (c->has_payload) {
        wb__cbor_put_int(w, WB_CLAIM_PAYLOAD);
        wb__cbor_put_array(w, 2);
        wb__cbor_put_int(w, WB__COSE_ALG_SHA256);
        wb__cbor_put_bstr(w, c->payload_hash, WB_HASH_BYTES);
    }
    if (c->purpose_count > 0) {
        wb__cbor_put_int(w, WB_CLAIM_PURPOSES);
        put_str_array(w, c->purposes, c->purpose_count);
    }
    if (c->consent_id != NULL) {
        wb__cbor_put_int(w, WB_CLAIM_CONSENT);
        wb__cbor_put_array(w, 2);
        put_str(w, c->consent_id);
        wb__cbor_put_uint(w, c->consent_version);
    }
    if (c->jurisdiction != NULL) {
        wb__cbor_put_int(w, WB_CLAIM_JURISDICTION);
        put_str(w, c->jurisdiction);
    }
    if (c->data_class != NULL) {
        wb__cbor_put_int(w, WB_CLAIM_CLASS);
        put_str(w, c->data_class);
    }
    if (c->rights != NULL) {
        wb__cbor_put_int(w, WB_CLAIM_RIGHTS);
        put_str(w, c->rights);
    }
    if (c->parent_count > 0) {
        wb__cbor_put_int(w, WB_CLAIM_PARENTS);
        wb__cbor_put_array(w, c->parent_count);
        for (size_t i = 0; i < c->parent_count; i++) {
            wb__cbor_put_bstr(w, c->parents[i], WB_HASH_BYTES);
        }
    }
    if (c->has_model) {
        wb__cbor_put_int(w, WB_CLAIM_MODEL);
        wb__cbor_put_bstr(w, c->model, WB_HASH_BYTES);
    }
    if (c->residency_local_only) {
        wb__cbor_put_int(w, WB_CLAIM_RESIDENCY);
        put_str(w, WB__RESIDENCY_LOCAL_ONLY);
    } else if (c->residency_count > 0) {
        wb__cbor_put_int(w, WB_CLAIM_RESIDENCY);
        put_str_array(w, c->residency, c->residency_count);
    }
    if (c->media != NULL) {
        wb__cbor_put_int(w, WB_CLAIM_MEDIA);
        put_str(w, c->media);
    }
    if (c->has_time_ns) {
        wb__cbor_put_int(w, WB_CLAIM_TIME_NS);
        wb__cbor_put_uint(w, c->time_ns);
    }
    if (c->has_devsig) {
        wb__cbor_put_int(w, WB_CLAIM_DEVSIG);
        wb__cbor_put_bstr(w, c->devsig, WB_HASH_BYTES);
    }
}

wb_err
wb_claims_encode(const struct wb_claims *c, uint8_t **out, size_t *out_len)
{
    struct wb__cbor_wr w;
    wb_err rc;

    if (out == NULL || out_len == NULL) {
        return wb__err(WB_ERR_INVAL, "token: NULL output");
    }
    *out = NULL;
    *out_len = 0;
    if (c == NULL) {
        return wb__err(WB_ERR_INVAL, "token: NULL claims");
    }
    rc = validate(c);
    if (rc != WB_OK) {
        return rc;
    }
    wb__cbor_wr_init(&w, WB_CLAIMS_MAX_BYTES);
    encode(&w, c);
    rc = w.rc;
    if (rc == WB_ERR_TOOBIG) {
        rc = wb__err(rc, "token: claims larger than %d bytes",
                     WB_CLAIMS_MAX_BYTES);
    }
    if (rc == WB_OK) {
        *out = wb__buf_take(&w.buf, out_len);
    }
    wb__buf_clear(&w.buf);
    return rc;
}
