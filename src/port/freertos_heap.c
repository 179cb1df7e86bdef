/* SPDX-License-Identifier: MIT */
/*
 * freertos_heap.c: tinyheap as the FreeRTOS heap. Compile this one file
 * instead of portable/MemMang/heap_4.c or heap_5.c (plus the library, src/th_*.c); it
 * defines the whole heap API of FreeRTOS V11 (pvPortMalloc, vPortFree,
 * pvPortCalloc, xPortGetFreeHeapSize, xPortGetMinimumEverFreeHeapSize,
 * xPortResetHeapMinimumEverFreeHeapSize, vPortGetHeapStats,
 * vPortDefineHeapRegions, vPortInitialiseBlocks, vPortHeapResetState) and
 * uses only the kernel's public headers (FreeRTOS.h, task.h, portable.h).
 *
 * Two modes, chosen at compile time by TH_FREERTOS_HEAP (FreeRTOSConfig.h
 * or -D), by default 4 when configTOTAL_HEAP_SIZE is defined, else 5:
 *   4  like heap_4: one array ucHeap[configTOTAL_HEAP_SIZE] (defined here,
 *      or by the application with configAPPLICATION_ALLOCATED_HEAP 1),
 *      set up by the first pvPortMalloc. vPortDefineHeapRegions may add
 *      further RAM banks to it.
 *   5  like heap_5: no array; vPortDefineHeapRegions must run, once, before
 *      the first allocation, with regions in ascending address order ending
 *      with a { NULL, 0 } entry (both asserted). At most TH_MAX_REGIONS.
 *
 * Behaviour kept from heap_4/heap_5, because kernel code and applications
 * rely on it: pvPortMalloc(0) returns NULL and calls the malloc-failed hook;
 * a calloc whose size overflows returns NULL without the hook; nothing is
 * counted before the first allocation (free size 0, smallest free block
 * SIZE_MAX); traceMALLOC runs inside the suspended section on every call,
 * with NULL on failure; the hook runs after the scheduler is resumed;
 * configHEAP_CLEAR_MEMORY_ON_FREE zeroes the block before the lock is
 * taken; heap calls are not allowed from interrupts (scheduler suspension,
 * not a critical section, is the lock).
 *
 * What differs, and why:
 * - Sizes are tinyheap's: trace sizes are the block's usable size (the same
 *   for a block's traceMALLOC and traceFREE), and on failure the size asked
 *   for (heap_4 passes it with its header and alignment added); free sizes
 *   are the bytes an allocation could still use (th_stats.free_bytes: exact
 *   while every allocation is the port's, which is why fr_alloc gives a
 *   9..12-byte request a whole tiny block; a 1..4-byte th_malloc on this
 *   heap can leave a unit beside it that only such a request fits), and
 *   free blocks are tinyheap's general blocks, counted as the bytes a request
 *   could use in them (room inside tiny blocks counts in the free bytes, not
 *   in the block statistics).
 * - xPortGetFreeHeapSize, xPortGetMinimumEverFreeHeapSize,
 *   xPortResetHeapMinimumEverFreeHeapSize and vPortDefineHeapRegions suspend
 *   the scheduler (the heap's lock), as pvPortMalloc does in heap_4: call
 *   them from tasks, not from critical sections or the tick hook. Before the
 *   scheduler starts, the kernel's xTaskResumeAll leaves interrupts masked
 *   (as after any pvPortMalloc there).
 * - configENABLE_HEAP_PROTECTOR (V11) is not used: tinyheap validates every
 *   pointer freed, and seals its headers, by its own means.
 * - Small requests use the tiny allocator: every request below
 *   portBYTE_ALIGNMENT is rounded up to it, so a 1..15-byte message costs
 *   8 or 16 bytes of a shared block instead of heap_4's 16..24, and is still
 *   portBYTE_ALIGNMENT-aligned (tinyheap aligns an 8..15-byte object to 8).
 *   With portBYTE_ALIGNMENT above 8, every request is aligned explicitly.
 * - Misuse (freeing a pointer twice or one that is not a block) goes to
 *   tinyheap's fault handler, which leaves the heap unchanged; heap_4 would
 *   configASSERT. Set one with th_set_fault_handler() to route it to your
 *   assert handler.
 * - xPortGetFreeHeapSize and xPortGetMinimumEverFreeHeapSize read
 *   tinyheap's counters (O(1)) under the heap's lock (scheduler
 *   suspension), so they are for tasks only; heap_4's read one variable.
 *   vPortGetHeapStats walks the blocks (O(n), under the lock) for the
 *   block count and the smallest block.
 * - The heap's own lock slot holds the same vTaskSuspendAll/xTaskResumeAll
 *   pair, so th_get_stats/th_walk/th_check on th_freertos_heap() are safe from
 *   tasks too; suspension nests, so the port's outer suspension makes the
 *   inner one a counter increment.
 */

/* Keep task.h from mapping vTaskSuspendAll to its MPU wrapper: the heap
 * runs privileged, as the kernel's own heap files do. */
#define MPU_WRAPPERS_INCLUDED_FROM_API_FILE
#include "FreeRTOS.h"
#include "task.h"
#undef MPU_WRAPPERS_INCLUDED_FROM_API_FILE

#include <stdint.h>
#include <string.h>

#include "freertos_heap.h"

#if (configSUPPORT_DYNAMIC_ALLOCATION == 0)
#error "freertos_heap.c: configSUPPORT_DYNAMIC_ALLOCATION is 0, so no heap is needed"
#endif

#ifndef configHEAP_CLEAR_MEMORY_ON_FREE
#define configHEAP_CLEAR_MEMORY_ON_FREE 0
#endif

/* Whether traceFREE does anything (the kernel's default expands to
 * nothing): its expansion, as a string, is longer than "". vPortFree asks
 * tinyheap for the block's size only when the trace or the clearing needs
 * it, and then only once, so a bad pointer is reported once. */
#define FR_STR(...)  #__VA_ARGS__
#define FR_XSTR(...) FR_STR(__VA_ARGS__)
#define FR_TRACES_FREE (sizeof(FR_XSTR(traceFREE(pv, n))) > 1u)
#ifndef PRIVILEGED_DATA
#define PRIVILEGED_DATA
#endif

#ifndef TH_FREERTOS_HEAP
#ifdef configTOTAL_HEAP_SIZE
#define TH_FREERTOS_HEAP 4
#else
#define TH_FREERTOS_HEAP 5
#endif
#endif
#if TH_FREERTOS_HEAP != 4 && TH_FREERTOS_HEAP != 5
#error "TH_FREERTOS_HEAP must be 4 (one array, like heap_4) or 5 (regions, like heap_5)"
#endif

#if (configUSE_MALLOC_FAILED_HOOK == 1)
/* The kernel declares it in some versions (portable.h) and expects the heap
 * to in others. Declaring it here works with both. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wredundant-decls"
void vApplicationMallocFailedHook(void);
#pragma GCC diagnostic pop
#endif

#if TH_FREERTOS_HEAP == 4
#if (configAPPLICATION_ALLOCATED_HEAP == 1)
extern uint8_t ucHeap[configTOTAL_HEAP_SIZE];
#else
PRIVILEGED_DATA static uint8_t ucHeap[configTOTAL_HEAP_SIZE];
#endif
#endif

/* The heap; NULL until set up (heap_4: first allocation; heap_5:
 * vPortDefineHeapRegions) and again after vPortHeapResetState. */
PRIVILEGED_DATA static th_heap *fr_the_heap;
#if TH_FREERTOS_HEAP == 5
PRIVILEGED_DATA static BaseType_t fr_regions_defined;
#endif

/* ---- Internal definitions ------------------------------------------------ */

/* Smaller extra regions are skipped: th_add_region would take one of about
 * 32 bytes (a page-map word, a minimal block, the end sentinel), and spend
 * one of the TH_MAX_REGIONS slots on a few bytes of heap (test_freertos5). */
#define FR_MIN_EXTRA_REGION 64u

static void fr_lock(void *ctx)
{
    (void)ctx;
    vTaskSuspendAll();
}

static void fr_unlock(void *ctx)
{
    (void)ctx;
    (void)xTaskResumeAll();
}

/* Asserts that a region of `size` bytes the heap took `gained` of (its
 * capacity grew by that) lost at most a scrap: one over 2^TH_MAX_BLOCK_LOG2
 * bytes takes a slot per piece, and past the last slot its end is left out. */
static void fr_assert_whole(size_t gained, size_t size)
{
    configASSERT(size - gained < ((size_t)1 << TH_TINY_SLAB_LOG2));
    (void)gained; /* configASSERT may be empty */
    (void)size;
}

static size_t fr_capacity(void)
{
    return fr_the_heap != NULL ? th_get_stats(fr_the_heap).capacity : 0u;
}

static void fr_adopt(th_heap *h)
{
    th_set_lock(h, fr_lock, fr_unlock, NULL);
    fr_the_heap = h;
}

/* The heap, set up on first use in heap_4 mode. Scheduler suspended. */
static th_heap *fr_heap_get(void)
{
#if TH_FREERTOS_HEAP == 4
    if (fr_the_heap == NULL) {
        th_heap *h = th_init(ucHeap, sizeof ucHeap);
        configASSERT(h != NULL); /* configTOTAL_HEAP_SIZE below TH_MIN_REGION */
        if (h != NULL) {
            fr_adopt(h);
            fr_assert_whole(fr_capacity(), sizeof ucHeap);
        }
    }
#else
    configASSERT(fr_the_heap != NULL); /* call vPortDefineHeapRegions first */
#endif
    return fr_the_heap;
}

#if portBYTE_ALIGNMENT > TH_ALIGNMENT
/* One allocation with the portBYTE_ALIGNMENT guarantee (see the top). */
static void *fr_alloc(th_heap *h, size_t n)
{
    /* A block (header included) of a whole number of alignments, so that
     * a block carved right after an aligned one is aligned too, instead of
     * leaving an alignment gap too small to be a free block. n is at most
     * TH_MAX_REQUEST here: no wrap. */
    n = ((n + TH_BLOCK_OVERHEAD + (size_t)portBYTE_ALIGNMENT_MASK) &
         ~(size_t)portBYTE_ALIGNMENT_MASK) - TH_BLOCK_OVERHEAD;
    if (n > TH_MAX_REQUEST) {
        return NULL; /* rounded past the largest request: no block is that large */
    }
    return th_aligned_alloc(h, (size_t)portBYTE_ALIGNMENT, n);
}

/* The largest request pvPortMalloc serves now, from the largest th_malloc
 * serves (see below): th_aligned_alloc may need a free block's worth of gap
 * in front, and fr_alloc makes the block a whole number of alignments. */
static size_t fr_largest_request(size_t l)
{
    const size_t gap = (size_t)portBYTE_ALIGNMENT + TH_MIN_BLOCK_BYTES - TH_ALIGNMENT;
    if (l < gap + (size_t)portBYTE_ALIGNMENT) {
        return 0u;
    }
    return ((l - gap + TH_BLOCK_OVERHEAD) & ~(size_t)portBYTE_ALIGNMENT_MASK) - TH_BLOCK_OVERHEAD;
}
#else
/* The size fr_alloc asks th_malloc for, for a request of n bytes, keeping
 * the portBYTE_ALIGNMENT guarantee (see the top). Never less than n. */
static size_t fr_request(size_t n)
{
#if TH_TINY_ALIGN_GO
    /* Go's tiny rule aligns by the size's lowest set bit: make the size a
     * multiple of the alignment. Requests are raised to 8 below, but an
     * object the application takes with th_malloc(th_freertos_heap(), 4)
     * fills a lone 4-byte unit, and a 12-byte object could start right
     * after it (test_freertos4_go). */
    if (n < 16u) {
        n = (n + (size_t)portBYTE_ALIGNMENT_MASK) & ~(size_t)portBYTE_ALIGNMENT_MASK;
    }
#elif TH_TINY && portBYTE_ALIGNMENT == 8
    /* A 9..12-byte object takes three of a tiny block's four units; the
     * fourth fits only a request of 1..4 bytes, which this port never makes.
     * Asking for the whole block costs no room pvPortMalloc could use, and
     * keeps the free size the bytes an allocation could still use. */
    if (n > 8u && n <= 12u) {
        n = TH_TINY_MAX;
    }
#endif
    if (n < (size_t)portBYTE_ALIGNMENT) {
        n = (size_t)portBYTE_ALIGNMENT;
    }
    return n;
}

static void *fr_alloc(th_heap *h, size_t n) { return th_malloc(h, fr_request(n)); }

/* The largest request pvPortMalloc serves now, from the largest th_malloc
 * serves (th_stats.largest_free, O(1)). It is what an application reads
 * xSizeOfLargestFreeBlockInBytes for ("will a buffer of n bytes fit?"), and
 * in heap_4 the largest block always serves a request of its size less its
 * header. Here the largest free block need not (a segregated fit takes the
 * head of a size class, and a block over TH_MAX_REQUEST serves no more), so
 * the figure is the largest n whose rounded request fr_request(n) is at
 * most `l`. fr_request raises only requests under 16, to 16 at most, so at
 * most 15 smaller n are tried. */
static size_t fr_largest_request(size_t l)
{
    size_t n = l;
    while (n != 0u && fr_request(n) > l) { /* at most 15 times (above) */
        n--;
    }
    return n;
}
#endif

/* ---- The FreeRTOS heap API --------------------------------------------- */

void *pvPortMalloc(size_t xWantedSize)
{
    void *pv = NULL;
    vTaskSuspendAll();
    {
        th_heap *h = fr_heap_get();
        /* 0 is a failure, as in heap_4; oversized requests are answered
         * here so that they are not reported as tinyheap faults. */
        if (h != NULL && xWantedSize != 0u && xWantedSize <= TH_MAX_REQUEST) {
            pv = fr_alloc(h, xWantedSize);
        }
        /* On failure, the size asked for (heap_4 gives its adjusted size). */
        traceMALLOC(pv, pv != NULL ? th_usable_size(h, pv) : xWantedSize);
    }
    (void)xTaskResumeAll();

#if (configUSE_MALLOC_FAILED_HOOK == 1)
    if (pv == NULL) {
        vApplicationMallocFailedHook();
    } else {
        mtCOVERAGE_TEST_MARKER();
    }
#endif
    configASSERT(((uintptr_t)pv & (uintptr_t)portBYTE_ALIGNMENT_MASK) == 0u);
    return pv;
}

void vPortFree(void *pv)
{
    th_heap *h = fr_the_heap;
    if (pv == NULL) {
        return;
    }
    configASSERT(h != NULL); /* freeing before any allocation */
    if (h == NULL) {
        return;
    }
    size_t n = 0u;
    if (configHEAP_CLEAR_MEMORY_ON_FREE == 1 || FR_TRACES_FREE) {
        n = th_usable_size(h, pv);
        if (n == 0u) {
            return; /* not a live block: reported (once), nothing changes */
        }
        if (configHEAP_CLEAR_MEMORY_ON_FREE == 1) {
            (void)memset(pv, 0, n);
        }
    }
    vTaskSuspendAll();
    {
        traceFREE(pv, n);
        th_free(h, pv);
    }
    (void)xTaskResumeAll();
}

void *pvPortCalloc(size_t xNum, size_t xSize)
{
    /* Overflow: NULL without the hook, as heap_4 does. */
    if (xSize != 0u && xNum > SIZE_MAX / xSize) {
        return NULL;
    }
    void *pv = pvPortMalloc(xNum * xSize);
    if (pv != NULL) {
        (void)memset(pv, 0, xNum * xSize);
    }
    return pv;
}

size_t xPortGetFreeHeapSize(void)
{
    th_heap *h = fr_the_heap;
    return h != NULL ? th_free_bytes(h) : 0u;
}

size_t xPortGetMinimumEverFreeHeapSize(void)
{
    th_heap *h = fr_the_heap;
    return h != NULL ? th_min_free_bytes(h) : 0u;
}

void xPortResetHeapMinimumEverFreeHeapSize(void)
{
    vTaskSuspendAll();
    {
        th_heap *h = fr_the_heap;
        if (h != NULL) {
            th_reset_min_free(h);
        }
    }
    (void)xTaskResumeAll();
}

void vPortGetHeapStats(HeapStats_t *pxHeapStats)
{
    configASSERT(pxHeapStats != NULL);
    if (pxHeapStats == NULL) {
        return;
    }
    th_heap *h = fr_the_heap;
    /* Before the heap exists: what heap_4 reports before its first call. */
    HeapStats_t st = {0};
    st.xSizeOfSmallestFreeBlockInBytes = SIZE_MAX;
    if (h != NULL) {
        th_stats s = th_get_stats(h); /* one snapshot, taken under the lock */
        /* Free blocks as the bytes a request could use in them (header
         * off), as xAvailableHeapSpaceInBytes counts them: largest never
         * exceeds available, as in heap_4, where both include headers. */
        st.xAvailableHeapSpaceInBytes     = s.free_bytes;
        st.xSizeOfLargestFreeBlockInBytes = fr_largest_request(s.largest_free);
        st.xSizeOfSmallestFreeBlockInBytes =
            s.smallest_free != SIZE_MAX ? s.smallest_free - TH_BLOCK_OVERHEAD : SIZE_MAX;
        st.xNumberOfFreeBlocks = s.free_blocks;
        st.xMinimumEverFreeBytesRemaining = s.min_free_bytes;
        st.xNumberOfSuccessfulAllocations = s.allocs;
        st.xNumberOfSuccessfulFrees = s.frees;
    }
    *pxHeapStats = st;
}

void vPortDefineHeapRegions(const HeapRegion_t *const pxHeapRegions)
{
    configASSERT(pxHeapRegions != NULL);
    if (pxHeapRegions == NULL) {
        return;
    }
    vTaskSuspendAll();
    {
        /* No heap yet: this call builds it (heap_5, or heap_4 before the
         * first pvPortMalloc); else it adds banks to the one there. */
        BaseType_t built = fr_the_heap == NULL ? pdTRUE : pdFALSE;
#if TH_FREERTOS_HEAP == 5
        configASSERT(fr_regions_defined == pdFALSE); /* once, like heap_5 */
        BaseType_t go = fr_regions_defined == pdFALSE ? pdTRUE : pdFALSE;
        fr_regions_defined = pdTRUE;
#else
        BaseType_t go = fr_heap_get() != NULL ? pdTRUE : pdFALSE;
#endif
        /* Check the whole list first: ascending and non-overlapping, as
         * heap_5 asserts. */
        uintptr_t prev_end = 0u;
        for (const HeapRegion_t *r = pxHeapRegions; go == pdTRUE && r->xSizeInBytes != 0u; r++) {
            uintptr_t start = (uintptr_t)r->pucStartAddress;
            configASSERT(start >= prev_end);
            if (start < prev_end) {
                go = pdFALSE;
            }
            prev_end = start + r->xSizeInBytes;
        }
        /* The heap state goes into the first region large enough for it;
         * the others are added around it, in order. */
        const HeapRegion_t *first = NULL;
        for (const HeapRegion_t *r = pxHeapRegions; go == pdTRUE && fr_the_heap == NULL &&
                                                    r->xSizeInBytes != 0u;
             r++) {
            th_heap *h = th_init(r->pucStartAddress, r->xSizeInBytes);
            if (h != NULL) {
                fr_adopt(h);
                first = r;
                fr_assert_whole(fr_capacity(), r->xSizeInBytes);
            }
        }
        for (const HeapRegion_t *r = pxHeapRegions;
             go == pdTRUE && fr_the_heap != NULL && r->xSizeInBytes != 0u; r++) {
            /* A region too small to hold a block is ignored. Past the
             * heap's TH_MAX_REGIONS slots (a region over 2^TH_MAX_BLOCK_LOG2
             * bytes takes several), the rest of the list, or of a region,
             * is left out with an assert, and the heap built so far is kept. */
            if (r != first && r->xSizeInBytes >= FR_MIN_EXTRA_REGION) {
                th_stats before = th_get_stats(fr_the_heap); /* slots and capacity */
                configASSERT(before.regions < (size_t)TH_MAX_REGIONS);
                if (before.regions >= (size_t)TH_MAX_REGIONS) {
                    break;
                }
                if (th_add_region(fr_the_heap, r->pucStartAddress, r->xSizeInBytes)) {
                    fr_assert_whole(fr_capacity() - before.capacity, r->xSizeInBytes);
                }
            }
        }
        configASSERT(fr_the_heap != NULL); /* no region holds the heap state */
        if (built == pdTRUE && fr_the_heap != NULL) {
            /* Built here: the low-water mark starts at every region's free
             * bytes, as heap_5's does, not at the first region's (or
             * ucHeap's) alone. A bank added to a heap that existed keeps
             * the mark it had. */
            th_reset_min_free(fr_the_heap);
        }
    }
    (void)xTaskResumeAll();
}

void vPortInitialiseBlocks(void)
{
    /* Nothing: kept for old code, as in heap_4. */
}

void vPortHeapResetState(void)
{
    /* The heap's state lives inside its first region: forgetting the
     * pointer is enough. The next allocation (heap_4 mode) or the next
     * vPortDefineHeapRegions (heap_5 mode) builds a new heap. */
    fr_the_heap = NULL;
#if TH_FREERTOS_HEAP == 5
    fr_regions_defined = pdFALSE;
#endif
}

th_heap *th_freertos_heap(void)
{
    return fr_the_heap;
}
