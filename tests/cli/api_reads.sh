#!/usr/bin/env bash
# Reads that must not write, against waybilld on a free 127.0.0.1 port:
# GET .../proof answers only against checkpoints the daemon published (a
# 409 naming the latest one, with Retry-After, while none covers the
# entry; the log and the checkpoint list unchanged by any number of
# proofs), the daemon publishing them on its interval and at stop, the
# proofs verified offline with `waybill verify-proof`; and auditors'
# payload reads of personal classes: refused by default, allowed by
# api.auditor_payload_classes, each disclosure logged as a decision entry.
. "$(dirname "$0")/lib.bash"
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"
cd "$T"
export WAYBILL_PROFILES="$WB_SRC/profiles"

DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"' EXIT

# start CONFIG-JSON: run the daemon with that configuration file
start() {
    printf '%s\n' "$1" >"$T/conf.json"
    ${WB_TEST_WRAPPER:+${WB_TEST_WRAPPER//;/ }} "$WAYBILLD" --config "$T/conf.json" \
        --listen 127.0.0.1:0 >"$T/d.out" 2>"$T/d.err" &
    DPID=$!
    PORT=
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/d.out")
        [ -n "$PORT" ] && break
        kill -0 "$DPID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$PORT" ] || { bad "daemon did not start: $(cat "$T/d.err")"; finish; }
    BASE="http://127.0.0.1:$PORT"
}
stop() {
    kill -TERM "$DPID"
    wait "$DPID"
    same "$?" 0 "daemon exit status after SIGTERM"
    DPID=
}
# req KEY METHOD PATH [BODY-FILE]: status on stdout, body in $T/body,
# headers in $T/hdr
req() {
    local key=$1 method=$2 path=$3 body=${4:-} extra=()
    [ -n "$body" ] && extra=(--data-binary "@$body")
    curl -sS -D "$T/hdr" -o "$T/body" -w '%{http_code}' -X "$method" \
        -H "Authorization: Bearer $key" "${extra[@]}" "$BASE$path"
}
want() {
    local st=$1 got
    shift
    got=$(req "$@")
    if [ "$got" = "$st" ]; then ok; else bad "$2 $3 -> $got, want $st: $(head -c 300 "$T/body")"; fi
}
# header NAME: its value in the last response ("" when absent)
header() { sed -n "s/^$1: *\\([^\\r]*\\)\\r*$/\\1/Ip" "$T/hdr"; }
# rows: the stored checkpoints' sizes, one line
rows() {
    /usr/bin/python3 - "$T/site/waybill.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(" ".join(str(r[0]) for r in c.execute("SELECT size FROM checkpoints ORDER BY size")))
PY
}
logsize() { curl -sS "$BASE/healthz" | sed -n 's/.*"log_size":\([0-9]*\).*/\1/p'; }

W init --origin reads.waybill.example >/dev/null
W device add press-1 >/dev/null
W key >site.vkey
OP=$(W apikey create --role operator 2>/dev/null)
AUD=$(W apikey create --role auditor 2>/dev/null)
printf '{"t":1}\n{"t":2}\n{"t":3}\n' >three.jsonl
printf '{"t":4}\n{"t":5}\n' >two.jsonl
ING="/v1/ingest?device=press-1&purpose=predictive-maintenance"

# ---- no publishing: a proof finds no checkpoint, and signs none ----------
start '{"checkpoints": {"interval_s": 0}}'
want 200 "$OP" POST "$ING" three.jsonl
before_rows=$(rows)
before_size=$(logsize)
same "$before_rows" "" "no checkpoint stored yet"
for i in 0 1 3 0; do
    want 409 "$AUD" GET "/v1/records/$i/proof"
done
has "$T/body" '"error":"no checkpoint has been published yet"'
has "$T/body" '"field":"index"'
has "$T/body" '"checkpoint_size":null'
has "$T/body" '"log_size":4'
same "$(header Retry-After)" "" "no Retry-After when the daemon publishes none"
want 404 "$AUD" GET "/v1/records/1/proof?size=2"
has "$T/body" '"field":"size"'
has "$T/body" 'no checkpoint of size 2 is published'
want 404 "$AUD" GET "/v1/records/9/proof"
has "$T/body" '"field":"index"'
want 400 "$AUD" GET "/v1/records/x/proof"
same "$(rows)" "$before_rows" "proof requests stored no checkpoint"
same "$(logsize)" "$before_size" "proof requests appended nothing"
# an operator may still sign one on request; proofs then use it
want 201 "$OP" POST /v1/checkpoints
want 200 "$AUD" GET "/v1/records/3/proof"
same "$(header Waybill-Checkpoint-Size)" "4" "the proof names its checkpoint"
stop
same "$(rows)" "4" "with interval 0 the daemon publishes nothing at stop"

# ---- a long interval: one checkpoint at start, then 409 with Retry-After --
start '{"checkpoints": {"interval_s": 3600}}'
want 200 "$OP" POST "$ING" two.jsonl
want 409 "$AUD" GET "/v1/records/5/proof"
has "$T/body" 'entry 5 is not covered by a published checkpoint yet (the latest is of size 4)'
has "$T/body" '"checkpoint_size":4'
has "$T/body" '"log_size":6'
same "$(header Retry-After)" "3600" "Retry-After is the publishing interval"
same "$(header Content-Type)" "application/json" "409 content type"
rows_mid=$(rows)
for i in 4 5 5; do want 409 "$AUD" GET "/v1/records/$i/proof"; done
same "$(rows)" "$rows_mid" "409s stored nothing"
same "$(logsize)" "6" "409s appended nothing"
# entries the published checkpoint covers are proven against it
want 200 "$AUD" GET "/v1/records/1/proof"
same "$(header Waybill-Checkpoint-Size)" "4" "proof against the latest"
cp "$T/body" proof1.txt
has proof1.txt "reads.waybill.example"
want 200 "$AUD" GET "/v1/records/1/leaf"
cp "$T/body" leaf1.cbor
expect 0 W verify-proof --key site.vkey --leaf leaf1.cbor proof1.txt
stop
# at stop the daemon publishes what the last batches added
same "$(rows)" "4 6" "checkpoint published at stop"

# ---- a short interval: the daemon publishes after the log grows -----------
start '{"checkpoints": {"interval_s": 1}}'
want 200 "$OP" POST "$ING" three.jsonl # entries 6..8
got=
for _ in $(seq 1 60); do
    got=$(req "$AUD" GET "/v1/records/8/proof")
    [ "$got" = 200 ] && break
    sleep 0.2
done
same "$got" 200 "proof of entry 8 after the daemon published"
same "$(header Waybill-Checkpoint-Size)" "9" "checkpoint of the grown log"
cp "$T/body" proof7.txt
want 200 "$AUD" GET "/v1/records/8/leaf"
cp "$T/body" leaf7.cbor
expect 0 W verify-proof --key site.vkey --leaf leaf7.cbor proof7.txt
expect 1 W verify-proof --key site.vkey --leaf leaf1.cbor proof7.txt
# a proof against an older published checkpoint, by size
want 200 "$AUD" GET "/v1/records/1/proof?size=6"
same "$(header Waybill-Checkpoint-Size)" "6" "proof against size 6"
cp "$T/body" proof1b.txt
expect 0 W verify-proof --key site.vkey --leaf leaf1.cbor proof1b.txt
want 400 "$AUD" GET "/v1/records/7/proof?size=6"
stop
expect 0 W verify

# ---- auditors and personal payloads ---------------------------------------
printf '{"name":"x"}\n' >pers.jsonl
printf '{"health":"y"}\n' >sens.jsonl
start '{"checkpoints": {"interval_s": 0}}'
want 200 "$OP" POST "$ING&class=personal" pers.jsonl
PERS=$(sed -n 's/.*"first":\([0-9]*\).*/\1/p' "$T/body")
want 200 "$OP" POST "$ING&class=sensitive-personal" sens.jsonl
SENS=$(sed -n 's/.*"first":\([0-9]*\).*/\1/p' "$T/body")
size=$(logsize)
want 403 "$AUD" GET "/v1/records/$PERS/payload"
has "$T/body" '"field":"class"'
has "$T/body" 'the payload of a personal record is not shown to the auditor role'
want 403 "$AUD" GET "/v1/records/$SENS/payload"
has "$T/body" 'sensitive-personal'
want 200 "$AUD" GET "/v1/records/0/payload" # non-personal: shown, not logged
want 200 "$OP" GET "/v1/records/$PERS/payload" # operators: not logged
same "$(header Waybill-Disclosure-Entry)" "" "no disclosure entry for an operator"
same "$(logsize)" "$size" "refusals and other reads logged nothing"
stop
expect 2 "$WAYBILLD" --config <(echo '{"api": {"auditor_payload_classes": ["important"]}}') --listen 127.0.0.1:0
has "$T/err" 'api.auditor_payload_classes[0]'
expect 2 "$WAYBILLD" --config <(echo '{"api": {"auditor_classes": []}}') --listen 127.0.0.1:0
has "$T/err" 'api.auditor_classes: unknown field'
expect 2 "$WAYBILLD" --config <(echo '{"checkpoints": {"interval_s": -1}}') --listen 127.0.0.1:0
has "$T/err" 'checkpoints.interval_s'

start '{"checkpoints": {"interval_s": 0}, "api": {"auditor_payload_classes": ["personal"]}}'
want 200 "$AUD" GET "/v1/records/$PERS/payload"
same "$(cat "$T/body")" '{"name":"x"}' "auditor sees the personal payload"
D=$(header Waybill-Disclosure-Entry)
same "$D" "$size" "the disclosure is the next entry"
same "$(logsize)" "$((size + 1))" "one entry per disclosure"
want 403 "$AUD" GET "/v1/records/$SENS/payload"
has "$T/body" 'api.auditor_payload_classes does not name the class'
want 200 "$AUD" GET "/v1/records/$D"
has "$T/body" '"kind":"decision"'
has "$T/body" '"class":"non-personal"'
has "$T/body" '"parents":["'
want 200 "$AUD" GET "/v1/records/$D/payload"
has "$T/body" '"event":"payload-disclosed"'
has "$T/body" "\"entry\":$PERS"
has "$T/body" '"role":"auditor"'
has "$T/body" "\"key\":\"$(echo "$AUD" | cut -d_ -f2)\""
has "$T/body" '"allowed_by":"api.auditor_payload_classes"'
# the parent is the disclosed record's leaf hash
want 200 "$AUD" GET "/v1/records/$PERS/leaf"
lh=$(/usr/bin/python3 -c 'import hashlib,sys,base64; d=open(sys.argv[1],"rb").read(); h=hashlib.sha256(b"\0"+d).digest(); print(h.hex(), base64.b64encode(h).decode(), base64.urlsafe_b64encode(h).decode().rstrip("="))' "$T/body")
want 200 "$AUD" GET "/v1/records/$D"
found=no
for form in $lh; do grep -qF -- "$form" "$T/body" && found=yes; done
same "$found" yes "disclosure's parent is the record's leaf hash"
want 200 "$AUD" GET "/v1/records/$PERS/payload"
same "$(logsize)" "$((size + 2))" "a second read is a second disclosure"
stop
expect 0 W verify
finish
