/* SPDX-License-Identifier: Apache-2.0 */
/* waybill report transfers|records|consents|maintenance [--from DATE]
 * [--to DATE]: a compliance report computed from the site's log (text,
 * or JSON under --json; docs/report.md). */
#include <getopt.h>
#include <stdio.h>

#include <waybill/report.h>

#include "cli.h"

static const char usage_text[] =
    "usage: waybill report transfers|records|consents|maintenance\n"
    "       [--from DATE] [--to DATE]   (the period [from, to), UTC)";

static int
parse(const struct cli *c,
      int argc,
      char **argv,
      enum wb_report_kind *kind,
      struct wb_report_period *p)
{
    static const struct option opts[] = {{"from", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {0, 0, 0, 0}};
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 'f') {
            if (!cli_date(c, "--from", optarg, &p->from)) {
                return EXIT_USAGE;
            }
            p->has_from = true;
        } else if (ch == 't') {
            if (!cli_date(c, "--to", optarg, &p->to)) {
                return EXIT_USAGE;
            }
            p->has_to = true;
        } else {
            return cli_usage(c, "%s", usage_text);
        }
    }
    if (optind + 1 != argc) {
        return cli_usage(c, "%s", usage_text);
    }
    if (wb_report_parse(argv[optind], kind) != WB_OK) {
        return cli_usage(c, "%s", wb_errmsg());
    }
    if (p->has_from && p->has_to && p->from >= p->to) {
        return cli_usage(c, "--to must be a later date than --from");
    }
    return 0;
}

int
cmd_report(struct cli *c, int argc, char **argv)
{
    struct wb_report_period p = {false, 0, false, 0};
    enum wb_report_kind kind = WB_REPORT_RECORDS;
    struct wb_site *s = NULL;
    struct wb_report *r = NULL;
    char *out = NULL;
    wb_err rc;
    int code = parse(c, argc, argv, &kind, &p);

    if (code == 0) {
        code = cli_open(c, &s);
    }
    if (code != 0) {
        return code;
    }
    rc = wb_report_make(s, kind, &p, 0, &r);
    if (rc == WB_OK) {
        rc = c->json ? wb_report_json(r, false, &out) : wb_report_text(r, &out);
    }
    if (rc == WB_OK) {
        fputs(out, stdout);
        if (c->json) {
            fputc('\n', stdout);
        }
    } else {
        code = cli_fail(c, rc, "report %s", wb_report_name(kind));
    }
    wb_free(out);
    wb_report_free(r);
    wb_site_close(s);
    return code;
}
