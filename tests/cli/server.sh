#!/usr/bin/env bash
# The overseas server registry: register, list, show, history, status
# changes, expiry by date, key pins from certificates, bad input refused
# (exit 2, the field named, nothing written), the self-check after, and a
# register document altered behind the library's back.
. "$(dirname "$0")/lib.bash"
cd "$T"

# A small fixed profile set, so the mechanism check does not depend on the
# shipped profiles.
mkdir prof
cat > prof/purposes.jsonl <<'EOF'
{"purpose":"service-optimisation","label":"Optimise a service"}
EOF
cat > prof/eu.jsonl <<'EOF'
{"profile":"eu-test","version":"1","title":"test profile","applies_to":["DE"],"effective":"2020-01-01","strategy":"first-match","default_cite":["GDPR Art. 44"]}
{"mechanism":"scc","needs_reference":true,"cite":["GDPR Art. 46(2)(c)"]}
{"mechanism":"adequacy","cite":["GDPR Art. 45"]}
{"rule":"deny-all","decision":"deny","cite":["GDPR Art. 44"],"reason":"test"}
EOF
export WAYBILL_PROFILES="$T/prof"

# entries: the log's size, from the self-check
entries() { W --json verify | sed -n 's/.*"entries": \([0-9]*\).*/\1/p'; }

W init --origin servers.waybill.example >/dev/null
reg_eu=(server register srv-eu-1 --endpoint https://eu.example.com:8443/ingest
    --operator "Example GmbH" --country DE --role processor
    --registration CAC-2026-001 --mechanism scc --mechanism-ref "SCC 2021/914"
    --valid-from 2026-01-01 --valid-until 2029-05-01)
expect 0 W "${reg_eu[@]}"
has "$T/out" "registered server srv-eu-1 version 1 (entry 0)"
expect 2 W "${reg_eu[@]}"
has "$T/err" "srv-eu-1 is registered already"

# a pin computed from a certificate, as curl would compute it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=x -keyout k -out c.pem -days 1 2>/dev/null
want_pin="sha256//$(openssl x509 -in c.pem -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
expect 0 W server register srv-cn-1 --endpoint https://cn.example.cn \
    --operator "Example Shanghai Ltd" --country CN --role importer \
    --registration "CAC-FILING-7" --mechanism adequacy --mechanism-ref x \
    --valid-until 2027-12-31 --cert c.pem
expect 0 W --json server show srv-cn-1
has "$T/out" "\"pin\": \"$want_pin\""
expect 0 W server register srv-us-1 --endpoint https://us.example.com \
    --operator "Example Inc" --country US --role controller \
    --registration R-1 --mechanism scc --mechanism-ref S-1 \
    --valid-until 2030-01-01 --pin "$want_pin"

# list: stable text, effective status by date
expect 0 W server list --date 2027-06-01
same "$(cat "$T/out")" "ID        COUNTRY  ROLE        MECHANISM  VALID_UNTIL  STATUS
srv-cn-1  CN       importer    adequacy   2027-12-31   active
srv-eu-1  DE       processor   scc        2029-05-01   active
srv-us-1  US       controller  scc        2030-01-01   active" "list"
expect 0 W server list --date 2029-05-02
has "$T/out" "srv-eu-1  DE       processor   scc        2029-05-01   expired"
has "$T/out" "srv-us-1  US       controller  scc        2030-01-01   active"
expect 0 W server list --date 2025-12-31
has "$T/out" "2029-05-01   not-yet-valid"
expect 0 W --json server list --date 2028-01-01
has "$T/out" '"date": "2028-01-01"'
has "$T/out" '"effective": "expired"'
expect 0 W server show srv-eu-1 --date 2029-05-01
has "$T/out" "effective: active"
has "$T/out" "mechanism.valid_from: 2026-01-01"
expect 0 W server show srv-eu-1 --date 2029-05-02
has "$T/out" "effective: expired"

# status changes: each a new version
expect 0 W server suspend srv-eu-1 --reason "audit pending"
has "$T/out" "suspended server srv-eu-1: version 2 (entry 3)"
expect 2 W server suspend srv-eu-1 --reason again
has "$T/err" "suspended already"
expect 0 W server list --date 2027-01-01
has "$T/out" "2029-05-01   suspended"
expect 0 W server reinstate srv-eu-1 --reason "audit passed"
expect 0 W server update srv-eu-1 --valid-until 2031-12-31 --mechanism-ref "SCC 2021/914 (renewed)" --reason renewed
has "$T/out" "updated server srv-eu-1 version 4 (entry 5)"
expect 0 W server show srv-eu-1 --date 2030-01-01
has "$T/out" "effective: active"
has "$T/out" "mechanism.reference: SCC 2021/914 (renewed)"
has "$T/out" "operator: Example GmbH"
expect 0 W server revoke srv-eu-1 --reason "contract ended"
expect 2 W server reinstate srv-eu-1 --reason "changed our mind"
has "$T/err" "a revocation is final"
expect 2 W server update srv-eu-1 --valid-until 2032-01-01
expect 0 W server show srv-eu-1 --version 2
has "$T/out" "status: suspended"
has "$T/out" "reason: audit pending"
has "$T/out" "replaces: 1"
expect 0 W server history srv-eu-1
same "$(awk '{print $1, $3, $4}' "$T/out")" "VERSION STATUS ENTRY
1 active 0
2 suspended 3
3 active 4
4 active 5
5 revoked 6" "history"
has "$T/out" "contract ended"
expect 0 W --json server history srv-eu-1
has "$T/out" '"replaces": 4'
expect 0 W --json server revoke srv-us-1 --reason "provider exit"
has "$T/out" '"status": "revoked"'
has "$T/out" '"version": 2'

# a document from a file
cat > doc.json <<'EOF'
{"id":"srv-jp-1","endpoint":"https://jp.example.jp/v1","operator":"Example KK",
 "country":"JP","role":"third-party","registration":"PPC-1",
 "mechanism":{"type":"adequacy","reference":"2019/419","valid_until":"2030-01-01"}}
EOF
expect 0 W server register --from doc.json
has "$T/out" "registered server srv-jp-1 version 1"
expect 2 W server register other-id --from doc.json
has "$T/err" "differs from the id"
expect 2 W server register --from doc.json --country DE
has "$T/err" "--from FILE and --country"

# bad input: exit 2, the field or option named, nothing written
n0=$(entries)
refuse() { # refuse TEXT ARGS...: exit 2 and TEXT in the message
    local text=$1
    shift
    expect 2 W "$@"
    has "$T/err" "$text"
}
ok_args=(--operator O --country DE --role processor --registration R
    --mechanism scc --mechanism-ref R --valid-until 2030-01-01)
refuse "endpoint:" server register b1 --endpoint http://x.example "${ok_args[@]}"
refuse "endpoint:" server register b1 --endpoint https:// "${ok_args[@]}"
refuse "endpoint:" server register b1 --endpoint https://user:pw@x.example "${ok_args[@]}"
refuse "endpoint:" server register b1 --endpoint https://x.example:99999 "${ok_args[@]}"
refuse "missing --endpoint" server register b1 "${ok_args[@]}"
refuse "country:" server register b1 --endpoint https://x.example "${ok_args[@]/DE/XX}"
refuse "country:" server register b1 --endpoint https://x.example "${ok_args[@]/DE/de}"
refuse "--role:" server register b1 --endpoint https://x.example "${ok_args[@]/processor/owner}"
refuse "mechanism.type:" server register b1 --endpoint https://x.example "${ok_args[@]/scc/SCC}"
refuse "--mechanism: \"bcr\" is not a mechanism type the policy profiles declare (scc, adequacy)" \
    server register b1 --endpoint https://x.example "${ok_args[@]/scc/bcr}"
refuse "--valid-until:" server register b1 --endpoint https://x.example "${ok_args[@]/2030-01-01/2029-02-30}"
refuse "mechanism.valid_until:" server register b1 --endpoint https://x.example --valid-from 2031-01-01 "${ok_args[@]}"
refuse "pin:" server register b1 --endpoint https://x.example "${ok_args[@]}" --pin sha256//abc
refuse "--pin and --cert" server register b1 --endpoint https://x.example "${ok_args[@]}" --pin "$want_pin" --cert c.pem
refuse "--cert: nope.pem" server register b1 --endpoint https://x.example "${ok_args[@]}" --cert nope.pem
refuse "certificate:" server register b1 --endpoint https://x.example "${ok_args[@]}" --cert doc.json
refuse "id:" server register "bad id" --endpoint https://x.example "${ok_args[@]}"
refuse "registration:" server register b1 --endpoint https://x.example "${ok_args[@]/R/}"
refuse "unknown option \"--colour\"" server register b1 --colour red
refuse "--endpoint given twice" server register b1 --endpoint https://a.example --endpoint https://b.example
refuse "--reason goes with" server register b1 --endpoint https://x.example "${ok_args[@]}" --reason x
refuse "--reason TEXT" server suspend srv-us-1
refuse "no server \"nope\"" server suspend nope --reason x
refuse "no server \"nope\"" server show nope
refuse "--version" server show srv-jp-1 --version 0
refuse "--date" server list --date 2027-13-01
refuse "unknown server command" server frobnicate
printf '{"id":"b2","endpoint":"https://x.example","operator":"O","country":"DE","role":"processor","registration":"R","mechanism":{"type":"scc","reference":"R","valid_until":"2030-01-01"},"colour":"red"}' > bad.json
refuse 'unknown field "colour"' server register --from bad.json
printf '{"id":"b2",' > trunc.json
refuse "--from trunc.json" server register --from trunc.json
refuse "--from: missing.json" server register --from missing.json
expect 2 W --json server register b1 --endpoint http://x.example "${ok_args[@]}"
has "$T/out" '"ok": false'
has "$T/out" 'endpoint:'
same "$(entries)" "$n0" "bad input wrote entries"

# without loadable profiles the mechanism goes unchecked, with a warning on
# stderr; under --json stdout is still one JSON document
mkdir noprof
expect 0 env WAYBILL_PROFILES="$T/noprof" "$WAYBILL" --json server register srv-kr-1 \
    --endpoint https://kr.example.kr --operator "Example Co" --country KR \
    --role processor --registration PIPC-9 --mechanism some-new-type \
    --mechanism-ref K-1 --valid-until 2028-01-01
has "$T/err" 'mechanism type "some-new-type" was not checked'
if /usr/bin/python3 -m json.tool "$T/out" >/dev/null; then ok; else bad "--json output is not one JSON document"; fi
has "$T/out" '"version": 1'

# the whole site still checks out
expect 0 W verify
has "$T/out" "ok:"

# a registration altered behind the library's back is caught
sql site/waybill.db "UPDATE registers SET doc = replace(doc, '2030-01-01', '2040-01-01') WHERE reg = 'server' AND id = 'srv-jp-1'"
expect 1 W verify
has "$T/err" "server srv-jp-1 version 1 differs from the payload"
finish
