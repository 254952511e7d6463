/* SPDX-License-Identifier: Apache-2.0 */
/* The overseas server registry: the curl key pin of a certificate. */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>

#include <waybill/crypto.h>
#include <waybill/server.h>

#include "govern/govern_int.h"

#define PEM_MAX (1024 * 1024)

wb_err
wb_server_pin_from_pem(const char *pem,
                       size_t len,
                       char pin[WB_SERVER_PIN_MAX + 1])
{
    uint8_t digest[WB_HASH_BYTES];
    unsigned char *der = NULL;
    X509 *cert = NULL;
    BIO *bio = NULL;
    char *b64 = NULL;
    int der_len;
    wb_err rc = WB_OK;

    pin[0] = '\0';
    if (len > PEM_MAX) {
        return wb__err(WB_ERR_TOOBIG, "certificate: more than %d bytes",
                       PEM_MAX);
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) {
        rc = WB_ERR_NOMEM;
        goto out;
    }
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (cert == NULL) {
        rc = wb__err(WB_ERR_FORMAT,
                     "certificate: no PEM X.509 certificate found");
        goto out;
    }
    der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (der_len <= 0) {
        rc = wb__err(WB_ERR_FORMAT, "certificate: cannot encode its public "
                                    "key");
        goto out;
    }
    wb_sha256(der, (size_t)der_len, digest);
    rc = wb_base64_encode(digest, sizeof digest, &b64);
    if (rc == WB_OK) {
        snprintf(pin, WB_SERVER_PIN_MAX + 1, "%s%s", WB_SERVER_PIN_PREFIX, b64);
    }
out:
    ERR_clear_error();
    wb__free(b64);
    OPENSSL_free(der);
    X509_free(cert);
    BIO_free(bio);
    return rc;
}
