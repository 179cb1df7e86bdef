# Toolchain for bare-metal i386 (included by the Makefile after board.mk).
# No C library: board/common/x86/libc.c has the few functions GCC may call.
X86_CC      ?= gcc
CC          := $(X86_CC)
AR          := ar
SIZE        := size
BOARD_SRCS  := board/common/x86/start.S board/common/x86/x86.c board/common/x86/libc.c
BOARD_CFLAGS :=
# The compiler is Linux's: it predefines __linux__/__unix__, but this image runs on
# no OS, so undefine them (tests use `#if defined(__linux__)` for mmap and the like).
TARGET_CFLAGS  := -ffreestanding -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
                  -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix
TARGET_LDFLAGS := -m32 -no-pie -static -nostdlib -T $(LDSCRIPT) -Wl,--gc-sections \
                  -Wl,--build-id=none -Wl,--no-warn-rwx-segments
TARGET_LDLIBS  := -lgcc
LINKTEST    := yes
LINKTEST_LDFLAGS := -m32 -no-pie -static -nostdlib -T $(LDSCRIPT) -Wl,--gc-sections \
                    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-e,linktest_entry
# Keep GCC from turning the byte loops of libc.c into calls to themselves.
PER_FILE_CFLAGS_board/common/x86/libc.c := -fno-builtin -fno-tree-loop-distribute-patterns
