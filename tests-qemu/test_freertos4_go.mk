# test_freertos4 with TH_TINY_ALIGN_GO=1 (see the .c file), on every target.
test_freertos4_go_SRCS       := $(test_freertos4_SRCS)
test_freertos4_go_CFLAGS     := $(test_freertos4_CFLAGS) -DTH_TINY_ALIGN_GO=1
test_freertos4_go_LIB_CFLAGS := -DTH_TINY_ALIGN_GO=1
