#!/usr/bin/env bash
# Checks that everything `make run` / `make check` need is installed (Debian 12).
# Silent and fast when it is. Otherwise: as root, installs what is missing
# (apt-get update once, then apt-get install, quietly); as another user,
# prints the exact command to run and fails.
set -u

# command -> package that provides it
commands=(
    "arm-none-eabi-gcc gcc-arm-none-eabi"
    "qemu-system-arm qemu-system-arm"
    "qemu-system-i386 qemu-system-x86"
    "cppcheck cppcheck"
    "clang clang"
    "clang++ clang"
    "clang-tidy clang-tidy"
    "gnuplot gnuplot-nox"
    "cmake cmake"
    "gcovr gcovr"
    "python3 python3"
    "make make"
    "gcc gcc"
    "g++ g++"
)
# packages without a command of their own
# (libstdc++-arm-none-eabi-newlib: libstdc++_nano/libsupc++_nano and the C++ headers that
# arm-none-eabi-g++ needs for the consumer:cxx and lint headers-cxx entries;
# libclang-rt-dev: libFuzzer and the sanitizer runtimes of Debian's default clang,
# whichever version that is, so that a newer Debian needs no change here)
libraries=(libnewlib-arm-none-eabi picolibc-arm-none-eabi gcc-multilib libclang-rt-dev libtsan2
           libstdc++-arm-none-eabi-newlib)

missing=()
for entry in "${commands[@]}"; do
    # shellcheck disable=SC2086 # split "command package"
    set -- $entry
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
done
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${libraries[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
        [ "$status" = installed ] || missing+=("$pkg")
    done
fi

[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "setup: not root, so not installing. Run:"
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    echo "setup: then run make again."
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get not found; install the packages above by hand."
    exit 1
fi
log=$(mktemp)
echo "setup: installing them (apt-get, log in $log) ..."
if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
   ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$log" 2>&1; then
    tail -n 20 "$log"
    echo "setup: apt-get failed (full log: $log)"
    exit 1
fi
rm -f "$log"
echo "setup: done."
