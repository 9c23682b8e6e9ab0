/*
 * make_models.c — writes a varied set of .frost files (and a rows CSV for each) through the
 * public builder API only, for the independent-decoder stage (tests/stages/spec.sh).
 *
 *   make_models OUT_DIR
 *
 * For every model NAME it writes OUT_DIR/NAME.frost and OUT_DIR/NAME.csv. Trees are random but
 * shaped like scikit-learn's Tree arrays (node 0 root, children -1 at leaves, depth-first
 * numbering); thresholds are float64 values as scikit-learn computes them (mostly midpoints of
 * two float32 values), and rows hit thresholds exactly and one float32 ulp around them.
 * Format 1.3 models too: wide trees (float64 thresholds, rows one float64 ulp around them;
 * categorical splits with random category sets, rows with categories in and out of range,
 * fractional, negative and beyond 2^31), the links EXP and SOFTMAX_NORM, PROBA_ARGMAX, and
 * ISOLATION ensembles. Output is deterministic (fixed seeds).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frost.h"

/* ---- random numbers (splitmix64) --------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fprintf(stderr, "make_models: out of memory\n");
        exit(1);
    }
    return p;
}

/* ---- per-feature threshold pools (so that rows can land on them) ------------------------ */

#define POOL_MAX 64
typedef struct feature_pool {
    double th[POOL_MAX];
    int n;
} feature_pool;

static feature_pool *pools;
static uint32_t pools_n;

/* A threshold like scikit-learn's: usually the float64 midpoint of two adjacent float32 sample
 * values, sometimes a float32 value itself, sometimes an arbitrary double. */
static double make_threshold(void)
{
    uint32_t r = below(200);
    if (r == 0)
        return (below(2) ? 1.0 : -1.0) * 3.5e38; /* beyond FLT_MAX */
    if (r == 1)
        return (below(2) ? 1.0 : -1.0) * 1e-40; /* float32 subnormal range */
    if (r == 2)
        return (double)FLT_MAX;
    double scale = (below(4) == 0) ? 1000.0 : 3.0;
    float a = (float)((unif() - 0.5) * scale);
    switch (below(5)) {
    case 0:
        return (double)a; /* exactly representable in float32 */
    case 1:
        return (unif() - 0.5) * scale; /* arbitrary double */
    case 2: {
        float b = nextafterf(a, INFINITY); /* midpoint of two adjacent floats */
        return ((double)a + (double)b) / 2.0;
    }
    default: {
        float b = (float)((double)a + unif() * 0.01 * scale);
        return ((double)a + (double)b) / 2.0;
    }
    }
}

static double pick_threshold(uint32_t f)
{
    feature_pool *p = &pools[f];
    if (p->n > 0 && (p->n == POOL_MAX || below(3) != 0))
        return p->th[below((uint32_t)p->n)];
    double t = make_threshold();
    p->th[p->n++] = t;
    return t;
}

/* ---- random trees ------------------------------------------------------------------------ */

typedef struct tree {
    uint64_t n, cap;
    int64_t *left, *right, *feature;
    double *threshold;
    uint8_t *nan_left;
    uint8_t *is_cat;     /* categorical splits (wide trees) */
    uint32_t *sets;      /* 8 words per node: the categories going left */
    double *value;
    uint32_t width;
} tree;

/* COUNTS: small integer class counts (some weighted); FRACTIONS: counts divided by their sum;
 * WEIGHTS: positive weights of very different magnitudes, so that the order of a sum matters;
 * REAL: regression values; SMALL: boosting stage values. */
enum leaf_kind { LEAF_COUNTS, LEAF_FRACTIONS, LEAF_WEIGHTS, LEAF_REAL, LEAF_SMALL };

typedef struct tree_params {
    uint32_t n_features;
    uint32_t width;
    const uint32_t *n_classes; /* per output, for counts/fractions */
    uint32_t n_outputs;
    enum leaf_kind leaves;
    int max_depth;
    double p_split;    /* probability to split a node above max_depth/3 */
    int with_nan_left; /* fill missing_go_to_left randomly */
    int wide;          /* float64 thresholds (no float32 rounding in the pools) */
    uint32_t n_cat;    /* features 0 .. n_cat-1 are categorical (wide trees) */
} tree_params;

static uint64_t tree_push(tree *t)
{
    if (t->n == t->cap) {
        uint64_t c = t->cap ? t->cap * 2 : 64;
        t->left = realloc(t->left, c * 8);
        t->right = realloc(t->right, c * 8);
        t->feature = realloc(t->feature, c * 8);
        t->threshold = realloc(t->threshold, c * 8);
        t->nan_left = realloc(t->nan_left, c);
        t->is_cat = realloc(t->is_cat, c);
        t->sets = realloc(t->sets, c * 8 * sizeof *t->sets);
        t->value = realloc(t->value, c * t->width * 8);
        if (!t->left || !t->right || !t->feature || !t->threshold || !t->nan_left ||
            !t->is_cat || !t->sets || !t->value) {
            fprintf(stderr, "make_models: out of memory\n");
            exit(1);
        }
        t->cap = c;
    }
    return t->n++;
}

static void fill_leaf(const tree_params *p, double *v)
{
    switch (p->leaves) {
    case LEAF_COUNTS:
    case LEAF_FRACTIONS: {
        uint32_t off = 0;
        for (uint32_t o = 0; o < p->n_outputs; o++) {
            uint32_t k = p->n_classes[o];
            double sum = 0;
            int zero = below(40) == 0; /* an all-zero row (zero sum counts as 1) */
            for (uint32_t j = 0; j < k; j++) {
                double c = zero ? 0.0 : (double)below(below(2) ? 4 : 30);
                if (!zero && below(7) == 0)
                    c += unif(); /* weighted samples */
                v[off + j] = c;
                sum += c;
            }
            if (p->leaves == LEAF_FRACTIONS && sum > 0)
                for (uint32_t j = 0; j < k; j++)
                    v[off + j] /= sum;
            off += k;
        }
        break;
    }
    case LEAF_WEIGHTS:
        for (uint32_t j = 0; j < p->width; j++) {
            static const double mag[] = {1e-3, 0.1, 1.0, 3.0, 1e3, 1e8};
            v[j] = below(6) == 0 ? 0.0 : unif() * mag[below(6)];
        }
        break;
    case LEAF_REAL:
        for (uint32_t j = 0; j < p->width; j++) {
            double m = below(5) == 0 ? 1e6 : 10.0;
            v[j] = (unif() - 0.5) * m;
            if (below(20) == 0)
                v[j] = 0.1 * below(10); /* ties and repeating decimals */
        }
        break;
    case LEAF_SMALL:
        for (uint32_t j = 0; j < p->width; j++)
            v[j] = (unif() - 0.5) * 2.0;
        break;
    }
}

/* Depth-first numbering like scikit-learn's DepthFirstTreeBuilder. */
static int64_t grow(tree *t, const tree_params *p, int depth)
{
    uint64_t i = tree_push(t);
    int split = depth < p->max_depth &&
                (depth < p->max_depth / 3 ? unif() < 0.97 : unif() < p->p_split);
    for (uint32_t j = 0; j < t->width; j++)
        t->value[i * t->width + j] = 0.0;
    t->is_cat[i] = 0;
    memset(&t->sets[i * 8], 0, 8 * sizeof *t->sets);
    if (!split) {
        t->left[i] = t->right[i] = -1;
        t->feature[i] = -2;
        t->threshold[i] = -2.0;
        t->nan_left[i] = 0;
        fill_leaf(p, &t->value[i * t->width]);
        return (int64_t)i;
    }
    uint32_t f = below(p->n_features);
    t->feature[i] = f;
    if (f < p->n_cat) {
        /* a categorical split: a random set of the categories 0..40 (and, rarely, of all) */
        t->is_cat[i] = 1;
        t->threshold[i] = 0.0;
        for (uint32_t c = 0; c < 256; c++)
            if ((c <= 40 || below(30) == 0) && below(2))
                t->sets[i * 8 + c / 32] |= 1u << (c % 32);
    } else {
        t->threshold[i] = pick_threshold(f);
    }
    t->nan_left[i] = p->with_nan_left ? (uint8_t)(rnd() & 1) : 0;
    int64_t l = grow(t, p, depth + 1);
    t->left[i] = l;
    int64_t r = grow(t, p, depth + 1);
    t->right[i] = r;
    /* internal node value: something nonzero that a reader must never return */
    for (uint32_t j = 0; j < t->width; j++)
        t->value[i * t->width + j] = 12345.0;
    return (int64_t)i;
}

static void tree_free(tree *t)
{
    free(t->left);
    free(t->right);
    free(t->feature);
    free(t->threshold);
    free(t->nan_left);
    free(t->is_cat);
    free(t->sets);
    free(t->value);
    memset(t, 0, sizeof *t);
}

/* ---- model description -------------------------------------------------------------------- */

typedef struct model_def {
    const char *name;
    uint64_t seed;
    frost_task task;
    frost_ensemble_kind kind;
    uint32_t n_features;
    uint32_t n_outputs;
    uint32_t n_classes[8];
    frost_label_kind label_kind[8];
    int normalize, raw_argmax, sign_decision;
    frost_link link;
    double learning_rate;
    uint32_t n_trees;
    int max_depth;
    double p_split;
    enum leaf_kind leaves;
    int nan_left;
    int compress;
    uint32_t block_shift, top_levels;
    int named;   /* 0 positional, 1 simple names, 2 names with commas/quotes/unicode */
    int meta;
    uint32_t n_rows;
    int single_leaf; /* every tree is one leaf */
    int must_fail;   /* FORMAT.md forbids it: the builder must refuse it */
    int exact;       /* format 1.3: wide trees (exact_thresholds) */
    uint32_t n_cat;  /* with exact: features 0 .. n_cat-1 are categorical */
    int proba_argmax;
    double path_norm, offset; /* ISOLATION */
} model_def;

static const char *const tricky_names[] = {
    "plain",         "with,comma",     "with \"quote\"", "naïve café", "日本語",
    "   spaces  ",   "semi;colon",     "'single'",       "tab\there",  "x=1,y=\"2\"",
    "emoji \xF0\x9F\x8C\xB2", "back\\slash", "dash-name", "UPPER", "a.b.c", "Ωmega",
};

static char *feature_name(uint32_t j, int style)
{
    char buf[128];
    if (style == 2 && j < sizeof tricky_names / sizeof *tricky_names)
        snprintf(buf, sizeof buf, "%s", tricky_names[j]);
    else if (style == 2)
        snprintf(buf, sizeof buf, "col %u, \"q\" é", j);
    else
        snprintf(buf, sizeof buf, "f%u", j);
    char *s = malloc(strlen(buf) + 1);
    strcpy(s, buf);
    return s;
}

static void class_labels(frost_label_kind kind, uint32_t k, uint32_t output, char **out)
{
    static const char *const words[] = {"setosa", "versicolor", "virginica", "a,b", "\"q\"",
                                        "ünï", "", " ", "x y"};
    for (uint32_t j = 0; j < k; j++) {
        char buf[64];
        switch (kind) {
        case FROST_LABEL_INT:
            snprintf(buf, sizeof buf, "%d", (int)j * 3 - 2 + (int)output);
            break;
        case FROST_LABEL_FLOAT:
            snprintf(buf, sizeof buf, "%.17g", 0.5 * j - 1.25 + 0.1 * output);
            break;
        case FROST_LABEL_BOOL:
            snprintf(buf, sizeof buf, "%s", j == 0 ? "False" : "True");
            break;
        default:
            if (j < sizeof words / sizeof *words)
                snprintf(buf, sizeof buf, "%s", words[j]);
            else
                snprintf(buf, sizeof buf, "class_%u", j);
            break;
        }
        out[j] = malloc(strlen(buf) + 1);
        strcpy(out[j], buf);
    }
}

/* Writes one CSV field, quoted when needed (RFC 4180). */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' && s[0] != '\0') {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A categorical feature's value: mostly a category 0..45, sometimes what scikit-learn's cast
 * makes something else of (FORMAT.md "Wide comparisons"). */
static double category_value(void)
{
    static const double odd[] = {-0.0, -1.0, -1e-300, 2.5, 7.999999, 255.0, 256.0, 257.5, 300.0,
                                 2147483647.0, 2147483648.0, 4294967297.0, 1e300, -1e300,
                                 INFINITY, -INFINITY, NAN};
    if (below(5) == 0)
        return odd[below(sizeof odd / sizeof odd[0])];
    return (double)below(46);
}

/* A value near a wide (float64) threshold: on it, or one or two float64 ulps away. */
static double wide_value(double t)
{
    switch (below(5)) {
    case 0:
        return t;
    case 1:
        return nextafter(t, INFINITY);
    case 2:
        return nextafter(t, -INFINITY);
    case 3:
        return nextafter(nextafter(t, INFINITY), INFINITY);
    default:
        return (double)(float)t; /* its float32 rounding: either side of t */
    }
}

static const model_def *cur_model; /* the model whose rows are being written */

static double row_value(uint32_t f)
{
    feature_pool *p = &pools[f];
    if (cur_model->exact && f < cur_model->n_cat)
        return category_value();
    uint32_t r = below(16);
    if (r == 0)
        return NAN;
    if (cur_model->exact && p->n && r > 3)
        return wide_value(p->th[below((uint32_t)p->n)]);
    if (p->n == 0 || r == 1) {
        switch (below(12)) {
        case 0:
            return (below(2) ? 1.0 : -1.0) * 1e39; /* a float32 cast gives +-inf */
        case 1:
            return (below(2) ? 1.0 : -1.0) * 1e-46; /* a float32 cast gives +-0 */
        case 2:
            return 0.0;
        default:
            return (unif() - 0.5) * 10.0;
        }
    }
    double t = p->th[below((uint32_t)p->n)];
    float t32 = (float)t;
    if ((double)t32 > t)
        t32 = nextafterf(t32, -INFINITY); /* the largest float32 not above t */
    switch (r % 6) {
    case 0:
        return t; /* the float64 threshold itself */
    case 1:
        return (double)t32;
    case 2:
        return (double)nextafterf(t32, INFINITY);
    case 3:
        return (double)nextafterf(t32, -INFINITY);
    case 4:
        return (double)nextafterf(nextafterf(t32, INFINITY), INFINITY);
    default:
        return t + (unif() - 0.5) * 1e-9; /* near, rounding either way */
    }
}

static int write_rows(const char *path, const model_def *m, char **names)
{
    cur_model = m;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    uint32_t nf = m->n_features;
    uint32_t *order = xcalloc(nf, sizeof *order);
    for (uint32_t j = 0; j < nf; j++)
        order[j] = j;
    int extra = 0;
    if (names) {
        /* named models match columns by name: shuffle them and add an unknown column */
        for (uint32_t j = nf; j > 1; j--) {
            uint32_t k = below(j);
            uint32_t tmp = order[j - 1];
            order[j - 1] = order[k];
            order[k] = tmp;
        }
        extra = 1;
    } else {
        /* positional: the columns must be exactly the model's (an extra one is refused, as
         * scikit-learn refuses it); the draw stays so the rows that follow are unchanged */
        (void)below(2);
    }
    for (uint32_t j = 0; j < nf; j++) {
        if (j)
            fputc(',', f);
        if (names)
            csv_field(f, names[order[j]]);
        else
            fprintf(f, "f%u", j);
    }
    if (extra)
        fputs(",zz_extra_column", f);
    fputc('\n', f);
    double *row = xcalloc(nf, sizeof *row);
    for (uint32_t i = 0; i < m->n_rows; i++) {
        for (uint32_t j = 0; j < nf; j++)
            row[j] = row_value(j);
        if (i == 0)
            for (uint32_t j = 0; j < nf; j++)
                row[j] = NAN; /* an all-missing row */
        for (uint32_t j = 0; j < nf; j++) {
            if (j)
                fputc(',', f);
            double v = row[order[j]];
            if (isinf(v))
                fputs(v > 0 ? "inf" : "-inf", f);
            else if (!isnan(v))
                fprintf(f, "%.17g", v);
            else if (nf == 1 && !extra)
                fputs("\"\"", f); /* a lone empty field would be a blank line, which is no row */
        }
        if (extra)
            fprintf(f, ",%u", i);
        fputc('\n', f);
    }
    free(row);
    free(order);
    return fclose(f);
}

static int build(const char *dir, const model_def *m)
{
    rng_state = m->seed;
    pools_n = m->n_features;
    pools = xcalloc(pools_n, sizeof *pools);

    uint32_t width = 1;
    int classifier = m->task == FROST_TASK_CLASSIFIER;
    if (m->kind == FROST_ENSEMBLE_MEAN)
        width = classifier ? 0 : m->n_outputs;
    if (m->kind == FROST_ENSEMBLE_MEAN && classifier)
        for (uint32_t o = 0; o < m->n_outputs; o++)
            width += m->n_classes[o];
    uint32_t n_raw = 0;
    double init_raw[16];
    if (m->kind == FROST_ENSEMBLE_BOOSTED) {
        n_raw = m->link == FROST_LINK_SOFTMAX || m->link == FROST_LINK_SOFTMAX_NORM
                    ? m->n_classes[0] : 1;
        for (uint32_t c = 0; c < n_raw; c++)
            init_raw[c] = (unif() - 0.5) * 3.0;
    }

    frost_model_spec spec = {0};
    spec.size = sizeof spec;
    spec.task = m->task;
    spec.kind = m->kind;
    spec.n_features = m->n_features;
    spec.n_outputs = m->n_outputs;
    spec.n_classes = classifier ? m->n_classes : NULL;
    spec.normalize_leaves = m->normalize;
    spec.raw_argmax = m->raw_argmax;
    spec.learning_rate = m->learning_rate;
    spec.link = m->link;
    spec.n_raw = n_raw;
    spec.init_raw = n_raw ? init_raw : NULL;
    spec.sign_decision = m->sign_decision;
    spec.exact_thresholds = m->exact;
    spec.proba_argmax = m->proba_argmax;
    spec.path_norm = m->path_norm;
    spec.offset = m->offset;

    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.compress = m->compress;
    wo.block_shift = m->block_shift;
    wo.top_levels = m->top_levels;

    frost_builder *b = NULL;
    int rc = frost_builder_new(&spec, &wo, &b);
    if (rc != 0) {
        fprintf(stderr, "%s: frost_builder_new: %s (%s)\n", m->name, frost_strerror(rc),
                frost_errmsg(NULL));
        return -1;
    }

    tree_params tp = {0};
    tp.n_features = m->n_features;
    tp.width = width;
    tp.n_classes = m->n_classes;
    tp.n_outputs = m->n_outputs;
    tp.leaves = m->leaves;
    tp.max_depth = m->single_leaf ? 0 : m->max_depth;
    tp.p_split = m->p_split;
    tp.with_nan_left = m->nan_left;
    tp.wide = m->exact;
    tp.n_cat = m->exact ? m->n_cat : 0;

    for (uint32_t t = 0; t < m->n_trees; t++) {
        tree tr = {0};
        tr.width = width;
        /* some trees shallow, some deep, an occasional single leaf */
        tree_params tpt = tp;
        if (!m->single_leaf && m->n_trees > 3 && below(50) == 0)
            tpt.max_depth = 0;
        else if (!m->single_leaf && below(4) == 0)
            tpt.max_depth = 1 + (int)below((uint32_t)m->max_depth);
        grow(&tr, &tpt, 0);
        frost_tree_arrays ta = {0};
        ta.size = sizeof ta;
        ta.node_count = tr.n;
        ta.children_left = tr.left;
        ta.children_right = tr.right;
        ta.feature = tr.feature;
        ta.threshold = tr.threshold;
        ta.missing_go_to_left = m->nan_left ? tr.nan_left : NULL;
        ta.value = tr.value;
        ta.value_width = width;
        ta.raw_column = n_raw > 1 ? t % n_raw : 0;
        ta.is_categorical = tp.n_cat ? tr.is_cat : NULL;
        ta.categories_left = tp.n_cat ? tr.sets : NULL;
        rc = frost_builder_add_tree(b, &ta);
        tree_free(&tr);
        if (rc != 0) {
            fprintf(stderr, "%s: add_tree %u: %s (%s)\n", m->name, t, frost_strerror(rc),
                    frost_builder_errmsg(b));
            frost_builder_free(b);
            return -1;
        }
    }

    if (classifier) {
        for (uint32_t o = 0; o < m->n_outputs; o++) {
            char *labels[64];
            uint32_t k = m->n_classes[o];
            frost_label_kind kind = m->label_kind[o] ? m->label_kind[o] : FROST_LABEL_INT;
            class_labels(kind, k, o, labels);
            if (m->kind == FROST_ENSEMBLE_ISOLATION && k == 2) { /* scikit-learn's -1 and 1 */
                strcpy(labels[0], "-1");
                strcpy(labels[1], "1");
            }
            rc = frost_builder_set_classes(b, o, kind, (const char *const *)labels, k);
            for (uint32_t j = 0; j < k; j++)
                free(labels[j]);
            if (rc != 0) {
                fprintf(stderr, "%s: set_classes: %s (%s)\n", m->name, frost_strerror(rc),
                        frost_builder_errmsg(b));
                frost_builder_free(b);
                return -1;
            }
        }
    }

    char **names = NULL;
    if (m->named) {
        names = xcalloc(m->n_features, sizeof *names);
        for (uint32_t j = 0; j < m->n_features; j++)
            names[j] = feature_name(j, m->named);
        rc = frost_builder_set_feature_names(b, (const char *const *)names);
        if (rc != 0) {
            fprintf(stderr, "%s: set_feature_names: %s (%s)\n", m->name, frost_strerror(rc),
                    frost_builder_errmsg(b));
            frost_builder_free(b);
            return -1;
        }
    }

    if (m->meta) {
        frost_builder_set_meta(b, "sklearn_version", "1.5.2");
        frost_builder_set_meta(b, "estimator", m->name);
        frost_builder_set_meta(b, "converted_at", "2024-01-02T03:04:05Z");
        frost_builder_set_meta(b, "note, with \"quotes\"", "ünïcødé \xE2\x9C\x93\nsecond line");
        frost_builder_set_meta(b, "empty", "");
        frost_builder_set_meta(b, "estimator", "set twice: the last value wins");
    }

    char path[4096];
    snprintf(path, sizeof path, "%s/%s.frost", dir, m->name);
    rc = frost_builder_write(b, path);
    if (rc != 0) {
        fprintf(stderr, "%s: write: %s (%s)\n", m->name, frost_strerror(rc),
                frost_builder_errmsg(b));
        frost_builder_free(b);
        return -1;
    }
    frost_builder_free(b);

    snprintf(path, sizeof path, "%s/%s.csv", dir, m->name);
    rc = write_rows(path, m, names);
    if (names) {
        for (uint32_t j = 0; j < m->n_features; j++)
            free(names[j]);
        free(names);
    }
    free(pools);
    pools = NULL;
    if (rc != 0) {
        fprintf(stderr, "%s: cannot write rows\n", m->name);
        return -1;
    }
    printf("%s\n", m->name);
    return 0;
}

#define CLF FROST_TASK_CLASSIFIER
#define REG FROST_TASK_REGRESSOR
#define MEAN FROST_ENSEMBLE_MEAN
#define BOOST FROST_ENSEMBLE_BOOSTED
#define ISO FROST_ENSEMBLE_ISOLATION
#define L_INT FROST_LABEL_INT
#define L_FLT FROST_LABEL_FLOAT
#define L_STR FROST_LABEL_STR
#define L_BOOL FROST_LABEL_BOOL

static const model_def models[] = {
    /* MEAN classifiers */
    {.name = "rf_binary", .seed = 1, .task = CLF, .kind = MEAN, .n_features = 6, .n_outputs = 1,
     .n_classes = {2}, .label_kind = {L_INT}, .normalize = 1, .n_trees = 40, .max_depth = 9,
     .p_split = 0.7, .leaves = LEAF_COUNTS, .compress = 0, .block_shift = 12, .top_levels = 1,
     .n_rows = 300},
    {.name = "rf_multiclass_lz4", .seed = 2, .task = CLF, .kind = MEAN, .n_features = 12,
     .n_outputs = 1, .n_classes = {5}, .label_kind = {L_STR}, .normalize = 1, .n_trees = 60,
     .max_depth = 12, .p_split = 0.75, .leaves = LEAF_COUNTS, .nan_left = 1, .compress = 1,
     .block_shift = 13, .top_levels = 3, .named = 2, .meta = 1, .n_rows = 300},
    {.name = "rf_multioutput", .seed = 3, .task = CLF, .kind = MEAN, .n_features = 9,
     .n_outputs = 4, .n_classes = {2, 4, 3, 7}, .label_kind = {L_INT, L_STR, L_FLT, L_INT},
     .normalize = 1, .n_trees = 25, .max_depth = 11, .p_split = 0.7, .leaves = LEAF_COUNTS,
     .nan_left = 1, .compress = 1, .block_shift = 12, .top_levels = 2, .named = 1,
     .n_rows = 250},
    {.name = "rf_bool_fractions", .seed = 4, .task = CLF, .kind = MEAN, .n_features = 3,
     .n_outputs = 2, .n_classes = {2, 12}, .label_kind = {L_BOOL, L_INT}, .normalize = 0,
     .n_trees = 17, .max_depth = 8, .p_split = 0.8, .leaves = LEAF_FRACTIONS, .compress = 0,
     .block_shift = 16, .top_levels = 4, .n_rows = 200},
    {.name = "rf_wide_leaves", .seed = 5, .task = CLF, .kind = MEAN, .n_features = 5,
     .n_outputs = 1, .n_classes = {300}, .label_kind = {L_INT}, .normalize = 1, .n_trees = 6,
     .max_depth = 7, .p_split = 0.6, .leaves = LEAF_COUNTS, .compress = 1, .block_shift = 0,
     .top_levels = 2, .n_rows = 60},
    {.name = "tree_raw_argmax", .seed = 6, .task = CLF, .kind = MEAN, .n_features = 7,
     .n_outputs = 1, .n_classes = {3}, .label_kind = {L_STR}, .normalize = 1, .raw_argmax = 1,
     .n_trees = 1, .max_depth = 16, .p_split = 0.85, .leaves = LEAF_COUNTS, .nan_left = 1,
     .compress = 0, .block_shift = 12, .top_levels = 6, .named = 2, .meta = 1, .n_rows = 300},
    {.name = "tree_raw_argmax_multiout", .seed = 7, .task = CLF, .kind = MEAN, .n_features = 4,
     .n_outputs = 2, .n_classes = {3, 2}, .label_kind = {L_INT, L_STR}, .normalize = 1,
     .raw_argmax = 1, .n_trees = 1, .max_depth = 10, .p_split = 0.8, .leaves = LEAF_COUNTS,
     .compress = 1, .block_shift = 12, .top_levels = 5, .n_rows = 200},
    {.name = "single_leaf_clf", .seed = 8, .task = CLF, .kind = MEAN, .n_features = 2,
     .n_outputs = 1, .n_classes = {3}, .label_kind = {L_INT}, .normalize = 1, .raw_argmax = 1,
     .n_trees = 1, .max_depth = 0, .leaves = LEAF_COUNTS, .compress = 0, .block_shift = 12,
     .top_levels = 1, .single_leaf = 1, .n_rows = 10},
    /* MEAN regressors */
    {.name = "rf_regressor", .seed = 9, .task = REG, .kind = MEAN, .n_features = 8,
     .n_outputs = 1, .n_trees = 80, .max_depth = 12, .p_split = 0.75, .leaves = LEAF_REAL,
     .nan_left = 1, .compress = 0, .block_shift = 13, .top_levels = 3, .meta = 1,
     .n_rows = 300},
    {.name = "rf_regressor_multiout_lz4", .seed = 10, .task = REG, .kind = MEAN,
     .n_features = 10, .n_outputs = 3, .n_trees = 30, .max_depth = 13, .p_split = 0.7,
     .leaves = LEAF_REAL, .compress = 1, .block_shift = 16, .top_levels = 2, .named = 2,
     .n_rows = 250},
    {.name = "single_leaf_reg", .seed = 11, .task = REG, .kind = MEAN, .n_features = 1,
     .n_outputs = 2, .n_trees = 3, .max_depth = 0, .leaves = LEAF_REAL, .compress = 1,
     .block_shift = 12, .top_levels = 1, .single_leaf = 1, .n_rows = 5},
    /* BOOSTED */
    {.name = "gb_regressor", .seed = 12, .task = REG, .kind = BOOST, .n_features = 6,
     .n_outputs = 1, .link = FROST_LINK_IDENTITY, .learning_rate = 0.1, .n_trees = 150,
     .max_depth = 5, .p_split = 0.8, .leaves = LEAF_SMALL, .nan_left = 1, .compress = 1,
     .block_shift = 12, .top_levels = 2, .meta = 1, .n_rows = 300},
    {.name = "gb_binary_sign", .seed = 13, .task = CLF, .kind = BOOST, .n_features = 5,
     .n_outputs = 1, .n_classes = {2}, .label_kind = {L_STR}, .link = FROST_LINK_LOGISTIC,
     .learning_rate = 0.3, .sign_decision = 1, .n_trees = 100, .max_depth = 4, .p_split = 0.8,
     .leaves = LEAF_SMALL, .compress = 0, .block_shift = 12, .top_levels = 3, .named = 1,
     .n_rows = 300},
    {.name = "gb_binary_old", .seed = 14, .task = CLF, .kind = BOOST, .n_features = 5,
     .n_outputs = 1, .n_classes = {2}, .label_kind = {L_BOOL}, .link = FROST_LINK_LOGISTIC,
     .learning_rate = 0.05, .sign_decision = 0, .n_trees = 70, .max_depth = 6, .p_split = 0.7,
     .leaves = LEAF_SMALL, .nan_left = 1, .compress = 1, .block_shift = 13, .top_levels = 1,
     .n_rows = 300},
    {.name = "gb_softmax", .seed = 15, .task = CLF, .kind = BOOST, .n_features = 7,
     .n_outputs = 1, .n_classes = {4}, .label_kind = {L_FLT}, .link = FROST_LINK_SOFTMAX,
     .learning_rate = 0.2, .n_trees = 4 * 40, .max_depth = 5, .p_split = 0.8,
     .leaves = LEAF_SMALL, .compress = 1, .block_shift = 12, .top_levels = 4, .meta = 1,
     .named = 2, .n_rows = 300},
    {.name = "gb_single_leaf", .seed = 16, .task = REG, .kind = BOOST, .n_features = 3,
     .n_outputs = 1, .link = FROST_LINK_IDENTITY, .learning_rate = 1.0, .n_trees = 2,
     .max_depth = 0, .leaves = LEAF_SMALL, .compress = 0, .block_shift = 12, .top_levels = 1,
     .single_leaf = 1, .n_rows = 5},
    /* small, for the edit and fuzz checks: lz4, names, metadata, string labels */
    {.name = "small_named_lz4", .seed = 25, .task = CLF, .kind = MEAN, .n_features = 5,
     .n_outputs = 1, .n_classes = {4}, .label_kind = {L_STR}, .normalize = 1, .n_trees = 6,
     .max_depth = 9, .p_split = 0.75, .leaves = LEAF_COUNTS, .nan_left = 1, .compress = 1,
     .block_shift = 12, .top_levels = 2, .named = 2, .meta = 1, .n_rows = 100},
    /* sums whose value depends on their order: numpy's pairwise sum (8 accumulators, and its
     * recursion above 128 values), the softmax sum over more than 8 classes */
    {.name = "rf_weights_pairwise", .seed = 19, .task = CLF, .kind = MEAN, .n_features = 6,
     .n_outputs = 3, .n_classes = {9, 20, 5}, .label_kind = {L_INT, L_STR, L_INT},
     .normalize = 1, .n_trees = 30, .max_depth = 8, .p_split = 0.7, .leaves = LEAF_WEIGHTS,
     .nan_left = 1, .compress = 1, .block_shift = 13, .top_levels = 2, .n_rows = 300},
    {.name = "rf_weights_wide", .seed = 20, .task = CLF, .kind = MEAN, .n_features = 4,
     .n_outputs = 2, .n_classes = {130, 300}, .label_kind = {L_INT, L_INT}, .normalize = 1,
     .n_trees = 6, .max_depth = 6, .p_split = 0.7, .leaves = LEAF_WEIGHTS, .compress = 0,
     .block_shift = 0, .top_levels = 1, .n_rows = 200},
    {.name = "tree_weights_wide_raw_argmax", .seed = 21, .task = CLF, .kind = MEAN,
     .n_features = 4, .n_outputs = 1, .n_classes = {257}, .label_kind = {L_STR},
     .normalize = 1, .raw_argmax = 1, .n_trees = 1, .max_depth = 9, .p_split = 0.8,
     .leaves = LEAF_WEIGHTS, .compress = 1, .block_shift = 13, .top_levels = 1, .n_rows = 200},
    {.name = "gb_softmax_wide", .seed = 22, .task = CLF, .kind = BOOST, .n_features = 5,
     .n_outputs = 1, .n_classes = {11}, .label_kind = {L_INT}, .link = FROST_LINK_SOFTMAX,
     .learning_rate = 0.05, .n_trees = 11 * 12, .max_depth = 4, .p_split = 0.8,
     .leaves = LEAF_SMALL, .compress = 0, .block_shift = 12, .top_levels = 2, .n_rows = 300},
    {.name = "rf_shift20_lz4", .seed = 23, .task = REG, .kind = MEAN, .n_features = 9,
     .n_outputs = 2, .n_trees = 40, .max_depth = 11, .p_split = 0.7, .leaves = LEAF_REAL,
     .nan_left = 1, .compress = 1, .block_shift = 20, .top_levels = 5, .named = 1,
     .n_rows = 100},
    /* format 1.3: wide trees with categorical splits, the new links, isolation forests */
    {.name = "hgb_softmax_norm_cat", .seed = 26, .task = CLF, .kind = BOOST, .n_features = 6,
     .n_outputs = 1, .n_classes = {5}, .label_kind = {L_STR}, .link = FROST_LINK_SOFTMAX_NORM,
     .proba_argmax = 1, .learning_rate = 1.0, .n_trees = 5 * 30, .max_depth = 6, .p_split = 0.8,
     .leaves = LEAF_SMALL, .nan_left = 1, .compress = 0, .block_shift = 12, .top_levels = 3,
     .exact = 1, .n_cat = 3, .named = 1, .n_rows = 300},
    {.name = "hgb_exp_cat_lz4", .seed = 27, .task = REG, .kind = BOOST, .n_features = 4,
     .n_outputs = 1, .link = FROST_LINK_EXP, .learning_rate = 1.0, .n_trees = 80,
     .max_depth = 9, .p_split = 0.8, .leaves = LEAF_SMALL, .nan_left = 1, .compress = 1,
     .block_shift = 12, .top_levels = 2, .exact = 1, .n_cat = 1, .n_rows = 300},
    {.name = "hgb_binary_wide", .seed = 28, .task = CLF, .kind = BOOST, .n_features = 5,
     .n_outputs = 1, .n_classes = {2}, .label_kind = {L_INT}, .link = FROST_LINK_LOGISTIC,
     .learning_rate = 1.0, .n_trees = 60, .max_depth = 7, .p_split = 0.8, .leaves = LEAF_SMALL,
     .nan_left = 1, .compress = 0, .block_shift = 13, .top_levels = 1, .exact = 1, .n_cat = 2,
     .n_rows = 300},
    {.name = "gb_softmax_proba_argmax", .seed = 29, .task = CLF, .kind = BOOST, .n_features = 4,
     .n_outputs = 1, .n_classes = {3}, .label_kind = {L_INT}, .link = FROST_LINK_SOFTMAX,
     .proba_argmax = 1, .learning_rate = 0.5, .n_trees = 3 * 20, .max_depth = 4,
     .p_split = 0.8, .leaves = LEAF_SMALL, .compress = 0, .block_shift = 12, .top_levels = 2,
     .n_rows = 200},
    {.name = "iso_forest", .seed = 30, .task = CLF, .kind = ISO, .n_features = 5,
     .n_outputs = 1, .n_classes = {2}, .label_kind = {L_INT}, .n_trees = 50, .max_depth = 8,
     .p_split = 0.7, .leaves = LEAF_SMALL, .compress = 0, .block_shift = 12, .top_levels = 2,
     .path_norm = 3.7, .offset = -0.5, .n_rows = 300},
    {.name = "iso_wide_zero_norm", .seed = 31, .task = CLF, .kind = ISO, .n_features = 3,
     .n_outputs = 1, .n_classes = {2}, .label_kind = {L_INT}, .n_trees = 7, .max_depth = 5,
     .p_split = 0.7, .leaves = LEAF_WEIGHTS, .compress = 1, .block_shift = 12, .top_levels = 1,
     .exact = 1, .n_cat = 1, .path_norm = 0.0, .offset = -0.61, .n_rows = 100},
    /* FORMAT.md 1.3: an ISOLATION model has two classes */
    {.name = "iso_three_classes", .seed = 32, .task = CLF, .kind = ISO, .n_features = 3,
     .n_outputs = 1, .n_classes = {3}, .label_kind = {L_INT}, .n_trees = 2, .max_depth = 2,
     .p_split = 0.7, .leaves = LEAF_SMALL, .compress = 0, .block_shift = 12, .top_levels = 1,
     .path_norm = 1.0, .n_rows = 3, .must_fail = 1},
    /* FORMAT.md: "n_trees >= 1" */
    {.name = "empty_forest", .seed = 24, .task = REG, .kind = MEAN, .n_features = 3,
     .n_outputs = 1, .n_trees = 0, .compress = 0, .block_shift = 12, .top_levels = 1,
     .n_rows = 3, .must_fail = 1},
    /* many blocks: a few thousand trees, deep enough to need body chunks */
    {.name = "big_forest", .seed = 17, .task = REG, .kind = MEAN, .n_features = 20,
     .n_outputs = 1, .n_trees = 2000, .max_depth = 10, .p_split = 0.55, .leaves = LEAF_REAL,
     .nan_left = 1, .compress = 0, .block_shift = 12, .top_levels = 2, .n_rows = 40},
    {.name = "big_boosted_lz4", .seed = 18, .task = CLF, .kind = BOOST, .n_features = 15,
     .n_outputs = 1, .n_classes = {3}, .label_kind = {L_INT}, .link = FROST_LINK_SOFTMAX,
     .learning_rate = 0.1, .n_trees = 3 * 400, .max_depth = 7, .p_split = 0.75,
     .leaves = LEAF_SMALL, .compress = 1, .block_shift = 12, .top_levels = 6, .n_rows = 40},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_models OUT_DIR\n");
        return 2;
    }
    int failed = 0;
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        int rc = build(argv[1], &models[i]);
        if (models[i].must_fail) {
            if (rc == 0) {
                fprintf(stderr, "%s: the builder wrote a model FORMAT.md forbids\n",
                        models[i].name);
                failed = 1;
                char path[4096];
                snprintf(path, sizeof path, "%s/%s.frost", argv[1], models[i].name);
                remove(path);
                snprintf(path, sizeof path, "%s/%s.csv", argv[1], models[i].name);
                remove(path);
            } else {
                fprintf(stderr, "%s: refused by the builder, as FORMAT.md requires\n",
                        models[i].name);
            }
        } else if (rc != 0) {
            failed = 1;
        }
    }
    return failed;
}
