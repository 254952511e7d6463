/* SPDX-License-Identifier: Apache-2.0 */
/* Model packages (docs/infer.md): a directory holding a model file, a
 * manifest (the data interface, intended purposes, allowed jurisdictions,
 * training-data provenance and the digest of every file) and the vendor's
 * Ed25519 signature over the manifest bytes; packing, signing, verifying,
 * and the site's "model" register. One site handle is used by one thread at
 * a time; a parsed manifest is read-only. */
#ifndef WAYBILL_MODEL_H
#define WAYBILL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <waybill/ledger.h>

struct wb_policy; /* waybill/policy.h */

/* The register's name, also the kind of its entries. */
#define WB_MODEL_REGISTER "model"
/* The manifest's format tag. */
#define WB_MODEL_FORMAT "waybill-model/1"
/* File names inside a package directory. */
#define WB_MODEL_MANIFEST_FILE  "manifest.json"
#define WB_MODEL_SIGNATURE_FILE "manifest.sig"
/* Caps, in bytes or items. */
#define WB_MODEL_MANIFEST_MAX (64 * 1024)
/* A pack spec: a manifest without "files", as a vendor writes it
 * (indented): its manifest must still fit WB_MODEL_MANIFEST_MAX */
#define WB_MODEL_SPEC_MAX (256 * 1024)
#define WB_MODEL_FILE_MAX (64 * 1024 * 1024) /* one packaged file */
#define WB_MODEL_SIG_MAX  1024               /* the signature file */
#define WB_MODEL_TEXT_MAX 1024               /* a free-text field */
#define WB_MODEL_NAME_MAX 64  /* name, version, runtime, feature names */
#define WB_MODEL_LIST_MAX 64  /* features, outputs, purposes, files ... */
#define WB_MODEL_ID_MAX   129 /* "name@version" */

/* One input feature: the data interface names the record field it comes
 * from (a number in the record's JSON payload) and its unit. */
struct wb_model_feature {
    char *name;  /* the model's feature name */
    char *field; /* the record payload's field */
    char *unit;  /* UCUM-style unit text, e.g. "mm/s", "Cel" */
};

/* One output value. */
struct wb_model_output {
    char *name;
    char *unit;
};

/* One packaged file and its digest. */
struct wb_model_file {
    char *path; /* a plain file name inside the package */
    uint8_t sha256[32];
    uint64_t bytes;
};

/* A parsed manifest; everything is owned by it (wb_model_manifest_free). */
struct wb_model_manifest {
    char *name;    /* 1..64 of a-z 0-9 . _ - */
    char *version; /* 1..64 of A-Z a-z 0-9 . _ - */
    char *vendor;
    char *runtime;    /* a backend name, e.g. "xgboost" */
    char *model_file; /* one of files[], handed to the runtime */
    struct wb_model_feature *input;
    size_t input_count;
    struct wb_model_output *output;
    size_t output_count;
    char **purposes; /* intended purposes (purpose vocabulary ids) */
    size_t purpose_count;
    char **out_of_scope; /* uses the vendor rules out */
    size_t out_of_scope_count;
    char **run_in; /* jurisdictions the model may run in */
    size_t run_in_count;
    char **output_to; /* jurisdictions its outputs may be kept in */
    size_t output_to_count;
    char *training_data; /* provenance statement */
    struct wb_model_file *files;
    size_t file_count;
};

/** Strictly parse a manifest (at most WB_MODEL_MANIFEST_MAX bytes, a
 *  spec WB_MODEL_SPEC_MAX; no
 *  duplicate keys, no unknown fields, every field of docs/infer.md
 *  present) into a new *out (wb_model_manifest_free). files may be absent
 *  only with allow_no_files (a pack spec, which may be longer). WB_ERR_FORMAT
 * (WB_ERR_TOOBIG for the size) naming the field in wb_errmsg(). */
WB_API WB_NODISCARD wb_err
wb_model_manifest_parse(const char *json,
                        size_t len,
                        bool allow_no_files,
                        struct wb_model_manifest **out);

/** Every place m names (jurisdictions.run and .output) an ISO 3166-1
 *  country or ISO 3166-2 subdivision by the ISO tables (wb_region_check):
 *  what pack and register ask beyond the shape parsing checks.
 *  WB_ERR_FORMAT naming the field; WB_ERR_IO if the tables cannot be
 *  read. */
WB_API WB_NODISCARD wb_err
wb_model_manifest_places_check(const struct wb_model_manifest *m);

/** m as manifest bytes (compact JSON, keys sorted, one trailing newline;
 *  docs/infer.md) into *out (wb_free), *out_len bytes. Parsing the result
 *  gives m back. WB_ERR_NOMEM. */
WB_API WB_NODISCARD wb_err wb_model_manifest_encode(
    const struct wb_model_manifest *m, char **out, size_t *out_len);

/** Free a manifest. NULL-safe. */
WB_API void wb_model_manifest_free(struct wb_model_manifest *m);

/** The package digest: SHA-256 of the manifest bytes (which hold the
 *  digest of every file). This is the `model` claim of inferences. */
WB_API void wb_model_digest(const uint8_t *manifest,
                            size_t len,
                            uint8_t out[WB_HASH_BYTES]);

/** Make package directory out_dir (created; must not exist) from spec (a
 *  manifest without "files", at most WB_MODEL_SPEC_MAX bytes, whose
 *  manifest with "files" is at most WB_MODEL_MANIFEST_MAX) and the
 *  model file at model_path (copied in under the spec's model_file name):
 *  writes the file and manifest.json with its digest. WB_ERR_FORMAT naming
 *  the spec field, WB_ERR_EXISTS, WB_ERR_IO naming the path. */
WB_API WB_NODISCARD wb_err wb_model_pack(const char *spec,
                                         size_t spec_len,
                                         const char *model_path,
                                         const char *out_dir);

/** Sign package dir's manifest.json with vendor key s: writes
 *  manifest.sig (docs/infer.md), replacing one there. The manifest is
 *  parsed first (WB_ERR_FORMAT) and every file checked against it
 *  (WB_ERR_VERIFY): a vendor signs only what verifies. WB_ERR_IO. */
WB_API WB_NODISCARD wb_err wb_model_sign(const char *dir,
                                         const struct wb_signer *s);

/* A package read and checked. The model bytes are the buffer whose digest
 * was checked: the runtime is handed this same buffer. */
struct wb_model_package {
    struct wb_model_manifest *manifest;
    char *manifest_bytes; /* as signed, NUL-terminated */
    size_t manifest_len;
    char *signature; /* the manifest.sig line */
    uint8_t digest[WB_HASH_BYTES];
    char signer[WB_KEY_NAME_MAX + 1]; /* the vendor key's name */
    uint8_t *model;                   /* model_file's bytes */
    size_t model_len;
};

/** Read package dir and check it against vendor key v: the signature over
 *  the manifest bytes (WB_ERR_BADSIG: unsigned, another signer or a bad
 *  signature; WB_ERR_FORMAT: a malformed signature line), the manifest
 * (WB_ERR_FORMAT), each file read once and its size and SHA-256 (WB_ERR_VERIFY
 * naming the file). On WB_OK *out (wb_model_package_free) holds the model
 * file's checked bytes. */
WB_API WB_NODISCARD wb_err wb_model_package_read(const char *dir,
                                                 const struct wb_verifier *v,
                                                 struct wb_model_package **out);

/** Free a package. NULL-safe. */
WB_API void wb_model_package_free(struct wb_model_package *p);

/* ---- the site's model register ------------------------------------------ */

/* A registered model (from wb_model_get / wb_model_list). */
struct wb_model_entry {
    char id[WB_MODEL_ID_MAX + 1]; /* "name@version" */
    uint8_t digest[WB_HASH_BYTES];
    uint64_t entry;   /* log index of the "model" entry */
    char *vendor_key; /* verifier key text trusted at registration */
    struct wb_model_manifest *manifest;
    char *manifest_bytes; /* as signed */
    char *signature;
    uint64_t restored; /* wb_model_register: the decision entry logging
                          that it restored the site's copy, else 0 */
};

/** Verify package dir against vendor key vkey (verifier key text), write
 *  the checked bytes of its files into the site directory (models/ID/;
 *  each package file is read once) and log a "model" entry (register
 *  "model", id "name@version", version 1; the document holds the manifest
 *  bytes, the signature, the vendor key and the digest; claims: purposes =
 *  the manifest's purposes, media application/json). Every refusal (a bad
 *  vendor key, any error of wb_model_package_read, an id already
 *  registered, a models/ID holding anything but this package's files) is
 *  logged as a "decision" entry naming the package and the reason, nothing
 *  registered and no file left behind; the error is returned. *out (may be
 *  NULL) gets the registered model (wb_model_entry_clear). WB_ERR_EXISTS
 *  when the id is registered, unless with this very package and the
 *  site's copy no longer verifies (missing, damaged): then the copy is
 *  restored from dir, logged as a "model-copy-restored" decision entry
 *  (out->restored), and the registration stands. */
WB_API WB_NODISCARD wb_err wb_model_register(struct wb_site *s,
                                             const char *dir,
                                             const char *vkey,
                                             struct wb_model_entry *out);

/** wb_model_register, and every purpose the manifest names must be in
 *  pol's purpose vocabulary (borrowed; NULL skips the check): a model
 *  intended for a purpose no call can give is refused (WB_ERR_FORMAT
 *  naming the field), logged like every refusal. */
WB_API WB_NODISCARD wb_err
wb_model_register_checked(struct wb_site *s,
                          const struct wb_policy *pol,
                          const char *dir,
                          const char *vkey,
                          struct wb_model_entry *out);

/** Registered model id ("name@version") into *out (wb_model_entry_clear):
 *  its register document parsed and checked against its registration
 *  entry (the payload the log commits to, and its model claim), the
 *  package not yet verified. WB_ERR_NOTFOUND; WB_ERR_FORMAT when the
 *  stored document does not parse; WB_ERR_VERIFY when it is not what its
 *  entry commits to, with out's id, entry and the entry's digest kept. */
WB_API WB_NODISCARD wb_err wb_model_get(struct wb_site *s,
                                        const char *id,
                                        struct wb_model_entry *out);

/** Every registered model ordered by id into a new array *out
 *  (wb_model_entries_free) of *count (0 and NULL when none). */
WB_API WB_NODISCARD wb_err wb_model_list(struct wb_site *s,
                                         struct wb_model_entry **out,
                                         size_t *count);

/** Re-verify registered model id as wb_model_package_read does, from the
 *  register's signed manifest and the site's copy of the files; on WB_OK
 *  *out (may be NULL; wb_model_package_free) gets the checked bytes. */
WB_API WB_NODISCARD wb_err wb_model_verify(struct wb_site *s,
                                           const char *id,
                                           struct wb_model_package **out);

/** Free what e owns and zero it. NULL-safe. */
WB_API void wb_model_entry_clear(struct wb_model_entry *e);

/** Free an array from wb_model_list. NULL-safe. */
WB_API void wb_model_entries_free(struct wb_model_entry *v, size_t count);

#endif
