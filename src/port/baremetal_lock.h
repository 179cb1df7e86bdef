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
 * masked). i386 (ring 0): the same with EFLAGS.IF: lock reads it (pushf)
 * and executes `cli`; the outermost unlock executes `sti` only if IF was
 * set.
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

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Masks interrupts (first level: saves the previous mask). ctx: ignored. */
void th_baremetal_lock(void *ctx);

/** Undoes one th_baremetal_lock; the outermost restores the saved mask. */
void th_baremetal_unlock(void *ctx);

/**
 * The lock of th_baremetal_lock_basepri: set `level`, leave the rest to the
 * lock (TH_BASEPRI_INIT). One per heap, or one shared by the heaps used at
 * the same level; the nesting state is in here, so heaps at different
 * levels (say, one used by the main loop and its ISRs at a low level, one
 * by an urgent ISR at a higher one) do not share it.
 */
typedef struct th_basepri {
    uint32_t level;   /* the BASEPRI value: priority << (8 - __NVIC_PRIO_BITS) */
    uint32_t depth;   /* the lock's: nesting depth */
    uint32_t saved;   /* the lock's: BASEPRI found by the outermost lock */
    uint32_t full;    /* the lock's: 1 when the outermost lock masked all */
    uint32_t primask; /* the lock's: PRIMASK found then */
} th_basepri;

#define TH_BASEPRI_INIT(level) {(level), 0u, 0u, 0u, 0u}

/**
 * The same critical section by priority (Cortex-M3/M4/M7/M33/M55: ARMv7-M
 * and ARMv8-M Mainline): lock raises BASEPRI to ctx's level (a
 * th_basepri: every exception whose priority value is the level or
 * greater, i.e. as urgent or less, is held off) with BASEPRI_MAX, which
 * never lowers a mask already in place; the outermost unlock restores the
 * BASEPRI it found. Interrupts more urgent than the level keep running
 * during heap calls, so a motor-control or radio ISR is not delayed by the
 * heap; they must not call into this heap (they would bypass its lock).
 * Nesting-safe like th_baremetal_lock; ctx must be the same in every pair.
 *
 *   static th_basepri heap_level = TH_BASEPRI_INIT(5u << (8u - __NVIC_PRIO_BITS));
 *   th_set_lock(h, th_baremetal_lock_basepri, th_baremetal_unlock_basepri,
 *               &heap_level);
 *
 * If the raise does not take (a level of 0, which would mask nothing, or a
 * level whose bits this part does not implement, such as an unshifted 5 on
 * a part with 3 priority bits: BASEPRI reads back 0 or above the level),
 * the lock masks everything instead, as th_baremetal_lock does, and says so
 * in `full`. So do cores without BASEPRI (ARMv6-M: M0, M0+; ARMv8-M
 * Baseline: M23) and i386, where these two are th_baremetal_lock/unlock,
 * and a NULL ctx. On a Cortex-M7 r0p1, BASEPRI writes need erratum
 * 837070's workaround (cpsid i around them): use th_baremetal_lock there.
 */
void th_baremetal_lock_basepri(void *ctx);

/** Undoes one th_baremetal_lock_basepri (ctx: the same th_basepri). */
void th_baremetal_unlock_basepri(void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* TH_BAREMETAL_LOCK_H */
