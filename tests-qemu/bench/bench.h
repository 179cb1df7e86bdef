/* SPDX-License-Identifier: MIT */
/* tinyheap bench firmware: shared declarations. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_ARENA_SIZE 65536u

/* The 64 KiB arena every allocator gets (bench.c). */
extern uint8_t bench_arena[BENCH_ARENA_SIZE];

/* One allocator behind the same adapter shape. The cal_* entries are
 * functions whose call sequence is the same as malloc/free/realloc's but
 * whose callee is an empty function (a single `bx lr`): measuring them the
 * same way gives the fixed overhead to subtract. */
typedef struct bench_ops {
    const char *name;
    void (*init)(void *arena, size_t size);
    void *(*malloc)(size_t n);
    void (*free)(void *p);
    void *(*realloc)(void *p, size_t n);
    void *(*cal_malloc)(size_t n);
    void (*cal_free)(void *p);
    void *(*cal_realloc)(void *p, size_t n);
} bench_ops;

extern const bench_ops bench_alloc; /* alloc_*.c */

/* bench_empty: `bx lr` only (bench.c, assembler). */
void bench_empty(void);

/* startup.c */
void bench_puts(const char *s);
void bench_exit(int code) __attribute__((noreturn));
int bench_cmdline(char *buf, uint32_t len);
int bench_main(void);

#endif
