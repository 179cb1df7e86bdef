/* SPDX-License-Identifier: MIT */
/*
 * tinyheap internals: memory layouts, the numbered invariants that th_check()
 * verifies, and the helpers shared by the allocator's files. Nothing here is
 * part of the public API.
 *
 * Rule from the seed (the Go runtime's runtime/malloc.go): never form a pointer
 * at or past the end of the data it stands for. Positions inside a region,
 * a slab or a chunk are kept as offsets, and every bound check is written
 * `size <= limit - offset` (after checking `offset <= limit`) so it cannot
 * wrap.
 */
#ifndef TH_INTERNAL_H
#define TH_INTERNAL_H

#include "tinyheap.h"

/* Test builds define TH_PRIVATE as empty to reach static helpers. */
#ifndef TH_PRIVATE
#define TH_PRIVATE static
#endif

/* The general allocator's free-block checks (th_config.h): on with
 * TH_CHECK_LINKS, and always with TH_HARDEN, which builds on them. */
#define TH_LINK_CHECKS (TH_CHECK_LINKS || TH_HARDEN)

#if defined(__GNUC__) || defined(__clang__)
/* Small hot helpers are forced inline: at -Os GCC outlines them and pays a
 * call on every malloc and free (bench-smoke, Cortex-M3: malloc mean 183..224
 * without, 159..180 with). Larger ones (TH_SOFTINLINE) are left to GCC:
 * forcing them too saved ~4% more for 650 bytes of code. */
#define TH_INLINE      static inline __attribute__((always_inline))
#define TH_SOFTINLINE  static inline
/* The hot paths of malloc and free (TH_FAST_PATHS in th_config.h). */
#if TH_FAST_PATHS
#define TH_HOT         static inline __attribute__((always_inline))
#else
#define TH_HOT         static
#endif
/* Kept out of a hot caller, so that a rare path does not cost the common
 * one registers. */
#define TH_COLD        static __attribute__((noinline, cold))
#define TH_LIKELY(x)   __builtin_expect(!!(x), 1)
#define TH_UNLIKELY(x) __builtin_expect(!!(x), 0)
#if defined(__thumb__) && !defined(__thumb2__)
/* ARMv6-M (Cortex-M0/M0+) has no CLZ: GCC calls libgcc's __clzsi2/__ctzsi2
 * (about 20 instructions with the call). A de Bruijn multiply does either
 * in 5..13 inline instructions, and both sit on every malloc and free. */
#define TH_CTZ(x)      th_ctz_v6m(x)
#define TH_CLZ(x)      (31u - th_log2_v6m(x))
#else
#define TH_CTZ(x)      ((unsigned)__builtin_ctz(x))
#define TH_CLZ(x)      ((unsigned)__builtin_clz(x))
#endif
#else
#error "tinyheap needs GCC or Clang builtins (__builtin_ctz/__builtin_clz)"
#endif

#if defined(__thumb__) && !defined(__thumb2__)
/* th_region.c: position of the lowest set bit of (x & -x) * 0x077CB531 >> 27,
 * and of the highest of the smeared x * 0x07C4ACDD >> 27 (de Bruijn). */
extern const uint8_t th_debruijn_ctz[32];
extern const uint8_t th_debruijn_log2[32];
extern const uint8_t th_bin_small[256];
uint32_t             th_bin_large(uint32_t g);
/* Index of the lowest set bit of x (x != 0). */
static inline __attribute__((always_inline)) unsigned th_ctz_v6m(uint32_t x)
{
    return th_debruijn_ctz[((x & (0u - x)) * 0x077CB531u) >> 27];
}
/* Index of the highest set bit of x (x != 0). */
static inline __attribute__((always_inline)) unsigned th_log2_v6m(uint32_t x)
{
    x |= x >> 1;
    x |= x >> 2;
    x |= x >> 4;
    x |= x >> 8;
    x |= x >> 16;
    return th_debruijn_log2[(x * 0x07C4ACDDu) >> 27];
}
#endif

/* ==========================================================================
 * General blocks
 * ==========================================================================
 *
 *   8n+4        8n+8                                      block end = next header
 *    | header  | payload ...                              |
 *    | 4 bytes | (used: the caller's bytes)               |
 *    |         | (free: next, prev links ... footer=size) |
 *
 * A block is addressed by its header (th_block *), which sits at an address
 * of 4 mod 8 so that the payload is 8-aligned. Its size (header included) is
 * a multiple of 8. The header word:
 *
 *   bit  0      USED       the block is allocated (general, slab or persistent)
 *   bit  1      PREV_FREE  the block just below is free (its footer is valid)
 *   bits 2..3   KIND       0 general, 1 tiny slab, 2 persistent, 3 sentinel
 *   bits 4..11  CHECK      hash of (address, heap, size, kind, used): an 8-bit seal
 *   bits 12..31 GRANULES   size / 8
 *
 * Subtleties:
 * - The check byte binds a header to its address and its heap, so a header
 *   copied from elsewhere, a stray write, user data that a bad pointer makes
 *   us read as a header, or a header of another heap built inside one of
 *   this heap's blocks is rejected with probability 255/256. PREV_FREE is not
 *   hashed but mirrored into the check byte's bit 0, so that a neighbour
 *   flips both with one XOR (TH_PF_FLIP) instead of resealing, and the bit
 *   flipped alone (a missed or a forged merge) breaks the seal.
 * - A free block keeps its size in its last word (the footer) so that the
 *   block above can find it; a used block has no footer (4 bytes overhead).
 * - Each region ends with a sentinel: a sealed USED header of kind 3 and
 *   size 0, so "the block after b" always exists and never lies outside the
 *   region.
 */
typedef uint32_t th_word;

#define TH_USED       1u
#define TH_PREV_FREE  2u
#define TH_KIND_SHIFT 2u
#define TH_KIND_MASK  (3u << TH_KIND_SHIFT)
#define TH_KIND_GEN   0u
#define TH_KIND_SLAB  1u
#define TH_KIND_PERS  2u
#define TH_KIND_END   3u
#define TH_CHECK_SHIFT 4u
#define TH_CHECK_MASK (0xFFu << TH_CHECK_SHIFT)
/* PREV_FREE is mirrored into the seal's lowest bit (header bit 4), so that
 * a neighbour flips the two together with one XOR (TH_PF_FLIP), without
 * computing the seal again: a sealed header stays sealed and a damaged one
 * stays damaged, while PREV_FREE flipped alone breaks the seal. 0x12 is an
 * immediate on Thumb-2 and for MOVS on ARMv6-M. */
#define TH_SEAL_MUL   0x9E3779B1u /* the seal's multiplier: 2^32 / golden ratio */
#define TH_PF_MIRROR  3u
#define TH_PF_FLIP    (TH_PREV_FREE | (TH_PREV_FREE << TH_PF_MIRROR))
#define TH_GRAN_SHIFT 12u
#define TH_GRANULE    8u

/* A block is addressed by its header word (4-aligned). The list links of a
 * free block live in its payload, which is 8-aligned, so they are aligned
 * for pointers on 64-bit hosts too. */
typedef struct th_block {
    th_word header;
} th_block;

typedef struct th_links {
    th_block *next; /* next in the bin list */
    th_block *prev; /* previous in the bin list; NULL for the head */
} th_links;

/* Bytes from a free block's header to the end of its links. */
#define TH_LINKS_END ((uint32_t)(sizeof(th_word) + sizeof(th_links)))

#define TH_MIN_BLOCK ((uint32_t)TH_MIN_BLOCK_BYTES)
_Static_assert(TH_MIN_BLOCK_BYTES >= TH_LINKS_END + sizeof(th_word),
               "a minimal block must hold header, links and footer");
_Static_assert((TH_MIN_BLOCK_BYTES % TH_GRANULE) == 0u, "block sizes are whole granules");
_Static_assert(TH_MAX_BLOCK_LOG2 <= 23, "the header's granule field has 20 bits");

/* ==========================================================================
 * Tiny slabs
 * ==========================================================================
 *
 * A slab is one general block of 512 bytes (kind SLAB; plus a tail of less
 * than TH_MIN_BLOCK when the block it was carved from left too little to
 * split off) whose payload
 * starts on a 512-byte page boundary. Its header is the last word of the page
 * below, and the header of the block after it is the last word of its own
 * page, so consecutive slabs tile pages with no gap:
 *
 *   page + 0     blocks[28][16]   the 16-byte tiny blocks (16-aligned)
 *   page + 448   meta[28]         per block: U (bits 0..3) | S (bits 4..7)
 *   page + 476   map[4]           per class: bitmap of blocks in that class
 *   page + 492   next[4], prev[4] per class: links of the heap's slab lists
 *   page + 508   (header of the next block)
 *
 * A tiny block is 4 units of 4 bytes. U marks units used by live objects,
 * S the unit where each live object starts. An object of n bytes takes
 * k = ceil(n / 4) units; with the C17 rule an object of 8..15 bytes starts on
 * unit 0 or 2 (8-aligned), a smaller one on any unit (4-aligned).
 *
 * A block's class is the largest k it can still take: 0 full, 1 one free
 * unit, 2 a free 8-aligned pair, 3 three free units from an aligned start,
 * 4 empty. map[c-1] has bit i set iff block i is in class c (c = 1..4), and
 * the slab is on the heap's list for class c iff map[c-1] != 0; the heap
 * keeps one bit per class list that is not empty. A request of k units takes
 * the head slab of the lowest non-empty class >= k, so it always fits: O(1).
 *
 * Slabs are found from a pointer by the region's page map (one bit per
 * 512-byte page), never by reading memory the caller can write. Slab links
 * are 16-bit page numbers relative to the heap's tiny base (the first page
 * of the first region), so slabs live in the 32 MiB above it; where a slab
 * cannot be had, a tiny request is served by the general allocator.
 */
#define TH_PAGE_LOG2    TH_TINY_SLAB_LOG2
#define TH_PAGE         ((uint32_t)1u << TH_PAGE_LOG2)
#define TH_SLAB_BLOCKS  28u
#define TH_SLAB_FULLMAP (((uint32_t)1u << TH_SLAB_BLOCKS) - 1u)

typedef struct th_slab {
    uint8_t  blocks[TH_SLAB_BLOCKS][16];
    uint8_t  meta[TH_SLAB_BLOCKS];
    uint32_t map[4];
    uint16_t next[4];
    uint16_t prev[4];
} th_slab;

_Static_assert(sizeof(th_slab) == TH_PAGE - 4u, "a slab fills its page but the next header");
_Static_assert(TH_SLAB_BLOCKS <= 32u, "one map word per class");
_Static_assert((size_t)offsetof(th_slab, meta) % 4u == 0u && TH_SLAB_BLOCKS % 4u == 0u,
               "meta[] is cleared a word at a time");

/* ==========================================================================
 * Regions and the heap
 * ==========================================================================
 *
 *   base (any alignment)
 *    | skipped | th_heap (region 0 only) | page map words | blocks ... | sentinel |
 *
 * A region descriptor holds offsets-from-base only in spirit: `first` is the
 * address of the first block header and `span` the bytes from it to the
 * sentinel header (so first + span is the sentinel, which is data, not past
 * it). The page map covers [page0, page0 + npages * 512).
 */
typedef struct th_region {
    uintptr_t first;   /* header of the region's first block */
    uint32_t  span;    /* bytes from first to the sentinel header */
    uintptr_t page0;   /* first page boundary at or below first */
    uint32_t *pagemap; /* one bit per page: the page holds a tiny slab */
} th_region;

#define TH_NWORDS ((TH_BIN_COUNT + 31u) / 32u)
/* The bits of tiny_mask that stand for the four class lists (I12: the rest clear). */
#define TH_TINY_CLASSES 15u
/* The bits of bitmap[TH_NWORDS - 1] that stand for bins (I6: the rest clear). */
#define TH_BITMAP_TOP_MASK \
    ((TH_BIN_COUNT % 32u) == 0u ? ~0u : ((1u << (TH_BIN_COUNT % 32u)) - 1u))
/* 0xXY00XY00 is a Thumb-2 modified immediate: the check on every call
 * compares with an immediate instead of loading a literal first. */
#define TH_MAGIC  0x74007400u

/* Field order: what malloc and free touch comes first, so that on ARMv6-M
 * (word loads reach 124 bytes from a base register) every hot field,
 * region 0 included, is one load from the heap pointer. */
struct th_heap {
    uint32_t    magic;
    /* Counters (I7, I9). */
    size_t      free_bytes;           /* sum of (size - 4) over free blocks, plus the free
                                         units of every slab: what th_stats reports */
    size_t      min_free;
    size_t      in_use;
    size_t      peak_in_use;
    uint32_t    allocs;
    uint32_t    frees;
    uint32_t    failed;
    uint32_t    faults[TH_FAULT_COUNT];
    /* Tiny allocator (I10..I13). */
    uintptr_t   tiny_base;            /* page number 0 of slab links */
    uint16_t    tiny_head[4];         /* per class: first slab (page number + 1) */
    uint8_t     tiny_mask;            /* bit c-1 set iff tiny_head[c-1] != 0; only TH_TINY_CLASSES */
    uint8_t     tiny_cur_idx;         /* current block: index in tiny_cur */
    th_slab    *tiny_cur;             /* current block's slab; NULL: none (seed trap 1) */
    /* Lock slot. */
    th_lock_fn  lock;                 /* both set or both NULL (I15) */
    th_lock_fn  unlock;
    void       *lock_ctx;
    uint32_t    bitmap[TH_NWORDS];    /* bit b set iff bins[b] != NULL (I6) */
    uint32_t    nregions;
    th_region   regions[TH_MAX_REGIONS];
    size_t      capacity;
    size_t      persistent_bytes;
    /* Persistent allocator (I14): current chunk as (base, offset). */
    uint8_t    *pers_base;            /* NULL: no current chunk (seed trap 1) */
    uint32_t    pers_off;
    uint32_t    pers_size;
    th_oom_hook oom;
    th_block   *bins[TH_BIN_COUNT];   /* free lists by size class (I5) */
};

/* ==========================================================================
 * Invariants (checked by th_check in th_check.c, by number)
 * ==========================================================================
 * I1  Every block header in a region is sealed (its check byte matches), its
 *     size is a multiple of 8 and at least TH_MIN_BLOCK; blocks tile the
 *     region exactly from `first` to the sentinel.
 * I2  A block's PREV_FREE bit is set iff the block below it is free (the
 *     first block of a region has it clear).
 * I3  No two free blocks are adjacent (coalescing is immediate), and only a
 *     general block is ever free (slabs and chunks are given back as general).
 * I4  A free block's footer equals its size.
 * I5  Every free block is on exactly the bin list of its size class, and the
 *     lists are well linked (next->prev == block, head->prev == NULL).
 * I6  Bitmap bit b is set iff bins[b] is not empty (no bit past the last bin).
 * I7  free_bytes equals the sum of (size - 4) over free blocks plus 4 bytes per
 *     free unit of every slab.
 * I8  A page-map bit is set iff the page holds a slab: a sealed USED block of
 *     kind SLAB, 512 bytes long (plus a tail under TH_MIN_BLOCK), whose
 *     payload is the page.
 * I9  in_use matches the usable bytes of the live blocks and objects.
 * I10 In every slab block, S is a subset of U, and every S bit starts a run of
 *     U bits that ends at the next S bit or a clear U bit.
 * I11 map[c-1] of a slab holds exactly its blocks of class c; no block is in
 *     two maps; a full block is in none, and neither is the current block
 *     (it is checked out while current, as in Go).
 * I12 A slab is on class list c iff map[c-1] != 0; each list is well linked;
 *     tiny_mask bit c-1 is set iff list c is not empty, and no bit above
 *     bit 3 is set.
 * I13 A slab whose blocks are all empty exists only while it holds the
 *     current tiny block (the current block's own reference, seed trap 2);
 *     the current block (tiny_cur, tiny_cur_idx) is a block of a slab of the
 *     heap (tiny_cur_idx < 28).
 * I14 pers_off <= pers_size, and pers_base (when not NULL) is the payload of
 *     a live persistent chunk.
 * I15 lock == NULL iff unlock == NULL (th_set_lock fills a missing half with
 *     an empty callback), so th_unlocked reads one word.
 * I16 1 <= nregions <= TH_MAX_REGIONS, and every region descriptor is what
 *     region set-up makes: page0 page-aligned, the page map 4-aligned within
 *     a page (+ 4) above it, long enough for every page up to the sentinel
 *     and ending at or below first; first 4 mod 8; span a multiple of 8
 *     from TH_MIN_BLOCK to the largest block; region 0's map after the heap
 *     state. th_check verifies this before it reads through a descriptor.
 */

/* ---- Shared helpers ------------------------------------------------------- */

/* The hash behind a header's seal: the block's address, its heap's address
 * and the sealed fields, multiplied by TH_SEAL_MUL; the seal is its top
 * byte. The heap's address is the key that tells two heaps apart: a heap
 * built inside a block or persistent object of another (a sub-heap) seals
 * its headers under its own key, so the outer heap reads them as foreign
 * (255 in 256 per header) instead of freeing a block it does not own. It is
 * a register at every use, so the key costs one instruction and no load.
 * PREV_FREE is not hashed but mirrored (TH_PF_FLIP). Deviation: MISRA-style
 * pointer-to-integer conversion is the point of the check. */
TH_INLINE uint32_t th_seal_hash(const th_heap *h, const th_block *b, th_word w)
{
    return ((uint32_t)(uintptr_t)b ^ (uint32_t)(uintptr_t)h ^ (w & ~(TH_CHECK_MASK | TH_PREV_FREE))) *
           TH_SEAL_MUL;
}

/* Header w of block b of heap h with its check byte filled in: the hash's
 * top byte, with PREV_FREE mirrored into its bit 0. */
TH_INLINE th_word th_seal(const th_heap *h, const th_block *b, th_word w)
{
    return (w & ~TH_CHECK_MASK) | (((th_seal_hash(h, b, w) >> 24) << TH_CHECK_SHIFT) ^
                                   ((w & TH_PREV_FREE) << TH_PF_MIRROR));
}

/* th_seal(h, b, w) == w, compared in the top byte: the hash's top byte, the
 * check byte moved under it and PREV_FREE under its mirror cancel out
 * exactly when w is sealed. Cheaper on Thumb-2 than rebuilding the header
 * and comparing, which pays for most of the mirror. */
TH_INLINE bool th_sealed(const th_heap *h, const th_block *b, th_word w)
{
    uint32_t x = th_seal_hash(h, b, w) ^ (w << (24u - TH_CHECK_SHIFT)) ^
                 ((w & TH_PREV_FREE) << (24u - TH_CHECK_SHIFT + TH_PF_MIRROR));
    return (x >> 24) == 0u;
}

TH_INLINE uint32_t th_bsize(th_word h) { return (h >> TH_GRAN_SHIFT) * TH_GRANULE; }
TH_INLINE th_word th_kind(th_word h) { return (h & TH_KIND_MASK) >> TH_KIND_SHIFT; }

TH_INLINE th_word th_mkheader(const th_heap *h, const th_block *b, uint32_t size, th_word kind,
                             th_word used, th_word prev_free)
{
    return th_seal(h, b, ((size / TH_GRANULE) << TH_GRAN_SHIFT) | (kind << TH_KIND_SHIFT) | used |
                          prev_free);
}

TH_INLINE uintptr_t th_addr(const void *p) { return (uintptr_t)p; }
TH_INLINE th_block *th_at(uintptr_t addr) { return (th_block *)addr; }
TH_INLINE th_links *th_lk(const th_block *b)
{
    return (th_links *)(th_addr(b) + sizeof(th_word));
}

/* Bin index of a free block of g granules, g >= 8: four classes per power
 * of two (th_heap.c's essay). */
TH_INLINE uint32_t th_bin_calc(uint32_t g)
{
    uint32_t fl = 31u - TH_CLZ(g);
    return (fl << 2) + ((g >> (fl - 2u)) & 3u) - 4u;
}

/* Bin index of a free block of `bsize` bytes: exact below 64 bytes, then
 * four classes per power of two. On ARMv6-M, which has no CLZ, a table
 * answers every size below 2 KiB in one load (th_region.c) and a call the
 * rest: the de Bruijn log2 inline at every use cost more code and time. */
TH_INLINE uint32_t th_bin_of(uint32_t bsize)
{
    uint32_t g = bsize / TH_GRANULE;
#if defined(__thumb__) && !defined(__thumb2__)
    return g < 256u ? th_bin_small[g] : th_bin_large(g);
#else
    return g < 8u ? g : th_bin_calc(g);
#endif
}

/* Block size for a request of `size` bytes (size <= TH_MAX_REQUEST). */
TH_INLINE uint32_t th_gen_bsize_for(size_t size)
{
    uint32_t bs = (uint32_t)((size + TH_BLOCK_OVERHEAD + 7u) & ~(size_t)7u);
    return bs < TH_MIN_BLOCK ? TH_MIN_BLOCK : bs;
}

/* Class of a tiny block by its used-unit mask U (th_tiny.c): the largest
 * number of units it can still take, 0..4. A 16-byte table: one load on
 * every tiny malloc and free. */
extern const uint8_t th_tiny_classes[16];
TH_INLINE uint32_t th_tiny_class(uint32_t u) { return th_tiny_classes[u & 15u]; }

/* The second half of I10 for a block with used units u and object starts
 * st: every used unit that starts no object continues the one below it
 * (the first half, st within u, is checked with it). */
TH_INLINE bool th_tiny_runs_ok(uint32_t u, uint32_t st)
{
    return ((u & ~st) & ~(u << 1)) == 0u;
}

/* Faults and hooks (th_region.c). */
void th_raise(th_heap *h, th_fault kind, const void *ptr);
void th_report(const th_heap *h, th_fault kind, const void *ptr);
void th_oom(th_heap *h, size_t size);

/* A new low of free_bytes: min_free keeps the figure th_stats reports,
 * which counts an idle tiny slab as free (th_check.c). */
#if TH_TINY
void th_note_low(th_heap *h);
#else
TH_INLINE void th_note_low(th_heap *h) { h->min_free = h->free_bytes; }
#endif

/* peak_in_use after in_use grew. */
TH_INLINE void th_note_peak(th_heap *h)
{
    if (h->in_use > h->peak_in_use) {
        h->peak_in_use = h->in_use;
    }
}

/* After in_use grew or free_bytes shrank: the two monotone marks. The
 * second is only worked out when the counter passes the mark (rare once a
 * firmware has run a while). */
TH_INLINE void th_note_use(th_heap *h)
{
    th_note_peak(h);
    if (h->free_bytes < h->min_free) {
        th_note_low(h);
    }
}

/* The same after a tiny allocation, which never leaves the current slab
 * idle (an idle slab's current block has room for any tiny request, so the
 * request went there): the counter is the figure th_stats reports. */
TH_INLINE void th_note_use_tiny(th_heap *h)
{
    th_note_peak(h);
    if (h->free_bytes < h->min_free) {
        h->min_free = h->free_bytes;
    }
}

/* Pointer classification (th_region.c). The first region is tested inline:
 * it is where almost every pointer lives. */
const th_region *th_region_scan(const th_heap *h, uintptr_t a);
TH_INLINE const th_region *th_region_of_inline(const th_heap *h, uintptr_t a)
{
    const th_region *r = &h->regions[0];
    if (a >= r->first && a - r->first < r->span) {
        return r;
    }
    return th_region_scan(h, a);
}
TH_SOFTINLINE const th_region *th_region_of(const th_heap *h, uintptr_t a)
{
    return th_region_of_inline(h, a);
}
/* Could a free block start at a, a link read from memory that may be
 * damaged? In a region, at a block position, and with room for a whole
 * minimal block before the sentinel, so that reading its links never leaves
 * the region (on a 64-bit host a block 8 bytes short of the sentinel would
 * put its prev link past the region's end). a - first < span, so no wrap. */
TH_INLINE bool th_link_target_ok(const th_heap *h, uintptr_t a)
{
    const th_region *r = th_region_of(h, a);
    return r != NULL && (a & 7u) == 4u && r->span - (a - r->first) >= TH_MIN_BLOCK;
}
TH_INLINE bool th_page_is_slab(const th_region *r, uintptr_t a)
{
    size_t page = (a - r->page0) / TH_PAGE;
    return ((r->pagemap[page / 32u] >> (page % 32u)) & 1u) != 0u;
}
/* Marks page (of region r, which holds it) as a slab or not. */
void th_page_mark(const th_region *r, uintptr_t page, bool slab);

/* General allocator (th_heap.c). */
void     th_gen_add_free_area(th_heap *h, uintptr_t first, uint32_t span);
th_block *th_gen_alloc(th_heap *h, th_block *from, uint32_t bsize, uint32_t align, th_word kind);
th_block *th_gen_alloc_fitted(th_heap *h, uint32_t bsize, uint32_t align, th_word kind);
th_block *th_gen_retry(th_heap *h, uint32_t bsize, uint32_t align, th_word kind, size_t request,
                       uint32_t faults);
void    *th_gen_malloc(th_heap *h, size_t size);
void    *th_gen_malloc_tiny(th_heap *h, size_t size);
void    *th_gen_malloc_aligned(th_heap *h, size_t size, uint32_t align);
th_block *th_gen_release(th_heap *h, th_block *b);
th_block *th_gen_block_of(th_heap *h, const th_region *r, const void *p, th_word kind);
void     th_gen_free(th_heap *h, const th_region *r, void *p);
void     th_gen_free_block(th_heap *h, th_block *b);
void    *th_gen_realloc(th_heap *h, th_block *b, size_t size);
size_t   th_gen_largest(const th_heap *h);

/* Whether tiny object a, of `old` usable bytes, serves a realloc to `size`
 * where it is: it fits and, under the Go rule, sits aligned for the new
 * size (a 9..12-byte object may start at 4 mod 8, where 8 bytes, which
 * that rule gives 8-alignment, do not belong). Under C17 a smaller size
 * never needs more alignment. */
TH_INLINE bool th_tiny_stays(uintptr_t a, size_t size, size_t old)
{
#if TH_TINY_ALIGN_GO
    return size <= old && ((size & 7u) != 0u || (a & 7u) == 0u);
#else
    (void)a;
    return size <= old;
#endif
}

/* Tiny allocator (th_tiny.c). */
void  *th_tiny_alloc(th_heap *h, size_t size);
void   th_tiny_free(th_heap *h, const th_region *r, th_slab *s, uintptr_t a);
size_t th_tiny_usable(th_heap *h, const th_slab *s, uintptr_t a);
size_t th_tiny_realloc_size(th_heap *h, const th_region *r, th_slab *s, uintptr_t a, size_t size);
size_t th_tiny_largest(const th_heap *h);
th_block *th_tiny_drop_cur(th_heap *h, uint32_t want);
#if TH_TINY && TH_FILL
bool th_gen_merge_intact(th_heap *h, const th_region *r, const th_block *sb, uint32_t want);
#endif
const th_slab *th_tiny_idle_slab(const th_heap *h);
th_slab *th_slab_at(const th_heap *h, uint16_t id);

/* Every public call on a heap starts here: a NULL or foreign handle is a
 * TH_FAULT_BAD_ARGUMENT (counted nowhere: there is no heap to count in). */
void th_bad_heap(const th_heap *h);
TH_INLINE bool th_heap_ok(const th_heap *h)
{
    if (TH_LIKELY(h != NULL && h->magic == TH_MAGIC)) {
        return true;
    }
    th_bad_heap(h);
    return false;
}

/* Locking. A heap with an empty lock slot (the default) skips both calls,
 * and th_malloc and th_free then end in a tail call. th_set_lock keeps
 * lock == NULL iff unlock == NULL, so one word tells. */
TH_INLINE bool th_unlocked(const th_heap *h) { return h->lock == NULL; }
TH_INLINE void th_lock(const th_heap *h)
{
    if (h->lock != NULL) {
        h->lock(h->lock_ctx);
    }
}
TH_INLINE void th_unlock(const th_heap *h)
{
    if (h->unlock != NULL) {
        h->unlock(h->lock_ctx);
    }
}

/* Fill helpers (TH_FILL). */
void th_fill(void *p, uint8_t byte, size_t n);
bool th_filled(const void *p, uint8_t byte, size_t n);

#endif /* TH_INTERNAL_H */
