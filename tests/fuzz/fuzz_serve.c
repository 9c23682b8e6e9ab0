/*
 * fuzz_serve.c — libFuzzer target for the request parsing of `frost serve` (tools/serve/
 * request.c): arbitrary bytes as the JSON body of an Open Inference Protocol /infer request or
 * of frost's /predict rows, parsed into typed columns for a model, scored, and answered in JSON.
 * HTTP parsing is libmicrohttpd's and JSON parsing jansson's; what is fuzzed is everything this
 * project does with what they hand over: tensors, shapes, datatypes, nested data, rows, the
 * mapping onto a model's named or positional, numeric or string inputs, and the answer.
 *
 * Besides memory safety (run with -fsanitize=fuzzer,address,undefined) it checks:
 *  - a parse returns 0 or one of 400, 413, 503, and a refusal always says why;
 *  - a parsed request has columns of exactly n_rows values, each a model input;
 *  - scoring a parsed request answers 200 with valid JSON whose outputs hold n_rows rows, or a
 *    400/413/500/503 with a reason — never anything else.
 *
 * Two models are built at start-up in a temporary directory: a pipeline with named inputs x0,
 * x1 (numbers) and color (a string: imputed, one-hot encoded) before a logistic regression
 * with string labels, built through the writer's internal API as tests/unit/test_pipeline.c
 * does; and an unnamed two-tree forest over three numeric inputs with integer labels, through
 * the public builder. The first input byte picks the model (bit 0) and the endpoint (bit 1);
 * the rest is the body.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "serve/serve.h"
#include "writer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_serve: check failed: %s (%s:%d)\n", #cond, __FILE__,     \
                    __LINE__);                                                            \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static srv_models models;
static srv_model *versions[2];

static int write_pipeline(const char *path)
{
    uint8_t kinds[3] = {FMT_SLOT_NUM, FMT_SLOT_NUM, FMT_SLOT_STR};
    fmt_program *p = fmt_program_new(NULL, 3, kinds);
    fr_err e = {0};
    uint32_t in01[2] = {0, 1}, first_imp, first_sc, first_str, first_oh;
    double fill[2] = {10, 20}, a[2] = {1, 2}, b[2] = {2, 4};
    fmt_op imp = {.opcode = FMT_OP_IMPUTE, .n_in = 2, .n_out = 2, .in = in01, .a = fill};
    if (!p || fmt_program_add(p, &imp, &first_imp, &e))
        return -1;
    uint32_t sc_in[2] = {first_imp, first_imp + 1};
    fmt_op sc = {.opcode = FMT_OP_SCALE, .n_in = 2, .n_out = 2, .in = sc_in, .a = a, .b = b};
    uint32_t color = 2;
    char *red = "red";
    fmt_op is = {.opcode = FMT_OP_IMPUTE_STR, .n_in = 1, .n_out = 1, .in = &color, .strs = &red};
    if (fmt_program_add(p, &sc, &first_sc, &e) || fmt_program_add(p, &is, &first_str, &e))
        return -1;
    char *cats[2] = {"blue", "red"};
    double targets[2] = {0, 1};
    fmt_op oh = {.opcode = FMT_OP_ENCODE, .n_in = 1, .n_out = 2, .in = &first_str,
                 .cat_kind = FMT_SLOT_STR, .n_cat = 2, .unknown = 1, .missing_cat = FMT_NONE,
                 .unknown_target = -1, .strs = cats, .targets = targets};
    if (fmt_program_add(p, &oh, &first_oh, &e))
        return -1;
    uint32_t outs[4] = {first_sc, first_sc + 1, first_oh, first_oh + 1};
    if (fmt_program_set_outputs(p, outs, 4, NULL, &e))
        return -1;
    frost_builder *bld;
    if (wr_builder_new_bare(NULL, &bld))
        return -1;
    fmt_linear *l = calloc(1, sizeof *l);
    l->task = FROST_TASK_CLASSIFIER;
    l->rule = FMT_LIN_LOGISTIC;
    l->n_features = 4;
    l->n_rows = 1;
    l->coef = malloc(4 * sizeof(double));
    l->intercept = malloc(sizeof(double));
    double c[4] = {1, -1, 0.5, -0.5};
    memcpy(l->coef, c, sizeof c);
    l->intercept[0] = 0.1;
    const char *in_names[3] = {"x0", "x1", "color"};
    const char *labels[2] = {"no", "yes"};
    int rc = wr_builder_set_linear(bld, l) || wr_builder_set_program(bld, p) ||
             frost_builder_set_feature_names(bld, in_names) ||
             frost_builder_set_classes(bld, 0, FROST_LABEL_STR, labels, 2) ||
             frost_builder_write(bld, path);
    frost_builder_free(bld);
    return rc ? -1 : 0;
}

static int write_forest(const char *path)
{
    uint32_t n_classes = 3;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 3, .n_outputs = 1,
                             .n_classes = &n_classes, .normalize_leaves = 1};
    frost_builder *bld;
    if (frost_builder_new(&spec, NULL, &bld))
        return -1;
    int64_t left[3] = {1, -1, -1}, right[3] = {2, -1, -1}, feat[2][3] = {{1, -2, -2},
                                                                       {2, -2, -2}};
    double thr[3] = {0.5, -2, -2};
    double value[9] = {3, 3, 3, 2, 1, 0, 0, 1, 5};
    int rc = 0;
    for (int t = 0; t < 2 && !rc; t++) {
        frost_tree_arrays tr = {.size = sizeof tr, .node_count = 3, .children_left = left,
                                .children_right = right, .feature = feat[t], .threshold = thr,
                                .value = value, .value_width = 3};
        rc = frost_builder_add_tree(bld, &tr);
    }
    const char *labels[3] = {"0", "1", "7"};
    rc = rc || frost_builder_set_classes(bld, 0, FROST_LABEL_INT, labels, 3) ||
         frost_builder_write(bld, path);
    frost_builder_free(bld);
    return rc ? -1 : 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/frost-fuzz-serve.XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char p1[64], p2[64];
    snprintf(p1, sizeof p1, "%s/pipe.frost", dir);
    snprintf(p2, sizeof p2, "%s/forest.frost", dir);
    if (write_pipeline(p1) || write_forest(p2)) {
        fprintf(stderr, "fuzz_serve: cannot build the models\n");
        abort();
    }
    char *paths[2] = {p1, p2};
    frost_open_options o;
    frost_open_options_init(&o);
    if (srv_models_init(&models, paths, 2, &o) || srv_models_open(&models))
        abort();
    char why[128];
    for (int i = 0; i < 2; i++)
        versions[i] = srv_slot_acquire(&models.slots[i], why, sizeof why);
    FUZZ_CHECK(versions[0] && versions[1] && versions[0]->named && !versions[1]->named);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
    srv_json_budget((size_t)64 << 20);
    return 0;
}

static void check_answer(const json_t *ans, size_t n_rows, int infer)
{
    size_t len;
    char *text = srv_json_text(ans, &len);
    FUZZ_CHECK(text);
    json_t *back = json_loadb(text, len, 0, NULL);
    FUZZ_CHECK(back);
    if (infer) {
        const json_t *outs = json_object_get(back, "outputs");
        FUZZ_CHECK(json_is_array(outs));
        size_t i;
        const json_t *o;
        json_array_foreach(outs, i, o) {
            const json_t *shape = json_object_get(o, "shape");
            FUZZ_CHECK((size_t)json_integer_value(json_array_get(shape, 0)) == n_rows);
            size_t per = json_array_size(shape) == 2
                             ? (size_t)json_integer_value(json_array_get(shape, 1)) : 1;
            FUZZ_CHECK(json_array_size(json_object_get(o, "data")) == n_rows * per);
        }
    } else {
        FUZZ_CHECK(json_array_size(json_object_get(back, "predictions")) == n_rows);
    }
    json_decref(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    srv_model *v = versions[data[0] & 1];
    int infer = !(data[0] & 2);
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    srv_batch b;
    char err[1024] = "";
    int st = infer ? srv_parse_infer(body, len, v, &b, err, sizeof err)
                   : srv_parse_rows(body, len, v, &b, err, sizeof err);
    FUZZ_CHECK(st == 0 || st == 400 || st == 413 || st == 503);
    FUZZ_CHECK(st == 0 || err[0]);
    if (st == 0) {
        FUZZ_CHECK(b.n_cols <= v->info.n_inputs);
        for (size_t c = 0; c < b.n_cols; c++) {
            const frost_column *col = &b.cols[c];
            FUZZ_CHECK(col->type == FROST_COLUMN_DOUBLE || col->type == FROST_COLUMN_STRING);
            FUZZ_CHECK(col->name || col->index < v->info.n_inputs);
            if (col->type == FROST_COLUMN_STRING)
                for (size_t r = 0; r < b.n_rows; r++) {
                    const frost_string *s = (const frost_string *)col->values + r;
                    FUZZ_CHECK(!s->ptr || strlen(s->ptr) == s->len);
                }
        }
        int status = 0;
        json_t *ans = srv_score_json(v, &b, infer, &status, err, sizeof err);
        if (ans) {
            FUZZ_CHECK(status == 200);
            check_answer(ans, b.n_rows, infer);
            json_decref(ans);
        } else {
            FUZZ_CHECK((status == 400 || status == 413 || status == 500 || status == 503) &&
                       err[0]);
        }
    }
    srv_batch_free(&b);
    return 0;
}
