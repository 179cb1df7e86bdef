# Toolchain for every Cortex-M board (included by the Makefile after board.mk).
# Firmware links newlib-nano for memcpy/memset; the harness never calls
# printf/malloc, and the start-up code is ours (-nostartfiles).
CROSS       ?= arm-none-eabi-
CC          := $(CROSS)gcc
AR          := $(CROSS)ar
SIZE        := $(CROSS)size
BOARD_SRCS  := board/common/cortex-m/startup.c board/common/cortex-m/fault.c \
               board/common/cortex-m/semihost.c board/common/cortex-m/memcpy.c
BOARD_CFLAGS :=
# The start-up code sets CCR.UNALIGN_TRP (M3/M4/M33): GCC must not rely on
# unaligned access (inline memcpy, packed structs), and memcpy.c replaces
# newlib's memcpy, which does. See board/common/cortex-m/memcpy.c.
TARGET_CFLAGS  := -mno-unaligned-access
TARGET_LDFLAGS := -nostartfiles --specs=nano.specs --specs=nosys.specs -L linker -T $(LDSCRIPT) \
                  -Wl,--gc-sections -Wl,--no-warn-rwx-segments
TARGET_LDLIBS  :=
# The -nostdlib link test: libtinyheap.a plus libgcc only.
LINKTEST    := yes
LINKTEST_LDFLAGS := -nostdlib -nostartfiles -L linker -T $(LDSCRIPT) -Wl,--gc-sections \
                    -Wl,--no-warn-rwx-segments -Wl,-e,linktest_entry
PER_FILE_CFLAGS_board/common/cortex-m/memcpy.c := -fno-builtin -fno-tree-loop-distribute-patterns
# The start-up copy/zero loops run before anything is set up: keep them loops.
PER_FILE_CFLAGS_board/common/cortex-m/startup.c := -fno-tree-loop-distribute-patterns
