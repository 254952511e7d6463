#!/usr/bin/env bash
# waybill policy check: the design.md request, registered servers, the
# per-year tally that a split transfer cannot escape, recorded decisions
# (refused ones too) citing the logged policy texts, policy
# load|list|show|history, bad requests and bad profiles.
. "$(dirname "$0")/lib.bash"
cd "$T"
export WAYBILL_PROFILES="$WB_SRC/profiles"

# no site: decided as the request stands
cat > design.json <<'J'
{ "exporter":  {"jurisdiction": "CN", "ciio": false, "public_authority": false},
  "recipient": {"country": "DE", "server": "srv-eu-1", "dpf_certified": false, "restricted_list": false,
                "role": "processor"},
  "data":      {"classes": ["personal"], "subjects_ytd": 120000, "sensitive_subjects_ytd": 0,
                "important_notified": false},
  "purpose": "predictive-maintenance",
  "mechanism": {"type": "cn-standard-contract", "reference": "filing-2026-001", "valid_until": "2029-05-01"},
  "consent": {"status": "given", "separate": true},
  "repetitive": true, "remote_access": false, "date": "2026-11-22" }
J
expect 0 W policy check --request design.json
has "$T/out" '"decision": "deny"'
has "$T/out" 'site-unregistered-server'
has "$T/out" 'cn-pipl@2026.1 pipl-contract-or-certification-valid'
expect 1 W policy check --request design.json --exit-code
python3 - <<'P'
import json
r = json.load(open("design.json"))
del r["recipient"]["server"]
json.dump(r, open("noserver.json", "w"))
P
expect 0 W policy check --request noserver.json
has "$T/out" '"decision": "allow_with_obligations"'
has "$T/out" '"cn-standard-contract"'
has "$T/out" '"profile": "cn-pipl@2026.1"'

# with a site: the registry makes srv-de-1 registered
W init --origin policy.waybill.example >/dev/null
W server register srv-de-1 --endpoint https://de.example.com/in --operator "Acme GmbH" \
  --country DE --role processor --registration CAC-2026-17 --mechanism cn-standard-contract \
  --mechanism-ref filing-2026-001 --valid-until 2028-12-31 >/dev/null
python3 - <<'P'
import json
r = {"exporter": {"jurisdiction": "CN"},
     "recipient": {"country": "DE", "server": "srv-de-1"},
     "data": {"classes": ["personal"], "subjects_ytd": 0},
     "purpose": "predictive-maintenance",
     "consent": {"status": "given", "separate": True}, "date": "2026-11-22"}
json.dump(r, open("r.json", "w"))
r2 = dict(r); r2["recipient"] = {"country": "DE", "server": "srv-xx"}
json.dump(r2, open("unreg.json", "w"))
r3 = dict(r); r3["recipient"] = {"country": "FR", "server": "srv-de-1"}
json.dump(r3, open("wrongcountry.json", "w"))
r4 = dict(r); r4["mechanism"] = {"type": "cn-certification", "reference": "CERT-made-up", "valid_until": "2027-06-01"}
json.dump(r4, open("wrongmech.json", "w"))
r5 = dict(r); r5["mechanism"] = {"type": "cn-standard-contract", "reference": "filing-2026-001", "valid_until": "2028-12-31"}
json.dump(r5, open("samemech.json", "w"))
for n in (1, 2):
    open(f"s{n}.txt", "w").write("".join(f"op-{n}-{i}\n" for i in range(60000)))
P
# the policy register: nothing logged yet, then every file once
expect 0 W policy list
has "$T/out" 'cn-pipl@2026.1'
has "$T/out" 'not logged (run policy load)'
expect 0 W policy load
has "$T/out" 'purposes                 version 1 (entry 1): logged'
has "$T/out" 'cn-pipl                  version 1 (entry 3): logged'
nfiles=$(ls "$WB_SRC/profiles/"*.jsonl | wc -l)
same "$(grep -c ': logged$' "$T/out")" "$nfiles"
expect 0 W policy load
same "$(grep -c ': unchanged$' "$T/out")" "$nfiles" "second load adds nothing"
expect 0 W policy list
has "$T/out" 'in use'
expect 0 W policy show cn-pipl
cmp -s "$T/out" "$WB_SRC/profiles/cn-pipl.jsonl" && ok || bad "policy show is not the file"
has "$T/err" 'policy cn-pipl version 1 (entry 3): cn-pipl@2026.1, cn-pipl.jsonl'
expect 0 W --json policy show purposes
same "$(python3 -c "import json,hashlib; d=json.load(open('$T/out')); print(d['sha256']==hashlib.sha256(d['text'].encode()).hexdigest(), d['profile'], d['entry'])")" "True None 1"
expect 2 W policy show no-such-profile
has "$T/err" 'no policy "no-such-profile" is logged'
expect 2 W policy show cn-pipl --version 0
# a changed profile is a new version once; the decision cites it
mkdir prof2
cp "$WB_SRC/profiles/"*.jsonl prof2/
sed -i 's/"title":"China PIPL/"title":"PRC PIPL/' prof2/cn-pipl.jsonl
cmp -s prof2/cn-pipl.jsonl "$WB_SRC/profiles/cn-pipl.jsonl" && bad "sed changed nothing" || ok
expect 0 W --profiles prof2 policy list
has "$T/out" 'changed (run policy load)'
expect 0 W policy load --profiles prof2
has "$T/out" 'cn-pipl                  version 2 (entry 9): logged'
same "$(grep -c ': logged$' "$T/out")" "1"
expect 0 W policy history cn-pipl
same "$(wc -l < "$T/out")" "2"
has "$T/out" 'policy cn-pipl version 2 (entry 9)'
expect 0 W policy show cn-pipl --version 1
cmp -s "$T/out" "$WB_SRC/profiles/cn-pipl.jsonl" && ok || bad "version 1 is not the original"
expect 2 W policy history nothing-here

# 60,000 individuals: under the 100,000 exemption; the decision cites the
# files in use (the source tree's: cn-pipl is version 3 now, logged with
# the decision because the register's latest text is prof2's)
expect 0 W policy check --request r.json --subjects s1.txt --record
has "$T/out" '"decision": "allow_with_obligations"'
has "$T/err" 'logged 1 policy file(s) in use'
has "$T/err" 'decision recorded as entry 11'
expect 0 W --json show 11
same "$(python3 -c "
import json; d=json.load(open('$T/out'))['payload']
c=[x for x in d['policy'] if x['id']=='cn-pipl'][0]
print(c['version'], c['entry'], c['profile'], d['refused'])")" "3 10 cn-pipl@2026.1 False"
expect 0 W --json policy show cn-pipl --version 3
same "$(python3 -c "import json; print(json.load(open('$T/out'))['entry'])")" "10"
# the same individuals again add nothing
expect 0 W policy check --request r.json --subjects s1.txt
has "$T/out" '"decision": "allow_with_obligations"'
# another 60,000: the site's count (120,000) beats the request's 0, and the
# registered server's standard contract now carries it
expect 0 W policy check --request r.json --subjects s2.txt --record
has "$T/out" '"decision": "allow_with_obligations"'
has "$T/out" '"cn-standard-contract"'
has "$T/out" 'Provisions Art. 8'
expect 0 W --json show 12
has "$T/out" '"kind": "decision"'
# suspended server: the baseline denies; recorded, the refusal is logged
# (exit 1) and counts nobody
W server suspend srv-de-1 --reason "audit" >/dev/null
expect 0 W policy check --request r.json
has "$T/out" '"decision": "deny"'
expect 1 W policy check --request r.json --subjects s1.txt --record
has "$T/out" '"decision": "deny"'
has "$T/err" 'decision recorded as entry 14 (refused: no registered server)'
expect 0 W --json show 14
same "$(python3 -c "
import json; d=json.load(open('$T/out'))['payload']
print(d['decision']['decision'], d['refused'], d['counted']['subjects_new'], len(d['policy']))")" "deny True 0 $nfiles"
has "$T/out" 'not registered and active on the request date'
expect 0 W policy check --request unreg.json
has "$T/out" 'site-unregistered-server'
# an unregistered server and no server at all: refused and logged
expect 1 W policy check --request unreg.json --record
has "$T/err" 'decision recorded as entry 15 (refused'
python3 -c "
import json; r=json.load(open('r.json')); del r['recipient']['server']
json.dump(r, open('unnamed.json','w'))"
expect 1 W policy check --request unnamed.json --record
has "$T/err" 'decision recorded as entry 16 (refused'
has "$T/out" 'names no server'
# a server past its mechanism's validity counts as unregistered
W server reinstate srv-de-1 --reason "audit passed" >/dev/null
python3 -c "
import json; r=json.load(open('r.json')); r['date']='2029-01-01'
json.dump(r, open('late.json','w'))"
expect 1 W policy check --request late.json --record
has "$T/out" 'site-unregistered-server'
has "$T/err" '(refused: no registered server)'
expect 0 W policy check --request r.json --record
has "$T/out" '"decision": "allow_with_obligations"'
# bad input is not an attempt: exit 2, nothing logged
n_before=$(W --json verify | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
expect 2 W policy check --request wrongcountry.json --record
same "$(W --json verify | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')" "$n_before"
# a policy register row altered behind the log's back fails verify
expect 0 W verify
sql site/waybill.db "UPDATE registers SET doc = replace(doc, 'PRC PIPL', 'PRC PlPL') WHERE reg = 'policy' AND id = 'cn-pipl' AND version = 2"
expect 1 W verify
has "$T/err" 'policy cn-pipl version 2 differs from the payload'
sql site/waybill.db "UPDATE registers SET doc = replace(doc, 'PRC PlPL', 'PRC PIPL') WHERE reg = 'policy' AND id = 'cn-pipl' AND version = 2"
expect 0 W verify
# a version's register row deleted behind the log's back fails verify too
cp -a site tampered
sql tampered/waybill.db "DELETE FROM registers WHERE reg = 'policy' AND id = 'cn-pipl' AND version = 2"
expect 1 W --dir tampered verify
has "$T/err" 'FAILED at entry 9'
has "$T/err" 'register row is missing'
expect 0 W --dir tampered policy history cn-pipl
same "$(wc -l < "$T/out")" "2" "history without the deleted version"
rm -rf tampered
expect 2 W policy check --request wrongcountry.json
has "$T/err" "differs from server srv-de-1's registered country DE"
# the transfer goes under the server's registered mechanism: a request
# naming another is refused, the same one is checked as usual
expect 2 W policy check --request wrongmech.json --record
has "$T/err" "mechanism.type cn-certification differs from server srv-de-1's registered mechanism cn-standard-contract"
expect 0 W policy check --request samemech.json
expect 0 W verify

# bad requests: named field, exit 2
echo '{"exporter":{"jurisdiction":"QQ"},"recipient":{"country":"DE"}}' > bad1.json
expect 2 W policy check --request bad1.json
has "$T/err" 'exporter.jurisdiction: unknown jurisdiction "QQ"'
echo '{"exporter":{"jurisdiction":"CN"},"recipient":{"country":"DE"},"data":{"clases":[]}}' > bad2.json
expect 2 W policy check --request bad2.json
has "$T/err" 'unknown field data.clases'
echo '{"exporter":{"jurisdiction":"CN"},"recipient":{"country":"DE"},"mechanism":{"type":"handshake"}}' > bad3.json
expect 2 W policy check --request bad3.json
has "$T/err" 'unknown mechanism "handshake"'
echo '{"exporter":{"jurisdiction":"BR"},"recipient":{"country":"DE"}}' > bad4.json
expect 2 W policy check --request bad4.json
has "$T/err" 'no profile covers exporter jurisdiction BR'
echo '{"exporter":' > bad5.json
expect 2 W policy check --request bad5.json

# a bad profile: nothing loads, file and line named
mkdir prof
cp "$WB_SRC/profiles/"*.jsonl prof/
echo '{"rule":"x","decision":"allow","reason":"no citation"}' >> prof/cn-pipl.jsonl
expect 2 W --profiles prof policy check --request noserver.json
has "$T/err" 'cn-pipl.jsonl:'
has "$T/err" 'x: missing field "cite"'
expect 0 W policy list
has "$T/out" 'eu-gdpr@'
finish
