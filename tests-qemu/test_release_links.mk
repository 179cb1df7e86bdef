# test_release_links (see test_release_links.c): the allocator built for release.
test_release_links_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0
test_release_links_CFLAGS     := -UTH_DEBUG -DTH_DEBUG=0
