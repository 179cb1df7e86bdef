/* SPDX-License-Identifier: MIT */
/*
 * fuzz_heap: libFuzzer target for tinyheap (host only; `make fuzz`).
 *
 * Each input is decoded into a heap geometry and a stream of operations over
 * every public call: th_malloc, th_calloc, th_realloc, th_aligned_alloc,
 * th_free, th_usable_size, th_persistent_alloc, th_add_region, th_check,
 * th_get_stats, th_walk, th_set_oom_hook, and the O(1) getters
 * th_largest_free, th_free_bytes, th_min_free_bytes, th_reset_min_free. Sizes are biased to the tiny range
 * and to the edges (0, 1, 15, 16, 17, powers of two +-1, TH_MAX_REQUEST,
 * near SIZE_MAX). Every result is checked against a shadow model:
 *
 *   - alignment (natural for malloc, `align` for aligned/persistent);
 *   - no two live objects overlap, and each lies in a block of the right
 *     kind of th_walk's map ('g' general, 't' tiny slab, 'p' persistent);
 *     every 'g' block is a live general object (no leak, no lost block);
 *   - contents are kept (every object carries a tag pattern, verified on
 *     free, realloc and periodically), calloc memory is zeroed;
 *   - th_usable_size >= the request, and equals the block's size - 4;
 *   - stats equal the model (allocs, frees, failed, faults by kind, in_use,
 *     tiny_objects, persistent_bytes, regions, capacity, free_blocks, ...),
 *     the monotone ones never move backwards, and largest_free is really
 *     allocatable;
 *   - th_check() is true after every operation;
 *   - every bad call (foreign, interior, misaligned, freed or persistent
 *     pointer, overflowing size, bad alignment, bad region) raises exactly
 *     one fault of the kind an independent oracle (the model + th_walk)
 *     predicts, returns its documented failure value, and leaves every
 *     byte of every region unchanged except the fault counters;
 *   - the lock callbacks are balanced and never nested.
 *
 * The regions are cut out of one static buffer whose gaps are poisoned for
 * AddressSanitizer, so a write outside a region is caught as it happens.
 * Built with -DFUZZ_STANDALONE (gcc, no libFuzzer), main() replays files or
 * directories given on the command line: `make coverage` uses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#include "th_internal.h"

/* ---- Failure reporting ------------------------------------------------------ */

static unsigned long g_op; /* operation number in the current input */

#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_heap: %s:%d: op %lu: REQUIRE(%s) failed\n", __FILE__,     \
                    __LINE__, g_op, #cond);                                                \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* ---- Memory: regions cut out of one buffer with poisoned gaps ---------------- */

#define BUF_SIZE   (160u * 1024u)
#define MAIN_OFF   (24u * 1024u)  /* extra region 0 lies below the main one */
#define MAIN_MAX   (64u * 1024u)
#define EXTRA_SIZE (16u * 1024u)
#define N_EXTRA    4

static _Alignas(4096) uint8_t g_buf[BUF_SIZE];
static const size_t g_extra_off[N_EXTRA] = {1024u, 96u * 1024u, 116u * 1024u, 136u * 1024u};

typedef struct given {
    uint8_t *base;
    size_t   size;
} given;

static given   g_given[TH_MAX_REGIONS + 1];
static size_t  g_ngiven;
static uint8_t g_snap[BUF_SIZE];

/* ---- The model --------------------------------------------------------------- */

enum { K_GEN = 1, K_TINY = 2, K_PERS = 3 };

typedef struct obj {
    uint8_t *p;
    size_t   size;   /* bytes requested (the pattern covers them) */
    size_t   usable; /* th_usable_size (0 for persistent) */
    uint8_t  tag;
    uint8_t  kind;
} obj;

#define MAX_OBJ   192
#define MAX_STALE 32

static obj      g_obj[MAX_OBJ];
static size_t   g_nobj;
static uint8_t *g_stale[MAX_STALE]; /* recently freed pointers */
static size_t   g_nstale;
static uint8_t  g_tag;

typedef struct model {
    uint32_t allocs, frees, failed, faults[TH_FAULT_COUNT];
    size_t   in_use, tiny_objects, persistent_bytes, capacity, regions;
    size_t   peak_seen, min_free_seen;
    uint32_t oom_calls;
} model;

static model    g_m;
static th_heap *g_h;

/* Fault recording. */
static unsigned g_nfaults;
static th_fault g_fault_kind;
static int      g_lock_depth;
static unsigned g_locks;

static void on_fault(th_heap *h, th_fault kind, const void *ptr)
{
    (void)h;
    (void)ptr;
    g_nfaults++;
    g_fault_kind = kind;
}

static void on_oom(th_heap *h, size_t size)
{
    (void)size;
    REQUIRE(h == g_h);
    REQUIRE(g_lock_depth == 1); /* the hook runs with the lock held */
    g_m.oom_calls++;
}

static void on_lock(void *ctx)
{
    REQUIRE(ctx == &g_lock_depth);
    REQUIRE(g_lock_depth == 0);
    g_lock_depth++;
    g_locks++;
}

static void on_unlock(void *ctx)
{
    REQUIRE(ctx == &g_lock_depth);
    REQUIRE(g_lock_depth == 1);
    g_lock_depth--;
}

/* ---- Input decoding ------------------------------------------------------------ */

typedef struct input {
    const uint8_t *d;
    size_t         n, i;
} input;

static uint32_t get8(input *in) { return in->i < in->n ? in->d[in->i++] : 0u; }
static uint32_t get16(input *in) { return get8(in) | (get8(in) << 8); }

static const size_t k_edges[] = {0, 1, 2, 3, 4, 7, 8, 9, 12, 13, 15, 16, 17, 20, 23, 24, 25,
                                 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 447,
                                 448, 449, 508, 511, 512, 513, 1023, 1024, 1025, 2047, 2048,
                                 2049, 4095, 4096, 4097, 8191, 8192, 16383, 16384, 32767};

static size_t huge_size(uint32_t sel)
{
    switch (sel % 6u) {
    case 0: return SIZE_MAX;
    case 1: return SIZE_MAX - 7u;
    case 2: return TH_MAX_REQUEST;
    case 3: return TH_MAX_REQUEST + 1u;
    case 4: return SIZE_MAX / 2u + 1u;
    default: return (size_t)UINT32_MAX + 1u;
    }
}

static size_t get_size(input *in)
{
    uint32_t sel = get8(in);
    if (sel < 100u) {
        return 1u + sel % 15u; /* tiny */
    }
    if (sel < 180u) {
        return k_edges[sel % (sizeof k_edges / sizeof k_edges[0])];
    }
    if (sel < 250u) {
        return get16(in) % 3000u;
    }
    return huge_size(sel);
}

static size_t get_align(input *in)
{
    uint32_t sel = get8(in);
    if (sel < 200u) {
        return (size_t)1 << (sel % 13u);
    }
    static const size_t bad[] = {0, 3, 24, 12, 7, 6, SIZE_MAX};
    if (sel < 250u) {
        return bad[sel % (sizeof bad / sizeof bad[0])];
    }
    return (size_t)1 << (21u + sel % 4u); /* beyond any block: out of memory */
}

/* ---- Model helpers --------------------------------------------------------------- */

static uint8_t pat(uint8_t tag, size_t i) { return (uint8_t)(tag * 31u + i * 7u + (i >> 8)); }

static void fill(const obj *o)
{
    for (size_t i = 0; i < o->size; i++) {
        o->p[i] = pat(o->tag, i);
    }
}

static void verify(const obj *o)
{
    for (size_t i = 0; i < o->size; i++) {
        REQUIRE(o->p[i] == pat(o->tag, i));
    }
}

static size_t natural_align(size_t s)
{
#if TH_TINY && TH_TINY_ALIGN_GO
    if (s <= TH_TINY_MAX) {
        size_t a = s & (~s + 1u);
        return a > 8u ? 8u : a;
    }
#endif
    return s >= 8u ? 8u : s >= 4u ? 4u : s >= 2u ? 2u : 1u;
}

static obj *find_obj(const uint8_t *p)
{
    for (size_t i = 0; i < g_nobj; i++) {
        if (g_obj[i].p == p) {
            return &g_obj[i];
        }
    }
    return NULL;
}

static void forget_stale(const uint8_t *p)
{
    for (size_t i = 0; i < g_nstale; i++) {
        if (g_stale[i] == p) {
            g_stale[i] = g_stale[--g_nstale];
            return;
        }
    }
}

static void remember_stale(uint8_t *p)
{
    forget_stale(p);
    if (g_nstale == MAX_STALE) {
        memmove(g_stale, g_stale + 1, (MAX_STALE - 1u) * sizeof g_stale[0]);
        g_nstale--;
    }
    g_stale[g_nstale++] = p;
}

static void drop_obj(obj *o)
{
    if (o->kind != K_PERS) {
        g_m.in_use -= o->usable;
        if (o->kind == K_TINY) {
            g_m.tiny_objects--;
        }
    }
    remember_stale(o->p);
    *o = g_obj[--g_nobj];
}

/* ---- The heap map (th_walk) ------------------------------------------------------- */

typedef struct wblock {
    uintptr_t addr;
    size_t    size;
    char      kind;
} wblock;

#define MAX_WALK 2048
static wblock g_walk[MAX_WALK];
static size_t g_nwalk;

static void walk_cb(void *user, char kind, const void *addr, size_t size)
{
    REQUIRE(user == &g_nwalk);
    REQUIRE(g_nwalk < MAX_WALK);
    REQUIRE(kind == 'g' || kind == 'f' || kind == 't' || kind == 'p');
    g_walk[g_nwalk].addr = (uintptr_t)addr;
    g_walk[g_nwalk].size = size;
    g_walk[g_nwalk].kind = kind;
    g_nwalk++;
}

static void do_walk(void)
{
    g_nwalk = 0;
    th_walk(g_h, walk_cb, &g_nwalk);
}

/* The block of the last walk that contains address a, or NULL. */
static const wblock *block_at(uintptr_t a)
{
    for (size_t i = 0; i < g_nwalk; i++) {
        if (a >= g_walk[i].addr && a - g_walk[i].addr < g_walk[i].size) {
            return &g_walk[i];
        }
    }
    return NULL;
}

/* ---- Checks after every operation ------------------------------------------------ */

static void check_stats(void)
{
    th_stats s = th_get_stats(g_h);
    /* The O(1) getters give th_get_stats' figures. */
    REQUIRE(th_free_bytes(g_h) == s.free_bytes);
    REQUIRE(th_min_free_bytes(g_h) == s.min_free_bytes);
    REQUIRE(th_largest_free(g_h) == s.largest_free);
    REQUIRE(s.allocs == g_m.allocs);
    REQUIRE(s.frees == g_m.frees);
    REQUIRE(s.failed == g_m.failed);
    REQUIRE(g_m.oom_calls == g_m.failed);
    for (int k = 0; k < (int)TH_FAULT_COUNT; k++) {
        REQUIRE(s.faults[k] == g_m.faults[k]);
    }
    REQUIRE(s.in_use == g_m.in_use);
    REQUIRE(s.tiny_objects == g_m.tiny_objects);
    REQUIRE(s.persistent_bytes == g_m.persistent_bytes);
    REQUIRE(s.regions == g_m.regions);
    REQUIRE(s.capacity == g_m.capacity);
    REQUIRE(s.free_bytes <= s.capacity);
    REQUIRE(s.min_free_bytes <= s.free_bytes);
    REQUIRE(s.min_free_bytes <= g_m.min_free_seen);
    REQUIRE(s.peak_in_use >= s.in_use && s.peak_in_use >= g_m.peak_seen);
    REQUIRE(s.largest_free <= s.free_bytes || s.largest_free <= 15u);
    g_m.min_free_seen = s.min_free_bytes;
    g_m.peak_seen     = s.peak_in_use;

    /* The map against the stats and the model. */
    do_walk();
    size_t nfree = 0, largest = 0, smallest = SIZE_MAX, ngen = 0;
    for (size_t i = 0; i < g_nwalk; i++) {
        const wblock *b = &g_walk[i];
        if (b->kind == 'f') {
            nfree++;
            largest  = b->size > largest ? b->size : largest;
            smallest = b->size < smallest ? b->size : smallest;
        } else if (b->kind == 'g') {
            ngen++;
            const obj *o = find_obj((uint8_t *)(b->addr + 4u));
            REQUIRE(o != NULL && o->kind == K_GEN); /* no leaked or lost block */
            REQUIRE(o->usable == b->size - 4u);
        }
    }
    REQUIRE(s.free_blocks == nfree);
    REQUIRE(s.largest_free_block == largest);
    REQUIRE(s.smallest_free == smallest);
    size_t mgen = 0;
    for (size_t i = 0; i < g_nobj; i++) {
        const obj    *o = &g_obj[i];
        const wblock *b = block_at((uintptr_t)o->p);
        REQUIRE(b != NULL);
        char want = o->kind == K_GEN ? 'g' : o->kind == K_TINY ? 't' : 'p';
        REQUIRE(b->kind == want);
        if (o->kind == K_GEN) {
            REQUIRE(b->addr + 4u == (uintptr_t)o->p);
            mgen++;
        } else {
            REQUIRE((uintptr_t)o->p + (o->usable ? o->usable : o->size) <= b->addr + b->size);
        }
    }
    REQUIRE(mgen == ngen);
}

static void check_heap(void)
{
    unsigned f = g_nfaults;
    REQUIRE(th_check(g_h));
    REQUIRE(g_nfaults == f);
    REQUIRE(g_lock_depth == 0);
}

static void check_all_contents(void)
{
    for (size_t i = 0; i < g_nobj; i++) {
        verify(&g_obj[i]);
    }
}

/* A new object: aligned, inside the heap's regions, overlapping nothing. */
static obj *add_obj(uint8_t *p, size_t size, size_t align, uint8_t kind, bool fresh)
{
    REQUIRE(((uintptr_t)p % align) == 0u);
    size_t usable = 0;
    if (kind != K_PERS) {
        usable = th_usable_size(g_h, p);
        REQUIRE(usable >= size);
        do_walk();
        const wblock *b = block_at((uintptr_t)p);
        REQUIRE(b != NULL && (b->kind == 'g' || b->kind == 't'));
        kind = b->kind == 'g' ? K_GEN : K_TINY;
        if (kind == K_GEN) {
            REQUIRE(b->addr + 4u == (uintptr_t)p && usable == b->size - 4u);
        } else {
            REQUIRE(usable <= 16u && (usable & 3u) == 0u);
            REQUIRE(!fresh || (size <= TH_TINY_MAX && usable == ((size + 3u) & ~(size_t)3u)));
        }
    }
    size_t extent = usable != 0u ? usable : size;
    for (size_t i = 0; i < g_nobj; i++) {
        const obj *o  = &g_obj[i];
        size_t     oe = o->usable != 0u ? o->usable : o->size;
        REQUIRE((uintptr_t)p + extent <= (uintptr_t)o->p || (uintptr_t)o->p + oe <= (uintptr_t)p);
    }
    bool inside = false;
    for (size_t r = 0; r < g_ngiven; r++) {
        if (p >= g_given[r].base && (size_t)(p - g_given[r].base) + extent <= g_given[r].size) {
            inside = true;
        }
    }
    REQUIRE(inside);
    forget_stale(p);
    REQUIRE(g_nobj < MAX_OBJ);
    obj *o    = &g_obj[g_nobj++];
    o->p      = p;
    o->size   = size;
    o->usable = usable;
    o->tag    = ++g_tag;
    o->kind   = kind;
    if (kind == K_PERS) {
        g_m.persistent_bytes += size;
    } else {
        g_m.in_use += usable;
        if (kind == K_TINY) {
            g_m.tiny_objects++;
        }
    }
    return o;
}

/* ---- Bad calls: snapshot, call, compare ----------------------------------------- */

static void snapshot(void)
{
    for (size_t r = 0; r < g_ngiven; r++) {
        memcpy(g_snap + (g_given[r].base - g_buf), g_given[r].base, g_given[r].size);
    }
}

/* Everything but the fault counters is as it was. */
static void require_unchanged(void)
{
    size_t off = (size_t)((uint8_t *)&g_h->faults[0] - g_buf);
    memcpy(g_snap + off, &g_h->faults[0], sizeof g_h->faults);
    for (size_t r = 0; r < g_ngiven; r++) {
        REQUIRE(memcmp(g_snap + (g_given[r].base - g_buf), g_given[r].base, g_given[r].size) ==
                0);
    }
}

/* Expects exactly one fault of `kind` from the call just made; counts it. */
static void require_fault(th_fault kind, bool counted)
{
    REQUIRE(g_nfaults == 1u);
    REQUIRE(g_fault_kind == kind);
    if (counted) {
        g_m.faults[kind]++;
    }
    require_unchanged();
}

#define NOT_BAD ((int)TH_FAULT_COUNT)
#define SKIP    ((int)TH_FAULT_COUNT + 1)

/* Independent oracle: what must th_free(p) say? From the model and the map,
 * never from the allocator's own metadata, except to skip the 1-in-256 case
 * the design accepts (user data that happens to look like a sealed header). */
static int expected_fault(const uint8_t *p)
{
    uintptr_t a = (uintptr_t)p;
    do_walk();
    const wblock *b = block_at(a);
    if (b == NULL) {
        return TH_FAULT_BAD_POINTER; /* foreign: no block holds it */
    }
    if (b->kind == 't' && a >= b->addr + 4u && a - (b->addr + 4u) < TH_PAGE) {
        uintptr_t off = a - (b->addr + 4u);
        if (off >= TH_SLAB_BLOCKS * 16u || (off & 3u) != 0u) {
            return TH_FAULT_BAD_POINTER;
        }
        for (size_t i = 0; i < g_nobj; i++) {
            const obj *o = &g_obj[i];
            if (o->kind == K_TINY && o->p == p) {
                return NOT_BAD;
            }
            if (o->kind == K_TINY && p > o->p && p < o->p + o->usable) {
                return TH_FAULT_BAD_POINTER;
            }
        }
        return TH_FAULT_DOUBLE_FREE; /* free room in a tiny block */
    }
    if (b->addr + 4u == a) {
        return b->kind == 'g' ? NOT_BAD : b->kind == 'f' ? TH_FAULT_DOUBLE_FREE
                                                         : TH_FAULT_BAD_POINTER;
    }
    if ((a & 7u) != 0u) {
        return TH_FAULT_BAD_POINTER;
    }
    const th_block *hb = (const th_block *)(a - 4u);
    if (th_sealed(g_h, hb, hb->header)) {
        return SKIP; /* indistinguishable from a header by design (p = 1/256) */
    }
    return TH_FAULT_BAD_POINTER;
}

static int g_foreign_stack;

static uint8_t *pick_bad_pointer(input *in)
{
    uint32_t sel = get8(in);
    switch (sel % 8u) {
    case 0: /* a stale (freed) pointer */
        if (g_nstale != 0u) {
            return g_stale[get8(in) % g_nstale];
        }
        return (uint8_t *)&g_foreign_stack;
    case 1:
    case 2: /* inside a live object */
        if (g_nobj != 0u) {
            const obj *o   = &g_obj[get8(in) % g_nobj];
            size_t     ext = o->usable != 0u ? o->usable : o->size;
            if (o->kind == K_PERS) {
                return o->p + get8(in) % (ext + 1u); /* persistent: any byte, the start too */
            }
            return ext > 1u ? o->p + 1u + get8(in) % (ext - 1u) : o->p + 1u;
        }
        return (uint8_t *)&g_foreign_stack + 1;
    case 3: /* foreign memory: the stack, the model, the heap state, a gap */
    {
        uint8_t *cands[] = {(uint8_t *)&g_foreign_stack, (uint8_t *)g_obj, (uint8_t *)g_h,
                            (uint8_t *)g_h + 8, g_buf + MAIN_OFF - 64, g_buf + BUF_SIZE - 8};
        return cands[get8(in) % (sizeof cands / sizeof cands[0])];
    }
    default: /* anywhere in a region, 8-aligned half of the time */
    {
        const given *r   = &g_given[get8(in) % g_ngiven];
        size_t       off = (get16(in) | (get8(in) << 16)) % r->size;
        if ((sel & 1u) != 0u) {
            off &= ~(size_t)7u;
        }
        return r->base + off;
    }
    }
}

static void op_bad_pointer(input *in)
{
    uint8_t *p    = pick_bad_pointer(in);
    int      want = expected_fault(p);
    if (want == NOT_BAD || want == SKIP) {
        return;
    }
    uint32_t which = get8(in) % 4u;
    snapshot();
    g_nfaults = 0;
    if (which == 0u) {
        th_free(g_h, p);
    } else if (which == 1u) {
        REQUIRE(th_usable_size(g_h, p) == 0u);
    } else if (which == 2u) {
        REQUIRE(th_realloc(g_h, p, get_size(in) % 100u + 1u) == NULL);
    } else {
        th_free(NULL, p); /* a NULL heap wins over a bad pointer */
        REQUIRE(g_nfaults == 1u && g_fault_kind == TH_FAULT_BAD_ARGUMENT);
        require_unchanged();
        return;
    }
    require_fault((th_fault)want, true);
}

/* ---- Good (or argument-checked) operations ----------------------------------------- */

static bool size_ok(size_t size) { return size <= TH_MAX_REQUEST; }

/* After an allocation call of `size` that returned p (no bad argument). */
static void after_alloc(void *p, size_t size, size_t align, uint8_t kind, unsigned faults0)
{
    REQUIRE(g_nfaults == faults0);
    if (size == 0u) {
        REQUIRE(p == NULL);
        return;
    }
    if (p == NULL) {
        g_m.failed++;
        return;
    }
    g_m.allocs++;
    obj *o = add_obj((uint8_t *)p, size, align, kind, true);
    fill(o);
}

/* The model holds MAX_OBJ objects; allocations wait when it is full. */
static bool room(void) { return g_nobj + 2u < MAX_OBJ; }

static void op_malloc(input *in)
{
    if (!room()) {
        return;
    }
    size_t size = get_size(in);
    if (!size_ok(size)) {
        snapshot();
    }
    g_nfaults = 0;
    void *p   = th_malloc(g_h, size);
    if (!size_ok(size)) {
        REQUIRE(p == NULL);
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
        return;
    }
    after_alloc(p, size, natural_align(size), K_GEN, 0u);
}

static void op_calloc(input *in)
{
    if (!room()) {
        return;
    }
    size_t n    = get8(in) % 4u == 0u ? get_size(in) : get8(in) % 5u;
    size_t size = get_size(in);
    snapshot();
    g_nfaults  = 0;
    uint8_t *p = th_calloc(g_h, n, size);
    if (size != 0u && n > SIZE_MAX / size) {
        REQUIRE(p == NULL);
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
        return;
    }
    size_t total = n * size;
    if (!size_ok(total)) {
        REQUIRE(p == NULL);
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
        return;
    }
    for (size_t i = 0; p != NULL && i < total; i++) {
        REQUIRE(p[i] == 0u);
    }
    after_alloc(p, total, natural_align(total), K_GEN, 0u);
}

static void op_aligned(input *in)
{
    if (!room()) {
        return;
    }
    size_t align = get_align(in);
    size_t size  = get_size(in);
    snapshot();
    g_nfaults = 0;
    void *p   = th_aligned_alloc(g_h, align, size);
    if (align == 0u || (align & (align - 1u)) != 0u || !size_ok(size)) {
        REQUIRE(p == NULL);
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
        return;
    }
    after_alloc(p, size, align, K_GEN, 0u);
}

static void op_persistent(input *in)
{
    if (!room()) {
        return;
    }
    size_t size  = get8(in) % 3u == 0u ? get_size(in) : get8(in) % 80u;
    size_t align = get_align(in);
    snapshot();
    g_nfaults = 0;
    void *p   = th_persistent_alloc(g_h, size, align);
    if (size == 0u || align == 0u || (align & (align - 1u)) != 0u || !size_ok(size)) {
        REQUIRE(p == NULL);
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
        return;
    }
    /* An alignment no block can meet is out of memory, as for th_aligned_alloc. */
    after_alloc(p, size, align, K_PERS, 0u);
}

static obj *pick_live(input *in, bool persistent_ok)
{
    if (g_nobj == 0u) {
        return NULL;
    }
    obj *o = &g_obj[get8(in) % g_nobj];
    return (o->kind == K_PERS && !persistent_ok) ? NULL : o;
}

static void op_free(input *in)
{
    obj *o = pick_live(in, false);
    g_nfaults = 0;
    if (o == NULL) {
        th_free(g_h, NULL);
        REQUIRE(g_nfaults == 0u);
        return;
    }
    verify(o);
    th_free(g_h, o->p);
    REQUIRE(g_nfaults == 0u);
    g_m.frees++;
    drop_obj(o);
}

static void op_usable(input *in)
{
    obj *o = pick_live(in, false);
    g_nfaults = 0;
    if (o == NULL) {
        REQUIRE(th_usable_size(g_h, NULL) == 0u);
    } else {
        REQUIRE(th_usable_size(g_h, o->p) == o->usable);
    }
    REQUIRE(g_nfaults == 0u);
}

static void op_realloc(input *in)
{
    obj   *o    = pick_live(in, false);
    size_t size = get_size(in);
    g_nfaults   = 0;
    if (o == NULL || get8(in) % 8u == 0u) { /* realloc(NULL, size) is malloc */
        if (!room()) {
            return;
        }
        snapshot();
        void *p = th_realloc(g_h, NULL, size);
        if (!size_ok(size)) {
            REQUIRE(p == NULL);
            require_fault(TH_FAULT_BAD_ARGUMENT, true);
            return;
        }
        after_alloc(p, size, natural_align(size), K_GEN, 0u);
        return;
    }
    verify(o);
    if (!size_ok(size)) {
        snapshot();
        REQUIRE(th_realloc(g_h, o->p, size) == NULL);
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
        verify(o);
        return;
    }
    uint8_t *old  = o->p;
    size_t   olds = o->size;
    uint8_t  otag = o->tag;
    uint8_t *q    = th_realloc(g_h, old, size);
    REQUIRE(g_nfaults == 0u);
    if (size == 0u) {
        REQUIRE(q == NULL);
        g_m.frees++;
        drop_obj(o);
        return;
    }
    if (q == NULL) {
        g_m.failed++;
        verify(o); /* untouched and live */
        REQUIRE(th_usable_size(g_h, old) == o->usable);
        return;
    }
    size_t keep = size < olds ? size : olds;
    for (size_t i = 0; i < keep; i++) {
        REQUIRE(q[i] == pat(otag, i));
    }
    if (q != old) {
        g_m.allocs++;
        g_m.frees++;
    }
    drop_obj(o);
    forget_stale(q);
    obj *n = add_obj(q, size, natural_align(size), K_GEN, false);
    fill(n);
}

/* A region over 2^TH_MAX_BLOCK_LOG2 bytes is split into pieces of their own
 * (tinyheap.h, th_init/th_add_region): the slots it took and the bytes it
 * added come from the stats, within the contract's bounds. Capacity counts
 * from the heap state (th_init: base aligned to 8) or the first page map
 * (th_add_region: base aligned to 4); the skipped head and the unmanaged
 * tail are poisoned and left out of the given region, which is set in *g. */
static void model_added(given *g, uint8_t *base, size_t size, size_t regions0, size_t capacity0)
{
    th_stats s      = th_get_stats(g_h);
    size_t   pieces = s.regions - regions0;
    size_t   added  = s.capacity - capacity0;
    size_t   align  = regions0 == 0u ? TH_GRANULE : sizeof(uint32_t);
    size_t   skip   = (size_t)((((uintptr_t)base + align - 1u) & ~(uintptr_t)(align - 1u)) -
                               (uintptr_t)base);
    /* A piece: its largest block, its page map (a bit per page, two pages
     * more), alignment and sentinel (th_region.c, PIECE_EXTRA). */
    size_t max   = (size_t)1 << TH_MAX_BLOCK_LOG2;
    size_t piece = max - TH_GRANULE + ((max / TH_PAGE + 2u + 31u) / 32u) * 4u + 64u;
    REQUIRE(s.regions > regions0 && s.regions <= TH_MAX_REGIONS);
    REQUIRE(added <= size - skip && added <= pieces * piece + TH_HEAP_STATE_BYTES + 8u);
    if (size <= max) {
        /* No split: all but the last 0..7 bytes, too few for a granule. */
        REQUIRE(pieces == 1u && size - skip - added < TH_GRANULE);
    }
    if (s.regions < TH_MAX_REGIONS) {
        REQUIRE(size - added < TH_MIN_REGION); /* a free slot: only a scrap left out */
    }
    POISON(base, skip);
    POISON(base + skip + added, size - skip - added);
    g_m.regions  = s.regions;
    g_m.capacity = s.capacity;
    g->base      = base + skip;
    g->size      = added;
}

static void op_add_region(input *in)
{
    uint32_t sel = get8(in);
    uint8_t *base;
    size_t   size;
    int      expect; /* 1 ok, 0 refused, -1 either */
    g_nfaults = 0;
    if (sel % 4u == 0u) {
        /* Bad: overlaps a region given before, or NULL, or tiny. */
        const given *r = &g_given[get8(in) % g_ngiven];
        switch (get8(in) % 3u) {
        case 0: base = r->base + r->size / 2u; size = 512u; break;
        case 1: base = NULL; size = 4096u; break;
        default: base = g_buf + g_extra_off[get8(in) % N_EXTRA]; size = get8(in) % 12u; break;
        }
        bool overlaps = false;
        for (size_t i = 0; i < g_ngiven; i++) {
            if (base != NULL && base < g_given[i].base + g_given[i].size &&
                g_given[i].base < base + size) {
                overlaps = true;
            }
        }
        if (base != NULL && !overlaps && size >= 12u) {
            return; /* not clearly bad */
        }
        expect = 0;
        (void)expect;
        snapshot();
        REQUIRE(!th_add_region(g_h, base, size));
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
        return;
    }
    /* One of the extra buffers, any start alignment, a size of 16 B .. 16 KiB. */
    uint32_t x   = get8(in) % N_EXTRA;
    size_t   off = get8(in) % 8u;
    size        = 16u + get16(in) % (EXTRA_SIZE - 16u - off);
    base        = g_buf + g_extra_off[x] + off;
    for (size_t i = 0; i < g_ngiven; i++) {
        if (base < g_given[i].base + g_given[i].size && g_given[i].base < base + size) {
            snapshot();
            REQUIRE(!th_add_region(g_h, base, size)); /* the same buffer again */
            require_fault(TH_FAULT_BAD_ARGUMENT, true);
            return;
        }
    }
    expect = g_m.regions >= TH_MAX_REGIONS ? 0 : size >= 512u ? 1 : -1;
    snapshot();
    UNPOISON(base, size); /* the heap may use it from now on */
    bool ok = th_add_region(g_h, base, size);
    if (expect >= 0) {
        REQUIRE(ok == (expect == 1));
    }
    if (ok) {
        REQUIRE(g_nfaults == 0u);
        model_added(&g_given[g_ngiven], base, size, g_m.regions, g_m.capacity);
        g_ngiven++;
    } else {
        POISON(base, size);
        require_fault(TH_FAULT_BAD_ARGUMENT, true);
    }
}

/* largest_free must be allocatable right now. */
static void op_largest(input *in)
{
    if (!room()) {
        return;
    }
    (void)in;
    if (g_op % 4u == 0u) {
        /* One op in four restarts the low-water mark instead (no input
         * byte read, so the corpus decodes as before). */
        g_nfaults = 0;
        th_reset_min_free(g_h);
        REQUIRE(g_nfaults == 0u);
        REQUIRE(th_min_free_bytes(g_h) == th_free_bytes(g_h));
        g_m.min_free_seen = th_free_bytes(g_h);
        return;
    }
    size_t n = th_largest_free(g_h);
    if (n == 0u) {
        return;
    }
    g_nfaults = 0;
    void *p   = th_malloc(g_h, n);
    REQUIRE(p != NULL);
    after_alloc(p, n, natural_align(n), K_GEN, 0u);
}

static void op_null_heap(input *in)
{
    g_nfaults = 0;
    switch (get8(in) % 8u) {
    case 0: REQUIRE(th_malloc(NULL, 8) == NULL); break;
    case 1: REQUIRE(th_calloc(NULL, 1, 8) == NULL); break;
    case 2: REQUIRE(th_aligned_alloc(NULL, 8, 8) == NULL); break;
    case 3: REQUIRE(th_realloc(NULL, NULL, 8) == NULL); break;
    case 4: REQUIRE(th_usable_size(NULL, g_buf) == 0u); break;
    case 5: REQUIRE(th_persistent_alloc(NULL, 8, 8) == NULL); break;
    case 6: REQUIRE(!th_check(NULL)); break;
    default:
        switch (g_op % 5u) { /* no input byte read: the corpus decodes as before */
        case 0: REQUIRE(th_largest_free(NULL) == 0u); break;
        case 1: REQUIRE(th_free_bytes(NULL) == 0u); break;
        case 2: REQUIRE(th_min_free_bytes(NULL) == 0u); break;
        case 3: th_reset_min_free(NULL); break;
        default: REQUIRE(!th_add_region(NULL, g_buf, 64)); break;
        }
        break;
    }
    REQUIRE(g_nfaults == 1u && g_fault_kind == TH_FAULT_BAD_ARGUMENT);
}

/* ---- Driver ------------------------------------------------------------------------- */

static void setup(input *in)
{
    UNPOISON(g_buf, BUF_SIZE);
    memset(g_buf, 0xC3, BUF_SIZE);
    POISON(g_buf, BUF_SIZE);
    memset(&g_m, 0, sizeof g_m);
    g_nobj = g_nstale = g_ngiven = 0;
    g_tag  = 0;
    size_t off  = get8(in) % 8u;
    size_t size = TH_MIN_REGION + get16(in) % (MAIN_MAX - TH_MIN_REGION - 8u);
    if (get8(in) % 4u != 0u) {
        size = size / 4u + TH_MIN_REGION; /* small heaps run out sooner */
    }
    uint8_t *base = g_buf + MAIN_OFF + off;
    UNPOISON(base, size);
    g_h = th_init(base, size);
    REQUIRE(g_h != NULL);
    model_added(&g_given[0], base, size, 0u, 0u);
    g_ngiven        = 1;
    g_m.min_free_seen = SIZE_MAX;
    th_set_lock(g_h, on_lock, on_unlock, &g_lock_depth);
    REQUIRE(th_set_oom_hook(g_h, on_oom) == NULL);
}

static void teardown(void)
{
    check_all_contents();
    for (size_t i = g_nobj; i-- > 0;) {
        if (g_obj[i].kind != K_PERS) {
            g_nfaults = 0;
            th_free(g_h, g_obj[i].p);
            REQUIRE(g_nfaults == 0u);
            g_m.frees++;
            drop_obj(&g_obj[i]);
        }
    }
    check_heap();
    check_stats();
    th_stats s = th_get_stats(g_h);
    REQUIRE(s.in_use == 0u && s.tiny_objects == 0u);
    REQUIRE(th_set_oom_hook(g_h, NULL) == on_oom);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    (void)th_set_fault_handler(on_fault);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        init = true;
        (void)th_set_fault_handler(on_fault);
    }
    input in = {data, size, 0};
    g_op     = 0;
    setup(&in);
    check_heap();
    while (in.i < in.n && g_op < 4000u) {
        g_op++;
        uint32_t op = get8(&in);
        switch (op % 16u) {
        case 0:
        case 1:
        case 2: op_malloc(&in); break;
        case 3: op_calloc(&in); break;
        case 4:
        case 5: op_realloc(&in); break;
        case 6: op_aligned(&in); break;
        case 7:
        case 8:
        case 9: op_free(&in); break;
        case 10: op_usable(&in); break;
        case 11: op_persistent(&in); break;
        case 12: op_add_region(&in); break;
        case 13: op_bad_pointer(&in); break;
        case 14: op_largest(&in); break;
        default:
            if ((op & 0x10u) != 0u) {
                op_null_heap(&in);
            } else {
                check_all_contents();
            }
            break;
        }
        REQUIRE(g_lock_depth == 0);
        check_heap();
        check_stats();
    }
    teardown();
    return 0;
}

#ifdef FUZZ_STANDALONE
#include <dirent.h>

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    static uint8_t buf[1u << 20];
    size_t         n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 1;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    int files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            files += run_file(argv[i]);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            files += run_file(path);
        }
        closedir(d);
    }
    printf("fuzz_heap: replayed %d inputs\n", files);
    return 0;
}
#endif
