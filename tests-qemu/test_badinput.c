/* SPDX-License-Identifier: MIT */
/*
 * test_badinput: every public function against every class of bad argument,
 * table-driven. For each row: the documented result, the fault kind counted
 * (or none), and the heap byte-for-byte unchanged: the whole region is
 * snapshotted before the call and compared after it, except the fault
 * counters inside the heap state, which are the only thing a fault may
 * change. th_check() must still pass. The table is printed (README.md shows
 * it).
 */
#include "harness.h"
#include "th_internal.h"

#define REGION 4096u
#define NONE   ((int)TH_FAULT_COUNT)

static th_heap *H;
static uint8_t *G;    /* a live general block (64 B) */
static uint8_t *T;    /* a live tiny object (12 B) */
static uint8_t *F;    /* a freed general block */
static uint8_t *FT;   /* a freed tiny object */
static uint8_t *P;    /* a persistent object */
static uint8_t *BASE; /* the region */
static uint8_t  s_snap[REGION];
static uint8_t  s_extra[256];
static uint32_t s_foreign[4];
/* volatile: the compiler must not see (and warn about) the huge sizes. */
static volatile size_t s_max = SIZE_MAX;
static volatile size_t s_half = SIZE_MAX / 2u + 1u;
static volatile size_t s_over = TH_MAX_REQUEST + 1u;

typedef struct row {
    const char *fn;
    const char *input;
    const char *expect;
    int         fault; /* expected kind, or NONE */
    bool (*call)(void); /* returns true when the result is the documented one */
} row;

/* ---- The calls -------------------------------------------------------------- */
/* The pointer a row passes: a BAD_POINTER or DOUBLE_FREE fault must name it
 * (the handler's ptr argument). */
static void *s_arg;
static void *arg(void *p)
{
    s_arg = p;
    return p;
}
static bool malloc_null_heap(void) { return th_malloc(NULL, 8) == NULL; }
static bool malloc_zero(void) { return th_malloc(H, 0) == NULL; }
static bool malloc_max(void) { return th_malloc(H, s_max) == NULL; }
static bool malloc_over(void) { return th_malloc(H, s_over) == NULL; }
static bool calloc_null_heap(void) { return th_calloc(NULL, 1, 8) == NULL; }
static bool calloc_overflow(void) { return th_calloc(H, s_half, 2) == NULL; }
static bool calloc_over(void) { return th_calloc(H, 1, s_over) == NULL; }
static bool calloc_zero(void) { return th_calloc(H, 0, 8) == NULL; }
static bool calloc_zero_size(void) { return th_calloc(H, 8, 0) == NULL; }
static bool realloc_null_heap(void) { return th_realloc(NULL, G, 8) == NULL; }
static bool realloc_foreign(void) { return th_realloc(H, arg(s_foreign), 8) == NULL; }
static bool realloc_interior(void) { return th_realloc(H, arg(G + 8), 8) == NULL; }
static bool realloc_freed(void) { return th_realloc(H, arg(F), 8) == NULL; }
static bool realloc_tiny_freed(void) { return th_realloc(H, arg(FT), 8) == NULL; }
static bool realloc_persistent(void) { return th_realloc(H, arg(P + 8), 8) == NULL; }
static bool realloc_max(void) { return th_realloc(H, G, s_max) == NULL; }
static bool realloc_over(void) { return th_realloc(H, G, s_over) == NULL; }
static bool aligned_null_heap(void) { return th_aligned_alloc(NULL, 8, 8) == NULL; }
static bool aligned_zero_align(void) { return th_aligned_alloc(H, 0, 8) == NULL; }
static bool aligned_three(void) { return th_aligned_alloc(H, 3, 8) == NULL; }
static bool aligned_24(void) { return th_aligned_alloc(H, 24, 8) == NULL; }
static bool aligned_max(void) { return th_aligned_alloc(H, 8, s_max) == NULL; }
static bool aligned_over(void) { return th_aligned_alloc(H, 8, s_over) == NULL; }
static bool aligned_zero_size(void) { return th_aligned_alloc(H, 8, 0) == NULL; }
static bool free_null_heap(void) { th_free(NULL, G); return true; }
static bool free_null(void) { th_free(H, NULL); return true; }
static bool free_foreign(void) { th_free(H, arg(s_foreign)); return true; }
static bool free_interior(void) { th_free(H, arg(G + 8)); return true; }
static bool free_interior_odd(void) { th_free(H, arg(G + 1)); return true; }
static bool free_tiny_interior(void) { th_free(H, arg(T + 4)); return true; }
static bool free_tiny_odd(void) { th_free(H, arg(T + 1)); return true; }
static bool free_freed(void) { th_free(H, arg(F)); return true; }
static bool free_tiny_meta(void)
{
    th_free(H, arg((uint8_t *)((uintptr_t)T & ~(uintptr_t)(TH_PAGE - 1u)) + TH_SLAB_BLOCKS * 16u));
    return true;
}
static bool free_tiny_freed(void) { th_free(H, arg(FT)); return true; }
static bool free_persistent(void) { th_free(H, arg(P)); return true; }
static bool free_persistent_in(void) { th_free(H, arg(P + 8)); return true; }
static bool free_heap_state(void) { th_free(H, arg((uint8_t *)H + 8)); return true; }
static bool usable_null_heap(void) { return th_usable_size(NULL, G) == 0u; }
static bool usable_null(void) { return th_usable_size(H, NULL) == 0u; }
static bool usable_foreign(void) { return th_usable_size(H, arg(s_foreign)) == 0u; }
static bool usable_interior(void) { return th_usable_size(H, arg(G + 16)) == 0u; }
static bool usable_freed(void) { return th_usable_size(H, arg(F)) == 0u; }
static bool usable_persistent(void) { return th_usable_size(H, arg(P + 8)) == 0u; }
static bool persist_null_heap(void) { return th_persistent_alloc(NULL, 8, 8) == NULL; }
static bool persist_zero(void) { return th_persistent_alloc(H, 0, 8) == NULL; }
static bool persist_align0(void) { return th_persistent_alloc(H, 8, 0) == NULL; }
static bool persist_align3(void) { return th_persistent_alloc(H, 8, 3) == NULL; }
static bool persist_max(void) { return th_persistent_alloc(H, s_max, 8) == NULL; }
static bool persist_over(void) { return th_persistent_alloc(H, s_over, 8) == NULL; }
/* Every field zero (smallest_free too: no heap, no SIZE_MAX "none"). */
static bool stats_null_heap(void)
{
    th_stats s  = th_get_stats(NULL);
    size_t   any = s.capacity | s.free_bytes | s.min_free_bytes | s.largest_free | s.in_use |
                s.peak_in_use | s.persistent_bytes | s.tiny_blocks | s.tiny_objects |
                s.allocs | s.frees | s.failed | s.free_blocks | s.smallest_free |
                s.largest_free_block | s.regions;
    for (size_t k = 0; k < TH_FAULT_COUNT; k++) {
        any |= s.faults[k];
    }
    return any == 0u;
}
static bool check_null_heap(void) { return !th_check(NULL); }
static bool free_bytes_null_heap(void) { return th_free_bytes(NULL) == 0u; }
static bool min_free_null_heap(void) { return th_min_free_bytes(NULL) == 0u; }
static bool largest_null_heap(void) { return th_largest_free(NULL) == 0u; }
static bool reset_min_null_heap(void)
{
    th_reset_min_free(NULL);
    return true;
}
static void walk_count(void *user, char kind, const void *addr, size_t size)
{
    (void)kind;
    (void)addr;
    (void)size;
    ++*(unsigned *)user;
}
static bool walk_null_heap(void)
{
    unsigned calls = 0u;
    th_walk(NULL, walk_count, &calls);
    return calls == 0u;
}
static bool lock_null_heap(void)
{
    th_set_lock(NULL, NULL, NULL, NULL);
    return true;
}
static bool add_null_heap(void) { return !th_add_region(NULL, s_extra, sizeof s_extra); }
static bool add_null_base(void) { return !th_add_region(H, NULL, 256); }
static bool add_tiny(void) { return !th_add_region(H, s_extra, 12); }
static bool add_overlap(void) { return !th_add_region(H, BASE + 1024, 512); }
static bool add_overlap_state(void) { return !th_add_region(H, BASE, 64); }
static bool add_wrap(void) { return !th_add_region(H, (void *)(UINTPTR_MAX - 15u), 64); }
static bool init_null(void) { return th_init(NULL, 4096) == NULL; }
static bool init_small(void) { return th_init(s_extra, 16) == NULL; }
static bool init_wrap(void) { return th_init((void *)(UINTPTR_MAX - 15u), 64) == NULL; }
/* Large enough for a heap but for the wrap: refused before any access. */
static bool init_wrap_big(void) { return th_init((void *)(UINTPTR_MAX - 4095u), 8192) == NULL; }
static bool hook_null_heap(void) { return th_set_oom_hook(NULL, NULL) == NULL; }

static const row s_rows[] = {
    {"th_malloc", "NULL heap", "NULL", TH_FAULT_BAD_ARGUMENT, malloc_null_heap},
    {"th_malloc", "size 0", "NULL, nothing counted", NONE, malloc_zero},
    {"th_malloc", "SIZE_MAX", "NULL", TH_FAULT_BAD_ARGUMENT, malloc_max},
    {"th_malloc", "TH_MAX_REQUEST + 1", "NULL", TH_FAULT_BAD_ARGUMENT, malloc_over},
    {"th_calloc", "NULL heap", "NULL", TH_FAULT_BAD_ARGUMENT, calloc_null_heap},
    {"th_calloc", "n * size overflows", "NULL", TH_FAULT_BAD_ARGUMENT, calloc_overflow},
    {"th_calloc", "n * size = TH_MAX_REQUEST + 1", "NULL", TH_FAULT_BAD_ARGUMENT, calloc_over},
    {"th_calloc", "n = 0", "NULL, nothing counted", NONE, calloc_zero},
    {"th_calloc", "size = 0", "NULL, nothing counted", NONE, calloc_zero_size},
    {"th_realloc", "NULL heap", "NULL", TH_FAULT_BAD_ARGUMENT, realloc_null_heap},
    {"th_realloc", "foreign pointer", "NULL", TH_FAULT_BAD_POINTER, realloc_foreign},
    {"th_realloc", "interior pointer", "NULL", TH_FAULT_BAD_POINTER, realloc_interior},
    {"th_realloc", "freed general block", "NULL", TH_FAULT_DOUBLE_FREE, realloc_freed},
    {"th_realloc", "freed tiny object", "NULL", TH_FAULT_DOUBLE_FREE, realloc_tiny_freed},
    {"th_realloc", "persistent pointer", "NULL", TH_FAULT_BAD_POINTER, realloc_persistent},
    {"th_realloc", "size SIZE_MAX", "NULL, p live", TH_FAULT_BAD_ARGUMENT, realloc_max},
    {"th_realloc", "size TH_MAX_REQUEST + 1", "NULL, p live", TH_FAULT_BAD_ARGUMENT, realloc_over},
    {"th_aligned_alloc", "NULL heap", "NULL", TH_FAULT_BAD_ARGUMENT, aligned_null_heap},
    {"th_aligned_alloc", "align 0", "NULL", TH_FAULT_BAD_ARGUMENT, aligned_zero_align},
    {"th_aligned_alloc", "align 3", "NULL", TH_FAULT_BAD_ARGUMENT, aligned_three},
    {"th_aligned_alloc", "align 24", "NULL", TH_FAULT_BAD_ARGUMENT, aligned_24},
    {"th_aligned_alloc", "size SIZE_MAX", "NULL", TH_FAULT_BAD_ARGUMENT, aligned_max},
    {"th_aligned_alloc", "size TH_MAX_REQUEST + 1", "NULL", TH_FAULT_BAD_ARGUMENT, aligned_over},
    {"th_aligned_alloc", "size 0", "NULL, nothing counted", NONE, aligned_zero_size},
    {"th_free", "NULL heap", "nothing", TH_FAULT_BAD_ARGUMENT, free_null_heap},
    {"th_free", "NULL pointer", "nothing", NONE, free_null},
    {"th_free", "foreign pointer", "nothing", TH_FAULT_BAD_POINTER, free_foreign},
    {"th_free", "interior pointer (+8)", "nothing", TH_FAULT_BAD_POINTER, free_interior},
    {"th_free", "interior pointer (+1)", "nothing", TH_FAULT_BAD_POINTER, free_interior_odd},
    {"th_free", "tiny interior (+4)", "nothing", TH_FAULT_BAD_POINTER, free_tiny_interior},
    {"th_free", "tiny interior (+1)", "nothing", TH_FAULT_BAD_POINTER, free_tiny_odd},
    {"th_free", "a slab's bookkeeping (first byte past its blocks)", "ignored", TH_FAULT_BAD_POINTER,
     free_tiny_meta},
    {"th_free", "freed general block", "nothing", TH_FAULT_DOUBLE_FREE, free_freed},
    {"th_free", "freed tiny object", "nothing", TH_FAULT_DOUBLE_FREE, free_tiny_freed},
    {"th_free", "persistent (chunk start)", "nothing", TH_FAULT_BAD_POINTER, free_persistent},
    {"th_free", "persistent (inside)", "nothing", TH_FAULT_BAD_POINTER, free_persistent_in},
    {"th_free", "the heap's own state", "nothing", TH_FAULT_BAD_POINTER, free_heap_state},
    {"th_usable_size", "NULL heap", "0", TH_FAULT_BAD_ARGUMENT, usable_null_heap},
    {"th_usable_size", "NULL pointer", "0", NONE, usable_null},
    {"th_usable_size", "foreign pointer", "0", TH_FAULT_BAD_POINTER, usable_foreign},
    {"th_usable_size", "interior pointer", "0", TH_FAULT_BAD_POINTER, usable_interior},
    {"th_usable_size", "freed block", "0", TH_FAULT_DOUBLE_FREE, usable_freed},
    {"th_usable_size", "persistent pointer", "0", TH_FAULT_BAD_POINTER, usable_persistent},
    {"th_persistent_alloc", "NULL heap", "NULL", TH_FAULT_BAD_ARGUMENT, persist_null_heap},
    {"th_persistent_alloc", "size 0", "NULL", TH_FAULT_BAD_ARGUMENT, persist_zero},
    {"th_persistent_alloc", "align 0", "NULL", TH_FAULT_BAD_ARGUMENT, persist_align0},
    {"th_persistent_alloc", "align 3", "NULL", TH_FAULT_BAD_ARGUMENT, persist_align3},
    {"th_persistent_alloc", "size SIZE_MAX", "NULL", TH_FAULT_BAD_ARGUMENT, persist_max},
    {"th_persistent_alloc", "size TH_MAX_REQUEST + 1", "NULL", TH_FAULT_BAD_ARGUMENT, persist_over},
    {"th_get_stats", "NULL heap", "zeroed", TH_FAULT_BAD_ARGUMENT, stats_null_heap},
    {"th_check", "NULL heap", "false", TH_FAULT_BAD_ARGUMENT, check_null_heap},
    {"th_free_bytes", "NULL heap", "0", TH_FAULT_BAD_ARGUMENT, free_bytes_null_heap},
    {"th_min_free_bytes", "NULL heap", "0", TH_FAULT_BAD_ARGUMENT, min_free_null_heap},
    {"th_largest_free", "NULL heap", "0", TH_FAULT_BAD_ARGUMENT, largest_null_heap},
    {"th_reset_min_free", "NULL heap", "nothing", TH_FAULT_BAD_ARGUMENT, reset_min_null_heap},
    {"th_walk", "NULL heap", "nothing (fn not called)", TH_FAULT_BAD_ARGUMENT, walk_null_heap},
    {"th_set_lock", "NULL heap", "nothing", TH_FAULT_BAD_ARGUMENT, lock_null_heap},
    {"th_set_oom_hook", "NULL heap", "NULL", TH_FAULT_BAD_ARGUMENT, hook_null_heap},
    {"th_add_region", "NULL heap", "false", TH_FAULT_BAD_ARGUMENT, add_null_heap},
    {"th_add_region", "NULL base", "false", TH_FAULT_BAD_ARGUMENT, add_null_base},
    {"th_add_region", "12-byte region", "false", TH_FAULT_BAD_ARGUMENT, add_tiny},
    {"th_add_region", "overlaps the heap's blocks", "false", TH_FAULT_BAD_ARGUMENT, add_overlap},
    {"th_add_region", "overlaps the heap state", "false", TH_FAULT_BAD_ARGUMENT, add_overlap_state},
    {"th_add_region", "wraps the address space", "false", TH_FAULT_BAD_ARGUMENT, add_wrap},
    {"th_init", "NULL base", "NULL", NONE, init_null},
    {"th_init", "16-byte region", "NULL", NONE, init_small},
    {"th_init", "wraps the address space", "NULL", NONE, init_wrap},
    {"th_init", "wraps the address space (8 KiB)", "NULL", NONE, init_wrap_big},
};

/* The rows whose input is "NULL heap". */
static bool is_null_heap_row(const row *w)
{
    static const char want[] = "NULL heap";
    for (size_t i = 0; i < sizeof want; i++) {
        if (w->input[i] != want[i]) {
            return false;
        }
    }
    return true;
}

static const char *kind_name(int k)
{
    static const char *const names[] = {"BAD_ARGUMENT", "BAD_POINTER", "DOUBLE_FREE",
                                        "CORRUPTION", "none"};
    return names[k];
}

/* The heap state with its fault counters blanked, to compare the rest. */
static void state_without_faults(uint8_t *out)
{
    th_heap copy = *H;
    for (int k = 0; k < (int)TH_FAULT_COUNT; k++) {
        copy.faults[k] = 0;
    }
    const uint8_t *c = (const uint8_t *)&copy;
    for (size_t i = 0; i < sizeof copy; i++) {
        out[i] = c[i];
    }
}

static uint8_t s_state_before[sizeof(th_heap)];
static uint8_t s_state_after[sizeof(th_heap)];

int main(void)
{
    size_t n;
    BASE = h_arena(&n);
    CHECK(n >= REGION);
    H = th_init(BASE, REGION);
    CHECK(H != NULL);
    h_record_faults();
    G  = th_malloc(H, 64);
    T  = th_malloc(H, 12);
    F  = th_malloc(H, 48);
    FT = th_malloc(H, 4);
    P  = th_persistent_alloc(H, 16, 8);
    uint8_t *keep = th_malloc(H, 40); /* keeps F from merging away */
    CHECK(G && T && F && FT && P && keep);
    th_free(H, F);
    th_free(H, FT);
    CHECK(th_check(H));
    h_reset_faults();

    h_printf("| function | bad input | result | fault |\n|---|---|---|---|\n");
    int rows = 0;
    for (size_t r = 0; r < sizeof s_rows / sizeof s_rows[0]; r++) {
        const row *w = &s_rows[r];
        th_stats   before = th_get_stats(H);
        for (size_t i = 0; i < REGION; i++) {
            s_snap[i] = BASE[i];
        }
        state_without_faults(s_state_before);
        h_reset_faults();
        s_arg   = NULL;
        bool ok = w->call();
        th_stats after = th_get_stats(H);
        state_without_faults(s_state_after);
        /* Documented result, the right fault kind counted once. */
        if (!ok) {
            h_printf("row %u (%s, %s): wrong result\n", (unsigned)r, w->fn, w->input);
        }
        CHECK(ok);
        if (w->fault == NONE) {
            CHECK_EQ(h_total_faults, 0);
        } else {
            CHECK_EQ(h_total_faults, 1);
            CHECK_EQ(h_last_fault, w->fault);
            if (w->fault == (int)TH_FAULT_BAD_POINTER || w->fault == (int)TH_FAULT_DOUBLE_FREE) {
                CHECK(s_arg != NULL && h_last_fault_ptr == s_arg);
            }
            /* A fault with no heap is counted by no heap. */
            bool counted_in_heap = !is_null_heap_row(w);
            CHECK_EQ(after.faults[w->fault], before.faults[w->fault] + (counted_in_heap ? 1u : 0u));
        }
        if (h_failures != 0 && w->fault != NONE && (int)h_last_fault != w->fault) {
            h_printf("row %u (%s, %s): fault %s\n", (unsigned)r, w->fn, w->input,
                     kind_name((int)h_last_fault));
        }
        /* The heap exactly as it was: region bytes outside the state, the
         * state but its fault counters, and the O(1) stats. */
        size_t state_off = (size_t)((uint8_t *)H - BASE);
        for (size_t i = 0; i < REGION; i++) {
            if (i >= state_off && i < state_off + sizeof(th_heap)) {
                continue;
            }
            if (s_snap[i] != BASE[i]) {
                h_printf("row %u (%s, %s): byte %u changed\n", (unsigned)r, w->fn, w->input,
                         (unsigned)i);
                h_failures++;
                break;
            }
        }
        for (size_t i = 0; i < sizeof(th_heap); i++) {
            if (s_state_before[i] != s_state_after[i]) {
                h_printf("row %u (%s, %s): heap state byte %u changed\n", (unsigned)r, w->fn,
                         w->input, (unsigned)i);
                h_failures++;
                break;
            }
        }
        CHECK_EQ(after.in_use, before.in_use);
        CHECK_EQ(after.free_bytes, before.free_bytes);
        CHECK_EQ(after.allocs, before.allocs);
        CHECK_EQ(after.frees, before.frees);
        CHECK_EQ(after.failed, before.failed);
        CHECK(th_check(H));
        CHECK_EQ(th_usable_size(H, G), 64 + 4);
        h_printf("| `%s` | %s | %s | %s |\n", w->fn, w->input, w->expect, kind_name(w->fault));
        rows++;
    }
    h_printf("%d bad inputs tried\n", rows);
    return h_failures;
}
