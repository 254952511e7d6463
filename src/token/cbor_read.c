/* SPDX-License-Identifier: Apache-2.0 */
/* A pull reader over libcbor's streaming decoder: each call decodes one item
 * head (a definite string comes whole) from untrusted bytes, so the parsers
 * above it never build a libcbor item tree. */
#include <cbor.h>
#include <string.h>

#include "token/token_int.h"

/* The decoder invokes exactly one callback per successful call; each
 * records what it saw in the item the context points to. */
static void
set_item(void *ctx, enum wb__cbor_type type, uint64_t u)
{
    struct wb__cbor_item *it = ctx;

    it->type = type;
    it->u = u;
}

static void
on_uint8(void *ctx, uint8_t v)
{
    set_item(ctx, WB__CBOR_UINT, v);
}

static void
on_uint16(void *ctx, uint16_t v)
{
    set_item(ctx, WB__CBOR_UINT, v);
}

static void
on_uint32(void *ctx, uint32_t v)
{
    set_item(ctx, WB__CBOR_UINT, v);
}

static void
on_uint64(void *ctx, uint64_t v)
{
    set_item(ctx, WB__CBOR_UINT, v);
}

static void
on_negint8(void *ctx, uint8_t v)
{
    set_item(ctx, WB__CBOR_NEGINT, v);
}

static void
on_negint16(void *ctx, uint16_t v)
{
    set_item(ctx, WB__CBOR_NEGINT, v);
}

static void
on_negint32(void *ctx, uint32_t v)
{
    set_item(ctx, WB__CBOR_NEGINT, v);
}

static void
on_negint64(void *ctx, uint64_t v)
{
    set_item(ctx, WB__CBOR_NEGINT, v);
}

static void
on_bstr(void *ctx, cbor_data data, size_t len)
{
    struct wb__cbor_item *it = ctx;

    set_item(ctx, WB__CBOR_BSTR, len);
    it->data = data;
    it->len = len;
}

static void
on_tstr(void *ctx, cbor_data data, size_t len)
{
    struct wb__cbor_item *it = ctx;

    set_item(ctx, WB__CBOR_TSTR, len);
    it->data = data;
    it->len = len;
}

static void
on_indef(void *ctx)
{
    set_item(ctx, WB__CBOR_INDEF, 0);
}

static void
on_array(void *ctx, size_t n)
{
    set_item(ctx, WB__CBOR_ARRAY, n);
}

static void
on_map(void *ctx, size_t n)
{
    set_item(ctx, WB__CBOR_MAP, n);
}

static void
on_tag(void *ctx, uint64_t tag)
{
    set_item(ctx, WB__CBOR_TAG, tag);
}

static void
on_float(void *ctx, float f)
{
    (void)f;
    set_item(ctx, WB__CBOR_FLOAT, 0);
}

static void
on_double(void *ctx, double d)
{
    (void)d;
    set_item(ctx, WB__CBOR_FLOAT, 0);
}

static void
on_undefined(void *ctx)
{
    set_item(ctx, WB__CBOR_SIMPLE, 23);
}

static void
on_null(void *ctx)
{
    set_item(ctx, WB__CBOR_SIMPLE, 22);
}

static void
on_bool(void *ctx, bool b)
{
    set_item(ctx, WB__CBOR_SIMPLE, b ? 21 : 20);
}

static const struct cbor_callbacks callbacks = {
    .uint8 = on_uint8,
    .uint16 = on_uint16,
    .uint32 = on_uint32,
    .uint64 = on_uint64,
    .negint8 = on_negint8,
    .negint16 = on_negint16,
    .negint32 = on_negint32,
    .negint64 = on_negint64,
    .byte_string_start = on_indef,
    .byte_string = on_bstr,
    .string = on_tstr,
    .string_start = on_indef,
    .indef_array_start = on_indef,
    .array_start = on_array,
    .indef_map_start = on_indef,
    .map_start = on_map,
    .tag = on_tag,
    .float2 = on_float,
    .float4 = on_float,
    .float8 = on_double,
    .undefined = on_undefined,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_indef,
};

void
wb__cbor_rd_init(struct wb__cbor_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
}

wb_err
wb__cbor_next(struct wb__cbor_rd *r, struct wb__cbor_item *it)
{
    struct cbor_decoder_result res;
    size_t left = r->len - r->off;

    memset(it, 0, sizeof *it);
    if (left == 0) {
        return wb__err(WB_ERR_FORMAT, "token: CBOR ends early at byte %zu",
                       r->off);
    }
    /* libcbor 0.8's streaming decoder reports one-byte tag heads 0xC6..0xD4
     * (tags 6..20, among them COSE_Sign1's 18) as errors ("unassigned").
     * Such a head is the whole item: major type 6, value in the low bits. */
    if (r->p[r->off] >= 0xC6 && r->p[r->off] <= 0xD4) {
        it->type = WB__CBOR_TAG;
        it->u = r->p[r->off] & 0x1F;
        r->off++;
        return WB_OK;
    }
    res = cbor_stream_decode(r->p + r->off, left, &callbacks, it);
    if (res.status == CBOR_DECODER_NEDATA) {
        return wb__err(WB_ERR_FORMAT, "token: CBOR ends early at byte %zu",
                       r->off);
    }
    if (res.status != CBOR_DECODER_FINISHED || it->type == WB__CBOR_NONE ||
        res.read == 0 || res.read > left) {
        return wb__err(WB_ERR_FORMAT, "token: malformed CBOR at byte %zu",
                       r->off);
    }
    /* Belt and braces: a string must lie inside what was consumed. */
    if ((it->type == WB__CBOR_BSTR || it->type == WB__CBOR_TSTR) &&
        (it->data < r->p + r->off || it->len > res.read ||
         it->data + it->len != r->p + r->off + res.read)) {
        return wb__err(WB_ERR_FORMAT, "token: malformed CBOR at byte %zu",
                       r->off);
    }
    r->off += res.read;
    return WB_OK;
}

wb_err
wb__cbor_skip_rest(struct wb__cbor_rd *r,
                   const struct wb__cbor_item *it,
                   int depth)
{
    struct wb__cbor_item sub;
    uint64_t n;
    wb_err rc;

    switch (it->type) {
    case WB__CBOR_ARRAY:
        n = it->u;
        break;
    case WB__CBOR_MAP:
        /* Each pair takes at least two bytes, so a count this large can
         * never be satisfied; refuse before doubling it. */
        if (it->u > r->len) {
            return wb__err(WB_ERR_FORMAT, "token: CBOR ends early at byte %zu",
                           r->off);
        }
        n = it->u * 2;
        break;
    case WB__CBOR_TAG:
        n = 1;
        break;
    case WB__CBOR_INDEF:
        return wb__err(WB_ERR_FORMAT,
                       "token: indefinite-length CBOR at byte %zu", r->off);
    default:
        return WB_OK;
    }
    if (depth <= 0) {
        return wb__err(WB_ERR_FORMAT, "token: CBOR nested too deeply");
    }
    for (uint64_t i = 0; i < n; i++) {
        rc = wb__cbor_next(r, &sub);
        if (rc != WB_OK) {
            return rc;
        }
        rc = wb__cbor_skip_rest(r, &sub, depth - 1);
        if (rc != WB_OK) {
            return rc;
        }
    }
    return WB_OK;
}
