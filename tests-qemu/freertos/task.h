/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for the FreeRTOS kernel's task.h: the scheduler-suspension calls
 * a heap uses as its lock, and the malloc-failed hook's declaration (which
 * kernels place in portable.h or leave to the heap; the port declares it
 * itself). freertos_stubs.c implements them.
 */
#ifndef INC_TASK_H
#define INC_TASK_H

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h must appear in source files before include task.h"
#endif

#define tskKERNEL_VERSION_NUMBER "V11.3.0"
#define tskKERNEL_VERSION_MAJOR  11
#define tskKERNEL_VERSION_MINOR  3
#define tskKERNEL_VERSION_BUILD  0

void       vTaskSuspendAll(void) PRIVILEGED_FUNCTION;
BaseType_t xTaskResumeAll(void) PRIVILEGED_FUNCTION;

#if (configUSE_MALLOC_FAILED_HOOK == 1)
void vApplicationMallocFailedHook(void);
#endif

#endif /* INC_TASK_H */
