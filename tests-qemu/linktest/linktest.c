/* SPDX-License-Identifier: MIT */
/*
 * -nostdlib link test: proves that libtinyheap.a needs no C library. Linked
 * with only libtinyheap.a and libgcc (see the Makefile's link:nostdlib
 * entry); any reference to memcpy, memset, abort, ... fails the link. It is
 * never run.
 */
#include "tinyheap.h"

void linktest_entry(void);

static _Alignas(8) unsigned char region[8192];

void linktest_entry(void)
{
    th_heap *h = th_init(region, sizeof region);
    void    *p = th_malloc(h, 24);
    th_free(h, p);
    for (;;) {
    }
}
