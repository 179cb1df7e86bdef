# test_rebuild_split (see test_rebuild_split.c): the release build with the
# smallest largest block, so that test_rebuild's banks are split.
test_rebuild_split_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0 -DTH_MAX_BLOCK_LOG2=12 -DTH_MAX_REGIONS=8
test_rebuild_split_CFLAGS     := $(test_rebuild_split_LIB_CFLAGS)
