# test_lock_x86: baremetal_lock.c's x86 code (EFLAGS.IF), on the i386 board
# (test_irq covers the Cortex-M code). See test_lock_x86.c.
test_lock_x86_SRCS   := src/port/baremetal_lock.c
test_lock_x86_CFLAGS := -Isrc/port
test_lock_x86_BOARDS := i386
