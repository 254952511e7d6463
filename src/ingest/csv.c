/* SPDX-License-Identifier: Apache-2.0 */
/* CSV (RFC 4180) through libcsv: a header row names the columns, each
 * further row becomes a record whose payload is a JSON object of
 * column -> text, in header order. "ts" and "device" columns set the
 * record's time and device. */
#include <csv.h>
#include <string.h>

#include "ingest/ingest_int.h"

#define MAX_COLUMNS 256

struct csv_state {
    const struct wb_ingest_opts *o;
    struct wb__sink *k;
    uint64_t row; /* 1-based, the header is row 1 */
    char *header[MAX_COLUMNS];
    size_t ncols; /* header width, once read */
    json_t *obj;  /* the row being built */
    size_t field; /* fields seen in this row */
    size_t row_bytes;
    wb_err rc; /* first error; stops everything after it */
};

/* libcsv grows its field buffer with this: capped, and counted by the
 * allocation fault injection. */
static void *
capped_realloc(void *p, size_t n)
{
    if (n > WB_INGEST_LINE_MAX + 64) {
        return NULL;
    }
    return wb__realloc(p, n);
}

static void
on_field(void *s, size_t len, void *data)
{
    struct csv_state *st = data;
    size_t i = st->field++;
    json_t *v;

    if (st->rc != WB_OK) {
        return;
    }
    st->row_bytes += len + 1;
    if (st->row_bytes > WB_INGEST_LINE_MAX) {
        st->rc = wb__err(WB_ERR_TOOBIG, "row longer than %d bytes",
                         WB_INGEST_LINE_MAX);
        return;
    }
    if (st->ncols == 0) { /* header row */
        if (i >= MAX_COLUMNS) {
            st->rc =
                wb__err(WB_ERR_TOOBIG, "more than %d columns", MAX_COLUMNS);
            return;
        }
        if (len == 0 || memchr(s, '\0', len) != NULL) {
            st->rc = wb__err(WB_ERR_FORMAT,
                             "column %zu: empty or binary "
                             "header name",
                             i + 1);
            return;
        }
        for (size_t j = 0; j < i; j++) {
            if (strlen(st->header[j]) == len &&
                !memcmp(st->header[j], s, len)) {
                st->rc = wb__err(WB_ERR_FORMAT,
                                 "column %zu: duplicate header "
                                 "\"%s\"",
                                 i + 1, st->header[j]);
                return;
            }
        }
        st->header[i] = wb__strndup(s, len);
        st->rc = st->header[i] ? WB_OK : WB_ERR_NOMEM;
        return;
    }
    if (i >= st->ncols) {
        return; /* reported at the end of the row */
    }
    if (st->obj == NULL) {
        st->obj = json_object();
    }
    v = json_stringn(s, len); /* NULL unless valid UTF-8 */
    if (v == NULL) {
        st->rc = wb__err(WB_ERR_FORMAT, "column \"%s\": not UTF-8 text",
                         st->header[i]);
        return;
    }
    if (st->obj == NULL) {
        json_decref(v);
        st->rc = WB_ERR_NOMEM;
    } else if (json_object_set_new(st->obj, st->header[i], v) != 0) {
        st->rc =
            wb__err(WB_ERR_FORMAT, "column %zu: header is not UTF-8", i + 1);
    }
}

/* "ts" and "device" columns. */
static wb_err
apply_columns(struct csv_state *st, struct wb__rec *r)
{
    json_t *v = json_object_get(st->obj, "ts");
    wb_err rc = WB_OK;

    if (v != NULL) {
        rc = wb__rec_set_ts_text(r, json_string_value(v));
    }
    v = json_object_get(st->obj, "device");
    if (rc == WB_OK && v != NULL) {
        rc = wb__rec_set_device(r, st->o, json_string_value(v));
    }
    return rc;
}

/* End of a row: header done, or a record for the sink. */
static wb_err
finish_row(struct csv_state *st)
{
    struct wb__rec r;
    char *json = NULL;
    wb_err rc;

    if (st->ncols == 0) {
        st->ncols = st->field;
        return WB_OK;
    }
    if (st->field != st->ncols) {
        return wb__err(WB_ERR_FORMAT, "%zu fields, the header has %zu",
                       st->field, st->ncols);
    }
    wb__rec_init(&r, st->o);
    rc = apply_columns(st, &r);
    if (rc == WB_OK) {
        rc = wb__json_dump(st->obj, JSON_COMPACT, &json);
    }
    if (rc == WB_OK) {
        r.e.claims.media = "application/json";
        r.e.payload = (const uint8_t *)json;
        r.e.payload_len = strlen(json);
        rc = st->k->put(st->k->ctx, &r.e, NULL, st->row);
    }
    wb__free(json);
    return rc;
}

static void
on_row(int c, void *data)
{
    struct csv_state *st = data;

    (void)c;
    if (st->rc == WB_OK) {
        st->rc = finish_row(st);
    }
    json_decref(st->obj);
    st->obj = NULL;
    st->field = 0;
    st->row_bytes = 0;
    if (st->rc == WB_OK) {
        st->row++;
    }
}

wb_err
wb__ingest_csv(FILE *in,
               const struct wb_ingest_opts *o,
               struct wb__sink *k,
               uint64_t *pos)
{
    struct csv_parser p;
    struct csv_state st;
    char chunk[4096];
    size_t n;
    bool first = true;

    memset(&st, 0, sizeof st);
    st.o = o;
    st.k = k;
    st.row = 1;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        return WB_ERR_NOMEM;
    }
    csv_set_realloc_func(&p, capped_realloc);
    csv_set_free_func(&p, wb__free);
    while (st.rc == WB_OK && (n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        /* a spreadsheet's "CSV UTF-8" starts with a byte-order mark, which
         * would become part of the first column's name */
        size_t skip =
            first && n >= 3 && memcmp(chunk, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        first = false;
        if (csv_parse(&p, chunk + skip, n - skip, on_field, on_row, &st) !=
                n - skip &&
            st.rc == WB_OK) {
            st.rc = wb__err(
                csv_error(&p) == CSV_ENOMEM ? WB_ERR_TOOBIG : WB_ERR_FORMAT,
                "%s",
                csv_error(&p) == CSV_ENOMEM ? "field too large"
                : csv_error(&p) == CSV_EPARSE
                    ? "a quote inside an unquoted field, or a closing "
                      "quote not followed by a comma or the line's end"
                    : csv_strerror(csv_error(&p)));
        }
    }
    if (st.rc == WB_OK && ferror(in)) {
        st.rc = wb__err(WB_ERR_IO, "read error");
    }
    if (st.rc == WB_OK && csv_fini(&p, on_field, on_row, &st) != 0 &&
        st.rc == WB_OK) {
        st.rc = wb__err(WB_ERR_FORMAT, "%s",
                        csv_error(&p) == CSV_EPARSE
                            ? "a quoted field not closed at the end of the "
                              "input"
                            : csv_strerror(csv_error(&p)));
    }
    if (st.rc == WB_OK && st.ncols == 0) {
        st.rc = wb__err(WB_ERR_FORMAT, "no header row");
    }
    *pos = st.row;
    csv_free(&p);
    json_decref(st.obj);
    for (size_t i = 0; i < MAX_COLUMNS; i++) {
        wb__free(st.header[i]);
    }
    return st.rc;
}
