/* SPDX-License-Identifier: MIT */
/*
 * test_bits: the bit scans every malloc and free depends on (TH_CTZ, TH_CLZ
 * and th_bin_of). On ARMv6-M (microbit) they are de Bruijn multiplies of our
 * own instead of the CLZ instruction, so they are checked against a plain
 * loop: every single bit, every low mask, and random values; and th_bin_of
 * against its definition (8 exact classes, then 4 per power of two) for
 * every block size up to the largest (on ARMv6-M it reads a 256-entry
 * table, shifted for the larger sizes: th_bin_small, th_bin_large).
 */
#include "harness.h"
#include "th_internal.h"

static unsigned slow_ctz(uint32_t x)
{
    unsigned n = 0;
    while ((x & 1u) == 0u) {
        x >>= 1;
        n++;
    }
    return n;
}

static unsigned slow_clz(uint32_t x)
{
    unsigned n = 0;
    while ((x & 0x80000000u) == 0u) {
        x <<= 1;
        n++;
    }
    return n;
}

/* The bin of a block of g granules by definition: exact below 8 granules,
 * then [2^f, 2^(f+1)) split into four equal classes. */
static uint32_t slow_bin(uint32_t bsize)
{
    uint32_t g = bsize / TH_GRANULE;
    if (g < 8u) {
        return g;
    }
    uint32_t f = 31u - slow_clz(g);
    return 8u + 4u * (f - 3u) + (g - (1u << f)) / (1u << (f - 2u));
}

int main(void)
{
    for (unsigned i = 0; i < 32u; i++) {
        uint32_t bit  = 1u << i;
        uint32_t mask = bit | (bit - 1u);
        CHECK_EQ(TH_CTZ(bit), i);
        CHECK_EQ(TH_CLZ(bit), 31u - i);
        CHECK_EQ(TH_CTZ(mask), 0u);
        CHECK_EQ(TH_CLZ(mask), 31u - i);
        CHECK_EQ(TH_CTZ(~(bit - 1u)), i);
    }
    for (unsigned n = 0; n < 20000u; n++) {
        uint32_t x = h_rand() >> (h_rand() % 32u);
        if (x == 0u) {
            continue;
        }
        if (TH_CTZ(x) != slow_ctz(x) || TH_CLZ(x) != slow_clz(x)) {
            CHECK_EQ(TH_CTZ(x), slow_ctz(x));
            CHECK_EQ(TH_CLZ(x), slow_clz(x));
            h_printf("  x = 0x%08lx\n", (unsigned long)x);
            break;
        }
    }
    for (uint32_t b = TH_GRANULE; b <= (1u << TH_MAX_BLOCK_LOG2); b += TH_GRANULE) {
        if (th_bin_of(b) != slow_bin(b)) {
            CHECK_EQ(th_bin_of(b), slow_bin(b));
            h_printf("  block size %lu\n", (unsigned long)b);
            break;
        }
    }
    CHECK_EQ(th_bin_of(1u << TH_MAX_BLOCK_LOG2), TH_BIN_COUNT);
    /* Sizes no block has, up to the largest an aligned request searches
     * for (a block, plus an alignment below the largest block, plus one
     * more block): past every bin, never a bin read from outside a table
     * (on ARMv6-M, th_bin_small shifted). */
    for (uint32_t b = 1u << TH_MAX_BLOCK_LOG2; b <= (3u << TH_MAX_BLOCK_LOG2); b += 64u) {
        if (th_bin_of(b) < TH_BIN_COUNT) {
            CHECK(th_bin_of(b) >= TH_BIN_COUNT);
            h_printf("  size %lu\n", (unsigned long)b);
            break;
        }
    }
#if defined(__thumb__) && !defined(__thumb2__)
    CHECK_EQ(th_bin_large(1u << 20), TH_BIN_COUNT);
    CHECK_EQ(th_bin_large(3u << 20), TH_BIN_COUNT);
#endif
    return h_failures;
}
