#!/usr/bin/env bash
# Crash safety of governed inference in the daemon: with a model on the
# route, the daemon is killed with SIGKILL at random moments while
# publishers keep sending. A record's data batch and its models' batch
# commit apart, so some kills land between the two. After every kill the
# log verifies; at the end every logged record is the input of exactly one
# governed output: none lost to a kill, none run twice after a restart.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/broker.bash"
cd "$T"
ROUNDS=${WB_MQTT_CRASH_ROUNDS:-${WB_CRASH_ROUNDS:-20}}
PER_ROUND=${WB_MQTT_PER_ROUND:-2000}
export WAYBILL_PROFILES="$WB_SRC/profiles"

W init --origin infer-crash.waybill.example >/dev/null
W device add press-7 >/dev/null
register_model
start_broker || exit 1
cat >d.json <<CONF
{"mqtt": {"port": $BROKER_PORT, "batch_size": 500, "commit_interval_ms": 20,
  "routes": [{"topic": "plant/+/tele", "device_level": 1,
              "purposes": ["predictive-maintenance"], "jurisdiction": "DE"}],
  "models": [{"topic": "plant/+/tele", "model": "bearing-risk@1.0.0",
              "run_in": "DE", "publish": "plant/{device}/risk"}]}}
CONF

# Deterministic first: three records logged while no model was
# configured, then noted as owed the way a data batch notes them (a crash
# before the models' batch leaves just this). At start the daemon runs the
# model on them, publishes the results and clears the owed rows.
/usr/bin/python3 - d.json nomodel.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
del c["mqtt"]["models"]
json.dump(c, open(sys.argv[2], "w"))
PY
start_daemon --config nomodel.json || exit 1
for i in 1 2 3; do pub -t plant/press-7/tele -m "$(sed -n ${i}p "$WB_SRC/tests/models/telemetry.jsonl")"; done
wait_records 3 || bad "3 records not logged"
stop_daemon TERM
# the name the work is owed under: "mqtt MODEL " and the first 16 bytes of
# SHA-256 over the topic filter, run_in and purpose, each NUL-terminated
/usr/bin/python3 - "$WAYBILL_DIR/waybill.db" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
name = "mqtt bearing-risk@1.0.0 " + hashlib.sha256(b"plant/+/tele\0DE\0\0").hexdigest()[:32]
c.executemany("INSERT INTO pending(consumer, entry) VALUES (?, ?)",
              [(name, i) for (i,) in
               c.execute("SELECT idx FROM entries WHERE kind = 'record'").fetchall()])
c.commit()
PY
# the results' subscriber is listening once it has seen a marker of its own
mosquitto_sub -p "$BROKER_PORT" -q 1 -V mqttv5 -t 'plant/+/risk' >owed.txt &
SUB=$!
for _ in $(seq 100); do
    pub -t plant/marker/risk -m ready
    grep -q ready owed.txt && break
    sleep 0.1
done
has owed.txt ready
start_daemon --config d.json || exit 1
has "$T/daemon.log" "ran the models on 3 record(s) owed from before"
for _ in $(seq 200); do
    [ "$(grep -c '"model": "bearing-risk@1.0.0"' owed.txt)" -ge 3 ] && break
    sleep 0.1
done
kill "$SUB" 2>/dev/null
wait "$SUB" 2>/dev/null
same "$(grep -c '"model": "bearing-risk@1.0.0"' owed.txt)" 3 "published owed results"
same "$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM pending").fetchone()[0])' "$WAYBILL_DIR/waybill.db")" 0 "owed rows left"
stop_daemon KILL

publish_round() {
    /usr/bin/python3 - "$1" "$PER_ROUND" "$WB_SRC/tests/models/telemetry.jsonl" <<'PY' |
import json, sys
r, n = int(sys.argv[1]), int(sys.argv[2])
rows = [json.loads(l) for l in open(sys.argv[3])]
for i in range(n):
    row = dict(rows[i % len(rows)], seq=r * 1000000 + i)
    print(json.dumps(row))
PY
        mosquitto_pub -p "$BROKER_PORT" -q 1 -V mqttv5 -t plant/press-7/tele -l &
    PUBS+=($!)
}

PUBS=()
RESUMED=0
start_daemon --config d.json || exit 1
for ((r = 1; r <= ROUNDS; r++)); do
    publish_round "$r"
    sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
    stop_daemon KILL
    expect 0 W verify
    start_daemon --config d.json || { bad "round $r: daemon did not come back"; break; }
    grep -q "owed from before" "$T/daemon.log" && RESUMED=$((RESUMED + 1))
done
for p in "${PUBS[@]}"; do wait "$p" || bad "a publisher failed"; done
want=$((ROUNDS * PER_ROUND + 3))
for _ in $(seq 300); do
    [ "$(record_count)" -ge "$want" ] && break
    sleep 0.2
done
sleep 1
stop_daemon TERM
# every record against the inference records that name it as an input,
# straight from the database
/usr/bin/python3 - "$WAYBILL_DIR/waybill.db" >check.txt <<'PY'
import sqlite3, sys, json
c = sqlite3.connect(sys.argv[1])
recs = {i for (i,) in c.execute("SELECT idx FROM entries WHERE kind = 'record'")}
runs = {}
for (p,) in c.execute("SELECT payload FROM entries WHERE kind = 'inference'"):
    for i in json.loads(p)["inputs"]:
        runs[i] = runs.get(i, 0) + 1
lost = sorted(recs - set(runs))
twice = sorted(i for i, n in runs.items() if n > 1)
print("records %d lost %d twice %d" % (len(recs), len(lost), len(twice)))
print("first lost:", lost[:5], "first twice:", twice[:5])
PY
echo "$(head -1 check.txt) after $ROUNDS kills ($RESUMED caught between the batches)"
has check.txt "records $want lost 0 twice 0"
expect 0 W verify
finish
