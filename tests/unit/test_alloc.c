/*
 * test_alloc.c — "every allocation through the hook" (frost_open_options.alloc), proven two
 * ways on a pipeline model (program, checks, linear estimator), a forest, a naive Bayes
 * classifier, a k-means clustering and a multi-layer perceptron:
 *
 *  - the test binary is linked with malloc, calloc, realloc, free, strdup and strndup wrapped
 *    (-Wl,--wrap, tests/module.mk), so any call libfrost makes to them directly while a model
 *    opens, loads, scores, verifies and closes is counted: there must be none, and the hook's
 *    own books must balance to zero bytes after frost_close;
 *  - a failing hook refuses the k-th allocation, for every k the whole sequence makes: each
 *    call then ends with 0 or FROST_ENOMEM and a message, never a crash, and whatever was
 *    allocated is freed by frost_close.
 * Both run with pread and, where the kernel allows it, io_uring. The writer keeps the same
 * promise for frost_write_options.alloc: building and writing both models counts no call around
 * the hook, and a refused allocation at any point ends in FROST_ENOMEM with nothing leaked and
 * the file it was to replace as it was.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../import/fixture_util.h"
#include "forest_util.h"
#include "frost_import.h"
#include "hook.h"
#include "internal.h"
#include "writer.h"
#include "testutil.h"

/* ---- the wrapped C library ------------------------------------------------------------------ */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

/* volatile: the compiler takes malloc for a builtin that reads no user variable, and would
 * otherwise move the test's own toggles of watching across its calls to it */
static _Thread_local volatile int watching; /* inside the sequence under test */
static _Thread_local long unhooked;  /* allocations libfrost made around the hook */

void *__wrap_malloc(size_t n)
{
    unhooked += watching;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size)
{
    unhooked += watching;
    return __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    unhooked += watching;
    return __real_realloc(p, n);
}
void __wrap_free(void *p)
{
    __real_free(p);
}
char *__wrap_strdup(const char *s)
{
    unhooked += watching;
    return __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n)
{
    unhooked += watching;
    return __real_strndup(s, n);
}

/* ---- a hook that keeps books and can fail ---------------------------------------------------- */

typedef struct books {
    long calls;     /* allocations asked for (malloc and realloc) */
    long fail_at;   /* refuse this one (1-based); 0: never */
    long live;      /* blocks not freed */
    size_t bytes;   /* bytes not freed */
} books;

#define HDR 16 /* the block's size, in front of what the caller gets (keeps 16-byte alignment) */

static void *hook_malloc(void *ctx, size_t n)
{
    books *b = ctx;
    if (++b->calls == b->fail_at)
        return NULL;
    unsigned char *p = __real_malloc(n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    b->live++;
    b->bytes += n;
    return p + HDR;
}

static void hook_free(void *ctx, void *q)
{
    books *b = ctx;
    if (!q)
        return;
    unsigned char *p = (unsigned char *)q - HDR;
    size_t n;
    memcpy(&n, p, sizeof n);
    b->live--;
    b->bytes -= n;
    __real_free(p);
}

static void *hook_realloc(void *ctx, void *q, size_t n)
{
    books *b = ctx;
    if (!q)
        return hook_malloc(ctx, n);
    if (++b->calls == b->fail_at)
        return NULL;
    unsigned char *p = (unsigned char *)q - HDR;
    size_t old;
    memcpy(&old, p, sizeof old);
    unsigned char *np = __real_realloc(p, n + HDR);
    if (!np)
        return NULL;
    memcpy(np, &n, sizeof n);
    b->bytes = b->bytes - old + n;
    return np + HDR;
}

/* ---- the models, written through the hook -------------------------------------------------- */

/* The builder's memory comes from hook (NULL: malloc), and so must what the importer hands it
 * (the program, the linear model): a writer under test builds them the same way. Each returns
 * 0 or the first failing code, never asserting, so that a failing hook can stop it anywhere. */
#define TRY(call)                                                                           \
    do {                                                                                    \
        if (!rc)                                                                            \
            rc = (call);                                                                    \
    } while (0)

/* inputs id (unused), x0, x1 (numbers), color (string): impute x0, scale both, one-hot color,
 * a binary logistic model; checks as a converter writes them. */
static int build_pipeline(const char *path, const frost_allocator *hook)
{
    fr_allocator fh = rt_hook(hook);
    const fr_allocator *a = hook ? &fh : NULL;
    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.alloc = hook;
    uint8_t kinds[4] = {FMT_SLOT_UNUSED, FMT_SLOT_NUM, FMT_SLOT_NUM, FMT_SLOT_STR};
    fmt_program *p = fmt_program_new(a, 4, kinds);
    if (!p)
        return FROST_ENOMEM;
    fr_err e = {0};
    int rc = 0;
    uint32_t x0 = 1, first_imp = 0, first_sc = 0, first_oh = 0;
    double fill = 10, sa[2] = {1, 1}, sb[2] = {2, 2};
    fmt_op imp = {.opcode = FMT_OP_IMPUTE, .n_in = 1, .n_out = 1, .in = &x0, .a = &fill};
    TRY(fmt_program_add(p, &imp, &first_imp, &e));
    uint32_t sc_in[2] = {first_imp, 2};
    fmt_op sc = {.opcode = FMT_OP_SCALE, .n_in = 2, .n_out = 2, .in = sc_in, .a = sa, .b = sb};
    TRY(fmt_program_add(p, &sc, &first_sc, &e));
    uint32_t color = 3;
    char *cats[3] = {"blue", "green", "red"};
    double targets[3] = {0, 1, 2};
    fmt_op oh = {.opcode = FMT_OP_ENCODE, .n_in = 1, .n_out = 3, .in = &color,
                 .cat_kind = FMT_SLOT_STR, .n_cat = 3, .unknown = 1, .missing_cat = FMT_NONE,
                 .unknown_target = -1, .strs = cats, .targets = targets};
    TRY(fmt_program_add(p, &oh, &first_oh, &e));
    uint32_t outs[5] = {first_sc, first_sc + 1, first_oh, first_oh + 1, first_oh + 2};
    TRY(fmt_program_set_outputs(p, outs, 5, NULL, &e));
    fmt_linear *l = rc ? NULL : fr_calloc(a, 1, sizeof *l);
    if (!rc && !l)
        rc = FROST_ENOMEM;
    if (!rc) {
        *l = (fmt_linear){.task = FROST_TASK_CLASSIFIER, .rule = FMT_LIN_LOGISTIC,
                          .n_features = 5, .n_rows = 1, .coef = fr_malloc(a, 5 * sizeof(double)),
                          .intercept = fr_calloc(a, 1, sizeof(double))};
        if (!l->coef || !l->intercept)
            rc = FROST_ENOMEM;
        for (int j = 0; !rc && j < 5; j++)
            l->coef[j] = 0.5 * (j + 1) * (j % 2 ? -1 : 1);
    }
    frost_builder *bld = NULL;
    TRY(wr_builder_new_bare(&wo, &bld));
    TRY(wr_builder_set_linear(bld, l));
    if (rc)
        fmt_linear_free(a, l); /* not taken */
    TRY(wr_builder_set_program(bld, p));
    if (rc)
        fmt_program_free(p);
    const char *names[4] = {"id", "x0", "x1", "color"};
    TRY(frost_builder_set_feature_names(bld, names));
    const char *labels[2] = {"no", "yes"};
    TRY(frost_builder_set_classes(bld, 0, FROST_LABEL_STR, labels, 2));
    TRY(wr_builder_add_check(bld, FMT_CHECK_INF, sc_in, 2, "pipe/scaler"));
    TRY(wr_builder_add_check(bld, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_ESTIMATOR, outs, 5,
                             "pipe/logistic"));
    TRY(frost_builder_write(bld, path));
    if (rc)
        cr_expect(strlen(e.msg) > 0 || (bld && strlen(frost_builder_errmsg(bld)) > 0) ||
                      rc == FROST_ENOMEM,
                  "code %d without a message", rc);
    frost_builder_free(bld);
    return rc;
}

/* What build_trees makes: random trees of about `nodes` nodes over 4 features, leaves of
 * `width` values (class counts when counts), every other split categorical when categorical. */
typedef struct tree_recipe {
    uint64_t seed;
    int n_trees;
    uint64_t nodes;
    uint32_t width, raw_columns;
    int counts, with_nan, categorical;
} tree_recipe;

static int build_trees(const char *path, const frost_allocator *hook,
                       const frost_model_spec *spec, const tree_recipe *tr,
                       frost_label_kind label_type, const char *const *labels, uint32_t n_labels)
{
    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.alloc = hook;
    uint64_t s = tr->seed;
    frost_builder *b = NULL;
    int rc = frost_builder_new(spec, &wo, &b);
    for (int t = 0; t < tr->n_trees; t++) {
        int was = watching; /* the test's own random trees are not the builder's */
        watching = 0;
        fu_tree tree = fu_random_tree(&s, tr->nodes, 4, tr->width, tr->counts, tr->with_nan);
        uint8_t *is_cat = tr->categorical ? calloc(tree.n, 1) : NULL;
        uint32_t *sets = tr->categorical ? calloc(tree.n * 8, sizeof *sets) : NULL;
        for (uint64_t i = 0; is_cat && i < tree.n; i += 2)
            if (tree.left[i] != -1) {
                is_cat[i] = 1;
                for (int w = 0; w < 8; w++)
                    sets[i * 8 + (uint64_t)w] = (uint32_t)fu_rand(&s);
            }
        watching = was;
        frost_tree_arrays arr = fu_arrays(&tree, (uint32_t)t % tr->raw_columns);
        arr.is_categorical = is_cat;
        arr.categories_left = sets;
        TRY(frost_builder_add_tree(b, &arr));
        watching = 0;
        free(is_cat);
        free(sets);
        fu_free_tree(&tree);
        watching = was;
    }
    TRY(frost_builder_set_classes(b, 0, label_type, labels, n_labels));
    TRY(frost_builder_write(b, path));
    frost_builder_free(b);
    return rc;
}

static const char *const abc[3] = {"a", "b", "c"};

static int build_forest(const char *path, const frost_allocator *hook)
{
    uint32_t nc = 3;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 4, .n_outputs = 1,
                             .n_classes = &nc, .normalize_leaves = 1};
    tree_recipe tr = {.seed = 7, .n_trees = 24, .nodes = 601, .width = nc, .raw_columns = 1,
                      .counts = 1, .with_nan = 1};
    return build_trees(path, hook, &spec, &tr, FROST_LABEL_STR, abc, 3);
}

/* Format 1.3, as HistGradientBoosting converts: 3 classes boosted on wide trees (float64
 * thresholds, every other split categorical), SOFTMAX_NORM and PROBA_ARGMAX. */
static int build_hgb(const char *path, const frost_allocator *hook)
{
    uint32_t nc = 3;
    double init[3] = {0.25, -0.5, 0.125};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_BOOSTED, .n_features = 4, .n_outputs = 1,
                             .n_classes = &nc, .learning_rate = 1.0,
                             .link = FROST_LINK_SOFTMAX_NORM, .n_raw = 3, .init_raw = init,
                             .exact_thresholds = 1, .proba_argmax = 1};
    tree_recipe tr = {.seed = 11, .n_trees = 18, .nodes = 201, .width = 1, .raw_columns = 3,
                      .with_nan = 1, .categorical = 1};
    return build_trees(path, hook, &spec, &tr, FROST_LABEL_STR, abc, 3);
}

/* Format 1.3's ISOLATION kind (IsolationForest): leaves hold path lengths; score_samples. */
static int build_isolation(const char *path, const frost_allocator *hook)
{
    uint32_t nc = 2;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_ISOLATION, .n_features = 4, .n_outputs = 1,
                             .n_classes = &nc, .path_norm = 7.5, .offset = -0.5};
    tree_recipe tr = {.seed = 13, .n_trees = 20, .nodes = 301, .width = 1, .raw_columns = 1,
                      .counts = 1};
    static const char *const labels[2] = {"-1", "1"};
    return build_trees(path, hook, &spec, &tr, FROST_LABEL_INT, labels, 2);
}

/* A GaussianNB over the four input columns (FORMAT.md BAYES): the runtime derives its per-class
 * terms at open, through the hook like everything else. */
static int build_bayes(const char *path, const frost_allocator *hook)
{
    fr_allocator fh = rt_hook(hook);
    const fr_allocator *a = hook ? &fh : NULL;
    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.alloc = hook;
    int rc = 0;
    fmt_bayes *nb = fr_calloc(a, 1, sizeof *nb);
    if (!nb)
        return FROST_ENOMEM;
    *nb = (fmt_bayes){.kind = FMT_NB_GAUSSIAN, .n_features = 4, .n_classes = 3,
                      .prior = fr_malloc(a, 3 * sizeof(double)),
                      .theta = fr_malloc(a, 12 * sizeof(double)),
                      .var = fr_malloc(a, 12 * sizeof(double))};
    if (!nb->prior || !nb->theta || !nb->var)
        rc = FROST_ENOMEM;
    for (int i = 0; !rc && i < 12; i++) {
        nb->theta[i] = (i % 5) * 0.4 - 1.0;
        nb->var[i] = 0.5 + (i % 3) * 0.25;
        nb->prior[i % 3] = (i % 3 + 1) / 6.0;
    }
    frost_builder *bld = NULL;
    TRY(wr_builder_new_bare(&wo, &bld));
    TRY(wr_builder_set_bayes(bld, nb));
    if (rc)
        fmt_bayes_free(a, nb); /* not taken */
    const char *labels[3] = {"a", "b", "c"};
    TRY(frost_builder_set_classes(bld, 0, FROST_LABEL_STR, labels, 3));
    uint32_t all[4] = {0, 1, 2, 3};
    TRY(wr_builder_add_check(bld, FMT_CHECK_NAN | FMT_CHECK_INF | FMT_CHECK_ESTIMATOR, all, 4,
                             "GaussianNB"));
    TRY(frost_builder_write(bld, path));
    frost_builder_free(bld);
    return rc;
}

/* A k-means clustering of the four input columns (FORMAT.md CENTROIDS): its centroids' norms
 * are computed at open. */
static int build_kmeans(const char *path, const frost_allocator *hook)
{
    fr_allocator fh = rt_hook(hook);
    const fr_allocator *a = hook ? &fh : NULL;
    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.alloc = hook;
    int rc = 0;
    fmt_centroids *c = fr_calloc(a, 1, sizeof *c);
    if (!c)
        return FROST_ENOMEM;
    *c = (fmt_centroids){.kind = FMT_CEN_KMEANS, .metric = FMT_CEN_EUCLIDEAN, .n_centroids = 3,
                         .n_features = 4, .centroids = fr_malloc(a, 12 * sizeof(double))};
    if (!c->centroids)
        rc = FROST_ENOMEM;
    for (int i = 0; !rc && i < 12; i++)
        c->centroids[i] = (i % 7) * 0.3 - 1.0;
    frost_builder *bld = NULL;
    TRY(wr_builder_new_bare(&wo, &bld));
    TRY(wr_builder_set_centroids(bld, c));
    if (rc)
        fmt_centroids_free(a, c); /* not taken */
    const char *labels[3] = {"0", "1", "2"};
    TRY(frost_builder_set_classes(bld, 0, FROST_LABEL_INT, labels, 3));
    TRY(frost_builder_write(bld, path));
    frost_builder_free(bld);
    return rc;
}

/* A multi-layer perceptron over the four input columns (FORMAT.md MLP): 4 → 5 relu → 3
 * softmax; its layer buffers live in the workspace. */
static int build_mlp(const char *path, const frost_allocator *hook)
{
    fr_allocator fh = rt_hook(hook);
    const fr_allocator *a = hook ? &fh : NULL;
    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.alloc = hook;
    int rc = 0;
    fmt_mlp *n = fr_calloc(a, 1, sizeof *n);
    if (!n)
        return FROST_ENOMEM;
    *n = (fmt_mlp){.task = FMT_TASK_CLASSIFIER, .activation = FMT_ACT_RELU,
                   .output = FMT_ACT_SOFTMAX, .n_layers = 2, .max_width = 5,
                   .widths = fr_calloc(a, 3, sizeof(uint32_t)),
                   .layer_at = fr_calloc(a, 2, sizeof(uint64_t)),
                   .weights = fr_malloc(a, 43 * sizeof(double))};
    if (!n->widths || !n->layer_at || !n->weights)
        rc = FROST_ENOMEM;
    for (int i = 0; !rc && i < 43; i++)
        n->weights[i] = (i % 9) * 0.25 - 1.0;
    if (!rc) {
        n->widths[0] = 4, n->widths[1] = 5, n->widths[2] = 3;
        n->layer_at[1] = 25;
    }
    frost_builder *bld = NULL;
    TRY(wr_builder_new_bare(&wo, &bld));
    TRY(wr_builder_set_mlp(bld, n));
    if (rc)
        fmt_mlp_free(a, n); /* not taken */
    const char *labels[3] = {"0", "1", "2"};
    TRY(frost_builder_set_classes(bld, 0, FROST_LABEL_INT, labels, 3));
    TRY(frost_builder_write(bld, path));
    frost_builder_free(bld);
    return rc;
}

/* A linear regressor over the four input columns whose predictions go through a TARGET (a
 * TransformedTargetRegressor's StandardScaler inverse, then exp): parsed at open. */
static int build_target(const char *path, const frost_allocator *hook)
{
    fr_allocator fh = rt_hook(hook);
    const fr_allocator *a = hook ? &fh : NULL;
    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.alloc = hook;
    int rc = 0;
    fmt_linear *l = fr_calloc(a, 1, sizeof *l);
    fmt_target *t = fr_calloc(a, 1, sizeof *t);
    if (l)
        *l = (fmt_linear){.task = FROST_TASK_REGRESSOR, .rule = FMT_LIN_IDENTITY,
                          .n_features = 4, .n_rows = 1, .coef = fr_malloc(a, 4 * sizeof(double)),
                          .intercept = fr_calloc(a, 1, sizeof(double))};
    if (t)
        *t = (fmt_target){.n_targets = 1, .n_steps = 2,
                          .steps = fr_calloc(a, 2, sizeof(fmt_target_step))};
    if (!l || !t || !l->coef || !l->intercept || !t->steps)
        rc = FROST_ENOMEM;
    if (!rc) {
        t->steps[0] = (fmt_target_step){.kind = FMT_TGT_AFFINE,
                                        .a = fr_malloc(a, sizeof(double)),
                                        .b = fr_malloc(a, sizeof(double))};
        t->steps[1] = (fmt_target_step){.kind = FMT_TGT_UFUNC, .ufunc = FMT_UF_EXP};
        if (!t->steps[0].a || !t->steps[0].b)
            rc = FROST_ENOMEM;
    }
    for (int j = 0; !rc && j < 4; j++)
        l->coef[j] = 0.25 * (j + 1);
    if (!rc) {
        t->steps[0].a[0] = 2.0;
        t->steps[0].b[0] = -0.5;
    }
    frost_builder *bld = NULL;
    TRY(wr_builder_new_bare(&wo, &bld));
    int l_taken = !rc && wr_builder_set_linear(bld, l) == 0;
    int t_taken = l_taken && wr_builder_set_target(bld, t) == 0;
    if (!rc && !t_taken)
        rc = FROST_ENOMEM;
    if (!l_taken)
        fmt_linear_free(a, l); /* not taken */
    if (!t_taken)
        fmt_target_free(a, t);
    TRY(frost_builder_write(bld, path));
    frost_builder_free(bld);
    return rc;
}

static char *write_model(const char *dir, int (*build)(const char *, const frost_allocator *),
                         const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    cr_assert_eq(build(path, NULL), 0, "%s", frost_errmsg(NULL));
    return path;
}

static char *write_pipeline(const char *dir) { return write_model(dir, build_pipeline, "pipe.frost"); }
static char *write_forest(const char *dir) { return write_model(dir, build_forest, "forest.frost"); }
static char *write_bayes(const char *dir) { return write_model(dir, build_bayes, "nb.frost"); }
static char *write_kmeans(const char *dir) { return write_model(dir, build_kmeans, "km.frost"); }
static char *write_mlp(const char *dir) { return write_model(dir, build_mlp, "mlp.frost"); }
static char *write_target(const char *dir) { return write_model(dir, build_target, "ttr.frost"); }

/* A forest signed with a fresh key, which the sequence then requires: the signature checked at
 * open and the data region's digest by frost_verify, through the hook too. */
static frost_public_key signer;
static int require_signer;

static char *write_signed_forest(const char *dir)
{
    char *path = write_forest(dir), base[600], key[620];
    snprintf(base, sizeof base, "%s/signer", dir);
    snprintf(key, sizeof key, "%s.key", base);
    frost_secret_key sk;
    cr_assert_eq(frost_keygen(base, &signer), 0, "%s", frost_errmsg(NULL));
    cr_assert_eq(frost_secret_key_load(key, &sk), 0, "%s", frost_errmsg(NULL));
    cr_assert_eq(frost_sign(path, NULL, &sk), 0, "%s", frost_errmsg(NULL));
    require_signer = 1;
    return path;
}
static char *write_hgb(const char *dir) { return write_model(dir, build_hgb, "hgb.frost"); }
static char *write_isolation(const char *dir) { return write_model(dir, build_isolation, "iso.frost"); }

/* ---- the sequence ---------------------------------------------------------------------------- */

#define ROWS 40

/* Opens path with the hook and mode, then scores the way a server would: a few rows cold
 * (lazy loads), a batch, probabilities, a transform where there is one, a verify; closes.
 * Returns the first code that was not 0 (a failing hook may stop it anywhere). */
static int sequence(const char *path, frost_io_mode io, books *bk)
{
    frost_allocator hook = {hook_malloc, hook_realloc, hook_free, bk};
    frost_open_options o;
    frost_open_options_init(&o);
    o.alloc = &hook;
    o.io = io;
    if (require_signer) {
        o.required_keys = &signer;
        o.n_required_keys = 1;
    }
    frost_model *m = NULL;
    watching = 1;
    int rc = frost_open(path, &o, &m);
    if (rc) {
        watching = 0;
        cr_expect(m == NULL);
        cr_expect(strlen(frost_errmsg(NULL)) > 0);
        return rc;
    }
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    double x0[ROWS], x1[ROWS], X[ROWS * 4], out[ROWS * 5], t[ROWS * 5];
    frost_string color[ROWS];
    static const char *const colors[] = {"red", "green", "blue", "mauve"};
    for (int r = 0; r < ROWS; r++) {
        x0[r] = r % 7 == 0 ? NAN : r * 0.25 - 3;
        x1[r] = 1.5 - r * 0.125;
        color[r] = (frost_string){colors[r % 4], strlen(colors[r % 4])};
        for (int j = 0; j < 4; j++)
            X[r * 4 + j] = (r * 4 + j) % 11 * 0.3 - 1.2;
    }
    frost_column cols[3] = {
        {.name = "x0", .type = FROST_COLUMN_DOUBLE, .values = x0},
        {.name = "x1", .type = FROST_COLUMN_DOUBLE, .values = x1},
        {.name = "color", .type = FROST_COLUMN_STRING, .values = color},
    };
    if (info.has_preprocessing) {
        rc = frost_predict_columns(m, cols, 3, 3, out);
        rc = rc ? rc : frost_predict_proba_columns(m, cols, 3, ROWS, out);
        rc = rc ? rc : frost_transform(m, cols, 3, ROWS, t);
    } else {
        rc = frost_predict(m, X, 3, out); /* cold: the lazy path */
        if (info.has_proba)
            rc = rc ? rc : frost_predict_proba(m, X, ROWS, out);
        if (info.has_score_samples)
            rc = rc ? rc : frost_score_samples(m, X, ROWS, out);
        rc = rc ? rc : frost_load_all(m);
        rc = rc ? rc : frost_predict(m, X, ROWS, out);
    }
    rc = rc ? rc : frost_verify(m);
    if (rc)
        cr_expect(strlen(frost_errmsg(m)) > 0, "code %d without a message", rc);
    frost_close(m);
    watching = 0;
    return rc;
}

static int uring_available(void)
{
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = FROST_IO_URING;
    char *dir = tu_tmpdir();
    char *p = write_forest(dir);
    frost_model *m;
    int ok = frost_open(p, &o, &m) == 0;
    frost_close(m);
    free(p);
    free(dir);
    return ok;
}

static void every_byte_through_the_hook(char *(*write)(const char *))
{
    char *dir = tu_tmpdir();
    char *path = write(dir);
    frost_io_mode modes[2] = {FROST_IO_PREAD, FROST_IO_URING};
    for (int i = 0; i < 2; i++) {
        if (modes[i] == FROST_IO_URING && !uring_available())
            continue;
        books bk = {0};
        unhooked = 0;
        cr_assert_eq(sequence(path, modes[i], &bk), 0, "%s", frost_errmsg(NULL));
        cr_expect_eq(unhooked, 0, "mode %d: %ld allocations around the hook", modes[i],
                     unhooked);
        cr_expect(bk.calls > 0);
        cr_expect_eq(bk.live, 0, "mode %d: %ld blocks (%zu bytes) not freed", modes[i], bk.live,
                     bk.bytes);
        cr_expect_eq(bk.bytes, 0);
    }
    free(path);
    free(dir);
}

static void each_allocation_may_fail(char *(*write)(const char *))
{
    char *dir = tu_tmpdir();
    char *path = write(dir);
    frost_io_mode modes[2] = {FROST_IO_PREAD, FROST_IO_URING};
    for (int i = 0; i < 2; i++) {
        if (modes[i] == FROST_IO_URING && !uring_available())
            continue;
        books all = {0};
        cr_assert_eq(sequence(path, modes[i], &all), 0);
        long failed = 0;
        for (long k = 1; k <= all.calls; k++) {
            books bk = {.fail_at = k};
            int rc = sequence(path, modes[i], &bk);
            cr_expect(rc == 0 || rc == FROST_ENOMEM, "mode %d, allocation %ld refused: code %d",
                      modes[i], k, rc);
            failed += rc == FROST_ENOMEM;
            cr_expect_eq(bk.live, 0, "mode %d, allocation %ld refused: %ld blocks leaked",
                         modes[i], k, bk.live);
        }
        cr_expect_gt(failed, 0);
    }
    free(path);
    free(dir);
}

Test(alloc, pipeline_every_byte_through_the_hook) { every_byte_through_the_hook(write_pipeline); }
Test(alloc, signed_forest_every_byte_through_the_hook)
{
    every_byte_through_the_hook(write_signed_forest);
}
Test(alloc, signed_forest_each_allocation_may_fail) { each_allocation_may_fail(write_signed_forest); }
Test(alloc, forest_every_byte_through_the_hook) { every_byte_through_the_hook(write_forest); }
Test(alloc, pipeline_each_allocation_may_fail) { each_allocation_may_fail(write_pipeline); }
Test(alloc, forest_each_allocation_may_fail) { each_allocation_may_fail(write_forest); }
Test(alloc, bayes_every_byte_through_the_hook) { every_byte_through_the_hook(write_bayes); }
Test(alloc, bayes_each_allocation_may_fail) { each_allocation_may_fail(write_bayes); }
Test(alloc, kmeans_every_byte_through_the_hook) { every_byte_through_the_hook(write_kmeans); }
Test(alloc, kmeans_each_allocation_may_fail) { each_allocation_may_fail(write_kmeans); }
Test(alloc, mlp_every_byte_through_the_hook) { every_byte_through_the_hook(write_mlp); }
Test(alloc, mlp_each_allocation_may_fail) { each_allocation_may_fail(write_mlp); }
Test(alloc, target_every_byte_through_the_hook) { every_byte_through_the_hook(write_target); }
Test(alloc, target_each_allocation_may_fail) { each_allocation_may_fail(write_target); }
Test(alloc, hgb_every_byte_through_the_hook) { every_byte_through_the_hook(write_hgb); }
Test(alloc, isolation_every_byte_through_the_hook) { every_byte_through_the_hook(write_isolation); }
Test(alloc, hgb_each_allocation_may_fail) { each_allocation_may_fail(write_hgb); }
Test(alloc, isolation_each_allocation_may_fail) { each_allocation_may_fail(write_isolation); }

/* ---- the writer ------------------------------------------------------------------------------ */

static const char OLD[] = "the file the write would replace\n";

static int dir_entries(const char *dir)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static void builder_every_byte_through_the_hook(int (*build)(const char *, const frost_allocator *))
{
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/m.frost", dir);
    books bk = {0};
    frost_allocator hook = {hook_malloc, hook_realloc, hook_free, &bk};
    unhooked = 0;
    watching = 1;
    int rc = build(path, &hook);
    watching = 0;
    cr_assert_eq(rc, 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(unhooked, 0, "%ld allocations around the hook", unhooked);
    cr_expect(bk.calls > 0);
    cr_expect_eq(bk.live, 0, "%ld blocks (%zu bytes) not freed", bk.live, bk.bytes);
    frost_model *m;
    cr_assert_eq(frost_open(path, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(frost_verify(m), 0);
    frost_close(m);
    free(dir);
}

static void builder_each_allocation_may_fail(int (*build)(const char *, const frost_allocator *))
{
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/m.frost", dir);
    books all = {0};
    frost_allocator hook = {hook_malloc, hook_realloc, hook_free, &all};
    cr_assert_eq(build(path, &hook), 0);
    long failed = 0;
    for (long k = 1; k <= all.calls; k++) {
        FILE *f = fopen(path, "w");
        cr_assert(f);
        fputs(OLD, f);
        fclose(f);
        books bk = {.fail_at = k};
        hook.ctx = &bk;
        int rc = build(path, &hook);
        cr_expect(rc == 0 || rc == FROST_ENOMEM, "allocation %ld refused: code %d", k, rc);
        cr_expect_eq(bk.live, 0, "allocation %ld refused: %ld blocks leaked", k, bk.live);
        cr_expect_eq(dir_entries(dir), 1, "allocation %ld refused: a temporary file is left", k);
        if (rc) {
            failed++;
            char got[sizeof OLD] = {0};
            f = fopen(path, "r");
            cr_assert(f);
            cr_expect(fread(got, 1, sizeof got - 1, f) == sizeof OLD - 1 &&
                      strcmp(got, OLD) == 0, "allocation %ld refused: the old file changed", k);
            fclose(f);
        }
    }
    cr_expect_gt(failed, 0);
    free(dir);
}

Test(alloc, pipeline_written_through_the_hook) { builder_every_byte_through_the_hook(build_pipeline); }
Test(alloc, forest_written_through_the_hook) { builder_every_byte_through_the_hook(build_forest); }
Test(alloc, pipeline_write_each_allocation_may_fail) { builder_each_allocation_may_fail(build_pipeline); }
Test(alloc, forest_write_each_allocation_may_fail) { builder_each_allocation_may_fail(build_forest); }
Test(alloc, bayes_written_through_the_hook) { builder_every_byte_through_the_hook(build_bayes); }
Test(alloc, bayes_write_each_allocation_may_fail) { builder_each_allocation_may_fail(build_bayes); }
Test(alloc, mlp_written_through_the_hook) { builder_every_byte_through_the_hook(build_mlp); }
Test(alloc, mlp_write_each_allocation_may_fail) { builder_each_allocation_may_fail(build_mlp); }
Test(alloc, kmeans_written_through_the_hook) { builder_every_byte_through_the_hook(build_kmeans); }
Test(alloc, kmeans_write_each_allocation_may_fail) { builder_each_allocation_may_fail(build_kmeans); }
Test(alloc, hgb_written_through_the_hook) { builder_every_byte_through_the_hook(build_hgb); }
Test(alloc, hgb_write_each_allocation_may_fail) { builder_each_allocation_may_fail(build_hgb); }

/* ---- the importer hands the builder its hook ----------------------------------------------- */

/* frost_convert_options.write.alloc is the builder's: what the converter hands the builder (the
 * program, a linear model) is made with it, so the books balance and a refused allocation is a
 * clean ENOMEM. (The pickle reader's own memory is malloc's: the importer is not a serving path.) */
Test(alloc, convert_gives_the_builder_its_hook)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/1_1_3-pipeline_column_transformer-joblib_proto4.joblib",
             fx_corpus());
    cr_assert(fx_exists(src), "no corpus at %s (set FROST_SHARED)", fx_corpus());
    char *dir = tu_tmpdir();
    char out[4096];
    snprintf(out, sizeof out, "%s/p.frost", dir);
    books all = {0};
    frost_allocator hook = {hook_malloc, hook_realloc, hook_free, &all};
    frost_convert_options o;
    frost_convert_options_init(&o);
    o.write.alloc = &hook;
    cr_assert_eq(frost_convert(src, out, &o), 0, "%s", frost_import_errmsg());
    cr_expect(all.calls > 0);
    cr_expect_eq(all.live, 0, "%ld blocks (%zu bytes) not freed", all.live, all.bytes);
    frost_model *m;
    cr_assert_eq(frost_open(out, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_eq(frost_verify(m), 0);
    frost_close(m);
    long failed = 0;
    for (long k = 1; k <= all.calls; k++) {
        books bk = {.fail_at = k};
        hook.ctx = &bk;
        int rc = frost_convert(src, out, &o);
        cr_expect(rc == 0 || rc == FROST_ENOMEM, "allocation %ld refused: code %d (%s)", k, rc,
                  frost_import_errmsg());
        cr_expect(rc == 0 || strlen(frost_import_errmsg()) > 0);
        cr_expect_eq(bk.live, 0, "allocation %ld refused: %ld blocks leaked", k, bk.live);
        failed += rc != 0;
    }
    cr_expect_gt(failed, 0);
    free(dir);
}
