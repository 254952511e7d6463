#!/usr/bin/env bash
# The daemon's models when a record is not kept at ingest: payloads past
# the held-records budget (about 4 MiB a batch) are read back from the log
# and give the same outputs, with lineage; a payload that is not JSON is
# read back and denied alone as a schema mismatch, logged, while the
# records beside it in the batch run; the data stays logged.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/broker.bash"
cd "$T"
M="$WB_SRC/tests/models"
export WAYBILL_PROFILES="$WB_SRC/profiles"

W init --origin mqtt-fallback.waybill.example >/dev/null
W device add press-7 >/dev/null
register_model
start_broker || exit 1
# one batch for all 13 messages: it commits when the 13th arrives (or
# after 10 s)
cat >d.json <<CONF
{"mqtt": {"port": $BROKER_PORT, "batch_size": 13, "commit_interval_ms": 10000,
  "routes": [{"topic": "plant/+/tele", "device_level": 1,
              "purposes": ["predictive-maintenance"], "jurisdiction": "DE"}],
  "models": [{"topic": "plant/+/tele", "model": "bearing-risk@1.0.0",
              "run_in": "DE", "publish": "plant/{device}/risk"}]}}
CONF
# rows 1-12 of the telemetry, each padded to 60 KB (MQTT messages are
# capped at 64 KiB): held, each costs ~480 KB of the 4 MiB budget, so
# eight are held and four are read back
/usr/bin/python3 - "$M/telemetry.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][:12]
for i, r in enumerate(rows):
    r["pad"] = "x" * 60000
    open("big%d.json" % i, "w").write(json.dumps(r))
PY
start_daemon --config d.json || exit 1
mosquitto_sub -p "$BROKER_PORT" -q 1 -V mqttv5 -t 'plant/+/risk' -C 12 -v >risk.txt &
SUB=$!
sleep 0.3
for i in $(seq 0 11); do pub -t plant/press-7/tele -f "big$i.json"; done
# not JSON, and jansson's error quotes it cut inside the e-acute: the
# denial's reason is still logged as UTF-8, and the daemon goes on
printf '["x\\u12\xc3\xa9"]' >bad.bin
pub -t plant/press-7/tele -f bad.bin
for _ in $(seq 300); do [ "$(grep -c values risk.txt)" -ge 12 ] && break; sleep 0.1; done
kill "$SUB" 2>/dev/null
same "$(grep -c '^plant/press-7/risk ' risk.txt)" 12 "published results: $(cut -c1-200 risk.txt)"
# the python-trained model's own predictions for rows 1-12
/usr/bin/python3 - risk.txt "$M/expected.txt" >cmp.txt <<'PY'
import json, sys
got = sorted(json.loads(l.split(" ", 1)[1])["values"][0] for l in open(sys.argv[1]) if "values" in l)
want = sorted(float(l) for l in list(open(sys.argv[2]))[:12])
print("match" if len(got) == 12 and all(abs(a - b) < 1e-5 for a, b in zip(got, want)) else "differ %s %s" % (got, want))
PY
has cmp.txt match
wait_metric waybill_inference_outputs_total 12
has metrics.txt "waybill_inference_outputs_total 12"
# four over the budget and the non-JSON one came from the log
has metrics.txt "waybill_inference_read_back_total 5"
has metrics.txt "waybill_inference_denials_total 1"
stop_daemon TERM
# 13 records logged (the non-JSON one too), 12 outputs with lineage,
# the denial logged as a decision naming the record and the mismatch
/usr/bin/python3 - "$WAYBILL_DIR/waybill.db" >log.txt <<'PY'
import sqlite3, sys, json, subprocess, os
c = sqlite3.connect(sys.argv[1])
recs = c.execute("SELECT count(*) FROM entries WHERE kind = 'record'").fetchone()[0]
outs = 0
for (i,) in c.execute("SELECT idx FROM entries WHERE kind = 'inference' ORDER BY idx").fetchall():
    d = json.loads(subprocess.check_output([os.environ["WAYBILL"], "--json", "show", str(i)]))
    ins = d["payload"]["inputs"]
    hs = [c.execute("SELECT hex(substr(hashes, 1, 32)) FROM entries WHERE idx = ?", (k,)).fetchone()[0].lower() for k in ins]
    outs += len(ins) * (d["claims"]["parents"] == hs)
dec = [bytes(p).decode() for (p,) in c.execute("SELECT payload FROM entries WHERE kind = 'decision'")]
den = [json.loads(p) for p in dec if "inference-denied" in p]
print("records %d, outputs with lineage %d, denied %d" % (recs, outs, len(den)))
for d in den:
    print("denied input %s: %s" % (d["input"], d["reason"]))
PY
has log.txt "records 13, outputs with lineage 12, denied 1"
has log.txt "denied input 14: schema mismatch: entry 14: the payload is not a JSON object: invalid escape near '\"x\\u12?'"
expect 0 W verify
finish
