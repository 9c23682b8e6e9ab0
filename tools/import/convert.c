/*
 * convert.c — frost_convert: a scikit-learn object graph (decoded by the safe pickle reader,
 * never executed) into a .frost file through the builder.
 *
 * Supported: DecisionTree/ExtraTree classifiers and regressors, RandomForest/ExtraTrees
 * classifiers and regressors (multi-output included), GradientBoosting classifiers (binary and
 * multi-class, log-loss) and regressors (squared error, absolute error, huber, quantile).
 * The semantics follow the scikit-learn sources cited beside each rule; where they changed
 * between versions, the class of the pickled loss object tells which version saved the file.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "import/convert.h"
#include "import/joblib.h"
#include "import/source.h"
#include "outfile.h"

#define SK_TREE "sklearn.tree._classes."
#define SK_FOREST "sklearn.ensemble._forest."
#define SK_GB "sklearn.ensemble._gb."

FROST_API void frost_convert_options_init(frost_convert_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    frost_write_options_init(&o->write);
}

/* The sklearn version that saved the estimator, as (major, minor, patch); (0, 0, 0) when the
 * file does not say (files from before 0.18 carry no _sklearn_version). */
void cv_sklearn_version(const pk_obj *est, int v[3])
{
    v[0] = v[1] = v[2] = 0;
    const pk_obj *ver = pk_attr(est, "_sklearn_version");
    const char *s = ver ? pk_str(ver, NULL) : NULL;
    if (s)
        sscanf(s, "%d.%d.%d", &v[0], &v[1], &v[2]);
}

int cv_version_at_least(const pk_obj *o, int major, int minor)
{
    int v[3];
    cv_sklearn_version(o, v);
    return v[0] > major || (v[0] == major && v[1] >= minor);
}

int cv_add_check(conv *c, const pk_obj *o, uint32_t rule, const uint32_t *slots, uint32_t n,
                 const char *path)
{
    if (!n)
        return 0;
    cv_checks *k = c->checks;
    char who[1200];
    const char *cls = cv_short_name(pk_class_name(o) ? pk_class_name(o) : "?");
    if (path && *path)
        snprintf(who, sizeof who, "%s (%s)", path, cls);
    else
        snprintf(who, sizeof who, "%s", cls);
    return fmt_check_append(&k->v, &k->n, rule, slots, n, who)
               ? fr_fail(c->e, FROST_ENOMEM, "out of memory") : 0;
}

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

static int trees_take_nan(const pk_obj *est, const char *cls, int classifier)
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

const char *cv_short_name(const char *cls)
{
    const char *dot = strrchr(cls, '.');
    return dot ? dot + 1 : cls;
}

static int get_int(const pk_obj *o, const char *name, int64_t *out, fr_err *e)
{
    const pk_obj *v = pk_attr(o, name);
    if (!v)
        return fr_fail(e, FROST_EFORMAT, "%s has no attribute %s", cv_short_name(pk_class_name(o)),
                       name);
    if (pk_get_int(v, out))
        return fr_fail(e, FROST_EFORMAT, "%s.%s is a %s, not an integer",
                       cv_short_name(pk_class_name(o)), name, pk_kind_name(pk_kind_of(v)));
    return 0;
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

static void tree_buf_free(tree_buf *t)
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

/* Reads est.tree_ (sklearn/tree/_tree.pyx Tree.__reduce__: (Tree, (n_features, n_classes,
 * n_outputs), {max_depth, node_count, nodes, values})) into c->tb and adds it to the builder. */
static int add_tree(conv *c, const pk_obj *est, uint32_t raw_column, const char *where)
{
    fr_err *e = c->e;
    const pk_obj *tree = pk_attr(est, "tree_");
    if (!tree || !pk_is_class(tree, "sklearn.tree._tree.Tree"))
        return fr_fail(e, FROST_EFORMAT, "%s: no sklearn.tree._tree.Tree in tree_", where);
    const pk_obj *nodes = pk_attr(tree, "nodes");
    const pk_obj *values = pk_attr(tree, "values");
    pk_array_info ni, vi;
    if (!nodes || !values || pk_array_info_get(nodes, &ni) || pk_array_info_get(values, &vi))
        return fr_fail(e, FROST_EFORMAT, "%s: Tree state lacks its nodes/values arrays", where);
    int64_t node_count = 0;
    if (get_int(tree, "node_count", &node_count, e))
        return fr_wrap(e, "%s", where);
    if (node_count <= 0 || (uint64_t)node_count != ni.count || ni.ndim != 1)
        return fr_fail(e, FROST_EFORMAT, "%s: node_count %" PRId64 " but %" PRIu64 " node records",
                       where, node_count, ni.count);
    /* values: (node_count, n_outputs, max_n_classes) */
    if (vi.ndim != 3 || vi.shape[0] != (uint64_t)node_count || vi.shape[1] != c->n_outputs ||
        vi.shape[2] == 0)
        return fr_fail(e, FROST_EFORMAT, "%s: values array has the wrong shape", where);
    uint64_t maxc = vi.shape[2];
    uint64_t n = (uint64_t)node_count;
    tree_buf *t = &c->tb;
    if (n > t->cap) {
        if (grow((void **)&t->left, n, 8) || grow((void **)&t->right, n, 8) ||
            grow((void **)&t->feature, n, 8) || grow((void **)&t->mgl_i64, n, 8) ||
            grow((void **)&t->threshold, n, 8) || grow((void **)&t->mgl, n, 1))
            return fr_fail(e, FROST_ENOMEM, "out of memory for a tree of %" PRIu64 " nodes", n);
        t->cap = n;
    }
    if (vi.count > t->full_cap) {
        if (grow((void **)&t->full, vi.count, 8))
            return fr_fail(e, FROST_ENOMEM, "out of memory for tree values");
        t->full_cap = vi.count;
    }
    if (n * c->width > t->value_cap) {
        if (grow((void **)&t->value, n * c->width, 8))
            return fr_fail(e, FROST_ENOMEM, "out of memory for tree values");
        t->value_cap = n * c->width;
    }
    int rc;
    if ((rc = pk_array_get_i64(nodes, "left_child", t->left, n, e)) ||
        (rc = pk_array_get_i64(nodes, "right_child", t->right, n, e)) ||
        (rc = pk_array_get_i64(nodes, "feature", t->feature, n, e)) ||
        (rc = pk_array_get_f64(nodes, "threshold", t->threshold, n, e)) ||
        (rc = pk_array_get_f64(values, NULL, t->full, vi.count, e)))
        return fr_wrap(e, "%s", where);
    /* missing_go_to_left appeared in sklearn 1.3; before it NaN was rejected at input and
     * comparisons sent it right */
    const uint8_t *mgl = NULL;
    if (pk_array_has_field(nodes, "missing_go_to_left")) {
        if ((rc = pk_array_get_i64(nodes, "missing_go_to_left", t->mgl_i64, n, e)))
            return fr_wrap(e, "%s", where);
        for (uint64_t i = 0; i < n; i++)
            t->mgl[i] = t->mgl_i64[i] != 0;
        mgl = t->mgl;
    }
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
    };
    if ((rc = frost_builder_add_tree(c->b, &a)))
        return fr_fail(e, rc, "%s: %s", where, frost_builder_errmsg(c->b));
    return 0;
}

/* Shortest %.{15,16,17}g that reads back to v (Python prints floats the same way). */
static void format_float(double v, char *buf, size_t cap)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void cv_format_pyfloat(double v, char *buf, size_t cap)
{
    if (isnan(v)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, v > 0 ? "inf" : "-inf");
        return;
    }
    format_float(v, buf, cap);
    /* Python writes 1e+16 as 1e+16 and 1.0 as 1.0: a plain integer gets ".0" */
    if (!strpbrk(buf, ".e") && strlen(buf) + 3 <= cap)
        strcat(buf, ".0");
}

/* Formats one label of an object array (Python ints, floats, bools, strs, numpy scalars). */
static int object_label(const pk_obj *item, uint32_t i, frost_label_kind *kind, char *buf,
                        size_t cap, fr_err *e)
{
    int64_t iv;
    double dv;
    const char *str;
    size_t len;
    switch (pk_kind_of(item)) {
    case PK_BOOL:
        pk_get_int(item, &iv);
        snprintf(buf, cap, "%s", iv ? "True" : "False");
        *kind = FROST_LABEL_BOOL;
        return 0;
    case PK_INT:
        pk_get_int(item, &iv);
        snprintf(buf, cap, "%" PRId64, iv);
        *kind = FROST_LABEL_INT;
        return 0;
    case PK_FLOAT:
        pk_get_double(item, &dv);
        format_float(dv, buf, cap);
        *kind = FROST_LABEL_FLOAT;
        return 0;
    case PK_SCALAR:
        if (!pk_get_int(item, &iv)) {
            snprintf(buf, cap, "%" PRId64, iv);
            *kind = FROST_LABEL_INT;
            return 0;
        }
        if (!pk_get_double(item, &dv)) {
            format_float(dv, buf, cap);
            *kind = FROST_LABEL_FLOAT;
            return 0;
        }
        /* numpy.str_ / numpy.bytes_ labels (an object array of numpy strings) */
        if (!pk_array_get_str(item, 0, buf, cap, &len, e)) {
            if (memchr(buf, 0, len))
                return fr_fail(e, FROST_EUNSUPPORTED, "class label %u contains a NUL byte", i);
            *kind = FROST_LABEL_STR;
            return 0;
        }
        break;
    case PK_STR:
        str = pk_str(item, &len);
        if (len >= cap || memchr(str, 0, len))
            return fr_fail(e, FROST_EUNSUPPORTED, "class label %u is too long or holds a NUL", i);
        memcpy(buf, str, len + 1);
        *kind = FROST_LABEL_STR;
        return 0;
    default:
        break;
    }
    return fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: a class label of type %s",
                   pk_kind_name(pk_kind_of(item)));
}

/* One output's class labels, as text in class order, and their kind. */
static int read_labels(const pk_obj *arr, uint32_t count, frost_label_kind *kind, char ***out,
                       fr_err *e)
{
    pk_array_info ai;
    if (pk_array_info_get(arr, &ai) || ai.ndim != 1 || ai.count != count)
        return fr_fail(e, FROST_EFORMAT, "classes_ is not a 1-D array of %u labels", count);
    char **labels = calloc(count, sizeof *labels);
    int64_t *ints = NULL;
    double *reals = NULL;
    int rc = 0;
    if (!labels)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    if (ai.kind == 'b' || ai.kind == 'i' || ai.kind == 'u') {
        ints = malloc(count * sizeof *ints);
        rc = ints ? pk_array_get_i64(arr, NULL, ints, count, e) : FROST_ENOMEM;
        *kind = ai.kind == 'b' ? FROST_LABEL_BOOL : FROST_LABEL_INT;
    } else if (ai.kind == 'f') {
        reals = malloc(count * sizeof *reals);
        rc = reals ? pk_array_get_f64(arr, NULL, reals, count, e) : FROST_ENOMEM;
        *kind = FROST_LABEL_FLOAT;
    } else if (ai.kind == 'U' || ai.kind == 'S') {
        *kind = FROST_LABEL_STR;
    } else if (ai.kind != 'O') {
        rc = fr_fail(e, FROST_EUNSUPPORTED, "not supported yet: class labels of dtype kind '%c'",
                     ai.kind);
    }
    char buf[4096];
    for (uint32_t i = 0; i < count && !rc; i++) {
        size_t len;
        if (ints && ai.kind == 'b')
            snprintf(buf, sizeof buf, "%s", ints[i] ? "True" : "False");
        else if (ints)
            snprintf(buf, sizeof buf, "%" PRId64, ints[i]);
        else if (reals)
            format_float(reals[i], buf, sizeof buf);
        else if (ai.kind == 'O')
            rc = object_label(pk_array_item(arr, i), i, kind, buf, sizeof buf, e);
        else if (!(rc = pk_array_get_str(arr, i, buf, sizeof buf, &len, e)) && memchr(buf, 0, len))
            rc = fr_fail(e, FROST_EUNSUPPORTED, "class label %u contains a NUL byte", i);
        if (!rc && !(labels[i] = strdup(buf)))
            rc = fr_fail(e, FROST_ENOMEM, "out of memory");
    }
    free(ints);
    free(reals);
    if (rc) {
        for (uint32_t i = 0; i < count; i++)
            free(labels[i]);
        free(labels);
        return rc;
    }
    *out = labels;
    return 0;
}

static void free_labels(char **labels, uint32_t count)
{
    if (!labels)
        return;
    for (uint32_t i = 0; i < count; i++)
        free(labels[i]);
    free(labels);
}

/* n_features_in_ (>= 0.24), n_features_ (older), or the first tree's own count. */
static int read_n_features(conv *c, const pk_obj *first_tree_est)
{
    int64_t nf = 0;
    fr_err scratch;
    if (get_int(c->est, "n_features_in_", &nf, &scratch) &&
        get_int(c->est, "n_features_", &nf, &scratch)) {
        const pk_obj *tree = first_tree_est ? pk_attr(first_tree_est, "tree_") : NULL;
        const pk_obj *args = tree ? pk_obj_args(tree) : NULL;
        if (!args || pk_get_int(pk_item(args, 0), &nf))
            return fr_fail(c->e, FROST_EFORMAT, "%s: cannot tell how many features it takes",
                           cv_short_name(c->cls));
    }
    if (nf <= 0 || nf > 0xFFFFFF)
        return fr_fail(c->e, FROST_EFORMAT, "%s: %" PRId64 " features is out of range",
                       cv_short_name(c->cls), nf);
    c->n_features = (uint32_t)nf;
    return 0;
}

/* Classes: classes_ is an array (one output) or a list of arrays; n_classes_ likewise. */
/* classes_ (RidgeClassifier keeps it in _label_binarizer, behind a property) */
/* (OneVsRestClassifier before 0.24 and VotingClassifier keep them in label_binarizer_ / le_) */
static const pk_obj *classes_of(const pk_obj *est)
{
    const pk_obj *classes = pk_attr(est, "classes_");
    static const char *const holders[] = {"_label_binarizer", "label_binarizer_", "le_"};
    for (size_t i = 0; !classes && i < sizeof holders / sizeof holders[0]; i++) {
        const pk_obj *lb = pk_attr(est, holders[i]);
        classes = lb ? pk_attr(lb, "classes_") : NULL;
    }
    return classes;
}

static int read_classes(conv *c)
{
    const pk_obj *classes = classes_of(c->est);
    if (!classes)
        return fr_fail(c->e, FROST_EFORMAT, "%s has no classes_", cv_short_name(c->cls));
    int multi = pk_kind_of(classes) == PK_LIST;
    c->n_outputs = multi ? (uint32_t)pk_len(classes) : 1;
    if (c->n_outputs == 0 || c->n_outputs > 65536)
        return fr_fail(c->e, FROST_EFORMAT, "classes_ lists %u outputs", c->n_outputs);
    c->n_classes = calloc(c->n_outputs, sizeof *c->n_classes);
    if (!c->n_classes)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    c->width = 0;
    for (uint32_t k = 0; k < c->n_outputs; k++) {
        const pk_obj *arr = multi ? pk_item(classes, k) : classes;
        pk_array_info ai;
        if (pk_array_info_get(arr, &ai) || ai.ndim != 1 || ai.count == 0 || ai.count > (1u << 20))
            return fr_fail(c->e, FROST_EFORMAT, "classes_ of output %u is not a label array", k);
        c->n_classes[k] = (uint32_t)ai.count;
        c->width += (uint32_t)ai.count;
    }
    return 0;
}

/* A member of a combination was fitted on label-encoded targets (VotingClassifier: le_.transform(y);
 * OneVsRestClassifier: one 0/1 column of label_binarizer_): its classes_ must be 0..n-1, so its
 * class index is the combination's encoded label. */
static int check_member_labels(conv *c)
{
    char **labels = NULL;
    frost_label_kind kind;
    if (c->n_outputs != 1 || c->n_classes[0] != c->member->n_classes)
        return fr_fail(c->e, FROST_EFORMAT, "%s has %u classes, the combination %u",
                       cv_short_name(c->cls), c->n_classes[0], c->member->n_classes);
    int rc = read_labels(classes_of(c->est), c->n_classes[0], &kind, &labels, c->e);
    if (rc)
        return fr_wrap(c->e, "classes_");
    for (uint32_t i = 0; i < c->n_classes[0] && !rc; i++) {
        char want[16];
        snprintf(want, sizeof want, "%u", i);
        if (kind != FROST_LABEL_INT || strcmp(labels[i], want) != 0)
            rc = fr_fail(c->e, FROST_EFORMAT, "%s: classes_[%u] is '%s', not the encoded label %u",
                         cv_short_name(c->cls), i, labels[i], i);
    }
    free_labels(labels, c->n_classes[0]);
    return rc;
}

static int set_labels(conv *c)
{
    if (c->member)
        return check_member_labels(c);
    const pk_obj *classes = classes_of(c->est);
    int multi = pk_kind_of(classes) == PK_LIST;
    for (uint32_t k = 0; k < c->n_outputs; k++) {
        char **labels = NULL;
        frost_label_kind kind;
        int rc = read_labels(multi ? pk_item(classes, k) : classes, c->n_classes[k], &kind,
                             &labels, c->e);
        if (rc)
            return fr_wrap(c->e, "classes_");
        rc = frost_builder_set_classes(c->b, k, kind, (const char *const *)labels,
                                       c->n_classes[k]);
        free_labels(labels, c->n_classes[k]);
        if (rc)
            return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    }
    return 0;
}

static int set_feature_names(conv *c)
{
    if (c->input_names) {
        int rc = frost_builder_set_feature_names(c->b, (const char *const *)c->input_names);
        return rc ? fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b)) : 0;
    }
    if (c->n_inputs)
        return 0; /* a pipeline over positional columns */
    const pk_obj *names = pk_attr(c->est, "feature_names_in_");
    if (!names || pk_is_none(names))
        return 0;
    pk_array_info ai;
    if (pk_array_info_get(names, &ai) || ai.ndim != 1 || ai.count != c->n_features)
        return fr_fail(c->e, FROST_EFORMAT, "feature_names_in_ does not hold %u names",
                       c->n_features);
    char **copy = calloc(c->n_features, sizeof *copy);
    if (!copy)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    int rc = 0;
    char buf[4096];
    for (uint32_t i = 0; i < c->n_features && !rc; i++) {
        size_t len;
        rc = pk_array_get_str(names, i, buf, sizeof buf, &len, c->e);
        if (!rc && memchr(buf, 0, len))
            rc = fr_fail(c->e, FROST_EUNSUPPORTED, "feature name %u contains a NUL byte", i);
        if (!rc && !(copy[i] = strdup(buf)))
            rc = fr_fail(c->e, FROST_ENOMEM, "out of memory");
    }
    if (!rc && (rc = frost_builder_set_feature_names(c->b, (const char *const *)copy)))
        fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    free_labels(copy, c->n_features);
    return rc ? fr_wrap(c->e, "feature_names_in_") : 0;
}

/* The builder for a tree ensemble; a compiled program, if any, goes in with it. */
static int new_builder(conv *c, const frost_model_spec *spec, const frost_convert_options *o)
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

/* ---- the estimator families ------------------------------------------------------------------ */

/* What a tree or forest predicts: class labels per output (classifiers) or n_outputs_ values. */
static int read_outputs(conv *c, int classifier)
{
    if (classifier)
        return read_classes(c);
    int64_t n_outputs = 1;
    int rc;
    if (pk_attr(c->est, "n_outputs_") && (rc = get_int(c->est, "n_outputs_", &n_outputs, c->e)))
        return rc;
    if (n_outputs <= 0 || n_outputs > 65536)
        return fr_fail(c->e, FROST_EFORMAT, "n_outputs_ %" PRId64 " out of range", n_outputs);
    c->n_outputs = (uint32_t)n_outputs;
    c->width = c->n_outputs;
    return 0;
}

static int convert_single_tree(conv *c, const frost_convert_options *o, int classifier)
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
    if ((rc = new_builder(c, &spec, o)))
        return rc;
    if ((rc = add_tree(c, c->est, 0, "tree_")))
        return rc;
    return classifier ? set_labels(c) : 0;
}

static int convert_forest(conv *c, const frost_convert_options *o, int classifier)
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
    if ((rc = new_builder(c, &spec, o)))
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
    return classifier ? set_labels(c) : 0;
}

/* The raw score every row starts from: init_.predict (regressors) or the link of
 * init_.predict_proba clipped to [eps, 1 - eps] (classifiers), with eps = float32's epsilon
 * (sklearn/ensemble/_gb_losses.py get_init_raw_predictions up to 1.3; _gb.py
 * _init_raw_predictions from 1.4, whose multinomial link is the symmetric one,
 * log(p / gmean(p))). 'zero' starts from 0. */
static int gb_init_raw(conv *c, int new_loss, uint32_t n_raw, double *raw)
{
    const pk_obj *init = pk_attr(c->est, "init_");
    for (uint32_t k = 0; k < n_raw; k++)
        raw[k] = 0.0;
    if (!init || pk_str_eq(init, "zero"))
        return 0;
    const char *icls = pk_class_name(init);
    /* before 0.21 (sklearn/ensemble/gradient_boosting.py): the init estimators' predict() is
     * the raw score itself — LogOddsEstimator fills `prior` (already a log-odds),
     * PriorProbabilityEstimator the class `priors` (probabilities, used as raw scores),
     * MeanEstimator `mean`, QuantileEstimator `quantile`, ZeroEstimator zeros */
    static const struct {
        const char *cls;
        const char *attr;
    } old_inits[] = {
        {"sklearn.ensemble.gradient_boosting.LogOddsEstimator", "prior"},
        {"sklearn.ensemble.gradient_boosting.PriorProbabilityEstimator", "priors"},
        {"sklearn.ensemble.gradient_boosting.MeanEstimator", "mean"},
        {"sklearn.ensemble.gradient_boosting.QuantileEstimator", "quantile"},
        {"sklearn.ensemble.gradient_boosting.ZeroEstimator", NULL},
    };
    for (size_t i = 0; icls && i < sizeof old_inits / sizeof old_inits[0]; i++) {
        if (strcmp(icls, old_inits[i].cls) != 0)
            continue;
        if (!old_inits[i].attr)
            return 0;
        const pk_obj *v = pk_attr(init, old_inits[i].attr);
        pk_array_info ai;
        if (v && !pk_array_info_get(v, &ai) && ai.count == n_raw)
            return pk_array_get_f64(v, NULL, raw, n_raw, c->e) ? fr_wrap(c->e, "init_") : 0;
        if (v && n_raw == 1 && !pk_get_double(v, &raw[0]))
            return 0;
        return fr_fail(c->e, FROST_EFORMAT, "init_ (%s) has no usable %s", cv_short_name(icls),
                       old_inits[i].attr);
    }
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
    /* DummyClassifier.predict_proba (sklearn/dummy.py): prior → class_prior_; most_frequent →
     * one-hot of its argmax; uniform → 1/k; constant → one-hot of the constant class;
     * stratified draws at random and cannot be reproduced */
    const pk_obj *strategy = pk_attr(init, "strategy");
    const pk_obj *prior = pk_attr(init, "class_prior_");
    pk_array_info ai;
    uint32_t nc = c->n_classes[0];
    double p[1024];
    if (nc > 1024 || !prior || pk_array_info_get(prior, &ai) || ai.count != nc ||
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
        /* the constant is a label: find its class the way the labels are written */
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
            format_float(dv, want, sizeof want);
        int found = -1;
        if (classes && !read_labels(classes, nc, &kind, &labels, c->e)) {
            for (uint32_t k = 0; k < nc; k++)
                if (strcmp(labels[k], want) == 0)
                    found = (int)k;
            free_labels(labels, nc);
        }
        if (found < 0)
            return fr_fail(c->e, FROST_EFORMAT, "init_: constant class '%s' not among classes_",
                           want);
        for (uint32_t k = 0; k < nc; k++)
            p[k] = (int)k == found ? 1.0 : 0.0;
    } else if (strategy && !pk_str_eq(strategy, "prior")) {
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: a DummyClassifier init with "
                       "strategy '%s' (random draws cannot be reproduced)",
                       pk_str(strategy, NULL) ? pk_str(strategy, NULL) : "?");
    }
    const double eps = FLT_EPSILON;
    for (uint32_t k = 0; k < nc; k++)
        p[k] = p[k] < eps ? eps : p[k] > 1 - eps ? 1 - eps : p[k];
    if (nc == 2) {
        raw[0] = log(p[1] / (1 - p[1]));
        return 0;
    }
    if (!new_loss) {
        for (uint32_t k = 0; k < nc; k++)
            raw[k] = log(p[k]);
        return 0;
    }
    double s = 0;
    for (uint32_t k = 0; k < nc; k++)
        s += log(p[k]);
    double gm = exp(s / nc);
    for (uint32_t k = 0; k < nc; k++)
        raw[k] = log(p[k] / gm);
    return 0;
}

static int convert_gb(conv *c, const frost_convert_options *o, int classifier)
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
        if ((rc = read_classes(c)))
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
     * (the _loss module), the argmax of (1 - expit(raw), expit(raw)) before. */
    frost_model_spec spec = {.size = sizeof spec, .task = c->task, .kind = FROST_ENSEMBLE_BOOSTED,
                             .n_features = c->n_features, .n_outputs = 1,
                             .n_classes = c->n_classes, .learning_rate = learning_rate,
                             .link = !classifier ? FROST_LINK_IDENTITY
                                     : n_raw == 1 ? FROST_LINK_LOGISTIC : FROST_LINK_SOFTMAX,
                             .n_raw = n_raw, .init_raw = init, .sign_decision = new_loss};
    rc = new_builder(c, &spec, o);
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
    return classifier ? set_labels(c) : 0;
}

/* ---- linear estimators ------------------------------------------------------------------- */

/* The decision rule of a linear classifier (sklearn/linear_model/_logistic.py predict_proba,
 * _stochastic_gradient.py, _base.py LinearClassifierMixin). */
static int linear_rule(conv *c, uint32_t n_rows, uint32_t *rule)
{
    if (c->task == FROST_TASK_REGRESSOR) {
        *rule = FMT_LIN_IDENTITY;
        return 0;
    }
    if (strcmp(c->cls, "sklearn.linear_model._logistic.LogisticRegression") == 0) {
        /* multi_class: 'auto' (absent from 1.8 files, 'deprecated' in 1.5-1.7 files), 'ovr',
         * 'multinomial'; auto is ovr for binary problems and for liblinear */
        const pk_obj *mc = pk_attr(c->est, "multi_class");
        const pk_obj *solver = pk_attr(c->est, "solver");
        int ovr;
        if (mc && (pk_str_eq(mc, "ovr") || pk_str_eq(mc, "warn")))
            ovr = 1;
        else if (mc && pk_str_eq(mc, "multinomial"))
            ovr = 0;
        else
            ovr = c->n_classes[0] <= 2 || (solver && pk_str_eq(solver, "liblinear"));
        *rule = ovr ? (n_rows == 1 ? FMT_LIN_LOGISTIC : FMT_LIN_OVR)
                    : (n_rows == 1 ? FMT_LIN_BINARY_SOFTMAX : FMT_LIN_SOFTMAX);
        return 0;
    }
    if (strcmp(c->cls, "sklearn.linear_model._stochastic_gradient.SGDClassifier") == 0) {
        const pk_obj *loss = pk_attr(c->est, "loss");
        if (loss && (pk_str_eq(loss, "log_loss") || pk_str_eq(loss, "log"))) {
            *rule = n_rows == 1 ? FMT_LIN_LOGISTIC : FMT_LIN_OVR;
            return 0;
        }
        if (loss && pk_str_eq(loss, "modified_huber"))
            return fr_fail(c->e, FROST_EUNSUPPORTED,
                           "not supported yet: SGDClassifier(loss='modified_huber')");
    }
    *rule = FMT_LIN_DECISION; /* hinge-type losses, LinearSVC, RidgeClassifier: no proba */
    return 0;
}

static int convert_linear(conv *c, const frost_convert_options *o, int classifier)
{
    int rc;
    c->task = classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR;
    const pk_obj *coef = pk_attr(c->est, "coef_");
    const pk_obj *icpt = pk_attr(c->est, "intercept_");
    pk_array_info ci;
    if (!coef || pk_array_info_get(coef, &ci) || ci.ndim < 1 || ci.ndim > 2 || ci.count == 0)
        return fr_fail(c->e, FROST_EFORMAT, "%s has no coef_ array (not fitted?)",
                       cv_short_name(c->cls));
    uint32_t n_features = (uint32_t)ci.shape[ci.ndim - 1];
    uint32_t n_rows = ci.ndim == 2 ? (uint32_t)ci.shape[0] : 1;
    if (classifier && (rc = read_classes(c)))
        return rc;
    if (classifier && c->n_outputs != 1)
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: multi-output %s",
                       cv_short_name(c->cls));
    if (classifier && !(n_rows == 1 ? c->n_classes[0] == 2 : n_rows == c->n_classes[0]))
        return fr_fail(c->e, FROST_EFORMAT, "%u coefficient rows for %u classes", n_rows,
                       c->n_classes[0]);
    uint32_t rule = FMT_LIN_DECISION;
    if ((rc = linear_rule(c, n_rows, &rule)))
        return rc;
    fmt_linear *l = calloc(1, sizeof *l);
    if (!l)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    l->task = c->task;
    l->rule = rule;
    l->n_features = n_features;
    l->n_rows = n_rows;
    l->coef = malloc((size_t)n_rows * n_features * sizeof *l->coef);
    l->intercept = calloc(n_rows, sizeof *l->intercept);
    if (!l->coef || !l->intercept) {
        fmt_linear_free(NULL, l);
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    }
    rc = pk_array_get_f64(coef, NULL, l->coef, (size_t)n_rows * n_features, c->e);
    /* intercept_ is an array, a numpy scalar, a float, or 0.0 with fit_intercept=False */
    pk_array_info ii;
    if (!rc && icpt && !pk_array_info_get(icpt, &ii) && ii.count == n_rows)
        rc = pk_array_get_f64(icpt, NULL, l->intercept, n_rows, c->e);
    else if (!rc && icpt && !pk_get_double(icpt, &l->intercept[0]))
        for (uint32_t r = 1; r < n_rows; r++) /* a scalar (0.0 when fit_intercept=False) */
            l->intercept[r] = l->intercept[0];
    else if (!rc && icpt && !pk_is_none(icpt))
        rc = fr_fail(c->e, FROST_EFORMAT, "intercept_ does not hold %u values", n_rows);
    if (rc) {
        fmt_linear_free(NULL, l);
        return fr_wrap(c->e, "%s", cv_short_name(c->cls));
    }
    int64_t nf_in;
    fr_err scratch;
    if (!get_int(c->est, "n_features_in_", &nf_in, &scratch) && nf_in != n_features) {
        fmt_linear_free(NULL, l);
        return fr_fail(c->e, FROST_EFORMAT, "coef_ has %u columns for %" PRId64 " features",
                       n_features, nf_in);
    }
    c->n_features = n_features;
    if (c->member) {
        const conv_member *m = c->member;
        if ((rc = wr_builder_add_member_linear(c->b, l, m->weight, m->score, m->slots, m->n_in))) {
            fmt_linear_free(NULL, l);
            return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        }
        return classifier ? set_labels(c) : 0;
    }
    if ((rc = wr_builder_new_bare(&o->write, &c->b)) || (rc = wr_builder_set_linear(c->b, l))) {
        fmt_linear_free(NULL, l);
        return fr_fail(c->e, rc, "%s", c->b ? frost_builder_errmsg(c->b) : "out of memory");
    }
    if (c->program) {
        if ((rc = wr_builder_set_program(c->b, c->program)))
            return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        c->program = NULL;
    }
    return classifier ? set_labels(c) : 0;
}

/* ---- metadata and the entry point ------------------------------------------------------------ */

/* "RandomForestClassifier(n_estimators=500, max_depth=10)": the class with the
 * hyper-parameters that shape prediction; composites list their steps. Appends to buf. */
static size_t summarize(const pk_obj *o, char *buf, size_t cap, size_t at, int depth)
{
    const char *cls = pk_class_name(o);
    if (at >= cap)
        return at;
    if (!cls) {
        const char *s = pk_str(o, NULL);
        return at + (size_t)snprintf(buf + at, cap - at, "%s", s ? s : "?");
    }
    at += (size_t)snprintf(buf + at, cap - at, "%s(", cv_short_name(cls));
    const pk_obj *steps = pk_attr(o, "steps");
    const pk_obj *list = steps ? steps : pk_attr(o, "transformers_");
    if (!list)
        list = pk_attr(o, "transformer_list");
    if (!list && cv_is_combine(cls) && pk_attr(o, "estimators"))
        list = pk_attr(o, "estimators"); /* Voting*: (name, estimator) pairs */
    const pk_obj *best = pk_attr(o, "best_estimator_");
    if (!best && pk_is_class(o, "sklearn.multiclass.OneVsRestClassifier"))
        best = pk_attr(o, "estimator");
    const char *sep = "";
    if (best && depth < 6) {
        if (!cv_is_combine(cls))
            at = at < cap ? at + (size_t)snprintf(buf + at, cap - at, "best_estimator_=") : at;
        at = summarize(best, buf, cap, at, depth + 1);
    } else if (list && depth < 6) {
        for (size_t i = 0; i < pk_len(list) && at < cap; i++) {
            const pk_obj *step = pk_item(pk_item(list, i), 1);
            if (!step || pk_str_eq(step, "drop") || pk_is_none(step))
                continue;
            at += (size_t)snprintf(buf + at, cap - at, "%s", sep);
            at = summarize(step, buf, cap, at, depth + 1);
            sep = ", ";
        }
    } else {
        int64_t n_est = 0, d = 0;
        const pk_obj *v;
        if ((v = pk_attr(o, "n_estimators")) && !pk_get_int(v, &n_est)) {
            at += (size_t)snprintf(buf + at, at < cap ? cap - at : 0, "n_estimators=%" PRId64, n_est);
            sep = ", ";
        }
        if ((v = pk_attr(o, "max_depth")) && !pk_get_int(v, &d) && at < cap)
            at += (size_t)snprintf(buf + at, cap - at, "%smax_depth=%" PRId64, sep, d);
    }
    if (at < cap)
        at += (size_t)snprintf(buf + at, cap - at, ")");
    return at;
}

static int set_metadata(conv *c, const char *in_path, const uint8_t *data, size_t len)
{
    char buf[1024];
    const pk_obj *ver = pk_attr(c->est, "_sklearn_version");
    const char *v = ver ? pk_str(ver, NULL) : NULL;
    int rc = frost_builder_set_meta(c->b, "sklearn_version", v ? v : "unknown");
    summarize(c->est, buf, sizeof buf, 0, 0);
    rc = rc ? rc : frost_builder_set_meta(c->b, "estimator", buf);
    /* a search keeps what it found: the winning parameters and their score */
    const pk_obj *bp = pk_attr(c->est, "best_params_");
    if (!rc && bp && pk_kind_of(bp) == PK_DICT) {
        size_t at = 0;
        buf[0] = 0;
        for (size_t i = 0; i < pk_len(bp) && at < sizeof buf; i++) {
            const char *key = pk_str(pk_dict_key(bp, i), NULL);
            const pk_obj *val = pk_dict_value(bp, i);
            char vb[64];
            int64_t iv;
            double dv;
            const char *sv = pk_str(val, NULL);
            if (sv)
                snprintf(vb, sizeof vb, "'%s'", sv);
            else if (pk_kind_of(val) == PK_BOOL)
                snprintf(vb, sizeof vb, "%s", (pk_get_int(val, &iv), iv) ? "True" : "False");
            else if (!pk_get_int(val, &iv))
                snprintf(vb, sizeof vb, "%" PRId64, iv);
            else if (!pk_get_double(val, &dv))
                cv_format_pyfloat(dv, vb, sizeof vb);
            else
                snprintf(vb, sizeof vb, "%s", pk_is_none(val) ? "None" : "<object>");
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s=%s", i ? ", " : "",
                                   key ? key : "?", vb);
        }
        rc = frost_builder_set_meta(c->b, "search_best_params", buf);
    }
    double score;
    const pk_obj *bs = pk_attr(c->est, "best_score_");
    if (!rc && bs && !pk_get_double(bs, &score)) {
        cv_format_pyfloat(score, buf, sizeof buf);
        rc = frost_builder_set_meta(c->b, "search_best_score", buf);
    }
    const char *base = strrchr(in_path, '/');
    rc = rc ? rc : frost_builder_set_meta(c->b, "source_file", base ? base + 1 : in_path);
    snprintf(buf, sizeof buf, "%zu", len);
    rc = rc ? rc : frost_builder_set_meta(c->b, "source_size", buf);
    snprintf(buf, sizeof buf, "%016" PRIx64, (uint64_t)XXH3_64bits(data, len));
    rc = rc ? rc : frost_builder_set_meta(c->b, "source_xxh3", buf);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = rc ? rc : frost_builder_set_meta(c->b, "converted_at", buf);
    if (rc)
        return fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    return 0;
}

static const struct family {
    const char *cls;
    int (*convert)(conv *, const frost_convert_options *, int);
    int classifier;
} families[] = {
    {SK_TREE "DecisionTreeClassifier", convert_single_tree, 1},
    {SK_TREE "ExtraTreeClassifier", convert_single_tree, 1},
    {SK_TREE "DecisionTreeRegressor", convert_single_tree, 0},
    {SK_TREE "ExtraTreeRegressor", convert_single_tree, 0},
    {SK_FOREST "RandomForestClassifier", convert_forest, 1},
    {SK_FOREST "ExtraTreesClassifier", convert_forest, 1},
    {SK_FOREST "RandomForestRegressor", convert_forest, 0},
    {SK_FOREST "ExtraTreesRegressor", convert_forest, 0},
    {SK_GB "GradientBoostingClassifier", convert_gb, 1},
    {SK_GB "GradientBoostingRegressor", convert_gb, 0},
    {"sklearn.linear_model._base.LinearRegression", convert_linear, 0},
    {"sklearn.linear_model._ridge.Ridge", convert_linear, 0},
    {"sklearn.linear_model._coordinate_descent.Lasso", convert_linear, 0},
    {"sklearn.linear_model._coordinate_descent.ElasticNet", convert_linear, 0},
    {"sklearn.linear_model._stochastic_gradient.SGDRegressor", convert_linear, 0},
    {"sklearn.svm._classes.LinearSVR", convert_linear, 0},
    {"sklearn.linear_model._logistic.LogisticRegression", convert_linear, 1},
    {"sklearn.linear_model._stochastic_gradient.SGDClassifier", convert_linear, 1},
    {"sklearn.linear_model._ridge.RidgeClassifier", convert_linear, 1},
    {"sklearn.svm._classes.LinearSVC", convert_linear, 1},
};

int cv_is_estimator(const char *cls)
{
    for (size_t i = 0; cls && i < sizeof families / sizeof families[0]; i++)
        if (strcmp(cls, families[i].cls) == 0)
            return 1;
    return 0;
}

/* The estimator's own input validation (FORMAT.md CHECKS, ESTIMATOR): linear models refuse
 * missing and infinite values (check_array's defaults, in float64); trees work in float32, so
 * they also refuse what float32 cannot hold, and take missing values only where the version
 * that saved them routes them (tree_takes_nan). Its slots: the member's, the program's outputs,
 * or the input columns. */
static int estimator_check(conv *c, int linear, int classifier, const uint32_t *prog_out,
                           uint32_t n_prog)
{
    uint32_t rule = FMT_CHECK_INF | FMT_CHECK_ESTIMATOR;
    if (linear)
        rule |= FMT_CHECK_NAN;
    else
        rule |= FMT_CHECK_F32 | (trees_take_nan(c->est, c->cls, classifier) ? 0 : FMT_CHECK_NAN);
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
            int rc = families[i].convert(c, o, families[i].classifier);
            return rc ? rc : estimator_check(c, families[i].convert == convert_linear,
                                             families[i].classifier, prog_out, n_prog);
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

int cv_is_combine(const char *cls)
{
    return cls && (strcmp(cls, "sklearn.ensemble._voting.VotingClassifier") == 0 ||
                   strcmp(cls, "sklearn.ensemble._voting.VotingRegressor") == 0 ||
                   strcmp(cls, "sklearn.multiclass.OneVsRestClassifier") == 0);
}

/* Linear classifiers (LinearClassifierMixin) and gradient boosting define decision_function;
 * trees and forests do not (sklearn/linear_model/_base.py, sklearn/ensemble/_gb.py). */
int cv_has_decision_function(const char *cls)
{
    static const char *const with[] = {
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.linear_model._stochastic_gradient.SGDClassifier",
        "sklearn.linear_model._ridge.RidgeClassifier",
        "sklearn.svm._classes.LinearSVC",
        SK_GB "GradientBoostingClassifier",
    };
    for (size_t i = 0; cls && i < sizeof with / sizeof with[0]; i++)
        if (strcmp(cls, with[i]) == 0)
            return 1;
    return 0;
}

int cv_member(conv *c, const pk_obj *est, const frost_convert_options *o, const conv_member *m)
{
    conv mc = {.e = c->e, .b = c->b, .member = m, .checks = c->checks, .path = c->path};
    int rc = cv_estimator(&mc, est, o);
    tree_buf_free(&mc.tb);
    free(mc.n_classes);
    return rc;
}

int cv_combine_labels(conv *c, const pk_obj *est)
{
    c->est = est;
    c->cls = pk_class_name(est);
    int rc = read_classes(c);
    return rc ? rc : set_labels(c);
}

/* GridSearchCV / RandomizedSearchCV with refit: what they predict with is best_estimator_. */
const pk_obj *cv_unwrap_search(const pk_obj *o)
{
    for (int depth = 0; depth < 4 && o; depth++) {
        if (!pk_is_class(o, "sklearn.model_selection._search.GridSearchCV") &&
            !pk_is_class(o, "sklearn.model_selection._search.RandomizedSearchCV"))
            return o;
        const pk_obj *best = pk_attr(o, "best_estimator_");
        if (!best || pk_is_none(best))
            return o; /* refit=False: nothing to predict with; reported as unsupported */
        o = best;
    }
    return o;
}

static int convert_graph(conv *c, const pk_obj *root, const frost_convert_options *o)
{
    const pk_obj *search = root;
    root = cv_unwrap_search(root);
    if (root == search && (pk_is_class(root, "sklearn.model_selection._search.GridSearchCV") ||
                           pk_is_class(root, "sklearn.model_selection._search.RandomizedSearchCV")))
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: a %s without "
                       "best_estimator_ (refit=False)", cv_short_name(pk_class_name(root)));
    const char *cls = pk_class_name(root);
    if (!cls || pk_kind_of(root) != PK_OBJECT)
        return fr_fail(c->e, FROST_EUNSUPPORTED,
                       "the file holds a %s, not a scikit-learn estimator",
                       cls ? cls : pk_kind_name(pk_kind_of(root)));
    if (cv_is_pipeline_class(cls) || cv_is_combine(cls))
        return cv_pipeline(c, root, o);
    return cv_estimator(c, root, o);
}

FROST_API int frost_convert(const char *in_path, const char *out_path,
                            const frost_convert_options *opts)
{
    fr_err e = {0};
    frost_convert_options o;
    frost_convert_options_init(&o);
    if (opts)
        memcpy(&o, opts, opts->size < sizeof o ? opts->size : sizeof o);
    if (!in_path || !out_path) {
        fr_fail(&e, FROST_EINVAL, "frost_convert: NULL path");
        rt_set_thread_error(&e);
        return FROST_EINVAL;
    }
    if (wr_out_is_input(out_path, in_path)) {
        /* the write would replace the file being read: refused before anything is opened */
        if (strcmp(out_path, in_path) == 0)
            fr_fail(&e, FROST_EINVAL, "%s is the input file; nothing was written", out_path);
        else
            fr_fail(&e, FROST_EINVAL, "%s is the input file %s (the same file under another "
                    "name); nothing was written", out_path, in_path);
        rt_set_thread_error(&e);
        return FROST_EINVAL;
    }
    int rc;
    size_t len = 0;
    const uint8_t *data = NULL;
    cv_source src = {0};
    pk_graph *g = NULL;
    cv_checks checks = {0};
    conv c = {.e = &e, .checks = &checks};
    if ((rc = cv_source_open(in_path, &src, &e)))
        goto done;
    data = src.data;
    len = src.len;
    jl_options jo = {.max_decompressed = (size_t)o.max_decompressed};
    if ((rc = jl_load(data, len, &jo, &g, &e))) {
        /* a refused or unsupported name: a survey load (still running nothing) finds which
         * step of the pipeline it belongs to, so the message can name the step's path */
        if (rc == FROST_EREFUSED || rc == FROST_EUNSUPPORTED) {
            pk_limits lim = {.survey = 1};
            jl_options so = {.limits = &lim, .max_decompressed = jo.max_decompressed};
            pk_graph *sg = NULL;
            fr_err se = {0};
            char path[600];
            if (!jl_load(data, len, &so, &sg, &se) && pk_graph_refused(sg) &&
                cv_locate(pk_graph_root(sg), pk_graph_refused(sg), path, sizeof path))
                fr_wrap(&e, "%s", path);
            pk_graph_free(sg);
        }
        goto done;
    }
    if ((rc = convert_graph(&c, pk_graph_root(g), &o)))
        goto done;
    c.est = pk_graph_root(g); /* metadata describes what the file holds */
    c.cls = pk_class_name(c.est);
    if ((rc = set_feature_names(&c)) || (rc = set_metadata(&c, in_path, data, len)))
        goto done;
    for (uint32_t i = 0; i < checks.n && !rc; i++)
        if ((rc = wr_builder_add_check(c.b, checks.v[i].rule, checks.v[i].slots,
                                       checks.v[i].n_slots, checks.v[i].who)))
            fr_fail(&e, rc, "%s", frost_builder_errmsg(c.b));
    if (rc)
        goto done;
    if ((rc = frost_builder_write(c.b, out_path)))
        fr_fail(&e, rc, "%s", frost_builder_errmsg(c.b));
done:
    frost_builder_free(c.b);
    tree_buf_free(&c.tb);
    free(c.n_classes);
    fmt_program_free(NULL, c.program);
    fmt_checks_free(NULL, checks.v, checks.n);
    if (c.input_names)
        for (uint32_t i = 0; i < c.n_inputs; i++)
            free(c.input_names[i]);
    free(c.input_names);
    pk_graph_free(g);
    cv_source_close(&src);
    if (rc)
        rt_set_thread_error(&e);
    return rc;
}
