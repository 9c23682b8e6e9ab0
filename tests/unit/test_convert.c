/*
 * test_convert.c — frost_convert's options and error channel (frost_import.h): converted_at
 * makes a conversion reproducible byte for byte and is bounded; frost_import_errmsg() is the
 * detail of this thread's last failure and empty after a success; frost_convert_buffer writes
 * the same bytes from memory as frost_convert from the file; the caller's metadata pairs are
 * recorded, and refused (before anything is written) when they would replace frost's own or are
 * malformed; a classifier's file records its classes_ dtype.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../import/fixture_util.h"
#include "frost_import.h"
#include "frost.h"
#include "testutil.h"

static const char *corpus_model(void)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/1_1_3-pipeline_column_transformer-joblib_proto4.joblib",
             fx_corpus());
    cr_assert(fx_exists(path), "no corpus at %s (set FROST_SHARED)", fx_corpus());
    return path;
}

Test(convert, converted_at_makes_equal_bytes)
{
    char *dir = tu_tmpdir(), a[4096], b[4096];
    snprintf(a, sizeof a, "%s/a.frost", dir);
    snprintf(b, sizeof b, "%s/b.frost", dir);
    frost_convert_options o;
    frost_convert_options_init(&o);
    cr_assert_eq(o.converted_at, FROST_CONVERTED_NOW, "the default is the current time");
    o.converted_at = 0; /* 1970-01-01T00:00:00Z is a time like any other */
    cr_assert_eq(frost_convert(corpus_model(), a, &o), 0, "%s", frost_import_errmsg());
    cr_assert_str_empty(frost_import_errmsg());
    cr_assert_eq(frost_convert(corpus_model(), b, &o), 0, "%s", frost_import_errmsg());
    size_t na = 0, nb = 0;
    unsigned char *fa = tu_read_file(a, &na), *fb = tu_read_file(b, &nb);
    cr_assert(fa && fb && na == nb && memcmp(fa, fb, na) == 0);
    cr_assert(memmem(fa, na, "1970-01-01T00:00:00Z", 20), "converted_at is the time given");
    free(fa);
    free(fb);
    free(dir);
}

Test(convert, converted_at_out_of_range_is_refused)
{
    char *dir = tu_tmpdir(), out[4096];
    snprintf(out, sizeof out, "%s/m.frost", dir);
    frost_convert_options o;
    frost_convert_options_init(&o);
    const int64_t bad[] = {-2, INT64_MIN, FROST_CONVERTED_AT_MAX + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.converted_at = bad[i];
        cr_expect_eq(frost_convert(corpus_model(), out, &o), FROST_EINVAL);
        cr_expect(strstr(frost_import_errmsg(), "converted_at"), "%s", frost_import_errmsg());
        cr_expect(!fx_exists(out), "nothing is written");
    }
    o.converted_at = FROST_CONVERTED_AT_MAX;
    cr_expect_eq(frost_convert(corpus_model(), out, &o), 0, "%s", frost_import_errmsg());
    free(dir);
}

Test(convert, errmsg_is_the_last_conversions)
{
    char *dir = tu_tmpdir(), out[4096];
    snprintf(out, sizeof out, "%s/m.frost", dir);
    cr_assert_eq(frost_convert("/no/such/model.pkl", out, NULL), FROST_EIO);
    cr_assert(strstr(frost_import_errmsg(), "/no/such/model.pkl"), "%s", frost_import_errmsg());
    cr_assert_eq(frost_convert(corpus_model(), out, NULL), 0);
    cr_assert_str_empty(frost_import_errmsg(), "a success clears the last failure");
    free(dir);
}

static char *out_in(const char *dir, const char *name)
{
    static char buf[2][4096];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

Test(convert, buffer_gives_the_files_bytes)
{
    char *dir = tu_tmpdir();
    char *a = strdup(out_in(dir, "file.frost")), *b = strdup(out_in(dir, "mem.frost"));
    frost_convert_options o;
    frost_convert_options_init(&o);
    o.converted_at = 1700000000;
    size_t n = 0;
    unsigned char *src = tu_read_file(corpus_model(), &n);
    cr_assert(src && n > 0);
    cr_assert_eq(frost_convert(corpus_model(), a, &o), 0, "%s", frost_import_errmsg());
    /* the name stands for the file: its last component is source_file */
    const char *name = strrchr(corpus_model(), '/') + 1;
    cr_assert_eq(frost_convert_buffer(src, n, name, b, &o), 0, "%s", frost_import_errmsg());
    cr_assert_str_empty(frost_import_errmsg());
    size_t na = 0, nb = 0;
    unsigned char *fa = tu_read_file(a, &na), *fb = tu_read_file(b, &nb);
    cr_assert(fa && fb && na == nb && memcmp(fa, fb, na) == 0, "the same bytes");
    /* without a name: "<memory>" */
    cr_assert_eq(frost_convert_buffer(src, n, NULL, b, &o), 0, "%s", frost_import_errmsg());
    frost_model *m;
    cr_assert_eq(frost_open(b, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_str_eq(frost_meta_get(m, "source_file"), "<memory>");
    frost_close(m);
    free(fa);
    free(fb);
    free(src);
    free(a);
    free(b);
    free(dir);
}

Test(convert, buffer_errors_are_the_files)
{
    char *dir = tu_tmpdir(), *out = out_in(dir, "m.frost");
    cr_expect_eq(frost_convert_buffer(NULL, 5, "x", out, NULL), FROST_EINVAL);
    cr_expect(strstr(frost_import_errmsg(), "NULL data"), "%s", frost_import_errmsg());
    cr_expect_eq(frost_convert_buffer("x", 1, "x", NULL, NULL), FROST_EINVAL);
    cr_expect_eq(frost_convert_buffer(NULL, 0, "empty.pkl", out, NULL), FROST_EFORMAT);
    cr_expect(strstr(frost_import_errmsg(), "empty"), "%s", frost_import_errmsg());
    const char text[] = "a,b\n1,2\n";
    cr_expect_eq(frost_convert_buffer(text, sizeof text - 1, "rows.csv", out, NULL),
                 FROST_EFORMAT);
    cr_expect(strstr(frost_import_errmsg(), "not a pickle or joblib"), "%s",
              frost_import_errmsg());
    /* a pickle naming os.system, in memory: refused as from a file */
    const char evil[] = "cos\nsystem\n(S'true'\ntR.";
    cr_expect_eq(frost_convert_buffer(evil, sizeof evil - 1, "evil.pkl", out, NULL),
                 FROST_EREFUSED);
    cr_expect(strstr(frost_import_errmsg(), "refusing to import"), "%s", frost_import_errmsg());
    cr_expect(!fx_exists(out), "nothing is written");
    frost_convert_options o;
    frost_convert_options_init(&o);
    o.size = sizeof o + 8; /* a caller from the future */
    cr_expect_eq(frost_convert_buffer(text, sizeof text - 1, "x", out, &o), FROST_EINVAL);
    cr_expect(strstr(frost_import_errmsg(), "options size"), "%s", frost_import_errmsg());
    free(dir);
}

Test(convert, caller_metadata_is_recorded)
{
    char *dir = tu_tmpdir(), *out = out_in(dir, "m.frost");
    const frost_meta_entry meta[] = {{"owner", "risk-team", FROST_META_STRING},
                                     {"run", "42", FROST_META_NUMBER},
                                     {"note ✓", "", FROST_META_STRING},
                                     {"approved", "true", FROST_META_BOOL}};
    frost_convert_options o;
    frost_convert_options_init(&o);
    o.meta = meta;
    o.n_meta = 4;
    cr_assert_eq(frost_convert(corpus_model(), out, &o), 0, "%s", frost_import_errmsg());
    frost_model *m;
    cr_assert_eq(frost_open(out, NULL, &m), 0, "%s", frost_errmsg(NULL));
    for (int i = 0; i < 4; i++) {
        cr_expect_str_eq(frost_meta_get(m, meta[i].key), meta[i].value);
        for (uint32_t j = 0; j < frost_meta_count(m); j++) {
            const char *k, *v;
            if (!frost_meta_at(m, j, &k, &v) && strcmp(k, meta[i].key) == 0)
                cr_expect_eq(frost_meta_type_at(m, j), meta[i].type, "%s", k);
        }
    }
    cr_expect_not_null(frost_meta_get(m, "sklearn_version"), "frost's own keys stay");
    frost_close(m);
    free(dir);
}

Test(convert, bad_caller_metadata_is_refused_before_anything_is_read)
{
    char *dir = tu_tmpdir(), *out = out_in(dir, "m.frost");
    static char big[FROST_CONVERT_META_LEN + 2];
    memset(big, 'v', sizeof big - 1);
    static char names[FROST_CONVERT_META_MAX + 1][16];
    for (int i = 0; i <= FROST_CONVERT_META_MAX; i++)
        snprintf(names[i], sizeof names[i], "k%d", i);
    struct {
        const char *k, *v, *needs;
    } cases[] = {
        {"converted_at", "2000-01-01T00:00:00Z", "frost records itself"},
        {"source_xxh3", "0", "frost records itself"},
        {"", "x", "empty key"},
        {"k", NULL, "no value"},
        {"bad\xff", "x", "not UTF-8"},
        {"k", "\xc3", "not UTF-8"},
        {"k", big, "longer than"},
    };
    frost_convert_options o;
    frost_convert_options_init(&o);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        frost_meta_entry one = {cases[i].k, cases[i].v, FROST_META_STRING};
        o.meta = &one;
        o.n_meta = 1;
        cr_expect_eq(frost_convert("/no/such/file", out, &o), FROST_EINVAL, "case %zu", i);
        cr_expect(strstr(frost_import_errmsg(), cases[i].needs), "case %zu: %s", i,
                  frost_import_errmsg());
    }
    const frost_meta_entry twice[] = {{"a", "1", FROST_META_STRING}, {"a", "2", FROST_META_STRING}};
    o.meta = twice;
    o.n_meta = 2;
    cr_expect_eq(frost_convert(corpus_model(), out, &o), FROST_EINVAL);
    cr_expect(strstr(frost_import_errmsg(), "twice"), "%s", frost_import_errmsg());
    const frost_meta_entry not_number = {"auc", "0.9x", FROST_META_NUMBER};
    o.meta = &not_number;
    o.n_meta = 1;
    cr_expect_eq(frost_convert(corpus_model(), out, &o), FROST_EINVAL);
    cr_expect(!fx_exists(out), "nothing is written");
    static frost_meta_entry many[FROST_CONVERT_META_MAX + 1];
    for (int i = 0; i <= FROST_CONVERT_META_MAX; i++)
        many[i] = (frost_meta_entry){names[i], "v", FROST_META_STRING};
    o.meta = many;
    o.n_meta = FROST_CONVERT_META_MAX + 1;
    cr_expect_eq(frost_convert(corpus_model(), out, &o), FROST_EINVAL);
    cr_expect(strstr(frost_import_errmsg(), "at most"), "%s", frost_import_errmsg());
    o.n_meta = FROST_CONVERT_META_MAX; /* the bound itself is fine */
    cr_expect_eq(frost_convert(corpus_model(), out, &o), 0, "%s", frost_import_errmsg());
    o.meta = NULL;
    o.n_meta = 1;
    cr_expect_eq(frost_convert(corpus_model(), out, &o), FROST_EINVAL);
    free(dir);
}

Test(convert, classifiers_record_their_classes_dtype)
{
    char *dir = tu_tmpdir(), *out = out_in(dir, "rf.frost"), src[4096];
    snprintf(src, sizeof src, "%s/1_8_0-random_forest_clf-numpy2_proto5.pkl", fx_corpus());
    cr_assert_eq(frost_convert(src, out, NULL), 0, "%s", frost_import_errmsg());
    frost_model *m;
    cr_assert_eq(frost_open(out, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_str_eq(frost_meta_get(m, "classes_dtype"), "<i8");
    frost_close(m);
    /* a transformer has no classes, and no classes_dtype */
    cr_assert_eq(frost_convert(corpus_model(), out, NULL), 0, "%s", frost_import_errmsg());
    cr_assert_eq(frost_open(out, NULL, &m), 0, "%s", frost_errmsg(NULL));
    cr_expect_null(frost_meta_get(m, "classes_dtype"));
    frost_close(m);
    free(dir);
}
