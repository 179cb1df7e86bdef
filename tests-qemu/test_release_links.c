/* SPDX-License-Identifier: MIT */
/*
 * test_release_links: with the allocator built as firmware ships it
 * (TH_DEBUG=0: no TH_HARDEN, no fill patterns), a write after free over a
 * free block's list links, or a stray write over a footer, is reported as
 * TH_FAULT_CORRUPTION by the call that would follow it (TH_CHECK_LINKS, on
 * by default), and that call writes nothing: not where the damaged word
 * points (a guard array here, filled with a pattern), not in the heap.
 * Before TH_CHECK_LINKS, release builds followed such words: malloc, free
 * and realloc wrote a pointer wherever the damage pointed.
 */
#include "harness.h"

#if TH_HARDEN || TH_FILL || !TH_CHECK_LINKS
#error "test_release_links is built for release with the default TH_CHECK_LINKS"
#endif

#define GUARD_WORDS 16u
static uintptr_t s_guard[GUARD_WORDS];

static th_heap *fresh(void)
{
    size_t   n;
    uint8_t *a = h_arena(&n);
    if (!CHECK(n >= 4096u)) {
        return NULL;
    }
    for (unsigned i = 0; i < GUARD_WORDS; i++) {
        s_guard[i] = (uintptr_t)0xA5A5A5A5u;
    }
    h_reset_faults();
    return th_init(a, 4096);
}

/* Takes everything still free, so that the blocks a case frees are alone
 * in their size classes. */
static void *take_rest(th_heap *h)
{
    void *r = th_malloc(h, th_largest_free(h));
    CHECK(r != NULL && th_largest_free(h) < 64u);
    return r;
}

/* Hides where a pointer came from: the compiler knows each allocation's
 * size (alloc_size) and would flag the deliberate write in front of one. */
static uintptr_t launder(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    __asm__("" : "+r"(a));
    return a;
}

static void forge(void *at, const void *target)
{
    *(volatile uintptr_t *)at = (uintptr_t)target;
}

static th_stats s_before;

static void before(th_heap *h)
{
    s_before = th_get_stats(h);
    h_reset_faults();
}

/* The call reported the damage once, wrote nothing through it, and the
 * heap's figures are as they were. */
static void reported(th_heap *h, int line)
{
    if (h_fault_count[TH_FAULT_CORRUPTION] != 1u || h_total_faults != 1u) {
        h_printf("line %d: %u corruption faults of %u\n", line,
                 h_fault_count[TH_FAULT_CORRUPTION], h_total_faults);
        CHECK(false);
    }
    for (unsigned i = 0; i < GUARD_WORDS; i++) {
        CHECK_EQ(s_guard[i], (uintptr_t)0xA5A5A5A5u);
    }
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.free_bytes, s_before.free_bytes);
    CHECK_EQ(s.free_blocks, s_before.free_blocks);
    CHECK_EQ(s.in_use, s_before.in_use);
    CHECK_EQ(s.allocs, s_before.allocs);
    CHECK_EQ(s.frees, s_before.frees);
    CHECK_EQ(s.failed, s_before.failed);
    CHECK(!th_check(h)); /* the damage is still there, and reported */
    h_reset_faults();
}

/* malloc takes a free block whose next link was written after its free. */
static void test_malloc_next(void)
{
    th_heap *h  = fresh();
    void    *hi = th_malloc(h, 40);
    uint8_t *x  = th_malloc(h, 200);
    void    *lo = th_malloc(h, 40);
    if (!CHECK(hi != NULL && x != NULL && lo != NULL) || take_rest(h) == NULL) {
        return;
    }
    th_free(h, x);
    forge(x, &s_guard[4]); /* x->next */
    before(h);
    CHECK(th_malloc(h, 100) == NULL);
    reported(h, __LINE__);
}

/* free merges with the free block above, whose prev link was damaged. */
static void test_free_merge_prev(void)
{
    th_heap *h = fresh();
    void    *a = th_malloc(h, 40);
    uint8_t *x = th_malloc(h, 200);
    void    *w = th_malloc(h, 40); /* right below x */
    void    *b = th_malloc(h, 40);
    uint8_t *y = th_malloc(h, 200);
    void    *c = th_malloc(h, 40);
    if (!CHECK(a != NULL && x != NULL && w != NULL && b != NULL && y != NULL && c != NULL) ||
        take_rest(h) == NULL) {
        return;
    }
    th_free(h, x);
    th_free(h, y); /* one size class: y, then x */
    forge(x + sizeof(void *), &s_guard[4]); /* x->prev */
    before(h);
    th_free(h, w);
    reported(h, __LINE__);
}

/* free merges with the free block below, the head of its list, whose prev
 * link was written after its free to name a place in a live block where
 * the application's data happens to hold the block's address: so the
 * damaged link even "links back". Still refused, and the live block is not
 * written (it used to be: a head's prev was trusted when it linked back). */
static void test_free_merge_prev_links_back(void)
{
    th_heap *h = fresh();
    uint8_t *a = th_malloc(h, 200); /* the application's live object */
    uint8_t *u = th_malloc(h, 76);
    uint8_t *x = th_malloc(h, 36); /* right below u */
    if (!CHECK(a != NULL && u != NULL && x != NULL) || take_rest(h) == NULL ||
        !CHECK_EQ(h_addr(x) + th_usable_size(h, x) + 4u, h_addr(u))) {
        return;
    }
    th_free(h, x); /* alone in its size class: the head */
    uintptr_t xb = h_addr(x) - 4u;
    forge(a + 8, (const void *)xb);  /* a's data: x's block address */
    forge(x + sizeof(void *), a + 4); /* x->prev: a "block" at a + 4, whose next is a + 8 */
    before(h);
    th_free(h, u);
    reported(h, __LINE__);
    CHECK_EQ(*(volatile uintptr_t *)(void *)(a + 8), xb); /* the live object untouched */
}

/* A block merged into the one below it, then handed out inside a live
 * block, leaves no free header there: a write after free that puts its old
 * address back in a list link is refused (its header used to stay sealed
 * and free, with its old links, and passed for the list's next block: the
 * malloc wrote into the live block, and the next one handed out a block
 * inside it). */
static void test_stale_header_in_live_block(void)
{
    th_heap *h  = fresh();
    uint8_t *g0 = th_malloc(h, 36);
    uint8_t *x  = th_malloc(h, 36);
    uint8_t *g1 = th_malloc(h, 36);
    uint8_t *n  = th_malloc(h, 36);
    uint8_t *u  = th_malloc(h, 36); /* right below n */
    uint8_t *g2 = th_malloc(h, 36);
    if (!CHECK(g0 != NULL && x != NULL && g1 != NULL && n != NULL && u != NULL && g2 != NULL) ||
        take_rest(h) == NULL || !CHECK_EQ(h_addr(u) + 40u, h_addr(n))) {
        return;
    }
    th_free(h, n);
    th_free(h, x); /* one size class: x, then n */
    th_free(h, u); /* u absorbs n */
    uint8_t *l = th_malloc(h, 76); /* u and n, whole: live */
    if (!CHECK(l == u)) {
        return;
    }
    /* The application has not written l yet: what a merge left in it is
     * still there. */
    uint8_t snap[76];
    for (unsigned i = 0; i < 76u; i++) {
        snap[i] = l[i];
    }
    forge(x, (const void *)(h_addr(n) - 4u)); /* x->next: n's old block address */
    before(h);
    CHECK(th_malloc(h, 36) == NULL);
    reported(h, __LINE__);
    for (unsigned i = 0; i < 76u; i++) {
        if (l[i] != snap[i]) {
            CHECK_EQ(l[i], snap[i]); /* the live block untouched */
            break;
        }
    }
}

/* free merges with the free block below, found through a damaged footer:
 * one bit flipped makes it name a header inside a live block. */
static void test_free_merge_footer(void)
{
    th_heap *h = fresh();
    uint8_t *a = th_malloc(h, 100);
    uint8_t *b = th_malloc(h, 40); /* below a */
    uint8_t *c = th_malloc(h, 400); /* below b */
    if (!CHECK(a != NULL && b != NULL && c != NULL) || take_rest(h) == NULL) {
        return;
    }
    for (unsigned i = 0; i < 400u; i++) {
        c[i] = 0;
    }
    th_free(h, b);
    *(volatile uint8_t *)(launder(a) - 7u) ^= 1u; /* b's footer (at a - 8), bit 8 */
    before(h);
    th_free(h, a);
    reported(h, __LINE__);
    for (unsigned i = 0; i < 400u; i++) {
        if (c[i] != 0u) {
            CHECK_EQ(c[i], 0u); /* the live block below is untouched */
            break;
        }
    }
}

/* realloc would grow into the free block above, whose next link was
 * written after its free. */
static void test_realloc_next(void)
{
    th_heap *h  = fresh();
    void    *hi = th_malloc(h, 40);
    uint8_t *n  = th_malloc(h, 200);
    void    *lo = th_malloc(h, 40); /* right below n */
    if (!CHECK(hi != NULL && n != NULL && lo != NULL) || take_rest(h) == NULL) {
        return;
    }
    th_free(h, n);
    forge(n, &s_guard[4]); /* n->next */
    before(h);
    CHECK(th_realloc(h, lo, 100) == NULL);
    reported(h, __LINE__);
}

/* A bit flipped in a free block's header makes its size read smaller: the
 * malloc it would serve reports the damage, not an out-of-memory failure
 * (the search used to pass over it, count `failed` and call the hook). */
static void test_malloc_damaged_size(void)
{
    th_heap *h  = fresh();
    void    *hi = th_malloc(h, 40);
    uint8_t *x  = th_malloc(h, 200); /* a 208-byte block: 26 granules of 8 */
    void    *lo = th_malloc(h, 40);
    if (!CHECK(hi != NULL && x != NULL && lo != NULL) || take_rest(h) == NULL) {
        return;
    }
    th_free(h, x);
    *(volatile uint32_t *)(launder(x) - 4u) ^= 1u << 16; /* size 208 -> 80 */
    before(h);
    CHECK(th_malloc(h, 204) == NULL);
    reported(h, __LINE__);
}

int main(void)
{
    h_record_faults();
    test_malloc_next();
    test_free_merge_prev();
    test_free_merge_prev_links_back();
    test_stale_header_in_live_block();
    test_free_merge_footer();
    test_realloc_next();
    test_malloc_damaged_size();
    return h_failures;
}
