/*
 * writer.c — serializes a model into the .frost byte stream (FORMAT.md), in order from offset 0,
 * through an emit callback: the layer above owns the file (temporary name, fsync, rename).
 *
 * The whole stored image is built before the first byte is emitted, because the header (which
 * comes first) holds every block's offset and checksum. It is built in phases, each its own
 * function: lay the trees out in chunks, cut the chunks into blocks (compressing where it pays),
 * write the sections, place the blocks after the header and seal it, emit.
 */
#include <lz4.h>
#include <lz4hc.h>
#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "endian.h"
#include "format.h"

/* LZ4HC level: 9, the library's default. RF100's blocks: 4.96 MB with LZ4's fast encoder,
 * 4.45 MB at 9 (0.72 s to convert), 4.43 MB at 12 (1.44 s). */
#define FROST_LZ4HC_LEVEL 9

/* Bodies are packed into shared chunks of about this size; a larger body gets a chunk alone. */
#define PACK_TARGET (1u << 20)

/* One chunk being written: its raw bytes (borrowed) and the blocks cut from them. */
typedef struct wchunk {
    uint32_t kind;
    const uint8_t *raw;
    uint64_t raw_size;
    uint32_t first_block;
    uint32_t block_count;
    uint64_t offset;      /* file offset, page-aligned */
} wchunk;

typedef struct wblock {
    const uint8_t *stored; /* into the chunk's raw bytes, or `owned` */
    uint8_t *owned;        /* lz4 output, when it shrank the block */
    uint32_t stored_size;
    uint32_t raw_size;
    uint8_t codec;
    uint64_t offset;
    uint64_t checksum;
} wblock;

/* The file being built: what each phase leaves for the next. */
typedef struct wimage {
    const fr_allocator *a;
    uint64_t bs;              /* block size */
    uint8_t *top_raw;         /* the top pack: every tree's top part */
    uint64_t *top_off;        /* per tree: where its top part starts in the pack */
    uint32_t *body_chunk;     /* per tree: the chunk holding its body, or FMT_NONE */
    uint64_t *body_off;       /* per tree: where its body starts in that chunk */
    uint8_t **packs;          /* the body chunks' bytes */
    uint64_t *pack_size;
    uint32_t n_packs;
    wchunk *chunks;
    uint32_t n_chunks;
    wblock *blocks;
    uint32_t n_blocks;
    fmt_buf sec[FMT_SEC_COUNT]; /* section bodies by type (sec[0] is never written) */
    uint8_t *header;          /* the sealed header region */
    uint64_t header_size, data_size, file_size;
} wimage;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* Whether an aggregation uses what 1.3 added: kind ISOLATION, links EXP and SOFTMAX_NORM, flags
 * WIDE_SPLITS and PROBA_ARGMAX. */
static int agg_needs_1_3(uint32_t kind, uint32_t link, uint32_t flags)
{
    return kind == FMT_ENS_ISOLATION || link > FMT_LINK_SOFTMAX ||
           (flags & (FMT_ENS_WIDE_SPLITS | FMT_ENS_PROBA_ARGMAX));
}

/* The smallest minor version that holds what the file uses (FORMAT.md superblock), so a file
 * that needs nothing newer stays readable by older readers: 1.3 for BAYES, CENTROIDS, MLP or its
 * ENSEMBLE additions, 1.2 for CHECKS or an unused column, 1.1 for a COMBINE, else 1.0. */
static uint32_t fmt_minor_needed(const fmt_model_desc *d)
{
    if (d->has_ensemble && !d->combine && agg_needs_1_3(d->kind, d->link, d->ens_flags))
        return 3;
    for (uint32_t i = 0; d->combine && i < d->combine->n_members; i++) {
        const fmt_member *m = &d->combine->members[i];
        if (m->kind == FMT_MEMBER_TREES && agg_needs_1_3(m->trees.kind, m->trees.link,
                                                          m->trees.flags))
            return 3;
    }
    int unused = 0;
    for (uint32_t i = 0; d->feature_kinds && i < d->n_inputs; i++)
        unused |= d->feature_kinds[i] == FMT_SLOT_UNUSED;
    if (d->bayes || d->centroids || d->mlp || d->target || fmt_program_minor(d->program) >= 3)
        return 3;
    if (d->n_checks || unused)
        return 2;
    return d->combine ? 1 : 0;
}

/* Every tree's top part into the top pack (none crossing a block boundary), and the bodies
 * into body chunks in record order: a body larger than a block starts on a block boundary, a
 * smaller one never crosses one (the encoder laid each body out from a block boundary). */
static int lay_out_chunks(wimage *w, const fmt_model_desc *d, fr_err *e)
{
    const fr_allocator *a = w->a;
    const uint64_t bs = w->bs;
    size_t nt = d->n_trees ? d->n_trees : 1;
    w->top_off = fr_calloc(a, nt, sizeof *w->top_off);
    w->body_chunk = fr_calloc(a, nt, sizeof *w->body_chunk);
    w->body_off = fr_calloc(a, nt, sizeof *w->body_off);
    w->pack_size = fr_calloc(a, nt, sizeof *w->pack_size);
    w->packs = fr_calloc(a, nt, sizeof *w->packs);
    w->chunks = fr_calloc(a, (size_t)d->n_trees + 1, sizeof *w->chunks);
    if (!w->top_off || !w->body_chunk || !w->body_off || !w->pack_size || !w->packs ||
        !w->chunks)
        return fr_fail(e, FR_ENOMEM, "out of memory writing %u trees", d->n_trees);
    uint64_t top_size = 0;
    for (uint32_t t = 0; t < d->n_trees; t++) {
        uint32_t ts = d->trees[t].top_size;
        if (ts > bs || ts % 8 || ts == 0)
            return fr_fail(e, FR_EINVAL, "tree %u: top part of %u bytes does not fit a block", t,
                           ts);
        if (top_size % bs + ts > bs)
            top_size = align_up(top_size, bs);
        w->top_off[t] = top_size;
        top_size += ts;
    }
    if (d->n_trees) {
        w->top_raw = fr_calloc(a, top_size, 1);
        if (!w->top_raw)
            return fr_fail(e, FR_ENOMEM, "out of memory for the top chunk");
        for (uint32_t t = 0; t < d->n_trees; t++)
            memcpy(w->top_raw + w->top_off[t], d->trees[t].top, d->trees[t].top_size);
        w->chunks[w->n_chunks++] = (wchunk){.kind = FMT_CHUNK_TOP, .raw = w->top_raw,
                                            .raw_size = top_size};
    }
    uint64_t bpos = 0;
    for (uint32_t t = 0; t < d->n_trees; t++) {
        uint64_t bsz = d->trees[t].body_size;
        w->body_chunk[t] = FMT_NONE;
        if (!bsz)
            continue;
        if (bsz > bs || bpos % bs + bsz > bs)
            bpos = align_up(bpos, bs);
        if (w->n_packs == 0 || (bpos && bpos + bsz > PACK_TARGET)) {
            w->n_packs++;
            bpos = 0;
        }
        w->body_chunk[t] = w->n_chunks + w->n_packs - 1;
        w->body_off[t] = bpos;
        bpos += bsz;
        w->pack_size[w->n_packs - 1] = bpos;
    }
    for (uint32_t p = 0; p < w->n_packs; p++) {
        w->packs[p] = fr_calloc(a, w->pack_size[p], 1);
        if (!w->packs[p])
            return fr_fail(e, FR_ENOMEM, "out of memory packing tree bodies");
        w->chunks[w->n_chunks + p] = (wchunk){.kind = FMT_CHUNK_BODY, .raw = w->packs[p],
                                              .raw_size = w->pack_size[p]};
    }
    for (uint32_t t = 0; t < d->n_trees; t++)
        if (w->body_chunk[t] != FMT_NONE)
            memcpy(w->packs[w->body_chunk[t] - w->n_chunks] + w->body_off[t], d->trees[t].body,
                   d->trees[t].body_size);
    w->n_chunks += w->n_packs;
    return 0;
}

/* The chunks cut into blocks, each compressed where that shrinks it and checksummed as stored. */
static int cut_blocks(wimage *w, int compress, fr_err *e)
{
    const fr_allocator *a = w->a;
    const uint64_t bs = w->bs;
    uint64_t total_blocks = 0;
    for (uint32_t c = 0; c < w->n_chunks; c++)
        total_blocks += (w->chunks[c].raw_size + bs - 1) / bs;
    if (total_blocks >= UINT32_MAX)
        return fr_fail(e, FR_ELIMIT, "too many blocks (%llu)", (unsigned long long)total_blocks);
    w->blocks = fr_calloc(a, total_blocks ? total_blocks : 1, sizeof *w->blocks);
    if (!w->blocks)
        return fr_fail(e, FR_ENOMEM, "out of memory for %llu blocks",
                       (unsigned long long)total_blocks);
    for (uint32_t c = 0; c < w->n_chunks; c++) {
        wchunk *ch = &w->chunks[c];
        ch->first_block = w->n_blocks;
        for (uint64_t o = 0; o < ch->raw_size; o += bs) {
            wblock *b = &w->blocks[w->n_blocks++];
            b->raw_size = (uint32_t)(ch->raw_size - o < bs ? ch->raw_size - o : bs);
            b->stored = ch->raw + o;
            b->stored_size = b->raw_size;
            b->codec = FMT_CODEC_NONE;
            if (compress) {
                int bound = LZ4_compressBound((int)b->raw_size);
                uint8_t *z = fr_malloc(a, (size_t)bound);
                if (!z)
                    return fr_fail(e, FR_ENOMEM, "out of memory compressing");
                /* LZ4's high-compression encoder: the same block format and decoder, so
                 * loading costs the same, for a smaller file (RF500 blocks: see bench/) */
                int zn = LZ4_compress_HC((const char *)b->stored, (char *)z, (int)b->raw_size,
                                         bound, FROST_LZ4HC_LEVEL);
                if (zn > 0 && (uint32_t)zn < b->raw_size) {
                    b->owned = z;
                    b->stored = z;
                    b->stored_size = (uint32_t)zn;
                    b->codec = FMT_CODEC_LZ4;
                } else {
                    fr_free(a, z);
                }
            }
            b->checksum = XXH3_64bits(b->stored, b->stored_size);
        }
        ch->block_count = w->n_blocks - ch->first_block;
    }
    return 0;
}

static void put_chunks(const wimage *w, fmt_buf *s)
{
    fmt_put_u32(s, w->n_chunks);
    fmt_put_u32(s, 0);
    for (uint32_t c = 0; c < w->n_chunks; c++) {
        uint8_t ent[FMT_CHUNK_ENTRY] = {0};
        fr_wr32(ent + FMT_CE_KIND, w->chunks[c].kind);
        fr_wr32(ent + FMT_CE_FIRST_BLOCK, w->chunks[c].first_block);
        fr_wr32(ent + FMT_CE_BLOCK_COUNT, w->chunks[c].block_count);
        fr_wr64(ent + FMT_CE_RAW_SIZE, w->chunks[c].raw_size);
        fmt_put(s, ent, sizeof ent);
    }
}

/* ENSEMBLE: the aggregation (or, under a COMBINE, the MEMBERS table whose aggregation belongs to
 * the members), then the tree records. */
static void put_ensemble(const wimage *w, const fmt_model_desc *d, fmt_buf *s)
{
    const uint32_t top_chunk = d->n_trees ? 0 : FMT_NONE;
    if (d->combine) {
        const uint32_t members[10] = {0, FMT_ENS_MEMBERS, 0, 0, d->n_trees, 0, 0, 0, 0,
                                      top_chunk};
        for (int i = 0; i < 10; i++)
            fmt_put_u32(s, members[i]);
        fmt_put_f64(s, 0.0);
    } else {
        const uint32_t agg[10] = {d->task, d->kind, d->n_features, d->n_outputs, d->n_trees,
                                  d->leaf_width, d->ens_flags, d->link, d->n_raw, top_chunk};
        for (int i = 0; i < 10; i++)
            fmt_put_u32(s, agg[i]);
        fmt_put_f64(s, d->learning_rate);
        if (d->task == FMT_TASK_CLASSIFIER)
            for (uint32_t k = 0; k < d->n_outputs; k++)
                fmt_put_u32(s, d->n_classes[k]);
        for (uint32_t k = 0; k < d->n_raw; k++)
            fmt_put_f64(s, d->init_raw[k]);
        if (d->kind == FMT_ENS_ISOLATION) {
            fmt_put_f64(s, d->path_norm);
            fmt_put_f64(s, d->offset);
        }
    }
    for (uint32_t t = 0; t < d->n_trees; t++) {
        uint8_t rec[FMT_TREE_RECORD] = {0};
        fr_wr64(rec + FMT_TR_TOP_OFFSET, w->top_off[t]);
        fr_wr32(rec + FMT_TR_TOP_SIZE, d->trees[t].top_size);
        fr_wr32(rec + FMT_TR_BODY_CHUNK, w->body_chunk[t]);
        fr_wr64(rec + FMT_TR_BODY_OFFSET, w->body_chunk[t] == FMT_NONE ? 0 : w->body_off[t]);
        fr_wr32(rec + FMT_TR_BODY_SIZE, (uint32_t)d->trees[t].body_size);
        fr_wr32(rec + FMT_TR_RAW_COLUMN, d->trees[t].raw_column);
        fr_wr32(rec + FMT_TR_N_SPLITS, d->trees[t].n_splits);
        fr_wr32(rec + FMT_TR_N_LEAVES, d->trees[t].n_leaves);
        fmt_put(s, rec, sizeof rec);
    }
}

static void put_features(const fmt_model_desc *d, fmt_buf *s)
{
    fmt_put_u32(s, d->n_inputs);
    fmt_put_u32(s, (d->feature_names ? 1u : 0u) | (d->feature_kinds ? 2u : 0u));
    if (d->feature_kinds)
        fmt_put(s, d->feature_kinds, d->n_inputs);
    if (d->feature_names)
        for (uint32_t i = 0; i < d->n_inputs; i++)
            fmt_put_str(s, d->feature_names[i]);
}

static void put_classes(const fmt_model_desc *d, fmt_buf *s)
{
    fmt_put_u32(s, d->n_outputs);
    for (uint32_t k = 0; k < d->n_outputs; k++) {
        fmt_put_u32(s, d->classes[k].kind);
        fmt_put_u32(s, d->classes[k].count);
        for (uint32_t i = 0; i < d->classes[k].count; i++)
            fmt_put_str(s, d->classes[k].labels[i]);
    }
}

static void put_metadata(const fmt_model_desc *d, fmt_buf *s)
{
    fmt_put_u32(s, d->n_meta);
    for (uint32_t i = 0; i < d->n_meta; i++) {
        fmt_put_str(s, d->meta_keys[i]);
        fmt_put_str(s, d->meta_values[i]);
    }
}

/* Every section but BLOCKS, which needs the file offsets the header's size decides. */
static int put_sections(wimage *w, const fmt_model_desc *d, fr_err *e)
{
    fmt_buf *sec = w->sec;
    put_chunks(w, &sec[FMT_SEC_CHUNKS]);
    if (d->has_ensemble)
        put_ensemble(w, d, &sec[FMT_SEC_ENSEMBLE]);
    put_features(d, &sec[FMT_SEC_FEATURES]);
    if (d->program)
        fmt_program_write(d->program, &sec[FMT_SEC_PROGRAM]);
    if (d->linear)
        fmt_linear_write(d->linear, &sec[FMT_SEC_LINEAR]);
    if (d->combine)
        fmt_combine_write(d->combine, &sec[FMT_SEC_COMBINE]);
    if (d->bayes)
        fmt_bayes_write(d->bayes, &sec[FMT_SEC_BAYES]);
    if (d->centroids)
        fmt_centroids_write(d->centroids, &sec[FMT_SEC_CENTROIDS]);
    if (d->mlp)
        fmt_mlp_write(d->mlp, &sec[FMT_SEC_MLP]);
    if (d->target)
        fmt_target_write(d->target, &sec[FMT_SEC_TARGET]);
    if (d->n_checks)
        fmt_checks_write(d->checks, d->n_checks, &sec[FMT_SEC_CHECKS]);
    if (d->task == FMT_TASK_CLASSIFIER)
        put_classes(d, &sec[FMT_SEC_CLASSES]);
    if (d->n_meta)
        put_metadata(d, &sec[FMT_SEC_METADATA]);
    int typed = 0;
    for (uint32_t i = 0; d->meta_types && i < d->n_meta; i++)
        typed |= d->meta_types[i] != FMT_META_STRING;
    if (typed)
        fmt_meta_types_write(d->meta_types, d->n_meta, &sec[FMT_SEC_METADATA_TYPES]);
    for (int i = 1; i < FMT_SEC_COUNT; i++)
        if (sec[i].oom)
            return fr_fail(e, FR_ENOMEM, "out of memory building the header");
    return 0;
}

/* The header's size, from the sections; then the blocks placed after it, chunk by chunk on
 * page boundaries, and the BLOCKS section that records where. */
static int place_blocks(wimage *w, fr_err *e)
{
    uint32_t n_sec = 0;
    for (int i = 1; i < FMT_SEC_COUNT; i++)
        if (i == FMT_SEC_BLOCKS || w->sec[i].len)
            n_sec++;
    uint64_t body_len = align_up(8 + (uint64_t)FMT_BLOCK_ENTRY * w->n_blocks, 8);
    for (int i = 2; i < FMT_SEC_COUNT; i++)
        body_len += align_up(w->sec[i].len, 8);
    w->header_size = align_up(FMT_SUPERBLOCK_SIZE + (uint64_t)n_sec * FMT_SECTION_ENTRY +
                              body_len, FMT_PAGE);
    if (w->header_size > FMT_MAX_HEADER) /* FORMAT.md Limits: a reader refuses it */
        return fr_fail(e, FR_EUNSUPPORTED, "the model needs a %llu MiB header, beyond the "
                       "format's 1024 MiB (too many weights or categories to hold)",
                       (unsigned long long)(w->header_size >> 20));
    uint64_t at = w->header_size;
    for (uint32_t c = 0; c < w->n_chunks; c++) {
        at = align_up(at, FMT_PAGE);
        w->chunks[c].offset = at;
        for (uint32_t j = 0; j < w->chunks[c].block_count; j++) {
            wblock *b = &w->blocks[w->chunks[c].first_block + j];
            b->offset = at;
            at += b->stored_size;
        }
    }
    w->data_size = align_up(at, FMT_PAGE) - w->header_size;
    w->file_size = w->header_size + w->data_size + FMT_FOOTER_SIZE;
    fmt_buf *s = &w->sec[FMT_SEC_BLOCKS];
    fmt_put_u32(s, w->n_blocks);
    fmt_put_u32(s, 0);
    for (uint32_t i = 0; i < w->n_blocks; i++) {
        uint8_t ent[FMT_BLOCK_ENTRY] = {0};
        fr_wr64(ent + FMT_BE_OFFSET, w->blocks[i].offset);
        fr_wr32(ent + FMT_BE_STORED_SIZE, w->blocks[i].stored_size);
        fr_wr32(ent + FMT_BE_RAW_SIZE, w->blocks[i].raw_size);
        ent[FMT_BE_CODEC] = w->blocks[i].codec;
        fr_wrbe64(ent + FMT_BE_CHECKSUM, w->blocks[i].checksum);
        fmt_put(s, ent, sizeof ent);
    }
    return s->oom ? fr_fail(e, FR_ENOMEM, "out of memory building the block table") : 0;
}

/* The header region: superblock, section table, bodies; then its digest. */
static int seal_header(wimage *w, const fmt_model_desc *d, uint32_t shift, fr_err *e)
{
    uint8_t *h = w->header = fr_calloc(w->a, w->header_size, 1);
    if (!h)
        return fr_fail(e, FR_ENOMEM, "out of memory for a %llu-byte header",
                       (unsigned long long)w->header_size);
    uint32_t n_sec = 0;
    for (int i = 1; i < FMT_SEC_COUNT; i++)
        if (i == FMT_SEC_BLOCKS || w->sec[i].len)
            n_sec++;
    memcpy(h + FMT_SB_MAGIC, fmt_magic, 8);
    fr_wr16(h + FMT_SB_MAJOR, FMT_MAJOR);
    fr_wr16(h + FMT_SB_MINOR, (uint16_t)fmt_minor_needed(d));
    fr_wr32(h + FMT_SB_FLAGS, 0);
    fr_wr32(h + FMT_SB_BLOCK_SHIFT, shift);
    fr_wr32(h + FMT_SB_SECTION_COUNT, n_sec);
    fr_wr64(h + FMT_SB_HEADER_SIZE, w->header_size);
    fr_wr64(h + FMT_SB_DATA_SIZE, w->data_size);
    fr_wr64(h + FMT_SB_TRAILER_SIZE, 0);
    fr_wr64(h + FMT_SB_FILE_SIZE, w->file_size);
    uint8_t *ent = h + FMT_SUPERBLOCK_SIZE;
    uint64_t pos = FMT_SUPERBLOCK_SIZE + (uint64_t)n_sec * FMT_SECTION_ENTRY;
    for (int i = 1; i < FMT_SEC_COUNT; i++) {
        if (i != FMT_SEC_BLOCKS && !w->sec[i].len)
            continue;
        fr_wr32(ent + FMT_SE_TYPE, (uint32_t)i);
        /* REQUIRED on all but METADATA and its types, which no prediction needs */
        fr_wr32(ent + FMT_SE_FLAGS,
                i == FMT_SEC_METADATA || i == FMT_SEC_METADATA_TYPES ? 0u : 1u);
        fr_wr64(ent + FMT_SE_OFFSET, pos);
        fr_wr64(ent + FMT_SE_LENGTH, w->sec[i].len);
        memcpy(h + pos, w->sec[i].p, w->sec[i].len);
        pos += align_up(w->sec[i].len, 8);
        ent += FMT_SECTION_ENTRY;
    }
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits(h, w->header_size));
    memcpy(h + FMT_SB_DIGEST, canon.digest, 16);
    return 0;
}

static int emit_zeros(fmt_emit_fn emit, void *ctx, uint64_t n, fr_err *e)
{
    static const uint8_t zeros[4096];
    while (n) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        int rc = emit(ctx, zeros, k, e);
        if (rc)
            return rc;
        n -= k;
    }
    return 0;
}

/* The header, the blocks in file order with the page padding between chunks, the footer. */
static int emit_image(const wimage *w, fmt_emit_fn emit, void *ctx, fr_err *e)
{
    int rc = emit(ctx, w->header, w->header_size, e);
    uint64_t at = w->header_size;
    for (uint32_t c = 0; !rc && c < w->n_chunks; c++) {
        rc = emit_zeros(emit, ctx, w->chunks[c].offset - at, e);
        at = w->chunks[c].offset;
        for (uint32_t j = 0; !rc && j < w->chunks[c].block_count; j++) {
            const wblock *b = &w->blocks[w->chunks[c].first_block + j];
            rc = emit(ctx, b->stored, b->stored_size, e);
            at += b->stored_size;
        }
    }
    if (!rc)
        rc = emit_zeros(emit, ctx, w->header_size + w->data_size - at, e);
    if (!rc) {
        uint8_t footer[FMT_FOOTER_SIZE] = {0};
        memcpy(footer + FMT_FT_MAGIC, fmt_end_magic, 8);
        fr_wr64(footer + FMT_FT_HEADER_SIZE, w->header_size);
        fr_wr64(footer + FMT_FT_FILE_SIZE, w->file_size);
        rc = emit(ctx, footer, sizeof footer, e);
    }
    return rc;
}

static void wimage_free(wimage *w)
{
    const fr_allocator *a = w->a;
    for (uint32_t i = 0; w->blocks && i < w->n_blocks; i++)
        fr_free(a, w->blocks[i].owned);
    fr_free(a, w->blocks);
    fr_free(a, w->chunks);
    fr_free(a, w->top_raw);
    fr_free(a, w->top_off);
    fr_free(a, w->body_chunk);
    fr_free(a, w->body_off);
    fr_free(a, w->pack_size);
    for (uint32_t p = 0; w->packs && p < w->n_packs; p++)
        fr_free(a, w->packs[p]);
    fr_free(a, w->packs);
    fr_free(a, w->header);
    for (int i = 0; i < FMT_SEC_COUNT; i++)
        fr_free(a, w->sec[i].p);
}

int fmt_write(const fmt_model_desc *d, const fmt_write_params *prm, const fr_allocator *a,
              fmt_emit_fn emit, void *ctx, fr_err *e)
{
    uint32_t shift = prm->block_shift ? prm->block_shift : FMT_MIN_BLOCK_SHIFT;
    if (shift < FMT_MIN_BLOCK_SHIFT || shift > FMT_MAX_BLOCK_SHIFT)
        return fr_fail(e, FR_EINVAL, "block shift %u out of range", shift);
    wimage w = {.a = a, .bs = 1ull << shift};
    for (int i = 0; i < FMT_SEC_COUNT; i++)
        w.sec[i].a = a;
    int rc = lay_out_chunks(&w, d, e);
    rc = rc ? rc : cut_blocks(&w, prm->compress, e);
    rc = rc ? rc : put_sections(&w, d, e);
    rc = rc ? rc : place_blocks(&w, e);
    rc = rc ? rc : seal_header(&w, d, shift, e);
    rc = rc ? rc : emit_image(&w, emit, ctx, e);
    wimage_free(&w);
    return rc;
}
