/* SPDX-License-Identifier: MIT */
/*
 * Adapter: the libc allocator of the link (newlib-nano, newlib or picolibc).
 * malloc/free/realloc are called directly (they are the measured entry
 * points); the arena comes through the bounded sbrk (sbrk.c), which starts
 * empty at reset, so init has nothing to do. The cal_* entries are the empty
 * function itself.
 */
#include <stdlib.h>

#include "bench.h"

static void a_init(void *arena, size_t size)
{
    (void)arena;
    (void)size;
}

const bench_ops bench_alloc = {
    BENCH_NAME, a_init, malloc, free, realloc,
    (void *(*)(size_t))(void (*)(void))bench_empty, (void (*)(void *))(void (*)(void))bench_empty,
    (void *(*)(void *, size_t))(void (*)(void))bench_empty,
    NULL,
};
