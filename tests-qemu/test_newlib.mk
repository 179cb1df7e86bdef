# test_newlib: the newlib-nano port, on every Cortex-M board (newlib-nano is
# the arm-none-eabi C library; Debian has no newlib for x86).
# The port is compiled with the firmware's own --specs=nano.specs so that it
# sees newlib-nano's struct _reent. The link goes through
# link-no-libc-malloc.sh, which fails the build if any libc allocator object
# is in the image or if the port does not define the whole _r set.
test_newlib_SRCS   := src/port/newlib_nano.c
test_newlib_CFLAGS := --specs=nano.specs
test_newlib_BOARDS := microbit mps2-an385 mps2-an386 mps2-an505
$(B)/tests-qemu/test_newlib.elf: LINK = tests-qemu/scripts/link-no-libc-malloc.sh \
    $(CC) $(ARCH_FLAGS) $(TARGET_LDFLAGS)
