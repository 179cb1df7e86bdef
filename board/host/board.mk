# host: native x86_64 Linux binary with AddressSanitizer + UBSan; no QEMU.
ARCH_DIR       := board/host
ARCH_FLAGS     := -fsanitize=address,undefined -fno-sanitize-recover=all -g -fno-omit-frame-pointer
HOST_HEAP_SIZE := 65536
QEMU           :=
QEMU_MACHINE   :=
QEMU_FLAGS     :=
