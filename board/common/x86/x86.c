/* SPDX-License-Identifier: MIT */
/*
 * i386 board support under QEMU: IDT for the 32 CPU exceptions, console on
 * the debugcon port 0xE9 (-debugcon stdio) and exit through isa-debug-exit
 * at 0xF4 (-device isa-debug-exit,iobase=0xf4,iosize=0x04). QEMU exits with
 * (2v + 1): a pass writes 0x10 (status 33), a failure 0x11 (status 35).
 * Status 1 would be ambiguous (QEMU's own errors), 0 is a triple fault.
 */
#include <stddef.h>
#include <stdint.h>

#include "board.h"

#define DEBUGCON_PORT 0xE9
#define DEBUG_EXIT_PORT 0xF4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11

/* Registers as start.S's isr_common leaves them on the stack. */
struct x86_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax; /* pushal */
    uint32_t vector, error;                          /* stub */
    uint32_t eip, cs, eflags;                        /* CPU */
};

void x86_start(void);
_Noreturn void x86_exception(const struct x86_frame *f);

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t  zero;
    uint8_t  type;
    uint16_t offset_hi;
};

struct __attribute__((packed)) idt_ptr {
    uint16_t limit;
    uint32_t base;
};

extern const uint32_t x86_isr_table[32];
static struct idt_gate idt[32];

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

void x86_start(void)
{
    for (size_t i = 0; i < 32; i++) {
        uint32_t addr = x86_isr_table[i];
        idt[i].offset_lo = (uint16_t)(addr & 0xFFFFu);
        idt[i].selector = 0x08;
        idt[i].zero = 0;
        idt[i].type = 0x8E; /* present, ring 0, 32-bit interrupt gate */
        idt[i].offset_hi = (uint16_t)(addr >> 16);
    }
    const struct idt_ptr ptr = {(uint16_t)(sizeof idt - 1u), (uint32_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(ptr));
    h_run();
}

static void put_str(const char *s)
{
    while (*s != '\0') {
        board_putc(*s++);
    }
}

static void put_hex(const char *name, uint32_t v)
{
    put_str(name);
    put_str("=0x");
    for (int shift = 28; shift >= 0; shift -= 4) {
        board_putc("0123456789abcdef"[(v >> shift) & 0xFu]);
    }
}

/* One indented line of name=value pairs. */
static void put_hexes(const char *const *names, const uint32_t *values, unsigned n)
{
    put_str("    ");
    for (unsigned i = 0; i < n; i++) {
        put_hex(names[i], values[i]);
        put_str(i + 1u < n ? " " : "\n");
    }
}

static const char *const exception_names[20] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
    "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
};

_Noreturn void x86_exception(const struct x86_frame *f)
{
    put_str("\n*** x86 exception ");
    board_putc((char)('0' + f->vector / 10u));
    board_putc((char)('0' + f->vector % 10u));
    put_str(" (");
    put_str(f->vector < 20u ? exception_names[f->vector] : "reserved");
    put_str(")\n");
    static const char *const ctl[] = {"error", "eip", "eflags"};
    const uint32_t           cv[]  = {f->error, f->eip, f->eflags};
    put_hexes(ctl, cv, 3u);
    static const char *const gen[] = {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp"};
    const uint32_t gv[] = {f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi, f->ebp};
    put_hexes(gen, gv, 7u);
    board_exit(1);
}

void board_putc(char c)
{
    outb(DEBUGCON_PORT, (uint8_t)c);
}

_Noreturn void board_exit(int code)
{
    outb(DEBUG_EXIT_PORT, code == 0 ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
    for (;;) { /* no isa-debug-exit device: hang, the runner's timeout fails the test */
        __asm__ volatile("cli; hlt");
    }
}
