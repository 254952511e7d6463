# Shared by the CLI tests: a temp dir, the binary, checks that count.
# Sourced, never run on its own.
set -u
: "${WAYBILL:?set WAYBILL to the waybill binary}"
W() { ${WB_TEST_WRAPPER:+${WB_TEST_WRAPPER//;/ }} "$WAYBILL" "$@"; }
T=$(mktemp -d "${TMPDIR:-/tmp}/wbtest.XXXXXX")
export WAYBILL_DIR="$T/site"
pass=0
fail=0
trap 'rm -rf "$T"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect CODE CMD...: run, compare the exit code; output in $T/out, $T/err
expect() {
    local want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then
        ok
    else
        bad "exit $got, want $want: $* -- $(head -c 400 "$T/err")"
    fi
}

# has FILE TEXT: FILE contains TEXT
has() {
    if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks \"$2\": $(head -c 400 "$1")"; fi
}

# lacks FILE TEXT: FILE does not contain TEXT
lacks() {
    if grep -qF -- "$2" "$1"; then bad "$1 has \"$2\": $(head -c 400 "$1")"; else ok; fi
}

same() {
    if [ "$1" = "$2" ]; then ok; else bad "\"$1\" != \"$2\" ${3:-}"; fi
}

# js EXPR: a Python expression over d, the JSON of the last command's stdout
js() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$T/out')); print(($1))"; }

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit $?
}

# sql DB STATEMENT: change the database behind the library's back
sql() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute(sys.argv[2])
c.commit()
c.close()
PY
}

# flip FILE OFFSET: invert one byte of FILE
flip() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[off] ^= 0x01
open(p, 'wb').write(bytes(b))
PY
}
