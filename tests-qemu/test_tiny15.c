/* SPDX-License-Identifier: MIT */
/*
 * test_tiny15: test_tiny with TH_TINY_MAX=15, where a 16-byte request is a
 * general block (the contract's minimum tiny range), so both settings of
 * the option are held to the same tests.
 */
#include "test_tiny.c"
