/* SPDX-License-Identifier: MIT */
/*
 * test_tiny: the tiny allocator. Packing several objects to a 16-byte block,
 * the C17 alignment rule, per-object free with double-free and interior
 * detection, reuse of freed room in a partly used block, a block (slab)
 * going back to the heap when its last object dies, and the seed's two
 * traps: the first call from the empty state, and the current block
 * surviving the death of all its objects.
 */
#include "harness.h"
#include "th_internal.h"

static th_heap *fresh(size_t want)
{
    size_t n;
    void  *a = h_arena(&n);
    return th_init(a, want < n ? want : n);
}

/* Trap 1: the first tiny allocation from "nothing current" must take a real
 * block, never NULL + offset. */
static void test_first_call(void)
{
    th_heap *h = fresh(8192);
    th_stats s0 = th_get_stats(h);
    CHECK_EQ(s0.tiny_blocks, 0);
    uint8_t *p = th_malloc(h, 1);
    CHECK(p != NULL);
    CHECK((uintptr_t)p > 4096u);
    *p = 0x5A;
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.tiny_objects, 1);
    CHECK_EQ(s1.tiny_blocks, 1);
    CHECK_EQ(s1.in_use, 4);
    CHECK_EQ(s1.peak_in_use, 4); /* the tiny path keeps the marks too */
    /* An alignment of 4 or less is met by any tiny object. */
    uint8_t *q = th_aligned_alloc(h, 4, 4);
    CHECK(q != NULL && (uintptr_t)q % 4u == 0u);
    CHECK_EQ(th_get_stats(h).tiny_objects, 2);
    th_free(h, q);
    CHECK(th_check(h));
    th_free(h, p);
    CHECK(th_check(h));
    /* After a reset (th_init over the same memory, a tiny object still
     * live in the old heap): nothing is current again, and the first tiny
     * request takes a real block of the new heap. */
    CHECK(th_malloc(h, 3) != NULL);
    h = fresh(8192);
    CHECK_EQ(th_get_stats(h).tiny_blocks, 0);
    uint8_t *r = th_malloc(h, 1);
    CHECK(r != NULL && (uintptr_t)r > 4096u);
    CHECK_EQ(th_get_stats(h).tiny_objects, 1);
    CHECK_EQ(th_get_stats(h).tiny_blocks, 1);
    th_free(h, r);
    CHECK_EQ(th_get_stats(h).in_use, 0);
    CHECK(th_check(h));
}

static void test_packing(void)
{
    th_heap *h = fresh(8192);
    /* Four 4-byte objects share one 16-byte block. */
    uint8_t *a = th_malloc(h, 4);
    uint8_t *b = th_malloc(h, 3);
    uint8_t *c = th_malloc(h, 2);
    uint8_t *d = th_malloc(h, 1);
    CHECK(a && b && c && d);
    uintptr_t blk = (uintptr_t)a & ~(uintptr_t)15u;
    CHECK_EQ((uintptr_t)b & ~(uintptr_t)15u, blk);
    CHECK_EQ((uintptr_t)c & ~(uintptr_t)15u, blk);
    CHECK_EQ((uintptr_t)d & ~(uintptr_t)15u, blk);
    CHECK_EQ(th_get_stats(h).tiny_blocks, 1);
    /* Two 8-byte objects, each 8-aligned (C17), share the next block. */
    uint8_t *e = th_malloc(h, 8);
    uint8_t *f = th_malloc(h, 8);
    CHECK_EQ((uintptr_t)e % 8, 0);
    CHECK_EQ((uintptr_t)f % 8, 0);
    CHECK_EQ((uintptr_t)e & ~(uintptr_t)15u, (uintptr_t)f & ~(uintptr_t)15u);
    /* 9..15 bytes: 8-aligned under C17. */
    for (size_t s = 9; s < 16; s++) {
        uint8_t *g = th_malloc(h, s);
        CHECK(g != NULL);
        CHECK_EQ((uintptr_t)g % 8, 0);
        CHECK(th_usable_size(h, g) >= s && th_usable_size(h, g) < 16 + 1);
        th_free(h, g);
    }
    CHECK_EQ(th_get_stats(h).tiny_objects, 6);
    CHECK_EQ(th_usable_size(h, a), 4);
    CHECK_EQ(th_usable_size(h, e), 8);
    CHECK(th_check(h));
    th_free(h, a);
    th_free(h, b);
    th_free(h, c);
    th_free(h, d);
    th_free(h, e);
    th_free(h, f);
    CHECK_EQ(th_get_stats(h).tiny_objects, 0);
    CHECK(th_check(h));
}

static void test_bad_frees(void)
{
    th_heap *h = fresh(8192);
    h_reset_faults();
    uint8_t *a = th_malloc(h, 12); /* units 0..2 */
    uint8_t *b = th_malloc(h, 4);  /* unit 3 */
    CHECK(a && b);
    th_stats before = th_get_stats(h);
    th_free(h, a + 4); /* interior of a live object */
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 1);
    th_free(h, a + 1); /* misaligned */
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 2);
    th_free(h, a);
    th_free(h, a); /* double free */
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], 1);
    CHECK_EQ(th_usable_size(h, a), 0);
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], 2);
    th_stats after = th_get_stats(h);
    CHECK_EQ(after.tiny_objects, before.tiny_objects - 1);
    CHECK_EQ(after.faults[TH_FAULT_BAD_POINTER], 2);
    CHECK(th_check(h));
    th_free(h, b);
    CHECK(th_check(h));
    h_reset_faults();
}

/* Freed room in a partly used block is reused, and a slab whose objects all
 * died goes back to the general heap. */
static void test_reuse_and_return(void)
{
    th_heap *h   = fresh(16384);
    th_stats s0  = th_get_stats(h);
    static void *p[200]; /* not on the stack: microbit has 2 KiB of it */
    for (int i = 0; i < 200; i++) {
        p[i] = th_malloc(h, 4);
        CHECK(p[i] != NULL);
    }
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.tiny_blocks, 50);
    CHECK_EQ(s1.tiny_objects, 200);
    /* Free one object in every block: 50 holes of 4 bytes. */
    for (int i = 0; i < 200; i += 4) {
        th_free(h, p[i]);
    }
    CHECK(th_check(h));
    /* 50 new 4-byte objects fill exactly those holes: no new block. */
    for (int i = 0; i < 200; i += 4) {
        p[i] = th_malloc(h, 4);
        CHECK(p[i] != NULL);
    }
    th_stats s2 = th_get_stats(h);
    CHECK_EQ(s2.tiny_blocks, 50);
    CHECK_EQ(s2.tiny_objects, 200);
    CHECK(th_check(h));
    for (int i = 0; i < 200; i++) {
        th_free(h, p[i]);
    }
    th_stats s3 = th_get_stats(h);
    CHECK_EQ(s3.tiny_objects, 0);
    CHECK_EQ(s3.tiny_blocks, 0);
    CHECK_EQ(s3.in_use, 0);
    /* Everything is free again: the same free bytes and largest request. */
    CHECK_EQ(s3.free_bytes, s0.free_bytes);
    CHECK_EQ(s3.largest_free, s0.largest_free);
    CHECK(th_check(h));
    /* And a request of all of it succeeds (the empty current slab is given
     * back on demand). */
    void *big = th_malloc(h, s3.largest_free);
    CHECK(big != NULL);
    CHECK_EQ(th_get_stats(h).failed, 0u); /* served: not counted as a failure */
    th_free(h, big);
    CHECK(th_check(h));
}

/* Trap 2: the current block survives the death of all its objects, and the
 * next tiny allocation lands in memory the tiny allocator still owns. */
static void test_current_block_survives(void)
{
    th_heap *h = fresh(8192);
    uint8_t *a = th_malloc(h, 4);
    uint8_t *b = th_malloc(h, 4);
    th_free(h, a);
    th_free(h, b);
    CHECK(th_check(h));
    /* A general allocation now must not overlap the current tiny block. */
    uint8_t *g = th_malloc(h, 64);
    CHECK(g != NULL);
    for (int i = 0; i < 64; i++) {
        g[i] = 0xC3;
    }
    uint8_t *c = th_malloc(h, 4);
    CHECK(c != NULL);
    CHECK(c + 4 <= g || c >= g + 64);
    c[0] = 1;
    c[3] = 2;
    for (int i = 0; i < 64; i++) {
        CHECK_EQ(g[i], 0xC3);
    }
    CHECK(th_check(h));
    th_free(h, c);
    th_free(h, g);
    CHECK(th_check(h));
}

/* Tiny requests keep working when no slab can be had: they fall back to
 * general blocks, and stats stay exact. */
static void test_fallback_when_full(void)
{
    th_heap *h = fresh(4096);
    void    *p[600];
    int      n = 0;
    while (n < 600 && (p[n] = th_malloc(h, 8)) != NULL) {
        n++;
    }
    h_printf("8-byte objects in a 4 KiB region: %d\n", n);
    CHECK(n > 200);
    th_stats s = th_get_stats(h);
    CHECK(s.largest_free < 8);
    CHECK_EQ(s.failed, 1);
    CHECK(th_check(h));
    /* With no general block left, largest_free is what the tiny blocks can
     * take: a free pair in a filed block, then a whole empty block. p[0]
     * and p[1] share the first slab's block 0, no longer current. */
    if (CHECK(n > 2) && CHECK_EQ((uintptr_t)p[0] + 8u, (uintptr_t)p[1])) {
        th_free(h, p[0]);
        CHECK_EQ(th_get_stats(h).largest_free, 8u);
        CHECK_EQ(th_largest_free(h), 8u);
        th_free(h, p[1]);
        s = th_get_stats(h);
        CHECK_EQ(s.largest_free, TH_TINY_MAX);
        CHECK_EQ(th_largest_free(h), TH_TINY_MAX);
        p[0] = th_malloc(h, s.largest_free); /* and it is a request that succeeds */
        CHECK(p[0] != NULL);
        p[1] = NULL;
    }
    for (int i = 0; i < n; i++) {
        th_free(h, p[i]);
    }
    s = th_get_stats(h);
    CHECK_EQ(s.in_use, 0);
    CHECK(th_check(h));
}

/* The idle slab the cursor keeps is given back only if its header is sound:
 * an overflow of the block below must be reported, not merged by. */
static void test_idle_slab_header(void)
{
    th_heap *h = fresh(4096);
    th_free(h, th_malloc(h, 4)); /* an idle slab, held by the cursor */
    uint8_t *p = th_malloc(h, 4);
    uintptr_t page = (uintptr_t)p & ~(uintptr_t)511u;
    th_free(h, p);
    size_t            want     = th_get_stats(h).largest_free; /* needs the slab's memory */
    volatile uint8_t *hdr_byte = (volatile uint8_t *)(page - 3u);
    *hdr_byte ^= 0x02u; /* as an overflow of the block below would */
    h_reset_faults();
    CHECK(th_get_stats(h).largest_free < want); /* no longer counted as free */
    CHECK(th_malloc(h, want) == NULL);          /* and not released */
    CHECK_EQ(h_fault_count[TH_FAULT_CORRUPTION], 1);
    *hdr_byte ^= 0x02u;
    h_reset_faults();
    CHECK(th_check(h));
}

/* th_walk callback: the end of the last block (the sentinel's address). */
static void find_end(void *user, char kind, const void *addr, size_t size)
{
    (void)kind;
    *(uintptr_t *)user = (uintptr_t)addr + size;
}

/* TH_TINY_MAX 16 (the default): a 16-byte request takes a whole tiny block,
 * 16 bytes usable, and frees like any tiny object; 17 is general. With
 * TH_TINY_MAX 15, 16 is general (20 usable: a 24-byte block). */
static void test_sixteen(void)
{
    th_heap  *h = fresh(8192);
    uint8_t  *a = th_malloc(h, 16);
    uint8_t  *b = th_malloc(h, 16);
    uint8_t  *g = th_malloc(h, 17);
    th_stats  s = th_get_stats(h);
    if (!CHECK(a != NULL && b != NULL && g != NULL)) {
        return;
    }
    CHECK_EQ((uintptr_t)a % 8u, 0u);
    CHECK_EQ((uintptr_t)b % 8u, 0u);
    size_t gu = th_usable_size(h, g); /* a general block: 20, or more if it took a whole free one */
    CHECK(gu >= 20u && gu % 8u == 4u);
#if TH_TINY_MAX == 16
    CHECK_EQ((uintptr_t)a % 16u, 0u); /* a block of its own */
    CHECK_EQ(th_usable_size(h, a), 16u);
    CHECK(a + 16 == b || b + 16 == a); /* the next block of the slab */
    CHECK_EQ(s.tiny_objects, 2u);
    CHECK_EQ(s.tiny_blocks, 2u);
    CHECK_EQ(s.in_use, 16u + 16u + gu);
#else
    CHECK(th_usable_size(h, a) >= 20u);
    CHECK_EQ(s.tiny_objects, 0u);
#endif
    for (int i = 0; i < 16; i++) {
        a[i] = (uint8_t)i;
        b[i] = (uint8_t)(0xF0 + i);
    }
    th_free(h, a);
    th_free(h, a); /* a double free is caught as for any object */
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], 1u);
    h_reset_faults();
    for (int i = 0; i < 16; i++) {
        CHECK_EQ(b[i], (uint8_t)(0xF0 + i));
    }
    th_free(h, b);
    th_free(h, g);
    CHECK_EQ(th_get_stats(h).in_use, 0u);
    CHECK(th_check(h));
}

/* largest_free counts the idle slab merged with its free neighbours. When
 * that merge grows the block below in place, behind the head of its bin,
 * the O(1) search must still find it (found by the release-build fuzzer: a
 * malloc of largest_free failed). Layout built here, low to high:
 *   [ K ][ s2 ][ H ][ s1 ][ P ][ S idle slab ][ W ]
 * with P and H free in one bin, H freed last (the head), P + S in the
 * same bin and larger than H, and nothing free above that bin. */
static void test_largest_after_idle_merge(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    /* About 10.8 KiB are laid out below; the rest goes to K. At most 12 KiB,
     * and at least 11 KiB: the microbit's arena, started H_ARENA_SHIFT bytes
     * later (make check EXTRA_CFLAGS=-DH_ARENA_SHIFT=392u), is under 12 KiB. */
    size_t size = n < 12288u ? n : 12288u;
    if (!CHECK(size >= 11264u)) {
        return;
    }
    th_heap  *h   = th_init(arena, size);
    uintptr_t end = 0;
    th_walk(h, find_end, &end);
    /* Z on top, its payload page-aligned, so a slab carved from its memory
     * starts right at its bottom, just above P. */
    size_t zb = (size_t)((end + 4u) % 512u) + 1536u; /* room for a slab and more */
    void  *z  = th_malloc(h, zb - 4u);
    void  *p  = th_malloc(h, 4104u - 4u); /* a block of 4104: bin [4096, 5120) */
    void  *s1 = th_malloc(h, 20u); /* a 24-byte general block */
    void  *hu = th_malloc(h, 4104u - 4u);
    void  *s2 = th_malloc(h, 20u);
    if (!CHECK(z != NULL && p != NULL && s1 != NULL && hu != NULL && s2 != NULL) ||
        !CHECK_EQ(((uintptr_t)z) % 512u, 0u)) {
        return;
    }
    void *k = th_malloc(h, th_get_stats(h).largest_free); /* the rest, below */
    th_free(h, z);
    void *t = th_malloc(h, 4); /* a slab at the bottom of Z's memory */
    void *w = th_malloc(h, th_get_stats(h).largest_free); /* the rest above it */
    if (!CHECK(k != NULL && t != NULL && w != NULL) ||
        !CHECK_EQ((uintptr_t)t & ~(uintptr_t)511u, (uintptr_t)z)) {
        return;
    }
    th_free(h, t);  /* the slab is idle, held by the cursor */
    th_free(h, p);  /* P: free, below the slab */
    th_free(h, hu); /* H: free, same bin, now its head */
    th_stats st = th_get_stats(h);
    CHECK_EQ(st.largest_free, 4104u + 512u - 4u); /* P and the slab, merged */
    CHECK_EQ(th_largest_free(h), st.largest_free);
    void *big = th_malloc(h, st.largest_free);
    CHECK(big != NULL);
    CHECK(th_check(h));
    th_free(h, big);
    th_free(h, k);
    th_free(h, w);
    th_free(h, s1);
    th_free(h, s2);
    CHECK_EQ(th_get_stats(h).in_use, 0u);
    CHECK(th_check(h));
}

/* A request no block can serve, with the idle slab between two used
 * blocks: the slab is given back and the request still fails, as out of
 * memory only (the used neighbour's bytes are not free memory to check for
 * the freed pattern). */
static void test_idle_slab_oom(void)
{
    th_heap *h = fresh(4096);
    void    *t = th_malloc(h, 4); /* the slab */
    void    *k[8];
    int      nk = 0;
    while (nk < 8) { /* every general block taken: the slab's neighbours are used */
        size_t l = th_get_stats(h).largest_free;
        if (l <= TH_TINY_MAX || (k[nk] = th_malloc(h, l)) == NULL) {
            break;
        }
        nk++;
    }
    th_free(h, t); /* idle, held by the cursor */
    th_stats s = th_get_stats(h);
    h_reset_faults();
    CHECK(th_malloc(h, 1000) == NULL);
    CHECK_EQ(h_total_faults, 0u);
    CHECK_EQ(th_get_stats(h).failed, s.failed + 1u);
    for (int i = 0; i < nk; i++) {
        th_free(h, k[i]);
    }
    CHECK_EQ(th_get_stats(h).in_use, 0u);
    CHECK(th_check(h));
}

/* The idle slab right above a general block b, every other block taken:
 *   [ state ][ b ][ idle slab ][ top: the rest ]
 * The heap counts the slab as free (largest_free included), and a request
 * that only its room can serve must be served on the first call, not fail
 * with the slab given back on the way (the same call then succeeding).
 * The heap starts on a page so that the slab has a gap below it for b. */
/* `spare` bytes just above the slab are left out of *top: free, as one
 * block, once the caller frees what it takes there. */
static th_heap *idle_above(uint8_t **b, void **top, size_t spare)
{
    size_t   n;
    uint8_t *a    = h_arena(&n);
    uint8_t *base = (uint8_t *)(((uintptr_t)a + TH_PAGE - 1u) & ~(uintptr_t)(TH_PAGE - 1u));
    if (!CHECK(n >= 4096u + TH_PAGE)) {
        return NULL;
    }
    th_heap *h = th_init(base, 4096);
    void    *t = th_malloc(h, 1); /* the slab, carved from the bottom */
    *b         = th_malloc(h, th_get_stats(h).smallest_free - TH_BLOCK_OVERHEAD);
    *top       = th_malloc(h, th_get_stats(h).largest_free - spare); /* from the top */
    uintptr_t page = (uintptr_t)t & ~(uintptr_t)(TH_PAGE - 1u);
    if (!CHECK(t != NULL && *b != NULL && *top != NULL) ||
        !CHECK_EQ((uintptr_t)*b + th_usable_size(h, *b), page - TH_BLOCK_OVERHEAD)) {
        return NULL;
    }
    th_free(h, t); /* idle, held by the cursor */
    return h;
}
static void test_idle_slab_serves_first_call(void)
{
    uint8_t *b;
    void    *top;
    th_heap *h = idle_above(&b, &top, 0u);
    if (h == NULL) {
        return;
    }
    /* th_realloc grows b in place over the slab. */
    size_t old = th_usable_size(h, b);
    for (size_t i = 0; i < old; i++) {
        b[i] = (uint8_t)(i * 7u);
    }
    th_stats s0 = th_get_stats(h);
    h_reset_faults();
    CHECK(s0.largest_free >= TH_PAGE - TH_BLOCK_OVERHEAD);
    uint8_t *q = th_realloc(h, b, old + TH_PAGE);
    CHECK(q == b);
    CHECK_EQ(h_total_faults, 0u);
    th_stats s1 = th_get_stats(h);
    CHECK_EQ(s1.failed, s0.failed);
    CHECK_EQ(s1.tiny_blocks, 0u);
    CHECK(th_usable_size(h, b) >= old + TH_PAGE);
    for (size_t i = 0; i < old; i++) {
        if (b[i] != (uint8_t)(i * 7u)) {
            CHECK_EQ(b[i], (uint8_t)(i * 7u));
            break;
        }
    }
    CHECK(th_check(h));

    /* th_aligned_alloc takes the slab's page (aligned: no gap needed), as
     * th_malloc of the same size would. */
    h = idle_above(&b, &top, 0u);
    if (h == NULL) {
        return;
    }
    s0 = th_get_stats(h);
    void *a = th_aligned_alloc(h, 16, 500);
    CHECK(a != NULL && h_aligned(a, 16));
    CHECK_EQ(th_get_stats(h).failed, s0.failed);
    CHECK_EQ(h_total_faults, 0u);
    CHECK(th_check(h));
}

#if TH_FILL
/* TH_FILL: a realloc that would grow b over the idle slab and the whole free
 * block F above it (the rest too small to be a block) checks all of F for
 * the freed pattern before the slab goes: a write after free in F's last
 * word is reported with the heap as it was, the slab still idle. So is one
 * in the header and links a rest left in F would get.
 *   [ b ][ idle slab ][ F, free, 256 ][ g ] */
static void test_idle_grow_fill(void)
{
    /* Where the write lands in F, and how far b grows: over the slab and
     * all of F (b's block, 512 and 256, less 8: no block in the rest), or
     * over the slab and 64 bytes of F, which leaves a rest with a header at
     * x + 60 and links from x + 64. */
    static const struct {
        size_t at, grow;
    } cases[] = {{244u, TH_PAGE + 256u - 8u}, /* F's word below its footer */
                 {65u, TH_PAGE + 64u}};      /* the rest's first link */
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t *b;
        void    *g;
        th_heap *h = idle_above(&b, &g, 256u);
        uint8_t *x = h != NULL ? th_malloc(h, 256u - TH_BLOCK_OVERHEAD) : NULL; /* F */
        if (!CHECK(x != NULL) ||
            !CHECK_EQ((uintptr_t)x, ((uintptr_t)th_tiny_idle_slab(h)) + TH_PAGE)) {
            return;
        }
        th_free(h, x);
        *(volatile uint8_t *)(h_addr(x) + cases[k].at) = 0x77;
        th_stats s0 = th_get_stats(h);
        h_reset_faults();
        CHECK(th_realloc(h, b, th_usable_size(h, b) + cases[k].grow) == NULL);
        CHECK_EQ(h_fault_count[TH_FAULT_CORRUPTION], 1);
        CHECK(th_tiny_idle_slab(h) != NULL); /* not given back */
        CHECK_EQ(*(volatile uint8_t *)(h_addr(x) + cases[k].at), 0x77);
        th_stats s1 = th_get_stats(h);
        CHECK_EQ(s1.free_bytes, s0.free_bytes);
        CHECK_EQ(s1.largest_free, s0.largest_free);
        h_reset_faults();
    }
}
#endif

/* th_realloc moving the only object of the current block, in a slab with
 * nothing else: not the slab's last object to free (the cursor keeps the
 * slab), so the move goes through without a fault. */
static void test_realloc_current_only(void)
{
    th_heap *h = fresh(4096);
    uint8_t *a = th_malloc(h, 4); /* block 0 of a new slab: current */
    if (!CHECK(a != NULL)) {
        return;
    }
    a[0]       = 0x7E;
    h_reset_faults();
    uint8_t *b = th_realloc(h, a, 40);
    CHECK(b != NULL && b != a);
    CHECK_EQ(h_total_faults, 0u);
    if (b != NULL) {
        CHECK_EQ(b[0], 0x7E);
    }
    CHECK_EQ(th_get_stats(h).tiny_objects, 0u);
    CHECK(th_check(h));
    th_free(h, b);
    CHECK(th_check(h));
}

/* min_free_bytes is the lowest free_bytes th_stats could have shown: a
 * general allocation while the current block's slab is idle (counted as
 * free) must not take the mark below what free_bytes says then, nor a
 * persistent one. */
static void test_min_free_with_idle_slab(void)
{
    th_heap *h = fresh(8192);
    th_free(h, th_malloc(h, 1)); /* the slab is idle, held by the cursor */
    th_reset_min_free(h);
    th_stats s0 = th_get_stats(h);
    CHECK_EQ(s0.min_free_bytes, s0.free_bytes);
    CHECK_EQ(th_min_free_bytes(h), s0.free_bytes);
    void    *g  = th_malloc(h, 100);
    th_stats s1 = th_get_stats(h);
    CHECK(g != NULL && s1.free_bytes < s0.free_bytes);
    CHECK_EQ(s1.min_free_bytes, s1.free_bytes);
    void    *c  = th_persistent_alloc(h, 40, 8);
    th_stats s2 = th_get_stats(h);
    CHECK(c != NULL && s2.free_bytes < s1.free_bytes);
    CHECK_EQ(s2.min_free_bytes, s2.free_bytes);
    th_free(h, g);
    th_stats s3 = th_get_stats(h);
    CHECK_EQ(s3.min_free_bytes, s2.free_bytes);
    CHECK_EQ(th_min_free_bytes(h), s2.free_bytes);
    CHECK(th_check(h));
}

/* A tiny object freed again after its slab went back to the heap (its last
 * object died) lies inside a free general block, at no block start: read
 * from the memory as it is now, it is an interior pointer, and the second
 * free, th_usable_size and th_realloc of it are TH_FAULT_BAD_POINTER
 * (tinyheap.h, th_free), counted, with the region unchanged. */
#define SLAB_REGION 4096u
static void test_free_after_slab_returned(void)
{
    /* The snapshot lives in the arena past the region, not in .bss: on the
     * microbit a 4 KiB static would take the room other tests need. */
    size_t   an;
    uint8_t *arena = h_arena(&an);
    if (!CHECK(an >= 2u * SLAB_REGION)) {
        return;
    }
    uint8_t *s_snap = arena + SLAB_REGION;
    th_heap *h      = fresh(SLAB_REGION);
    if (!CHECK(h != NULL)) {
        return;
    }
    static uint8_t *p[2u * TH_SLAB_BLOCKS * 4u];
    size_t          n     = 0;
    uintptr_t       first = 0;
    do { /* until an object lands on another slab: the first is not current */
        p[n] = th_malloc(h, 4);
        if (!CHECK(p[n] != NULL)) {
            return;
        }
        first = first != 0u ? first : th_addr(p[n]) & ~(uintptr_t)(TH_PAGE - 1u);
        n++;
    } while ((th_addr(p[n - 1u]) & ~(uintptr_t)(TH_PAGE - 1u)) == first &&
             n < sizeof p / sizeof p[0]);
    CHECK_EQ(n, TH_SLAB_BLOCKS * 4u + 1u);
    uint8_t *last = p[10];
    for (size_t i = 0; i + 1u < n; i++) {
        if (p[i] != last) {
            th_free(h, p[i]);
        }
    }
    size_t blocks = th_get_stats(h).tiny_blocks;
    th_free(h, last); /* the slab's last object: the slab goes back */
    CHECK_EQ(th_get_stats(h).tiny_blocks, blocks - 1u);
    CHECK(th_check(h));
    uint8_t *base = (uint8_t *)h;
    size_t   skip = (size_t)((uint8_t *)&h->faults[0] - base);
    h_copy(s_snap, base, SLAB_REGION);
    h_reset_faults();
    th_free(h, last);
    CHECK_EQ(th_usable_size(h, last), 0);
    CHECK(th_realloc(h, last, 8) == NULL);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 3);
    CHECK_EQ(h_total_faults, 3);
    CHECK_EQ(h->faults[TH_FAULT_BAD_POINTER], 3);
    CHECK(h_same(s_snap, base, SLAB_REGION, skip, sizeof h->faults));
    CHECK(th_check(h));
    /* The slab's first object: its header word was the slab's, so it reads
     * as a double free, as any freed block does (the slab's block header
     * starts a free block, or a merge marked it buried, as freed). */
    if (CHECK_EQ(th_addr(p[0]), first)) {
        h_reset_faults();
        th_free(h, p[0]);
        CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], 1);
        CHECK_EQ(h_total_faults, 1);
        CHECK_PTR_EQ(h_last_fault_ptr, p[0]);
        CHECK(h_same(s_snap, base, SLAB_REGION, skip, sizeof h->faults));
    }
    th_free(h, p[n - 1u]);
    h_reset_faults();
}

/* A stray bit above tiny_mask's four class bits (a write into the heap
 * state): th_check reports it (I12), and neither a tiny allocation, which
 * picks a class list by that mask, nor largest_free may read past the four
 * lists for it. All lists empty first (one slab of 16-byte objects, full),
 * so the bit is the only one the search could find. */
static void test_stray_mask_bit(void)
{
    th_heap *h = fresh(4096);
    if (!CHECK(h != NULL)) {
        return;
    }
    static void *o[TH_SLAB_BLOCKS];
    for (size_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        o[i] = th_malloc(h, 16);
        CHECK(o[i] != NULL);
    }
    CHECK_EQ(h->tiny_mask, 0u);
    size_t largest = th_largest_free(h);
    h->tiny_mask |= 0x10u;
    h_reset_faults();
    CHECK(!th_check(h));
    CHECK_EQ(h_fault_count[TH_FAULT_CORRUPTION], 1);
    CHECK_PTR_EQ(h_last_fault_ptr, &h->tiny_mask);
    h_reset_faults();
    CHECK_EQ(th_largest_free(h), largest);
    void *p = th_malloc(h, 16); /* a new slab, or a general block: not list 5 */
    CHECK(p != NULL);
    CHECK_EQ(h_total_faults, 0);
    h->tiny_mask &= 0x0Fu;
    CHECK(th_check(h));
    th_free(h, p);
    for (size_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        th_free(h, o[i]);
    }
    CHECK_EQ(th_get_stats(h).in_use, 0);
    h_reset_faults();
}

int main(void)
{
    h_record_faults();
    test_idle_slab_header();
    test_largest_after_idle_merge();
    test_sixteen();
    test_first_call();
    test_packing();
    test_bad_frees();
    test_reuse_and_return();
    test_current_block_survives();
    test_fallback_when_full();
    test_idle_slab_oom();
    test_idle_slab_serves_first_call();
#if TH_FILL
    test_idle_grow_fill();
#endif
    test_realloc_current_only();
    test_min_free_with_idle_slab();
    CHECK_EQ(h_total_faults, 0);
    test_free_after_slab_returned();
    test_stray_mask_bit();
    return h_failures;
}
