#!/usr/bin/env bash
# MQTT ingest through a real mosquitto broker: topic routes and the device
# from the topic, JSON, raw and device-signed COSE payloads, MQTT 5 user
# properties for purpose, consent and message id, refusals that keep the
# daemon serving, redeliveries logged once, and acknowledgements held back
# until the batch is durable (a SIGKILL inside the commit window loses
# nothing).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/broker.bash"
cd "$T"

W init --origin mqtt.waybill.example >/dev/null
W device add press-1 >/dev/null
W keygen --name sensor-2 --out sensor-2.key >sensor-2.vkey
W device add sensor-2 --pubkey "$(cat sensor-2.vkey)" >/dev/null
start_broker || exit 1

cat >d.json <<CONF
{"mqtt": {"port": $BROKER_PORT, "commit_interval_ms": 20,
  "routes": [
    {"topic": "plant/+/tele", "device_level": 1,
     "purposes": ["predictive-maintenance"], "class": "non-personal",
     "jurisdiction": "CN", "residency": "local-only"},
    {"topic": "plant/raw", "device": "press-1", "format": "raw"},
    {"topic": "plant/signed", "device": "sensor-2", "format": "cose"}]}}
CONF
start_daemon --config d.json || exit 1

pub -t plant/press-1/tele -m '{"ts": 1795000001, "seq": 1}'
pub -t plant/press-1/tele -m '{"ts": 1795000002, "seq": 2}' \
    -D publish user-property purpose quality-assurance \
    -D publish user-property purpose resource-optimisation
pub -t plant/raw -m 'raw-bytes-42'
printf '{"seq": 3}' | W token sign --key-file sensor-2.key --kid sensor-2 --out tok.cbor 2>err.sign
if [ -s tok.cbor ]; then pub -t plant/signed -f tok.cbor; ok; else bad "token sign: $(cat err.sign)"; fi
# refused: unknown device, a purpose outside the vocabulary, a forged
# token, invalid JSON on a JSON route
pub -t plant/press-9/tele -m '{"seq": 9}'
pub -t plant/press-1/tele -m '{"seq": 12, "device": "sensor-2"}'
pub -t plant/press-1/tele -m '{"seq": 11}' -D publish user-property purpose predictive-maintainance
W keygen --name sensor-2 --out forger.key >/dev/null
printf '{"seq": 10}' | W token sign --key-file forger.key --kid sensor-2 --out forged.cbor 2>/dev/null
pub -t plant/signed -f forged.cbor
# the same message twice: the second is a redelivery of the first
pub -t plant/press-1/tele -m '{"ts": 1795000001, "seq": 1}'
# a message id makes two equal payloads two messages, and one id one
pub -t plant/press-1/tele -m '{"seq": 5}' -D publish user-property msg-id m-5a
pub -t plant/press-1/tele -m '{"seq": 5}' -D publish user-property msg-id m-5b
pub -t plant/press-1/tele -m '{"seq": 5}' -D publish user-property msg-id m-5b
wait_records 6
records >recs.txt
same "$(grep -c . recs.txt)" 6 "records logged: $(cat recs.txt)"
same "$(grep -c '"seq": 1}' recs.txt)" 1 "a redelivery logged twice"
same "$(grep -c '"seq": 5}' recs.txt)" 2 "msg-id dedup"
has recs.txt 'raw-bytes-42'
has recs.txt '{"seq": 3}'
has "$T/daemon.log" 'unknown device "press-9"'
has "$T/daemon.log" 'field "device": "sensor-2" but the topic'"'"'s device level is "press-1"'
has "$T/daemon.log" 'purpose: "predictive-maintainance" is not in the purpose vocabulary'
has "$T/daemon.log" 'topic plant/signed'

# claims: device from the topic, route defaults, properties override
W --json show "$(entry_of '"seq": 1}')" >s1.json
has s1.json '"sub": "press-1"'
has s1.json '"jurisdiction": "CN"'
has s1.json '"residency": "local-only"'
has s1.json '"predictive-maintenance"'
W --json show "$(entry_of '"seq": 2}')" >s2.json
has s2.json '"quality-assurance"'
has s2.json '"resource-optimisation"'
if grep -q predictive-maintenance s2.json; then bad "property purposes did not replace the route's"; else ok; fi
W --json show "$(entry_of '"seq": 3}')" >s4.json
has s4.json '"sub": "sensor-2"'
has s4.json '"devsig"'

# consent by property: given consent is attached, a withdrawn one refused
expect 0 W consent grant c-op-7 --subject operator-7 --controller "plant-7 GmbH" \
    --purpose predictive-maintenance --jurisdiction CN --category telemetry \
    --basis "PIPL Art. 13(1)" --notice notice-3
pub -t plant/press-1/tele -m '{"seq": 20}' -D publish user-property consent c-op-7
wait_records 7
W --json show "$(entry_of '"seq": 20}')" >s7.json
has s7.json '"c-op-7"'
expect 0 W consent withdraw c-op-7 --reason "operator left"
pub -t plant/press-1/tele -m '{"seq": 21}' -D publish user-property consent c-op-7
pub -t plant/press-1/tele -m '{"seq": 22}'
wait_records 8
records >recs.txt
if grep -q '"seq": 21' recs.txt; then bad "a record under withdrawn consent was logged"; else ok; fi
has "$T/daemon.log" 'withdrawn'
# a consent version that was never recorded is named as such
pub -t plant/press-1/tele -m '{"seq": 23}' -D publish user-property consent c-op-7 \
    -D publish user-property consent-version 7
for _ in $(seq 100); do grep -q 'no version 7' "$T/daemon.log" && break; sleep 0.1; done
has "$T/daemon.log" 'consent c-op-7: no version 7 (its latest is 2)'
records >recs.txt
if grep -q '"seq": 23' recs.txt; then bad "a record under an unrecorded consent version was logged"; else ok; fi
# a version is digits: strtoul would read this one, signed, as 1
pub -t plant/press-1/tele -m '{"seq": 24}' -D publish user-property consent c-op-7 \
    -D publish user-property consent-version -18446744073709551615
for _ in $(seq 100); do grep -q 'is not a version' "$T/daemon.log" && break; sleep 0.1; done
has "$T/daemon.log" 'property consent-version: "-18446744073709551615" is not a version'

# acknowledgements wait for the commit: a long commit window, SIGKILL
# inside it, and every message comes back through the persistent session
stop_daemon TERM
sed -e 's/"commit_interval_ms": 20/"commit_interval_ms": 4000, "batch_size": 65535/' d.json >slow.json
start_daemon --config slow.json || exit 1
for i in $(seq 100 109); do pub -t plant/press-1/tele -m "{\"seq\": $i}"; done
sleep 0.5
before=$(records | grep -c .)
stop_daemon KILL
same "$before" 8 "records committed inside the commit window"
same "$(records | grep -c '"seq": 10[0-9]}')" 0 "records of the open batch before the kill"
expect 0 W verify
start_daemon --config d.json || exit 1
wait_records 18
records >recs.txt
for i in $(seq 100 109); do
    same "$(grep -c "\"seq\": $i}" recs.txt)" 1 "message $i after SIGKILL in the commit window"
done

# SIGTERM commits and acknowledges the open batch
stop_daemon TERM
start_daemon --config slow.json || exit 1
for i in $(seq 200 204); do pub -t plant/press-1/tele -m "{\"seq\": $i}"; done
sleep 0.3
stop_daemon TERM
same "$(records | grep -c '"seq": 20[0-4]}')" 5 "SIGTERM flushed the open batch"
start_daemon --config d.json || exit 1
sleep 0.5
same "$(records | grep -c '"seq": 20[0-4]}')" 5 "acknowledged on SIGTERM: nothing redelivered"

# SIGHUP: a bad file is refused and the running routes stay; a good one
# takes effect without losing the session
echo '{"mqtt": {"port": "x"}}' >d2.json
cp d.json live.json
stop_daemon TERM
start_daemon --config live.json || exit 1
cp d2.json live.json
kill -HUP "$DAEMON_PID"
sleep 0.5
has "$T/daemon.log" "reload: refused"
# a file that parses but names a place that is none is refused the same way
sed -e 's/"jurisdiction": "CN"/"jurisdiction": "QQ"/' d.json >live.json
kill -HUP "$DAEMON_PID"
for _ in $(seq 100); do [ "$(grep -c 'reload: refused' "$T/daemon.log")" -ge 2 ] && break; sleep 0.05; done
has "$T/daemon.log" 'reload: refused, keeping the running configuration: live.json: mqtt.routes[0].jurisdiction: "QQ"'
# what takes effect only on restart must still be startable: a site
# directory that holds none, or a TLS key that is not there, is refused
# at reload rather than met at the next start
/usr/bin/python3 -c 'import json,sys; d=json.load(open("d.json")); d["dir"]=sys.argv[1]; json.dump(d, open("live.json","w"))' "$T/nosite"
kill -HUP "$DAEMON_PID"
for _ in $(seq 100); do [ "$(grep -c 'reload: refused' "$T/daemon.log")" -ge 3 ] && break; sleep 0.05; done
has "$T/daemon.log" "live.json: dir: $T/nosite holds no site (No such file or directory) (it takes effect on restart, which would fail)"
/usr/bin/python3 -c 'import json; d=json.load(open("d.json")); d["tls"]={"cert":"no.pem","key":"no.key"}; json.dump(d, open("live.json","w"))'
kill -HUP "$DAEMON_PID"
for _ in $(seq 100); do [ "$(grep -c 'reload: refused' "$T/daemon.log")" -ge 4 ] && break; sleep 0.05; done
has "$T/daemon.log" "live.json: tls.cert: no.pem: No such file or directory"
pub -t plant/press-1/tele -m '{"seq": 300}'
sed -e 's/"predictive-maintenance"/"quality-assurance"/' d.json >live.json
kill -HUP "$DAEMON_PID"
for _ in $(seq 100); do [ "$(grep -c 'subscribed to' "$T/daemon.log")" -ge 2 ] && break; sleep 0.05; done
pub -t plant/press-1/tele -m '{"seq": 301}'
wait_records 25
W --json show "$(entry_of '"seq": 300}')" >s300.json
has s300.json '"predictive-maintenance"'
W --json show "$(entry_of '"seq": 301}')" >s301.json
has s301.json '"quality-assurance"'

# bad configuration: named field, exit 2, nothing started
echo '{"mqtt": {"routes": [{"topic": "a/#/b"}]}}' >bad1.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad1.json
has "$T/err" 'mqtt.routes[0]'
echo '{"mqtt": {"port": 1883, "routez": []}}' >bad2.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad2.json
has "$T/err" 'mqtt.routez: unknown field'
printf '{"mqtt":\n  {"port": }}\n' >bad3.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad3.json
has "$T/err" 'bad3.json:2:'
echo '{"mqtt": {"routes": [{"topic": "a/#", "device_level": 1, "jurisdiction": "QQ"}]}}' >bad4.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad4.json
has "$T/err" 'bad4.json: mqtt.routes[0].jurisdiction: "QQ" is not an ISO 3166-1 alpha-2'
# refused before anything listened or was written
lacks "$T/out" "listening on"
echo '{"mqtt": {"routes": [{"topic": "a/#", "device_level": 1, "purposes": ["service-provision", "golf"]}]}}' >bad6.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad6.json
has "$T/err" 'bad6.json: mqtt.routes[0].purposes[1]: "golf" is not in the purpose vocabulary'
echo '{"mqtt": {"routes": [{"topic": "a/#", "device_level": 1, "residency": "local-only"}]}}' >bad5.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad5.json
has "$T/err" 'mqtt.routes[0].residency local-only needs a jurisdiction'
expect 2 "$WAYBILLD" --dir "$T/nosite" --listen 127.0.0.1:0
has "$T/err" 'holds no site'
# TLS and credentials that would go unused are refused, not ignored
route='"routes": [{"topic": "a/#", "device_level": 1}]'
: >"$T/client.pem"
echo "{\"mqtt\": {$route, \"cert\": \"$T/client.pem\", \"key\": \"$T/client.pem\"}}" >bad7.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad7.json
has "$T/err" 'mqtt: cert and key need ca (TLS)'
echo "{\"mqtt\": {$route, \"cert\": \"$T/client.pem\"}}" >bad8.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad8.json
has "$T/err" 'mqtt: cert and key go together'
echo secret >"$T/pw"
echo "{\"mqtt\": {$route, \"password_file\": \"$T/pw\"}}" >bad9.json
expect 2 "$WAYBILLD" --listen 127.0.0.1:0 --config bad9.json
has "$T/err" 'mqtt.password_file: needs mqtt.username (it would go unused)'
lacks "$T/err" 'secret'

stop_daemon TERM
expect 0 W verify
finish
