/* SPDX-License-Identifier: Apache-2.0 */
/* waybill policy: being written in this change. */
#include "cli.h"

int
cmd_policy(struct cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage(c, "policy: not built yet");
}
