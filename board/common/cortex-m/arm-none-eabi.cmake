# SPDX-License-Identifier: MIT
# CMake toolchain file for Cortex-M firmware with arm-none-eabi-gcc and
# newlib-nano (or picolibc):
#   cmake -S app -B build -DCMAKE_TOOLCHAIN_FILE=<tinyheap>/board/common/cortex-m/arm-none-eabi.cmake
# TINYHEAP_CPU_FLAGS selects the core (default: Cortex-M3), e.g.
#   -DTINYHEAP_CPU_FLAGS="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
# TINYHEAP_LIBC selects the C library: newlib-nano (default) or picolibc.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
# No OS to run a test program on: try_compile builds a library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(TINYHEAP_CPU_FLAGS "-mcpu=cortex-m3 -mthumb" CACHE STRING "CPU and ABI flags")
set(TINYHEAP_LIBC "newlib-nano" CACHE STRING "C library: newlib-nano or picolibc")
if(TINYHEAP_LIBC STREQUAL "picolibc")
    # picolibc.specs when compiling too: its headers, its TLS model.
    set(CMAKE_C_FLAGS_INIT "${TINYHEAP_CPU_FLAGS} --specs=picolibc.specs")
elseif(TINYHEAP_LIBC STREQUAL "newlib-nano")
    # nano.specs when compiling too: sources must see newlib-nano's headers
    # (struct _reent differs from full newlib's), not only link against it.
    set(CMAKE_C_FLAGS_INIT "${TINYHEAP_CPU_FLAGS} --specs=nano.specs")
    # (CMake passes the C flags to the link as well: nano.specs is not repeated.)
    set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nosys.specs")
else()
    message(FATAL_ERROR "TINYHEAP_LIBC is newlib-nano or picolibc, not '${TINYHEAP_LIBC}'")
endif()
set(CMAKE_ASM_FLAGS_INIT "${TINYHEAP_CPU_FLAGS}")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
