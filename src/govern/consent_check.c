/* SPDX-License-Identifier: Apache-2.0 */
/* Consent records: the rules every document meets (ids, texts, codes,
 * lists, purpose flags, the version chain, dates), shared by parsing,
 * writing and recording. */
#include <stdio.h>
#include <string.h>

#include "govern/govern_int.h"

#define DAY_MIN (-25567) /* 1900-01-01 */
#define DAY_MAX 2932896  /* 9999-12-31 */

static wb_err
check_text(wb_err code, const char *field, const char *s, size_t max)
{
    size_t n;

    if (s == NULL) {
        return wb__err(code, "field \"%s\": missing", field);
    }
    n = strnlen(s, max + 1);
    if (n == 0) {
        return wb__err(code, "field \"%s\": empty", field);
    }
    if (n > max) {
        return wb__err(code, "field \"%s\": longer than %zu bytes", field, max);
    }
    if (!wb__text_ok(s, n)) {
        return wb__err(code, "field \"%s\": control character or not UTF-8",
                       field);
    }
    return WB_OK;
}

static wb_err
check_opt_text(wb_err code, const char *field, const char *s, size_t max)
{
    return s == NULL ? WB_OK : check_text(code, field, s, max);
}

/* Purpose ids, as in the vocabulary: a-z 0-9 - */
static bool
purpose_id_ok(const char *p)
{
    size_t n = strnlen(p, WB_CONSENT_ITEM_MAX + 1);

    if (n == 0 || n > WB_CONSENT_ITEM_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
              p[i] == '-')) {
            return false;
        }
    }
    return true;
}

/* An assigned ISO 3166-1 alpha-2 code "DE" or ISO 3166-2 subdivision
 * "US-CA", by the iso-codes tables (WB_ERR_IO when they cannot be read). */
static wb_err
check_code(wb_err code, const char *field, const char *s)
{
    wb_err rc = wb_region_check(s != NULL ? s : "");

    if (rc == WB_ERR_INVAL) {
        rc = wb__err(code,
                     "field \"%s\": \"%.64s\" is not an ISO 3166-1 alpha-2 "
                     "or ISO 3166-2 code",
                     field, s != NULL ? s : "");
    }
    return rc;
}

/* A list of texts (codes when `codes`): at most WB_CONSENT_LIST_MAX, each
 * valid, no duplicates. */
static wb_err
check_list(
    wb_err code, const char *field, const char *const *v, size_t n, bool codes)
{
    char name[64];
    wb_err rc;

    if (n > WB_CONSENT_LIST_MAX) {
        return wb__err(code, "field \"%s\": more than %d items", field,
                       WB_CONSENT_LIST_MAX);
    }
    if (n > 0 && v == NULL) {
        return wb__err(code, "field \"%s\": NULL list", field);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s[%zu]", field, i);
        if (v[i] == NULL) {
            return wb__err(code, "field \"%s\": NULL", name);
        }
        rc = check_text(code, name, v[i], WB_CONSENT_ITEM_MAX);
        if (rc != WB_OK) {
            return rc;
        }
        if (codes) {
            rc = check_code(code, name, v[i]);
            if (rc != WB_OK) {
                return rc;
            }
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(v[i], v[j]) == 0) {
                return wb__err(code, "field \"%s\": \"%s\" listed twice", name,
                               v[i]);
            }
        }
    }
    return WB_OK;
}

static wb_err
check_purposes(wb_err code, const struct wb_consent *c)
{
    if (c->purpose_count == 0 || c->purposes == NULL) {
        return wb__err(code, "field \"purposes\": missing or empty");
    }
    if (c->purpose_count > WB_CONSENT_LIST_MAX) {
        return wb__err(code, "field \"purposes\": more than %d purposes",
                       WB_CONSENT_LIST_MAX);
    }
    for (size_t i = 0; i < c->purpose_count; i++) {
        const char *p = c->purposes[i].id;
        if (p == NULL || !purpose_id_ok(p)) {
            return wb__err(code,
                           "field \"purposes\": \"%.64s\" is not a purpose id "
                           "(1..%d of a-z 0-9 -)",
                           p ? p : "", WB_CONSENT_ITEM_MAX);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p, c->purposes[j].id) == 0) {
                return wb__err(code, "field \"purposes\": \"%s\" listed twice",
                               p);
            }
        }
    }
    return WB_OK;
}

/* Version, replaces, state, dates and timestamp. */
static wb_err
check_numbers(wb_err code, const struct wb_consent *c)
{
    if (c->version <= 1 ? c->replaces != 0 : c->replaces != c->version - 1) {
        return wb__err(code,
                       "field \"replaces\": version %u replaces %s, not %u",
                       (unsigned)c->version,
                       c->version <= 1 ? "nothing (null)" : "the one before",
                       (unsigned)c->replaces);
    }
    if (c->state <= WB_CONSENT_NONE || c->state > WB_CONSENT_RENEWED) {
        return wb__err(code, "field \"state\": missing or unknown");
    }
    if (c->has_retention &&
        (c->retention_until < DAY_MIN || c->retention_until > DAY_MAX)) {
        return wb__err(code, "field \"retention\": date out of range");
    }
    if (c->has_expires && (c->expires < DAY_MIN || c->expires > DAY_MAX)) {
        return wb__err(code, "field \"expires\": date out of range");
    }
    if (c->recorded < 0 || c->recorded > WB_TIME_MAX) {
        return wb__err(code, "field \"recorded\": out of range");
    }
    return WB_OK;
}

wb_err
wb__consent_check(wb_err code, const struct wb_consent *c)
{
    wb_err rc;

    if (c->id == NULL || !wb_id_ok(c->id, WB_CONSENT_ID_MAX)) {
        return wb__err(code,
                       "field \"id\": \"%.64s\" is not 1..%d of A-Z a-z 0-9 "
                       ". _ : / @ -",
                       c->id ? c->id : "", WB_CONSENT_ID_MAX);
    }
    rc = check_numbers(code, c);
    if (rc == WB_OK) {
        rc = check_text(code, "subject", c->subject, WB_CONSENT_ITEM_MAX);
    }
    if (rc == WB_OK) {
        rc = check_text(code, "controller", c->controller, WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_purposes(code, c);
    }
    if (rc == WB_OK) {
        rc = check_code(code, "jurisdiction", c->jurisdiction);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "data_categories", c->data_categories,
                        c->data_category_count, false);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "storage_locations", c->storage_locations,
                        c->storage_location_count, true);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "processing_locations", c->processing_locations,
                        c->processing_location_count, true);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "geographic_restrictions",
                        c->geographic_restrictions,
                        c->geographic_restriction_count, true);
    }
    if (rc == WB_OK) {
        rc = check_list(code, "recipients", c->recipients, c->recipient_count,
                        false);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "withdrawal_method", c->withdrawal_method,
                            WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "lawful_basis", c->lawful_basis,
                            WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "notice", c->notice, WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "by", c->by, WB_CONSENT_TEXT_MAX);
    }
    if (rc == WB_OK) {
        rc = check_opt_text(code, "reason", c->reason, WB_CONSENT_TEXT_MAX);
    }
    return rc;
}
