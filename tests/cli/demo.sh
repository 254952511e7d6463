#!/usr/bin/env bash
# The README's first command runs scripts/demo.sh: it must keep working
# against the built binaries (the daemon next to the CLI), start to end.
. "$(dirname "$0")/lib.bash"
cd "$T"
expect 0 bash "$WB_SRC/scripts/demo.sh" "$WAYBILL"
has "$T/out" "auditor before a checkpoint covers it: HTTP 409"
has "$T/out" "without a key: HTTP 401"
has "$T/out" "payloads match their commitments"
has "$T/out" "bearing-risk@1.0.0: ran 5, denied 0 (governance enforce)"
has "$T/out" "(exit 1: denied, as the records must stay in CN)"
has "$T/out" "inferences 5 in 1 record(s), inputs 5"
has "$T/out" "ok: 1 registered model(s): the site's copies match their signed manifests"
kept=$(sed -n 's/^demo site kept in //p' "$T/out")
[ -n "$kept" ] && [ -d "$kept" ] && rm -rf "$kept"
finish
