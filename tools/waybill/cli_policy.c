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

const char *
cli_profiles_dir(const struct cli *c, char *site, size_t site_len)
{
    const char *env = getenv("WAYBILL_PROFILES");

    snprintf(site, site_len, "%s/profiles", c->dir);
    if (c->profiles != NULL) {
        return c->profiles;
    }
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    if (is_dir(site)) {
        return site;
    }
    return is_dir(WB_PROFILES_INSTALLED) ? WB_PROFILES_INSTALLED
                                         : WB_PROFILES_SOURCE;
}

int
cli_policy(const struct cli *c, struct wb_policy **p)
{
    char site[4096];
    const char *dir = cli_profiles_dir(c, site, sizeof site);
    wb_err rc = wb_policy_load_dir(dir, p);

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
