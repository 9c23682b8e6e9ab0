/*
 * centroids.c — scores a NearestCentroid classifier or a k-means clustering (FORMAT.md
 * CENTROIDS): the nearest centroid by scikit-learn's own arithmetic (pairwise_distances_argmin's
 * squared-euclidean reduction, KMeans' _labels_inertia), and k-means' transform, the euclidean
 * distances to every centre (sklearn.metrics.euclidean_distances).
 */
#include <math.h>

#include "alloc.h"
#include "internal.h"

/* numpy's einsum('ij,ij->i') of a row with itself (numpy/core/src/multiarray/einsum_sumprod.c.src,
 * sum_of_products_contig_contig_outstride0_two at the two-lane baseline): per lane, groups of
 * eight values added last-first, then pairs, then the lanes. */
static double einsum_sq(const double *v, uint32_t n)
{
    double a[2] = {0.0, 0.0};
    uint32_t i = 0;
    for (; n - i >= 8; i += 8)
        for (int l = 0; l < 2; l++) {
            double s = v[i + 6 + l] * v[i + 6 + l] + a[l];
            s = v[i + 4 + l] * v[i + 4 + l] + s;
            s = v[i + 2 + l] * v[i + 2 + l] + s;
            a[l] = v[i + l] * v[i + l] + s;
        }
    for (; i < n; i += 2)
        for (uint32_t l = 0; l < 2; l++)
            a[l] = (i + l < n ? v[i + l] * v[i + l] : 0.0) + a[l];
    return (a[0] + a[1]) + 0.0;
}

/* x·c with the products added in order from 0.0, as reference BLAS gemm does. */
static double dot(const double *x, const double *c, uint32_t n)
{
    double acc = 0.0;
    for (uint32_t j = 0; j < n; j++)
        acc += x[j] * c[j];
    return acc;
}

/* Each centroid's squared norm, as the scorer adds it: BLAS ddot's (in order) for
 * NearestCentroid, numpy's einsum for k-means. */
int rt_centroids_init(frost_model *m, fr_err *e)
{
    const fmt_centroids *c = m->h.centroids;
    if (!c)
        return 0;
    m->cen_norms = fr_calloc(m->alloc, c->n_centroids, sizeof *m->cen_norms);
    if (!m->cen_norms)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    for (uint32_t k = 0; k < c->n_centroids; k++) {
        const double *ck = c->centroids + (size_t)k * c->n_features;
        m->cen_norms[k] = c->kind == FMT_CEN_KMEANS ? einsum_sq(ck, c->n_features)
                                                    : dot(ck, ck, c->n_features);
    }
    return 0;
}

void rt_centroids_free(frost_model *m)
{
    fr_free(m->alloc, m->cen_norms);
    m->cen_norms = NULL;
}

void rt_centroids_row(const frost_model *m, const double *x, rt_what what, double *out)
{
    const fmt_centroids *c = m->h.centroids;
    const uint32_t nf = c->n_features;
    if (what == RT_TRANSFORM) { /* euclidean_distances: ((-2 x·c) + ‖x‖²) + ‖c‖², ≥ 0, sqrt */
        double xx = einsum_sq(x, nf);
        for (uint32_t k = 0; k < c->n_centroids; k++) {
            double d = ((-2.0 * dot(x, c->centroids + (size_t)k * nf, nf)) + xx) + m->cen_norms[k];
            out[k] = sqrt(d > 0.0 ? d : (d == d ? 0.0 : d));
        }
        return;
    }
    uint32_t best = 0;
    double best_d = 0.0;
    for (uint32_t k = 0; k < c->n_centroids; k++) {
        const double *ck = c->centroids + (size_t)k * nf;
        double d;
        if (c->metric == FMT_CEN_MANHATTAN) {
            d = 0.0;
            for (uint32_t j = 0; j < nf; j++)
                d += fabs(x[j] - ck[j]);
        } else {
            d = (-2.0 * dot(x, ck, nf)) + m->cen_norms[k];
        }
        if (k == 0 || d < best_d) { /* the first smallest */
            best = k;
            best_d = d;
        }
    }
    out[0] = (double)best;
}
