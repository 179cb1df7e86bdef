# test_freertos4_huge (see test_freertos4_small.c): heap_4 mode with a 20 MiB
# ucHeap, more than the TH_MAX_REGIONS pieces of 4 MiB can take; host only.
test_freertos4_huge_SRCS   := $(test_freertos4_SRCS)
test_freertos4_huge_CFLAGS := $(test_freertos4_CFLAGS) -DconfigTOTAL_HEAP_SIZE=20971520
test_freertos4_huge_BOARDS := host
