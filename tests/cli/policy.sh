#!/usr/bin/env bash
# waybill policy check: the design.md request, registered servers, the
# per-year tally that a split transfer cannot escape, recorded decisions,
# bad requests and bad profiles.
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
for n in (1, 2):
    open(f"s{n}.txt", "w").write("".join(f"op-{n}-{i}\n" for i in range(60000)))
P
# 60,000 individuals: under the 100,000 exemption
expect 0 W policy check --request r.json --subjects s1.txt --record
has "$T/out" '"decision": "allow_with_obligations"'
has "$T/err" 'decision recorded as entry 1'
# the same individuals again add nothing
expect 0 W policy check --request r.json --subjects s1.txt
has "$T/out" '"decision": "allow_with_obligations"'
# another 60,000: the site's count (120,000) beats the request's 0, and the
# registered server's standard contract now carries it
expect 0 W policy check --request r.json --subjects s2.txt --record
has "$T/out" '"decision": "allow_with_obligations"'
has "$T/out" '"cn-standard-contract"'
has "$T/out" 'Provisions Art. 8'
expect 0 W --json show 2
has "$T/out" '"kind": "decision"'
# suspended server: the baseline denies, and it cannot be recorded
W server suspend srv-de-1 --reason "audit" >/dev/null
expect 0 W policy check --request r.json
has "$T/out" '"decision": "deny"'
expect 1 W policy check --request r.json --record
expect 0 W policy check --request unreg.json
has "$T/out" 'site-unregistered-server'
expect 2 W policy check --request wrongcountry.json
has "$T/err" "differs from server srv-de-1's registered country DE"
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
