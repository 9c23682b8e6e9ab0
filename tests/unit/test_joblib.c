/*
 * test_joblib.c — the joblib layer (import/joblib.h): container detection, every
 * compressor joblib offers, aligned and unaligned in-stream arrays, nested object-array pickles,
 * decompression bombs, truncated and damaged containers, joblib's old "ZF" format.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <zlib.h>

#include "../import/fixture_util.h"

#define FIX "FROST_JL_FIXTURES"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    fx_setup(FIX, "tests/import/make_fixtures.py", NULL);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    fx_teardown(FIX);
}

/* zlib (wbits 15) or gzip (wbits 31) of a buffer. */
static uint8_t *deflate_buf(const uint8_t *in, size_t n, int wbits, size_t *out_n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, n) + 64;
    uint8_t *out = malloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_n = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static const uint8_t tiny_pickle[] = "\x80\x04K\x2a.";  /* 42 */

static void expect_42(const uint8_t *data, size_t n)
{
    pk_graph *g = NULL;
    fr_err e = { 0 };
    cr_assert_eq(jl_load(data, n, NULL, &g, &e), 0, "%s", e.msg);
    int64_t v;
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == 42);
    pk_graph_free(g);
}

Test(joblib, detect_magic)
{
    cr_assert_eq(jl_detect((const uint8_t *)"x\x9c", 2), JL_ZLIB);
    cr_assert_eq(jl_detect((const uint8_t *)"\x1f\x8b\x08", 3), JL_GZIP);
    cr_assert_eq(jl_detect((const uint8_t *)"BZh9", 4), JL_BZ2);
    cr_assert_eq(jl_detect((const uint8_t *)"BZhx", 4), JL_RAW, "'BZh' needs its digit");
    cr_assert_eq(jl_detect((const uint8_t *)"\xfd" "7zXZ\x00", 6), JL_XZ);
    cr_assert_eq(jl_detect((const uint8_t *)"\x5d\x00\x00", 3), JL_LZMA);
    cr_assert_eq(jl_detect((const uint8_t *)"\x04\x22\x4d\x18", 4), JL_LZ4);
    cr_assert_eq(jl_detect((const uint8_t *)"ZF0x10", 6), JL_ZFILE);
    cr_assert_eq(jl_detect((const uint8_t *)"\x80\x04", 2), JL_RAW);
    cr_assert_eq(jl_detect((const uint8_t *)"", 0), JL_RAW);
    cr_assert_str_eq(jl_container_name(JL_LZ4), "lz4");
}

static int load_str(const char *s, size_t n, fr_err *e)
{
    pk_graph *g = NULL;
    int rc = jl_load((const uint8_t *)s, n, NULL, &g, e);
    pk_graph_free(g);
    return rc;
}
#define LOAD_STR(lit, e) load_str(lit, sizeof lit - 1, e)

/* A file that is no model is named so, not reported as a pickle opcode error; a model file
 * that is cut or damaged keeps its own error, and a foreign class is still refused. */
Test(joblib, files_that_are_no_pickle)
{
    static const struct {
        const char *data;
        size_t len;
        const char *msg;
    } no[] = {
#define NO(lit, msg) {lit, sizeof lit - 1, "not a pickle or joblib file: " msg}
        NO("sepal_length,sepal_width\n5.1,3.5\n", "it looks like text (a CSV?)"),
        NO("city,population\nLondon,9000000\n", "it looks like text (a CSV?)"),
        NO("x0,x1\n1,2\n", "it looks like text (a CSV?)"), /* 'x' is zlib's first byte */
        NO("Product;Price\nx;1\n", "it looks like text (a CSV?)"), /* 'P': a persistent id */
        NO("Name\tAge\nBob\t3\n", "it looks like text (a CSV?)"),
        NO("hello world\n", "it looks like text"),
        NO("{\"model\": 1}\n", "it looks like text"),
        NO("gr\xc3\xbc\xc3\x9f dich\n", "it looks like text"),
        NO("\x89" "FROST\r\n\x01\x00\x00\x00", "it is a .frost model already"),
        NO("PK\x03\x04\x14\x00", "it is a zip archive (a skops or .npz file?)"),
        NO("\x00\x01\x02\x03\xff", "it starts with the bytes 00 01 02 03 ff, neither a pickle "
                                  "protocol header nor a joblib compression header"),
#undef NO
    };
    fr_err e;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        cr_assert_eq(load_str(no[i].data, no[i].len, &e), FROST_EFORMAT, "%zu: %s", i, e.msg);
        cr_assert_str_eq(e.msg, no[i].msg, "%zu", i);
    }
    /* protocol 0 and 1 have no header: cut inside the first global, or later, still truncated */
    cr_assert_eq(LOAD_STR("ccopy_reg\n_recon", &e), FROST_ETRUNCATED, "%s", e.msg);
    cr_assert_eq(LOAD_STR("c", &e), FROST_ETRUNCATED, "%s", e.msg);
    cr_assert_eq(LOAD_STR("ccopy_reg\n_reconstructor\np0\n(csklearn.tree._classes\nDecis", &e),
                 FROST_ETRUNCATED, "%s", e.msg);
    /* a pickle header or a compressor's magic keeps the pickle/container error */
    cr_assert_eq(LOAD_STR("\x80\x04\x95\x30\x00\x00\x00", &e), FROST_ETRUNCATED, "%s", e.msg);
    cr_assert_eq(LOAD_STR("\x80\x02" "a,b\n", &e), FROST_EFORMAT, "%s", e.msg);
    cr_assert(strstr(e.msg, "malformed pickle at offset"), "%s", e.msg);
    cr_assert_eq(LOAD_STR("x\x9c\x01\x02", &e), FROST_ETRUNCATED, "%s", e.msg);
    cr_assert(strstr(e.msg, "zlib"), "%s", e.msg);
    cr_assert_eq(LOAD_STR("BZh9", &e), FROST_ETRUNCATED, "%s", e.msg);
    /* hostile text is refused by name, as before */
    cr_assert_eq(LOAD_STR("cos\nsystem\n(S'ls'\ntR.", &e), FROST_EREFUSED);
    cr_assert(strstr(e.msg, "refusing to import: pickle references os.system"), "%s", e.msg);
    cr_assert_eq(LOAD_STR("cposix\nsystem\n(S'ls'\ntR.", &e), FROST_EREFUSED);
    cr_assert(strstr(e.msg, "posix.system"), "%s", e.msg);
}

Test(joblib, empty_and_missing)
{
    pk_graph *g;
    fr_err e = { 0 };
    /* an empty file is no model (pk_load, which reads streams, still calls it truncated) */
    cr_assert_eq(jl_load((const uint8_t *)"", 0, NULL, &g, &e), FROST_EFORMAT);
    cr_assert_str_eq(e.msg, "not a pickle or joblib file: it is empty");
    cr_assert_eq(jl_load_file("/nonexistent/model.joblib", NULL, &g, &e), FROST_EIO);
    cr_assert_null(g);
}

Test(joblib, values_every_container)
{
    const char *dir = fx_dir(FIX);
    static const char *const files[] = {
        "values.joblib", "values_unaligned.joblib", "values_p2.joblib", "values_p5.joblib",
        "values.joblib.zlib", "values.joblib.gzip", "values.joblib.bz2", "values.joblib.xz",
        "values.joblib.lzma", "values.joblib.lz4",
    };
    static const jl_container kinds[] = { JL_RAW, JL_RAW, JL_RAW, JL_RAW, JL_ZLIB, JL_GZIP,
                                          JL_BZ2, JL_XZ, JL_LZMA, JL_LZ4 };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n = 0;
        unsigned char *buf = tu_read_file(fx_path(dir, files[i]), &n);
        cr_assert(buf, "%s", files[i]);
        cr_assert_eq(jl_detect(buf, n), kinds[i], "%s", files[i]);
        pk_graph *g;
        fr_err e = { 0 };
        cr_assert_eq(jl_load(buf, n, NULL, &g, &e), 0, "%s: %s", files[i], e.msg);
        fx_check_values(pk_graph_root(g), files[i]);
        pk_graph_free(g);
        free(buf);
    }
}

Test(joblib, aligned_arrays_sit_on_16_bytes)
{
    /* joblib >= 1.2 pads so each array starts 16-aligned in the stream; the data pointer is
     * into the (malloc'd, so 16-aligned) file buffer: the pad was skipped correctly */
    const char *dir = fx_dir(FIX);
    pk_graph *g;
    fr_err e = { 0 };
    size_t n = 0;
    cr_assert_eq(jl_load_file(fx_path(dir, "values.joblib"), NULL, &g, &e), 0, "%s", e.msg);
    const uint8_t *p = pk_array_raw(pk_dict_get(pk_graph_root(g), "f8"), &n);
    cr_assert(p && n == 48);
    cr_assert_eq((uintptr_t)p % 16, 0);
    p = pk_array_raw(pk_dict_get(pk_graph_root(g), "u1"), &n);
    cr_assert_eq((uintptr_t)p % 16, 0);
    pk_graph_free(g);
}

Test(joblib, models)
{
    const char *dir = fx_dir(FIX);
    char **files;
    size_t nf = fx_expect_files(dir, &files), checked = 0;
    for (size_t i = 0; i < nf; i++) {
        if (strstr(files[i], ".joblib")) {
            pk_graph *g;
            fr_err e = { 0 };
            cr_assert_eq(jl_load_file(fx_path(dir, files[i]), NULL, &g, &e), 0, "%s: %s",
                         files[i], e.msg);
            fx_check_model(dir, files[i], pk_graph_root(g));
            pk_graph_free(g);
            checked++;
        }
        free(files[i]);
    }
    free(files);
    cr_assert_eq(checked, 5 * 3);
}

Test(joblib, decompression_bombs)
{
    const char *dir = fx_dir(FIX);
    static const char *const comps[] = { "zlib", "gzip", "bz2", "xz", "lzma", "lz4" };
    jl_options small = { .max_decompressed = 1 << 20 };
    for (size_t i = 0; i < 6; i++) {
        char name[64];
        snprintf(name, sizeof name, "bomb.joblib.%s", comps[i]);
        pk_graph *g;
        fr_err e = { 0 };
        cr_assert_eq(jl_load_file(fx_path(dir, name), &small, &g, &e), FROST_ELIMIT, "%s: %s",
                     name, e.msg);
        cr_assert(strstr(e.msg, "1048576 bytes") && strstr(e.msg, "jl_options.max_decompressed"),
                  "%s", e.msg);
        cr_assert_null(g);
        /* within the default limit the same file is a plain 16 MiB array */
        cr_assert_eq(jl_load_file(fx_path(dir, name), NULL, &g, &e), 0, "%s: %s", name, e.msg);
        pk_array_info ai;
        cr_assert_eq(pk_array_info_get(pk_graph_root(g), &ai), 0);
        cr_assert_eq(ai.count, 2u << 20);
        pk_graph_free(g);
    }
}

Test(joblib, zlib_bomb_made_here)
{
    size_t big = (size_t)96 << 20, n = 0;
    uint8_t *zeros = calloc(1, big);
    uint8_t *z = deflate_buf(zeros, big, 15, &n);
    free(zeros);
    pk_graph *g;
    fr_err e = { 0 };
    jl_options opts = { .max_decompressed = (size_t)8 << 20 };
    cr_assert_eq(jl_load(z, n, &opts, &g, &e), FROST_ELIMIT, "%s", e.msg);
    cr_assert(strstr(e.msg, "zlib stream decompresses to more than 8388608 bytes"), "%s",
              e.msg);
    free(z);
}

Test(joblib, truncated_and_damaged_containers)
{
    const char *dir = fx_dir(FIX);
    static const char *const comps[] = { "zlib", "gzip", "bz2", "xz", "lzma", "lz4" };
    for (size_t i = 0; i < 6; i++) {
        char name[64];
        snprintf(name, sizeof name, "values.joblib.%s", comps[i]);
        size_t n = 0;
        unsigned char *buf = tu_read_file(fx_path(dir, name), &n);
        pk_graph *g;
        fr_err e = { 0 };
        cr_assert_eq(jl_load(buf, n / 2, NULL, &g, &e), FROST_ETRUNCATED, "%s: %s", name,
                     e.msg);
        cr_assert(strstr(e.msg, "truncated"), "%s", e.msg);
        /* damage in the middle: detected by the container's checks, or at worst a clean
         * pickle-level error; never a crash */
        buf[n / 2] ^= 0x55;
        buf[n / 2 + 1] ^= 0xaa;
        int rc = jl_load(buf, n, NULL, &g, &e);
        if (strcmp(comps[i], "lz4") != 0)
            cr_assert_eq(rc, FROST_ECORRUPT, "%s: %d %s", name, rc, e.msg);
        else
            cr_assert(rc <= 0);
        if (rc == 0)
            pk_graph_free(g);
        free(buf);
    }
}

Test(joblib, concatenated_members_and_trailing_bytes)
{
    /* gzip: two members, the pickle split between them */
    size_t n1 = 0, n2 = 0;
    uint8_t *m1 = deflate_buf(tiny_pickle, 2, 31, &n1);
    uint8_t *m2 = deflate_buf(tiny_pickle + 2, sizeof tiny_pickle - 3, 31, &n2);
    uint8_t *both = malloc(n1 + n2 + 8);
    memcpy(both, m1, n1);
    memcpy(both + n1, m2, n2);
    expect_42(both, n1 + n2);
    /* bytes after the stream that are not another member are ignored */
    memcpy(both + n1 + n2, "garbage!", 8);
    size_t nz = 0;
    uint8_t *z = deflate_buf(tiny_pickle, sizeof tiny_pickle - 1, 15, &nz);
    uint8_t *zt = malloc(nz + 8);
    memcpy(zt, z, nz);
    memcpy(zt + nz, "garbage!", 8);
    expect_42(zt, nz + 8);
    free(m1);
    free(m2);
    free(both);
    free(z);
    free(zt);
}

Test(joblib, zfile_format)
{
    /* joblib < 0.9.3: "ZF" + hex(len).ljust(19) + zlib */
    size_t nz = 0;
    uint8_t *z = deflate_buf(tiny_pickle, sizeof tiny_pickle - 1, 15, &nz);
    uint8_t *f = malloc(21 + nz);
    memcpy(f, "ZF0x5                ", 21);
    memcpy(f + 21, z, nz);
    expect_42(f, 21 + nz);
    /* a length header that lies is damage */
    memcpy(f, "ZF0x6                ", 21);
    pk_graph *g;
    fr_err e = { 0 };
    cr_assert_eq(jl_load(f, 21 + nz, NULL, &g, &e), FROST_ECORRUPT, "%s", e.msg);
    /* a declared length beyond the limit is refused before inflating */
    memcpy(f, "ZF0xffffffffffff     ", 21);
    cr_assert_eq(jl_load(f, 21 + nz, NULL, &g, &e), FROST_ELIMIT, "%s", e.msg);
    free(z);
    free(f);
}

/* ---- joblib < 0.10: arrays in .npy side files ------------------------------------------- */

/* What joblib 0.9's NumpyPickler wrote for an array saved alone (protocol 2): an NDArrayWrapper
 * whose state names the side file. */
static size_t old_pickle(const char *module, const char *name, uint8_t *out)
{
    size_t n = 0;
    n += (size_t)sprintf((char *)out + n, "\x80\x02" "c%s\nNDArrayWrapper\n)\x81}(", module);
    const char *kv[2] = {"filename", name};
    for (int i = 0; i < 2; i++) {
        size_t l = strlen(kv[i]);
        out[n++] = 'X';
        for (int b = 0; b < 4; b++)
            out[n++] = (uint8_t)(l >> (8 * b));
        memcpy(out + n, kv[i], l);
        n += l;
    }
    n += (size_t)sprintf((char *)out + n, "X\x08%c%c%csubclasscnumpy\nndarray\nub.", 0, 0, 0);
    return n;
}

/* numpy.save's layout, version 1.0: magic, version, header length, the dict padded to 64. */
static size_t npy(const char *dict, const void *data, size_t nbytes, uint8_t *out)
{
    size_t hl = strlen(dict) + 1;
    size_t pad = (64 - (10 + hl) % 64) % 64;
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (uint8_t)((hl + pad) & 255);
    out[9] = (uint8_t)((hl + pad) >> 8);
    memcpy(out + 10, dict, hl - 1);
    memset(out + 10 + hl - 1, ' ', pad);
    out[10 + hl - 1 + pad] = '\n';
    memcpy(out + 10 + hl + pad, data, nbytes);
    return 10 + hl + pad + nbytes;
}

static void put(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    FILE *f = fopen(fx_path(dir, name), "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* Writes model.pkl naming `side` and, unless NULL, the side file with the given header and data;
 * loads model.pkl from its path. */
static int load_old(const char *dir, const char *side, const char *dict, const void *data,
                    size_t nbytes, pk_graph **g, fr_err *e)
{
    uint8_t pk[512], f[4096];
    put(dir, "model.pkl", pk, old_pickle("sklearn.externals.joblib.numpy_pickle", side, pk));
    if (dict)
        put(dir, side, f, npy(dict, data, nbytes, f));
    return jl_load_file(fx_path(dir, "model.pkl"), NULL, g, e);
}

Test(joblib, old_side_files_are_read_from_the_pickles_folder)
{
    char *dir = tu_tmpdir();
    const double v[6] = {1.5, -2.0, 3.25, 0.0, 1e300, -7.0};
    pk_graph *g;
    fr_err e = {0};
    /* numpy's own header, and Python 2's (a long 3L, u'' strings) */
    const char *dicts[2] = {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                            "{u'descr': u'<f8', u'fortran_order': False, u'shape': (2L, 3L)}"};
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(load_old(dir, "model.pkl_01.npy", dicts[k], v, sizeof v, &g, &e), 0, "%s",
                     e.msg);
        pk_array_info ai;
        cr_assert_eq(pk_array_info_get(pk_graph_root(g), &ai), 0);
        cr_assert(ai.ndim == 2 && ai.shape[0] == 2 && ai.shape[1] == 3 && ai.kind == 'f');
        fx_check_f64(pk_graph_root(g), v, 6, "side file");
        pk_graph_free(g);
    }
    /* a structured array (a Tree's nodes), its fields packed in order */
    struct {
        int64_t a;
        double b;
        int32_t c;
    } __attribute__((packed)) rec[2] = {{7, 0.5, -3}, {-1, 2.5, 9}};
    cr_assert_eq(load_old(dir, "s.npy", "{'descr': [('a', '<i8'), ('b', '<f8'), ('c', '<i4')], "
                          "'fortran_order': False, 'shape': (2,), }", rec, sizeof rec, &g, &e),
                 0, "%s", e.msg);
    int64_t a[2], c[2];
    double b[2];
    cr_assert_eq(pk_array_get_i64(pk_graph_root(g), "a", a, 2, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_array_get_f64(pk_graph_root(g), "b", b, 2, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_array_get_i64(pk_graph_root(g), "c", c, 2, &e), 0, "%s", e.msg);
    cr_assert(a[0] == 7 && a[1] == -1 && b[0] == 0.5 && b[1] == 2.5 && c[0] == -3 && c[1] == 9);
    pk_graph_free(g);
    free(dir);
}

Test(joblib, old_side_files_refused_as_they_should)
{
    char *dir = tu_tmpdir();
    const double v[2] = {1.0, 2.0};
    const char *ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    pk_graph *g;
    fr_err e = {0};
    static const struct {
        const char *side, *dict;
        size_t nbytes;
        int code;
        const char *says;
    } cases[] = {
        {"../model.pkl_01.npy", NULL, 0, FROST_EFORMAT, "not a plain file name"},
        {"sub/x.npy", NULL, 0, FROST_EFORMAT, "not a plain file name"},
        {"..", NULL, 0, FROST_EFORMAT, "not a plain file name"},
        {"missing.npy", NULL, 0, FROST_EIO, "missing.npy"},
        {"short.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 16,
         FROST_ETRUNCATED, "before its 3 items"},
        {"big.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, "
         "4294967296, 4294967296), }", 16, FROST_ELIMIT, "too many items"},
        {"key.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", 16,
         FROST_EFORMAT, "a key other than"},
        {"twice.npy", "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}",
         16, FROST_EFORMAT, "or one twice"},
        {"noshape.npy", "{'descr': '<f8', 'fortran_order': False}", 16, FROST_EFORMAT,
         "lacks descr"},
        {"obj.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16,
         FROST_EUNSUPPORTED, "object array"},
        {"sub.npy", "{'descr': [('a', '<f8', (2,))], 'fortran_order': False, 'shape': (1,)}",
         16, FROST_EUNSUPPORTED, "subarrays"},
        {"nest.npy", "{'descr': [('a', [('b', '<f8')])], 'fortran_order': False, 'shape': (1,)}",
         16, FROST_EUNSUPPORTED, "nested fields"},
        {"esc.npy", "{'descr': '<f\\x38', 'fortran_order': False, 'shape': (2,), }", 16,
         FROST_EFORMAT, "descr"},
        {"open.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,", 16, FROST_EFORMAT,
         "shape"},
        {"trail.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x", 16,
         FROST_EFORMAT, "after the header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = load_old(dir, cases[i].side, cases[i].dict, v, cases[i].nbytes, &g, &e);
        cr_expect_eq(rc, cases[i].code, "%s: code %d (%s)", cases[i].side, rc, e.msg);
        cr_expect(strstr(e.msg, cases[i].says), "%s: %s", cases[i].side, e.msg);
    }
    /* not a .npy file; a link (not followed, even to a good file in the same folder); a folder */
    uint8_t f[256];
    put(dir, "good.npy", f, npy(ok, v, sizeof v, f));
    put(dir, "text.npy", (const uint8_t *)"hello, world\n", 13);
    cr_assert_eq(symlink("good.npy", fx_path(dir, "link.npy")), 0);
    cr_assert_eq(mkdir(fx_path(dir, "folder.npy"), 0700), 0);
    static const struct {
        const char *side;
        int code;
        const char *says;
    } files[] = {{"text.npy", FROST_EFORMAT, "magic"},
                 {"link.npy", FROST_EIO, "symbolic link"},
                 {"folder.npy", FROST_EIO, "not a regular file"},
                 {"good.npy", 0, ""}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        int rc = load_old(dir, files[i].side, NULL, NULL, 0, &g, &e);
        cr_expect_eq(rc, files[i].code, "%s: code %d (%s)", files[i].side, rc, e.msg);
        if (rc)
            cr_expect(strstr(e.msg, files[i].says), "%s: %s", files[i].side, e.msg);
        else
            pk_graph_free(g);
    }
    /* from memory there is no folder to read from */
    uint8_t pk[512];
    size_t n = old_pickle("joblib.numpy_pickle", "good.npy", pk);
    cr_assert_eq(jl_load(pk, n, NULL, &g, &e), FROST_EUNSUPPORTED);
    cr_assert(strstr(e.msg, "read from memory"), "%s", e.msg);
    free(dir);
}

/* ZNDArrayWrapper (compress > 0): the raw bytes in a "ZF" zlib file. Its happy path, which needs
 * numpy's pickled state, is the parity_old_joblib stage's; here what must be refused. */
Test(joblib, old_compressed_side_files_refused_as_they_should)
{
    char *dir = tu_tmpdir();
    /* ZNDArrayWrapper(filename='z.npy.z', init_args=(), state=()) */
    static const char s[] = "\x80\x02" "cjoblib.numpy_pickle\nZNDArrayWrapper\n)\x81}("
                            "X\x08\x00\x00\x00" "filename" "X\x07\x00\x00\x00" "z.npy.z"
                            "X\x09\x00\x00\x00" "init_args" ")"
                            "X\x05\x00\x00\x00" "state" ")ub.";
    put(dir, "model.pkl", (const uint8_t *)s, sizeof s - 1);
    pk_graph *g;
    fr_err e = {0};
    /* not a ZF file */
    const double v[2] = {1.0, 2.0};
    uint8_t f[256];
    put(dir, "z.npy.z", f, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", v,
                               sizeof v, f));
    cr_assert_eq(jl_load_file(fx_path(dir, "model.pkl"), NULL, &g, &e), FROST_EFORMAT, "%s",
                 e.msg);
    cr_assert(strstr(e.msg, "\"ZF\""), "%s", e.msg);
    /* a ZF file whose length header lies */
    uLongf zn = sizeof f - 21;
    cr_assert_eq(compress2(f + 21, &zn, (const Bytef *)v, sizeof v, 6), Z_OK);
    memcpy(f, "ZF0x20               ", 21);
    put(dir, "z.npy.z", f, 21 + zn);
    cr_assert_eq(jl_load_file(fx_path(dir, "model.pkl"), NULL, &g, &e), FROST_ECORRUPT, "%s",
                 e.msg);
    cr_assert(strstr(e.msg, "z.npy.z"), "%s", e.msg);
    /* a good ZF file, but init_args are no _reconstruct arguments */
    memcpy(f, "ZF0x10               ", 21);
    put(dir, "z.npy.z", f, 21 + zn);
    cr_assert_eq(jl_load_file(fx_path(dir, "model.pkl"), NULL, &g, &e), FROST_EFORMAT, "%s",
                 e.msg);
    cr_assert(strstr(e.msg, "_reconstruct") && strstr(e.msg, "z.npy.z"), "%s", e.msg);
    /* from memory: no folder */
    cr_assert_eq(jl_load((const uint8_t *)s, sizeof s - 1, NULL, &g, &e), FROST_EUNSUPPORTED);
    cr_assert(strstr(e.msg, "read from memory"), "%s", e.msg);
    free(dir);
}

Test(joblib, wrapper_array_bytes_bounds)
{
    /* a NumpyArrayWrapper claiming more bytes than the stream has */
    static const char s[] =
        "\x80\x04\x8c\x13joblib.numpy_pickle\x8c\x11NumpyArrayWrapper\x93)\x81}(\x8c\x05shape"
        "J\xff\xff\xff\x7f\x85\x8c\x05order\x8c\x01" "C\x8c\x05" "dtype\x8c\x05numpy\x8c\x05" "dtype"
        "\x93\x8c\x02" "f8\x89\x88\x87R(K\x03\x8c\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        "u" "b\x00\x00\x00.";
    pk_graph *g;
    fr_err e = { 0 };
    cr_assert_eq(jl_load((const uint8_t *)s, sizeof s - 1, NULL, &g, &e), FROST_ETRUNCATED,
                 "%s", e.msg);
    /* the same stream read as a plain pickle keeps the wrapper as an inert object */
    cr_assert_eq(pk_load((const uint8_t *)s, sizeof s - 1, NULL, &g, &e), FROST_EFORMAT,
                 "%s", e.msg);
}
