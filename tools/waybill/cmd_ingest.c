/* SPDX-License-Identifier: Apache-2.0 */
/* waybill ingest: records from a file or stdin into the log. A file is
 * checked whole before anything is written; stdin is streamed, committed
 * batch by batch. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <waybill/consent.h>

#include "cli.h"

#define MAX_LIST 64

static const char usage_text[] =
    "usage: waybill ingest [--device ID] [--purpose P]... [--class C]\n"
    "  [--jurisdiction CC] [--rights HOLDER] [--residency local-only|CC,..]\n"
    "  [--consent ID] [--format jsonl|csv|raw|cose] [--batch N] [--ack]\n"
    "  [--dry-run] [FILE|-]\n"
    "  (without --format: csv for a FILE named *.csv, else jsonl)";

struct ingest_args {
    struct wb_ingest_opts o;
    const char *purposes[MAX_LIST];
    const char *residency[MAX_LIST];
    char residency_buf[1024];
    bool ack;
    const char *path;
    const char *consent;       /* --consent ID */
    struct wb_consent *k;      /* its latest version */
    const char *residency_raw; /* --residency as given */
    struct wb_policy *policy;  /* the purpose vocabulary, with --purpose */
};

static void
on_commit(void *ctx, uint64_t first, uint64_t last)
{
    (void)ctx;
    printf("committed %llu %llu\n", (unsigned long long)first,
           (unsigned long long)last);
    fflush(stdout);
}

static bool
parse_format(const char *s, enum wb_ingest_format *f)
{
    static const char *const names[] = {"jsonl", "csv", "raw", "cose"};

    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *f = (enum wb_ingest_format)i;
            return true;
        }
    }
    return false;
}

/* "local-only" or a comma-separated list of jurisdictions. */
static bool
parse_residency(struct ingest_args *a, const char *s)
{
    char *tok;
    char *save = NULL;

    if (strcmp(s, "local-only") == 0) {
        a->o.residency_local_only = 1;
        return true;
    }
    snprintf(a->residency_buf, sizeof a->residency_buf, "%s", s);
    for (tok = strtok_r(a->residency_buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (a->o.residency_count == MAX_LIST) {
            return false;
        }
        a->residency[a->o.residency_count++] = tok;
    }
    a->o.residency = a->residency;
    return a->o.residency_count > 0;
}

/* The places and purposes given (wb_ingest_places_check, its field named
 * as the option), and no empty item in the residency list. */
static int
check_places(struct cli *c, const struct ingest_args *a, const char *raw)
{
    wb_err rc;

    if (raw != NULL && !a->o.residency_local_only &&
        (raw[0] == ',' || raw[strlen(raw) - 1] == ',' ||
         strstr(raw, ",,") != NULL)) {
        return cli_usage(c, "--residency: an empty item in \"%s\"", raw);
    }
    rc = wb_ingest_places_check(&a->o);
    if (rc == WB_ERR_INVAL) {
        return cli_usage(c, "--%s", wb_errmsg());
    }
    return rc == WB_OK ? 0 : cli_fail(c, rc, "ISO 3166 codes");
}

static int
parse_args(struct cli *c, struct ingest_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"device", required_argument, 0, 'd'},
        {"purpose", required_argument, 0, 'p'},
        {"class", required_argument, 0, 'c'},
        {"jurisdiction", required_argument, 0, 'j'},
        {"rights", required_argument, 0, 'r'},
        {"residency", required_argument, 0, 'R'},
        {"format", required_argument, 0, 'f'},
        {"batch", required_argument, 0, 'b'},
        {"ack", no_argument, 0, 'a'},
        {"dry-run", no_argument, 0, 'n'},
        {"consent", required_argument, 0, 'C'},
        {0, 0, 0, 0}};
    const char *residency = NULL;
    unsigned seen = 0; /* the options given, by index in opts */
    uint64_t n;
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        for (unsigned k = 0; ch != 'p' && opts[k].name != NULL; k++) {
            /* every option but --purpose names one thing */
            if (opts[k].val == ch && (seen & 1u << k) != 0) {
                return cli_usage(c, "--%s: give it once", opts[k].name);
            }
            seen |= opts[k].val == ch ? 1u << k : 0;
        }
        switch (ch) {
        case 'd':
            a->o.device = optarg;
            a->o.device_from = "--device";
            break;
        case 'p':
            if (a->o.purpose_count == MAX_LIST) {
                return cli_usage(c, "at most %d purposes", MAX_LIST);
            }
            a->purposes[a->o.purpose_count++] = optarg;
            a->o.purposes = a->purposes;
            break;
        case 'c':
            a->o.data_class = optarg;
            break;
        case 'j':
            a->o.jurisdiction = optarg;
            break;
        case 'r':
            a->o.rights = optarg;
            break;
        case 'R':
            residency = optarg;
            if (!parse_residency(a, optarg)) {
                return cli_usage(c, "--residency: local-only or CC,CC,...");
            }
            break;
        case 'f':
            if (!parse_format(optarg, &a->o.format)) {
                return cli_usage(c,
                                 "--format: jsonl, csv, raw or cose, not "
                                 "\"%s\"",
                                 optarg);
            }
            break;
        case 'b':
            if (!cli_u64(c, "--batch", optarg, &n)) {
                return EXIT_USAGE;
            }
            if (n == 0 || n > 1000000) {
                return cli_usage(c, "--batch: 1..1000000");
            }
            a->o.batch_size = (size_t)n;
            break;
        case 'a':
            a->ack = true;
            break;
        case 'n':
            a->o.dry_run = true;
            break;
        case 'C':
            a->consent = optarg;
            break;
        default:
            return cli_usage(c, "%s", usage_text);
        }
    }
    if (argc - optind > 1) {
        return cli_usage(c, "%s", usage_text);
    }
    a->path = optind < argc ? argv[optind] : "-";
    a->residency_raw = residency;
    if ((seen & 1u << 6) == 0) { /* opts[6] is --format */
        /* no --format: a file named *.csv is CSV, anything else JSON Lines */
        size_t len = strlen(a->path);
        bool csv = len > 4 && strcasecmp(a->path + len - 4, ".csv") == 0;
        a->o.format = csv ? WB_INGEST_CSV : WB_INGEST_JSONL;
    }
    return 0;
}

/* --consent ID: the latest version of the consent, which must be given or
 * renewed today, becomes every record's consent claim [ID, version]. */
static int
attach_consent(struct cli *c, struct wb_site *s, struct ingest_args *a)
{
    enum wb_consent_status st;
    wb_err rc;

    if (a->consent == NULL) {
        return 0;
    }
    rc = wb_consent_get(s, a->consent, 0, &a->k);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "--consent %s: nothing ingested", a->consent);
    }
    st = wb_consent_effective_state(a->k,
                                    (int32_t)((int64_t)time(NULL) / 86400));
    if (st != WB_CONSENT_GIVEN && st != WB_CONSENT_RENEWED) {
        wb_errmsg_set("consent %s (version %u) is %s, not given or renewed",
                      a->k->id, (unsigned)a->k->version,
                      wb_consent_state_name(st));
        return cli_fail(c, WB_ERR_INVAL, "--consent %s: nothing ingested",
                        a->consent);
    }
    a->o.consent_id = a->k->id;
    a->o.consent_version = a->k->version;
    return 0;
}

static int
report(struct cli *c,
       const struct ingest_args *a,
       const struct wb_ingest_stats *st)
{
    if (c->json) {
        cli_json(json_pack(
            "{s:b, s:b, s:I, s:I, s:I, s:I}", "ok", 1, "dry_run", a->o.dry_run,
            "records", (json_int_t)st->records, "first", (json_int_t)st->first,
            "last", (json_int_t)st->last, "batches", (json_int_t)st->batches));
    } else if (a->o.dry_run) {
        printf("checked %llu records; nothing written\n",
               (unsigned long long)st->records);
    } else if (st->records == 0) {
        printf("no records\n");
    } else {
        printf("ingested %llu records (entries %llu..%llu) in %llu "
               "batches\n",
               (unsigned long long)st->records, (unsigned long long)st->first,
               (unsigned long long)st->last, (unsigned long long)st->batches);
    }
    return 0;
}

int
cmd_ingest(struct cli *c, int argc, char **argv)
{
    struct ingest_args a;
    struct wb_ingest_stats st;
    struct wb_site *s = NULL;
    FILE *in = stdin;
    bool dry = false;
    bool seekable = false; /* a regular file: read twice, check first */
    wb_err rc;
    int code;

    memset(&a, 0, sizeof a);
    code = parse_args(c, &a, argc, argv);
    if (code == 0) {
        code = check_places(c, &a, a.residency_raw);
    }
    if (code == 0 && a.o.purpose_count > 0) {
        /* each --purpose in the vocabulary; without profiles, as the
         * HTTP and MQTT ingest do, the purposes go unchecked */
        char site[4096];
        const char *dir = cli_profiles_dir(c, site, sizeof site);
        if (wb_policy_load_dir(dir, &a.policy) != WB_OK) {
            fprintf(stderr,
                    "waybill ingest: warning: the purposes were not checked "
                    "against a purpose vocabulary (%s)\n",
                    wb_errmsg());
            wb_errmsg_clear();
        } else {
            a.o.policy = a.policy;
            code = check_places(c, &a, a.residency_raw);
        }
    }
    if (code != 0) {
        wb_policy_free(a.policy);
        return code;
    }
    a.o.source = strcmp(a.path, "-") == 0 ? "stdin" : a.path;
    a.o.on_commit = a.ack ? on_commit : NULL;
    if (strcmp(a.path, "-") != 0) {
        struct stat fst;
        if (stat(a.path, &fst) == 0 && S_ISDIR(fst.st_mode)) {
            wb_errmsg_set("is a directory");
            code = cli_fail(c, WB_ERR_INVAL, "cannot read %s", a.path);
            goto out;
        }
        /* a pipe (<(...), a FIFO) is read once, as stdin is */
        seekable = stat(a.path, &fst) == 0 && S_ISREG(fst.st_mode);
        in = fopen(a.path, "rb");
        if (in == NULL) {
            int e = errno;
            in = stdin; /* nothing to close */
            wb_errmsg_set("%s", strerror(e));
            code = cli_fail(c, e == ENOENT ? WB_ERR_NOTFOUND : WB_ERR_IO,
                            "cannot open %s", a.path);
            goto out;
        }
    }
    code = cli_open(c, &s);
    if (code == 0) {
        code = attach_consent(c, s, &a);
    }
    if (code != 0) {
        goto out;
    }
    /* a regular file is checked whole first, so bad input writes nothing
     * (a stream is committed batch by batch, as stdin) */
    dry = a.o.dry_run;
    if (in != stdin && !dry && seekable) {
        a.o.dry_run = true;
        rc = wb_ingest_stream(s, in, &a.o, &st);
        a.o.dry_run = false;
        if (rc != WB_OK) {
            code = cli_fail(c, rc, "nothing ingested");
            goto out;
        }
        rewind(in);
    }
    rc = wb_ingest_stream(s, in, &a.o, &st);
    if (rc != WB_OK) {
        code = st.records > 0 ? cli_fail(c, rc,
                                         "stopped after %llu committed records "
                                         "(entries %llu..%llu)",
                                         (unsigned long long)st.records,
                                         (unsigned long long)st.first,
                                         (unsigned long long)st.last)
                              : cli_fail(c, rc, "nothing ingested");
        goto out;
    }
    code = report(c, &a, &st);
out:
    wb_policy_free(a.policy);
    wb_consent_free(a.k);
    wb_site_close(s);
    if (in != stdin) {
        fclose(in);
    }
    return code;
}
