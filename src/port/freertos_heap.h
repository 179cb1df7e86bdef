/* SPDX-License-Identifier: MIT */
/*
 * freertos_heap.h: what src/port/freertos_heap.c adds to the FreeRTOS heap
 * API (which portable.h declares): the tinyheap behind pvPortMalloc, for
 * th_walk (a heap map), th_check and th_get_stats's fuller statistics.
 * Include it after FreeRTOS.h; optional.
 */
#ifndef TH_FREERTOS_HEAP_H
#define TH_FREERTOS_HEAP_H

#include "tinyheap.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The heap pvPortMalloc uses, or NULL before it exists (heap_4 mode: until
 * the first pvPortMalloc or vPortDefineHeapRegions; heap_5 mode: until
 * vPortDefineHeapRegions) and
 * after vPortHeapResetState. Its lock is scheduler suspension, so th_*
 * calls on it are safe from tasks, not from interrupts.
 * Time: constant. Thread safety: one pointer read.
 */
th_heap *th_freertos_heap(void);

#ifdef __cplusplus
}
#endif

#endif /* TH_FREERTOS_HEAP_H */
