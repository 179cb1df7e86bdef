/* SPDX-License-Identifier: MIT */
/*
 * Bounded sbrk for the libc allocators: hands out exactly the 64 KiB bench
 * arena and fails with ENOMEM / (void *)-1 past it. newlib (nano and full)
 * reach it as _sbrk through _sbrk_r; picolibc's malloc calls sbrk.
 */
#include <errno.h>
#include <stddef.h>

#include "bench.h"

static size_t bench_brk;

#ifdef BENCH_PICOLIBC
#define BENCH_SBRK sbrk
#else
#define BENCH_SBRK _sbrk
#endif
void *BENCH_SBRK(ptrdiff_t incr);
void *BENCH_SBRK(ptrdiff_t incr)
{
    size_t old = bench_brk;
    if (incr < 0 ? (size_t)-incr > old : (size_t)incr > BENCH_ARENA_SIZE - old) {
        errno = ENOMEM;
        return (void *)-1;
    }
    bench_brk = old + (size_t)incr;
    return bench_arena + old;
}
