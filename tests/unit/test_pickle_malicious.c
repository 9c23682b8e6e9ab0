/*
 * test_pickle_malicious.c — hostile input for the pickle reader and the joblib layer.
 *
 * Two kinds: payloads that would run code under pickle.load (written by
 * tests/malicious/make_malicious.py; each must be refused naming its global, and a canary file
 * the payloads would create must not appear), and streams built here whose sizes, depths and
 * indices are meant to exhaust memory or time (each must end in a clean error, quickly).
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <zlib.h>

#include "../import/fixture_util.h"
#include "frost_import.h"

#define FIX "FROST_MAL_FIXTURES"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    fx_setup(FIX, "tests/malicious/make_malicious.py", NULL);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    fx_teardown(FIX);
}

Test(malicious, payloads_refused_and_nothing_ran)
{
    const char *dir = fx_dir(FIX);
    /* the generator proved its payload format live by running one against PROOF */
    cr_assert(fx_exists(fx_path(dir, "PROOF")), "the payloads do not work under pickle.load");
    FILE *m = fopen(fx_path(dir, "MANIFEST"), "r");
    cr_assert(m);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, m)) {
        char file[256], global[256];
        if (sscanf(line, "%255[^\t]\t%255s", file, global) != 2)
            continue;
        char want[600];
        snprintf(want, sizeof want,
                 "refusing to import: pickle references %s, which is not a scikit-learn/numpy "
                 "type",
                 global);
        pk_graph *g = NULL;
        fr_err e = { 0 };
        int rc = jl_load_file(fx_path(dir, file), NULL, &g, &e);
        cr_assert_eq(rc, FROST_EREFUSED, "%s: %d %s", file, rc, e.msg);
        cr_assert_str_eq(e.msg, want, "%s", file);
        cr_assert_null(g);
        /* plain pickles are refused the same way by pk_load */
        size_t len = 0;
        unsigned char *buf = tu_read_file(fx_path(dir, file), &len);
        if (jl_detect(buf, len) == JL_RAW && !strstr(file, ".joblib")) {
            cr_assert_eq(pk_load(buf, len, NULL, &g, &e), FROST_EREFUSED, "%s", file);
            cr_assert_str_eq(e.msg, want);
        }
        free(buf);
        n++;
    }
    fclose(m);
    cr_assert_geq(n, 18);
    cr_assert_not(fx_exists(fx_path(dir, "CANARY")), "a payload ran");
}

/* A refused name is looked for among the model's steps (a survey load) to name its step; the
 * root's own name, which the step path starts with, may be longer than any path buffer. */
Test(malicious, refused_root_with_a_long_name)
{
    char *dir = tu_tmpdir();
    cr_assert(dir);
    char in[600], out[600];
    snprintf(in, sizeof in, "%s/long.pkl", dir);
    snprintf(out, sizeof out, "%s/long.frost", dir);
    FILE *f = fopen(in, "wb");
    cr_assert(f);
    fputs("\x80\x02" "cos\n", f);
    for (int i = 0; i < 2000; i++)
        fputc('A', f);
    fputs("\n)\x81.", f);
    fclose(f);
    cr_assert_eq(frost_convert(in, out, NULL), FROST_EREFUSED);
    cr_assert(strstr(frost_import_errmsg(), "refusing to import: pickle references os.AAAA"), "%s",
              frost_import_errmsg());
    cr_assert_not(fx_exists(out));
    remove(in);
    rmdir(dir);
    free(dir);
}

/* ---- hostile sizes ----------------------------------------------------------------------- */

static int load_n(const void *p, size_t n, const pk_limits *lim, fr_err *e)
{
    pk_graph *g = NULL;
    fr_err_clear(e);
    int rc = pk_load(p, n, lim, &g, e);
    pk_graph_free(g);
    return rc;
}
#define LOADLIT(s, e) load_n(s, sizeof(s) - 1, NULL, e)

Test(hostile, huge_lengths_never_allocate)
{
    fr_err e;
    cr_assert_eq(LOADLIT("\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x10xx.", &e), FROST_ETRUNCATED);
    cr_assert_str_eq(e.msg, "truncated pickle stream (14 bytes; ends before STOP)");
    cr_assert_eq(LOADLIT("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xffxx.", &e), FROST_ETRUNCATED);
    cr_assert_eq(LOADLIT("\x80\x05\x96\x00\x00\x00\x00\x00\x00\x00\x80x.", &e), FROST_ETRUNCATED);
    cr_assert_eq(LOADLIT("\x80\x03" "B\xff\xff\xff\xffxx.", &e), FROST_ETRUNCATED);
    cr_assert_eq(LOADLIT("\x80\x02X\xff\xff\xff\xffxx.", &e), FROST_ETRUNCATED);
    cr_assert_eq(LOADLIT("\x80\x02T\xff\xff\xff\x7fxx.", &e), FROST_ETRUNCATED);
    cr_assert_eq(LOADLIT("\x80\x02\x8b\xff\xff\xff\x7fxx.", &e), FROST_ETRUNCATED);
    cr_assert_eq(LOADLIT("\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x40K\x01.", &e),
                 FROST_ETRUNCATED);
}

Test(hostile, memo_indices)
{
    fr_err e;
    cr_assert_eq(LOADLIT("\x80\x02K\x01r\xff\xff\xff\xff.", &e), FROST_ELIMIT);
    cr_assert(strstr(e.msg, "pk_limits.max_memo"), "%s", e.msg);
    cr_assert_eq(LOADLIT("\x80\x02j\xff\xff\xff\xff.", &e), FROST_EFORMAT);
    cr_assert_eq(LOADLIT("K\x01p99999999999999999999999\n.", &e), FROST_EFORMAT);
    cr_assert_eq(LOADLIT("K\x01p-1\n.", &e), FROST_EFORMAT);
    /* a sparse but allowed index costs one array, not more */
    pk_limits lim = { .max_memo = 1 << 16 };
    cr_assert_eq(load_n("\x80\x02K\x01r\xff\xff\x00\x00.", 10, &lim, &e), 0, "%s", e.msg);
    cr_assert_eq(load_n("\x80\x02K\x01r\x00\x00\x01\x00.", 10, &lim, &e), FROST_ELIMIT);
}

/* numpy < 1.20's ufunc pickles call numpy.core._ufunc_reconstruct(module, name), which imports
 * module.name: it admits only what a GLOBAL may name as a value, and builds nothing else. */
Test(hostile, ufunc_reconstruct_admits_only_ufuncs)
{
    fr_err e;
#define UR(mod, name) "\x80\x02" "cnumpy.core\n_ufunc_reconstruct\nX" mod "X" name "\x86R."
    cr_assert_eq(LOADLIT(UR("\x05\x00\x00\x00" "numpy", "\x05\x00\x00\x00" "log1p"), &e), 0,
                 "%s", e.msg);
    cr_assert_eq(LOADLIT(UR("\x02\x00\x00\x00" "os", "\x06\x00\x00\x00" "system"), &e),
                 FROST_EREFUSED);
    cr_assert(strstr(e.msg, "os.system"), "%s", e.msg);
    cr_assert_eq(LOADLIT(UR("\x05\x00\x00\x00" "numpy", "\x05\x00\x00\x00" "dtype"), &e),
                 FROST_EFORMAT, "a callable, not a ufunc value: %s", e.msg);
    cr_assert_eq(LOADLIT("\x80\x02" "cnumpy.core\n_ufunc_reconstruct\nK\x01\x85R.", &e),
                 FROST_EFORMAT);
#undef UR
}

/* A stream of `count` copies of `unit` between a prefix and a suffix. */
static uint8_t *repeat(const char *prefix, const char *unit, size_t ulen, size_t count,
                       const char *suffix, size_t *n)
{
    size_t pl = strlen(prefix), sl = strlen(suffix);
    *n = pl + ulen * count + sl;
    uint8_t *b = malloc(*n);
    memcpy(b, prefix, pl);
    for (size_t i = 0; i < count; i++)
        memcpy(b + pl + i * ulen, unit, ulen);
    memcpy(b + pl + ulen * count, suffix, sl);
    return b;
}

Test(hostile, nesting_and_stack)
{
    fr_err e;
    size_t n = 0;
    /* 100k nested MARKs */
    uint8_t *b = repeat("\x80\x02", "(", 1, 100000, "N.", &n);
    cr_assert_eq(load_n(b, n, NULL, &e), FROST_ELIMIT);
    cr_assert(strstr(e.msg, "pk_limits.max_marks"), "%s", e.msg);
    free(b);
    /* 2M values on the stack */
    b = repeat("\x80\x02", "N", 1, 2000000, ".", &n);
    cr_assert_eq(load_n(b, n, NULL, &e), FROST_ELIMIT);
    cr_assert(strstr(e.msg, "pk_limits.max_stack"), "%s", e.msg);
    free(b);
    /* a million-element MARK within the limit builds a million-element list */
    b = repeat("\x80\x02(", "N", 1, 1000000, "l.", &n);
    pk_graph *g;
    cr_assert_eq(pk_load(b, n, NULL, &g, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_len(pk_graph_root(g)), 1000000);
    pk_graph_free(g);
    free(b);
    /* ... and a million MARKs' worth of items beyond it fails cleanly */
    b = repeat("\x80\x02(", "N", 1, 1100000, "t.", &n);
    cr_assert_eq(load_n(b, n, NULL, &e), FROST_ELIMIT);
    free(b);
}

/* Deep or cyclic graphs are refused once decoded (pk_limits.max_nesting), because the converter
 * follows estimators recursively: a Pipeline nested 30,000 deep or containing itself crashed it
 * with a stack overflow. Decoding itself stays iterative: a million-deep list costs no stack. */
Test(hostile, deep_and_cyclic_graphs)
{
    /* a list nested count + 1 deep with a constant-size VM stack: L.append(N); L = N */
    fr_err e;
    size_t n = 0;
    pk_graph *g;
    const size_t counts[] = {999, 1000, 1000000};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *b = repeat("\x80\x02]q\x05", "]q\x06" "a0h\x06", 7, counts[i], "0h\x05.", &n);
        int rc = pk_load(b, n, NULL, &g, &e);
        if (i == 0) {
            cr_assert_eq(rc, 0, "%s", e.msg); /* 1000 deep: the limit itself */
            FILE *devnull = fopen("/dev/null", "w");
            pk_dump(pk_graph_root(g), devnull, 2000, 10);
            fclose(devnull);
            pk_graph_free(g);
        } else {
            cr_assert_eq(rc, FROST_ELIMIT);
            cr_assert(strstr(e.msg, "pk_limits.max_nesting"), "%s", e.msg);
        }
        free(b);
    }
    /* a lower limit is honoured */
    uint8_t *b = repeat("\x80\x02]q\x05", "]q\x06" "a0h\x06", 7, 10, "0h\x05.", &n);
    pk_limits lim = {.max_nesting = 10};
    cr_assert_eq(load_n(b, n, &lim, &e), FROST_ELIMIT);
    lim.max_nesting = 11;
    cr_assert_eq(load_n(b, n, &lim, &e), 0, "%s", e.msg);
    free(b);

    /* a list that contains itself */
    static const char cyc[] = "\x80\x02]q\x00h\x00" "a.";
    cr_assert_eq(pk_load((const uint8_t *)cyc, sizeof cyc - 1, NULL, &g, &e), FROST_EFORMAT);
    cr_assert(strstr(e.msg, "cycle"), "%s", e.msg);
    /* ... but one object referenced twice is no cycle */
    static const char shared[] = "\x80\x02]q\x00)q\x01" "ah\x01" "a.";
    cr_assert_eq(pk_load((const uint8_t *)shared, sizeof shared - 1, NULL, &g, &e), 0, "%s",
                 e.msg);
    cr_assert_eq(pk_item(pk_graph_root(g), 0), pk_item(pk_graph_root(g), 1));
    pk_graph_free(g);

    /* A shared object is measured once: its depth must still count on every path to it. R holds
     * A (600 deep) directly, then through B, 500 deep: 1101 along the second path. */
    uint8_t *a = repeat("\x80\x02]q\x05", "]q\x06" "a0h\x06", 7, 599, "0]q\x07h\x05" "a]q\x08",
                        &n);
    size_t na = n;
    uint8_t *bb = repeat("", "]q\x09" "a0h\x09", 7, 499, "h\x05" "a0h\x08" "a.", &n);
    uint8_t *both = malloc(na + n);
    memcpy(both, a, na);
    memcpy(both + na, bb, n);
    cr_assert_eq(load_n(both, na + n, NULL, &e), FROST_ELIMIT);
    cr_assert(strstr(e.msg, "pk_limits.max_nesting"), "%s", e.msg);
    lim.max_nesting = 1101;
    cr_assert_eq(load_n(both, na + n, &lim, &e), 0, "%s", e.msg);
    lim.max_nesting = 1100;
    cr_assert_eq(load_n(both, na + n, &lim, &e), FROST_ELIMIT);
    free(a);
    free(bb);
    free(both);
}

Test(hostile, memory_limit)
{
    /* 200k distinct strings under a 1 MiB arena */
    fr_err e;
    size_t n = 0;
    uint8_t *b = repeat("\x80\x04(", "\x8c\x08" "abcdefgh", 10, 200000, "l.", &n);
    pk_limits lim = { .max_memory = 1 << 20 };
    cr_assert_eq(load_n(b, n, &lim, &e), FROST_ELIMIT);
    cr_assert(strstr(e.msg, "pk_limits.max_memory"), "%s", e.msg);
    cr_assert_eq(load_n(b, n, NULL, &e), 0, "%s", e.msg);
    free(b);
}

Test(hostile, repeated_builds_are_bounded)
{
    /* BUILDs on one object are kept as a list of states that attribute lookups scan; a stream
     * building the same object 200k times (4 bytes each) is stopped instead of made quadratic */
    fr_err e;
    size_t n = 0;
    uint8_t *b = repeat("\x80\x02" "csklearn.dummy\nDummyRegressor\n)\x81", "}K\x01K\x02sb", 7,
                        200000, ".", &n);
    cr_assert_eq(load_n(b, n, NULL, &e), FROST_ELIMIT);
    cr_assert(strstr(e.msg, "more than 8 times"), "%s", e.msg);
    free(b);
    /* a few are fine, the last one winning */
    b = repeat("\x80\x02" "csklearn.dummy\nDummyRegressor\n)\x81", "}K\x01K\x02sb", 7, 3, ".",
               &n);
    pk_graph *g;
    cr_assert_eq(pk_load(b, n, NULL, &g, &e), 0, "%s", e.msg);
    int64_t v;
    const pk_obj *state = pk_obj_state(pk_graph_root(g));
    cr_assert(pk_get_int(pk_dict_value(state, 0), &v) == 0 && v == 2);
    pk_graph_free(g);
    free(b);
    /* a structured dtype with absurdly many fields */
    b = repeat("\x80\x02" "cnumpy\ndtype\nU\x02V8\x89\x88\x87R(K\x03U\x01|N(", "U\x01" "aU\x01" "a",
               6, 5000, "t}K\x08K\x01K\x10tb.", &n);
    cr_assert_eq(load_n(b, n, NULL, &e), FROST_EUNSUPPORTED, "%s", e.msg);
    free(b);
}

/* Every prefix of a real file fails cleanly with the truncation error. */
static void truncate_everywhere(const char *file, bool plain)
{
    const char *dir = fx_dir(FIX);
    size_t n = 0;
    unsigned char *buf = tu_read_file(fx_path(dir, file), &n);
    cr_assert(buf, "%s", file);
    pk_graph *g;
    fr_err e = { 0 };
    cr_assert_eq(jl_load(buf, n, NULL, &g, &e), 0, "%s: %s", file, e.msg);
    pk_graph_free(g);
    for (size_t cut = 0; cut < n; cut++) {
        /* a fresh copy of exactly `cut` bytes so ASan sees any read past the end */
        unsigned char *part = malloc(cut ? cut : 1);
        memcpy(part, buf, cut);
        int rc = jl_load(part, cut, NULL, &g, &e);
        if (cut == 0) /* nothing left: an empty file, which is no model at all */
            cr_assert_eq(rc, FROST_EFORMAT, "%s cut at 0: %d %s", file, rc, e.msg);
        else
            cr_assert_eq(rc, FROST_ETRUNCATED, "%s cut at %zu: %d %s", file, cut, rc, e.msg);
        if (plain) {
            rc = pk_load(part, cut, NULL, &g, &e);
            cr_assert_eq(rc, FROST_ETRUNCATED, "%s cut at %zu: %d %s", file, cut, rc, e.msg);
        }
        free(part);
    }
    free(buf);
}

Test(hostile, truncated_at_every_offset_pickle)
{
    truncate_everywhere("real_p4.pkl", true);
}

Test(hostile, truncated_at_every_offset_joblib)
{
    truncate_everywhere("real.joblib", false);
}

Test(hostile, truncated_at_every_offset_joblib_zlib)
{
    truncate_everywhere("real.joblib.zlib", false);
}

Test(hostile, flipped_bytes_never_crash)
{
    const char *dir = fx_dir(FIX);
    static const char *const files[] = { "real_p4.pkl", "real.joblib" };
    for (size_t f = 0; f < 2; f++) {
        size_t n = 0;
        unsigned char *buf = tu_read_file(fx_path(dir, files[f]), &n);
        for (size_t i = 0; i < n; i++) {
            for (unsigned bit = 0; bit < 8; bit += 3) {
                unsigned char *copy = malloc(n);
                memcpy(copy, buf, n);
                copy[i] ^= (unsigned char)(1u << bit);
                pk_graph *g = NULL;
                fr_err e = { 0 };
                int rc = jl_load(copy, n, NULL, &g, &e);
                cr_assert(rc <= 0 && (rc == 0) == (g != NULL));
                if (rc)
                    cr_assert(e.msg[0], "error %d without a message", rc);
                pk_graph_free(g);
                free(copy);
            }
        }
        free(buf);
    }
}
