/* SPDX-License-Identifier: Apache-2.0 */
/* waybill policy check: transfer decisions under the loaded jurisdiction
 * profiles, recorded with the policy files they rest on. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <waybill/decision.h>

#include "cli.h"

#define SUBJECTS_MAX_BYTES (64u * 1024 * 1024)
#define SUBJECT_MAX        128

static const char check_usage[] =
    "usage: waybill policy check --request FILE|- [--subjects FILE] "
    "[--record] [--exit-code]";
static const char usage_text[] =
    "usage: waybill policy check --request FILE|- [--subjects FILE] "
    "[--record]\n"
    "         [--exit-code]\n"
    "       waybill policy load\n"
    "       waybill policy list\n"
    "       waybill policy show ID [--version N]\n"
    "       waybill policy history ID";

/* Split a subjects file into ids, one per line (blank lines skipped). */
static int
read_subjects(
    const struct cli *c, const char *path, char **text, char ***ids, size_t *n)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    size_t line = 0;
    wb_err rc = cli_read(path, SUBJECTS_MAX_BYTES, &buf, &len);
    char *p;

    *text = NULL;
    *ids = NULL;
    *n = 0;
    if (rc != WB_OK) {
        return cli_fail(c, rc, "--subjects %s", path);
    }
    p = (char *)buf;
    while (p < (char *)buf + len) {
        char *nl = strchr(p, '\n');
        size_t k;
        line++;
        if (nl != NULL) {
            *nl = '\0';
        }
        k = strlen(p);
        if (k > 0 && p[k - 1] == '\r') {
            p[--k] = '\0';
        }
        if (k > SUBJECT_MAX) {
            wb_free(buf);
            wb_free(*ids);
            *ids = NULL;
            return cli_usage(c, "%s:%zu: subject id over %d bytes", path, line,
                             SUBJECT_MAX);
        }
        if (k > 0) {
            if (*n == cap) {
                char **v;
                cap = cap ? cap * 2 : 1024;
                v = realloc(*ids, cap * sizeof *v);
                if (v == NULL) {
                    wb_free(buf);
                    return cli_fail(c, WB_ERR_NOMEM, "--subjects");
                }
                *ids = v;
            }
            (*ids)[(*n)++] = p;
        }
        if (nl == NULL) {
            break;
        }
        p = nl + 1;
    }
    *text = (char *)buf;
    return 0;
}

static int
policy_check(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"request", required_argument, 0, 'r'},
        {"subjects", required_argument, 0, 's'},
        {"record", no_argument, 0, 'R'},
        {"exit-code", no_argument, 0, 'e'},
        {0, 0, 0, 0}};
    const char *request = NULL;
    const char *subjects_path = NULL;
    bool record = false;
    bool exit_code = false;
    struct wb_policy *p = NULL;
    struct wb_site *s = NULL;
    struct wb_site_decision d;
    uint8_t *req = NULL;
    size_t req_len = 0;
    char *subjects_text = NULL;
    char **subjects = NULL;
    size_t subject_count = 0;
    char *out = NULL;
    int ret = 0;
    wb_err rc;
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        switch (ch) {
        case 'r':
            request = optarg;
            break;
        case 's':
            subjects_path = optarg;
            break;
        case 'R':
            record = true;
            break;
        case 'e':
            exit_code = true;
            break;
        default:
            return cli_usage(c, "%s", check_usage);
        }
    }
    if (request == NULL || optind != argc) {
        return cli_usage(c, "%s", check_usage);
    }
    rc = cli_read(request, WB_POLICY_REQUEST_MAX, &req, &req_len);
    if (rc != WB_OK) {
        ret = rc == WB_ERR_TOOBIG ? cli_usage(c, "--request %s: over %d bytes",
                                              request, WB_POLICY_REQUEST_MAX)
                                  : cli_fail(c, rc, "--request %s", request);
        goto out;
    }
    if (subjects_path != NULL) {
        ret = read_subjects(c, subjects_path, &subjects_text, &subjects,
                            &subject_count);
        if (ret != 0) {
            goto out;
        }
    }
    ret = cli_policy(c, &p);
    if (ret != 0) {
        goto out;
    }
    /* a site gives the registry and the tallies; without one (and without
     * --record or --subjects) the request is decided as it stands */
    rc = wb_site_open(c->dir, &s);
    if (rc == WB_ERR_NOTFOUND && !record && subjects_path == NULL) {
        memset(&d, 0, sizeof d);
        rc = wb_policy_request_parse(p, (const char *)req, req_len, &d.request);
        if (rc == WB_OK) {
            rc = wb_policy_decide(p, &d.request, &d.decision);
        }
    } else if (rc != WB_OK) {
        ret = cli_fail(c, rc, "cannot open site %s", c->dir);
        goto out;
    } else {
        rc = wb_site_decide(s, p, (const char *)req, req_len,
                            (const char *const *)subjects, subject_count,
                            record, &d);
    }
    if (rc != WB_OK) {
        ret = cli_fail(c, rc, "%s",
                       rc == WB_ERR_NOTFOUND ? "no profile for this exporter"
                       : record              ? "decision not recorded"
                                             : "bad request");
        goto out;
    }
    rc = wb_policy_decision_json(&d.decision, false, &out);
    if (rc != WB_OK) {
        ret = cli_fail(c, rc, "decision");
        goto out;
    }
    puts(out);
    if (d.policy_added > 0) {
        fprintf(stderr,
                "waybill: logged %zu policy file(s) in use that the policy "
                "register did not hold (see waybill policy list)\n",
                d.policy_added);
    }
    if (d.recorded) {
        fprintf(stderr, "waybill: decision recorded as entry %llu%s\n",
                (unsigned long long)d.entry,
                d.refused ? " (refused: no registered server)" : "");
    }
    /* a recorded attempt that may not go ahead is a denial (exit 1) */
    if ((exit_code || d.recorded) &&
        (d.decision.decision == WB_DENY ||
         d.decision.decision == WB_REQUIRE_MECHANISM)) {
        ret = EXIT_VERIFY;
    }
out:
    wb_free(out);
    wb_free(req);
    wb_free(subjects_text);
    free(subjects);
    wb_site_close(s);
    wb_policy_free(p);
    return ret;
}

int
cmd_policy(struct cli *c, int argc, char **argv)
{
    static const char *const subs[] = {"load", "list", "show", "history"};

    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        return policy_check(c, argc - 1, argv + 1);
    }
    for (size_t i = 0; argc >= 2 && i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i]) == 0) {
            return cli_policy_register(c, argc - 1, argv + 1);
        }
    }
    return cli_usage(c, "%s", usage_text);
}
