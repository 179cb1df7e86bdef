/* SPDX-License-Identifier: MIT */
/*
 * test_config_release: test_stress's 10^5 random operations against the
 * shadow model, with the allocator built as a release image that keeps the
 * debug checks a firmware team may want in the field: TH_DEBUG=0 (faults
 * counted, no trap) with TH_HARDEN=1 and TH_FILL=1, other fill patterns than
 * the defaults, TH_FAST_PATHS=0 (the compiler chooses what to inline) and
 * the most region slots (16). The debug and release builds of the other
 * tests set these options together; here they are set apart.
 */
#include "test_stress.c"
