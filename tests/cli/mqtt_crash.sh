#!/usr/bin/env bash
# Crash safety of MQTT ingest: the daemon is killed with SIGKILL at random
# moments while publishers keep sending (QoS 1, persistent session), the
# broker is restarted, and the connection is cut through a proxy. After
# every kill the log verifies; at the end every published message is in
# the log exactly once: nothing the broker counted as delivered was lost,
# and redeliveries were not logged twice.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/broker.bash"
cd "$T"
ROUNDS=${WB_MQTT_CRASH_ROUNDS:-${WB_CRASH_ROUNDS:-50}}
PER_ROUND=${WB_MQTT_PER_ROUND:-3000}

W init --origin crash-mqtt.waybill.example >/dev/null
W device add press-1 >/dev/null
start_broker || exit 1
PROXY_PORT=$(free_port)
cat >d.json <<CONF
{"mqtt": {"port": $PROXY_PORT, "batch_size": 2000, "commit_interval_ms": 20,
  "routes": [{"topic": "plant/+/tele", "device_level": 1,
              "purposes": ["predictive-maintenance"]}]}}
CONF
# the daemon reaches the broker through a TCP proxy, so the test can cut
# the connection without touching either end
start_proxy() {
    socat TCP-LISTEN:"$PROXY_PORT",bind=127.0.0.1,reuseaddr,fork \
        TCP:127.0.0.1:"$BROKER_PORT" 2>/dev/null &
    PROXY_PID=$!
    sleep 0.1
}
start_proxy
trap 'stop_daemon KILL; kill $PROXY_PID 2>/dev/null; stop_broker; rm -rf "$T"' EXIT

publish_round() {
    /usr/bin/python3 -c '
import sys
r = int(sys.argv[1])
for i in range(int(sys.argv[2])):
    print("{\"seq\": %d, \"pad\": \"%s\"}" % (r * 1000000 + i, "x" * 60))
' "$1" "$PER_ROUND" | mosquitto_pub -p "$BROKER_PORT" -q 1 -V mqttv5 -t plant/press-1/tele -l &
    PUBS+=($!)
}

PUBS=()
start_daemon --config d.json || exit 1
for ((r = 1; r <= ROUNDS; r++)); do
    publish_round "$r"
    sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
    case $((r % 10)) in
    3) # cut the connection: the session resends what was not acknowledged
        kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null
        sleep 0.2; start_proxy; sleep 0.3 ;;
    7) # restart the broker (it saves its sessions on a clean stop); the
        # publishers finish first, so every message counted was accepted
        for p in "${PUBS[@]}"; do wait "$p" || bad "a publisher failed"; done
        PUBS=()
        stop_broker; start_broker || exit 1
        kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; start_proxy
        sleep 0.3 ;;
    esac
    stop_daemon KILL
    expect 0 W verify
    start_daemon --config d.json || { bad "round $r: daemon did not come back"; break; }
done
for p in "${PUBS[@]}"; do wait "$p" || bad "a publisher failed"; done
want=$((ROUNDS * PER_ROUND))
for _ in $(seq 300); do
    [ "$(record_count)" -ge "$want" ] && break
    sleep 0.2
done
sleep 0.5
stop_daemon TERM
records >recs.txt
/usr/bin/python3 - recs.txt "$ROUNDS" "$PER_ROUND" >check.txt <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    s = json.loads(line)["seq"]
    seen[s] = seen.get(s, 0) + 1
rounds, per = int(sys.argv[2]), int(sys.argv[3])
want = {r * 1000000 + i for r in range(1, rounds + 1) for i in range(per)}
lost = sorted(want - set(seen))
dup = sorted(s for s, n in seen.items() if n > 1)
print("lost %d duplicated %d logged %d" % (len(lost), len(dup), len(seen)))
print("first lost:", lost[:5], "first duplicated:", dup[:5])
PY
echo "$(head -1 check.txt) after $ROUNDS kills"
has check.txt "lost 0 duplicated 0 logged $want"
expect 0 W verify
finish
