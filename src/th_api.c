/* SPDX-License-Identifier: MIT */
/*
 * th_api.c: the public allocation entry points. Each one checks its
 * arguments, takes the heap lock, sends the pointer or request to the
 * allocator that owns it (tiny, general or persistent) and keeps the
 * counters of th_stats. Misuse is answered here, before anything changes.
 */
#include "th_internal.h"

/* ==== Internal definitions ================================================= */

/* Copies and zero fills without library calls: the core is freestanding,
 * and GCC would otherwise turn such loops back into memcpy/memset. */
#if defined(__GNUC__) && !defined(__clang__)
#define TH_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TH_NO_LIBCALL
#endif

/* Both pointers are heap pointers, so at least 4-aligned (tiny objects are
 * 4-aligned, general blocks 8-aligned): four words at a time (GCC makes
 * them one ldm/stm pair on ARMv7-M), then words, then the tail in bytes. */
TH_NO_LIBCALL static void copy_bytes(uint8_t *d, const uint8_t *s, size_t n)
{
    for (; n >= 16u; n -= 16u, d += 16, s += 16) { /* loop bound: TH_BOUND_N16 */
        const uint32_t *sw = (const uint32_t *)(uintptr_t)s;
        uint32_t       *dw = (uint32_t *)(uintptr_t)d;
        uint32_t        w0 = sw[0];
        uint32_t        w1 = sw[1];
        uint32_t        w2 = sw[2];
        uint32_t        w3 = sw[3];
        dw[0]              = w0;
        dw[1]              = w1;
        dw[2]              = w2;
        dw[3]              = w3;
    }
    for (; n >= 4u; n -= 4u, d += 4, s += 4) { /* loop bound: 3u */
        *(uint32_t *)(uintptr_t)d = *(const uint32_t *)(uintptr_t)s;
    }
    for (; n != 0u; n--) { /* loop bound: 3u */
        *d++ = *s++;
    }
}

TH_NO_LIBCALL static void zero_bytes(uint8_t *d, size_t n)
{
    for (; n >= 16u; n -= 16u, d += 16) { /* loop bound: TH_BOUND_N16 */
        uint32_t *dw = (uint32_t *)(uintptr_t)d;
        dw[0]        = 0u;
        dw[1]        = 0u;
        dw[2]        = 0u;
        dw[3]        = 0u;
    }
    for (; n >= 4u; n -= 4u, d += 4) { /* loop bound: 3u */
        *(uint32_t *)(uintptr_t)d = 0u;
    }
    for (; n != 0u; n--) { /* loop bound: 3u */
        *d++ = 0u;
    }
}

#if TH_TINY
/* A tiny object, or a general block when no slab can be had (NULL from
 * the tiny allocator with no new corruption fault). The fallback is made
 * here, not inside the tiny allocator, so that the general allocator's
 * frames never stack on the tiny allocator's (make stack). */
TH_INLINE void *alloc_tiny(th_heap *h, size_t size)
{
    uint32_t faults = h->faults[TH_FAULT_CORRUPTION];
    void    *p      = th_tiny_alloc(h, size);
    if (TH_UNLIKELY(p == NULL) && faults == h->faults[TH_FAULT_CORRUPTION]) {
        p = th_gen_malloc_tiny(h, size); /* alignment 8: enough for any tiny size */
    }
    return p;
}
#endif

/* A request whose size is refused (overflow, over TH_MAX_REQUEST): the
 * fault is raised under the lock, and the call returns NULL. */
static void *refuse(th_heap *h)
{
    th_lock(h);
    th_raise(h, TH_FAULT_BAD_ARGUMENT, NULL);
    th_unlock(h);
    return NULL;
}

/* th_malloc's dispatch (size <= TH_MAX_REQUEST, not 0), also for th_realloc
 * and th_aligned_alloc. */
TH_INLINE void *alloc_plain(th_heap *h, size_t size)
{
#if TH_TINY
    if (size <= (size_t)TH_TINY_MAX) {
        return alloc_tiny(h, size);
    }
#endif
    return th_gen_malloc(h, size);
}

/* What a pointer is: its region, and whether it lies in a tiny slab. */
typedef struct owner {
    const th_region *region;
    th_slab         *slab; /* non-NULL: a tiny object's slab */
} owner;

static bool owner_of(th_heap *h, const void *p, owner *o)
{
    uintptr_t a = th_addr(p);
    o->region   = th_region_of(h, a);
    o->slab     = NULL;
    if (o->region == NULL) {
        th_raise(h, TH_FAULT_BAD_POINTER, p); /* foreign */
        return false;
    }
#if TH_TINY
    if (th_page_is_slab(o->region, a)) {
        o->slab = (th_slab *)(a & ~(uintptr_t)(TH_PAGE - 1u));
    }
#endif
    return true;
}

/* th_realloc's move: a new allocation of `size` bytes holding the first
 * min(old, size) bytes of p, or NULL (p untouched). p stays live until the
 * copy is done; the caller frees it. */
static void *move_to_new(th_heap *h, const void *p, size_t old, size_t size)
{
    void *q = alloc_plain(h, size);
    if (q != NULL) {
        copy_bytes((uint8_t *)q, (const uint8_t *)p, old < size ? old : size);
    }
    return q;
}

#if TH_TINY
/* th_realloc of tiny object p (slab o->slab), under the lock. One function
 * per kind, so that no path runs the general block's checks and the tiny
 * free both (make bound follows every path of the code). */
static void *realloc_tiny(th_heap *h, const owner *o, void *p, size_t size)
{
    th_slab *s   = o->slab;
    size_t   old = th_tiny_realloc_size(h, o->region, s, th_addr(p), size);
    if (old == 0u) {
        return NULL; /* reported: not a live object, or its free would be refused */
    }
    if (th_tiny_stays(th_addr(p), size, old)) {
        return p; /* fits where it is */
    }
    void *q = move_to_new(h, p, old, size);
    if (q != NULL) {
        th_tiny_free(h, o->region, s, th_addr(p));
    }
    return q;
}
#endif

/* th_realloc of general block p (region o->region), under the lock: in
 * place when the block or its free neighbour allows, else moved. */
static void *realloc_gen(th_heap *h, const owner *o, void *p, size_t size)
{
    th_block *b = th_gen_block_of(h, o->region, p, TH_KIND_GEN);
    if (b == NULL) {
        return NULL; /* reported */
    }
    size_t   old    = th_bsize(b->header) - TH_BLOCK_OVERHEAD;
    uint32_t faults = h->faults[TH_FAULT_CORRUPTION];
    void    *q      = th_gen_realloc(h, b, size);
    if (q != NULL) {
        size_t now = th_bsize(b->header) - TH_BLOCK_OVERHEAD;
        h->in_use  = h->in_use - old + now;
        th_note_use(h);
        if (now != old) {
            /* Resized in place: traced as the free of the old size and the
             * allocation of the new, so a trace that sums them stays exact. */
            TH_TRACE_FREE(h, p, old);
            TH_TRACE_ALLOC(h, p, now);
        }
        return q;
    }
    if (faults != h->faults[TH_FAULT_CORRUPTION]) {
        return NULL; /* the neighbour was damaged: reported, no move */
    }
    q = move_to_new(h, p, old, size);
    if (q != NULL) {
        th_gen_free_block(h, b); /* validated above */
    }
    return q;
}

/* ==== Public implementation ================================================ */

void *th_malloc(th_heap *h, size_t size)
{
    if (!th_heap_ok(h) || size == 0u) {
        return NULL;
    }
    if (TH_UNLIKELY(size > TH_MAX_REQUEST)) {
        return refuse(h);
    }
    if (TH_FAST_PATHS && th_unlocked(h)) {
        return alloc_plain(h, size); /* no lock slot: the allocator's call is the last */
    }
    th_lock(h);
    void *p = alloc_plain(h, size);
    th_unlock(h);
    return p;
}

void *th_calloc(th_heap *h, size_t n, size_t size)
{
    if (!th_heap_ok(h)) {
        return NULL;
    }
    if (size != 0u && n > SIZE_MAX / size) {
        return refuse(h);
    }
    uint8_t *p = (uint8_t *)th_malloc(h, n * size);
    if (p != NULL) {
        zero_bytes(p, n * size);
    }
    return p;
}

void *th_aligned_alloc(th_heap *h, size_t align, size_t size)
{
    if (!th_heap_ok(h)) {
        return NULL;
    }
    th_lock(h);
    void *p = NULL;
    if (align == 0u || (align & (align - 1u)) != 0u || size > TH_MAX_REQUEST) {
        th_raise(h, TH_FAULT_BAD_ARGUMENT, NULL);
    } else if (size != 0u) {
        if (align > ((size_t)1 << ((uint32_t)TH_MAX_BLOCK_LOG2 - 1u))) {
            th_oom(h, size); /* no block can be that far aligned */
        } else {
            /* Tiny objects are 4-aligned at least, general blocks 8. */
            p = align <= 4u                ? alloc_plain(h, size)
                : align <= TH_ALIGNMENT ? th_gen_malloc(h, size)
                                        : th_gen_malloc_aligned(h, size, (uint32_t)align);
        }
    } else {
        /* size 0: NULL, no fault (as th_malloc) */
    }
    th_unlock(h);
    return p;
}

/* th_free's work on a pointer of h (not NULL), under the caller's lock. */
TH_INLINE void free_ptr(th_heap *h, void *p)
{
    uintptr_t        a = th_addr(p);
    const th_region *r = th_region_of_inline(h, a);
    if (TH_UNLIKELY(r == NULL)) {
        th_raise(h, TH_FAULT_BAD_POINTER, p); /* foreign */
#if TH_TINY
    } else if (th_page_is_slab(r, a)) {
        th_tiny_free(h, r, (th_slab *)(a & ~(uintptr_t)(TH_PAGE - 1u)), a);
#endif
    } else {
        th_gen_free(h, r, p);
    }
}

void th_free(th_heap *h, void *p)
{
    if (!th_heap_ok(h) || p == NULL) {
        return;
    }
    if (TH_FAST_PATHS && th_unlocked(h)) {
        free_ptr(h, p); /* no lock slot: the allocator's call is the last */
        return;
    }
    th_lock(h);
    free_ptr(h, p);
    th_unlock(h);
}

size_t th_usable_size(const th_heap *ch, const void *p)
{
    if (!th_heap_ok(ch) || p == NULL) {
        return 0u;
    }
    /* Deviation: const dropped only to count a fault in the stats. */
    th_heap *h = (th_heap *)(uintptr_t)ch;
    th_lock(h);
    size_t n = 0u;
    owner  o;
    if (owner_of(h, p, &o)) {
#if TH_TINY
        if (o.slab != NULL) {
            n = th_tiny_usable(h, o.slab, th_addr(p));
            th_unlock(h);
            return n;
        }
#endif
        th_block *b = th_gen_block_of(h, o.region, p, TH_KIND_GEN);
        if (b != NULL) {
            n = th_bsize(b->header) - TH_BLOCK_OVERHEAD;
        }
    }
    th_unlock(h);
    return n;
}

void *th_realloc(th_heap *h, void *p, size_t size)
{
    if (!th_heap_ok(h)) {
        return NULL;
    }
    if (p == NULL) {
        return th_malloc(h, size);
    }
    if (size == 0u) {
        th_free(h, p);
        return NULL;
    }
    th_lock(h);
    void *q = NULL;
    owner o;
    if (size > TH_MAX_REQUEST) {
        th_raise(h, TH_FAULT_BAD_ARGUMENT, NULL);
    } else if (owner_of(h, p, &o)) {
#if TH_TINY
        if (o.slab != NULL) {
            q = realloc_tiny(h, &o, p, size);
        } else
#endif
        {
            q = realloc_gen(h, &o, p, size);
        }
    } else {
        /* p lies in no region: owner_of raised BAD_POINTER; p is untouched */
    }
    th_unlock(h);
    return q;
}
