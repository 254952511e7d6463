/* SPDX-License-Identifier: Apache-2.0 */
/* waybill init, key, keygen: site directories and keys. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int
cmd_init(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"origin", required_argument, 0, 'o'},
        {"key-file", required_argument, 0, 'k'},
        {0, 0, 0, 0}};
    const char *origin = NULL;
    const char *key_file = NULL;
    uint8_t *key = NULL;
    size_t key_len = 0;
    struct wb_site *s = NULL;
    char *vkey = NULL;
    wb_err rc = WB_OK;
    int ch;
    int code = 0;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 'o') {
            origin = optarg;
        } else if (ch == 'k') {
            key_file = optarg;
        } else {
            return cli_usage(c, "usage: waybill init --origin NAME "
                                "[--key-file FILE]");
        }
    }
    if (optind != argc || (origin == NULL && key_file == NULL)) {
        return cli_usage(c, "usage: waybill init --origin NAME "
                            "[--key-file FILE]");
    }
    if (key_file != NULL) {
        rc = cli_read(key_file, 4096, &key, &key_len);
        if (rc != WB_OK) {
            return cli_fail(c, rc, "cannot read key");
        }
    }
    rc = wb_site_create(c->dir, origin, (const char *)key, key_len, &s);
    if (key != NULL) {
        wb_wipe(key, key_len);
        free(key);
    }
    if (rc == WB_OK) {
        rc = wb_signer_verifier_key(wb_site_signer(s), &vkey);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot create site in %s", c->dir);
    } else if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "dir", c->dir,
                           "origin", wb_site_origin(s), "verifier_key", vkey));
    } else {
        printf("created site %s in %s\nverifier key: %s\n", wb_site_origin(s),
               c->dir, vkey);
    }
    wb_free(vkey);
    wb_site_close(s);
    return code;
}

int
cmd_key(struct cli *c, int argc, char **argv)
{
    struct wb_site *s = NULL;
    uint8_t id[WB_KEY_ID_BYTES];
    char idhex[2 * WB_KEY_ID_BYTES + 1];
    char *vkey = NULL;
    wb_err rc;
    int code;

    if (argc != 1) {
        cli_unexpected(argc, argv, 1);
        return cli_usage(c, "usage: waybill key");
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    rc = wb_signer_verifier_key(wb_site_signer(s), &vkey);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot format key");
    } else if (c->json) {
        wb_signer_key_id(wb_site_signer(s), id);
        wb_hex_encode(id, sizeof id, idhex);
        cli_json(json_pack("{s:s, s:s, s:s, s:s}", "origin", wb_site_origin(s),
                           "verifier_key", vkey, "key_id", idhex, "alg",
                           "Ed25519"));
    } else {
        printf("%s\n", vkey);
    }
    wb_free(vkey);
    wb_site_close(s);
    return code;
}

/* Write a private key file, mode 0600, refusing to overwrite. */
static wb_err
write_private(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    size_t len = strlen(text);
    wb_err rc = WB_OK;

    if (fd < 0) {
        rc = errno == EEXIST ? WB_ERR_EXISTS
                             : wb_err_from_errno(errno); /* 2 / 3 */
        wb_errmsg_set("%s", strerror(errno));
        return rc;
    }
    errno = 0;
    if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0) {
        wb_errmsg_set("%s", errno ? strerror(errno) : "short write");
        rc = WB_ERR_IO;
    }
    close(fd);
    if (rc != WB_OK) {
        unlink(path); /* no half-written key left behind */
    }
    return rc;
}

int
cmd_keygen(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, 0, 'n'},
                                         {"out", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    const char *name = NULL;
    const char *out = NULL;
    struct wb_signer *k = NULL;
    char *priv = NULL;
    char *vkey = NULL;
    wb_err rc;
    int ch;
    int code = 0;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch == 'n') {
            name = optarg;
        } else if (ch == 'o') {
            out = optarg;
        } else {
            name = NULL;
            break;
        }
    }
    if (name == NULL || out == NULL || optind != argc) {
        return cli_usage(c, "usage: waybill keygen --name NAME --out FILE");
    }
    rc = wb_signer_generate(name, &k);
    if (rc == WB_OK) {
        rc = wb_signer_note_key(k, &priv);
    }
    if (rc == WB_OK) {
        rc = wb_signer_verifier_key(k, &vkey);
    }
    if (rc == WB_OK) {
        rc = write_private(out, priv);
        if (rc == WB_ERR_EXISTS) {
            code = cli_usage(c, "%s exists; not overwriting a key", out);
            goto out;
        }
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot make key %s", out);
    } else if (c->json) {
        cli_json(
            json_pack("{s:s, s:s}", "key_file", out, "verifier_key", vkey));
    } else {
        printf("%s\n", vkey);
    }
out:
    if (priv != NULL) {
        wb_wipe(priv, strlen(priv));
    }
    wb_free(priv);
    wb_free(vkey);
    wb_signer_free(k);
    return code;
}
