/* SPDX-License-Identifier: Apache-2.0 */
/* waybilld: the edge gateway daemon. Serves one site directory: MQTT
 * ingest, the retention job and (see src/api) the HTTP API. SIGTERM or
 * SIGINT stop it cleanly (the open batch is committed and acknowledged);
 * SIGHUP reloads the configuration. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <waybill/waybill.h>

#include "config.h"

static const char usage[] =
    "usage: waybilld [--config FILE] [--dir DIR] [--listen ADDR:PORT]\n"
    "  --config FILE   JSON configuration (docs/daemon.md); without one the\n"
    "                  site is served on 127.0.0.1 with embedded defaults\n"
    "  --dir DIR       site directory (default $WAYBILL_DIR, else\n"
    "                  ./waybill-data); overrides the config's \"dir\"\n"
    "  --listen A:P    HTTP listen address (default 127.0.0.1:8787)\n";

struct daemon {
    const char *config_path;
    const char *dir_flag;
    const char *listen_flag;
    struct wbd_config cfg;
    const char *dir;
    struct wb_metrics metrics;
    struct wb_mqtt *mqtt;
    struct wb_site *site; /* for the jobs of the main thread */
    time_t next_retention;
};

static const char *
site_dir(const struct daemon *d)
{
    const char *env = getenv("WAYBILL_DIR");

    if (d->dir_flag != NULL) {
        return d->dir_flag;
    }
    if (d->cfg.dir != NULL) {
        return d->cfg.dir;
    }
    return env != NULL && env[0] != '\0' ? env : "waybill-data";
}

static void
stop_services(struct daemon *d)
{
    wb_mqtt_stop(d->mqtt); /* commits and acknowledges the open batch */
    d->mqtt = NULL;
    wb_site_close(d->site);
    d->site = NULL;
}

/* Load the configuration and start what it asks for; on failure nothing
 * runs and the message is on stderr. */
static int
start_services(struct daemon *d)
{
    wb_err rc = wbd_config_load(d->config_path, &d->cfg);

    if (rc != WB_OK) {
        fprintf(stderr, "waybilld: %s\n", wb_errmsg());
        return 2;
    }
    d->dir = site_dir(d);
    rc = wb_site_open(d->dir, &d->site);
    if (rc != WB_OK) {
        fprintf(stderr, "waybilld: site %s: %s%s\n", d->dir,
                wb_errmsg()[0] ? wb_errmsg() : wb_strerror(rc),
                rc == WB_ERR_NOTFOUND ? " (create it with waybill init)" : "");
        return 3;
    }
    atomic_store(&d->metrics.log_size, wb_site_size(d->site));
    if (d->cfg.mqtt_enabled) {
        rc = wb_mqtt_start(d->dir, &d->cfg.mqtt, &d->metrics, &d->mqtt);
        if (rc != WB_OK) {
            fprintf(stderr, "waybilld: %s\n",
                    wb_errmsg()[0] ? wb_errmsg() : wb_strerror(rc));
            stop_services(d);
            return rc == WB_ERR_INVAL ? 2 : 3;
        }
        fprintf(stderr, "waybilld: mqtt: %s:%d, %zu route(s)\n",
                d->cfg.mqtt.host ? d->cfg.mqtt.host : "127.0.0.1",
                d->cfg.mqtt.port ? d->cfg.mqtt.port : 1883,
                d->cfg.mqtt.route_count);
    }
    d->next_retention =
        d->cfg.retention_interval_s ? time(NULL) + 1 : (time_t)0;
    fprintf(stderr, "waybilld: serving %s\n", d->dir);
    return 0;
}

static void
run_retention(struct daemon *d)
{
    struct wb_retention_report r;
    wb_err rc;

    d->next_retention = time(NULL) + d->cfg.retention_interval_s;
    rc = wb_retention_run(d->site, d->cfg.retention, d->cfg.retention_count,
                          (int64_t)time(NULL), false, &r);
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
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"dir", required_argument, 0, 'd'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct daemon d;
    sigset_t set;
    int code = 0;
    int ch;

    memset(&d, 0, sizeof d);
    while ((ch = getopt_long(argc, argv, "c:d:l:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            d.config_path = optarg;
            break;
        case 'd':
            d.dir_flag = optarg;
            break;
        case 'l':
            d.listen_flag = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "waybilld: unexpected argument %s\n%s", argv[optind],
                usage);
        return 2;
    }
    if (wb_init() != WB_OK) {
        fprintf(stderr, "waybilld: cannot initialise the crypto library\n");
        return 3;
    }
    wb_metrics_init(&d.metrics);
    /* signals are taken synchronously by this thread only */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    code = start_services(&d);
    while (code == 0) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            fprintf(stderr, "waybilld: stopping\n");
            break;
        }
        if (sig == SIGHUP) {
            fprintf(stderr, "waybilld: reloading %s\n",
                    d.config_path ? d.config_path : "(defaults)");
            stop_services(&d);
            wbd_config_clear(&d.cfg);
            code = start_services(&d);
            continue;
        }
        if (wb_mqtt_error(d.mqtt) != WB_OK) {
            code = 3; /* restart us: nothing unlogged was acknowledged */
            break;
        }
        if (d.next_retention != 0 && time(NULL) >= d.next_retention) {
            run_retention(&d);
        }
    }
    stop_services(&d);
    wbd_config_clear(&d.cfg);
    return code;
}
