/*
 * centroids.c — the CENTROIDS section (FORMAT.md, 1.3): a NearestCentroid classifier's or a
 * k-means clustering's centroids, the metric, and which of the two reads them.
 */
#include "alloc.h"
#include "format.h"

void fmt_centroids_free(const fr_allocator *a, fmt_centroids *c)
{
    if (!c)
        return;
    for (uint32_t k = 0; c->names && k < c->n_centroids; k++)
        fr_free(a, c->names[k]);
    fr_free(a, c->names);
    fr_free(a, c->centroids);
    fr_free(a, c);
}

void fmt_centroids_write(const fmt_centroids *c, fmt_buf *b)
{
    fmt_put_u32(b, FMT_TASK_CLASSIFIER);
    fmt_put_u32(b, c->kind);
    fmt_put_u32(b, c->metric);
    fmt_put_u32(b, c->n_centroids);
    fmt_put_u32(b, c->n_features);
    fmt_put_u32(b, c->names ? FMT_CEN_NAMES : 0);
    for (uint64_t i = 0; i < (uint64_t)c->n_centroids * c->n_features; i++)
        fmt_put_f64(b, c->centroids[i]);
    for (uint32_t k = 0; c->names && k < c->n_centroids; k++)
        fmt_put_str(b, c->names[k]);
}

int fmt_centroids_parse(const uint8_t *body, size_t len, const fr_allocator *a,
                        fmt_centroids **out, fr_err *e)
{
    fmt_rd r = fmt_rd_begin(body, len, "CENTROIDS", e);
    fmt_centroids *c = fr_calloc(a, 1, sizeof *c);
    if (!c)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    uint32_t task = fmt_rd_u32(&r);
    c->kind = fmt_rd_u32(&r);
    c->metric = fmt_rd_u32(&r);
    c->n_centroids = fmt_rd_u32(&r);
    c->n_features = fmt_rd_u32(&r);
    uint32_t flags = fmt_rd_u32(&r);
    uint64_t n = (uint64_t)c->n_centroids * c->n_features; /* < 2^44 once bounded */
    /* with names, each takes at least its 4-byte length after the values */
    uint64_t names_min = flags & FMT_CEN_NAMES ? 4 * (uint64_t)c->n_centroids : 0;
    if (r.code)
        ;
    else if (task != FMT_TASK_CLASSIFIER || (flags & ~FMT_CEN_NAMES) ||
             ((flags & FMT_CEN_NAMES) && c->kind != FMT_CEN_KMEANS))
        fmt_rd_fail(&r, FR_ECORRUPT, "CENTROIDS: task %u, flags 0x%x", task, flags);
    else if (c->kind < FMT_CEN_NEAREST || c->kind > FMT_CEN_KMEANS ||
             c->metric < FMT_CEN_EUCLIDEAN || c->metric > FMT_CEN_MANHATTAN ||
             (c->kind == FMT_CEN_KMEANS && c->metric != FMT_CEN_EUCLIDEAN))
        fmt_rd_fail(&r, FR_ECORRUPT, "CENTROIDS: kind %u with metric %u", c->kind, c->metric);
    else if (c->n_centroids == 0 || c->n_centroids > (1u << 20) || c->n_features == 0 ||
             c->n_features >= (1u << 24) ||
             (names_min ? r.left < names_min || (r.left - names_min) / 8 < n
                        : r.left % 8 || r.left / 8 != n))
        fmt_rd_fail(&r, FR_ECORRUPT, "CENTROIDS: %u × %u centroids in %zu bytes",
                    c->n_centroids, c->n_features, r.left);
    c->centroids = fmt_rd_array(&r, a, n ? n : 1, sizeof *c->centroids, 0);
    for (uint64_t i = 0; c->centroids && i < n; i++)
        c->centroids[i] = fmt_rd_f64(&r);
    if (c->centroids && names_min) {
        c->names = fmt_rd_array(&r, a, c->n_centroids, sizeof *c->names, 4);
        for (uint32_t k = 0; c->names && k < c->n_centroids && !r.code; k++)
            c->names[k] = fmt_rd_str(&r, a);
    }
    int rc = fmt_rd_end(&r);
    if (rc) {
        fmt_centroids_free(a, c);
        return rc;
    }
    *out = c;
    return 0;
}
