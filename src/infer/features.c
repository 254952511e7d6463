/* SPDX-License-Identifier: Apache-2.0 */
/* The data interface: an input record's features, read from its JSON
 * payload's fields as the manifest names them: numbers, or text that is a
 * number alone (CSV cells). Anything else is a schema mismatch, named
 * precisely. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer/infer_int.h"

/* The longest text read as a number: digits enough for any double. */
#define NUMBER_TEXT_MAX 64

/* The least double a float cast rounds to infinity: FLT_MAX and half its
 * last place, (2 - 2^-24) * 2^127; anything below rounds to a finite
 * float (3.4028235e38, as numpy writes float32's largest, is FLT_MAX). */
#define FLOAT_ROUNDS_TO_INF 0x1.ffffffp+127

/* Is the entry a record the data interface can read? */
static wb_err
check_kind(uint64_t index, const struct wb_claims *c, bool has_payload)
{
    if (strcmp(c->kind, "record") != 0 && strcmp(c->kind, "inference") != 0) {
        return wb__err(WB_ERR_FORMAT,
                       "schema mismatch: entry %llu is %s %s entry, not a "
                       "record",
                       (unsigned long long)index, wb__a(c->kind), c->kind);
    }
    if (!has_payload) {
        return wb__err(WB_ERR_FORMAT,
                       "schema mismatch: entry %llu has no payload",
                       (unsigned long long)index);
    }
    return WB_OK;
}

/* Is text (NUL-terminated) one number, white space around it allowed? */
static bool
one_number(const char *text)
{
    const char *p = text + strspn(text, " \t\r\n");
    char *end = NULL;

    if (*p != '-' && (*p < '0' || *p > '9')) {
        return false; /* strtod would take "inf", "nan", "+1" */
    }
    (void)strtod(p, &end);
    return end != p && end[strspn(end, " \t\r\n")] == '\0';
}

/* Is v a number, or text holding a JSON number alone (a CSV cell is
 * text: "1.25"), decoded by jansson? Its value into *d; text too large for
 * a double ("1e400") is HUGE_VAL, so that it is reported as out of range. */
static bool
number_of(const json_t *v, double *d)
{
    json_error_t jerr; /* set by json_loadb; not cleared for a number */
    json_t *n;
    bool ok;

    if (json_is_number(v)) {
        *d = json_number_value(v);
        return true;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) > NUMBER_TEXT_MAX ||
        memchr(json_string_value(v), '\0', json_string_length(v)) != NULL) {
        return false; /* jansson reads "1\0" as 1 */
    }
    n = json_loadb(json_string_value(v), json_string_length(v), JSON_DECODE_ANY,
                   &jerr);
    ok = json_is_number(n);
    *d = ok ? json_number_value(n) : 0;
    if (n == NULL && json_error_code(&jerr) == json_error_numeric_overflow &&
        one_number(json_string_value(v))) {
        *d = HUGE_VAL; /* jansson stops at the overflow: "1e400x" is text */
        ok = true;
    }
    json_decref(n);
    return ok;
}

/* The features of payload obj into x. */
static wb_err
fill(const struct wb_model_manifest *m,
     uint64_t index,
     const json_t *obj,
     float *x)
{
    for (size_t j = 0; j < m->input_count; j++) {
        const struct wb_model_feature *f = &m->input[j];
        const json_t *v = json_object_get(obj, f->field);
        double d = 0;
        if (v == NULL) {
            return wb__err(WB_ERR_FORMAT,
                           "schema mismatch: entry %llu: field \"%s\" "
                           "(feature %s, %s) is missing",
                           (unsigned long long)index, f->field, f->name,
                           f->unit);
        }
        if (!number_of(v, &d)) {
            char text[40];
            return wb__err(
                WB_ERR_FORMAT,
                "schema mismatch: entry %llu: field \"%s\" (feature %s, %s) "
                "is not a number%s%s%s",
                (unsigned long long)index, f->field, f->name, f->unit,
                json_is_string(v) ? " (text \"" : "",
                json_is_string(v)
                    ? wb__printable(json_string_value(v), 32, text, sizeof text)
                    : "",
                json_is_string(v) ? "\")" : "");
        }
        if (!(fabs(d) < FLOAT_ROUNDS_TO_INF)) {
            /* 1e39 would be scored as an infinite reading */
            char number[40];
            if (json_is_string(v)) {
                wb__printable(json_string_value(v), 32, number, sizeof number);
            } else {
                snprintf(number, sizeof number, "%.9g", d);
            }
            return wb__err(WB_ERR_FORMAT,
                           "schema mismatch: entry %llu: field \"%s\" "
                           "(feature %s, %s) is %s, beyond a float's range",
                           (unsigned long long)index, f->field, f->name,
                           f->unit, number);
        }
        x[j] = (float)d;
    }
    return WB_OK;
}

wb_err
wb__infer_features(const struct wb_model_manifest *m,
                   uint64_t index,
                   const json_t *doc,
                   const uint8_t *payload,
                   size_t len,
                   float *x)
{
    json_error_t jerr = {0};
    json_t *parsed = doc != NULL ? NULL
                                 : json_loadb((const char *)payload, len,
                                              JSON_REJECT_DUPLICATES, &jerr);
    const json_t *obj = doc != NULL ? doc : parsed;
    char near[sizeof jerr.text];
    wb_err rc = WB_OK;

    if (!json_is_object(obj)) {
        /* jansson quotes the payload's bytes near the error, cut anywhere */
        rc = wb__err(
            WB_ERR_FORMAT,
            "schema mismatch: entry %llu: the payload is not a "
            "JSON object%s%s",
            (unsigned long long)index, obj ? "" : ": ",
            obj ? ""
                : wb__printable(jerr.text, sizeof near, near, sizeof near));
    }
    if (rc == WB_OK) {
        rc = fill(m, index, obj, x);
    }
    json_decref(parsed);
    return rc;
}

wb_err
wb__infer_read_input(struct wb_site *s,
                     const struct wb_model_manifest *m,
                     uint64_t index,
                     struct wb__infer_input *in,
                     float *x)
{
    uint8_t *leaf = NULL;
    uint8_t *payload = NULL;
    size_t leaf_len = 0;
    size_t payload_len = 0;
    int erased = 0;
    wb_err rc;

    memset(in, 0, sizeof *in);
    in->index = index;
    rc = wb_site_entry(s, index, &leaf, &leaf_len, &in->owned, &payload,
                       &payload_len, &erased);
    if (rc == WB_ERR_NOTFOUND) {
        rc = wb__err(WB_ERR_FORMAT,
                     "entry %llu: no such entry (the log has "
                     "%llu)",
                     (unsigned long long)index,
                     (unsigned long long)wb_site_size(s));
    }
    if (rc == WB_ERR_VERIFY && leaf != NULL) {
        /* the payload is not the log's, the leaf is: a denial names it
         * and carries its claims (device, class, consent) */
        wb_merkle_leaf_hash(leaf, leaf_len, in->leaf_hash);
        in->has_leaf = true;
        in->claims = in->owned;
    }
    if (rc == WB_OK) {
        wb_merkle_leaf_hash(leaf, leaf_len, in->leaf_hash);
        in->has_leaf = true;
        in->claims = in->owned;
    }
    if (rc == WB_OK) {
        rc = check_kind(index, in->claims, in->claims->has_payload);
    }
    if (rc == WB_OK && erased) {
        rc = wb__err(WB_ERR_FORMAT,
                     "schema mismatch: entry %llu: the payload was erased",
                     (unsigned long long)index);
    }
    if (rc == WB_OK) {
        rc = wb__infer_features(m, index, NULL, payload, payload_len, x);
    }
    wb_free(payload);
    wb_free(leaf);
    return rc;
}

wb_err
wb__infer_take_record(struct wb_site *s,
                      const struct wb_model_manifest *m,
                      const struct wb_infer_record *r,
                      struct wb__infer_input *in,
                      float *x)
{
    wb_err rc;

    if (r->claims == NULL) {
        return wb__infer_read_input(s, m, r->index, in, x); /* not held */
    }
    memset(in, 0, sizeof *in);
    in->index = r->index;
    in->claims = r->claims;
    memcpy(in->leaf_hash, r->leaf_hash, WB_HASH_BYTES);
    in->has_leaf = true;
    if (r->claims->kind == NULL) {
        return wb__err(WB_ERR_FORMAT, "entry %llu: claims without a kind",
                       (unsigned long long)r->index);
    }
    rc = check_kind(r->index, r->claims, r->payload != NULL || r->doc != NULL);
    if (rc == WB_OK) {
        rc = wb__infer_features(m, r->index, r->doc, r->payload, r->payload_len,
                                x);
    }
    return rc;
}
