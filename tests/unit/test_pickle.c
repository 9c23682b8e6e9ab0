/*
 * test_pickle.c — the pickle VM (import/pickle.h): hand-assembled opcode streams, every
 * protocol 0–5 as CPython writes it, and every real model file of the shared corpus.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "../import/fixture_util.h"

#define FIX "FROST_PK_FIXTURES"

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

/* Loads a literal stream; returns the code and keeps the graph in *g (NULL on failure). */
static int load_lit(const char *bytes, size_t n, pk_graph **g, fr_err *e)
{
    fr_err_clear(e);
    return pk_load((const uint8_t *)bytes, n, NULL, g, e);
}
#define LOAD(lit, g, e) load_lit(lit, sizeof(lit) - 1, g, e)

/* ---- hand-assembled streams -------------------------------------------------------------- */

Test(pickle_vm, protocol0_scalars)
{
    pk_graph *g;
    fr_err e;
    int64_t v;
    double d;
    int b;
    cr_assert_eq(LOAD("I42\n.", &g, &e), 0, "%s", e.msg);
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == 42);
    pk_graph_free(g);
    cr_assert_eq(LOAD("I01\n.", &g, &e), 0);
    cr_assert(pk_get_bool(pk_graph_root(g), &b) == 0 && b == 1);
    pk_graph_free(g);
    cr_assert_eq(LOAD("I-0x1f\n.", &g, &e), 0, "%s", e.msg);
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == -31);
    pk_graph_free(g);
    cr_assert_eq(LOAD("L123456789012345678901234567890L\n.", &g, &e), 0);
    cr_assert_eq(pk_kind_of(pk_graph_root(g)), PK_BIGINT);
    pk_graph_free(g);
    cr_assert_eq(LOAD("L-9223372036854775808L\n.", &g, &e), 0);
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == INT64_MIN);
    pk_graph_free(g);
    cr_assert_eq(LOAD("F-1.25e-3\n.", &g, &e), 0);
    cr_assert(pk_get_double(pk_graph_root(g), &d) == 0 && d == -1.25e-3);
    pk_graph_free(g);
    cr_assert_eq(LOAD("Fnan\n.", &g, &e), 0);
    cr_assert(pk_get_double(pk_graph_root(g), &d) == 0 && isnan(d));
    pk_graph_free(g);
    cr_assert_eq(LOAD("F1.5x\n.", &g, &e), FROST_EFORMAT);
    cr_assert_eq(LOAD("I12a\n.", &g, &e), FROST_EFORMAT);
}

Test(pickle_vm, protocol0_strings)
{
    pk_graph *g;
    fr_err e;
    size_t n = 0;
    /* raw-unicode-escape: latin-1 bytes, \u escapes, an escaped backslash stays literal */
    cr_assert_eq(LOAD("Vh\xe9\\u2713\\\\u0041\n.", &g, &e), 0, "%s", e.msg);
    const char *s = pk_str(pk_graph_root(g), &n);
    cr_assert_str_eq(s, "h\xc3\xa9\xe2\x9c\x93\\\\u0041");
    pk_graph_free(g);
    cr_assert_eq(LOAD("V\\u12\n.", &g, &e), FROST_EFORMAT);
    /* STRING: a quoted Python 2 repr with escapes */
    cr_assert_eq(LOAD("S'a\\x41\\n\\'\\101'\n.", &g, &e), 0, "%s", e.msg);
    const uint8_t *by = pk_bytes(pk_graph_root(g), &n);
    cr_assert(by && n == 5 && memcmp(by, "aA\n'A", 5) == 0);
    cr_assert(pk_str_eq(pk_graph_root(g), "aA\n'A"), "a Python 2 str reads as a str");
    pk_graph_free(g);
    cr_assert_eq(LOAD("S'unquoted\n.", &g, &e), FROST_EFORMAT);
}

/* BINUNICODE is UTF-8 decoded with 'surrogatepass' (pickle.dumps('\udc80') writes ED B2 80), so
 * an encoded surrogate is text; overlong forms and code points beyond U+10FFFF are not. */
Test(pickle_vm, binunicode_utf8_as_pickle_decodes_it)
{
    pk_graph *g;
    fr_err e;
    size_t n = 0;
    cr_assert_eq(LOAD("\x80\x04\x8c\x03\xed\xb2\x80.", &g, &e), 0, "%s", e.msg);
    const char *s = pk_str(pk_graph_root(g), &n);
    cr_assert(s && n == 3 && memcmp(s, "\xed\xb2\x80", 3) == 0);
    pk_graph_free(g);
    cr_assert_eq(LOAD("\x80\x04\x8c\x02\xc0\x80.", &g, &e), FROST_EFORMAT);
    cr_assert(strstr(e.msg, "string is not valid UTF-8"), "%s", e.msg);
    cr_assert_eq(LOAD("\x80\x04\x8c\x04\xf4\x90\x80\x80.", &g, &e), FROST_EFORMAT);
    cr_assert_eq(LOAD("\x80\x04\x8c\x02\xe2\x9c.", &g, &e), FROST_EFORMAT);
}

Test(pickle_vm, binary_scalars_and_bigint)
{
    pk_graph *g;
    fr_err e;
    int64_t v;
    double d;
    cr_assert_eq(LOAD("\x80\x02J\xfe\xff\xff\xff.", &g, &e), 0);
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == -2);
    pk_graph_free(g);
    cr_assert_eq(LOAD("\x80\x02M\xff\xff.", &g, &e), 0);
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == 65535);
    pk_graph_free(g);
    /* LONG1 of 9 bytes whose top byte is sign extension: still an int64 */
    cr_assert_eq(LOAD("\x80\x02\x8a\x09\x01\x00\x00\x00\x00\x00\x00\x80\xff.", &g, &e), 0);
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == INT64_MIN + 1);
    pk_graph_free(g);
    cr_assert_eq(LOAD("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", &g, &e), 0);
    cr_assert_eq(pk_kind_of(pk_graph_root(g)), PK_BIGINT);
    cr_assert_eq(pk_get_int(pk_graph_root(g), &v), FROST_ELIMIT);
    cr_assert_eq(pk_get_double(pk_graph_root(g), &d), FROST_ELIMIT);
    pk_graph_free(g);
    cr_assert_eq(LOAD("\x80\x02\x8a\x00.", &g, &e), 0);
    cr_assert(pk_get_int(pk_graph_root(g), &v) == 0 && v == 0);
    pk_graph_free(g);
    cr_assert_eq(LOAD("\x80\x02\x8b\xff\xff\xff\xff.", &g, &e), FROST_EFORMAT);
    cr_assert_eq(LOAD("\x80\x02G\x3f\xf8\x00\x00\x00\x00\x00\x00.", &g, &e), 0);
    cr_assert(pk_get_double(pk_graph_root(g), &d) == 0 && d == 1.5);
    pk_graph_free(g);
    /* 2**53 + 1 is an int but not a double */
    cr_assert_eq(LOAD("\x80\x02\x8a\x08\x01\x00\x00\x00\x00\x00\x20\x00.", &g, &e), 0);
    cr_assert_eq(pk_get_double(pk_graph_root(g), &d), FROST_ELIMIT);
    pk_graph_free(g);
}

Test(pickle_vm, containers_memo_and_marks)
{
    pk_graph *g;
    fr_err e;
    int64_t v;
    /* [1, 2] memoized, then a tuple holding it twice */
    cr_assert_eq(LOAD("\x80\x02](K\x01K\x02" "eq\x05h\x05\x86.", &g, &e), 0, "%s", e.msg);
    const pk_obj *t = pk_graph_root(g);
    cr_assert_eq(pk_kind_of(t), PK_TUPLE);
    cr_assert_eq(pk_item(t, 0), pk_item(t, 1));
    cr_assert(pk_get_int(pk_item(pk_item(t, 0), 1), &v) == 0 && v == 2);
    pk_graph_free(g);
    /* protocol 0 dict with SETITEM; later keys win in pk_dict_get */
    cr_assert_eq(LOAD("(dp0\nVa\nI1\nsVa\nI2\ns.", &g, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_len(pk_graph_root(g)), 2);
    cr_assert(pk_get_int(pk_dict_get(pk_graph_root(g), "a"), &v) == 0 && v == 2);
    pk_graph_free(g);
    /* sets: EMPTY_SET + ADDITEMS, FROZENSET */
    cr_assert_eq(LOAD("\x80\x04\x8f(K\x01K\x02\x90.", &g, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_len(pk_graph_root(g)), 2);
    pk_graph_free(g);
    cr_assert_eq(LOAD("\x80\x04(K\x01\x91.", &g, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_kind_of(pk_graph_root(g)), PK_SET);
    pk_graph_free(g);
    /* POP_MARK discards, DUP duplicates */
    cr_assert_eq(LOAD("\x80\x02K\x07(K\x01K\x02" "1" "2\x86.", &g, &e), 0, "%s", e.msg);
    cr_assert(pk_get_int(pk_item(pk_graph_root(g), 1), &v) == 0 && v == 7);
    pk_graph_free(g);
}

Test(pickle_vm, stack_misuse_is_an_error)
{
    pk_graph *g;
    fr_err e;
    cr_assert_eq(LOAD(".", &g, &e), FROST_EFORMAT);
    cr_assert_null(g);
    cr_assert_eq(LOAD("\x80\x02" "a.", &g, &e), FROST_EFORMAT);
    cr_assert_eq(LOAD("\x80\x02t.", &g, &e), FROST_EFORMAT);
    cr_assert_eq(LOAD("\x80\x02" "1.", &g, &e), FROST_EFORMAT);
    /* a pop may not cross the last MARK */
    cr_assert_eq(LOAD("\x80\x02K\x01(\x85.", &g, &e), FROST_EFORMAT);
    cr_assert_eq(LOAD("\x80\x02(]e.", &g, &e), FROST_EFORMAT, "APPENDS without a list below");
    cr_assert_eq(LOAD("\x80\x02}(K\x01u.", &g, &e), FROST_EFORMAT, "odd SETITEMS");
    cr_assert_eq(LOAD("\x80\x02K\x01K\x02" "a.", &g, &e), FROST_EFORMAT, "APPEND to an int");
    cr_assert_eq(LOAD("\x80\x02h\x03.", &g, &e), FROST_EFORMAT, "undefined memo key");
    cr_assert(strstr(e.msg, "memo key 3"), "%s", e.msg);
    cr_assert_eq(LOAD("\x80\x02\xff.", &g, &e), FROST_EFORMAT);
    cr_assert(strstr(e.msg, "unknown opcode 0xff"), "%s", e.msg);
    cr_assert_eq(LOAD("\x80\x02K\x01K\x02R.", &g, &e), FROST_EFORMAT, "REDUCE on an int");
}

Test(pickle_vm, unsupported_features)
{
    pk_graph *g;
    fr_err e;
    cr_assert_eq(LOAD("\x80\x06K\x01.", &g, &e), FROST_EUNSUPPORTED);
    cr_assert_eq(LOAD("Pabc\n.", &g, &e), FROST_EUNSUPPORTED);
    cr_assert_eq(LOAD("\x80\x02K\x01Q.", &g, &e), FROST_EUNSUPPORTED);
    cr_assert_eq(LOAD("\x80\x02\x82\x01.", &g, &e), FROST_EUNSUPPORTED);
    cr_assert_eq(LOAD("\x80\x05\x97.", &g, &e), FROST_EUNSUPPORTED);
    cr_assert(strstr(e.msg, "NEXT_BUFFER"), "%s", e.msg);
    /* READONLY_BUFFER on an in-band buffer is harmless */
    cr_assert_eq(LOAD("\x80\x05\x96\x01\x00\x00\x00\x00\x00\x00\x00x\x98.", &g, &e), 0);
    pk_graph_free(g);
}

Test(pickle_vm, globals_refused_unsupported_and_aliased)
{
    pk_graph *g;
    fr_err e;
    cr_assert_eq(LOAD("cposix\nsystem\n.", &g, &e), FROST_EREFUSED);
    cr_assert_str_eq(e.msg, "refusing to import: pickle references posix.system, which is not "
                            "a scikit-learn/numpy type");
    cr_assert_eq(LOAD("\x80\x02" "csklearn.svm._classes\nSVC\n)\x81.", &g, &e),
                 FROST_EUNSUPPORTED);
    cr_assert_str_eq(e.msg, "not supported yet: sklearn.svm._classes.SVC");
    cr_assert_eq(LOAD("\x80\x02" "csklearn.svm.classes\nSVC\n)\x81.", &g, &e),
                 FROST_EUNSUPPORTED);
    cr_assert_str_eq(e.msg, "not supported yet: sklearn.svm._classes.SVC");
    /* a name no import could resolve is damage, not a foreign class (a text file whose first
     * line starts with 'c' reads so); its control bytes are escaped in the message */
    cr_assert_eq(LOAD("cos\x01\nsystem\n.", &g, &e), FROST_EFORMAT);
    cr_assert_str_eq(e.msg, "malformed pickle at offset 0: global 'os\\x01' 'system' is not a "
                            "module and a name");
    cr_assert_eq(LOAD("city,population\nLondon,9\n.", &g, &e), FROST_EFORMAT, "%s", e.msg);
    cr_assert_eq(LOAD("\x80\x04\x8c\x02os\x8c\x08.system.\x93.", &g, &e), FROST_EFORMAT);
    /* old module paths map to the current class name */
    cr_assert_eq(LOAD("\x80\x02" "csklearn.tree.tree\nDecisionTreeClassifier\n)\x81}b.", &g, &e),
                 0, "%s", e.msg);
    cr_assert_str_eq(pk_class_name(pk_graph_root(g)),
                     "sklearn.tree._classes.DecisionTreeClassifier");
    pk_graph_free(g);
    /* Python 2 names through _compat_pickle */
    cr_assert_eq(LOAD("ccopy_reg\n_reconstructor\n(csklearn.dummy\nDummyRegressor\nc__builtin__"
                      "\nobject\nNtR(dVconstant\nI3\nsb.",
                      &g, &e),
                 0, "%s", e.msg);
    cr_assert(pk_is_class(pk_graph_root(g), "sklearn.dummy.DummyRegressor"));
    int64_t v;
    cr_assert(pk_get_int(pk_attr(pk_graph_root(g), "constant"), &v) == 0 && v == 3);
    pk_graph_free(g);
    /* an admitted type may be a value but is never called */
    cr_assert_eq(LOAD("\x80\x02" "cnumpy\nfloat64\nK\x01\x85R.", &g, &e), FROST_EREFUSED);
    cr_assert(strstr(e.msg, "numpy.float64"), "%s", e.msg);
}

Test(pickle_vm, objects_states_and_items)
{
    pk_graph *g;
    fr_err e;
    int64_t v;
    /* NEWOBJ_EX with kwargs, two BUILDs (the later wins), then APPENDS on the object */
    static const char s[] = "\x80\x04\x8c\x10sklearn.pipeline\x8c\x08Pipeline\x93)}\x8c\x01k"
                            "K\x05s\x92}\x8c\x01" "aK\x01sb}\x8c\x01" "aK\x02sb(K\x09" "e.";
    cr_assert_eq(load_lit(s, sizeof s - 1, &g, &e), 0, "%s", e.msg);
    const pk_obj *o = pk_graph_root(g);
    cr_assert(pk_is_class(o, "sklearn.pipeline.Pipeline"));
    cr_assert(pk_get_int(pk_dict_get(pk_obj_kwargs(o), "k"), &v) == 0 && v == 5);
    cr_assert(pk_get_int(pk_attr(o, "a"), &v) == 0 && v == 2);
    cr_assert(pk_get_int(pk_item(pk_obj_listitems(o), 0), &v) == 0 && v == 9);
    cr_assert_null(pk_attr(o, "missing"));
    pk_graph_free(g);
    /* (dict, slots) state */
    static const char s2[] = "\x80\x02" "csklearn.dummy\nDummyRegressor\n)\x81}U\x01xK\x01s}U\x01yK"
                             "\x02s\x86" "b.";
    cr_assert_eq(load_lit(s2, sizeof s2 - 1, &g, &e), 0, "%s", e.msg);
    cr_assert(pk_get_int(pk_attr(pk_graph_root(g), "y"), &v) == 0 && v == 2);
    cr_assert(pk_get_int(pk_attr(pk_graph_root(g), "x"), &v) == 0 && v == 1);
    pk_graph_free(g);
    /* BUILD on an int is malformed */
    cr_assert_eq(LOAD("\x80\x02K\x01}b.", &g, &e), FROST_EFORMAT);
}

/* numpy dtype/array streams assembled by hand: the cases Python would never write. */
#define NP_DTYPE_F8 "cnumpy\ndtype\nX\x02\x00\x00\x00" "f8\x89\x88\x87R"
#define NP_STATE_F8 "(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
#define NP_RECON "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" "C\x01" "b\x87R"

Test(pickle_vm, numpy_hand_made)
{
    pk_graph *g;
    fr_err e;
    double d[2];
    /* a well-formed array of 2 doubles */
    static const char ok[] = "\x80\x03" NP_RECON "(K\x01K\x02\x85" NP_DTYPE_F8 NP_STATE_F8
                             "\x89" "C\x10\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00"
                             "\x00@tb.";
    cr_assert_eq(load_lit(ok, sizeof ok - 1, &g, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_array_get_f64(pk_graph_root(g), NULL, d, 2, &e), 0, "%s", e.msg);
    cr_assert(d[0] == 1.0 && d[1] == 2.0);
    cr_assert_eq(pk_array_get_f64(pk_graph_root(g), NULL, d, 1, &e), FROST_EINVAL);
    pk_graph_free(g);
    /* a Python 2 pickle hands the data over as a str (SHORT_BINSTRING) */
    static const char py2[] = "\x80\x02" NP_RECON "(K\x01K\x02\x85" NP_DTYPE_F8 NP_STATE_F8
                              "\x89" "U\x10\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00"
                              "\x00\x00@tb.";
    cr_assert_eq(load_lit(py2, sizeof py2 - 1, &g, &e), 0, "%s", e.msg);
    cr_assert_eq(pk_array_get_f64(pk_graph_root(g), NULL, d, 2, &e), 0, "%s", e.msg);
    cr_assert(d[0] == 1.0 && d[1] == 2.0);
    pk_graph_free(g);
    /* data one byte short */
    static const char short_data[] = "\x80\x03" NP_RECON "(K\x01K\x02\x85" NP_DTYPE_F8
                                     NP_STATE_F8 "\x89" "C\x0f\x00\x00\x00\x00\x00\x00\xf0?\x00"
                                     "\x00\x00\x00\x00\x00\x00tb.";
    cr_assert_eq(load_lit(short_data, sizeof short_data - 1, &g, &e), FROST_EFORMAT);
    cr_assert(strstr(e.msg, "does not match"), "%s", e.msg);
    /* a huge shape whose product overflows */
    static const char huge[] = "\x80\x03" NP_RECON "(K\x01(J\xff\xff\xff\x7fJ\xff\xff\xff\x7fJ\xff"
                               "\xff\xff\x7fJ\xff\xff\xff\x7ft" NP_DTYPE_F8 NP_STATE_F8
                               "\x89" "C\x00tb.";
    cr_assert_eq(load_lit(huge, sizeof huge - 1, &g, &e), FROST_ELIMIT, "%s", e.msg);
    /* a dtype's state set twice */
    static const char twice[] = "\x80\x03" NP_DTYPE_F8 NP_STATE_F8
                                "(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK"
                                "\x00tb.";
    cr_assert_eq(load_lit(twice, sizeof twice - 1, &g, &e), FROST_EFORMAT);
    /* a structured field beyond its record: V8 with an f8 at offset 4 */
    static const char field[] = "\x80\x03" "cnumpy\ndtype\nX\x02\x00\x00\x00V8\x89\x88\x87R"
                                "(K\x03X\x01\x00\x00\x00|NX\x01\x00\x00\x00" "a\x85}X\x01\x00\x00"
                                "\x00" "a" NP_DTYPE_F8 NP_STATE_F8 "K\x04\x86sK\x08K\x01K\x10tb.";
    cr_assert_eq(load_lit(field, sizeof field - 1, &g, &e), FROST_EFORMAT);
    cr_assert(strstr(e.msg, "outside its record"), "%s", e.msg);
    /* _reconstruct of a non-empty placeholder is refused (numpy would allocate it) */
    static const char big[] = "\x80\x03" "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
                              "J\xff\xff\xff\x7f\x85" "C\x01" "b\x87R.";
    cr_assert_eq(load_lit(big, sizeof big - 1, &g, &e), FROST_EFORMAT);
    /* unknown dtype strings are unsupported, not guessed */
    cr_assert_eq(LOAD("\x80\x03" "cnumpy\ndtype\nX\x02\x00\x00\x00q9\x89\x88\x87R.", &g, &e),
                 FROST_EUNSUPPORTED);
}

/* ---- Python-written fixtures ------------------------------------------------------------- */

static pk_graph *load_file_pk(const char *path, fr_err *e)
{
    size_t n = 0;
    unsigned char *buf = tu_read_file(path, &n);
    cr_assert(buf, "cannot read %s", path);
    pk_graph *g = NULL;
    int rc = pk_load(buf, n, NULL, &g, e);
    cr_assert_eq(rc, 0, "%s: %s", path, e->msg);
    /* the graph may point into buf: dump it while buf is alive, then check it is whole */
    FILE *devnull = fopen("/dev/null", "w");
    pk_dump(pk_graph_root(g), devnull, 64, 1000);
    fclose(devnull);
    /* keep buf alive for the caller by leaking into the graph's lifetime: tests free both */
    static unsigned char *keep[16];
    static unsigned nkeep;
    free(keep[nkeep % 16]);
    keep[nkeep++ % 16] = buf;
    return g;
}

Test(pickle_fixtures, values_every_protocol)
{
    const char *dir = fx_dir(FIX);
    for (int p = 0; p <= 5; p++) {
        char name[32];
        snprintf(name, sizeof name, "values_p%d.pkl", p);
        fr_err e = { 0 };
        pk_graph *g = load_file_pk(fx_path(dir, name), &e);
        fx_check_values(pk_graph_root(g), name);
        pk_graph_free(g);
    }
}

Test(pickle_fixtures, models_every_protocol)
{
    const char *dir = fx_dir(FIX);
    char **files;
    size_t nf = fx_expect_files(dir, &files);
    cr_assert(nf > 0);
    size_t checked = 0;
    for (size_t i = 0; i < nf; i++) {
        if (!strstr(files[i], ".pkl")) {
            free(files[i]);
            continue; /* joblib containers are test_joblib.c's */
        }
        fr_err e = { 0 };
        pk_graph *g = load_file_pk(fx_path(dir, files[i]), &e);
        fx_check_model(dir, files[i], pk_graph_root(g));
        pk_graph_free(g);
        free(files[i]);
        checked++;
    }
    free(files);
    cr_assert_eq(checked, 5 * 6, "every model in every protocol");
}

/* ---- the shared corpus of real files ----------------------------------------------------- */

static pk_graph *load_corpus(const char *name, int want_rc, fr_err *e)
{
    pk_graph *g = NULL;
    fr_err_clear(e);
    int rc = jl_load_file(fx_path(fx_corpus(), name), NULL, &g, e);
    cr_assert_eq(rc, want_rc, "%s: %d %s", name, rc, e->msg);
    return g;
}

static void check_version(const pk_obj *est, const char *want)
{
    cr_assert(pk_str_eq(fx_get(est, "_sklearn_version"), want), "version of %s",
              pk_class_name(est));
}

Test(corpus, decision_tree_0_18)
{
    fr_err e;
    pk_graph *g = load_corpus("0_18_1-decision_tree_clf-joblib_proto3.pkl", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.tree._classes.DecisionTreeClassifier");
    check_version(m, "0.18.1");
    cr_assert_eq(fx_int(m, "n_features_"), 6);
    cr_assert_null(pk_attr(m, "n_features_in_"));
    uint64_t nodes = 0;
    cr_assert_eq(fx_check_trees(m, &nodes, NULL, NULL, NULL), 1);
    cr_assert_eq(nodes, 129);
    pk_graph_free(g);
}

Test(corpus, linear_regressions)
{
    fr_err e;
    pk_graph *g = load_corpus("0_20_2-linear_regression-joblib_proto3.pkl", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.linear_model._base.LinearRegression");
    check_version(m, "0.20.2");
    cr_assert_eq(pk_kind_of(fx_get(m, "intercept_")), PK_SCALAR);
    cr_assert_eq(fx_dbl(m, "intercept_"), 206990.92072432171);
    pk_array_info ai;
    cr_assert_eq(pk_array_info_get(fx_get(m, "coef_"), &ai), 0);
    cr_assert(ai.ndim == 1 && ai.count == 16);
    pk_graph_free(g);

    g = load_corpus("0_21_3-linear_regression-proto3.pkl", 0, &e);
    m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.linear_model._base.LinearRegression");
    check_version(m, "0.21.3");
    cr_assert_eq(pk_array_info_get(fx_get(m, "coef_"), &ai), 0);
    double intercept;
    cr_assert_eq(pk_get_double(fx_get(m, "intercept_"), &intercept), 0);
    pk_graph_free(g);
}

Test(corpus, random_forest_protocol2)
{
    fr_err e;
    pk_graph *g = load_corpus("0_21_3-random_forest_clf-proto2.pkl", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.ensemble._forest.RandomForestClassifier");
    check_version(m, "0.21.3");
    cr_assert_eq(fx_int(m, "n_estimators"), 10);
    pk_array_info ai;
    cr_assert_eq(pk_array_info_get(fx_get(m, "classes_"), &ai), 0);
    cr_assert(ai.kind == 'i' && ai.itemsize == 4, "int32 classes_");
    uint64_t nodes = 0;
    cr_assert_eq(fx_check_trees(m, &nodes, NULL, NULL, NULL), 10);
    cr_assert_str_eq(pk_class_name(pk_item(fx_get(m, "estimators_"), 0)),
                     "sklearn.tree._classes.DecisionTreeClassifier");
    pk_graph_free(g);
}

Test(corpus, random_forest_zlib_nested_object_array)
{
    fr_err e;
    pk_graph *g = load_corpus("1_0_1-random_forest_clf-joblib_zlib_proto3.joblib", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    check_version(m, "1.0.1");
    cr_assert_eq(fx_int(m, "n_estimators"), 75);
    uint64_t nodes = 0;
    cr_assert_eq(fx_check_trees(m, &nodes, NULL, NULL, NULL), 75);
    char name[64];
    cr_assert_eq(pk_array_get_str(fx_get(m, "feature_names_in_"), 0, name, sizeof name, NULL,
                                  &e), 0, "%s", e.msg);
    cr_assert_str_eq(name, "Gender");
    cr_assert_eq(pk_array_get_str(fx_get(m, "feature_names_in_"), 7, name, sizeof name, NULL,
                                  &e), 0, "%s", e.msg);
    cr_assert_str_eq(name, "Credit_History");
    pk_graph_free(g);
}

Test(corpus, pipeline_column_transformer)
{
    fr_err e;
    pk_graph *g = load_corpus("1_1_3-pipeline_column_transformer-joblib_proto4.joblib", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.pipeline.Pipeline");
    check_version(m, "1.1.3");
    const pk_obj *step = pk_item(fx_get(m, "steps"), 0);
    const pk_obj *ct = pk_item(step, 1);
    cr_assert_str_eq(pk_class_name(ct), "sklearn.compose._column_transformer.ColumnTransformer");
    const pk_obj *tr = fx_get(ct, "transformers_");
    const pk_obj *num = pk_item(pk_item(tr, 0), 1);
    cr_assert_str_eq(pk_class_name(num), "sklearn.pipeline.Pipeline");
    const pk_obj *imp = pk_item(pk_item(fx_get(num, "steps"), 0), 1);
    cr_assert_str_eq(pk_class_name(imp), "sklearn.impute._base.SimpleImputer");
    const pk_obj *cat = pk_item(pk_item(tr, 1), 1);
    const pk_obj *ohe = pk_item(pk_item(fx_get(cat, "steps"), 1), 1);
    cr_assert_str_eq(pk_class_name(ohe), "sklearn.preprocessing._encoders.OneHotEncoder");
    cr_assert(pk_str_eq(fx_get(ohe, "handle_unknown"), "ignore"));
    pk_graph_free(g);
}

Test(corpus, logistic_regression)
{
    fr_err e;
    pk_graph *g = load_corpus("1_2_1-logistic_regression-joblib_proto4.joblib", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.linear_model._logistic.LogisticRegression");
    check_version(m, "1.2.1");
    cr_assert(pk_str_eq(fx_get(m, "solver"), "liblinear"));
    cr_assert_eq(fx_dbl(m, "C"), 206.913808111479);
    pk_array_info ai;
    cr_assert_eq(pk_array_info_get(fx_get(m, "coef_"), &ai), 0);
    cr_assert_eq(ai.ndim, 2);
    cr_assert_eq(ai.shape[0], 1);
    pk_graph_free(g);
}

Test(corpus, random_forest_regressor_500_trees)
{
    fr_err e;
    pk_graph *g = load_corpus("1_2_2-random_forest_reg-joblib_zlib_proto4.pkl.z", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.ensemble._forest.RandomForestRegressor");
    check_version(m, "1.2.2");
    cr_assert_eq(fx_int(m, "max_depth"), 30);
    uint64_t nodes = 0;
    cr_assert_eq(fx_check_trees(m, &nodes, NULL, NULL, NULL), 500);
    pk_graph_free(g);
}

Test(corpus, extra_trees_aligned_missing_go_to_left)
{
    fr_err e;
    pk_graph *g = load_corpus("1_5_1-extra_trees_clf-joblib_aligned_proto4.pkl", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.ensemble._forest.ExtraTreesClassifier");
    check_version(m, "1.5.1");
    uint64_t nodes = 0;
    cr_assert_eq(fx_check_trees(m, &nodes, NULL, NULL, NULL), 100);
    const pk_obj *tree = fx_get(pk_item(fx_get(m, "estimators_"), 0), "tree_");
    const pk_obj *nd = fx_get(tree, "nodes");
    pk_array_info ai;
    cr_assert_eq(pk_array_info_get(nd, &ai), 0);
    /* sklearn >= 1.3 node records: 64 bytes, missing_go_to_left a u1 at 56 */
    pk_field_info fi;
    cr_assert_eq(pk_array_field_info(nd, 7, &fi), 0);
    cr_assert_str_eq(fi.name, "missing_go_to_left");
    cr_assert(fi.offset == 56 && fi.kind == 'u' && fi.itemsize == 1);
    cr_assert_eq(pk_array_field_info(nd, 3, &fi), 0);
    cr_assert(fi.offset == 24 && fi.kind == 'f' && fi.itemsize == 8 && fi.byteorder == '<');
    cr_assert_eq(pk_array_field_info(nd, 8, &fi), FROST_EFORMAT);
    int64_t *mg = malloc(ai.count * sizeof *mg);
    cr_assert_eq(pk_array_get_i64(nd, "missing_go_to_left", mg, ai.count, &e), 0, "%s", e.msg);
    for (uint64_t i = 0; i < ai.count; i++)
        cr_assert(mg[i] == 0 || mg[i] == 1);
    free(mg);
    char a[16], b[16];
    cr_assert_eq(pk_array_get_str(fx_get(m, "feature_names_in_"), 1, a, sizeof a, NULL, &e), 0);
    cr_assert_eq(pk_array_get_str(fx_get(m, "feature_names_in_"), 5, b, sizeof b, NULL, &e), 0);
    cr_assert_str_eq(a, "Job");
    cr_assert_str_eq(b, "Job");
    pk_graph_free(g);
}

Test(corpus, column_transformer_gzip_numpy2)
{
    fr_err e;
    pk_graph *g = load_corpus("1_6_1-column_transformer-joblib_gzip_aligned_numpy2.joblib.gz", 0,
                              &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.compose._column_transformer.ColumnTransformer");
    check_version(m, "1.6.1");
    const pk_obj *rem = pk_item(fx_get(m, "_remainder"), 2);
    cr_assert_str_eq(pk_class_name(rem), "sklearn.compose._column_transformer._RemainderColsList");
    const pk_obj *sl = fx_get(fx_get(m, "output_indices_"), "num");
    cr_assert(pk_is_class(sl, "builtins.slice"));
    int64_t stop;
    cr_assert_eq(pk_get_int(pk_item(pk_obj_args(sl), 1), &stop), 0);
    cr_assert_eq(stop, 9);
    pk_graph_free(g);
}

Test(corpus, sklearn_1_8)
{
    fr_err e;
    pk_graph *g = load_corpus("1_8_0-decision_tree_clf-proto4.pkl", 0, &e);
    const pk_obj *m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.tree._classes.DecisionTreeClassifier");
    check_version(m, "1.8.0");
    cr_assert_eq(fx_int(m, "n_classes_"), 3);
    uint64_t nodes = 0;
    fx_check_trees(m, &nodes, NULL, NULL, NULL);
    cr_assert_eq(nodes, 43);
    pk_graph_free(g);

    g = load_corpus("1_8_0-random_forest_clf-numpy2_proto5.pkl", 0, &e);
    m = pk_graph_root(g);
    cr_assert_str_eq(pk_class_name(m), "sklearn.ensemble._forest.RandomForestClassifier");
    check_version(m, "1.8.0");
    cr_assert_eq(fx_int(m, "n_features_in_"), 64);
    nodes = 0;
    cr_assert_eq(fx_check_trees(m, &nodes, NULL, NULL, NULL), 100);
    pk_graph_free(g);
}

Test(corpus, refused_files)
{
    fr_err e;
    pk_graph *g = load_corpus("refuse-custom_class-proto3.pkl", FROST_EREFUSED, &e);
    cr_assert_null(g);
    cr_assert_str_eq(e.msg, "refusing to import: pickle references tree.Tree.DecisionTree, "
                            "which is not a scikit-learn/numpy type");
    g = load_corpus("refuse-truncated-joblib_proto4.joblib", FROST_ETRUNCATED, &e);
    cr_assert_null(g);
    cr_assert_str_eq(e.msg, "truncated pickle stream (3025 bytes; ends before STOP)");
}

Test(corpus, every_file_in_manifest)
{
    /* Whatever MANIFEST.tsv lists parses or fails as its `expected` column says. */
    FILE *f = fopen(fx_path(fx_corpus(), "MANIFEST.tsv"), "r");
    cr_assert(f, "no corpus at %s (set FROST_SHARED)", fx_corpus());
    char line[4096];
    size_t n = 0;
    cr_assert(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        char *save, *file = strtok_r(line, "\t", &save);
        for (int col = 1; col < 5; col++)
            strtok_r(NULL, "\t", &save);
        char *expected = strtok_r(NULL, "\t", &save);
        cr_assert(file && expected);
        fr_err e = { 0 };
        pk_graph *g = NULL;
        int rc = jl_load_file(fx_path(fx_corpus(), file), NULL, &g, &e);
        if (strncmp(expected, "refuse", 6) == 0)
            cr_assert(rc < 0 && rc >= -127 && !g, "%s should be refused", file);
        else
            cr_assert_eq(rc, 0, "%s: %s", file, e.msg);
        pk_graph_free(g);
        n++;
    }
    fclose(f);
    cr_assert_eq(n, 14);
}
