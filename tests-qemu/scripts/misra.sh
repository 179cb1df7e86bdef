#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MISRA C:2012 check of the allocator core (src/th_*.c) with cppcheck's
# MISRA addon, in the release (NDEBUG) and the debug (TH_DEBUG=1: TH_HARDEN
# and TH_FILL on) configurations, for a 32-bit target (--platform=unix32).
#
# Every finding is counted once per place (file, line, column, rule) over
# both configurations, and the count per rule is compared with
# tests-qemu/misra-deviations.txt, the project's deviation record: the check
# fails when a rule that file does not list is violated, or a listed rule
# more often than the file allows. A rule found less often than allowed is
# reported, so that the record can be tightened.
#
# The addon checks a subset of the guidelines (no rule texts are used or
# needed); what it reports is all this check can say.
#
#   misra.sh [--list]    (--list: print every finding, grouped by rule)
set -u
cd "$(dirname "$0")/../.."
record=tests-qemu/misra-deviations.txt
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for cfg in "-DNDEBUG" "-DTH_DEBUG=1"; do
    # --cppcheck-build-dir keeps the addon's dump files out of src/.
    mkdir -p "$out/build$cfg"
    if ! cppcheck --quiet --std=c11 --platform=unix32 --addon=misra -Isrc $cfg -D__GNUC__=12 \
         --cppcheck-build-dir="$out/build$cfg" \
         --template='{file}:{line}:{column} {id}' src/th_*.c 2>>"$out/raw"; then
        echo "misra.sh: cppcheck failed" >&2
        exit 1
    fi
done
grep -E ' misra-c2012-[0-9]+\.[0-9]+$' "$out/raw" | sort -u >"$out/found"
if [ "${1:-}" = "--list" ]; then
    sort -t' ' -k2,2V -k1,1 "$out/found"
fi

awk '{ sub(/^misra-c2012-/, "", $2); n[$2]++ }
     END { for (r in n) print r, n[r] }' "$out/found" | sort -V >"$out/counts"
# The record: "<rule> <allowed> <required|advisory> <why ...>", # comments.
grep -Ev '^[[:space:]]*(#|$)' "$record" | awk '{ print $1, $2 }' | sort -V >"$out/allowed"

fail=0
while read -r rule n; do
    allowed=$(awk -v r="$rule" '$1 == r { print $2 }' "$out/allowed")
    if [ -z "$allowed" ]; then
        echo "misra: rule $rule violated $n times, and $record records no deviation for it:"
        grep " misra-c2012-$rule\$" "$out/found" | sed 's/^/    /'
        fail=1
    elif [ "$n" -gt "$allowed" ]; then
        echo "misra: rule $rule violated $n times, $allowed recorded in $record:"
        grep " misra-c2012-$rule\$" "$out/found" | sed 's/^/    /'
        fail=1
    elif [ "$n" -lt "$allowed" ]; then
        echo "misra: rule $rule now violated $n times, $allowed recorded: lower the record"
    fi
done <"$out/counts"
total=$(wc -l <"$out/found")
rules=$(wc -l <"$out/counts")
if [ "$fail" -ne 0 ]; then
    echo "misra: FAILED ($total findings over $rules rules)"
    exit 1
fi
echo "misra: $total findings over $rules rules, each within $record"
