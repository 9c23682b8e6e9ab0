/*
 * workspace.h — the scratch a scoring call needs, pooled per model so that warm calls allocate
 * nothing: one free list per kind of buffer set, under the model's ws_lock, each set used by one
 * thread at a time.
 */
#ifndef FROST_RUNTIME_WORKSPACE_H
#define FROST_RUNTIME_WORKSPACE_H

#include "internal.h"

/* The link a pooled buffer set carries first, so any kind can sit on a free list. */
typedef struct rt_pooled {
    struct rt_pooled *next;
} rt_pooled;

/* An idle set from list, or NULL when there is none; gives one back. */
void *rt_pool_take(frost_model *m, rt_pooled **list);
void rt_pool_give(frost_model *m, rt_pooled **list, void *set);

/* A combination's buffers for one batch: each member's feature matrix (batch × n_in, member
 * after member), one member's outputs (batch × its output width), the combination's per-row
 * accumulators (batch × (n_classes + 2)). */
typedef struct rt_combine_ws {
    double *mfeats;
    double *mout;
    double *cacc;
    size_t *moff;       /* per member: where its matrix starts in mfeats */
    double wdiv;        /* numpy's pairwise sum of the members' weights */
} rt_combine_ws;

/* One call's scratch: the slot row, the batch's feature matrix, per-op state, the column
 * binding. hot[i] remembers the 1.0 a one-hot op left (+1, 0 = none) so the next row clears
 * just that slot instead of all of them — O(1) per row however many categories there are. */
typedef struct rt_ws {
    rt_pooled link;
    size_t batch;       /* rows per batch */
    rt_slot *slots;
    double *feats;      /* batch × the estimator's features */
    double *scratch;
    size_t *col_of;     /* per input: the caller's column feeding it */
    uint32_t *hot;
    rt_combine_ws cb;   /* a COMBINE's buffers, else zeros */
} rt_ws;

rt_ws *rt_ws_acquire(frost_model *m);
void rt_ws_release(frost_model *m, rt_ws *w);
/* Frees every idle workspace (at close). */
void rt_ws_free_all(frost_model *m);

#endif
