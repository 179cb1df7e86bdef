/* SPDX-License-Identifier: MIT */
/*
 * test_invariants: one case per clause of th_check(). Where test_checkpaths
 * flips bits (which breaks a header's seal first), these cases forge
 * metadata that is *sealed* and wrong, so each numbered invariant of
 * th_internal.h (I1..I16) is reached through its own test: a block of the
 * sentinel's kind in the middle, two free blocks side by side, a slab that
 * is not on its page, a list that misses a block, a tiny list with a
 * cycle... Every case starts from a fresh heap; th_check must answer false
 * and report TH_FAULT_CORRUPTION. Also the O(1) free-space marks.
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 8192u

static th_heap *H;
static uint8_t *G1, *G2, *G3, *T1, *T2, *P;

static th_block *hdr(const void *p) { return th_at(th_addr(p) - sizeof(th_word)); }
static uint32_t  bsz(const void *p) { return th_bsize(hdr(p)->header); }
static th_slab  *slab(const void *p) { return (th_slab *)(th_addr(p) & ~(uintptr_t)(TH_PAGE - 1u)); }
static void reseal(th_block *b, uint32_t size, th_word kind, th_word used, th_word pf)
{
    b->header = th_mkheader(H, b, size, kind, used, pf);
}

/* A heap with three general blocks (the middle one free), a slab with two
 * tiny objects and a persistent chunk. */
static void setup(void)
{
    size_t   n;
    uint8_t *a = h_arena(&n);
    H          = th_init(a, REGION);
    G1         = th_malloc(H, 100);
    G2         = th_malloc(H, 100);
    G3         = th_malloc(H, 100);
    T1         = th_malloc(H, 4);
    T2         = th_malloc(H, 12);
    P          = th_persistent_alloc(H, 16, 8);
    th_free(H, G2);
    CHECK(G1 && G2 && G3 && T1 && T2 && P);
    CHECK(th_check(H));
}

typedef struct kase {
    const char *what;
    void (*damage)(void);
} kase;

/* I10: a used unit 0 without its start bit; a lone continuation unit. */
static void d_meta_unit0(void) { slab(T1)->meta[27] = 0x01u; }
static void d_meta_orphan(void) { slab(T1)->meta[27] = 0x04u; }
/* I11: a map bit for a block past the slab's 28. */
static void d_map_phantom(void) { slab(T1)->map[0] |= 1u << 30; }
/* I13: a slab that is all empty but is not the current block's. */
static void d_idle_slab(void)
{
    th_slab *s = slab(T1);
    H->tiny_cur = NULL; /* the cursor lets go of it... */
    for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        s->meta[i] = 0u;
    }
    s->map[0] = s->map[1] = s->map[2] = 0u;
    s->map[3] = TH_SLAB_FULLMAP; /* ...and it stays */
}
/* I1: the sentinel sealed with a size; a sentinel-kind block mid-region;
 * sealed sizes below the minimum and past the region's end. */
static void d_sentinel_size(void)
{
    const th_region *r = &H->regions[0];
    reseal(th_at(r->first + r->span), 8u, TH_KIND_END, TH_USED, 0u);
}
/* ...and sealed as another kind, size 0 still. */
static void d_sentinel_kind(void)
{
    const th_region *r = &H->regions[0];
    th_block        *s = th_at(r->first + r->span);
    reseal(s, 0u, TH_KIND_PERS, TH_USED, s->header & TH_PREV_FREE);
}
static void d_end_kind(void) { reseal(hdr(G1), bsz(G1), TH_KIND_END, TH_USED, 0u); }
static void d_tiny_size(void) { reseal(hdr(G1), 8u, TH_KIND_GEN, TH_USED, 0u); }
static void d_huge_size(void) { reseal(hdr(G1), 1u << 20, TH_KIND_GEN, TH_USED, 0u); }
/* I3: the used block above the free G2 sealed as free (two free blocks
 * side by side), with a matching footer. */
static void d_adjacent_free(void)
{
    uint8_t *above = G2 + bsz(G2);
    th_block *b    = th_at(th_addr(above) - sizeof(th_word));
    uint32_t  size = th_bsize(b->header);
    reseal(b, size, TH_KIND_GEN, 0u, TH_PREV_FREE);
    *(th_word *)(th_addr(b) + size - sizeof(th_word)) = size;
}
/* A free block of a kind other than general. */
static void d_free_kind(void) { reseal(hdr(G2), bsz(G2), TH_KIND_PERS, 0u, 0u); }
/* I8: a general block sealed as a slab (not on a page boundary); the real
 * slab resealed too small, too large; its page bit cleared. */
static void d_slab_unaligned(void) { reseal(hdr(G1), bsz(G1), TH_KIND_SLAB, TH_USED, 0u); }
static void d_slab_small(void)
{
    th_block *b = hdr(slab(T1));
    reseal(b, TH_PAGE - 8u, TH_KIND_SLAB, TH_USED, b->header & TH_PREV_FREE);
}
static void d_slab_large(void)
{
    th_block *b = hdr(slab(T1));
    reseal(b, TH_PAGE + TH_MIN_BLOCK, TH_KIND_SLAB, TH_USED, b->header & TH_PREV_FREE);
}
static void d_page_bit_clear(void) { th_page_mark(th_region_of(H, th_addr(slab(T1))), th_addr(slab(T1)), false); }
/* I8 the other way: a page well inside the big free block marked as a slab
 * (not its first page: every page a block covers must be looked at). */
static uintptr_t s_big;
static void      find_big(void *user, char kind, const void *addr, size_t size)
{
    (void)user;
    if (kind == 'f' && size >= 4u * TH_PAGE) {
        s_big = th_addr(addr);
    }
}
static void d_page_bit_stray(void)
{
    s_big = 0u;
    th_walk(H, find_big, NULL);
    CHECK(s_big != 0u);
    uintptr_t p = (s_big + 2u * TH_PAGE) & ~(uintptr_t)(TH_PAGE - 1u);
    th_page_mark(th_region_of(H, p), p, true);
}
/* I5: list links that leave the heap, land misaligned, name a used block. */
static th_block *free_g2(void) { return hdr(G2); }
static void d_link_foreign(void) { th_lk(free_g2())->next = (th_block *)(uintptr_t)&H->magic; }
static void d_link_misaligned(void) { th_lk(free_g2())->next = th_at(th_addr(hdr(G1)) + 2u); }
static void d_link_used(void)
{
    th_block *u = hdr(G1);
    th_lk(free_g2())->next = u;
    th_lk(u)->prev         = free_g2();
}
/* I5: a free block missing from every list (its bin emptied, bitmap too). */
static void d_unlisted(void)
{
    uint32_t i  = th_bin_of(bsz(G2));
    H->bins[i]  = th_lk(free_g2())->next;
    if (H->bins[i] == NULL) {
        H->bitmap[i / 32u] &= ~(1u << (i % 32u));
    } else {
        th_lk(H->bins[i])->prev = NULL;
    }
}
/* I12: tiny lists: a cycle, a head outside the heap, a head that is not a
 * slab page, a listed slab with an empty map, a slab missing from its
 * list, a mask bit that disagrees. */
static uint32_t listed_class(void)
{
    for (uint32_t j = 0; j < 4u; j++) {
        if (H->tiny_head[j] != 0u) {
            return j;
        }
    }
    return 0u;
}
static void d_tiny_cycle(void)
{
    uint32_t j                       = listed_class();
    th_slab_at(H, H->tiny_head[j])->next[j] = H->tiny_head[j];
}
static void d_tiny_head_far(void) { H->tiny_head[listed_class()] = 0xFFF0u; }
static void d_tiny_head_page(void)
{
    /* The page number of a general block's page: in the region, not a slab. */
    H->tiny_head[listed_class()] = (uint16_t)((th_addr(G1) - H->tiny_base) / TH_PAGE + 1u);
}
static void d_tiny_empty_map(void)
{
    uint32_t j = listed_class();
    uint32_t k = (j + 1u) % 4u;
    if (H->tiny_head[k] == 0u) {
        H->tiny_head[k] = H->tiny_head[j]; /* a list it has no block for */
        H->tiny_mask    = (uint8_t)(H->tiny_mask | (1u << k));
    } else {
        th_slab_at(H, H->tiny_head[j])->map[j] = 0u;
    }
}
static void d_tiny_unlisted(void)
{
    uint32_t j      = listed_class();
    H->tiny_head[j] = 0u;
    H->tiny_mask    = (uint8_t)(H->tiny_mask & ~(1u << j));
}
static void d_tiny_mask(void) { H->tiny_mask ^= (uint8_t)(1u << listed_class()); }
static void d_tiny_mask_high(void) { H->tiny_mask |= 0x10u; } /* no class 5 */
static void d_tiny_prev(void)
{
    uint32_t j                       = listed_class();
    th_slab_at(H, H->tiny_head[j])->prev[j] = 7u;
}
/* The current tiny block: an index past the slab. */
static void d_cur_idx(void) { H->tiny_cur_idx = 200u; }
/* I14: the persistent cursor past its chunk; the chunk resealed as general
 * or with another size. */
static void d_pers_off(void) { H->pers_off = H->pers_size + 8u; }
static void d_pers_kind(void)
{
    th_block *c = hdr(H->pers_base);
    reseal(c, th_bsize(c->header), TH_KIND_GEN, TH_USED, c->header & TH_PREV_FREE);
}
static void d_pers_size(void) { H->pers_size -= 8u; }
/* I15: half a lock slot (th_set_lock never leaves one). */
static void nop_unlock(void *ctx) { (void)ctx; }
static void d_lock_half(void) { H->unlock = nop_unlock; }
static void d_bitmap_past_bins(void)
{
    _Static_assert(TH_BIN_COUNT % 32u != 0u, "a bitmap bit past the last bin exists");
    H->bitmap[TH_NWORDS - 1u] |= 1u << (TH_BIN_COUNT % 32u);
}
static void d_no_regions(void) { H->nregions = 0u; }
static void d_page0_low(void) { H->regions[0].page0 -= 0x10000u; }
static void d_pagemap_up(void) { H->regions[0].pagemap += 4; }
static void d_first_odd(void) { H->regions[0].first += 8u; }
/* A region that starts 504 bytes into a page has its first payload on the
 * next page: that page-map bit belongs to no block's walk. */
static th_region *added_region(void)
{
    size_t    n;
    uint8_t  *a    = h_arena(&n);
    uintptr_t base = ((th_addr(a) + REGION + TH_PAGE - 1u) & ~(uintptr_t)(TH_PAGE - 1u)) + 504u;
    if (!CHECK(base + 1024u <= th_addr(a) + n) || !CHECK(th_add_region(H, (void *)base, 1024u))) {
        return NULL;
    }
    return &H->regions[H->nregions - 1u];
}
static void d_page_below_first(void)
{
    th_region *r = added_region();
    if (r != NULL) {
        CHECK_EQ((r->first + sizeof(th_word) - r->page0) / TH_PAGE, 1u);
        r->pagemap[0] |= 1u;
    }
}
/* One bit of an added region's page0 cleared: its page map would then be
 * read (and a slab's bit written) 32 words past its end, in a block. */
static void d_added_page0_low(void)
{
    th_region *r = added_region();
    if (r != NULL) {
        r->page0 -= 0x10000u;
    }
}

/* I16: on a heap whose state straddles a page boundary (so region 0's page0
 * lies inside the state), region 0's page map moved onto page0: within a
 * page above page0 as every map is, but over the heap state, where a
 * slab's page bit would land in bins[]. */
static void d_map_in_state(void)
{
    size_t    n;
    uint8_t  *a  = h_arena(&n);
    uintptr_t at = ((th_addr(a) + TH_PAGE - 1u) & ~(uintptr_t)(TH_PAGE - 1u)) + TH_PAGE - 64u;
    if (!CHECK(at + REGION <= th_addr(a) + n)) {
        return;
    }
    H = th_init((void *)at, REGION);
    if (!CHECK(H != NULL && th_check(H))) {
        return;
    }
    th_region *r = &H->regions[0];
    CHECK(r->page0 > th_addr(H) && r->page0 < th_addr(H) + sizeof *H);
    r->pagemap = (uint32_t *)r->page0;
}

static const kase s_cases[] = {
    {"I10 used unit 0 without a start", d_meta_unit0},
    {"I10 continuation without a start", d_meta_orphan},
    {"I11 map bit past the slab", d_map_phantom},
    {"I13 idle slab not held by the cursor", d_idle_slab},
    {"I1 sentinel with a size", d_sentinel_size},
    {"I1 sentinel kind mid-region", d_end_kind},
    {"I1 sentinel of another kind", d_sentinel_kind},
    {"I1 size below the minimum", d_tiny_size},
    {"I1 size past the region", d_huge_size},
    {"I3 two free blocks side by side", d_adjacent_free},
    {"I3 free block of persistent kind", d_free_kind},
    {"I8 slab off its page", d_slab_unaligned},
    {"I8 slab too small", d_slab_small},
    {"I8 slab too large", d_slab_large},
    {"I8 slab page bit cleared", d_page_bit_clear},
    {"I8 stray page bit", d_page_bit_stray},
    {"I5 link out of the heap", d_link_foreign},
    {"I5 misaligned link", d_link_misaligned},
    {"I5 link to a used block", d_link_used},
    {"I5 free block on no list", d_unlisted},
    {"I12 tiny list cycle", d_tiny_cycle},
    {"I12 tiny head out of reach", d_tiny_head_far},
    {"I12 tiny head not a slab", d_tiny_head_page},
    {"I12 listed slab with an empty map", d_tiny_empty_map},
    {"I12 slab missing from its list", d_tiny_unlisted},
    {"I12 mask bit wrong", d_tiny_mask},
    {"I12 mask bit past the classes", d_tiny_mask_high},
    {"I12 prev link wrong", d_tiny_prev},
    {"I13 current block index past the slab", d_cur_idx},
    {"I14 cursor past the chunk", d_pers_off},
    {"I14 chunk not persistent", d_pers_kind},
    {"I14 chunk size differs", d_pers_size},
    {"I15 half a lock slot", d_lock_half},
    {"I6 bitmap bit past the last bin", d_bitmap_past_bins},
    {"I16 no regions", d_no_regions},
    {"I16 page0 a page map away from the map", d_page0_low},
    {"I16 page map running into the first block", d_pagemap_up},
    {"I16 first block moved by a granule", d_first_odd},
    {"I8 page below a region's first block marked", d_page_below_first},
    {"I16 an added region's page0 a page map away", d_added_page0_low},
    {"I16 region 0's page map over the heap state", d_map_in_state},
};

static void walk_count(void *user, char kind, const void *addr, size_t size)
{
    (void)kind;
    (void)addr;
    (void)size;
    (*(unsigned *)user)++;
}

static void test_free_marks(void)
{
    setup();
    size_t now = th_free_bytes(H);
    CHECK_EQ(now, th_get_stats(H).free_bytes);
    CHECK(th_min_free_bytes(H) <= now);
    void *big = th_malloc(H, 1000);
    CHECK(big != NULL);
    size_t low = th_min_free_bytes(H);
    CHECK(low < now);
    th_free(H, big);
    CHECK_EQ(th_min_free_bytes(H), low); /* never increases by itself */
    th_reset_min_free(H);
    CHECK_EQ(th_min_free_bytes(H), th_free_bytes(H)); /* restarted */
    h_reset_faults();
    CHECK_EQ(th_free_bytes(NULL), 0);
    CHECK_EQ(th_min_free_bytes(NULL), 0);
    th_reset_min_free(NULL);
    th_walk(H, NULL, NULL);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 4);
    h_reset_faults();
}

int main(void)
{
    h_record_faults();
    unsigned caught = 0;
    for (size_t c = 0; c < sizeof s_cases / sizeof s_cases[0]; c++) {
        setup();
        s_cases[c].damage();
        if (CHECK(h_check_catches(H, s_cases[c].what))) {
            caught++;
        }
        /* The walk stops at a block it cannot step over, never beyond. */
        unsigned blocks = 0;
        th_walk(H, walk_count, &blocks);
        CHECK(blocks < REGION / 16u);
    }
    h_printf("%u of %u forged invariant breaks caught by th_check\n", caught,
             (unsigned)(sizeof s_cases / sizeof s_cases[0]));
    h_reset_faults();
    test_free_marks();
    /* The O(1) figures on that bitmap bit: they read the bins the bitmap
     * names, and the bit past the last bin names none (no read past bins[]). */
    setup();
    size_t largest = th_largest_free(H);
    size_t free_now = th_free_bytes(H);
    d_bitmap_past_bins();
    CHECK_EQ(th_largest_free(H), largest);
    CHECK_EQ(th_free_bytes(H), free_now);
    CHECK_EQ(th_get_stats(H).largest_free, largest);
    return h_failures;
}
