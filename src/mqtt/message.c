/* SPDX-License-Identifier: Apache-2.0 */
/* One MQTT message into the open batch: the route its topic matches, the
 * device (fixed, or a topic level), claims from the route overridden by
 * MQTT 5 user properties, the idempotency key, and the append. No
 * sockets here, so the fuzz target drives it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <waybill/consent.h>
#include <waybill/crypto.h>

#include "mqtt/mqtt_int.h"

static const struct wb_mqtt_route *
route_of(const struct wb_mqtt_config *cfg, const char *topic)
{
    for (size_t i = 0; i < cfg->route_count; i++) {
        bool match = false;
        if (mosquitto_topic_matches_sub(cfg->routes[i].filter, topic, &match) ==
                MOSQ_ERR_SUCCESS &&
            match) {
            return &cfg->routes[i];
        }
    }
    return NULL;
}

/* Topic level `level` (0-based) into out. */
static wb_err
topic_level(const char *topic, int level, char *out, size_t cap)
{
    const char *p = topic;
    size_t n;

    for (int i = 0; i < level; i++) {
        p = strchr(p, '/');
        if (p == NULL) {
            return wb__err(WB_ERR_FORMAT,
                           "topic \"%s\" has no level %d for "
                           "the device",
                           topic, level);
        }
        p++;
    }
    n = strcspn(p, "/");
    if (n == 0 || n >= cap) {
        return wb__err(WB_ERR_FORMAT,
                       "topic \"%s\": level %d is not a "
                       "device id",
                       topic, level);
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return WB_OK;
}

static enum wb_ingest_format
format_of(enum wb_mqtt_format f, const uint8_t *p, size_t n)
{
    size_t i = 0;

    switch (f) {
    case WB_MQTT_JSON:
        return WB_INGEST_JSONL;
    case WB_MQTT_RAW:
        return WB_INGEST_RAW;
    case WB_MQTT_COSE:
        return WB_INGEST_COSE;
    case WB_MQTT_AUTO:
        break;
    }
    /* tag 18 (COSE_Sign1) or an untagged 4-element array */
    if (n > 0 && (p[0] == 0xd2 || p[0] == 0x84)) {
        return WB_INGEST_COSE;
    }
    while (i < n &&
           (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    return i < n && p[i] == '{' ? WB_INGEST_JSONL : WB_INGEST_RAW;
}

/* The key under which a redelivery is recognised: the "msg-id" property
 * when the device sends one, else the topic and payload bytes (a device
 * that sends byte-identical readings on purpose must send msg-id). */
static wb_err
msg_key(const struct wb__mqtt_msg *m, const char *msg_id, uint8_t key[32])
{
    struct wb__buf b;
    wb_err rc;

    wb__buf_init(&b, 2 * 65536 + 16);
    /* "msg-id" NUL topic NUL id, or "payload" NUL topic NUL payload */
    rc = msg_id ? wb__buf_append(&b, "msg-id", 7)
                : wb__buf_append(&b, "payload", 8);
    if (rc == WB_OK) {
        rc = wb__buf_append(&b, m->topic, strlen(m->topic) + 1);
    }
    if (rc == WB_OK && msg_id != NULL) {
        rc = wb__buf_append(&b, msg_id, strlen(msg_id));
    }
    if (rc == WB_OK) {
        if (msg_id != NULL) {
            wb_sha256(b.data, b.len, key);
        } else {
            wb_sha256_2(b.data, b.len, m->payload, m->payload_len, key);
        }
    }
    wb__buf_clear(&b);
    return rc;
}

/* A "consent-version" property: 1..2^32-1 into *v. */
static wb_err
parse_version(const char *text, uint32_t *v)
{
    char *end = NULL;
    unsigned long n;

    errno = 0;
    n = strtoul(text, &end, 10);
    /* digits only: strtoul takes a sign ("-18446744073709551615" is 1)
     * and leading space; ERANGE where a long is 32 bits */
    if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0' ||
        n == 0 || n > UINT32_MAX) {
        return wb__err(WB_ERR_FORMAT,
                       "property consent-version: \"%s\" is not a version",
                       text);
    }
    *v = (uint32_t)n;
    return WB_OK;
}

/* Version `version` (0 = the latest) of consent id, given or renewed
 * today. */
static wb_err
consent_of(struct wb_site *s,
           const char *id,
           uint32_t version,
           struct wb_consent **k)
{
    enum wb_consent_status st;
    wb_err rc = wb_consent_get(s, id, version, k);

    if (rc == WB_ERR_NOTFOUND && version == 0) {
        return wb__err(WB_ERR_NOTFOUND, "consent %s: not recorded", id);
    }
    if (rc == WB_ERR_NOTFOUND) {
        struct wb_consent *latest = NULL;
        rc = wb_consent_get(s, id, 0, &latest);
        if (rc == WB_OK) {
            rc = wb__err(WB_ERR_NOTFOUND,
                         "consent %s: no version %u (its latest is %u)", id,
                         (unsigned)version, (unsigned)latest->version);
        } else if (rc == WB_ERR_NOTFOUND) {
            rc = wb__err(WB_ERR_NOTFOUND, "consent %s: not recorded", id);
        }
        wb_consent_free(latest);
        return rc;
    }
    if (rc != WB_OK) {
        return rc;
    }
    st = wb_consent_effective_state(*k, (int32_t)(time(NULL) / 86400));
    if (st != WB_CONSENT_GIVEN && st != WB_CONSENT_RENEWED) {
        return wb__err(WB_ERR_DENIED,
                       "consent %s (version %u) is %s, not "
                       "given or renewed",
                       id, (unsigned)(*k)->version, wb_consent_state_name(st));
    }
    return WB_OK;
}

/* A refusal of the message itself (bad input), not of the store. */
static bool
refusal(wb_err rc)
{
    return rc == WB_ERR_FORMAT || rc == WB_ERR_TOOBIG ||
           rc == WB_ERR_NOTFOUND || rc == WB_ERR_BADSIG ||
           rc == WB_ERR_DENIED || rc == WB_ERR_INVAL;
}

wb_err
wb__mqtt_handle(struct wb_site *s,
                const struct wb_mqtt_config *cfg,
                const struct wb_policy *vocab,
                const struct wb__mqtt_msg *m,
                enum wb__mqtt_outcome *out,
                struct wb__mqtt_logged *logged)
{
    const struct wb_mqtt_route *r = route_of(cfg, m->topic);
    const char *purposes[WB_MQTT_MAX_PURPOSES];
    const char *consent = NULL;
    const char *consent_version = NULL;
    uint32_t version = 0;
    const char *msg_id = NULL;
    struct wb_consent *k = NULL;
    struct wb_ingest_opts o;
    char device[WB_DEVICE_ID_MAX + 1];
    uint8_t key[32];
    uint64_t idx = 0;
    size_t np = 0;
    wb_err rc = WB_OK;

    *out = WB__MQTT_REJECTED;
    if (r == NULL) {
        (void)wb__err(WB_ERR_FORMAT, "topic %s: no route", m->topic);
        return WB_OK;
    }
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < m->prop_count; i++) {
        const char *n = m->names[i];
        if (strcmp(n, "purpose") == 0) {
            if (np == WB_MQTT_MAX_PURPOSES) {
                (void)wb__err(WB_ERR_FORMAT,
                              "topic %s: property purpose: "
                              "more than %d",
                              m->topic, WB_MQTT_MAX_PURPOSES);
                return WB_OK;
            }
            purposes[np++] = m->values[i];
        } else if (strcmp(n, "consent") == 0) {
            consent = m->values[i];
        } else if (strcmp(n, "consent-version") == 0) {
            consent_version = m->values[i];
        } else if (strcmp(n, "msg-id") == 0) {
            msg_id = m->values[i];
        }
    }
    rc = msg_key(m, msg_id, key);
    if (rc == WB_OK) {
        rc = wb_site_msgkey_find(s, key, &idx);
    }
    if (rc == WB_OK) {
        *out = WB__MQTT_DUPLICATE;
        return WB_OK;
    }
    if (rc != WB_ERR_NOTFOUND) {
        return rc;
    }
    rc = WB_OK;
    if (r->device != NULL) {
        o.device = r->device;
        o.device_from = "the route's \"device\"";
    } else {
        rc = topic_level(m->topic, r->device_level, device, sizeof device);
        o.device = device;
        o.device_from = "the topic's device level";
    }
    if (rc == WB_OK && consent_version != NULL) {
        rc = consent == NULL
                 ? wb__err(WB_ERR_FORMAT, "property consent-version without "
                                          "consent")
                 : parse_version(consent_version, &version);
    }
    if (rc == WB_OK && consent == NULL) {
        consent = r->consent_id; /* the route's default */
        version = (uint32_t)r->consent_version;
    }
    if (rc == WB_OK && consent != NULL) {
        rc = consent_of(s, consent, version, &k);
        if (rc == WB_OK) {
            o.consent_id = k->id;
            o.consent_version = k->version;
        }
    }
    if (rc == WB_OK) {
        o.format = format_of(r->format, m->payload, m->payload_len);
        o.source = m->topic;
        o.purposes = np > 0 ? purposes : r->purposes;
        o.purpose_count = np > 0 ? np : r->purpose_count;
        o.policy = vocab;
        o.data_class = r->data_class;
        o.jurisdiction = r->jurisdiction;
        o.rights = r->rights;
        o.residency_local_only = r->residency_local_only;
        if (logged != NULL && logged->keep) {
            rc = wb_ingest_message_keep(s, &o, m->payload, m->payload_len,
                                        &logged->kept);
            idx = logged->kept.index;
        } else {
            rc = wb_ingest_message(s, &o, m->payload, m->payload_len, &idx);
        }
    }
    if (rc == WB_OK) {
        rc = wb_site_msgkey_put(s, key, idx);
        if (rc == WB_OK) {
            *out = WB__MQTT_LOGGED;
        }
        if (rc == WB_OK && logged != NULL) {
            logged->index = idx;
            snprintf(logged->device, sizeof logged->device, "%s", o.device);
        }
    } else if (refusal(rc)) {
        wb__err_prefix("topic %s", m->topic);
        rc = WB_OK; /* *out stays REJECTED, the detail says why */
    }
    wb_consent_free(k);
    return rc;
}
