#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Verify a waybill token with independent code (cbor2 + cryptography).

usage: cose_verify.py VERIFIER_KEY_FILE TOKEN_FILE [--kid HEX]

VERIFIER_KEY_FILE holds signed-note verifier key text
"name+hex8+base64(0x01||pk)". The token must be a tagged (18) COSE_Sign1
with alg EdDSA (-8) in the protected header; the Sig_structure is rebuilt
from the protected bytes as received; the payload must be claims in
deterministic CBOR. Prints a JSON summary; exits 0 if valid, 1 if not,
2 on usage errors.
"""

import base64
import hashlib
import io
import json
import sys

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EAT_PROFILE = "urn:waybill:token:1"
ALG_EDDSA = -8
KNOWN_LABELS = {
    1: "iss", 2: "sub", 6: "iat", 7: "cti", 265: "eat_profile",
    -65537: "kind", -65538: "payload", -65539: "purposes",
    -65540: "consent", -65541: "jurisdiction", -65542: "class",
    -65543: "rights", -65544: "parents", -65545: "model",
    -65546: "residency", -65547: "media", -65548: "time_ns",
    -65549: "devsig",
}


class Invalid(Exception):
    pass


def load_verifier_key(text):
    parts = text.strip().split("+", 2)  # base64 may hold "+"
    if len(parts) != 3:
        raise Invalid("verifier key: want name+hex8+base64")
    name, hex8, b64 = parts
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 0x01:
        raise Invalid("verifier key: not an Ed25519 (type 1) key")
    pk = raw[1:]
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != hex8.lower():
        raise Invalid("verifier key: key id does not match")
    return name, key_id, pk


def loads_exact(data):
    """One CBOR item that uses every byte."""
    fp = io.BytesIO(data)
    obj = cbor2.CBORDecoder(fp).decode()
    if fp.tell() != len(data):
        raise Invalid("trailing bytes after CBOR item")
    return obj


def jsonable(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    return v


def check_claims(payload):
    claims = loads_exact(payload)
    if not isinstance(claims, dict):
        raise Invalid("claims are not a map")
    if cbor2.dumps(claims, canonical=True) != payload:
        raise Invalid("claims are not deterministic CBOR")
    for label in claims:
        if label not in KNOWN_LABELS:
            raise Invalid("unknown claim label %r" % (label,))
    for need in (1, 6, 7, 265, -65537):
        if need not in claims:
            raise Invalid("missing claim %s" % KNOWN_LABELS[need])
    if claims[265] != EAT_PROFILE:
        raise Invalid("wrong eat_profile")
    if not isinstance(claims[1], str) or not isinstance(claims[7], bytes):
        raise Invalid("iss or cti of the wrong type")
    if not isinstance(claims[6], int) or claims[6] < 0:
        raise Invalid("iat is not a non-negative integer")
    if -65538 in claims:
        p = claims[-65538]
        if (not isinstance(p, list) or len(p) != 2 or p[0] != -16
                or not isinstance(p[1], bytes) or len(p[1]) != 32):
            raise Invalid("payload commitment is not [-16, bstr32]")
    return {KNOWN_LABELS[k]: jsonable(v) for k, v in claims.items()}


def verify(key_text, token, want_kid):
    name, key_id, pk = load_verifier_key(key_text)
    tok = loads_exact(token)
    if not isinstance(tok, cbor2.CBORTag) or tok.tag != 18:
        raise Invalid("not a tagged (18) COSE_Sign1")
    msg = tok.value
    if not isinstance(msg, list) or len(msg) != 4:
        raise Invalid("COSE_Sign1 is not an array of 4")
    protected, unprotected, payload, sig = msg
    if not isinstance(protected, bytes) or not isinstance(unprotected, dict):
        raise Invalid("bad header types")
    if not isinstance(payload, bytes) or not isinstance(sig, bytes):
        raise Invalid("payload or signature is not a byte string")
    hdr = loads_exact(protected) if protected else {}
    if not isinstance(hdr, dict) or hdr.get(1) != ALG_EDDSA:
        raise Invalid("protected header lacks alg EdDSA (-8)")
    kid = hdr.get(4, unprotected.get(4))
    if want_kid is not None and (kid is None or kid.hex() != want_kid):
        raise Invalid("kid does not match")
    # The Sig_structure from the protected bytes exactly as received.
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, tbs)
    except InvalidSignature:
        raise Invalid("signature does not verify")
    return {
        "ok": True,
        "key": name,
        "alg": hdr[1],
        "kid": kid.hex() if isinstance(kid, bytes) else None,
        "claims": check_claims(payload),
    }


def main(argv):
    args = argv[1:]
    want_kid = None
    if len(args) == 4 and args[2] == "--kid":
        want_kid = args[3].lower()
        args = args[:2]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        with open(args[0]) as f:
            key_text = f.read()
        with open(args[1], "rb") as f:
            token = f.read()
        summary = verify(key_text, token, want_kid)
    except (Invalid, ValueError, TypeError, KeyError, EOFError,
            cbor2.CBORDecodeError) as e:
        print(json.dumps({"ok": False, "error": str(e)}))
        return 1
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
