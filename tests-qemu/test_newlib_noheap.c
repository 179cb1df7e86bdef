/* SPDX-License-Identifier: MIT */
/*
 * test_newlib_noheap: the newlib-nano port (and, through
 * test_picolibc_noheap.c, the picolibc port) in a firmware whose linker heap
 * region is too small for a heap (linked with TH_HEAP_SIZE=64 and
 * TH_HEAP_MIN=0, which lifts the linker script's own check: see
 * test_newlib_noheap.mk). th_default() is then NULL, and every allocation
 * must fail the way running out of memory does (NULL and errno ENOMEM)
 * without calling into tinyheap with no heap, which would be a fault.
 */
#define _GNU_SOURCE 1 /* memalign */

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include "harness.h"
#include "tinyheap.h"

static void *volatile sink;

static void expect_enomem(void *p)
{
    CHECK(p == NULL);
    CHECK_EQ(errno, ENOMEM);
    errno = 0;
    sink  = p;
}

int main(void)
{
    h_record_faults();
    CHECK(th_default() == NULL);
    errno = 0;
    expect_enomem(malloc(16));
    expect_enomem(malloc(1000));
    expect_enomem(calloc(4, 4));
    expect_enomem(realloc(NULL, 16));
    expect_enomem(memalign(16, 32));
    void *p = NULL;
    CHECK_EQ(posix_memalign(&p, 16, 32), ENOMEM);
    CHECK(p == NULL);
    free(NULL);
    CHECK_EQ(malloc_usable_size(NULL), 0);
    CHECK(th_default() == NULL); /* still none: nothing was built */
    CHECK_EQ(h_total_faults, 0);
    return h_failures;
}
