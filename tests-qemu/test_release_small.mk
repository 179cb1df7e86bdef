# The allocator and the test built for release with TH_FAST_PATHS=0 and
# TH_FORGET_OLD=0 (no read of a region before th_init/th_add_region write it).
test_release_small_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0 -DTH_FAST_PATHS=0 -DTH_FORGET_OLD=0
test_release_small_CFLAGS     := -UTH_DEBUG -DTH_DEBUG=0 -DTH_FAST_PATHS=0 -DTH_FORGET_OLD=0
