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
/* the state on the stack needs its layout, which xxHash exposes only on request */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "alloc.h"
#include "endian.h"
#include "sections.h"

const uint8_t fmt_magic[8] = {0x89, 'F', 'R', 'O', 'S', 'T', '\r', '\n'};
const uint8_t fmt_end_magic[8] = {'F', 'R', 'O', 'S', 'T', 'E', 'N', 'D'};

int fmt_peek_header_size(const uint8_t *sb, size_t len, uint64_t *header_size, fr_err *e)
{
    if (len < FMT_SUPERBLOCK_SIZE)
        return fr_fail(e, FR_ETRUNCATED, "file too short for a .frost superblock (%zu bytes)",
                       len);
    if (memcmp(sb + FMT_SB_MAGIC, fmt_magic, 8) != 0)
        return fr_fail(e, FR_EFORMAT, "not a .frost file (bad magic)");
    uint16_t major = fr_rd16(sb + FMT_SB_MAJOR);
    if (major > FMT_MAJOR) {
        /* a later major names the frost that reads it (FORMAT.md superblock `reader`): shown,
         * if it is printable text, and trusted for nothing else */
        char reader[33] = {0};
        size_t n = 0;
        while (n < 32 && sb[FMT_SB_READER + n] >= 0x20 && sb[FMT_SB_READER + n] < 0x7f)
            n++;
        if (n && (n == 32 || sb[FMT_SB_READER + n] == 0))
            memcpy(reader, sb + FMT_SB_READER, n);
        return fr_fail(e, FR_EVERSION, "file format version %u.%u needs %s%s (this frost reads "
                       "format %u.x)", major, fr_rd16(sb + FMT_SB_MINOR),
                       reader[0] ? reader : "a newer frost", reader[0] ? " or newer" : "",
                       FMT_MAJOR);
    }
    if (major != FMT_MAJOR)
        return FR_CORRUPT(e, "superblock: major version %u is not valid", major);
    uint64_t hs = fr_rd64(sb + FMT_SB_HEADER_SIZE);
    if (hs < FMT_PAGE || hs % FMT_PAGE != 0 || hs > FMT_MAX_HEADER)
        return FR_CORRUPT(e, "superblock: header_size %llu is not a page multiple in range",
                          (unsigned long long)hs);
    *header_size = hs;
    return 0;
}

int fmt_header_digest_check(const uint8_t *buf, uint64_t hs, fr_err *e)
{
    if (hs < FMT_SUPERBLOCK_SIZE)
        return FR_CORRUPT(e, "header of %llu bytes is shorter than its superblock",
                          (unsigned long long)hs);
    /* The digest field is hashed as zero: hash around it rather than copy a large header. */
    static const uint8_t zero16[16];
    /* on the stack (xxHash documents XXH3_INITSTATE for it): hashing allocates nothing, so the
     * caller's allocator hook sees every allocation of an open */
    XXH3_state_t st;
    XXH3_INITSTATE(&st);
    XXH3_128bits_reset(&st);
    XXH3_128bits_update(&st, buf, FMT_SB_DIGEST);
    XXH3_128bits_update(&st, zero16, sizeof zero16);
    XXH3_128bits_update(&st, buf + FMT_SB_DIGEST + 16, (size_t)hs - FMT_SB_DIGEST - 16);
    XXH128_hash_t h = XXH3_128bits_digest(&st);
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, h);
    if (memcmp(canon.digest, buf + FMT_SB_DIGEST, 16) != 0)
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

static int parse_blocks(fmt_header *h, fmt_rd *c)
{
    fr_err *e = c->e;
    uint32_t count = fmt_rd_u32(c), reserved = fmt_rd_u32(c);
    if (c->code)
        return c->code;
    if (reserved)
        return FR_CORRUPT(e, "BLOCKS section: reserved field is not zero");
    if ((uint64_t)count * FMT_BLOCK_ENTRY != c->left)
        return FR_CORRUPT(e, "BLOCKS section: %u entries do not fill its %zu bytes", count,
                          c->left);
    h->block_table = c->p;
    h->n_blocks = count;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *ent = fmt_rd_bytes(c, FMT_BLOCK_ENTRY);
        const fmt_block bv = fmt_block_at(h, i), *b = &bv;
        if (!all_zero(ent + FMT_BE_RESERVED, FMT_BE_CHECKSUM - FMT_BE_RESERVED))
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

static int parse_chunks(fmt_header *h, fmt_rd *c)
{
    fr_err *e = c->e;
    uint32_t count = fmt_rd_u32(c), reserved = fmt_rd_u32(c);
    if (c->code)
        return c->code;
    if (reserved)
        return FR_CORRUPT(e, "CHUNKS section: reserved field is not zero");
    if ((uint64_t)count * FMT_CHUNK_ENTRY != c->left)
        return FR_CORRUPT(e, "CHUNKS section: %u entries do not fill its %zu bytes", count,
                          c->left);
    h->chunks = fr_calloc(h->alloc, count ? count : 1, sizeof *h->chunks);
    if (!h->chunks)
        return fr_fail(e, FR_ENOMEM, "out of memory for %u chunks", count);
    h->n_chunks = count;
    uint32_t next_block = 0;
    uint64_t prev_end = h->header_size;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *ent = fmt_rd_bytes(c, FMT_CHUNK_ENTRY);
        fmt_chunk *ch = &h->chunks[i];
        ch->kind = fr_rd32(ent + FMT_CE_KIND);
        ch->first_block = fr_rd32(ent + FMT_CE_FIRST_BLOCK);
        ch->block_count = fr_rd32(ent + FMT_CE_BLOCK_COUNT);
        ch->raw_size = fr_rd64(ent + FMT_CE_RAW_SIZE);
        if (fr_rd32(ent + FMT_CE_RESERVED))
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

static int parse_features(fmt_header *h, fmt_rd *c)
{
    fr_err *e = c->e;
    uint32_t n = fmt_rd_u32(c), flags = fmt_rd_u32(c);
    if (c->code)
        return c->code;
    if (n == 0 || n > FMT_MAX_SLOTS)
        return FR_CORRUPT(e, "FEATURES: %u input columns", n);
    if (flags & ~3u)
        return FR_CORRUPT(e, "FEATURES: reserved flag bits set");
    h->n_inputs = n;
    h->features_named = flags & 1u;
    if (flags & 2u) {
        h->feature_kinds = fmt_rd_array(c, h->alloc, n, 1, 1);
        const uint8_t *kinds = fmt_rd_bytes(c, n);
        if (c->code)
            return c->code;
        memcpy(h->feature_kinds, kinds, n);
        for (uint32_t i = 0; i < n; i++)
            if (h->feature_kinds[i] > FMT_SLOT_UNUSED)
                return FR_CORRUPT(e, "FEATURES: column %u has unknown kind %u", i,
                                  h->feature_kinds[i]);
    }
    if (h->features_named) {
        /* each name needs at least its 4-byte length: bound the allocation by the bytes left */
        if ((uint64_t)n * 4 > c->left)
            return FR_CORRUPT(e, "FEATURES: %u names cannot fit %zu bytes", n, c->left);
        h->feature_names = fr_calloc(h->alloc, n, sizeof(char *));
        if (!h->feature_names)
            return fr_fail(e, FR_ENOMEM, "out of memory for %u feature names", n);
        for (uint32_t i = 0; i < n && !c->code; i++)
            h->feature_names[i] = fmt_rd_str(c, h->alloc);
    }
    return fmt_rd_end(c);
}

static int parse_program(fmt_header *h, fmt_rd *c)
{
    int rc = fmt_program_parse(c->p, c->left, h->feature_kinds, h->n_inputs, h->alloc,
                               &h->program, c->e);
    if (rc)
        return rc;
    if (h->minor < 3 && fmt_program_minor(h->program) >= 3)
        return FR_CORRUPT(c->e, "PROGRAM uses an opcode of format 1.3 in a format %u.%u file",
                          h->major, h->minor);
    return 0;
}

static int parse_linear(fmt_header *h, fmt_rd *c)
{
    fr_err *e = c->e;
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

/* The 1.3 estimators are one-output classifiers of n_classes over n_features. */
static int one_output_classifier(fmt_header *h, uint32_t n_features, uint32_t n_classes,
                                 fr_err *e)
{
    h->task = FMT_TASK_CLASSIFIER;
    h->n_features = n_features;
    h->n_outputs = 1;
    h->n_classes = fr_calloc(h->alloc, 1, sizeof *h->n_classes);
    if (!h->n_classes)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    h->n_classes[0] = h->n_classes_total = n_classes;
    return 0;
}

static int parse_bayes(fmt_header *h, fmt_rd *c)
{
    int rc = fmt_bayes_parse(c->p, c->left, h->alloc, &h->bayes, c->e);
    return rc ? rc : one_output_classifier(h, h->bayes->n_features, h->bayes->n_classes, c->e);
}

static int parse_centroids(fmt_header *h, fmt_rd *c)
{
    int rc = fmt_centroids_parse(c->p, c->left, h->alloc, &h->centroids, c->e);
    return rc ? rc : one_output_classifier(h, h->centroids->n_features,
                                           h->centroids->n_centroids, c->e);
}

/* An MLP classifier has one output of a softmax's classes, or two classes per logistic unit
 * (binary: one unit; multi-label: one output per label); a regressor one output per unit. */
static int parse_mlp(fmt_header *h, fmt_rd *c)
{
    int rc = fmt_mlp_parse(c->p, c->left, h->alloc, &h->mlp, c->e);
    if (rc)
        return rc;
    const fmt_mlp *m = h->mlp;
    uint32_t n_out = m->widths[m->n_layers];
    if (m->task == FMT_TASK_REGRESSOR) {
        h->task = FMT_TASK_REGRESSOR;
        h->n_features = m->widths[0];
        h->n_outputs = n_out;
        return 0;
    }
    if (m->output == FMT_ACT_SOFTMAX)
        return one_output_classifier(h, m->widths[0], n_out, c->e);
    h->task = FMT_TASK_CLASSIFIER;
    h->n_features = m->widths[0];
    h->n_outputs = n_out;
    h->n_classes = fr_calloc(h->alloc, n_out, sizeof *h->n_classes);
    if (!h->n_classes)
        return fr_fail(c->e, FR_ENOMEM, "out of memory");
    for (uint32_t k = 0; k < n_out; k++)
        h->n_classes[k] = 2;
    h->n_classes_total = 2 * n_out; /* n_out < 2^24 */
    return 0;
}

/* TARGET, after the estimator and CLASSES: a regressor's predictions, one per target. */
static int parse_target(fmt_header *h, fmt_rd *c)
{
    int rc = fmt_target_parse(c->p, c->left, h->alloc, &h->target, c->e);
    if (rc)
        return rc;
    uint32_t width = h->has_ensemble && h->kind == FMT_ENS_BOOSTED ? 1 : h->n_outputs;
    if (h->task != FMT_TASK_REGRESSOR || h->target->n_targets != width)
        return FR_CORRUPT(c->e, "TARGET: %u targets for a %s with %u outputs",
                          h->target->n_targets,
                          h->task == FMT_TASK_REGRESSOR ? "regressor" : "model that does not "
                          "regress", width);
    return 0;
}

static int parse_classes(fmt_header *h, fmt_rd *c)
{
    fr_err *e = c->e;
    uint32_t n = fmt_rd_u32(c);
    if (c->code)
        return c->code;
    if (h->task != FMT_TASK_CLASSIFIER || n != h->n_outputs)
        return FR_CORRUPT(e, "CLASSES: %u outputs for a model with %u", n, h->n_outputs);
    h->classes = fr_calloc(h->alloc, n, sizeof *h->classes);
    if (!h->classes)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    for (uint32_t k = 0; k < n; k++) {
        fmt_labels *L = &h->classes[k];
        L->kind = fmt_rd_u32(c);
        L->count = fmt_rd_u32(c);
        if (c->code)
            return c->code;
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
        for (uint32_t i = 0; i < L->count && !c->code; i++)
            L->labels[i] = fmt_rd_str(c, h->alloc);
    }
    return fmt_rd_end(c);
}

static int parse_meta(fmt_header *h, fmt_rd *c)
{
    fr_err *e = c->e;
    uint32_t n = fmt_rd_u32(c);
    if (c->code)
        return c->code;
    if ((uint64_t)n * 8 > c->left)
        return FR_CORRUPT(e, "METADATA: %u entries cannot fit %zu bytes", n, c->left);
    h->meta_keys = fr_calloc(h->alloc, n ? n : 1, sizeof(char *));
    h->meta_values = fr_calloc(h->alloc, n ? n : 1, sizeof(char *));
    if (!h->meta_keys || !h->meta_values)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    h->n_meta = n;
    for (uint32_t i = 0; i < n; i++) {
        h->meta_keys[i] = fmt_rd_str(c, h->alloc);
        h->meta_values[i] = fmt_rd_str(c, h->alloc);
        if (c->code)
            return c->code;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(h->meta_keys[i], h->meta_keys[j]) == 0)
                return FR_CORRUPT(e, "METADATA: key '%s' appears twice", h->meta_keys[i]);
    }
    return fmt_rd_end(c);
}

typedef struct section {
    uint32_t type, flags;
    uint64_t offset, length;
} section;

static int parse_sections(fmt_header *h, const uint8_t *buf, uint32_t count, fr_err *e)
{
    section sec[FMT_MAX_SECTIONS];
    const section *by_type[FMT_SEC_COUNT] = {0};
    static int (*const parsers[FMT_SEC_COUNT])(fmt_header *, fmt_rd *) = {
        [FMT_SEC_BLOCKS] = parse_blocks,         [FMT_SEC_CHUNKS] = parse_chunks,
        [FMT_SEC_ENSEMBLE] = fmt_ensemble_parse, [FMT_SEC_FEATURES] = parse_features,
        [FMT_SEC_CLASSES] = parse_classes,       [FMT_SEC_METADATA] = parse_meta,
        [FMT_SEC_PROGRAM] = parse_program,       [FMT_SEC_LINEAR] = parse_linear,
        [FMT_SEC_COMBINE] = fmt_combine_parse,   [FMT_SEC_CHECKS] = fmt_checks_parse,
        [FMT_SEC_METADATA_TYPES] = fmt_meta_types_parse,
        [FMT_SEC_BAYES] = parse_bayes,           [FMT_SEC_CENTROIDS] = parse_centroids,
        [FMT_SEC_MLP] = parse_mlp,               [FMT_SEC_TARGET] = parse_target};
    uint64_t table_end = FMT_SUPERBLOCK_SIZE + (uint64_t)count * FMT_SECTION_ENTRY;
    if (table_end > h->header_size)
        return FR_CORRUPT(e, "section table (%u entries) does not fit the header", count);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *p = buf + FMT_SUPERBLOCK_SIZE + (size_t)i * FMT_SECTION_ENTRY;
        section *s = &sec[i];
        s->type = fr_rd32(p + FMT_SE_TYPE);
        s->flags = fr_rd32(p + FMT_SE_FLAGS);
        s->offset = fr_rd64(p + FMT_SE_OFFSET);
        s->length = fr_rd64(p + FMT_SE_LENGTH);
        if (fr_rd64(p + FMT_SE_RESERVED) || (s->flags & ~1u))
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
        if (s->type >= 1 && s->type < FMT_SEC_COUNT && parsers[s->type]) {
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
                                               "COMBINE", "CHECKS", "METADATA_TYPES", "BAYES",
                                               "CENTROIDS", "MLP", "TARGET"};
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
    static const int estimators[] = {FMT_SEC_ENSEMBLE, FMT_SEC_LINEAR, FMT_SEC_COMBINE,
                                     FMT_SEC_BAYES, FMT_SEC_CENTROIDS, FMT_SEC_MLP};
    static const int estimators_1_3[] = {FMT_SEC_BAYES, FMT_SEC_CENTROIDS, FMT_SEC_MLP};
    for (size_t i = 0; i < sizeof estimators_1_3 / sizeof estimators_1_3[0]; i++) {
        int t = estimators_1_3[i];
        if (!by_type[t])
            continue;
        if (h->minor < 3)
            return FR_CORRUPT(e, "%s in a format %u.%u file (it needs 1.3)", names[t], h->major,
                              h->minor);
        for (size_t k = 0; k < sizeof estimators / sizeof estimators[0]; k++)
            if (estimators[k] != t && by_type[estimators[k]])
                return FR_CORRUPT(e, "%s beside another estimator: a file holds one estimator",
                                  names[t]);
    }
    int n_est = 0;
    for (size_t k = 0; k < sizeof estimators / sizeof estimators[0]; k++)
        n_est += by_type[estimators[k]] != NULL;
    if (!n_est && !by_type[FMT_SEC_PROGRAM])
        return FR_CORRUPT(e, "no estimator (ENSEMBLE, LINEAR, COMBINE, BAYES, CENTROIDS or MLP) "
                          "and no PROGRAM");
    if (by_type[FMT_SEC_TARGET] && h->minor < 3)
        return FR_CORRUPT(e, "TARGET in a format %u.%u file (it needs 1.3)", h->major, h->minor);
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
                                FMT_SEC_BAYES, FMT_SEC_CENTROIDS, FMT_SEC_MLP, FMT_SEC_FEATURES,
                                FMT_SEC_PROGRAM, FMT_SEC_COMBINE, FMT_SEC_CHECKS,
                                FMT_SEC_CLASSES, FMT_SEC_METADATA, FMT_SEC_METADATA_TYPES,
                                FMT_SEC_TARGET};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int t = order[i];
        if (!by_type[t])
            continue;
        fmt_rd c = fmt_rd_begin(buf + by_type[t]->offset, (size_t)by_type[t]->length, names[t],
                                e);
        int rc = parsers[t](h, &c);
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
    else if ((h->has_ensemble || h->linear || h->bayes || h->centroids || h->mlp) &&
             h->n_features != est_in)
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
    if (!h->has_ensemble && !h->linear && !h->combine && !h->bayes && !h->centroids && !h->mlp)
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
    if ((rc = fmt_header_digest_check(buf, hs, e)))
        return rc;
    h->major = fr_rd16(buf + FMT_SB_MAJOR);
    h->minor = fr_rd16(buf + FMT_SB_MINOR);
    h->flags = fr_rd32(buf + FMT_SB_FLAGS);
    h->block_shift = fr_rd32(buf + FMT_SB_BLOCK_SHIFT);
    uint32_t count = fr_rd32(buf + FMT_SB_SECTION_COUNT);
    h->data_size = fr_rd64(buf + FMT_SB_DATA_SIZE);
    h->trailer_size = fr_rd64(buf + FMT_SB_TRAILER_SIZE);
    h->file_size = fr_rd64(buf + FMT_SB_FILE_SIZE);
    memcpy(h->digest, buf + FMT_SB_DIGEST, 16);
    if (h->flags & ~1u)
        return FR_CORRUPT(e, "superblock: reserved flag bits set (0x%x)", h->flags);
    if (fr_rd64(buf + FMT_SB_RESERVED) ||
        !all_zero(buf + FMT_SB_READER, FMT_SUPERBLOCK_SIZE - FMT_SB_READER))
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
        if (memcmp(footer + FMT_FT_MAGIC, fmt_end_magic, 8) != 0 ||
            fr_rd64(footer + FMT_FT_HEADER_SIZE) != h->header_size ||
            fr_rd64(footer + FMT_FT_FILE_SIZE) != h->file_size ||
            fr_rd64(footer + FMT_FT_RESERVED) != 0)
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
    fmt_program_free(h->program);
    fmt_linear_free(a, h->linear);
    fmt_combine_free(a, h->combine);
    fmt_bayes_free(a, h->bayes);
    fmt_centroids_free(a, h->centroids);
    fmt_mlp_free(a, h->mlp);
    fmt_target_free(a, h->target);
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
    fr_free(a, h->meta_types);
    memset(h, 0, sizeof *h);
}
