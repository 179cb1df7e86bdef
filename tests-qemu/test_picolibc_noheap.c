/* SPDX-License-Identifier: MIT */
/*
 * test_picolibc_noheap: test_newlib_noheap's checks with the picolibc port
 * (test_picolibc_noheap.mk): a linker heap region too small for a heap
 * makes every allocation fail with ENOMEM, never a fault.
 */
#include "test_newlib_noheap.c"
