/*
 * convert_trees.c — DecisionTree/ExtraTree classifiers and regressors, RandomForest/ExtraTrees
 * classifiers and regressors (multi-output included), GradientBoosting classifiers (binary and
 * multi-class, log-loss) and regressors (squared error, absolute error, huber, quantile).
 *
 * The semantics follow the scikit-learn sources cited beside each rule; where they changed
 * between versions, the class of the pickled loss object tells which version saved the file.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_labels.h"
#include "convert_trees.h"

/* Whether a fitted tree, forest or gradient boosting takes missing values at predict time, as
 * the scikit-learn version that saved it decides:
 *  - a tree (BaseDecisionTree._validate_X_predict → _support_missing_values, 1.3+): the 'allow_nan'
 *    tag — splitter 'best' (1.3+) or 'random' (1.6+), a classifier criterion gini / entropy /
 *    log_loss or a regressor one squared_error / friedman_mse / poisson — and no monotonic_cst
 *    (sklearn/tree/_classes.py);
 *  - a forest (BaseForest._validate_X_predict, 1.4+): what its first tree says
 *    (sklearn/ensemble/_forest.py);
 *  - gradient boosting: never — decision_function validates with check_array's defaults
 *    (sklearn/ensemble/_gb.py).
 * Unknown versions and criteria count as refusing: an error where scikit-learn would have
 * answered is recoverable, a number where it would have refused is not. */
static int tree_takes_nan(const pk_obj *tree, int classifier)
{
    if (!cv_version_at_least(tree, 1, 3))
        return 0;
    const pk_obj *mono = pk_attr(tree, "monotonic_cst");
    if (mono && !pk_is_none(mono))
        return 0;
    const pk_obj *splitter = pk_attr(tree, "splitter");
    if (!splitter || !(pk_str_eq(splitter, "best") ||
                       (pk_str_eq(splitter, "random") && cv_version_at_least(tree, 1, 6))))
        return 0;
    const pk_obj *crit = pk_attr(tree, "criterion");
    static const char *const clf[] = {"gini", "entropy", "log_loss"};
    static const char *const reg[] = {"squared_error", "friedman_mse", "poisson"};
    for (size_t i = 0; crit && i < 3; i++)
        if (pk_str_eq(crit, classifier ? clf[i] : reg[i]))
            return 1;
    return 0;
}

int cv_trees_take_nan(const pk_obj *est, const char *cls, int classifier)
{
    if (strncmp(cls, SK_GB, strlen(SK_GB)) == 0)
        return 0;
    if (strncmp(cls, SK_FOREST, strlen(SK_FOREST)) == 0) {
        const pk_obj *ests = pk_attr(est, "estimators_");
        return cv_version_at_least(est, 1, 4) && ests && pk_len(ests) &&
               tree_takes_nan(pk_item(ests, 0), classifier);
    }
    return tree_takes_nan(est, classifier);
}

/* Classifier trees store weighted class fractions from 1.4.1 on (PR #27639) and predict_proba
 * returns them as stored; before, they held weighted counts that predict_proba divides by their
 * sum. */
static int leaves_need_normalizing(const pk_obj *est)
{
    int v[3];
    cv_sklearn_version(est, v);
    return v[0] < 1 || (v[0] == 1 && (v[1] < 4 || (v[1] == 4 && v[2] < 1)));
}

static int grow(void **p, uint64_t n, size_t elem)
{
    if (n > SIZE_MAX / elem)
        return FROST_ELIMIT;
    size_t bytes = (size_t)n * elem;
    void *q = realloc(*p, bytes ? bytes : 1);
    if (!q)
        return FROST_ENOMEM;
    *p = q;
    return 0;
}

void cv_tree_buf_free(tree_buf *t)
{
    free(t->left);
    free(t->right);
    free(t->feature);
    free(t->mgl_i64);
    free(t->threshold);
    free(t->full);
    free(t->value);
    free(t->mgl);
}

int cv_tree_buf_reserve(tree_buf *t, uint64_t n, uint64_t n_values)
{
    if (n > t->cap) {
        if (grow((void **)&t->left, n, 8) || grow((void **)&t->right, n, 8) ||
            grow((void **)&t->feature, n, 8) || grow((void **)&t->mgl_i64, n, 8) ||
            grow((void **)&t->threshold, n, 8) || grow((void **)&t->mgl, n, 1))
            return FROST_ENOMEM;
        t->cap = n;
    }
    if (n_values > t->value_cap) {
        if (grow((void **)&t->value, n_values, 8))
            return FROST_ENOMEM;
        t->value_cap = n_values;
    }
    return 0;
}

const pk_obj *cv_tree_nodes(conv *c, const pk_obj *est, const char *where, uint64_t *count,
                            const uint8_t **mgl)
{
    fr_err *e = c->e;
    const pk_obj *tree = pk_attr(est, "tree_");
    if (!tree || !pk_is_class(tree, "sklearn.tree._tree.Tree")) {
        fr_fail(e, FROST_EFORMAT, "%s: no sklearn.tree._tree.Tree in tree_", where);
        return NULL;
    }
    const pk_obj *nodes = pk_attr(tree, "nodes");
    pk_array_info ni;
    if (!nodes || pk_array_info_get(nodes, &ni)) {
        fr_fail(e, FROST_EFORMAT, "%s: Tree state lacks its nodes array", where);
        return NULL;
    }
    int64_t node_count = 0;
    if (cv_get_int(tree, "node_count", &node_count, e)) {
        fr_wrap(e, "%s", where);
        return NULL;
    }
    if (node_count <= 0 || (uint64_t)node_count != ni.count || ni.ndim != 1) {
        fr_fail(e, FROST_EFORMAT, "%s: node_count %" PRId64 " but %" PRIu64 " node records",
                where, node_count, ni.count);
        return NULL;
    }
    uint64_t n = (uint64_t)node_count;
    tree_buf *t = &c->tb;
    if (cv_tree_buf_reserve(t, n, n * (c->width ? c->width : 1))) {
        fr_fail(e, FROST_ENOMEM, "out of memory for a tree of %" PRIu64 " nodes", n);
        return NULL;
    }
    if (pk_array_get_i64(nodes, "left_child", t->left, n, e) ||
        pk_array_get_i64(nodes, "right_child", t->right, n, e) ||
        pk_array_get_i64(nodes, "feature", t->feature, n, e) ||
        pk_array_get_f64(nodes, "threshold", t->threshold, n, e)) {
        fr_wrap(e, "%s", where);
        return NULL;
    }
    /* missing_go_to_left appeared in sklearn 1.3; before it NaN was rejected at input and
     * comparisons sent it right */
    *mgl = NULL;
    if (pk_array_has_field(nodes, "missing_go_to_left")) {
        if (pk_array_get_i64(nodes, "missing_go_to_left", t->mgl_i64, n, e)) {
            fr_wrap(e, "%s", where);
            return NULL;
        }
        for (uint64_t i = 0; i < n; i++)
            t->mgl[i] = t->mgl_i64[i] != 0;
        *mgl = t->mgl;
    }
    *count = n;
    return tree;
}

int cv_tree_submit(conv *c, uint64_t n, const uint8_t *mgl, uint32_t raw_column,
                   const char *where)
{
    return cv_tree_submit_cat(c, n, mgl, raw_column, NULL, NULL, where);
}

int cv_tree_submit_cat(conv *c, uint64_t n, const uint8_t *mgl, uint32_t raw_column,
                       const uint8_t *is_categorical, const uint32_t *categories_left,
                       const char *where)
{
    tree_buf *t = &c->tb;
    frost_tree_arrays a = {
        .size = sizeof a,
        .node_count = n,
        .children_left = t->left,
        .children_right = t->right,
        .feature = t->feature,
        .threshold = t->threshold,
        .missing_go_to_left = mgl,
        .value = t->value,
        .value_width = c->width,
        .raw_column = raw_column,
        .is_categorical = is_categorical,
        .categories_left = categories_left,
    };
    int rc = frost_builder_add_tree(c->b, &a);
    return rc ? fr_fail(c->e, rc, "%s: %s", where, frost_builder_errmsg(c->b)) : 0;
}

/* Reads est.tree_ (sklearn/tree/_tree.pyx Tree.__reduce__: (Tree, (n_features, n_classes,
 * n_outputs), {max_depth, node_count, nodes, values})) into c->tb and adds it to the builder. */
static int add_tree(conv *c, const pk_obj *est, uint32_t raw_column, const char *where)
{
    fr_err *e = c->e;
    uint64_t n = 0;
    const uint8_t *mgl = NULL;
    const pk_obj *tree = cv_tree_nodes(c, est, where, &n, &mgl);
    if (!tree)
        return e->code;
    const pk_obj *values = pk_attr(tree, "values");
    pk_array_info vi;
    if (!values || pk_array_info_get(values, &vi))
        return fr_fail(e, FROST_EFORMAT, "%s: Tree state lacks its values array", where);
    /* values: (node_count, n_outputs, max_n_classes) */
    if (vi.ndim != 3 || vi.shape[0] != n || vi.shape[1] != c->n_outputs || vi.shape[2] == 0)
        return fr_fail(e, FROST_EFORMAT, "%s: values array has the wrong shape", where);
    uint64_t maxc = vi.shape[2];
    tree_buf *t = &c->tb;
    if (vi.count > t->full_cap) {
        if (grow((void **)&t->full, vi.count, 8))
            return fr_fail(e, FROST_ENOMEM, "out of memory for tree values");
        t->full_cap = vi.count;
    }
    if (pk_array_get_f64(values, NULL, t->full, vi.count, e))
        return fr_wrap(e, "%s", where);
    /* leaf rows: each output's first n_classes[k] values side by side (the rest of a row is
     * padding up to max_n_classes), or one value per output for regressors */
    for (uint64_t i = 0; i < n; i++) {
        const double *src = t->full + i * c->n_outputs * maxc;
        double *dst = t->value + i * c->width;
        if (c->class_leaves) {
            uint32_t base = 0;
            for (uint32_t k = 0; k < c->n_outputs; k++) {
                if (c->n_classes[k] > maxc)
                    return fr_fail(e, FROST_EFORMAT, "%s: %u classes but values hold %" PRIu64,
                                   where, c->n_classes[k], maxc);
                memcpy(dst + base, src + k * maxc, c->n_classes[k] * sizeof *dst);
                base += c->n_classes[k];
            }
        } else {
            for (uint32_t k = 0; k < c->n_outputs; k++)
                dst[k] = src[k * maxc];
        }
    }
    return cv_tree_submit(c, n, mgl, raw_column, where);
}

/* n_features_in_ (>= 0.24), n_features_ (older), or the first tree's own count. */
static int read_n_features(conv *c, const pk_obj *first_tree_est)
{
    int64_t nf = 0;
    fr_err scratch;
    if (cv_get_int(c->est, "n_features_in_", &nf, &scratch) &&
        cv_get_int(c->est, "n_features_", &nf, &scratch)) {
        const pk_obj *tree = first_tree_est ? pk_attr(first_tree_est, "tree_") : NULL;
        const pk_obj *args = tree ? pk_obj_args(tree) : NULL;
        if (!args || pk_get_int(pk_item(args, 0), &nf))
            return fr_fail(c->e, FROST_EFORMAT, "%s: cannot tell how many features it takes",
                           cv_short_name(c->cls));
    }
    return cv_set_n_features(c, nf);
}

int cv_set_n_features(conv *c, int64_t nf)
{
    if (nf <= 0 || nf > 0xFFFFFF)
        return fr_fail(c->e, FROST_EFORMAT, "%s: %" PRId64 " features is out of range",
                       cv_short_name(c->cls), nf);
    c->n_features = (uint32_t)nf;
    return 0;
}

int cv_tree_builder(conv *c, const frost_model_spec *spec, const frost_convert_options *o)
{
    int rc;
    if (c->member) { /* a tree member of the combination c->b holds */
        const conv_member *m = c->member;
        rc = wr_builder_add_member_trees(c->b, spec, m->weight, m->score, m->slots, m->n_in);
        return rc ? fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b)) : 0;
    }
    rc = frost_builder_new(spec, &o->write, &c->b);
    if (rc)
        return fr_fail(c->e, rc, "%s", frost_errmsg(NULL));
    if (c->program) {
        if ((rc = wr_builder_set_program(c->b, c->program)))
            return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        c->program = NULL;
    }
    return 0;
}

/* What a tree or forest predicts: class labels per output (classifiers) or n_outputs_ values. */
static int read_outputs(conv *c, int classifier)
{
    if (classifier)
        return cv_read_classes(c);
    int64_t n_outputs = 1;
    int rc;
    if (pk_attr(c->est, "n_outputs_") && (rc = cv_get_int(c->est, "n_outputs_", &n_outputs, c->e)))
        return rc;
    if (n_outputs <= 0 || n_outputs > 65536)
        return fr_fail(c->e, FROST_EFORMAT, "n_outputs_ %" PRId64 " out of range", n_outputs);
    c->n_outputs = (uint32_t)n_outputs;
    c->width = c->n_outputs;
    return 0;
}

int cv_convert_tree(conv *c, const frost_convert_options *o, int classifier)
{
    int rc;
    c->task = classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR;
    c->class_leaves = classifier;
    if ((rc = read_outputs(c, classifier)) || (rc = read_n_features(c, c->est)))
        return rc;
    /* DecisionTreeClassifier.predict takes the argmax of the tree's raw values; predict_proba
     * divides each output's row by its sum before 1.4.1 (sklearn/tree/_classes.py). */
    frost_model_spec spec = {.size = sizeof spec, .task = c->task, .kind = FROST_ENSEMBLE_MEAN,
                             .n_features = c->n_features, .n_outputs = c->n_outputs,
                             .n_classes = c->n_classes,
                             .normalize_leaves = classifier && leaves_need_normalizing(c->est),
                             .raw_argmax = classifier};
    if ((rc = cv_tree_builder(c, &spec, o)))
        return rc;
    if ((rc = add_tree(c, c->est, 0, "tree_")))
        return rc;
    return classifier ? cv_set_labels(c) : 0;
}

int cv_convert_forest(conv *c, const frost_convert_options *o, int classifier)
{
    int rc;
    c->task = classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR;
    c->class_leaves = classifier;
    const pk_obj *ests = pk_attr(c->est, "estimators_");
    if (!ests || (pk_kind_of(ests) != PK_LIST && pk_kind_of(ests) != PK_TUPLE))
        return fr_fail(c->e, FROST_EFORMAT, "%s has no list of fitted estimators_ (not fitted?)",
                       cv_short_name(c->cls));
    size_t n_trees = pk_len(ests);
    if (n_trees == 0)
        return fr_fail(c->e, FROST_EFORMAT, "%s has no trees", cv_short_name(c->cls));
    if ((rc = read_outputs(c, classifier)) || (rc = read_n_features(c, pk_item(ests, 0))))
        return rc;
    /* ForestClassifier.predict_proba adds each tree's normalized predict_proba in tree order
     * and divides by len(estimators_); predict is the argmax of that (sklearn/ensemble/_forest.py) */
    frost_model_spec spec = {.size = sizeof spec, .task = c->task, .kind = FROST_ENSEMBLE_MEAN,
                             .n_features = c->n_features, .n_outputs = c->n_outputs,
                             .n_classes = c->n_classes,
                             .normalize_leaves = classifier && leaves_need_normalizing(c->est)};
    if ((rc = cv_tree_builder(c, &spec, o)))
        return rc;
    for (size_t t = 0; t < n_trees; t++) {
        char where[64];
        snprintf(where, sizeof where, "estimators_[%zu]", t);
        const pk_obj *est = pk_item(ests, t);
        const char *tcls = pk_class_name(est);
        if (!tcls || strncmp(tcls, SK_TREE, strlen(SK_TREE)) != 0)
            return fr_fail(c->e, FROST_EUNSUPPORTED, "%s is %s, not a decision tree", where,
                           tcls ? tcls : pk_kind_name(pk_kind_of(est)));
        if ((rc = add_tree(c, est, 0, where)))
            return rc;
    }
    return classifier ? cv_set_labels(c) : 0;
}

/* Before 0.21 (sklearn/ensemble/gradient_boosting.py) the init estimators' predict() is the raw
 * score itself: LogOddsEstimator fills `prior` (already a log-odds), PriorProbabilityEstimator
 * the class `priors` (probabilities, used as raw scores), MeanEstimator `mean`,
 * QuantileEstimator `quantile`, ZeroEstimator zeros. */
static const struct old_init {
    const char *cls;
    const char *attr;
} old_inits[] = {
    {"sklearn.ensemble.gradient_boosting.LogOddsEstimator", "prior"},
    {"sklearn.ensemble.gradient_boosting.PriorProbabilityEstimator", "priors"},
    {"sklearn.ensemble.gradient_boosting.MeanEstimator", "mean"},
    {"sklearn.ensemble.gradient_boosting.QuantileEstimator", "quantile"},
    {"sklearn.ensemble.gradient_boosting.ZeroEstimator", NULL},
};

static int old_init_raw(conv *c, const pk_obj *init, const struct old_init *old, uint32_t n_raw,
                        double *raw)
{
    if (!old->attr)
        return 0;
    const pk_obj *v = pk_attr(init, old->attr);
    pk_array_info ai;
    if (v && !pk_array_info_get(v, &ai) && ai.count == n_raw)
        return pk_array_get_f64(v, NULL, raw, n_raw, c->e) ? fr_wrap(c->e, "init_") : 0;
    if (v && n_raw == 1 && !pk_get_double(v, &raw[0]))
        return 0;
    return fr_fail(c->e, FROST_EFORMAT, "init_ (%s) has no usable %s", cv_short_name(old->cls),
                   old->attr);
}

/* DummyClassifier(strategy='constant'): the class of its constant, a label found the way the
 * labels are written. */
static int constant_class(conv *c, const pk_obj *init, uint32_t nc, uint32_t *class_index)
{
    const pk_obj *cst = pk_attr(init, "constant");
    char **labels = NULL;
    frost_label_kind kind;
    const pk_obj *classes = pk_attr(c->est, "classes_");
    char want[256] = "";
    int64_t iv;
    double dv;
    const char *sv = cst ? pk_str(cst, NULL) : NULL;
    if (sv)
        snprintf(want, sizeof want, "%s", sv);
    else if (cst && !pk_get_int(cst, &iv))
        snprintf(want, sizeof want, "%" PRId64, iv);
    else if (cst && !pk_get_double(cst, &dv))
        cv_format_float(dv, want, sizeof want);
    int found = -1;
    if (classes && !cv_read_labels(classes, nc, &kind, &labels, c->e)) {
        for (uint32_t k = 0; k < nc; k++)
            if (strcmp(labels[k], want) == 0)
                found = (int)k;
        cv_free_strings(labels, nc);
    }
    if (found < 0)
        return fr_fail(c->e, FROST_EFORMAT, "init_: constant class '%s' not among classes_",
                       want);
    *class_index = (uint32_t)found;
    return 0;
}

/* DummyClassifier.predict_proba (sklearn/dummy.py) into p (nc of them): prior → class_prior_;
 * most_frequent → one-hot of its argmax; uniform → 1/k; constant → one-hot of the constant
 * class; stratified draws at random and cannot be reproduced. */
static int dummy_proba(conv *c, const pk_obj *init, uint32_t nc, double *p)
{
    const pk_obj *strategy = pk_attr(init, "strategy");
    const pk_obj *prior = pk_attr(init, "class_prior_");
    pk_array_info ai;
    if (!prior || pk_array_info_get(prior, &ai) || ai.count != nc ||
        pk_array_get_f64(prior, NULL, p, nc, c->e))
        return fr_fail(c->e, FROST_EFORMAT, "init_.class_prior_ does not hold %u priors", nc);
    if (strategy && pk_str_eq(strategy, "most_frequent")) {
        uint32_t best = 0;
        for (uint32_t k = 1; k < nc; k++)
            best = p[k] > p[best] ? k : best;
        for (uint32_t k = 0; k < nc; k++)
            p[k] = k == best ? 1.0 : 0.0;
    } else if (strategy && pk_str_eq(strategy, "uniform")) {
        for (uint32_t k = 0; k < nc; k++)
            p[k] = 1.0 / nc;
    } else if (strategy && pk_str_eq(strategy, "constant")) {
        uint32_t found = 0;
        int rc = constant_class(c, init, nc, &found);
        if (rc)
            return rc;
        for (uint32_t k = 0; k < nc; k++)
            p[k] = k == found ? 1.0 : 0.0;
    } else if (strategy && !pk_str_eq(strategy, "prior")) {
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: a DummyClassifier init with "
                       "strategy '%s' (random draws cannot be reproduced)",
                       pk_str(strategy, NULL) ? pk_str(strategy, NULL) : "?");
    }
    return 0;
}

/* The link of probabilities p (nc classes) clipped to [eps, 1 - eps], eps = float32's epsilon:
 * the log-odds of the positive class for two classes, else the logs (before 1.4) or the
 * symmetric multinomial link log(p / gmean(p)) (the _loss module, 1.4+). */
static void proba_link(double *p, uint32_t nc, int new_loss, double *raw)
{
    const double eps = FLT_EPSILON;
    for (uint32_t k = 0; k < nc; k++)
        p[k] = p[k] < eps ? eps : p[k] > 1 - eps ? 1 - eps : p[k];
    if (nc == 2) {
        raw[0] = log(p[1] / (1 - p[1]));
        return;
    }
    if (!new_loss) {
        for (uint32_t k = 0; k < nc; k++)
            raw[k] = log(p[k]);
        return;
    }
    double s = 0;
    for (uint32_t k = 0; k < nc; k++)
        s += log(p[k]);
    double gm = exp(s / nc);
    for (uint32_t k = 0; k < nc; k++)
        raw[k] = log(p[k] / gm);
}

/* The raw score every row starts from: init_.predict (regressors) or the link of
 * init_.predict_proba (classifiers) (sklearn/ensemble/_gb_losses.py get_init_raw_predictions up
 * to 1.3; _gb.py _init_raw_predictions from 1.4). 'zero' starts from 0. */
static int gb_init_raw(conv *c, int new_loss, uint32_t n_raw, double *raw)
{
    const pk_obj *init = pk_attr(c->est, "init_");
    for (uint32_t k = 0; k < n_raw; k++)
        raw[k] = 0.0;
    if (!init || pk_str_eq(init, "zero"))
        return 0;
    const char *icls = pk_class_name(init);
    for (size_t i = 0; icls && i < sizeof old_inits / sizeof old_inits[0]; i++)
        if (strcmp(icls, old_inits[i].cls) == 0)
            return old_init_raw(c, init, &old_inits[i], n_raw, raw);
    if (icls && strcmp(icls, "sklearn.ensemble.gradient_boosting.ScaledLogOddsEstimator") == 0)
        return fr_fail(c->e, FROST_EUNSUPPORTED,
                       "not supported yet: GradientBoostingClassifier(loss='exponential')");
    if (c->task == FROST_TASK_REGRESSOR) {
        if (!icls || strcmp(icls, "sklearn.dummy.DummyRegressor") != 0)
            return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: init estimator %s",
                           icls ? icls : "of this kind");
        const pk_obj *constant = pk_attr(init, "constant_");
        double v;
        pk_array_info ai;
        if (!constant || pk_array_info_get(constant, &ai) || ai.count != 1 ||
            pk_array_get_f64(constant, NULL, &v, 1, c->e))
            return fr_fail(c->e, FROST_EFORMAT, "init_.constant_ is not a single value");
        raw[0] = v;
        return 0;
    }
    if (!icls || strcmp(icls, "sklearn.dummy.DummyClassifier") != 0)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: init estimator %s",
                       icls ? icls : "of this kind");
    uint32_t nc = c->n_classes[0];
    double p[1024];
    if (nc > 1024)
        return fr_fail(c->e, FROST_EFORMAT, "init_.class_prior_ does not hold %u priors", nc);
    int rc = dummy_proba(c, init, nc, p);
    if (rc)
        return rc;
    proba_link(p, nc, new_loss, raw);
    return 0;
}

int cv_convert_gb(conv *c, const frost_convert_options *o, int classifier)
{
    int rc;
    c->task = classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR;
    c->n_outputs = 1;
    c->width = 1;
    const pk_obj *loss = pk_attr(c->est, "loss");
    const pk_obj *loss_obj = pk_attr(c->est, "_loss");
    if (!loss_obj)
        loss_obj = pk_attr(c->est, "loss_");
    const char *lcls = loss_obj ? pk_class_name(loss_obj) : NULL;
    int new_loss = lcls && strncmp(lcls, "sklearn._loss.", 14) == 0;
    if (classifier) {
        if (loss && pk_str_eq(loss, "exponential"))
            return fr_fail(c->e, FROST_EUNSUPPORTED,
                           "not supported yet: GradientBoostingClassifier(loss='exponential')");
        if ((rc = cv_read_classes(c)))
            return rc;
        c->width = 1;
        if (c->n_classes[0] < 2)
            return fr_fail(c->e, FROST_EFORMAT, "a classifier with %u class", c->n_classes[0]);
    }
    const pk_obj *ests = pk_attr(c->est, "estimators_");
    pk_array_info ai;
    if (!ests || pk_array_info_get(ests, &ai) || ai.ndim != 2 || ai.count == 0)
        return fr_fail(c->e, FROST_EFORMAT, "%s has no 2-D array of fitted estimators_",
                       cv_short_name(c->cls));
    uint32_t K = (uint32_t)ai.shape[1];
    uint32_t n_raw = classifier && c->n_classes[0] > 2 ? c->n_classes[0] : 1;
    if (K != n_raw)
        return fr_fail(c->e, FROST_EFORMAT, "estimators_ has %u trees per stage, expected %u", K,
                       n_raw);
    if ((rc = read_n_features(c, pk_array_item(ests, 0))))
        return rc;
    const pk_obj *lr = pk_attr(c->est, "learning_rate");
    double learning_rate;
    if (!lr || pk_get_double(lr, &learning_rate))
        return fr_fail(c->e, FROST_EFORMAT, "learning_rate is missing or not a number");
    double *init = calloc(n_raw, sizeof *init);
    if (!init)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    if ((rc = gb_init_raw(c, new_loss, n_raw, init))) {
        free(init);
        return rc;
    }
    /* predict_stages adds learning_rate * leaf value tree by tree, stage by stage, class by
     * class (sklearn/ensemble/_gradient_boosting.pyx); binary predict is raw >= 0 from 1.4
     * (the _loss module), the argmax of (1 - expit(raw), expit(raw)) before. Multi-class
     * predict_proba is exp(raw - logsumexp(raw)) before 1.4 (_gb_losses.py), then
     * HalfMultinomialLoss.predict_proba: sklearn.utils.extmath.softmax. */
    frost_model_spec spec = {.size = sizeof spec, .task = c->task, .kind = FROST_ENSEMBLE_BOOSTED,
                             .n_features = c->n_features, .n_outputs = 1,
                             .n_classes = c->n_classes, .learning_rate = learning_rate,
                             .link = !classifier   ? FROST_LINK_IDENTITY
                                     : n_raw == 1 ? FROST_LINK_LOGISTIC
                                     : new_loss   ? FROST_LINK_SOFTMAX_NORM
                                                  : FROST_LINK_SOFTMAX,
                             .n_raw = n_raw, .init_raw = init, .sign_decision = new_loss};
    rc = cv_tree_builder(c, &spec, o);
    free(init);
    if (rc)
        return rc;
    for (uint64_t i = 0; i < ai.count; i++) {
        char where[64];
        snprintf(where, sizeof where, "estimators_[%" PRIu64 ", %" PRIu64 "]", i / K, i % K);
        const pk_obj *est = pk_array_item(ests, i);
        if (!pk_is_class(est, SK_TREE "DecisionTreeRegressor"))
            return fr_fail(c->e, FROST_EFORMAT, "%s is not a DecisionTreeRegressor", where);
        if ((rc = add_tree(c, est, (uint32_t)(i % K), where)))
            return rc;
    }
    return classifier ? cv_set_labels(c) : 0;
}
