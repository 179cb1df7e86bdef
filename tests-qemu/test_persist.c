/* SPDX-License-Identifier: MIT */
/*
 * test_persist: the persistent allocator. The seed's first trap (the first
 * call from "no current chunk" must take a chunk, never bump NULL), bumping
 * with no header, alignment, chunk refill, large requests taken directly,
 * the argument faults, and exhaustion (NULL, failed + 1, hook).
 */
#include "harness.h"

static unsigned s_oom;
static void     on_oom(th_heap *h, size_t size)
{
    (void)h;
    (void)size;
    s_oom++;
}

static void count_slabs(void *user, char kind, const void *addr, size_t size)
{
    (void)addr;
    (void)size;
    if (kind == 't') {
        (*(unsigned *)user)++;
    }
}

/* Chunk boundaries: objects of up to a quarter chunk (64 bytes included)
 * are bumped from the chunk, one that fills it exactly to the last byte
 * too; TH_MAX_REQUEST is a valid size (out of memory here, not a fault);
 * and a chunk taken lowers the low-water mark of free bytes. */
static void test_chunk_edges(uint8_t *arena)
{
    th_heap *h = th_init(arena, 4096);
    CHECK(h != NULL);
    void    *g  = th_malloc(h, 100); /* freed after the chunk is taken */
    uint8_t *p1 = th_persistent_alloc(h, 60, 1);
    size_t   lo = th_get_stats(h).free_bytes;
    uint8_t *p2 = th_persistent_alloc(h, 64, 1);
    uint8_t *p3 = th_persistent_alloc(h, 64, 1);
    uint8_t *p4 = th_persistent_alloc(h, TH_PERSIST_CHUNK - 4u - 60u - 2u * 64u, 1);
    CHECK(p1 != NULL && p2 != NULL && p3 != NULL && p4 != NULL);
    CHECK_PTR_EQ(p2, p1 + 60);
    CHECK_PTR_EQ(p3, p2 + 64);
    CHECK_PTR_EQ(p4, p3 + 64); /* the chunk's last bytes */
    th_free(h, g);
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.min_free_bytes, lo);
    h_reset_faults();
    CHECK(th_persistent_alloc(h, TH_MAX_REQUEST, 8) == NULL);
    CHECK_EQ(h_total_faults, 0);
    CHECK_EQ(th_get_stats(h).failed, s.failed + 1u);
    CHECK(th_check(h));
}

/* Small objects aligned beyond 8 are not bumped from a chunk (a chunk's
 * payload is only 8-aligned): each is 16-aligned, whether the blocks carved
 * below leave the next chunk 16-aligned or 8 bytes past (a 104-byte block
 * first). */
static void test_small_aligned16(uint8_t *arena)
{
    for (int shift = 0; shift < 2; shift++) {
        th_heap *h = th_init(arena, 4096);
        if (!CHECK(h != NULL)) {
            return;
        }
        if (shift != 0) {
            CHECK(th_persistent_alloc(h, 100, 8) != NULL); /* a block of its own: 104 bytes */
        }
        for (size_t i = 0; i < 12u; i++) {
            uint8_t *p = th_persistent_alloc(h, 4u + i % 8u, 16);
            CHECK(p != NULL);
            CHECK_EQ((uintptr_t)p % 16u, 0);
        }
        CHECK(th_check(h));
    }
}

/* No room for a new chunk: a small object takes a block of its own, so a
 * heap with a free block left never fails it; the current chunk stays
 * current, and a heap that cannot hold even that fails once (failed + 1,
 * one hook call). */
static void test_no_room_for_chunk(uint8_t *arena)
{
    th_heap *h = th_init(arena, TH_MIN_REGION);
    if (!CHECK(h != NULL)) {
        return;
    }
    th_set_oom_hook(h, on_oom);
    s_oom = 0;
    CHECK(th_persistent_alloc(h, 4, 4) != NULL); /* no 256-byte chunk fits */
    CHECK_EQ(th_get_stats(h).failed, 0);
    CHECK(th_check(h));

    h = th_init(arena, 4096);
    th_set_oom_hook(h, on_oom);
    uint8_t *c = th_persistent_alloc(h, 8, 8); /* the current chunk */
    /* Leaves 96 free bytes: less than a chunk. */
    void *fill = th_malloc(h, th_get_stats(h).largest_free - 96u);
    CHECK(c != NULL && fill != NULL);
    /* The chunk serves what it has room for; beyond that, small objects
     * get blocks of their own until the heap is full. */
    uint8_t *c2 = th_persistent_alloc(h, 8, 8);
    CHECK_PTR_EQ(c2, c + 8);
    uint32_t      failed0 = th_get_stats(h).failed;
    unsigned      own     = 0;
    for (uint8_t *q; (q = th_persistent_alloc(h, 60, 4)) != NULL;) {
        if ((uintptr_t)q < (uintptr_t)c || (uintptr_t)q - (uintptr_t)c >= TH_PERSIST_CHUNK) {
            own++; /* outside the chunk: a block of its own */
        }
    }
    CHECK(own >= 1u);
    CHECK_EQ(th_get_stats(h).failed, failed0 + 1u);
    CHECK_EQ(s_oom, 1);
    CHECK(th_get_stats(h).largest_free < 60u);
    /* The chunk is still current: what it has left is bumped from it. */
    uint8_t *c3 = th_persistent_alloc(h, 1, 1);
    CHECK(c3 != NULL && (uintptr_t)c3 > (uintptr_t)c2 && (uintptr_t)c3 - (uintptr_t)c < TH_PERSIST_CHUNK);
    CHECK(th_check(h));
    CHECK_EQ(h_total_faults, 0);
}

int main(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    h_record_faults();
    test_small_aligned16(arena);
    th_heap *h = th_init(arena, 4096);
    CHECK(h != NULL);
    th_set_oom_hook(h, on_oom);

    /* Trap 1: the very first call. */
    uint8_t *a = th_persistent_alloc(h, 1, 1);
    CHECK(a != NULL);
    CHECK(a > arena && a < arena + 4096);
    /* No header: consecutive small objects are adjacent. */
    uint8_t *b = th_persistent_alloc(h, 3, 1);
    CHECK_PTR_EQ(b, a + 1);
    uint8_t *c = th_persistent_alloc(h, 4, 4);
    CHECK_EQ((uintptr_t)c % 4, 0);
    CHECK(c >= b + 3 && c < b + 3 + 4);
    uint8_t *d = th_persistent_alloc(h, 8, 8);
    CHECK_EQ((uintptr_t)d % 8, 0);
    th_stats s = th_get_stats(h);
    CHECK_EQ(s.persistent_bytes, 1 + 3 + 4 + 8);
    CHECK_EQ(s.allocs, 4);
    CHECK_EQ(s.in_use, 0); /* persistent bytes are not general in-use bytes */
    CHECK(th_check(h));

    /* Refill: fill the chunk, the next object comes from a new one. */
    uint8_t *prev = d;
    int      chunks = 1;
    for (int i = 0; i < 60; i++) {
        uint8_t *q = th_persistent_alloc(h, 16, 8);
        CHECK(q != NULL);
        if (q != prev + 16 && i > 0) {
            chunks++;
        }
        for (int k = 0; k < 16; k++) {
            q[k] = (uint8_t)i;
        }
        prev = q;
    }
    CHECK(chunks >= 3);
    CHECK(th_check(h));

    /* A request larger than a quarter chunk, or aligned beyond 8, gets a
     * block of its own and leaves the current chunk current. */
    uint8_t *x = th_persistent_alloc(h, 16, 8);
    uint8_t *big = th_persistent_alloc(h, 200, 8);
    uint8_t *y = th_persistent_alloc(h, 16, 8);
    CHECK(big != NULL);
    CHECK_PTR_EQ(y, x + 16);
    uint8_t *al = th_persistent_alloc(h, 24, 64);
    CHECK(al != NULL);
    CHECK_EQ((uintptr_t)al % 64, 0);
    CHECK(th_check(h));

    /* Argument faults: the seed throws, we report. */
    h_reset_faults();
    CHECK(th_persistent_alloc(h, 0, 8) == NULL);
    CHECK(th_persistent_alloc(h, 8, 0) == NULL);
    CHECK(th_persistent_alloc(h, 8, 12) == NULL);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_ARGUMENT], 3);
    /* A persistent pointer is not a block: free and usable_size refuse it. */
    th_free(h, x);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 1);
    th_free(h, big);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], 2);
    h_reset_faults();

    /* Exhaustion: NULL, failed + 1, hook called; the heap stays usable. */
    uint32_t failed0 = th_get_stats(h).failed;
    int      got     = 0;
    while (th_persistent_alloc(h, 64, 8) != NULL) {
        got++;
    }
    CHECK(got > 10);
    CHECK_EQ(th_get_stats(h).failed, failed0 + 1u);
    CHECK_EQ(s_oom, 1);
    CHECK(th_check(h));

    /* The idle slab the tiny cursor keeps (seed trap 2) is given back when
     * a persistent chunk needs its memory. */
    h = th_init(arena, 2048);
    th_free(h, th_malloc(h, 4));
    CHECK(th_get_stats(h).tiny_blocks == 0);
    unsigned t_pages = 0;
    th_walk(h, count_slabs, &t_pages);
    CHECK_EQ(t_pages, 1);
    while (th_persistent_alloc(h, 200, 8) != NULL) {
    }
    t_pages = 0;
    th_walk(h, count_slabs, &t_pages);
    CHECK_EQ(t_pages, 0);
    CHECK(th_check(h));

    /* After a reset (a new heap over the same memory): trap 1 again. */
    h = th_init(arena, 2048);
    uint8_t *z = th_persistent_alloc(h, 8, 8);
    CHECK(z != NULL && z > arena && z < arena + 2048);
    CHECK(th_check(h));
    CHECK_EQ(h_total_faults, 0);

    /* Freeing persistent objects that the program zeroed: each is a bad
     * pointer, whatever the zero word in front of it looks like (at one
     * address in 256 it matches the seal of an empty header: it must not
     * read as a freed block, a double free). */
    h = th_init(arena, 8192);
    unsigned nz = 0;
    for (uint8_t *q; (q = th_persistent_alloc(h, 8, 8)) != NULL; nz++) {
        for (int k = 0; k < 8; k++) {
            q[k] = 0u; /* the word before q is the previous object's: zero too */
        }
        th_free(h, q);
    }
    CHECK(nz > 500u);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], nz);
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], 0);
    CHECK(th_check(h));
    test_chunk_edges(arena);
    test_no_room_for_chunk(arena);
    return h_failures;
}
