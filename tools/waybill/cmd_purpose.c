/* SPDX-License-Identifier: Apache-2.0 */
/* waybill purpose: being written in this change. */
#include "cli.h"

int
cmd_purpose(struct cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage(c, "purpose: not built yet");
}
