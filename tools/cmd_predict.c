/*
 * cmd_predict.c — `frost predict MODEL [INPUT.csv|-] [--proba] [-o OUT.csv]`.
 *
 * Reads rows in batches through the CSV table layer (columns matched to the model's features by
 * name, or by position for models trained without names), scores each batch, and writes one
 * output line per input row: class labels as stored, regression values and probabilities as
 * %.17g, which round-trips every double.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "csv/table.h"

#define BATCH_ROWS 4096

static const char predict_help[] =
    "usage: frost predict MODEL [INPUT.csv|-] [--proba] [-o OUT.csv] [--io MODE] [--verbose]\n"
    "                     [--timing]\n"
    "\n"
    "Scores the rows of a CSV file (or stdin, '-' or no argument) with a .frost model.\n"
    "The first line of the input names the columns; an empty field is a missing value.\n"
    "Models with feature names match columns by name (extra columns are ignored); models\n"
    "without take the first columns by position.\n"
    "\n"
    "  --proba       class probabilities, one column per class (classifiers)\n"
    "  -o, --output  write to this file instead of stdout\n"
    "  --io MODE     auto (default), uring, pread or mmap\n"
    "  --verbose     report ignored columns on stderr\n"
    "  --timing      report open and first-prediction times on stderr\n";

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_header(FILE *out, const frost_model *m, const frost_info *info, int proba)
{
    if (!proba) {
        for (uint32_t k = 0; k < info->n_outputs; k++) {
            if (info->n_outputs == 1)
                fputs("prediction", out);
            else
                fprintf(out, "%sprediction_%u", k ? "," : "", k);
        }
        return fputc('\n', out) == EOF ? -1 : 0;
    }
    int first = 1;
    for (uint32_t k = 0; k < info->n_outputs; k++)
        for (uint32_t c = 0; c < frost_class_count(m, k); c++) {
            const char *label = frost_class_label(m, k, c);
            if (!first)
                fputc(',', out);
            first = 0;
            if (info->n_outputs > 1) {
                char buf[1024];
                snprintf(buf, sizeof buf, "%u:%s", k, label);
                csv_write_field(out, buf, strlen(buf), ',', 0);
            } else {
                csv_write_field(out, label, strlen(label), ',', 0);
            }
        }
    return fputc('\n', out) == EOF ? -1 : 0;
}

static void write_rows(FILE *out, const frost_model *m, const frost_info *info, int proba,
                       const double *res, size_t n_rows, size_t width)
{
    for (size_t r = 0; r < n_rows; r++) {
        const double *row = res + r * width;
        for (size_t j = 0; j < width; j++) {
            if (j)
                fputc(',', out);
            if (!proba && info->task == FROST_TASK_CLASSIFIER) {
                const char *label = frost_class_label(m, (uint32_t)j, (uint32_t)row[j]);
                csv_write_field(out, label, strlen(label), ',', width == 1);
            } else {
                csv_write_double(out, row[j]);
            }
        }
        fputc('\n', out);
    }
}

int cmd_predict(int argc, char **argv)
{
    int proba = 0, verbose = 0, timing = 0, help = 0, n_pos;
    const char *out_path = NULL, *io = NULL;
    const char *pos[2];
    cli_opt opts[] = {
        {"--proba", NULL, 0, NULL, &proba},
        {"--output", "-o", 1, &out_path, NULL},
        {"--io", NULL, 1, &io, NULL},
        {"--verbose", "-v", 0, NULL, &verbose},
        {"--timing", NULL, 0, NULL, &timing},
        {0},
    };
    int rc = cli_parse("predict", argc, argv, opts, pos, 2, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(predict_help, stdout);
        return CLI_OK;
    }
    if (n_pos < 1) {
        fputs(predict_help, stderr);
        return CLI_USAGE;
    }
    frost_open_options oo;
    frost_open_options_init(&oo);
    if (io) {
        if (strcmp(io, "auto") == 0)
            oo.io = FROST_IO_AUTO;
        else if (strcmp(io, "uring") == 0)
            oo.io = FROST_IO_URING;
        else if (strcmp(io, "pread") == 0)
            oo.io = FROST_IO_PREAD;
        else if (strcmp(io, "mmap") == 0)
            oo.io = FROST_IO_MMAP;
        else {
            fprintf(stderr, "frost predict: --io %s: expected auto, uring, pread or mmap\n", io);
            return CLI_USAGE;
        }
    }
    const char *in_path = n_pos == 2 ? pos[1] : "-";
    double t0 = now_ms();
    frost_model *m = NULL;
    rc = frost_open(pos[0], &oo, &m);
    if (rc)
        return cli_error("predict", pos[0], rc, frost_errmsg(NULL));
    double t_open = now_ms();
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    int status = CLI_FAIL;
    FILE *in = NULL, *out = NULL;
    csv_table *t = NULL;
    double *X = NULL, *res = NULL;
    fr_err e = {0};
    const char **names = NULL;

    if (proba && info.task != FROST_TASK_CLASSIFIER) {
        fprintf(stderr, "frost predict: --proba needs a classifier; %s is a regressor\n", pos[0]);
        status = CLI_USAGE;
        goto close_all;
    }
    in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "rb");
    if (!in) {
        perror(in_path);
        goto close_all;
    }
    if ((rc = csv_table_open(in, NULL, &t, &e))) {
        cli_error("predict", in_path, rc, e.msg);
        goto close_all;
    }
    names = calloc(info.n_features, sizeof *names);
    if (!names)
        goto oom;
    int named = frost_feature_name(m, 0) != NULL;
    for (uint32_t i = 0; named && i < info.n_features; i++)
        names[i] = frost_feature_name(m, i);
    csv_schema schema = {.n_features = info.n_features, .names = named ? names : NULL};
    if ((rc = csv_table_bind(t, &schema, &e))) {
        cli_error("predict", in_path, rc, e.msg);
        goto close_all;
    }
    if (verbose && csv_table_n_ignored(t)) {
        fprintf(stderr, "frost predict: ignoring %zu column(s) the model does not use:",
                csv_table_n_ignored(t));
        for (size_t i = 0; i < csv_table_n_ignored(t); i++)
            fprintf(stderr, " %s", csv_table_column_name(t, csv_table_ignored_column(t, i), NULL));
        fputc('\n', stderr);
    }
    size_t width = proba ? info.n_classes : info.n_outputs;
    X = malloc((size_t)BATCH_ROWS * info.n_features * sizeof *X);
    res = malloc((size_t)BATCH_ROWS * width * sizeof *res);
    if (!X || !res)
        goto oom;
    out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        perror(out_path);
        goto close_all;
    }
    if (write_header(out, m, &info, proba))
        goto write_failed;
    int first = 1;
    for (;;) {
        size_t n_rows = 0;
        int rrc = csv_table_read(t, X, NULL, BATCH_ROWS, &n_rows, &e);
        if (n_rows) {
            rc = proba ? frost_predict_proba(m, X, n_rows, res) : frost_predict(m, X, n_rows, res);
            if (rc) {
                cli_error("predict", pos[0], rc, frost_errmsg(m));
                goto close_all;
            }
            if (first && timing) {
                double t_pred = now_ms();
                fprintf(stderr, "frost predict: open %.3f ms, open to first prediction %.3f ms\n",
                        t_open - t0, t_pred - t0);
            }
            first = 0;
            write_rows(out, m, &info, proba, res, n_rows, width);
        }
        if (rrc) {
            cli_error("predict", in_path, rrc, e.msg);
            goto close_all;
        }
        if (!n_rows)
            break;
    }
    if (fflush(out) != 0 || ferror(out))
        goto write_failed;
    status = CLI_OK;
    goto close_all;

write_failed:
    perror(out_path ? out_path : "stdout");
    goto close_all;
oom:
    fprintf(stderr, "frost predict: out of memory\n");
close_all:
    csv_table_free(t);
    if (in && in != stdin)
        fclose(in);
    if (out && out != stdout && fclose(out) != 0 && status == CLI_OK) {
        perror(out_path);
        status = CLI_FAIL;
    }
    free(names);
    free(X);
    free(res);
    frost_close(m);
    return status;
}
