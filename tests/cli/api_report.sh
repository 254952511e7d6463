#!/usr/bin/env bash
# GET /v1/reports/{name} does not hold up the server: on a site large
# enough that a records report takes a while, a report is started in the
# background and, while it is still running (its curl alive and the
# daemon's waybill_reports_running gauge 1 before and after), /healthz,
# an authenticated read and an ingest are answered, and a second report
# is refused 503 with Retry-After and the JSON error; the report's JSON
# then equals `waybill --json report records` of the same log (all but
# "made"), the ingested record not in it. A client that hangs up stops
# its report. SIGTERM during a report stops it (the daemon says so) and
# the daemon exits 0. No wall-clock
# assertion: if this machine makes the report before the checks are
# done, the site is grown and the round tried again.
. "$(dirname "$0")/lib.bash"
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"
cd "$T"

DPID=
CPID=
trap '[ -n "$CPID" ] && kill "$CPID" 2>/dev/null; [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"' EXIT

W init --origin reports.waybill.example >/dev/null || { bad "init"; finish; }
W device add press-1 >/dev/null
COMP=$(W apikey create --role compliance --name comp 2>/dev/null)
AUD=$(W apikey create --role auditor --name aud 2>/dev/null)
OP=$(W apikey create --role operator --name op 2>/dev/null)

grow() { # grow N: N more records, a tenth of them personal
    seq 1 "$1" | sed 's/.*/{"v":&}/' >grow.jsonl
    expect 0 W ingest --device press-1 --purpose predictive-maintenance grow.jsonl
    seq 1 $(($1 / 10)) | sed 's/.*/{"p":&}/' >grow.jsonl
    expect 0 W ingest --device press-1 --purpose predictive-maintenance \
        --class personal --jurisdiction DE grow.jsonl
}
grow 150000
W checkpoint >/dev/null

# no checkpoints published by the daemon: the report's checkpoint_size
# stays the one signed above
echo '{"checkpoints": {"interval_s": 0}}' >d.json
${WB_TEST_WRAPPER:+${WB_TEST_WRAPPER//;/ }} "$WAYBILLD" --config d.json \
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

running() { # the daemon's gauge: 1 while a report reads the log
    curl -sS "$BASE/metrics" | sed -n 's/^waybill_reports_running //p'
}
# report KEY NAME OUT: in the background, status into OUT.status
report() {
    curl -sS -o "$3" -w '%{http_code}' -H "Authorization: Bearer $1" \
        "$BASE/v1/reports/$2" >"$3.status" 2>"$3.err" &
    CPID=$!
}
# wait_running: true once the gauge is 1 while the report's curl lives
wait_running() {
    for _ in $(seq 1 3000); do
        [ "$(running)" = 1 ] && return 0
        kill -0 "$CPID" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}
# req KEY METHOD PATH [BODY]: status on stdout, body in $T/body, headers
# in $T/headers
req() {
    local auth=()
    [ -n "$1" ] && auth=(-H "Authorization: Bearer $1")
    curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' -X "$2" "${auth[@]}" \
        ${4:+--data-binary "$4"} "$BASE$3"
}

printf '{"during":1}\n' >one.jsonl
round=0
while :; do
    round=$((round + 1))
    # the CLI's report of the log as it stands, beside the daemon
    expect 0 W --json report records
    cp "$T/out" cli.json
    report "$COMP" records api.json
    during=
    if wait_running; then
        h=$(req "" GET /healthz)
        cp "$T/body" healthz.json
        c=$(req "$OP" GET /v1/checkpoints/latest)
        i=$(req "$OP" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance" @one.jsonl)
        cp "$T/body" ingest.json
        b=$(req "$AUD" GET /v1/reports/records)
        cp "$T/body" busy.json
        cp "$T/headers" busy.headers
        # still running: the answers above came while it ran
        if kill -0 "$CPID" 2>/dev/null && [ "$(running)" = 1 ]; then
            during="$h $c $i $b"
        fi
    fi
    wait "$CPID"
    same "$?" 0 "curl of the background report"
    CPID=
    [ -n "$during" ] && break
    if [ "$round" -ge 4 ]; then
        bad "the report always ended before the other requests were answered"
        break
    fi
    echo "round $round: the report ended first; growing the site" >&2
    grow $((150000 * round))
done
same "$during" "200 200 200 503" "healthz, a read, an ingest, a second report, while a report runs"
has healthz.json '"status":"ok"'
has ingest.json '"records":1'
if grep -qi '^Retry-After: [1-9][0-9]*' busy.headers; then ok; else
    bad "503 without Retry-After: $(cat busy.headers)"
fi
/usr/bin/python3 - busy.json <<'PY' && ok || bad "the 503 body: $(cat busy.json)"
import json, sys
b = json.load(open(sys.argv[1]))
assert set(b) == {"error", "field"} and b["field"] is None, b
assert "one at a time" in b["error"], b
PY
same "$(cat api.json.status)" 200 "the background report"
# exactly the CLI's report of the same log, keys in the same order
/usr/bin/python3 - api.json cli.json <<'PY' && ok || bad "the API's report differs from the CLI's"
import json, sys
def load(p):
    return json.load(open(p), object_pairs_hook=lambda kv: [x for x in kv if x[0] != "made"])
a, c = load(sys.argv[1]), load(sys.argv[2])
assert a == c, (a, c)
size = dict(dict(a)["log"])["size"]
assert size > 150000, size
PY
# the refused report, asked again, is made (and it counts the ingest)
same "$(req "$AUD" GET /v1/reports/records)" 200 "the second report, asked again"
has "$T/body" '"detail":"counts"'
same "$(running)" 0 "gauge after the reports"

# ---- the client hangs up while its report runs: the report stops --------
report "$COMP" records gone.json
if wait_running; then
    kill "$CPID"; wait "$CPID" 2>/dev/null
    CPID=
    for _ in $(seq 1 200); do
        grep -q "report records not finished, the client hung up" "$T/d.err" && break
        sleep 0.05
    done
    has "$T/d.err" "report records not finished, the client hung up: stopped after"
    for _ in $(seq 1 100); do [ "$(running)" = 0 ] && break; sleep 0.05; done
    same "$(running)" 0 "gauge after the client hung up"
    # and the next report is taken, not refused as busy
    same "$(req "$AUD" GET /v1/reports/consents)" 200 "a report after the hang-up"
else
    bad "the records report ended before it was seen running"
fi

# ---- SIGTERM while a report runs: it is stopped, the daemon exits 0 ------
report "$COMP" transfers stopped.json
if wait_running; then
    kill -TERM "$DPID"
    wait "$DPID"
    same "$?" 0 "daemon exit status after SIGTERM during a report"
    DPID=
    wait "$CPID"
    CPID=
    if [ "$(cat stopped.json.status)" = 200 ]; then
        bad "the report was made before the stop: grow the site"
    else ok; fi
    has "$T/d.err" "report transfers not finished, stopping: stopped after"
else
    bad "the transfers report ended before it was seen running"
fi
finish
