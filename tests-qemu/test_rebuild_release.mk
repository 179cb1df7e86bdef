# test_rebuild_release (see test_rebuild_release.c): the allocator built for release.
test_rebuild_release_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0
test_rebuild_release_CFLAGS     := -UTH_DEBUG -DTH_DEBUG=0
