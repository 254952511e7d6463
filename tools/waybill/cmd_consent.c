/* SPDX-License-Identifier: Apache-2.0 */
/* waybill consent grant|answer|withdraw|allow|renew|revoke|show|history|list:
 * versioned consent records in the site's log. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <waybill/consent.h>

#include "cli.h"

static const char usage_text[] =
    "usage: waybill consent grant ID --subject S --controller C --purpose P\n"
    "         [--purpose P]... [--deny-purpose P]... --jurisdiction CC\n"
    "         [--category X]... [--store CC]... [--process CC]...\n"
    "         [--restrict CC]... [--recipient R]... [--retention-until DATE]\n"
    "         [--expires DATE] [--withdrawal-method TEXT] [--basis TEXT]\n"
    "         [--notice REF] [--state requested|given|refused]\n"
    "       waybill consent grant [ID] --from FILE|-\n"
    "       waybill consent answer ID given|refused\n"
    "       waybill consent withdraw ID [--purpose P] --reason TEXT\n"
    "       waybill consent allow ID --purpose P [--reason TEXT]\n"
    "       waybill consent renew ID [--expires DATE]\n"
    "       waybill consent revoke ID --reason TEXT\n"
    "       waybill consent show ID [--version N] [--date DATE]\n"
    "       waybill consent history ID\n"
    "       waybill consent list";

/* Repeated options of a grant. */
struct texts {
    const char *v[WB_CONSENT_LIST_MAX];
    size_t n;
};

struct grant_args {
    struct wb_consent c;
    struct wb_consent_purpose purposes[WB_CONSENT_LIST_MAX];
    struct texts categories, store, process, restrict_, recipients;
    const char *from;
    bool fields; /* any option other than --from */
};

static int32_t
today(void)
{
    return (int32_t)((int64_t)time(NULL) / 86400);
}

static bool
push(const struct cli *c, struct texts *t, const char *opt, const char *v)
{
    if (t->n == WB_CONSENT_LIST_MAX) {
        cli_usage(c, "%s: at most %d", opt, WB_CONSENT_LIST_MAX);
        return false;
    }
    t->v[t->n++] = v;
    return true;
}

static bool
push_purpose(const struct cli *c,
             struct grant_args *a,
             const char *p,
             bool granted)
{
    if (a->c.purpose_count == WB_CONSENT_LIST_MAX) {
        cli_usage(c, "--purpose/--deny-purpose: at most %d",
                  WB_CONSENT_LIST_MAX);
        return false;
    }
    a->purposes[a->c.purpose_count].id = p;
    a->purposes[a->c.purpose_count].granted = granted;
    a->c.purpose_count++;
    a->c.purposes = a->purposes;
    return true;
}

/* One grant option (a getopt code) into a; false after a usage message. */
static bool
grant_option(const struct cli *c, struct grant_args *a, int ch)
{
    a->fields = a->fields || ch != 'F';
    switch (ch) {
    case 'F':
        a->from = optarg;
        return true;
    case 's':
        a->c.subject = optarg;
        return true;
    case 'c':
        a->c.controller = optarg;
        return true;
    case 'p':
    case 'P':
        return push_purpose(c, a, optarg, ch == 'p');
    case 'j':
        a->c.jurisdiction = optarg;
        return true;
    case 'k':
        return push(c, &a->categories, "--category", optarg);
    case 'S':
        return push(c, &a->store, "--store", optarg);
    case 'R':
        return push(c, &a->process, "--process", optarg);
    case 'x':
        return push(c, &a->restrict_, "--restrict", optarg);
    case 'r':
        return push(c, &a->recipients, "--recipient", optarg);
    case 't':
        a->c.has_retention = true;
        return cli_date(c, "--retention-until", optarg, &a->c.retention_until);
    case 'e':
        a->c.has_expires = true;
        return cli_date(c, "--expires", optarg, &a->c.expires);
    case 'w':
        a->c.withdrawal_method = optarg;
        return true;
    case 'b':
        a->c.lawful_basis = optarg;
        return true;
    case 'n':
        a->c.notice = optarg;
        return true;
    case 'a':
        if (wb_consent_state_parse(optarg, &a->c.state) != WB_OK ||
            (a->c.state != WB_CONSENT_REQUESTED &&
             a->c.state != WB_CONSENT_GIVEN &&
             a->c.state != WB_CONSENT_REFUSED)) {
            cli_usage(c, "--state: requested, given or refused, not \"%s\"",
                      optarg);
            return false;
        }
        return true;
    default:
        cli_usage(c, "%s", usage_text);
        return false;
    }
}

static void
attach_lists(struct grant_args *a)
{
    a->c.data_categories = a->categories.v;
    a->c.data_category_count = a->categories.n;
    a->c.storage_locations = a->store.v;
    a->c.storage_location_count = a->store.n;
    a->c.processing_locations = a->process.v;
    a->c.processing_location_count = a->process.n;
    a->c.geographic_restrictions = a->restrict_.v;
    a->c.geographic_restriction_count = a->restrict_.n;
    a->c.recipients = a->recipients.v;
    a->c.recipient_count = a->recipients.n;
}

/* The options a grant from the command line cannot do without. */
static int
grant_required(const struct cli *c, const struct grant_args *a)
{
    if (a->c.id == NULL) {
        return cli_usage(c, "consent grant: give the consent ID");
    }
    if (a->c.subject == NULL) {
        return cli_usage(c, "consent grant: --subject is required");
    }
    if (a->c.controller == NULL) {
        return cli_usage(c, "consent grant: --controller is required");
    }
    if (a->c.purpose_count == 0) {
        return cli_usage(c, "consent grant: --purpose is required");
    }
    if (a->c.jurisdiction == NULL) {
        return cli_usage(c, "consent grant: --jurisdiction is required");
    }
    return 0;
}

static int
parse_grant(struct cli *c, struct grant_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, 0, 'F'},
        {"subject", required_argument, 0, 's'},
        {"controller", required_argument, 0, 'c'},
        {"purpose", required_argument, 0, 'p'},
        {"deny-purpose", required_argument, 0, 'P'},
        {"jurisdiction", required_argument, 0, 'j'},
        {"category", required_argument, 0, 'k'},
        {"store", required_argument, 0, 'S'},
        {"process", required_argument, 0, 'R'},
        {"restrict", required_argument, 0, 'x'},
        {"recipient", required_argument, 0, 'r'},
        {"retention-until", required_argument, 0, 't'},
        {"expires", required_argument, 0, 'e'},
        {"withdrawal-method", required_argument, 0, 'w'},
        {"basis", required_argument, 0, 'b'},
        {"notice", required_argument, 0, 'n'},
        {"state", required_argument, 0, 'a'},
        {0, 0, 0, 0}};
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (!grant_option(c, a, ch)) {
            return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        return cli_usage(c, "%s", usage_text);
    }
    a->c.id = optind < argc ? argv[optind] : NULL;
    if (a->from != NULL) {
        return a->fields ? cli_usage(c, "consent grant: --from FILE takes "
                                        "no other options")
                         : 0;
    }
    attach_lists(a);
    return grant_required(c, a);
}

/* The document of --from FILE, its id checked against ID when given. */
static int
read_from(const struct cli *c,
          const struct grant_args *a,
          struct wb_consent **doc)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    wb_err rc = cli_read(a->from, WB_CONSENT_DOC_MAX, &buf, &len);

    if (rc == WB_OK) {
        rc = wb_consent_from_json((const char *)buf, len, doc);
    }
    free(buf);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "%s", a->from);
    }
    if (a->c.id != NULL && strcmp(a->c.id, (*doc)->id) != 0) {
        int code = cli_usage(c,
                             "%s: the document is consent \"%s\", not "
                             "\"%s\"",
                             a->from, (*doc)->id, a->c.id);
        wb_consent_free(*doc);
        *doc = NULL;
        return code;
    }
    return 0;
}

/* Print the outcome of a change: what was recorded. */
static int
recorded(const struct cli *c, const struct wb_consent *k)
{
    if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:I, s:s, s:I}", "ok", 1, "id", k->id,
                           "version", (json_int_t)k->version, "state",
                           wb_consent_state_name(k->state), "entry",
                           (json_int_t)k->entry));
    } else {
        printf("consent %s version %u: %s (entry %llu)\n", k->id,
               (unsigned)k->version, wb_consent_state_name(k->state),
               (unsigned long long)k->entry);
    }
    return 0;
}

static int
consent_grant(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    struct grant_args *a = calloc(1, sizeof *a);
    struct wb_consent *doc = NULL;
    struct wb_consent *out = NULL;
    struct wb_policy *pol = NULL;
    int code;
    wb_err rc;

    if (a == NULL) {
        return cli_fail(c, WB_ERR_NOMEM, "consent grant");
    }
    code = parse_grant(c, a, argc, argv);
    if (code == 0 && a->from != NULL) {
        code = read_from(c, a, &doc);
    }
    if (code == 0) {
        code = cli_policy(c, &pol);
    }
    if (code == 0) {
        rc = wb_consent_grant(s, pol, doc != NULL ? doc : &a->c, &out);
        code = rc == WB_OK ? recorded(c, out)
                           : cli_fail(c, rc, "consent %s",
                                      doc != NULL ? doc->id : a->c.id);
    }
    wb_consent_free(out);
    wb_consent_free(doc);
    wb_policy_free(pol);
    free(a);
    return code;
}

static int
consent_answer(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    struct wb_consent *out = NULL;
    bool given;
    wb_err rc;
    int code;

    if (argc != 3 ||
        (strcmp(argv[2], "given") != 0 && strcmp(argv[2], "refused") != 0)) {
        return cli_usage(c, "usage: waybill consent answer ID given|refused");
    }
    given = strcmp(argv[2], "given") == 0;
    rc = wb_consent_answer(s, argv[1], given, &out);
    code = rc == WB_OK ? recorded(c, out) : cli_fail(c, rc, "%s", "");
    wb_consent_free(out);
    return code;
}

/* --purpose of a withdrawal must be in the vocabulary. */
static int
known_purpose(const struct cli *c, const char *purpose)
{
    struct wb_policy *pol = NULL;
    int code = cli_policy(c, &pol);

    if (code == 0 && wb_policy_purpose_find(pol, purpose) < 0) {
        code = cli_usage(c,
                         "--purpose: \"%s\" is not in the purpose "
                         "vocabulary (waybill purpose list)",
                         purpose);
    }
    wb_policy_free(pol);
    return code;
}

/* withdraw, allow, renew and revoke: ID and their options. */
static int
consent_change(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    static const struct option opts[] = {{"purpose", required_argument, 0, 'p'},
                                         {"reason", required_argument, 0, 'r'},
                                         {"expires", required_argument, 0, 'e'},
                                         {0, 0, 0, 0}};
    const char *what = argv[0];
    const char *purpose = NULL;
    const char *reason = NULL;
    struct wb_consent *out = NULL;
    int32_t expires = 0;
    bool has_expires = false;
    wb_err rc;
    int code = 0;
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 'p' &&
            (strcmp(what, "withdraw") == 0 || strcmp(what, "allow") == 0)) {
            purpose = optarg;
        } else if (ch == 'r' && strcmp(what, "renew") != 0) {
            reason = optarg;
        } else if (ch == 'e' && strcmp(what, "renew") == 0) {
            if (!cli_date(c, "--expires", optarg, &expires)) {
                return EXIT_USAGE;
            }
            has_expires = true;
        } else {
            return cli_usage(c, "%s", usage_text);
        }
    }
    if (argc - optind != 1) {
        return cli_usage(c, "%s", usage_text);
    }
    if (strcmp(what, "allow") == 0 && purpose == NULL) {
        return cli_usage(c, "consent allow: --purpose P is required");
    }
    if (strcmp(what, "renew") != 0 && strcmp(what, "allow") != 0 &&
        (reason == NULL || reason[0] == '\0')) {
        return cli_usage(c, "consent %s: --reason TEXT is required", what);
    }
    if (purpose != NULL) {
        code = known_purpose(c, purpose);
    }
    if (code != 0) {
        return code;
    }
    if (strcmp(what, "withdraw") == 0) {
        rc = wb_consent_withdraw(s, argv[optind], purpose, reason, &out);
    } else if (strcmp(what, "allow") == 0) {
        rc = wb_consent_allow(s, NULL, argv[optind], purpose, reason, &out);
    } else if (strcmp(what, "renew") == 0) {
        rc = wb_consent_renew(s, argv[optind], has_expires ? &expires : NULL,
                              &out);
    } else {
        rc = wb_consent_revoke(s, argv[optind], reason, &out);
    }
    /* the library's messages name the consent */
    code = rc == WB_OK ? recorded(c, out) : cli_fail(c, rc, "%s", "");
    wb_consent_free(out);
    return code;
}

/* The stored document of k as a JSON value. */
static json_t *
document(const struct wb_consent *k)
{
    char *doc = NULL;
    json_t *j = NULL;

    if (wb_consent_to_json(k, &doc) == WB_OK) {
        j = json_loads(doc, 0, NULL);
    }
    wb_free(doc);
    return j;
}

/* An object of a document as text: purpose flags spelled out, else
 * "key value" pairs. */
static void
print_object(const char *key, json_t *v)
{
    const char *k;
    json_t *x;
    bool first = true;

    json_object_foreach(v, k, x)
    {
        if (strcmp(key, "purposes") == 0) {
            printf("%s%s (%s)", first ? "" : ", ", k,
                   json_is_true(x) ? "granted" : "denied");
        } else {
            printf("%s%s %s", first ? "" : ", ", k, json_string_value(x));
        }
        first = false;
    }
}

/* One JSON value of a document as text: lists joined, flags spelled. */
static void
print_value(const char *key, json_t *v)
{
    json_t *x;
    size_t i;

    if (json_is_string(v)) {
        fputs(json_string_value(v), stdout);
    } else if (json_is_integer(v)) {
        printf("%lld", (long long)json_integer_value(v));
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            printf("%s%s", i ? ", " : "", json_string_value(x));
        }
        fputs(json_array_size(v) ? "" : "-", stdout);
    } else if (json_is_object(v)) {
        print_object(key, v);
    } else {
        fputs("-", stdout);
    }
}

static void
print_document(json_t *doc)
{
    const char *k;
    json_t *v;

    json_object_foreach(doc, k, v)
    {
        printf("%s: ", k);
        print_value(k, v);
        fputc('\n', stdout);
    }
}

static int
show_one(const struct cli *c, const struct wb_consent *k, int32_t date)
{
    enum wb_consent_status eff = wb_consent_effective_state(k, date);
    json_t *doc = document(k);
    char day[11];

    if (doc == NULL) {
        return cli_fail(c, WB_ERR_NOMEM, "consent %s", k->id);
    }
    wb_date_format(date, day);
    if (c->json) {
        cli_json(json_pack(
            "{s:s, s:I, s:I, s:s, s:s, s:s, s:o}", "id", k->id, "version",
            (json_int_t)k->version, "entry", (json_int_t)k->entry, "state",
            wb_consent_state_name(k->state), "effective_state",
            wb_consent_state_name(eff), "date", day, "document", doc));
        return 0;
    }
    printf("entry: %llu\n", (unsigned long long)k->entry);
    print_document(doc);
    printf("effective state on %s: %s\n", day, wb_consent_state_name(eff));
    json_decref(doc);
    return 0;
}

static int
consent_show(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    static const struct option opts[] = {{"version", required_argument, 0, 'v'},
                                         {"date", required_argument, 0, 'd'},
                                         {0, 0, 0, 0}};
    struct wb_consent *k = NULL;
    uint64_t version = 0;
    int32_t date = today();
    bool dated = false;
    wb_err rc;
    int code;
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 'v') {
            if (!cli_u64(c, "--version", optarg, &version)) {
                return EXIT_USAGE;
            }
            if (version == 0 || version > UINT32_MAX) {
                return cli_usage(c, "--version: 1, 2, ...");
            }
        } else if (ch == 'd') {
            if (!cli_date(c, "--date", optarg, &date)) {
                return EXIT_USAGE;
            }
            dated = true;
        } else {
            return cli_usage(c, "%s", usage_text);
        }
    }
    if (argc - optind != 1) {
        return cli_usage(c, "%s", usage_text);
    }
    /* a date alone asks for the version in force that day */
    rc = dated && version == 0
             ? wb_consent_get_on(s, argv[optind], date, &k)
             : wb_consent_get(s, argv[optind], (uint32_t)version, &k);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "consent %s", argv[optind]);
    }
    code = show_one(c, k, date);
    wb_consent_free(k);
    return code;
}

static json_t *
version_json(const struct wb_consent *k, int32_t date)
{
    return json_pack("{s:s, s:I, s:I, s:s, s:s, s:o*}", "id", k->id, "version",
                     (json_int_t)k->version, "entry", (json_int_t)k->entry,
                     "state", wb_consent_state_name(k->state),
                     "effective_state",
                     wb_consent_state_name(wb_consent_effective_state(k, date)),
                     "document", document(k));
}

static void
print_line(const struct wb_consent *k, int32_t date, bool history)
{
    json_t *doc = document(k);
    json_t *rec = doc ? json_object_get(doc, "recorded") : NULL;

    if (history) {
        printf("%u\tentry %llu\t%s\t%s\tby %s%s%s\n", (unsigned)k->version,
               (unsigned long long)k->entry, wb_consent_state_name(k->state),
               json_is_string(rec) ? json_string_value(rec) : "-",
               k->by ? k->by : "-", k->reason ? "\t" : "",
               k->reason ? k->reason : "");
    } else {
        printf("%s\tversion %u\t%s\t%s\t%s\n", k->id, (unsigned)k->version,
               wb_consent_state_name(k->state),
               wb_consent_state_name(wb_consent_effective_state(k, date)),
               k->subject);
    }
    json_decref(doc);
}

/* history ID (every version) or list (the latest of each). */
static int
consent_versions(struct cli *c, struct wb_site *s, const char *id)
{
    struct wb_consent *v = NULL;
    size_t n = 0;
    int32_t date = today();
    wb_err rc =
        id ? wb_consent_history(s, id, &v, &n) : wb_consent_list(s, &v, &n);
    json_t *a;

    if (rc != WB_OK) {
        return id ? cli_fail(c, rc, "consent %s", id)
                  : cli_fail(c, rc, "cannot list consents");
    }
    if (c->json) {
        a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(a, version_json(&v[i], date));
        }
        cli_json(id ? json_pack("{s:s, s:o}", "id", id, "versions", a)
                    : json_pack("{s:o}", "consents", a));
    } else {
        for (size_t i = 0; i < n; i++) {
            print_line(&v[i], date, id != NULL);
        }
    }
    wb_consent_list_free(v, n);
    return 0;
}

int
cmd_consent(struct cli *c, int argc, char **argv)
{
    static const char *const subs[] = {"grant", "answer",  "withdraw",
                                       "allow", "renew",   "revoke",
                                       "show",  "history", "list"};
    struct wb_site *s = NULL;
    const char *sub;
    size_t i = 0;
    int code;

    if (argc < 2) {
        return cli_usage(c, "%s", usage_text);
    }
    sub = argv[1];
    while (i < sizeof subs / sizeof subs[0] && strcmp(sub, subs[i]) != 0) {
        i++;
    }
    if (i == sizeof subs / sizeof subs[0]) {
        return cli_usage(c, "unknown consent command \"%s\"\n%s", sub,
                         usage_text);
    }
    if ((strcmp(sub, "list") == 0 && argc != 2) ||
        (strcmp(sub, "history") == 0 && argc != 3)) {
        cli_unexpected(argc, argv, strcmp(sub, "list") == 0 ? 2 : 3);
        return cli_usage(c, "%s", usage_text);
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    if (strcmp(sub, "grant") == 0) {
        code = consent_grant(c, s, argc - 1, argv + 1);
    } else if (strcmp(sub, "answer") == 0) {
        code = consent_answer(c, s, argc - 1, argv + 1);
    } else if (strcmp(sub, "show") == 0) {
        code = consent_show(c, s, argc - 1, argv + 1);
    } else if (strcmp(sub, "history") == 0 || strcmp(sub, "list") == 0) {
        code = consent_versions(c, s, argc == 3 ? argv[2] : NULL);
    } else {
        code = consent_change(c, s, argc - 1, argv + 1);
    }
    wb_site_close(s);
    return code;
}
