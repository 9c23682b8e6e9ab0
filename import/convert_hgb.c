/*
 * convert_hgb.c — HistGradientBoostingClassifier and HistGradientBoostingRegressor (scikit-learn
 * 0.21 on). Each TreePredictor of _predictors becomes a wide frost tree (FORMAT.md 1.3: float64
 * thresholds, categorical splits by their category sets), added iteration by iteration, class
 * by class, to a BOOSTED ensemble that starts from _baseline_prediction with learning rate 1:
 * the leaves hold values already shrunk, and _raw_predict adds them as they are
 * (sklearn/ensemble/_hist_gradient_boosting/gradient_boosting.py, _predict_iterations).
 *
 * What changed between versions, and how this file tells:
 *  - the loss: an object of sklearn._loss (1.1 on) in `_loss`, or of the module's own loss.py
 *    (0.21 to 1.0) in `loss_`; its class gives the inverse link;
 *  - the nodes (PREDICTOR_RECORD_DTYPE): `threshold` became `num_threshold` and
 *    `is_categorical` / `bitset_idx` appeared in 0.24, `missing_go_to_left` in 0.22, and
 *    `feature_idx` went from uint32 to intp; fields are read by name;
 *  - the bin mapper: `bin_mapper_` (0.21) then `_bin_mapper`; its `bin_thresholds_` hold the
 *    known categories of each categorical feature;
 *  - 1.4 moved categorical features through an OrdinalEncoder (`_preprocessor`), not converted
 *    yet.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_hgb.h"
#include "convert_labels.h"
#include "convert_trees.h"

#define SK_LOSS "sklearn._loss.loss."
#define SK_HGB_LOSS "sklearn.ensemble._hist_gradient_boosting.loss."

/* The losses HistGradientBoosting fits, by the class of its loss object: the inverse link
 * predict applies to the raw scores. */
static const struct hgb_loss {
    const char *cls;
    frost_link link;
    int classifier;
} hgb_losses[] = {
    /* sklearn/_loss/loss.py (1.1 on): HalfMultinomialLoss.predict_proba is
     * sklearn.utils.extmath.softmax (MultinomialLogit.inverse); log links are np.exp */
    {SK_LOSS "HalfSquaredError", FROST_LINK_IDENTITY, 0},
    {SK_LOSS "AbsoluteError", FROST_LINK_IDENTITY, 0},
    {SK_LOSS "PinballLoss", FROST_LINK_IDENTITY, 0},
    {SK_LOSS "HalfPoissonLoss", FROST_LINK_EXP, 0},
    {SK_LOSS "HalfGammaLoss", FROST_LINK_EXP, 0},
    {SK_LOSS "HalfBinomialLoss", FROST_LINK_LOGISTIC, 1},
    {SK_LOSS "HalfMultinomialLoss", FROST_LINK_SOFTMAX_NORM, 1},
    /* sklearn/ensemble/_hist_gradient_boosting/loss.py (0.21 to 1.0): CategoricalCrossEntropy
     * takes exp(raw - logsumexp(raw)) */
    {SK_HGB_LOSS "LeastSquares", FROST_LINK_IDENTITY, 0},
    {SK_HGB_LOSS "LeastAbsoluteDeviation", FROST_LINK_IDENTITY, 0},
    {SK_HGB_LOSS "Poisson", FROST_LINK_EXP, 0},
    {SK_HGB_LOSS "BinaryCrossEntropy", FROST_LINK_LOGISTIC, 1},
    {SK_HGB_LOSS "CategoricalCrossEntropy", FROST_LINK_SOFTMAX, 1},
};

static int hgb_link(conv *c, int classifier, frost_link *link)
{
    const pk_obj *loss = pk_attr(c->est, "_loss");
    if (!loss || pk_is_none(loss))
        loss = pk_attr(c->est, "loss_");
    const char *lcls = loss ? pk_class_name(loss) : NULL;
    for (size_t i = 0; lcls && i < sizeof hgb_losses / sizeof hgb_losses[0]; i++)
        if (strcmp(lcls, hgb_losses[i].cls) == 0) {
            if (hgb_losses[i].classifier != classifier)
                break;
            *link = hgb_losses[i].link;
            return 0;
        }
    return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: %s with the loss %s",
                   cv_short_name(c->cls), lcls ? cv_short_name(lcls) : "it holds");
}

/* The features the trees read: _n_features (1.0 on: after the 1.4 preprocessor), n_features_in_
 * (0.24), n_features_ (0.21). */
static int hgb_n_features(conv *c)
{
    static const char *const names[] = {"_n_features", "n_features_in_", "n_features_"};
    int64_t nf = 0;
    size_t i = 0;
    fr_err scratch;
    while (i < 3 && cv_get_int(c->est, names[i], &nf, &scratch))
        i++;
    if (i == 3)
        return fr_fail(c->e, FROST_EFORMAT, "%s: cannot tell how many features it takes",
                       cv_short_name(c->cls));
    return cv_set_n_features(c, nf);
}

/* _baseline_prediction: the k raw scores every row starts from (a numpy scalar, or shape (k, 1)
 * before 1.0, (1, k) after), in float64 — the dtype _raw_predict sums in. raw_predictions is
 * zeros plus the baseline, so 0.0 + b is what the first tree adds to. */
static int hgb_baseline(conv *c, uint32_t k, double *init)
{
    const pk_obj *b = pk_attr(c->est, "_baseline_prediction");
    pk_array_info ai;
    if (!b || pk_array_info_get(b, &ai) || ai.count != k)
        return fr_fail(c->e, FROST_EFORMAT, "_baseline_prediction does not hold %u scores", k);
    if (ai.kind != 'f' || ai.itemsize != 8)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: a baseline of dtype %c%u "
                       "(its raw scores would be summed in that dtype)", ai.kind, ai.itemsize);
    if (pk_array_get_f64(b, NULL, init, k, c->e))
        return fr_wrap(c->e, "_baseline_prediction");
    for (uint32_t j = 0; j < k; j++)
        init[j] = 0.0 + init[j];
    return 0;
}

/* Per feature, the categories the bin mapper saw in training (FORMAT.md categorical split): a
 * 256-bit set each, known[f * 8 .. f * 8 + 7], all zero for numeric features. */
typedef struct hgb_cats {
    uint32_t *known;   /* n_features × 8 words, or NULL when no feature is categorical */
    uint8_t *is_cat;   /* n_features flags */
} hgb_cats;

static void hgb_cats_free(hgb_cats *k)
{
    free(k->known);
    free(k->is_cat);
}

/* The bin mapper's view of categories: is_categorical_ (its own from 1.0, else the estimator's;
 * None: no categorical feature) and bin_thresholds_[f], the raw category values of a
 * categorical f, which make_known_categories_bitsets sets by their uint8 value (a Python-level
 * conversion, which refuses what does not fit, so a model that predicts holds 0..255 only). */
static int hgb_known_categories(conv *c, hgb_cats *k)
{
    const pk_obj *bm = pk_attr(c->est, "_bin_mapper");
    if (!bm || pk_is_none(bm))
        bm = pk_attr(c->est, "bin_mapper_");
    const pk_obj *mask = bm ? pk_attr(bm, "is_categorical_") : NULL;
    if (!mask || pk_is_none(mask))
        mask = pk_attr(c->est, "is_categorical_");
    if (!mask || pk_is_none(mask))
        return 0;
    uint32_t nf = c->n_features;
    pk_array_info ai;
    if (pk_array_info_get(mask, &ai) || ai.count != nf)
        return fr_fail(c->e, FROST_EFORMAT, "is_categorical_ does not hold %u flags", nf);
    const pk_obj *thr = bm ? pk_attr(bm, "bin_thresholds_") : NULL;
    if (!thr || pk_len(thr) != nf)
        return fr_fail(c->e, FROST_EFORMAT, "the bin mapper's bin_thresholds_ do not list %u "
                       "features", nf);
    int64_t *flags = malloc(nf * sizeof *flags);
    k->is_cat = calloc(nf, 1);
    k->known = calloc((size_t)nf * 8, sizeof *k->known);
    if (!flags || !k->is_cat || !k->known) {
        free(flags);
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    }
    int rc = pk_array_get_i64(mask, NULL, flags, nf, c->e);
    for (uint32_t f = 0; f < nf && !rc; f++) {
        if (!(k->is_cat[f] = flags[f] != 0))
            continue;
        const pk_obj *cats = pk_item(thr, f);
        pk_array_info ci;
        if (pk_array_info_get(cats, &ci) || ci.count > 256) {
            rc = fr_fail(c->e, FROST_EFORMAT, "bin_thresholds_[%u] is not an array of at most 256 "
                         "categories", f);
            break;
        }
        double v[256];
        if ((rc = pk_array_get_f64(cats, NULL, v, (size_t)ci.count, c->e))) {
            fr_wrap(c->e, "bin_thresholds_[%u]", f);
            break;
        }
        for (uint64_t j = 0; j < ci.count; j++) {
            if (!(v[j] > -1.0 && v[j] < 256.0)) {
                rc = fr_fail(c->e, FROST_EFORMAT, "feature %u: known category %g is not in "
                             "0..255", f, v[j]);
                break;
            }
            uint32_t cat = (uint32_t)v[j];
            k->known[f * 8 + cat / 32] |= 1u << (cat % 32);
        }
    }
    free(flags);
    return rc;
}

/* A TreePredictor's arrays (sklearn/ensemble/_hist_gradient_boosting/predictor.py), read by
 * field name, as frost tree arrays: leaves have no children (sklearn gives them 0), categorical
 * splits their set of categories going left — raw_left_cat_bitsets[bitset_idx], plus, when
 * missing values go left, every category training never saw (_predictor.pyx treats those as
 * missing). */
typedef struct hgb_tree {
    uint64_t cap;
    int64_t *is_leaf, *is_cat, *bitset_idx;
    uint8_t *cat;
    uint32_t *sets;
    int64_t *raw_sets;
    uint64_t raw_cap;
} hgb_tree;

static void hgb_tree_free(hgb_tree *h)
{
    free(h->is_leaf);
    free(h->is_cat);
    free(h->bitset_idx);
    free(h->cat);
    free(h->sets);
    free(h->raw_sets);
}

static int hgb_tree_reserve(hgb_tree *h, uint64_t n)
{
    if (n <= h->cap)
        return 0;
    if (n > SIZE_MAX / 64)
        return FROST_ELIMIT;
    hgb_tree_free(h);
    memset(h, 0, sizeof *h);
    h->is_leaf = malloc(n * sizeof *h->is_leaf);
    h->is_cat = malloc(n * sizeof *h->is_cat);
    h->bitset_idx = malloc(n * sizeof *h->bitset_idx);
    h->cat = malloc(n);
    h->sets = malloc(n * 8 * sizeof *h->sets);
    if (!h->is_leaf || !h->is_cat || !h->bitset_idx || !h->cat || !h->sets)
        return FROST_ENOMEM;
    h->cap = n;
    return 0;
}

/* The category sets of categorical splits: raw_left_cat_bitsets (n_splits × 8 uint32) folded
 * with the known categories. */
static int hgb_sets(conv *c, const pk_obj *pred, uint64_t n, const uint8_t *mgl,
                    const hgb_cats *k, hgb_tree *ht, const char *where)
{
    const pk_obj *raw = pk_attr(pred, "raw_left_cat_bitsets");
    pk_array_info ri;
    if (!raw || pk_array_info_get(raw, &ri) || ri.ndim != 2 || ri.shape[1] != 8)
        return fr_fail(c->e, FROST_EFORMAT, "%s: categorical splits without raw_left_cat_bitsets",
                       where);
    if (ri.count > ht->raw_cap) {
        free(ht->raw_sets);
        ht->raw_sets = malloc(ri.count * sizeof *ht->raw_sets);
        ht->raw_cap = ht->raw_sets ? ri.count : 0;
        if (!ht->raw_sets)
            return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    }
    if (pk_array_get_i64(raw, NULL, ht->raw_sets, (size_t)ri.count, c->e))
        return fr_wrap(c->e, "%s: raw_left_cat_bitsets", where);
    const int64_t *feature = c->tb.feature;
    for (uint64_t i = 0; i < n; i++) {
        if (!ht->cat[i])
            continue;
        uint64_t f = (uint64_t)feature[i], b = (uint64_t)ht->bitset_idx[i];
        if (f >= c->n_features || !k->known || !k->is_cat[f])
            return fr_fail(c->e, FROST_EFORMAT, "%s: node %" PRIu64 " splits feature %" PRIu64
                           " by categories, which the bin mapper does not call categorical",
                           where, i, f);
        if (ht->bitset_idx[i] < 0 || b >= ri.shape[0])
            return fr_fail(c->e, FROST_EFORMAT, "%s: node %" PRIu64 ": bitset %" PRId64 " out of "
                           "range", where, i, ht->bitset_idx[i]);
        for (int w = 0; w < 8; w++) {
            uint32_t left = (uint32_t)ht->raw_sets[b * 8 + (uint64_t)w];
            uint32_t unknown = ~k->known[f * 8 + (uint64_t)w];
            ht->sets[i * 8 + (uint64_t)w] = left | (mgl && mgl[i] ? unknown : 0u);
        }
    }
    return 0;
}

/* One TreePredictor into the builder, adding to raw score column `column`. */
static int hgb_add_tree(conv *c, const pk_obj *pred, uint32_t column, const hgb_cats *k,
                        hgb_tree *ht, const char *where)
{
    fr_err *e = c->e;
    const pk_obj *nodes = pred ? pk_attr(pred, "nodes") : NULL;
    pk_array_info ni;
    if (!nodes || pk_array_info_get(nodes, &ni) || ni.ndim != 1 || ni.count == 0 ||
        !ni.nfields)
        return fr_fail(e, FROST_EFORMAT, "%s: no TreePredictor node records", where);
    uint64_t n = ni.count;
    tree_buf *t = &c->tb;
    if (cv_tree_buf_reserve(t, n, n) || hgb_tree_reserve(ht, n))
        return fr_fail(e, FROST_ENOMEM, "out of memory for a tree of %" PRIu64 " nodes", n);
    const char *thr = pk_array_has_field(nodes, "num_threshold") ? "num_threshold" : "threshold";
    int has_cat = pk_array_has_field(nodes, "is_categorical");
    if (pk_array_get_i64(nodes, "left", t->left, n, e) ||
        pk_array_get_i64(nodes, "right", t->right, n, e) ||
        pk_array_get_i64(nodes, "feature_idx", t->feature, n, e) ||
        pk_array_get_i64(nodes, "is_leaf", ht->is_leaf, n, e) ||
        pk_array_get_f64(nodes, thr, t->threshold, n, e) ||
        pk_array_get_f64(nodes, "value", t->value, n, e) ||
        (has_cat && (pk_array_get_i64(nodes, "is_categorical", ht->is_cat, n, e) ||
                     pk_array_get_i64(nodes, "bitset_idx", ht->bitset_idx, n, e))))
        return fr_wrap(e, "%s", where);
    /* missing_go_to_left (0.22 on): before it, NaN was refused at input */
    const uint8_t *mgl = NULL;
    if (pk_array_has_field(nodes, "missing_go_to_left")) {
        if (pk_array_get_i64(nodes, "missing_go_to_left", t->mgl_i64, n, e))
            return fr_wrap(e, "%s", where);
        for (uint64_t i = 0; i < n; i++)
            t->mgl[i] = t->mgl_i64[i] != 0;
        mgl = t->mgl;
    }
    int any_cat = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (ht->is_leaf[i]) {
            t->left[i] = t->right[i] = -1;
            t->feature[i] = -2;
        }
        ht->cat[i] = has_cat && !ht->is_leaf[i] && ht->is_cat[i];
        any_cat |= ht->cat[i];
    }
    if (any_cat && hgb_sets(c, pred, n, mgl, k, ht, where))
        return e->code;
    return cv_tree_submit_cat(c, n, mgl, column, any_cat ? ht->cat : NULL,
                              any_cat ? ht->sets : NULL, where);
}

/* The predictors, iteration by iteration, each iteration's K trees in class order (the order
 * _predict_iterations adds them per raw score column). */
static int hgb_add_trees(conv *c, const pk_obj *preds, uint32_t k, const hgb_cats *cats)
{
    hgb_tree ht = {0};
    int rc = 0;
    for (size_t i = 0; i < pk_len(preds) && !rc; i++) {
        const pk_obj *iter = pk_item(preds, i);
        if (pk_len(iter) != k) {
            rc = fr_fail(c->e, FROST_EFORMAT, "_predictors[%zu] holds %zu trees, not %u", i,
                         pk_len(iter), k);
            break;
        }
        for (uint32_t j = 0; j < k && !rc; j++) {
            char where[64];
            snprintf(where, sizeof where, "_predictors[%zu][%u]", i, j);
            rc = hgb_add_tree(c, pk_item(iter, j), j, cats, &ht, where);
        }
    }
    hgb_tree_free(&ht);
    return rc;
}

int cv_convert_hgb(conv *c, const frost_convert_options *o, int classifier)
{
    int rc;
    c->task = classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR;
    c->n_outputs = 1;
    c->width = 1;
    const pk_obj *pre = pk_attr(c->est, "_preprocessor");
    if (pre && !pk_is_none(pre))
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: %s with categorical "
                       "features as scikit-learn >= 1.4 saves it (its _preprocessor, an "
                       "OrdinalEncoder)", cv_short_name(c->cls));
    frost_link link = FROST_LINK_IDENTITY;
    if ((rc = hgb_link(c, classifier, &link)) || (rc = hgb_n_features(c)))
        return rc;
    if (classifier) {
        if ((rc = cv_read_classes(c)))
            return rc;
        c->width = 1;
        if (c->n_outputs != 1 || c->n_classes[0] < 2)
            return fr_fail(c->e, FROST_EFORMAT, "a classifier with %u class", c->n_classes[0]);
    }
    uint32_t k = classifier && c->n_classes[0] > 2 ? c->n_classes[0] : 1;
    int64_t per_iter = 0;
    if ((rc = cv_get_int(c->est, "n_trees_per_iteration_", &per_iter, c->e)))
        return rc;
    if (per_iter != (int64_t)k || (k > 1) != (link == FROST_LINK_SOFTMAX ||
                                              link == FROST_LINK_SOFTMAX_NORM))
        return fr_fail(c->e, FROST_EFORMAT, "%" PRId64 " trees per iteration for %u classes "
                       "and this loss", per_iter, classifier ? c->n_classes[0] : 0);
    const pk_obj *preds = pk_attr(c->est, "_predictors");
    if (!preds || pk_kind_of(preds) != PK_LIST || pk_len(preds) == 0)
        return fr_fail(c->e, FROST_EFORMAT, "%s has no list of _predictors (not fitted?)",
                       cv_short_name(c->cls));
    double *init = calloc(k, sizeof *init);
    if (!init)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    hgb_cats cats = {0};
    if ((rc = hgb_baseline(c, k, init)) || (rc = hgb_known_categories(c, &cats)))
        goto done;
    /* predict is argmax(predict_proba) for every version (binary too: the larger of
     * (1 - expit, expit), the logistic link's rule without SIGN_DECISION) */
    frost_model_spec spec = {.size = sizeof spec, .task = c->task, .kind = FROST_ENSEMBLE_BOOSTED,
                             .n_features = c->n_features, .n_outputs = 1,
                             .n_classes = c->n_classes, .learning_rate = 1.0, .link = link,
                             .n_raw = k, .init_raw = init, .exact_thresholds = 1,
                             .proba_argmax = k > 1};
    if ((rc = cv_tree_builder(c, &spec, o)) || (rc = hgb_add_trees(c, preds, k, &cats)))
        goto done;
    rc = classifier ? cv_set_labels(c) : 0;
done:
    free(init);
    hgb_cats_free(&cats);
    return rc;
}

/* HistGradientBoosting validates X with force_all_finite=False from 0.22 on (missing values are
 * routed, infinities compared): it refuses nothing. 0.21 took check_array's defaults. */
uint32_t cv_hgb_refuses(const pk_obj *est)
{
    const pk_obj *preds = pk_attr(est, "_predictors");
    const pk_obj *first = preds ? pk_item(pk_item(preds, 0), 0) : NULL;
    const pk_obj *nodes = first ? pk_attr(first, "nodes") : NULL;
    if (nodes && !pk_array_has_field(nodes, "missing_go_to_left"))
        return FMT_CHECK_NAN | FMT_CHECK_INF;
    return 0;
}
