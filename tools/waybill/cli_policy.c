/* SPDX-License-Identifier: Apache-2.0 */
/* Finding and loading the policy profiles for a command. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"

static bool
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cli_policy(const struct cli *c, struct wb_policy **p)
{
    const char *env = getenv("WAYBILL_PROFILES");
    char site[4096];
    const char *dir;
    wb_err rc;

    snprintf(site, sizeof site, "%s/profiles", c->dir);
    if (c->profiles != NULL) {
        dir = c->profiles;
    } else if (env != NULL && env[0] != '\0') {
        dir = env;
    } else if (is_dir(site)) {
        dir = site;
    } else if (is_dir(WB_PROFILES_INSTALLED)) {
        dir = WB_PROFILES_INSTALLED;
    } else {
        dir = WB_PROFILES_SOURCE;
    }
    rc = wb_policy_load_dir(dir, p);
    if (rc != WB_OK) {
        return cli_fail(c, rc, "cannot load the policy profiles in %s", dir);
    }
    return 0;
}

bool
cli_date(const struct cli *c, const char *what, const char *s, int32_t *days)
{
    if (wb_date_parse(s, days) != WB_OK) {
        cli_usage(c, "%s: \"%s\" is not a date (YYYY-MM-DD)", what, s);
        return false;
    }
    return true;
}
