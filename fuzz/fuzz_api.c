/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the HTTP API's request handler, without sockets. Input:
 * a first line "METHOD PATH[?k=v&k=v]", then "Header: value" lines up to
 * a blank line, then the body. In an Authorization header, ADMIN, AUDITOR
 * and OPERATOR stand for real keys of those roles of a temporary site made
 * on the first call (with a device "press-1" and profiles from the source
 * tree when WB_SRC_DIR is known). Every response must be a status with a
 * body; errors must be JSON objects with an "error" member. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <waybill/waybill.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (256 * 1024)

static struct wb_api *api;
static char dir[64];
static char keys[3][WB_APIKEY_TEXT_MAX + 1];
static const char *const names[3] = {"ADMIN", "AUDITOR", "OPERATOR"};

static void
cleanup(void)
{
    char cmd[128];

    wb_api_free(api);
    api = NULL;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", dir);
    }
}

/* The temporary site and the handler over it. */
static int
setup(void)
{
    static const enum wb_access_role roles[3] = {
        WB_ACCESS_ADMIN, WB_ACCESS_AUDITOR, WB_ACCESS_OPERATOR};
    char site[96];
    struct wb_site *s = NULL;
    /* auditors may read personal payloads: the disclosure path (a read
     * that logs) is fuzzed too */
    struct wb_api_config cfg = {site, NULL, 64 * 1024, 0,
                                WB_API_AUDIT_PERSONAL};
    int ok = 0;

    snprintf(dir, sizeof dir, "%s/wbfuzzapi.XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (wb_init() != WB_OK || mkdtemp(dir) == NULL) {
        return -1;
    }
    atexit(cleanup);
    snprintf(site, sizeof site, "%s/site", dir);
    if (wb_site_create(site, "fuzz.example/log", NULL, 0, &s) != WB_OK ||
        wb_site_device_add(s, "press-1", 0, NULL, 0, NULL) != WB_OK) {
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        if (wb_apikey_create(s, roles[i], NULL, keys[i], NULL) != WB_OK) {
            goto out;
        }
    }
#ifdef WB_SRC_DIR
    cfg.profiles_dir = WB_SRC_DIR "/profiles";
#endif
    ok = 1;
out:
    wb_site_close(s);
    if (ok && wb_api_new(&cfg, NULL, &api) != WB_OK) {
        ok = 0;
    }
    return ok ? 0 : -1;
}

/* Split "k=v&k=v" (in place) into params. */
static size_t
split_query(char *q, struct wb_api_param *p, size_t cap)
{
    size_t n = 0;

    while (q != NULL && *q != '\0' && n < cap) {
        char *amp = strchr(q, '&');
        char *eq;
        if (amp != NULL) {
            *amp = '\0';
        }
        eq = strchr(q, '=');
        if (eq != NULL) {
            *eq = '\0';
        }
        p[n].key = q;
        p[n].value = eq ? eq + 1 : "";
        n++;
        q = amp ? amp + 1 : NULL;
    }
    return n;
}

/* A reply must have a body; an error reply must be a JSON object with an
 * "error" string. */
static void
check_reply(const struct wb_api_response *rs)
{
    json_t *j;

    if (rs->status < 200 || rs->status > 599 || rs->body == NULL) {
        abort();
    }
    if (rs->status < 400) {
        return;
    }
    j = json_loadb((const char *)rs->body, rs->body_len, 0, NULL);
    if (j == NULL || !json_is_string(json_object_get(j, "error"))) {
        abort();
    }
    json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wb_api_param params[WB_API_PARAMS_MAX + 1];
    struct wb_api_request rq;
    struct wb_api_response rs;
    char auth[512] = "";
    char *buf;
    char *line;
    char *next;
    char *sp;
    char *q;

    if (size > MAX_INPUT || (api == NULL && setup() != 0)) {
        return 0;
    }
    buf = malloc(size + 1);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    memset(&rq, 0, sizeof rq);
    next = strchr(buf, '\n');
    if (next != NULL) {
        *next++ = '\0';
    }
    sp = strchr(buf, ' ');
    if (sp == NULL) {
        free(buf);
        return 0;
    }
    *sp = '\0';
    rq.method = buf;
    rq.path = sp + 1;
    q = strchr(sp + 1, '?');
    if (q != NULL) {
        *q++ = '\0';
        rq.param_count = split_query(q, params, WB_API_PARAMS_MAX + 1);
        rq.params = params;
    }
    /* headers up to a blank line */
    while (next != NULL && *next != '\0' && *next != '\n') {
        line = next;
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        if (strncmp(line, "Authorization: ", 15) == 0) {
            snprintf(auth, 256, "%s", line + 15);
            for (int i = 0; i < 3; i++) {
                if (strcmp(auth, names[i]) == 0) {
                    memcpy(auth, "Bearer ", 7);
                    memcpy(auth + 7, keys[i], sizeof keys[i]);
                }
            }
            rq.authorization = auth;
        }
    }
    if (next != NULL && *next == '\n') {
        next++;
    }
    rq.body = (const uint8_t *)(next ? next : "");
    /* the body is binary-safe: its length from the input's end */
    rq.body_len = next ? size - (size_t)(next - buf) : 0;
    wb_api_handle(api, &rq, &rs);
    check_reply(&rs);
    wb_api_response_clear(&rs);
    free(buf);
    return 0;
}
