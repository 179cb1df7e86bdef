/* SPDX-License-Identifier: MIT */
/*
 * test_slab_guard: the checks that stand between a tiny slab's class map
 * and the slab being given back (or handed out from) are on in the build
 * firmware ships (TH_DEBUG=0: no TH_HARDEN, no fill patterns:
 * test_slab_guard.mk). The map is only a claim; each case damages it the way
 * a stray write would, makes the call that would follow it, and checks that
 * the call raises exactly one TH_FAULT_CORRUPTION and leaves every byte of
 * the region as it was (the fault counters aside), so the damage is
 * reported, never followed:
 *
 *   - a map bit past the slab's last block (it would index past blocks[]);
 *   - a block holding a live object filed as empty (giving the slab back
 *     would hand that object's memory to the next allocation);
 *   - the same, met by th_realloc moving the slab's last object (the move
 *     would hand out a new block before the free that ends it is refused);
 *   - the current block filed as empty (the tiny cursor would be left
 *     pointing into memory given back);
 *   - the idle current slab with a live object in a block its map calls
 *     empty, when an allocation needs the slab's memory back.
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 4096u

static uint8_t  s_copy[REGION];
static uint8_t *s_base;
static th_heap *H;

/* Hides where a pointer came from: th_malloc is declared malloc-like, so
 * the compiler may drop stores it can prove reach only an unused object, and
 * the damage below is exactly such a store. */
static uintptr_t launder(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    __asm__("" : "+r"(a));
    return a;
}
static th_slab *slab_of(const void *p)
{
    return (th_slab *)(launder(p) & ~(uintptr_t)(TH_PAGE - 1u));
}
static uint32_t tiny_index(const void *p)
{
    return (uint32_t)(((uintptr_t)p & (TH_PAGE - 1u)) / 16u);
}

static void fresh(void)
{
    H = th_init(s_base, REGION);
    CHECK(H != NULL);
    h_reset_faults();
}

/* Copies the region (after the damage), so the call can be compared. */
static void snapshot(void)
{
    for (uint32_t i = 0; i < REGION; i++) {
        s_copy[i] = s_base[i];
    }
}

/* Exactly one corruption fault, and nothing but the counter changed. */
static void expect_reported(const char *what)
{
    uint32_t before = H->faults[TH_FAULT_CORRUPTION];
    bool     one    = h_total_faults == 1u && h_last_fault == TH_FAULT_CORRUPTION;
    /* The fault counter is the one word allowed to change: compare it as it
     * was before the call. */
    H->faults[TH_FAULT_CORRUPTION] = before - h_total_faults;
    uint32_t diff = 0;
    for (uint32_t i = 0; i < REGION; i++) {
        diff += s_base[i] != s_copy[i];
    }
    H->faults[TH_FAULT_CORRUPTION] = before;
    h_printf("%-44s fault %s, %u bytes changed\n", what, one ? "CORRUPTION" : "MISSING",
             (unsigned)diff);
    CHECK(one);
    CHECK_EQ(diff, 0);
}

static void map_past_last_block(void)
{
    fresh();
    void *a = th_malloc(H, 16); /* block 0: current and full */
    CHECK(a != NULL);
    slab_of(a)->map[3] = 1u << TH_SLAB_BLOCKS;
    snapshot();
    CHECK(th_malloc(H, 16) == NULL); /* needs an empty block: the map names none */
    expect_reported("map bit past the last block, th_malloc");
}

static void live_block_filed_empty(void)
{
    fresh();
    void *c = NULL;
    for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        c = th_malloc(H, 16); /* the first slab, full; its block 0 stays current */
    }
    void *a = th_malloc(H, 16); /* the second slab: block 0 */
    void *b = th_malloc(H, 16); /* and block 1 */
    CHECK(c != NULL && a != NULL && b != NULL && slab_of(a) != slab_of(c));
    CHECK(slab_of(b) == slab_of(a) && tiny_index(b) == 1u);
    slab_of(a)->map[3] |= 1u << tiny_index(a);
    snapshot();
    th_free(H, b); /* b's block empties: by the map, the slab would go back */
    expect_reported("live block filed as empty, th_free");
}

/* The same damage met by th_realloc moving b: the free that ends the move
 * would be refused, so the move must not start (no new block handed out,
 * b kept). */
static void realloc_last_filed_empty(void)
{
    fresh();
    void *c = NULL;
    for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        c = th_malloc(H, 16);
    }
    void *a = th_malloc(H, 16);
    void *b = th_malloc(H, 16);
    CHECK(c != NULL && a != NULL && b != NULL && slab_of(b) == slab_of(a));
    slab_of(a)->map[3] |= 1u << tiny_index(a);
    snapshot();
    CHECK(th_realloc(H, b, 40) == NULL); /* b would move to a general block */
    expect_reported("live block filed as empty, th_realloc (move)");
}

static void current_block_filed_empty(void)
{
    fresh();
    void *a = th_malloc(H, 16); /* block 0: current */
    void *b = th_malloc(H, 16); /* block 1 */
    CHECK(a != NULL && b != NULL && slab_of(a) == slab_of(b));
    th_free(H, a); /* the current block is empty and stays current */
    slab_of(a)->map[3] |= 1u << tiny_index(a);
    snapshot();
    th_free(H, b);
    expect_reported("current block filed as empty, th_free");
}

static void idle_slab_not_empty(uint32_t block)
{
    fresh();
    void *a = th_malloc(H, 8); /* block 0: current */
    CHECK(a != NULL);
    th_free(H, a); /* the slab is idle: every block empty, filed or current */
    th_slab *s = slab_of(a);
    s->meta[block] = 0x11u; /* a live object in a block the map files as empty */
    snapshot();
    /* Too big for what is free: retried after giving the idle slab back,
     * which the check refuses (a fault, so not counted as out of memory). */
    CHECK(th_malloc(H, REGION) == NULL);
    expect_reported("idle slab with a live block, th_malloc (retry)");
}

/* A block filed under class 1 whose bookkeeping says it is full: the
 * allocation that takes it off the class-1 list must refuse it (its room
 * is found in the bookkeeping: a full block has none). */
static void filed_block_full(void)
{
    fresh();
    void *a = th_malloc(H, 12); /* block 0, units 0..2: current */
    void *b = th_malloc(H, 4);  /* unit 3: full */
    void *c = th_malloc(H, 12); /* block 1 becomes current */
    void *d = th_malloc(H, 4);  /* and full */
    CHECK(a != NULL && b != NULL && c != NULL && d != NULL);
    th_free(H, b); /* block 0: class 1 */
    slab_of(a)->meta[tiny_index(a)] |= 0x08u; /* unit 3 used: full, still filed */
    snapshot();
    CHECK(th_malloc(H, 4) == NULL);
    expect_reported("block filed under a class it lacks, th_malloc");
}

/* A free list's head damaged to name a block outside every region (a
 * sealed free header there: this build checks the seal alone), in the bin a
 * new slab's carve searches first: the block is carved (the heap's lists
 * change), but the slab is refused, reported, before a page map is marked
 * (there is no region to mark it in), and no slab is made of it. */
static void slab_from_foreign_block(size_t n)
{
    fresh();
    const uint32_t size = 2u * TH_PAGE + 64u;
    uintptr_t      f    = (((uintptr_t)s_base + REGION + 1024u + 7u) & ~(uintptr_t)7u) + 4u;
    if (!CHECK(f + size + 8u <= (uintptr_t)s_base + n)) {
        return;
    }
    th_block *b = th_at(f);
    b->header   = th_mkheader(H, b, size, TH_KIND_GEN, 0u, 0u);
    th_lk(b)->next = NULL;
    th_lk(b)->prev = NULL;
    *(th_word *)(f + size - sizeof(th_word)) = size;
    th_block *e = th_at(f + size); /* a sentinel above it */
    e->header   = th_mkheader(H, e, 0u, TH_KIND_END, TH_USED, TH_PREV_FREE);
    uint32_t j  = th_bin_of(size);
    CHECK(H->bins[j] == NULL);
    H->bins[j] = b;
    H->bitmap[j / 32u] |= 1u << (j % 32u);
    CHECK(th_malloc(H, 4) == NULL); /* the first tiny object needs a slab */
    bool one = h_total_faults == 1u && h_last_fault == TH_FAULT_CORRUPTION;
    h_printf("%-44s fault %s\n", "free list head outside the regions, new slab",
             one ? "CORRUPTION" : "MISSING");
    CHECK(one);
    CHECK_EQ(th_get_stats(H).tiny_blocks, 0);
}

int main(void)
{
    size_t n;
    s_base = h_arena(&n);
    if (!CHECK(n >= REGION)) {
        return h_failures;
    }
    h_record_faults();
    map_past_last_block();
    live_block_filed_empty();
    realloc_last_filed_empty();
    current_block_filed_empty();
    filed_block_full();
    idle_slab_not_empty(5u);
    idle_slab_not_empty(TH_SLAB_BLOCKS - 1u); /* the last bookkeeping word */
    slab_from_foreign_block(n);
    return h_failures;
}
