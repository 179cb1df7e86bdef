# test_config_edges (see test_config_edges.c): every option at the far end of
# its range from the default.
test_config_edges_LIB_CFLAGS := -DTH_MAX_BLOCK_LOG2=23 -DTH_MAX_REGIONS=1 -DTH_PERSIST_CHUNK=64u \
                                -DTH_TINY_MAX=15 -DTH_TINY_ALIGN_GO=1
test_config_edges_CFLAGS     := $(test_config_edges_LIB_CFLAGS)
