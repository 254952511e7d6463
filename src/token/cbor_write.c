/* SPDX-License-Identifier: Apache-2.0 */
/* Deterministic CBOR writing (RFC 8949 §4.2.1) over libcbor's low-level
 * encoders, which always choose the shortest head, into a capped buffer. */
#include <cbor.h>

#include "token/token_int.h"

void
wb__cbor_wr_init(struct wb__cbor_wr *w, size_t max)
{
    wb__buf_init(&w->buf, max);
    w->rc = WB_OK;
}

void
wb__cbor_put_raw(struct wb__cbor_wr *w, const uint8_t *p, size_t n)
{
    if (w->rc == WB_OK && n > 0) {
        w->rc = wb__buf_append(&w->buf, p, n);
    }
}

/* Append a head an encoder wrote into tmp (n = 0: it did not fit). */
static void
put_head(struct wb__cbor_wr *w, const unsigned char *tmp, size_t n)
{
    if (w->rc == WB_OK && n == 0) {
        w->rc = wb__err(WB_ERR_INTERNAL, "token: CBOR head encoding failed");
    }
    wb__cbor_put_raw(w, tmp, n);
}

void
wb__cbor_put_uint(struct wb__cbor_wr *w, uint64_t v)
{
    unsigned char tmp[9];

    put_head(w, tmp, cbor_encode_uint(v, tmp, sizeof tmp));
}

void
wb__cbor_put_int(struct wb__cbor_wr *w, int64_t v)
{
    unsigned char tmp[9];

    if (v >= 0) {
        put_head(w, tmp, cbor_encode_uint((uint64_t)v, tmp, sizeof tmp));
    } else {
        /* -1 - v without overflow for INT64_MIN. */
        uint64_t n = (uint64_t)(-(v + 1));
        put_head(w, tmp, cbor_encode_negint(n, tmp, sizeof tmp));
    }
}

void
wb__cbor_put_bstr(struct wb__cbor_wr *w, const uint8_t *p, size_t n)
{
    unsigned char tmp[9];

    put_head(w, tmp, cbor_encode_bytestring_start(n, tmp, sizeof tmp));
    wb__cbor_put_raw(w, p, n);
}

void
wb__cbor_put_tstr(struct wb__cbor_wr *w, const char *s, size_t n)
{
    unsigned char tmp[9];

    put_head(w, tmp, cbor_encode_string_start(n, tmp, sizeof tmp));
    wb__cbor_put_raw(w, (const uint8_t *)s, n);
}

void
wb__cbor_put_array(struct wb__cbor_wr *w, size_t n)
{
    unsigned char tmp[9];

    put_head(w, tmp, cbor_encode_array_start(n, tmp, sizeof tmp));
}

void
wb__cbor_put_map(struct wb__cbor_wr *w, size_t n)
{
    unsigned char tmp[9];

    put_head(w, tmp, cbor_encode_map_start(n, tmp, sizeof tmp));
}

void
wb__cbor_put_tag(struct wb__cbor_wr *w, uint64_t tag)
{
    unsigned char tmp[9];

    put_head(w, tmp, cbor_encode_tag(tag, tmp, sizeof tmp));
}
