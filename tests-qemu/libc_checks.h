/* SPDX-License-Identifier: MIT */
/*
 * libc_checks.h: the checks test_newlib and test_picolibc share. Both C
 * library ports give the C allocator API the same semantics
 * (src/port/libc_alloc.h), so the same checks hold for both; what differs
 * (the reent structure, the lock, TLS, which libc functions allocate) stays
 * in each test. Included once, by the test's own file.
 *
 * The including file routes its console through lc_putc, so that
 * malloc_stats' line can be captured (lc_capture_begin/end).
 */
#ifndef LIBC_CHECKS_H
#define LIBC_CHECKS_H

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Sizes the compiler cannot see through: GCC rejects constant oversized
 * requests at compile time, and these are the point of the test. */
static volatile size_t v_max = SIZE_MAX;
static volatile size_t v_big = 65536u;
static volatile size_t v_zero = 0u;
static volatile size_t v_maxreq = TH_MAX_REQUEST;
static void *(*volatile v_realloc)(void *, size_t) = realloc;

static void *volatile sink;

static char   captured[256];
static size_t captured_len;
static int    capturing;
static unsigned captured_not_stderr; /* characters captured from another stream */

/* The console: captured while capturing, else to the board. */
static void lc_putc(char c)
{
    if (capturing && captured_len < sizeof captured - 1u) {
        captured[captured_len++] = c;
    } else {
        board_putc(c);
    }
}

/* The console with the stream it came from: malloc_stats must use stderr. */
static void lc_putc_from(char c, int is_stderr)
{
    if (capturing && !is_stderr) {
        captured_not_stderr++;
    }
    lc_putc(c);
}

/* Each check is a frame of its own, not inlined into main: with all of
 * them inlined, main's frame held every check's locals (lc_exhaustion's
 * 512-byte array among them) while newlib's printf("%f") ran below it, and
 * the microbit's 2 KiB stack overflowed into the top of the heap (th_check
 * found the end sentinel overwritten). */
#define LC_CHECK static __attribute__((noinline)) void

static th_stats stats(void)
{
    return th_get_stats(th_default());
}

/* Through h_aligned: GCC takes malloc's alignment on trust and would fold
 * these checks away. lc_basic checks that it does not. */
static int aligned(const void *p, uintptr_t a)
{
    return h_aligned(p, a);
}

/* p + 4, declared 8-aligned: GCC believes the declaration as it believes
 * malloc's, so a check of the bits folded from what GCC assumes calls this
 * pointer aligned, and one that reads them does not. The promise is false on
 * purpose, and only aligned() looks at the result. */
static __attribute__((noinline, assume_aligned(8))) void *lc_misaligned(char *p)
{
    return p + 4;
}

/* malloc, free, usable size, malloc(0), tiny objects, realloc, calloc. */
LC_CHECK lc_basic(void)
{
    th_stats s0 = stats();
    char    *p  = malloc(100);
    CHECK(p != NULL && aligned(p, 8));
    /* The alignment checks read the address they are given: one that GCC
     * was told is aligned but is not must fail them. */
    CHECK(!aligned(lc_misaligned(p), 8));
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
    CHECK_EQ(malloc_usable_size(NULL), 0);

    /* Every result 8-aligned, as the libraries' own: small requests too. */
    for (size_t n = 1; n <= 64; n++) {
        void *q = malloc(n);
        CHECK(q != NULL && aligned(q, 8));
        CHECK(malloc_usable_size(q) >= n);
        free(q);
    }

    /* malloc(0): unique, non-NULL, freeable. */
    void *z1 = malloc(0);
    void *z2 = malloc(0);
    CHECK(z1 != NULL && z2 != NULL && z1 != z2);
    CHECK(aligned(z1, 8) && aligned(z2, 8));
    free(z1);
    free(z2);

    /* Small objects go to the tiny allocator. */
    s0      = stats();
    void *t = malloc(12);
    sink    = t; /* GCC drops an unused malloc/free pair */
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects + 1u);
    free(t);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects);

    /* realloc: NULL = malloc, grow keeps contents, 0 frees. */
    char *r = realloc(NULL, 10);
    CHECK(r != NULL);
    memcpy(r, "tinyheap!", 10);
    r = realloc(r, 3000);
    CHECK(r != NULL && strcmp(r, "tinyheap!") == 0);
    s0    = stats();
    errno = 0;
    CHECK(realloc(r, 0) == NULL);
    CHECK_EQ(stats().frees, s0.frees + 1u);
    CHECK_EQ(errno, 0);

    /* reallocarray: libc's, over the port's realloc, with its overflow check. */
    char *ra = reallocarray(NULL, 10, 30);
    CHECK(ra != NULL && malloc_usable_size(ra) >= 300u);
    errno = 0;
    CHECK(reallocarray(ra, v_max / 2u, 3) == NULL);
    CHECK_EQ(errno, ENOMEM);
    ra = reallocarray(ra, 20, 30);
    CHECK(ra != NULL && malloc_usable_size(ra) >= 600u);
    free(ra);

    /* calloc zeroes. */
    unsigned char *c = calloc(10, 30);
    CHECK(h_all_zero(c, 300u));
    free(c);
    void *c0 = calloc(0, 5);
    CHECK(c0 != NULL);
    free(c0);
}

/* Small requests with many objects live at once (one at a time always gets
 * a block's first unit): each 8-aligned, and 0..8 bytes an 8-byte object. */
LC_CHECK lc_small_live(void)
{
    static void *live[12];
    for (size_t n = 0; n < 16u; n++) {
        for (size_t i = 0; i < 12u; i++) {
            live[i] = malloc(n);
        }
        for (size_t i = 0; i < 12u; i++) {
            CHECK(live[i] != NULL && aligned(live[i], 8));
            if (n <= 8u) {
                CHECK_EQ(malloc_usable_size(live[i]), 8);
            }
        }
        for (size_t i = 0; i < 12u; i++) {
            free(live[i]);
        }
    }
}

/* The application's own 4-byte object on the port's heap (th_malloc on
 * th_default(), which the port would have rounded to 8) as the current tiny
 * block's first unit: what the port places after it, a malloc of 9..15 bytes
 * and a realloc that cannot grow in place, stays 8-aligned. Under the Go tiny
 * rule (test_newlib_go) that takes the port's rounding on both paths; without
 * it, a 12-byte object would land 4 bytes into the block. */
LC_CHECK lc_small_after_direct(void)
{
    static void *held[32];
    size_t       nheld = 0;
    /* q and r fill one block (q its first half), so q cannot grow in place. */
    unsigned char *q = NULL;
    unsigned char *r = NULL;
    while (nheld + 2u <= 30u) {
        q = malloc(8);
        r = malloc(8);
        CHECK(q != NULL && r != NULL);
        if (aligned(q, 16) && r == q + 8) {
            break;
        }
        held[nheld++] = q;
        held[nheld++] = r;
        q = NULL;
    }
    CHECK(q != NULL);
    /* d starts a block: the current block, with room from its 4th byte on. */
    void *d = NULL;
    while (q != NULL && nheld < 30u) {
        d = th_malloc(th_default(), 4);
        CHECK(d != NULL);
        if (aligned(d, 16)) {
            break;
        }
        held[nheld++] = d;
        d = NULL;
    }
    CHECK(d != NULL);
    if (q == NULL || d == NULL) {
        return;
    }
    for (size_t n = 9; n < 16u; n++) {
        void *m = malloc(n);
        CHECK(m != NULL && aligned(m, 8));
        free(m);
    }
    memcpy(q, "tinyhea", 8);
    uintptr_t      qa = (uintptr_t)q;
    unsigned char *q2 = realloc(q, 12);
    CHECK(q2 != NULL && (uintptr_t)q2 != qa && aligned(q2, 8));
    CHECK(q2 != NULL && memcmp(q2, "tinyhea", 8) == 0);
#if TH_TINY_ALIGN_GO
    /* What the checks above stood on: d's block stayed current, with room
     * from its 4th byte (the port's 16-byte requests took blocks of their
     * own). Without the rounding, the 12-byte objects would have gone there. */
    void *probe = th_malloc(th_default(), 4);
    CHECK(probe == (char *)d + 4);
    th_free(th_default(), probe);
#endif
    free(q2);
    free(r);
    th_free(th_default(), d);
    for (size_t i = 0; i < nheld; i++) {
        free(held[i]); /* the 4-byte ones too: free() takes any block of th_default() */
    }
    CHECK(th_check(th_default()));
}

/* Aligned allocation, the bad alignments each API rejects, mallinfo and
 * the rest of malloc.h. */
LC_CHECK lc_aligned_and_info(void)
{
    void *m = memalign(128, 10);
    CHECK(m != NULL && aligned(m, 128));
    free(m);
    m = memalign(2, 10); /* raised to 8, like the libraries' own */
    CHECK(m != NULL && aligned(m, 8));
    free(m);
    /* Small objects too: four 4-byte objects at alignment 1, 2 and 4, each
     * 8-aligned (not packed 4 bytes apart, as malloc(4) would be). */
    for (size_t al = 1u; al <= 4u; al *= 2u) {
        void *s4[4];
        for (size_t i = 0; i < 4u; i++) {
            s4[i] = memalign(al, 4);
            CHECK(s4[i] != NULL && aligned(s4[i], 8));
        }
        for (size_t i = 0; i < 4u; i++) {
            free(s4[i]);
        }
    }
    errno = 0;
    CHECK(memalign(24, 10) == NULL);
    CHECK_EQ(errno, EINVAL);
    void *a = aligned_alloc(64, 40);
    CHECK(a != NULL && aligned(a, 64));
    free(a);
    errno = 0;
    CHECK(aligned_alloc(48, 40) == NULL);
    CHECK_EQ(errno, EINVAL);
    /* 0 is not a power of two (README): NULL + EINVAL, unlike libc's own. */
    errno = 0;
    CHECK(memalign(v_zero, 8) == NULL);
    CHECK_EQ(errno, EINVAL);
    errno = 0;
    CHECK(aligned_alloc(v_zero, 8) == NULL);
    CHECK_EQ(errno, EINVAL);
    /* Size 0: a unique pointer, as malloc(0). */
    m = memalign(16, v_zero);
    CHECK(m != NULL && aligned(m, 16));
    free(m);
    void *pm = NULL;
    CHECK_EQ(posix_memalign(&pm, 256, 100), 0);
    CHECK(pm != NULL && aligned(pm, 256));
    CHECK(malloc_usable_size(pm) >= 100u);
    free(pm);
    pm = NULL;
    CHECK_EQ(posix_memalign(&pm, 2, 8), EINVAL); /* not a multiple of sizeof(void *) */
    CHECK_EQ(posix_memalign(&pm, 12, 8), EINVAL);
    CHECK_EQ(posix_memalign(&pm, v_zero, 8), EINVAL);
    errno = 0;
    CHECK_EQ(posix_memalign(&pm, 16, v_max), ENOMEM);
    CHECK_EQ(errno, 0); /* POSIX: the error is returned, errno left alone */
    CHECK(pm == NULL);

    th_stats        s  = stats();
    struct mallinfo mi = mallinfo();
    CHECK_EQ(mi.arena, s.capacity);
    CHECK_EQ(mi.uordblks, s.in_use);
    CHECK_EQ(mi.fordblks, s.free_bytes);
    CHECK_EQ(mi.ordblks, s.free_blocks);
    CHECK_EQ(mi.smblks, s.tiny_objects);
    CHECK_EQ(mi.usmblks, s.peak_in_use);
    CHECK_EQ(mallopt(M_TRIM_THRESHOLD, 0), 0);
    CHECK_EQ(malloc_trim(0), 0);

    /* malloc_stats prints tinyheap's summary on stderr: every counter. */
    th_stats ms = stats();
    capturing   = 1;
    malloc_stats();
    capturing                = 0;
    captured[captured_len]   = '\0';
    CHECK(strstr(captured, "tinyheap: ") != NULL);
    CHECK(strstr(captured, " allocs") != NULL);
    CHECK_EQ(captured_not_stderr, 0);
    static char expect[sizeof captured];
    snprintf(expect, sizeof expect,
             "tinyheap: %lu bytes, in use %lu (peak %lu), free %lu (min %lu), "
             "%lu tiny objects, %lu allocs, %lu frees, %lu failed\n",
             (unsigned long)ms.capacity, (unsigned long)ms.in_use, (unsigned long)ms.peak_in_use,
             (unsigned long)ms.free_bytes, (unsigned long)ms.min_free_bytes,
             (unsigned long)ms.tiny_objects, (unsigned long)ms.allocs, (unsigned long)ms.frees,
             (unsigned long)ms.failed);
    CHECK(strcmp(captured, expect) == 0);
}

/* Oversized requests: NULL + ENOMEM, and not a tinyheap fault. */
LC_CHECK lc_errno(void)
{
    unsigned faults = h_total_faults;
    errno           = 0;
    CHECK(malloc(v_max) == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    CHECK(malloc(v_maxreq + 1u) == NULL); /* > TH_MAX_REQUEST */
    CHECK_EQ(errno, ENOMEM);

    /* calloc overflow: NULL + ENOMEM (newlib 3.3's own calloc wraps). */
    errno = 0;
    CHECK(calloc(v_max / 2u, 3) == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    CHECK(calloc(v_big, v_big + 1u) == NULL);
    CHECK_EQ(errno, ENOMEM);
    /* Oversized without overflowing: refused by the port, not a fault. */
    errno = 0;
    CHECK(calloc(v_maxreq + 1u, 1) == NULL);
    CHECK_EQ(errno, ENOMEM);
    /* A zero size either way: a unique pointer, as malloc(0). */
    void *z = calloc(5, v_zero);
    CHECK(z != NULL);
    free(z);
    /* TH_MAX_REQUEST itself is not oversized: tinyheap answers it (on a
     * small board: out of memory, counted as failed). */
    th_stats f0 = stats();
    errno       = 0;
    void *b     = malloc(v_maxreq);
    if (b != NULL) {
        free(b);
    } else {
        CHECK_EQ(errno, ENOMEM);
        CHECK_EQ(stats().failed, f0.failed + 1u);
    }

    /* realloc failure keeps the block. */
    char *p = malloc(32);
    CHECK(p != NULL);
    strcpy(p, "kept");
    errno = 0;
    CHECK(v_realloc(p, v_max - 8u) == NULL);
    CHECK_EQ(errno, ENOMEM);
    CHECK(strcmp(p, "kept") == 0);
    f0 = stats();
    errno = 0;
    b     = v_realloc(p, v_maxreq); /* tinyheap's to answer */
    if (b != NULL) {
        p = b;
    } else {
        CHECK_EQ(errno, ENOMEM);
        CHECK_EQ(stats().failed, f0.failed + 1u);
    }
    free(p);
    CHECK_EQ(h_total_faults, faults);
}

/* valloc, pvalloc and reallocf. */
LC_CHECK lc_page_and_reallocf(void)
{
    th_stats s0 = stats();
    void    *v  = valloc(100);
    CHECK(v != NULL && aligned(v, 4096));
    void *pv = pvalloc(100); /* a whole page */
    CHECK(pv != NULL && aligned(pv, 4096));
    CHECK(malloc_usable_size(pv) >= 4096u);
    free(v);
    free(pv);
    /* pvalloc rounds up to whole pages, and no further. */
    pv = pvalloc(4096);
    CHECK(pv != NULL && aligned(pv, 4096));
    CHECK(malloc_usable_size(pv) >= 4096u && malloc_usable_size(pv) < 4096u + 64u);
    free(pv);
    /* newlib-nano's own pvalloc rounds SIZE_MAX - 100 up to a 12-byte block. */
    errno = 0;
    CHECK(pvalloc(v_max - 100u) == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    CHECK(valloc(v_max) == NULL);
    CHECK_EQ(errno, ENOMEM);

    /* reallocf(p, 0) frees p once (the libraries' own free it again). */
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

/* The region runs out: ENOMEM, a failed count, and full recovery. */
LC_CHECK lc_exhaustion(void)
{
    th_stats s0 = stats();
    void    *blocks[128];
    size_t   n    = 0;
    size_t   size = s0.capacity / 48u; /* about 48 fit, on every board */
    errno         = 0;
    while (n < 128u && (blocks[n] = malloc(size)) != NULL) {
        n++;
    }
    CHECK(n > 4u && n < 128u); /* the region ran out, not the array */
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(stats().failed, s0.failed + 1u);
    /* calloc and realloc report running out too. */
    errno = 0;
    CHECK(calloc(1, size) == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    CHECK(v_realloc(blocks[0], 2u * size) == NULL);
    CHECK_EQ(errno, ENOMEM);
    /* What is left is still usable by smaller requests. */
    void *small = malloc(8);
    sink        = small;
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

/* mallinfo's fordblks is the bytes a malloc could still use: once the
 * smallest request (8 bytes) fails too, it is 0, whatever sizes filled the
 * heap, and the low-water mark with it. With 9..12-byte objects the port
 * used to leave each block's fourth 4-byte unit free, counted, where no
 * malloc fits. The objects are chained through their first word. */
LC_CHECK lc_free_is_usable(void)
{
    static const size_t sizes[]  = {8u, 9u, 12u, 13u, 16u, 20u, 100u};
    const size_t        smallest = 8u; /* what malloc(1) takes: the port's least */
    size_t              free0    = stats().free_bytes;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        void  *head = NULL;
        size_t n    = 0;
        th_reset_min_free(th_default());
        for (size_t want = sizes[k];; want = smallest) {
            void **p;
            while ((p = malloc(want)) != NULL) {
                *p   = head;
                head = p;
                n++;
            }
            if (want == smallest) {
                break;
            }
        }
        struct mallinfo mi = mallinfo();
        if (!CHECK_EQ(mi.fordblks, 0)) {
            h_printf("  %u-byte objects: %u bytes said free\n", (unsigned)sizes[k],
                     (unsigned)mi.fordblks);
        }
        CHECK_EQ(stats().min_free_bytes, 0);
        CHECK(n > 0u);
        while (head != NULL) {
            void *next = *(void **)head;
            free(head);
            head = next;
        }
        CHECK_EQ(stats().free_bytes, free0);
    }
    CHECK(th_check(th_default()));
}

/* Functions of both C libraries that allocate, each seen moving
 * th_default()'s counters, and their blocks freed with free(). */
LC_CHECK lc_libc_allocates(void)
{
    /* strdup: a 6-byte string is a tiny object of th_default(). */
    th_stats s0 = stats();
    char    *d  = strdup("hello");
    CHECK(d != NULL && strcmp(d, "hello") == 0);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects + 1u);
    CHECK(th_usable_size(th_default(), d) >= 6u);
    free(d);
    CHECK_EQ(stats().tiny_objects, s0.tiny_objects);

    /* asprintf: malloc, then realloc to grow. */
    s0       = stats();
    char *as = NULL;
    CHECK_EQ(asprintf(&as, "%s-%d-%s", "tinyheap", 2024, "asprintf"), 22);
    CHECK(as != NULL && strcmp(as, "tinyheap-2024-asprintf") == 0);
    CHECK(stats().allocs > s0.allocs);
    CHECK(th_usable_size(th_default(), as) >= 23u);
    free(as);

    /* fmemopen: the FILE (and newlib's cookie) come from the heap, fclose
     * frees them. */
    char mem[64] = {0};
    s0           = stats();
    FILE *f      = fmemopen(mem, sizeof mem, "w");
    CHECK(f != NULL);
    th_stats s1 = stats();
    CHECK(s1.allocs > s0.allocs);
    if (f != NULL) {
        fprintf(f, "x=%d", 7);
        fclose(f);
    }
    CHECK(strcmp(mem, "x=7") == 0);
    CHECK(stats().frees > s1.frees);
    CHECK_EQ(stats().in_use, s0.in_use);
}

/* The C libraries' own functions (newlib-nano's printf("%f") above all)
 * take much of a small board's stack, and an overflow runs into the top of
 * the heap. lc_stack_paint, first thing in main, fills the stack below
 * main's frame with a pattern; lc_stack_margin, last thing, checks that at
 * least LC_STACK_MARGIN bytes of it were never touched. */
#define LC_STACK_PATTERN 0xDEADBEEFu
#define LC_STACK_MARGIN  256u
extern uint32_t th_stack_bottom[]; /* linker/cortex-m.ld */

static uintptr_t lc_sp(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

LC_CHECK lc_stack_paint(void)
{
    uintptr_t top = lc_sp() - 64u; /* below this function's own frame */
    for (volatile uint32_t *w = th_stack_bottom; (uintptr_t)w < top; w++) {
        *w = LC_STACK_PATTERN;
    }
}

LC_CHECK lc_stack_margin(void)
{
    const volatile uint32_t *w = th_stack_bottom;
    while (*w == LC_STACK_PATTERN) {
        w++;
    }
    uintptr_t left = (uintptr_t)w - (uintptr_t)th_stack_bottom;
    h_printf("stack: %u bytes never touched\n", (unsigned)left);
    CHECK(left >= LC_STACK_MARGIN);
}

/* A misused pointer reaches tinyheap's fault handler, heap unchanged. */
LC_CHECK lc_misuse(void)
{
    char *p = malloc(40);
    CHECK(p != NULL);
    sink = p; /* GCC would reject the second free of p itself */
    free(p);
    th_stats s0     = stats();
    unsigned faults = h_total_faults;
    unsigned twice  = h_fault_count[TH_FAULT_DOUBLE_FREE];
    free(sink); /* double free */
    CHECK_EQ(h_total_faults, faults + 1u);
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], twice + 1u);
    /* reallocf of it: the same double free, reported once; reallocf
     * neither resizes the pointer nor frees it after the failure. */
    CHECK(reallocf(sink, 80) == NULL);
    CHECK_EQ(h_total_faults, faults + 2u);
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], twice + 2u);
    th_stats s1 = stats();
    CHECK_EQ(s1.in_use, s0.in_use);
    CHECK_EQ(s1.free_bytes, s0.free_bytes);
    CHECK_EQ(s1.frees, s0.frees);
    CHECK(th_check(th_default()));
}

/* The port installed the C library's lock as th_default()'s: every heap
 * call, the direct ones on th_default() too, takes it and gives it back.
 * The test counts the lock's calls and depth in its own lock functions. */
LC_CHECK lc_lock(const volatile unsigned *calls, const volatile unsigned *depth,
                 const volatile unsigned *max_depth)
{
    unsigned before = *calls;
    void    *p      = malloc(20);
    sink            = p; /* GCC drops an unused malloc/free pair */
    free(p);
    CHECK_EQ(*calls, before + 2u); /* one per heap call: the set-up ran once, long ago */
    CHECK_EQ(*depth, 0);
    CHECK(*max_depth >= 1u);
    before = *calls;
    (void)th_get_stats(th_default());
    CHECK_EQ(*calls, before + 1u);
    CHECK_EQ(*depth, 0);
}

/* Every check above that is not misuse, in order. */
LC_CHECK lc_all(void)
{
    lc_basic();
    lc_small_live();
    lc_small_after_direct();
    lc_aligned_and_info();
    lc_errno();
    lc_page_and_reallocf();
    lc_exhaustion();
    lc_free_is_usable();
}

/* The end of each test: nothing so far was misuse, then a double free,
 * the heap consistent, and the stack's margin. */
LC_CHECK lc_finish(void)
{
    CHECK_EQ(h_total_faults, 0);
    lc_misuse();
    CHECK(th_check(th_default()));
    lc_stack_margin();
}

#endif /* LIBC_CHECKS_H */
