/* SPDX-License-Identifier: Apache-2.0 */
/* MQTT end to end: publish -> durably logged, through a real mosquitto
 * broker on loopback, against the broker's own throughput to a plain QoS 1
 * subscriber measured in the same run; the p99 batch commit latency; and
 * the resident memory of the waybilld daemon under the same load.
 *
 *   bench_mqtt [MESSAGES] [PATH-TO-waybilld]
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "bench_util.h"

#define TOPIC "plant/press-1/tele"

static int port;

static void
nap_us(long us)
{
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};

    nanosleep(&t, NULL);
}

static int
free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("bench: free port");
        exit(3);
    }
    close(fd);
    return ntohs(a.sin_port);
}

static pid_t
spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0) {
        perror("bench: fork");
        exit(3);
    }
    return pid;
}

static void
stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* ---- a publisher and a plain subscriber (libmosquitto) ---------------- */

struct counter {
    atomic_uint_least64_t n;
    atomic_int ready;
};

static void
sub_connect(
    struct mosquitto *m, void *obj, int rc, int f, const mosquitto_property *p)
{
    (void)obj;
    (void)f;
    (void)p;
    if (rc == 0) {
        mosquitto_subscribe(m, NULL, TOPIC, 1);
    }
}

static void
sub_subscribed(struct mosquitto *m,
               void *obj,
               int mid,
               int n,
               const int *g,
               const mosquitto_property *p)
{
    struct counter *c = obj;

    (void)m;
    (void)mid;
    (void)n;
    (void)g;
    (void)p;
    atomic_store(&c->ready, 1);
}

static void
sub_message(struct mosquitto *m,
            void *obj,
            const struct mosquitto_message *msg,
            const mosquitto_property *p)
{
    struct counter *c = obj;

    (void)m;
    (void)msg;
    (void)p;
    atomic_fetch_add(&c->n, 1);
}

static struct mosquitto *
client(const char *id, bool clean, void *obj)
{
    struct mosquitto *m = mosquitto_new(id, clean, obj);

    if (m == NULL) {
        exit(3);
    }
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    /* the same window for every client: libmosquitto's default is 20 */
    mosquitto_int_option(m, MOSQ_OPT_RECEIVE_MAXIMUM, 65535);
    mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, 65535);
    return m;
}

static void
connect_or_die(struct mosquitto *m)
{
    for (int i = 0; i < 100; i++) {
        if (mosquitto_connect_bind_v5(m, "127.0.0.1", port, 30, NULL, NULL) ==
            MOSQ_ERR_SUCCESS) {
            return;
        }
        nap_us(50000);
    }
    fprintf(stderr, "bench: cannot connect to the broker\n");
    exit(3);
}

#define PUBLISHERS 16

static char tmpdir[256];

/* Wait until *count reaches n, at most 120 s; a shortfall is reported and
 * ends the benchmark (a figure from a run that lost messages means
 * nothing). */
static void
wait_for(atomic_uint_least64_t *count, uint64_t n, const char *what)
{
    double until = bu_now() + 120;

    while (atomic_load(count) < n) {
        if (bu_now() > until) {
            fprintf(stderr, "bench: %s: %llu of %llu after 120 s\n", what,
                    (unsigned long long)atomic_load(count),
                    (unsigned long long)n);
            exit(1);
        }
        nap_us(500);
    }
}

/* Publish n QoS 1 telemetry messages through PUBLISHERS mosquitto_pub -l
 * processes (the broker's own client) in parallel; returns when all have
 * had every message acknowledged by the broker. */
static void
publish(uint64_t n, uint64_t seq0)
{
    pid_t pids[PUBLISHERS];
    char port_s[16];
    /* messages each publisher keeps in flight: mosquitto_pub's default
     * (20) bounds the baseline by the publishers' round trips */
    const char *inflight =
        getenv("WB_BENCH_INFLIGHT") ? getenv("WB_BENCH_INFLIGHT") : "20";

    snprintf(port_s, sizeof port_s, "%d", port);
    for (int k = 0; k < PUBLISHERS; k++) {
        char path[300];
        FILE *f;
        snprintf(path, sizeof path, "%s/pub-%d.txt", tmpdir, k);
        f = fopen(path, "w");
        if (f == NULL) {
            exit(3);
        }
        for (uint64_t i = (uint64_t)k; i < n; i += PUBLISHERS) {
            fprintf(f,
                    "{\"ts\": %.3f, \"seq\": %llu, \"vib\": 0.%03u, "
                    "\"temp\": 61.%u, \"cur\": 12.%u}\n",
                    1795000000.0 + (double)i / 1000,
                    (unsigned long long)(seq0 + i), (unsigned)(i * 7919 % 1000),
                    (unsigned)(i % 10), (unsigned)(i % 7));
        }
        fclose(f);
    }
    for (int k = 0; k < PUBLISHERS; k++) {
        char path[300];
        snprintf(path, sizeof path, "%s/pub-%d.txt", tmpdir, k);
        pids[k] = fork();
        if (pids[k] == 0) {
            int fd = open(path, O_RDONLY);
            if (fd < 0 || dup2(fd, 0) < 0) {
                _exit(127);
            }
            execlp("mosquitto_pub", "mosquitto_pub", "-p", port_s, "-q", "1",
                   "-V", "mqttv5", "-M", inflight, "-t", TOPIC, "-l",
                   (char *)NULL);
            _exit(127);
        }
    }
    for (int k = 0; k < PUBLISHERS; k++) {
        int st = 0;
        waitpid(pids[k], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "bench: mosquitto_pub failed\n");
            exit(3);
        }
    }
}

/* The broker alone: publisher -> broker -> plain QoS 1 subscriber. */
static double
baseline(uint64_t n)
{
    struct counter c;
    struct mosquitto *s;
    double t0, t;

    atomic_init(&c.n, 0);
    atomic_init(&c.ready, 0);
    s = client("bench-plain", true, &c);
    mosquitto_connect_v5_callback_set(s, sub_connect);
    mosquitto_subscribe_v5_callback_set(s, sub_subscribed);
    mosquitto_message_v5_callback_set(s, sub_message);
    connect_or_die(s);
    mosquitto_loop_start(s);
    while (!atomic_load(&c.ready)) {
        nap_us(1000);
    }
    t0 = bu_now();
    publish(n, 0);
    wait_for(&c.n, n, "plain subscriber");
    t = bu_now() - t0;
    mosquitto_disconnect(s);
    mosquitto_loop_stop(s, false);
    mosquitto_destroy(s);
    return (double)n / t;
}

static struct wb_mqtt_config
ingest_config(void)
{
    struct wb_mqtt_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.port = port;
    cfg.route_count = 1;
    cfg.routes[0].filter = "plant/+/tele";
    cfg.routes[0].device_level = 1;
    cfg.routes[0].purposes[0] = "predictive-maintenance";
    cfg.routes[0].purpose_count = 1;
    cfg.routes[0].jurisdiction = "CN";
    cfg.routes[0].residency_local_only = true;
    /* WB_BENCH_COMMIT_MS: the commit interval to try (default 20) */
    if (getenv("WB_BENCH_COMMIT_MS") != NULL) {
        cfg.commit_interval_ms =
            (unsigned)strtoul(getenv("WB_BENCH_COMMIT_MS"), NULL, 10);
    }
    return cfg;
}

static void
make_site(const char *dir)
{
    struct wb_site *s = NULL;

    bu_check(wb_site_create(dir, BU_ORIGIN, NULL, 0, &s), "create site");
    bu_check(wb_site_device_add(s, "press-1", 0, NULL, 0, NULL), "device");
    wb_site_close(s);
}

/* In process: wb_mqtt_start's thread, counted through its metrics. */
static double
governed(const char *dir, uint64_t n, uint64_t *p50, uint64_t *p99)
{
    struct wb_mqtt_config cfg = ingest_config();
    struct wb_metrics m;
    struct wb_mqtt *q = NULL;
    double t0, t;

    wb_metrics_init(&m);
    bu_check(wb_mqtt_start(dir, &cfg, &m, &q), "mqtt start");
    while (!wb_mqtt_connected(q)) {
        nap_us(1000);
    }
    t0 = bu_now();
    publish(n, 1000000000);
    wait_for(&m.records_logged, n, "in-process ingest");
    t = bu_now() - t0;
    *p50 = wb_metrics_latency_quantile(&m, 0.50);
    *p99 = wb_metrics_latency_quantile(&m, 0.99);
    wb_mqtt_stop(q);
    return (double)n / t;
}

static uint64_t
logged(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    uint64_t n = 0;

    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(idx) + 1, 0) FROM entries",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        n = (uint64_t)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static long
vm_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, strlen(field)) == 0) {
            v = strtol(line + strlen(field) + 1, NULL, 10);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return v;
}

/* The daemon as a child process: throughput and its peak resident set. */
static double
daemon_run(const char *daemon, const char *dir, uint64_t n, long *hwm)
{
    char conf[4200], db[4200], log[4200];
    sqlite3 *h = NULL;
    uint64_t base;
    double t0, t;
    pid_t pid;
    FILE *f;

    snprintf(conf, sizeof conf, "%s/waybilld.json", dir);
    snprintf(db, sizeof db, "%s/waybill.db", dir);
    snprintf(log, sizeof log, "%s/waybilld.log", dir);
    f = fopen(conf, "w");
    if (f == NULL) {
        exit(3);
    }
    fprintf(f,
            "{\"dir\": \"%s\", \"listen\": \"127.0.0.1:0\", \"mqtt\": "
            "{\"port\": %d, \"routes\": "
            "[{\"topic\": \"plant/+/tele\", \"device_level\": 1, "
            "\"purposes\": [\"predictive-maintenance\"], "
            "\"jurisdiction\": \"CN\", \"residency\": \"local-only\"}]}}\n",
            dir, port);
    fclose(f);
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        exit(3);
    }
    base = logged(h);
    {
        char *argv[] = {(char *)daemon, "--config", conf, NULL};
        pid = spawn(argv, log);
    }
    nap_us(300000); /* connect and subscribe (the session is kept) */
    t0 = bu_now();
    publish(n, 2000000000);
    for (double until = bu_now() + 120; logged(h) < base + n;) {
        if (bu_now() > until) {
            fprintf(stderr, "bench: waybilld: %llu of %llu after 120 s\n",
                    (unsigned long long)(logged(h) - base),
                    (unsigned long long)n);
            exit(1);
        }
        nap_us(2000);
    }
    t = bu_now() - t0;
    *hwm = vm_kib(pid, "VmHWM:");
    printf("waybilld resident at the end: anonymous %.1f MiB, files %.1f MiB "
           "(shared libraries)\n",
           (double)vm_kib(pid, "RssAnon:") / 1024.0,
           (double)vm_kib(pid, "RssFile:") / 1024.0);
    stop(pid);
    sqlite3_close(h);
    return (double)n / t;
}

int
main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 300000;
    const char *daemon = argc > 2 ? argv[2] : "build/release/waybilld";
    char tmp[256], dir[300], conf[300], log[300];
    uint64_t p50 = 0, p99 = 0;
    double base, gov, dmn;
    long hwm = -1;
    pid_t broker;
    FILE *f;

    setvbuf(stdout, NULL, _IOLBF, 0);
    bu_check(wb_init(), "init");
    mosquitto_lib_init();
    bu_machine();
    bu_tmpdir(tmp, sizeof tmp);
    snprintf(tmpdir, sizeof tmpdir, "%s", tmp);
    snprintf(dir, sizeof dir, "%s/site", tmp);
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", tmp);
    snprintf(log, sizeof log, "%s/mosquitto.log", tmp);
    port = free_port();
    f = fopen(conf, "w");
    if (f == NULL) {
        exit(3);
    }
    fprintf(f,
            "listener %d 127.0.0.1\nallow_anonymous true\n"
            "max_inflight_messages 0\nmax_queued_messages 0\n",
            port);
    fclose(f);
    {
        char *bargv[] = {"mosquitto", "-c", conf, NULL};
        broker = spawn(bargv, log);
    }
    make_site(dir);

    printf("messages per run: %llu (QoS 1, ~90-byte JSON telemetry)\n",
           (unsigned long long)n);
    base = baseline(n);
    printf("broker to a plain QoS 1 subscriber: %10.0f msg/s\n", base);
    gov = governed(dir, n, &p50, &p99);
    printf("publish -> durably logged (in process): %10.0f msg/s  "
           "(%.2fx the plain subscriber)\n",
           gov, gov / base);
    printf("batch commit latency: p50 <= %llu us, p99 <= %llu us\n",
           (unsigned long long)p50, (unsigned long long)p99);
    if (access(daemon, X_OK) == 0) {
        dmn = daemon_run(daemon, dir, n, &hwm);
        printf("publish -> durably logged (waybilld): %10.0f msg/s  "
               "(%.2fx the plain subscriber)\n",
               dmn, dmn / base);
        printf("waybilld peak resident memory (VmHWM): %.1f MiB\n",
               (double)hwm / 1024.0);
    } else {
        printf("(no daemon at %s: pass its path to measure it)\n", daemon);
    }
    stop(broker);
    bu_rmtree(tmp);
    return 0;
}
