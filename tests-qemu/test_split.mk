# test_split (see test_split.c): the allocator and the test built with the
# largest block at 4 KiB and 8 region slots.
test_split_LIB_CFLAGS := -DTH_MAX_BLOCK_LOG2=12 -DTH_MAX_REGIONS=8
test_split_CFLAGS     := -DTH_MAX_BLOCK_LOG2=12 -DTH_MAX_REGIONS=8 -DTEST_MIN_REGIONS=3
