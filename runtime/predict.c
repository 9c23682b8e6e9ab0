/*
 * predict.c — walks the trees and aggregates leaves exactly as scikit-learn does.
 *
 * Two walkers share one set of rules (FORMAT.md): the checked walker verifies every node as it
 * goes and stops at the first block that is not loaded yet, so a cold prediction can load the
 * blocks of all trees level by level in one batch per level; the fast walker runs on trees whose
 * whole structure was verified once (rt_check_tree) with every block loaded, and checks nothing.
 *
 * Exactness: inputs are cast to float32 and compared with the stored float32 thresholds (the
 * largest float32 not above sklearn's float64 threshold, which decides identically); per-tree
 * results are added in tree order into per-row accumulators, then divided by the tree count —
 * the order and operations of sklearn's forests and gradient boosting.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "endian.h"
#include "internal.h"

/* Rows handled together by the fast path: tree-major within a batch keeps a tree's nodes in
 * cache while a thousand rows walk it (accumulators for the batch live on the stack). */
#define RT_ROW_BATCH 1024
#define RT_ACC_STACK 8192
/* Up to this many rows, a cold model is loaded lazily (only the blocks those rows touch). */
#define RT_LAZY_ROWS 16

/* numpy's pairwise summation (numpy/core/src/umath/loops_utils.h.src, pairwise_sum with
 * PW_BLOCKSIZE 128): below 8 values a plain loop from 0; up to 128, eight interleaved partial
 * sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and the remainder added in order; above,
 * the two halves (the first rounded down to a multiple of 8) summed recursively. np.sum over a
 * row reduces this way, so normalizing a leaf or a softmax reproduces scikit-learn's bits. The
 * recursion is log2(n / 128) deep. GET reads value i. */
#define PAIRWISE_BODY(GET)                                                                       \
    if (n < 8) {                                                                                 \
        double s = 0.0;                                                                          \
        for (uint32_t i = 0; i < n; i++)                                                         \
            s += GET(i);                                                                         \
        return s;                                                                                \
    }                                                                                            \
    if (n <= 128) {                                                                              \
        double r[8];                                                                             \
        for (int j = 0; j < 8; j++)                                                              \
            r[j] = GET(j);                                                                       \
        uint32_t i = 8;                                                                          \
        for (; i < n - n % 8; i += 8)                                                            \
            for (int j = 0; j < 8; j++)                                                          \
                r[j] += GET(i + j);                                                              \
        double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));           \
        for (; i < n; i++)                                                                       \
            s += GET(i);                                                                         \
        return s;                                                                                \
    }

double rt_pairwise_sum(const uint8_t *p, uint32_t n)
{
#define GET_LE(i) fr_rdf64(p + 8 * (size_t)(i))
    PAIRWISE_BODY(GET_LE)
#undef GET_LE
    uint32_t n2 = n / 2;
    n2 -= n2 % 8;
    return rt_pairwise_sum(p, n2) + rt_pairwise_sum(p + 8 * (size_t)n2, n - n2);
}

double rt_pairwise(const double *v, uint32_t n)
{
#define GET_NATIVE(i) v[i]
    PAIRWISE_BODY(GET_NATIVE)
#undef GET_NATIVE
    uint32_t n2 = n / 2;
    n2 -= n2 % 8;
    return rt_pairwise(v, n2) + rt_pairwise(v + n2, n - n2);
}

/* ---- walking ------------------------------------------------------------------------------ */

enum { WALK_LEAF = 0, WALK_NEED = 1 };

/* Finds the item ref names in tree t, enforcing FORMAT.md's placement rules. Returns 0 with *p
 * set, WALK_NEED with *block set when its block is not loaded, or a negative error. */
static int locate(const frost_model *m, uint32_t t, uint32_t ref, const uint8_t **p,
                  uint32_t *block, fr_err *e)
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
    uint32_t c;
    uint64_t coff;
    if (off < T->top_size) {
        if ((uint64_t)off + size > T->top_size)
            return FR_CORRUPT(e, "tree %u: item at %u straddles the top part's end", t, off);
        c = h->top_chunk;
        coff = T->top_offset + off;
    } else {
        c = T->body_chunk;
        coff = T->body_offset + (off - T->top_size);
    }
    uint32_t b = fmt_chunk_block_of(h, c, coff);
    if ((coff & (h->block_size - 1)) + size > h->blocks[b].raw_size)
        return FR_CORRUPT(e, "tree %u: item at %u straddles a block boundary", t, off);
    if (!rt_block_ready(m, b)) {
        *block = b;
        return WALK_NEED;
    }
    *p = m->chunk_raw[c] + coff;
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

static inline int goes_left(const uint8_t *p, const double *x)
{
    uint32_t word = fr_rd32(p + 4);
    float xv = (float)x[word & FMT_FEATURE_MASK];
    return xv <= fr_rdf32(p) || (isnan(xv) && (word & FMT_NAN_LEFT));
}

/* Advances *ref for row x while blocks are ready. WALK_LEAF with *leaf set, WALK_NEED with *need
 * set to the block to load, or a negative error for a rule the tree breaks. */
static int walk_checked(const frost_model *m, uint32_t t, const double *x, uint32_t *ref,
                        const uint8_t **leaf, uint32_t *need, fr_err *e)
{
    uint32_t r = *ref;
    for (;;) {
        const uint8_t *p;
        int rc = locate(m, t, r, &p, need, e);
        if (rc) {
            *ref = r;
            return rc;
        }
        if (fmt_ref_kind(r) == FMT_REF_LEAF) {
            *leaf = p;
            return WALK_LEAF;
        }
        uint32_t l, rr;
        if ((rc = check_split(&m->h, t, fmt_ref_offset(r), p, &l, &rr, e)))
            return rc;
        r = goes_left(p, x) ? l : rr;
    }
}

int rt_check_tree(const frost_model *m, uint32_t t, fr_err *e)
{
    const fmt_tree *T = &m->h.trees[t];
    uint64_t limit = (uint64_t)T->n_splits + T->n_leaves;
    size_t cap = 64, top = 0;
    uint32_t *stack = malloc(cap * sizeof *stack);
    if (!stack)
        return fr_fail(e, FROST_ENOMEM, "out of memory checking tree %u", t);
    uint64_t splits = 0, leaves = 0;
    int rc = 0;
    stack[top++] = T->root;
    while (top && !rc) {
        uint32_t r = stack[--top], need = 0, l, rr;
        const uint8_t *p;
        /* bounded by the record's counts, so a file whose refs form a DAG cannot blow up */
        if (splits + leaves >= limit) {
            rc = FR_CORRUPT(e, "tree %u: more nodes reachable than its record says (%llu)", t,
                            (unsigned long long)limit);
        } else if ((rc = locate(m, t, r, &p, &need, e)) == WALK_NEED) {
            rc = fr_fail(e, FROST_EINVAL, "tree %u: block %u is not loaded", t, need);
        } else if (rc == 0 && fmt_ref_kind(r) == FMT_REF_LEAF) {
            leaves++;
        } else if (rc == 0 && !(rc = check_split(&m->h, t, fmt_ref_offset(r), p, &l, &rr, e))) {
            splits++;
            if (top + 2 > cap) {
                uint32_t *grown = realloc(stack, cap * 2 * sizeof *stack);
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
    free(stack);
    if (!rc && (splits != T->n_splits || leaves != T->n_leaves))
        rc = FR_CORRUPT(e, "tree %u: %llu splits and %llu leaves reachable, record says %u and %u",
                        t, (unsigned long long)splits, (unsigned long long)leaves, T->n_splits,
                        T->n_leaves);
    return rc;
}

/* The fast walker: the tree was checked whole, every block is loaded. */
static inline const uint8_t *walk_fast(const uint8_t *top, const uint8_t *body, uint32_t top_size,
                                       uint32_t r, const double *x)
{
    while (!(r & FMT_REF_LEAF)) {
        const uint8_t *p = r < top_size ? top + r : body + (r - top_size);
        r = fr_rd32(p + (goes_left(p, x) ? 8 : 12));
    }
    uint32_t off = fmt_ref_offset(r);
    return off < top_size ? top + off : body + (off - top_size);
}

/* ---- aggregation --------------------------------------------------------------------------- */

/* One tree estimator's aggregation: the whole ENSEMBLE, or one COMBINE tree member (its own
 * range of tree records and parameters). */
typedef struct agg {
    const fmt_header *h;
    const fmt_agg *a;   /* how the trees [a->first_tree, + a->n_trees) combine */
    int normalize;      /* divide each output's leaf row by its sum before adding */
    uint32_t width;     /* accumulator doubles per row */
} agg;

static void acc_init(const agg *g, double *acc)
{
    if (g->a->kind == FROST_ENSEMBLE_BOOSTED)
        memcpy(acc, g->a->init_raw, g->width * sizeof *acc);
    else
        for (uint32_t j = 0; j < g->width; j++)
            acc[j] = 0.0;
}

static void acc_leaf(const agg *g, uint32_t t, const uint8_t *leaf, double *acc)
{
    const fmt_agg *a = g->a;
    if (a->kind == FROST_ENSEMBLE_BOOSTED) {
        acc[g->h->trees[t].raw_column] += a->learning_rate * fr_rdf64(leaf);
        return;
    }
    if (!g->normalize) {
        for (uint32_t j = 0; j < g->width; j++)
            acc[j] += fr_rdf64(leaf + 8 * j);
        return;
    }
    uint32_t base = 0;
    for (uint32_t k = 0; k < a->n_outputs; k++) {
        uint32_t nk = a->n_classes[k];
        double s = rt_pairwise_sum(leaf + 8 * base, nk);
        if (s == 0.0)
            s = 1.0;
        for (uint32_t j = 0; j < nk; j++)
            acc[base + j] += fr_rdf64(leaf + 8 * (base + j)) / s;
        base += nk;
    }
}

static uint32_t argmax(const double *v, uint32_t n)
{
    uint32_t best = 0;
    for (uint32_t j = 1; j < n; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* Turns one row's accumulator into the caller's output (proba or predict). scratch has
 * width doubles. */
static void finish_row(const agg *g, double *acc, int proba, double *out, double *scratch)
{
    const fmt_agg *h = g->a;
    if (proba == RT_DECISION) { /* decision_function: the raw scores (BOOSTED) */
        memcpy(out, acc, g->width * sizeof *out);
        return;
    }
    if (h->kind == FROST_ENSEMBLE_MEAN) {
        int raw_argmax = !proba && (h->flags & FMT_ENS_RAW_ARGMAX);
        if (!raw_argmax)
            for (uint32_t j = 0; j < g->width; j++)
                acc[j] /= (double)h->n_trees;
        if (proba || h->task == FROST_TASK_REGRESSOR) {
            memcpy(out, acc, g->width * sizeof *out);
            return;
        }
        uint32_t base = 0;
        for (uint32_t k = 0; k < h->n_outputs; k++) {
            out[k] = (double)argmax(acc + base, h->n_classes[k]);
            base += h->n_classes[k];
        }
        return;
    }
    if (h->task == FROST_TASK_REGRESSOR) {
        out[0] = acc[0];
        return;
    }
    if (h->link == FROST_LINK_LOGISTIC) {
        double p1 = 1.0 / (1.0 + exp(-acc[0]));
        double p0 = 1.0 - p1;
        if (proba) {
            out[0] = p0;
            out[1] = p1;
        } else if (h->flags & FMT_ENS_SIGN_DECISION) {
            out[0] = acc[0] >= 0.0 ? 1.0 : 0.0;
        } else {
            out[0] = p1 > p0 ? 1.0 : 0.0;
        }
        return;
    }
    /* softmax, as scipy.special.logsumexp and sklearn's multinomial deviance compute it */
    if (!proba) {
        out[0] = (double)argmax(acc, g->width);
        return;
    }
    double mx = acc[argmax(acc, g->width)];
    if (!isfinite(mx))
        mx = 0.0;
    for (uint32_t j = 0; j < g->width; j++)
        scratch[j] = exp(acc[j] - mx);
    double lse = log(rt_pairwise(scratch, g->width)) + mx;
    for (uint32_t j = 0; j < g->width; j++)
        out[j] = exp(acc[j] - lse);
}

/* ---- the two paths ------------------------------------------------------------------------- */

static int predict_fast(frost_model *m, const agg *g, const double *X, size_t n_rows, int proba,
                        double *out, uint32_t out_w, fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint32_t t0 = g->a->first_tree, t_end = t0 + g->a->n_trees, nf = g->a->n_features;
    double stack_acc[RT_ACC_STACK];
    double *acc = stack_acc;
    size_t rows_per = g->width * 2 <= RT_ACC_STACK ? RT_ACC_STACK / (g->width * 2) : 0;
    if (rows_per > RT_ROW_BATCH)
        rows_per = RT_ROW_BATCH;
    if (rows_per == 0) {
        rows_per = 1;
        acc = fr_malloc(m->alloc, 2 * (size_t)g->width * sizeof *acc);
        if (!acc)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
    }
    double *scratch = acc + rows_per * g->width;
    for (size_t r0 = 0; r0 < n_rows; r0 += rows_per) {
        size_t nr = n_rows - r0 < rows_per ? n_rows - r0 : rows_per;
        for (size_t r = 0; r < nr; r++)
            acc_init(g, acc + r * g->width);
        for (uint32_t t = t0; t < t_end; t++) {
            const fmt_tree *T = &h->trees[t];
            const uint8_t *top = m->chunk_raw[h->top_chunk] + T->top_offset;
            const uint8_t *body =
                T->body_chunk == FMT_NONE ? NULL : m->chunk_raw[T->body_chunk] + T->body_offset;
            for (size_t r = 0; r < nr; r++) {
                const double *x = X + (r0 + r) * nf;
                const uint8_t *leaf = walk_fast(top, body, T->top_size, T->root, x);
                acc_leaf(g, t, leaf, acc + r * g->width);
            }
        }
        for (size_t r = 0; r < nr; r++)
            finish_row(g, acc + r * g->width, proba, out + (r0 + r) * out_w, scratch);
    }
    if (acc != stack_acc)
        fr_free(m->alloc, acc);
    return 0;
}

/* Few rows on a cold model: walk every (row, tree) as far as loaded blocks allow, load all the
 * blocks the walks stopped at in one batch, and repeat — one batch per level of blocks. */
static int predict_lazy(frost_model *m, const agg *g, const double *X, size_t n_rows, int proba,
                        double *out, uint32_t out_w, fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint32_t t0 = g->a->first_tree, nt = g->a->n_trees, nf = g->a->n_features;
    size_t n = n_rows * nt;
    uint32_t *cursor = fr_malloc(m->alloc, n * sizeof *cursor);
    const uint8_t **leaves = fr_calloc(m->alloc, n, sizeof *leaves);
    uint32_t *need = fr_malloc(m->alloc, n * sizeof *need);
    double *acc = fr_malloc(m->alloc, 2 * (size_t)g->width * sizeof *acc);
    int rc = 0;
    if (!cursor || !leaves || !need || !acc) {
        rc = fr_fail(e, FROST_ENOMEM, "out of memory predicting %zu rows", n_rows);
        goto free_bufs;
    }
    for (size_t r = 0; r < n_rows; r++)
        for (uint32_t t = 0; t < nt; t++)
            cursor[r * nt + t] = h->trees[t0 + t].root;
    for (;;) {
        size_t n_need = 0;
        for (uint32_t t = 0; t < nt; t++)
            for (size_t r = 0; r < n_rows; r++) {
                size_t i = r * nt + t;
                if (leaves[i])
                    continue;
                int w = walk_checked(m, t0 + t, X + r * nf, &cursor[i], &leaves[i],
                                     &need[n_need], e);
                if (w < 0) {
                    rc = w;
                    goto free_bufs;
                }
                if (w == WALK_NEED)
                    n_need++;
            }
        if (!n_need)
            break;
        if ((rc = rt_load_blocks(m, need, n_need, e)))
            goto free_bufs;
    }
    for (size_t r = 0; r < n_rows; r++) {
        acc_init(g, acc);
        for (uint32_t t = 0; t < nt; t++)
            acc_leaf(g, t0 + t, leaves[r * nt + t], acc);
        finish_row(g, acc, proba, out + r * out_w, acc + g->width);
    }
free_bufs:
    fr_free(m->alloc, cursor);
    fr_free(m->alloc, leaves);
    fr_free(m->alloc, need);
    fr_free(m->alloc, acc);
    return rc;
}

int rt_agg_predict(frost_model *m, const fmt_agg *a, const double *X, size_t n_rows, int proba,
                   double *out, fr_err *ep)
{
    if (a->n_trees == 0)
        return fr_fail(ep, FROST_EUNSUPPORTED, "the model has no trees");
    if (n_rows > SIZE_MAX / a->n_features / sizeof(double) / (a->n_trees + 1))
        return fr_fail(ep, FROST_ELIMIT, "%zu rows is too many", n_rows);
    agg g = {.h = &m->h, .a = a};
    g.width = a->kind == FROST_ENSEMBLE_BOOSTED ? a->n_raw : a->leaf_width;
    int raw_argmax = !proba && (a->flags & FMT_ENS_RAW_ARGMAX);
    g.normalize = (a->flags & FMT_ENS_NORMALIZE_LEAVES) && !raw_argmax;
    uint32_t out_w = proba == RT_DECISION ? g.width
                     : proba ? a->n_classes_total
                     : (a->kind == FROST_ENSEMBLE_BOOSTED ? 1 : a->n_outputs);
    if (!atomic_load_explicit(&m->all_ready, memory_order_acquire) && n_rows <= RT_LAZY_ROWS)
        return predict_lazy(m, &g, X, n_rows, proba, out, out_w, ep);
    int rc = rt_load_everything(m, ep);
    return rc ? rc : predict_fast(m, &g, X, n_rows, proba, out, out_w, ep);
}

int rt_ensemble_predict(frost_model *m, const double *X, size_t n_rows, int proba, double *out,
                        fr_err *ep)
{
    const fmt_header *h = &m->h;
    /* the single ENSEMBLE's aggregation, as a view of the header (nothing allocated) */
    fmt_agg a = {.task = h->task, .kind = h->kind, .n_features = h->n_features,
                 .n_outputs = h->n_outputs, .n_trees = h->n_trees, .leaf_width = h->leaf_width,
                 .flags = h->ens_flags, .link = h->link, .n_raw = h->n_raw,
                 .learning_rate = h->learning_rate, .n_classes = h->n_classes,
                 .n_classes_total = h->n_classes_total, .init_raw = h->init_raw};
    return rt_agg_predict(m, &a, X, n_rows, proba, out, ep);
}

static int predict_common(frost_model *m, const double *X, size_t n_rows, double *out, int proba)
{
    fr_err e = {0};
    if (!m || (!X && n_rows) || (!out && n_rows))
        return m ? rt_set_error(m, (fr_fail(&e, FROST_EINVAL, "NULL argument"), &e))
                 : FROST_EINVAL;
    const fmt_header *h = &m->h;
    if (proba && h->task != FROST_TASK_CLASSIFIER)
        return rt_set_error(m, (fr_fail(&e, FROST_EINVAL, "predict_proba needs a classifier"),
                                &e));
    if (n_rows == 0)
        return 0;
    int rc = h->program || !h->has_ensemble || h->combine
                 ? rt_predict_matrix(m, X, n_rows, proba, out, &e)
                 : rt_ensemble_predict(m, X, n_rows, proba, out, &e);
    return rc ? rt_set_error(m, &e) : 0;
}

FROST_API int frost_predict(frost_model *m, const double *X, size_t n_rows, double *out)
{
    return predict_common(m, X, n_rows, out, 0);
}

FROST_API int frost_predict_proba(frost_model *m, const double *X, size_t n_rows, double *out)
{
    return predict_common(m, X, n_rows, out, 1);
}
