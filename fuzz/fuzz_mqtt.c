/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the MQTT message handler (route by topic, device from a
 * topic level, user properties, payload format detection, idempotency
 * key, append), without a broker. Input: a first line, the topic; then
 * "name=value" user-property lines up to a blank line; then the payload.
 * Each message goes into a batch of a temporary site that is rolled back.
 * The handler must never fail for bad input (only refuse it, with a
 * reason), and a refused message must have written nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "mqtt/mqtt_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (128 * 1024)

static struct wb_site *site;
static struct wb__mqtt_cfg cfg;
static char dir[64];

static void
cleanup(void)
{
    char cmd[128];

    wb_site_close(site);
    wb__mqtt_cfg_clear(&cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", dir);
    }
}

static int
setup(void)
{
    struct wb_mqtt_config c;
    char path[96];

    snprintf(dir, sizeof dir, "%s/wbfuzzmqtt.XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return -1;
    }
    atexit(cleanup);
    snprintf(path, sizeof path, "%s/site", dir);
    memset(&c, 0, sizeof c);
    c.route_count = 3;
    c.routes[0].filter = "plant/+/tele";
    c.routes[0].device_level = 1;
    c.routes[0].purposes[0] = "predictive-maintenance";
    c.routes[0].purpose_count = 1;
    c.routes[0].jurisdiction = "CN";
    c.routes[1].filter = "plant/raw";
    c.routes[1].device = "press-1";
    c.routes[1].format = WB_MQTT_RAW;
    c.routes[2].filter = "plant/cose/#";
    c.routes[2].device = "press-1";
    c.routes[2].format = WB_MQTT_COSE;
    c.routes[2].consent_id = "c-1";
    if (wb_site_create(path, "fuzz.example/log", NULL, 0, &site) != WB_OK ||
        wb_site_device_add(site, "press-1", 0, NULL, 0, NULL) != WB_OK ||
        wb__mqtt_cfg_copy(&c, &cfg) != WB_OK) {
        return -1;
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct wb__mqtt_msg m;
    enum wb__mqtt_outcome out;
    char *buf;
    char *p;
    char *end;
    uint64_t before;
    wb_err rc;

    if (!ready) {
        if (setup() != 0) {
            abort();
        }
        ready = 1;
    }
    if (size > MAX_INPUT) {
        return 0;
    }
    buf = malloc(size + 1);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    end = buf + size;
    memset(&m, 0, sizeof m);
    p = memchr(buf, '\n', size);
    if (p == NULL) {
        free(buf);
        return 0;
    }
    *p++ = '\0';
    m.topic = buf;
    /* properties: name=value lines until a blank line */
    while (p < end && *p != '\n' && m.prop_count < WB_MQTT_PROPS_MAX) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eq;
        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        eq = strchr(p, '=');
        if (eq != NULL) {
            *eq = '\0';
            m.names[m.prop_count] = p;
            m.values[m.prop_count++] = eq + 1;
        }
        p = nl + 1;
    }
    if (p < end && *p == '\n') {
        p++;
    }
    m.payload = (const uint8_t *)p;
    m.payload_len = (size_t)(end - p);
    if (strlen(m.topic) == 0 || wb_site_begin(site) != WB_OK) {
        free(buf);
        return 0;
    }
    before = wb_site_size(site);
    wb_errmsg_clear();
    rc = wb__mqtt_handle(site, &cfg.c, NULL, &m, &out, NULL);
    if (rc != WB_OK) {
        fprintf(stderr, "handler failed on bad input: %s\n", wb_errmsg());
        abort();
    }
    if (out == WB__MQTT_REJECTED &&
        (wb_errmsg()[0] == '\0' || wb_site_size(site) != before)) {
        fprintf(stderr, "refusal without a reason, or with a write\n");
        abort();
    }
    if (out == WB__MQTT_LOGGED && wb_site_size(site) != before + 1) {
        abort();
    }
    wb_site_rollback(site);
    free(buf);
    return 0;
}
