/*
 * cmd_diff.c — `frost diff A B`: what changed between two models — metadata, the input schema
 * (columns, their kinds, the categories encoders learned), the estimator, the classes, the sizes.
 * The differences are built once as a JSON document (jansson), which --json prints and the
 * readable form is rendered from. Only headers are read.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv/csv.h"
#include "inspect_json.h"
#include "internal.h"

static int oom;

static void put(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v))
        oom = 1;
}

static void push(json_t *a, json_t *v)
{
    if (!v || json_array_append_new(a, v))
        oom = 1;
}

/* One input column as diff sees it: kind and learned categories (as text). */
static json_t *column(const fmt_header *h, uint32_t i)
{
    json_t *c = json_object();
    if (!c)
        return NULL;
    static const char *const kinds[] = {"numeric", "string", "unused"};
    uint32_t k = h->feature_kinds ? h->feature_kinds[i] : FMT_SLOT_NUM;
    put(c, "kind", json_string(kinds[k <= FMT_SLOT_UNUSED ? k : 0]));
    const fmt_program *p = h->program;
    for (uint32_t o = 0; p && o < p->n_ops; o++) {
        const fmt_op *op = &p->ops[o];
        if (op->opcode != FMT_OP_ENCODE || fmt_slot_origin(p, op->in[0]) != i)
            continue;
        json_t *cats = json_array();
        for (uint32_t j = 0; cats && j < op->n_cat; j++) {
            char buf[64];
            if (j == op->missing_cat)
                push(cats, json_string("(missing)"));
            else if (op->cat_kind == FMT_SLOT_STR)
                push(cats, json_string(op->strs[j]));
            else {
                snprintf(buf, sizeof buf, "%.17g", op->cats[j]);
                push(cats, json_string(buf));
            }
        }
        put(c, "categories", cats);
        break;
    }
    return c;
}

/* The schema: column name (or "x<i>" without names) → column. */
static json_t *schema(const fmt_header *h)
{
    json_t *s = json_object();
    for (uint32_t i = 0; s && i < h->n_inputs; i++) {
        char name[32];
        const char *n = h->features_named ? h->feature_names[i] : name;
        if (!h->features_named)
            snprintf(name, sizeof name, "x%u", i);
        if (!json_object_get(s, n)) /* repeated names: the first */
            put(s, n, column(h, i));
    }
    return s;
}

static json_t *summary(const fmt_header *h, const frost_model *m)
{
    json_t *s = json_object();
    if (!s)
        return NULL;
    const char *est = frost_meta_get(m, "estimator");
    uint64_t nodes = 0;
    for (uint32_t t = 0; t < h->n_trees; t++)
        nodes += (uint64_t)h->trees[t].n_splits + h->trees[t].n_leaves;
    put(s, "estimator", json_string(est ? est : "?"));
    int estimator = h->combine || h->has_ensemble || h->linear || h->bayes || h->centroids ||
                    h->mlp;
    put(s, "task", json_string(estimator ? (h->task == FMT_TASK_CLASSIFIER ? "classifier"
                                                                           : "regressor")
                                         : "transformer"));
    put(s, "kind", json_string(h->combine ? "combination" : h->has_ensemble ? "trees"
                               : h->linear ? "linear" : h->bayes ? "naive Bayes"
                               : h->centroids ? "centroids" : h->mlp ? "neural network"
                               : "preprocessing only"));
    if (h->mlp) { /* the architecture: widths and activations (the weights are not compared) */
        static const char *const acts[] = {"?", "identity", "logistic", "tanh", "relu",
                                           "softmax"};
        char buf[256];
        size_t at = 0;
        uint32_t i = 0;
        for (; i <= h->mlp->n_layers && at < sizeof buf - 40; i++) /* long ones cut short */
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%u", i ? "-" : "",
                                   h->mlp->widths[i]);
        snprintf(buf + at, sizeof buf - at, "%s (%s, %s out)",
                 i <= h->mlp->n_layers ? "-…" : "", acts[h->mlp->activation],
                 acts[h->mlp->output]);
        put(s, "layers", json_string(buf));
    }
    put(s, "n_trees", json_integer(h->n_trees));
    put(s, "n_nodes", json_integer((json_int_t)nodes));
    put(s, "n_features", json_integer(h->n_features));
    put(s, "preprocessing_ops", json_integer(h->program ? h->program->n_ops : 0));
    put(s, "input_checks", json_integer(h->n_checks));
    put(s, "format", json_sprintf("%u.%u", h->major, h->minor));
    return s;
}

static json_t *classes(const fmt_header *h)
{
    json_t *a = json_array();
    for (uint32_t k = 0; a && h->classes && k < h->n_outputs; k++)
        for (uint32_t i = 0; i < h->classes[k].count; i++)
            push(a, h->n_outputs > 1 ? json_sprintf("%u:%s", k, h->classes[k].labels[i])
                                     : json_string(h->classes[k].labels[i]));
    return a;
}

static json_t *sizes(const fmt_header *h)
{
    json_t *s = json_object();
    if (!s)
        return NULL;
    put(s, "file_size", json_integer((json_int_t)h->file_size));
    put(s, "header_size", json_integer((json_int_t)h->header_size));
    put(s, "data_size", json_integer((json_int_t)h->data_size));
    put(s, "block_size", json_integer(h->block_size));
    put(s, "n_blocks", json_integer(h->n_blocks));
    put(s, "signed", json_boolean(h->flags & 1u));
    return s;
}

/* {added: {k: b}, removed: {k: a}, changed: {k: [a, b]}} of two objects. */
static json_t *object_diff(json_t *a, json_t *b)
{
    json_t *d = json_object(), *add = json_object(), *rem = json_object(), *chg = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v) {
        json_t *w = json_object_get(b, k);
        if (!w)
            put(rem, k, json_incref(v));
        else if (!json_equal(v, w))
            put(chg, k, json_pack("[OO]", v, w));
    }
    json_object_foreach(b, k, v)
        if (!json_object_get(a, k))
            put(add, k, json_incref(v));
    put(d, "added", add);
    put(d, "removed", rem);
    put(d, "changed", chg);
    return d;
}

/* {added: [...], removed: [...]} of two arrays of strings, as sets. */
static json_t *set_diff(json_t *a, json_t *b)
{
    json_t *d = json_object(), *add = json_array(), *rem = json_array();
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(a, i, v) {
        int found = 0;
        json_array_foreach(b, j, w) found |= json_equal(v, w);
        if (!found)
            push(rem, json_incref(v));
    }
    json_array_foreach(b, i, v) {
        int found = 0;
        json_array_foreach(a, j, w) found |= json_equal(v, w);
        if (!found)
            push(add, json_incref(v));
    }
    put(d, "added", add);
    put(d, "removed", rem);
    return d;
}

/* Whether a diff object records no change: all its arrays and objects are empty. */
static int empty(json_t *d)
{
    const char *k;
    json_t *v;
    json_object_foreach(d, k, v) {
        if (json_is_array(v) ? json_array_size(v) != 0 : json_is_object(v) ? json_object_size(v) != 0 : 1)
            return 0;
    }
    return 1;
}

/* The schema diff: columns added and removed, and per column kept, what changed. */
static json_t *schema_diff(json_t *a, json_t *b)
{
    json_t *d = object_diff(a, b), *chg = json_object_get(d, "changed"), *cols = json_object();
    const char *k;
    json_t *pair;
    json_object_foreach(chg, k, pair) {
        json_t *ca = json_array_get(pair, 0), *cb = json_array_get(pair, 1), *c = json_object();
        json_t *ka = json_object_get(ca, "kind"), *kb = json_object_get(cb, "kind");
        if (!json_equal(ka, kb))
            put(c, "kind", json_pack("[OO]", ka, kb));
        json_t *xa = json_object_get(ca, "categories"), *xb = json_object_get(cb, "categories");
        if (!json_equal(xa, xb)) {
            json_t *e = json_array();
            json_t *cd = set_diff(xa ? xa : e, xb ? xb : e);
            json_decref(e);
            put(c, "categories_added", json_incref(json_object_get(cd, "added")));
            put(c, "categories_removed", json_incref(json_object_get(cd, "removed")));
            json_decref(cd);
        }
        put(cols, k, c);
    }
    json_object_del(d, "changed");
    put(d, "changed", cols);
    return d;
}

static void text_value(json_t *v, FILE *f)
{
    char num[CSV_DOUBLE_MAX];
    /* a number as the user wrote it ("0.93"), not jansson's 17 digits */
    if (json_is_real(v) && csv_format_double(json_real_value(v), num, sizeof num) > 0) {
        fputs(num, f);
        return;
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    fputs(s ? s : "?", f);
    free(s);
}

static void render(json_t *doc, FILE *f)
{
    fprintf(f, "--- %s\n+++ %s\n", json_string_value(json_object_get(doc, "a")),
            json_string_value(json_object_get(doc, "b")));
    if (json_is_true(json_object_get(doc, "identical"))) {
        fprintf(f, "no differences\n");
        return;
    }
    static const char *const parts[] = {"metadata", "schema", "estimator", "sizes"};
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
        json_t *d = json_object_get(doc, parts[p]);
        if (!d || empty(d))
            continue;
        fprintf(f, "%s\n", parts[p]);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(d, "removed"), k, v) {
            fprintf(f, "  - %s%s", p == 1 ? "column " : "", k);
            if (p != 1) {
                fputs(": ", f);
                text_value(v, f);
            }
            fputc('\n', f);
        }
        json_object_foreach(json_object_get(d, "added"), k, v) {
            fprintf(f, "  + %s%s", p == 1 ? "column " : "", k);
            if (p == 1) {
                fprintf(f, " (%s)", json_string_value(json_object_get(v, "kind")));
            } else {
                fputs(": ", f);
                text_value(v, f);
            }
            fputc('\n', f);
        }
        json_object_foreach(json_object_get(d, "changed"), k, v) {
            if (p != 1) {
                fprintf(f, "  ~ %s: ", k);
                text_value(json_array_get(v, 0), f);
                fputs(" → ", f);
                text_value(json_array_get(v, 1), f);
                fputc('\n', f);
                continue;
            }
            fprintf(f, "  ~ column %s:", k);
            json_t *kind = json_object_get(v, "kind");
            if (kind)
                fprintf(f, " %s → %s", json_string_value(json_array_get(kind, 0)),
                        json_string_value(json_array_get(kind, 1)));
            size_t i;
            json_t *c;
            json_array_foreach(json_object_get(v, "categories_added"), i, c)
                fprintf(f, " +%s", json_string_value(c));
            json_array_foreach(json_object_get(v, "categories_removed"), i, c)
                fprintf(f, " -%s", json_string_value(c));
            fputc('\n', f);
        }
    }
    json_t *cl = json_object_get(doc, "classes");
    if (cl && !empty(cl)) {
        fprintf(f, "classes\n");
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(cl, "removed"), i, c)
            fprintf(f, "  - %s\n", json_string_value(c));
        json_array_foreach(json_object_get(cl, "added"), i, c)
            fprintf(f, "  + %s\n", json_string_value(c));
    }
}

static const char diff_help[] =
    "usage: frost diff A B [--json]\n"
    "\n"
    "What changed from model A to model B: metadata entries added, removed or changed; input\n"
    "columns added or removed, a column's kind, the categories its encoder learned; the\n"
    "estimator (summary, trees, nodes, features, preprocessing, input checks, format); the\n"
    "classes; the sizes. A and B are .frost files or registry references (ROOT/NAME@ALIAS).\n"
    "Only the headers are read.\n"
    "\n"
    "  --json   the differences as one JSON object\n"
    "\n"
    "Exit status, as diff(1)'s: 0 no differences, 1 differences, 2 trouble (a model that\n"
    "cannot be opened, a usage error).\n";

int cmd_diff(int argc, char **argv)
{
    int json = 0, help = 0, n_pos;
    const char *pos[2];
    cli_opt opts[] = {{"--json", NULL, 0, NULL, &json}, {0}};
    int rc = cli_parse("diff", argc, argv, opts, pos, 2, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(diff_help, stdout);
        return CLI_OK;
    }
    if (n_pos != 2) {
        fputs(diff_help, stderr);
        return CLI_USAGE;
    }
    frost_model *m[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        cli_keys keys = {.n = 0};
        if (cli_open_model("diff", pos[i], NULL, &keys, &m[i])) {
            frost_close(m[0]);
            return CLI_USAGE; /* 2: trouble, as diff(1) */
        }
    }
    oom = 0;
    json_t *doc = json_object(), *side[2][5];
    for (int i = 0; i < 2; i++) {
        const fmt_header *h = &m[i]->h;
        json_t *meta = json_object();
        for (uint32_t k = 0; meta && k < h->n_meta; k++)
            put(meta, h->meta_keys[k], cli_meta_value(h, k));
        side[i][0] = meta;
        side[i][1] = schema(h);
        side[i][2] = summary(h, m[i]);
        side[i][3] = classes(h);
        side[i][4] = sizes(h);
    }
    put(doc, "a", json_string(pos[0]));
    put(doc, "b", json_string(pos[1]));
    put(doc, "metadata", object_diff(side[0][0], side[1][0]));
    put(doc, "schema", schema_diff(side[0][1], side[1][1]));
    put(doc, "estimator", object_diff(side[0][2], side[1][2]));
    put(doc, "classes", set_diff(side[0][3], side[1][3]));
    put(doc, "sizes", object_diff(side[0][4], side[1][4]));
    int same = 1;
    static const char *const parts[] = {"metadata", "schema", "estimator", "classes", "sizes"};
    for (size_t p = 0; p < 5; p++)
        same &= empty(json_object_get(doc, parts[p]));
    put(doc, "identical", json_boolean(same));
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 5; k++)
            json_decref(side[i][k]);
    frost_close(m[0]);
    frost_close(m[1]);
    if (oom || !doc) {
        json_decref(doc);
        fprintf(stderr, "frost diff: out of memory\n");
        return CLI_USAGE;
    }
    if (json)
        cli_json_print(doc, stdout);
    else
        render(doc, stdout);
    json_decref(doc);
    return same ? CLI_OK : CLI_FAIL;
}
