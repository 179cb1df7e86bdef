/* SPDX-License-Identifier: MIT */
/*
 * th_default.c: the heap over the linker-defined region. The board's linker
 * script exports th_heap_start (the region's address) and th_heap_size (an
 * absolute symbol whose value is the region's size): a start and a size,
 * never an end pointer. Kept in its own file so that an application that
 * builds its heaps by hand does not need those symbols.
 */
#include "th_internal.h"

extern char th_heap_start[];
extern char th_heap_size[];

th_heap *th_default(void)
{
    static th_heap *heap;
    if (heap == NULL) {
        heap = th_init(th_heap_start, (size_t)(uintptr_t)th_heap_size);
    }
    return heap;
}
