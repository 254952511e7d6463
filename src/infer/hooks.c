/* SPDX-License-Identifier: Apache-2.0 */
/* Auditor hooks: calling them, and the example hook that writes an audit
 * trail, one JSON line per event. */
#include <stdio.h>
#include <string.h>

#include "infer/infer_int.h"

#define ATTACHED_MAX WB__INFER_HOOKS_MAX

static struct wb_infer_hook attached[ATTACHED_MAX];
static size_t attached_count;

wb_err
wb_infer_hook_attach(const struct wb_infer_hook *h)
{
    if (h == NULL || (h->before_input == NULL && h->after_output == NULL &&
                      h->on_deny == NULL)) {
        return wb__err(WB_ERR_INVAL, "hook: no callback");
    }
    if (attached_count == ATTACHED_MAX) {
        return wb__err(WB_ERR_TOOBIG, "hook %s: at most %d attached",
                       h->name ? h->name : "?", ATTACHED_MAX);
    }
    attached[attached_count++] = *h;
    return WB_OK;
}

void
wb_infer_hook_detach_all(void)
{
    for (size_t i = 0; i < attached_count; i++) {
        if (attached[i].close != NULL) {
            attached[i].close(attached[i].ctx);
        }
    }
    memset(attached, 0, sizeof attached);
    attached_count = 0;
    wb__infer_plugins_unload();
}

/* The hooks of one list for ev->type. */
static void
fire_list(const struct wb_infer_hook *hooks,
          size_t count,
          const struct wb_infer_event *ev)
{
    for (size_t i = 0; hooks != NULL && i < count; i++) {
        const struct wb_infer_hook *h = &hooks[i];
        void (*fn)(void *, const struct wb_infer_event *) =
            ev->type == WB_INFER_BEFORE_INPUT   ? h->before_input
            : ev->type == WB_INFER_AFTER_OUTPUT ? h->after_output
                                                : h->on_deny;
        if (fn != NULL) {
            fn(h->ctx, ev);
        }
    }
}

bool
wb__infer_hooks_any(size_t count)
{
    return attached_count > 0 || count > 0;
}

void
wb__infer_hooks_fire(const struct wb_infer_hook *hooks,
                     size_t count,
                     const struct wb_infer_event *ev)
{
    fire_list(attached, attached_count, ev);
    fire_list(hooks, count, ev);
}

static const char *
type_name(enum wb_infer_event_type t)
{
    return t == WB_INFER_BEFORE_INPUT   ? "before-input"
           : t == WB_INFER_AFTER_OUTPUT ? "after-output"
                                        : "on-deny";
}

/* One audit-trail line for ev. */
static void
audit_line(void *ctx, const struct wb_infer_event *ev)
{
    FILE *f = ctx;
    char digest[2 * WB_HASH_BYTES + 1];
    char leaf[2 * WB_HASH_BYTES + 1];
    json_t *o;
    json_t *vals = NULL;
    char *s = NULL;

    wb_hex_encode(ev->model_digest, WB_HASH_BYTES, digest);
    /* purpose and run_in are NULL for a model refused at load */
    o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:b}", "event",
                  type_name(ev->type), "model", ev->model_id, "digest", digest,
                  "purpose", ev->purpose, "run_in", ev->run_in, "enforced",
                  ev->enforced);
    if (o == NULL) {
        return;
    }
    if (ev->whole_call) {
        json_object_set_new(o, "whole_call", json_true());
    } else {
        json_object_set_new(o, "input", json_integer((json_int_t)ev->input));
    }
    if (ev->input_leaf != NULL) {
        wb_hex_encode(ev->input_leaf, WB_HASH_BYTES, leaf);
        json_object_set_new(o, "input_leaf", json_string(leaf));
    }
    if (ev->input_class != NULL) {
        json_object_set_new(o, "class", json_string(ev->input_class));
    }
    if (ev->type == WB_INFER_AFTER_OUTPUT) {
        vals = json_array();
        for (size_t i = 0; vals && i < ev->value_count; i++) {
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
    if (wb__json_dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER, &s) == WB_OK) {
        fprintf(f, "%s\n", s);
        fflush(f);
    }
    wb__free(s);
    json_decref(o);
}

struct wb_infer_hook
wb_infer_hook_audit_trail(FILE *f)
{
    struct wb_infer_hook h;

    memset(&h, 0, sizeof h);
    h.name = "audit-trail";
    h.before_input = audit_line;
    h.after_output = audit_line;
    h.on_deny = audit_line;
    h.ctx = f;
    return h;
}
