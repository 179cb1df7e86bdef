/* SPDX-License-Identifier: MIT */
/*
 * th_region.c: building a heap over regions, classifying pointers by region
 * and page, the fault handler, the hooks and the lock slot.
 *
 * A region is laid out as
 *
 *   base | skipped to 8 | th_heap (first region) | page map | blocks | sentinel
 *
 * The page map has one bit per 512-byte page of the region: set when the
 * page holds a tiny slab. It is what lets th_free tell a tiny object from a
 * general block without reading bytes the caller may have written.
 */
#include "th_internal.h"

/* ==== Internal definitions ================================================= */

_Static_assert(sizeof(th_heap) <= TH_HEAP_STATE_BYTES, "TH_HEAP_STATE_BYTES bounds the state");

#if defined(__thumb__) && !defined(__thumb2__)
/* The de Bruijn tables of TH_CTZ/TH_CLZ on ARMv6-M (th_internal.h): entry
 * (m << i) >> 27 is i, for m = 0x077CB531 and the single bit 1 << i, and
 * for m = 0x07C4ACDD and the mask of bits 0..i. */
const uint8_t th_debruijn_ctz[32]  = {0,  1,  28, 2,  29, 14, 24, 3,  30, 22, 20,
                                      15, 25, 17, 4,  8,  31, 27, 13, 23, 21, 19,
                                      16, 7,  26, 12, 18, 6,  11, 5,  10, 9};
const uint8_t th_debruijn_log2[32] = {0,  9,  1,  10, 13, 21, 2,  29, 11, 14, 16,
                                      18, 22, 25, 3,  30, 8,  12, 20, 28, 15, 17,
                                      24, 7,  19, 27, 23, 6,  26, 5,  4,  31};

/* th_bin_of for the block sizes below 2 KiB (g = bsize / 8 < 256) on
 * ARMv6-M, which has no CLZ: one load instead of a de Bruijn log2 and the
 * arithmetic around it, on every malloc and free (th_internal.h). Entry g is
 * g below 8, else 4 * log2(g) - 4 plus the two bits below g's highest. */
const uint8_t th_bin_small[256] = {
     0,  1,  2,  3,  4,  5,  6,  7,  8,  8,  9,  9, 10, 10, 11, 11,
    12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15,
    16, 16, 16, 16, 16, 16, 16, 16, 17, 17, 17, 17, 17, 17, 17, 17,
    18, 18, 18, 18, 18, 18, 18, 18, 19, 19, 19, 19, 19, 19, 19, 19,
    20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20,
    21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21,
    22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22,
    23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23,
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
    26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26,
    26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26,
    27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27,
    27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27,
};

/* th_bin_of for g >= 256 (and below 2^20: TH_MAX_BLOCK_LOG2 <= 23) from the
 * same table: shifting g right by 4 takes 1 from its log2 and keeps the two
 * bits below the highest, so bin(g) = bin(g >> 4k) + 16k while g >> 4k is
 * still at least 8 (here at least 16). */
uint32_t th_bin_large(uint32_t g)
{
    if (g < 4096u) {
        return th_bin_small[g >> 4] + 16u;
    }
    if (g < 65536u) {
        return th_bin_small[g >> 8] + 32u;
    }
    if (g < (1u << 20)) {
        return th_bin_small[g >> 12] + 48u;
    }
    /* 8 MiB and up: no block is that large, but an aligned request's
     * search size (size + align) can be, with TH_MAX_BLOCK_LOG2 = 23. */
    return (uint32_t)TH_BIN_COUNT;
}
_Static_assert(TH_MAX_BLOCK_LOG2 <= 23, "th_bin_large: a block's g = bsize / 8 < 2^20");
#endif

static th_fault_handler g_handler; /* NULL: the default below */

static void default_handler(th_heap *h, th_fault kind, const void *ptr)
{
    (void)h;
    (void)kind;
    (void)ptr;
#if TH_DEBUG
    TH_TRAP();
#endif
}

static uintptr_t align_up(uintptr_t a, uintptr_t align)
{
    return (a + align - 1u) & ~(align - 1u);
}

/* The most a piece of a split region needs besides its largest block:
 * the page map of a piece (one bit per page of the block, two pages more
 * for a start anywhere in a page and the block's end), the alignment of
 * the first header and the sentinel, with room to spare. With it, every
 * piece holds a block of 2^TH_MAX_BLOCK_LOG2 - 8 bytes, so a request of
 * TH_MAX_REQUEST can succeed. */
#define PIECE_EXTRA TH_PIECE_EXTRA_ /* tinyheap.h: the sizing macros count it too */

#if !TH_FILL && TH_FORGET_OLD
/* A heap or region set up again over memory that an old one used at the
 * same address: every word at 4 mod 8 of [start, start + n), where the old
 * one kept its headers, is cleared, so that a pointer the old heap handed
 * out is refused by the new one (a zero header is no live block) instead of
 * passing the seal: a heap built again at the same address has the same
 * key, so the seal cannot tell the old heap's headers from its own.
 * With TH_FILL every region is filled anyway. O(n / 8) stores, on these
 * paths only. [start, start + n) is memory the caller gave; offsets keep
 * every access inside it. */
TH_COLD void forget_old_heap(uintptr_t start, size_t n)
{
    /* The first offset at 4 mod 8, then every 8 bytes: n / 8 stores. */
    size_t off = (size_t)((((start + 4u) + 7u) & ~(uintptr_t)7u) - 4u - start);
    for (; off < n && n - off >= sizeof(th_word); off += TH_GRANULE) {
        *(th_word *)(start + off) = 0u;
    }
}

/* Whether `at`, where a new region's end sentinel goes, still holds the
 * sentinel of a region that ended at the same address before: the same bank
 * given again to th_add_region, or a heap built again that ends where an
 * old one ended (th_init also recognises its own heap state, whatever the
 * size). The sentinel sits at the last word at 4 mod 8 before the end,
 * whatever the start. Its fields are compared and not its seal, which is
 * keyed to the heap that wrote it: that heap may be another one (a bank
 * moved between heaps, a heap built again at another address). Random
 * memory matches with probability 2^-23 and zeroed memory never (USED is
 * set); a false match costs only the clearing of memory the caller gave. */
static bool old_sentinel(uintptr_t at)
{
    const th_word fields = (TH_KIND_END << TH_KIND_SHIFT) | TH_USED;
    return (th_at(at)->header & ~(TH_CHECK_MASK | TH_PREV_FREE)) == fields;
}
#endif

/* Sets up region `r` over [start, start + avail) (start 4-aligned, inside
 * memory the caller gave): its page map and bounds; add_pieces then makes
 * [first, first + span) one free block and the sentinel. False when it
 * cannot hold a minimal block; nothing is written then. *dropped is what
 * follows the sentinel, at start + avail - *dropped: the rest of a region
 * larger than the largest block (8-aligned: add_pieces makes further
 * regions of it), or else the region's last 0..7 bytes, too few for a
 * granule (not managed, so not counted in capacity either). *old is set
 * when the sentinel's place holds an old sentinel (TH_FORGET_OLD), and
 * left as it was otherwise. */
static bool region_setup(th_region *r, uintptr_t start, size_t avail, size_t *dropped, bool *old)
{
    size_t max_span = ((size_t)1 << TH_MAX_BLOCK_LOG2) - TH_GRANULE;
    size_t given    = avail;
    *dropped        = 0u;
    if (avail > max_span + PIECE_EXTRA) {
        avail = max_span + PIECE_EXTRA; /* one piece: room for the largest block */
    }
    uintptr_t page0  = start & ~(uintptr_t)(TH_PAGE - 1u);
    size_t    npages = (start - page0 + avail + TH_PAGE - 1u) / TH_PAGE;
    size_t    words  = (npages + 31u) / 32u;
    size_t    head   = words * sizeof(uint32_t) + 4u + TH_GRANULE; /* map + 4 mod 8 + sentinel */
    if (avail < head + TH_MIN_BLOCK) {
        return false;
    }
    uintptr_t map   = align_up(start, sizeof(uint32_t));
    uintptr_t first = align_up(map + words * sizeof(uint32_t) + 4u, TH_GRANULE) - 4u;
    size_t    used  = first - start;
    if (avail - used < TH_MIN_BLOCK + sizeof(th_word)) {
        return false;
    }
    size_t span = (avail - used - sizeof(th_word)) & ~((size_t)TH_GRANULE - 1u);
    if (span > max_span) {
        span = max_span;
    }
    if (span < TH_MIN_BLOCK) {
        return false;
    }
    /* The region ends at its sentinel: every byte after it is the next
     * piece's or left out (no hole between pieces that a later
     * th_add_region could take, no byte counted that no block can use). */
    *dropped = given - (used + span + sizeof(th_word));
#if !TH_FILL && TH_FORGET_OLD
    *old = *old || old_sentinel(first + span); /* a region that ended here before */
#else
    (void)old;
#endif
    r->first   = first;
    r->span    = (uint32_t)span;
    r->page0   = page0;
    r->pagemap = (uint32_t *)map;
    for (size_t i = 0; i < words; i++) {
        r->pagemap[i] = 0u;
    }
    return true;
}

/* Sets up the `rest` bytes from `start` (4-aligned) as regions while slots
 * remain, each up to the largest block and the next starting where the last
 * one ends. Returns the bytes left out: not managed, not counted in capacity
 * (all of them when not even one region fits). A split's last scrap under a
 * page is left out too: it could not hold a slab, and a slot is worth more
 * (the next RAM bank th_add_region is given). Bounded by TH_MAX_REGIONS
 * set-ups. */
static size_t add_pieces(th_heap *h, uintptr_t start, size_t rest)
{
    uint32_t n0  = h->nregions;
    bool     old = false; /* a piece's sentinel goes where an old one is */
    while (rest != 0u && h->nregions < (uint32_t)TH_MAX_REGIONS) { /* at most TH_MAX_REGIONS times */
        if (h->nregions != n0 && rest < TH_PAGE) {
            break;
        }
        size_t dropped;
        if (!region_setup(&h->regions[h->nregions], start, rest, &dropped, &old)) {
            break; /* too small to hold a block */
        }
        h->nregions++;
        start += rest - dropped;
        rest = dropped;
    }
#if !TH_FILL && TH_FORGET_OLD
    /* A piece whose sentinel goes where an old one is: the old region's
     * headers may lie in every piece (a split region given again from
     * another start ends where it ended in its last piece only), so every
     * piece forgets them, before its block and sentinel are written below. */
    for (uint32_t k = n0; old && (k < h->nregions); k++) { /* at most TH_MAX_REGIONS times */
        forget_old_heap(h->regions[k].first, h->regions[k].span);
    }
#endif
    /* The free blocks are linked last piece first: the full pieces then
     * lead their size class ahead of a last piece almost as large, and each
     * serves TH_MAX_REQUEST (malloc reads only a class's head). */
    uint32_t i = h->nregions;
    while (i > n0) { /* at most TH_MAX_REGIONS times */
        i--;
        th_gen_add_free_area(h, h->regions[i].first, h->regions[i].span);
    }
    return rest;
}

/* ==== Internal interface =================================================== */

void th_raise(th_heap *h, th_fault kind, const void *ptr)
{
    if (h != NULL) {
        h->faults[kind]++;
    }
    th_fault_handler fn = g_handler != NULL ? g_handler : default_handler;
    fn(h, kind, ptr);
}

void th_bad_heap(const th_heap *h)
{
    th_raise(NULL, TH_FAULT_BAD_ARGUMENT, h);
}

/* Calls the handler without counting: for th_check and th_walk, which never
 * write the heap. */
void th_report(const th_heap *h, th_fault kind, const void *ptr)
{
    th_fault_handler fn = g_handler != NULL ? g_handler : default_handler;
    /* Deviation: the handler's signature takes a mutable heap. */
    fn((th_heap *)(uintptr_t)h, kind, ptr);
}

void th_oom(th_heap *h, size_t size)
{
    h->failed++;
    if (h->oom != NULL) {
        h->oom(h, size);
    }
}

/* The region whose blocks contain address a, or NULL, past the first one
 * (th_region_of tests that inline). Bounded by TH_MAX_REGIONS; the
 * comparison a - first < span cannot wrap. */
const th_region *th_region_scan(const th_heap *h, uintptr_t a)
{
    for (uint32_t i = 1; i < h->nregions; i++) { /* loop bound: TH_MAX_REGIONS - 1u */
        const th_region *r = &h->regions[i];
        if (a >= r->first && a - r->first < r->span) {
            return r;
        }
    }
    return NULL;
}

void th_page_mark(const th_region *r, uintptr_t page, bool slab)
{
    size_t i = (page - r->page0) / TH_PAGE;
    if (slab) {
        r->pagemap[i / 32u] |= 1u << (i % 32u);
    } else {
        r->pagemap[i / 32u] &= ~(1u << (i % 32u));
    }
}

void th_fill(void *p, uint8_t byte, size_t n)
{
    volatile uint8_t *d = (volatile uint8_t *)p; /* volatile: never turned into a memset call */
    for (size_t i = 0; i < n; i++) {
        d[i] = byte;
    }
}

bool th_filled(const void *p, uint8_t byte, size_t n)
{
    const uint8_t *d = (const uint8_t *)p;
    for (size_t i = 0; i < n; i++) {
        if (d[i] != byte) {
            return false;
        }
    }
    return true;
}

/* ==== Public implementation ================================================ */

th_heap *th_init(void *base, size_t size)
{
    if (base == NULL) {
        return NULL;
    }
    uintptr_t a = th_addr(base);
    if (size > UINTPTR_MAX - a) {
        return NULL; /* wraps the address space */
    }
    uintptr_t hs   = align_up(a, TH_GRANULE);
    size_t    skip = hs - a;
    if (size < skip + sizeof(th_heap) + TH_MIN_BLOCK) {
        return NULL;
    }
    th_heap *h    = (th_heap *)hs;
    size_t   rest = size - skip - sizeof(th_heap);
#if !TH_FILL && TH_FORGET_OLD
    if (h->magic == TH_MAGIC) {
        forget_old_heap(hs + sizeof(th_heap), rest);
    }
#endif
    th_fill(h, 0u, sizeof(th_heap)); /* the state zeroed without a memset call */
    size_t left = add_pieces(h, hs + sizeof(th_heap), rest);
    if (h->nregions == 0u) {
        return NULL; /* too small for one block */
    }
    h->magic     = TH_MAGIC;
    h->capacity  = size - skip - left; /* from the heap state: the skipped head is not managed */
    h->tiny_base = h->regions[0].page0;
    h->min_free  = h->free_bytes;
    return h;
}

bool th_add_region(th_heap *h, void *base, size_t size)
{
    if (!th_heap_ok(h)) {
        return false;
    }
    th_lock(h);
    bool      ok = false;
    uintptr_t a  = th_addr(base);
    if (base != NULL && size <= UINTPTR_MAX - a && h->nregions < (uint32_t)TH_MAX_REGIONS) {
        ok = true;
        /* Disjoint from every region, the heap state of the first included. */
        for (uint32_t i = 0; i < h->nregions; i++) {
            const th_region *r  = &h->regions[i];
            uintptr_t        lo = i == 0u ? th_addr(h) : th_addr(r->pagemap);
            uintptr_t        hi = r->first + r->span + sizeof(th_word);
            if (a < hi && (lo <= a || lo - a < size)) {
                ok = false;
            }
        }
        uintptr_t start = align_up(a, sizeof(uint32_t));
        uint32_t  n0    = h->nregions;
        size_t    added = 0u;
        if (ok && start - a < size) {
            size_t left = add_pieces(h, start, size - (start - a));
            /* capacity: from the page map to the last sentinel's end; the
             * skipped head and what was left out are not managed */
            added = size - (start - a) - left;
        }
        ok   = ok && h->nregions > n0; /* else too small for one block */
        size = added;
    }
    if (ok) {
        h->capacity += size;
        th_note_use(h);
    } else {
        th_raise(h, TH_FAULT_BAD_ARGUMENT, base);
    }
    th_unlock(h);
    return ok;
}

/* Stands in for the NULL half of a lock slot whose other half is set, so
 * that lock == NULL iff unlock == NULL and th_unlocked reads one word. */
static void no_lock(void *ctx) { (void)ctx; }

void th_set_lock(th_heap *h, th_lock_fn lock, th_lock_fn unlock, void *ctx)
{
    if (!th_heap_ok(h)) {
        return;
    }
    if ((lock == NULL) != (unlock == NULL)) {
        lock   = lock != NULL ? lock : no_lock;
        unlock = unlock != NULL ? unlock : no_lock;
    }
    h->lock     = lock;
    h->unlock   = unlock;
    h->lock_ctx = ctx;
}

th_oom_hook th_set_oom_hook(th_heap *h, th_oom_hook hook)
{
    if (!th_heap_ok(h)) {
        return NULL;
    }
    th_lock(h);
    th_oom_hook old = h->oom;
    h->oom          = hook;
    th_unlock(h);
    return old;
}

th_fault_handler th_set_fault_handler(th_fault_handler fn)
{
    th_fault_handler old = g_handler;
    g_handler            = fn;
    return old;
}
