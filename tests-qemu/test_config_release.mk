# test_config_release (see test_config_release.c): a release build with the
# hardening and fill options on, other fill bytes, no forced inlining.
test_config_release_LIB_CFLAGS := -UTH_DEBUG -DTH_DEBUG=0 -DTH_HARDEN=1 -DTH_FILL=1 -DTH_FAST_PATHS=0 \
                                  -DTH_MAX_REGIONS=16 -DTH_FILL_FRESH_BYTE=0xC3u \
                                  -DTH_FILL_FREED_BYTE=0x3Cu
test_config_release_CFLAGS     := $(test_config_release_LIB_CFLAGS)
