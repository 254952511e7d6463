/* SPDX-License-Identifier: Apache-2.0 */
/* waybill token: mint a record's portable token, verify one, and sign a
 * payload with a device key (what a device with a key sends). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int
token_verify(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, 0, 'k'},
                                         {0, 0, 0, 0}};
    const char *usage = "usage: waybill token verify --key VKEY FILE";
    const char *key = NULL;
    struct wb_verifier *v = NULL;
    struct wb_cose_sign1 cose;
    struct wb_claims *cl = NULL;
    uint8_t *tok = NULL;
    size_t tok_len = 0;
    wb_err rc;
    int ch;
    int code = 0;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch != 'k') {
            return cli_usage(c, "%s", usage);
        }
        key = optarg;
    }
    if (key == NULL || argc - optind != 1) {
        return cli_usage(c, "%s", usage);
    }
    rc = cli_verifier(key, &v);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "--key");
    }
    rc = cli_read(argv[optind], WB_TOKEN_MAX_BYTES, &tok, &tok_len);
    if (rc == WB_OK) {
        rc = wb_cose_verify(tok, tok_len, v, NULL, 0, &cose);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "token %s does not verify", argv[optind]);
        goto out;
    }
    /* a waybill token's payload is claims; other COSE payloads are shown
     * by size only */
    if (wb_claims_decode(cose.payload, cose.payload_len, &cl) != WB_OK) {
        cl = NULL;
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:i, s:I, s:o?}", "ok", 1, "alg", cose.alg,
                           "payload_bytes", (json_int_t)cose.payload_len,
                           "claims", cl ? cli_claims_json(cl) : NULL));
    } else if (cl != NULL) {
        printf("OK: %s token of %s, kind %s, issued %lld\n",
               cose.alg == WB_ALG_EDDSA ? "EdDSA" : "ES256", cl->iss, cl->kind,
               (long long)cl->iat);
    } else {
        printf("OK: %s signature over a %zu-byte payload\n",
               cose.alg == WB_ALG_EDDSA ? "EdDSA" : "ES256", cose.payload_len);
    }
out:
    wb_claims_free(cl);
    free(tok);
    wb_verifier_free(v);
    return code;
}

static int
token_sign(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"key-file", required_argument, 0, 'k'},
        {"kid", required_argument, 0, 'i'},
        {"out", required_argument, 0, 'o'},
        {0, 0, 0, 0}};
    const char *usage = "usage: waybill token sign --key-file FILE [--kid ID] "
                        "[--out FILE] [FILE|-]";
    const char *key_file = NULL;
    const char *kid = NULL;
    const char *out = "-";
    struct wb_signer *k = NULL;
    uint8_t *key = NULL;
    uint8_t *payload = NULL;
    uint8_t *tok = NULL;
    size_t key_len = 0;
    size_t payload_len = 0;
    size_t tok_len = 0;
    wb_err rc;
    int ch;
    int code = 0;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        switch (ch) {
        case 'k':
            key_file = optarg;
            break;
        case 'i':
            kid = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        default:
            return cli_usage(c, "%s", usage);
        }
    }
    if (key_file == NULL || argc - optind > 1) {
        return cli_usage(c, "%s", usage);
    }
    rc = cli_read(key_file, 4096, &key, &key_len);
    if (rc == WB_OK) {
        rc = wb_signer_from_note_key((const char *)key, key_len, &k);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "--key-file %s", key_file);
        goto out;
    }
    if (kid == NULL) {
        kid = wb_signer_name(k);
    }
    rc = cli_read(optind < argc ? argv[optind] : "-", WB_PAYLOAD_MAX_BYTES,
                  &payload, &payload_len);
    if (rc == WB_OK) {
        rc = wb_cose_sign(k, (const uint8_t *)kid, strlen(kid), payload,
                          payload_len, &tok, &tok_len);
    }
    if (rc == WB_OK) {
        rc = cli_emit(c, "token", out, tok, tok_len);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot sign");
    }
out:
    if (key != NULL) {
        wb_wipe(key, key_len);
    }
    free(key);
    free(payload);
    wb_free(tok);
    wb_signer_free(k);
    return code;
}

int
cmd_token(struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
        return token_verify(c, argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "sign") == 0) {
        return token_sign(c, argc - 1, argv + 1);
    }
    return cli_export(c, argc, argv, "token", wb_site_token);
}
