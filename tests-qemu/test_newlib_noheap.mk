# test_newlib_noheap (see the .c file): the newlib port over a linker heap
# region of 64 bytes, too small for a heap.
test_newlib_noheap_SRCS   := $(test_newlib_SRCS)
test_newlib_noheap_CFLAGS := $(test_newlib_CFLAGS)
test_newlib_noheap_BOARDS := $(test_newlib_BOARDS)
$(B)/tests-qemu/test_newlib_noheap.elf: LINK = tests-qemu/scripts/link-no-libc-malloc.sh \
    $(CC) $(ARCH_FLAGS) $(TARGET_LDFLAGS) -Wl,--defsym=TH_HEAP_SIZE=64 -Wl,--defsym=TH_HEAP_MIN=0
