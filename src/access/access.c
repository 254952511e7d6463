/* SPDX-License-Identifier: Apache-2.0 */
/* API keys and client certificates: creation, listing, revocation and
 * authentication. A key is 32 random bytes shown once; the store keeps
 * only their SHA-256, compared in constant time. */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include <waybill/access.h>

#include "core/core_int.h"
#include "store/store_int.h"

#define KEY_PREFIX     "wbk_"
#define SECRET_BYTES   32
#define SECRET_B64_LEN 43
#define PEM_MAX        65536

static const struct {
    enum wb_access_role role;
    const char *name;
} roles[] = {
    {WB_ACCESS_OPERATOR, "operator"},     {WB_ACCESS_COMPLIANCE, "compliance"},
    {WB_ACCESS_MAINTAINER, "maintainer"}, {WB_ACCESS_AUDITOR, "auditor"},
    {WB_ACCESS_ADMIN, "admin"},
};

const char *
wb_access_role_name(enum wb_access_role r)
{
    if (r == WB_ACCESS_NONE) {
        return "none";
    }
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        if (roles[i].role == r) {
            return roles[i].name;
        }
    }
    return "?";
}

wb_err
wb_access_role_parse(const char *name, enum wb_access_role *r)
{
    *r = WB_ACCESS_NONE;
    for (size_t i = 0; name != NULL && i < sizeof roles / sizeof roles[0];
         i++) {
        if (strcmp(roles[i].name, name) == 0) {
            *r = roles[i].role;
            return WB_OK;
        }
    }
    return wb__err(WB_ERR_INVAL,
                   "role: \"%s\" is not one of operator, compliance, "
                   "maintainer, auditor, admin",
                   name ? name : "");
}

/* Fill the common fields of a new row: fresh id, role, name, now. */
static wb_err
new_row(enum wb_access_role r, const char *name, struct wb_apikey *k)
{
    uint8_t id[WB_APIKEY_ID_LEN / 2];
    size_t n = name ? strlen(name) : 0;

    memset(k, 0, sizeof *k);
    if (strcmp(wb_access_role_name(r), "?") == 0 || r == WB_ACCESS_NONE) {
        return wb__err(WB_ERR_INVAL, "role: not a role");
    }
    if (n > WB_APIKEY_NAME_MAX) {
        return wb__err(WB_ERR_INVAL, "name: longer than %d bytes",
                       WB_APIKEY_NAME_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            return wb__err(WB_ERR_INVAL, "name: control character");
        }
    }
    wb_random(id, sizeof id);
    wb_hex_encode(id, sizeof id, k->id);
    k->role = r;
    if (n > 0) {
        memcpy(k->name, name, n + 1);
    }
    k->created = (int64_t)time(NULL);
    return WB_OK;
}

wb_err
wb_apikey_create(struct wb_site *s,
                 enum wb_access_role r,
                 const char *name,
                 char key[WB_APIKEY_TEXT_MAX + 1],
                 struct wb_apikey *out)
{
    uint8_t secret[SECRET_BYTES];
    uint8_t hash[WB_HASH_BYTES];
    char b64[SECRET_B64_LEN + 1];
    struct wb_apikey k;
    wb_err rc;

    key[0] = '\0';
    rc = new_row(r, name, &k);
    if (rc != WB_OK) {
        return rc;
    }
    wb_random(secret, sizeof secret);
    wb_sha256(secret, sizeof secret, hash);
    sodium_bin2base64(b64, sizeof b64, secret, sizeof secret,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    rc = wb__db_apikey_put(wb__site_db(s), &k, hash);
    if (rc == WB_OK) {
        snprintf(key, WB_APIKEY_TEXT_MAX + 1, KEY_PREFIX "%s_%s", k.id, b64);
        if (out != NULL) {
            *out = k;
        }
    }
    wb_wipe(secret, sizeof secret);
    wb_wipe(b64, sizeof b64);
    return rc;
}

/* SHA-256 of the DER of the first certificate in pem. */
static wb_err
cert_fingerprint(const char *pem, size_t len, uint8_t out[WB_HASH_BYTES])
{
    BIO *bio = NULL;
    X509 *x = NULL;
    unsigned n = 0;
    wb_err rc = WB_OK;

    if (len > PEM_MAX) {
        return wb__err(WB_ERR_TOOBIG, "certificate: more than %d bytes",
                       PEM_MAX);
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) {
        return WB_ERR_NOMEM;
    }
    x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (x == NULL || X509_digest(x, EVP_sha256(), out, &n) != 1 ||
        n != WB_HASH_BYTES) {
        rc = wb__err(WB_ERR_FORMAT, "certificate: no PEM X.509 certificate");
    }
    X509_free(x);
    BIO_free(bio);
    return rc;
}

wb_err
wb_apikey_add_cert(struct wb_site *s,
                   enum wb_access_role r,
                   const char *name,
                   const char *pem,
                   size_t pem_len,
                   struct wb_apikey *out)
{
    struct wb_apikey k;
    wb_err rc = new_row(r, name, &k);

    if (rc == WB_OK) {
        rc = cert_fingerprint(pem, pem_len, k.cert_sha256);
    }
    if (rc == WB_OK) {
        k.is_cert = true;
        rc = wb__db_apikey_put(wb__site_db(s), &k, NULL);
    }
    if (rc == WB_OK && out != NULL) {
        *out = k;
    }
    return rc;
}

wb_err
wb_apikey_list(struct wb_site *s, struct wb_apikey **out, size_t *count)
{
    return wb__db_apikey_list(wb__site_db(s), out, count);
}

wb_err
wb_apikey_revoke(struct wb_site *s, const char *id)
{
    return wb__db_apikey_revoke(wb__site_db(s), id, (int64_t)time(NULL));
}

/* Split key text into its id and secret; false when malformed. */
static bool
parse_key(const char *key,
          size_t len,
          char id[WB_APIKEY_ID_LEN + 1],
          uint8_t secret[SECRET_BYTES])
{
    const size_t pre = sizeof KEY_PREFIX - 1;
    size_t bin_len = 0;

    if (len != WB_APIKEY_TEXT_MAX || memcmp(key, KEY_PREFIX, pre) != 0 ||
        key[pre + WB_APIKEY_ID_LEN] != '_') {
        return false;
    }
    for (size_t i = 0; i < WB_APIKEY_ID_LEN; i++) {
        char ch = key[pre + i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
            return false;
        }
        id[i] = ch;
    }
    id[WB_APIKEY_ID_LEN] = '\0';
    return sodium_base642bin(secret, SECRET_BYTES,
                             key + pre + WB_APIKEY_ID_LEN + 1, SECRET_B64_LEN,
                             NULL, &bin_len, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
           bin_len == SECRET_BYTES;
}

wb_err
wb_apikey_check(struct wb_site *s,
                const char *key,
                size_t len,
                struct wb_apikey *out)
{
    uint8_t secret[SECRET_BYTES];
    uint8_t hash[WB_HASH_BYTES];
    uint8_t stored[WB_HASH_BYTES];
    char id[WB_APIKEY_ID_LEN + 1];
    struct wb_apikey k;
    wb_err rc;

    memset(out, 0, sizeof *out);
    if (!parse_key(key, len, id, secret)) {
        return wb__err(WB_ERR_DENIED, "malformed API key");
    }
    wb_sha256(secret, sizeof secret, hash);
    wb_wipe(secret, sizeof secret);
    rc = wb__db_apikey_get(wb__site_db(s), id, &k, stored);
    if (rc == WB_ERR_NOTFOUND) {
        return wb__err(WB_ERR_DENIED, "unknown API key");
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (k.is_cert || sodium_memcmp(hash, stored, sizeof hash) != 0) {
        return wb__err(WB_ERR_DENIED, "wrong API key");
    }
    if (k.revoked != 0) {
        return wb__err(WB_ERR_DENIED, "API key %s is revoked", k.id);
    }
    *out = k;
    return WB_OK;
}

wb_err
wb_apikey_check_cert(struct wb_site *s,
                     const uint8_t sha256[32],
                     struct wb_apikey *out)
{
    struct wb_apikey k;
    wb_err rc = wb__db_apikey_by_cert(wb__site_db(s), sha256, &k);

    memset(out, 0, sizeof *out);
    if (rc == WB_ERR_NOTFOUND) {
        return wb__err(WB_ERR_DENIED, "client certificate not registered");
    }
    if (rc != WB_OK) {
        return rc;
    }
    if (k.revoked != 0) {
        return wb__err(WB_ERR_DENIED, "client certificate %s is revoked", k.id);
    }
    *out = k;
    return WB_OK;
}
