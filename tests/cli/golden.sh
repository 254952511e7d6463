#!/usr/bin/env bash
# Golden CLI outputs: every tests/golden/NN-name.cmd runs, in order, against
# one site made from the committed test key; stdout, stderr and the exit
# code must equal NN-name.exp byte for byte. WB_GOLDEN_UPDATE=1 rewrites the
# .exp files (review the diff before committing).
. "$(dirname "$0")/lib.bash"
G="$WB_SRC/tests/golden"

W init --key-file "$G/site.key" >/dev/null || { bad "init"; finish; }
for cmd in "$G"/*.cmd; do
    exp="${cmd%.cmd}.exp"
    line=$(sed -e "s|@SRC@|$WB_SRC|g" -e "s|@TMP@|$T|g" "$cmd")
    eval "set -- $line"
    {
        W "$@" 2>"$T/stderr"
        echo "exit $?"
        cat "$T/stderr"
    } >"$T/got" 
    sed -i -e "s|$T|@TMP@|g" -e "s|$WB_SRC|@SRC@|g" "$T/got"
    if [ "${WB_GOLDEN_UPDATE:-}" = 1 ]; then
        cp "$T/got" "$exp"
    fi
    if cmp -s "$T/got" "$exp"; then
        ok
    else
        bad "$(basename "$cmd"): output differs"
        diff -u "$exp" "$T/got" >&2 || true
    fi
done
finish
