/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: signed checkpoints. Each input is (1) verified as a signed
 * note with a fixed key, re-signed and re-verified when it passes, and (2)
 * signed as note text with the same key, so that the checkpoint body parser
 * is reached past the signature check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <waybill/log.h>

/* A test-only key: the seeds in fuzz/corpus/checkpoint are signed by it. */
static const char fuzz_key[] = "PRIVATE+KEY+fuzz.example/log+920aa63b+"
                               "Ad9lipM3b1xWhA9gF3+ItSduY/MYQ9lqnOUc5R0sK3co";

static struct wb_signer *signer;
static struct wb_verifier *verifier;

static void
setup(void)
{
    char *vkey = NULL;

    if (wb_init() != WB_OK ||
        wb_signer_from_note_key(fuzz_key, strlen(fuzz_key), &signer) != WB_OK ||
        wb_signer_verifier_key(signer, &vkey) != WB_OK ||
        wb_verifier_from_note_key(vkey, strlen(vkey), &verifier) != WB_OK) {
        abort();
    }
    wb_free(vkey);
}

/* Sign data as note text with the fixed key and open it as a checkpoint. */
static void
sign_and_open(const uint8_t *data, size_t size)
{
    uint8_t blob[WB_KEY_ID_BYTES + WB_SIG_MAX_BYTES];
    size_t sig_len = 0;
    char *b64 = NULL, *note;
    const char *name = wb_signer_name(signer);
    struct wb_checkpoint cp;
    size_t n;

    if (size > WB_NOTE_MAX_BYTES) {
        return;
    }
    wb_signer_key_id(signer, blob);
    if (wb_signer_sign(signer, data, size, blob + WB_KEY_ID_BYTES, &sig_len) !=
            WB_OK ||
        wb_base64_encode(blob, WB_KEY_ID_BYTES + sig_len, &b64) != WB_OK) {
        abort();
    }
    n = size + strlen(name) + strlen(b64) + 8;
    note = malloc(n);
    if (note == NULL) {
        abort();
    }
    memcpy(note, data, size);
    n = size + (size_t)snprintf(note + size, n - size, "\n\xe2\x80\x94 %s %s\n",
                                name, b64);
    if (wb_checkpoint_verify(note, n, verifier, &cp) == WB_OK &&
        cp.origin[0] == '\0') {
        abort(); /* a verified checkpoint always has an origin */
    }
    free(note);
    wb_free(b64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wb_checkpoint cp, again;
    char *text = NULL;

    if (signer == NULL) {
        setup();
    }
    if (wb_checkpoint_verify((const char *)data, size, verifier, &cp) ==
        WB_OK) {
        /* what verifies must re-sign and verify to the same values */
        if (wb_checkpoint_sign(&cp, signer, &text) != WB_OK ||
            wb_checkpoint_verify(text, strlen(text), verifier, &again) !=
                WB_OK ||
            memcmp(&cp, &again, sizeof cp) != 0) {
            abort();
        }
        wb_free(text);
    }
    sign_and_open(data, size);
    return 0;
}
