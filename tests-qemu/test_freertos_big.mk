# test_freertos_big: the FreeRTOS port (heap_5 mode) over regions of up to
# 20 MiB (mmap), which only the host has.
test_freertos_big_SRCS   := src/port/freertos_heap.c tests-qemu/freertos/freertos_stubs.c \
                            tests-qemu/freertos/fr_common.c
test_freertos_big_CFLAGS := -Itests-qemu/freertos -Isrc/port -DTEST_HEAP5 -DTH_MAX_REGIONS=4
test_freertos_big_LIB_CFLAGS := -DTH_MAX_REGIONS=4
test_freertos_big_BOARDS := host
