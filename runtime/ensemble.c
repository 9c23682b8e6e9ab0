/*
 * ensemble.c — scores a tree ensemble: walks the trees and aggregates leaves exactly as
 * scikit-learn does, for the whole ENSEMBLE or one COMBINE tree member.
 *
 * Two kinds of walk share one set of rules (tree.h): the checked walk verifies every node as it
 * goes and stops at the first block that is not loaded yet, so a cold prediction of a few rows
 * loads the blocks of all trees level by level, one batch per level; the fast walkers run on
 * trees whose whole structure the loader verified, with every block loaded, and check nothing.
 *
 * Exactness: inputs are cast to float32 and compared with the stored float32 thresholds (the
 * largest float32 not above sklearn's float64 threshold, which decides identically) — or, in
 * wide trees (HistGradientBoosting), compared as float64 with float64 thresholds and category
 * sets; per-tree results are added in tree order into per-row accumulators, then divided by the
 * tree count — the order and operations of sklearn's forests and gradient boosting.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "endian.h"
#include "tree.h"
#include "workspace.h"

/* Rows handled together by the fast path: tree-major within a batch keeps a tree's nodes in
 * cache while a thousand rows walk it (accumulators for the batch live on the stack). */
/* Batches of rows go tree by tree, so each tree is brought into the cache once per batch: the
 * larger the batch, the fewer times a model larger than the cache is streamed through it
 * (RF500, 20k rows: 1024-row batches 26k rows/s, 4096 42k, 16384 46k). A batch's own buffers
 * (rows as float32, accumulators, leaves) are kept near RT_BATCH_BYTES. */
#define RT_BATCH_ROWS 8192
#define RT_BATCH_BYTES ((size_t)1 << 20)
/* Calls of fewer rows than RT_GROUP walk trees in groups instead, accumulators on the stack. */
#define RT_ACC_STACK 1024
/* Up to this many rows, a cold model is loaded lazily (only the blocks those rows touch). */
#define RT_LAZY_ROWS 16

/* The fast walker: the tree was checked whole, every block is loaded. */
static inline const uint8_t *walk_fast(const uint8_t *top, const uint8_t *body, uint32_t top_size,
                                       uint32_t r, const double *x)
{
    while (!(r & FMT_REF_LEAF)) {
        const uint8_t *p = r < top_size ? top + r : body + (r - top_size);
        uint32_t word = fr_rd32(p + 4);
        r = fr_rd32(p + 12 - 4 * rt_goes_left(p, word, (float)x[word & FMT_FEATURE_MASK], 1));
    }
    uint32_t off = fmt_ref_offset(r);
    return off < top_size ? top + off : body + (off - top_size);
}

/* The fast walker of a wide tree: float64 inputs, wide and categorical splits. */
static inline const uint8_t *walk_fast_wide(const uint8_t *top, const uint8_t *body,
                                            uint32_t top_size, uint32_t r, const double *x)
{
    while (!(r & FMT_REF_LEAF)) {
        const uint8_t *p = r < top_size ? top + r : body + (r - top_size);
        r = fr_rd32(p + FMT_WN_RIGHT - 4 * rt_split_goes_left(p, 1, x));
    }
    uint32_t off = fmt_ref_offset(r);
    return off < top_size ? top + off : body + (off - top_size);
}

/* Walks that share a loop: enough independent chains of cache misses to overlap. */
#define RT_GROUP 8

/* A batch of rows down one tree, RT_GROUP walks in flight: a walk is a chain of dependent
 * loads, and interleaving independent rows lets their cache misses overlap. A walk that reaches
 * its leaf hands its lane to the next row at once, so no lane idles while deeper walks finish.
 * xs holds the rows, nf values each: as float32 (what every comparison casts them to), or, in a
 * wide tree, as the float64 inputs themselves. nan_left and wide are constants in each instance
 * (most trees send no missing value left; wide trees are HistGradientBoosting's). */
static inline __attribute__((always_inline)) void
walk_pool(const uint8_t *top, const uint8_t *body, uint32_t top_size, uint32_t root,
          const void *xs, uint32_t nf, size_t nr, const uint8_t **leaves, int nan_left, int wide)
{
    const uint8_t *body_base = body ? body - top_size : top;
    const size_t stride = (size_t)nf * (wide ? sizeof(double) : sizeof(float));
    uint32_t r[RT_GROUP];
    size_t row[RT_GROUP];
    const uint8_t *x[RT_GROUP];
    int n = nr < RT_GROUP ? (int)nr : RT_GROUP;
    size_t next = (size_t)n;
    for (int g = 0; g < n; g++) {
        r[g] = root;
        row[g] = (size_t)g;
        x[g] = (const uint8_t *)xs + (size_t)g * stride;
    }
    while (n > 0) {
        for (int g = 0; g < n;) {
            uint32_t rr = r[g];
            if (rr & FMT_REF_LEAF) {
                uint32_t off = fmt_ref_offset(rr);
                leaves[row[g]] = off < top_size ? top + off : body_base + off;
                if (next < nr) {
                    row[g] = next;
                    x[g] = (const uint8_t *)xs + next * stride;
                    next++;
                    r[g] = root;
                    g++;
                } else {
                    n--;
                    r[g] = r[n];
                    row[g] = row[n];
                    x[g] = x[n];
                }
                continue;
            }
            const uint8_t *p = rr < top_size ? top + rr : body_base + rr;
            if (wide) {
                r[g] = fr_rd32(p + FMT_WN_RIGHT -
                               4 * rt_split_goes_left(p, 1, (const double *)(const void *)x[g]));
            } else {
                const float *xf = (const float *)(const void *)x[g];
                uint32_t word = fr_rd32(p + FMT_SN_WORD);
                r[g] = fr_rd32(p + FMT_SN_RIGHT -
                               4 * rt_goes_left(p, word, xf[word & FMT_FEATURE_MASK], nan_left));
            }
            g++;
        }
    }
}

/* A split whose both children lead back to the leaf a finished walk already holds: walks that
 * reached their leaf keep stepping on it, so the lockstep below needs no per-walk branch. */
static const uint8_t parked_node[16] = {0};

/* A wide split both of whose children lead back to the leaf (walk_trees, wide trees). */
static const uint8_t parked_wide_node[FMT_WIDE_NODE_SIZE] = {0};

/* One row down RT_GROUP trees at once, in lockstep: what a single-row prediction needs, whose
 * nodes are mostly cache misses. wide: the trees' splits are wide (a constant per call). */
static inline __attribute__((always_inline)) void
walk_trees(const fmt_header *h, uint8_t *const *flat, uint32_t t0, const double *x,
           const uint8_t **leaves, int wide)
{
    const uint8_t *top[RT_GROUP], *body_base[RT_GROUP];
    uint32_t top_size[RT_GROUP], r[RT_GROUP];
    for (int g = 0; g < RT_GROUP; g++) {
        const fmt_tree *T = &h->trees[t0 + (uint32_t)g];
        top[g] = flat[h->top_chunk] + T->top_offset;
        body_base[g] = T->body_chunk == FMT_NONE ? top[g]
                                                 : flat[T->body_chunk] + T->body_offset - T->top_size;
        top_size[g] = T->top_size;
        r[g] = T->root;
    }
    for (;;) {
        uint32_t open = 0;
        for (int g = 0; g < RT_GROUP; g++) {
            uint32_t rr = r[g];
            uint32_t leaf = rr & FMT_REF_LEAF;
            const uint8_t *p = rr < top_size[g] ? top[g] + rr : body_base[g] + rr;
            p = leaf ? (wide ? parked_wide_node : parked_node) : p;
            uint32_t next = fr_rd32(p + (wide ? FMT_WN_RIGHT : FMT_SN_RIGHT) -
                                    4 * rt_split_goes_left(p, wide, x));
            r[g] = leaf ? rr : next;
            open |= leaf ^ 1u;
        }
        if (!open)
            break;
    }
    for (int g = 0; g < RT_GROUP; g++) {
        uint32_t off = fmt_ref_offset(r[g]);
        leaves[g] = off < top_size[g] ? top[g] + off : body_base[g] + off;
    }
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

/* Classifier leaves divided by their sum per output first (FMT_ENS_NORMALIZE_LEAVES). Kept out
 * of line: acc_leaf, inlined into every walker's loop, stays a few instructions for the others. */
static __attribute__((noinline)) void acc_leaf_normalized(const agg *g, const uint8_t *leaf,
                                                          double *acc)
{
    const fmt_agg *a = g->a;
    uint32_t base = 0;
    for (uint32_t k = 0; k < a->n_outputs; k++) {
        uint32_t nk = a->n_classes[k];
        double s = 0.0;
        if (nk < 8) /* pairwise_sum's own rule below 8 values, without the call */
            for (uint32_t j = 0; j < nk; j++)
                s += fr_rdf64(leaf + 8 * (base + j));
        else
            s = rt_pairwise_sum(leaf + 8 * base, nk);
        if (s == 0.0)
            s = 1.0;
        for (uint32_t j = 0; j < nk; j++)
            acc[base + j] += fr_rdf64(leaf + 8 * (base + j)) / s;
        base += nk;
    }
}

/* Adds tree t's leaf to one row's accumulator, as the aggregation says. */
static inline void acc_leaf(const agg *g, uint32_t t, const uint8_t *leaf, double *acc)
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
    acc_leaf_normalized(g, leaf, acc);
}

/* An isolation forest's row: score_samples, decision_function (the score less offset_) or
 * predict (class 0, scikit-learn's -1, when the decision is below 0) from the summed path
 * lengths. */
static void finish_isolation(const fmt_agg *h, double s, rt_what what, double *out)
{
    double score = rt_isolation_score(s, h->path_norm);
    if (what == RT_SCORE) {
        out[0] = score;
        return;
    }
    double decision = score - h->offset;
    out[0] = what == RT_DECISION ? decision : decision < 0 ? 0.0 : 1.0;
}

/* Turns one row's accumulator into what the call computes. scratch has
 * width doubles; acc may be overwritten. */
static void finish_row(const agg *g, double *acc, rt_what what, double *out, double *scratch)
{
    const fmt_agg *h = g->a;
    if (h->kind == FROST_ENSEMBLE_ISOLATION) {
        finish_isolation(h, acc[0], what, out);
        return;
    }
    if (what == RT_DECISION) { /* decision_function: the raw scores (BOOSTED) */
        memcpy(out, acc, g->width * sizeof *out);
        return;
    }
    if (h->kind == FROST_ENSEMBLE_MEAN) {
        int raw_argmax = what == RT_PREDICT && (h->flags & FMT_ENS_RAW_ARGMAX);
        if (!raw_argmax)
            for (uint32_t j = 0; j < g->width; j++)
                acc[j] /= (double)h->n_trees;
        if (what == RT_PROBA || h->task == FROST_TASK_REGRESSOR) {
            memcpy(out, acc, g->width * sizeof *out);
            return;
        }
        uint32_t base = 0;
        for (uint32_t k = 0; k < h->n_outputs; k++) {
            out[k] = (double)rt_argmax(acc + base, h->n_classes[k]);
            base += h->n_classes[k];
        }
        return;
    }
    if (h->task == FROST_TASK_REGRESSOR) {
        out[0] = h->link == FROST_LINK_EXP ? exp(acc[0]) : acc[0];
        return;
    }
    if (h->link == FROST_LINK_LOGISTIC) {
        double p1 = rt_expit(acc[0]);
        double p0 = 1.0 - p1;
        if (what == RT_PROBA) {
            out[0] = p0;
            out[1] = p1;
        } else if (h->flags & FMT_ENS_SIGN_DECISION) {
            out[0] = acc[0] >= 0.0 ? 1.0 : 0.0;
        } else {
            out[0] = p1 > p0 ? 1.0 : 0.0;
        }
        return;
    }
    if (what == RT_PREDICT && !(h->flags & FMT_ENS_PROBA_ARGMAX)) {
        out[0] = (double)rt_argmax(acc, g->width);
        return;
    }
    /* probabilities, into out, or in place for PROBA_ARGMAX's predict */
    double *p = what == RT_PREDICT ? acc : out;
    if (h->link == FROST_LINK_SOFTMAX_NORM)
        rt_softmax(acc, g->width, p);
    else
        rt_softmax_lse(acc, g->width, p, scratch);
    if (what == RT_PREDICT)
        out[0] = (double)rt_argmax(p, g->width);
}

/* ---- the two paths ------------------------------------------------------------------------- */

/* One call's batch buffers, pooled per model (workspace.h) so a warm call allocates nothing. */
typedef struct ens_ws {
    rt_pooled link;
    size_t rows;   /* batch rows the buffers hold */
    size_t xf_cap, acc_cap;
    float *xf;     /* rows × the estimator's features */
    double *acc;   /* rows × width, then width of scratch */
    const uint8_t **leaves;
} ens_ws;

static void ens_ws_free(const fr_allocator *a, ens_ws *w)
{
    if (!w)
        return;
    fr_free(a, w->xf);
    fr_free(a, w->acc);
    fr_free(a, (void *)w->leaves);
    fr_free(a, w);
}

void rt_ensemble_free(frost_model *m)
{
    ens_ws *w;
    while ((w = rt_pool_take(m, &m->ens_free)))
        ens_ws_free(m->alloc, w);
}

/* Buffers for batches of `rows` rows: a pooled set, replaced by a larger one when it is too
 * small (so the pool never holds more sets than calls ever ran at once, and warm calls of the
 * same size allocate nothing). */
static ens_ws *ens_ws_acquire(frost_model *m, size_t rows, uint32_t nf, uint32_t width)
{
    size_t xf_cap = rows * nf, acc_cap = (rows + 1) * width;
    ens_ws *w = rt_pool_take(m, &m->ens_free);
    if (w && w->rows >= rows && w->xf_cap >= xf_cap && w->acc_cap >= acc_cap)
        return w;
    ens_ws_free(m->alloc, w);
    w = fr_calloc(m->alloc, 1, sizeof *w);
    if (!w)
        return NULL;
    w->rows = rows;
    w->xf_cap = xf_cap;
    w->acc_cap = acc_cap;
    w->xf = fr_calloc(m->alloc, xf_cap, sizeof *w->xf);
    w->acc = fr_calloc(m->alloc, acc_cap, sizeof *w->acc);
    w->leaves = fr_calloc(m->alloc, rows, sizeof *w->leaves);
    if (!w->xf || !w->acc || !w->leaves) {
        ens_ws_free(m->alloc, w);
        return NULL;
    }
    return w;
}

/* Fewer rows than RT_GROUP: each row walks the trees RT_GROUP at a time (leaves still added in
 * tree order). */
static int predict_few(frost_model *m, const agg *g, const double *X, size_t n_rows, rt_what what,
                       double *out, uint32_t out_w, fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint32_t t0 = g->a->first_tree, t_end = t0 + g->a->n_trees, nf = g->a->n_features;
    const int wide = (g->a->flags & FMT_ENS_WIDE_SPLITS) != 0;
    double stack_acc[RT_ACC_STACK];
    double *acc = stack_acc;
    if ((size_t)g->width * 2 > RT_ACC_STACK) {
        acc = fr_malloc(m->alloc, 2 * (size_t)g->width * sizeof *acc);
        if (!acc)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
    }
    for (size_t r = 0; r < n_rows; r++) {
        const double *x = X + r * nf;
        acc_init(g, acc);
        uint32_t t = t0;
        for (; t + RT_GROUP <= t_end; t += RT_GROUP) {
            const uint8_t *leaves[RT_GROUP];
            if (wide)
                walk_trees(h, m->chunk_flat, t, x, leaves, 1);
            else
                walk_trees(h, m->chunk_flat, t, x, leaves, 0);
            for (int k = 0; k < RT_GROUP; k++)
                acc_leaf(g, t + (uint32_t)k, leaves[k], acc);
        }
        for (; t < t_end; t++) {
            const fmt_tree *T = &h->trees[t];
            const uint8_t *top = m->chunk_flat[h->top_chunk] + T->top_offset;
            const uint8_t *body =
                T->body_chunk == FMT_NONE ? NULL : m->chunk_flat[T->body_chunk] + T->body_offset;
            acc_leaf(g, t, wide ? walk_fast_wide(top, body, T->top_size, T->root, x)
                                : walk_fast(top, body, T->top_size, T->root, x), acc);
        }
        finish_row(g, acc, what, out + r * out_w, acc + g->width);
    }
    if (acc != stack_acc)
        fr_free(m->alloc, acc);
    return 0;
}

/* Every tree checked and every block loaded: batches of rows, tree by tree (walk_pool). */
static int predict_fast(frost_model *m, const agg *g, const double *X, size_t n_rows, rt_what what,
                        double *out, uint32_t out_w, fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint32_t t0 = g->a->first_tree, t_end = t0 + g->a->n_trees, nf = g->a->n_features;
    const int wide = (g->a->flags & FMT_ENS_WIDE_SPLITS) != 0;
    if (n_rows < RT_GROUP)
        return predict_few(m, g, X, n_rows, what, out, out_w, e);
    size_t row_bytes = (size_t)nf * sizeof(float) + (size_t)g->width * sizeof(double) +
                       sizeof(const uint8_t *);
    size_t rows = RT_BATCH_BYTES / row_bytes;
    rows = rows < RT_GROUP ? RT_GROUP : rows > RT_BATCH_ROWS ? RT_BATCH_ROWS : rows;
    if (rows > n_rows)
        rows = n_rows;
    ens_ws *w = ens_ws_acquire(m, rows, nf, g->width);
    if (!w)
        return fr_fail(e, FROST_ENOMEM, "out of memory for a batch of %zu rows", rows);
    double *acc = w->acc, *scratch = w->acc + rows * g->width;
    for (size_t r0 = 0; r0 < n_rows; r0 += rows) {
        size_t nr = n_rows - r0 < rows ? n_rows - r0 : rows;
        const double *xb = X + r0 * nf;
        if (!wide) /* wide trees compare the inputs as they are */
            for (size_t i = 0; i < nr * nf; i++)
                w->xf[i] = (float)xb[i];
        for (size_t r = 0; r < nr; r++)
            acc_init(g, acc + r * g->width);
        for (uint32_t t = t0; t < t_end; t++) {
            const fmt_tree *T = &h->trees[t];
            const uint8_t *top = m->chunk_flat[h->top_chunk] + T->top_offset;
            const uint8_t *body =
                T->body_chunk == FMT_NONE ? NULL : m->chunk_flat[T->body_chunk] + T->body_offset;
            if (wide)
                walk_pool(top, body, T->top_size, T->root, xb, nf, nr, w->leaves, 0, 1);
            else if (atomic_load_explicit(&m->tree_checked[t], memory_order_relaxed) & RT_TREE_NAN_LEFT)
                walk_pool(top, body, T->top_size, T->root, w->xf, nf, nr, w->leaves, 1, 0);
            else
                walk_pool(top, body, T->top_size, T->root, w->xf, nf, nr, w->leaves, 0, 0);
            for (size_t r = 0; r < nr; r++)
                acc_leaf(g, t, w->leaves[r], acc + r * g->width);
        }
        for (size_t r = 0; r < nr; r++)
            finish_row(g, acc + r * g->width, what, out + (r0 + r) * out_w, scratch);
    }
    rt_pool_give(m, &m->ens_free, w);
    return 0;
}

/* A checked walk in progress, one of the RT_GROUP that predict_lazy steps in turn. */
typedef struct lane {
    size_t i;   /* its (row, tree) slot: row * n_trees + tree */
    uint32_t t;
    const double *x;
    rt_block_cache bc;
} lane;

/* Whether the split ref names in tree t opens a body block: the root of a subtree larger than
 * a block, which the writer starts on a fresh block and whose overflow follows it
 * (format/tree_encode.c). A subtree that fits a block is stored whole wherever it fits, so a
 * walk that enters it there ends in that block. */
static int roots_large(const fmt_header *h, uint32_t t, uint32_t ref)
{
    const fmt_tree *T = &h->trees[t];
    uint32_t off = fmt_ref_offset(ref);
    if (fmt_ref_kind(ref) == FMT_REF_LEAF || off < T->top_size || T->body_chunk == FMT_NONE)
        return 0;
    return ((T->body_offset + (off - T->top_size)) & (h->block_size - 1)) == 0;
}

/* Steps the walks of lanes L[0..n) in turn until each reaches its leaf or a block that is not
 * loaded (appended to need): a walk is a chain of dependent cache misses, and taking one step of
 * each in turn, with the next node prefetched, lets the chains overlap. */
static int run_lanes(const frost_model *m, lane *L, int n, uint32_t *cursor,
                     const uint8_t **leaves, uint32_t *need, uint32_t *need_tree, size_t *n_need,
                     fr_err *e)
{
    while (n > 0) {
        for (int k = 0; k < n;) {
            lane *ln = &L[k];
            int w = rt_walk_step(m, ln->t, ln->x, &cursor[ln->i], &leaves[ln->i], &need[*n_need],
                                 &ln->bc, e);
            if (w < 0)
                return w;
            if (w == RT_WALK_MOVED) {
                k++;
                continue;
            }
            if (w == RT_WALK_NEED)
                need_tree[(*n_need)++] = roots_large(&m->h, ln->t, cursor[ln->i]) ? ln->t
                                                                                 : UINT32_MAX;
            L[k] = L[--n]; /* done for this pass: its slot goes to the last live lane */
        }
    }
    return 0;
}

/* Over a URL every batch of blocks is a round trip: after the first read (header, top chunk),
 * a one-row walk of the 200-tree forest of tests/remote (depth ~25, 4 KiB blocks) took two, of
 * 200 ranges and then 166 (bench/README.md, stage 12). The blocks a walk needs next
 * are where the writer put the block's overflow: a node's descendants always lie after it in
 * its tree's space, and the subtrees that do not fit a body block are placed right after it
 * whenever they fit a block whole (format/tree_encode.c) — so the blocks just after a needed
 * block that opens a large subtree, up to the end of its tree's body, are its likely children.
 * They are fetched with it: adjacent blocks join its range, so they cost bytes, not requests.
 * RT_REMOTE_AHEAD bytes per such block, chosen by measurement (bench/README.md, stage 12): on
 * that forest 4 KiB ahead left 38 blocks for the last round trip, 8 KiB 6 (206 requests instead
 * of 365, 21% of the file instead of 15%; at 20 ms per request 231 ms instead of 307), 16 KiB 1
 * but up to 36% of the file for some rows and no faster. Local files read what is needed. */
#define RT_REMOTE_AHEAD ((uint64_t)8 << 10)

/* need[0..n) and, over a URL, the blocks after each that its tree's body still holds (up to
 * RT_REMOTE_AHEAD bytes), into out (room for n * (1 + RT_REMOTE_AHEAD / 4 KiB)). */
static size_t with_ahead(const frost_model *m, const uint32_t *need, const uint32_t *need_tree,
                         size_t n, uint32_t *out)
{
    const fmt_header *h = &m->h;
    uint32_t k = (uint32_t)(RT_REMOTE_AHEAD >> h->block_shift);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b = need[i];
        out[o++] = b;
        if (!k || need_tree[i] == UINT32_MAX)
            continue; /* a subtree that ends in its block, or a block of the top chunk */
        const fmt_tree *T = &h->trees[need_tree[i]];
        uint32_t first = fmt_chunk_block_of(h, T->body_chunk, T->body_offset);
        uint32_t last = fmt_chunk_block_of(h, T->body_chunk, T->body_offset + T->body_size - 1);
        if (b < first || b > last)
            continue;
        for (uint32_t j = 1; j <= k && b + j <= last; j++) /* last: inside the chunk (parse) */
            if (!rt_block_ready(m, b + j))
                out[o++] = b + j;
    }
    return o;
}

/* Few rows on a cold model: walk every (row, tree) as far as loaded blocks allow, load all the
 * blocks the walks stopped at in one batch, and repeat — one batch per level of blocks. */
static int predict_lazy(frost_model *m, const agg *g, const double *X, size_t n_rows, rt_what what,
                        double *out, uint32_t out_w, fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint32_t t0 = g->a->first_tree, nt = g->a->n_trees, nf = g->a->n_features;
    size_t n = n_rows * nt;
    uint32_t *cursor = fr_malloc(m->alloc, n * sizeof *cursor);
    const uint8_t **leaves = fr_calloc(m->alloc, n, sizeof *leaves);
    /* need[] holds a batch's blocks and their trees, and over a URL the blocks ahead of them */
    size_t ahead = m->remote ? 1 + (size_t)(RT_REMOTE_AHEAD >> h->block_shift) : 0;
    uint32_t *need = fr_malloc(m->alloc, n * (2 + ahead) * sizeof *need);
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
        lane L[RT_GROUP];
        int nl = 0;
        for (uint32_t t = 0; t < nt; t++)
            for (size_t r = 0; r < n_rows; r++) {
                size_t i = r * nt + t;
                if (leaves[i])
                    continue;
                L[nl++] = (lane){.i = i, .t = t0 + t, .x = X + r * nf,
                                 .bc = {.block = UINT32_MAX}};
                if (nl == RT_GROUP) {
                    if ((rc = run_lanes(m, L, nl, cursor, leaves, need, need + n, &n_need, e)))
                        goto free_bufs;
                    nl = 0;
                }
            }
        if ((rc = run_lanes(m, L, nl, cursor, leaves, need, need + n, &n_need, e)))
            goto free_bufs;
        if (!n_need)
            break;
        if (ahead)
            rc = rt_load_blocks(m, need + 2 * n, with_ahead(m, need, need + n, n_need,
                                                            need + 2 * n), e);
        else
            rc = rt_load_blocks(m, need, n_need, e);
        if (rc)
            goto free_bufs;
    }
    for (size_t r = 0; r < n_rows; r++) {
        acc_init(g, acc);
        for (uint32_t t = 0; t < nt; t++)
            acc_leaf(g, t0 + t, leaves[r * nt + t], acc);
        finish_row(g, acc, what, out + r * out_w, acc + g->width);
    }
free_bufs:
    fr_free(m->alloc, cursor);
    fr_free(m->alloc, leaves);
    fr_free(m->alloc, need);
    fr_free(m->alloc, acc);
    return rc;
}

int rt_agg_predict(frost_model *m, const fmt_agg *a, const double *X, size_t n_rows, rt_what what,
                   double *out, fr_err *ep)
{
    if (a->n_trees == 0)
        return fr_fail(ep, FROST_EUNSUPPORTED, "the model has no trees");
    if (n_rows > SIZE_MAX / a->n_features / sizeof(double) / (a->n_trees + 1))
        return fr_fail(ep, FROST_ELIMIT, "%zu rows is too many", n_rows);
    agg g = {.h = &m->h, .a = a};
    g.width = a->kind == FROST_ENSEMBLE_BOOSTED ? a->n_raw : a->leaf_width;
    int raw_argmax = what == RT_PREDICT && (a->flags & FMT_ENS_RAW_ARGMAX);
    g.normalize = (a->flags & FMT_ENS_NORMALIZE_LEAVES) && !raw_argmax;
    uint32_t out_w = what == RT_DECISION ? g.width
                     : what == RT_PROBA ? a->n_classes_total
                     : what == RT_SCORE ? 1
                     : (a->kind == FROST_ENSEMBLE_BOOSTED ? 1 : a->n_outputs);
    if (!atomic_load_explicit(&m->all_ready, memory_order_acquire) && n_rows <= RT_LAZY_ROWS)
        return predict_lazy(m, &g, X, n_rows, what, out, out_w, ep);
    int rc = rt_load_everything(m, ep);
    return rc ? rc : predict_fast(m, &g, X, n_rows, what, out, out_w, ep);
}

int rt_ensemble_predict(frost_model *m, const double *X, size_t n_rows, rt_what what, double *out,
                        fr_err *ep)
{
    const fmt_header *h = &m->h;
    /* the single ENSEMBLE's aggregation, as a view of the header (nothing allocated) */
    fmt_agg a = {.task = h->task, .kind = h->kind, .n_features = h->n_features,
                 .n_outputs = h->n_outputs, .n_trees = h->n_trees, .leaf_width = h->leaf_width,
                 .flags = h->ens_flags, .link = h->link, .n_raw = h->n_raw,
                 .learning_rate = h->learning_rate, .n_classes = h->n_classes,
                 .n_classes_total = h->n_classes_total, .init_raw = h->init_raw,
                 .path_norm = h->path_norm, .offset = h->offset};
    return rt_agg_predict(m, &a, X, n_rows, what, out, ep);
}
