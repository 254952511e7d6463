/* SPDX-License-Identifier: Apache-2.0 */
/* Country and subdivision codes: the ISO 3166-1 and 3166-2 tables Debian's
 * iso-codes package ships, read with jansson once per process and shared
 * by the policy engine, the server registry and consent records. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

#ifndef WB_ISO_CODES_DIR
#define WB_ISO_CODES_DIR "/usr/share/iso-codes/json"
#endif

#define ECHO_MAX 64 /* bytes of a bad code quoted in a message */

struct iso_tables {
    uint8_t countries[COUNTRIES]; /* 1 for an assigned alpha-2 code */
    char (*subdivisions)[WB_POLICY_CODE_MAX + 1]; /* sorted */
    size_t subdivision_count;
};

static pthread_mutex_t iso_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool iso_loaded; /* set once, after iso is written */
static struct iso_tables iso;  /* read-only once iso_loaded */

/* The array `key` of file into *out (json_decref). */
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

/* Mark the alpha_2 codes of an iso-codes 3166-1 list in table. */
static wb_err
countries_parse(const json_t *root, uint8_t table[COUNTRIES])
{
    json_t *list = json_object_get(root, "3166-1");
    size_t i;
    json_t *item;

    if (!json_is_array(list)) {
        return wb__err(WB_ERR_FORMAT, "country list: no \"3166-1\" array");
    }
    memset(table, 0, COUNTRIES);
    json_array_foreach(list, i, item)
    {
        const char *a2 = json_string_value(json_object_get(item, "alpha_2"));
        int c = a2 != NULL && strlen(a2) == 2 ? wb__country_index(a2) : -1;
        if (c < 0) {
            return wb__err(WB_ERR_FORMAT,
                           "country list: item %zu has no alpha_2 code", i);
        }
        table[c] = 1;
    }
    return WB_OK;
}

static int
cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The sorted 3166-2 codes of root into t. */
static wb_err
subdivisions_parse(const json_t *root, struct iso_tables *t)
{
    json_t *list = json_object_get(root, "3166-2");
    size_t i;
    json_t *e;

    t->subdivisions =
        wb__calloc(json_array_size(list) + 1, sizeof *t->subdivisions);
    if (t->subdivisions == NULL) {
        return WB_ERR_NOMEM;
    }
    json_array_foreach(list, i, e)
    {
        const char *code = json_string_value(json_object_get(e, "code"));
        if (code != NULL && strlen(code) <= WB_POLICY_CODE_MAX) {
            strcpy(t->subdivisions[t->subdivision_count++], code);
        }
    }
    qsort(t->subdivisions, t->subdivision_count, sizeof *t->subdivisions,
          cmp_code);
    return WB_OK;
}

/* Read both tables once; a failure is retried on the next call. */
static wb_err
iso_load(void)
{
    struct iso_tables t;
    json_t *t1 = NULL;
    json_t *t2 = NULL;
    wb_err rc = WB_OK;

    if (atomic_load_explicit(&iso_loaded, memory_order_acquire)) {
        return WB_OK; /* every check after the first: no lock */
    }
    pthread_mutex_lock(&iso_lock);
    if (!atomic_load_explicit(&iso_loaded, memory_order_relaxed)) {
        memset(&t, 0, sizeof t);
        rc = read_table(WB_ISO_CODES_DIR "/iso_3166-1.json", "3166-1", &t1);
        if (rc == WB_OK) {
            rc = read_table(WB_ISO_CODES_DIR "/iso_3166-2.json", "3166-2", &t2);
        }
        if (rc == WB_OK) {
            rc = countries_parse(t1, t.countries);
        }
        if (rc == WB_OK) {
            rc = subdivisions_parse(t2, &t);
        }
        if (rc == WB_OK) {
            iso = t; /* kept for the life of the process */
            atomic_store_explicit(&iso_loaded, true, memory_order_release);
        } else {
            wb__free(t.subdivisions);
        }
    }
    pthread_mutex_unlock(&iso_lock);
    json_decref(t1);
    json_decref(t2);
    return rc;
}

wb_err
wb__iso_load(void)
{
    return iso_load();
}

bool
wb__iso_code_ok(const char *code)
{
    size_t n = strnlen(code, WB_POLICY_CODE_MAX + 1);
    int c = n >= 2 ? wb__country_index(code) : -1;

    if (!atomic_load_explicit(&iso_loaded, memory_order_acquire) || c < 0 ||
        !iso.countries[c]) {
        return false;
    }
    if (n == 2) {
        return true;
    }
    if (n > WB_POLICY_CODE_MAX || code[2] != '-') {
        return false;
    }
    return bsearch(code, iso.subdivisions, iso.subdivision_count,
                   sizeof *iso.subdivisions, cmp_code) != NULL;
}

static wb_err
country_lookup(const uint8_t table[COUNTRIES], const char *code)
{
    int c = strlen(code) == 2 ? wb__country_index(code) : -1;

    if (c < 0 || !table[c]) {
        return wb__err(WB_ERR_INVAL,
                       "country: \"%.*s\" is not an ISO 3166-1 alpha-2 code "
                       "(two capitals, e.g. DE)",
                       ECHO_MAX, code);
    }
    return WB_OK;
}

wb_err
wb_country_check(const char *code)
{
    wb_err rc = iso_load();

    return rc != WB_OK ? rc : country_lookup(iso.countries, code);
}

wb_err
wb_region_check(const char *code)
{
    wb_err rc = iso_load();

    if (rc == WB_OK && !wb__iso_code_ok(code)) {
        rc = wb__err(WB_ERR_INVAL,
                     "\"%.*s\" is not an ISO 3166-1 alpha-2 or ISO 3166-2 "
                     "code (e.g. DE, US-CA)",
                     ECHO_MAX, code);
    }
    return rc;
}

wb_err
wb_country_check_in(const char *list_json, size_t list_len, const char *code)
{
    uint8_t table[COUNTRIES];
    json_error_t jerr;
    json_t *root = json_loadb(list_json, list_len, 0, &jerr);
    wb_err rc;

    if (root == NULL) {
        return wb__err(WB_ERR_FORMAT, "country list: line %d: %s", jerr.line,
                       jerr.text);
    }
    rc = countries_parse(root, table);
    json_decref(root);
    return rc != WB_OK ? rc : country_lookup(table, code);
}
