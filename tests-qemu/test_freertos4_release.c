/* SPDX-License-Identifier: MIT */
/*
 * test_freertos4_release: test_freertos4 with the allocator and the port
 * built for release (TH_DEBUG=0: no hardening, no fill patterns), as a
 * firmware ships them (test_freertos4_release.mk).
 */
#include "test_freertos4.c"
