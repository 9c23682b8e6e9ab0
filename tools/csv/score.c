/*
 * score.c — a CSV stream scored by a model into CSV text (score.h): the binding of the header
 * to the model's inputs, the output header and lines, and the batch pipeline shared by `frost
 * predict`, `frost transform` and `frost serve`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv/score.h"
#include "csv/table.h"

#define BATCH_ROWS 4096
/* A batch's arrays stay under this, so 15,000-column inputs take fewer rows per batch rather
 * than half a gigabyte per batch in flight. */
#define BATCH_BYTES ((size_t)16 << 20)
#define MAX_THREADS 256

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Records a failure in *st; returns -1. */
__attribute__((format(printf, 4, 5)))
static int fail(csv_score_status *st, csv_score_blame blame, int rc, const char *fmt, ...)
{
    st->rc = rc;
    st->blame = blame;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* A failure whose detail is e's message, or the code's name when it has none. */
static int fail_with(csv_score_status *st, csv_score_blame blame, int rc, const fr_err *e)
{
    return fail(st, blame, rc, "%s", e->msg[0] ? e->msg : frost_strerror(rc));
}

/* ---- the pipeline's state ----------------------------------------------------------------- */

/* One batch in the ring: its rows, what the model is given, its results and its text. */
typedef struct slot {
    csv_batch *b;
    frost_string *strs; /* b->cap × n_str: the string columns as the model takes them */
    frost_column *cols; /* the columns handed to frost_*_columns */
    double *res;        /* b->cap × width */
    csv_text text;      /* the batch's output lines */
    int rc;             /* 0, or why scoring or formatting failed */
    char err[640];      /* the message for rc (frost_errmsg is per thread) */
    double t_scored;    /* when scoring finished */
    int done;           /* scored and formatted; guarded by scorer.mu once workers run */
} slot;

/* Which CSV columns feed which model inputs. */
typedef struct binding {
    const char **names;   /* per bound feature: the input's name (NULL without names) */
    csv_kind *kinds;      /* per bound feature: how its column is read */
    uint32_t *read_index; /* per bound feature: the model input it is */
    uint32_t n_read;      /* features bound (the model's inputs, less absent ones) */
    int typed;            /* score through typed columns (strings, unused or absent inputs) */
} binding;

struct csv_scorer {
    frost_model *m;
    frost_info info;
    csv_score_options o;
    csv_table *t;
    binding b;
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
};

/* ---- header and lines --------------------------------------------------------------------- */

static int write_header(FILE *out, const csv_scorer *s)
{
    const frost_model *m = s->m;
    const frost_info *info = &s->info;
    for (size_t i = 0; i < s->n_keep; i++) {
        size_t len;
        const char *name = csv_table_column_name(s->t, csv_table_kept_column(s->t, i), &len);
        csv_write_field(out, name, len, ',', 0);
        fputc(',', out);
    }
    if (s->o.mode == CSV_SCORE_TRANSFORM) {
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
                            s->n_keep + info->n_transform_outputs == 1);
        }
        return fputc('\n', out) == EOF ? -1 : 0;
    }
    if (s->o.mode == CSV_SCORE_SAMPLES) {
        fputs("score_samples", out);
        return fputc('\n', out) == EOF ? -1 : 0;
    }
    if (s->o.mode == CSV_SCORE_PREDICT) {
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

static int format_rows(const csv_scorer *P, slot *s)
{
    const csv_batch *b = s->b;
    const int labels =
        P->o.mode == CSV_SCORE_PREDICT && P->info.task == FROST_TASK_CLASSIFIER;
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
static void score_slot(const csv_scorer *P, slot *s)
{
    csv_batch *b = s->b;
    size_t n = b->n_rows;
    for (size_t k = 0; k < n * P->n_str; k++) {
        s->strs[k].ptr = b->S[k].len ? b->S[k].ptr : NULL; /* an empty value is missing */
        s->strs[k].len = b->S[k].len;
    }
    int rc;
    if (P->o.mode == CSV_SCORE_TRANSFORM)
        rc = frost_transform(P->m, s->cols, P->n_cols, n, s->res);
    else if (P->use_columns)
        rc = P->o.mode == CSV_SCORE_PROBA
                 ? frost_predict_proba_columns(P->m, s->cols, P->n_cols, n, s->res)
             : P->o.mode == CSV_SCORE_SAMPLES
                 ? frost_score_samples_columns(P->m, s->cols, P->n_cols, n, s->res)
                 : frost_predict_columns(P->m, s->cols, P->n_cols, n, s->res);
    else
        rc = P->o.mode == CSV_SCORE_PROBA     ? frost_predict_proba(P->m, b->X, n, s->res)
             : P->o.mode == CSV_SCORE_SAMPLES ? frost_score_samples(P->m, b->X, n, s->res)
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
    csv_scorer *P = arg;
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

static void stop_workers(csv_scorer *P)
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
static int make_slots(csv_scorer *P, size_t rows, fr_err *e)
{
    const csv_kind *kinds = P->b.kinds;
    P->slots = calloc(P->n_slots, sizeof *P->slots);
    if (!P->slots)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    for (size_t i = 0; i < P->n_slots; i++) {
        slot *s = &P->slots[i];
        int rc = csv_batch_new(P->t, rows, &s->b, e);
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
            col->index = P->b.read_index[j];
            if (kinds[j] == CSV_KIND_STRING) {
                col->type = FROST_COLUMN_STRING;
                col->values = s->strs + csv_table_string_slot(P->t, j);
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

static void free_slots(csv_scorer *P)
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

static int slot_done(csv_scorer *P, slot *s, int wait)
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

/* ---- binding ------------------------------------------------------------------------------ */

static void binding_free(binding *b)
{
    free(b->names);
    free(b->kinds);
    free(b->read_index);
}

/* Binds the CSV header to the model's inputs: by name or position, unused inputs never read,
 * and with missing_as_nan the columns the CSV lacks left out (the model sees them
 * all-missing). Returns 0, or -1 with *st saying why. */
static int bind_inputs(csv_scorer *P, csv_score_status *st)
{
    frost_model *m = P->m;
    binding *b = &P->b;
    csv_table *t = P->t;
    const csv_score_options *o = &P->o;
    const uint32_t n_in = P->info.n_inputs;
    fr_err e = {0};
    b->names = calloc(n_in ? n_in : 1, sizeof *b->names);
    b->kinds = calloc(n_in ? n_in : 1, sizeof *b->kinds);
    b->read_index = calloc(n_in ? n_in : 1, sizeof *b->read_index);
    if (!b->names || !b->kinds || !b->read_index)
        return fail(st, CSV_SCORE_OTHER, FROST_ENOMEM, "out of memory");
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
    if (rc == FROST_ESCHEMA && named && o->missing_as_nan) {
        /* read only the columns present; the model sees the others as all-missing */
        size_t n_missing = csv_table_n_missing(t);
        uint8_t *absent = calloc(n_in, 1);
        if (!absent)
            return fail(st, CSV_SCORE_OTHER, FROST_ENOMEM, "out of memory");
        for (size_t i = 0; i < n_missing; i++)
            absent[csv_table_missing_feature(t, i)] = 1;
        if (o->log) {
            fprintf(o->log, "%s: %zu column(s) missing, treated as all-missing:",
                    o->log_prefix, n_missing);
            for (size_t i = 0; i < n_missing; i++)
                fprintf(o->log, " %s", b->names[csv_table_missing_feature(t, i)]);
            fputc('\n', o->log);
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
            if (csv_table_separator_hint(t, hint, sizeof hint))
                return fail(st, CSV_SCORE_INPUT, FROST_ESCHEMA,
                            "none of the model's columns is present; %s", hint);
            return fail(st, CSV_SCORE_INPUT, FROST_ESCHEMA,
                        "none of the model's columns is present");
        }
        rc = csv_table_bind(t, &schema, &e);
    }
    if (rc)
        return fail_with(st, CSV_SCORE_INPUT, rc, &e);
    if (o->log && csv_table_n_ignored(t)) {
        fprintf(o->log, "%s: ignoring %zu column(s) the model does not use:", o->log_prefix,
                csv_table_n_ignored(t));
        for (size_t i = 0; i < csv_table_n_ignored(t); i++)
            fprintf(o->log, " %s", csv_table_column_name(t, csv_table_ignored_column(t, i), NULL));
        fputc('\n', o->log);
    }
    return 0;
}

/* The pipeline's shape: what each batch holds, how many batches are in flight. */
static int size_pipeline(csv_scorer *P, csv_score_status *st)
{
    const binding *b = &P->b;
    P->width = P->o.mode == CSV_SCORE_TRANSFORM ? P->info.n_transform_outputs
               : P->o.mode == CSV_SCORE_PROBA   ? P->info.n_classes
               : P->o.mode == CSV_SCORE_SAMPLES ? 1
                                                : P->info.n_outputs;
    P->n_feat = b->n_read;
    P->n_str = csv_table_n_strings(P->t);
    P->n_keep = csv_table_n_kept(P->t);
    P->use_columns = b->typed;
    for (uint32_t j = 0; j < b->n_read; j++)
        P->n_cols += b->kinds[j] != CSV_KIND_UNUSED;
    P->n_slots = P->o.threads > 1 ? 2 * (size_t)P->o.threads : 1;
    size_t row_bytes = b->n_read * sizeof(double) +
                       P->n_str * (sizeof(csv_str) + sizeof(frost_string)) +
                       P->n_keep * sizeof(csv_str) + P->width * sizeof(double);
    size_t rows = BATCH_ROWS;
    if (row_bytes && rows > BATCH_BYTES / row_bytes)
        rows = BATCH_BYTES / row_bytes ? BATCH_BYTES / row_bytes : 1;
    fr_err e = {0};
    if (make_slots(P, rows, &e))
        return fail(st, CSV_SCORE_OTHER, FROST_ENOMEM, "%s", e.msg);
    return 0;
}

/* ---- the scorer --------------------------------------------------------------------------- */

int csv_scorer_new(frost_model *m, FILE *in, const csv_score_options *opts, csv_scorer **out,
                   csv_score_status *st)
{
    *out = NULL;
    *st = (csv_score_status){0};
    csv_scorer *P = calloc(1, sizeof *P);
    if (!P)
        return fail(st, CSV_SCORE_OTHER, FROST_ENOMEM, "out of memory");
    P->m = m;
    P->o = *opts;
    if (P->o.threads > MAX_THREADS)
        P->o.threads = MAX_THREADS;
    P->info.size = sizeof P->info;
    frost_model_info(m, &P->info);
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->work, NULL);
    pthread_cond_init(&P->done, NULL);
    fr_err e = {0};
    int rc;
    if ((rc = csv_table_open(in, NULL, &P->t, &e)) ||
        (opts->n_keep && (rc = csv_table_keep(P->t, opts->keep, opts->n_keep, &e)))) {
        fail_with(st, CSV_SCORE_INPUT, rc, &e);
        csv_scorer_free(P);
        return -1;
    }
    if (bind_inputs(P, st) || size_pipeline(P, st)) {
        csv_scorer_free(P);
        return -1;
    }
    *out = P;
    return 0;
}

void csv_scorer_free(csv_scorer *P)
{
    if (!P)
        return;
    stop_workers(P);
    free_slots(P);
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->work);
    pthread_cond_destroy(&P->done);
    csv_table_free(P->t);
    binding_free(&P->b);
    free(P);
}

/* Reads, scores and writes every batch. The order of events is the same for any thread count:
 * batch k is written only after batches 0..k-1, and the first failure in input order (a batch
 * the model rejected, else the reader's error after the rows before it) is the one reported. */
static int run_pipeline(csv_scorer *P, FILE *out, csv_score_status *st)
{
    const unsigned threads = P->o.threads;
    uint64_t n_read = 0, n_sub = 0, n_written = 0;
    int reading = 1, inline_mode = threads <= 1;
    int read_rc = 0;
    fr_err read_e = { 0 };
    while (reading || n_written < n_read) {
        if (reading && n_read - n_written < P->n_slots) {
            slot *s = &P->slots[n_read % P->n_slots];
            s->done = 0; /* free: no worker holds it */
            int rc = csv_table_fill(P->t, s->b, &read_e);
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
                return fail(st, CSV_SCORE_MODEL, s->rc, "%s", s->err);
            }
            if (n_written == 0)
                st->t_first_ms = s->t_scored;
            if (fwrite(s->text.ptr, 1, s->text.len, out) != s->text.len) {
                int err = errno;
                stop_workers(P);
                st->os_errno = err;
                return fail(st, CSV_SCORE_OUTPUT, FROST_EIO, "write error");
            }
            st->rows += s->b->n_rows;
            n_written++;
        }
    }
    stop_workers(P);
    if (read_rc)
        return fail_with(st, CSV_SCORE_INPUT, read_rc, &read_e);
    return 0;
}

int csv_scorer_run(csv_scorer *P, FILE *out, csv_score_status *st)
{
    *st = (csv_score_status){0};
    if (write_header(out, P)) {
        st->os_errno = errno;
        return fail(st, CSV_SCORE_OUTPUT, FROST_EIO, "write error");
    }
    return run_pipeline(P, out, st);
}
