/* SPDX-License-Identifier: MIT */
/*
 * C start-up shared by every Cortex-M board (ARMv6-M, ARMv7-M, ARMv7E-M,
 * ARMv8-M Mainline). Linked with linker/cortex-m.ld, which supplies the
 * th_data_*, th_bss_* and th_stack_top symbols used below.
 *
 * Reset_Handler, in this order:
 *   1. enables the FPU (CPACR) when the build uses one. It must come first:
 *      with -mfloat-abi=hard GCC may emit FP instructions anywhere, and at
 *      reset CPACR is 0, so any FP instruction raises a NOCP UsageFault;
 *   2. on ARMv7-M and later, sets CCR.UNALIGN_TRP (misaligned LDR/STR fault,
 *      as they always do on ARMv6-M; this catches misaligned allocator
 *      pointers) and CCR.DIV_0_TRP, and enables the MemManage, BusFault,
 *      UsageFault (and SecureFault) handlers so each fault names itself;
 *   3. copies .data from flash, zeroes .bss;
 *   4. when the image has picolibc's _set_tls (its errno is thread-local),
 *      fills the main thread's TLS block from the .tdata image and makes
 *      it current, as picolibc's own crt0 would;
 *   5. calls the harness (h_run), which never returns.
 *
 * Every handler is a weak alias, so a test can define its own, e.g.
 * `void SysTick_Handler(void) { ... }`.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "cortex-m.h"

/* Symbols from linker/cortex-m.ld. */
extern uint32_t th_data_load[], th_data_start[], th_data_end[];
extern uint32_t th_bss_start[], th_bss_end[];
extern uint32_t th_stack_top[];
extern uint8_t  th_tdata_start[], th_tdata_end[], th_tls_block[];

/* picolibc's: makes a TLS block current. Weak, so that it links nothing;
 * an image that uses picolibc's errno has it (through __aeabi_read_tp). */
extern void _set_tls(void *tls) __attribute__((weak)); /* NOLINT(bugprone-reserved-identifier) */

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define SCB_CPACR   REG32(0xE000ED88u)
#define SCB_CCR     REG32(0xE000ED14u)
#define SCB_SHCSR   REG32(0xE000ED24u)

#define CCR_UNALIGN_TRP (1u << 3)
#define CCR_DIV_0_TRP   (1u << 4)

void Reset_Handler(void)
{
#if defined(__ARM_FP)
    SCB_CPACR |= 0xFu << 20; /* CP10 and CP11: full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
#if __ARM_ARCH >= 7
    SCB_CCR |= CCR_UNALIGN_TRP | CCR_DIV_0_TRP;
    SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18); /* MEMFAULT, BUSFAULT, USGFAULT */
#if defined(__ARM_ARCH_8M_MAIN__)
    SCB_SHCSR |= 1u << 19; /* SECUREFAULTENA */
#endif
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    size_t data_words = ((uintptr_t)th_data_end - (uintptr_t)th_data_start) / 4u;
    for (size_t i = 0; i < data_words; i++) {
        th_data_start[i] = th_data_load[i];
    }
    size_t bss_words = ((uintptr_t)th_bss_end - (uintptr_t)th_bss_start) / 4u;
    for (size_t i = 0; i < bss_words; i++) {
        th_bss_start[i] = 0;
    }
    if (_set_tls != NULL) {
        size_t tdata = (size_t)(th_tdata_end - th_tdata_start); /* .tbss: zeroed with .bss */
        for (size_t i = 0; i < tdata; i++) {
            th_tls_block[i] = th_tdata_start[i];
        }
        _set_tls(th_tls_block);
    }
    h_run();
}

/* Any exception nobody handles: report its number and fail. */
void Default_Handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    cm_puts("\n*** unexpected exception ");
    cm_putdec(ipsr & 0x1FFu);
    cm_puts("\n");
    board_exit(1);
}

/* Every fault: find the stacked frame (EXC_RETURN bit 2: PSP or MSP) and
 * report it (fault.c). Written in Thumb-1 so the same code runs on ARMv6-M. */
__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile("movs r0, #4\n\t"
                     "mov  r1, lr\n\t"
                     "tst  r0, r1\n\t"
                     "beq  1f\n\t"
                     "mrs  r0, psp\n\t"
                     "b    2f\n"
                     "1:\n\t"
                     "mrs  r0, msp\n"
                     "2:\n\t"
                     "bl   cm_fault_report\n");
}

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void SecureFault_Handler(void) __attribute__((weak, alias("Fault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void IRQ_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* Entry 0 is the initial stack pointer, the rest are handlers. */
typedef union {
    void (*handler)(void);
    uint32_t *stack;
} cm_vector;

#define CM_IRQ_COUNT 32 /* enough for every board here (nRF51: 26, MPS2: 32) */
#define CM_IRQ                                                                            \
    {                                                                                     \
        .handler = IRQ_Handler                                                            \
    }
#define CM_IRQ8 CM_IRQ, CM_IRQ, CM_IRQ, CM_IRQ, CM_IRQ, CM_IRQ, CM_IRQ, CM_IRQ

__attribute__((section(".vectors"), used)) static const cm_vector cm_vectors[16 + CM_IRQ_COUNT] = {
    [0] = {.stack = th_stack_top},
    [1] = {.handler = Reset_Handler},
    [2] = {.handler = NMI_Handler},
    [3] = {.handler = HardFault_Handler},
    [4] = {.handler = MemManage_Handler},
    [5] = {.handler = BusFault_Handler},
    [6] = {.handler = UsageFault_Handler},
    [7] = {.handler = SecureFault_Handler}, /* ARMv8-M only; reserved elsewhere */
    [11] = {.handler = SVC_Handler},
    [12] = {.handler = DebugMon_Handler},
    [14] = {.handler = PendSV_Handler},
    [15] = {.handler = SysTick_Handler},
    /* External interrupts 0..31 (a range designator would not be ISO C). */
    CM_IRQ8, CM_IRQ8, CM_IRQ8, CM_IRQ8,
};
