# test_freertos5: the FreeRTOS heap port in heap_5 mode (TEST_HEAP5: no
# configTOTAL_HEAP_SIZE), against the stand-in kernel headers in
# tests-qemu/freertos/, on every target.
test_freertos5_SRCS   := src/port/freertos_heap.c tests-qemu/freertos/freertos_stubs.c \
                         tests-qemu/freertos/fr_common.c
test_freertos5_CFLAGS := -Itests-qemu/freertos -Isrc/port -DTEST_HEAP5
