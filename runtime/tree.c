/*
 * tree.c — walking one tree by FORMAT.md's rules, so that a damaged or crafted file can neither
 * loop nor read outside a block: locating each item in the loaded blocks, checking each split,
 * the checked step the lazy scorer takes, and the whole-tree check the loader runs before the
 * fast walkers may trust a tree.
 */
#include "alloc.h"
#include "endian.h"
#include "tree.h"

/* Finds the item ref names in tree t, enforcing FORMAT.md's placement rules. Returns 0 with *p
 * set, RT_WALK_NEED with *block set when its block is not loaded, or a negative error. */
static int locate(const frost_model *m, uint32_t t, uint32_t ref, const uint8_t **p,
                  uint32_t *block, rt_block_cache *bc, fr_err *e)
{
    const fmt_header *h = &m->h;
    const fmt_tree *T = &h->trees[t];
    uint64_t body_size = T->body_size;
    uint32_t kind = fmt_ref_kind(ref), off = fmt_ref_offset(ref);
    if (kind > FMT_REF_LEAF)
        return FR_CORRUPT(e, "tree %u: ref 0x%x has a reserved kind", t, ref);
    uint32_t size = kind == FMT_REF_LEAF ? 8 * T->leaf_width : FMT_NODE_SIZE;
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
    return 0;
}

/* Checks a split node's fields; returns its children. */
static int check_split(const fmt_header *h, uint32_t t, uint32_t off, const uint8_t *p,
                       uint32_t *l, uint32_t *r, fr_err *e)
{
    uint32_t word = fr_rd32(p + 4);
    if ((word & FMT_FEATURE_RESERVED) || (word & FMT_FEATURE_MASK) >= h->trees[t].n_features)
        return FR_CORRUPT(e, "tree %u: node at %u has feature word 0x%x", t, off, word);
    *l = fr_rd32(p + 8);
    *r = fr_rd32(p + 12);
    if (fmt_ref_offset(*l) <= off || fmt_ref_offset(*r) <= off)
        return FR_CORRUPT(e, "tree %u: node at %u has a child that does not follow it", t, off);
    return 0;
}

int rt_walk_step(const frost_model *m, uint32_t t, const double *x, uint32_t *ref,
                        const uint8_t **leaf, uint32_t *need, rt_block_cache *bc, fr_err *e)
{
    uint32_t r = *ref;
    const uint8_t *p;
    int rc = locate(m, t, r, &p, need, bc, e);
    if (rc)
        return rc;
    if (fmt_ref_kind(r) == FMT_REF_LEAF) {
        *leaf = p;
        return RT_WALK_LEAF;
    }
    uint32_t l, rr;
    if ((rc = check_split(&m->h, t, fmt_ref_offset(r), p, &l, &rr, e)))
        return rc;
    uint32_t word = fr_rd32(p + 4);
    *ref = rt_goes_left(p, word, (float)x[word & FMT_FEATURE_MASK], 1) ? l : rr;
    rt_prefetch_item(&m->h, &m->h.trees[t], *ref, bc);
    return RT_WALK_MOVED;
}

int rt_check_tree(const frost_model *m, uint32_t t, uint8_t *verdict, fr_err *e)
{
    int nan_left = 0;
    const fmt_tree *T = &m->h.trees[t];
    uint64_t limit = (uint64_t)T->n_splits + T->n_leaves;
    size_t cap = 64, top = 0;
    uint32_t *stack = fr_malloc(m->alloc, cap * sizeof *stack);
    if (!stack)
        return fr_fail(e, FROST_ENOMEM, "out of memory checking tree %u", t);
    uint64_t splits = 0, leaves = 0;
    int rc = 0;
    rt_block_cache bc = {.block = UINT32_MAX};
    stack[top++] = T->root;
    while (top && !rc) {
        uint32_t r = stack[--top], need = 0, l, rr;
        const uint8_t *p;
        /* bounded by the record's counts, so a file whose refs form a DAG cannot blow up */
        if (splits + leaves >= limit) {
            rc = FR_CORRUPT(e, "tree %u: more nodes reachable than its record says (%llu)", t,
                            (unsigned long long)limit);
        } else if ((rc = locate(m, t, r, &p, &need, &bc, e)) == RT_WALK_NEED) {
            rc = fr_fail(e, FROST_EINVAL, "tree %u: block %u is not loaded", t, need);
        } else if (rc == 0 && fmt_ref_kind(r) == FMT_REF_LEAF) {
            leaves++;
        } else if (rc == 0 && !(rc = check_split(&m->h, t, fmt_ref_offset(r), p, &l, &rr, e))) {
            splits++;
            nan_left |= (fr_rd32(p + 4) & FMT_NAN_LEFT) != 0;
            if (top + 2 > cap) {
                uint32_t *grown = fr_realloc(m->alloc, stack, cap * 2 * sizeof *stack);
                if (!grown) {
                    rc = fr_fail(e, FROST_ENOMEM, "out of memory checking tree %u", t);
                    break;
                }
                stack = grown;
                cap *= 2;
            }
            stack[top++] = rr;
            stack[top++] = l;
        }
    }
    fr_free(m->alloc, stack);
    if (!rc && (splits != T->n_splits || leaves != T->n_leaves))
        rc = FR_CORRUPT(e, "tree %u: %llu splits and %llu leaves reachable, record says %u and %u",
                        t, (unsigned long long)splits, (unsigned long long)leaves, T->n_splits,
                        T->n_leaves);
    *verdict = rc ? 0 : (uint8_t)(RT_TREE_CHECKED | (nan_left ? RT_TREE_NAN_LEFT : 0));
    return rc;
}

