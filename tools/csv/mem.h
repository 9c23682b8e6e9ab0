/*
 * mem.h — allocation helpers shared by the CSV reader and table (private to tools/csv/).
 *
 * Every allocation goes through the frost_allocator the caller handed to csv_reader_new, so an
 * embedding program (or an allocation-failure test) controls all of this module's memory. The
 * growth helper owns the overflow checks, because record and field counts come from untrusted
 * input and have no upper bound.
 */
#ifndef FROST_CSV_MEM_H
#define FROST_CSV_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "frost.h"

static inline void *csv_alloc(const frost_allocator *a, size_t n)
{
    return a->malloc_fn(a->ctx, n ? n : 1);
}

static inline void csv_dealloc(const frost_allocator *a, void *p)
{
    if (p)
        a->free_fn(a->ctx, p);
}

/* Makes *p hold at least need elements of elem bytes, growing geometrically so appending n
 * elements one at a time costs O(n). Returns 0, or FROST_ENOMEM (also when the byte count would
 * overflow size_t); *p and *cap are unchanged on failure. */
static inline int csv_grow(const frost_allocator *a, void **p, size_t *cap, size_t need,
                           size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return FROST_ENOMEM;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return FROST_ENOMEM;
    void *np = *p ? a->realloc_fn(a->ctx, *p, ncap * elem) : a->malloc_fn(a->ctx, ncap * elem);
    if (!np)
        return FROST_ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

#endif
