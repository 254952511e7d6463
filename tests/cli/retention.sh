#!/usr/bin/env bash
# The daemon's retention job: rules from the configuration erase expired
# payloads through the erasure path and hold back what a legal minimum
# keeps; the log verifies afterwards, and a bad rule is refused at load
# naming it.
. "$(dirname "$0")/lib.bash"
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"
cd "$T"
DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"' EXIT

W init --origin retention.waybill.example >/dev/null
W device add press-1 >/dev/null
old=$(( $(date +%s) - 40 * 86400 ))
printf '{"ts": %d, "op": "old"}\n{"ts": %d, "op": "new"}\n' "$old" "$(date +%s)" >personal.jsonl
expect 0 W ingest --device press-1 --class personal --purpose predictive-maintenance personal.jsonl
printf '{"ts": %d, "op": "important"}\n' "$old" >imp.jsonl
expect 0 W ingest --device press-1 --class important --purpose predictive-maintenance imp.jsonl
cat >d.json <<'CONF'
{"listen": "127.0.0.1:0",
 "retention": {"interval_s": 1, "rules": [
   {"kind": "record", "class": "personal", "erase_after_days": 30,
    "citation": "GDPR Art. 5(1)(e)"},
   {"class": "important", "erase_after_days": 30},
   {"class": "important", "minimum_days": 365,
    "citation": "important data: kept one year"}]}}
CONF
echo '{"retention": {"rules": [{"kind": "record", "erase_after_days": 10, "minimum_days": 20}]}}' >bad.json
expect 2 "$WAYBILLD" --config bad.json --listen 127.0.0.1:0
has "$T/err" "retention.rules[0]"

"$WAYBILLD" --config d.json >d.out 2>d.err &
DPID=$!
for _ in $(seq 100); do grep -q "erased" d.err && break; sleep 0.1; done
kill -TERM "$DPID"; wait "$DPID"; DPID=
has d.err "retention: 1 erased, 1 held by a legal minimum"
W --json show 1 >s1.json
has s1.json '"payload_erased": true'
W --json show 2 >s2.json
has s2.json '"payload_erased": false'
W --json show 3 >s3.json
has s3.json '"payload_erased": false'
W --json show 4 >s4.json
has s4.json '"kind": "erasure"'
W show 4 >s4.txt
has s4.txt 'GDPR Art. 5(1)(e)'
expect 0 W verify
finish
