/* SPDX-License-Identifier: Apache-2.0 */
/* waybill device add|list|show: the device registry. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *
alg_name(int alg)
{
    return alg == WB_ALG_EDDSA ? "EdDSA" : alg == WB_ALG_ES256 ? "ES256" : "-";
}

static json_t *
device_json(const struct wb_device *d)
{
    char *b64 = NULL;
    json_t *o;

    if (d->pubkey_len > 0 &&
        wb_base64_encode(d->pubkey, d->pubkey_len, &b64) != WB_OK) {
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:s?, s:I, s:I}", "id", d->id, "alg",
                  alg_name(d->alg), "pubkey", b64, "entry",
                  (json_int_t)d->entry, "created", (json_int_t)d->created);
    wb_free(b64);
    return o;
}

static int
device_add(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    static const struct option opts[] = {{"pubkey", required_argument, 0, 'p'},
                                         {0, 0, 0, 0}};
    const char *pubkey = NULL;
    struct wb_verifier *v = NULL;
    const uint8_t *pk = NULL;
    size_t pk_len = 0;
    uint64_t entry = 0;
    wb_err rc;
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch != 'p') {
            return cli_usage(c, "usage: waybill device add ID [--pubkey KEY]");
        }
        pubkey = optarg;
    }
    if (optind + 1 != argc) {
        return cli_usage(c, "usage: waybill device add ID [--pubkey KEY]");
    }
    if (pubkey != NULL) {
        rc = cli_verifier(pubkey, &v);
        if (rc != WB_OK) {
            return cli_fail(c, rc, "--pubkey");
        }
        pk = wb_verifier_public_key(v, &pk_len);
    }
    rc = wb_site_device_add(s, argv[optind], v ? wb_verifier_alg(v) : 0, pk,
                            pk_len, &entry);
    if (rc != WB_OK) {
        wb_verifier_free(v);
        return cli_fail(c, rc, "cannot register device %s", argv[optind]);
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:I}", "ok", 1, "id", argv[optind],
                           "entry", (json_int_t)entry));
    } else {
        printf("registered device %s (entry %llu)\n", argv[optind],
               (unsigned long long)entry);
    }
    wb_verifier_free(v);
    return 0;
}

static int
device_list(struct cli *c, struct wb_site *s)
{
    struct wb_device *d = NULL;
    size_t n = 0;
    wb_err rc = wb_site_device_list(s, &d, &n);
    json_t *a;

    if (rc != WB_OK) {
        return cli_fail(c, rc, "cannot list devices");
    }
    if (c->json) {
        a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(a, device_json(&d[i]));
        }
        cli_json(json_pack("{s:o}", "devices", a));
    } else {
        for (size_t i = 0; i < n; i++) {
            printf("%s\t%s\tentry %llu\n", d[i].id, alg_name(d[i].alg),
                   (unsigned long long)d[i].entry);
        }
    }
    wb_free(d);
    return 0;
}

static int
device_show(struct cli *c, struct wb_site *s, const char *id)
{
    struct wb_device d;
    char *b64 = NULL;
    wb_err rc = wb_site_device_get(s, id, &d);

    if (rc != WB_OK) {
        return cli_fail(c, rc, "device %s", id);
    }
    if (c->json) {
        cli_json(device_json(&d));
        return 0;
    }
    if (d.pubkey_len > 0 &&
        wb_base64_encode(d.pubkey, d.pubkey_len, &b64) != WB_OK) {
        return cli_fail(c, WB_ERR_NOMEM, "device %s", id);
    }
    printf("id: %s\nalg: %s\npubkey: %s\nentry: %llu\ncreated: %lld\n", d.id,
           alg_name(d.alg), b64 ? b64 : "-", (unsigned long long)d.entry,
           (long long)d.created);
    wb_free(b64);
    return 0;
}

int
cmd_device(struct cli *c, int argc, char **argv)
{
    struct wb_site *s = NULL;
    int code;

    if (argc < 2) {
        return cli_usage(c, "usage: waybill device add|list|show ...");
    }
    if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0 &&
        strcmp(argv[1], "show") != 0) {
        return cli_usage(c, "unknown device command \"%s\"", argv[1]);
    }
    if ((strcmp(argv[1], "list") == 0 && argc != 2) ||
        (strcmp(argv[1], "show") == 0 && argc != 3)) {
        cli_unexpected(argc, argv, strcmp(argv[1], "list") == 0 ? 2 : 3);
        return cli_usage(c, "usage: waybill device list | device show ID");
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    if (strcmp(argv[1], "add") == 0) {
        code = device_add(c, s, argc - 1, argv + 1);
    } else if (strcmp(argv[1], "list") == 0) {
        code = device_list(c, s);
    } else {
        code = device_show(c, s, argv[2]);
    }
    wb_site_close(s);
    return code;
}
