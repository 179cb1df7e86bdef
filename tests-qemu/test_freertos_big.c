/* SPDX-License-Identifier: MIT */
/*
 * test_freertos_big (host): the FreeRTOS port in heap_5 mode with regions
 * over 4 MiB (2^TH_MAX_BLOCK_LOG2), which the core splits into a region per
 * 4 MiB. All of a region must be the heap's, or the port asserts: a list
 * that fits in the TH_MAX_REGIONS slots raises no assert and loses nothing
 * but scraps; one whose last region runs out of slots asserts, and the heap
 * built so far is kept and works.
 */
#define _DEFAULT_SOURCE 1 /* mmap's MAP_ANONYMOUS under -std=c11 */
#include <stdint.h>
#include <sys/mman.h>

#include "FreeRTOS.h"
#include "task.h"

#include "fr_common.h"
#include "freertos_heap.h"
#include "freertos_stubs.h"
#include "harness.h"

#define MIB ((size_t)1 << 20)

static uint8_t *map_bytes(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : (uint8_t *)p;
}

/* Defines `regions`, then checks the asserts, the slots taken and what the
 * heap's capacity left out of the list's bytes. */
static void define(const HeapRegion_t *regions, unsigned asserts, size_t nregions, size_t total,
                   size_t max_left_out)
{
    vPortHeapResetState();
    unsigned a0 = fr_assert_calls;
    vPortDefineHeapRegions(regions);
    CHECK_EQ(fr_assert_calls - a0, asserts);
    if (!CHECK(th_freertos_heap() != NULL)) {
        return;
    }
    th_stats s = th_get_stats(th_freertos_heap());
    CHECK_EQ(s.regions, nregions);
    CHECK(s.capacity <= total && total - s.capacity <= max_left_out);
    /* The heap works: a block as large as a piece holds, then goes back. */
    void *p = pvPortMalloc(s.largest_free);
    CHECK(p != NULL);
    vPortFree(p);
    CHECK(th_check(th_freertos_heap()));
}

int main(void)
{
    h_record_faults();
    /* One mapping, so that the small region is below the big one (heap_5
     * takes them in ascending order). */
    size_t   total = 64u * 1024u + 4096u + 20u * MIB;
    uint8_t *map   = map_bytes(total);
    if (!CHECK(map != NULL)) {
        return h_failures;
    }
    uint8_t *small = map, *big = map + 64u * 1024u + 4096u;

    /* 8 MiB: two regions, no assert, nothing lost but a scrap. */
    const HeapRegion_t eight[] = {{big, 8u * MIB}, {NULL, 0}};
    define(eight, 0u, 2u, 8u * MIB, 511u);

    /* 64 KiB and 12 MiB: 1 + 3 of the 4 slots, no assert. */
    const HeapRegion_t fits[] = {{small, 64u * 1024u}, {big, 12u * MIB}, {NULL, 0}};
    define(fits, 0u, 4u, 64u * 1024u + 12u * MIB, 2u * 511u);

    /* 64 KiB and 20 MiB: the slots run out inside the big region: one
     * assert, and the heap keeps its 4 regions. */
    const HeapRegion_t over[] = {{small, 64u * 1024u}, {big, 20u * MIB}, {NULL, 0}};
    define(over, 1u, 4u, 64u * 1024u + 20u * MIB, 20u * MIB);

    /* 20 MiB as the first region: the heap keeps 16 MiB of it, with an assert. */
    const HeapRegion_t first_over[] = {{big, 20u * MIB}, {NULL, 0}};
    define(first_over, 1u, 4u, 20u * MIB, 4u * MIB + 511u);

    CHECK_EQ(h_total_faults, 0);
    CHECK_EQ(stub_suspend_depth, 0);
    munmap(map, total);
    return h_failures;
}
