/* SPDX-License-Identifier: MIT */
/* Adapter: tinyheap over the bench arena (th_init). The wrappers load the
 * heap handle and tail-call th_*; the cal_* wrappers have the same shape
 * around an empty callee, so measuring them removes the wrapper's cost. */
#include "bench.h"
#include "tinyheap.h"

static th_heap *bench_heap;

/* The empty callees, with tinyheap's prototypes (bench_empty is `bx lr`). */
extern void *bench_empty_malloc(th_heap *h, size_t n);
extern void bench_empty_free(th_heap *h, void *p);
extern void *bench_empty_realloc(th_heap *h, void *p, size_t n);
__asm__(".text\n\t.thumb\n\t.p2align 2\n\t"
        ".global bench_empty_malloc\n\t.type bench_empty_malloc, %function\n\t.thumb_func\n"
        "bench_empty_malloc:\n\t"
        ".global bench_empty_free\n\t.type bench_empty_free, %function\n\t.thumb_func\n"
        "bench_empty_free:\n\t"
        ".global bench_empty_realloc\n\t.type bench_empty_realloc, %function\n\t.thumb_func\n"
        "bench_empty_realloc:\n\t"
        "bx lr\n");

static void a_init(void *arena, size_t size)
{
    bench_heap = th_init(arena, size);
    if (bench_heap == NULL) {
        bench_puts("ERR th_init failed\n");
        bench_exit(2);
    }
}

#define NI __attribute__((noinline))
static NI void *a_malloc(size_t n) { return th_malloc(bench_heap, n); }
static NI void a_free(void *p) { th_free(bench_heap, p); }
static NI void *a_realloc(void *p, size_t n) { return th_realloc(bench_heap, p, n); }
static NI void *c_malloc(size_t n) { return bench_empty_malloc(bench_heap, n); }
static NI void c_free(void *p) { bench_empty_free(bench_heap, p); }
static NI void *c_realloc(void *p, size_t n) { return bench_empty_realloc(bench_heap, p, n); }

static void a_usage(uint32_t *in_use, uint32_t *free_bytes, uint32_t *largest)
{
    th_stats s  = th_get_stats(bench_heap);
    *in_use     = (uint32_t)s.in_use;
    *free_bytes = (uint32_t)s.free_bytes;
    *largest    = (uint32_t)s.largest_free;
}

const bench_ops bench_alloc = {
    BENCH_NAME, a_init, a_malloc, a_free, a_realloc, c_malloc, c_free, c_realloc, a_usage,
};
