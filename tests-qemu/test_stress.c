/* SPDX-License-Identifier: MIT */
/*
 * test_stress: 10^5 random operations (malloc, calloc, realloc,
 * aligned_alloc, free, persistent_alloc) against a shadow model. Every block
 * is filled with a tag derived from its slot and generation and verified
 * before it is freed or resized (contents kept, no overlap); alignment is
 * checked on every result; every 256 operations the live blocks are checked
 * pairwise for overlap, th_check() runs and the stats are compared with the
 * model. Sizes are biased to the tiny range and to the edges (1, 15, 16, 17,
 * powers of two). The heap is at most 14 KiB, so that it runs full on every
 * target. The seed is printed; rerun with `make check SEED=n`.
 */
#include "harness.h"

#define SLOTS 96
#define OPS   100000

typedef struct slot {
    uint8_t *p;
    size_t   size;
    uint8_t  tag;
} slot;

static slot s_slots[SLOTS];

static size_t pick_size(size_t cap)
{
    uint32_t r = h_rand() % 100u;
    size_t   s;
    if (r < 50u) {
        s = 1u + h_rand() % 15u; /* tiny */
    } else if (r < 60u) {
        static const size_t edges[] = {1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256};
        s = edges[h_rand() % (sizeof edges / sizeof edges[0])];
    } else if (r < 95u) {
        s = 16u + h_rand() % 240u;
    } else {
        s = 256u + h_rand() % 1024u;
    }
    return s < cap ? s : cap;
}

static size_t natural_align(size_t s)
{
#if TH_TINY && TH_TINY_ALIGN_GO
    if (s < 16u) { /* the seed's rule: the largest power of two dividing s, up to 8 */
        size_t a = s & (~s + 1u);
        return a > 8u ? 8u : a;
    }
#endif
    return s >= 8u ? 8u : s >= 4u ? 4u : s >= 2u ? 2u : 1u;
}

static void fill(slot *sl)
{
    for (size_t i = 0; i < sl->size; i++) {
        sl->p[i] = (uint8_t)(sl->tag + i);
    }
}

static int verify(const slot *sl)
{
    for (size_t i = 0; i < sl->size; i++) {
        if (sl->p[i] != (uint8_t)(sl->tag + i)) {
            h_printf("slot %p size %u: byte %u is %x, want %x\n", (void *)sl->p,
                     (unsigned)sl->size, (unsigned)i, sl->p[i], (uint8_t)(sl->tag + i));
            return 0;
        }
    }
    return 1;
}

static void check_overlap(void)
{
    for (int i = 0; i < SLOTS; i++) {
        for (int j = i + 1; j < SLOTS; j++) {
            const slot *a = &s_slots[i];
            const slot *b = &s_slots[j];
            if (a->p != NULL && b->p != NULL) {
                CHECK(a->p + a->size <= b->p || b->p + b->size <= a->p);
            }
        }
    }
}

int main(void)
{
    size_t n;
    void  *arena = h_arena(&n);
    size_t full  = n; /* the sizing checks below use all of it */
    (void)full;
    /* At most 14 KiB (microbit's region is about that): the slots and the
     * persistent objects then fill the heap on every target, so the
     * out-of-memory and failed-realloc paths run everywhere, not only on
     * the smallest board. */
    if (n > 14336u) {
        n = 14336u;
    }
#ifdef TEST_MIN_REGIONS
    /* test_split: a region of any size is cut into full pieces and a last,
     * shorter one. Every full piece serves TH_MAX_REQUEST, however close the
     * last piece comes to full size (it must not hide them at the head of
     * their size class, where malloc looks). */
    for (size_t sz = 4096u; sz <= n; sz += 8u) {
        th_heap *t = th_init(arena, sz);
        if (!CHECK(t != NULL)) {
            break;
        }
        size_t pieces = th_get_stats(t).regions;
        if (pieces > 1u && !CHECK_EQ(th_get_stats(t).largest_free, TH_MAX_REQUEST)) {
            h_printf("region of %u bytes\n", (unsigned)sz);
            break;
        }
        for (size_t k = 0; k + 1u < pieces; k++) {
            if (!CHECK(th_malloc(t, TH_MAX_REQUEST) != NULL)) {
                h_printf("region of %u bytes, full piece %u\n", (unsigned)sz, (unsigned)k);
                break;
            }
        }
        CHECK(th_check(t));
    }
    /* A region added to a heap whose largest block is free never takes
     * that block's place at the head of its class, however close to it in
     * size: TH_MAX_REQUEST still succeeds. */
    for (size_t sz = 2048u; sz <= 4608u && 5120u + 512u + sz <= n; sz += 8u) {
        th_heap *t = th_init(arena, 5120u); /* one full piece */
        if (!CHECK(t != NULL && th_get_stats(t).largest_free == TH_MAX_REQUEST)) {
            break;
        }
        CHECK(th_add_region(t, (uint8_t *)arena + 5120u + 512u, sz));
        if (!CHECK(th_malloc(t, TH_MAX_REQUEST) != NULL)) {
            h_printf("region of %u bytes added\n", (unsigned)sz);
            break;
        }
        CHECK(th_check(t));
    }
    /* TH_REGION_SIZE_FOR past the largest block: objects that add up to
     * just over one piece, and to twice and three times that, fill the
     * region it gives (the 4 KiB pieces lose their page maps and tails),
     * at three starts. The whole arena: the largest of these regions is
     * about 26 KiB, which every board but the microbit has. */
    static const size_t sizes[] = {1u, 4u, 8u, 9u, 12u, 13u, 15u, 16u, 17u, 24u, 40u, 53u,
                                   100u, 255u, 500u, 1000u, 1976u, 2044u, 2500u, TH_MAX_REQUEST};
    unsigned filled = 0u;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t one = (((size_t)1 << TH_MAX_BLOCK_LOG2) - 8u) / TH_BLOCK_FOOTPRINT(sizes[i]) + 1u;
        for (size_t k = 1; k <= 3u; k++) {
            size_t count  = one * k;
            size_t region = TH_REGION_SIZE_FOR(count, sizes[i]);
            for (size_t off = 0; off <= 260u && off + region <= full; off += 130u) {
                th_heap *t   = th_init((uint8_t *)arena + off, region);
                size_t   got = 0;
                while (t != NULL && got < count && th_malloc(t, sizes[i]) != NULL) {
                    got++;
                }
                filled++;
                if (!CHECK_EQ(got, count)) {
                    h_printf("TH_REGION_SIZE_FOR(%u, %u) = %u at offset %u\n", (unsigned)count,
                             (unsigned)sizes[i], (unsigned)region, (unsigned)off);
                }
            }
        }
    }
    h_printf("sizing past one piece: %u heaps filled\n", filled);
    if (full >= 32768u) {
        CHECK_EQ(filled, 3u * 3u * (sizeof sizes / sizeof sizes[0]));
    } else {
        CHECK(filled >= 40u);
    }
#endif
    size_t   cap   = n / 16u;
    th_heap *h     = th_init(arena, n);
    CHECK(h != NULL);
    h_record_faults();
#ifdef TEST_MIN_REGIONS
    /* test_split: the region is split into pieces, all of it managed but a
     * last scrap under a page, with no hole between them: a region added
     * anywhere inside the managed part overlaps. */
    size_t managed = th_get_stats(h).capacity;
    CHECK(th_get_stats(h).regions >= TEST_MIN_REGIONS);
    CHECK(managed <= n && n - managed < 512u);
    for (size_t off = 0; off + 256u <= managed; off += 8u) {
        if (th_add_region(h, (uint8_t *)arena + off, 256u)) {
            h_printf("a region added at offset %u, inside the heap's\n", (unsigned)off);
            CHECK(0);
            break;
        }
    }
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], (managed - 256u) / 8u + 1u);
    h_reset_faults();
#endif
#if TH_TINY
    /* A tiny object shrunk by realloc keeps the new size's alignment: under
     * the Go rule the 12-byte object sits at 4 mod 8 behind a 4-byte one,
     * and 8 bytes need 8, so it must move (and its block stay sound). */
    {
        void *a4  = th_malloc(h, 4);
        void *a12 = th_malloc(h, 12);
        CHECK(a4 != NULL && a12 != NULL);
        void *a8 = th_realloc(h, a12, 8);
        CHECK(a8 != NULL && (uintptr_t)a8 % 8u == 0u);
        CHECK(th_check(h));
        th_free(h, a8);
        th_free(h, a4);
        CHECK(th_check(h));
        CHECK_EQ(th_get_stats(h).in_use, 0);
    }
#endif
    /* The largest request at the largest alignment searches for more than
     * any block can be (with TH_MAX_BLOCK_LOG2 = 23, 12 MiB): out of
     * memory, no fault, and no bin looked up outside its table. */
    CHECK(th_aligned_alloc(h, (size_t)1 << (TH_MAX_BLOCK_LOG2 - 1), TH_MAX_REQUEST) == NULL);
    CHECK_EQ(th_get_stats(h).failed, 1);
    CHECK_EQ(h_total_faults, 0);
    size_t   live_usable = 0;
    uint32_t allocs = th_get_stats(h).allocs, frees = th_get_stats(h).frees, failed = 1;
    uint32_t failed_reallocs = 0u;
    size_t   persistent = 0;
    uint8_t  gen = 1;
    for (uint32_t op = 0; op < OPS && h_failures == 0; op++) {
        slot    *sl = &s_slots[h_rand() % SLOTS];
        uint32_t r  = h_rand() % 100u;
        if (sl->p == NULL) {
            size_t size = pick_size(cap);
            void  *p;
            if (r < 70u) {
                p = th_malloc(h, size);
                CHECK(p == NULL || (uintptr_t)p % natural_align(size) == 0u);
            } else if (r < 80u) {
                p = th_calloc(h, 1, size);
                for (size_t i = 0; p != NULL && i < size; i++) {
                    CHECK_EQ(((uint8_t *)p)[i], 0);
                }
            } else if (r < 98u) {
                size_t al = (size_t)1 << (h_rand() % 8u);
                p         = th_aligned_alloc(h, al, size);
                CHECK(p == NULL || (uintptr_t)p % al == 0u);
            } else {
                size_t al = (size_t)1 << (h_rand() % 4u);
                void  *q  = th_persistent_alloc(h, 1u + h_rand() % 24u, al);
                if (q != NULL) {
                    CHECK_EQ((uintptr_t)q % al, 0);
                    persistent++;
                    allocs++;
                } else {
                    failed++;
                }
                continue;
            }
            if (p == NULL) {
                failed++;
                continue;
            }
            allocs++;
            sl->p    = p;
            sl->size = size;
            sl->tag  = gen++;
            CHECK(th_usable_size(h, p) >= size);
            live_usable += th_usable_size(h, p);
            fill(sl);
        } else if (r < 60u) {
            CHECK(verify(sl));
            live_usable -= th_usable_size(h, sl->p);
            th_free(h, sl->p);
            frees++;
            sl->p = NULL;
        } else {
            CHECK(verify(sl));
            size_t   size = pick_size(cap);
            size_t   old  = th_usable_size(h, sl->p);
            uint8_t *q    = th_realloc(h, sl->p, size);
            if (q == NULL) {
                failed++;
                failed_reallocs++;
                CHECK(verify(sl)); /* untouched and live */
                CHECK_EQ(th_usable_size(h, sl->p), old);
                continue;
            }
            CHECK((uintptr_t)q % natural_align(size) == 0u);
            size_t keep = size < sl->size ? size : sl->size;
            for (size_t i = 0; i < keep; i++) {
                CHECK_EQ(q[i], (uint8_t)(sl->tag + i));
            }
            if (q != sl->p) {
                allocs++;
                frees++;
            }
            live_usable = live_usable - old + th_usable_size(h, q);
            sl->p       = q;
            sl->size    = size;
            fill(sl);
        }
        if ((op & 255u) == 0u) {
            check_overlap();
            CHECK(th_check(h));
            th_stats st = th_get_stats(h);
            CHECK_EQ(st.in_use, live_usable);
            CHECK_EQ(st.allocs, allocs);
            CHECK_EQ(st.frees, frees);
            CHECK_EQ(st.failed, failed);
            CHECK_EQ(st.faults[TH_FAULT_CORRUPTION] + st.faults[TH_FAULT_BAD_POINTER], 0);
            CHECK(st.free_bytes <= st.capacity);
            CHECK(st.min_free_bytes <= st.free_bytes);
            /* The O(1) queries agree with the snapshot, and largest_free
             * is a request that succeeds now. */
            CHECK_EQ(th_largest_free(h), st.largest_free);
            CHECK_EQ(th_free_bytes(h), st.free_bytes);
            CHECK_EQ(th_min_free_bytes(h), st.min_free_bytes);
            if (st.largest_free != 0u) {
                void *big = th_malloc(h, st.largest_free);
                if (CHECK(big != NULL)) {
                    th_free(h, big);
                    allocs++;
                    frees++;
                }
            }
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (s_slots[i].p != NULL) {
            CHECK(verify(&s_slots[i]));
            th_free(h, s_slots[i].p);
            s_slots[i].p = NULL;
        }
    }
    th_stats st = th_get_stats(h);
    CHECK_EQ(st.in_use, 0);
    CHECK_EQ(st.tiny_objects, 0);
    CHECK(th_check(h));
    CHECK_EQ(h_total_faults, 0);
    h_printf("ops %u allocs %u frees %u failed %u (reallocs %u) persistent %u\n", (unsigned)OPS,
             (unsigned)allocs, (unsigned)frees, (unsigned)failed, (unsigned)failed_reallocs,
             (unsigned)persistent);
    /* What the 14 KiB cap is for: the heap ran out, for reallocs too. */
    CHECK(failed > 100u);
    CHECK(failed_reallocs > 10u);
    return h_failures;
}
