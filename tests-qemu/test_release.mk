# The allocator and the test built for release (see test_release.c).
test_release_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0
test_release_CFLAGS     := -UTH_DEBUG -DTH_DEBUG=0
