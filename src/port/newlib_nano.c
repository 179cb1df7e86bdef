/* SPDX-License-Identifier: MIT */
/*
 * newlib_nano.c: tinyheap as the C library's allocator (newlib and
 * newlib-nano, arm-none-eabi). Link this object into a firmware and every
 * allocation in the image, the application's and newlib's own (stdio
 * buffers, strdup, asprintf, printf of floats, strtok, ...), is served by
 * th_default(), the heap over the linker-defined region.
 *
 * Why it looks like this:
 * - newlib funnels everything through reentrant `_r` functions, and its
 *   archive groups several of them per object. Defining only malloc/free
 *   links, but leaves stdio on newlib's own sbrk heap (two heaps), or lets
 *   newlib's realloc/memalign/usable_size walk tinyheap blocks. So this one
 *   object defines the whole `_r` set (plus posix_memalign, which
 *   aligned_alloc needs and libc_nano.a lacks), and with it none of libc's
 *   allocator objects, _sbrk or __malloc_free_list is linked at all.
 * - Public names are defined only in the groups libc defines them in
 *   (malloc+free together; realloc, calloc, memalign, aligned_alloc,
 *   malloc_usable_size alone; reallocf with _reallocf_r), so no call can
 *   pull a libc object that clashes. mallinfo/malloc_stats/mallopt/valloc/
 *   pvalloc stay libc's thin wrappers over the `_r` functions below.
 * - _valloc_r and _pvalloc_r are defined here too, although libc's would
 *   call our _memalign_r: newlib-nano's _pvalloc_r rounds the size up to a
 *   page without an overflow check, so pvalloc(SIZE_MAX - 100) would
 *   return a 12-byte block. reallocf is defined here because libc's frees
 *   p again when realloc(p, 0) returns NULL, which it does after freeing p.
 * - Link it as an object (or with -Wl,-u,_malloc_r): from an archive it
 *   would be skipped when nothing but printf needs an allocator.
 * - Build it with -ffreestanding or -fno-builtin: GCC may otherwise turn
 *   the calloc below into a call to calloc itself.
 *
 * Semantics (newlib-nano's, where tinyheap's differ):
 * - Every pointer is 8-aligned (newlib's MALLOC_ALIGN): requests below 8
 *   bytes are served as 8-byte tiny objects, since tinyheap aligns a tiny
 *   object only as far as its size needs. 8..15-byte requests stay tiny.
 * - malloc(0) returns a unique, freeable, non-NULL pointer (an 8-byte tiny
 *   object), like newlib-nano. realloc(p, 0) frees p and returns NULL;
 *   realloc(NULL, n) is malloc(n).
 * - Failure sets errno = ENOMEM through the reentrancy structure passed in
 *   (r->_errno, the calling task's errno under FreeRTOS's newlib support):
 *   out of memory, a request above TH_MAX_REQUEST, a calloc product that
 *   overflows. Oversized requests are answered here, so they are not
 *   reported to tinyheap's fault handler (a huge malloc is not misuse).
 * - Freeing a pointer that is not a live block is misuse: tinyheap's fault
 *   handler sees it (traps in debug builds) and the heap is left unchanged.
 * - __malloc_lock/__malloc_unlock become the heap's lock (th_set_lock), so
 *   a threaded newlib build that implements them (recursively, as newlib
 *   requires) protects every heap call. libc's default versions do nothing.
 *   The lock is installed by the first allocation: make one before other
 *   threads start if they call th_* on th_default() directly.
 */
#define _DEFAULT_SOURCE 1 /* NOLINT: newlib hides posix_memalign under -std=c11 without it */

#include <errno.h>
#include <malloc.h>
#include <reent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tinyheap.h"

/* Smallest request passed to tinyheap: its tiny objects of 8..15 bytes are
 * 8-aligned, smaller ones only as aligned as their size. */
#define NL_MIN_REQUEST 8u
/* newlib's memalign raises smaller alignments to this. */
#define NL_MIN_ALIGN 8u

/* The heap, once its lock is installed. Written once, under __malloc_lock. */
static th_heap *nl_heap;

static void nl_lock(void *ctx)
{
    (void)ctx;
    __malloc_lock(_REENT);
}

static void nl_unlock(void *ctx)
{
    (void)ctx;
    __malloc_unlock(_REENT);
}

/* th_default() with newlib's lock installed. NULL only if the linker
 * region is too small for a heap. */
static th_heap *nl_heap_of(struct _reent *r)
{
    th_heap *h = nl_heap;
    if (h == NULL) {
        __malloc_lock(r);
        h = nl_heap;
        if (h == NULL) {
            h = th_default();
            if (h != NULL) {
                th_set_lock(h, nl_lock, nl_unlock, NULL);
                nl_heap = h;
            }
        }
        __malloc_unlock(r);
    }
    return h;
}

/* The size tinyheap is asked for, keeping every result 8-aligned. */
static size_t nl_request(size_t n)
{
#if TH_TINY_ALIGN_GO
    /* Go's tiny rule aligns 9..15-byte objects to 4 only: send them up
     * (0 included: malloc(0) is an 8-byte object, as without the rule). */
    if (n < 16u) {
        return n <= 8u ? 8u : 16u;
    }
#endif
    return n < NL_MIN_REQUEST ? NL_MIN_REQUEST : n;
}

static void *nl_fail(struct _reent *r)
{
    r->_errno = ENOMEM;
    return NULL;
}

static int nl_is_pow2(size_t x)
{
    return x != 0u && (x & (x - 1u)) == 0u;
}

/* ---- The reentrant layer newlib calls ----------------------------------- */

void *_malloc_r(struct _reent *r, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    th_heap *h = nl_heap_of(r);
    if (h == NULL || n > TH_MAX_REQUEST) {
        return nl_fail(r);
    }
    void *p = th_malloc(h, nl_request(n));
    return p != NULL ? p : nl_fail(r);
}

void _free_r(struct _reent *r, void *p) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    if (p != NULL) {
        th_free(nl_heap_of(r), p);
    }
}

void *_realloc_r(struct _reent *r, void *p, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    if (p == NULL) {
        return _malloc_r(r, n);
    }
    th_heap *h = nl_heap_of(r);
    if (n == 0u) {
        th_free(h, p);
        return NULL;
    }
    if (n > TH_MAX_REQUEST) {
        return nl_fail(r); /* p stays live, as C requires */
    }
    void *q = th_realloc(h, p, nl_request(n));
    return q != NULL ? q : nl_fail(r);
}

void *_calloc_r(struct _reent *r, size_t nmemb, size_t size) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    /* newlib 3.3's own calloc has no overflow check; this one must. */
    if (size != 0u && nmemb > SIZE_MAX / size) {
        return nl_fail(r);
    }
    size_t n = nmemb * size;
    th_heap *h = nl_heap_of(r);
    if (h == NULL || n > TH_MAX_REQUEST) {
        return nl_fail(r);
    }
    /* th_calloc zeroes the whole request, the rounding included. */
    void *p = th_calloc(h, 1u, nl_request(n));
    return p != NULL ? p : nl_fail(r);
}

void *_memalign_r(struct _reent *r, size_t align, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    if (!nl_is_pow2(align)) {
        r->_errno = EINVAL;
        return NULL;
    }
    th_heap *h = nl_heap_of(r);
    if (h == NULL || n > TH_MAX_REQUEST) {
        return nl_fail(r);
    }
    void *p = th_aligned_alloc(h, align < NL_MIN_ALIGN ? NL_MIN_ALIGN : align, nl_request(n));
    return p != NULL ? p : nl_fail(r);
}

/* Page size of valloc/pvalloc, as newlib's. */
#define NL_PAGE 4096u

void *_valloc_r(struct _reent *r, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return _memalign_r(r, NL_PAGE, n);
}

void *_pvalloc_r(struct _reent *r, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    if (n > TH_MAX_REQUEST) {
        return nl_fail(r); /* before the rounding, which would wrap */
    }
    return _memalign_r(r, NL_PAGE, (n + NL_PAGE - 1u) & ~(size_t)(NL_PAGE - 1u));
}

/* BSD's reallocf: as realloc, but p is freed when the resize fails. After
 * realloc(p, 0), which frees p and returns NULL, there is nothing left to
 * free. */
void *_reallocf_r(struct _reent *r, void *p, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    void *q = _realloc_r(r, p, n);
    if (q == NULL && p != NULL && n != 0u) {
        _free_r(r, p);
    }
    return q;
}

void *reallocf(void *p, size_t n)
{
    return _reallocf_r(_REENT, p, n);
}

size_t _malloc_usable_size_r(struct _reent *r, void *p) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return p != NULL ? th_usable_size(nl_heap_of(r), p) : 0u;
}

/* mallinfo in tinyheap's terms: arena = bytes managed, uordblks = bytes
 * held by live blocks, fordblks = bytes still allocatable, ordblks = free
 * general blocks, smblks = live tiny objects (newlib's "small blocks"),
 * usmblks = peak of uordblks. The rest has no counterpart and stays 0. */
struct mallinfo _mallinfo_r(struct _reent *r) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    struct mallinfo mi = {0};
    th_heap        *h = nl_heap_of(r);
    if (h != NULL) {
        th_stats s  = th_get_stats(h);
        mi.arena    = s.capacity;
        mi.ordblks  = s.free_blocks;
        mi.smblks   = s.tiny_objects;
        mi.usmblks  = s.peak_in_use;
        mi.uordblks = s.in_use;
        mi.fordblks = s.free_bytes;
    }
    return mi;
}

/* malloc_stats(): a summary on stderr, as newlib's does. */
void _malloc_stats_r(struct _reent *r) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    th_heap *h = nl_heap_of(r);
    if (h == NULL) {
        return;
    }
    th_stats s = th_get_stats(h);
    (void)_fiprintf_r(r, _stderr_r(r),
                      "tinyheap: %lu bytes, in use %lu (peak %lu), free %lu (min %lu), "
                      "%lu tiny objects, %lu allocs, %lu frees, %lu failed\n",
                      (unsigned long)s.capacity, (unsigned long)s.in_use,
                      (unsigned long)s.peak_in_use, (unsigned long)s.free_bytes,
                      (unsigned long)s.min_free_bytes, (unsigned long)s.tiny_objects,
                      (unsigned long)s.allocs, (unsigned long)s.frees, (unsigned long)s.failed);
}

/* No tunables: every request is served the same way. */
int _mallopt_r(struct _reent *r, int param, int value) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    (void)r;
    (void)param;
    (void)value;
    return 0;
}

/* Nothing to give back: the region is fixed at link time. Defined so that
 * malloc_trim() links (libc_nano.a declares it but lacks this). */
int _malloc_trim_r(struct _reent *r, size_t pad) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    (void)r;
    (void)pad;
    return 0;
}

/* ---- Public names (skip the _impure_ptr hop; same object groups as libc) */

void *malloc(size_t n)
{
    return _malloc_r(_REENT, n);
}

void free(void *p)
{
    _free_r(_REENT, p);
}

void *realloc(void *p, size_t n)
{
    return _realloc_r(_REENT, p, n);
}

void *calloc(size_t nmemb, size_t size)
{
    return _calloc_r(_REENT, nmemb, size);
}

void *memalign(size_t align, size_t n)
{
    return _memalign_r(_REENT, align, n);
}

size_t malloc_usable_size(void *p)
{
    return _malloc_usable_size_r(_REENT, p);
}

/* POSIX: align must be a power of two and a multiple of sizeof(void *);
 * errors are returned, errno is left alone. */
int posix_memalign(void **out, size_t align, size_t n)
{
    if (!nl_is_pow2(align) || align % sizeof(void *) != 0u) {
        return EINVAL;
    }
    th_heap *h = nl_heap_of(_REENT);
    void    *p = NULL;
    if (h != NULL && n <= TH_MAX_REQUEST) {
        p = th_aligned_alloc(h, align < NL_MIN_ALIGN ? NL_MIN_ALIGN : align, nl_request(n));
    }
    if (p == NULL) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

/* C11/C17: any power-of-two alignment; the size need not be a multiple of
 * it (DR 460). An unsupported alignment gives NULL and EINVAL. */
void *aligned_alloc(size_t align, size_t n)
{
    return _memalign_r(_REENT, align, n);
}
