/* SPDX-License-Identifier: MIT */
/*
 * The consumer firmware of README's "Using tinyheap in a firmware", in C++
 * ("From C++"): C++17, -fno-exceptions -fno-rtti, linked like main.c
 * (Makefile with APP=cxx: the same app.ld, src/th_*.c and
 * src/port/newlib_nano.c built by arm-none-eabi-gcc, this file by
 * arm-none-eabi-g++, the link by g++ with --specs=nano.specs, which takes
 * libstdc++_nano and libsupc++_nano). make check builds it on every Cortex-M
 * board and runs it under QEMU on the MPS2 boards (the consumer:cxx entry,
 * tests-qemu/scripts/build-consumer.sh).
 *
 * It checks that the C++ allocation operators of libsupc++ reach tinyheap
 * through the newlib port: new, new[], delete, delete[], sized and aligned
 * delete, a global constructor that allocates before main, std::nothrow,
 * the new-handler on exhaustion, and that a double delete goes to
 * tinyheap's fault handler, counted, with the heap unchanged. It reports
 * through ARM semihosting, as main.c does: a line per failed check, then
 * "PASS app" or "FAIL app" and the exit status.
 */
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <new>

#include "tinyheap.h"

extern "C" {
extern std::uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern char          th_stack_top[], th_heap_start[], th_heap_size[];
/* The constructors of objects with static storage (app.ld's .init_array). */
extern void (*const __init_array_start[])();
extern void (*const __init_array_end[])();
void reset_handler();
}

__attribute__((section(".vectors"), used)) static void *const vectors[2] = {
    th_stack_top, reinterpret_cast<void *>(&reset_handler)};

namespace {

/* ARM semihosting: r0 = operation, r1 = argument. */
void semihost(std::uint32_t op, const void *arg)
{
    register std::uint32_t r0 __asm__("r0") = op;
    register const void   *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void say(const char *s)
{
    semihost(0x04u, s); /* SYS_WRITE0 */
}

[[noreturn]] void finish(bool passed)
{
    say(passed ? "PASS app\n" : "FAIL app\n"); /* the runner wants PASS <image> */
    /* SYS_EXIT: ApplicationExit (status 0) or RunTimeErrorUnknown (status 1). */
    semihost(0x18u, reinterpret_cast<const void *>(std::uintptr_t{passed ? 0x20026u : 0x20023u}));
    for (;;) {
    }
}

/* "check failed: line <n>: <expression>" */
unsigned failures;
void check(bool ok, unsigned line, const char *what)
{
    if (ok) {
        return;
    }
    char digits[12];
    char *d = digits + sizeof digits;
    *--d    = '\0';
    do {
        *--d = static_cast<char>('0' + line % 10u);
        line /= 10u;
    } while (line != 0u);
    say("check failed: line ");
    say(d);
    say(": ");
    say(what);
    say("\n");
    failures++;
}
#define CHECK(e) check((e), __LINE__, #e)

th_heap *heap()
{
    return th_default();
}

bool inside_heap(const void *p)
{
    std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
    std::uintptr_t lo = reinterpret_cast<std::uintptr_t>(th_heap_start);
    return a >= lo && a - lo < reinterpret_cast<std::uintptr_t>(th_heap_size);
}

/* The address read through an empty asm: GCC takes operator new's and
 * malloc's alignment on trust and would fold a plain test to "aligned". */
bool aligned(const void *p, std::size_t a)
{
    std::uintptr_t v = reinterpret_cast<std::uintptr_t>(p);
    __asm__("" : "+r"(v));
    return v % a == 0u;
}

/* Every pointer malloc returns is 8-aligned (newlib's MALLOC_ALIGN); on
 * arm-none-eabi that is alignof(std::max_align_t). */
constexpr std::size_t kAlign = alignof(std::max_align_t) > 8u ? alignof(std::max_align_t) : 8u;

/* tinyheap's fault handler: counts, and remembers the last fault. */
unsigned        faults_seen;
th_fault        last_kind = TH_FAULT_COUNT;
const void     *last_ptr;
void on_fault(th_heap *h, th_fault kind, const void *ptr)
{
    (void)h;
    faults_seen++;
    last_kind = kind;
    last_ptr  = ptr;
}

/* A global whose constructor allocates: it runs from .init_array, before
 * main, and its block is the first th_default() hands out. */
struct Registry {
    std::uint8_t *table;
    Registry() : table(new std::uint8_t[24])
    {
        for (unsigned i = 0; i < 24u; i++) {
            table[i] = static_cast<std::uint8_t>(i);
        }
    }
};
Registry registry;

struct Sample { /* 40 bytes: a general block */
    std::uint32_t words[10];
    explicit Sample(std::uint32_t seed)
    {
        for (unsigned i = 0; i < 10u; i++) {
            words[i] = seed + i;
        }
    }
};

struct Small { /* 6 bytes: a tiny object (the port asks for 8) */
    std::uint16_t a, b, c;
};

/* Counts constructions and destructions (new[] adds an array cookie). */
unsigned live_nodes;
struct Node {
    std::uint32_t id;
    Node *next;
    Node() : id(++live_nodes), next(nullptr) {}
    ~Node() { live_nodes--; }
    Node(const Node &) = delete;
    Node &operator=(const Node &) = delete;
};

/* Deleted through a base pointer: the deleting destructor calls the sized
 * operator delete with the derived size. */
struct Shape {
    virtual ~Shape() = default;
    virtual std::uint32_t area() const { return 0u; }
};
unsigned squares_destroyed;
struct Square final : Shape {
    std::uint32_t side, pad[7];
    explicit Square(std::uint32_t s) : side(s), pad() {}
    ~Square() override { squares_destroyed++; }
    std::uint32_t area() const override { return side * side; }
};

struct alignas(32) Dma { /* over-aligned: operator new(size, align_val_t), memalign */
    std::uint8_t buf[64];
};

/* The new-handler: releases a reserve so that operator new's retry succeeds. */
std::uint8_t *reserve;
unsigned      handler_calls;
void release_reserve()
{
    handler_calls++;
    if (reserve == nullptr) {
        say("new-handler called with no reserve left\n");
        finish(false); /* returning would make operator new loop */
    }
    delete[] reserve;
    reserve = nullptr;
}

/* The stats of th_default(), the heap malloc and operator new use. */
th_stats stats()
{
    return th_get_stats(heap());
}

} // namespace

/* The application; C++ forbids calling main, so the start-up calls this. */
int app_main();

extern "C" void reset_handler()
{
    for (std::uint32_t *s = _sidata, *d = _sdata; d < _edata;) {
        *d++ = *s++;
    }
    for (std::uint32_t *d = _sbss; d < _ebss;) {
        *d++ = 0u;
    }
    for (void (*const *f)() = __init_array_start; f < __init_array_end; f++) {
        (*f)();
    }
    finish(app_main() == 0);
}

int app_main()
{
    th_set_fault_handler(on_fault);

    /* The global constructor allocated from tinyheap before main. */
    th_stats base = stats();
    CHECK(registry.table != nullptr && inside_heap(registry.table));
    CHECK(registry.table[23] == 23u);
    CHECK(base.allocs == 1u && base.frees == 0u);
    CHECK(base.in_use == th_usable_size(heap(), registry.table));

    /* new / delete of one object: one allocation, usable, aligned. */
    {
        Sample  *s = new Sample(100u);
        th_stats a = stats();
        CHECK(inside_heap(s) && aligned(s, kAlign));
        CHECK(s->words[0] == 100u && s->words[9] == 109u);
        std::size_t usable = th_usable_size(heap(), s);
        CHECK(usable >= sizeof(Sample));
        CHECK(a.allocs == base.allocs + 1u && a.in_use == base.in_use + usable);
        delete s;
        th_stats b = stats();
        CHECK(b.frees == a.frees + 1u && b.in_use == base.in_use);
    }

    /* A small object is a tiny object, 8-aligned by the port. */
    {
        th_stats a = stats();
        Small   *s = new Small{1u, 2u, 3u};
        th_stats b = stats();
        CHECK(inside_heap(s) && aligned(s, kAlign) && s->c == 3u);
        CHECK(b.allocs == a.allocs + 1u && b.tiny_objects == a.tiny_objects + 1u);
        CHECK(b.in_use == a.in_use + th_usable_size(heap(), s));
        delete s;
        th_stats c = stats();
        CHECK(c.frees == b.frees + 1u && c.in_use == a.in_use && c.tiny_objects == a.tiny_objects);
    }

    /* new[] / delete[] of a trivial type: one allocation, no cookie. */
    {
        th_stats       a = stats();
        std::uint16_t *v = new std::uint16_t[100];
        th_stats       b = stats();
        CHECK(inside_heap(v) && aligned(v, kAlign));
        for (unsigned i = 0; i < 100u; i++) {
            v[i] = static_cast<std::uint16_t>(i * 3u);
        }
        CHECK(v[99] == 297u);
        std::size_t usable = th_usable_size(heap(), v);
        CHECK(usable >= 100u * sizeof(std::uint16_t));
        CHECK(b.allocs == a.allocs + 1u && b.in_use == a.in_use + usable);
        delete[] v;
        th_stats c = stats();
        CHECK(c.frees == b.frees + 1u && c.in_use == a.in_use);
    }

    /* new[] / delete[] of a type with a destructor: one allocation holding
     * the elements and the array cookie; every element built and destroyed. */
    {
        th_stats a = stats();
        Node    *n = new Node[12];
        th_stats b = stats();
        CHECK(inside_heap(n) && live_nodes == 12u && n[11].id == 12u);
        CHECK(b.allocs == a.allocs + 1u && b.in_use >= a.in_use + 12u * sizeof(Node));
        delete[] n;
        th_stats c = stats();
        CHECK(live_nodes == 0u && c.frees == b.frees + 1u && c.in_use == a.in_use);
    }

    /* delete through a base pointer (virtual destructor, sized delete). */
    {
        th_stats a = stats();
        Shape   *sh = new Square(7u);
        th_stats b = stats();
        CHECK(inside_heap(sh) && sh->area() == 49u);
        CHECK(b.allocs == a.allocs + 1u && b.in_use == a.in_use + th_usable_size(heap(), sh));
        delete sh;
        th_stats c = stats();
        CHECK(squares_destroyed == 1u && c.frees == b.frees + 1u && c.in_use == a.in_use);
    }

    /* An over-aligned type: operator new(size_t, align_val_t) -> memalign. */
    {
        th_stats a = stats();
        Dma     *d = new Dma;
        th_stats b = stats();
        CHECK(inside_heap(d) && aligned(d, alignof(Dma)));
        d->buf[63] = 0x5au;
        CHECK(d->buf[63] == 0x5au);
        CHECK(b.allocs == a.allocs + 1u && b.in_use == a.in_use + th_usable_size(heap(), d));
        delete d;
        th_stats c = stats();
        CHECK(c.frees == b.frees + 1u && c.in_use == a.in_use);
    }

    /* A double delete, of a general block and of a tiny object (each with
     * a live neighbour, so that the freed block stays where it was): the
     * fault handler sees it once, it is counted, nothing else changes. */
    {
        Sample *keep = new Sample(1u);
        Sample *victim = new Sample(2u);
        Small  *keep_small = new Small{4u, 5u, 6u};
        Small  *small = new Small{7u, 8u, 9u};
        /* Copies the compiler cannot follow, taken while the blocks live. */
        Sample *volatile again = victim;
        Small *volatile  again_small = small;
        const void      *victim_addr = victim, *small_addr = small;
        delete victim;
        delete small;
        th_stats a = stats();

        delete again;
        th_stats b = stats();
        CHECK(faults_seen == 1u && last_kind == TH_FAULT_DOUBLE_FREE && last_ptr == victim_addr);
        CHECK(b.faults[TH_FAULT_DOUBLE_FREE] == a.faults[TH_FAULT_DOUBLE_FREE] + 1u);

        delete again_small;
        th_stats c = stats();
        CHECK(faults_seen == 2u && last_kind == TH_FAULT_DOUBLE_FREE && last_ptr == small_addr);
        CHECK(c.faults[TH_FAULT_DOUBLE_FREE] == a.faults[TH_FAULT_DOUBLE_FREE] + 2u);
        CHECK(c.allocs == a.allocs && c.frees == a.frees && c.in_use == a.in_use &&
              c.free_bytes == a.free_bytes && c.free_blocks == a.free_blocks &&
              c.tiny_objects == a.tiny_objects);
        CHECK(th_check(heap()));
        CHECK(faults_seen == 2u); /* th_check found nothing */
        CHECK(keep->words[9] == 10u && keep_small->c == 6u);
        delete keep;
        delete keep_small;
    }

    /* new (std::nothrow) is served the same way. */
    {
        th_stats a = stats();
        char    *p = new (std::nothrow) char[300];
        CHECK(p != nullptr && inside_heap(p) && aligned(p, kAlign));
        CHECK(stats().allocs == a.allocs + 1u);
        delete[] p;
        CHECK(stats().in_use == a.in_use);
    }

    /* Exhaustion: malloc fails (ENOMEM, counted), operator new calls the
     * new-handler, which frees a reserve, and the retry succeeds. (Without a
     * handler, libsupc++_nano's operator new, built without exceptions,
     * calls abort(), the nothrow form included.) */
    {
        std::size_t big = th_largest_free(heap());
        reserve = new std::uint8_t[big];
        CHECK(inside_heap(reserve) && th_largest_free(heap()) < big / 2u);
        th_stats a = stats();
        errno = 0;
        std::set_new_handler(release_reserve);
        std::uint8_t *want = new std::uint8_t[big / 2u];
        std::set_new_handler(nullptr);
        th_stats b = stats();
        CHECK(handler_calls == 1u && reserve == nullptr && errno == ENOMEM);
        CHECK(inside_heap(want) && aligned(want, kAlign));
        want[big / 2u - 1u] = 1u;
        CHECK(b.failed == a.failed + 1u && b.allocs == a.allocs + 1u && b.frees == a.frees + 1u);
        delete[] want;
    }

    th_stats end = stats();
    CHECK(end.in_use == base.in_use && end.allocs == end.frees + 1u);
    CHECK(th_check(heap()) && faults_seen == 2u);
    return failures == 0u ? 0 : 1;
}
