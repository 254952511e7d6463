#!/usr/bin/env bash
# waybill --help lists every command the CLI dispatches, every long option
# any command accepts, and every subcommand each command family's own
# usage message names.
. "$(dirname "$0")/lib.bash"
cd "$T"

expect 0 W --help
cp "$T/out" help.txt
expect 0 W help
cmp -s "$T/out" help.txt && ok || bad "waybill help differs from --help"
expect 2 W
cmp -s "$T/err" help.txt && ok || bad "waybill with no command prints another text"

# waybill CMD --help (or -h) prints the same help, exit 0
for c in infer model ingest; do
    expect 0 W $c --help
    cmp -s "$T/out" help.txt && ok || bad "waybill $c --help differs from --help"
done
expect 0 W consent -h

# every dispatched command heads a line of the help
cmds=$(grep -o '{"[a-z-]*", cmd_' "$WB_SRC/tools/waybill/main.c" | sed 's/{"\([a-z-]*\)".*/\1/')
[ -n "$cmds" ] && ok || bad "no commands found in main.c"
for c in $cmds; do
    if grep -qE "^  $c( |$)" help.txt; then ok; else bad "--help does not list command $c"; fi
done

# every long option a command accepts is in the help
opts=$(grep -ho '{"[a-z-]*", *[a-z_]*_argument' "$WB_SRC"/tools/waybill/*.c |
       sed 's/{"\([a-z-]*\)".*/\1/' | sort -u)
[ "$(echo "$opts" | wc -l)" -gt 20 ] && ok || bad "too few options found"
for o in $opts; do
    if grep -qE -- "--$o([^a-z-]|$)" help.txt; then ok; else bad "--help does not mention --$o"; fi
done

# every subcommand a family's usage names is in the help, as "FAMILY SUB"
for f in device consent purpose server policy token; do
    expect 2 W "$f"
    subs=$(grep -oE "waybill $f [^ ]+" "$T/err" | awk '{print $3}' | sort -u)
    [ -n "$subs" ] && ok || bad "waybill $f prints no usage"
    for s in $subs; do
        if grep -qF -- "$f $s" help.txt; then ok; continue; fi
        for part in ${s//|/ }; do
            [ "$part" = "..." ] && continue
            if grep -qE -- "$f $part( |$)" help.txt; then ok; else bad "--help lacks \"$f $part\""; fi
        done
    done
done
finish
