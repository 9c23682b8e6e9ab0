/*
 * test_format.c — the container under damage: truncation at every offset, bit flips in the
 * header and across blocks, and hand-crafted files that carry valid checksums but break a
 * structural rule (the reader must refuse them by rule, not by luck). Each case ends in a clean
 * error or, for bytes no checksum covers, in predictions identical to the undamaged file's.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <xxhash.h>

#include "endian.h"
#include "forest_util.h"
#include "format.h"
#include "testutil.h"

static char *tmp_path(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Rewrites one byte in place: far cheaper than writing the whole file for each case. */
static void poke(const char *path, uint64_t off, uint8_t byte)
{
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, (long)off, SEEK_SET), 0);
    cr_assert_eq(fputc(byte, f), byte);
    fclose(f);
}

static void write_bytes(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

/* A small random forest classifier (3 classes, several body blocks). */
static char *make_model(const char *dir, int compress, fu_tree *trees, uint32_t n_trees)
{
    uint64_t s = 123;
    uint32_t nc = 3;
    frost_model_spec spec = {.size = sizeof spec, .task = FROST_TASK_CLASSIFIER,
                             .kind = FROST_ENSEMBLE_MEAN, .n_features = 6, .n_outputs = 1,
                             .n_classes = &nc, .normalize_leaves = 1};
    frost_write_options w;
    frost_write_options_init(&w);
    w.compress = compress;
    frost_builder *b;
    cr_assert_eq(frost_builder_new(&spec, &w, &b), 0);
    for (uint32_t t = 0; t < n_trees; t++) {
        trees[t] = fu_random_tree(&s, 801, 6, 3, 1, 0);
        frost_tree_arrays a = fu_arrays(&trees[t], 0);
        cr_assert_eq(frost_builder_add_tree(b, &a), 0);
    }
    const char *labels[] = {"a", "b", "c"};
    cr_assert_eq(frost_builder_set_classes(b, 0, FROST_LABEL_STR, labels, 3), 0);
    cr_assert_eq(frost_builder_set_meta(b, "estimator", "RandomForestClassifier()"), 0);
    char *path = tmp_path(dir, compress ? "model-lz4.frost" : "model.frost");
    cr_assert_eq(frost_builder_write(b, path), 0, "%s", frost_builder_errmsg(b));
    frost_builder_free(b);
    return path;
}

#define N_ROWS 40
static void rows(double *X)
{
    uint64_t s = 99;
    for (int i = 0; i < N_ROWS * 6; i++)
        X[i] = (fu_unif(&s) - 0.5) * 4.4;
}

/* Opens path and scores X; returns 0 and fills out, or the error. */
static int score(const char *path, frost_io_mode mode, const double *X, double *out)
{
    frost_open_options o;
    frost_open_options_init(&o);
    o.io = mode;
    frost_model *m;
    int rc = frost_open(path, &o, &m);
    if (rc)
        return rc;
    rc = frost_predict_proba(m, X, 3, out); /* lazy path first */
    if (!rc)
        rc = frost_predict_proba(m, X, N_ROWS, out);
    frost_close(m);
    return rc;
}

static int is_clean_error(int rc)
{
    return rc == FROST_ECORRUPT || rc == FROST_ETRUNCATED || rc == FROST_EFORMAT ||
           rc == FROST_EVERSION;
}

Test(format, truncation_at_every_offset)
{
    char *dir = tu_tmpdir();
    fu_tree trees[3];
    char *path = make_model(dir, 0, trees, 3);
    size_t len = 0;
    uint8_t *buf = tu_read_file(path, &len);
    char *cut = tmp_path(dir, "cut.frost");
    double X[N_ROWS * 6], out[N_ROWS * 3];
    rows(X);
    write_bytes(cut, buf, len);
    for (size_t n = len; n-- > 0;) {
        cr_assert_eq(truncate(cut, (off_t)n), 0);
        int rc = score(cut, FROST_IO_PREAD, X, out);
        cr_assert(is_clean_error(rc), "truncated at %zu of %zu: rc %d (%s)", n, len, rc,
                  frost_errmsg(NULL));
    }
    free(cut);
    free(buf);
    free(path);
    free(dir);
    for (int t = 0; t < 3; t++)
        fu_free_tree(&trees[t]);
}

Test(format, header_bit_flips_are_all_detected)
{
    char *dir = tu_tmpdir();
    fu_tree trees[3];
    char *path = make_model(dir, 0, trees, 3);
    size_t len = 0;
    uint8_t *buf = tu_read_file(path, &len);
    uint64_t hs = fr_rd64(buf + 24);
    char *bad = tmp_path(dir, "bad.frost");
    double X[N_ROWS * 6], out[N_ROWS * 3];
    rows(X);
    uint64_t s = 7;
    write_bytes(bad, buf, len);
    for (uint64_t i = 0; i < hs; i++) {
        uint8_t mask = (uint8_t)(fu_rand(&s) % 255 + 1);
        poke(bad, i, buf[i] ^ mask);
        int rc = score(bad, FROST_IO_PREAD, X, out);
        cr_assert(is_clean_error(rc), "header byte %llu ^ 0x%02x: rc %d", (unsigned long long)i,
                  mask, rc);
        poke(bad, i, buf[i]);
    }
    for (size_t i = len - FMT_FOOTER_SIZE; i < len; i++) {
        poke(bad, i, buf[i] ^ 0x10);
        cr_assert(is_clean_error(score(bad, FROST_IO_PREAD, X, out)), "footer byte %zu", i);
        poke(bad, i, buf[i]);
    }
    free(bad);
    free(buf);
    free(path);
    free(dir);
    for (int t = 0; t < 3; t++)
        fu_free_tree(&trees[t]);
}

Test(format, block_byte_changes_error_or_change_nothing)
{
    char *dir = tu_tmpdir();
    for (int compress = 0; compress <= 1; compress++) {
        fu_tree trees[3];
        char *path = make_model(dir, compress, trees, 3);
        size_t len;
        uint8_t *buf = tu_read_file(path, &len);
        uint64_t hs = fr_rd64(buf + 24);
        char *bad = tmp_path(dir, "bad.frost");
        double X[N_ROWS * 6], want[N_ROWS * 3], out[N_ROWS * 3];
        rows(X);
        cr_assert_eq(score(path, FROST_IO_PREAD, X, want), 0);
        uint64_t s = 11 + compress;
        int errors = 0, same = 0;
        write_bytes(bad, buf, len);
        for (int k = 0; k < 600; k++) {
            uint64_t i = hs + fu_rand(&s) % (len - FMT_FOOTER_SIZE - hs);
            uint8_t mask = (uint8_t)(fu_rand(&s) % 255 + 1);
            poke(bad, i, buf[i] ^ mask);
            frost_io_mode mode = k % 3 == 0 ? FROST_IO_MMAP : FROST_IO_PREAD;
            int rc = score(bad, mode, X, out);
            if (rc) {
                cr_assert(is_clean_error(rc), "byte %llu: rc %d", (unsigned long long)i, rc);
                errors++;
            } else {
                cr_assert_eq(memcmp(out, want, sizeof want), 0,
                             "byte %llu ^ 0x%02x changed predictions without an error",
                             (unsigned long long)i, mask);
                same++;
            }
            poke(bad, i, buf[i]);
        }
        cr_expect_gt(errors, 0);
        free(bad);
        free(buf);
        free(path);
        for (int t = 0; t < 3; t++)
            fu_free_tree(&trees[t]);
    }
    free(dir);
}

/* Recomputes every block checksum and the header digest after a deliberate edit, so only the
 * structural rules stand between the edit and a prediction. */
static void reseal(uint8_t *buf)
{
    uint64_t hs = fr_rd64(buf + 24);
    uint32_t n_sec = fr_rd32(buf + 20);
    for (uint32_t i = 0; i < n_sec; i++) {
        const uint8_t *ent = buf + 128 + 32 * i;
        if (fr_rd32(ent) != FMT_SEC_BLOCKS)
            continue;
        uint8_t *sec = buf + fr_rd64(ent + 8);
        uint32_t nb = fr_rd32(sec);
        for (uint32_t b = 0; b < nb; b++) {
            uint8_t *e = sec + 8 + 32 * b;
            fr_wrbe64(e + 24, XXH3_64bits(buf + fr_rd64(e), fr_rd32(e + 8)));
        }
    }
    memset(buf + 64, 0, 16);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(buf, hs));
    memcpy(buf + 64, c.digest, 16);
}

static uint8_t *section(uint8_t *buf, uint32_t type, uint32_t *entry_index)
{
    uint32_t n_sec = fr_rd32(buf + 20);
    for (uint32_t i = 0; i < n_sec; i++)
        if (fr_rd32(buf + 128 + 32 * i) == type) {
            if (entry_index)
                *entry_index = i;
            return buf + fr_rd64(buf + 128 + 32 * i + 8);
        }
    return NULL;
}

/* The first split node of tree 0 (at top_offset in the top chunk, which is chunk 0). */
static uint8_t *first_node(uint8_t *buf)
{
    uint8_t *blocks = section(buf, FMT_SEC_BLOCKS, NULL);
    uint8_t *ens = section(buf, FMT_SEC_ENSEMBLE, NULL);
    uint32_t n_out = fr_rd32(ens + 12);
    uint8_t *tree0 = ens + 48 + 4 * n_out; /* classifier: n_classes follow; no init_raw */
    return buf + fr_rd64(blocks + 8) + fr_rd64(tree0);
}

Test(format, crafted_structure_is_refused_by_rule)
{
    char *dir = tu_tmpdir();
    fu_tree trees[3];
    char *path = make_model(dir, 0, trees, 3);
    size_t len = 0;
    uint8_t *orig = tu_read_file(path, &len);
    uint8_t *buf = malloc(len);
    char *bad = tmp_path(dir, "crafted.frost");
    double X[N_ROWS * 6], out[N_ROWS * 3];
    rows(X);
    struct {
        const char *what;
        int off;          /* byte offset within the root node */
        uint32_t value;
        int want;
    } cases[] = {
        {"left child points back at the root (a cycle)", 8, 0, FROST_ECORRUPT},
        {"feature index beyond n_features", 4, 6, FROST_ECORRUPT},
        {"reserved feature bits", 4, 0x01000000, FROST_ECORRUPT},
        {"reserved ref kind", 12, 16 | 2, FROST_ECORRUPT},
        {"ref past the end of the tree", 12, 0xFFFFFFF0u, FROST_ECORRUPT},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(buf, orig, len);
        fr_wr32(first_node(buf) + cases[c].off, cases[c].value);
        reseal(buf);
        write_bytes(bad, buf, len);
        for (int mode = FROST_IO_PREAD; mode <= FROST_IO_MMAP; mode += 1) {
            if (mode == FROST_IO_URING)
                continue;
            int rc = score(bad, (frost_io_mode)mode, X, out);
            cr_expect_eq(rc, cases[c].want, "%s: rc %d", cases[c].what, rc);
        }
        frost_model *m;
        cr_assert_eq(frost_open(bad, NULL, &m), 0);
        cr_expect_eq(frost_verify(m), cases[c].want, "verify: %s", cases[c].what);
        frost_close(m);
    }

    /* versions: a newer major is refused by name, a newer minor is read */
    memcpy(buf, orig, len);
    fr_wr16(buf + 8, 2);
    reseal(buf);
    write_bytes(bad, buf, len);
    frost_model *m = NULL;
    cr_expect_eq(frost_open(bad, NULL, &m), FROST_EVERSION);
    cr_expect(strstr(frost_errmsg(NULL), "newer frost") != NULL, "%s", frost_errmsg(NULL));
    /* ... by the frost it names (FORMAT.md superblock `reader`), if that is printable text */
    memcpy(buf + 80, "frost 2.0.0", 11);
    reseal(buf);
    write_bytes(bad, buf, len);
    cr_expect_eq(frost_open(bad, NULL, &m), FROST_EVERSION);
    cr_expect(strstr(frost_errmsg(NULL), "version 2.0 needs frost 2.0.0 or newer") != NULL, "%s",
              frost_errmsg(NULL));
    buf[85] = 0x07;
    reseal(buf);
    write_bytes(bad, buf, len);
    cr_expect_eq(frost_open(bad, NULL, &m), FROST_EVERSION);
    cr_expect(strstr(frost_errmsg(NULL), "needs a newer frost") != NULL, "%s", frost_errmsg(NULL));
    /* major 1 keeps `reader` zero */
    memcpy(buf, orig, len);
    memcpy(buf + 80, "frost 1.0.0", 11);
    reseal(buf);
    write_bytes(bad, buf, len);
    cr_expect_eq(frost_open(bad, NULL, &m), FROST_ECORRUPT);
    memcpy(buf, orig, len);
    fr_wr16(buf + 10, 7);
    reseal(buf);
    write_bytes(bad, buf, len);
    cr_expect_eq(frost_open(bad, NULL, &m), 0, "%s", frost_errmsg(NULL));
    frost_close(m);

    /* an unknown optional section is skipped; an unknown required one is refused */
    uint32_t idx;
    memcpy(buf, orig, len);
    cr_assert_not_null(section(buf, FMT_SEC_METADATA, &idx));
    fr_wr32(buf + 128 + 32 * idx, 99);
    reseal(buf);
    write_bytes(bad, buf, len);
    cr_assert_eq(frost_open(bad, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_null(frost_meta_get(m, "estimator"));
    cr_expect_eq(frost_predict_proba(m, X, N_ROWS, out), 0);
    frost_close(m);
    fr_wr32(buf + 128 + 32 * idx + 4, 1);
    reseal(buf);
    write_bytes(bad, buf, len);
    cr_expect_eq(frost_open(bad, NULL, &m), FROST_EVERSION);

    free(bad);
    free(buf);
    free(orig);
    free(path);
    free(dir);
    for (int t = 0; t < 3; t++)
        fu_free_tree(&trees[t]);
}

Test(format, threshold_rounding)
{
    /* the largest float not above t decides like sklearn for every float x */
    uint64_t s = 5;
    for (int i = 0; i < 200000; i++) {
        double t = (fu_unif(&s) - 0.5) * pow(10, (double)(fu_rand(&s) % 20) - 10);
        float f = fmt_threshold_f32(t);
        cr_assert_leq((double)f, t);
        cr_assert_gt((double)nextafterf(f, INFINITY), t);
    }
    cr_expect_eq(fmt_threshold_f32(1e300), FLT_MAX);
    cr_expect_eq(fmt_threshold_f32(-1e300), -INFINITY);
    cr_expect_eq(fmt_threshold_f32(0.5), 0.5f);
}

Test(format, tree_encoder_rejects_bad_trees)
{
    fr_err e;
    int64_t left[] = {1, -1, -1}, right[] = {2, -1, -1}, feat[] = {0, -2, -2};
    double thr[] = {0.5, 0, 0}, val[] = {0, 1, 2};
    fmt_tree_input in = {.node_count = 3, .children_left = left, .children_right = right,
                         .feature = feat, .threshold = thr, .value = val, .value_width = 1,
                         .n_features = 1};
    fmt_enc_tree t;
    cr_assert_eq(fmt_tree_encode(&in, 4096, 3, NULL, &t, &e), 0);
    fmt_enc_tree_free(NULL, &t);
    left[0] = 0; /* a cycle through the root */
    cr_expect_eq(fmt_tree_encode(&in, 4096, 3, NULL, &t, &e), FROST_EFORMAT);
    left[0] = 2; /* two parents */
    cr_expect_eq(fmt_tree_encode(&in, 4096, 3, NULL, &t, &e), FROST_EFORMAT);
    left[0] = 1;
    feat[0] = 1; /* out of range */
    cr_expect_eq(fmt_tree_encode(&in, 4096, 3, NULL, &t, &e), FROST_EFORMAT);
    feat[0] = 0;
    right[1] = 2; /* a leaf with one child */
    cr_expect_eq(fmt_tree_encode(&in, 4096, 3, NULL, &t, &e), FROST_EFORMAT);
    right[1] = -1;
    thr[0] = NAN;
    cr_expect_eq(fmt_tree_encode(&in, 4096, 3, NULL, &t, &e), FROST_EFORMAT);
}

/* One UTF-8 scanner serves the file's strings and pickle's BINUNICODE: they differ only in the
 * encoded surrogates, which 'surrogatepass' takes and FORMAT.md's `str` refuses. */
Test(format, utf8_one_scanner_two_rules)
{
    static const struct {
        const char *bytes;
        int strict, surrogatepass;
    } cases[] = {
        {"plain", 1, 1},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8d\x93", 1, 1}, /* 2, 3 and 4-byte forms */
        {"\xed\xb2\x80", 0, 1},                             /* U+DC80, a lone surrogate */
        {"\xed\x9f\xbf", 1, 1},                             /* U+D7FF, just below */
        {"\xee\x80\x80", 1, 1},                             /* U+E000, just above */
        {"\xc0\x80", 0, 0},                                 /* overlong NUL */
        {"\xe0\x80\xaf", 0, 0},                             /* overlong '/' */
        {"\xf4\x90\x80\x80", 0, 0},                         /* past U+10FFFF */
        {"\xe2\x82", 0, 0},                                 /* cut short */
        {"\x80", 0, 0},                                     /* stray continuation */
        {"\xff", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t *s = (const uint8_t *)cases[i].bytes;
        size_t n = strlen(cases[i].bytes);
        cr_expect_eq(fmt_utf8_valid(s, n), cases[i].strict, "case %zu", i);
        cr_expect_eq(fmt_utf8_valid_surrogatepass(s, n), cases[i].surrogatepass, "case %zu", i);
    }
}
