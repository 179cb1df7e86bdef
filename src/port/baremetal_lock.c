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

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)

/* Nesting depth and the BASEPRI to restore at the outermost unlock. Only
 * touched with the heap's interrupts held off: an interrupt that arrives
 * between the read of BASEPRI and the raise runs to completion first (its
 * own pairs balance), as in th_baremetal_lock. */
static volatile uint32_t s_bp_depth;
static volatile uint32_t s_bp_saved;

static uint32_t level_of(const void *ctx)
{
    return ctx != NULL ? *(const volatile uint8_t *)ctx : 0u;
}

void th_baremetal_lock_basepri(void *ctx)
{
    uint32_t level = level_of(ctx);
    if (level == 0u) {
        th_baremetal_lock(ctx); /* 0 would mask nothing: mask all */
        return;
    }
    uint32_t prev;
    __asm__ volatile("mrs %0, basepri\n\tmsr basepri_max, %1" : "=&r"(prev) : "r"(level) : "memory");
    if (s_bp_depth == 0u) {
        s_bp_saved = prev;
    }
    s_bp_depth = s_bp_depth + 1u;
}

void th_baremetal_unlock_basepri(void *ctx)
{
    if (level_of(ctx) == 0u) {
        th_baremetal_unlock(ctx);
        return;
    }
    if (s_bp_depth == 0u) {
        return; /* unbalanced: ignore rather than unmask */
    }
    s_bp_depth = s_bp_depth - 1u;
    if (s_bp_depth == 0u) {
        __asm__ volatile("msr basepri, %0" ::"r"(s_bp_saved) : "memory");
    }
}

#else

/* No BASEPRI (ARMv6-M, i386): the whole mask. */
void th_baremetal_lock_basepri(void *ctx) { th_baremetal_lock(ctx); }
void th_baremetal_unlock_basepri(void *ctx) { th_baremetal_unlock(ctx); }

#endif
