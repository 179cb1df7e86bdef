/* SPDX-License-Identifier: MIT */
/*
 * test_notiny: test_stress's 10^5 random operations against the shadow
 * model with TH_TINY=0, the configuration without the tiny allocator (every
 * request is a general block), so that option keeps the same contract.
 */
#include "test_stress.c"
