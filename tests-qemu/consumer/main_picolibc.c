/* SPDX-License-Identifier: MIT */
/*
 * The firmware of README's "As picolibc's malloc", built the way picolibc
 * builds firmware: picolibc's own crt0 (--crt0=semihost, whose exit ends
 * the QEMU run) and its own linker script (picolibc.ld, the MPS2 memory
 * map given with --defsym), its semihosting stdio (--oslib=semihost), and
 * th_default()'s region defined from picolibc's heap symbols (the Makefile,
 * APP=picolibc). make check builds it on every Cortex-M board and runs it
 * under QEMU on the MPS2 AN385/AN386.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyheap.h"

extern char __heap_start[], __heap_end[]; /* picolibc.ld's heap */

static volatile size_t huge = SIZE_MAX; /* not folded at compile time */

/* The heap tinyheap manages is picolibc's: p lies within it. */
static int in_picolibc_heap(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return a >= (uintptr_t)__heap_start && a < (uintptr_t)__heap_end;
}

int main(void)
{
    char *s = malloc(32);
    if (s == NULL || !in_picolibc_heap(s)) {
        return 1;
    }
    strcpy(s, "tinyheap");
    char *d = strdup(s); /* picolibc's strdup, through the port's malloc */
    char *g = realloc(s, 200);
    char *a = NULL;
    if (d == NULL || g == NULL || !in_picolibc_heap(d) || !in_picolibc_heap(g) || strcmp(g, d) != 0 ||
        asprintf(&a, "%s over picolibc", d) < 0 || !in_picolibc_heap(a)) {
        return 1;
    }
    th_stats st = th_get_stats(th_default());
    errno       = 0;
    void *none  = malloc(huge);
    int   enom  = none == NULL && errno == ENOMEM; /* errno in crt0's TLS block */
    printf("%s: %lu bytes managed, %lu tiny objects\n", a, (unsigned long)st.capacity,
           (unsigned long)st.tiny_objects);
    free(a);
    free(g);
    free(d);
    th_stats end = th_get_stats(th_default());
    int      ok  = enom && st.allocs >= 4u && st.tiny_objects == 1u && end.in_use == 0u &&
             st.capacity <= (size_t)(__heap_end - __heap_start) && th_check(th_default());
    printf(ok ? "PASS app\n" : "FAIL app\n"); /* the runner wants PASS <image> */
    return ok ? 0 : 1;
}
