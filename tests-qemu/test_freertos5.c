/* SPDX-License-Identifier: MIT */
/*
 * test_freertos5: src/port/freertos_heap.c in heap_5 mode (no
 * configTOTAL_HEAP_SIZE: TEST_HEAP5), against the stand-in kernel headers
 * of tests-qemu/freertos/. Two regions carved from the linker-defined
 * arena with a gap between them: allocation before vPortDefineHeapRegions
 * asserts, descending regions and a second call assert, blocks land in
 * both regions and nowhere else, a first region too small for the heap
 * state is still used, vPortHeapResetState; then the shared checks; and a
 * list longer than the heap's region slots.
 */
#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "fr_common.h"
#include "freertos_heap.h"
#include "freertos_stubs.h"
#include "harness.h"

static uint8_t *arena;
static size_t   part; /* bytes per region; regions are a part apart */

static int in_range(const void *p, const uint8_t *base, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return a >= (uintptr_t)base && a < (uintptr_t)base + n;
}

static void check_before_definition(void)
{
    unsigned a0 = fr_assert_calls, hook0 = fr_hook_calls, f0 = h_total_faults;
    CHECK(pvPortMalloc(16) == NULL);
    CHECK(fr_assert_calls > a0); /* heap_5: vPortDefineHeapRegions first */
    CHECK_EQ(fr_hook_calls, hook0 + 1u);
    CHECK_EQ(xPortGetFreeHeapSize(), 0);
    a0 = fr_assert_calls;
    vPortFree(arena + 64); /* no heap to free into: an assert */
    CHECK_EQ(fr_assert_calls, a0 + 1u);
    CHECK_EQ(h_total_faults, f0); /* none of it reached tinyheap */

    /* Descending regions: asserted (the order, and no heap built). */
    a0 = fr_assert_calls;
    const HeapRegion_t down[] = {{arena + 2u * part, part}, {arena, part}, {NULL, 0}};
    vPortDefineHeapRegions(down);
    CHECK_EQ(fr_assert_calls, a0 + 2u);
    CHECK(th_freertos_heap() == NULL);
    vPortHeapResetState();

    /* Ascending but overlapping: the same. */
    a0 = fr_assert_calls;
    const HeapRegion_t overlap[] = {{arena, part}, {arena + part / 2u, part}, {NULL, 0}};
    vPortDefineHeapRegions(overlap);
    CHECK_EQ(fr_assert_calls, a0 + 2u);
    CHECK(th_freertos_heap() == NULL);
    vPortHeapResetState();

    /* No region large enough for the heap state: one assert. */
    a0 = fr_assert_calls;
    const HeapRegion_t tiny[] = {{arena, 32}, {NULL, 0}};
    vPortDefineHeapRegions(tiny);
    CHECK_EQ(fr_assert_calls, a0 + 1u);
    CHECK(th_freertos_heap() == NULL);
    vPortHeapResetState();
    CHECK_EQ(h_total_faults, f0);
}

static void check_two_regions(void)
{
    uint8_t *r1 = arena, *r2 = arena + 2u * part;
    const HeapRegion_t regions[] = {{r1, part}, {r2, part}, {NULL, 0}};
    unsigned a0 = fr_assert_calls;
    vPortDefineHeapRegions(regions);
    CHECK_EQ(fr_assert_calls, a0);
    CHECK(th_freertos_heap() != NULL);
    CHECK_EQ(th_get_stats(th_freertos_heap()).regions, 2);
    CHECK(xPortGetFreeHeapSize() > part);
    /* The minimum ever starts at the free bytes of every region, as in
     * heap_5, not at those of the region the heap state went into. */
    CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), xPortGetFreeHeapSize());

    /* A second call is refused (heap_5 allows one), before tinyheap sees it. */
    unsigned f0 = h_total_faults;
    vPortDefineHeapRegions(regions);
    CHECK_EQ(fr_assert_calls, a0 + 1u);
    CHECK_EQ(th_get_stats(th_freertos_heap()).regions, 2);
    CHECK_EQ(h_total_faults, f0);

    /* Fill the heap: blocks in both regions, none in the gap. */
    static void *blk[128];
    size_t n = 0, in1 = 0, in2 = 0;
    unsigned hook0 = fr_hook_calls;
    while (n < 128u && (blk[n] = pvPortMalloc(200)) != NULL) {
        in1 += (size_t)in_range(blk[n], r1, part);
        in2 += (size_t)in_range(blk[n], r2, part);
        n++;
    }
    CHECK(n < 128u);
    CHECK_EQ(fr_hook_calls, hook0 + 1u);
    CHECK(in1 > 0u && in2 > 0u);
    CHECK_EQ(in1 + in2, n);
    while (n > 0u) {
        vPortFree(blk[--n]);
    }
    CHECK(th_check(th_freertos_heap()));
}

static void check_reset_and_small_first_region(void)
{
    vPortHeapResetState();
    CHECK(th_freertos_heap() == NULL);
    CHECK_EQ(xPortGetFreeHeapSize(), 0);
    unsigned a0 = fr_assert_calls;
    CHECK(pvPortMalloc(8) == NULL);
    CHECK(fr_assert_calls > a0);

    /* A 256-byte first region cannot hold the heap state: the heap is
     * built in the second and the first is added to it. */
    const HeapRegion_t regions[] = {
        {arena, 256}, {arena + part, part}, {arena + 2u * part, part}, {NULL, 0}};
    a0 = fr_assert_calls;
    vPortDefineHeapRegions(regions);
    CHECK_EQ(fr_assert_calls, a0);
    CHECK(in_range(th_freertos_heap(), arena + part, part));
    CHECK_EQ(th_get_stats(th_freertos_heap()).regions, 3);
    HeapStats_t s;
    vPortGetHeapStats(&s);
    CHECK_EQ(s.xNumberOfSuccessfulAllocations, 0);
    CHECK(s.xNumberOfFreeBlocks >= 3u);
    CHECK(th_check(th_freertos_heap()));
}

/* A region too small for a block takes no slot; past the heap's
 * TH_MAX_REGIONS slots the list's remaining regions are left out with an
 * assert, and the heap built from the others is kept. */
static void check_more_regions_than_slots(void)
{
    vPortHeapResetState();
    unsigned f0 = h_total_faults;
    size_t   q  = (3u * part / 6u) & ~(size_t)7u;
    const HeapRegion_t regions[] = {{arena, q - 64u},
                                    {arena + q - 48u, 32u}, /* too small: ignored */
                                    {arena + q, q - 64u},
                                    {arena + 2u * q, q - 64u},
                                    {arena + 3u * q, q - 64u},
                                    {arena + 4u * q, q - 64u},
                                    {arena + 5u * q, q - 64u},
                                    {NULL, 0}};
    unsigned a0 = fr_assert_calls;
    vPortDefineHeapRegions(regions);
    size_t used = TH_MAX_REGIONS < 6 ? TH_MAX_REGIONS : 6;
    CHECK_EQ(fr_assert_calls, a0 + (used < 6u ? 1u : 0u));
    CHECK(th_freertos_heap() != NULL);
    CHECK_EQ(th_get_stats(th_freertos_heap()).regions, used);
    /* Blocks land in the regions added, and never in the ones left out. */
    static void *blk[64];
    size_t n = 0, out = 0;
    unsigned in_region = 0; /* bit k: a block in the k-th large region */
    while (n < 64u && (blk[n] = pvPortMalloc(200)) != NULL) {
        out += (size_t)in_range(blk[n], arena + used * q, (6u - used) * q);
        out += (size_t)in_range(blk[n], arena + q - 48u, 32u);
        for (size_t k = 0; k < used; k++) {
            in_region |= in_range(blk[n], arena + k * q, q - 64u) ? 1u << k : 0u;
        }
        n++;
    }
    CHECK(n > used);
    CHECK_EQ(out, 0);
    CHECK_EQ(in_region, (1u << used) - 1u); /* the small region took no slot */
    while (n > 0u) {
        vPortFree(blk[--n]);
    }
    CHECK(th_check(th_freertos_heap()));
    CHECK_EQ(h_total_faults, f0);
}

/* The smallest region the port adds (64 bytes: a block and its sentinel
 * fit) takes a slot and adds room; one byte less is ignored, without an
 * assert. */
static void check_smallest_extra_region(void)
{
    for (size_t size = 63u; size <= 64u; size++) {
        vPortHeapResetState();
        const HeapRegion_t regions[] = {{arena, part}, {arena + part + 64u, size}, {NULL, 0}};
        unsigned           a0        = fr_assert_calls;
        vPortDefineHeapRegions(regions);
        CHECK_EQ(fr_assert_calls, a0);
        if (!CHECK(th_freertos_heap() != NULL)) {
            continue;
        }
        th_stats s = th_get_stats(th_freertos_heap());
        CHECK_EQ(s.regions, size == 64u ? 2u : 1u);
        CHECK(size == 64u ? s.capacity > part && s.capacity <= part + size : s.capacity <= part);
        CHECK(th_check(th_freertos_heap()));
    }
    vPortHeapResetState();
}

int main(void)
{
    size_t n = 0;
    arena = h_arena(&n);
    /* Small regions, so that the checks that fill the heap stay quick. */
    part = (n / 3u < 4096u ? n / 3u : 4096u) & ~(size_t)7u;
    if (!CHECK(part >= 3000u)) {
        return h_failures;
    }
    h_record_faults();
    check_before_definition();
    check_two_regions();
    fr_common_checks();
    check_reset_and_small_first_region();
    fr_common_checks();
    check_more_regions_than_slots();
    check_smallest_extra_region();
    CHECK_EQ(stub_suspend_depth, 0);
    return h_failures;
}
