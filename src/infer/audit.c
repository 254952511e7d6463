/* SPDX-License-Identifier: Apache-2.0 */
/* `model audit`: everything the log holds about one model, found by its
 * package digest in the `model` claim: the registration, each inference
 * and its lineage, the inputs by class, and every denial and refusal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer/infer_int.h"

static const char *const class_names[] = {"non-personal", "personal",
                                          "sensitive-personal", "important",
                                          "unclassified"};

/* An input as run, in log order: seq is its position among all outputs,
 * so the first run of each input is the one with the lowest seq. */
struct seen {
    uint8_t leaf[WB_HASH_BYTES]; /* the input's leaf hash: one per entry */
    uint64_t seq;
    size_t cls; /* class_index of the inference record's class */
};

struct scan {
    json_t *denials;     /* [{entry, event, input|null, reason, enforced}], or
                            erased: [{entry, event, input: null, input_leaf
                            (denials), reason, enforced: null, erased: true}] */
    json_t *lineage;     /* [{output, input, input_leaf}]; a record
                            whose payload is erased (erased true) or
                            unreadable (false): input null */
    struct seen *inputs; /* every input as run; made distinct at the end */
    size_t input_count;
    size_t input_cap;
    uint64_t registered; /* entry of the registration */
    struct wb_model_audit sum;
};

/* The reason shown for a denial or refusal whose payload was erased. */
static const char erased_reason[] = "(payload erased)";

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

/* The entry's payload as JSON into *doc, or NULL (erased, not JSON);
 * *erased says whether it was erased. WB_ERR_VERIFY when the stored
 * payload is not the one the log commits to. */
static wb_err
payload_json(struct wb_site *s, uint64_t i, bool *erased, json_t **doc)
{
    uint8_t *p = NULL;
    size_t n = 0;
    int gone = 0;
    wb_err rc = wb_site_payload(s, i, &p, &n, &gone);

    *erased = rc == WB_OK && gone;
    *doc =
        rc == WB_OK && !gone ? json_loadb((const char *)p, n, 0, NULL) : NULL;
    wb_free(p);
    return rc;
}

/* Note that input ran, with the class of the record holding its output.
 * Distinct inputs are counted once, at the end (count_inputs). */
static wb_err
add_input(struct scan *sc, const uint8_t *leaf, const struct wb_claims *c)
{
    if (sc->input_count == sc->input_cap) {
        size_t cap = sc->input_cap ? 2 * sc->input_cap : 256;
        struct seen *grown;
        if (cap > SIZE_MAX / sizeof *grown) {
            return WB_ERR_NOMEM;
        }
        grown = wb__realloc(sc->inputs, cap * sizeof *grown);
        if (grown == NULL) {
            return WB_ERR_NOMEM;
        }
        sc->inputs = grown;
        sc->input_cap = cap;
    }
    memcpy(sc->inputs[sc->input_count].leaf, leaf, WB_HASH_BYTES);
    sc->inputs[sc->input_count].seq = sc->input_count;
    sc->inputs[sc->input_count].cls = class_index(c->data_class);
    sc->input_count++;
    return WB_OK;
}

static int
seen_cmp(const void *a, const void *b)
{
    const struct seen *x = a;
    const struct seen *y = b;

    int d = memcmp(x->leaf, y->leaf, WB_HASH_BYTES);

    if (d != 0) {
        return d;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Count each distinct input once, by the class of its first run (in log
 * order), sorting by (input, seq): O(n log n) in the outputs. */
static void
count_inputs(struct scan *sc)
{
    if (sc->input_count > 1) {
        qsort(sc->inputs, sc->input_count, sizeof *sc->inputs, seen_cmp);
    }
    for (size_t k = 0; k < sc->input_count; k++) {
        if (k == 0 || memcmp(sc->inputs[k].leaf, sc->inputs[k - 1].leaf,
                             WB_HASH_BYTES) != 0) {
            sc->sum.inputs++;
            sc->sum.by_class[sc->inputs[k].cls]++;
        }
    }
}

/* An inference record: one output per input, input k's leaf hash in
 * parents[k]. An erased payload leaves the parents only, which still
 * count the inputs (distinct by leaf hash, the record's class). */
static wb_err
add_inference(struct scan *sc,
              uint64_t i,
              const struct wb_claims *c,
              json_t *doc,
              bool erased)
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
        /* erased (or unreadable): count and list what the claims show,
         * each input by its leaf hash (the index went with the payload) */
        sc->sum.inferences += c->parent_count;
        for (size_t k = 0; rc == WB_OK && k < c->parent_count; k++) {
            char leaf[2 * WB_HASH_BYTES + 1];
            wb_hex_encode(c->parents[k], WB_HASH_BYTES, leaf);
            json_array_append_new(
                sc->lineage,
                json_pack("{s:I, s:n, s:s, s:b}", "output", (json_int_t)i,
                          "input", "input_leaf", leaf, "erased", erased));
            rc = add_input(sc, c->parents[k], c);
        }
        return rc;
    }
    for (size_t k = 0; rc == WB_OK && k < n; k++) {
        char leaf[2 * WB_HASH_BYTES + 1] = "";
        uint8_t key[WB_HASH_BYTES];
        uint64_t input =
            (uint64_t)json_integer_value(json_array_get(inputs, k));
        if (k < c->parent_count) {
            wb_hex_encode(c->parents[k], WB_HASH_BYTES, leaf);
            memcpy(key, c->parents[k], WB_HASH_BYTES);
        } else {
            /* no leaf hash to go by (a malformed record): the index */
            memset(key, 0xff, sizeof key);
            memcpy(key, &input, sizeof input);
        }
        sc->sum.inferences++;
        json_array_append_new(sc->lineage,
                              json_pack("{s:I, s:I, s:s}", "output",
                                        (json_int_t)i, "input",
                                        (json_int_t)input, "input_leaf", leaf));
        rc = add_input(sc, key, c);
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

/* A decision entry with this model's claim whose payload was erased,
 * counted from its claims. Only wb__infer_log_refusal writes a decision
 * with a model claim, and its callers set its claims apart exactly:
 *  - inference-denied (one input, log_denial): parents = [the input's
 *    leaf hash], purposes = [the purpose], jurisdiction = run_in;
 *  - inference-refused (a whole call, refuse_call): purposes = [the
 *    purpose], jurisdiction = run_in, no parents;
 *  - model-load-refused (a whole call, wb_model_open): no parents, no
 *    purposes (counted as a whole call while readable too);
 *  - model-register-refused is logged without a digest, so without the
 *    model claim: never seen here (add_decision skips it by its event).
 * A decision with other parents but no model claim (the API's
 * payload-disclosed) is not looked at. So: a parent is an input denied,
 * no parent a whole call refused (as add_decision counts them). What
 * only the payload held is gone: the input's index (its leaf hash is kept
 * as input_leaf), the mode (enforced null) and the reason. */
static void
add_erased_decision(struct scan *sc, uint64_t i, const struct wb_claims *c)
{
    char leaf[2 * WB_HASH_BYTES + 1] = "";
    const char *ev = c->parent_count > 0    ? "inference-denied"
                     : c->purpose_count > 0 ? "inference-refused"
                                            : "model-load-refused";

    sc->sum.denials++;
    if (c->parent_count == 0) {
        sc->sum.refusals++;
    } else {
        wb_hex_encode(c->parents[0], WB_HASH_BYTES, leaf);
    }
    json_array_append_new(
        sc->denials, json_pack("{s:I, s:s, s:n, s:s*, s:s, s:n, s:b}", "entry",
                               (json_int_t)i, "event", ev, "input",
                               "input_leaf", leaf[0] ? leaf : NULL, "reason",
                               erased_reason, "enforced", "erased", 1));
}

/* Look at entry i. */
static wb_err
visit(struct wb_site *s, uint64_t i, const uint8_t *digest, struct scan *sc)
{
    uint8_t *leaf = NULL;
    size_t len = 0;
    struct wb_claims *c = NULL;
    json_t *doc = NULL;
    bool erased = false;
    bool mine;
    wb_err rc = wb_site_leaf(s, i, &leaf, &len);

    if (rc == WB_OK) {
        rc = wb_claims_decode(leaf, len, &c);
    }
    mine = rc == WB_OK && c->has_model &&
           memcmp(c->model, digest, WB_HASH_BYTES) == 0;
    if (mine) {
        rc = payload_json(s, i, &erased, &doc);
    }
    if (rc == WB_OK && mine) {
        if (strcmp(c->kind, "model") == 0) {
            sc->registered = i;
        } else if (strcmp(c->kind, "inference") == 0) {
            rc = add_inference(sc, i, c, doc, erased);
        } else if (strcmp(c->kind, "decision") == 0 && doc != NULL) {
            add_decision(sc, i, doc);
        } else if (strcmp(c->kind, "decision") == 0 && erased) {
            add_erased_decision(sc, i, c);
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
        const char *leaf = json_string_value(json_object_get(v, "input_leaf"));
        const char *why = json_string_value(json_object_get(v, "reason"));
        fprintf(f, "  entry %lld: ",
                (long long)json_integer_value(json_object_get(v, "entry")));
        if (json_is_integer(in)) {
            fprintf(f, "input %lld denied", (long long)json_integer_value(in));
        } else if (leaf != NULL) { /* erased: the index is gone */
            fprintf(f, "input with leaf hash %s denied", leaf);
        } else {
            fprintf(f, "call refused");
        }
        /* enforced is null when the payload was erased: not known */
        fprintf(f, "%s: ",
                json_is_false(json_object_get(v, "enforced")) ? " (log-only)"
                                                              : "");
        for (const char *p = why ? why : ""; *p; p++) {
            fputs(*p == '\n' ? "; " : (char[2]){*p, 0}, f);
        }
        fputc('\n', f);
    }
    fprintf(f, "lineage (output record <- input, input leaf hash)\n");
    json_array_foreach(sc->lineage, i, v)
    {
        const json_t *in = json_object_get(v, "input");
        fprintf(f, "  entry %lld <- ",
                (long long)json_integer_value(json_object_get(v, "output")));
        if (json_is_integer(in)) {
            fprintf(f, "entry %lld ", (long long)json_integer_value(in));
        } else if (json_is_true(json_object_get(v, "erased"))) {
            fputs("(payload erased) ", f);
        } else {
            fputs("(payload unreadable) ", f);
        }
        fprintf(f, "%s\n", json_string_value(json_object_get(v, "input_leaf")));
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
        count_inputs(&sc);
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
