#!/usr/bin/python3
"""Model packages checked and made by an independent implementation
(python3-cryptography's Ed25519, hashlib's SHA-256), as docs/infer.md
specifies them; nothing here calls waybill.

  model_sig.py check VKEY DIR   verify DIR's manifest.sig with the vendor
                                verifier key VKEY and every listed file's
                                size and SHA-256; print the package digest.
                                Exit 1 when anything does not verify.
  model_sig.py make SPEC MODEL DIR NAME [--no-prefix]
                                write a signed package DIR for SPEC (a
                                manifest without "files") and MODEL with a
                                fresh key named NAME; print its verifier key.
                                With --no-prefix the signature is over the
                                manifest bytes alone (must be refused).
"""
import base64
import hashlib
import json
import os
import shutil
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)

PREFIX = b"waybill-model-manifest/1\n"
DASH = "\u2014"


def key_id(name, pk):
    return hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]


def fail(msg):
    print("model_sig: " + msg, file=sys.stderr)
    sys.exit(1)


def check(vkey_path, pkg):
    name, hex8, b64 = open(vkey_path).read().strip().split("+", 2)
    raw = base64.b64decode(b64)
    if len(raw) != 33 or raw[0] != 1:
        fail("verifier key is not an Ed25519 signed-note key")
    pk = raw[1:]
    if key_id(name, pk).hex() != hex8:
        fail("verifier key id does not match its name and key")
    manifest = open(os.path.join(pkg, "manifest.json"), "rb").read()
    line = open(os.path.join(pkg, "manifest.sig"), encoding="utf-8").read()
    if not line.endswith("\n") or line.count("\n") != 1:
        fail("manifest.sig is not one line")
    dash, signer, sig64 = line[:-1].split(" ")
    if dash != DASH or signer != name:
        fail("manifest.sig is not a line for key %r" % name)
    sig = base64.b64decode(sig64, validate=True)
    if len(sig) != 68 or sig[:4] != key_id(name, pk):
        fail("manifest.sig: wrong key id or length")
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig[4:],
                                                      PREFIX + manifest)
    except InvalidSignature:
        fail("manifest.sig does not verify over manifest.json")
    m = json.loads(manifest)
    if m["model_file"] not in [f["path"] for f in m["files"]]:
        fail("model_file is not listed in files")
    for f in m["files"]:
        data = open(os.path.join(pkg, f["path"]), "rb").read()
        if len(data) != f["bytes"] or hashlib.sha256(data).hexdigest() != f[
                "sha256"]:
            fail("%s: digest mismatch" % f["path"])
    print("ok", hashlib.sha256(manifest).hexdigest())


def make(spec_path, model, pkg, name, prefix=True):
    spec = json.load(open(spec_path))
    data = open(model, "rb").read()
    spec["files"] = [{"path": spec["model_file"],
                      "sha256": hashlib.sha256(data).hexdigest(),
                      "bytes": len(data)}]
    os.makedirs(pkg)
    shutil.copyfile(model, os.path.join(pkg, spec["model_file"]))
    # not waybill's own layout (indented, keys in the spec's order): the
    # signature covers the bytes as stored, whatever their layout
    manifest = (json.dumps(spec, indent=2, ensure_ascii=False) +
                "\n").encode("utf-8")
    open(os.path.join(pkg, "manifest.json"), "wb").write(manifest)
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw,
                                      serialization.PublicFormat.Raw)
    kid = key_id(name, pk)
    sig = sk.sign((PREFIX if prefix else b"") + manifest)
    with open(os.path.join(pkg, "manifest.sig"), "w", encoding="utf-8") as f:
        f.write("%s %s %s\n" % (DASH, name,
                                base64.b64encode(kid + sig).decode()))
    print("%s+%s+%s" % (name, kid.hex(),
                        base64.b64encode(b"\x01" + pk).decode()))


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "check":
        check(a[1], a[2])
    elif a[:1] == ["make"] and (len(a) == 5 or
                                (len(a) == 6 and a[5] == "--no-prefix")):
        make(a[1], a[2], a[3], a[4], prefix=len(a) == 5)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
