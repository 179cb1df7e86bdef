/* SPDX-License-Identifier: MIT */
/*
 * test_release_small: test_release with TH_FAST_PATHS=0, the configuration
 * for the smallest code, and TH_FORGET_OLD=0: the same 10^5 operations
 * against the shadow model, so the out-of-line copies of the hot paths keep
 * the same contract.
 */
#include "test_stress.c"
