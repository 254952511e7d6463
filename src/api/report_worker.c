/* SPDX-License-Identifier: Apache-2.0 */
/* The report worker: one thread that makes the reports asked for over
 * HTTP, so that a scan of a large log does not hold up the server's
 * polling thread. One report at a time, on a site handle of its own
 * (a wb_site is not shared between threads) opened for the report with a
 * small page cache and closed after it; a second request while one runs
 * is answered 503 with an estimate of when to retry (docs/report.md). */
#define _GNU_SOURCE /* POLLRDHUP: the peer's end of stream, data waiting */
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "api/api_int.h"

/* Entries read between two looks at the requester's socket. */
#define WATCH_EVERY 4096

/* Bounds of the Retry-After estimate, seconds. */
#define RETRY_MIN 1
#define RETRY_MAX 3600

struct wb__rworker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *site_dir;
    struct wb_metrics *metrics;
    struct wb__rjob *job; /* taken and not yet answered; NULL when idle */
    bool stopping;        /* no more jobs taken (mu) */
    bool joined;
    atomic_bool stop;            /* a running report stops */
    atomic_uint_least64_t done;  /* entries the report has read */
    atomic_uint_least64_t total; /* entries it covers */
    struct timespec started;     /* when the job was taken (mu) */
    int watch_fd;                /* the running job's client_fd (worker) */
    bool client_gone;            /* it hung up (worker) */
};

static double
seconds_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) +
           (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Has the peer of socket fd hung up? End of stream (what libmicrohttpd
 * itself takes for an aborted request, so a client that shuts down its
 * sending side after the request is gone to both), also behind bytes
 * still waiting (a pipelined request, a TLS close_notify), or an error;
 * the bytes are left where they are. */
static bool
hung_up(int fd)
{
    struct pollfd p = {fd, POLLIN | POLLRDHUP, 0};
    char b;

    if (fd < 0 || poll(&p, 1, 0) <= 0) {
        return false;
    }
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL | POLLRDHUP)) {
        return true;
    }
    return (p.revents & POLLIN) &&
           recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* The report's progress: the gauge up once the log size is fixed, and
 * whether to go on (not when the server stops, nor once the requester
 * has hung up: nobody would read the answer). */
static bool
progress(void *arg, uint64_t done, uint64_t total)
{
    struct wb__rworker *w = arg;

    if (done == 0) {
        atomic_store(&w->total, total);
        atomic_store(&w->metrics->reports_running, 1);
    }
    atomic_store_explicit(&w->done, done, memory_order_relaxed);
    if (done > 0 && done % WATCH_EVERY == 0 && hung_up(w->watch_fd)) {
        w->client_gone = true;
        return false;
    }
    return !atomic_load_explicit(&w->stop, memory_order_relaxed);
}

/* Make j's report on a handle of its own into j->rs. */
static void
work(struct wb__rworker *w, struct wb__rjob *j)
{
    struct wb_site *s = NULL;
    struct wb__ctx c;
    wb_err rc;

    wb_errmsg_clear();
    if (atomic_load(&w->stop)) {
        wb__api_report_busy(&j->rs, "the server is stopping", 0);
        return;
    }
    rc = wb_site_open(w->site_dir, &s);
    if (rc == WB_OK) {
        rc = wb_site_cache_limit(s, WB__RWORKER_CACHE_KIB);
    }
    if (rc != WB_OK) {
        memset(&c, 0, sizeof c);
        c.rs = &j->rs;
        wb__api_fail(&c, rc, NULL, "site");
    } else {
        w->watch_fd = j->client_fd;
        w->client_gone = false;
        wb__api_report_answer(s, j, progress, w, &j->rs);
        if (j->rs.status == 503 && w->client_gone) {
            fprintf(stderr,
                    "waybilld: report %s not finished, the client hung "
                    "up: %s\n",
                    wb_report_name(j->kind), wb_errmsg());
        } else if (j->rs.status == 503 && atomic_load(&w->stop)) {
            /* the client may not see its 503: the daemon closes it */
            fprintf(stderr, "waybilld: report %s not finished, stopping: %s\n",
                    wb_report_name(j->kind), wb_errmsg());
        }
        w->watch_fd = -1;
    }
    atomic_store(&w->metrics->reports_running, 0);
    wb_site_close(s);
}

static void *
run(void *arg)
{
    struct wb__rworker *w = arg;
    struct wb__rjob *j;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->job == NULL && !w->stopping) {
            pthread_cond_wait(&w->cv, &w->mu);
        }
        j = w->job;
        if (j == NULL) {
            break; /* stopping, nothing taken */
        }
        pthread_mutex_unlock(&w->mu);
        work(w, j);
        pthread_mutex_lock(&w->mu);
        j->done = true;
        w->job = NULL;
        atomic_store(&w->done, 0);
        atomic_store(&w->total, 0);
        pthread_mutex_unlock(&w->mu);
        /* outside the lock (it takes the transport's); the last touch of
         * j: the transport may free it after this */
        j->finished(j->arg);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

wb_err
wb__rworker_start(const char *site_dir,
                  struct wb_metrics *m,
                  struct wb__rworker **out)
{
    struct wb__rworker *w = wb__calloc(1, sizeof *w);

    *out = NULL;
    if (w == NULL) {
        return WB_ERR_NOMEM;
    }
    w->site_dir = wb__strdup(site_dir);
    if (w->site_dir == NULL) {
        wb__free(w);
        return WB_ERR_NOMEM;
    }
    w->metrics = m;
    w->watch_fd = -1;
    atomic_init(&w->stop, false);
    atomic_init(&w->done, 0);
    atomic_init(&w->total, 0);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        w->joined = true;
        wb__rworker_free(w);
        return wb__err(WB_ERR_INTERNAL, "report worker: cannot start a "
                                        "thread");
    }
    *out = w;
    return WB_OK;
}

/* Seconds until the running report may end: its pace so far over what
 * is left. Under w->mu. */
static unsigned
retry_estimate(struct wb__rworker *w)
{
    uint64_t done = atomic_load(&w->done);
    uint64_t total = atomic_load(&w->total);
    double left;

    if (done == 0 || total <= done) {
        return RETRY_MIN;
    }
    left = seconds_since(&w->started) * (double)(total - done) / (double)done;
    if (left >= RETRY_MAX) {
        return RETRY_MAX;
    }
    return left < RETRY_MIN ? RETRY_MIN : (unsigned)left + 1;
}

bool
wb__rworker_submit(struct wb__rworker *w, struct wb__rjob *j)
{
    bool taken = false;

    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        wb__api_report_busy(&j->rs, "the server is stopping", 0);
    } else if (w->job != NULL) {
        wb__api_report_busy(&j->rs,
                            "another report is being made: one at a time; "
                            "retry after the seconds in Retry-After",
                            retry_estimate(w));
    } else {
        w->job = j;
        clock_gettime(CLOCK_MONOTONIC, &w->started);
        taken = true;
        pthread_cond_signal(&w->cv);
    }
    if (!taken) {
        j->done = true;
    }
    pthread_mutex_unlock(&w->mu);
    return taken;
}

bool
wb__rworker_done(struct wb__rworker *w, const struct wb__rjob *j)
{
    bool done;

    pthread_mutex_lock(&w->mu);
    done = j->done;
    pthread_mutex_unlock(&w->mu);
    return done;
}

void
wb__rworker_stop(struct wb__rworker *w)
{
    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    atomic_store(&w->stop, true);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (!w->joined) {
        pthread_join(w->thread, NULL);
        w->joined = true;
    }
}

void
wb__rworker_free(struct wb__rworker *w)
{
    if (w == NULL) {
        return;
    }
    wb__rworker_stop(w);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    wb__free(w->site_dir);
    wb__free(w);
}
