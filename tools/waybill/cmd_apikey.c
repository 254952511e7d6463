/* SPDX-License-Identifier: Apache-2.0 */
/* waybill apikey create|add-cert|list|revoke: who may use the HTTP API. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill apikey create --role ROLE [--name NAME]\n"
    "       waybill apikey add-cert --role ROLE --cert PEM [--name NAME]\n"
    "       waybill apikey list\n"
    "       waybill apikey revoke ID\n"
    "roles: operator, compliance, maintainer, auditor, admin";

/* --role, --name, --cert options. */
static int
options(struct cli *c,
        int argc,
        char **argv,
        enum wb_access_role *role,
        const char **name,
        const char **cert)
{
    static const struct option opts[] = {{"role", required_argument, 0, 'r'},
                                         {"name", required_argument, 0, 'n'},
                                         {"cert", required_argument, 0, 'c'},
                                         {0, 0, 0, 0}};
    int ch;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 'r') {
            if (wb_access_role_parse(optarg, role) != WB_OK) {
                return cli_usage(c, "--role: %s", wb_errmsg());
            }
        } else if (ch == 'n') {
            *name = optarg;
        } else if (ch == 'c' && cert != NULL) {
            *cert = optarg;
        } else {
            return cli_usage(c, "%s", usage);
        }
    }
    if (optind != argc || *role == WB_ACCESS_NONE ||
        (cert != NULL && *cert == NULL)) {
        return cli_usage(c, "%s", usage);
    }
    return 0;
}

static int
apikey_create(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    char key[WB_APIKEY_TEXT_MAX + 1];
    enum wb_access_role role = WB_ACCESS_NONE;
    const char *name = NULL;
    struct wb_apikey k;
    int code = options(c, argc, argv, &role, &name, NULL);
    wb_err rc;

    if (code != 0) {
        return code;
    }
    rc = wb_apikey_create(s, role, name, key, &k);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "cannot create an API key");
    }
    if (c->json) {
        cli_json(json_pack("{s:s, s:s, s:s, s:s}", "id", k.id, "role",
                           wb_access_role_name(k.role), "name", k.name, "key",
                           key));
    } else {
        printf("%s\n", key);
        fprintf(stderr, "API key %s (%s) created; it is shown only this once\n",
                k.id, wb_access_role_name(k.role));
    }
    wb_wipe(key, sizeof key);
    return 0;
}

static int
apikey_add_cert(struct cli *c, struct wb_site *s, int argc, char **argv)
{
    enum wb_access_role role = WB_ACCESS_NONE;
    const char *name = NULL;
    const char *cert = NULL;
    uint8_t *pem = NULL;
    size_t len = 0;
    struct wb_apikey k;
    char hex[65];
    int code = options(c, argc, argv, &role, &name, &cert);
    wb_err rc;

    if (code != 0) {
        return code;
    }
    rc = cli_read(cert, 65536, &pem, &len);
    if (rc == WB_OK) {
        rc = wb_apikey_add_cert(s, role, name, (const char *)pem, len, &k);
    }
    free(pem);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "cannot register certificate %s", cert);
    }
    wb_hex_encode(k.cert_sha256, sizeof k.cert_sha256, hex);
    if (c->json) {
        cli_json(json_pack("{s:s, s:s, s:s}", "id", k.id, "role",
                           wb_access_role_name(k.role), "sha256", hex));
    } else {
        printf("client certificate %s (%s) sha256 %s\n", k.id,
               wb_access_role_name(k.role), hex);
    }
    return 0;
}

static int
apikey_list(struct cli *c, struct wb_site *s)
{
    struct wb_apikey *v = NULL;
    size_t n = 0;
    json_t *a = json_array();
    char hex[65];
    wb_err rc = wb_apikey_list(s, &v, &n);

    if (rc != WB_OK) {
        json_decref(a);
        return cli_fail(c, rc, "cannot list API keys");
    }
    for (size_t i = 0; i < n; i++) {
        wb_hex_encode(v[i].cert_sha256, sizeof v[i].cert_sha256, hex);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:I}", "id", v[i].id,
                         "type", v[i].is_cert ? "cert" : "key", "role",
                         wb_access_role_name(v[i].role), "name", v[i].name,
                         "sha256", v[i].is_cert ? hex : NULL, "created",
                         (json_int_t)v[i].created, "revoked",
                         (json_int_t)v[i].revoked));
        if (!c->json) {
            printf("%s  %-4s  %-10s  %-8s  %s\n", v[i].id,
                   v[i].is_cert ? "cert" : "key",
                   wb_access_role_name(v[i].role),
                   v[i].revoked ? "revoked" : "active", v[i].name);
        }
    }
    wb_free(v);
    if (c->json) {
        cli_json(json_pack("{s:o}", "keys", a));
    } else {
        json_decref(a);
    }
    return 0;
}

int
cmd_apikey(struct cli *c, int argc, char **argv)
{
    struct wb_site *s = NULL;
    wb_err rc;
    int code;

    if (argc < 2) {
        return cli_usage(c, "%s", usage);
    }
    if (strcmp(argv[1], "list") == 0 && argc != 2) {
        cli_unexpected(argc, argv, 2);
        return cli_usage(c, "%s", usage);
    }
    if (strcmp(argv[1], "revoke") == 0 && argc != 3) {
        cli_unexpected(argc, argv, 3);
        return cli_usage(c, "%s", usage);
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    if (strcmp(argv[1], "create") == 0) {
        code = apikey_create(c, s, argc - 1, argv + 1);
    } else if (strcmp(argv[1], "add-cert") == 0) {
        code = apikey_add_cert(c, s, argc - 1, argv + 1);
    } else if (strcmp(argv[1], "list") == 0) {
        code = apikey_list(c, s);
    } else if (strcmp(argv[1], "revoke") == 0) {
        rc = wb_apikey_revoke(s, argv[2]);
        if (rc != WB_OK) {
            code = cli_fail(c, rc, "cannot revoke %s", argv[2]);
        } else if (c->json) {
            cli_json(json_pack("{s:b, s:s}", "ok", 1, "revoked", argv[2]));
        } else {
            printf("revoked %s\n", argv[2]);
        }
    } else {
        code = cli_usage(c, "%s", usage);
    }
    wb_site_close(s);
    return code;
}
