# test_corrupt: metadata overwritten, caught by the next call (hardening and
# the fill patterns on, explicitly, whatever TH_DEBUG says).
test_corrupt_LIB_CFLAGS := -DTH_HARDEN=1 -DTH_FILL=1
