/*
 * tree.c — the whole-tree check the loader runs before the fast walkers may trust a tree: every
 * item reachable from the root located and every split checked by tree.h's rules (the same
 * rules the lazy scorer's checked steps follow), so that a damaged or crafted file can neither
 * loop nor read outside a block.
 */
#include "alloc.h"
#include "endian.h"
#include "tree.h"

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
        uint32_t r = stack[--top], need = 0, l = 0, rr = 0;
        const uint8_t *p = NULL;
        /* bounded by the record's counts, so a file whose refs form a DAG cannot blow up */
        if (splits + leaves >= limit) {
            rc = FR_CORRUPT(e, "tree %u: more nodes reachable than its record says (%llu)", t,
                            (unsigned long long)limit);
        } else if ((rc = rt_tree_locate(m, t, r, &p, &need, &bc, e)) == RT_WALK_NEED) {
            rc = fr_fail(e, FROST_EINVAL, "tree %u: block %u is not loaded", t, need);
        } else if (rc == 0 && fmt_ref_kind(r) == FMT_REF_LEAF) {
            leaves++;
        } else if (rc == 0 && !(rc = rt_tree_check_split(&m->h, t, fmt_ref_offset(r), p, &l, &rr, e))) {
            splits++;
            nan_left |= (fr_rd32(p + (T->wide ? FMT_WN_WORD : FMT_SN_WORD)) & FMT_NAN_LEFT) != 0;
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

