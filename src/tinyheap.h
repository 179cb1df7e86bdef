/* SPDX-License-Identifier: MIT */
/*
 * tinyheap: a bounded-time memory allocator for microcontrollers.
 *
 * This is the only header an application includes. A heap is built over one
 * or more regions of RAM and serves three kinds of memory:
 *
 *   - persistent memory (th_persistent_alloc): bump allocation, no header,
 *     never freed; for boot-time objects;
 *   - tiny objects (th_malloc of 1..15 bytes): packed several to a 16-byte
 *     block, freed one by one; a block goes back when its last object dies
 *     (a 16-byte request takes a block of its own: TH_TINY_MAX);
 *   - general blocks (everything else): two-level segregated fit with a
 *     4-byte header, immediate coalescing, bounded worst case.
 *
 * Every function below documents, in this order: what it does, its
 * preconditions, its result on failure, its time bound and its thread
 * safety. "Constant time" means bounded by a constant that depends neither on
 * the number of blocks nor on the size of the heap; README.md ("Bounds per
 * call") gives that constant in instructions per target, computed from the
 * linked code (`make bound`: Cortex-M3 malloc 2291, free 1249 in the default
 * release build), beside what `make bench` measures.
 *
 * Misuse (a pointer that is not a live block, a size that overflows, an
 * alignment that is not a power of two, metadata found corrupted) never
 * corrupts the heap: the call invokes the fault handler, counts the fault in
 * th_stats.faults[kind], leaves the heap exactly as it was and returns its
 * documented failure value. (th_check and th_walk, which never write the
 * heap, call the handler without counting.)
 *
 * The heap argument: every function that takes `h` treats a NULL `h`, or
 * one whose state does not carry the heap's magic word, as
 * TH_FAULT_BAD_ARGUMENT and returns NULL, false, 0 or a zeroed struct, or
 * does nothing when it returns void. The handler is then called with
 * h == NULL and ptr the handle passed, no lock is taken (there is no heap
 * to lock) and the fault is counted nowhere (there is no heap to count it
 * in). The per-function lists below name only their other failures.
 *
 * Thread safety: the core takes no lock itself. Each heap has a lock slot
 * (th_set_lock) that the ports fill; every public function that reads or
 * changes a heap calls lock() on entry and unlock() on exit. Without a lock,
 * a heap must be used from one context at a time.
 */
#ifndef TINYHEAP_H
#define TINYHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "th_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Attribute macros (GCC/Clang; empty elsewhere) ---------------------- */
#if defined(__GNUC__) || defined(__clang__)
#define TH_MALLOC_LIKE       __attribute__((malloc))
#define TH_ALLOC_SIZE(i)     __attribute__((alloc_size(i)))
#define TH_ALLOC_SIZE2(i, j) __attribute__((alloc_size(i, j)))
#define TH_WARN_UNUSED       __attribute__((warn_unused_result))
#else
#define TH_MALLOC_LIKE
#define TH_ALLOC_SIZE(i)
#define TH_ALLOC_SIZE2(i, j)
#define TH_WARN_UNUSED
#endif

/* ---- Sizing constants (constant expressions) ---------------------------- */

/* A conversion to size_t in the macros below: the C cast in C, a
 * static_cast in C++, so that they expand clean under -Wold-style-cast
 * there (GCC's -Wuseless-cast still flags an argument that is a size_t
 * already). */
#ifdef __cplusplus
#define TH_SIZE_T(x) (static_cast<size_t>(x))
#else
#define TH_SIZE_T(x) ((size_t)(x))
#endif

/** Alignment of every general block's payload, in bytes. */
#define TH_ALIGNMENT 8u

/** Bytes of header each general block carries in front of its payload. */
#define TH_BLOCK_OVERHEAD 4u

/** Largest request th_malloc accepts as an argument. Larger sizes are a
 *  TH_FAULT_BAD_ARGUMENT, never a wrap-around. Requests up to it that do not
 *  fit are out of memory. One general block holds at most 2^TH_MAX_BLOCK_LOG2
 *  bytes including its header. */
#define TH_MAX_REQUEST ((TH_SIZE_T(1) << TH_MAX_BLOCK_LOG2) - TH_SIZE_T(16))

/** Bytes the heap's own state takes at the start of the first region: an
 *  upper bound, for sizing (th_region.c asserts it at compile time). */
#define TH_HEAP_STATE_BYTES                                                               \
    ((TH_SIZE_T(24) + TH_BIN_COUNT + TH_SIZE_T(4) * TH_SIZE_T(TH_MAX_REGIONS)) * sizeof(void *) + 64u)

/** Smallest region th_init accepts (an upper bound): the heap state, the
 *  alignment slack of `base`, a page-map word, one minimal block and the
 *  end sentinel. */
#define TH_MIN_REGION (TH_HEAP_STATE_BYTES + 48u)

/** Bytes of heap one general block of `size` payload bytes takes (`size`
 *  at most TH_MAX_REQUEST). */
#define TH_BLOCK_FOOTPRINT(size)                                                          \
    (((TH_SIZE_T(size) + TH_BLOCK_OVERHEAD + 7u) & ~TH_SIZE_T(7)) < TH_MIN_BLOCK_BYTES     \
         ? TH_MIN_BLOCK_BYTES                                                             \
         : ((TH_SIZE_T(size) + TH_BLOCK_OVERHEAD + 7u) & ~TH_SIZE_T(7)))

/** Smallest general block (header + two free-list links + footer), bytes. */
#define TH_MIN_BLOCK_BYTES ((4u + 2u * sizeof(void *) + 4u + 7u) & ~TH_SIZE_T(7))

/** Bytes of tiny slabs that `n` objects of `size` bytes (1..TH_TINY_MAX)
 *  take at the same time: a slab holds 28 16-byte blocks of four 4-byte
 *  units, and a block holds four objects of 1..4 bytes, two of 5..8, one
 *  of 9 and up (three units leave one, too small or misaligned for
 *  another); plus one slab of slack for the page alignment of the first. */
#define TH_TINY_FOOTPRINT_FOR(n, size)                                                    \
    ((TH_SIZE_T(n) + TH_TINY_PER_SLAB_(size) - 1u) / TH_TINY_PER_SLAB_(size) *             \
         (TH_SIZE_T(1) << TH_TINY_SLAB_LOG2) +                                            \
     (TH_SIZE_T(1) << TH_TINY_SLAB_LOG2))
#define TH_TINY_PER_SLAB_(size)                                                           \
    (28u * (TH_SIZE_T(size) <= 4u ? 4u : TH_SIZE_T(size) <= 8u ? 2u : 1u))

/* Whether a tiny object of `size` bytes costs more heap than a general
 * block would: 9..12 bytes on a 32-bit target (a whole 16-byte tiny block
 * and its share of the slab, against a 16-byte general block). */
#define TH_TINY_COSTLIER_(size)                                                           \
    (TH_TINY != 0 && TH_SIZE_T(size) <= TH_TINY_MAX &&                                     \
     TH_TINY_PER_SLAB_(size) * TH_BLOCK_FOOTPRINT(size) < (TH_SIZE_T(1) << TH_TINY_SLAB_LOG2))

/** Region size that is guaranteed to hold `n` objects of `size` bytes each
 *  at the same time (plus the heap state and page maps), for sizing a
 *  static region at compile time: `n` general blocks, or the slabs of
 *  TH_TINY_FOOTPRINT_FOR for the sizes whose tiny objects cost more than
 *  a general block (for the others, a slab only saves room). When they
 *  add up to more than the largest block, the region is split into pieces
 *  (th_init) and the size is TH_REGION_PIECES_FOR(n, size) whole pieces,
 *  each of which needs a region slot: see that macro. `size` at most
 *  TH_MAX_REQUEST (above it, SIZE_MAX: no region holds one). SIZE_MAX too
 *  when the objects need more than one piece beyond the region slots (or
 *  than half the address space holds): the macro never wraps to a small
 *  size. At exactly one piece beyond the slots it is a size, but the
 *  sizing does not hold (the last piece finds no slot): the
 *  _Static_assert on TH_REGION_PIECES_FOR below is the check. */
#define TH_REGION_SIZE_FOR(n, size)                                                       \
    (TH_SIZE_T(size) > TH_MAX_REQUEST ? ~TH_SIZE_T(0)                                      \
     : TH_TOO_MANY_(n, size)               ? ~TH_SIZE_T(0)                                 \
     : TH_OBJECT_BYTES_(n, size) <= TH_PIECE_SPAN_                                         \
         ? TH_REGION_FOR_BYTES_(TH_OBJECT_BYTES_(n, size))                                 \
         : TH_MIN_REGION + TH_REGION_PIECES_FOR(n, size) * (TH_PIECE_SPAN_ + TH_PIECE_EXTRA_))

/** Pieces a region of TH_REGION_SIZE_FOR(n, size) bytes is split into: 1
 *  while the objects fit in the largest block (2^TH_MAX_BLOCK_LOG2 - 8
 *  bytes), else enough full pieces for `n` (counted without a wrap for any
 *  `n`, so more than TH_MAX_REGIONS when the slots do not suffice). Each takes one of the
 *  TH_MAX_REGIONS slots, and the sizing holds only while they suffice:
 *  check it with
 *  `_Static_assert(TH_REGION_PIECES_FOR(n, size) <= TH_MAX_REGIONS, "")`. */
#define TH_REGION_PIECES_FOR(n, size)                                                     \
    (TH_SIZE_T(size) > TH_MAX_REQUEST ? TH_SIZE_T(1)                                      \
     : !TH_TOO_MANY_(n, size) && TH_OBJECT_BYTES_(n, size) <= TH_PIECE_SPAN_               \
         ? TH_SIZE_T(1)                                                                   \
         : TH_SIZE_T(n) / TH_PER_PIECE_(size) + (TH_SIZE_T(n) % TH_PER_PIECE_(size) != 0u))

/* Helpers of the two above. More objects than one piece beyond the region
 * slots' (or beyond pieces adding up to half the address space) holds: no
 * region holds them (TH_REGION_SIZE_FOR is SIZE_MAX, and an array of it
 * does not compile). Tested first, so that no product below can wrap: with
 * n at most this, n * TH_BLOCK_FOOTPRINT(size) and the pieces' bytes stay
 * within SIZE_MAX / 2 and a piece. The piece beyond keeps every count that
 * fits in one piece (a few more than TH_PER_PIECE_, which is a surely-held
 * count) out of this case, whatever TH_MAX_REGIONS is. */
#define TH_TOO_MANY_(n, size) (TH_SIZE_T(n) > (TH_MAX_PIECES_ + 1u) * TH_PER_PIECE_(size))
#define TH_MAX_PIECES_                                                                    \
    (TH_SIZE_T(TH_MAX_REGIONS) < (~TH_SIZE_T(0) / 2u) / (TH_PIECE_SPAN_ + TH_PIECE_EXTRA_)  \
         ? TH_SIZE_T(TH_MAX_REGIONS)                                                      \
         : (~TH_SIZE_T(0) / 2u) / (TH_PIECE_SPAN_ + TH_PIECE_EXTRA_))
/* The bytes `n` objects take in one piece. */
#define TH_OBJECT_BYTES_(n, size)                                                         \
    ((TH_TINY_COSTLIER_(size) &&                                                          \
      TH_TINY_FOOTPRINT_FOR(n, size) > TH_SIZE_T(n) * TH_BLOCK_FOOTPRINT(size))             \
         ? TH_TINY_FOOTPRINT_FOR(n, size)                                                 \
         : TH_SIZE_T(n) * TH_BLOCK_FOOTPRINT(size))
#define TH_REGION_FOR_BYTES_(b)                                                           \
    (TH_MIN_REGION + (b) + (b) / (8u * (TH_SIZE_T(1) << TH_TINY_SLAB_LOG2)) * 4u + 8u)
/* The largest block, and what a split gives each piece besides it: the
 * page map of its pages (two more for where it starts and ends), the
 * alignment of its first header and its sentinel, with room to spare. */
#define TH_PIECE_SPAN_ ((TH_SIZE_T(1) << TH_MAX_BLOCK_LOG2) - 8u)
#define TH_PIECE_EXTRA_                                                                   \
    (((((TH_SIZE_T(1) << TH_MAX_BLOCK_LOG2) >> TH_TINY_SLAB_LOG2) + 2u + 31u) / 32u) * 4u + 64u)
/* Objects of `size` bytes a full piece surely holds: as general blocks, or
 * fewer as tiny objects (slabs, two lost to a page's alignment), whichever
 * is less. */
#define TH_PER_PIECE_(size)                                                               \
    ((TH_TINY != 0 && TH_SIZE_T(size) <= TH_TINY_MAX &&                                    \
      TH_TINY_PER_PIECE_(size) < TH_PIECE_SPAN_ / TH_BLOCK_FOOTPRINT(size))                \
         ? TH_TINY_PER_PIECE_(size)                                                       \
         : TH_PIECE_SPAN_ / TH_BLOCK_FOOTPRINT(size))
#define TH_TINY_PER_PIECE_(size)                                                          \
    (((TH_PIECE_SPAN_ >> TH_TINY_SLAB_LOG2) - 2u) * TH_TINY_PER_SLAB_(size))

/* ---- Types --------------------------------------------------------------- */

/** A heap. Opaque; it lives inside its first region. */
typedef struct th_heap th_heap;

/** Kinds of misuse the heap detects. */
typedef enum th_fault {
    TH_FAULT_BAD_ARGUMENT, /* size overflow, alignment not a power of two, zero size
                              where zero is not allowed, NULL or bad heap handle,
                              region NULL, wrapping, overlapping, or too small */
    TH_FAULT_BAD_POINTER,  /* not a live block start of this heap: foreign, interior,
                              persistent, or never allocated */
    TH_FAULT_DOUBLE_FREE,  /* the block was live once and is free now */
    TH_FAULT_CORRUPTION,   /* metadata or a guard was overwritten */
    TH_FAULT_COUNT
} th_fault;

/** Called on every detected misuse, before the faulting call returns its
 *  failure value. `h` may be NULL (NULL heap argument). `ptr` is the pointer
 *  or address concerned, or NULL. The handler may log, count or trap; when
 *  it returns, the call returns normally and the heap is unchanged. */
typedef void (*th_fault_handler)(th_heap *h, th_fault kind, const void *ptr);

/** Called (with the heap lock held) when an allocation of `size` bytes fails
 *  for lack of memory, just before it returns NULL. */
typedef void (*th_oom_hook)(th_heap *h, size_t size);

/** Lock callbacks: lock(ctx) on entry, unlock(ctx) on exit of every call. */
typedef void (*th_lock_fn)(void *ctx);

/** A snapshot of a heap's state; see th_get_stats. All sizes in bytes. */
typedef struct th_stats {
    size_t   capacity;         /* bytes managed, all regions, metadata included */
    size_t   free_bytes;       /* bytes an allocation could still use right now */
    size_t   min_free_bytes;   /* lowest free_bytes ever seen; never increases */
    size_t   largest_free;     /* largest single request that would succeed now */
    size_t   in_use;           /* bytes held by live blocks (usable sizes) */
    size_t   peak_in_use;      /* never decreases */
    size_t   persistent_bytes; /* bytes handed out by th_persistent_alloc */
    size_t   tiny_blocks;      /* 16-byte blocks currently held by the tiny allocator:
                                  those with a live object (a slab's empty blocks are
                                  room it keeps, not blocks in use) */
    size_t   tiny_objects;     /* live tiny objects */
    uint32_t allocs;           /* successful allocations, all kinds; never decreases */
    uint32_t frees;            /* successful frees; never decreases */
    uint32_t failed;           /* allocations that returned NULL for lack of memory */
    uint32_t faults[TH_FAULT_COUNT]; /* misuse caught, by kind; never decreases */
    /* Added fields (O(n): computed by a walk of every block; regions is
       read from the heap state, O(1)). */
    size_t   free_blocks;      /* number of free general blocks */
    size_t   smallest_free;    /* smallest free general block, header included
                                  (SIZE_MAX when there is none) */
    size_t   largest_free_block; /* largest free general block, header included */
    size_t   regions;          /* regions in the heap */
} th_stats;

/* ---- Heap set-up ---------------------------------------------------------- */

/**
 * Builds a heap over [base, base + size).
 *
 * Any alignment of `base` is accepted: the unusable head is skipped. The heap
 * state is placed at the start of the region; the rest becomes one free block.
 * A region larger than one block can span (2^TH_MAX_BLOCK_LOG2 bytes) is
 * split into consecutive regions, each of the largest block plus its page
 * map and alignment (about 1 KiB more by default), each taking one of the
 * TH_MAX_REGIONS slots (stats.regions counts them); a tail no slot is left
 * for, or under 2^TH_TINY_SLAB_LOG2 bytes (not worth a slot), is not managed
 * and not counted in capacity; nor are a region's last 0..7 bytes, too few
 * for the 8-byte granule of its blocks, nor the head skipped to align it
 * (0..7 bytes before the heap state, 0..3 before a region's page map):
 * capacity counts exactly the bytes from each region's state or page map
 * through its end sentinel, those that th_add_region refuses to overlap.
 *
 * Preconditions: [base, base + size) is memory the caller owns and that
 * nothing else (another heap included) uses while this heap lives. A block
 * or persistent object of another heap is such memory: a heap built inside
 * one (a sub-heap) and the heap around it refuse each other's pointers
 * (th_free).
 *
 * Returns NULL (and raises no fault) when base is NULL, base + size wraps
 * around the address space, or the region is too small for the heap state,
 * its page map and one block after `base` is aligned. Any size of at least
 * TH_MIN_REGION is enough (an upper bound: a little less may do).
 * Time: proportional to size / 2^(TH_TINY_SLAB_LOG2 + 5) (the page map of the
 * region is cleared a word per 32 pages of 2^TH_TINY_SLAB_LOG2 bytes): about
 * 128 words for 2 MiB; with TH_FILL (debug builds) the whole region is
 * filled with the freed pattern as well, O(size). Without TH_FILL (and
 * with TH_FORGET_OLD, the default), when the region still holds a heap
 * built at the same address or a region that ended at the same address
 * (th_init again over the same memory), one word in two is cleared,
 * O(size / 8) stores, so that every pointer the old heap handed out is
 * refused (test_rebuild).
 * Thread safety: none needed; the heap does not exist before this returns.
 */
th_heap *th_init(void *base, size_t size) TH_WARN_UNUSED;

/**
 * Adds the disjoint region [base, base + size) to heap `h` (FreeRTOS heap_5's
 * multiple regions). Up to TH_MAX_REGIONS regions, the first included.
 *
 * A region larger than 2^TH_MAX_BLOCK_LOG2 bytes is split as in th_init: it
 * takes as many slots as it needs and are free, and a tail no slot is left
 * for, or under 2^TH_TINY_SLAB_LOG2 bytes, is not managed (stats.capacity
 * says what was added).
 *
 * Preconditions: [base, base + size) is memory the caller owns and gives up
 * to the heap for as long as it lives; everything else is checked.
 *
 * Returns false, adds nothing and raises TH_FAULT_BAD_ARGUMENT iff: h is
 * NULL, base is NULL, the region is too small to hold one minimal block after
 * alignment, it wraps the address space, it overlaps what a region of h
 * manages (the heap state or page map through the end sentinel: the last
 * 0..7 bytes of a region, left out, do not count), or the heap already has
 * TH_MAX_REGIONS regions.
 * Time: as th_init's (the page map cleared a word per 32 pages, and with
 * TH_FILL the region filled), never more than TH_MAX_REGIONS region set-ups.
 * Without TH_FILL (and with TH_FORGET_OLD, the default), when a region that
 * ended at the same address was set up before (this bank given again to a
 * heap built anew; its end sentinel is still in place), one word in two is
 * cleared, O(size / 8) stores, so that every pointer the old heap handed
 * out there is refused (test_rebuild). The heap lock is held meanwhile.
 * Thread safety: takes the heap lock.
 */
bool th_add_region(th_heap *h, void *base, size_t size);

/**
 * The heap over the linker-defined region (symbols th_heap_start and
 * th_heap_size from the board's linker script), built on first use.
 * Preconditions: the linker script defines both symbols (the link fails
 * otherwise) over RAM nothing else uses.
 * Returns NULL only if that region is smaller than TH_MIN_REGION; each call
 * then tries th_init again (over so small a region, in constant time).
 * Time: constant, but for the first successful call, which is th_init's.
 * Thread safety: a call that builds the heap (the first, or any while it
 * returns NULL) must not race another (the ports call it once at start-up,
 * or under their lock).
 */
th_heap *th_default(void);

/**
 * Installs the lock slot of `h`: lock(ctx) is called on entry to every public
 * function on `h`, unlock(ctx) on exit. Both NULL: no lock; one NULL with
 * the other set: the NULL half becomes an empty callback. The lock must be recursive if the fault handler or OOM
 * hook calls back into the heap.
 * Preconditions: lock and unlock can be called from every context that
 * will use the heap, and no other context uses it during this call.
 * Time: constant. Thread safety: call before the heap is shared.
 */
void th_set_lock(th_heap *h, th_lock_fn lock, th_lock_fn unlock, void *ctx);

/**
 * Installs the exhaustion hook of `h` (NULL: none) and returns the previous
 * one. It is called, lock held, each time an allocation returns NULL for
 * lack of memory (FreeRTOS's malloc-failed hook, newlib's ENOMEM).
 * Preconditions: the hook calls back into the heap only if the lock slot
 * holds a recursive lock (or none).
 * Time: constant. Thread safety: takes the heap lock.
 */
th_oom_hook th_set_oom_hook(th_heap *h, th_oom_hook hook);

/**
 * Installs the fault handler for all heaps and returns the previous one;
 * it cannot fail.
 * NULL restores the default: trap (TH_TRAP()) when TH_DEBUG is 1, count only
 * when TH_DEBUG is 0. After the handler returns, the faulting call returns
 * its documented failure value and the heap is unchanged.
 * Preconditions: fn runs inside the faulting call, the heap's lock held;
 * it calls back into that heap only if the lock is recursive (or none).
 * Time: constant. Thread safety: one word store; install it at start-up.
 */
th_fault_handler th_set_fault_handler(th_fault_handler fn);

/* ---- Allocation ------------------------------------------------------------ */

/**
 * Allocates at least `size` bytes, aligned for any object of that size
 * (C17 7.22.3: 1 for 1 byte, 2 for 2-3, 4 for 4-7, 8 from 8 up; with the
 * option TH_TINY_ALIGN_GO, a tiny object of 9..12 bytes is only 4-aligned,
 * the largest power of two dividing 12: for sizes that are a whole number
 * of objects of one type, see th_config.h; every tiny object starts on a
 * 4-byte unit, and 13..15-byte ones take a whole 16-byte block). Requests
 * of up to TH_TINY_MAX bytes (16 by default; 15 gives the contract's range,
 * under 16) go to the tiny allocator when it is enabled (TH_TINY), the rest
 * to the general allocator. Not zeroed (TH_FILL fills it with
 * TH_FILL_FRESH_BYTE, in debug builds by default).
 *
 * Preconditions: none; every argument is checked.
 *
 * size == 0: returns NULL; no fault, nothing counted.
 * size > TH_MAX_REQUEST: NULL + TH_FAULT_BAD_ARGUMENT.
 * Out of memory: NULL, stats.failed + 1, the exhaustion hook is called.
 * h == NULL: NULL + TH_FAULT_BAD_ARGUMENT.
 * Time: constant. Thread safety: takes the heap lock.
 */
void *th_malloc(th_heap *h, size_t size) TH_MALLOC_LIKE TH_ALLOC_SIZE(2) TH_WARN_UNUSED;

/**
 * Allocates n * size bytes, zeroed.
 * Preconditions: none; every argument is checked.
 * n * size overflowing size_t: NULL + TH_FAULT_BAD_ARGUMENT. A zero product
 * returns NULL like th_malloc(h, 0). Otherwise as th_malloc.
 * Time: constant plus the zero fill. Thread safety: takes the heap lock.
 */
void *th_calloc(th_heap *h, size_t n, size_t size) TH_MALLOC_LIKE TH_ALLOC_SIZE2(2, 3)
    TH_WARN_UNUSED;

/**
 * Resizes the block at `p` to `size` bytes. p == NULL: as th_malloc.
 * size == 0: frees p and returns NULL. A general block grows or shrinks in
 * place when it or its free right-hand neighbour allows; a tiny object
 * stays where it is when `size` fits the units it holds (a shrink keeps
 * them all; it never takes a neighbouring unit: a move copies at most
 * TH_TINY_MAX bytes). Otherwise allocates a new block,
 * copies min(old usable size, size) bytes and frees the old one.
 *
 * Preconditions: none; p is checked as th_free checks it. A pointer of
 * another heap is a bad pointer here (free it with its own heap).
 *
 * On failure returns NULL and p is untouched and still live: out of memory
 * (stats.failed + 1, hook called), size > TH_MAX_REQUEST
 * (TH_FAULT_BAD_ARGUMENT), or p not a live block of h (the matching fault).
 * Time: constant plus the copy. Thread safety: takes the heap lock.
 */
void *th_realloc(th_heap *h, void *p, size_t size) TH_ALLOC_SIZE(3) TH_WARN_UNUSED;

/**
 * Allocates `size` bytes aligned to `align`, which must be a power of two
 * (any size up to the region's). The result is freed with th_free. The only
 * waste beyond the request is below `align` bytes in front, and that gap
 * goes back to the free lists when it can hold a block.
 *
 * Preconditions: none; every argument is checked.
 *
 * align not a power of two (0 included): NULL + TH_FAULT_BAD_ARGUMENT.
 * size == 0: NULL, nothing counted. An alignment above half the largest
 * block (2^(TH_MAX_BLOCK_LOG2 - 1)), which no block can meet, is out of
 * memory. Otherwise failures as th_malloc.
 * Time: constant. Thread safety: takes the heap lock.
 */
void *th_aligned_alloc(th_heap *h, size_t align, size_t size) TH_MALLOC_LIKE
    TH_ALLOC_SIZE(3) TH_WARN_UNUSED;

/**
 * Frees the block at `p`. p == NULL: nothing.
 * Preconditions: none; p is checked. A pointer that is not a live block
 * start of h is a fault and the heap is
 * left exactly as it was: TH_FAULT_DOUBLE_FREE for a block that is free now,
 * TH_FAULT_BAD_POINTER for a foreign, interior, persistent or never-allocated
 * pointer, TH_FAULT_CORRUPTION when metadata the free relies on is damaged
 * (a neighbour's header, and with TH_CHECK_LINKS, on by default, a free
 * neighbour's footer or list links; with TH_HARDEN a tiny slab's header or
 * list links; always a slab's header and bookkeeping before it goes back).
 * A general block whose own header was overwritten can no longer be told
 * from any other address: TH_FAULT_BAD_POINTER.
 * The kind is read from the memory as it is now; blocks keep no history.
 * So a pointer to free room in a tiny block counts as a double free, one
 * into a live object's interior as a bad pointer; the start of a free
 * general block reads as a double free even if it was never handed out;
 * and a stale pointer into memory that has since been reused or split
 * again may read as either kind. A tiny object freed twice after its slab
 * went back to the heap (its last object died) lies in a free general
 * block, at no block start: a bad pointer; but the slab's first object,
 * whose header word was the slab's own, reads as a double free, as a freed
 * block does whether or not a merge absorbed it. A merge marks the
 * absorbed block's header freed, and without TH_FILL (release builds) that
 * mark stays when the memory is handed out again, so an address inside a
 * live block at which a block once started may read as a double free. A block of a heap built inside one of h's blocks is a bad
 * pointer too: headers are sealed for their heap as well as their address,
 * so each is refused with probability 255/256, and a free checks two of
 * them. Whatever the kind, nothing changes.
 * Time: constant. Thread safety: takes the heap lock.
 */
void th_free(th_heap *h, void *p);

/**
 * Bytes the caller may use at `p` (at least the size it asked for).
 * Preconditions: none; p is checked as th_free checks it.
 * A bad p: the matching fault (as th_free), returns 0. p == NULL: 0, no fault.
 * Time: constant. Thread safety: takes the heap lock.
 */
size_t th_usable_size(const th_heap *h, const void *p);

/**
 * Bump allocation that is never freed: no header, for boot-time objects.
 * Served from the current persistent chunk (TH_PERSIST_CHUNK bytes taken from
 * the heap as one general block); a request above a quarter chunk, or
 * aligned beyond 8, is taken from the heap as a block of its own (found as
 * th_aligned_alloc finds one), so no chunk tail is wasted on it. A small request the current chunk has no room
 * for, when no free block holds a new chunk, takes a block of its own too
 * (the current chunk stays current): it fails only when the general
 * allocator's search (which reads the head of each size class) finds no
 * block for it.
 *
 * Preconditions: none; every argument is checked.
 *
 * size == 0, or align not a power of two (0 included), or size above
 * TH_MAX_REQUEST: NULL + TH_FAULT_BAD_ARGUMENT. Out of memory: NULL,
 * stats.failed + 1, hook called; an alignment above 2^(TH_MAX_BLOCK_LOG2 - 1),
 * which no block can meet, is out of memory too (as in th_aligned_alloc).
 * Time: constant. Thread safety: takes the heap lock.
 */
void *th_persistent_alloc(th_heap *h, size_t size, size_t align) TH_MALLOC_LIKE
    TH_ALLOC_SIZE(2) TH_WARN_UNUSED;

/* ---- Inspection ------------------------------------------------------------ */

/**
 * A snapshot of the heap's statistics, by value.
 * O(1) fields: everything in the contract but tiny_blocks and tiny_objects,
 * largest_free included. O(n) fields (a walk): tiny_blocks, tiny_objects
 * (over the slabs' page map), free_blocks, smallest_free, largest_free_block
 * (over the block headers in address order, never the free lists, so a
 * damaged link cannot make it loop).
 * Preconditions: none; h is checked. h == NULL: a zeroed struct +
 * TH_FAULT_BAD_ARGUMENT.
 * Time: linear in the number of blocks and of pages (one page map bit per
 * 2^TH_TINY_SLAB_LOG2 bytes of every region). Thread safety: takes the heap
 * lock.
 */
th_stats th_get_stats(const th_heap *h);

/**
 * stats.free_bytes and stats.min_free_bytes without the O(n) part of
 * th_get_stats (FreeRTOS's xPortGetFreeHeapSize and friends).
 * Preconditions: none; h is checked. h == NULL: 0 + TH_FAULT_BAD_ARGUMENT.
 * Time: constant. Thread safety: takes the heap lock.
 */
size_t th_free_bytes(const th_heap *h);
size_t th_min_free_bytes(const th_heap *h);

/**
 * stats.largest_free alone: the largest request th_malloc would serve now,
 * to ask before a big buffer (a TLS handshake, a frame) without walking the
 * heap, which th_get_stats does for its O(n) fields. th_malloc(h,
 * th_largest_free(h)) succeeds, unless the result is 0 (nothing fits).
 * Preconditions: none; h is checked. h == NULL: 0 + TH_FAULT_BAD_ARGUMENT.
 * Time: constant. Thread safety: takes the heap lock.
 */
size_t th_largest_free(const th_heap *h);

/**
 * Restarts the low-water mark: min_free_bytes becomes the current
 * free_bytes (FreeRTOS's xPortResetHeapMinimumEverFreeHeapSize). The one
 * call after which min_free_bytes may increase.
 * Preconditions: none; h is checked. h == NULL: TH_FAULT_BAD_ARGUMENT. Time: constant. Thread safety: takes the
 * heap lock.
 */
void th_reset_min_free(th_heap *h);

/**
 * Full consistency walk: checks every invariant numbered in th_internal.h.
 * Never modifies the heap (counters included). Reports the first corruption
 * it finds through the fault handler (TH_FAULT_CORRUPTION, with the address
 * where it found it: the header of the block or slab the walk stopped at,
 * the block a list led to, or the heap state for its counters and lists;
 * never NULL; the lock held, as for every fault)
 * and returns false; true when the heap is consistent. Preconditions: none;
 * h is checked. The default fault
 * handler traps when TH_DEBUG is 1 (the default without NDEBUG): install
 * your own (th_set_fault_handler) to have th_check return false instead.
 * Time: linear in the number of blocks and of pages (it checks every page
 * map bit), so the lock masks interrupts for time that grows with the heap.
 * Thread safety: takes the heap lock.
 */
bool th_check(const th_heap *h);

/** Per-block callback for th_walk: kind is 'g' (general used), 'f' (free),
 *  't' (tiny slab), 'p' (persistent: a chunk, or an object too large for
 *  one that got a block of its own); addr/size describe the block,
 *  header included. */
typedef void (*th_walk_fn)(void *user, char kind, const void *addr, size_t size);

/**
 * Calls fn for every block of every region, in address order (a heap map).
 * Preconditions: fn does not call back into the heap (see below).
 * fn == NULL: TH_FAULT_BAD_ARGUMENT reported on h, the lock held, but not
 * counted (th_walk never writes the heap); nothing else is called.
 * Time: linear in the number of blocks. Thread safety: takes the heap lock;
 * fn must not call back into the heap.
 */
void th_walk(const th_heap *h, th_walk_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* TINYHEAP_H */
