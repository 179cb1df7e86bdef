# Bare-metal i386 (multiboot v1): debugcon 0xE9 output, isa-debug-exit at 0xF4.
ARCH_DIR     := board/common/x86
ARCH_FLAGS   := -m32 -march=i686
LDSCRIPT     := linker/x86.ld
QEMU         := qemu-system-i386
QEMU_MACHINE := pc
QEMU_FLAGS   := -display none -no-reboot -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
QEMU_EXIT_PASS := 33
