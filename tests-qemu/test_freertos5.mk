# test_freertos5: the FreeRTOS heap port in heap_5 mode (TEST_HEAP5: no
# configTOTAL_HEAP_SIZE), against the stand-in kernel headers in
# tests-qemu/freertos/, on every Cortex-M board.
test_freertos5_SRCS   := src/port/freertos_heap.c tests-qemu/freertos/freertos_stubs.c \
                         tests-qemu/freertos/fr_common.c
test_freertos5_CFLAGS := -Itests-qemu/freertos -Isrc/port -DTEST_HEAP5
test_freertos5_BOARDS := microbit mps2-an385 mps2-an386 mps2-an505
