/*
 * tree.h — one tree's space as the walkers see it (FORMAT.md "Tree space, nodes and refs"):
 * where a ref lies in the loaded blocks, the branch rule, and FORMAT.md's placement and split
 * rules as the checked step applies them. One set of rules: tree.c's whole-tree check (the
 * loader's) and the lazy scorer's steps both use these, inline, since a walk takes one per node.
 */
#ifndef FROST_RUNTIME_TREE_H
#define FROST_RUNTIME_TREE_H

#include <math.h>

#include "endian.h"
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

/* The branch rule of a wide split (FORMAT.md "Wide comparisons", HistGradientBoosting's
 * _predictor.pyx): the float64 input, not cast, against the float64 threshold; or, in a
 * categorical split, the category scikit-learn's <uint8_t> cast makes of it (x86-64: the 32-bit
 * truncation's low byte, 0 from 2^31 on) looked up in the set after the node — NaN and values
 * below 0 going the missing values' way. 1 when the split sends x left. */
static inline uint32_t rt_goes_left_wide(const uint8_t *p, uint32_t word, double x)
{
    uint32_t nan_left = word >> 31;
    if (!(word & FMT_CATEGORICAL))
        return (uint32_t)(x <= fr_rdf64(p + FMT_WN_THRESHOLD)) |
               ((uint32_t)(isnan(x) != 0) & nan_left);
    if (!(x >= 0.0)) /* NaN, or below 0 (-0.0 is category 0) */
        return nan_left;
    uint32_t c = x < 2147483648.0 ? (uint32_t)x & 255u : 0u;
    return (fr_rd32(p + FMT_WIDE_NODE_SIZE + 4 * (c >> 5)) >> (c & 31)) & 1u;
}

/* 1 when split p (of a wide tree or not) sends row x left. */
static inline uint32_t rt_split_goes_left(const uint8_t *p, int wide, const double *x)
{
    if (wide) {
        uint32_t word = fr_rd32(p + FMT_WN_WORD);
        return rt_goes_left_wide(p, word, x[word & FMT_FEATURE_MASK]);
    }
    uint32_t word = fr_rd32(p + FMT_SN_WORD);
    return rt_goes_left(p, word, (float)x[word & FMT_FEATURE_MASK], 1);
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

/* Finds the item ref names in tree t, enforcing FORMAT.md's placement rules. Returns 0 with *p
 * set, RT_WALK_NEED with *block set when its block is not loaded, or a negative error. */
static inline int rt_tree_locate(const frost_model *m, uint32_t t, uint32_t ref,
                                 const uint8_t **p, uint32_t *block, rt_block_cache *bc,
                                 fr_err *e)
{
    const fmt_header *h = &m->h;
    const fmt_tree *T = &h->trees[t];
    uint64_t body_size = T->body_size;
    uint32_t kind = fmt_ref_kind(ref), off = fmt_ref_offset(ref);
    if (kind > FMT_REF_LEAF)
        return FR_CORRUPT(e, "tree %u: ref 0x%x has a reserved kind", t, ref);
    uint32_t size = kind == FMT_REF_LEAF ? 8 * T->leaf_width
                    : T->wide               ? FMT_WIDE_NODE_SIZE
                                            : FMT_NODE_SIZE;
    if ((uint64_t)off + size > T->top_size + body_size)
        return FR_CORRUPT(e, "tree %u: ref 0x%x points past the tree", t, ref);
    if (off < T->top_size && (uint64_t)off + size > T->top_size)
        return FR_CORRUPT(e, "tree %u: item at %u straddles the top part's end", t, off);
    uint32_t c;
    uint64_t coff;
    rt_tree_pos(h, T, off, &c, &coff);
    uint32_t b = fmt_chunk_block_of(h, c, coff);
    if (b != bc->block) {
        if (!rt_block_ready(m, b)) {
            *block = b;
            return RT_WALK_NEED;
        }
        bc->block = b;
        bc->raw_size = fmt_block_raw_size(h, b);
        bc->mem = m->block_mem[b];
    }
    if ((coff & (h->block_size - 1)) + size > bc->raw_size)
        return FR_CORRUPT(e, "tree %u: item at %u straddles a block boundary", t, off);
    *p = bc->mem + (coff & (h->block_size - 1));
    /* a categorical split's item goes on with its category set: the same rules for the whole */
    if (kind == FMT_REF_NODE && T->wide && (fr_rd32(*p + FMT_WN_WORD) & FMT_CATEGORICAL)) {
        size = FMT_CAT_NODE_SIZE;
        if ((uint64_t)off + size > T->top_size + body_size ||
            (off < T->top_size && (uint64_t)off + size > T->top_size) ||
            (coff & (h->block_size - 1)) + size > bc->raw_size)
            return FR_CORRUPT(e, "tree %u: the category set of the split at %u does not lie in "
                              "its block and part", t, off);
    }
    return 0;
}

/* Checks a split node's fields; returns its children. */
static inline int rt_tree_check_split(const fmt_header *h, uint32_t t, uint32_t off,
                                      const uint8_t *p, uint32_t *l, uint32_t *r, fr_err *e)
{
    const fmt_tree *T = &h->trees[t];
    if (T->wide) {
        uint32_t word = fr_rd32(p + FMT_WN_WORD);
        if ((word & FMT_WIDE_FEATURE_RESERVED) || (word & FMT_FEATURE_MASK) >= T->n_features ||
            fr_rd32(p + FMT_WN_RESERVED) ||
            ((word & FMT_CATEGORICAL) && fr_rd64(p + FMT_WN_THRESHOLD)))
            return FR_CORRUPT(e, "tree %u: wide node at %u has feature word 0x%x or reserved "
                              "bytes set", t, off, word);
        *l = fr_rd32(p + FMT_WN_LEFT);
        *r = fr_rd32(p + FMT_WN_RIGHT);
    } else {
        uint32_t word = fr_rd32(p + FMT_SN_WORD);
        if ((word & FMT_FEATURE_RESERVED) || (word & FMT_FEATURE_MASK) >= T->n_features)
            return FR_CORRUPT(e, "tree %u: node at %u has feature word 0x%x", t, off, word);
        *l = fr_rd32(p + FMT_SN_LEFT);
        *r = fr_rd32(p + FMT_SN_RIGHT);
    }
    if (fmt_ref_offset(*l) <= off || fmt_ref_offset(*r) <= off)
        return FR_CORRUPT(e, "tree %u: node at %u has a child that does not follow it", t, off);
    return 0;
}

/* One step of a checked walk of tree t for row x: RT_WALK_MOVED with *ref advanced,
 * RT_WALK_LEAF with *leaf set, RT_WALK_NEED with *need set to the block to load, or a negative
 * error for a rule the tree breaks. Inline: the lazy scorer takes it once per node. */
static inline int rt_walk_step(const frost_model *m, uint32_t t, const double *x, uint32_t *ref,
                               const uint8_t **leaf, uint32_t *need, rt_block_cache *bc,
                               fr_err *e)
{
    uint32_t r = *ref;
    const uint8_t *p = NULL;
    int rc = rt_tree_locate(m, t, r, &p, need, bc, e);
    if (rc)
        return rc;
    if (fmt_ref_kind(r) == FMT_REF_LEAF) {
        *leaf = p;
        return RT_WALK_LEAF;
    }
    uint32_t l = 0, rr = 0;
    if ((rc = rt_tree_check_split(&m->h, t, fmt_ref_offset(r), p, &l, &rr, e)))
        return rc;
    *ref = rt_split_goes_left(p, (int)m->h.trees[t].wide, x) ? l : rr;
    rt_prefetch_item(&m->h, &m->h.trees[t], *ref, bc);
    return RT_WALK_MOVED;
}

#endif
