/* SPDX-License-Identifier: Apache-2.0 */
/* `model audit`: everything the log holds about one model, found by its
 * package digest in the `model` claim: the registration, each inference
 * and its lineage, the inputs by class, and every denial and refusal. */
#include <stdio.h>
#include <string.h>

#include "infer/infer_int.h"

static const char *const class_names[] = {"non-personal", "personal",
                                          "sensitive-personal", "important",
                                          "unclassified"};

struct scan {
    json_t *denials; /* [{entry, input|null, reason, enforced}] */
    json_t *lineage; /* [{output, input, input_leaf}] */
    uint64_t *inputs;
    size_t input_count;
    uint64_t registered; /* entry of the registration */
    struct wb_model_audit sum;
};

static size_t
class_index(const char *c)
{
    for (size_t i = 0; c != NULL && i < 4; i++) {
        if (strcmp(c, class_names[i]) == 0) {
            return i;
        }
    }
    return 4;
}

/* The entry's payload as JSON, or NULL (erased, not JSON). */
static json_t *
payload_json(struct wb_site *s, uint64_t i)
{
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0;
    json_t *o = NULL;

    if (wb_site_payload(s, i, &p, &n, &erased) == WB_OK && !erased) {
        o = json_loadb((const char *)p, n, 0, NULL);
    }
    wb_free(p);
    return o;
}

/* Count input once. */
static wb_err
add_input(struct scan *sc, uint64_t input, const struct wb_claims *c)
{
    uint64_t *grown;

    for (size_t k = 0; k < sc->input_count; k++) {
        if (sc->inputs[k] == input) {
            return WB_OK;
        }
    }
    grown = wb__realloc(sc->inputs, (sc->input_count + 1) * sizeof *grown);
    if (grown == NULL) {
        return WB_ERR_NOMEM;
    }
    sc->inputs = grown;
    sc->inputs[sc->input_count++] = input;
    sc->sum.inputs++;
    sc->sum.by_class[class_index(c->data_class)]++;
    return WB_OK;
}

/* An inference record: one output per input, input k's leaf hash in
 * parents[k]. An erased payload leaves the parents only. */
static wb_err
add_inference(struct scan *sc,
              uint64_t i,
              const struct wb_claims *c,
              json_t *doc)
{
    json_t *inputs = json_object_get(doc, "inputs");
    json_t *one = json_object_get(doc, "input"); /* one output a record, as
                                                    written before grouping */
    size_t n = json_is_array(inputs) ? json_array_size(inputs) : 0;
    json_t *wrapped = NULL;
    wb_err rc = WB_OK;

    sc->sum.records++;
    if (n == 0 && json_is_integer(one)) {
        wrapped = json_pack("[O]", one); /* read as [input] */
        if (wrapped == NULL) {
            return WB_ERR_NOMEM;
        }
        inputs = wrapped;
        n = 1;
    }
    if (n == 0) {
        /* erased (or unreadable): count what the claims show */
        sc->sum.inferences += c->parent_count;
        return WB_OK;
    }
    for (size_t k = 0; rc == WB_OK && k < n; k++) {
        char leaf[2 * WB_HASH_BYTES + 1] = "";
        uint64_t input =
            (uint64_t)json_integer_value(json_array_get(inputs, k));
        if (k < c->parent_count) {
            wb_hex_encode(c->parents[k], WB_HASH_BYTES, leaf);
        }
        sc->sum.inferences++;
        json_array_append_new(sc->lineage,
                              json_pack("{s:I, s:I, s:s}", "output",
                                        (json_int_t)i, "input",
                                        (json_int_t)input, "input_leaf", leaf));
        rc = add_input(sc, input, c);
    }
    json_decref(wrapped);
    return rc;
}

static void
add_decision(struct scan *sc, uint64_t i, json_t *doc)
{
    const char *ev = json_string_value(json_object_get(doc, "event"));
    json_t *in = json_object_get(doc, "input");
    json_t *enf = json_object_get(doc, "enforced");

    if (ev == NULL || strncmp(ev, "model-register", 14) == 0) {
        return;
    }
    sc->sum.denials++;
    if (in == NULL) {
        sc->sum.refusals++;
    }
    json_array_append_new(
        sc->denials,
        json_pack("{s:I, s:s, s:O, s:s?, s:b}", "entry", (json_int_t)i, "event",
                  ev, "input", in ? in : json_null(), "reason",
                  json_string_value(json_object_get(doc, "reason")), "enforced",
                  enf == NULL || json_is_true(enf)));
}

/* Look at entry i. */
static wb_err
visit(struct wb_site *s, uint64_t i, const uint8_t *digest, struct scan *sc)
{
    uint8_t *leaf = NULL;
    size_t len = 0;
    struct wb_claims *c = NULL;
    json_t *doc = NULL;
    wb_err rc = wb_site_leaf(s, i, &leaf, &len);

    if (rc == WB_OK) {
        rc = wb_claims_decode(leaf, len, &c);
    }
    if (rc == WB_OK && c->has_model &&
        memcmp(c->model, digest, WB_HASH_BYTES) == 0) {
        doc = payload_json(s, i);
        if (strcmp(c->kind, "model") == 0) {
            sc->registered = i;
        } else if (strcmp(c->kind, "inference") == 0) {
            rc = add_inference(sc, i, c, doc);
        } else if (strcmp(c->kind, "decision") == 0) {
            add_decision(sc, i, doc);
        }
    }
    json_decref(doc);
    wb_claims_free(c);
    wb_free(leaf);
    return rc;
}

static void
print_text(FILE *f, const struct wb_model_entry *e, const struct scan *sc)
{
    char hex[2 * WB_HASH_BYTES + 1];
    size_t i;
    json_t *v;

    wb_hex_encode(e->digest, WB_HASH_BYTES, hex);
    fprintf(f, "model %s\ndigest %s\nregistered entry %llu\n", e->id, hex,
            (unsigned long long)sc->registered);
    fprintf(f,
            "inferences %llu in %llu record(s), inputs %llu\ninputs by "
            "class:",
            (unsigned long long)sc->sum.inferences,
            (unsigned long long)sc->sum.records,
            (unsigned long long)sc->sum.inputs);
    for (i = 0; i < 5; i++) {
        fprintf(f, "%s %s %llu", i ? "," : "", class_names[i],
                (unsigned long long)sc->sum.by_class[i]);
    }
    fprintf(f, "\ndenials %llu (whole calls %llu)\n",
            (unsigned long long)sc->sum.denials,
            (unsigned long long)sc->sum.refusals);
    json_array_foreach(sc->denials, i, v)
    {
        json_t *in = json_object_get(v, "input");
        const char *why = json_string_value(json_object_get(v, "reason"));
        fprintf(f, "  entry %lld: ",
                (long long)json_integer_value(json_object_get(v, "entry")));
        if (json_is_integer(in)) {
            fprintf(f, "input %lld denied", (long long)json_integer_value(in));
        } else {
            fprintf(f, "call refused");
        }
        fprintf(f, "%s: ",
                json_is_true(json_object_get(v, "enforced")) ? ""
                                                             : " (log-only)");
        for (const char *p = why ? why : ""; *p; p++) {
            fputs(*p == '\n' ? "; " : (char[2]){*p, 0}, f);
        }
        fputc('\n', f);
    }
    fprintf(f, "lineage (output record <- input, input leaf hash)\n");
    json_array_foreach(sc->lineage, i, v)
    {
        fprintf(f, "  entry %lld <- entry %lld %s\n",
                (long long)json_integer_value(json_object_get(v, "output")),
                (long long)json_integer_value(json_object_get(v, "input")),
                json_string_value(json_object_get(v, "input_leaf")));
    }
}

static void
print_json(FILE *f, const struct wb_model_entry *e, const struct scan *sc)
{
    char hex[2 * WB_HASH_BYTES + 1];
    json_t *classes = json_object();
    json_t *o;
    char *s = NULL;

    wb_hex_encode(e->digest, WB_HASH_BYTES, hex);
    for (size_t i = 0; classes && i < 5; i++) {
        json_object_set_new(classes, class_names[i],
                            json_integer((json_int_t)sc->sum.by_class[i]));
    }
    o = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:O, s:O}", "model",
        e->id, "digest", hex, "registered", (json_int_t)sc->registered,
        "inferences", (json_int_t)sc->sum.inferences, "inference_records",
        (json_int_t)sc->sum.records, "inputs", (json_int_t)sc->sum.inputs,
        "inputs_by_class", classes, "denials", (json_int_t)sc->sum.denials,
        "refusals", (json_int_t)sc->sum.refusals, "denied", sc->denials,
        "lineage", sc->lineage);
    if (o != NULL &&
        wb__json_dump(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &s) == WB_OK) {
        fprintf(f, "%s\n", s);
    }
    wb__free(s);
    json_decref(o);
}

wb_err
wb_model_audit_report(struct wb_site *s,
                      const char *id,
                      bool json,
                      FILE *f,
                      struct wb_model_audit *sum)
{
    struct wb_model_entry e;
    struct scan sc;
    uint64_t n = wb_site_size(s);
    wb_err rc = wb_model_get(s, id, &e);

    memset(&sc, 0, sizeof sc);
    sc.denials = json_array();
    sc.lineage = json_array();
    if (rc == WB_OK && (sc.denials == NULL || sc.lineage == NULL)) {
        rc = WB_ERR_NOMEM;
    }
    for (uint64_t i = 0; rc == WB_OK && i < n; i++) {
        rc = visit(s, i, e.digest, &sc);
    }
    if (rc == WB_OK) {
        if (json) {
            print_json(f, &e, &sc);
        } else {
            print_text(f, &e, &sc);
        }
        if (sum != NULL) {
            *sum = sc.sum;
        }
    }
    json_decref(sc.denials);
    json_decref(sc.lineage);
    wb__free(sc.inputs);
    wb_model_entry_clear(&e);
    return rc;
}
