# test_freertos4 with the allocator and the port built for release (see the .c file).
test_freertos4_release_SRCS       := $(test_freertos4_SRCS)
test_freertos4_release_CFLAGS     := $(test_freertos4_CFLAGS) -UTH_DEBUG -DTH_DEBUG=0
test_freertos4_release_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0
