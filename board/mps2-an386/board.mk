# ARM MPS2 AN386: Cortex-M4F (the start-up code enables the FPU).
ARCH_DIR     := board/common/cortex-m
ARCH_FLAGS   := -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard
LDSCRIPT     := linker/mps2-an386.ld
QEMU         := qemu-system-arm
QEMU_MACHINE := mps2-an386
QEMU_FLAGS   := -nographic -semihosting-config enable=on,target=native
