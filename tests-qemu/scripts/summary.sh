#!/usr/bin/env bash
# Tallies `make check`: reads build/<target>/results/*.res (one line each:
# PASS|FAIL|SKIP <target> <entry> [(why)]) for the entries each target
# listed in its results/expected file; an entry with no result counts as
# skipped. Prints a per-target tally, the entries that did not pass, and
# last exactly "N passed, M failed" (", K skipped" appended only if K > 0).
# Exit status 0 only when nothing failed or was skipped.
#
#   summary.sh <start-epoch-seconds> <target>...
set -u
start=$1
shift

total_pass=0 total_fail=0 total_skip=0
tally="" problems=""
for target in "$@"; do
    dir=build/$target/results
    if [ -f "$dir/expected" ]; then
        expected=$(cat "$dir/expected")
    else
        expected=""
        problems+="SKIP $target (nothing ran for this target)"$'\n'
        total_skip=$((total_skip + 1))
        tally+=$(printf '  %-12s did not run' "$target")$'\n'
        continue
    fi
    p=0 f=0 s=0
    for e in $expected; do
        res=$dir/$e.res
        if [ -f "$res" ]; then
            line=$(head -n 1 "$res")
        else
            line="SKIP $target $e (did not run)"
        fi
        case $line in
        PASS*) p=$((p + 1)) ;;
        FAIL*) f=$((f + 1)); problems+="$line"$'\n' ;;
        *) s=$((s + 1)); problems+="$line"$'\n' ;;
        esac
    done
    total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
    tally+=$(printf '  %-12s %3d passed, %d failed%s' "$target" $p $f \
        "$([ $s -gt 0 ] && echo ", $s skipped")")$'\n'
done

echo
echo "== per target"
printf '%s' "$tally"
if [ -n "$problems" ]; then
    echo "== not passed"
    printf '%s' "$problems" | sed 's/^/  /'
fi
echo "== make check took $(($(date +%s) - start)) s"
final="$total_pass passed, $total_fail failed"
[ $total_skip -gt 0 ] && final+=", $total_skip skipped"
echo "$final"
[ $total_fail -eq 0 ] && [ $total_skip -eq 0 ]
