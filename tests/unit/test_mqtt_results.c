/* SPDX-License-Identifier: Apache-2.0 */
/* The models' results on their way to the broker (src/mqtt/results.c):
 * a record is cleared only once every row has its PUBACK, in publishing
 * order; a message id libmosquitto hands out again while its message is
 * outstanding leaves that record owed, and does not stall the rest.
 * Publishing goes through a real libmosquitto client that is not
 * connected: it keeps each QoS 1 message and gives it an id
 * (MOSQ_ERR_NO_CONN), as it does while the daemon reconnects; ids are
 * libmosquitto's, 1, 2, 3, ... for a new client, and come round after
 * 65,535. A refusal that may pass (quota exceeded) leaves the record owed
 * and has it published again from the log a second later; one that will
 * not (not authorised) lets it be cleared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/model.h>
#include <waybill/waybill.h>

#include "mqtt/mqtt_int.h"
#include "tinytest.h"

static const char name[] = "mqtt result x@1 00";
static const char names[1][WB_PENDING_CONSUMER_MAX + 1] = {
    "mqtt result x@1 00"};

/* The model entry every result here is published for, and its manifest's
 * one output. */
static const struct wb_mqtt_model m = {"plant/+/tele",        "x@1", "DE", NULL,
                                       "plant/{device}/risk", false};
static struct wb_model_output risk = {"risk", "1"};
static const struct wb_model_manifest mf = {.output = &risk, .output_count = 1};

/* Note records as owed (as the models' batch does). */
static void
owe(struct wb_site *s, const uint64_t *rec, size_t n)
{
    TT_CHECK(wb_site_begin(s) == WB_OK);
    for (size_t i = 0; i < n; i++) {
        TT_CHECK(wb_site_pending_add(s, name, rec[i]) == WB_OK);
    }
    TT_CHECK(wb_site_commit(s) == WB_OK);
}

/* Clear what was acknowledged; is record still owed? */
static bool
owed_after_settle(struct wb_site *s, struct wb__mqtt_results *r, uint64_t rec)
{
    uint64_t got = 0;
    size_t n = 0;

    TT_CHECK(wb_site_begin(s) == WB_OK);
    TT_CHECK(wb__mqtt_results_settle(r, s, names) == WB_OK);
    TT_CHECK(wb_site_commit(s) == WB_OK);
    TT_CHECK(wb_site_pending_list(s, name, rec, &got, 1, &n) == WB_OK);
    return n == 1 && got == rec;
}

static void
row(struct wb__mqtt_results *r, struct mosquitto *mosq, uint64_t rec)
{
    const float v = 0.5f;

    wb__mqtt_results_publish(r, mosq, 0, &m, "press-7", 1, rec, &v, 1);
}

/* An inference record of model x@1 with one output, as the log holds it
 * (what a retry reads back). */
static uint64_t
inference(struct wb_site *s)
{
    static const char pay[] =
        "{\"model\": \"x@1\", \"inputs\": [1], \"outputs\": "
        "[{\"risk\": 0.5}]}";
    struct wb_append e;
    uint64_t idx = 0;

    memset(&e, 0, sizeof e);
    e.claims.kind = "inference";
    e.claims.jurisdiction = "DE";
    e.claims.sub = "press-7";
    e.payload = (const uint8_t *)pay;
    e.payload_len = sizeof pay - 1;
    TT_CHECK(wb_site_append(s, &e, &idx) == WB_OK);
    return idx;
}

/* The broker's refusals: a lasting one lets the record be cleared; one
 * that may pass keeps it owed and publishes it again, from the log. */
static void
refusals(struct wb_site *s)
{
    struct wb__mqtt_results *r = NULL;
    struct mosquitto *mosq = mosquitto_new(NULL, true, NULL);
    uint64_t a = inference(s);
    uint64_t b = inference(s);
    size_t rows = 0;

    TT_CHECK(mosq != NULL && wb__mqtt_results_open(&r) == WB_OK);
    if (mosq == NULL || r == NULL) {
        return;
    }
    owe(s, (const uint64_t[]){a, b}, 2);
    row(r, mosq, a); /* id 1 */
    row(r, mosq, b); /* id 2 */
    wb__mqtt_results_handed(r, 0, b);
    wb__mqtt_results_acked(r, 1, 0x87); /* not authorised: for good */
    wb__mqtt_results_acked(r, 2, 0x97); /* quota exceeded: may pass */
    TT_CHECK(wb__mqtt_results_awaited(r) == 0);
    TT_CHECK(wb__mqtt_results_retrying(r) == 1);
    TT_CHECK(!owed_after_settle(s, r, a));
    TT_CHECK(owed_after_settle(s, r, b));
    /* not within the second it left the window; then from the log */
    TT_CHECK(wb__mqtt_results_resume(r, s, mosq, 0, &m, &mf, name, &rows) ==
             WB_OK);
    TT_CHECK(rows == 0 && wb__mqtt_results_retrying(r) == 1);
    sleep(2);
    TT_CHECK(wb__mqtt_results_resume(r, s, mosq, 0, &m, &mf, name, &rows) ==
             WB_OK);
    TT_CHECK(rows == 1 && wb__mqtt_results_retrying(r) == 0);
    TT_CHECK(wb__mqtt_results_awaited(r) == 1);
    wb__mqtt_results_acked(r, 3, 0);
    TT_CHECK(!owed_after_settle(s, r, b));
    /* stopping: nothing more from memory, so the drain can end */
    TT_CHECK(wb__mqtt_results_direct(r, 0));
    wb__mqtt_results_stop(r);
    TT_CHECK(!wb__mqtt_results_direct(r, 0));
    wb__mqtt_results_free(r);
    mosquitto_destroy(mosq);
}

/* After a start, a model's owed results go out a page (64 records) a
 * call before its new results go direct: it is behind until the last
 * page, which may be full, is out (the start says "any others follow"
 * only while it is). */
static void
pages(struct wb_site *s)
{
    struct mosquitto *mosq = mosquitto_new(NULL, true, NULL);
    uint64_t rec[65];
    size_t rows = 0;

    TT_CHECK(wb_site_begin(s) == WB_OK);
    for (size_t i = 0; i < 65; i++) {
        rec[i] = inference(s);
    }
    TT_CHECK(wb_site_commit(s) == WB_OK);
    for (size_t owed = 64; owed <= 65 && mosq != NULL; owed++) {
        struct wb__mqtt_results *r = NULL;
        TT_CHECK(wb__mqtt_results_open(&r) == WB_OK);
        owe(s, rec, owed);
        TT_CHECK(wb__mqtt_results_behind(r, 1));
        TT_CHECK(wb__mqtt_results_resume(r, s, mosq, 0, &m, &mf, name, &rows) ==
                 WB_OK);
        TT_CHECK_MSG(wb__mqtt_results_behind(r, 1) == (owed > 64),
                     "%zu owed: behind after the first page", owed);
        TT_CHECK(wb__mqtt_results_resume(r, s, mosq, 0, &m, &mf, name, &rows) ==
                 WB_OK);
        TT_CHECK(!wb__mqtt_results_behind(r, 1));
        TT_CHECK(wb__mqtt_results_direct(r, 0));
        TT_CHECK_MSG(rows == owed, "%zu rows published of %zu", rows, owed);
        rows = 0;
        wb__mqtt_results_free(r);
        /* what the broker never acknowledged stays owed: clear it */
        TT_CHECK(wb_site_begin(s) == WB_OK);
        TT_CHECK(wb_site_pending_done(s, name, rec[0], rec[owed - 1]) == WB_OK);
        TT_CHECK(wb_site_commit(s) == WB_OK);
    }
    mosquitto_destroy(mosq);
}

int
main(void)
{
    struct wb_site *s = NULL;
    struct wb__mqtt_results *r = NULL;
    struct mosquitto *mosq;
    char dir[64];
    char cmd[96];
    int mid = 0;

    snprintf(dir, sizeof dir, "/tmp/wbres.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL ||
        mosquitto_lib_init() != MOSQ_ERR_SUCCESS) {
        return 1;
    }
    mosq = mosquitto_new(NULL, true, NULL);
    TT_CHECK(mosq != NULL);
    TT_CHECK(wb_site_create(dir, "results.waybill.example", NULL, 0, &s) ==
             WB_OK);
    TT_CHECK(wb__mqtt_results_open(&r) == WB_OK);
    if (s == NULL || r == NULL || mosq == NULL) {
        return 1;
    }

    /* record 10: rows with ids 1-3; record 11: ids 4-5 */
    owe(s, (const uint64_t[]){10, 11}, 2);
    row(r, mosq, 10);
    row(r, mosq, 10);
    row(r, mosq, 10);
    row(r, mosq, 11);
    row(r, mosq, 11);
    TT_CHECK(wb__mqtt_results_awaited(r) == 5);
    /* 11's PUBACKs first: it waits for 10, which is still in flight */
    wb__mqtt_results_acked(r, 4, 0);
    wb__mqtt_results_acked(r, 5, 0);
    TT_CHECK(wb__mqtt_results_awaited(r) == 3);
    TT_CHECK(!wb__mqtt_results_due(r, true));
    TT_CHECK(owed_after_settle(s, r, 10) && owed_after_settle(s, r, 11));
    /* two of 10's three: still owed */
    wb__mqtt_results_acked(r, 1, 0);
    wb__mqtt_results_acked(r, 3, 0);
    wb__mqtt_results_acked(r, 3, 0); /* a PUBACK twice counts once */
    TT_CHECK(owed_after_settle(s, r, 10) && owed_after_settle(s, r, 11));
    /* a PUBACK that is no result's is ignored */
    wb__mqtt_results_acked(r, 999, 0);
    wb__mqtt_results_acked(r, 2, 0x10); /* "no matching subscribers": ok */
    TT_CHECK(wb__mqtt_results_awaited(r) == 0);
    TT_CHECK(wb__mqtt_results_due(r, true));
    TT_CHECK(!owed_after_settle(s, r, 10) && !owed_after_settle(s, r, 11));
    refusals(s);
    pages(s);

    /* record 20 (id 6) stays unacknowledged while libmosquitto goes round
     * all its ids: 65,534 later messages of records 21.., each
     * acknowledged at once. When id 6 is handed out again, record 20 can
     * no longer be told done: it stays owed, and does not hold back the
     * records behind it */
    if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload")) {
        /* libmosquitto walks its whole queue on every publish: 65,535
         * queued messages take ~30 s natively, far too long under
         * valgrind (the ASan run and the plain run cover it) */
        printf("skipping the id reuse under valgrind\n");
        goto out;
    }
    owe(s, (const uint64_t[]){20, 21, 100000}, 3);
    row(r, mosq, 20);
    mid = 7;
    for (uint64_t k = 0; k < 65534; k++) {
        row(r, mosq, 21 + k);
        wb__mqtt_results_acked(r, mid, 0);
        mid = mid == 65535 ? 1 : mid + 1;
    }
    /* mid is 6 again: the next message of record 100000 takes it */
    TT_CHECK(mid == 6);
    TT_CHECK(wb__mqtt_results_awaited(r) == 1);
    TT_CHECK(owed_after_settle(s, r, 21)); /* waits for 20 */
    row(r, mosq, 100000);
    wb__mqtt_results_round(r);
    TT_CHECK(wb__mqtt_results_awaited(r) == 0);
    wb__mqtt_results_acked(r, 6, 0);
    TT_CHECK(owed_after_settle(s, r, 20));     /* its PUBACK never told */
    TT_CHECK(!owed_after_settle(s, r, 21));    /* cleared behind it */
    TT_CHECK(owed_after_settle(s, r, 100000)); /* untracked: ring full */

out:
    wb__mqtt_results_free(r);
    wb__mqtt_results_free(NULL);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    wb_site_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) {
        return 1;
    }
    return TT_REPORT();
}
