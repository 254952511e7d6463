/* SPDX-License-Identifier: Apache-2.0 */
/* Country and subdivision codes: the ISO 3166-1 and 3166-2 tables Debian's
 * iso-codes package ships, read with jansson. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

#ifndef WB_ISO_CODES_DIR
#define WB_ISO_CODES_DIR "/usr/share/iso-codes/json"
#endif

/* The "code"/"alpha_2" strings of the array `key` in file. */
static wb_err
read_table(const char *file, const char *key, json_t **out)
{
    json_error_t err;
    json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &err);

    *out = NULL;
    if (j == NULL) {
        return wb__err(WB_ERR_IO,
                       "%s: %s (the country tables come from the iso-codes "
                       "package)",
                       file, err.text);
    }
    if (!json_is_array(json_object_get(j, key))) {
        json_decref(j);
        return wb__err(WB_ERR_FORMAT, "%s: no \"%s\" list", file, key);
    }
    *out = j;
    return WB_OK;
}

static int
cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

wb_err
wb__policy_iso_load(struct wb_policy *p)
{
    json_t *t1 = NULL;
    json_t *t2 = NULL;
    json_t *list;
    json_t *e;
    size_t i;
    wb_err rc;

    rc = read_table(WB_ISO_CODES_DIR "/iso_3166-1.json", "3166-1", &t1);
    if (rc == WB_OK) {
        rc = read_table(WB_ISO_CODES_DIR "/iso_3166-2.json", "3166-2", &t2);
    }
    if (rc != WB_OK) {
        goto out;
    }
    json_array_foreach(json_object_get(t1, "3166-1"), i, e)
    {
        const char *a2 = json_string_value(json_object_get(e, "alpha_2"));
        int c = a2 && strlen(a2) == 2 ? wb__country_index(a2) : -1;
        if (c >= 0) {
            p->valid_countries[c / 64] |= 1ull << (c % 64);
        }
    }
    list = json_object_get(t2, "3166-2");
    p->subdivisions =
        wb__calloc(json_array_size(list) + 1, sizeof *p->subdivisions);
    if (p->subdivisions == NULL) {
        rc = WB_ERR_NOMEM;
        goto out;
    }
    json_array_foreach(list, i, e)
    {
        const char *code = json_string_value(json_object_get(e, "code"));
        if (code != NULL && strlen(code) <= WB_POLICY_CODE_MAX) {
            strcpy(p->subdivisions[p->subdivision_count++], code);
        }
    }
    qsort(p->subdivisions, p->subdivision_count, sizeof *p->subdivisions,
          cmp_code);
out:
    json_decref(t1);
    json_decref(t2);
    return rc;
}

bool
wb__policy_code_ok(const struct wb_policy *p, const char *code)
{
    size_t n = strlen(code);
    int c = n >= 2 ? wb__country_index(code) : -1;

    if (c < 0 || !((p->valid_countries[c / 64] >> (c % 64)) & 1)) {
        return false;
    }
    if (n == 2) {
        return true;
    }
    if (n > WB_POLICY_CODE_MAX || code[2] != '-') {
        return false;
    }
    return bsearch(code, p->subdivisions, p->subdivision_count,
                   sizeof *p->subdivisions, cmp_code) != NULL;
}
