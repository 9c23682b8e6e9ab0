/*
 * test_convert.c — frost_convert's options and error channel (frost_import.h): converted_at
 * makes a conversion reproducible byte for byte and is bounded; frost_import_errmsg() is the
 * detail of this thread's last failure and empty after a success.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../import/fixture_util.h"
#include "frost_import.h"
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
