/* SPDX-License-Identifier: MIT */
/*
 * Every public header of tinyheap, compiled as C++ by
 * tests-qemu/scripts/check-headers-cxx.sh (make check's `lint headers-cxx`
 * entry): C++11, C++17 and C++20, with host g++ and clang++ and with
 * arm-none-eabi-g++ for every Cortex-M board, under -Wall -Wextra -Werror
 * -pedantic -Wconversion -Wsign-conversion -Wshadow. The sizing macros are
 * used as constant expressions: in static_assert, as array sizes, in a
 * constexpr function and a template argument. Compiled, never linked.
 */
#include "FreeRTOS.h" /* freertos_heap.h comes after it (the stand-in, -Itests-qemu/freertos) */

#include "baremetal_lock.h"
#include "freertos_heap.h"
#include "th_config.h"
#include "tinyheap.h"
#include "tinyheap.h" /* include guards */

#include <cstddef>
#include <cstdint>

namespace {

constexpr std::size_t kMsgs = 32u, kMsgMax = 100u;

/* Compile-time sizing, as C's static_assert/array uses it. */
static_assert(TH_BLOCK_FOOTPRINT(100) == 104u, "round8(100 + 4 bytes of header)");
static_assert(TH_BLOCK_FOOTPRINT(1) == TH_MIN_BLOCK_BYTES, "no block below the minimum");
static_assert(TH_BLOCK_FOOTPRINT(kMsgMax) % TH_ALIGNMENT == 0u, "whole granules");
static_assert(TH_BLOCK_FOOTPRINT(kMsgMax) >= kMsgMax + TH_BLOCK_OVERHEAD, "header included");
static_assert(TH_REGION_SIZE_FOR(kMsgs, kMsgMax) >=
                  TH_MIN_REGION + kMsgs * TH_BLOCK_FOOTPRINT(kMsgMax),
              "room for the blocks and the heap state");
static_assert(TH_REGION_SIZE_FOR(0, 1) > TH_HEAP_STATE_BYTES, "");
static_assert(TH_HEAP_STATE_BYTES < TH_MIN_REGION, "");
static_assert(TH_MAX_REQUEST < (std::size_t{1} << TH_MAX_BLOCK_LOG2), "");
static_assert(TH_BIN_COUNT >= 8u, "");
static_assert(TH_FAULT_COUNT == 4, "four kinds of fault");
static_assert(sizeof(th_stats::faults) == TH_FAULT_COUNT * sizeof(std::uint32_t), "");

constexpr std::size_t region_for(std::size_t n, std::size_t size)
{
    return TH_REGION_SIZE_FOR(n, size); /* one return statement: C++11 constexpr */
}
static_assert(region_for(kMsgs, kMsgMax) == TH_REGION_SIZE_FOR(kMsgs, kMsgMax), "");

template <std::size_t N, std::size_t Size>
struct StaticHeap {
    alignas(TH_ALIGNMENT) unsigned char bytes[TH_REGION_SIZE_FOR(N, Size)];
};
static_assert(sizeof(StaticHeap<8, 24>) >= TH_REGION_SIZE_FOR(8, 24), "");

/* As array sizes. */
alignas(8) unsigned char pool[TH_REGION_SIZE_FOR(kMsgs, kMsgMax)];
StaticHeap<4, 48>        small_heap;
unsigned char            state_bytes[TH_HEAP_STATE_BYTES];
const std::size_t        footprints[] = {TH_BLOCK_FOOTPRINT(1), TH_BLOCK_FOOTPRINT(kMsgMax),
                                         TH_MIN_REGION, TH_MAX_REQUEST};

/* Callbacks with C++ linkage fit the header's function types. */
unsigned faults[TH_FAULT_COUNT];
void     on_fault(th_heap *h, th_fault kind, const void *ptr)
{
    (void)h;
    (void)ptr;
    switch (kind) {
    case TH_FAULT_BAD_ARGUMENT:
    case TH_FAULT_BAD_POINTER:
    case TH_FAULT_DOUBLE_FREE:
    case TH_FAULT_CORRUPTION:
        faults[kind]++;
        break;
    case TH_FAULT_COUNT:
        break;
    }
}
void on_oom(th_heap *h, std::size_t size)
{
    (void)h;
    (void)size;
}
void on_block(void *user, char kind, const void *addr, std::size_t size)
{
    (void)kind;
    (void)addr;
    *static_cast<std::size_t *>(user) += size;
}

} // namespace

/* Every declaration used once, so that its types are checked in calls. */
std::size_t use_every_header();
std::size_t use_every_header()
{
    th_set_fault_handler(on_fault);
    th_heap *h = th_init(pool, sizeof pool);
    th_set_lock(h, th_baremetal_lock, th_baremetal_unlock, nullptr);
    static th_basepri level = TH_BASEPRI_INIT(5u << 5u);
    th_set_lock(h, th_baremetal_lock_basepri, th_baremetal_unlock_basepri, &level);
    th_set_oom_hook(h, on_oom);
    bool        grew  = th_add_region(h, small_heap.bytes, sizeof small_heap.bytes);
    void       *a     = th_malloc(h, 24u);
    void       *b     = th_calloc(h, 4u, sizeof(std::uint32_t));
    void       *c     = th_realloc(h, a, 200u);
    void       *d     = th_aligned_alloc(h, 32u, 64u);
    void       *e     = th_persistent_alloc(h, 16u, alignof(std::uint64_t));
    std::size_t total = th_usable_size(h, b) + th_free_bytes(h) + th_min_free_bytes(h) +
                        th_largest_free(h) + state_bytes[0] + footprints[3];
    th_stats st = th_get_stats(h);
    th_walk(h, on_block, &total);
    th_reset_min_free(h);
    th_free(h, c);
    th_free(h, b);
    th_free(h, d);
    th_heap *f = th_freertos_heap();
    return total + st.allocs + st.faults[TH_FAULT_DOUBLE_FREE] + (grew ? 1u : 0u) +
           (th_check(h) ? 1u : 0u) + (e != nullptr ? 1u : 0u) + (f != th_default() ? 1u : 0u);
}
