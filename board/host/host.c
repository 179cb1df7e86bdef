/* SPDX-License-Identifier: MIT */
/*
 * Native Linux build (x86_64) of the harness, for the sanitizers. The heap
 * region is a static array named th_heap_start; its size comes from the
 * link (-Wl,--defsym=th_heap_size=HOST_HEAP_SIZE, an absolute symbol, which
 * is why host binaries are linked -no-pie), so C reads both exactly as on
 * the firmware targets.
 */
#include <stdio.h>
#include <stdlib.h>

#include "board.h"

#ifndef HOST_HEAP_SIZE
#error "HOST_HEAP_SIZE must match -Wl,--defsym=th_heap_size (see board/host/board.mk)"
#endif

extern char th_heap_start[];
_Alignas(16) char th_heap_start[HOST_HEAP_SIZE];

void board_putc(char c)
{
    (void)putchar((unsigned char)c);
}

_Noreturn void board_exit(int code)
{
    (void)fflush(stdout);
    exit(code == 0 ? 0 : 1);
}

int main(void)
{
    (void)setvbuf(stdout, NULL, _IOLBF, 0); /* keep order with sanitizer reports on stderr */
    h_run();
}
