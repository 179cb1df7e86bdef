/* SPDX-License-Identifier: MIT */
/*
 * test_checkclauses: one forged heap per clause of th_check(), each broken
 * so that *only* that clause can see it. test_invariants' cases damage one
 * invariant, but often several clauses at once (a block of the sentinel's
 * kind also goes missing from in_use; a slab cut short also breaks the
 * tiling), so a clause dropped from th_check would go unnoticed there. Here
 * every other counter, link, map and seal is forged to agree: a used block
 * listed in place of a free one of the same size, a slab of 504 bytes whose
 * next header sits in link fields no list reads, a page bit on the page
 * that holds only a block's last word... Each case checks th_check passes
 * before the damage and reports TH_FAULT_CORRUPTION after it.
 *
 * Also th_get_stats and th_walk where their answers were not pinned: the
 * largest free block, tiny counts of a slab on a region's last page, the
 * low-water mark clamped to the free bytes now, and a walk that stops at a
 * header of size 0 or past the region without reporting that block.
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 8192u

static th_heap  *H;
static uint8_t  *G1, *G2, *G3, *T, *P, *U, *B;
static th_slab  *S;
static uint8_t  *s_arena;
static size_t    s_arena_size;

static th_block *hdr(const void *p) { return th_at(th_addr(p) - sizeof(th_word)); }
static uint32_t  bsz(const void *p) { return th_bsize(hdr(p)->header); }
static th_slab  *slab(const void *p) { return (th_slab *)(th_addr(p) & ~(uintptr_t)(TH_PAGE - 1u)); }
static th_block *next_block(th_block *b) { return th_at(th_addr(b) + th_bsize(b->header)); }
static void      reseal(th_block *b, uint32_t size, th_word kind, th_word used, th_word pf)
{
    b->header = th_mkheader(H, b, size, kind, used, pf);
}
static uint16_t page_id(uintptr_t page) { return (uint16_t)((page - H->tiny_base) / TH_PAGE + 1u); }
/* A page boundary inside B's payload with a whole slab's bytes after it. */
static uintptr_t page_in_b(void)
{
    return (th_addr(B) + TH_PAGE - 1u) & ~(uintptr_t)(TH_PAGE - 1u);
}

/* Where the heap starts: a case's setup asks for a layout (a block of a
 * given size here, the slab there) and the arena's start, which differs
 * from target to target, may not give it: the case then starts 8 bytes
 * further on, until it does. */
static size_t s_off;
static void   fresh(void) { H = th_init(s_arena + s_off, REGION); }
static bool   setup_somewhere(bool (*setup)(void))
{
    for (s_off = 0; s_off + REGION <= s_arena_size && s_off < 2u * TH_PAGE; s_off += 8u) {
        if (setup()) {
            return true;
        }
    }
    s_off = 0;
    return false;
}

/* Three general blocks side by side, G2 free between G3 below and G1
 * above, all of one size; the current tiny block with one 4-byte object; a
 * persistent chunk. */
static bool setup_gen(void)
{
    fresh();
    T  = th_malloc(H, 4);
    G1 = th_malloc(H, 100);
    G2 = th_malloc(H, 100);
    G3 = th_malloc(H, 100);
    P  = th_persistent_alloc(H, 16, 8);
    th_free(H, G2);
    return T && G1 && G2 && G3 && P && slab(T) == H->tiny_cur && bsz(G1) == bsz(G2) &&
           next_block(hdr(G2)) == hdr(G1) && next_block(hdr(G3)) == hdr(G2);
}

/* A slab whose current block holds one 4-byte object, and a used general
 * block right above the slab. */
static bool setup_slab_below_used(void)
{
    fresh();
    T = th_malloc(H, 4);
    if (T == NULL) {
        return false;
    }
    S            = slab(T);
    th_block *n  = th_at(th_addr(S) + TH_PAGE - sizeof(th_word));
    if ((n->header & TH_USED) == 0u) {
        U = th_malloc(H, th_bsize(n->header) - TH_BLOCK_OVERHEAD); /* all of it */
    }
    return (n->header & TH_USED) != 0u && th_kind(n->header) == TH_KIND_GEN &&
           S->map[0] == 0u && S->map[1] == 0u && S->map[2] == 0u &&
           th_bsize(n->header) >= 3u * TH_MIN_BLOCK;
}

/* The current block is full (one 16-byte object), the slab's other 27
 * blocks are empty; a large general block B. */
static bool setup_cur_full(void)
{
    fresh();
    U = th_malloc(H, 16);
    B = th_malloc(H, 1500);
    return U && B && H->tiny_cur == slab(U) && (slab(U)->meta[H->tiny_cur_idx] & 15u) == 15u;
}

/* One slab, all 28 blocks full (28 objects of 16 bytes), on no list. */
static bool setup_full_slab(void)
{
    fresh();
    void *first = th_malloc(H, 16);
    for (int i = 1; i < (int)TH_SLAB_BLOCKS; i++) {
        if (slab(th_malloc(H, 16)) != slab(first)) {
            return false;
        }
    }
    S = slab(first);
    return (S->map[0] | S->map[1] | S->map[2] | S->map[3]) == 0u && H->tiny_mask == 0u;
}

/* No tiny slab; a general block of exactly 512 bytes is the region's first
 * block, whose payload is not on a page boundary. */
static bool setup_first_512(void)
{
    fresh();
    const th_region *r = &H->regions[0];
    if (((r->first + sizeof(th_word)) & (TH_PAGE - 1u)) == 0u) {
        return false;
    }
    B = th_malloc(H, r->span - TH_PAGE - TH_BLOCK_OVERHEAD); /* the top: all but 512 */
    U = th_malloc(H, TH_PAGE - TH_BLOCK_OVERHEAD);           /* the rest */
    return B && U && th_addr(hdr(U)) == r->first && bsz(U) == TH_PAGE;
}

/* A free block whose last word starts a page: the block above begins 4
 * bytes into that page. */
static uintptr_t s_page;
static bool      setup_page_tail(void)
{
    fresh();
    const th_region *r = &H->regions[0];
    s_page = (r->first + sizeof(th_word) + TH_MIN_BLOCK + TH_PAGE - 1u) & ~(uintptr_t)(TH_PAGE - 1u);
    uint32_t top = (uint32_t)(r->first + r->span - (s_page + sizeof(th_word)));
    B            = th_malloc(H, top - TH_BLOCK_OVERHEAD);
    return B && th_addr(hdr(B)) == s_page + sizeof(th_word);
}

/* Bin insertion and removal, as th_heap.c does them. */
static void bin_put(th_block *b, uint32_t i)
{
    th_block *head  = H->bins[i];
    th_lk(b)->next = head;
    th_lk(b)->prev = NULL;
    if (head != NULL) {
        th_lk(head)->prev = b;
    }
    H->bins[i] = b;
    H->bitmap[i / 32u] |= 1u << (i % 32u);
}
static void bin_take(th_block *b, uint32_t i)
{
    th_block *n = th_lk(b)->next;
    th_block *p = th_lk(b)->prev;
    if (p != NULL) {
        th_lk(p)->next = n;
    } else {
        H->bins[i] = n;
        if (n == NULL) {
            H->bitmap[i / 32u] &= ~(1u << (i % 32u));
        }
    }
    if (n != NULL) {
        th_lk(n)->prev = p;
    }
}
/* Puts `b` in the place of free block `f` on f's list. */
static void bin_swap(th_block *f, th_block *b)
{
    th_block *n    = th_lk(f)->next;
    th_block *p    = th_lk(f)->prev;
    th_lk(b)->next = n;
    th_lk(b)->prev = p;
    if (p != NULL) {
        th_lk(p)->next = b;
    } else {
        H->bins[th_bin_of(th_bsize(f->header))] = b;
    }
    if (n != NULL) {
        th_lk(n)->prev = b;
    }
}

/* ---- The damage, one clause each ---------------------------------------- */

/* I10: the current block's object loses its start bit and its used unit
 * moves to unit 2, past unit 0, with unit 1 free (same number of used
 * units: in_use agrees; the current block is in no map). */
static void d_unit2_no_start(void) { slab(T)->meta[H->tiny_cur_idx] = 0x04u; }

/* I13: an all-empty slab that the cursor let go of, filed as such: every
 * block in the class-4 map, the slab on that list. */
static bool setup_idle(void)
{
    fresh();
    T = th_malloc(H, 4);
    th_free(H, T);
    return T && th_tiny_idle_slab(H) == slab(T);
}
static void d_idle_unheld(void)
{
    th_slab *s = slab(T);
    s->map[3] |= 1u << H->tiny_cur_idx;
    H->tiny_cur = NULL;
}

/* I1: a used block of the sentinel's kind mid-region, its bytes taken off
 * in_use (which counts only general blocks). */
static void d_end_kind(void)
{
    reseal(hdr(G1), bsz(G1), TH_KIND_END, TH_USED, hdr(G1)->header & TH_PREV_FREE);
    H->in_use -= bsz(G1) - TH_BLOCK_OVERHEAD;
}

/* I3: the used neighbour of the free G2 made free too, listed, counted, its
 * footer and its upper neighbour's PREV_FREE set: two free blocks side by
 * side and nothing else wrong. */
static void d_adjacent_free(void)
{
    th_block *f    = hdr(G2);
    th_block *b    = next_block(f);
    uint32_t  size = th_bsize(b->header);
    reseal(b, size, TH_KIND_GEN, 0u, TH_PREV_FREE);
    *(th_word *)(th_addr(b) + size - sizeof(th_word)) = size;
    next_block(b)->header ^= TH_PF_FLIP; /* sealed */
    bin_put(b, th_bin_of(size));
    H->free_bytes += size - TH_BLOCK_OVERHEAD;
    H->in_use -= size - TH_BLOCK_OVERHEAD;
}

/* I8: the region's first block, 512 bytes, sealed as a slab whose payload
 * (not on a page boundary) holds a full slab's image; the page bit of the
 * page it starts in (below the first block: no block's page scan sees it)
 * set; in_use from the general block's bytes to the slab's units. */
static void d_slab_unaligned(void)
{
    th_block *b = hdr(U);
    th_slab  *s = (th_slab *)(void *)U;
    for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        s->meta[i] = 0x1Fu; /* one 4-unit object */
    }
    for (uint32_t j = 0; j < 4u; j++) {
        s->map[j]  = 0u;
        s->next[j] = 0u;
        s->prev[j] = 0u;
    }
    reseal(b, TH_PAGE, TH_KIND_SLAB, TH_USED, 0u);
    uintptr_t pg = th_addr(U) & ~(uintptr_t)(TH_PAGE - 1u);
    th_page_mark(&H->regions[0], pg, true);
    H->in_use = H->in_use - (TH_PAGE - TH_BLOCK_OVERHEAD) + TH_SLAB_BLOCKS * 16u;
}

/* I8: the slab cut to 504 bytes. The header after it falls on prev[0..1],
 * links of lists the slab is not on (no one reads them), and is forged as
 * a used block up to the end of the used block above (8 bytes more). */
static void d_slab_short(void)
{
    th_block *sb = hdr(S);
    th_block *n  = th_at(th_addr(S) + TH_PAGE - sizeof(th_word));
    uint32_t  ns = th_bsize(n->header);
    th_block *m  = th_at(th_addr(S) + TH_PAGE - 12u);
    reseal(sb, TH_PAGE - 8u, TH_KIND_SLAB, TH_USED, sb->header & TH_PREV_FREE);
    reseal(m, ns + 8u, TH_KIND_GEN, TH_USED, 0u);
    H->in_use += 8u;
}

/* I8: the slab grown by a minimal block: a tail under TH_MIN_BLOCK is all a
 * slab may carry. The used block above starts that much higher. */
static void d_slab_long(void)
{
    th_block *sb = hdr(S);
    th_block *n  = th_at(th_addr(S) + TH_PAGE - sizeof(th_word));
    uint32_t  ns = th_bsize(n->header);
    th_block *m  = th_at(th_addr(n) + TH_MIN_BLOCK);
    reseal(sb, TH_PAGE + TH_MIN_BLOCK, TH_KIND_SLAB, TH_USED, sb->header & TH_PREV_FREE);
    reseal(m, ns - TH_MIN_BLOCK, TH_KIND_GEN, TH_USED, 0u);
    H->in_use -= TH_MIN_BLOCK;
}

/* I8: a full slab (on no list) whose page bit is cleared. */
static void d_full_slab_unmarked(void) { th_page_mark(&H->regions[0], th_addr(S), false); }

/* I5: in place of the free G2 on its list, a block inside G1 whose header
 * claims G2's size and is free, but not sealed. */
static void d_listed_unsealed(void)
{
    th_block *fake = th_at(th_addr(hdr(G1)) + 8u);
    fake->header   = th_mkheader(H, fake, bsz(G2), TH_KIND_GEN, 0u, 0u) ^ (1u << TH_CHECK_SHIFT);
    bin_swap(hdr(G2), fake);
}

/* I5: the used G1 (G2's size) listed in place of G2. */
static void d_listed_used(void) { bin_swap(hdr(G2), hdr(G1)); }

/* I5: G2 moved to the next bin's list. */
static void d_wrong_bin(void)
{
    uint32_t i = th_bin_of(bsz(G2));
    bin_take(hdr(G2), i);
    bin_put(hdr(G2), i + 1u);
}

/* I12: the class-4 list's head is a page of the general block B, dressed as
 * a slab (map and links right), in place of the real slab. */
static void d_listed_not_slab(void)
{
    th_slab *f = (th_slab *)page_in_b();
    f->map[3]  = slab(U)->map[3];
    f->next[3] = 0u;
    f->prev[3] = 0u;
    H->tiny_head[3] = page_id(th_addr(f));
}

/* I12: a full slab A on the class-4 list in place of slab S, which holds the
 * only class-4 blocks: as many listed as counted, one of them with an
 * empty map. */
static th_slab *s_full;
static bool     setup_two_slabs(void)
{
    if (!setup_full_slab()) {
        return false;
    }
    s_full = S;
    T      = th_malloc(H, 4);
    return T && slab(T) != s_full && H->tiny_head[3] == page_id(th_addr(slab(T)));
}
static void d_listed_empty_map(void)
{
    s_full->next[3] = 0u;
    s_full->prev[3] = 0u;
    H->tiny_head[3] = page_id(th_addr(s_full));
}

/* I13: the cursor on a page of B (no slab); the block it held is full, so
 * no map misses it. */
static void d_cur_not_slab(void)
{
    H->tiny_cur     = (th_slab *)page_in_b();
    H->tiny_cur_idx = 0u;
}

/* I13: the cursor's index one past the slab; its (full) block is in no map
 * either way. */
static void d_cur_idx(void) { H->tiny_cur_idx = (uint8_t)TH_SLAB_BLOCKS; }

/* I7: the free-bytes counter alone. */
static void d_free_bytes(void) { H->free_bytes += 8u; }

/* I14: pers_base moved to a chunk header forged inside G1 (outside the
 * walk): persistent, the chunk's size, but not sealed. */
static void d_pers_unsealed(void)
{
    th_block *fake = th_at(th_addr(hdr(G1)) + 8u);
    fake->header   = th_mkheader(H, fake, H->pers_size + TH_BLOCK_OVERHEAD, TH_KIND_PERS, TH_USED, 0u) ^
                   (1u << TH_CHECK_SHIFT);
    H->pers_base = (uint8_t *)fake + sizeof(th_word);
}

/* I14: the chunk resealed as a general block, counted in in_use as one. */
static void d_pers_general(void)
{
    th_block *c = hdr(H->pers_base);
    uint32_t  s = th_bsize(c->header);
    reseal(c, s, TH_KIND_GEN, TH_USED, c->header & TH_PREV_FREE);
    H->in_use += s - TH_BLOCK_OVERHEAD;
}

/* I8: a page bit on the page whose first word is the last word of the free
 * block below it. */
static void d_page_tail(void) { th_page_mark(&H->regions[0], s_page, true); }

/* I14: pers_base points outside every region: reported, never read
 * through (th_check once read the chunk header in front of it). */
static void d_pers_outside(void) { H->pers_base = (uint8_t *)(uintptr_t)0x10u; }

/* I14: pers_base moved to a chunk header forged inside G1 that is sealed,
 * persistent and of the chunk's size: only the walk knows no block starts
 * there. */
static void d_pers_forged(void)
{
    th_block *fake = th_at(th_addr(hdr(G1)) + 8u);
    fake->header   = th_mkheader(H, fake, H->pers_size + TH_BLOCK_OVERHEAD, TH_KIND_PERS, TH_USED, 0u);
    H->pers_base   = (uint8_t *)fake + sizeof(th_word);
}

/* The region's first block starts mid-page: the page of its first payload
 * byte begins below the block (over the page map or the heap state). */
static bool setup_first_midpage(void)
{
    return setup_gen() && ((H->regions[0].first + sizeof(th_word)) & (TH_PAGE - 1u)) != 0u;
}

/* I8: a page bit on that page, which holds no slab. */
static void d_first_page(void)
{
    const th_region *r = &H->regions[0];
    th_page_mark(r, (r->first + sizeof(th_word)) & ~(uintptr_t)(TH_PAGE - 1u), true);
}

typedef struct kase {
    const char *what;
    bool (*setup)(void);
    void (*damage)(void);
} kase;

static const kase s_cases[] = {
    {"I10 used unit 2 without a start", setup_gen, d_unit2_no_start},
    {"I13 idle slab let go of", setup_idle, d_idle_unheld},
    {"I1 sentinel kind mid-region", setup_gen, d_end_kind},
    {"I3 two listed free blocks side by side", setup_gen, d_adjacent_free},
    {"I8 slab payload off its page", setup_first_512, d_slab_unaligned},
    {"I8 slab shorter than a page", setup_slab_below_used, d_slab_short},
    {"I8 slab with a tail of a minimal block", setup_slab_below_used, d_slab_long},
    {"I8 full slab without its page bit", setup_full_slab, d_full_slab_unmarked},
    {"I5 listed header not sealed", setup_gen, d_listed_unsealed},
    {"I5 used block listed", setup_gen, d_listed_used},
    {"I5 free block on the wrong bin", setup_gen, d_wrong_bin},
    {"I12 listed page not a slab", setup_cur_full, d_listed_not_slab},
    {"I12 listed slab with an empty map", setup_two_slabs, d_listed_empty_map},
    {"I13 cursor on a page that is no slab", setup_cur_full, d_cur_not_slab},
    {"I13 cursor index past the slab", setup_cur_full, d_cur_idx},
    {"I7 free_bytes", setup_gen, d_free_bytes},
    {"I14 chunk header not sealed", setup_gen, d_pers_unsealed},
    {"I14 chunk of general kind", setup_gen, d_pers_general},
    {"I8 page bit under a block's last word", setup_page_tail, d_page_tail},
    {"I8 page bit under a region's first block", setup_first_midpage, d_first_page},
    {"I14 chunk base outside the regions", setup_gen, d_pers_outside},
    {"I14 chunk header forged and sealed", setup_gen, d_pers_forged},
};

/* ---- th_walk and th_get_stats ------------------------------------------- */

/* The walk must stop at a damaged header without reporting its block. If
 * it does report it, the header is put back, so that a walk that would
 * step on the spot forever (size 0) moves on and the test ends. */
static th_block *s_bad;
static th_word   s_saved;
static unsigned  s_bad_seen, s_outside;
static void      watch(void *user, char kind, const void *addr, size_t size)
{
    (void)user;
    (void)kind;
    const th_region *r = &H->regions[0];
    if (th_addr(addr) == th_addr(s_bad)) {
        s_bad_seen++;
        s_bad->header = s_saved;
    }
    if (th_addr(addr) < r->first || size > r->first + r->span - th_addr(addr)) {
        s_outside++;
    }
}

static void walk_damaged(th_word size)
{
    if (!CHECK(setup_somewhere(setup_gen))) {
        return;
    }
    s_bad   = hdr(G3);
    s_saved = s_bad->header;
    reseal(s_bad, size, TH_KIND_GEN, TH_USED, s_saved & TH_PREV_FREE);
    s_bad_seen = 0u;
    s_outside  = 0u;
    th_walk(H, watch, NULL);
    CHECK_EQ(s_bad_seen, 0);
    CHECK_EQ(s_outside, 0);
    s_bad->header = s_saved;
}

static void test_walk_stops(void)
{
    walk_damaged(0u);
    walk_damaged(1u << 20);
}

/* A fresh region holds one free block: the largest and the smallest. */
static void test_free_block_stats(void)
{
    fresh();
    th_stats s = th_get_stats(H);
    CHECK_EQ(s.free_blocks, 1);
    CHECK_EQ(s.largest_free_block, H->regions[0].span);
    CHECK_EQ(s.smallest_free, H->regions[0].span);
    void *p = th_malloc(H, 1000);
    void *q = th_malloc(H, 200);
    th_free(H, p); /* between q and the big free block */
    s = th_get_stats(H);
    CHECK_EQ(s.free_blocks, 2);
    CHECK_EQ(s.largest_free_block, H->regions[0].span - bsz(q) - bsz(p));
    CHECK_EQ(s.smallest_free, bsz(p));
    th_free(H, q);
}

/* A slab on a region's last page: the region's one free block is just what
 * a slab's aligned carve needs (th_gen_alloc: 512 + 512 + TH_MIN_BLOCK - 8
 * bytes) and ends where a slab on the page below the sentinel would, so
 * that the carve (the lowest page whose header leaves room for a free
 * block in front) puts the slab there. */
static void test_tiny_counts_last_page(void)
{
    H = th_init(s_arena, 2048u);
    if (!CHECK(H != NULL)) {
        return;
    }
    void *fill = th_malloc(H, th_get_stats(H).largest_free); /* region 0 all used */
    CHECK(fill != NULL && th_get_stats(H).free_blocks == 0);
    uintptr_t page = (th_addr(s_arena) + 2048u + TH_PAGE + TH_MIN_BLOCK + 8u + TH_PAGE - 1u) &
                     ~(uintptr_t)(TH_PAGE - 1u);
    if (!CHECK(page + TH_PAGE <= th_addr(s_arena) + s_arena_size)) {
        return;
    }
    /* base 8-aligned: a page-map word, the first header 4 bytes in. */
    CHECK(th_add_region(H, (void *)(page - TH_PAGE - TH_MIN_BLOCK), 2u * TH_PAGE + TH_MIN_BLOCK));
    CHECK_EQ(H->regions[1].first + H->regions[1].span, page + TH_PAGE - sizeof(th_word));
    uint8_t *a = th_malloc(H, 4);
    uint8_t *b = th_malloc(H, 12);
    CHECK(a != NULL && slab(a) == (th_slab *)page && b != NULL && slab(b) == (th_slab *)page);
    th_stats s = th_get_stats(H);
    CHECK_EQ(s.tiny_objects, 2);
    CHECK_EQ(s.tiny_blocks, th_addr(b) / 16u == th_addr(a) / 16u ? 1 : 2);
    CHECK(th_check(H));
}

/* The low-water mark never exceeds the free bytes now: after a reset while
 * an idle slab counted as free, the slab's header is damaged, so it is no
 * longer counted (it could not be given back): both marks drop to what is
 * free. */
static void test_min_free_clamped(void)
{
    if (!CHECK(setup_somewhere(setup_idle))) {
        return;
    }
    size_t before = th_free_bytes(H);
    th_reset_min_free(H);
    CHECK_EQ(th_min_free_bytes(H), before);
    hdr(slab(T))->header ^= 1u << TH_CHECK_SHIFT;
    size_t now = th_free_bytes(H);
    CHECK(now < before);
    CHECK_EQ(now, H->free_bytes);
    CHECK_EQ(th_min_free_bytes(H), now);
    th_stats s = th_get_stats(H);
    CHECK_EQ(s.free_bytes, now);
    CHECK_EQ(s.min_free_bytes, now);
    hdr(slab(T))->header ^= 1u << TH_CHECK_SHIFT;
}

/* A free block's next link, changed by a write after free, names the
 * region's last block position (8 bytes short of the sentinel), where user
 * data of a live block has been made to look like a sealed free header. A
 * block there would have its links past the region's end on a 64-bit host:
 * th_check and th_malloc must refuse the link before reading through it.
 * The heap ends where the arena does, so that on the host the sanitizer
 * sees any read past it. */
static void test_link_to_region_end(void)
{
    H = th_init(s_arena + ((s_arena_size - REGION) & ~(size_t)7u), REGION);
    if (!CHECK(H != NULL)) {
        return;
    }
    const th_region *r   = &H->regions[0];
    uint8_t         *top = th_malloc(H, 200);
    uint8_t         *a   = th_malloc(H, 200);
    uint8_t         *b   = th_malloc(H, 200);
    uintptr_t        x   = r->first + r->span - 8u;
    if (!CHECK(top && a && b && x >= th_addr(top) &&
               x + sizeof(th_word) <= th_addr(top) + th_usable_size(H, top))) {
        return;
    }
    th_free(H, a);
    th_block *fake        = th_at(x);
    fake->header          = th_mkheader(H, fake, bsz(a), TH_KIND_GEN, 0u, 0u);
    th_block *saved       = th_lk(hdr(a))->next;
    th_lk(hdr(a))->next   = fake;
    CHECK(h_check_catches(H, "I5 link to the region's last block position"));
    h_reset_faults();
    void *d = th_malloc(H, 200); /* a's size class: the damaged list is read */
    CHECK_EQ(h_fault_count[TH_FAULT_CORRUPTION], 1);
    CHECK(d == NULL || th_addr(d) + 200u <= th_addr(a) - sizeof(th_word) ||
          th_addr(d) >= th_addr(a) + th_usable_size(H, b)); /* not a's block */
    th_lk(hdr(a))->next = saved;
    h_reset_faults();
    CHECK(th_check(H));
}

int main(void)
{
    s_arena = h_arena(&s_arena_size);
    h_record_faults();
    unsigned caught = 0;
    for (size_t c = 0; c < sizeof s_cases / sizeof s_cases[0]; c++) {
        h_reset_faults();
        if (!CHECK(setup_somewhere(s_cases[c].setup) && th_check(H))) {
            h_printf("  setup failed: %s\n", s_cases[c].what);
            continue;
        }
        s_cases[c].damage();
        if (CHECK(h_check_catches(H, s_cases[c].what))) {
            caught++;
        }
    }
    h_printf("%u of %u single-clause breaks caught by th_check\n", caught,
             (unsigned)(sizeof s_cases / sizeof s_cases[0]));
    h_reset_faults();
    test_walk_stops();
    test_free_block_stats();
    test_tiny_counts_last_page();
    test_min_free_clamped();
    CHECK_EQ(h_total_faults, 0);
    test_link_to_region_end();
    return h_failures;
}
