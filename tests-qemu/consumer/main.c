/* SPDX-License-Identifier: MIT */
/*
 * The firmware of README's "Using tinyheap in a firmware", built with Make
 * (Makefile) and with CMake (CMakeLists.txt) exactly as README shows; make
 * check builds both on every Cortex-M board and runs them under QEMU on the
 * MPS2 boards, whose memory map app.ld describes.
 *
 * Its own start-up (no crt0, hence -nostartfiles): a vector table, .data
 * copied from flash, .bss zeroed. The application allocates with plain
 * malloc/strdup/realloc, which the linked newlib port sends to th_default(),
 * and reports through ARM semihosting.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tinyheap.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern char     th_stack_top[], th_heap_start[], th_heap_size[];
int             main(void);
void            reset_handler(void);

__attribute__((section(".vectors"), used)) static void *const vectors[2] = {
    th_stack_top, (void *)reset_handler};

/* ARM semihosting: r0 = operation, r1 = argument. */
static void semihost(uint32_t op, const void *arg)
{
    register uint32_t    r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void reset_handler(void)
{
    for (uint32_t *s = _sidata, *d = _sdata; d < _edata;) {
        *d++ = *s++;
    }
    for (uint32_t *d = _sbss; d < _ebss;) {
        *d++ = 0u;
    }
    int failed = main();
    semihost(0x04u, failed == 0 ? "PASS app\n" : "FAIL app\n"); /* SYS_WRITE0: the runner wants PASS <image> */
    /* SYS_EXIT: ApplicationExit (status 0) or RunTimeErrorUnknown (status 1). */
    semihost(0x18u, (const void *)(uintptr_t)(failed == 0 ? 0x20026u : 0x20023u));
    for (;;) {
    }
}

static int inside_heap(const void *p)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)th_heap_start;
    return a >= lo && a - lo < (uintptr_t)th_heap_size;
}

int main(void)
{
    char *s = malloc(32);
    if (s == NULL || !inside_heap(s)) {
        return 1;
    }
    strcpy(s, "tinyheap");
    char *d = strdup(s);
    char *g = realloc(s, 200);
    if (d == NULL || g == NULL || !inside_heap(d) || strcmp(g, d) != 0) {
        return 1;
    }
    th_stats st = th_get_stats(th_default());
    free(g);
    free(d);
    th_stats end = th_get_stats(th_default());
    return st.allocs >= 3u && end.in_use == 0u && th_check(th_default()) ? 0 : 1;
}
