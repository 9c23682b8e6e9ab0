/*
 * cmd_predict.c — `frost predict` and `frost transform`: CSV rows in, one output line per row.
 *
 * Owns both commands' options, the mapping of a model's inputs onto a CSV schema (input kinds,
 * unused and absent columns, kept columns), the scoring pipeline and the output file. The
 * pipeline: one thread parses the CSV (a record stream is sequential) into a ring of batches;
 * workers score each batch and format its lines (number formatting costs about as much as
 * scoring); the parsing thread writes finished batches in input order. The ring bounds memory
 * whatever the input's length, stdin included, and `--threads 1` runs it all on one thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "csv/table.h"

#define BATCH_ROWS 4096
/* A batch's arrays stay under this, so 15,000-column inputs take fewer rows per batch rather
 * than half a gigabyte per batch in flight. */
#define BATCH_BYTES ((size_t)16 << 20)
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
    "                memory, on stderr\n";

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

enum { MODE_PREDICT = 0, MODE_PROBA = 1, MODE_TRANSFORM = 2, MODE_SCORE = 3 };

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

/* ---- header and lines --------------------------------------------------------------------- */

static int write_header(FILE *out, const frost_model *m, const frost_info *info, int mode,
                        const csv_table *t)
{
    size_t n_keep = csv_table_n_kept(t);
    for (size_t i = 0; i < n_keep; i++) {
        size_t len;
        const char *name = csv_table_column_name(t, csv_table_kept_column(t, i), &len);
        csv_write_field(out, name, len, ',', 0);
        fputc(',', out);
    }
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
            csv_write_field(out, name, strlen(name), ',',
                            n_keep + info->n_transform_outputs == 1);
        }
        return fputc('\n', out) == EOF ? -1 : 0;
    }
    if (mode == MODE_SCORE) {
        fputs("score_samples", out);
        return fputc('\n', out) == EOF ? -1 : 0;
    }
    if (mode == MODE_PREDICT) {
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

/* ---- the pipeline ------------------------------------------------------------------------- */

/* One batch in the ring: its rows, what the model is given, its results and its text. */
typedef struct slot {
    csv_batch *b;
    frost_string *strs; /* b->cap × n_str: the string columns as the model takes them */
    frost_column *cols; /* the columns handed to frost_*_columns */
    double *res;        /* b->cap × width */
    csv_text text;      /* the batch's output lines */
    int rc;             /* 0, or why scoring or formatting failed */
    char err[640];      /* the message for rc (frost_errmsg is per thread) */
    double t_scored;    /* when scoring finished (--timing) */
    int done;           /* scored and formatted; guarded by pipe.mu once workers run */
} slot;

typedef struct pipe_ctx {
    frost_model *m;
    const frost_info *info;
    int mode;
    size_t width;       /* output values per row */
    size_t n_feat;      /* features in each batch row (the bound schema) */
    size_t n_str;       /* string features */
    size_t n_keep;      /* kept columns */
    size_t n_cols;      /* columns handed to the model */
    int use_columns;    /* frost_*_columns rather than the plain matrix */

    slot *slots;
    size_t n_slots;
    pthread_mutex_t mu;
    pthread_cond_t work; /* submitted > taken, or quit */
    pthread_cond_t done; /* a slot finished */
    uint64_t submitted, taken;
    int quit;
    pthread_t th[MAX_THREADS];
    size_t n_threads;
} pipe_ctx;

/* The model's message for a failed batch. A failure about one row (frost_error_row, whose
 * message then begins "row N,") names the row within the batch; the input's row number replaces
 * it, so a message names the same row whatever the batch size or thread count. */
static void batch_message(char *dst, size_t cap, const frost_model *m, uint64_t first_row)
{
    const char *msg = frost_errmsg(m);
    int64_t row = frost_error_row(m);
    const char *rest = row >= 0 && strncmp(msg, "row ", 4) == 0 ? strchr(msg, ',') : NULL;
    if (rest)
        snprintf(dst, cap, "row %llu%s", (unsigned long long)(first_row + (uint64_t)row), rest);
    else
        snprintf(dst, cap, "%s", msg);
}

static int format_rows(const pipe_ctx *P, slot *s)
{
    const csv_batch *b = s->b;
    const int labels = P->mode == MODE_PREDICT && P->info->task == FROST_TASK_CLASSIFIER;
    const int single = P->n_keep + P->width == 1;
    csv_text *o = &s->text;
    o->len = 0;
    int rc = 0;
    for (size_t r = 0; r < b->n_rows && !rc; r++) {
        for (size_t k = 0; k < P->n_keep && !rc; k++) {
            const csv_str *v = &b->K[r * P->n_keep + k];
            rc = csv_text_field(o, v->ptr, v->len, ',', 0);
            rc = rc ? rc : csv_text_put(o, ",", 1);
        }
        const double *row = s->res + r * P->width;
        for (size_t j = 0; j < P->width && !rc; j++) {
            if (j)
                rc = csv_text_put(o, ",", 1);
            if (rc)
                break;
            if (labels) {
                const char *label = frost_class_label(P->m, (uint32_t)j, (uint32_t)row[j]);
                rc = csv_text_field(o, label, strlen(label), ',', single);
            } else {
                rc = csv_text_double(o, row[j]);
            }
        }
        rc = rc ? rc : csv_text_put(o, "\n", 1);
    }
    return rc;
}

/* Scores one batch and formats its lines; any thread. */
static void score_slot(const pipe_ctx *P, slot *s)
{
    csv_batch *b = s->b;
    size_t n = b->n_rows;
    for (size_t k = 0; k < n * P->n_str; k++) {
        s->strs[k].ptr = b->S[k].len ? b->S[k].ptr : NULL; /* an empty value is missing */
        s->strs[k].len = b->S[k].len;
    }
    int rc;
    if (P->mode == MODE_TRANSFORM)
        rc = frost_transform(P->m, s->cols, P->n_cols, n, s->res);
    else if (P->use_columns)
        rc = P->mode == MODE_PROBA
                 ? frost_predict_proba_columns(P->m, s->cols, P->n_cols, n, s->res)
             : P->mode == MODE_SCORE
                 ? frost_score_samples_columns(P->m, s->cols, P->n_cols, n, s->res)
                 : frost_predict_columns(P->m, s->cols, P->n_cols, n, s->res);
    else
        rc = P->mode == MODE_PROBA   ? frost_predict_proba(P->m, b->X, n, s->res)
             : P->mode == MODE_SCORE ? frost_score_samples(P->m, b->X, n, s->res)
                                     : frost_predict(P->m, b->X, n, s->res);
    s->t_scored = now_ms();
    s->rc = rc;
    if (rc) {
        batch_message(s->err, sizeof s->err, P->m, b->first_row);
        return;
    }
    if ((s->rc = format_rows(P, s)))
        snprintf(s->err, sizeof s->err, "out of memory formatting the output");
}

static void *worker(void *arg)
{
    pipe_ctx *P = arg;
    pthread_mutex_lock(&P->mu);
    for (;;) {
        while (P->taken == P->submitted && !P->quit)
            pthread_cond_wait(&P->work, &P->mu);
        if (P->quit)
            break;
        slot *s = &P->slots[P->taken++ % P->n_slots];
        pthread_mutex_unlock(&P->mu);
        score_slot(P, s);
        pthread_mutex_lock(&P->mu);
        s->done = 1;
        pthread_cond_broadcast(&P->done);
    }
    pthread_mutex_unlock(&P->mu);
    return NULL;
}

static void stop_workers(pipe_ctx *P)
{
    if (!P->n_threads)
        return;
    pthread_mutex_lock(&P->mu);
    P->quit = 1;
    pthread_cond_broadcast(&P->work);
    pthread_mutex_unlock(&P->mu);
    for (size_t i = 0; i < P->n_threads; i++)
        pthread_join(P->th[i], NULL);
    P->n_threads = 0;
}

/* Builds the ring's slots: batch arrays sized for the binding, columns pointing into them. */
static int make_slots(pipe_ctx *P, const csv_table *t, const csv_kind *kinds,
                      const uint32_t *read_index, size_t rows, fr_err *e)
{
    P->slots = calloc(P->n_slots, sizeof *P->slots);
    if (!P->slots)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    for (size_t i = 0; i < P->n_slots; i++) {
        slot *s = &P->slots[i];
        int rc = csv_batch_new(t, rows, &s->b, e);
        if (rc)
            return rc;
        s->res = malloc(rows * (P->width ? P->width : 1) * sizeof *s->res);
        s->strs = P->n_str ? malloc(rows * P->n_str * sizeof *s->strs) : NULL;
        s->cols = calloc(P->n_cols ? P->n_cols : 1, sizeof *s->cols);
        if (!s->res || (P->n_str && !s->strs) || !s->cols)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
        /* the columns, by model input position: numbers in X, strings in strs (missing =
         * NULL); unused inputs are never handed over */
        size_t c = 0;
        for (size_t j = 0; j < P->n_feat; j++) {
            if (kinds[j] == CSV_KIND_UNUSED)
                continue;
            frost_column *col = &s->cols[c++];
            col->index = read_index[j];
            if (kinds[j] == CSV_KIND_STRING) {
                col->type = FROST_COLUMN_STRING;
                col->values = s->strs + csv_table_string_slot(t, j);
                col->stride = P->n_str;
            } else {
                col->type = FROST_COLUMN_DOUBLE;
                col->values = s->b->X + j;
                col->stride = P->n_feat;
            }
        }
    }
    return 0;
}

static void free_slots(pipe_ctx *P)
{
    for (size_t i = 0; P->slots && i < P->n_slots; i++) {
        slot *s = &P->slots[i];
        csv_batch_free(s->b);
        free(s->res);
        free(s->strs);
        free(s->cols);
        csv_text_free(&s->text);
    }
    free(P->slots);
    P->slots = NULL;
}

static int slot_done(pipe_ctx *P, slot *s, int wait)
{
    if (!P->n_threads)
        return s->done;
    pthread_mutex_lock(&P->mu);
    while (wait && !s->done)
        pthread_cond_wait(&P->done, &P->mu);
    int d = s->done;
    pthread_mutex_unlock(&P->mu);
    return d;
}

/* Reads, scores and writes every batch. threads: the most workers to run. Returns CLI_OK or
 * CLI_FAIL after a message; *rows counts the rows written. The order of events is the same
 * for any thread count: batch k is written only after batches 0..k-1, and the first failure
 * in input order (a batch the model rejected, else the reader's error after the rows before
 * it) is the one reported. */
static int run_pipeline(pipe_ctx *P, csv_table *t, FILE *out, const char *out_name,
                        unsigned threads, const char *cmd, const char *model_path,
                        const char *in_path, int timing, double t0, double t_open, size_t *rows)
{
    uint64_t n_read = 0, n_sub = 0, n_written = 0;
    int reading = 1, inline_mode = threads <= 1;
    int read_rc = 0;
    fr_err read_e = { 0 };
    *rows = 0;
    while (reading || n_written < n_read) {
        if (reading && n_read - n_written < P->n_slots) {
            slot *s = &P->slots[n_read % P->n_slots];
            s->done = 0; /* free: no worker holds it */
            int rc = csv_table_fill(t, s->b, &read_e);
            if (rc) {
                read_rc = rc;
                reading = 0;
            }
            if (s->b->n_rows)
                n_read++;
            else
                reading = 0;
            /* Workers start only once a second batch exists: a small input never pays for
             * threads, and there are never more workers than batches read. */
            if (!inline_mode && n_read >= 2 && P->n_threads < threads &&
                P->n_threads < n_read) {
                size_t want = n_read < threads ? n_read : threads;
                while (P->n_threads < want &&
                       pthread_create(&P->th[P->n_threads], NULL, worker, P) == 0)
                    P->n_threads++;
                if (!P->n_threads)
                    inline_mode = 1; /* no thread could start: score here */
            }
            if (P->n_threads) {
                pthread_mutex_lock(&P->mu);
                P->submitted = n_sub = n_read;
                pthread_cond_broadcast(&P->work);
                pthread_mutex_unlock(&P->mu);
            } else if (inline_mode || !reading) {
                for (; n_sub < n_read; n_sub++) {
                    slot *q = &P->slots[n_sub % P->n_slots];
                    score_slot(P, q);
                    q->done = 1;
                }
            }
        } else {
            slot_done(P, &P->slots[n_written % P->n_slots], 1);
        }
        /* Every finished batch, in input order. */
        while (n_written < n_sub && slot_done(P, &P->slots[n_written % P->n_slots], 0)) {
            slot *s = &P->slots[n_written % P->n_slots];
            if (s->rc) {
                stop_workers(P);
                return cli_error(cmd, model_path, s->rc, s->err);
            }
            if (n_written == 0 && timing)
                fprintf(stderr, "frost %s: open %.3f ms, open to first prediction %.3f ms\n",
                        cmd, t_open - t0, s->t_scored - t0);
            if (fwrite(s->text.ptr, 1, s->text.len, out) != s->text.len) {
                int err = errno;
                stop_workers(P);
                cli_write_error(cmd, out_name, err);
                return CLI_FAIL;
            }
            *rows += s->b->n_rows;
            n_written++;
        }
    }
    stop_workers(P);
    if (read_rc)
        return cli_error(cmd, in_path, read_rc, read_e.msg);
    return CLI_OK;
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
                o->model_path,
                info->task != FROST_TASK_CLASSIFIER ? "not a classifier"
                : info->has_score_samples ? "an outlier detector: --score-samples gives its scores"
                : info->estimator == 3 ? "a hard-voting VotingClassifier, or a OneVsRestClassifier "
                                         "whose estimators have no predict_proba"
                                       : "its decision rule has none");
        return CLI_USAGE;
    }
    if (o->mode == MODE_SCORE && !info->has_score_samples) {
        fprintf(stderr, "frost %s: --score-samples: %s has no score_samples (scikit-learn gives "
                        "it for IsolationForest)\n", cmd, o->model_path);
        return CLI_USAGE;
    }
    if (o->mode == MODE_TRANSFORM && !info->has_preprocessing) {
        fprintf(stderr, "frost transform: %s has no preprocessing to run (use frost predict)\n",
                o->model_path);
        return CLI_FAIL;
    }
    if (o->mode != MODE_TRANSFORM && info->estimator == 0) {
        fprintf(stderr, "frost %s: %s is a saved transformer, it does not predict "
                        "(use frost transform)\n", cmd, o->model_path);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Which CSV columns feed which model inputs. */
typedef struct binding {
    const char **names;   /* per bound feature: the input's name (NULL without names) */
    csv_kind *kinds;      /* per bound feature: how its column is read */
    uint32_t *read_index; /* per bound feature: the model input it is */
    uint32_t n_read;      /* features bound (the model's inputs, less absent ones) */
    int typed;            /* score through typed columns (strings, unused or absent inputs) */
} binding;

static void binding_free(binding *b)
{
    free(b->names);
    free(b->kinds);
    free(b->read_index);
}

/* Binds the CSV header to the model's inputs: by name or position, unused inputs never read,
 * and with --missing-columns nan the columns the CSV lacks left out (the model sees them
 * all-missing). Returns CLI_OK, or CLI_FAIL after saying why. */
static int bind_inputs(const char *cmd, const options *o, frost_model *m,
                       const frost_info *info, csv_table *t, binding *b)
{
    const uint32_t n_in = info->n_inputs;
    fr_err e = {0};
    b->names = calloc(n_in ? n_in : 1, sizeof *b->names);
    b->kinds = calloc(n_in ? n_in : 1, sizeof *b->kinds);
    b->read_index = calloc(n_in ? n_in : 1, sizeof *b->read_index);
    if (!b->names || !b->kinds || !b->read_index) {
        fprintf(stderr, "frost %s: out of memory\n", cmd);
        return CLI_FAIL;
    }
    b->n_read = n_in;
    int named = frost_feature_name(m, 0) != NULL;
    for (uint32_t i = 0; i < n_in; i++) {
        frost_input_kind k = frost_input_kind_of(m, i);
        b->names[i] = named ? frost_feature_name(m, i) : NULL;
        b->kinds[i] = k == FROST_INPUT_STRING ? CSV_KIND_STRING
                      : k == FROST_INPUT_UNUSED ? CSV_KIND_UNUSED : CSV_KIND_NUMERIC;
        /* strings, and unused inputs (which the plain matrix would have to fill), go through
         * the typed-column path */
        b->typed |= b->kinds[i] != CSV_KIND_NUMERIC;
        b->read_index[i] = i;
    }
    csv_schema schema = {.n_features = n_in, .names = named ? b->names : NULL,
                         .kinds = b->kinds};
    int rc = csv_table_bind(t, &schema, &e);
    if (rc == FROST_ESCHEMA && named && o->open.missing_columns == FROST_MISSING_AS_NAN) {
        /* read only the columns present; the model sees the others as all-missing */
        size_t n_missing = csv_table_n_missing(t);
        uint8_t *absent = calloc(n_in, 1);
        if (!absent) {
            fprintf(stderr, "frost %s: out of memory\n", cmd);
            return CLI_FAIL;
        }
        for (size_t i = 0; i < n_missing; i++)
            absent[csv_table_missing_feature(t, i)] = 1;
        if (o->verbose) {
            fprintf(stderr, "frost %s: %zu column(s) missing, treated as all-missing:", cmd,
                    n_missing);
            for (size_t i = 0; i < n_missing; i++)
                fprintf(stderr, " %s", b->names[csv_table_missing_feature(t, i)]);
            fputc('\n', stderr);
        }
        b->n_read = 0;
        size_t n_used = 0;
        for (uint32_t i = 0; i < n_in; i++)
            if (!absent[i]) {
                b->names[b->n_read] = b->names[i];
                b->kinds[b->n_read] = b->kinds[i];
                n_used += b->kinds[i] != CSV_KIND_UNUSED;
                b->read_index[b->n_read++] = i;
            }
        free(absent);
        b->typed = 1; /* the typed-column path handles absent columns */
        schema.n_features = b->n_read;
        if (!n_used) {
            char hint[200];
            fprintf(stderr, "frost %s: %s: none of the model's columns is present", cmd,
                    o->in_path);
            if (csv_table_separator_hint(t, hint, sizeof hint))
                fprintf(stderr, "; %s", hint);
            fputc('\n', stderr);
            return CLI_FAIL;
        }
        rc = csv_table_bind(t, &schema, &e);
    }
    if (rc)
        return cli_error(cmd, o->in_path, rc, e.msg);
    if (o->verbose && csv_table_n_ignored(t)) {
        fprintf(stderr, "frost %s: ignoring %zu column(s) the model does not use:", cmd,
                csv_table_n_ignored(t));
        for (size_t i = 0; i < csv_table_n_ignored(t); i++)
            fprintf(stderr, " %s", csv_table_column_name(t, csv_table_ignored_column(t, i), NULL));
        fputc('\n', stderr);
    }
    return CLI_OK;
}

/* The pipeline's shape: what each batch holds, how many batches are in flight. */
static int size_pipeline(const char *cmd, pipe_ctx *P, const options *o, const frost_info *info,
                         csv_table *t, const binding *b)
{
    P->mode = o->mode;
    P->width = o->mode == MODE_TRANSFORM ? info->n_transform_outputs
               : o->mode == MODE_PROBA   ? info->n_classes
               : o->mode == MODE_SCORE   ? 1
                                         : info->n_outputs;
    P->n_feat = b->n_read;
    P->n_str = csv_table_n_strings(t);
    P->n_keep = csv_table_n_kept(t);
    P->use_columns = b->typed;
    for (uint32_t j = 0; j < b->n_read; j++)
        P->n_cols += b->kinds[j] != CSV_KIND_UNUSED;
    P->n_slots = o->threads > 1 ? 2 * (size_t)o->threads : 1;
    size_t row_bytes = b->n_read * sizeof(double) +
                       P->n_str * (sizeof(csv_str) + sizeof(frost_string)) +
                       P->n_keep * sizeof(csv_str) + P->width * sizeof(double);
    size_t rows = BATCH_ROWS;
    if (row_bytes && rows > BATCH_BYTES / row_bytes)
        rows = BATCH_BYTES / row_bytes ? BATCH_BYTES / row_bytes : 1;
    fr_err e = {0};
    if (make_slots(P, t, b->kinds, b->read_index, rows, &e)) {
        fprintf(stderr, "frost %s: %s\n", cmd, e.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
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
    int rc = frost_open(o.model_path, &o.open, &m);
    if (rc) {
        options_free(&o);
        return cli_error(cmd, o.model_path, rc, frost_errmsg(NULL));
    }
    double t_open = now_ms();
    frost_info info = {.size = sizeof info};
    frost_model_info(m, &info);
    FILE *in = NULL;
    output out = {0};
    int out_open = 0;
    csv_table *t = NULL;
    binding b = {0};
    fr_err e = {0};
    pipe_ctx P = {.m = m, .info = &info};
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.work, NULL);
    pthread_cond_init(&P.done, NULL);

    if ((status = model_fits(cmd, &o, &info)))
        goto close_all;
    status = CLI_FAIL;
    in = strcmp(o.in_path, "-") == 0 ? stdin : fopen(o.in_path, "rb");
    if (!in) {
        perror(o.in_path);
        goto close_all;
    }
    if ((rc = csv_table_open(in, NULL, &t, &e)) ||
        (o.n_keep && (rc = csv_table_keep(t, (const char *const *)o.keep, o.n_keep, &e)))) {
        cli_error(cmd, o.in_path, rc, e.msg);
        goto close_all;
    }
    if (bind_inputs(cmd, &o, m, &info, t, &b) || size_pipeline(cmd, &P, &o, &info, t, &b) ||
        output_open(&out, cmd, o.out_path, o.model_path, o.in_path))
        goto close_all;
    out_open = 1;
    const char *out_name = o.out_path ? o.out_path : "stdout";
    size_t total_rows = 0;
    if (write_header(out.f, m, &info, o.mode, t)) {
        cli_write_error(cmd, out_name, errno);
        goto close_all;
    }
    status = run_pipeline(&P, t, out.f, out_name, o.threads, cmd, o.model_path, o.in_path,
                          o.timing, t0, t_open, &total_rows);
    if (status == CLI_OK && (fflush(out.f) != 0 || ferror(out.f))) {
        cli_write_error(cmd, out_name, errno);
        status = CLI_FAIL;
    }
    if (status == CLI_OK && o.timing) {
        long hwm = peak_rss_kib();
        fprintf(stderr, "frost %s: %zu rows in %.3f ms", cmd, total_rows, now_ms() - t0);
        if (hwm >= 0)
            fprintf(stderr, ", peak RSS %.1f MiB", (double)hwm / 1024.0);
        fputc('\n', stderr);
    }
close_all:
    if (out_open && output_close(&out, cmd, status == CLI_OK) && status == CLI_OK)
        status = CLI_FAIL;
    free_slots(&P);
    pthread_mutex_destroy(&P.mu);
    pthread_cond_destroy(&P.work);
    pthread_cond_destroy(&P.done);
    csv_table_free(t);
    if (in && in != stdin)
        fclose(in);
    binding_free(&b);
    options_free(&o);
    frost_close(m);
    return status;
}

int cmd_predict(int argc, char **argv) { return run_cmd("predict", MODE_PREDICT, argc, argv); }

int cmd_transform(int argc, char **argv)
{
    return run_cmd("transform", MODE_TRANSFORM, argc, argv);
}
