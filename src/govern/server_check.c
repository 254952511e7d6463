/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: every field of a registration checked
 * (plain UTF-8 text, endpoint URL, mechanism, dates, key pin, country). */
#include <string.h>

#include <waybill/crypto.h>
#include <waybill/server.h>

#include "govern/govern_int.h"

#define PIN_B64_LEN 44       /* base64 of 32 bytes */
#define ECHO_MAX    64       /* bytes of a bad value quoted in a message */
#define DAY_FIRST   (-25567) /* 1900-01-01 */
#define DAY_LAST    2932896  /* 9999-12-31 */

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
    if (!wb__text_ok(v, n)) {
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
    if (s->recorded < 0 || s->recorded > WB_TIME_MAX) {
        return wb__err(WB_ERR_INVAL, "recorded: out of range");
    }
    return WB_OK;
}
