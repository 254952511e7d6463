#!/usr/bin/env bash
# A registered model run by the daemon on MQTT-ingested records as their
# batch commits: each output is in an inference record whose parents claim
# holds the inputs' leaf hashes and whose model claim is the package digest, its
# result is published on the configured topic, a record whose consent
# forbids the purpose is denied and logged, and `model audit` sees it all.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/broker.bash"
cd "$T"
M="$WB_SRC/tests/models"
export WAYBILL_PROFILES="$WB_SRC/profiles"

W init --origin mqtt-infer.waybill.example >/dev/null
W device add press-7 >/dev/null
register_model
expect 0 W consent grant c-op --subject op-1 --controller "Plant 7" \
    --purpose predictive-maintenance --jurisdiction DE --category telemetry \
    --basis "GDPR Art. 6(1)(a)" --notice n-1
expect 0 W consent withdraw c-op --purpose predictive-maintenance --reason "objected"
start_broker || exit 1
cat >d.json <<CONF
{"mqtt": {"port": $BROKER_PORT,
  "routes": [{"topic": "plant/+/tele", "device_level": 1,
              "purposes": ["predictive-maintenance"], "jurisdiction": "DE"}],
  "models": [{"topic": "plant/+/tele", "model": "bearing-risk@1.0.0",
              "run_in": "DE", "publish": "plant/{device}/risk"}]},
 "hooks": [{"library": "$WB_HOOK_CHAIN", "arg": "$T/dchain.jsonl"}]}
CONF
# a hook plug-in that does not load stops the daemon at start, named
sed "s|$WB_HOOK_CHAIN|$WB_LIB_SHARED|" d.json > bad.json
expect 2 timeout 20 "$WAYBILLD" --config bad.json --listen 127.0.0.1:0
has "$T/err" "hooks[0]: hook plug-in $WB_LIB_SHARED: no symbol waybill_infer_hook_v1"
# the same plug-in with the same argument twice would write one trail as
# two chains: refused, named
/usr/bin/python3 -c 'import json, sys; c = json.load(open("d.json")); c["hooks"] = c["hooks"] * 2; json.dump(c, open("twohooks.json", "w"))'
expect 2 timeout 20 "$WAYBILLD" --config twohooks.json --listen 127.0.0.1:0
has "$T/err" "hooks[1]: the same library and arg as hooks[0]"
# a purpose outside the vocabulary, and the same governed call twice:
# refused at start, named
/usr/bin/python3 - d.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
m = c["mqtt"]["models"][0]
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, purpose="golf")])), open("golf.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[m, dict(m, publish="x/{device}")])), open("twice.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, run_in="de")])), open("lower.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, publish="plant/{device}/tele")])), open("loop.json", "w"))
r = c["mqtt"]["routes"][0]
json.dump(dict(c, mqtt=dict(c["mqtt"], routes=[r, dict(r, topic="plant/press-7/#")])), open("loop2.json", "w"))
# a model no route feeds, a placeholder that is not {device}, a purpose
# the vendor rules out (enforced: every call would be refused whole)
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, topic="other/+/t")])), open("unfed.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[{k: v for k, v in m.items() if k != "run_in"}])), open("norun.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, publish="plant/{site}/risk")])), open("site.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, purpose="marketing")])), open("ruled.json", "w"))
# a device id may hold '/' ("a/telemetry"): "out/{device}" reaches out/+/telemetry
json.dump(dict(c, mqtt=dict(c["mqtt"], routes=[r, dict(r, topic="out/+/telemetry")],
                            models=[dict(m, publish="out/{device}")])), open("loop3.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], routes=[r, dict(r, topic="out/+/telemetry")],
                            models=[dict(m, publish="out/dev-{device}")])), open("loop4.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, publish="x/{device}/{device}")])), open("twodev.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], models=[dict(m, publish="plant/#/risk")])), open("wild.json", "w"))
# a password file that is not a regular file is refused, never waited on
json.dump(dict(c, mqtt=dict(c["mqtt"], password_file="/dev/stdin", username="u")), open("fifo.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], password_file="d.json")), open("nouser.json", "w"))
# TLS files are checked at start, named by their field
json.dump(dict(c, mqtt=dict(c["mqtt"], ca="/nonexistent/ca.pem")), open("noca.json", "w"))
json.dump(dict(c, mqtt=dict(c["mqtt"], ca=".")), open("dirca.json", "w"))
PY
expect 2 timeout 20 "$WAYBILLD" --config golf.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].purpose: "golf" is not in the purpose vocabulary'
expect 2 timeout 20 "$WAYBILLD" --config twice.json --listen 127.0.0.1:0
has "$T/err" "mqtt.models[1]: the same model, topic, run_in and purpose as mqtt.models[0]"
# a run_in that is no place (no refusal could even be logged), and
# results published where the daemon ingests
expect 2 timeout 20 "$WAYBILLD" --config lower.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].run_in: "de" is not an ISO 3166-1 country code or ISO 3166-2 subdivision'
expect 2 timeout 20 "$WAYBILLD" --config loop.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].publish: "plant/{device}/tele" is ingested by mqtt.routes[0]'
expect 2 timeout 20 "$WAYBILLD" --config loop2.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].publish: "plant/{device}/risk" is ingested by mqtt.routes[1] ("plant/press-7/#")'
expect 2 timeout 20 "$WAYBILLD" --config norun.json --listen 127.0.0.1:0
has "$T/err" 'norun.json: mqtt.models[0].run_in: required (a model entry needs topic, model, run_in and publish)'
expect 2 timeout 20 "$WAYBILLD" --config unfed.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].topic: "other/+/t" is no route'"'"'s: no record would reach the model'
expect 2 timeout 20 "$WAYBILLD" --config site.json --listen 127.0.0.1:0
has "$T/err" 'waybilld: configuration: site.json: mqtt.models[0].publish: "plant/{site}/risk": the only placeholder is {device}'
expect 2 timeout 20 "$WAYBILLD" --config ruled.json --listen 127.0.0.1:0
has "$T/err" 'ruled.json: mqtt.models[0] bearing-risk@1.0.0: every call would be refused: model bearing-risk@1.0.0 is not intended for purpose marketing (intended: predictive-maintenance); model bearing-risk@1.0.0 rules out use for marketing'
expect 2 timeout 20 "$WAYBILLD" --config loop3.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].publish: "out/{device}" is ingested by mqtt.routes[1] ("out/+/telemetry")'
expect 2 timeout 20 "$WAYBILLD" --config loop4.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].publish: "out/dev-{device}" is ingested by mqtt.routes[1] ("out/+/telemetry")'
expect 2 timeout 20 "$WAYBILLD" --config twodev.json --listen 127.0.0.1:0
has "$T/err" 'twodev.json: mqtt.models[0].publish: "x/{device}/{device}": {device} may appear once'
expect 2 timeout 20 "$WAYBILLD" --config wild.json --listen 127.0.0.1:0
has "$T/err" 'wild.json: mqtt.models[0].publish: "plant/#/risk" is not a topic to publish to'
expect 2 timeout 20 "$WAYBILLD" --config fifo.json --listen 127.0.0.1:0
has "$T/err" 'fifo.json: mqtt.password_file: /dev/stdin: not a regular file'
# files that are not there are bad configuration (2: a service manager
# does not restart it in a loop), not I/O errors
expect 2 timeout 20 "$WAYBILLD" --config no-such.json --listen 127.0.0.1:0
has "$T/err" 'no-such.json: No such file or directory'
expect 2 timeout 20 "$WAYBILLD" --config d.json --profiles "$T/no-profiles" --listen 127.0.0.1:0
has "$T/err" "$T/no-profiles: cannot open the profile directory (No such file or directory)"
expect 2 timeout 20 "$WAYBILLD" --config nouser.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.password_file: needs mqtt.username (it would go unused)'
expect 2 timeout 20 "$WAYBILLD" --config noca.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.ca: /nonexistent/ca.pem: No such file or directory'
expect 2 timeout 20 "$WAYBILLD" --config dirca.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.ca: .: not a regular file'
# a site copy that no longer matches its signed manifest: exit 1 (a
# restart would meet it again), the refusal logged once for the start
# (on a copy of the site, without the hook, so the counts below stay)
cp -r "$WAYBILL_DIR" tampered
flip tampered/models/bearing-risk@1.0.0/bearing-risk.ubj 100
/usr/bin/python3 -c 'import json, sys; c = json.load(open("d.json")); del c["hooks"]; json.dump(c, open("nohook.json", "w"))'
before=$(WAYBILL_DIR=tampered W --json verify | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
expect 1 env WAYBILL_DIR="$T/tampered" timeout 20 "$WAYBILLD" --config nohook.json --listen 127.0.0.1:0
has "$T/err" "mqtt.models[0] bearing-risk@1.0.0: model bearing-risk@1.0.0: bearing-risk.ubj: digest mismatch"
lacks "$T/out" "listening on"
expect 0 env WAYBILL_DIR="$T/tampered" "$WAYBILL" --json show "$before"
has "$T/out" '"event": "model-load-refused"'
# Publish telemetry row N and expect one governed result, into FILE.
one_result() {
    mosquitto_sub -p "$BROKER_PORT" -q 1 -V mqttv5 -t 'plant/+/risk' -C 1 >"$2" &
    local sub=$!
    sleep 0.3
    pub -t plant/press-7/tele -m "$(sed -n "$1p" "$M/telemetry.jsonl")"
    for _ in $(seq 100); do grep -q values "$2" && break; sleep 0.1; done
    kill "$sub" 2>/dev/null
    has "$2" '"values"'
}
start_daemon --config d.json || exit 1
mosquitto_sub -p "$BROKER_PORT" -q 1 -V mqttv5 -t 'plant/+/risk' -C 2 -v >risk.txt &
SUB=$!
sleep 0.3
pub -t plant/press-7/tele -m "$(sed -n 1p "$M/telemetry.jsonl")"
pub -t plant/press-7/tele -m "$(sed -n 2p "$M/telemetry.jsonl")"
# a personal record under a consent that no longer allows the purpose
pub -t plant/press-7/tele -m "$(sed -n 3p "$M/telemetry.jsonl")" \
    -D publish user-property consent c-op 2>/dev/null
for _ in $(seq 100); do [ "$(grep -c values risk.txt)" -ge 2 ] && break; sleep 0.1; done
kill "$SUB" 2>/dev/null
same "$(grep -c '^plant/press-7/risk {"model": "bearing-risk@1.0.0"' risk.txt)" 2 "published results: $(cat risk.txt)"
# the python-trained model's own predictions for rows 1 and 2
exp1=$(sed -n 1p "$M/expected.txt"); exp2=$(sed -n 2p "$M/expected.txt")
/usr/bin/python3 - risk.txt "$exp1" "$exp2" >cmp.txt <<'PY'
import json, sys
got = [json.loads(l.split(" ", 1)[1])["values"][0] for l in open(sys.argv[1]) if "values" in l]
want = [float(sys.argv[2]), float(sys.argv[3])]
print("match" if all(abs(a - b) < 1e-5 for a, b in zip(sorted(got), sorted(want))) else "differ %s %s" % (got, want))
PY
has cmp.txt match
# /metrics counts the governed outputs and the denial
wait_metric waybill_inference_denials_total 1
has metrics.txt "waybill_inference_outputs_total 2"
has metrics.txt "waybill_inference_denials_total 1"
# SIGHUP with a hook plug-in that does not load: refused, the running
# configuration and its hook stay
cp d.json good.json
cp bad.json d.json
kill -HUP "$DAEMON_PID"
for _ in $(seq 50); do grep -q "reload: refused" "$T/daemon.log" && break; sleep 0.1; done
has "$T/daemon.log" "reload: refused, keeping the running configuration: d.json: hooks[0]: hook plug-in $WB_LIB_SHARED: no symbol"
kill -0 "$DAEMON_PID" && ok || bad "the daemon stopped on a refused reload"
# so is one whose model, run_in or purpose a start would refuse: checked
# before the running MQTT stops, which stays (it used to stop, and the
# daemon exited)
sed 's|"bearing-risk@1.0.0"|"nosuch@1.0.0"|' good.json >d.json
kill -HUP "$DAEMON_PID"
for _ in $(seq 50); do [ "$(grep -c 'reload: refused' "$T/daemon.log")" -ge 2 ] && break; sleep 0.1; done
has "$T/daemon.log" 'reload: refused, keeping the running configuration: d.json: mqtt.models[0] nosuch@1.0.0: no model "nosuch@1.0.0" is registered'
n=2
for bad in golf lower; do # one at a time: two pending SIGHUPs are one
    cp "$bad.json" d.json
    kill -HUP "$DAEMON_PID"
    n=$((n + 1))
    for _ in $(seq 50); do [ "$(grep -c 'reload: refused' "$T/daemon.log")" -ge $n ] && break; sleep 0.1; done
done
has "$T/daemon.log" 'reload: refused, keeping the running configuration: d.json: mqtt.models[0].purpose: "golf"'
has "$T/daemon.log" 'reload: refused, keeping the running configuration: d.json: mqtt.models[0].run_in: "de"'
kill -0 "$DAEMON_PID" && ok || bad "the daemon stopped on a refused reload"
# a plug-in that loads but will not start (its trail cannot be opened):
# the reload is refused after MQTT stopped, and MQTT comes back with the
# running configuration and its hook attached
sed "s|$T/dchain.jsonl|$T/no/such/dir/x.jsonl|" good.json > d.json
kill -HUP "$DAEMON_PID"
for _ in $(seq 50); do [ "$(grep -c 'reload: refused' "$T/daemon.log")" -ge 5 ] && break; sleep 0.1; done
has "$T/daemon.log" "reload: refused, keeping the running configuration: d.json: hooks[0]: hook plug-in $WB_HOOK_CHAIN refused to start: $T/no/such/dir/x.jsonl: cannot open for appending: No such file or directory"
kill -0 "$DAEMON_PID" && ok || bad "the daemon stopped on a refused reload"
wait_metric waybill_mqtt_connected 1
has metrics.txt "waybill_mqtt_connected 1"
one_result 6 risk3.txt
# a reload that holds: the plug-in is started anew on the same trail and
# its chain goes on
cp good.json d.json
kill -HUP "$DAEMON_PID"
for _ in $(seq 50); do grep -q "reload: ok" "$T/daemon.log" && break; sleep 0.1; done
has "$T/daemon.log" "reload: ok"
wait_metric waybill_mqtt_connected 1
one_result 7 risk5.txt
# a reload that drops every plug-in says so
cp nohook.json d.json
kill -HUP "$DAEMON_PID"
for _ in $(seq 50); do grep -q "no inference hook attached now" "$T/daemon.log" && break; sleep 0.1; done
has "$T/daemon.log" "reload: no inference hook attached now (the configuration names none)"
cp good.json d.json
stop_daemon TERM
# the auditor's plug-in saw every governed call, before and after the
# reloads: 5 inputs, 4 outputs, 1 denial, in one unbroken sequence
same "$(grep -c '"event":"before-input"' dchain.jsonl) $(grep -c '"event":"after-output"' dchain.jsonl) $(grep -c '"event":"on-deny"' dchain.jsonl)" "5 4 1" "plug-in events"
same "$(/usr/bin/python3 -c '
import json, sys
seqs = [json.loads(l)["seq"] for l in open(sys.argv[1])]
print(seqs == list(range(1, len(seqs) + 1)))' dchain.jsonl)" "True" "the chain's sequence"

# lineage: each inference record's parents = its inputs' leaf hashes
W --json model show bearing-risk@1.0.0 >m.json
digest=$(/usr/bin/python3 -c 'import json; print(json.load(open("m.json"))["digest"])')
/usr/bin/python3 - "$WAYBILL_DIR/waybill.db" "$digest" >lineage.txt <<'PY'
import sqlite3, sys, json, subprocess, os
c = sqlite3.connect(sys.argv[1])
inf = [i for (i,) in c.execute("SELECT idx FROM entries WHERE kind = 'inference' ORDER BY idx")]
ok = 0
for i in inf:
    d = json.loads(subprocess.check_output([os.environ["WAYBILL"], "--json", "show", str(i)]))
    cl = d["claims"]
    inputs = d["payload"]["inputs"]
    hs = [c.execute("SELECT hex(substr(hashes, 1, 32)) FROM entries WHERE idx = ?", (i,)).fetchone()[0].lower() for i in inputs]
    ok += len(inputs) * (cl["parents"] == hs and cl["model"] == sys.argv[2])
print("inference records %d, outputs with lineage %d" % (len(inf), ok))
PY
has lineage.txt "outputs with lineage 4"
expect 0 W model audit bearing-risk@1.0.0
has "$T/out" "inferences 4 in "
has "$T/out" ", inputs 4"
# the third record was denied (consent withdrawn for the purpose), logged
decisions() {
    /usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM entries WHERE kind = '"'decision'"'").fetchone()[0])' "$WAYBILL_DIR/waybill.db"
}
same "$(decisions)" 1 "denials logged"

# log-only governance (a domestic gateway): the same kind of record is
# denied and logged as such, and run all the same, with the model's own
# output
/usr/bin/python3 - d.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mqtt"]["models"][0]["governance"] = "log-only"
json.dump(c, open("logonly.json", "w"))
c["mqtt"]["models"][0]["governance"] = "lax"
json.dump(c, open("lax.json", "w"))
PY
expect 2 timeout 20 "$WAYBILLD" --config lax.json --listen 127.0.0.1:0
has "$T/err" 'mqtt.models[0].governance: "enforce" or "log-only"'
start_daemon --config logonly.json || exit 1
mosquitto_sub -p "$BROKER_PORT" -q 1 -V mqttv5 -t 'plant/+/risk' -C 1 >risk4.txt &
SUB=$!
sleep 0.3
pub -t plant/press-7/tele -m "$(sed -n 4p "$M/telemetry.jsonl")" \
    -D publish user-property consent c-op 2>/dev/null
for _ in $(seq 100); do grep -q values risk4.txt && break; sleep 0.1; done
kill "$SUB" 2>/dev/null
stop_daemon TERM
/usr/bin/python3 - risk4.txt "$(sed -n 4p "$M/expected.txt")" >cmp4.txt <<'PY'
import json, sys
got = [json.loads(l)["values"][0] for l in open(sys.argv[1]) if "values" in l]
print("match" if len(got) == 1 and abs(got[0] - float(sys.argv[2])) < 1e-5 else "differ %s %s" % (got, sys.argv[2]))
PY
has cmp4.txt match
same "$(decisions)" 2 "the log-only denial is logged"
# a log-only entry whose whole call is refused (run_in outside the
# model's places): logged, run, and said on standard error
/usr/bin/python3 -c 'import json; c = json.load(open("logonly.json")); c["mqtt"]["models"][0]["run_in"] = "US"; json.dump(c, open("us.json", "w"))'
start_daemon --config us.json || exit 1
pub -t plant/press-7/tele -m "$(sed -n 5p "$M/telemetry.jsonl")"
for _ in $(seq 100); do grep -q "not enforced" "$T/daemon.log" && break; sleep 0.1; done
stop_daemon TERM
has "$T/daemon.log" "mqtt: model bearing-risk@1.0.0: the call on 1 record(s) refused, not enforced (log-only; decision entry"
has "$T/daemon.log" "not in US where it would run"
has "$T/daemon.log" "waybilld: us.json: mqtt.models[0] bearing-risk@1.0.0: every call will be refused, and run (governance log-only)"
# owed work whose record is denied and run (log-only) is one record owed,
# not one run and one denied: the log-only denial above, owed again as a
# crash before the models' batch would leave it
/usr/bin/python3 - "$WAYBILL_DIR/waybill.db" >owed.txt <<'PY'
import hashlib, json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
name = "mqtt bearing-risk@1.0.0 " + hashlib.sha256(b"plant/+/tele\0DE\0\0").hexdigest()[:32]
docs = [json.loads(p) for (p,) in c.execute("SELECT payload FROM entries WHERE kind = 'decision'") if p]
ins = [d["input"] for d in docs if d.get("event") == "inference-denied" and d.get("enforced") is False]
c.executemany("INSERT INTO pending(consumer, entry) VALUES (?, ?)", [(name, i) for i in ins])
c.commit()
print(len(ins))
PY
same "$(cat owed.txt)" 1 "one log-only denial to owe again"
: >"$T/daemon.log"
start_daemon --config logonly.json || exit 1
stop_daemon TERM
has "$T/daemon.log" "ran the models on 1 record(s) owed from before"
expect 0 W verify
finish
