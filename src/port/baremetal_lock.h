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

/**
 * The same critical section by priority (Cortex-M3/M4/M7/M33: ARMv7-M and
 * ARMv8-M Mainline): lock raises BASEPRI to the level `ctx` points to (a
 * uint8_t, the BASEPRI value: every exception whose priority value is that
 * or greater, i.e. as urgent or less, is held off) with BASEPRI_MAX, which
 * never lowers a mask already in place; the outermost unlock restores the
 * BASEPRI it found. Interrupts more urgent than the level keep running
 * during heap calls, so a motor-control or radio ISR is not delayed by the
 * heap; they must not call into the heap (they would bypass the lock).
 * Nesting-safe like th_baremetal_lock; ctx must be the same in every pair.
 *
 *   static uint8_t heap_level = 5u << (8u - __NVIC_PRIO_BITS);
 *   th_set_lock(h, th_baremetal_lock_basepri, th_baremetal_unlock_basepri,
 *               &heap_level);
 *
 * A level of 0 would mask nothing, so it masks everything instead, as
 * th_baremetal_lock does; so do cores without BASEPRI (ARMv6-M: M0, M0+,
 * M23) and i386, where these two are th_baremetal_lock/unlock. On a
 * Cortex-M7 r0p1, BASEPRI writes need erratum 837070's workaround (cpsid i
 * around them): use th_baremetal_lock there.
 */
void th_baremetal_lock_basepri(void *ctx);

/** Undoes one th_baremetal_lock_basepri (ctx: the same level pointer). */
void th_baremetal_unlock_basepri(void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TH_BAREMETAL_LOCK_H */
