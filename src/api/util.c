/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the endpoints: JSON and error replies, query parameters,
 * strict JSON bodies. */
#include <stdarg.h>
#include <stdio.h>

#include "api/api_int.h"

void
wb__api_bytes(
    struct wb__ctx *c, int status, const char *ct, const void *p, size_t n)
{
    struct wb_api_response *rs = c->rs;

    wb__free(rs->body);
    rs->body = wb__malloc(n + 1);
    if (rs->body == NULL) {
        rs->status = 500;
        rs->content_type = "text/plain";
        rs->body_len = 0;
        return;
    }
    if (n > 0) {
        memcpy(rs->body, p, n);
    }
    rs->body[n] = '\0';
    rs->body_len = n;
    rs->status = status;
    rs->content_type = ct;
}

void
wb__api_json(struct wb__ctx *c, int status, json_t *j)
{
    char *text = NULL;

    if (j == NULL || wb__json_dump(j, JSON_COMPACT, &text) != WB_OK) {
        static const char oom[] = "{\"error\":\"cannot make the JSON "
                                  "reply\",\"field\":null}";
        json_decref(j);
        wb__api_bytes(c, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    json_decref(j);
    wb__api_bytes(c, status, "application/json", text, strlen(text));
    wb__free(text);
}

void
wb__api_error(
    struct wb__ctx *c, int status, const char *field, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wb__api_json(c, status,
                 json_pack("{s:s, s:s?}", "error", msg, "field", field));
}

int
wb__api_status(wb_err rc)
{
    switch (rc) {
    case WB_OK:
        return 200;
    case WB_ERR_INVAL:
    case WB_ERR_FORMAT:
    case WB_ERR_BADSIG:
        return 400;
    case WB_ERR_DENIED:
        return 403;
    case WB_ERR_NOTFOUND:
        return 404;
    case WB_ERR_EXISTS:
        return 409;
    case WB_ERR_TOOBIG:
        return 413;
    case WB_ERR_BUSY:
        return 503;
    default:
        return 500;
    }
}

void
wb__api_fail(struct wb__ctx *c, wb_err rc, const char *field, const char *what)
{
    const char *detail = wb_errmsg();

    wb__api_error(c, wb__api_status(rc), field, "%s: %s", what,
                  detail[0] ? detail : wb_strerror(rc));
}

const char *
wb__api_param(const struct wb__ctx *c, const char *key)
{
    for (size_t i = 0; i < c->rq->param_count; i++) {
        if (c->rq->params[i].key != NULL &&
            strcmp(c->rq->params[i].key, key) == 0) {
            return c->rq->params[i].value ? c->rq->params[i].value : "";
        }
    }
    return NULL;
}

bool
wb__api_param_u64(struct wb__ctx *c, const char *key, uint64_t *out)
{
    const char *v = wb__api_param(c, key);

    if (v == NULL) {
        return true;
    }
    if (!wb__parse_u64(v, strlen(v), out)) {
        wb__api_error(c, 400, key, "%s: \"%.64s\" is not a decimal number", key,
                      v);
        return false;
    }
    return true;
}

/* Is name k allowed[j]: the same, or allowed[j] is k followed by "*"
 * (a parameter that may be repeated)? *many says which. */
static bool
allowed_as(const char *a, const char *k, bool *many)
{
    size_t n = strlen(a);

    *many = n > 0 && a[n - 1] == '*';
    return *many ? strlen(k) == n - 1 && strncmp(a, k, n - 1) == 0
                 : strcmp(a, k) == 0;
}

bool
wb__api_params_only(struct wb__ctx *c, const char *const *allowed)
{
    for (size_t i = 0; i < c->rq->param_count; i++) {
        const char *k = c->rq->params[i].key ? c->rq->params[i].key : "";
        bool ok = false;
        bool many = false;
        for (size_t j = 0; !ok && allowed != NULL && allowed[j] != NULL; j++) {
            ok = allowed_as(allowed[j], k, &many);
        }
        if (!ok) {
            wb__api_error(c, 400, k, "unknown query parameter \"%.64s\"", k);
            return false;
        }
        for (size_t j = 0; !many && j < i; j++) {
            if (wb__str_eq(c->rq->params[j].key, k)) {
                wb__api_error(c, 400, k, "%.64s: give it once", k);
                return false;
            }
        }
    }
    return true;
}

bool
wb__api_index(struct wb__ctx *c, uint64_t *index)
{
    if (!wb__parse_u64(c->arg, strlen(c->arg), index)) {
        wb__api_error(c, 400, "index", "\"%.64s\" is not a log index", c->arg);
        return false;
    }
    return true;
}

json_t *
wb__api_body_object(struct wb__ctx *c,
                    const char *const *allowed,
                    bool empty_ok)
{
    json_error_t e;
    const char *k;
    json_t *v;
    json_t *o;

    if (c->rq->body_len == 0 && empty_ok) {
        return json_object();
    }
    o = json_loadb((const char *)c->rq->body, c->rq->body_len,
                   JSON_REJECT_DUPLICATES, &e);
    if (o == NULL) {
        wb__api_error(c, 400, "body", "body: line %d column %d: %s", e.line,
                      e.column, e.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        wb__api_error(c, 400, "body", "body: not a JSON object");
        return NULL;
    }
    json_object_foreach(o, k, v)
    {
        bool ok = allowed == NULL;
        for (size_t j = 0; allowed != NULL && allowed[j] != NULL; j++) {
            ok = ok || strcmp(allowed[j], k) == 0;
        }
        if (!ok) {
            wb__api_error(c, 400, k, "body: unknown field \"%.64s\"", k);
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

bool
wb__api_str(struct wb__ctx *c,
            json_t *o,
            const char *key,
            bool required,
            const char **out)
{
    json_t *v = json_object_get(o, key);

    *out = NULL;
    if (v == NULL || (json_is_null(v) && !required)) {
        if (required) {
            wb__api_error(c, 400, key, "body: %s is required", key);
            return false;
        }
        return true;
    }
    if (!json_is_string(v) ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        wb__api_error(c, 400, key, "body: %s must be a string", key);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool
wb__api_has_role(const struct wb__ctx *c, unsigned r)
{
    return ((unsigned)c->who.role & (r | WB_ACCESS_ADMIN)) != 0;
}
