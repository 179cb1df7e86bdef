/* SPDX-License-Identifier: MIT */
/*
 * test_irq: a timer interrupt that allocates. SysTick fires every
 * IRQ_RELOAD clock ticks; its handler allocates, verifies and frees tiny and
 * general blocks of its own, while the main loop churns the same heap with
 * malloc/calloc/realloc/aligned_alloc/free. The heap is shared through the
 * bare-metal lock (src/port/baremetal_lock.c: PRIMASK save, cpsid i,
 * restore), installed with th_set_lock. At least IRQ_TOTAL (10^6)
 * operations in all, at least IRQ_MIN_ISR_OPS of them in the handler; every
 * block carries a tag pattern checked before it is freed or resized, and
 * at the end every block is checked, freed, and th_check and the stats must
 * agree with the model.
 *
 * The lock is proved from both sides. The lock callbacks count the heap
 * calls in progress, inside the critical section; the handler checks that
 * count on entry. With the lock it is always 0 (an interrupt is never taken
 * inside a heap call). test_irq_nolock builds this file with IRQ_NO_LOCK=1
 * (the same callbacks without masking): the handler then finds the heap
 * busy, records the reentrance and stops touching the heap, and the test
 * fails at once (no corruption is let happen, so it cannot hang); it is
 * declared N_XFAIL.
 *
 * The lock callbacks also time each critical section with the SysTick
 * counter and print the longest, per kind of call. Without -icount the
 * counter follows host time and the figure is indicative only; `make
 * irq-latency` runs this test under -icount shift=8 with IRQ_MEASURE=1
 * (SysTick at full range), where 1 instruction = 2^8 ns exactly and the
 * figure is the worst interrupt-masked time in instructions.
 *
 * test_irq_basepri builds this file with IRQ_LOCK_BASEPRI=1: the lock is
 * then th_baremetal_lock_basepri at level 0x80, SysTick runs at priority
 * 0xC0 (held off by the lock) and PendSV at 0x40 (more urgent than the
 * level). The lock pends PendSV on every 64th heap call: where the core has
 * BASEPRI, PendSV must run inside those heap calls (the heap does not delay
 * it) while SysTick never does; on ARMv6-M, which has no BASEPRI, the lock
 * masks everything and PendSV must wait like SysTick. basepri_semantics()
 * checks the same from inside one call and after a nested one, that BASEPRI
 * comes back as it was (a stronger mask is kept, a weaker one raised), and
 * that a level of 0 masks everything.
 *
 * Cortex-M only (N_BOARDS in test_irq.mk).
 */
#include "baremetal_lock.h"
#include "harness.h"

#ifndef IRQ_NO_LOCK
#define IRQ_NO_LOCK 0
#endif
#ifndef IRQ_MEASURE
#define IRQ_MEASURE 0
#endif
#ifndef IRQ_LOCK_BASEPRI
#define IRQ_LOCK_BASEPRI 0
#endif
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(__ARM_ARCH_ISA_THUMB) && \
    __ARM_ARCH_ISA_THUMB == 2
#define HAS_BASEPRI 1
#else
#define HAS_BASEPRI 0
#endif
#ifndef IRQ_TOTAL
#define IRQ_TOTAL 1000000u
#endif
#ifndef IRQ_MIN_ISR_OPS
#define IRQ_MIN_ISR_OPS 2000u
#endif
#if IRQ_MEASURE
#define IRQ_RELOAD 0xFFFFFFu /* one interrupt per ~2.6 M instructions under -icount 8 */
#elif !defined(IRQ_RELOAD)
#define IRQ_RELOAD 1500u /* 60 us at 25 MHz, 94 us at 16 MHz */
#endif

#define REG32(a)   (*(volatile uint32_t *)(uintptr_t)(a))
#define SYST_CSR   REG32(0xE000E010u)
#define SYST_RVR   REG32(0xE000E014u)
#define SYST_CVR   REG32(0xE000E018u)
#define SCB_CPUID  REG32(0xE000ED00u)
#define SCB_ICSR   REG32(0xE000ED04u)
#define SCB_SHPR3  REG32(0xE000ED20u)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_PENDSTSET (1u << 26)

void SysTick_Handler(void); /* overrides the start-up code's weak alias */

static th_heap *H;

/* ---- Lock callbacks: the bare-metal lock + instrumentation ------------------- */

enum { C_MALLOC_TINY, C_MALLOC_GEN, C_CALLOC, C_ALIGNED, C_REALLOC, C_FREE_TINY, C_FREE_GEN,
       C_USABLE, C_PERSIST, C_CHECK, C_STATS, C_ISR, C_COUNT };
static const char *const s_call_names[C_COUNT] = {
    "th_malloc (tiny)", "th_malloc (general)", "th_calloc", "th_aligned_alloc", "th_realloc",
    "th_free (tiny)", "th_free (general)", "th_usable_size", "th_persistent_alloc", "th_check",
    "th_get_stats", "(any, from the ISR)"};

static volatile uint32_t s_in_heap;    /* heap calls in progress */
static volatile uint32_t s_reentered;  /* the ISR found s_in_heap != 0 */
static volatile uint32_t s_call;       /* what main is calling (C_*) */
static uint32_t          s_t0;
static uint32_t          s_max_ticks[C_COUNT];

#if IRQ_LOCK_BASEPRI
/* The lock's level, and PendSV: more urgent than the level, so it may run
 * inside heap calls (it never calls into the heap). */
static th_basepri        s_level = TH_BASEPRI_INIT(0x80u);
static volatile uint32_t s_locks, s_pendsv, s_pendsv_inside;
void                     PendSV_Handler(void); /* overrides the weak alias */
void                     PendSV_Handler(void)
{
    s_pendsv++;
    if (s_in_heap != 0u) {
        s_pendsv_inside++;
    }
}
#endif

static void test_lock(void *ctx)
{
#if IRQ_NO_LOCK
    (void)ctx;
#elif IRQ_LOCK_BASEPRI
    th_baremetal_lock_basepri(ctx);
#else
    th_baremetal_lock(ctx);
#endif
    if (s_in_heap++ == 0u) {
        s_t0 = SYST_CVR;
    }
#if IRQ_LOCK_BASEPRI
    if ((++s_locks & 63u) == 0u) {
        SCB_ICSR = ICSR_PENDSVSET; /* taken now where BASEPRI lets it through */
        __asm__ volatile("dsb\n\tisb" ::: "memory");
    }
#endif
}

static void test_unlock(void *ctx)
{
    if (--s_in_heap == 0u) {
        uint32_t t1 = SYST_CVR;
        /* Down-counter: elapsed = t0 - t1 modulo the period (valid while a
         * critical section is shorter than one period). */
        uint32_t dt = s_t0 >= t1 ? s_t0 - t1 : s_t0 + (IRQ_RELOAD + 1u) - t1;
        uint32_t c  = s_call;
        if (dt > s_max_ticks[c]) {
            s_max_ticks[c] = dt;
        }
    }
#if IRQ_NO_LOCK
    (void)ctx;
#elif IRQ_LOCK_BASEPRI
    th_baremetal_unlock_basepri(ctx);
#else
    th_baremetal_unlock(ctx);
#endif
}

/* ---- Tagged blocks -------------------------------------------------------------- */

typedef struct slot {
    uint8_t *p;
    uint16_t size;
    uint8_t  tag;
} slot;

static void fill(slot *s)
{
    for (uint32_t i = 0; i < s->size; i++) {
        s->p[i] = (uint8_t)(s->tag + i);
    }
}

static bool intact(const slot *s)
{
    for (uint32_t i = 0; i < s->size; i++) {
        if (s->p[i] != (uint8_t)(s->tag + i)) {
            return false;
        }
    }
    return true;
}

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static uint16_t pick_size(uint32_t r)
{
    return (r & 1u) != 0u ? (uint16_t)(1u + (r >> 1) % 15u) : (uint16_t)(16u + (r >> 1) % 80u);
}

/* ---- The interrupt ------------------------------------------------------------------ */

#define ISR_SLOTS 12
static slot              s_isr[ISR_SLOTS];
static uint32_t          s_isr_rng = 0x1234567u;
static volatile uint32_t s_isr_ops, s_isr_bad, s_isr_ticks, s_isr_nomem;
static volatile bool     s_isr_stop;
static uint8_t           s_isr_gen;

void SysTick_Handler(void)
{
    s_isr_ticks++;
    if (s_isr_stop) {
        return;
    }
    if (s_in_heap != 0u) {
        s_reentered++; /* interrupted inside a heap call: no lock */
        s_isr_stop = true;
        return;
    }
    uint32_t saved = s_call;
    s_call         = C_ISR;
    for (int k = 0; k < 3; k++) {
        uint32_t r = xorshift(&s_isr_rng);
        slot    *s = &s_isr[r % ISR_SLOTS];
        if (s->p == NULL) {
            s->size = pick_size(r >> 8);
            s->p    = th_malloc(H, s->size);
            if (s->p == NULL) {
                s_isr_nomem++;
            } else {
                s->tag = ++s_isr_gen;
                fill(s);
            }
        } else {
            if (!intact(s)) {
                s_isr_bad++;
            }
            th_free(H, s->p);
            s->p = NULL;
        }
        s_isr_ops++;
    }
    s_call = saved;
}

/* ---- Main --------------------------------------------------------------------------- */

#define MAIN_SLOTS 48
static slot s_main[MAIN_SLOTS];

static void print_times(void)
{
#if IRQ_MEASURE
    /* Nanoseconds per SysTick tick, from the core: the boards' clocks. */
    uint32_t part  = (SCB_CPUID >> 4) & 0xFFFu;
    uint32_t ps    = part == 0xC20u ? 62500u : part == 0xD21u ? 50000u : 40000u;
    h_printf("worst interrupt-masked time per call (icount shift 8: insns = ticks * %u / 256000)\n",
             (unsigned)ps);
    for (int c = 0; c < C_COUNT; c++) {
        uint32_t insns = (uint32_t)(((uint64_t)s_max_ticks[c] * ps + 128000u) / 256000u);
        h_printf("  %-22s %8u ticks %8u instructions\n", s_call_names[c], (unsigned)s_max_ticks[c],
                 (unsigned)insns);
    }
#else
    (void)s_call_names; /* without -icount the ticks follow host time: see make irq-latency */
#endif
}

#if IRQ_LOCK_BASEPRI
static uint32_t get_basepri(void)
{
    uint32_t v = 0u;
#if HAS_BASEPRI
    __asm__ volatile("mrs %0, basepri" : "=r"(v));
#endif
    return v;
}

static void set_basepri(uint32_t v)
{
#if HAS_BASEPRI
    __asm__ volatile("msr basepri, %0" ::"r"(v) : "memory");
#else
    (void)v;
#endif
}

/* From inside a heap call (the exhaustion hook runs with the lock held):
 * make a nested heap call (a lock/unlock pair inside the outer one), then
 * pend PendSV and SysTick, and see which one ran before the hook returns. */
static volatile uint32_t s_hook_pendsv, s_hook_systick, s_hook_basepri, s_hook_nested;
static void              pend_both(th_heap *h, size_t size)
{
    (void)size;
    uint32_t pendsv = s_pendsv, ticks = s_isr_ticks;
    s_hook_basepri  = get_basepri();
    (void)th_free_bytes(h); /* nested: its unlock must not unmask */
    s_hook_nested = get_basepri();
    SCB_ICSR      = ICSR_PENDSVSET | ICSR_PENDSTSET;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    s_hook_pendsv  = s_pendsv - pendsv;
    s_hook_systick = s_isr_ticks - ticks;
}

/* One heap call that runs out of memory, made with BASEPRI at `outer`,
 * through the lock `l`: inside it, BASEPRI must read `inside` (also after
 * a nested call), SysTick must wait, PendSV must run iff `urgent_runs`;
 * after it, BASEPRI is `outer` again, and both have run once unmasked. */
static void one_case(th_basepri *l, uint32_t outer, size_t n, uint32_t inside, bool urgent_runs)
{
    th_set_lock(H, test_lock, test_unlock, l);
    set_basepri(outer);
    uint32_t pendsv = s_pendsv, ticks = s_isr_ticks;
    s_call          = C_MALLOC_GEN;
    CHECK(th_malloc(H, n) == NULL); /* larger than the heap: the hook runs */
    uint32_t after = get_basepri();
    set_basepri(0u); /* SysTick may run now, if it still waits */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    h_printf("level 0x%02x, BASEPRI 0x%02x before the call: inside it BASEPRI 0x%02x (0x%02x after "
             "a nested call), PendSV %s, SysTick %s; after it BASEPRI 0x%02x\n",
             (unsigned)l->level, (unsigned)outer, (unsigned)s_hook_basepri,
             (unsigned)s_hook_nested, s_hook_pendsv ? "ran" : "waited",
             s_hook_systick ? "ran" : "waited", (unsigned)after);
    CHECK_EQ(s_hook_basepri, inside);
    CHECK_EQ(s_hook_nested, inside);
    CHECK_EQ(s_hook_systick, 0);             /* the heap's interrupts wait */
    CHECK_EQ(s_hook_pendsv, urgent_runs ? 1u : 0u);
    CHECK_EQ(after, outer);                  /* the mask comes back as it was */
    CHECK_EQ(s_pendsv - pendsv, 1);          /* both have run by now */
    CHECK_EQ(s_isr_ticks - ticks, 1);
    CHECK_EQ(l->depth, 0);
}

static void basepri_semantics(size_t n)
{
    static th_basepri zero = TH_BASEPRI_INIT(0u); /* masks nothing: must mask all */
    (void)th_set_oom_hook(H, pend_both);
    if (HAS_BASEPRI) {
        one_case(&s_level, 0u, n, 0x80u, true);    /* raised to the level */
        one_case(&s_level, 0x20u, n, 0x20u, false); /* a stronger mask stays */
        one_case(&s_level, 0xC0u, n, 0x80u, true);  /* a weaker one is raised */
        one_case(&zero, 0u, n, 0u, false);          /* level 0: PRIMASK instead */
        CHECK_EQ(zero.full, 1);
        CHECK_EQ(s_level.full, 0);
    } else {
        one_case(&s_level, 0u, n, 0u, false); /* ARMv6-M: everything is masked */
        one_case(&zero, 0u, n, 0u, false);
    }
    (void)th_set_oom_hook(H, NULL);
    th_set_lock(H, test_lock, test_unlock, &s_level);
}
#endif

#if !IRQ_NO_LOCK
static uint32_t get_primask(void)
{
    uint32_t v;
    __asm__ volatile("mrs %0, primask" : "=r"(v));
    return v;
}

/* The lock functions themselves, before SysTick runs: the mask comes back
 * as it was (a caller that masked interrupts keeps them masked), an
 * unbalanced unlock is ignored, and the BASEPRI lock without a level (NULL)
 * or at level 0 is the PRIMASK lock. */
static void lock_semantics(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
    th_baremetal_lock(NULL);
    th_baremetal_unlock(NULL);
    CHECK_EQ(get_primask(), 1);
    __asm__ volatile("cpsie i" ::: "memory");
    th_baremetal_unlock(NULL); /* unbalanced */
    th_baremetal_lock(NULL);
    CHECK_EQ(get_primask(), 1);
    th_baremetal_unlock(NULL);
    CHECK_EQ(get_primask(), 0);

    th_baremetal_lock_basepri(NULL);
    CHECK_EQ(get_primask(), 1);
    th_baremetal_unlock_basepri(NULL);
    CHECK_EQ(get_primask(), 0);
    static th_basepri zero = TH_BASEPRI_INIT(0u);
    __asm__ volatile("cpsid i" ::: "memory");
    th_baremetal_lock_basepri(&zero);
    th_baremetal_unlock_basepri(&zero);
    CHECK_EQ(get_primask(), 1);
    __asm__ volatile("cpsie i" ::: "memory");
#if IRQ_LOCK_BASEPRI && HAS_BASEPRI
    th_baremetal_unlock_basepri(&s_level); /* unbalanced */
    th_baremetal_lock_basepri(&s_level);
    CHECK_EQ(get_basepri(), s_level.level);
    th_baremetal_unlock_basepri(&s_level);
    CHECK_EQ(get_basepri(), 0);
    CHECK_EQ(s_level.depth, 0);
#endif
}
#endif

int main(void)
{
#if !IRQ_NO_LOCK
    lock_semantics();
    if (h_failures != 0) {
        return h_failures; /* the lock state is not to be trusted */
    }
#endif
    size_t n;
    void  *arena = h_arena(&n);
    if (n > 12288u) {
        n = 12288u; /* the same pressure on every board (microbit has ~12 KiB) */
    }
    H = th_init(arena, n);
    if (!CHECK(H != NULL)) {
        return h_failures;
    }
    h_record_faults();
#if IRQ_LOCK_BASEPRI
    /* SysTick below the lock's level, PendSV above it. */
    SCB_SHPR3 = (SCB_SHPR3 & 0x0000FFFFu) | (0xC0u << 24) | (0x40u << 16);
    basepri_semantics(n);
    h_reset_faults();
    s_locks = s_pendsv = s_pendsv_inside = 0u; /* the churn's own count from here */
#else
    th_set_lock(H, test_lock, test_unlock, NULL);
#endif

    SYST_RVR = IRQ_RELOAD;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */

    uint32_t rng = h_seed() | 1u;
    uint32_t ops = 0, nomem = 0, persistent = 0;
    uint8_t  gen = 0;
    while (!s_isr_stop && h_failures == 0 &&
           (ops + s_isr_ops < IRQ_TOTAL || s_isr_ops < IRQ_MIN_ISR_OPS) && ops < 8u * IRQ_TOTAL) {
        uint32_t r = xorshift(&rng);
        slot    *s = &s_main[r % MAIN_SLOTS];
        uint32_t k = (r >> 8) % 16u;
        ops++;
        if (s->p == NULL) {
            uint16_t size = pick_size(r >> 12);
            if (k < 10u) {
                s_call = size < 16u ? C_MALLOC_TINY : C_MALLOC_GEN;
                s->p   = th_malloc(H, size);
            } else if (k < 13u) {
                s_call = C_CALLOC;
                s->p   = th_calloc(H, 1, size);
                for (uint32_t i = 0; s->p != NULL && i < size; i++) {
                    CHECK_EQ(s->p[i], 0);
                }
            } else if (k < 15u) {
                s_call = C_ALIGNED;
                s->p   = th_aligned_alloc(H, (size_t)8u << (r % 4u), size);
            } else {
                if (persistent < 16u) { /* boot-time style objects, never freed */
                    s_call = C_PERSIST;
                    CHECK(th_persistent_alloc(H, 1u + r % 24u, 4u) != NULL);
                    persistent++;
                }
                continue;
            }
            if (s->p == NULL) {
                nomem++;
                continue;
            }
            s->size = size;
            s->tag  = ++gen;
            fill(s);
        } else if (k < 11u) {
            if (!CHECK(intact(s))) {
                break;
            }
            s_call = s->size < 16u ? C_FREE_TINY : C_FREE_GEN;
            th_free(H, s->p);
            s->p = NULL;
        } else if (k < 13u) {
            s_call = C_USABLE;
            CHECK(th_usable_size(H, s->p) >= s->size);
        } else {
            if (!CHECK(intact(s))) {
                break;
            }
            uint16_t size = pick_size(r >> 12);
            s_call        = C_REALLOC;
            uint8_t *q    = th_realloc(H, s->p, size);
            if (q == NULL) {
                nomem++;
                CHECK(intact(s));
                continue;
            }
            uint32_t keep = size < s->size ? size : s->size;
            for (uint32_t i = 0; i < keep; i++) {
                CHECK_EQ(q[i], (uint8_t)(s->tag + i));
            }
            s->p    = q;
            s->size = size;
            fill(s);
        }
        if ((ops & 0x3FFFu) == 0u) {
            s_call = C_CHECK;
            CHECK(th_check(H));
            s_call      = C_STATS;
            th_stats st = th_get_stats(H);
            CHECK(st.in_use <= st.capacity);
        }
    }
    /* No more interrupts, and SysTick stopped: the calls below are not
     * timed (their rows show what the loop above measured). */
    SYST_CSR = 0u;

    uint32_t isr_ops = s_isr_ops;
    h_printf("main ops %u, ISR ops %u (%u interrupts), total %u; out of memory: main %u, "
             "ISR %u\n",
             (unsigned)ops, (unsigned)isr_ops, (unsigned)s_isr_ticks, (unsigned)(ops + isr_ops),
             (unsigned)nomem, (unsigned)s_isr_nomem);
    if (s_reentered != 0u) {
        h_printf("REENTRANCE: the interrupt was taken inside a heap call %u time(s): the heap "
                 "is not protected\n",
                 (unsigned)s_reentered);
    }
    CHECK_EQ(s_reentered, 0);
    CHECK_EQ(s_isr_bad, 0);
#if IRQ_LOCK_BASEPRI
    h_printf("PendSV pended inside %u heap calls: it ran inside %u of them\n",
             (unsigned)(s_locks / 64u), (unsigned)s_pendsv_inside);
    CHECK(s_locks >= 64u);
    if (HAS_BASEPRI) {
        CHECK_EQ(s_pendsv_inside, s_locks / 64u); /* every time, at once */
        CHECK_EQ(s_pendsv, s_pendsv_inside);
    } else {
        CHECK_EQ(s_pendsv_inside, 0); /* ARMv6-M: held off like the rest */
        CHECK(s_pendsv > 0u);         /* and taken after the call */
    }
#endif
    CHECK(ops + isr_ops >= IRQ_TOTAL);
    CHECK(isr_ops >= IRQ_MIN_ISR_OPS);
    CHECK_EQ(h_total_faults, 0);

    /* Every block intact; free them all; the heap is empty and consistent. */
    CHECK(th_check(H));
    for (int i = 0; i < MAIN_SLOTS; i++) {
        if (s_main[i].p != NULL) {
            CHECK(intact(&s_main[i]));
            th_free(H, s_main[i].p);
        }
    }
    for (int i = 0; i < ISR_SLOTS; i++) {
        if (s_isr[i].p != NULL) {
            CHECK(intact(&s_isr[i]));
            th_free(H, s_isr[i].p);
        }
    }
    th_stats st = th_get_stats(H);
    CHECK_EQ(st.in_use, 0);
    CHECK_EQ(st.tiny_objects, 0);
    CHECK_EQ(st.allocs, st.frees + persistent);
    CHECK(th_check(H));
    CHECK_EQ(h_total_faults, 0);
    print_times();
    return h_failures;
}
