/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal i386 entry for QEMU's multiboot v1 loader (-kernel file.elf).
 *
 * On entry: flat 32-bit protected mode, paging off, EAX = 0x2BADB002,
 * EBX -> multiboot info, no usable stack and no GDT of our own. _start loads
 * a flat GDT (code 0x08, data 0x10), sets the stack, zeroes .bss and calls
 * x86_start (x86.c), which installs the IDT and runs the harness.
 *
 * isr0..isr31 are the exception stubs: each pushes a dummy error code where
 * the CPU pushes none, then the vector number, saves the registers and calls
 * x86_exception(frame), which prints them and fails the test.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003 /* page-align modules, provide memory info */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    cli
    movl $th_stack_top, %esp
    lgdt gdt_ptr
    ljmp $0x08, $1f
1:  movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movl $th_bss_start, %edi
    movl $th_bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    cld
    rep stosb
    pushl $0 /* 16-byte stack alignment at the call */
    pushl $0
    pushl $0
    call x86_start
2:  hlt
    jmp 2b
    .size _start, . - _start

    .section .rodata.gdt, "a"
    .align 8
gdt:
    .quad 0
    .quad 0x00CF9B000000FFFF /* 0x08: code, base 0, limit 4 GiB, accessed */
    .quad 0x00CF93000000FFFF /* 0x10: data, base 0, limit 4 GiB, accessed */
gdt_ptr:
    .word gdt_ptr - gdt - 1
    .long gdt

/* Exception stubs. Vectors 8, 10-14, 17, 21, 29, 30 push an error code. */
    .section .text.isr, "ax"
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
isr\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    pushl $0
    .endif
    pushl $\n
    jmp isr_common
    .endr

isr_common:
    pushal
    movl %esp, %eax
    andl $-16, %esp
    subl $12, %esp
    pushl %eax
    call x86_exception
3:  hlt
    jmp 3b

    .section .rodata.isr_table, "a"
    .align 4
    .globl x86_isr_table
x86_isr_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long isr\n
    .endr

    .section .note.GNU-stack, "", @progbits
