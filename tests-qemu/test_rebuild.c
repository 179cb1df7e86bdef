/* SPDX-License-Identifier: MIT */
/*
 * test_rebuild: a heap built again (th_init) over the region of a heap that
 * lived there before refuses every pointer the old heap handed out: general,
 * aligned, tiny and persistent. Each free, usable_size and realloc of an old
 * pointer is a fault (TH_FAULT_BAD_POINTER, or TH_FAULT_DOUBLE_FREE for one
 * that is the start of a free block now) and leaves the region byte for
 * byte as it was, fault counters aside. Block headers are sealed to their
 * address and their heap's, and a heap built again at the same address has
 * the same key, so without TH_FILL (which fills a new region) th_init clears
 * the old heap's header words when it finds that heap's state under its own
 * (th_region.c, forget_old_heap). The same holds for a bank given to
 * th_add_region again: the old region's sentinel, still where the new one's
 * goes, tells th_add_region to clear it too, whatever the new start, and
 * across every piece of a region split into several. Run in the debug
 * build and, as test_rebuild_release, in the release build, and as
 * test_rebuild_split with 4 KiB blocks, where the bank is split.
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 6144u
#define NOLD   24

static uint8_t s_snap[REGION];

/* The region is as at snap(), but the fault counters of heap h. */
static void snap(const uint8_t *base) { h_copy(s_snap, base, REGION); }
static bool unchanged(const uint8_t *base, const th_heap *h)
{
    return h_same(s_snap, base, REGION, (size_t)((const uint8_t *)&h->faults[0] - base),
                  sizeof h->faults);
}

/* Objects of every kind in heap `old`, some freed again. */
static void make_old(th_heap *old, void *p[NOLD])
{
    for (size_t i = 0; i < NOLD; i++) {
        switch (i % 4u) {
        /* The first: a minimal general block, at the very top of the free
         * block (the last header before the sentinel). */
        case 0:
            p[i] = i == 0u ? th_aligned_alloc(old, 8u, TH_MIN_BLOCK_BYTES - TH_BLOCK_OVERHEAD)
                           : th_malloc(old, 40u + 8u * i);
            break;
        case 1: p[i] = th_malloc(old, 1u + i % 15u); break;
        case 2: p[i] = th_aligned_alloc(old, 64u, 24u); break;
        default: p[i] = th_persistent_alloc(old, 12u, 8u); break;
        }
        CHECK(p[i] != NULL);
    }
    th_free(old, p[4]);
    th_free(old, p[5]);
    CHECK_EQ(h_total_faults, 0);
}

/* Every old pointer is refused by the new heap h, which stays as it was. */
static void refuse_all(th_heap *h, const uint8_t *base, void *const p[NOLD])
{
    th_stats s0 = th_get_stats(h);
    CHECK(th_check(h));
    for (size_t i = 0; i < NOLD; i++) {
        if (p[i] == NULL) {
            continue;
        }
        snap(base);
        h_reset_faults();
        th_free(h, p[i]);
        CHECK_EQ(th_usable_size(h, p[i]), 0);
        CHECK(th_realloc(h, p[i], 8) == NULL);
        /* A bad pointer, or a double free where the old pointer is the
         * start of a free block of the new heap (tinyheap.h, th_free). */
        unsigned bad = h_fault_count[TH_FAULT_BAD_POINTER] + h_fault_count[TH_FAULT_DOUBLE_FREE];
        if (!CHECK_EQ(bad, 3) || !CHECK_EQ(h_total_faults, 3) || !CHECK(unchanged(base, h))) {
            h_printf("old pointer %u (kind %u) was not refused\n", (unsigned)i, (unsigned)(i % 4u));
        }
    }
    h_reset_faults();
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.free_bytes, s0.free_bytes);
    CHECK_EQ(s1.in_use, 0);
    CHECK_EQ(s1.frees, 0);
    CHECK(th_check(h));
    /* And the new heap works. */
    void *q = th_malloc(h, 100);
    CHECK(q != NULL);
    th_free(h, q);
    CHECK_EQ(th_get_stats(h).free_bytes, s0.free_bytes);
    CHECK_EQ(h_total_faults, 0);
}

/* th_init again over the same bytes, the old heap built over its first
 * `old_size` bytes. */
static void rebuild_over(uint8_t *base, size_t old_size)
{
    th_heap *old = th_init(base, old_size);
    CHECK(old != NULL);
    void *p[NOLD];
    make_old(old, p);
    th_heap *h = th_init(base, REGION);
    CHECK_PTR_EQ(h, old);
    refuse_all(h, base, p);
}

/* The same size. */
static void rebuild_heap(uint8_t *base) { rebuild_over(base, REGION); }

/* A larger size: the old sentinel is not where the new one goes (the
 * memory past the old heap is zeroed), so only the old heap's state, still
 * under the new one, tells th_init to forget the old heap. */
static void rebuild_larger(uint8_t *base)
{
    for (size_t i = 0; i < REGION; i++) {
        base[i] = 0u;
    }
    rebuild_over(base, REGION - 1024u);
}

/* A heap built anew and given the same second bank again: the old objects
 * all live in that bank (the first region is filled by one block first). */
static void rebuild_region(uint8_t *base)
{
    const size_t r0  = 2048u;
    th_heap     *old = th_init(base, r0);
    CHECK(old != NULL);
    CHECK(th_malloc(old, th_get_stats(old).largest_free) != NULL);
    CHECK(th_add_region(old, base + r0, REGION - r0));
    void *p[NOLD];
    make_old(old, p);
    for (size_t i = 0; i < NOLD; i++) {
        uintptr_t a = (uintptr_t)p[i];
        CHECK(a >= (uintptr_t)base + r0 && a < (uintptr_t)base + REGION);
    }
    th_heap *h = th_init(base, r0);
    CHECK_PTR_EQ(h, old);
    CHECK(th_add_region(h, base + r0, REGION - r0));
    refuse_all(h, base, p);
}

/* The bank given again from 8 bytes further on, ending where it ended: no
 * piece but the last ends where an old one did (with 4 KiB blocks the bank
 * is split in two, and the old objects lie in the first piece). */
static void rebuild_region_shifted(uint8_t *base)
{
    const size_t r0  = 1024u;
    th_heap     *old = th_init(base, r0);
    if (!CHECK(old != NULL)) {
        return;
    }
    void *fill = th_malloc(old, th_get_stats(old).largest_free);
    CHECK(fill != NULL || th_get_stats(old).largest_free == 0u);
    CHECK(th_add_region(old, base + r0, REGION - r0));
    void *p[NOLD];
    make_old(old, p);
    th_heap *h = th_init(base, r0);
    CHECK_PTR_EQ(h, old);
    CHECK(th_add_region(h, base + r0 + 8u, REGION - r0 - 8u));
#if TH_MAX_BLOCK_LOG2 == 12
    CHECK(th_get_stats(h).regions >= 3u); /* the bank in two pieces at least */
#endif
    refuse_all(h, base, p);
}

int main(void)
{
    size_t   n;
    uint8_t *base = h_arena(&n);
    if (!CHECK(n >= REGION)) {
        return h_failures;
    }
    h_record_faults();
    rebuild_heap(base);
    h_reset_faults();
    rebuild_larger(base);
    h_reset_faults();
    rebuild_region(base);
    h_reset_faults();
    rebuild_region_shifted(base);
    return h_failures;
}
