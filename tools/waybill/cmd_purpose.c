/* SPDX-License-Identifier: Apache-2.0 */
/* waybill purpose list|check: the purpose vocabulary, and whether a logged
 * record may be used for a purpose. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <waybill/consent.h>

#include "cli.h"

static const char usage_text[] =
    "usage: waybill purpose list\n"
    "       waybill purpose check --entry N --purpose P [--date DATE]";

static int
purpose_list(const struct cli *c, const struct wb_policy *pol)
{
    size_t n = wb_policy_purpose_count(pol);
    json_t *a = c->json ? json_array() : NULL;

    for (size_t i = 0; i < n; i++) {
        const char *id = wb_policy_purpose_name(pol, (int)i);
        const char *parent = wb_policy_purpose_parent(pol, (int)i);
        const char *dpv = wb_policy_purpose_dpv(pol, (int)i);
        const char *label = wb_policy_purpose_label(pol, (int)i);
        if (a != NULL) {
            json_array_append_new(a, json_pack("{s:s, s:s?, s:s?, s:s?}", "id",
                                               id, "parent", parent, "dpv", dpv,
                                               "label", label));
        } else {
            printf("%s\t%s\t%s\t%s\n", id, parent ? parent : "-",
                   dpv ? dpv : "-", label ? label : "-");
        }
    }
    if (a != NULL) {
        cli_json(json_pack("{s:o}", "purposes", a));
    }
    return 0;
}

struct check_args {
    uint64_t entry;
    bool has_entry;
    const char *purpose;
    int32_t date;
};

static int
parse_check(const struct cli *c, struct check_args *a, int argc, char **argv)
{
    static const struct option opts[] = {{"entry", required_argument, 0, 'e'},
                                         {"purpose", required_argument, 0, 'p'},
                                         {"date", required_argument, 0, 'd'},
                                         {0, 0, 0, 0}};
    int ch;

    a->date = (int32_t)((int64_t)time(NULL) / 86400);
    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 'e') {
            if (!cli_u64(c, "--entry", optarg, &a->entry)) {
                return EXIT_USAGE;
            }
            a->has_entry = true;
        } else if (ch == 'p') {
            a->purpose = optarg;
        } else if (ch == 'd') {
            if (!cli_date(c, "--date", optarg, &a->date)) {
                return EXIT_USAGE;
            }
        } else {
            return cli_usage(c, "%s", usage_text);
        }
    }
    if (optind != argc || !a->has_entry || a->purpose == NULL) {
        return cli_usage(c, "%s", usage_text);
    }
    return 0;
}

/* The answer: exit 0 permitted, 1 not, with one reason a line. */
static int
report(const struct cli *c,
       const struct check_args *a,
       bool permitted,
       char *why)
{
    char day[11];
    char *save = NULL;
    json_t *reasons = json_array();

    wb_date_format(a->date, day);
    for (char *r = strtok_r(why, "\n", &save); r != NULL;
         r = strtok_r(NULL, "\n", &save)) {
        if (c->json) {
            json_array_append_new(reasons, json_string(r));
        } else if (r == why) {
            printf("%s: entry %llu for %s on %s\n",
                   permitted ? "permitted" : "not permitted",
                   (unsigned long long)a->entry, a->purpose, day);
            printf("  %s\n", r);
        } else {
            printf("  %s\n", r);
        }
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:I, s:s, s:o}", "permitted", permitted,
                           "purpose", a->purpose, "entry", (json_int_t)a->entry,
                           "date", day, "reasons", reasons));
    } else {
        json_decref(reasons);
    }
    return permitted ? 0 : EXIT_VERIFY;
}

static int
purpose_check(const struct cli *c, int argc, char **argv)
{
    char why[WB_PURPOSE_WHY_MAX];
    struct check_args a;
    struct wb_policy *pol = NULL;
    struct wb_site *s = NULL;
    bool permitted = false;
    wb_err rc;
    int code;

    memset(&a, 0, sizeof a);
    code = parse_check(c, &a, argc, argv);
    if (code == 0) {
        code = cli_policy(c, &pol);
    }
    if (code == 0) {
        code = cli_open(c, &s);
    }
    if (code == 0) {
        rc = wb_purpose_check(s, pol, a.entry, a.purpose, a.date, &permitted,
                              why, sizeof why);
        code = rc == WB_OK ? report(c, &a, permitted, why)
                           : cli_fail(c, rc, "purpose check");
    }
    wb_site_close(s);
    wb_policy_free(pol);
    return code;
}

int
cmd_purpose(struct cli *c, int argc, char **argv)
{
    struct wb_policy *pol = NULL;
    int code;

    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        return purpose_check(c, argc - 1, argv + 1);
    }
    if (argc != 2 || strcmp(argv[1], "list") != 0) {
        cli_unexpected(argc, argv,
                       argc > 1 && strcmp(argv[1], "list") == 0 ? 2 : -1);
        return cli_usage(c, "%s", usage_text);
    }
    code = cli_policy(c, &pol);
    if (code == 0) {
        code = purpose_list(c, pol);
    }
    wb_policy_free(pol);
    return code;
}
