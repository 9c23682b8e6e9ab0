/*
 * threads.c — many threads scoring the same cold model at once, in every I/O mode, checked
 * against single-threaded answers. Built with ThreadSanitizer by `make test` (a plain driver
 * with its own main(): Criterion aborts under TSan), and runnable without it.
 *
 *   threads [ROUNDS]      ends with "threads: N passed, M failed"
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forest_util.h"

#define N_THREADS 8
#define N_ROWS 12
#define N_FEATURES 6
#define N_CLASSES 3

typedef struct job {
    frost_model *m;
    const double *X;
    size_t n_rows;
    double out[N_ROWS * N_CLASSES];
    int rc;
} job;

static void *work(void *p)
{
    job *j = p;
    j->rc = frost_predict_proba(j->m, j->X, j->n_rows, j->out);
    return NULL;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    char dir[] = "/tmp/frost-threads-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    char path[128];
    snprintf(path, sizeof path, "%s/forest.frost", dir);
    uint64_t s = 99;
    uint32_t nc = N_CLASSES;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = N_FEATURES,
                             .n_outputs = 1, .n_classes = &nc, .normalize_leaves = 1};
    frost_write_options w;
    frost_write_options_init(&w);
    w.compress = 1;
    frost_builder *b;
    if (frost_builder_new(&spec, &w, &b))
        return 2;
    enum { N_TREES = 40 };
    fu_tree trees[N_TREES];
    for (int t = 0; t < N_TREES; t++) {
        trees[t] = fu_random_tree(&s, 3001, N_FEATURES, N_CLASSES, 1, 1);
        frost_tree_arrays a = fu_arrays(&trees[t], 0);
        if (frost_builder_add_tree(b, &a))
            return 2;
    }
    const char *labels[N_CLASSES] = {"a", "b", "c"};
    frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, N_CLASSES);
    if (frost_builder_write(b, path)) {
        fprintf(stderr, "%s\n", frost_builder_errmsg(b));
        return 2;
    }
    frost_builder_free(b);

    double X[N_THREADS][N_ROWS * N_FEATURES];
    for (int i = 0; i < N_THREADS; i++)
        for (int k = 0; k < N_ROWS * N_FEATURES; k++)
            X[i][k] = k % 13 == 5 ? NAN : (fu_unif(&s) - 0.5) * 4.4;
    long passed = 0, failed = 0;
    static const frost_io_mode modes[] = {FROST_IO_PREAD, FROST_IO_MMAP, FROST_IO_URING};
    for (int r = 0; r < rounds; r++) {
        frost_open_options o;
        frost_open_options_init(&o);
        o.io = modes[r % 3];
        frost_model *m;
        if (frost_open(path, &o, &m)) {
            if (o.io == FROST_IO_URING)
                continue; /* io_uring blocked here: the other modes still run */
            fprintf(stderr, "open: %s\n", frost_errmsg(NULL));
            return 2;
        }
        pthread_t th[N_THREADS];
        job jobs[N_THREADS];
        for (int i = 0; i < N_THREADS; i++) {
            /* some threads walk lazily (few rows), some load everything (many) */
            jobs[i] = (job){.m = m, .X = X[i], .n_rows = i % 3 == 0 ? N_ROWS : 1 + i % 4};
            pthread_create(&th[i], NULL, work, &jobs[i]);
        }
        for (int i = 0; i < N_THREADS; i++) {
            pthread_join(th[i], NULL);
            int ok = jobs[i].rc == 0;
            for (size_t row = 0; ok && row < jobs[i].n_rows; row++) {
                double want[N_CLASSES];
                fu_forest_proba(trees, N_TREES, X[i] + row * N_FEATURES, N_CLASSES, want);
                ok = memcmp(want, jobs[i].out + row * N_CLASSES, sizeof want) == 0;
            }
            if (ok)
                passed++;
            else {
                failed++;
                fprintf(stderr, "threads: round %d thread %d: %s\n", r, i,
                        jobs[i].rc ? frost_errmsg(m) : "wrong probabilities");
            }
        }
        frost_stats st = {.size = sizeof st};
        frost_load_all(m);
        frost_get_stats(m, &st);
        frost_info info = {.size = sizeof info};
        frost_model_info(m, &info);
        if (st.blocks_loaded != info.n_blocks) {
            failed++;
            fprintf(stderr, "threads: round %d: %llu loads for %u blocks\n", r,
                    (unsigned long long)st.blocks_loaded, info.n_blocks);
        }
        frost_close(m);
    }
    for (int t = 0; t < N_TREES; t++)
        fu_free_tree(&trees[t]);
    unlink(path);
    rmdir(dir);
    printf("threads: %ld passed, %ld failed\n", passed, failed);
    return failed ? 1 : 0;
}
