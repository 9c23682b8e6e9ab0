/*
 * convert_pipeline.c — compiles a fitted scikit-learn Pipeline / ColumnTransformer / FeatureUnion
 * and its transformers into a PROGRAM (FORMAT.md): straight-line column operations over typed
 * slots. Routing (which columns each transformer sees, in which order the outputs come) is
 * resolved here, once, so the runtime only executes arithmetic.
 *
 * Each transformer's rule follows its transform() in scikit-learn (sklearn/impute/_base.py,
 * preprocessing/_data.py, preprocessing/_encoders.py, compose/_column_transformer.py); the
 * output names follow get_feature_names_out(). Input columns get their kind (number or string)
 * from the first operation that reads them.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/convert_estimator.h"
#include "import/convert_labels.h"
#include "import/convert_pipeline.h"

#define SK_PRE "sklearn.preprocessing._data."
#define SK_ENC "sklearn.preprocessing._encoders."
#define KIND_UNSET 0xFF

/* The columns flowing between steps: slots and their get_feature_names_out() names. */
typedef struct cols {
    uint32_t n;
    uint32_t *slot;
    char **name;
} cols;

static void cols_free(cols *c)
{
    for (uint32_t i = 0; c->name && i < c->n; i++)
        free(c->name[i]);
    free(c->name);
    free(c->slot);
    memset(c, 0, sizeof *c);
}

static int cols_push(cols *c, uint32_t slot, const char *name)
{
    uint32_t *s = realloc(c->slot, (c->n + 1) * sizeof *s);
    if (s)
        c->slot = s;
    char **n = realloc(c->name, (c->n + 1) * sizeof *n);
    if (n)
        c->name = n;
    char *d = strdup(name ? name : "");
    if (!s || !n || !d) {
        free(d);
        return FROST_ENOMEM;
    }
    c->slot[c->n] = slot;
    c->name[c->n] = d;
    c->n++;
    return 0;
}

typedef struct comp {
    conv *cv;
    fr_err *e;
    fmt_program *p;
    uint8_t *input_kind;    /* per raw input: FMT_SLOT_* or KIND_UNSET */
    uint8_t *input_read;    /* per raw input: an operation, output or member reads it */
    uint32_t n_inputs;
} comp;

static void mark_read(comp *k, const uint32_t *slots, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (slots[i] < k->n_inputs)
            k->input_read[slots[i]] = 1;
}

static const char *cls_of(const pk_obj *o) { return pk_class_name(o); }

/* Gives input slot s the kind k if it is a raw input not typed yet; fails when an input is used
 * both as numbers and as strings. */
static int want_kind(comp *k, uint32_t s, uint32_t kind, const char *path)
{
    if (s >= k->n_inputs)
        return k->p->slot_kind[s] == kind ? 0
               : fr_fail(k->e, FROST_EUNSUPPORTED, "%s: a %s column where %s are expected",
                         path, k->p->slot_kind[s] == FMT_SLOT_STR ? "string" : "numeric",
                         kind == FMT_SLOT_STR ? "strings" : "numbers");
    if (k->input_kind[s] == KIND_UNSET) {
        k->input_kind[s] = (uint8_t)kind;
        k->p->slot_kind[s] = (uint8_t)kind;
        return 0;
    }
    if (k->input_kind[s] != kind)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: input column %u is used both as numbers "
                       "and as strings", path, s);
    return 0;
}

static int add_op(comp *k, const fmt_op *op, uint32_t *first, const char *path)
{
    int rc = fmt_program_add(k->p, op, first, k->e);
    if (rc)
        return fr_wrap(k->e, "%s", path);
    mark_read(k, op->in, op->n_in);
    return 0;
}

/* Reads a 1-D numeric attribute of n values (NULL attribute → the default value). */
static int get_vec(comp *k, const pk_obj *o, const char *name, uint32_t n, double dflt,
                   double *out, const char *path)
{
    const pk_obj *a = pk_attr(o, name);
    if (!a || pk_is_none(a)) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = dflt;
        return 0;
    }
    pk_array_info ai;
    double v;
    if (!pk_array_info_get(a, &ai) && ai.count == n)
        return pk_array_get_f64(a, NULL, out, n, k->e) ? fr_wrap(k->e, "%s.%s", path, name) : 0;
    if (n == 1 && !pk_get_double(a, &v)) {
        out[0] = v;
        return 0;
    }
    return fr_fail(k->e, FROST_EFORMAT, "%s: %s does not hold %u numbers", path, name, n);
}

static int compile(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path);

/* ---- transformers ---------------------------------------------------------------------------- */

/* StandardScaler, RobustScaler, MaxAbsScaler: (x - a) / b; MinMaxScaler: x * a + b (+ clip). */
static int scaler(comp *k, const pk_obj *o, const char *cls, const cols *in, cols *out,
                  const char *path)
{
    uint32_t n = in->n;
    double *a = calloc(n ? n : 1, sizeof *a), *b = calloc(n ? n : 1, sizeof *b);
    int rc = a && b ? 0 : fr_fail(k->e, FROST_ENOMEM, "out of memory");
    fmt_op op = {.opcode = FMT_OP_SCALE, .n_in = n, .n_out = n, .in = in->slot, .a = a, .b = b};
    /* with_mean / with_centering = False keep the statistic fitted but do not use it */
    int use_a = 1, use_b = 1;
    const pk_obj *flag;
    if ((flag = pk_attr(o, strcmp(cls, SK_PRE "RobustScaler") == 0 ? "with_centering" : "with_mean")))
        pk_get_bool(flag, &use_a);
    if ((flag = pk_attr(o, strcmp(cls, SK_PRE "RobustScaler") == 0 ? "with_scaling" : "with_std")))
        pk_get_bool(flag, &use_b);
    if (!rc && strcmp(cls, SK_PRE "StandardScaler") == 0) {
        rc = use_a ? get_vec(k, o, "mean_", n, 0.0, a, path) : 0;
        rc = rc ? rc : use_b ? get_vec(k, o, "scale_", n, 1.0, b, path) : 0;
        for (uint32_t i = 0; !use_b && i < n; i++)
            b[i] = 1.0;
    } else if (!rc && strcmp(cls, SK_PRE "RobustScaler") == 0) {
        rc = use_a ? get_vec(k, o, "center_", n, 0.0, a, path) : 0;
        rc = rc ? rc : use_b ? get_vec(k, o, "scale_", n, 1.0, b, path) : 0;
        for (uint32_t i = 0; !use_b && i < n; i++)
            b[i] = 1.0;
    } else if (!rc && strcmp(cls, SK_PRE "MaxAbsScaler") == 0) {
        rc = get_vec(k, o, "scale_", n, 1.0, b, path);
    } else if (!rc) { /* MinMaxScaler */
        op.mode = 1;
        rc = get_vec(k, o, "scale_", n, 1.0, a, path);
        rc = rc ? rc : get_vec(k, o, "min_", n, 0.0, b, path);
        const pk_obj *clip = pk_attr(o, "clip");
        int on = 0;
        if (!rc && clip && !pk_get_bool(clip, &on) && on) {
            const pk_obj *fr = pk_attr(o, "feature_range");
            if (!fr || pk_len(fr) != 2 || pk_get_double(pk_item(fr, 0), &op.lo) ||
                pk_get_double(pk_item(fr, 1), &op.hi))
                rc = fr_fail(k->e, FROST_EFORMAT, "%s: feature_range is not a pair", path);
            op.clip = 1;
        }
    }
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = want_kind(k, in->slot[i], FMT_SLOT_NUM, path);
    uint32_t first = 0;
    if (!rc && n)
        rc = add_op(k, &op, &first, path);
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = cols_push(out, first + i, in->name[i]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    free(a);
    free(b);
    return rc;
}

/* A missing-value marker SimpleImputer handles as frost does: NaN (or None for strings). */
static int missing_is_nan(const pk_obj *mv)
{
    double v;
    return !mv || pk_is_none(mv) || (!pk_get_double(mv, &v) && isnan(v));
}

static int imputer(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    int rc = 0;
    if (!missing_is_nan(pk_attr(o, "missing_values")))
        return fr_fail(k->e, FROST_EUNSUPPORTED,
                       "%s: not supported yet: SimpleImputer(missing_values=...) other than NaN",
                       path);
    const pk_obj *stats = pk_attr(o, "statistics_");
    pk_array_info si;
    if (!stats || pk_array_info_get(stats, &si) || si.ndim != 1 || si.count != in->n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: statistics_ does not hold %u values", path,
                       in->n);
    const pk_obj *keep = pk_attr(o, "keep_empty_features");
    int keep_empty = 0;
    if (keep)
        pk_get_bool(keep, &keep_empty);
    /* string statistics (object arrays of str) make this a string imputer */
    int str = si.kind == 'U' || si.kind == 'S';
    if (si.kind == 'O' && in->n) {
        const pk_obj *it = pk_array_item(stats, 0);
        str = pk_kind_of(it) == PK_STR;
    }
    uint32_t n = 0;
    uint32_t *slots = calloc(in->n ? in->n : 1, sizeof *slots);
    double *fill = calloc(in->n ? in->n : 1, sizeof *fill);
    char **fills = calloc(in->n ? in->n : 1, sizeof *fills);
    char **names = calloc(in->n ? in->n : 1, sizeof *names);
    if (!slots || !fill || !fills || !names)
        rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < in->n; i++) {
        char buf[4096];
        size_t len;
        double v = NAN;
        if (str) {
            if ((rc = pk_array_get_str(stats, i, buf, sizeof buf, &len, k->e)))
                break;
        } else {
            const pk_obj *it = si.kind == 'O' ? pk_array_item(stats, i) : NULL;
            if (it ? pk_get_double(it, &v) : pk_array_get_f64(stats, NULL, NULL, 0, k->e) && 0) {
                rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: statistic %u is not a number", path, i);
                break;
            }
        }
        if (!str && !(si.kind == 'O')) {
            double *all = malloc(in->n * sizeof *all);
            if (!all || pk_array_get_f64(stats, NULL, all, in->n, k->e)) {
                free(all);
                rc = all ? fr_wrap(k->e, "%s.statistics_", path) : FROST_ENOMEM;
                break;
            }
            v = all[i];
            free(all);
        }
        /* a column all-missing at fit has a NaN statistic and is dropped from the output
         * (unless keep_empty_features, 1.2+, which fills it with 0) */
        if (!str && isnan(v)) {
            if (!keep_empty)
                continue;
            v = 0.0;
        }
        slots[n] = in->slot[i];
        names[n] = in->name[i];
        if (str)
            fills[n] = strdup(buf);
        else
            fill[n] = v;
        if (str && !fills[n]) {
            rc = FROST_ENOMEM;
            break;
        }
        n++;
    }
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = want_kind(k, slots[i], str ? FMT_SLOT_STR : FMT_SLOT_NUM, path);
    uint32_t first = 0;
    if (!rc && n) {
        fmt_op op = {.opcode = str ? FMT_OP_IMPUTE_STR : FMT_OP_IMPUTE, .n_in = n, .n_out = n,
                     .in = slots, .a = str ? NULL : fill, .strs = str ? fills : NULL};
        rc = add_op(k, &op, &first, path);
    }
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = cols_push(out, first + i, names[i]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    /* add_indicator: MissingIndicator over the columns that had missing values at fit */
    const pk_obj *ind = pk_attr(o, "indicator_");
    if (!rc && ind && !pk_is_none(ind)) {
        const pk_obj *feats = pk_attr(ind, "features_");
        pk_array_info fi;
        if (!feats || pk_array_info_get(feats, &fi) || fi.ndim != 1) {
            rc = fr_fail(k->e, FROST_EFORMAT, "%s: indicator_.features_ is missing", path);
        } else if (fi.count) {
            int64_t *idx = malloc(fi.count * sizeof *idx);
            uint32_t *islots = malloc(fi.count * sizeof *islots);
            rc = idx && islots ? pk_array_get_i64(feats, NULL, idx, fi.count, k->e) : FROST_ENOMEM;
            for (uint64_t j = 0; !rc && j < fi.count; j++) {
                if (idx[j] < 0 || (uint64_t)idx[j] >= in->n)
                    rc = fr_fail(k->e, FROST_EFORMAT, "%s: indicator feature %" PRId64
                                 " out of range", path, idx[j]);
                else
                    islots[j] = in->slot[idx[j]];
            }
            fmt_op op = {.opcode = FMT_OP_INDICATOR, .n_in = (uint32_t)fi.count,
                         .n_out = (uint32_t)fi.count, .in = islots};
            if (!rc)
                rc = add_op(k, &op, &first, path);
            for (uint64_t j = 0; !rc && j < fi.count; j++) {
                char nm[4200];
                snprintf(nm, sizeof nm, "missingindicator_%s", in->name[idx[j]]);
                rc = cols_push(out, first + (uint32_t)j, nm) ? FROST_ENOMEM : 0;
            }
            free(idx);
            free(islots);
        }
    }
    for (uint32_t i = 0; fills && i < n; i++)
        free(fills[i]);
    free(fills);
    free(fill);
    free(slots);
    free(names);
    return rc;
}

/* One column's categories (categories_[i]): their kind, values, and the missing category. */
typedef struct cats {
    uint32_t kind;       /* FMT_SLOT_NUM / FMT_SLOT_STR */
    uint32_t n;          /* categories, the missing one included */
    double *num;         /* numeric categories (missing: NaN) */
    char **str;          /* string categories (missing: NULL) */
    uint32_t missing;    /* index of the None/NaN category, or FMT_NONE */
    char **label;        /* str() of each category as get_feature_names_out prints it */
} cats;

static void cats_free(cats *c)
{
    for (uint32_t i = 0; c->str && i < c->n; i++)
        free(c->str[i]);
    for (uint32_t i = 0; c->label && i < c->n; i++)
        free(c->label[i]);
    free(c->str);
    free(c->label);
    free(c->num);
    memset(c, 0, sizeof *c);
}

static int read_cats(comp *k, const pk_obj *arr, cats *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->missing = FMT_NONE;
    pk_array_info ai;
    if (pk_array_info_get(arr, &ai) || ai.ndim != 1 || ai.count > (1u << 24))
        return fr_fail(k->e, FROST_EFORMAT, "%s: categories_ entry is not a 1-D array", path);
    c->n = (uint32_t)ai.count;
    int str = ai.kind == 'U' || ai.kind == 'S';
    if (ai.kind == 'O')
        for (uint32_t i = 0; i < c->n; i++)
            str |= pk_kind_of(pk_array_item(arr, i)) == PK_STR;
    c->kind = str ? FMT_SLOT_STR : FMT_SLOT_NUM;
    if (str)
        c->str = calloc(c->n ? c->n : 1, sizeof *c->str);
    else
        c->num = calloc(c->n ? c->n : 1, sizeof *c->num);
    c->label = calloc(c->n ? c->n : 1, sizeof *c->label);
    if ((!c->str && !c->num) || !c->label)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    char lb[4200];
    if (!str && ai.kind != 'O') {
        if (pk_array_get_f64(arr, NULL, c->num, c->n, k->e))
            return fr_wrap(k->e, "%s.categories_", path);
        for (uint32_t i = 0; i < c->n; i++) {
            if (isnan(c->num[i]))
                c->missing = i;
            if (ai.kind == 'b')
                snprintf(lb, sizeof lb, "%s", c->num[i] != 0 ? "True" : "False");
            else if (ai.kind == 'i' || ai.kind == 'u')
                snprintf(lb, sizeof lb, "%.0f", c->num[i]);
            else
                cv_format_pyfloat(c->num[i], lb, sizeof lb);
            if (!(c->label[i] = strdup(lb)))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
        }
        return 0;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        const pk_obj *it = ai.kind == 'O' ? pk_array_item(arr, i) : NULL;
        double v;
        if (it && (pk_is_none(it) || (!pk_get_double(it, &v) && isnan(v)))) {
            c->missing = i; /* None or nan: the category missing values fall into */
            if (!str)
                c->num[i] = NAN;
            if (!(c->label[i] = strdup(pk_is_none(it) ? "None" : "nan")))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
            continue;
        }
        /* str() of the category: ints and bools as Python prints them, floats as repr */
        int64_t iv;
        pk_array_info si;
        char sk = !it ? 'U' : pk_kind_of(it) == PK_BOOL ? 'b' : pk_kind_of(it) == PK_INT ? 'i'
                  : pk_kind_of(it) == PK_STR ? 'U'
                  : !pk_array_info_get(it, &si) ? si.kind : 'f';
        if (sk == 'b' && !pk_get_int(it, &iv))
            snprintf(lb, sizeof lb, "%s", iv ? "True" : "False");
        else if ((sk == 'i' || sk == 'u') && !pk_get_int(it, &iv))
            snprintf(lb, sizeof lb, "%" PRId64, iv);
        else if (sk != 'U' && !pk_get_double(it, &v))
            cv_format_pyfloat(v, lb, sizeof lb);
        else
            lb[0] = 0; /* strings: their label is set below */
        if (str) {
            char buf[4096];
            size_t len;
            if (it && pk_kind_of(it) != PK_STR)
                return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: categories "
                               "mixing strings and %s", path, pk_kind_name(pk_kind_of(it)));
            if (pk_array_get_str(arr, i, buf, sizeof buf, &len, k->e))
                return fr_wrap(k->e, "%s.categories_", path);
            if (!(c->str[i] = strdup(buf)) || !(c->label[i] = strdup(buf)))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
            continue;
        } else if (!it || pk_get_double(it, &c->num[i])) {
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: a category of type %s",
                           path, it ? pk_kind_name(pk_kind_of(it)) : "?");
        }
        if (!(c->label[i] = strdup(lb)))
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    }
    return 0;
}

/* get_feature_names_out's spelling of a category: str(category). */
static void cat_name(const cats *c, uint32_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", c->label[i] ? c->label[i] : "?");
}

/* An ENCODE op over one column from a category table; targets give each category's output. */
static int encode_op(comp *k, uint32_t slot, const cats *c, const double *targets, uint32_t n_out,
                     int unknown, double unknown_target, uint32_t *first, const char *path)
{
    int rc = want_kind(k, slot, c->kind, path);
    if (rc)
        return rc;
    /* the missing category is matched by missing inputs, not by value */
    uint32_t n = 0;
    double *cn = calloc(c->n ? c->n : 1, sizeof *cn), *tg = calloc(c->n ? c->n : 1, sizeof *tg);
    char **cs = calloc(c->n ? c->n : 1, sizeof *cs);
    uint32_t missing_cat = FMT_NONE;
    if (!cn || !tg || !cs)
        rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < c->n; i++) {
        if (i == c->missing)
            continue;
        if (c->kind == FMT_SLOT_STR)
            cs[n] = c->str[i];
        else
            cn[n] = c->num[i];
        tg[n++] = targets[i];
    }
    if (!rc && c->missing != FMT_NONE) {
        /* appended last with a value that cannot match an input: a string no input equals is
         * impossible to guarantee, so the missing category gets its own entry flagged by
         * missing_cat and a unique placeholder */
        missing_cat = n;
        if (c->kind == FMT_SLOT_STR)
            cs[n] = "\x01missing"; /* matched through missing_cat only: no CSV field holds \x01 */
        else
            cn[n] = 0; /* replaced below by a value no real category has */
        tg[n++] = targets[c->missing];
    }
    if (!rc && c->missing != FMT_NONE && c->kind == FMT_SLOT_NUM) {
        /* numeric: pick a placeholder value distinct from every real category */
        double ph = -1.0e308;
        for (int again = 1; again;) {
            again = 0;
            for (uint32_t i = 0; i + 1 < n; i++)
                if (cn[i] == ph) {
                    ph = nextafter(ph, 0);
                    again = 1;
                }
        }
        cn[n - 1] = ph;
    }
    if (!rc) {
        fmt_op op = {.opcode = FMT_OP_ENCODE, .n_in = 1, .n_out = n_out, .in = &slot,
                     .cat_kind = c->kind, .n_cat = n, .unknown = (uint32_t)unknown,
                     .missing_cat = missing_cat, .unknown_target = unknown_target,
                     .cats = c->kind == FMT_SLOT_NUM ? cn : NULL,
                     .strs = c->kind == FMT_SLOT_STR ? cs : NULL, .targets = tg};
        rc = add_op(k, &op, first, path);
    }
    free(cn);
    free(tg);
    free(cs);
    return rc;
}

/* An encoder's fitted categories_ (one array per input column) and whether infrequent
 * categories were grouped (_infrequent_enabled, 1.1+). */
static int encoder_categories(comp *k, const pk_obj *o, const cols *in, const pk_obj **table,
                              int *infrequent, const char *path)
{
    *table = pk_attr(o, "categories_");
    if (!*table || pk_len(*table) != in->n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: categories_ does not list %u columns", path,
                       in->n);
    const pk_obj *on = pk_attr(o, "_infrequent_enabled");
    *infrequent = 0;
    if (on)
        pk_get_bool(on, infrequent);
    return 0;
}

static int onehot(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *categories;
    int infrequent;
    int rc = encoder_categories(k, o, in, &categories, &infrequent, path);
    if (rc)
        return rc;
    const pk_obj *hu = pk_attr(o, "handle_unknown");
    int ignore = hu && (pk_str_eq(hu, "ignore") || pk_str_eq(hu, "infrequent_if_exist"));
    const pk_obj *drop_idx = pk_attr(o, "drop_idx_");
    const pk_obj *maps = pk_attr(o, "_default_to_infrequent_mappings");
    for (uint32_t f = 0; f < in->n && !rc; f++) {
        cats c;
        if ((rc = read_cats(k, pk_item(categories, f), &c, path))) {
            cats_free(&c);
            break;
        }
        /* category → position after infrequent grouping (1.1+) */
        int64_t *pos = calloc(c.n ? c.n : 1, sizeof *pos);
        double *tg = calloc(c.n ? c.n : 1, sizeof *tg);
        if (!pos || !tg)
            rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
        uint32_t n_pos = c.n;
        int has_infrequent = 0;
        const pk_obj *map = infrequent && maps ? pk_item(maps, f) : NULL;
        if (!rc && map && !pk_is_none(map)) {
            if (pk_array_get_i64(map, NULL, pos, c.n, k->e)) {
                rc = fr_wrap(k->e, "%s._default_to_infrequent_mappings", path);
            } else {
                n_pos = 0;
                for (uint32_t i = 0; i < c.n; i++)
                    n_pos = pos[i] + 1 > n_pos ? (uint32_t)pos[i] + 1 : n_pos;
                has_infrequent = 1;
            }
        } else {
            for (uint32_t i = 0; i < c.n; i++)
                pos[i] = i;
        }
        /* drop_idx_[f]: the position dropped (drop='first'/'if_binary'/explicit), or None */
        int64_t dropped = -1;
        if (!rc && drop_idx && !pk_is_none(drop_idx)) {
            pk_array_info di;
            if (!pk_array_info_get(drop_idx, &di) && di.count == in->n) {
                const pk_obj *it = di.kind == 'O' ? pk_array_item(drop_idx, f) : NULL;
                if (it) {
                    if (!pk_is_none(it) && pk_get_int(it, &dropped))
                        rc = fr_fail(k->e, FROST_EFORMAT, "%s: drop_idx_ entry %u", path, f);
                } else {
                    int64_t *all = malloc(in->n * sizeof *all);
                    if (!all || pk_array_get_i64(drop_idx, NULL, all, in->n, k->e))
                        rc = fr_fail(k->e, FROST_EFORMAT, "%s: drop_idx_ is unreadable", path);
                    else
                        dropped = all[f];
                    free(all);
                }
            } else {
                rc = fr_fail(k->e, FROST_EFORMAT, "%s: drop_idx_ does not cover %u columns", path,
                             in->n);
            }
        }
        uint32_t n_out = n_pos - (dropped >= 0 ? 1 : 0);
        for (uint32_t i = 0; !rc && i < c.n; i++) {
            int64_t p = pos[i];
            tg[i] = p == dropped ? -1.0 : (double)(dropped >= 0 && p > dropped ? p - 1 : p);
        }
        /* unknowns: the infrequent column when handle_unknown='infrequent_if_exist' and one
         * exists, else all zeros (ignore) */
        double unknown_target = -1.0;
        if (has_infrequent && hu && pk_str_eq(hu, "infrequent_if_exist")) {
            int64_t p = n_pos - 1;
            unknown_target = p == dropped ? -1.0 : (double)(dropped >= 0 && p > dropped ? p - 1 : p);
        }
        uint32_t first = 0;
        if (!rc && n_out > 0) {
            if (n_out == 1) {
                /* a single output column is still a one-hot column, not an ordinal: encode it
                 * as ordinal with 1.0 / 0.0 targets */
                for (uint32_t i = 0; i < c.n; i++)
                    tg[i] = tg[i] == 0.0 ? 1.0 : 0.0;
                unknown_target = unknown_target == 0.0 ? 1.0 : 0.0;
            }
            rc = encode_op(k, in->slot[f], &c, tg, n_out, ignore, unknown_target, &first, path);
        }
        /* names: input_category per kept position (the infrequent column is
         * input_infrequent_sklearn) */
        for (uint32_t p = 0; !rc && p < n_pos; p++) {
            if ((int64_t)p == dropped)
                continue;
            char cn[4096] = "infrequent_sklearn";
            for (uint32_t i = 0; i < c.n; i++)
                if (pos[i] == (int64_t)p && !(has_infrequent && p == n_pos - 1)) {
                    cat_name(&c, i, cn, sizeof cn);
                    break;
                }
            char nm[8300];
            snprintf(nm, sizeof nm, "%s_%s", in->name[f], cn);
            uint32_t col = (uint32_t)(dropped >= 0 && (int64_t)p > dropped ? p - 1 : p);
            rc = cols_push(out, first + col, nm) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
        }
        free(pos);
        free(tg);
        cats_free(&c);
    }
    return rc;
}

static int ordinal(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *categories;
    int infrequent;
    int rc = encoder_categories(k, o, in, &categories, &infrequent, path);
    if (rc)
        return rc;
    const pk_obj *hu = pk_attr(o, "handle_unknown");
    int use_value = hu && pk_str_eq(hu, "use_encoded_value");
    double unknown_value = NAN, missing_value = NAN;
    const pk_obj *uv = pk_attr(o, "unknown_value");
    if (use_value && (!uv || pk_get_double(uv, &unknown_value)))
        unknown_value = NAN;
    const pk_obj *mv = pk_attr(o, "encoded_missing_value");
    int has_mv = mv && !pk_get_double(mv, &missing_value);
    if (infrequent)
        return fr_fail(k->e, FROST_EUNSUPPORTED,
                       "%s: not supported yet: OrdinalEncoder with infrequent categories", path);
    for (uint32_t f = 0; f < in->n && !rc; f++) {
        cats c;
        if ((rc = read_cats(k, pk_item(categories, f), &c, path))) {
            cats_free(&c);
            break;
        }
        double *tg = calloc(c.n ? c.n : 1, sizeof *tg);
        if (!tg)
            rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
        for (uint32_t i = 0; !rc && i < c.n; i++)
            tg[i] = (double)i;
        /* 1.1+: the missing category encodes as encoded_missing_value (NaN by default);
         * before, it kept its index */
        if (!rc && c.missing != FMT_NONE && has_mv)
            tg[c.missing] = missing_value;
        uint32_t first = 0;
        if (!rc)
            rc = encode_op(k, in->slot[f], &c, tg, 1, use_value, unknown_value, &first, path);
        if (!rc)
            rc = cols_push(out, first, in->name[f]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
        free(tg);
        cats_free(&c);
    }
    return rc;
}

/* Normalizer: each row divided by its l1 / l2 / max norm over the columns it sees. */
static int normalizer(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *norm = pk_attr(o, "norm");
    uint32_t n = norm && pk_str_eq(norm, "l1") ? 1 : norm && pk_str_eq(norm, "max") ? 3 : 2;
    if (norm && n == 2 && !pk_str_eq(norm, "l2"))
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: norm '%s'", path,
                       pk_str(norm, NULL) ? pk_str(norm, NULL) : "?");
    int rc = 0;
    for (uint32_t i = 0; !rc && i < in->n; i++)
        rc = want_kind(k, in->slot[i], FMT_SLOT_NUM, path);
    fmt_op op = {.opcode = FMT_OP_NORMALIZE, .n_in = in->n, .n_out = in->n, .in = in->slot,
                 .norm = n};
    uint32_t first = 0;
    if (!rc && in->n)
        rc = add_op(k, &op, &first, path);
    for (uint32_t i = 0; !rc && i < in->n; i++)
        rc = cols_push(out, first + i, in->name[i]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    return rc;
}

/* PolynomialFeatures: the terms in combinations(_with_replacement) order from _min_degree to
 * _max_degree (bias first); transform builds a degree-d term (i1 ≤ … ≤ id) as the degree-(d-1)
 * term (i2 … id) times x_i1 (sklearn/preprocessing/_polynomial.py), so the product is taken in
 * that order: the term list is L(i2..id) followed by i1. */
static int poly_next(uint32_t *c, uint32_t d, uint32_t n, int interaction)
{
    /* the next combination (with replacement unless interaction) in lexicographic order */
    for (int64_t i = (int64_t)d - 1; i >= 0; i--) {
        uint32_t limit = interaction ? n - (d - (uint32_t)i) : n - 1;
        if (c[i] < limit) {
            c[i]++;
            for (uint32_t j = (uint32_t)i + 1; j < d; j++)
                c[j] = interaction ? c[j - 1] + 1 : c[j - 1];
            return 1;
        }
    }
    return 0;
}

static int poly(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    int64_t lo = 0, hi = 0;
    int interaction = 0, bias = 1;
    const pk_obj *v;
    if ((v = pk_attr(o, "_min_degree")) && pk_get_int(v, &lo))
        lo = 0;
    if (!(v = pk_attr(o, "_max_degree")) || pk_get_int(v, &hi)) {
        if (!(v = pk_attr(o, "degree")) || pk_get_int(v, &hi))
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: this degree", path);
    }
    if ((v = pk_attr(o, "interaction_only")))
        pk_get_bool(v, &interaction);
    if ((v = pk_attr(o, "include_bias")))
        pk_get_bool(v, &bias);
    if (hi > 3 || lo < 0 || lo > hi || in->n == 0)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: degree %" PRId64
                       " (frost handles up to 3)", path, hi);
    int rc = 0;
    for (uint32_t i = 0; !rc && i < in->n; i++)
        rc = want_kind(k, in->slot[i], FMT_SLOT_NUM, path);
    uint32_t *off = malloc(sizeof *off), *idx = NULL;
    char **names = NULL;
    uint32_t n_terms = 0, n_idx = 0;
    if (!off)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    off[0] = 0;
    for (uint32_t d = bias ? 0 : 1; !rc && d <= (uint32_t)hi; d++) {
        if (d && d < (uint32_t)lo)
            continue;
        if (interaction && d > in->n)
            break;
        uint32_t c[3] = {0, 1, 2};
        if (!interaction)
            c[1] = c[2] = 0;
        do {
            uint32_t *o2 = realloc(off, (n_terms + 2) * sizeof *off);
            uint32_t *i2 = realloc(idx, (n_idx + d + 1) * sizeof *idx);
            char **n2 = realloc(names, (n_terms + 1) * sizeof *names);
            if (o2) off = o2;
            if (i2) idx = i2;
            if (n2) names = n2;
            if (!o2 || !i2 || !n2) {
                rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
                break;
            }
            /* product order: L(c1..) then c0, recursively */
            uint32_t L[3];
            if (d == 1) L[0] = c[0];
            if (d == 2) { L[0] = c[0]; L[1] = c[1]; }
            if (d == 3) { L[0] = c[1]; L[1] = c[2]; L[2] = c[0]; }
            for (uint32_t j = 0; j < d; j++)
                idx[n_idx++] = L[j];
            off[++n_terms] = n_idx;
            /* get_feature_names_out: "a^2 b", bias "1" */
            char nm[8400] = "";
            size_t at = 0;
            if (d == 0)
                snprintf(nm, sizeof nm, "1");
            for (uint32_t j = 0; j < d; j++) {
                uint32_t e = 1;
                while (j + e < d && c[j + e] == c[j])
                    e++;
                if (at < sizeof nm)
                    at += (size_t)snprintf(nm + at, sizeof nm - at, e > 1 ? "%s%s^%u" : "%s%s",
                                           at ? " " : "", in->name[c[j]], e);
                j += e - 1;
            }
            names[n_terms - 1] = strdup(nm);
            if (!names[n_terms - 1])
                rc = fr_fail(k->e, FROST_ENOMEM, "out of memory");
        } while (!rc && d > 0 && poly_next(c, d, in->n, interaction));
    }
    uint32_t first = 0;
    if (!rc) {
        fmt_op op = {.opcode = FMT_OP_POLY, .n_in = in->n, .n_out = n_terms, .in = in->slot,
                     .term_off = off, .term_idx = idx};
        rc = add_op(k, &op, &first, path);
    }
    for (uint32_t t = 0; !rc && t < n_terms; t++)
        rc = cols_push(out, first + t, names[t]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    for (uint32_t t = 0; names && t < n_terms; t++)
        free(names[t]);
    free(names);
    free(off);
    free(idx);
    return rc;
}

/* KBinsDiscretizer: searchsorted over the inner edges (1.1+), or digitize with numpy.isclose's
 * tolerance before; encode='ordinal' gives the bin, 'onehot'/'onehot-dense' its one-hot. */
static int kbins(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *edges = pk_attr(o, "bin_edges_");
    const pk_obj *enc = pk_attr(o, "encode");
    int ordinal = !enc || pk_str_eq(enc, "ordinal");
    pk_array_info ei;
    if (!edges || pk_array_info_get(edges, &ei) || ei.count != in->n)
        return fr_fail(k->e, FROST_EFORMAT, "%s: bin_edges_ does not list %u columns", path,
                       in->n);
    int v[3];
    cv_sklearn_version(o, v);
    uint32_t rule = v[0] > 1 || (v[0] == 1 && v[1] >= 1) ? 1 : 2;
    int rc = 0;
    for (uint32_t f = 0; f < in->n && !rc; f++) {
        const pk_obj *e = pk_array_item(edges, f);
        pk_array_info ai;
        if (!e || pk_array_info_get(e, &ai) || ai.ndim != 1 || ai.count < 2 || ai.count > (1u << 20)) {
            rc = fr_fail(k->e, FROST_EFORMAT, "%s: bin_edges_[%u] is not an edge array", path, f);
            break;
        }
        double *ed = malloc(ai.count * sizeof *ed);
        if (!ed || pk_array_get_f64(e, NULL, ed, ai.count, k->e)) {
            free(ed);
            rc = ed ? fr_wrap(k->e, "%s.bin_edges_", path) : fr_fail(k->e, FROST_ENOMEM, "oom");
            break;
        }
        rc = want_kind(k, in->slot[f], FMT_SLOT_NUM, path);
        uint32_t n_bins = (uint32_t)ai.count - 1, first = 0;
        fmt_op op = {.opcode = FMT_OP_BINS, .n_in = 1, .n_out = ordinal ? 1 : n_bins,
                     .in = &in->slot[f], .rule = rule, .n_edges = (uint32_t)ai.count, .edges = ed};
        if (!rc)
            rc = add_op(k, &op, &first, path);
        for (uint32_t b = 0; !rc && b < op.n_out; b++) {
            char nm[8400];
            if (ordinal)
                snprintf(nm, sizeof nm, "%s", in->name[f]);
            else
                snprintf(nm, sizeof nm, "%s_%u.0", in->name[f], b);
            rc = cols_push(out, first + b, nm) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
        }
        free(ed);
    }
    return rc;
}

/* ---- composition ----------------------------------------------------------------------------- */

/* transformer_weights (ColumnTransformer, FeatureUnion): _transform_one returns res * weight. */
static int apply_weight(comp *k, const pk_obj *owner, const char *name, cols *res, const char *path)
{
    const pk_obj *weights = pk_attr(owner, "transformer_weights");
    const pk_obj *w = weights && pk_kind_of(weights) == PK_DICT ? pk_dict_get(weights, name) : NULL;
    double wv;
    if (!w || pk_is_none(w) || res->n == 0)
        return 0;
    if (pk_get_double(w, &wv))
        return fr_fail(k->e, FROST_EFORMAT, "%s: transformer weight is not a number", path);
    double *a = malloc(res->n * sizeof *a);
    if (!a)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t j = 0; j < res->n; j++)
        a[j] = wv;
    fmt_op op = {.opcode = FMT_OP_SCALE, .n_in = res->n, .n_out = res->n, .in = res->slot,
                 .mode = 2, .a = a, .b = a};
    uint32_t first = 0;
    int rc = add_op(k, &op, &first, path);
    free(a);
    for (uint32_t j = 0; !rc && j < res->n; j++)
        res->slot[j] = first + j;
    return rc;
}

/* The input positions a ColumnTransformer entry selects: from _transformer_to_input_indices
 * (1.1+), else from its column specification (names, indices, a slice, a boolean mask). */
static int ct_columns(comp *k, const pk_obj *ct, const char *name, const pk_obj *spec,
                      const cols *in, int64_t **idx, uint32_t *n_idx, const char *path)
{
    *idx = NULL;
    *n_idx = 0;
    const pk_obj *map = pk_attr(ct, "_transformer_to_input_indices");
    const pk_obj *sel = map ? pk_dict_get(map, name) : NULL;
    const pk_obj *src = sel ? sel : spec;
    if (!src)
        return fr_fail(k->e, FROST_EFORMAT, "%s: no column selection", path);
    /* _RemainderColsList (1.5+) is a list subclass: its items were given by APPENDS */
    if (pk_kind_of(src) == PK_OBJECT && pk_obj_listitems(src))
        src = pk_obj_listitems(src);
    pk_kind kind = pk_kind_of(src);
    uint64_t n = 0;
    pk_array_info ai;
    int is_arr = !pk_array_info_get(src, &ai);
    if (kind == PK_OBJECT && pk_is_class(src, "builtins.slice")) {
        const pk_obj *args = pk_obj_args(src);
        int64_t v[3] = {0, (int64_t)in->n, 1};
        for (int j = 0; j < 3 && args && j < (int)pk_len(args); j++)
            if (!pk_is_none(pk_item(args, (size_t)j)) && pk_get_int(pk_item(args, (size_t)j), &v[j]))
                return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: a slice of "
                               "column names", path);
        if (v[2] != 1 || v[0] < 0 || v[1] < v[0])
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: slice(%" PRId64
                           ", %" PRId64 ", %" PRId64 ")", path, v[0], v[1], v[2]);
        if (v[1] > (int64_t)in->n)
            v[1] = in->n;
        *idx = malloc((size_t)(v[1] - v[0] + 1) * sizeof **idx);
        if (!*idx)
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
        for (int64_t j = v[0]; j < v[1]; j++)
            (*idx)[(*n_idx)++] = j;
        return 0;
    }
    if (kind == PK_LIST || kind == PK_TUPLE)
        n = pk_len(src);
    else if (is_arr && ai.ndim == 1)
        n = ai.count;
    else if (kind == PK_STR || kind == PK_INT)
        n = 1;
    else
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: columns given as %s "
                       "(a callable selector?)", path, pk_kind_name(kind));
    *idx = malloc((n ? n : 1) * sizeof **idx);
    if (!*idx)
        return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    int bool_mask = is_arr && ai.kind == 'b';
    const pk_obj *names = pk_attr(ct, "feature_names_in_");
    for (uint64_t j = 0; j < n; j++) {
        const pk_obj *it = kind == PK_LIST || kind == PK_TUPLE ? pk_item(src, j)
                           : is_arr && ai.kind == 'O' ? pk_array_item(src, j) : NULL;
        if (kind == PK_STR || kind == PK_INT)
            it = src;
        int64_t v;
        if (bool_mask || (it && pk_kind_of(it) == PK_BOOL)) {
            int b;
            if (it ? pk_get_bool(it, &b) : 0)
                return fr_fail(k->e, FROST_EFORMAT, "%s: bad boolean mask", path);
            if (!it) {
                int64_t *all = malloc(n * sizeof *all);
                if (!all || pk_array_get_i64(src, NULL, all, n, k->e)) {
                    free(all);
                    return fr_fail(k->e, FROST_EFORMAT, "%s: unreadable column mask", path);
                }
                b = all[j] != 0;
                free(all);
            }
            if (b)
                (*idx)[(*n_idx)++] = (int64_t)j;
            continue;
        }
        const char *s = it ? pk_str(it, NULL) : NULL;
        char buf[4096];
        size_t len;
        if (!it && is_arr && (ai.kind == 'U' || ai.kind == 'S') &&
            !pk_array_get_str(src, j, buf, sizeof buf, &len, k->e))
            s = buf;
        if (s) {
            /* a name: its position among the transformer's input names */
            int64_t found = -1;
            for (uint32_t c = 0; c < in->n && found < 0; c++)
                if (strcmp(in->name[c], s) == 0)
                    found = c;
            if (found < 0 && names)
                return fr_fail(k->e, FROST_EFORMAT, "%s: column '%s' is not an input", path, s);
            if (found < 0)
                return fr_fail(k->e, FROST_EFORMAT, "%s: column '%s' given by name, but the "
                               "input has no names", path, s);
            (*idx)[(*n_idx)++] = found;
        } else if (it ? !pk_get_int(it, &v) : 0) {
            (*idx)[(*n_idx)++] = v < 0 ? v + in->n : v;
        } else if (!it && is_arr) {
            int64_t *all = malloc(n * sizeof *all);
            if (!all || pk_array_get_i64(src, NULL, all, n, k->e)) {
                free(all);
                return fr_fail(k->e, FROST_EFORMAT, "%s: unreadable column list", path);
            }
            v = all[j];
            free(all);
            (*idx)[(*n_idx)++] = v < 0 ? v + in->n : v;
        } else {
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: a column given as %s",
                           path, pk_kind_name(pk_kind_of(it)));
        }
    }
    for (uint32_t j = 0; j < *n_idx; j++)
        if ((*idx)[j] < 0 || (*idx)[j] >= in->n)
            return fr_fail(k->e, FROST_EFORMAT, "%s: column %" PRId64 " out of range", path,
                           (*idx)[j]);
    return 0;
}

static int column_transformer(comp *k, const pk_obj *o, const cols *in, cols *out,
                              const char *path)
{
    const pk_obj *list = pk_attr(o, "transformers_");
    if (!list || (pk_kind_of(list) != PK_LIST && pk_kind_of(list) != PK_TUPLE))
        return fr_fail(k->e, FROST_EFORMAT, "%s: no fitted transformers_ (not fitted?)", path);
    const pk_obj *vfn = pk_attr(o, "verbose_feature_names_out");
    int verbose = 1;
    if (vfn)
        pk_get_bool(vfn, &verbose);
    int rc = 0;
    for (size_t t = 0; t < pk_len(list) && !rc; t++) {
        const pk_obj *ent = pk_item(list, t);
        const char *name = pk_str(pk_item(ent, 0), NULL);
        const pk_obj *trans = pk_item(ent, 1);
        if (!name || pk_len(ent) < 3)
            return fr_fail(k->e, FROST_EFORMAT, "%s: transformers_[%zu] is not (name, "
                           "transformer, columns)", path, t);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, name);
        int64_t *idx;
        uint32_t n_idx;
        if ((rc = ct_columns(k, o, name, pk_item(ent, 2), in, &idx, &n_idx, sub))) {
            free(idx);
            break;
        }
        cols sel = {0}, res = {0};
        for (uint32_t j = 0; j < n_idx && !rc; j++)
            rc = cols_push(&sel, in->slot[idx[j]], in->name[idx[j]]) ? FROST_ENOMEM : 0;
        free(idx);
        if (!rc && !(pk_str_eq(trans, "drop") || n_idx == 0)) {
            if (pk_str_eq(trans, "passthrough"))
                for (uint32_t j = 0; j < sel.n && !rc; j++)
                    rc = cols_push(&res, sel.slot[j], sel.name[j]) ? FROST_ENOMEM : 0;
            else
                rc = compile(k, trans, &sel, &res, sub);
            if (!rc)
                rc = apply_weight(k, o, name, &res, sub);
            for (uint32_t j = 0; j < res.n && !rc; j++) {
                char nm[8400];
                if (verbose)
                    snprintf(nm, sizeof nm, "%s__%s", name, res.name[j]);
                else
                    snprintf(nm, sizeof nm, "%s", res.name[j]);
                rc = cols_push(out, res.slot[j], nm) ? FROST_ENOMEM : 0;
            }
        }
        cols_free(&sel);
        cols_free(&res);
    }
    return rc == FROST_ENOMEM && !k->e->code ? fr_fail(k->e, rc, "out of memory") : rc;
}

static int pipeline_steps(comp *k, const pk_obj *o, size_t n_steps, const cols *in, cols *out,
                          const char *path)
{
    const pk_obj *steps = pk_attr(o, "steps");
    cols cur = {0};
    int rc = 0;
    for (uint32_t j = 0; j < in->n && !rc; j++)
        rc = cols_push(&cur, in->slot[j], in->name[j]) ? FROST_ENOMEM : 0;
    for (size_t i = 0; i < n_steps && !rc; i++) {
        const pk_obj *step = pk_item(steps, i);
        const char *name = pk_str(pk_item(step, 0), NULL);
        const pk_obj *est = pk_item(step, 1);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, name ? name : "?");
        if (!est || pk_is_none(est) || pk_str_eq(est, "passthrough"))
            continue;
        cols next = {0};
        rc = compile(k, est, &cur, &next, sub);
        cols_free(&cur);
        cur = next;
    }
    if (!rc)
        *out = cur;
    else
        cols_free(&cur);
    return rc;
}

static int feature_union(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const pk_obj *list = pk_attr(o, "transformer_list");
    if (!list)
        return fr_fail(k->e, FROST_EFORMAT, "%s: no transformer_list", path);
    int rc = 0;
    for (size_t t = 0; t < pk_len(list) && !rc; t++) {
        const pk_obj *ent = pk_item(list, t);
        const char *name = pk_str(pk_item(ent, 0), NULL);
        const pk_obj *trans = pk_item(ent, 1);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", path, name ? name : "?");
        if (pk_str_eq(trans, "drop"))
            continue;
        cols res = {0};
        if (pk_str_eq(trans, "passthrough"))
            for (uint32_t j = 0; j < in->n && !rc; j++)
                rc = cols_push(&res, in->slot[j], in->name[j]) ? FROST_ENOMEM : 0;
        else
            rc = compile(k, trans, in, &res, sub);
        if (!rc && name)
            rc = apply_weight(k, o, name, &res, sub);
        for (uint32_t j = 0; j < res.n && !rc; j++) {
            char nm[8400];
            snprintf(nm, sizeof nm, "%s__%s", name ? name : "?", res.name[j]);
            rc = cols_push(out, res.slot[j], nm) ? FROST_ENOMEM : 0;
        }
        cols_free(&res);
    }
    return rc;
}


/* ---- combinations: VotingClassifier, VotingRegressor, OneVsRestClassifier -------------------- */

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
        rc = pipeline_steps(k, est, n - 1, in, &mine, path);
    } else {
        for (uint32_t j = 0; j < in->n && !rc; j++)
            rc = cols_push(&mine, in->slot[j], in->name[j]) ? fr_fail(k->e, FROST_ENOMEM, "oom")
                                                            : 0;
    }
    const char *fcls = cls_of(final);
    if (!rc && !cv_is_estimator(fcls))
        rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet as a member: %s",
                     final_path, fcls ? fcls : pk_kind_name(pk_kind_of(final)));
    /* OneVsRestClassifier also takes regressors (sklearn/multiclass.py _predict_binary:
     * their predict is the score); frost does not */
    int want_clf = !pk_is_class(k->cv->est_combine, "sklearn.ensemble._voting.VotingRegressor");
    if (!rc && cv_is_classifier(fcls) != want_clf)
        rc = fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported: a %s as a member of a %s",
                     final_path, want_clf ? "regressor" : "classifier",
                     cv_short_name(cls_of(k->cv->est_combine)));
    for (uint32_t j = 0; j < mine.n && !rc; j++)
        rc = want_kind(k, mine.slot[j], FMT_SLOT_NUM, final_path);
    if (!rc && cm->score != FMT_SCORE_NONE)
        cm->score = cv_has_decision_function(fcls) ? FMT_SCORE_DECISION : FMT_SCORE_PROBA;
    if (!rc) {
        cm->slots = mine.slot;
        cm->n_in = mine.n;
        mark_read(k, mine.slot, mine.n);
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
        rc = cols_push(all, mine.slot[j], nm) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
    }
    cols_free(&mine);
    return rc;
}

/* A VotingClassifier / VotingRegressor / OneVsRestClassifier whose input columns are `in`:
 * a bare builder holding the combination, its members converted into it. `all` receives the
 * columns the members read. */
static int combine(comp *k, const pk_obj *o, const cols *in, const char *path,
                   const frost_convert_options *o_, cols *all)
{
    conv *c = k->cv;
    const char *cls = cls_of(o);
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
    if (!rc && (rc = rt_builder_new_bare(&o_->write, &c->b)))
        rc = fr_fail(k->e, rc, "out of memory");
    if (!rc && (rc = rt_builder_set_combine(c->b, task, rule, n_classes, k->n_inputs)))
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

/* What a transformer's transform refuses in its input (check_array as its version calls it), or
 * 0 for the composites, which leave validation to their steps:
 *  - SimpleImputer: infinity (force_all_finite='allow-nan' when missing_values is NaN); with
 *    missing_values=None, missing values too (sklearn/impute/_base.py _validate_input);
 *  - the scalers: infinity; missing values too before 0.20, which taught them NaN
 *    (preprocessing/_data.py);
 *  - OneHotEncoder / OrdinalEncoder: infinity; missing values too before 0.24
 *    (preprocessing/_encoders.py _check_X);
 *  - Normalizer, PolynomialFeatures, KBinsDiscretizer, FunctionTransformer(validate=True):
 *    check_array's defaults, both. */
static uint32_t step_refuses(const pk_obj *o, const char *cls)
{
    const uint32_t both = FMT_CHECK_NAN | FMT_CHECK_INF;
    int b;
    if (strcmp(cls, "sklearn.impute._base.SimpleImputer") == 0) {
        const pk_obj *mv = pk_attr(o, "missing_values");
        return mv && pk_is_none(mv) ? both : FMT_CHECK_INF;
    }
    if (strcmp(cls, SK_PRE "StandardScaler") == 0 || strcmp(cls, SK_PRE "MinMaxScaler") == 0 ||
        strcmp(cls, SK_PRE "RobustScaler") == 0 || strcmp(cls, SK_PRE "MaxAbsScaler") == 0)
        return cv_version_at_least(o, 0, 20) ? FMT_CHECK_INF : both;
    if (strcmp(cls, SK_ENC "OneHotEncoder") == 0 || strcmp(cls, SK_ENC "OrdinalEncoder") == 0)
        return cv_version_at_least(o, 0, 24) ? FMT_CHECK_INF : both;
    if (strcmp(cls, SK_PRE "Normalizer") == 0 ||
        strcmp(cls, "sklearn.preprocessing._polynomial.PolynomialFeatures") == 0 ||
        strcmp(cls, "sklearn.preprocessing._discretization.KBinsDiscretizer") == 0)
        return both;
    if (strcmp(cls, "sklearn.preprocessing._function_transformer.FunctionTransformer") == 0)
        return pk_attr(o, "validate") && !pk_get_bool(pk_attr(o, "validate"), &b) && b ? both : 0;
    return 0;
}

/* Records a transformer's refusals over its input columns: numeric columns get the whole rule,
 * string columns its missing-value part (check_array looks only for NaN in object arrays).
 * Raw inputs no operation typed (columns an imputer drops) are left out: their kind is unknown,
 * and nothing reads them. */
static int step_check(comp *k, const pk_obj *o, const cols *in, const char *path)
{
    uint32_t rule = step_refuses(o, cls_of(o));
    if (!rule || !in->n)
        return 0;
    uint32_t *num = malloc(in->n * sizeof *num), *str = malloc(in->n * sizeof *str);
    uint32_t n_num = 0, n_str = 0;
    int rc = num && str ? 0 : fr_fail(k->e, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; !rc && i < in->n; i++) {
        uint32_t s = in->slot[i];
        if (s < k->n_inputs && k->input_kind[s] == KIND_UNSET)
            continue;
        if (k->p->slot_kind[s] == FMT_SLOT_STR)
            str[n_str++] = s;
        else
            num[n_num++] = s;
    }
    if (!rc)
        rc = cv_add_check(k->cv, o, rule, num, n_num, path);
    if (!rc && (rule & FMT_CHECK_NAN))
        rc = cv_add_check(k->cv, o, FMT_CHECK_NAN, str, n_str, path);
    free(num);
    free(str);
    return rc;
}

static int compile_step(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path);

/* Compiles one step, then records what scikit-learn's version of it refuses. */
static int compile(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    int rc = compile_step(k, o, in, out, path);
    return rc ? rc : step_check(k, o, in, path);
}

static int compile_step(comp *k, const pk_obj *o, const cols *in, cols *out, const char *path)
{
    const char *cls = cls_of(o);
    if (!cls)
        return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported: a %s step", path,
                       pk_kind_name(pk_kind_of(o)));
    if (strcmp(cls, "sklearn.pipeline.Pipeline") == 0)
        return pipeline_steps(k, o, pk_len(pk_attr(o, "steps")), in, out, path);
    if (strcmp(cls, "sklearn.compose._column_transformer.ColumnTransformer") == 0)
        return column_transformer(k, o, in, out, path);
    if (strcmp(cls, "sklearn.pipeline.FeatureUnion") == 0)
        return feature_union(k, o, in, out, path);
    if (strcmp(cls, "sklearn.impute._base.SimpleImputer") == 0)
        return imputer(k, o, in, out, path);
    if (strcmp(cls, SK_PRE "StandardScaler") == 0 || strcmp(cls, SK_PRE "MinMaxScaler") == 0 ||
        strcmp(cls, SK_PRE "RobustScaler") == 0 || strcmp(cls, SK_PRE "MaxAbsScaler") == 0)
        return scaler(k, o, cls, in, out, path);
    if (strcmp(cls, SK_ENC "OneHotEncoder") == 0)
        return onehot(k, o, in, out, path);
    if (strcmp(cls, SK_ENC "OrdinalEncoder") == 0)
        return ordinal(k, o, in, out, path);
    if (strcmp(cls, SK_PRE "Normalizer") == 0)
        return normalizer(k, o, in, out, path);
    if (strcmp(cls, "sklearn.preprocessing._polynomial.PolynomialFeatures") == 0)
        return poly(k, o, in, out, path);
    if (strcmp(cls, "sklearn.preprocessing._discretization.KBinsDiscretizer") == 0)
        return kbins(k, o, in, out, path);
    if (strcmp(cls, "sklearn.preprocessing._function_transformer.FunctionTransformer") == 0) {
        /* ColumnTransformer fits 'passthrough' as FunctionTransformer(func=None): identity */
        const pk_obj *fn = pk_attr(o, "func");
        if (fn && !pk_is_none(fn))
            return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: "
                           "FunctionTransformer with a function", path);
        int rc = 0;
        for (uint32_t j = 0; j < in->n && !rc; j++)
            rc = cols_push(out, in->slot[j], in->name[j]) ? fr_fail(k->e, FROST_ENOMEM, "oom") : 0;
        return rc;
    }
    return fr_fail(k->e, FROST_EUNSUPPORTED, "%s: not supported yet: %s", path, cls);
}

/* Where the object of class `full` sits among a pipeline's steps: "pipeline/pre/num/custom".
 * Follows only the composites' own step lists, depth-bounded (the graph may have cycles). */
static int locate(const pk_obj *o, const char *full, char *path, size_t cap, size_t at, int depth)
{
    const char *cls = pk_class_name(o);
    if (!cls || depth > 16 || at >= cap)
        return 0;
    if (strcmp(cls, full) == 0)
        return 1;
    /* a refused function held by a step (FunctionTransformer(np.log1p): numpy.log1p) */
    static const char *const fn_attrs[] = {"func", "inverse_func"};
    for (size_t i = 0; i < sizeof fn_attrs / sizeof fn_attrs[0]; i++) {
        const char *fn = pk_class_name(pk_attr(o, fn_attrs[i]));
        if (fn && strcmp(fn, full) == 0)
            return 1;
    }
    if (strcmp(cls, "sklearn.multiclass.OneVsRestClassifier") == 0) {
        const pk_obj *list = pk_attr(o, "estimators_");
        for (size_t i = 0; list && i < pk_len(list); i++) {
            size_t n = at + (size_t)snprintf(path + at, cap - at, "/estimators_[%zu]", i);
            if (locate(pk_item(list, i), full, path, cap, n, depth + 1))
                return 1;
            path[at] = 0;
        }
        size_t n = at + (size_t)snprintf(path + at, cap - at, "/estimator");
        if (locate(pk_attr(o, "estimator"), full, path, cap, n, depth + 1))
            return 1;
        path[at] = 0;
    }
    static const struct {
        const char *cls;
        const char *attr;
    } lists[] = {
        {"sklearn.pipeline.Pipeline", "steps"},
        {"sklearn.compose._column_transformer.ColumnTransformer", "transformers_"},
        {"sklearn.compose._column_transformer.ColumnTransformer", "transformers"},
        {"sklearn.pipeline.FeatureUnion", "transformer_list"},
        {"sklearn.ensemble._voting.VotingClassifier", "estimators"},
        {"sklearn.ensemble._voting.VotingRegressor", "estimators"},
    };
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        if (strcmp(cls, lists[l].cls) != 0)
            continue;
        const pk_obj *list = pk_attr(o, lists[l].attr);
        for (size_t i = 0; list && i < pk_len(list); i++) {
            const pk_obj *ent = pk_item(list, i);
            const char *name = pk_str(pk_item(ent, 0), NULL);
            size_t n = at + (size_t)snprintf(path + at, cap - at, "/%s", name ? name : "?");
            if (locate(pk_item(ent, 1), full, path, cap, n, depth + 1))
                return 1;
            path[at] = 0;
        }
    }
    const pk_obj *best = pk_attr(o, "best_estimator_");
    return best && locate(best, full, path, cap, at, depth + 1);
}

int cv_locate(const pk_obj *root, const char *full, char *path, size_t cap)
{
    const char *cls = pk_class_name(root);
    if (!cls || cap < 2)
        return 0;
    const char *name = cv_short_name(cls);
    size_t at = (size_t)snprintf(path, cap, "%s", name);
    /* a name longer than path (a survey token can be any length) is cut: only what fits */
    for (size_t i = 0; i < at && i < cap - 1; i++)
        path[i] = (char)(path[i] >= 'A' && path[i] <= 'Z' ? path[i] + 32 : path[i]);
    return strcmp(cls, full) != 0 && locate(root, full, path, cap, at, 0);
}

int cv_is_pipeline_class(const char *cls)
{
    static const char *const classes[] = {
        "sklearn.pipeline.Pipeline",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.impute._base.SimpleImputer",
        SK_PRE "StandardScaler",
        SK_PRE "MinMaxScaler",
        SK_PRE "RobustScaler",
        SK_PRE "MaxAbsScaler",
        SK_ENC "OneHotEncoder",
        SK_ENC "OrdinalEncoder",
        SK_PRE "Normalizer",
        "sklearn.preprocessing._polynomial.PolynomialFeatures",
        "sklearn.preprocessing._discretization.KBinsDiscretizer",
    };
    for (size_t i = 0; cls && i < sizeof classes / sizeof classes[0]; i++)
        if (strcmp(cls, classes[i]) == 0)
            return 1;
    return 0;
}

/* The raw inputs: the first step's feature_names_in_ (or n_features_in_ positional columns). */
static int pipeline_inputs(comp *k, const pk_obj *root, cols *in)
{
    const pk_obj *first = root;
    /* Voting* keep feature_names_in_ but derive n_features_in_ from estimators_[0] (a
     * property, not pickled); OneVsRestClassifier copies both from it */
    for (int depth = 0; depth < 8 && cv_is_combine(cls_of(first)) &&
                        !pk_attr(first, "feature_names_in_") && !pk_attr(first, "n_features_in_");
         depth++) {
        const pk_obj *ests = pk_attr(first, "estimators_");
        if (!ests || !pk_len(ests))
            break;
        first = cv_unwrap_search(pk_item(ests, 0));
    }
    while (pk_is_class(first, "sklearn.pipeline.Pipeline")) {
        const pk_obj *steps = pk_attr(first, "steps");
        const pk_obj *est = NULL;
        for (size_t i = 0; steps && i < pk_len(steps) && !est; i++) {
            const pk_obj *e = pk_item(pk_item(steps, i), 1);
            if (e && !pk_is_none(e) && !pk_str_eq(e, "passthrough"))
                est = e;
        }
        if (!est)
            return fr_fail(k->e, FROST_EFORMAT, "the pipeline has no steps");
        first = est;
    }
    /* a FeatureUnion records no input width of its own: its first transformer does */
    for (int depth = 0; depth < 8 && pk_is_class(first, "sklearn.pipeline.FeatureUnion") &&
                        !pk_attr(first, "n_features_in_"); depth++) {
        const pk_obj *list = pk_attr(first, "transformer_list");
        const pk_obj *t = NULL;
        for (size_t i = 0; list && i < pk_len(list) && !t; i++) {
            const pk_obj *e = pk_item(pk_item(list, i), 1);
            if (e && !pk_str_eq(e, "drop") && !pk_str_eq(e, "passthrough"))
                t = e;
        }
        if (!t)
            break;
        first = t;
    }
    const pk_obj *names = pk_attr(first, "feature_names_in_");
    int64_t n = 0;
    pk_array_info ai;
    if (names && !pk_array_info_get(names, &ai) && ai.ndim == 1) {
        n = (int64_t)ai.count;
    } else {
        names = NULL;
        const pk_obj *nf = pk_attr(first, "n_features_in_");
        if (!nf || pk_get_int(nf, &n))
            return fr_fail(k->e, FROST_EFORMAT, "%s: cannot tell how many input columns it "
                           "takes", cv_short_name(pk_class_name(first)));
    }
    if (n <= 0 || n > (1 << 22))
        return fr_fail(k->e, FROST_EFORMAT, "%" PRId64 " input columns", n);
    for (int64_t i = 0; i < n; i++) {
        char buf[4096];
        size_t len;
        if (names) {
            if (pk_array_get_str(names, (uint64_t)i, buf, sizeof buf, &len, k->e))
                return fr_wrap(k->e, "feature_names_in_");
        } else {
            snprintf(buf, sizeof buf, "x%" PRId64, i);
        }
        if (cols_push(in, (uint32_t)i, buf))
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    }
    k->cv->n_inputs = (uint32_t)n;
    if (names) {
        k->cv->input_names = calloc((size_t)n, sizeof(char *));
        if (!k->cv->input_names)
            return fr_fail(k->e, FROST_ENOMEM, "out of memory");
        for (int64_t i = 0; i < n; i++)
            if (!(k->cv->input_names[i] = strdup(in->name[i])))
                return fr_fail(k->e, FROST_ENOMEM, "out of memory");
    }
    return 0;
}

/* The input columns' kinds once everything is compiled: what an operation typed; numbers where
 * only the outputs (passthrough), a member or a check read a column; unused where nothing does —
 * a column the model lists but a ColumnTransformer drops. */
static void finish_kinds(comp *k, const cols *outputs)
{
    mark_read(k, outputs->slot, outputs->n);
    for (uint32_t i = 0; i < k->n_inputs; i++)
        if (k->input_kind[i] == KIND_UNSET)
            k->p->slot_kind[i] = k->input_read[i] ? FMT_SLOT_NUM : FMT_SLOT_UNUSED;
}

/* The end of a pipeline that is a combination: its members are compiled and converted, then
 * the program gets its outputs — the combination's input columns (what `frost transform`
 * writes, as pipe[:-1].transform does) when they are numbers, else the columns its members
 * read — and goes into the builder unless it does nothing at all. */
static int combine_program(comp *k, const pk_obj *final, const cols *in, const cols *out,
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
        if (s < in->n ? !k->input_read[s] || (k->input_kind[s] != KIND_UNSET &&
                                              k->input_kind[s] != FMT_SLOT_NUM)
                      : k->p->slot_kind[s] != FMT_SLOT_NUM)
            shown = &all;
    }
    if (!rc)
        finish_kinds(k, shown);
    if (!rc)
        rc = fmt_program_set_outputs(k->p, shown->slot, shown->n,
                                     (const char *const *)shown->name, c->e);
    /* no operations and the inputs themselves as outputs: members read input columns */
    int identity = !rc && k->p->n_ops == 0 && shown->n == in->n;
    for (uint32_t i = 0; identity && i < shown->n; i++)
        identity = shown->slot[i] == i;
    if (!rc && !identity) {
        if ((rc = rt_builder_set_program(c->b, k->p)))
            rc = fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        else
            k->p = NULL;
    }
    cols_free(&all);
    return rc;
}

int cv_pipeline(conv *c, const pk_obj *root, const frost_convert_options *o)
{
    comp k = {.cv = c, .e = c->e};
    cols in = {0}, out = {0};
    int rc = pipeline_inputs(&k, root, &in);
    if (rc)
        goto free_cols;
    k.n_inputs = in.n;
    k.p = fmt_program_new(in.n, NULL);
    k.input_kind = malloc(in.n);
    k.input_read = calloc(in.n, 1);
    if (!k.p || !k.input_kind || !k.input_read) {
        rc = fr_fail(c->e, FROST_ENOMEM, "out of memory");
        goto free_cols;
    }
    memset(k.input_kind, KIND_UNSET, in.n);
    /* a Pipeline ending in an estimator: compile the steps before it, convert it after */
    const pk_obj *final = NULL;
    char final_path[300] = "";
    const char *root_name = cv_short_name(pk_class_name(root));
    char path[256];
    /* a root that is not a Pipeline has no step name: its class in lowercase, the name
     * make_pipeline gives it and cv_locate writes too */
    snprintf(path, sizeof path, "%s", root_name);
    for (char *q = path; *q; q++)
        *q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
    if (pk_is_class(root, "sklearn.pipeline.Pipeline")) {
        const pk_obj *steps = pk_attr(root, "steps");
        size_t n = pk_len(steps);
        const pk_obj *last = n ? cv_unwrap_search(pk_item(pk_item(steps, n - 1), 1)) : NULL;
        if (last && (cv_is_estimator(pk_class_name(last)) || cv_is_combine(pk_class_name(last)))) {
            final = last;
            const char *step = pk_str(pk_item(pk_item(steps, n - 1), 0), NULL);
            snprintf(final_path, sizeof final_path, "pipeline/%s", step ? step : "?");
            n--;
        } else if (last && !cv_is_pipeline_class(pk_class_name(last)) && !pk_is_none(last) &&
                   !pk_str_eq(last, "passthrough")) {
            const char *step = pk_str(pk_item(pk_item(steps, pk_len(steps) - 1), 0), NULL);
            rc = fr_fail(c->e, FROST_EUNSUPPORTED, "pipeline/%s: not supported yet: %s",
                         step ? step : "?", pk_class_name(last) ? pk_class_name(last)
                                                                 : pk_kind_name(pk_kind_of(last)));
            goto free_cols;
        }
        snprintf(path, sizeof path, "pipeline");
        rc = pipeline_steps(&k, root, n, &in, &out, path);
    } else if (cv_is_combine(pk_class_name(root))) {
        final = root; /* a Voting / OneVsRest over the raw columns */
        snprintf(final_path, sizeof final_path, "%s", path);
        for (uint32_t j = 0; j < in.n && !rc; j++)
            rc = cols_push(&out, in.slot[j], in.name[j]) ? fr_fail(c->e, FROST_ENOMEM, "oom") : 0;
    } else {
        rc = compile(&k, root, &in, &out, path);
    }
    if (rc)
        goto free_cols;
    if (out.n == 0) {
        rc = fr_fail(c->e, FROST_EUNSUPPORTED, "the preprocessing produces no columns");
        goto free_cols;
    }
    if (final && cv_is_combine(pk_class_name(final))) {
        rc = combine_program(&k, final, &in, &out, final_path, o);
        goto free_cols;
    }
    finish_kinds(&k, &out);
    for (uint32_t i = 0; i < out.n; i++)
        if (k.p->slot_kind[out.slot[i]] != FMT_SLOT_NUM) {
            rc = fr_fail(c->e, FROST_EUNSUPPORTED, "column '%s' reaches the %s as strings",
                         out.name[i], final ? "estimator" : "output");
            goto free_cols;
        }
    if ((rc = fmt_program_set_outputs(k.p, out.slot, out.n, (const char *const *)out.name,
                                      c->e)))
        goto free_cols;
    c->program = k.p;
    k.p = NULL;
    if (final) {
        c->path = final_path;
        rc = cv_estimator(c, final, o);
        c->path = NULL;
        if (rc)
            fr_wrap(c->e, "%s", final_path);
        if (!rc && c->n_features != out.n)
            rc = fr_fail(c->e, FROST_EFORMAT, "the estimator takes %u features, the "
                         "preprocessing makes %u", c->n_features, out.n);
    } else {
        /* a saved transformer: a builder with the program only */
        if ((rc = rt_builder_new_bare(&o->write, &c->b)))
            rc = fr_fail(c->e, rc, "out of memory");
        else if ((rc = rt_builder_set_program(c->b, c->program)))
            rc = fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
        else
            c->program = NULL;
    }
free_cols:
    fmt_program_free(NULL, k.p);
    free(k.input_kind);
    free(k.input_read);
    cols_free(&in);
    cols_free(&out);
    return rc;
}
