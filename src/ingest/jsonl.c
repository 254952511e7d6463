/* SPDX-License-Identifier: Apache-2.0 */
/* JSON Lines: one JSON object a line, parsed by jansson. The payload is the
 * line exactly as received; "ts" and "device" fields set the record's time
 * and device. */
#include <string.h>

#include "ingest/ingest_int.h"

/* Read one line (without its newline) into b; *eof when none is left.
 * WB_ERR_TOOBIG past WB_INGEST_LINE_MAX (the rest of the line is not
 * read). */
static wb_err
read_line(FILE *in, struct wb__buf *b, bool *eof)
{
    int c;

    b->len = 0;
    *eof = false;
    while ((c = getc(in)) != EOF && c != '\n') {
        uint8_t ch = (uint8_t)c;
        wb_err rc = wb__buf_append(b, &ch, 1);
        if (rc != WB_OK) {
            return rc;
        }
    }
    if (ferror(in)) {
        return wb__err(WB_ERR_IO, "read error");
    }
    if (c == EOF && b->len == 0) {
        *eof = true;
    }
    if (b->len > 0 && b->data[b->len - 1] == '\r') {
        b->len--;
    }
    return WB_OK;
}

static bool
blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t') {
            return false;
        }
    }
    return true;
}

wb_err
wb__ingest_json(const uint8_t *line,
                size_t len,
                const struct wb_ingest_opts *o,
                struct wb__sink *k,
                uint64_t pos)
{
    struct wb__rec r;
    json_error_t jerr;
    json_t *j;
    json_t *v;
    wb_err rc = WB_OK;

    j = json_loadb((const char *)line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        return wb__err(WB_ERR_FORMAT, "column %d: invalid JSON: %s",
                       jerr.column, jerr.text);
    }
    if (!json_is_object(j)) {
        rc = wb__err(WB_ERR_FORMAT, "expected a JSON object");
        goto out;
    }
    wb__rec_init(&r, o);
    v = json_object_get(j, "ts");
    if (v != NULL) {
        rc = json_is_number(v) ? wb__rec_set_ts(&r, json_number_value(v))
             : json_is_string(v)
                 ? wb__rec_set_ts_text(&r, json_string_value(v))
                 : wb__err(WB_ERR_FORMAT, "field \"ts\": expected seconds "
                                          "since 1970");
    }
    v = json_object_get(j, "device");
    if (rc == WB_OK && v != NULL) {
        rc = json_is_string(v)
                 ? wb__rec_set_device(&r, o, json_string_value(v))
                 : wb__err(WB_ERR_FORMAT, "field \"device\": expected a "
                                          "string");
    }
    if (rc != WB_OK) {
        goto out;
    }
    r.e.claims.media = "application/json";
    r.e.payload = line;
    r.e.payload_len = len;
    rc = k->put(k->ctx, &r.e, j, pos);
out:
    json_decref(j);
    return rc;
}

wb_err
wb__ingest_jsonl(FILE *in,
                 const struct wb_ingest_opts *o,
                 struct wb__sink *k,
                 uint64_t *pos)
{
    struct wb__buf line;
    bool eof = false;
    wb_err rc = WB_OK;

    wb__buf_init(&line, WB_INGEST_LINE_MAX);
    for (*pos = 1;; (*pos)++) {
        rc = read_line(in, &line, &eof);
        if (rc == WB_ERR_TOOBIG) {
            rc = wb__err(rc, "line longer than %d bytes", WB_INGEST_LINE_MAX);
        }
        if (rc != WB_OK || eof) {
            break;
        }
        if (blank(line.data, line.len)) {
            continue;
        }
        rc = wb__ingest_json(line.data, line.len, o, k, *pos);
        if (rc != WB_OK) {
            break;
        }
    }
    wb__buf_clear(&line);
    return rc;
}
