/*
 * arena.h — memory for a model's header and blocks that is paid for in huge pages.
 *
 * Why: a one-row prediction touches hundreds of scattered 4 KiB blocks (RF500: 762). Giving each
 * its own fresh page, or mapping the file and faulting each one in, costs one page fault per block
 * — 10–20 µs each on the VMs frost is measured on (bench/results), more than the reads themselves.
 * Blocks packed densely into 2 MiB regions, aligned so the kernel backs each with one transparent
 * huge page, cost one fault per 2 MiB instead. Nothing is freed before the arena is: pointers
 * into it stay valid until frost_close, which is what lets readers use a READY block without locks.
 *
 * Not thread-safe: the model's lock guards it.
 */
#ifndef FROST_RUNTIME_ARENA_H
#define FROST_RUNTIME_ARENA_H

#include <stddef.h>

#include "alloc.h"

typedef struct rt_region rt_region;

typedef struct rt_arena {
    const fr_allocator *alloc; /* the caller's hook (regions come from it), or NULL: mmap */
    rt_region *head;              /* the region allocations are carved from; older ones follow */
    size_t used;                  /* bytes of head already handed out */
    int plain;                    /* new regions: plain pages, sized to the request (rounded to
                                   * 64 KiB), where a whole huge page would be more memory than
                                   * the few faults it saves */
} rt_arena;

/* size bytes aligned to align (a power of two ≤ 4096), or NULL when memory runs out. */
void *rt_arena_alloc(rt_arena *a, size_t size, size_t align);
/* An allocator that carves from the arena (free does nothing; everything goes with the arena),
 * for what is built once at open and lives as long as the model: the parsed header's tables
 * share the header's huge page instead of faulting in pages of their own. */
void rt_arena_allocator(rt_arena *a, fr_allocator *out);
/* Releases every region. */
void rt_arena_free(rt_arena *a);

#endif
