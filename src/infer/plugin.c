/* SPDX-License-Identifier: Apache-2.0 */
/* Hook plug-ins: a third party's auditor hook as a shared library, loaded
 * with dlopen, its init found by WB_INFER_HOOK_SYMBOL, its hook attached
 * to every governed call of the process. */
#include <dlfcn.h>
#include <string.h>

#include "infer/infer_int.h"

#define PLUGINS_MAX WB__INFER_HOOKS_MAX

static void *loaded[PLUGINS_MAX];
static size_t loaded_count;

void
wb__infer_plugins_unload(void)
{
    for (size_t i = 0; i < loaded_count; i++) {
        dlclose(loaded[i]);
    }
    memset(loaded, 0, sizeof loaded);
    loaded_count = 0;
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
    if (h->before_input == NULL && h->after_output == NULL &&
        h->on_deny == NULL) {
        if (h->close != NULL) {
            h->close(h->ctx);
        }
        dlclose(*lib);
        *lib = NULL;
        return wb__err(WB_ERR_INVAL, "hook plug-in %s: no callback", path);
    }
    return WB_OK;
}

/* Close and unload started plug-ins h[0..n), lib[0..n). */
static void
stop_plugins(struct wb_infer_hook *h, void **lib, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (h[i].close != NULL) {
            h[i].close(h[i].ctx);
        }
        dlclose(lib[i]);
    }
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
    rc = wb_infer_hook_attach(&h);
    if (rc != WB_OK) {
        stop_plugins(&h, &lib, 1);
        wb__err_prefix("hook plug-in %s", path);
        return rc;
    }
    loaded[loaded_count++] = lib;
    return WB_OK;
}

wb_err
wb_infer_hook_replace(const struct wb_infer_plugin *p, size_t n, size_t *failed)
{
    struct wb_infer_hook h[PLUGINS_MAX];
    void *lib[PLUGINS_MAX];
    size_t k = 0;
    wb_err rc = WB_OK;

    if (failed != NULL) {
        *failed = 0;
    }
    if (n > PLUGINS_MAX || (n > 0 && p == NULL)) {
        return wb__err(n > PLUGINS_MAX ? WB_ERR_TOOBIG : WB_ERR_INVAL,
                       "hook plug-ins: 0..%d, not %zu", PLUGINS_MAX, n);
    }
    for (; rc == WB_OK && k < n; k++) {
        rc = start_plugin(p[k].path, p[k].arg, &h[k], &lib[k]);
        if (rc != WB_OK) {
            if (failed != NULL) {
                *failed = k;
            }
            stop_plugins(h, lib, k); /* the running ones stay */
            return rc;
        }
    }
    wb_infer_hook_detach_all();
    for (size_t i = 0; i < n; i++) {
        /* the list was emptied and holds as many as are loaded; each has
         * a callback: attached */
        rc = wb_infer_hook_attach(&h[i]);
        if (rc != WB_OK) {
            stop_plugins(h + i, lib + i, n - i);
            return rc;
        }
        loaded[loaded_count++] = lib[i];
    }
    return WB_OK;
}
