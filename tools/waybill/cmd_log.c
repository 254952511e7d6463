/* SPDX-License-Identifier: Apache-2.0 */
/* waybill checkpoint, prove, show, leaf: reading the log and its proofs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Optional --size N; *size stays 0 when absent. */
static int
size_option(struct cli *c,
            int argc,
            char **argv,
            uint64_t *size,
            bool *consistency,
            const char *usage)
{
    static const struct option opts[] = {{"size", required_argument, 0, 's'},
                                         {"consistency", no_argument, 0, 'c'},
                                         {0, 0, 0, 0}};
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 's') {
            if (!cli_u64(c, "--size", optarg, size)) {
                return EXIT_USAGE;
            }
            if (*size == 0) {
                return cli_usage(c, "--size must be at least 1");
            }
        } else if (ch == 'c' && consistency != NULL) {
            *consistency = true;
        } else {
            return cli_usage(c, "%s", usage);
        }
    }
    return 0;
}

int
cmd_checkpoint(struct cli *c, int argc, char **argv)
{
    const char *usage = "usage: waybill checkpoint [--size N]";
    struct wb_site *s = NULL;
    uint64_t size = 0;
    char *text = NULL;
    wb_err rc;
    int code = size_option(c, argc, argv, &size, NULL, usage);

    if (code == 0 && optind != argc) {
        code = cli_usage(c, "%s", usage);
    }
    if (code == 0) {
        code = cli_open(c, &s);
    }
    if (code != 0) {
        return code;
    }
    rc = wb_site_checkpoint(s, size, &text);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot make checkpoint");
    } else if (c->json) {
        cli_json(json_pack("{s:s, s:I, s:s}", "origin", wb_site_origin(s),
                           "size", (json_int_t)(size ? size : wb_site_size(s)),
                           "checkpoint", text));
    } else {
        fputs(text, stdout);
    }
    wb_free(text);
    wb_site_close(s);
    return code;
}

static int
prove_consistency(struct cli *c,
                  struct wb_site *s,
                  const char *a,
                  const char *b)
{
    uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    uint64_t old_size;
    uint64_t new_size;
    size_t count = 0;
    char *text = NULL;
    wb_err rc;

    if (!cli_u64(c, "OLD", a, &old_size) || !cli_u64(c, "NEW", b, &new_size)) {
        return EXIT_USAGE;
    }
    rc = wb_site_prove_consistency(s, old_size, new_size, proof, &count);
    if (rc == WB_OK) {
        rc = wb_proof_lines_format((const uint8_t(*)[WB_HASH_BYTES])proof,
                                   count, &text);
    }
    if (rc != WB_OK) {
        return cli_fail(c, rc, "cannot prove consistency");
    }
    if (c->json) {
        cli_json(json_pack("{s:I, s:I, s:s}", "old", (json_int_t)old_size,
                           "new", (json_int_t)new_size, "proof", text));
    } else {
        fputs(text, stdout);
    }
    wb_free(text);
    return 0;
}

int
cmd_prove(struct cli *c, int argc, char **argv)
{
    const char *usage = "usage: waybill prove INDEX [--size N] | "
                        "waybill prove --consistency OLD NEW";
    struct wb_site *s = NULL;
    bool consistency = false;
    uint64_t size = 0;
    uint64_t index = 0;
    char *text = NULL;
    wb_err rc;
    int code = size_option(c, argc, argv, &size, &consistency, usage);

    if (code != 0) {
        return code;
    }
    if (argc - optind != (consistency ? 2 : 1) || (consistency && size)) {
        return cli_usage(c, "%s", usage);
    }
    if (!consistency && !cli_u64(c, "INDEX", argv[optind], &index)) {
        return EXIT_USAGE;
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    if (consistency) {
        code = prove_consistency(c, s, argv[optind], argv[optind + 1]);
        wb_site_close(s);
        return code;
    }
    rc = wb_site_prove(s, index, size, &text);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot prove entry %s", argv[optind]);
    } else if (c->json) {
        cli_json(
            json_pack("{s:I, s:s}", "index", (json_int_t)index, "proof", text));
    } else {
        fputs(text, stdout);
    }
    wb_free(text);
    wb_site_close(s);
    return code;
}

/* INDEX argument and an open site. */
static int
index_and_site(struct cli *c,
               int argc,
               char **argv,
               const char *usage,
               uint64_t *index,
               struct wb_site **s)
{
    if (argc != 2) {
        cli_unexpected(argc, argv, 2);
        return cli_usage(c, "%s", usage);
    }
    if (!cli_u64(c, "INDEX", argv[1], index)) {
        return EXIT_USAGE;
    }
    return cli_open(c, s);
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
    struct wb_site *s = NULL;
    struct wb_claims *cl = NULL;
    uint8_t *leaf = NULL;
    uint8_t *payload = NULL;
    size_t leaf_len = 0;
    size_t payload_len = 0;
    uint64_t index = 0;
    int erased = 0;
    json_t *o;
    wb_err rc;
    int code =
        index_and_site(c, argc, argv, "usage: waybill show INDEX", &index, &s);

    if (code != 0) {
        return code;
    }
    rc = wb_site_leaf(s, index, &leaf, &leaf_len);
    if (rc == WB_OK) {
        rc = wb_claims_decode(leaf, leaf_len, &cl);
    }
    if (rc == WB_OK) {
        rc = wb_site_payload(s, index, &payload, &payload_len, &erased);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "%s", "");
        goto out;
    }
    o = json_pack("{s:I, s:o, s:I, s:b}", "index", (json_int_t)index, "claims",
                  cli_claims_json(cl), "payload_bytes", (json_int_t)payload_len,
                  "payload_erased", erased);
    if (cl->has_payload && !erased && cl->media &&
        strcmp(cl->media, "application/json") == 0) {
        json_object_set_new(
            o, "payload",
            json_loadb((const char *)payload, payload_len, 0, NULL));
    }
    cli_json(o);
out:
    wb_claims_free(cl);
    wb_free(leaf);
    wb_free(payload);
    wb_site_close(s);
    return code;
}

int
cmd_leaf(struct cli *c, int argc, char **argv)
{
    return cli_export(c, argc, argv, "leaf", wb_site_leaf);
}

/* waybill payload INDEX --out FILE: the stored payload's exact bytes and
 * the salt that opens its commitment, for a recipient to check offline
 * with the leaf and its proof (verify-proof --payload FILE --salt HEX). */
int
cmd_payload(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    static const char usage[] = "usage: waybill payload INDEX --out FILE";
    const char *out = NULL;
    struct wb_site *s = NULL;
    uint8_t salt[WB_SALT_BYTES];
    char hex[2 * WB_SALT_BYTES + 1];
    uint8_t *p = NULL;
    size_t n = 0;
    uint64_t index = 0;
    int erased = 0;
    int code;
    int ch;
    wb_err rc;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch != 'o') {
            return cli_usage(c, "%s", usage);
        }
        out = optarg;
    }
    if (argc - optind != 1 || out == NULL) {
        return cli_usage(c, "%s", usage);
    }
    if (!cli_u64(c, "INDEX", argv[optind], &index)) {
        return EXIT_USAGE;
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    rc = wb_site_payload(s, index, &p, &n, &erased);
    if (rc == WB_OK && erased) {
        wb_errmsg_set("entry %llu has no payload (erased, or never had one)",
                      (unsigned long long)index);
        rc = WB_ERR_NOTFOUND;
    }
    if (rc == WB_OK) {
        rc = wb_site_payload_salt(s, index, salt);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "entry %s", argv[optind]);
    } else if ((rc = cli_write(out, p, n)) != WB_OK) {
        code = cli_fail(c, rc, "cannot write the payload");
    } else {
        /* with the bytes on standard output, what is said of them goes
         * to standard error */
        FILE *say = strcmp(out, "-") == 0 ? stderr : stdout;
        wb_hex_encode(salt, WB_SALT_BYTES, hex);
        if (c->json) {
            json_t *j = json_pack("{s:b, s:s, s:I, s:s}", "ok", 1, "out", out,
                                  "bytes", (json_int_t)n, "salt", hex);
            char *text =
                j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
            fprintf(say, "%s\n", text ? text : "{}");
            free(text);
            json_decref(j);
        } else {
            fprintf(say, "wrote %zu bytes to %s\nsalt %s\n", n, out, hex);
        }
    }
    wb_wipe(salt, sizeof salt);
    wb_free(p);
    wb_site_close(s);
    return code;
}
