/*
 * cmd_predict.c — `frost predict` and `frost transform`: CSV rows in, one output line per row.
 *
 * Owns both commands' options, their messages and the output file. The scoring itself — the
 * mapping of a model's inputs onto the CSV's columns and the batch pipeline that reads, scores
 * and formats — is tools/csv/score.h's, which `frost serve` runs too, so a text/csv request is
 * answered byte for byte as `frost predict` prints.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "csv/csv.h"
#include "csv/score.h"

#define MAX_THREADS 256

static const char predict_help[] =
    "usage: frost predict MODEL [INPUT.csv|-] [--proba|--score-samples] [-o OUT.csv]\n"
    "                     [--keep-columns NAMES]\n"
    "                     [--threads N] [--io MODE] [--missing-columns error|nan] [--verbose]\n"
    "                     [--timing]\n"
    "\n"
    "Scores the rows of a CSV file (or stdin, '-' or no argument) with a .frost model. A cell\n"
    "means what pandas.read_csv(INPUT) with default settings gives scikit-learn.\n"
    "\n"
    "Input: the first line names the columns; fields are separated by ',' (RFC 4180 quoting).\n"
    "  Models trained with feature names match columns by name, in any order (extra columns\n"
    "  are ignored). Models trained without take columns by position and need exactly as many\n"
    "  as they have features (kept columns aside), as scikit-learn does.\n"
    "  Missing: the empty field and pandas' NA spellings NA N/A n/a NULL null NaN nan -NaN -nan\n"
    "  <NA> None #N/A '#N/A N/A' #NA 1.#IND -1.#IND 1.#QNAN -1.#QNAN, exactly so, quoted or not\n"
    "  (' NA' with a space is text): NaN in numeric columns, missing in string columns.\n"
    "  Numbers: as Python's float() reads them (inf, -inf, Infinity; 1e400 is inf). In numeric\n"
    "  columns true/false in any case are 1 and 0, but a column holding both booleans and\n"
    "  numbers is an error (pandas reads it as text, which scikit-learn refuses).\n"
    "  Columns the model lists but never reads (dropped by a ColumnTransformer) may hold\n"
    "  anything, or be absent.\n"
    "\n"
    "Output: a header, then one line per input row, in input order:\n"
    "  prediction           the class label as stored, or the value (regressors);\n"
    "                       prediction_0, prediction_1, ... for multi-output models\n"
    "  LABEL,LABEL,...      with --proba: one column per class, headed by its label\n"
    "                       (K:LABEL for output K of multi-output models)\n"
    "  score_samples        with --score-samples: scikit-learn's score_samples\n"
    "  kept columns (--keep-columns) come first. Numbers are written in the shortest form\n"
    "  that reads back to the same double, as Python's repr() (0.35, 3, 1e-05, nan, inf).\n"
    "\n"
    "Errors: on a bad row frost stops with exit status 1 and a message naming the row on\n"
    "stderr. Before that, stdout has received the header and, with any --threads, the lines\n"
    "of every row before the failing one when the CSV reader rejects it (not a number, a\n"
    "ragged row, bad quoting, booleans mixed with numbers), or of every row before the\n"
    "failing row's batch (4096 rows; fewer for very wide inputs) when the model rejects it\n"
    "(an unknown category); nothing after. With -o no file is left behind.\n"
    "\n"
    "  --proba       class probabilities, one column per class (classifiers)\n"
    "  --score-samples\n"
    "                scikit-learn's score_samples, one number per row (IsolationForest: the\n"
    "                opposite of the anomaly score, lower is more abnormal)\n"
    "  -o, --output  write to this file instead of stdout\n"
    "  --keep-columns NAMES\n"
    "                copy these input columns (comma-separated names, quoted as in CSV if a\n"
    "                name holds a comma) in front of the output, as read, so rows can be\n"
    "                joined back to their source; a kept column may also be a model input;\n"
    "                a name the header lacks is an error (exit 1)\n"
    "  --threads N   score on N threads (default: the CPUs this process may run on). One\n"
    "                thread reads the CSV, the others score and format batches of rows; an\n"
    "                input of one batch is scored on one thread. At most 2N batches are in\n"
    "                flight, so memory stays bounded on any input, stdin included\n"
    "  --io MODE     auto (default), uring, pread or mmap\n"
    "  --missing-columns error|nan\n"
    "                a column the model needs but the input lacks: an error naming every such\n"
    "                column (default), or treated as all-missing, which the model's imputers\n"
    "                fill exactly as scikit-learn would for NaN\n"
    "  --verbose     report ignored and missing columns on stderr\n"
    "  --timing      report open and first-prediction times, then rows, time and peak\n"
    "                memory, on stderr (for a URL also requests, bytes fetched, retries and\n"
    "                cache hits)\n"
    "\n"
    "MODEL may be a URL: http://, https:// or s3://BUCKET/KEY (see README: the header is read\n"
    "with ranged requests, then only the blocks the rows need; FROST_CACHE_DIR keeps them).\n";

static const char transform_help[] =
    "usage: frost transform MODEL [INPUT.csv|-] [-o OUT.csv] [--keep-columns NAMES]\n"
    "                       [--threads N] [--missing-columns error|nan] [--verbose]\n"
    "\n"
    "Runs a model's preprocessing (a saved ColumnTransformer, scaler, encoder, or the steps of\n"
    "a Pipeline before its estimator) on the rows of a CSV file and writes the transformed\n"
    "matrix, headed by scikit-learn's get_feature_names_out() where the file records them.\n"
    "Input cells, errors and numbers as for `frost predict` (see frost predict --help).\n"
    "\n"
    "  -o, --output  write to this file instead of stdout\n"
    "  --keep-columns NAMES\n"
    "                copy these input columns in front of the output (see frost predict)\n"
    "  --threads N   transform on N threads (default: the CPUs this process may run on)\n"
    "  --missing-columns error|nan\n"
    "                as for frost predict\n"
    "  --verbose     report ignored columns on stderr\n";

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

enum { MODE_PREDICT = CSV_SCORE_PREDICT, MODE_PROBA = CSV_SCORE_PROBA,
       MODE_TRANSFORM = CSV_SCORE_TRANSFORM, MODE_SCORE = CSV_SCORE_SAMPLES };

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

/* The CPUs this process may run on (taskset, cgroup cpusets), which is what --threads defaults
 * to; sysconf would count CPUs the scheduler never gives us. */
static unsigned cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return (unsigned)n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* ---- the output file ---------------------------------------------------------------------- */

/* -o goes through outfile.h: a regular file is replaced only once the whole run succeeded (a bad
 * value in row 5000 leaves what was there), a device or FIFO is written directly, a link keeps
 * being a link; and never the model or the input. Without -o, stdout. */
typedef struct output {
    FILE *f;
    const char *path; /* NULL: stdout */
    wr_out file;      /* -o */
} output;

/* Opens *o for path (NULL = stdout). Returns 0, or -1 after saying why on stderr. */
static int output_open(output *o, const char *cmd, const char *path, const char *model,
                       const char *input)
{
    *o = (output){.f = stdout, .path = path, .file = {.fd = -1}};
    if (!path)
        return 0;
    if (cli_check_output(cmd, path, model) ||
        (strcmp(input, "-") != 0 && cli_check_output(cmd, path, input)))
        return -1;
    o->f = cli_output_open(cmd, path, &o->file);
    return o->f ? 0 : -1;
}

/* Commits what was written when ok, gives it up otherwise. Returns 0 when committed, -1 when
 * ok was 0 or the commit failed (after a message). */
static int output_close(output *o, const char *cmd, int ok)
{
    if (!o->path || !o->f)
        return ok ? 0 : -1;
    o->f = NULL;
    return cli_output_close(cmd, &o->file, ok) == CLI_OK ? 0 : -1;
}

/* ---- the command -------------------------------------------------------------------------- */

/* Splits --keep-columns' value as one CSV record, so a name holding a comma can be quoted. An
 * empty value is one empty name (pandas' unnamed index column is headed by an empty field). */
static int parse_keep(const char *spec, char ***names_out, size_t *n_out)
{
    *names_out = NULL;
    *n_out = 0;
    size_t len = strlen(spec);
    if (len == 0) {
        char **names = calloc(1, sizeof *names);
        if (names && !(names[0] = strdup(""))) {
            free(names);
            names = NULL;
        }
        if (!names)
            return FROST_ENOMEM;
        *names_out = names;
        *n_out = 1;
        return 0;
    }
    FILE *f = fmemopen((void *)spec, len, "r");
    if (!f)
        return FROST_ENOMEM;
    csv_reader *r = NULL;
    fr_err e = { 0 };
    int rc = csv_reader_new(f, NULL, &r, &e);
    const csv_field *fl = NULL;
    size_t n = 0;
    if (!rc)
        rc = csv_reader_next(r, &fl, &n, &e);
    const csv_field *more;
    size_t n_more = 0;
    /* a second record means a line break in the value, which no header name can hold */
    if (!rc && n && csv_reader_next(r, &more, &n_more, &e) == 0 && n_more)
        rc = FROST_EINVAL;
    char **names = NULL;
    if (!rc && n) {
        names = calloc(n, sizeof *names);
        if (!names)
            rc = FROST_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++)
            if (!(names[i] = strndup(fl[i].ptr, fl[i].len)))
                rc = FROST_ENOMEM;
    }
    if (!rc && !n)
        rc = FROST_EINVAL;
    if (rc && names) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        names = NULL;
    }
    if (r)
        csv_reader_free(r);
    fclose(f);
    *names_out = names;
    *n_out = rc ? 0 : n;
    return rc;
}

/* ---- the command ------------------------------------------------------------------------- */

/* The command line, read and checked. */
typedef struct options {
    int mode;                 /* MODE_* */
    int verbose, timing;
    const char *model_path;
    const char *model_name;   /* model_path as messages name it (a URL without credentials) */
    char model_name_buf[CLI_NAME_MAX];
    const char *in_path;      /* "-": stdin */
    const char *out_path;     /* NULL: stdout */
    frost_open_options open;
    unsigned threads;
    char **keep;              /* --keep-columns, parsed */
    size_t n_keep;
} options;

static void options_free(options *o)
{
    for (size_t i = 0; i < o->n_keep; i++)
        free(o->keep[i]);
    free(o->keep);
}

/* Reads argv into *o. Returns CLI_OK, CLI_USAGE or CLI_FAIL after saying why, or -1 when the
 * help was printed and there is nothing more to do. */
static int parse_options(const char *cmd, int mode, int argc, char **argv, options *o)
{
    int proba = 0, score = 0, help = 0, n_pos;
    const char *io = NULL, *missing = NULL, *keep = NULL, *threads_arg = NULL;
    const char *pos[2];
    cli_opt predict_opts[] = {
        {"--proba", NULL, 0, NULL, &proba},
        {"--score-samples", NULL, 0, NULL, &score},
        {"--missing-columns", NULL, 1, &missing, NULL},
        {"--output", "-o", 1, &o->out_path, NULL},
        {"--keep-columns", NULL, 1, &keep, NULL},
        {"--threads", NULL, 1, &threads_arg, NULL},
        {"--io", NULL, 1, &io, NULL},
        {"--verbose", "-v", 0, NULL, &o->verbose},
        {"--timing", NULL, 0, NULL, &o->timing},
        {0},
    };
    cli_opt transform_opts[] = {
        {"--output", "-o", 1, &o->out_path, NULL},
        {"--missing-columns", NULL, 1, &missing, NULL},
        {"--keep-columns", NULL, 1, &keep, NULL},
        {"--threads", NULL, 1, &threads_arg, NULL},
        {"--verbose", "-v", 0, NULL, &o->verbose},
        {0},
    };
    const char *help_text = mode == MODE_TRANSFORM ? transform_help : predict_help;
    int rc = cli_parse(cmd, argc, argv, mode == MODE_TRANSFORM ? transform_opts : predict_opts,
                       pos, 2, &n_pos, &help);
    if (rc)
        return rc;
    if (help) {
        fputs(help_text, stdout);
        return -1;
    }
    if (n_pos < 1) {
        fputs(help_text, stderr);
        return CLI_USAGE;
    }
    if (proba && score) {
        fprintf(stderr, "frost %s: --proba and --score-samples ask for different outputs; give "
                        "one\n", cmd);
        return CLI_USAGE;
    }
    o->mode = proba ? MODE_PROBA : score ? MODE_SCORE : mode;
    o->model_path = pos[0];
    o->model_name = cli_model_name(pos[0], o->model_name_buf, sizeof o->model_name_buf);
    o->in_path = n_pos == 2 ? pos[1] : "-";
    frost_open_options_init(&o->open);
    if (io) {
        static const struct {
            const char *name;
            frost_io_mode mode;
        } modes[] = {{"auto", FROST_IO_AUTO}, {"uring", FROST_IO_URING},
                     {"pread", FROST_IO_PREAD}, {"mmap", FROST_IO_MMAP}};
        size_t i = 0;
        while (i < 4 && strcmp(io, modes[i].name) != 0)
            i++;
        if (i == 4) {
            fprintf(stderr, "frost %s: --io %s: expected auto, uring, pread or mmap\n", cmd, io);
            return CLI_USAGE;
        }
        o->open.io = modes[i].mode;
    }
    if (missing) {
        if (strcmp(missing, "nan") == 0)
            o->open.missing_columns = FROST_MISSING_AS_NAN;
        else if (strcmp(missing, "error") != 0) {
            fprintf(stderr, "frost %s: --missing-columns %s: expected error or nan\n", cmd,
                    missing);
            return CLI_USAGE;
        }
    }
    o->threads = cpus_available();
    if (threads_arg) {
        char *end;
        unsigned long v = strtoul(threads_arg, &end, 10);
        if (!*threads_arg || *end || threads_arg[0] == '-' || v < 1 || v > MAX_THREADS) {
            fprintf(stderr, "frost %s: --threads %s: expected a number from 1 to %d\n", cmd,
                    threads_arg, MAX_THREADS);
            return CLI_USAGE;
        }
        o->threads = (unsigned)v;
    }
    if (o->threads > MAX_THREADS)
        o->threads = MAX_THREADS;
    if (keep && (rc = parse_keep(keep, &o->keep, &o->n_keep))) {
        if (rc == FROST_ENOMEM) {
            fprintf(stderr, "frost %s: out of memory\n", cmd);
            return CLI_FAIL;
        }
        fprintf(stderr, "frost %s: --keep-columns %s: expected comma-separated column names "
                        "(quoted as in CSV when a name holds a comma or a quote)\n", cmd, keep);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Whether the model can do what the command asks (CLI_OK), else why not. */
static int model_fits(const char *cmd, const options *o, const frost_info *info)
{
    if (o->mode == MODE_PROBA && !info->has_proba) {
        fprintf(stderr, "frost %s: --proba: %s gives no probabilities (%s)\n", cmd,
                o->model_name,
                info->task != FROST_TASK_CLASSIFIER ? "not a classifier"
                : info->has_score_samples ? "an outlier detector: --score-samples gives its scores"
                : info->estimator == 3 ? "a hard-voting VotingClassifier, or a OneVsRestClassifier "
                                         "whose estimators have no predict_proba"
                                       : "its decision rule has none");
        return CLI_USAGE;
    }
    if (o->mode == MODE_SCORE && !info->has_score_samples) {
        fprintf(stderr, "frost %s: --score-samples: %s has no score_samples (scikit-learn gives "
                        "it for IsolationForest)\n", cmd, o->model_name);
        return CLI_USAGE;
    }
    if (o->mode == MODE_TRANSFORM && !info->n_transform_outputs) {
        fprintf(stderr, "frost transform: %s has no preprocessing to run (use frost predict)\n",
                o->model_name);
        return CLI_FAIL;
    }
    if (o->mode != MODE_TRANSFORM && info->estimator == 0) {
        fprintf(stderr, "frost %s: %s is a saved transformer, it does not predict "
                        "(use frost transform)\n", cmd, o->model_name);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- running it --------------------------------------------------------------------------- */

/* Says on stderr what a failed scorer reported, blaming the input, the model or the output. */
static int scorer_error(const char *cmd, const options *o, const char *out_name,
                        const csv_score_status *st)
{
    switch (st->blame) {
    case CSV_SCORE_INPUT:
        return cli_error(cmd, o->in_path, st->rc, st->msg);
    case CSV_SCORE_MODEL:
        return cli_error(cmd, o->model_name, st->rc, st->msg);
    case CSV_SCORE_OUTPUT:
        cli_write_error(cmd, out_name, st->os_errno);
        return CLI_FAIL;
    default:
        fprintf(stderr, "frost %s: %s\n", cmd, st->msg);
        return CLI_FAIL;
    }
}

static int run_cmd(const char *cmd, int mode, int argc, char **argv)
{
    options o = {0};
    int status = parse_options(cmd, mode, argc, argv, &o);
    if (status) {
        options_free(&o);
        return status < 0 ? CLI_OK : status;
    }
    double t0 = now_ms();
    frost_model *m = NULL;
    cli_keys keys = {.n = 0};
    int rc = cli_open_model(cmd, o.model_path, &o.open, &keys, &m);
    if (rc) {
        options_free(&o);
        return rc;
    }
    double t_open = now_ms();
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    FILE *in = NULL;
    output out = {0};
    int out_open = 0;
    csv_scorer *s = NULL;
    csv_score_status st = {0};
    char prefix[32];
    snprintf(prefix, sizeof prefix, "frost %s", cmd);
    const csv_score_options so = {
        .mode = (csv_score_mode)o.mode,
        .threads = o.threads,
        .keep = (const char *const *)o.keep,
        .n_keep = o.n_keep,
        .missing_as_nan = o.open.missing_columns == FROST_MISSING_AS_NAN,
        .log = o.verbose ? stderr : NULL,
        .log_prefix = prefix,
    };
    const char *out_name = o.out_path ? o.out_path : "stdout";

    if ((status = model_fits(cmd, &o, &info)))
        goto close_all;
    status = CLI_FAIL;
    in = strcmp(o.in_path, "-") == 0 ? stdin : fopen(o.in_path, "rb");
    if (!in) {
        perror(o.in_path);
        goto close_all;
    }
    if (csv_scorer_new(m, in, &so, &s, &st)) {
        scorer_error(cmd, &o, out_name, &st);
        goto close_all;
    }
    if (output_open(&out, cmd, o.out_path, o.model_path, o.in_path))
        goto close_all;
    out_open = 1;
    int failed = csv_scorer_run(s, out.f, &st);
    if (o.timing && st.t_first_ms > 0)
        fprintf(stderr, "frost %s: open %.3f ms, open to first prediction %.3f ms\n", cmd,
                t_open - t0, st.t_first_ms - t0);
    if (failed) {
        status = scorer_error(cmd, &o, out_name, &st);
        goto close_all;
    }
    status = CLI_OK;
    if (fflush(out.f) != 0 || ferror(out.f)) {
        cli_write_error(cmd, out_name, errno);
        status = CLI_FAIL;
    }
    if (status == CLI_OK && o.timing) {
        long hwm = peak_rss_kib();
        fprintf(stderr, "frost %s: %zu rows in %.3f ms", cmd, st.rows, now_ms() - t0);
        if (hwm >= 0)
            fprintf(stderr, ", peak RSS %.1f MiB", (double)hwm / 1024.0);
        fputc('\n', stderr);
        frost_stats fs = {.size = sizeof fs};
        if (info.io == FROST_IO_REMOTE && frost_get_stats(m, &fs) == 0)
            fprintf(stderr,
                    "frost %s: remote: %" PRIu64 " requests, %" PRIu64 " bytes fetched, %" PRIu64
                    " retries, %" PRIu64 " cache hits\n",
                    cmd, fs.remote_requests, fs.remote_bytes, fs.remote_retries, fs.cache_hits);
    }
close_all:
    if (out_open && output_close(&out, cmd, status == CLI_OK) && status == CLI_OK)
        status = CLI_FAIL;
    csv_scorer_free(s);
    if (in && in != stdin)
        fclose(in);
    options_free(&o);
    frost_close(m);
    return status;
}

int cmd_predict(int argc, char **argv) { return run_cmd("predict", MODE_PREDICT, argc, argv); }

int cmd_transform(int argc, char **argv)
{
    return run_cmd("transform", MODE_TRANSFORM, argc, argv);
}
