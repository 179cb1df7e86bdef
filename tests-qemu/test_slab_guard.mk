# The slab-release checks in the release build (see test_slab_guard.c).
test_slab_guard_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0
test_slab_guard_CFLAGS     := -UTH_DEBUG -DTH_DEBUG=0
