#!/usr/bin/env bash
# Model packages at the edges: manifest rules pack refuses early (a version
# that is no register id, repeated output names, an intended purpose ruled
# out, a manifest over 64 KiB once "files" is added: nothing written); a
# listed file missing is a refused package (exit 1) for verify, sign and
# register; every refused registration is logged as one decision entry and
# leaves no files in the site; the log still verifies.
. "$(dirname "$0")/lib.bash"
cd "$T"
M="$WB_SRC/tests/models"
export WAYBILL_PROFILES="$WB_SRC/profiles"
size() { W --json verify | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
# edit OUT PYTHON: the test spec changed by PYTHON (on s) into OUT
edit() {
    /usr/bin/python3 - "$M/bearing-risk.spec.json" "$1" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(s, open(sys.argv[2], "w"), separators=(",", ":"), sort_keys=True)
PY
}

W init --origin pkg.waybill.example >/dev/null
W keygen --name vendor.example --out vendor.key >vendor.vkey

# ---- pack refuses what sign or register would -------------------------------
edit nofiles.json 's["files"] = []'
expect 2 W model pack nofiles.json --model "$M/bearing-risk.ubj" --out nofiles
has "$T/err" 'nofiles.json: spec: "files": pack computes them; leave the field out'
# listed, but not the model file: the same (not a mismatch with model_file)
edit otherfiles.json 's["files"] = [{"path": "x.bin", "sha256": "00" * 32, "size": 1}]'
expect 2 W model pack otherfiles.json --model "$M/bearing-risk.ubj" --out otherfiles
has "$T/err" '"files": pack computes them'
# places are ISO codes, not just their shape
edit nowhere.json 's["jurisdictions"]["output"] = ["DE", "QQ-ZZ"]'
expect 2 W model pack nowhere.json --model "$M/bearing-risk.ubj" --out nowhere
has "$T/err" 'nowhere.json: manifest: "jurisdictions.output[1]": "QQ-ZZ" is not an ISO 3166-1 country code or ISO 3166-2 subdivision'
[ -e nowhere ] && bad "nowhere: written" || ok
# an existing --out is named as such, not blamed on the spec
mkdir taken
expect 2 W model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out taken
lacks "$T/err" "spec.json"
has "$T/err" "taken"
[ -e nofiles ] && bad "nofiles written" || ok
edit plus.json 's["version"] = "1.0.0+build.7"'
expect 2 W model pack plus.json --model "$M/bearing-risk.ubj" --out plus --out again
has "$T/err" "--out: give it once"
expect 2 W model pack plus.json --model "$M/bearing-risk.ubj" --out plus
has "$T/err" '"version": want 1..64 of A-Z a-z 0-9 . _ -'
[ -e plus ] && bad "plus: written" || ok
edit dup.json 's["output"].append({"name": "failure_risk_7d", "unit": "1"})'
expect 2 W model pack dup.json --model "$M/bearing-risk.ubj" --out dup
has "$T/err" '"output[1].name": "failure_risk_7d" repeated'
edit scope.json 's["out_of_scope"].append("predictive-maintenance")'
expect 2 W model pack scope.json --model "$M/bearing-risk.ubj" --out scope
has "$T/err" '"out_of_scope[2]": "predictive-maintenance" is also an intended purpose'
edit prose.json 's["training_data"] = "p" * 4096'
expect 0 W model pack prose.json --model "$M/bearing-risk.ubj" --out prose
# a spec under 64 KiB whose manifest with "files" is over it
edit big.json '
s["input"] += [{"name": "f%d" % i, "field": "f%d" % i, "unit": "u" * 1000} for i in range(61)]
n = len(json.dumps(s, separators=(",", ":"), sort_keys=True))
s["training_data"] += "t" * (65500 - n)'
[ "$(wc -c <big.json)" -le 65536 ] && ok || bad "big.json is over 64 KiB"
expect 2 W model pack big.json --model "$M/bearing-risk.ubj" --out big
has "$T/err" "over the 65536-byte limit; nothing written"
[ -e big ] && bad "big: written" || ok

# ---- a listed file missing: refused (exit 1), not an I/O error ----------------
expect 0 W model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out pkg
expect 0 W model sign pkg --key-file vendor.key
cp -r pkg missing
rm missing/bearing-risk.ubj
expect 1 W model verify missing --key vendor.vkey
has "$T/err" "bearing-risk.ubj: listed in the manifest but not readable"
# the signing key where the verifier key goes: named, not echoed
expect 2 W model verify pkg --key vendor.key
has "$T/err" "vendor.key: verifier key: this is a private signing key"
lacks "$T/err" "PRIVATE+KEY"
expect 1 W model sign missing --key-file vendor.key
has "$T/err" "missing/bearing-risk.ubj: No such file or directory"
base=$(size)
expect 1 W model register missing --vendor-key vendor.vkey
has "$T/err" "bearing-risk.ubj: listed in the manifest but not readable"
same "$(size)" "$((base + 1))" "the missing-file refusal is logged"
expect 0 W --json show "$base"
has "$T/out" '"model": "bearing-risk@1.0.0"'
[ -e site/models/bearing-risk@1.0.0 ] && bad "files left behind" || ok

# ---- every refusal logged, nothing left behind --------------------------------
expect 0 W model register pkg --vendor-key vendor.vkey
base=$(size)
expect 2 W model register pkg --vendor-key vendor.vkey
has "$T/err" "already registered"
has "$T/err" "(logged as decision entry $base)"
same "$(size)" "$((base + 1))" "the already-registered refusal is logged"
expect 2 W --json model register pkg --vendor-key vendor.vkey
same "$(js 'd["ok"], d["refused"]["decision"], "already registered" in d["refused"]["why"]')" \
    "(False, $((base + 1)), True)"
base=$((base + 1))
expect 0 W --json show "$base"
has "$T/out" '"event": "model-register-refused"'
has "$T/out" '"model": "bearing-risk@1.0.0"'
expect 0 W model verify bearing-risk@1.0.0
# a tampered copy of the registered package: refused as tampered (exit 1,
# the digest logged), not as a repeat
cp -r pkg flipped
/usr/bin/python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[300] ^= 1; open(p, "wb").write(b)' flipped/bearing-risk.ubj
expect 1 W model register flipped --vendor-key vendor.vkey
has "$T/err" "bearing-risk.ubj"
lacks "$T/err" "already registered"
base=$(size)
base=$((base - 1))
expect 0 W --json show "$base"
has "$T/out" '"event": "model-register-refused"'
expect 2 W model register pkg --vendor-key "vendor.example+00000000+AQID"
has "$T/err" "vendor key"
same "$(size)" "$((base + 2))" "the bad vendor key is logged"
expect 0 W --json show "$((base + 1))"
has "$T/out" '"event": "model-register-refused"'
# a directory at models/ID that no registered model owns: refused, untouched
edit other.json 's["version"] = "2.0.0"'
expect 0 W model pack other.json --model "$M/bearing-risk.ubj" --out other
expect 0 W model sign other --key-file vendor.key
mkdir site/models/bearing-risk@2.0.0
touch site/models/bearing-risk@2.0.0/junk
expect 2 W model register other --vendor-key vendor.vkey
has "$T/err" "exists although model bearing-risk@2.0.0 is not registered"
same "$(size)" "$((base + 3))" "the occupied-directory refusal is logged"
same "$(ls -A site/models/bearing-risk@2.0.0)" "junk"
same "$(ls -A site/models | tr '\n' ' ')" "bearing-risk@1.0.0 bearing-risk@2.0.0 " \
    "no registration's own directory left"
rm -r site/models/bearing-risk@2.0.0
# a registration killed while copying leaves its directory: the next one
# removes it, never one a registration holds locked, nor anything a link
# there points to
mkdir site/models/.register-dead01 site/models/.register-held01 victim
touch site/models/.register-dead01/bearing-risk.ubj site/models/.register-held01/x \
    victim/keep
ln -s "$T/victim" site/models/.register-link01
# the holder: a process with the directory open and locked (flock(1)'s
# child would keep the lock after flock itself is killed)
( exec 9<site/models/.register-held01; flock 9; exec sleep 30 ) >/dev/null 2>&1 &
HOLDER=$!
for _ in $(seq 50); do flock -n site/models/.register-held01 true || break; sleep 0.1; done
expect 0 W --json model register other --vendor-key vendor.vkey
[ -e site/models/.register-dead01 ] && bad "a dead registration's directory is left" || ok
[ -f site/models/.register-held01/x ] && ok || bad "a held registration's directory was removed"
[ -f victim/keep ] && ok || bad "a file removed through a link"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
rm -r site/models/.register-held01 site/models/.register-link01
same "$(js 'd["ok"], d["id"], d["manifest"]["version"]')" "(True, 'bearing-risk@2.0.0', '2.0.0')" \
    "register --json: ok, as every command that writes"
expect 0 W --json model show bearing-risk@2.0.0
same "$(js '"ok" in d, d["id"]')" "(False, 'bearing-risk@2.0.0')" "show --json: the document"
expect 0 W model verify bearing-risk@2.0.0

# the site's copy lost or damaged: registering the same package again
# restores it from the package, logged; the registration stands
rm -r site/models/bearing-risk@2.0.0
expect 1 W model verify bearing-risk@2.0.0
base=$(size)
expect 0 W model register other --vendor-key vendor.vkey
has "$T/out" "restored the site's copy of model bearing-risk@2.0.0 (registered at entry"
has "$T/out" "logged as decision entry $base)"
expect 0 W model verify bearing-risk@2.0.0
expect 0 W --json show "$base"
has "$T/out" '"event": "model-copy-restored"'
has "$T/out" "not readable"
# a damaged copy, with a file of the operator's beside it: moved aside
# whole, nothing removed
printf x >>site/models/bearing-risk@2.0.0/bearing-risk.ubj
echo mine >site/models/bearing-risk@2.0.0/NOTES.txt
expect 0 W --json model register other --vendor-key vendor.vkey
same "$(js 'd["ok"], d["restored"], d["id"]')" "(True, $((base + 1)), 'bearing-risk@2.0.0')"
expect 0 W model verify bearing-risk@2.0.0
same "$(ls -A site/models | tr '\n' ' ')" \
    "bearing-risk@1.0.0 bearing-risk@2.0.0 bearing-risk@2.0.0.damaged-1 " \
    "the damaged copy kept aside"
same "$(cat site/models/bearing-risk@2.0.0.damaged-1/NOTES.txt)" "mine"
expect 0 W --json show "$((base + 1))"
has "$T/out" "bearing-risk@2.0.0.damaged-1"
# a link there is moved aside, never followed
rm -r site/models/bearing-risk@2.0.0
mkdir victim2 && echo keep >victim2/bearing-risk.ubj
ln -s "$T/victim2" site/models/bearing-risk@2.0.0
expect 0 W model register other --vendor-key vendor.vkey
has "$T/out" "restored the site's copy"
[ -L site/models/bearing-risk@2.0.0.damaged-2 ] && ok || bad "the link not kept aside"
same "$(cat victim2/bearing-risk.ubj)" "keep"
expect 0 W model verify bearing-risk@2.0.0
rm -r site/models/bearing-risk@2.0.0.damaged-1 site/models/bearing-risk@2.0.0.damaged-2
# an intact copy: a repeat, refused; another build under the same
# version: refused, naming both digests
expect 2 W model register other --vendor-key vendor.vkey
has "$T/err" "already registered (entry"
has "$T/err" "this same package"
edit rebuilt.json 's["version"] = "2.0.0"; s["training_data"] += " (rebuilt)"'
expect 0 W model pack rebuilt.json --model "$M/bearing-risk.ubj" --out rebuilt
expect 0 W model sign rebuilt --key-file vendor.key
expect 2 W model register rebuilt --vendor-key vendor.vkey
has "$T/err" "as another package (digest"
has "$T/err" "a new build needs a new version"
expect 0 W model verify bearing-risk@2.0.0

# waybill verify checks the site's model copies too
expect 0 W verify
has "$T/out" "ok: 2 registered model(s): the site's copies match their signed manifests"
cp site/models/bearing-risk@2.0.0/bearing-risk.ubj keep.ubj
/usr/bin/python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[100] ^= 1; open(p, 'wb').write(b)" site/models/bearing-risk@2.0.0/bearing-risk.ubj
expect 1 W verify
has "$T/err" "waybill verify: FAILED: model bearing-risk@2.0.0:"
expect 1 W --json verify
same "$(js 'd["ok"], d["models"], d["models_registered"], "bearing-risk@2.0.0" in d["problem"]')" "(False, 1, 2, True)"
# every model that fails is named, not only the first
cp site/models/bearing-risk@1.0.0/bearing-risk.ubj keep1.ubj
/usr/bin/python3 -c "import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[100] ^= 1; open(p, 'wb').write(b)" site/models/bearing-risk@1.0.0/bearing-risk.ubj
expect 1 W verify
has "$T/err" "waybill verify: FAILED: model bearing-risk@1.0.0:"
has "$T/err" "waybill verify: FAILED: model bearing-risk@2.0.0:"
has "$T/err" "waybill verify: 0 of 2 registered model(s) match their signed manifests"
expect 1 W --json verify
same "$(js 'd["models"], len(d["model_problems"])')" "(0, 2)"
cp keep1.ubj site/models/bearing-risk@1.0.0/bearing-risk.ubj
mv site/models/bearing-risk@2.0.0 moved
expect 1 W verify
has "$T/err" "FAILED: model bearing-risk@2.0.0"
mv moved site/models/bearing-risk@2.0.0
cp keep.ubj site/models/bearing-risk@2.0.0/bearing-risk.ubj
expect 0 W verify

# a signed model the runtime cannot take: refused at registration by a
# trial load in a child process, logged, nothing left behind
/usr/bin/python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[8974] = 0xff; open('crash.ubj', 'wb').write(b)" "$M/bearing-risk.ubj"
/usr/bin/python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[812] = 0x80; open('binary.ubj', 'wb').write(b)" "$M/bearing-risk.ubj"
edit crash.json 's["version"] = "3.0.0"'
edit binary.json 's["version"] = "3.0.1"'
edit tf.json 's["version"] = "3.0.2"; s["runtime"] = "tensorflow"'
edit golf.json 's["version"] = "3.0.3"; s["purposes"] = ["predictive-maintenance", "golf"]'
for p in crash binary tf golf; do
    case $p in
    crash | binary) src=$p.ubj ;;
    *) src="$M/bearing-risk.ubj" ;;
    esac
    expect 0 W model pack $p.json --model "$src" --out $p
    expect 0 W model sign $p --key-file vendor.key
done
base=$(size)
expect 2 W model register crash --vendor-key vendor.vkey
# (signal 11 natively; under ASan its handler reports and exits instead)
has "$T/err" "model file bearing-risk.ubj: the xgboost runtime crashed loading the model ("
expect 2 W model register binary --vendor-key vendor.vkey
has "$T/err" "xgboost refused the model:"
# XGBoost quotes the bytes it choked on: one printable line, logged
lacks "$T/err" "Stack trace"
expect 2 W model register tf --vendor-key vendor.vkey
has "$T/err" '"runtime": "tensorflow" is not a runtime of this build'
# a purpose no call could give: not in the site's vocabulary
expect 2 W model register golf --vendor-key vendor.vkey
has "$T/err" 'manifest: "purposes[1]": "golf" is not in the purpose vocabulary'
same "$(size)" "$((base + 4))" "each trial refusal is logged"
expect 0 W --json show "$((base + 1))"
has "$T/out" '"event": "model-register-refused"'
has "$T/out" 'xgboost refused the model'
same "$(ls -A site/models | tr '\n' ' ')" "bearing-risk@1.0.0 bearing-risk@2.0.0 " \
    "no refused registration left files"
expect 0 W verify
# ---- the register's copy of a model is what its entry commits to --------------
# another site registers the same model with its places widened under
# another vendor key; that register document, put in place of this
# site's, is refused wherever the model is read, and logged when opened
W device add press-7 >/dev/null
rec=$(size)
expect 0 W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE "$M/telemetry.jsonl"
edit wide.json 's["jurisdictions"] = {"run": ["US", "DE", "CN"], "output": ["US", "DE", "CN"]}'
W keygen --name evil.example --out evil.key >evil.vkey
expect 0 W model pack wide.json --model "$M/bearing-risk.ubj" --out wide
expect 0 W model sign wide --key-file evil.key
WAYBILL_DIR="$T/evil" W init --origin evil.waybill.example >/dev/null
WAYBILL_DIR="$T/evil" expect 0 W model register wide --vendor-key evil.vkey
cp -a site unforged
/usr/bin/python3 - "$T/evil/waybill.db" site/waybill.db <<'PY'
import sqlite3, sys
q = "SELECT doc FROM registers WHERE reg = 'model' AND id = 'bearing-risk@1.0.0'"
doc = sqlite3.connect(sys.argv[1]).execute(q).fetchone()[0]
c = sqlite3.connect(sys.argv[2])
c.execute("UPDATE registers SET doc = ? WHERE reg = 'model' AND id = 'bearing-risk@1.0.0'", (doc,))
c.commit()
PY
reg=$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT entry FROM registers WHERE reg = '"'model'"' AND id = '"'bearing-risk@1.0.0'"'").fetchone()[0])' site/waybill.db)
base=$(size)
expect 1 W infer --model bearing-risk@1.0.0 --input "$rec" --run-in US
has "$T/err" "model bearing-risk@1.0.0 version 1 differs from the payload the log commits to (entry $reg)"
has "$T/err" "(logged as decision entry $base)"
same "$(size)" "$((base + 1))" "the forged copy's refusal is logged, nothing run"
expect 0 W --json show "$base"
same "$(js 'd["payload"]["event"]')" "model-load-refused"
expect 1 W model show bearing-risk@1.0.0
has "$T/err" "differs from the payload the log commits to"
expect 1 W model verify bearing-risk@1.0.0
has "$T/err" "differs from the payload the log commits to (entry $reg)"
expect 1 W model list
has "$T/err" "differs from the payload the log commits to (entry $reg)"
expect 1 W verify
has "$T/err" "FAILED at entry $reg"
# with the entry's payload gone (erased behind the library's back: a
# register's entries are kept), the copy cannot be checked and is refused
sql site/waybill.db "UPDATE entries SET payload = NULL, salt = NULL, erased = 1 WHERE idx = $reg"
expect 1 W infer --model bearing-risk@1.0.0 --input "$rec" --run-in US
has "$T/err" "model bearing-risk@1.0.0 version 1: entry $reg has been erased; the register's copy cannot be checked against it"
rm -rf site && mv unforged site
# a model registration is not erasable: every inference names it
expect 2 W erase "$reg" --reason "tried"
has "$T/err" "entry $reg registers a model; those are kept"
expect 0 W infer --model bearing-risk@1.0.0 --input "$rec" --run-in DE
expect 0 W verify
finish
