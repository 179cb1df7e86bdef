#!/usr/bin/env bash
# One `make check` entry: run a build step (and optionally the test it
# built), write one result line to --result and print it. Never fails, so
# make keeps going; summary.sh tallies the result files.
#
#   check-entry.sh --result F --board B --entry E [--needs RES]... [--need-files 'LIST']
#                  [--run ELF [--timeout S] [--xfail [--xfail-expect RE]]] -- build command...
#
# --needs RES: the entry fails at once unless result file RES says PASS
# (e.g. a test that links libtinyheap.a needs build:src). --need-files:
# fails if the list is empty (nothing to build). The build's output goes to
# <result>.log and its last lines are shown when it fails.
set -u

result="" board="" entry="" run="" timeout_s=30 xfail="" xfail_expect="" need_files="__unset__"
needs=()
while [ $# -gt 0 ]; do
    case "$1" in
    --result) result=$2; shift ;;
    --board) board=$2; shift ;;
    --entry) entry=$2; shift ;;
    --needs) needs+=("$2"); shift ;;
    --need-files) need_files=$2; shift ;;
    --run) run=$2; shift ;;
    --timeout) timeout_s=$2; shift ;;
    --xfail) xfail=--xfail ;;
    --xfail-expect) xfail_expect=$2; shift ;;
    --) shift; break ;;
    *) echo "check-entry.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$(dirname "$result")"
log="${result%.res}.log"

report() { # verdict, reason, [log to show]
    local text
    text="$1 $board $entry${2:+ ($2)}"
    printf '%s\n' "$text" >"$result"
    if [ $# -ge 3 ]; then
        text="$text
$(tail -n 25 "$3" | sed 's/^/    | /')"
    fi
    printf '%s\n' "$text"
    exit 0
}

for res in "${needs[@]+"${needs[@]}"}"; do
    if [ ! -f "$res" ]; then
        report FAIL "prerequisite $(basename "$res" .res) did not run"
    fi
    read -r verdict _ what _ <"$res"
    [ "$verdict" = PASS ] || report FAIL "needs $what, which failed"
done
if [ "$need_files" != "__unset__" ] && [ -z "${need_files// /}" ]; then
    report FAIL "no source files to build"
fi

if ! "$@" >"$log" 2>&1; then
    report FAIL "${run:+build }failed, log: $log" "$log"
fi
if [ -z "$run" ]; then
    report PASS ""
fi
tests-qemu/scripts/run-test.sh --name "$entry" --result "$result" --timeout "$timeout_s" \
    ${xfail:+"$xfail"} ${xfail_expect:+--xfail-expect "$xfail_expect"} "$board" "$run"
exit 0
