/* SPDX-License-Identifier: MIT */
/*
 * tinyheap demo (`make run`): a small firmware that uses tinyheap the way
 * an application does. src/port/newlib_nano.c is linked in, so plain
 * malloc/free/strdup and newlib-nano's own printf buffers all come from
 * th_default(), the heap over the RAM the linker script leaves between
 * .bss and the stack.
 *
 * Three cooperative "tasks" take turns for a fixed number of rounds:
 *   sensor  reads a value and posts it as a 12-byte message (a tiny object),
 *   radio   takes messages off the queue, frees them, and now and then
 *           formats a text packet with asprintf (newlib allocates it),
 *   logger  keeps the last three log buffers of 1..4 KiB (general blocks).
 * A configuration table is allocated once at boot with
 * th_persistent_alloc (never freed, no header). At the end the demo prints
 * the heap's statistics and a map of its blocks in address order, frees
 * everything and checks the heap.
 */
#define _GNU_SOURCE 1 /* asprintf */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* ---- Board glue: newlib's stdout goes to the board console ------------- */

int _write(int fd, const void *buf, size_t len);
int _write(int fd, const void *buf, size_t len)
{
    (void)fd;
    const char *s = buf;
    for (size_t i = 0; i < len; i++) {
        board_putc(s[i]);
    }
    return (int)len;
}

/* The test start-up code traps unaligned accesses (to catch allocator
 * bugs); newlib-nano's printf makes some on ARMv7-M. Real firmware never
 * turns the trap on, so turn it off again. */
static void allow_unaligned_access(void)
{
#if __ARM_ARCH >= 7
    *(volatile uint32_t *)0xE000ED14u &= ~(1u << 3); /* SCB->CCR.UNALIGN_TRP */
#endif
}

/* ---- The application ------------------------------------------------------ */

typedef struct message { /* 12 bytes: served by the tiny allocator */
    struct message *next;
    uint32_t        seq;
    int32_t         value;
} message;

static message *queue_head, *queue_tail;
static unsigned queued, sent, packets;
static char    *logs[3];
static unsigned rounds_done;

static void sensor_task(unsigned round)
{
    /* Bursts: two readings a round for 60 rounds in every 100, then none. */
    unsigned n = round % 100u < 60u ? 2u : 0u;
    for (; n > 0u; n--) {
        message *m = malloc(sizeof *m);
        if (m == NULL) {
            return; /* out of memory: drop the reading */
        }
        m->next = NULL;
        m->seq = round;
        m->value = (int32_t)(h_rand() % 2000u) - 1000;
        if (queue_tail != NULL) {
            queue_tail->next = m;
        } else {
            queue_head = m;
        }
        queue_tail = m;
        queued++;
    }
}

static void radio_task(unsigned round)
{
    /* One message a round: the queue grows during bursts. */
    (void)round;
    if (queue_head != NULL) {
        message *m = queue_head;
        queue_head = m->next;
        if (queue_head == NULL) {
            queue_tail = NULL;
        }
        if (sent % 64u == 0u) {
            char *packet = NULL;
            if (asprintf(&packet, "seq=%lu value=%ld", (unsigned long)m->seq, (long)m->value) > 0) {
                packets++;
                free(packet);
            }
        }
        free(m);
        queued--;
        sent++;
    }
}

static void logger_task(unsigned round)
{
    if (round % 150u != 0u) {
        return;
    }
    free(logs[0]); /* keep the last three */
    logs[0] = logs[1];
    logs[1] = logs[2];
    size_t size = 1024u + (h_rand() % 3072u);
    logs[2] = malloc(size);
    if (logs[2] != NULL) {
        memset(logs[2], '.', size);
    }
}

/* ---- The heap map: runs of blocks of one kind, in address order --------- */

typedef struct map_state {
    char   kind;
    size_t bytes, blocks, runs;
} map_state;

static void map_flush(map_state *ms)
{
    if (ms->blocks == 0u) {
        return;
    }
    static const char *const names[] = {"persistent", "tiny slabs", "general", "free"};
    const char *name = ms->kind == 'p' ? names[0] : ms->kind == 't' ? names[1]
                     : ms->kind == 'g' ? names[2] : names[3];
    printf("  %c %-10s %8lu bytes in %3lu block%s\n", ms->kind, name, (unsigned long)ms->bytes,
           (unsigned long)ms->blocks, ms->blocks == 1u ? "" : "s");
    ms->runs++;
    ms->blocks = 0u;
    ms->bytes = 0u;
}

static void map_block(void *user, char kind, const void *addr, size_t size)
{
    (void)addr;
    map_state *ms = user;
    if (kind != ms->kind) {
        map_flush(ms);
        ms->kind = kind;
    }
    ms->bytes += size;
    ms->blocks++;
}

static void print_heap(const char *when)
{
    th_heap *h = th_default();
    th_stats s = th_get_stats(h);
    printf("\n%s: %lu bytes managed, %lu in use (peak %lu), %lu free (low-water %lu)\n", when,
           (unsigned long)s.capacity, (unsigned long)s.in_use, (unsigned long)s.peak_in_use,
           (unsigned long)s.free_bytes, (unsigned long)s.min_free_bytes);
    printf("  %lu allocations, %lu frees, %lu failed; %lu tiny objects in %lu tiny blocks\n",
           (unsigned long)s.allocs, (unsigned long)s.frees, (unsigned long)s.failed,
           (unsigned long)s.tiny_objects, (unsigned long)s.tiny_blocks);
    printf("  map (address order; p persistent, t tiny slab, g general, f free):\n");
    map_state ms = {0};
    th_walk(h, map_block, &ms);
    map_flush(&ms);
}

int main(void)
{
    allow_unaligned_access();
    printf("tinyheap demo on %s: malloc and printf served by th_default()\n", BOARD_NAME);

    /* Boot-time data that lives forever: no header, never freed. */
    uint32_t *config = th_persistent_alloc(th_default(), 16u * sizeof *config, 8u);
    if (config == NULL) {
        return 1;
    }
    for (uint32_t i = 0; i < 16u; i++) {
        config[i] = i * 10u;
    }

    /* The scheduler: each task gets one turn per round. */
    enum { ROUNDS = 1000 };
    for (unsigned round = 0; round < ROUNDS; round++) {
        sensor_task(round);
        radio_task(round);
        logger_task(round);
        rounds_done++;
        if (round == ROUNDS / 2u) {
            print_heap("half-way");
        }
    }
    printf("\n%u rounds: %u messages sent, %u still queued, %u packets formatted\n",
           rounds_done, sent, queued, packets);
    print_heap("end of run");

    /* Shut down: free what the tasks still hold. */
    while (queue_head != NULL) {
        message *m = queue_head;
        queue_head = m->next;
        free(m);
    }
    queue_tail = NULL;
    for (size_t i = 0; i < 3u; i++) {
        free(logs[i]);
        logs[i] = NULL;
    }
    print_heap("after shutdown (newlib keeps its stdout buffer)");
    int ok = th_check(th_default());
    printf("\nheap check: %s\n", ok ? "consistent" : "CORRUPT");
    fflush(stdout);
    return ok ? 0 : 1;
}
