# BBC micro:bit: nRF51822, Cortex-M0 (QEMU's only M0 board; M0+ code runs unchanged).
ARCH_DIR     := board/common/cortex-m
ARCH_FLAGS   := -mcpu=cortex-m0plus -mthumb
LDSCRIPT     := linker/microbit.ld
QEMU         := qemu-system-arm
QEMU_MACHINE := microbit
QEMU_FLAGS   := -nographic -semihosting-config enable=on,target=native
