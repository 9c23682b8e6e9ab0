/*
 * ensemble.c — the ENSEMBLE section (FORMAT.md): how a tree estimator aggregates its trees, and
 * the tree records, each checked against the chunk directory before a walker may follow it.
 * The aggregation fields are shared with COMBINE's tree members (combine.c).
 */
#include <math.h>

#include "alloc.h"
#include "sections.h"

int fmt_agg_parse(fmt_header *h, fmt_rd *r, const char *what, int members, fmt_agg *g,
                  uint32_t *top_chunk)
{
    fr_err *e = r->e;
    g->task = fmt_rd_u32(r);
    g->kind = fmt_rd_u32(r);
    g->n_features = fmt_rd_u32(r);
    g->n_outputs = fmt_rd_u32(r);
    g->n_trees = fmt_rd_u32(r);
    g->leaf_width = fmt_rd_u32(r);
    g->flags = fmt_rd_u32(r);
    g->link = fmt_rd_u32(r);
    g->n_raw = fmt_rd_u32(r);
    *top_chunk = fmt_rd_u32(r);
    g->learning_rate = fmt_rd_f64(r);
    if (r->code)
        return r->code;
    if (members) {
        if (g->task || g->n_features || g->n_outputs || g->leaf_width || g->flags || g->link ||
            g->n_raw || g->learning_rate != 0.0)
            return FR_CORRUPT(e, "%s: a MEMBERS tree table with aggregation fields set", what);
        return 0;
    }
    if (g->task != FMT_TASK_CLASSIFIER && g->task != FMT_TASK_REGRESSOR)
        return FR_CORRUPT(e, "%s: unknown task %u", what, g->task);
    if (g->kind != FMT_ENS_MEAN && g->kind != FMT_ENS_BOOSTED && g->kind != FMT_ENS_ISOLATION)
        return FR_CORRUPT(e, "%s: unknown kind %u", what, g->kind);
    if (g->n_features == 0 || g->n_features > FMT_FEATURE_MASK)
        return FR_CORRUPT(e, "%s: n_features %u out of range", what, g->n_features);
    if (g->n_outputs == 0 || g->n_outputs > 65536)
        return FR_CORRUPT(e, "%s: n_outputs %u out of range", what, g->n_outputs);
    if (g->flags & ~FMT_ENS_KNOWN_FLAGS)
        return FR_CORRUPT(e, "%s: reserved flag bits set (0x%x)", what, g->flags);
    if (h->minor < 3 && (g->kind == FMT_ENS_ISOLATION || g->link > FMT_LINK_SOFTMAX ||
                         (g->flags & (FMT_ENS_WIDE_SPLITS | FMT_ENS_PROBA_ARGMAX))))
        return FR_CORRUPT(e, "%s: kind %u, link %u, flags 0x%x in a format %u.%u file (they "
                          "need 1.3)", what, g->kind, g->link, g->flags, h->major, h->minor);
    if (g->task == FMT_TASK_CLASSIFIER) {
        g->n_classes = fmt_rd_array(r, h->alloc, g->n_outputs, sizeof *g->n_classes, 4);
        if (!g->n_classes)
            return r->code;
        uint64_t total = 0;
        for (uint32_t k = 0; k < g->n_outputs; k++) {
            g->n_classes[k] = fmt_rd_u32(r);
            if (g->n_classes[k] == 0 || g->n_classes[k] > (1u << 20))
                return FR_CORRUPT(e, "%s: output %u has %u classes", what, k, g->n_classes[k]);
            total += g->n_classes[k];
        }
        if (total > (1u << 24))
            return FR_CORRUPT(e, "%s: %llu classes in all", what, (unsigned long long)total);
        g->n_classes_total = (uint32_t)total;
    }
    if (g->kind == FMT_ENS_ISOLATION) {
        /* an outlier detector: two classes (-1, 1), one path length per leaf */
        if (g->task != FMT_TASK_CLASSIFIER || g->n_outputs != 1 || g->n_classes[0] != 2 ||
            g->leaf_width != 1 || g->link != FMT_LINK_IDENTITY || g->n_raw != 0 ||
            g->learning_rate != 0.0 || (g->flags & ~FMT_ENS_WIDE_SPLITS))
            return FR_CORRUPT(e, "%s: inconsistent ISOLATION model (task %u, outputs %u, "
                              "leaf_width %u, link %u, n_raw %u, flags 0x%x)", what, g->task,
                              g->n_outputs, g->leaf_width, g->link, g->n_raw, g->flags);
        g->path_norm = fmt_rd_f64(r);
        g->offset = fmt_rd_f64(r);
        if (!r->code && (!isfinite(g->path_norm) || g->path_norm < 0 || !isfinite(g->offset)))
            return FR_CORRUPT(e, "%s: path_norm %g, offset %g out of range", what, g->path_norm,
                              g->offset);
    } else if (g->kind == FMT_ENS_MEAN) {
        uint32_t want = g->task == FMT_TASK_CLASSIFIER ? g->n_classes_total : g->n_outputs;
        if (g->leaf_width != want || g->link != FMT_LINK_IDENTITY || g->n_raw != 0)
            return FR_CORRUPT(e, "%s: MEAN model with leaf_width %u (want %u), link %u, "
                              "n_raw %u", what, g->leaf_width, want, g->link, g->n_raw);
        if (g->task == FMT_TASK_REGRESSOR &&
            (g->flags & (FMT_ENS_NORMALIZE_LEAVES | FMT_ENS_RAW_ARGMAX)))
            return FR_CORRUPT(e, "%s: classifier flags on a regressor", what);
        if (g->flags & (FMT_ENS_SIGN_DECISION | FMT_ENS_PROBA_ARGMAX))
            return FR_CORRUPT(e, "%s: boosting flags on a MEAN model", what);
        if (g->learning_rate != 0.0)
            return FR_CORRUPT(e, "%s: a learning rate on a MEAN model", what);
        if ((g->flags & FMT_ENS_RAW_ARGMAX) && g->n_trees != 1)
            return FR_CORRUPT(e, "%s: RAW_ARGMAX on %u trees (it is for one)", what, g->n_trees);
    } else {
        int ok = g->leaf_width == 1 && g->n_outputs == 1 && g->n_raw >= 1;
        int softmax = g->link == FMT_LINK_SOFTMAX || g->link == FMT_LINK_SOFTMAX_NORM;
        if (g->task == FMT_TASK_REGRESSOR)
            ok = ok && g->n_raw == 1 &&
                 (g->link == FMT_LINK_IDENTITY || g->link == FMT_LINK_EXP);
        else if (g->n_classes_total == 2)
            ok = ok && g->n_raw == 1 && g->link == FMT_LINK_LOGISTIC;
        else
            ok = ok && g->n_raw == g->n_classes_total && g->n_raw >= 3 && softmax;
        if (!ok)
            return FR_CORRUPT(e, "%s: inconsistent BOOSTED model (leaf_width %u, outputs "
                              "%u, n_raw %u, link %u)", what, g->leaf_width, g->n_outputs,
                              g->n_raw, g->link);
        if (g->flags & (FMT_ENS_NORMALIZE_LEAVES | FMT_ENS_RAW_ARGMAX))
            return FR_CORRUPT(e, "%s: MEAN flags on a BOOSTED model", what);
        if ((g->flags & FMT_ENS_SIGN_DECISION) && g->link != FMT_LINK_LOGISTIC)
            return FR_CORRUPT(e, "%s: SIGN_DECISION on a model without a logistic link", what);
        if ((g->flags & FMT_ENS_PROBA_ARGMAX) && !softmax)
            return FR_CORRUPT(e, "%s: PROBA_ARGMAX on a model without a softmax link", what);
        g->init_raw = fmt_rd_array(r, h->alloc, g->n_raw, sizeof *g->init_raw, 8);
        if (!g->init_raw)
            return r->code;
        for (uint32_t k = 0; k < g->n_raw; k++)
            g->init_raw[k] = fmt_rd_f64(r);
    }
    if ((uint64_t)g->leaf_width * 8 +
            (g->flags & FMT_ENS_WIDE_SPLITS ? FMT_CAT_NODE_SIZE : FMT_NODE_SIZE) > h->block_size)
        return FR_CORRUPT(e, "%s: a %u-value leaf does not fit a %u-byte block", what,
                          g->leaf_width, h->block_size);
    if (g->n_trees == 0)
        return FR_CORRUPT(e, "%s: no trees", what);
    return r->code;
}

int fmt_tree_check_agg(fmt_header *h, uint32_t t, const fmt_agg *g, fr_err *e)
{
    fmt_tree *tr = &h->trees[t];
    if (g->kind == FMT_ENS_BOOSTED ? tr->raw_column >= g->n_raw : tr->raw_column != 0)
        return FR_CORRUPT(e, "tree %u: raw column %u out of range", t, tr->raw_column);
    /* Every node and leaf occupies its own bytes of the tree's space. */
    uint64_t space = (uint64_t)tr->top_size + tr->body_size;
    uint32_t node = g->flags & FMT_ENS_WIDE_SPLITS ? FMT_WIDE_NODE_SIZE : FMT_NODE_SIZE;
    if ((uint64_t)tr->n_splits * node + (uint64_t)tr->n_leaves * 8 * g->leaf_width > space)
        return FR_CORRUPT(e, "tree %u: %u splits and %u leaves cannot fit its %llu bytes", t,
                          tr->n_splits, tr->n_leaves, (unsigned long long)space);
    tr->leaf_width = g->leaf_width;
    tr->n_features = g->n_features;
    tr->wide = (g->flags & FMT_ENS_WIDE_SPLITS) != 0;
    return 0;
}

/* One tree record: where its top part and body lie, and whether they can hold its nodes. */
static void read_tree_record(fmt_tree *tr, const uint8_t *rec)
{
    tr->top_offset = fr_rd64(rec + FMT_TR_TOP_OFFSET);
    tr->top_size = fr_rd32(rec + FMT_TR_TOP_SIZE);
    tr->body_chunk = fr_rd32(rec + FMT_TR_BODY_CHUNK);
    tr->body_offset = fr_rd64(rec + FMT_TR_BODY_OFFSET);
    tr->body_size = fr_rd32(rec + FMT_TR_BODY_SIZE);
    tr->raw_column = fr_rd32(rec + FMT_TR_RAW_COLUMN);
    tr->n_splits = fr_rd32(rec + FMT_TR_N_SPLITS);
    tr->n_leaves = fr_rd32(rec + FMT_TR_N_LEAVES);
    tr->root = tr->n_splits ? FMT_REF_NODE : FMT_REF_LEAF;
}

/* The rules of a record that need no aggregation: its parts inside their chunks, in record
 * order (prev_chunk / prev_end: the last body seen), and room for a binary tree. */
static int check_tree_record(const fmt_header *h, uint32_t t, const fmt_tree *tr,
                             const uint8_t *body_used, uint32_t prev_chunk, uint64_t prev_end,
                             fr_err *e)
{
    const fmt_chunk *top = &h->chunks[h->top_chunk];
    uint64_t space = (uint64_t)tr->top_size + tr->body_size;
    if (tr->top_offset % 8 || tr->top_size % 8 || tr->top_size < 8 ||
        tr->top_offset > top->raw_size || tr->top_size > top->raw_size - tr->top_offset)
        return FR_CORRUPT(e, "tree %u: top part [%llu, +%u) outside the top chunk", t,
                          (unsigned long long)tr->top_offset, tr->top_size);
    if (tr->body_chunk == FMT_NONE ? (tr->body_offset || tr->body_size)
        : (tr->body_chunk >= h->n_chunks || h->chunks[tr->body_chunk].kind != FMT_CHUNK_BODY ||
           tr->body_offset % 8 || tr->body_size % 8 || tr->body_size == 0 ||
           tr->body_offset > h->chunks[tr->body_chunk].raw_size ||
           tr->body_size > h->chunks[tr->body_chunk].raw_size - tr->body_offset))
        return FR_CORRUPT(e, "tree %u: body [%llu, +%u) of chunk %u is not inside a body chunk",
                          t, (unsigned long long)tr->body_offset, tr->body_size, tr->body_chunk);
    if (tr->body_chunk != FMT_NONE &&
        (tr->body_chunk < prev_chunk ||
         (tr->body_chunk == prev_chunk && body_used[prev_chunk] && tr->body_offset < prev_end)))
        return FR_CORRUPT(e, "tree %u: body overlaps or precedes the previous tree's", t);
    if (tr->n_leaves != tr->n_splits + 1)
        return FR_CORRUPT(e, "tree %u: %u splits and %u leaves do not make a binary tree", t,
                          tr->n_splits, tr->n_leaves);
    if (space >= (1ull << 32))
        return FR_CORRUPT(e, "tree %u: its space of %llu bytes is too large", t,
                          (unsigned long long)space);
    return 0;
}

int fmt_ensemble_parse(fmt_header *h, fmt_rd *r)
{
    fr_err *e = r->e;
    fmt_agg g = {0};
    /* kind MEMBERS is told apart before the block is read: its fields are all zero */
    uint32_t kind = r->left >= 8 ? fr_rd32(r->p + 4) : 0;
    int members = kind == FMT_ENS_MEMBERS;
    int rc = fmt_agg_parse(h, r, "ENSEMBLE", members, &g, &h->top_chunk);
    h->task = g.task;
    h->kind = g.kind;
    h->n_features = g.n_features;
    h->n_outputs = g.n_outputs;
    h->n_trees = g.n_trees;
    h->leaf_width = g.leaf_width;
    h->ens_flags = g.flags;
    h->link = g.link;
    h->n_raw = g.n_raw;
    h->learning_rate = g.learning_rate;
    h->n_classes = g.n_classes;
    h->n_classes_total = g.n_classes_total;
    h->init_raw = g.init_raw;
    h->path_norm = g.path_norm;
    h->offset = g.offset;
    if (rc)
        return rc;
    if (members && h->n_trees == 0)
        return FR_CORRUPT(e, "ENSEMBLE: no trees");
    if ((uint64_t)h->n_trees * FMT_TREE_RECORD != r->left)
        return FR_CORRUPT(e, "ENSEMBLE: %u tree records do not fill the remaining %zu bytes",
                          h->n_trees, r->left);
    if (h->top_chunk >= h->n_chunks || h->chunks[h->top_chunk].kind != FMT_CHUNK_TOP)
        return FR_CORRUPT(e, "ENSEMBLE: top chunk %u is not a top pack", h->top_chunk);
    h->trees = fr_calloc(h->alloc, h->n_trees ? h->n_trees : 1, sizeof *h->trees);
    uint8_t *body_used = fr_calloc(h->alloc, h->n_chunks ? h->n_chunks : 1, 1);
    if (!h->trees || !body_used) {
        fr_free(h->alloc, body_used);
        return fr_fail(e, FR_ENOMEM, "out of memory for %u trees", h->n_trees);
    }
    uint32_t prev_chunk = 0;  /* the last body seen: bodies come in record order */
    uint64_t prev_end = 0;
    for (uint32_t t = 0; t < h->n_trees && !rc; t++) {
        fmt_tree *tr = &h->trees[t];
        read_tree_record(tr, fmt_rd_bytes(r, FMT_TREE_RECORD));
        rc = check_tree_record(h, t, tr, body_used, prev_chunk, prev_end, e);
        if (!rc && !members)
            rc = fmt_tree_check_agg(h, t, &g, e); /* members: against their COMBINE member */
        if (!rc && tr->body_chunk != FMT_NONE) {
            body_used[tr->body_chunk] = 1;
            prev_chunk = tr->body_chunk;
            prev_end = tr->body_offset + tr->body_size;
        }
    }
    for (uint32_t i = 0; !rc && i < h->n_chunks; i++)
        if (h->chunks[i].kind == FMT_CHUNK_BODY && !body_used[i])
            rc = FR_CORRUPT(e, "chunk %u: body chunk used by no tree", i);
    for (uint32_t i = 0; !rc && i < h->n_chunks; i++)
        if (h->chunks[i].kind == FMT_CHUNK_TOP && i != h->top_chunk)
            rc = FR_CORRUPT(e, "chunk %u: a second top chunk", i);
    fr_free(h->alloc, body_used);
    return rc;
}

void fmt_agg_free(const fr_allocator *a, fmt_agg *g)
{
    fr_free(a, g->n_classes);
    fr_free(a, g->init_raw);
    g->n_classes = NULL;
    g->init_raw = NULL;
}
