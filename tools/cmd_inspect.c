/*
 * cmd_inspect.c — `frost inspect` and `frost verify`.
 *
 * inspect reads the header through the runtime (only the header prefix is touched) and prints it
 * for people or, with --json, for programs: the JSON mirrors FORMAT.md field for field, which is
 * what tests/spec/frost_decode.py (a decoder written from the spec alone) is compared against.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "internal.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static const char *label_kind(uint32_t k)
{
    static const char *names[] = {"?", "int", "float", "str", "bool"};
    return k <= 4 ? names[k] : "?";
}

static void json_f64s(FILE *f, const double *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        if (isnan(v[i]))
            fputs("\"nan\"", f); /* JSON has no NaN: the string stands for it */
        else if (isinf(v[i]))
            fputs(v[i] > 0 ? "\"inf\"" : "\"-inf\"", f);
        else
            fprintf(f, "%.17g", v[i]);
    }
    fputc(']', f);
}

static void json_u32s(FILE *f, const uint32_t *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%u", i ? ", " : "", v[i]);
    fputc(']', f);
}

static const char *op_name(uint32_t opcode)
{
    static const char *names[] = {"?", "impute", "impute_str", "indicator", "scale", "encode",
                                  "normalize", "poly", "bins"};
    return opcode < sizeof names / sizeof names[0] ? names[opcode] : "?";
}

/* The PROGRAM section, every field FORMAT.md defines (NaN/inf as strings). */
static void print_program_json(FILE *f, const fmt_program *p)
{
    if (!p) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"n_inputs\": %u, \"n_slots\": %u, \"outputs\": ", p->n_inputs, p->n_slots);
    json_u32s(f, p->outputs, p->n_outputs);
    fprintf(f, ", \"output_names\": ");
    if (!p->output_names) {
        fputs("null", f);
    } else {
        fputc('[', f);
        for (uint32_t i = 0; i < p->n_outputs; i++) {
            fputs(i ? ", " : "", f);
            json_str(f, p->output_names[i]);
        }
        fputc(']', f);
    }
    fprintf(f, ",\n    \"ops\": [");
    for (uint32_t i = 0; i < p->n_ops; i++) {
        const fmt_op *op = &p->ops[i];
        fprintf(f, "%s\n      {\"op\": \"%s\", \"in\": ", i ? "," : "", op_name(op->opcode));
        json_u32s(f, op->in, op->n_in);
        fprintf(f, ", \"n_out\": %u", op->n_out);
        switch (op->opcode) {
        case FMT_OP_IMPUTE:
            fputs(", \"fill\": ", f);
            json_f64s(f, op->a, op->n_in);
            break;
        case FMT_OP_IMPUTE_STR:
            fputs(", \"fill\": [", f);
            for (uint32_t j = 0; j < op->n_in; j++) {
                fputs(j ? ", " : "", f);
                json_str(f, op->strs[j]);
            }
            fputc(']', f);
            break;
        case FMT_OP_SCALE:
            fprintf(f, ", \"mode\": %u, \"clip\": %u, \"lo\": %.17g, \"hi\": %.17g, \"a\": ",
                    op->mode, op->clip, op->lo, op->hi);
            json_f64s(f, op->a, op->n_in);
            fputs(", \"b\": ", f);
            json_f64s(f, op->b, op->n_in);
            break;
        case FMT_OP_ENCODE:
            fprintf(f, ", \"kind\": \"%s\", \"unknown\": %u, \"missing_cat\": ",
                    op->cat_kind == FMT_SLOT_STR ? "string" : "numeric", op->unknown);
            if (op->missing_cat == FMT_NONE)
                fputs("null", f);
            else
                fprintf(f, "%u", op->missing_cat);
            fputs(", \"unknown_target\": ", f);
            json_f64s(f, &op->unknown_target, 1);
            fputs(", \"categories\": ", f);
            if (op->cat_kind == FMT_SLOT_STR) {
                fputc('[', f);
                for (uint32_t c = 0; c < op->n_cat; c++) {
                    fputs(c ? ", " : "", f);
                    json_str(f, op->strs[c]);
                }
                fputc(']', f);
            } else {
                json_f64s(f, op->cats, op->n_cat);
            }
            fputs(", \"targets\": ", f);
            json_f64s(f, op->targets, op->n_cat);
            break;
        case FMT_OP_NORMALIZE:
            fprintf(f, ", \"norm\": %u", op->norm);
            break;
        case FMT_OP_POLY:
            fputs(", \"terms\": [", f);
            for (uint32_t t = 0; t < op->n_out; t++) {
                fputs(t ? ", " : "", f);
                json_u32s(f, op->term_idx + op->term_off[t], op->term_off[t + 1] - op->term_off[t]);
            }
            fputc(']', f);
            break;
        case FMT_OP_BINS:
            fprintf(f, ", \"rule\": %u, \"edges\": ", op->rule);
            json_f64s(f, op->edges, op->n_edges);
            break;
        default:
            break;
        }
        fputc('}', f);
    }
    fputs("\n    ]}", f);
}

static void print_linear_json(FILE *f, const fmt_linear *l)
{
    if (!l) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"task\": \"%s\", \"rule\": %u, \"n_features\": %u, \"n_rows\": %u, \"coef\": ",
            l->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor", l->rule, l->n_features,
            l->n_rows);
    json_f64s(f, l->coef, (size_t)l->n_rows * l->n_features);
    fputs(", \"intercept\": ", f);
    json_f64s(f, l->intercept, l->n_rows);
    fputc('}', f);
}

static const char *const comb_rules[] = {"?", "soft vote", "hard vote", "weighted mean",
                                          "one-vs-rest"};
static const char *const member_scores[] = {"none", "decision", "proba"};

/* An aggregation's kind, as JSON and the text say it. */
static const char *ens_kind_name(uint32_t kind)
{
    return kind == FROST_ENSEMBLE_MEAN ? "mean" : kind == FROST_ENSEMBLE_ISOLATION ? "isolation"
                                                                                 : "boosted";
}

/* ISOLATION's parameters (null for other kinds). */
static void json_isolation(FILE *f, uint32_t kind, double path_norm, double offset)
{
    if (kind == FROST_ENSEMBLE_ISOLATION)
        fprintf(f, ", \"path_norm\": %.17g, \"offset\": %.17g", path_norm, offset);
    else
        fprintf(f, ", \"path_norm\": null, \"offset\": null");
}

static void print_agg_json(FILE *f, const fmt_agg *g)
{
    fprintf(f, "{\"task\": \"%s\", \"kind\": \"%s\", \"first_tree\": %u, \"n_trees\": %u, "
               "\"n_features\": %u, \"n_outputs\": %u, \"leaf_width\": %u, \"flags\": %u, "
               "\"link\": %u, \"n_raw\": %u, \"learning_rate\": %.17g, \"n_classes\": [",
            g->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor",
            ens_kind_name(g->kind), g->first_tree, g->n_trees,
            g->n_features, g->n_outputs, g->leaf_width, g->flags, g->link, g->n_raw,
            g->learning_rate);
    for (uint32_t k = 0; g->n_classes && k < g->n_outputs; k++)
        fprintf(f, "%s%u", k ? ", " : "", g->n_classes[k]);
    fprintf(f, "], \"init_raw\": ");
    json_f64s(f, g->init_raw, g->n_raw);
    json_isolation(f, g->kind, g->path_norm, g->offset);
    fputc('}', f);
}

static void print_combine_json(FILE *f, const fmt_combine *c)
{
    if (!c) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"task\": \"%s\", \"rule\": \"%s\", \"n_classes\": %u, \"members\": [",
            c->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor", comb_rules[c->rule],
            c->n_classes);
    for (uint32_t i = 0; i < c->n_members; i++) {
        const fmt_member *m = &c->members[i];
        fprintf(f, "%s\n    {\"kind\": \"%s\", \"score\": \"%s\", \"weight\": %.17g, "
                   "\"slots\": [", i ? "," : "", m->kind == FMT_MEMBER_TREES ? "trees" : "linear",
                member_scores[m->score], m->weight);
        for (uint32_t j = 0; j < m->n_in; j++)
            fprintf(f, "%s%u", j ? ", " : "", m->slots[j]);
        fprintf(f, "], \"%s\": ", m->kind == FMT_MEMBER_TREES ? "trees" : "linear");
        if (m->kind == FMT_MEMBER_TREES)
            print_agg_json(f, &m->trees);
        else
            print_linear_json(f, m->linear);
        fputc('}', f);
    }
    fprintf(f, "%s]}", c->n_members ? "\n  " : "");
}

static void print_json(FILE *f, const char *path, const fmt_header *h)
{
    fprintf(f, "{\n  \"path\": ");
    json_str(f, path);
    fprintf(f, ",\n  \"major\": %u, \"minor\": %u, \"flags\": %u, \"block_shift\": %u, "
               "\"block_size\": %u,\n",
            h->major, h->minor, h->flags, h->block_shift, h->block_size);
    fprintf(f, "  \"header_size\": %" PRIu64 ", \"data_size\": %" PRIu64 ", \"trailer_size\": %"
               PRIu64 ", \"file_size\": %" PRIu64 ",\n  \"digest\": \"",
            h->header_size, h->data_size, h->trailer_size, h->file_size);
    for (int i = 0; i < 16; i++)
        fprintf(f, "%02x", h->digest[i]);
    fprintf(f, "\",\n  \"blocks\": [");
    for (uint32_t i = 0; i < h->n_blocks; i++) {
        const fmt_block bv = fmt_block_at(h, i), *b = &bv;
        fprintf(f, "%s\n    {\"offset\": %" PRIu64 ", \"stored_size\": %u, \"raw_size\": %u, "
                   "\"codec\": \"%s\", \"checksum\": \"%016" PRIx64 "\"}",
                i ? "," : "", b->offset, b->stored_size, b->raw_size,
                b->codec == FMT_CODEC_LZ4 ? "lz4" : "none", b->checksum);
    }
    fprintf(f, "\n  ],\n  \"chunks\": [");
    for (uint32_t i = 0; i < h->n_chunks; i++) {
        const fmt_chunk *c = &h->chunks[i];
        fprintf(f, "%s\n    {\"kind\": \"%s\", \"first_block\": %u, \"block_count\": %u, "
                   "\"raw_size\": %" PRIu64 "}",
                i ? "," : "", c->kind == FMT_CHUNK_TOP ? "top" : "body", c->first_block,
                c->block_count, c->raw_size);
    }
    fprintf(f, "\n  ],\n  \"ensemble\": ");
    if (!h->has_ensemble) {
        fprintf(f, "null,\n  \"trees\": [");
        goto features;
    }
    if (h->kind == FMT_ENS_MEMBERS) { /* the tree table of the COMBINE members */
        fprintf(f, "{\"kind\": \"members\", \"n_trees\": %u, \"top_chunk\": %u},\n  \"trees\": [",
                h->n_trees, h->top_chunk);
        goto tree_list;
    }
    fprintf(f, "{\"task\": \"%s\", \"kind\": \"%s\", \"n_features\": %u, "
               "\"n_outputs\": %u, \"n_trees\": %u, \"leaf_width\": %u, \"flags\": %u, "
               "\"link\": %u, \"n_raw\": %u, \"top_chunk\": ",
            h->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor",
            ens_kind_name(h->kind), h->n_features, h->n_outputs,
            h->n_trees, h->leaf_width, h->ens_flags, h->link, h->n_raw);
    if (h->top_chunk == FMT_NONE)
        fprintf(f, "null");
    else
        fprintf(f, "%u", h->top_chunk);
    fprintf(f, ", \"learning_rate\": %.17g,\n    \"n_classes\": [", h->learning_rate);
    for (uint32_t k = 0; h->n_classes && k < h->n_outputs; k++)
        fprintf(f, "%s%u", k ? ", " : "", h->n_classes[k]);
    fprintf(f, "], \"init_raw\": [");
    for (uint32_t k = 0; k < h->n_raw; k++)
        fprintf(f, "%s%.17g", k ? ", " : "", h->init_raw[k]);
    fputc(']', f);
    json_isolation(f, h->kind, h->path_norm, h->offset);
    fprintf(f, "},\n  \"trees\": [");
tree_list:
    for (uint32_t t = 0; t < h->n_trees; t++) {
        const fmt_tree *tr = &h->trees[t];
        fprintf(f, "%s\n    {\"top_offset\": %" PRIu64 ", \"top_size\": %u, \"body_chunk\": ",
                t ? "," : "", tr->top_offset, tr->top_size);
        if (tr->body_chunk == FMT_NONE)
            fprintf(f, "null");
        else
            fprintf(f, "%u", tr->body_chunk);
        fprintf(f, ", \"body_offset\": %" PRIu64 ", \"body_size\": %u, \"raw_column\": %u, "
                   "\"n_splits\": %u, \"n_leaves\": %u}",
                tr->body_offset, tr->body_size, tr->raw_column, tr->n_splits, tr->n_leaves);
    }
features:
    fprintf(f, "\n  ],\n  \"features\": {\"count\": %u, \"kinds\": ", h->n_inputs);
    if (!h->feature_kinds) {
        fprintf(f, "null");
    } else {
        fprintf(f, "[");
        for (uint32_t i = 0; i < h->n_inputs; i++)
            fprintf(f, "%s\"%s\"", i ? ", " : "",
                    h->feature_kinds[i] == FMT_SLOT_STR      ? "string"
                    : h->feature_kinds[i] == FMT_SLOT_UNUSED ? "unused"
                                                             : "numeric");
        fprintf(f, "]");
    }
    fprintf(f, ", \"names\": ");
    if (!h->features_named) {
        fprintf(f, "null");
    } else {
        fprintf(f, "[");
        for (uint32_t i = 0; i < h->n_inputs; i++) {
            fprintf(f, "%s", i ? ", " : "");
            json_str(f, h->feature_names[i]);
        }
        fprintf(f, "]");
    }
    fprintf(f, "},\n  \"program\": ");
    print_program_json(f, h->program);
    fprintf(f, ",\n  \"linear\": ");
    print_linear_json(f, h->linear);
    fprintf(f, ",\n  \"combine\": ");
    print_combine_json(f, h->combine);
    fprintf(f, ",\n  \"checks\": ");
    if (!h->n_checks)
        fprintf(f, "null");
    for (uint32_t i = 0; i < h->n_checks; i++) {
        fprintf(f, "%s\n    {\"rule\": %u, \"slots\": ", i ? "," : "[", h->checks[i].rule);
        json_u32s(f, h->checks[i].slots, h->checks[i].n_slots);
        fprintf(f, ", \"who\": ");
        json_str(f, h->checks[i].who);
        fprintf(f, "}%s", i + 1 == h->n_checks ? "\n  ]" : "");
    }
    fprintf(f, ",\n  \"classes\": ");
    if (!h->classes) {
        fprintf(f, "null");
    } else {
        fprintf(f, "[");
        for (uint32_t k = 0; k < h->n_outputs; k++) {
            fprintf(f, "%s{\"kind\": \"%s\", \"labels\": [", k ? ", " : "",
                    label_kind(h->classes[k].kind));
            for (uint32_t i = 0; i < h->classes[k].count; i++) {
                fprintf(f, "%s", i ? ", " : "");
                json_str(f, h->classes[k].labels[i]);
            }
            fprintf(f, "]}");
        }
        fprintf(f, "]");
    }
    fprintf(f, ",\n  \"metadata\": {");
    for (uint32_t i = 0; i < h->n_meta; i++) {
        fprintf(f, "%s\n    ", i ? "," : "");
        json_str(f, h->meta_keys[i]);
        fprintf(f, ": ");
        json_str(f, h->meta_values[i]);
    }
    fprintf(f, "%s}\n}\n", h->n_meta ? "\n  " : "");
}

static void human_count(char *buf, size_t cap, uint64_t n)
{
    if (n >= 1000000)
        snprintf(buf, cap, "%.1fM", (double)n / 1e6);
    else if (n >= 10000)
        snprintf(buf, cap, "%.1fk", (double)n / 1e3);
    else
        snprintf(buf, cap, "%" PRIu64, n);
}

/* The input schema: each column's position, name, kind, and the categories an encoder learned
 * for it (following imputers and scalers that pass the column through one to one). */
static void print_schema(FILE *f, const fmt_header *h)
{
    const fmt_program *p = h->program;
    static const char *const kind_names[] = {"numeric", "string", "unused (never read)"};
    uint32_t shown = h->n_inputs < 50 ? h->n_inputs : 50;
    for (uint32_t i = 0; i < shown; i++) {
        uint32_t kind = h->feature_kinds ? h->feature_kinds[i] : FMT_SLOT_NUM;
        fprintf(f, "    %4u  %-24s %s", i, h->features_named ? h->feature_names[i] : "",
                kind_names[kind <= FMT_SLOT_UNUSED ? kind : 0]);
        for (uint32_t k = 0; p && k < p->n_ops; k++) {
            const fmt_op *op = &p->ops[k];
            if (op->opcode != FMT_OP_ENCODE || fmt_slot_origin(p, op->in[0]) != i)
                continue;
            fprintf(f, ", %u categories:", op->n_cat);
            for (uint32_t c = 0; c < op->n_cat && c < 8; c++) {
                if (c == op->missing_cat)
                    fprintf(f, " (missing)");
                else if (op->cat_kind == FMT_SLOT_STR)
                    fprintf(f, " %s", op->strs[c]);
                else
                    fprintf(f, " %.17g", op->cats[c]);
            }
            if (op->n_cat > 8)
                fprintf(f, " …");
            break;
        }
        fputc('\n', f);
    }
    if (h->n_inputs > shown)
        fprintf(f, "    … %u more (--json lists all)\n", h->n_inputs - shown);
}

static void print_text(FILE *f, const char *path, const frost_model *m)
{
    const fmt_header *h = &m->h;
    uint64_t nodes = 0, max_body = 0;
    for (uint32_t t = 0; t < h->n_trees; t++) {
        nodes += (uint64_t)h->trees[t].n_splits + h->trees[t].n_leaves;
        if (h->trees[t].body_size > max_body)
            max_body = h->trees[t].body_size;
    }
    char nbuf[32];
    human_count(nbuf, sizeof nbuf, nodes);
    const char *est = frost_meta_get(m, "estimator");
    fprintf(f, "%s\n", path);
    fprintf(f, "  model      %s", est ? est : "model");
    if (h->task == FROST_TASK_CLASSIFIER)
        fprintf(f, " · %u classes", h->n_classes_total);
    fprintf(f, " · %u features", h->n_features);
    if (h->has_ensemble)
        fprintf(f, " · %s nodes", nbuf);
    fputc('\n', f);
    if (h->combine) {
        const fmt_combine *c = h->combine;
        fprintf(f, "  task       %s, %s of %u members\n",
                h->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor",
                comb_rules[c->rule], c->n_members);
        for (uint32_t i = 0; i < c->n_members; i++) {
            const fmt_member *mb = &c->members[i];
            fprintf(f, "    member %-3u ", i);
            if (mb->kind == FMT_MEMBER_TREES)
                fprintf(f, "%s of %u tree%s (records %u..%u)",
                        mb->trees.kind == FROST_ENSEMBLE_MEAN ? "mean" : "boosted sum",
                        mb->trees.n_trees, mb->trees.n_trees == 1 ? "" : "s",
                        mb->trees.first_tree, mb->trees.first_tree + mb->trees.n_trees - 1);
            else
                fprintf(f, "linear (%u × %u coefficients)", mb->linear->n_rows,
                        mb->linear->n_features);
            fprintf(f, " · %u columns", mb->n_in);
            if (c->rule == FMT_COMB_OVR)
                fprintf(f, " · %s score", member_scores[mb->score]);
            else
                fprintf(f, " · weight %g", mb->weight);
            fputc('\n', f);
        }
    } else if (h->has_ensemble && h->kind == FROST_ENSEMBLE_ISOLATION) {
        fprintf(f, "  task       outlier detection, isolation forest of %u trees (predict: -1 "
                   "outlier / 1 inlier; score_samples; offset %.17g)\n", h->n_trees, h->offset);
    } else if (h->has_ensemble) {
        static const char *const links[] = {"identity", "logistic", "softmax (logsumexp)", "exp",
                                            "softmax (max-normalised)"};
        fprintf(f, "  task       %s, %s of %u trees%s", h->task == FROST_TASK_CLASSIFIER ?
                "classifier" : "regressor", h->kind == FROST_ENSEMBLE_MEAN ? "mean" :
                "boosted sum", h->n_trees, h->n_outputs > 1 ? " (multi-output)" : "");
        if (h->kind == FROST_ENSEMBLE_BOOSTED && h->link < 5)
            fprintf(f, ", link %s", links[h->link]);
        fprintf(f, "%s\n", h->ens_flags & FMT_ENS_WIDE_SPLITS ? ", float64 splits (categories "
                                                                "as sets)" : "");
    }
    else if (h->linear)
        fprintf(f, "  task       %s, linear (%u × %u coefficients, %s)\n",
                h->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor", h->linear->n_rows,
                h->linear->n_features,
                (const char *[]){"?", "identity", "logistic", "one-vs-rest logistic", "softmax",
                                 "softmax of (-d, d)", "decision only"}[h->linear->rule]);
    else
        fprintf(f, "  task       transformer (frost transform): %u output columns\n",
                h->n_features);
    if (h->program) {
        uint32_t counts[9] = {0};
        for (uint32_t i = 0; i < h->program->n_ops; i++)
            counts[h->program->ops[i].opcode < 9 ? h->program->ops[i].opcode : 0]++;
        fprintf(f, "  preprocess %u operations:", h->program->n_ops);
        static const char *names[9] = {"?", "impute", "impute (strings)", "missing indicator",
                                       "scale", "encode", "normalize", "polynomial", "bins"};
        for (int k = 1; k < 9; k++)
            if (counts[k])
                fprintf(f, " %u %s,", counts[k], names[k]);
        fprintf(f, " → %u columns\n", h->program->n_outputs);
    }
    for (uint32_t i = 0; i < h->n_checks; i++) {
        const fmt_check *c = &h->checks[i];
        fprintf(f, "  %s %s: %s%s%s in %u column%s\n", i ? "          " : "refuses   ", c->who,
                c->rule & FMT_CHECK_NAN ? "missing values, " : "",
                c->rule & FMT_CHECK_INF ? "infinity" : "",
                c->rule & FMT_CHECK_F32 ? " and values beyond float32" : "", c->n_slots,
                c->n_slots == 1 ? "" : "s");
    }
    if (!h->n_checks && h->minor < 2)
        fprintf(f, "  refuses    nothing: format %u.%u predates input checks (convert the model "
                "again to refuse what scikit-learn refuses)\n", h->major, h->minor);
    const char *ver = frost_meta_get(m, "sklearn_version");
    if (ver)
        fprintf(f, "  sklearn    %s\n", ver);
    fprintf(f, "  format     %u.%u · %" PRIu64 " bytes · header %" PRIu64 " bytes · %u-byte blocks\n",
            h->major, h->minor, h->file_size, h->header_size, h->block_size);
    fprintf(f, "  inputs     %u columns, %s\n", h->n_inputs,
            h->features_named ? "by name:" : "by position (x0, x1, …)");
    print_schema(f, h);
    if (h->classes)
        for (uint32_t k = 0; k < h->n_outputs; k++) {
            fprintf(f, "  classes%s   [%s]", h->n_outputs > 1 ? "*" : " ",
                    label_kind(h->classes[k].kind));
            for (uint32_t i = 0; i < h->classes[k].count && i < 30; i++)
                fprintf(f, " %s", h->classes[k].labels[i]);
            if (h->classes[k].count > 30)
                fprintf(f, " … (%u)", h->classes[k].count);
            fputc('\n', f);
        }
    if (h->n_meta) {
        fprintf(f, "  metadata\n");
        for (uint32_t i = 0; i < h->n_meta; i++)
            fprintf(f, "    %-16s %s\n", h->meta_keys[i], h->meta_values[i]);
    }
    uint64_t stored = 0, raw = 0;
    for (uint32_t c = 0; c < h->n_chunks; c++) {
        stored += h->chunks[c].stored_size;
        raw += h->chunks[c].raw_size;
    }
    fprintf(f, "  chunks     %u (%u blocks): %" PRIu64 " bytes stored, %" PRIu64 " raw",
            h->n_chunks, h->n_blocks, stored, raw);
    if (h->n_chunks)
        fprintf(f, "; top pack %" PRIu64 " bytes, largest tree body %" PRIu64 " bytes",
                h->top_chunk == FMT_NONE ? 0 : h->chunks[h->top_chunk].raw_size, max_body);
    fputc('\n', f);
    for (uint32_t c = 0; c < h->n_chunks && c < 20; c++)
        fprintf(f, "    chunk %-5u %-4s %5u blocks  %10" PRIu64 " raw  %10" PRIu64 " stored\n", c,
                h->chunks[c].kind == FMT_CHUNK_TOP ? "top" : "body", h->chunks[c].block_count,
                h->chunks[c].raw_size, h->chunks[c].stored_size);
    if (h->n_chunks > 20)
        fprintf(f, "    … %u more chunks (--json lists all)\n", h->n_chunks - 20);
}

static const char inspect_help[] =
    "usage: frost inspect FILE [--json]\n"
    "\n"
    "Prints the header of a .frost file: the model, its feature schema, class labels,\n"
    "metadata and chunk sizes. Only the header is read.\n"
    "\n"
    "  --json   machine-readable, every field of FORMAT.md\n";

int cmd_inspect(int argc, char **argv)
{
    int json = 0, help = 0, n_pos;
    const char *pos[1];
    cli_opt opts[] = {{"--json", NULL, 0, NULL, &json}, {0}};
    int rc = cli_parse("inspect", argc, argv, opts, pos, 1, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(inspect_help, stdout);
        return CLI_OK;
    }
    if (n_pos != 1) {
        fputs(inspect_help, stderr);
        return CLI_USAGE;
    }
    frost_model *m;
    rc = frost_open(pos[0], NULL, &m);
    if (rc)
        return cli_error("inspect", pos[0], rc, frost_errmsg(NULL));
    if (json)
        print_json(stdout, pos[0], &m->h);
    else
        print_text(stdout, pos[0], m);
    frost_close(m);
    return CLI_OK;
}

static const char verify_help[] =
    "usage: frost verify FILE\n"
    "\n"
    "Reads every block of a .frost file, checks its checksum and decoding, then walks every\n"
    "tree checking each structural rule. Exit 0 when the file is sound, 1 on damage.\n";

int cmd_verify(int argc, char **argv)
{
    int help = 0, n_pos;
    const char *pos[1];
    int rc = cli_parse("verify", argc, argv, NULL, pos, 1, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(verify_help, stdout);
        return CLI_OK;
    }
    if (n_pos != 1) {
        fputs(verify_help, stderr);
        return CLI_USAGE;
    }
    frost_model *m;
    rc = frost_open(pos[0], NULL, &m);
    if (rc)
        return cli_error("verify", pos[0], rc, frost_errmsg(NULL));
    rc = frost_verify(m);
    if (rc) {
        cli_error("verify", pos[0], rc, frost_errmsg(m));
        frost_close(m);
        return CLI_FAIL;
    }
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    printf("%s: ok (%u blocks, %u trees, %" PRIu64 " nodes verified)\n", pos[0], info.n_blocks,
           info.n_trees, info.n_nodes);
    frost_close(m);
    return CLI_OK;
}
