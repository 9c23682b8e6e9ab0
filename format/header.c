/*
 * header.c — parses and validates the header region of a .frost file (FORMAT.md).
 *
 * The digest is checked before any offset is trusted; after that every count and offset is
 * still checked against the bytes that remain, because a file can be crafted with a valid
 * digest. Every failure names the field that is wrong.
 */
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
static int cur_str(cursor *c, const frost_allocator *a, char **out, fr_err *e)
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
        return fr_fail(e, FROST_ENOMEM, "out of memory reading %s section", c->what);
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
        return fr_fail(e, FROST_ETRUNCATED, "file too short for a .frost superblock (%zu bytes)",
                       len);
    if (memcmp(sb, fmt_magic, 8) != 0)
        return fr_fail(e, FROST_EFORMAT, "not a .frost file (bad magic)");
    uint16_t major = fr_rd16(sb + 8);
    if (major > FMT_MAJOR)
        return fr_fail(e, FROST_EVERSION,
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
        return fr_fail(e, FROST_ENOMEM, "out of memory hashing the header");
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
    h->blocks = fr_calloc(h->alloc, count ? count : 1, sizeof *h->blocks);
    if (!h->blocks)
        return fr_fail(e, FROST_ENOMEM, "out of memory for %u blocks", count);
    h->n_blocks = count;
    for (uint32_t i = 0; i < count; i++, c->p += 32, c->left -= 32) {
        fmt_block *b = &h->blocks[i];
        b->offset = fr_rd64(c->p);
        b->stored_size = fr_rd32(c->p + 8);
        b->raw_size = fr_rd32(c->p + 12);
        b->codec = c->p[16];
        b->checksum = fr_rdbe64(c->p + 24);
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
        return fr_fail(e, FROST_ENOMEM, "out of memory for %u chunks", count);
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
        const fmt_block *b0 = &h->blocks[ch->first_block];
        if (b0->offset % FMT_PAGE != 0)
            return FR_CORRUPT(e, "chunk %u: first block not page-aligned", i);
        uint64_t want_start = (prev_end + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE;
        if (b0->offset < want_start || (i == 0 && b0->offset != h->header_size))
            return FR_CORRUPT(e, "chunk %u: starts at %llu, overlapping or out of place", i,
                              (unsigned long long)b0->offset);
        uint64_t raw = 0, pos = b0->offset;
        for (uint32_t j = 0; j < ch->block_count; j++) {
            const fmt_block *b = &h->blocks[ch->first_block + j];
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

static int parse_ensemble(fmt_header *h, cursor *c, fr_err *e)
{
    int rc;
    uint32_t w[10];
    for (int i = 0; i < 10; i++)
        if ((rc = cur_u32(c, &w[i], e)))
            return rc;
    h->task = w[0];
    h->kind = w[1];
    h->n_features = w[2];
    h->n_outputs = w[3];
    h->n_trees = w[4];
    h->leaf_width = w[5];
    h->ens_flags = w[6];
    h->link = w[7];
    h->n_raw = w[8];
    h->top_chunk = w[9];
    if ((rc = cur_f64(c, &h->learning_rate, e)))
        return rc;
    if (h->task != FROST_TASK_CLASSIFIER && h->task != FROST_TASK_REGRESSOR)
        return FR_CORRUPT(e, "ENSEMBLE: unknown task %u", h->task);
    if (h->kind != FROST_ENSEMBLE_MEAN && h->kind != FROST_ENSEMBLE_BOOSTED)
        return FR_CORRUPT(e, "ENSEMBLE: unknown kind %u", h->kind);
    if (h->n_features == 0 || h->n_features > FMT_FEATURE_MASK)
        return FR_CORRUPT(e, "ENSEMBLE: n_features %u out of range", h->n_features);
    if (h->n_outputs == 0 || h->n_outputs > 65536)
        return FR_CORRUPT(e, "ENSEMBLE: n_outputs %u out of range", h->n_outputs);
    if (h->ens_flags & ~FMT_ENS_KNOWN_FLAGS)
        return FR_CORRUPT(e, "ENSEMBLE: reserved flag bits set (0x%x)", h->ens_flags);
    if (h->task == FROST_TASK_CLASSIFIER) {
        if ((rc = cur_need(c, (size_t)h->n_outputs * 4, e)))
            return rc;
        h->n_classes = fr_calloc(h->alloc, h->n_outputs, sizeof *h->n_classes);
        if (!h->n_classes)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
        uint64_t total = 0;
        for (uint32_t k = 0; k < h->n_outputs; k++) {
            cur_u32(c, &h->n_classes[k], e);
            if (h->n_classes[k] == 0 || h->n_classes[k] > (1u << 20))
                return FR_CORRUPT(e, "ENSEMBLE: output %u has %u classes", k, h->n_classes[k]);
            total += h->n_classes[k];
        }
        if (total > (1u << 24))
            return FR_CORRUPT(e, "ENSEMBLE: %llu classes in all", (unsigned long long)total);
        h->n_classes_total = (uint32_t)total;
    }
    if (h->kind == FROST_ENSEMBLE_MEAN) {
        uint32_t want = h->task == FROST_TASK_CLASSIFIER ? h->n_classes_total : h->n_outputs;
        if (h->leaf_width != want || h->link != FROST_LINK_IDENTITY || h->n_raw != 0)
            return FR_CORRUPT(e, "ENSEMBLE: MEAN model with leaf_width %u (want %u), link %u, "
                              "n_raw %u", h->leaf_width, want, h->link, h->n_raw);
        if (h->task == FROST_TASK_REGRESSOR &&
            (h->ens_flags & (FMT_ENS_NORMALIZE_LEAVES | FMT_ENS_RAW_ARGMAX)))
            return FR_CORRUPT(e, "ENSEMBLE: classifier flags on a regressor");
        if (h->ens_flags & FMT_ENS_SIGN_DECISION)
            return FR_CORRUPT(e, "ENSEMBLE: SIGN_DECISION on a MEAN model");
        if (h->learning_rate != 0.0)
            return FR_CORRUPT(e, "ENSEMBLE: a learning rate on a MEAN model");
        if ((h->ens_flags & FMT_ENS_RAW_ARGMAX) && h->n_trees != 1)
            return FR_CORRUPT(e, "ENSEMBLE: RAW_ARGMAX on %u trees (it is for one)", h->n_trees);
    } else {
        int ok = h->leaf_width == 1 && h->n_outputs == 1 && h->n_raw >= 1;
        if (h->task == FROST_TASK_REGRESSOR)
            ok = ok && h->n_raw == 1 && h->link == FROST_LINK_IDENTITY;
        else if (h->n_classes_total == 2)
            ok = ok && h->n_raw == 1 && h->link == FROST_LINK_LOGISTIC;
        else
            ok = ok && h->n_raw == h->n_classes_total && h->n_raw >= 3 &&
                 h->link == FROST_LINK_SOFTMAX;
        if (!ok)
            return FR_CORRUPT(e, "ENSEMBLE: inconsistent BOOSTED model (leaf_width %u, outputs "
                              "%u, n_raw %u, link %u)", h->leaf_width, h->n_outputs, h->n_raw,
                              h->link);
        if (h->ens_flags & (FMT_ENS_NORMALIZE_LEAVES | FMT_ENS_RAW_ARGMAX))
            return FR_CORRUPT(e, "ENSEMBLE: MEAN flags on a BOOSTED model");
        if ((h->ens_flags & FMT_ENS_SIGN_DECISION) && h->link != FROST_LINK_LOGISTIC)
            return FR_CORRUPT(e, "ENSEMBLE: SIGN_DECISION on a model without a logistic link");
        if ((rc = cur_need(c, (size_t)h->n_raw * 8, e)))
            return rc;
        h->init_raw = fr_calloc(h->alloc, h->n_raw, sizeof *h->init_raw);
        if (!h->init_raw)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
        for (uint32_t k = 0; k < h->n_raw; k++)
            cur_f64(c, &h->init_raw[k], e);
    }
    if ((uint64_t)h->leaf_width * 8 + FMT_NODE_SIZE > h->block_size)
        return FR_CORRUPT(e, "ENSEMBLE: a %u-value leaf does not fit a %u-byte block",
                          h->leaf_width, h->block_size);
    if ((uint64_t)h->n_trees * FMT_TREE_RECORD != c->left)
        return FR_CORRUPT(e, "ENSEMBLE: %u tree records do not fill the remaining %zu bytes",
                          h->n_trees, c->left);
    if (h->n_trees == 0) {
        return FR_CORRUPT(e, "ENSEMBLE: no trees");
    } else if (h->top_chunk >= h->n_chunks || h->chunks[h->top_chunk].kind != FMT_CHUNK_TOP) {
        return FR_CORRUPT(e, "ENSEMBLE: top chunk %u is not a top pack", h->top_chunk);
    }
    h->trees = fr_calloc(h->alloc, h->n_trees ? h->n_trees : 1, sizeof *h->trees);
    uint8_t *body_used = fr_calloc(h->alloc, h->n_chunks ? h->n_chunks : 1, 1);
    if (!h->trees || !body_used) {
        fr_free(h->alloc, body_used);
        return fr_fail(e, FROST_ENOMEM, "out of memory for %u trees", h->n_trees);
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
        else if (h->kind == FROST_ENSEMBLE_BOOSTED ? tr->raw_column >= h->n_raw
                                                    : tr->raw_column != 0)
            rc = FR_CORRUPT(e, "tree %u: raw column %u out of range", t, tr->raw_column);
        if (rc)
            break;
        if (tr->body_chunk != FMT_NONE) {
            body_used[tr->body_chunk] = 1;
            prev_chunk = tr->body_chunk;
            prev_end = tr->body_offset + tr->body_size;
        }
        /* Every node and leaf occupies at least 8 distinct bytes of the tree's space. */
        if (space >= (1ull << 32) ||
            ((uint64_t)tr->n_splits * FMT_NODE_SIZE + (uint64_t)tr->n_leaves * 8 * h->leaf_width) > space)
            rc = FR_CORRUPT(e, "tree %u: %u splits and %u leaves cannot fit its %llu bytes", t,
                            tr->n_splits, tr->n_leaves, (unsigned long long)space);
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
            return fr_fail(e, FROST_ENOMEM, "out of memory for %u feature kinds", n);
        memcpy(h->feature_kinds, c->p, n);
        for (uint32_t i = 0; i < n; i++)
            if (h->feature_kinds[i] > FMT_SLOT_STR)
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
            return fr_fail(e, FROST_ENOMEM, "out of memory for %u feature names", n);
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
    if (l->task == FROST_TASK_REGRESSOR) {
        h->n_outputs = l->n_rows;
        return 0;
    }
    /* one coefficient row decides between two classes; otherwise one row per class */
    h->n_outputs = 1;
    h->n_classes = fr_calloc(h->alloc, 1, sizeof *h->n_classes);
    if (!h->n_classes)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    if (l->n_rows == 1 && l->rule != FMT_LIN_SOFTMAX && l->rule != FMT_LIN_OVR)
        h->n_classes[0] = 2;
    else if (l->n_rows >= 3 && l->rule != FMT_LIN_LOGISTIC && l->rule != FMT_LIN_BINARY_SOFTMAX)
        h->n_classes[0] = l->n_rows;
    else
        return FR_CORRUPT(e, "LINEAR: rule %u with %u coefficient rows", l->rule, l->n_rows);
    h->n_classes_total = h->n_classes[0];
    return 0;
}

static int parse_classes(fmt_header *h, cursor *c, fr_err *e)
{
    uint32_t n;
    int rc;
    if ((rc = cur_u32(c, &n, e)))
        return rc;
    if (h->task != FROST_TASK_CLASSIFIER || n != h->n_outputs)
        return FR_CORRUPT(e, "CLASSES: %u outputs for a model with %u", n, h->n_outputs);
    h->classes = fr_calloc(h->alloc, n, sizeof *h->classes);
    if (!h->classes)
        return fr_fail(e, FROST_ENOMEM, "out of memory");
    for (uint32_t k = 0; k < n; k++) {
        fmt_labels *L = &h->classes[k];
        if ((rc = cur_u32(c, &L->kind, e)) || (rc = cur_u32(c, &L->count, e)))
            return rc;
        if (L->kind < FROST_LABEL_INT || L->kind > FROST_LABEL_BOOL)
            return FR_CORRUPT(e, "CLASSES: output %u has unknown label kind %u", k, L->kind);
        if (L->count != h->n_classes[k])
            return FR_CORRUPT(e, "CLASSES: output %u has %u labels for %u classes", k, L->count,
                              h->n_classes[k]);
        if ((uint64_t)L->count * 4 > c->left)
            return FR_CORRUPT(e, "CLASSES: %u labels cannot fit %zu bytes", L->count, c->left);
        L->labels = fr_calloc(h->alloc, L->count, sizeof(char *));
        if (!L->labels)
            return fr_fail(e, FROST_ENOMEM, "out of memory");
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
        return fr_fail(e, FROST_ENOMEM, "out of memory");
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

typedef struct section {
    uint32_t type, flags;
    uint64_t offset, length;
} section;

static int parse_sections(fmt_header *h, const uint8_t *buf, uint32_t count, fr_err *e)
{
    section sec[FMT_MAX_SECTIONS];
    const section *by_type[9] = {0};
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
        if (s->type >= 1 && s->type <= 8) {
            if (by_type[s->type])
                return FR_CORRUPT(e, "section type %u appears twice", s->type);
            by_type[s->type] = s;
        } else if (s->flags & 1u) {
            return fr_fail(e, FROST_EVERSION,
                           "file needs a newer frost: unknown required section type %u", s->type);
        } else {
            h->n_unknown_sections++;
        }
    }
    static const char *names[9] = {"", "BLOCKS", "CHUNKS", "ENSEMBLE", "FEATURES", "CLASSES",
                                   "METADATA", "PROGRAM", "LINEAR"};
    static const int required[] = {FMT_SEC_BLOCKS, FMT_SEC_CHUNKS, FMT_SEC_FEATURES};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!by_type[required[i]])
            return FR_CORRUPT(e, "required section %s is missing", names[required[i]]);
    if (by_type[FMT_SEC_ENSEMBLE] && by_type[FMT_SEC_LINEAR])
        return FR_CORRUPT(e, "both ENSEMBLE and LINEAR: a file holds one estimator");
    if (!by_type[FMT_SEC_ENSEMBLE] && !by_type[FMT_SEC_LINEAR] && !by_type[FMT_SEC_PROGRAM])
        return FR_CORRUPT(e, "no estimator (ENSEMBLE or LINEAR) and no PROGRAM");
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
                                FMT_SEC_FEATURES, FMT_SEC_PROGRAM, FMT_SEC_CLASSES,
                                FMT_SEC_METADATA};
    int (*parsers[9])(fmt_header *, cursor *, fr_err *) = {
        NULL, parse_blocks, parse_chunks, parse_ensemble, parse_features, parse_classes,
        parse_meta, parse_program, parse_linear};
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
    uint32_t est_in = h->program ? h->program->n_outputs : h->n_inputs;
    if ((h->has_ensemble || h->linear) && h->n_features != est_in)
        return FR_CORRUPT(e, "the estimator takes %u features, its input provides %u",
                          h->n_features, est_in);
    if (!h->program && h->feature_kinds)
        for (uint32_t i = 0; i < h->n_inputs; i++)
            if (h->feature_kinds[i] != FMT_SLOT_NUM)
                return FR_CORRUPT(e, "FEATURES: string column %u without a PROGRAM to encode it",
                                  i);
    if (!h->has_ensemble && !h->linear)
        h->n_features = h->program->n_outputs; /* a transformer: its outputs */
    if (h->task == FROST_TASK_CLASSIFIER && !h->classes)
        return FR_CORRUPT(e, "required section CLASSES is missing for a classifier");
    if (h->task != FROST_TASK_CLASSIFIER && h->classes)
        return FR_CORRUPT(e, "CLASSES in a model that does not classify");
    return 0;
}

int fmt_header_parse(const uint8_t *buf, size_t len, uint64_t file_size, const uint8_t *footer,
                     const frost_allocator *alloc, fmt_header *h, fr_err *e)
{
    memset(h, 0, sizeof *h);
    h->alloc = alloc;
    uint64_t hs;
    int rc = fmt_peek_header_size(buf, len, &hs, e);
    if (rc)
        return rc;
    if (hs > len || hs > file_size)
        return fr_fail(e, FROST_ETRUNCATED, "file ends inside its header (%llu of %llu bytes)",
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
        return fr_fail(e, h->file_size > file_size ? FROST_ETRUNCATED : FROST_ECORRUPT,
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
    const frost_allocator *a = h->alloc;
    fr_free(a, h->blocks);
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
