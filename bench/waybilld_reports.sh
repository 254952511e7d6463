#!/usr/bin/env bash
# waybilld with records reports asked for back to back all through its
# run, for bench_mqtt's daemon run (docs/performance.md, "Reports over HTTP
# beside MQTT ingest"):
#   build/release/bench_mqtt 100000 bench/waybilld_reports.sh
# It makes a compliance key on the site of the --config file, waits for
# the daemon's "listening ... port N" line in the log bench_mqtt keeps
# beside it, and then asks for GET /v1/reports/records until the daemon
# exits; the daemon keeps this script's pid (exec), so bench_mqtt measures
# it. The count of reports made is written to $WB_REPORTS_COUNT (default
# /tmp/waybilld_reports.count).
set -u
bin=$(cd "$(dirname "$0")/.." && pwd)/build/release
WAYBILLD=${WAYBILLD:-$bin/waybilld}
WAYBILL=${WAYBILL:-$bin/waybill}
count=${WB_REPORTS_COUNT:-/tmp/waybilld_reports.count}
[ "${1:-}" = --config ] || { echo "usage: $0 --config FILE" >&2; exit 2; }
dir=$(dirname "$2")
key=$(WAYBILL_DIR=$dir "$WAYBILL" apikey create --role compliance --name bench 2>/dev/null)
me=$$
(
    port=
    for _ in $(seq 1 400); do
        port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$dir/waybilld.log" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.05
    done
    n=0
    while kill -0 "$me" 2>/dev/null; do
        code=$(curl -s -o /dev/null -w '%{http_code}' \
            -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/reports/records")
        [ "$code" = 200 ] && n=$((n + 1))
        echo "$n" >"$count"
    done
) </dev/null >/dev/null 2>&1 &
exec "$WAYBILLD" "$@"
