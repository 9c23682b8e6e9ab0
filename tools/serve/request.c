/*
 * request.c — JSON request bodies into the typed columns frost scores, and results into JSON:
 * the Open Inference Protocol's inference request and response and model metadata, and
 * frost's plain {"rows": [...]} form (serve.h). No HTTP and no I/O, so tests/fuzz/fuzz_serve.c
 * drives it directly; JSON is jansson's, never parsed here.
 *
 * The wire shapes follow the Open Inference Protocol REST specification (KServe v2,
 * github.com/kserve/open-inference-protocol, specification/protocol/inference_rest.md):
 * "$inference_request" {id?, parameters?, inputs: [{name, shape, datatype, parameters?, data}],
 * outputs?: [{name}]}, tensor data "in row-major order", given flat or in its natural nested
 * form; "$inference_response" {model_name, model_version?, id?, outputs: [{name, shape,
 * datatype, data}]}; errors {"error": "..."}; datatypes BOOL, UINT8..UINT64, INT8..INT64, FP16,
 * FP32, FP64, BYTES.
 *
 * Values follow the input contract of `frost predict` where JSON can say the same thing, and
 * what scikit-learn makes of pandas.DataFrame(rows) where JSON says more:
 *  - null is a missing value (NaN in a numeric column, missing in a string column). JSON has no
 *    NaN: Python's json.dumps writes NaN, which is not JSON and is refused as malformed, with a
 *    hint to send null.
 *  - Numeric columns take numbers, and true/false as 1 and 0 (pandas gives scikit-learn a bool
 *    or object column, which it converts to 1.0/0.0). FP32 values are rounded to float32 as
 *    numpy's astype does; integer datatypes must hold integers in their range.
 *  - String columns take strings (any UTF-8, "" included: in JSON the empty string is a
 *    value, not a missing one) and null; a number or boolean there is refused, as scikit-learn's
 *    encoders refuse mixed types.
 *  - Unseen categories and missing values go to the model, which answers them as scikit-learn
 *    does (frost_predict_columns); what a step refuses comes back as 400 with frost's message.
 *  - Columns: named models match inputs by name (extra ones are ignored, as `frost predict`
 *    ignores extra CSV columns; missing ones are a 400 naming every one); columns the model
 *    lists but never reads may be absent or hold anything. Unnamed models take one [N, F]
 *    tensor, by position.
 * Every count is checked against what the body holds before anything is allocated.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

/* ---- JSON memory ------------------------------------------------------------------------- */

/* Each jansson allocation carries its size in front, so frees can be counted. */
typedef union jhead {
    size_t size;
    max_align_t align;
} jhead;

static atomic_size_t json_in_use;
static size_t json_limit = (size_t)1 << 30;
static _Thread_local size_t json_mine;  /* this thread's share (a request runs on one thread) */
static _Thread_local int json_refused;  /* why an allocation failed: SRV_TOO_LARGE, SRV_BUSY */

static void *json_alloc(size_t n)
{
    size_t total = n + sizeof(jhead);
    if (total < n || json_mine + total > json_limit) {
        json_refused = SRV_TOO_LARGE;
        return NULL;
    }
    size_t before = atomic_fetch_add_explicit(&json_in_use, total, memory_order_relaxed);
    jhead *h = before + total > json_limit ? NULL : malloc(total);
    if (!h) {
        atomic_fetch_sub_explicit(&json_in_use, total, memory_order_relaxed);
        json_refused = SRV_BUSY;
        return NULL;
    }
    h->size = total;
    json_mine += total;
    return h + 1;
}

static void json_release(void *p)
{
    if (!p)
        return;
    jhead *h = (jhead *)p - 1;
    atomic_fetch_sub_explicit(&json_in_use, h->size, memory_order_relaxed);
    json_mine = json_mine >= h->size ? json_mine - h->size : 0;
    free(h);
}

void srv_json_budget(size_t bytes)
{
    json_limit = bytes;
    json_set_alloc_funcs(json_alloc, json_release);
}

static int dump_to(const char *buf, size_t size, void *f)
{
    return fwrite(buf, 1, size, f) == size ? 0 : -1;
}

char *srv_json_text(const json_t *j, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    int rc = json_dump_callback(j, dump_to, f, JSON_COMPACT);
    if (fclose(f) != 0 || rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- errors ------------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int bad(int status, char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return status;
}

static const char *json_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Parses the body; 0 or a status with the reason. */
static int load(const char *body, size_t len, json_t **root, char *err, size_t cap)
{
    json_error_t je;
    json_refused = 0;
    if (len == 0) { /* the body may then be NULL, which jansson calls "wrong arguments" */
        *root = NULL;
        return bad(SRV_BAD_REQUEST, err, cap, "empty body: expected a JSON object");
    }
    *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (*root)
        return 0;
    if (json_refused == SRV_BUSY)
        return bad(SRV_BUSY, err, cap, "the server is busy: other requests hold its JSON memory "
                                       "(%zu MiB); retry", json_limit >> 20);
    if (json_refused == SRV_TOO_LARGE)
        return bad(SRV_TOO_LARGE, err, cap, "the request's JSON needs more than the server's "
                                            "%zu MiB of JSON memory; send fewer rows per request",
                   json_limit >> 20);
    const char *hint = "";
    if (strstr(je.text, "invalid token") &&
        (memmem(body, len, "NaN", 3) || memmem(body, len, "Infinity", 8)))
        hint = " (NaN and Infinity are not JSON: send null for a missing value)";
    return bad(SRV_BAD_REQUEST, err, cap, "malformed JSON at line %d, column %d: %s%s", je.line,
               je.column, je.text, hint);
}

/* ---- datatypes ---------------------------------------------------------------------------- */

typedef enum dtype {
    DT_BOOL, DT_U8, DT_U16, DT_U32, DT_U64, DT_I8, DT_I16, DT_I32, DT_I64, DT_FP16, DT_FP32,
    DT_FP64, DT_BYTES, DT_NONE
} dtype;

static const char *const dtype_names[] = {"BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8",
                                          "INT16", "INT32", "INT64", "FP16", "FP32", "FP64",
                                          "BYTES"};

static dtype dtype_of(const char *s)
{
    for (int i = 0; i < DT_NONE; i++)
        if (strcmp(s, dtype_names[i]) == 0)
            return (dtype)i;
    return DT_NONE;
}

/* One JSON value of a numeric column as a double. Returns NULL, or what is wrong with it. */
static const char *numeric_value(const json_t *j, dtype dt, double *out)
{
    if (json_is_null(j)) {
        *out = NAN;
        return NULL;
    }
    if (json_is_boolean(j)) {
        *out = json_is_true(j) ? 1.0 : 0.0;
        return NULL;
    }
    if (!json_is_number(j))
        return json_type_name(j);
    if (dt >= DT_U8 && dt <= DT_I64) {
        if (!json_is_integer(j))
            return "a number with a fraction";
        json_int_t v = json_integer_value(j);
        static const json_int_t lo[] = {0, 0, 0, 0, 0, -128, -32768, -2147483648LL, INT64_MIN};
        static const json_int_t hi[] = {0, 255, 65535, 4294967295LL, INT64_MAX, 127, 32767,
                                        2147483647LL, INT64_MAX};
        if (v < lo[dt] || v > hi[dt])
            return "an integer out of the datatype's range";
        *out = (double)v;
        return NULL;
    }
    double v = json_number_value(j);
    if (dt == DT_FP32 || dt == DT_FP16)
        v = (double)(float)v; /* numpy's astype(float32); FP16 values are carried as float32 */
    *out = v;
    return NULL;
}

/* ---- columns ------------------------------------------------------------------------------ */

static int alloc_columns(srv_batch *b, size_t n_cols, size_t n_num, size_t n_str, size_t rows,
                         char *err, size_t cap)
{
    b->n_rows = rows;
    b->cols = calloc(n_cols ? n_cols : 1, sizeof *b->cols);
    b->num = malloc((n_num && rows ? n_num * rows : 1) * sizeof *b->num);
    b->str = malloc((n_str && rows ? n_str * rows : 1) * sizeof *b->str);
    if (!b->cols || !b->num || !b->str)
        return bad(SRV_BUSY, err, cap, "out of memory");
    return 0;
}

void srv_batch_free(srv_batch *b)
{
    free(b->cols);
    free(b->num);
    free(b->str);
    json_decref(b->root);
    *b = (srv_batch){0};
}

/* Which outputs the request asks for: "outputs": [{"name": "label"}, ...], default all. */
static int parse_outputs(const json_t *root, const srv_model *v, srv_batch *b, char *err,
                         size_t cap)
{
    const json_t *outs = json_object_get(root, "outputs");
    b->want_label = 1;
    b->want_proba = v->info.has_proba;
    if (!outs)
        return 0;
    if (!json_is_array(outs))
        return bad(SRV_BAD_REQUEST, err, cap, "outputs: expected an array of {\"name\": ...}, "
                                              "got %s", json_type_name(outs));
    b->want_label = b->want_proba = 0;
    size_t i;
    const json_t *o;
    json_array_foreach(outs, i, o) {
        const json_t *name = json_object_get(o, "name");
        if (!json_is_object(o) || !json_is_string(name))
            return bad(SRV_BAD_REQUEST, err, cap, "outputs[%zu]: expected {\"name\": \"label\"} "
                                                  "or {\"name\": \"probabilities\"}", i);
        const char *s = json_string_value(name);
        if (strcmp(s, "label") == 0)
            b->want_label = 1;
        else if (strcmp(s, "probabilities") == 0 && v->info.has_proba)
            b->want_proba = 1;
        else if (strcmp(s, "probabilities") == 0)
            return bad(SRV_BAD_REQUEST, err, cap, "outputs[%zu]: this model gives no "
                                                  "probabilities (its only output is 'label')", i);
        else
            return bad(SRV_BAD_REQUEST, err, cap, "outputs[%zu]: unknown output '%s' (this model "
                                                  "has: label%s)", i, s,
                       v->info.has_proba ? ", probabilities" : "");
    }
    return 0;
}

/* One input tensor of an inference request, checked. */
typedef struct tensor {
    const char *name;
    size_t name_len;
    dtype dt;
    size_t dims[2];
    size_t rank;
    const json_t *data;
    int nested;         /* data given as rows of arrays */
} tensor;

/* Element k (row-major) of a checked tensor. */
static const json_t *element(const tensor *t, size_t k)
{
    if (!t->nested)
        return json_array_get(t->data, k);
    size_t w = t->dims[1];
    return json_array_get(json_array_get(t->data, k / w), k % w);
}

/* Checks inputs[i]'s fields and that data holds exactly shape's element count. */
static int parse_tensor(const json_t *in, size_t i, tensor *t, char *err, size_t cap)
{
    if (!json_is_object(in))
        return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu]: expected an object, got %s", i,
                   json_type_name(in));
    const json_t *name = json_object_get(in, "name"), *shape = json_object_get(in, "shape");
    const json_t *dt = json_object_get(in, "datatype"), *data = json_object_get(in, "data");
    if (!json_is_string(name))
        return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].name: expected a string", i);
    t->name = json_string_value(name);
    t->name_len = json_string_length(name);
    if (!json_is_string(dt))
        return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].datatype ('%s'): expected a string "
                                              "(FP64, FP32, INT64, BOOL, BYTES, ...)", i, t->name);
    t->dt = dtype_of(json_string_value(dt));
    if (t->dt == DT_NONE)
        return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].datatype ('%s'): unknown datatype "
                                              "'%.40s' (expected BOOL, INT8..INT64, UINT8..UINT64, "
                                              "FP16, FP32, FP64 or BYTES)", i, t->name,
                   json_string_value(dt));
    if (!json_is_array(shape) || json_array_size(shape) < 1 || json_array_size(shape) > 2)
        return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].shape ('%s'): expected [N] or "
                                              "[N, F]", i, t->name);
    t->rank = json_array_size(shape);
    size_t total = 1;
    for (size_t d = 0; d < t->rank; d++) {
        const json_t *dim = json_array_get(shape, d);
        if (!json_is_integer(dim) || json_integer_value(dim) < 0)
            return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].shape ('%s'): dimension %zu is "
                                                  "not a non-negative integer", i, t->name, d);
        json_int_t v = json_integer_value(dim);
        if ((unsigned long long)v > SIZE_MAX || __builtin_mul_overflow(total, (size_t)v, &total))
            return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].shape ('%s'): too large", i,
                       t->name);
        t->dims[d] = (size_t)v;
    }
    if (!json_is_array(data))
        return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].data ('%s'): expected an array", i,
                   t->name);
    t->data = data;
    size_t n = json_array_size(data);
    t->nested = n && json_is_array(json_array_get(data, 0));
    if (!t->nested) {
        if (n != total)
            return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].data ('%s'): %zu values, but "
                                                  "shape holds %zu", i, t->name, n, total);
        return 0;
    }
    /* the natural form: one array per row of a [N, F] tensor (or [N, 1]) */
    size_t w = t->rank == 2 ? t->dims[1] : 1;
    if (n != t->dims[0])
        return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].data ('%s'): %zu rows, but shape "
                                              "has %zu", i, t->name, n, t->dims[0]);
    for (size_t r = 0; r < n; r++) {
        const json_t *row = json_array_get(data, r);
        if (!json_is_array(row) || json_array_size(row) != w)
            return bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].data[%zu] ('%s'): expected %zu "
                                                  "values, as shape says", i, r, t->name, w);
        if (t->rank == 1) /* [N] given as [[v], [v], ...]: read as [N, 1] */
            t->dims[1] = 1;
    }
    if (t->rank == 1)
        t->rank = 2;
    return 0;
}

/* Fills one column from a tensor column: values of column c of t (width w). */
static int fill_column(const srv_model *v, uint32_t input, const tensor *t, size_t ti, size_t c,
                       size_t w, frost_column *col, double *num, frost_string *str, char *err,
                       size_t cap)
{
    size_t n = t->dims[0];
    const char *what = v->named ? frost_feature_name(v->m, input) : NULL;
    char label[300];
    if (what)
        snprintf(label, sizeof label, "input '%s' (inputs[%zu])", what, ti);
    else
        snprintf(label, sizeof label, "inputs[%zu] column %zu", ti, c);
    if (frost_input_kind_of(v->m, input) == FROST_INPUT_STRING) {
        if (t->dt != DT_BYTES)
            return bad(SRV_BAD_REQUEST, err, cap, "%s: datatype %s, but the model takes strings "
                                                  "here (BYTES)", label, dtype_names[t->dt]);
        for (size_t r = 0; r < n; r++) {
            const json_t *e = element(t, r * w + c);
            if (json_is_null(e)) {
                str[r] = (frost_string){NULL, 0};
            } else if (json_is_string(e)) {
                str[r] = (frost_string){json_string_value(e), json_string_length(e)};
            } else {
                return bad(SRV_BAD_REQUEST, err, cap, "%s, row %zu: %s where the model takes "
                                                      "strings", label, r + 1, json_type_name(e));
            }
        }
        col->type = FROST_COLUMN_STRING;
        col->values = str;
        return 0;
    }
    if (t->dt == DT_BYTES)
        return bad(SRV_BAD_REQUEST, err, cap, "%s: datatype BYTES, but the model takes numbers "
                                              "here (FP64, FP32, INT64 or BOOL)", label);
    for (size_t r = 0; r < n; r++) {
        const json_t *e = element(t, r * w + c);
        const char *wrong = numeric_value(e, t->dt, &num[r]);
        if (wrong)
            return bad(SRV_BAD_REQUEST, err, cap, "%s, row %zu: %s where datatype %s wants %s",
                       label, r + 1, wrong, dtype_names[t->dt],
                       t->dt == DT_BOOL ? "true, false or null"
                       : t->dt <= DT_I64 ? "an integer or null" : "a number or null");
        if (t->dt == DT_BOOL && !json_is_boolean(e) && !json_is_null(e))
            return bad(SRV_BAD_REQUEST, err, cap, "%s, row %zu: %s where datatype BOOL wants "
                                                  "true, false or null", label, r + 1,
                       json_type_name(e));
    }
    col->type = FROST_COLUMN_DOUBLE;
    col->values = num;
    return 0;
}

int srv_parse_infer(const char *body, size_t len, const srv_model *v, srv_batch *b, char *err,
                    size_t cap)
{
    *b = (srv_batch){0};
    int st = load(body, len, &b->root, err, cap);
    if (st)
        return st;
    const json_t *root = b->root;
    if (!json_is_object(root))
        return bad(SRV_BAD_REQUEST, err, cap, "expected a JSON object {\"inputs\": [...]}, got %s",
                   json_type_name(root));
    b->id = json_object_get(root, "id");
    if (b->id && !json_is_string(b->id))
        return bad(SRV_BAD_REQUEST, err, cap, "id: expected a string, got %s",
                   json_type_name(b->id));
    if ((st = parse_outputs(root, v, b, err, cap)))
        return st;
    const json_t *inputs = json_object_get(root, "inputs");
    if (!json_is_array(inputs) || json_array_size(inputs) == 0)
        return bad(SRV_BAD_REQUEST, err, cap, "inputs: expected a non-empty array of tensors");
    size_t n_in = json_array_size(inputs);
    tensor *ts = calloc(n_in, sizeof *ts);
    if (!ts)
        return bad(SRV_BUSY, err, cap, "out of memory");
    const uint32_t F = v->info.n_inputs;
    size_t rows = 0, n_num = 0, n_str = 0, n_cols = 0;
    int64_t *which = calloc(n_in, sizeof *which); /* the model input each tensor feeds, or -1 */
    if (!which) {
        free(ts);
        return bad(SRV_BUSY, err, cap, "out of memory");
    }
    for (size_t i = 0; i < n_in && !st; i++) {
        tensor *t = &ts[i];
        if ((st = parse_tensor(json_array_get(inputs, i), i, t, err, cap)))
            break;
        if (i == 0)
            rows = t->dims[0];
        else if (t->dims[0] != rows)
            st = bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].shape ('%s'): %zu rows, but "
                                                "inputs[0] has %zu", i, t->name, t->dims[0], rows);
        if (st)
            break;
        if (!v->named) {
            if (n_in != 1)
                st = bad(SRV_BAD_REQUEST, err, cap, "inputs: this model has no column names; "
                                                    "send one input 'input' of shape [N, %u]", F);
            else if (t->rank != 2 || t->dims[1] != F)
                st = bad(SRV_BAD_REQUEST, err, cap, "inputs[0].shape ('%s'): the model takes %u "
                                                    "columns by position: expected [N, %u]",
                         t->name, F, F);
            for (uint32_t j = 0; !st && j < F; j++)
                if (frost_input_kind_of(v->m, j) != FROST_INPUT_UNUSED) {
                    n_cols++;
                    if (frost_input_kind_of(v->m, j) == FROST_INPUT_STRING)
                        n_str++;
                    else
                        n_num++;
                }
            continue;
        }
        if (t->rank == 2 && t->dims[1] != 1) {
            st = bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].shape ('%s'): one column per input: "
                                                "expected [N] or [N, 1]", i, t->name);
            break;
        }
        uint32_t count;
        which[i] = srv_model_input(v, t->name, t->name_len, &count);
        if (which[i] < 0 || frost_input_kind_of(v->m, (uint32_t)which[i]) == FROST_INPUT_UNUSED)
            continue; /* a column the model does not read: ignored, as frost predict does */
        /* a name given more often than the model has inputs of that name is ambiguous */
        uint32_t seen = 1;
        for (size_t k = 0; k < i; k++)
            seen += which[k] == which[i];
        if (seen > count) {
            st = bad(SRV_BAD_REQUEST, err, cap, "inputs[%zu].name: input '%s' is given more "
                                                "than once", i, t->name);
            break;
        }
        n_cols++;
        if (frost_input_kind_of(v->m, (uint32_t)which[i]) == FROST_INPUT_STRING)
            n_str++;
        else
            n_num++;
    }
    if (!st)
        st = alloc_columns(b, n_cols, n_num, n_str, rows, err, cap);
    size_t c = 0, inum = 0, istr = 0;
    if (!st && !v->named) {
        for (uint32_t j = 0; j < F && !st; j++) {
            if (frost_input_kind_of(v->m, j) == FROST_INPUT_UNUSED)
                continue;
            frost_column *col = &b->cols[c++];
            col->index = j;
            int is_str = frost_input_kind_of(v->m, j) == FROST_INPUT_STRING;
            st = fill_column(v, j, &ts[0], 0, j, F, col, b->num + inum * rows,
                             b->str + istr * rows, err, cap);
            is_str ? istr++ : inum++;
        }
    } else if (!st) {
        for (size_t i = 0; i < n_in && !st; i++) {
            if (which[i] < 0 ||
                frost_input_kind_of(v->m, (uint32_t)which[i]) == FROST_INPUT_UNUSED)
                continue;
            frost_column *col = &b->cols[c++];
            col->name = ts[i].name;
            int is_str = frost_input_kind_of(v->m, (uint32_t)which[i]) == FROST_INPUT_STRING;
            st = fill_column(v, (uint32_t)which[i], &ts[i], i, 0, 1, col,
                             b->num + inum * rows, b->str + istr * rows, err, cap);
            is_str ? istr++ : inum++;
        }
    }
    b->n_cols = c;
    free(ts);
    free(which);
    return st;
}

/* ---- frost's rows ------------------------------------------------------------------------- */

/* One value of row r for input j, from a row object (by name) or array (by position). */
static const json_t *row_value(const srv_model *v, const json_t *row, uint32_t j)
{
    if (json_is_array(row))
        return json_array_get(row, j);
    return v->named ? json_object_get(row, frost_feature_name(v->m, j)) : NULL;
}

int srv_parse_rows(const char *body, size_t len, const srv_model *v, srv_batch *b, char *err,
                   size_t cap)
{
    *b = (srv_batch){0};
    int st = load(body, len, &b->root, err, cap);
    if (st)
        return st;
    const json_t *rows = json_object_get(b->root, "rows");
    if (!json_is_object(b->root) || !json_is_array(rows))
        return bad(SRV_BAD_REQUEST, err, cap, "expected {\"rows\": [{\"column\": value, ...}, "
                                              "...]}");
    b->want_label = 1;
    b->want_proba = v->info.has_proba;
    const uint32_t F = v->info.n_inputs;
    size_t n = json_array_size(rows);
    uint8_t *present = calloc(F ? F : 1, 1);
    if (!present)
        return bad(SRV_BUSY, err, cap, "out of memory");
    for (size_t r = 0; r < n && !st; r++) {
        const json_t *row = json_array_get(rows, r);
        if (json_is_array(row)) {
            if (json_array_size(row) != F)
                st = bad(SRV_BAD_REQUEST, err, cap, "row %zu: %zu values, but the model takes "
                                                    "%u columns", r + 1, json_array_size(row), F);
            for (uint32_t j = 0; j < F; j++)
                present[j] = 1;
        } else if (json_is_object(row) && v->named) {
            const char *key;
            const json_t *val;
            json_object_foreach((json_t *)row, key, val) {
                int64_t j = srv_model_input(v, key, strlen(key), NULL);
                if (j >= 0)
                    present[j] = 1;
            }
        } else if (json_is_object(row)) {
            st = bad(SRV_BAD_REQUEST, err, cap, "row %zu: this model has no column names; give "
                                                "each row as an array of %u values", r + 1, F);
        } else {
            st = bad(SRV_BAD_REQUEST, err, cap, "row %zu: expected an object {\"column\": value} "
                                                "or an array, got %s", r + 1, json_type_name(row));
        }
    }
    size_t n_cols = 0, n_num = 0, n_str = 0;
    for (uint32_t j = 0; j < F && !st; j++)
        if (present[j] && frost_input_kind_of(v->m, j) != FROST_INPUT_UNUSED) {
            n_cols++;
            frost_input_kind_of(v->m, j) == FROST_INPUT_STRING ? n_str++ : n_num++;
        }
    if (!st)
        st = alloc_columns(b, n_cols, n_num, n_str, n, err, cap);
    size_t c = 0, inum = 0, istr = 0;
    for (uint32_t j = 0; j < F && !st; j++) {
        frost_input_kind k = frost_input_kind_of(v->m, j);
        if (!present[j] || k == FROST_INPUT_UNUSED)
            continue;
        frost_column *col = &b->cols[c++];
        const char *name = v->named ? frost_feature_name(v->m, j) : NULL;
        col->name = name;
        col->index = j;
        char label[300];
        if (name)
            snprintf(label, sizeof label, "column '%s'", name);
        else
            snprintf(label, sizeof label, "column %u", j);
        if (k == FROST_INPUT_STRING) {
            frost_string *s = b->str + istr++ * n;
            col->type = FROST_COLUMN_STRING;
            col->values = s;
            for (size_t r = 0; r < n && !st; r++) {
                const json_t *e = row_value(v, json_array_get(rows, r), j);
                if (!e || json_is_null(e))
                    s[r] = (frost_string){NULL, 0};
                else if (json_is_string(e))
                    s[r] = (frost_string){json_string_value(e), json_string_length(e)};
                else
                    st = bad(SRV_BAD_REQUEST, err, cap, "row %zu, %s: %s where the model takes "
                                                        "strings", r + 1, label, json_type_name(e));
            }
        } else {
            double *x = b->num + inum++ * n;
            col->type = FROST_COLUMN_DOUBLE;
            col->values = x;
            for (size_t r = 0; r < n && !st; r++) {
                const json_t *e = row_value(v, json_array_get(rows, r), j);
                const char *wrong = e ? numeric_value(e, DT_FP64, &x[r]) : NULL;
                if (!e)
                    x[r] = NAN;
                if (wrong)
                    st = bad(SRV_BAD_REQUEST, err, cap, "row %zu, %s: %s where the model takes "
                                                        "numbers", r + 1, label, wrong);
            }
        }
    }
    b->n_cols = c;
    free(present);
    return st;
}

/* ---- answers ------------------------------------------------------------------------------ */

/* The JSON of class index of output k: as the label was in Python (int, float, bool, str). */
static json_t *label_json(const frost_model *m, uint32_t k, uint32_t index)
{
    const char *s = frost_class_label(m, k, index);
    if (!s)
        return json_null();
    switch (frost_class_kind(m, k)) {
    case FROST_LABEL_INT: {
        errno = 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (!errno && !*end)
            return json_integer(v);
        break;
    }
    case FROST_LABEL_FLOAT: {
        char *end;
        double v = strtod(s, &end);
        if (!*end && isfinite(v))
            return json_real(v);
        break;
    }
    case FROST_LABEL_BOOL:
        return json_boolean(strcmp(s, "True") == 0);
    default:
        break;
    }
    json_t *j = json_string(s);
    return j ? j : json_null();
}

static json_t *real_json(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The datatype the label tensor is given in. */
static const char *label_datatype(const srv_model *v)
{
    if (v->info.task != FROST_TASK_CLASSIFIER)
        return "FP64";
    frost_label_kind kind = frost_class_kind(v->m, 0);
    for (uint32_t k = 1; k < v->info.n_outputs; k++)
        if (frost_class_kind(v->m, k) != kind)
            return "BYTES"; /* mixed kinds: labels are JSON values of their own kinds */
    return kind == FROST_LABEL_INT ? "INT64" : kind == FROST_LABEL_FLOAT ? "FP64"
           : kind == FROST_LABEL_BOOL ? "BOOL" : "BYTES";
}

static json_t *shape_json(long long a, long long b, int rank)
{
    return rank == 1 ? json_pack("[I]", (json_int_t)a) : json_pack("[II]", (json_int_t)a,
                                                                   (json_int_t)b);
}

/* Adds v to array a; 0, or -1 when either failed (out of JSON memory). */
static int push(json_t *a, json_t *v)
{
    return v && a ? json_array_append_new(a, v) : (json_decref(v), -1);
}

/* The predictions as JSON values: flat (infer), or one per row (a list per row for
 * multi-output models). */
static json_t *labels_json(const srv_model *v, const double *pred, size_t n, int flat)
{
    const uint32_t K = v->info.n_outputs;
    const int clf = v->info.task == FROST_TASK_CLASSIFIER;
    json_t *a = json_array();
    for (size_t r = 0; a && r < n; r++) {
        json_t *row = flat || K == 1 ? a : json_array();
        for (uint32_t k = 0; k < K; k++) {
            double x = pred[r * K + k];
            json_t *e = clf ? label_json(v->m, k, (uint32_t)x) : real_json(x);
            if (push(row, e))
                goto fail;
        }
        if (row != a && push(a, row))
            goto fail;
    }
    return a;
fail:
    json_decref(a);
    return NULL;
}

static json_t *proba_json(const double *p, size_t n, size_t K, int flat)
{
    json_t *a = json_array();
    for (size_t r = 0; a && r < n; r++) {
        json_t *row = flat ? a : json_array();
        for (size_t c = 0; c < K; c++)
            if (push(row, real_json(p[r * K + c])))
                goto fail;
        if (row != a && push(a, row))
            goto fail;
    }
    return a;
fail:
    json_decref(a);
    return NULL;
}

/* The classes, in classes_ order: a list (one output) or a list per output. */
static json_t *classes_json(const srv_model *v)
{
    json_t *all = json_array();
    for (uint32_t k = 0; all && k < v->info.n_outputs; k++) {
        json_t *one = v->info.n_outputs == 1 ? all : json_array();
        for (uint32_t c = 0; c < frost_class_count(v->m, k); c++)
            if (push(one, label_json(v->m, k, c)))
                goto fail;
        if (one != all && push(all, one))
            goto fail;
    }
    return all;
fail:
    json_decref(all);
    return NULL;
}

/* What a scoring failure is: the request's fault (400) unless the file or memory failed. */
static int score_status(int rc)
{
    return rc == FROST_EIO || rc == FROST_ECORRUPT || rc == FROST_EVERSION ? 500
           : rc == FROST_ENOMEM ? 503 : 400;
}

json_t *srv_score_json(srv_model *v, const srv_batch *b, int infer, int *status, char *err,
                       size_t cap)
{
    const size_t n = b->n_rows;
    const size_t K = v->info.n_outputs, C = v->info.n_classes;
    double *pred = NULL, *proba = NULL;
    json_t *out = NULL;
    *status = 503;
    json_refused = 0;
    if (b->want_label && !(pred = malloc((n ? n : 1) * K * sizeof *pred)))
        goto nomem;
    if (b->want_proba && !(proba = malloc((n ? n : 1) * C * sizeof *proba)))
        goto nomem;
    int rc = 0;
    if (n && pred)
        rc = frost_predict_columns(v->m, b->cols, b->n_cols, n, pred);
    if (n && !rc && proba)
        rc = frost_predict_proba_columns(v->m, b->cols, b->n_cols, n, proba);
    if (rc) {
        *status = score_status(rc);
        snprintf(err, cap, "%s", frost_errmsg(v->m));
        goto done;
    }
    atomic_fetch_add_explicit(&v->slot->stats.rows, n, memory_order_relaxed);
    const int clf = v->info.task == FROST_TASK_CLASSIFIER;
    if (infer) {
        json_t *outputs = json_array();
        out = json_pack("{s:s}", "model_name", v->slot->name);
        if (!out || !outputs) {
            json_decref(outputs);
            goto nomem;
        }
        if (v->version[0] && json_object_set_new(out, "model_version", json_string(v->version)))
            goto nomem;
        if (b->id && json_object_set(out, "id", b->id))
            goto nomem;
        if (json_object_set_new(out, "outputs", outputs))
            goto nomem;
        if (pred && push(outputs, json_pack("{s:s, s:s, s:o*, s:o*}", "name", "label", "datatype",
                                            label_datatype(v), "shape",
                                            shape_json((long long)n, (long long)K, K == 1 ? 1 : 2),
                                            "data", labels_json(v, pred, n, 1))))
            goto nomem;
        if (proba && push(outputs, json_pack("{s:s, s:s, s:o*, s:o*}", "name", "probabilities",
                                             "datatype", "FP64", "shape",
                                             shape_json((long long)n, (long long)C, 2), "data",
                                             proba_json(proba, n, C, 1))))
            goto nomem;
    } else {
        out = json_pack("{s:o*}", "predictions", labels_json(v, pred, n, 0));
        if (!out || !json_object_get(out, "predictions"))
            goto nomem;
        if (v->version[0] && json_object_set_new(out, "model_version", json_string(v->version)))
            goto nomem;
        if (proba && json_object_set_new(out, "probabilities", proba_json(proba, n, C, 0)))
            goto nomem;
        if (clf && json_object_set_new(out, "classes", classes_json(v)))
            goto nomem;
    }
    *status = 200;
    goto done;
nomem:
    json_decref(out);
    out = NULL;
    *status = json_refused == SRV_TOO_LARGE ? SRV_TOO_LARGE : 503;
    snprintf(err, cap, json_refused == SRV_TOO_LARGE
                           ? "the answer needs more than the server's JSON memory; send fewer "
                             "rows per request"
                           : "the server is busy (out of memory); retry");
done:
    free(pred);
    free(proba);
    return out;
}

json_t *srv_model_metadata(const srv_model *v)
{
    const uint32_t F = v->info.n_inputs;
    json_t *inputs = json_array(), *outputs = json_array();
    if (v->named) {
        for (uint32_t j = 0; j < F; j++) {
            frost_input_kind k = frost_input_kind_of(v->m, j);
            json_t *t = json_pack("{s:s, s:s, s:[i]}", "name", frost_feature_name(v->m, j),
                                  "datatype", k == FROST_INPUT_STRING ? "BYTES" : "FP64",
                                  "shape", -1);
            /* listed by the model but never read: may be absent or hold anything */
            if (t && k == FROST_INPUT_UNUSED)
                json_object_set_new(t, "parameters", json_pack("{s:b}", "unused", 1));
            push(inputs, t);
        }
    } else {
        int any_str = 0;
        for (uint32_t j = 0; j < F; j++)
            any_str |= frost_input_kind_of(v->m, j) == FROST_INPUT_STRING;
        push(inputs, json_pack("{s:s, s:s, s:[i,I]}", "name", "input", "datatype",
                               any_str ? "BYTES" : "FP64", "shape", -1, (json_int_t)F));
    }
    const uint32_t K = v->info.n_outputs;
    push(outputs, json_pack("{s:s, s:s, s:o*}", "name", "label", "datatype", label_datatype(v),
                            "shape", K == 1 ? json_pack("[i]", -1) : json_pack("[i,I]", -1,
                                                                                (json_int_t)K)));
    if (v->info.has_proba)
        push(outputs, json_pack("{s:s, s:s, s:[i,I]}", "name", "probabilities", "datatype",
                                "FP64", "shape", -1, (json_int_t)v->info.n_classes));
    json_t *md = json_pack("{s:s, s:[], s:s, s:o*, s:o*}", "name", v->slot->name, "versions",
                           "platform", "frost", "inputs", inputs, "outputs", outputs);
    if (!md)
        return NULL;
    if (v->version[0])
        json_array_append_new(json_object_get(md, "versions"), json_string(v->version));
    if (v->info.task == FROST_TASK_CLASSIFIER)
        json_object_set_new(md, "parameters", json_pack("{s:o*}", "classes", classes_json(v)));
    return md;
}
