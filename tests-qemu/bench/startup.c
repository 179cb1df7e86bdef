/* SPDX-License-Identifier: MIT */
/*
 * Bench start-up for mps2-an385 (also runs the ARMv6-M build: Thumb-1 code
 * is valid ARMv7-M code). Copies .data, zeroes .bss, sets up picolibc's TLS
 * block when linked against picolibc, calls bench_main and exits through
 * semihosting with its return value. Faults print a line and exit 3.
 */
#include <stdint.h>

#include "bench.h"

extern uint32_t bench_data_load[], bench_data_start[], bench_data_end[];
extern uint32_t bench_bss_start[], bench_bss_end[];
extern uint32_t bench_stack_top[];

#ifdef BENCH_PICOLIBC
/* picolibc keeps errno in TLS; __aeabi_read_tp returns what _set_tls set.
 * .tdata is empty in these images and .tbss is zero, so a zeroed static
 * block is enough (checked at start-up against the linker's size). */
extern void _set_tls(void *tls);
extern char bench_tls_size[];
static uint64_t bench_tls_block[64];
#endif

void Reset_Handler(void);
void Reset_Handler(void)
{
    uint32_t *s = bench_data_load, *d = bench_data_start;
    while (d < bench_data_end) {
        *d++ = *s++;
    }
    for (d = bench_bss_start; d < bench_bss_end; d++) {
        *d = 0;
    }
#ifdef BENCH_PICOLIBC
    if ((uintptr_t)bench_tls_size + 8u > sizeof bench_tls_block) {
        bench_puts("ERR tls block too small\n");
        bench_exit(2);
    }
    _set_tls(bench_tls_block);
#endif
    bench_exit(bench_main());
}

static void bench_fault(void)
{
    bench_puts("\nERR fault (exception taken)\n");
    bench_exit(3);
}

/* Semihosting: SYS_WRITE0 (0x04) and SYS_EXIT_EXTENDED (0x20). */
static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void bench_puts(const char *s)
{
    (void)semihost(0x04u, s);
}

void bench_exit(int code)
{
    uint32_t block[2] = {0x20026u, (uint32_t)(code < 0 || code > 255 ? 1 : code)};
    (void)semihost(0x20u, block);
    for (;;) {
    }
}

int bench_cmdline(char *buf, uint32_t len)
{
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, len};
    if (semihost(0x15u, block) != 0u) {
        return -1;
    }
    return (int)block[1];
}

typedef void (*bench_vector)(void);
__attribute__((section(".vectors"), used)) static const bench_vector bench_vectors[16] = {
    (bench_vector)(uintptr_t)bench_stack_top, Reset_Handler, bench_fault, bench_fault,
    bench_fault, bench_fault, bench_fault, 0, 0, 0, 0, bench_fault, bench_fault, 0,
    bench_fault, bench_fault,
};
