/* SPDX-License-Identifier: MIT */
/*
 * test_config_edges: test_stress's 10^5 random operations against the
 * shadow model, with the allocator built at the other end of every option's
 * documented range from the default (th_config.h): the largest block at its
 * maximum (TH_MAX_BLOCK_LOG2=23), one region slot, the smallest persistent
 * chunk (64), only requests under 16 bytes tiny (TH_TINY_MAX=15) and the Go
 * runtime's tiny alignment rule. Each of these changes a constant the code
 * derives sizes, bins or placement from; the defaults alone never build them.
 */
#include "test_stress.c"
