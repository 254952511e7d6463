/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the ingest parsers (JSON Lines, CSV, raw, COSE sequence)
 * through a sink that encodes each record's claims, with no database. The
 * first input byte picks the format. */
#include <stdio.h>
#include <string.h>

#include "ingest/ingest_int.h"

static wb_err
encode(void *ctx, const struct wb_append *e, json_t *doc, uint64_t pos)
{
    struct wb_claims c = e->claims;
    uint8_t *leaf = NULL;
    size_t leaf_len = 0;
    wb_err rc;

    (void)doc;
    (void)ctx;
    (void)pos;
    c.iss = "fuzz.example";
    c.cti_len = 16;
    if (c.iat == 0) {
        c.iat = 1;
    }
    rc = wb_claims_encode(&c, &leaf, &leaf_len);
    wb_free(leaf);
    return rc == WB_ERR_NOMEM ? rc : WB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const purposes[] = {"predictive-maintenance"};
    struct wb_ingest_opts o;
    struct wb__sink k = {encode, NULL};
    uint64_t pos = 0;
    FILE *in;

    if (size < 1 || wb_init() != WB_OK) {
        return 0;
    }
    memset(&o, 0, sizeof o);
    o.format = (enum wb_ingest_format)(data[0] % 4);
    o.source = "fuzz";
    o.purposes = purposes;
    o.purpose_count = 1;
    in = fmemopen((void *)(uintptr_t)(data + 1), size - 1 ? size - 1 : 1, "rb");
    if (in == NULL) {
        return 0;
    }
    if (size == 1) {
        fgetc(in); /* fmemopen needs a non-empty buffer; consume it */
    }
    switch (o.format) {
    case WB_INGEST_JSONL:
        (void)wb__ingest_jsonl(in, &o, &k, &pos);
        break;
    case WB_INGEST_CSV:
        (void)wb__ingest_csv(in, &o, &k, &pos);
        break;
    default:
        (void)wb__ingest_whole(in, &o, &k, &pos);
        break;
    }
    fclose(in);
    return 0;
}
