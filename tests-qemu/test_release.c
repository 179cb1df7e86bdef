/* SPDX-License-Identifier: MIT */
/*
 * test_release: test_stress's 10^5 random operations against the shadow
 * model, with the allocator built as firmware ships it (TH_DEBUG=0: no
 * hardening, no fill patterns, the default fault handler counting only).
 * Every other test uses the debug configuration; this one makes sure the
 * release paths (which skip those checks) keep the same contract.
 */
#include "test_stress.c"
