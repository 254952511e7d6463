/* SPDX-License-Identifier: Apache-2.0 */
/* A trial load before a model is registered: the runtime loads the
 * checked bytes (and XGBoost's backend runs its probe row) in a child
 * process, so that a signed model which crashes the runtime, or does not
 * finish loading, is refused at registration instead of taking down every
 * later caller. The child reports through a pipe; its exit status is not
 * trusted (a crash has none to give). A process that has loaded a model
 * already makes the trial in process instead: runtimes start thread pools
 * (XGBoost's OpenMP) that a forked child does not have, and its load then
 * waits for them for ever. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "infer/infer_int.h"

static atomic_bool started; /* a runtime has loaded a model here */

void
wb__infer_runtime_started(void)
{
    atomic_store(&started, true);
}

#define TRIAL_MS (60 * 1000) /* a load that takes longer is refused */

/* In the child: load, report "0" or "1MESSAGE", and leave. */
static void
child(const struct wb_infer_backend *b,
      const struct wb_model_manifest *m,
      const uint8_t *bytes,
      size_t len,
      int fd)
{
    void *h = NULL;
    wb_err rc = b->load(bytes, len, m->input_count, m->output_count, &h);
    char msg[600];
    int n;

    b->free(h);
    n = snprintf(msg, sizeof msg, "%c%.590s", rc == WB_OK ? '0' : '1',
                 rc == WB_OK ? "" : wb_errmsg());
    if (write(fd, msg, (size_t)n) < 0) {
        /* the parent sees no answer */
    }
    _exit(0);
}

/* Read the child's answer into buf until it closes the pipe or the time is
 * up (*late). */
static size_t
answer(int fd, char *buf, size_t cap, bool *late)
{
    struct timespec t0;
    struct timespec t;
    size_t n = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    *late = false;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        long ms;
        ssize_t got;
        clock_gettime(CLOCK_MONOTONIC, &t);
        ms = TRIAL_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
                         (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (ms <= 0) {
            *late = true;
            return n;
        }
        if (poll(&p, 1, (int)ms) < 0 && errno != EINTR) {
            return n;
        }
        if (p.revents == 0) {
            continue;
        }
        got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return n;
        }
        n += (size_t)got;
        if (n == cap - 1) {
            return n;
        }
    }
}

wb_err
wb__infer_trial(const struct wb_model_manifest *m,
                const uint8_t *bytes,
                size_t len)
{
    const struct wb_infer_backend *b = wb_infer_backend_find(m->runtime);
    char buf[640];
    int fd[2];
    int st = 0;
    bool late = false;
    size_t n;
    pid_t pid;

    if (b == NULL) {
        return wb__err(WB_ERR_FORMAT,
                       "manifest: \"runtime\": \"%s\" is not a runtime of "
                       "this build",
                       m->runtime);
    }
    if (atomic_load(&started)) {
        void *h = NULL;
        wb_err rc = b->load(bytes, len, m->input_count, m->output_count, &h);
        b->free(h);
        return rc;
    }
    if (pipe(fd) != 0) {
        return wb__err(WB_ERR_IO, "trial load: %s", strerror(errno));
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return wb__err(WB_ERR_IO, "trial load: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fd[0]);
        child(b, m, bytes, len, fd[1]);
    }
    close(fd[1]);
    n = answer(fd[0], buf, sizeof buf, &late);
    close(fd[0]);
    buf[n] = '\0';
    if (late) {
        kill(pid, SIGKILL);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (n > 0 && buf[0] == '0') {
        return WB_OK;
    }
    if (n > 0 && buf[0] == '1') {
        return wb__err(WB_ERR_FORMAT, "%s", buf + 1);
    }
    if (late) {
        return wb__err(WB_ERR_FORMAT,
                       "the %s runtime did not finish loading the model in "
                       "%d s",
                       m->runtime, TRIAL_MS / 1000);
    }
    if (WIFSIGNALED(st)) {
        return wb__err(WB_ERR_FORMAT,
                       "the %s runtime crashed loading the model (signal %d, "
                       "%s)",
                       m->runtime, WTERMSIG(st), strsignal(WTERMSIG(st)));
    }
    /* no answer, yet an exit: a sanitizer or the runtime caught its own
     * crash and left */
    return wb__err(WB_ERR_FORMAT,
                   "the %s runtime crashed loading the model (exit status "
                   "%d, no answer)",
                   m->runtime, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}
