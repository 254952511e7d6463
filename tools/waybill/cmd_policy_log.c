/* SPDX-License-Identifier: Apache-2.0 */
/* waybill policy load|list|show|history: the policy files in use, logged
 * in the site's "policy" register, and their versions. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <waybill/decision.h>

#include "cli.h"

static json_t *
cite_json(const struct wb_policy_cite *c)
{
    return json_pack("{s:s, s:s?, s:I, s:I, s:s, s:b}", "id", c->id, "profile",
                     c->profile[0] ? c->profile : NULL, "version",
                     (json_int_t)c->version, "entry", (json_int_t)c->entry,
                     "sha256", c->sha256, "added", c->added);
}

/* `policy load`: log every file whose text is new or changed. */
static int
policy_load(struct cli *c, const struct wb_policy *p, struct wb_site *s)
{
    struct wb_policy_cite *v = NULL;
    json_t *a = c->json ? json_array() : NULL;
    size_t n = 0;
    wb_err rc = wb_policy_log(s, p, &v, &n);

    if (rc != WB_OK) {
        json_decref(a);
        return cli_fail(c, rc, "cannot log the policy files");
    }
    for (size_t i = 0; i < n; i++) {
        if (a != NULL) {
            json_array_append_new(a, cite_json(&v[i]));
        } else {
            printf("%-24s version %u (entry %llu): %s\n", v[i].id,
                   (unsigned)v[i].version, (unsigned long long)v[i].entry,
                   v[i].added ? "logged" : "unchanged");
        }
    }
    cli_json(a);
    wb_free(v);
    return 0;
}

/* State of register id against the files in use: its source index in p
 * (or -1), and whether the latest logged text is that file's. */
static const char *
state_of(const struct wb_policy *p, const struct wb_policy_doc *d, int *src)
{
    struct wb_policy_source f;

    *src = -1;
    for (size_t i = 0; wb_policy_source(p, i, &f); i++) {
        if (strcmp(f.id, d->id) == 0) {
            *src = (int)i;
            return f.len == d->text_len && memcmp(f.text, d->text, f.len) == 0
                       ? "in use"
                       : "changed (run policy load)";
        }
    }
    return "not in use";
}

static void
list_row(const struct cli *c,
         json_t *a,
         const char *id,
         const char *profile,
         const struct wb_policy_doc *d,
         const char *state)
{
    if (a != NULL) {
        json_array_append_new(
            a, json_pack("{s:s, s:s?, s:o, s:o, s:s}", "id", id, "profile",
                         profile, "version",
                         d ? json_integer(d->version) : json_null(), "entry",
                         d ? json_integer((json_int_t)d->entry) : json_null(),
                         "state", state));
        return;
    }
    (void)c;
    if (d != NULL) {
        printf("%-20s %-24s v%-4u entry %-8llu %s\n", id,
               profile ? profile : "-", (unsigned)d->version,
               (unsigned long long)d->entry, state);
    } else {
        printf("%-20s %-24s %-5s %-14s %s\n", id, profile ? profile : "-", "-",
               "-", state);
    }
}

/* `policy list` with a site: the register's latest versions, and the files
 * in use that are not logged yet. */
static int
policy_list_site(struct cli *c, const struct wb_policy *p, struct wb_site *s)
{
    struct wb_policy_doc *v = NULL;
    struct wb_policy_source f;
    json_t *a = c->json ? json_array() : NULL;
    size_t n = 0;
    wb_err rc = wb_policy_doc_list(s, NULL, &v, &n);

    if (rc != WB_OK) {
        json_decref(a);
        return cli_fail(c, rc, "cannot read the policy register");
    }
    for (size_t i = 0; i < n; i++) {
        int src;
        const char *st = state_of(p, &v[i], &src);
        list_row(c, a, v[i].id, v[i].profile[0] ? v[i].profile : NULL, &v[i],
                 st);
    }
    for (size_t i = 0; wb_policy_source(p, i, &f); i++) {
        bool logged = false;
        for (size_t k = 0; k < n && !logged; k++) {
            logged = strcmp(v[k].id, f.id) == 0;
        }
        if (!logged) {
            list_row(c, a, f.id, f.profile, NULL,
                     "not logged (run policy "
                     "load)");
        }
    }
    cli_json(a);
    wb_policy_docs_free(v, n);
    return 0;
}

/* `policy list` without a site: the profiles of the files. */
static int
policy_list_files(struct cli *c, const struct wb_policy *p)
{
    json_t *arr = c->json ? json_array() : NULL;

    for (size_t i = 0; i < wb_policy_profile_count(p); i++) {
        if (arr != NULL) {
            json_array_append_new(
                arr,
                json_pack("{s:s, s:s}", "profile", wb_policy_profile_name(p, i),
                          "title", wb_policy_profile_title(p, i)));
        } else {
            printf("%-28s %s\n", wb_policy_profile_name(p, i),
                   wb_policy_profile_title(p, i));
        }
    }
    cli_json(arr);
    return 0;
}

static json_t *
doc_json(const struct wb_policy_doc *d, bool with_text)
{
    char recorded[WB_TIME_LEN + 1];
    json_t *o;

    wb_time_format(d->recorded, recorded);
    o = json_pack("{s:s, s:I, s:o, s:s?, s:s, s:s, s:s, s:I}", "id", d->id,
                  "version", (json_int_t)d->version, "replaces",
                  d->replaces ? json_integer(d->replaces) : json_null(),
                  "profile", d->profile[0] ? d->profile : NULL, "file", d->file,
                  "sha256", d->sha256, "recorded", recorded, "entry",
                  (json_int_t)d->entry);
    if (o != NULL && with_text) {
        json_object_set_new(o, "text", json_stringn(d->text, d->text_len));
    }
    return o;
}

static void
doc_line(FILE *f, const struct wb_policy_doc *d)
{
    char recorded[WB_TIME_LEN + 1];

    wb_time_format(d->recorded, recorded);
    fprintf(f,
            "policy %s version %u (entry %llu): %s, %s, recorded %s, "
            "sha256 %s\n",
            d->id, (unsigned)d->version, (unsigned long long)d->entry,
            d->profile[0] ? d->profile : "purpose vocabulary", d->file,
            recorded, d->sha256);
}

/* `policy show ID [--version N]`: the logged text on stdout, exactly as
 * it was loaded (what it is on stderr); under --json the document. */
static int
policy_show(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    static const struct option opts[] = {{"version", required_argument, 0, 'v'},
                                         {0, 0, 0, 0}};
    struct wb_policy_doc d;
    uint64_t version = 0;
    wb_err rc;
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch != 'v') {
            return cli_usage(c, "usage: waybill policy show ID [--version N]");
        }
        if (!cli_u64(c, "--version", optarg, &version)) {
            return EXIT_USAGE;
        }
        if (version == 0 || version > UINT32_MAX) {
            return cli_usage(c, "--version: versions run from 1");
        }
    }
    if (optind + 1 != argc) {
        return cli_usage(c, "usage: waybill policy show ID [--version N]");
    }
    rc = wb_policy_doc_get(s, argv[optind], (uint32_t)version, &d);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "policy %s", argv[optind]);
    }
    if (c->json) {
        cli_json(doc_json(&d, true));
    } else {
        doc_line(stderr, &d);
        fwrite(d.text, 1, d.text_len, stdout);
    }
    wb_policy_doc_clear(&d);
    return 0;
}

/* `policy history ID`: every version, oldest first. */
static int
policy_history(struct cli *c, struct wb_site *s, const char *id)
{
    struct wb_policy_doc *v = NULL;
    json_t *a = c->json ? json_array() : NULL;
    size_t n = 0;
    wb_err rc = wb_policy_doc_list(s, id, &v, &n);

    if (rc != WB_OK) {
        json_decref(a);
        return cli_fail(c, rc, "policy %s", id);
    }
    for (size_t i = 0; i < n; i++) {
        if (a != NULL) {
            json_array_append_new(a, doc_json(&v[i], false));
        } else {
            doc_line(stdout, &v[i]);
        }
    }
    cli_json(a);
    wb_policy_docs_free(v, n);
    return 0;
}

int
cli_policy_register(struct cli *c, int argc, char **argv)
{
    const char *sub = argv[0];
    struct wb_policy *p = NULL;
    struct wb_site *s = NULL;
    bool needs_policy = strcmp(sub, "load") == 0 || strcmp(sub, "list") == 0;
    int code = 0;
    wb_err rc;

    if ((strcmp(sub, "load") == 0 || strcmp(sub, "list") == 0) && argc != 1) {
        cli_unexpected(argc, argv, 1);
        return cli_usage(c, "usage: waybill policy %s", sub);
    }
    if (strcmp(sub, "history") == 0 && argc != 2) {
        cli_unexpected(argc, argv, 2);
        return cli_usage(c, "usage: waybill policy history ID");
    }
    if (needs_policy) {
        code = cli_policy(c, &p);
    }
    if (code != 0) {
        return code;
    }
    rc = wb_site_open(c->dir, &s);
    if (rc == WB_ERR_NOTFOUND && strcmp(sub, "list") == 0) {
        /* no site: the profiles of the files, as they stand */
        wb_errmsg_clear();
        code = policy_list_files(c, p);
    } else if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot open site %s", c->dir);
    } else if (strcmp(sub, "load") == 0) {
        code = policy_load(c, p, s);
    } else if (strcmp(sub, "list") == 0) {
        code = policy_list_site(c, p, s);
    } else if (strcmp(sub, "show") == 0) {
        code = policy_show(c, s, argc, argv);
    } else {
        code = policy_history(c, s, argv[1]);
    }
    wb_site_close(s);
    wb_policy_free(p);
    return code;
}
