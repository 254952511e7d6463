/* SPDX-License-Identifier: Apache-2.0 */
/* An example third-party auditor plug-in (docs/infer.md, "Hook
 * plug-ins"): a hash-chained trail of every governed call, kept apart from
 * the site's own log. Each event is one JSON line whose "prev" is the
 * SHA-256 (hex) of the previous line's bytes (64 zeros for the first), so
 * an edited or removed line breaks the chain at the next one.
 *
 *   waybill infer ... --hook ./libwaybill_hook_chain.so:/var/audit/trail.jsonl
 *
 * Built against the public header only; links jansson and libsodium, not
 * waybill. Argument: the trail file, appended to (a chain continues from
 * the file's last line). One writer a trail: the file is locked (flock)
 * while the plug-in runs, so a second instance on it, in this process
 * under another spelling of its path or in another, is refused. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include <waybill/infer.h>

#define LINE_MAX_BYTES 65536

struct trail {
    pthread_mutex_t lock; /* calls may come from several threads */
    FILE *f;
    unsigned long long seq;
    char prev[2 * crypto_hash_sha256_BYTES + 1];
};

static void
hash_hex(const char *line, size_t len, char *hex)
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)line, len);
    sodium_bin2hex(hex, 2 * crypto_hash_sha256_BYTES + 1, h, sizeof h);
}

static const char *
type_name(enum wb_infer_event_type t)
{
    return t == WB_INFER_BEFORE_INPUT   ? "before-input"
           : t == WB_INFER_AFTER_OUTPUT ? "after-output"
                                        : "on-deny";
}

static void
event(void *ctx, const struct wb_infer_event *ev)
{
    struct trail *t = ctx;
    char digest[2 * 32 + 1];
    json_t *o;
    char *line;

    pthread_mutex_lock(&t->lock);
    sodium_bin2hex(digest, sizeof digest, ev->model_digest, 32);
    /* purpose and run_in are null for a model refused at load, before
     * any call said what for and where */
    o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:b}", "seq",
                  (json_int_t)(t->seq + 1), "prev", t->prev, "event",
                  type_name(ev->type), "model", ev->model_id, "digest", digest,
                  "purpose", ev->purpose, "run_in", ev->run_in, "enforced",
                  ev->enforced);
    if (o == NULL) {
        pthread_mutex_unlock(&t->lock);
        return;
    }
    if (!ev->whole_call) {
        json_object_set_new(o, "input", json_integer((json_int_t)ev->input));
    } else {
        /* a refused call or model, as the built-in trail marks it */
        json_object_set_new(o, "whole_call", json_true());
    }
    if (ev->input_leaf != NULL) {
        /* the record itself, not only its index: the chain attests what
         * was read, and can be checked against the site's proofs */
        char leaf[2 * 32 + 1];
        sodium_bin2hex(leaf, sizeof leaf, ev->input_leaf, 32);
        json_object_set_new(o, "input_leaf", json_string(leaf));
    }
    if (ev->type == WB_INFER_AFTER_OUTPUT) {
        json_t *vals = json_array();
        for (size_t i = 0; vals != NULL && i < ev->value_count; i++) {
            json_array_append_new(vals, json_real((double)ev->values[i]));
        }
        json_object_set_new(o, "output", json_integer((json_int_t)ev->output));
        json_object_set_new(o, "values", vals);
    }
    if (ev->type == WB_INFER_ON_DENY) {
        json_object_set_new(o, "why", json_string(ev->why ? ev->why : ""));
        json_object_set_new(o, "decision",
                            json_integer((json_int_t)ev->decision));
    }
    line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (line != NULL) {
        /* the chain moves on only with a line written: a gap in seq
         * would make the next start refuse the trail */
        fprintf(t->f, "%s\n", line);
        fflush(t->f);
        hash_hex(line, strlen(line), t->prev);
        t->seq++;
        free(line);
    }
    pthread_mutex_unlock(&t->lock);
}

static void
trail_close(void *ctx)
{
    struct trail *t = ctx;

    fclose(t->f);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* Continue the chain from the file's last line, if any, after checking
 * that every line is one this plug-in wrote in order: a JSON object whose
 * "seq" is its line number and whose "prev" is the previous line's hash.
 * A trail that is not (edited, cut off, another file) is refused, named
 * by its line: the chain must not go on from a line it cannot vouch for. */
static int
resume(struct trail *t, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    unsigned long long line = 0;
    const char *bad = NULL;
    char *buf;

    memset(t->prev, '0', 64);
    t->prev[64] = '\0';
    if (f == NULL) {
        return 0; /* a new trail */
    }
    buf = malloc(LINE_MAX_BYTES);
    if (buf == NULL) {
        snprintf(err, err_len, "out of memory");
        fclose(f);
        return -1;
    }
    while (bad == NULL && fgets(buf, LINE_MAX_BYTES, f) != NULL) {
        size_t n = strlen(buf);
        json_t *o = NULL;
        const char *prev = NULL;
        line++;
        if (n == 0 || buf[n - 1] != '\n') {
            bad = feof(f) ? "ends without a newline (cut off while being "
                            "written?)"
                          : "is longer than the longest line written";
        } else if ((o = json_loadb(buf, n - 1, 0, NULL)) == NULL ||
                   !json_is_object(o)) {
            bad = "is not a JSON object";
        } else if (!json_is_integer(json_object_get(o, "seq")) ||
                   (unsigned long long)json_integer_value(
                       json_object_get(o, "seq")) != line) {
            bad = "does not carry its line number as \"seq\"";
        } else if ((prev = json_string_value(json_object_get(o, "prev"))) ==
                       NULL ||
                   strcmp(prev, t->prev) != 0) {
            bad = "does not carry the previous line's hash as \"prev\"";
        } else {
            hash_hex(buf, n - 1, t->prev);
            t->seq = line;
        }
        json_decref(o);
    }
    if (bad != NULL) {
        snprintf(err, err_len,
                 "%s: line %llu %s: repair the trail, or start "
                 "a new one",
                 path, line, bad);
    }
    fclose(f);
    free(buf);
    return bad != NULL ? -1 : 0;
}

int
waybill_infer_hook_v1(const char *arg,
                      struct wb_infer_hook *out,
                      char *err,
                      size_t err_len)
{
    struct trail *t;

    if (arg == NULL || arg[0] == '\0') {
        snprintf(err, err_len, "give the trail file as the argument");
        return -1;
    }
    if (sodium_init() < 0) {
        snprintf(err, err_len, "libsodium did not start");
        return -1;
    }
    t = calloc(1, sizeof *t);
    if (t == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    /* close-on-exec: a child forked meanwhile must not hold the lock */
    t->f = fopen(arg, "ae");
    if (t->f == NULL) {
        snprintf(err, err_len, "%s: cannot open for appending: %s", arg,
                 strerror(errno));
        free(t);
        return -1;
    }
    /* before the chain is read: no other writer may add to it since */
    if (flock(fileno(t->f), LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, err_len, "%s: %s", arg,
                 errno == EWOULDBLOCK
                     ? "in use by another instance of the plug-in (one "
                       "trail, one writer)"
                     : strerror(errno));
        fclose(t->f);
        free(t);
        return -1;
    }
    if (resume(t, arg, err, err_len) != 0) {
        fclose(t->f); /* and its lock */
        free(t);
        return -1;
    }
    pthread_mutex_init(&t->lock, NULL);
    out->name = "chained-trail";
    out->before_input = event;
    out->after_output = event;
    out->on_deny = event;
    out->ctx = t;
    out->close = trail_close;
    return 0;
}
