# test_newlib: the newlib-nano port, on every Cortex-M board (newlib-nano is
# the arm-none-eabi C library; Debian has no newlib for x86).
# The port is compiled with the firmware's own --specs=nano.specs so that it
# sees newlib-nano's struct _reent. The link goes through
# link-no-libc-malloc.sh, which fails the build if any libc allocator object
# is in the image or if the port does not define the whole _r set.
test_newlib_SRCS   := src/port/newlib_nano.c
test_newlib_CFLAGS := --specs=nano.specs
test_newlib_BOARDS := $(CM_BOARDS)
$(B)/tests-qemu/test_newlib.elf: LINK = tests-qemu/scripts/link-no-libc-malloc.sh \
    $(CC) $(ARCH_FLAGS) $(TARGET_LDFLAGS)
# On the Cortex-M0 this test first took about 1.9 KiB of stack (newlib-nano's
# printf("%f") under main): lc_stack_margin found 104 of the microbit's
# 2 KiB never touched, and with the checks inlined into main it overflowed
# into the top of the heap. With each check a frame of its own it takes about
# 1.7 KiB; it (and test_newlib_go) links with 2.25 KiB there, which leaves
# 584 bytes (more would leave too little heap for its valloc and pvalloc side
# by side).
NEWLIB_TEST_STACK  := -Wl,--defsym=STACK_SIZE=2304
NEWLIB_TEST_LDFLAGS := $(if $(filter microbit,$(BOARD)),$(NEWLIB_TEST_STACK))
$(B)/tests-qemu/test_newlib.elf: LINK += $(NEWLIB_TEST_LDFLAGS)
