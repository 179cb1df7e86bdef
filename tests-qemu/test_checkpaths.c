/* SPDX-License-Identifier: MIT */
/*
 * test_checkpaths: every invariant th_check() verifies is broken once, by
 * hand, on a small heap, and th_check must report TH_FAULT_CORRUPTION for
 * it, then pass again once the damage is undone (th_check never writes).
 * Also the NULL-heap paths of the inspection calls. Written for coverage of
 * th_check.c's failure branches (make coverage), runs on every target.
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 4096u

static th_heap *H;

/* Flips a word, checks th_check reports it (with an address: `at` where
 * the damage is a header the walk meets, any other non-NULL address where
 * the report names what the damage led to), flips it back. */
static void expect_caught_at(const char *what, void *addr, uint32_t mask, const void *at)
{
    volatile uint32_t *w = (volatile uint32_t *)addr;
    *w ^= mask;
    h_reset_faults();
    bool ok = th_check(H);
    if (!CHECK(!ok && h_last_fault == TH_FAULT_CORRUPTION && h_last_fault_ptr != NULL &&
               (at == NULL || h_last_fault_ptr == at))) {
        h_printf("  not caught: %s\n", what);
    }
    *w ^= mask;
    h_reset_faults();
    CHECK(th_check(H));
}

static void expect_caught(const char *what, void *addr, uint32_t mask)
{
    expect_caught_at(what, addr, mask, NULL);
}

static void expect_caught_size(const char *what, size_t *addr)
{
    *addr += 8u;
    h_reset_faults();
    if (!CHECK(!th_check(H) && h_last_fault == TH_FAULT_CORRUPTION && h_last_fault_ptr == H)) {
        h_printf("  not caught: %s\n", what);
    }
    *addr -= 8u;
    CHECK(th_check(H));
}

/* A lock that counts its depth, and a fault handler that notes the heap,
 * the kind and the depth it was called at. */
static int       s_depth;
static int       s_seen_depth;
static th_heap  *s_seen_heap;
static th_fault  s_seen_kind;
static void      depth_lock(void *ctx) { ++*(int *)ctx; }
static void      depth_unlock(void *ctx) { --*(int *)ctx; }
static void      note_fault(th_heap *h, th_fault kind, const void *ptr)
{
    (void)ptr;
    s_seen_heap  = h;
    s_seen_kind  = kind;
    s_seen_depth = s_depth;
}

static th_block *hdr_of(const void *p) { return (th_block *)((uintptr_t)p - 4u); }

int main(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    H              = th_init(arena, REGION);
    if (!CHECK(H != NULL)) {
        return h_failures;
    }
    h_record_faults();

    /* Used, free and tiny blocks, a persistent chunk. */
    uint8_t *v[6];
    for (int i = 0; i < 6; i++) {
        v[i] = th_malloc(H, 40);
    }
    uint8_t *t1 = th_malloc(H, 4);
    uint8_t *t2 = th_malloc(H, 12);
    uint8_t *t3 = th_malloc(H, 8);
    uint8_t *pp = th_persistent_alloc(H, 16, 8);
    CHECK(t1 && t2 && t3 && pp);
    th_free(H, v[1]);
    th_free(H, v[4]);
    CHECK(th_check(H));
    th_block *f  = hdr_of(v[1]);
    th_block *u  = hdr_of(v[2]);
    uint32_t  fs = th_bsize(f->header);

    /* I1: a header's seal, size; I2: PREV_FREE; I4: a footer; I3 kind. */
    expect_caught_at("I1 seal of a used header", &u->header, 1u << TH_CHECK_SHIFT, u);
    expect_caught_at("I1 seal of a free header", &f->header, 1u << TH_CHECK_SHIFT, f);
    expect_caught("I1 PREV_FREE alone (the seal bit that mirrors it kept)", &u->header,
                  TH_PREV_FREE);
    expect_caught_at("I2 PREV_FREE of a used block (sealed)", &u->header, TH_PF_FLIP, u);
    expect_caught_at("I4 footer", (uint8_t *)f + fs - 4u, 8u, f);
    /* I5: list links; I6: bitmap. */
    expect_caught("I5 next link", &th_lk(f)->next, 4u);
    expect_caught("I5 prev link", &th_lk(f)->prev, 4u);
    uint32_t bin = th_bin_of(fs);
    expect_caught("I6 bitmap", &H->bitmap[bin / 32u], 1u << (bin % 32u));
    expect_caught("I6 empty-bin bitmap", &H->bitmap[0], 1u);
    /* Tiny: I10 meta, I11 map, I12 lists and mask. */
    th_slab *s = (th_slab *)((uintptr_t)t1 & ~(uintptr_t)(TH_PAGE - 1u));
    uint32_t bi = (uint32_t)(((uintptr_t)t1 & (TH_PAGE - 1u)) / 16u);
    expect_caught("I10 S without U", &s->meta[bi & ~3u], 0x01u << (8u * (bi & 3u)));
    expect_caught("I10 U without S", &s->meta[bi & ~3u], 0x08u << (8u * (bi & 3u)));
    for (int j = 0; j < 4; j++) {
        expect_caught("I11 map", &s->map[j], 1u << 27);
    }
    expect_caught("I12 list link", &s->next[0], 0x5u);
    expect_caught("I12 list link (prev)", &s->prev[2], 0x5u << 16);
    expect_caught("I12 class mask", &H->tiny_head[0], 0xFFu);
    /* I8: a page-map bit on a page with no slab. */
    const th_region *r = &H->regions[0];
    expect_caught("I8 page map", &r->pagemap[0], 1u << (((uintptr_t)v[0] - r->page0) / TH_PAGE));
    /* I7, I9: the counters. */
    expect_caught_size("I9 in_use", &H->in_use);
    /* I14: the persistent chunk. */
    expect_caught("I14 chunk header", (uint8_t *)pp - 4u, 1u << TH_CHECK_SHIFT);
    expect_caught("I14 offset", &H->pers_off, 0x10000u);
    /* I1: the sentinel. */
    expect_caught_at("I1 sentinel", (void *)(r->first + r->span), 1u << TH_CHECK_SHIFT,
                     (void *)(r->first + r->span));

    /* NULL heap: the inspection calls. */
    h_reset_faults();
    CHECK(!th_check(NULL));
    th_walk(NULL, NULL, NULL);
    th_walk(H, NULL, NULL);
    th_set_lock(NULL, NULL, NULL, NULL);
    CHECK(th_set_oom_hook(NULL, NULL) == NULL);
    CHECK_EQ(th_get_stats(NULL).capacity, 0);
    CHECK_EQ(th_free_bytes(NULL), 0);
    CHECK_EQ(th_min_free_bytes(NULL), 0);
    CHECK_EQ(th_largest_free(NULL), 0);
    th_reset_min_free(NULL);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 10);

    /* The inspection calls report on the heap they were given, inside its
     * lock like every other call, and count nothing (they never write). */
    th_set_lock(H, depth_lock, depth_unlock, &s_depth);
    th_fault_handler prev = th_set_fault_handler(note_fault);
    th_stats         f0   = th_get_stats(H);
    th_walk(H, NULL, NULL);
    CHECK(s_seen_heap == H && s_seen_depth == 1 && s_seen_kind == TH_FAULT_BAD_ARGUMENT);
    s_seen_heap = NULL;
    H->in_use += 8u; /* damage th_check finds */
    CHECK(!th_check(H));
    H->in_use -= 8u;
    CHECK(s_seen_heap == H && s_seen_depth == 1 && s_seen_kind == TH_FAULT_CORRUPTION);
    CHECK_EQ(s_depth, 0);
    th_stats f1 = th_get_stats(H);
    CHECK_EQ(f1.faults[TH_FAULT_BAD_ARGUMENT], f0.faults[TH_FAULT_BAD_ARGUMENT]);
    CHECK_EQ(f1.faults[TH_FAULT_CORRUPTION], f0.faults[TH_FAULT_CORRUPTION]);
    th_set_fault_handler(prev);
    th_set_lock(H, NULL, NULL, NULL);

    /* The O(1) free-space queries agree with the stats. */
    h_reset_faults();
    th_stats st = th_get_stats(H);
    CHECK_EQ(th_free_bytes(H), st.free_bytes);
    CHECK_EQ(th_largest_free(H), st.largest_free);
    CHECK(th_min_free_bytes(H) <= th_free_bytes(H));
    th_reset_min_free(H);
    CHECK_EQ(th_min_free_bytes(H), th_free_bytes(H));
    CHECK_EQ(h_total_faults, 0);

    /* Everything back: the heap is whole. */
    h_reset_faults();
    for (int i = 0; i < 6; i++) {
        if (i != 1 && i != 4) {
            th_free(H, v[i]);
        }
    }
    th_free(H, t1);
    th_free(H, t2);
    th_free(H, t3);
    CHECK(th_check(H));
    CHECK_EQ(h_total_faults, 0);
    CHECK_EQ(th_get_stats(H).in_use, 0);
    return h_failures;
}
