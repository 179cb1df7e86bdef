/* SPDX-License-Identifier: MIT */
/*
 * test_freertos4_huge (host): heap_4 mode with a 20 MiB ucHeap
 * (test_freertos4_huge.mk); the checks are in test_freertos4_small.c.
 */
#include "test_freertos4_small.c"
