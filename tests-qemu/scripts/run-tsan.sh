#!/usr/bin/env bash
# Runs a ThreadSanitizer binary (make threads).
#   run-tsan.sh BIN [ARGS...]          must pass: exit 0, no report
#   run-tsan.sh --race BIN [ARGS...]   must be stopped by a data-race report
# TSan needs a memory layout it knows; on kernels whose mmap randomisation is
# wider than it expects it refuses to start ("unexpected memory mapping"),
# and the run is repeated with address randomisation off.
set -u
want_race=0
if [ "${1:-}" = --race ]; then
    want_race=1
    shift
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() {
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" "$@" >"$out" 2>&1
}
run "$@"
rc=$?
if grep -q "unexpected memory mapping" "$out" && command -v setarch >/dev/null; then
    run setarch "$(uname -m)" -R "$@"
    rc=$?
fi
if [ $want_race -eq 0 ]; then
    cat "$out"
    [ $rc -eq 0 ] || echo "run-tsan: $* exited with $rc"
    exit $rc
fi
head -n 12 "$out"
if [ $rc -eq 66 ] && grep -q "WARNING: ThreadSanitizer: data race" "$out"; then
    echo "run-tsan: data race reported, as expected without the lock"
    exit 0
fi
echo "run-tsan: expected a data-race report (exit 66), got exit $rc"
exit 1
