/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for the FreeRTOS kernel's portable.h: the heap interface of
 * FreeRTOS V11.1 (HeapRegion_t, HeapStats_t and the heap functions).
 * Included by FreeRTOS.h.
 */
#ifndef PORTABLE_H
#define PORTABLE_H

#include <stddef.h>
#include <stdint.h>

#ifndef PRIVILEGED_FUNCTION
#define PRIVILEGED_FUNCTION
#endif

#if portBYTE_ALIGNMENT == 32
#define portBYTE_ALIGNMENT_MASK (0x001f)
#elif portBYTE_ALIGNMENT == 16
#define portBYTE_ALIGNMENT_MASK (0x000f)
#elif portBYTE_ALIGNMENT == 8
#define portBYTE_ALIGNMENT_MASK (0x0007)
#elif portBYTE_ALIGNMENT == 4
#define portBYTE_ALIGNMENT_MASK (0x0003)
#elif portBYTE_ALIGNMENT == 2
#define portBYTE_ALIGNMENT_MASK (0x0001)
#elif portBYTE_ALIGNMENT == 1
#define portBYTE_ALIGNMENT_MASK (0x0000)
#else
#error "Invalid portBYTE_ALIGNMENT definition"
#endif

typedef struct HeapRegion {
    uint8_t *pucStartAddress;
    size_t   xSizeInBytes;
} HeapRegion_t;

typedef struct xHeapStats {
    size_t xAvailableHeapSpaceInBytes;
    size_t xSizeOfLargestFreeBlockInBytes;
    size_t xSizeOfSmallestFreeBlockInBytes;
    size_t xNumberOfFreeBlocks;
    size_t xMinimumEverFreeBytesRemaining;
    size_t xNumberOfSuccessfulAllocations;
    size_t xNumberOfSuccessfulFrees;
} HeapStats_t;

void   vPortDefineHeapRegions(const HeapRegion_t *const pxHeapRegions) PRIVILEGED_FUNCTION;
void   vPortGetHeapStats(HeapStats_t *pxHeapStats);
void  *pvPortMalloc(size_t xWantedSize) PRIVILEGED_FUNCTION;
void  *pvPortCalloc(size_t xNum, size_t xSize) PRIVILEGED_FUNCTION;
void   vPortFree(void *pv) PRIVILEGED_FUNCTION;
void   vPortInitialiseBlocks(void) PRIVILEGED_FUNCTION;
size_t xPortGetFreeHeapSize(void) PRIVILEGED_FUNCTION;
size_t xPortGetMinimumEverFreeHeapSize(void) PRIVILEGED_FUNCTION;
void   xPortResetHeapMinimumEverFreeHeapSize(void) PRIVILEGED_FUNCTION;
void   vPortHeapResetState(void) PRIVILEGED_FUNCTION;

#if (configSTACK_ALLOCATION_FROM_SEPARATE_HEAP == 1)
void *pvPortMallocStack(size_t xSize) PRIVILEGED_FUNCTION;
void  vPortFreeStack(void *pv) PRIVILEGED_FUNCTION;
#else
#define pvPortMallocStack pvPortMalloc
#define vPortFreeStack    vPortFree
#endif

#endif /* PORTABLE_H */
