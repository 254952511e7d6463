/* SPDX-License-Identifier: Apache-2.0 */
/* Governed edge inference (docs/infer.md): a registered model package is
 * verified, then loaded from the checked buffer into a runtime backend;
 * every input record is checked (consent and its flags for the purpose,
 * the record's purposes, its residency against where the model runs, the
 * model's allowed jurisdictions); permitted records are run and each
 * output is logged as an "inference" record with its lineage; denials are
 * logged. Auditor hooks observe every call. A wb_model handle is used by
 * one thread at a time. */
#ifndef WAYBILL_INFER_H
#define WAYBILL_INFER_H

#include <stdbool.h>
#include <stdio.h>

#include <waybill/model.h>
#include <waybill/policy.h>

struct json_t; /* jansson's */

#define WB_INFER_MAX_INPUTS  10000 /* records in one call */
#define WB_INFER_WHY_MAX     2048  /* a reason text */
#define WB_INFER_OUTPUTS_MAX 64    /* values per record */

/* ---- runtime backends ---------------------------------------------------
 * A backend runs one kind of model file. It never sees a byte that has not
 * been checked against the signed digest. */
struct wb_infer_backend {
    const char *name; /* the manifest's "runtime" */
    /* Load model bytes (borrowed for the call) expecting n_features inputs
     * and n_outputs values per row into *model. WB_ERR_FORMAT with detail
     * when the runtime refuses the bytes or the shape disagrees. */
    wb_err (*load)(const uint8_t *bytes,
                   size_t len,
                   size_t n_features,
                   size_t n_outputs,
                   void **model);
    /* rows x n_features floats (row-major, NAN = missing) into out (rows x
     * n_outputs floats, caller-provided). */
    wb_err (*predict)(void *model, const float *x, size_t rows, float *out);
    void (*free)(void *model); /* NULL-safe */
};

/** The XGBoost backend (XGBoost C API, XGBoosterLoadModelFromBuffer, one
 *  thread per booster). */
WB_API const struct wb_infer_backend *wb_infer_backend_xgboost(void);

/** Add backend b (kept, not copied: it must outlive its use) to the
 *  process's table so manifests naming b->name use it. Not thread-safe:
 *  call at start-up. WB_ERR_EXISTS for a name in the table, WB_ERR_TOOBIG
 *  past 8 backends. */
WB_API WB_NODISCARD wb_err
wb_infer_backend_add(const struct wb_infer_backend *b);

/** The backend named name, or NULL. xgboost is always there. */
WB_API const struct wb_infer_backend *wb_infer_backend_find(const char *name);

/* ---- hooks ---------------------------------------------------------------
 * A third party's observer of every governed call (docs/infer.md). Hooks
 * see what the governance module decided and did; they cannot change it.
 * Every pointer in an event is borrowed for the callback only. */
enum wb_infer_event_type {
    WB_INFER_BEFORE_INPUT = 1, /* a record is about to be checked */
    WB_INFER_AFTER_OUTPUT = 2, /* an output was logged */
    WB_INFER_ON_DENY = 3       /* a record or the whole call was denied */
};

struct wb_infer_event {
    enum wb_infer_event_type type;
    const char *model_id;
    const uint8_t *model_digest; /* WB_HASH_BYTES */
    const char *purpose;
    const char *run_in;
    bool enforced;             /* false in log-only mode */
    bool whole_call;           /* on_deny: the call was refused */
    uint64_t input;            /* log index of the record (not whole_call) */
    const uint8_t *input_leaf; /* its leaf hash, or NULL */
    const char *input_class;   /* its class claim, or NULL */
    uint64_t output;           /* after_output: the inference record */
    const float *values;       /* after_output: the model's outputs */
    size_t value_count;
    const char *why;   /* on_deny: the reasons, one per line */
    uint64_t decision; /* on_deny: the logged decision entry */
};

struct wb_infer_hook {
    const char *name;
    void (*before_input)(void *ctx, const struct wb_infer_event *ev);
    void (*after_output)(void *ctx, const struct wb_infer_event *ev);
    void (*on_deny)(void *ctx, const struct wb_infer_event *ev);
    void *ctx;
    void (*close)(void *ctx); /* may be NULL; called on detach */
};

/* ---- hook plug-ins --------------------------------------------------------
 * A third party's hook as a shared library, attached without rebuilding
 * waybill (docs/infer.md): it exports WB_INFER_HOOK_SYMBOL, a
 * wb_infer_hook_init_fn that fills *out from its argument text, or returns
 * non-zero with a reason in err. */
#define WB_INFER_HOOK_SYMBOL "waybill_infer_hook_v1"
typedef int (*wb_infer_hook_init_fn)(const char *arg,
                                     struct wb_infer_hook *out,
                                     char *err,
                                     size_t err_len);
/* What a plug-in defines (not the library): declared here so that a
 * plug-in's definition is checked against the type. */
int waybill_infer_hook_v1(const char *arg,
                          struct wb_infer_hook *out,
                          char *err,
                          size_t err_len);

/** Load plug-in path (must contain a '/': never searched for), call its
 *  init with arg (may be NULL) and attach the hook it returns, as
 *  wb_infer_hook_attach. The library stays loaded until
 *  wb_infer_hook_detach_all or wb_infer_hook_replace. WB_ERR_NOTFOUND naming
 * the file (dlopen's reason) or the missing symbol, WB_ERR_INVAL when init
 * refuses (its reason), WB_ERR_TOOBIG past 8 hooks. Not thread-safe: start-up
 * only (or wb_infer_hook_replace). */
WB_API WB_NODISCARD wb_err wb_infer_hook_load(const char *path,
                                              const char *arg);

/* A hook plug-in to load: its path (with a '/') and init argument. */
struct wb_infer_plugin {
    const char *path;
    const char *arg; /* may be NULL */
};

/** Replace every attached hook and loaded plug-in with plug-ins p[0..n)
 *  (n may be 0): the running hooks are closed and their libraries
 *  unloaded (a plug-in never runs beside a second instance of itself, and
 *  a library replaced at its path is read afresh), then the new ones are
 *  loaded as wb_infer_hook_load. When one fails (its error; *failed, may
 *  be NULL, gets its index) those started are closed and the plug-ins
 *  that ran are started again from their paths and arguments: *kept (may
 *  be NULL) is true when they run again, false when one of them would not
 *  start either (named; nothing is attached then). Hooks attached with
 *  wb_infer_hook_attach are closed, not restored. How a daemon's reload
 *  keeps its auditors when the new configuration's would not start. Not
 *  thread-safe: no governed call may run meanwhile. */
WB_API WB_NODISCARD wb_err wb_infer_hook_replace(
    const struct wb_infer_plugin *p, size_t n, size_t *failed, bool *kept);

/** Attach h (copied; its ctx must outlive its use) to every governed call
 *  of the process, before the call's own opts.hooks: how an auditor's
 *  plug-in observes all calls whoever makes them. Not thread-safe: call at
 *  start-up. WB_ERR_TOOBIG past 8 hooks, WB_ERR_INVAL without a callback. */
WB_API WB_NODISCARD wb_err wb_infer_hook_attach(const struct wb_infer_hook *h);

/** Detach every hook attached with wb_infer_hook_attach or loaded with
 *  wb_infer_hook_load or wb_infer_hook_replace: each hook's close(ctx) is
 *  called, then the loaded libraries are unloaded. */
WB_API void wb_infer_hook_detach_all(void);

/** The example auditor hook: one JSON line per event appended to f
 *  (borrowed; must outlive the hook), flushed each line. */
WB_API struct wb_infer_hook wb_infer_hook_audit_trail(FILE *f);

/* ---- the governed call --------------------------------------------------- */

enum wb_infer_mode {
    WB_INFER_ENFORCE = 0, /* denied records are not run */
    WB_INFER_LOG_ONLY = 1 /* denials are logged, every record is run */
};

struct wb_infer_opts {
    const struct wb_policy *policy; /* purpose vocabulary; required */
    const char *run_in;  /* jurisdiction the model runs in; required */
    const char *purpose; /* NULL = the model's first intended purpose */
    int32_t date;        /* a day (since 1970-01-01) the consent must hold on as
                          * well as today, the day the records are used */
    enum wb_infer_mode mode;
    const struct wb_infer_hook *hooks;
    size_t hook_count;
    /* false: a record whose payload does not fit the data interface
     * refuses the whole call (WB_ERR_FORMAT); true: that record alone is
     * denied (logged, why in its row, never run, in log-only mode too) and
     * the others go on: a gateway's way, where one device's malformed
     * message must not stop the rest of the batch */
    bool deny_unfit;
};

/* What happened to one input record. */
struct wb_infer_row {
    uint64_t input;
    bool permitted;    /* every check passed */
    bool ran;          /* the model ran on it (permitted, or log-only) */
    uint64_t output;   /* the inference record holding its output */
    uint64_t decision; /* the logged denial, when !permitted */
    float values[WB_INFER_OUTPUTS_MAX];
    size_t value_count;
    char *why; /* reasons when !permitted, one per line; owned by the
                  result; NULL when permitted */
};

struct wb_infer_result {
    struct wb_infer_row *rows; /* one per input, in input order */
    size_t count;
    size_t denied;
    size_t ran;
    /* log-only: the whole call was refused (model, purpose or place), and
     * ran anyway; the logged refusal and its reasons (owned) */
    bool refused;
    uint64_t refusal;
    char *refused_why;
};

struct wb_model;

/** Open registered model id for governed calls: wb_model_verify, then the
 *  checked buffer is handed to the manifest's backend (WB_ERR_NOTFOUND for
 *  an unknown runtime). A refusal is logged as a "decision" entry (model
 *  claim = the digest when known). *out (wb_model_close). This is the call
 *  a daemon makes once per model. */
WB_API WB_NODISCARD wb_err wb_model_open(struct wb_site *s,
                                         const char *id,
                                         struct wb_model **out);

/** As wb_model_open, for the calls of options o (may be NULL): a refusal
 *  is also told, once, to o's hooks and the attached ones as an on_deny
 *  whole-call event (decision = the logged entry; purpose and run_in o's,
 *  or NULL without o). Without o only the attached hooks hear of it.
 *  With o, no o->run_in or o->policy, an o->run_in that is no ISO 3166
 *  code, or an o->purpose outside o->policy's vocabulary is WB_ERR_INVAL
 *  before anything is read or logged, as wb_infer_run refuses them (the
 *  model's own first purpose, used when o->purpose is NULL, was checked
 *  against the vocabulary when it was registered). */
WB_API WB_NODISCARD wb_err wb_model_open_for(struct wb_site *s,
                                             const char *id,
                                             const struct wb_infer_opts *o,
                                             struct wb_model **out);

/** Close m. NULL-safe. */
WB_API void wb_model_close(struct wb_model *m);

/** The manifest of m; owned by m. */
WB_API const struct wb_model_manifest *
wb_model_manifest_of(const struct wb_model *m);

/** Would the manifest m let a call for purpose run in run_in at all (an
 *  intended purpose, not a ruled-out use, run_in within its jurisdictions
 *  for running and for outputs)? False with the reasons, one per line, in why
 * (why_len bytes; WB_INFER_WHY_MAX always suffices): what a front end can say
 *  before any call, since every such call would be refused whole. */
WB_API bool wb_model_call_allowed(const struct wb_model_manifest *m,
                                  const char *purpose,
                                  const char *run_in,
                                  char *why,
                                  size_t why_len);

/** Raw prediction with no governance (benchmarks, tests): rows x features
 *  floats into out (rows x outputs). */
WB_API WB_NODISCARD wb_err wb_model_predict(struct wb_model *m,
                                            const float *x,
                                            size_t rows,
                                            float *out);

/** The governed call on log entries inputs[0..n) (1..WB_INFER_MAX_INPUTS).
 *  Refused whole, with a "decision" entry logged and nothing run:
 *  run_in outside the manifest's run jurisdictions or output
 *  jurisdictions, a purpose the model is not intended for or rules out
 *  (WB_ERR_DENIED, except in log-only mode), an input that is not a
 *  record, or whose payload is erased, not a JSON object, or lacks a
 *  feature's field as a number (WB_ERR_FORMAT naming entry and field).
 *  Otherwise each record is checked (wb_purpose_check for consent state
 *  and flags and the record's purposes; residency against run_in); a
 *  denial is logged as a "decision" entry and reported in its row; the
 *  model runs on the permitted rows (every row in log-only mode) and the
 *  outputs become "inference" records (docs/infer.md): consecutive rows
 *  run that share device, consent, class, rights and residency, up to
 *  WB_CLAIMS_MAX_ITEMS, share one record with parents = their input leaf
 *  hashes in order, model = package digest, purposes = [purpose], the
 *  inputs' class and consent, jurisdiction run_in, residency local-only
 *  when the inputs are, else the model's output jurisdictions; payload
 *  JSON {"model", "inputs": [entry...], "outputs": [{name: value}...]}.
 *  All entries go into one transaction (the open batch, if any). In the
 *  caller's open batch the call's last record stays open: the next
 *  call's rows of its group (same model, purpose and run_in too) go into
 *  it, so single-row calls share records as a batch's rows do. Its index
 *  is reserved (rows[].output, wb_site_size count it) and it is appended
 *  before any other entry is appended or read through s, and at commit;
 *  a rollback drops it. An error while the call fills it (memory) rolls
 *  the caller's batch back (wb_site_in_batch says so): outputs of earlier
 *  calls name its index. The purpose check's verdicts are kept on m for the
 *  batch until a register changes (wb_site_register_epoch); m is for one
 *  thread at a time, and not for a call from its own hooks. *out
 * (wb_infer_result_free) gets every row; WB_OK even when rows were denied (see
 * denied). */
WB_API WB_NODISCARD wb_err wb_infer_run(struct wb_site *s,
                                        struct wb_model *m,
                                        const uint64_t *inputs,
                                        size_t n,
                                        const struct wb_infer_opts *o,
                                        struct wb_infer_result **out);

/* A record the caller appended to the site and still holds (a gateway at
 * ingest): the governed call takes its claims and payload from here
 * instead of reading them back from the log. With claims NULL only index
 * counts: that record is read from the log, as by wb_infer_run (a caller
 * that could not afford to hold it). */
struct wb_infer_record {
    uint64_t index;                   /* its log index */
    uint8_t leaf_hash[WB_HASH_BYTES]; /* wb_site_last_leaf_hash after it */
    const struct wb_claims *claims;   /* as appended; borrowed; or NULL */
    const uint8_t *payload;           /* as appended; borrowed; may be NULL
                                         when doc is given */
    size_t payload_len;
    const struct json_t *doc; /* payload as parsed (jansson), or NULL:
                                 parsed here; borrowed */
};

/** wb_infer_run on records the caller holds, records[0..n): the same
 *  checks, outputs, logging and errors, without reading the inputs from
 *  the log. The caller vouches that each is what it appended to s (this
 *  is the in-process path of the daemon; wb_infer_run reads and checks
 *  them from the log; a caller of wb_site_append can state any lineage,
 *  so this call is no weaker). */
WB_API WB_NODISCARD wb_err
wb_infer_run_records(struct wb_site *s,
                     struct wb_model *m,
                     const struct wb_infer_record *records,
                     size_t n,
                     const struct wb_infer_opts *o,
                     struct wb_infer_result **out);

/** wb_model_open, wb_infer_run, wb_model_close. */
WB_API WB_NODISCARD wb_err wb_infer(struct wb_site *s,
                                    const char *model_id,
                                    const uint64_t *inputs,
                                    size_t n,
                                    const struct wb_infer_opts *o,
                                    struct wb_infer_result **out);

/** Free a result. NULL-safe. */
WB_API void wb_infer_result_free(struct wb_infer_result *r);

/** The "decision" entry the calling thread's last failed model open,
 *  call or registration was refused with and logged as (wb_model_open_for,
 *  wb_infer_run*, wb_infer: a purpose or place refused in enforce mode, a
 *  schema mismatch, a model that does not load; wb_model_register*: any
 *  refusal), and the reason alone into *why
 *  (may be NULL; thread-local, valid until the thread's next such call);
 *  0 when the call refused nothing, went on (a log-only refusal is in its
 *  result instead) or its refusal could not be logged. In the caller's
 *  open batch the entry is rolled back with it. What a caller reports
 *  beside the error without parsing its text. */
WB_API uint64_t wb_infer_refused_entry(const char **why);

/** Parse a record selection ("5", "3-10", "3,7,9", "1-4,9"; indexes
 *  ascending or not, no spaces, each range low-high inclusive) into a new
 *  array *out (wb_free) of *count indexes, at most WB_INFER_MAX_INPUTS.
 *  WB_ERR_FORMAT naming the position; WB_ERR_TOOBIG. */
WB_API WB_NODISCARD wb_err wb_infer_selection_parse(const char *text,
                                                    uint64_t **out,
                                                    size_t *count);

/* ---- audit ----------------------------------------------------------------
 */

struct wb_model_audit {
    uint64_t inferences;  /* outputs logged with this model's digest */
    uint64_t records;     /* the inference records holding them */
    uint64_t inputs;      /* distinct input records run */
    uint64_t by_class[5]; /* inputs: non-personal, personal, sensitive-
                             personal, important, unclassified */
    uint64_t denials;     /* logged denials (records and whole calls) */
    uint64_t refusals;    /* of which whole calls */
};

/** Scan the log for model id's inferences and denials, and write the
 *  report (text, or JSON with json) to f: registration, counts, inputs by
 *  class, each denial with its reasons, and lineage (output entry <- input
 *  entry, leaf hashes). *sum (may be NULL) gets the counts.
 *  WB_ERR_NOTFOUND for an unregistered id. */
WB_API WB_NODISCARD wb_err wb_model_audit_report(struct wb_site *s,
                                                 const char *id,
                                                 bool json,
                                                 FILE *f,
                                                 struct wb_model_audit *sum);

#endif
