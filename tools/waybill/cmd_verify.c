/* SPDX-License-Identifier: Apache-2.0 */
/* waybill verify-proof (offline, no site), verify (the whole site), erase. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct vp_args {
    const char *key;
    const char *leaf;
    const char *token;
    const char *consistency;
    const char *old_cp;
    const char *new_cp;
    const char *proof;
    const char *payload; /* a disclosed payload to check, or NULL */
    const char *salt;    /* its salt, hex */
};

/* Read and verify a checkpoint file. */
static wb_err
read_checkpoint(const char *path,
                const struct wb_verifier *v,
                struct wb_checkpoint *cp)
{
    uint8_t *text = NULL;
    size_t len = 0;
    wb_err rc = cli_read(path, WB_NOTE_MAX_BYTES, &text, &len);

    if (rc == WB_OK) {
        rc = wb_checkpoint_verify((const char *)text, len, v, cp);
    }
    free(text);
    return rc;
}

static int
verify_consistency(struct cli *c,
                   const struct vp_args *a,
                   const struct wb_verifier *v)
{
    uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES];
    struct wb_checkpoint old_cp;
    struct wb_checkpoint new_cp;
    uint8_t *text = NULL;
    size_t len = 0;
    size_t count = 0;
    wb_err rc;

    rc = read_checkpoint(a->old_cp, v, &old_cp);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "old checkpoint %s", a->old_cp);
    }
    rc = read_checkpoint(a->new_cp, v, &new_cp);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "new checkpoint %s", a->new_cp);
    }
    rc = cli_read(a->consistency, WB_TLOG_PROOF_MAX_BYTES, &text, &len);
    if (rc == WB_OK) {
        rc = wb_proof_lines_parse((const char *)text, len, proof, &count);
    }
    free(text);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "proof %s", a->consistency);
    }
    if (strcmp(old_cp.origin, new_cp.origin) != 0) {
        return cli_fail(c, WB_ERR_VERIFY, "checkpoints are of different logs");
    }
    rc = wb_merkle_verify_consistency(
        old_cp.size, new_cp.size, old_cp.root, new_cp.root,
        (const uint8_t(*)[WB_HASH_BYTES])proof, count);
    if (rc != WB_OK) {
        return cli_fail(c, rc == WB_ERR_INVAL ? WB_ERR_VERIFY : rc,
                        "proof %s: consistency of %llu -> %llu does not "
                        "verify",
                        a->consistency, (unsigned long long)old_cp.size,
                        (unsigned long long)new_cp.size);
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:I, s:I}", "ok", 1, "origin",
                           new_cp.origin, "old", (json_int_t)old_cp.size, "new",
                           (json_int_t)new_cp.size));
    } else {
        printf("OK: %s grew from %llu to %llu entries without rewriting "
               "history\n",
               new_cp.origin, (unsigned long long)old_cp.size,
               (unsigned long long)new_cp.size);
    }
    return 0;
}

/* The leaf bytes: from --leaf, or the payload of a --token verified with
 * the same key. */
static int
load_leaf(struct cli *c,
          const struct vp_args *a,
          const struct wb_verifier *v,
          uint8_t **leaf,
          size_t *leaf_len)
{
    struct wb_cose_sign1 cose;
    uint8_t *tok = NULL;
    size_t tok_len = 0;
    wb_err rc;

    if (a->leaf != NULL) {
        struct wb_claims *cl = NULL;
        rc = cli_read(a->leaf, WB_CLAIMS_MAX_BYTES, leaf, leaf_len);
        if (rc == WB_OK) {
            /* every entry's leaf is its claims: say so before any proof */
            rc = wb_claims_decode(*leaf, *leaf_len, &cl);
            rc = rc == WB_ERR_FORMAT ? WB_ERR_VERIFY : rc;
            wb_claims_free(cl);
        }
        if (rc != WB_OK) {
            free(*leaf);
            *leaf = NULL;
        }
        return rc == WB_OK
                   ? 0
                   : cli_fail(c, rc, "leaf %s is not a waybill leaf", a->leaf);
    }
    rc = cli_read(a->token, WB_TOKEN_MAX_BYTES, &tok, &tok_len);
    if (rc == WB_OK) {
        rc = wb_cose_verify(tok, tok_len, v, NULL, 0, &cose);
    }
    if (rc == WB_OK) {
        *leaf = malloc(cose.payload_len + 1);
        rc = *leaf ? WB_OK : WB_ERR_NOMEM;
    }
    if (rc == WB_OK) {
        memcpy(*leaf, cose.payload, cose.payload_len);
        *leaf_len = cose.payload_len;
    }
    free(tok);
    return rc == WB_OK ? 0 : cli_fail(c, rc, "token %s", a->token);
}

/* The disclosed payload (--payload) with its salt (--salt) against the
 * commitment in the proven leaf. */
static int
check_payload(struct cli *c,
              const struct vp_args *a,
              const uint8_t *leaf,
              size_t leaf_len)
{
    struct wb_claims *cl = NULL;
    uint8_t salt[WB_SALT_BYTES];
    uint8_t *pay = NULL;
    size_t n = 0;
    int code = 0;
    wb_err rc = wb_claims_decode(leaf, leaf_len, &cl);

    if (rc == WB_OK &&
        (strlen(a->salt) != 2 * WB_SALT_BYTES ||
         wb_hex_decode(a->salt, strlen(a->salt), salt, sizeof salt) != WB_OK)) {
        code = cli_usage(c,
                         "--salt: want %d hex digits (the payload's "
                         "Waybill-Payload-Salt)",
                         2 * WB_SALT_BYTES);
        goto out;
    }
    if (rc == WB_OK) {
        rc = cli_read(a->payload, WB_PAYLOAD_MAX_BYTES, &pay, &n);
        if (rc != WB_OK) {
            code = cli_fail(c, rc, "payload %s", a->payload);
            goto out;
        }
        rc = wb_payload_check(cl, salt, sizeof salt, pay, n);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "payload %s", a->payload);
    }
out:
    free(pay);
    wb_claims_free(cl);
    return code;
}

static int
verify_inclusion(struct cli *c,
                 const struct vp_args *a,
                 const struct wb_verifier *v)
{
    struct wb_checkpoint cp;
    uint8_t *leaf = NULL;
    uint8_t *proof = NULL;
    size_t leaf_len = 0;
    size_t proof_len = 0;
    struct wb_tlog_proof *p = NULL;
    uint8_t lh[WB_HASH_BYTES];
    char hex[2 * WB_HASH_BYTES + 1];
    wb_err rc;
    int code = load_leaf(c, a, v, &leaf, &leaf_len);

    if (code != 0) {
        return code;
    }
    rc = cli_read(a->proof, WB_TLOG_PROOF_MAX_BYTES, &proof, &proof_len);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "proof %s", a->proof);
        goto out;
    }
    wb_merkle_leaf_hash(leaf, leaf_len, lh);
    wb_hex_encode(lh, WB_HASH_BYTES, hex);
    rc = wb_tlog_proof_verify((const char *)proof, proof_len, v, leaf, leaf_len,
                              &cp);
    if (rc == WB_OK) {
        rc = wb_tlog_proof_parse((const char *)proof, proof_len, &p);
    }
    if (rc != WB_OK) {
        code = cli_fail(c, rc == WB_ERR_INVAL ? WB_ERR_VERIFY : rc,
                        "proof %s does not verify for the leaf whose hash is "
                        "%s",
                        a->proof, hex);
        goto out;
    }
    code = a->payload ? check_payload(c, a, leaf, leaf_len) : 0;
    if (code != 0) {
        goto out;
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:I, s:I, s:s, s:b}", "ok", 1, "origin",
                           cp.origin, "index", (json_int_t)p->index, "size",
                           (json_int_t)cp.size, "leaf_hash", hex, "payload",
                           a->payload != NULL));
    } else {
        printf("OK: entry %llu is in %s at size %llu%s%s%s\n",
               (unsigned long long)p->index, cp.origin,
               (unsigned long long)cp.size,
               a->payload ? "; its payload is " : "",
               a->payload ? a->payload : "",
               a->payload ? ", as its leaf commits" : "");
    }
out:
    wb_tlog_proof_free(p);
    free(leaf);
    free(proof);
    return code;
}

int
cmd_verify_proof(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, 0, 'k'},
        {"leaf", required_argument, 0, 'l'},
        {"token", required_argument, 0, 't'},
        {"consistency", required_argument, 0, 'c'},
        {"old", required_argument, 0, 'o'},
        {"new", required_argument, 0, 'n'},
        {"payload", required_argument, 0, 'p'},
        {"salt", required_argument, 0, 's'},
        {0, 0, 0, 0}};
    const char *usage =
        "usage: waybill verify-proof --key VKEY (--leaf FILE | --token FILE) "
        "[--payload FILE --salt HEX] PROOF\n       waybill verify-proof --key "
        "VKEY --consistency PROOF --old CP --new CP";
    struct vp_args a;
    struct wb_verifier *v = NULL;
    wb_err rc;
    int ch;
    int code;

    memset(&a, 0, sizeof a);
    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        switch (ch) {
        case 'k':
            a.key = optarg;
            break;
        case 'l':
            a.leaf = optarg;
            break;
        case 't':
            a.token = optarg;
            break;
        case 'c':
            a.consistency = optarg;
            break;
        case 'o':
            a.old_cp = optarg;
            break;
        case 'n':
            a.new_cp = optarg;
            break;
        case 'p':
            a.payload = optarg;
            break;
        case 's':
            a.salt = optarg;
            break;
        default:
            return cli_usage(c, "%s", usage);
        }
    }
    if (a.key == NULL || (a.payload == NULL) != (a.salt == NULL) ||
        (a.payload != NULL && a.consistency != NULL) ||
        (a.consistency != NULL
             ? (a.old_cp == NULL || a.new_cp == NULL || optind != argc)
             : ((a.leaf == NULL) == (a.token == NULL) || argc - optind != 1))) {
        return cli_usage(c, "%s", usage);
    }
    a.proof = optind < argc ? argv[optind] : NULL;
    rc = cli_verifier(a.key, &v);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "--key");
    }
    code = a.consistency ? verify_consistency(c, &a, v)
                         : verify_inclusion(c, &a, v);
    wb_verifier_free(v);
    return code;
}

/* Each registered model's copy in the site against its signed entry:
 * *count verified of *total; each that fails named in bad (a JSON array
 * of messages), and WB_ERR_VERIFY when one did. */
static wb_err
verify_models(struct wb_site *s, size_t *count, size_t *total, json_t *bad)
{
    struct wb_model_entry *v = NULL;
    size_t n = 0;
    wb_err rc = wb_model_list(s, &v, &n);
    bool failed = false;

    *count = 0;
    *total = n;
    for (size_t i = 0; rc == WB_OK && i < n; i++) {
        wb_err one = wb_model_verify(s, v[i].id, NULL);
        if (one == WB_OK) {
            (*count)++;
        } else if (one == WB_ERR_VERIFY || one == WB_ERR_NOTFOUND ||
                   one == WB_ERR_IO || one == WB_ERR_FORMAT) {
            failed = true; /* and on to the next: report every one */
            json_array_append_new(bad, json_string(wb_errmsg()));
        } else {
            rc = one;
        }
    }
    wb_model_entries_free(v, n);
    return rc == WB_OK && failed ? WB_ERR_VERIFY : rc;
}

int
cmd_verify(struct cli *c, int argc, char **argv)
{
    struct wb_verify_report r;
    struct wb_site *s = NULL;
    json_t *bad = NULL;
    size_t models = 0;
    size_t registered = 0;
    wb_err rc;
    int code;

    if (argc != 1) {
        cli_unexpected(argc, argv, 1);
        return cli_usage(c, "usage: waybill verify");
    }
    bad = json_array(); /* after the usage check: nothing to free there */
    code = bad != NULL ? cli_open(c, &s) : cli_fail(c, WB_ERR_NOMEM, "verify");
    if (code != 0) {
        json_decref(bad);
        return code;
    }
    rc = wb_site_verify(s, &r);
    if (rc == WB_OK) {
        /* the log holds; then the model copies it vouches for */
        rc = verify_models(s, &models, &registered, bad);
    }
    if (c->json && (rc == WB_OK || rc == WB_ERR_VERIFY)) {
        const char *first = json_string_value(json_array_get(bad, 0));
        cli_json(json_pack(
            "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:O}", "ok",
            rc == WB_OK, "entries", (json_int_t)r.entries, "payloads",
            (json_int_t)r.payloads, "erased", (json_int_t)r.erased,
            "checkpoints", (json_int_t)r.checkpoints, "models",
            (json_int_t)models, "models_registered", (json_int_t)registered,
            "first_bad", (json_int_t)r.first_bad, "problem",
            first ? first : r.what, "model_problems", bad));
        code = wb_err_exit_code(rc);
    } else if (rc == WB_OK) {
        printf("ok: %llu entries, %llu payloads match their commitments, "
               "%llu erased, %llu checkpoints\n",
               (unsigned long long)r.entries, (unsigned long long)r.payloads,
               (unsigned long long)r.erased, (unsigned long long)r.checkpoints);
        if (models > 0) {
            printf("ok: %zu registered model(s): the site's copies match "
                   "their signed manifests\n",
                   models);
        }
    } else if (rc == WB_ERR_VERIFY && json_array_size(bad) > 0) {
        size_t i;
        json_t *m;
        json_array_foreach(bad, i, m)
        {
            fprintf(stderr, "waybill verify: FAILED: %s\n",
                    json_string_value(m));
        }
        fprintf(stderr,
                "waybill verify: %zu of %zu registered model(s) match their "
                "signed manifests\n",
                models, registered);
        code = EXIT_VERIFY;
    } else if (rc == WB_ERR_VERIFY && r.first_bad < 0) {
        fprintf(stderr, "waybill verify: FAILED: %s\n", r.what);
        code = EXIT_VERIFY;
    } else if (rc == WB_ERR_VERIFY) {
        fprintf(stderr, "waybill verify: FAILED at entry %lld: %s\n",
                (long long)r.first_bad, r.what);
        code = EXIT_VERIFY;
    } else {
        code = cli_fail(c, rc, "cannot verify %s", c->dir);
    }
    json_decref(bad);
    wb_site_close(s);
    return code;
}

int
cmd_erase(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"reason", required_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    const char *reason = NULL;
    struct wb_site *s = NULL;
    uint64_t index = 0;
    uint64_t erasure = 0;
    wb_err rc;
    int ch;
    int code;

    while ((ch = cli_getopt(argc, argv, opts)) != -1) {
        if (ch != 'r') {
            return cli_usage(c, "usage: waybill erase INDEX --reason TEXT");
        }
        reason = optarg;
    }
    if (reason == NULL || argc - optind != 1) {
        return cli_usage(c, "usage: waybill erase INDEX --reason TEXT");
    }
    if (!cli_u64(c, "INDEX", argv[optind], &index)) {
        return EXIT_USAGE;
    }
    code = cli_open(c, &s);
    if (code != 0) {
        return code;
    }
    rc = wb_site_erase(s, index, reason, &erasure);
    if (rc != WB_OK) {
        code = cli_fail(c, rc, "cannot erase entry %s", argv[optind]);
    } else if (c->json) {
        cli_json(json_pack("{s:b, s:I, s:I}", "ok", 1, "erased",
                           (json_int_t)index, "erasure_entry",
                           (json_int_t)erasure));
    } else {
        printf("erased the payload of entry %llu (erasure logged as entry "
               "%llu)\n",
               (unsigned long long)index, (unsigned long long)erasure);
    }
    wb_site_close(s);
    return code;
}
