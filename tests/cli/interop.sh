#!/usr/bin/env bash
# What the command line exports, checked by independent implementations as
# an auditor would: tokens and model packages by python3-cbor2 +
# python3-cryptography, and
# checkpoints, inclusion and consistency proofs by Go's
# golang.org/x/mod/sumdb/note and tlog.
. "$(dirname "$0")/lib.bash"
cd "$T"
PY=/usr/bin/python3

W init --origin interop.waybill.example/plant-3 >/dev/null
W device add press-1 >/dev/null
$PY -c '
for i in range(300): print("{\"ts\":\"%d.%09d\",\"device\":\"press-1\",\"v\":%d}" % (1795000000 + i, i * 1000003 % 10**9, i))' > d.jsonl
W ingest --purpose predictive-maintenance --jurisdiction DE d.jsonl >/dev/null
W key > site.vkey
W checkpoint --size 100 > cp100
W checkpoint > cp301

# nanosecond time survives the string form of ts
expect 0 W --json show 8   # entry 0 registers the device
has "$T/out" '"time_ns": 7000021'

# tokens: the independent decoder verifies signature, tag, canonical claims
for i in 1 150 300; do
    W token "$i" --out "tok$i"
    expect 0 $PY "$WB_SRC/tests/interop/cose_verify.py" site.vkey "tok$i"
    has "$T/out" '"iss": "interop.waybill.example/plant-3"'
done
cp tok150 bad.tok
flip bad.tok 40
expect 1 $PY "$WB_SRC/tests/interop/cose_verify.py" site.vkey bad.tok

# a disclosed payload and its salt open the leaf's commitment, checked by
# python3-cbor2 and hashlib alone (label -65538: [-16, sha256(salt || payload)])
W leaf 150 --out leaf150
W payload 150 --out pay150 > pay150.txt
salt=$(sed -n 's/^salt //p' pay150.txt)
cat > opens.py <<'PY'
import cbor2, hashlib, sys
claims = cbor2.loads(open(sys.argv[1], "rb").read())
alg, h = claims[-65538]
salt = bytes.fromhex(sys.argv[3])
print(alg, hashlib.sha256(salt + open(sys.argv[2], "rb").read()).digest() == h)
PY
expect 0 $PY opens.py leaf150 pay150 "$salt"
same "$(cat "$T/out")" "-16 True" "python opens the commitment"
printf ' ' >>pay150
expect 0 $PY opens.py leaf150 pay150 "$salt"
same "$(cat "$T/out")" "-16 False" "python: a changed payload does not"

# model packages: a waybill-signed package checked by python3-cryptography
# and hashlib; a package python made and signed (its manifest laid out its
# own way) verified and registered by waybill, with the same digest
M="$WB_SRC/tests/models"
export WAYBILL_PROFILES="$WB_SRC/profiles"
W keygen --name vendor.example --out vendor.key > vendor.vkey
W model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out pkg >/dev/null
W model sign pkg --key-file vendor.key >/dev/null
expect 0 $PY "$WB_SRC/tests/interop/model_sig.py" check vendor.vkey pkg
has "$T/out" "ok $(sha256sum pkg/manifest.json | cut -c1-64)"
cp -r pkg pkg-flipped
flip pkg-flipped/bearing-risk.ubj 100
expect 1 $PY "$WB_SRC/tests/interop/model_sig.py" check vendor.vkey pkg-flipped
has "$T/err" "model_sig: bearing-risk.ubj: digest mismatch"
W keygen --name other.example --out other.key > other.vkey
expect 1 $PY "$WB_SRC/tests/interop/model_sig.py" check other.vkey pkg
has "$T/err" "manifest.sig is not a line for key 'other.example'"

expect 0 $PY "$WB_SRC/tests/interop/model_sig.py" make "$M/bearing-risk.spec.json" \
    "$M/bearing-risk.ubj" pypkg py-vendor.example
cp "$T/out" py.vkey
expect 0 W model verify pypkg --key "$(cat py.vkey)"
has "$T/out" "ok: bearing-risk@1.0.0 signed by py-vendor.example, 1 file(s) match"
expect 1 W model verify pypkg --key "$(cat vendor.vkey)"
has "$T/err" 'signed by key "py-vendor.example"'
expect 0 W model register pypkg --vendor-key py.vkey
expect 0 W --json model show bearing-risk@1.0.0
same "$(js 'd["digest"]')" "$(sha256sum pypkg/manifest.json | cut -c1-64)" \
    "the package digest is SHA-256 of the manifest bytes as signed"
# the log holds the signed manifest and signature: with the site's copy of
# the file they are the package again, and verify on their own
entry=$(js 'd["entry"]')
mkdir logged
cp site/models/bearing-risk@1.0.0/bearing-risk.ubj logged/
W --json show "$entry" | $PY -c '
import json, sys
d = json.load(sys.stdin)["payload"]
open("logged/manifest.json", "wb").write(d["manifest"].encode())
open("logged/manifest.sig", "wb").write(d["signature"].encode())'
expect 0 $PY "$WB_SRC/tests/interop/model_sig.py" check py.vkey logged
# a signature over the manifest bytes alone (no domain prefix) is refused
expect 0 $PY "$WB_SRC/tests/interop/model_sig.py" make "$M/bearing-risk.spec.json" \
    "$M/bearing-risk.ubj" nopre py-vendor.example --no-prefix
cp "$T/out" nopre.vkey
expect 1 W model verify nopre --key "$(cat nopre.vkey)"
has "$T/err" "does not verify over manifest.json"

# Go's sumdb note and tlog packages
if command -v go >/dev/null && [ -d /usr/share/gocode/src/golang.org/x/mod ]; then
    (cd "$WB_SRC/tests/interop/go" && GO111MODULE=off GOPATH=/usr/share/gocode \
        GOCACHE="$T/gocache" GOFLAGS= GOPROXY=off go build -o "$T/goverify" verify.go) \
        || bad "go build"
    for i in 0 99 150 300; do
        W leaf "$i" --out "leaf$i"
        W prove "$i" > "proof$i"
        expect 0 ./goverify -key site.vkey -checkpoint cp301 -leaf "leaf$i" -proof "proof$i"
    done
    W prove 42 --size 100 > proof42
    W leaf 42 --out leaf42
    expect 0 ./goverify -key site.vkey -checkpoint cp100 -leaf leaf42 -proof proof42
    W prove --consistency 100 301 > cons
    expect 0 ./goverify -key site.vkey -checkpoint cp301 -old cp100 -consistency cons
    expect 1 ./goverify -key site.vkey -checkpoint cp301 -leaf leaf99 -proof proof150
    flip cons 3
    expect 1 ./goverify -key site.vkey -checkpoint cp301 -old cp100 -consistency cons
else
    echo "go or golang-golang-x-mod-dev missing: Go interop not run" >&2
    bad "Go interop could not run"
fi
finish
