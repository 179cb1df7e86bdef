/* SPDX-License-Identifier: MIT */
/*
 * Fault reporting for every Cortex-M board: HardFault, MemManage, BusFault,
 * UsageFault and SecureFault all land in Fault_Handler (startup.c), which
 * finds the stacked exception frame (MSP or PSP, from EXC_RETURN bit 2) and
 * hands it to cm_fault_report. That prints the exception, the stacked registers and,
 * on ARMv7-M and later, the fault status registers decoded, then fails the
 * test through board_exit(1). On ARMv6-M (no CFSR) only the frame is shown.
 *
 * If the stack itself is broken, reading the frame faults again; QEMU then
 * reports a lockup and exits 134, which the runner also counts as a failure.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "cortex-m.h"

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#if __ARM_ARCH >= 7
/* CFSR bits: MMFSR [7:0], BFSR [15:8], UFSR [31:16]. */
static const struct {
    uint32_t    bit;
    const char *name;
} cfsr_bits[] = {
    {1u << 0, "IACCVIOL"},     {1u << 1, "DACCVIOL"},   {1u << 3, "MUNSTKERR"},
    {1u << 4, "MSTKERR"},      {1u << 5, "MLSPERR"},    {1u << 7, "MMARVALID"},
    {1u << 8, "IBUSERR"},      {1u << 9, "PRECISERR"},  {1u << 10, "IMPRECISERR"},
    {1u << 11, "UNSTKERR"},    {1u << 12, "STKERR"},    {1u << 13, "LSPERR"},
    {1u << 15, "BFARVALID"},   {1u << 16, "UNDEFINSTR"}, {1u << 17, "INVSTATE"},
    {1u << 18, "INVPC"},       {1u << 19, "NOCP"},      {1u << 20, "STKOF"},
    {1u << 24, "UNALIGNED"},   {1u << 25, "DIVBYZERO"},
};
#endif

static const char *const exception_names[] = {
    "?", "Reset", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault", "SecureFault",
};

static void put_reg(const char *name, uint32_t v)
{
    cm_puts(name);
    cm_puts("=0x");
    cm_puthex(v);
}

/* One indented line of name=value pairs. */
static void put_regs(const char *const *names, const uint32_t *values, unsigned n)
{
    cm_puts("    ");
    for (unsigned i = 0; i < n; i++) {
        put_reg(names[i], values[i]);
        cm_puts(i + 1u < n ? " " : "\n");
    }
}

_Noreturn void cm_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    uint32_t exc = ipsr & 0x1FFu;

    cm_puts("\n*** ");
    cm_puts(exc < sizeof exception_names / sizeof exception_names[0] ? exception_names[exc]
                                                                      : "exception");
    cm_puts(" (exception ");
    cm_putdec(exc);
    cm_puts(")\n");
    static const char *const special[] = {"pc", "lr", "xpsr", "exc_return"};
    const uint32_t           sv[]      = {frame[6], frame[5], frame[7], exc_return};
    put_regs(special, sv, 4u);
    static const char *const general[] = {"r0", "r1", "r2", "r3", "r12"};
    put_regs(general, frame, 5u); /* the stacked r0-r3, r12 */
#if __ARM_ARCH >= 7
    uint32_t                 cfsr     = REG32(0xE000ED28u);
    static const char *const status[] = {"CFSR", "HFSR", "MMFAR", "BFAR"};
    const uint32_t           stv[]    = {cfsr, REG32(0xE000ED2Cu), REG32(0xE000ED34u),
                                         REG32(0xE000ED38u)};
    put_regs(status, stv, 4u);
    cm_puts("    CFSR:");
    for (unsigned i = 0; i < sizeof cfsr_bits / sizeof cfsr_bits[0]; i++) {
        if ((cfsr & cfsr_bits[i].bit) != 0u) {
            cm_puts(" ");
            cm_puts(cfsr_bits[i].name);
        }
    }
    cm_puts("\n");
#endif
    board_exit(1);
}

void cm_puts(const char *s)
{
    while (*s != '\0') {
        board_putc(*s++);
    }
}

void cm_puthex(uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4) {
        board_putc("0123456789abcdef"[(v >> shift) & 0xFu]);
    }
}

void cm_putdec(uint32_t v)
{
    char   digits[10];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        board_putc(digits[--n]);
    }
}
