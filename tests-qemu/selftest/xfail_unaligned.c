/* SPDX-License-Identifier: MIT */
/* Harness self-test, expected to FAIL: a misaligned word load must fault.
 * Cortex-M: always on ARMv6-M, and on M3/M4/M33 because the start-up code
 * sets CCR.UNALIGN_TRP. Host: UBSan's alignment check aborts. i386 has no
 * alignment trap in ring 0, so there the test divides by zero (#DE). */
#include "harness.h"

static volatile uint32_t words[2] = {0x11223344u, 0x55667788u};
static volatile uintptr_t one = 1; /* hides the misalignment from the compiler */

int main(void)
{
    h_puts("misaligned load on purpose");
#if defined(__i386__)
    volatile unsigned num = 1000, zero = 0; /* both volatile: GCC folds 1u / x */
    volatile unsigned r = num / zero;
    (void)r;
#else
    uintptr_t addr = (uintptr_t)&words[0] + one;
    volatile uint32_t *p = (volatile uint32_t *)addr;
    h_printf("read 0x%08x\n", (unsigned)*p);
#endif
    return 0;
}
