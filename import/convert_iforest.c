/*
 * convert_iforest.c — IsolationForest (sklearn/ensemble/_iforest.py). Its extra trees become an
 * ISOLATION ensemble (FORMAT.md 1.3): each leaf holds the path length _compute_score_samples
 * adds for a row that reaches it, so the runtime only sums leaves in tree order and finishes the
 * score; the trees' features go through estimators_features_ when the forest subsampled them.
 *
 * The path length of a leaf, as scikit-learn computes it: its depth counted in nodes (the
 * decision path's length, root included) plus c(n) of the training samples n that reached it,
 * minus 1 — `np.ravel(node_indicator.sum(axis=1)) + _average_path_length(n_samples_leaf) - 1.0`
 * up to 1.2, `_decision_path_lengths[t][leaf] + _average_path_length_per_tree[t][leaf] - 1.0`
 * from 1.3, which stores both per node: those are read as stored (numpy's own log computed them);
 * older files get c(n) from the C library's log.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_iforest.h"
#include "convert_trees.h"

/* _average_path_length for one n: 0 up to 1 sample, 1 for 2, else
 * 2 (ln(n - 1) + Euler's gamma) - 2 (n - 1) / n, evaluated in that order. */
static double average_path_length(double n)
{
    if (n <= 1.0)
        return 0.0;
    if (n == 2.0)
        return 1.0;
    return 2.0 * (log(n - 1.0) + 0.5772156649015329) - 2.0 * (n - 1.0) / n;
}

/* Scratch for one tree: node depths (root = 1) and what 1.3+ stores per node. */
typedef struct iso_buf {
    uint64_t cap;
    int64_t *depth, *samples;
    double *apl;
    uint64_t *queue;
} iso_buf;

static void iso_buf_free(iso_buf *b)
{
    free(b->depth);
    free(b->samples);
    free(b->apl);
    free(b->queue);
}

static int iso_buf_reserve(iso_buf *b, uint64_t n)
{
    if (n <= b->cap)
        return 0;
    iso_buf_free(b);
    memset(b, 0, sizeof *b);
    b->depth = malloc(n * sizeof *b->depth);
    b->samples = malloc(n * sizeof *b->samples);
    b->apl = malloc(n * sizeof *b->apl);
    b->queue = malloc(n * sizeof *b->queue);
    if (!b->depth || !b->samples || !b->apl || !b->queue)
        return FROST_ENOMEM;
    b->cap = n;
    return 0;
}

/* Depths in nodes from the root (1), breadth first; a node reached twice or a child out of
 * range leaves the rest at 0, and the encoder then refuses the tree for what it is. */
static void node_depths(const tree_buf *t, uint64_t n, iso_buf *b)
{
    for (uint64_t i = 0; i < n; i++)
        b->depth[i] = 0;
    size_t head = 0, tail = 0;
    b->depth[0] = 1;
    b->queue[tail++] = 0;
    while (head < tail) {
        uint64_t i = b->queue[head++];
        int64_t kids[2] = {t->left[i], t->right[i]};
        for (int k = 0; k < 2; k++)
            if (kids[k] > 0 && (uint64_t)kids[k] < n && !b->depth[kids[k]] && tail < n) {
                b->depth[kids[k]] = b->depth[i] + 1;
                b->queue[tail++] = (uint64_t)kids[k];
            }
    }
}

/* The per-node arrays 1.3+ stores for tree t (a tuple of arrays each), or 0 when absent. */
static int stored_path_parts(conv *c, uint32_t t, uint64_t n, iso_buf *b, const char *where)
{
    const pk_obj *dpl = pk_attr(c->est, "_decision_path_lengths");
    const pk_obj *apl = pk_attr(c->est, "_average_path_length_per_tree");
    if (!dpl || !apl)
        return 0;
    pk_array_info di, ai;
    if (pk_array_info_get(pk_item(dpl, t), &di) || pk_array_info_get(pk_item(apl, t), &ai) ||
        di.count != n || ai.count != n)
        return fr_fail(c->e, FROST_EFORMAT, "%s: the stored path lengths do not cover its %" PRIu64
                       " nodes", where, n);
    if (pk_array_get_i64(pk_item(dpl, t), NULL, b->depth, n, c->e) ||
        pk_array_get_f64(pk_item(apl, t), NULL, b->apl, n, c->e))
        return fr_wrap(c->e, "%s", where);
    return 1;
}

/* Tree t: its nodes, its leaves' path lengths, its features mapped back to the input's. */
static int add_tree(conv *c, uint32_t t, const pk_obj *est, const pk_obj *features, iso_buf *b)
{
    char where[64];
    snprintf(where, sizeof where, "estimators_[%u]", t);
    uint64_t n = 0;
    const uint8_t *mgl = NULL;
    const pk_obj *tree = cv_tree_nodes(c, est, where, &n, &mgl);
    if (!tree)
        return c->e->code;
    tree_buf *tb = &c->tb;
    if (iso_buf_reserve(b, n))
        return fr_fail(c->e, FROST_ENOMEM, "out of memory for a tree of %" PRIu64 " nodes", n);
    int stored = stored_path_parts(c, t, n, b, where);
    if (stored < 0)
        return stored;
    if (!stored) {
        if (pk_array_get_i64(pk_attr(tree, "nodes"), "n_node_samples", b->samples, n, c->e))
            return fr_wrap(c->e, "%s", where);
        node_depths(tb, n, b);
        for (uint64_t i = 0; i < n; i++)
            b->apl[i] = average_path_length((double)b->samples[i]);
    }
    for (uint64_t i = 0; i < n; i++)
        tb->value[i] = (double)b->depth[i] + b->apl[i] - 1.0;
    if (features) {
        pk_array_info fi;
        int64_t map[4096];
        int64_t *fm = map;
        if (pk_array_info_get(features, &fi) || fi.ndim != 1 || fi.count == 0 ||
            fi.count > c->n_features)
            return fr_fail(c->e, FROST_EFORMAT, "estimators_features_[%u] is not a list of "
                           "features", t);
        if (fi.count > sizeof map / sizeof map[0] && !(fm = malloc(fi.count * sizeof *fm)))
            return fr_fail(c->e, FROST_ENOMEM, "out of memory");
        int rc = pk_array_get_i64(features, NULL, fm, fi.count, c->e);
        for (uint64_t i = 0; i < n && !rc; i++) {
            if (tb->left[i] == -1)
                continue;
            int64_t f = tb->feature[i];
            if (f < 0 || (uint64_t)f >= fi.count || fm[f] < 0 || (uint64_t)fm[f] >= c->n_features)
                rc = fr_fail(c->e, FROST_EFORMAT, "%s: node %" PRIu64 " reads feature %" PRId64
                             ", which estimators_features_[%u] does not map", where, i, f, t);
            else
                tb->feature[i] = fm[f];
        }
        if (fm != map)
            free(fm);
        if (rc)
            return rc;
    }
    return cv_tree_submit(c, n, mgl, 0, where);
}

int cv_convert_iforest(conv *c, const frost_convert_options *o, int classifier)
{
    (void)classifier;
    int rc;
    c->task = FROST_TASK_CLASSIFIER;
    c->n_outputs = 1;
    c->width = 1;
    if (c->member)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: an IsolationForest inside "
                       "a combination");
    const pk_obj *ests = pk_attr(c->est, "estimators_");
    const pk_obj *feats = pk_attr(c->est, "estimators_features_");
    size_t n_trees = ests ? pk_len(ests) : 0;
    if (!n_trees || (pk_kind_of(ests) != PK_LIST && pk_kind_of(ests) != PK_TUPLE))
        return fr_fail(c->e, FROST_EFORMAT, "IsolationForest has no list of fitted estimators_ "
                       "(not fitted?)");
    int64_t nf = 0, max_features = 0, max_samples = 0;
    fr_err scratch;
    if (cv_get_int(c->est, "n_features_in_", &nf, &scratch) &&
        (rc = cv_get_int(c->est, "n_features_", &nf, c->e)))
        return rc;
    if (nf <= 0 || nf > 0xFFFFFF)
        return fr_fail(c->e, FROST_EFORMAT, "IsolationForest: %" PRId64 " features", nf);
    c->n_features = (uint32_t)nf;
    if ((rc = cv_get_int(c->est, "max_samples_", &max_samples, c->e)))
        return rc;
    /* _compute_chunked_score_samples: the trees see X[:, estimators_features_[t]] unless the
     * forest drew every feature (_max_features == n_features) */
    int subsample = cv_get_int(c->est, "_max_features", &max_features, &scratch) ||
                    max_features != nf;
    if (subsample && (!feats || pk_len(feats) != n_trees))
        return fr_fail(c->e, FROST_EFORMAT, "estimators_features_ does not list the features of "
                       "%zu trees", n_trees);
    const pk_obj *off = pk_attr(c->est, "offset_");
    double offset;
    if (!off || pk_get_double(off, &offset))
        return fr_fail(c->e, FROST_EFORMAT, "IsolationForest has no offset_ (not fitted?)");
    /* denominator = len(estimators_) * _average_path_length([max_samples_]) */
    double path_norm = (double)n_trees * average_path_length((double)max_samples);
    static const uint32_t two[1] = {2};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_ISOLATION, .n_features = c->n_features,
                             .n_outputs = 1, .n_classes = two, .path_norm = path_norm,
                             .offset = offset};
    if ((rc = cv_tree_builder(c, &spec, o)))
        return rc;
    iso_buf b = {0};
    for (size_t t = 0; t < n_trees && !rc; t++) {
        const pk_obj *est = pk_item(ests, t);
        if (!pk_is_class(est, "sklearn.tree._classes.ExtraTreeRegressor"))
            rc = fr_fail(c->e, FROST_EFORMAT, "estimators_[%zu] is not an ExtraTreeRegressor", t);
        else
            rc = add_tree(c, (uint32_t)t, est, subsample ? pk_item(feats, t) : NULL, &b);
    }
    iso_buf_free(&b);
    if (rc)
        return rc;
    /* predict's labels: -1 for outliers, 1 for inliers (is_inlier, a numpy int array) */
    static const char *const labels[2] = {"-1", "1"};
    if ((rc = frost_builder_set_classes(c->b, 0, FROST_LABEL_INT, labels, 2)))
        return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    return 0;
}
