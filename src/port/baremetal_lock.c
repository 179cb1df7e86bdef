/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal heap lock (see baremetal_lock.h): PRIMASK on Cortex-M,
 * EFLAGS.IF on i386. Freestanding, no library calls.
 *
 * Order matters: the mask is read, then interrupts are disabled, and only
 * then is the nesting state touched, so an interrupt that arrives between
 * the read and the `cpsid` runs to completion (its own lock/unlock pairs
 * balance) before this context changes the state.
 */
#include "baremetal_lock.h"

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
