/*
 * convert_bayes.c — GaussianNB, MultinomialNB, ComplementNB, BernoulliNB and CategoricalNB
 * (sklearn/naive_bayes.py): the fitted attributes _joint_log_likelihood reads, as they are, into
 * a BAYES section (FORMAT.md); the runtime repeats scikit-learn's arithmetic on them.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "convert_bayes.h"
#include "convert_labels.h"

static const struct nb_class {
    const char *cls;
    uint32_t kind;
} nb_classes[] = {
    {"sklearn.naive_bayes.GaussianNB", FMT_NB_GAUSSIAN},
    {"sklearn.naive_bayes.MultinomialNB", FMT_NB_MULTINOMIAL},
    {"sklearn.naive_bayes.ComplementNB", FMT_NB_COMPLEMENT},
    {"sklearn.naive_bayes.BernoulliNB", FMT_NB_BERNOULLI},
    {"sklearn.naive_bayes.CategoricalNB", FMT_NB_CATEGORICAL},
};

/* A float64 array attribute of exactly `count` values (rows × cols when 2-D) into a fresh array
 * made with the builder's allocator. */
static int read_f64s(conv *c, const pk_obj *o, const char *name, uint64_t rows, uint64_t cols,
                     double **out)
{
    pk_array_info ai;
    int shaped = o && !pk_array_info_get(o, &ai) &&
                 (cols ? ai.ndim == 2 && ai.shape[0] == rows && ai.shape[1] == cols
                       : ai.ndim == 1 && ai.shape[0] == rows);
    if (!shaped)
        return fr_fail(c->e, FROST_EFORMAT, "%s: %s is not a %" PRIu64 "%s%.0" PRIu64 " array",
                       cv_short_name(c->cls), name, rows, cols ? " × " : "", cols);
    uint64_t n = rows * (cols ? cols : 1);
    *out = fr_malloc(c->wa, (size_t)(n ? n : 1) * sizeof **out);
    if (!*out)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    int rc = pk_array_get_f64(o, NULL, *out, (size_t)n, c->e);
    return rc ? fr_wrap(c->e, "%s: %s", cv_short_name(c->cls), name) : 0;
}

/* CategoricalNB.feature_log_prob_: a list of n_classes × n_categories arrays, one per feature. */
static int read_categorical(conv *c, fmt_bayes *nb)
{
    const pk_obj *flp = pk_attr(c->est, "feature_log_prob_");
    if (!flp || pk_kind_of(flp) != PK_LIST || pk_len(flp) != nb->n_features)
        return fr_fail(c->e, FROST_EFORMAT, "CategoricalNB: feature_log_prob_ is not a list of "
                       "%u arrays", nb->n_features);
    nb->n_categories = fr_calloc(c->wa, nb->n_features, sizeof *nb->n_categories);
    nb->cat_offset = fr_calloc(c->wa, nb->n_features, sizeof *nb->cat_offset);
    if (!nb->n_categories || !nb->cat_offset)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    uint64_t total = 0;
    for (uint32_t j = 0; j < nb->n_features; j++) {
        pk_array_info ai;
        const pk_obj *t = pk_item(flp, j);
        if (!t || pk_array_info_get(t, &ai) || ai.ndim != 2 || ai.shape[0] != nb->n_classes ||
            ai.shape[1] == 0 || ai.shape[1] > (1u << 24))
            return fr_fail(c->e, FROST_EFORMAT, "CategoricalNB: feature_log_prob_[%u] is not a "
                           "%u × n_categories array", j, nb->n_classes);
        nb->n_categories[j] = (uint32_t)ai.shape[1];
        nb->cat_offset[j] = total;
        total += (uint64_t)nb->n_classes * nb->n_categories[j];
        if (total > (UINT64_C(1) << 27)) /* 1 GiB of tables: the header's bound */
            return fr_fail(c->e, FROST_EUNSUPPORTED, "CategoricalNB: category tables too large");
    }
    nb->flp = fr_malloc(c->wa, (size_t)(total ? total : 1) * sizeof *nb->flp);
    if (!nb->flp)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    for (uint32_t j = 0; j < nb->n_features; j++)
        if (pk_array_get_f64(pk_item(flp, j), NULL, nb->flp + nb->cat_offset[j],
                             (size_t)nb->n_classes * nb->n_categories[j], c->e))
            return fr_wrap(c->e, "CategoricalNB: feature_log_prob_[%u]", j);
    return 0;
}

/* BernoulliNB.binarize: None, or the threshold (a float or an int). */
static int read_binarize(conv *c, fmt_bayes *nb)
{
    const pk_obj *b = pk_attr(c->est, "binarize");
    int64_t i;
    if (!b || pk_is_none(b))
        return 0;
    nb->flags |= FMT_NB_BINARIZE;
    if (!pk_get_double(b, &nb->threshold) && !isnan(nb->threshold))
        return 0;
    if (!pk_get_int(b, &i)) {
        nb->threshold = (double)i;
        return 0;
    }
    return fr_fail(c->e, FROST_EFORMAT, "BernoulliNB: binarize is neither None nor a number");
}

static int read_bayes(conv *c, fmt_bayes *nb)
{
    int rc;
    const pk_obj *o = c->est;
    if (nb->kind == FMT_NB_GAUSSIAN) {
        pk_array_info ai;
        const pk_obj *theta = pk_attr(o, "theta_");
        /* var_ since scikit-learn 1.0, sigma_ before */
        const pk_obj *var = pk_attr(o, "var_") ? pk_attr(o, "var_") : pk_attr(o, "sigma_");
        if (!theta || pk_array_info_get(theta, &ai) || ai.ndim != 2 || ai.shape[1] == 0 ||
            ai.shape[1] >= (1u << 24))
            return fr_fail(c->e, FROST_EFORMAT, "GaussianNB has no theta_ array (not fitted?)");
        nb->n_features = (uint32_t)ai.shape[1];
        if ((rc = read_f64s(c, theta, "theta_", nb->n_classes, nb->n_features, &nb->theta)) ||
            (rc = read_f64s(c, var, "var_", nb->n_classes, nb->n_features, &nb->var)))
            return rc;
        return read_f64s(c, pk_attr(o, "class_prior_"), "class_prior_", nb->n_classes, 0,
                         &nb->prior);
    }
    if ((rc = read_f64s(c, pk_attr(o, "class_log_prior_"), "class_log_prior_", nb->n_classes, 0,
                        &nb->prior)))
        return rc;
    if (nb->kind == FMT_NB_CATEGORICAL) {
        int64_t nf;
        if ((rc = cv_get_int(o, "n_features_in_", &nf, c->e)))
            return rc;
        if (nf < 1 || nf >= (1 << 24))
            return fr_fail(c->e, FROST_EFORMAT, "CategoricalNB: n_features_in_ %" PRId64, nf);
        nb->n_features = (uint32_t)nf;
        return read_categorical(c, nb);
    }
    pk_array_info ai;
    const pk_obj *flp = pk_attr(o, "feature_log_prob_");
    if (!flp || pk_array_info_get(flp, &ai) || ai.ndim != 2 || ai.shape[1] == 0 ||
        ai.shape[1] >= (1u << 24))
        return fr_fail(c->e, FROST_EFORMAT, "%s has no feature_log_prob_ array (not fitted?)",
                       cv_short_name(c->cls));
    nb->n_features = (uint32_t)ai.shape[1];
    if ((rc = read_f64s(c, flp, "feature_log_prob_", nb->n_classes, nb->n_features, &nb->flp)))
        return rc;
    return nb->kind == FMT_NB_BERNOULLI ? read_binarize(c, nb) : 0;
}

int cv_convert_bayes(conv *c, const frost_convert_options *o, int classifier)
{
    (void)classifier;
    int rc;
    c->task = FROST_TASK_CLASSIFIER;
    if ((rc = cv_read_classes(c)))
        return rc;
    if (c->n_outputs != 1)
        return fr_fail(c->e, FROST_EFORMAT, "%s: classes_ lists %u outputs",
                       cv_short_name(c->cls), c->n_outputs);
    fmt_bayes *nb = fr_calloc(c->wa, 1, sizeof *nb);
    if (!nb)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    nb->n_classes = c->n_classes[0];
    for (size_t i = 0; i < sizeof nb_classes / sizeof nb_classes[0]; i++)
        if (strcmp(c->cls, nb_classes[i].cls) == 0)
            nb->kind = nb_classes[i].kind;
    int64_t nf_in;
    fr_err scratch;
    if (!nb->kind)
        rc = fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: %s", c->cls);
    else if (!(rc = read_bayes(c, nb)) &&
             !cv_get_int(c->est, "n_features_in_", &nf_in, &scratch) && nf_in != nb->n_features)
        rc = fr_fail(c->e, FROST_EFORMAT, "%s: %u features in its tables, n_features_in_ %" PRId64,
                     cv_short_name(c->cls), nb->n_features, nf_in);
    if (rc) {
        fmt_bayes_free(c->wa, nb);
        return rc;
    }
    c->n_features = nb->n_features;
    if ((rc = wr_builder_new_bare(&o->write, &c->b)) || (rc = wr_builder_set_bayes(c->b, nb))) {
        fmt_bayes_free(c->wa, nb);
        return fr_fail(c->e, rc, "%s", c->b ? frost_builder_errmsg(c->b) : "out of memory");
    }
    return (rc = cv_give_program(c)) ? rc : cv_set_labels(c);
}
