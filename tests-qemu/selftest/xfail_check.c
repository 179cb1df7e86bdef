/* SPDX-License-Identifier: MIT */
/* Harness self-test, expected to FAIL: checks that fail must be reported. */
#include "harness.h"

int main(void)
{
    CHECK(1 + 1 == 3);
    CHECK_EQ(2 + 2, 5);
    CHECK_PTR_EQ(h_arena(NULL), NULL);
    CHECK(1 == 1); /* a passing check does not count */
    return h_failures;
}
