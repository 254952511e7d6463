/* SPDX-License-Identifier: Apache-2.0 */
/* A site's ledger: the site directory (SQLite database in WAL mode, site
 * key), the append-only Merkle log of claims leaves, salted payload
 * commitments kept locally, checkpoints, proofs, tokens, erasure and the
 * full self-check. One handle is used by one thread at a time. */
#ifndef WAYBILL_LEDGER_H
#define WAYBILL_LEDGER_H

#include <stdbool.h>
#include <stdio.h>

#include <waybill/log.h>
#include <waybill/token.h>

#define WB_SALT_BYTES        16
#define WB_CTI_BYTES         16
#define WB_PAYLOAD_MAX_BYTES (1024 * 1024)
#define WB_DEVICE_ID_MAX     128
#define WB_SITE_DB_FILE      "waybill.db"
#define WB_SITE_KEY_FILE     "site.key"

struct wb_site;

/** Create the site directory dir (made if missing; must not already hold a
 *  site) with log origin `origin`. key_text is signed-note private key text
 *  to import (its name must equal origin; origin may then be NULL), or NULL
 *  to generate a key. The key file is written mode 0600. *out (may be NULL)
 *  receives the open site. WB_ERR_EXISTS, WB_ERR_INVAL, WB_ERR_FORMAT,
 *  WB_ERR_IO, WB_ERR_DB with detail in wb_errmsg(). */
WB_API WB_NODISCARD wb_err wb_site_create(const char *dir,
                                          const char *origin,
                                          const char *key_text,
                                          size_t key_len,
                                          struct wb_site **out);

/** Open an existing site directory. WB_ERR_NOTFOUND if it holds no site;
 *  WB_ERR_IO, WB_ERR_DB, WB_ERR_FORMAT (bad key file) otherwise. */
WB_API WB_NODISCARD wb_err wb_site_open(const char *dir, struct wb_site **out);

/** Close s; an open batch is rolled back. NULL-safe. */
WB_API void wb_site_close(struct wb_site *s);

/** Cap the page cache of this handle at kib KiB (16 MiB by default): a
 *  daemon keeps several handles and a memory budget. kib >= 256, else
 *  WB_ERR_INVAL; WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_site_cache_limit(struct wb_site *s, size_t kib);

/** Log origin; owned by s. */
WB_API const char *wb_site_origin(const struct wb_site *s);

/** The site directory s was opened or created with; owned by s. */
WB_API const char *wb_site_dir(const struct wb_site *s);

/** The site's signer; owned by s. */
WB_API const struct wb_signer *wb_site_signer(const struct wb_site *s);

/** Catch up with entries committed through other handles on the same
 *  database (another thread's or process's): the size and frontier are
 *  reloaded when the stored log grew. wb_site_begin does this itself;
 *  readers call it before answering. No-op inside a batch. WB_ERR_DB;
 *  WB_ERR_VERIFY if the stored log shrank or is damaged. */
WB_API WB_NODISCARD wb_err wb_site_refresh(struct wb_site *s);

/** Number of entries in the log (committed and in the open batch,
 *  including an index reserved in it for an inference record still being
 *  filled: wb_infer_run). */
WB_API uint64_t wb_site_size(const struct wb_site *s);

/** Is a batch open on s (wb_site_begin without its commit or rollback)? */
WB_API bool wb_site_in_batch(const struct wb_site *s);

/** A number that changes whenever what s reads of its registers may have
 *  changed: at every begin, commit, rollback and refresh, and at every
 *  register put. Equal numbers inside one open batch mean a verdict drawn
 *  from the registers (a consent's state, say) still holds; outside a
 *  batch another handle may write at any time, so it is no promise. */
WB_API uint64_t wb_site_register_epoch(const struct wb_site *s);

/* ---- appending ---------------------------------------------------------- */

/* One entry to append. The caller fills the descriptive claims (kind, sub,
 * iat (0 = now), time_ns, purposes, consent, jurisdiction, data_class,
 * rights, parents, model, residency, media); the ledger sets iss, cti, the
 * payload commitment and devsig. */
struct wb_append {
    struct wb_claims claims;
    const uint8_t *payload; /* kept locally with a fresh salt; may be NULL */
    size_t payload_len;
    const uint8_t *device_token; /* the device's COSE_Sign1, kept; or NULL */
    size_t device_token_len;
};

/** Start a batch (one write transaction). Another handle or process may
 *  have appended since this handle last looked: the tree is brought up to
 *  date first. WB_ERR_BUSY if one is open. */
WB_API WB_NODISCARD wb_err wb_site_begin(struct wb_site *s);

/** Append one entry to the open batch (or, with no batch open, as its own
 *  durable transaction). *index (may be NULL) gets its log index.
 *  WB_ERR_INVAL/WB_ERR_TOOBIG naming the field on bad claims; the batch
 *  stays usable after such a refusal. */
WB_API WB_NODISCARD wb_err wb_site_append(struct wb_site *s,
                                          const struct wb_append *e,
                                          uint64_t *index);

/** The leaf hash (RFC 9162 leaf hash of the claims bytes) of the entry
 *  this handle appended last, into out: per handle, all zero before its
 *  first append (also after a reopen), and still the last appended one
 *  after a rollback; read it right after the append it belongs to (an
 *  inference record still being filled is not appended yet). */
WB_API void wb_site_last_leaf_hash(const struct wb_site *s,
                                   uint8_t out[WB_HASH_BYTES]);

/** Commit the open batch; when it returns WB_OK the batch is durable
 *  (fsync'd WAL). On failure the batch is rolled back. */
WB_API WB_NODISCARD wb_err wb_site_commit(struct wb_site *s);

/** Discard the open batch. No-op without one. */
WB_API void wb_site_rollback(struct wb_site *s);

/* ---- reading ------------------------------------------------------------ */

/** Leaf bytes of entry index into *leaf (wb_free). WB_ERR_NOTFOUND. */
WB_API WB_NODISCARD wb_err wb_site_leaf(struct wb_site *s,
                                        uint64_t index,
                                        uint8_t **leaf,
                                        size_t *leaf_len);

/** Stored payload of entry index into *payload (wb_free); *erased is set to
 *  1 (and *payload NULL) when it was erased or never had one. The payload
 *  is checked against the salted commitment in the entry's claims first:
 *  WB_ERR_VERIFY naming the entry when it differs, or is gone while the
 *  store does not mark it erased, and nothing is returned (that an
 *  erasure marked in the store was logged is wb_site_verify's check).
 *  WB_ERR_NOTFOUND. */
WB_API WB_NODISCARD wb_err wb_site_payload(struct wb_site *s,
                                           uint64_t index,
                                           uint8_t **payload,
                                           size_t *payload_len,
                                           int *erased);

/** Does payload (len bytes) with salt (salt_len bytes) open the salted
 *  commitment of claims c: is SHA-256(salt || payload) its payload claim?
 *  No site is needed: what the recipient of a disclosed payload and its
 *  salt checks offline against a leaf proven in the log. WB_OK, or
 *  WB_ERR_VERIFY (c has no payload claim, the salt is not WB_SALT_BYTES,
 *  or they differ). */
WB_API WB_NODISCARD wb_err wb_payload_check(const struct wb_claims *c,
                                            const uint8_t *salt,
                                            size_t salt_len,
                                            const uint8_t *payload,
                                            size_t len);

/** The salt of entry index's payload commitment into salt: with the
 *  payload, what opens the commitment to whoever is given both
 *  (wb_payload_check). The stored payload is checked first, as by
 *  wb_site_payload (WB_ERR_VERIFY). WB_ERR_NOTFOUND when the entry has no
 *  payload (erased, or never had one) or no such entry. */
WB_API WB_NODISCARD wb_err wb_site_payload_salt(struct wb_site *s,
                                                uint64_t index,
                                                uint8_t salt[WB_SALT_BYTES]);

/** Leaf bytes, decoded claims and stored payload of entry index in one
 *  read: *leaf (wb_free), *claims when claims is not NULL
 *  (wb_claims_free), *payload checked as wb_site_payload (wb_free). On
 *  WB_ERR_VERIFY (the payload is not the one the log commits to) *leaf
 *  and *claims are still given, *payload not; on any other error every
 *  output is NULL. WB_ERR_NOTFOUND. */
WB_API WB_NODISCARD wb_err wb_site_entry(struct wb_site *s,
                                         uint64_t index,
                                         uint8_t **leaf,
                                         size_t *leaf_len,
                                         struct wb_claims **claims,
                                         uint8_t **payload,
                                         size_t *payload_len,
                                         int *erased);

/** Merkle root of the log's first `size` entries. */
WB_API WB_NODISCARD wb_err wb_site_root(struct wb_site *s,
                                        uint64_t size,
                                        uint8_t root[WB_HASH_BYTES]);

/* ---- checkpoints, proofs, tokens ------------------------------------------
 */

/** Sign a checkpoint of the first `size` entries (0 = whole log), store it,
 *  and return its text in *out (wb_free). WB_ERR_INVAL if size is beyond
 *  the log or a batch is open. */
WB_API WB_NODISCARD wb_err wb_site_checkpoint(struct wb_site *s,
                                              uint64_t size,
                                              char **out);

/** The latest (largest) stored checkpoint's text into *out (wb_free) and
 *  its tree size into *size. WB_ERR_NOTFOUND when none was signed. */
WB_API WB_NODISCARD wb_err wb_site_checkpoint_latest(struct wb_site *s,
                                                     uint64_t *size,
                                                     char **out);

/** Hashes of the `count` complete subtrees of height `level` at positions
 *  first .. first+count-1 (subtree i covers leaves i*2^level ..
 *  (i+1)*2^level - 1), as stored, into out[0..count-1]; the tiles of C2SP
 *  tlog-tiles are such runs. WB_ERR_NOTFOUND when the log has not that
 *  many complete subtrees. */
WB_API WB_NODISCARD wb_err wb_site_nodes(struct wb_site *s,
                                         unsigned level,
                                         uint64_t first,
                                         size_t count,
                                         uint8_t (*out)[WB_HASH_BYTES]);

/** c2sp.org/tlog-proof@v1 for entry index against the stored checkpoint of
 *  `size` entries (0 = the latest checkpoint covering index; one is signed
 *  and stored if none does) into *out (wb_free). */
WB_API WB_NODISCARD wb_err wb_site_prove(struct wb_site *s,
                                         uint64_t index,
                                         uint64_t size,
                                         char **out);

/** c2sp.org/tlog-proof@v1 for entry index against a checkpoint already
 *  stored, never signing one (what a reader's request may do): the one of
 *  `size` entries, or with size 0 the latest. *cp_size gets the size of
 *  the checkpoint used; *latest the size of the latest stored checkpoint
 *  (0 when none), also on failure. WB_ERR_NOTFOUND when no stored
 *  checkpoint covers index (or none of `size` entries is stored),
 *  WB_ERR_INVAL when index >= size, WB_ERR_VERIFY on a damaged log. */
WB_API WB_NODISCARD wb_err wb_site_prove_published(struct wb_site *s,
                                                   uint64_t index,
                                                   uint64_t size,
                                                   char **out,
                                                   uint64_t *cp_size,
                                                   uint64_t *latest);

/** RFC 9162 consistency proof between two sizes. */
WB_API WB_NODISCARD wb_err
wb_site_prove_consistency(struct wb_site *s,
                          uint64_t old_size,
                          uint64_t new_size,
                          uint8_t proof[WB_MERKLE_MAX_PROOF][WB_HASH_BYTES],
                          size_t *count);

/** Portable token (COSE_Sign1 by the site key, kid = its 4-byte key id,
 *  payload = the leaf bytes) for entry index into *out (wb_free). */
WB_API WB_NODISCARD wb_err wb_site_token(struct wb_site *s,
                                         uint64_t index,
                                         uint8_t **out,
                                         size_t *out_len);

/* ---- devices --------------------------------------------------------------
 */

struct wb_device {
    char id[WB_DEVICE_ID_MAX + 1];
    int alg;            /* 0 when the device has no key */
    uint8_t pubkey[65]; /* raw: Ed25519 32 bytes or P-256 SEC1 65 bytes */
    size_t pubkey_len;
    uint64_t entry; /* log index of its registration entry */
    int64_t created;
};

/** Register a device (logged as a "device" entry). pubkey may be NULL.
 *  WB_ERR_EXISTS, WB_ERR_INVAL (bad id), WB_ERR_FORMAT (bad key). */
WB_API WB_NODISCARD wb_err wb_site_device_add(struct wb_site *s,
                                              const char *id,
                                              int alg,
                                              const uint8_t *pubkey,
                                              size_t pubkey_len,
                                              uint64_t *entry);

/** Look a device up by id, its row checked against the registration its
 *  entry logged. WB_ERR_NOTFOUND; WB_ERR_VERIFY (the row is not what was
 *  logged: *out zeroed). */
WB_API WB_NODISCARD wb_err wb_site_device_get(struct wb_site *s,
                                              const char *id,
                                              struct wb_device *out);

/** All devices, ordered by id, into a new array *out (wb_free), each
 *  checked as wb_site_device_get does; nothing on WB_ERR_VERIFY. */
WB_API WB_NODISCARD wb_err wb_site_device_list(struct wb_site *s,
                                               struct wb_device **out,
                                               size_t *count);

/** Verify a device-signed COSE_Sign1 against the registry: the device is
 *  found by `device` if given, else by the token's kid (the device id);
 *  *dev receives it. WB_ERR_NOTFOUND (unknown device), WB_ERR_DENIED (no
 *  key registered, or kid names another device), WB_ERR_BADSIG,
 *  WB_ERR_FORMAT, WB_ERR_VERIFY (the device's row is not what its entry
 *  logged). */
WB_API WB_NODISCARD wb_err wb_site_device_verify(struct wb_site *s,
                                                 const char *device,
                                                 const uint8_t *tok,
                                                 size_t tok_len,
                                                 struct wb_device *dev,
                                                 struct wb_cose_sign1 *cose);

/* ---- registers ------------------------------------------------------------
 * Consent records, server registrations and loaded policies are versioned
 * JSON documents. Each version is the payload of one log entry whose kind
 * names the register, so a register is as tamper-evident as data. */

#define WB_REGISTER_ID_MAX 128

struct wb_register_doc {
    char id[WB_REGISTER_ID_MAX + 1];
    uint32_t version; /* 1, 2, ... */
    uint64_t entry;   /* log index of the entry that recorded it */
    char *doc;        /* the JSON document; owned (wb_register_doc_clear) */
};

/** True when id is 1..max bytes of A-Z a-z 0-9 . _ : / @ - (the ids of
 *  devices and register documents). */
WB_API bool wb_id_ok(const char *id, size_t max);

/** Append e (kind = the register's name, payload = the document, text) and
 *  record it as `version` of `id`, in one transaction (the open batch, if
 *  any). *entry (may be NULL) gets the log index. WB_ERR_EXISTS if that
 *  version is already recorded (a concurrent writer); WB_ERR_INVAL on a bad
 *  id or version. */
WB_API WB_NODISCARD wb_err wb_site_register_put(struct wb_site *s,
                                                const struct wb_append *e,
                                                const char *id,
                                                uint32_t version,
                                                uint64_t *entry);

/** Is d, a document of register reg, what the log commits to: its entry
 *  (s caught up first when d names one past it, outside a batch) one of
 *  reg's kind, not erased, whose payload is d->doc and matches the leaf's
 *  salted commitment? *claims (may be NULL) gets the entry's claims
 *  (wb_claims_free). WB_ERR_VERIFY naming reg, id, version and entry; the
 *  store's errors. */
WB_API WB_NODISCARD wb_err
wb_site_register_check(struct wb_site *s,
                       const char *reg,
                       const struct wb_register_doc *d,
                       struct wb_claims **claims);

/** Version `version` (0 = the latest) of id in register reg into *out
 *  (wb_register_doc_clear), checked against its entry
 *  (wb_site_register_check). WB_ERR_NOTFOUND; WB_ERR_VERIFY with out's
 *  id, version and entry kept and no doc. */
WB_API WB_NODISCARD wb_err wb_site_register_get(struct wb_site *s,
                                                const char *reg,
                                                const char *id,
                                                uint32_t version,
                                                struct wb_register_doc *out);

/** Every version of id, oldest first (id != NULL), or the latest version of
 *  every id in reg ordered by id (id == NULL), into a new array *out
 *  (wb_register_docs_free), each checked against its entry
 *  (wb_site_register_check); nothing on WB_ERR_VERIFY. */
WB_API WB_NODISCARD wb_err wb_site_register_list(struct wb_site *s,
                                                 const char *reg,
                                                 const char *id,
                                                 struct wb_register_doc **out,
                                                 size_t *count);

/** Free the document of d and zero it. NULL-safe. */
WB_API void wb_register_doc_clear(struct wb_register_doc *d);

/** Free an array from wb_site_register_list. NULL-safe. */
WB_API void wb_register_docs_free(struct wb_register_doc *v, size_t count);

/** Count subject (a pseudonymous id; stored only as a keyed hash under a
 *  site secret) once per (exporter, year, sensitive), attributed to log
 *  entry `entry`. Only inside an open batch, so the tally commits or rolls
 *  back with the entry. *added is true when it was new. */
WB_API WB_NODISCARD wb_err wb_site_tally_add(struct wb_site *s,
                                             const char *exporter,
                                             int year,
                                             bool sensitive,
                                             const char *subject,
                                             uint64_t entry,
                                             bool *added);

/** Distinct subjects counted for (exporter, year, sensitive), including the
 *  open batch. */
WB_API WB_NODISCARD wb_err wb_site_tally_count(struct wb_site *s,
                                               const char *exporter,
                                               int year,
                                               bool sensitive,
                                               uint64_t *count);

/* ---- message idempotency -------------------------------------------------
 * A message that may be delivered twice (MQTT QoS 1 after a crash or a
 * reconnect) carries a 32-byte key; the most recent WB_MSGKEY_WINDOW keys
 * are kept with the entry that logged them. */

#define WB_MSGKEY_WINDOW 262144

/** The entry logged under key into *entry; WB_ERR_NOTFOUND when none of
 *  the last WB_MSGKEY_WINDOW keyed entries has it. Sees the open batch. */
WB_API WB_NODISCARD wb_err wb_site_msgkey_find(struct wb_site *s,
                                               const uint8_t key[32],
                                               uint64_t *entry);

/** Record key for entry `entry`, inside the open batch (so it commits or
 *  rolls back with the entry). WB_ERR_INVAL without an open batch. */
WB_API WB_NODISCARD wb_err wb_site_msgkey_put(struct wb_site *s,
                                              const uint8_t key[32],
                                              uint64_t entry);

/* ---- work owed on entries --------------------------------------------------
 * A consumer that must act on an entry after the batch that logs it (the
 * daemon's models, run on ingested records in a batch of their own) notes
 * the entry in that batch and clears it in the batch that logs the result.
 * A crash between the two leaves the entry owed, to be done on restart,
 * rather than forgotten. A consumer is a name of 1..WB_PENDING_CONSUMER_MAX
 * bytes. */

#define WB_PENDING_CONSUMER_MAX 256

/** Note that consumer owes work on entry, inside the open batch (noting
 *  it twice is noting it once). WB_ERR_INVAL without a batch or with a bad
 *  consumer name, WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_site_pending_add(struct wb_site *s,
                                               const char *consumer,
                                               uint64_t entry);

/** Clear consumer's owed work on entries first..last (inclusive; one
 *  range delete, so a run of entries done together costs about one),
 *  inside the open batch; entries in the range not owed are no error.
 *  WB_ERR_INVAL as for add or when first > last, WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_site_pending_done(struct wb_site *s,
                                                const char *consumer,
                                                uint64_t first,
                                                uint64_t last);

/** At most max entries consumer owes work on, from entry `from` on, in
 *  index order, into out (*n of them; fewer than max means no more).
 *  Sees the open batch. WB_ERR_INVAL on a bad name, WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_site_pending_list(struct wb_site *s,
                                                const char *consumer,
                                                uint64_t from,
                                                uint64_t *out,
                                                size_t max,
                                                size_t *n);

/* A consumer's owed work, as wb_site_pending_owed lists it. */
struct wb_pending_owed {
    char consumer[WB_PENDING_CONSUMER_MAX + 1];
    uint64_t count;       /* entries owed */
    uint64_t first, last; /* the lowest and highest of them */
};

/** At most max consumers that owe work, by name, into out (*n of them).
 *  Sees the open batch. WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_site_pending_owed(struct wb_site *s,
                                                struct wb_pending_owed *out,
                                                size_t max,
                                                size_t *n);

/* ---- erasure and self-check ------------------------------------------------
 */

/** False for the kinds whose entries are kept whole (and for NULL):
 *  "erasure", the registers' kinds "model", "consent", "server",
 *  "policy" (superseded by new versions, never erased) and "maint" (the
 *  remote-maintenance log), and "device" (the key its records are
 *  checked with). */
WB_API bool wb_kind_erasable(const char *kind);

/** Erase entry index's payload, salt and device token for good (secure
 *  delete, WAL truncated) and log an "erasure" entry citing the reason and
 *  the erased leaf hash; *erasure (may be NULL) gets its index.
 *  WB_ERR_NOTFOUND, WB_ERR_EXISTS (already erased or nothing to erase),
 *  WB_ERR_INVAL (empty reason, or a kind that is kept:
 *  wb_kind_erasable). */
WB_API WB_NODISCARD wb_err wb_site_erase(struct wb_site *s,
                                         uint64_t index,
                                         const char *reason,
                                         uint64_t *erasure);

/** Erase several entries as wb_site_erase does, in one transaction (all
 *  or none) and one WAL truncation; each gets its own erasure entry,
 *  logged in the order given; *first (may be NULL) gets the index of the
 *  first. Errors as wb_site_erase, naming the entry. */
WB_API WB_NODISCARD wb_err wb_site_erase_many(struct wb_site *s,
                                              const uint64_t *indexes,
                                              size_t count,
                                              const char *reason,
                                              uint64_t *first);

/* Called with an entry's log index and leaf bytes (valid during the call
 * only); a non-OK return stops the walk and is returned. */
typedef wb_err (*wb_leaf_fn)(void *ctx,
                             uint64_t index,
                             const uint8_t *leaf,
                             size_t leaf_len);

/** Call fn for every entry that still holds a payload or device token
 *  (erasure entries excluded), in index order, in one read transaction.
 *  No batch may be open (WB_ERR_BUSY). WB_ERR_DB. */
WB_API WB_NODISCARD wb_err wb_site_walk_erasable(struct wb_site *s,
                                                 wb_leaf_fn fn,
                                                 void *ctx);

struct wb_verify_report {
    uint64_t entries;     /* entries checked */
    uint64_t payloads;    /* commitments checked */
    uint64_t erased;      /* entries whose payload was erased (and logged) */
    uint64_t checkpoints; /* stored checkpoints checked */
    int64_t first_bad;    /* index of the first bad entry, or -1 */
    char what[512];       /* what was wrong there */
};

/** Check every stored payload against its salted commitment, every leaf
 *  against the stored tree, the root, and every stored checkpoint's root
 *  and signature. WB_OK when all hold; WB_ERR_VERIFY with the first bad
 *  entry in r otherwise; other errors for I/O. */
WB_API WB_NODISCARD wb_err wb_site_verify(struct wb_site *s,
                                          struct wb_verify_report *r);

#endif
