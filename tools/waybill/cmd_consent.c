/* SPDX-License-Identifier: Apache-2.0 */
/* waybill consent: being written in this change. */
#include "cli.h"

int
cmd_consent(struct cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage(c, "consent: not built yet");
}
