# ARM MPS2 AN385: Cortex-M3. The default board.
ARCH_DIR     := board/common/cortex-m
ARCH_FLAGS   := -mcpu=cortex-m3 -mthumb
LDSCRIPT     := linker/mps2-an385.ld
QEMU         := qemu-system-arm
QEMU_MACHINE := mps2-an385
QEMU_FLAGS   := -nographic -semihosting-config enable=on,target=native
