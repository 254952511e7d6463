/* SPDX-License-Identifier: Apache-2.0 */
/* waybilld: the edge gateway daemon. Serves one site directory: the HTTP
 * API (src/api), MQTT ingest (src/mqtt), the retention job
 * (src/retention) and checkpoint publishing (this thread), configured by a JSON
 * file (config.c) or embedded defaults on 127.0.0.1. SIGTERM or SIGINT stop it
 * cleanly (the open MQTT batch is committed and acknowledged); SIGHUP reloads
 * the configuration and the profiles, keeping the running set when the new one
 * is bad. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <waybill/waybill.h>

#include "config.h"

static const char usage[] =
    "usage: waybilld [--config FILE] [--dir DIR] [--listen ADDR:PORT]\n"
    "                [--profiles DIR] [--tls-cert FILE --tls-key FILE\n"
    "                [--client-ca FILE]] [--body-max BYTES]\n"
    "       waybilld --routes   print the endpoints and their roles\n"
    "--config: JSON configuration (docs/daemon.md): MQTT routes, batching,\n"
    "governed models run on MQTT records (mqtt.models), auditor hook\n"
    "plug-ins (hooks), retention, checkpoint publishing, listen address,\n"
    "TLS, auditor payload classes; options given here override it.\n"
    "--dir defaults to $WAYBILL_DIR, then ./waybill-data; --listen to\n"
    "127.0.0.1:8787 (port 0: any free port; [::1]:PORT for IPv6).\n"
    "SIGHUP reloads the configuration and profiles; SIGTERM or SIGINT stop.\n";

/* Command-line options: they win over the configuration file. */
struct opts {
    const char *config;
    const char *dir;
    const char *listen;
    const char *profiles;
    const char *tls_cert, *tls_key, *client_ca;
    size_t body_max;
};

struct daemon {
    struct opts o;
    struct wbd_config cfg;
    struct wb_httpd_config http;
    char profiles_buf[4096];
    char site_dir[4096];      /* the site, copied: lives across reloads */
    char profiles_path[4096]; /* the profiles directory, likewise */
    struct wb_metrics metrics;
    struct wb_httpd *h;
    struct wb_mqtt *mqtt;
    time_t next_retention;
    struct wb_site *publisher; /* this thread's handle: checkpoints */
    time_t next_checkpoint;
};

/* ADDR:PORT, [V6]:PORT or PORT into cfg, the address kept in s (cap
 * bytes), so argv stays as given. */
static int
parse_listen_into(const char *arg,
                  char *s,
                  size_t cap,
                  struct wb_httpd_config *cfg)
{
    const char *digits = s;
    char *colon;
    char *end = NULL;
    long port;

    if (strlen(arg) >= cap) {
        return -1;
    }
    memcpy(s, arg, strlen(arg) + 1);
    colon = strrchr(s, ':');
    if (colon != NULL) {
        *colon = '\0';
        digits = colon + 1;
        cfg->address = s;
        if (s[0] == '[' && colon > s && colon[-1] == ']') {
            colon[-1] = '\0';
            cfg->address = s + 1;
        }
    }
    errno = 0;
    port = strtol(digits, &end, 10);
    if (errno != 0 || end == digits || *end != '\0' || port < 0 ||
        port > 65535) {
        return -1;
    }
    cfg->port = (int)port;
    return 0;
}

/* parse_listen_into a static copy: the running server's address. */
static int
parse_listen(const char *arg, struct wb_httpd_config *cfg)
{
    static char s[256];

    return parse_listen_into(arg, s, sizeof s, cfg);
}

/* The profiles: --profiles, $WAYBILL_PROFILES, DIR/profiles, the
 * installed set, the source tree's (as the CLI finds them). */
static const char *
profiles_dir(const char *opt, const char *dir, char *buf, size_t cap)
{
    const char *env = getenv("WAYBILL_PROFILES");
    struct stat st;

    if (opt != NULL) {
        return opt;
    }
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    snprintf(buf, cap, "%s/profiles", dir);
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) {
        return buf;
    }
    if (stat(WB_PROFILES_INSTALLED, &st) == 0 && S_ISDIR(st.st_mode)) {
        return WB_PROFILES_INSTALLED;
    }
    return stat(WB_PROFILES_SOURCE, &st) == 0 ? WB_PROFILES_SOURCE : NULL;
}

/* METHOD PATTERN ROLE,ROLE ("-": no authentication), one route a line. */
static void
print_routes(void)
{
    const char *method;
    const char *pattern;
    unsigned roles;

    for (size_t i = 0; wb_api_route(i, &method, &pattern, &roles); i++) {
        const char *sep = "";
        printf("%s %s ", method, pattern);
        for (unsigned bit = 1; bit <= WB_ACCESS_ADMIN; bit <<= 1) {
            if (roles & bit) {
                printf("%s%s", sep,
                       wb_access_role_name((enum wb_access_role)bit));
                sep = ",";
            }
        }
        printf("%s\n", roles ? "" : "-");
    }
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option opts[] = {
        {"config", required_argument, 0, 'f'},
        {"dir", required_argument, 0, 'd'},
        {"listen", required_argument, 0, 'l'},
        {"profiles", required_argument, 0, 'p'},
        {"tls-cert", required_argument, 0, 'c'},
        {"tls-key", required_argument, 0, 'k'},
        {"client-ca", required_argument, 0, 'a'},
        {"body-max", required_argument, 0, 'b'},
        {"help", no_argument, 0, 'h'},
        {"routes", no_argument, 0, 'r'},
        {0, 0, 0, 0}};
    struct wb_httpd_config probe = {0};
    int ch;

    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            o->config = optarg;
            break;
        case 'd':
            o->dir = optarg;
            break;
        case 'l':
            if (parse_listen(optarg, &probe) != 0) {
                fprintf(stderr, "waybilld: --listen: not ADDR:PORT\n");
                return 2;
            }
            o->listen = optarg;
            break;
        case 'p':
            o->profiles = optarg;
            break;
        case 'c':
            o->tls_cert = optarg;
            break;
        case 'k':
            o->tls_key = optarg;
            break;
        case 'a':
            o->client_ca = optarg;
            break;
        case 'b': {
            char *end = NULL;
            unsigned long long v;
            errno = 0;
            v = strtoull(optarg, &end, 10);
            /* strtoull takes "-1" (as ULLONG_MAX), " 1" and "+1" */
            if (optarg[0] < '0' || optarg[0] > '9' || errno != 0 ||
                *end != '\0' || v == 0 || v > SIZE_MAX) {
                fprintf(stderr, "waybilld: --body-max: not a byte count\n");
                return 2;
            }
            o->body_max = (size_t)v;
            break;
        }
        case 'h':
            fputs(usage, stdout);
            exit(0);
        case 'r':
            print_routes();
            exit(0);
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    return 0;
}

#define PICK(opt, conf) ((opt) != NULL ? (opt) : (conf))

/* Are a and b (either may be NULL) the same text? */
static bool
same_text(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The HTTP server's settings: options, then the file, then defaults. */
static int
http_config(struct daemon *d)
{
    const char *env = getenv("WAYBILL_DIR");
    struct wb_httpd_config *c = &d->http;
    const char *listen = PICK(d->o.listen, d->cfg.listen);

    memset(c, 0, sizeof *c);
    c->site_dir = PICK(d->o.dir, d->cfg.dir);
    if (c->site_dir == NULL) {
        c->site_dir = env && env[0] ? env : "./waybill-data";
    }
    c->port = WB_API_DEFAULT_PORT;
    if (listen != NULL && parse_listen(listen, c) != 0) {
        fprintf(stderr, "waybilld: listen: \"%s\" is not ADDR:PORT\n", listen);
        return 2;
    }
    c->tls_cert = PICK(d->o.tls_cert, d->cfg.tls_cert);
    c->tls_key = PICK(d->o.tls_key, d->cfg.tls_key);
    c->client_ca = PICK(d->o.client_ca, d->cfg.tls_client_ca);
    c->body_max = d->o.body_max;
    c->checkpoint_interval_s = d->cfg.checkpoint_interval_s;
    c->auditor_payload_classes = d->cfg.auditor_payload_classes;
    c->profiles_dir =
        profiles_dir(PICK(d->o.profiles, d->cfg.profiles), c->site_dir,
                     d->profiles_buf, sizeof d->profiles_buf);
    if (c->profiles_dir != NULL) {
        /* the daemon's own copy: a reload frees the file's strings */
        snprintf(d->profiles_path, sizeof d->profiles_path, "%s",
                 c->profiles_dir);
        c->profiles_dir = d->profiles_path;
    }
    return 0;
}

/* Publish a checkpoint when the log grew since the latest one, at most
 * every checkpoints.interval_s seconds. This thread has a site handle of
 * its own: it catches up with the entries the MQTT and HTTP handles
 * committed (wb_site_refresh), and signing writes one row outside any
 * batch, waiting (SQLite's busy timeout) while another handle's batch
 * holds the write lock; a checkpoint of a size another handle signed
 * already is the same text (Ed25519 is deterministic) and stored once.
 * A failure is reported and tried again at the next interval. */
static void
publish_checkpoint(struct daemon *d)
{
    uint64_t latest = 0;
    char *text = NULL;
    wb_err rc;

    d->next_checkpoint = time(NULL) + d->cfg.checkpoint_interval_s;
    rc = wb_site_refresh(d->publisher);
    if (rc == WB_OK) {
        rc = wb_site_checkpoint_latest(d->publisher, &latest, &text);
        wb_free(text);
        text = NULL;
        if (rc == WB_ERR_NOTFOUND) {
            latest = 0;
            rc = WB_OK;
        }
    }
    if (rc == WB_OK && wb_site_size(d->publisher) > latest) {
        rc = wb_site_checkpoint(d->publisher, 0, &text);
        wb_free(text);
    }
    if (rc != WB_OK) {
        fprintf(stderr, "waybilld: checkpoint: %s\n",
                wb_errmsg()[0] ? wb_errmsg() : wb_strerror(rc));
    }
}

static void
stop_services(struct daemon *d)
{
    wb_mqtt_stop(d->mqtt); /* commits and acknowledges the open batch */
    d->mqtt = NULL;
    wb_httpd_stop(d->h);
    d->h = NULL;
    if (d->publisher != NULL && d->cfg.checkpoint_interval_s > 0) {
        publish_checkpoint(d); /* what the last batches added */
    }
    wb_site_close(d->publisher);
    d->publisher = NULL;
}

static int
fail(wb_err rc, const char *what)
{
    int code = wb_err_exit_code(rc);

    fprintf(stderr, "waybilld: %s: %s\n", what,
            wb_errmsg()[0] ? wb_errmsg() : wb_strerror(rc));
    return code; /* 1: what the site holds does not verify, or a configured
                  * model is refused: a restart would meet it again */
}

static int
start_mqtt(struct daemon *d)
{
    wb_err rc;

    d->next_retention = d->cfg.retention_interval_s ? time(NULL) + 1 : 0;
    if (!d->cfg.mqtt_enabled) {
        return 0;
    }
    d->cfg.mqtt.profiles_dir = d->http.profiles_dir;
    d->cfg.mqtt.source = d->o.config;
    rc = d->mqtt ? WB_OK : wb_mqtt_prepare(d->site_dir, &d->cfg.mqtt, &d->mqtt);
    if (rc == WB_OK) {
        rc = wb_mqtt_run(d->mqtt, &d->metrics);
    }
    if (rc != WB_OK) {
        return fail(rc, "mqtt");
    }
    fprintf(stderr, "waybilld: mqtt: %s:%d, %zu route(s)\n",
            d->cfg.mqtt.host ? d->cfg.mqtt.host : "127.0.0.1",
            d->cfg.mqtt.port ? d->cfg.mqtt.port : 1883,
            d->cfg.mqtt.route_count);
    return 0;
}

/* Start what d->cfg asks for; on failure nothing runs. */
static int
start_services(struct daemon *d)
{
    int code = http_config(d);
    wb_err rc;

    if (code != 0) {
        return code;
    }
    snprintf(d->site_dir, sizeof d->site_dir, "%s", d->http.site_dir);
    /* what the log holds is published before anyone can read it */
    rc = wb_site_open(d->site_dir, &d->publisher);
    if (rc == WB_OK) {
        rc = wb_site_cache_limit(d->publisher, 1024);
    }
    if (rc != WB_OK) {
        code = fail(rc, wb_strerror(rc));
        wb_site_close(d->publisher);
        d->publisher = NULL;
        return code;
    }
    /* a configuration MQTT would refuse stops the start before anything
     * listens or is written; what it opened (its models verified and
     * loaded) is what start_mqtt runs */
    if (d->cfg.mqtt_enabled) {
        d->cfg.mqtt.profiles_dir = d->http.profiles_dir;
        d->cfg.mqtt.source = d->o.config;
        rc = wb_mqtt_prepare(d->site_dir, &d->cfg.mqtt, &d->mqtt);
    }
    if (rc != WB_OK) {
        char what[4200]; /* named as the loader's refusals are */
        snprintf(what, sizeof what, "configuration: %s",
                 d->o.config ? d->o.config : "(defaults)");
        code = fail(rc, what);
        wb_site_close(d->publisher);
        d->publisher = NULL;
        return code;
    }
    if (d->cfg.checkpoint_interval_s > 0) {
        publish_checkpoint(d);
    }
    rc = wb_httpd_start(&d->http, &d->metrics, &d->h);
    if (rc != WB_OK) {
        code = fail(rc, wb_strerror(rc));
        stop_services(d);
        return code;
    }
    printf("waybilld: listening on %s port %d (%s)\n",
           d->http.address ? d->http.address : WB_API_DEFAULT_ADDR,
           wb_httpd_port(d->h), d->http.tls_cert ? "https" : "http");
    fflush(stdout);
    code = start_mqtt(d);
    if (code != 0) {
        stop_services(d);
        return code;
    }
    fprintf(stderr, "waybilld: serving %s\n", d->site_dir);
    return 0;
}

/* Attach the inference hook plug-ins of cfg in place of the running
 * ones (wb_infer_hook_replace); 0, or 2 after naming the entry that did
 * not start after when (or lost, when the running ones did not start
 * again), with *kept (may be NULL) whether the running ones run again.
 * No governed call may run meanwhile. */
static int
set_hooks(const struct wbd_config *cfg,
          const char *when,
          const char *lost,
          bool *kept)
{
    size_t failed = 0;
    bool again = true;
    wb_err rc =
        wb_infer_hook_replace(cfg->hooks, cfg->hook_count, &failed, &again);

    if (kept != NULL) {
        *kept = again;
    }
    if (rc != WB_OK) {
        fprintf(stderr, "waybilld: %shooks[%zu]: %s\n", again ? when : lost,
                failed, wb_errmsg());
        return 2;
    }
    for (size_t i = 0; i < cfg->hook_count; i++) {
        fprintf(stderr, "waybilld: inference hook %s attached\n",
                cfg->hooks[i].path);
    }
    return 0;
}

/* SIGHUP: a new configuration replaces the running one only if it loads.
 * The HTTP server keeps its socket and reloads the profiles (a broken set
 * is refused and the loaded one kept); MQTT restarts with the new routes
 * (its session is kept, so nothing is missed); the hook plug-ins are
 * replaced; the retention rules change. The site directory, listen
 * address and TLS files take effect on restart. */
/* The settings a reload does not apply, which take effect on restart,
 * must be ones the daemon can start with: a reload would otherwise say
 * "ok" to a file the next start refuses. 0, or 2 with why written. */
static int
restart_settings(const struct daemon *d,
                 const struct wbd_config *next,
                 char *why,
                 size_t cap)
{
    struct wb_httpd_config probe;
    char addr[256];
    const char *dir = PICK(d->o.dir, next->dir);
    const char *cert = PICK(d->o.tls_cert, next->tls_cert);
    const char *key = PICK(d->o.tls_key, next->tls_key);
    const char *ca = PICK(d->o.client_ca, next->tls_client_ca);
    const char *listen = PICK(d->o.listen, next->listen);
    const char *const files[] = {cert, key, ca};
    const char *const names[] = {"tls.cert", "tls.key", "tls.client_ca"};
    char db[4200];

    memset(&probe, 0, sizeof probe);
    if (listen != NULL &&
        parse_listen_into(listen, addr, sizeof addr, &probe) != 0) {
        snprintf(why, cap, "listen: \"%s\" is not ADDR:PORT", listen);
        return 2;
    }
    snprintf(db, sizeof db, "%s/waybill.db", dir ? dir : d->site_dir);
    if (access(db, R_OK) != 0) {
        snprintf(why, cap, "dir: %s holds no site (%s)",
                 dir ? dir : d->site_dir, strerror(errno));
        return 2;
    }
    if ((cert == NULL) != (key == NULL)) {
        snprintf(why, cap, "tls: cert and key go together");
        return 2;
    }
    for (size_t i = 0; i < 3; i++) {
        if (files[i] != NULL && access(files[i], R_OK) != 0) {
            snprintf(why, cap, "%s: %s: %s", names[i], files[i],
                     strerror(errno));
            return 2;
        }
    }
    return 0;
}

static int
reload(struct daemon *d)
{
    struct wbd_config next;
    char when[4200];
    char lost[4200];
    bool kept = true;
    int code;
    struct wb_mqtt *ready = NULL; /* next's MQTT, prepared */
    wb_err rc = wbd_config_load(d->o.config, &next);
    bool named = rc != WB_OK; /* the loader's errors name the file */

    snprintf(when, sizeof when,
             "reload: refused, keeping the running configuration: %s: ",
             d->o.config ? d->o.config : "(defaults)");
    snprintf(lost, sizeof lost,
             "reload: refused, and the running hook plug-ins did not start "
             "again: stopping (exit 2): %s: ",
             d->o.config ? d->o.config : "(defaults)");
    if (rc == WB_OK) {
        char why[4400];
        if (restart_settings(d, &next, why, sizeof why) != 0) {
            fprintf(stderr,
                    "waybilld: %s%s (it takes effect on restart, which would "
                    "fail)\n",
                    when, why);
            wbd_config_clear(&next);
            return 0;
        }
        if (!same_text(d->cfg.listen, next.listen) ||
            !same_text(d->cfg.dir, next.dir) ||
            !same_text(d->cfg.tls_cert, next.tls_cert) ||
            !same_text(d->cfg.tls_key, next.tls_key) ||
            !same_text(d->cfg.tls_client_ca, next.tls_client_ca)) {
            fprintf(stderr, "waybilld: reload: the listen address, site "
                            "directory or TLS files changed: they take "
                            "effect on restart\n");
        }
    }
    /* the new routes and models must hold before the running ones go */
    if (rc == WB_OK && next.mqtt_enabled) {
        next.mqtt.profiles_dir = d->http.profiles_dir;
        next.mqtt.source = d->o.config;
        rc = wb_mqtt_prepare(d->site_dir, &next.mqtt, &ready);
    }
    if (rc != WB_OK) {
        fprintf(stderr, "waybilld: %s%s\n",
                named ? "reload: refused, keeping the running "
                        "configuration: "
                      : when,
                wb_errmsg());
        wbd_config_clear(&next);
        return 0;
    }
    wb_mqtt_stop(d->mqtt); /* commits and acknowledges the open batch */
    d->mqtt = NULL;
    /* no governed call runs now: the new plug-ins start, or the running
     * ones start again and the running configuration stays */
    if (set_hooks(&next, when, lost, &kept) != 0) {
        wb_mqtt_stop(ready);
        wbd_config_clear(&next);
        if (!kept) {
            return 2; /* a configured auditor hook must not go missing */
        }
        code = start_mqtt(d);
        if (code != 0) {
            fprintf(stderr, "waybilld: reload: MQTT did not start again "
                            "with the running configuration\n");
        }
        return code;
    }
    if (next.hook_count == 0 && d->cfg.hook_count > 0) {
        fprintf(stderr, "waybilld: reload: no inference hook attached now "
                        "(the configuration names none)\n");
    }
    wbd_config_clear(&d->cfg);
    d->cfg = next;
    d->mqtt = ready; /* copied what it needs of next.mqtt */
    rc = wb_httpd_reload(d->h);
    fprintf(stderr, "waybilld: reload: %s%s%s\n",
            rc == WB_OK ? "ok" : wb_strerror(rc), rc ? ": " : "",
            rc ? wb_errmsg() : "");
    return start_mqtt(d);
}

/* The retention job, with a site handle of its own for the run. */
static void
run_retention(struct daemon *d)
{
    struct wb_retention_report r;
    struct wb_site *s = NULL;
    wb_err rc;

    d->next_retention = time(NULL) + d->cfg.retention_interval_s;
    rc = wb_site_open(d->site_dir, &s);
    if (rc == WB_OK) {
        rc = wb_retention_run(s, d->cfg.retention, d->cfg.retention_count,
                              (int64_t)time(NULL), false, &r);
    }
    wb_site_close(s);
    if (rc != WB_OK) {
        fprintf(stderr, "waybilld: retention: %s\n",
                wb_errmsg()[0] ? wb_errmsg() : wb_strerror(rc));
        return;
    }
    atomic_fetch_add(&d->metrics.retention_erased, r.erased);
    if (r.erased > 0 || r.held > 0) {
        fprintf(stderr,
                "waybilld: retention: %llu erased, %llu held by a legal "
                "minimum (of %llu expired)\n",
                (unsigned long long)r.erased, (unsigned long long)r.held,
                (unsigned long long)r.expired);
    }
}

int
main(int argc, char **argv)
{
    struct daemon d;
    sigset_t set;
    wb_err rc;
    int code;

    memset(&d, 0, sizeof d);
    code = parse_args(argc, argv, &d.o);
    if (code != 0) {
        return code;
    }
    if (wb_init() != WB_OK) {
        fprintf(stderr, "waybilld: cannot start the crypto library\n");
        return 3;
    }
    rc = wbd_config_load(d.o.config, &d.cfg);
    if (rc != WB_OK) {
        return fail(rc, "configuration");
    }
    wb_metrics_init(&d.metrics);
    /* signals are blocked before any thread starts, so every thread
     * inherits the mask and this one takes them with sigtimedwait */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    {
        char when[4100];
        snprintf(when, sizeof when,
                 "%s: ", d.o.config ? d.o.config : "(defaults)");
        code = set_hooks(&d.cfg, when, when, NULL);
    }
    if (code == 0) {
        code = start_services(&d);
    }
    while (code == 0) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            break;
        }
        if (sig == SIGHUP) {
            code = reload(&d);
            continue;
        }
        if (wb_mqtt_error(d.mqtt) != WB_OK) {
            code = 3; /* restart us: nothing unlogged was acknowledged */
            break;
        }
        if (d.next_retention != 0 && time(NULL) >= d.next_retention) {
            run_retention(&d);
        }
        if (d.cfg.checkpoint_interval_s > 0 &&
            time(NULL) >= d.next_checkpoint) {
            publish_checkpoint(&d);
        }
    }
    stop_services(&d);
    wb_infer_hook_detach_all();
    wbd_config_clear(&d.cfg);
    return code;
}
