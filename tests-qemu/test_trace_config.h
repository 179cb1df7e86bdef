/* SPDX-License-Identifier: MIT */
/*
 * test_trace's configuration header (TH_CONFIG_HEADER, see test_trace.mk):
 * the two trace hooks record every event for the test to check.
 */
#ifndef TEST_TRACE_CONFIG_H
#define TEST_TRACE_CONFIG_H

#include <stddef.h>

void test_trace_alloc(const void *h, const void *ptr, size_t size);
void test_trace_free(const void *h, const void *ptr, size_t size);

#define TH_TRACE_ALLOC(h, ptr, size) test_trace_alloc((h), (ptr), (size))
#define TH_TRACE_FREE(h, ptr, size)  test_trace_free((h), (ptr), (size))

#endif
