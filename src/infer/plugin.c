/* SPDX-License-Identifier: Apache-2.0 */
/* Hook plug-ins: a third party's auditor hook as a shared library, loaded
 * with dlopen, its init found by WB_INFER_HOOK_SYMBOL, its hook attached
 * to every governed call of the process. */
#include <dlfcn.h>
#include <string.h>

#include "infer/infer_int.h"

#define PLUGINS_MAX WB__INFER_HOOKS_MAX

/* The loaded plug-ins, with what they were started with (a replace that
 * fails starts them again). */
static struct {
    void *lib;
    char *path;
    char *arg;
} loaded[PLUGINS_MAX];
static size_t loaded_count;

void
wb__infer_plugins_unload(void)
{
    for (size_t i = 0; i < loaded_count; i++) {
        dlclose(loaded[i].lib);
        wb__free(loaded[i].path);
        wb__free(loaded[i].arg);
    }
    memset(loaded, 0, sizeof loaded);
    loaded_count = 0;
}

/* Keep lib, started from path and arg, as loaded. */
static wb_err
keep(void *lib, const char *path, const char *arg)
{
    char *p = wb__strdup(path);
    char *a = arg ? wb__strdup(arg) : NULL;

    if (p == NULL || (arg != NULL && a == NULL)) {
        wb__free(p);
        wb__free(a);
        return WB_ERR_NOMEM;
    }
    loaded[loaded_count].lib = lib;
    loaded[loaded_count].path = p;
    loaded[loaded_count].arg = a;
    loaded_count++;
    return WB_OK;
}

/* dlopen path and find its entry point. */
static wb_err
open_plugin(const char *path, void **lib, wb_infer_hook_init_fn *init)
{
    *lib = NULL;
    if (path == NULL || strchr(path, '/') == NULL) {
        return wb__err(WB_ERR_INVAL,
                       "hook plug-in %s: give a path (with a '/'), it is "
                       "never searched for",
                       path ? path : "(none)");
    }
    *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (*lib == NULL) {
        return wb__err(WB_ERR_NOTFOUND, "hook plug-in %s: %s", path, dlerror());
    }
    /* the usual POSIX way from a data pointer to a function pointer */
    *(void **)init = dlsym(*lib, WB_INFER_HOOK_SYMBOL);
    if (*init == NULL) {
        dlclose(*lib);
        *lib = NULL;
        return wb__err(WB_ERR_NOTFOUND,
                       "hook plug-in %s: no symbol " WB_INFER_HOOK_SYMBOL,
                       path);
    }
    return WB_OK;
}

/* Load plug-in path and start it with arg: *h its hook, *lib to unload. */
static wb_err
start_plugin(const char *path,
             const char *arg,
             struct wb_infer_hook *h,
             void **lib)
{
    char err[512] = "";
    wb_infer_hook_init_fn init;
    wb_err rc = open_plugin(path, lib, &init);

    memset(h, 0, sizeof *h);
    if (rc != WB_OK) {
        return rc;
    }
    if (init(arg, h, err, sizeof err) != 0) {
        dlclose(*lib);
        *lib = NULL;
        err[sizeof err - 1] = '\0';
        return wb__err(WB_ERR_INVAL, "hook plug-in %s refused to start: %s",
                       path, err[0] ? err : "no reason given");
    }
    return WB_OK;
}

/* Close and unload a started plug-in. */
static void
stop_plugin(struct wb_infer_hook *h, void *lib)
{
    if (h->close != NULL) {
        h->close(h->ctx);
    }
    dlclose(lib);
}

wb_err
wb_infer_hook_load(const char *path, const char *arg)
{
    struct wb_infer_hook h;
    void *lib = NULL;
    wb_err rc;

    if (loaded_count == PLUGINS_MAX) {
        return wb__err(WB_ERR_TOOBIG, "hook plug-in %s: at most %d loaded",
                       path ? path : "(none)", PLUGINS_MAX);
    }
    rc = start_plugin(path, arg, &h, &lib);
    if (rc != WB_OK) {
        return rc;
    }
    rc = keep(lib, path, arg);
    if (rc == WB_OK) {
        rc = wb_infer_hook_attach(&h);
        if (rc != WB_OK) {
            loaded_count--; /* kept just now: given up */
            wb__free(loaded[loaded_count].path);
            wb__free(loaded[loaded_count].arg);
            memset(&loaded[loaded_count], 0, sizeof loaded[loaded_count]);
        }
    }
    if (rc != WB_OK) {
        stop_plugin(&h, lib);
        wb__err_prefix("hook plug-in %s", path);
    }
    return rc;
}

/* Load and attach p[0..n), all or none: *failed the one that did not. */
static wb_err
load_set(const struct wb_infer_plugin *p, size_t n, size_t *failed)
{
    for (size_t i = 0; i < n; i++) {
        wb_err rc = wb_infer_hook_load(p[i].path, p[i].arg);
        if (rc != WB_OK) {
            char why[1024];
            *failed = i;
            snprintf(why, sizeof why, "%s", wb_errmsg());
            wb_infer_hook_detach_all(); /* those attached before it */
            return wb__err(rc, "%s", why);
        }
    }
    return WB_OK;
}

wb_err
wb_infer_hook_replace(const struct wb_infer_plugin *p,
                      size_t n,
                      size_t *failed,
                      bool *kept)
{
    struct wb_infer_plugin old[PLUGINS_MAX];
    char *own[2 * PLUGINS_MAX];
    size_t old_n = loaded_count;
    size_t at = 0;
    size_t again = 0;
    wb_err rc;

    if (failed != NULL) {
        *failed = 0;
    }
    if (kept != NULL) {
        *kept = true;
    }
    if (n > PLUGINS_MAX || (n > 0 && p == NULL)) {
        return wb__err(n > PLUGINS_MAX ? WB_ERR_TOOBIG : WB_ERR_INVAL,
                       "hook plug-ins: 0..%d, not %zu", PLUGINS_MAX, n);
    }
    /* what the running ones were started with, taken over from the list */
    for (size_t i = 0; i < old_n; i++) {
        old[i].path = own[2 * i] = loaded[i].path;
        old[i].arg = own[2 * i + 1] = loaded[i].arg;
        loaded[i].path = loaded[i].arg = NULL;
    }
    /* the running ones stop first: a plug-in never sees a second instance
     * of itself, and a library replaced at its path is read afresh */
    wb_infer_hook_detach_all();
    rc = load_set(p, n, &at);
    if (rc != WB_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", wb_errmsg());
        if (load_set(old, old_n, &again) != WB_OK) {
            char more[1024];
            snprintf(more, sizeof more, "%s", wb_errmsg());
            if (kept != NULL) {
                *kept = false;
            }
            (void)wb__err(rc,
                          "%s; and the running hook plug-in %s did not "
                          "start again: %s",
                          why, old[again].path, more);
        } else {
            (void)wb__err(rc, "%s", why);
        }
        if (failed != NULL) {
            *failed = at;
        }
    }
    for (size_t i = 0; i < 2 * old_n; i++) {
        wb__free(own[i]);
    }
    return rc;
}
