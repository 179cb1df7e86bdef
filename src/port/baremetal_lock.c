/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal heap lock (see baremetal_lock.h): PRIMASK on Cortex-M,
 * EFLAGS.IF on i386, and BASEPRI where the core has it. Freestanding, no
 * library calls.
 *
 * Order matters: the mask is read, then interrupts are disabled, and only
 * then is the nesting state touched, so an interrupt that arrives between
 * the read and the `cpsid` runs to completion (its own lock/unlock pairs
 * balance) before this context changes the state.
 */
#include "baremetal_lock.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__arm__) || defined(__thumb__)

static inline uint32_t irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

#elif defined(__i386__) || defined(__x86_64__)

static inline uint32_t irq_save(void)
{
    uintptr_t flags;
    __asm__ volatile("pushf\n\tpop %0\n\tcli" : "=r"(flags)::"memory");
    return (flags & 0x200u) != 0u ? 0u : 1u; /* 1: interrupts were masked */
}

static inline void irq_restore(uint32_t masked)
{
    if (masked == 0u) {
        __asm__ volatile("sti" ::: "memory");
    }
}

#else

/* Not #error: cppcheck checks every configuration, and this one must parse. */
_Static_assert(sizeof(char) == 0u, "baremetal_lock.c: Cortex-M or x86 only");
static inline uint32_t irq_save(void) { return 0u; }
static inline void     irq_restore(uint32_t masked) { (void)masked; }

#endif

/* Nesting depth and the mask to restore at the outermost unlock. Only
 * touched with interrupts masked. */
static volatile uint32_t s_depth;
static volatile uint32_t s_saved;

void th_baremetal_lock(void *ctx)
{
    (void)ctx;
    uint32_t prev = irq_save();
    if (s_depth == 0u) {
        s_saved = prev;
    }
    s_depth = s_depth + 1u;
}

void th_baremetal_unlock(void *ctx)
{
    (void)ctx;
    if (s_depth == 0u) {
        return; /* unbalanced: ignore rather than unmask */
    }
    s_depth = s_depth - 1u;
    if (s_depth == 0u) {
        irq_restore(s_saved);
    }
}

/* ---- By priority: BASEPRI ------------------------------------------------- */

/* Thumb-2 M-profile cores have BASEPRI: ARMv7-M, ARMv7E-M, ARMv8-M
 * Mainline, ARMv8.1-M (not ARMv6-M nor ARMv8-M Baseline, Thumb-1 only). */
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(__ARM_ARCH_ISA_THUMB) && \
    __ARM_ARCH_ISA_THUMB == 2

/* The state in *ctx is only touched with this heap's interrupts held off:
 * one that arrives between the read of BASEPRI and the raise runs to
 * completion first (its own pairs balance), as in th_baremetal_lock. */
void th_baremetal_lock_basepri(void *ctx)
{
    th_basepri *l = (th_basepri *)ctx;
    if (l == NULL) {
        th_baremetal_lock(ctx);
        return;
    }
    uint32_t level = l->level;
    uint32_t prev;
    uint32_t now;
    __asm__ volatile("mrs %0, basepri\n\tmsr basepri_max, %2\n\tmrs %1, basepri"
                     : "=&r"(prev), "=&r"(now)
                     : "r"(level)
                     : "memory");
    uint32_t full    = (now == 0u || now > level) ? 1u : 0u; /* the raise did not take */
    uint32_t primask = full != 0u ? irq_save() : 0u;
    if (l->depth == 0u) {
        l->saved   = prev;
        l->full    = full;
        l->primask = primask;
    }
    l->depth = l->depth + 1u;
}

void th_baremetal_unlock_basepri(void *ctx)
{
    th_basepri *l = (th_basepri *)ctx;
    if (l == NULL) {
        th_baremetal_unlock(ctx);
        return;
    }
    if (l->depth == 0u) {
        return; /* unbalanced: ignore rather than unmask */
    }
    l->depth = l->depth - 1u;
    if (l->depth == 0u) {
        /* Read before unmasking: an interrupt may lock again right after. */
        uint32_t saved   = l->saved;
        uint32_t full    = l->full;
        uint32_t primask = l->primask;
        __asm__ volatile("msr basepri, %0" ::"r"(saved) : "memory");
        if (full != 0u) {
            irq_restore(primask);
        }
    }
}

#else

/* No BASEPRI (ARMv6-M, ARMv8-M Baseline, i386): the whole mask. */
void th_baremetal_lock_basepri(void *ctx) { th_baremetal_lock(ctx); }
void th_baremetal_unlock_basepri(void *ctx) { th_baremetal_unlock(ctx); }

#endif
