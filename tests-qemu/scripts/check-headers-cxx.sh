#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The public headers as C++ (README "From C++"): with one compiler and its
# target flags, compiles tests-qemu/consumer/headers_cxx.cpp (every header,
# the sizing macros in static_assert and as array sizes) as C++11, C++17 and
# C++20, once more with non-default options, and each header on its own as
# the first line of a unit (self-contained), all with the strict warnings
# below as errors. make headers-cxx calls it for g++, clang++ and
# arm-none-eabi-g++ with each Cortex-M board's flags.
#
#   check-headers-cxx.sh <c++ compiler> [target flags...]
set -eu
if [ $# -lt 1 ]; then
    echo "usage: check-headers-cxx.sh <c++ compiler> [target flags...]" >&2
    exit 2
fi
cxx=$1
shift
strict=(-Wall -Wextra -Werror -pedantic -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast)
incs=(-Isrc -Isrc/port -Itests-qemu/freertos)
headers=(src/tinyheap.h src/th_config.h src/port/baremetal_lock.h src/port/freertos_heap.h)
# Other ends of the options' ranges (th_config.h), as a firmware may set them.
options=(-DNDEBUG -DTH_MAX_BLOCK_LOG2=12 -DTH_MAX_REGIONS=16 -DTH_TINY=0 -DTH_TINY_MAX=15
         -DTH_PERSIST_CHUNK=64u)
obj=$(mktemp)
trap 'rm -f "$obj"' EXIT
what="$cxx${*:+ $*}"

for std in c++11 c++17 c++20; do
    "$cxx" "$@" -std=$std "${strict[@]}" "${incs[@]}" -c tests-qemu/consumer/headers_cxx.cpp -o "$obj"
    for h in "${headers[@]}"; do
        # freertos_heap.h is included after FreeRTOS.h, as its comment asks.
        pre=""
        [ "$h" = src/port/freertos_heap.h ] && pre='#include "FreeRTOS.h"'
        printf '%s\n#include "%s"\n' "$pre" "$(basename "$h")" |
            "$cxx" "$@" -std=$std "${strict[@]}" "${incs[@]}" -x c++ -fsyntax-only -
    done
done
"$cxx" "$@" -std=c++17 "${strict[@]}" "${options[@]}" "${incs[@]}" \
    -c tests-qemu/consumer/headers_cxx.cpp -o "$obj"
# Option values th_config.h must refuse at compile time (each with its
# #error), so that a firmware cannot build a configuration that quietly does
# not work: a chunk no block can hold, out-of-range counts and sizes.
refused=("-DTH_MAX_BLOCK_LOG2=12 -DTH_PERSIST_CHUNK=4096u" "-DTH_PERSIST_CHUNK=60u"
         "-DTH_PERSIST_CHUNK=56u" "-DTH_MAX_REGIONS=0" "-DTH_MAX_REGIONS=17" "-DTH_TINY_MAX=14")
for bad in "${refused[@]}"; do
    # shellcheck disable=SC2086 # each entry is a list of flags
    if printf '#include "th_config.h"\n' |
        "$cxx" "$@" -std=c++17 $bad "${incs[@]}" -x c++ -fsyntax-only - 2>/dev/null; then
        echo "headers-cxx: $what: th_config.h accepted $bad" >&2
        exit 1
    fi
done
echo "headers-cxx: $what: C++11, C++17, C++20 (and C++17 with other options) clean;" \
    "${#refused[@]} bad configurations refused"
