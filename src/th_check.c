/* SPDX-License-Identifier: MIT */
/*
 * th_check.c: the consistency walk (th_check), statistics (th_get_stats)
 * and the heap map (th_walk). Everything here reads the heap and never
 * writes it. Each failed test names the invariant of th_internal.h it
 * guards (I1..I16), so a report leads straight to the broken rule.
 */
#include "th_internal.h"

/* ==== Internal definitions ================================================= */

/* What a walk of the blocks adds up, to compare with the counters. */
typedef struct tally {
    size_t   free_bytes;
    size_t   free_count;
    size_t   in_use;
    size_t   slabs_in_class[4];
    bool     cur_seen;
    bool     pers_seen; /* the walk met the current persistent chunk */
    uintptr_t bad; /* first address found broken; 0: none */
} tally;

static bool fail(tally *t, uintptr_t at)
{
    if (t->bad == 0u) {
        t->bad = at != 0u ? at : 1u;
    }
    return false;
}

#if TH_TINY
static uint32_t popcount(uint32_t x)
{
    uint32_t n = 0u;
    for (; x != 0u; x &= x - 1u) {
        n++;
    }
    return n;
}

/* I10, I11, I13 for one slab; adds its free and used units to the tally. */
static bool check_slab(const th_heap *h, const th_slab *s, tally *t)
{
    uint32_t seen = 0u;
    for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        uint32_t m  = s->meta[i];
        uint32_t u  = m & 15u;
        uint32_t st = m >> 4;
        if ((st & ~u) != 0u || !th_tiny_runs_ok(u, st)) {
            return fail(t, th_addr(s->blocks[i])); /* I10 */
        }
        uint32_t c = (s == h->tiny_cur && i == h->tiny_cur_idx) ? 0u : th_tiny_class(u);
        for (uint32_t j = 0; j < 4u; j++) {
            if ((((s->map[j] >> i) & 1u) != 0u) != (c == j + 1u)) {
                return fail(t, th_addr(s->blocks[i])); /* I11 */
            }
        }
        seen |= 1u << i;
        t->free_bytes += (size_t)(4u - popcount(u)) * 4u;
        t->in_use += (size_t)popcount(u) * 4u;
    }
    if (((s->map[0] | s->map[1] | s->map[2] | s->map[3]) & ~seen) != 0u) {
        return fail(t, th_addr(s)); /* I11: no phantom blocks */
    }
    for (uint32_t j = 0; j < 4u; j++) {
        t->slabs_in_class[j] += s->map[j] != 0u;
    }
    if (s == h->tiny_cur) {
        t->cur_seen = true;
    } else if (s->map[3] == TH_SLAB_FULLMAP) {
        return fail(t, th_addr(s)); /* I13 */
    } else {
        /* a slab with a block still in use: nothing more to check */
    }
    return true;
}
#endif

/* I8 for the pages no block's walk looks at: those wholly below the first
 * block's payload (th_get_stats counts every marked page from page0 on).
 * The sentinel never starts a page (first is 4 mod 8, span a multiple of
 * 8), so its page is the last block's, which the walk looks at. */
static bool low_pages_clear(const th_region *r, tally *t)
{
    size_t below = (r->first + sizeof(th_word) - r->page0) / TH_PAGE;
    for (size_t i = 0; i < below; i++) { /* loop bound: the map's own pages */
        if (th_page_is_slab(r, r->page0 + i * TH_PAGE)) {
            return fail(t, r->page0 + i * TH_PAGE);
        }
    }
    return true;
}

/* I1..I4 and I8 for one region, in address order. */
static bool check_region(const th_heap *h, const th_region *r, tally *t)
{
    uintptr_t a         = r->first;
    bool      prev_free = false;
    for (;;) {
        const th_block *b   = th_at(a);
        th_word         hd  = b->header;
        uint32_t        off = (uint32_t)(a - r->first);
        if (!th_sealed(h, b, hd) || ((hd & TH_PREV_FREE) != 0u) != prev_free) {
            return fail(t, a); /* I1, I2 */
        }
        if (off == r->span) {
            return th_kind(hd) == TH_KIND_END && th_bsize(hd) == 0u ? true : fail(t, a); /* I1 */
        }
        uint32_t size = th_bsize(hd);
        if (th_kind(hd) == TH_KIND_END || size < TH_MIN_BLOCK || size > r->span - off) {
            return fail(t, a); /* I1 */
        }
        bool is_slab = false;
        if ((hd & TH_USED) == 0u) {
            if (prev_free || *(const th_word *)(a + size - sizeof(th_word)) != size ||
                th_kind(hd) != TH_KIND_GEN) {
                return fail(t, a); /* I3, I4 */
            }
            t->free_bytes += size - TH_BLOCK_OVERHEAD;
            t->free_count++;
        } else if (th_kind(hd) == TH_KIND_GEN) {
            t->in_use += size - TH_BLOCK_OVERHEAD;
        } else if (th_kind(hd) == TH_KIND_SLAB) {
            uintptr_t page = a + sizeof(th_word);
            if ((page & (TH_PAGE - 1u)) != 0u || size < TH_PAGE ||
                size >= TH_PAGE + TH_MIN_BLOCK || !th_page_is_slab(r, page)) {
                return fail(t, a); /* I8 */
            }
#if TH_TINY
            if (!check_slab(h, (const th_slab *)page, t)) {
                return false;
            }
#else
            (void)h;
#endif
            is_slab = true;
        } else if ((h->pers_base != NULL) && ((a + sizeof(th_word)) == th_addr(h->pers_base))) {
            /* the current persistent chunk (I14): its size is pers_size */
            t->pers_seen = (th_bsize(hd) - TH_BLOCK_OVERHEAD) == h->pers_size;
        } else {
            /* a persistent object's own block, or a chunk no longer current */
        }
        /* I8 the other way: no page is marked that holds a payload byte of
         * the block but is not its slab's own: from the page of the first
         * payload byte (for a region's first block, a page that starts
         * below it), past a slab's own page (its tail can reach the next
         * one). Every page of the region is looked at so. The pages are
         * counted from p (below a + size, the next block's address, inside
         * the region), never stepped to: in a region that ends in the last
         * page of the address space, p + TH_PAGE past that page would wrap
         * to 0 and the walk would go on from there. */
        uintptr_t p = (a + sizeof(th_word)) & ~(uintptr_t)(TH_PAGE - 1u);
        for (uintptr_t pg = is_slab ? TH_PAGE : 0u; pg < (a + size) - p; pg += TH_PAGE) {
            if (th_page_is_slab(r, p + pg)) {
                return fail(t, p + pg);
            }
        }
        prev_free = (hd & TH_USED) == 0u;
        a += size;
    }
}

/* I5, I6: every list is well linked, holds free blocks of its class, and
 * the lists hold as many blocks as the walk found free (so all of them). */
static bool check_bins(const th_heap *h, tally *t)
{
    size_t listed = 0u;
    if ((h->bitmap[TH_NWORDS - 1u] & ~(uint32_t)TH_BITMAP_TOP_MASK) != 0u) {
        return fail(t, th_addr(&h->bitmap[TH_NWORDS - 1u])); /* I6: a bit past the last bin */
    }
    for (uint32_t i = 0; i < TH_BIN_COUNT; i++) {
        const th_block *prev = NULL;
        const th_block *b    = h->bins[i];
        if ((b != NULL) != (((h->bitmap[i / 32u] >> (i % 32u)) & 1u) != 0u)) {
            return fail(t, th_addr(&h->bins[i])); /* I6 */
        }
        while (b != NULL) {
            listed++;
            if (listed > t->free_count || !th_link_target_ok(h, th_addr(b)) ||
                !th_sealed(h, b, b->header) ||
                (b->header & TH_USED) != 0u || th_bin_of(th_bsize(b->header)) != i ||
                th_lk(b)->prev != prev) {
                return fail(t, th_addr(b)); /* I5 */
            }
            prev = b;
            b    = th_lk(b)->next;
        }
    }
    return listed == t->free_count ? true : fail(t, th_addr(h)); /* I5 */
}

#if TH_TINY
/* I12: the class lists of slabs. */
static bool check_tiny_lists(const th_heap *h, tally *t)
{
    for (uint32_t j = 0; j < 4u; j++) {
        size_t   n    = 0u;
        uint16_t prev = 0u;
        uint16_t id   = h->tiny_head[j];
        while (id != 0u) {
            const th_slab *s = th_slab_at(h, id);
            const th_region *r = th_region_of(h, th_addr(s));
            if (++n > t->slabs_in_class[j] || r == NULL || !th_page_is_slab(r, th_addr(s)) ||
                s->map[j] == 0u || s->prev[j] != prev) {
                return fail(t, th_addr(s)); /* I12 */
            }
            prev = id;
            id   = s->next[j];
        }
        if (n != t->slabs_in_class[j] || (((h->tiny_mask >> j) & 1u) != 0u) != (n != 0u)) {
            return fail(t, th_addr(h)); /* I12 */
        }
    }
    if ((h->tiny_mask & ~TH_TINY_CLASSES) != 0u) {
        return fail(t, th_addr(&h->tiny_mask)); /* I12: a bit past the four classes */
    }
    if (h->tiny_cur != NULL && (!t->cur_seen || h->tiny_cur_idx >= TH_SLAB_BLOCKS)) {
        return fail(t, th_addr(h->tiny_cur)); /* I13 */
    }
    return true;
}
#endif

/* Pages of region r that its page map covers, from page0 to the sentinel's
 * (th_get_stats counts every marked one). */
static size_t region_pages(const th_region *r)
{
    return ((r->first + r->span - r->page0) / TH_PAGE) + 1u;
}

/* I16: a region descriptor as region set-up makes it (th_region.c), so
 * that nothing below reads through a damaged one. Written so that no
 * bound can wrap. */
static bool region_ok(const th_heap *h, uint32_t i)
{
    const th_region *r        = &h->regions[i];
    uintptr_t        map      = th_addr(r->pagemap);
    uint32_t         max_span = ((uint32_t)1u << TH_MAX_BLOCK_LOG2) - TH_GRANULE;
    if (((r->page0 & (TH_PAGE - 1u)) != 0u) || ((map & 3u) != 0u) || ((r->first & 7u) != 4u) ||
        ((r->span & 7u) != 0u) || (r->span < TH_MIN_BLOCK) || (r->span > max_span) ||
        (map < r->page0) || ((map - r->page0) >= (TH_PAGE + 4u)) || (r->first < map) ||
        (r->first > (UINTPTR_MAX - sizeof(th_word))) ||
        (r->span > (UINTPTR_MAX - sizeof(th_word) - r->first))) {
        return false;
    }
    if ((r->first - map) < (((region_pages(r) + 31u) / 32u) * sizeof(uint32_t))) {
        return false; /* the map would run into the first block */
    }
    return (i != 0u) || (map >= (th_addr(h) + sizeof *h));
}

static bool check_all(const th_heap *h, tally *t)
{
    if ((h->nregions == 0u) || (h->nregions > (uint32_t)TH_MAX_REGIONS)) {
        return fail(t, th_addr(&h->nregions)); /* I16 */
    }
    for (uint32_t i = 0; i < h->nregions; i++) {
        if (!region_ok(h, i)) {
            return fail(t, th_addr(&h->regions[i])); /* I16 */
        }
    }
    for (uint32_t i = 0; i < h->nregions; i++) {
        if (!low_pages_clear(&h->regions[i], t) || !check_region(h, &h->regions[i], t)) {
            return false;
        }
    }
    if (!check_bins(h, t)) {
        return false;
    }
#if TH_TINY
    if (!check_tiny_lists(h, t)) {
        return false;
    }
#endif
    if (t->free_bytes != h->free_bytes) {
        return fail(t, th_addr(h)); /* I7 */
    }
    if (t->in_use != h->in_use) {
        return fail(t, th_addr(h)); /* I9 */
    }
    /* I14, from the walk alone: pers_base is never read through, so a
     * damaged one is reported, not followed. */
    if ((h->pers_base != NULL) && ((h->pers_off > h->pers_size) || !t->pers_seen)) {
        return fail(t, th_addr(h->pers_base));
    }
    if ((h->lock == NULL) != (h->unlock == NULL)) {
        return fail(t, th_addr(h)); /* I15 */
    }
    return true;
}

/* When the current tiny block's slab is all empty, the size of the slab
 * block, the size of the free block it would merge into if released, and
 * how many free neighbours it would absorb (see th_tiny_drop_cur). */
static size_t cur_slab_size(const th_heap *h, size_t *merged, size_t *neighbours)
{
    *merged     = 0u;
    *neighbours = 0u;
#if TH_TINY
    const th_slab  *s  = th_tiny_idle_slab(h);
    const th_block *sb = s != NULL ? th_at(th_addr(s) - sizeof(th_word)) : NULL;
    if (sb != NULL && th_sealed(h, sb, sb->header)) { /* damaged: not given back, not counted */
        const th_block *b    = sb;
        size_t          size = th_bsize(b->header);
        const th_block *n    = th_at(th_addr(b) + size);
        *merged              = size;
        if ((n->header & TH_USED) == 0u) {
            *merged += th_bsize(n->header);
            (*neighbours)++;
        }
        if ((b->header & TH_PREV_FREE) != 0u) {
            *merged += *(const th_word *)(th_addr(b) - sizeof(th_word));
            (*neighbours)++;
        }
        return size;
    }
#else
    (void)h;
#endif
    return 0u;
}

/* What an idle current slab adds to free_bytes (0 when there is none):
 * given back, its block would become free and merge with its free
 * neighbours, whose headers become payload; its free units are counted
 * already. *merged: the free block it would become part of. */
static size_t idle_credit(const th_heap *h, size_t *merged)
{
    size_t neighbours;
    size_t slab = cur_slab_size(h, merged, &neighbours);
    return slab != 0u ? slab + TH_BLOCK_OVERHEAD * neighbours - TH_BLOCK_OVERHEAD -
                            (size_t)TH_SLAB_BLOCKS * 16u
                      : 0u;
}

/* free_bytes as th_stats reports it, and the largest general request.
 * An all-empty slab held only by the current tiny block is given back when
 * an allocation needs it (th_tiny_drop_cur): report it as free, and the
 * block it would merge into as available. */
static size_t free_now(const th_heap *h, size_t *largest)
{
    size_t merged;
    size_t fb = h->free_bytes + idle_credit(h, &merged);
    *largest  = th_gen_largest(h);
    if (merged != 0u && merged - TH_BLOCK_OVERHEAD > *largest) {
        *largest = merged - TH_BLOCK_OVERHEAD;
    }
    return fb;
}

#if TH_TINY
/* th_note_use saw free_bytes pass below min_free: the mark takes the figure
 * th_stats would report now, idle slab included, so that it is never a
 * figure no th_stats could have shown (a general allocation while the
 * current tiny block's slab is idle lowers the counter, not that figure). */
void th_note_low(th_heap *h)
{
    size_t merged;
    size_t fb = h->free_bytes + idle_credit(h, &merged);
    if (fb < h->min_free) {
        h->min_free = fb;
    }
}
#endif

/* largest_free as th_stats reports it, from free_now's largest general
 * request: a tiny request may be larger (a 16-byte one with room in a slab
 * and no general block), and the largest block of a region of
 * 2^TH_MAX_BLOCK_LOG2 bytes holds a few bytes more than th_malloc accepts
 * as an argument. O(1). */
static size_t largest_request(const th_heap *h, size_t largest)
{
#if TH_TINY
    if (th_tiny_largest(h) > largest) {
        largest = th_tiny_largest(h);
    }
#else
    (void)h;
#endif
    return largest < TH_MAX_REQUEST ? largest : TH_MAX_REQUEST;
}

/* tiny_blocks and tiny_objects: O(n), counted over the slabs (keeping them
 * as counters would cost every tiny malloc and free two more updates). */
static void tiny_counts(const th_heap *h, th_stats *st)
{
#if TH_TINY
    for (uint32_t r = 0; r < h->nregions; r++) {
        const th_region *rg = &h->regions[r];
        size_t           npages = region_pages(rg);
        for (size_t pg = 0; pg < npages; pg++) {
            if (((rg->pagemap[pg / 32u] >> (pg % 32u)) & 1u) == 0u) {
                continue;
            }
            const th_slab *sl = (const th_slab *)(rg->page0 + pg * TH_PAGE);
            for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
                st->tiny_blocks += (sl->meta[i] & 15u) != 0u;
                st->tiny_objects += popcount((uint32_t)sl->meta[i] >> 4);
            }
        }
    }
#else
    (void)h;
    (void)st;
#endif
}

/* ==== Public implementation ================================================ */

bool th_check(const th_heap *h)
{
    if (!th_heap_ok(h)) {
        return false;
    }
    th_lock(h);
    tally t; /* zeroed by th_fill, not `= {0}`: GCC makes that a memset call */
    th_fill(&t, 0u, sizeof t);
    bool ok = check_all(h, &t);
    if (!ok) {
        th_report(h, TH_FAULT_CORRUPTION, (const void *)t.bad); /* lock held, as for any fault */
    }
    th_unlock(h);
    return ok;
}

/* Calls fn for every block of every region in address order, by the block
 * headers alone; stops a region's walk at a size that is 0 or runs past the
 * region (damage th_check reports), so it always ends. Lock held. */
static void walk_blocks(const th_heap *h, th_walk_fn fn, void *user)
{
    static const char kinds[4] = {'g', 't', 'p', 'e'};
    for (uint32_t i = 0; i < h->nregions; i++) {
        const th_region *r   = &h->regions[i];
        uint32_t         off = 0u;
        while (off < r->span) {
            const th_block *b    = th_at(r->first + off);
            uint32_t        size = th_bsize(b->header);
            if (size == 0u || size > r->span - off) {
                break; /* corrupted: th_check says where */
            }
            char k = kinds[th_kind(b->header)];
            if ((b->header & TH_USED) == 0u) {
                k = 'f';
            }
            fn(user, k, b, size);
            off += size;
        }
    }
}

/* th_get_stats' O(n) free-block fields, one block at a time. */
static void tally_free(void *user, char kind, const void *addr, size_t size)
{
    th_stats *s = (th_stats *)user;
    (void)addr;
    if (kind == 'f') {
        s->free_blocks++;
        s->smallest_free      = size < s->smallest_free ? size : s->smallest_free;
        s->largest_free_block = size > s->largest_free_block ? size : s->largest_free_block;
    }
}

/* th_get_stats' work, into *s (zeroed first; left so for a bad handle). */
static void stats_into(const th_heap *h, th_stats *s)
{
    th_fill(s, 0u, sizeof *s); /* not `= {0}`: no memset call (linktest) */
    if (!th_heap_ok(h)) {
        return;
    }
    th_lock(h);
    size_t largest;
    size_t fb = free_now(h, &largest);
    s->capacity         = h->capacity;
    s->free_bytes       = fb;
    s->min_free_bytes   = h->min_free < fb ? h->min_free : fb;
    s->largest_free     = largest_request(h, largest);
    s->in_use           = h->in_use;
    s->peak_in_use      = h->peak_in_use;
    s->persistent_bytes = h->persistent_bytes;
    s->allocs           = h->allocs;
    s->frees            = h->frees;
    s->failed           = h->failed;
    for (uint32_t k = 0; k < (uint32_t)TH_FAULT_COUNT; k++) {
        s->faults[k] = h->faults[k];
    }
    s->regions = h->nregions;
    tiny_counts(h, s);
    s->smallest_free = SIZE_MAX;
    /* By the block headers in address order, not by the free lists: a
     * damaged link (a write after free) cannot send the walk astray or
     * around a cycle, and the walk ends within each region's span. */
    walk_blocks(h, tally_free, s);
    th_unlock(h);
}

_Static_assert((int)TH_FAULT_COUNT == 4, "th_get_stats returns faults[] element by element");

th_stats th_get_stats(const th_heap *h)
{
    th_stats p;
    stats_into(h, &p);
    /* Returned field by field: `return p;` would be a struct copy, which
     * GCC makes a call to memcpy, and the core links with no C library. */
    return (th_stats){
        .capacity           = p.capacity,
        .free_bytes         = p.free_bytes,
        .min_free_bytes     = p.min_free_bytes,
        .largest_free       = p.largest_free,
        .in_use             = p.in_use,
        .peak_in_use        = p.peak_in_use,
        .persistent_bytes   = p.persistent_bytes,
        .tiny_blocks        = p.tiny_blocks,
        .tiny_objects       = p.tiny_objects,
        .allocs             = p.allocs,
        .frees              = p.frees,
        .failed             = p.failed,
        .faults             = {p.faults[0], p.faults[1], p.faults[2], p.faults[3]},
        .free_blocks        = p.free_blocks,
        .smallest_free      = p.smallest_free,
        .largest_free_block = p.largest_free_block,
        .regions            = p.regions,
    };
}

/* The O(1) free-space figures of th_stats (free_bytes, min_free_bytes,
 * largest_free), under the lock; all 0 for a bad handle. */
typedef struct free_marks_t {
    size_t now;
    size_t low;
    size_t largest;
} free_marks_t;

static free_marks_t free_marks(const th_heap *h)
{
    free_marks_t m = {0u, 0u, 0u};
    if (!th_heap_ok(h)) {
        return m;
    }
    th_lock(h);
    size_t largest;
    m.now     = free_now(h, &largest);
    m.low     = h->min_free < m.now ? h->min_free : m.now;
    m.largest = largest_request(h, largest);
    th_unlock(h);
    return m;
}

size_t th_free_bytes(const th_heap *h) { return free_marks(h).now; }

size_t th_min_free_bytes(const th_heap *h) { return free_marks(h).low; }

size_t th_largest_free(const th_heap *h) { return free_marks(h).largest; }

void th_reset_min_free(th_heap *h)
{
    if (!th_heap_ok(h)) {
        return;
    }
    size_t largest;
    th_lock(h);
    h->min_free = free_now(h, &largest);
    th_unlock(h);
}

void th_walk(const th_heap *h, th_walk_fn fn, void *user)
{
    if (!th_heap_ok(h)) {
        return;
    }
    th_lock(h);
    if (fn == NULL) {
        /* Reported on this heap, lock held, but not counted: th_walk, like
         * th_check, never writes the heap. */
        th_report(h, TH_FAULT_BAD_ARGUMENT, NULL);
    } else {
        walk_blocks(h, fn, user);
    }
    th_unlock(h);
}
