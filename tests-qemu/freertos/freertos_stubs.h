/* SPDX-License-Identifier: MIT */
/*
 * What the stand-in kernel (freertos_stubs.c) lets a test observe: how often
 * and how deeply the heap suspended the scheduler.
 */
#ifndef FREERTOS_STUBS_H
#define FREERTOS_STUBS_H

extern volatile unsigned stub_suspend_calls; /* vTaskSuspendAll calls */
extern volatile unsigned stub_resume_calls;  /* xTaskResumeAll calls */
extern volatile unsigned stub_suspend_depth; /* current nesting; 0 = running */
extern volatile unsigned stub_suspend_max;   /* deepest nesting seen */

#endif /* FREERTOS_STUBS_H */
