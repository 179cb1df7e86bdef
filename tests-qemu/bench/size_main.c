/* SPDX-License-Identifier: MIT */
/*
 * Code-size probe: references only init, malloc, free and realloc of one
 * allocator. bench.mk links it with --gc-sections and size.py sums every
 * input section that does not come from this file, startup.o or mem.o
 * (memcpy/memset, which every firmware has anyway): that is the allocator,
 * with everything it pulls in (libc members, _sbrk_r/_sbrk, impure data).
 */
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

#ifdef BENCH_TINYHEAP
#include "tinyheap.h"
#else
#include <stdlib.h>
#endif

uint8_t bench_arena[BENCH_ARENA_SIZE] __attribute__((aligned(16)));
static volatile size_t sizes[2] = {24, 48};

int bench_main(void)
{
#ifdef BENCH_TINYHEAP
    th_heap *h = th_init(bench_arena, sizeof bench_arena);
    void *p = th_malloc(h, sizes[0]);
    p = th_realloc(h, p, sizes[1]);
    th_free(h, p);
#else
    void *p = malloc(sizes[0]);
    p = realloc(p, sizes[1]);
    free(p);
#endif
    return p == NULL;
}
