#!/usr/bin/env bash
# The end-to-end demo on embedded defaults: a site on SQLite in a fresh
# directory, a keyed device, telemetry ingested with its waybill claims, a
# device-signed record, a checkpoint, an offline proof check by an auditor
# holding only the public key, a portable token, an erasure, a vendor's
# signed model run under governance with its lineage and audit, the
# gateway over HTTP, and the full self-check.
set -euo pipefail
W=$(realpath "${1:-build/release/waybill}")
M=$(cd "$(dirname "$0")/../tests/models" && pwd) # the committed test model
D=$(dirname "$W")/waybilld
demo=$(mktemp -d "${TMPDIR:-/tmp}/waybill-demo.XXXXXX")
export WAYBILL_DIR="$demo/site"
cd "$demo"
step() { printf '\n== %s\n' "$*"; }

step "create the site (SQLite in WAL mode, Ed25519 log key mode 0600)"
"$W" init --origin demo.waybill.example/plant-7

step "register two presses, one with its own signing key"
vkey=$("$W" keygen --name press-7 --out press-7.key)
"$W" device add press-7 --pubkey "$vkey"
"$W" device add press-8
"$W" device list

step "ingest 1,000 telemetry readings (JSON Lines) with their claims"
awk 'BEGIN { for (i = 0; i < 1000; i++)
  printf "{\"ts\":%d.%03d,\"device\":\"press-8\",\"vibration_mm_s\":%.2f,\"temp_c\":%.1f}\n",
         1795000000 + i, i % 1000, 2 + (i % 17) / 10.0, 40 + (i % 23) / 10.0 }' \
    > telemetry.jsonl
"$W" ingest --purpose predictive-maintenance --class non-personal \
    --jurisdiction CN --rights "Plant 7 operator" --residency local-only \
    telemetry.jsonl

step "a reading signed by press-7 itself (COSE_Sign1), checked against the registry"
printf '{"vibration_mm_s":9.81,"alarm":true}' |
    "$W" token sign --key-file press-7.key --out reading.cose
"$W" ingest --format cose --purpose predictive-maintenance reading.cose

step "sign a checkpoint (C2SP tlog-checkpoint)"
"$W" checkpoint | tee checkpoint.txt

step "an auditor verifies entry 42 offline: leaf, proof, verifier key only"
"$W" key > site.vkey
"$W" leaf 42 --out leaf42.cbor
"$W" prove 42 > proof42.txt
"$W" verify-proof --key site.vkey --leaf leaf42.cbor proof42.txt
"$W" show 42 | head -20

step "a portable token for entry 42 (COSE_Sign1 over the same leaf)"
"$W" token 42 --out token42.cbor
"$W" token verify --key site.vkey token42.cbor

step "erase the payload of entry 7 (the log and proofs still verify)"
"$W" erase 7 --reason "retention period expired"
"$W" checkpoint > checkpoint2.txt
"$W" prove --consistency 1003 "$(sed -n 2p checkpoint2.txt)" > consistency.txt
"$W" verify-proof --key site.vkey --consistency consistency.txt \
    --old checkpoint.txt --new checkpoint2.txt
"$W" verify-proof --key site.vkey --leaf leaf42.cbor "$("$W" prove 42 --size 1004 > p.txt; echo p.txt)"

step "a vendor's signed model package, governed inference with lineage, and its audit"
"$W" keygen --name vendor.example --out vendor.key > vendor.vkey
"$W" model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out pkg
"$W" model sign pkg --key-file vendor.key
"$W" model register pkg --vendor-key vendor.vkey
first=$("$W" --json verify | sed -n 's/.*"entries": *\([0-9]*\).*/\1/p')
"$W" ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction CN --residency local-only "$M/telemetry.jsonl"
"$W" infer --model bearing-risk@1.0.0 --input "$first-$((first + 4))" --run-in CN
# the records are local-only in CN: the model asked to run in DE is denied
# for each, and each denial is logged
"$W" infer --model bearing-risk@1.0.0 --input "$first" --run-in DE ||
    echo "(exit $?: denied, as the records must stay in CN)"
"$W" model audit bearing-risk@1.0.0 > audit.txt
head -12 audit.txt

step "the gateway: waybilld on loopback, an operator ingests over HTTP, an auditor fetches a proof"
op=$("$W" apikey create --role operator --name demo-plc | tail -1)
aud=$("$W" apikey create --role auditor --name demo-auditor | tail -1)
"$D" --listen 127.0.0.1:0 > daemon.out 2> daemon.err &
dpid=$!
trap 'kill "$dpid" 2>/dev/null' EXIT
for _ in $(seq 100); do port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' daemon.out); [ -n "$port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$port"
curl -sS "$base/healthz"; echo
printf '{"ts":1795001000,"vibration_mm_s":2.4}\n{"ts":1795001001,"vibration_mm_s":2.5}\n' |
    curl -sS -H "Authorization: Bearer $op" --data-binary @- \
    "$base/v1/ingest?device=press-8&purpose=predictive-maintenance&jurisdiction=CN"; echo
last=$(( $("$W" --json verify | sed -n 's/.*"entries": *\([0-9]*\).*/\1/p') - 1 ))
# a read never signs: the proof is against a published checkpoint, which
# the daemon publishes every 10 s, or the operator asks for now
echo "auditor before a checkpoint covers it: HTTP $(curl -s -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $aud" "$base/v1/records/$last/proof")"
curl -sS -X POST -H "Authorization: Bearer $op" "$base/v1/checkpoints" > /dev/null
curl -sS -f -H "Authorization: Bearer $aud" "$base/v1/records/$last/proof" > proof-http.txt
curl -sS -H "Authorization: Bearer $aud" "$base/v1/records/$last/leaf" > leaf-http.cbor
"$W" verify-proof --key site.vkey --leaf leaf-http.cbor proof-http.txt
echo "without a key: HTTP $(curl -s -o /dev/null -w '%{http_code}' "$base/v1/records/$last")"
kill -TERM "$dpid"; wait "$dpid" 2>/dev/null || true; trap - EXIT

step "full self-check of the site"
"$W" verify

printf '\ndemo site kept in %s\n' "$demo"
