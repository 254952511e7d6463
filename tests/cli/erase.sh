#!/usr/bin/env bash
# Erasure: the payload is gone from the database and its WAL, the erasure
# is logged, the log and proofs issued before it still verify.
. "$(dirname "$0")/lib.bash"
cd "$T"

W init --origin erase.waybill.example >/dev/null
printf 'operator Jane Roe, badge SECRET-MARKER-4711' > personal.txt
W ingest --format raw --class personal --purpose maintenance-access personal.txt >/dev/null
printf '{"v":1}\n{"v":2}\n' | W ingest - >/dev/null
W key > site.vkey
W leaf 0 --out leaf0
W prove 0 > proof-before
W checkpoint > cp-before
if grep -qa SECRET-MARKER-4711 site/waybill.db site/waybill.db-wal 2>/dev/null; then ok; else bad "marker not stored"; fi

expect 0 W erase 0 --reason "GDPR Art. 17 request 2026-118"
has "$T/out" "erasure logged as entry 3"
if grep -qa SECRET-MARKER-4711 site/*; then bad "payload still on disk"; else ok; fi
expect 0 W verify
has "$T/out" "1 erased"
expect 0 W verify-proof --key site.vkey --leaf leaf0 proof-before
W checkpoint > cp-after
W prove --consistency 3 4 > cons
expect 0 W verify-proof --key site.vkey --consistency cons --old cp-before --new cp-after
expect 0 W --json show 0
has "$T/out" '"payload_erased": true'
expect 0 W --json show 3
has "$T/out" '"kind": "erasure"'
has "$T/out" 'GDPR Art. 17 request 2026-118'
expect 2 W erase 0 --reason again
expect 2 W erase 3 --reason "erasures are kept"
expect 2 W erase 9 --reason "no such entry"
expect 2 W erase 1 --reason ""
finish
