/* SPDX-License-Identifier: MIT */
/*
 * test_newlib_go: test_newlib with the allocator and the port built for the
 * Go runtime's tiny alignment rule (TH_TINY_ALIGN_GO=1, test_newlib_go.mk),
 * under which the port rounds small requests itself to keep newlib's 8-byte
 * alignment: malloc(0) must still be a unique non-NULL pointer, and every
 * result 8-aligned.
 */
#include "test_newlib.c"
