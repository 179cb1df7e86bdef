/* SPDX-License-Identifier: MIT */
/*
 * FreeRTOSConfig.h of the FreeRTOS heap tests (test_freertos4.c,
 * test_freertos5.c): only what the heap port reads. Its assert, trace and
 * hook macros call into the test, which checks where and when they run.
 * TEST_HEAP5 (set by test_freertos5.mk) leaves configTOTAL_HEAP_SIZE
 * undefined, so the port builds in heap_5 mode, as with a heap_5 config.
 */
#ifndef FREERTOS_CONFIG_H
#define FREERTOS_CONFIG_H

#include <stddef.h>

void test_assert_failed(const char *file, int line);
void test_trace_malloc(void *pv, size_t size);
void test_trace_free(void *pv, size_t size);

#define configASSERT(x)                                                                   \
    do {                                                                                  \
        if (!(x)) {                                                                       \
            test_assert_failed(__FILE__, __LINE__);                                       \
        }                                                                                 \
    } while (0)

/* TEST_KERNEL_DEFAULTS (test_freertos4_defaults.mk) leaves the hook, the
 * clearing and the trace macros to the kernel's defaults: off and empty. */
#ifndef TEST_KERNEL_DEFAULTS
#define configUSE_MALLOC_FAILED_HOOK    1
#ifndef configHEAP_CLEAR_MEMORY_ON_FREE /* test_freertos4_noclear sets 0 */
#define configHEAP_CLEAR_MEMORY_ON_FREE 1
#endif
#define traceMALLOC(pvAddress, uiSize)  test_trace_malloc((pvAddress), (uiSize))
#define traceFREE(pvAddress, uiSize)    test_trace_free((pvAddress), (uiSize))
#endif

#ifndef TEST_HEAP5
#ifndef configTOTAL_HEAP_SIZE /* test_freertos4_small and _huge set their own */
#define configTOTAL_HEAP_SIZE            ((size_t)(6 * 1024))
#endif
#define configAPPLICATION_ALLOCATED_HEAP 1
#endif

#endif /* FREERTOS_CONFIG_H */
