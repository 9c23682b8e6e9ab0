/*
 * arena.c — huge-page-backed bump allocation for a model's header and blocks (see arena.h).
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"
#include "arena.h"

#define RT_HUGE ((size_t)2 << 20) /* x86-64 and arm64 (4 KiB pages) transparent huge page */
#define RT_PLAIN_STEP ((size_t)64 << 10)

struct rt_region {
    rt_region *next;
    void *base;      /* what to release: the mapping, or the hook's allocation */
    size_t base_len; /* mapping length (0 when from the hook) */
    size_t size;     /* usable bytes from the region's start, this header included */
};

#define RT_REGION_HDR ((sizeof(rt_region) + 63) & ~(size_t)63)

/* A region of at least want bytes. Without a hook: an anonymous mapping aligned to 2 MiB and
 * sized in 2 MiB steps, so every step can be one huge page; the kernel is asked for them even
 * where THP is set to "madvise". */
static rt_region *region_new(const fr_allocator *hook, size_t want, int plain)
{
    if (want > SIZE_MAX - RT_HUGE)
        return NULL;
    size_t step = plain ? RT_PLAIN_STEP : RT_HUGE;
    size_t size = (want + step - 1) & ~(step - 1);
    rt_region *r;
    if (hook) {
        uint8_t *p = fr_malloc(hook, size + 64);
        if (!p)
            return NULL;
        r = (rt_region *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
        r->base = p;
        r->base_len = 0;
    } else if (plain) {
        uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        r = (rt_region *)p;
        r->base = p;
        r->base_len = size;
    } else {
        if (size > SIZE_MAX - RT_HUGE)
            return NULL;
        size_t len = size + RT_HUGE;
        uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        uint8_t *aligned = (uint8_t *)(((uintptr_t)p + RT_HUGE - 1) & ~(uintptr_t)(RT_HUGE - 1));
        /* give back the unaligned head and the tail: only the aligned span stays mapped */
        if (aligned > p)
            munmap(p, (size_t)(aligned - p));
        size_t tail = (size_t)(p + len - (aligned + size));
        if (tail)
            munmap(aligned + size, tail);
#ifdef MADV_HUGEPAGE
        madvise(aligned, size, MADV_HUGEPAGE);
#endif
        r = (rt_region *)aligned;
        r->base = aligned;
        r->base_len = size;
    }
    r->size = size;
    r->next = NULL;
    return r;
}

void *rt_arena_alloc(rt_arena *a, size_t size, size_t align)
{
    if (align == 0 || (align & (align - 1)) || align > 4096 || size > SIZE_MAX / 2)
        return NULL;
    if (a->head) {
        size_t at = (a->used + align - 1) & ~(align - 1);
        if (at <= a->head->size && size <= a->head->size - at) {
            a->used = at + size;
            return (uint8_t *)a->head + at;
        }
    }
    size_t at = (RT_REGION_HDR + align - 1) & ~(align - 1);
    rt_region *r = region_new(a->alloc, at + size, a->plain);
    if (!r)
        return NULL;
    /* A request that fills most of a region gets one of its own, behind the head, so the head's
     * free space still serves the small ones that follow. */
    if (a->head && at + size > (a->plain ? RT_PLAIN_STEP : RT_HUGE) / 2) {
        r->next = a->head->next;
        a->head->next = r;
    } else {
        r->next = a->head;
        a->head = r;
        a->used = at + size;
    }
    return (uint8_t *)r + at;
}

/* Each allocation is preceded by its size, which realloc needs. */
#define RT_SIZE_PREFIX 16

static void *arena_malloc(void *ctx, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    uint8_t *p = rt_arena_alloc(ctx, size + RT_SIZE_PREFIX, 16);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    return p + RT_SIZE_PREFIX;
}

static void *arena_realloc(void *ctx, void *old, size_t size)
{
    uint8_t *p = arena_malloc(ctx, size);
    if (p && old) {
        size_t old_size;
        memcpy(&old_size, (uint8_t *)old - RT_SIZE_PREFIX, sizeof old_size);
        memcpy(p, old, old_size < size ? old_size : size);
    }
    return p;
}

static void arena_free(void *ctx, void *p)
{
    (void)ctx;
    (void)p;
}

void rt_arena_allocator(rt_arena *a, fr_allocator *out)
{
    *out = (fr_allocator){.malloc_fn = arena_malloc, .realloc_fn = arena_realloc,
                             .free_fn = arena_free, .ctx = a};
}

void rt_arena_free(rt_arena *a)
{
    rt_region *r = a->head;
    while (r) {
        rt_region *next = r->next;
        if (r->base_len)
            munmap(r->base, r->base_len);
        else
            fr_free(a->alloc, r->base);
        r = next;
    }
    a->head = NULL;
    a->used = 0;
}
