# test_irq_nolock: test_irq without the lock; must fail (the interrupt is
# caught re-entering the heap). See test_irq_nolock.c.
test_irq_nolock_SRCS    := src/port/baremetal_lock.c
test_irq_nolock_CFLAGS  := -Isrc/port
test_irq_nolock_BOARDS  := $(CM_BOARDS)
test_irq_nolock_TIMEOUT := 30
test_irq_nolock_XFAIL   := 1
# ...and fail by catching the reentrance, not by any other failure.
test_irq_nolock_XFAIL_EXPECT := ^REENTRANCE: the interrupt was taken inside a heap call
