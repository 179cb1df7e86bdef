/* SPDX-License-Identifier: MIT */
/* Harness self-test, expected to FAIL: a hung test must be killed by the
 * runner's timeout (set short for this test in tests-qemu/tests.mk). */
#include "harness.h"

int main(void)
{
    h_puts("hanging on purpose");
    volatile int forever = 1;
    while (forever != 0) {
    }
    return 0;
}
