/* SPDX-License-Identifier: MIT */
/*
 * test_lock_x86: the x86 side of src/port/baremetal_lock.c (EFLAGS.IF),
 * which test_irq (Cortex-M only) does not build, on the i386 board.
 *
 * The board installs handlers for the CPU exceptions only, so the test first
 * masks every line of both 8259 PICs: with IF set nothing can then interrupt
 * it, and it can check both halves of the promise. The lock clears IF; the
 * outermost unlock sets it again only if it was set at the outermost lock (a
 * caller that masked interrupts keeps them masked); nested pairs change
 * nothing; an unbalanced unlock changes nothing.
 */
#include <stdint.h>

#include "baremetal_lock.h"
#include "harness.h"

static uint32_t interrupts_on(void)
{
    uintptr_t flags;
    __asm__ volatile("pushf\n\tpop %0" : "=r"(flags)::"memory");
    return (flags & 0x200u) != 0u ? 1u : 0u;
}

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }

/* One outermost lock/unlock, with a nested pair inside, entered with IF =
 * `on`; `lock`/`unlock` are either pair of the port. */
static void round_trip(uint32_t on, void (*lock)(void *), void (*unlock)(void *))
{
    if (on != 0u) {
        __asm__ volatile("sti" ::: "memory");
    } else {
        __asm__ volatile("cli" ::: "memory");
    }
    CHECK_EQ(interrupts_on(), on);
    lock(NULL);
    CHECK_EQ(interrupts_on(), 0);
    lock(NULL); /* nested */
    unlock(NULL);
    CHECK_EQ(interrupts_on(), 0); /* still inside the outer lock */
    unlock(NULL);
    CHECK_EQ(interrupts_on(), on); /* restored, and only as it was */
    unlock(NULL);                  /* unbalanced: ignored */
    CHECK_EQ(interrupts_on(), on);
}

int main(void)
{
    __asm__ volatile("cli" ::: "memory");
    outb(0x21u, 0xFFu); /* master PIC: every IRQ line masked */
    outb(0xA1u, 0xFFu); /* slave PIC */
    round_trip(1u, th_baremetal_lock, th_baremetal_unlock);
    round_trip(0u, th_baremetal_lock, th_baremetal_unlock);
    /* No BASEPRI on x86: the same lock (a NULL level). */
    round_trip(1u, th_baremetal_lock_basepri, th_baremetal_unlock_basepri);
    round_trip(0u, th_baremetal_lock_basepri, th_baremetal_unlock_basepri);
    __asm__ volatile("cli" ::: "memory");
    return h_failures;
}
