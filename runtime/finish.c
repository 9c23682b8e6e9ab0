/*
 * finish.c — the arithmetic every scorer shares, written once and in scikit-learn's order:
 * numpy's pairwise sum, the logistic function, the first argmax, the two softmaxes
 * scikit-learn uses (linear models and HistGradientBoosting normalise exp(d - max) by its sum;
 * gradient boosting subtracts logsumexp), and an isolation forest's score, so a probability
 * comes out with scikit-learn's bits.
 */
#include <math.h>
#include <string.h>

#include "endian.h"
#include "internal.h"

/* numpy's pairwise summation (numpy/core/src/umath/loops_utils.h.src, pairwise_sum with
 * PW_BLOCKSIZE 128): below 8 values a plain loop from 0; up to 128, eight interleaved partial
 * sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and the remainder added in order; above,
 * the two halves (the first rounded down to a multiple of 8) summed recursively. np.sum over a
 * row reduces this way, so normalizing a leaf or a softmax reproduces scikit-learn's bits. The
 * recursion is log2(n / 128) deep. GET reads value i. */
#define PAIRWISE_BODY(GET)                                                                       \
    if (n < 8) {                                                                                 \
        double s = 0.0;                                                                          \
        for (uint32_t i = 0; i < n; i++)                                                         \
            s += GET(i);                                                                         \
        return s;                                                                                \
    }                                                                                            \
    if (n <= 128) {                                                                              \
        double r[8];                                                                             \
        for (int j = 0; j < 8; j++)                                                              \
            r[j] = GET(j);                                                                       \
        uint32_t i = 8;                                                                          \
        for (; i < n - n % 8; i += 8)                                                            \
            for (int j = 0; j < 8; j++)                                                          \
                r[j] += GET(i + j);                                                              \
        double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));           \
        for (; i < n; i++)                                                                       \
            s += GET(i);                                                                         \
        return s;                                                                                \
    }

double rt_pairwise_sum(const uint8_t *p, uint32_t n)
{
#define GET_LE(i) fr_rdf64(p + 8 * (size_t)(i))
    PAIRWISE_BODY(GET_LE)
#undef GET_LE
    uint32_t n2 = n / 2;
    n2 -= n2 % 8;
    return rt_pairwise_sum(p, n2) + rt_pairwise_sum(p + 8 * (size_t)n2, n - n2);
}

double rt_pairwise(const double *v, uint32_t n)
{
#define GET_NATIVE(i) v[i]
    PAIRWISE_BODY(GET_NATIVE)
#undef GET_NATIVE
    uint32_t n2 = n / 2;
    n2 -= n2 % 8;
    return rt_pairwise(v, n2) + rt_pairwise(v + n2, n - n2);
}

double rt_expit(double d)
{
    return 1.0 / (1.0 + exp(-d));
}

/* The numpy ufuncs FunctionTransformer / TransformedTargetRegressor may name (FORMAT.md
 * PROGRAM UFUNC): numpy's float64 loops call the C library's function (npy_log1p, npy_expm1 …)
 * or compute the arithmetic directly (square: x * x; reciprocal: 1.0 / x; absolute: fabs). */
double rt_ufunc(uint32_t f, double x)
{
    switch (f) {
    case FMT_UF_LOG: return log(x);
    case FMT_UF_LOG1P: return log1p(x);
    case FMT_UF_EXP: return exp(x);
    case FMT_UF_EXPM1: return expm1(x);
    case FMT_UF_SQRT: return sqrt(x);
    case FMT_UF_SQUARE: return x * x;
    case FMT_UF_ABS: return fabs(x);
    case FMT_UF_RECIPROCAL: return 1.0 / x;
    default: return NAN; /* the parser admits no other */
    }
}

uint32_t rt_argmax(const double *v, uint32_t n)
{
    uint32_t best = 0;
    for (uint32_t j = 1; j < n; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* sklearn.utils.extmath.softmax (linear models): exp(d - max), divided by its sum. */
void rt_softmax(const double *d, uint32_t n, double *out)
{
    double mx = d[0];
    for (uint32_t r = 1; r < n; r++)
        mx = d[r] > mx ? d[r] : mx;
    for (uint32_t r = 0; r < n; r++)
        out[r] = exp(d[r] - mx);
    double s = rt_pairwise(out, n);
    for (uint32_t r = 0; r < n; r++)
        out[r] /= s;
}

/* Gradient boosting's multinomial link (scipy.special.logsumexp): exp(raw - logsumexp(raw)),
 * logsumexp = m + log(Σ exp(raw - m)) with m the largest raw score (0 when not finite).
 * scratch holds n doubles. */
void rt_softmax_lse(const double *raw, uint32_t n, double *out, double *scratch)
{
    double mx = raw[rt_argmax(raw, n)];
    if (!isfinite(mx))
        mx = 0.0;
    for (uint32_t j = 0; j < n; j++)
        scratch[j] = exp(raw[j] - mx);
    double lse = log(rt_pairwise(scratch, n)) + mx;
    for (uint32_t j = 0; j < n; j++)
        out[j] = exp(raw[j] - lse);
}

/* IsolationForest._compute_score_samples (sklearn/ensemble/_iforest.py): 2 ** -(depths /
 * denominator), the quotient taken as 1 where the denominator is 0 (np.divide's `where`), and
 * score_samples returns its opposite. */
double rt_isolation_score(double s, double path_norm)
{
    /* numpy's 2 ** x is the C library's pow; clang rewrites pow(2.0, x) as exp2(x), which rounds
     * differently now and then: a base the compiler cannot see keeps the call a pow */
    static volatile const double two = 2.0;
    double q = path_norm != 0.0 ? s / path_norm : 1.0;
    return -pow(two, -q);
}
