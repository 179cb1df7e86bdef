# test_freertos4_small (see test_freertos4_small.c): heap_4 mode with a
# configTOTAL_HEAP_SIZE of 64 bytes, too small for any heap; every target.
test_freertos4_small_SRCS   := $(test_freertos4_SRCS)
test_freertos4_small_CFLAGS := $(test_freertos4_CFLAGS) -DconfigTOTAL_HEAP_SIZE=64 -DTEST_TOO_SMALL
