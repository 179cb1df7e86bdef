/* SPDX-License-Identifier: MIT */
/*
 * The CMake consumer's firmware: a vector table, a reset handler and an
 * application that allocates with plain malloc/strdup, which the linked
 * tinyheap_newlib object sends to th_default().
 */
#include <stdlib.h>
#include <string.h>

#include "tinyheap.h"

extern char th_stack_top[];
int         main(void);
void        reset_handler(void);

__attribute__((section(".vectors"), used)) static void *const vectors[2] = {
    th_stack_top, (void *)reset_handler};

void reset_handler(void)
{
    /* (.data/.bss initialisation omitted: this image is only linked.) */
    (void)main();
    for (;;) {
    }
}

int main(void)
{
    char *s = malloc(32);
    if (s == NULL) {
        return 1;
    }
    strcpy(s, "tinyheap");
    char *d = strdup(s);
    free(s);
    th_stats st = th_get_stats(th_default());
    free(d);
    return st.allocs >= 2u ? 0 : 1;
}
