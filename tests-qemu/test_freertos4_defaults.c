/* SPDX-License-Identifier: MIT */
/*
 * test_freertos4_defaults: the FreeRTOS port in heap_4 mode built as most
 * firmware builds it, with the kernel's defaults for what the other FreeRTOS
 * tests set (TEST_KERNEL_DEFAULTS): no malloc-failed hook,
 * configHEAP_CLEAR_MEMORY_ON_FREE 0, empty traceMALLOC and traceFREE.
 * vPortFree then hands the pointer straight to th_free, without asking for
 * its size: a double free, an interior and a foreign pointer must each be
 * one fault of the right kind with the heap unchanged, and running out must
 * return NULL with nothing to call. configASSERT stays the test's, so that
 * an assertion the port makes is seen.
 */
#include <stdint.h>

#include "FreeRTOS.h"

#include "freertos_heap.h"
#include "harness.h"

uint8_t ucHeap[configTOTAL_HEAP_SIZE] __attribute__((aligned(16)));

static unsigned asserts;
void            test_assert_failed(const char *file, int line)
{
    h_printf("configASSERT at %s:%d\n", file, line);
    asserts++;
}

/* One bad vPortFree: `kind` counted once, nothing else changed. */
static void bad_free(void *p, th_fault kind)
{
    th_heap *h  = th_freertos_heap();
    th_stats s0 = th_get_stats(h);
    h_reset_faults();
    vPortFree(p);
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(h_fault_count[kind], 1);
    CHECK_EQ(h_total_faults, 1);
    CHECK_PTR_EQ(h_last_fault_ptr, p);
    CHECK_EQ(s1.free_bytes, s0.free_bytes);
    CHECK_EQ(s1.in_use, s0.in_use);
    CHECK_EQ(s1.frees, s0.frees);
    CHECK_EQ(s1.free_blocks, s0.free_blocks);
    CHECK(th_check(h));
    h_reset_faults();
}

int main(void)
{
    h_record_faults();
    uint8_t *a = pvPortMalloc(24);
    uint8_t *b = pvPortMalloc(200);
    if (!CHECK(a != NULL && b != NULL)) {
        return h_failures;
    }
    size_t free_ab = xPortGetFreeHeapSize();
    vPortFree(a);
    size_t free_b = xPortGetFreeHeapSize(); /* what is free with b alone live */
    CHECK(free_b >= free_ab + 24u);
    bad_free(a, TH_FAULT_DOUBLE_FREE);
    bad_free(b + 8, TH_FAULT_BAD_POINTER);
    static uint64_t foreign[4];
    bad_free(&foreign[1], TH_FAULT_BAD_POINTER);
    /* Running out: NULL, counted as failed, no hook to call. */
    void    *head  = NULL;
    uint32_t fail0 = th_get_stats(th_freertos_heap()).failed;
    for (size_t want = 256u;; want = 8u) {
        void **p;
        while ((p = pvPortMalloc(want)) != NULL) {
            *p   = head;
            head = p;
        }
        if (want == 8u) {
            break;
        }
    }
    CHECK_EQ(th_get_stats(th_freertos_heap()).failed, fail0 + 2u);
    CHECK_EQ(xPortGetFreeHeapSize(), 0);
    CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), 0);
    while (head != NULL) {
        void *next = *(void **)head;
        vPortFree(head);
        head = next;
    }
    CHECK_EQ(xPortGetFreeHeapSize(), free_b);
    vPortFree(b);
    CHECK_EQ(th_get_stats(th_freertos_heap()).in_use, 0);
    CHECK_EQ(asserts, 0);
    CHECK_EQ(h_total_faults, 0);
    CHECK(th_check(th_freertos_heap()));
    return h_failures;
}
