/* SPDX-License-Identifier: Apache-2.0 */
/* Retention: expired payloads are erased through the erasure path (one
 * erasure entry each, the log still verifies), a legal minimum holds what
 * it covers, a dry run writes nothing, a second run finds nothing left, a
 * model registration is never erased, a kind that is kept takes no
 * erasure age,
 * and contradictory or empty rules are refused naming the rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "tinytest.h"

#define DAY 86400
#define NOW 1795000000LL

static wb_err
add(struct wb_site *s, const char *kind, const char *cls, int64_t age_days)
{
    struct wb_append e;

    memset(&e, 0, sizeof e);
    e.claims.kind = kind;
    e.claims.data_class = cls;
    e.claims.media = "text/plain";
    e.claims.iat = NOW - age_days * DAY - 60;
    e.payload = (const uint8_t *)"reading";
    e.payload_len = 7;
    return wb_site_append(s, &e, NULL);
}

int
main(void)
{
    char dir[64];
    char cmd[96];
    struct wb_site *s = NULL;
    struct wb_retention_report r;
    struct wb_verify_report v;
    uint8_t *p = NULL;
    size_t n = 0;
    int erased = 0;
    const struct wb_retention_rule rules[] = {
        /* personal telemetry: 30 days */
        {"record", "personal", 30, -1, "GDPR Art. 5(1)(e)"},
        /* transfer logs: at least 3 years, then erase after 4 */
        {"transfer", NULL, 4 * 365, 3 * 365, "transfer log retention"},
        /* everything of class important: a 1-year legal minimum */
        {NULL, "important", -1, 365, NULL},
        /* important records would expire after 90 days, but are held */
        {"record", "important", 90, -1, NULL},
    };
    const struct wb_retention_rule bad1[] = {{"record", NULL, -1, -1, NULL}};
    const struct wb_retention_rule bad2[] = {{"transfer", NULL, 10, 20, NULL}};
    /* a kind that is kept cannot have an erasure age (a minimum may) */
    const struct wb_retention_rule bad3[] = {{"maint", NULL, 30, -1, NULL}};
    const struct wb_retention_rule kept[] = {{"maint", NULL, -1, 1095, NULL}};
    /* a misspelt kind or class would never match: refused */
    const struct wb_retention_rule bad4[] = {{"recrod", NULL, 30, -1, NULL}};
    const struct wb_retention_rule bad5[] = {{NULL, "persnal", 30, -1, NULL}};

    snprintf(dir, sizeof dir, "/tmp/wbretention.XXXXXX");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return 1;
    }
    strcat(dir, "/site");
    TT_CHECK(wb_site_create(dir, "retention.waybill.example", NULL, 0, &s) ==
             WB_OK);
    if (s == NULL) {
        return TT_REPORT();
    }
    TT_CHECK(add(s, "record", "personal", 40) == WB_OK);      /* 0: erase */
    TT_CHECK(add(s, "record", "personal", 10) == WB_OK);      /* 1: keep */
    TT_CHECK(add(s, "record", "non-personal", 400) == WB_OK); /* 2: no rule */
    TT_CHECK(add(s, "transfer", "non-personal", 2 * 365) == WB_OK); /* 3 */
    TT_CHECK(add(s, "transfer", "non-personal", 5 * 365) == WB_OK); /* 4 */
    TT_CHECK(add(s, "record", "important", 200) == WB_OK); /* 5: held */
    TT_CHECK(add(s, "record", "important", 400) == WB_OK); /* 6: erase */

    TT_CHECK(wb_retention_run(s, rules, 4, NOW, true, &r) == WB_OK);
    TT_CHECK(r.scanned == 7 && r.expired == 4 && r.held == 1 && r.erased == 0);
    TT_CHECK(wb_site_size(s) == 7);

    TT_CHECK(wb_retention_run(s, rules, 4, NOW, false, &r) == WB_OK);
    TT_CHECK_MSG(r.expired == 4 && r.held == 1 && r.erased == 3,
                 "expired %llu held %llu erased %llu",
                 (unsigned long long)r.expired, (unsigned long long)r.held,
                 (unsigned long long)r.erased);
    TT_CHECK(r.first_erasure == 7 && wb_site_size(s) == 10);
    for (uint64_t i = 0; i < 7; i++) {
        TT_CHECK(wb_site_payload(s, i, &p, &n, &erased) == WB_OK);
        TT_CHECK_MSG(erased == (i == 0 || i == 4 || i == 6),
                     "entry %llu erased %d", (unsigned long long)i, erased);
        wb_free(p);
        p = NULL;
    }
    TT_CHECK(wb_site_verify(s, &v) == WB_OK && v.erased == 3);

    /* nothing left to do; erasure entries are never candidates */
    TT_CHECK(wb_retention_run(s, rules, 4, NOW, false, &r) == WB_OK);
    TT_CHECK(r.erased == 0 && r.held == 1 && wb_site_size(s) == 10);

    /* a rule for every kind passes over a model registration, which
     * wb_site_erase refuses too */
    {
        const struct wb_retention_rule all[] = {{NULL, NULL, 1, -1, NULL}};
        TT_CHECK(add(s, "model", NULL, 400) == WB_OK); /* 10 */
        TT_CHECK(wb_retention_run(s, all, 1, NOW, false, &r) == WB_OK);
        TT_CHECK_MSG(r.erased == 4 && r.scanned == 5,
                     "erased %llu scanned %llu", (unsigned long long)r.erased,
                     (unsigned long long)r.scanned);
        TT_CHECK(wb_site_payload(s, 10, &p, &n, &erased) == WB_OK && !erased);
        wb_free(p);
        p = NULL;
        TT_CHECK(wb_site_erase(s, 10, "tried", NULL) == WB_ERR_INVAL);
        TT_CHECK(strstr(wb_errmsg(), "registers a model") != NULL);
        TT_CHECK(wb_site_size(s) == 15);
    }

    TT_CHECK(wb_retention_run(s, bad1, 1, NOW, false, &r) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "rules[0]") != NULL);
    TT_CHECK(wb_retention_run(s, bad2, 1, NOW, false, &r) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "keeps at least") != NULL);
    TT_CHECK(wb_retention_run(s, bad3, 1, NOW, false, &r) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "rules[0]: maint entries are kept") != NULL);
    TT_CHECK(wb_retention_check(kept, 1) == WB_OK);
    TT_CHECK(wb_retention_check(bad4, 1) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "rules[0].kind: \"recrod\" is no entry "
                                 "kind") != NULL);
    TT_CHECK(wb_retention_check(bad5, 1) == WB_ERR_INVAL);
    TT_CHECK(strstr(wb_errmsg(), "rules[0].class: \"persnal\" is no data "
                                 "class") != NULL);
    TT_CHECK(wb_site_size(s) == 15);

    wb_site_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 5), dir);
    if (system(cmd) != 0) {
        tt_fail++;
    }
    return TT_REPORT();
}
