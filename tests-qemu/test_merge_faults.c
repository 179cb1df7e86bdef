/* SPDX-License-Identifier: MIT */
/*
 * test_merge_faults: a block freed twice is a TH_FAULT_DOUBLE_FREE whichever
 * way its first free was merged (tinyheap.h, th_free: "TH_FAULT_DOUBLE_FREE
 * for a block that is free now"), and the second free, th_usable_size and
 * th_realloc of it change nothing but the fault counter.
 *
 * Two adjacent blocks L (lower) and U (upper), between live fences:
 *   - U freed, then L: L absorbs U as its free upper neighbour, and U's
 *     header is buried inside the merged block;
 *   - L freed, then U: the block below absorbs U.
 * The first case used to be reported as TH_FAULT_BAD_POINTER when the fill
 * patterns are on (TH_FILL, the debug default): the merge overwrote U's
 * header with the freed pattern instead of marking it freed.
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 4096u

static th_heap *H;
static uint8_t *BASE;
static uint8_t  s_snap[REGION];

/* The region is as at snap(), but the heap's fault counters. */
static void snap(void) { h_copy(s_snap, BASE, REGION); }
static bool unchanged(void)
{
    return h_same(s_snap, BASE, REGION, (size_t)((uint8_t *)&H->faults[0] - BASE),
                  sizeof H->faults);
}

/* Every call on the freed pointer p: the DOUBLE_FREE fault, counted once,
 * and nothing else changed. */
static void expect_double_free(uint8_t *p, const char *what)
{
    th_stats before = th_get_stats(H);
    snap();
    h_reset_faults();
    th_free(H, p);
    size_t u = th_usable_size(H, p);
    void  *q = th_realloc(H, p, 8);
    void  *r = th_realloc(H, p, 200);
    if (h_fault_count[TH_FAULT_DOUBLE_FREE] != 4u) {
        h_printf("%s: fault %d, expected DOUBLE_FREE\n", what, (int)h_last_fault);
    }
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], 4);
    CHECK_EQ(h_total_faults, 4);
    CHECK_EQ(u, 0);
    CHECK(q == NULL && r == NULL);
    CHECK(unchanged());
    th_stats after = th_get_stats(H);
    CHECK_EQ(after.faults[TH_FAULT_DOUBLE_FREE], before.faults[TH_FAULT_DOUBLE_FREE] + 4u);
    CHECK_EQ(after.frees, before.frees);
    CHECK_EQ(after.free_bytes, before.free_bytes);
    CHECK_EQ(after.in_use, before.in_use);
    CHECK(th_check(H));
}

/* Two adjacent live blocks between live fences: *lo below *up. */
static bool setup(uint8_t **lo, uint8_t **up, uint8_t **f1, uint8_t **f2)
{
    H = th_init(BASE, REGION);
    h_reset_faults();
    if (!CHECK(H != NULL)) {
        return false;
    }
    *f1            = th_malloc(H, 64);
    uint8_t *x     = th_malloc(H, 64);
    uint8_t *y     = th_malloc(H, 64);
    *f2            = th_malloc(H, 64);
    *lo            = x < y ? x : y;
    *up            = x < y ? y : x;
    size_t   step  = (size_t)(*up - *lo);
    uint8_t *fa    = *f1 < *f2 ? *f1 : *f2;
    uint8_t *fb    = *f1 < *f2 ? *f2 : *f1;
    /* adjacent, and fenced on both sides by live blocks */
    return CHECK(*f1 && *f2 && x && y) && CHECK_EQ(step, TH_BLOCK_FOOTPRINT(64)) &&
           CHECK(fa < *lo && fb > *up);
}

int main(void)
{
    size_t n;
    BASE = h_arena(&n);
    if (!CHECK(n >= REGION)) {
        return h_failures;
    }
    h_record_faults();
    uint8_t *lo;
    uint8_t *up;
    uint8_t *f1;
    uint8_t *f2;

    /* The upper block freed first: the lower one absorbs it on its free. */
    if (setup(&lo, &up, &f1, &f2)) {
        th_free(H, up);
        th_free(H, lo);
        CHECK_EQ(h_total_faults, 0);
        expect_double_free(up, "upper, absorbed by the block below");
        expect_double_free(lo, "lower, the merged block");
    }

    /* The lower block freed first: the upper one is absorbed into it. */
    if (setup(&lo, &up, &f1, &f2)) {
        th_free(H, lo);
        th_free(H, up);
        CHECK_EQ(h_total_faults, 0);
        expect_double_free(up, "upper, merged into the free block below");
        expect_double_free(lo, "lower, the merged block");
    }

    /* A freed block absorbed by its neighbour when that neighbour is freed
     * into the free block below it too (three-way merge). */
    if (setup(&lo, &up, &f1, &f2)) {
        th_free(H, up);
        th_free(H, f1 < f2 ? f1 : f2); /* the fence below lo: free, lo's neighbour */
        th_free(H, lo);                /* merges both ways */
        CHECK_EQ(h_total_faults, 0);
        expect_double_free(up, "upper, in a three-way merge");
        expect_double_free(lo, "lower, in a three-way merge");
    }
    return h_failures;
}
