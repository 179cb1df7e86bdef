/* SPDX-License-Identifier: MIT */
/*
 * test_heap: the general allocator against the contract: malloc alignment
 * by size, usable size, realloc in place and moving, calloc, aligned_alloc,
 * coalescing, exhaustion (NULL + failed + hook) and full recovery, stats.
 */
#include "harness.h"
#include "th_internal.h"

static unsigned oom_calls;
static size_t   oom_size;
static void     on_oom(th_heap *h, size_t size)
{
    (void)h;
    oom_calls++;
    oom_size = size;
}

static th_heap *fresh(size_t want)
{
    size_t n;
    void  *a = h_arena(&n);
    return th_init(a, want < n ? want : n);
}

static void test_alignment_by_size(void)
{
    th_heap *h = fresh(16384);
    CHECK(h != NULL);
    for (size_t s = 1; s <= 64; s++) {
        uint8_t *p = th_malloc(h, s);
        CHECK(p != NULL);
        size_t want = s >= 8 ? 8 : s >= 4 ? 4 : s >= 2 ? 2 : 1;
        CHECK_EQ((uintptr_t)p % want, 0);
        CHECK(th_usable_size(h, p) >= s);
        for (size_t i = 0; i < s; i++) {
            p[i] = (uint8_t)i;
        }
        th_free(h, p);
    }
    CHECK(th_check(h));
    CHECK_EQ(th_malloc(h, 0) == NULL, 1);
}

static void test_coalesce_and_recovery(void)
{
    size_t n0;
    h_arena(&n0);
    CHECK(n0 >= 12288);
    th_heap *h = fresh(12288); /* microbit's region is about 14 KiB */
    th_set_oom_hook(h, on_oom);
    th_stats s0 = th_get_stats(h);
    CHECK(s0.free_bytes > 12288 - 1100); /* the heap state and page map */
    CHECK_EQ(s0.largest_free, s0.free_bytes);
    CHECK_EQ(s0.min_free_bytes, s0.free_bytes); /* the low-water mark starts at the top */
    void *p[64];
    int   n = 0;
    while (n < 64 && (p[n] = th_malloc(h, 400)) != NULL) {
        n++;
    }
    CHECK(n > 20 && n < 64);
    CHECK_EQ(oom_calls, 1);
    CHECK_EQ(oom_size, 400);
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.failed, 1);
    CHECK(s1.largest_free < 400);
    CHECK(th_check(h));
    /* Free every other block: no merging; then the rest: one block again. */
    for (int i = 0; i < n; i += 2) {
        th_free(h, p[i]);
    }
    CHECK(th_check(h));
    th_stats s2 = th_get_stats(h);
    CHECK(s2.free_blocks >= (size_t)n / 2);
    for (int i = 1; i < n; i += 2) {
        th_free(h, p[i]);
    }
    CHECK(th_check(h));
    th_stats s3 = th_get_stats(h);
    CHECK_EQ(s3.free_bytes, s0.free_bytes);
    CHECK_EQ(s3.largest_free, s0.largest_free);
    CHECK_EQ(s3.free_blocks, 1);
    CHECK_EQ(s3.in_use, 0);
    CHECK_EQ(s3.allocs, (uint32_t)n);
    CHECK_EQ(s3.frees, (uint32_t)n);
    CHECK(s3.min_free_bytes < 1000);
    CHECK(s3.peak_in_use >= (size_t)n * 400);
    /* largest_free is exact: that request succeeds, one more byte fails. */
    CHECK_EQ(th_largest_free(h), s3.largest_free);
    void *big = th_malloc(h, s3.largest_free);
    CHECK(big != NULL);
    th_free(h, big);
    CHECK(th_malloc(h, s3.largest_free + 1) == NULL);
    CHECK_EQ(oom_calls, 2);
}

static void test_realloc(void)
{
    th_heap *h = fresh(16384);
    uint8_t *a = th_malloc(h, 100);
    uint8_t *b = th_malloc(h, 100);
    CHECK(a != NULL && b != NULL);
    for (int i = 0; i < 100; i++) {
        a[i] = (uint8_t)(i + 1);
    }
    /* Shrink in place. */
    CHECK_PTR_EQ(th_realloc(h, a, 40), a);
    CHECK(th_usable_size(h, a) >= 40 && th_usable_size(h, a) < 100);
    /* Grow in place into the space the shrink freed. */
    size_t kept = th_usable_size(h, a);
    CHECK_PTR_EQ(th_realloc(h, a, 90), a);
    for (int i = 0; i < 40; i++) {
        CHECK_EQ(a[i], i + 1);
    }
#if TH_FILL
    /* The bytes taken from the neighbour are handed out fresh, as a
     * malloc's are (tests build with TH_DEBUG=1, so TH_FILL is on). */
    for (size_t i = kept; i < 90; i++) {
        CHECK_EQ(a[i], TH_FILL_FRESH_BYTE);
    }
#else
    (void)kept;
#endif
    /* Grow beyond the neighbour: moves, keeps contents, frees the old. */
    uint8_t *c = th_realloc(h, a, 1000);
    CHECK(c != NULL && c != a);
    for (int i = 0; i < 40; i++) {
        CHECK_EQ(c[i], i + 1);
    }
    CHECK(th_check(h));
    /* Failure leaves p live and untouched. */
    CHECK(th_realloc(h, c, 60000) == NULL);
    CHECK_EQ(c[0], 1);
    CHECK(th_usable_size(h, c) >= 1000);
    /* NULL: as malloc; size 0: free. */
    uint8_t *d = th_realloc(h, NULL, 24);
    CHECK(d != NULL);
    CHECK(th_realloc(h, d, 0) == NULL);
    th_free(h, b);
    th_free(h, c);
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.in_use, 0);
    CHECK_EQ(s.free_blocks, 1);
    CHECK(th_check(h));
}

static void test_calloc_aligned(void)
{
    th_heap *h = fresh(32768);
    uint8_t *p = th_malloc(h, 256);
    for (int i = 0; i < 256; i++) {
        p[i] = 0xEE;
    }
    th_free(h, p);
    uint8_t *z = th_calloc(h, 16, 16);
    CHECK(z != NULL);
    for (int i = 0; i < 256; i++) {
        CHECK_EQ(z[i], 0);
    }
    th_free(h, z);
    for (size_t al = 1; al <= 4096; al <<= 1) {
        void *q = th_aligned_alloc(h, al, 100);
        CHECK(q != NULL);
        CHECK_EQ((uintptr_t)q % al, 0);
        CHECK(th_usable_size(h, q) >= 100);
        CHECK(th_check(h));
        th_free(h, q);
    }
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.in_use, 0);
    CHECK_EQ(s.free_blocks, 1);
    CHECK(th_check(h));
    /* A power of two beyond any block (the largest block is 2^TH_MAX_BLOCK_LOG2
     * bytes) is a valid alignment that cannot be met: out of memory, not a
     * fault, for both aligned calls; nothing else changes. */
    size_t huge = (size_t)1 << TH_MAX_BLOCK_LOG2;
    th_set_oom_hook(h, on_oom);
    unsigned calls = oom_calls;
    CHECK(th_aligned_alloc(h, huge, 8) == NULL);
    CHECK(th_persistent_alloc(h, 8, huge) == NULL);
    th_stats t = th_get_stats(h);
    CHECK_EQ(t.failed, s.failed + 2u);
    CHECK_EQ(t.faults[TH_FAULT_BAD_ARGUMENT], s.faults[TH_FAULT_BAD_ARGUMENT]);
    CHECK_EQ(t.free_bytes, s.free_bytes);
    CHECK_EQ(t.persistent_bytes, 0);
    CHECK_EQ(oom_calls, calls + 2u);
    CHECK_EQ(oom_size, 8);
    th_set_oom_hook(h, NULL);
    CHECK(th_check(h));
}

/* A free block of `size` bytes (a multiple of 8, at least TH_MIN_BLOCK)
 * between two used general blocks of 100 bytes in a fresh heap, where
 * general blocks are carved from the top: *hi above it, *lo below. Returns
 * its payload, or NULL when the layout is not that. */
static uint8_t *free_hole(th_heap *h, uint32_t size, uint8_t **lo, uint8_t **hi)
{
    *hi        = th_malloc(h, 100);
    uint8_t *m = th_malloc(h, size - 4u);
    *lo        = th_malloc(h, 100);
    if (!CHECK(*hi != NULL && m != NULL && *lo != NULL) || !CHECK(*lo + 104 == m) ||
        !CHECK(m + size == *hi)) {
        return NULL;
    }
    th_free(h, m);
    return m;
}

/* A block is split exactly when the rest can hold a minimal block: a rest
 * of TH_MIN_BLOCK bytes is split off (malloc from the top, a persistent
 * block from the bottom, realloc shrinking and growing in place), and a
 * realloc to the block's own size, or to all of the free neighbour, stays
 * in place. */
static void test_exact_fits(void)
{
    uint8_t *lo;
    uint8_t *hi;
    /* malloc: a 104-byte block from a hole of 104 + TH_MIN_BLOCK. */
    th_heap *h = fresh(8192);
    uint8_t *m = free_hole(h, 104u + TH_MIN_BLOCK, &lo, &hi);
    if (m != NULL) {
        uint8_t *p = th_malloc(h, 100);
        CHECK_PTR_EQ(p, m + TH_MIN_BLOCK); /* its top; the rest stays free */
        CHECK_EQ(th_usable_size(h, p), 100u);
        CHECK_EQ(th_get_stats(h).smallest_free, TH_MIN_BLOCK);
        CHECK(th_check(h));
    }
    /* A persistent block of 80 bytes from a hole of 80 + TH_MIN_BLOCK. */
    h = fresh(8192);
    m = free_hole(h, 80u + TH_MIN_BLOCK, &lo, &hi);
    if (m != NULL) {
        CHECK_PTR_EQ(th_persistent_alloc(h, 72, 8), m); /* its bottom */
        CHECK_EQ(th_get_stats(h).smallest_free, TH_MIN_BLOCK);
        CHECK(th_check(h));
    }
    /* realloc: a hole of 64 + TH_MIN_BLOCK above lo (104 bytes). */
    h = fresh(8192);
    uint32_t hole = 64u + TH_MIN_BLOCK;
    m             = free_hole(h, hole, &lo, &hi);
    if (m != NULL) {
        /* The same block size: in place, also with a used block above. */
        CHECK_PTR_EQ(th_realloc(h, hi, 97), hi);
        CHECK_EQ(th_usable_size(h, hi), 100u);
        /* Grown into the hole, leaving a minimal block of it free. */
        CHECK_PTR_EQ(th_realloc(h, lo, 100u + hole - TH_MIN_BLOCK), lo);
        CHECK_EQ(th_usable_size(h, lo), 100u + hole - TH_MIN_BLOCK);
        CHECK_EQ(th_get_stats(h).smallest_free, TH_MIN_BLOCK);
        CHECK(th_check(h));
        /* Shrunk back by exactly a minimal block: split off (and merged). */
        CHECK_PTR_EQ(th_realloc(h, lo, 100u + hole - 2u * TH_MIN_BLOCK), lo);
        CHECK_EQ(th_usable_size(h, lo), 100u + hole - 2u * TH_MIN_BLOCK);
        CHECK(th_check(h));
        /* Grown into all of the free neighbour (2 * TH_MIN_BLOCK now). */
        CHECK_PTR_EQ(th_realloc(h, lo, 100u + hole), lo);
        CHECK_EQ(th_usable_size(h, lo), 100u + hole);
        th_stats s = th_get_stats(h);
        CHECK_EQ(s.free_blocks, 1u);
        CHECK_EQ(s.peak_in_use, s.in_use); /* grown in place: a new high */
        CHECK(th_check(h));
    }
}

/* TH_MAX_REQUEST is a valid size for malloc, aligned_alloc and realloc:
 * out of memory here (failed + 1), not a bad argument. aligned_alloc with
 * an alignment of 8 is a plain malloc (taken from the top, like malloc). */
static void test_max_request(void)
{
    th_heap *h = fresh(8192);
    uint8_t *p = th_aligned_alloc(h, 8, 100);
    uint8_t *q = th_malloc(h, 100);
    CHECK(p != NULL && q != NULL);
    CHECK_PTR_EQ(q + 104, p);
    h_reset_faults();
    uint32_t failed = th_get_stats(h).failed;
    CHECK(th_malloc(h, TH_MAX_REQUEST) == NULL);
    CHECK(th_aligned_alloc(h, 8, TH_MAX_REQUEST) == NULL);
    CHECK(th_realloc(h, p, TH_MAX_REQUEST) == NULL);
    CHECK_EQ(h_total_faults, 0);
    CHECK_EQ(th_get_stats(h).failed, failed + 3u);
    CHECK_EQ(th_usable_size(h, p), 100u);
    th_free(h, p);
    th_free(h, q);
    CHECK(th_check(h));
}

/* An aligned request whose search size (size + align + a minimal block)
 * is just past the largest block: it maps to the bin after the last one,
 * which must not be read (with a slab in the heap, what lies past the
 * bins is not zero). Out of memory. */
static void test_aligned_past_last_bin(void)
{
    th_heap *h    = fresh(8192);
    void    *t    = th_malloc(h, 4);
    size_t   half = (size_t)1 << (TH_MAX_BLOCK_LOG2 - 1);
    th_stats s    = th_get_stats(h);
    CHECK(t != NULL);
    CHECK(th_aligned_alloc(h, half, half) == NULL);
    CHECK_EQ(th_get_stats(h).failed, s.failed + 1u);
    th_free(h, t);
    CHECK(th_check(h));
}

/* A valid alignment no block can meet (above 2^(TH_MAX_BLOCK_LOG2 - 1), up
 * to the largest power of two a size_t holds), in th_aligned_alloc and
 * th_persistent_alloc: out of memory, not misuse (NULL, failed + 1, the
 * hook called with the size, no fault), and the region otherwise unchanged. */
static void test_alignment_beyond_any_block(void)
{
    size_t   an;
    uint8_t *arena = h_arena(&an);
    if (!CHECK(an >= 2u * 4096u)) {
        return;
    }
    uint8_t *snap = arena + 4096u; /* past the region: no 4 KiB static on the microbit */
    th_heap *h    = th_init(arena, 4096u);
    if (!CHECK(h != NULL)) {
        return;
    }
    th_set_oom_hook(h, on_oom);
    void    *t     = th_malloc(h, 4); /* a slab too: more to leave unchanged */
    size_t   top   = SIZE_MAX / 2u + 1u;
    size_t   align = (size_t)1 << TH_MAX_BLOCK_LOG2;
    unsigned faults = h_total_faults;
    for (; align != 0u; align = align == top ? 0u : align * 2u) {
        for (int persistent = 0; persistent < 2; persistent++) {
            th_stats s     = th_get_stats(h);
            unsigned calls = oom_calls;
            h_copy(snap, arena, 4096u);
            void *p = persistent != 0 ? th_persistent_alloc(h, 24, align)
                                      : th_aligned_alloc(h, align, 24);
            CHECK(p == NULL);
            CHECK_EQ(th_get_stats(h).failed, s.failed + 1u);
            CHECK_EQ(oom_calls, calls + 1u);
            CHECK_EQ(oom_size, 24);
            size_t skip = (size_t)((uint8_t *)&h->failed - arena);
            CHECK(h_same(snap, arena, 4096u, skip, sizeof h->failed));
        }
    }
    CHECK_EQ(h_total_faults, faults);
    th_set_oom_hook(h, NULL);
    th_free(h, t);
    CHECK(th_check(h));
}

/* Takes every free block of at least `min` usable bytes (at most N), so
 * that the only such block is the one a test frees next. Returns how many. */
static size_t take_blocks_of(th_heap *h, size_t min, void **out, size_t N)
{
    size_t k = 0;
    while (k < N && th_largest_free(h) >= min) {
        out[k] = th_malloc(h, th_largest_free(h));
        if (!CHECK(out[k] != NULL)) {
            break;
        }
        k++;
    }
    return k;
}

/* An aligned block freed between two live ones is taken again by the same
 * aligned request, although it has no room for an alignment gap: its
 * payload is aligned already (FreeRTOS with portBYTE_ALIGNMENT 16 frees a
 * task's stack and allocates it again). The first search looks where
 * malloc's does (th_heap.c), at the head of the lowest non-empty size class
 * that holds the size: so any other free block that large is taken first
 * (the tail of the region, whose size depends on where the arena starts),
 * and the freed one is then the only candidate. */
static void test_aligned_exact_reuse(void)
{
    void  *rest[8];
    size_t nrest;
    th_heap *h = fresh(4096);
    enum { N = 64 };
    void  *p[N];
    size_t n = 0;
    while (n < N && (p[n] = th_aligned_alloc(h, 64, 100)) != NULL) {
        CHECK_EQ((uintptr_t)p[n] & 63u, 0);
        n++;
    }
    CHECK(n > 4 && n < N);
    nrest      = take_blocks_of(h, 100u, rest, 8u);
    size_t mid = n / 2u;
    void  *old = p[mid];
    th_free(h, old);
    th_stats s = th_get_stats(h);
    p[mid]     = th_aligned_alloc(h, 64, 100);
    CHECK_PTR_EQ(p[mid], old);
    CHECK_EQ(th_get_stats(h).failed, s.failed);
    for (size_t i = 0; i < n; i++) {
        th_free(h, p[i]);
    }
    for (size_t i = 0; i < nrest; i++) {
        th_free(h, rest[i]);
    }
    CHECK(th_check(h));
    /* Blocks of 112 bytes aligned to 16 abut (no gap between them): the
     * one freed between two live ones is exactly the request, with no room
     * to spare, and the heap has no block with room for a gap: taken back
     * all the same, not out of memory. */
    h = fresh(4096);
    n = 0;
    while (n < N && (p[n] = th_aligned_alloc(h, 16, 112u - TH_BLOCK_OVERHEAD)) != NULL) {
        CHECK_EQ((uintptr_t)p[n] & 15u, 0);
        n++;
    }
    CHECK(n > 4 && n < N);
    nrest = take_blocks_of(h, 112u - TH_BLOCK_OVERHEAD, rest, 8u);
    mid   = n / 2u;
    old   = p[mid];
    CHECK_EQ((uintptr_t)p[mid + 1u] - (uintptr_t)old, 112);
    CHECK_EQ((uintptr_t)old - (uintptr_t)p[mid - 1u], 112);
    th_free(h, old);
    s      = th_get_stats(h);
    p[mid] = th_aligned_alloc(h, 16, 112u - TH_BLOCK_OVERHEAD);
    CHECK_PTR_EQ(p[mid], old);
    CHECK_EQ(th_get_stats(h).failed, s.failed);
    /* So does an aligned persistent object of that size (it used to search
     * only for room for the worst gap, and was out of memory here). */
    th_free(h, p[mid]);
    p[mid] = NULL;
    void *po = th_persistent_alloc(h, 112u - TH_BLOCK_OVERHEAD, 16);
    CHECK_PTR_EQ(po, old);
    CHECK_EQ(th_get_stats(h).failed, s.failed);
    for (size_t i = 0; i < n; i++) {
        th_free(h, p[i]);
    }
    for (size_t i = 0; i < nrest; i++) {
        th_free(h, rest[i]);
    }
    CHECK(th_check(h));
}

/* The search for a larger bin starts at bit 0 of the next bitmap word: a
 * request of bin 31 ([3584, 4096) bytes), which is empty, is served from
 * the only free block, in bin 32 ([4096, 5120): bit 0 of the second word). */
static void test_bitmap_word_edge(void)
{
    th_heap *h = fresh(16384);
    if (!CHECK(h != NULL)) {
        return;
    }
    size_t lf  = th_get_stats(h).largest_free; /* the one free block, but its header */
    void  *top = th_malloc(h, lf - 4608u);     /* leaves a free block of 4608 bytes */
    CHECK(top != NULL);
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.free_blocks, 1);
    CHECK_EQ(s.largest_free_block, 4608);
    void *p = th_malloc(h, 3800u); /* a block of 3808 bytes: bin 31 */
    CHECK(p != NULL);
    CHECK_EQ(th_get_stats(h).failed, s.failed);
    th_free(h, p);
    th_free(h, top);
    CHECK(th_check(h));
}

/* th_free, th_usable_size and th_realloc of bad pointer p: each refused
 * with one fault of `kind`, and the stats unchanged. */
static void refused_thrice(th_heap *h, void *p, th_fault kind)
{
    th_stats before = th_get_stats(h);
    h_reset_faults();
    th_free(h, p);
    CHECK_EQ(h_fault_count[kind], 1);
    CHECK_EQ(th_usable_size(h, p), 0);
    CHECK(th_realloc(h, p, 10) == NULL);
    CHECK_EQ(h_fault_count[kind], 3);
    CHECK_EQ(h_total_faults, 3);
    th_stats after = th_get_stats(h);
    CHECK_EQ(after.free_bytes, before.free_bytes);
    CHECK_EQ(after.in_use, before.in_use);
    CHECK_EQ(after.frees, before.frees);
}

/* A block freed into its free lower neighbour disappears inside it; a second
 * free of its pointer must be refused as a double free, change nothing, and
 * never be taken for a live block (its buried header is marked freed). */
static void test_double_free_after_merge(void)
{
    th_heap *h = fresh(8192);
    uint8_t *x = th_malloc(h, 100);
    uint8_t *y = th_malloc(h, 100);
    uint8_t *z = th_malloc(h, 100); /* keeps the lower block from merging further */
    CHECK(x && y && z);
    uint8_t *lo = x < y ? x : y;
    uint8_t *hi = x < y ? y : x;
    CHECK_EQ(hi - lo, 104); /* adjacent */
    th_free(h, lo);
    th_free(h, hi); /* merges into lo */
    CHECK(th_check(h));
    refused_thrice(h, hi, TH_FAULT_DOUBLE_FREE);
    CHECK(th_check(h));
    /* The merged memory is whole again for the next allocation. */
    uint8_t *w = th_malloc(h, 200);
    CHECK(w != NULL);
    th_free(h, w);
    th_free(h, z);
    CHECK(th_check(h));
    h_reset_faults();
}

/* User data in front of an interior pointer can match the header seal by
 * chance (1 in 256 addresses; with a fill pattern, for every object at such
 * an address). If it reads as "not used", it must still be reported as a
 * bad pointer unless it could be a freed general block: kind general and a
 * size inside the region. Forged here so that the chance is certain. */
static void test_interior_sealed_by_chance(void)
{
    th_heap *h = fresh(8192);
    uint8_t *a = th_malloc(h, 64);
    if (!CHECK(a != NULL)) {
        return;
    }
    uint8_t  *q    = a + 16;                 /* interior, 8-aligned */
    th_block *fake = (th_block *)(void *)(q - 4);
    const th_word forged[] = {
        th_mkheader(h, fake, 64u, TH_KIND_PERS, 0u, 0u),        /* a kind never free */
        th_mkheader(h, fake, 8u, TH_KIND_PERS, 0u, 0u),         /* the same, its size inside the block */
        th_mkheader(h, fake, 1u << 22, TH_KIND_GEN, 0u, 0u),    /* larger than the region */
    };
    for (unsigned i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        fake->header     = forged[i];
        th_stats before  = th_get_stats(h);
        h_reset_faults();
        th_free(h, q);
        CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 1);
        CHECK_EQ(h_total_faults, 1);
        CHECK_EQ(th_usable_size(h, q), 0);
        CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 2);
        th_stats after = th_get_stats(h);
        CHECK_EQ(after.free_bytes, before.free_bytes);
        CHECK_EQ(after.frees, before.frees);
    }
    /* A pointer at 4 mod 8 is never a block start, even over a header
     * sealed for its address, with a sealed used header after it (user
     * data that happens to look so): refused before the header is read as
     * a block's. */
    uint8_t  *q4 = a + 12; /* a is 8-aligned */
    th_block *f4 = (th_block *)(void *)(q4 - 4);
    th_block *n4 = (th_block *)(void *)(q4 - 4 + 32);
    f4->header   = th_mkheader(h, f4, 32u, TH_KIND_GEN, TH_USED, 0u);
    n4->header   = th_mkheader(h, n4, 16u, TH_KIND_GEN, TH_USED, 0u);
    refused_thrice(h, q4, TH_FAULT_BAD_POINTER);
    h_reset_faults();
    th_free(h, a);
    CHECK_EQ(h_total_faults, 0);
    CHECK(th_check(h));
}

/* th_get_stats counts free blocks by their headers, not along the free
 * lists: a write after free that turns a list into a cycle (or points it
 * anywhere) cannot make it loop or wander. The links are put back after. */
static void test_stats_with_cyclic_list(void)
{
    th_heap *h = fresh(8192);
    uint8_t *v[5];
    for (int i = 0; i < 5; i++) {
        v[i] = th_malloc(h, 40);
        CHECK(v[i] != NULL);
    }
    th_free(h, v[1]);
    th_free(h, v[3]); /* two free 48-byte blocks, apart, on one list */
    th_stats before = th_get_stats(h);
    CHECK(before.free_blocks >= 2);
    uintptr_t  a1 = (uintptr_t)v[1];
    uintptr_t  a3 = (uintptr_t)v[3];
    __asm__("" : "+r"(a1), "+r"(a3)); /* hide the pointers' origin (freed) */
    th_block **n1 = (th_block **)a1; /* the next link is the payload's first word */
    th_block **n3 = (th_block **)a3;
    th_block  *k1 = *n1;
    th_block  *k3 = *n3;
    *n1 = (th_block *)(a3 - 4u); /* v1 -> v3 -> v1 -> ... */
    *n3 = (th_block *)(a1 - 4u);
    th_stats during = th_get_stats(h); /* returns, and counts each block once */
    CHECK_EQ(during.free_blocks, before.free_blocks);
    CHECK_EQ(during.smallest_free, before.smallest_free);
    CHECK_EQ(during.largest_free_block, before.largest_free_block);
    *n1 = k1;
    *n3 = k3;
    CHECK(th_check(h));
    for (int i = 0; i < 5; i++) {
        if (i != 1 && i != 3) {
            th_free(h, v[i]);
        }
    }
    CHECK(th_check(h));
}

/* The lock slot: every call on the heap (th_check included) locks once and
 * unlocks once; a slot with only one half set calls that half (the other
 * is empty), and clearing both restores the unlocked path. */
static unsigned locks, unlocks;
static void     count_lock(void *ctx) { locks += ctx == (void *)&locks ? 1u : 100u; }
static void     count_unlock(void *ctx) { unlocks += ctx == (void *)&locks ? 1u : 100u; }

/* A malloc, its free and a th_check: three calls on the heap. */
static void three_calls(th_heap *h, size_t size)
{
    th_free(h, th_malloc(h, size));
    CHECK(th_check(h));
}

static void test_lock_slot(void)
{
    th_heap *h = fresh(8192);
    CHECK(h != NULL);
    th_set_lock(h, count_lock, count_unlock, &locks);
    three_calls(h, 40); /* general */
    three_calls(h, 5);  /* tiny */
    CHECK_EQ(locks, 6);
    CHECK_EQ(unlocks, 6);
    th_set_lock(h, count_lock, NULL, &locks); /* lock only */
    three_calls(h, 24);
    CHECK_EQ(locks, 9);
    CHECK_EQ(unlocks, 6);
    th_set_lock(h, NULL, count_unlock, &locks); /* unlock only */
    three_calls(h, 3);
    CHECK_EQ(locks, 9);
    CHECK_EQ(unlocks, 9);
    th_set_lock(h, NULL, NULL, NULL); /* none again */
    three_calls(h, 64);
    CHECK_EQ(locks, 9);
    CHECK_EQ(unlocks, 9);
}

/* Every call the header says takes the heap lock takes it exactly once and
 * lets it go (a call without the lock would race; one that locked twice
 * would deadlock on a non-recursive mutex). */
static unsigned s_depth, s_max_depth;
static void     depth_lock(void *ctx)
{
    (void)ctx;
    locks++;
    if (++s_depth > s_max_depth) {
        s_max_depth = s_depth;
    }
}
static void depth_unlock(void *ctx)
{
    (void)ctx;
    unlocks++;
    s_depth--;
}
static void walk_nothing(void *user, char kind, const void *addr, size_t size)
{
    (void)user;
    (void)kind;
    (void)addr;
    (void)size;
}
static th_heap *s_lh;
static uint8_t *s_lp, *s_lt;
static uint8_t  s_extra_region[1024];
static void     l_malloc(void) { th_free(s_lh, th_malloc(s_lh, 1)); } /* two calls */
static void     l_calloc(void) { th_free(s_lh, th_calloc(s_lh, 3, 20)); }
static void     l_aligned(void) { th_free(s_lh, th_aligned_alloc(s_lh, 64, 20)); }
static void     l_realloc(void) { s_lp = th_realloc(s_lh, s_lp, 80); }
static void     l_realloc_tiny(void) { s_lt = th_realloc(s_lh, s_lt, 9); }
static void     l_usable(void) { CHECK(th_usable_size(s_lh, s_lp) >= 80u); }
static void     l_usable_tiny(void) { CHECK(th_usable_size(s_lh, s_lt) >= 9u); }
static void     l_persistent(void) { CHECK(th_persistent_alloc(s_lh, 12, 4) != NULL); }
static void     l_stats(void) { CHECK(th_get_stats(s_lh).capacity != 0u); }
static void     l_free_bytes(void) { CHECK(th_free_bytes(s_lh) != 0u); }
static void     l_min_free(void) { CHECK(th_min_free_bytes(s_lh) != 0u); }
static void     l_largest(void) { CHECK(th_largest_free(s_lh) != 0u); }
static void     l_reset_min(void) { th_reset_min_free(s_lh); }
static void     l_check(void) { CHECK(th_check(s_lh)); }
static void     l_walk(void) { th_walk(s_lh, walk_nothing, NULL); }
static void     l_hook(void) { (void)th_set_oom_hook(s_lh, NULL); }
static void     l_add(void) { CHECK(th_add_region(s_lh, s_extra_region, sizeof s_extra_region)); }

static void test_every_call_locks(void)
{
    static const struct {
        const char *what;
        void (*call)(void);
        unsigned n; /* calls on the heap it makes */
    } calls[] = {
        {"th_malloc + th_free", l_malloc, 2u},
        {"th_calloc + th_free", l_calloc, 2u},
        {"th_aligned_alloc + th_free", l_aligned, 2u},
        {"th_realloc", l_realloc, 1u},
        {"th_realloc (tiny)", l_realloc_tiny, 1u},
        {"th_usable_size", l_usable, 1u},
        {"th_usable_size (tiny)", l_usable_tiny, 1u},
        {"th_persistent_alloc", l_persistent, 1u},
        {"th_get_stats", l_stats, 1u},
        {"th_free_bytes", l_free_bytes, 1u},
        {"th_min_free_bytes", l_min_free, 1u},
        {"th_largest_free", l_largest, 1u},
        {"th_reset_min_free", l_reset_min, 1u},
        {"th_check", l_check, 1u},
        {"th_walk", l_walk, 1u},
        {"th_set_oom_hook", l_hook, 1u},
        {"th_add_region", l_add, 1u},
    };
    s_lh = fresh(8192);
    if (!CHECK(s_lh != NULL)) {
        return;
    }
    s_lp = th_malloc(s_lh, 40);
    s_lt = th_malloc(s_lh, 5);
    CHECK(s_lp != NULL && s_lt != NULL);
    th_set_lock(s_lh, depth_lock, depth_unlock, NULL);
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        locks       = 0u;
        unlocks     = 0u;
        s_max_depth = 0u;
        calls[i].call();
        if (!CHECK(locks == calls[i].n && unlocks == calls[i].n && s_depth == 0u &&
                   s_max_depth == 1u)) {
            h_printf("  %s: %u locks, %u unlocks, depth %u\n", calls[i].what, locks, unlocks,
                     s_max_depth);
        }
    }
    th_set_lock(s_lh, NULL, NULL, NULL);
    locks   = 0u;
    unlocks = 0u;
}

/* The low-water mark follows tiny allocations too: an idle slab counts as
 * free, so the first object placed in it lowers free_bytes, and the mark
 * must have seen that low after the object is freed again. */
static void test_min_free_tiny(void)
{
    th_heap *h = fresh(8192);
    if (!CHECK(h != NULL)) {
        return;
    }
    th_free(h, th_malloc(h, 4)); /* a slab, now idle */
    th_reset_min_free(h);
    size_t   idle = th_free_bytes(h);
    uint8_t *t    = th_malloc(h, 4);
    size_t   low  = th_free_bytes(h);
    CHECK(t != NULL && low < idle);
    th_free(h, t);
    CHECK_EQ(th_free_bytes(h), idle);
    CHECK_EQ(th_min_free_bytes(h), low);
    CHECK_EQ(th_get_stats(h).min_free_bytes, low);

    /* The mark never rises: not when a new slab is set up after a low was
     * reached by a general block (the slab's free blocks add to
     * free_bytes, not to the mark). A fresh heap: no slab yet. */
    h         = fresh(8192);
    void *big = th_malloc(h, 6000);
    CHECK(big != NULL);
    size_t mark = th_min_free_bytes(h);
    th_free(h, big);
    CHECK_EQ(th_get_stats(h).tiny_blocks, 0u);
    uint8_t *n = th_malloc(h, 4); /* the first slab */
    CHECK(n != NULL && th_get_stats(h).tiny_blocks == 1u);
    CHECK_EQ(th_min_free_bytes(h), mark);
    CHECK_EQ(th_get_stats(h).min_free_bytes, mark);
    th_free(h, n);
}

/* smallest_free is the smallest free block wherever it lies: two layouts,
 * the small block allocated before the big one and after it, so that in
 * one of them it comes first in address order and in the other last. */
static void test_smallest_free_anywhere(void)
{
    for (int order = 0; order < 2; order++) {
        th_heap *h = fresh(8192);
        if (!CHECK(h != NULL)) {
            return;
        }
        uint8_t *first  = th_malloc(h, order == 0 ? 40u : 400u);
        uint8_t *fence1 = th_malloc(h, 40);
        uint8_t *second = th_malloc(h, order == 0 ? 400u : 40u);
        uint8_t *fence2 = th_malloc(h, 40);
        CHECK(first && fence1 && second && fence2);
        uint8_t *small = order == 0 ? first : second;
        th_free(h, first);
        th_free(h, second);
        th_stats s = th_get_stats(h);
        CHECK_EQ(s.free_blocks, 3);
        CHECK_EQ(s.smallest_free, th_bsize(th_at(th_addr(small) - sizeof(th_word))->header));
        CHECK(th_check(h));
    }
}

/* TH_FILL (on in the tests' debug build): memory is handed out filled with
 * TH_FILL_FRESH_BYTE whichever way it was found: the top of the free space,
 * the bottom of a free block (an aligned request), a freed block reused,
 * a new slab and a reused tiny unit, a persistent chunk and a persistent
 * request too big for a chunk. */
static bool all_fresh(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != (uint8_t)TH_FILL_FRESH_BYTE) {
            return false;
        }
    }
    return p != NULL;
}
static void scribble(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)i;
    }
}
static void test_fresh_fill(void)
{
    th_heap *h = fresh(16384);
    if (!CHECK(h != NULL)) {
        return;
    }
    uint8_t *g  = th_malloc(h, 100);
    uint8_t *al = th_aligned_alloc(h, 256, 40);
    uint8_t *t1 = th_malloc(h, 4);
    uint8_t *t2 = th_malloc(h, 12);
    uint8_t *p1 = th_persistent_alloc(h, 24, 8);
    uint8_t *p2 = th_persistent_alloc(h, 3000, 8);
    CHECK(all_fresh(g, 100) && all_fresh(al, 40) && all_fresh(t1, 4) && all_fresh(t2, 12) &&
          all_fresh(p1, 24) && all_fresh(p2, 3000));
    uint8_t *fence = th_malloc(h, 40);
    scribble(g, 100);
    scribble(t1, 4);
    th_free(h, g);
    th_free(h, t1);
    uint8_t *g2 = th_malloc(h, 100); /* g's block, or one like it */
    uint8_t *t3 = th_malloc(h, 4);
    CHECK(fence != NULL && all_fresh(g2, 100) && all_fresh(t3, 4));
    CHECK(th_check(h));
}

/* TH_FILL: the call that returned q found the write after free of 0x77 at
 * `at` and refused: NULL, one corruption fault, the byte as written, the
 * heap's figures as they were (s0, taken before the call). */
static void fill_refused(th_heap *h, const void *q, uintptr_t at, const th_stats *s0)
{
    CHECK(q == NULL);
    CHECK_EQ(h_fault_count[TH_FAULT_CORRUPTION], 1);
    CHECK_EQ(*(volatile uint8_t *)at, 0x77); /* not written or filled over */
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.free_bytes, s0->free_bytes);
    CHECK_EQ(s1.free_blocks, s0->free_blocks);
    CHECK_EQ(s1.failed, s0->failed);
    h_reset_faults();
}

/* TH_FILL: a free block taken whole, its rest too small to be a block of its
 * own, is handed out whole, and a write after free in that rest (past the
 * bytes asked for) is reported too, by th_aligned_alloc and by an aligned
 * th_persistent_alloc, before anything changes. p's 112-byte block lies
 * between two used ones; a request of 100 bytes needs 104 of it. */
static void test_fill_whole_block(void)
{
    for (int k = 0; k < 2; k++) {
        th_heap *h  = fresh(8192);
        uint8_t *lo = th_aligned_alloc(h, 16, 108);
        uint8_t *p  = th_aligned_alloc(h, 16, 108);
        uint8_t *hi = th_aligned_alloc(h, 16, 40);
        if (!CHECK(lo != NULL && p != NULL && hi != NULL) || !CHECK_EQ(p - lo, 112)) {
            return;
        }
        th_free(h, p);
        *(volatile uint8_t *)(h_addr(p) + 100u) = 0x77; /* after its free, past 104 - 4 */
        th_stats s0 = th_get_stats(h);
        h_reset_faults();
        void *q = k == 0 ? th_aligned_alloc(h, 16, 100) : th_persistent_alloc(h, 100, 16);
        fill_refused(h, q, h_addr(p) + 100u, &s0);
    }
}

/* TH_FILL: a block carved from the bottom of a free block leaves the rest a
 * header and two links right above it, in bytes that were free. A write
 * after free there must be reported before the carve, not buried under
 * the rest's new metadata (the check used to stop at the carve's end).
 * Three carves: th_aligned_alloc's first try, th_persistent_alloc's, and
 * th_realloc growing into the free block above. */
static void test_fill_rest_links(void)
{
    for (int k = 0; k < 3; k++) {
        /* Aligned blocks are carved from the bottom, plain ones from the
         * top: either way p lies between two live blocks, lo right below. */
        th_heap *h  = fresh(8192);
        uint8_t *lo = NULL;
        uint8_t *p  = NULL;
        uint8_t *hi = NULL;
        if (k < 2) {
            lo = th_aligned_alloc(h, 16, 108);
            p  = th_aligned_alloc(h, 16, 200);
            hi = th_aligned_alloc(h, 16, 40);
        } else {
            hi = th_malloc(h, 40);
            p  = th_malloc(h, 200);
            lo = th_malloc(h, 100);
        }
        if (!CHECK(hi != NULL && p != NULL && lo != NULL) || !CHECK(h_aligned(p, 16) || k == 2) ||
            !CHECK_EQ(th_usable_size(h, p), 204u) || !CHECK_EQ(th_usable_size(h, lo) + 4u, (size_t)(p - lo))) {
            return;
        }
        th_free(h, p);
        /* The carve takes 104 bytes from the block's header (p - 4), so the
         * rest's header is at p + 100 and its links from p + 104: 32 and
         * 64 bits alike. For the realloc, lo (104 bytes) takes 56 more. */
        uint32_t at = k < 2 ? 105u : 60u;
        *(volatile uint8_t *)(h_addr(p) + at) = 0x77;
        th_stats s0 = th_get_stats(h);
        h_reset_faults();
        void *q = k == 0   ? th_aligned_alloc(h, 16, 100)
                  : k == 1 ? th_persistent_alloc(h, 100, 16)
                           : th_realloc(h, lo, 156);
        fill_refused(h, q, h_addr(p) + at, &s0);
    }
}

/* TH_FILL: a block split from the top leaves the rest a footer in its last
 * word, right below the block handed out, in bytes that were free: a
 * write after free there must be reported before the split, not buried
 * under the footer (the check used to start at the new block's header). */
static void test_fill_rest_footer(void)
{
    th_heap *h  = fresh(8192);
    uint8_t *hi = th_malloc(h, 40);
    uint8_t *p  = th_malloc(h, 200); /* a 208-byte block between two live ones */
    uint8_t *lo = th_malloc(h, 100);
    if (!CHECK(hi != NULL && p != NULL && lo != NULL) || !CHECK_EQ(th_usable_size(h, p), 204u)) {
        return;
    }
    th_free(h, p);
    /* malloc(24) takes 32 bytes from its top: the rest is 176 bytes, its
     * footer at p - 4 + 172. */
    *(volatile uint8_t *)(h_addr(p) + 169u) = 0x77;
    th_stats s0 = th_get_stats(h);
    h_reset_faults();
    void *q = th_malloc(h, 24);
    fill_refused(h, q, h_addr(p) + 169u, &s0);
}

int main(void)
{
    h_record_faults();
    test_double_free_after_merge();
    test_interior_sealed_by_chance();
    test_alignment_by_size();
    test_coalesce_and_recovery();
    test_realloc();
    test_calloc_aligned();
    test_lock_slot();
    test_stats_with_cyclic_list();
    test_exact_fits();
    test_aligned_past_last_bin();
    test_alignment_beyond_any_block();
    test_aligned_exact_reuse();
    test_bitmap_word_edge();
    test_max_request();
    test_every_call_locks();
    test_min_free_tiny();
    test_smallest_free_anywhere();
#if TH_FILL
    test_fresh_fill();
    test_fill_whole_block();
    test_fill_rest_links();
    test_fill_rest_footer();
#else
#error "test_heap is built with TH_DEBUG=1, which turns TH_FILL on"
#endif
    CHECK_EQ(h_total_faults, 0);
    return h_failures;
}
