/* SPDX-License-Identifier: MIT */
/*
 * test_freertos4_go: test_freertos4 with the allocator and the port built
 * with TH_TINY_ALIGN_GO=1 (test_freertos4_go.mk), where tinyheap aligns a
 * tiny object only to the largest power of two dividing its size: the port
 * must still give every block portBYTE_ALIGNMENT (test_freertos4.c,
 * check_after_direct_object, fails without the port's Go-rule rounding;
 * fr_common.c, check_small_objects_are_tiny).
 */
#include "test_freertos4.c"
