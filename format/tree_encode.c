/*
 * tree_encode.c — turns scikit-learn's Tree arrays into frost's tree encoding (FORMAT.md "Tree
 * space, nodes and refs"): 16-byte split nodes, leaves stored once, f32 thresholds that decide
 * exactly as sklearn's float64 ones do on float32 inputs, and a blocked layout.
 *
 * Layout, chosen for cold starts: the first top_levels levels go into the tree's top part (all
 * top parts are packed into one chunk, so one read brings every root); the body is filled block
 * by block, each block holding a whole subtree taken breadth first from its root, with every
 * split's leaves next to it, so one block answers ~8 levels of a walk. Subtrees small enough to
 * fit a block are stored whole and packed together. Everything is appended in placement order,
 * and a node is placed before its children, so every child's offset exceeds its parent's — the
 * rule that lets a reader prove a walk ends.
 *
 * Wide trees (HistGradientBoosting, format 1.3) keep their float64 thresholds in 24-byte nodes,
 * and a categorical split its 256-bit category set right after its node.
 */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "endian.h"
#include "format.h"

float fmt_threshold_f32(double t)
{
    float f = (float)t;
    if ((double)f > t)
        f = nextafterf(f, -INFINITY);
    return f;
}

uint32_t fmt_min_block_shift(uint32_t leaf_width, int wide)
{
    uint64_t need = (wide ? FMT_CAT_NODE_SIZE : FMT_NODE_SIZE) + 2ull * 8 * leaf_width;
    uint32_t s = FMT_MIN_BLOCK_SHIFT;
    while (s < FMT_MAX_BLOCK_SHIFT && (1ull << s) < need)
        s++;
    return s;
}

/* The layout pass's state: node offsets in the tree space, filled in placement order. */
typedef struct layout {
    const fmt_tree_input *in;
    uint64_t *off;       /* node → offset in the tree space */
    uint64_t *size;      /* node → bytes of its whole subtree */
    uint64_t leaf_bytes; /* 8 × value_width */
    uint64_t *queue;     /* scratch FIFO, node_count entries */
} layout;

static int is_leaf(const fmt_tree_input *in, uint64_t n) { return in->children_left[n] == -1; }

static int is_categorical(const fmt_tree_input *in, uint64_t n)
{
    return in->wide && in->is_categorical && in->is_categorical[n];
}

/* Bytes of split n's item: a node, and a categorical split's set after it. */
static uint64_t node_bytes(const fmt_tree_input *in, uint64_t n)
{
    if (!in->wide)
        return FMT_NODE_SIZE;
    return is_categorical(in, n) ? FMT_CAT_NODE_SIZE : FMT_WIDE_NODE_SIZE;
}

/* Bytes a split costs placed with its leaf children beside it. */
static uint64_t split_cost(const layout *L, uint64_t n)
{
    uint64_t c = node_bytes(L->in, n);
    if (is_leaf(L->in, (uint64_t)L->in->children_left[n]))
        c += L->leaf_bytes;
    if (is_leaf(L->in, (uint64_t)L->in->children_right[n]))
        c += L->leaf_bytes;
    return c;
}

/* Places split n at *pos and its leaf children right after it. */
static void place_split(layout *L, uint64_t n, uint64_t *pos)
{
    L->off[n] = *pos;
    *pos += node_bytes(L->in, n);
    uint64_t kids[2] = {(uint64_t)L->in->children_left[n], (uint64_t)L->in->children_right[n]};
    for (int k = 0; k < 2; k++)
        if (is_leaf(L->in, kids[k])) {
            L->off[kids[k]] = *pos;
            *pos += L->leaf_bytes;
        }
}

/* Places the whole subtree of r breadth first from *pos. */
static void place_whole(layout *L, uint64_t r, uint64_t *pos)
{
    if (is_leaf(L->in, r)) {
        L->off[r] = *pos;
        *pos += L->leaf_bytes;
        return;
    }
    size_t head = 0, tail = 0;
    L->queue[tail++] = r;
    while (head < tail) {
        uint64_t n = L->queue[head++];
        place_split(L, n, pos);
        uint64_t kids[2] = {(uint64_t)L->in->children_left[n], (uint64_t)L->in->children_right[n]};
        for (int k = 0; k < 2; k++)
            if (!is_leaf(L->in, kids[k]))
                L->queue[tail++] = kids[k];
    }
}

/* Checks the arrays describe one binary tree rooted at node 0 and returns the breadth-first order
 * in bfs[] (every node exactly once). */
static int check_tree(const fmt_tree_input *in, uint64_t *bfs, uint8_t *seen, fr_err *e)
{
    uint64_t n = in->node_count;
    size_t head = 0, tail = 0;
    bfs[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
        uint64_t i = bfs[head++];
        int64_t l = in->children_left[i], r = in->children_right[i];
        if (l == -1 || r == -1) {
            if (l != -1 || r != -1)
                return fr_fail(e, FR_EFORMAT, "tree node %llu has one child",
                               (unsigned long long)i);
            continue;
        }
        if (l <= 0 || r <= 0 || (uint64_t)l >= n || (uint64_t)r >= n || l == r)
            return fr_fail(e, FR_EFORMAT, "tree node %llu: children %lld/%lld out of range",
                           (unsigned long long)i, (long long)l, (long long)r);
        if (seen[l] || seen[r])
            return fr_fail(e, FR_EFORMAT, "tree node %llu: a child has two parents (not a tree)",
                           (unsigned long long)i);
        if (in->feature[i] < 0 || (uint64_t)in->feature[i] >= in->n_features)
            return fr_fail(e, FR_EFORMAT, "tree node %llu: feature %lld out of range (%u features)",
                           (unsigned long long)i, (long long)in->feature[i], in->n_features);
        if (isnan(in->threshold[i]) && !is_categorical(in, i))
            return fr_fail(e, FR_EFORMAT, "tree node %llu: threshold is NaN",
                           (unsigned long long)i);
        seen[l] = seen[r] = 1;
        bfs[tail++] = (uint64_t)l;
        bfs[tail++] = (uint64_t)r;
    }
    if (tail != n)
        return fr_fail(e, FR_EFORMAT, "tree has %llu nodes but only %zu are reachable",
                       (unsigned long long)n, tail);
    return 0;
}

static void write_nodes(const layout *L, const uint64_t *bfs, uint64_t top_size, uint8_t *top,
                        uint8_t *body)
{
    const fmt_tree_input *in = L->in;
    for (uint64_t k = 0; k < in->node_count; k++) {
        uint64_t n = bfs[k];
        uint64_t o = L->off[n];
        uint8_t *p = o < top_size ? top + o : body + (o - top_size);
        if (is_leaf(in, n)) {
            const double *v = in->value + n * in->value_width;
            for (uint32_t j = 0; j < in->value_width; j++)
                fr_wrf64(p + 8 * j, v[j]);
            continue;
        }
        uint64_t l = (uint64_t)in->children_left[n], r = (uint64_t)in->children_right[n];
        uint32_t word = (uint32_t)in->feature[n];
        if (in->missing_go_to_left && in->missing_go_to_left[n])
            word |= FMT_NAN_LEFT;
        uint32_t lref = (uint32_t)L->off[l] | (is_leaf(in, l) ? FMT_REF_LEAF : FMT_REF_NODE);
        uint32_t rref = (uint32_t)L->off[r] | (is_leaf(in, r) ? FMT_REF_LEAF : FMT_REF_NODE);
        if (!in->wide) {
            fr_wrf32(p + FMT_SN_THRESHOLD, fmt_threshold_f32(in->threshold[n]));
            fr_wr32(p + FMT_SN_WORD, word);
            fr_wr32(p + FMT_SN_LEFT, lref);
            fr_wr32(p + FMT_SN_RIGHT, rref);
            continue;
        }
        /* wide: the threshold as it is; a categorical split has none, but its set */
        if (is_categorical(in, n)) {
            word |= FMT_CATEGORICAL;
            fr_wrf64(p + FMT_WN_THRESHOLD, 0.0);
            for (int w = 0; w < 8; w++)
                fr_wr32(p + FMT_WIDE_NODE_SIZE + 4 * w, in->categories_left[n * 8 + (uint64_t)w]);
        } else {
            fr_wrf64(p + FMT_WN_THRESHOLD, in->threshold[n]);
        }
        fr_wr32(p + FMT_WN_WORD, word);
        fr_wr32(p + FMT_WN_LEFT, lref);
        fr_wr32(p + FMT_WN_RIGHT, rref);
        fr_wr32(p + FMT_WN_RESERVED, 0);
    }
}

int fmt_tree_encode(const fmt_tree_input *in, uint32_t block_size, uint32_t top_levels,
                    const fr_allocator *alloc, fmt_enc_tree *out, fr_err *e)
{
    memset(out, 0, sizeof *out);
    uint64_t n = in->node_count;
    if (n == 0 || n > (1ull << 31))
        return fr_fail(e, FR_EFORMAT, "tree node count %llu out of range",
                       (unsigned long long)n);
    if (in->value_width == 0)
        return fr_fail(e, FR_EINVAL, "tree value width is zero");
    if (in->wide && in->is_categorical && !in->categories_left)
        return fr_fail(e, FR_EINVAL, "categorical splits without their category sets");
    layout L = {.in = in, .leaf_bytes = 8ull * in->value_width};
    if ((in->wide ? FMT_CAT_NODE_SIZE : FMT_NODE_SIZE) + 2 * L.leaf_bytes > block_size)
        return fr_fail(e, FR_EINVAL, "block size %u too small for %u-value leaves",
                       block_size, in->value_width);
    int rc = 0;
    uint64_t *bfs = fr_calloc(alloc, n, sizeof *bfs);
    uint8_t *seen = fr_calloc(alloc, n, 1);
    L.off = fr_calloc(alloc, n, sizeof *L.off);
    L.size = fr_calloc(alloc, n, sizeof *L.size);
    L.queue = fr_calloc(alloc, n, sizeof *L.queue);
    uint64_t *small = fr_calloc(alloc, n, sizeof *small);
    uint64_t *large = fr_calloc(alloc, n, sizeof *large);
    uint32_t *depth = fr_calloc(alloc, n, sizeof *depth);
    if (!bfs || !seen || !L.off || !L.size || !L.queue || !small || !large || !depth) {
        rc = fr_fail(e, FR_ENOMEM, "out of memory encoding a tree of %llu nodes",
                     (unsigned long long)n);
        goto free_scratch;
    }
    if ((rc = check_tree(in, bfs, seen, e)))
        goto free_scratch;

    /* Subtree sizes, children before parents (reverse breadth-first order). */
    for (uint64_t k = n; k-- > 0;) {
        uint64_t i = bfs[k];
        L.size[i] = is_leaf(in, i) ? L.leaf_bytes
                                   : node_bytes(in, i) + L.size[in->children_left[i]] +
                                         L.size[in->children_right[i]];
    }
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = bfs[k];
        if (!is_leaf(in, i))
            depth[in->children_left[i]] = depth[in->children_right[i]] = depth[i] + 1;
    }

    /* Top part: splits above top_levels, breadth first, within one block. */
    uint64_t pos = 0;
    size_t n_small = 0, n_large = 0;
    if (is_leaf(in, 0)) {
        L.off[0] = 0;
        pos = L.leaf_bytes;
    } else {
        if (top_levels == 0)
            top_levels = 1;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t i = bfs[k];
            if (is_leaf(in, i))
                continue;
            /* a split is in the top part when its parent is (or it is the root), it is shallow
             * enough and it fits; otherwise it roots a body subtree */
            int parent_in_top = i == 0 || L.off[i] == UINT64_MAX;
            if (parent_in_top && depth[i] < top_levels && pos + split_cost(&L, i) <= block_size) {
                place_split(&L, i, &pos);
                uint64_t kids[2] = {(uint64_t)in->children_left[i], (uint64_t)in->children_right[i]};
                for (int c = 0; c < 2; c++)
                    if (!is_leaf(in, kids[c]))
                        L.off[kids[c]] = UINT64_MAX; /* marks "parent is in the top part" */
            } else if (parent_in_top) {
                if (L.size[i] <= block_size)
                    small[n_small++] = i;
                else
                    large[n_large++] = i;
            }
        }
    }
    uint64_t top_size = pos;

    /* Body: small subtrees whole and packed; large ones breadth first, a fresh block each. */
    uint64_t bpos = 0;
    size_t small_head = 0, large_head = 0;
    while (small_head < n_small || large_head < n_large) {
        if (small_head < n_small) {
            uint64_t r = small[small_head++];
            uint64_t in_block = bpos % block_size;
            if (in_block && in_block + L.size[r] > block_size)
                bpos += block_size - in_block;
            uint64_t p = top_size + bpos;
            place_whole(&L, r, &p);
            bpos = p - top_size;
            continue;
        }
        uint64_t r = large[large_head++];
        if (bpos % block_size)
            bpos += block_size - bpos % block_size;
        uint64_t block_end = bpos + block_size;
        size_t head = 0, tail = 0;
        L.queue[tail++] = r;
        while (head < tail) {
            uint64_t i = L.queue[head++];
            uint64_t cost = split_cost(&L, i);
            if (bpos + cost > block_end) {
                if (L.size[i] <= block_size)
                    small[n_small++] = i;
                else
                    large[n_large++] = i;
                continue;
            }
            uint64_t p = top_size + bpos;
            place_split(&L, i, &p);
            bpos = p - top_size;
            uint64_t kids[2] = {(uint64_t)in->children_left[i], (uint64_t)in->children_right[i]};
            for (int c = 0; c < 2; c++)
                if (!is_leaf(in, kids[c])) {
                    if (L.size[kids[c]] <= block_end - bpos || L.size[kids[c]] > block_size)
                        L.queue[tail++] = kids[c];
                    else
                        small[n_small++] = kids[c]; /* fits a block whole, but not this one */
                }
        }
    }
    if (top_size + bpos >= (1ull << 32)) {
        rc = fr_fail(e, FR_ELIMIT, "tree too large for the format (%llu bytes)",
                     (unsigned long long)(top_size + bpos));
        goto free_scratch;
    }

    out->top = fr_calloc(alloc, top_size, 1);
    out->body = bpos ? fr_calloc(alloc, bpos, 1) : NULL;
    if (!out->top || (bpos && !out->body)) {
        rc = fr_fail(e, FR_ENOMEM, "out of memory encoding a tree");
        fmt_enc_tree_free(alloc, out);
        goto free_scratch;
    }
    out->top_size = (uint32_t)top_size;
    out->body_size = bpos;
    out->root = is_leaf(in, 0) ? FMT_REF_LEAF : FMT_REF_NODE;
    out->n_leaves = (uint32_t)((n + 1) / 2);
    out->n_splits = (uint32_t)(n / 2);
    write_nodes(&L, bfs, top_size, out->top, out->body);

free_scratch:
    fr_free(alloc, bfs);
    fr_free(alloc, seen);
    fr_free(alloc, L.off);
    fr_free(alloc, L.size);
    fr_free(alloc, L.queue);
    fr_free(alloc, small);
    fr_free(alloc, large);
    fr_free(alloc, depth);
    return rc;
}

void fmt_enc_tree_free(const fr_allocator *alloc, fmt_enc_tree *t)
{
    if (!t)
        return;
    fr_free(alloc, t->top);
    fr_free(alloc, t->body);
    t->top = t->body = NULL;
}
