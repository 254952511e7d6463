#!/usr/bin/env bash
# What the command line exports, checked by independent implementations as
# an auditor would: tokens by python3-cbor2 + python3-cryptography, and
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
