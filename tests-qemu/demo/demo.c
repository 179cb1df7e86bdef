/* SPDX-License-Identifier: MIT */
/*
 * Demo firmware for `make run`: for now it prints the heap region the
 * linker script gave it. (Built without libtinyheap.a until src/ is
 * complete; see DEMO_NOLIB in the Makefile.)
 */
#include "harness.h"

int main(void)
{
    size_t size = 0;
    void  *start = h_arena(&size);
    h_printf("tinyheap demo on %s\n", BOARD_NAME);
    h_printf("heap region: start %p, size %zu bytes (%zu KiB)\n", start, size, size / 1024u);
    return 0;
}
