/* SPDX-License-Identifier: Apache-2.0 */
/* waybill: the command line. Global options, dispatch, usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: waybill [--dir DIR] [--profiles DIR] [--json] COMMAND [ARGS]\n"
    "\n"
    "site:\n"
    "  init --origin NAME [--key-file FILE]   create a site directory\n"
    "  key                                    print the site's verifier key\n"
    "  keygen --name NAME --out FILE          make a device/vendor key\n"
    "devices:\n"
    "  device add ID [--pubkey KEY]           register a device\n"
    "  device list | device show ID\n"
    "records:\n"
    "  ingest [--device ID] [--purpose P]... [--class C] [--jurisdiction CC]\n"
    "         [--rights HOLDER] [--residency local-only|CC,CC] [--consent ID]\n"
    "         [--format jsonl|csv|raw|cose] [--batch N] [--ack] [--dry-run]\n"
    "         [FILE|-]\n"
    "  show INDEX                             an entry's claims and payload\n"
    "  leaf INDEX [--out FILE]                its leaf bytes (CBOR)\n"
    "  payload INDEX --out FILE               its payload bytes, and the salt\n"
    "                                         that opens its commitment\n"
    "  erase INDEX --reason TEXT\n"
    "proofs:\n"
    "  checkpoint [--size N]\n"
    "  prove INDEX [--size N] | prove --consistency OLD NEW\n"
    "  verify-proof --key VKEY (--leaf FILE | --token FILE)\n"
    "         [--payload FILE --salt HEX] PROOF\n"
    "  verify-proof --key VKEY --consistency PROOF --old CP --new CP\n"
    "  verify                                 check the whole site\n"
    "consent:\n"
    "  consent grant ID --subject S --controller C --purpose P [--purpose "
    "P]...\n"
    "         [--deny-purpose P]... --jurisdiction CC [--category X]...\n"
    "         [--store CC]... [--process CC]... [--restrict CC]...\n"
    "         [--recipient R]... [--retention-until DATE] [--expires DATE]\n"
    "         [--withdrawal-method TEXT] [--basis TEXT] [--notice REF]\n"
    "         [--state requested|given|refused]   (or: consent grant [ID]\n"
    "         --from FILE|-)                  record version 1\n"
    "  consent answer ID given|refused        answer a requested consent\n"
    "  consent withdraw ID [--purpose P] --reason TEXT\n"
    "  consent allow ID --purpose P [--reason TEXT]   grant one more purpose\n"
    "  consent renew ID [--expires DATE]\n"
    "  consent revoke ID --reason TEXT        the controller ends it\n"
    "  consent show ID [--version N] [--date DATE]\n"
    "  consent history ID | consent list\n"
    "purposes:\n"
    "  purpose list                           the purpose vocabulary\n"
    "  purpose check --entry N --purpose P [--date DATE]\n"
    "                                         may record N be used for P?\n"
    "servers:\n"
    "  server register ID --endpoint URL --operator NAME --country CC\n"
    "         --role ROLE --registration REF --mechanism TYPE\n"
    "         --mechanism-ref REF [--valid-from DATE] --valid-until DATE\n"
    "         [--pin sha256//B64 | --cert PEM]   (or: server register [ID]\n"
    "         --from FILE)\n"
    "  server update ID [field options] [--reason TEXT] | --from FILE\n"
    "  server suspend|reinstate|revoke ID --reason TEXT\n"
    "  server list [--date DATE] | server show ID [--version N] [--date DATE]\n"
    "  server history ID\n"
    "policy:\n"
    "  policy check --request FILE|- [--subjects FILE] [--record]\n"
    "         [--exit-code]                   decide a transfer (JSON out)\n"
    "  policy load                            log the profiles in use\n"
    "  policy list                            profiles and their log state\n"
    "  policy show ID [--version N]           a logged profile's text\n"
    "  policy history ID\n"
    "models:\n"
    "  model pack SPEC --model FILE --out DIR   make a package\n"
    "  model sign DIR --key-file VENDOR.key     sign its manifest\n"
    "  model register DIR --vendor-key VKEY     verify and register\n"
    "  model list | model show ID | model audit ID\n"
    "  model verify DIR --key VKEY | model verify ID\n"
    "  infer --model ID --input SELECTION --run-in CC [--purpose P]\n"
    "        [--date DATE] [--governance enforce|log-only]\n"
    "        [--audit-trail FILE] [--hook LIBRARY[:ARG]]\n"
    "                                     governed inference on records\n"
    "  pending [list]                         work owed on logged entries\n"
    "  pending drop NAME --reason TEXT        drop what a removed model\n"
    "                                         entry left owed (logged)\n"
    "reports:\n"
    "  report transfers|records|consents|maintenance [--from DATE]\n"
    "         [--to DATE]                     a compliance report, [from, to)\n"
    "api access (waybilld):\n"
    "  apikey create --role ROLE [--name NAME]  print a new key, once\n"
    "  apikey add-cert --role ROLE --cert PEM [--name NAME]\n"
    "  apikey list | apikey revoke ID\n"
    "tokens:\n"
    "  token INDEX [--out FILE]               mint a portable token\n"
    "  token verify --key VKEY FILE\n"
    "  token sign --key-file FILE [--kid ID] [--out FILE] [FILE|-]\n"
    "\n"
    "--dir defaults to $WAYBILL_DIR, then ./waybill-data. --profiles defaults\n"
    "to $WAYBILL_PROFILES, then DIR/profiles, then the installed profiles.\n"
    "exit codes: 0 ok, 1 verification failed or denied, 2 usage or bad\n"
    "input, 3 I/O or internal error.\n";

struct command {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv);
};

static const struct command commands[] = {
    {"init", cmd_init},       {"key", cmd_key},
    {"keygen", cmd_keygen},   {"device", cmd_device},
    {"ingest", cmd_ingest},   {"checkpoint", cmd_checkpoint},
    {"prove", cmd_prove},     {"verify-proof", cmd_verify_proof},
    {"show", cmd_show},       {"leaf", cmd_leaf},
    {"token", cmd_token},     {"verify", cmd_verify},
    {"erase", cmd_erase},     {"consent", cmd_consent},
    {"purpose", cmd_purpose}, {"server", cmd_server},
    {"policy", cmd_policy},   {"model", cmd_model},
    {"infer", cmd_infer},     {"policy", cmd_policy},
    {"apikey", cmd_apikey},   {"report", cmd_report},
    {"pending", cmd_pending}, {"payload", cmd_payload},
};

/* Take --dir DIR / --dir=DIR / --profiles DIR / --profiles=DIR / --json
 * out of argv wherever they stand. */
static int
global_options(struct cli *c, int *argc, char **argv)
{
    int out = 0;

    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            c->json = true;
        } else if (strncmp(argv[i], "--json=", 7) == 0) {
            return -2; /* a flag: no value */
        } else if (strcmp(argv[i], "--dir") == 0) {
            if (i + 1 >= *argc) {
                return -1;
            }
            c->dir = argv[++i];
        } else if (strncmp(argv[i], "--dir=", 6) == 0) {
            c->dir = argv[i] + 6;
        } else if (strcmp(argv[i], "--profiles") == 0) {
            if (i + 1 >= *argc) {
                return -1;
            }
            c->profiles = argv[++i];
        } else if (strncmp(argv[i], "--profiles=", 11) == 0) {
            c->profiles = argv[i] + 11;
        } else if (strcmp(argv[i], "--") == 0) {
            while (i < *argc) {
                argv[out++] = argv[i++];
            }
            break;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int
main(int argc, char **argv)
{
    struct cli c = {NULL, false, "waybill", NULL};
    const char *env = getenv("WAYBILL_DIR");

    c.dir = env && env[0] ? env : "./waybill-data";
    switch (global_options(&c, &argc, argv)) {
    case 0:
        break;
    case -2:
        return cli_usage(&c, "option \"--json\" takes no value");
    default:
        return cli_usage(&c, "--dir and --profiles need a directory");
    }
    if (wb_init() != WB_OK) {
        return cli_fail(&c, WB_ERR_CRYPTO, "cannot start the crypto library");
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0 && argc > 2 &&
            (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            fputs(usage, stdout); /* "waybill CMD --help": its lines are here */
            return 0;
        }
        if (strcmp(argv[1], commands[i].name) == 0) {
            c.cmd = commands[i].name;
            return commands[i].run(&c, argc - 1, argv + 1);
        }
    }
    return cli_usage(&c, "unknown command \"%s\" (see waybill --help)",
                     argv[1]);
}
