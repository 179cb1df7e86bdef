/* SPDX-License-Identifier: MIT */
/*
 * bound.py's own test (`make bound-check` runs `bound.py --selftest` on
 * this file, linked alone): one loop with a bound, one without, a
 * recursion, and a call. The tool must bound the first and its caller, and
 * refuse the other two.
 */
#include <stdint.h>

volatile uint32_t st_sink;

__attribute__((noinline)) uint32_t st_bounded(uint32_t n)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) { /* loop bound: TH_BOUND_N16 */
        s += i * 3u;
        st_sink = s;
    }
    return s;
}

uint32_t st_caller(uint32_t n) { return st_bounded(n) + st_sink; }

uint32_t st_unbounded(uint32_t n)
{
    uint32_t s = 0;
    while (n != 0u) {
        s += n;
        n >>= 1;
        st_sink = s;
    }
    return s;
}

__attribute__((noinline)) uint32_t st_recursive(uint32_t n)
{
    if (n == 0u) {
        return st_sink;
    }
    uint32_t r = st_recursive(n - 1u);
    st_sink    = r;
    return r + st_sink;
}

void st_start(void);
void st_start(void)
{
    st_sink = st_caller(st_sink) + st_unbounded(st_sink) + st_recursive(st_sink);
    for (;;) {
    }
}
