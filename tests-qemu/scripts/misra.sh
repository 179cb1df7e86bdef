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
# more or less often than the file says: the record, and README's table taken
# from it, stay exact.
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

command -v cppcheck >/dev/null 2>&1 || { echo "misra.sh: cppcheck not found (make setup)" >&2; exit 1; }
version=$(cppcheck --version 2>/dev/null)
for cfg in "-DNDEBUG" "-DTH_DEBUG=1"; do
    # --cppcheck-build-dir keeps the addon's dump files out of src/.
    mkdir -p "$out/build$cfg"
    if ! cppcheck --quiet --std=c11 --platform=unix32 --addon=misra -Isrc $cfg -D__GNUC__=12 \
         --cppcheck-build-dir="$out/build$cfg" \
         --template='{file}:{line}:{column} {id}' src/th_*.c >>"$out/raw" 2>&1; then
        echo "misra.sh: cppcheck failed:" >&2
        sed 's/^/    /' "$out/raw" >&2
        exit 1
    fi
done
# Every line must be a MISRA finding. cppcheck exits 0 when the addon is
# missing or fails (it prints "Did not find addon", "Bailing out", or the
# addon's traceback) and when it cannot parse a file (syntaxError): all of
# those would otherwise look like a clean run.
other=$(grep -Ev '^src/[^ ]+:[0-9]+:[0-9]+ misra-c2012-[0-9]+\.[0-9]+$' "$out/raw" | grep -v '^[[:space:]]*$' || true)
if [ -n "$other" ]; then
    echo "misra.sh: cppcheck printed more than MISRA findings ($version):" >&2
    printf '%s\n' "$other" | head -20 | sed 's/^/    /' >&2
    exit 1
fi
sort -u "$out/raw" | grep -v '^[[:space:]]*$' >"$out/found" || true
if [ ! -s "$out/found" ]; then
    echo "misra.sh: no findings at all: the addon cannot have run ($version)" >&2
    exit 1
fi
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
        fail=1 # the record is README's table: it must say what cppcheck finds
    fi
done <"$out/counts"
while read -r rule allowed; do
    if ! grep -q "^$rule " "$out/counts"; then
        echo "misra: rule $rule is no longer violated ($allowed recorded): remove it from the record"
        fail=1
    fi
done <"$out/allowed"
total=$(wc -l <"$out/found")
rules=$(wc -l <"$out/counts")
if [ "$fail" -ne 0 ]; then
    echo "misra: FAILED ($total findings over $rules rules)"
    exit 1
fi
echo "misra: $total findings over $rules rules, each within $record ($version)"
