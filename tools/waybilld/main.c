/* SPDX-License-Identifier: Apache-2.0 */
/* waybilld: the gateway daemon. Options, signals, and the HTTP API
 * (src/api); everything else lives in the library. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <waybill/waybill.h>

static const char usage[] =
    "usage: waybilld [--dir DIR] [--listen ADDR:PORT] [--profiles DIR]\n"
    "                [--tls-cert FILE --tls-key FILE [--client-ca FILE]]\n"
    "                [--body-max BYTES]\n"
    "       waybilld --routes   print the endpoints and their roles\n"
    "--dir defaults to $WAYBILL_DIR, then ./waybill-data; --listen to\n"
    "127.0.0.1:8787 (port 0: any free port; [::1]:PORT for IPv6).\n"
    "SIGHUP reloads the profiles; SIGTERM or SIGINT stops.\n";

static volatile sig_atomic_t got_stop, got_hup;

static void
on_signal(int sig)
{
    if (sig == SIGHUP) {
        got_hup = 1;
    } else {
        got_stop = 1;
    }
}

/* ADDR:PORT, [V6]:PORT or PORT into cfg (the address is kept in a static
 * copy, so argv stays as given). */
static int
parse_listen(const char *arg, struct wb_httpd_config *cfg)
{
    static char s[256];
    const char *digits = s;
    char *colon;
    char *end = NULL;
    long port;

    if (strlen(arg) >= sizeof s) {
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
parse_args(int argc,
           char **argv,
           struct wb_httpd_config *cfg,
           const char **profiles)
{
    static const struct option opts[] = {
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
    int ch;

    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            cfg->site_dir = optarg;
            break;
        case 'l':
            if (parse_listen(optarg, cfg) != 0) {
                fprintf(stderr, "waybilld: --listen: not ADDR:PORT\n");
                return 2;
            }
            break;
        case 'p':
            *profiles = optarg;
            break;
        case 'c':
            cfg->tls_cert = optarg;
            break;
        case 'k':
            cfg->tls_key = optarg;
            break;
        case 'a':
            cfg->client_ca = optarg;
            break;
        case 'b': {
            char *end = NULL;
            unsigned long long v;
            errno = 0;
            v = strtoull(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || v == 0 ||
                v > SIZE_MAX) {
                fprintf(stderr, "waybilld: --body-max: not a byte count\n");
                return 2;
            }
            cfg->body_max = (size_t)v;
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

int
main(int argc, char **argv)
{
    struct wb_httpd_config cfg = {0};
    struct wb_metrics metrics;
    struct wb_httpd *h = NULL;
    struct sigaction sa;
    sigset_t block;
    sigset_t old;
    const char *env = getenv("WAYBILL_DIR");
    const char *profiles = NULL;
    char buf[4096];
    wb_err rc;
    int code;

    cfg.site_dir = env && env[0] ? env : "./waybill-data";
    cfg.port = WB_API_DEFAULT_PORT;
    code = parse_args(argc, argv, &cfg, &profiles);
    if (code != 0) {
        return code;
    }
    cfg.profiles_dir = profiles_dir(profiles, cfg.site_dir, buf, sizeof buf);
    if (wb_init() != WB_OK) {
        fprintf(stderr, "waybilld: cannot start the crypto library\n");
        return 3;
    }
    wb_metrics_init(&metrics);
    /* signals stay blocked but while waiting in sigsuspend, so none is
     * lost between the check and the wait */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* before the server thread starts, so that it inherits the mask and
     * every signal comes to this thread */
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = wb_httpd_start(&cfg, &metrics, &h);
    if (rc != WB_OK) {
        fprintf(stderr, "waybilld: %s: %s\n", wb_strerror(rc), wb_errmsg());
        return wb_err_exit_code(rc) == 1 ? 3 : wb_err_exit_code(rc);
    }
    printf("waybilld: listening on %s port %d (%s)\n",
           cfg.address ? cfg.address : WB_API_DEFAULT_ADDR, wb_httpd_port(h),
           cfg.tls_cert ? "https" : "http");
    fflush(stdout);
    while (!got_stop) {
        sigsuspend(&old);
        if (got_hup) {
            got_hup = 0;
            rc = wb_httpd_reload(h);
            fprintf(stderr, "waybilld: reload: %s%s%s\n", wb_strerror(rc),
                    rc ? ": " : "", rc ? wb_errmsg() : "");
        }
    }
    wb_httpd_stop(h);
    return 0;
}
