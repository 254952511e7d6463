/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: registration documents (strict JSON),
 * their checks, status changes as new versions in the "server" register,
 * the effective status on a date, and key pins from certificates. */
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <waybill/crypto.h>
#include <waybill/server.h>

#include "core/core_int.h"

#ifndef WB_ISO3166_FILE
#define WB_ISO3166_FILE "/usr/share/iso-codes/json/iso_3166-1.json"
#endif

#define COUNTRIES    676 /* AA..ZZ */
#define PEM_MAX      (1024 * 1024)
#define PIN_B64_LEN  44       /* base64 of 32 bytes */
#define ECHO_MAX     64       /* bytes of a bad value quoted in a message */
#define DAY_FIRST    (-25567) /* 1900-01-01 */
#define DAY_LAST     2932896  /* 9999-12-31 */
#define SECONDS_LAST 253402300799LL /* 9999-12-31T23:59:59Z */

static const char *const status_names[] = {"active", "suspended", "revoked",
                                           "expired", "not-yet-valid"};
static const char *const role_names[] = {"?", "processor", "controller",
                                         "importer", "third-party"};

/* ---- small checks --------------------------------------------------------
 */

/* Well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF) without control characters (C0, DEL, C1). */
static bool
text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != 0) {
        unsigned c = *p;
        unsigned cp;
        int more;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (int i = 1; i <= more; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i] & 0x3fu);
        }
        if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0x80 && cp <= 0x9f)) {
            return false;
        }
        p += more + 1;
    }
    return true;
}

/* A string field of a struct: terminated inside its array, not empty
 * unless optional, and plain text. */
static wb_err
field_text(const char *name, const char *v, size_t size, bool required)
{
    size_t n = strnlen(v, size);

    if (n == size) {
        return wb__err(WB_ERR_TOOBIG, "%s: longer than %zu bytes", name,
                       size - 1);
    }
    if (required && n == 0) {
        return wb__err(WB_ERR_INVAL, "%s: required", name);
    }
    if (!text_ok(v)) {
        return wb__err(WB_ERR_INVAL,
                       "%s: not UTF-8 text without control characters", name);
    }
    return WB_OK;
}

static bool
mech_type_ok(const char *t)
{
    if (t[0] == '\0') {
        return false;
    }
    for (const char *p = t; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-')) {
            return false;
        }
    }
    return true;
}

static bool
host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* https://host[:port][/path][?query][#fragment] with a DNS name, IPv4
 * address or [IPv6] literal, no user info, printable ASCII only. */
static wb_err
endpoint_check(const char *url)
{
    static const char scheme[] = "https://";
    const char *host;
    const char *end;
    const char *port = NULL;

    for (const char *p = url; *p != '\0'; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            return wb__err(WB_ERR_INVAL,
                           "endpoint: \"%.*s\": only printable ASCII, no "
                           "spaces (percent-encode the rest)",
                           ECHO_MAX, url);
        }
    }
    if (strncmp(url, scheme, sizeof scheme - 1) != 0) {
        return wb__err(WB_ERR_INVAL,
                       "endpoint: \"%.*s\" is not an https:// URL", ECHO_MAX,
                       url);
    }
    host = url + sizeof scheme - 1;
    end = host + strcspn(host, "/?#");
    if (memchr(host, '@', (size_t)(end - host)) != NULL) {
        return wb__err(WB_ERR_INVAL, "endpoint: user info (\"...@\") does not "
                                     "belong in a server's URL");
    }
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        if (close == NULL || close == host + 1) {
            goto bad_host;
        }
        for (const char *p = host + 1; p < close; p++) {
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                  (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.')) {
                goto bad_host;
            }
        }
        if (close + 1 < end) {
            if (close[1] != ':') {
                goto bad_host;
            }
            port = close + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(end - host));
        const char *hend = colon != NULL ? colon : end;
        if (hend == host || *host == '.' || *host == '-' || hend[-1] == '.' ||
            hend[-1] == '-') {
            goto bad_host;
        }
        for (const char *p = host; p < hend; p++) {
            if (!host_char(*p) || (*p == '.' && p[1] == '.')) {
                goto bad_host;
            }
        }
        if (colon != NULL) {
            port = colon + 1;
        }
    }
    if (port != NULL) {
        unsigned long v = 0;
        if (port == end || end - port > 5) {
            goto bad_port;
        }
        for (const char *p = port; p < end; p++) {
            if (*p < '0' || *p > '9') {
                goto bad_port;
            }
            v = v * 10 + (unsigned long)(*p - '0');
        }
        if (v == 0 || v > 65535) {
            goto bad_port;
        }
    }
    return WB_OK;
bad_host:
    return wb__err(WB_ERR_INVAL, "endpoint: \"%.*s\" has no valid host",
                   ECHO_MAX, url);
bad_port:
    return wb__err(WB_ERR_INVAL, "endpoint: \"%.*s\" has a bad port (1..65535)",
                   ECHO_MAX, url);
}

static wb_err
pin_check(const char *pin)
{
    static const char prefix[] = WB_SERVER_PIN_PREFIX;
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    wb_err rc = WB_ERR_INVAL;

    if (strncmp(pin, prefix, sizeof prefix - 1) == 0 &&
        strlen(pin) == sizeof prefix - 1 + PIN_B64_LEN &&
        wb_base64_decode(pin + sizeof prefix - 1, PIN_B64_LEN, &raw,
                         &raw_len) == WB_OK &&
        raw_len == WB_HASH_BYTES) {
        rc = WB_OK;
    }
    wb__free(raw);
    if (rc != WB_OK) {
        return wb__err(WB_ERR_INVAL,
                       "pin: \"%.*s\" is not sha256// and the base64 of a "
                       "SHA-256 digest (%d characters)",
                       ECHO_MAX, pin, PIN_B64_LEN);
    }
    return WB_OK;
}

static bool
day_ok(int32_t d)
{
    return d >= DAY_FIRST && d <= DAY_LAST;
}

/* ---- countries -----------------------------------------------------------
 */

/* Mark the alpha_2 codes of an iso-codes list in table. */
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
        if (a2 == NULL || strlen(a2) != 2 || a2[0] < 'A' || a2[0] > 'Z' ||
            a2[1] < 'A' || a2[1] > 'Z') {
            return wb__err(WB_ERR_FORMAT,
                           "country list: item %zu has no alpha_2 code", i);
        }
        table[(a2[0] - 'A') * 26 + (a2[1] - 'A')] = 1;
    }
    return WB_OK;
}

static wb_err
country_lookup(const uint8_t table[COUNTRIES], const char *code)
{
    if (strlen(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' ||
        code[1] > 'Z' || !table[(code[0] - 'A') * 26 + (code[1] - 'A')]) {
        return wb__err(WB_ERR_INVAL,
                       "country: \"%.*s\" is not an ISO 3166-1 alpha-2 code "
                       "(two capitals, e.g. DE)",
                       ECHO_MAX, code);
    }
    return WB_OK;
}

static pthread_mutex_t countries_lock = PTHREAD_MUTEX_INITIALIZER;
static bool countries_loaded;
static uint8_t countries[COUNTRIES];

/* Load the system list once; a failure is retried on the next call. */
static wb_err
countries_load(void)
{
    json_error_t jerr;
    json_t *root = NULL;
    wb_err rc = WB_OK;

    pthread_mutex_lock(&countries_lock);
    if (!countries_loaded) {
        root = json_load_file(WB_ISO3166_FILE, JSON_REJECT_DUPLICATES, &jerr);
        if (root == NULL) {
            rc = wb__err(WB_ERR_IO, "country list %s: %s", WB_ISO3166_FILE,
                         jerr.text);
        } else {
            rc = countries_parse(root, countries);
        }
        countries_loaded = rc == WB_OK;
    }
    pthread_mutex_unlock(&countries_lock);
    json_decref(root);
    return rc;
}

wb_err
wb_country_check(const char *code)
{
    wb_err rc = countries_load();

    return rc != WB_OK ? rc : country_lookup(countries, code);
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

/* ---- the document --------------------------------------------------------
 */

wb_err
wb_server_check(const struct wb_server *s)
{
    const struct wb_server_mechanism *m = &s->mechanism;
    wb_err rc;

    if ((rc = field_text("id", s->id, sizeof s->id, true)) != WB_OK) {
        return rc;
    }
    if (!wb_id_ok(s->id, WB_SERVER_ID_MAX)) {
        return wb__err(WB_ERR_INVAL,
                       "id: \"%.*s\": use 1..%d of A-Z a-z 0-9 . _ : / @ -",
                       ECHO_MAX, s->id, WB_SERVER_ID_MAX);
    }
    if (s->replaces != 0 && s->replaces >= s->version) {
        return wb__err(WB_ERR_INVAL,
                       "replaces: version %u cannot follow version %u",
                       (unsigned)s->version, (unsigned)s->replaces);
    }
    if ((rc = field_text("endpoint", s->endpoint, sizeof s->endpoint, true)) !=
            WB_OK ||
        (rc = endpoint_check(s->endpoint)) != WB_OK ||
        (rc = field_text("operator", s->operator_name, sizeof s->operator_name,
                         true)) != WB_OK ||
        (rc = field_text("country", s->country, sizeof s->country, true)) !=
            WB_OK ||
        (rc = wb_country_check(s->country)) != WB_OK) {
        return rc;
    }
    if (s->role < WB_ROLE_PROCESSOR || s->role > WB_ROLE_THIRD_PARTY) {
        return wb__err(WB_ERR_INVAL, "role: use processor, controller, "
                                     "importer or third-party");
    }
    if ((rc = field_text("registration", s->registration,
                         sizeof s->registration, true)) != WB_OK ||
        (rc = field_text("mechanism.type", m->type, sizeof m->type, true)) !=
            WB_OK) {
        return rc;
    }
    if (!mech_type_ok(m->type)) {
        return wb__err(WB_ERR_INVAL,
                       "mechanism.type: \"%.*s\": use a-z 0-9 - (e.g. scc, "
                       "cn-standard-contract)",
                       ECHO_MAX, m->type);
    }
    if ((rc = field_text("mechanism.reference", m->reference,
                         sizeof m->reference, true)) != WB_OK) {
        return rc;
    }
    if ((m->has_valid_from && !day_ok(m->valid_from)) ||
        !day_ok(m->valid_until)) {
        return wb__err(WB_ERR_INVAL, "mechanism: dates must lie in the years "
                                     "1900..9999");
    }
    if (m->has_valid_from && m->valid_until < m->valid_from) {
        return wb__err(WB_ERR_INVAL,
                       "mechanism.valid_until: before mechanism.valid_from");
    }
    if ((rc = field_text("pin", s->pin, sizeof s->pin, false)) != WB_OK ||
        (s->pin[0] != '\0' && (rc = pin_check(s->pin)) != WB_OK)) {
        return rc;
    }
    if (s->status > WB_SERVER_REVOKED) {
        return wb__err(WB_ERR_INVAL,
                       "status: use active, suspended or revoked");
    }
    if ((rc = field_text("reason", s->reason, sizeof s->reason, false)) !=
        WB_OK) {
        return rc;
    }
    if (s->recorded < 0 || s->recorded > SECONDS_LAST) {
        return wb__err(WB_ERR_INVAL, "recorded: out of range");
    }
    return WB_OK;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of t (0 <= t <= SECONDS_LAST) into buf. */
static void
format_time(int64_t t, char buf[21])
{
    char date[11];
    unsigned sec = (unsigned)(t % 86400);

    wb_date_format((int32_t)(t / 86400), date);
    snprintf(buf, 21, "%.10sT%02u:%02u:%02uZ", date, (sec / 3600) % 24,
             (sec / 60) % 60, sec % 60);
}

static bool
parse_time(const char *s, int64_t *t)
{
    char date[11];
    int32_t days;
    int v[3];

    if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != 'Z') {
        return false;
    }
    for (int i = 0; i < 3; i++) {
        const char *p = s + 11 + 3 * i;
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
            return false;
        }
        v[i] = (p[0] - '0') * 10 + (p[1] - '0');
    }
    memcpy(date, s, 10);
    date[10] = '\0';
    if (wb_date_parse(date, &days) != WB_OK || days < 0 || v[0] > 23 ||
        v[1] > 59 || v[2] > 59) {
        return false;
    }
    *t = (int64_t)days * 86400 + v[0] * 3600 + v[1] * 60 + v[2];
    return true;
}

static json_t *
date_json(bool has, int32_t days)
{
    char buf[11];

    if (!has) {
        return json_null();
    }
    wb_date_format(days, buf);
    return json_string(buf);
}

static json_t *
opt_string(const char *s)
{
    return s[0] != '\0' ? json_string(s) : json_null();
}

wb_err
wb_server_to_json(const struct wb_server *s, char **out)
{
    const struct wb_server_mechanism *m = &s->mechanism;
    char recorded[21];
    json_t *o = NULL;
    wb_err rc;

    *out = NULL;
    rc = wb_server_check(s);
    if (rc != WB_OK) {
        return rc;
    }
    format_time(s->recorded, recorded);
    o = json_pack(
        "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s,"
        " s:{s:s, s:s, s:o, s:o}, s:o, s:s, s:o, s:o}",
        "id", s->id, "version",
        s->version ? json_integer(s->version) : json_null(), "replaces",
        s->replaces ? json_integer(s->replaces) : json_null(), "endpoint",
        s->endpoint, "operator", s->operator_name, "country", s->country,
        "role", role_names[s->role], "registration", s->registration,
        "mechanism", "type", m->type, "reference", m->reference, "valid_from",
        date_json(m->has_valid_from, m->valid_from), "valid_until",
        date_json(true, m->valid_until), "pin", opt_string(s->pin), "status",
        status_names[s->status], "reason", opt_string(s->reason), "recorded",
        s->recorded ? json_string(recorded) : json_null());
    if (o == NULL) {
        return WB_ERR_NOMEM;
    }
    rc = wb__json_dump(o, JSON_COMPACT, out);
    json_decref(o);
    return rc;
}

/* Fields a document may carry: top level and in "mechanism". */
static const char *const doc_fields[] = {
    "id",      "version", "replaces",     "endpoint",  "operator",
    "country", "role",    "registration", "mechanism", "pin",
    "status",  "reason",  "recorded",     NULL};
static const char *const mech_fields[] = {"type", "reference", "valid_from",
                                          "valid_until", NULL};

static wb_err
unknown_fields(const json_t *o, const char *const *known, const char *where)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)o, key, v)
    {
        size_t i = 0;
        (void)v;
        while (known[i] != NULL && strcmp(known[i], key) != 0) {
            i++;
        }
        if (known[i] == NULL) {
            return wb__err(WB_ERR_FORMAT, "%s%sunknown field \"%.*s\"", where,
                           where[0] ? ": " : "", ECHO_MAX, key);
        }
    }
    return WB_OK;
}

/* Member key of o: *v gets it, NULL when absent or null (allowed only
 * when optional). */
static wb_err
member(const json_t *o,
       const char *key,
       const char *name,
       bool required,
       json_t **v)
{
    *v = json_object_get(o, key);
    if (*v != NULL && json_is_null(*v)) {
        *v = NULL;
    }
    if (*v == NULL && required) {
        return wb__err(WB_ERR_FORMAT, "%s: missing", name);
    }
    return WB_OK;
}

/* A string member into dst (size bytes with the NUL). */
static wb_err
get_string(const json_t *o,
           const char *key,
           const char *name,
           bool required,
           char *dst,
           size_t size)
{
    json_t *v;
    wb_err rc = member(o, key, name, required, &v);

    dst[0] = '\0';
    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a string", name);
    }
    if (json_string_length(v) >= size) {
        return wb__err(WB_ERR_TOOBIG, "%s: longer than %zu bytes", name,
                       size - 1);
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return WB_OK;
}

static wb_err
get_date(const json_t *o,
         const char *key,
         const char *name,
         bool required,
         bool *has,
         int32_t *days)
{
    json_t *v;
    wb_err rc = member(o, key, name, required, &v);

    *has = false;
    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a date string", name);
    }
    if (wb_date_parse(json_string_value(v), days) != WB_OK) {
        return wb__err(WB_ERR_INVAL, "%s: \"%.*s\" is not a date (YYYY-MM-DD)",
                       name, ECHO_MAX, json_string_value(v));
    }
    *has = true;
    return WB_OK;
}

static wb_err
get_version(const json_t *o, const char *key, uint32_t *out)
{
    json_t *v;
    wb_err rc = member(o, key, key, false, &v);

    *out = 0;
    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_integer(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a whole number", key);
    }
    if (json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX) {
        return wb__err(WB_ERR_INVAL, "%s: out of range (1..%u)", key,
                       (unsigned)UINT32_MAX);
    }
    *out = (uint32_t)json_integer_value(v);
    return WB_OK;
}

/* A string member naming one of names[first..last] into *out (left alone
 * when the member is absent or null and optional). */
static wb_err
get_enum(const json_t *o,
         const char *key,
         bool required,
         const char *const *names,
         int first,
         int last,
         int *out)
{
    json_t *v;
    wb_err rc = member(o, key, key, required, &v);

    if (rc != WB_OK || v == NULL) {
        return rc;
    }
    if (!json_is_string(v)) {
        return wb__err(WB_ERR_FORMAT, "%s: expected a string", key);
    }
    for (int i = first; i <= last; i++) {
        if (strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return WB_OK;
        }
    }
    return wb__err(WB_ERR_INVAL, "%s: \"%.*s\": use %s", key, ECHO_MAX,
                   json_string_value(v),
                   names == role_names
                       ? "processor, controller, importer or third-party"
                       : "active, suspended or revoked");
}

static wb_err
parse_doc(const json_t *root, struct wb_server *s)
{
    struct wb_server_mechanism *m = &s->mechanism;
    char recorded[32];
    json_t *mech;
    bool has;
    int role = WB_ROLE_NONE;
    int status = WB_SERVER_ACTIVE;
    wb_err rc;

    if (!json_is_object(root)) {
        return wb__err(WB_ERR_FORMAT, "a server document is a JSON object");
    }
    if ((rc = unknown_fields(root, doc_fields, "")) != WB_OK ||
        (rc = get_string(root, "id", "id", true, s->id, sizeof s->id)) !=
            WB_OK ||
        (rc = get_version(root, "version", &s->version)) != WB_OK ||
        (rc = get_version(root, "replaces", &s->replaces)) != WB_OK ||
        (rc = get_string(root, "endpoint", "endpoint", true, s->endpoint,
                         sizeof s->endpoint)) != WB_OK ||
        (rc = get_string(root, "operator", "operator", true, s->operator_name,
                         sizeof s->operator_name)) != WB_OK ||
        (rc = get_string(root, "country", "country", true, s->country,
                         sizeof s->country)) != WB_OK ||
        (rc = get_enum(root, "role", true, role_names, WB_ROLE_PROCESSOR,
                       WB_ROLE_THIRD_PARTY, &role)) != WB_OK ||
        (rc = get_string(root, "registration", "registration", true,
                         s->registration, sizeof s->registration)) != WB_OK ||
        (rc = member(root, "mechanism", "mechanism", true, &mech)) != WB_OK) {
        return rc;
    }
    s->role = (enum wb_role)role;
    if (!json_is_object(mech)) {
        return wb__err(WB_ERR_FORMAT, "mechanism: expected an object");
    }
    if ((rc = unknown_fields(mech, mech_fields, "mechanism")) != WB_OK ||
        (rc = get_string(mech, "type", "mechanism.type", true, m->type,
                         sizeof m->type)) != WB_OK ||
        (rc = get_string(mech, "reference", "mechanism.reference", true,
                         m->reference, sizeof m->reference)) != WB_OK ||
        (rc = get_date(mech, "valid_from", "mechanism.valid_from", false,
                       &m->has_valid_from, &m->valid_from)) != WB_OK ||
        (rc = get_date(mech, "valid_until", "mechanism.valid_until", true, &has,
                       &m->valid_until)) != WB_OK ||
        (rc = get_string(root, "pin", "pin", false, s->pin, sizeof s->pin)) !=
            WB_OK ||
        (rc = get_enum(root, "status", false, status_names, WB_SERVER_ACTIVE,
                       WB_SERVER_REVOKED, &status)) != WB_OK ||
        (rc = get_string(root, "reason", "reason", false, s->reason,
                         sizeof s->reason)) != WB_OK) {
        return rc;
    }
    s->status = (enum wb_server_status)status;
    rc = get_string(root, "recorded", "recorded", false, recorded,
                    sizeof recorded);
    if (rc == WB_ERR_TOOBIG ||
        (rc == WB_OK && json_is_string(json_object_get(root, "recorded")) &&
         !parse_time(recorded, &s->recorded))) {
        return wb__err(WB_ERR_INVAL,
                       "recorded: \"%.*s\" is not YYYY-MM-DDTHH:MM:SSZ",
                       ECHO_MAX, recorded);
    }
    if (rc != WB_OK) {
        return rc;
    }
    return wb_server_check(s);
}

wb_err
wb_server_from_json(const char *json, size_t len, struct wb_server *out)
{
    json_error_t jerr;
    json_t *root = NULL;
    wb_err rc;

    memset(out, 0, sizeof *out);
    if (len > WB_SERVER_DOC_MAX) {
        return wb__err(WB_ERR_TOOBIG,
                       "server document: %zu bytes, more than %d", len,
                       WB_SERVER_DOC_MAX);
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        return wb__err(WB_ERR_FORMAT, "line %d column %d: %s", jerr.line,
                       jerr.column, jerr.text);
    }
    rc = parse_doc(root, out);
    json_decref(root);
    if (rc != WB_OK) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}

/* ---- the register --------------------------------------------------------
 */

/* Parse a stored version and check it is what the register says. */
static wb_err
from_doc(const struct wb_register_doc *d, struct wb_server *out)
{
    wb_err rc = wb_server_from_json(d->doc, strlen(d->doc), out);

    if (rc != WB_OK) {
        wb__err_prefix("server %s version %u (entry %llu)", d->id,
                       (unsigned)d->version, (unsigned long long)d->entry);
        return rc;
    }
    if (strcmp(out->id, d->id) != 0 || out->version != d->version) {
        return wb__err(WB_ERR_VERIFY,
                       "server %s version %u (entry %llu): the document says "
                       "%s version %u",
                       d->id, (unsigned)d->version,
                       (unsigned long long)d->entry, out->id,
                       (unsigned)out->version);
    }
    out->entry = d->entry;
    return WB_OK;
}

/* Log v (its version set) now; v->recorded and v->entry are set. */
static wb_err
record(struct wb_site *site, struct wb_server *v, uint64_t *entry)
{
    struct wb_append e;
    char *json = NULL;
    wb_err rc;

    v->recorded = (int64_t)time(NULL);
    rc = wb_server_to_json(v, &json);
    if (rc != WB_OK) {
        goto out;
    }
    memset(&e, 0, sizeof e);
    e.claims.kind = WB_SERVER_REGISTER;
    e.claims.sub = v->id;
    e.claims.iat = v->recorded;
    e.claims.data_class = "non-personal";
    e.claims.media = "application/json";
    e.payload = (const uint8_t *)json;
    e.payload_len = strlen(json);
    rc = wb_site_register_put(site, &e, v->id, v->version, &v->entry);
    if (rc == WB_OK && entry != NULL) {
        *entry = v->entry;
    }
out:
    wb__free(json);
    return rc;
}

wb_err
wb_server_register(struct wb_site *site,
                   const struct wb_server *s,
                   uint64_t *entry)
{
    struct wb_register_doc d;
    struct wb_server v;
    wb_err rc;

    memset(&d, 0, sizeof d);
    rc = wb_server_check(s);
    if (rc != WB_OK) {
        return rc;
    }
    if (s->version > 1 || s->replaces != 0) {
        return wb__err(WB_ERR_INVAL, "version: a new registration is "
                                     "version 1 and replaces none");
    }
    if (s->status != WB_SERVER_ACTIVE) {
        return wb__err(WB_ERR_INVAL, "status: a new registration is active");
    }
    rc = wb_site_register_get(site, WB_SERVER_REGISTER, s->id, 0, &d);
    if (rc == WB_OK) {
        rc = wb__err(WB_ERR_EXISTS,
                     "server %s is registered already (version %u); "
                     "record changes as new versions",
                     s->id, (unsigned)d.version);
        wb_register_doc_clear(&d);
        return rc;
    }
    if (rc != WB_ERR_NOTFOUND) {
        return rc;
    }
    wb_errmsg_clear();
    v = *s;
    v.version = 1;
    v.replaces = 0;
    return record(site, &v, entry);
}

/* The latest version of id, which must not be revoked, as the base of the
 * next one. */
static wb_err
next_version(struct wb_site *site, const char *id, struct wb_server *next)
{
    wb_err rc = wb_server_get(site, id, 0, next);

    if (rc != WB_OK) {
        return rc;
    }
    if (next->status == WB_SERVER_REVOKED) {
        return wb__err(WB_ERR_INVAL,
                       "server %s was revoked in version %u; a revocation "
                       "is final (register a new id)",
                       id, (unsigned)next->version);
    }
    if (next->version == UINT32_MAX) {
        return wb__err(WB_ERR_TOOBIG, "server %s: no versions left", id);
    }
    next->replaces = next->version;
    next->version++;
    next->reason[0] = '\0';
    return WB_OK;
}

wb_err
wb_server_update(struct wb_site *site,
                 const struct wb_server *s,
                 uint64_t *entry)
{
    struct wb_server v;
    wb_err rc;

    rc = wb_server_check(s);
    if (rc != WB_OK) {
        return rc;
    }
    rc = next_version(site, s->id, &v);
    if (rc != WB_OK) {
        return rc;
    }
    memcpy(v.endpoint, s->endpoint, sizeof v.endpoint);
    memcpy(v.operator_name, s->operator_name, sizeof v.operator_name);
    memcpy(v.country, s->country, sizeof v.country);
    v.role = s->role;
    memcpy(v.registration, s->registration, sizeof v.registration);
    v.mechanism = s->mechanism;
    memcpy(v.pin, s->pin, sizeof v.pin);
    memcpy(v.reason, s->reason, sizeof v.reason);
    return record(site, &v, entry);
}

wb_err
wb_server_set_status(struct wb_site *site,
                     const char *id,
                     enum wb_server_status status,
                     const char *reason,
                     uint64_t *entry)
{
    struct wb_server v;
    wb_err rc;

    if (status > WB_SERVER_REVOKED) {
        return wb__err(WB_ERR_INVAL,
                       "status: only active, suspended or revoked is "
                       "recorded");
    }
    if (reason == NULL || reason[0] == '\0') {
        return wb__err(WB_ERR_INVAL, "reason: required for a status change");
    }
    if (strlen(reason) > WB_SERVER_REASON_MAX) {
        return wb__err(WB_ERR_TOOBIG, "reason: longer than %d bytes",
                       WB_SERVER_REASON_MAX);
    }
    rc = next_version(site, id, &v);
    if (rc != WB_OK) {
        return rc;
    }
    if (v.status == status) {
        return wb__err(WB_ERR_INVAL, "server %s is %s already", id,
                       status_names[status]);
    }
    v.status = status;
    memcpy(v.reason, reason, strlen(reason) + 1);
    return record(site, &v, entry);
}

wb_err
wb_server_get(struct wb_site *site,
              const char *id,
              uint32_t version,
              struct wb_server *out)
{
    struct wb_register_doc d;
    wb_err rc;

    memset(out, 0, sizeof *out);
    rc = wb_site_register_get(site, WB_SERVER_REGISTER, id, version, &d);
    if (rc == WB_OK) {
        rc = from_doc(&d, out);
    }
    wb_register_doc_clear(&d);
    return rc;
}

/* Parse every document of a register listing into a new array. */
static wb_err
parse_list(struct wb_register_doc *docs,
           size_t count,
           struct wb_server **out,
           size_t *n)
{
    struct wb_server *v = NULL;
    wb_err rc = WB_OK;

    if (count > 0) {
        v = wb__calloc(count, sizeof *v);
        if (v == NULL) {
            return WB_ERR_NOMEM;
        }
    }
    for (size_t i = 0; i < count && rc == WB_OK; i++) {
        rc = from_doc(&docs[i], &v[i]);
    }
    if (rc != WB_OK) {
        wb__free(v);
        return rc;
    }
    *out = v;
    *n = count;
    return WB_OK;
}

wb_err
wb_server_list(struct wb_site *site, struct wb_server **out, size_t *n)
{
    struct wb_register_doc *docs = NULL;
    size_t count = 0;
    wb_err rc;

    *out = NULL;
    *n = 0;
    rc = wb_site_register_list(site, WB_SERVER_REGISTER, NULL, &docs, &count);
    if (rc == WB_OK) {
        rc = parse_list(docs, count, out, n);
    }
    wb_register_docs_free(docs, count);
    return rc;
}

wb_err
wb_server_history(struct wb_site *site,
                  const char *id,
                  struct wb_server **out,
                  size_t *n)
{
    struct wb_register_doc *docs = NULL;
    size_t count = 0;
    wb_err rc;

    *out = NULL;
    *n = 0;
    rc = wb_site_register_list(site, WB_SERVER_REGISTER, id, &docs, &count);
    if (rc == WB_OK && count == 0) {
        rc = wb__err(WB_ERR_NOTFOUND, "no server \"%.*s\"", ECHO_MAX, id);
    }
    if (rc == WB_OK) {
        rc = parse_list(docs, count, out, n);
    }
    wb_register_docs_free(docs, count);
    return rc;
}

/* ---- status on a date ----------------------------------------------------
 */

enum wb_server_status
wb_server_effective(const struct wb_server *s, int32_t date)
{
    if (s->status == WB_SERVER_REVOKED || s->status == WB_SERVER_SUSPENDED) {
        return s->status;
    }
    if (s->status != WB_SERVER_ACTIVE) {
        return WB_SERVER_REVOKED; /* not a recorded status: fail closed */
    }
    if (s->mechanism.has_valid_from && date < s->mechanism.valid_from) {
        return WB_SERVER_NOT_YET_VALID;
    }
    if (date > s->mechanism.valid_until) {
        return WB_SERVER_EXPIRED;
    }
    return WB_SERVER_ACTIVE;
}

bool
wb_server_registered(const struct wb_server *s, int32_t date)
{
    return wb_server_effective(s, date) == WB_SERVER_ACTIVE;
}

const char *
wb_server_status_name(enum wb_server_status st)
{
    return (unsigned)st <= WB_SERVER_NOT_YET_VALID ? status_names[st] : "?";
}

const char *
wb_server_role_name(enum wb_role role)
{
    return role >= WB_ROLE_PROCESSOR && role <= WB_ROLE_THIRD_PARTY
               ? role_names[role]
               : "?";
}

/* ---- key pins ------------------------------------------------------------
 */

wb_err
wb_server_pin_from_pem(const char *pem,
                       size_t len,
                       char pin[WB_SERVER_PIN_MAX + 1])
{
    uint8_t digest[WB_HASH_BYTES];
    unsigned char *der = NULL;
    X509 *cert = NULL;
    BIO *bio = NULL;
    char *b64 = NULL;
    int der_len;
    wb_err rc = WB_OK;

    pin[0] = '\0';
    if (len > PEM_MAX) {
        return wb__err(WB_ERR_TOOBIG, "certificate: more than %d bytes",
                       PEM_MAX);
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) {
        rc = WB_ERR_NOMEM;
        goto out;
    }
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (cert == NULL) {
        rc = wb__err(WB_ERR_FORMAT,
                     "certificate: no PEM X.509 certificate found");
        goto out;
    }
    der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (der_len <= 0) {
        rc = wb__err(WB_ERR_FORMAT, "certificate: cannot encode its public "
                                    "key");
        goto out;
    }
    wb_sha256(der, (size_t)der_len, digest);
    rc = wb_base64_encode(digest, sizeof digest, &b64);
    if (rc == WB_OK) {
        snprintf(pin, WB_SERVER_PIN_MAX + 1, "%s%s", WB_SERVER_PIN_PREFIX, b64);
    }
out:
    ERR_clear_error();
    wb__free(b64);
    OPENSSL_free(der);
    X509_free(cert);
    BIO_free(bio);
    return rc;
}
