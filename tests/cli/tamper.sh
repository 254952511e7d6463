#!/usr/bin/env bash
# Tamper evidence: every change made to the database behind the library's
# back, and every flipped byte of an exported proof, leaf, token or
# checkpoint, is detected; verify names the first bad entry.
. "$(dirname "$0")/lib.bash"
cd "$T"

W init --origin tamper.waybill.example >/dev/null
W device add press-1 >/dev/null
/usr/bin/python3 -c '
for i in range(40): print("{\"ts\":%d,\"device\":\"press-1\",\"v\":%d}" % (1795000000 + i, i))' > d.jsonl
W ingest --purpose predictive-maintenance d.jsonl >/dev/null
W checkpoint >/dev/null
expect 0 W verify
cp -a site pristine

# tamper CASE SQL WANT-ENTRY WANT-TEXT: on a fresh copy of the site
tamper() {
    rm -rf site && cp -a pristine site
    sql site/waybill.db "$2"
    expect 1 W verify
    has "$T/err" "FAILED at entry $3"
    has "$T/err" "$4"
}
tamper payload "UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"v\":7', '\"v\":8') AS BLOB) WHERE idx = 8" 8 "payload does not match"
tamper salt "UPDATE entries SET salt = zeroblob(16) WHERE idx = 12" 12 "payload does not match"
tamper leaf "UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), 'press-1', 'press-2') AS BLOB) WHERE idx = 5" 5 "leaf does not match"
tamper hashes "UPDATE entries SET hashes = zeroblob(length(hashes)) WHERE idx = 19" 19 "leaf does not match"
tamper gap "DELETE FROM entries WHERE idx = 17" 17 "missing"
tamper dropped "UPDATE entries SET payload = NULL WHERE idx = 30" 30 "payload is missing"
tamper faked-erasure "UPDATE entries SET payload = NULL, salt = NULL, erased = 1 WHERE idx = 31" 31 "without a logged erasure"
# every reader of a payload checks it against its commitment: nothing is
# shown, run on or reported from bytes the log does not commit to
rm -rf site && cp -a pristine site
sql site/waybill.db "UPDATE entries SET payload = CAST(replace(CAST(payload AS TEXT), '\"v\":7', '\"v\":8') AS BLOB) WHERE idx = 8"
expect 1 W show 8
has "$T/err" "entry 8: the stored payload does not match its salted commitment"
lacks "$T/out" '"v": 8'
expect 0 W show 9
sql site/waybill.db "UPDATE entries SET payload = NULL WHERE idx = 30"
expect 1 W show 30
has "$T/err" "entry 30: the stored payload is missing and no erasure is recorded"
tamper checkpoint "UPDATE checkpoints SET text = replace(text, char(10) || '41' || char(10), char(10) || '40' || char(10))" 40 "checkpoint"
tamper truncated "DELETE FROM entries WHERE idx >= 35" 35 "beyond"
# a log cut below a signed checkpoint refuses to grow: new entries would
# fork from what was signed
expect 1 W ingest --purpose predictive-maintenance d.jsonl
has "$T/err" "the log has 35 entries but a checkpoint of size 41 was signed"
expect 1 W prove 3
rm -rf site && cp -a pristine site
# a row missing inside the log: a proof that needs it says the log is
# damaged (not "no such entry")
sql site/waybill.db "DELETE FROM entries WHERE idx = 8"
expect 1 W prove 9
has "$T/err" "damaged"
rm -rf site && cp -a pristine site

# flip every byte of exported files: each flip must be refused
W key > site.vkey
W leaf 9 --out leaf9
W prove 9 > proof9
W token 9 --out tok9
W checkpoint > cp1
expect 0 W verify-proof --key site.vkey --leaf leaf9 proof9
expect 0 W token verify --key site.vkey tok9
flips() {
    local file=$1 n i missed=0
    shift
    n=$(stat -c %s "$file")
    cp "$file" "$file.orig"
    for ((i = 0; i < n; i++)); do
        cp "$file.orig" "$file"
        flip "$file" "$i"
        if "$@" >/dev/null 2>&1; then
            missed=$((missed + 1))
            echo "flip of byte $i of $file went undetected" >&2
        fi
    done
    cp "$file.orig" "$file"
    if [ "$missed" -eq 0 ]; then ok; else bad "$missed undetected flips in $file"; fi
}
flips leaf9 "$WAYBILL" verify-proof --key site.vkey --leaf leaf9 proof9
# a disclosed payload and its salt: every flip of either is refused, and
# a leaf that is no claims is said to be one, not blamed on the proof
W payload 9 --out pay9 > pay9.txt
salt9=$(sed -n 's/^salt //p' pay9.txt)
expect 0 W verify-proof --key site.vkey --leaf leaf9 --payload pay9 --salt "$salt9" proof9
has "$T/out" "its payload is pay9, as its leaf commits"
flips pay9 "$WAYBILL" verify-proof --key site.vkey --leaf leaf9 --payload pay9 --salt "$salt9" proof9
for i in 0 15 31; do
    s=${salt9:0:$i}$(printf '%x' $(( (0x${salt9:$i:1} + 1) % 16 )))${salt9:$((i + 1))}
    expect 1 W verify-proof --key site.vkey --leaf leaf9 --payload pay9 --salt "$s" proof9
    has "$T/err" "payload pay9: the payload does not match its salted commitment"
done
expect 2 W verify-proof --key site.vkey --leaf leaf9 --payload pay9 proof9
: >empty.leaf
expect 1 W verify-proof --key site.vkey --leaf empty.leaf proof9
has "$T/err" "leaf empty.leaf is not a waybill leaf"
W leaf 10 --out leaf10
expect 1 W verify-proof --key site.vkey --leaf leaf10 proof9
has "$T/err" "proof proof9 does not verify for the leaf whose hash is $(/usr/bin/python3 -c 'import hashlib,sys; print(hashlib.sha256(b"\0" + open(sys.argv[1], "rb").read()).hexdigest())' leaf10)"
flips proof9 "$WAYBILL" verify-proof --key site.vkey --leaf leaf9 proof9
# a checkpoint inside a proof: its fault named by the proof's own line
sig=$(grep -n '^— ' proof9 | cut -d: -f1)
first=$(grep -n '^$' proof9 | head -1 | cut -d: -f1)
sed "$((first + 2))s/^/1/" proof9 >proof9.bad # the tree size, now wrong
expect 1 W verify-proof --key site.vkey --leaf leaf9 proof9.bad
has "$T/err" "tlog-proof line $sig (the checkpoint's line $((sig - first))): signature by tamper.waybill.example does not verify"
flips tok9 "$WAYBILL" token verify --key site.vkey tok9
W prove --consistency 20 41 > cons
W checkpoint --size 20 > cp20
expect 0 W verify-proof --key site.vkey --consistency cons --old cp20 --new cp1
flips cons "$WAYBILL" verify-proof --key site.vkey --consistency cons --old cp20 --new cp1
flip cons 70
expect 1 W verify-proof --key site.vkey --consistency cons --old cp20 --new cp1
has "$T/err" "proof cons: consistency of 20 -> 41 does not verify"
flip cons 70
flips cp20 "$WAYBILL" verify-proof --key site.vkey --consistency cons --old cp20 --new cp1
expect 0 W verify
finish
