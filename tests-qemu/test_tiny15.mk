# The tiny allocator with TH_TINY_MAX=15 (see test_tiny15.c).
test_tiny15_LIB_CFLAGS := -DTH_TINY_MAX=15
test_tiny15_CFLAGS     := -DTH_TINY_MAX=15
