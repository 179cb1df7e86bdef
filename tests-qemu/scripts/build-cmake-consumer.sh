#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds tests-qemu/cmake-consumer (a firmware using
# add_subdirectory + target_link_libraries(app tinyheap tinyheap_newlib))
# with the arm-none-eabi toolchain file, from scratch, then checks that the
# image holds tinyheap and the newlib port (nm).
#
#   build-cmake-consumer.sh <build-dir> '<cpu flags>'
set -eu
dir=$1
flags=$2
rm -rf "$dir"
cmake -S tests-qemu/cmake-consumer -B "$dir" \
      -DCMAKE_TOOLCHAIN_FILE="$PWD/board/common/cortex-m/arm-none-eabi.cmake" \
      -DTINYHEAP_CPU_FLAGS="$flags"
cmake --build "$dir"
syms=$(arm-none-eabi-nm "$dir/app.elf")
for s in th_malloc th_default _malloc_r _free_r malloc; do
    if ! printf '%s\n' "$syms" | grep -Eq " T $s\$"; then
        echo "build-cmake-consumer.sh: $s missing from $dir/app.elf" >&2
        exit 1
    fi
done
if printf '%s\n' "$syms" | grep -Eq ' (__malloc_free_list|_sbrk_r)$'; then
    echo "build-cmake-consumer.sh: newlib's own allocator is in $dir/app.elf" >&2
    exit 1
fi
echo "cmake consumer built: $dir/app.elf"
