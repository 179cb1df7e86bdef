#!/usr/bin/env bash
# `make check` entry lint:setup. Shows what a machine that lacks a package gets,
# without touching this machine's packages: setup.sh and the Makefile run with
# a PATH on which qemu-system-arm is missing and an `id` that says the user is
# not root (a stand-in: no user switch is needed, so this runs the same as root,
# as a user, and in a container that cannot switch users).
#
#   1. setup.sh exits 1 and prints the exact `sudo apt-get ...` line naming the
#      missing package, and never calls apt-get (a stand-in on that PATH leaves
#      a mark if called);
#   2. verbs other than run/check (`make bench-build`, `make test-smoke`) stop at
#      setup, before any compile, with setup's message;
#   3. help, print-qemu-env and a dry run (`make -n bench`) do not run setup
#      (clean is on the same list; running it here would empty build/);
#   4. on the real PATH, setup.sh is silent and exits 0 (this machine is set up).
set -u
cd "$(dirname "$0")/../.." || exit 2

fails=0
fail() { echo "FAIL: $1"; printf '%s\n' "${2:-}" | head -n 4 | sed 's/^/    /'; fails=$((fails + 1)); }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/bin
mark=$tmp/apt-get-called
mkdir -p "$bin"
# Every command setup.sh looks for or runs, and those make and the shells use,
# but qemu-system-arm. type -P: the file on PATH, never a shell builtin's name.
for c in arm-none-eabi-gcc qemu-system-i386 cppcheck clang clang++ clang-tidy gnuplot cmake \
         gcovr python3 make gcc g++ dpkg-query bash sh env find nproc dirname cat sed \
         printf mkdir rm echo grep uname mktemp tail; do
    p=$(type -P "$c") && ln -s "$p" "$bin/$c"
done
printf '#!/bin/sh\n[ "$1" = -u ] && echo 1000 || echo "uid=1000(user) gid=1000(user)"\n' >"$bin/id"
printf '#!/bin/sh\n: >"%s"\nexit 0\n' "$mark" >"$bin/apt-get"
chmod 755 "$bin/id" "$bin/apt-get"

as_user() { # "$@" with PATH=$bin and an environment of its own (no make variables)
    env -i PATH="$bin" HOME="$tmp" TMPDIR="$tmp" "$@"
}

# 1. setup.sh on its own.
out=$(as_user bash tests-qemu/scripts/setup.sh 2>&1); st=$?
[ "$st" -eq 1 ] || fail "setup.sh without qemu-system-arm exited $st, expected 1" "$out"
echo "$out" | grep -q '^setup: missing packages: .*qemu-system-arm' ||
    fail "setup.sh did not name qemu-system-arm" "$out"
echo "$out" | grep -q '^    sudo apt-get update && sudo apt-get install -y .*qemu-system-arm' ||
    fail "setup.sh did not print the install line" "$out"
[ ! -e "$mark" ] || fail "setup.sh called apt-get as a user who is not root"

# 2. Verbs that are not run/check stop at setup before any compile.
for goal in bench-build test-smoke; do
    out=$(as_user make --no-print-directory "$goal" 2>&1); st=$?
    [ "$st" -ne 0 ] || fail "make $goal succeeded without qemu-system-arm" "$out"
    echo "$out" | grep -q 'sudo apt-get update && sudo apt-get install -y .*qemu-system-arm' ||
        fail "make $goal did not show setup's install line" "$out"
    echo "$out" | grep -q 'setup failed' || fail "make $goal did not stop at setup" "$out"
    if echo "$out" | grep -q 'CC \|-c .*\.c'; then fail "make $goal went on to compile" "$out"; fi
done
[ ! -e "$mark" ] || fail "a make verb called apt-get as a user who is not root"

# 3. help, print-qemu-env and a dry run need nothing installed and do not run setup.
for args in "help" "print-qemu-env" "-n bench"; do
    # shellcheck disable=SC2086 # split the arguments
    out=$(as_user make --no-print-directory $args 2>&1); st=$?
    [ "$st" -eq 0 ] || fail "make $args exited $st" "$out"
    if echo "$out" | grep -q 'setup:'; then fail "make $args ran setup" "$out"; fi
done

# 4. This machine is set up: silent, status 0.
out=$(bash tests-qemu/scripts/setup.sh 2>&1); st=$?
{ [ "$st" -eq 0 ] && [ -z "$out" ]; } || fail "setup.sh on this machine: status $st" "$out"

if [ "$fails" -ne 0 ]; then
    echo "check-setup: $fails failure(s)"
    exit 1
fi
echo "check-setup: setup.sh and the make verbs behave as documented"
