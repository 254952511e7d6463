#!/usr/bin/env bash
# Crash safety: ingest from a stream is killed with SIGKILL at random
# moments; every batch acknowledged before the kill is in the log, batches
# are whole, and the log verifies after each crash.
. "$(dirname "$0")/lib.bash"
cd "$T"
ROUNDS=${WB_CRASH_ROUNDS:-12}
BATCH=500

W init --origin crash.waybill.example >/dev/null
count() { W --json verify | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
for ((r = 1; r <= ROUNDS; r++)); do
    before=$(count)
    /usr/bin/python3 -c '
import sys
for i in range(400000):
    sys.stdout.write("{\"round\":%s,\"i\":%d,\"pad\":\"%s\"}\n" % (sys.argv[1], i, "x" * 150))
' "$r" 2>/dev/null | "$WAYBILL" ingest --batch $BATCH --ack - > ack.$r 2>/dev/null &
    pid=$!
    sleep "0.$((RANDOM % 7 + 1))$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect 0 W verify
    after=$(count)
    last=$(awk '/^committed/ { l = $3 } END { print (l == "" ? -1 : l) }' ack.$r)
    if [ "$last" -ge 0 ] && [ "$after" -le "$last" ]; then
        bad "round $r: acknowledged entry $last lost (log has $after)"
    else
        ok
    fi
    if [ $(((after - before) % BATCH)) -ne 0 ]; then
        bad "round $r: a partial batch survived ($before -> $after)"
    else
        ok
    fi
done
echo "log holds $(count) entries after $ROUNDS kills"
finish
