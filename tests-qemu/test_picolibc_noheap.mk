# test_picolibc_noheap (see the .c file): the picolibc port over a linker
# heap region of 64 bytes, linked as test_picolibc is.
test_picolibc_noheap_SRCS   := $(test_picolibc_SRCS)
test_picolibc_noheap_CFLAGS := $(test_picolibc_CFLAGS)
test_picolibc_noheap_BOARDS := $(test_picolibc_BOARDS)
$(B)/tests-qemu/test_picolibc_noheap.elf: LINK = tests-qemu/scripts/link-no-libc-malloc.sh --picolibc \
    $(CC) $(ARCH_FLAGS) $(filter-out --specs=nano.specs --specs=nosys.specs,$(TARGET_LDFLAGS)) \
    --specs=picolibc.specs -Wl,--defsym=TH_HEAP_SIZE=64 -Wl,--defsym=TH_HEAP_MIN=0
