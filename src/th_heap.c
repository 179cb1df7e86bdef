/* SPDX-License-Identifier: MIT */
/*
 * th_heap.c: the general allocator.
 *
 * ALGORITHM
 *
 * Every request that is not tiny becomes a block of round8(size + 4) bytes
 * (at least TH_MIN_BLOCK): a 4-byte sealed header followed by an 8-aligned
 * payload. Free blocks carry two list links and a footer; used blocks carry
 * only the header, so the overhead of a live block is 4 bytes plus rounding.
 *
 * Free blocks sit on segregated lists ("bins"), one per size class: eight
 * exact classes below 64 bytes, then four classes per power of two (the
 * two-level scheme of TLSF, flattened into one index). A bitmap of non-empty
 * bins makes the search a handful of bit operations:
 *
 *   1. Look at the head of the request's own bin. Its blocks range over the
 *      class, so the head is taken only if it is large enough (good fit).
 *   2. Otherwise take the head of the next non-empty bin above: every block
 *      there is larger than the request, so no list is ever walked.
 *   3. Split the block when the rest can hold a minimal block, taking the
 *      request from its top: the rest keeps the block's header, and its
 *      place in its list whenever its size class does not change, so most
 *      splits touch no list at all. Everything else (tiny slabs,
 *      persistent chunks, aligned blocks, a tiny request no slab could be
 *      had for, and a request served after the idle slab was given back) is
 *      carved from the bottom of the block it finds, so long-lived metadata
 *      gathers low and the churn of malloc/free high, and one carving path
 *      serves all of them.
 *
 * Freeing coalesces immediately with both neighbours: the block above is
 * found from the size in our own header, the block below from its footer,
 * announced by our PREV_FREE bit. No two free blocks are ever adjacent.
 * When the block below absorbs us without leaving its size class, it keeps
 * its place in its list (the mirror of step 3), and the header we leave
 * buried inside it is marked freed so a second free is refused.
 *
 * WORST-CASE BOUND
 *
 * No loop depends on the number of blocks or the heap size: malloc reads at
 * most TH_NWORDS (3 for the default 72 bins) bitmap words, unlinks one block
 * and links at most one; free unlinks at most two and links one. (The debug
 * fill patterns, TH_FILL, add O(size) of the block freed or handed out.)
 * `make bound` computes the bound in instructions per call from the linked
 * code (every loop above carries its trip count in a comment), and `make
 * bench` measures what real traces reach; both are in README.md. Aligned
 * allocation first looks where malloc's search looks and takes that block
 * if it holds the request with the gap its address needs (a freed aligned
 * block is taken back so, unless another block at least the request's size
 * heads a lower size class); else it searches for size + align + one minimal
 * block, which any block holds, then gives the gap in front back to the
 * lists: two searches at most, still constant time. A request that
 * finds nothing gives back the idle tiny slab (if the tiny cursor holds
 * one) and takes the request from the free block the slab merged into, if
 * that is large enough: one carve, not a second search, so a failing malloc
 * costs one search. th_get_stats counts that slab in largest_free, so the
 * answer it gives is a request that succeeds.
 *
 * FRAGMENTATION
 *
 * Segregated fit with immediate coalescing behaves close to best fit on
 * real workloads, but no allocator that never moves blocks has a useful
 * worst-case fragmentation bound (Robson's bound is a factor of log2 of the
 * largest/smallest size ratio). Step 2 can fail while a block of the right
 * size waits behind the head of the request's own bin: the price of never
 * walking a list. Watch it at run time: th_get_stats() gives free_bytes and
 * largest_free (O(1)); their ratio is the fragmentation a request sees, and
 * min_free_bytes the low-water mark to size the region by.
 */
#include "th_internal.h"

/* ==== Internal definitions ================================================= */

static inline th_block *next_of(const th_block *b, uint32_t size)
{
    return th_at(th_addr(b) + size);
}

/* The header a merge leaves buried inside the block below (th_gen_release):
 * sealed, not used, size 0, and PREV_FREE set, which no real header of size
 * 0 has. Without that bit it would be the word 0 at one address in 256 (the
 * seal of size 0), and a zeroed word of user data in front of a pointer
 * would read as a freed block: a double free, where it is a bad pointer. */
static inline th_word buried_mark(const th_heap *h, const th_block *b)
{
    return th_mkheader(h, b, 0u, TH_KIND_GEN, 0u, TH_PREV_FREE);
}

static inline th_word *footer_of(const th_block *b, uint32_t size)
{
    return (th_word *)(th_addr(b) + size - sizeof(th_word));
}

TH_HOT void bin_insert_hot(th_heap *h, th_block *b, uint32_t size)
{
    uint32_t  i    = th_bin_of(size);
    th_block *head = h->bins[i];
    th_lk(b)->next = head;
    th_lk(b)->prev = NULL;
    if (head != NULL) {
        th_lk(head)->prev = b;
    } else {
        h->bitmap[i / 32u] |= 1u << (i % 32u); /* restores I6 */
    }
    h->bins[i] = b;
    *footer_of(b, size) = size; /* I4 */
    h->free_bytes += size - TH_BLOCK_OVERHEAD;
}

/* The out-of-line copy: every caller but free's release path. */
static void bin_insert(th_heap *h, th_block *b, uint32_t size) { bin_insert_hot(h, b, size); }

TH_HOT void bin_remove(th_heap *h, th_block *b, uint32_t size)
{
    th_block *n = th_lk(b)->next;
    th_block *p = th_lk(b)->prev;
    if (p != NULL) {
        th_lk(p)->next = n; /* not a head: the bin index is not needed */
    } else {
        uint32_t i = th_bin_of(size);
        h->bins[i] = n;
        if (n == NULL) {
            h->bitmap[i / 32u] &= ~(1u << (i % 32u)); /* restores I6 */
        }
    }
    if (n != NULL) {
        th_lk(n)->prev = p;
    }
    h->free_bytes -= size - TH_BLOCK_OVERHEAD;
}

/* The out-of-line copy: the paths off malloc's and free's common ones
 * (the retry's carve, realloc growing in place). */
static void bin_unlink(th_heap *h, th_block *b, uint32_t size) { bin_remove(h, b, size); }

/* Takes the head of bin i (its index known: no lookup). */
TH_HOT void bin_pop(th_heap *h, uint32_t i, th_block *b, uint32_t size)
{
    th_block *n = th_lk(b)->next;
    h->bins[i]  = n;
    if (n != NULL) {
        th_lk(n)->prev = NULL;
    } else {
        h->bitmap[i / 32u] &= ~(1u << (i % 32u)); /* restores I6 */
    }
    h->free_bytes -= size - TH_BLOCK_OVERHEAD;
}

/* Is `b` plausibly a free block of this heap whose list links agree with
 * their neighbours? `r` is the region that holds it when the caller knows
 * it (else NULL), `head` whether it was read from its bin's head. Used
 * before unlinking, so that a corrupted link is reported instead of
 * followed (TH_CHECK_LINKS). Without it, the seal check
 * alone, inlined into malloc's path; with it, one out-of-line copy (it is
 * long, and called from several places). */
#if TH_LINK_CHECKS
#define OK_INLINE static
/* Could link target t be a free block of this heap? A block position in a
 * region with room for a minimal block (read first: no read leaves the
 * region), and a header sealed for it and free. Stale links left in a live
 * block's payload, or any user data, never pass for a free block's
 * neighbour, so the links-back checks below cannot be met by chance and
 * nothing is ever written into a live block through them. */
static bool free_target_ok(const th_heap *h, const th_block *t)
{
    return th_link_target_ok(h, th_addr(t)) && th_sealed(h, t, t->header) &&
           ((t->header & TH_USED) == 0u) && (th_bsize(t->header) >= TH_MIN_BLOCK);
}
#else
#define OK_INLINE TH_INLINE
#endif
OK_INLINE bool free_block_ok(const th_heap *h, const th_region *r, const th_block *b, bool head)
{
    th_word hd = b->header;
    if (!th_sealed(h, b, hd) || (hd & TH_USED) != 0u) {
        return false;
    }
#if TH_LINK_CHECKS
    /* The size first: a sealed header can still lie about it (1 in 256 of
     * random damage), and the footer and the bin are found through it. */
    uint32_t         size = th_bsize(hd);
    const th_region *rg   = (r != NULL) ? r : th_region_of(h, th_addr(b)); /* r holds b */
    if ((rg == NULL) || (size < TH_MIN_BLOCK) || (size > (rg->span - (th_addr(b) - rg->first))) ||
        (*footer_of(b, size) != size)) {
        return false;
    }
    const th_block *n = th_lk(b)->next;
    const th_block *p = th_lk(b)->prev;
    if ((n != NULL) && (!free_target_ok(h, n) || (th_lk(n)->prev != b))) {
        return false;
    }
    if (head || (p == NULL)) {
        /* A head (read from its bin: `head`) has no block before it, and
         * a block with none is its bin's head. */
        return (p == NULL) && (head || (h->bins[th_bin_of(size)] == b));
    }
    /* And a block with one is not its bin's head, whatever its prev says. */
    return (h->bins[th_bin_of(size)] != b) && free_target_ok(h, p) && (th_lk(p)->next == b);
#else
    (void)h;
    (void)r;
    (void)head;
    return true;
#endif
}

/* TH_FILL: every free block's body (all but its header, links and footer)
 * carries the freed pattern. It is written when a block is freed (only the
 * bytes that block held, plus the metadata words a merge buries) and
 * verified on the bytes handed out again, so the cost of both is the size of
 * the request, never the size of the heap, and a write after free is
 * reported when the memory is reused. */
#if TH_FILL
/* Does [a, a + n) carry the freed pattern? A word at 4 mod 8 may instead
 * hold the "freed" marker of a header buried by a merge (th_gen_release). */
static bool pattern_intact(const th_heap *h, uintptr_t a, uint32_t n)
{
    const uint8_t *d = (const uint8_t *)a;
    for (uint32_t i = 0; i < n; i++) {
        if (d[i] != (uint8_t)TH_FILL_FREED_BYTE) {
            uintptr_t w = (a + i) & ~(uintptr_t)3u;
            if ((w & 7u) != 4u || w + sizeof(th_word) > a + n ||
                th_at(w)->header != buried_mark(h, th_at(w))) {
                return false;
            }
            i = (uint32_t)(w + sizeof(th_word) - a) - 1u; /* skip the marker */
        }
    }
    return true;
}

static bool body_intact(const th_heap *h, const th_block *b, uint32_t len)
{
    uint32_t size = th_bsize(b->header) - (uint32_t)sizeof(th_word);
    if (len > size) {
        len = size; /* the footer stays ours */
    }
    return len <= TH_LINKS_END || pattern_intact(h, th_addr(b) + TH_LINKS_END, len - TH_LINKS_END);
}
#endif

/* TH_FILL: how many bytes, from the header of a free block of `size`
 * bytes, a carve of `len` bytes from its bottom hands out or writes: the
 * whole block when the rest could not be a block of its own (the carve
 * takes it all), else the carve and the header and links the rest gets
 * right above it. len < 2^25: no wrap. One rule for handout_intact and
 * th_gen_merge_intact, as the carve is one. */
#if TH_FILL
static uint32_t carve_reach(uint32_t size, uint32_t len)
{
    return ((len <= size) && ((size - len) < TH_MIN_BLOCK)) ? size : (len + TH_LINKS_END);
}
#endif

/* TH_FILL: the bytes of free block b (size bytes) about to be handed out
 * still carry the freed pattern, and so do the bytes where the carve writes
 * the rest's new metadata, which would bury a write after free there unseen:
 *   - split from the top: the top `top` bytes, and the word below them
 *     where the rest's footer goes;
 *   - carved from the bottom: the first `len` bytes of its body (len <=
 *     size), and the header and links the rest gets right above them;
 *   - when the rest could not be a block of its own, the carve hands out
 *     the whole block, and the whole body is checked.
 * When they do not, the write after free is reported on b
 * (TH_FAULT_CORRUPTION) and the caller hands nothing out. Always true
 * without TH_FILL. */
static bool handout_intact(th_heap *h, const th_block *b, uint32_t size, uint32_t top,
                           uint32_t len)
{
#if TH_FILL
    bool ok;
    if (top != 0u && size - top >= TH_MIN_BLOCK) {
        /* The rest's new footer, then [header .. footer) of the new block;
         * the old footer is its last word. The rest's footer lies past its
         * links (size - top >= TH_MIN_BLOCK), at 0 mod 8: never a buried
         * header. */
        ok = pattern_intact(h, (th_addr(b) + size) - top - sizeof(th_word), top);
    } else {
        ok = body_intact(h, b, (top != 0u) ? size : carve_reach(size, len)); /* footer kept out */
    }
    if (!ok) {
        th_raise(h, TH_FAULT_CORRUPTION, b); /* written after it was freed */
    }
    return ok;
#else
    (void)h;
    (void)b;
    (void)size;
    (void)top;
    (void)len;
    return true;
#endif
}

#if TH_TINY && TH_FILL
/* TH_FILL: the idle slab's block sb (region r, passed by release_ok) is about
 * to be given back, and `want` bytes carved from the bottom of the free
 * block it merges into (th_gen_retry). The bytes of that carve that are
 * free now, in the free neighbours' bodies, must still carry the freed
 * pattern (the slab and the headers a merge buries are filled as it is given
 * back): checked before the slab goes, so that a write after free found
 * there is reported with the heap as it was. Reads stay inside the region
 * whatever the footer below and the header above say. */
bool th_gen_merge_intact(th_heap *h, const th_region *r, const th_block *sb, uint32_t want)
{
    uint32_t ps = 0u; /* the free block below sb, merged first (0: none) */
    if ((sb->header & TH_PREV_FREE) != 0u) {
        ps = *(const th_word *)(th_addr(sb) - sizeof(th_word));
        if (ps < TH_MIN_BLOCK || ps > th_addr(sb) - r->first) {
            return true; /* a footer the release's own checks judge (TH_CHECK_LINKS) */
        }
    }
    uint32_t        ss = th_bsize(sb->header);
    const th_block *n  = next_of(sb, ss);
    uint32_t        ns = 0u; /* the free block above sb (0: none) */
    if ((n->header & TH_USED) == 0u) {
        uint32_t room = (uint32_t)(r->first + r->span - th_addr(n)); /* n lies in r (merge_ok) */
        ns            = th_bsize(n->header) < room ? th_bsize(n->header) : room;
    }
    uint32_t total = ps + ss + ns; /* each within the region: no wrap */
    uint32_t take  = carve_reach(total, want);
    if (ps != 0u) {
        uintptr_t p   = th_addr(sb) - ps;
        uint32_t  len = take < ps - (uint32_t)sizeof(th_word) ? take : ps - (uint32_t)sizeof(th_word);
        if (len > TH_LINKS_END && !pattern_intact(h, p + TH_LINKS_END, len - TH_LINKS_END)) {
            th_raise(h, TH_FAULT_CORRUPTION, th_at(p)); /* written after it was freed */
            return false;
        }
    }
    if ((ns != 0u) && (take > ps + ss + TH_LINKS_END)) {
        uint32_t len = take - ps - ss;
        len          = len < ns - (uint32_t)sizeof(th_word) ? len : ns - (uint32_t)sizeof(th_word);
        if (len > TH_LINKS_END && !pattern_intact(h, th_addr(n) + TH_LINKS_END, len - TH_LINKS_END)) {
            th_raise(h, TH_FAULT_CORRUPTION, n); /* written after it was freed */
            return false;
        }
    }
    return true;
}
#endif

/* Index of the lowest non-empty bin at or above `i`, or TH_BIN_COUNT. */
TH_HOT uint32_t bin_search(const th_heap *h, uint32_t i)
{
    uint32_t w = i / 32u;
    if (w >= TH_NWORDS) {
        return TH_BIN_COUNT;
    }
    uint32_t m = h->bitmap[w] & (~0u << (i % 32u));
    while (m == 0u) { /* loop bound: TH_NWORDS - 1u */
        if (++w == TH_NWORDS) {
            return TH_BIN_COUNT;
        }
        m = h->bitmap[w];
    }
    return w * 32u + TH_CTZ(m);
}

/* ==== Internal interface =================================================== */

/* Makes [first, first + span) one free block followed by the sentinel at
 * first + span. first is 4 mod 8, span a multiple of 8 >= TH_MIN_BLOCK. */
void th_gen_add_free_area(th_heap *h, uintptr_t first, uint32_t span)
{
    th_block *b   = th_at(first);
    th_block *end = th_at(first + span);
#if TH_FILL
    th_fill(b, (uint8_t)TH_FILL_FREED_BYTE, span); /* once per region */
#endif
    b->header     = th_mkheader(h, b, span, TH_KIND_GEN, 0u, 0u);
    end->header   = th_mkheader(h, end, 0u, TH_KIND_END, TH_USED, TH_PREV_FREE);
    th_block *head = h->bins[th_bin_of(span)];
    if ((head != NULL) && (th_bsize(head->header) > span) && free_block_ok(h, NULL, head, true)) {
        /* Linked second, so a larger head keeps serving its class: a
         * region added later does not hide a full piece from a request of
         * TH_MAX_REQUEST (malloc reads only the head). Only through a next
         * link verified first (TH_CHECK_LINKS): one damaged by a write after
         * free is not followed, and b is filed first instead, leaving the
         * damage for th_check and the call that takes the head to report. */
        th_block *n       = th_lk(head)->next;
        th_lk(b)->next    = n;
        th_lk(b)->prev    = head;
        th_lk(head)->next = b;
        if (n != NULL) {
            th_lk(n)->prev = b;
        }
        *footer_of(b, span) = span; /* I4 */
        h->free_bytes += span - TH_BLOCK_OVERHEAD;
    } else {
        bin_insert(h, b, span);
    }
}

/* Takes `bsize` bytes from free block `b` (already off its list), starting
 * `gap` bytes in; the gap in front and any tail that can hold a block go
 * back to the lists. Returns the allocated block. */
TH_INLINE th_block *carve(th_heap *h, th_block *b, uint32_t size, uint32_t gap, uint32_t bsize,
                          th_word kind)
{
    th_word pf = 0u;
    if (gap != 0u) {
        /* [ gap (free) ][ allocated ][ rest ] : the block below b is used (I3). */
        b->header = th_mkheader(h, b, gap, TH_KIND_GEN, 0u, 0u);
        bin_insert(h, b, gap);
        b = next_of(b, gap);
        size -= gap;
        pf = TH_PREV_FREE;
    }
    uint32_t rest = size - bsize;
    if (rest >= TH_MIN_BLOCK) {
        th_block *r = next_of(b, bsize);
        r->header   = th_mkheader(h, r, rest, TH_KIND_GEN, 0u, 0u);
        bin_insert(h, r, rest); /* the block after r keeps PREV_FREE */
    } else {
        bsize = size;
        next_of(b, size)->header ^= TH_PF_FLIP; /* restores I2 */
    }
    b->header = th_mkheader(h, b, bsize, kind, TH_USED, pf);
#if TH_FILL
    th_fill((void *)(th_addr(b) + sizeof(th_word)), (uint8_t)TH_FILL_FRESH_BYTE,
            bsize - sizeof(th_word));
#endif
    return b;
}

/* Takes `bsize` bytes from the top of free block b, the head of bin i:
 *   [ b (free) .............. ]  =>  [ b (free, smaller) ][ allocated ]
 * The rest keeps b's header, and its place in the list when its size class
 * does not change (the common case): no unlink, no relink. */
TH_INLINE th_block *take_top(th_heap *h, uint32_t i, th_block *b, uint32_t size, uint32_t bsize,
                             th_word kind)
{
    uint32_t rest = size - bsize;
    if (rest < TH_MIN_BLOCK) {
        bin_pop(h, i, b, size);
        next_of(b, size)->header ^= TH_PF_FLIP; /* restores I2 */
        b->header = th_mkheader(h, b, size, kind, TH_USED, 0u);
        bsize     = size;
    } else {
        uint32_t j = th_bin_of(rest);
        if (j != i) {
            bin_pop(h, i, b, size);
            b->header = th_mkheader(h, b, rest, TH_KIND_GEN, 0u, 0u);
            bin_insert(h, b, rest);
        } else {
            b->header           = th_mkheader(h, b, rest, TH_KIND_GEN, 0u, 0u);
            *footer_of(b, rest) = rest; /* I4 */
            h->free_bytes -= bsize;
        }
        th_block *a = next_of(b, rest);
        next_of(a, bsize)->header ^= TH_PF_FLIP; /* restores I2 */
        a->header = th_mkheader(h, a, bsize, kind, TH_USED, TH_PREV_FREE);
        b         = a;
    }
#if TH_FILL
    th_fill((void *)(th_addr(b) + sizeof(th_word)), (uint8_t)TH_FILL_FRESH_BYTE,
            bsize - sizeof(th_word));
#endif
    return b;
}

/* The free block a request of `want` bytes takes: the head of its own bin
 * if large enough (step 1), else the head of the next non-empty bin above
 * (step 2); NULL if none. *bin is set to its bin. Verified before use: a
 * corrupted block is reported and NULL returned. */
TH_HOT th_block *find_free(th_heap *h, uint32_t want, uint32_t *bin)
{
    uint32_t i = th_bin_of(want);
    if (i >= TH_BIN_COUNT) {
        return NULL; /* aligned: larger than any block can be (no bins[i] to read) */
    }
    th_block *b = h->bins[i];
    if (b == NULL || th_bsize(b->header) < want) {
        if (b != NULL && TH_UNLIKELY(!th_sealed(h, b, b->header))) {
            /* Damage, reported as such: a size it made smaller must not
             * send the search on and make this an out-of-memory failure. */
            th_raise(h, TH_FAULT_CORRUPTION, b);
            return NULL;
        }
        i = bin_search(h, i + 1u);
        if (i >= TH_BIN_COUNT) {
            return NULL;
        }
        b = h->bins[i];
    }
    /* A head smaller than the request (in a bin above its own: filed there
     * by damage) would make the split's rest wrap. */
    if (TH_UNLIKELY(!free_block_ok(h, NULL, b, true) || (th_bsize(b->header) < want))) {
        th_raise(h, TH_FAULT_CORRUPTION, b);
        return NULL;
    }
    *bin = i;
    return b;
}

/* th_gen_alloc for alignment <= 8 (every block is 8-aligned): find and
 * take from the top. Specialised (no alignment arithmetic on malloc's
 * path) and, with TH_FAST_PATHS, inline in th_gen_malloc. */
TH_HOT th_block *gen_alloc_plain(th_heap *h, uint32_t bsize, th_word kind)
{
    uint32_t  i;
    th_block *b = find_free(h, bsize, &i);
    if (b == NULL) {
        return NULL;
    }
    uint32_t size = th_bsize(b->header);
    if (TH_UNLIKELY(!handout_intact(h, b, size, bsize, bsize))) {
        return NULL;
    }
    return take_top(h, i, b, size, bsize, kind);
}

/* The free block size a request of `bsize` bytes aligned to `align` needs:
 * beyond 8, room for the alignment and a free block in front too. */
static uint32_t want_for(uint32_t bsize, uint32_t align)
{
    return align <= TH_ALIGNMENT ? bsize : bsize + align + TH_MIN_BLOCK - TH_ALIGNMENT; /* < 2^25 */
}

/* The bytes in front of free block b's payload, from its header, that a
 * block aligned to `align` leaves: 0 when the payload is aligned already
 * (always for align <= 8), else a free block of its own (at least
 * TH_MIN_BLOCK) up to the next aligned payload. */
TH_INLINE uint32_t align_gap(const th_block *b, uint32_t align)
{
    uintptr_t pay = th_addr(b) + sizeof(th_word); /* 8-aligned */
    uint32_t  gap = (uint32_t)(((pay + align - 1u) & ~(uintptr_t)(align - 1u)) - pay);
    if (gap != 0u && gap < TH_MIN_BLOCK) {
        gap += align; /* the gap must hold a free block of its own */
    }
    return gap;
}

/* Allocates a block of `bsize` bytes (a multiple of 8) whose payload is
 * aligned to `align` (a power of two, at most 2^TH_MAX_BLOCK_LOG2), from
 * free block `from` when not NULL (it may sit anywhere in its list), else
 * from the block the search finds. NULL when that block is too small or
 * none is large enough, or when the chosen block's metadata is found
 * corrupted (reported). No stats besides the free lists. One path for
 * every alignment (the plain one is th_gen_malloc's, kept apart there for
 * speed): slabs, chunks and aligned blocks take from the bottom. */
th_block *th_gen_alloc(th_heap *h, th_block *from, uint32_t bsize, uint32_t align, th_word kind)
{
    uint32_t  want = want_for(bsize, align);
    uint32_t  i    = TH_BIN_COUNT; /* `from`: not known to be a head */
    th_block *b    = from;
    if (b == NULL) {
        b = find_free(h, want, &i);
    } else {
        /* `from` is the one block tried: the gap it needs, not the most any
         * block could (an idle slab's page is aligned, its gap 0). */
        want = align_gap(b, align) + bsize; /* < 2^25: no wrap */
        if (th_bsize(b->header) < want) {
            b = NULL;
        }
    }
    if (b == NULL) {
        return NULL;
    }
    uint32_t size = th_bsize(b->header);
    if (TH_UNLIKELY(!handout_intact(h, b, size, 0u, want))) {
        return NULL;
    }
    if (i < TH_BIN_COUNT) {
        bin_pop(h, i, b, size);
    } else {
        bin_unlink(h, b, size);
    }
    return carve(h, b, size, align_gap(b, align), bsize, kind);
}

/* The first try of th_aligned_alloc and of an aligned persistent object
 * (alignment above 8; `kind` the block's). `want` has room for
 * any gap, so th_gen_alloc's search passes over a block that holds the
 * request with the gap it actually needs: the block an aligned request of
 * this size freed, say (a task's stack freed and asked for again under a
 * 16-byte portBYTE_ALIGNMENT), alone or merged with the gap below it. This
 * looks where malloc's search for bsize looks, O(1), and takes the block
 * when it fits. Apart from th_gen_alloc so that slabs and chunks keep their
 * placement and an image without aligned allocations links none of it.
 * NULL: nothing there, or its damage reported (the corruption count moved). */
TH_INLINE th_block *gen_alloc_fitted(th_heap *h, uint32_t bsize, uint32_t align, th_word kind)
{
    uint32_t  i;
    th_block *b = find_free(h, bsize, &i);
    if (b == NULL) {
        return NULL;
    }
    uint32_t size = th_bsize(b->header);
    uint32_t gap  = align_gap(b, align);
    if (size < gap + bsize) { /* < 2^25: no wrap */
        return NULL;
    }
    if (TH_UNLIKELY(!handout_intact(h, b, size, 0u, gap + bsize))) {
        return NULL;
    }
    bin_pop(h, i, b, size);
    return carve(h, b, size, gap, bsize, kind);
}
/* The same for th_persistent_alloc (a copy of its own: th_aligned_alloc's
 * stays inline in its path, and its bound with it). */
th_block *th_gen_alloc_fitted(th_heap *h, uint32_t bsize, uint32_t align, th_word kind)
{
    return gen_alloc_fitted(h, bsize, align, kind);
}

/* What an allocator does when th_gen_alloc returned NULL for a request of
 * `request` bytes (`faults`: the corruption count before it tried). The
 * idle slab the tiny cursor keeps (I13) is given back and the request tried
 * on the block it merged into; still nothing, and no corruption reported on the way: out of
 * memory (failed + 1, the OOM hook). Off the fast path on purpose: callers
 * only come here on NULL. Used by malloc, aligned and persistent. */
th_block *th_gen_retry(th_heap *h, uint32_t bsize, uint32_t align, th_word kind, size_t request,
                       uint32_t faults)
{
    th_block *b = NULL;
#if TH_TINY
    th_block *m = faults == h->faults[TH_FAULT_CORRUPTION]
                      ? th_tiny_drop_cur(h, TH_FILL ? want_for(bsize, align) : 0u)
                      : NULL;
    if (m != NULL) {
        /* The slab merged into m, and so did any free neighbour of it: m
         * is the block the search did not see, and the only one tried (a
         * block the merge left at the head of a bin is not; th_get_stats
         * counts m in largest_free, so that promise holds). It may sit
         * behind the head of its bin: unlinked wherever it is. */
        b = th_gen_alloc(h, m, bsize, align, kind);
    }
#else
    (void)bsize; /* no idle slab to give back: nothing to retry */
    (void)align;
    (void)kind;
#endif
    if (b == NULL && faults == h->faults[TH_FAULT_CORRUPTION]) {
        th_oom(h, request);
    }
    return b;
}

/* Counts general block b, just allocated, and returns its payload. */
TH_HOT void *gen_count(th_heap *h, th_block *b)
{
    void  *p      = (void *)(th_addr(b) + sizeof(th_word));
    size_t usable = th_bsize(b->header) - TH_BLOCK_OVERHEAD; /* a whole free block: >= bsize */
    h->in_use += usable;
    h->allocs++;
    th_note_use(h);
    TH_TRACE_ALLOC(h, p, usable);
    return p;
}

/* After the search for a general block of `bsize` bytes for a request of
 * `size`: NULL goes through the out-of-memory path (th_gen_retry, `faults`
 * the corruption count before the search); a block is counted and its
 * payload returned. */
TH_HOT void *gen_finish(th_heap *h, th_block *b, uint32_t bsize, uint32_t align, size_t size,
                        uint32_t faults)
{
    if (TH_UNLIKELY(b == NULL)) {
        b = th_gen_retry(h, bsize, align, TH_KIND_GEN, size, faults);
        if (b == NULL) {
            return NULL;
        }
    }
    return gen_count(h, b);
}

/* A general block for a request of `size` bytes (<= TH_MAX_REQUEST), 8-aligned
 * like every block, counted in the stats; NULL after the out-of-memory path
 * or a corruption report. The payload is returned. Separate from the aligned
 * case so that an image without th_aligned_alloc links no carving code. */
void *th_gen_malloc(th_heap *h, size_t size)
{
    uint32_t faults = h->faults[TH_FAULT_CORRUPTION];
    uint32_t bsize  = th_gen_bsize_for(size);
    return gen_finish(h, gen_alloc_plain(h, bsize, TH_KIND_GEN), bsize, TH_ALIGNMENT, size,
                      faults);
}

/* th_gen_malloc for a tiny request no slab could be had for. There is no
 * idle slab to give back then: the tiny allocator only looks for a new slab
 * when the current block cannot take the request, and an idle slab's
 * current block is empty. So no retry: one search, and out of memory if it
 * fails. Carved from the bottom (th_gen_alloc, shared with the slabs), which
 * keeps these rare blocks with the long-lived ones and the retry's code
 * off this path: the static bound (make bound) sees no path through both. */
#if TH_TINY
void *th_gen_malloc_tiny(th_heap *h, size_t size)
{
    uint32_t  faults = h->faults[TH_FAULT_CORRUPTION];
    th_block *b      = th_gen_alloc(h, NULL, th_gen_bsize_for(size), TH_ALIGNMENT, TH_KIND_GEN);
    if (b == NULL) {
        if (faults == h->faults[TH_FAULT_CORRUPTION]) {
            th_oom(h, size);
        }
        return NULL;
    }
    return gen_count(h, b);
}
#endif

/* th_gen_malloc for an alignment above 8 (a power of two). */
void *th_gen_malloc_aligned(th_heap *h, size_t size, uint32_t align)
{
    uint32_t  faults = h->faults[TH_FAULT_CORRUPTION];
    uint32_t  bsize  = th_gen_bsize_for(size);
    th_block *b      = gen_alloc_fitted(h, bsize, align, TH_KIND_GEN);
    if (b == NULL && faults == h->faults[TH_FAULT_CORRUPTION]) {
        b = th_gen_alloc(h, NULL, bsize, align, TH_KIND_GEN); /* damage: reported once */
    }
    return gen_finish(h, b, bsize, align, size, faults);
}

/* Frees a used block the caller has validated (or owns: slabs, chunks),
 * merging it with free neighbours, and returns the free block it became
 * part of:
 *   [ prev ][ this ][ next ]  =>  [        one free block        ]          */
th_block *th_gen_release(th_heap *h, th_block *b)
{
    th_word  hd   = b->header;
    uint32_t size = th_bsize(hd);
    th_block *n   = next_of(b, size);
#if TH_FILL
    th_fill((void *)(th_addr(b) + sizeof(th_word)), (uint8_t)TH_FILL_FREED_BYTE,
            size - sizeof(th_word));
#endif
    if ((n->header & TH_USED) == 0u) {
        uint32_t ns = th_bsize(n->header);
        bin_remove(h, n, ns);
#if TH_FILL
        th_fill(n, (uint8_t)TH_FILL_FREED_BYTE, TH_LINKS_END); /* its buried header and links */
#endif
        /* The header of n, a block that is free, is buried too: marked
         * freed (as below), not filled, so that a second free of n still
         * reports TH_FAULT_DOUBLE_FREE. Never left as it was: a sealed free
         * header with its old links, inside what may become a live block,
         * could pass for a list neighbour (free_target_ok) when a write
         * after free puts its old address back in a link. */
        n->header = buried_mark(h, n);
        size += ns; /* the block after n already says PREV_FREE */
    } else {
        n->header ^= TH_PF_FLIP; /* restores I2 */
    }
    if ((hd & TH_PREV_FREE) != 0u) {
        uint32_t  ps = *(const th_word *)(th_addr(b) - sizeof(th_word));
        th_block *p  = th_at(th_addr(b) - ps);
#if TH_FILL
        th_fill((void *)(th_addr(b) - sizeof(th_word)), (uint8_t)TH_FILL_FREED_BYTE,
                sizeof(th_word)); /* the buried footer below */
#endif
        /* Our header is buried inside the block below. Left as it was, it
         * would still be sealed and USED, and a second free of this pointer
         * would be accepted: mark it "freed" (buried_mark), so that free
         * reports TH_FAULT_DOUBLE_FREE and changes nothing. */
        b->header = buried_mark(h, b);
        if (th_bin_of(ps + size) == th_bin_of(ps)) {
            /* The block below grows within its size class: it keeps its
             * place in the list (the mirror of take_top). */
            p->header                 = th_mkheader(h, p, ps + size, TH_KIND_GEN, 0u, 0u);
            *footer_of(p, ps + size)  = ps + size; /* I4 */
            h->free_bytes += size;
            return p;
        }
        bin_remove(h, p, ps);
        b = p;
        size += ps;
    }
    b->header = th_mkheader(h, b, size, TH_KIND_GEN, 0u, 0u);
    bin_insert_hot(h, b, size);
    return b;
}

/* Used block b of region r (sealed, header read as hd) is about to be freed
 * or given back: its size must keep it in the region, and the neighbours it
 * will merge with must be sound: the next header sealed (and, if free, a
 * well-formed free block), and with TH_CHECK_LINKS the free block below too.
 * Raises TH_FAULT_CORRUPTION and returns false otherwise; writes nothing. */
TH_HOT bool merge_ok(th_heap *h, const th_region *r, const th_block *b, th_word hd)
{
    /* The next header is formed only from a size that keeps b inside r. */
    uint32_t        size = th_bsize(hd);
    const th_block *n    = b; /* what a fault reports */
    bool            ok   = size >= TH_MIN_BLOCK && size <= r->span - (th_addr(b) - r->first);
    if (ok) {
        n  = next_of(b, size);
        ok = th_sealed(h, n, n->header) && ((n->header & TH_USED) != 0u || free_block_ok(h, r, n, false));
    }
    if (!ok) {
        th_raise(h, TH_FAULT_CORRUPTION, n);
        return false;
    }
#if TH_LINK_CHECKS
    if ((hd & TH_PREV_FREE) != 0u) {
        uint32_t ps = *(const th_word *)(th_addr(b) - sizeof(th_word));
        if (ps < TH_MIN_BLOCK || ps > th_addr(b) - r->first || (ps & 7u) != 0u ||
            !free_block_ok(h, r, th_at(th_addr(b) - ps), false) ||
            th_bsize(th_at(th_addr(b) - ps)->header) != ps) {
            th_raise(h, TH_FAULT_CORRUPTION, b);
            return false;
        }
    }
#endif
    return true;
}

/* Finds the used block of `kind` whose payload is `p`, or raises the fault
 * that says why there is none and returns NULL. Checks, before anything is
 * written: alignment, region, the block's seal, and the seals of the
 * neighbours a free would merge with (so an overflow into the next header
 * is reported, not merged). Inline in th_gen_free with TH_FAST_PATHS;
 * th_gen_block_of is the out-of-line copy for realloc and usable_size. */
TH_HOT th_block *block_of(th_heap *h, const th_region *r, const void *p, th_word kind)
{
    uintptr_t a = th_addr(p);
    if ((a & 7u) != 0u || a - r->first < sizeof(th_word)) {
        th_raise(h, TH_FAULT_BAD_POINTER, p);
        return NULL;
    }
    th_block *b  = th_at(a - sizeof(th_word));
    th_word   hd = b->header;
    if (!th_sealed(h, b, hd)) {
        th_raise(h, TH_FAULT_BAD_POINTER, p); /* interior, foreign or overwritten */
        return NULL;
    }
    if ((hd & TH_USED) == 0u) {
        /* Only a general block is ever free (or a header buried by a merge,
         * size 0), and it lies inside the region. Anything else that reads
         * as sealed is user data that matched the seal by chance (1 in 256,
         * a fill pattern for every object): an interior pointer. */
        bool freed = th_kind(hd) == TH_KIND_GEN &&
                     (th_bsize(hd) != 0u ? th_bsize(hd) <= r->span - (th_addr(b) - r->first)
                                         : (hd & TH_PREV_FREE) != 0u); /* buried_mark */
        th_raise(h, freed ? TH_FAULT_DOUBLE_FREE : TH_FAULT_BAD_POINTER, p);
        return NULL;
    }
    if (th_kind(hd) != kind) {
        th_raise(h, TH_FAULT_BAD_POINTER, p); /* a slab, a chunk or the sentinel */
        return NULL;
    }
    return merge_ok(h, r, b, hd) ? b : NULL;
}

th_block *th_gen_block_of(th_heap *h, const th_region *r, const void *p, th_word kind)
{
    return block_of(h, r, p, kind);
}

/* Counts the free of used general block b and gives it back. */
TH_HOT void count_free(th_heap *h, th_block *b)
{
    size_t usable = th_bsize(b->header) - TH_BLOCK_OVERHEAD;
    TH_TRACE_FREE(h, (void *)(th_addr(b) + sizeof(th_word)), usable);
    h->in_use -= usable;
    h->frees++;
    (void)th_gen_release(h, b); /* the block it merged into: not needed here */
}

/* th_free of a pointer in region r that is not in a tiny slab: validates
 * it, counts it and gives the block back. */
void th_gen_free(th_heap *h, const th_region *r, void *p)
{
    th_block *b = block_of(h, r, p, TH_KIND_GEN);
    if (b != NULL) {
        count_free(h, b);
    }
}

/* The same for a block the caller has already validated (th_realloc's move). */
void th_gen_free_block(th_heap *h, th_block *b) { count_free(h, b); }

#if TH_TINY
/* Is used block n, the block above one that th_realloc grows, the idle slab
 * (I13), which free_bytes and largest_free count as free, and would it,
 * given back and merged with a free block above it, hold `need` more bytes?
 * Then the realloc gives it back and grows in place, as a malloc of that
 * size would have (th_gen_retry), instead of failing or moving. */
static bool idle_slab_holds(const th_heap *h, const th_block *n, uint32_t need)
{
    const th_slab *s  = th_tiny_idle_slab(h);
    bool           ok = false;
    if ((s != NULL) && ((th_addr(s) - sizeof(th_word)) == th_addr(n))) {
        uint32_t        size = th_bsize(n->header);
        const th_block *a    = next_of(n, size);
        if ((a->header & TH_USED) == 0u) {
            size += th_bsize(a->header); /* < 2^23: no wrap */
        }
        ok = size >= need;
    }
    return ok;
}
#endif

/* Resizes used general block `b` in place to hold `size` bytes: shrinks by
 * splitting off the tail, grows into a free block above. Returns the
 * payload, or NULL when it cannot be done in place (nothing changed). */
void *th_gen_realloc(th_heap *h, th_block *b, size_t size)
{
    uint32_t bs  = th_gen_bsize_for(size);
    th_word  hd  = b->header;
    uint32_t cur = th_bsize(hd);
    void    *p   = (void *)(th_addr(b) + sizeof(th_word));
    if (bs <= cur) {
        if (cur - bs >= TH_MIN_BLOCK) {
            th_block *t = next_of(b, bs);
            b->header   = th_mkheader(h, b, bs, TH_KIND_GEN, TH_USED, hd & TH_PREV_FREE);
            t->header   = th_mkheader(h, t, cur - bs, TH_KIND_GEN, TH_USED, 0u);
            (void)th_gen_release(h, t); /* the block it merged into: not needed here */
        }
        return p;
    }
    th_block *n  = next_of(b, cur);
    th_word   nh = n->header;
#if TH_TINY
    /* TH_FILL checks the bytes the grow takes before the slab goes. */
    if (((nh & TH_USED) != 0u) && idle_slab_holds(h, n, bs - cur) &&
        (th_tiny_drop_cur(h, TH_FILL ? (bs - cur) : 0u) != NULL)) {
        nh = n->header; /* the free block the slab became, from n up */
    }
    /* Else, when a check refused the slab (reported, it stays), n is used. */
#endif
    if ((nh & TH_USED) != 0u || th_bsize(nh) < bs - cur) {
        return NULL;
    }
    uint32_t total = cur + th_bsize(nh);
    uint32_t rest  = total - bs;
    if (rest < TH_MIN_BLOCK) {
        bs = total; /* the whole neighbour: no block that small */
    }
    /* The bytes taken from the neighbour are handed out as a malloc's are:
     * checked for the freed pattern first (a write after free is reported
     * here, as on reuse, and nothing changes), then filled fresh. */
    if (!handout_intact(h, n, th_bsize(nh), 0u, bs - cur)) {
        return NULL;
    }
    bin_unlink(h, n, th_bsize(nh));
    n->header = buried_mark(h, n); /* inside b now: no sealed free header left (as a merge) */
    if (bs < total) {
        th_block *r = next_of(b, bs);
        r->header   = th_mkheader(h, r, rest, TH_KIND_GEN, 0u, 0u);
        bin_insert(h, r, rest);
    } else {
        next_of(b, total)->header ^= TH_PF_FLIP;
    }
#if TH_FILL
    th_fill(n, (uint8_t)TH_FILL_FRESH_BYTE, bs - cur);
#endif
    b->header = th_mkheader(h, b, bs, TH_KIND_GEN, TH_USED, hd & TH_PREV_FREE);
    return p;
}

/* Largest request the general allocator would serve now: the head of the
 * highest non-empty bin (step 1 or 2 of the search always reaches it). */
size_t th_gen_largest(const th_heap *h)
{
    /* The top word's bins only: a stray bit past the last bin (I6, which
     * th_check reports) must not index past bins[]. */
    uint32_t m = TH_BITMAP_TOP_MASK;
    for (uint32_t w = TH_NWORDS; w-- > 0u; m = ~0u) {
        uint32_t bits = h->bitmap[w] & m;
        if (bits != 0u) {
            uint32_t i = w * 32u + 31u - TH_CLZ(bits);
            return th_bsize(h->bins[i]->header) - TH_BLOCK_OVERHEAD;
        }
    }
    return 0u;
}
