# Shared by the MQTT tests: a real mosquitto broker and the daemon, each
# on a free loopback port in the test's temp dir, stopped by pid.
# Sourced after lib.bash, never run on its own.
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

BROKER_PORT=$(free_port)
BROKER_PID=
DAEMON_PID=

# start_broker: persistent sessions, no queue or in-flight limits (the
# daemon holds acknowledgements for a whole batch)
start_broker() {
    mkdir -p "$T/broker"
    cat >"$T/broker/mosquitto.conf" <<CONF
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
max_inflight_messages 0
max_queued_messages 0
persistence true
persistence_location $T/broker/
autosave_interval 1
user $(id -un)
CONF
    mosquitto -c "$T/broker/mosquitto.conf" >>"$T/broker/log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 100); do
        mosquitto_pub -p "$BROKER_PORT" -t probe/up -n -q 0 2>/dev/null && return 0
        sleep 0.05
    done
    echo "broker did not start: $(tail -5 "$T/broker/log")" >&2
    return 1
}

stop_broker() {
    [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
    BROKER_PID=
}

# start_daemon ARGS...: waybilld in the background, log in $T/daemon.log;
# waits until it is subscribed
start_daemon() {
    : >"$T/daemon.log"
    "$WAYBILLD" --listen 127.0.0.1:0 "$@" >>"$T/daemon.log" 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 200); do
        grep -q "subscribed to" "$T/daemon.log" && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "daemon did not subscribe: $(tail -5 "$T/daemon.log")" >&2
    return 1
}

stop_daemon() {
    local sig=${1:-TERM}
    [ -n "$DAEMON_PID" ] && kill "-$sig" "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
    DAEMON_PID=
}

# a subscriber a test leaves running (pid in SUB) would hold the test's
# output open after it ends
trap '[ -n "${SUB:-}" ] && kill "$SUB" 2>/dev/null; stop_daemon KILL; stop_broker; rm -rf "$T"' EXIT

pub() { mosquitto_pub -p "$BROKER_PORT" -q 1 -V mqttv5 "$@"; }

# register_model: the committed test model, packed, signed by a vendor
# key of its own and registered on the site
register_model() {
    local m="$WB_SRC/tests/models" vk
    vk=$(W keygen --name vendor.example --out vendor.key)
    expect 0 W model pack "$m/bearing-risk.spec.json" --model "$m/bearing-risk.ubj" --out pkg
    expect 0 W model sign pkg --key-file vendor.key
    expect 0 W model register pkg --vendor-key "$vk"
}

# wait_metric NAME VALUE: GET /metrics of the running daemon into
# metrics.txt until it has the line "NAME VALUE" (at most 5 s)
wait_metric() {
    local port
    port=$(sed -n 's/^waybilld: listening on 127.0.0.1 port \([0-9]*\).*/\1/p' "$T/daemon.log" | head -1)
    for _ in $(seq 50); do
        curl -sS "http://127.0.0.1:$port/metrics" >metrics.txt 2>/dev/null
        grep -q "^$1 $2\$" metrics.txt && return 0
        sleep 0.1
    done
    return 1
}

# records: JSON array of [sub, payload] of every "record" entry, straight
# from the database (an independent reader)
records() {
    /usr/bin/python3 - "$WAYBILL_DIR/waybill.db" <<'PY'
import sqlite3, sys, json
c = sqlite3.connect(sys.argv[1])
rows = c.execute("SELECT payload FROM entries WHERE kind = 'record' ORDER BY idx").fetchall()
print("\n".join((r[0] or b"").decode("utf-8", "replace") for r in rows))
PY
}

record_count() {
    /usr/bin/python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM entries WHERE kind = '"'record'"'").fetchone()[0])' "$WAYBILL_DIR/waybill.db"
}

# entry_of TEXT: log index of the first record whose payload holds TEXT
entry_of() {
    /usr/bin/python3 - "$WAYBILL_DIR/waybill.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for idx, p in c.execute("SELECT idx, payload FROM entries WHERE kind = 'record' ORDER BY idx"):
    if p is not None and sys.argv[2].encode() in p:
        print(idx)
        break
PY
}

# wait_records N: until the log holds N records (or 15 s)
wait_records() {
    for _ in $(seq 300); do
        [ "$(record_count)" -ge "$1" ] && return 0
        sleep 0.05
    done
    return 1
}
