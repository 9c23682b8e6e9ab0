/*
 * cmd_inspect.c — `frost inspect` and `frost verify`.
 *
 * inspect reads the header through the runtime (only the header prefix is touched) and prints it
 * for people or, with --json, for programs: the JSON mirrors FORMAT.md field for field, which is
 * what tests/spec/frost_decode.py (a decoder written from the spec alone) is compared against.
 */
#include <inttypes.h>
#include <stdio.h>
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
        const fmt_block *b = &h->blocks[i];
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
    fprintf(f, "\n  ],\n  \"ensemble\": {\"task\": \"%s\", \"kind\": \"%s\", \"n_features\": %u, "
               "\"n_outputs\": %u, \"n_trees\": %u, \"leaf_width\": %u, \"flags\": %u, "
               "\"link\": %u, \"n_raw\": %u, \"top_chunk\": ",
            h->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor",
            h->kind == FROST_ENSEMBLE_MEAN ? "mean" : "boosted", h->n_features, h->n_outputs,
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
    fprintf(f, "]},\n  \"trees\": [");
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
    fprintf(f, "\n  ],\n  \"features\": {\"count\": %u, \"names\": ", h->n_features);
    if (!h->features_named) {
        fprintf(f, "null");
    } else {
        fprintf(f, "[");
        for (uint32_t i = 0; i < h->n_features; i++) {
            fprintf(f, "%s", i ? ", " : "");
            json_str(f, h->feature_names[i]);
        }
        fprintf(f, "]");
    }
    fprintf(f, "},\n  \"classes\": ");
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
    fprintf(f, "  model      %s", est ? est : (h->kind == FROST_ENSEMBLE_MEAN ? "tree ensemble"
                                                                           : "boosted trees"));
    if (h->task == FROST_TASK_CLASSIFIER)
        fprintf(f, " · %u classes", h->n_classes_total);
    fprintf(f, " · %u features · %s nodes\n", h->n_features, nbuf);
    fprintf(f, "  task       %s, %s of %u trees%s\n",
            h->task == FROST_TASK_CLASSIFIER ? "classifier" : "regressor",
            h->kind == FROST_ENSEMBLE_MEAN ? "mean" : "boosted sum", h->n_trees,
            h->n_outputs > 1 ? " (multi-output)" : "");
    const char *ver = frost_meta_get(m, "sklearn_version");
    if (ver)
        fprintf(f, "  sklearn    %s\n", ver);
    fprintf(f, "  format     %u.%u · %" PRIu64 " bytes · header %" PRIu64 " bytes · %u-byte blocks\n",
            h->major, h->minor, h->file_size, h->header_size, h->block_size);
    fprintf(f, "  features   %u, %s\n", h->n_features,
            h->features_named ? "by name:" : "by position (x0, x1, …)");
    if (h->features_named) {
        for (uint32_t i = 0; i < h->n_features && i < 50; i++)
            fprintf(f, "    %4u  %s\n", i, h->feature_names[i]);
        if (h->n_features > 50)
            fprintf(f, "    … %u more\n", h->n_features - 50);
    }
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
