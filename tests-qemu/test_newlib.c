/* SPDX-License-Identifier: MIT */
/*
 * test_newlib: src/port/newlib_nano.c linked into a newlib-nano firmware.
 * Proves that every allocation in the image goes to th_default(): the C
 * API (malloc ... aligned_alloc), newlib's own stdio/strdup/asprintf/
 * fmemopen/open_memstream/strtok/printf("%f"), with libc's allocator
 * objects absent from the image (weak references below; the link itself is
 * checked with the map and nm by tests-qemu/scripts/link-no-libc-malloc.sh,
 * see test_newlib.mk). Also: errno = ENOMEM through the reent structure,
 * calloc overflow, malloc(0), alignment, __malloc_lock as the heap's lock.
 * Cortex-M only (newlib-nano is the arm-none-eabi C library).
 */
#define _GNU_SOURCE 1 /* strdup, asprintf, fmemopen, open_memstream, memalign */

#include <errno.h>
#include <malloc.h>
#include <reent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* printf("%f") needs newlib-nano's float formatter: what -u _printf_float
 * does on the command line. */
__asm__(".global _printf_float");

/* ---- Console: newlib's stdout/stderr to the board's console ------------- */

int _write(int fd, const void *buf, size_t len);

static char   captured[256];
static size_t captured_len;
static int    capturing;

int _write(int fd, const void *buf, size_t len)
{
    const char *s = buf;
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (capturing && captured_len < sizeof captured - 1u) {
            captured[captured_len++] = s[i];
        } else {
            board_putc(s[i]);
        }
    }
    return (int)len;
}

/* ---- __malloc_lock / __malloc_unlock: the application's, counted ------- */

/* volatile: GCC assumes malloc and free touch no visible variable. */
static volatile unsigned lock_calls, lock_depth, lock_max_depth;

void __malloc_lock(struct _reent *r)
{
    (void)r;
    lock_calls++;
    lock_depth++;
    if (lock_depth > lock_max_depth) {
        lock_max_depth = lock_depth;
    }
}

void __malloc_unlock(struct _reent *r)
{
    (void)r;
    lock_depth--;
}

/* ---- Symbols only libc's allocator defines: weak, so they pull nothing -- */

extern char __malloc_free_list __attribute__((weak));        /* nano-mallocr.o */
extern char __malloc_sbrk_start __attribute__((weak));       /* nano-mallocr.o */
extern char __malloc_current_mallinfo __attribute__((weak)); /* nano-mallinfor.o */
#pragma weak _sbrk_r /* sbrkr.o; declared by reent.h */
extern char _sbrk __attribute__((weak));                     /* libnosys sbrk.o */

/* Sizes the compiler cannot see through: GCC rejects constant oversized
 * requests at compile time, and these are the point of the test. */
static volatile size_t v_max = SIZE_MAX;
static volatile size_t v_big = 65536u;
static void *(*volatile v_realloc)(void *, size_t) = realloc;

static void *volatile sink;

static th_stats stats(void)
{
    return th_get_stats(th_default());
}

static int aligned(const void *p, uintptr_t a)
{
    return ((uintptr_t)p & (a - 1u)) == 0u;
}

static void test_no_libc_allocator(void)
{
    CHECK(&__malloc_free_list == NULL);
    CHECK(&__malloc_sbrk_start == NULL);
    CHECK(&__malloc_current_mallinfo == NULL);
    CHECK((void *)(uintptr_t)_sbrk_r == NULL);
    CHECK(&_sbrk == NULL);
}

static void test_c_api(void)
{
    th_stats s0 = stats();
    char    *p = malloc(100);
    CHECK(p != NULL && aligned(p, 8));
    th_stats s1 = stats();
    CHECK_EQ(s1.allocs, s0.allocs + 1u);
    CHECK(s1.in_use >= s0.in_use + 100u);
    CHECK(malloc_usable_size(p) >= 100u);
    CHECK_EQ(malloc_usable_size(p), th_usable_size(th_default(), p));
    memset(p, 0x5A, 100);
    free(p);
    CHECK_EQ(stats().frees, s1.frees + 1u);
    CHECK_EQ(stats().in_use, s0.in_use);
    free(NULL);

    /* Every result 8-aligned, as newlib-nano's: small requests too. */
    for (size_t n = 1; n <= 64; n++) {
        void *q = malloc(n);
        CHECK(q != NULL && aligned(q, 8));
        CHECK(malloc_usable_size(q) >= n);
        free(q);
    }

    /* malloc(0): unique, non-NULL, freeable (newlib-nano's behaviour). */
    void *z1 = malloc(0);
    void *z2 = malloc(0);
    CHECK(z1 != NULL && z2 != NULL && z1 != z2);
    CHECK(aligned(z1, 8) && aligned(z2, 8));
    free(z1);
    free(z2);

    /* Small objects go to the tiny allocator. */
    s0 = stats();
    void *t = malloc(12);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects + 1u);
    free(t);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects);

    /* realloc: NULL = malloc, grow keeps contents, 0 frees. */
    char *r = realloc(NULL, 10);
    CHECK(r != NULL);
    memcpy(r, "tinyheap!", 10);
    r = realloc(r, 3000);
    CHECK(r != NULL && strcmp(r, "tinyheap!") == 0);
    s0 = stats();
    errno = 0;
    CHECK(realloc(r, 0) == NULL);
    CHECK_EQ(stats().frees, s0.frees + 1u);
    CHECK_EQ(errno, 0);

    /* calloc zeroes. */
    unsigned char *c = calloc(10, 30);
    CHECK(c != NULL);
    int zero = 1;
    for (size_t i = 0; c != NULL && i < 300u; i++) {
        zero &= c[i] == 0u;
    }
    CHECK(zero);
    free(c);
    void *c0 = calloc(0, 5);
    CHECK(c0 != NULL);
    free(c0);

    /* Aligned allocation, and the bad alignments each API rejects. */
    void *m = memalign(128, 10);
    CHECK(m != NULL && aligned(m, 128));
    free(m);
    m = memalign(2, 10); /* raised to 8, like newlib */
    CHECK(m != NULL && aligned(m, 8));
    free(m);
    errno = 0;
    CHECK(memalign(24, 10) == NULL);
    CHECK_EQ(errno, EINVAL);
    void *a = aligned_alloc(64, 40);
    CHECK(a != NULL && aligned(a, 64));
    free(a);
    errno = 0;
    CHECK(aligned_alloc(48, 40) == NULL);
    CHECK_EQ(errno, EINVAL);
    void *pm = NULL;
    CHECK_EQ(posix_memalign(&pm, 256, 100), 0);
    CHECK(pm != NULL && aligned(pm, 256));
    CHECK(malloc_usable_size(pm) >= 100u);
    free(pm);
    pm = NULL;
    CHECK_EQ(posix_memalign(&pm, 2, 8), EINVAL); /* not a multiple of sizeof(void *) */
    CHECK_EQ(posix_memalign(&pm, 12, 8), EINVAL);
    CHECK_EQ(posix_memalign(&pm, 16, v_max), ENOMEM);
    CHECK(pm == NULL);

    /* mallinfo (libc's wrapper over our _mallinfo_r). */
    th_stats        s = stats();
    struct mallinfo mi = mallinfo();
    CHECK_EQ(mi.arena, s.capacity);
    CHECK_EQ(mi.uordblks, s.in_use);
    CHECK_EQ(mi.fordblks, s.free_bytes);
    CHECK_EQ(mi.ordblks, s.free_blocks);
    CHECK_EQ(mallopt(M_TRIM_THRESHOLD, 0), 0);
    CHECK_EQ(malloc_trim(0), 0);

    /* malloc_stats prints tinyheap's summary on stderr. */
    capturing = 1;
    malloc_stats();
    capturing = 0;
    captured[captured_len] = '\0';
    CHECK(strstr(captured, "tinyheap: ") != NULL);
    CHECK(strstr(captured, " allocs") != NULL);
}

static void test_errno(void)
{
    /* Oversized requests: NULL + ENOMEM, and not a tinyheap fault. */
    errno = 0;
    CHECK(malloc(v_max) == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    CHECK(malloc(v_big * 64u + 1u) == NULL); /* > TH_MAX_REQUEST */
    CHECK_EQ(errno, ENOMEM);

    /* calloc overflow: NULL + ENOMEM (newlib 3.3's own calloc wraps). */
    errno = 0;
    CHECK(calloc(v_max / 2u, 3) == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    CHECK(calloc(v_big, v_big + 1u) == NULL);
    CHECK_EQ(errno, ENOMEM);

    /* realloc failure keeps the block. */
    char *p = malloc(32);
    CHECK(p != NULL);
    strcpy(p, "kept");
    errno = 0;
    CHECK(v_realloc(p, v_max - 8u) == NULL);
    CHECK_EQ(errno, ENOMEM);
    CHECK(strcmp(p, "kept") == 0);
    free(p);

    /* errno lands in the reent structure passed in, not the global one. */
    struct _reent other;
    memset(&other, 0, sizeof other);
    errno = 0;
    CHECK(_malloc_r(&other, v_max) == NULL);
    CHECK_EQ(other._errno, ENOMEM);
    CHECK_EQ(errno, 0);
    other._errno = 0;
    CHECK(_calloc_r(&other, v_max, 2) == NULL);
    CHECK_EQ(other._errno, ENOMEM);
    void *q = _malloc_r(&other, 40);
    CHECK(q != NULL);
    _free_r(&other, q);
}

static void test_exhaustion(void)
{
    th_stats s0 = stats();
    void    *blocks[128];
    size_t   n = 0;
    size_t   size = s0.capacity / 48u; /* about 48 fit, on every board */
    errno = 0;
    while (n < 128u && (blocks[n] = malloc(size)) != NULL) {
        n++;
    }
    CHECK(n > 4u && n < 128u); /* the region ran out, not the array */
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(stats().failed, s0.failed + 1u);
    /* What is left is still usable by smaller requests. */
    void *small = malloc(8);
    CHECK(small != NULL);
    free(small);
    while (n > 0u) {
        free(blocks[--n]);
    }
    th_stats s1 = stats();
    CHECK_EQ(s1.in_use, s0.in_use);
    CHECK_EQ(s1.free_bytes, s0.free_bytes);
    CHECK(th_check(th_default()));
}

/* newlib's own allocations, each seen moving th_default()'s counters. */
static void test_libc_allocates_here(void)
{
    /* First printf: stdio set-up (FILE glue) and the stdout buffer. */
    th_stats s0 = stats();
    printf("newlib printf over tinyheap: %d %s\n", 42, "ok");
    fflush(stdout);
    th_stats s1 = stats();
    CHECK(s1.allocs >= s0.allocs + 2u);
    CHECK(s1.in_use >= s0.in_use + 1024u + 400u);

    /* sprintf("%f"): dtoa's Bigints, allocated once. */
    char buf[32];
    s0 = stats();
    sprintf(buf, "%.3f", 3.14159);
    CHECK(strcmp(buf, "3.142") == 0);
    CHECK(stats().allocs > s0.allocs);

    /* strdup: a 6-byte string is a tiny object of th_default(). */
    s0 = stats();
    char *d = strdup("hello");
    CHECK(d != NULL && strcmp(d, "hello") == 0);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects + 1u);
    CHECK(th_usable_size(th_default(), d) >= 6u);
    free(d);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects);

    /* asprintf: malloc, then realloc to grow. */
    s0 = stats();
    char *as = NULL;
    CHECK_EQ(asprintf(&as, "%s-%d-%s", "tinyheap", 2024, "asprintf"), 22);
    CHECK(as != NULL && strcmp(as, "tinyheap-2024-asprintf") == 0);
    CHECK(stats().allocs > s0.allocs);
    CHECK(th_usable_size(th_default(), as) >= 23u);
    free(as);

    /* fmemopen: the FILE and its cookie come from the heap, fclose frees. */
    char mem[64] = {0};
    s0 = stats();
    FILE *f = fmemopen(mem, sizeof mem, "w");
    CHECK(f != NULL);
    s1 = stats();
    CHECK(s1.allocs > s0.allocs);
    if (f != NULL) {
        fprintf(f, "x=%d", 7);
        fclose(f);
    }
    CHECK(strcmp(mem, "x=7") == 0);
    CHECK(stats().frees > s1.frees);

    /* open_memstream: the buffer it returns is a tinyheap block. */
    char  *ms = NULL;
    size_t ms_len = 0;
    FILE  *m = open_memstream(&ms, &ms_len);
    CHECK(m != NULL);
    if (m != NULL) {
        fprintf(m, "%s %u", "memstream", 123u);
        fclose(m);
    }
    CHECK(ms != NULL && strcmp(ms, "memstream 123") == 0);
    CHECK_EQ(ms_len, 13);
    CHECK(th_usable_size(th_default(), ms) > ms_len);
    free(ms);

    /* strtok: newlib's lazy per-reent buffer, through malloc(). */
    s0 = stats();
    char words[] = "a b";
    CHECK(strcmp(strtok(words, " "), "a") == 0);
    CHECK(stats().allocs > s0.allocs);
}

static void test_lock(void)
{
    unsigned before = lock_calls;
    void    *p = malloc(20);
    sink = p; /* GCC drops an unused malloc/free pair */
    free(p);
    CHECK(lock_calls >= before + 2u); /* one per heap call at least */
    CHECK_EQ(lock_depth, 0);
    CHECK(lock_max_depth >= 1u);
    /* Direct calls on th_default() take the same lock once it is set. */
    before = lock_calls;
    (void)th_get_stats(th_default());
    CHECK_EQ(lock_calls, before + 1u);
    CHECK_EQ(lock_depth, 0);
}

/* The harness's start-up code sets CCR.UNALIGN_TRP on ARMv7-M and later to
 * catch misaligned allocator pointers, but newlib-nano's vfprintf, built
 * for those cores, makes unaligned halfword stores to its stack frame. A
 * firmware leaves the trap off (the reset value); so does this test, and
 * checks alignment explicitly instead. */
/* valloc, pvalloc and reallocf: libc's public wrappers over the port's
 * _valloc_r, _pvalloc_r and its own reallocf. */
static void test_page_and_reallocf(void)
{
    th_stats s0 = stats();
    void    *v  = valloc(100);
    CHECK(v != NULL && aligned(v, 4096));
    void *pv = pvalloc(100); /* a whole page */
    CHECK(pv != NULL && aligned(pv, 4096));
    CHECK(malloc_usable_size(pv) >= 4096u);
    free(v);
    free(pv);
    /* newlib-nano's own pvalloc rounds SIZE_MAX - 100 up to a 12-byte block. */
    errno = 0;
    CHECK(pvalloc(v_max - 100u) == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    CHECK(valloc(v_max) == NULL);
    CHECK_EQ(errno, ENOMEM);

    /* reallocf(p, 0) frees p once (libc's frees it again). */
    unsigned faults = h_total_faults;
    char    *p      = malloc(100);
    CHECK(p != NULL);
    CHECK(reallocf(p, 0) == NULL);
    char *t = malloc(5);
    CHECK(t != NULL);
    CHECK(reallocf(t, 0) == NULL);
    CHECK_EQ(h_total_faults, faults);
    /* A failed reallocf frees p (that is its point); a good one moves or keeps it. */
    p = malloc(40);
    CHECK(p != NULL);
    errno = 0;
    CHECK(reallocf(p, v_max - 8u) == NULL);
    CHECK_EQ(errno, ENOMEM);
    p = malloc(40);
    CHECK(p != NULL);
    strcpy(p, "kept");
    p = reallocf(p, 400);
    CHECK(p != NULL && strcmp(p, "kept") == 0);
    free(p);
    CHECK_EQ(h_total_faults, faults);
    th_stats s1 = stats();
    CHECK_EQ(s1.in_use, s0.in_use);
    CHECK_EQ(s1.allocs - s0.allocs, s1.frees - s0.frees);
}

static void allow_unaligned_access(void)
{
#if __ARM_ARCH >= 7
    *(volatile uint32_t *)0xE000ED14u &= ~(1u << 3); /* SCB->CCR.UNALIGN_TRP */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
}

int main(void)
{
    allow_unaligned_access();
    h_record_faults();
    test_no_libc_allocator();
    test_libc_allocates_here(); /* first: it sees stdio's set-up */
    test_c_api();
    test_errno();
    test_page_and_reallocf();
    test_exhaustion();
    test_lock();
    CHECK_EQ(h_total_faults, 0); /* nothing above is misuse */
    CHECK(th_check(th_default()));
    return h_failures;
}
