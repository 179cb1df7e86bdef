# The allocator built with trace hooks named in a configuration header of
# the user's (TH_CONFIG_HEADER, see test_trace.c).
test_trace_LIB_CFLAGS := -DTH_CONFIG_HEADER='"test_trace_config.h"'
test_trace_CFLAGS     := -DTH_CONFIG_HEADER='"test_trace_config.h"'
