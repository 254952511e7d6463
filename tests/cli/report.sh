#!/usr/bin/env bash
# waybill report and GET /v1/reports/{name}: a site built through the CLI
# (records on known dates, an erasure, consents, servers, recorded
# decisions allowed and refused, a maintenance session through the API);
# the JSON reports equal tests/golden/report/*.json once the time they
# were made and the root hash (random record ids) are masked, and the
# root is checked against the log's own; bad dates and names exit 2
# naming the option; over HTTP the compliance role gets the full report,
# the auditor counts only, other roles 403, bad parameters 400, an
# unknown report 404. WB_GOLDEN_UPDATE=1 rewrites the golden files.
. "$(dirname "$0")/lib.bash"
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"
G="$WB_SRC/tests/golden/report"
cd "$T"

DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"' EXIT

# A policy of our own, so that the golden counts do not move when the
# shipped profiles change: CN exports allowed, 100+ individuals need a
# contract.
mkdir prof
cat >prof/purposes.jsonl <<'JSONL'
{"purpose":"service-optimisation","label":"Optimise a service"}
{"purpose":"predictive-maintenance","parent":"service-optimisation","label":"Predict failures"}
JSONL
cat >prof/test-cn.jsonl <<'JSONL'
{"profile":"test-cn","version":"1","title":"test","applies_to":["CN"],"effective":"2020-01-01","strategy":"first-match","default_cite":["Test Art. 1"]}
{"mechanism":"scc","needs_reference":true,"cite":["Test Art. 2"]}
{"rule":"volume","if":{"data.subjects_ytd":{"gt":100}},"decision":"require_mechanism","mechanisms":["scc"],"cite":["Test Art. 3"],"reason":"over 100 individuals"}
{"rule":"all","decision":"allow","cite":["Test Art. 4"],"reason":"test"}
JSONL
export WAYBILL_PROFILES="$T/prof"

ts() { date -u -d "$1" +%s; }
W init --key-file "$WB_SRC/tests/golden/site.key" >/dev/null || { bad "init"; finish; }
W device add press-1 >/dev/null
for i in 1 2 3; do echo "{\"ts\":$(ts 2026-03-10T01:00:00Z),\"v\":$i}"; done >march.jsonl
for i in 1 2; do echo "{\"ts\":$(ts 2026-04-05T01:00:00Z),\"v\":$i}"; done >april.jsonl
expect 0 W ingest --device press-1 --purpose predictive-maintenance --class non-personal \
    --jurisdiction CN --residency local-only march.jsonl
expect 0 W consent grant c-1 --subject subj-1 --controller "Acme GmbH" \
    --purpose service-optimisation --jurisdiction DE --expires 2027-12-31
expect 0 W ingest --device press-1 --purpose predictive-maintenance --class personal \
    --jurisdiction CN --residency DE,FR --consent c-1 april.jsonl
expect 0 W consent grant c-2 --subject subj-2 --controller "Acme GmbH" \
    --purpose service-optimisation --jurisdiction DE
expect 0 W consent withdraw c-2 --reason "objected"
expect 0 W erase 5 --reason "subject request"  # an April record
expect 0 W server register srv-de-1 --endpoint https://de.example.com/in \
    --operator "Acme GmbH" --country DE --role processor --registration REF-1 \
    --mechanism scc --mechanism-ref SCC-2026-1 --valid-until 2030-12-31
req() { # req SERVER YTD: a transfer request CN -> DE
    printf '{"exporter":{"jurisdiction":"CN"},"recipient":{"country":"DE"%s},"data":{"classes":["personal"],"subjects_ytd":%s},"purpose":"predictive-maintenance","date":"2026-11-22"}' \
        "${1:+,\"server\":\"$1\"}" "$2"
}
printf 's-1\ns-2\n' >subjects.txt
req srv-de-1 0 >r1.json && expect 0 W policy check --request r1.json --subjects subjects.txt --record
req srv-de-1 500 >r2.json && expect 1 W policy check --request r2.json --record
req srv-gone 0 >r3.json && expect 1 W policy check --request r3.json --record
req "" 0 >r4.json && expect 1 W policy check --request r4.json --record
expect 0 W checkpoint

# mask what differs from run to run: when it was made, the root (record
# ids are random; checked against the log below), the day of the run
norm() {
    /usr/bin/python3 - "$1" "$(date -u +%F)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["made"] = "@MADE@"
r["log"]["root"] = "@ROOT@"
for a in r.get("refused_attempts", []):
    if a["date"] == sys.argv[2]:
        a["date"] = "@TODAY@"
print(json.dumps(r, indent=2))
PY
}
golden() { # golden NAME FILE: the normalised report equals the golden one
    norm "$2" >"$T/$1.norm"
    if [ "${WB_GOLDEN_UPDATE:-}" = 1 ]; then cp "$T/$1.norm" "$G/$1.json"; fi
    if cmp -s "$T/$1.norm" "$G/$1.json"; then ok; else
        bad "report $1 differs from $G/$1.json"
        diff -u "$G/$1.json" "$T/$1.norm" >&2 || true
    fi
}
expect 0 W --json report records
cp "$T/out" records.json
golden records records.json
expect 0 W --json report records --from 2026-03-01 --to 2026-04-01
golden records-march "$T/out"
expect 0 W --json report transfers
cp "$T/out" transfers.json
golden transfers transfers.json
expect 0 W --json report consents --to 2099-01-01
golden consents "$T/out"
# the root stated is the log's own at the size stated
size=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["log"]["size"])' records.json)
root=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["log"]["root"])' records.json)
expect 0 W checkpoint --size "$size"
b64=$(sed -n 3p "$T/out")
same "$(echo "$b64" | base64 -d | od -An -tx1 | tr -d ' \n')" "$root" "root vs checkpoint"
# text for people
expect 0 W report transfers
has "$T/out" "report: transfers"
has "$T/out" "  - server: srv-de-1"
has "$T/out" "refused_by_reason:"
has "$T/out" "  unnamed: 1"
# must fail: exit 2 naming the option or the report
expect 2 W report records --from 2026-13-01
has "$T/err" "--from"
expect 2 W report records --to yesterday
has "$T/err" "--to"
expect 2 W report records --from 2026-05-01 --to 2026-05-01
has "$T/err" "--to"
expect 2 W report flows
has "$T/err" 'no report "flows"'
expect 2 W report
expect 2 W report records extra
expect 2 W report records --colour red

# ---- over HTTP ------------------------------------------------------------
declare -A KEY
for r in operator compliance maintainer auditor admin; do
    KEY[$r]=$(W apikey create --role "$r" --name "test $r" 2>/dev/null)
done
${WB_TEST_WRAPPER:+${WB_TEST_WRAPPER//;/ }} "$WAYBILLD" --listen 127.0.0.1:0 \
    >"$T/d.out" 2>"$T/d.err" &
DPID=$!
PORT=
for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/d.out")
    [ -n "$PORT" ] && break
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.1
done
[ -n "$PORT" ] || { bad "daemon did not start: $(cat "$T/d.err")"; finish; }
get() { # get ROLE PATH: the status on stdout, body in $T/body
    curl -sS -o "$T/body" -w '%{http_code}' ${1:+-H "Authorization: Bearer ${KEY[$1]}"} \
        "http://127.0.0.1:$PORT$2"
}
post() { # post ROLE PATH BODY
    curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer ${KEY[$1]}" \
        -H "Content-Type: application/json" --data-binary "$3" "http://127.0.0.1:$PORT$2"
}
same "$(post maintainer /v1/maintenance/sessions '{"device":"press-1","technician":"tech-7","reason":"bearing"}')" 201 "start a session"
sess=$(grep -o 'ms-[0-9a-f]*' "$T/body")
same "$(post maintainer "/v1/maintenance/sessions/$sess/events" '{"type":"command","detail":"restart"}')" 200 "an event"
same "$(post maintainer "/v1/maintenance/sessions/$sess/end" '{"reason":"done"}')" 200 "end"

same "$(get compliance /v1/reports/transfers)" 200 "compliance reads transfers"
has "$T/body" '"detail":"full"'
has "$T/body" '"refused_attempts":['
same "$(get compliance /v1/reports/records)" 200 "compliance reads records"
# the same report as the CLI's, but for the entries the session added
/usr/bin/python3 - "$T/body" records.json <<'PY' && ok || bad "API records report differs from the CLI's"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["log"]["size"] == b["log"]["size"] + 3, (a["log"], b["log"])
assert a["entries"]["by_kind"].pop("maint") == 3
for r in (a, b):
    for k in ("made", "log"):
        r.pop(k)
    r["entries"].pop("total")
assert a == b, (a, b)
PY
same "$(get compliance /v1/reports/maintenance)" 200 "compliance reads maintenance"
has "$T/body" '"technician":"tech-7"'
has "$T/body" '"events":1'
same "$(get auditor /v1/reports/maintenance)" 200 "auditor reads maintenance"
has "$T/body" '"detail":"counts"'
has "$T/body" '"sessions":1'
if grep -q 'tech-7' "$T/body"; then bad "auditor report names the technician"; else ok; fi
same "$(get auditor /v1/reports/transfers)" 200 "auditor reads transfers"
if grep -q 'refused_attempts' "$T/body"; then bad "auditor report lists attempts"; else ok; fi
has "$T/body" '"refused":2'
same "$(get admin '/v1/reports/consents?from=2026-01-01&to=2099-01-01')" 200 "admin with a period"
has "$T/body" '"state_date":"2099-01-01"'
same "$(get operator /v1/reports/transfers)" 403 "operator may not"
same "$(get maintainer /v1/reports/records)" 403 "maintainer may not"
same "$(get "" /v1/reports/records)" 401 "no key"
same "$(get compliance '/v1/reports/records?from=2026-02-30')" 400 "bad from"
has "$T/body" '"field":"from"'
same "$(get compliance '/v1/reports/records?from=2026-05-01&to=2026-04-01')" 400 "to before from"
has "$T/body" '"field":"to"'
same "$(get compliance '/v1/reports/records?since=2026-01-01')" 400 "unknown parameter"
has "$T/body" '"field":"since"'
same "$(get compliance /v1/reports/flows)" 404 "unknown report"
has "$T/body" 'no report'
kill -TERM "$DPID"
wait "$DPID"
same "$?" 0 "daemon exit status"
DPID=
finish
