# test_newlib with TH_TINY_ALIGN_GO=1 (see the .c file).
test_newlib_go_SRCS       := $(test_newlib_SRCS)
test_newlib_go_CFLAGS     := $(test_newlib_CFLAGS) -DTH_TINY_ALIGN_GO=1
test_newlib_go_LIB_CFLAGS := -DTH_TINY_ALIGN_GO=1
test_newlib_go_BOARDS     := $(test_newlib_BOARDS)
$(B)/tests-qemu/test_newlib_go.elf: LINK = tests-qemu/scripts/link-no-libc-malloc.sh \
    $(CC) $(ARCH_FLAGS) $(TARGET_LDFLAGS)
$(B)/tests-qemu/test_newlib_go.elf: LINK += $(NEWLIB_TEST_LDFLAGS)
