/* SPDX-License-Identifier: MIT */
/*
 * test_irq_basepri: test_irq through the priority lock
 * (th_baremetal_lock_basepri): the allocating SysTick handler is held off
 * during heap calls while the more urgent PendSV keeps running inside them;
 * on ARMv6-M, which has no BASEPRI, everything is held off. See test_irq.c.
 */
#define IRQ_LOCK_BASEPRI 1
#include "test_irq.c"
