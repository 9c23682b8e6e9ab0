/*
 * inspect_json.c — a parsed .frost header as a JSON document (jansson): what `frost inspect
 * --json` prints and what `frost diff` compares. It mirrors FORMAT.md field for field;
 * tests/spec/frost_decode.py (a decoder written from the spec alone) produces the same document.
 * JSON has no NaN or infinity: those numbers are the strings "nan", "inf" and "-inf".
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "inspect_json.h"

/* json_object_set_new and json_array_append_new take ownership of the value and report a NULL
 * one (an allocation that failed) as an error; builders below check the whole document once,
 * through cli_json_failed, rather than every call. */
static int json_oom;

static void put(json_t *o, const char *key, json_t *v)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        json_oom = 1;
}

static void push(json_t *a, json_t *v)
{
    if (!v || json_array_append_new(a, v) != 0)
        json_oom = 1;
}

json_t *cli_json_f64(double v)
{
    if (isnan(v))
        return json_string("nan");
    if (isinf(v))
        return json_string(v > 0 ? "inf" : "-inf");
    return json_real(v);
}

static json_t *f64s(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        push(a, cli_json_f64(v[i]));
    return a;
}

static json_t *u32s(const uint32_t *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        push(a, json_integer(v[i]));
    return a;
}

static json_t *strs(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        push(a, json_string(v[i]));
    return a;
}

static json_t *hex(const uint8_t *p, size_t n)
{
    char buf[129];
    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n; i++)
        snprintf(buf + 2 * i, 3, "%02x", p[i]);
    buf[2 * n] = '\0';
    return json_string(buf);
}

static const char *task_name(uint32_t task)
{
    return task == FMT_TASK_CLASSIFIER ? "classifier" : "regressor";
}

static const char *op_name(uint32_t opcode)
{
    static const char *names[] = {"?", "impute", "impute_str", "indicator", "scale", "encode",
                                  "normalize", "poly", "bins", "ufunc", "project"};
    return opcode < sizeof names / sizeof names[0] ? names[opcode] : "?";
}

const char *cli_label_kind(uint32_t k)
{
    static const char *names[] = {"?", "int", "float", "str", "bool"};
    return k <= 4 ? names[k] : "?";
}

const char *cli_ufunc_name(uint32_t f)
{
    static const char *names[] = {"?", "log", "log1p", "exp", "expm1", "sqrt", "square",
                                  "absolute", "reciprocal"};
    return f < sizeof names / sizeof names[0] ? names[f] : "?";
}

/* TARGET (1.3): the inverse transform applied to a regressor's predictions. */
static json_t *target_json(const fmt_target *t)
{
    if (!t)
        return json_null();
    json_t *o = json_object(), *steps = json_array();
    if (!o || !steps) {
        json_decref(o);
        json_decref(steps);
        json_oom = 1;
        return NULL;
    }
    put(o, "n_targets", json_integer(t->n_targets));
    for (uint32_t i = 0; i < t->n_steps; i++) {
        const fmt_target_step *st = &t->steps[i];
        json_t *j = json_object();
        if (!j) {
            json_oom = 1;
            break;
        }
        put(j, "kind", json_string(st->kind == FMT_TGT_UFUNC ? "ufunc" : "affine"));
        if (st->kind == FMT_TGT_UFUNC) {
            put(j, "ufunc", json_string(cli_ufunc_name(st->ufunc)));
        } else {
            put(j, "a", f64s(st->a, t->n_targets));
            put(j, "b", f64s(st->b, t->n_targets));
        }
        push(steps, j);
    }
    put(o, "steps", steps);
    return o;
}

static json_t *op_json(const fmt_op *op)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "op", json_string(op_name(op->opcode)));
    put(o, "in", u32s(op->in, op->n_in));
    put(o, "n_out", json_integer(op->n_out));
    switch (op->opcode) {
    case FMT_OP_IMPUTE:
        put(o, "fill", f64s(op->a, op->n_in));
        break;
    case FMT_OP_IMPUTE_STR:
        put(o, "fill", strs(op->strs, op->n_in));
        break;
    case FMT_OP_SCALE:
        put(o, "mode", json_integer(op->mode));
        put(o, "clip", json_integer(op->clip));
        put(o, "lo", cli_json_f64(op->lo));
        put(o, "hi", cli_json_f64(op->hi));
        put(o, "a", f64s(op->a, op->n_in));
        put(o, "b", f64s(op->b, op->n_in));
        break;
    case FMT_OP_ENCODE:
        put(o, "kind", json_string(op->cat_kind == FMT_SLOT_STR ? "string" : "numeric"));
        put(o, "unknown", json_integer(op->unknown));
        put(o, "missing_cat",
            op->missing_cat == FMT_NONE ? json_null() : json_integer(op->missing_cat));
        put(o, "unknown_target", f64s(&op->unknown_target, 1));
        put(o, "categories", op->cat_kind == FMT_SLOT_STR ? strs(op->strs, op->n_cat)
                                                          : f64s(op->cats, op->n_cat));
        put(o, "targets", f64s(op->targets, op->n_cat));
        break;
    case FMT_OP_NORMALIZE:
        put(o, "norm", json_integer(op->norm));
        break;
    case FMT_OP_POLY: {
        json_t *terms = json_array();
        for (uint32_t t = 0; terms && t < op->n_out; t++)
            push(terms, u32s(op->term_idx + op->term_off[t], op->term_off[t + 1] - op->term_off[t]));
        put(o, "terms", terms);
        break;
    }
    case FMT_OP_UFUNC:
        put(o, "ufunc", json_string(cli_ufunc_name(op->ufunc)));
        break;
    case FMT_OP_PROJECT:
        put(o, "center", f64s(op->a, op->n_in));
        put(o, "w", f64s(op->w, (size_t)op->n_in * op->n_out));
        break;
    case FMT_OP_BINS:
        put(o, "rule", json_integer(op->rule));
        put(o, "edges", f64s(op->edges, op->n_edges));
        break;
    default:
        break;
    }
    return o;
}

/* The PROGRAM section, every field FORMAT.md defines. */
static json_t *program_json(const fmt_program *p)
{
    if (!p)
        return json_null();
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "n_inputs", json_integer(p->n_inputs));
    put(o, "n_slots", json_integer(p->n_slots));
    put(o, "outputs", u32s(p->outputs, p->n_outputs));
    put(o, "output_names", p->output_names ? strs(p->output_names, p->n_outputs) : json_null());
    json_t *ops = json_array();
    for (uint32_t i = 0; ops && i < p->n_ops; i++)
        push(ops, op_json(&p->ops[i]));
    put(o, "ops", ops);
    return o;
}

static json_t *linear_json(const fmt_linear *l)
{
    if (!l)
        return json_null();
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "task", json_string(task_name(l->task)));
    put(o, "rule", json_integer(l->rule));
    put(o, "n_features", json_integer(l->n_features));
    put(o, "n_rows", json_integer(l->n_rows));
    put(o, "coef", f64s(l->coef, (size_t)l->n_rows * l->n_features));
    put(o, "intercept", f64s(l->intercept, l->n_rows));
    return o;
}

const char *const cli_comb_rules[5] = {"?", "soft vote", "hard vote", "weighted mean",
                                       "one-vs-rest"};
const char *const cli_member_scores[3] = {"none", "decision", "proba"};

/* An aggregation's kind, as the JSON and the text say it. */
static const char *ens_kind_name(uint32_t kind)
{
    return kind == FMT_ENS_MEAN ? "mean" : kind == FMT_ENS_ISOLATION ? "isolation" : "boosted";
}

/* ISOLATION's parameters (null for other kinds). */
static void put_isolation(json_t *o, uint32_t kind, double path_norm, double offset)
{
    int iso = kind == FMT_ENS_ISOLATION;
    put(o, "path_norm", iso ? cli_json_f64(path_norm) : json_null());
    put(o, "offset", iso ? cli_json_f64(offset) : json_null());
}

static json_t *agg_json(const fmt_agg *g)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "task", json_string(task_name(g->task)));
    put(o, "kind", json_string(ens_kind_name(g->kind)));
    put(o, "first_tree", json_integer(g->first_tree));
    put(o, "n_trees", json_integer(g->n_trees));
    put(o, "n_features", json_integer(g->n_features));
    put(o, "n_outputs", json_integer(g->n_outputs));
    put(o, "leaf_width", json_integer(g->leaf_width));
    put(o, "flags", json_integer(g->flags));
    put(o, "link", json_integer(g->link));
    put(o, "n_raw", json_integer(g->n_raw));
    put(o, "learning_rate", cli_json_f64(g->learning_rate));
    put(o, "n_classes", u32s(g->n_classes, g->n_classes ? g->n_outputs : 0));
    put(o, "init_raw", f64s(g->init_raw, g->n_raw));
    put_isolation(o, g->kind, g->path_norm, g->offset);
    return o;
}

static json_t *combine_json(const fmt_combine *c)
{
    if (!c)
        return json_null();
    json_t *o = json_object(), *members = json_array();
    if (!o || !members) {
        json_decref(o);
        json_decref(members);
        return NULL;
    }
    put(o, "task", json_string(task_name(c->task)));
    put(o, "rule", json_string(c->rule < 5 ? cli_comb_rules[c->rule] : "?"));
    put(o, "n_classes", json_integer(c->n_classes));
    for (uint32_t i = 0; i < c->n_members; i++) {
        const fmt_member *m = &c->members[i];
        json_t *mj = json_object();
        if (!mj) {
            json_oom = 1;
            break;
        }
        int trees = m->kind == FMT_MEMBER_TREES;
        put(mj, "kind", json_string(trees ? "trees" : "linear"));
        put(mj, "score", json_string(m->score < 3 ? cli_member_scores[m->score] : "?"));
        put(mj, "weight", cli_json_f64(m->weight));
        put(mj, "slots", u32s(m->slots, m->n_in));
        put(mj, trees ? "trees" : "linear", trees ? agg_json(&m->trees) : linear_json(m->linear));
        push(members, mj);
    }
    put(o, "members", members);
    return o;
}

static json_t *ensemble_json(const fmt_header *h)
{
    if (!h->has_ensemble)
        return json_null();
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (h->kind == FMT_ENS_MEMBERS) { /* the tree table of the COMBINE members */
        put(o, "kind", json_string("members"));
        put(o, "n_trees", json_integer(h->n_trees));
        put(o, "top_chunk", json_integer(h->top_chunk));
        return o;
    }
    put(o, "task", json_string(task_name(h->task)));
    put(o, "kind", json_string(ens_kind_name(h->kind)));
    put(o, "n_features", json_integer(h->n_features));
    put(o, "n_outputs", json_integer(h->n_outputs));
    put(o, "n_trees", json_integer(h->n_trees));
    put(o, "leaf_width", json_integer(h->leaf_width));
    put(o, "flags", json_integer(h->ens_flags));
    put(o, "link", json_integer(h->link));
    put(o, "n_raw", json_integer(h->n_raw));
    put(o, "top_chunk", h->top_chunk == FMT_NONE ? json_null() : json_integer(h->top_chunk));
    put(o, "learning_rate", cli_json_f64(h->learning_rate));
    put(o, "n_classes", u32s(h->n_classes, h->n_classes ? h->n_outputs : 0));
    put(o, "init_raw", f64s(h->init_raw, h->n_raw));
    put_isolation(o, h->kind, h->path_norm, h->offset);
    return o;
}

static json_t *trees_json(const fmt_header *h)
{
    json_t *a = json_array();
    for (uint32_t t = 0; a && t < h->n_trees; t++) {
        const fmt_tree *tr = &h->trees[t];
        json_t *o = json_object();
        if (!o) {
            json_oom = 1;
            break;
        }
        put(o, "top_offset", json_integer((json_int_t)tr->top_offset));
        put(o, "top_size", json_integer(tr->top_size));
        put(o, "body_chunk",
            tr->body_chunk == FMT_NONE ? json_null() : json_integer(tr->body_chunk));
        put(o, "body_offset", json_integer((json_int_t)tr->body_offset));
        put(o, "body_size", json_integer(tr->body_size));
        put(o, "raw_column", json_integer(tr->raw_column));
        put(o, "n_splits", json_integer(tr->n_splits));
        put(o, "n_leaves", json_integer(tr->n_leaves));
        push(a, o);
    }
    return a;
}

static json_t *features_json(const fmt_header *h)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "count", json_integer(h->n_inputs));
    if (!h->feature_kinds) {
        put(o, "kinds", json_null());
    } else {
        json_t *k = json_array();
        for (uint32_t i = 0; k && i < h->n_inputs; i++)
            push(k, json_string(h->feature_kinds[i] == FMT_SLOT_STR      ? "string"
                                : h->feature_kinds[i] == FMT_SLOT_UNUSED ? "unused"
                                                                         : "numeric"));
        put(o, "kinds", k);
    }
    put(o, "names", h->features_named ? strs(h->feature_names, h->n_inputs) : json_null());
    return o;
}

static json_t *checks_json(const fmt_header *h)
{
    if (!h->n_checks)
        return json_null();
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < h->n_checks; i++) {
        json_t *o = json_object();
        if (!o) {
            json_oom = 1;
            break;
        }
        put(o, "rule", json_integer(h->checks[i].rule));
        put(o, "slots", u32s(h->checks[i].slots, h->checks[i].n_slots));
        put(o, "who", json_string(h->checks[i].who));
        push(a, o);
    }
    return a;
}

/* A BAYES kind as scikit-learn names the class. */
static const char *nb_kind_name(uint32_t kind)
{
    static const char *const names[] = {"?", "GaussianNB", "MultinomialNB", "ComplementNB",
                                        "BernoulliNB", "CategoricalNB"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static json_t *bayes_json(const fmt_bayes *b)
{
    if (!b)
        return json_null();
    json_t *o = json_object();
    if (!o) {
        json_oom = 1;
        return NULL;
    }
    put(o, "kind", json_string(nb_kind_name(b->kind)));
    put(o, "n_classes", json_integer(b->n_classes));
    put(o, "n_features", json_integer(b->n_features));
    put(o, "binarize", json_boolean(b->flags & FMT_NB_BINARIZE));
    return o;
}

static json_t *centroids_json(const fmt_centroids *c)
{
    if (!c)
        return json_null();
    json_t *o = json_object();
    if (!o) {
        json_oom = 1;
        return NULL;
    }
    put(o, "kind", json_string(c->kind == FMT_CEN_KMEANS ? "kmeans" : "nearest"));
    put(o, "metric", json_string(c->metric == FMT_CEN_MANHATTAN ? "manhattan" : "euclidean"));
    put(o, "n_centroids", json_integer(c->n_centroids));
    put(o, "n_features", json_integer(c->n_features));
    return o;
}

static json_t *mlp_json(const fmt_mlp *m)
{
    static const char *const acts[] = {"?", "identity", "logistic", "tanh", "relu", "softmax"};
    if (!m)
        return json_null();
    json_t *o = json_object(), *w = json_array();
    if (!o || !w) {
        json_decref(o);
        json_decref(w);
        json_oom = 1;
        return NULL;
    }
    put(o, "task", json_integer(m->task));
    put(o, "activation", json_string(acts[m->activation]));
    put(o, "output", json_string(acts[m->output]));
    for (uint32_t i = 0; i <= m->n_layers; i++)
        push(w, json_integer(m->widths[i]));
    put(o, "widths", w);
    return o;
}

static json_t *classes_json(const fmt_header *h)
{
    if (!h->classes)
        return json_null();
    json_t *a = json_array();
    for (uint32_t k = 0; a && k < h->n_outputs; k++) {
        json_t *o = json_object();
        if (!o) {
            json_oom = 1;
            break;
        }
        put(o, "kind", json_string(cli_label_kind(h->classes[k].kind)));
        put(o, "labels", strs(h->classes[k].labels, h->classes[k].count));
        push(a, o);
    }
    return a;
}

json_t *cli_meta_value(const fmt_header *h, uint32_t i)
{
    const char *v = h->meta_values[i];
    switch (fmt_meta_type_at(h, i)) {
    case FMT_META_NUMBER: {
        /* the stored text is a JSON number (FORMAT.md METADATA_TYPES): jansson reads it */
        json_t *n = json_loads(v, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        if (n && json_is_number(n))
            return n;
        json_decref(n);
        return json_string(v);
    }
    case FMT_META_BOOL:
        return json_boolean(v[0] == 't');
    default:
        return json_string(v);
    }
}

static json_t *metadata_json(const fmt_header *h)
{
    json_t *o = json_object();
    for (uint32_t i = 0; o && i < h->n_meta; i++)
        put(o, h->meta_keys[i], cli_meta_value(h, i));
    return o;
}

static json_t *blocks_json(const fmt_header *h)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < h->n_blocks; i++) {
        const fmt_block b = fmt_block_at(h, i);
        json_t *o = json_object();
        if (!o) {
            json_oom = 1;
            break;
        }
        char sum[17];
        snprintf(sum, sizeof sum, "%016" PRIx64, b.checksum);
        put(o, "offset", json_integer((json_int_t)b.offset));
        put(o, "stored_size", json_integer(b.stored_size));
        put(o, "raw_size", json_integer(b.raw_size));
        put(o, "codec", json_string(b.codec == FMT_CODEC_LZ4 ? "lz4" : "none"));
        put(o, "checksum", json_string(sum));
        push(a, o);
    }
    return a;
}

static json_t *chunks_json(const fmt_header *h)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < h->n_chunks; i++) {
        const fmt_chunk *c = &h->chunks[i];
        json_t *o = json_object();
        if (!o) {
            json_oom = 1;
            break;
        }
        put(o, "kind", json_string(c->kind == FMT_CHUNK_TOP ? "top" : "body"));
        put(o, "first_block", json_integer(c->first_block));
        put(o, "block_count", json_integer(c->block_count));
        put(o, "raw_size", json_integer((json_int_t)c->raw_size));
        push(a, o);
    }
    return a;
}

json_t *cli_inspect_json(const char *path, const fmt_header *h)
{
    json_oom = 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "path", json_string(path));
    put(o, "major", json_integer(h->major));
    put(o, "minor", json_integer(h->minor));
    put(o, "flags", json_integer(h->flags));
    put(o, "block_shift", json_integer(h->block_shift));
    put(o, "block_size", json_integer(h->block_size));
    put(o, "header_size", json_integer((json_int_t)h->header_size));
    put(o, "data_size", json_integer((json_int_t)h->data_size));
    put(o, "trailer_size", json_integer((json_int_t)h->trailer_size));
    put(o, "file_size", json_integer((json_int_t)h->file_size));
    put(o, "digest", hex(h->digest, sizeof h->digest));
    put(o, "blocks", blocks_json(h));
    put(o, "chunks", chunks_json(h));
    put(o, "ensemble", ensemble_json(h));
    put(o, "trees", trees_json(h));
    put(o, "features", features_json(h));
    put(o, "program", program_json(h->program));
    put(o, "linear", linear_json(h->linear));
    put(o, "combine", combine_json(h->combine));
    put(o, "checks", checks_json(h));
    put(o, "bayes", bayes_json(h->bayes));
    put(o, "centroids", centroids_json(h->centroids));
    put(o, "mlp", mlp_json(h->mlp));
    put(o, "target", target_json(h->target));
    put(o, "classes", classes_json(h));
    put(o, "metadata", metadata_json(h));
    if (json_oom) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int cli_json_print(json_t *doc, FILE *f)
{
    return json_dumpf(doc, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF
               ? 0
               : -1;
}
