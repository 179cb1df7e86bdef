/* SPDX-License-Identifier: MIT */
/*
 * Checks shared by test_freertos4.c (heap_4 mode) and test_freertos5.c
 * (heap_5 mode): the hook, trace and assert recorders the test
 * FreeRTOSConfig.h points at, and the behaviour both modes must have once
 * the heap exists.
 */
#ifndef FR_COMMON_H
#define FR_COMMON_H

#include <stddef.h>

extern volatile unsigned fr_hook_calls;      /* vApplicationMallocFailedHook */
extern volatile unsigned fr_hook_suspended;  /* ... called while suspended (wrong) */
extern volatile unsigned fr_assert_calls;    /* configASSERT failures */
extern volatile unsigned fr_trace_mallocs, fr_trace_frees;
extern volatile unsigned fr_trace_outside;   /* trace called outside the suspension */
extern volatile unsigned fr_free_not_cleared; /* traceFREE saw a non-zero byte */
extern void *volatile    fr_last_malloc_pv;
extern volatile size_t   fr_last_malloc_size;
extern void *volatile    fr_last_free_pv;
extern volatile size_t   fr_last_free_size;

/* Runs every mode-independent check; the heap must exist and be empty of
 * test blocks. Leaves it as it found it. */
void fr_common_checks(void);

#endif /* FR_COMMON_H */
