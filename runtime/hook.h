/*
 * hook.h — the caller's frost_allocator as the fr_allocator the layers below take: one copy of
 * its members, so format/, the runtime, the writer and the importer pass on the same hook
 * (the members match one for one; format/alloc.h says why the types are two).
 */
#ifndef FROST_RUNTIME_HOOK_H
#define FROST_RUNTIME_HOOK_H

#include "alloc.h"
#include "frost.h"

/* The hook a names, or an empty one (for NULL: then pass NULL on, not its address). */
static inline fr_allocator rt_hook(const frost_allocator *a)
{
    fr_allocator h = {0};
    if (a)
        h = (fr_allocator){.malloc_fn = a->malloc_fn, .realloc_fn = a->realloc_fn,
                           .free_fn = a->free_fn, .ctx = a->ctx};
    return h;
}

#endif
