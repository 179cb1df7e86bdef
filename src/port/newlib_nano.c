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
 * Semantics: libc_alloc.h, shared with the picolibc port (every pointer
 * 8-aligned, malloc(0) a unique pointer, ENOMEM through the reentrancy
 * structure passed in: r->_errno, the calling task's errno under
 * FreeRTOS's newlib support). Freeing a pointer that is not a live block
 * is misuse: tinyheap's fault handler sees it (traps in debug builds) and
 * the heap is left unchanged.
 *
 * Locking: __malloc_lock/__malloc_unlock become the heap's lock
 * (th_set_lock), so a threaded newlib build that implements them
 * (recursively, as newlib requires) protects every heap call. libc's
 * default versions do nothing. The lock is installed by the first
 * allocation: make one before other threads start if they call th_* on
 * th_default() directly.
 */
#define _DEFAULT_SOURCE 1 /* NOLINT: newlib hides posix_memalign under -std=c11 without it */

#include <reent.h>
#include <stdio.h>
#include <stdlib.h>

#include "libc_alloc.h"

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

/* th_default() with newlib's lock installed. (newlib's own __malloc_lock
 * ignores the reent structure, so the set-up takes it as _REENT too.) */
static th_heap *nl_heap_get(void)
{
    return la_heap_once(&nl_heap, nl_lock, nl_unlock);
}

/* ---- The reentrant layer newlib calls ----------------------------------- */

void *_malloc_r(struct _reent *r, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return la_malloc(nl_heap_get(), n, &r->_errno);
}

void _free_r(struct _reent *r, void *p) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    (void)r; /* errno is not touched */
    if (p != NULL) {
        th_free(nl_heap_get(), p); /* no lock set-up for free(NULL) */
    }
}

void *_realloc_r(struct _reent *r, void *p, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return la_realloc(nl_heap_get(), p, n, &r->_errno);
}

void *_calloc_r(struct _reent *r, size_t nmemb, size_t size) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return la_calloc(nl_heap_get(), nmemb, size, &r->_errno);
}

void *_memalign_r(struct _reent *r, size_t align, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return la_memalign(nl_heap_get(), align, n, &r->_errno);
}

void *_valloc_r(struct _reent *r, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return _memalign_r(r, LA_PAGE, n);
}

/* newlib-nano's own _pvalloc_r rounds without an overflow check. */
void *_pvalloc_r(struct _reent *r, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    return _memalign_r(r, LA_PAGE, la_page_round(n));
}

void *_reallocf_r(struct _reent *r, void *p, size_t n) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    if (!la_reallocf_live(nl_heap_get(), p)) {
        return NULL;
    }
    void *q = _realloc_r(r, p, n);
    if (la_reallocf_frees(p, n, q)) {
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
    (void)r; /* errno is not touched */
    return p != NULL ? th_usable_size(nl_heap_get(), p) : 0u;
}

struct mallinfo _mallinfo_r(struct _reent *r) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    (void)r; /* errno is not touched */
    struct mallinfo mi = {0};
    la_mallinfo(nl_heap_get(), &mi);
    return mi;
}

/* malloc_stats(): a summary on stderr, as newlib's does. */
void _malloc_stats_r(struct _reent *r) /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): newlib's name */
{
    th_heap *h = nl_heap_get();
    if (h == NULL) {
        return;
    }
    th_stats s = th_get_stats(h);
    (void)_fiprintf_r(r, _stderr_r(r), LA_STATS_FORMAT, LA_STATS_ARGS(s));
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

/* Not in libc_nano.a, and its aligned_alloc needs it. */
int posix_memalign(void **out, size_t align, size_t n)
{
    return la_posix_memalign(nl_heap_get(), out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    return _memalign_r(_REENT, align, n);
}
