/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the infer module: what the package, governance, hook and audit
 * files share. */
#ifndef WB_INFER_INT_H
#define WB_INFER_INT_H

#include <waybill/consent.h>
#include <waybill/infer.h>

#include "core/core_int.h"

/* Domain separation: the vendor signs this prefix followed by the
 * manifest bytes. */
#define WB__MODEL_SIG_CONTEXT "waybill-model-manifest/1\n"

/* The signature line over manifest bytes by s into *out (wb_free). */
wb_err wb__model_sig_make(const struct wb_signer *s,
                          const char *manifest,
                          size_t len,
                          char **out);

/* Check signature line sig over manifest bytes with v: WB_ERR_FORMAT for a
 * malformed line, WB_ERR_BADSIG for another key or a bad signature. */
wb_err wb__model_sig_check(const char *sig,
                           size_t sig_len,
                           const char *manifest,
                           size_t len,
                           const struct wb_verifier *v);

/* The training_data statement's cap in bytes (other texts:
 * WB_MODEL_TEXT_MAX). */
#define WB__MODEL_PROSE_MAX 4096

/* Called once with f NULL when manifest m's signature and text held, then
 * with each file f of m and its bytes once their size and SHA-256 matched
 * (borrowed for the call); an error stops the check and is returned. */
typedef wb_err (*wb__model_file_fn)(void *ctx,
                                    const struct wb_model_manifest *m,
                                    const struct wb_model_file *f,
                                    const uint8_t *bytes,
                                    size_t len);

/* Check manifest bytes + signature with v, parse, then read each file of
 * dir once and check its size and digest (WB_ERR_VERIFY naming the file
 * when it differs or cannot be read), handing each checked buffer to fn
 * (may be NULL) with ctx; keep model_file's bytes. */
wb_err wb__model_package_check(const char *dir,
                               const char *manifest,
                               size_t manifest_len,
                               const char *sig,
                               size_t sig_len,
                               const struct wb_verifier *v,
                               wb__model_file_fn fn,
                               void *ctx,
                               struct wb_model_package **out);

/* wb_model_package_read, handing each checked file's bytes to fn with
 * ctx (wb__model_package_check). */
wb_err wb__model_package_read(const char *dir,
                              const struct wb_verifier *v,
                              wb__model_file_fn fn,
                              void *ctx,
                              struct wb_model_package **out);

/* Log a refusal as a "decision" entry: payload {"event", "model",
 * "reason", ...extra}, the model claim when digest != NULL, and from
 * about (may be NULL) the claims saying what was refused: sub, purposes,
 * consent, jurisdiction, class, parents. Inside the caller's transaction
 * if one is open. *entry may be NULL. */
wb_err wb__infer_log_refusal(struct wb_site *s,
                             const char *event,
                             const char *model_id,
                             const uint8_t *digest,
                             const struct wb_claims *about,
                             const char *reason,
                             json_t *extra,
                             uint64_t *entry);

/* Call each attached hook's, then each of hooks[]'s callback for
 * ev->type. */
void wb__infer_hooks_fire(const struct wb_infer_hook *hooks,
                          size_t count,
                          const struct wb_infer_event *ev);

/* Is any hook attached, or are there count > 0 of a call's own? (An
 * event need not be made for nobody.) */
bool wb__infer_hooks_any(size_t count);

/* Unload the libraries wb_infer_hook_load loaded (plugin.c), after their
 * hooks were detached. */
void wb__infer_plugins_unload(void);

/* Is code among list[0..n)? */
bool wb__infer_in_list(char *const *list, size_t n, const char *code);
/* Does place code lie within area: the same code, or a subdivision
 * (ISO 3166-2, "DE-BY") of the country area names ("DE")? */
bool wb__infer_within(const char *code, const char *area);
/* Does code overlap one of v[0..n): either lies within the other (a
 * country touches each of its subdivisions)? */
bool wb__infer_touches(const char *const *v, size_t n, const char *code);

/* Load m's model file bytes (checked) with its runtime in a child process
 * (in process once a model was loaded here) and drop them (trial.c): WB_OK when
 * the runtime loads them; WB_ERR_FORMAT naming the refusal, a crash (its
 * signal), a load that takes over a minute, or a runtime this build lacks;
 * WB_ERR_IO. */
wb_err wb__infer_trial(const struct wb_model_manifest *m,
                       const uint8_t *bytes,
                       size_t len);
/* A runtime is about to load a model in this process: trials are made in
 * process from now on (trial.c). */
void wb__infer_runtime_started(void);

/* An opened model (infer.c). */
struct wb_model {
    char id[WB_MODEL_ID_MAX + 1];
    uint8_t digest[WB_HASH_BYTES];
    struct wb_model_manifest *manifest;
    const struct wb_infer_backend *backend;
    void *runtime;
    struct wb__infer_gate *gate; /* verdicts kept across calls */
    uint8_t *scratch;   /* a call's inputs, features and outputs: kept */
    size_t scratch_cap; /* between calls up to WB__INFER_SCRATCH_KEEP */
};

#define WB__INFER_SCRATCH_KEEP (64u * 1024)

/* Hooks attached to every call, and plug-ins loaded: one limit for both,
 * so a set of plug-ins that loads can always be attached. */
#define WB__INFER_HOOKS_MAX 8

/* One input record as read for a call. */
struct wb__infer_input {
    uint64_t index;
    const struct wb_claims *claims; /* owned, or the caller's */
    struct wb_claims *owned;        /* read from the log; NULL if held */
    uint8_t leaf_hash[WB_HASH_BYTES];
    bool has_leaf; /* leaf_hash is its entry's (no entry: not) */
    bool unfit;    /* its payload does not fit the data interface */
};

/* The features of record index's payload per m's data interface into
 * x[0..input_count), from doc (its parse) when given, else parsed here.
 * WB_ERR_FORMAT naming the entry and the field (not a JSON object, a
 * field missing or not a number). */
wb_err wb__infer_features(const struct wb_model_manifest *m,
                          uint64_t index,
                          const json_t *doc,
                          const uint8_t *payload,
                          size_t len,
                          float *x);

/* A held record r as input in (borrowing its claims) with its features
 * in x (from r->doc when given, else r->payload); a record without claims
 * is read from the log (wb__infer_read_input). WB_ERR_FORMAT as
 * wb__infer_read_input, in keeping the claims and leaf hash. */
wb_err wb__infer_take_record(struct wb_site *s,
                             const struct wb_model_manifest *m,
                             const struct wb_infer_record *r,
                             struct wb__infer_input *in,
                             float *x);

/* Read entry index's claims and leaf hash, and its payload's features per
 * m's data interface into x[0..input_count). WB_ERR_FORMAT naming the
 * entry and the field on a schema mismatch (not a record, erased payload,
 * not a JSON object, a field missing or not a number), in keeping what
 * was read of the claims and leaf hash (freed with in->owned). */
wb_err wb__infer_read_input(struct wb_site *s,
                            const struct wb_model_manifest *m,
                            uint64_t index,
                            struct wb__infer_input *in,
                            float *x);

/* A model's memo of purpose-check verdicts (gate.c). */
struct wb__infer_gate;
wb_err wb__infer_gate_new(struct wb__infer_gate **out);
void wb__infer_gate_free(struct wb__infer_gate *g);

/* Before a call's checks, inside its transaction: keep the verdicts only
 * if they were drawn on s, in this open batch, at this register epoch,
 * under this policy, date and purpose; else forget them. WB_ERR_NOMEM. */
wb_err wb__infer_gate_sync(struct wb__infer_gate *g,
                           const struct wb_site *s,
                           const struct wb_infer_opts *o,
                           const char *purpose);

/* Was this call's run_in, purpose and the model's own terms (check_where,
 * wb_model_call_allowed) found good under the verdicts still kept, as a
 * sync now would keep them? Then they need no checking again. */
bool wb__infer_gate_call_known(const struct wb__infer_gate *g,
                               const struct wb_site *s,
                               const struct wb_infer_opts *o,
                               const char *purpose);

/* After wb__infer_gate_sync: the call's own checks passed. */
void wb__infer_gate_call_good(struct wb__infer_gate *g);

/* May input in be used: wb_purpose_check (consent state and flags, the
 * record's purposes) and its residency against run_in. *ok and why. */
wb_err wb__infer_gate_check(struct wb__infer_gate *g,
                            struct wb_site *s,
                            const struct wb_infer_opts *o,
                            const char *purpose,
                            const struct wb__infer_input *in,
                            bool *ok,
                            char *why,
                            size_t why_len);

/* After wb__infer_gate_check on an input whose claims are c: was the
 * consent c names read for a verdict still kept? Then *k is that consent
 * (its latest version; NULL when the register has none), the gate's,
 * valid until its next sync. False when c names none, or when the memo
 * was full and kept no verdict for it: the caller reads it. */
bool wb__infer_gate_consent(const struct wb__infer_gate *g,
                            const struct wb_claims *c,
                            const struct wb_consent **k);

/* Set what wb_infer_refused_entry reports for the calling thread: the
 * logged entry (0: none) and its reason. */
void wb__infer_refused_set(uint64_t entry, const char *why);

#endif
