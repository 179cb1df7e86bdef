/* SPDX-License-Identifier: MIT */
/*
 * Stand-in kernel for the FreeRTOS heap tests: the two scheduler calls a
 * heap uses as its lock. Like the kernel's, suspension nests (a counter)
 * and works before the scheduler starts; resuming when not suspended is a
 * kernel assert, counted here through configASSERT.
 */
#include "FreeRTOS.h"
#include "task.h"

#include "freertos_stubs.h"

volatile unsigned stub_suspend_calls;
volatile unsigned stub_resume_calls;
volatile unsigned stub_suspend_depth;
volatile unsigned stub_suspend_max;

void vTaskSuspendAll(void)
{
    stub_suspend_calls++;
    stub_suspend_depth++;
    if (stub_suspend_depth > stub_suspend_max) {
        stub_suspend_max = stub_suspend_depth;
    }
}

BaseType_t xTaskResumeAll(void)
{
    stub_resume_calls++;
    configASSERT(stub_suspend_depth > 0u);
    if (stub_suspend_depth > 0u) {
        stub_suspend_depth--;
    }
    return pdFALSE; /* no context switch: there are no tasks */
}
