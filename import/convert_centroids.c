/*
 * convert_centroids.c — NearestCentroid (sklearn/neighbors/_nearest_centroid.py: centroids_,
 * classes_, metric) and KMeans / MiniBatchKMeans (sklearn/cluster/_kmeans.py: cluster_centers_)
 * into a CENTROIDS section (FORMAT.md). A clustering predicts cluster numbers: its classes are
 * 0 … n_clusters − 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_centroids.h"
#include "convert_labels.h"

#define SK_NC "sklearn.neighbors._nearest_centroid.NearestCentroid"

/* The centroid array attribute into cen (rows × n_features). */
static int read_centroids(conv *c, const char *attr, fmt_centroids *cen)
{
    pk_array_info ai;
    const pk_obj *a = pk_attr(c->est, attr);
    if (!a || pk_array_info_get(a, &ai) || ai.ndim != 2 || ai.shape[0] == 0 ||
        ai.shape[0] > (1u << 20) || ai.shape[1] == 0 || ai.shape[1] >= (1u << 24))
        return fr_fail(c->e, FROST_EFORMAT, "%s has no %s array (not fitted?)",
                       cv_short_name(c->cls), attr);
    cen->n_centroids = (uint32_t)ai.shape[0];
    cen->n_features = (uint32_t)ai.shape[1];
    size_t n = (size_t)cen->n_centroids * cen->n_features;
    cen->centroids = fr_malloc(c->wa, n * sizeof *cen->centroids);
    if (!cen->centroids)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    return pk_array_get_f64(a, NULL, cen->centroids, n, c->e)
               ? fr_wrap(c->e, "%s: %s", cv_short_name(c->cls), attr) : 0;
}

/* NearestCentroid's metric: euclidean (the default) or manhattan, as a string. */
static int read_metric(conv *c, fmt_centroids *cen)
{
    const pk_obj *m = pk_attr(c->est, "metric");
    if (!m || pk_str_eq(m, "euclidean"))
        cen->metric = FMT_CEN_EUCLIDEAN;
    else if (pk_str_eq(m, "manhattan"))
        cen->metric = FMT_CEN_MANHATTAN;
    else
        return fr_fail(c->e, FROST_EUNSUPPORTED, "not supported yet: NearestCentroid with "
                       "metric %s", pk_str(m, NULL) ? pk_str(m, NULL) : "(a callable)");
    return 0;
}

/* k-means' get_feature_names_out (ClassNamePrefixFeaturesOutMixin): the class name in lower
 * case and the cluster number, "kmeans0", "minibatchkmeans3". */
static int distance_names(conv *c, fmt_centroids *cen)
{
    const char *cls = cv_short_name(c->cls);
    size_t len = strlen(cls);
    cen->names = fr_calloc(c->wa, cen->n_centroids, sizeof *cen->names);
    for (uint32_t k = 0; cen->names && k < cen->n_centroids; k++) {
        if (!(cen->names[k] = fr_malloc(c->wa, len + 12)))
            return fr_fail(c->e, FROST_ENOMEM, "out of memory");
        for (size_t i = 0; i < len; i++)
            cen->names[k][i] = (char)(cls[i] >= 'A' && cls[i] <= 'Z' ? cls[i] - 'A' + 'a' : cls[i]);
        snprintf(cen->names[k] + len, 12, "%u", k);
    }
    return cen->names ? 0 : fr_fail(c->e, FROST_ENOMEM, "out of memory");
}

/* Cluster numbers as the labels of a clustering. */
static int cluster_labels(conv *c, uint32_t n)
{
    char **labels = calloc(n, sizeof *labels);
    int rc = labels ? 0 : fr_fail(c->e, FROST_ENOMEM, "out of memory");
    for (uint32_t k = 0; !rc && k < n; k++) {
        labels[k] = malloc(12);
        if (!labels[k])
            rc = fr_fail(c->e, FROST_ENOMEM, "out of memory");
        else
            snprintf(labels[k], 12, "%u", k);
    }
    if (!rc && (rc = frost_builder_set_classes(c->b, 0, FROST_LABEL_INT,
                                               (const char *const *)labels, n)))
        rc = fr_fail(c->e, rc, "%s", frost_builder_errmsg(c->b));
    cv_free_strings(labels, labels ? n : 0);
    return rc;
}

int cv_convert_centroids(conv *c, const frost_convert_options *o, int classifier)
{
    (void)classifier;
    int rc;
    c->task = FROST_TASK_CLASSIFIER;
    int nearest = strcmp(c->cls, SK_NC) == 0;
    if (nearest && ((rc = cv_read_classes(c)) || c->n_outputs != 1))
        return rc ? rc : fr_fail(c->e, FROST_EFORMAT, "NearestCentroid: classes_ lists %u "
                                 "outputs", c->n_outputs);
    fmt_centroids *cen = fr_calloc(c->wa, 1, sizeof *cen);
    if (!cen)
        return fr_fail(c->e, FROST_ENOMEM, "out of memory");
    cen->kind = nearest ? FMT_CEN_NEAREST : FMT_CEN_KMEANS;
    cen->metric = FMT_CEN_EUCLIDEAN;
    int64_t nf_in;
    fr_err scratch;
    if (!(rc = read_centroids(c, nearest ? "centroids_" : "cluster_centers_", cen)) && nearest &&
        !(rc = read_metric(c, cen)) && cen->n_centroids != c->n_classes[0])
        rc = fr_fail(c->e, FROST_EFORMAT, "NearestCentroid: %u centroids for %u classes",
                     cen->n_centroids, c->n_classes[0]);
    if (!rc && !nearest)
        rc = distance_names(c, cen);
    if (!rc && !cv_get_int(c->est, "n_features_in_", &nf_in, &scratch) &&
        nf_in != cen->n_features)
        rc = fr_fail(c->e, FROST_EFORMAT, "%s: %u columns of centroids, n_features_in_ %" PRId64,
                     cv_short_name(c->cls), cen->n_features, nf_in);
    if (rc) {
        fmt_centroids_free(c->wa, cen);
        return rc;
    }
    c->n_features = cen->n_features;
    uint32_t k = cen->n_centroids;
    if ((rc = wr_builder_new_bare(&o->write, &c->b)) || (rc = wr_builder_set_centroids(c->b, cen))) {
        fmt_centroids_free(c->wa, cen);
        return fr_fail(c->e, rc, "%s", c->b ? frost_builder_errmsg(c->b) : "out of memory");
    }
    if ((rc = cv_give_program(c)))
        return rc;
    return nearest ? cv_set_labels(c) : cluster_labels(c, k);
}
