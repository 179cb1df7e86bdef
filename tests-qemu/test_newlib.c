/* SPDX-License-Identifier: MIT */
/*
 * test_newlib: src/port/newlib_nano.c linked into a newlib-nano firmware.
 * Proves that every allocation in the image goes to th_default(): the C
 * API (malloc ... aligned_alloc), newlib's own stdio/strdup/asprintf/
 * fmemopen/open_memstream/strtok/printf("%f"), with libc's allocator
 * objects absent from the image (weak references below; the link itself is
 * checked with the map and nm by tests-qemu/scripts/link-no-libc-malloc.sh,
 * see test_newlib.mk). Also: errno = ENOMEM through the reent structure,
 * __malloc_lock as the heap's lock, and the checks it shares with
 * test_picolibc (libc_checks.h: calloc overflow, malloc(0), alignment,
 * exhaustion, a double free reaching the fault handler). Cortex-M only
 * (newlib-nano is the arm-none-eabi C library).
 */
#define _GNU_SOURCE 1 /* strdup, asprintf, fmemopen, open_memstream, memalign */

#include <reent.h>

#include "libc_checks.h"

/* printf("%f") needs newlib-nano's float formatter: what -u _printf_float
 * does on the command line. */
__asm__(".global _printf_float");

/* ---- Console: newlib's stdout/stderr to the board's console ------------- */

int _write(int fd, const void *buf, size_t len);

int _write(int fd, const void *buf, size_t len)
{
    const char *s = buf;
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        lc_putc_from(s[i], fd == 2);
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

LC_CHECK test_no_libc_allocator(void)
{
    CHECK(&__malloc_free_list == NULL);
    CHECK(&__malloc_sbrk_start == NULL);
    CHECK(&__malloc_current_mallinfo == NULL);
    CHECK((void *)(uintptr_t)_sbrk_r == NULL);
    CHECK(&_sbrk == NULL);
}

/* errno lands in the reent structure passed in, not the global one. */
LC_CHECK test_reent_errno(void)
{
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
    other._errno = 0;
    CHECK(_realloc_r(&other, q, v_max) == NULL);
    CHECK_EQ(other._errno, ENOMEM);
    other._errno = 0;
    CHECK(_memalign_r(&other, 24, 8) == NULL);
    CHECK_EQ(other._errno, EINVAL);
    CHECK_EQ(errno, 0);
    _free_r(&other, q);
}

/* newlib's own allocations, each seen moving th_default()'s counters. */
LC_CHECK test_libc_allocates_here(void)
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

    lc_libc_allocates(); /* strdup, asprintf, fmemopen */

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

/* The harness's start-up code sets CCR.UNALIGN_TRP on ARMv7-M and later to
 * catch misaligned allocator pointers, but newlib-nano's vfprintf, built
 * for those cores, makes unaligned halfword stores to its stack frame. A
 * firmware leaves the trap off (the reset value); so does this test, and
 * checks alignment explicitly instead. */
static void allow_unaligned_access(void)
{
#if __ARM_ARCH >= 7
    *(volatile uint32_t *)0xE000ED14u &= ~(1u << 3); /* SCB->CCR.UNALIGN_TRP */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
}

int main(void)
{
    lc_stack_paint();
    allow_unaligned_access();
    h_record_faults();
    test_no_libc_allocator();
    test_libc_allocates_here(); /* first: it sees stdio's set-up */
    test_reent_errno();
    lc_all();
    lc_lock(&lock_calls, &lock_depth, &lock_max_depth);
    lc_finish();
    return h_failures;
}
