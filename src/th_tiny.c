/* SPDX-License-Identifier: MIT */
/*
 * th_tiny.c: the tiny allocator, for requests of 1..15 bytes.
 *
 * From the Go runtime's tinyalloc (../shared/seed): objects are packed
 * several to a 16-byte block, and the allocator keeps a *current block* that
 * serves requests until it cannot, after which a block with room replaces it
 * only when that block has more room left than the current one. Go frees a
 * whole block by garbage collection; C frees objects one at a time, so each
 * block records which 4-byte units are used (U) and where each live object
 * starts (S), in one byte per block. That byte makes th_free O(1), tells a
 * live object start from an interior pointer or a freed one, and lets freed
 * room inside a block that is still partly used be reused: blocks are kept
 * by class (the largest request they can take), so a request never searches.
 *
 * The two traps of the seed:
 * - "Nothing current" (tiny_cur == NULL) is a real state, tested on every
 *   path: the first allocation, and after th_tiny_drop_cur.
 * - The current block holds a reference of its own: when its last object
 *   dies its slab is not released while the cursor points into it (I13).
 *
 * Layout, classes and invariants: th_internal.h ("Tiny slabs", I10..I13).
 */
#include "th_internal.h"

#if TH_TINY

/* ==== Configuration ========================================================= */

/* Class of a block by its used-unit mask U (2 bits per U; U == 0 is class 4,
 * handled apart). Generated from the fit rules below: see th_tiny_class. */
#if TH_TINY_ALIGN_GO
#define CLASS_TABLE 0x165756acu
#else
#define CLASS_TABLE 0x165756a8u
#endif

#define BLOCK_BYTES 448u /* TH_SLAB_BLOCKS tiny blocks of 16 bytes */
_Static_assert(BLOCK_BYTES == TH_SLAB_BLOCKS * 16u, "slab geometry");

/* ==== Internal definitions ================================================= */

/* First unit at which k free units start, with the alignment rule, or 4.
 * k = 1: any unit (4-aligned). k = 2 and 4: even units (8-aligned). k = 3:
 * even units under C17 (an object of 9..12 bytes needs 8), any unit under
 * the Go rule (9..12 is a multiple of 8 only for 8 itself, which is k = 2). */
static uint32_t fit(uint32_t u, uint32_t k)
{
    uint32_t m    = (1u << k) - 1u;
    uint32_t step = (k == 1u || (TH_TINY_ALIGN_GO && k == 3u)) ? 1u : 2u;
    for (uint32_t pos = 0u; pos + k <= 4u; pos += step) {
        if ((u & (m << pos)) == 0u) {
            return pos;
        }
    }
    return 4u;
}

uint32_t th_tiny_class(uint32_t u)
{
    return u == 0u ? 4u : (CLASS_TABLE >> (2u * u)) & 3u;
}

/* Units of the live object that starts at `unit`: up to the next start or
 * the first free unit. */
uint32_t th_tiny_len(uint32_t meta, uint32_t unit)
{
    uint32_t cont = meta & ~(meta >> 4) & 15u;
    uint32_t len  = 1u;
    while (unit + len < 4u && ((cont >> (unit + len)) & 1u) != 0u) {
        len++;
    }
    return len;
}

/* Slab links are page numbers + 1 relative to tiny_base (0: none). */
static uint16_t slab_id(const th_heap *h, const th_slab *s)
{
    return (uint16_t)((th_addr(s) - h->tiny_base) / TH_PAGE + 1u);
}

th_slab *th_slab_at(const th_heap *h, uint16_t id)
{
    return (th_slab *)(h->tiny_base + ((uintptr_t)id - 1u) * TH_PAGE);
}

static void list_push(th_heap *h, th_slab *s, uint32_t j)
{
    uint16_t head = h->tiny_head[j];
    uint16_t id   = slab_id(h, s);
    s->next[j]    = head;
    s->prev[j]    = 0u;
    if (head != 0u) {
        th_slab_at(h, head)->prev[j] = id;
    }
    h->tiny_head[j] = id;
    h->tiny_mask    = (uint8_t)(h->tiny_mask | (1u << j)); /* restores I12 */
}

static void list_remove(th_heap *h, th_slab *s, uint32_t j)
{
    uint16_t n = s->next[j];
    uint16_t p = s->prev[j];
    if (p != 0u) {
        th_slab_at(h, p)->next[j] = n;
    } else {
        h->tiny_head[j] = n;
        if (n == 0u) {
            h->tiny_mask = (uint8_t)(h->tiny_mask & ~(1u << j)); /* restores I12 */
        }
    }
    if (n != 0u) {
        th_slab_at(h, n)->prev[j] = p;
    }
}

/* Moves block i of s from class co to class cn (restores I11, I12). */
static void reclass(th_heap *h, th_slab *s, uint32_t i, uint32_t co, uint32_t cn)
{
    if (co == cn) {
        return;
    }
    uint32_t bit = 1u << i;
    if (co != 0u) {
        s->map[co - 1u] &= ~bit;
        if (s->map[co - 1u] == 0u) {
            list_remove(h, s, co - 1u);
        }
    }
    if (cn != 0u) {
        if (s->map[cn - 1u] == 0u) {
            list_push(h, s, cn - 1u);
        }
        s->map[cn - 1u] |= bit;
    }
}

/* A new slab: a 512-byte general block whose payload is a page. */
static th_slab *slab_new(th_heap *h)
{
    th_block *b = th_gen_alloc(h, TH_PAGE, TH_PAGE, TH_KIND_SLAB);
    if (b == NULL) {
        return NULL;
    }
    uintptr_t page = th_addr(b) + sizeof(th_word);
    if (page < h->tiny_base || (page - h->tiny_base) / TH_PAGE >= 0xFFFFu) {
        th_gen_release(h, b); /* beyond the reach of 16-bit links */
        return NULL;
    }
    th_slab *s = (th_slab *)page;
    th_page_mark(h, page, true);
    for (uint32_t i = 0; i < TH_SLAB_BLOCKS; i++) {
        s->meta[i] = 0u;
    }
    s->map[0] = 0u;
    s->map[1] = 0u;
    s->map[2] = 0u;
    s->map[3] = TH_SLAB_FULLMAP;
    list_push(h, s, 3u);
    h->tiny_free += BLOCK_BYTES;
#if TH_FILL
    th_fill(s->blocks, (uint8_t)TH_FILL_FREED_BYTE, BLOCK_BYTES);
#endif
    return s;
}

static void slab_release(th_heap *h, th_slab *s)
{
    list_remove(h, s, 3u);
    th_page_mark(h, th_addr(s), false);
    h->tiny_free -= BLOCK_BYTES;
    th_gen_release(h, th_at(th_addr(s) - sizeof(th_word)));
}

/* Validates pointer a into slab s. Returns the object's length in units
 * with *idx and *unit set, or 0 after raising the fault that says why. */
static uint32_t locate(th_heap *h, const th_slab *s, uintptr_t a, uint32_t *idx, uint32_t *unit)
{
    uintptr_t off = a - th_addr(s);
    if (off >= BLOCK_BYTES || (off & 3u) != 0u) {
        th_raise(h, TH_FAULT_BAD_POINTER, (const void *)a); /* bookkeeping or misaligned */
        return 0u;
    }
    uint32_t i  = (uint32_t)(off / 16u);
    uint32_t un = (uint32_t)(off / 4u) & 3u;
    uint32_t m  = s->meta[i];
    uint32_t u  = m & 15u;
    uint32_t c  = th_tiny_class(u);
    /* I10, I11: S within U, and the block filed under its class. */
    if ((m >> 4) & ~u || (c != 0u && ((s->map[c - 1u] >> i) & 1u) == 0u)) {
        th_raise(h, TH_FAULT_CORRUPTION, (const void *)a);
        return 0u;
    }
    if (((m >> (4u + un)) & 1u) == 0u) {
        /* No history per unit: free room reads as freed, used room as interior. */
        th_raise(h, ((u >> un) & 1u) != 0u ? TH_FAULT_BAD_POINTER : TH_FAULT_DOUBLE_FREE,
                 (const void *)a);
        return 0u;
    }
    *idx  = i;
    *unit = un;
    return th_tiny_len(m, un);
}

/* ==== Internal interface =================================================== */

void *th_tiny_alloc(th_heap *h, size_t size)
{
    uint32_t k   = (uint32_t)(size + 3u) / 4u;
    th_slab *s   = h->tiny_cur;
    uint32_t i   = h->tiny_cur_idx;
    uint32_t pos = s != NULL ? fit(s->meta[i] & 15u, k) : 4u;
    bool     other = pos == 4u;
    if (other) {
        /* The current block is full for this size (or there is none): take
         * the head slab of the lowest class that fits, or a new slab. */
        uint32_t m = (uint32_t)h->tiny_mask >> (k - 1u);
        if (m != 0u) {
            uint32_t j = k - 1u + TH_CTZ(m);
            s          = th_slab_at(h, h->tiny_head[j]);
            i          = TH_CTZ(s->map[j]);
        } else {
            s = slab_new(h);
            if (s == NULL) {
                return NULL; /* the caller serves it from the general allocator */
            }
            i = 0u;
        }
        pos = fit(s->meta[i] & 15u, k);
    }
    void  *p     = &s->blocks[i][(size_t)pos * 4u];
    size_t bytes = (size_t)k * 4u;
#if TH_FILL
    if (!th_filled(p, (uint8_t)TH_FILL_FREED_BYTE, bytes)) {
        th_raise(h, TH_FAULT_CORRUPTION, p); /* written after it was freed */
        return NULL;
    }
#endif
    uint32_t m  = s->meta[i];
    uint32_t u  = m & 15u;
    uint32_t nu = u | (((1u << k) - 1u) << pos);
    /* Seed rule: another block replaces the current one only when it will
     * have more room left. */
    if (other && (h->tiny_cur == NULL ||
                  th_tiny_class(nu) > th_tiny_class(h->tiny_cur->meta[h->tiny_cur_idx] & 15u))) {
        h->tiny_cur     = s;
        h->tiny_cur_idx = (uint8_t)i;
    }
    s->meta[i] = (uint8_t)(nu | (m & 0xF0u) | (1u << (4u + pos)));
    reclass(h, s, i, th_tiny_class(u), th_tiny_class(nu));
    if (u == 0u) {
        h->tiny_blocks++;
    }
    h->tiny_objects++;
    h->tiny_free -= bytes;
    h->in_use += bytes;
    h->allocs++;
    th_note_use(h);
#if TH_FILL
    th_fill(p, (uint8_t)TH_FILL_FRESH_BYTE, bytes);
#endif
    TH_TRACE_ALLOC(h, p, bytes);
    return p;
}

void th_tiny_free(th_heap *h, th_slab *s, uintptr_t a)
{
    uint32_t i;
    uint32_t un;
    uint32_t len = locate(h, s, a, &i, &un);
    if (len == 0u) {
        return;
    }
    size_t bytes = (size_t)len * 4u;
    TH_TRACE_FREE(h, (void *)a, bytes);
    uint32_t m  = s->meta[i];
    uint32_t u  = m & 15u;
    uint32_t nu = u & ~(((1u << len) - 1u) << un);
    s->meta[i]  = (uint8_t)(nu | ((m & 0xF0u) & ~(1u << (4u + un))));
    reclass(h, s, i, th_tiny_class(u), th_tiny_class(nu));
#if TH_FILL
    th_fill((void *)a, (uint8_t)TH_FILL_FREED_BYTE, bytes);
#endif
    if (nu == 0u) {
        h->tiny_blocks--;
    }
    h->tiny_objects--;
    h->tiny_free += bytes;
    h->in_use -= bytes;
    h->frees++;
    if (s->map[3] == TH_SLAB_FULLMAP && s != h->tiny_cur) {
        slab_release(h, s); /* its last object died: back to the heap */
    }
}

size_t th_tiny_usable(th_heap *h, const th_slab *s, uintptr_t a)
{
    uint32_t i;
    uint32_t un;
    return (size_t)locate(h, s, a, &i, &un) * 4u;
}

/* Largest request the tiny blocks can serve now without a new slab. */
size_t th_tiny_largest(const th_heap *h)
{
    uint32_t c = h->tiny_mask != 0u ? 32u - TH_CLZ(h->tiny_mask) : 0u;
    return c == 4u ? 15u : 4u * c;
}

/* Releases the current block's slab when all its blocks are empty (the only
 * slab I13 lets live so); the tiny allocator is back to "nothing current". */
bool th_tiny_drop_cur(th_heap *h)
{
    th_slab *s = h->tiny_cur;
    if (s == NULL || s->map[3] != TH_SLAB_FULLMAP) {
        return false;
    }
    h->tiny_cur = NULL;
    slab_release(h, s);
    return true;
}

#endif /* TH_TINY */
