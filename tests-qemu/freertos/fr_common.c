/* SPDX-License-Identifier: MIT */
/*
 * Mode-independent checks of src/port/freertos_heap.c (see fr_common.h):
 * alignment, small requests through the tiny allocator, calloc, the
 * malloc-failed hook and the trace macros (when and with what), clear on
 * free, the failure path of xTaskCreate, HeapStats_t, the low-water mark and
 * its reset, misuse, and the scheduler suspension used as the lock.
 */
#include <stdint.h>
#include <string.h>

#include "FreeRTOS.h"
#include "task.h"

#include "fr_common.h"
#include "freertos_heap.h"
#include "freertos_stubs.h"
#include "harness.h"

volatile unsigned fr_hook_calls, fr_hook_suspended, fr_assert_calls;
volatile unsigned fr_trace_mallocs, fr_trace_frees, fr_trace_outside, fr_free_not_cleared;
void *volatile    fr_last_malloc_pv;
volatile size_t   fr_last_malloc_size;
void *volatile    fr_last_free_pv;
volatile size_t   fr_last_free_size;

void vApplicationMallocFailedHook(void)
{
    fr_hook_calls++;
    if (stub_suspend_depth != 0u) {
        fr_hook_suspended++;
    }
}

void test_assert_failed(const char *file, int line)
{
    (void)file;
    (void)line;
    fr_assert_calls++;
}

void test_trace_malloc(void *pv, size_t size)
{
    fr_trace_mallocs++;
    fr_last_malloc_pv = pv;
    fr_last_malloc_size = size;
    if (stub_suspend_depth == 0u) {
        fr_trace_outside++;
    }
}

void test_trace_free(void *pv, size_t size)
{
    fr_trace_frees++;
    fr_last_free_pv = pv;
    fr_last_free_size = size;
    if (stub_suspend_depth == 0u) {
        fr_trace_outside++;
    }
    /* configHEAP_CLEAR_MEMORY_ON_FREE: zeroed before the free is traced. */
    const unsigned char *b = pv;
    for (size_t i = 0; configHEAP_CLEAR_MEMORY_ON_FREE == 1 && i < size; i++) {
        if (b[i] != 0u) {
            fr_free_not_cleared++;
            break;
        }
    }
}

static void *volatile sink;
static volatile size_t v_max = SIZE_MAX;
static volatile size_t v_zero = 0u;

static HeapStats_t heap_stats(void)
{
    HeapStats_t s;
    memset(&s, 0xEE, sizeof s);
    vPortGetHeapStats(&s);
    return s;
}

static void check_alignment_and_trace(void)
{
    for (size_t n = 1; n <= 100; n++) {
        unsigned m0 = fr_trace_mallocs, f0 = fr_trace_frees;
        unsigned char *p = pvPortMalloc(n);
        CHECK(p != NULL);
        CHECK_EQ((uintptr_t)p & portBYTE_ALIGNMENT_MASK, 0);
        CHECK_EQ(fr_trace_mallocs, m0 + 1u);
        CHECK_PTR_EQ(fr_last_malloc_pv, p);
        CHECK(fr_last_malloc_size >= n);
        size_t traced = fr_last_malloc_size;
        memset(p, 0xA5, n);
        vPortFree(p);
        CHECK_EQ(fr_trace_frees, f0 + 1u);
        CHECK_PTR_EQ(fr_last_free_pv, p);
        CHECK_EQ(fr_last_free_size, traced); /* the same size both ways */
    }
    CHECK_EQ(fr_trace_outside, 0);
    CHECK_EQ(fr_free_not_cleared, 0);
}

#if portBYTE_ALIGNMENT > 8
/* A request's block as heap_4 lays it out: header included, rounded up to
 * the alignment (80 bytes for 64 at 16). */
#define FR_PER(n) (((n) + TH_BLOCK_OVERHEAD + portBYTE_ALIGNMENT_MASK) & ~(size_t)portBYTE_ALIGNMENT_MASK)

/* Above tinyheap's 8, every request is aligned explicitly. Same-size
 * blocks must still pack as heap_4's do, and a heap filled with a mix of
 * sizes must not strand memory in alignment holes. The second half is what
 * the port's rounding (fr_alloc) is for: without it the same-size blocks
 * took fewer bytes (3036 for 40 on the MPS2 AN385: blocks of 72 bytes and
 * the gaps between them), but the mixed fill stopped 7 blocks early with
 * 992 bytes free in holes no request fit. */
static void check_aligned_packing(void)
{
    enum { N = 40, M = 200 };
    static void *blk[M];
    size_t       free0 = xPortGetFreeHeapSize();
    for (size_t i = 0; i < N; i++) {
        blk[i] = pvPortMalloc(64);
        CHECK(blk[i] != NULL);
        CHECK_EQ((uintptr_t)blk[i] & portBYTE_ALIGNMENT_MASK, 0);
    }
    size_t used = free0 - xPortGetFreeHeapSize();
    h_printf("  %u blocks of 64 bytes, %u-aligned: %u bytes\n", (unsigned)N,
             (unsigned)portBYTE_ALIGNMENT, (unsigned)used);
    CHECK(used <= (size_t)N * FR_PER(64u));

    /* The rest of the heap, with a mix of sizes, until the first failure:
     * what is left free must be less than the largest request's block. */
    static const size_t mix[] = {64, 24, 100, 40, 200};
    size_t              n     = N;
    while (n < M && (blk[n] = pvPortMalloc(mix[n % 5u])) != NULL) {
        CHECK_EQ((uintptr_t)blk[n] & portBYTE_ALIGNMENT_MASK, 0);
        n++;
    }
    h_printf("  then %u blocks of 24..200 bytes: %u bytes left free\n", (unsigned)(n - N),
             (unsigned)xPortGetFreeHeapSize());
    CHECK(n < M); /* the heap ran out, not the array */
    CHECK(xPortGetFreeHeapSize() < FR_PER(200u));
    for (size_t i = 0; i < n; i++) {
        vPortFree(blk[i]);
    }
    CHECK_EQ(xPortGetFreeHeapSize(), free0);
    CHECK(th_check(th_freertos_heap()));
}
#else
/* heap_4 spends 16 bytes (8-byte header + 8 rounded) on an 8-byte message
 * and on a 4-byte list node; tinyheap packs two per 16-byte tiny block. */
static void check_small_objects_are_tiny(void)
{
    enum { N = 200 };
    static void *msg[N];
    size_t free0 = xPortGetFreeHeapSize();
    th_stats t0 = th_get_stats(th_freertos_heap());
    for (size_t i = 0; i < N; i++) {
        msg[i] = pvPortMalloc(i % 2u == 0u ? 8u : 4u);
        CHECK(msg[i] != NULL);
        CHECK_EQ((uintptr_t)msg[i] & portBYTE_ALIGNMENT_MASK, 0);
    }
    size_t   used = free0 - xPortGetFreeHeapSize();
    th_stats t1 = th_get_stats(th_freertos_heap());
    CHECK_EQ(t1.tiny_objects, t0.tiny_objects + N);
    h_printf("  %u small objects: %u bytes (heap_4: %u)\n", (unsigned)N, (unsigned)used,
             (unsigned)(N * 16u));
    CHECK(used <= (size_t)N * 12u); /* at least a quarter less than heap_4 */
    for (size_t i = 0; i < N; i++) {
        vPortFree(msg[i]);
    }
    /* 4-byte objects side by side (a list node each), then every size of
     * 1..15 bytes side by side: each still 8-aligned. */
    for (size_t i = 0; i < 16u + 45u; i++) {
        msg[i] = pvPortMalloc(i < 16u ? 4u : 1u + i % 15u);
        CHECK(msg[i] != NULL);
        CHECK_EQ((uintptr_t)msg[i] & portBYTE_ALIGNMENT_MASK, 0);
    }
    for (size_t i = 0; i < 16u + 45u; i++) {
        vPortFree(msg[i]);
    }
    CHECK_EQ(th_get_stats(th_freertos_heap()).tiny_objects, t0.tiny_objects);
    CHECK(th_check(th_freertos_heap()));
}
#endif

static void check_zero_calloc_and_hook(void)
{
    /* pvPortMalloc(0): NULL, traced as (NULL, 0), hook after resuming. */
    unsigned hook0 = fr_hook_calls, m0 = fr_trace_mallocs;
    CHECK(pvPortMalloc(0) == NULL);
    CHECK_EQ(fr_hook_calls, hook0 + 1u);
    CHECK_EQ(fr_trace_mallocs, m0 + 1u);
    CHECK(fr_last_malloc_pv == NULL);
    CHECK_EQ(fr_last_malloc_size, 0);
    CHECK_EQ(fr_hook_suspended, 0);

    /* Oversized: NULL + hook, and no tinyheap fault; traced with the
     * size asked for. */
    unsigned faults0 = h_total_faults;
    CHECK(pvPortMalloc(v_max) == NULL);
    CHECK_EQ(fr_hook_calls, hook0 + 2u);
    CHECK_EQ(h_total_faults, faults0);
    CHECK(fr_last_malloc_pv == NULL);
    CHECK_EQ(fr_last_malloc_size, v_max);

    /* calloc: zeroed; overflow is NULL without the hook; 0 is malloc(0). */
    unsigned char *c = pvPortCalloc(10, 13);
    CHECK(h_all_zero(c, 130u));
    vPortFree(c);
    m0 = fr_trace_mallocs;
    CHECK(pvPortCalloc(v_max / 2u, 3) == NULL);
    CHECK_EQ(fr_hook_calls, hook0 + 2u);
    CHECK_EQ(fr_trace_mallocs, m0); /* never reached pvPortMalloc */
    CHECK(pvPortCalloc(0, 4) == NULL);
    CHECK_EQ(fr_hook_calls, hook0 + 3u);
    /* A zero size the other way round too: pvPortMalloc(0), with the hook. */
    CHECK(pvPortCalloc(4, v_zero) == NULL);
    CHECK_EQ(fr_hook_calls, hook0 + 4u);
    /* A product of exactly SIZE_MAX does not overflow: it is a request
     * pvPortMalloc refuses, with the hook (heap_4's overflow test). */
    CHECK(pvPortCalloc(v_max / 3u, 3) == NULL);
    CHECK_EQ(fr_hook_calls, hook0 + 5u);
    /* The largest requests tinyheap takes: rounded up to portBYTE_ALIGNMENT
     * they may pass TH_MAX_REQUEST, and are then out of memory as well,
     * never a bad argument. */
    for (size_t n = TH_MAX_REQUEST - 2u * (size_t)portBYTE_ALIGNMENT; n <= TH_MAX_REQUEST; n++) {
        unsigned hook1 = fr_hook_calls;
        CHECK(pvPortMalloc(n) == NULL);
        CHECK_EQ(fr_hook_calls, hook1 + 1u);
    }
    CHECK_EQ(h_total_faults, faults0);
    vPortFree(NULL);
}

static void check_clear_on_free(void)
{
    unsigned f0 = fr_trace_frees;
    unsigned char *g = pvPortMalloc(40);
    unsigned char *t = pvPortMalloc(6);
    CHECK(g != NULL && t != NULL);
    memset(g, 0xAB, 40);
    memset(t, 0xCD, 6);
    vPortFree(g);
    vPortFree(t);
    CHECK_EQ(fr_trace_frees, f0 + 2u);
    CHECK_EQ(fr_free_not_cleared, 0);
}

/* xTaskCreate allocates the stack, then the TCB; when the TCB fails it
 * frees the stack again. The heap must come back exactly. */
static void check_task_create_failure_path(void)
{
    enum { MAXB = 64, STACK = 512, TCB = 88 };
    static void *big[MAXB], *tcbs[MAXB];
    size_t nb = 0, nt = 0;
    unsigned hook0 = fr_hook_calls;
    while (nb < MAXB && (big[nb] = pvPortMalloc(STACK)) != NULL) {
        nb++;
    }
    while (nt < MAXB && (tcbs[nt] = pvPortMalloc(TCB)) != NULL) {
        nt++;
    }
    CHECK(nb > 2u && nb < MAXB && nt < MAXB);
    CHECK_EQ(fr_hook_calls, hook0 + 2u);
    vPortFree(big[--nb]); /* room for exactly one stack */

    size_t      free0 = xPortGetFreeHeapSize();
    HeapStats_t s0 = heap_stats();
    void       *stack = pvPortMalloc(STACK);
    CHECK(stack != NULL);
    void *tcb = pvPortMalloc(TCB);
    CHECK(tcb == NULL);
    CHECK_EQ(fr_hook_calls, hook0 + 3u);
    vPortFree(stack);
    HeapStats_t s1 = heap_stats();
    CHECK_EQ(xPortGetFreeHeapSize(), free0);
    CHECK_EQ(s1.xNumberOfSuccessfulAllocations, s0.xNumberOfSuccessfulAllocations + 1u);
    CHECK_EQ(s1.xNumberOfSuccessfulFrees, s0.xNumberOfSuccessfulFrees + 1u);
    CHECK_EQ(s1.xSizeOfLargestFreeBlockInBytes, s0.xSizeOfLargestFreeBlockInBytes);

    while (nb > 0u) {
        vPortFree(big[--nb]);
    }
    while (nt > 0u) {
        vPortFree(tcbs[--nt]);
    }
    CHECK(th_check(th_freertos_heap()));
}

static void check_stats_and_low_water(void)
{
    HeapStats_t s0 = heap_stats();
    CHECK_EQ(s0.xAvailableHeapSpaceInBytes, xPortGetFreeHeapSize());
    CHECK_EQ(s0.xMinimumEverFreeBytesRemaining, xPortGetMinimumEverFreeHeapSize());
    CHECK(s0.xNumberOfFreeBlocks >= 1u);
#if portBYTE_ALIGNMENT <= TH_ALIGNMENT
    /* Above 8, the largest request allows for an alignment gap in front. */
    CHECK(s0.xSizeOfLargestFreeBlockInBytes >= s0.xSizeOfSmallestFreeBlockInBytes);
#endif
    CHECK(s0.xSizeOfLargestFreeBlockInBytes <= s0.xAvailableHeapSpaceInBytes); /* as in heap_4 */

    void *a = pvPortMalloc(1000);
    void *b = pvPortMalloc(300);
    void *c = pvPortMalloc(20);
    CHECK(a != NULL && b != NULL && c != NULL);
    CHECK(pvPortMalloc(0) == NULL); /* failures are not counted */
    vPortFree(b);
    HeapStats_t s1 = heap_stats();
    CHECK_EQ(s1.xNumberOfSuccessfulAllocations, s0.xNumberOfSuccessfulAllocations + 3u);
    CHECK_EQ(s1.xNumberOfSuccessfulFrees, s0.xNumberOfSuccessfulFrees + 1u);
    CHECK(s1.xAvailableHeapSpaceInBytes < s0.xAvailableHeapSpaceInBytes);
    CHECK(s1.xNumberOfFreeBlocks >= 2u); /* b's hole and the rest */
    vPortFree(a);
    vPortFree(c);

    /* The low-water mark stays below the current free size until reset. */
    size_t now = xPortGetFreeHeapSize();
    CHECK(xPortGetMinimumEverFreeHeapSize() <= now - 1300u);
    xPortResetHeapMinimumEverFreeHeapSize();
    CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), now);
    void *d = pvPortMalloc(500);
    CHECK(d != NULL);
    size_t low = xPortGetFreeHeapSize();
    vPortFree(d);
    CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), low);
    CHECK(low < now);
    CHECK_EQ(heap_stats().xMinimumEverFreeBytesRemaining, low);
}

#if portBYTE_ALIGNMENT <= TH_ALIGNMENT
/* A heap with no free block left: what heap_4 reports then (smallest
 * SIZE_MAX, largest 0, no blocks). (th_malloc(th_largest_free()) must
 * succeed; with a larger portBYTE_ALIGNMENT the port rounds the request.) */
static void check_full_heap_stats(void)
{
    enum { MAXB = 48 };
    static void *blk[MAXB];
    size_t       n = 0;
    while (n < MAXB) {
        size_t want = th_largest_free(th_freertos_heap());
        if (want == 0u || (blk[n] = pvPortMalloc(want)) == NULL) {
            break;
        }
        n++;
    }
    th_stats    t = th_get_stats(th_freertos_heap());
    HeapStats_t s = heap_stats();
    CHECK(n < MAXB);
    CHECK_EQ(t.free_blocks, 0); /* every free block was handed out */
    CHECK(s.xSizeOfSmallestFreeBlockInBytes == SIZE_MAX);
    CHECK_EQ(s.xSizeOfLargestFreeBlockInBytes, 0);
    CHECK_EQ(s.xNumberOfFreeBlocks, 0);
    while (n > 0u) {
        vPortFree(blk[--n]);
    }
    CHECK(th_check(th_freertos_heap()));
}
#endif

#if portBYTE_ALIGNMENT <= TH_ALIGNMENT
/* The free size is the bytes an allocation could still use: once the
 * smallest request (portBYTE_ALIGNMENT bytes) fails too, it is 0, whatever
 * sizes filled the heap, and so are the low-water mark and the stats. With
 * 9..12-byte objects the port used to leave each block's fourth 4-byte unit
 * free, counted in the free size, where no request of the port fits. The
 * objects are chained through their first word: no array to size. */
static void check_free_size_is_usable(void)
{
    static const size_t sizes[] = {8u, 9u, 12u, 13u, 16u, 20u, 24u, 100u};
    size_t              free0   = xPortGetFreeHeapSize();
    unsigned            hook0   = fr_hook_calls;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        void  *head = NULL;
        size_t n    = 0;
        xPortResetHeapMinimumEverFreeHeapSize(); /* the mark starts at free0 */
        for (size_t want = sizes[k];; want = (size_t)portBYTE_ALIGNMENT) {
            void **p;
            while ((p = pvPortMalloc(want)) != NULL) {
                *p   = head;
                head = p;
                n++;
            }
            if (want == (size_t)portBYTE_ALIGNMENT) {
                break;
            }
        }
        HeapStats_t st = heap_stats();
        if (!CHECK_EQ(xPortGetFreeHeapSize(), 0)) {
            h_printf("  %u-byte objects: %u bytes said free\n", (unsigned)sizes[k],
                     (unsigned)xPortGetFreeHeapSize());
        }
        CHECK_EQ(xPortGetMinimumEverFreeHeapSize(), 0);
        CHECK_EQ(st.xAvailableHeapSpaceInBytes, 0);
        CHECK_EQ(st.xMinimumEverFreeBytesRemaining, 0);
        CHECK(n > 0u);
        while (head != NULL) {
            void *next = *(void **)head;
            vPortFree(head);
            head = next;
        }
        CHECK_EQ(xPortGetFreeHeapSize(), free0);
    }
    CHECK(fr_hook_calls > hook0);
    CHECK(th_check(th_freertos_heap()));
}
#endif

/* xSizeOfLargestFreeBlockInBytes is a request pvPortMalloc serves now (and,
 * at portBYTE_ALIGNMENT 8 or less, exactly the largest: one more byte
 * fails). The one-more request goes first: a failing call may give an idle
 * slab back, which only makes more room. */
static void expect_largest_served(const char *when)
{
    size_t l = heap_stats().xSizeOfLargestFreeBlockInBytes;
#if portBYTE_ALIGNMENT <= TH_ALIGNMENT
    void *q = pvPortMalloc(l + 1u);
    if (!CHECK(q == NULL)) {
        h_printf("  %s: largest free %u, yet %u bytes served\n", when, (unsigned)l,
                 (unsigned)l + 1u);
    }
    vPortFree(q);
#endif
    if (l != 0u) {
        void *p = pvPortMalloc(l);
        if (!CHECK(p != NULL)) {
            h_printf("  %s: largest free %u not served\n", when, (unsigned)l);
        }
        vPortFree(p);
    }
}

/* The largest free block heads neither its size class nor the heap: a
 * smaller block of the same class does (freed after it). heap_4 would serve
 * a request of the largest block's size; the stat here says what is served. */
static void check_largest_is_served(void)
{
    size_t free0 = xPortGetFreeHeapSize();
    expect_largest_served("empty");
    void *a  = pvPortMalloc(1196);
    void *s1 = pvPortMalloc(40);
    void *b  = pvPortMalloc(1092);
    void *s2 = pvPortMalloc(40);
    CHECK(a != NULL && s1 != NULL && b != NULL && s2 != NULL);
    void  *head = NULL;
    void **p;
    while ((p = pvPortMalloc(40)) != NULL) {
        *p   = head;
        head = p;
    }
    expect_largest_served("full");
    vPortFree(a);
    expect_largest_served("one hole");
    vPortFree(b);
    expect_largest_served("two holes");
    while (head != NULL) {
        void *next = *(void **)head;
        vPortFree(head);
        head = next;
    }
    vPortFree(s1);
    vPortFree(s2);
    expect_largest_served("emptied");
    CHECK_EQ(xPortGetFreeHeapSize(), free0);
    CHECK(th_check(th_freertos_heap()));
}

static void check_misuse(void)
{
    unsigned df0 = h_fault_count[TH_FAULT_DOUBLE_FREE];
    unsigned f0 = fr_trace_frees;
    void    *p = pvPortMalloc(100);
    sink = p;
    vPortFree(p);
    size_t free0 = xPortGetFreeHeapSize();
    HeapStats_t s0 = heap_stats();
    vPortFree(p); /* a second time: reported, ignored */
    CHECK_EQ(h_fault_count[TH_FAULT_DOUBLE_FREE], df0 + 1u);
    CHECK_EQ(fr_trace_frees, f0 + 1u); /* not traced as a free */
    CHECK_EQ(xPortGetFreeHeapSize(), free0);
    CHECK_EQ(heap_stats().xNumberOfSuccessfulFrees, s0.xNumberOfSuccessfulFrees);
    CHECK(th_check(th_freertos_heap()));

    /* A pointer into a live block, and one from outside the heap: each
     * reported once as a bad pointer, not traced, nothing changed; the block
     * still frees normally. */
    static uint64_t elsewhere[4];
    unsigned        bp0 = h_fault_count[TH_FAULT_BAD_POINTER];
    unsigned char  *q   = pvPortMalloc(100);
    CHECK(q != NULL);
    f0    = fr_trace_frees;
    free0 = xPortGetFreeHeapSize();
    vPortFree(q + 16);
    vPortFree(&elsewhere[1]);
    CHECK_EQ(h_fault_count[TH_FAULT_BAD_POINTER], bp0 + 2u);
    CHECK_EQ(fr_trace_frees, f0);
    CHECK_EQ(xPortGetFreeHeapSize(), free0);
    vPortFree(q);
    CHECK_EQ(fr_trace_frees, f0 + 1u);
    CHECK(th_check(th_freertos_heap()));

    /* vPortGetHeapStats(NULL), vPortDefineHeapRegions(NULL): configASSERT,
     * and nothing else. */
    unsigned a0 = fr_assert_calls;
    vPortGetHeapStats(NULL);
    CHECK_EQ(fr_assert_calls, a0 + 1u);
    vPortDefineHeapRegions(NULL);
    CHECK_EQ(fr_assert_calls, a0 + 2u);
    fr_assert_calls = a0; /* expected: the tests' "no assert" checks hold */
}

static void check_suspension(void)
{
    unsigned calls0 = stub_suspend_calls;
    stub_suspend_max = 0;
    void *p = pvPortMalloc(64);
    vPortFree(p);
    CHECK(stub_suspend_calls > calls0);
    CHECK_EQ(stub_suspend_calls, stub_resume_calls);
    CHECK_EQ(stub_suspend_depth, 0);
    /* The port's own suspension around the heap's lock slot: nested. */
    CHECK(stub_suspend_max >= 2u);
}

void fr_common_checks(void)
{
    check_alignment_and_trace();
#if portBYTE_ALIGNMENT > 8
    check_aligned_packing();
#else
    check_small_objects_are_tiny();
#endif
    check_zero_calloc_and_hook();
    check_clear_on_free();
    check_task_create_failure_path();
    check_stats_and_low_water();
    check_largest_is_served();
#if portBYTE_ALIGNMENT <= TH_ALIGNMENT
    check_full_heap_stats();
    check_free_size_is_usable();
#endif
    check_misuse();
    check_suspension();
    CHECK_EQ(stub_suspend_depth, 0);
    CHECK_EQ(fr_hook_suspended, 0);
    CHECK_EQ(fr_trace_outside, 0);
}
