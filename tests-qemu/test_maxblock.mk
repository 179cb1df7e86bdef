# test_maxblock (see test_maxblock.c): the allocator and the test built with
# the largest block at 4 KiB, so that a region the size of the largest block
# and the split of a larger one fit every target's RAM.
test_maxblock_LIB_CFLAGS := -DTH_MAX_BLOCK_LOG2=12
test_maxblock_CFLAGS     := -DTH_MAX_BLOCK_LOG2=12
