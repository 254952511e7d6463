/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz COSE_Sign1 parsing and verification with a fixed Ed25519 key, and
 * claims decoding of whatever payload the token carries. */
#include <stdlib.h>
#include <string.h>

#include <waybill/token.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 8032 §7.1 test 1 public key; corpus seeds are signed with its seed. */
static const uint8_t fixed_pk[32] = {
    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
    0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
    0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wb_verifier *v;
    struct wb_cose_sign1 s;
    struct wb_cose_sign1 checked;
    struct wb_claims *c = NULL;

    if (v == NULL) {
        if (wb_init() != WB_OK ||
            wb_verifier_from_raw(WB_ALG_EDDSA, "fuzz", fixed_pk,
                                 sizeof fixed_pk, &v) != WB_OK) {
            abort();
        }
    }
    if (wb_cose_parse(data, size, &s) != WB_OK) {
        /* What does not parse must not verify either. */
        if (wb_cose_verify(data, size, v, NULL, 0, NULL) == WB_OK) {
            abort();
        }
        return 0;
    }
    /* Every view lies inside the input. */
    if (s.payload < data || s.payload + s.payload_len > data + size ||
        s.sig < data || s.sig + s.sig_len > data + size ||
        (s.protected_len > 0 &&
         (s.protected_bytes < data ||
          s.protected_bytes + s.protected_len > data + size))) {
        abort();
    }
    if (wb_cose_verify(data, size, v, NULL, 0, &checked) == WB_OK &&
        (checked.payload != s.payload || checked.alg != WB_ALG_EDDSA)) {
        abort();
    }
    if (wb_claims_decode(s.payload, s.payload_len, &c) == WB_OK &&
        c->iss == NULL) {
        abort();
    }
    wb_claims_free(c);
    return 0;
}
