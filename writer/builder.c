/*
 * builder.c — frost_builder: collects trees given as scikit-learn arrays, encodes each as it
 * arrives (so memory tracks the output, not the input), and writes the file through wr_out
 * (outfile.h): a temporary file in the target's directory, fsync, rename, fsync of the
 * directory. A crash never leaves a half-written model under the final name, and an existing
 * file is replaced whole; a device or FIFO is written directly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "hook.h"
#include "outfile.h"
#include "writer.h"

#define DEFAULT_TOP_LEVELS 3

struct frost_builder {
    fr_err err;
    fr_allocator hook;      /* the caller's allocator (frost_write_options.alloc), copied */
    const fr_allocator *a;  /* &hook, or NULL for malloc: every part of the builder uses it */
    frost_task task;
    frost_ensemble_kind kind;
    uint32_t n_features, n_outputs, leaf_width, n_raw, ens_flags, link;
    double learning_rate;
    uint32_t *n_classes;
    double *init_raw;
    double path_norm, offset; /* ISOLATION */
    frost_write_options wopt;
    uint32_t block_shift;
    fmt_enc_tree *trees;
    uint32_t n_trees, cap_trees;
    fmt_labels *classes;
    int has_ensemble;       /* built by frost_builder_new (trees), not wr_builder_new_bare */
    fmt_program *program;   /* preprocessing, or NULL */
    fmt_linear *linear;     /* a linear estimator, or NULL */
    fmt_combine *combine;   /* a combination of members (COMBINE), or NULL */
    fmt_bayes *bayes;       /* a naive Bayes classifier (BAYES), or NULL */
    fmt_centroids *centroids; /* a nearest-centroid classifier or k-means (CENTROIDS), or NULL */
    fmt_mlp *mlp;           /* a multi-layer perceptron (MLP), or NULL */
    fmt_target *target;     /* the predictions' inverse transform (TARGET), or NULL */
    uint32_t cap_members;
    uint32_t cur_member;    /* the tree member frost_builder_add_tree adds to (combine) */
    uint32_t n_inputs;      /* FEATURES columns: the program's inputs, else n_features */
    char **feature_names;   /* n_inputs names, or NULL */
    uint32_t n_meta;
    char **meta_keys, **meta_values;
    uint8_t *meta_types;    /* per entry: FMT_META_* */
    fmt_check *checks;      /* input checks (CHECKS), in the order they apply */
    uint32_t n_checks;
};

FROST_API void frost_write_options_init(frost_write_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

static int bfail(frost_builder *b, int code, const char *msg)
{
    return fr_fail(&b->err, code, "%s", msg);
}

/* Strings the file stores must be UTF-8 (FORMAT.md `str`). */
static int utf8(const char *s)
{
    return fmt_utf8_valid((const uint8_t *)s, strlen(s));
}

static char *dup_str(const fr_allocator *a, const char *s)
{
    size_t n = strlen(s);
    char *d = fr_malloc(a, n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* A builder with no estimator yet: frost_builder_new and the importer start here. */
int wr_builder_new_bare(const frost_write_options *opts, frost_builder **out)
{
    frost_write_options w;
    frost_write_options_init(&w);
    if (opts)
        memcpy(&w, opts, opts->size < sizeof w ? opts->size : sizeof w);
    fr_allocator hook = rt_hook(w.alloc);
    frost_builder *b = fr_calloc(w.alloc ? &hook : NULL, 1, sizeof *b);
    if (!b)
        return FROST_ENOMEM;
    b->hook = hook;
    b->a = w.alloc ? &b->hook : NULL;
    b->wopt = w;
    b->wopt.alloc = NULL; /* the copy in hook is what counts */
    b->block_shift = b->wopt.block_shift ? b->wopt.block_shift : FMT_MIN_BLOCK_SHIFT;
    *out = b;
    return 0;
}

/* Validates a model spec and turns it into the aggregation it describes (FORMAT.md ENSEMBLE);
 * g owns n_classes / init_raw copies (allocated with a), also when it fails. */
static int agg_from_spec(const fr_allocator *a, const frost_model_spec *s, fmt_agg *g, fr_err *e)
{
    memset(g, 0, sizeof *g);
    g->task = s->task;
    g->kind = s->kind;
    g->n_features = s->n_features;
    g->n_outputs = s->n_outputs;
    if ((s->task != FROST_TASK_CLASSIFIER && s->task != FROST_TASK_REGRESSOR) ||
        (s->kind != FROST_ENSEMBLE_MEAN && s->kind != FROST_ENSEMBLE_BOOSTED &&
         s->kind != FROST_ENSEMBLE_ISOLATION))
        return fr_fail(e, FROST_EINVAL, "model spec: unknown task or ensemble kind");
    if (s->exact_thresholds)
        g->flags |= FMT_ENS_WIDE_SPLITS;
    if (s->n_features == 0 || s->n_features > FMT_FEATURE_MASK || s->n_outputs == 0 ||
        s->n_outputs > 65536)
        return fr_fail(e, FROST_EINVAL, "model spec: %u features, %u outputs out of range",
                       s->n_features, s->n_outputs);
    uint64_t total = 0;
    if (s->task == FROST_TASK_CLASSIFIER) {
        if (!s->n_classes)
            return fr_fail(e, FROST_EINVAL, "model spec: a classifier needs n_classes");
        g->n_classes = fr_calloc(a, s->n_outputs, sizeof *g->n_classes);
        if (!g->n_classes)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
        for (uint32_t k = 0; k < s->n_outputs; k++) {
            if (s->n_classes[k] == 0 || s->n_classes[k] > (1u << 20))
                return fr_fail(e, FROST_EINVAL, "model spec: output %u has %u classes", k,
                               s->n_classes[k]);
            g->n_classes[k] = s->n_classes[k];
            total += s->n_classes[k];
        }
        g->n_classes_total = (uint32_t)total;
    }
    if (s->kind == FROST_ENSEMBLE_ISOLATION) {
        /* FORMAT.md ENSEMBLE: two classes (-1, 1), one path length per leaf */
        if (s->task != FROST_TASK_CLASSIFIER || s->n_outputs != 1 || total != 2 ||
            !isfinite(s->path_norm) || s->path_norm < 0 || !isfinite(s->offset))
            return fr_fail(e, FROST_EINVAL, "model spec: an isolation forest is a classifier "
                           "of 2 classes with a finite path_norm >= 0 and offset");
        g->leaf_width = 1;
        g->link = FROST_LINK_IDENTITY;
        g->path_norm = s->path_norm;
        g->offset = s->offset;
    } else if (s->kind == FROST_ENSEMBLE_MEAN) {
        g->leaf_width = s->task == FROST_TASK_CLASSIFIER ? (uint32_t)total : s->n_outputs;
        if (s->task == FROST_TASK_CLASSIFIER) {
            if (s->normalize_leaves)
                g->flags |= FMT_ENS_NORMALIZE_LEAVES;
            if (s->raw_argmax)
                g->flags |= FMT_ENS_RAW_ARGMAX;
        }
        g->link = FROST_LINK_IDENTITY;
    } else {
        g->leaf_width = 1;
        g->n_raw = s->n_raw;
        g->link = s->link;
        g->learning_rate = s->learning_rate;
        int ok = s->n_outputs == 1 && s->n_raw >= 1 && s->init_raw;
        int softmax = s->link == FROST_LINK_SOFTMAX || s->link == FROST_LINK_SOFTMAX_NORM;
        if (s->task == FROST_TASK_REGRESSOR)
            ok = ok && s->n_raw == 1 &&
                 (s->link == FROST_LINK_IDENTITY || s->link == FROST_LINK_EXP);
        else if (total == 2)
            ok = ok && s->n_raw == 1 && s->link == FROST_LINK_LOGISTIC;
        else
            ok = ok && s->n_raw == total && total >= 3 && softmax;
        if (!ok)
            return fr_fail(e, FROST_EINVAL, "model spec: inconsistent boosting (n_raw %u, link %d)",
                           s->n_raw, (int)s->link);
        g->init_raw = fr_malloc(a, s->n_raw * sizeof *g->init_raw);
        if (!g->init_raw)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
        memcpy(g->init_raw, s->init_raw, s->n_raw * sizeof *g->init_raw);
        if (s->sign_decision && s->task == FROST_TASK_CLASSIFIER && total == 2)
            g->flags |= FMT_ENS_SIGN_DECISION;
        if (s->proba_argmax && softmax)
            g->flags |= FMT_ENS_PROBA_ARGMAX;
    }
    if ((uint64_t)g->leaf_width * 8 + FMT_NODE_SIZE > (1u << FMT_MAX_BLOCK_SHIFT) / 2)
        return fr_fail(e, FROST_ELIMIT, "model spec: %u values per leaf is too many",
                       g->leaf_width);
    return 0;
}

FROST_API int frost_builder_new(const frost_model_spec *spec, const frost_write_options *opts,
                                frost_builder **out)
{
    fr_err e = {0};
    int rc = 0;
    if (!spec || !out || spec->size < sizeof spec->size)
        return FROST_EINVAL;
    *out = NULL;
    frost_model_spec s;
    memset(&s, 0, sizeof s);
    memcpy(&s, spec, spec->size < sizeof s ? spec->size : sizeof s);
    frost_builder *b;
    if ((rc = wr_builder_new_bare(opts, &b)))
        return rc;
    fmt_agg g;
    rc = agg_from_spec(b->a, &s, &g, &e);
    b->n_classes = g.n_classes; /* owned by the builder from here on */
    b->init_raw = g.init_raw;
    if (rc)
        goto fail;
    b->task = s.task;
    b->kind = s.kind;
    b->has_ensemble = 1;
    b->n_features = b->n_inputs = g.n_features;
    b->n_outputs = g.n_outputs;
    b->learning_rate = g.learning_rate;
    b->link = g.link;
    b->leaf_width = g.leaf_width;
    b->n_raw = g.n_raw;
    b->ens_flags = g.flags;
    b->path_norm = g.path_norm;
    b->offset = g.offset;
    if (s.task == FROST_TASK_CLASSIFIER && !(b->classes = fr_calloc(b->a, s.n_outputs, sizeof *b->classes))) {
        rc = fr_fail(&e, FROST_ENOMEM, "out of memory");
        goto fail;
    }
    uint32_t min_shift = fmt_min_block_shift(b->leaf_width, (b->ens_flags & FMT_ENS_WIDE_SPLITS) != 0);
    b->block_shift = b->wopt.block_shift ? b->wopt.block_shift : min_shift;
    if (b->block_shift < min_shift || b->block_shift > FMT_MAX_BLOCK_SHIFT) {
        rc = fr_fail(&e, FROST_EINVAL, "block shift %u: needs %u..%u for %u-value leaves",
                     b->wopt.block_shift, min_shift, FMT_MAX_BLOCK_SHIFT, b->leaf_width);
        goto fail;
    }
    *out = b;
    return 0;
fail:
    rt_set_thread_error(&e);
    frost_builder_free(b);
    return rc;
}

int wr_builder_set_combine(frost_builder *b, uint32_t task, uint32_t rule, uint32_t n_classes,
                           uint32_t n_inputs)
{
    if (b->has_ensemble || b->linear || b->program || b->combine || b->bayes || b->centroids ||
        b->mlp)
        return bfail(b, FROST_EINVAL, "a combination goes alone into a bare builder, first");
    int classifier = rule != FMT_COMB_MEAN;
    if (rule < FMT_COMB_SOFT_VOTE || rule > FMT_COMB_OVR ||
        task != (classifier ? FROST_TASK_CLASSIFIER : FROST_TASK_REGRESSOR) ||
        (classifier ? n_classes < 2 || n_classes > (1u << 20) : n_classes != 0) ||
        n_inputs == 0 || n_inputs > FMT_MAX_SLOTS)
        return fr_fail(&b->err, FROST_EINVAL, "combination: rule %u, task %u, %u classes, %u "
                       "inputs", rule, task, n_classes, n_inputs);
    b->combine = fr_calloc(b->a, 1, sizeof *b->combine);
    if (!b->combine)
        return bfail(b, FROST_ENOMEM, "out of memory");
    b->combine->task = task;
    b->combine->rule = rule;
    b->combine->n_classes = n_classes;
    b->task = (frost_task)task;
    b->n_outputs = 1;
    b->n_features = b->n_inputs = n_inputs;
    b->cur_member = UINT32_MAX;
    if (classifier) {
        b->n_classes = fr_calloc(b->a, 1, sizeof *b->n_classes);
        b->classes = fr_calloc(b->a, 1, sizeof *b->classes);
        if (!b->n_classes || !b->classes)
            return bfail(b, FROST_ENOMEM, "out of memory");
        b->n_classes[0] = n_classes;
    }
    /* every member's leaf holds at most one value per class (one for regressors) */
    uint32_t min_shift = fmt_min_block_shift(classifier ? n_classes : 1, 0);
    b->block_shift = b->wopt.block_shift ? b->wopt.block_shift : min_shift;
    if (b->block_shift < min_shift || b->block_shift > FMT_MAX_BLOCK_SHIFT)
        return fr_fail(&b->err, FROST_EINVAL, "block shift %u: needs %u..%u for %u classes",
                       b->wopt.block_shift, min_shift, FMT_MAX_BLOCK_SHIFT, n_classes);
    return 0;
}

/* A new member reading slots[0, n_in); its estimator is filled in by the caller. */
static fmt_member *new_member(frost_builder *b, uint32_t kind, double weight, uint32_t score,
                              const uint32_t *slots, uint32_t n_in)
{
    fmt_combine *c = b->combine;
    if (!c) {
        bfail(b, FROST_EINVAL, "no combination to add a member to");
        return NULL;
    }
    int ovr = c->rule == FMT_COMB_OVR;
    if (!isfinite(weight) || weight < 0 || (ovr && weight != 1.0) ||
        (ovr ? score != FMT_SCORE_DECISION && score != FMT_SCORE_PROBA : score != FMT_SCORE_NONE)
        || n_in == 0 || n_in > FMT_FEATURE_MASK || !slots) {
        fr_fail(&b->err, FROST_EINVAL, "member %u: weight %g, score %u, %u inputs", c->n_members,
                weight, score, n_in);
        return NULL;
    }
    if (c->n_members == b->cap_members) {
        uint32_t cap = b->cap_members ? 2 * b->cap_members : 4;
        fmt_member *grown = fr_realloc(b->a, c->members, cap * sizeof *grown);
        if (!grown) {
            bfail(b, FROST_ENOMEM, "out of memory");
            return NULL;
        }
        c->members = grown;
        b->cap_members = cap;
    }
    fmt_member *m = &c->members[c->n_members];
    memset(m, 0, sizeof *m);
    m->slots = fr_malloc(b->a, n_in * sizeof *m->slots);
    if (!m->slots) {
        bfail(b, FROST_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(m->slots, slots, n_in * sizeof *m->slots);
    m->kind = kind;
    m->weight = weight;
    m->score = score;
    m->n_in = n_in;
    return m;
}

/* Whether a member estimator of this task, output count and class count fits the combination. */
static int member_fits(frost_builder *b, const fmt_member *m, uint32_t task, uint32_t n_outputs,
                       uint32_t n_classes)
{
    const fmt_combine *c = b->combine;
    uint32_t want = c->rule == FMT_COMB_OVR ? 2 : c->n_classes;
    if (task != c->task || n_outputs != 1 || (task == FROST_TASK_CLASSIFIER && n_classes != want))
        return fr_fail(&b->err, FROST_EINVAL, "member %u: task %u with %u outputs and %u classes "
                       "does not fit the combination", c->n_members, task, n_outputs, n_classes);
    if (m->score == FMT_SCORE_DECISION && !fmt_member_has_decision(m))
        return fr_fail(&b->err, FROST_EINVAL, "member %u has no decision function",
                       c->n_members);
    if ((m->score == FMT_SCORE_PROBA || c->rule == FMT_COMB_SOFT_VOTE) && !fmt_member_has_proba(m))
        return fr_fail(&b->err, FROST_EINVAL, "member %u has no probabilities", c->n_members);
    return 0;
}

int wr_builder_add_member_trees(frost_builder *b, const frost_model_spec *spec, double weight,
                                uint32_t score, const uint32_t *slots, uint32_t n_in)
{
    fmt_member *m = new_member(b, FMT_MEMBER_TREES, weight, score, slots, n_in);
    if (!m)
        return b->err.code;
    frost_model_spec s;
    memset(&s, 0, sizeof s);
    memcpy(&s, spec, spec->size < sizeof s ? spec->size : sizeof s);
    int rc = agg_from_spec(b->a, &s, &m->trees, &b->err);
    if (!rc && m->trees.kind == FMT_ENS_ISOLATION)
        rc = fr_fail(&b->err, FROST_EINVAL, "member %u: an isolation forest cannot be a member",
                     b->combine->n_members);
    if (!rc && m->trees.n_features != n_in)
        rc = fr_fail(&b->err, FROST_EINVAL, "member %u: %u features, %u input slots",
                     b->combine->n_members, m->trees.n_features, n_in);
    if (!rc && fmt_min_block_shift(m->trees.leaf_width,
                                   (m->trees.flags & FMT_ENS_WIDE_SPLITS) != 0) > b->block_shift)
        rc = fr_fail(&b->err, FROST_ELIMIT, "member %u: %u-value leaves need larger blocks",
                     b->combine->n_members, m->trees.leaf_width);
    if (!rc)
        rc = member_fits(b, m, m->trees.task, m->trees.n_outputs, m->trees.n_classes_total);
    if (rc) {
        fr_free(b->a, m->slots);
        fmt_agg_free(b->a, &m->trees);
        return rc;
    }
    m->trees.first_tree = b->n_trees;
    b->cur_member = b->combine->n_members++;
    return 0;
}

int wr_builder_add_member_linear(frost_builder *b, fmt_linear *l, double weight, uint32_t score,
                                 const uint32_t *slots, uint32_t n_in)
{
    fmt_member *m = new_member(b, FMT_MEMBER_LINEAR, weight, score, slots, n_in);
    if (!m)
        return b->err.code;
    m->linear = l;
    int rc = l->n_features != n_in
                 ? fr_fail(&b->err, FROST_EINVAL, "member %u: %u features, %u input slots",
                           b->combine->n_members, l->n_features, n_in)
                 : member_fits(b, m, l->task, l->task == FROST_TASK_CLASSIFIER ? 1 : l->n_rows,
                               fmt_linear_classes(l));
    if (rc) {
        fr_free(b->a, m->slots);
        return rc; /* l stays the caller's */
    }
    b->combine->n_members++;
    b->cur_member = UINT32_MAX;
    return 0;
}

FROST_API void frost_builder_free(frost_builder *b)
{
    if (!b)
        return;
    fr_allocator hook = b->hook; /* outlives b */
    const fr_allocator *a = b->a ? &hook : NULL;
    for (uint32_t t = 0; t < b->n_trees; t++)
        fmt_enc_tree_free(a, &b->trees[t]);
    fr_free(a, b->trees);
    if (b->classes)
        for (uint32_t k = 0; k < b->n_outputs; k++) {
            for (uint32_t i = 0; i < b->classes[k].count; i++)
                fr_free(a, b->classes[k].labels[i]);
            fr_free(a, b->classes[k].labels);
        }
    fr_free(a, b->classes);
    if (b->feature_names)
        for (uint32_t i = 0; i < b->n_inputs; i++)
            fr_free(a, b->feature_names[i]);
    fr_free(a, b->feature_names);
    fmt_program_free(b->program);
    fmt_linear_free(a, b->linear);
    fmt_combine_free(a, b->combine);
    fmt_bayes_free(a, b->bayes);
    fmt_centroids_free(a, b->centroids);
    fmt_mlp_free(a, b->mlp);
    fmt_target_free(a, b->target);
    fmt_checks_free(a, b->checks, b->n_checks);
    for (uint32_t i = 0; i < b->n_meta; i++) {
        fr_free(a, b->meta_keys[i]);
        fr_free(a, b->meta_values[i]);
    }
    fr_free(a, b->meta_keys);
    fr_free(a, b->meta_values);
    fr_free(a, b->meta_types);
    fr_free(a, b->n_classes);
    fr_free(a, b->init_raw);
    fr_free(a, b);
}

FROST_API const char *frost_builder_errmsg(const frost_builder *b)
{
    return b ? b->err.msg : "";
}

int wr_builder_set_program(frost_builder *b, fmt_program *p)
{
    if (b->feature_names || b->program)
        return bfail(b, FROST_EINVAL, "the program must be set once, before feature names");
    if ((b->has_ensemble || b->linear || b->bayes || b->centroids ||
        b->mlp) && !b->combine &&
        p->n_outputs != b->n_features)
        return fr_fail(&b->err, FROST_EINVAL, "the program makes %u columns, the estimator "
                       "takes %u", p->n_outputs, b->n_features);
    b->program = p;
    b->n_inputs = p->n_inputs;
    if (!b->has_ensemble && !b->linear && !b->bayes && !b->centroids && !b->mlp)
        b->n_features = p->n_outputs;
    return 0;
}

int wr_builder_add_check(frost_builder *b, uint32_t rule, const uint32_t *slots, uint32_t n,
                         const char *who)
{
    if (!slots || !n || !who)
        return bfail(b, FROST_EINVAL, "a check needs slots and a name");
    return fmt_check_append(b->a, &b->checks, &b->n_checks, rule, slots, n, who)
               ? bfail(b, FROST_ENOMEM, "out of memory") : 0;
}

int wr_builder_set_linear(frost_builder *b, fmt_linear *l)
{
    if (b->has_ensemble || b->linear || b->program || b->combine || b->bayes || b->centroids ||
        b->mlp)
        return bfail(b, FROST_EINVAL, "a linear estimator goes alone, before the program");
    b->task = (frost_task)l->task;
    b->n_features = b->n_inputs = l->n_features;
    if (l->task == FROST_TASK_CLASSIFIER) {
        b->n_outputs = 1;
        b->n_classes = fr_calloc(b->a, 1, sizeof *b->n_classes);
        b->classes = fr_calloc(b->a, 1, sizeof *b->classes);
        if (!b->n_classes || !b->classes)
            return bfail(b, FROST_ENOMEM, "out of memory");
        b->n_classes[0] = l->n_rows == 1 && l->rule != FMT_LIN_SOFTMAX && l->rule != FMT_LIN_OVR
                              ? 2 : l->n_rows;
    } else {
        b->n_outputs = l->n_rows;
    }
    b->linear = l;
    return 0;
}

/* A bare builder becomes a one-output classifier of n_classes over n_features inputs (the
 * estimator sections of format 1.3). */
static int set_classifier(frost_builder *b, const char *what, uint32_t n_features,
                          uint32_t n_classes)
{
    if (b->has_ensemble || b->linear || b->program || b->combine || b->bayes || b->centroids ||
        b->mlp)
        return fr_fail(&b->err, FROST_EINVAL, "%s goes alone, before the program", what);
    b->task = FROST_TASK_CLASSIFIER;
    b->n_features = b->n_inputs = n_features;
    b->n_outputs = 1;
    b->n_classes = fr_calloc(b->a, 1, sizeof *b->n_classes);
    b->classes = fr_calloc(b->a, 1, sizeof *b->classes);
    if (!b->n_classes || !b->classes)
        return bfail(b, FROST_ENOMEM, "out of memory");
    b->n_classes[0] = n_classes;
    return 0;
}

int wr_builder_set_bayes(frost_builder *b, fmt_bayes *nb)
{
    int rc = set_classifier(b, "a naive Bayes classifier", nb->n_features, nb->n_classes);
    if (!rc)
        b->bayes = nb;
    return rc;
}

int wr_builder_set_centroids(frost_builder *b, fmt_centroids *c)
{
    int rc = set_classifier(b, "a centroid model", c->n_features, c->n_centroids);
    if (!rc)
        b->centroids = c;
    return rc;
}

/* An MLP's outputs (FORMAT.md MLP): a regressor's units, or a classifier's softmax classes in
 * one output, or two classes per logistic unit. */
int wr_builder_set_mlp(frost_builder *b, fmt_mlp *m)
{
    uint32_t n_out = m->widths[m->n_layers];
    if (m->task == FMT_TASK_CLASSIFIER && m->output == FMT_ACT_SOFTMAX) {
        int rc = set_classifier(b, "a multi-layer perceptron", m->widths[0], n_out);
        if (!rc)
            b->mlp = m;
        return rc;
    }
    if (b->has_ensemble || b->linear || b->program || b->combine || b->bayes || b->centroids ||
        b->mlp)
        return bfail(b, FROST_EINVAL, "a multi-layer perceptron goes alone, before the program");
    b->task = (frost_task)m->task;
    b->n_features = b->n_inputs = m->widths[0];
    b->n_outputs = n_out;
    if (m->task == FMT_TASK_CLASSIFIER) {
        b->n_classes = fr_calloc(b->a, n_out, sizeof *b->n_classes);
        b->classes = fr_calloc(b->a, n_out, sizeof *b->classes);
        if (!b->n_classes || !b->classes)
            return bfail(b, FROST_ENOMEM, "out of memory");
        for (uint32_t k = 0; k < n_out; k++)
            b->n_classes[k] = 2;
    }
    b->mlp = m;
    return 0;
}

/* How many values a prediction of the model so far has: one per output, one for a boosted
 * ensemble (FORMAT.md TARGET's n_targets). */
static uint32_t pred_width(const frost_builder *b)
{
    return b->has_ensemble && b->kind == FROST_ENSEMBLE_BOOSTED ? 1 : b->n_outputs;
}

uint32_t wr_builder_pred_width(const frost_builder *b)
{
    return pred_width(b);
}

int wr_builder_set_target(frost_builder *b, fmt_target *t)
{
    if (b->target)
        return bfail(b, FROST_EINVAL, "the target transform is set once");
    if (fmt_target_check(t, &b->err))
        return fr_fail(&b->err, FROST_EINVAL, "%s", b->err.msg);
    b->target = t;
    return 0;
}

FROST_API int frost_builder_add_tree(frost_builder *b, const frost_tree_arrays *t)
{
    if (!b || !t || t->size < sizeof t->size)
        return FROST_EINVAL;
    /* a combination's trees go to its current tree member, with that member's parameters */
    const fmt_agg *g = NULL;
    if (b->combine && b->cur_member != UINT32_MAX)
        g = &b->combine->members[b->cur_member].trees;
    else if (!b->has_ensemble)
        return bfail(b, FROST_EINVAL, "this builder holds no tree ensemble");
    uint32_t leaf_width = g ? g->leaf_width : b->leaf_width;
    uint32_t n_raw = g ? g->n_raw : b->n_raw;
    uint32_t kind = g ? g->kind : (uint32_t)b->kind;
    uint32_t n_features = g ? g->n_features : b->n_features;
    int wide = ((g ? g->flags : b->ens_flags) & FMT_ENS_WIDE_SPLITS) != 0;
    frost_tree_arrays a;
    memset(&a, 0, sizeof a);
    memcpy(&a, t, t->size < sizeof a ? t->size : sizeof a);
    if (!a.children_left || !a.children_right || !a.feature || !a.threshold || !a.value)
        return bfail(b, FROST_EINVAL, "tree arrays: a required array is NULL");
    if (a.is_categorical && (!wide || !a.categories_left))
        return bfail(b, FROST_EINVAL, wide ? "tree arrays: categorical splits without their "
                                             "category sets"
                                           : "tree arrays: categorical splits need a model "
                                             "with exact_thresholds");
    if (a.value_width != leaf_width)
        return fr_fail(&b->err, FROST_EINVAL, "tree %u: value width %u, the model needs %u",
                       b->n_trees, a.value_width, leaf_width);
    if (kind == FROST_ENSEMBLE_BOOSTED ? a.raw_column >= n_raw : a.raw_column != 0)
        return fr_fail(&b->err, FROST_EINVAL, "tree %u: raw column %u out of range", b->n_trees,
                       a.raw_column);
    if (b->n_trees == UINT32_MAX - 1)
        return bfail(b, FROST_ELIMIT, "too many trees");
    if (b->n_trees == b->cap_trees) {
        uint32_t cap = b->cap_trees ? b->cap_trees * 2 : 16;
        fmt_enc_tree *grown = fr_realloc(b->a, b->trees, (size_t)cap * sizeof *grown);
        if (!grown)
            return bfail(b, FROST_ENOMEM, "out of memory");
        b->trees = grown;
        b->cap_trees = cap;
    }
    fmt_tree_input in = {
        .node_count = a.node_count,
        .children_left = a.children_left,
        .children_right = a.children_right,
        .feature = a.feature,
        .threshold = a.threshold,
        .missing_go_to_left = a.missing_go_to_left,
        .value = a.value,
        .value_width = a.value_width,
        .n_features = n_features,
        .wide = wide,
        .is_categorical = a.is_categorical,
        .categories_left = a.categories_left,
    };
    uint32_t top_levels = b->wopt.top_levels ? b->wopt.top_levels : DEFAULT_TOP_LEVELS;
    fmt_enc_tree *enc = &b->trees[b->n_trees];
    int rc = fmt_tree_encode(&in, 1u << b->block_shift, top_levels, b->a, enc, &b->err);
    if (rc)
        return fr_wrap(&b->err, "tree %u", b->n_trees);
    enc->raw_column = a.raw_column;
    b->n_trees++;
    if (g)
        b->combine->members[b->cur_member].trees.n_trees++;
    return 0;
}

FROST_API int frost_builder_set_classes(frost_builder *b, uint32_t output, frost_label_kind kind,
                                        const char *const *labels, uint32_t count)
{
    if (!b || (!labels && count))
        return FROST_EINVAL;
    if (b->task != FROST_TASK_CLASSIFIER || output >= b->n_outputs)
        return fr_fail(&b->err, FROST_EINVAL, "class labels for output %u of a model with %u "
                       "outputs%s", output, b->n_outputs,
                       b->task == FROST_TASK_CLASSIFIER ? "" : " (not a classifier)");
    if (count != b->n_classes[output])
        return fr_fail(&b->err, FROST_EINVAL, "output %u: %u labels for %u classes", output,
                       count, b->n_classes[output]);
    if (kind < FROST_LABEL_INT || kind > FROST_LABEL_BOOL)
        return bfail(b, FROST_EINVAL, "unknown label kind");
    char **copy = fr_calloc(b->a, count ? count : 1, sizeof *copy);
    if (!copy)
        return bfail(b, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < count; i++)
        if (!labels[i] || !utf8(labels[i]) || !(copy[i] = dup_str(b->a, labels[i]))) {
            for (uint32_t j = 0; j < i; j++)
                fr_free(b->a, copy[j]);
            fr_free(b->a, copy);
            return bfail(b, labels[i] && utf8(labels[i]) ? FROST_ENOMEM : FROST_EINVAL,
                         "a class label is missing or not UTF-8");
        }
    fmt_labels *L = &b->classes[output];
    for (uint32_t i = 0; i < L->count; i++)
        fr_free(b->a, L->labels[i]);
    fr_free(b->a, L->labels);
    L->kind = kind;
    L->count = count;
    L->labels = copy;
    return 0;
}

FROST_API int frost_builder_set_feature_names(frost_builder *b, const char *const *names)
{
    if (!b || !names)
        return FROST_EINVAL;
    char **copy = fr_calloc(b->a, b->n_inputs ? b->n_inputs : 1, sizeof *copy);
    if (!copy)
        return bfail(b, FROST_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < b->n_inputs; i++)
        if (!names[i] || !utf8(names[i]) || !(copy[i] = dup_str(b->a, names[i]))) {
            for (uint32_t j = 0; j < i; j++)
                fr_free(b->a, copy[j]);
            fr_free(b->a, copy);
            return bfail(b, names[i] && utf8(names[i]) ? FROST_ENOMEM : FROST_EINVAL,
                         "a feature name is missing or not UTF-8");
        }
    if (b->feature_names)
        for (uint32_t i = 0; i < b->n_inputs; i++)
            fr_free(b->a, b->feature_names[i]);
    fr_free(b->a, b->feature_names);
    b->feature_names = copy;
    return 0;
}

FROST_API int frost_builder_set_meta_typed(frost_builder *b, const char *key, const char *value,
                                           frost_meta_type type)
{
    if (!b || !key || !value || !*key)
        return FROST_EINVAL;
    if (!utf8(key) || !utf8(value))
        return bfail(b, FROST_EINVAL, "metadata must be UTF-8");
    if (!fmt_meta_value_valid((uint32_t)type, value))
        return fr_fail(&b->err, FROST_EINVAL, "metadata '%s': '%s' is not a %s", key, value,
                       type == FROST_META_NUMBER ? "JSON number"
                       : type == FROST_META_BOOL ? "boolean (true or false)"
                                                 : "known metadata type");
    for (uint32_t i = 0; i < b->n_meta; i++)
        if (strcmp(b->meta_keys[i], key) == 0) {
            char *v = dup_str(b->a, value);
            if (!v)
                return bfail(b, FROST_ENOMEM, "out of memory");
            fr_free(b->a, b->meta_values[i]);
            b->meta_values[i] = v;
            b->meta_types[i] = (uint8_t)type;
            return 0;
        }
    char **k2 = fr_realloc(b->a, b->meta_keys, (b->n_meta + 1) * sizeof *k2);
    if (!k2)
        return bfail(b, FROST_ENOMEM, "out of memory");
    b->meta_keys = k2;
    char **v2 = fr_realloc(b->a, b->meta_values, (b->n_meta + 1) * sizeof *v2);
    if (!v2)
        return bfail(b, FROST_ENOMEM, "out of memory");
    b->meta_values = v2;
    uint8_t *t2 = fr_realloc(b->a, b->meta_types, b->n_meta + 1);
    if (!t2)
        return bfail(b, FROST_ENOMEM, "out of memory");
    b->meta_types = t2;
    char *k = dup_str(b->a, key), *v = dup_str(b->a, value);
    if (!k || !v) {
        fr_free(b->a, k);
        fr_free(b->a, v);
        return bfail(b, FROST_ENOMEM, "out of memory");
    }
    b->meta_keys[b->n_meta] = k;
    b->meta_values[b->n_meta] = v;
    b->meta_types[b->n_meta] = (uint8_t)type;
    b->n_meta++;
    return 0;
}

FROST_API int frost_builder_set_meta(frost_builder *b, const char *key, const char *value)
{
    return frost_builder_set_meta_typed(b, key, value, FROST_META_STRING);
}

/* Buffered output: the writer emits many small pieces. */
typedef struct file_sink {
    wr_out out;
    uint8_t buf[1 << 16];
    size_t len;
} file_sink;

static int sink_flush(file_sink *s, fr_err *e)
{
    int rc = wr_out_write(&s->out, s->buf, s->len, e);
    s->len = 0;
    return rc;
}

static int sink_emit(void *ctx, const void *buf, size_t len, fr_err *e)
{
    file_sink *s = ctx;
    const uint8_t *p = buf;
    while (len) {
        size_t k = sizeof s->buf - s->len;
        if (k > len)
            k = len;
        memcpy(s->buf + s->len, p, k);
        s->len += k;
        p += k;
        len -= k;
        if (s->len == sizeof s->buf) {
            int rc = sink_flush(s, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

FROST_API int frost_builder_write(frost_builder *b, const char *path)
{
    if (!b || !path)
        return FROST_EINVAL;
    if (b->has_ensemble && b->n_trees == 0)
        return bfail(b, FROST_EINVAL, "the model has no trees");
    if (b->combine) {
        if (!b->combine->n_members)
            return bfail(b, FROST_EINVAL, "the combination has no members");
        for (uint32_t i = 0; i < b->combine->n_members; i++) {
            const fmt_member *m = &b->combine->members[i];
            if (m->kind == FMT_MEMBER_TREES &&
                (!m->trees.n_trees ||
                 ((m->trees.flags & FMT_ENS_RAW_ARGMAX) && m->trees.n_trees != 1)))
                return fr_fail(&b->err, FROST_EINVAL, "member %u: %u trees", i, m->trees.n_trees);
        }
    }
    if (!b->has_ensemble && !b->linear && !b->program && !b->combine && !b->bayes &&
        !b->centroids && !b->mlp)
        return bfail(b, FROST_EINVAL, "the model has neither an estimator nor a program");
    if (b->task == FROST_TASK_CLASSIFIER)
        for (uint32_t k = 0; k < b->n_outputs; k++)
            if (!b->classes[k].labels)
                return fr_fail(&b->err, FROST_EINVAL, "output %u has no class labels", k);
    if (b->target) {
        uint32_t width = pred_width(b);
        if (b->task != FROST_TASK_REGRESSOR || b->target->n_targets != width)
            return fr_fail(&b->err, FROST_EINVAL, "a target transform of %u columns for a "
                           "model predicting %u (it needs a regressor)",
                           b->target->n_targets, width);
    }
    if (b->ens_flags & FMT_ENS_RAW_ARGMAX && b->n_trees != 1)
        return bfail(b, FROST_EINVAL, "raw_argmax needs exactly one tree");
    /* checks read what the file will hold: program slots, else the input columns */
    for (uint32_t i = 0; i < b->n_checks; i++) {
        int rc = fmt_check_validate(&b->checks[i], i,
                                    b->program ? b->program->n_slots : b->n_inputs,
                                    b->program ? b->program->slot_kind : NULL,
                                    b->has_ensemble || b->linear || b->combine || b->bayes ||
                                        b->centroids || b->mlp,
                                    &b->err);
        if (rc)
            return fr_fail(&b->err, FROST_EINVAL, "%s", b->err.msg);
    }
    if (frost_builder_set_meta(b, "frost_version", FROST_VERSION_STRING))
        return b->err.code;

    fmt_model_desc d = {
        .task = b->task,
        .kind = b->kind,
        .n_features = b->n_features,
        .n_outputs = b->n_outputs,
        .leaf_width = b->leaf_width,
        .ens_flags = b->ens_flags,
        .link = b->link,
        .n_raw = b->n_raw,
        .learning_rate = b->kind == FROST_ENSEMBLE_BOOSTED ? b->learning_rate : 0.0,
        .n_classes = b->n_classes,
        .init_raw = b->init_raw,
        .path_norm = b->path_norm,
        .offset = b->offset,
        .n_trees = b->n_trees,
        .trees = b->trees,
        .has_ensemble = b->has_ensemble || (b->combine && b->n_trees),
        .n_inputs = b->n_inputs,
        .feature_names = (const char *const *)b->feature_names,
        .feature_kinds = b->program ? b->program->slot_kind : NULL,
        .program = b->program,
        .linear = b->linear,
        .combine = b->combine,
        .bayes = b->bayes,
        .centroids = b->centroids,
        .mlp = b->mlp,
        .target = b->target,
        .checks = b->checks,
        .n_checks = b->n_checks,
        .classes = b->classes,
        .n_meta = b->n_meta,
        .meta_keys = (const char *const *)b->meta_keys,
        .meta_values = (const char *const *)b->meta_values,
        .meta_types = b->meta_types,
    };
    fmt_write_params p = {.block_shift = b->block_shift, .compress = b->wopt.compress};

    file_sink *sink = fr_malloc(b->a, sizeof *sink);
    if (!sink)
        return bfail(b, FROST_ENOMEM, "out of memory");
    sink->len = 0;
    int rc = wr_out_open(&sink->out, path, b->a, &b->err);
    if (rc) {
        fr_free(b->a, sink);
        return rc;
    }
    rc = fmt_write(&d, &p, b->a, sink_emit, sink, &b->err);
    if (!rc)
        rc = sink_flush(sink, &b->err);
    if (rc)
        wr_out_abort(&sink->out);
    else
        rc = wr_out_commit(&sink->out, &b->err);
    fr_free(b->a, sink);
    return rc;
}
