/* SPDX-License-Identifier: Apache-2.0 */
/* waybill server register|update|suspend|reinstate|revoke|list|show|history:
 * the overseas server registry. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <waybill/server.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill server register ID --endpoint URL --operator NAME\n"
    "         --country CC --role ROLE --registration REF --mechanism TYPE\n"
    "         --mechanism-ref REF [--valid-from DATE] --valid-until DATE\n"
    "         [--pin sha256//B64 | --cert PEM]\n"
    "       waybill server register [ID] --from FILE\n"
    "       waybill server update ID [field options] [--reason TEXT]\n"
    "       waybill server update [ID] --from FILE [--reason TEXT]\n"
    "       waybill server suspend|reinstate|revoke ID --reason TEXT\n"
    "       waybill server list [--date DATE]\n"
    "       waybill server show ID [--version N] [--date DATE]\n"
    "       waybill server history ID\n"
    "ROLE: processor, controller, importer or third-party";

enum {
    OPT_ENDPOINT = 256,
    OPT_OPERATOR,
    OPT_COUNTRY,
    OPT_ROLE,
    OPT_REGISTRATION,
    OPT_MECHANISM,
    OPT_MECHANISM_REF,
    OPT_VALID_FROM,
    OPT_VALID_UNTIL,
    OPT_PIN,
    OPT_CERT,
    OPT_FROM,
    OPT_REASON,
    OPT_DATE,
    OPT_VERSION,
};

static const struct option all_opts[] = {
    {"endpoint", required_argument, 0, OPT_ENDPOINT},
    {"operator", required_argument, 0, OPT_OPERATOR},
    {"country", required_argument, 0, OPT_COUNTRY},
    {"role", required_argument, 0, OPT_ROLE},
    {"registration", required_argument, 0, OPT_REGISTRATION},
    {"mechanism", required_argument, 0, OPT_MECHANISM},
    {"mechanism-ref", required_argument, 0, OPT_MECHANISM_REF},
    {"valid-from", required_argument, 0, OPT_VALID_FROM},
    {"valid-until", required_argument, 0, OPT_VALID_UNTIL},
    {"pin", required_argument, 0, OPT_PIN},
    {"cert", required_argument, 0, OPT_CERT},
    {"from", required_argument, 0, OPT_FROM},
    {"reason", required_argument, 0, OPT_REASON},
    {"date", required_argument, 0, OPT_DATE},
    {"version", required_argument, 0, OPT_VERSION},
    {0, 0, 0, 0}};

#define FIELD_OPTS (OPT_CERT - OPT_ENDPOINT + 1) /* --endpoint .. --cert */

/* The options of one invocation, by code; NULL = not given. */
struct args {
    const char *v[OPT_VERSION - OPT_ENDPOINT + 1];
    const char *id; /* the one positional argument, or NULL */
};

#define ARG(a, opt) ((a)->v[(opt)-OPT_ENDPOINT])

static const char *
opt_name(int opt)
{
    return all_opts[opt - OPT_ENDPOINT].name;
}

/* Parse argv (argv[0] is the subcommand) accepting only the options in
 * allowed (a 0-terminated list) and at most one positional ID. */
static int
parse_args(
    struct cli *c, int argc, char **argv, const int *allowed, struct args *a)
{
    int ch;

    memset(a, 0, sizeof *a);
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", all_opts, NULL)) != -1) {
        const int *p = allowed;
        if (ch == ':') {
            return cli_usage(c, "option \"%s\" needs a value",
                             argv[optind - 1]);
        }
        while (*p != 0 && *p != ch) {
            p++;
        }
        if (ch == '?' || *p == 0) {
            return cli_usage(c, "server %s: unknown option \"%s\"\n%s", argv[0],
                             argv[optind - 1], usage);
        }
        if (ARG(a, ch) != NULL) {
            return cli_usage(c, "--%s given twice", opt_name(ch));
        }
        ARG(a, ch) = optarg;
    }
    if (argc - optind > 1) {
        return cli_usage(c, "server %s: one ID only (\"%s\" is extra)", argv[0],
                         argv[optind + 1]);
    }
    a->id = optind < argc ? argv[optind] : NULL;
    return 0;
}

static int32_t
today(void)
{
    return (int32_t)(time(NULL) / 86400);
}

/* ---- output --------------------------------------------------------------
 */

/* YYYY-MM-DDTHH:MM:SSZ of seconds since the epoch (t >= 0). */
static void
format_time(int64_t t, char buf[21])
{
    char day[11];
    unsigned sec = (unsigned)(t % 86400);

    wb_date_format((int32_t)(t / 86400), day);
    snprintf(buf, 21, "%.10sT%02u:%02u:%02uZ", day, (sec / 3600) % 24,
             (sec / 60) % 60, sec % 60);
}

/* The document of s with its entry (and, when effective is not NULL, the
 * date and effective status) as a JSON object. */
static json_t *
server_json(const struct wb_server *s, const char *date, const char *effective)
{
    json_t *o = NULL;
    char *doc = NULL;

    if (wb_server_to_json(s, &doc) == WB_OK) {
        o = json_loads(doc, 0, NULL);
    }
    wb_free(doc);
    if (o == NULL) {
        return NULL;
    }
    json_object_set_new(o, "entry", json_integer((json_int_t)s->entry));
    if (effective != NULL) {
        json_object_set_new(o, "date", json_string(date));
        json_object_set_new(o, "effective", json_string(effective));
    }
    return o;
}

/* Print rows of cols cells, every column but the last padded to its
 * widest cell. */
static void
print_table(const char **cells, size_t rows, size_t cols)
{
    size_t width[8] = {0};

    for (size_t r = 0; r < rows; r++) {
        for (size_t k = 0; k < cols; k++) {
            size_t n = strlen(cells[r * cols + k]);
            width[k] = n > width[k] ? n : width[k];
        }
    }
    for (size_t r = 0; r < rows; r++) {
        for (size_t k = 0; k + 1 < cols; k++) {
            printf("%-*s  ", (int)width[k], cells[r * cols + k]);
        }
        printf("%s\n", cells[r * cols + cols - 1]);
    }
}

static void
print_server(const struct wb_server *s, const char *date, const char *eff)
{
    const struct wb_server_mechanism *m = &s->mechanism;
    char from[11] = "-";
    char until[11];
    char replaces[12] = "-";
    char recorded[21];

    if (m->has_valid_from) {
        wb_date_format(m->valid_from, from);
    }
    wb_date_format(m->valid_until, until);
    if (s->replaces != 0) {
        snprintf(replaces, sizeof replaces, "%u", (unsigned)s->replaces);
    }
    format_time(s->recorded, recorded);
    printf("id: %s\nversion: %u\nreplaces: %s\nendpoint: %s\n"
           "operator: %s\ncountry: %s\nrole: %s\nregistration: %s\n"
           "mechanism.type: %s\nmechanism.reference: %s\n"
           "mechanism.valid_from: %s\nmechanism.valid_until: %s\npin: %s\n"
           "status: %s\nreason: %s\nrecorded: %s\nentry: %llu\ndate: %s\n"
           "effective: %s\n",
           s->id, (unsigned)s->version, replaces, s->endpoint, s->operator_name,
           s->country, wb_server_role_name(s->role), s->registration, m->type,
           m->reference, from, until, s->pin[0] ? s->pin : "-",
           wb_server_status_name(s->status), s->reason[0] ? s->reason : "-",
           recorded, (unsigned long long)s->entry, date, eff);
}

/* ---- building a registration from options --------------------------------
 */

static bool
set_text(struct cli *c, int opt, const char *v, char *dst, size_t size)
{
    if (strlen(v) >= size) {
        cli_usage(c, "--%s: longer than %zu bytes", opt_name(opt), size - 1);
        return false;
    }
    memcpy(dst, v, strlen(v) + 1);
    return true;
}

/* Apply the field options given in a to s; 0 or the exit code. */
static int
apply(struct cli *c, const struct args *a, struct wb_server *s)
{
    struct wb_server_mechanism *m = &s->mechanism;
    const char *v;

    if (((v = ARG(a, OPT_ENDPOINT)) &&
         !set_text(c, OPT_ENDPOINT, v, s->endpoint, sizeof s->endpoint)) ||
        ((v = ARG(a, OPT_OPERATOR)) &&
         !set_text(c, OPT_OPERATOR, v, s->operator_name,
                   sizeof s->operator_name)) ||
        ((v = ARG(a, OPT_COUNTRY)) &&
         !set_text(c, OPT_COUNTRY, v, s->country, sizeof s->country)) ||
        ((v = ARG(a, OPT_REGISTRATION)) &&
         !set_text(c, OPT_REGISTRATION, v, s->registration,
                   sizeof s->registration)) ||
        ((v = ARG(a, OPT_MECHANISM)) &&
         !set_text(c, OPT_MECHANISM, v, m->type, sizeof m->type)) ||
        ((v = ARG(a, OPT_MECHANISM_REF)) &&
         !set_text(c, OPT_MECHANISM_REF, v, m->reference,
                   sizeof m->reference)) ||
        ((v = ARG(a, OPT_PIN)) &&
         !set_text(c, OPT_PIN, v, s->pin, sizeof s->pin)) ||
        ((v = ARG(a, OPT_REASON)) &&
         !set_text(c, OPT_REASON, v, s->reason, sizeof s->reason))) {
        return EXIT_USAGE;
    }
    if ((v = ARG(a, OPT_ROLE)) != NULL) {
        int r = WB_ROLE_PROCESSOR;
        while (r <= WB_ROLE_THIRD_PARTY &&
               strcmp(v, wb_server_role_name((enum wb_role)r)) != 0) {
            r++;
        }
        if (r > WB_ROLE_THIRD_PARTY) {
            return cli_usage(c,
                             "--role: \"%s\": use processor, controller, "
                             "importer or third-party",
                             v);
        }
        s->role = (enum wb_role)r;
    }
    if ((v = ARG(a, OPT_VALID_FROM)) != NULL) {
        if (strcmp(v, "-") == 0) {
            m->has_valid_from = false;
        } else if (!cli_date(c, "--valid-from", v, &m->valid_from)) {
            return EXIT_USAGE;
        } else {
            m->has_valid_from = true;
        }
    }
    if ((v = ARG(a, OPT_VALID_UNTIL)) != NULL &&
        !cli_date(c, "--valid-until", v, &m->valid_until)) {
        return EXIT_USAGE;
    }
    if ((v = ARG(a, OPT_CERT)) != NULL) {
        uint8_t *pem = NULL;
        size_t len = 0;
        wb_err rc = cli_read(v, 1024 * 1024, &pem, &len);
        if (rc == WB_OK) {
            rc = wb_server_pin_from_pem((const char *)pem, len, s->pin);
        }
        free(pem);
        if (rc != WB_OK) {
            return cli_fail(c, rc, "--cert");
        }
    }
    return 0;
}

/* With the policy profiles loaded, the mechanism type must be one they
 * declare; without them it goes unchecked (with a warning). */
static int
check_mechanism(struct cli *c, const char *what, const char *type)
{
    struct cli quiet = *c;
    struct wb_policy *p = NULL;
    int code = 0;

    quiet.json = false; /* one JSON document on stdout, the result */
    if (cli_policy(&quiet, &p) != 0) {
        fprintf(stderr,
                "waybill server: warning: mechanism type \"%s\" was not "
                "checked against the policy profiles\n",
                type);
        return 0;
    }
    if (wb_policy_mechanism_check(p, what, type) != WB_OK) {
        code = cli_usage(c, "%s", wb_errmsg());
    }
    wb_policy_free(p);
    return code;
}

/* Read --from FILE into s; the ID argument, if given, must agree. */
static int
load_from(struct cli *c, const struct args *a, struct wb_server *s)
{
    const char *path = ARG(a, OPT_FROM);
    uint8_t *buf = NULL;
    size_t len = 0;
    wb_err rc;

    for (int o = OPT_ENDPOINT; o < OPT_ENDPOINT + FIELD_OPTS; o++) {
        if (ARG(a, o) != NULL) {
            return cli_usage(c, "--from FILE and --%s do not go together",
                             opt_name(o));
        }
    }
    rc = cli_read(path, WB_SERVER_DOC_MAX, &buf, &len);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "--from");
    }
    rc = wb_server_from_json((const char *)buf, len, s);
    free(buf);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "--from %s", path);
    }
    if (a->id != NULL && strcmp(a->id, s->id) != 0) {
        return cli_usage(c, "ID \"%s\" differs from the id \"%s\" in %s", a->id,
                         s->id, path);
    }
    return 0;
}

static const int field_opts[] = {OPT_ENDPOINT,      OPT_OPERATOR,
                                 OPT_COUNTRY,       OPT_ROLE,
                                 OPT_REGISTRATION,  OPT_MECHANISM,
                                 OPT_MECHANISM_REF, OPT_VALID_FROM,
                                 OPT_VALID_UNTIL,   OPT_PIN,
                                 OPT_CERT,          OPT_FROM,
                                 OPT_REASON,        0};

static int
server_register(struct cli *c, int argc, char **argv, bool update)
{
    static const int required[] = {
        OPT_ENDPOINT,      OPT_OPERATOR,     OPT_COUNTRY,
        OPT_ROLE,          OPT_REGISTRATION, OPT_MECHANISM,
        OPT_MECHANISM_REF, OPT_VALID_UNTIL,  0};
    const char *verb = update ? "update" : "register";
    struct wb_site *site = NULL;
    struct wb_server now;
    struct wb_server s;
    struct args a;
    uint64_t entry = 0;
    bool from = false;
    wb_err rc;
    int code;

    memset(&s, 0, sizeof s);
    code = parse_args(c, argc, argv, field_opts, &a);
    if (code != 0) {
        return code;
    }
    from = ARG(&a, OPT_FROM) != NULL;
    if (!update && ARG(&a, OPT_REASON) != NULL) {
        return cli_usage(c, "--reason goes with update and status changes");
    }
    if (a.id == NULL && !from) {
        return cli_usage(c, "server %s needs an ID\n%s", verb, usage);
    }
    if (ARG(&a, OPT_PIN) != NULL && ARG(&a, OPT_CERT) != NULL) {
        return cli_usage(c, "--pin and --cert do not go together");
    }
    if (from) {
        code = load_from(c, &a, &s);
        if (code == 0) {
            code = apply(c, &a, &s); /* --reason */
        }
    } else if (!update) {
        for (const int *o = required; *o != 0; o++) {
            if (ARG(&a, *o) == NULL) {
                return cli_usage(c, "server register: missing --%s\n%s",
                                 opt_name(*o), usage);
            }
        }
        if (strlen(a.id) > WB_SERVER_ID_MAX) {
            return cli_usage(c, "ID: longer than %d bytes", WB_SERVER_ID_MAX);
        }
        memcpy(s.id, a.id, strlen(a.id) + 1);
        code = apply(c, &a, &s);
    } else {
        int given = 0;
        for (const int *o = field_opts; *o != 0; o++) {
            given += ARG(&a, *o) != NULL && *o != OPT_REASON;
        }
        if (given == 0) {
            return cli_usage(c, "server update %s: nothing to change\n%s", a.id,
                             usage);
        }
    }
    if (code != 0) {
        return code;
    }
    code = cli_open(c, &site);
    if (code != 0) {
        return code;
    }
    if (update && !from) {
        /* the latest version, with the options given applied */
        rc = wb_server_get(site, a.id, 0, &s);
        if (rc != WB_OK) {
            code = cli_fail(c, rc, "cannot update server %s", a.id);
            goto out;
        }
        s.reason[0] = '\0';
        code = apply(c, &a, &s);
        if (code != 0) {
            goto out;
        }
    }
    rc = wb_server_check(&s);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot %s server %s", verb, s.id);
        goto out;
    }
    code = check_mechanism(c, from ? "mechanism.type" : "--mechanism",
                           s.mechanism.type);
    if (code != 0) {
        goto out;
    }
    rc = update ? wb_server_update(site, &s, &entry)
                : wb_server_register(site, &s, &entry);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot %s server %s", verb, s.id);
        goto out;
    }
    rc = wb_server_get(site, s.id, 0, &now);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "server %s", s.id);
    } else if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:I, s:I}", "ok", 1, "id", now.id,
                           "version", (json_int_t)now.version, "entry",
                           (json_int_t)entry));
    } else {
        printf("%s server %s version %u (entry %llu)\n",
               update ? "updated" : "registered", now.id, (unsigned)now.version,
               (unsigned long long)entry);
    }
out:
    wb_site_close(site);
    return code;
}

/* ---- status changes ------------------------------------------------------
 */

static int
server_status(struct cli *c, int argc, char **argv)
{
    static const int allowed[] = {OPT_REASON, 0};
    struct wb_site *site = NULL;
    struct wb_server now;
    enum wb_server_status st;
    struct args a;
    uint64_t entry = 0;
    const char *done;
    wb_err rc;
    int code;

    if (strcmp(argv[0], "suspend") == 0) {
        st = WB_SERVER_SUSPENDED;
        done = "suspended";
    } else if (strcmp(argv[0], "reinstate") == 0) {
        st = WB_SERVER_ACTIVE;
        done = "reinstated";
    } else {
        st = WB_SERVER_REVOKED;
        done = "revoked";
    }
    code = parse_args(c, argc, argv, allowed, &a);
    if (code != 0) {
        return code;
    }
    if (a.id == NULL || ARG(&a, OPT_REASON) == NULL) {
        return cli_usage(c, "usage: waybill server %s ID --reason TEXT",
                         argv[0]);
    }
    code = cli_open(c, &site);
    if (code != 0) {
        return code;
    }
    rc = wb_server_set_status(site, a.id, st, ARG(&a, OPT_REASON), &entry);
    if (rc == WB_OK) {
        rc = wb_server_get(site, a.id, 0, &now);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot %s server %s", argv[0], a.id);
    } else if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:I, s:s, s:I}", "ok", 1, "id", a.id,
                           "version", (json_int_t)now.version, "status",
                           wb_server_status_name(now.status), "entry",
                           (json_int_t)entry));
    } else {
        printf("%s server %s: version %u (entry %llu)\n", done, a.id,
               (unsigned)now.version, (unsigned long long)entry);
    }
    wb_site_close(site);
    return code;
}

/* ---- reading -------------------------------------------------------------
 */

static bool
date_arg(struct cli *c, const struct args *a, int32_t *date, char text[11])
{
    *date = today();
    if (ARG(a, OPT_DATE) != NULL &&
        !cli_date(c, "--date", ARG(a, OPT_DATE), date)) {
        return false;
    }
    wb_date_format(*date, text);
    return true;
}

static int
server_list(struct cli *c, struct wb_site *site, const struct args *a)
{
    struct wb_server *v = NULL;
    const char **cells = NULL;
    char(*until)[11] = NULL;
    char date_text[11];
    int32_t date;
    size_t n = 0;
    wb_err rc;

    if (a->id != NULL) {
        return cli_usage(c, "usage: waybill server list [--date DATE]");
    }
    if (!date_arg(c, a, &date, date_text)) {
        return EXIT_USAGE;
    }
    rc = wb_server_list(site, &v, &n);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "cannot list servers");
    }
    if (c->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(
                arr, server_json(&v[i], date_text,
                                 wb_server_status_name(
                                     wb_server_effective(&v[i], date))));
        }
        cli_json(json_pack("{s:s, s:o}", "date", date_text, "servers", arr));
        wb_free(v);
        return 0;
    }
    cells = calloc((n + 1) * 6, sizeof *cells);
    until = calloc(n + 1, sizeof *until);
    if (cells == NULL || until == NULL) {
        free(cells);
        free(until);
        wb_free(v);
        return cli_fail(c, WB_ERR_NOMEM, "cannot list servers");
    }
    cells[0] = "ID";
    cells[1] = "COUNTRY";
    cells[2] = "ROLE";
    cells[3] = "MECHANISM";
    cells[4] = "VALID_UNTIL";
    cells[5] = "STATUS";
    for (size_t i = 0; i < n; i++) {
        const char **row = cells + (i + 1) * 6;
        wb_date_format(v[i].mechanism.valid_until, until[i]);
        row[0] = v[i].id;
        row[1] = v[i].country;
        row[2] = wb_server_role_name(v[i].role);
        row[3] = v[i].mechanism.type;
        row[4] = until[i];
        row[5] = wb_server_status_name(wb_server_effective(&v[i], date));
    }
    print_table(cells, n + 1, 6);
    free(cells);
    free(until);
    wb_free(v);
    return 0;
}

static int
server_show(struct cli *c, struct wb_site *site, const struct args *a)
{
    struct wb_server s;
    char date_text[11];
    uint64_t version = 0;
    int32_t date;
    wb_err rc;

    if (a->id == NULL) {
        return cli_usage(c, "usage: waybill server show ID [--version N] "
                            "[--date DATE]");
    }
    if (ARG(a, OPT_VERSION) != NULL) {
        if (!cli_u64(c, "--version", ARG(a, OPT_VERSION), &version)) {
            return EXIT_USAGE;
        }
        if (version == 0 || version > UINT32_MAX) {
            return cli_usage(c, "--version: versions run from 1");
        }
    }
    if (!date_arg(c, a, &date, date_text)) {
        return EXIT_USAGE;
    }
    rc = wb_server_get(site, a->id, (uint32_t)version, &s);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "%s", "");
    }
    if (c->json) {
        cli_json(
            server_json(&s, date_text,
                        wb_server_status_name(wb_server_effective(&s, date))));
    } else {
        print_server(&s, date_text,
                     wb_server_status_name(wb_server_effective(&s, date)));
    }
    return 0;
}

struct history_row {
    char version[12];
    char recorded[21];
    char entry[24];
};

static int
server_history(struct cli *c, struct wb_site *site, const struct args *a)
{
    struct wb_server *v = NULL;
    struct history_row *rows = NULL;
    const char **cells = NULL;
    size_t n = 0;
    wb_err rc;

    if (a->id == NULL) {
        return cli_usage(c, "usage: waybill server history ID");
    }
    rc = wb_server_history(site, a->id, &v, &n);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "%s", "");
    }
    if (c->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(arr, server_json(&v[i], NULL, NULL));
        }
        cli_json(json_pack("{s:s, s:o}", "id", a->id, "versions", arr));
        wb_free(v);
        return 0;
    }
    cells = calloc((n + 1) * 5, sizeof *cells);
    rows = calloc(n, sizeof *rows);
    if (cells == NULL || rows == NULL) {
        free(cells);
        free(rows);
        wb_free(v);
        return cli_fail(c, WB_ERR_NOMEM, "server %s", a->id);
    }
    cells[0] = "VERSION";
    cells[1] = "RECORDED";
    cells[2] = "STATUS";
    cells[3] = "ENTRY";
    cells[4] = "REASON";
    for (size_t i = 0; i < n; i++) {
        const char **row = cells + (i + 1) * 5;
        snprintf(rows[i].version, sizeof rows[i].version, "%u",
                 (unsigned)v[i].version);
        format_time(v[i].recorded, rows[i].recorded);
        snprintf(rows[i].entry, sizeof rows[i].entry, "%llu",
                 (unsigned long long)v[i].entry);
        row[0] = rows[i].version;
        row[1] = rows[i].recorded;
        row[2] = wb_server_status_name(v[i].status);
        row[3] = rows[i].entry;
        row[4] = v[i].reason[0] ? v[i].reason : "-";
    }
    print_table(cells, n + 1, 5);
    free(cells);
    free(rows);
    wb_free(v);
    return 0;
}

int
cmd_server(struct cli *c, int argc, char **argv)
{
    static const int list_opts[] = {OPT_DATE, 0};
    static const int show_opts[] = {OPT_VERSION, OPT_DATE, 0};
    static const int no_opts[] = {0};
    struct wb_site *site = NULL;
    const char *sub = argc >= 2 ? argv[1] : "";
    const int *allowed;
    struct args a;
    int code;

    if (argc < 2) {
        return cli_usage(c, "%s", usage);
    }
    if (strcmp(sub, "register") == 0 || strcmp(sub, "update") == 0) {
        return server_register(c, argc - 1, argv + 1,
                               strcmp(sub, "update") == 0);
    }
    if (strcmp(sub, "suspend") == 0 || strcmp(sub, "reinstate") == 0 ||
        strcmp(sub, "revoke") == 0) {
        return server_status(c, argc - 1, argv + 1);
    }
    if (strcmp(sub, "list") == 0) {
        allowed = list_opts;
    } else if (strcmp(sub, "show") == 0) {
        allowed = show_opts;
    } else if (strcmp(sub, "history") == 0) {
        allowed = no_opts;
    } else {
        return cli_usage(c, "unknown server command \"%s\"\n%s", sub, usage);
    }
    code = parse_args(c, argc - 1, argv + 1, allowed, &a);
    if (code != 0) {
        return code;
    }
    code = cli_open(c, &site);
    if (code != 0) {
        return code;
    }
    if (strcmp(sub, "list") == 0) {
        code = server_list(c, site, &a);
    } else if (strcmp(sub, "show") == 0) {
        code = server_show(c, site, &a);
    } else {
        code = server_history(c, site, &a);
    }
    wb_site_close(site);
    return code;
}
