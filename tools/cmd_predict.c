/*
 * cmd_predict.c — `frost predict MODEL [INPUT.csv|-] [--proba] [-o OUT.csv]`.
 *
 * Reads rows in batches through the CSV table layer (columns matched to the model's features by
 * name, or by position for models trained without names), scores each batch, and writes one
 * output line per input row: class labels as stored, regression values and probabilities as
 * %.17g, which round-trips every double.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    "  --missing-columns error|nan\n"
    "                a column the model needs but the input lacks: an error naming every such\n"
    "                column (default), or treated as all-missing, which the model's imputers\n"
    "                fill exactly as scikit-learn would for NaN\n"
    "  --verbose     report ignored and missing columns on stderr\n"
    "  --timing      report open and first-prediction times, then rows, time and peak\n"
    "                memory, on stderr\n";

static const char transform_help[] =
    "usage: frost transform MODEL [INPUT.csv|-] [-o OUT.csv] [--verbose]\n"
    "\n"
    "Runs a model's preprocessing (a saved ColumnTransformer, scaler, encoder, or the steps of\n"
    "a Pipeline before its estimator) on the rows of a CSV file and writes the transformed\n"
    "matrix, headed by scikit-learn's get_feature_names_out() where the file records them.\n"
    "\n"
    "  -o, --output  write to this file instead of stdout\n"
    "  --verbose     report ignored columns on stderr\n";

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

enum { MODE_PREDICT = 0, MODE_PROBA = 1, MODE_TRANSFORM = 2 };

static int write_header(FILE *out, const frost_model *m, const frost_info *info, int mode)
{
    int proba = mode == MODE_PROBA;
    if (mode == MODE_TRANSFORM) {
        for (uint32_t j = 0; j < info->n_transform_outputs; j++) {
            const char *name = frost_output_name(m, j);
            char buf[32];
            if (!name) {
                snprintf(buf, sizeof buf, "x%u", j);
                name = buf;
            }
            if (j)
                fputc(',', out);
            csv_write_field(out, name, strlen(name), ',', info->n_transform_outputs == 1);
        }
        return fputc('\n', out) == EOF ? -1 : 0;
    }
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

static void write_rows(FILE *out, const frost_model *m, const frost_info *info, int mode,
                       const double *res, size_t n_rows, size_t width)
{
    int proba = mode != MODE_PREDICT;
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

/* Reads the CSV in batches and scores (or transforms) each batch. String input columns go
 * through the typed-column API; all-numeric inputs through the plain matrix one. */
/* This process's own peak resident memory (VmHWM), in KiB, or -1. Not getrusage's ru_maxrss,
 * which keeps the peak of whatever process exec'd us (a Python test harness, say). */
static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int run_cmd(const char *cmd, int mode, int argc, char **argv)
{
    int proba = 0, verbose = 0, timing = 0, help = 0, n_pos;
    const char *out_path = NULL, *io = NULL, *missing = NULL;
    const char *pos[2];
    cli_opt predict_opts[] = {
        {"--proba", NULL, 0, NULL, &proba},
        {"--missing-columns", NULL, 1, &missing, NULL},
        {"--output", "-o", 1, &out_path, NULL},
        {"--io", NULL, 1, &io, NULL},
        {"--verbose", "-v", 0, NULL, &verbose},
        {"--timing", NULL, 0, NULL, &timing},
        {0},
    };
    cli_opt transform_opts[] = {
        {"--output", "-o", 1, &out_path, NULL},
        {"--missing-columns", NULL, 1, &missing, NULL},
        {"--verbose", "-v", 0, NULL, &verbose},
        {0},
    };
    const char *help_text = mode == MODE_TRANSFORM ? transform_help : predict_help;
    int rc = cli_parse(cmd, argc, argv, mode == MODE_TRANSFORM ? transform_opts : predict_opts,
                       pos, 2, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(help_text, stdout);
        return CLI_OK;
    }
    if (n_pos < 1) {
        fputs(help_text, stderr);
        return CLI_USAGE;
    }
    if (proba)
        mode = MODE_PROBA;
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
            fprintf(stderr, "frost %s: --io %s: expected auto, uring, pread or mmap\n", cmd, io);
            return CLI_USAGE;
        }
    }
    if (missing) {
        if (strcmp(missing, "nan") == 0)
            oo.missing_columns = FROST_MISSING_AS_NAN;
        else if (strcmp(missing, "error") != 0) {
            fprintf(stderr, "frost %s: --missing-columns %s: expected error or nan\n", cmd,
                    missing);
            return CLI_USAGE;
        }
    }
    const char *in_path = n_pos == 2 ? pos[1] : "-";
    double t0 = now_ms();
    frost_model *m = NULL;
    rc = frost_open(pos[0], &oo, &m);
    if (rc)
        return cli_error(cmd, pos[0], rc, frost_errmsg(NULL));
    double t_open = now_ms();
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    int status = CLI_FAIL;
    FILE *in = NULL, *out = NULL;
    csv_table *t = NULL;
    double *X = NULL, *res = NULL;
    csv_str *S = NULL;
    frost_string *strs = NULL;
    frost_column *cols = NULL;
    csv_kind *kinds = NULL;
    uint8_t *absent = NULL;      /* --missing-columns nan: inputs the CSV lacks */
    rt_out out_file = {.fd = -1}; /* -o: outfile.h, committed on success, else given up */
    uint32_t *read_index = NULL; /* the model input each read column feeds */
    fr_err e = {0};
    const char **names = NULL;
    uint32_t n_in = info.n_inputs;

    if (mode == MODE_PROBA && !info.has_proba) {
        fprintf(stderr, "frost %s: --proba: %s gives no probabilities (%s)\n", cmd, pos[0],
                info.task != FROST_TASK_CLASSIFIER ? "not a classifier"
                : info.estimator == 3 ? "a hard-voting VotingClassifier, or a OneVsRestClassifier "
                                        "whose estimators have no predict_proba"
                                      : "its decision rule has none");
        status = CLI_USAGE;
        goto close_all;
    }
    if (mode == MODE_TRANSFORM && !info.has_preprocessing) {
        fprintf(stderr, "frost transform: %s has no preprocessing to run (use frost predict)\n",
                pos[0]);
        goto close_all;
    }
    if (mode != MODE_TRANSFORM && info.estimator == 0) {
        fprintf(stderr, "frost %s: %s is a saved transformer, it does not predict "
                        "(use frost transform)\n", cmd, pos[0]);
        goto close_all;
    }
    in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "rb");
    if (!in) {
        perror(in_path);
        goto close_all;
    }
    if ((rc = csv_table_open(in, NULL, &t, &e))) {
        cli_error(cmd, in_path, rc, e.msg);
        goto close_all;
    }
    names = calloc(n_in, sizeof *names);
    kinds = calloc(n_in, sizeof *kinds);
    cols = calloc(n_in, sizeof *cols);
    read_index = calloc(n_in, sizeof *read_index);
    if (!names || !kinds || !cols || !read_index)
        goto oom;
    uint32_t n_read = n_in;
    for (uint32_t i = 0; i < n_in; i++)
        read_index[i] = i;
    int named = frost_feature_name(m, 0) != NULL, any_str = 0;
    for (uint32_t i = 0; i < n_in; i++) {
        names[i] = named ? frost_feature_name(m, i) : NULL;
        kinds[i] = frost_input_kind_of(m, i) == FROST_INPUT_STRING ? CSV_KIND_STRING
                                                                   : CSV_KIND_NUMERIC;
        any_str |= kinds[i] == CSV_KIND_STRING;
    }
    csv_schema schema = {.n_features = n_in, .names = named ? names : NULL, .kinds = kinds};
    rc = csv_table_bind(t, &schema, &e);
    if (rc == FROST_ESCHEMA && named && oo.missing_columns == FROST_MISSING_AS_NAN) {
        /* read only the columns present; the model sees the others as all-missing */
        size_t n_missing = csv_table_n_missing(t);
        absent = calloc(n_in, 1);
        if (!absent)
            goto oom;
        for (size_t i = 0; i < n_missing; i++)
            absent[csv_table_missing_feature(t, i)] = 1;
        if (verbose) {
            fprintf(stderr, "frost %s: %zu column(s) missing, treated as all-missing:", cmd,
                    n_missing);
            for (size_t i = 0; i < n_missing; i++)
                fprintf(stderr, " %s", names[csv_table_missing_feature(t, i)]);
            fputc('\n', stderr);
        }
        n_read = 0;
        for (uint32_t i = 0; i < n_in; i++)
            if (!absent[i]) {
                names[n_read] = names[i];
                kinds[n_read] = kinds[i];
                read_index[n_read++] = i;
            }
        any_str = 1; /* the typed-column path handles absent columns */
        schema.n_features = n_read;
        if (!n_read) {
            fprintf(stderr, "frost %s: %s: none of the model's columns is present\n", cmd,
                    in_path);
            goto close_all;
        }
        rc = csv_table_bind(t, &schema, &e);
    }
    if (rc) {
        cli_error(cmd, in_path, rc, e.msg);
        goto close_all;
    }
    if (verbose && csv_table_n_ignored(t)) {
        fprintf(stderr, "frost %s: ignoring %zu column(s) the model does not use:", cmd,
                csv_table_n_ignored(t));
        for (size_t i = 0; i < csv_table_n_ignored(t); i++)
            fprintf(stderr, " %s", csv_table_column_name(t, csv_table_ignored_column(t, i), NULL));
        fputc('\n', stderr);
    }
    size_t width = mode == MODE_TRANSFORM ? info.n_transform_outputs
                   : mode == MODE_PROBA ? info.n_classes : info.n_outputs;
    size_t n_str = n_read ? csv_table_n_strings(t) : 0;
    X = malloc((size_t)BATCH_ROWS * (n_read ? n_read : 1) * sizeof *X);
    res = malloc((size_t)BATCH_ROWS * (width ? width : 1) * sizeof *res);
    if (n_str) {
        S = malloc((size_t)BATCH_ROWS * n_str * sizeof *S);
        strs = malloc((size_t)BATCH_ROWS * n_str * sizeof *strs);
    }
    if (!X || !res || (n_str && (!S || !strs)))
        goto oom;
    /* the columns, by model input position: numbers in X, strings in strs (missing = NULL) */
    for (uint32_t j = 0; j < n_read; j++) {
        size_t slot = csv_table_string_slot(t, j);
        cols[j].index = read_index[j];
        if (kinds[j] == CSV_KIND_STRING) {
            cols[j].type = FROST_COLUMN_STRING;
            cols[j].values = strs + slot;
            cols[j].stride = n_str;
        } else {
            cols[j].type = FROST_COLUMN_DOUBLE;
            cols[j].values = X + j;
            cols[j].stride = n_read;
        }
    }
    /* -o replaces a file only on success: a failure halfway (a bad value in row 5000) leaves
     * what was there. Never the model or the input. */
    if (out_path) {
        if (cli_check_output(cmd, out_path, pos[0]) ||
            (strcmp(in_path, "-") != 0 && cli_check_output(cmd, out_path, in_path)))
            goto close_all;
        if (!(out = cli_output_open(cmd, out_path, &out_file)))
            goto close_all;
    } else {
        out = stdout;
    }
    if (write_header(out, m, &info, mode))
        goto write_failed;
    int first = 1;
    size_t total_rows = 0;
    for (;;) {
        size_t n_rows = 0;
        int rrc = n_read ? csv_table_read(t, X, S, BATCH_ROWS, &n_rows, &e) : 0;
        if (n_rows) {
            for (size_t k = 0; k < n_rows * n_str; k++) {
                strs[k].ptr = S[k].len ? S[k].ptr : NULL; /* an empty field is missing */
                strs[k].len = S[k].len;
            }
            if (mode == MODE_TRANSFORM)
                rc = frost_transform(m, cols, n_read, n_rows, res);
            else if (any_str)
                rc = mode == MODE_PROBA ? frost_predict_proba_columns(m, cols, n_read, n_rows, res)
                                        : frost_predict_columns(m, cols, n_read, n_rows, res);
            else
                rc = mode == MODE_PROBA ? frost_predict_proba(m, X, n_rows, res)
                                        : frost_predict(m, X, n_rows, res);
            if (rc) {
                cli_error(cmd, pos[0], rc, frost_errmsg(m));
                goto close_all;
            }
            if (first && timing) {
                double t_pred = now_ms();
                fprintf(stderr, "frost %s: open %.3f ms, open to first prediction %.3f ms\n", cmd,
                        t_open - t0, t_pred - t0);
            }
            first = 0;
            total_rows += n_rows;
            write_rows(out, m, &info, mode, res, n_rows, width);
        }
        if (rrc) {
            cli_error(cmd, in_path, rrc, e.msg);
            goto close_all;
        }
        if (!n_rows)
            break;
    }
    if (fflush(out) != 0 || ferror(out))
        goto write_failed;
    status = CLI_OK;
    if (timing) {
        long hwm = peak_rss_kib();
        fprintf(stderr, "frost %s: %zu rows in %.3f ms", cmd, total_rows, now_ms() - t0);
        if (hwm >= 0)
            fprintf(stderr, ", peak RSS %.1f MiB", (double)hwm / 1024.0);
        fputc('\n', stderr);
    }
    goto close_all;

write_failed:
    cli_write_error(cmd, out_path ? out_path : "stdout", errno);
    goto close_all;
oom:
    fprintf(stderr, "frost %s: out of memory\n", cmd);
close_all:
    csv_table_free(t);
    if (in && in != stdin)
        fclose(in);
    if (out && out != stdout && cli_output_close(cmd, &out_file, status == CLI_OK) != CLI_OK)
        status = CLI_FAIL;
    free(names);
    free(kinds);
    free(cols);
    free(absent);
    free(read_index);
    free(X);
    free(S);
    free(strs);
    free(res);
    frost_close(m);
    return status;
}

int cmd_predict(int argc, char **argv) { return run_cmd("predict", MODE_PREDICT, argc, argv); }

int cmd_transform(int argc, char **argv)
{
    return run_cmd("transform", MODE_TRANSFORM, argc, argv);
}
