/* SPDX-License-Identifier: MIT */
/*
 * test_regions: regions at every start alignment 0..7 (the unusable head is
 * skipped), sizes around the minimum, several regions in one heap
 * (th_add_region, heap_5 style) used by every allocator, exhaustion and full
 * recovery across regions, the sizing macros, and th_default() over the
 * linker-defined region. The exact layout of a fresh region at every start
 * alignment and size residue. On the host, a region that ends exactly at
 * an unmapped page is run to exhaustion and back, so any access past the
 * region crashes the test; and slabs 32 MiB above the first region, where
 * 16-bit slab links end.
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE 1 /* mmap's MAP_ANONYMOUS under -std=c11 */
#endif
#include "harness.h"
#include "th_internal.h"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

_Static_assert(TH_MIN_REGION < 2048u, "the minimum region is small");
_Static_assert(TH_REGION_SIZE_FOR(10, 100) >= 10u * 104u, "sizing covers the blocks");
_Static_assert(TH_BLOCK_OVERHEAD == 4u, "4-byte header");

static void exhaust_and_recover(th_heap *h)
{
    th_stats s0 = th_get_stats(h);
    void    *p[256];
    int      n = 0;
    /* A mix of tiny and general requests until the first failure. */
    while (n < 256) {
        size_t size = (n % 3 == 0) ? 5u : (n % 3 == 1) ? 40u : 100u;
        p[n]        = th_malloc(h, size);
        if (p[n] == NULL) {
            break;
        }
        ((uint8_t *)p[n])[0]        = 0xA5;
        ((uint8_t *)p[n])[size - 1] = 0x5A;
        n++;
    }
    CHECK(n > 0);
    CHECK(th_check(h));
    for (int i = n - 1; i >= 0; i -= 2) {
        th_free(h, p[i]);
    }
    for (int i = n - 2; i >= 0; i -= 2) {
        th_free(h, p[i]);
    }
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.in_use, 0);
    CHECK_EQ(s1.free_bytes, s0.free_bytes);
    CHECK_EQ(s1.largest_free, s0.largest_free);
    CHECK(th_check(h));
}

static void test_alignments(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    for (size_t off = 0; off < 8; off++) {
        th_heap *h = th_init(arena + off, 3000);
        CHECK(h != NULL);
        CHECK((uintptr_t)h % 8 == 0 && (uint8_t *)h >= arena + off);
        void *p = th_malloc(h, 24);
        CHECK(p != NULL && (uintptr_t)p % 8 == 0);
        CHECK((uint8_t *)p > arena + off && (uint8_t *)p < arena + off + 3000);
        th_free(h, p);
        exhaust_and_recover(h);
    }
    /* Too small: NULL, no fault; just big enough: works. */
    CHECK(th_init(arena, 64) == NULL);
    size_t lo = 64, hi = 4096;
    while (lo + 1 < hi) {
        size_t mid = (lo + hi) / 2;
        if (th_init(arena, mid) != NULL) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    h_printf("smallest region: %u bytes (TH_MIN_REGION %u)\n", (unsigned)hi,
             (unsigned)TH_MIN_REGION);
    CHECK(hi <= TH_MIN_REGION);
    th_heap *h = th_init(arena, hi);
    CHECK(h != NULL);
    void *p = th_malloc(h, 1);
    CHECK(p != NULL);
    th_free(h, p);
    CHECK(th_check(h));
}

static void test_multi_region(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    size_t   q     = n / 4u; /* quarters of the arena, whatever the board */
    th_heap *h     = th_init(arena, 2048);
    CHECK(h != NULL);
    th_stats s0 = th_get_stats(h);
    CHECK(th_add_region(h, arena + q + 3, 1500));
    CHECK(th_add_region(h, arena + 2u * q, 2048));
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.regions, 3);
    /* Every byte given counts but each region's last 0..7, which no
     * 8-byte granule can use, and the 0..3 skipped to align its start. */
    CHECK(s1.capacity <= s0.capacity + 1500 + 2048 &&
          s1.capacity + 2u * (7u + 3u) >= s0.capacity + 1500 + 2048);
    CHECK(s1.free_bytes > s0.free_bytes + 3000);
    CHECK(th_check(h));
    /* A block larger than the first region comes from the third. */
    uint8_t *big = th_malloc(h, 1900);
    CHECK(big != NULL && big >= arena + 2u * q);
    th_free(h, big);
    exhaust_and_recover(h);
    /* Regions are full: TH_MAX_REGIONS. */
    int extra = 0;
    while (th_add_region(h, arena + 3u * q + (size_t)extra * 512, 512)) {
        extra++;
    }
    CHECK_EQ(3 + extra, TH_MAX_REGIONS);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 1); /* the refused one */
    CHECK_EQ(h_total_faults, 1);                       /* and nothing else so far */
    h_reset_faults();
    CHECK(th_check(h));
}

/* A region's last 0..7 bytes, too few for a granule, are neither managed
 * nor counted: a region given over them overlaps nothing the heap uses, and
 * capacity never counts a byte twice. */
static void test_region_tail(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    for (size_t k = 0; k < 8u; k++) {
        th_heap *h = th_init(arena, 4096u + k);
        CHECK(h != NULL);
        size_t c0 = th_get_stats(h).capacity;
        CHECK(c0 <= 4096u + k && c0 + 8u > 4096u + k);
        bool ok = th_add_region(h, arena + 4096u, 2048u);
        CHECK(ok == (c0 <= 4096u)); /* refused iff it overlaps counted bytes */
        if (!ok) {
            CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 1);
            h_reset_faults();
        }
        CHECK(th_get_stats(h).capacity <= 4096u + 2048u);
        exhaust_and_recover(h);
        CHECK(th_check(h));
    }
}

static void test_default(void)
{
    th_heap *h = th_default();
    CHECK(h != NULL);
    CHECK_PTR_EQ(th_default(), h);
    size_t n;
    /* th_default covers the whole linker region, wherever h_arena starts */
    char    *region = (char *)h_arena(&n) - H_ARENA_SHIFT;
    th_stats s      = th_get_stats(h);
    CHECK_EQ(s.capacity, n + H_ARENA_SHIFT);
    CHECK((void *)h >= (void *)region);
    void *p = th_malloc(h, 100);
    CHECK(p != NULL);
    th_free(h, p);
    CHECK(th_check(h));
}

#if defined(__linux__)
/* The region's last byte is followed by a PROT_NONE page. */
static void test_guard_page(void)
{
    long     pg  = sysconf(_SC_PAGESIZE);
    uint8_t *map = mmap(NULL, (size_t)pg * 4, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    CHECK(mprotect(map + pg * 3, (size_t)pg, PROT_NONE) == 0);
    for (size_t off = 0; off < 8; off++) {
        size_t   size = (size_t)pg * 3 - off - 3; /* ends right before the guard */
        uint8_t *base = map + off + 3;
        th_heap *h    = th_init(base, size);
        CHECK(h != NULL);
        exhaust_and_recover(h);
        /* Touch the last usable byte of the largest block. */
        size_t   big = th_get_stats(h).largest_free;
        uint8_t *p   = th_malloc(h, big);
        CHECK(p != NULL);
        p[big - 1] = 1;
        CHECK(p + big <= base + size);
        th_free(h, p);
        CHECK(th_check(h));
    }
    munmap(map, (size_t)pg * 4);
}

/* A region larger than the largest block is split into regions of at most
 * 2^TH_MAX_BLOCK_LOG2 bytes, one slot each, and all of it is managed while
 * slots remain; past the last slot the tail is left out of capacity. */
static void test_oversized_region(void)
{
    size_t   max   = (size_t)1 << TH_MAX_BLOCK_LOG2; /* 4 MiB by default */
    size_t   first = 2u * max + 4096u;              /* three pieces */
    size_t   total = first + 8192u + 2u * max;
    uint8_t *map   = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!CHECK(map != MAP_FAILED)) {
        return;
    }
    /* A piece is its page map (a bit per 512-byte page, for a start on a
     * page boundary as here), the largest block, 2^TH_MAX_BLOCK_LOG2 - 8
     * bytes, after a header at 4 mod 8, and the sentinel. 300 bytes more
     * could hold a block, but a scrap under a page is not worth a slot and
     * is left out of capacity. (A heap of its own, abandoned after.) */
    size_t   mapb  = ((max / 512u + 3u + 31u) / 32u) * 4u;
    size_t   piece = (((mapb + 4u) + 7u) & ~(size_t)7u) - 4u + (max - 8u) + 4u;
    th_heap *t     = th_init(map + first + 8192u, 65536u);
    CHECK(t != NULL && th_add_region(t, map + first + 8192u + 65536u, piece + 300u));
    CHECK_EQ(th_get_stats(t).regions, 2);
    CHECK_EQ(th_get_stats(t).capacity, 65536u + piece);
    /* The piece holds the largest block there is: TH_MAX_REQUEST succeeds. */
    CHECK_EQ(th_get_stats(t).largest_free, TH_MAX_REQUEST);
    void *whole = th_malloc(t, TH_MAX_REQUEST);
    CHECK(whole != NULL);
    th_free(t, whole);
    CHECK(th_check(t));

    th_heap *h = th_init(map, first);
    CHECK(h != NULL);
    th_stats s0 = th_get_stats(h);
    CHECK_EQ(s0.regions, 3);
    CHECK(first - s0.capacity < 8u); /* every byte managed but the last granule's rest */
    CHECK_EQ(s0.largest_free, TH_MAX_REQUEST); /* a piece holds the largest block */
    /* Two blocks as large as a region can hold, one in each big piece, and
     * everything written stays inside the mapping. */
    uint8_t *a = th_malloc(h, s0.largest_free);
    uint8_t *b = th_malloc(h, th_get_stats(h).largest_free);
    CHECK(a != NULL && b != NULL);
    if (a != NULL && b != NULL) {
        CHECK((a < b ? b - a : a - b) >= (ptrdiff_t)(max - 4096u));
        CHECK(a >= map && b >= map && a + s0.largest_free <= map + first);
    }
    CHECK(th_check(h));
    th_free(h, a);
    th_free(h, b);
    /* Another 8 MiB: one slot is left, so one piece is added, the rest is
     * not managed and not counted. */
    CHECK(th_add_region(h, map + first + 8192u, 2u * max));
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.regions, TH_MAX_REGIONS < 4 ? TH_MAX_REGIONS : 4);
    CHECK(s1.capacity > s0.capacity + max - 4096u && s1.capacity <= s0.capacity + max + 4096u);
    /* No slot left: a further region is refused and changes nothing. */
    CHECK(!th_add_region(h, map + first, 4096u));
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 1);
    h_reset_faults();
    CHECK_EQ(th_get_stats(h).capacity, s1.capacity);
    /* Every full piece holds the largest block: largest_free is the
     * largest request there is, and it succeeds; one byte more is a bad
     * argument, not out of memory. */
    size_t   lf  = th_get_stats(h).largest_free;
    CHECK_EQ(lf, TH_MAX_REQUEST);
    uint8_t *big = th_malloc(h, lf);
    CHECK(big != NULL);
    th_free(h, big);
    CHECK(th_malloc(h, lf + 1u) == NULL);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 1);
    CHECK_EQ(th_get_stats(h).failed, 0u);
    h_reset_faults();
    CHECK(th_check(h));
    munmap(map, total);
}
/* Banks of exactly 8 and 12 MiB (and around them): the last piece is
 * almost as large as the full ones, in the same size class, and must not
 * hide them. Every full piece serves TH_MAX_REQUEST, one after another. */
static void test_exact_banks(void)
{
    static const size_t mib[]  = {8u, 8u, 12u, 12u, 12u};
    static const long   plus[] = {0, -4096, 0, 8, -2048};
    for (size_t i = 0; i < sizeof mib / sizeof mib[0]; i++) {
        size_t   total = (size_t)((long)(mib[i] << 20) + plus[i]);
        uint8_t *map   = mmap(NULL, total, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (!CHECK(map != MAP_FAILED)) {
            return;
        }
        th_heap *h = th_init(map, total);
        CHECK(h != NULL);
        size_t pieces = th_get_stats(h).regions;
        CHECK(pieces >= 2u);
        CHECK_EQ(th_get_stats(h).largest_free, TH_MAX_REQUEST);
        for (size_t k = 0; k + 1u < pieces; k++) {
            if (!CHECK(th_malloc(h, TH_MAX_REQUEST) != NULL)) {
                h_printf("%u bytes, full piece %u\n", (unsigned)total, (unsigned)k);
            }
        }
        CHECK(th_check(h));
        munmap(map, total);
    }
}

/* TH_REGION_SIZE_FOR when the objects add up to more than the largest
 * block: the region is split, each piece loses its page map and the tail
 * no object fits in, and the macro counts whole pieces. Each size is
 * filled at two starts; a count that needs more pieces than there are
 * region slots is out of the macro's reach, and TH_REGION_PIECES_FOR says
 * so. */
static void test_sizing_pieces(void)
{
    static const size_t cases[][2] = {{1024u, 4092u}, {200u, 41942u}, {2u, 3145716u},
                                      {4u, TH_MAX_REQUEST}, {2048u, 2044u}, {300000u, 4u},
                                      {400000u, 12u}, {160000u, 40u}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i][0], size = cases[i][1];
        size_t region = TH_REGION_SIZE_FOR(n, size);
        CHECK(TH_REGION_PIECES_FOR(n, size) >= 2u);
        CHECK(TH_REGION_PIECES_FOR(n, size) <= TH_MAX_REGIONS);
        for (size_t off = 0; off < 520u; off += 260u) {
            uint8_t *map = mmap(NULL, region + off, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (!CHECK(map != MAP_FAILED)) {
                return;
            }
            th_heap *h   = th_init(map + off, region);
            size_t   got = 0;
            while (h != NULL && got < n && th_malloc(h, size) != NULL) {
                got++;
            }
            if (!CHECK_EQ(got, n)) {
                h_printf("TH_REGION_SIZE_FOR(%u, %u) = %u at offset %u\n", (unsigned)n,
                         (unsigned)size, (unsigned)region, (unsigned)off);
            }
            munmap(map, region + off);
        }
    }
    /* Five 2 MiB objects need five pieces (a piece holds one), more than
     * the default four slots: the macro's limit, visible at compile time. */
    _Static_assert(TH_REGION_PIECES_FOR(5, 2097152) == 5u, "one 2 MiB object per piece");
    CHECK(TH_REGION_SIZE_FOR(1, TH_MAX_REQUEST + 1u) == SIZE_MAX);
}

/* Slab links are 16-bit page numbers + 1 counted from the first region's
 * first page: page 0xFFFE is the last a slab can sit on, 0xFFFF (32 MiB -
 * 512 bytes up) is out of reach. A second region holds just the free block
 * a slab's carve needs (512 + 512 + TH_MIN_BLOCK - 8 bytes, the slab on its
 * top page) and the first is all used: on page 0xFFFE the tiny request gets
 * a slab, on page 0xFFFF a general block. */
static void slab_at_page(uint16_t page, bool reachable)
{
    size_t   total = ((size_t)page + 4u) * TH_PAGE;
    uint8_t *map   = mmap(NULL, total, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!CHECK(map != MAP_FAILED)) {
        return;
    }
    th_heap *h = th_init(map, 2048u);
    if (!CHECK(h != NULL)) {
        munmap(map, total);
        return;
    }
    void *fill = th_malloc(h, th_get_stats(h).largest_free);
    CHECK(fill != NULL && th_get_stats(h).free_blocks == 0);
    uintptr_t slab = h->tiny_base + (uintptr_t)page * TH_PAGE;
    CHECK(th_add_region(h, (void *)(slab - TH_PAGE - TH_MIN_BLOCK), 2u * TH_PAGE + TH_MIN_BLOCK));
    uint8_t *p = th_malloc(h, 4);
    CHECK(p != NULL);
    th_stats s = th_get_stats(h);
    if (reachable) {
        CHECK((uintptr_t)p >= slab && (uintptr_t)p < slab + TH_PAGE);
        CHECK_EQ(s.tiny_objects, 1);
    } else {
        CHECK_EQ(s.tiny_objects, 0);
        CHECK(th_usable_size(h, p) >= 4u);
    }
    CHECK(th_check(h));
    th_free(h, p);
    CHECK_EQ(th_get_stats(h).in_use, th_usable_size(h, fill));
    CHECK(th_check(h));
    munmap(map, total);
}

static void test_slab_reach(void)
{
    slab_at_page(0xFFFEu, true);
    slab_at_page(0xFFFFu, false);
}
#endif

/* The smallest region th_add_region takes at a start of 4 mod 8: one page
 * map word, the 4 bytes that put the first header at 4 mod 8, the sentinel
 * and one minimal block. A byte less holds no block and is refused. */
/* Capacity is exactly what the regions manage: from the heap state (region
 * 0) or the page map (the others) through the end sentinel, the bytes
 * th_add_region refuses to overlap. */
static size_t managed_bytes(const th_heap *h)
{
    size_t sum = 0;
    for (uint32_t i = 0; i < h->nregions; i++) {
        const th_region *r  = &h->regions[i];
        uintptr_t        lo = i == 0u ? (uintptr_t)h : (uintptr_t)r->pagemap;
        sum += r->first + r->span + sizeof(th_word) - lo;
    }
    return sum;
}

/* The head skipped to align a region, 0..7 bytes before the heap state and
 * 0..3 before a page map, is not managed, so not counted: a region given
 * over it (accepted: it overlaps nothing the heap uses) never makes
 * capacity count a byte twice or exceed the bytes given. */
static void test_region_head(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    uint8_t *a8    = (uint8_t *)(((uintptr_t)arena + 7u) & ~(uintptr_t)7u);
    for (size_t k = 0; k < 8u; k++) {
        uint8_t *base = a8 + 1024u + k; /* 0 or 8 - k bytes skipped */
        th_heap *h    = th_init(base, 1536u);
        if (!CHECK(h != NULL)) {
            return;
        }
        CHECK_EQ(th_get_stats(h).capacity, managed_bytes(h));
        /* Up to the heap state: over the skipped head, if any. */
        CHECK(th_add_region(h, a8, (size_t)((uint8_t *)h - a8)));
        /* A region whose page map starts 3 bytes in, and one up to there
         * (over those 3 bytes). */
        uint8_t *c = a8 + 4096u - 3u;
        CHECK(th_add_region(h, c, 1024u));
        CHECK(th_add_region(h, a8 + 3072u, 1024u));
        th_stats s = th_get_stats(h);
        CHECK_EQ(s.regions, TH_MAX_REGIONS < 4 ? TH_MAX_REGIONS : 4);
        CHECK_EQ(s.capacity, managed_bytes(h));
        /* Never more than the bytes given: [a8, base + 1536) and
         * [a8 + 3072, c + 1024). */
        CHECK(s.capacity <= (size_t)(base + 1536u - a8) + (size_t)(c + 1024u - (a8 + 3072u)));
        CHECK(th_check(h));
    }
}

static void test_smallest_region(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    th_heap *h     = th_init(arena, 2048);
    CHECK(h != NULL);
    th_stats s0 = th_get_stats(h);
    uint8_t *b  = (uint8_t *)(((uintptr_t)(arena + 4096u) & ~(uintptr_t)7u) + 4u);
    CHECK(!th_add_region(h, b, 15u + TH_MIN_BLOCK_BYTES));
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 1);
    h_reset_faults();
    CHECK(th_add_region(h, b, 16u + TH_MIN_BLOCK_BYTES));
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.regions, 2);
    /* Counted: the map word, the 4 bytes before the header, the block and
     * the sentinel; the last 4 bytes, too few for a granule, are not. */
    CHECK_EQ(s1.capacity, s0.capacity + 12u + TH_MIN_BLOCK_BYTES);
    CHECK_EQ(s1.free_blocks, s0.free_blocks + 1u);
    CHECK_EQ(s1.smallest_free, TH_MIN_BLOCK_BYTES);
    CHECK(th_check(h));
}

/* A region below the first one (too small for a slab): slabs are linked by
 * page numbers counted up from the first region's first page, so no slab
 * is made below it, and a tiny request only that region can serve becomes
 * a general block. */
static void test_region_below(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    th_heap *h     = th_init(arena + 4096u, TH_MIN_REGION + 256u);
    CHECK(h != NULL);
    CHECK(th_add_region(h, arena, 4096u));
    uint8_t *p = th_malloc(h, 4);
    CHECK(p != NULL);
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.tiny_objects, 0);
    CHECK(th_usable_size(h, p) >= 4u);
    CHECK(th_check(h));
    th_free(h, p);
    CHECK_EQ(th_get_stats(h).in_use, 0);
    CHECK(th_check(h));
}

/* A fresh region, as th_internal.h draws it: the page-map word at the
 * first 4-aligned byte, the first header at the first address that is 4
 * mod 8 after it, the sentinel at the last such address with its 4 bytes
 * inside the region; one free block between. free_bytes counts that block
 * but its header, capacity every byte from the page map to the sentinel's
 * end (not the 0..3 skipped before the map). */
static void test_fresh_layout(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    for (uintptr_t off = 0; off < 8u; off++) {
        for (size_t size = 1000u; size < 1008u; size++) {
            th_heap *h = th_init(arena + 4096u, 2048u);
            if (!CHECK(h != NULL)) {
                return;
            }
            th_stats  s0    = th_get_stats(h);
            uintptr_t base  = (uintptr_t)arena + off;
            uintptr_t start = (base + 3u) & ~(uintptr_t)3u;
            uintptr_t first = ((start + 4u + 4u + 7u) & ~(uintptr_t)7u) - 4u;
            uintptr_t sent  = ((base + size - 4u - 4u) & ~(uintptr_t)7u) + 4u;
            CHECK(th_add_region(h, (void *)base, size));
            th_stats s = th_get_stats(h);
            CHECK_EQ(s.free_bytes - s0.free_bytes, sent - first - TH_BLOCK_OVERHEAD);
            CHECK_EQ(s.capacity - s0.capacity, sent + 4u - start);
            CHECK_EQ(s.free_blocks, s0.free_blocks + 1u);
            CHECK_EQ(h->regions[1].first, first);
            CHECK_EQ(h->regions[1].first + h->regions[1].span, sent);
        }
    }
}

/* th_walk callback: the end of the last block (the sentinel's address). */
static void find_end(void *user, char kind, const void *addr, size_t size)
{
    (void)kind;
    *(uintptr_t *)user = (uintptr_t)addr + size;
}

/* th_add_region next to a region: it may end exactly where the first
 * region's heap state starts, but not start at a region's sentinel. */
static void test_adjacent_regions(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    th_heap *h     = th_init(arena + 2048u, 2048u);
    if (!CHECK(h != NULL) || !CHECK_PTR_EQ(h, arena + 2048u)) {
        return;
    }
    uintptr_t end = 0;
    th_walk(h, find_end, &end);
    CHECK(!th_add_region(h, (void *)end, 1024u)); /* its first word is the sentinel */
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 1);
    h_reset_faults();
    CHECK(th_add_region(h, arena + 1024u, 1024u)); /* ends where the heap state starts */
    CHECK_EQ(th_get_stats(h).regions, 2);
    CHECK(th_check(h));
}

/* TH_REGION_SIZE_FOR(n, size) holds n objects of that size at once, at
 * any start of the region (which moves the slabs' page alignment against
 * the blocks): every size 1..40, tiny or not, and counts up to a few
 * hundred, as far as the board's arena allows. */
static void test_sizing_macro(size_t avail)
{
    static const size_t   counts[]  = {1u, 7u, 28u, 29u, 93u, 200u, 300u};
    static const uint16_t offsets[] = {0u, 1u, 2u, 3u, 4u, 5u, 7u, 100u, 204u, 260u, 333u,
                                       388u, 444u, 480u, 500u, 508u};
    size_t   n;
    uint8_t *arena = h_arena(&n);
    unsigned heaps = 0u;
    for (size_t size = 1u; size <= 40u; size++) {
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t count  = counts[c];
            size_t region = TH_REGION_SIZE_FOR(count, size);
            for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
                if (offsets[o] + region > avail) {
                    continue; /* more than this board's RAM */
                }
                th_heap *h   = th_init(arena + offsets[o], region);
                size_t   got = 0u;
                while (h != NULL && got < count && th_malloc(h, size) != NULL) {
                    got++;
                }
                heaps++;
                if (got != count) {
                    h_printf("TH_REGION_SIZE_FOR(%u, %u) = %u at offset %u: %u fit\n",
                             (unsigned)count, (unsigned)size, (unsigned)region,
                             (unsigned)offsets[o], (unsigned)got);
                    CHECK_EQ(got, count);
                    return;
                }
            }
        }
    }
    h_printf("sizing macro: %u heaps, each filled\n", heaps);
    CHECK(heaps >= 40u * 5u * 16u); /* the counts up to 93 fit every board */
}

/* The sizing macros for counts whose products would wrap (the review of
 * session 18: TH_REGION_SIZE_FOR(1 << 20, 4092) was 568 bytes on a 32-bit
 * target, with one piece, so the documented _Static_assert passed). For
 * n = 2^k and 2^(k+1) - 1, every k: the size is SIZE_MAX (and the piece
 * count says the slots, or the address space, do not suffice) or it holds
 * n * size bytes; and it never shrinks as n grows. */
_Static_assert(TH_REGION_SIZE_FOR(SIZE_MAX, 1) == SIZE_MAX, "no wrap at SIZE_MAX objects");
_Static_assert(TH_REGION_PIECES_FOR(SIZE_MAX, 1) > TH_MAX_REGIONS, "nor a piece count that fits");
_Static_assert(TH_REGION_SIZE_FOR((size_t)1 << 20, 4092) == SIZE_MAX, "4 GiB of blocks");
_Static_assert(TH_REGION_PIECES_FOR((size_t)1 << 20, 4092) > TH_MAX_REGIONS, "more than 4 pieces");
_Static_assert(TH_REGION_SIZE_FOR(SIZE_MAX / 8u + 1u, 100) == SIZE_MAX, "a product past SIZE_MAX");

/* One count: 1 when TH_REGION_SIZE_FOR(n, s) is SIZE_MAX, else 0. */
static unsigned sizing_case(size_t n, size_t s, size_t *prev)
{
    size_t region = TH_REGION_SIZE_FOR(n, s);
    size_t pieces = TH_REGION_PIECES_FOR(n, s);
    CHECK(region >= *prev);
    CHECK(pieces >= 1u);
    *prev = region;
    if (region == SIZE_MAX) {
        CHECK(pieces > TH_MAX_REGIONS || pieces > (SIZE_MAX / 2u) >> TH_MAX_BLOCK_LOG2);
        return 1u;
    }
    if (!CHECK(region / n >= s)) { /* region >= n * s, without the product */
        h_printf("TH_REGION_SIZE_FOR(%lu, %lu) = %lu\n", (unsigned long)n, (unsigned long)s,
                 (unsigned long)region);
    }
    return 0u;
}

static void test_sizing_no_wrap(void)
{
    static const size_t sizes[] = {1u, 4u, 8u, 9u, 12u, 16u, 100u, 4092u, TH_MAX_REQUEST};
    unsigned            huge    = 0u;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t prev = 0u;
        for (unsigned k = 0; k < 8u * sizeof(size_t); k++) {
            size_t n = (size_t)1 << k;
            huge += sizing_case(n, sizes[i], &prev);
            huge += sizing_case(n + (n - 1u), sizes[i], &prev);
        }
    }
    CHECK(huge > 0u);
}

/* A heap built inside a block, or a persistent object, of another heap (a
 * sub-heap per task or per protocol session): the inner heap's pointers are
 * not blocks of the outer one. Each seal is keyed to its heap, so the outer
 * heap refuses them as bad pointers and changes nothing (the region compared
 * byte for byte, but the fault counters); the inner heap goes on working.
 * The snapshot lives in the arena past the outer heap. */
#define NEST_OUTER 6144u
#define NEST_INNER 2048u
static void nested_in(th_heap *outer, uint8_t *base, uint8_t *snap, void *holder)
{
    if (!CHECK(holder != NULL)) {
        return;
    }
    th_heap *inner = th_init(holder, NEST_INNER);
    if (!CHECK(inner != NULL)) {
        return;
    }
    static const size_t sizes[] = {24, 100, 40, 200, 8, 3, 13, 1, 64, 16, 300, 5};
    void               *p[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        p[i] = th_malloc(inner, sizes[i]);
        CHECK(p[i] != NULL);
    }
    void *a = th_aligned_alloc(inner, 64u, 48u);
    void *q = th_persistent_alloc(inner, 20u, 4u);
    CHECK(a != NULL && q != NULL);
    th_free(inner, p[2]); /* a free block and a free tiny unit inside too */
    th_free(inner, p[5]);
    th_stats so    = th_get_stats(outer);
    size_t   fskip = (size_t)((const uint8_t *)&outer->faults[0] - base);
    h_copy(snap, base, NEST_OUTER);
    void *bad[sizeof sizes / sizeof sizes[0] + 2u];
    size_t nb = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (i != 2u && i != 5u) {
            bad[nb++] = p[i];
        }
    }
    bad[nb++] = a;
    bad[nb++] = (uint8_t *)q;
    for (size_t i = 0; i < nb; i++) {
        h_reset_faults();
        CHECK_EQ(th_usable_size(outer, bad[i]), 0);
        CHECK(th_realloc(outer, bad[i], 50u) == NULL);
        th_free(outer, bad[i]);
        if (!CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 3)) {
            h_printf("  inner object %u at %p taken by the outer heap\n", (unsigned)i, bad[i]);
        }
        CHECK_EQ(h_total_faults, 3);
        CHECK(h_same(snap, base, NEST_OUTER, fskip, sizeof outer->faults));
    }
    th_stats sa = th_get_stats(outer);
    CHECK_EQ(sa.frees, so.frees);
    CHECK_EQ(sa.in_use, so.in_use);
    CHECK_EQ(sa.free_bytes, so.free_bytes);
    h_reset_faults();
    CHECK(th_check(outer));
    CHECK(th_check(inner));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (i != 2u && i != 5u) {
            th_free(inner, p[i]);
        }
    }
    th_free(inner, a);
    CHECK_EQ(h_total_faults, 0);
    CHECK(th_check(inner));
}
/* The low-water mark starts at th_init's free bytes exactly: a region added
 * before any allocation raises free_bytes but not the mark (the stats
 * clamp the mark to free_bytes, which hides a mark set too high until the
 * free bytes grow past it). */
static void test_min_free_from_init(void)
{
    size_t   n;
    uint8_t *a = h_arena(&n);
    if (!CHECK(n >= 8192u)) {
        return;
    }
    th_heap *h  = th_init(a, 4096);
    size_t   f0 = th_free_bytes(h);
    CHECK_EQ(th_min_free_bytes(h), f0);
    CHECK(th_add_region(h, a + 4096 + 64, 2048));
    CHECK(th_free_bytes(h) > f0);
    CHECK_EQ(th_min_free_bytes(h), f0);
    CHECK_EQ(th_get_stats(h).min_free_bytes, f0);
}

/* th_add_region files a region's block second in its size class when the
 * head is larger (so the head keeps serving the class's largest requests),
 * which means writing through the head's next link. With TH_HARDEN that link
 * is verified first: damaged by a write after free, it is not followed
 * (the region's block is filed first instead), no byte outside the heap is
 * written, the damage stays as it is for th_check and the next call that
 * takes the block to report. (It used to be followed blindly.) */
static void test_add_region_damaged_link(void)
{
    static uintptr_t guard[16];
    size_t   n;
    uint8_t *a = h_arena(&n);
    if (!CHECK(n >= 8192u)) {
        return;
    }
    th_heap *h  = th_init(a, 5600);
    void    *g0 = th_malloc(h, 40);
    void    *x  = th_malloc(h, 2300); /* from the top, x above v */
    uint8_t *v  = th_malloc(h, 100);
    void    *g1 = th_malloc(h, 40);
    void    *r  = th_malloc(h, th_largest_free(h)); /* nothing else free */
    if (!CHECK(g0 != NULL && x != NULL && v != NULL && g1 != NULL && r != NULL)) {
        return;
    }
    th_free(h, x);
    th_free(h, v); /* v absorbs x: one free block of about 2.4 KiB, its list's head */
    if (!CHECK(th_largest_free(h) > 2400u) || !CHECK(th_largest_free(h) < 2560u - 4u)) {
        return;
    }
    uintptr_t forged = (uintptr_t)&guard[4];
    *(volatile uintptr_t *)(void *)v = forged; /* a write after free over its next link */
    h_reset_faults();
    /* A region whose block is smaller, in the same size class (2048..2559). */
    CHECK(th_add_region(h, a + 5600 + 64, 2400));
    CHECK_EQ(h_total_faults, 0);
    for (size_t i = 0; i < sizeof guard / sizeof guard[0]; i++) {
        CHECK_EQ(guard[i], 0u); /* never written through the link */
    }
    CHECK_EQ(*(volatile uintptr_t *)(void *)v, forged); /* left for th_check to report */
    CHECK(!th_check(h));
    CHECK_EQ(h_fault_count[TH_FAULT_CORRUPTION], 1);
    h_reset_faults();
}

static void test_nested_heap(void)
{
    size_t   n;
    uint8_t *base = h_arena(&n);
    if (!CHECK(n >= 2u * NEST_OUTER)) {
        return;
    }
    th_heap *outer = th_init(base, NEST_OUTER);
    if (!CHECK(outer != NULL)) {
        return;
    }
    void *g = th_malloc(outer, NEST_INNER);
    nested_in(outer, base, base + NEST_OUTER, g);
    nested_in(outer, base, base + NEST_OUTER, th_persistent_alloc(outer, NEST_INNER, 8u));
    h_reset_faults();
    th_free(outer, g);
    CHECK_EQ(h_total_faults, 0);
    CHECK(th_check(outer));
}

int main(void)
{
    h_record_faults();
    size_t n;
    h_arena(&n);
    test_default(); /* first: the linker region is still untouched */
    CHECK(n >= 8192);
    test_alignments();
    test_multi_region();
    test_region_tail();
    test_region_head();
    test_smallest_region();
    test_region_below();
    test_adjacent_regions();
    test_fresh_layout();
    test_sizing_macro(n);
    test_sizing_no_wrap();
    test_nested_heap();
    test_min_free_from_init();
    test_add_region_damaged_link();
#if defined(__linux__)
    test_guard_page();
    test_oversized_region();
    test_exact_banks();
    test_sizing_pieces();
    test_slab_reach();
#endif
    if (h_total_faults != 0) {
        h_printf("unexpected fault %d at %p\n", (int)h_last_fault, h_last_fault_ptr);
    }
    CHECK_EQ(h_total_faults, 0);
    return h_failures;
}
