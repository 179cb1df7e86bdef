/* SPDX-License-Identifier: MIT */
/*
 * -nostdlib link test: proves that libtinyheap.a needs no C library. Linked
 * with only libtinyheap.a and libgcc (see the Makefile's link:nostdlib
 * entry), with --gc-sections; every public function is called, so that each
 * one's code is kept and any reference it makes to memcpy, memset, abort,
 * ... fails the link. It is never run.
 */
#include "tinyheap.h"

void linktest_entry(void);

static _Alignas(8) unsigned char region[8192];
static _Alignas(8) unsigned char extra[1024];
static volatile size_t sink;

static void on_block(void *user, char kind, const void *addr, size_t size)
{
    (void)user;
    (void)kind;
    (void)addr;
    sink = size;
}
static void on_fault(th_heap *h, th_fault kind, const void *ptr)
{
    (void)h;
    (void)ptr;
    sink = (size_t)kind;
}
static void on_oom(th_heap *h, size_t size)
{
    (void)h;
    sink = size;
}
static void on_lock(void *ctx) { sink = (size_t)ctx; }

void linktest_entry(void)
{
    (void)th_set_fault_handler(on_fault);
    th_heap *h = th_init(region, sizeof region);
    (void)th_add_region(h, extra, sizeof extra);
    th_set_lock(h, on_lock, on_lock, NULL);
    (void)th_set_oom_hook(h, on_oom);
    void *p = th_malloc(h, 24);
    void *c = th_calloc(h, 3, 8);
    void *a = th_aligned_alloc(h, 64, 40);
    p       = th_realloc(h, p, 200);
    sink    = th_usable_size(h, p);
    sink    = (size_t)th_persistent_alloc(h, 16, 8);
    th_stats s = th_get_stats(h);
    sink       = s.free_bytes + th_free_bytes(h) + th_min_free_bytes(h) + th_largest_free(h);
    th_reset_min_free(h);
    sink = (size_t)th_check(h);
    th_walk(h, on_block, NULL);
    th_free(h, a);
    th_free(h, c);
    th_free(h, p);
    sink = (size_t)th_default();
    for (;;) {
    }
}
