/* SPDX-License-Identifier: MIT */
/*
 * test_example: README's "On its own" example, run on every target. The
 * code between README:begin and README:end is the README's code block,
 * character for character (make check's `lint readme` entry compares
 * them); main below drives it and checks what the README says it does.
 */
#include "harness.h"

/* README:begin */
#include <stdbool.h>
#include <stdint.h>

#include "tinyheap.h"

/* Room for 32 messages of MSG_MAX bytes at once, sized at compile time
 * (for a mix of sizes, size for the largest; objects of 16 bytes or less
 * also need a 512-byte slab the first time). */
#define MSG_MAX 100u
static uint8_t  pool[TH_REGION_SIZE_FOR(32, MSG_MAX)];
static th_heap *msgs;
static unsigned misuse, exhausted;

/* A double free, a foreign pointer...: the call was refused and the heap
 * left as it was. Log it; here, count it. Runs with the heap's lock held. */
static void on_fault(th_heap *h, th_fault kind, const void *ptr)
{
    (void)h;
    (void)kind;
    (void)ptr;
    misuse++;
}

/* An allocation is about to return NULL for lack of memory. */
static void on_oom(th_heap *h, size_t size)
{
    (void)h;
    (void)size;
    exhausted++;
}

static bool msgs_init(void)
{
    th_set_fault_handler(on_fault); /* one handler for every heap */
    msgs = th_init(pool, sizeof pool);
    if (msgs == NULL) {
        return false; /* pool too small for the heap's own state */
    }
    th_set_oom_hook(msgs, on_oom);
    /* If interrupt handlers allocate too (src/port/baremetal_lock.h):
     * th_set_lock(msgs, th_baremetal_lock, th_baremetal_unlock, NULL); */
    return true;
}

static void *msg_new(size_t len) { return th_malloc(msgs, len); } /* NULL: no room */
static void  msg_free(void *m) { th_free(msgs, m); }              /* NULL is fine */

/* Whether a buffer of n bytes can be had now: O(1), nothing taken. */
static bool msg_room_for(size_t n) { return th_largest_free(msgs) >= n; }
/* README:end */

int main(void)
{
    if (!CHECK(msgs_init())) {
        return h_failures;
    }
    /* The pool holds 32 messages of MSG_MAX bytes at once. */
    void *m[32];
    for (int i = 0; i < 32; i++) {
        CHECK(msg_room_for(MSG_MAX));
        m[i] = msg_new(MSG_MAX);
        CHECK(m[i] != NULL);
    }
    CHECK_EQ(exhausted, 0);
    /* Misuse is refused and counted, and changes nothing. */
    th_stats s0 = th_get_stats(msgs);
    msg_free(m[3]);
    msg_free(m[3]);              /* double free */
    msg_free((char *)m[4] + 8);  /* interior pointer */
    static uint64_t elsewhere[4];
    msg_free(&elsewhere[1]);     /* foreign pointer */
    CHECK_EQ(misuse, 3);
    th_stats s1 = th_get_stats(msgs);
    CHECK_EQ(s1.faults[TH_FAULT_DOUBLE_FREE], 1);
    CHECK_EQ(s1.faults[TH_FAULT_BAD_POINTER], 2);
    CHECK_EQ(s1.frees, s0.frees + 1u);
    m[3] = NULL;
    /* Fill up: the first NULL calls the hook, and msg_room_for said so. */
    void *extra[64];
    int   n = 0;
    while (n < 64 && (extra[n] = msg_new(MSG_MAX)) != NULL) {
        n++;
    }
    CHECK(n < 64);
    CHECK_EQ(exhausted, 1);
    CHECK(!msg_room_for(MSG_MAX));
    for (int i = 0; i < n; i++) {
        msg_free(extra[i]);
    }
    for (int i = 0; i < 32; i++) {
        msg_free(m[i]);
    }
    CHECK_EQ(misuse, 3);
    CHECK(th_check(msgs));
    CHECK_EQ(th_get_stats(msgs).in_use, 0);
    return h_failures;
}
