/* SPDX-License-Identifier: MIT */
/*
 * tinyheap bench firmware: runs one workload on one allocator and prints
 * exact instruction counts per call (histograms), capacity and fill figures.
 *
 * Command line (semihosting SYS_GET_CMDLINE, QEMU `arg=`):
 *   bench <trace> <seed> <steps> [v] [at=N]   trace: tiny | rtos | mixed
 *   bench fill <size>
 *   bench selftest
 * `v` also prints every call's count in order (for the exec-trace check);
 * `x` skips the timing self-checks (for the run without -icount that
 * verify_trace.py traces; its counts are then meaningless); `at=N` starts
 * the arena N bytes (0..511) into its 512-byte page (tinyheap only: the
 * libc allocators take the arena through sbrk, from its start).
 *
 * Counting: QEMU runs with -icount shift=8, so every instruction advances
 * virtual time by 256 ns; SysTick (25 MHz on mps2-an385, 40 ns a tick) is
 * read right before and after the call (m_malloc/m_free/m_realloc, one
 * noinline function per shape, called with a function pointer) and
 * insns = round(ticks * 40000 / (1000 * 256)). The same measurement of an
 * empty callee (`bx lr`) reached through the same call sequence gives the
 * fixed overhead; a call's count is measured - empty + 1, i.e. every
 * instruction from the callee's first to its return, callees included.
 *
 * Workloads are deterministic: every decision (operation, size, which model
 * entry to free or resize) comes from xorshift32 and the model only, never
 * from what the allocator returned. A failed malloc leaves its entry empty
 * (NULL); later frees/reallocs of it are skipped. Every block is filled with
 * its tag when allocated and verified before it is freed or resized.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

uint8_t bench_arena[BENCH_ARENA_SIZE + BENCH_PLACE_ROOM] __attribute__((aligned(512)));

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* bench_empty: one `bx lr`. bench_nop100: 100 nops + bx lr (101).
 * bench_loop(n): 2n + 1 instructions. Thumb-1, valid on ARMv6-M. */
__asm__(".syntax unified\n\t.text\n\t.thumb\n\t.p2align 2\n\t"
        ".global bench_empty\n\t.type bench_empty, %function\n\t.thumb_func\n"
        "bench_empty:\n\tbx lr\n\t"
        ".p2align 2\n\t.global bench_nop100\n\t.type bench_nop100, %function\n\t.thumb_func\n"
        "bench_nop100:\n\t.rept 100\n\tnop\n\t.endr\n\tbx lr\n\t"
        ".p2align 2\n\t.global bench_loop\n\t.type bench_loop, %function\n\t.thumb_func\n"
        "bench_loop:\n1:\tsubs r0, r0, #1\n\tbne 1b\n\tbx lr\n");
void bench_nop100(void *p);
void bench_loop(void *n);

/* ---- output ------------------------------------------------------------- */

static char line[256];
static size_t line_len;

static void out_flush(void)
{
    if (line_len != 0u) {
        line[line_len] = '\0';
        bench_puts(line);
        line_len = 0;
    }
}
static void out_s(const char *s)
{
    while (*s != '\0') {
        if (line_len >= sizeof line - 2u) {
            out_flush();
        }
        line[line_len++] = *s++;
    }
}
static void out_u(uint32_t v)
{
    char b[12];
    int i = 11;
    b[i] = '\0';
    do {
        b[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    out_s(&b[i]);
}
static void out_kv(const char *k, uint32_t v)
{
    out_s(" ");
    out_s(k);
    out_s("=");
    out_u(v);
}
static void out_nl(void)
{
    out_s("\n");
    out_flush();
}

static bool lenient;
static void fail(const char *what, uint32_t a, uint32_t b)
{
    out_flush();
    out_s("ERR ");
    out_s(what);
    out_kv("a", a);
    out_kv("b", b);
    out_nl();
    bench_exit(1);
}

/* ---- measurement -------------------------------------------------------- */

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);
typedef void *(*realloc_fn)(void *, size_t);

__attribute__((noinline)) static void *m_malloc(malloc_fn f, size_t n, uint32_t *ticks)
{
    uint32_t t0 = SYST_CVR;
    void *r = f(n);
    uint32_t t1 = SYST_CVR;
    *ticks = (t0 - t1) & 0xFFFFFFu;
    return r;
}
__attribute__((noinline)) static void m_free(free_fn f, void *p, uint32_t *ticks)
{
    uint32_t t0 = SYST_CVR;
    f(p);
    uint32_t t1 = SYST_CVR;
    *ticks = (t0 - t1) & 0xFFFFFFu;
}
__attribute__((noinline)) static void *m_realloc(realloc_fn f, void *p, size_t n, uint32_t *ticks)
{
    uint32_t t0 = SYST_CVR;
    void *r = f(p, n);
    uint32_t t1 = SYST_CVR;
    *ticks = (t0 - t1) & 0xFFFFFFu;
    return r;
}

/* 25 MHz SysTick (40000 ps) and 2^8 ns per instruction: ticks * 5 / 32. */
static uint32_t insns(uint32_t ticks) { return (ticks * 5u + 16u) / 32u; }

static uint32_t cal_m, cal_f, cal_r; /* insns of an empty callee, each shape */
static bool verbose; /* `v`: print every call's count (SEQ lines) */

enum { OP_MALLOC, OP_FREE, OP_REALLOC, OP_N };
static const char *const op_name[OP_N] = {"malloc", "free", "realloc"};
#define HMAX 16384u
static uint32_t hist[OP_N][HMAX];
static uint32_t hist_max[OP_N], hist_n[OP_N];

static void record(int op, uint32_t n)
{
    hist[op][n < HMAX ? n : HMAX - 1u]++;
    hist_n[op]++;
    if (n > hist_max[op]) {
        hist_max[op] = n;
    }
    if (verbose) {
        out_s("SEQ ");
        out_s(op_name[op]);
        out_s(" ");
        out_u(n);
        out_nl();
    }
}

static uint32_t fail_n, fail_max, fail_last; /* failing mallocs */

static void *do_malloc(size_t n)
{
    uint32_t t;
    void *p = m_malloc(bench_alloc.malloc, n, &t);
    uint32_t c = insns(t) - cal_m + 1u;
    if (p != NULL) {
        record(OP_MALLOC, c);
    } else {
        fail_n++;
        fail_last = c;
        if (c > fail_max) {
            fail_max = c;
        }
        if (verbose) {
            out_s("SEQ failmalloc ");
            out_u(c);
            out_nl();
        }
    }
    return p;
}
static void do_free(void *p)
{
    uint32_t t;
    m_free(bench_alloc.free, p, &t);
    record(OP_FREE, insns(t) - cal_f + 1u);
}
static uint32_t realloc_fails;
static void *do_realloc(void *p, size_t n)
{
    uint32_t t;
    void *r = m_realloc(bench_alloc.realloc, p, n, &t);
    record(OP_REALLOC, insns(t) - cal_r + 1u);
    if (r == NULL) {
        realloc_fails++;
    }
    return r;
}

static void start_systick(void)
{
    SYST_CSR = 0;
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u; /* enable, processor clock, no interrupt */
}

/* Calibrates the empty callee per shape (must be repeatable) and checks the
 * tick-to-instruction formula against routines of known length. */
static void calibrate(void)
{
    uint32_t t, m = 0, f = 0, r = 0;
    start_systick();
    if (lenient) {
        return;
    }
    for (int i = 0; i < 16; i++) {
        (void)m_malloc(bench_alloc.cal_malloc, 8, &t);
        if (i > 0 && insns(t) != m) {
            fail("calibration not repeatable (malloc)", m, insns(t));
        }
        m = insns(t);
        m_free(bench_alloc.cal_free, NULL, &t);
        if (i > 0 && insns(t) != f) {
            fail("calibration not repeatable (free)", f, insns(t));
        }
        f = insns(t);
        (void)m_realloc(bench_alloc.cal_realloc, NULL, 8, &t);
        if (i > 0 && insns(t) != r) {
            fail("calibration not repeatable (realloc)", r, insns(t));
        }
        r = insns(t);
    }
    cal_m = m;
    cal_f = f;
    cal_r = r;
    /* Known routines, measured through the free shape (one pointer arg). */
    uint32_t e;
    m_free((free_fn)bench_empty, NULL, &t);
    e = insns(t);
    m_free(bench_nop100, NULL, &t);
    if (insns(t) - e + 1u != 101u) {
        fail("known-length check: nop100 expected 101", 101, insns(t) - e + 1u);
    }
    m_free(bench_loop, (void *)(uintptr_t)100000u, &t);
    if (insns(t) - e + 1u != 200001u) {
        fail("known-length check: loop(100000) expected 200001", 200001, insns(t) - e + 1u);
    }
    out_s("CAL");
    out_kv("malloc", cal_m);
    out_kv("free", cal_f);
    out_kv("realloc", cal_r);
    out_kv("empty", e);
    out_s(" nop100=ok loop=ok");
    out_nl();
}

/* ---- tags --------------------------------------------------------------- */

static uint32_t tag_ctr;
static uint32_t new_tag(void)
{
    tag_ctr++;
    return (tag_ctr * 0x9E3779B1u) | 0x01010101u; /* no zero byte */
}
static void tag_fill(uint8_t *p, uint32_t n, uint32_t tag)
{
    uint32_t i = 0;
    if (((uintptr_t)p & 3u) == 0u) {
        for (; i + 4u <= n; i += 4u) {
            *(uint32_t *)(void *)(p + i) = tag;
        }
    }
    for (; i < n; i++) {
        p[i] = (uint8_t)(tag >> (8u * (i & 3u)));
    }
}
static void tag_check(const uint8_t *p, uint32_t n, uint32_t tag)
{
    uint32_t i = 0;
    if (((uintptr_t)p & 3u) == 0u) {
        for (; i + 4u <= n; i += 4u) {
            if (*(const uint32_t *)(const void *)(p + i) != tag) {
                break;
            }
        }
    }
    for (; i < n; i++) {
        if (p[i] != (uint8_t)(tag >> (8u * (i & 3u)))) {
            out_flush();
            out_s("ERR tag mismatch");
            out_kv("addr", (uint32_t)(uintptr_t)p);
            out_kv("size", n);
            out_kv("offset", i);
            out_kv("want", (uint8_t)(tag >> (8u * (i & 3u))));
            out_kv("got", p[i]);
            out_nl();
            bench_exit(1);
        }
    }
}

/* ---- PRNG and size mixes ------------------------------------------------ */

static uint32_t rng;
static uint32_t rnd(void)
{
    uint32_t x = rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng = x;
    return x;
}
static uint32_t below(uint32_t n) { return rnd() % n; }

static uint32_t size_tiny(void)
{
    return below(100) < 80u ? 1u + below(16) : 17u + below(112);
}
static uint32_t size_mixed(void) /* log-uniform: octave [2^k, 2^(k+1)), k = 0..10 */
{
    uint32_t lo = 1u << below(11);
    return lo + below(lo);
}

/* ---- model -------------------------------------------------------------- */

typedef struct ent {
    uint8_t *p;     /* NULL: the malloc failed (entry empty) */
    uint32_t size;  /* requested by the model */
    uint32_t asize; /* bytes actually held at p (differs after a failed realloc) */
    uint32_t tag;
} ent;

#define MAXE 32768u
static ent pool[MAXE];
static uint32_t pool_n;
static uint32_t model_payload; /* sum of model sizes (op stream input) */
static uint32_t skipped;

static uint32_t last_fail_size; /* the request of the latest failed malloc */

static void ent_alloc(ent *e, uint32_t size)
{
    e->size = e->asize = size;
    e->tag = new_tag();
    e->p = do_malloc(size);
    if (e->p != NULL) {
        tag_fill(e->p, size, e->tag);
    } else {
        last_fail_size = size;
    }
}
static void ent_free(ent *e)
{
    if (e->p == NULL) {
        skipped++;
        return;
    }
    tag_check(e->p, e->asize, e->tag);
    do_free(e->p);
    e->p = NULL;
}
static void ent_realloc(ent *e, uint32_t size)
{
    e->size = size;
    if (e->p == NULL) {
        skipped++;
        return;
    }
    tag_check(e->p, e->asize, e->tag);
    uint8_t *q = do_realloc(e->p, size);
    if (q == NULL) {
        tag_check(e->p, e->asize, e->tag); /* must be untouched */
        return;
    }
    tag_check(q, e->asize < size ? e->asize : size, e->tag);
    e->p = q;
    e->asize = size;
    e->tag = new_tag();
    tag_fill(q, size, e->tag);
}
static uint32_t actual_payload(const ent *a, uint32_t n, uint32_t *blocks)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (a[i].p != NULL) {
            s += a[i].asize;
            (*blocks)++;
        }
    }
    return s;
}

/* malloc with probability (2T - L) / 2T, T = 40% of the arena. */
#define T2 (2u * (BENCH_ARENA_SIZE * 2u / 5u))
static bool want_malloc(void)
{
    uint32_t r = below(T2);
    return pool_n == 0u || (model_payload < T2 && r < T2 - model_payload);
}

static void pool_add(uint32_t size)
{
    if (pool_n >= MAXE) {
        fail("model full", pool_n, size);
    }
    ent_alloc(&pool[pool_n], size);
    pool_n++;
    model_payload += size;
}
static void pool_del(uint32_t i)
{
    ent_free(&pool[i]);
    model_payload -= pool[i].size;
    pool[i] = pool[--pool_n];
}

static uint32_t cap_payload, cap_blocks;
/* The allocator's own view at the first failure of the grow phase (when it
 * has one): usable bytes of the live blocks, free bytes, the largest request
 * that would succeed, and the request that failed. */
static uint32_t cap_in_use, cap_free, cap_largest, cap_req;

static void cap_usage(void)
{
    cap_req = last_fail_size;
    if (bench_alloc.usage != NULL) {
        bench_alloc.usage(&cap_in_use, &cap_free, &cap_largest);
    }
}

static void grow_pool(uint32_t (*mix)(void))
{
    for (;;) {
        uint32_t size = mix();
        pool_add(size);
        if (pool[pool_n - 1u].p == NULL) {
            break;
        }
    }
    cap_blocks = 0;
    cap_payload = actual_payload(pool, pool_n, &cap_blocks);
    cap_usage();
}
static void teardown_pool(void)
{
    while (pool_n != 0u) {
        pool_del(pool_n - 1u);
    }
}

static void trace_tiny(uint32_t steps, uint32_t (*mix)(void), bool reallocs)
{
    for (uint32_t s = 0; s < steps; s++) {
        if (reallocs && below(10) == 0u) {
            if (pool_n != 0u) {
                ent *e = &pool[below(pool_n)];
                uint32_t size = mix();
                model_payload = model_payload - e->size + size;
                ent_realloc(e, size);
            }
            continue;
        }
        if (want_malloc()) {
            pool_add(mix());
        } else {
            pool_del(below(pool_n));
        }
    }
    grow_pool(mix);
    teardown_pool();
}

/* rtos: messages (FIFO order kept), tasks (stack + TCB), queues. */
#define RMAX 8192u
static ent msgs[RMAX], queues[RMAX], stacks[RMAX], tcbs[RMAX];
static uint32_t n_msg, n_task, n_queue;

static bool want_create(uint32_t c, uint32_t target)
{
    uint32_t r = below(2u * target);
    return c == 0u || (c < 2u * target && r < 2u * target - c);
}
static bool rtos_create(int kind) /* false: an allocation failed */
{
    if (n_msg >= RMAX || n_task >= RMAX || n_queue >= RMAX) {
        fail("rtos model full", n_msg, n_task);
    }
    if (kind == 0) {
        ent_alloc(&msgs[n_msg], 8u + below(25));
        return msgs[n_msg++].p != NULL;
    }
    if (kind == 1) {
        uint32_t st = 256u + 64u * below(13);
        uint32_t tcb = 92u + below(17);
        ent_alloc(&stacks[n_task], st);
        if (stacks[n_task].p == NULL) {
            tcbs[n_task].p = NULL;
            tcbs[n_task].size = tcbs[n_task].asize = tcb;
            n_task++;
            return false;
        }
        ent_alloc(&tcbs[n_task], tcb);
        return tcbs[n_task++].p != NULL;
    }
    ent_alloc(&queues[n_queue], 80u + below(121));
    return queues[n_queue++].p != NULL;
}
static void remove_at(ent *a, uint32_t *n, uint32_t i)
{
    for (uint32_t j = i + 1u; j < *n; j++) {
        a[j - 1u] = a[j];
    }
    (*n)--;
}
static int rtos_kind(void)
{
    uint32_t r = below(10);
    return r < 7u ? 0 : r < 9u ? 1 : 2;
}
static void trace_rtos(uint32_t steps)
{
    for (uint32_t s = 0; s < steps; s++) {
        int kind = rtos_kind();
        if (kind == 0) {
            if (want_create(n_msg, 48)) {
                (void)rtos_create(0);
            } else {
                uint32_t i = below(10) < 7u ? 0u : below(n_msg);
                ent_free(&msgs[i]);
                remove_at(msgs, &n_msg, i);
            }
        } else if (kind == 1) {
            if (want_create(n_task, 28)) {
                (void)rtos_create(1);
            } else {
                uint32_t i = below(n_task);
                ent_free(&stacks[i]);
                ent_free(&tcbs[i]);
                remove_at(stacks, &n_task, i);
                n_task++;
                remove_at(tcbs, &n_task, i);
            }
        } else {
            if (want_create(n_queue, 16)) {
                (void)rtos_create(2);
            } else {
                uint32_t i = below(n_queue);
                ent_free(&queues[i]);
                remove_at(queues, &n_queue, i);
            }
        }
    }
    while (rtos_create(rtos_kind())) {
    }
    cap_blocks = 0;
    cap_payload = actual_payload(msgs, n_msg, &cap_blocks) +
                  actual_payload(stacks, n_task, &cap_blocks) +
                  actual_payload(tcbs, n_task, &cap_blocks) +
                  actual_payload(queues, n_queue, &cap_blocks);
    cap_usage();
    while (n_msg != 0u) {
        ent_free(&msgs[--n_msg]);
    }
    while (n_task != 0u) {
        n_task--;
        ent_free(&stacks[n_task]);
        ent_free(&tcbs[n_task]);
    }
    while (n_queue != 0u) {
        ent_free(&queues[--n_queue]);
    }
}

/* ---- fill --------------------------------------------------------------- */

#define FMAX 65536u
static uint8_t *fptr[FMAX];

static void run_fill(uint32_t size)
{
    uint32_t n = 0, stride = 0xFFFFFFFFu, orbits = 0;
    for (;;) {
        if (n >= FMAX) {
            fail("fill: too many blocks", n, size);
        }
        uint8_t *p = do_malloc(size);
        if (p == NULL) {
            break;
        }
        tag_fill(p, size, new_tag() ^ n);
        fptr[n] = p;
        orbits |= (uint32_t)(uintptr_t)p;
        if (n != 0u) {
            uint32_t a = (uint32_t)(uintptr_t)p, b = (uint32_t)(uintptr_t)fptr[n - 1u];
            uint32_t d = a > b ? a - b : b - a;
            if (d < stride) {
                stride = d;
            }
        }
        n++;
    }
    tag_ctr -= n;
    for (uint32_t i = 0; i < n; i++) {
        tag_check(fptr[i], size, new_tag() ^ i);
    }
    for (uint32_t i = 0; i < n; i++) {
        do_free(fptr[i]);
    }
    uint32_t align = 16;
    while (align > 1u && (orbits & (align - 1u)) != 0u) {
        align >>= 1;
    }
    out_s("FILL");
    out_kv("size", size);
    out_kv("blocks", n);
    out_kv("stride", n > 1u ? stride : 0u);
    out_kv("align", n != 0u ? align : 0u);
    out_kv("fail_insns", fail_last);
    out_nl();
}

/* ---- main --------------------------------------------------------------- */

static bool streq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}
static uint32_t parse_u(const char *s)
{
    uint32_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10u + (uint32_t)(*s++ - '0');
    }
    return v;
}

static void print_hist(void)
{
    for (int op = 0; op < OP_N; op++) {
        out_s("H ");
        out_s(op_name[op]);
        for (uint32_t v = 0; v < HMAX; v++) {
            if (hist[op][v] != 0u) {
                if (line_len > 200u) {
                    out_nl();
                    out_s("H ");
                    out_s(op_name[op]);
                }
                out_s(" ");
                out_u(v);
                out_s(":");
                out_u(hist[op][v]);
            }
        }
        out_nl();
        out_s("M ");
        out_s(op_name[op]);
        out_kv("n", hist_n[op]);
        out_kv("max", hist_max[op]);
        out_nl();
    }
}

static char cmd[256];

/* ---- worst: constructed worst cases (tinyheap) -------------------------- */

/* The paths `make bound` names as the longest, built on purpose over a small
 * arena at every 8-byte start within a page (the slab's alignment gap below
 * it is a free block at some starts and not at others), so the bound can be
 * set beside what the code really takes. Tinyheap only: the scenarios
 * depend on its layout rules, and `usage` gives its largest_free. */
static uint32_t measure_malloc(size_t n, void **p)
{
    uint32_t t;
    *p = m_malloc(bench_alloc.malloc, n, &t);
    return insns(t) - cal_m + 1u;
}
static uint32_t measure_free(void *p)
{
    uint32_t t;
    m_free(bench_alloc.free, p, &t);
    return insns(t) - cal_f + 1u;
}
static uint32_t largest_now(void)
{
    uint32_t in_use, free_bytes, largest;
    bench_alloc.usage(&in_use, &free_bytes, &largest);
    return largest;
}

#define WSLAB 28u /* 16-byte objects that fill a slab */
static void *wobj[WSLAB];

static void run_worst(void)
{
    uint32_t w_retry = 0, w_release = 0, w_slab = 0, runs = 0;
    for (uint32_t at = 0; at < BENCH_PLACE_ROOM; at += 8u) {
        /* 1. malloc that finds nothing, gives the idle tiny slab back (both
         *    neighbours free at some starts) and carves from the merged
         *    block: a request of largest_free, which counts that slab. */
        for (uint32_t size = 1536u; size <= 4096u; size += 512u) {
            void *p;
            bench_alloc.init(bench_arena + at, size);
            if (measure_malloc(8, &p) == 0u || p == NULL) {
                fail("worst: no tiny object", at, size);
            }
            (void)measure_free(p); /* the slab is idle, the cursor keeps it */
            uint32_t c = measure_malloc(largest_now(), &p);
            if (p == NULL) {
                fail("worst: malloc(largest_free) failed", at, size);
            }
            w_retry = c > w_retry ? c : w_retry;
            runs++;
        }
        /* 2. free of a slab's last object with a free block on each side,
         *    and 3. the malloc that sets up the second slab on the way. */
        bench_alloc.init(bench_arena + at, 4096u);
        for (uint32_t i = 0; i < WSLAB; i++) { /* slab S, full; the cursor in it */
            wobj[i] = bench_alloc.malloc(16);
        }
        /* Two general blocks from the top of the free space: the higher one
         * makes room for a second slab once freed, the lower one leaves a
         * small free block right above S. */
        void *hi = bench_alloc.malloc(1200);
        uint32_t rest = largest_now();
        void *lo = rest > 64u + 16u ? bench_alloc.malloc(rest - 64u) : NULL;
        if (wobj[WSLAB - 1u] == NULL || hi == NULL || lo == NULL) {
            fail("worst: set-up failed", at, rest);
        }
        bench_alloc.free(hi);
        void *t;
        uint32_t c = measure_malloc(4, &t); /* S full: a new slab, which takes the cursor */
        if (t == NULL) {
            fail("worst: second slab", at, 0);
        }
        w_slab = c > w_slab ? c : w_slab;
        for (uint32_t i = 1; i < WSLAB; i++) {
            bench_alloc.free(wobj[i]);
        }
        c = measure_free(wobj[0]); /* S's last object: S goes back */
        w_release = c > w_release ? c : w_release;
        runs++;
    }
    out_s("W");
    out_kv("malloc_retry", w_retry);
    out_kv("malloc_slab", w_slab);
    out_kv("free_release", w_release);
    out_kv("runs", runs);
    out_nl();
}

int bench_main(void)
{
    int len = bench_cmdline(cmd, sizeof cmd - 1u);
    if (len < 0) {
        fail("no command line", 0, 0);
    }
    cmd[len] = '\0';
    const char *argv[8];
    int argc = 0;
    for (char *c = cmd; *c != '\0' && argc < 8;) {
        while (*c == ' ') {
            *c++ = '\0';
        }
        if (*c == '\0') {
            break;
        }
        argv[argc++] = c;
        while (*c != '\0' && *c != ' ') {
            c++;
        }
    }
    if (argc < 2) {
        fail("usage: bench <trace> <seed> <steps> | fill <size> | selftest", (uint32_t)argc, 0);
    }
    uint32_t at = 0; /* arena start within the 512-byte page (at=N) */
    for (int i = 2; i < argc; i++) {
        lenient = lenient || streq(argv[i], "x");
        if (argv[i][0] == 'a' && argv[i][1] == 't' && argv[i][2] == '=') {
            at = parse_u(argv[i] + 3);
            if (at >= BENCH_PLACE_ROOM) {
                fail("at= must be below 512", at, 0);
            }
        }
    }
    bench_alloc.init(bench_arena + at, BENCH_ARENA_SIZE);
    calibrate();
    const char *trace = argv[1];
    out_s("RUN alloc=");
    out_s(bench_alloc.name);
    out_s(" trace=");
    out_s(trace);
    if (streq(trace, "selftest")) {
        out_nl();
        out_s("DONE ok");
        out_nl();
        return 0;
    }
    if (streq(trace, "worst")) {
        out_nl();
        if (bench_alloc.usage == NULL || !streq(bench_alloc.name, "tinyheap")) {
            fail("worst: the default tinyheap build only", 0, 0);
        }
        run_worst();
        out_s("DONE ok");
        out_nl();
        return 0;
    }
    if (streq(trace, "fill")) {
        uint32_t size = argc > 2 ? parse_u(argv[2]) : 8u;
        out_nl();
        run_fill(size);
        print_hist();
        out_s("DONE ok");
        out_nl();
        return 0;
    }
    if (argc < 4) {
        fail("usage: bench <trace> <seed> <steps>", (uint32_t)argc, 0);
    }
    uint32_t seed = parse_u(argv[2]), steps = parse_u(argv[3]);
    verbose = argc > 4 && streq(argv[4], "v");
    rng = 0x9E3779B9u ^ (seed * 0x85EBCA6Bu);
    if (rng == 0u) {
        rng = 1;
    }
    out_kv("seed", seed);
    out_kv("steps", steps);
    out_nl();
    if (streq(trace, "tiny")) {
        trace_tiny(steps, size_tiny, false);
    } else if (streq(trace, "mixed")) {
        trace_tiny(steps, size_mixed, true);
    } else if (streq(trace, "rtos")) {
        trace_rtos(steps);
    } else {
        fail("unknown trace", 0, 0);
    }
    print_hist();
    out_s("CAP");
    out_kv("payload", cap_payload);
    out_kv("blocks", cap_blocks);
    out_kv("grow_fail_insns", fail_last);
    out_kv("fails", fail_n);
    out_kv("fail_max", fail_max);
    out_kv("realloc_fails", realloc_fails);
    out_kv("skipped", skipped);
    out_kv("fail_req", cap_req);
    if (bench_alloc.usage != NULL) {
        out_kv("in_use", cap_in_use);
        out_kv("free", cap_free);
        out_kv("largest", cap_largest);
    }
    out_nl();
    out_s("DONE ok");
    out_nl();
    return 0;
}
