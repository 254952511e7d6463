#!/usr/bin/env bash
# A site whose database the user may not write (an auditor's copy, a
# read-only mount) opens read-only: the read commands work, a command that
# writes is refused saying the site is read-only, and nothing changes.
. "$(dirname "$0")/lib.bash"
cd "$T"
M="$WB_SRC/tests/models"
export WAYBILL_PROFILES="$WB_SRC/profiles"

W init --origin ro.waybill.example >/dev/null
W device add press-7 >/dev/null
W ingest --device press-7 --purpose predictive-maintenance --class non-personal \
    --jurisdiction DE "$M/telemetry.jsonl" >/dev/null
vk=$(W keygen --name vendor.example --out vendor.key)
W model pack "$M/bearing-risk.spec.json" --model "$M/bearing-risk.ubj" --out pkg >/dev/null
W model sign pkg --key-file vendor.key >/dev/null
W model register pkg --vendor-key "$vk" >/dev/null
expect 0 W infer --model bearing-risk@1.0.0 --input 2-5 --run-in DE
W checkpoint >cp.txt
W key >site.vkey
W --json model audit bearing-risk@1.0.0 >audit.want

# root may write any file: the reader is another user then
chmod 755 "$T"
mkdir outdir && chmod 777 outdir
if [ "$(id -u)" -eq 0 ]; then
    cp "$WAYBILL" "$T/waybill-ro" && chmod 755 "$T/waybill-ro"
    cp -r "$WB_SRC/profiles" "$T/profiles" && chmod -R a+rX "$T/profiles"
    chown -R nobody site
    RO() {
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
            env WAYBILL_DIR="$T/site" WAYBILL_PROFILES="$T/profiles" \
            "$T/waybill-ro" "$@"
    }
else
    RO() { "$WAYBILL" "$@"; }
fi
chmod 444 site/waybill.db
chmod 555 site # no -shm can be made: the file is read as it stands
before=$(sha256sum site/waybill.db)

expect 0 RO verify
has "$T/out" "ok: 23 entries"
expect 0 RO --json model audit bearing-risk@1.0.0
if cmp -s "$T/out" audit.want; then ok; else bad "audit differs read-only"; fi
expect 0 RO model list
has "$T/out" "bearing-risk@1.0.0"
expect 0 RO show 3
expect 0 RO prove 3
cp "$T/out" proof3
W leaf 3 --out leaf3
expect 0 W verify-proof --key site.vkey --leaf leaf3 proof3
expect 0 RO payload 3 --out "$T/outdir/p3"
has "$T/out" "salt "
expect 0 RO checkpoint # the log is at the signed size: the latest is shown
if cmp -s "$T/out" cp.txt; then ok; else bad "checkpoint differs"; fi
# a write: refused, saying why, the database unchanged
expect 3 RO ingest --device press-7 --purpose predictive-maintenance "$M/telemetry.jsonl"
has "$T/err" "attempt to write a readonly database (the site was opened read-only"
expect 3 RO infer --model bearing-risk@1.0.0 --input 6 --run-in DE
has "$T/err" "opened read-only"
same "$(sha256sum site/waybill.db)" "$before" "read-only database unchanged"
[ -e site/waybill.db-wal ] && bad "a write-ahead log was made" || ok

chmod 755 site
chmod 644 site/waybill.db
finish
