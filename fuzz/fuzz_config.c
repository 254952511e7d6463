/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: waybilld's configuration file (tools/waybilld/config.c),
 * written to a temporary file and loaded as the daemon loads it. A
 * refusal must name the file first (its line and column, or the field)
 * and leave the configuration empty; what loads must clear cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    static const struct wbd_config empty;
    struct wbd_config c;
    FILE *f;
    wb_err rc;

    if (path[0] == '\0') {
        int fd;
        snprintf(path, sizeof path, "/tmp/wbfuzzconfig.XXXXXX");
        fd = mkstemp(path);
        if (fd < 0) {
            abort();
        }
        close(fd);
    }
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        abort();
    }
    rc = wbd_config_load(path, &c);
    if (rc != WB_OK) {
        if (strncmp(wb_errmsg(), path, strlen(path)) != 0) {
            abort(); /* the message names the file first */
        }
        if (memcmp(&c, &empty, sizeof c) != 0) {
            abort(); /* a refused file leaves c empty */
        }
    }
    wbd_config_clear(&c);
    return 0;
}
