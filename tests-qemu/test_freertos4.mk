# test_freertos4: the FreeRTOS heap port in heap_4 mode, against the
# stand-in kernel headers in tests-qemu/freertos/, on every target: the port
# is portable C, and the host runs it under ASan and UBSan.
test_freertos4_SRCS   := src/port/freertos_heap.c tests-qemu/freertos/freertos_stubs.c \
                         tests-qemu/freertos/fr_common.c
test_freertos4_CFLAGS := -Itests-qemu/freertos -Isrc/port
