/* SPDX-License-Identifier: MIT */
/*
 * Test harness core: checks, a small printf, the PRNG and h_run. The fault
 * recorder lives in harness_faults.c, so that tests which do not use it
 * (smoke, self-tests) link without libtinyheap.a: both are archived in
 * build/<board>/libharness.a and only pulled in when referenced.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "harness.h"

int h_failures;

/* ---- Output --------------------------------------------------------------- */

static void put_str(const char *s)
{
    while (*s != '\0') {
        board_putc(*s++);
    }
}

void h_puts(const char *s)
{
    put_str(s);
    board_putc('\n');
}

/* Writes v in `base` (10 or 16) into the end of buf; returns the digits' start.
 * Values that fit in 32 bits use 32-bit division (no libgcc call on 32-bit
 * targets, and much faster on the M0). */
static char *format_unsigned(char *buf_end, unsigned long long v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char       *p = buf_end;
    do {
        if (v <= UINT32_MAX) {
            uint32_t v32 = (uint32_t)v;
            *--p = digits[v32 % base];
            v = v32 / base;
        } else {
            *--p = digits[v % base];
            v /= base;
        }
    } while (v != 0u);
    return p;
}

static void put_field(const char *s, size_t len, const char *sign, unsigned width, bool zero,
                      bool left)
{
    size_t sign_len = 0;
    while (sign[sign_len] != '\0') {
        sign_len++;
    }
    size_t pad = width > len + sign_len ? width - len - sign_len : 0;
    if (!left && !zero) {
        for (size_t i = 0; i < pad; i++) {
            board_putc(' ');
        }
    }
    put_str(sign);
    if (!left && zero) {
        for (size_t i = 0; i < pad; i++) {
            board_putc('0');
        }
    }
    for (size_t i = 0; i < len; i++) {
        board_putc(s[i]);
    }
    if (left) {
        for (size_t i = 0; i < pad; i++) {
            board_putc(' ');
        }
    }
}

static void h_vprintf(const char *fmt, va_list ap)
{
    char buf[24]; /* 2^64 in decimal is 20 digits */
    char *const buf_end = buf + sizeof buf;

    for (const char *f = fmt; *f != '\0'; f++) {
        if (*f != '%') {
            board_putc(*f);
            continue;
        }
        f++;
        bool left = false;
        bool zero = false;
        for (;; f++) {
            if (*f == '-') {
                left = true;
            } else if (*f == '0') {
                zero = true;
            } else {
                break;
            }
        }
        unsigned width = 0;
        while (*f >= '0' && *f <= '9') {
            width = width * 10u + (unsigned)(*f - '0');
            f++;
        }
        int longs = 0; /* 1: l, 2: ll, 3: z */
        if (*f == 'l') {
            longs = 1;
            f++;
            if (*f == 'l') {
                longs = 2;
                f++;
            }
        } else if (*f == 'z') {
            longs = 3;
            f++;
        }

        const char *sign = "";
        const char *s;
        size_t      len;
        switch (*f) {
        case 'd':
        case 'i': {
            long long v;
            if (longs == 2) {
                v = va_arg(ap, long long);
            } else if (longs == 1) {
                v = va_arg(ap, long);
            } else if (longs == 3) {
                v = (long long)va_arg(ap, size_t); /* %zd: the signed type of size_t */
            } else {
                v = va_arg(ap, int);
            }
            unsigned long long mag = v < 0 ? 0u - (unsigned long long)v : (unsigned long long)v;
            sign = v < 0 ? "-" : "";
            s = format_unsigned(buf_end, mag, 10, false);
            len = (size_t)(buf_end - s);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v;
            if (longs == 2) {
                v = va_arg(ap, unsigned long long);
            } else if (longs == 1) {
                v = va_arg(ap, unsigned long);
            } else if (longs == 3) {
                v = va_arg(ap, size_t);
            } else {
                v = va_arg(ap, unsigned);
            }
            s = format_unsigned(buf_end, v, *f == 'u' ? 10u : 16u, *f == 'X');
            len = (size_t)(buf_end - s);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            sign = "0x";
            s = format_unsigned(buf_end, v, 16, false);
            len = (size_t)(buf_end - s);
            break;
        }
        case 'c':
            buf[0] = (char)va_arg(ap, int);
            s = buf;
            len = 1;
            break;
        case 's':
            s = va_arg(ap, const char *);
            if (s == NULL) {
                s = "(null)";
            }
            len = 0;
            while (s[len] != '\0') {
                len++;
            }
            zero = false;
            break;
        case '%':
            s = "%";
            len = 1;
            break;
        case '\0':
            return; /* stray '%' at the end */
        default:    /* unsupported conversion: show it */
            board_putc('%');
            s = f;
            len = 1;
            break;
        }
        put_field(s, len, sign, width, zero, left);
    }
}

void h_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    h_vprintf(fmt, ap);
    va_end(ap);
}

/* ---- Checks ---------------------------------------------------------------- */

int h_check_(int ok, const char *expr, const char *file, int line)
{
    if (!ok) {
        h_failures++;
        h_printf("%s:%d: CHECK(%s) failed\n", file, line, expr);
    }
    return ok;
}

int h_check_eq_(long long a, long long b, const char *ea, const char *eb, const char *file,
                int line)
{
    if (a == b) {
        return 1;
    }
    h_failures++;
    h_printf("%s:%d: CHECK_EQ(%s, %s) failed: %lld (0x%llx) != %lld (0x%llx)\n", file, line, ea,
             eb, a, (unsigned long long)a, b, (unsigned long long)b);
    return 0;
}

int h_check_ptr_eq_(const void *a, const void *b, const char *ea, const char *eb,
                    const char *file, int line)
{
    if (a == b) {
        return 1;
    }
    h_failures++;
    h_printf("%s:%d: CHECK_PTR_EQ(%s, %s) failed: %p != %p\n", file, line, ea, eb, a, b);
    return 0;
}

/* ---- PRNG (xorshift32, Marsaglia 2003) ------------------------------------- */

#define H_NONZERO_SEED 0x9E3779B9u

static uint32_t rand_state = H_NONZERO_SEED;

void h_srand(uint32_t seed)
{
    rand_state = seed != 0u ? seed : H_NONZERO_SEED;
}

int h_all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (b == NULL) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0u) {
            return 0;
        }
    }
    return 1;
}

uint32_t h_rand(void)
{
    uint32_t x = rand_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rand_state = x;
    return x;
}

uint32_t h_seed(void)
{
    return h_test_seed;
}

/* ---- Heap region ------------------------------------------------------------ */

/* From the linker script (firmware) or board/host/host.c + --defsym (host). */
extern char th_heap_start[], th_heap_size[];

void h_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
    }
}

bool h_same(const uint8_t *a, const uint8_t *b, size_t n, size_t skip, size_t skip_n)
{
    for (size_t i = 0; i < n; i++) {
        if ((i < skip || i - skip >= skip_n) && a[i] != b[i]) {
            h_printf("byte %u changed\n", (unsigned)i);
            return false;
        }
    }
    return true;
}

void *h_arena(size_t *size)
{
    if (size != NULL) {
        *size = (size_t)(uintptr_t)th_heap_size - H_ARENA_SHIFT;
    }
    return th_heap_start + H_ARENA_SHIFT;
}

/* ---- Entry ------------------------------------------------------------------ */

_Noreturn void h_run(void)
{
    h_printf("seed: 0x%08x\n", (unsigned)h_seed());
    h_srand(h_seed());
    int ret = h_test_main();
    /* A test's main returns h_failures; anything else it returns (a
     * negative value included) is a failure too, never a pass. */
    int failures = ret == 0 ? h_failures : (h_failures != 0 ? h_failures : 1);
    if (failures == 0) {
        h_printf("PASS %s\n", h_test_name);
    } else {
        h_printf("FAIL %s (%d)\n", h_test_name, failures);
    }
    board_exit(failures == 0 ? 0 : 1);
}
