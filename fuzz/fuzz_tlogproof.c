/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: c2sp.org/tlog-proof@v1 texts. Each input is parsed (and a
 * parsed proof must format back to the same bytes) and fully verified for
 * the leaf "fuzz" with a fixed key. */
#include <stdlib.h>
#include <string.h>

#include <waybill/log.h>

/* A test-only verifier key: the seeds in fuzz/corpus/tlogproof use it. */
static const char fuzz_vkey[] =
    "fuzz.example/log+920aa63b+AWOBCMyIqW53jyFnUOf96InlAGVj6v5H4Ds7ASiiLLs9";

static struct wb_verifier *verifier;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wb_tlog_proof *p = NULL;
    struct wb_checkpoint cp;
    char *text = NULL;

    if (verifier == NULL &&
        (wb_init() != WB_OK ||
         wb_verifier_from_note_key(fuzz_vkey, strlen(fuzz_vkey), &verifier) !=
             WB_OK)) {
        abort();
    }
    if (wb_tlog_proof_parse((const char *)data, size, &p) == WB_OK) {
        /* parsing is strict, so formatting is its exact inverse (unless the
         * checkpoint holds a NUL, which the formatter cannot carry) */
        if (strlen(p->checkpoint) == p->checkpoint_len) {
            if (wb_tlog_proof_format(p->index, p->extra, p->extra_len,
                                     (const uint8_t(*)[WB_HASH_BYTES])p->hash,
                                     p->count, p->checkpoint, &text) != WB_OK ||
                strlen(text) != size || memcmp(text, data, size) != 0) {
                abort();
            }
            wb_free(text);
        }
        wb_tlog_proof_free(p);
    }
    if (wb_tlog_proof_verify((const char *)data, size, verifier,
                             (const uint8_t *)"fuzz", 4, &cp) == WB_OK &&
        cp.size == 0) {
        abort(); /* an included leaf means a non-empty tree */
    }
    return 0;
}
