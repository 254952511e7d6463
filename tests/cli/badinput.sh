#!/usr/bin/env bash
# Bad input: each gets a clear message naming the input and position, exit 2
# (1 for a failed verification), and nothing half-written.
. "$(dirname "$0")/lib.bash"
cd "$T"

size() { W --json verify | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }

W init --origin bad.waybill.example >/dev/null
W device add press-1 >/dev/null
vkey=$(W keygen --name press-2 --out press-2.key)
W device add press-2 --pubkey "$vkey" >/dev/null
fvk=$(W keygen --name press-2 --out forger.key)   # same name, other key
W keygen --name press-1 --out nokey.key >/dev/null
base=$(size)

# malformed JSON in the middle of a file: nothing from the file is written
printf '{"v":1}\n{"v":2}\n{"v":3\n{"v":4}\n' > bad.jsonl
expect 2 W ingest bad.jsonl
has "$T/err" "bad.jsonl:3:"
same "$(size)" "$base" "after a bad JSON line"

printf '{"v":1}\n[1,2]\n' > notobj.jsonl
expect 2 W ingest notobj.jsonl
has "$T/err" "notobj.jsonl:2: expected a JSON object"

printf '{"v":1,"v":2}\n' > dup.jsonl
expect 2 W ingest dup.jsonl
has "$T/err" "dup.jsonl:1:"

printf '{"ts":"yesterday"}\n' > ts.jsonl
expect 2 W ingest ts.jsonl
has "$T/err" 'field "ts"'

# places on the command line: ISO 3166 codes, named as options, not as a line
printf '{"v":1}\n' > one.jsonl
expect 2 W ingest --jurisdiction QQ one.jsonl
has "$T/err" '--jurisdiction: "QQ" is not an ISO 3166-1 alpha-2 or ISO 3166-2 code'
lacks "$T/err" "one.jsonl:1"
expect 2 W ingest --residency DE,de one.jsonl
has "$T/err" '--residency: "de" is not an ISO 3166-1'
expect 2 W ingest --residency DE,DE one.jsonl
has "$T/err" '"DE" listed twice'
expect 2 W ingest --residency DE,,FR one.jsonl
has "$T/err" "an empty item"
expect 2 W ingest --residency local-only,DE --jurisdiction DE one.jsonl
has "$T/err" "local-only stands alone"
expect 2 W ingest --residency local-only one.jsonl
has "$T/err" "--residency local-only needs a jurisdiction"
expect 0 W ingest --residency DE,FR --jurisdiction DE-BY one.jsonl
same "$(size)" "$((base + 1))" "only the good ingest wrote"
base=$(size)

# an oversized line, an oversized raw payload
/usr/bin/python3 -c 'print("{\"x\":\"" + "a" * 70000 + "\"}")' > long.jsonl
expect 2 W ingest long.jsonl
has "$T/err" "long.jsonl:1: line longer than"
head -c 1048577 /dev/zero > big.bin
expect 2 W ingest --format raw big.bin
has "$T/err" "larger than"
same "$(size)" "$base" "after oversized input"

# CSV: short row, unterminated quote, no header
printf 'a,b\n1,2\n3\n' > short.csv
expect 2 W ingest --format csv short.csv
has "$T/err" "short.csv:3: 1 fields, the header has 2"
printf 'a,b\n1,"2\n' > quote.csv
expect 2 W ingest --format csv quote.csv
has "$T/err" "quote.csv:2: a quoted field not closed at the end of the input"
printf 'a,b\n1,x"2\n' > quote2.csv
expect 2 W ingest --format csv quote2.csv
has "$T/err" "quote2.csv:2: a quote inside an unquoted field"
: > empty.csv
expect 2 W ingest --format csv empty.csv
has "$T/err" "no header row"
same "$(size)" "$base" "after bad CSV"

# devices: unknown, forged signature, a device without a key, kid mismatch
printf '{"v":1}\n' > one.jsonl
expect 2 W ingest --device press-9 one.jsonl
has "$T/err" 'unknown device "press-9"'
printf '{"v":1,"device":"press-2"}\n' > other.jsonl
expect 2 W ingest --device press-1 other.jsonl
has "$T/err" 'field "device": "press-2" but --device is "press-1"'
printf 'reading' | W token sign --key-file press-2.key --out good.cose
printf 'reading' | W token sign --key-file forger.key --out forged.cose
printf 'reading' | W token sign --key-file nokey.key --out nokey.cose
printf 'reading' | W token sign --key-file press-2.key --kid press-7 --out kid.cose
expect 1 W ingest --format cose forged.cose
has "$T/err" "forged.cose:1: device press-2: signature does not verify"
# the forger's key put in the devices table behind the library's back (on
# a copy): the table no longer matches the logged registration, so its
# readings are refused, verify names the entry, and a device entry is
# not erasable
cp -r "$WAYBILL_DIR" forged-site
/usr/bin/python3 - forged-site/waybill.db "$fvk" <<'PY'
import base64, sqlite3, sys
# the forger's public key, from its verifier key NAME+ID+base64(1 || key)
pub = base64.b64decode(sys.argv[2].split("+", 2)[2])[1:]
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE devices SET pubkey = ? WHERE id = 'press-2'", (pub,))
c.commit()
PY
expect 1 W --dir forged-site ingest --format cose forged.cose
has "$T/err" "device press-2 differs from the payload the log commits to"
expect 1 W --dir forged-site verify
has "$T/err" "FAILED at entry 1: device press-2 differs from the payload the log commits to (entry 1)"
expect 1 W --dir forged-site device list
has "$T/err" "device press-2 differs from the payload the log commits to (entry 1)"
rm -rf forged-site
expect 2 W erase 1 --reason tried
has "$T/err" "entry 1 registers a device; those are kept"
expect 1 W ingest --format cose nokey.cose
has "$T/err" "device press-1 has no registered key"
expect 2 W ingest --format cose kid.cose
has "$T/err" 'unknown device "press-7"'
expect 1 W ingest --format cose --device press-2 kid.cose
has "$T/err" "is not device"
head -c 20 good.cose > trunc.cose
expect 2 W ingest --format cose trunc.cose
same "$(size)" "$base" "after refused device input"
cat good.cose forged.cose > mixed.cose
expect 1 W ingest --format cose mixed.cose
has "$T/err" "mixed.cose:2:"
same "$(size)" "$base" "a bad second token writes nothing"
expect 0 W ingest --format cose good.cose
base=$((base + 1))

# stdin is streamed: whole batches before the bad line stay, and are told
/usr/bin/python3 -c '
for i in range(2500): print("{\"i\":%d}" % i)
print("{oops")' > stream.jsonl
expect 2 W ingest --batch 1000 - < stream.jsonl
has "$T/err" "stdin:2501:"
has "$T/err" "stopped after 2000 committed records"
same "$(size)" "$((base + 2000))" "stdin keeps the committed batches"

# proofs, checkpoints, tokens: wrong key, truncated, corrupted
W key > site.vkey
W checkpoint > cp.txt
W leaf 1 --out leaf1
W prove 1 > proof1
W token 1 --out tok1
expect 0 W verify-proof --key site.vkey --leaf leaf1 proof1
expect 1 W verify-proof --key "$vkey" --leaf leaf1 proof1
head -c 60 proof1 > proof1.trunc
expect 2 W verify-proof --key site.vkey --leaf leaf1 proof1.trunc
sed 's/^index 1$/index 2/' proof1 > proof1.idx
expect 1 W verify-proof --key site.vkey --leaf leaf1 proof1.idx
W leaf 2 --out leaf2
expect 1 W verify-proof --key site.vkey --leaf leaf2 proof1
expect 1 W token verify --key "$vkey" tok1
head -c 30 tok1 > tok1.trunc
expect 2 W token verify --key site.vkey tok1.trunc
expect 2 W verify-proof --key 'nonsense+zz+@@' --leaf leaf1 proof1
has "$T/err" "--key"
expect 2 W verify-proof --key site.vkey --leaf leaf1
expect 2 W verify-proof --key site.vkey --leaf leaf1 --token tok1 proof1
expect 2 W verify-proof --key site.vkey --leaf no-such-file proof1
has "$T/err" "no-such-file"

# usage errors
expect 2 W ingest --batch 0 one.jsonl
# an unknown option, or one without its value, is named under the
# command's own name (and in the JSON error), before the usage
expect 2 W infer --bogus
same "$(head -1 "$T/err")" 'waybill infer: unknown option "--bogus"'
expect 2 W ingest -q one.jsonl
same "$(head -1 "$T/err")" 'waybill ingest: unknown option "-q"'
expect 2 W ingest --dry-run=1 one.jsonl
same "$(head -1 "$T/err")" 'waybill ingest: option "--dry-run=1" takes no value'
# the global flags: --json takes no value; --profiles=DIR as --dir=DIR
expect 2 W --json=1 verify
has "$T/err" 'waybill: option "--json" takes no value'
expect 0 W --profiles="$WB_SRC/profiles" purpose list
has "$T/out" "predictive-maintenance"
# commands that take no options name what they were given too
expect 2 W --json verify --bogus
same "$(head -1 "$T/err")" 'waybill verify: unknown option "--bogus"'
same "$(js 'd["error"]')" "$(printf 'unknown option "--bogus"\nusage: waybill verify')"
expect 2 W show 0 extra
same "$(head -1 "$T/err")" 'waybill show: unexpected argument "extra"'
expect 2 W device list --x
same "$(head -1 "$T/err")" 'waybill device: unknown option "--x"'
expect 2 W --json consent show --date
same "$(head -1 "$T/err")" 'waybill consent: option "--date" needs a value'
same "$(js 'd["error"].startswith("option \"--date\" needs a value\nusage:")')" True
expect 2 W prove
expect 2 W prove 99999
expect 2 W checkpoint --size 99999
expect 2 W erase 1
expect 2 W device
expect 2 W init
# a file that is not there is bad input (2), not an I/O error (3)
expect 2 W ingest no-such.jsonl
has "$T/err" "cannot open no-such.jsonl: No such file or directory"
expect 2 W ingest --jurisdiction DE --jurisdiction CN one.jsonl
has "$T/err" "--jurisdiction: give it once"
# a pipe is read once, as stdin is (it cannot be checked whole first)
expect 0 W ingest <(cat one.jsonl)
has "$T/out" "ingested 1 records"
mkdir adir
expect 2 W ingest adir
has "$T/err" "cannot read adir: is a directory"
# a place to write that is not there is bad input too
expect 2 W keygen --name x --out no-such-dir/x.key
has "$T/err" "cannot make key no-such-dir/x.key: No such file or directory"
expect 2 W leaf 0 --out no-such-dir/leaf
same "$(cat "$T/err")" "waybill leaf: cannot write the leaf: no-such-dir/leaf: No such file or directory"
expect 2 W leaf 0 --out one.jsonl/leaf
has "$T/err" "one.jsonl/leaf: Not a directory"
expect 2 W leaf 0 --out=
has "$T/err" "an empty file name"
expect 2 W model pack "$WB_SRC/tests/models/bearing-risk.spec.json" --model "$WB_SRC/tests/models/bearing-risk.ubj" --out no-such-dir/pkg
has "$T/err" "no-such-dir/pkg: No such file or directory"
# a site without its key is damaged, not absent: commands that can do
# without a site must not carry on as if there were none
cp -r "$WAYBILL_DIR" nokey && rm nokey/site.key
expect 3 W --dir nokey policy list
has "$T/err" "site.key: No such file or directory (the site's signing key)"
printf '{"exporter": {"jurisdiction": "DE"}, "recipient": {"country": "DE"}, "data": {"classes": ["non-personal"]}, "purpose": "predictive-maintenance"}' > req.json
expect 3 W --dir nokey policy check --request req.json
has "$T/err" "site.key"
# profiles that do not load: the purposes go unchecked, said once, and
# the records are ingested (as the HTTP and MQTT ingest do)
printf '{"v": 1}\n' > one.jsonl
expect 0 W --profiles "$T/no-profiles" ingest --purpose predictive-maintenance \
    --class non-personal --jurisdiction DE one.jsonl
has "$T/err" "warning: the purposes were not checked against a purpose vocabulary ($T/no-profiles: cannot open the profile directory (No such file or directory))"
same "$(wc -l < "$T/err")" "1" "one line on stderr"

# a reading dated years ahead (never old enough for retention, outside
# every report's period): refused, nothing written; an hour ahead is kept
base=$(size)
printf '{"ts":14410728540,"v":1}\n' >ahead.jsonl
expect 2 W ingest --device press-1 --purpose predictive-maintenance ahead.jsonl
has "$T/err" 'ahead.jsonl:1: field "ts": 14410728540 is more than a day ahead of this gateway'"'"'s clock'
same "$(size)" "$base" "nothing written for a reading dated ahead"
printf '{"ts":%d,"v":1}\n' $(( $(date +%s) + 3600 )) >ahead.jsonl
expect 0 W ingest --device press-1 --purpose predictive-maintenance ahead.jsonl

# a site directory that is a file: said so, not "no site (run init)"
: >afile
expect 2 W --dir afile verify
has "$T/err" "afile: not a directory"
lacks "$T/err" "run waybill init"
expect 2 W --dir "$T/none" verify
has "$T/err" "holds no site (run waybill init)"
finish
