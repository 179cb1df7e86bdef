/* SPDX-License-Identifier: MIT */
/* Harness self-test, expected to FAIL: an undefined instruction must reach
 * the fault handler (Cortex-M: UDF -> UsageFault/HardFault; x86: UD2 -> #UD;
 * host: SIGILL) and fail the test. */
#include "harness.h"

int main(void)
{
    h_puts("executing an undefined instruction on purpose");
    __builtin_trap();
}
