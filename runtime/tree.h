/*
 * tree.h — one tree's space as the walkers see it (FORMAT.md "Tree space, nodes and refs"):
 * where a ref lies in the loaded blocks, the branch rule, the checked step. tree.c holds what
 * checks a tree against FORMAT.md's rules; the loader verifies whole trees with it, the scorers
 * walk with these.
 */
#ifndef FROST_RUNTIME_TREE_H
#define FROST_RUNTIME_TREE_H

#include <math.h>

#include "internal.h"

enum { RT_WALK_LEAF = 0, RT_WALK_NEED = 1, RT_WALK_MOVED = 2 };

/* The block a walk is in: nine levels of a tree share one, so the walker looks a block up
 * (state, size, memory — three scattered tables) once per block it enters, not once per node. */
typedef struct rt_block_cache {
    uint32_t block; /* UINT32_MAX: none yet */
    uint32_t raw_size;
    const uint8_t *mem;
} rt_block_cache;

/* Where byte off of tree T's space lies: its chunk and the offset in it (the top part in the
 * top chunk, the rest in the body chunk). */
static inline void rt_tree_pos(const fmt_header *h, const fmt_tree *T, uint32_t off, uint32_t *c,
                            uint64_t *coff)
{
    if (off < T->top_size) {
        *c = h->top_chunk;
        *coff = T->top_offset + off;
    } else {
        *c = T->body_chunk;
        *coff = T->body_offset + (off - T->top_size);
    }
}

/* The branch rule every walker follows (FORMAT.md): 1 when split p, whose feature word is word,
 * sends the float32 input xv left — at or below the threshold, or missing with the NaN-left
 * flag. A walker may pass nan_left = 0 for a tree that has no such flag (NaN then goes right, as
 * `NaN <= threshold` is false); the child is at p + 12 - 4 × the result. */
static inline uint32_t rt_goes_left(const uint8_t *p, uint32_t word, float xv, int nan_left)
{
    uint32_t left = (uint32_t)(xv <= fr_rdf32(p));
    if (nan_left)
        left |= (uint32_t)(isnan(xv) != 0) & (word >> 31);
    return left;
}

/* Asks the cache for the node ref names when it lies in the block the walk is in (the common
 * case: nine levels share a block), so that it is on its way while other walks take a step. */
static inline void rt_prefetch_item(const fmt_header *h, const fmt_tree *T, uint32_t ref,
                                 const rt_block_cache *bc)
{
    uint32_t off = fmt_ref_offset(ref);
    if (off >= T->top_size && T->body_chunk == FMT_NONE)
        return; /* past a tree without a body: locate will say so */
    uint32_t c;
    uint64_t coff;
    rt_tree_pos(h, T, off, &c, &coff);
    if (fmt_chunk_block_of(h, c, coff) == bc->block)
        __builtin_prefetch(bc->mem + (coff & (h->block_size - 1)));
}

/* One step of a checked walk of tree t for row x (rt_walk_step): RT_WALK_MOVED with *ref
 * advanced, RT_WALK_LEAF with *leaf set, RT_WALK_NEED with *need set to the block to load, or
 * a negative error for a rule the tree breaks. */
int rt_walk_step(const frost_model *m, uint32_t t, const double *x, uint32_t *ref,
                 const uint8_t **leaf, uint32_t *need, rt_block_cache *bc, fr_err *e);

#endif
