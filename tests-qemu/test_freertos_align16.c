/* SPDX-License-Identifier: MIT */
/*
 * test_freertos_align16: test_freertos4 with the port built for
 * portBYTE_ALIGNMENT 16 (RISC-V and Cortex-A/R kernels use it), where every
 * request goes through th_aligned_alloc: every check of test_freertos4 and
 * fr_common.c, plus (fr_common.c, check_aligned_packing) every result
 * 16-aligned and same-size blocks packed without alignment holes.
 */
#include "test_freertos4.c"
