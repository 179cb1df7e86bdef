/* SPDX-License-Identifier: MIT */
/*
 * Test harness for tinyheap, the same on every target (Cortex-M under QEMU,
 * bare-metal i386 under QEMU, native host with sanitizers).
 *
 * A test is tests-qemu/test_<topic>.c with `int main(void)` returning its
 * failure count (usually `return h_failures;`). The Makefile compiles it
 * with -Dmain=h_test_main and -DTEST_NAME="\"test_<topic>\""; the board's
 * start-up code calls h_run(), which prints "seed: 0x...", seeds the PRNG,
 * calls the test and prints the final line the runner looks for:
 *   PASS <name>            (main returned 0 and no check failed), or
 *   FAIL <name> (<n>)      (n = failed checks, or main's value if larger)
 * then exits through board_exit().
 *
 * The harness never calls printf or malloc: output goes through board_putc.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "tinyheap.h"

/** H_HOST: 1 in the native host build (board/host, sanitizers), 0 on every
 *  QEMU target. (The i386 target is built with __linux__ undefined, so
 *  `#if defined(__linux__)` also works for host-only code.) */
#ifndef H_HOST
#define H_HOST 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define H_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define H_PRINTF_LIKE(f, a)
#endif

/** Failed checks so far. */
extern int h_failures;

/** The address of p, hidden from the optimiser. GCC assumes the alignment
 *  that malloc, calloc, realloc, aligned_alloc, posix_memalign, operator new
 *  and an _Alignas object promise, and folds a test of those low bits to
 *  "aligned" without reading them; a test of alignment must read the bits
 *  the allocator really returned, so it takes the address through this. */
static inline uintptr_t h_addr(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    __asm__("" : "+r"(a));
    return a;
}

/** 1 when p is a multiple of align (a power of two), read through h_addr. */
static inline int h_aligned(const void *p, uintptr_t align)
{
    return (h_addr(p) & (align - 1u)) == 0u;
}

/** Each check evaluates its arguments once, prints file:line and what
 *  failed, counts the failure and continues. Each is an expression worth 1
 *  when the check held and 0 when it failed, so a test can stop early:
 *  `if (!CHECK(p != NULL)) return h_failures;`. */
#define CHECK(cond) h_check_((cond) ? 1 : 0, #cond, __FILE__, __LINE__)
#define CHECK_EQ(a, b) h_check_eq_((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_PTR_EQ(a, b)                                                                \
    h_check_ptr_eq_((const void *)(a), (const void *)(b), #a, #b, __FILE__, __LINE__)

/** printf subset: %d %i %u %x %X %c %s %p %%, length modifiers l ll z,
 *  a field width, '0' padding and '-' left alignment. Through board_putc. */
void h_printf(const char *fmt, ...) H_PRINTF_LIKE(1, 2);

/** Writes s and a newline. */
void h_puts(const char *s);

/** Are all n bytes at p zero? (calloc's result, a zeroed buffer.) A NULL p
 *  is not. */
int h_all_zero(const void *p, size_t n);

/** xorshift32 PRNG. h_srand(0) uses a fixed non-zero seed instead (0 is
 *  xorshift's stuck state). */
void     h_srand(uint32_t seed);
uint32_t h_rand(void);

/** The seed in use: TEST_SEED if the test was built with it
 *  (make check SEED=n), else a fixed default. h_run prints it and seeds the
 *  PRNG with it before main. */
uint32_t h_seed(void);

/** Fault recording. After h_record_faults(), every fault the heap raises is
 *  counted here instead of trapping: h_fault_count[kind]++, h_total_faults++,
 *  h_last_fault/h_last_fault_ptr = the latest kind and pointer.
 *  h_reset_faults() zeroes the counts and sets h_last_fault to
 *  TH_FAULT_COUNT ("none") and h_last_fault_ptr to NULL. */
extern unsigned    h_fault_count[TH_FAULT_COUNT];
extern th_fault    h_last_fault;
extern const void *h_last_fault_ptr;
extern unsigned    h_total_faults;
void               h_record_faults(void);
void               h_reset_faults(void);
/** After a deliberate damage to heap h: whether th_check(h) refuses it with
 *  TH_FAULT_CORRUPTION and an address (the fault counts reset first); prints
 *  "  not caught: <what>" when it does not. Use as CHECK(h_check_catches(..)). */
bool               h_check_catches(const th_heap *h, const char *what);

/** The linker-defined heap region (th_heap_start, th_heap_size): raw memory
 *  a test may carve up as it likes. Stores its size in *size (if size is not
 *  NULL) and returns its start. Built with -DH_ARENA_SHIFT=n (e.g. `make
 *  check EXTRA_CFLAGS=-DH_ARENA_SHIFT=200u`), the arena starts n bytes into
 *  that region instead: a probe that the tests' verdicts do not depend on
 *  where the linker happens to put it. */
#ifndef H_ARENA_SHIFT
#define H_ARENA_SHIFT 0u
#endif
void *h_arena(size_t *size);

/** Region snapshots, to show that a call changed nothing: h_copy copies
 *  n bytes of src to dst; h_same says whether a[0..n) equals b[0..n) but
 *  the bytes [skip, skip + skip_n) (e.g. the heap's fault counters, which a
 *  reported fault changes), and prints the first offset that differs. */
void h_copy(uint8_t *dst, const uint8_t *src, size_t n);
bool h_same(const uint8_t *a, const uint8_t *b, size_t n, size_t skip, size_t skip_n);

/* ---- Internals used by the macros above and by the test's own unit ------ */

int h_check_(int ok, const char *expr, const char *file, int line);
int h_check_eq_(long long a, long long b, const char *ea, const char *eb, const char *file,
                int line);
int h_check_ptr_eq_(const void *a, const void *b, const char *ea, const char *eb,
                    const char *file, int line);

/* The test's main, renamed by -Dmain=h_test_main. */
int h_test_main(void);

/* Name and seed of the test, defined once, in the test's own unit (the only
 * one compiled with -DTEST_NAME), so the harness is compiled once per
 * board. */
extern const char     h_test_name[];
extern const uint32_t h_test_seed;
#ifdef TEST_NAME
#ifndef TEST_SEED
#define TEST_SEED_IN_USE 0x2545F491u
#else
#define TEST_SEED_IN_USE ((uint32_t)(TEST_SEED))
#endif
const char     h_test_name[] = TEST_NAME;
const uint32_t h_test_seed = TEST_SEED_IN_USE;
#endif

#endif /* HARNESS_H */
