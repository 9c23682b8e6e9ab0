/*
 * use_frost.c — a program built only from what `make install` puts in place (frost.h, libfrost,
 * frost.pc): writes a one-split model through the builder, opens it, predicts.
 */
#include <frost.h>
#include <math.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    int64_t left[] = {1, -1, -1}, right[] = {2, -1, -1}, feat[] = {0, -2, -2};
    double thr[] = {0.5, -2, -2}, val[] = {0, -1, 1};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_REGRESSOR,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 1, .n_outputs = 1};
    frost_builder *b;
    if (frost_builder_new(&spec, NULL, &b))
        return 1;
    frost_tree_arrays t = {.size = sizeof t, .node_count = 3, .children_left = left,
                           .children_right = right, .feature = feat, .threshold = thr,
                           .value = val, .value_width = 1};
    if (frost_builder_add_tree(b, &t) || frost_builder_write(b, argv[1])) {
        fprintf(stderr, "%s\n", frost_builder_errmsg(b));
        return 1;
    }
    frost_builder_free(b);
    frost_model *m;
    if (frost_open(argv[1], NULL, &m)) {
        fprintf(stderr, "%s\n", frost_errmsg(NULL));
        return 1;
    }
    double X[2] = {0.25, 0.75}, y[2];
    int rc = frost_predict(m, X, 2, y);
    frost_close(m);
    if (rc || y[0] != -1 || y[1] != 1)
        return 1;
    printf("install: 1 passed, 0 failed\n");
    return 0;
}
