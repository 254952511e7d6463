/* SPDX-License-Identifier: Apache-2.0 */
/* waybill infer: the governed call on selected log records. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#ifndef WB_DOMESTIC
#define WB_DOMESTIC 0
#endif

static const char usage[] =
    "usage: waybill infer --model ID --input SELECTION --run-in CC\n"
    "         [--purpose P] [--date YYYY-MM-DD] [--governance "
    "enforce|log-only]\n"
    "         [--audit-trail FILE] [--hook LIBRARY[:ARG]]\n"
    "SELECTION: log indexes, e.g. 5 or 3-10 or 3,7,9 or 1-4,9";

struct iargs {
    const char *model;
    const char *input;
    const char *run_in;
    const char *purpose;
    const char *trail;
    const char *hook;
    int32_t date;
    enum wb_infer_mode mode;
};

static int
parse(const struct cli *c, int argc, char **argv, struct iargs *a)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},
        {"input", required_argument, 0, 'i'},
        {"run-in", required_argument, 0, 'r'},
        {"purpose", required_argument, 0, 'p'},
        {"date", required_argument, 0, 'd'},
        {"governance", required_argument, 0, 'g'},
        {"audit-trail", required_argument, 0, 'a'},
        {"hook", required_argument, 0, 'h'},
        {0, 0, 0, 0}};
    unsigned seen = 0; /* --date 1, --governance 2 */
    int ch;

    memset(a, 0, sizeof *a);
    a->date = (int32_t)((int64_t)time(NULL) / 86400);
    a->mode = WB_DOMESTIC ? WB_INFER_LOG_ONLY : WB_INFER_ENFORCE;
    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        switch (ch) {
        case 'm':
            if (a->model != NULL) {
                return cli_usage(c, "--model: give it once");
            }
            a->model = optarg;
            break;
        case 'i':
            if (a->input != NULL) {
                return cli_usage(c, "--input: give it once");
            }
            a->input = optarg;
            break;
        case 'r':
            if (a->run_in != NULL) {
                return cli_usage(c, "--run-in: give it once");
            }
            a->run_in = optarg;
            break;
        case 'p':
            if (a->purpose != NULL) {
                return cli_usage(c, "--purpose: give it once");
            }
            a->purpose = optarg;
            break;
        case 'a':
            if (a->trail != NULL) {
                return cli_usage(c, "--audit-trail: give it once");
            }
            a->trail = optarg;
            break;
        case 'h':
            if (a->hook != NULL) {
                return cli_usage(c, "--hook: give it once");
            }
            a->hook = optarg;
            break;
        case 'd':
            if (seen & 1) {
                return cli_usage(c, "--date: give it once");
            }
            seen |= 1;
            if (!cli_date(c, "--date", optarg, &a->date)) {
                return EXIT_USAGE;
            }
            break;
        case 'g':
            if (seen & 2) {
                return cli_usage(c, "--governance: give it once");
            }
            seen |= 2;
            if (strcmp(optarg, "enforce") == 0) {
                a->mode = WB_INFER_ENFORCE;
            } else if (strcmp(optarg, "log-only") == 0) {
                a->mode = WB_INFER_LOG_ONLY;
            } else {
                return cli_usage(c,
                                 "--governance: enforce or log-only, not "
                                 "\"%s\"",
                                 optarg);
            }
            break;
        default:
            return cli_usage(c, "%s", usage);
        }
    }
    if (optind != argc) {
        return cli_usage(c, "unexpected \"%s\"\n%s", argv[optind], usage);
    }
    if (!a->model || !a->input || !a->run_in) {
        /* where the model runs is what residency is checked against: never
         * assumed */
        return cli_usage(c, "%s is required\n%s",
                         !a->model   ? "--model"
                         : !a->input ? "--input"
                                     : "--run-in CC (where the model runs)",
                         usage);
    }
    return 0;
}

/* Each line of why (one reason a line), indented under its row. */
static void
print_reasons(const char *why)
{
    const char *p = why != NULL ? why : "";

    do {
        size_t n = strcspn(p, "\n");
        printf("  %.*s\n", (int)n, p);
        p += n;
    } while (*p != '\0' && *++p != '\0');
}

static void
print_rows(const struct cli *c,
           const struct wb_model_manifest *m,
           const struct wb_infer_result *r,
           const struct iargs *a)
{
    json_t *rows = c->json ? json_array() : NULL;

    for (size_t i = 0; i < r->count; i++) {
        const struct wb_infer_row *w = &r->rows[i];
        json_t *vals = json_object();
        for (size_t j = 0; j < w->value_count && vals; j++) {
            json_object_set_new(vals, m->output[j].name,
                                cli_float(w->values[j]));
        }
        if (rows != NULL) {
            json_array_append_new(
                rows,
                json_pack("{s:I, s:b, s:b, s:o*, s:o*, s:o*}", "input",
                          (json_int_t)w->input, "permitted", w->permitted,
                          "ran", w->ran, "output",
                          w->ran ? json_integer((json_int_t)w->output) : NULL,
                          "outputs", w->ran ? vals : NULL, "denied",
                          w->permitted ? NULL
                                       : json_pack("{s:I, s:s}", "decision",
                                                   (json_int_t)w->decision,
                                                   "why", w->why)));
            if (!w->ran) {
                json_decref(vals);
            }
            continue;
        }
        json_decref(vals);
        if (!w->permitted) {
            printf("entry %llu: denied%s (decision entry %llu):\n",
                   (unsigned long long)w->input,
                   w->ran ? ", run (log-only)" : "",
                   (unsigned long long)w->decision);
            print_reasons(w->why);
        }
        if (w->ran) {
            printf("entry %llu -> entry %llu:", (unsigned long long)w->input,
                   (unsigned long long)w->output);
            for (size_t j = 0; j < w->value_count; j++) {
                printf(" %s=%.9g", m->output[j].name, (double)w->values[j]);
            }
            printf("\n");
        }
    }
    if (rows != NULL) {
        json_t *refused = r->refused ? json_pack("{s:I, s:s}", "decision",
                                                 (json_int_t)r->refusal, "why",
                                                 r->refused_why)
                                     : NULL;
        /* ok as the exit code says: false when enforced denials exit 1 */
        cli_json(json_pack(
            "{s:b, s:s, s:s, s:I, s:I, s:o*, s:o}", "ok",
            !(r->denied > 0 && a->mode == WB_INFER_ENFORCE), "model", a->model,
            "governance", a->mode == WB_INFER_ENFORCE ? "enforce" : "log-only",
            "ran", (json_int_t)r->ran, "denied", (json_int_t)r->denied,
            "refused", refused ? refused : json_null(), "rows", rows));
    } else {
        if (r->refused) {
            printf("the call: refused, not enforced (decision entry %llu):\n",
                   (unsigned long long)r->refusal);
            print_reasons(r->refused_why);
        }
        printf("%s: ran %zu, denied %zu%s (governance %s)\n", a->model, r->ran,
               r->denied, r->refused ? ", the call refused" : "",
               a->mode == WB_INFER_ENFORCE ? "enforce" : "log-only");
    }
}

/* The governed call with policy p on the open site. */
static int
run(const struct cli *c,
    struct wb_site *s,
    struct wb_policy *p,
    const struct iargs *a,
    FILE *trail)
{
    struct wb_infer_hook hook = wb_infer_hook_audit_trail(trail);
    struct wb_infer_opts o;
    struct wb_infer_result *r = NULL;
    struct wb_model *m = NULL;
    uint64_t *idx = NULL;
    size_t n = 0;
    wb_err rc = wb_infer_selection_parse(a->input, &idx, &n);
    int code = 0;

    if (rc != WB_OK) {
        return cli_fail(c, rc, "--input");
    }
    for (size_t i = 0; i < n; i++) {
        /* a mistyped index is the caller's slip, not a refusal to log */
        if (idx[i] >= wb_site_size(s)) {
            code = cli_usage(c,
                             "--input: entry %llu is past the log's end (the "
                             "log has %llu); nothing run",
                             (unsigned long long)idx[i],
                             (unsigned long long)wb_site_size(s));
            wb_free(idx);
            return code;
        }
    }
    memset(&o, 0, sizeof o);
    o.policy = p;
    o.run_in = a->run_in;
    o.purpose = a->purpose;
    o.date = a->date;
    o.mode = a->mode;
    o.hooks = trail ? &hook : NULL;
    o.hook_count = trail ? 1 : 0;
    rc = wb_model_open_for(s, a->model, &o, &m);
    if (rc == WB_OK) {
        rc = wb_infer_run(s, m, idx, n, &o, &r);
    }
    if (rc == WB_OK) {
        print_rows(c, wb_model_manifest_of(m), r, a);
        code = r->denied > 0 && a->mode == WB_INFER_ENFORCE ? EXIT_VERIFY : 0;
    } else {
        /* the refusal's entry, as log-only reports it in "refused" */
        const char *why = NULL;
        uint64_t entry = wb_infer_refused_entry(&why);
        code = cli_fail_json(
            c, rc,
            entry != 0 ? json_pack("{s:{s:I, s:s}}", "refused", "decision",
                                   (json_int_t)entry, "why", why)
                       : NULL,
            "%s: nothing run", a->model);
    }
    wb_infer_result_free(r);
    wb_model_close(m);
    wb_free(idx);
    return code;
}

int
cmd_infer(struct cli *c, int argc, char **argv)
{
    struct wb_site *s = NULL;
    struct wb_policy *p = NULL;
    FILE *trail = NULL;
    struct iargs a;
    int code = parse(c, argc, argv, &a);

    if (code != 0) {
        return code;
    }
    if (a.hook != NULL) {
        /* LIBRARY[:ARG]: the plug-in's argument follows the first ':' */
        char lib[4096];
        const char *colon = strchr(a.hook, ':');
        size_t n = colon ? (size_t)(colon - a.hook) : strlen(a.hook);
        if (n >= sizeof lib) {
            return cli_usage(c, "--hook: the library path is too long");
        }
        memcpy(lib, a.hook, n);
        lib[n] = '\0';
        if (wb_infer_hook_load(lib, colon ? colon + 1 : NULL) != WB_OK) {
            return cli_usage(c, "--hook: %s", wb_errmsg());
        }
    }
    if (a.trail != NULL) {
        trail = fopen(a.trail, "a");
        if (trail == NULL) {
            /* a place that is not there is bad input, as for every file */
            wb_err rc = wb_err_from_errno(errno);
            wb_errmsg_set("%s: cannot open for appending: %s", a.trail,
                          strerror(errno));
            wb_infer_hook_detach_all();
            return cli_fail(c, rc, "--audit-trail");
        }
    }
    code = cli_policy(c, &p);
    if (code == 0) {
        code = cli_open(c, &s);
    }
    if (code == 0) {
        code = run(c, s, p, &a, trail);
    }
    wb_site_close(s);
    wb_policy_free(p);
    if (trail != NULL) {
        fclose(trail);
    }
    wb_infer_hook_detach_all();
    return code;
}
