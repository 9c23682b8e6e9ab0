/*
 * convert_combine.c — VotingClassifier (soft and hard), VotingRegressor and OneVsRestClassifier
 * (sklearn/ensemble/_voting.py, sklearn/multiclass.py): a bare builder holds the combination
 * (FORMAT.md COMBINE) with its rule, weights and classes; each member — a tree or linear model,
 * or a Pipeline whose own preprocessing is compiled into the shared program — is converted into
 * it reading the columns its steps make.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_columns.h"
#include "convert_combine.h"
#include "convert_estimator.h"
#include "convert_labels.h"

int cv_is_combine(const char *cls)
{
    return cls && (strcmp(cls, "sklearn.ensemble._voting.VotingClassifier") == 0 ||
                   strcmp(cls, "sklearn.ensemble._voting.VotingRegressor") == 0 ||
                   strcmp(cls, "sklearn.multiclass.OneVsRestClassifier") == 0);
}

/* The weights of the members sklearn keeps (_BaseVoting._weights_not_none: the weights of the
 * estimators not 'drop' — None in versions before 0.24), in estimators_ order; 1.0 each without
 * weights (np.average without weights is the plain mean: the same numbers). */
static int voting_weights(comp *k, const pk_obj *o, size_t n_members, double *w, const char *path)
{
    const pk_obj *weights = pk_attr(o, "weights");
    const pk_obj *list = pk_attr(o, "estimators");
    for (size_t i = 0; i < n_members; i++)
        w[i] = 1.0;
    if (!weights || pk_is_none(weights))
        return 0;
    size_t n = list ? pk_len(list) : 0;
    pk_array_info ai;
    int is_array = !pk_array_info_get(weights, &ai);
    if ((is_array ? ai.count : pk_len(weights)) != n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: %zu weights for %zu estimators", path,
                       is_array ? (size_t)ai.count : pk_len(weights), n);
    double *all = calloc(n ? n : 1, sizeof *all);
    if (!all)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    int rc = is_array ? pk_array_get_f64(weights, NULL, all, n, k->e) : 0;
    for (size_t i = 0; !rc && !is_array && i < n; i++)
        if (pk_get_double(pk_item(weights, i), &all[i]))
            rc = fr_fail(k->e, FROST_EFORMAT, "%s: weights[%zu] is not a number", path, i);
    size_t m = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const pk_obj *est = pk_item(pk_item(list, i), 1);
        if (!est || pk_is_none(est) || pk_str_eq(est, "drop"))
            continue;
        if (m == n_members) {
            rc = fr_fail(k->e, FROST_EFORMAT, "%s: more estimators than estimators_", path);
            break;
        }
        if (!isfinite(all[i]) || all[i] < 0)
            rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported: the weight %g (weights "
                         "must be finite and not negative)", path, all[i]);
        w[m++] = all[i];
    }
    if (!rc && m != n_members)
        rc = fr_fail(k->e, FROST_EFORMAT, "%s: %zu estimators kept, %zu fitted", path, m,
                     n_members);
    free(all);
    return rc;
}

/* The name of fitted member i: the i-th estimator sklearn kept ('drop' / None skipped). */
static void member_name(const pk_obj *o, size_t i, char *buf, size_t cap)
{
    const pk_obj *list = pk_attr(o, "estimators");
    size_t m = 0;
    for (size_t j = 0; list && j < pk_len(list); j++) {
        const pk_obj *ent = pk_item(list, j);
        const pk_obj *est = pk_item(ent, 1);
        if (!est || pk_is_none(est) || pk_str_eq(est, "drop"))
            continue;
        if (m++ == i) {
            const char *name = pk_str(pk_item(ent, 0), NULL);
            snprintf(buf, cap, "%s", name ? name : "?");
            return;
        }
    }
    snprintf(buf, cap, "estimators_[%zu]", i);
}

/* One member: its own preprocessing (a Pipeline's steps before its estimator) compiled into
 * the program over the combination's input columns, then its estimator added to c->b reading
 * the columns those steps make. The columns are appended to `all` (what the members read). */
static int combine_member(comp *k, const pk_obj *est, const cols *in, const char *path,
                          const frost_convert_options *o, conv_member *cm, cols *all)
{
    cols mine = {0};
    int rc = 0;
    const pk_obj *final = cv_unwrap_search(est);
    char final_path[1400];
    snprintf(final_path, sizeof final_path, "%s", path);
    if (pk_is_class(est, "sklearn.pipeline.Pipeline")) {
        const pk_obj *steps = pk_attr(est, "steps");
        size_t n = pk_len(steps);
        if (n == 0)
            return fr_fail(k->e, FROST_EFORMAT, "%s: an empty pipeline", path);
        const char *step = pk_str(pk_item(pk_item(steps, n - 1), 0), NULL);
        snprintf(final_path, sizeof final_path, "%s/%s", path, step ? step : "?");
        final = cv_unwrap_search(pk_item(pk_item(steps, n - 1), 1));
        rc = cv_pipeline_steps(k, est, n - 1, in, &mine, path);
    } else {
        rc = cv_cols_append(&mine, in) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    }
    const char *fcls = pk_class_name(final);
    if (!rc && !cv_is_estimator(fcls))
        rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet as a member: %s",
                     final_path, fcls ? fcls : pk_kind_name(pk_kind_of(final)));
    /* OneVsRestClassifier also takes regressors (sklearn/multiclass.py _predict_binary:
     * their predict is the score); frost does not */
    int want_clf = !pk_is_class(k->cv->est_combine, "sklearn.ensemble._voting.VotingRegressor");
    if (!rc && cv_is_classifier(fcls) != want_clf)
        rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported: a %s as a member of a %s",
                     final_path, want_clf ? "regressor" : "classifier",
                     cv_short_name(pk_class_name(k->cv->est_combine)));
    for (uint32_t j = 0; j < mine.n && !rc; j++)
        rc = cv_want_kind(k, mine.slot[j], FMT_SLOT_NUM, final_path);
    if (!rc && cm->score != FMT_SCORE_NONE)
        cm->score = cv_has_decision_function(fcls) ? FMT_SCORE_DECISION : FMT_SCORE_PROBA;
    if (!rc) {
        cm->slots = mine.slot;
        cm->n_in = mine.n;
        cv_mark_read(k, mine.slot, mine.n);
        const char *outer = k->cv->path;
        k->cv->path = final_path; /* its estimator's checks name it */
        rc = cv_member(k->cv, final, o, cm);
        k->cv->path = outer;
        if (rc)
            fr_wrap(k->e, "%s", final_path);
    }
    char nm[8400];
    const char *base = strrchr(path, '/');
    for (uint32_t j = 0; j < mine.n && !rc; j++) {
        snprintf(nm, sizeof nm, "%s__%s", base ? base + 1 : path, mine.name[j]);
        rc = cv_cols_push(all, mine.slot[j], nm) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    }
    cv_cols_free(&mine);
    return rc;
}

/* A VotingClassifier / VotingRegressor / OneVsRestClassifier whose input columns are `in`:
 * a bare builder holding the combination, its members converted into it. `all` receives the
 * columns the members read. */
static int combine(comp *k, const pk_obj *o, const cols *in, const char *path,
                   const frost_convert_options *o_, cols *all)
{
    conv *c = k->cv;
    const char *cls = pk_class_name(o);
    c->est_combine = o;
    const pk_obj *ests = pk_attr(o, "estimators_");
    if (!ests || (pk_kind_of(ests) != PK_LIST && pk_kind_of(ests) != PK_TUPLE) || !pk_len(ests))
        return fr_fail(k->e, FROST_EFORMAT, "%s: no fitted estimators_ (not fitted?)", path);
    size_t n = pk_len(ests);
    uint32_t rule, task = FROST_TASK_CLASSIFIER, n_classes = 0;
    const pk_obj *classes = NULL;
    if (strcmp(cls, "sklearn.ensemble._voting.VotingRegressor") == 0) {
        rule = FMT_COMB_MEAN;
        task = FROST_TASK_REGRESSOR;
    } else if (strcmp(cls, "sklearn.multiclass.OneVsRestClassifier") == 0) {
        rule = FMT_COMB_OVR;
        /* multilabel_ is label_binarizer_.y_type_.startswith('multilabel') */
        const pk_obj *lb = pk_attr(o, "label_binarizer_");
        const pk_obj *yt = lb ? pk_attr(lb, "y_type_") : NULL;
        const char *y_type = yt ? pk_str(yt, NULL) : NULL;
        if (!y_type)
            return fr_fail(k->e, FROST_EFORMAT, "%s: no label_binarizer_.y_type_", path);
        if (strcmp(y_type, "multiclass") != 0 && strcmp(y_type, "binary") != 0)
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: a %s "
                           "OneVsRestClassifier", path, y_type);
        classes = pk_attr(lb, "classes_");
    } else {
        const pk_obj *voting = pk_attr(o, "voting");
        rule = voting && pk_str_eq(voting, "soft") ? FMT_COMB_SOFT_VOTE : FMT_COMB_HARD_VOTE;
        if (!voting || (!pk_str_eq(voting, "soft") && !pk_str_eq(voting, "hard")))
            return fr_fail(k->e, FROST_EFORMAT, "%s: voting is neither 'soft' nor 'hard'", path);
        classes = pk_attr(o, "classes_");
        if (!classes && pk_attr(o, "le_"))
            classes = pk_attr(pk_attr(o, "le_"), "classes_");
    }
    if (task == FROST_TASK_CLASSIFIER) {
        pk_array_info ai;
        if (!classes || pk_array_info_get(classes, &ai) || ai.ndim != 1 || ai.count > (1u << 20))
            return fr_fail(k->e, FROST_EFORMAT, "%s: no classes_ array", path);
        if (ai.count < 2)
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported: a classifier fitted "
                           "on %u class", path, (unsigned)ai.count);
        n_classes = (uint32_t)ai.count;
        /* two classes: one estimator on the positive column (sklearn/multiclass.py fit) */
        if (rule == FMT_COMB_OVR && n != (n_classes == 2 ? 1 : n_classes))
            return fr_fail(k->e, FROST_EFORMAT, "%s: %zu estimators for %u classes", path, n,
                           n_classes);
    }
    double *w = calloc(n, sizeof *w);
    if (!w)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    int rc = rule == FMT_COMB_OVR ? 0 : voting_weights(k, o, n, w, path);
    for (size_t i = 0; rule == FMT_COMB_OVR && i < n; i++)
        w[i] = 1.0;
    if (!rc && (rc = wr_builder_new_bare(&o_->write, &c->b)))
        rc = fr_fail(k->e, rc, "out of memory");
    if (!rc && (rc = wr_builder_set_combine(c->b, task, rule, n_classes, k->n_inputs)))
        rc = fr_fail(k->e, rc, "%s: %s", path, frost_builder_errmsg(c->b));
    for (size_t i = 0; i < n && !rc; i++) {
        const pk_obj *est = pk_item(ests, i);
        char name[256], sub[900];
        if (rule == FMT_COMB_OVR)
            snprintf(name, sizeof name, "estimators_[%zu]", i);
        else
            member_name(o, i, name, sizeof name);
        snprintf(sub, sizeof sub, "%s/%s", path, name);
        if (pk_is_class(est, "sklearn.multiclass._ConstantPredictor")) {
            rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported: a class present in every "
                         "or no training row (_ConstantPredictor)", sub);
            break;
        }
        conv_member cm = {.weight = w[i], .n_classes = rule == FMT_COMB_OVR ? 2 : n_classes,
                          .score = rule == FMT_COMB_OVR ? FMT_SCORE_PROBA : FMT_SCORE_NONE};
        rc = combine_member(k, est, in, sub, o_, &cm, all);
    }
    free(w);
    if (!rc && task == FROST_TASK_CLASSIFIER && (rc = cv_combine_labels(c, o)))
        fr_wrap(k->e, "%s", path);
    return rc;
}

/* The end of a pipeline that is a combination: its members are compiled and converted, then
 * the program gets its outputs — the combination's input columns (what `frost transform`
 * writes, as pipe[:-1].transform does) when they are numbers, else the columns its members
 * read — and goes into the builder unless it does nothing at all. */
int cv_combine_program(comp *k, const pk_obj *final, const cols *in, const cols *out,
                       const char *path, const frost_convert_options *o)
{
    conv *c = k->cv;
    cols all = {0};
    int rc = combine(k, final, out, path, o, &all);
    /* the combination's own input columns, when each is a number something reads (a raw input
     * no operation typed is passed through as one) — not a column every member drops, which
     * is unused and no output may name */
    const cols *shown = out;
    for (uint32_t i = 0; !rc && i < out->n; i++) {
        uint32_t s = out->slot[i];
        if (s < in->n ? !k->input_read[s] || (k->input_kind[s] != CV_KIND_UNSET &&
                                              k->input_kind[s] != FMT_SLOT_NUM)
                      : k->p->slot_kind[s] != FMT_SLOT_NUM)
            shown = &all;
    }
    if (!rc)
        cv_finish_kinds(k, shown);
    if (!rc)
        rc = fmt_program_set_outputs(k->p, shown->slot, shown->n,
                                     (const char *const *)shown->name, c->e);
    /* no operations and the inputs themselves as outputs: members read input columns */
    int identity = !rc && k->p->n_ops == 0 && shown->n == in->n;
    for (uint32_t i = 0; identity && i < shown->n; i++)
        identity = shown->slot[i] == i;
    if (!rc && !identity) {
        if ((rc = wr_builder_set_program(c->b, k->p)))
            rc = fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        else
            k->p = NULL;
    }
    cv_cols_free(&all);
    return rc;
}
