# Toolchain for the native host build (included by the Makefile after board.mk).
HOST_CC     ?= gcc
CC          := $(HOST_CC)
AR          := ar
SIZE        := size
OPT         := -O1 -g
BOARD_SRCS  := board/host/host.c
BOARD_CFLAGS := -DHOST_HEAP_SIZE=$(HOST_HEAP_SIZE)
TARGET_CFLAGS  := -fno-pie -DH_HOST=1
TARGET_LDFLAGS := -no-pie -Wl,--defsym=th_heap_size=$(HOST_HEAP_SIZE)
TARGET_LDLIBS  :=
LINKTEST    := no
