/* SPDX-License-Identifier: MIT */
/*
 * test_trace: the trace hooks (TH_TRACE_ALLOC, TH_TRACE_FREE), set by a
 * configuration header of the user's (TH_CONFIG_HEADER, test_trace.mk).
 * Every successful allocation is reported once, after it, with its usable
 * size (the request for a persistent object); every free once, before it,
 * while the data is still there; a call that fails or faults reports
 * nothing; realloc reports a move as the new allocation then the free, a
 * resize in place as the free of the old size then the allocation of the
 * new. Then a random run holds the sum of the sizes traced to the stats.
 */
#include "harness.h"

#ifndef TRACE_OPS
#define TRACE_OPS 3000
#endif

typedef struct event {
    char        kind; /* 'a' alloc, 'f' free */
    const void *h;
    const void *p;
    size_t      size;
    uint8_t     first; /* the object's first byte when the hook ran */
} event;

#define MAX_EVENTS 8
static event    s_ev[MAX_EVENTS];
static unsigned s_n;        /* events since the last reset (all counted) */
static long long s_balance; /* allocated - freed sizes, over the whole test */

static void record(char kind, const void *h, const void *p, size_t size)
{
    if (s_n < MAX_EVENTS) {
        s_ev[s_n].kind  = kind;
        s_ev[s_n].h     = h;
        s_ev[s_n].p     = p;
        s_ev[s_n].size  = size;
        s_ev[s_n].first = *(const volatile uint8_t *)p;
    }
    s_n++;
    s_balance += kind == 'a' ? (long long)size : -(long long)size;
}
void test_trace_alloc(const void *h, const void *ptr, size_t size) { record('a', h, ptr, size); }
void test_trace_free(const void *h, const void *ptr, size_t size) { record('f', h, ptr, size); }

static void reset(void) { s_n = 0; }

/* The events since reset() are exactly `n`, the i-th of `kind` at p, size. */
#define EV(i, k, ptr, sz)                                                                        \
    do {                                                                                         \
        CHECK_EQ(s_ev[i].kind, (k));                                                             \
        CHECK_PTR_EQ(s_ev[i].p, (ptr));                                                          \
        CHECK_EQ(s_ev[i].size, (sz));                                                            \
    } while (0)

/* The malloc attribute lets GCC drop stores through p it cannot see read. */
static uint8_t *launder(void *p)
{
    __asm__ volatile("" : "+r"(p));
    return (uint8_t *)p;
}

static long long live(const th_heap *h)
{
    th_stats s = th_get_stats(h);
    return (long long)s.in_use + (long long)s.persistent_bytes;
}

static void test_calls(th_heap *h)
{
    /* Tiny and general malloc: once, after, the usable size, this heap. */
    reset();
    uint8_t *t = launder(th_malloc(h, 5));
    CHECK_EQ(s_n, 1);
    EV(0, 'a', t, th_usable_size(h, t));
    CHECK_PTR_EQ(s_ev[0].h, h);
    uint8_t *g = launder(th_malloc(h, 100));
    CHECK_EQ(s_n, 2);
    EV(1, 'a', g, th_usable_size(h, g));
    CHECK(s_ev[1].size >= 100u);

    /* Free: once, before the memory is released (the data still there). */
    t[0] = 0x3C;
    g[0] = 0xC3;
    reset();
    size_t tu = th_usable_size(h, t);
    size_t gu = th_usable_size(h, g);
    th_free(h, t);
    th_free(h, g);
    CHECK_EQ(s_n, 2);
    EV(0, 'f', t, tu);
    EV(1, 'f', g, gu);
    CHECK_EQ(s_ev[0].first, 0x3C);
    CHECK_EQ(s_ev[1].first, 0xC3);

    /* Faults and failures report nothing. */
    h_reset_faults();
    reset();
    th_free(h, t);                               /* double free */
    th_free(h, g + 8);                           /* interior */
    CHECK(th_malloc(h, (size_t)-1 / 2u) == NULL); /* bad argument */
    CHECK(th_malloc(h, th_get_stats(h).largest_free + 1u) == NULL); /* out of memory */
    CHECK(th_persistent_alloc(h, 0, 1) == NULL);  /* bad argument */
    CHECK_EQ(s_n, 0);
    CHECK_EQ(h_total_faults, 4);

    /* calloc, aligned_alloc and persistent_alloc: once each. */
    reset();
    uint8_t *c = launder(th_calloc(h, 3, 10));
    uint8_t *a = launder(th_aligned_alloc(h, 64, 40));
    uint8_t *p = launder(th_persistent_alloc(h, 6, 2));
    CHECK_EQ(s_n, 3);
    EV(0, 'a', c, th_usable_size(h, c));
    EV(1, 'a', a, th_usable_size(h, a));
    EV(2, 'a', p, 6);

    /* realloc that moves: the new allocation, then the free of the old. */
    uint8_t *m = launder(th_malloc(h, 40));
    uint8_t *blocker = launder(th_malloc(h, 40)); /* no growing in place */
    CHECK(m != NULL && blocker != NULL);
    m[0] = 0x5A;
    size_t mu = th_usable_size(h, m);
    reset();
    uint8_t *m2 = launder(th_realloc(h, m, 400));
    CHECK(m2 != NULL && m2 != m);
    CHECK_EQ(s_n, 2);
    EV(0, 'a', m2, th_usable_size(h, m2));
    EV(1, 'f', m, mu);
    CHECK_EQ(s_ev[1].first, 0x5A);

    /* realloc in place: the free of the old size, then the allocation of
     * the new; nothing when the usable size stays. */
    size_t u2 = th_usable_size(h, m2);
    reset();
    CHECK_PTR_EQ(th_realloc(h, m2, 200), m2); /* shrinks */
    CHECK_EQ(s_n, 2);
    EV(0, 'f', m2, u2);
    EV(1, 'a', m2, th_usable_size(h, m2));
    CHECK(th_usable_size(h, m2) < u2);
    reset();
    CHECK_PTR_EQ(th_realloc(h, m2, th_usable_size(h, m2)), m2);
    CHECK_EQ(s_n, 0);
    uint8_t *t2 = launder(th_malloc(h, 3));
    reset();
    CHECK_PTR_EQ(th_realloc(h, t2, 4), t2); /* a tiny object that fits */
    CHECK_EQ(s_n, 0);

    /* realloc(NULL, n) is a malloc, realloc(p, 0) a free. */
    reset();
    uint8_t *r = launder(th_realloc(h, NULL, 24));
    CHECK_EQ(s_n, 1);
    EV(0, 'a', r, th_usable_size(h, r));
    size_t ru = th_usable_size(h, r);
    CHECK(th_realloc(h, r, 0) == NULL);
    CHECK_EQ(s_n, 2);
    EV(1, 'f', r, ru);

    th_free(h, t2);
    th_free(h, c);
    th_free(h, a);
    th_free(h, m2);
    th_free(h, blocker);
    CHECK(th_check(h));
}

/* A random run over every call: the sizes traced always sum to what the
 * stats hold. */
static void test_balance(th_heap *h)
{
    enum { SLOTS = 64 };
    uint8_t *slot[SLOTS] = {0};
    for (unsigned op = 0; op < TRACE_OPS; op++) {
        unsigned i = h_rand() % SLOTS;
        size_t   n = 1u + h_rand() % (h_rand() % 4u == 0u ? 600u : 24u);
        switch (h_rand() % 6u) {
        case 0:
        case 1:
            if (slot[i] == NULL) {
                slot[i] = launder(th_malloc(h, n));
            }
            break;
        case 2:
            th_free(h, slot[i]);
            slot[i] = NULL;
            break;
        case 3: {
            uint8_t *q = launder(th_realloc(h, slot[i], n));
            if (q != NULL) {
                slot[i] = q;
            }
            break;
        }
        case 4:
            if (slot[i] == NULL) {
                slot[i] = launder(th_aligned_alloc(h, (size_t)16u << (h_rand() % 3u), n));
            }
            break;
        default:
            if (op % 50u == 0u) {
                uint8_t *q = launder(th_persistent_alloc(h, 1u + h_rand() % 40u, 4));
                if (q != NULL) { /* NULL when full */
                    q[0] = 1u;
                }
            }
            break;
        }
        if (s_balance != live(h)) {
            CHECK_EQ(s_balance, live(h));
            h_printf("after op %u\n", op);
            return;
        }
    }
    for (unsigned i = 0; i < SLOTS; i++) {
        th_free(h, slot[i]);
    }
    CHECK_EQ(s_balance, live(h));
    CHECK(th_check(h));
}

int main(void)
{
    size_t   n;
    uint8_t *arena = h_arena(&n);
    h_record_faults();
    th_heap *h = th_init(arena, n < 65536u ? n : 65536u);
    CHECK(h != NULL);
    test_calls(h);
    CHECK_EQ(s_balance, live(h));
    test_balance(h);
    CHECK_EQ(h_total_faults, 4); /* the four misuses above: out of memory is no fault */
    return h_failures;
}
