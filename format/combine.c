/*
 * combine.c — the COMBINE section (FORMAT.md, 1.1): an estimator combining member estimators
 * (voting, one-vs-rest), each member a tree aggregation over its range of the MEMBERS tree table
 * or a LINEAR body, reading its own slots; what each combination rule asks of its members.
 */
#include <math.h>
#include <stdio.h>

#include "alloc.h"
#include "sections.h"

/* COMBINE (FORMAT.md): parsed after ENSEMBLE (its tree table), FEATURES and PROGRAM (the slots
 * members read). Every count is bounded by the bytes left before anything is allocated. */
int fmt_combine_parse(fmt_header *h, fmt_rd *c)
{
    fr_err *e = c->e;
    int rc;
    uint32_t w[6];
    for (int i = 0; i < 6; i++)
        w[i] = fmt_rd_u32(c);
    if (c->code)
        return c->code;
    fmt_combine *cb = fr_calloc(h->alloc, 1, sizeof *cb);
    if (!cb)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    h->combine = cb;
    cb->task = w[0];
    cb->rule = w[1];
    cb->n_members = w[2];
    cb->n_classes = w[3];
    if (w[4] || w[5])
        return FR_CORRUPT(e, "COMBINE: reserved fields are not zero");
    int classifier = cb->rule != FMT_COMB_MEAN;
    if (cb->rule < FMT_COMB_SOFT_VOTE || cb->rule > FMT_COMB_OVR)
        return FR_CORRUPT(e, "COMBINE: unknown rule %u", cb->rule);
    if (cb->task != (classifier ? FMT_TASK_CLASSIFIER : FMT_TASK_REGRESSOR))
        return FR_CORRUPT(e, "COMBINE: task %u does not go with rule %u", cb->task, cb->rule);
    if (classifier ? cb->n_classes < 2 || cb->n_classes > (1u << 20) : cb->n_classes != 0)
        return FR_CORRUPT(e, "COMBINE: %u classes for rule %u", cb->n_classes, cb->rule);
    /* a member takes at least 24 bytes */
    if (cb->n_members == 0 || (uint64_t)cb->n_members * 24 > c->left)
        return FR_CORRUPT(e, "COMBINE: %u members cannot fit %zu bytes", cb->n_members, c->left);
    if (cb->rule == FMT_COMB_OVR && cb->n_members != (cb->n_classes == 2 ? 1 : cb->n_classes))
        return FR_CORRUPT(e, "COMBINE: one-vs-rest over %u classes with %u members",
                          cb->n_classes, cb->n_members);
    cb->members = fr_calloc(h->alloc, cb->n_members, sizeof *cb->members);
    if (!cb->members)
        return fr_fail(e, FR_ENOMEM, "out of memory for %u members", cb->n_members);
    uint32_t n_slots = h->program ? h->program->n_slots : h->n_inputs;
    const uint8_t *kinds = h->program ? h->program->slot_kind : h->feature_kinds;
    uint32_t next_tree = 0;
    double weight_sum = 0.0;
    for (uint32_t i = 0; i < cb->n_members; i++) {
        fmt_member *m = &cb->members[i];
        char what[48];
        snprintf(what, sizeof what, "COMBINE member %u", i);
        m->kind = fmt_rd_u32(c);
        m->score = fmt_rd_u32(c);
        m->weight = fmt_rd_f64(c);
        m->n_in = fmt_rd_u32(c);
        uint32_t reserved = fmt_rd_u32(c);
        if (c->code)
            return c->code;
        if (reserved)
            return FR_CORRUPT(e, "%s: reserved field is not zero", what);
        if (m->kind != FMT_MEMBER_TREES && m->kind != FMT_MEMBER_LINEAR)
            return FR_CORRUPT(e, "%s: unknown kind %u", what, m->kind);
        if (!isfinite(m->weight) || m->weight < 0 ||
            (cb->rule == FMT_COMB_OVR && m->weight != 1.0))
            return FR_CORRUPT(e, "%s: weight %g out of range", what, m->weight);
        weight_sum += m->weight;
        if (cb->rule == FMT_COMB_OVR ? m->score != FMT_SCORE_DECISION &&
                                           m->score != FMT_SCORE_PROBA
                                     : m->score != FMT_SCORE_NONE)
            return FR_CORRUPT(e, "%s: score %u does not go with rule %u", what, m->score,
                              cb->rule);
        if (m->n_in == 0 || m->n_in > FMT_FEATURE_MASK || (uint64_t)m->n_in * 4 > c->left)
            return FR_CORRUPT(e, "%s: %u input slots cannot fit %zu bytes", what, m->n_in,
                              c->left);
        m->slots = fr_calloc(h->alloc, m->n_in, sizeof *m->slots);
        if (!m->slots)
            return fr_fail(e, FR_ENOMEM, "out of memory");
        for (uint32_t j = 0; j < m->n_in; j++) {
            m->slots[j] = fmt_rd_u32(c);
            if (m->slots[j] >= n_slots)
                return FR_CORRUPT(e, "%s: input slot %u out of range (%u slots)", what,
                                  m->slots[j], n_slots);
            if (kinds && kinds[m->slots[j]] != FMT_SLOT_NUM)
                return FR_CORRUPT(e, "%s: input slot %u %s", what, m->slots[j],
                                  kinds[m->slots[j]] == FMT_SLOT_STR ? "holds strings"
                                                                     : "is an unused column");
        }
        uint32_t task, n_outputs, n_classes;
        if (m->kind == FMT_MEMBER_TREES) {
            uint32_t first = fmt_rd_u32(c), top_chunk;
            if ((rc = fmt_agg_parse(h, c, what, 0, &m->trees, &top_chunk)))
                return rc;
            m->trees.first_tree = first;
            if (m->trees.kind == FMT_ENS_ISOLATION)
                return FR_CORRUPT(e, "%s: an ISOLATION model cannot be a member", what);
            if (!h->has_ensemble || h->kind != FMT_ENS_MEMBERS || top_chunk != h->top_chunk)
                return FR_CORRUPT(e, "%s: trees without a MEMBERS tree table", what);
            /* tree members cover the table in order, each a contiguous range */
            if (first != next_tree || m->trees.n_trees > h->n_trees - first)
                return FR_CORRUPT(e, "%s: trees [%u, +%u) do not follow tree %u of %u", what,
                                  first, m->trees.n_trees, next_tree, h->n_trees);
            next_tree = first + m->trees.n_trees;
            if (m->trees.n_features != m->n_in)
                return FR_CORRUPT(e, "%s: %u features, %u input slots", what,
                                  m->trees.n_features, m->n_in);
            for (uint32_t t = first; t < next_tree; t++)
                if ((rc = fmt_tree_check_agg(h, t, &m->trees, e)))
                    return rc;
            task = m->trees.task;
            n_outputs = m->trees.n_outputs;
            n_classes = m->trees.n_classes_total;
        } else {
            uint32_t len = fmt_rd_u32(c);
            const uint8_t *body = fmt_rd_bytes(c, len);
            if (c->code)
                return c->code;
            if ((rc = fmt_linear_parse(body, len, h->alloc, &m->linear, e)))
                return fr_wrap(e, "%s", what);
            if (m->linear->n_features != m->n_in)
                return FR_CORRUPT(e, "%s: %u features, %u input slots", what,
                                  m->linear->n_features, m->n_in);
            task = m->linear->task;
            n_outputs = task == FMT_TASK_CLASSIFIER ? 1 : m->linear->n_rows;
            n_classes = fmt_linear_classes(m->linear);
            if (task == FMT_TASK_CLASSIFIER && !n_classes)
                return FR_CORRUPT(e, "%s: LINEAR rule %u with %u coefficient rows", what,
                                  m->linear->rule, m->linear->n_rows);
        }
        /* what each rule needs of its members (FORMAT.md COMBINE) */
        uint32_t want_classes = cb->rule == FMT_COMB_OVR ? 2 : cb->n_classes;
        if (task != cb->task || n_outputs != 1 ||
            (classifier && n_classes != want_classes))
            return FR_CORRUPT(e, "%s: task %u with %u outputs and %u classes does not fit the "
                              "combination", what, task, n_outputs, n_classes);
        if (m->score == FMT_SCORE_DECISION && !fmt_member_has_decision(m))
            return FR_CORRUPT(e, "%s: a decision score from a member without one", what);
        if ((m->score == FMT_SCORE_PROBA || cb->rule == FMT_COMB_SOFT_VOTE) &&
            !fmt_member_has_proba(m))
            return FR_CORRUPT(e, "%s: probabilities from a member without them", what);
    }
    if (h->has_ensemble && next_tree != h->n_trees)
        return FR_CORRUPT(e, "COMBINE: members cover %u of %u trees", next_tree, h->n_trees);
    if ((cb->rule == FMT_COMB_SOFT_VOTE || cb->rule == FMT_COMB_MEAN) &&
        !(weight_sum > 0 && isfinite(weight_sum)))
        return FR_CORRUPT(e, "COMBINE: the weights sum to %g", weight_sum);
    if ((rc = fmt_rd_end(c)))
        return rc;
    /* the combination is the file's estimator: one output */
    h->task = cb->task;
    h->n_outputs = 1;
    if (classifier) {
        h->n_classes = fr_calloc(h->alloc, 1, sizeof *h->n_classes);
        if (!h->n_classes)
            return fr_fail(e, FR_ENOMEM, "out of memory");
        h->n_classes[0] = h->n_classes_total = cb->n_classes;
    }
    return 0;
}

int fmt_member_has_proba(const fmt_member *m)
{
    if (m->kind == FMT_MEMBER_LINEAR)
        return m->linear->task == FMT_TASK_CLASSIFIER && m->linear->rule != FMT_LIN_DECISION;
    return m->trees.task == FMT_TASK_CLASSIFIER && m->trees.kind != FMT_ENS_ISOLATION;
}

/* A binary classifier's decision_function: a linear member's d, a boosted member's raw score. */
int fmt_member_has_decision(const fmt_member *m)
{
    if (m->kind == FMT_MEMBER_LINEAR)
        return m->linear->task == FMT_TASK_CLASSIFIER && m->linear->n_rows == 1;
    return m->trees.task == FMT_TASK_CLASSIFIER && m->trees.kind == FMT_ENS_BOOSTED &&
           m->trees.n_raw == 1;
}

void fmt_combine_free(const fr_allocator *a, fmt_combine *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; c->members && i < c->n_members; i++) {
        fr_free(a, c->members[i].slots);
        fmt_agg_free(a, &c->members[i].trees);
        fmt_linear_free(a, c->members[i].linear);
    }
    fr_free(a, c->members);
    fr_free(a, c);
}

void fmt_combine_write(const fmt_combine *c, fmt_buf *b)
{
    fmt_put_u32(b, c->task);
    fmt_put_u32(b, c->rule);
    fmt_put_u32(b, c->n_members);
    fmt_put_u32(b, c->n_classes);
    fmt_put_u32(b, 0);
    fmt_put_u32(b, 0);
    for (uint32_t i = 0; i < c->n_members; i++) {
        const fmt_member *m = &c->members[i];
        fmt_put_u32(b, m->kind);
        fmt_put_u32(b, m->score);
        fmt_put_f64(b, m->weight);
        fmt_put_u32(b, m->n_in);
        fmt_put_u32(b, 0);
        for (uint32_t j = 0; j < m->n_in; j++)
            fmt_put_u32(b, m->slots[j]);
        if (m->kind == FMT_MEMBER_TREES) {
            const fmt_agg *g = &m->trees;
            fmt_put_u32(b, g->first_tree);
            fmt_put_u32(b, g->task);
            fmt_put_u32(b, g->kind);
            fmt_put_u32(b, g->n_features);
            fmt_put_u32(b, g->n_outputs);
            fmt_put_u32(b, g->n_trees);
            fmt_put_u32(b, g->leaf_width);
            fmt_put_u32(b, g->flags);
            fmt_put_u32(b, g->link);
            fmt_put_u32(b, g->n_raw);
            fmt_put_u32(b, 0); /* top_chunk: the writer's is chunk 0 */
            fmt_put_f64(b, g->learning_rate);
            if (g->task == FMT_TASK_CLASSIFIER)
                for (uint32_t k = 0; k < g->n_outputs; k++)
                    fmt_put_u32(b, g->n_classes[k]);
            for (uint32_t k = 0; k < g->n_raw; k++)
                fmt_put_f64(b, g->init_raw[k]);
        } else {
            fmt_buf lb = {.a = b->a};
            fmt_linear_write(m->linear, &lb);
            fmt_put_u32(b, (uint32_t)lb.len);
            if (lb.oom)
                b->oom = 1;
            else
                fmt_put(b, lb.p, lb.len);
            fr_free(lb.a, lb.p);
        }
    }
}

/* VotingClassifier has predict_proba only with voting='soft' (sklearn/ensemble/_voting.py,
 * available_if(_check_voting)); OneVsRestClassifier when its estimators have it
 * (sklearn/multiclass.py, _estimators_has("predict_proba")). */
int fmt_combine_has_proba(const fmt_combine *c)
{
    if (c->rule == FMT_COMB_SOFT_VOTE)
        return 1;
    if (c->rule != FMT_COMB_OVR)
        return 0;
    for (uint32_t i = 0; i < c->n_members; i++)
        if (!fmt_member_has_proba(&c->members[i]))
            return 0;
    return 1;
}
