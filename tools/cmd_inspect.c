/*
 * cmd_inspect.c — `frost inspect`.
 *
 * inspect reads the header through the runtime (only the header prefix is touched) and prints it
 * for people or, with --json, for programs (inspect_json.c: the JSON mirrors FORMAT.md field for
 * field, which is what tests/spec/frost_decode.py, a decoder written from the spec alone, is
 * compared against).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inspect_json.h"
#include "internal.h"

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

/* A BAYES kind as scikit-learn names the class. */
static const char *nb_kind_name(uint32_t kind)
{
    static const char *const names[] = {"?", "GaussianNB", "MultinomialNB", "ComplementNB",
                                        "BernoulliNB", "CategoricalNB"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
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
                cli_comb_rules[c->rule], c->n_members);
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
                fprintf(f, " · %s score", cli_member_scores[mb->score]);
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
    else if (h->centroids)
        fprintf(f, "  task       %s (%u centroids × %u features, %s)\n",
                h->centroids->kind == FMT_CEN_KMEANS ? "clustering, k-means"
                                                     : "classifier, nearest centroid",
                h->centroids->n_centroids, h->centroids->n_features,
                h->centroids->metric == FMT_CEN_MANHATTAN ? "manhattan" : "euclidean");
    else if (h->mlp) {
        static const char *const acts[] = {"?", "identity", "logistic", "tanh", "relu",
                                           "softmax"};
        const fmt_mlp *n = h->mlp;
        fprintf(f, "  task       %s, multi-layer perceptron (layers", h->task ==
                FROST_TASK_CLASSIFIER ? (n->output == FMT_ACT_LOGISTIC && n->widths[n->n_layers] > 1
                                             ? "classifier (multi-label)" : "classifier")
                                      : "regressor");
        for (uint32_t i = 0; i <= n->n_layers; i++)
            fprintf(f, "%s%u", i ? " → " : " ", n->widths[i]);
        fprintf(f, ", %s hidden, %s output)\n", acts[n->activation], acts[n->output]);
    } else if (h->bayes)
        fprintf(f, "  task       classifier, naive Bayes (%s, %u classes × %u features)\n",
                nb_kind_name(h->bayes->kind), h->bayes->n_classes, h->bayes->n_features);
    else
        fprintf(f, "  task       transformer (frost transform): %u output columns\n",
                h->n_features);
    if (h->program) {
        uint32_t counts[11] = {0};
        for (uint32_t i = 0; i < h->program->n_ops; i++)
            counts[h->program->ops[i].opcode < 11 ? h->program->ops[i].opcode : 0]++;
        fprintf(f, "  preprocess %u operations:", h->program->n_ops);
        static const char *names[11] = {"?", "impute", "impute (strings)", "missing indicator",
                                        "scale", "encode", "normalize", "polynomial", "bins",
                                        "numpy function", "projection"};
        for (int k = 1; k < 11; k++)
            if (counts[k])
                fprintf(f, " %u %s,", counts[k], names[k]);
        fprintf(f, " → %u columns\n", h->program->n_outputs);
    }
    if (h->target) { /* TransformedTargetRegressor: what predict does after the estimator */
        fprintf(f, "  target     predictions mapped back:");
        for (uint32_t i = 0; i < h->target->n_steps; i++) {
            const fmt_target_step *st = &h->target->steps[i];
            if (st->kind == FMT_TGT_UFUNC)
                fprintf(f, "%s numpy.%s", i ? "," : "", cli_ufunc_name(st->ufunc));
            else
                fprintf(f, "%s y × scale + mean (%u target%s)", i ? "," : "",
                        h->target->n_targets, h->target->n_targets == 1 ? "" : "s");
        }
        fprintf(f, "\n");
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
                    cli_label_kind(h->classes[k].kind));
            for (uint32_t i = 0; i < h->classes[k].count && i < 30; i++)
                fprintf(f, " %s", h->classes[k].labels[i]);
            if (h->classes[k].count > 30)
                fprintf(f, " … (%u)", h->classes[k].count);
            fputc('\n', f);
        }
    if (h->n_meta) {
        int w = 16;
        for (uint32_t i = 0; i < h->n_meta; i++)
            if (strlen(h->meta_keys[i]) > (size_t)w && strlen(h->meta_keys[i]) <= 32)
                w = (int)strlen(h->meta_keys[i]);
        fprintf(f, "  metadata\n");
        for (uint32_t i = 0; i < h->n_meta; i++)
            fprintf(f, "    %-*s %s\n", w, h->meta_keys[i], h->meta_values[i]);
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
    char name_buf[CLI_NAME_MAX];
    const char *name = cli_model_name(pos[0], name_buf, sizeof name_buf);
    cli_keys keys = {.n = 0};
    if ((rc = cli_open_model("inspect", pos[0], NULL, &keys, &m)))
        return rc;
    if (json) {
        json_t *doc = cli_inspect_json(name, &m->h);
        if (!doc) {
            frost_close(m);
            return cli_error("inspect", name, FROST_ENOMEM, NULL);
        }
        cli_json_print(doc, stdout); /* a write error is reported when stdout is closed */
        json_decref(doc);
    } else {
        print_text(stdout, name, m);
    }
    frost_close(m);
    return CLI_OK;
}
