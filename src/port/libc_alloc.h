/* SPDX-License-Identifier: MIT */
/*
 * libc_alloc.h: the C library's allocator semantics over a tinyheap heap,
 * shared by the two C library ports (newlib_nano.c, picolibc.c). Each port
 * includes it once and wraps these functions in its library's names: the
 * `_r` layer for newlib, the public names for picolibc. What differs
 * between the libraries stays in the ports: where errno lives (passed in
 * here as `err`), which lock libc's allocator used, and which object
 * groups the library's archive has.
 *
 * The semantics, the same for both (newlib-nano's and picolibc's own
 * allocators behave so, except where noted):
 * - Every pointer is 8-aligned (both libraries' MALLOC_ALIGN): requests
 *   below 8 bytes are served as 8-byte tiny objects, since tinyheap aligns
 *   a tiny object only as far as its size needs. 8..15-byte requests stay
 *   tiny.
 * - malloc(0) returns a unique, freeable, non-NULL pointer (an 8-byte tiny
 *   object). realloc(p, 0) frees p and returns NULL without touching
 *   errno; realloc(NULL, n) is malloc(n).
 * - Failure sets *err = ENOMEM: out of memory, a request above
 *   TH_MAX_REQUEST, a calloc product that overflows (newlib 3.3's own
 *   calloc wraps). Oversized requests are answered here, so they are not
 *   reported to tinyheap's fault handler (a huge malloc is not misuse).
 *   A bad alignment sets *err = EINVAL.
 * - A NULL heap (th_default() found the linker region too small) fails
 *   every allocation with ENOMEM; free and usable_size of a non-NULL
 *   pointer then reach th_free/th_usable_size with the NULL heap, which
 *   reports BAD_ARGUMENT to the fault handler.
 *
 * Functions are `static inline` so that a port that does not use one
 * (newlib has no separate posix_memalign error path, say) gets no warning
 * and no code for it.
 */
#ifndef TH_LIBC_ALLOC_H
#define TH_LIBC_ALLOC_H

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyheap.h"

/* Smallest request passed to tinyheap: its tiny objects of 8..15 bytes are
 * 8-aligned, smaller ones only as aligned as their size. */
#define LA_MIN_REQUEST 8u
/* Both libraries' memalign raise smaller alignments to this. */
#define LA_MIN_ALIGN 8u
/* Page size of valloc/pvalloc, as both libraries'. */
#define LA_PAGE 4096u

/* th_default() with the C library's lock installed as its lock, set up
 * once, under that lock, by the first call; *slot keeps it. NULL only if
 * the linker region is too small for a heap. lock and unlock ignore their
 * argument (the library's lock is global). */
static inline th_heap *la_heap_once(th_heap **slot, th_lock_fn lock, th_lock_fn unlock)
{
    th_heap *h = *slot;
    if (h == NULL) {
        lock(NULL);
        h = *slot;
        if (h == NULL) {
            h = th_default();
            if (h != NULL) {
                th_set_lock(h, lock, unlock, NULL);
                *slot = h;
            }
        }
        unlock(NULL);
    }
    return h;
}

/* The size tinyheap is asked for, keeping every result 8-aligned. */
static inline size_t la_request(size_t n)
{
#if TH_TINY_ALIGN_GO
    /* Go's tiny rule aligns 9..15-byte objects to 4 only: send them up
     * (0 included: malloc(0) is an 8-byte object, as without the rule). */
    if (n < 16u) {
        return n <= 8u ? 8u : 16u;
    }
#elif TH_TINY
    /* A 9..12-byte object takes three of a tiny block's four units; the
     * fourth fits only a request of 1..4 bytes, which this port never makes.
     * Asking for the whole block costs no room a malloc could use, and keeps
     * free_bytes (mallinfo's fordblks) the bytes a malloc could still use. */
    if (n <= 12u) {
        return n <= LA_MIN_REQUEST ? LA_MIN_REQUEST : TH_TINY_MAX;
    }
#endif
    return n < LA_MIN_REQUEST ? LA_MIN_REQUEST : n;
}

/* p, or NULL with *err = ENOMEM when p is NULL. */
static inline void *la_result(void *p, int *err)
{
    if (p == NULL) {
        *err = ENOMEM;
    }
    return p;
}

static inline int la_is_pow2(size_t x)
{
    return x != 0u && (x & (x - 1u)) == 0u;
}

static inline void *la_malloc(th_heap *h, size_t n, int *err)
{
    if (h == NULL || n > TH_MAX_REQUEST) {
        return la_result(NULL, err);
    }
    return la_result(th_malloc(h, la_request(n)), err);
}

static inline void *la_realloc(th_heap *h, void *p, size_t n, int *err)
{
    if (p == NULL) {
        return la_malloc(h, n, err);
    }
    if (n == 0u) {
        th_free(h, p);
        return NULL;
    }
    if (n > TH_MAX_REQUEST) {
        return la_result(NULL, err); /* p stays live, as C requires */
    }
    return la_result(th_realloc(h, p, la_request(n)), err);
}

static inline void *la_calloc(th_heap *h, size_t nmemb, size_t size, int *err)
{
    if (size != 0u && nmemb > SIZE_MAX / size) {
        return la_result(NULL, err);
    }
    size_t n = nmemb * size;
    if (h == NULL || n > TH_MAX_REQUEST) {
        return la_result(NULL, err);
    }
    /* th_calloc zeroes the whole request, the rounding included. */
    return la_result(th_calloc(h, 1u, la_request(n)), err);
}

/* The allocation of memalign/aligned_alloc/posix_memalign once the
 * alignment is known to be a power of two: NULL when it fails. */
static inline void *la_aligned(th_heap *h, size_t align, size_t n)
{
    if (h == NULL || n > TH_MAX_REQUEST) {
        return NULL;
    }
    return th_aligned_alloc(h, align < LA_MIN_ALIGN ? LA_MIN_ALIGN : align, la_request(n));
}

/* memalign and C11 aligned_alloc: any power-of-two alignment; the size need
 * not be a multiple of it (DR 460). Another alignment: NULL and EINVAL. */
static inline void *la_memalign(th_heap *h, size_t align, size_t n, int *err)
{
    if (!la_is_pow2(align)) {
        *err = EINVAL;
        return NULL;
    }
    return la_result(la_aligned(h, align, n), err);
}

/* pvalloc's size: n rounded up to whole pages, or a size every
 * allocation refuses (ENOMEM) when n is too large to round without
 * wrapping (newlib-nano's own pvalloc wraps). */
static inline size_t la_page_round(size_t n)
{
    return n > TH_MAX_REQUEST ? SIZE_MAX : (n + LA_PAGE - 1u) & ~(size_t)(LA_PAGE - 1u);
}

/* POSIX: align must be a power of two and a multiple of sizeof(void *);
 * errors are returned, errno is left alone, *out only written on success. */
static inline int la_posix_memalign(th_heap *h, void **out, size_t align, size_t n)
{
    if (!la_is_pow2(align) || align % sizeof(void *) != 0u) {
        return EINVAL;
    }
    void *p = la_aligned(h, align, n);
    if (p == NULL) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

/* BSD's reallocf is realloc that frees p when the resize fails: does
 * reallocf(p, n), whose realloc gave q, still have to free p? Not after
 * realloc(p, 0), which freed p and returned NULL (both libraries' own
 * reallocf free it a second time). */
static inline int la_reallocf_frees(const void *p, size_t n, const void *q)
{
    return q == NULL && p != NULL && n != 0u;
}

/* Whether reallocf may go on with p: NULL, or a live block of h. A bad p is
 * reported here, once, and then neither resized nor freed (realloc would
 * report it, and the free after its failure a second time). */
static inline int la_reallocf_live(th_heap *h, const void *p)
{
    return p == NULL || th_usable_size(h, p) != 0u;
}

/* mallinfo in tinyheap's terms: arena = bytes managed, uordblks = bytes
 * held by live blocks, fordblks = bytes still allocatable, ordblks = free
 * general blocks, smblks = live tiny objects (the libraries' "small
 * blocks"), usmblks = peak of uordblks. The rest has no counterpart and
 * stays 0 (*mi comes zeroed). */
static inline void la_mallinfo(th_heap *h, struct mallinfo *mi)
{
    if (h != NULL) {
        th_stats s   = th_get_stats(h);
        mi->arena    = s.capacity;
        mi->ordblks  = s.free_blocks;
        mi->smblks   = s.tiny_objects;
        mi->usmblks  = s.peak_in_use;
        mi->uordblks = s.in_use;
        mi->fordblks = s.free_bytes;
    }
}

/* The format and arguments of malloc_stats()'s line, for the port's own
 * fprintf (newlib's reentrant one, picolibc's tinystdio). */
#define LA_STATS_FORMAT                                                                   \
    "tinyheap: %lu bytes, in use %lu (peak %lu), free %lu (min %lu), "                    \
    "%lu tiny objects, %lu allocs, %lu frees, %lu failed\n"
#define LA_STATS_ARGS(s)                                                                  \
    (unsigned long)(s).capacity, (unsigned long)(s).in_use, (unsigned long)(s).peak_in_use, \
        (unsigned long)(s).free_bytes, (unsigned long)(s).min_free_bytes,                 \
        (unsigned long)(s).tiny_objects, (unsigned long)(s).allocs, (unsigned long)(s).frees, \
        (unsigned long)(s).failed

#endif /* TH_LIBC_ALLOC_H */
