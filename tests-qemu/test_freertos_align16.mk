# test_freertos_align16 (see test_freertos_align16.c): the FreeRTOS port
# with portBYTE_ALIGNMENT 16, heap_4 mode, on every target.
test_freertos_align16_SRCS   := src/port/freertos_heap.c tests-qemu/freertos/freertos_stubs.c \
                                tests-qemu/freertos/fr_common.c
test_freertos_align16_CFLAGS := -Itests-qemu/freertos -Isrc/port -DportBYTE_ALIGNMENT=16 \
                                -DconfigTOTAL_HEAP_SIZE=6152
