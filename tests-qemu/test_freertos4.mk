# test_freertos4: the FreeRTOS heap port in heap_4 mode, against the
# stand-in kernel headers in tests-qemu/freertos/, on every Cortex-M board.
test_freertos4_SRCS   := src/port/freertos_heap.c tests-qemu/freertos/freertos_stubs.c \
                         tests-qemu/freertos/fr_common.c
test_freertos4_CFLAGS := -Itests-qemu/freertos -Isrc/port
test_freertos4_BOARDS := microbit mps2-an385 mps2-an386 mps2-an505
