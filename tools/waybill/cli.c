/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* extra (stolen, may be NULL): more members of the JSON error object */
static void
report(const struct cli *c,
       int code,
       const char *kind,
       const char *msg,
       json_t *extra)
{
    if (strcmp(c->cmd, "waybill") == 0) {
        fprintf(stderr, "waybill: %s\n", msg);
    } else {
        fprintf(stderr, "waybill %s: %s\n", c->cmd, msg);
    }
    if (c->json) {
        json_t *j = json_pack("{s:b, s:s, s:s, s:i}", "ok", 0, "error", msg,
                              "kind", kind, "exit", code);
        if (j != NULL && extra != NULL) {
            json_object_update(j, extra);
        }
        cli_json(j);
    }
    json_decref(extra);
}

int
cli_fail_json(
    const struct cli *c, wb_err err, json_t *extra, const char *fmt, ...)
{
    char head[512];
    char msg[2048];
    const char *detail = wb_errmsg();
    int code = wb_err_exit_code(err);
    size_t hl;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    hl = strlen(head);

    if (head[0] == '\0' || (strncmp(detail, head, hl) == 0 &&
                            (detail[hl] == ':' || detail[hl] == ' '))) {
        /* no head, or the detail names the same thing first ("consent
         * c1" before "consent c1 version 2: ...") */
        snprintf(msg, sizeof msg, "%s",
                 detail[0] != '\0' ? detail : wb_strerror(err));
    } else if (detail[0] != '\0') {
        snprintf(msg, sizeof msg, "%s: %s", head, detail);
    } else {
        snprintf(msg, sizeof msg, "%s: %s", head, wb_strerror(err));
    }
    report(c, code, wb_strerror(err), msg, extra);
    return code;
}

/* What the last cli_getopt() refused, for the usage message after it. */
static char refused[160];

int
cli_getopt(int argc, char **argv, const struct option *opts)
{
    int ch;

    opterr = 0; /* its messages would carry the subcommand's name alone */
    ch = getopt_long(argc, argv, ":", opts, NULL);
    if (ch == '?' && optopt != 0 && optind > 0 &&
        strncmp(argv[optind - 1], "--", 2) == 0) {
        /* a known long option given a value it does not take */
        snprintf(refused, sizeof refused, "option \"%.100s\" takes no value",
                 argv[optind - 1]);
    } else if (ch == '?' && optopt != 0) {
        snprintf(refused, sizeof refused, "unknown option \"-%c\"", optopt);
    } else if (ch == '?') {
        snprintf(refused, sizeof refused, "unknown option \"%.100s\"",
                 argv[optind - 1]);
    } else if (ch == ':') {
        snprintf(refused, sizeof refused, "option \"%.100s\" needs a value",
                 argv[optind - 1]);
        ch = '?';
    }
    return ch;
}

void
cli_unexpected(int argc, char **argv, int want)
{
    if (want >= 0 && argc > want && argv[want] != NULL) {
        snprintf(refused, sizeof refused, "%s \"%.100s\"",
                 argv[want][0] == '-' ? "unknown option"
                                      : "unexpected argument",
                 argv[want]);
    }
}

int
cli_usage(const struct cli *c, const char *fmt, ...)
{
    char msg[1024];
    size_t n = 0;
    va_list ap;

    if (refused[0] != '\0') {
        n = (size_t)snprintf(msg, sizeof msg, "%s\n", refused);
        refused[0] = '\0';
    }
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - n, fmt, ap);
    va_end(ap);
    report(c, EXIT_USAGE, "usage", msg, NULL);
    return EXIT_USAGE;
}

int
cli_open(const struct cli *c, struct wb_site **s)
{
    wb_err rc = wb_site_open(c->dir, s);

    if (rc != WB_OK) {
        return cli_fail(c, rc, "cannot open site %s", c->dir);
    }
    return 0;
}

json_t *
cli_float(float f)
{
    char text[32];

    if (!isfinite(f)) {
        return json_null(); /* JSON has no NaN or infinity */
    }
    snprintf(text, sizeof text, "%.9g", (double)f);
    return json_real(strtod(text, NULL));
}

/* The fewest significant digits, from least up to 17, that print every
 * real in j so that it reads back the same: a stored 0.0365993492 prints
 * so, not as jansson's default 17 digits (0.036599349199999999), and
 * nothing is rounded. */
static int
digits(const json_t *j, int least)
{
    const char *k;
    json_t *v;
    size_t i;
    char buf[40];

    if (json_is_real(j)) {
        double d = json_real_value(j);
        while (least < 17) {
            snprintf(buf, sizeof buf, "%.*g", least, d);
            if (strtod(buf, NULL) == d) {
                break;
            }
            least++;
        }
    } else if (json_is_object(j)) {
        json_object_foreach((json_t *)(uintptr_t)j, k, v)
        {
            least = digits(v, least);
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            least = digits(v, least);
        }
    }
    return least;
}

void
cli_json(json_t *j)
{
    if (j == NULL) {
        return;
    }
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(digits(j, 15)));
    fputc('\n', stdout);
    json_decref(j);
}

wb_err
cli_read(const char *path, size_t max, uint8_t **buf, size_t *len)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "stdin" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    uint8_t chunk[65536];
    uint8_t *p = NULL;
    size_t n = 0;
    size_t got;
    wb_err rc = WB_OK;

    *buf = NULL;
    *len = 0;
    if (f == NULL) {
        wb_errmsg_set("%s: %s", path, strerror(errno));
        return errno == ENOENT ? WB_ERR_NOTFOUND : WB_ERR_IO;
    }
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        uint8_t *np;
        if (n + got > max) {
            wb_errmsg_set("%s: larger than %zu bytes", name, max);
            rc = WB_ERR_TOOBIG;
            break;
        }
        np = realloc(p, n + got + 1);
        if (np == NULL) {
            rc = WB_ERR_NOMEM;
            break;
        }
        p = np;
        memcpy(p + n, chunk, got);
        n += got;
    }
    if (rc == WB_OK && ferror(f)) {
        wb_errmsg_set("%s: read error", name);
        rc = WB_ERR_IO;
    }
    if (rc == WB_OK && p == NULL) {
        p = malloc(1);
        rc = p ? WB_OK : WB_ERR_NOMEM;
    }
    if (!is_stdin) {
        fclose(f);
    }
    if (rc != WB_OK) {
        free(p);
        return rc;
    }
    p[n] = '\0';
    *buf = p;
    *len = n;
    return WB_OK;
}

wb_err
cli_write(const char *path, const uint8_t *buf, size_t len)
{
    char tmp[4096];
    int fd;

    if (strcmp(path, "-") == 0) {
        if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
            wb_errmsg_set("stdout: write error");
            return WB_ERR_IO;
        }
        return WB_OK;
    }
    if (path[0] == '\0') {
        wb_errmsg_set("an empty file name");
        return WB_ERR_INVAL;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        /* a directory that is not there is bad input, as for reading */
        wb_err rc = wb_err_from_errno(errno);
        wb_errmsg_set("%s: %s", path, strerror(errno));
        return rc;
    }
    if (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0) {
        wb_errmsg_set("%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return WB_ERR_IO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        wb_errmsg_set("%s: %s", path, strerror(errno));
        unlink(tmp);
        return WB_ERR_IO;
    }
    return WB_OK;
}

wb_err
cli_emit(const struct cli *c,
         const char *field,
         const char *path,
         const uint8_t *buf,
         size_t len)
{
    char *b64 = NULL;
    wb_err rc;

    if (!c->json) {
        return cli_write(path, buf, len);
    }
    if (strcmp(path, "-") != 0) {
        rc = cli_write(path, buf, len);
        if (rc == WB_OK) {
            cli_json(json_pack("{s:b, s:s, s:I}", "ok", 1, "out", path, "bytes",
                               (json_int_t)len));
        }
        return rc;
    }
    rc = wb_base64_encode(buf, len, &b64);
    if (rc == WB_OK) {
        cli_json(json_pack("{s:b, s:s, s:I}", "ok", 1, field, b64, "bytes",
                           (json_int_t)len));
    }
    wb_free(b64);
    return rc;
}

int
cli_export(struct cli *c,
           int argc,
           char **argv,
           const char *field,
           wb_err (*fetch)(struct wb_site *s,
                           uint64_t index,
                           uint8_t **out,
                           size_t *out_len))
{
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    const char *out = "-";
    struct wb_site *s = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    uint64_t index = 0;
    wb_err rc;
    int ch;
    int code;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch != 'o') {
            return cli_usage(c, "usage: waybill %s INDEX [--out FILE]", field);
        }
        out = optarg;
    }
    if (argc - optind != 1) {
        return cli_usage(c, "usage: waybill %s INDEX [--out FILE]", field);
    }
    if (!cli_u64(c, "INDEX", argv[optind], &index)) {
        return EXIT_USAGE;
    }
    if (strcmp(out, "-") == 0 && !c->json && isatty(STDOUT_FILENO)) {
        return cli_usage(c, "the %s is binary CBOR; use --out FILE", field);
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    rc = fetch(s, index, &buf, &len);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "entry %s", argv[optind]);
    } else if ((rc = cli_emit(c, field, out, buf, len)) != WB_OK) {
        /* the entry is there: the place to write is the trouble */
        code = cli_fail(c, rc, "cannot write the %s", field);
    }
    wb_free(buf);
    wb_site_close(s);
    return code;
}

bool
cli_u64(const struct cli *c, const char *what, const char *s, uint64_t *out)
{
    char *end = NULL;

    errno = 0;
    if (s == NULL || s[0] < '0' || s[0] > '9' ||
        (*out = strtoull(s, &end, 10), errno != 0) || *end != '\0') {
        cli_usage(c, "%s: \"%s\" is not a non-negative whole number", what,
                  s ? s : "");
        return false;
    }
    return true;
}

wb_err
cli_verifier(const char *arg, struct wb_verifier **out)
{
    uint8_t *text = NULL;
    size_t len = 0;
    wb_err rc;

    *out = NULL;
    if (access(arg, R_OK) == 0) {
        rc = cli_read(arg, 65536, &text, &len);
        if (rc != WB_OK) {
            return rc;
        }
    } else {
        text = (uint8_t *)strdup(arg);
        if (text == NULL) {
            return WB_ERR_NOMEM;
        }
        len = strlen(arg);
    }
    if (strstr((const char *)text, "-----BEGIN") != NULL) {
        rc = wb_verifier_from_pem((const char *)text, len, out);
    } else {
        rc = wb_verifier_from_note_key((const char *)text, len, out);
    }
    if (rc != WB_OK && access(arg, F_OK) != 0 && strchr(arg, '+') == NULL) {
        /* meant as a file: say so rather than how a key is written */
        wb_errmsg_set("no such file, nor a verifier key (name+hex8+base64 "
                      "or PEM)");
    }
    free(text);
    return rc;
}

/* JSON array of strings. */
static json_t *
strings(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

static json_t *
hex(const uint8_t *p, size_t n)
{
    char buf[2 * 64 + 1];

    if (n > 64) {
        n = 64;
    }
    wb_hex_encode(p, n, buf);
    return json_string(buf);
}

json_t *
cli_claims_json(const struct wb_claims *c)
{
    json_t *o = json_object();

    json_object_set_new(o, "iss", json_string(c->iss));
    if (c->sub) {
        json_object_set_new(o, "sub", json_string(c->sub));
    }
    json_object_set_new(o, "iat", json_integer(c->iat));
    if (c->has_time_ns) {
        json_object_set_new(o, "time_ns", json_integer(c->time_ns));
    }
    json_object_set_new(o, "cti", hex(c->cti, c->cti_len));
    json_object_set_new(o, "kind", json_string(c->kind));
    if (c->has_payload) {
        json_object_set_new(o, "payload_sha256",
                            hex(c->payload_hash, WB_HASH_BYTES));
    }
    if (c->purpose_count) {
        json_object_set_new(o, "purposes",
                            strings(c->purposes, c->purpose_count));
    }
    if (c->consent_id) {
        json_object_set_new(
            o, "consent",
            json_pack("[s, I]", c->consent_id, (json_int_t)c->consent_version));
    }
    if (c->jurisdiction) {
        json_object_set_new(o, "jurisdiction", json_string(c->jurisdiction));
    }
    if (c->data_class) {
        json_object_set_new(o, "class", json_string(c->data_class));
    }
    if (c->rights) {
        json_object_set_new(o, "rights", json_string(c->rights));
    }
    if (c->parent_count) {
        json_t *a = json_array();
        for (size_t i = 0; i < c->parent_count; i++) {
            json_array_append_new(a, hex(c->parents[i], WB_HASH_BYTES));
        }
        json_object_set_new(o, "parents", a);
    }
    if (c->has_model) {
        json_object_set_new(o, "model", hex(c->model, WB_HASH_BYTES));
    }
    if (c->residency_local_only) {
        json_object_set_new(o, "residency", json_string("local-only"));
    } else if (c->residency_count) {
        json_object_set_new(o, "residency",
                            strings(c->residency, c->residency_count));
    }
    if (c->media) {
        json_object_set_new(o, "media", json_string(c->media));
    }
    if (c->has_devsig) {
        json_object_set_new(o, "devsig", hex(c->devsig, WB_HASH_BYTES));
    }
    return o;
}
