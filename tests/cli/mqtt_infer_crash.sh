#!/usr/bin/env bash
# Crash safety of governed inference in the daemon: with a model on the
# route, the daemon is killed with SIGKILL at random moments while
# publishers keep sending. A record's data batch and its models' batch
# commit apart, so some kills land between the two. After every kill the
# log verifies; at the end every logged record is the input of exactly one
# governed output: none lost to a kill, none run twice after a restart,
# and a subscriber connected throughout has received every result at
# least once (a result the broker had not acknowledged is published again
# from the log at the next start).
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
# owed to an entry the configuration does not have: named at start, and
# listed by the CLI
start_daemon --config nomodel.json || exit 1
stop_daemon TERM
has "$T/daemon.log" "3 entries (2..4) owed to \"mqtt bearing-risk@1.0.0 "
has "$T/daemon.log" "which no configured model entry has"
expect 0 W pending
has "$T/out" "mqtt bearing-risk@1.0.0 "
has "$T/out" "	3 entries, 2..4"
# listen_results FILE: a results' subscriber into FILE (pid in SUB),
# listening once it has seen a marker of its own
listen_results() {
    mosquitto_sub -p "$BROKER_PORT" -q 1 -V mqttv5 -t 'plant/+/risk' >"$1" &
    SUB=$!
    for _ in $(seq 100); do
        pub -t plant/marker/risk -m ready
        grep -q ready "$1" && break
        sleep 0.1
    done
}
# wait_results FILE N: until FILE holds N results (at most 20 s)
wait_results() {
    for _ in $(seq 200); do
        [ "$(grep -c '"model": "bearing-risk@1.0.0"' "$1")" -ge "$2" ] && break
        sleep 0.1
    done
}
listen_results owed.txt
has owed.txt ready
start_daemon --config d.json || exit 1
has "$T/daemon.log" "ran the models on 3 record(s) owed from before"
wait_results owed.txt 3
kill "$SUB" 2>/dev/null
wait "$SUB" 2>/dev/null
same "$(grep -c '"model": "bearing-risk@1.0.0"' owed.txt)" 3 "published owed results"
owed_rows() {
    /usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM pending").fetchone()[0])' "$WAYBILL_DIR/waybill.db"
}
# a clean stop waits for the results' PUBACKs and clears them
stop_daemon TERM
same "$(owed_rows)" 0 "owed rows left after a clean stop"

# Results the broker never acknowledged (a crash after the models' batch
# committed): their records noted as owed to the broker, as the models'
# batch notes them, and one row naming an entry that is no inference. At
# start the daemon publishes their rows again, read from the log: the same
# bytes as the first time.
/usr/bin/python3 - "$WAYBILL_DIR/waybill.db" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
name = "mqtt result bearing-risk@1.0.0 " + hashlib.sha256(b"plant/+/tele\0DE\0\0").hexdigest()[:32]
rows = [(name, i) for (i,) in c.execute("SELECT idx FROM entries WHERE kind = 'inference'")]
rows.append((name, c.execute("SELECT min(idx) FROM entries WHERE kind = 'record'").fetchone()[0]))
c.executemany("INSERT INTO pending(consumer, entry) VALUES (?, ?)", rows)
c.commit()
PY
listen_results again.txt
start_daemon --config d.json || exit 1
has "$T/daemon.log" "published again 3 result(s) the broker had not acknowledged before the stop"
lacks "$T/daemon.log" "any others follow"
has "$T/daemon.log" "owed to bearing-risk@1.0.0 cannot be published again: not an inference record"
wait_results again.txt 3
kill "$SUB" 2>/dev/null
wait "$SUB" 2>/dev/null
same "$(grep '"model"' again.txt)" "$(grep '"model"' owed.txt)" "results published again"
stop_daemon TERM
same "$(owed_rows)" 0 "owed rows left after publishing again"

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

# the results' subscriber stays connected through every kill
listen_results results.txt
PUBS=()
RESUMED=0
AGAIN=0
start_daemon --config d.json || exit 1
for ((r = 1; r <= ROUNDS; r++)); do
    publish_round "$r"
    sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
    stop_daemon KILL
    expect 0 W verify
    start_daemon --config d.json || { bad "round $r: daemon did not come back"; break; }
    grep -q "owed from before" "$T/daemon.log" && RESUMED=$((RESUMED + 1))
    grep -q "published again" "$T/daemon.log" && AGAIN=$((AGAIN + 1))
done
for p in "${PUBS[@]}"; do wait "$p" || bad "a publisher failed"; done
want=$((ROUNDS * PER_ROUND + 3))
for _ in $(seq 300); do
    [ "$(record_count)" -ge "$want" ] && break
    sleep 0.2
done
# the results run behind ingest (past the window they wait in the log and
# go out as PUBACKs make room): wait until every record's result has come
# (the first three came in owed.txt), then stop cleanly
received() {
    /usr/bin/python3 -c '
import json, sys
print(len({json.loads(l)["input"] for l in open(sys.argv[1]) if l.startswith("{")}))' results.txt
}
for _ in $(seq 600); do
    [ "$(received)" -ge "$((want - 3))" ] && break
    sleep 0.2
done
stop_daemon TERM
same "$(owed_rows)" 0 "owed rows left at the end"
sleep 1
kill "$SUB" 2>/dev/null
wait "$SUB" 2>/dev/null
# every record against the inference records that name it as an input,
# straight from the database, and against the results received
# (the first three records' results were received in owed.txt)
/usr/bin/python3 - "$WAYBILL_DIR/waybill.db" owed.txt results.txt >check.txt <<'PY'
import sqlite3, sys, json
c = sqlite3.connect(sys.argv[1])
got = {}
for f in sys.argv[2:]:
    for line in open(f):
        if line.startswith("{"):
            m = json.loads(line)
            got[m["input"]] = got.get(m["input"], 0) + 1
recs = {i for (i,) in c.execute("SELECT idx FROM entries WHERE kind = 'record'")}
runs = {}
for (p,) in c.execute("SELECT payload FROM entries WHERE kind = 'inference'"):
    for i in json.loads(p)["inputs"]:
        runs[i] = runs.get(i, 0) + 1
lost = sorted(recs - set(runs))
twice = sorted(i for i, n in runs.items() if n > 1)
unsent = sorted(i for i in runs if i not in got)
print("records %d lost %d twice %d" % (len(recs), len(lost), len(twice)))
print("results unsent %d, received more than once %d" %
      (len(unsent), sum(1 for n in got.values() if n > 1)))
print("first lost:", lost[:5], "first twice:", twice[:5], "first unsent:", unsent[:5])
PY
echo "$(head -1 check.txt) after $ROUNDS kills ($RESUMED caught between the batches, $AGAIN published results again); $(sed -n 2p check.txt)"
has check.txt "records $want lost 0 twice 0"
has check.txt "results unsent 0,"

# work a removed model entry left owed: dropped by name, the drop logged
/usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executemany("INSERT INTO pending(consumer, entry) VALUES (?, ?)", [("mqtt gone@1 x", 7), ("mqtt gone@1 x", 9)]); c.commit()' "$WAYBILL_DIR/waybill.db"
expect 0 W pending
same "$(cat "$T/out")" "mqtt gone@1 x	2 entries, 7..9"
expect 2 W pending drop "mqtt gone@1 x"
expect 2 W pending drop "mqtt nobody" --reason "entry removed"
has "$T/err" 'nothing is owed by "mqtt nobody"'
expect 0 W pending drop "mqtt gone@1 x" --reason "model entry removed"
has "$T/out" "dropped 2 owed entries of mqtt gone@1 x (decision entry "
dropped=$(sed -n 's/.*decision entry \([0-9]*\)).*/\1/p' "$T/out")
expect 0 W pending
has "$T/out" "nothing owed"
expect 0 W --json show "$dropped"
has "$T/out" '"event": "owed-work-dropped"'
has "$T/out" '"reason": "model entry removed"'
expect 0 W verify
finish
