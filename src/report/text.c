/* SPDX-License-Identifier: Apache-2.0 */
/* The text form of a report: its JSON's fields one a line, "key: value",
 * nested objects indented under their key, list items led by "- ". */
#include "report/report_int.h"

#define TEXT_MAX (64u * 1024 * 1024)

static wb_err members(struct wb__buf *b, const json_t *o, int indent, int lead);

/* A string on one line: C0 controls and DEL as \xHH, C1 controls (UTF-8
 * C2 80..C2 9F; U+009B is a terminal's CSI) as \u00HH. */
static wb_err
text(struct wb__buf *b, const char *s)
{
    wb_err rc = WB_OK;

    for (; rc == WB_OK && *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        unsigned char next = (unsigned char)s[1];
        if (ch == 0xc2 && next >= 0x80 && next <= 0x9f) {
            rc = wb__buf_printf(b, "\\u%04x", next);
            s++;
        } else {
            rc = ch < 0x20 || ch == 0x7f ? wb__buf_printf(b, "\\x%02x", ch)
                                         : wb__buf_append(b, s, 1);
        }
    }
    return rc;
}

static wb_err
scalar(struct wb__buf *b, const json_t *v)
{
    if (json_is_string(v)) {
        return text(b, json_string_value(v));
    }
    if (json_is_integer(v)) {
        return wb__buf_printf(b, "%lld", (long long)json_integer_value(v));
    }
    if (json_is_boolean(v)) {
        return wb__buf_printf(b, "%s", json_is_true(v) ? "yes" : "no");
    }
    return wb__buf_printf(b, "-");
}

static bool
is_flat(const json_t *a)
{
    size_t i;
    json_t *v;

    json_array_foreach(a, i, v)
    {
        if (json_is_object(v) || json_is_array(v)) {
            return false;
        }
    }
    return true;
}

/* The items of a list of objects (or nested lists), each led by "- ". */
static wb_err
items(struct wb__buf *b, const json_t *a, int indent)
{
    size_t i;
    json_t *v;
    wb_err rc = WB_OK;

    json_array_foreach(a, i, v)
    {
        if (rc != WB_OK) {
            break;
        }
        rc = wb__buf_printf(b, "%*s- ", indent, "");
        if (rc == WB_OK && json_is_object(v) && json_object_size(v) > 0) {
            rc = members(b, v, indent + 2, 1);
        } else if (rc == WB_OK) {
            rc = scalar(b, v);
            if (rc == WB_OK) {
                rc = wb__buf_printf(b, "\n");
            }
        }
    }
    return rc;
}

/* One "key: value" line, or the key and its nested lines. lead: the
 * indent is already written. */
static wb_err
field(struct wb__buf *b, const char *key, const json_t *v, int indent, int lead)
{
    bool empty = (json_is_object(v) && json_object_size(v) == 0) ||
                 (json_is_array(v) && json_array_size(v) == 0);
    wb_err rc = wb__buf_printf(b, "%*s", lead ? 0 : indent, "");

    if (rc == WB_OK) {
        rc = text(b, key);
    }
    if (rc == WB_OK) {
        rc = wb__buf_printf(b, ":");
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (empty) {
        return wb__buf_printf(b, " none\n");
    }
    if (json_is_object(v)) {
        rc = wb__buf_printf(b, "\n");
        return rc == WB_OK ? members(b, v, indent + 2, 0) : rc;
    }
    if (json_is_array(v) && is_flat(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            rc = wb__buf_printf(b, "%s", i ? ", " : " ");
            if (rc == WB_OK) {
                rc = scalar(b, e);
            }
            if (rc != WB_OK) {
                return rc;
            }
        }
        return wb__buf_printf(b, "\n");
    }
    if (json_is_array(v)) {
        rc = wb__buf_printf(b, "\n");
        return rc == WB_OK ? items(b, v, indent + 2) : rc;
    }
    rc = wb__buf_printf(b, " ");
    if (rc == WB_OK) {
        rc = scalar(b, v);
    }
    return rc == WB_OK ? wb__buf_printf(b, "\n") : rc;
}

static wb_err
members(struct wb__buf *b, const json_t *o, int indent, int lead)
{
    const char *k;
    json_t *v;
    wb_err rc = WB_OK;

    json_object_foreach((json_t *)o, k, v)
    {
        if (rc != WB_OK) {
            break;
        }
        rc = field(b, k, v, indent, lead);
        lead = 0;
    }
    return rc;
}

wb_err
wb__report_render(const json_t *root, char **out)
{
    struct wb__buf b;
    size_t len = 0;
    wb_err rc;

    *out = NULL;
    wb__buf_init(&b, TEXT_MAX);
    rc = members(&b, root, 0, 0);
    if (rc == WB_OK) {
        rc = wb__buf_cstr(&b);
    }
    if (rc != WB_OK) {
        wb__buf_clear(&b);
        return rc;
    }
    *out = (char *)wb__buf_take(&b, &len);
    return WB_OK;
}
