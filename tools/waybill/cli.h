/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the waybill subcommands: options every command takes, output
 * in text or JSON, errors mapped to exit codes. */
#ifndef WB_CLI_H
#define WB_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include <waybill/waybill.h>

#define EXIT_VERIFY 1
#define EXIT_USAGE  2
#define EXIT_IO     3

struct cli {
    const char *dir;      /* --dir, $WAYBILL_DIR or ./waybill-data */
    bool json;            /* --json */
    const char *cmd;      /* for messages */
    const char *profiles; /* --profiles DIR, or NULL */
};

/* Report err with a message and the library's detail on stderr (and as a
 * JSON object on stdout under --json, with extra (stolen, may be NULL)
 * merged into it); returns the exit code. */
int cli_fail_json(const struct cli *c,
                  wb_err err,
                  json_t *extra,
                  const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/* cli_fail_json without extra members. */
#define cli_fail(c, err, ...) cli_fail_json((c), (err), NULL, __VA_ARGS__)

/* getopt_long over opts (long options only) without getopt's own
 * messages: an unknown option, or one missing its value, returns '?' and
 * is named by the next cli_usage(). */
int cli_getopt(int argc, char **argv, const struct option *opts);

/* argv[want] and after are more than the command takes (argc > want):
 * the next cli_usage() names the first of them. */
void cli_unexpected(int argc, char **argv, int want);

/* A usage error: message (after what cli_getopt refused, if anything) and
 * exit code 2. */
int cli_usage(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Open the site of c->dir, reporting failures; returns 0 or the exit
 * code. */
int cli_open(const struct cli *c, struct wb_site **s);

/* The profiles directory a command uses, as cli_policy finds it (site
 * holds DIR/profiles; site_len bytes). */
const char *cli_profiles_dir(const struct cli *c, char *site, size_t site_len);

/* Load the policy profiles: --profiles DIR, else $WAYBILL_PROFILES, else
 * DIR/profiles of the site when it exists, else the installed set, else
 * the source tree's. Returns 0 or the exit code (reported). */
int cli_policy(const struct cli *c, struct wb_policy **p);

/* Parse a YYYY-MM-DD option; false (after a usage message) on junk. */
bool
cli_date(const struct cli *c, const char *what, const char *s, int32_t *days);

/* A new JSON real for f at the nine significant digits that name a float
 * (as the log's payloads hold it), not f widened to a double's 17. */
json_t *cli_float(float f);

/* Print j (stolen) on stdout, indented, with a newline. */
void cli_json(json_t *j);

/* Read a file ("-" = stdin) of at most max bytes; NUL-terminated. */
wb_err cli_read(const char *path, size_t max, uint8_t **buf, size_t *len);

/* Write bytes to path ("-" = stdout), replacing it atomically. */
wb_err cli_write(const char *path, const uint8_t *buf, size_t len);

/* Emit binary output: written to path ("-" = stdout); under --json the
 * bytes go into a JSON object as base64 (path "-") or the object names the
 * file written. */
wb_err cli_emit(const struct cli *c,
                const char *field,
                const char *path,
                const uint8_t *buf,
                size_t len);

/* `waybill leaf|token INDEX [--out FILE]`: fetch the entry's bytes with
 * fetch and emit them (binary CBOR: never raw to a terminal). */
int cli_export(struct cli *c,
               int argc,
               char **argv,
               const char *field,
               wb_err (*fetch)(struct wb_site *s,
                               uint64_t index,
                               uint8_t **out,
                               size_t *out_len));

/* Parse a decimal index; false (after a usage message) on junk. */
bool
cli_u64(const struct cli *c, const char *what, const char *s, uint64_t *out);

/* A verifier from text or a file: signed-note verifier key text, or a PEM
 * public key (Ed25519 or P-256). */
wb_err cli_verifier(const char *arg, struct wb_verifier **out);

/* Claims as a JSON object (names from design.md). */
json_t *cli_claims_json(const struct wb_claims *c);

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_key(struct cli *c, int argc, char **argv);
int cmd_keygen(struct cli *c, int argc, char **argv);
int cmd_device(struct cli *c, int argc, char **argv);
int cmd_ingest(struct cli *c, int argc, char **argv);
int cmd_checkpoint(struct cli *c, int argc, char **argv);
int cmd_prove(struct cli *c, int argc, char **argv);
int cmd_verify_proof(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_leaf(struct cli *c, int argc, char **argv);
int cmd_payload(struct cli *c, int argc, char **argv);
int cmd_token(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_erase(struct cli *c, int argc, char **argv);
int cmd_consent(struct cli *c, int argc, char **argv);
int cmd_purpose(struct cli *c, int argc, char **argv);
int cmd_pending(struct cli *c, int argc, char **argv);
int cmd_server(struct cli *c, int argc, char **argv);
int cmd_policy(struct cli *c, int argc, char **argv);
int cmd_model(struct cli *c, int argc, char **argv);
int cmd_infer(struct cli *c, int argc, char **argv);

/* waybill policy load|list|show|history (argv[0] is the subcommand). */
int cli_policy_register(struct cli *c, int argc, char **argv);
int cmd_apikey(struct cli *c, int argc, char **argv);
int cmd_report(struct cli *c, int argc, char **argv);

#endif
