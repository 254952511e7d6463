/* SPDX-License-Identifier: Apache-2.0 */
/* Hook plug-ins: a third party's auditor hook as a shared library, loaded
 * with dlopen, its init found by WB_INFER_HOOK_SYMBOL, its hook attached
 * to every governed call of the process. */
#include <dlfcn.h>
#include <string.h>

#include "infer/infer_int.h"

#define PLUGINS_MAX 8

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

wb_err
wb_infer_hook_probe(const char *path)
{
    wb_infer_hook_init_fn init;
    void *lib;
    wb_err rc = open_plugin(path, &lib, &init);

    if (rc == WB_OK) {
        dlclose(lib);
    }
    return rc;
}

wb_err
wb_infer_hook_load(const char *path, const char *arg)
{
    char err[512] = "";
    struct wb_infer_hook h;
    wb_infer_hook_init_fn init;
    void *lib;
    wb_err rc;

    if (loaded_count == PLUGINS_MAX) {
        return wb__err(WB_ERR_TOOBIG, "hook plug-in %s: at most %d loaded",
                       path ? path : "(none)", PLUGINS_MAX);
    }
    rc = open_plugin(path, &lib, &init);
    if (rc != WB_OK) {
        return rc;
    }
    memset(&h, 0, sizeof h);
    if (init(arg, &h, err, sizeof err) != 0) {
        dlclose(lib);
        err[sizeof err - 1] = '\0';
        return wb__err(WB_ERR_INVAL, "hook plug-in %s refused to start: %s",
                       path, err[0] ? err : "no reason given");
    }
    rc = wb_infer_hook_attach(&h);
    if (rc != WB_OK) {
        if (h.close != NULL) {
            h.close(h.ctx);
        }
        dlclose(lib);
        wb__err_prefix("hook plug-in %s", path);
        return rc;
    }
    loaded[loaded_count++] = lib;
    return WB_OK;
}
