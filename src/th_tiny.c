/* SPDX-License-Identifier: MIT */
/*
 * th_tiny.c: the tiny allocator, for requests of 1..15 bytes (and of 16,
 * one per block, with TH_TINY_MAX 16).
 *
 * From the Go runtime's tiny allocator (runtime/malloc.go): objects are packed
 * several to a 16-byte block, and the allocator keeps a *current block* that
 * serves requests until it cannot, after which a block with room replaces it
 * only when that block has more room left than the current one. Go frees a
 * whole block by garbage collection; C frees objects one at a time, so each
 * block records which 4-byte units are used (U) and where each live object
 * starts (S), in one byte per block. That byte makes th_free O(1), tells a
 * live object start from an interior pointer or a freed one, and lets freed
 * room inside a block that is still partly used be reused: blocks are kept
 * by class (the largest request they can take), so a request never searches.
 *
 * The two traps of the seed:
 * - "Nothing current" (tiny_cur == NULL) is a real state, tested on every
 *   path: the first allocation, and after th_tiny_drop_cur.
 * - The current block holds a reference of its own: when its last object
 *   dies its slab is not released while the cursor points into it (I13).
 *
 * Layout, classes and invariants: th_internal.h ("Tiny slabs", I10..I13).
 */
#include "th_internal.h"

#if TH_TINY

/* ==== Configuration ========================================================= */

#define BLOCK_BYTES 448u /* TH_SLAB_BLOCKS tiny blocks of 16 bytes */
_Static_assert(BLOCK_BYTES == TH_SLAB_BLOCKS * 16u, "slab geometry");

/* ==== Internal definitions ================================================= */

/* First unit at which k free units start in a block whose used-unit mask is
 * U, or 4 when they do not fit: FIT[k - 1][U]. k = 1 takes any unit
 * (4-aligned); k = 2 and 4 take even units (8-aligned); k = 3 takes even
 * units under C17 (9..12 bytes need 8) and any unit under the Go rule (no
 * size of 9..12 bytes is a multiple of 8). A table because it is on every
 * tiny allocation: one load instead of a loop. th_tiny_classes below is
 * derived from the same rules. */
static const uint8_t FIT[4][16] = {
    {0, 1, 0, 2, 0, 1, 0, 3, 0, 1, 0, 2, 0, 1, 0, 4},
    {0, 2, 2, 2, 0, 4, 4, 4, 0, 4, 4, 4, 0, 4, 4, 4},
#if TH_TINY_ALIGN_GO
    {0, 1, 4, 4, 4, 4, 4, 4, 0, 4, 4, 4, 4, 4, 4, 4},
#else
    {0, 4, 4, 4, 4, 4, 4, 4, 0, 4, 4, 4, 4, 4, 4, 4},
#endif
    {0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4},
};

/* Class of a block by U: the largest k with FIT[k - 1][U] != 4 (0: full). */
const uint8_t th_tiny_classes[16] = {
#if TH_TINY_ALIGN_GO
    4, 3, 2, 2, 2, 1, 1, 1, 3, 1, 1, 1, 2, 1, 1, 0,
#else
    4, 2, 2, 2, 2, 1, 1, 1, 3, 1, 1, 1, 2, 1, 1, 0,
#endif
};

/* Units of the live object that starts at `unit`: 1 plus the run of
 * continuation units (used, not a start) right above it. */
TH_INLINE uint32_t th_tiny_len(uint32_t meta, uint32_t unit)
{
    uint32_t cont = meta & ~(meta >> 4) & 15u;
    return 1u + TH_CTZ(~(cont >> (unit + 1u)));
}

/* Slab links are page numbers + 1 relative to tiny_base (0: none). */
static uint16_t slab_id(const th_heap *h, const th_slab *s)
{
    return (uint16_t)((th_addr(s) - h->tiny_base) / TH_PAGE + 1u);
}

th_slab *th_slab_at(const th_heap *h, uint16_t id)
{
    return (th_slab *)(h->tiny_base + ((uintptr_t)id - 1u) * TH_PAGE);
}

static void list_push(th_heap *h, th_slab *s, uint32_t j)
{
    uint16_t head = h->tiny_head[j];
    uint16_t id   = slab_id(h, s);
    s->next[j]    = head;
    s->prev[j]    = 0u;
    if (head != 0u) {
        th_slab_at(h, head)->prev[j] = id;
    }
    h->tiny_head[j] = id;
    h->tiny_mask    = (uint8_t)(h->tiny_mask | (1u << j)); /* restores I12 */
}

static void list_remove(th_heap *h, th_slab *s, uint32_t j)
{
    uint16_t n = s->next[j];
    uint16_t p = s->prev[j];
    if (p != 0u) {
        th_slab_at(h, p)->next[j] = n;
    } else {
        h->tiny_head[j] = n;
        if (n == 0u) {
            h->tiny_mask = (uint8_t)(h->tiny_mask & ~(1u << j)); /* restores I12 */
        }
    }
    if (n != 0u) {
        th_slab_at(h, n)->prev[j] = p;
    }
}

/* TH_HARDEN: is slab id `id` (0: none) a page the page map marks as a slab? */
static bool slab_id_ok(const th_heap *h, uint16_t id)
{
    if (id == 0u) {
        return true;
    }
    uintptr_t        a = h->tiny_base + ((uintptr_t)id - 1u) * TH_PAGE;
    const th_region *r = th_region_of(h, a);
    return r != NULL && th_page_is_slab(r, a);
}

/* TH_HARDEN: do the links of every class list s is on name slabs that link
 * back to it (or the list head, for the first)? Checked before a tiny free
 * or allocation changes anything, so a damaged link is reported, never
 * followed (reclass may write through any of them). */
static bool links_ok(const th_heap *h, const th_slab *s)
{
#if TH_HARDEN
    uint16_t me = slab_id(h, s);
    for (uint32_t j = 0; j < 4u; j++) { /* loop bound: 4u */
        if (s->map[j] == 0u) {
            continue; /* not on list j: its links are stale and unused */
        }
        uint16_t n = s->next[j];
        uint16_t p = s->prev[j];
        if (!slab_id_ok(h, n) || !slab_id_ok(h, p) ||
            (n != 0u && th_slab_at(h, n)->prev[j] != me) ||
            (p != 0u ? th_slab_at(h, p)->next[j] != me : h->tiny_head[j] != me)) {
            return false;
        }
    }
#else
    (void)h;
    (void)s;
#endif
    return true;
}

/* Files block i of s under class c (1..4): restores I11, I12. */
TH_INLINE void file_block(th_heap *h, th_slab *s, uint32_t i, uint32_t c)
{
    uint32_t *mp = &s->map[c - 1u];
    if (*mp == 0u) {
        list_push(h, s, c - 1u);
    }
    *mp |= 1u << i;
}

/* Moves block i of s from class co to class cn != co (restores I11, I12). */
TH_HOT void reclass(th_heap *h, th_slab *s, uint32_t i, uint32_t co, uint32_t cn)
{
    if (co != 0u) {
        s->map[co - 1u] &= ~(1u << i);
        if (s->map[co - 1u] == 0u) {
            list_remove(h, s, co - 1u);
        }
    }
    if (cn != 0u) {
        file_block(h, s, i, cn);
    }
}

/* A new slab: a 512-byte general block whose payload is a page. */
TH_COLD th_slab *slab_new(th_heap *h)
{
    th_block *b = th_gen_alloc(h, NULL, TH_PAGE, TH_PAGE, TH_KIND_SLAB);
    if (b == NULL) {
        return NULL;
    }
    uintptr_t page = th_addr(b) + sizeof(th_word);
    if (page < h->tiny_base || (page - h->tiny_base) / TH_PAGE >= 0xFFFFu) {
        (void)th_gen_release(h, b); /* beyond the reach of 16-bit links */
        return NULL;
    }
    th_slab         *s = (th_slab *)page;
    const th_region *r = th_region_of_inline(h, page);
    if (r == NULL) {
        /* Only when damaged list links (I5) handed out a block outside every
         * region; TH_CHECK_LINKS refuses such a block before it is carved
         * (free_block_ok). Reported; the block stays carved off its list:
         * giving it back would merge it with whatever lies around it. */
        th_raise(h, TH_FAULT_CORRUPTION, b);
        return NULL;
    }
    th_page_mark(r, page, true);
    /* meta[] starts at a word boundary (page + 448): seven word stores, not
     * 28 byte stores, on the longest path of th_malloc. */
    uint32_t *meta = (uint32_t *)(uintptr_t)s->meta;
    for (uint32_t w = 0; w < TH_SLAB_BLOCKS / 4u; w++) { /* loop bound: TH_SLAB_BLOCKS / 4u */
        meta[w] = 0u;
    }
    s->map[0] = 0u;
    s->map[1] = 0u;
    s->map[2] = 0u;
    s->map[3] = TH_SLAB_FULLMAP & ~1u; /* block 0 is checked out for the caller */
    list_push(h, s, 3u);
    h->free_bytes += BLOCK_BYTES;
#if TH_FILL
    th_fill(s->blocks, (uint8_t)TH_FILL_FREED_BYTE, BLOCK_BYTES);
#endif
    return s;
}

/* Gives slab s of region r (all empty, on the list of empty blocks) back
 * to the general heap; returns the free block it became part of. */
static th_block *slab_release(th_heap *h, const th_region *r, th_slab *s)
{
    list_remove(h, s, 3u);
    th_page_mark(r, th_addr(s), false);
    h->free_bytes -= BLOCK_BYTES;
    return th_gen_release(h, th_at(th_addr(s) - sizeof(th_word)));
}

TH_INLINE bool is_cur(const th_heap *h, const th_slab *s, uint32_t i)
{
    return s == h->tiny_cur && i == h->tiny_cur_idx;
}

/* The slab's own header (the last word of the page below, where an
 * overflow of the general block below lands). Releasing the slab reads its
 * size, so it is checked there always; TH_HARDEN checks it on every free. */
static bool slab_header_ok(th_heap *h, const th_slab *s)
{
    const th_block *sb = th_at(th_addr(s) - sizeof(th_word));
    if (!th_sealed(h, sb, sb->header) || th_kind(sb->header) != TH_KIND_SLAB) {
        th_raise(h, TH_FAULT_CORRUPTION, sb);
        return false;
    }
    return true;
}

/* Slab s of region r is filed as all empty (its class map says so) and is
 * about to be given back. The map is only a claim, and the slab's memory is
 * about to be handed to others: the slab's own header and the neighbours it
 * will merge with must pass the checks a general free makes of them
 * (th_gen_block_of), and the tiny cursor must be in it only when it is the
 * idle current slab (I13). Checked before anything changes; false after
 * raising the fault. */
static bool release_ok(th_heap *h, const th_region *r, const th_slab *s, bool idle_cur)
{
    if (!slab_header_ok(h, s)) {
        return false; /* released, it would be merged by a bad size */
    }
    if ((h->tiny_cur == s) != idle_cur) {
        th_raise(h, TH_FAULT_CORRUPTION, s); /* the map filed the current block */
        return false;
    }
    /* r is never NULL for a slab of this heap (I8); checked all the same.
     * The slab's header passed above, so what block_of can still refuse is
     * its size or a neighbour (TH_FAULT_CORRUPTION). */
    return r != NULL && th_gen_block_of(h, r, s, TH_KIND_SLAB) != NULL;
}

/* Is every block of s empty (every bookkeeping byte 0: I10)? The other half
 * of the map's claim, read from the bookkeeping itself: seven words. */
TH_COLD bool slab_idle(const th_slab *s)
{
    const uint32_t *m = (const uint32_t *)(uintptr_t)s->meta;
    _Static_assert(TH_SLAB_BLOCKS / 4u == 7u, "seven bookkeeping words");
    return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5] | m[6]) == 0u; /* no loop: on free's longest path */
}

/* Where a tiny object is: filled in by locate. */
typedef struct tiny_loc {
    uint32_t i;   /* block index in the slab */
    uint32_t un;  /* first unit of the object */
    uint32_t m;   /* the block's bookkeeping byte (U | S << 4) */
    uint32_t len; /* units of the object */
    uint32_t c;   /* the block's class; 0 when full or current */
    bool     cur; /* the block is the current block */
} tiny_loc;

/* Validates pointer a into slab s and says where the object is; false
 * after raising the fault that says why. Inline with TH_FAST_PATHS, so the
 * fields stay in registers on the free path.
 *
 * Always checked: the pointer is an object start (double free and interior
 * pointers told apart), S within U (I10), and a block that has a class is
 * filed under it (I11): reclass edits that map and the slab's list, so a
 * lie there would be followed. TH_HARDEN adds that a full or current block
 * is filed nowhere, the slab's header, its list links, and the rest of I10:
 * every used unit that starts no object continues the one below it (a
 * cleared used bit inside a live object would otherwise make this free
 * release only the object's first units and strand the rest). */
TH_HOT bool locate(th_heap *h, const th_slab *s, uintptr_t a, tiny_loc *l)
{
    uintptr_t off = a - th_addr(s);
    if (TH_UNLIKELY(off >= BLOCK_BYTES || (off & 3u) != 0u)) {
        th_raise(h, TH_FAULT_BAD_POINTER, th_at(a)); /* bookkeeping or misaligned */
        return false;
    }
    uint32_t i  = (uint32_t)(off / 16u);
    uint32_t un = (uint32_t)(off / 4u) & 3u;
    uint32_t m  = s->meta[i];
    uint32_t u  = m & 15u;
    uint32_t st = m >> 4;
    bool     cu = is_cur(h, s, i);
    uint32_t c  = cu ? 0u : th_tiny_class(u);
    bool     ok = (st & ~u) == 0u && (c == 0u || ((s->map[c - 1u] >> i) & 1u) != 0u);
#if TH_HARDEN
    if (!slab_header_ok(h, s)) {
        return false; /* reported */
    }
    uint32_t in = (s->map[0] | s->map[1] | s->map[2] | s->map[3]) >> i & 1u;
    ok          = ok && (c != 0u || in == 0u) && th_tiny_runs_ok(u, st) && links_ok(h, s);
#endif
    if (TH_UNLIKELY(!ok)) {
        th_raise(h, TH_FAULT_CORRUPTION, th_at(a));
        return false;
    }
    if (TH_UNLIKELY(((st >> un) & 1u) == 0u)) {
        /* No history per unit: free room reads as freed, used room as interior. */
        th_raise(h, ((u >> un) & 1u) != 0u ? TH_FAULT_BAD_POINTER : TH_FAULT_DOUBLE_FREE,
                 th_at(a));
        return false;
    }
    l->i   = i;
    l->un  = un;
    l->m   = m;
    l->len = th_tiny_len(m, un);
    l->c   = c;
    l->cur = cu;
    return true;
}

/* Puts a k-unit object at unit pos of block i (room checked by the caller).
 * Most of th_malloc's fast path: inline with TH_FAST_PATHS. */
TH_HOT void *place(th_heap *h, th_slab *s, uint32_t i, uint32_t pos, uint32_t k)
{
    void    *p     = &s->blocks[i][(size_t)pos * 4u];
    size_t   bytes = (size_t)k * 4u;
    uint32_t m     = s->meta[i];
    s->meta[i]     = (uint8_t)(m | (((1u << k) - 1u) << pos) | (1u << (4u + pos)));
    h->free_bytes -= bytes;
    h->in_use += bytes;
    h->allocs++;
    th_note_use_tiny(h);
#if TH_FILL
    th_fill(p, (uint8_t)TH_FILL_FRESH_BYTE, bytes);
#endif
    TH_TRACE_ALLOC(h, p, bytes);
    return p;
}

#if TH_FILL
/* TH_FILL: do the n bytes at p still carry the freed pattern? If not, the
 * write after free is reported at `at`. */
static bool freed_intact(th_heap *h, const void *p, size_t n, const void *at)
{
    bool ok = th_filled(p, (uint8_t)TH_FILL_FREED_BYTE, n);
    if (!ok) {
        th_raise(h, TH_FAULT_CORRUPTION, at); /* written after it was freed */
    }
    return ok;
}
#endif

/* TH_FILL: the units about to be handed out still carry the freed pattern. */
static bool units_intact(th_heap *h, const th_slab *s, uint32_t i, uint32_t pos, uint32_t k)
{
#if TH_FILL
    const uint8_t *p = &s->blocks[i][(size_t)pos * 4u];
    return freed_intact(h, p, (size_t)k * 4u, p);
#else
    (void)h;
    (void)s;
    (void)i;
    (void)pos;
    (void)k;
    return true;
#endif
}

/* The slow path: the current block (cur, class cc; cur NULL: none) cannot
 * take k units. Take the head slab of the lowest class that fits, or a new
 * slab, and its first block of that class. */
static void *alloc_other(th_heap *h, uint32_t k, th_slab *cur, uint32_t cc)
{
    th_slab *s;
    uint32_t i;
    uint32_t u;
    uint32_t pos;
    /* Only the four class bits: a stray bit above them (I12, which th_check
     * reports) must not index past tiny_head[] and map[]. */
    uint32_t m = ((uint32_t)h->tiny_mask & TH_TINY_CLASSES) >> (k - 1u);
    if (TH_LIKELY(m != 0u)) {
        uint32_t j = k - 1u + TH_CTZ(m);
        if (TH_HARDEN && !slab_id_ok(h, h->tiny_head[j])) {
            th_raise(h, TH_FAULT_CORRUPTION, &h->tiny_head[j]);
            return NULL;
        }
        s             = th_slab_at(h, h->tiny_head[j]);
        uint32_t bits = s->map[j];
        /* Empty, or a bit past the last block (it would index past
         * blocks[]): I11, I12. */
        if (bits == 0u || (bits >> TH_SLAB_BLOCKS) != 0u || !links_ok(h, s) ||
            (cur != NULL && !links_ok(h, cur))) {
            th_raise(h, TH_FAULT_CORRUPTION, s); /* I11, I12 */
            return NULL;
        }
        i              = TH_CTZ(bits);
        uint32_t meta  = s->meta[i];
        u              = meta & 15u;
        if (th_tiny_class(u) != j + 1u || ((meta >> 4) & ~u) != 0u) {
            th_raise(h, TH_FAULT_CORRUPTION, s->blocks[i]); /* I10, I11: filed under a class it is not */
            return NULL;
        }
        pos = FIT[k - 1u][u];
        if (!units_intact(h, s, i, pos, k)) {
            return NULL;
        }
        /* Checked out of its class (the lowest set bit of bits is i). */
        bits &= bits - 1u;
        s->map[j] = bits;
        if (bits == 0u) {
            list_remove(h, s, j);
        }
    } else {
        s = slab_new(h);
        if (s == NULL) {
            return NULL; /* the caller serves it from the general allocator */
        }
        i   = 0u; /* checked out by slab_new */
        u   = 0u;
        pos = 0u; /* an empty block takes any object at unit 0 */
    }
    uint32_t cn = th_tiny_class(u | (((1u << k) - 1u) << pos));
    if (cur == NULL || cn > cc) {
        /* Seed rule: the block with more room left becomes current; the
         * old current block is filed under its class. */
        if (cur != NULL && cc != 0u) {
            file_block(h, cur, h->tiny_cur_idx, cc);
        }
        h->tiny_cur     = s;
        h->tiny_cur_idx = (uint8_t)i;
    } else if (cn != 0u) {
        file_block(h, s, i, cn);
    } else {
        /* block i stays out of the class lists: the object fills its last room */
    }
    return place(h, s, i, pos, k);
}

/* ==== Internal interface =================================================== */

/* The fast path is Go's: the current block takes the object if it has room.
 * The current block is in no class map (checked out, like Go's), so nothing
 * but its bookkeeping byte changes. */
void *th_tiny_alloc(th_heap *h, size_t size)
{
    uint32_t k = (uint32_t)(size + 3u) / 4u;
    th_slab *s = h->tiny_cur;
    uint32_t u = 0u;
    if (TH_LIKELY(s != NULL)) {
        uint32_t i   = h->tiny_cur_idx;
        u            = s->meta[i] & 15u;
        uint32_t pos = FIT[k - 1u][u];
        if (TH_LIKELY(pos != 4u)) {
            return units_intact(h, s, i, pos, k) ? place(h, s, i, pos, k) : NULL;
        }
    }
    return alloc_other(h, k, s, th_tiny_class(u));
}

/* The free of a tiny object of `bytes` bytes at a, its bookkeeping already
 * updated: the freed pattern, the trace and the counters. */
TH_INLINE void count_tiny_free(th_heap *h, uintptr_t a, size_t bytes)
{
    (void)a; /* used by the trace hook and the fill only */
    TH_TRACE_FREE(h, (void *)a, bytes); /* before the freed pattern: the hook sees the data */
#if TH_FILL
    th_fill(th_at(a), (uint8_t)TH_FILL_FREED_BYTE, bytes);
#endif
    h->free_bytes += bytes;
    h->in_use -= bytes;
    h->frees++;
}

/* Is the object located in l (its block keeping nu units when it goes) the
 * last one of slab s, so that its free gives the slab back? Not when its
 * block keeps others, or is the current block (I13). */
TH_INLINE bool is_last(const th_slab *s, const tiny_loc *l, uint32_t nu)
{
    return nu == 0u && !l->cur && (s->map[3] | (1u << l->i)) == TH_SLAB_FULLMAP;
}

/* TH_FILL: the blocks of slab s, about to go back to the heap, carry the
 * freed pattern, but for [a, a + n) (the object whose free gives the slab
 * back; n == 0: none). Giving the slab back fills it again, which would
 * erase a write after free into any of its objects: it is looked for
 * first (448 bytes, debug builds only). Always true without TH_FILL. */
static bool slab_blocks_intact(th_heap *h, const th_slab *s, uintptr_t a, size_t n)
{
#if TH_FILL
    uintptr_t b = th_addr(s->blocks);
    return (n == 0u) ? freed_intact(h, s->blocks, BLOCK_BYTES, s)
                     : (freed_intact(h, s->blocks, a - b, s) &&
                        freed_intact(h, th_at(a + n), BLOCK_BYTES - (a - b) - n, s));
#else
    (void)h;
    (void)s;
    (void)a;
    (void)n;
    return true;
#endif
}

/* The checks only the free of a slab's last object makes (the object at a,
 * in block i with bookkeeping byte m): the slab's release (release_ok), its
 * bookkeeping (every other block empty) and, with TH_FILL, the freed
 * pattern of its other units. Nothing changed when false (the fault
 * raised). */
TH_INLINE bool last_free_ok(th_heap *h, const th_region *r, th_slab *s, uintptr_t a, uint32_t i,
                            uint32_t m)
{
    bool ok = release_ok(h, r, s, false); /* reported when false */
    if (ok) {
        s->meta[i] = 0u; /* as the free leaves it */
        ok         = slab_idle(s);
        s->meta[i] = (uint8_t)m; /* undone before any fault: the handler sees the heap as it was */
        if (!ok) {
            th_raise(h, TH_FAULT_CORRUPTION, s); /* the map called a block with a live object empty */
        } else {
            ok = slab_blocks_intact(h, s, a, (size_t)th_tiny_len(m, (uint32_t)(a / 4u) & 3u) * 4u);
        }
    }
    return ok;
}

/* th_tiny_free of the last object of its slab, at a (region r), located
 * and validated by th_tiny_free: the slab goes back to the heap. Off the
 * common path, where its checks would cost every free registers and
 * instructions; its arguments fit in registers, so the call is a tail call
 * and its frame does not stack on th_tiny_free's (make stack). The object
 * is its block's only one, so the block's bookkeeping byte says all the
 * rest. */
TH_COLD void free_last(th_heap *h, const th_region *r, uintptr_t a)
{
    th_slab *s = (th_slab *)(a & ~(uintptr_t)(TH_PAGE - 1u));
    uint32_t i = (uint32_t)(a - th_addr(s)) / 16u;
    uint32_t m = s->meta[i];
    if (!last_free_ok(h, r, s, a, i, m)) {
        return; /* reported; nothing changed */
    }
    s->meta[i] = 0u; /* its last object, and the slab's */
    count_tiny_free(h, a, (size_t)th_tiny_len(m, (uint32_t)(a / 4u) & 3u) * 4u);
    /* The block leaves its class; filing it as empty would change no list
     * (the slab is on that one for its other blocks), and slab_release
     * takes the slab off it. */
    reclass(h, s, i, th_tiny_class(m), 0u);
    (void)slab_release(h, r, s); /* the block it merged into: not needed here */
}

void th_tiny_free(th_heap *h, const th_region *r, th_slab *s, uintptr_t a)
{
    tiny_loc l;
    if (!locate(h, s, a, &l)) {
        return;
    }
    uint32_t nu = l.m & 15u & ~(((1u << l.len) - 1u) << l.un);
    if (TH_UNLIKELY(nu == 0u && !l.cur && (s->map[3] | (1u << l.i)) == TH_SLAB_FULLMAP)) {
        free_last(h, r, a); /* the slab's last object (is_last) */
        return;
    }
    s->meta[l.i] = (uint8_t)(nu | ((l.m & 0xF0u) & ~(1u << (4u + l.un))));
    count_tiny_free(h, a, (size_t)l.len * 4u);
    if (l.cur) {
        return; /* checked out: in no class map, and it keeps its slab (I13) */
    }
    uint32_t cn = th_tiny_class(nu);
    if (l.c != cn) {
        reclass(h, s, l.i, l.c, cn);
    }
}

/* th_realloc's look at tiny object a of slab s (region r): its usable
 * size, or 0 after a reported fault. When `size` does not fit (a move), the
 * free that ends the move must go through too: once the object is located,
 * only the free of a slab's last object can still be refused (free_last),
 * and by then a new block would have been handed out. So those checks are
 * made here, before anything changes. */
size_t th_tiny_realloc_size(th_heap *h, const th_region *r, th_slab *s, uintptr_t a, size_t size)
{
    tiny_loc l;
    if (!locate(h, s, a, &l)) {
        return 0u; /* reported */
    }
    size_t   old = (size_t)l.len * 4u;
    uint32_t nu  = l.m & 15u & ~(((1u << l.len) - 1u) << l.un);
    if (!th_tiny_stays(a, size, old) && is_last(s, &l, nu) && !last_free_ok(h, r, s, a, l.i, l.m)) {
        return 0u; /* the free after the move would be refused: reported */
    }
    return old;
}

/* Not th_tiny_realloc_size(..., 0): that shares locate but would add the
 * last-object checks to th_usable_size's bound (make bound: 197 -> 346). */
size_t th_tiny_usable(th_heap *h, const th_slab *s, uintptr_t a)
{
    tiny_loc l;
    return locate(h, s, a, &l) ? (size_t)l.len * 4u : 0u;
}
/* Largest request the tiny blocks can serve now without a new slab. */
size_t th_tiny_largest(const th_heap *h)
{
    uint32_t mask = (uint32_t)h->tiny_mask & TH_TINY_CLASSES; /* as alloc_other */
    uint32_t c    = mask != 0u ? 32u - TH_CLZ(mask) : 0u;
    if (h->tiny_cur != NULL) {
        uint32_t cc = th_tiny_class(h->tiny_cur->meta[h->tiny_cur_idx] & 15u);
        c           = cc > c ? cc : c;
    }
    return c == 4u ? (size_t)TH_TINY_MAX : (size_t)4u * c;
}

/* The current block's slab when every block in it is empty (the only slab
 * I13 lets live so), else NULL. */
const th_slab *th_tiny_idle_slab(const th_heap *h)
{
    const th_slab *s = h->tiny_cur;
    if (s == NULL || (s->meta[h->tiny_cur_idx] & 15u) != 0u ||
        (s->map[3] | (1u << h->tiny_cur_idx)) != TH_SLAB_FULLMAP) {
        return NULL;
    }
    return s;
}

/* Gives back the idle slab of th_tiny_idle_slab; the tiny allocator is then
 * back to "nothing current" (seed trap 1). Returns the free block the slab
 * became part of, or NULL when there was none to give back or a check
 * refused it (reported; the slab stays). `want`: the bytes the caller will
 * carve from the bottom of that block (TH_FILL checks the free ones first). */
th_block *th_tiny_drop_cur(th_heap *h, uint32_t want)
{
    /* Deviation: th_tiny_idle_slab takes a const heap so that th_check and
     * th_get_stats can ask it too; here the heap is ours to change. */
    th_slab *s = (th_slab *)(uintptr_t)th_tiny_idle_slab(h);
    if (s == NULL) {
        return NULL;
    }
    if (!links_ok(h, s)) {
        th_raise(h, TH_FAULT_CORRUPTION, s); /* list_remove would write through them */
        return NULL;
    }
    if (!slab_idle(s)) {
        th_raise(h, TH_FAULT_CORRUPTION, s); /* the map called a used block empty */
        return NULL;
    }
    const th_region *r = th_region_of(h, th_addr(s));
    if (!release_ok(h, r, s, true)) {
        return NULL; /* reported */
    }
#if TH_FILL
    if (!slab_blocks_intact(h, s, 0u, 0u) ||
        !th_gen_merge_intact(h, r, th_at(th_addr(s) - sizeof(th_word)), want)) {
        return NULL; /* reported: the slab stays */
    }
#else
    (void)want;
#endif
    h->tiny_cur = NULL; /* the current block is in no class map: nothing to unfile */
    return slab_release(h, r, s);
}

#endif /* TH_TINY */
