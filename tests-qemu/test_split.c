/* SPDX-License-Identifier: MIT */
/*
 * test_split: test_stress's 10^5 random operations against the shadow
 * model, with the largest block cut to 4 KiB (TH_MAX_BLOCK_LOG2=12, the
 * smallest setting) and 8 region slots, so that th_init splits the test's
 * 14 KiB region into three or more regions of its own (as it splits a
 * region over 4 MiB by default). Blocks, slabs and frees then cross from
 * piece to piece on every target: pointer classification by region, the
 * page maps of adjacent regions, and free blocks that must not merge across
 * a piece's end. The bins (32) fill their one bitmap word exactly.
 */
#include "test_stress.c"
