#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the consumer firmware of README's "Using tinyheap in a firmware"
# (tests-qemu/consumer) from scratch, the way README shows: with its
# Makefile, or with CMake (add_subdirectory + target_link_libraries(app
# tinyheap tinyheap_newlib) and the arm-none-eabi toolchain file, MinSizeRel);
# cxx: the C++ firmware of "From C++" (main_cxx.cpp, the Makefile with
# APP=cxx: linked by arm-none-eabi-g++, libstdc++_nano's operator new).
# Checks that the image holds tinyheap and the newlib port and not newlib's
# own allocator, nor code that main.c never calls (nm), and for cxx that
# operator new and delete are libsupc++'s over that malloc; picolibc: the
# firmware of "As picolibc's malloc" (main_picolibc.c, APP=picolibc: picolibc's
# crt0 and picolibc.ld), with the picolibc port and not picolibc's allocator
# or sbrk; given a board,
# runs it under that board's QEMU with run-test.sh, which requires its
# "PASS app" line and exit status 0.
#
#   build-consumer.sh make|cmake|cxx|picolibc|cmake-picolibc <build-dir> '<cpu flags>' [<board>]
# (cmake-picolibc: the picolibc firmware through CMake, -DTINYHEAP_LIBC=picolibc.)
set -eu
how=$1
dir=$(realpath -m "$2") # make -C changes directory
flags=$3
board=${4:-}
rm -rf "$dir"
case "$how" in
make)
    make -C tests-qemu/consumer --no-print-directory OUT="$dir" CPU="$flags"
    ;;
cxx|picolibc)
    make -C tests-qemu/consumer --no-print-directory OUT="$dir" CPU="$flags" APP="$how"
    ;;
cmake|cmake-picolibc)
    libc=newlib-nano
    [ "$how" = cmake-picolibc ] && libc=picolibc
    cmake -S tests-qemu/consumer -B "$dir" -DCMAKE_BUILD_TYPE=MinSizeRel \
          -DCMAKE_TOOLCHAIN_FILE="$PWD/board/common/cortex-m/arm-none-eabi.cmake" \
          -DTINYHEAP_CPU_FLAGS="$flags" -DTINYHEAP_LIBC="$libc"
    cmake --build "$dir"
    ;;
*)
    echo "build-consumer.sh: make, cmake, cxx, picolibc or cmake-picolibc, not '$how'" >&2
    exit 2
    ;;
esac
elf=$dir/app.elf
syms=$(arm-none-eabi-nm "$elf")
need="th_malloc th_default _malloc_r _free_r malloc"
libc_own=' (__malloc_free_list|_sbrk_r)$'
gc_gone="th_walk th_add_region _malloc_stats_r _mallinfo_r _pvalloc_r"
if [ "$how" = picolibc ] || [ "$how" = cmake-picolibc ]; then
    need="th_malloc th_default malloc free realloc"
    libc_own=' (__malloc_free_list|__malloc_sbrk_start|__malloc_malloc|sbrk)$'
    gc_gone="th_walk th_add_region malloc_stats mallinfo memalign"
fi
# operator new(size_t), new[](size_t), delete(void *), delete[](void *):
# libsupc++'s, which call malloc and free (j: size_t is unsigned int).
if [ "$how" = cxx ]; then
    need="$need _Znwj _Znaj _ZdlPv _ZdaPv"
fi
for s in $need; do
    if ! printf '%s\n' "$syms" | grep -Eq " T $s\$"; then
        echo "build-consumer.sh: $s missing from $elf" >&2
        exit 1
    fi
done
if printf '%s\n' "$syms" | grep -Eq "$libc_own"; then
    echo "build-consumer.sh: the C library's own allocator is in $elf" >&2
    exit 1
fi
# Built for --gc-sections (-ffunction-sections -fdata-sections, both
# routes): what main.c (main_cxx.cpp) never calls is not in the image, nor what only that
# pulls in (_malloc_stats_r would bring newlib's fprintf).
for s in $gc_gone; do
    if printf '%s\n' "$syms" | grep -Eq " $s\$"; then
        echo "build-consumer.sh: $s is in $elf, which never calls it (no -ffunction-sections?)" >&2
        exit 1
    fi
done
echo "consumer built with $how: $elf"
if [ -n "$board" ]; then
    # The tests' own runner: QEMU command from the board, timeout, exit
    # status, and the "PASS app" line main.c or main_cxx.cpp prints (PASS
    # <image name>).
    exec tests-qemu/scripts/run-test.sh --show --log "$dir/app.log" "$board" "$elf"
fi
