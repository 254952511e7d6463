/* SPDX-License-Identifier: Apache-2.0 */
/* waybill command line: placeholder entry until the subcommands land. */
#include <stdio.h>

#include <waybill/waybill.h>

int
main(void)
{
    return wb_init() == WB_OK ? 0 : 3;
}
