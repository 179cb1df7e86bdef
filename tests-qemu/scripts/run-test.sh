#!/usr/bin/env bash
# Runs one test image and prints one result line: "PASS|FAIL|SKIP <board> <name> [(why)]".
#
#   run-test.sh [--show] [--xfail] [--xfail-expect REGEX] [--timeout S]
#               [--name NAME] [--result FILE] [--log FILE] <board> <elf>
#
# The QEMU command is built from the board's board.mk values, taken from the
# environment (QEMU, QEMU_MACHINE, QEMU_CPU, QEMU_FLAGS, QEMU_EXIT_PASS, as
# the Makefile passes them) or, when run by hand, asked from the Makefile:
#   $QEMU -machine $QEMU_MACHINE [-cpu $QEMU_CPU] $QEMU_FLAGS -kernel <elf>
# An empty QEMU means a native binary (board host), which is executed.
#
# A pass needs all of: exit status QEMU_EXIT_PASS (0; 33 on i386, whose
# isa-debug-exit returns 2v+1), the harness's "PASS <name>" line, no "FAIL"
# line, and no timeout (a hung test is a failure). Semihosting output comes
# on QEMU's stderr, so stdout and stderr are both captured (into --log,
# default <elf>.log). --show prints the whole output; otherwise a failure
# prints its last lines. --xfail inverts the verdict (self-tests): a failure
# is reported as PASS "(failed as expected: ...)", a pass as FAIL. With
# --xfail-expect, the failure must also be the expected one: the extended
# regular expression must match the reason or a line of the output, else
# the run is a FAIL "(failed, but not as expected: ...)".
# Exit status: 0 pass, 1 fail, 2 skipped (emulator missing).
set -u

show=0 xfail=0 xfail_expect="" timeout_s=30 name="" result="" log="" ran=0
while [ $# -gt 0 ]; do
    case "$1" in
    --show) show=1 ;;
    --xfail) xfail=1 ;;
    --xfail-expect) xfail_expect=$2; shift ;;
    --timeout) timeout_s=$2; shift ;;
    --name) name=$2; shift ;;
    --result) result=$2; shift ;;
    --log) log=$2; shift ;;
    --) shift; break ;;
    -*) echo "run-test.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
if [ $# -ne 2 ]; then
    echo "usage: run-test.sh [--show] [--xfail] [--xfail-expect RE] [--timeout S] [--name N] [--result F] [--log F] <board> <elf>" >&2
    exit 2
fi
board=$1 elf=$2
test_name=$(basename "$elf" .elf)
[ -n "$name" ] || name=$test_name
[ -n "$log" ] || log="${elf%.elf}.log"

if [ -z "${QEMU_MACHINE+set}" ]; then
    root=$(cd "$(dirname "$0")/../.." && pwd)
    eval "$(make -s --no-print-directory -C "$root" BOARD="$board" print-qemu-env)"
fi
QEMU=${QEMU:-} QEMU_CPU=${QEMU_CPU:-} QEMU_FLAGS=${QEMU_FLAGS:-}
pass_status=${QEMU_EXIT_PASS:-0}

report() { # verdict, reason
    local verdict=$1 reason=$2 line
    line="$verdict $board $name${reason:+ ($reason)}"
    [ -n "$result" ] && printf '%s\n' "$line" >"$result"
    printf '%s\n' "$line"
    # A failure is followed by the last lines of its output (not --show).
    if [ "$verdict" = FAIL ] && [ $show -eq 0 ] && [ $xfail -eq 0 ] && [ $ran -eq 1 ]; then
        tail -n 30 "$log" | sed 's/^/    | /'
    fi
    case $verdict in PASS) exit 0 ;; SKIP) exit 2 ;; *) exit 1 ;; esac
}

if [ ! -f "$elf" ]; then
    report FAIL "no such image: $elf"
fi
if [ -n "$QEMU" ]; then
    command -v "$QEMU" >/dev/null 2>&1 || report SKIP "$QEMU not installed"
    # shellcheck disable=SC2206 # QEMU_FLAGS is a list of words on purpose
    cmd=("$QEMU" -machine "$QEMU_MACHINE" ${QEMU_CPU:+-cpu "$QEMU_CPU"} $QEMU_FLAGS -kernel "$elf")
else
    cmd=("$elf")
fi

mkdir -p "$(dirname "$log")"
# The subshell keeps bash's "Illegal instruction"-style notices out of the output.
(timeout --kill-after=2 "$timeout_s" "${cmd[@]}" </dev/null >"$log" 2>&1; exit $?) 2>/dev/null
status=$? ran=1
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

# Verdict and reason.
why=""
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    why="timeout after ${timeout_s}s"
elif fail_line=$(grep -m1 "^FAIL $test_name" "$log"); then
    why="${fail_line#FAIL "$test_name"}"
    why="${why# }" why="${why#(}" why="${why%)}"
    why="$why failed"
elif grep -q -m1 '^\*\*\* ' "$log"; then
    why=$(grep -m1 '^\*\*\* ' "$log" | sed 's/^\*\*\* //')
elif grep -q -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
    why="sanitizer: $(grep -m1 -oE 'ERROR: [A-Za-z]+Sanitizer: [a-z-]+|runtime error: [^(]*' "$log")"
elif grep -q -m1 'qemu: fatal' "$log"; then
    why=$(grep -m1 'qemu: fatal' "$log")
elif [ $status -ne "$pass_status" ]; then
    if [ -z "$QEMU" ] && [ $status -gt 128 ]; then
        why="killed by signal $((status - 128))"
    else
        why="exit status $status"
    fi
elif ! grep -q -x "PASS $test_name" "$log"; then
    why="exit status $status but no 'PASS $test_name' line"
fi

[ ${#why} -gt 110 ] && why="${why:0:107}..."

if [ $show -eq 1 ]; then
    cat "$log"
fi

if [ $xfail -eq 1 ]; then
    if [ -n "$why" ] && [ -n "$xfail_expect" ] &&
        ! { printf '%s\n' "$why" | grep -q -E -- "$xfail_expect" ||
            grep -q -E -- "$xfail_expect" "$log"; }; then
        report FAIL "failed, but not as expected: $why"
    fi
    [ -n "$why" ] && report PASS "failed as expected: $why"
    report FAIL "expected to fail, but passed"
fi
[ -z "$why" ] && report PASS ""
report FAIL "$why"
