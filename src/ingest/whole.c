/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-input formats: raw bytes as one record, and a CBOR sequence
 * (RFC 8742) of device-signed COSE_Sign1 tokens, one record each. */
#include <string.h>

#include "ingest/ingest_int.h"

/* Read all of in, capped. */
static wb_err
read_all(FILE *in, size_t max, struct wb__buf *b)
{
    uint8_t chunk[65536];
    size_t n;
    wb_err rc = WB_OK;

    while (rc == WB_OK && (n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        rc = wb__buf_append(b, chunk, n);
    }
    if (rc == WB_ERR_TOOBIG) {
        rc = wb__err(rc, "input larger than %zu bytes", max);
    } else if (rc == WB_OK && ferror(in)) {
        rc = wb__err(WB_ERR_IO, "read error");
    }
    return rc;
}

static wb_err
put_tokens(const uint8_t *p,
           size_t len,
           const struct wb_ingest_opts *o,
           struct wb__sink *k,
           uint64_t *pos)
{
    wb_err rc = WB_OK;
    size_t off = 0;

    for (*pos = 0; rc == WB_OK && off < len;) {
        struct wb__rec r;
        size_t n = 0;
        (*pos)++;
        rc = wb_cbor_item_length(p + off, len - off, WB_TOKEN_MAX_BYTES, &n);
        if (rc != WB_OK) {
            break;
        }
        wb__rec_init(&r, o);
        r.e.device_token = p + off;
        r.e.device_token_len = n;
        rc = k->put(k->ctx, &r.e, NULL, *pos);
        off += n;
    }
    if (rc == WB_OK && len == 0) {
        *pos = 1;
        rc = wb__err(WB_ERR_FORMAT, "no tokens in the input");
    }
    return rc;
}

wb_err
wb__ingest_buffer(const uint8_t *p,
                  size_t len,
                  const struct wb_ingest_opts *o,
                  struct wb__sink *k,
                  uint64_t *pos)
{
    struct wb__rec r;

    *pos = 1;
    if (o->format == WB_INGEST_COSE) {
        return put_tokens(p, len, o, k, pos);
    }
    wb__rec_init(&r, o);
    r.e.claims.media = "application/octet-stream";
    r.e.payload = p ? p : (const uint8_t *)"";
    r.e.payload_len = len;
    return k->put(k->ctx, &r.e, NULL, 1);
}

wb_err
wb__ingest_whole(FILE *in,
                 const struct wb_ingest_opts *o,
                 struct wb__sink *k,
                 uint64_t *pos)
{
    size_t max =
        o->format == WB_INGEST_RAW ? WB_PAYLOAD_MAX_BYTES : WB_INGEST_WHOLE_MAX;
    struct wb__buf b;
    wb_err rc;

    *pos = 1;
    wb__buf_init(&b, max);
    rc = read_all(in, max, &b);
    if (rc == WB_OK) {
        rc = wb__ingest_buffer(b.data, b.len, o, k, pos);
    }
    wb__buf_clear(&b);
    return rc;
}
