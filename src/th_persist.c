/* SPDX-License-Identifier: MIT */
/*
 * th_persist.c: the persistent allocator. Bump allocation with no header,
 * never freed, for boot-time objects.
 *
 * From the Go runtime's persistentalloc (runtime/malloc.go): the state is the
 * current chunk as (base, offset), never an end pointer; a request fits when
 * offset + padding + size <= chunk size, written below so it cannot wrap, and
 * a fresh chunk is taken when it does not. "No current chunk" (base == NULL)
 * is a real state: the first call takes a chunk instead of bumping NULL.
 *
 * Chunks are general blocks of kind PERSIST, so th_free of a persistent
 * pointer is recognised (TH_FAULT_BAD_POINTER) and th_walk shows them.
 * Requests above a quarter chunk, or aligned beyond 8, take a block of
 * their own, so a chunk's tail is not thrown away for them; so does a small
 * request when no free block holds a new chunk, so that it fails only when
 * the general allocator's search finds no block for it.
 */
#include "th_internal.h"

/* ==== Internal definitions ================================================= */

static void *counted(th_heap *h, void *p, size_t size)
{
    h->persistent_bytes += size;
    h->allocs++;
    th_note_use(h);
    TH_TRACE_ALLOC(h, p, size); /* the request: a persistent object has no usable slack */
    return p;
}

/* A block of kind PERS, or NULL after th_gen_retry's out-of-memory path.
 * `faults` is the corruption count when the call began: once a search has
 * reported damage, nothing more is tried and no out-of-memory is reported.
 * Aligned beyond 8, the block malloc's search would find is tried first
 * with the gap it really needs, as th_aligned_alloc does (the search for
 * the worst gap would pass over it: a 2 MiB-aligned object on a fresh
 * 4 MiB piece was out of memory here, and served by th_aligned_alloc). */
static th_block *take(th_heap *h, uint32_t bsize, uint32_t align, size_t request, uint32_t faults)
{
    th_block *b = NULL;
    if (align > TH_ALIGNMENT) {
        b = th_gen_alloc_fitted(h, bsize, align, TH_KIND_PERS);
    }
    if ((b == NULL) && (faults == h->faults[TH_FAULT_CORRUPTION])) {
        b = th_gen_alloc(h, NULL, bsize, align, TH_KIND_PERS);
    }
    return b != NULL ? b : th_gen_retry(h, bsize, align, TH_KIND_PERS, request, faults);
}

/* ==== Public implementation ================================================ */

void *th_persistent_alloc(th_heap *h, size_t size, size_t align)
{
    if (!th_heap_ok(h)) {
        return NULL;
    }
    th_lock(h);
    void    *p      = NULL;
    uint32_t faults = h->faults[TH_FAULT_CORRUPTION];
    if (size == 0u || align == 0u || (align & (align - 1u)) != 0u || size > TH_MAX_REQUEST) {
        th_raise(h, TH_FAULT_BAD_ARGUMENT, NULL); /* the seed throws; we report */
    } else if (align > ((size_t)1 << ((uint32_t)TH_MAX_BLOCK_LOG2 - 1u))) {
        th_oom(h, size); /* a valid alignment no block can reach, as th_aligned_alloc */
    } else if (align > TH_ALIGNMENT || size > TH_PERSIST_CHUNK / 4u) {
        th_block *b = take(h, th_gen_bsize_for(size), (uint32_t)align, size, faults);
        if (b != NULL) {
            p = counted(h, (void *)(th_addr(b) + sizeof(th_word)), size);
        }
    } else {
        /* Chunk payloads are 8-aligned, so aligning the offset aligns the
         * address. pers_off <= pers_size (I14): no subtraction wraps. */
        uint32_t off = (h->pers_off + (uint32_t)align - 1u) & ~((uint32_t)align - 1u);
        if (h->pers_base != NULL && off <= h->pers_size && size <= h->pers_size - off) {
            p           = h->pers_base + off;
            h->pers_off = off + (uint32_t)size;
            p           = counted(h, p, size);
        } else {
            th_block *b = th_gen_alloc(h, NULL, TH_PERSIST_CHUNK, TH_ALIGNMENT, TH_KIND_PERS);
            if (b != NULL) {
                h->pers_base = (uint8_t *)(th_addr(b) + sizeof(th_word));
                h->pers_size = th_bsize(b->header) - TH_BLOCK_OVERHEAD;
                h->pers_off  = (uint32_t)size;
                p            = counted(h, h->pers_base, size);
            } else {
                /* No room for a chunk: the object takes a block of its own
                 * (and the idle tiny slab is given back for it), found as
                 * malloc finds one. The current chunk, if any, stays
                 * current. */
                b = take(h, th_gen_bsize_for(size), TH_ALIGNMENT, size, faults);
                if (b != NULL) {
                    p = counted(h, (void *)(th_addr(b) + sizeof(th_word)), size);
                }
            }
        }
    }
    th_unlock(h);
    return p;
}
