/* SPDX-License-Identifier: Apache-2.0 */
/* waybill server: being written in this change. */
#include "cli.h"

int
cmd_server(struct cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage(c, "server: not built yet");
}
