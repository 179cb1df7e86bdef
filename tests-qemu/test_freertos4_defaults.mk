# test_freertos4_defaults: the FreeRTOS port in heap_4 mode with the kernel's
# defaults for the hook, the clearing and the trace macros (see the .c file).
test_freertos4_defaults_SRCS   := src/port/freertos_heap.c tests-qemu/freertos/freertos_stubs.c
test_freertos4_defaults_CFLAGS := -Itests-qemu/freertos -Isrc/port -DTEST_KERNEL_DEFAULTS
