/* SPDX-License-Identifier: MIT */
/*
 * test_freertos4_noclear: test_freertos4 with configHEAP_CLEAR_MEMORY_ON_FREE
 * 0 and traceFREE still defined (test_freertos4_noclear.mk). vPortFree then
 * asks tinyheap for the block's size only for the trace, and must do it once:
 * a double free is one fault, not two, and is not traced as a free
 * (fr_common.c, check_misuse).
 */
#include "test_freertos4.c"
