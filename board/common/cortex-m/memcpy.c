/* SPDX-License-Identifier: MIT */
/*
 * An alignment-safe memcpy for ARMv7-M and ARMv8-M, replacing newlib-nano's.
 *
 * Why: the start-up code sets CCR.UNALIGN_TRP so that a misaligned word
 * access faults (that catches misaligned allocator pointers). newlib's
 * memcpy-armv7m.S copies buffers whose addresses differ mod 4 with
 * unaligned LDRs, so a perfectly legal memcpy(dst, src + 1, n) would fault
 * under the trap. This version uses word accesses only when both pointers
 * are word-aligned and bytes otherwise. (Everything is also compiled with
 * -mno-unaligned-access, so GCC's inline copies never rely on unaligned
 * access either.) ARMv6-M has no unaligned access at all, and newlib's
 * ARMv6-M memcpy respects that, so there this file defines nothing.
 *
 * Built with -fno-builtin -fno-tree-loop-distribute-patterns (arch.mk) so
 * GCC does not turn the loops back into a call to memcpy.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if __ARM_ARCH >= 7
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char       *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0u) {
        for (; n >= 4u; n -= 4u, d += 4, s += 4) {
            *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
        }
    }
    for (; n > 0u; n--) {
        *d++ = *s++;
    }
    return dst;
}
#else
typedef int cm_memcpy_unused; /* ISO C forbids an empty translation unit */
#endif
