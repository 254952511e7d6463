#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Make a waybill token with independent code (cbor2 + cryptography).

usage: cose_make.py VERIFIER_KEY_OUT TOKEN_OUT

Generates an Ed25519 key, writes its signed-note verifier key text
"name+hex8+base64(0x01||pk)" to VERIFIER_KEY_OUT, and writes to TOKEN_OUT a
tagged COSE_Sign1 with protected header {1: -8, 4: key id}, empty
unprotected header, and claims encoded by cbor2 in canonical form as the
payload. The C side must verify and decode it.
"""

import base64
import hashlib
import sys

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

NAME = "py-interop.example"

# Fixed claims; test_token_interop.c checks these values.
CLAIMS = {
    1: NAME,
    2: "py-device-1",
    6: 1767225600,
    7: bytes(range(1, 17)),
    265: "urn:waybill:token:1",
    -65537: "record",
    -65538: [-16, hashlib.sha256(b"salt" + b"payload").digest()],
    -65539: ["maintenance", "quality-control"],
    -65540: ["consent-7", 3],
    -65541: "JP",
    -65542: "non-personal",
    -65546: ["JP", "DE"],
    -65547: "application/cbor",
    -65548: 123456789,
}


def main(argv):
    if len(argv) != 3:
        print("usage: cose_make.py VERIFIER_KEY_OUT TOKEN_OUT", file=sys.stderr)
        return 2
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    typed = b"\x01" + pk
    key_id = hashlib.sha256(NAME.encode() + b"\n" + typed).digest()[:4]
    vkey = "%s+%s+%s" % (NAME, key_id.hex(), base64.b64encode(typed).decode())

    payload = cbor2.dumps(CLAIMS, canonical=True)
    protected = cbor2.dumps({1: -8, 4: key_id}, canonical=True)
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    sig = sk.sign(tbs)
    token = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, sig]))

    with open(argv[1], "w") as f:
        f.write(vkey + "\n")
    with open(argv[2], "wb") as f:
        f.write(token)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
