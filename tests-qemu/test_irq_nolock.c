/* SPDX-License-Identifier: MIT */
/*
 * test_irq_nolock: test_irq without the lock (expected to fail, N_XFAIL).
 * The same callbacks count the heap calls in progress but do not mask
 * interrupts, so the SysTick handler is soon taken inside a heap call of
 * the main loop: it records the reentrance, stops using the heap, and the
 * test fails at once, deterministically, without letting the heap be
 * corrupted (so it cannot hang).
 */
#define IRQ_NO_LOCK 1
#include "test_irq.c"
