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

/* 16-aligned wherever the linker puts it; test_freertos_align16 gives it a
 * size of 8 mod 16, so that it also ends 8 bytes past a 16-byte boundary
 * and blocks carved from either end are not 16-aligned by chance. */
uint8_t ucHeap[configTOTAL_HEAP_SIZE] __attribute__((aligned(16)));

static uint8_t extra_bank_mem[1024];
/* The bank starts, and so ends, 8 bytes past a 16-byte boundary: a block
 * carved at either end is not portBYTE_ALIGNMENT-aligned (16) by chance. */
#define extra_bank      (extra_bank_mem + ((8u - (uintptr_t)extra_bank_mem) & 15u))
#define EXTRA_BANK_SIZE (sizeof extra_bank_mem - 16u)

static int in_ucheap(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return a >= (uintptr_t)ucHeap && a < (uintptr_t)ucHeap + sizeof ucHeap;
}

static void check_before_first_allocation(void)
{
    unsigned f0 = h_total_faults;
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
    /* Freeing a block before any allocation: configASSERT, nothing else. */
    static uint64_t never[2];
    unsigned        a0 = fr_assert_calls;
    vPortFree(&never[0]);
    CHECK_EQ(fr_assert_calls, a0 + 1u);
    fr_assert_calls = a0; /* expected: the later "no assert" checks hold */
    CHECK(th_freertos_heap() == NULL);
    CHECK_EQ(h_total_faults, f0); /* none of it reached tinyheap */
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
    const HeapRegion_t regions[] = {{extra_bank, EXTRA_BANK_SIZE}, {NULL, 0}};
    vPortDefineHeapRegions(regions);
    CHECK_EQ(th_get_stats(th_freertos_heap()).regions, 2);
    CHECK(xPortGetFreeHeapSize() > free0 + 700u);
    CHECK_EQ(fr_assert_calls, 0);

    /* Fill the heap: blocks land in the bank too, each aligned. */
    static void *blk[80];
    size_t       n = 0, in_bank = 0;
    while (n < 80u && (blk[n] = pvPortMalloc(100)) != NULL) {
        CHECK_EQ((uintptr_t)blk[n] & portBYTE_ALIGNMENT_MASK, 0);
        uintptr_t a = (uintptr_t)blk[n];
        in_bank += (size_t)(a >= (uintptr_t)extra_bank && a < (uintptr_t)extra_bank + EXTRA_BANK_SIZE);
        n++;
    }
    CHECK(n < 80u && in_bank > 0u);
    while (n > 0u) {
        vPortFree(blk[--n]);
    }

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

    /* vPortDefineHeapRegions before the first allocation: the heap is built
     * from ucHeap first, then the bank is added. */
    vPortHeapResetState();
    vPortDefineHeapRegions(regions);
    CHECK(th_freertos_heap() != NULL && in_ucheap(th_freertos_heap()));
    if (th_freertos_heap() != NULL) {
        CHECK_EQ(th_get_stats(th_freertos_heap()).regions, 2);
    }
    /* Built by that call: the low-water mark starts at the free bytes of
     * ucHeap and the bank together, as in heap_5 mode. */
    CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), xPortGetFreeHeapSize());
    vPortGetHeapStats(&s);
    CHECK_EQ(s.xMinimumEverFreeBytesRemaining, xPortGetFreeHeapSize());
    CHECK_EQ(fr_assert_calls, 0);
}

/* A fresh heap whose first tiny object is the application's own 4 bytes,
 * taken with th_malloc on the port's heap: it fills unit 0 of the current
 * block alone. A small request of the port must still be 8-aligned, which
 * under the Go tiny rule (test_freertos4_go) needs the port's rounding: a
 * 12-byte object would otherwise start at unit 1. */
static void check_after_direct_object(void)
{
    vPortHeapResetState();
    void *big = pvPortMalloc(100); /* builds the heap; no tiny block yet */
    CHECK(big != NULL);
    void *d = th_malloc(th_freertos_heap(), 4);
    CHECK(d != NULL && ((uintptr_t)d & 15u) == 0u); /* unit 0 of a new block */
    for (size_t n = 9; n < 16u; n++) {
        void *m = pvPortMalloc(n);
        CHECK(m != NULL);
        CHECK_EQ((uintptr_t)m & portBYTE_ALIGNMENT_MASK, 0);
        vPortFree(m);
    }
    th_free(th_freertos_heap(), d);
    vPortFree(big);
    CHECK(th_check(th_freertos_heap()));
}

int main(void)
{
    h_record_faults();
    check_before_first_allocation();
    check_first_allocation();
    fr_common_checks();
    check_extra_region_and_reset();
    check_after_direct_object();
    CHECK_EQ(fr_assert_calls, 0);
    CHECK_EQ(stub_suspend_depth, 0);
    CHECK(th_check(th_freertos_heap()));
    return h_failures;
}
