/* SPDX-License-Identifier: MIT */
/*
 * test_picolibc: src/port/picolibc.c linked into a picolibc firmware
 * (--specs=picolibc.specs, the board's own start-up and linker script).
 * Proves that every allocation in the image goes to th_default(): the C
 * API, and picolibc's own asprintf/strdup/strndup/fmemopen/setenv, with picolibc's
 * allocator and sbrk absent from the image (weak references below; the
 * link itself is checked with the map and nm by
 * tests-qemu/scripts/link-no-libc-malloc.sh --picolibc, see
 * test_picolibc.mk). Also: errno = ENOMEM in the thread-local errno that
 * the start-up code set up, picolibc's retargetable libc lock as the heap's
 * lock, and the checks it shares with test_newlib (libc_checks.h).
 * Cortex-M only (Debian's picolibc is built for arm-none-eabi).
 */
#define _GNU_SOURCE 1 /* strdup, strndup, asprintf, fmemopen, memalign */

#include <sys/lock.h>

#include "libc_checks.h"

/* ---- Console: picolibc's stdout/stderr to the board's console ---------- */

static int pl_put(char c, FILE *f)
{
    (void)f;
    lc_putc_from(c, 0);
    return (unsigned char)c;
}

static int pl_put_err(char c, FILE *f)
{
    (void)f;
    lc_putc_from(c, 1);
    return (unsigned char)c;
}

static FILE        pl_console = FDEV_SETUP_STREAM(pl_put, NULL, NULL, _FDEV_SETUP_WRITE);
static FILE        pl_console_err = FDEV_SETUP_STREAM(pl_put_err, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &pl_console;
FILE *const stderr = &pl_console_err;

/* ---- picolibc's retargetable locks: the application's, counted ---------
 * Every function of libc's lock object is defined here, as a firmware that
 * retargets them to its RTOS does, so that object is never linked. */

struct __lock {
    volatile unsigned depth;
};
struct __lock __lock___libc_recursive_mutex;

/* volatile: GCC assumes malloc and free touch no visible variable. */
static volatile unsigned lock_calls, lock_max_depth, other_locks;

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    if (lock == &__lock___libc_recursive_mutex) {
        lock_calls++;
        if (++lock->depth > lock_max_depth) {
            lock_max_depth = lock->depth;
        }
    } else {
        other_locks++;
    }
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    if (lock == &__lock___libc_recursive_mutex) {
        lock->depth--;
    }
}

void __retarget_lock_init(_LOCK_T *lock)
{
    *lock = NULL;
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
    *lock = NULL;
}

void __retarget_lock_close(_LOCK_T lock)
{
    (void)lock;
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
    (void)lock;
}

void __retarget_lock_acquire(_LOCK_T lock)
{
    (void)lock;
    other_locks++;
}

void __retarget_lock_release(_LOCK_T lock)
{
    (void)lock;
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
    (void)lock;
    return 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    __retarget_lock_acquire_recursive(lock);
    return 1;
}

/* ---- Symbols only picolibc's allocator defines: weak, so they pull nothing */

extern char __malloc_free_list __attribute__((weak));  /* nano-malloc-malloc.c.o */
extern char __malloc_sbrk_start __attribute__((weak)); /* nano-malloc-malloc.c.o */
extern char __malloc_block __attribute__((weak));      /* nano-malloc-mallinfo.c.o */
extern char sbrk __attribute__((weak));                /* picosbrk.c.o */

/* From linker/cortex-m.ld: the main thread's TLS block. */
extern char th_tls_block[], th_tls_size[];

LC_CHECK test_no_libc_allocator(void)
{
    CHECK(&__malloc_free_list == NULL);
    CHECK(&__malloc_sbrk_start == NULL);
    CHECK(&__malloc_block == NULL);
    CHECK(&sbrk == NULL);
}

/* Thread-local data of the application's own beside picolibc's errno
 * (.tbss): an initialised variable (.tdata, so .tbss starts after padding)
 * and a zeroed one aligned beyond 8. */
static _Thread_local uint32_t tl_counter = 0x7161u;
static _Alignas(32) _Thread_local uint8_t tl_buffer[24];

/* Does [p, p + n) lie inside the TLS block the start-up code set up? */
static int in_tls_block(const volatile void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    uintptr_t b = (uintptr_t)th_tls_block;
    return a >= b && n <= (uintptr_t)th_tls_size && a - b <= (uintptr_t)th_tls_size - n;
}

/* errno is thread-local: it must lie in the block the start-up code set up,
 * with the application's thread-local variables, each initialised, and the
 * port's ENOMEM must land there. */
LC_CHECK test_tls_errno(void)
{
    uintptr_t e = (uintptr_t)&errno;
    CHECK(in_tls_block(&errno, sizeof errno));
    CHECK(in_tls_block(&tl_counter, sizeof tl_counter));
    CHECK(in_tls_block(tl_buffer, sizeof tl_buffer));
    CHECK(h_aligned(tl_buffer, 32u)); /* read, not taken from _Alignas */
    CHECK_EQ(tl_counter, 0x7161u);
    CHECK(h_all_zero(tl_buffer, sizeof tl_buffer));
    tl_counter++;
    memset(tl_buffer, 0xA5, sizeof tl_buffer);
    errno = 0;
    CHECK(malloc(v_max) == NULL);
    CHECK_EQ(*(volatile int *)(e), ENOMEM);
    CHECK_EQ(tl_counter, 0x7162u); /* errno's write stayed in errno */
    CHECK_EQ(tl_buffer[0], 0xA5u);
    CHECK_EQ(tl_buffer[sizeof tl_buffer - 1u], 0xA5u);
}

/* picolibc's own allocations, each seen moving th_default()'s counters. */
LC_CHECK test_libc_allocates_here(void)
{
    /* tinystdio's printf allocates nothing (its FILE is ours, above). */
    th_stats s0 = stats();
    printf("picolibc printf over tinyheap: %d %s\n", 42, "ok");
    CHECK_EQ(stats().allocs, s0.allocs);

    lc_libc_allocates(); /* strdup, asprintf, fmemopen */

    /* strndup: a short string is a tiny object of th_default(). */
    s0       = stats();
    char *nd = strndup("tinyheap", 4);
    CHECK(nd != NULL && strcmp(nd, "tiny") == 0);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects + 1u);
    free(nd);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects);

    /* cfree: the old name of free, in picolibc's free object. */
    s0       = stats();
    void *cf = malloc(24);
    sink     = cf; /* GCC drops an unused malloc/free pair */
    CHECK_EQ(stats().allocs, s0.allocs + 1u);
    cfree(cf);
    CHECK_EQ(stats().frees, s0.frees + 1u);
    CHECK_EQ(stats().in_use, s0.in_use);

    /* setenv: the environment array and its entry come from the heap. */
    s0 = stats();
    CHECK_EQ(setenv("TINYHEAP", "on", 1), 0);
    CHECK(stats().allocs > s0.allocs);
    const char *v = getenv("TINYHEAP");
    CHECK(v != NULL && strcmp(v, "on") == 0);
    CHECK_EQ(unsetenv("TINYHEAP"), 0);
    CHECK(getenv("TINYHEAP") == NULL);
}

int main(void)
{
    lc_stack_paint();
    h_record_faults();
    test_no_libc_allocator();
    test_tls_errno();
    test_libc_allocates_here();
    lc_all();
    lc_lock(&lock_calls, &__lock___libc_recursive_mutex.depth, &lock_max_depth);
    lc_finish();
    return h_failures;
}
