/* SPDX-License-Identifier: Apache-2.0 */
/* The log as C2SP tlog-tiles, read-only: hash tiles tile/<L>/<N>[.p/<W>]
 * (the hashes of the complete subtrees of height 8L at positions N*256 ..
 * N*256+W-1, 32 bytes each) and entry bundles tile/entries/<N>[.p/<W>]
 * (each leaf as a big-endian uint16 length and its bytes). <N> is written
 * in 3-digit path elements, all but the last prefixed with "x". */
#include "api/api_int.h"

#define TILE_WIDTH  256
#define TILE_HEIGHT 8
#define LEVEL_MAX   7 /* 8 * 7 = 56 of 64 bits */

struct tile {
    int level;      /* -1: entries */
    uint64_t index; /* N */
    unsigned width; /* 256 full, else 1..255 */
};

/* Three decimal digits at p into *d. */
static bool
digits3(const char *p, unsigned *d)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
        p[2] > '9') {
        return false;
    }
    *d = (unsigned)(p[0] - '0') * 100 + (unsigned)(p[1] - '0') * 10 +
         (unsigned)(p[2] - '0');
    return true;
}

/* ".p/<W>" with W 1..255 without leading zeros, to the end of p. */
static bool
partial(const char *p, unsigned *w)
{
    uint64_t v = 0;

    if (strncmp(p, ".p/", 3) != 0 || !wb__parse_u64(p + 3, strlen(p + 3), &v) ||
        v == 0 || v >= TILE_WIDTH) {
        return false;
    }
    *w = (unsigned)v;
    return true;
}

/* Parse the path after "tile/": strict, as the spec writes it. */
static bool
parse_tile(const char *p, struct tile *t)
{
    unsigned d;

    t->width = TILE_WIDTH;
    t->index = 0;
    if (strncmp(p, "entries/", 8) == 0) {
        t->level = -1;
        p += 8;
    } else if (p[0] >= '0' && p[0] <= '0' + LEVEL_MAX && p[1] == '/') {
        t->level = p[0] - '0';
        p += 2;
    } else {
        return false;
    }
    while (p[0] == 'x') {
        if (!digits3(p + 1, &d) || p[4] != '/' ||
            t->index > (UINT64_MAX / TILE_WIDTH) / 1000) {
            return false;
        }
        t->index = t->index * 1000 + d;
        p += 5;
    }
    if (!digits3(p, &d) || t->index > (UINT64_MAX / TILE_WIDTH) / 1000) {
        return false;
    }
    t->index = t->index * 1000 + d;
    p += 3;
    return p[0] == '\0' || partial(p, &t->width);
}

/* Hash tile t into b. */
static wb_err
hash_tile(struct wb_site *s, const struct tile *t, struct wb__buf *b)
{
    uint8_t h[TILE_WIDTH][WB_HASH_BYTES];
    wb_err rc = wb_site_nodes(s, (unsigned)t->level * TILE_HEIGHT,
                              t->index * TILE_WIDTH, t->width, h);

    if (rc == WB_OK) {
        rc = wb__buf_append(b, h, (size_t)t->width * WB_HASH_BYTES);
    }
    return rc;
}

/* Entry bundle t into b. */
static wb_err
entry_tile(struct wb_site *s, const struct tile *t, struct wb__buf *b)
{
    wb_err rc = WB_OK;

    for (unsigned i = 0; i < t->width && rc == WB_OK; i++) {
        uint8_t *leaf = NULL;
        size_t len = 0;
        uint8_t be[2];

        rc = wb_site_leaf(s, t->index * TILE_WIDTH + i, &leaf, &len);
        if (rc == WB_OK && len > UINT16_MAX) {
            rc = wb__err(WB_ERR_INTERNAL, "leaf longer than 65535 bytes");
        }
        if (rc == WB_OK) {
            be[0] = (uint8_t)(len >> 8);
            be[1] = (uint8_t)len;
            rc = wb__buf_append(b, be, 2);
        }
        if (rc == WB_OK) {
            rc = wb__buf_append(b, leaf, len);
        }
        wb_free(leaf);
    }
    return rc;
}

void
wb__api_tlog_tile(struct wb__ctx *c)
{
    struct wb__buf b;
    struct tile t;
    uint64_t have;
    wb_err rc;

    if (!wb__api_params_only(c, NULL)) {
        return;
    }
    if (!parse_tile(c->arg, &t)) {
        wb__api_error(c, 400, "tile",
                      "not a tile path: tile/<L>/<N>[.p/<W>] or "
                      "tile/entries/<N>[.p/<W>]");
        return;
    }
    /* what exists: complete subtrees (or entries) at the tile's height */
    have = wb_site_size(c->site) >> (t.level < 0 ? 0 : t.level * TILE_HEIGHT);
    if (t.index > have / TILE_WIDTH || t.index * TILE_WIDTH + t.width > have) {
        wb__api_error(c, 404, "tile", "the log has no such tile yet");
        return;
    }
    wb__buf_init(&b, (size_t)TILE_WIDTH * (2 + WB_CLAIMS_MAX_BYTES));
    rc = t.level < 0 ? entry_tile(c->site, &t, &b) : hash_tile(c->site, &t, &b);
    if (rc != WB_OK) {
        wb__api_fail(c, rc, "tile", "tile");
    } else {
        wb__api_bytes(c, 200, "application/octet-stream", b.data, b.len);
    }
    wb__buf_clear(&b);
}
