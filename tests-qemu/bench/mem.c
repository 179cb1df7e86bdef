/* SPDX-License-Identifier: MIT */
/*
 * memcpy/memset for the bench firmware: the same word-at-a-time loops for
 * every allocator, so a realloc's copy costs the same everywhere (libc's own
 * memcpy/memset are never linked: objects come before the archives).
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);

__attribute__((optimize("no-tree-loop-distribute-patterns")))
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0u) {
        for (; n >= 4u; n -= 4u, d += 4, s += 4) {
            *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
        }
    }
    for (; n != 0u; n--) {
        *d++ = *s++;
    }
    return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns")))
void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) {
        return memcpy(dst, src, n);
    }
    while (n != 0u) {
        n--;
        d[n] = s[n];
    }
    return dst;
}

__attribute__((optimize("no-tree-loop-distribute-patterns")))
void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    uint32_t w = (uint8_t)c * 0x01010101u;
    if (((uintptr_t)d & 3u) == 0u) {
        for (; n >= 4u; n -= 4u, d += 4) {
            *(uint32_t *)(void *)d = w;
        }
    }
    for (; n != 0u; n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}
