/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for the FreeRTOS kernel's FreeRTOS.h, just enough to build
 * src/port/freertos_heap.c under QEMU without the kernel (which is not
 * packaged). Written from the kernel's documented heap interface (V11): the
 * same macro names and defaults as the real header, so that a file that
 * builds here builds against the real kernel. The include order is
 * simplified: FreeRTOSConfig.h, the port's macros, the defaults, then
 * portable.h (the real header includes portable.h before its defaults).
 */
#ifndef INC_FREERTOS_H
#define INC_FREERTOS_H

#include <stddef.h>
#include <stdint.h>

#include "FreeRTOSConfig.h"

/* From portmacro.h of the GCC/ARM_CM3 port. */
typedef long          BaseType_t;
typedef unsigned long UBaseType_t;
typedef uint32_t      TickType_t;
typedef uint32_t      StackType_t;
#ifndef portBYTE_ALIGNMENT /* a test may build the port for another */
#define portBYTE_ALIGNMENT 8
#endif
#define portMAX_DELAY      ((TickType_t)0xffffffffUL)

/* Defaults the real FreeRTOS.h supplies. */
#ifndef configASSERT
#define configASSERT(x)
#endif
#ifndef configUSE_MALLOC_FAILED_HOOK
#define configUSE_MALLOC_FAILED_HOOK 0
#endif
#ifndef configAPPLICATION_ALLOCATED_HEAP
#define configAPPLICATION_ALLOCATED_HEAP 0
#endif
#ifndef configSUPPORT_DYNAMIC_ALLOCATION
#define configSUPPORT_DYNAMIC_ALLOCATION 1
#endif
#ifndef configSTACK_ALLOCATION_FROM_SEPARATE_HEAP
#define configSTACK_ALLOCATION_FROM_SEPARATE_HEAP 0
#endif
#ifndef portPOINTER_SIZE_TYPE
#define portPOINTER_SIZE_TYPE uint32_t
#endif
#ifndef traceMALLOC
#define traceMALLOC(pvAddress, uiSize)
#endif
#ifndef traceFREE
#define traceFREE(pvAddress, uiSize)
#endif
#ifndef mtCOVERAGE_TEST_MARKER
#define mtCOVERAGE_TEST_MARKER()
#endif
#define pdFALSE ((BaseType_t)0)
#define pdTRUE  ((BaseType_t)1)

#include "portable.h"

#endif /* INC_FREERTOS_H */
