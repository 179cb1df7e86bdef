/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal heap lock: a critical section that masks interrupts, for a
 * heap shared between the main loop and interrupt handlers on one core.
 *
 *   th_set_lock(h, th_baremetal_lock, th_baremetal_unlock, NULL);
 *
 * Cortex-M (ARMv6-M included: the M0/M0+ have no LDREX/STREX): lock saves
 * PRIMASK and executes `cpsid i`; the outermost unlock restores the saved
 * PRIMASK (so a heap call made with interrupts already masked leaves them
 * masked). i386 (ring 0): the same with EFLAGS.IF, pushf/cli/popf.
 *
 * Nesting-safe: lock/unlock pairs may nest (a fault handler or an OOM hook
 * that calls back into the heap); only the outermost pair changes the mask.
 * The nesting state is global (interrupt masking is per core, not per
 * heap), so `ctx` is ignored and every heap of the program may share it.
 *
 * Interrupts stay masked for the duration of one heap call: bounded by the
 * call's worst case (README: instructions per call). Faults (NMI, HardFault)
 * are not masked by PRIMASK. Single core only: on a multi-core part use an
 * RTOS mutex or a spinlock port instead.
 */
#ifndef TH_BAREMETAL_LOCK_H
#define TH_BAREMETAL_LOCK_H

#ifdef __cplusplus
extern "C" {
#endif

/** Masks interrupts (first level: saves the previous mask). ctx: ignored. */
void th_baremetal_lock(void *ctx);

/** Undoes one th_baremetal_lock; the outermost restores the saved mask. */
void th_baremetal_unlock(void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TH_BAREMETAL_LOCK_H */
