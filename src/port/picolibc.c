/* SPDX-License-Identifier: MIT */
/*
 * picolibc.c: tinyheap as picolibc's allocator (--specs=picolibc.specs;
 * the C library Debian's arm-none-eabi toolchain ships beside newlib).
 * Link this object into a firmware and every
 * allocation in the image, the application's and picolibc's own
 * (asprintf, strdup, fmemopen, setenv, ...), is served by th_default(),
 * the heap over the linker-defined region: picolibc's sbrk and its
 * __heap_start/__heap_end region are not linked at all.
 *
 * Why it looks like this:
 * - picolibc has no reentrant `_r` layer: the public names are the whole
 *   interface, so they are what this object defines.
 * - picolibc's archive groups some of them per object: free with cfree,
 *   memalign with aligned_alloc, and malloc with internals that realloc,
 *   memalign and mallinfo use. Calling any name this object left undefined
 *   would pull a libc object that clashes with malloc or free at link
 *   time, or (malloc_usable_size, standalone) one that reads tinyheap's
 *   blocks as picolibc's headers and returns garbage. So this object
 *   defines every name whose libc object touches picolibc's heap: malloc,
 *   free, cfree, realloc, calloc, memalign, aligned_alloc,
 *   malloc_usable_size, mallinfo, malloc_stats and malloc_trim (declared by
 *   picolibc, defined nowhere).
 * - posix_memalign and reallocf are defined here too, although libc's
 *   would call the functions above: picolibc's posix_memalign sets errno,
 *   which POSIX leaves alone, and its reallocf frees p a second time when
 *   realloc(p, 0) has already freed it. valloc, pvalloc (which checks for
 *   overflow before rounding), reallocarray and mallopt stay libc's: thin
 *   wrappers over the names above, or nothing at all.
 * - Link it as an object (or with -Wl,-u,malloc): from an archive listed
 *   before -lc it would be skipped when only libc's own functions
 *   (asprintf, strdup) need an allocator, and libc's would be linked.
 * - Build it with -ffreestanding or -fno-builtin: GCC may otherwise turn
 *   the calloc below into a call to calloc itself.
 *
 * Semantics: libc_alloc.h, shared with the newlib port (every pointer
 * 8-aligned, malloc(0) a unique pointer, ENOMEM in errno, which picolibc
 * keeps thread-local: the start-up code must have set up TLS, as
 * picolibc's crt0 and this project's Cortex-M start-up do). Freeing a
 * pointer that is not a live block is misuse: tinyheap's fault handler
 * sees it (traps in debug builds) and the heap is left unchanged.
 *
 * Locking: picolibc's allocator takes the C library's one recursive lock,
 * __LIBC_LOCK() (__retarget_lock_acquire_recursive on
 * __lock___libc_recursive_mutex), and so does this port: it becomes the
 * heap's lock (th_set_lock). A firmware that retargets picolibc's locks
 * to its RTOS protects every heap call; picolibc's default stubs do
 * nothing. The lock is installed by the first allocation: make one before
 * other threads start if they call th_* on th_default() directly.
 */
#define _DEFAULT_SOURCE 1 /* NOLINT: posix_memalign, reallocf, cfree under -std=c11 */

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/lock.h>

#include "libc_alloc.h"

/* The heap, once its lock is installed. Written once, under __LIBC_LOCK. */
static th_heap *pl_heap;

static void pl_lock(void *ctx)
{
    (void)ctx;
    __LIBC_LOCK();
}

static void pl_unlock(void *ctx)
{
    (void)ctx;
    __LIBC_UNLOCK();
}

/* th_default() with picolibc's lock installed. */
static th_heap *pl_heap_get(void)
{
    return la_heap_once(&pl_heap, pl_lock, pl_unlock);
}

void *malloc(size_t n)
{
    return la_malloc(pl_heap_get(), n, &errno);
}

void free(void *p)
{
    if (p != NULL) {
        th_free(pl_heap_get(), p); /* no lock set-up for free(NULL) */
    }
}

/* picolibc's free object defines cfree too. */
void cfree(void *p)
{
    free(p);
}

void *realloc(void *p, size_t n)
{
    return la_realloc(pl_heap_get(), p, n, &errno);
}

void *calloc(size_t nmemb, size_t size)
{
    return la_calloc(pl_heap_get(), nmemb, size, &errno);
}

void *memalign(size_t align, size_t n)
{
    return la_memalign(pl_heap_get(), align, n, &errno);
}

/* picolibc's memalign object defines aligned_alloc too. */
void *aligned_alloc(size_t align, size_t n)
{
    return la_memalign(pl_heap_get(), align, n, &errno);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    return la_posix_memalign(pl_heap_get(), out, align, n);
}

void *reallocf(void *p, size_t n)
{
    if (!la_reallocf_live(pl_heap_get(), p)) {
        return NULL;
    }
    void *q = realloc(p, n);
    if (la_reallocf_frees(p, n, q)) {
        free(p);
    }
    return q;
}

size_t malloc_usable_size(void *p)
{
    return p != NULL ? th_usable_size(pl_heap_get(), p) : 0u;
}

struct mallinfo mallinfo(void)
{
    struct mallinfo mi = {0};
    la_mallinfo(pl_heap_get(), &mi);
    return mi;
}

/* A summary on stderr, as picolibc's own does. */
void malloc_stats(void)
{
    th_heap *h = pl_heap_get();
    if (h == NULL) {
        return;
    }
    th_stats s = th_get_stats(h);
    (void)fprintf(stderr, LA_STATS_FORMAT, LA_STATS_ARGS(s));
}

/* Nothing to give back: the region is fixed at link time. Defined so that
 * malloc_trim() links (picolibc declares it but lacks it). */
int malloc_trim(size_t pad)
{
    (void)pad;
    return 0;
}
