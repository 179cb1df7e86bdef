# test_irq_basepri: test_irq with the BASEPRI lock (th_baremetal_lock_basepri).
# Every Cortex-M board: ARMv6-M (microbit) checks the fallback to PRIMASK.
test_irq_basepri_SRCS    := src/port/baremetal_lock.c
test_irq_basepri_CFLAGS  := -Isrc/port
test_irq_basepri_BOARDS  := $(CM_BOARDS)
test_irq_basepri_TIMEOUT := 60
