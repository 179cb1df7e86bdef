/* SPDX-License-Identifier: MIT */
/*
 * test_corrupt: metadata a buggy application can reach is overwritten, one
 * kind at a time, with hardening and the fill patterns on (TH_HARDEN=1,
 * TH_FILL=1: test_corrupt.mk). For each row of the table:
 *
 *   1. a fresh heap is built over a region surrounded by guard bytes;
 *   2. a few blocks are allocated (and some freed), then the metadata is
 *      damaged as a stray write would damage it;
 *   3. the next call that touches it runs: the fault it raises is recorded
 *      (the expected one is TH_FAULT_CORRUPTION, or the documented
 *      TH_FAULT_BAD_POINTER for a free whose own header is destroyed);
 *   4. th_check() must then report TH_FAULT_CORRUPTION;
 *   5. 400 more random calls run on the damaged heap, and the guard bytes
 *      around the region must still be intact: no call ever writes outside
 *      the region because of the damage.
 *
 * The table is printed (README.md shows it). A row whose damage is not
 * caught by the call is printed as such and, unless the row says that is
 * the documented behaviour, fails the test.
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 3072u
#define GUARD  64u
#define NONE   ((int)TH_FAULT_COUNT)

static uint8_t *s_area; /* [guard][region][guard of s_after bytes] */
static size_t   s_after;
static th_heap *H;
static uint8_t *A, *B, *C, *D; /* blocks of the current scenario */
static void    *s_result;

/* ---- Helpers ------------------------------------------------------------------- */

/* Hides where a pointer came from: the compiler knows each allocation's
 * size (alloc_size) and would flag the deliberate writes outside it. */
static uintptr_t launder(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    __asm__("" : "+r"(a));
    return a;
}
static th_block *hdr(const void *p) { return (th_block *)(launder(p) - 4u); }
static uint32_t  bsize(const void *p) { return th_bsize(hdr(p)->header); }
static th_slab  *slab_of(const void *p)
{
    return (th_slab *)((uintptr_t)p & ~(uintptr_t)(TH_PAGE - 1u));
}
static uint32_t tiny_index(const void *p)
{
    return (uint32_t)(((uintptr_t)p & (TH_PAGE - 1u)) / 16u);
}

static void flip(void *addr, uint8_t mask) { *(volatile uint8_t *)launder(addr) ^= mask; }

/* Stores a word or a pointer at any address, byte by byte (the address may
 * be one the type is not aligned for: the forged links below). */
static void put_bytes(uintptr_t at, const void *v, size_t n)
{
    const uint8_t *src = (const uint8_t *)v;
    for (size_t i = 0; i < n; i++) {
        *(volatile uint8_t *)(at + i) = src[i];
    }
}
static void put_word(uintptr_t at, uint32_t v) { put_bytes(at, &v, sizeof v); }
static void put_ptr(uintptr_t at, const void *v) { put_bytes(at, &v, sizeof v); }
/* Where a free block's links would be, from its header address. */
static uintptr_t next_at(uintptr_t b) { return b + 4u; }
static uintptr_t prev_at(uintptr_t b) { return b + 4u + sizeof(void *); }

/* Four adjacent general blocks of 40 bytes, A lowest, between two live
 * fence blocks, whatever direction the allocator carves in: no free
 * neighbour outside A..D. */
/* A, B, C, D: four 40-byte blocks in a row, each with a used block on
 * either side (so a free of one merges with nothing the scenario does not
 * free itself). Where the allocations land depends on where the region and
 * its slab fall, so a run of six adjacent blocks is looked for among
 * twelve, and its middle four taken. */
static void three(int n)
{
    (void)n;
    uint8_t *v[12];
    for (int i = 0; i < 12; i++) {
        v[i] = th_malloc(H, 40);
    }
    for (int i = 0; i < 12; i++) {
        for (int j = i + 1; j < 12; j++) {
            if (v[j] < v[i]) {
                uint8_t *t = v[i];
                v[i]       = v[j];
                v[j]       = t;
            }
        }
    }
    for (int w = 0; w + 6 <= 12; w++) {
        bool run = v[w] != NULL;
        for (int i = w; run && i < w + 5; i++) {
            run = v[i + 1] == v[i] + bsize(v[i]);
        }
        if (run) {
            A = v[w + 1];
            B = v[w + 2];
            C = v[w + 3];
            D = v[w + 4];
            return;
        }
    }
    h_printf("  (no six adjacent blocks among twelve)\n");
    h_failures++;
}

/* ---- Scenarios: set-up + damage, then the call that touches it ------------------- */

/* Overflow by one byte into the next block's header (next block used). */
static void s_over_used(void)
{
    three(3);
    flip(A + bsize(A) - 4u, 0x10); /* first byte past A's usable size */
}
static void t_free_a(void) { th_free(H, A); }

/* Overflow into the next block's header (next block free). */
static void s_over_free(void)
{
    three(3);
    th_free(H, B);
    flip(A + bsize(A) - 4u, 0x20);
}

/* Underflow: the byte just before the block (its own header). */
static void s_under_own(void)
{
    three(3);
    flip(A - 1, 0x04);
}
static void t_free_b(void) { th_free(H, B); }

/* Underflow into the footer of the free block below. */
static void s_under_footer(void)
{
    three(3);
    th_free(H, A);
    flip(B - 8, 0x08); /* the word below B's header: A's footer */
}

/* PREV_FREE set alone (the seal bit that mirrors it left as it was) while
 * the block below is used. The block's own seal is broken, so its free
 * cannot tell it from an interior pointer: BAD_POINTER, as for an underflow
 * into its own header. */
static void s_prev_free_set(void)
{
    three(3);
    hdr(B)->header |= TH_PREV_FREE;
}

/* PREV_FREE cleared alone while the block below is free (a missed merge). */
static void s_prev_free_clear(void)
{
    three(3);
    th_free(H, A);
    hdr(B)->header &= ~TH_PREV_FREE;
}

/* The same two, each with the seal bit that mirrors PREV_FREE flipped too
 * (TH_PF_FLIP), as a write that happens to keep the seal would: the set bit
 * is caught by the checks on the block below; the cleared one reads as a
 * used block below and only costs the merge, which th_check reports (I2). */
static void s_prev_free_set_sealed(void)
{
    three(3);
    hdr(B)->header ^= TH_PF_FLIP;
}
static void s_prev_free_clear_sealed(void)
{
    three(3);
    th_free(H, A);
    hdr(B)->header ^= TH_PF_FLIP;
}

/* Write after free: a free block's next link. */
static void s_link_next(void)
{
    three(4);
    th_free(H, A);
    th_free(H, C); /* same bin: C -> A */
    flip(C + 1, 0x40);
}
static void t_malloc_40(void) { s_result = th_malloc(H, 40); }

/* Write after free: a free block's prev link. */
static void s_link_prev(void)
{
    three(4);
    th_free(H, A);
    th_free(H, C); /* C -> A: A's prev is C */
    flip(A + sizeof(void *) + 1, 0x40);
}
static void t_free_b_merge(void) { th_free(H, B); } /* merges with A and C */

/* Write after free: a free block's footer. */
static void s_footer(void)
{
    three(3);
    th_free(H, B);
    flip(B + bsize(B) - 8u, 0x01);
}
static void t_free_c(void) { th_free(H, C); }

/* Write after free: the body of a freed general block (freed pattern). */
static void s_uaf_body(void)
{
    three(3);
    th_free(H, B);
    *(volatile uint8_t *)(launder(B) + 30u) = 0x00;
}
static void t_malloc_36(void) { s_result = th_malloc(H, 36); }
/* The same in the middle one of three freed blocks of `size` bytes (so
 * between two used ones). With 120 bytes, room enough for an aligned
 * request on every target (the room an alignment needs depends on the
 * minimal block): th_aligned_alloc takes the block back (its first try),
 * and the bytes handed out are checked the same way. */
static void middle_of_three(size_t size)
{
    uint8_t *v[3];
    for (int i = 0; i < 3; i++) {
        v[i] = th_malloc(H, size);
    }
    uint8_t *lo = v[0] < v[1] ? v[0] : v[1];
    lo          = lo < v[2] ? lo : v[2];
    uint8_t *hi = v[0] > v[1] ? v[0] : v[1];
    hi          = hi > v[2] ? hi : v[2];
    B           = v[0] != lo && v[0] != hi ? v[0] : v[1] != lo && v[1] != hi ? v[1] : v[2];
    th_free(H, B);
}
static void uaf_middle_of_three(size_t size)
{
    middle_of_three(size);
    *(volatile uint8_t *)(launder(B) + 30u) = 0x00;
}
static void s_uaf_wide(void) { uaf_middle_of_three(120); }
static void t_aligned_16(void) { s_result = th_aligned_alloc(H, 16, 40); }

/* The aligned reuse again, the damaged byte now beyond the request's size
 * from the block's start but inside the gap + request that the aligned
 * block takes: th_aligned_alloc's first try checks the bytes of the gap in
 * front of the aligned payload as well. The alignment is the smallest (16
 * up to 256) that B's payload misses, so there is a gap (at most 128 bytes:
 * gap and request end well before B's footer); a payload aligned to 256
 * has none, and the byte is damaged at the start of the body then. */
static size_t s_gap_align;
static void   s_uaf_gap(void)
{
    middle_of_three(300);
    uintptr_t pay = launder(B);
    s_gap_align   = 16u;
    while (s_gap_align < 256u && pay % s_gap_align == 0u) {
        s_gap_align *= 2u;
    }
    size_t gap = pay % s_gap_align != 0u ? s_gap_align - pay % s_gap_align : 0u;
    if (gap != 0u && gap < TH_MIN_BLOCK_BYTES) {
        gap += s_gap_align;
    }
    size_t at = gap != 0u ? gap + TH_BLOCK_FOOTPRINT(40) - 1u : 30u; /* from B's header */
    *(volatile uint8_t *)(pay - 4u + at) = 0x00;
}
static void t_aligned_gap(void) { s_result = th_aligned_alloc(H, s_gap_align, 40); }

/* The same, the block then taken by the allocator's own carving path
 * (th_gen_alloc: slabs, persistent chunks): a freed block of 400 bytes
 * between two used ones is the lowest bin that holds a new persistent
 * chunk, which is carved from its bottom, the damaged byte included. */
static void s_uaf_chunk(void) { uaf_middle_of_three(400); }
static void t_persist_chunk(void) { s_result = th_persistent_alloc(H, 16, 8); }

/* Write after free into the free block above A, then A grows into it in
 * place (th_realloc): the bytes it takes are handed out, so they are checked
 * as a malloc's would be. */
static void s_uaf_grow(void)
{
    three(3);
    th_free(H, B);
    *(volatile uint8_t *)(launder(B) + 30u) = 0x00;
}
static void t_realloc_a(void) { s_result = th_realloc(H, A, 82); } /* takes B whole */

/* Write after free, then the block is merged: found when the merged block
 * is handed out again (the pattern is verified on the bytes reused). */
static void s_uaf_merge(void)
{
    s_uaf_body();
}
static void t_merge_reuse(void)
{
    th_free(H, A); /* merges A with the damaged B: no fault yet */
    if (h_total_faults == 0u) {
        s_result = th_malloc(H, 88); /* A + B, B's damaged byte included */
    }
}

/* Tiny scenarios start from block 0 of the first slab holding A (units
 * 0..2) with unit 3 free, and not the current block (the current block is
 * checked out of the class maps): it is filed under class 1, and its slab
 * is on the class-1 list. */
static void tiny_base(void)
{
    A = th_malloc(H, 12); /* block 0, units 0..2: the current block */
    B = th_malloc(H, 4);  /* unit 3: block 0 full */
    C = th_malloc(H, 4);  /* does not fit: block 1 becomes current */
    th_free(H, B);        /* block 0: class 1 */
}

/* Tiny: a start bit without its used bit (S not within U). */
static void s_tiny_meta_s(void)
{
    tiny_base();
    slab_of(A)->meta[tiny_index(A)] |= 0x80u; /* S of unit 3, U of unit 3 clear */
}

/* Tiny: a live object's used bit cleared. */
static void s_tiny_meta_u(void)
{
    tiny_base();
    slab_of(A)->meta[tiny_index(A)] &= (uint8_t)~0x02u; /* unit 1 of A */
}

/* Tiny: a free unit marked used (the block now reads as full). */
static void s_tiny_meta_extra(void)
{
    tiny_base();
    slab_of(A)->meta[tiny_index(A)] |= 0x08u; /* unit 3 used, no object starts there */
}

/* Tiny: the class map bit of a block cleared. */
static void s_tiny_map(void)
{
    tiny_base();
    th_slab *s = slab_of(A);
    for (int j = 0; j < 4; j++) {
        s->map[j] &= ~(1u << tiny_index(A));
    }
}

/* Tiny: a slab's list link (its next on the class-1 list, which freeing A
 * unlinks it from: block 0 goes from class 1 to empty). */
static void s_tiny_link(void)
{
    tiny_base();
    th_slab *s = slab_of(A);
    s->next[0] = (uint16_t)(s->next[0] + 8u); /* 4 KiB above: in the guard */
}
static void t_free_tiny_a(void) { th_free(H, A); }

/* The head of the list of slabs with an empty block, in the heap state,
 * naming a page that is not a slab (the one above it): a tiny request
 * that needs an empty block would take it. */
static void s_tiny_head(void)
{
    tiny_base();
    H->tiny_head[3] = (uint16_t)(H->tiny_head[3] + 1u);
}

/* Tiny: write after free into a freed tiny object (freed pattern). */
static void s_tiny_uaf(void)
{
    A = th_malloc(H, 8);
    B = th_malloc(H, 8); /* block 0 full, still current */
    th_free(H, B);
    *(volatile uint8_t *)(launder(B) + 2u) = 0x11;
}
static void t_malloc_8(void) { s_result = th_malloc(H, 8); } /* takes B's units again */

/* The used general block that ends at header address `hdr_at` (the block
 * below it), allocating the free block there if need be; NULL if none. */
static uintptr_t s_below_addr;
static size_t    s_below_size;
static char      s_below_kind;
static void      find_below(void *user, char kind, const void *addr, size_t size)
{
    if ((uintptr_t)addr + size == (uintptr_t)user) {
        s_below_addr = (uintptr_t)addr;
        s_below_size = size;
        s_below_kind = kind;
    }
}
static uint8_t *block_below(uintptr_t hdr_at)
{
    s_below_addr = 0u;
    th_walk(H, find_below, (void *)hdr_at);
    if (s_below_addr == 0u) {
        return NULL;
    }
    uint8_t *p = NULL;
    if (s_below_kind == 'g') {
        p = (uint8_t *)(s_below_addr + 4u);
    } else if (s_below_kind == 'f') {
        p = th_malloc(H, s_below_size - 4u); /* takes the whole free block */
    }
    if (p == NULL || (uintptr_t)p + bsize(p) - 4u != hdr_at) {
        h_printf("  (no general block found just below %p)\n", (void *)hdr_at);
        h_failures++;
        return NULL;
    }
    return p;
}

/* The persistent chunk's header (underflow of its first object). */
static void s_pers_header(void)
{
    /* Chunks are carved from the bottom of the free block they take, and
     * general blocks from the top: an aligned block (also carved from the
     * bottom) goes first, so that a general block lies just below. */
    C = th_aligned_alloc(H, 16, 40);
    B = th_persistent_alloc(H, 16, 8); /* the first object of a new chunk */
    A = block_below((uintptr_t)B - 4u);
    flip(B - 2, 0x01);
}

/* A tiny slab's header (overflow of the general block below it). */
static void s_slab_header(void)
{
    A             = th_malloc(H, 4); /* the first slab */
    uint8_t *page = (uint8_t *)slab_of(A);
    flip(page - 3, 0x02); /* as an overflow of the block below would */
}

/* A free header that still carries a valid seal but a size far past the
 * region (1 in 256 random writes keep the seal): its footer must not be
 * looked for out there. */
static void s_free_size(void)
{
    three(3);
    th_free(H, B); /* the free block above A */
    hdr(B)->header = th_mkheader(H, hdr(B), ((1u << 20) - 1u) * 8u, TH_KIND_GEN, 0u, 0u);
}

/* A free header that still carries a valid seal but a size under the
 * minimal block (0), where the word below it (A's last, user data) reads
 * as the matching footer and the block is not the head of its list (D,
 * freed after it into the same list, is): only the size bound refuses it. */
static void s_free_size0(void)
{
    three(3);
    th_free(H, B);
    th_free(H, D); /* the head of B's list */
    put_word(launder(B) - 8u, 0u); /* A's last word: a "footer" of size 0 */
    hdr(B)->header = th_mkheader(H, hdr(B), 0u, TH_KIND_GEN, 0u, 0u);
}

/* A tiny class map bit past the slab's last block (28): the lowest set bit
 * of the empty class picks the block to hand out. */
static void s_tiny_map_past(void)
{
    A = th_malloc(H, 16); /* block 0: current, and full */
    th_slab *s = slab_of(A);
    s->map[3]  = 1u << TH_SLAB_BLOCKS;
}
static void t_malloc_16(void) { s_result = th_malloc(H, 16); } /* needs an empty block */

/* Two slabs: the first filled with 16-byte objects (its block 0 stays
 * current), A and B in blocks 0 and 1 of the second. */
static void two_slabs(void)
{
    for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        C = th_malloc(H, 16);
    }
    A = th_malloc(H, 16);
    B = th_malloc(H, 16);
    if (slab_of(A) == slab_of(C) || slab_of(B) != slab_of(A) || tiny_index(B) != 1u) {
        h_printf("  (unexpected slab layout)\n");
        h_failures++;
    }
}

/* A block with a live object filed as empty: freeing the other object of
 * the slab would give the slab back with A still in it. */
static void s_tiny_live_empty(void)
{
    two_slabs();
    slab_of(A)->map[3] |= 1u << tiny_index(A);
}
static void t_free_tiny_b(void) { th_free(H, B); }

/* The current block filed as empty: the same release would leave the tiny
 * cursor pointing into freed memory. */
static void s_tiny_cur_empty(void)
{
    A = th_malloc(H, 16); /* block 0: current */
    B = th_malloc(H, 16); /* block 1 */
    th_free(H, A);        /* the current block is empty, still current */
    slab_of(A)->map[3] |= 1u << tiny_index(A);
}

/* Write after free into the free block just above a slab (its next link),
 * then the slab's last object dies: the release merges with that block. */
static void s_slab_above_link(void)
{
    two_slabs();
    th_free(H, B);
    uintptr_t above = (uintptr_t)slab_of(A) + TH_PAGE - 4u;
    if ((((th_block *)above)->header & TH_USED) != 0u) {
        h_printf("  (the block above the slab is not free)\n");
        h_failures++;
        return;
    }
    th_lk((th_block *)above)->next = (th_block *)(above + 8u); /* not a free block */
}

/* The idle current slab's class-list link, then an allocation that needs
 * the slab's memory back (out of memory, retried after the release). */
static void s_idle_slab_link(void)
{
    A = th_malloc(H, 8);
    th_free(H, A); /* the slab is idle: every block empty, block 0 current */
    slab_of(A)->prev[3] = (uint16_t)(slab_of(A)->next[3] + 9u); /* a page in the guard */
}
static void t_malloc_region(void) { s_result = th_malloc(H, REGION); }

/* Write after free into the free block just below the idle current slab,
 * then a request only the block the slab would merge into can serve: the
 * retry finds the damage in the bytes it would hand out, and must find it
 * before it gives the slab back. */
static bool idle_slab_over_free(void)
{
    B = th_aligned_alloc(H, 16, 600); /* carved low, below where the slab goes */
    A = th_malloc(H, 8);              /* the slab, above B */
    th_free(H, B);                    /* B and any alignment gap: one free block below */
    th_free(H, A);                    /* the slab is idle; the cursor keeps it */
    uintptr_t below = (uintptr_t)slab_of(A) - 4u;
    if ((((th_block *)below)->header & TH_PREV_FREE) == 0u) {
        h_printf("  (the block below the slab is not free)\n");
        h_failures++;
        return false;
    }
    return true;
}
static void s_below_idle_slab(void)
{
    if (idle_slab_over_free()) {
        *(volatile uint8_t *)(launder(B) + 40u) = 0x00; /* in B's body, past its links */
    }
}
static void t_malloc_largest(void) { s_result = th_malloc(H, th_get_stats(H).largest_free); }

/* The same free block below the idle slab, its footer (the word under the
 * slab's header) overwritten with a size no block has: the retry that
 * would give the slab back must not merge by it. */
static void s_footer_below_idle_slab(void)
{
    if (idle_slab_over_free()) {
        *(volatile uint32_t *)((uintptr_t)slab_of(A) - 8u) = 8u;
    }
}

/* The region-end sentinel (overflow of the last block). */
static void s_sentinel(void)
{
    C = th_malloc(H, 40);
    B = block_below(H->regions[0].first + H->regions[0].span);
    flip(B + bsize(B) - 4u, 0x10);
}

/* The heap state's magic (a wild write into the heap itself). */
static void s_magic(void)
{
    A = th_malloc(H, 40);
    flip(&H->magic, 0x01);
}


/* ---- Free-list and footer checks, one at a time (TH_HARDEN) --------------------------- */

/* A free block's footer damaged, then the block below it is freed (the
 * free block is the upper neighbour the merge would absorb). */
static void s_footer_above(void)
{
    three(3);
    th_free(H, B);
    flip(B + bsize(B) - 8u, 0x01);
}

/* PREV_FREE set while the block below is used, and the last word of that
 * block (user data) happens to hold its size, as a footer would. */
static void s_prev_free_size(void)
{
    three(3);
    hdr(B)->header ^= TH_PF_FLIP; /* sealed: the checks behind the seal must catch it */
    put_word(launder(A) + bsize(A) - 8u, bsize(A));
}

/* The same, and the used block's payload also carries links that agree
 * (next NULL, prev a forged block whose next names it): only its USED bit
 * says it is not free. */
static void s_prev_free_forged(void)
{
    s_prev_free_size();
    uintptr_t a = launder(A) - 4u; /* A's header */
    uintptr_t p = a + 16u;         /* 4 mod 8, inside A's payload */
    put_ptr(next_at(a), NULL);
    put_ptr(prev_at(a), (const void *)p);
    put_ptr(next_at(p), (const void *)a);
}

/* A free block forged in the last 32 bytes of the used block below B (as
 * user data could hold one), with B's PREV_FREE set: everything agrees
 * (footer, links, size) but the forged header's seal. */
static void s_forged_unsealed(void)
{
    three(3);
    uintptr_t a = launder(A) - 4u; /* A's header */
    uintptr_t f = a + bsize(A) - 32u; /* the forged block: 4 mod 8 */
    put_word(f, th_mkheader(H, th_at(f), 32u, TH_KIND_GEN, 0u, 0u) ^ (1u << TH_CHECK_SHIFT));
    put_ptr(next_at(f), NULL);
    put_ptr(prev_at(f), (const void *)a);
    put_ptr(next_at(a), (const void *)f); /* the "block before" names it */
    put_word(f + 28u, 32u);               /* its footer */
    hdr(B)->header ^= TH_PF_FLIP;         /* sealed */
}

/* The word below C (B's last, user data) names A and B together as the free
 * block below: A is a sound free block, but its size is not that. */
static void s_footer_spans(void)
{
    three(3);
    th_free(H, A);
    hdr(C)->header ^= TH_PF_FLIP; /* sealed */
    put_word(launder(B) + bsize(B) - 8u, bsize(A) + bsize(B));
}

/* The footer below B (A free) claims a size reaching far below the region. */
static void s_footer_huge(void)
{
    three(3);
    th_free(H, A);
    put_word(launder(B) - 8u, 0x7FFFFFF8u);
}

/* A free block that is not the head of its list (D -> A) with its prev
 * link cleared: it reads as a head that its bin does not hold. */
static void s_prev_null(void)
{
    three(3);
    th_free(H, A);
    th_free(H, D); /* same bin: D -> A */
    put_ptr(prev_at(launder(A) - 4u), NULL);
}

/* A's prev link pointing outside the heap, at a word whose "next" names A. */
static uintptr_t s_outside[4];
static void      s_prev_outside(void)
{
    three(3);
    th_free(H, A);
    uintptr_t o = ((uintptr_t)&s_outside[1] & ~(uintptr_t)7u) + 4u; /* 4 mod 8, in s_outside */
    put_ptr(next_at(o), (const void *)(launder(A) - 4u));
    put_ptr(prev_at(launder(A) - 4u), (const void *)o);
}

/* A's prev link pointing at a misaligned address in the region, whose
 * "next" (inside C's payload) names A. */
static void s_prev_misaligned(void)
{
    three(3);
    th_free(H, A);
    uintptr_t m = launder(C); /* 0 mod 8: no header is there */
    put_ptr(next_at(m), (const void *)(launder(A) - 4u));
    put_ptr(prev_at(launder(A) - 4u), (const void *)m);
}

/* A's prev link pointing at a used block's header (its "next" is user data). */
static void s_prev_used(void)
{
    three(3);
    th_free(H, A);
    put_ptr(prev_at(launder(A) - 4u), (const void *)(launder(C) - 4u));
}

/* B's next link pointing at a misaligned address in the region, whose
 * "prev" (inside C's payload) names B; then A below it is freed. */
static void s_next_misaligned(void)
{
    three(3);
    th_free(H, B);
    uintptr_t m = launder(C);
    put_ptr(prev_at(m), (const void *)(launder(B) - 4u));
    put_ptr(next_at(launder(B) - 4u), (const void *)m);
}

/* A used header resealed with size 0. */
static void s_size_zero(void)
{
    three(3);
    hdr(A)->header = th_mkheader(H, hdr(A), 0u, TH_KIND_GEN, TH_USED, 0u);
}

/* An idle tiny slab (the cursor keeps it), then a free block's next link
 * damaged: the malloc that finds the damage must not go on to give the
 * slab back and retry. */
static void s_link_next_idle(void)
{
    th_free(H, th_malloc(H, 8));
    s_link_next();
}

/* ---- Write after free at the edges of what a check covers (TH_FILL) --------------------- */

/* B freed into A (its header buried inside A + B), then the first byte
 * after that buried header written. */
static void s_uaf_after_buried(void)
{
    three(3);
    th_free(H, A);
    th_free(H, B); /* merges into A: B's header is buried */
    *(volatile uint8_t *)launder(B) = 0x00;
}
/* The same, but the word written is exactly a buried header's marker, at
 * an address (0 mod 8) where no header can be. */
static void s_uaf_fake_marker(void)
{
    three(3);
    th_free(H, A);
    th_free(H, B);
    uintptr_t w = launder(B);
    put_word(w, th_mkheader(H, th_at(w), 0u, TH_KIND_GEN, 0u, TH_PREV_FREE));
}
static void t_malloc_88(void) { s_result = th_malloc(H, 88); } /* A + B whole */

/* Three live blocks F1 > V > F2 (V's usable size `v`), V freed. */
static void fenced(size_t v)
{
    C = th_malloc(H, 40);
    B = th_malloc(H, v);
    A = th_malloc(H, 40);
    th_free(H, B);
}

/* The last word before a free block's footer written, then a malloc that
 * splits the block, taking its top. */
static void s_uaf_top_end(void)
{
    fenced(200); /* a 208-byte free block */
    *(volatile uint8_t *)(launder(B) + 196u) = 0x00;
}
static void t_malloc_40_top(void) { s_result = th_malloc(H, 40); }

/* The same in a 56-byte free block that a 48-byte request takes whole. */
static void s_uaf_whole_end(void)
{
    fenced(52);
    *(volatile uint8_t *)(launder(B) + 44u) = 0x00;
}

/* Write after free into the free block just above the idle current slab,
 * then a request only the block the slab would merge into can serve: found
 * before the slab is given back. */
static void s_above_idle_slab(void)
{
    A = th_malloc(H, 8);               /* the slab */
    B = th_aligned_alloc(H, 16, 600);  /* carved from the bottom, just above the slab */
    th_free(H, B);                     /* merges with the free block above */
    th_free(H, A);                     /* the slab is idle; the cursor keeps it */
    uintptr_t above = (uintptr_t)slab_of(A) + TH_PAGE - 4u;
    if (above != launder(B) - 4u) {
        h_printf("  (B is not just above the slab)\n");
        h_failures++;
        return;
    }
    *(volatile uint8_t *)(launder(B) + 40u) = 0x00; /* in its body, past its links */
}


/* ---- Tiny slab links, bookkeeping and freed units ------------------------------------ */

static uint16_t id_of(const th_slab *s)
{
    return (uint16_t)(((uintptr_t)s - H->tiny_base) / TH_PAGE + 1u);
}

/* tiny_base() plus a general block G of 1100 bytes: returns a page inside
 * G (not a slab) whose slab link fields lie in G's payload. */
static th_slab *tiny_and_page(void)
{
    tiny_base();
    D = th_malloc(H, 1100);
    return (th_slab *)((launder(D) + TH_PAGE - 1u) & ~(uintptr_t)(TH_PAGE - 1u));
}

/* The slab's next link (class 1) names a page of the region that is not a
 * slab, whose forged prev link names the slab back. */
static void s_tiny_next_page(void)
{
    th_slab *q = tiny_and_page();
    th_slab *s = slab_of(A);
    q->prev[0] = id_of(s);
    s->next[0] = id_of(q);
}

/* The slab's prev link (class 1; it is the head) names such a page, whose
 * forged next link names the slab. */
static void s_tiny_prev_page(void)
{
    th_slab *q = tiny_and_page();
    th_slab *s = slab_of(A);
    q->next[0] = id_of(s);
    s->prev[0] = id_of(q);
}

/* Two slabs (two_slabs: the first full, A and B in the second, which is
 * alone on the list of empty blocks). The second's next link names the
 * first, whose prev link does not name it back. */
static void s_tiny_next_real(void)
{
    two_slabs();
    slab_of(A)->next[3] = id_of(slab_of(C));
}

/* Its prev link names the first slab, whose next link does not name it. */
static void s_tiny_prev_real(void)
{
    two_slabs();
    slab_of(A)->prev[3] = id_of(slab_of(C));
}

/* The current block in the second slab (12 bytes in its block 2), both
 * slabs on the list of empty blocks with the first at its head (C's block
 * emptied), and the second's next link there naming a page that is no slab.
 * An 8-byte request the current block cannot take is served from the head,
 * whose own links are sound; the current block would then be filed under
 * class 1, so the current slab's links are checked first. */
static void s_tiny_cur_link(void)
{
    two_slabs();
    D = th_malloc(H, 12); /* the second slab's block 2 becomes current */
    th_free(H, C);
    if (slab_of(D) != slab_of(A) || H->tiny_cur != slab_of(A) ||
        H->tiny_head[3] != id_of(slab_of(C))) {
        h_printf("  (unexpected slab layout)\n");
        h_failures++;
    }
    slab_of(A)->next[3] = 0xFFFFu; /* the last slab of the list: it had none */
}

/* Both slabs on the list of empty blocks (C's block emptied: the first
 * slab is the head), and the second's prev link cleared: it reads as a
 * head the list does not have. */
static void s_tiny_prev_zero(void)
{
    two_slabs();
    th_free(H, C);
    slab_of(A)->prev[3] = 0u;
}

/* The slab's header resealed as a general block's. */
static void s_slab_kind(void)
{
    A            = th_malloc(H, 4);
    th_block *sb = (th_block *)((uintptr_t)slab_of(A) - 4u);
    sb->header   = th_mkheader(H, sb, th_bsize(sb->header), TH_KIND_GEN, TH_USED,
                               sb->header & TH_PREV_FREE);
}

/* Block 0 filed under class 1 (unit 3 free) and the current block (1)
 * full, so the next 4-byte request takes block 0 off the class-1 list. */
static void tiny_filed(void)
{
    A = th_malloc(H, 12); /* block 0, units 0..2: current */
    B = th_malloc(H, 4);  /* unit 3: full */
    C = th_malloc(H, 12); /* block 1 becomes current */
    D = th_malloc(H, 4);  /* and full */
    th_free(H, B);        /* block 0: class 1 */
}
static void s_tiny_alloc_link(void)
{
    tiny_filed();
    slab_of(A)->next[0] = (uint16_t)(slab_of(A)->next[0] + 16u); /* 8 KiB above: in the guard */
}
/* The same damage on a slab other than the current block's: two_slabs,
 * whose current block (the first slab's) is full, so a 4-byte request takes
 * an empty block of the second slab, alone on its list, whose next link is
 * damaged. */
static void s_tiny_alloc_link2(void)
{
    two_slabs();
    slab_of(A)->next[3] = (uint16_t)(slab_of(A)->next[3] + 16u);
}
static void s_tiny_alloc_start(void)
{
    tiny_filed();
    slab_of(A)->meta[tiny_index(A)] |= 0x80u; /* S of unit 3, U of unit 3 clear */
}
static void s_tiny_alloc_uaf(void)
{
    tiny_filed();
    *(volatile uint8_t *)launder(B) = 0x11; /* B's freed unit */
}
static void t_malloc_4(void) { s_result = th_malloc(H, 4); }

/* Write after free into the last byte of a freed tiny object. */
static void s_tiny_uaf_last(void)
{
    A = th_malloc(H, 8);
    B = th_malloc(H, 8); /* block 0 full, still current */
    th_free(H, B);
    *(volatile uint8_t *)(launder(B) + 7u) = 0x11;
}

/* Tiny: write after free into an object of a slab that then goes back to
 * the heap. 8-byte objects until one lands in a second slab (the cursor
 * then leaves the first), every object of the first freed but D, one (A)
 * written after its free. D's free gives the slab back, which fills it
 * afresh and would erase the write: the free looks for it first. */
#define SLAB_OBJS (TH_SLAB_BLOCKS * 2u + 1u) /* two 8-byte objects a block, and one more */
static void *s_slab_objs[SLAB_OBJS];
static void  s_tiny_uaf_slab(void)
{
    uint32_t n = 0;
    C          = NULL;
    while (n < SLAB_OBJS) {
        uint8_t *p = th_malloc(H, 8);
        if (p == NULL || (n != 0u && slab_of(p) != slab_of(s_slab_objs[0]))) {
            C = p; /* in the next slab (kept live) */
            break;
        }
        s_slab_objs[n++] = p;
    }
    if (!CHECK(C != NULL && n >= 2u)) {
        return; /* no second slab: the row would test nothing */
    }
    A = s_slab_objs[0];
    D = s_slab_objs[n - 1u];
    for (uint32_t i = 0; i + 1u < n; i++) {
        th_free(H, s_slab_objs[i]);
    }
    *(volatile uint8_t *)(launder(A) + 5u) = 0x42;
}
static void t_free_tiny_d(void) { th_free(H, D); } /* the slab's last object */

/* The same into the idle slab the cursor keeps, given back by the retry of
 * a request only its room serves. */
static void s_tiny_uaf_idle(void)
{
    A = th_malloc(H, 4);
    B = th_malloc(H, 4);
    th_free(H, A);
    th_free(H, B); /* the slab is idle */
    *(volatile uint8_t *)(launder(B) + 1u) = 0x42;
}

typedef struct scen {
    const char *what;
    const char *call;
    int         expect; /* fault the call must raise */
    void (*setup)(void);
    void (*trigger)(void);
    bool check_catches; /* th_check must report it */
    int  gap;           /* 0: must be caught by the call; 1: known gap (reported) */
} scen;

static const scen s_scen[] = {
    {"overflow into next header (next used)", "th_free(block)", TH_FAULT_CORRUPTION,
     s_over_used, t_free_a, true, 0},
    {"overflow into next header (next free)", "th_free(block)", TH_FAULT_CORRUPTION,
     s_over_free, t_free_a, true, 0},
    {"underflow into own header", "th_free(block)", TH_FAULT_BAD_POINTER, s_under_own,
     t_free_a, true, 0},
    {"underflow into free block's footer", "th_free(block above)", TH_FAULT_CORRUPTION,
     s_under_footer, t_free_b, true, 0},
    {"PREV_FREE set, block below used", "th_free(block)", TH_FAULT_BAD_POINTER,
     s_prev_free_set, t_free_b, true, 0},
    {"PREV_FREE cleared, block below free", "th_free(block)", TH_FAULT_BAD_POINTER, s_prev_free_clear,
     t_free_b, true, 0},
    {"PREV_FREE set with its seal bit, block below used", "th_free(block)",
     TH_FAULT_CORRUPTION, s_prev_free_set_sealed, t_free_b, true, 0},
    {"PREV_FREE cleared with its seal bit, block below free", "th_free(block)", NONE,
     s_prev_free_clear_sealed, t_free_b, true, 0},
    {"free block: next link", "th_malloc (takes it)", TH_FAULT_CORRUPTION, s_link_next,
     t_malloc_40, true, 0},
    {"free block: prev link", "th_free(neighbour)", TH_FAULT_CORRUPTION, s_link_prev,
     t_free_b_merge, true, 0},
    {"free block: footer", "th_free(block above)", TH_FAULT_CORRUPTION, s_footer, t_free_c,
     true, 0},
    {"write after free (general, reuse)", "th_malloc (reuses it)", TH_FAULT_CORRUPTION,
     s_uaf_body, t_malloc_36, false, 0},
    {"write after free (general, grown into)", "th_realloc (grows into it)", TH_FAULT_CORRUPTION,
     s_uaf_grow, t_realloc_a, false, 0},
    {"write after free (general, merged)", "th_free(neighbour), th_malloc (reuses it)",
     TH_FAULT_CORRUPTION, s_uaf_merge, t_merge_reuse, false, 0},
    {"write after free (general, aligned reuse)", "th_aligned_alloc(16, 40) (reuses it)",
     TH_FAULT_CORRUPTION, s_uaf_wide, t_aligned_16, false, 0},
    {"write after free (general, aligned reuse, in the gap's reach)",
     "th_aligned_alloc(16..256, 40) (reuses it with a gap)", TH_FAULT_CORRUPTION, s_uaf_gap,
     t_aligned_gap, false, 0},
    {"write after free (general, a chunk carved from it)", "th_persistent_alloc (new chunk)",
     TH_FAULT_CORRUPTION, s_uaf_chunk, t_persist_chunk, false, 0},
    {"tiny meta: start bit without used", "th_free(object)", TH_FAULT_CORRUPTION,
     s_tiny_meta_s, t_free_tiny_a, true, 0},
    {"tiny meta: used bit of live object", "th_free(object)", TH_FAULT_CORRUPTION,
     s_tiny_meta_u, t_free_tiny_a, true, 0},
    {"tiny meta: free units marked used", "th_free(object)", TH_FAULT_CORRUPTION,
     s_tiny_meta_extra, t_free_tiny_a, true, 0},
    {"tiny class map bit", "th_free(object)", TH_FAULT_CORRUPTION, s_tiny_map, t_free_tiny_a,
     true, 0},
    {"tiny slab list link", "th_free(object) (unlinks it)", TH_FAULT_CORRUPTION, s_tiny_link,
     t_free_tiny_a, true, 0},
    {"tiny class list head (heap state)", "th_malloc(16)", TH_FAULT_CORRUPTION, s_tiny_head,
     t_malloc_16, true, 0},
    {"write after free (tiny, reuse)", "th_malloc (reuses it)", TH_FAULT_CORRUPTION,
     s_tiny_uaf, t_malloc_8, false, 0},
    {"free block: sealed size past the region", "th_free(block below)", TH_FAULT_CORRUPTION,
     s_free_size, t_free_a, true, 0},
    {"free block: sealed size 0, footer 0 below", "th_free(block below)", TH_FAULT_CORRUPTION,
     s_free_size0, t_free_a, true, 0},
    {"tiny class map: bit past the last block", "th_malloc(16)", TH_FAULT_CORRUPTION,
     s_tiny_map_past, t_malloc_16, true, 0},
    {"tiny class map: live block filed as empty", "th_free(slab's other object)",
     TH_FAULT_CORRUPTION, s_tiny_live_empty, t_free_tiny_b, true, 0},
    {"tiny class map: current block filed as empty", "th_free(slab's other object)",
     TH_FAULT_CORRUPTION, s_tiny_cur_empty, t_free_tiny_b, true, 0},
    {"free block above a slab: next link", "th_free(slab's last object)", TH_FAULT_CORRUPTION,
     s_slab_above_link, t_free_tiny_a, true, 0},
    {"idle slab's list link", "th_malloc (retried after giving the slab back)",
     TH_FAULT_CORRUPTION, s_idle_slab_link, t_malloc_region, true, 0},
    {"write after free below the idle slab", "th_malloc(largest_free) (retry)",
     TH_FAULT_CORRUPTION, s_below_idle_slab, t_malloc_largest, false, 0},
    {"footer of the free block below the idle slab", "th_malloc(largest_free) (retry)",
     TH_FAULT_CORRUPTION, s_footer_below_idle_slab, t_malloc_largest, true, 0},
    {"persistent chunk header", "th_free(block below)", TH_FAULT_CORRUPTION, s_pers_header,
     t_free_a, true, 0},
    {"tiny slab header", "th_free(object in the slab)", TH_FAULT_CORRUPTION, s_slab_header,
     t_free_a, true, 0},
    {"region-end sentinel", "th_free(last block)", TH_FAULT_CORRUPTION, s_sentinel, t_free_b,
     true, 0},
    {"heap state magic", "th_free(block)", TH_FAULT_BAD_ARGUMENT, s_magic, t_free_a, false, 0},
    {"free block: footer (block below freed)", "th_free(block below)", TH_FAULT_CORRUPTION,
     s_footer_above, t_free_a, true, 0},
    {"PREV_FREE set, used block below ends in its size", "th_free(block)", TH_FAULT_CORRUPTION,
     s_prev_free_size, t_free_b, true, 0},
    {"PREV_FREE set, used block below forged free but USED", "th_free(block)",
     TH_FAULT_CORRUPTION, s_prev_free_forged, t_free_b, true, 0},
    {"PREV_FREE set, free block forged below, seal wrong", "th_free(block)",
     TH_FAULT_CORRUPTION, s_forged_unsealed, t_free_b, true, 0},
    {"footer below names two blocks", "th_free(block)", TH_FAULT_CORRUPTION, s_footer_spans,
     t_free_c, true, 0},
    {"footer below: size past the region start", "th_free(block above)", TH_FAULT_CORRUPTION,
     s_footer_huge, t_free_b, true, 0},
    {"free block: prev link NULL, not a head", "th_free(block above)", TH_FAULT_CORRUPTION,
     s_prev_null, t_free_b, true, 0},
    {"free block: prev link outside the heap", "th_free(block above)", TH_FAULT_CORRUPTION,
     s_prev_outside, t_free_b, true, 0},
    {"free block: prev link misaligned", "th_free(block above)", TH_FAULT_CORRUPTION,
     s_prev_misaligned, t_free_b, true, 0},
    {"free block: prev link to a used block", "th_free(block above)", TH_FAULT_CORRUPTION,
     s_prev_used, t_free_b, true, 0},
    {"free block: next link misaligned", "th_free(block below)", TH_FAULT_CORRUPTION,
     s_next_misaligned, t_free_a, true, 0},
    {"used header resealed with size 0", "th_free(block)", TH_FAULT_CORRUPTION, s_size_zero,
     t_free_a, true, 0},
    {"free block: next link (idle slab kept)", "th_malloc (takes it)", TH_FAULT_CORRUPTION,
     s_link_next_idle, t_malloc_40, true, 0},
    {"write after free just past a buried header", "th_malloc (reuses it)",
     TH_FAULT_CORRUPTION, s_uaf_after_buried, t_malloc_88, false, 0},
    {"write after free: a buried-header marker at 0 mod 8", "th_malloc (reuses it)",
     TH_FAULT_CORRUPTION, s_uaf_fake_marker, t_malloc_88, false, 0},
    {"write after free: last word of a block split from the top", "th_malloc (splits it)",
     TH_FAULT_CORRUPTION, s_uaf_top_end, t_malloc_40_top, false, 0},
    {"write after free: last word of a block taken whole", "th_malloc (takes it whole)",
     TH_FAULT_CORRUPTION, s_uaf_whole_end, t_malloc_40_top, false, 0},
    {"write after free above the idle slab", "th_malloc(largest_free) (retry)",
     TH_FAULT_CORRUPTION, s_above_idle_slab, t_malloc_largest, false, 0},
    {"tiny slab next link: a page that is not a slab", "th_free(object) (unlinks it)",
     TH_FAULT_CORRUPTION, s_tiny_next_page, t_free_tiny_a, true, 0},
    {"tiny slab prev link: a page that is not a slab", "th_free(object) (unlinks it)",
     TH_FAULT_CORRUPTION, s_tiny_prev_page, t_free_tiny_a, true, 0},
    {"tiny slab next link: a slab not linking back", "th_free(object)", TH_FAULT_CORRUPTION,
     s_tiny_next_real, t_free_tiny_a, true, 0},
    {"tiny slab prev link: a slab not linking back", "th_free(object)", TH_FAULT_CORRUPTION,
     s_tiny_prev_real, t_free_tiny_a, true, 0},
    {"tiny: the current slab's list link (another slab serves)", "th_malloc(8)",
     TH_FAULT_CORRUPTION, s_tiny_cur_link, t_malloc_8, true, 0},
    {"tiny slab prev link cleared, not the head", "th_free(object)", TH_FAULT_CORRUPTION,
     s_tiny_prev_zero, t_free_tiny_a, true, 0},
    {"tiny slab header: kind general", "th_free(object in the slab)", TH_FAULT_CORRUPTION,
     s_slab_kind, t_free_a, true, 0},
    {"tiny slab list link (allocation)", "th_malloc(4) (takes a filed block)",
     TH_FAULT_CORRUPTION, s_tiny_alloc_link, t_malloc_4, true, 0},
    {"tiny slab list link (allocation, not the current slab)",
     "th_malloc(4) (takes an empty block)", TH_FAULT_CORRUPTION, s_tiny_alloc_link2, t_malloc_4,
     true, 0},
    {"tiny meta: start bit without used (allocation)", "th_malloc(4) (takes a filed block)",
     TH_FAULT_CORRUPTION, s_tiny_alloc_start, t_malloc_4, true, 0},
    {"write after free (tiny, filed block)", "th_malloc(4) (takes a filed block)",
     TH_FAULT_CORRUPTION, s_tiny_alloc_uaf, t_malloc_4, false, 0},
    {"write after free (tiny, last byte)", "th_malloc (reuses it)", TH_FAULT_CORRUPTION,
     s_tiny_uaf_last, t_malloc_8, false, 0},
    {"write after free (tiny, slab given back)", "th_free(slab's last object)",
     TH_FAULT_CORRUPTION, s_tiny_uaf_slab, t_free_tiny_d, false, 0},
    {"write after free (tiny, idle slab given back)", "th_malloc(largest_free) (retry)",
     TH_FAULT_CORRUPTION, s_tiny_uaf_idle, t_malloc_largest, false, 0},
};

#define NSCEN (sizeof s_scen / sizeof s_scen[0])

/* ---- Driver --------------------------------------------------------------------------- */

static const char *kind_name(int k)
{
    static const char *const names[] = {"BAD_ARGUMENT", "BAD_POINTER", "DOUBLE_FREE",
                                        "CORRUPTION", "none"};
    return names[k];
}

/* The region before the triggering call, to show the call changed nothing. */
static uint8_t s_copy[REGION];
static void    snapshot(void)
{
    for (uint32_t i = 0; i < REGION; i++) {
        s_copy[i] = s_area[GUARD + i];
    }
}
static bool same_as_snapshot(void)
{
    bool same = true;
    for (uint32_t i = 0; i < REGION; i++) {
        same = same && s_area[GUARD + i] == s_copy[i];
    }
    return same;
}
/* Is the region as snapshot() left it, but for the counter of fault `kind`
 * (the one word a reported misuse changes; not even that when the heap
 * handle itself is what was damaged)? */
static bool unchanged(int kind)
{
    if (same_as_snapshot()) {
        return true;
    }
    uint32_t now    = H->faults[kind];
    H->faults[kind] = now - h_total_faults;
    bool same       = same_as_snapshot();
    H->faults[kind] = now;
    return same;
}

static void guards_set(void)
{
    for (uint32_t i = 0; i < GUARD; i++) {
        s_area[i] = (uint8_t)(0xC5u ^ i);
    }
    for (size_t i = 0; i < s_after; i++) {
        s_area[GUARD + REGION + i] = (uint8_t)(0x3Au ^ i);
    }
}

static bool guards_ok(void)
{
    for (uint32_t i = 0; i < GUARD; i++) {
        if (s_area[i] != (uint8_t)(0xC5u ^ i)) {
            return false;
        }
    }
    for (size_t i = 0; i < s_after; i++) {
        if (s_area[GUARD + REGION + i] != (uint8_t)(0x3Au ^ i)) {
            return false;
        }
    }
    return true;
}

/* Random calls on the damaged heap: nothing may land outside the region. */
static void aftermath(uint32_t seed)
{
    void    *live[16] = {0};
    uint32_t x        = seed | 1u;
    for (int i = 0; i < 400; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        int k = (int)(x % 16u);
        if (live[k] == NULL) {
            size_t size = (x >> 8) % 2u ? 1u + (x >> 9) % 15u : 16u + (x >> 9) % 120u;
            live[k]     = th_malloc(H, size);
            if (live[k] != NULL) {
                /* Write only inside what the heap handed out. */
                size_t n = th_usable_size(H, live[k]);
                for (size_t j = 0; j < n && j < size; j++) {
                    ((uint8_t *)live[k])[j] = (uint8_t)j;
                }
            }
        } else {
            th_free(H, live[k]);
            live[k] = NULL;
        }
        if (i == 200) {
            th_free(H, A);
            th_free(H, B);
            th_free(H, C);
        }
    }
}

/* Every row, with the region starting at `shift` bytes into the arena;
 * the table is printed for the first start only, failures for every one. */
static unsigned run_rows(uint8_t *arena, size_t n, size_t shift, bool print)
{
    s_area = arena + shift;
    n -= shift;
    /* Everything above the region, up to 32 KiB, is guard: a stray slab
     * link reaches up to 32 MiB above, but the rows below aim within it. */
    s_after = n - REGION - GUARD < 32768u ? n - REGION - GUARD : 32768u;
    unsigned caught = 0;
    for (size_t r = 0; r < NSCEN; r++) {
        const scen *sc = &s_scen[r];
        guards_set();
        H = th_init(s_area + GUARD, REGION);
        if (!CHECK(H != NULL)) {
            return caught;
        }
        A = B = C = D = NULL;
        h_reset_faults();
        sc->setup();
        CHECK_EQ(h_total_faults, 0); /* the damage itself goes unnoticed */
        h_reset_faults();
        snapshot();
        sc->trigger();
        int got = h_total_faults != 0u ? (int)h_last_fault : NONE;
        unsigned first_count = h_total_faults;
        /* A call that reports the damage changes nothing (its fault counter
         * aside); t_merge_reuse's first call is a good free that merges. */
        bool kept = got == NONE || sc->trigger == t_merge_reuse || unchanged(got);
        bool restore_magic = sc->setup == s_magic;
        if (restore_magic) {
            flip(&H->magic, 0x01); /* so th_check can walk it */
        }
        h_reset_faults();
        bool chk = th_check(H);
        bool chk_caught = !chk && h_last_fault == TH_FAULT_CORRUPTION;
        h_reset_faults();
        aftermath((uint32_t)r * 7919u + 1u);
        bool inside = guards_ok();
        bool ok = (got == sc->expect || sc->gap == 1) && first_count <= 1u && kept &&
                  inside &&
                  (chk_caught || !sc->check_catches);
        if (got != NONE && got == sc->expect) {
            caught++;
        }
        if (print || !ok) {
            h_printf("| %s | %s | %s%s | %s | %s |\n", sc->what, sc->call, kind_name(got),
                     got == sc->expect ? "" : sc->gap == 1 ? " (not caught: known gap)" : " (UNEXPECTED)",
                     chk_caught ? "CORRUPTION" : chk ? "passes" : "fails",
                     inside ? "yes" : "NO");
        }
        if (!ok) {
            h_printf("  row %u, region %u bytes into the page: expected %s%s%s\n", (unsigned)r,
                     (unsigned)shift, kind_name(sc->expect),
                     sc->check_catches ? ", th_check CORRUPTION" : "",
                     kept ? "" : "; the call that reported it changed the heap");
        }
        CHECK(ok);
    }
    return caught;
}

int main(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    /* Where the region starts within a slab page decides where the slab
     * falls among the blocks of a row, so every row runs at eight starts. */
    if (!CHECK(n >= REGION + 2u * GUARD + 448u)) {
        return h_failures;
    }
    h_record_faults();
    h_printf("| metadata overwritten | call that touches it | fault it raises | th_check | "
             "writes stay in region |\n|---|---|---|---|---|\n");
    unsigned caught = run_rows(arena, n, 0u, true);
    h_printf("caught by the next call: %u of %u\n", caught, (unsigned)NSCEN);
    for (size_t shift = 64u; shift < 512u; shift += 64u) {
        unsigned c = run_rows(arena, n, shift, false);
        CHECK_EQ(c, caught); /* the same rows caught at every start */
    }
    h_printf("the same at the region's seven other starts 64..448 bytes into a page\n");
    (void)s_result;
    return h_failures;
}
