/* SPDX-License-Identifier: MIT */
/* Private to board/common/cortex-m: handler names and console helpers. */
#ifndef CORTEX_M_H
#define CORTEX_M_H

#include <stdint.h>

void Reset_Handler(void);
void Default_Handler(void);
void Fault_Handler(void);
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SecureFault_Handler(void);
void SVC_Handler(void);
void DebugMon_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);
void IRQ_Handler(void);

/* Called by Fault_Handler with the stacked exception frame and EXC_RETURN. */
_Noreturn void cm_fault_report(const uint32_t *frame, uint32_t exc_return);

/* Minimal output for fault reports (no harness, no libc). */
void cm_puts(const char *s);
void cm_puthex(uint32_t v);
void cm_putdec(uint32_t v);

#endif /* CORTEX_M_H */
