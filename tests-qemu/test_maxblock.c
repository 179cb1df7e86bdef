/* SPDX-License-Identifier: MIT */
/*
 * test_maxblock: a region exactly as large as the largest block, built with
 * TH_MAX_BLOCK_LOG2=12 (4 KiB) so it fits every target. A region of
 * 4096 + 512 bytes (8-aligned) is split into a piece whose one free block is
 * the largest block (2^12 - 8 bytes: a page-map word and the first header's
 * 4 bytes before it, the sentinel after it) and a second piece of exactly
 * one page, which is kept (a scrap under a page would not be). Then:
 * th_get_stats' largest_free is TH_MAX_REQUEST (the block holds 4 bytes
 * more than th_malloc accepts), a request of TH_MAX_REQUEST succeeds, and
 * the largest alignment a block can reach, 2^11, is served by
 * th_aligned_alloc and th_persistent_alloc (2^12 is out of memory).
 */
#include "harness.h"

_Static_assert(TH_MAX_BLOCK_LOG2 == 12, "built with the largest block at 4 KiB");

#define BIG   ((size_t)1 << TH_MAX_BLOCK_LOG2)
#define SPLIT (BIG + 512u)

static uint8_t *s_base; /* the region to split: 2^11-aligned */

static th_heap *heap(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    th_heap *h     = th_init(arena, TH_MIN_REGION + 64u);
    uintptr_t base = ((uintptr_t)arena + TH_MIN_REGION + 64u + BIG / 2u - 1u) & ~(uintptr_t)(BIG / 2u - 1u);
    s_base         = (uint8_t *)base;
    if (!CHECK(h != NULL && base + SPLIT <= (uintptr_t)arena + n)) {
        return NULL;
    }
    th_stats s0 = th_get_stats(h);
    /* Region 0 all used: what follows happens in the region added. */
    void *fill = th_malloc(h, s0.largest_free);
    CHECK(fill != NULL && th_get_stats(h).free_blocks == 0);
    s0 = th_get_stats(h);
    CHECK(th_add_region(h, s_base, SPLIT));
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.regions, s0.regions + 2u);         /* the last page is a region too */
    CHECK_EQ(s.capacity - s0.capacity, SPLIT);    /* nothing left out */
    CHECK_EQ(s.free_blocks, 2);
    CHECK_EQ(s.largest_free_block, BIG - 8u);     /* no block over the largest */
    CHECK_EQ(s.smallest_free, 512u - 8u);
    CHECK_EQ(s.free_bytes - s0.free_bytes, (BIG - 8u - 4u) + (512u - 8u - 4u));
    return h;
}

static void walk_sizes(void *user, char kind, const void *addr, size_t size)
{
    (void)kind;
    (void)addr;
    if (size > *(size_t *)user) {
        *(size_t *)user = size;
    }
}

int main(void)
{
    h_record_faults();
    th_heap *h = heap();
    if (h == NULL) {
        return h_failures;
    }
    size_t biggest = 0;
    th_walk(h, walk_sizes, &biggest);
    CHECK_EQ(biggest, BIG - 8u);
    CHECK(th_check(h));

    /* The largest block: 4 bytes more than the largest request. */
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.largest_free, TH_MAX_REQUEST);
    uint8_t *p = th_malloc(h, TH_MAX_REQUEST);
    CHECK(p == s_base + 8u);
    CHECK(th_malloc(h, TH_MAX_REQUEST + 1u) == NULL);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 1);
    /* Its bin, the last (31: the 32 bins fill the bitmap's one word), is
     * empty now: the search for the next one stops at the bitmap's end (out
     * of memory), never reads past it. */
    unsigned failed0 = th_get_stats(h).failed;
    CHECK(th_malloc(h, TH_MAX_REQUEST) == NULL);
    CHECK_EQ(th_get_stats(h).failed, failed0 + 1u);
    th_free(h, p);
    CHECK_EQ(th_get_stats(h).largest_free, TH_MAX_REQUEST);
    CHECK_EQ(th_largest_free(h), TH_MAX_REQUEST); /* clamped as the stats are */

    /* Half the largest block: the largest alignment any block can reach,
     * served where the region has it (s_base + 2^11); twice that never. */
    unsigned failed = th_get_stats(h).failed;
    p               = th_aligned_alloc(h, BIG / 2u, 16u);
    CHECK(p == s_base + BIG / 2u);
    th_free(h, p);
    CHECK(th_aligned_alloc(h, BIG, 16u) == NULL);
    uint8_t *c = th_persistent_alloc(h, 16u, BIG / 2u);
    CHECK(c == s_base + BIG / 2u);
    CHECK(th_persistent_alloc(h, 16u, BIG) == NULL);
    CHECK_EQ(th_get_stats(h).failed, failed + 2u);
    CHECK(th_check(h));
    CHECK_EQ(h_total_faults, 1);
    return h_failures;
}
