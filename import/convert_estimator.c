/*
 * convert_estimator.c — which family converts a fitted estimator (convert_trees.c,
 * convert_linear.c, convert_bayes.c, convert_centroids.c, convert_mlp.c), and the input checks of the estimator's own validation.
 */
#include <stdlib.h>
#include <string.h>

#include "convert_bayes.h"
#include "convert_centroids.h"
#include "convert_estimator.h"
#include "convert_hgb.h"
#include "convert_iforest.h"
#include "convert_linear.h"
#include "convert_mlp.h"
#include "convert_trees.h"

static const struct family {
    const char *cls;
    int (*convert)(conv *, const frost_convert_options *, int);
    int classifier;
} families[] = {
    {SK_TREE "DecisionTreeClassifier", cv_convert_tree, 1},
    {SK_TREE "ExtraTreeClassifier", cv_convert_tree, 1},
    {SK_TREE "DecisionTreeRegressor", cv_convert_tree, 0},
    {SK_TREE "ExtraTreeRegressor", cv_convert_tree, 0},
    {SK_FOREST "RandomForestClassifier", cv_convert_forest, 1},
    {SK_FOREST "ExtraTreesClassifier", cv_convert_forest, 1},
    {SK_FOREST "RandomForestRegressor", cv_convert_forest, 0},
    {SK_FOREST "ExtraTreesRegressor", cv_convert_forest, 0},
    {SK_GB "GradientBoostingClassifier", cv_convert_gb, 1},
    {SK_GB "GradientBoostingRegressor", cv_convert_gb, 0},
    {SK_HGB "HistGradientBoostingClassifier", cv_convert_hgb, 1},
    {SK_HGB "HistGradientBoostingRegressor", cv_convert_hgb, 0},
    {SK_IFOREST, cv_convert_iforest, 1},
    {"sklearn.linear_model._base.LinearRegression", cv_convert_linear, 0},
    {"sklearn.linear_model._ridge.Ridge", cv_convert_linear, 0},
    {"sklearn.linear_model._coordinate_descent.Lasso", cv_convert_linear, 0},
    {"sklearn.linear_model._coordinate_descent.ElasticNet", cv_convert_linear, 0},
    {"sklearn.linear_model._stochastic_gradient.SGDRegressor", cv_convert_linear, 0},
    {"sklearn.svm._classes.LinearSVR", cv_convert_linear, 0},
    {"sklearn.linear_model._logistic.LogisticRegression", cv_convert_linear, 1},
    {"sklearn.linear_model._stochastic_gradient.SGDClassifier", cv_convert_linear, 1},
    {"sklearn.linear_model._ridge.RidgeClassifier", cv_convert_linear, 1},
    {"sklearn.svm._classes.LinearSVC", cv_convert_linear, 1},
    {"sklearn.naive_bayes.GaussianNB", cv_convert_bayes, 1},
    {"sklearn.naive_bayes.MultinomialNB", cv_convert_bayes, 1},
    {"sklearn.naive_bayes.ComplementNB", cv_convert_bayes, 1},
    {"sklearn.naive_bayes.BernoulliNB", cv_convert_bayes, 1},
    {"sklearn.naive_bayes.CategoricalNB", cv_convert_bayes, 1},
    {"sklearn.neighbors._nearest_centroid.NearestCentroid", cv_convert_centroids, 1},
    {"sklearn.cluster._kmeans.KMeans", cv_convert_centroids, 1},
    {"sklearn.cluster._kmeans.MiniBatchKMeans", cv_convert_centroids, 1},
    {"sklearn.neural_network._multilayer_perceptron.MLPClassifier", cv_convert_mlp, 1},
    {"sklearn.neural_network._multilayer_perceptron.MLPRegressor", cv_convert_mlp, 0},
};

int cv_is_estimator(const char *cls)
{
    for (size_t i = 0; cls && i < sizeof families / sizeof families[0]; i++)
        if (strcmp(cls, families[i].cls) == 0)
            return 1;
    return 0;
}

/* What the estimator's own input validation refuses (FMT_CHECK_* bits, 0: nothing): linear
 * models, naive Bayes, nearest centroids, k-means and multi-layer perceptrons refuse missing and infinite values
 * (check_array's defaults, in float64); trees work in
 * float32, so they also refuse what float32 cannot hold, and take missing values only where the
 * version that saved them routes them (cv_trees_take_nan) — an IsolationForest's never
 * (score_samples validates with the defaults, then its trees cast to float32);
 * HistGradientBoosting compares float64 and routes missing values (cv_hgb_refuses). */
static uint32_t estimator_refuses(const conv *c, const struct family *f)
{
    if (f->convert == cv_convert_linear || f->convert == cv_convert_bayes ||
        f->convert == cv_convert_centroids || f->convert == cv_convert_mlp)
        return FMT_CHECK_NAN | FMT_CHECK_INF;
    if (f->convert == cv_convert_hgb)
        return cv_hgb_refuses(c->est);
    if (f->convert == cv_convert_iforest)
        return FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_F32;
    return FMT_CHECK_INF | FMT_CHECK_F32 |
           (cv_trees_take_nan(c->est, c->cls, f->classifier) ? 0 : FMT_CHECK_NAN);
}

/* The estimator's own input validation (FORMAT.md CHECKS, ESTIMATOR) over its slots: the
 * member's, the program's outputs, or the input columns. */
static int estimator_check(conv *c, const struct family *f, const uint32_t *prog_out,
                           uint32_t n_prog)
{
    uint32_t rule = estimator_refuses(c, f);
    if (!rule)
        return 0;
    rule |= FMT_CHECK_ESTIMATOR;
    if (c->member)
        return cv_add_check(c, c->est, rule, c->member->slots, c->member->n_in, c->path);
    if (prog_out)
        return cv_add_check(c, c->est, rule, prog_out, n_prog, c->path);
    uint32_t *all = malloc((c->n_features ? c->n_features : 1) * sizeof *all);
    if (!all)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    for (uint32_t j = 0; j < c->n_features; j++)
        all[j] = j;
    int rc = cv_add_check(c, c->est, rule, all, c->n_features, c->path);
    free(all);
    return rc;
}

int cv_estimator(conv *c, const pk_obj *est, const frost_convert_options *o)
{
    c->est = est;
    c->cls = pk_class_name(est);
    /* the program's outputs feed the estimator; the builder takes the program on the way */
    const uint32_t *prog_out = c->program ? c->program->outputs : NULL;
    uint32_t n_prog = c->program ? c->program->n_outputs : 0;
    for (size_t i = 0; c->cls && i < sizeof families / sizeof families[0]; i++)
        if (strcmp(c->cls, families[i].cls) == 0) {
            /* the format 1.3 estimators are not COMBINE members (FORMAT.md COMBINE) */
            if (c->member && (families[i].convert == cv_convert_bayes ||
                              families[i].convert == cv_convert_centroids ||
                              families[i].convert == cv_convert_mlp))
                return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: %s as a member of "
                               "a combination", cv_short_name(c->cls));
            int rc = families[i].convert(c, o, families[i].classifier);
            return rc ? rc : estimator_check(c, &families[i], prog_out, n_prog);
        }
    return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: %s",
                   c->cls ? c->cls : pk_kind_name(pk_kind_of(est)));
}

int cv_is_classifier(const char *cls)
{
    for (size_t i = 0; cls && i < sizeof families / sizeof families[0]; i++)
        if (strcmp(cls, families[i].cls) == 0)
            return families[i].classifier;
    return 0;
}

/* Linear classifiers (LinearClassifierMixin) and gradient boosting define decision_function;
 * trees and forests do not (sklearn/linear_model/_base.py, sklearn/ensemble/_gb.py,
 * sklearn/ensemble/_hist_gradient_boosting/gradient_boosting.py). */
int cv_has_decision_function(const char *cls)
{
    static const char *const with[] = {
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.linear_model._stochastic_gradient.SGDClassifier",
        "sklearn.linear_model._ridge.RidgeClassifier",
        "sklearn.svm._classes.LinearSVC",
        SK_GB "GradientBoostingClassifier",
        SK_HGB "HistGradientBoostingClassifier",
    };
    for (size_t i = 0; cls && i < sizeof with / sizeof with[0]; i++)
        if (strcmp(cls, with[i]) == 0)
            return 1;
    return 0;
}

int cv_member(conv *c, const pk_obj *est, const frost_convert_options *o, const conv_member *m)
{
    conv mc = {.e = c->e, .b = c->b, .member = m, .checks = c->checks, .path = c->path,
               .wa = c->wa};
    int rc = cv_estimator(&mc, est, o);
    cv_estimator_free(&mc);
    return rc;
}

void cv_estimator_free(conv *c)
{
    cv_tree_buf_free(&c->tb);
    free(c->n_classes);
}
