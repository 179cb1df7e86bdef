# test_picolibc: the picolibc port, on every Cortex-M board (Debian's
# picolibc is built for arm-none-eabi only).
# The test and the port are compiled with --specs=picolibc.specs (picolibc's
# headers) and linked against picolibc instead of newlib-nano, with the
# board's own start-up and linker script (which set up picolibc's TLS
# block). The link goes through link-no-libc-malloc.sh --picolibc, which
# fails the build if any of picolibc's allocator objects or its sbrk is in
# the image, or if the port does not define the whole set.
test_picolibc_SRCS   := src/port/picolibc.c
test_picolibc_CFLAGS := --specs=picolibc.specs
test_picolibc_BOARDS := $(CM_BOARDS)
$(B)/tests-qemu/test_picolibc.elf: LINK = tests-qemu/scripts/link-no-libc-malloc.sh --picolibc \
    $(CC) $(ARCH_FLAGS) $(filter-out --specs=nano.specs --specs=nosys.specs,$(TARGET_LDFLAGS)) \
    --specs=picolibc.specs
# On the Cortex-M0 this test takes about 1.7 KiB of stack (tinystdio's
# fprintf under malloc_stats, among others): 296 of the microbit's 2 KiB are
# left, so it links with 2.25 KiB there (552 left), as test_newlib does.
PICOLIBC_TEST_STACK := -Wl,--defsym=STACK_SIZE=2304
$(B)/tests-qemu/test_picolibc.elf: LINK += $(if $(filter microbit,$(BOARD)),$(PICOLIBC_TEST_STACK))
