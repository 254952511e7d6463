/* SPDX-License-Identifier: Apache-2.0 */
/* A record's claims as a JSON object, with the claim names of design.md. */
#include "api/api_int.h"

static json_t *
hex(const uint8_t *p, size_t n)
{
    char buf[2 * 64 + 1];

    if (n > 64) {
        n = 64;
    }
    wb_hex_encode(p, n, buf);
    return json_string(buf);
}

static json_t *
strings(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

/* Set key to v unless v is NULL (absent claim). */
static void
put(json_t *o, const char *key, json_t *v)
{
    if (v != NULL) {
        json_object_set_new(o, key, v);
    }
}

json_t *
wb__api_claims_json(const struct wb_claims *c)
{
    json_t *o = json_object();
    json_t *parents = NULL;

    put(o, "iss", json_string(c->iss));
    put(o, "sub", c->sub ? json_string(c->sub) : NULL);
    put(o, "iat", json_integer(c->iat));
    put(o, "time_ns", c->has_time_ns ? json_integer(c->time_ns) : NULL);
    put(o, "cti", hex(c->cti, c->cti_len));
    put(o, "kind", json_string(c->kind));
    put(o, "payload_sha256",
        c->has_payload ? hex(c->payload_hash, WB_HASH_BYTES) : NULL);
    put(o, "purposes",
        c->purpose_count ? strings(c->purposes, c->purpose_count) : NULL);
    put(o, "consent",
        c->consent_id
            ? json_pack("[s, I]", c->consent_id, (json_int_t)c->consent_version)
            : NULL);
    put(o, "jurisdiction",
        c->jurisdiction ? json_string(c->jurisdiction) : NULL);
    put(o, "class", c->data_class ? json_string(c->data_class) : NULL);
    put(o, "rights", c->rights ? json_string(c->rights) : NULL);
    if (c->parent_count) {
        parents = json_array();
        for (size_t i = 0; i < c->parent_count; i++) {
            json_array_append_new(parents, hex(c->parents[i], WB_HASH_BYTES));
        }
    }
    put(o, "parents", parents);
    put(o, "model", c->has_model ? hex(c->model, WB_HASH_BYTES) : NULL);
    if (c->residency_local_only) {
        put(o, "residency", json_string("local-only"));
    } else if (c->residency_count) {
        put(o, "residency", strings(c->residency, c->residency_count));
    }
    put(o, "media", c->media ? json_string(c->media) : NULL);
    put(o, "devsig", c->has_devsig ? hex(c->devsig, WB_HASH_BYTES) : NULL);
    return o;
}
