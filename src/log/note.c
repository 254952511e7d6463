/* SPDX-License-Identifier: Apache-2.0 */
/* C2SP signed-note: the envelope (text, blank line, "— name base64" lines),
 * strict parsing, Ed25519 signature verification by key name and id, and
 * signing. The note text itself is interpreted elsewhere (checkpoint.c). */
#include <string.h>

#include "log/log_int.h"

/* "— " : U+2014 EM DASH and a space, the start of every signature line. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN (sizeof sig_prefix - 1)

/* Decode one UTF-8 sequence at s (len > 0); returns its length and the code
 * point, or 0 when it is malformed, overlong, a surrogate or too large. */
static size_t
utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n;
    uint32_t c = s[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return n;
}

size_t
wb__log_text_check(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t n = utf8_next(s + i, len - i, &cp);
        if (n == 0 || (cp < 0x20 && cp != '\n') || cp == 0x7f) {
            return i;
        }
        i += n;
    }
    return len;
}

/* Unicode White_Space (what Go's unicode.IsSpace accepts). */
static bool
is_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 ||
           cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
           cp == 0x3000;
}

/* signed-note key names: non-empty, no Unicode space, no '+'. */
static bool
name_ok(const char *name, size_t len)
{
    const uint8_t *s = (const uint8_t *)name;
    size_t i = 0;

    if (len == 0 || len > WB_KEY_NAME_MAX) {
        return false;
    }
    while (i < len) {
        uint32_t cp = 0;
        size_t n = utf8_next(s + i, len - i, &cp);
        if (n == 0 || is_space(cp) || cp == '+') {
            return false;
        }
        i += n;
    }
    return true;
}

/* 1-based line number of byte offset off in text. */
static unsigned
line_of(const char *text, size_t off)
{
    unsigned line = 1;

    for (size_t i = 0; i < off; i++) {
        line += text[i] == '\n';
    }
    return line;
}

/* Does the signature line's key (name, id) belong to v? */
static bool
is_key_of(const struct wb_verifier *v,
          const char *name,
          size_t name_len,
          const uint8_t *id)
{
    const char *vname = wb_verifier_name(v);
    uint8_t vid[WB_KEY_ID_BYTES];

    wb_verifier_key_id(v, vid);
    return strlen(vname) == name_len && memcmp(vname, name, name_len) == 0 &&
           memcmp(vid, id, WB_KEY_ID_BYTES) == 0;
}

/* Parse one signature line (without its '\n') and, if it is by v, verify
 * it over body. *verified is incremented for a good signature of v. */
static wb_err
check_sig_line(const char *line,
               size_t len,
               unsigned lineno,
               const struct wb_verifier *v,
               const char *body,
               size_t body_len,
               unsigned *verified)
{
    const char *name, *sp, *b64;
    size_t name_len;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    wb_err rc = WB_OK;

    if (len < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0) {
        return wb__err(WB_ERR_FORMAT,
                       "note line %u: signature line must start with "
                       "\"\xe2\x80\x94 \"",
                       lineno);
    }
    name = line + SIG_PREFIX_LEN;
    sp = memchr(name, ' ', len - SIG_PREFIX_LEN);
    if (sp == NULL || sp + 1 == line + len) {
        return wb__err(WB_ERR_FORMAT,
                       "note line %u: expected key name, space, base64 "
                       "signature",
                       lineno);
    }
    name_len = (size_t)(sp - name);
    if (!name_ok(name, name_len)) {
        return wb__err(WB_ERR_FORMAT, "note line %u: bad key name", lineno);
    }
    b64 = sp + 1;
    rc = wb_base64_decode(b64, (size_t)(line + len - b64), &sig, &sig_len);
    if (rc == WB_ERR_NOMEM) {
        goto out;
    }
    if (rc != WB_OK || sig_len < WB_KEY_ID_BYTES + 1) {
        rc = wb__err(WB_ERR_FORMAT,
                     "note line %u: signature is not base64 "
                     "of a key id and a signature",
                     lineno);
        goto out;
    }
    if (!is_key_of(v, name, name_len, sig)) {
        goto out; /* unknown key: ignored, as signed-note requires (rc OK) */
    }
    if (wb_verifier_verify(v, (const uint8_t *)body, body_len,
                           sig + WB_KEY_ID_BYTES,
                           sig_len - WB_KEY_ID_BYTES) != WB_OK) {
        rc = wb__err(WB_ERR_BADSIG,
                     "note line %u: signature by %.*s does not verify", lineno,
                     (int)name_len, name);
        goto out;
    }
    (*verified)++;
out:
    wb__free(sig);
    return rc;
}

/* Find the blank line that separates text and signatures (the last one),
 * checking that a non-empty signature block ending in '\n' follows. */
static wb_err
split_note(const char *text, size_t len, size_t *body_len)
{
    size_t i;

    if (len < 2) {
        return wb__err(WB_ERR_FORMAT, "note: too short");
    }
    for (i = len - 1; i-- > 0;) {
        if (text[i] == '\n' && text[i + 1] == '\n') {
            break;
        }
    }
    if (i == SIZE_MAX) {
        return wb__err(WB_ERR_FORMAT,
                       "note: no blank line before the signatures");
    }
    if (i + 2 == len) {
        return wb__err(WB_ERR_FORMAT, "note line %u: no signature lines",
                       line_of(text, len));
    }
    if (text[len - 1] != '\n') {
        return wb__err(WB_ERR_FORMAT,
                       "note line %u: signature line does not end with a "
                       "newline",
                       line_of(text, len));
    }
    *body_len = i + 1;
    return WB_OK;
}

wb_err
wb__log_note_open(const char *text,
                  size_t len,
                  const struct wb_verifier *v,
                  const char **body,
                  size_t *body_len)
{
    size_t bad, blen = 0, pos;
    unsigned lineno, nsigs = 0, verified = 0;
    wb_err rc;

    *body = NULL;
    *body_len = 0;
    if (text == NULL || v == NULL) {
        return wb__err(WB_ERR_INVAL, "note: NULL argument");
    }
    if (wb_verifier_alg(v) != WB_ALG_EDDSA) {
        return wb__err(WB_ERR_INVAL, "note: verifier is not an Ed25519 key");
    }
    if (len > WB_NOTE_MAX_BYTES) {
        return wb__err(WB_ERR_TOOBIG, "note: %zu bytes, more than %d", len,
                       WB_NOTE_MAX_BYTES);
    }
    bad = wb__log_text_check((const uint8_t *)text, len);
    if (bad != len) {
        return wb__err(WB_ERR_FORMAT,
                       "note line %u: invalid UTF-8 or control character",
                       line_of(text, bad));
    }
    rc = split_note(text, len, &blen);
    if (rc != WB_OK) {
        return rc;
    }
    pos = blen + 1;
    lineno = line_of(text, pos);
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = (size_t)(nl - (text + pos));
        if (++nsigs > WB_NOTE_MAX_SIGS) {
            return wb__err(WB_ERR_FORMAT, "note: more than %d signatures",
                           WB_NOTE_MAX_SIGS);
        }
        rc = check_sig_line(text + pos, line_len, lineno, v, text, blen,
                            &verified);
        if (rc != WB_OK) {
            return rc;
        }
        pos += line_len + 1;
        lineno++;
    }
    if (verified == 0) {
        return wb__err(WB_ERR_BADSIG, "note: no signature by key %s",
                       wb_verifier_name(v));
    }
    *body = text;
    *body_len = blen;
    return WB_OK;
}

wb_err
wb__log_note_sign(const char *body,
                  size_t body_len,
                  const struct wb_signer *s,
                  char **out)
{
    uint8_t blob[WB_KEY_ID_BYTES + WB_SIG_MAX_BYTES];
    size_t sig_len = 0;
    char *b64 = NULL;
    struct wb__buf b;
    wb_err rc;

    *out = NULL;
    wb__buf_init(&b, WB_NOTE_MAX_BYTES);
    if (wb_signer_alg(s) != WB_ALG_EDDSA) {
        return wb__err(WB_ERR_INVAL, "note: signer is not an Ed25519 key");
    }
    if (body_len == 0 || body[body_len - 1] != '\n' ||
        wb__log_text_check((const uint8_t *)body, body_len) != body_len) {
        return wb__err(WB_ERR_INVAL, "note: text must be UTF-8 without "
                                     "control characters, ending in newline");
    }
    wb_signer_key_id(s, blob);
    rc = wb_signer_sign(s, (const uint8_t *)body, body_len,
                        blob + WB_KEY_ID_BYTES, &sig_len);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb_base64_encode(blob, WB_KEY_ID_BYTES + sig_len, &b64);
    if (rc != WB_OK) {
        goto out;
    }
    rc = wb__buf_append(&b, body, body_len);
    if (rc == WB_OK) {
        rc = wb__buf_printf(&b, "\n%s%s %s\n", sig_prefix, wb_signer_name(s),
                            b64);
    }
    if (rc == WB_OK) {
        rc = wb__buf_cstr(&b);
    }
    if (rc == WB_OK) {
        *out = (char *)wb__buf_take(&b, NULL);
    }
out:
    wb__free(b64);
    wb__buf_clear(&b);
    return rc;
}
