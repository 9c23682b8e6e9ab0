/*
 * convert_mlp.c — MLPClassifier and MLPRegressor (sklearn/neural_network/_multilayer_perceptron.py):
 * coefs_, intercepts_, activation and out_activation_, as they are, into an MLP section
 * (FORMAT.md); a classifier's labels from its LabelBinarizer (binary, multi-class, or
 * multi-label: one 0/1 output per label, as predict's indicator matrix).
 */
#include <inttypes.h>
#include <string.h>

#include "convert_labels.h"
#include "convert_mlp.h"

/* Weights the section may hold: the header, which carries it, is at most 1 GiB (FORMAT.md
 * Limits); the rest of the header needs far less than the 64 MiB left over. */
#define MLP_MAX_WEIGHTS ((UINT64_C(1) << 27) - (UINT64_C(1) << 23))

/* ACTIVATIONS' names (sklearn/neural_network/_base.py) as FMT_ACT_*, 0 when unknown. */
static uint32_t activation_of(const pk_obj *name)
{
    static const char *const names[] = {"", "identity", "logistic", "tanh", "relu", "softmax"};
    for (uint32_t i = FMT_ACT_IDENTITY; name && i <= FMT_ACT_SOFTMAX; i++)
        if (pk_str_eq(name, names[i]))
            return i;
    return 0;
}

/* coefs_[i] (in × out) then intercepts_[i] (out) for every layer, checked to chain. */
static int read_layers(conv *c, fmt_mlp *m)
{
    const char *who = cv_short_name(c->cls);
    const pk_obj *coefs = pk_attr(c->est, "coefs_"), *icpts = pk_attr(c->est, "intercepts_");
    if (!coefs || !icpts || pk_kind_of(coefs) != PK_LIST || pk_kind_of(icpts) != PK_LIST ||
        pk_len(coefs) == 0 || pk_len(coefs) != pk_len(icpts))
        return fr_fail(c->e, FROST_EFORMAT, "%s has no coefs_ and intercepts_ lists of one "
                       "length (not fitted?)", who);
    if (pk_len(coefs) > FMT_MLP_MAX_LAYERS)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "%s: %zu layers (frost holds up to %u)", who,
                       pk_len(coefs), FMT_MLP_MAX_LAYERS);
    m->n_layers = (uint32_t)pk_len(coefs);
    m->widths = fr_calloc(c->wa, m->n_layers + 1, sizeof *m->widths);
    m->layer_at = fr_calloc(c->wa, m->n_layers, sizeof *m->layer_at);
    if (!m->widths || !m->layer_at)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->n_layers; i++) {
        pk_array_info ai, bi;
        if (pk_array_info_get(pk_item(coefs, i), &ai) || ai.ndim != 2 || ai.shape[0] == 0 ||
            ai.shape[1] == 0 || ai.shape[0] >= (1u << 24) || ai.shape[1] >= (1u << 24) ||
            (i && ai.shape[0] != m->widths[i]))
            return fr_fail(c->e, FROST_EFORMAT, "%s: coefs_[%u] is not a 2-D array taking the "
                           "previous layer's %u outputs", who, i, m->widths[i]);
        if (pk_array_info_get(pk_item(icpts, i), &bi) || bi.ndim != 1 || bi.shape[0] != ai.shape[1])
            return fr_fail(c->e, FROST_EFORMAT, "%s: intercepts_[%u] does not match coefs_[%u]",
                           who, i, i);
        m->widths[i] = (uint32_t)ai.shape[0];
        m->widths[i + 1] = (uint32_t)ai.shape[1];
        if (m->widths[i + 1] > m->max_width)
            m->max_width = m->widths[i + 1];
        if (m->widths[i] > m->max_width)
            m->max_width = m->widths[i];
        m->layer_at[i] = total;
        total += (uint64_t)m->widths[i] * m->widths[i + 1] + m->widths[i + 1];
        if (total > MLP_MAX_WEIGHTS)
            return fr_fail(c->e, FROST_EUNSUPPORTED, "%s: more than %" PRIu64 " weights (%" PRIu64
                           " MiB): beyond what a .frost header holds (1 GiB, FORMAT.md Limits)",
                           who, MLP_MAX_WEIGHTS, (total * 8) >> 20);
    }
    m->weights = fr_malloc(c->wa, (size_t)total * sizeof *m->weights);
    if (!m->weights)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < m->n_layers; i++) {
        double *w = m->weights + m->layer_at[i];
        size_t nw = (size_t)m->widths[i] * m->widths[i + 1];
        if (pk_array_get_f64(pk_item(coefs, i), NULL, w, nw, c->e))
            return fr_wrap(c->e, "%s: coefs_[%u]", who, i);
        if (pk_array_get_f64(pk_item(icpts, i), NULL, w + nw, m->widths[i + 1], c->e))
            return fr_wrap(c->e, "%s: intercepts_[%u]", who, i);
    }
    return 0;
}

/* The activations; a classifier's output as its binarizer saw y. */
static int read_activations(conv *c, fmt_mlp *m, int classifier)
{
    const char *who = cv_short_name(c->cls);
    const pk_obj *act = pk_attr(c->est, "activation"), *out = pk_attr(c->est, "out_activation_");
    m->activation = activation_of(act);
    m->output = activation_of(out);
    if (!m->activation || m->activation == FMT_ACT_SOFTMAX)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: %s with activation %s", who,
                       act && pk_str(act, NULL) ? pk_str(act, NULL) : "(not a name)");
    int ok = classifier ? m->output == FMT_ACT_LOGISTIC || m->output == FMT_ACT_SOFTMAX
                        : m->output == FMT_ACT_IDENTITY;
    if (!ok)
        return fr_fail(c->e, FROST_EFORMAT, "%s: out_activation_ %s", who,
                       out && pk_str(out, NULL) ? pk_str(out, NULL) : "(missing: not fitted?)");
    return 0;
}

/* A multi-label classifier predicts an indicator matrix: each label an output of classes 0, 1. */
static int multilabel_labels(conv *c, uint32_t n_labels)
{
    static const char *const zero_one[] = {"0", "1"};
    for (uint32_t k = 0; k < n_labels; k++) {
        int rc = frost_builder_set_classes(c->b, k, FROST_LABEL_INT, zero_one, 2);
        if (rc)
            return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    }
    return 0;
}

/* The classes the output layer stands for: a softmax unit per class (multi-class), one
 * logistic unit for two classes (binary), a logistic unit per label (multi-label). */
static int check_outputs(conv *c, const fmt_mlp *m, int *multilabel)
{
    const char *who = cv_short_name(c->cls);
    uint32_t n_out = m->widths[m->n_layers];
    const pk_obj *lb = pk_attr(c->est, "_label_binarizer");
    const pk_obj *yt = lb ? pk_attr(lb, "y_type_") : NULL;
    int rc = cv_read_classes(c);
    if (rc)
        return rc;
    if (c->n_outputs != 1)
        return fr_fail(c->e, FROST_EFORMAT, "%s: classes_ lists %u outputs", who, c->n_outputs);
    uint32_t n_classes = c->n_classes[0];
    *multilabel = yt && pk_str_eq(yt, "multilabel-indicator");
    if (*multilabel)
        return m->output == FMT_ACT_LOGISTIC && n_out == n_classes ? 0
               : fr_fail(c->e, FROST_EFORMAT, "%s: %u outputs for %u labels", who, n_out,
                         n_classes);
    if (n_classes < 2)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: %s fitted on one class",
                       who);
    if (m->output == FMT_ACT_SOFTMAX ? n_out != n_classes : n_out != 1 || n_classes != 2)
        return fr_fail(c->e, FROST_EFORMAT, "%s: %u %s outputs for %u classes", who, n_out,
                       m->output == FMT_ACT_SOFTMAX ? "softmax" : "logistic", n_classes);
    return 0;
}

int cv_convert_mlp(conv *c, const frost_convert_options *o, int classifier)
{
    int rc, multilabel = 0;
    c->task = classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR;
    fmt_mlp *m = fr_calloc(c->wa, 1, sizeof *m);
    if (!m)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    m->task = classifier ? FMT_TASK_CLASSIFIER : FMT_TASK_REGRESSOR;
    int64_t nf_in;
    fr_err scratch;
    if (!(rc = read_activations(c, m, classifier)) && !(rc = read_layers(c, m)) && classifier)
        rc = check_outputs(c, m, &multilabel);
    if (!rc && !cv_get_int(c->est, "n_features_in_", &nf_in, &scratch) && nf_in != m->widths[0])
        rc = fr_fail(c->e, FROST_EFORMAT, "%s: coefs_[0] takes %u features, n_features_in_ %"
                     PRId64, cv_short_name(c->cls), m->widths[0], nf_in);
    if (rc) {
        fmt_mlp_free(c->wa, m);
        return rc;
    }
    c->n_features = m->widths[0];
    uint32_t n_out = m->widths[m->n_layers];
    if ((rc = wr_builder_new_bare(&o->write, &c->b)) || (rc = wr_builder_set_mlp(c->b, m))) {
        fmt_mlp_free(c->wa, m);
        return fr_fail(c->e, rc, "%s", c->b ? frost_builder_errmsg(c->b) : "out of memory");
    }
    if ((rc = cv_give_program(c)) || !classifier)
        return rc;
    if (!multilabel)
        return cv_set_labels(c);
    return multilabel_labels(c, n_out);
}
