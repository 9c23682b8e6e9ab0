/*
 * workspace.c — the pooled scratch of scoring calls (workspace.h).
 */
#include "alloc.h"
#include "workspace.h"

/* Rows per batch of the row-by-row driver (score.c): enough to amortise the estimator call, few
 * enough that the feature matrix of a batch stays small even for very wide one-hot outputs. */
#define RT_ROW_BATCH_BYTES (4u << 20)
#define RT_ROW_BATCH_MAX 256

void *rt_pool_take(frost_model *m, rt_pooled **list)
{
    pthread_mutex_lock(&m->ws_lock);
    rt_pooled *p = *list;
    if (p)
        *list = p->next;
    pthread_mutex_unlock(&m->ws_lock);
    return p;
}

void rt_pool_give(frost_model *m, rt_pooled **list, void *set)
{
    rt_pooled *p = set;
    pthread_mutex_lock(&m->ws_lock);
    p->next = *list;
    *list = p;
    pthread_mutex_unlock(&m->ws_lock);
}

static void ws_free(const fr_allocator *a, rt_ws *w)
{
    if (!w)
        return;
    fr_free(a, w->slots);
    fr_free(a, w->feats);
    fr_free(a, w->scratch);
    fr_free(a, w->col_of);
    fr_free(a, w->hot);
    fr_free(a, w->cb.mfeats);
    fr_free(a, w->cb.mout);
    fr_free(a, w->cb.cacc);
    fr_free(a, w->cb.moff);
    fr_free(a, w);
}

rt_ws *rt_ws_acquire(frost_model *m)
{
    rt_ws *w = rt_pool_take(m, &m->ws_free);
    if (w)
        return w;
    const fmt_header *h = &m->h;
    const fmt_program *p = h->program;
    uint32_t nf = h->n_features;
    uint32_t n_slots = p ? p->n_slots : h->n_inputs;
    uint32_t lin_rows = h->linear ? h->linear->n_rows : 0;
    const fmt_combine *cb = h->combine;
    size_t m_in = 0; /* a combination: member features per row */
    uint32_t cw = 0, mout_w = 0;
    if (cb) {
        cw = cb->n_classes + 2;
        mout_w = cb->n_classes > 2 ? cb->n_classes : 2;
        for (uint32_t i = 0; i < cb->n_members; i++) {
            m_in += cb->members[i].n_in;
            if (cb->members[i].linear && cb->members[i].linear->n_rows > lin_rows)
                lin_rows = cb->members[i].linear->n_rows;
        }
    }
    size_t row_bytes = ((size_t)nf + m_in + mout_w + cw) * sizeof(double);
    size_t batch = RT_ROW_BATCH_BYTES / (row_bytes + 1);
    batch = batch < 1 ? 1 : batch > RT_ROW_BATCH_MAX ? RT_ROW_BATCH_MAX : batch;
    w = fr_calloc(m->alloc, 1, sizeof *w);
    if (!w)
        return NULL;
    w->batch = batch;
    w->slots = fr_calloc(m->alloc, n_slots, sizeof *w->slots);
    w->feats = fr_calloc(m->alloc, batch * nf, sizeof *w->feats);
    w->scratch = fr_calloc(m->alloc, 2 * (size_t)n_slots + 2 * lin_rows + 2 +
                               (h->bayes ? rt_bayes_scratch(h->bayes) : 0) +
                               (h->mlp ? rt_mlp_scratch(h->mlp) : 0), sizeof *w->scratch);
    w->col_of = fr_calloc(m->alloc, h->n_inputs, sizeof *w->col_of);
    w->hot = fr_calloc(m->alloc, p && p->n_ops ? p->n_ops : 1, sizeof *w->hot);
    if (cb) {
        w->cb.mfeats = fr_calloc(m->alloc, batch * m_in, sizeof *w->cb.mfeats);
        w->cb.mout = fr_calloc(m->alloc, batch * mout_w, sizeof *w->cb.mout);
        w->cb.cacc = fr_calloc(m->alloc, batch * cw, sizeof *w->cb.cacc);
        w->cb.moff = fr_calloc(m->alloc, cb->n_members, sizeof *w->cb.moff);
        if (!w->cb.mfeats || !w->cb.mout || !w->cb.cacc || !w->cb.moff) {
            ws_free(m->alloc, w);
            return NULL;
        }
        for (uint32_t i = 1; i < cb->n_members; i++)
            w->cb.moff[i] = w->cb.moff[i - 1] + batch * cb->members[i - 1].n_in;
        double *wt = fr_calloc(m->alloc, cb->n_members, sizeof *wt);
        if (!wt) {
            ws_free(m->alloc, w);
            return NULL;
        }
        for (uint32_t i = 0; i < cb->n_members; i++)
            wt[i] = cb->members[i].weight;
        w->cb.wdiv = rt_pairwise(wt, cb->n_members);
        fr_free(m->alloc, wt);
    }
    if (!w->slots || !w->feats || !w->scratch || !w->col_of || !w->hot) {
        ws_free(m->alloc, w);
        return NULL;
    }
    return w;
}

void rt_ws_release(frost_model *m, rt_ws *w)
{
    rt_pool_give(m, &m->ws_free, w);
}

void rt_ws_free_all(frost_model *m)
{
    rt_ws *w;
    while ((w = rt_pool_take(m, &m->ws_free)))
        ws_free(m->alloc, w);
}

