#!/usr/bin/env bash
# Governed inference through the command line: pack, sign, register, list,
# show, verify; the must-fail packages (unsigned, wrong signer, a flipped
# model byte) refused and logged; predictions equal to python-xgboost's on
# the same rows; schema mismatch, a jurisdiction outside the model's, a
# withdrawn consent: refused or denied, logged, nothing run; log-only gives
# the same outputs; the audit-trail hook; `model audit`; lineage (parents =
# input leaf hashes, token and inclusion proof verify offline).
. "$(dirname "$0")/lib.bash"
cd "$T"
M="$WB_SRC/tests/models"
export WAYBILL_PROFILES="$WB_SRC/profiles"
size() { W --json verify | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }

W init --origin infer.waybill.example >/dev/null
W key > site.vkey
VK=$(W keygen --name vendor.example --out vendor.key)
OK=$(W keygen --name other.example --out other.key)

# ---- packages ----------------------------------------------------------------
expect 0 W model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out pkg
has "$T/out" "packed pkg"
expect 2 W model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out pkg
has "$T/err" "pkg: File exists"
printf '{"format":"waybill-model/1","name":"x","colour":1}' > bad-spec.json
expect 2 W model pack bad-spec.json --model "$M/bearing-risk.ubj" --out pkg2
has "$T/err" '"colour": unknown field'
# a purpose outside the vocabulary packs, with a warning: a site with
# that vocabulary would refuse to register it
sed 's/"predictive-maintenance"/"golf"/' "$M/bearing-risk.spec.json" > golf-spec.json
expect 0 W model pack golf-spec.json --model "$M/bearing-risk.ubj" --out pkg-golf
has "$T/err" 'warning: golf-spec.json: "purposes[0]": "golf" is not in the purpose vocabulary'
expect 0 W model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out pkg-plain
lacks "$T/err" "warning"
# a spec is read as a vendor writes it: indented past 64 KiB, its
# manifest still fits, and packs to the same bytes
/usr/bin/python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1])), open("wide-spec.json", "w"), indent=1000)' "$M/bearing-risk.spec.json"
[ "$(wc -c < wide-spec.json)" -gt 65536 ] && ok || bad "wide-spec.json is not over 64 KiB"
expect 0 W model pack wide-spec.json --model "$M/bearing-risk.ubj" --out pkg-wide
cmp -s pkg/manifest.json pkg-wide/manifest.json && ok || bad "an indented spec packs other bytes"
base=$(size)
expect 1 W model register pkg --vendor-key "$VK"
has "$T/err" "package pkg is not signed"
same "$(size)" "$((base + 1))" "the refusal is logged"
expect 0 W --json show "$base"
has "$T/out" '"event": "model-register-refused"'

cp -r pkg wrong
expect 0 W model sign wrong --key-file other.key
expect 1 W model register wrong --vendor-key "$VK"
has "$T/err" 'signed by key "other.example" (id '
has "$T/err" '), not by the vendor key "vendor.example" (id '
expect 1 W model verify wrong --key "$VK"

expect 0 W model sign pkg --key-file vendor.key
has "$T/out" "signed pkg with vendor.example"
expect 0 W model verify pkg --key "$VK"
has "$T/out" "ok: bearing-risk@1.0.0 signed by vendor.example, 1 file(s) match"

cp -r pkg flipped
flip flipped/bearing-risk.ubj 200
expect 1 W model verify flipped --key "$VK"
has "$T/err" "verify: package flipped: bearing-risk.ubj: digest mismatch"
expect 1 W model register flipped --vendor-key "$VK"
has "$T/err" "digest mismatch"
cp -r pkg edited
flip edited/manifest.json 30
expect 1 W model register edited --vendor-key "$VK"
has "$T/err" "does not verify over manifest.json"

echo "$VK" > vendor.vkey
# a key file that does not hold one key: the file is named
printf '%s\njunk\n' "$VK" > two.vkey
expect 2 W model register pkg --vendor-key two.vkey
has "$T/err" "pkg refused (vendor key file two.vkey): vendor key:"
expect 0 W model register pkg --vendor-key vendor.vkey
has "$T/out" "registered model bearing-risk@1.0.0"
model_entry=$(( $(size) - 1 ))
expect 2 W model register pkg --vendor-key "$VK"
has "$T/err" "already registered"
expect 0 W model list
has "$T/out" "bearing-risk@1.0.0	"
# a registered model given as a package: said so
expect 2 W model verify bearing-risk@1.0.0 --key vendor.vkey
has "$T/err" "(bearing-risk@1.0.0 is no package directory: a registered model is verified without --key)"
expect 0 W model show bearing-risk@1.0.0
has "$T/out" "input: vib_rms <- field vib_rms (mm/s), temp_c <- field temp_c (Cel), current_a <- field current_a (A)"
has "$T/out" "runs in: DE, CN"
has "$T/out" "out of scope: worker-monitoring, marketing"
expect 0 W --json model show bearing-risk@1.0.0
digest=$(js 'd["digest"]')
same "$(js 'd["manifest"]["training_data"][:19]')" "synthetic bearing t"
expect 0 W --json show "$model_entry"
same "$(js 'd["claims"]["kind"], d["claims"]["model"]')" "('model', '$digest')"
expect 0 W model verify bearing-risk@1.0.0
expect 2 W model show nope@1
has "$T/err" 'no model "nope@1" is registered'
expect 2 W model frobnicate

# ---- records -----------------------------------------------------------------
W device add press-7 >/dev/null
first=$(size)
expect 0 W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE --residency local-only "$M/telemetry.jsonl"
last=$((first + 19))

# ---- predictions agree with python-xgboost on the same rows ------------------
expect 0 W --json infer --model bearing-risk@1.0.0 --input "$first-$last" --run-in DE \
    --audit-trail trail.jsonl
cp "$T/out" enforce.json
same "$(js 'd["ok"], d["ran"], d["denied"]')" "(True, 20, 0)"
/usr/bin/python3 - "$M" enforce.json > py.txt <<'PY'
import json, sys
import numpy as np
import xgboost as xgb
m = sys.argv[1]
rows = [json.loads(l) for l in open(m + "/telemetry.jsonl")]
x = np.array([[r["vib_rms"], r["temp_c"], r["current_a"]] for r in rows], dtype=np.float32)
b = xgb.Booster(model_file=m + "/bearing-risk.ubj")
b.set_param({"nthread": 1})
want = b.predict(xgb.DMatrix(x, feature_names=["vib_rms", "temp_c", "current_a"]))
got = [r["outputs"]["failure_risk_7d"] for r in json.load(open(sys.argv[2]))["rows"]]
bad = [i for i, (g, w) in enumerate(zip(got, want)) if abs(g - float(w)) > 1e-6]
print("match" if len(got) == 20 and not bad else "differ %s" % bad)
PY
same "$(cat py.txt)" "match" "C path vs python-xgboost"
same "$(wc -l < trail.jsonl)" "40" "audit trail lines"
has trail.jsonl '"event":"before-input","model":"bearing-risk@1.0.0"'
has trail.jsonl '"event":"after-output"'

# ---- lineage: parents = the input leaf hashes in order, model = digest ---------
# the 20 records share device, consent, class and residency: one inference
# record holds the 20 outputs, parents[k] the leaf hash of inputs[k]
out_entry=$(js 'd["rows"][0]["output"]')
same "$(js 'len(set(r["output"] for r in d["rows"]))')" "1" "one inference record for the 20 rows"
expect 0 W leaf "$first" --out in.cbor
leafhash=$(/usr/bin/python3 -c "import hashlib; print(hashlib.sha256(b'\0'+open('in.cbor','rb').read()).hexdigest())")
for i in $(seq "$first" $((first + 19))); do W leaf "$i" --out "in$i.cbor"; done
hashes=$(/usr/bin/python3 -c "
import hashlib, sys
print([hashlib.sha256(b'\0'+open('in%d.cbor' % i,'rb').read()).hexdigest() for i in range($first, $first + 20)])")
expect 0 W --json show "$out_entry"
same "$(js 'd["claims"]["kind"], d["claims"]["parents"], d["claims"]["model"]')" \
    "('inference', $hashes, '$digest')"
same "$(js 'd["payload"]["inputs"], d["claims"]["residency"], d["claims"]["jurisdiction"]')" \
    "($(/usr/bin/python3 -c "print(list(range($first, $first + 20)))"), 'local-only', 'DE')"
same "$(js 'len(d["payload"]["outputs"]), list(d["payload"]["outputs"][0])')" "(20, ['failure_risk_7d'])"
# show prints each value as the payload holds it (the fewest digits that
# read back the same), not jansson's 17-digit default
/usr/bin/python3 - "$T/out" "$WAYBILL_DIR/waybill.db" "$out_entry" <<'PY' && ok || bad "show reprints stored values"
import re, sqlite3, sys
text = open(sys.argv[1]).read()
shown = re.findall(r'"failure_risk_7d": ([-0-9.e+]+)', text)
(pay,) = sqlite3.connect(sys.argv[2]).execute(
    "SELECT payload FROM entries WHERE idx = ?", (int(sys.argv[3]),)).fetchone()
stored = re.findall(r'"failure_risk_7d":([-0-9.e+]+)', bytes(pay).decode())
assert len(shown) == 20 and shown == stored, (shown, stored)
PY
# and infer --json printed each value as the payload holds it (a float's
# nine digits), not the float widened to a double's 17
/usr/bin/python3 - enforce.json "$WAYBILL_DIR/waybill.db" "$out_entry" <<'PY' && ok || bad "infer --json values differ from the payload's"
import re, sqlite3, sys
shown = re.findall(r'"failure_risk_7d": ([-0-9.e+]+)', open(sys.argv[1]).read())
(pay,) = sqlite3.connect(sys.argv[2]).execute(
    "SELECT payload FROM entries WHERE idx = ?", (int(sys.argv[3]),)).fetchone()
stored = re.findall(r'"failure_risk_7d":([-0-9.e+]+)', bytes(pay).decode())
assert len(shown) == 20 and shown == stored, (shown[:3], stored[:3])
PY
expect 0 W token "$out_entry" --out t.cbor
expect 0 W token verify --key site.vkey t.cbor
W prove "$out_entry" > proof.txt
expect 0 W leaf "$out_entry" --out out.cbor
expect 0 W verify-proof --key site.vkey --leaf out.cbor proof.txt

# ---- text output ---------------------------------------------------------------
expect 0 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE
has "$T/out" "entry $first -> entry "
has "$T/out" "failure_risk_7d=0.0365993"
has "$T/out" "ran 1, denied 0 (governance enforce)"
# a place that is not there is bad input (2), as for every file
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE \
    --audit-trail "$T/no/such/dir/t.jsonl"
has "$T/err" "t.jsonl: cannot open for appending: No such file or directory"

# ---- refused whole: logged, nothing run ------------------------------------------
base=$(size)
expect 1 W infer --model bearing-risk@1.0.0 --input "$first" --run-in US
has "$T/err" "may run only in DE, CN, not in US"
has "$T/err" "not in US where it would run (logged as decision entry $base)"
same "$(size)" "$((base + 1))" "refusal logged, nothing run"
expect 0 W --json show "$base"
same "$(js 'd["payload"]["event"], d["claims"]["model"]')" "('inference-refused', '$digest')"
expect 1 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --purpose marketing
has "$T/err" "rules out use for marketing"
# under --json the refusal's entry and reason are fields, as log-only's are
base=$(size)
expect 1 W --json infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --purpose marketing
same "$(js 'd["ok"], d["exit"], d["refused"]["decision"]')" "(False, 1, $base)"
has "$T/out" '"why": "model bearing-risk@1.0.0 is not intended for purpose marketing'
lacks "$T/out" '"why": "bearing-risk@1.0.0: nothing run'
# a call refused before anything is logged has no "refused"
expect 2 W --json infer --model bearing-risk@1.0.0 --input "$first" --run-in de
same "$(js '"refused" in d')" "False"
# no place or no purpose at all: a usage error, nothing run or logged
base=$(size)
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in de
has "$T/err" 'run_in "de" is not an ISO 3166-1 country code or ISO 3166-2 subdivision'
lacks "$T/err" "infer: run_in"
# what is missing is named
expect 2 W infer --model bearing-risk@1.0.0 --input "$first"
has "$T/err" "--run-in CC (where the model runs) is required"
expect 2 W model
has "$T/err" "which model command?"
expect 2 W model verify pkg
has "$T/err" "pkg is a directory: a package is verified with --key VKEY"
lacks "$T/err" "could not be logged"
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in ""
has "$T/err" 'run_in "" is not an ISO 3166-1'
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --purpose golf
has "$T/err" 'purpose "golf" is not in the purpose vocabulary'
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --purpose ""
# every option once: a second value is refused, not taken silently
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --date 2026-01-01 --date 2026-01-02
has "$T/err" "--date: give it once"
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --governance log-only --governance enforce
has "$T/err" "--governance: give it once"
same "$(size)" "$base" "nothing logged for a usage error"

printf '{"vib_rms": 2.0, "temperature": 50.0, "current_a": 11.0}\n' > odd.jsonl
W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE odd.jsonl >/dev/null
odd=$(( $(size) - 1 ))
base=$(size)
expect 2 W infer --model bearing-risk@1.0.0 --input "$first,$odd" --run-in DE \
    --audit-trail odd-trail.jsonl
has "$T/err" "schema mismatch: entry $odd: field \"temp_c\" (feature temp_c, Cel) is missing"
same "$(size)" "$((base + 1))" "schema refusal logged, nothing run"
# both inputs were read: the trail has each, then the call's refusal
same "$(/usr/bin/python3 -c 'import json,sys; print(" ".join("%s:%s" % (e["event"], e.get("input", "-")) for e in map(json.loads, open(sys.argv[1]))))' odd-trail.jsonl)" \
    "before-input:$first before-input:$odd on-deny:-"
# log-only, run outside the model's places, with the same unfit record:
# the schema mismatch alone is logged and reported (the place's refusal,
# logged only for a call that goes on, is not left behind unreported)
base=$(size)
expect 2 W --json infer --model bearing-risk@1.0.0 --input "$first,$odd" --run-in US \
    --governance log-only
same "$(size)" "$((base + 1))" "one refusal logged"
same "$(js 'd["refused"]["decision"]')" "$base"
has "$T/out" "schema mismatch"
expect 2 W infer --model bearing-risk@1.0.0 --input "0" --run-in DE
has "$T/err" "entry 0 is a decision entry, not a record"
expect 2 W infer --model bearing-risk@1.0.0 --input "3-" --run-in DE
has "$T/err" "position 3: want the range's HIGH index"
expect 2 W infer --model bearing-risk@1.0.0 --input "3--4" --run-in DE
has "$T/err" "position 3: want the range's HIGH index"
expect 2 W infer --model bearing-risk@1.0.0 --input "3-4-5" --run-in DE
has "$T/err" "position 4: want ','"
lacks "$T/err" "or '-'"
expect 2 W infer --model bearing-risk@1.0.0 --input "05" --run-in DE
has "$T/err" "position 1: an index has no leading zero"
expect 2 W infer --model bearing-risk@1.0.0 --input "3-99999999999999999999" --run-in DE
has "$T/err" "position 3: index too large"
expect 2 W infer --model bearing-risk@1.0.0 --input "1,5-3" --run-in DE
has "$T/err" "position 3: range 5-3: want HIGH >= LOW"
expect 2 W infer --model bearing-risk@1.0.0 --input "$first,$first" --run-in DE
has "$T/err" "entry $first is selected more than once"
expect 2 W infer --model bearing-risk@1.0.0 --input 3 --run-in DE --governance lax
expect 2 W infer --model bearing-risk@1.0.0 --input 3

# ---- consent withdrawn: denied and logged; log-only runs with the same outputs --
W consent grant c-7 --subject operator-17 --controller "Example Plant GmbH" \
    --purpose predictive-maintenance --jurisdiction DE >/dev/null
W ingest --device press-7 --purpose predictive-maintenance --class personal \
    --jurisdiction DE --consent c-7 "$M/telemetry.jsonl" >/dev/null
p0=$(( $(size) - 20 ))
expect 0 W --json infer --model bearing-risk@1.0.0 --input "$p0-$((p0 + 2))" --run-in DE
same "$(js 'd["ran"], d["denied"]')" "(3, 0)"
cp "$T/out" given.json
W consent withdraw c-7 --reason "left the company" >/dev/null
base=$(size)
expect 1 W infer --model bearing-risk@1.0.0 --input "$p0-$((p0 + 2))" --run-in DE
has "$T/out" "entry $p0: denied (decision entry $base):"
has "$T/out" "consent c-7 (version 2, the latest) is withdrawn"
has "$T/out" "ran 0, denied 3"
same "$(size)" "$((base + 3))" "three denials logged, no output"
expect 1 W --json infer --model bearing-risk@1.0.0 --input "$p0" --run-in DE
same "$(js 'd["ok"], d["ran"], d["denied"]')" "(False, 0, 1)"
expect 0 W --json infer --model bearing-risk@1.0.0 --input "$p0-$((p0 + 2))" --run-in DE \
    --governance log-only --audit-trail trail2.jsonl
cp "$T/out" logonly.json
same "$(js 'd["ran"], d["denied"], d["governance"]')" "(3, 3, 'log-only')"
same "$(/usr/bin/python3 -c "
import json
a=[r['outputs'] for r in json.load(open('given.json'))['rows']]
b=[r['outputs'] for r in json.load(open('logonly.json'))['rows']]
c=[r['outputs'] for r in json.load(open('enforce.json'))['rows'][:3]]
print(a==b==c)")" "True" "log-only and enforce give the same outputs"
same "$(grep -c '"event":"on-deny"' trail2.jsonl)" "3"
has trail2.jsonl '"enforced":false'

# ---- the audit ---------------------------------------------------------------------
expect 0 W model audit bearing-risk@1.0.0
sed -E 's/[0-9a-f]{64}/HASH/g; s/entry [0-9]+/entry N/g; s/input [0-9]+/input N/g' "$T/out" > audit.txt
cat > audit.want <<'EOF2'
model bearing-risk@1.0.0
digest HASH
registered entry N
inferences 27 in 4 record(s), inputs 23
inputs by class: non-personal 20, personal 3, sensitive-personal 0, important 0, unclassified 0
denials 13 (whole calls 6)
EOF2
if head -6 audit.txt | cmp -s - audit.want; then ok; else bad "audit head: $(head -6 audit.txt)"; fi
has audit.txt "call refused: model bearing-risk@1.0.0 may run only in DE, CN, not in US"
has audit.txt "input N denied: consent c-7 (version 2, the latest) is withdrawn"
has audit.txt "input N denied (log-only): consent c-7"
has audit.txt "  entry N <- entry N HASH"
same "$(grep -c ' <- entry ' audit.txt)" "27"
expect 0 W --json model audit bearing-risk@1.0.0
same "$(js 'd["inferences"], d["inputs_by_class"]["personal"], d["refusals"]')" "(27, 3, 6)"
same "$(js 'd["lineage"][0]["input_leaf"]')" "$leafhash"

# ---- the site's copy tampered after registration -------------------------------------
flip "$WAYBILL_DIR/models/bearing-risk@1.0.0/bearing-risk.ubj" 300
expect 1 W model verify bearing-risk@1.0.0
has "$T/err" "digest mismatch"
base=$(size)
expect 1 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE \
    --audit-trail refused.jsonl --hook "$WB_HOOK_CHAIN:$T/refused-chain.jsonl"
has "$T/err" "digest mismatch"
same "$(size)" "$((base + 1))" "load refusal logged, nothing run"
# the hooks are told: one whole-call on_deny naming the logged refusal
for f in refused.jsonl refused-chain.jsonl; do
    same "$(/usr/bin/python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
print(len(ls), ls[0]["event"], ls[0]["whole_call"] if "whole_call" in ls[0] else "input" not in ls[0],
      ls[0]["decision"], ls[0]["run_in"], ls[0]["purpose"], "digest mismatch" in ls[0]["why"] and "logged as" not in ls[0]["why"])' "$f")" \
        "1 on-deny True $base DE predictive-maintenance True" "$f"
done
# a place or purpose that is none is still the caller's slip, not logged
base=$(size)
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in de \
    --audit-trail slip.jsonl
has "$T/err" 'run_in "de" is not an ISO 3166-1'
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --purpose golf
has "$T/err" 'purpose "golf" is not in the purpose vocabulary'
same "$(size)" "$base" "slips beside a damaged model not logged"
same "$(wc -c < slip.jsonl)" "0" "no hook event for a slip"
flip "$WAYBILL_DIR/models/bearing-risk@1.0.0/bearing-risk.ubj" 300

# ---- a reading beyond a float's range: a schema mismatch, not an infinite score --
printf '{"vib_rms": 1e39, "temp_c": 50, "current_a": 11}\n' > huge.jsonl
W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE huge.jsonl >/dev/null
huge=$(( $(size) - 1 ))
base=$(size)
expect 2 W infer --model bearing-risk@1.0.0 --input "$huge" --run-in DE
has "$T/err" "entry $huge: field \"vib_rms\" (feature vib_rms, mm/s) is 1e+39, beyond a float's range"
same "$(size)" "$((base + 1))" "range refusal logged, nothing run"
# a float's largest value, as numpy writes it, is in range; the next
# tenth of a place up rounds to infinity
printf '{"vib_rms": 3.4028235e38, "temp_c": 50, "current_a": 11}\n{"vib_rms": -3.4028236e38, "temp_c": 50, "current_a": 11}\n' > huge.jsonl
W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE huge.jsonl >/dev/null
huge=$(( $(size) - 2 ))
expect 0 W infer --model bearing-risk@1.0.0 --input "$huge" --run-in DE
has "$T/out" "ran 1, denied 0"
expect 2 W infer --model bearing-risk@1.0.0 --input "$((huge + 1))" --run-in DE
has "$T/err" "entry $((huge + 1)): field \"vib_rms\" (feature vib_rms, mm/s) is -3.4028236e+38, beyond a float's range"
# the same as text (a CSV cell), even beyond a double's range
printf '{"vib_rms": "1e400", "temp_c": 50, "current_a": 11}\n' > huge.jsonl
W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE huge.jsonl >/dev/null
huge=$(( $(size) - 1 ))
expect 2 W infer --model bearing-risk@1.0.0 --input "$huge" --run-in DE
has "$T/err" "entry $huge: field \"vib_rms\" (feature vib_rms, mm/s) is 1e400, beyond a float's range"
# text that holds more than the overflowing number is no number at all
printf '{"vib_rms": "1e400x", "temp_c": 50, "current_a": 11}\n' > huge.jsonl
W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE huge.jsonl >/dev/null
huge=$(( $(size) - 1 ))
expect 2 W infer --model bearing-risk@1.0.0 --input "$huge" --run-in DE
has "$T/err" "is not a number (text \"1e400x\")"

# ---- a manifest naming more outputs than the model gives: refused at registration
# (the trial load runs the probe row), so never at load ---------------------------
/usr/bin/python3 - "$M/bearing-risk.spec.json" two.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["version"] = "1.0.1"
s["output"].append({"name": "spare", "unit": "1"})
json.dump(s, open(sys.argv[2], "w"))
PY
expect 0 W model pack two.json --model "$M/bearing-risk.ubj" --out two
expect 0 W model sign two --key-file vendor.key
base=$(size)
expect 2 W model register two --vendor-key "$VK"
has "$T/err" "model file bearing-risk.ubj: the model gives 1 value(s) for 1 row(s); the manifest names 2 output(s) a row"
same "$(size)" "$((base + 1))" "output-count refusal logged"
expect 0 W --json show "$base"
has "$T/out" '"event": "model-register-refused"'
expect 2 W infer --model bearing-risk@1.0.1 --input "$first" --run-in DE
has "$T/err" 'no model "bearing-risk@1.0.1" is registered'

# ---- a third party's hook plug-in: a hash-chained trail, checked by python ----
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --hook libx.so
has "$T/err" "never searched"
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --hook "$WB_LIB_SHARED:x"
has "$T/err" "no symbol waybill_infer_hook_v1"
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --hook "$WB_HOOK_CHAIN"
has "$T/err" "refused to start: give the trail file"
expect 0 W infer --model bearing-risk@1.0.0 --input "$first-$((first + 2))" --run-in DE \
    --hook "$WB_HOOK_CHAIN:$T/chain.jsonl"
# a second run continues the chain from the file's last line
expect 0 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE \
    --hook "$WB_HOOK_CHAIN:$T/chain.jsonl"
cat > chain.py <<'PY'
import hashlib, json, sys
prev, seq, n = "0" * 64, 0, 0
for raw in open(sys.argv[1], "rb").read().split(b"\n")[:-1]:
    d = json.loads(raw)
    seq += 1
    if d["prev"] != prev or d["seq"] != seq:
        print("broken at line %d" % seq); sys.exit(0)
    prev = hashlib.sha256(raw).hexdigest()
    n += 1
print("chain ok, %d lines" % n)
PY
same "$(/usr/bin/python3 chain.py chain.jsonl)" "chain ok, 8 lines"
has chain.jsonl '"event":"after-output","model":"bearing-risk@1.0.0"'
cp chain.jsonl chain-good.jsonl
sed -i '3s/"input":[0-9]*/"input":0/' chain.jsonl
same "$(/usr/bin/python3 chain.py chain.jsonl)" "broken at line 4" "an edited line breaks the chain"
# the plug-in does not go on from a trail it cannot vouch for: an edited
# line, a line cut off mid-write (a crash), a line it did not write
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE \
    --hook "$WB_HOOK_CHAIN:$T/chain.jsonl"
has "$T/err" "chain.jsonl: line 4 does not carry the previous line's hash as \"prev\""
cp chain-good.jsonl chain.jsonl
printf '{"seq":9,"prev":"00' >> chain.jsonl
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE \
    --hook "$WB_HOOK_CHAIN:$T/chain.jsonl"
has "$T/err" "line 9 ends without a newline"
cp chain-good.jsonl chain.jsonl
echo 'not json' >> chain.jsonl
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE \
    --hook "$WB_HOOK_CHAIN:$T/chain.jsonl"
has "$T/err" "line 9 is not a JSON object"
printf '\n' > blank.jsonl
expect 2 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE \
    --hook "$WB_HOOK_CHAIN:$T/blank.jsonl"
has "$T/err" "line 1 is not a JSON object"

expect 0 W verify
# ---- log-only: a refused call is logged and run, and the output says so ---
# logged and run, and the output says the call was refused
base=$(size)
expect 0 W infer --model bearing-risk@1.0.0 --input "$first" --run-in US --governance log-only
has "$T/out" "the call: refused, not enforced (decision entry $base):"
has "$T/out" "may run only in DE, CN, not in US"
has "$T/out" "ran 1, denied 1, the call refused (governance log-only)"
expect 0 W --json infer --model bearing-risk@1.0.0 --input "$first" --run-in US --governance log-only
same "$(js 'd["refused"]["decision"], "not in US" in d["refused"]["why"], d["ran"]')" "($((base + 3)), True, 1)"
expect 0 W --json infer --model bearing-risk@1.0.0 --input "$first" --run-in DE --governance log-only
same "$(js 'd["refused"]')" "None"

# ---- the consent's places: restrictions, processing and storage locations ------
W consent grant c-cn --subject operator-18 --controller "Example Plant GmbH" \
    --purpose predictive-maintenance --jurisdiction DE --restrict CN >/dev/null
W consent grant c-de --subject operator-19 --controller "Example Plant GmbH" \
    --purpose predictive-maintenance --jurisdiction DE --process DE --process CN --store DE >/dev/null
for k in c-cn c-de; do
    head -1 "$M/telemetry.jsonl" | W ingest --device press-7 --purpose predictive-maintenance \
        --class personal --jurisdiction DE --consent $k - >/dev/null
done
pc=$(( $(size) - 2 ))
expect 1 W infer --model bearing-risk@1.0.0 --input "$pc-$((pc + 1))" --run-in CN
has "$T/out" "consent c-cn (version 1) rules out CN, where the model runs"
has "$T/out" "consent c-de (version 1) lets the data be stored only in DE, not in CN where the output would be kept"
has "$T/out" "ran 0, denied 2"
expect 0 W infer --model bearing-risk@1.0.0 --input "$pc-$((pc + 1))" --run-in DE
has "$T/out" "ran 2, denied 0"
# a subdivision lies within its country: the model's DE, the consent's DE
expect 0 W infer --model bearing-risk@1.0.0 --input "$pc-$((pc + 1))" --run-in DE-BY
has "$T/out" "ran 2, denied 0"
# and a restriction to CN covers CN-BJ
expect 1 W infer --model bearing-risk@1.0.0 --input "$pc-$((pc + 1))" --run-in CN-BJ
has "$T/out" "consent c-cn (version 1) rules out CN-BJ, where the model runs"
has "$T/out" "consent c-de (version 1) lets the data be stored only in DE, not in CN-BJ"
# local-only stays where it is held: DE-BY is not DE
expect 1 W infer --model bearing-risk@1.0.0 --input "$first" --run-in DE-BY
has "$T/out" "is local-only (held in DE): running in DE-BY would take it out"
expect 0 W verify
# a package directory or key file that is not there is bad input (2)
expect 2 W model register no-such-pkg --vendor-key "$VK"
has "$T/err" "no-such-pkg/manifest.json: No such file or directory"
expect 2 W model verify no-such-pkg --key "$VK"
expect 2 W model sign no-such-pkg --key-file vendor.key
expect 2 W model sign pkg --key-file no-such.key
has "$T/err" "waybill model: no-such.key: No such file or directory"
expect 2 W model register pkg --vendor-key no-such.vkey
has "$T/err" "waybill model: --vendor-key: no-such.vkey: no such file, nor a verifier key"

# ---- CSV telemetry: its cells are text; text that is a number alone feeds the
# model, with the outputs the same readings give as JSON numbers ------------------
/usr/bin/python3 - "$M" > tele.csv <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1] + "/telemetry.jsonl")][:3]
print("vib_rms,temp_c,current_a,line")
for r in rows:
    print("%r,%r,%r,%s" % (r["vib_rms"], r["temp_c"], r["current_a"], r["line"]))
PY
csv0=$(size)
expect 0 W ingest --format csv --device press-7 --purpose predictive-maintenance \
    --class non-personal --jurisdiction DE --residency local-only tele.csv
W --json show "$csv0" > csvrec.json
has csvrec.json '"vib_rms": "2.413694143295288"'
expect 0 W --json infer --model bearing-risk@1.0.0 --input "$csv0-$((csv0 + 2))" --run-in DE
same "$(/usr/bin/python3 -c "
import json
a = [r['outputs'] for r in json.load(open('$T/out'))['rows']]
b = [r['outputs'] for r in json.load(open('enforce.json'))['rows'][:3]]
print(len(a), a == b)")" "3 True" "CSV rows give the JSON rows' outputs"
# a spreadsheet's byte-order mark is not part of the first column's name
{ printf '\357\273\277'; cat tele.csv; } > bom.csv
bom=$(size)
expect 0 W ingest --format csv --device press-7 --purpose predictive-maintenance \
    --class non-personal --jurisdiction DE --residency local-only bom.csv
W --json show "$bom" > bomrec.json
has bomrec.json '"vib_rms": "2.413694143295288"'
expect 0 W infer --model bearing-risk@1.0.0 --input "$bom-$((bom + 2))" --run-in DE
has "$T/out" "ran 3, denied 0"
printf 'vib_rms,temp_c,current_a\nn/a,50,11\n 1.5,50,11\n' > na.csv
W ingest --format csv --device press-7 --purpose predictive-maintenance \
    --class non-personal --jurisdiction DE na.csv >/dev/null
na=$(( $(size) - 2 ))
expect 2 W infer --model bearing-risk@1.0.0 --input "$na" --run-in DE
has "$T/err" "entry $na: field \"vib_rms\" (feature vib_rms, mm/s) is not a number (text \"n/a\")"
# a number with white space around it, as a spreadsheet may write it, is one
expect 0 W infer --model bearing-risk@1.0.0 --input "$((na + 1))" --run-in DE
has "$T/out" "ran 1, denied 0"

# ---- an index past the log's end: a usage error, nothing logged -------------
base=$(size)
expect 2 W infer --model bearing-risk@1.0.0 --input "$base" --run-in DE
has "$T/err" "--input: entry $base is past the log's end (the log has $base); nothing run"
same "$(size)" "$base" "nothing logged for a mistyped index"

# ---- two reasons for one denial: each on its own line, under the row --------
head -1 "$M/telemetry.jsonl" | W ingest --device press-7 --purpose resource-optimisation \
    --class non-personal --jurisdiction DE --residency local-only - >/dev/null
two=$(( $(size) - 1 ))
expect 1 W infer --model bearing-risk@1.0.0 --input "$two" --run-in CN
same "$(grep -c '^  ' "$T/out")" 2 "both reasons indented: $(cat "$T/out")"
has "$T/out" "  the record's purposes (resource-optimisation) do not cover"

finish
