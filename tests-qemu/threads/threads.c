/* SPDX-License-Identifier: MIT */
/*
 * threads: one heap shared by four POSIX threads, built with
 * ThreadSanitizer (make threads; a `make check` entry).
 *
 * The contract's thread-safety promise is that every public function takes
 * the heap's lock slot on entry and releases it on exit, and that the fault
 * handler and the exhaustion hook run with it held. The QEMU targets are
 * single-core, where test_irq checks the promise against an interrupt; here
 * the promise meets real parallelism:
 *
 *   - ThreadSanitizer reports any read or write of the heap (state, headers,
 *     slabs, counters) that the lock does not order: a path that touched the
 *     heap outside lock()/unlock() fails the run.
 *   - Four workers run malloc, calloc, realloc, aligned_alloc, free,
 *     usable_size and persistent_alloc on a heap small enough to run out,
 *     and hand live blocks to each other through a mailbox, so objects are
 *     freed by a thread other than the one that allocated them (tiny objects
 *     sharing a 16-byte block with another thread's included). Every block
 *     carries a pattern, checked before it is freed or resized.
 *   - Each worker frees an interior and a foreign pointer now and then: the
 *     fault must be raised (with the lock held) and change nothing.
 *   - One worker adds a region half-way, while the others allocate.
 *   - An observer runs th_check, th_get_stats and the O(1) queries in a loop
 *     meanwhile: the heap must be consistent whenever the lock is free.
 *   - Then one phase per entry point, each started by a barrier of its own,
 *     in which all four threads call only that one (see "Solo phases").
 *   - Every worker counts its allocations, frees, failures and faults; at the
 *     end the bytes they hold must equal in_use, their sums must equal the
 *     heap's counters exactly (a lost update shows there, TSan or not), and
 *     freeing everything must leave no live block.
 *
 * `threads nolock` runs the same workload with the lock slot empty; the
 * Makefile expects ThreadSanitizer to report a data race then, which shows
 * that the run above would catch a missing lock.
 *
 * The seed is printed; pass another as the last argument.
 */
#define _XOPEN_SOURCE 700 /* PTHREAD_MUTEX_RECURSIVE */
#include "tinyheap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKERS 4
#define SLOTS   48
#define OPS     30000
#define MAILBOX 16

static _Alignas(8) uint8_t s_arena[32768];
static _Alignas(8) uint8_t s_extra[16384];

static atomic_uint s_failures;

#define CHECK(c) check_at((c), #c, __LINE__)

static int check_at(int ok, const char *what, int line)
{
    if (!ok && atomic_fetch_add(&s_failures, 1u) < 20u) {
        fprintf(stderr, "threads.c:%d: CHECK(%s) failed\n", line, what);
    }
    return ok;
}

/* ---- The lock slot: a recursive mutex, with the holder's depth ---------- */

static pthread_mutex_t     s_mutex;
static _Thread_local int   t_depth; /* lock() calls not yet undone, this thread */
static bool                s_locked = true;

static void lock_fn(void *ctx)
{
    pthread_mutex_lock((pthread_mutex_t *)ctx);
    t_depth++;
}

static void unlock_fn(void *ctx)
{
    CHECK(t_depth > 0);
    t_depth--;
    pthread_mutex_unlock((pthread_mutex_t *)ctx);
}

/* After every public call: lock and unlock came in pairs. */
static void balanced(void)
{
    CHECK(t_depth == 0);
}

/* ---- Fault handler and exhaustion hook: counted, lock held -------------- */

static atomic_uint s_faults[TH_FAULT_COUNT];
static atomic_uint s_ooms;

static void on_fault(th_heap *h, th_fault kind, const void *p)
{
    (void)h;
    (void)p;
    if (s_locked) {
        CHECK(t_depth > 0);
    }
    if ((unsigned)kind < TH_FAULT_COUNT) {
        atomic_fetch_add(&s_faults[kind], 1u);
    }
}

static void on_oom(th_heap *h, size_t size)
{
    (void)h;
    (void)size;
    if (s_locked) {
        CHECK(t_depth > 0);
    }
    atomic_fetch_add(&s_ooms, 1u);
}

/* ---- Blocks and the mailbox -------------------------------------------- */

typedef struct blk {
    uint8_t *p;
    size_t   size;
    size_t   usable;
    uint8_t  tag;
} blk;

static void fill(const blk *b)
{
    for (size_t i = 0; i < b->size; i++) {
        b->p[i] = (uint8_t)(b->tag + i);
    }
}

static int intact(const blk *b)
{
    for (size_t i = 0; i < b->size; i++) {
        if (b->p[i] != (uint8_t)(b->tag + i)) {
            return 0;
        }
    }
    return 1;
}

static pthread_mutex_t s_mail_mutex = PTHREAD_MUTEX_INITIALIZER;
static blk             s_mail[MAILBOX];

/* ---- Workers ----------------------------------------------------------- */

typedef struct worker {
    th_heap  *h;
    unsigned  id;
    uint32_t  rng;
    blk       slots[SLOTS];
    blk       persistent[64];
    unsigned  npersistent;
    uint32_t  allocs, frees, failed, bad_pointers;
    uint32_t  solo_persistent, regions_added, regions_refused;
    long long usable; /* usable bytes this worker holds (or handed on) */
} worker;

static atomic_bool s_done;

static uint32_t next_rand(worker *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 17;
    w->rng ^= w->rng << 5;
    return w->rng;
}

static size_t pick_size(worker *w)
{
    uint32_t r = next_rand(w) % 100u;
    if (r < 60u) {
        return 1u + next_rand(w) % 16u;
    }
    if (r < 90u) {
        return 17u + next_rand(w) % 240u;
    }
    return 257u + next_rand(w) % 1800u;
}

static void take(worker *w, blk *b, void *p, size_t size)
{
    b->p      = p;
    b->size   = size;
    b->tag    = (uint8_t)next_rand(w);
    b->usable = th_usable_size(w->h, p);
    balanced();
    CHECK(b->usable >= size);
    w->usable += (long long)b->usable;
    w->allocs++;
    fill(b);
}

static void release(worker *w, blk *b)
{
    CHECK(intact(b));
    th_free(w->h, b->p);
    balanced();
    w->usable -= (long long)b->usable;
    w->frees++;
    b->p = NULL;
}

/* Puts b in the mailbox, or frees a block another thread posted. */
static void post_or_collect(worker *w, blk *b)
{
    blk got = {0};
    pthread_mutex_lock(&s_mail_mutex);
    unsigned i = next_rand(w) % MAILBOX;
    if (s_mail[i].p == NULL && b->p != NULL) {
        s_mail[i] = *b;
        w->usable -= (long long)b->usable; /* whoever frees it counts it */
        b->p = NULL;
    } else if (s_mail[i].p != NULL) {
        got          = s_mail[i];
        s_mail[i].p = NULL;
    }
    pthread_mutex_unlock(&s_mail_mutex);
    if (got.p != NULL) {
        w->usable += (long long)got.usable;
        release(w, &got);
    }
}

/* Frees a pointer into a live block and one that is not the heap's: both
 * BAD_POINTER, and the block stays live and intact. */
static void misuse(worker *w, const blk *b)
{
    uint8_t local[8];
    th_free(w->h, b->p + 1); /* interior: never an object start (all are 4-aligned) */
    balanced();
    th_free(w->h, local);
    balanced();
    w->bad_pointers += 2u;
    CHECK(intact(b));
}

static void step(worker *w, unsigned op)
{
    th_heap *h = w->h;
    blk     *b = &w->slots[next_rand(w) % SLOTS];
    uint32_t r = next_rand(w) % 100u;
    if (w->id == 0u && op == OPS / 2u) {
        CHECK(th_add_region(h, s_extra, sizeof s_extra));
        balanced();
    }
    if (b->p == NULL) {
        size_t size = pick_size(w);
        void  *p;
        if (r < 70u) {
            p = th_malloc(h, size);
        } else if (r < 80u) {
            p = th_calloc(h, 1u, size);
            for (size_t i = 0; p != NULL && i < size; i++) {
                CHECK(((uint8_t *)p)[i] == 0u);
            }
        } else if (r < 97u) {
            size_t al = (size_t)16u << (next_rand(w) % 4u);
            p         = th_aligned_alloc(h, al, size);
            CHECK(p == NULL || (uintptr_t)p % al == 0u);
        } else {
            if (w->npersistent < 64u) {
                blk *q = &w->persistent[w->npersistent];
                q->p   = th_persistent_alloc(h, 8u, 8u);
                balanced();
                if (q->p == NULL) {
                    w->failed++;
                } else {
                    q->size = 8u;
                    q->tag  = (uint8_t)next_rand(w);
                    fill(q);
                    w->npersistent++;
                    w->allocs++;
                }
            }
            return;
        }
        balanced();
        if (p == NULL) {
            w->failed++;
        } else {
            take(w, b, p, size);
        }
    } else if (r < 55u) {
        release(w, b);
    } else if (r < 85u) {
        CHECK(intact(b));
        size_t   size = pick_size(w);
        uint8_t *q    = th_realloc(h, b->p, size);
        balanced();
        if (q == NULL) {
            w->failed++;
            CHECK(intact(b)); /* still live, unchanged */
            return;
        }
        size_t keep = size < b->size ? size : b->size;
        for (size_t i = 0; i < keep; i++) {
            CHECK(q[i] == (uint8_t)(b->tag + i));
        }
        if (q != b->p) { /* a move is a free and an allocation */
            w->allocs++;
            w->frees++;
        }
        w->usable -= (long long)b->usable;
        b->p      = q;
        b->size   = size;
        b->usable = th_usable_size(h, q);
        balanced();
        CHECK(b->usable >= size);
        w->usable += (long long)b->usable;
        fill(b);
    } else if (r < 97u) {
        post_or_collect(w, b);
    } else {
        misuse(w, b);
    }
}

/* ---- Solo phases ------------------------------------------------------- */

/* In the churn, each thread's calls are ordered against the others' by the
 * lock that its other calls take, so a short call that forgot the lock can
 * slip past ThreadSanitizer. In a solo phase all four threads call one
 * entry point only, started together by a barrier: a call that does not
 * take the lock then races with the same call in another thread, with no
 * other synchronisation to hide it. */
#define SOLO_REPS 64

static uint8_t s_banks[WORKERS][4096]; /* one region per thread for th_add_region */

static void solo_persistent(worker *w)
{
    if (th_persistent_alloc(w->h, 8u, 8u) != NULL) {
        w->allocs++;
        w->solo_persistent++;
    } else {
        w->failed++;
    }
}

static void solo_marks(worker *w)
{
    th_reset_min_free(w->h);
    CHECK(th_min_free_bytes(w->h) <= th_get_stats(w->h).capacity);
}

static void solo_queries(worker *w)
{
    (void)th_free_bytes(w->h);
    (void)th_largest_free(w->h);
}

static void solo_stats(worker *w) { CHECK(th_get_stats(w->h).in_use <= sizeof s_arena + sizeof s_extra); }

static void solo_check(worker *w) { CHECK(th_check(w->h)); }

static void count_block(void *user, char kind, const void *addr, size_t size)
{
    (void)kind;
    (void)addr;
    (void)size;
    (*(unsigned *)user)++;
}

static void solo_walk(worker *w)
{
    unsigned n = 0;
    th_walk(w->h, count_block, &n);
    CHECK(n > 0u);
}

static void solo_hook(worker *w) { CHECK(th_set_oom_hook(w->h, on_oom) == on_oom); }

/* malloc, usable_size, calloc, aligned_alloc and realloc of blocks of its
 * own, each freed before the next. */
static void solo_alloc(worker *w)
{
    blk b = {0};
    void *p = th_malloc(w->h, pick_size(w));
    if (p == NULL) {
        w->failed++;
    } else {
        take(w, &b, p, 1u);
        release(w, &b);
    }
    size_t n = pick_size(w);
    p        = th_calloc(w->h, n, 1u);
    if (p == NULL) {
        w->failed++;
    } else {
        take(w, &b, p, 1u);
        uint8_t *q = th_realloc(w->h, p, n + 40u);
        if (q == NULL) {
            w->failed++;
        } else if (q != b.p) {
            w->allocs++;
            w->frees++;
        }
        if (q != NULL) {
            w->usable -= (long long)b.usable;
            b.p      = q;
            b.usable = th_usable_size(w->h, q);
            w->usable += (long long)b.usable;
        }
        release(w, &b);
    }
    p = th_aligned_alloc(w->h, 64u, pick_size(w));
    if (p == NULL) {
        w->failed++;
    } else {
        CHECK((uintptr_t)p % 64u == 0u);
        take(w, &b, p, 1u);
        release(w, &b);
    }
}

static void solo_region(worker *w)
{
    if (th_add_region(w->h, s_banks[w->id], sizeof s_banks[w->id])) {
        w->regions_added++;
    } else {
        w->regions_refused++; /* no slot left: TH_FAULT_BAD_ARGUMENT */
    }
}

typedef struct solo {
    void (*fn)(worker *w);
    unsigned reps;
} solo;

static const solo s_solos[] = {
    {solo_persistent, 16u},    {solo_marks, SOLO_REPS}, {solo_queries, SOLO_REPS},
    {solo_stats, SOLO_REPS},   {solo_check, 8u},        {solo_walk, 8u},
    {solo_hook, SOLO_REPS},    {solo_alloc, SOLO_REPS}, {solo_region, 1u},
};

/* One barrier per phase: ThreadSanitizer models a barrier as one sync
 * object, so with a single barrier a thread still waking from one phase's
 * wait would acquire what a faster thread released arriving at the next,
 * and the phase's calls would look ordered. */
#define NSOLOS (sizeof s_solos / sizeof s_solos[0])
static pthread_barrier_t s_barriers[NSOLOS];

static void *work(void *arg)
{
    worker *w = arg;
    for (unsigned op = 0; op < OPS && atomic_load(&s_failures) == 0u; op++) {
        step(w, op);
    }
    for (unsigned i = 0; i < NSOLOS; i++) {
        pthread_barrier_wait(&s_barriers[i]);
        for (unsigned k = 0; k < s_solos[i].reps; k++) {
            s_solos[i].fn(w);
            balanced();
        }
    }
    for (unsigned i = 0; i < w->npersistent; i++) {
        CHECK(intact(&w->persistent[i]));
    }
    return NULL;
}

/* Checks the heap whenever the lock is free, until the workers are done. */
static unsigned s_rounds; /* the observer's, read after it is joined */

static void *observe(void *arg)
{
    th_heap *h      = arg;
    unsigned rounds = 0;
    while (!atomic_load(&s_done)) {
        CHECK(th_check(h));
        th_stats st = th_get_stats(h);
        CHECK(st.free_bytes <= st.capacity);
        CHECK(st.min_free_bytes <= st.free_bytes);
        CHECK(st.in_use <= st.capacity);
        CHECK(st.peak_in_use >= st.in_use);
        CHECK(st.largest_free <= st.capacity);
        CHECK(th_largest_free(h) <= st.capacity);
        CHECK(th_min_free_bytes(h) <= st.capacity);
        if (++rounds % 64u == 0u) {
            th_reset_min_free(h);
        }
        balanced();
    }
    s_rounds = rounds;
    return NULL;
}

int main(int argc, char **argv)
{
    uint32_t seed = 0x9e3779b9u;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "nolock") == 0) {
            s_locked = false;
        } else {
            seed = (uint32_t)strtoul(argv[i], NULL, 0);
        }
    }
    printf("threads: seed %#x, %d workers x %d ops, lock slot %s\n", (unsigned)seed, WORKERS, OPS,
           s_locked ? "a recursive mutex" : "empty");

    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s_mutex, &attr);
    for (unsigned i = 0; i < NSOLOS; i++) {
        pthread_barrier_init(&s_barriers[i], NULL, WORKERS);
    }

    th_heap *h = th_init(s_arena, sizeof s_arena);
    if (h == NULL) {
        fprintf(stderr, "th_init failed\n");
        return 1;
    }
    th_set_fault_handler(on_fault);
    (void)th_set_oom_hook(h, on_oom);
    if (s_locked) {
        th_set_lock(h, lock_fn, unlock_fn, &s_mutex);
    }

    static worker ws[WORKERS];
    pthread_t     tid[WORKERS];
    pthread_t     obs;
    for (unsigned i = 0; i < WORKERS; i++) {
        ws[i].h   = h;
        ws[i].id  = i;
        ws[i].rng = seed + 0x61c88647u * (i + 1u);
        if (ws[i].rng == 0u) {
            ws[i].rng = 1u;
        }
        pthread_create(&tid[i], NULL, work, &ws[i]);
    }
    pthread_create(&obs, NULL, observe, h);
    for (unsigned i = 0; i < WORKERS; i++) {
        pthread_join(tid[i], NULL);
    }
    atomic_store(&s_done, true);
    pthread_join(obs, NULL);

    /* What the threads hold is what the heap counts in use. */
    long long held = 0;
    for (unsigned i = 0; i < WORKERS; i++) {
        held += ws[i].usable;
    }
    for (unsigned i = 0; i < MAILBOX; i++) {
        held += s_mail[i].p != NULL ? (long long)s_mail[i].usable : 0;
    }
    CHECK(held >= 0 && (size_t)held == th_get_stats(h).in_use);

    /* Everything still live is freed here, the mailbox's too. */
    uint32_t  allocs = 0, frees = 0, failed = 0, bad = 0, persistent = 0;
    uint32_t  added = 0, refused = 0, solo_persistent = 0;
    long long usable = 0;
    worker    tail   = {.h = h};
    for (unsigned i = 0; i < WORKERS; i++) {
        worker *w = &ws[i];
        added += w->regions_added;
        refused += w->regions_refused;
        solo_persistent += w->solo_persistent;
        for (unsigned j = 0; j < SLOTS; j++) {
            if (w->slots[j].p != NULL) {
                release(w, &w->slots[j]);
            }
        }
        allocs += w->allocs;
        frees += w->frees;
        failed += w->failed;
        bad += w->bad_pointers;
        usable += w->usable;
        persistent += w->npersistent;
    }
    for (unsigned i = 0; i < MAILBOX; i++) {
        if (s_mail[i].p != NULL) {
            tail.usable += (long long)s_mail[i].usable;
            release(&tail, &s_mail[i]);
        }
    }
    frees += tail.frees;
    usable += tail.usable;

    th_stats st = th_get_stats(h);
    CHECK(th_check(h));
    CHECK(usable == 0);
    CHECK(st.in_use == 0u);
    CHECK(st.tiny_objects == 0u);
    CHECK(st.allocs == allocs);
    CHECK(st.frees == frees);
    CHECK(st.failed == failed);
    CHECK(atomic_load(&s_ooms) == failed);
    CHECK(st.persistent_bytes == 8u * (persistent + solo_persistent));
    /* The first region, s_extra, and then the banks while slots last. */
    CHECK(added == TH_MAX_REGIONS - 2u && refused == WORKERS - added);
    CHECK(st.regions == 2u + added);
    CHECK(st.faults[TH_FAULT_BAD_POINTER] == bad);
    CHECK(atomic_load(&s_faults[TH_FAULT_BAD_POINTER]) == bad);
    CHECK(st.faults[TH_FAULT_BAD_ARGUMENT] == refused);
    CHECK(atomic_load(&s_faults[TH_FAULT_BAD_ARGUMENT]) == refused);
    for (unsigned k = 0; k < TH_FAULT_COUNT; k++) {
        if (k != TH_FAULT_BAD_POINTER && k != TH_FAULT_BAD_ARGUMENT) {
            CHECK(st.faults[k] == 0u && atomic_load(&s_faults[k]) == 0u);
        }
    }
    unsigned failures = atomic_load(&s_failures);
    CHECK(s_rounds > 0u);
    printf("allocs %u frees %u failed %u persistent %u bad pointers %u regions added %u "
           "refused %u; observer rounds %u\n",
           (unsigned)allocs, (unsigned)frees, (unsigned)failed,
           (unsigned)(persistent + solo_persistent), (unsigned)bad, (unsigned)added,
           (unsigned)refused, s_rounds);
    printf("%s\n", failures == 0u ? "PASS" : "FAIL");
    return failures == 0u ? 0 : 1;
}
