/*
 * forest_util.h — test helpers: random scikit-learn-shaped trees, a reference evaluator written
 * from scikit-learn's semantics (not from frost's code), and a one-call model writer.
 */
#ifndef FROST_FOREST_UTIL_H
#define FROST_FOREST_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frost.h"

typedef struct fu_tree {
    uint64_t n;
    int64_t *left, *right, *feature;
    double *threshold;
    uint8_t *nan_left;
    double *value; /* n × width */
    uint32_t width;
} fu_tree;

static inline uint64_t fu_rand(uint64_t *s)
{
    /* splitmix64: reproducible across platforms */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline double fu_unif(uint64_t *s) { return (double)(fu_rand(s) >> 11) / 9007199254740992.0; }

/* A random tree of about n_target nodes (odd), depth-first numbered like sklearn's builder.
 * Leaf values: counts in [0, 10) per class when classes, else a random real. */
static inline fu_tree fu_random_tree(uint64_t *s, uint64_t n_target, uint32_t n_features,
                                     uint32_t width, int counts, int with_nan)
{
    fu_tree t = {0};
    uint64_t cap = n_target < 1 ? 1 : n_target;
    t.left = calloc(cap, 8);
    t.right = calloc(cap, 8);
    t.feature = calloc(cap, 8);
    t.threshold = calloc(cap, 8);
    t.nan_left = calloc(cap, 1);
    t.value = calloc(cap * width, 8);
    t.width = width;
    /* grow by splitting random leaves until the budget is used; numbering = creation order */
    uint64_t n = 1;
    t.left[0] = t.right[0] = -1;
    uint64_t *leaves = malloc(cap * 8);
    uint64_t n_leaves = 1;
    leaves[0] = 0;
    while (n + 2 <= cap) {
        /* bias towards deep, unbalanced trees: split recent leaves more often */
        uint64_t k = n_leaves - 1 - (fu_rand(s) % (n_leaves < 4 ? n_leaves : 4));
        if (fu_rand(s) % 3 == 0)
            k = fu_rand(s) % n_leaves;
        uint64_t i = leaves[k];
        t.left[i] = (int64_t)n;
        t.right[i] = (int64_t)n + 1;
        t.feature[i] = (int64_t)(fu_rand(s) % n_features);
        t.threshold[i] = (fu_unif(s) - 0.5) * 4.0;
        t.nan_left[i] = with_nan ? (uint8_t)(fu_rand(s) & 1) : 0;
        t.left[n] = t.right[n] = t.left[n + 1] = t.right[n + 1] = -1;
        leaves[k] = n;
        leaves[n_leaves++] = n + 1;
        n += 2;
    }
    free(leaves);
    t.n = n;
    for (uint64_t i = 0; i < n; i++) {
        if (t.left[i] != -1) {
            t.feature[i] = t.feature[i];
            for (uint32_t j = 0; j < width; j++)
                t.value[i * width + j] = 0;
            continue;
        }
        t.feature[i] = -2;
        t.threshold[i] = -2;
        for (uint32_t j = 0; j < width; j++)
            t.value[i * width + j] = counts ? (double)(fu_rand(s) % 10) : (fu_unif(s) - 0.5) * 100;
    }
    return t;
}

static inline void fu_free_tree(fu_tree *t)
{
    free(t->left);
    free(t->right);
    free(t->feature);
    free(t->threshold);
    free(t->nan_left);
    free(t->value);
}

/* sklearn's Tree.apply: (float)x <= threshold (double) goes left; NaN left iff missing_go_to_left. */
static inline uint64_t fu_apply(const fu_tree *t, const double *x)
{
    uint64_t i = 0;
    while (t->left[i] != -1) {
        float v = (float)x[t->feature[i]];
        int left = isnan(v) ? t->nan_left[i] : (double)v <= t->threshold[i];
        i = (uint64_t)(left ? t->left[i] : t->right[i]);
    }
    return i;
}

static inline frost_tree_arrays fu_arrays(const fu_tree *t, uint32_t raw_column)
{
    frost_tree_arrays a = {
        .size = sizeof a,
        .node_count = t->n,
        .children_left = t->left,
        .children_right = t->right,
        .feature = t->feature,
        .threshold = t->threshold,
        .missing_go_to_left = t->nan_left,
        .value = t->value,
        .value_width = t->width,
        .raw_column = raw_column,
    };
    return a;
}

/* numpy's pairwise sum, written from numpy/core/src/umath/loops_utils.h.src (pairwise_sum,
 * PW_BLOCKSIZE 128). */
static inline double fu_np_sum(const double *v, uint32_t n)
{
    if (n < 8) {
        double s = 0.0;
        for (uint32_t i = 0; i < n; i++)
            s += v[i];
        return s;
    }
    if (n > 128) {
        uint32_t n2 = n / 2;
        n2 -= n2 % 8;
        return fu_np_sum(v, n2) + fu_np_sum(v + n2, n - n2);
    }
    double r[8];
    for (int j = 0; j < 8; j++)
        r[j] = v[j];
    uint32_t i;
    for (i = 8; i < n - (n % 8); i += 8)
        for (int j = 0; j < 8; j++)
            r[j] += v[i + j];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++)
        s += v[i];
    return s;
}

/* RandomForestClassifier.predict_proba (one output): per-tree normalized leaves added in order. */
static inline void fu_forest_proba(const fu_tree *trees, uint32_t n_trees, const double *x,
                                   uint32_t n_classes, double *out)
{
    for (uint32_t j = 0; j < n_classes; j++)
        out[j] = 0;
    for (uint32_t t = 0; t < n_trees; t++) {
        const double *v = trees[t].value + fu_apply(&trees[t], x) * n_classes;
        double s = fu_np_sum(v, n_classes);
        if (s == 0)
            s = 1;
        for (uint32_t j = 0; j < n_classes; j++)
            out[j] += v[j] / s;
    }
    for (uint32_t j = 0; j < n_classes; j++)
        out[j] /= n_trees;
}

#endif
