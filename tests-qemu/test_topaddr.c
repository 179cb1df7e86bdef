/* SPDX-License-Identifier: MIT */
/*
 * test_topaddr: regions that end in the last page of the 32-bit address
 * space, where any pointer stepped one page or one block past the region
 * wraps to 0. th_add_region accepts a region ending at UINTPTR_MAX (its end
 * is representable); th_check's page walk stepped past a block's last page
 * and, at the top, went on from address 0, reading the page map out of
 * bounds and reporting damage on a healthy heap. Here every call runs in
 * such regions: an extra region at the top of memory, and then the heap
 * itself (its header, its tiny slabs) there.
 *
 * i386 only: the test turns on paging with 4 MiB pages, identity-mapping
 * the first 64 MiB (the image, its stack and arena) and mapping the top
 * 4 MiB (0xFFC00000..) onto RAM at 32 MiB, which nothing else uses.
 */
#include <stdint.h>

#include "harness.h"

#define TOP_BASE 0xFFFF0000u /* the top 64 KiB, less the last byte */
#define TOP_SIZE ((size_t)(UINTPTR_MAX - TOP_BASE))

static uint32_t page_dir[1024] __attribute__((aligned(4096)));

static void map_top(void)
{
    for (uint32_t i = 0; i < 16u; i++) {
        page_dir[i] = (i << 22) | 0x83u; /* present, writable, 4 MiB */
    }
    page_dir[1023] = 0x02000000u | 0x83u;
    __asm__ volatile("mov %%cr4, %%eax\n\tor $0x10, %%eax\n\tmov %%eax, %%cr4\n\t" /* PSE */
                     "mov %0, %%cr3\n\t"
                     "mov %%cr0, %%eax\n\tor $0x80000000, %%eax\n\tmov %%eax, %%cr0"
                     :
                     : "r"(page_dir)
                     : "eax", "memory");
}

/* Chains objects through their first word until the heap runs out (sizes
 * cycling through tiny and general ones), checking the heap every 64; then
 * frees them all. free_bytes must come back to where it was. */
static void fill_and_empty(th_heap *h)
{
    static const size_t sizes[] = {4u, 8u, 12u, 16u, 24u, 100u, 700u, 3000u};
    size_t              free0   = th_get_stats(h).free_bytes;
    void               *head    = NULL;
    size_t              n       = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        void **p;
        while ((p = th_malloc(h, sizes[k])) != NULL) {
            *p   = head;
            head = p;
            if (++n % 64u == 0u && !CHECK(th_check(h))) {
                return;
            }
        }
    }
    th_stats s = th_get_stats(h);
    h_printf("  %u objects, %u bytes left free, %u tiny blocks\n", (unsigned)n,
             (unsigned)s.free_bytes, (unsigned)s.tiny_blocks);
    CHECK(th_check(h));
    while (head != NULL) {
        void *next = *(void **)head;
        th_free(h, head);
        head = next;
    }
    CHECK_EQ(th_get_stats(h).in_use, 0);
    CHECK_EQ(th_get_stats(h).free_bytes, free0);
    CHECK(th_check(h));
}

int main(void)
{
    h_record_faults();
    map_top();
    volatile uint32_t *last = (volatile uint32_t *)(UINTPTR_MAX - 3u);
    *last                   = 0x5A5AA5A5u;
    CHECK_EQ(*last, 0x5A5AA5A5u); /* the top page is memory now */

    /* An extra region at the top, beside a small heap in the arena. */
    size_t   an;
    void    *arena = h_arena(&an);
    th_heap *h     = th_init(arena, 8192u);
    if (!CHECK(h != NULL) || !CHECK(th_add_region(h, (void *)TOP_BASE, TOP_SIZE))) {
        return h_failures;
    }
    CHECK(th_check(h));
    h_printf("extra region at the top:\n");
    fill_and_empty(h);

    /* The heap itself at the top: its header, and tiny slabs up to the
     * last page. */
    h = th_init((void *)TOP_BASE, TOP_SIZE);
    if (!CHECK(h != NULL)) {
        return h_failures;
    }
    CHECK(th_check(h));
    h_printf("heap at the top:\n");
    fill_and_empty(h);
    CHECK_EQ(h_total_faults, 0);
    return h_failures;
}
