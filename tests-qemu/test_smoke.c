/* SPDX-License-Identifier: MIT */
/*
 * Smoke test: the board boots, prints, passes a few checks and exits.
 * Uses only the harness and the public headers (no libtinyheap.a), so it
 * runs even while src/ is incomplete.
 */
#include "harness.h"

_Static_assert(TH_ALIGNMENT == 8u, "payload alignment is 8");

int main(void)
{
    h_printf("hello from %s: %d %u %x %05d %-3s| %lld %zu %p %c%%\n", h_test_name, -42, 42u,
             0xBEEFu, 7, "ab", -1234567890123LL, (size_t)3, (void *)0, 'z');

    size_t size = 0;
    void  *arena = h_arena(&size);
    h_printf("heap region: %p, %zu bytes\n", arena, size);
    CHECK(arena != NULL);
    CHECK(size >= 4096u);
    CHECK_EQ((uintptr_t)arena % 8u, 0);

    /* The region is writable at both ends. */
    unsigned char *bytes = arena;
    bytes[0] = 0xA5;
    bytes[size - 1u] = 0x5A;
    CHECK_EQ(bytes[0], 0xA5);
    CHECK_EQ(bytes[size - 1u], 0x5A);

    /* The PRNG is deterministic for a seed, and seed 0 is not stuck. */
    h_srand(1);
    uint32_t first = h_rand();
    h_srand(1);
    CHECK_EQ(h_rand(), first);
    h_srand(0);
    CHECK(h_rand() != 0u);
    CHECK(h_rand() != h_rand());

    CHECK_PTR_EQ(h_arena(NULL), arena);
    return h_failures;
}
