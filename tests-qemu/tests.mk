# Per-test settings for tests-qemu/ (included by the Makefile).
#
# Tests are discovered, not listed: every tests-qemu/test_*.c is a test and
# every tests-qemu/selftest/*.c an expected-failure self-test. For a test
# named N (the file's basename) these optional variables apply; set them
# here or in tests-qemu/N.mk next to the test (picked up automatically):
#
#   N_SRCS        extra sources linked into the test, e.g. src/port/newlib_nano.c
#                 (compiled per test with the test's flags, under build/<board>/x/N/)
#   N_CFLAGS      extra compiler flags for the test's own sources, e.g. -DOPS=5000
#   N_LIB_CFLAGS  flags that change the allocator itself, e.g. -DTH_TINY=0: the
#                 test then gets its own copy of src/*.c built with them
#   N_NOLIB       1 = do not link libtinyheap.a (harness and headers only)
#   N_BOARDS      boards to run on (default: all of BOARDS)
#   N_TIMEOUT     seconds before the test counts as hung (default: TIMEOUT)
#   N_XFAIL       1 = expected to fail (automatic under tests-qemu/selftest/)
#   N_XFAIL_EXPECT  the failure it must be: an extended regex matched against
#                 the reason (e.g. "3 failed", "timeout") or a line of the output
#
# Example:
#   test_newlib_SRCS   := src/port/newlib_nano.c
#   test_notiny_LIB_CFLAGS := -DTH_TINY=0
#   test_stress_CFLAGS := -DSTRESS_OPS=20000
#   test_stress_TIMEOUT := 120

# The smoke test must run while src/ is still being written.
test_smoke_NOLIB := 1

# Self-tests exercise the harness, not the allocator.
xfail_check_NOLIB     := 1
xfail_hang_NOLIB      := 1
xfail_hang_TIMEOUT    := 3
xfail_trap_NOLIB      := 1
xfail_unaligned_NOLIB := 1
# Each must fail the way it is meant to, not any way at all: the three failed
# checks; a timeout; an illegal instruction (host signal 4, x86 #UD, a
# Cortex-M fault); a misaligned load (UBSan, a Cortex-M fault; x86 has no
# alignment trap, so its variant divides by zero: #DE).
xfail_check_XFAIL_EXPECT     := ^3 failed$$
xfail_hang_XFAIL_EXPECT      := ^timeout
xfail_trap_XFAIL_EXPECT      := signal 4|\#UD|HardFault|UsageFault
xfail_unaligned_XFAIL_EXPECT := misaligned|\#DE|HardFault|UsageFault

# The demo (make run) is a newlib-nano firmware over the newlib port; its
# link is checked like test_newlib's (no libc allocator in the image).
demo_SRCS   := src/port/newlib_nano.c
demo_CFLAGS := --specs=nano.specs
demo_BOARDS := $(CM_BOARDS)
$(B)/tests-qemu/demo/demo.elf: LINK = tests-qemu/scripts/link-no-libc-malloc.sh \
    $(CC) $(ARCH_FLAGS) $(TARGET_LDFLAGS)
