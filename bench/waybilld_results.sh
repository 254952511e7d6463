#!/usr/bin/env bash
# The models' results behind ingest (docs/performance.md, "Model results
# beside MQTT ingest"): a broker and waybilld on 127.0.0.1 with the test
# model on the route, N messages published at full speed with
# mosquitto_pub, and the time until every record is logged (the baseline,
# same run) and until a subscriber has every result; the ratio is results
# time over logging time.
#   bench/waybilld_results.sh [N]        (default 20000; release build)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
bin=$src/build/release
W() { WAYBILL_DIR=$dir/site "$bin/waybill" "$@"; }
n=${1:-20000}
dir=$(mktemp -d /tmp/wbresults.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$port" >"$dir/broker.conf"
mosquitto -c "$dir/broker.conf" >"$dir/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    mosquitto_pub -p "$port" -t probe/up -n 2>/dev/null && break
    sleep 0.05
done
W init --origin results.bench.example >/dev/null
W device add press-7 >/dev/null
vk=$(W keygen --name vendor.example --out "$dir/vendor.key")
W model pack "$src/tests/models/bearing-risk.spec.json" --model "$src/tests/models/bearing-risk.ubj" --out "$dir/pkg" >/dev/null
W model sign "$dir/pkg" --key-file "$dir/vendor.key" >/dev/null
W model register "$dir/pkg" --vendor-key "$vk" >/dev/null
cat >"$dir/d.json" <<CONF
{"profiles": "$src/profiles",
 "mqtt": {"port": $port,
  "routes": [{"topic": "plant/+/tele", "device_level": 1,
              "purposes": ["predictive-maintenance"], "jurisdiction": "DE"}],
  "models": [{"topic": "plant/+/tele", "model": "bearing-risk@1.0.0",
              "run_in": "DE", "publish": "plant/{device}/risk"}]}}
CONF
/usr/bin/python3 - "$src/tests/models/telemetry.jsonl" "$n" >"$dir/msgs.txt" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for i in range(int(sys.argv[2])):
    print(json.dumps(dict(rows[i % len(rows)], seq=i)))
PY
mosquitto_sub -p "$port" -q 1 -V mqttv5 -t 'plant/+/risk' >"$dir/results.txt" &
pids+=($!)
WAYBILL_DIR=$dir/site "$bin/waybilld" --config "$dir/d.json" --listen 127.0.0.1:0 >"$dir/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
    grep -q "subscribed" "$dir/daemon.log" && break
    sleep 0.05
done
logged() {
    /usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM entries WHERE kind = '"'record'"'").fetchone()[0])' "$dir/site/waybill.db"
}
t0=$(date +%s.%N)
mosquitto_pub -p "$port" -q 1 -V mqttv5 -t plant/press-7/tele -l <"$dir/msgs.txt"
t1=$(date +%s.%N)
while [ "$(logged)" -lt "$n" ]; do sleep 0.02; done
t2=$(date +%s.%N)
while [ "$(grep -c values "$dir/results.txt")" -lt "$n" ]; do sleep 0.02; done
t3=$(date +%s.%N)
/usr/bin/python3 - "$n" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
n = int(sys.argv[1]); t0, t1, t2, t3 = map(float, sys.argv[2:])
print("messages %d: published in %.2f s, all logged by %.2f s (%.0f/s), "
      "all results received by %.2f s (%.0f/s); ratio %.2f" %
      (n, t1 - t0, t2 - t0, n / (t2 - t0), t3 - t0, n / (t3 - t0),
       (t3 - t0) / (t2 - t0)))
PY
