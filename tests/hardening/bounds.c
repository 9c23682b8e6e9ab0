/*
 * bounds.c — resource bounds: hostile inputs that claim huge sizes, nest deeply, hold millions of
 * tiny entries or loop are refused quickly and with bounded memory. Plain C, own main(), built
 * without sanitizers so that the memory measured is the memory production code uses.
 *
 *   bounds TMPDIR
 *
 * The parent writes every hostile input to TMPDIR first (so building an input costs the case
 * nothing), then runs each case in a fresh child: peak RSS is the child's ru_maxrss from wait4
 * minus that of an idle child forked just before it (fork copies the parent's resident pages
 * into the count, so only the difference belongs to the case). One line per case:
 *
 *   ok   <case>: refused in <ms> ms, peak +<KiB> KiB: <the error message>
 *
 * Bounds. A case fails when it is accepted, crashes, takes 2 s or more, or grows the process by
 * 64 MiB or more plus twice the bytes of its input (CSV: 64 MiB flat, the reader streams). 2 s is ~100x what any case needs on a loaded
 * 2-core machine, yet far below what a parser that walks a claimed size (billions of entries,
 * gigabytes of output) would take. 64 MiB sits above what the library's own bounds allow
 * a refusal to cost (a CSV record: 16 MiB of bytes + 2^20 fields x 24 bytes; a decompressed joblib
 * stream here: 32 MiB) and far below what the inputs claim (gigabytes to exabytes). The input
 * term admits work proportional to bytes really present — a .frost header must be hashed whole
 * before any field is trusted and its million real block entries decoded into a million structs —
 * and nothing proportional to a claim.
 *
 * The joblib bombs run with max_decompressed = 32 MiB (frost_convert_options): the default,
 * 4 GiB, lets a bomb cost what a genuine 4 GiB model costs, since a ratio cannot tell them apart
 * (a 1,000-class forest's leaf values are mostly zeros and compress ~500-fold).
 */
#include <bzlib.h>
#include <errno.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "csv/csv.h"
#include "csv/table.h"
#include "endian.h"
#include "format.h"
#include "frost.h"
#include "frost_import.h"

#define MAX_SECONDS 2.0
#define MAX_GROWTH_KIB (64 * 1024)

static const char *dir;
static char *paths[64];

static const char *path_of(const char *name)
{
    static int n;
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    paths[n++] = p;
    return p;
}

static void die(const char *what)
{
    fprintf(stderr, "bounds: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
        die(path);
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*n);
    if (!p || fread(p, 1, *n, f) != *n)
        die(path);
    fclose(f);
    return p;
}

/* ---- .frost inputs -------------------------------------------------------------------------- */

/* Recomputes the header digest, as a crafted file would carry it. */
static void reseal(uint8_t *buf)
{
    uint64_t hs = fr_rd64(buf + 24);
    memset(buf + 64, 0, 16);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(buf, (size_t)hs));
    memcpy(buf + 64, c.digest, 16);
}

/* The section table entry of a type. */
static uint8_t *section(uint8_t *buf, uint32_t type)
{
    uint32_t n = fr_rd32(buf + 20);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *ent = buf + FMT_SUPERBLOCK_SIZE + FMT_SECTION_ENTRY * i;
        if (fr_rd32(ent) == type)
            return ent;
    }
    fprintf(stderr, "bounds: base model has no section %u\n", type);
    exit(2);
}

/* A real model: a depth-3 regression tree on 4 features, uncompressed, 1 MiB blocks. */
static void write_base(const char *path)
{
    int64_t left[] = {1, 2, -1, -1, 5, -1, -1}, right[] = {4, 3, -1, -1, 6, -1, -1};
    int64_t feat[] = {0, 1, -2, -2, 2, -2, -2};
    double thr[] = {0.5, -1, -2, -2, 1.5, -2, -2};
    double val[] = {0, 0, 1, 2, 0, 3, 4};
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_REGRESSOR,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 4, .n_outputs = 1};
    frost_write_options wo;
    frost_write_options_init(&wo);
    wo.compress = 0;
    wo.block_shift = 20;
    frost_builder *b;
    frost_tree_arrays a = {.size = sizeof a, .node_count = 7, .children_left = left,
                           .children_right = right, .feature = feat, .threshold = thr,
                           .value = val, .value_width = 1};
    if (frost_builder_new(&spec, &wo, &b) || frost_builder_add_tree(b, &a) ||
        frost_builder_write(b, path)) {
        fprintf(stderr, "bounds: cannot build the base model\n");
        exit(2);
    }
    frost_builder_free(b);
}

/* Writes base with one field patched (and the digest resealed when `seal`). */
static void patch_u32(const uint8_t *base, size_t n, const char *path, size_t at, uint32_t v,
                      int seal)
{
    uint8_t *p = malloc(n);
    memcpy(p, base, n);
    fr_wr32(p + at, v);
    if (seal)
        reseal(p);
    write_file(path, p, n);
    free(p);
}

static void patch_u64(const uint8_t *base, size_t n, const char *path, size_t at, uint64_t v,
                      int seal)
{
    uint8_t *p = malloc(n);
    memcpy(p, base, n);
    fr_wr64(p + at, v);
    if (seal)
        reseal(p);
    write_file(path, p, n);
    free(p);
}

/* Rebuilds base with a new BLOCKS body (n_blocks entries; offsets relative to the data region,
 * checksums computed here), its CHUNKS body, and a new data region; tree records' top_offset
 * move by top_shift. The new bodies go after the old header region, whose old bodies are zeroed,
 * so every header rule but the ones the case breaks still holds. */
static void write_variant(const uint8_t *base, const char *path, uint8_t *blocks, uint32_t n_blocks,
                          const uint8_t *chunks, size_t chunks_len, const uint8_t *data,
                          size_t data_len, uint64_t top_shift)
{
    uint64_t hs0 = fr_rd64(base + 24);
    size_t blen = 8 + (size_t)n_blocks * 32;
    uint64_t boff = hs0, coff = hs0 + ((blen + 7) & ~(size_t)7);
    uint64_t hs = (coff + chunks_len + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE;
    uint64_t ds = (data_len + FMT_PAGE - 1) / FMT_PAGE * FMT_PAGE;
    uint8_t *h = calloc(1, hs);
    memcpy(h, base, hs0);
    uint8_t *bs = section(h, FMT_SEC_BLOCKS), *cs = section(h, FMT_SEC_CHUNKS);
    memset(h + fr_rd64(bs + 8), 0, fr_rd64(bs + 16));
    memset(h + fr_rd64(cs + 8), 0, fr_rd64(cs + 16));
    fr_wr64(bs + 8, boff);
    fr_wr64(bs + 16, blen);
    fr_wr64(cs + 8, coff);
    fr_wr64(cs + 16, chunks_len);
    fr_wr32(h + boff, n_blocks);
    for (uint32_t i = 0; i < n_blocks; i++) {
        uint8_t *e = blocks + 32 * (size_t)i;
        uint64_t rel = fr_rd64(e);
        uint32_t stored = fr_rd32(e + 8);
        if (rel + stored <= data_len)
            fr_wrbe64(e + 24, XXH3_64bits(data + rel, stored));
        fr_wr64(e, rel + hs);
    }
    memcpy(h + boff + 8, blocks, (size_t)n_blocks * 32);
    memcpy(h + coff, chunks, chunks_len);
    if (top_shift) {
        uint8_t *es = section(h, FMT_SEC_ENSEMBLE);
        uint8_t *body = h + fr_rd64(es + 8);
        uint32_t n_trees = fr_rd32(body + 16);
        uint8_t *rec = body + fr_rd64(es + 16) - (size_t)n_trees * FMT_TREE_RECORD;
        for (uint32_t t = 0; t < n_trees; t++, rec += FMT_TREE_RECORD)
            fr_wr64(rec, fr_rd64(rec) + top_shift);
    }
    uint64_t fs = hs + ds + FMT_FOOTER_SIZE;
    fr_wr64(h + 24, hs);
    fr_wr64(h + 32, ds);
    fr_wr64(h + 48, fs);
    reseal(h);
    uint8_t footer[32] = {0};
    memcpy(footer, fmt_end_magic, 8);
    fr_wr64(footer + 8, hs);
    fr_wr64(footer + 16, fs);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(h, 1, hs, f) != hs || fwrite(data, 1, data_len, f) != data_len)
        die(path);
    for (uint64_t i = data_len; i < ds; i++)
        fputc(0, f);
    if (fwrite(footer, 1, 32, f) != 32 || fclose(f))
        die(path);
    free(h);
}

static void block_entry(uint8_t *e, uint64_t rel, uint32_t stored, uint32_t raw, uint8_t codec)
{
    memset(e, 0, 32);
    fr_wr64(e, rel);
    fr_wr32(e + 8, stored);
    fr_wr32(e + 12, raw);
    e[16] = codec;
}

static void chunk_entry(uint8_t *e, uint32_t kind, uint32_t first, uint32_t count, uint64_t raw)
{
    memset(e, 0, 24);
    fr_wr32(e, kind);
    fr_wr32(e + 4, first);
    fr_wr32(e + 8, count);
    fr_wr64(e + 16, raw);
}

static const char *p_frost_base, *p_frost_hs, *p_frost_nblocks, *p_frost_nchunks, *p_frost_seclen,
    *p_frost_ntrees, *p_frost_datasize, *p_frost_tiny, *p_frost_lz4, *p_frost_cycle;

static void make_frost_inputs(void)
{
    p_frost_base = path_of("base.frost");
    write_base(p_frost_base);
    size_t n;
    uint8_t *base = read_file(p_frost_base, &n);
    fmt_header h;
    fr_err e;
    if (fmt_header_parse(base, n, n, base + n - 32, NULL, &h, &e)) {
        fprintf(stderr, "bounds: base model: %s\n", e.msg);
        exit(2);
    }
    if (h.n_chunks != 1 || h.n_blocks != 1 || h.n_trees != 1) {
        fprintf(stderr, "bounds: base model has %u chunks, %u blocks\n", h.n_chunks, h.n_blocks);
        exit(2);
    }
    uint8_t *bs = section(base, FMT_SEC_BLOCKS), *cs = section(base, FMT_SEC_CHUNKS);
    uint8_t *es = section(base, FMT_SEC_ENSEMBLE);

    /* claims: a 1 GiB header (unsealed: the digest cannot be checked before the size is) */
    p_frost_hs = path_of("header-1gib.frost");
    patch_u64(base, n, p_frost_hs, 24, (uint64_t)1 << 30, 0);
    p_frost_nblocks = path_of("blocks-4g.frost");
    patch_u32(base, n, p_frost_nblocks, fr_rd64(bs + 8), 0xFFFFFFFFu, 1);
    p_frost_nchunks = path_of("chunks-4g.frost");
    patch_u32(base, n, p_frost_nchunks, fr_rd64(cs + 8), 0xFFFFFFFFu, 1);
    p_frost_seclen = path_of("section-2e62.frost");
    patch_u64(base, n, p_frost_seclen, (size_t)(bs - base) + 16, (uint64_t)1 << 62, 1);
    p_frost_ntrees = path_of("trees-4g.frost");
    patch_u32(base, n, p_frost_ntrees, fr_rd64(es + 8) + 16, 0xFFFFFFFFu, 1);
    p_frost_datasize = path_of("data-2e46.frost");
    {
        uint8_t *p = malloc(n);
        memcpy(p, base, n);
        fr_wr64(p + 32, (uint64_t)1 << 46);
        fr_wr64(p + 48, fr_rd64(p + 24) + ((uint64_t)1 << 46) + 32);
        reseal(p);
        write_file(p_frost_datasize, p, n);
        free(p);
    }

    const fmt_block b0v = fmt_block_at(&h, 0), *b0 = &b0v;
    const uint8_t *data0 = base + b0->offset;
    uint8_t chunks[8 + 24] = {1}; /* CHUNKS body: count 1, reserved, one entry */

    /* 2^20 real block entries: the real one, then tiny ones no chunk claims */
    p_frost_tiny = path_of("tiny-blocks.frost");
    {
        uint32_t nb = 1u << 20;
        uint8_t *blocks = malloc((size_t)nb * 32);
        block_entry(blocks, 0, b0->stored_size, b0->raw_size, FMT_CODEC_NONE);
        for (uint32_t i = 1; i < nb; i++)
            block_entry(blocks + 32 * (size_t)i, i % b0->stored_size, 1, 1, FMT_CODEC_NONE);
        chunk_entry(chunks + 8, FMT_CHUNK_TOP, 0, 1, b0->raw_size);
        write_variant(base, p_frost_tiny, blocks, nb, chunks, sizeof chunks, data0,
                      b0->stored_size, 0);
        free(blocks);
    }

    /* a top chunk of 4,096 one-byte LZ4 blocks each claiming 1 MiB (4 GiB from a few KiB), the
     * tree's real block last so the tree still resolves */
    p_frost_lz4 = path_of("lz4-4gib.frost");
    {
        uint32_t k = 4096;
        uint8_t *blocks = malloc((size_t)(k + 1) * 32);
        uint8_t *data = calloc(1, k + b0->stored_size);
        for (uint32_t i = 0; i < k; i++) {
            data[i] = 0xF0; /* a token claiming a long match, which one byte cannot hold */
            block_entry(blocks + 32 * (size_t)i, i, 1, 1u << 20, FMT_CODEC_LZ4);
        }
        memcpy(data + k, data0, b0->stored_size);
        block_entry(blocks + 32 * (size_t)k, k, b0->stored_size, b0->raw_size, FMT_CODEC_NONE);
        chunk_entry(chunks + 8, FMT_CHUNK_TOP, 0, k + 1, ((uint64_t)k << 20) + b0->raw_size);
        write_variant(base, p_frost_lz4, blocks, k + 1, chunks, sizeof chunks, data,
                      k + b0->stored_size, (uint64_t)k << 20);
        free(blocks);
        free(data);
    }

    /* the root's left child is the root itself: the walk would never end */
    p_frost_cycle = path_of("cycle.frost");
    {
        uint8_t *p = malloc(n);
        memcpy(p, base, n);
        const fmt_tree *t = &h.trees[0];
        uint8_t *root = p + b0->offset + t->top_offset;
        fr_wr32(root + 8, FMT_REF_NODE | 0u);
        uint8_t *ent = p + fr_rd64(section(p, FMT_SEC_BLOCKS) + 8) + 8;
        fr_wrbe64(ent + 24, XXH3_64bits(p + b0->offset, b0->stored_size));
        reseal(p);
        write_file(p_frost_cycle, p, n);
        free(p);
    }
    fmt_header_free(&h);
    free(base);
}

/* Opens, predicts and verifies; refused = any of them failing cleanly. */
static int run_frost(const char *path, char *msg, size_t cap)
{
    frost_model *m;
    int rc = frost_open(path, NULL, &m);
    if (rc) {
        snprintf(msg, cap, "open: %s", frost_errmsg(NULL));
        return 1;
    }
    double X[8] = {-1e30, -1e30, -1e30, -1e30, 1e30, 1e30, 1e30, 1e30}, out[2];
    rc = frost_predict(m, X, 2, out);
    int vrc = frost_verify(m);
    if (rc)
        snprintf(msg, cap, "predict: %s", frost_errmsg(m));
    else if (vrc)
        snprintf(msg, cap, "verify: %s", frost_errmsg(m));
    else
        snprintf(msg, cap, "accepted: predictions %g %g", out[0], out[1]);
    frost_close(m);
    return rc || vrc;
}

/* ---- pickle and joblib inputs --------------------------------------------------------------- */

typedef struct sbuf {
    uint8_t *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *s, const void *p, size_t n)
{
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2;
        s->p = realloc(s->p, s->cap);
        if (!s->p)
            die("realloc");
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
}

static void put_rep(sbuf *s, const char *op, size_t oplen, size_t times)
{
    for (size_t i = 0; i < times; i++)
        put(s, op, oplen);
}

/* pickle.dumps(numpy.zeros(1), protocol=2), whose shape (1,) sits at offset 116 as "K\x01\x85" */
static const uint8_t np_zeros1[] =
    "\x80\x02\x63numpy.core.multiarray\n_reconstruct\n\x71\x00\x63numpy\nndarray\n\x71\x01"
    "\x4b\x00\x85\x71\x02\x63_codecs\nencode\n\x71\x03\x58\x01\x00\x00\x00\x62\x71\x04\x58\x06"
    "\x00\x00\x00latin1\x71\x05\x86\x71\x06\x52\x71\x07\x87\x71\x08\x52\x71\x09\x28\x4b\x01"
    "\x4b\x01\x85\x71\x0a\x63numpy\ndtype\n\x71\x0b\x58\x02\x00\x00\x00\x66\x38\x71\x0c\x89\x88"
    "\x87\x71\x0d\x52\x71\x0e\x28\x4b\x03\x58\x01\x00\x00\x00\x3c\x71\x0f\x4e\x4e\x4e\x4a\xff"
    "\xff\xff\xff\x4a\xff\xff\xff\xff\x4b\x00\x74\x71\x10\x62\x89\x68\x03\x58\x08\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x71\x11\x68\x05\x86\x71\x12\x52\x71\x13\x74\x71\x14\x62"
    "\x2e";

static const char *p_pk_binbytes, *p_pk_unicode8, *p_pk_shape, *p_pk_marks, *p_pk_lists,
    *p_pk_tuples, *p_jl_zf, *p_jl_zlib, *p_jl_gzip, *p_jl_bz2, *p_jl_xz, *p_jl_lzma, *p_jl_lz4;

#define BOMB_RAW ((size_t)128 << 20)   /* what each bomb inflates to */
#define BOMB_LIMIT ((size_t)32 << 20)  /* max_decompressed the cases use */

/* A pickle's first bytes (PROTO 4, BINBYTES8 of 2^40 bytes) then zeros: it inflates to
 * BOMB_RAW bytes whatever the compressor. */
static void bomb_block(uint8_t *buf, size_t n, size_t at)
{
    memset(buf, 0, n);
    if (at == 0) {
        static const uint8_t head[] = {0x80, 4, 0x8e, 0, 0, 0, 0, 0, 1, 0, 0};
        memcpy(buf, head, sizeof head);
    }
}

static void make_zlib_bomb(const char *path, int wbits)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 9, Z_DEFLATED, wbits, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2");
    FILE *f = fopen(path, "wb");
    static uint8_t in[1 << 20], out[1 << 16];
    for (size_t at = 0; at < BOMB_RAW; at += sizeof in) {
        bomb_block(in, sizeof in, at);
        zs.next_in = in;
        zs.avail_in = sizeof in;
        int flush = at + sizeof in >= BOMB_RAW ? Z_FINISH : Z_NO_FLUSH;
        do {
            zs.next_out = out;
            zs.avail_out = sizeof out;
            deflate(&zs, flush);
            fwrite(out, 1, sizeof out - zs.avail_out, f);
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    fclose(f);
}

static void make_bz2_bomb(const char *path)
{
    bz_stream bs = {0};
    if (BZ2_bzCompressInit(&bs, 9, 0, 0) != BZ_OK)
        die("BZ2_bzCompressInit");
    FILE *f = fopen(path, "wb");
    static uint8_t in[1 << 20], out[1 << 16];
    for (size_t at = 0; at < BOMB_RAW; at += sizeof in) {
        bomb_block(in, sizeof in, at);
        bs.next_in = (char *)in;
        bs.avail_in = sizeof in;
        int action = at + sizeof in >= BOMB_RAW ? BZ_FINISH : BZ_RUN;
        int r;
        do {
            bs.next_out = (char *)out;
            bs.avail_out = sizeof out;
            r = BZ2_bzCompress(&bs, action);
            fwrite(out, 1, sizeof out - bs.avail_out, f);
        } while (action == BZ_FINISH ? r != BZ_STREAM_END : bs.avail_in > 0);
    }
    BZ2_bzCompressEnd(&bs);
    fclose(f);
}

static void make_xz_bomb(const char *path, int alone)
{
    lzma_stream ls = LZMA_STREAM_INIT;
    lzma_options_lzma opt;
    lzma_lzma_preset(&opt, 1);
    if ((alone ? lzma_alone_encoder(&ls, &opt) : lzma_easy_encoder(&ls, 1, LZMA_CHECK_CRC64)) !=
        LZMA_OK)
        die("lzma encoder");
    FILE *f = fopen(path, "wb");
    static uint8_t in[1 << 20], out[1 << 16];
    for (size_t at = 0; at < BOMB_RAW; at += sizeof in) {
        bomb_block(in, sizeof in, at);
        ls.next_in = in;
        ls.avail_in = sizeof in;
        lzma_action action = at + sizeof in >= BOMB_RAW ? LZMA_FINISH : LZMA_RUN;
        lzma_ret r;
        do {
            ls.next_out = out;
            ls.avail_out = sizeof out;
            r = lzma_code(&ls, action);
            fwrite(out, 1, sizeof out - ls.avail_out, f);
        } while (action == LZMA_FINISH ? r != LZMA_STREAM_END : ls.avail_in > 0);
    }
    lzma_end(&ls);
    fclose(f);
}

static void make_lz4_bomb(const char *path)
{
    static uint8_t in[1 << 20];
    size_t cap = LZ4F_compressBound(sizeof in, NULL) + 64;
    uint8_t *out = malloc(cap);
    LZ4F_cctx *cx;
    LZ4F_createCompressionContext(&cx, LZ4F_VERSION);
    FILE *f = fopen(path, "wb");
    size_t k = LZ4F_compressBegin(cx, out, cap, NULL);
    fwrite(out, 1, k, f);
    for (size_t at = 0; at < BOMB_RAW; at += sizeof in) {
        bomb_block(in, sizeof in, at);
        k = LZ4F_compressUpdate(cx, out, cap, in, sizeof in, NULL);
        fwrite(out, 1, k, f);
    }
    k = LZ4F_compressEnd(cx, out, cap, NULL);
    fwrite(out, 1, k, f);
    fclose(f);
    LZ4F_freeCompressionContext(cx);
    free(out);
}

static void make_pickle_inputs(void)
{
    sbuf s = {0};
    /* BINBYTES claiming 4 GiB - 16 in a 17-byte file */
    put(&s, "\x80\x03" "B\xf0\xff\xff\xff" "0123456789", 16);
    p_pk_binbytes = path_of("binbytes.pkl");
    write_file(p_pk_binbytes, s.p, s.n);
    s.n = 0;
    put(&s, "\x80\x04\x8d\x00\x00\x00\x00\x00\x00\x00\x40" "abc", 14);
    p_pk_unicode8 = path_of("binunicode8.pkl");
    write_file(p_pk_unicode8, s.p, s.n);

    /* numpy.zeros(1) with its shape replaced by (2^40, 2^40, 2^40): the element count overflows
     * 64 bits */
    s.n = 0;
    const size_t at = 116, len = sizeof np_zeros1 - 1;
    if (memcmp(np_zeros1 + at, "K\x01\x85", 3) != 0) {
        fprintf(stderr, "bounds: numpy template moved\n");
        exit(2);
    }
    put(&s, np_zeros1, at);
    put_rep(&s, "\x8a\x06\x00\x00\x00\x00\x00\x01", 8, 3);
    put(&s, "\x87", 1);
    put(&s, np_zeros1 + at + 3, len - at - 3);
    p_pk_shape = path_of("shape-overflow.pkl");
    write_file(p_pk_shape, s.p, s.n);

    const size_t deep = 1000000;
    s.n = 0;
    put(&s, "\x80\x02", 2);
    put_rep(&s, "(", 1, deep);
    put(&s, ".", 1);
    p_pk_marks = path_of("marks.pkl");
    write_file(p_pk_marks, s.p, s.n);
    /* [[[...]]] a million deep, built without MARK: EMPTY_LIST x n, APPEND x (n - 1) */
    s.n = 0;
    put(&s, "\x80\x02", 2);
    put_rep(&s, "]", 1, deep);
    put_rep(&s, "a", 1, deep - 1);
    put(&s, ".", 1);
    p_pk_lists = path_of("lists.pkl");
    write_file(p_pk_lists, s.p, s.n);
    /* ((((),),),) a million deep: EMPTY_TUPLE, TUPLE1 x n */
    s.n = 0;
    put(&s, "\x80\x02)", 3);
    put_rep(&s, "\x85", 1, deep);
    put(&s, ".", 1);
    p_pk_tuples = path_of("tuples.pkl");
    write_file(p_pk_tuples, s.p, s.n);

    /* joblib < 0.9.3's ZF container: a 19-character hex length (here 2^60), then zlib */
    s.n = 0;
    put(&s, "ZF0x1000000000000000 \x78\x9c\x03\x00\x00\x00\x00\x01", 29);
    p_jl_zf = path_of("zf-2e60.pkl");
    write_file(p_jl_zf, s.p, s.n);
    free(s.p);

    p_jl_zlib = path_of("bomb.zlib");
    make_zlib_bomb(p_jl_zlib, 15);
    p_jl_gzip = path_of("bomb.gz");
    make_zlib_bomb(p_jl_gzip, 31);
    p_jl_bz2 = path_of("bomb.bz2");
    make_bz2_bomb(p_jl_bz2);
    p_jl_xz = path_of("bomb.xz");
    make_xz_bomb(p_jl_xz, 0);
    p_jl_lzma = path_of("bomb.lzma");
    make_xz_bomb(p_jl_lzma, 1);
    p_jl_lz4 = path_of("bomb.lz4");
    make_lz4_bomb(p_jl_lz4);
}

static int run_convert(const char *in, uint64_t max_decompressed, char *msg, size_t cap)
{
    frost_convert_options o;
    frost_convert_options_init(&o);
    o.max_decompressed = max_decompressed;
    const char *out = path_of("out.frost");
    int rc = frost_convert(in, out, &o);
    if (rc)
        snprintf(msg, cap, "%s", frost_import_errmsg());
    else
        snprintf(msg, cap, "accepted: converted");
    return rc != 0;
}

/* ---- CSV inputs ----------------------------------------------------------------------------- */

static const char *p_csv_line, *p_csv_cols;

static void make_csv_inputs(void)
{
    static char buf[1 << 20];
    p_csv_line = path_of("long-line.csv");
    FILE *f = fopen(p_csv_line, "wb");
    fputs("a,b\n", f);
    memset(buf, '7', sizeof buf);
    for (int i = 0; i < 100; i++) /* 100 MiB, no delimiter, no line end */
        fwrite(buf, 1, sizeof buf, f);
    fclose(f);
    p_csv_cols = path_of("columns.csv");
    f = fopen(p_csv_cols, "wb");
    for (size_t i = 0; i < sizeof buf; i += 2) {
        buf[i] = 'c';
        buf[i + 1] = ',';
    }
    for (int i = 0; i < 8; i++) /* 4 Mi columns in the header */
        fwrite(buf, 1, sizeof buf, f);
    fputs("c\n1\n", f);
    fclose(f);
}

static int run_csv(const char *path, char *msg, size_t cap)
{
    FILE *f = fopen(path, "rb");
    csv_table *t = NULL;
    fr_err e = {0};
    int rc = csv_table_open(f, NULL, &t, &e);
    csv_schema s = {.n_features = 2};
    if (!rc)
        rc = csv_table_bind(t, &s, &e);
    double X[2 * 16];
    size_t rows = 0;
    while (!rc && !(rc = csv_table_read(t, X, NULL, 16, &rows, &e)) && rows)
        ;
    csv_table_free(t);
    fclose(f);
    snprintf(msg, cap, "%s", rc ? e.msg : "accepted: read to the end");
    return rc != 0;
}

/* ---- the cases ------------------------------------------------------------------------------ */

typedef struct hcase {
    const char *name;
    const char *const *input; /* the file, for the input-size term of the bound */
    int kind;                 /* 0 frost, 1 convert, 2 convert with BOMB_LIMIT, 3 csv */
    const char *expect;       /* a word the refusal must contain: the right check fired */
} hcase;

static const hcase cases[] = {
    {".frost header_size claims 1 GiB", &p_frost_hs, 0, "header"},
    {".frost BLOCKS claims 2^32-1 entries (resealed)", &p_frost_nblocks, 0, "BLOCKS"},
    {".frost CHUNKS claims 2^32-1 entries (resealed)", &p_frost_nchunks, 0, "CHUNKS"},
    {".frost section length claims 2^62 bytes (resealed)", &p_frost_seclen, 0, "outside"},
    {".frost ENSEMBLE claims 2^32-1 trees (resealed)", &p_frost_ntrees, 0, "tree records"},
    {".frost data_size claims 2^46 bytes (resealed)", &p_frost_datasize, 0, "file"},
    {".frost 2^20 real tiny blocks", &p_frost_tiny, 0, "cover"},
    {".frost 4096 lz4 blocks of 1 byte claiming 1 MiB each", &p_frost_lz4, 0, "255"},
    {".frost tree whose root is its own left child", &p_frost_cycle, 0, "tree"},
    {"pickle BINBYTES claims 4 GiB", &p_pk_binbytes, 1, "truncated"},
    {"pickle BINUNICODE8 claims 2^62 bytes", &p_pk_unicode8, 1, "truncated"},
    {"numpy shape (2^40, 2^40, 2^40)", &p_pk_shape, 1, "64 bits"},
    {"pickle 10^6 nested MARKs", &p_pk_marks, 1, "limit"},
    {"pickle list nested 10^6 deep", &p_pk_lists, 1, "max_nesting"},
    {"pickle tuple nested 10^6 deep", &p_pk_tuples, 1, "max_nesting"},
    {"joblib ZF container declaring 2^60 bytes", &p_jl_zf, 1, "more than"},
    {"joblib zlib bomb 128 MiB (limit 32 MiB)", &p_jl_zlib, 2, "more than"},
    {"joblib gzip bomb 128 MiB (limit 32 MiB)", &p_jl_gzip, 2, "more than"},
    {"joblib bz2 bomb 128 MiB (limit 32 MiB)", &p_jl_bz2, 2, "more than"},
    {"joblib xz bomb 128 MiB (limit 32 MiB)", &p_jl_xz, 2, "more than"},
    {"joblib lzma bomb 128 MiB (limit 32 MiB)", &p_jl_lzma, 2, "more than"},
    {"joblib lz4 bomb 128 MiB (limit 32 MiB)", &p_jl_lz4, 2, "more than"},
    {"CSV 100 MiB line", &p_csv_line, 3, "exceeds"},
    {"CSV 4 Mi columns", &p_csv_cols, 3, "fields"},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct result {
    int refused;
    double seconds;
    char msg[600];
} result;

/* Runs case i (or nothing, when i < 0) in a child; returns its ru_maxrss in KiB. */
static long run_child(int i, result *r)
{
    int fd[2];
    if (pipe(fd))
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(fd[0]);
        alarm(30); /* a hang is a failure, not a stuck test */
        result res = {0};
        if (i >= 0) {
            const hcase *c = &cases[i];
            double t0 = now();
            const char *in = *c->input;
            res.refused = c->kind == 0   ? run_frost(in, res.msg, sizeof res.msg)
                          : c->kind == 1 ? run_convert(in, 0, res.msg, sizeof res.msg)
                          : c->kind == 2 ? run_convert(in, BOMB_LIMIT, res.msg, sizeof res.msg)
                                         : run_csv(in, res.msg, sizeof res.msg);
            res.seconds = now() - t0;
        }
        if (write(fd[1], &res, sizeof res) != (ssize_t)sizeof res)
            _exit(3);
        _exit(0);
    }
    close(fd[1]);
    memset(r, 0, sizeof *r);
    ssize_t got = read(fd[0], r, sizeof *r);
    close(fd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        die("wait4");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != (ssize_t)sizeof *r) {
        snprintf(r->msg, sizeof r->msg, "child died (%s %d)",
                 WIFSIGNALED(status) ? "signal" : "exit",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        r->refused = -1;
    }
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bounds TMPDIR\n");
        return 2;
    }
    dir = argv[1];
    double t0 = now();
    make_frost_inputs();
    make_pickle_inputs();
    make_csv_inputs();
    printf("inputs written in %.1f s\n", now() - t0);
    int passed = 0, failed = 0;
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        const hcase *c = &cases[i];
        result idle, r;
        long base = run_child(-1, &idle);
        long peak = run_child((int)i, &r);
        long growth = peak > base ? peak - base : 0;
        struct stat st;
        long input_kib = stat(*c->input, &st) == 0 ? (long)(st.st_size / 1024) : 0;
        /* the CSV reader streams: its input earns no allowance */
        long bound = MAX_GROWTH_KIB + (c->kind == 3 ? 0 : 2 * input_kib);
        const char *why = r.refused < 0                    ? "crashed"
                          : !r.refused                     ? "NOT REFUSED"
                          : r.seconds >= MAX_SECONDS       ? "too slow"
                          : growth >= bound                ? "too much memory"
                          : !strstr(r.msg, c->expect)      ? "refused for another reason"
                                                           : NULL;
        if (why)
            failed++;
        else
            passed++;
        printf("%s %s: %s in %.0f ms, peak +%ld KiB (bound %ld KiB): %s\n", why ? "FAIL" : "ok  ",
               c->name, why ? why : "refused", r.seconds * 1e3, growth, bound, r.msg);
        fflush(stdout);
    }
    for (size_t i = 0; i < sizeof paths / sizeof paths[0] && paths[i]; i++)
        unlink(paths[i]);
    printf("bounds: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
