/* SPDX-License-Identifier: MIT */
/* tinyheap bench firmware: shared declarations. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_ARENA_SIZE 65536u

/* The 64 KiB arena every allocator gets (bench.c). It starts on a 512-byte
 * boundary, so a change in the firmware's other data never moves it against
 * tinyheap's 512-byte slab pages (which moves capacities by a few tenths of
 * a percent); the BENCH_PLACE_ROOM bytes after it let a run start the arena
 * later in the page (argument at=N) to measure that effect on purpose. */
#define BENCH_PLACE_ROOM 512u
extern uint8_t bench_arena[];

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
    /* Where the arena is right now (NULL when the allocator cannot say):
     * bytes held by live blocks (their usable sizes), bytes free, and the
     * largest request that would succeed. Read at the first failure, to
     * split the arena into payload, rounding, metadata and free memory. */
    void (*usage)(uint32_t *in_use, uint32_t *free_bytes, uint32_t *largest);
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
