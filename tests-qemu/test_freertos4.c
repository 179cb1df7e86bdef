/* SPDX-License-Identifier: MIT */
/*
 * test_freertos4: src/port/freertos_heap.c in heap_4 mode (the test
 * FreeRTOSConfig.h defines configTOTAL_HEAP_SIZE and, with
 * configAPPLICATION_ALLOCATED_HEAP 1, this file defines ucHeap), built
 * against the stand-in kernel headers of tests-qemu/freertos/. Checks the
 * lazy set-up (nothing counted before the first allocation), that blocks
 * come from ucHeap, extra regions, vPortHeapResetState, then the checks
 * both modes share (fr_common.c).
 */
#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "fr_common.h"
#include "freertos_heap.h"
#include "freertos_stubs.h"
#include "harness.h"

uint8_t ucHeap[configTOTAL_HEAP_SIZE];

static uint8_t extra_bank[1024];

static int in_ucheap(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return a >= (uintptr_t)ucHeap && a < (uintptr_t)ucHeap + sizeof ucHeap;
}

static void check_before_first_allocation(void)
{
    CHECK(th_freertos_heap() == NULL);
    vPortInitialiseBlocks(); /* does nothing, as in heap_4 */
    CHECK(th_freertos_heap() == NULL);
    CHECK_EQ(xPortGetFreeHeapSize(), 0);
    CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), 0);
    HeapStats_t s;
    vPortGetHeapStats(&s);
    CHECK_EQ(s.xAvailableHeapSpaceInBytes, 0);
    CHECK_EQ(s.xSizeOfLargestFreeBlockInBytes, 0);
    CHECK(s.xSizeOfSmallestFreeBlockInBytes == SIZE_MAX);
    CHECK_EQ(s.xNumberOfFreeBlocks, 0);
    CHECK_EQ(s.xMinimumEverFreeBytesRemaining, 0);
    CHECK_EQ(s.xNumberOfSuccessfulAllocations, 0);
    CHECK_EQ(s.xNumberOfSuccessfulFrees, 0);
    vPortFree(NULL); /* harmless before set-up too */
}

static void check_first_allocation(void)
{
    /* Usable before the scheduler starts: the heap is set up lazily. */
    void *p = pvPortMalloc(100);
    CHECK(p != NULL && in_ucheap(p));
    CHECK(th_freertos_heap() != NULL && in_ucheap(th_freertos_heap()));
    size_t free_now = xPortGetFreeHeapSize();
    CHECK(free_now > configTOTAL_HEAP_SIZE / 2u && free_now < configTOTAL_HEAP_SIZE);
    HeapStats_t s;
    vPortGetHeapStats(&s);
    CHECK_EQ(s.xNumberOfSuccessfulAllocations, 1);
    CHECK_EQ(s.xNumberOfSuccessfulFrees, 0);
    vPortFree(p);
    vPortGetHeapStats(&s);
    CHECK_EQ(s.xNumberOfSuccessfulFrees, 1);
    CHECK_EQ(fr_assert_calls, 0);
}

static void check_extra_region_and_reset(void)
{
    size_t             free0 = xPortGetFreeHeapSize();
    const HeapRegion_t regions[] = {{extra_bank, sizeof extra_bank}, {NULL, 0}};
    vPortDefineHeapRegions(regions);
    CHECK_EQ(th_get_stats(th_freertos_heap()).regions, 2);
    CHECK(xPortGetFreeHeapSize() > free0 + 700u);
    CHECK_EQ(fr_assert_calls, 0);

    /* Forget the heap: counters back to "never used", rebuilt on demand. */
    vPortHeapResetState();
    CHECK(th_freertos_heap() == NULL);
    CHECK_EQ(xPortGetFreeHeapSize(), 0);
    void *p = pvPortMalloc(10);
    CHECK(p != NULL && in_ucheap(p));
    CHECK_EQ(th_get_stats(th_freertos_heap()).regions, 1);
    HeapStats_t s;
    vPortGetHeapStats(&s);
    CHECK_EQ(s.xNumberOfSuccessfulAllocations, 1);
    vPortFree(p);
}

int main(void)
{
    h_record_faults();
    check_before_first_allocation();
    check_first_allocation();
    fr_common_checks();
    check_extra_region_and_reset();
    CHECK_EQ(fr_assert_calls, 0);
    CHECK_EQ(stub_suspend_depth, 0);
    CHECK(th_check(th_freertos_heap()));
    return h_failures;
}
