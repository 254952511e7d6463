#!/usr/bin/env bash
# The README's first command runs scripts/demo.sh: it must keep working
# against the built binaries (the daemon next to the CLI), start to end.
. "$(dirname "$0")/lib.bash"
cd "$T"
expect 0 bash "$WB_SRC/scripts/demo.sh" "$WAYBILL"
has "$T/out" "auditor before a checkpoint covers it: HTTP 409"
has "$T/out" "without a key: HTTP 401"
has "$T/out" "payloads match their commitments"
kept=$(sed -n 's/^demo site kept in //p' "$T/out")
[ -n "$kept" ] && [ -d "$kept" ] && rm -rf "$kept"
finish
