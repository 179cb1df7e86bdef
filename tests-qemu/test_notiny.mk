# The allocator built without the tiny allocator (see test_notiny.c).
test_notiny_LIB_CFLAGS := -DTH_TINY=0
test_notiny_CFLAGS     := -DTH_TINY=0
