/* SPDX-License-Identifier: Apache-2.0 */
/* waybill pending [list] | pending drop NAME --reason TEXT: the work the
 * site still owes on logged entries (the daemon's models' runs and
 * results: docs/daemon.md, "Inference after a crash"), and dropping what
 * a removed model entry left, logged as a decision. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define OWED_MAX 1024

static const char usage_text[] =
    "usage: waybill pending [list]\n"
    "       waybill pending drop NAME --reason TEXT";

/* Who owes what, into a new *o (free) of *n. */
static wb_err
owed_all(struct wb_site *s, struct wb_pending_owed **o, size_t *n)
{
    *n = 0;
    *o = calloc(OWED_MAX, sizeof **o);
    return *o ? wb_site_pending_owed(s, *o, OWED_MAX, n) : WB_ERR_NOMEM;
}

static int
pending_list(const struct cli *c, struct wb_site *s)
{
    struct wb_pending_owed *o = NULL;
    json_t *a = c->json ? json_array() : NULL;
    size_t n = 0;
    wb_err rc = owed_all(s, &o, &n);

    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        if (a != NULL) {
            json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I}", "name",
                                               o[i].consumer, "entries",
                                               (json_int_t)o[i].count, "first",
                                               (json_int_t)o[i].first, "last",
                                               (json_int_t)o[i].last));
        } else {
            printf(
                "%s\t%llu entr%s, %llu..%llu\n", o[i].consumer,
                (unsigned long long)o[i].count, o[i].count == 1 ? "y" : "ies",
                (unsigned long long)o[i].first, (unsigned long long)o[i].last);
        }
    }
    free(o);
    if (rc != WB_OK) {
        json_decref(a);
        return cli_fail(c, rc, "pending");
    }
    if (a != NULL) {
        cli_json(json_pack("{s:o}", "owed", a));
    } else if (n == 0) {
        printf("nothing owed\n");
    }
    return 0;
}

/* What name owes, from the list (found false when nothing). */
static wb_err
owed_by(struct wb_site *s,
        const char *name,
        struct wb_pending_owed *out,
        bool *found)
{
    struct wb_pending_owed *o = NULL;
    size_t n = 0;
    wb_err rc = owed_all(s, &o, &n);

    *found = false;
    for (size_t i = 0; rc == WB_OK && i < n && !*found; i++) {
        if (strcmp(o[i].consumer, name) == 0) {
            *out = o[i];
            *found = true;
        }
    }
    free(o);
    return rc;
}

/* Drop name's owed work and log why, in one batch. */
static int
pending_drop(const struct cli *c, struct wb_site *s, int argc, char **argv)
{
    static const struct option opts[] = {{"reason", required_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    const char *reason = NULL;
    struct wb_pending_owed o;
    struct wb_append e;
    bool found = false;
    uint64_t entry = 0;
    char *doc = NULL;
    json_t *j;
    wb_err rc;
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch != 'r') {
            return cli_usage(c, "%s", usage_text);
        }
        reason = optarg;
    }
    if (optind + 1 != argc || reason == NULL || reason[0] == '\0') {
        return cli_usage(c, "%s", usage_text);
    }
    rc = wb_site_begin(s);
    if (rc == WB_OK) {
        rc = owed_by(s, argv[optind], &o, &found);
    }
    if (rc == WB_OK && !found) {
        wb_site_rollback(s);
        return cli_fail(c, WB_ERR_NOTFOUND,
                        "pending drop: nothing is owed by "
                        "\"%.256s\"",
                        argv[optind]);
    }
    if (rc == WB_OK) {
        rc = wb_site_pending_done(s, o.consumer, 0, INT64_MAX);
    }
    if (rc == WB_OK) {
        j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "event",
                      "owed-work-dropped", "name", o.consumer, "entries",
                      (json_int_t)o.count, "first", (json_int_t)o.first, "last",
                      (json_int_t)o.last, "reason", reason);
        doc = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(j);
        rc = doc ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK) {
        memset(&e, 0, sizeof e);
        e.claims.kind = "decision";
        e.claims.media = "application/json";
        e.payload = (const uint8_t *)doc;
        e.payload_len = strlen(doc);
        rc = wb_site_append(s, &e, &entry);
    }
    free(doc);
    rc = rc == WB_OK ? wb_site_commit(s) : (wb_site_rollback(s), rc);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "pending drop");
    }
    if (c->json) {
        cli_json(json_pack("{s:s, s:I, s:I}", "dropped", o.consumer, "entries",
                           (json_int_t)o.count, "decision", (json_int_t)entry));
    } else {
        printf("dropped %llu owed entr%s of %s (decision entry %llu)\n",
               (unsigned long long)o.count, o.count == 1 ? "y" : "ies",
               o.consumer, (unsigned long long)entry);
    }
    return 0;
}

int
cmd_pending(struct cli *c, int argc, char **argv)
{
    struct wb_site *s = NULL;
    bool list = argc == 1 || (argc == 2 && strcmp(argv[1], "list") == 0);
    bool drop = argc >= 2 && strcmp(argv[1], "drop") == 0;
    int code;

    if (!list && !drop) {
        return cli_usage(c, "%s", usage_text);
    }
    code = cli_open(c, &s);
    if (code == 0) {
        code =
            list ? pending_list(c, s) : pending_drop(c, s, argc - 1, argv + 1);
    }
    wb_site_close(s);
    return code;
}
