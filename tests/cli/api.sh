#!/usr/bin/env bash
# waybilld's HTTP API, driven with curl against the daemon as a child
# process on a free 127.0.0.1 port: the role matrix (every role, no key, a
# revoked key and a wrong key against every endpoint, statuses from the
# table below, written independently of the code's route table), round
# trips verified offline, tlog-tiles followed by Go's sumdb/tlog, TLS with
# client certificates, bad input (413, 400, 404, 405) with the daemon still
# serving, and SIGHUP.
. "$(dirname "$0")/lib.bash"
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"
cd "$T"
export WAYBILL_PROFILES="$WB_SRC/profiles"

DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"' EXIT

# start [ARGS...]: run the daemon on a free port, wait for its line.
start() {
    ${WB_TEST_WRAPPER:+${WB_TEST_WRAPPER//;/ }} "$WAYBILLD" --listen 127.0.0.1:0 "$@" \
        >"$T/d.out" 2>"$T/d.err" &
    DPID=$!
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/d.out")
        [ -n "$PORT" ] && return 0
        kill -0 "$DPID" 2>/dev/null || break
        sleep 0.1
    done
    bad "daemon did not start: $(cat "$T/d.err")"
    finish
}
stop() {
    kill -TERM "$DPID"
    wait "$DPID"
    same "$?" 0 "daemon exit status after SIGTERM"
    DPID=
}

BASE=
# req KEY METHOD PATH [BODY-FILE] [CT]: the status on stdout, body in $T/body
req() {
    local key=$1 method=$2 path=$3 body=${4:-} auth=()
    [ -n "$key" ] && auth=(-H "Authorization: Bearer $key")
    if [ -n "$body" ]; then
        curl -sS -o "$T/body" -w '%{http_code}' -X "$method" "${auth[@]}" \
            -H "Content-Type: ${5:-application/json}" --data-binary "@$body" \
            "$BASE$path"
    else
        curl -sS -o "$T/body" -w '%{http_code}' -X "$method" "${auth[@]}" \
            "$BASE$path"
    fi
}
# want STATUS KEY METHOD PATH [BODY]: check the status
want() {
    local st=$1
    shift
    local got
    got=$(req "$@")
    if [ "$got" = "$st" ]; then ok; else bad "$2 $3 -> $got, want $st: $(head -c 300 "$T/body")"; fi
}

W init --origin api.waybill.example >/dev/null
W device add press-1 >/dev/null
W key >site.vkey
declare -A KEY
for r in operator compliance maintainer auditor admin; do
    KEY[$r]=$(W apikey create --role "$r" --name "test $r" 2>/dev/null)
done
KEY[revoked]=$(W apikey create --role admin --name gone 2>/dev/null)
W apikey revoke "$(echo "${KEY[revoked]}" | cut -d_ -f2)" >/dev/null
KEY[none]=
# right id, wrong secret
# a key is wbk_<16 hex id>_<43 base64url>; the secret may itself hold '_'
KEY[wrong]="${KEY[admin]:0:20}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
ADMIN=${KEY[admin]}

# ---- hash-only storage: no secret in the database file ------------------
for r in operator admin; do
    secret=${KEY[$r]:21}
    same "${#secret}" 43 "the secret part of the $r key"
    if grep -qaF -- "$secret" site/waybill.db site/waybill.db-wal 2>/dev/null; then
        bad "the $r key's secret is in the database"
    else ok; fi
done
expect 0 W apikey list
has "$T/out" "revoked"
if grep -qF -- "${KEY[admin]:21}" "$T/out"; then bad "list shows a secret"; else ok; fi
expect 2 W apikey create --role root
has "$T/err" "not one of operator"

start
BASE="http://127.0.0.1:$PORT"

# ---- fixtures: a personal record, and per-label objects the matrix acts on
printf '{"t":1}\n{"t":2}\n' >tele.jsonl
want 200 "$ADMIN" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance" tele.jsonl
printf '{"name":"x"}\n' >pers.jsonl
want 200 "$ADMIN" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance&class=personal" pers.jsonl
PERSONAL=$(sed -n 's/.*"first":\([0-9]*\).*/\1/p' "$T/body")
# the places are checked before anything is read: the parameter named
want 400 "$ADMIN" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance&jurisdiction=QQ" tele.jsonl
has "$T/body" 'is not an ISO 3166-1 alpha-2 or ISO 3166-2 code'
has "$T/body" '"field":"jurisdiction"'
want 400 "$ADMIN" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance&residency=DE&residency=DE" tele.jsonl
has "$T/body" 'listed twice'
has "$T/body" '"field":"residency"'
want 400 "$ADMIN" POST "/v1/ingest?device=press-1&purpose=predictive-maintainance" tele.jsonl
has "$T/body" 'purpose: \"predictive-maintainance\" is not in the purpose vocabulary'
has "$T/body" '"field":"purpose"'
want 400 "$ADMIN" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance&class=secret" tele.jsonl
has "$T/body" '"field":"class"'
# a parameter that names one thing, given twice: refused, not the first taken
want 400 "$ADMIN" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance&jurisdiction=DE&jurisdiction=CN" tele.jsonl
has "$T/body" '"field":"jurisdiction"'
has "$T/body" 'jurisdiction: give it once'
want 201 "$ADMIN" POST /v1/checkpoints
consent() { # consent ID: a given consent document
    printf '{"id":"%s","state":"given","subject":"s-1","controller":"Plant","purposes":{"predictive-maintenance":true},"jurisdiction":"DE"}' "$1"
}
server() { # server ID: a registration document
    printf '{"id":"%s","endpoint":"https://eu.example.com/in","operator":"Example GmbH","country":"DE","role":"processor","registration":"R-1","mechanism":{"type":"scc","reference":"SCC 2021/914","valid_until":"2030-01-01"}}' "$1"
}
echo '{"reason":"test"}' >reason.json
echo '{}' >empty.json
consent c0 >doc.json && want 201 "$ADMIN" POST /v1/consents doc.json
server s0 >doc.json && want 201 "$ADMIN" POST /v1/servers doc.json
echo '{"device":"press-1","technician":"t-1","reason":"bearing"}' >maint.json
want 201 "$ADMIN" POST /v1/maintenance/sessions maint.json
SESSION=$(grep -o 'ms-[0-9a-f]*' "$T/body")
echo '{"device":"nodev","technician":"t-1"}' >nodev.json
want 400 "$ADMIN" POST /v1/maintenance/sessions nodev.json
has "$T/body" '"field":"device"'
has "$T/body" 'device: \"nodev\" is not registered'
LABELS="operator compliance maintainer auditor admin none revoked wrong"
declare -A SESS
for l in $LABELS; do
    for p in cw cr cv; do consent "$p-$l" >doc.json; want 201 "$ADMIN" POST /v1/consents doc.json; done
    for p in ss sr sv; do server "$p-$l" >doc.json; want 201 "$ADMIN" POST /v1/servers doc.json; done
    want 200 "$ADMIN" POST "/v1/servers/sr-$l/suspend" reason.json
    want 201 "$ADMIN" POST /v1/maintenance/sessions maint.json
    SESS[$l]=$(grep -o 'ms-[0-9a-f]*' "$T/body")
done
cat >request.json <<'JSON'
{"exporter": {"jurisdiction": "CN"}, "recipient": {"country": "DE", "role": "processor"},
 "data": {"classes": ["non-personal"]}, "purpose": "predictive-maintenance", "date": "2026-11-22"}
JSON

# ---- the matrix ------------------------------------------------------------
# Expected statuses, by label: operator compliance maintainer auditor admin
# | none revoked wrong. @ in a path or body name is replaced by the label.
# Body files: - none; consent@/server@/device@ are made per label.
MATRIX=$(cat <<ROWS
GET  /healthz                            -        200 200 200 200 200 200 200 200
GET  /metrics                            -        200 200 200 200 200 200 200 200
POST /v1/ingest?device=press-1           tele.jsonl 200 403 403 403 200 401 401 401
GET  /v1/records/0                       -        200 200 403 200 200 401 401 401
GET  /v1/records/0/leaf                  -        200 200 403 200 200 401 401 401
GET  /v1/records/0/payload               -        200 200 403 200 200 401 401 401
GET  /v1/records/$PERSONAL/payload       -        200 200 403 403 200 401 401 401
GET  /v1/records/0/token                 -        200 200 403 200 200 401 401 401
GET  /v1/records/0/proof                 -        200 200 403 200 200 401 401 401
GET  /v1/proofs/consistency?old=1&new=2  -        200 200 403 200 200 401 401 401
POST /v1/checkpoints                     -        201 403 403 403 201 401 401 401
GET  /v1/checkpoints/latest              -        200 200 403 200 200 401 401 401
POST /v1/consents                        consent@ 403 201 403 403 201 401 401 401
GET  /v1/consents                        -        403 200 403 403 200 401 401 401
POST /v1/consents/cw-@/withdraw          reason.json 403 200 403 403 200 401 401 401
POST /v1/consents/cr-@/renew             empty.json  403 200 403 403 200 401 401 401
POST /v1/consents/cv-@/revoke            reason.json 403 200 403 403 200 401 401 401
GET  /v1/consents/c0/history             -        403 200 403 403 200 401 401 401
GET  /v1/consents/c0                     -        403 200 403 403 200 401 401 401
POST /v1/servers                         server@  403 201 403 403 201 401 401 401
GET  /v1/servers                         -        403 200 403 200 200 401 401 401
POST /v1/servers/ss-@/suspend            reason.json 403 200 403 403 200 401 401 401
POST /v1/servers/sr-@/reinstate          reason.json 403 200 403 403 200 401 401 401
POST /v1/servers/sv-@/revoke             reason.json 403 200 403 403 200 401 401 401
GET  /v1/servers/s0                      -        403 200 403 200 200 401 401 401
POST /v1/policy/check                    request.json 403 200 403 403 200 401 401 401
GET  /v1/policy/profiles                 -        403 200 403 200 200 401 401 401
POST /v1/devices                         device@  201 403 403 403 201 401 401 401
GET  /v1/devices                         -        200 200 403 403 200 401 401 401
GET  /v1/devices/press-1                 -        200 200 403 403 200 401 401 401
POST /v1/maintenance/sessions            maint.json 403 403 201 403 201 401 401 401
POST /v1/maintenance/sessions/$SESSION/events event.json 403 403 200 403 200 401 401 401
POST /v1/maintenance/sessions/%/end      empty.json 403 403 200 403 200 401 401 401
GET  /v1/maintenance/sessions/$SESSION   -        403 403 200 403 200 401 401 401
GET  /v1/reports/transfers                -        403 200 403 200 200 401 401 401
GET  /v1/tlog/checkpoint                 -        200 200 403 200 200 401 401 401
GET  /v1/tlog/tile/0/000.p/1             -        200 200 403 200 200 401 401 401
GET  /v1/tlog/tile/entries/000.p/1       -        200 200 403 200 200 401 401 401
ROWS
)
echo '{"type":"command","detail":"systemctl restart plc"}' >event.json
rows=0
while read -r method path body s_op s_comp s_maint s_aud s_admin s_none s_rev s_wrong; do
    [ -z "$method" ] && continue
    rows=$((rows + 1))
    i=0
    for l in $LABELS; do
        exp=$(echo "$s_op $s_comp $s_maint $s_aud $s_admin $s_none $s_rev $s_wrong" | cut -d' ' -f$((i + 1)))
        i=$((i + 1))
        p=${path//@/$l}
        p=${p//%/${SESS[$l]}}
        b=$body
        case $body in
        consent@) consent "c-$l" >body.json; b=body.json ;;
        server@) server "s-$l" >body.json; b=body.json ;;
        device@) printf '{"id":"d-%s"}' "$l" >body.json; b=body.json ;;
        -) b= ;;
        esac
        want "$exp" "${KEY[$l]}" "$method" "$p" $b
    done
done <<<"$MATRIX"
# every route of the code's table has a row (two routes have two: payloads
# of two classes, hash and entry tiles)
same "$rows" "$(($(grep -c '^    {"\(GET\|POST\)", "/' "$WB_SRC/src/api/routes.c") + 2))" \
    "matrix rows vs routes"
# 401 and 403 bodies name the problem
want 401 "" GET /v1/records/0
has "$T/body" '"error":"authentication required'
want 401 "${KEY[revoked]}" GET /v1/records/0
has "$T/body" "revoked"
want 403 "${KEY[auditor]}" GET "/v1/records/$PERSONAL/payload"
has "$T/body" "not shown to the auditor role"
want 401 "wbk_junk" GET /v1/records/0
has "$T/body" "malformed API key"

# ---- round trips ----------------------------------------------------------
AUD=${KEY[auditor]}
for i in $(seq 1 300); do echo "{\"reading\":$i}"; done >many.jsonl
want 200 "${KEY[operator]}" POST "/v1/ingest?device=press-1&purpose=predictive-maintenance&jurisdiction=CN" many.jsonl
has "$T/body" '"records":300'
LAST=$(sed -n 's/.*"last":\([0-9]*\).*/\1/p' "$T/body")
want 201 "${KEY[operator]}" POST /v1/checkpoints # a read never signs one
want 200 "$AUD" GET "/v1/records/$LAST/proof"
cp "$T/body" proof.txt
want 200 "$AUD" GET "/v1/records/$LAST/leaf"
cp "$T/body" leaf.cbor
expect 0 W verify-proof --key site.vkey --leaf leaf.cbor proof.txt
flip leaf.cbor 5
expect 1 W verify-proof --key site.vkey --leaf leaf.cbor proof.txt
want 200 "$AUD" GET "/v1/records/$LAST/token"
cp "$T/body" tok.cbor
expect 0 W token verify --key site.vkey tok.cbor
want 200 "$AUD" GET "/v1/records/$LAST"
has "$T/body" '"jurisdiction":"CN"'
want 200 "$AUD" GET "/v1/records/$LAST/payload"
same "$(cat "$T/body")" "{\"reading\":300}" "payload round trip"
# consistency between two signed checkpoints, checked offline
want 200 "$AUD" GET /v1/checkpoints/latest
cp "$T/body" old.cp
OLD=$(sed -n 2p old.cp)
want 201 "${KEY[operator]}" POST /v1/checkpoints
cp "$T/body" new.cp
NEW=$(sed -n 2p new.cp)
want 200 "$AUD" GET "/v1/proofs/consistency?old=$OLD&new=$NEW"
cp "$T/body" cons.txt
expect 0 W verify-proof --key site.vkey --consistency cons.txt --old old.cp --new new.cp
# consent and server life cycle as the CLI sees it
C=${KEY[compliance]}
want 200 "$C" POST /v1/consents/c0/withdraw reason.json
has "$T/body" '"state":"withdrawn"'
expect 0 W --json consent show c0
has "$T/out" '"withdrawn"'
want 400 "$C" POST /v1/consents/c0/withdraw reason.json
# what the command line refuses, HTTP refuses too: a purpose outside the
# vocabulary, a mechanism type the profiles do not declare
consent c-golf >doc.json && want 201 "$ADMIN" POST /v1/consents doc.json
echo '{"reason":"x","purpose":"golf"}' >golf.json
want 400 "$C" POST /v1/consents/c-golf/withdraw golf.json
has "$T/body" '"field":"purpose"'
has "$T/body" 'purpose: \"golf\" is not in the purpose vocabulary'
server s-golf | sed 's/"type":"scc"/"type":"golf"/' >doc.json
want 400 "$C" POST /v1/servers doc.json
has "$T/body" '"field":"mechanism.type"'
has "$T/body" 'mechanism.type: \"golf\" is not a mechanism type the policy profiles declare'
want 404 "$C" GET /v1/servers/s-golf
want 200 "$C" GET /v1/consents/c0/history
has "$T/body" '"version":2'
want 200 "$C" POST /v1/policy/check request.json
has "$T/body" '"decision":'
has "$T/body" '"profile":'
want 400 "$C" POST /v1/policy/check reason.json
has "$T/body" '"field":"body"'
want 200 "${KEY[maintainer]}" GET "/v1/maintenance/sessions/${SESS[admin]}"
has "$T/body" '"event":"end"'
want 409 "${KEY[maintainer]}" POST "/v1/maintenance/sessions/${SESS[admin]}/events" event.json
expect 0 W verify
# metrics: the log size as the site says, the HTTP ingests' batches counted
expect 0 curl -sS -f "$BASE/metrics"
cp "$T/out" metrics.txt
size=$(sed -n 's/^waybill_log_size \([0-9]*\)$/\1/p' metrics.txt)
want 200 "" GET /healthz
has "$T/body" "\"log_size\":$size"
logged=$(sed -n 's/^waybill_records_logged_total \([0-9]*\)$/\1/p' metrics.txt)
if [ "${logged:-0}" -ge 305 ]; then ok; else bad "records_logged $logged"; fi
if grep -q '^waybill_batch_commit_seconds_count [1-9]' metrics.txt; then ok; else bad "no batch counted"; fi

# ---- tiles, followed by Go's independent implementation --------------------
if command -v go >/dev/null 2>&1; then
    (cd "$WB_SRC/tests/interop/gotiles" && GO111MODULE=off GOPATH=/usr/share/gocode \
        GOCACHE="$T/gocache" GOFLAGS= GOPROXY=off go build -o "$T/gotiles" tiles.go) \
        || bad "go build"
    echo "$AUD" >aud.key
    expect 0 "$T/gotiles" "$BASE/v1/tlog" aud.key site.vkey
    has "$T/out" "OK size"
    want 200 "$AUD" GET /v1/tlog/tile/1/000.p/1
    same "$(stat -c %s "$T/body")" 32 "level-1 partial tile of width 1"
    want 404 "$AUD" GET /v1/tlog/tile/0/001
    want 400 "$AUD" GET /v1/tlog/tile/0/1
    want 400 "$AUD" GET /v1/tlog/tile/0/000.p/256
    want 400 "$AUD" GET /v1/tlog/tile/0/x000
fi

# ---- bad input: 4xx naming the problem, the daemon keeps serving -----------
head -c 2000000 /dev/zero | tr '\0' 'a' >big.bin
stop
start --body-max 1000000
BASE="http://127.0.0.1:$PORT"
want 413 "$ADMIN" POST /v1/ingest?device=press-1 big.bin
has "$T/body" '"field":"body"'
want 413 "" POST /v1/ingest?device=press-1 big.bin
want 200 "" GET /healthz
printf '{"id": "d-x", }' >bad.json
want 400 "$ADMIN" POST /v1/devices bad.json
has "$T/body" "line 1 column"
printf '{"id":"d-y","colour":"red"}' >bad.json
want 400 "$ADMIN" POST /v1/devices bad.json
has "$T/body" '"field":"colour"'
printf '{"t":1}\nnot json\n' >bad.jsonl
want 400 "$ADMIN" POST "/v1/ingest?device=press-1" bad.jsonl
has "$T/body" '"line":2'
want 400 "$ADMIN" POST "/v1/ingest?device=press-1&format=xml" tele.jsonl
has "$T/body" '"field":"format"'
want 400 "$ADMIN" POST "/v1/ingest?device=press-1&colour=red" tele.jsonl
want 404 "$ADMIN" POST "/v1/ingest?device=nosuch" tele.jsonl
want 400 "$ADMIN" GET /v1/records/abc
want 400 "$ADMIN" GET /v1/records/01
want 404 "$ADMIN" GET /v1/records/999999
want 404 "$ADMIN" GET /v1/nothing
has "$T/body" "no such endpoint"
want 401 "" GET /v1/nothing
want 405 "$ADMIN" GET /v1/ingest
want 405 "$ADMIN" DELETE /v1/checkpoints
curl -sS -i -X PUT -H "Authorization: Bearer $ADMIN" "$BASE/v1/checkpoints" >hdr.txt
has hdr.txt "Allow: POST"
# bytes that are not HTTP at all, and a header far over the limit: the
# HTTP layer refuses them, the daemon keeps serving
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GARBAGE \001\002\r\n\r\n' >&3
timeout 5 cat <&3 >garbage.txt
exec 3<&-
has garbage.txt "400"
long=$(head -c 70000 /dev/zero | tr '\0' a)
same "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/v1/records/0?x=$long")" 414 \
    "a 70 kB URL"
want 200 "$ADMIN" GET /v1/records/0
expect 0 curl -sS -f "$BASE/metrics"
has "$T/out" "waybill_http_errors_total"
has "$T/out" "waybill_rejected_inputs_total"
# SIGHUP reloads the profiles
kill -HUP "$DPID"
for _ in $(seq 1 100); do grep -q "reload:" "$T/d.err" && break; sleep 0.1; done
has "$T/d.err" "reload: ok"
want 200 "${KEY[compliance]}" GET /v1/policy/profiles
if kill -0 "$DPID"; then ok; else bad "daemon died"; fi
stop
# a profile set that becomes broken: SIGHUP refuses it, the loaded one stays
cp -r "$WB_SRC/profiles" prof
start --profiles "$T/prof"
BASE="http://127.0.0.1:$PORT"
echo '{"profile":"broken"' >>prof/eu-gdpr.jsonl
kill -HUP "$DPID"
for _ in $(seq 1 100); do grep -q "reload:" "$T/d.err" && break; sleep 0.1; done
has "$T/d.err" "eu-gdpr.jsonl"
want 200 "${KEY[compliance]}" GET /v1/policy/profiles
has "$T/body" "eu-gdpr"
want 200 "${KEY[compliance]}" POST /v1/policy/check request.json
stop

# ---- TLS with client certificates -----------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=test-ca \
    -keyout ca.key -out ca.pem -days 2 2>/dev/null
mkcert() { # mkcert NAME CN [server]: a certificate signed by the CA
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
        -keyout "$1.key" -out "$1.csr" 2>/dev/null
    if [ "${3:-}" = server ]; then
        printf 'subjectAltName=IP:127.0.0.1\n' >"$1.ext"
    else
        printf 'extendedKeyUsage=clientAuth\n' >"$1.ext"
    fi
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
        -days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
mkcert srv 127.0.0.1 server
mkcert cli-aud auditor-1
mkcert cli-other nobody
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=rogue \
    -keyout rogue.key -out rogue.pem -days 2 2>/dev/null
expect 0 W apikey add-cert --role auditor --cert cli-aud.pem --name "auditor cert"
has "$T/out" "auditor"
expect 0 W apikey add-cert --role admin --cert rogue.pem
start --tls-cert srv.pem --tls-key srv.key --client-ca ca.pem
has "$T/d.out" "(https)"
S="https://127.0.0.1:$PORT"
tls() { curl -sS -o "$T/body" -w '%{http_code}' --cacert ca.pem "$@"; }
same "$(tls "$S/healthz")" 200 "https healthz"
same "$(tls -H "Authorization: Bearer $AUD" "$S/v1/checkpoints/latest")" 200 "https with a key"
same "$(tls --cert cli-aud.pem --key cli-aud.key "$S/v1/checkpoints/latest")" 200 "client cert as auditor"
same "$(tls --cert cli-aud.pem --key cli-aud.key -X POST "$S/v1/checkpoints")" 403 "auditor cert may not sign"
same "$(tls --cert cli-other.pem --key cli-other.key "$S/v1/checkpoints/latest")" 401 "unregistered cert"
# registered, but not signed by the client CA: not an identity
same "$(tls --cert rogue.pem --key rogue.key "$S/v1/checkpoints/latest" 2>/dev/null)" 401 "cert outside the CA"
expect 0 W apikey list
id=$(grep "auditor cert" "$T/out" | cut -d' ' -f1)
expect 0 W apikey revoke "$id"
same "$(tls --cert cli-aud.pem --key cli-aud.key "$S/v1/checkpoints/latest")" 401 "revoked cert"
stop
# a stored hash changed behind the library's back: Go refuses the tiles
if command -v go >/dev/null 2>&1; then
    start
    sql site/waybill.db "UPDATE entries SET hashes = zeroblob(32) || substr(hashes, 33) WHERE idx = 3"
    expect 1 "$T/gotiles" "http://127.0.0.1:$PORT/v1/tlog" aud.key site.vkey
    stop
fi
# usage errors: exit 2
# (bounded: a daemon that wrongly starts must not hang the test)
expect 2 timeout 20 "$WAYBILLD" --listen nonsense
has "$T/err" "--listen"
expect 2 timeout 20 "$WAYBILLD" --body-max lots
has "$T/err" "--body-max"
# strtoull reads "-1" as the largest count: no limit at all
for v in -1 +5 " 5" 0; do
    expect 2 timeout 20 "$WAYBILLD" --body-max "$v"
    has "$T/err" "--body-max: not a byte count"
done
expect 2 timeout 20 "$WAYBILLD" --tls-cert srv.pem --listen 127.0.0.1:0
has "$T/err" "tls"
# no site: a clear error, exit 2
timeout 20 "$WAYBILLD" --dir "$T/nosite" --listen 127.0.0.1:0 >/dev/null 2>"$T/err"
same "$?" 2 "no site"
has "$T/err" "holds no site"
finish
