/* SPDX-License-Identifier: MIT */
/*
 * tinyheap configuration: every option, its default and its cost.
 *
 * Override any option by defining it on the command line (-DTH_TINY=0) or
 * in a header of your own named by TH_CONFIG_HEADER
 * (-DTH_CONFIG_HEADER='"my_th_config.h"'), which is included first.
 * Boolean options are 0/1 and tested with #if, so -Wundef catches typos.
 */
#ifndef TH_CONFIG_H
#define TH_CONFIG_H

#ifdef TH_CONFIG_HEADER
#include TH_CONFIG_HEADER
#endif

/** TH_DEBUG: 1 makes the default fault handler trap (TH_TRAP) instead of
 *  only counting, and turns on TH_HARDEN and the fill patterns unless they
 *  are set explicitly. Default: 1 if NDEBUG is not defined, else 0.
 *  Cost: see the options it enables. */
#ifndef TH_DEBUG
#ifdef NDEBUG
#define TH_DEBUG 0
#else
#define TH_DEBUG 1
#endif
#endif

/** TH_TINY: 1 packs requests of 1..15 bytes several to a 16-byte block (and
 *  gives a 16-byte request a block of its own, TH_TINY_MAX) in
 *  slabs of 2^TH_TINY_SLAB_LOG2 bytes; 0 sends them to the general allocator
 *  (a 16-byte block for 1..12 bytes, 24 for 13..16). Default 1. Cost (make
 *  bench, Cortex-M3): about 3.4 KB of code (7568 bytes against 4158), and a
 *  worst malloc/free measured of 535/743 instructions instead of 303/548
 *  (setting up a slab, checking and giving one back); it buys 14 points of
 *  capacity on small objects. */
#ifndef TH_TINY
#define TH_TINY 1
#endif

/** TH_TINY_MAX: the largest request the tiny allocator serves, 15 or 16.
 *  16 (default): a 16-byte request takes one whole tiny block, 16 bytes plus
 *  its share of the slab's bookkeeping (about 2.3 bytes), where a general
 *  block costs 24 (4-byte header, 8-byte granules); as in the Go runtime,
 *  whose 16-byte objects come from a 16-byte size class rather than the
 *  tiny combiner. make bench: +1 point of capacity on the tiny trace, and
 *  the tiny paths' instruction counts for those requests. 15: only requests
 *  smaller than a block are tiny (the contract's minimum). */
#ifndef TH_TINY_MAX
#define TH_TINY_MAX 16
#endif

/** TH_TINY_ALIGN_GO: tiny alignment rule. 0 (default): the C17 rule of the
 *  contract (an object of 8..15 bytes is 8-aligned, smaller ones 4-aligned).
 *  1: the Go runtime's rule from the seed (8-aligned only when the size is a
 *  multiple of 8, else 4): packs 9..12-byte objects tighter (three 4-byte
 *  units from any unit; 13..15 bytes take a whole block either way), but is only
 *  safe when every tiny object is an array of a type no larger than the
 *  largest power of two dividing its size. Cost: none. */
#ifndef TH_TINY_ALIGN_GO
#define TH_TINY_ALIGN_GO 0
#endif

/** TH_TINY_SLAB_LOG2: log2 of the bytes of one tiny slab (a page-aligned
 *  general block holding 16-byte tiny blocks and their bookkeeping).
 *  9 (512 B, 28 blocks) is the default and the only value the layout
 *  is tuned for; the slab geometry is checked at compile time. Cost: 64
 *  bytes of bookkeeping per slab (12.5%), and one page-map bit per 512 bytes
 *  of every region. */
#ifndef TH_TINY_SLAB_LOG2
#define TH_TINY_SLAB_LOG2 9
#endif

/** TH_PERSIST_CHUNK: bytes the persistent allocator takes from the heap at a
 *  time (one general block, its header included). A request larger than a
 *  quarter chunk is taken directly. Default 256; a multiple of 8 from 64 to
 *  the largest block, 2^TH_MAX_BLOCK_LOG2 - 8 (checked at compile time).
 *  Cost: up to one chunk tail unused. */
#ifndef TH_PERSIST_CHUNK
#define TH_PERSIST_CHUNK 256u
#endif

/** TH_MAX_BLOCK_LOG2: log2 of the largest general block, header included.
 *  Sets the number of free-list bins (4 per power of two) and so the size of
 *  the heap state: 22 (4 MiB) gives 72 bins (288 bytes of list heads on a
 *  32-bit target). A region larger than this is split into regions of the
 *  largest block plus its page map (about 1 KiB more at 22), each taking one
 *  of the TH_MAX_REGIONS slots. Default 22;
 *  12 to 23. */
#ifndef TH_MAX_BLOCK_LOG2
#define TH_MAX_BLOCK_LOG2 22
#endif

/** TH_MAX_REGIONS: regions one heap can hold (th_init's plus th_add_region's).
 *  Default 4. Cost: 4 words of heap state per region; pointer classification
 *  looks at each region (a bounded loop). */
#ifndef TH_MAX_REGIONS
#define TH_MAX_REGIONS 4
#endif

/** TH_FAST_PATHS: 1 forces the hot paths of th_malloc and th_free inline
 *  (the general block search and split, the tiny object's placement and
 *  validation, the general block's validation on free), so each call runs
 *  without inner calls. 0 leaves inlining to the compiler: smaller, slower.
 *  Default 1. Cost: 988 bytes of code on Cortex-M3 (7568 against 6580); the
 *  0 build takes 11..18% more instructions per call (README, make bench,
 *  rows "TH_FAST_PATHS=0"). */
#ifndef TH_FAST_PATHS
#define TH_FAST_PATHS 1
#endif

/** TH_HARDEN: 1 verifies neighbours' headers and free-list links on every
 *  free and malloc, and on a tiny free the slab's header, its list links,
 *  that a full or current block is filed under no class and that every
 *  used unit that starts no object continues the one below (corrupted
 *  metadata is reported as TH_FAULT_CORRUPTION before anything is written).
 *  0 keeps the always-on checks: pointer classification, the header seal of
 *  the block freed, of its next neighbour and of the free block malloc takes,
 *  a tiny object's start and class bits, a class-map bit past a slab's last
 *  block, and before a slab is given back its header, its neighbours, its
 *  bookkeeping (no live object) and the tiny cursor, and TH_CHECK_LINKS's
 *  checks of the general allocator's free blocks (on by default). Default:
 *  TH_DEBUG. Cost (make bench, Cortex-M3): 554 bytes of code, malloc mean
 *  194 -> 371 and free mean 215 -> 305 instructions on the worst trace. */
#ifndef TH_HARDEN
#define TH_HARDEN TH_DEBUG
#endif

/** TH_CHECK_LINKS: 1 verifies a free block of the general allocator before
 *  its list links or footer are followed: before malloc takes it, before a
 *  free merges with it (found above through a header, or below through the
 *  footer in front of the block freed), and before th_add_region links a
 *  block after it. Its size must keep it in its region and match its
 *  footer, and each link must name a block position in a region that links
 *  back to it. So a write after free over a free block's first bytes (its
 *  links: a dangling `p->next = q` in the application) or over a footer is
 *  reported as TH_FAULT_CORRUPTION before anything is written, instead of
 *  making the allocator write where the damaged word points. Default 1
 *  (always on with TH_HARDEN). 0 keeps only the header seals, for speed:
 *  such damage can then make a call write anywhere. Cost (make bench,
 *  Cortex-M3): 596 bytes of code (7568 against 6972), malloc mean 145 ->
 *  194 and free mean 154 -> 215 instructions on the worst trace, worst
 *  free 462 -> 743; the static bounds more than double (malloc 2291, free
 *  1249): each link's target is looked up among the regions and its seal
 *  checked (README, "Bounds per call"). */
#ifndef TH_CHECK_LINKS
#define TH_CHECK_LINKS 1
#endif

/** TH_FILL: 1 fills fresh memory with TH_FILL_FRESH_BYTE and freed memory
 *  (general blocks and tiny objects) with TH_FILL_FREED_BYTE, and verifies
 *  the freed pattern on the bytes handed out again and on those where a
 *  split writes the rest's new header, links or footer, and on a tiny slab's
 *  blocks before the slab goes back to the heap (which fills it again), so a
 *  write after free is reported as TH_FAULT_CORRUPTION on reuse. A free
 *  block's own header, links and footer carry no pattern: damage there is
 *  for TH_HARDEN's checks and th_check to find. Default: TH_DEBUG. Cost:
 *  O(size) per call (a fill, and a check on reuse; 448 bytes when a slab
 *  goes back). */
#ifndef TH_FILL
#define TH_FILL TH_DEBUG
#endif

/** TH_FORGET_OLD: 1 makes th_init and th_add_region, in builds without
 *  TH_FILL, recognise a heap or region that ended at the same address before
 *  (the heap state's magic, or the old end sentinel, still in place) and
 *  clear its header words, so that the old heap's pointers are refused
 *  (README "Choices", test_rebuild). That reads a word or two of the memory
 *  before anything is written to it. 0 never reads memory the heap has not
 *  written: for parts whose ECC RAM faults on reading a word never written
 *  (if their start-up code does not initialise it); stale pointers from a
 *  heap built over the same memory before may then pass. (th_realloc's
 *  move still reads the old block's whole usable size, bytes the caller
 *  may never have written among them.) Default 1. Cost: 132 bytes of code
 *  on Cortex-M3; O(size / 8) stores, on that path only. */
#ifndef TH_FORGET_OLD
#define TH_FORGET_OLD 1
#endif

/** TH_FILL_FRESH_BYTE / TH_FILL_FREED_BYTE: the two patterns of TH_FILL.
 *  Defaults 0xAA and 0x55 (distinct, and neither a small integer nor a
 *  valid pointer on the targets). Cost: none. */
#ifndef TH_FILL_FRESH_BYTE
#define TH_FILL_FRESH_BYTE 0xAAu
#endif
#ifndef TH_FILL_FREED_BYTE
#define TH_FILL_FREED_BYTE 0x55u
#endif

/** TH_TRAP(): what the default fault handler does when TH_DEBUG is 1.
 *  Default: __builtin_trap() (a breakpoint or undefined instruction, so a
 *  debugger stops at the fault). Cost: none until a fault. */
#ifndef TH_TRAP
#if defined(__GNUC__) || defined(__clang__)
#define TH_TRAP() __builtin_trap()
#else
#define TH_TRAP() ((void)0)
#endif
#endif

/** TH_TRACE_ALLOC(h, ptr, size) / TH_TRACE_FREE(h, ptr, size): called after
 *  every successful allocation and before every free, with the heap lock
 *  held; size is the usable size (th_usable_size), for a persistent object
 *  the request. A call that fails or faults calls neither. th_realloc that
 *  moves reports the new allocation, then the free of the old one; one that
 *  resizes in place reports the free of the old size, then the allocation
 *  of the new (nothing when the usable size stays). So the sizes allocated
 *  minus the sizes freed are always th_stats.in_use + persistent_bytes.
 *  Default: nothing. Cost: none by default; what the macro does, on every
 *  call. */
#ifndef TH_TRACE_ALLOC
#define TH_TRACE_ALLOC(h, ptr, size) ((void)0)
#endif
#ifndef TH_TRACE_FREE
#define TH_TRACE_FREE(h, ptr, size) ((void)0)
#endif

/* ---- Derived values and checks ------------------------------------------- */

/** Number of free-list bins: 8 exact classes below 64 bytes, then 4 per
 *  power of two up to 2^TH_MAX_BLOCK_LOG2. */
#define TH_BIN_COUNT (8u + 4u * (TH_SIZE_T(TH_MAX_BLOCK_LOG2) - 6u))

#if TH_MAX_BLOCK_LOG2 < 12 || TH_MAX_BLOCK_LOG2 > 23
#error "TH_MAX_BLOCK_LOG2 must be between 12 and 23"
#endif
#if TH_TINY_SLAB_LOG2 != 9
#error "TH_TINY_SLAB_LOG2: only 9 (512-byte slabs) is supported"
#endif
#if TH_TINY_MAX != 15 && TH_TINY_MAX != 16
#error "TH_TINY_MAX must be 15 or 16"
#endif
#if TH_MAX_REGIONS < 1 || TH_MAX_REGIONS > 16
#error "TH_MAX_REGIONS must be between 1 and 16"
#endif
#if (TH_PERSIST_CHUNK % 8u) != 0 || TH_PERSIST_CHUNK < 64u
#error "TH_PERSIST_CHUNK must be a multiple of 8, at least 64"
#endif
/* A chunk is one general block: larger than the largest block, none would
 * ever be had, and every object would quietly take a block of its own. */
#if TH_PERSIST_CHUNK > (1u << TH_MAX_BLOCK_LOG2) - 8u
#error "TH_PERSIST_CHUNK must fit in the largest block (2^TH_MAX_BLOCK_LOG2 - 8 bytes)"
#endif

#endif /* TH_CONFIG_H */
