/* SPDX-License-Identifier: MIT */
/*
 * test_freertos4_small and test_freertos4_huge: the FreeRTOS port in heap_4
 * mode with a configTOTAL_HEAP_SIZE the heap cannot take whole (the .mk
 * files set it).
 *
 * small (64 bytes, every target): below TH_MIN_REGION, so no heap can be
 * built. Each allocation asserts (configASSERT), returns NULL and calls the
 * malloc-failed hook; nothing reaches tinyheap's fault handler, and the
 * port reports an empty heap.
 *
 * huge (20 MiB, host): over TH_MAX_REGIONS pieces of 2^TH_MAX_BLOCK_LOG2
 * bytes (4 x 4 MiB by default), so th_init keeps 16 MiB and the port asserts
 * once that ucHeap was not taken whole; the heap built works.
 */
#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "fr_common.h"
#include "freertos_heap.h"
#include "freertos_stubs.h"
#include "harness.h"

uint8_t ucHeap[configTOTAL_HEAP_SIZE];

int main(void)
{
    h_record_faults();
    unsigned a0 = fr_assert_calls, hook0 = fr_hook_calls;
#ifdef TEST_TOO_SMALL /* test_freertos4_small.mk */
    _Static_assert(configTOTAL_HEAP_SIZE < TH_MIN_REGION, "below the minimum");
    for (unsigned i = 1; i <= 2u; i++) { /* set-up is tried again each time */
        CHECK(pvPortMalloc(16) == NULL);
        CHECK_EQ(fr_assert_calls, a0 + i);
        CHECK_EQ(fr_hook_calls, hook0 + i);
        CHECK(th_freertos_heap() == NULL);
    }
    CHECK_EQ(xPortGetFreeHeapSize(), 0);
    CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), 0);
#else
    void *p = pvPortMalloc(16);
    CHECK(p != NULL);
    CHECK_EQ(fr_assert_calls, a0 + 1u); /* ucHeap not taken whole */
    CHECK_EQ(fr_hook_calls, hook0);
    if (!CHECK(th_freertos_heap() != NULL)) {
        return h_failures;
    }
    th_stats s = th_get_stats(th_freertos_heap());
    h_printf("capacity %lu of %lu\n", (unsigned long)s.capacity, (unsigned long)sizeof ucHeap);
    CHECK_EQ(s.regions, TH_MAX_REGIONS);
    /* Each piece holds a largest block and its own bookkeeping; the last
     * 4 MiB or so are left out. */
    CHECK(s.capacity > (size_t)TH_MAX_REGIONS << TH_MAX_BLOCK_LOG2);
    CHECK(s.capacity < sizeof ucHeap - ((size_t)1 << TH_MAX_BLOCK_LOG2) + 8192u);
    void *q = pvPortMalloc(s.largest_free); /* a whole piece */
    CHECK(q != NULL);
    vPortFree(q);
    vPortFree(p);
    CHECK_EQ(fr_assert_calls, a0 + 1u); /* nothing else asserted */
    CHECK(th_check(th_freertos_heap()));
#endif
    CHECK_EQ(h_total_faults, 0);
    CHECK_EQ(stub_suspend_depth, 0);
    return h_failures;
}
