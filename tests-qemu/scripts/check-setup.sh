#!/usr/bin/env bash
# `make check` entry lint:setup. Shows what a machine that lacks a package gets,
# without touching this machine's packages: setup.sh and the Makefile run as a
# user who is not root (nobody, when this runs as root), with a PATH on which
# qemu-system-arm is missing.
#
#   1. setup.sh exits 1 and prints the exact `sudo apt-get ...` line naming the
#      missing package, and never calls apt-get (a stand-in on that PATH records
#      a call);
#   2. a verb other than run/check (`make -n bench`, `make -n test-smoke`) stops at
#      setup, before any compile, with setup's message;
#   3. clean and help do not run setup;
#   4. on the real PATH, setup.sh is silent and exits 0 (this machine is set up).
set -u
cd "$(dirname "$0")/../.." || exit 2

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/bin
mkdir -p "$bin"
# Every command setup.sh looks for, and the few that make and bash use, but
# qemu-system-arm; apt-get is a stand-in that leaves a mark.
for c in arm-none-eabi-gcc qemu-system-i386 cppcheck clang clang++ clang-tidy gnuplot cmake \
         gcovr python3 make gcc g++ dpkg-query id bash sh env find nproc dirname cat sed \
         printf mkdir rm echo tar; do
    p=$(command -v "$c") && ln -s "$p" "$bin/$c"
done
printf '#!/bin/sh\ntouch %s/apt-called\nexit 0\n' "$tmp" >"$bin/apt-get"
chmod 755 "$bin/apt-get"

# A copy of the sources that nobody can read and build in (a clone under /root
# is out of its reach).
repo=$tmp/repo
mkdir -p "$repo"
tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$repo"
chmod -R a+rwX "$repo"

as_user() { # runs "$@" in $repo as a user who is not root, with PATH=$bin
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$repo" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
            env -i PATH="$bin" HOME=/ "$@")
    else
        (cd "$repo" && env -i PATH="$bin" HOME=/ "$@")
    fi
}

# 1. setup.sh on its own.
out=$(as_user bash tests-qemu/scripts/setup.sh 2>&1); st=$?
[ "$st" -eq 1 ] || fail "setup.sh without qemu-system-arm exited $st, expected 1"
echo "$out" | grep -q '^setup: missing packages: .*qemu-system-arm' ||
    fail "setup.sh did not name qemu-system-arm: $(echo "$out" | head -n 4)"
echo "$out" | grep -q '^    sudo apt-get update && sudo apt-get install -y .*qemu-system-arm' ||
    fail "setup.sh did not print the install line: $(echo "$out" | head -n 4)"
[ ! -e "$tmp/apt-called" ] || fail "setup.sh called apt-get as a user who is not root"

# 2. Verbs that are not run/check stop at setup before any compile.
for goal in bench test-smoke; do
    out=$(as_user make -n --no-print-directory "$goal" 2>&1); st=$?
    [ "$st" -ne 0 ] || fail "make -n $goal succeeded without qemu-system-arm"
    echo "$out" | grep -q 'sudo apt-get update && sudo apt-get install -y .*qemu-system-arm' ||
        fail "make -n $goal did not show setup's install line: $(echo "$out" | head -n 4)"
    echo "$out" | grep -q 'setup failed' || fail "make -n $goal did not stop at setup: $(echo "$out" | head -n 4)"
    if echo "$out" | grep -q -- '-c .*\.c'; then fail "make -n $goal went on to compile: $(echo "$out" | head -n 4)"; fi
done

# 3. clean and help need nothing installed.
out=$(as_user make -n --no-print-directory clean help 2>&1); st=$?
[ "$st" -eq 0 ] || fail "make -n clean help exited $st: $(echo "$out" | head -n 4)"
if echo "$out" | grep -q 'setup:'; then fail "make clean/help ran setup: $(echo "$out" | head -n 4)"; fi
[ ! -e "$tmp/apt-called" ] || fail "a make verb called apt-get as a user who is not root"

# 4. This machine is set up: silent, status 0.
out=$(tests-qemu/scripts/setup.sh 2>&1); st=$?
[ "$st" -eq 0 ] && [ -z "$out" ] || fail "setup.sh on this machine: status $st, output: $(echo "$out" | head -n 4)"

if [ "$fails" -ne 0 ]; then
    echo "check-setup: $fails failure(s)"
    exit 1
fi
echo "check-setup: setup.sh and the make verbs behave as documented"
