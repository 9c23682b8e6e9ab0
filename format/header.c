/*
 * header.c — parses and validates the header region of a .frost file (FORMAT.md).
 *
 * The digest is checked before any offset is trusted; after that every count and offset is
 * still checked against the bytes that remain, because a file can be crafted with a valid
 * digest. Every failure names the field that is wrong.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "endian.h"
#include "format.h"

const uint8_t fmt_magic[8] = {0x89, 'F', 'R', 'O', 'S', 'T', '\r', '\n'};
const uint8_t fmt_end_magic[8] = {'F', 'R', 'O', 'S', 'T', 'E', 'N', 'D'};

/* A bounded cursor over one section body. */
typedef struct cursor {
    const uint8_t *p;
    size_t left;
    const char *what; /* section name, for messages */
} cursor;

static int cur_need(cursor *c, size_t n, fr_err *e)
{
    if (c->left < n)
        return FR_CORRUPT(e, "%s section: ends early (needs %zu more bytes, has %zu)", c->what, n,
                          c->left);
    return 0;
}

static int cur_u32(cursor *c, uint32_t *v, fr_err *e)
{
    int rc = cur_need(c, 4, e);
    if (rc)
        return rc;
    *v = fr_rd32(c->p);
    c->p += 4;
    c->left -= 4;
    return 0;
}

static int cur_f64(cursor *c, double *v, fr_err *e)
{
    int rc = cur_need(c, 8, e);
    if (rc)
        return rc;
    *v = fr_rdf64(c->p);
    c->p += 8;
    c->left -= 8;
    return 0;
}

int fmt_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        /* no overlong forms, no surrogates, nothing past U+10FFFF */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        i += len;
    }
    return 1;
}

/* Reads a str into a fresh NUL-terminated copy. */
static int cur_str(cursor *c, const fr_allocator *a, char **out, fr_err *e)
{
    uint32_t n;
    int rc = cur_u32(c, &n, e);
    if (rc)
        return rc;
    if ((rc = cur_need(c, n, e)))
        return rc;
    if (memchr(c->p, 0, n) || !fmt_utf8_valid(c->p, n))
        return FR_CORRUPT(e, "%s section: a string is not NUL-free UTF-8", c->what);
    char *s = fr_malloc(a, (size_t)n + 1);
    if (!s)
        return fr_fail(e, FR_ENOMEM, "out of memory reading %s section", c->what);
    memcpy(s, c->p, n);
    s[n] = '\0';
    c->p += n;
    c->left -= n;
    *out = s;
    return 0;
}

int fmt_peek_header_size(const uint8_t *sb, size_t len, uint64_t *header_size, fr_err *e)
{
    if (len < FMT_SUPERBLOCK_SIZE)
        return fr_fail(e, FR_ETRUNCATED, "file too short for a .frost superblock (%zu bytes)",
                       len);
    if (memcmp(sb, fmt_magic, 8) != 0)
        return fr_fail(e, FR_EFORMAT, "not a .frost file (bad magic)");
    uint16_t major = fr_rd16(sb + 8);
    if (major > FMT_MAJOR)
        return fr_fail(e, FR_EVERSION,
                       "file format version %u.%u needs a newer frost (this one reads %u.x)",
                       major, fr_rd16(sb + 10), FMT_MAJOR);
    if (major != FMT_MAJOR)
        return FR_CORRUPT(e, "superblock: major version %u is not valid", major);
    uint64_t hs = fr_rd64(sb + 24);
    if (hs < FMT_PAGE || hs % FMT_PAGE != 0 || hs > (1u << 30))
        return FR_CORRUPT(e, "superblock: header_size %llu is not a page multiple in range",
                          (unsigned long long)hs);
    *header_size = hs;
    return 0;
}

static int check_digest(const uint8_t *buf, uint64_t hs, fr_err *e)
{
    /* The digest field is hashed as zero: hash around it rather than copy a large header. */
    static const uint8_t zero16[16];
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return fr_fail(e, FR_ENOMEM, "out of memory hashing the header");
    XXH3_128bits_reset(st);
    XXH3_128bits_update(st, buf, 64);
    XXH3_128bits_update(st, zero16, 16);
    XXH3_128bits_update(st, buf + 80, (size_t)hs - 80);
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, h);
    if (memcmp(canon.digest, buf + 64, 16) != 0)
        return FR_CORRUPT(e, "header digest mismatch: the header region is damaged");
    return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static int parse_blocks(fmt_header *h, cursor *c, fr_err *e)
{
    uint32_t count, reserved;
    int rc;
    if ((rc = cur_u32(c, &count, e)) || (rc = cur_u32(c, &reserved, e)))
        return rc;
    if (reserved)
        return FR_CORRUPT(e, "BLOCKS section: reserved field is not zero");
    if ((uint64_t)count * 32 != c->left)
        return FR_CORRUPT(e, "BLOCKS section: %u entries do not fill its %zu bytes", count,
                          c->left);
    h->block_table = c->p;
    h->n_blocks = count;
    for (uint32_t i = 0; i < count; i++, c->p += 32, c->left -= 32) {
        const fmt_block bv = fmt_block_at(h, i), *b = &bv;
        if (!all_zero(c->p + 17, 7))
            return FR_CORRUPT(e, "block %u: reserved bytes are not zero", i);
        if (b->raw_size == 0 || b->raw_size > h->block_size)
            return FR_CORRUPT(e, "block %u: raw size %u out of range (block size %u)", i,
                              b->raw_size, h->block_size);
        if (b->stored_size == 0)
            return FR_CORRUPT(e, "block %u: stored size is zero", i);
        if (b->codec == FMT_CODEC_NONE) {
            if (b->stored_size != b->raw_size)
                return FR_CORRUPT(e, "block %u: uncompressed but stored size %u != raw size %u",
                                  i, b->stored_size, b->raw_size);
        } else if (b->codec == FMT_CODEC_LZ4) {
            /* LZ4_compressBound(n) = n + n/255 + 16 */
            if (b->stored_size > b->raw_size + b->raw_size / 255 + 16)
                return FR_CORRUPT(e, "block %u: lz4 stored size %u exceeds the bound for %u", i,
                                  b->stored_size, b->raw_size);
            /* No LZ4 block expands more than 255-fold (a match grows by at most 255 bytes per
             * stored byte, FORMAT.md): refusing larger claims at open keeps the memory a chunk
             * buffer takes within 255 times the bytes really in the file. */
            if ((uint64_t)b->raw_size > (uint64_t)b->stored_size * 255)
                return FR_CORRUPT(e, "block %u: lz4 raw size %u is more than 255 times its "
                                  "stored size %u", i, b->raw_size, b->stored_size);
        } else {
            return FR_CORRUPT(e, "block %u: unknown codec %u", i, b->codec);
        }
        uint64_t data_end = h->header_size + h->data_size;
        if (b->offset < h->header_size || b->offset > data_end ||
            b->stored_size > data_end - b->offset)
            return FR_CORRUPT(e, "block %u: stored bytes [%llu, +%u) lie outside the data region",
                              i, (unsigned long long)b->offset, b->stored_size);
    }
    return 0;
}

static int parse_chunks(fmt_header *h, cursor *c, fr_err *e)
{
    uint32_t count, reserved;
    int rc;
    if ((rc = cur_u32(c, &count, e)) || (rc = cur_u32(c, &reserved, e)))
        return rc;
    if (reserved)
        return FR_CORRUPT(e, "CHUNKS section: reserved field is not zero");
    if ((uint64_t)count * 24 != c->left)
        return FR_CORRUPT(e, "CHUNKS section: %u entries do not fill its %zu bytes", count,
                          c->left);
    h->chunks = fr_calloc(h->alloc, count ? count : 1, sizeof *h->chunks);
    if (!h->chunks)
        return fr_fail(e, FR_ENOMEM, "out of memory for %u chunks", count);
    h->n_chunks = count;
    uint32_t next_block = 0;
    uint64_t prev_end = h->header_size;
    for (uint32_t i = 0; i < count; i++, c->p += 24, c->left -= 24) {
        fmt_chunk *ch = &h->chunks[i];
        ch->kind = fr_rd32(c->p);
        ch->first_block = fr_rd32(c->p + 4);
        ch->block_count = fr_rd32(c->p + 8);
        ch->raw_size = fr_rd64(c->p + 16);
        if (fr_rd32(c->p + 12))
            return FR_CORRUPT(e, "chunk %u: reserved field is not zero", i);
        if (ch->kind != FMT_CHUNK_TOP && ch->kind != FMT_CHUNK_BODY)
            return FR_CORRUPT(e, "chunk %u: unknown kind %u", i, ch->kind);
        if (ch->first_block != next_block)
            return FR_CORRUPT(e, "chunk %u: first block %u, expected %u", i, ch->first_block,
                              next_block);
        if (ch->block_count == 0 || ch->block_count > h->n_blocks - ch->first_block)
            return FR_CORRUPT(e, "chunk %u: block count %u out of range", i, ch->block_count);
        const fmt_block b0v = fmt_block_at(h, ch->first_block), *b0 = &b0v;
        if (b0->offset % FMT_PAGE != 0)
            return FR_CORRUPT(e, "chunk %u: first block not page-aligned", i);
        uint64_t want_start = (prev_end + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE;
        if (b0->offset < want_start || (i == 0 && b0->offset != h->header_size))
            return FR_CORRUPT(e, "chunk %u: starts at %llu, overlapping or out of place", i,
                              (unsigned long long)b0->offset);
        uint64_t raw = 0, pos = b0->offset;
        for (uint32_t j = 0; j < ch->block_count; j++) {
            const fmt_block bv = fmt_block_at(h, ch->first_block + j), *b = &bv;
            if (b->offset != pos)
                return FR_CORRUPT(e, "chunk %u: block %u does not follow its predecessor", i,
                                  ch->first_block + j);
            if (j + 1 < ch->block_count && b->raw_size != h->block_size)
                return FR_CORRUPT(e, "chunk %u: inner block %u is not full", i,
                                  ch->first_block + j);
            pos += b->stored_size;
            raw += b->raw_size;
        }
        if (raw != ch->raw_size)
            return FR_CORRUPT(e, "chunk %u: raw size %llu != sum of its blocks %llu", i,
                              (unsigned long long)ch->raw_size, (unsigned long long)raw);
        ch->offset = b0->offset;
        ch->stored_size = pos - b0->offset;
        prev_end = pos;
        next_block += ch->block_count;
    }
    if (next_block != h->n_blocks)
        return FR_CORRUPT(e, "chunks cover %u of %u blocks", next_block, h->n_blocks);
    uint64_t want_data = (prev_end + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE - h->header_size;
    if (want_data != h->data_size)
        return FR_CORRUPT(e, "superblock: data_size %llu, but the chunks end at %llu",
                          (unsigned long long)h->data_size, (unsigned long long)want_data);
    return 0;
}

/* Reads an aggregation block — ENSEMBLE's fields from offset 0 up to the tree records, which a
 * COMBINE tree member repeats — into g, and checks its consistency (FORMAT.md ENSEMBLE). With
 * members set (an ENSEMBLE of kind MEMBERS) only the tree-table fields may be non-zero. */
static int parse_agg(fmt_header *h, cursor *c, const char *what, int members, fmt_agg *g,
                     uint32_t *top_chunk, fr_err *e)
{
    int rc;
    uint32_t w[10];
    for (int i = 0; i < 10; i++)
        if ((rc = cur_u32(c, &w[i], e)))
            return rc;
    g->task = w[0];
    g->kind = w[1];
    g->n_features = w[2];
    g->n_outputs = w[3];
    g->n_trees = w[4];
    g->leaf_width = w[5];
    g->flags = w[6];
    g->link = w[7];
    g->n_raw = w[8];
    *top_chunk = w[9];
    if ((rc = cur_f64(c, &g->learning_rate, e)))
        return rc;
    if (members) {
        if (g->task || g->n_features || g->n_outputs || g->leaf_width || g->flags || g->link ||
            g->n_raw || g->learning_rate != 0.0)
            return FR_CORRUPT(e, "%s: a MEMBERS tree table with aggregation fields set", what);
        return 0;
    }
    if (g->task != FMT_TASK_CLASSIFIER && g->task != FMT_TASK_REGRESSOR)
        return FR_CORRUPT(e, "%s: unknown task %u", what, g->task);
    if (g->kind != FMT_ENS_MEAN && g->kind != FMT_ENS_BOOSTED)
        return FR_CORRUPT(e, "%s: unknown kind %u", what, g->kind);
    if (g->n_features == 0 || g->n_features > FMT_FEATURE_MASK)
        return FR_CORRUPT(e, "%s: n_features %u out of range", what, g->n_features);
    if (g->n_outputs == 0 || g->n_outputs > 65536)
        return FR_CORRUPT(e, "%s: n_outputs %u out of range", what, g->n_outputs);
    if (g->flags & ~FMT_ENS_KNOWN_FLAGS)
        return FR_CORRUPT(e, "%s: reserved flag bits set (0x%x)", what, g->flags);
    if (g->task == FMT_TASK_CLASSIFIER) {
        if ((rc = cur_need(c, (size_t)g->n_outputs * 4, e)))
            return rc;
        g->n_classes = fr_calloc(h->alloc, g->n_outputs, sizeof *g->n_classes);
        if (!g->n_classes)
            return fr_fail(e, FR_ENOMEM, "out of memory");
        uint64_t total = 0;
        for (uint32_t k = 0; k < g->n_outputs; k++) {
            cur_u32(c, &g->n_classes[k], e);
            if (g->n_classes[k] == 0 || g->n_classes[k] > (1u << 20))
                return FR_CORRUPT(e, "%s: output %u has %u classes", what, k, g->n_classes[k]);
            total += g->n_classes[k];
        }
        if (total > (1u << 24))
            return FR_CORRUPT(e, "%s: %llu classes in all", what, (unsigned long long)total);
        g->n_classes_total = (uint32_t)total;
    }
    if (g->kind == FMT_ENS_MEAN) {
        uint32_t want = g->task == FMT_TASK_CLASSIFIER ? g->n_classes_total : g->n_outputs;
        if (g->leaf_width != want || g->link != FMT_LINK_IDENTITY || g->n_raw != 0)
            return FR_CORRUPT(e, "%s: MEAN model with leaf_width %u (want %u), link %u, "
                              "n_raw %u", what, g->leaf_width, want, g->link, g->n_raw);
        if (g->task == FMT_TASK_REGRESSOR &&
            (g->flags & (FMT_ENS_NORMALIZE_LEAVES | FMT_ENS_RAW_ARGMAX)))
            return FR_CORRUPT(e, "%s: classifier flags on a regressor", what);
        if (g->flags & FMT_ENS_SIGN_DECISION)
            return FR_CORRUPT(e, "%s: SIGN_DECISION on a MEAN model", what);
        if (g->learning_rate != 0.0)
            return FR_CORRUPT(e, "%s: a learning rate on a MEAN model", what);
        if ((g->flags & FMT_ENS_RAW_ARGMAX) && g->n_trees != 1)
            return FR_CORRUPT(e, "%s: RAW_ARGMAX on %u trees (it is for one)", what, g->n_trees);
    } else {
        int ok = g->leaf_width == 1 && g->n_outputs == 1 && g->n_raw >= 1;
        if (g->task == FMT_TASK_REGRESSOR)
            ok = ok && g->n_raw == 1 && g->link == FMT_LINK_IDENTITY;
        else if (g->n_classes_total == 2)
            ok = ok && g->n_raw == 1 && g->link == FMT_LINK_LOGISTIC;
        else
            ok = ok && g->n_raw == g->n_classes_total && g->n_raw >= 3 &&
                 g->link == FMT_LINK_SOFTMAX;
        if (!ok)
            return FR_CORRUPT(e, "%s: inconsistent BOOSTED model (leaf_width %u, outputs "
                              "%u, n_raw %u, link %u)", what, g->leaf_width, g->n_outputs,
                              g->n_raw, g->link);
        if (g->flags & (FMT_ENS_NORMALIZE_LEAVES | FMT_ENS_RAW_ARGMAX))
            return FR_CORRUPT(e, "%s: MEAN flags on a BOOSTED model", what);
        if ((g->flags & FMT_ENS_SIGN_DECISION) && g->link != FMT_LINK_LOGISTIC)
            return FR_CORRUPT(e, "%s: SIGN_DECISION on a model without a logistic link", what);
        if ((rc = cur_need(c, (size_t)g->n_raw * 8, e)))
            return rc;
        g->init_raw = fr_calloc(h->alloc, g->n_raw, sizeof *g->init_raw);
        if (!g->init_raw)
            return fr_fail(e, FR_ENOMEM, "out of memory");
        for (uint32_t k = 0; k < g->n_raw; k++)
            cur_f64(c, &g->init_raw[k], e);
    }
    if ((uint64_t)g->leaf_width * 8 + FMT_NODE_SIZE > h->block_size)
        return FR_CORRUPT(e, "%s: a %u-value leaf does not fit a %u-byte block", what,
                          g->leaf_width, h->block_size);
    if (g->n_trees == 0)
        return FR_CORRUPT(e, "%s: no trees", what);
    return 0;
}

/* The checks of a tree record that depend on how its estimator aggregates: its raw column, and
 * whether its nodes and leaves can fit its space. Also records the tree's leaf width and
 * feature count for the walkers. */
static int check_tree_agg(fmt_header *h, uint32_t t, const fmt_agg *g, fr_err *e)
{
    fmt_tree *tr = &h->trees[t];
    if (g->kind == FMT_ENS_BOOSTED ? tr->raw_column >= g->n_raw : tr->raw_column != 0)
        return FR_CORRUPT(e, "tree %u: raw column %u out of range", t, tr->raw_column);
    /* Every node and leaf occupies at least 8 distinct bytes of the tree's space. */
    uint64_t space = (uint64_t)tr->top_size + tr->body_size;
    if ((uint64_t)tr->n_splits * FMT_NODE_SIZE + (uint64_t)tr->n_leaves * 8 * g->leaf_width >
        space)
        return FR_CORRUPT(e, "tree %u: %u splits and %u leaves cannot fit its %llu bytes", t,
                          tr->n_splits, tr->n_leaves, (unsigned long long)space);
    tr->leaf_width = g->leaf_width;
    tr->n_features = g->n_features;
    return 0;
}

static int parse_ensemble(fmt_header *h, cursor *c, fr_err *e)
{
    int rc;
    fmt_agg g = {0};
    /* kind MEMBERS is told apart before the block is read: its fields are all zero */
    uint32_t kind = c->left >= 8 ? fr_rd32(c->p + 4) : 0;
    int members = kind == FMT_ENS_MEMBERS;
    rc = parse_agg(h, c, "ENSEMBLE", members, &g, &h->top_chunk, e);
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
    if (rc)
        return rc;
    if (members && h->n_trees == 0)
        return FR_CORRUPT(e, "ENSEMBLE: no trees");
    if ((uint64_t)h->n_trees * FMT_TREE_RECORD != c->left)
        return FR_CORRUPT(e, "ENSEMBLE: %u tree records do not fill the remaining %zu bytes",
                          h->n_trees, c->left);
    if (h->top_chunk >= h->n_chunks || h->chunks[h->top_chunk].kind != FMT_CHUNK_TOP)
        return FR_CORRUPT(e, "ENSEMBLE: top chunk %u is not a top pack", h->top_chunk);
    h->trees = fr_calloc(h->alloc, h->n_trees ? h->n_trees : 1, sizeof *h->trees);
    uint8_t *body_used = fr_calloc(h->alloc, h->n_chunks ? h->n_chunks : 1, 1);
    if (!h->trees || !body_used) {
        fr_free(h->alloc, body_used);
        return fr_fail(e, FR_ENOMEM, "out of memory for %u trees", h->n_trees);
    }
    rc = 0;
    uint32_t prev_chunk = 0;  /* the last body seen: bodies come in record order */
    uint64_t prev_end = 0;
    for (uint32_t t = 0; t < h->n_trees && !rc; t++, c->p += FMT_TREE_RECORD,
                  c->left -= FMT_TREE_RECORD) {
        fmt_tree *tr = &h->trees[t];
        tr->top_offset = fr_rd64(c->p);
        tr->top_size = fr_rd32(c->p + 8);
        tr->body_chunk = fr_rd32(c->p + 12);
        tr->body_offset = fr_rd64(c->p + 16);
        tr->body_size = fr_rd32(c->p + 24);
        tr->raw_column = fr_rd32(c->p + 28);
        tr->n_splits = fr_rd32(c->p + 32);
        tr->n_leaves = fr_rd32(c->p + 36);
        tr->root = tr->n_splits ? FMT_REF_NODE : FMT_REF_LEAF;
        const fmt_chunk *top = &h->chunks[h->top_chunk];
        uint64_t space = (uint64_t)tr->top_size + tr->body_size;
        if (tr->top_offset % 8 || tr->top_size % 8 || tr->top_size < 8 ||
            tr->top_offset > top->raw_size || tr->top_size > top->raw_size - tr->top_offset)
            rc = FR_CORRUPT(e, "tree %u: top part [%llu, +%u) outside the top chunk", t,
                            (unsigned long long)tr->top_offset, tr->top_size);
        else if (tr->body_chunk == FMT_NONE ? (tr->body_offset || tr->body_size)
                 : (tr->body_chunk >= h->n_chunks ||
                    h->chunks[tr->body_chunk].kind != FMT_CHUNK_BODY ||
                    tr->body_offset % 8 || tr->body_size % 8 || tr->body_size == 0 ||
                    tr->body_offset > h->chunks[tr->body_chunk].raw_size ||
                    tr->body_size > h->chunks[tr->body_chunk].raw_size - tr->body_offset))
            rc = FR_CORRUPT(e, "tree %u: body [%llu, +%u) of chunk %u is not inside a body chunk",
                            t, (unsigned long long)tr->body_offset, tr->body_size,
                            tr->body_chunk);
        else if (tr->body_chunk != FMT_NONE &&
                 (tr->body_chunk < prev_chunk ||
                  (tr->body_chunk == prev_chunk && body_used[prev_chunk] &&
                   tr->body_offset < prev_end)))
            rc = FR_CORRUPT(e, "tree %u: body overlaps or precedes the previous tree's", t);
        else if (tr->n_leaves != tr->n_splits + 1)
            rc = FR_CORRUPT(e, "tree %u: %u splits and %u leaves do not make a binary tree", t,
                            tr->n_splits, tr->n_leaves);
        else if (space >= (1ull << 32))
            rc = FR_CORRUPT(e, "tree %u: its space of %llu bytes is too large", t,
                            (unsigned long long)space);
        else if (!members)
            rc = check_tree_agg(h, t, &g, e); /* members: checked against their COMBINE member */
        if (rc)
            break;
        if (tr->body_chunk != FMT_NONE) {
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

static int parse_features(fmt_header *h, cursor *c, fr_err *e)
{
    uint32_t n, flags;
    int rc;
    if ((rc = cur_u32(c, &n, e)) || (rc = cur_u32(c, &flags, e)))
        return rc;
    if (n == 0 || n > FMT_MAX_SLOTS)
        return FR_CORRUPT(e, "FEATURES: %u input columns", n);
    if (flags & ~3u)
        return FR_CORRUPT(e, "FEATURES: reserved flag bits set");
    h->n_inputs = n;
    h->features_named = flags & 1u;
    if (flags & 2u) {
        if ((rc = cur_need(c, n, e)))
            return rc;
        h->feature_kinds = fr_malloc(h->alloc, n);
        if (!h->feature_kinds)
            return fr_fail(e, FR_ENOMEM, "out of memory for %u feature kinds", n);
        memcpy(h->feature_kinds, c->p, n);
        for (uint32_t i = 0; i < n; i++)
            if (h->feature_kinds[i] > FMT_SLOT_UNUSED)
                return FR_CORRUPT(e, "FEATURES: column %u has unknown kind %u", i,
                                  h->feature_kinds[i]);
        c->p += n;
        c->left -= n;
    }
    if (h->features_named) {
        /* each name needs at least its 4-byte length: bound the allocation by the bytes left */
        if ((uint64_t)n * 4 > c->left)
            return FR_CORRUPT(e, "FEATURES: %u names cannot fit %zu bytes", n, c->left);
        h->feature_names = fr_calloc(h->alloc, n, sizeof(char *));
        if (!h->feature_names)
            return fr_fail(e, FR_ENOMEM, "out of memory for %u feature names", n);
        for (uint32_t i = 0; i < n; i++)
            if ((rc = cur_str(c, h->alloc, &h->feature_names[i], e)))
                return rc;
    }
    if (c->left)
        return FR_CORRUPT(e, "FEATURES: %zu trailing bytes", c->left);
    return 0;
}

static int parse_program(fmt_header *h, cursor *c, fr_err *e)
{
    return fmt_program_parse(c->p, c->left, h->feature_kinds, h->n_inputs, h->alloc, &h->program,
                             e);
}

static int parse_linear(fmt_header *h, cursor *c, fr_err *e)
{
    int rc = fmt_linear_parse(c->p, c->left, h->alloc, &h->linear, e);
    if (rc)
        return rc;
    const fmt_linear *l = h->linear;
    h->task = l->task;
    h->n_features = l->n_features;
    if (l->task == FMT_TASK_REGRESSOR) {
        h->n_outputs = l->n_rows;
        return 0;
    }
    h->n_outputs = 1;
    h->n_classes = fr_calloc(h->alloc, 1, sizeof *h->n_classes);
    if (!h->n_classes)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    h->n_classes[0] = fmt_linear_classes(l);
    if (!h->n_classes[0])
        return FR_CORRUPT(e, "LINEAR: rule %u with %u coefficient rows", l->rule, l->n_rows);
    h->n_classes_total = h->n_classes[0];
    return 0;
}

/* COMBINE (FORMAT.md): parsed after ENSEMBLE (its tree table), FEATURES and PROGRAM (the slots
 * members read). Every count is bounded by the bytes left before anything is allocated. */
static int parse_combine(fmt_header *h, cursor *c, fr_err *e)
{
    int rc;
    uint32_t w[6];
    for (int i = 0; i < 6; i++)
        if ((rc = cur_u32(c, &w[i], e)))
            return rc;
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
        uint32_t reserved;
        if ((rc = cur_u32(c, &m->kind, e)) || (rc = cur_u32(c, &m->score, e)) ||
            (rc = cur_f64(c, &m->weight, e)) || (rc = cur_u32(c, &m->n_in, e)) ||
            (rc = cur_u32(c, &reserved, e)))
            return rc;
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
            cur_u32(c, &m->slots[j], e);
            if (m->slots[j] >= n_slots)
                return FR_CORRUPT(e, "%s: input slot %u out of range (%u slots)", what,
                                  m->slots[j], n_slots);
            if (kinds && kinds[m->slots[j]] != FMT_SLOT_NUM)
                return FR_CORRUPT(e, "%s: input slot %u holds strings", what, m->slots[j]);
        }
        uint32_t task, n_outputs, n_classes;
        if (m->kind == FMT_MEMBER_TREES) {
            uint32_t first, top_chunk;
            if ((rc = cur_u32(c, &first, e)))
                return rc;
            if ((rc = parse_agg(h, c, what, 0, &m->trees, &top_chunk, e)))
                return rc;
            m->trees.first_tree = first;
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
                if ((rc = check_tree_agg(h, t, &m->trees, e)))
                    return rc;
            task = m->trees.task;
            n_outputs = m->trees.n_outputs;
            n_classes = m->trees.n_classes_total;
        } else {
            uint32_t len;
            if ((rc = cur_u32(c, &len, e)) || (rc = cur_need(c, len, e)))
                return rc;
            if ((rc = fmt_linear_parse(c->p, len, h->alloc, &m->linear, e)))
                return fr_wrap(e, "%s", what);
            c->p += len;
            c->left -= len;
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
    if (c->left)
        return FR_CORRUPT(e, "COMBINE: %zu trailing bytes", c->left);
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

static int parse_classes(fmt_header *h, cursor *c, fr_err *e)
{
    uint32_t n;
    int rc;
    if ((rc = cur_u32(c, &n, e)))
        return rc;
    if (h->task != FMT_TASK_CLASSIFIER || n != h->n_outputs)
        return FR_CORRUPT(e, "CLASSES: %u outputs for a model with %u", n, h->n_outputs);
    h->classes = fr_calloc(h->alloc, n, sizeof *h->classes);
    if (!h->classes)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    for (uint32_t k = 0; k < n; k++) {
        fmt_labels *L = &h->classes[k];
        if ((rc = cur_u32(c, &L->kind, e)) || (rc = cur_u32(c, &L->count, e)))
            return rc;
        if (L->kind < FMT_LABEL_INT || L->kind > FMT_LABEL_BOOL)
            return FR_CORRUPT(e, "CLASSES: output %u has unknown label kind %u", k, L->kind);
        if (L->count != h->n_classes[k])
            return FR_CORRUPT(e, "CLASSES: output %u has %u labels for %u classes", k, L->count,
                              h->n_classes[k]);
        if ((uint64_t)L->count * 4 > c->left)
            return FR_CORRUPT(e, "CLASSES: %u labels cannot fit %zu bytes", L->count, c->left);
        L->labels = fr_calloc(h->alloc, L->count, sizeof(char *));
        if (!L->labels)
            return fr_fail(e, FR_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < L->count; i++)
            if ((rc = cur_str(c, h->alloc, &L->labels[i], e)))
                return rc;
    }
    if (c->left)
        return FR_CORRUPT(e, "CLASSES: %zu trailing bytes", c->left);
    return 0;
}

static int parse_meta(fmt_header *h, cursor *c, fr_err *e)
{
    uint32_t n;
    int rc;
    if ((rc = cur_u32(c, &n, e)))
        return rc;
    if ((uint64_t)n * 8 > c->left)
        return FR_CORRUPT(e, "METADATA: %u entries cannot fit %zu bytes", n, c->left);
    h->meta_keys = fr_calloc(h->alloc, n ? n : 1, sizeof(char *));
    h->meta_values = fr_calloc(h->alloc, n ? n : 1, sizeof(char *));
    if (!h->meta_keys || !h->meta_values)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    h->n_meta = n;
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = cur_str(c, h->alloc, &h->meta_keys[i], e)) ||
            (rc = cur_str(c, h->alloc, &h->meta_values[i], e)))
            return rc;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(h->meta_keys[i], h->meta_keys[j]) == 0)
                return FR_CORRUPT(e, "METADATA: key '%s' appears twice", h->meta_keys[i]);
    }
    if (c->left)
        return FR_CORRUPT(e, "METADATA: %zu trailing bytes", c->left);
    return 0;
}

/* CHECKS (FORMAT.md, 1.2): parsed last, once the slots its checks read are known. */
static int parse_checks(fmt_header *h, cursor *c, fr_err *e)
{
    uint32_t n;
    int rc;
    if ((rc = cur_u32(c, &n, e)))
        return rc;
    /* a check takes at least 16 bytes: rule, slot count, one slot, an empty who */
    if (n == 0 || (uint64_t)n * 16 > c->left)
        return FR_CORRUPT(e, "CHECKS: %u checks cannot fit %zu bytes", n, c->left);
    h->checks = fr_calloc(h->alloc, n, sizeof *h->checks);
    if (!h->checks)
        return fr_fail(e, FR_ENOMEM, "out of memory for %u checks", n);
    h->n_checks = n;
    uint32_t n_slots = h->program ? h->program->n_slots : h->n_inputs;
    const uint8_t *kinds = h->program ? h->program->slot_kind : h->feature_kinds;
    int has_estimator = h->has_ensemble || h->linear || h->combine;
    for (uint32_t i = 0; i < n; i++) {
        fmt_check *k = &h->checks[i];
        if ((rc = cur_u32(c, &k->rule, e)) || (rc = cur_u32(c, &k->n_slots, e)))
            return rc;
        if (k->n_slots == 0 || (uint64_t)k->n_slots * 4 > c->left)
            return FR_CORRUPT(e, "CHECKS: check %u: %u slots cannot fit %zu bytes", i,
                              k->n_slots, c->left);
        k->slots = fr_calloc(h->alloc, k->n_slots, sizeof *k->slots);
        if (!k->slots)
            return fr_fail(e, FR_ENOMEM, "out of memory for %u checked slots", k->n_slots);
        for (uint32_t j = 0; j < k->n_slots; j++)
            if ((rc = cur_u32(c, &k->slots[j], e)))
                return rc;
        if ((rc = cur_str(c, h->alloc, &k->who, e)) ||
            (rc = fmt_check_validate(k, i, n_slots, kinds, has_estimator, e)))
            return rc;
    }
    if (c->left)
        return FR_CORRUPT(e, "CHECKS: %zu trailing bytes", c->left);
    return 0;
}

typedef struct section {
    uint32_t type, flags;
    uint64_t offset, length;
} section;

static int parse_sections(fmt_header *h, const uint8_t *buf, uint32_t count, fr_err *e)
{
    section sec[FMT_MAX_SECTIONS];
    const section *by_type[FMT_SEC_COUNT] = {0};
    uint64_t table_end = FMT_SUPERBLOCK_SIZE + (uint64_t)count * FMT_SECTION_ENTRY;
    if (table_end > h->header_size)
        return FR_CORRUPT(e, "section table (%u entries) does not fit the header", count);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *p = buf + FMT_SUPERBLOCK_SIZE + (size_t)i * FMT_SECTION_ENTRY;
        section *s = &sec[i];
        s->type = fr_rd32(p);
        s->flags = fr_rd32(p + 4);
        s->offset = fr_rd64(p + 8);
        s->length = fr_rd64(p + 16);
        if (fr_rd64(p + 24) || (s->flags & ~1u))
            return FR_CORRUPT(e, "section %u: reserved bits are not zero", i);
        if (s->offset % 8 || s->offset < table_end || s->offset > h->header_size ||
            s->length > h->header_size - s->offset)
            return FR_CORRUPT(e, "section %u (type %u): [%llu, +%llu) outside the header", i,
                              s->type, (unsigned long long)s->offset,
                              (unsigned long long)s->length);
        for (uint32_t j = 0; j < i; j++)
            if (s->length && sec[j].length && s->offset < sec[j].offset + sec[j].length &&
                sec[j].offset < s->offset + s->length)
                return FR_CORRUPT(e, "sections %u and %u overlap", j, i);
        if (s->type >= 1 && s->type < FMT_SEC_COUNT) {
            if (by_type[s->type])
                return FR_CORRUPT(e, "section type %u appears twice", s->type);
            by_type[s->type] = s;
        } else if (s->flags & 1u) {
            return fr_fail(e, FR_EVERSION,
                           "file needs a newer frost: unknown required section type %u", s->type);
        } else {
            h->n_unknown_sections++;
        }
    }
    static const char *names[FMT_SEC_COUNT] = {"", "BLOCKS", "CHUNKS", "ENSEMBLE", "FEATURES",
                                               "CLASSES", "METADATA", "PROGRAM", "LINEAR",
                                               "COMBINE", "CHECKS"};
    static const int required[] = {FMT_SEC_BLOCKS, FMT_SEC_CHUNKS, FMT_SEC_FEATURES};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!by_type[required[i]])
            return FR_CORRUPT(e, "required section %s is missing", names[required[i]]);
    if (by_type[FMT_SEC_ENSEMBLE] && by_type[FMT_SEC_LINEAR])
        return FR_CORRUPT(e, "both ENSEMBLE and LINEAR: a file holds one estimator");
    if (by_type[FMT_SEC_COMBINE] && h->minor < 1)
        return FR_CORRUPT(e, "COMBINE in a format %u.%u file (it needs 1.1)", h->major, h->minor);
    if (by_type[FMT_SEC_CHECKS] && h->minor < 2)
        return FR_CORRUPT(e, "CHECKS in a format %u.%u file (it needs 1.2)", h->major, h->minor);
    if (by_type[FMT_SEC_COMBINE] && by_type[FMT_SEC_LINEAR])
        return FR_CORRUPT(e, "both COMBINE and LINEAR: a file holds one estimator");
    if (!by_type[FMT_SEC_ENSEMBLE] && !by_type[FMT_SEC_LINEAR] && !by_type[FMT_SEC_PROGRAM] &&
        !by_type[FMT_SEC_COMBINE])
        return FR_CORRUPT(e, "no estimator (ENSEMBLE, LINEAR or COMBINE) and no PROGRAM");
    h->has_ensemble = by_type[FMT_SEC_ENSEMBLE] != NULL;
    /* bytes no section covers are zero (FORMAT.md): sort the bodies, check every gap */
    const section *sorted[FMT_MAX_SECTIONS];
    for (uint32_t i = 0; i < count; i++) {
        uint32_t j = i;
        while (j > 0 && sorted[j - 1]->offset > sec[i].offset) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = &sec[i];
    }
    uint64_t at = table_end;
    for (uint32_t i = 0; i <= count; i++) {
        uint64_t next = i < count ? sorted[i]->offset : h->header_size;
        if (next > at && !all_zero(buf + at, (size_t)(next - at)))
            return FR_CORRUPT(e, "header bytes [%llu, %llu) belong to no section and are not zero",
                              (unsigned long long)at, (unsigned long long)next);
        if (i < count && sorted[i]->offset + sorted[i]->length > at)
            at = sorted[i]->offset + sorted[i]->length;
    }
    /* estimator sections first: CLASSES and FEATURES are checked against them */
    static const int order[] = {FMT_SEC_BLOCKS, FMT_SEC_CHUNKS, FMT_SEC_ENSEMBLE, FMT_SEC_LINEAR,
                                FMT_SEC_FEATURES, FMT_SEC_PROGRAM, FMT_SEC_COMBINE,
                                FMT_SEC_CHECKS, FMT_SEC_CLASSES, FMT_SEC_METADATA};
    int (*parsers[FMT_SEC_COUNT])(fmt_header *, cursor *, fr_err *) = {
        NULL, parse_blocks, parse_chunks, parse_ensemble, parse_features, parse_classes,
        parse_meta, parse_program, parse_linear, parse_combine, parse_checks};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int t = order[i];
        if (!by_type[t])
            continue;
        cursor c = {buf + by_type[t]->offset, (size_t)by_type[t]->length, names[t]};
        int rc = parsers[t](h, &c, e);
        if (rc)
            return rc;
    }
    if (!h->has_ensemble && h->n_chunks)
        return FR_CORRUPT(e, "chunks in a file without trees");
    if (h->has_ensemble && (h->kind == FMT_ENS_MEMBERS) != (h->combine != NULL))
        return FR_CORRUPT(e, h->combine ? "COMBINE with an ENSEMBLE that is not its MEMBERS tree "
                          "table" : "ENSEMBLE: a MEMBERS tree table without a COMBINE");
    uint32_t est_in = h->program ? h->program->n_outputs : h->n_inputs;
    if (h->combine)
        h->n_features = est_in; /* the columns the combination receives (frost transform) */
    else if ((h->has_ensemble || h->linear) && h->n_features != est_in)
        return FR_CORRUPT(e, "the estimator takes %u features, its input provides %u",
                          h->n_features, est_in);
    for (uint32_t i = 0; h->feature_kinds && i < h->n_inputs; i++) {
        if (!h->program && h->feature_kinds[i] != FMT_SLOT_NUM)
            return FR_CORRUPT(e, "FEATURES: %s column %u without a PROGRAM",
                              h->feature_kinds[i] == FMT_SLOT_STR ? "string" : "unused", i);
        if (h->feature_kinds[i] == FMT_SLOT_UNUSED && h->minor < 2)
            return FR_CORRUPT(e, "FEATURES: unused column %u in a format %u.%u file (it needs "
                              "1.2)", i, h->major, h->minor);
    }
    if (!h->has_ensemble && !h->linear && !h->combine)
        h->n_features = h->program->n_outputs; /* a transformer: its outputs */
    if (h->task == FMT_TASK_CLASSIFIER && !h->classes)
        return FR_CORRUPT(e, "required section CLASSES is missing for a classifier");
    if (h->task != FMT_TASK_CLASSIFIER && h->classes)
        return FR_CORRUPT(e, "CLASSES in a model that does not classify");
    return 0;
}

int fmt_header_parse(const uint8_t *buf, size_t len, uint64_t file_size, const uint8_t *footer,
                     const fr_allocator *alloc, fmt_header *h, fr_err *e)
{
    memset(h, 0, sizeof *h);
    h->alloc = alloc;
    uint64_t hs;
    int rc = fmt_peek_header_size(buf, len, &hs, e);
    if (rc)
        return rc;
    if (hs > len || hs > file_size)
        return fr_fail(e, FR_ETRUNCATED, "file ends inside its header (%llu of %llu bytes)",
                       (unsigned long long)(file_size < len ? file_size : len),
                       (unsigned long long)hs);
    h->header_size = hs;
    if ((rc = check_digest(buf, hs, e)))
        return rc;
    h->major = fr_rd16(buf + 8);
    h->minor = fr_rd16(buf + 10);
    h->flags = fr_rd32(buf + 12);
    h->block_shift = fr_rd32(buf + 16);
    uint32_t count = fr_rd32(buf + 20);
    h->data_size = fr_rd64(buf + 32);
    h->trailer_size = fr_rd64(buf + 40);
    h->file_size = fr_rd64(buf + 48);
    memcpy(h->digest, buf + 64, 16);
    if (h->flags & ~1u)
        return FR_CORRUPT(e, "superblock: reserved flag bits set (0x%x)", h->flags);
    if (fr_rd64(buf + 56) || !all_zero(buf + 80, 48))
        return FR_CORRUPT(e, "superblock: reserved bytes are not zero");
    if (h->block_shift < FMT_MIN_BLOCK_SHIFT || h->block_shift > FMT_MAX_BLOCK_SHIFT)
        return FR_CORRUPT(e, "superblock: block_shift %u out of range", h->block_shift);
    h->block_size = 1u << h->block_shift;
    if (count == 0 || count > FMT_MAX_SECTIONS)
        return FR_CORRUPT(e, "superblock: section_count %u out of range", count);
    if (h->data_size % FMT_PAGE)
        return FR_CORRUPT(e, "superblock: data_size is not a page multiple");
    if (!(h->flags & 1u) ? h->trailer_size != 0 : (h->trailer_size < 8 || h->trailer_size > (1u << 20)))
        return FR_CORRUPT(e, "superblock: trailer_size %llu does not match the flags",
                          (unsigned long long)h->trailer_size);
    if (h->data_size > (1ull << 48) ||
        h->header_size + h->data_size + h->trailer_size + FMT_FOOTER_SIZE != h->file_size)
        return FR_CORRUPT(e, "superblock: sizes do not add up to file_size %llu",
                          (unsigned long long)h->file_size);
    if (h->file_size != file_size)
        return fr_fail(e, h->file_size > file_size ? FR_ETRUNCATED : FR_ECORRUPT,
                       "file is %llu bytes, its header says %llu%s",
                       (unsigned long long)file_size, (unsigned long long)h->file_size,
                       h->file_size > file_size ? " (truncated)" : "");
    if (footer) {
        if (memcmp(footer, fmt_end_magic, 8) != 0 || fr_rd64(footer + 8) != h->header_size ||
            fr_rd64(footer + 16) != h->file_size || fr_rd64(footer + 24) != 0)
            return FR_CORRUPT(e, "footer does not match the superblock");
    }
    return parse_sections(h, buf, count, e);
}

void fmt_header_free(fmt_header *h)
{
    if (!h)
        return;
    const fr_allocator *a = h->alloc;
    fr_free(a, h->chunks);
    fr_free(a, h->n_classes);
    fr_free(a, h->init_raw);
    fr_free(a, h->trees);
    if (h->feature_names)
        for (uint32_t i = 0; i < h->n_inputs; i++)
            fr_free(a, h->feature_names[i]);
    fr_free(a, h->feature_names);
    fr_free(a, h->feature_kinds);
    fmt_program_free(a, h->program);
    fmt_linear_free(a, h->linear);
    fmt_combine_free(a, h->combine);
    fmt_checks_free(a, h->checks, h->n_checks);
    if (h->classes) {
        for (uint32_t k = 0; k < h->n_outputs; k++) {
            if (h->classes[k].labels)
                for (uint32_t i = 0; i < h->classes[k].count; i++)
                    fr_free(a, h->classes[k].labels[i]);
            fr_free(a, h->classes[k].labels);
        }
    }
    fr_free(a, h->classes);
    for (uint32_t i = 0; i < h->n_meta; i++) {
        if (h->meta_keys)
            fr_free(a, h->meta_keys[i]);
        if (h->meta_values)
            fr_free(a, h->meta_values[i]);
    }
    fr_free(a, h->meta_keys);
    fr_free(a, h->meta_values);
    memset(h, 0, sizeof *h);
}
