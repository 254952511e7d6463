/* SPDX-License-Identifier: Apache-2.0 */
/* `model audit` (wb_model_audit_report): denials and refusals whose
 * decision payload was erased still count, from their claims, with the
 * reason shown as erased, and a decision of another kind is not taken for
 * one; an input run more than once counts once among the distinct
 * inputs, by the class of its first run. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "tinytest.h"

#define MODELS WB_SRC_DIR "/tests/models"
#define ID     "bearing-risk@1.0.0"
#define ROW    "{\"vib_rms\":2.4,\"temp_c\":53.1,\"current_a\":11.2}"

static char dir[64];
static char path[256];
static struct wb_policy *pol;
static const char *const pm[] = {"predictive-maintenance"};

static const char *
at(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Append one telemetry record of class cls, no consent. */
static uint64_t
add(struct wb_site *s, const char *cls)
{
    struct wb_append e;
    uint64_t idx = 0;

    memset(&e, 0, sizeof e);
    e.claims.kind = "record";
    e.claims.sub = "press-7";
    e.claims.purposes = pm;
    e.claims.purpose_count = 1;
    e.claims.data_class = cls;
    e.claims.jurisdiction = "DE";
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)ROW;
    e.payload_len = strlen(ROW);
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK);
    return idx;
}

static void
leaf_hex(struct wb_site *s, uint64_t i, char hex[2 * WB_HASH_BYTES + 1])
{
    uint8_t *leaf = NULL;
    uint8_t h[WB_HASH_BYTES];
    size_t n = 0;

    memset(h, 0, sizeof h);
    TT_CHECK(wb_site_leaf(s, i, &leaf, &n) == WB_OK);
    if (leaf != NULL) {
        wb_merkle_leaf_hash(leaf, n, h);
    }
    wb_hex_encode(h, WB_HASH_BYTES, hex);
    wb_free(leaf);
}

/* The governed call on inputs[0..n) in DE (or run_in); its rc. */
static wb_err
run(struct wb_site *s,
    const uint64_t *inputs,
    size_t n,
    const char *run_in,
    uint64_t *decision)
{
    struct wb_infer_opts o;
    struct wb_infer_result *r = NULL;
    wb_err rc;

    memset(&o, 0, sizeof o);
    o.policy = pol;
    o.run_in = run_in;
    o.date = (int32_t)(time(NULL) / 86400);
    o.mode = WB_INFER_ENFORCE;
    rc = wb_infer(s, ID, inputs, n, &o, &r);
    if (decision != NULL && r != NULL && r->count > 0) {
        *decision = r->rows[0].decision;
    }
    wb_infer_result_free(r);
    return rc;
}

/* The audit, text (into *text, free) or JSON (into *doc, json_decref). */
static void
audit(struct wb_site *s, struct wb_model_audit *a, char **text, json_t **doc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    TT_CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    TT_CHECK(wb_model_audit_report(s, ID, doc != NULL, f, a) == WB_OK);
    fclose(f);
    if (doc != NULL) {
        *doc = json_loads(buf, 0, NULL);
        TT_CHECK(*doc != NULL);
        free(buf);
    } else {
        *text = buf;
    }
}

/* The row of the JSON audit's "denied" for entry i, or NULL. */
static json_t *
denied_row(json_t *doc, uint64_t i)
{
    size_t k;
    json_t *v;

    json_array_foreach(json_object_get(doc, "denied"), k, v)
    {
        if (json_integer_value(json_object_get(v, "entry")) == (json_int_t)i) {
            return v;
        }
    }
    return NULL;
}

static void
check_erased_row(json_t *doc, uint64_t i, const char *event, const char *leaf)
{
    json_t *v = denied_row(doc, i);
    const char *ev = json_string_value(json_object_get(v, "event"));
    const char *why = json_string_value(json_object_get(v, "reason"));
    const char *in = json_string_value(json_object_get(v, "input_leaf"));

    TT_CHECK_MSG(v != NULL, "entry %llu not in denied", (unsigned long long)i);
    TT_CHECK_MSG(ev && strcmp(ev, event) == 0, "%s", ev ? ev : "(none)");
    TT_CHECK(why && strcmp(why, "(payload erased)") == 0);
    TT_CHECK(json_is_true(json_object_get(v, "erased")));
    TT_CHECK(json_is_null(json_object_get(v, "input")));
    TT_CHECK(json_is_null(json_object_get(v, "enforced")));
    TT_CHECK(leaf ? in && strcmp(in, leaf) == 0 : in == NULL);
}

/* A decision that is not the model's: parents = [a leaf], no model claim
 * (as the API's payload-disclosed decision). */
static uint64_t
other_decision(struct wb_site *s, uint64_t about)
{
    static const char doc[] = "{\"event\":\"payload-disclosed\"}";
    uint8_t parent[1][WB_HASH_BYTES];
    uint8_t *leaf = NULL;
    size_t n = 0;
    struct wb_append e;
    uint64_t idx = 0;

    memset(parent, 0, sizeof parent);
    TT_CHECK(wb_site_leaf(s, about, &leaf, &n) == WB_OK);
    if (leaf != NULL) {
        wb_merkle_leaf_hash(leaf, n, parent[0]);
    }
    wb_free(leaf);
    memset(&e, 0, sizeof e);
    e.claims.kind = "decision";
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.claims.parents = (const uint8_t(*)[WB_HASH_BYTES])parent;
    e.claims.parent_count = 1;
    e.payload = (const uint8_t *)doc;
    e.payload_len = strlen(doc);
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK);
    return idx;
}

/* A denied input, a refused call and a refused load, counted before and
 * after their payloads are erased. */
static void
test_erased_decisions(struct wb_site *s)
{
    struct wb_model_audit a0, a1, a2;
    char *t0 = NULL;
    char *t1 = NULL;
    json_t *j = NULL;
    char leaf[2 * WB_HASH_BYTES + 1];
    char want[256];
    uint64_t in = add(s, "personal"); /* no consent: denied */
    uint64_t denial = 0;
    uint64_t refusal = 0;
    uint64_t load = 0;
    uint64_t other = 0;
    uint64_t erase[4];

    audit(s, &a0, &t0, NULL);
    TT_CHECK(run(s, &in, 1, "DE", &denial) == WB_OK);
    TT_CHECK(run(s, &in, 1, "US", NULL) == WB_ERR_DENIED);
    refusal = wb_site_size(s) - 1;
    tt_flip(at("site/models/" ID "/bearing-risk.ubj"), 300);
    TT_CHECK(run(s, &in, 1, "DE", NULL) != WB_OK);
    load = wb_site_size(s) - 1;
    tt_flip(at("site/models/" ID "/bearing-risk.ubj"), 300);
    other = other_decision(s, in);
    TT_CHECK(denial > in && refusal > denial && load > refusal);

    audit(s, &a1, &t1, NULL);
    TT_CHECK_MSG(a1.denials == a0.denials + 3 && a1.refusals == a0.refusals + 2,
                 "%llu %llu", (unsigned long long)a1.denials,
                 (unsigned long long)a1.refusals);
    snprintf(want, sizeof want,
             "  entry %llu: input %llu denied: ", (unsigned long long)denial,
             (unsigned long long)in);
    TT_CHECK_MSG(t1 && strstr(t1, want) != NULL, "%s", t1 ? t1 : "");
    free(t1);
    t1 = NULL;

    erase[0] = denial;
    erase[1] = refusal;
    erase[2] = load;
    erase[3] = other;
    TT_CHECK(wb_site_erase_many(s, erase, 4, "test", NULL) == WB_OK);
    audit(s, &a2, &t1, NULL);
    TT_CHECK_MSG(
        a2.denials == a1.denials && a2.refusals == a1.refusals,
        "after erasure: denials %llu (whole calls %llu), want %llu "
        "(%llu)",
        (unsigned long long)a2.denials, (unsigned long long)a2.refusals,
        (unsigned long long)a1.denials, (unsigned long long)a1.refusals);
    leaf_hex(s, in, leaf);
    snprintf(want, sizeof want,
             "  entry %llu: input with leaf hash %s denied: (payload erased)\n",
             (unsigned long long)denial, leaf);
    TT_CHECK_MSG(t1 && strstr(t1, want) != NULL, "%s", t1 ? t1 : "");
    snprintf(want, sizeof want,
             "  entry %llu: call refused: (payload erased)\n",
             (unsigned long long)refusal);
    TT_CHECK(t1 && strstr(t1, want) != NULL);
    snprintf(want, sizeof want,
             "  entry %llu: call refused: (payload erased)\n",
             (unsigned long long)load);
    TT_CHECK(t1 && strstr(t1, want) != NULL);

    audit(s, &a2, NULL, &j);
    check_erased_row(j, denial, "inference-denied", leaf);
    check_erased_row(j, refusal, "inference-refused", NULL);
    check_erased_row(j, load, "model-load-refused", NULL);
    TT_CHECK(denied_row(j, other) == NULL);
    TT_CHECK(json_integer_value(json_object_get(j, "denials")) ==
             (json_int_t)a1.denials);
    json_decref(j);
    free(t0);
    free(t1);
}

/* An input run twice counts once among the distinct inputs, by the class
 * of its first run; the lineage keeps every output in log order. */
static void
test_repeated_inputs(struct wb_site *s)
{
    struct wb_model_audit a0, a1;
    json_t *j = NULL;
    uint64_t in[3];
    uint64_t calls[2][3];
    size_t before;
    json_t *lin;

    in[0] = add(s, "non-personal");
    in[1] = add(s, "non-personal");
    in[2] = add(s, "important");
    calls[0][0] = in[0];
    calls[0][1] = in[1];
    calls[0][2] = in[0];
    calls[1][0] = in[2];
    calls[1][1] = in[1];
    calls[1][2] = in[2];
    audit(s, &a0, NULL, &j);
    before = json_array_size(json_object_get(j, "lineage"));
    json_decref(j);
    TT_CHECK(run(s, calls[0], 3, "DE", NULL) == WB_OK);
    TT_CHECK(run(s, calls[1], 3, "DE", NULL) == WB_OK);
    TT_CHECK(run(s, calls[0], 2, "DE", NULL) == WB_OK);
    audit(s, &a1, NULL, &j);
    TT_CHECK_MSG(a1.inferences == a0.inferences + 8 &&
                     a1.inputs == a0.inputs + 3,
                 "%llu %llu", (unsigned long long)a1.inferences,
                 (unsigned long long)a1.inputs);
    TT_CHECK(a1.by_class[0] == a0.by_class[0] + 2 &&
             a1.by_class[3] == a0.by_class[3] + 1);
    lin = json_object_get(j, "lineage");
    TT_CHECK(json_array_size(lin) == before + 8);
    for (size_t k = 0; k < 8 && json_array_size(lin) == before + 8; k++) {
        uint64_t want = k < 6 ? calls[k / 3][k % 3] : calls[0][k - 6];
        json_int_t got = json_integer_value(
            json_object_get(json_array_get(lin, before + k), "input"));
        TT_CHECK_MSG(got == (json_int_t)want, "lineage %zu: %lld", k,
                     (long long)got);
    }
    json_decref(j);
}

/* Erasing an output record's payload keeps its inputs counted, by their
 * leaf hashes and the record's class. */
static void
test_erased_outputs(struct wb_site *s)
{
    struct wb_model_audit a0, a1;
    struct wb_infer_opts o;
    struct wb_infer_result *r = NULL;
    uint64_t in[2];
    uint64_t out = 0;
    char *t0 = NULL;
    char *t1 = NULL;

    in[0] = add(s, "important");
    in[1] = add(s, "important");
    memset(&o, 0, sizeof o);
    o.policy = pol;
    o.run_in = "DE";
    o.date = (int32_t)(time(NULL) / 86400);
    TT_CHECK(wb_infer(s, ID, in, 2, &o, &r) == WB_OK);
    TT_CHECK(r != NULL && r->ran == 2 &&
             r->rows[0].output == r->rows[1].output);
    out = r ? r->rows[0].output : 0;
    wb_infer_result_free(r);
    audit(s, &a0, &t0, NULL);
    TT_CHECK(wb_site_erase_many(s, &out, 1, "test", NULL) == WB_OK);
    audit(s, &a1, &t1, NULL);
    /* and lists them, by leaf hash: the indexes went with the payload */
    for (size_t k = 0; k < 2; k++) {
        char leaf[2 * WB_HASH_BYTES + 1];
        char want[256];
        json_t *j = NULL;
        json_t *v;
        size_t i;
        bool found = false;
        leaf_hex(s, in[k], leaf);
        snprintf(want, sizeof want, "  entry %llu <- (payload erased) %s\n",
                 (unsigned long long)out, leaf);
        TT_CHECK_MSG(t1 && strstr(t1, want) != NULL, "%s", t1 ? t1 : "");
        audit(s, &a1, NULL, &j);
        json_array_foreach(json_object_get(j, "lineage"), i, v)
        {
            found = found ||
                    (json_integer_value(json_object_get(v, "output")) ==
                         (json_int_t)out &&
                     json_is_null(json_object_get(v, "input")) &&
                     json_is_true(json_object_get(v, "erased")) &&
                     strcmp(json_string_value(json_object_get(v, "input_leaf")),
                            leaf) == 0);
        }
        TT_CHECK_MSG(found, "lineage of erased record %llu, input %zu",
                     (unsigned long long)out, k);
        json_decref(j);
    }
    free(t0);
    free(t1);
    TT_CHECK_MSG(a1.inferences == a0.inferences && a1.inputs == a0.inputs &&
                     a1.by_class[3] == a0.by_class[3],
                 "%llu/%llu inputs, %llu/%llu important",
                 (unsigned long long)a1.inputs, (unsigned long long)a0.inputs,
                 (unsigned long long)a1.by_class[3],
                 (unsigned long long)a0.by_class[3]);
}

int
main(void)
{
    struct wb_site *s = NULL;
    struct wb_signer *vendor = NULL;
    char *vkey = NULL;
    char *spec = NULL;
    json_t *j = NULL;

    snprintf(dir, sizeof dir, "/tmp/wbaudit.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL ||
        wb_policy_load_dir(WB_SRC_DIR "/profiles", &pol) != WB_OK) {
        return 1;
    }
    j = json_load_file(MODELS "/bearing-risk.spec.json", 0, NULL);
    spec = j ? json_dumps(j, 0) : NULL;
    TT_CHECK(spec != NULL);
    TT_CHECK(wb_site_create(at("site"), "audit.waybill.example", NULL, 0, &s) ==
             WB_OK);
    TT_CHECK(wb_signer_generate("vendor.example", &vendor) == WB_OK);
    TT_CHECK(wb_signer_verifier_key(vendor, &vkey) == WB_OK);
    if (s != NULL && vendor != NULL && spec != NULL) {
        char pkg[256];
        snprintf(pkg, sizeof pkg, "%s/pkg", dir);
        TT_CHECK(wb_model_pack(spec, strlen(spec), MODELS "/bearing-risk.ubj",
                               pkg) == WB_OK);
        TT_CHECK(wb_model_sign(pkg, vendor) == WB_OK);
        TT_CHECK(wb_model_register(s, pkg, vkey, NULL) == WB_OK);
        test_erased_decisions(s);
        test_repeated_inputs(s);
        test_erased_outputs(s);
    }
    free(spec);
    json_decref(j);
    wb_site_close(s);
    wb_signer_free(vendor);
    wb_free(vkey);
    wb_policy_free(pol);
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            tt_fail++;
        }
    }
    return TT_REPORT();
}
