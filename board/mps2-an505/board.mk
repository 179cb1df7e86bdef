# ARM MPS2 AN505: Cortex-M33 (ARMv8-M Mainline), running in Secure state.
ARCH_DIR     := board/common/cortex-m
ARCH_FLAGS   := -mcpu=cortex-m33 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard
LDSCRIPT     := linker/mps2-an505.ld
QEMU         := qemu-system-arm
QEMU_MACHINE := mps2-an505
QEMU_FLAGS   := -nographic -semihosting-config enable=on,target=native
