/*
 * test_csv.c — Criterion tests of the CSV layer (tools/csv): the RFC 4180 reader, exact number
 * parsing and shortest printing, pandas' cell vocabulary (NA spellings, booleans), header-to-
 * feature matching (names, positions, unused and kept columns, the separator hint) and batch
 * filling, and every error the CLI will show a user about a CSV file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv/csv.h"
#include "csv/table.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* A stream holding exactly s[0..len): tmpfile, because fmemopen cannot represent empty input. */
static FILE *stream_of(const char *s, size_t len)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(s, 1, len, f), len);
    rewind(f);
    return f;
}

static FILE *stream_str(const char *s)
{
    return stream_of(s, strlen(s));
}

/* Reads every record of s with the given chunk size and renders them as one string,
 * "a|b;c|d;" (fields joined by '|', records ended by ';'), so a test states a whole parse in one
 * literal. Returns the reader's error code; the rendering is written to out. */
static int render(const char *s, size_t len, size_t chunk, char *out, size_t cap, fr_err *e)
{
    FILE *f = stream_of(s, len);
    csv_options o;
    csv_options_init(&o);
    o.read_chunk = chunk;
    csv_reader *r;
    int rc = csv_reader_new(f, &o, &r, e);
    cr_assert_eq(rc, 0);
    size_t n = 0;
    out[0] = '\0';
    for (;;) {
        const csv_field *fl;
        size_t nf;
        rc = csv_reader_next(r, &fl, &nf, e);
        if (rc || nf == 0)
            break;
        for (size_t i = 0; i < nf; i++) {
            cr_assert_eq(fl[i].ptr[fl[i].len], '\0', "fields are NUL-terminated");
            cr_assert_lt(n + fl[i].len + 2, cap);
            memcpy(out + n, fl[i].ptr, fl[i].len);
            n += fl[i].len;
            out[n++] = i + 1 < nf ? '|' : ';';
        }
        out[n] = '\0';
    }
    csv_reader_free(r);
    fclose(f);
    return rc;
}

/* Checks one parse at every chunk size from 4 bytes up plus the default, so each state of the
 * machine meets a chunk boundary. */
static void expect_records(const char *s, size_t len, const char *want)
{
    static const size_t chunks[] = { 4, 5, 6, 7, 8, 11, 16, 0 };
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
        char got[4096];
        fr_err e = { 0 };
        int rc = render(s, len, chunks[i], got, sizeof got, &e);
        cr_assert_eq(rc, 0, "chunk %zu: rc %d (%s)", chunks[i], rc, e.msg);
        cr_assert_str_eq(got, want, "chunk %zu", chunks[i]);
    }
}

#define EXPECT(lit, want) expect_records(lit, sizeof(lit) - 1, want)

static void expect_reader_error(const char *s, int code, const char *needle)
{
    static const size_t chunks[] = { 4, 5, 0 };
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
        char got[4096];
        fr_err e = { 0 };
        int rc = render(s, strlen(s), chunks[i], got, sizeof got, &e);
        cr_assert_eq(rc, code, "rc %d, want %d (%s)", rc, code, e.msg);
        cr_assert_not_null(strstr(e.msg, needle), "message \"%s\" lacks \"%s\"", e.msg, needle);
    }
}

/* Opens a table over s and binds it; asserts both succeed. */
static csv_table *table_of(FILE *f, size_t nf, const char *const *names, const csv_kind *kinds)
{
    fr_err e = { 0 };
    csv_table *t;
    int rc = csv_table_open(f, NULL, &t, &e);
    cr_assert_eq(rc, 0, "open: %s", e.msg);
    csv_schema s = { .n_features = nf, .names = names, .kinds = kinds };
    rc = csv_table_bind(t, &s, &e);
    cr_assert_eq(rc, 0, "bind: %s", e.msg);
    return t;
}

/* Reads all rows of a bound table into a fresh array (caller frees); returns the row count. */
static size_t read_all(csv_table *t, size_t nf, size_t batch, double **out)
{
    size_t cap = 16, n = 0;
    double *all = malloc(cap * nf * sizeof *all);
    double *X = malloc(batch * nf * sizeof *X);
    cr_assert(all && X);
    for (;;) {
        size_t got;
        fr_err e = { 0 };
        int rc = csv_table_read(t, X, NULL, batch, &got, &e);
        cr_assert_eq(rc, 0, "read: %s", e.msg);
        if (!got)
            break;
        cr_assert_leq(got, batch);
        while (n + got > cap) {
            cap *= 2;
            all = realloc(all, cap * nf * sizeof *all);
            cr_assert_not_null(all);
        }
        memcpy(all + n * nf, X, got * nf * sizeof *X);
        n += got;
    }
    free(X);
    *out = all;
    return n;
}

/* Runs one whole read over s against a schema and returns the first error (0 if none), with
 * its message in e. */
static int table_error(const char *s, size_t nf, const char *const *names, fr_err *e)
{
    FILE *f = stream_str(s);
    csv_table *t;
    int rc = csv_table_open(f, NULL, &t, e);
    if (!rc) {
        csv_schema sc = { .n_features = nf, .names = names };
        rc = csv_table_bind(t, &sc, e);
        double X[64];
        size_t n;
        while (!rc && !(rc = csv_table_read(t, X, NULL, 64 / nf, &n, e)) && n)
            ;
    }
    csv_table_free(t);
    fclose(f);
    return rc;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- reader: RFC 4180 --------------------------------------------------------------------- */

Test(csv_reader, plain_records)
{
    EXPECT("a,b,c\n1,2,3\n", "a|b|c;1|2|3;");
    EXPECT("a,b\n1,2", "a|b;1|2;");               /* last line without newline */
    EXPECT("a,b\r\n1,2\r\n", "a|b;1|2;");         /* CRLF */
    EXPECT("a,b\r1,2\r", "a|b;1|2;");             /* lone CR */
    EXPECT("a\n", "a;");
    EXPECT("", "");
    EXPECT("\n\r\n\n", "");                       /* only blank lines */
}

Test(csv_reader, empty_fields)
{
    EXPECT("a,,c\n,,\n", "a||c;||;");
    EXPECT("a,b,\n", "a|b|;");                    /* trailing delimiter: one more, empty field */
    EXPECT(",\n", "|;");
    EXPECT("a,b\n1,", "a|b;1|;");                 /* trailing delimiter at end of input */
    EXPECT("\"\"\n", ";");                        /* a lone empty quoted field is a record */
}

Test(csv_reader, quoting)
{
    EXPECT("\"a,b\",c\n", "a,b|c;");
    EXPECT("\"he said \"\"hi\"\"\",x\n", "he said \"hi\"|x;");
    EXPECT("\"\"\"\"\n", "\";");                  /* a field that is one quote */
    EXPECT("\"\",\"\"\n", "|;");
    EXPECT("\"line1\nline2\",z\n", "line1\nline2|z;");
    EXPECT("\"cr\r\nlf\",z\r\n", "cr\r\nlf|z;"); /* line ends inside quotes are kept verbatim */
    EXPECT("ab\"c,d\n", "ab\"c|d;");              /* a quote inside an unquoted field is data */
    EXPECT("a,\"b\"", "a|b;");                    /* closed quote right at end of input */
    EXPECT("a,\"b\"\r\n", "a|b;");
    EXPECT("\"a\"\"\",b\n", "a\"|b;");
    EXPECT(" \"a\" ,b\n", " \"a\" |b;");          /* not quoted: the quote is not first */
}

Test(csv_reader, blank_lines_and_bom)
{
    EXPECT("a\n\n\nb\n\n", "a;b;");
    EXPECT("a\r\n\r\nb\r\n", "a;b;");
    EXPECT("\xEF\xBB\xBFx,y\n1,2\n", "x|y;1|2;");
    EXPECT("\xEF\xBB\xBF", "");
    EXPECT("\xEF\xBB\xBF\"q\"\n", "q;");
    EXPECT("a\n\xEF\xBB\xBF\n", "a;\xEF\xBB\xBF;"); /* a BOM after the start is data */
    EXPECT("\xEF\xBB", "\xEF\xBB;");
}

Test(csv_reader, embedded_nul)
{
    static const char in[] = "a\0b,c\n";
    FILE *f = stream_of(in, sizeof in - 1);
    csv_reader *r;
    cr_assert_eq(csv_reader_new(f, NULL, &r, NULL), 0);
    const csv_field *fl;
    size_t n;
    cr_assert_eq(csv_reader_next(r, &fl, &n, NULL), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(fl[0].len, 3);
    cr_assert_eq(memcmp(fl[0].ptr, "a\0b", 3), 0);
    csv_reader_free(r);
    fclose(f);
}

Test(csv_reader, line_and_record_numbers)
{
    const char *in = "h1,h2\n\n\"multi\nline\",x\r\n3,4\r\n\r\n5,\"a\r\nb\rc\"\n7,8";
    FILE *f = stream_str(in);
    csv_reader *r;
    cr_assert_eq(csv_reader_new(f, NULL, &r, NULL), 0);
    static const uint64_t want_line[] = { 1, 3, 5, 7, 10 };
    const csv_field *fl;
    size_t n;
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(csv_reader_next(r, &fl, &n, NULL), 0);
        cr_assert_eq(n, 2);
        cr_assert_eq(csv_reader_record(r), i + 1);
        cr_assert_eq(csv_reader_line(r), want_line[i], "record %zu on line %llu", i + 1,
                     (unsigned long long)csv_reader_line(r));
    }
    cr_assert_eq(csv_reader_next(r, &fl, &n, NULL), 0);
    cr_assert_eq(n, 0);
    cr_assert_null(fl);
    cr_assert_eq(csv_reader_next(r, &fl, &n, NULL), 0, "EOF repeats");
    cr_assert_eq(n, 0);
    csv_reader_free(r);
    fclose(f);
}

Test(csv_reader, quote_errors)
{
    expect_reader_error("a\n\"open,b\nc\n", FROST_EFORMAT, "line 2: quoted field never closed");
    expect_reader_error("a,\"b\"c\n", FROST_EFORMAT, "line 1: unexpected character after");
    expect_reader_error("x\ny\n\"", FROST_EFORMAT, "line 3");
}

Test(csv_reader, errors_are_sticky)
{
    FILE *f = stream_str("\"a\"b\nc\n");
    csv_reader *r;
    cr_assert_eq(csv_reader_new(f, NULL, &r, NULL), 0);
    const csv_field *fl;
    size_t n;
    fr_err e = { 0 };
    cr_assert_eq(csv_reader_next(r, &fl, &n, &e), FROST_EFORMAT);
    fr_err e2 = { 0 };
    cr_assert_eq(csv_reader_next(r, &fl, &n, &e2), FROST_EFORMAT);
    cr_assert_str_eq(e.msg, e2.msg);
    cr_assert_eq(n, 0);
    csv_reader_free(r);
    fclose(f);
}

Test(csv_reader, bad_options)
{
    FILE *f = stream_str("a\n");
    csv_options o;
    csv_options_init(&o);
    csv_reader *r = (csv_reader *)&o;
    o.delimiter = '"';
    cr_assert_eq(csv_reader_new(f, &o, &r, NULL), FROST_EINVAL);
    cr_assert_null(r);
    o.delimiter = ';';
    o.size = 3;
    cr_assert_eq(csv_reader_new(f, &o, &r, NULL), FROST_EINVAL);
    cr_assert_eq(csv_reader_new(NULL, NULL, &r, NULL), FROST_EINVAL);
    fclose(f);
}

Test(csv_reader, other_delimiter)
{
    FILE *f = stream_str("a;b\n\"x;y\";2,5\n");
    csv_options o;
    csv_options_init(&o);
    o.delimiter = ';';
    csv_reader *r;
    cr_assert_eq(csv_reader_new(f, &o, &r, NULL), 0);
    const csv_field *fl;
    size_t n;
    cr_assert_eq(csv_reader_next(r, &fl, &n, NULL), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(csv_reader_next(r, &fl, &n, NULL), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(fl[0].ptr, "x;y");
    cr_assert_str_eq(fl[1].ptr, "2,5");
    csv_reader_free(r);
    fclose(f);
}

Test(csv_reader, record_limit)
{
    FILE *f = stream_str("a,b\n0123456789,0123456789\n");
    csv_options o;
    csv_options_init(&o);
    o.max_record_bytes = 16;
    csv_reader *r;
    cr_assert_eq(csv_reader_new(f, &o, &r, NULL), 0);
    const csv_field *fl;
    size_t n;
    fr_err e = { 0 };
    cr_assert_eq(csv_reader_next(r, &fl, &n, &e), 0);
    cr_assert_eq(csv_reader_next(r, &fl, &n, &e), FROST_ELIMIT);
    cr_assert_not_null(strstr(e.msg, "line 2"), "%s", e.msg);
    csv_reader_free(r);
    fclose(f);
}

/* Every empty field costs bookkeeping, so a line of commas is bounded by its field count, which
 * is bounded by default; 0 lifts the bound. */
Test(csv_reader, field_limit)
{
    csv_options o;
    csv_options_init(&o);
    cr_assert_eq(o.max_fields, CSV_DEFAULT_MAX_FIELDS);
    cr_assert_eq(o.max_record_bytes, CSV_DEFAULT_MAX_RECORD);
    const csv_field *fl;
    size_t n;
    for (size_t limit = 0; limit <= 3; limit += 3) {
        FILE *f = stream_str("a,b,c\n,,,\n");
        o.max_fields = limit;
        csv_reader *r;
        cr_assert_eq(csv_reader_new(f, &o, &r, NULL), 0);
        fr_err e = { 0 };
        cr_assert_eq(csv_reader_next(r, &fl, &n, &e), 0);
        cr_assert_eq(n, 3);
        if (limit) {
            cr_assert_eq(csv_reader_next(r, &fl, &n, &e), FROST_ELIMIT);
            cr_assert_not_null(strstr(e.msg, "more than 3 fields"), "%s", e.msg);
            cr_assert_not_null(strstr(e.msg, "line 2"), "%s", e.msg);
        } else {
            cr_assert_eq(csv_reader_next(r, &fl, &n, &e), 0, "%s", e.msg);
            cr_assert_eq(n, 4);
        }
        csv_reader_free(r);
        fclose(f);
    }
}

/* A 1 MB field, quoted and unquoted, crosses many read chunks and grows the record buffer. */
Test(csv_reader, one_megabyte_field)
{
    const size_t big = (size_t)1 << 20;
    char *in = malloc(2 * big + 64);
    cr_assert_not_null(in);
    size_t n = 0;
    n += (size_t)sprintf(in + n, "a,b\n\"");
    for (size_t i = 0; i < big; i++)
        in[n++] = i % 1000 == 999 ? '\n' : (i % 3 == 0 ? ',' : 'x');
    n += (size_t)sprintf(in + n, "\",");
    for (size_t i = 0; i < big; i++)
        in[n++] = (char)('a' + i % 26);
    in[n++] = '\n';
    FILE *f = stream_of(in, n);
    csv_reader *r;
    cr_assert_eq(csv_reader_new(f, NULL, &r, NULL), 0);
    const csv_field *fl;
    size_t nf;
    cr_assert_eq(csv_reader_next(r, &fl, &nf, NULL), 0);
    cr_assert_eq(csv_reader_next(r, &fl, &nf, NULL), 0);
    cr_assert_eq(nf, 2);
    cr_assert_eq(fl[0].len, big);
    cr_assert_eq(fl[1].len, big);
    cr_assert_eq(memcmp(fl[0].ptr, in + 5, big), 0);
    cr_assert_eq(fl[1].ptr[big - 1], (char)('a' + (big - 1) % 26));
    cr_assert_eq(csv_reader_next(r, &fl, &nf, NULL), 0);
    cr_assert_eq(nf, 0);
    csv_reader_free(r);
    fclose(f);
    free(in);
}

/* ---- numbers ------------------------------------------------------------------------------- */

Test(csv_number, accepted)
{
    static const struct {
        const char *text;
        double want;
    } ok[] = {
        { "0", 0.0 },          { "-0", -0.0 },         { "+1.5", 1.5 },
        { "1e3", 1000.0 },     { "1E+03", 1000.0 },    { "2.5e-3", 0.0025 },
        { ".5", 0.5 },         { "5.", 5.0 },          { " 7 ", 7.0 },
        { "\t-8\t", -8.0 },    { "inf", INFINITY },    { "-inf", -INFINITY },
        { "Infinity", INFINITY }, { "-Infinity", -INFINITY }, { "+INF", INFINITY },
        { "1e999", INFINITY }, { "-1e999", -INFINITY }, { "1e-999", 0.0 },
        { "4.9406564584124654e-324", 4.9406564584124654e-324 },
        { "5e-324", 5e-324 },
        { "2.2250738585072014e-308", 2.2250738585072014e-308 },
        { "1.7976931348623157e+308", DBL_MAX },
        { "9007199254740993", 9007199254740992.0 }, /* halfway: ties to even */
        { "0.1", 0.1 },
        { "0.1000000000000000055511151231257827021181583404541015625", 0.1 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double v = 42;
        int rc = csv_parse_double(ok[i].text, strlen(ok[i].text), &v);
        cr_assert_eq(rc, 0, "\"%s\" rejected", ok[i].text);
        cr_assert(same_bits(v, ok[i].want), "\"%s\" -> %a, want %a", ok[i].text, v, ok[i].want);
    }
    static const char *const nans[] = { "", "nan", "NaN", "-nan", "NAN", " nan ", "+nan" };
    for (size_t i = 0; i < sizeof nans / sizeof *nans; i++) {
        double v = 0;
        cr_assert_eq(csv_parse_double(nans[i], strlen(nans[i]), &v), 0, "\"%s\"", nans[i]);
        cr_assert(isnan(v), "\"%s\"", nans[i]);
    }
}

Test(csv_number, rejected)
{
    static const char *const bad[] = {
        "abc", "1,5", "1.5.2", "1e", "e5", ".", "-", "+", "--1", "1-", "0x10", "0x1p3",
        "nan(1)", "infin", "1_000", "1 2", "12abc", "\"1\"", "1e5e5", "inf1", "++1", "1..",
        "١", "true", "NA", "null", " ", "\t \t", "N/A", "#N/A", "None",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v = 42;
        cr_assert_eq(csv_parse_double(bad[i], strlen(bad[i]), &v), FROST_EFORMAT,
                     "\"%s\" accepted as %g", bad[i], v);
        cr_assert_eq(v, 42, "\"%s\" wrote the output", bad[i]);
    }
    /* A NUL inside the field ends nothing: the whole field must be a number. */
    double v;
    cr_assert_eq(csv_parse_double("1\0002", 3, &v), FROST_EFORMAT);
    /* The length is honoured: no reading past it. */
    cr_assert_eq(csv_parse_double("12345", 2, &v), 0);
    cr_assert_eq(v, 12.0);
}

Test(csv_number, long_number)
{
    size_t n = 5000;
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memcpy(s, "0.", 2);
    memset(s + 2, '0', n - 3);
    s[n - 1] = '1';
    s[n] = 'X'; /* not terminated: the parser must copy */
    double v;
    cr_assert_eq(csv_parse_double(s, n, &v), 0);
    cr_assert(same_bits(v, 0.0), "1e-4998 underflows to +0, as float() gives");
    memcpy(s, "1.", 2);
    s[n - 1] = '0';
    cr_assert_eq(csv_parse_double(s, n, &v), 0);
    cr_assert_eq(v, 1.0);
    free(s);
}

static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64: a seeded, portable sequence, so a failure reproduces. */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double random_double(uint64_t *s)
{
    uint64_t k = rng_next(s);
    double v;
    switch (k % 4) {
    case 0: /* any finite bit pattern, subnormals included */
        do {
            uint64_t b = rng_next(s);
            memcpy(&v, &b, sizeof v);
        } while (!isfinite(v));
        return v;
    case 1: /* ordinary magnitudes, as features usually have */
        return ((double)(rng_next(s) >> 11) / 9007199254740992.0 - 0.5) * 2000.0;
    case 2: /* tiny ones */
        return ldexp((double)(rng_next(s) >> 11), -1074 + (int)(rng_next(s) % 60));
    default: /* short decimals, where shortest repr differs most from %.17g */
        return (double)(int64_t)(rng_next(s) % 2000001 - 1000000) / 1000.0;
    }
}

/* Many random doubles printed by csv_format_double (shortest form) go through the whole table
 * path and come back with the same bits. */
Test(csv_number, roundtrip_shortest)
{
    const size_t rows = 20000, cols = 5;
    uint64_t seed = 12345;
    double *want = malloc(rows * cols * sizeof *want);
    cr_assert_not_null(want);
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    fputs("c0,c1,c2,c3,c4\n", f);
    for (size_t i = 0; i < rows * cols; i++) {
        want[i] = random_double(&seed);
        cr_assert_eq(csv_write_double(f, want[i]), 0);
        fputc((i + 1) % cols ? ',' : '\n', f);
    }
    rewind(f);
    static const char *const names[] = { "c0", "c1", "c2", "c3", "c4" };
    csv_table *t = table_of(f, cols, names, NULL);
    double *got;
    cr_assert_eq(read_all(t, cols, 777, &got), rows);
    for (size_t i = 0; i < rows * cols; i++)
        cr_assert(same_bits(got[i], want[i]), "value %zu: %a read back as %a", i, want[i],
                  got[i]);
    free(got);
    free(want);
    csv_table_free(t);
    fclose(f);
}

/* The same through Python's repr(), the shortest round-tripping form pandas and csv write.
 * Python prints the values' bits next to them, so the check does not depend on our printing. */
/* The significant digits of a decimal's text, without sign, point, exponent or the zeros at
 * either end: "-0.00120e5" -> "12". Two spellings of one value with the same digits are equally
 * short. */
static void sig_digits(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s < '0' || *s > '9' || (*s == '0' && n == 0))
            continue;
        if (n + 1 < cap)
            out[n++] = *s;
    }
    while (n > 0 && out[n - 1] == '0')
        n--;
    out[n] = '\0';
}

Test(csv_number, roundtrip_python_repr)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip_test("no /usr/bin/python3");
    char *dir = tu_tmpdir();
    cr_assert_not_null(dir);
    char path[600], cmd[2048];
    snprintf(path, sizeof path, "%s/repr.csv", dir);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import random, struct, math, sys\n"
             "r = random.Random(7)\n"
             "out = open(sys.argv[1], \"w\")\n"
             "out.write(\"value,bits\\n\")\n"
             "def emit(v):\n"
             "    out.write(\"%%r,%%d\\n\" %% (v, struct.unpack(\"<Q\", struct.pack(\"<d\", v))[0]))\n"
             "for v in [0.1, 0.2, 0.3, 1/3, 2/3, 1e23, 5e-324, 2.2250738585072014e-308,\n"
             "          1.7976931348623157e308, -0.0, 123456789.123, 9007199254740993.0,\n"
             "          float(\"inf\"), -float(\"inf\")]:\n"
             "    emit(v)\n"
             "for i in range(30000):\n"
             "    k = i %% 4\n"
             "    if k == 0:\n"
             "        v = struct.unpack(\"<d\", struct.pack(\"<Q\", r.getrandbits(64)))[0]\n"
             "        if math.isnan(v) or math.isinf(v): continue\n"
             "    elif k == 1: v = r.uniform(-1000, 1000)\n"
             "    elif k == 2: v = round(r.uniform(-1000, 1000), r.randint(0, 6))\n"
             "    else: v = r.random() * 10.0 ** r.randint(-320, 300)\n"
             "    emit(v)\n"
             "' %s",
             path);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        cr_skip_test("python3 could not generate the values");

    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    csv_table *t;
    cr_assert_eq(csv_table_open(f, NULL, &t, NULL), 0);
    static const char *const names[] = { "value" };
    csv_schema s = { .n_features = 1, .names = names };
    cr_assert_eq(csv_table_bind(t, &s, NULL), 0);
    cr_assert_eq(csv_table_n_ignored(t), 1);
    fclose(f);
    csv_table_free(t);

    /* Read value and bits both: bits as a string column, parsed here with strtoull; and the
     * value's text (kept), to check that csv_format_double picks as few digits as repr(). */
    f = fopen(path, "r");
    cr_assert_not_null(f);
    static const char *const both[] = { "value", "bits" };
    static const csv_kind kk[] = { CSV_KIND_NUMERIC, CSV_KIND_STRING };
    static const char *const keep[] = { "value" };
    fr_err e = { 0 };
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    cr_assert_eq(csv_table_keep(t, keep, 1, &e), 0, "%s", e.msg);
    csv_schema s2 = { .n_features = 2, .names = both, .kinds = kk };
    cr_assert_eq(csv_table_bind(t, &s2, &e), 0, "%s", e.msg);
    csv_batch *b;
    cr_assert_eq(csv_batch_new(t, 500, &b, &e), 0, "%s", e.msg);
    size_t total = 0;
    while (!csv_table_fill(t, b, &e) && b->n_rows) {
        for (size_t i = 0; i < b->n_rows; i++) {
            uint64_t bits = strtoull(b->S[i].ptr, NULL, 10);
            double want;
            memcpy(&want, &bits, sizeof want);
            cr_assert(same_bits(b->X[2 * i], want), "row %zu: %a, want %a", total + i + 1,
                      b->X[2 * i], want);
            cr_assert(isnan(b->X[2 * i + 1]), "string features read as NaN in X");
            if (!isfinite(want))
                continue;
            char buf[CSV_DOUBLE_MAX], ours[32], py[32];
            cr_assert_gt(csv_format_double(want, buf, sizeof buf), 0);
            sig_digits(buf, ours, sizeof ours);
            sig_digits(b->K[i].ptr, py, sizeof py);
            cr_assert_str_eq(ours, py, "%s printed as %s", b->K[i].ptr, buf);
        }
        total += b->n_rows;
    }
    cr_assert_eq(e.code, 0, "%s", e.msg);
    cr_assert_gt(total, 29000);
    csv_batch_free(b);
    csv_table_free(t);
    fclose(f);
    unlink(path);
    rmdir(dir);
    free(dir);
}

Test(csv_number, format)
{
    char buf[CSV_DOUBLE_MAX];
    cr_assert_eq(csv_format_double(NAN, buf, sizeof buf), 3);
    cr_assert_str_eq(buf, "nan");
    cr_assert_eq(csv_format_double(-NAN, buf, sizeof buf), 3);
    cr_assert_str_eq(buf, "nan");
    csv_format_double(INFINITY, buf, sizeof buf);
    cr_assert_str_eq(buf, "inf");
    csv_format_double(-INFINITY, buf, sizeof buf);
    cr_assert_str_eq(buf, "-inf");
    /* The shortest text that reads back to the same bits, as Python's repr() chooses it (only
     * the spelling of exponents and integral values differs: %g's "1e+16", "3"). */
    static const struct {
        double v;
        const char *want;
    } shortest[] = {
        { 0.1, "0.1" },
        { 0.35, "0.35" },
        { 0.1 + 0.2, "0.30000000000000004" },  /* 17 digits */
        { 1.0 / 3.0, "0.3333333333333333" },   /* 16 */
        { 2.0 / 3.0, "0.6666666666666666" },
        { 3.0, "3" },
        { -0.0, "-0" },
        { 0.0, "0" },
        { 1e16, "1e+16" },
        { 1e-5, "1e-05" },
        { 123456789012345678.0, "1.2345678901234568e+17" },
        { 9007199254740993.0, "9007199254740992" },
        { 1e23, "1e+23" },
        { DBL_MAX, "1.7976931348623157e+308" },
        { -DBL_MAX, "-1.7976931348623157e+308" },
        { DBL_MIN, "2.2250738585072014e-308" },
        { 5e-324, "5e-324" },                  /* subnormals: shortest too */
        { -4.9406564584124654e-324, "-5e-324" },
        { 1e-310, "1e-310" },
        { 0.6499999999999999, "0.6499999999999999" },
        { 0.65, "0.65" },
    };
    for (size_t i = 0; i < sizeof shortest / sizeof *shortest; i++) {
        int n = csv_format_double(shortest[i].v, buf, sizeof buf);
        cr_assert_eq(n, (int)strlen(shortest[i].want), "%a: \"%s\"", shortest[i].v, buf);
        cr_assert_str_eq(buf, shortest[i].want, "%a", shortest[i].v);
    }
    cr_assert_eq(csv_format_double(0.1, buf, 3), FROST_ELIMIT);
    cr_assert_eq(csv_format_double(0.1, buf, 4), 3);
    cr_assert_eq(csv_format_double(NAN, buf, 3), FROST_ELIMIT);
}

Test(csv_number, write_field)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    cr_assert_not_null(f);
    csv_write_field(f, "plain", 5, ',', 0);
    fputc('|', f);
    csv_write_field(f, "a,b", 3, ',', 0);
    fputc('|', f);
    csv_write_field(f, "say \"hi\"", 8, ',', 0);
    fputc('|', f);
    csv_write_field(f, "two\nlines", 9, ',', 0);
    fputc('|', f);
    csv_write_field(f, "", 0, ',', 0);
    fputc('|', f);
    csv_write_field(f, "", 0, ',', 1);
    fputc('|', f);
    csv_write_field(f, "a;b", 3, ';', 0);
    fclose(f);
    cr_assert_str_eq(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"||\"\"|\"a;b\"");
    free(out);
}

/* Builds a de_DE.UTF-8 locale (decimal comma) when it is not installed but localedef and the
 * locale sources are, so the test runs on minimal images too. Returns 0 when the locale is set. */
static int set_comma_locale(void)
{
    if (setlocale(LC_ALL, "de_DE.UTF-8"))
        return 0;
    char *dir = tu_tmpdir();
    if (!dir)
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", dir);
    int st = system(cmd);
    int rc = -1;
    if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) <= 1) { /* 1 = warnings, still written */
        setenv("LOCPATH", dir, 1);
        rc = setlocale(LC_ALL, "de_DE.UTF-8") ? 0 : -1;
    }
    /* The locale is mapped by now; its files can go. */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = -1;
    free(dir);
    return rc;
}

Test(csv_number, comma_locale)
{
    if (set_comma_locale() != 0)
        cr_skip_test("no comma-decimal locale (de_DE.UTF-8) available");
    cr_assert_str_eq(localeconv()->decimal_point, ",", "the locale really uses a comma");
    /* The C library itself now misreads "1.5"; we must not. */
    cr_assert_eq(strtod("1.5", NULL), 1.0);

    double v;
    cr_assert_eq(csv_parse_double("1.5", 3, &v), 0);
    cr_assert_eq(v, 1.5);
    cr_assert_eq(csv_parse_double("1,5", 3, &v), FROST_EFORMAT);
    char buf[CSV_DOUBLE_MAX];
    csv_format_double(2.5, buf, sizeof buf);
    cr_assert_str_eq(buf, "2.5");
    cr_assert_eq(strcmp(localeconv()->decimal_point, ","), 0, "the thread's locale is restored");

    uint64_t seed = 99;
    for (int i = 0; i < 20000; i++) {
        double x = random_double(&seed), y;
        cr_assert_gt(csv_format_double(x, buf, sizeof buf), 0);
        cr_assert_null(strchr(buf, ','), "%s", buf);
        cr_assert_eq(csv_parse_double(buf, strlen(buf), &y), 0, "%s", buf);
        cr_assert(same_bits(x, y), "%s: %a vs %a", buf, x, y);
    }
    FILE *f = stream_str("a,b\n0.1,\"2.5e-3\"\n");
    static const char *const names[] = { "b", "a" };
    csv_table *t = table_of(f, 2, names, NULL);
    double *X;
    cr_assert_eq(read_all(t, 2, 4, &X), 1);
    cr_assert_eq(X[0], 0.0025);
    cr_assert_eq(X[1], 0.1);
    free(X);
    csv_table_free(t);
    fclose(f);
}

/* ---- table: matching ----------------------------------------------------------------------- */

Test(csv_table, by_name_reordered_with_extras)
{
    FILE *f = stream_str("id,b,extra,a\nr1,2,x,1\nr2,,y,-3.5\n");
    static const char *const names[] = { "a", "b" };
    csv_table *t = table_of(f, 2, names, NULL);
    cr_assert_eq(csv_table_feature_column(t, 0), 3);
    cr_assert_eq(csv_table_feature_column(t, 1), 1);
    cr_assert_eq(csv_table_n_ignored(t), 2);
    size_t len;
    cr_assert_str_eq(csv_table_column_name(t, csv_table_ignored_column(t, 0), &len), "id");
    cr_assert_eq(len, 2);
    cr_assert_str_eq(csv_table_column_name(t, csv_table_ignored_column(t, 1), NULL), "extra");
    cr_assert_eq(csv_table_ignored_column(t, 2), SIZE_MAX);
    double *X;
    cr_assert_eq(read_all(t, 2, 1, &X), 2);
    cr_assert_eq(X[0], 1.0);
    cr_assert_eq(X[1], 2.0);
    cr_assert_eq(X[2], -3.5);
    cr_assert(isnan(X[3]), "an empty field is NaN");
    cr_assert_eq(csv_table_rows_read(t), 2);
    free(X);
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, duplicate_names_pair_in_order)
{
    FILE *f = stream_str("Job,Age,Job,Job\n1,2,3,4\n");
    static const char *const names[] = { "Age", "Job", "Job" };
    csv_table *t = table_of(f, 3, names, NULL);
    double *X;
    cr_assert_eq(read_all(t, 3, 8, &X), 1);
    cr_assert_eq(X[0], 2.0);
    cr_assert_eq(X[1], 1.0, "the first Job feature takes the first Job column");
    cr_assert_eq(X[2], 3.0, "the second takes the second");
    cr_assert_eq(csv_table_n_ignored(t), 1);
    cr_assert_eq(csv_table_ignored_column(t, 0), 3);
    free(X);
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, names_are_exact_bytes)
{
    fr_err e = { 0 };
    static const char *const names[] = { "age" };
    cr_assert_eq(table_error(" age,Age\n1,2\n", 1, names, &e), FROST_ESCHEMA);
    cr_assert_eq(table_error("\"age\"\n1\n", 1, names, &e), 0, "%s", e.msg);
    cr_assert_eq(table_error("\xEF\xBB\xBF" "age\n1\n", 1, names, &e), 0, "BOM: %s", e.msg);
}

Test(csv_table, positional)
{
    FILE *f = stream_str("x0,x1,x2\n1,2,3\n5,6,7\n");
    csv_table *t = table_of(f, 3, NULL, NULL);
    cr_assert_eq(csv_table_n_ignored(t), 0);
    double *X;
    cr_assert_eq(read_all(t, 3, 5, &X), 2);
    static const double want[] = { 1, 2, 3, 5, 6, 7 };
    for (int i = 0; i < 6; i++)
        cr_assert_eq(X[i], want[i]);
    free(X);
    csv_table_free(t);
    fclose(f);

    fr_err e = { 0 };
    cr_assert_eq(table_error("whatever,names\n1,2\n", 2, NULL, &e), 0, "%s", e.msg);
}

/* scikit-learn refuses a column count other than the model's ("X has 7 features, but ... is
 * expecting 6"); taking the first six would score the wrong columns without a word. */
Test(csv_table, positional_count_must_match)
{
    fr_err e = { 0 };
    cr_assert_eq(table_error("a,b,c,d\n1,2,3,4\n", 3, NULL, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "the model takes 3 columns; the input has 4"), "%s", e.msg);
    cr_assert_eq(table_error("a,b\n1,2\n", 3, NULL, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "the model takes 3 columns; the input has 2"), "%s", e.msg);
    cr_assert_eq(table_error("a\n1\n", 1, NULL, &e), 0, "%s", e.msg);
    cr_assert_eq(table_error("a,b\n1,2\n", 1, NULL, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "the model takes 1 column; the input has 2"), "%s", e.msg);
    cr_assert_null(strstr(e.msg, "separated"), "no separator hint for a comma file: %s", e.msg);

    /* The missing features are listed for callers. */
    FILE *f = stream_str("a,b\n1,2\n");
    csv_table *t;
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    csv_schema s = { .n_features = 5 };
    cr_assert_eq(csv_table_bind(t, &s, &e), FROST_ESCHEMA);
    cr_assert_eq(csv_table_n_missing(t), 3);
    cr_assert_eq(csv_table_missing_feature(t, 0), 2);
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, missing_columns_all_named)
{
    FILE *f = stream_str("b,Job,zz\n1,2,3\n");
    static const char *const names[] = { "a", "b", "Job", "c", "Job", "d\"q" };
    csv_table *t;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    csv_schema s = { .n_features = 6, .names = names };
    cr_assert_eq(csv_table_bind(t, &s, &e), FROST_ESCHEMA);
    cr_assert_eq(e.code, FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "4 of the model's 6 features have no column"), "%s", e.msg);
    cr_assert_not_null(strstr(e.msg, "\"a\", \"c\", \"Job\" (occurrence 2), \"d\\\"q\""), "%s",
                       e.msg);
    cr_assert_eq(csv_table_n_missing(t), 4);
    static const size_t want[] = { 0, 3, 4, 5 };
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(csv_table_missing_feature(t, i), want[i]);
    double X[6];
    size_t n;
    cr_assert_eq(csv_table_read(t, X, NULL, 1, &n, NULL), FROST_EINVAL, "unbound after failure");

    /* A second bind with a schema that fits succeeds and reads normally. */
    static const char *const fit[] = { "zz", "b" };
    csv_schema s2 = { .n_features = 2, .names = fit };
    cr_assert_eq(csv_table_bind(t, &s2, &e), 0, "%s", e.msg);
    cr_assert_eq(csv_table_n_missing(t), 0);
    cr_assert_eq(csv_table_read(t, X, NULL, 4, &n, &e), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(X[0], 3.0);
    cr_assert_eq(X[1], 1.0);
    cr_assert_eq(csv_table_bind(t, &s2, &e), FROST_EINVAL, "no rebinding after reading");
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, many_missing_columns_message_fits)
{
    const size_t nf = 3000;
    char **names = malloc(nf * sizeof *names);
    cr_assert_not_null(names);
    for (size_t i = 0; i < nf; i++) {
        names[i] = malloc(16);
        sprintf(names[i], "feat%zu", i);
    }
    FILE *f = stream_str("feat7\n1\n");
    csv_table *t;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    csv_schema s = { .n_features = nf, .names = (const char *const *)names };
    cr_assert_eq(csv_table_bind(t, &s, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "2999 of the model's 3000"), "%s", e.msg);
    cr_assert_not_null(strstr(e.msg, "\"feat0\", \"feat1\""), "%s", e.msg);
    cr_assert_not_null(strstr(e.msg, "more"), "%s", e.msg);
    cr_assert_null(strstr(e.msg, "\"feat7\""), "%s", e.msg);
    cr_assert_lt(strlen(e.msg), sizeof e.msg);
    cr_assert_eq(csv_table_n_missing(t), nf - 1);
    csv_table_free(t);
    fclose(f);
    for (size_t i = 0; i < nf; i++)
        free(names[i]);
    free(names);
}

/* 15,000 columns, matched by name in reverse order, in several rows and batches. */
Test(csv_table, fifteen_thousand_columns)
{
    const size_t nc = 15000, rows = 40;
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    cr_assert_not_null(w);
    for (size_t c = 0; c < nc; c++)
        fprintf(w, "%sfeature_%zu", c ? "," : "", c);
    fputs("\r\n", w);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < nc; c++)
            fprintf(w, "%s%zu.25", c ? "," : "", r * nc + c);
        fputs("\r\n", w);
    }
    fclose(w);

    char **names = malloc(nc * sizeof *names);
    cr_assert_not_null(names);
    for (size_t i = 0; i < nc; i++) {
        names[i] = malloc(24);
        sprintf(names[i], "feature_%zu", nc - 1 - i);
    }
    FILE *f = stream_of(buf, len);
    csv_table *t = table_of(f, nc, (const char *const *)names, NULL);
    cr_assert_eq(csv_table_n_columns(t), nc);
    cr_assert_eq(csv_table_n_ignored(t), 0);
    double *X;
    cr_assert_eq(read_all(t, nc, 7, &X), rows);
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < nc; i++)
            cr_assert_eq(X[r * nc + i], (double)(r * nc + nc - 1 - i) + 0.25);
    free(X);
    csv_table_free(t);
    fclose(f);

    /* Positionally, the same file. */
    f = stream_of(buf, len);
    t = table_of(f, nc, NULL, NULL);
    cr_assert_eq(read_all(t, nc, 64, &X), rows);
    cr_assert_eq(X[nc - 1], (double)(nc - 1) + 0.25);
    free(X);
    csv_table_free(t);
    fclose(f);
    for (size_t i = 0; i < nc; i++)
        free(names[i]);
    free(names);
    free(buf);
}

/* ---- table: row errors --------------------------------------------------------------------- */

Test(csv_table, bad_number_names_row_line_column)
{
    static const char *const names[] = { "a", "weight" };
    fr_err e = { 0 };
    int rc = table_error("a,weight\n1,2\n\"x\ny\",3\n4,abc\n", 2, names, &e);
    cr_assert_eq(rc, FROST_EFORMAT);
    cr_assert_eq(rc, e.code);
    /* data row 2 is "x\ny" (line 3), bad in column a */
    cr_assert_not_null(strstr(e.msg, "row 2 (line 3), column 1 \"a\": not a number: \"x\\x0ay\""),
                       "%s", e.msg);
    rc = table_error("a,weight\n1,2\n5,3\n\n4,1.5kg\n", 2, names, &e);
    cr_assert_eq(rc, FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "row 3 (line 5), column 2 \"weight\": not a number: \"1.5kg\""),
                       "%s", e.msg);
    /* A bad value in an ignored column is not an error: it is never parsed. */
    static const char *const only_a[] = { "a" };
    cr_assert_eq(table_error("a,weight\n1,kg\n", 1, only_a, &e), 0, "%s", e.msg);
}

Test(csv_table, rows_before_an_error_are_returned)
{
    FILE *f = stream_str("a\n1\n2\nzz\n4\n");
    static const char *const names[] = { "a" };
    csv_table *t = table_of(f, 1, names, NULL);
    double X[10];
    size_t n = 99;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_read(t, X, NULL, 10, &n, &e), FROST_EFORMAT);
    cr_assert_eq(n, 2);
    cr_assert_eq(X[0], 1.0);
    cr_assert_eq(X[1], 2.0);
    fr_err e2 = { 0 };
    cr_assert_eq(csv_table_read(t, X, NULL, 10, &n, &e2), FROST_EFORMAT, "errors are sticky");
    cr_assert_eq(n, 0);
    cr_assert_str_eq(e.msg, e2.msg);
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, ragged_rows)
{
    static const char *const names[] = { "a", "b" };
    fr_err e = { 0 };
    cr_assert_eq(table_error("a,b,c\n1,2,3\n1,2\n", 2, names, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "row 2 (line 3) has 2 fields but the header has 3 columns"),
                       "%s", e.msg);
    cr_assert_eq(table_error("a,b\n1,2,3\n", 2, names, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "row 1 (line 2) has 3 fields"), "%s", e.msg);
    cr_assert_eq(table_error("a,b\n1\n", 2, names, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "has 1 field but"), "%s", e.msg);
}

Test(csv_table, unterminated_quote)
{
    static const char *const names[] = { "a", "b" };
    fr_err e = { 0 };
    cr_assert_eq(table_error("a,b\n1,2\n3,\"4\n5,6\n", 2, names, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "row 2: line 3: quoted field never closed"), "%s", e.msg);
    cr_assert_eq(table_error("\"a,b\n", 2, names, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "line 1: quoted field never closed"), "%s", e.msg);
}

Test(csv_table, empty_input_and_header_only)
{
    static const char *const names[] = { "a" };
    fr_err e = { 0 };
    cr_assert_eq(table_error("", 1, names, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "empty"), "%s", e.msg);
    cr_assert_eq(table_error("\n\n", 1, names, &e), FROST_EFORMAT);
    cr_assert_eq(table_error("a\n", 1, names, &e), 0, "%s", e.msg);
    cr_assert_eq(table_error("a", 1, names, &e), 0, "%s", e.msg);
}

Test(csv_table, bad_arguments)
{
    FILE *f = stream_str("a\n1\n");
    csv_table *t;
    cr_assert_eq(csv_table_open(f, NULL, &t, NULL), 0);
    double X[4];
    size_t n;
    cr_assert_eq(csv_table_read(t, X, NULL, 4, &n, NULL), FROST_EINVAL, "not bound");
    csv_schema s = { .n_features = 0 };
    cr_assert_eq(csv_table_bind(t, &s, NULL), FROST_EINVAL);
    static const char *const nul_name[] = { NULL };
    csv_schema s2 = { .n_features = 1, .names = nul_name };
    cr_assert_eq(csv_table_bind(t, &s2, NULL), FROST_EINVAL);
    static const csv_kind bad_kind[] = { (csv_kind)7 };
    csv_schema s3 = { .n_features = 1, .kinds = bad_kind };
    cr_assert_eq(csv_table_bind(t, &s3, NULL), FROST_EINVAL);
    static const csv_kind str_kind[] = { CSV_KIND_STRING };
    csv_schema s4 = { .n_features = 1, .kinds = str_kind };
    cr_assert_eq(csv_table_bind(t, &s4, NULL), 0);
    cr_assert_eq(csv_table_read(t, X, NULL, 4, &n, NULL), FROST_EINVAL, "strings need S");
    cr_assert_eq(csv_table_read(t, X, NULL, 0, &n, NULL), FROST_EINVAL);
    csv_table_free(t);
    csv_table_free(NULL);
    csv_reader_free(NULL);
    fclose(f);
}

/* ---- table: string columns ----------------------------------------------------------------- */

Test(csv_table, string_columns)
{
    FILE *f = stream_str("num,color,size,city\n1.5,red,,\"New York, NY\"\n,,2,\"\"\n3,\"a\"\"b\",x,z\n");
    static const char *const names[] = { "city", "num", "color" };
    static const csv_kind kinds[] = { CSV_KIND_STRING, CSV_KIND_NUMERIC, CSV_KIND_STRING };
    csv_table *t = table_of(f, 3, names, kinds);
    cr_assert_eq(csv_table_n_strings(t), 2);
    cr_assert_eq(csv_table_string_slot(t, 0), 0);
    cr_assert_eq(csv_table_string_slot(t, 1), SIZE_MAX);
    cr_assert_eq(csv_table_string_slot(t, 2), 1);
    cr_assert_eq(csv_table_n_ignored(t), 1, "size is ignored (its bad value too)");
    double X[3 * 8];
    csv_str S[2 * 8];
    size_t n;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_read(t, X, S, 8, &n, &e), 0, "%s", e.msg);
    cr_assert_eq(n, 3);
    cr_assert(isnan(X[0]) && isnan(X[2]));
    cr_assert_eq(X[1], 1.5);
    cr_assert_str_eq(S[0].ptr, "New York, NY");
    cr_assert_eq(S[0].len, 12);
    cr_assert_str_eq(S[1].ptr, "red");
    cr_assert(isnan(X[4]));
    cr_assert_eq(S[2].len, 0, "\"\" is missing");
    cr_assert_not_null(S[2].ptr);
    cr_assert_eq(S[3].len, 0, "empty is missing");
    cr_assert_str_eq(S[5].ptr, "a\"b");
    cr_assert_eq(csv_table_read(t, X, S, 8, &n, &e), 0);
    cr_assert_eq(n, 0);
    csv_table_free(t);
    fclose(f);
}

/* Large string values spread over arena blocks and stay valid for the whole batch; the arena
 * is reused by the next batch. */
Test(csv_table, string_arena_blocks)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    fputs("s,v\n", w);
    for (int r = 0; r < 300; r++) {
        size_t k = (size_t)(r * 7919) % 200000;
        for (size_t i = 0; i < k; i++)
            fputc('a' + (int)((i + (size_t)r) % 26), w);
        fprintf(w, ",%d\n", r);
    }
    fclose(w);
    FILE *f = stream_of(buf, len);
    static const char *const names[] = { "s", "v" };
    static const csv_kind kinds[] = { CSV_KIND_STRING, CSV_KIND_NUMERIC };
    csv_table *t = table_of(f, 2, names, kinds);
    double X[2 * 64];
    csv_str S[64];
    size_t n, row = 0;
    fr_err e = { 0 };
    while (!csv_table_read(t, X, S, 64, &n, &e) && n) {
        for (size_t i = 0; i < n; i++, row++) {
            size_t k = (row * 7919) % 200000;
            cr_assert_eq(X[2 * i + 1], (double)row);
            cr_assert_eq(S[i].len, k);
            cr_assert_eq(S[i].ptr[k], '\0');
            for (size_t j = 0; j < k; j += 997)
                cr_assert_eq(S[i].ptr[j], 'a' + (int)((j + row) % 26));
        }
    }
    cr_assert_eq(e.code, 0, "%s", e.msg);
    cr_assert_eq(row, 300);
    csv_table_free(t);
    fclose(f);
    free(buf);
}

/* ---- streaming ----------------------------------------------------------------------------- */

struct writer_arg {
    int fd;
    size_t rows;
};

static void *pipe_writer(void *p)
{
    struct writer_arg *a = p;
    FILE *w = fdopen(a->fd, "w");
    fputs("y,x\n", w);
    for (size_t r = 0; r < a->rows; r++)
        fprintf(w, "%zu,%zu.5\n", r, r);
    fclose(w);
    return NULL;
}

/* 100k rows through a pipe, as `frost predict model -` reads stdin: nothing seeks, and batches
 * arrive while the writer is still writing. */
Test(csv_table, hundred_thousand_rows_from_a_pipe)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    struct writer_arg a = { .fd = fds[1], .rows = 100000 };
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, pipe_writer, &a), 0);
    FILE *f = fdopen(fds[0], "r");
    cr_assert_not_null(f);
    static const char *const names[] = { "x", "y" };
    csv_table *t = table_of(f, 2, names, NULL);
    double X[2 * 1024];
    size_t n, total = 0, batches = 0;
    fr_err e = { 0 };
    while (!csv_table_read(t, X, NULL, 1024, &n, &e) && n) {
        for (size_t i = 0; i < n; i++) {
            cr_assert_eq(X[2 * i], (double)(total + i) + 0.5);
            cr_assert_eq(X[2 * i + 1], (double)(total + i));
        }
        total += n;
        batches++;
    }
    cr_assert_eq(e.code, 0, "%s", e.msg);
    cr_assert_eq(total, 100000);
    cr_assert_eq(batches, (100000 + 1023) / 1024);
    csv_table_free(t);
    fclose(f);
    pthread_join(th, NULL);
}

/* ---- allocation failures ------------------------------------------------------------------- */

struct failing_alloc {
    long countdown; /* allocations left before failing; < 0 = never fail */
    long live;      /* blocks currently allocated */
};

static void *fa_malloc(void *ctx, size_t n)
{
    struct failing_alloc *fa = ctx;
    if (fa->countdown == 0)
        return NULL;
    if (fa->countdown > 0)
        fa->countdown--;
    void *p = malloc(n);
    if (p)
        fa->live++;
    return p;
}

static void *fa_realloc(void *ctx, void *p, size_t n)
{
    struct failing_alloc *fa = ctx;
    if (fa->countdown == 0)
        return NULL;
    if (fa->countdown > 0)
        fa->countdown--;
    return realloc(p, n);
}

static void fa_free(void *ctx, void *p)
{
    struct failing_alloc *fa = ctx;
    fa->live--;
    free(p);
}

/* Every allocation of a full read fails once in turn: each run must end in FROST_ENOMEM (or
 * succeed) and release everything it allocated. */
Test(csv_table, allocation_failures)
{
    const char *in = "s,\"b\",a,a\n\"x,y\",1,2,3\nlong string value here,4,5,6\n";
    static const char *const names[] = { "a", "s", "a" };
    static const csv_kind kinds[] = { CSV_KIND_NUMERIC, CSV_KIND_STRING, CSV_KIND_NUMERIC };
    int saw_success = 0;
    for (long k = 0; k < 200 && !saw_success; k++) {
        struct failing_alloc fa = { .countdown = k, .live = 0 };
        frost_allocator al = { fa_malloc, fa_realloc, fa_free, &fa };
        csv_options o;
        csv_options_init(&o);
        o.alloc = &al;
        o.read_chunk = 8;
        FILE *f = stream_str(in);
        csv_table *t = NULL;
        fr_err e = { 0 };
        int rc = csv_table_open(f, &o, &t, &e);
        if (!rc) {
            csv_schema s = { .n_features = 3, .names = names, .kinds = kinds };
            rc = csv_table_bind(t, &s, &e);
        }
        size_t total = 0;
        if (!rc) {
            double X[3];
            csv_str S[1];
            size_t n;
            while (!(rc = csv_table_read(t, X, S, 1, &n, &e)) && n)
                total += n;
        }
        cr_assert(rc == 0 || rc == FROST_ENOMEM, "k=%ld: rc %d (%s)", k, rc, e.msg);
        if (rc == 0) {
            cr_assert_eq(total, 2);
            saw_success = 1;
        } else {
            cr_assert_eq(e.code, FROST_ENOMEM);
        }
        csv_table_free(t);
        fclose(f);
        cr_assert_eq(fa.live, 0, "k=%ld: %ld blocks leaked", k, fa.live);
    }
    cr_assert(saw_success);
}

/* ---- cells: pandas' NA spellings and booleans ---------------------------------------------- */

static const char *const na_spellings[] = {
    "", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-NaN", "-nan", "<NA>", "None",
    "#N/A", "#N/A N/A", "#NA", "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN",
};

Test(csv_cell, na_spellings_exactly)
{
    for (size_t i = 0; i < sizeof na_spellings / sizeof *na_spellings; i++)
        cr_assert(csv_is_na(na_spellings[i], strlen(na_spellings[i])), "\"%s\"", na_spellings[i]);
    /* pandas compares byte for byte: case, blanks and near misses are text */
    static const char *const not_na[] = {
        " NA", "NA ", "na", "Na", "NAN", "nAn", "+nan", "NULL ", "Null", "none", "NONE",
        "#n/a", "#N/A N/A ", "1.#ind", "#N/AN/A", "1.#QNAN0", "N", "-", "0", "1", "1.5",
        "-1.5", "nan1", "<na>", "#", "1.#", "N/A\n",
    };
    for (size_t i = 0; i < sizeof not_na / sizeof *not_na; i++)
        cr_assert(!csv_is_na(not_na[i], strlen(not_na[i])), "\"%s\"", not_na[i]);
    cr_assert(!csv_is_na("NA\0", 3), "an embedded NUL is not stripped");
    cr_assert(csv_is_na("NAx", 2), "the length is honoured");
}

Test(csv_cell, booleans_any_case)
{
    static const char *const t[] = { "True", "TRUE", "true", "tRUE", "TrUe" };
    static const char *const f[] = { "False", "FALSE", "false", "fALSE" };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        cr_assert_eq(csv_parse_bool(t[i], strlen(t[i])), 1, "%s", t[i]);
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        cr_assert_eq(csv_parse_bool(f[i], strlen(f[i])), 0, "%s", f[i]);
    static const char *const no[] = { " True", "True ", "T", "F", "yes", "no", "1", "0", "",
                                      "tru", "falsey", "True\n", "\"True\"" };
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        cr_assert_eq(csv_parse_bool(no[i], strlen(no[i])), -1, "%s", no[i]);
    cr_assert_eq(csv_parse_bool("tr\0e", 4), -1);
}

/* The stream under fill_one's table, closed by fill_done. */
static FILE *fill_stream;

/* Reads s into one batch of at most 64 rows with a schema; returns the fill's code. Release
 * with fill_done. */
static int fill_one(const char *s, size_t nf, const char *const *names, const csv_kind *kinds,
                    csv_table **tp, csv_batch **bp, fr_err *e)
{
    FILE *f = fill_stream = stream_str(s);
    csv_table *t;
    int rc = csv_table_open(f, NULL, &t, e);
    cr_assert_eq(rc, 0, "open: %s", e->msg);
    csv_schema sc = { .n_features = nf, .names = names, .kinds = kinds };
    rc = csv_table_bind(t, &sc, e);
    cr_assert_eq(rc, 0, "bind: %s", e->msg);
    cr_assert_eq(csv_batch_new(t, 64, bp, e), 0, "%s", e->msg);
    rc = csv_table_fill(t, *bp, e);
    *tp = t;
    return rc;
}

static void fill_done(csv_table *t, csv_batch *b)
{
    csv_batch_free(b);
    csv_table_free(t);
    fclose(fill_stream);
    fill_stream = NULL;
}

Test(csv_table, na_spellings_in_numeric_and_string_columns)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    fputs("num,str\n", w);
    for (size_t i = 0; i < sizeof na_spellings / sizeof *na_spellings; i++)
        fprintf(w, "%s,%s\n", na_spellings[i], na_spellings[i]);
    /* quoted NA spellings are NA too: quotes are removed first */
    fputs("\"NA\",\"None\"\n", w);
    /* and near misses: text in a string column */
    fputs("1.5, NA\n2.5,NAN\n3.5,na\n4.5,\"#N/A \"\n", w);
    fclose(w);
    static const char *const names[] = { "num", "str" };
    static const csv_kind kinds[] = { CSV_KIND_NUMERIC, CSV_KIND_STRING };
    csv_table *t;
    csv_batch *b;
    fr_err e = { 0 };
    cr_assert_eq(fill_one(buf, 2, names, kinds, &t, &b, &e), 0, "%s", e.msg);
    size_t n_na = sizeof na_spellings / sizeof *na_spellings + 1;
    cr_assert_eq(b->n_rows, n_na + 4);
    cr_assert_eq(b->first_row, 1);
    for (size_t r = 0; r < n_na; r++) {
        cr_assert(isnan(b->X[2 * r]), "row %zu", r + 1);
        cr_assert_eq(b->S[r].len, 0, "row %zu: string NA is missing", r + 1);
        cr_assert_not_null(b->S[r].ptr);
    }
    static const char *const text[] = { " NA", "NAN", "na", "#N/A " };
    for (size_t r = n_na; r < n_na + 4; r++) {
        cr_assert_eq(b->X[2 * r], 1.5 + (double)(r - n_na));
        cr_assert_str_eq(b->S[r].ptr, text[r - n_na]);
        cr_assert_eq(b->S[r].len, strlen(text[r - n_na]));
    }
    fill_done(t, b);
    free(buf);
}

Test(csv_table, numbers_infinities_and_blanks)
{
    static const char *const names[] = { "x" };
    csv_table *t;
    csv_batch *b;
    fr_err e = { 0 };
    cr_assert_eq(fill_one("x\ninf\n-inf\nInfinity\n-Infinity\n1e400\n-1e400\nNAN\n 7 \n", 1,
                          names, NULL, &t, &b, &e), 0, "%s", e.msg);
    static const double want[] = { INFINITY, -INFINITY, INFINITY, -INFINITY, INFINITY,
                                   -INFINITY };
    cr_assert_eq(b->n_rows, 8);
    for (size_t i = 0; i < 6; i++)
        cr_assert(same_bits(b->X[i], want[i]), "row %zu: %g", i + 1, b->X[i]);
    cr_assert(isnan(b->X[6]), "NAN is float()'s NaN");
    cr_assert_eq(b->X[7], 7.0);
    fill_done(t, b);

    /* a field of blanks is not missing: pandas keeps " " as text and scikit-learn refuses it */
    cr_assert_eq(table_error("x,y\n1,2\n ,3\n", 2, NULL, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "row 2 (line 3), column 1 \"x\": not a number: \" \""),
                       "%s", e.msg);
    cr_assert_eq(table_error("x\n\"NA \"\n", 1, NULL, &e), FROST_EFORMAT);
    cr_assert_not_null(strstr(e.msg, "not a number: \"NA \""), "%s", e.msg);
}

Test(csv_table, booleans_are_one_and_zero)
{
    static const char *const names[] = { "flag", "other" };
    csv_table *t;
    csv_batch *b;
    fr_err e = { 0 };
    cr_assert_eq(fill_one("flag,other\nTrue,1\nfalse,NA\nNA,True\nTRUE,2\n,\nfALSE,3\n", 2, names,
                          NULL, &t, &b, &e), FROST_EFORMAT);
    /* "other" shows 1 then True in row 3: the mix is refused there, after rows 1..2 */
    cr_assert_eq(b->n_rows, 2);
    cr_assert_eq(b->X[0], 1.0);
    cr_assert_eq(b->X[1], 1.0);
    cr_assert_eq(b->X[2], 0.0);
    cr_assert(isnan(b->X[3]));
    cr_assert_not_null(strstr(e.msg, "row 3 (line 4), column 2 \"other\": \"True\" is a boolean "
                                     "but row 1 holds a number: the column mixes booleans and "
                                     "numbers; pandas reads such a column as text and "
                                     "scikit-learn refuses it"), "%s", e.msg);
    fill_done(t, b);

    /* booleans alone, with missing values among them: 1.0 / 0.0 / NaN */
    static const char *const one[] = { "flag" };
    cr_assert_eq(fill_one("flag\nTrue\nfalse\nNA\n\nTRUE\nnan\nFALSE\n", 1, one, NULL, &t, &b,
                          &e), 0, "%s", e.msg);
    static const double want[] = { 1, 0, NAN, 1, NAN, 0 };
    cr_assert_eq(b->n_rows, 6);
    for (size_t i = 0; i < 6; i++)
        cr_assert(isnan(want[i]) ? isnan(b->X[i]) : b->X[i] == want[i], "row %zu", i + 1);
    fill_done(t, b);

    /* number first, boolean later; NAN and inf count as numbers (float() reads them) */
    fr_err e2 = { 0 };
    cr_assert_eq(table_error("x\nNA\nNAN\n\nFalse\n", 1, NULL, &e2), FROST_EFORMAT);
    cr_assert_not_null(strstr(e2.msg, "row 3 (line 5), column 1 \"x\": \"False\" is a boolean "
                                      "but row 2 holds a number"), "%s", e2.msg);
    cr_assert_eq(table_error("x\ntrue\ninf\n", 1, NULL, &e2), FROST_EFORMAT);
    cr_assert_not_null(strstr(e2.msg, "\"inf\" is a number but row 1 holds a boolean"), "%s",
                       e2.msg);
    /* booleans in a string column are categories like any other */
    static const csv_kind str[] = { CSV_KIND_STRING };
    cr_assert_eq(fill_one("flag\nTrue\nx\n1\n", 1, one, str, &t, &b, &e), 0, "%s", e.msg);
    cr_assert_str_eq(b->S[0].ptr, "True");
    fill_done(t, b);
}

/* The memory of which kinds a column has shown spans batches: the mix is found however far
 * apart its two kinds are, at the same row whatever the batch size. */
Test(csv_table, boolean_number_mix_across_batches)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    fputs("a,b\n", w);
    for (int r = 0; r < 1000; r++)
        fprintf(w, "%s,%d\n", r % 3 ? "True" : "", r);
    fputs("0.5,1\n", w);
    fclose(w);
    static const size_t caps[] = { 1, 7, 64, 2000 };
    for (size_t k = 0; k < sizeof caps / sizeof *caps; k++) {
        FILE *f = stream_of(buf, len);
        csv_table *t = table_of(f, 2, NULL, NULL);
        csv_batch *b;
        fr_err e = { 0 };
        cr_assert_eq(csv_batch_new(t, caps[k], &b, &e), 0);
        size_t rows = 0;
        int rc;
        while (!(rc = csv_table_fill(t, b, &e)) && b->n_rows)
            rows += b->n_rows;
        rows += b->n_rows;
        cr_assert_eq(rc, FROST_EFORMAT, "cap %zu", caps[k]);
        cr_assert_eq(rows, 1000, "cap %zu", caps[k]);
        cr_assert_not_null(strstr(e.msg, "row 1001 (line 1002), column 1 \"a\": \"0.5\" is a "
                                         "number but row 2 holds a boolean"), "%s", e.msg);
        csv_batch_free(b);
        csv_table_free(t);
        fclose(f);
    }
    free(buf);
}

/* ---- table: unused columns ----------------------------------------------------------------- */

Test(csv_table, unused_columns_are_never_read)
{
    static const char *const names[] = { "id", "age", "city" };
    static const csv_kind kinds[] = { CSV_KIND_UNUSED, CSV_KIND_NUMERIC, CSV_KIND_STRING };
    csv_table *t;
    csv_batch *b;
    fr_err e = { 0 };
    /* any value at all in the unused column, a ragged row aside */
    cr_assert_eq(fill_one("city,id,age\nParis,cust-00042,31\nNA,\"x,\"\"y\",NA\nRome,True,2\n", 3,
                          names, kinds, &t, &b, &e), 0, "%s", e.msg);
    cr_assert_eq(b->n_rows, 3);
    cr_assert_eq(csv_table_feature_column(t, 0), 1, "present: bound, so names still pair");
    cr_assert_eq(csv_table_n_ignored(t), 0);
    cr_assert_eq(csv_table_n_strings(t), 1);
    cr_assert_eq(csv_table_string_slot(t, 0), SIZE_MAX);
    for (size_t r = 0; r < 3; r++)
        cr_assert(isnan(b->X[3 * r]), "unused entries are NaN");
    cr_assert_eq(b->X[1], 31.0);
    cr_assert(isnan(b->X[4]));
    cr_assert_str_eq(b->S[0].ptr, "Paris");
    cr_assert_eq(b->S[1].len, 0);
    fill_done(t, b);

    /* absent: not missing */
    cr_assert_eq(fill_one("age,city\n1,x\n", 3, names, kinds, &t, &b, &e), 0, "%s", e.msg);
    cr_assert_eq(csv_table_feature_column(t, 0), SIZE_MAX);
    cr_assert_eq(csv_table_n_missing(t), 0);
    cr_assert_eq(b->X[1], 1.0);
    fill_done(t, b);

    /* but the other features still are */
    FILE *f = stream_str("id\n1\n");
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    csv_schema s = { .n_features = 3, .names = names, .kinds = kinds };
    cr_assert_eq(csv_table_bind(t, &s, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "2 of the model's 3 features have no column: \"age\", "
                                     "\"city\""), "%s", e.msg);
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, unused_columns_by_position_and_by_repeated_name)
{
    /* positional: the unused feature keeps its place (and counts), its value is never parsed */
    static const csv_kind kinds[] = { CSV_KIND_NUMERIC, CSV_KIND_UNUSED, CSV_KIND_NUMERIC };
    csv_table *t;
    csv_batch *b;
    fr_err e = { 0 };
    cr_assert_eq(fill_one("a,b,c\n1,zz,3\n", 3, NULL, kinds, &t, &b, &e), 0, "%s", e.msg);
    cr_assert_eq(b->X[0], 1.0);
    cr_assert(isnan(b->X[1]));
    cr_assert_eq(b->X[2], 3.0);
    fill_done(t, b);
    FILE *f = stream_str("a,c\n1,3\n");
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    csv_schema s = { .n_features = 3, .kinds = kinds };
    cr_assert_eq(csv_table_bind(t, &s, &e), FROST_ESCHEMA, "a position is a position");
    csv_table_free(t);
    fclose(f);

    /* equal names pair in order, the unused one included */
    static const char *const names[] = { "x", "x" };
    static const csv_kind k2[] = { CSV_KIND_UNUSED, CSV_KIND_NUMERIC };
    cr_assert_eq(fill_one("x,x\nid-1,2\n", 2, names, k2, &t, &b, &e), 0, "%s", e.msg);
    cr_assert_eq(b->X[1], 2.0, "the second x feature takes the second x column");
    fill_done(t, b);
}

/* ---- table: kept columns ------------------------------------------------------------------- */

Test(csv_table, kept_columns_by_name)
{
    FILE *f = stream_str("id,b,\"note, quoted\",a,id\n"
                         "r1,2,\"say \"\"hi\"\"\",1,second\n"
                         "\"\",NA,NA,-3.5,x\n");
    csv_table *t;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    static const char *const keep[] = { "note, quoted", "id", "a", "id" };
    cr_assert_eq(csv_table_keep(t, keep, 4, &e), 0, "%s", e.msg);
    cr_assert_eq(csv_table_n_kept(t), 4);
    cr_assert_eq(csv_table_kept_column(t, 0), 2);
    cr_assert_eq(csv_table_kept_column(t, 1), 0, "the first column of that name");
    cr_assert_eq(csv_table_kept_column(t, 3), 0);
    cr_assert_eq(csv_table_kept_column(t, 4), SIZE_MAX);
    static const char *const names[] = { "a", "b" };
    csv_schema s = { .n_features = 2, .names = names };
    cr_assert_eq(csv_table_bind(t, &s, &e), 0, "%s", e.msg);
    /* kept columns are not "ignored"; the second id is */
    cr_assert_eq(csv_table_n_ignored(t), 1);
    cr_assert_eq(csv_table_ignored_column(t, 0), 4);
    double X[4];
    size_t n;
    cr_assert_eq(csv_table_read(t, X, NULL, 2, &n, &e), FROST_EINVAL, "kept: by batches");
    csv_batch *b;
    cr_assert_eq(csv_batch_new(t, 8, &b, &e), 0);
    cr_assert_eq(b->n_kept, 4);
    cr_assert_eq(csv_table_fill(t, b, &e), 0, "%s", e.msg);
    cr_assert_eq(b->n_rows, 2);
    cr_assert_str_eq(b->K[0].ptr, "say \"hi\"", "as read, quotes removed");
    cr_assert_str_eq(b->K[1].ptr, "r1");
    cr_assert_str_eq(b->K[2].ptr, "1", "a kept column may be an input too");
    cr_assert_str_eq(b->K[3].ptr, "r1");
    cr_assert_eq(b->X[0], 1.0);
    cr_assert_eq(b->X[1], 2.0);
    cr_assert_str_eq(b->K[4].ptr, "NA", "kept text is not interpreted");
    cr_assert_eq(b->K[5].len, 0);
    cr_assert_not_null(b->K[5].ptr);
    cr_assert_str_eq(b->K[6].ptr, "-3.5");
    cr_assert(isnan(b->X[3]));
    csv_batch_free(b);
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, kept_columns_do_not_count_by_position)
{
    FILE *f = stream_str("x0,id,x1\n1,cust-1,2\n");
    csv_table *t;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    static const char *const keep[] = { "id", "id" };
    cr_assert_eq(csv_table_keep(t, keep, 2, &e), 0, "%s", e.msg);
    csv_schema s = { .n_features = 2 };
    cr_assert_eq(csv_table_bind(t, &s, &e), 0, "%s", e.msg);
    cr_assert_eq(csv_table_feature_column(t, 0), 0);
    cr_assert_eq(csv_table_feature_column(t, 1), 2);
    csv_batch *b;
    cr_assert_eq(csv_batch_new(t, 4, &b, &e), 0);
    cr_assert_eq(csv_table_fill(t, b, &e), 0, "%s", e.msg);
    cr_assert_eq(b->X[0], 1.0);
    cr_assert_eq(b->X[1], 2.0);
    cr_assert_str_eq(b->K[0].ptr, "cust-1");
    cr_assert_str_eq(b->K[1].ptr, "cust-1");
    csv_batch_free(b);
    csv_schema s3 = { .n_features = 3 };
    cr_assert_eq(csv_table_bind(t, &s3, &e), FROST_EINVAL, "no rebinding after reading");
    csv_table_free(t);
    fclose(f);

    /* one kept column aside, three remain for a model of two */
    f = stream_str("x0,id,x1,x2\n1,c,2,3\n");
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    cr_assert_eq(csv_table_keep(t, keep, 1, &e), 0, "%s", e.msg);
    cr_assert_eq(csv_table_bind(t, &s, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "the model takes 2 columns; the input has 3 besides the 1 "
                                     "kept"), "%s", e.msg);
    cr_assert_eq(csv_table_keep(t, keep, 1, &e), 0, "keep may be set again before binding");
    csv_table_free(t);
    fclose(f);
}

Test(csv_table, kept_column_names_must_exist)
{
    FILE *f = stream_str("id,a\n1,2\n");
    csv_table *t;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    static const char *const keep[] = { "id", "idx", "ID", "" };
    cr_assert_eq(csv_table_keep(t, keep, 4, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "no columns named \"idx\", \"ID\", \"\" to keep (the header "
                                     "has 2 columns)"), "%s", e.msg);
    cr_assert_eq(csv_table_n_kept(t), 0, "nothing kept after a failure");
    cr_assert_eq(csv_table_keep(t, keep, 1, &e), 0);
    static const char *const nul[] = { NULL };
    cr_assert_eq(csv_table_keep(t, nul, 1, &e), FROST_EINVAL);
    static const char *const a[] = { "a" };
    csv_schema s = { .n_features = 1, .names = a };
    cr_assert_eq(csv_table_bind(t, &s, &e), 0, "%s", e.msg);
    cr_assert_eq(csv_table_keep(t, keep, 1, &e), FROST_EINVAL, "after binding");
    csv_table_free(t);
    fclose(f);

    /* an empty header name can be kept (pandas' unnamed index column) */
    f = stream_str(",a\n0,2\n");
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    static const char *const empty[] = { "" };
    cr_assert_eq(csv_table_keep(t, empty, 1, &e), 0, "%s", e.msg);
    cr_assert_eq(csv_table_kept_column(t, 0), 0);
    csv_table_free(t);
    fclose(f);
}

/* ---- table: the separator hint ------------------------------------------------------------- */

Test(csv_table, separator_hint)
{
    static const char *const names[] = { "a", "b", "c", "d" };
    fr_err e = { 0 };
    cr_assert_eq(table_error("a;b;c;d\n1;2;3;4\n", 4, names, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "4 of the model's 4 features have no column: \"a\", \"b\", "
                                     "\"c\", \"d\"; the header line has no ',' but 3 ';' — frost "
                                     "reads comma-separated files; is this file ';'-separated?"),
                       "%s", e.msg);
    cr_assert_eq(table_error("a\tb\tc\n1\t2\t3\n", 4, names, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "has no ',' but 2 tabs — frost reads comma-separated files; "
                                     "is this file tab-separated?"), "%s", e.msg);
    cr_assert_eq(table_error("a|b\n1|2\n", 4, NULL, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "the model takes 4 columns; the input has 1"), "%s", e.msg);
    cr_assert_not_null(strstr(e.msg, "no ',' but 1 '|' —"), "%s", e.msg);
    /* the most frequent candidate is named */
    cr_assert_eq(table_error("a;b;c|d\n1\n", 4, names, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "but 2 ';'"), "%s", e.msg);
    /* commas in the header: comma-separated, whatever else it holds */
    cr_assert_eq(table_error("a;x,b\n1,2\n", 4, names, &e), FROST_ESCHEMA);
    cr_assert_null(strstr(e.msg, "separated"), "%s", e.msg);
    /* one column with no other separator: nothing to suggest */
    cr_assert_eq(table_error("zz\n1\n", 4, names, &e), FROST_ESCHEMA);
    cr_assert_null(strstr(e.msg, "separated"), "%s", e.msg);
    /* a long list of missing names still leaves room for the hint */
    char hdr[8192] = "";
    for (int i = 0; i < 300; i++)
        snprintf(hdr + strlen(hdr), sizeof hdr - strlen(hdr), "%scolumn_number_%d", i ? ";" : "",
                 i);
    strcat(hdr, "\n");
    const char *many[300];
    char store[300][24];
    for (int i = 0; i < 300; i++) {
        snprintf(store[i], sizeof store[i], "column_number_%d", i);
        many[i] = store[i];
    }
    FILE *f = stream_str(hdr);
    csv_table *t;
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    csv_schema s = { .n_features = 300, .names = many };
    cr_assert_eq(csv_table_bind(t, &s, &e), FROST_ESCHEMA);
    cr_assert_not_null(strstr(e.msg, "more; the header line has no ',' but 299 ';'"), "%s",
                       e.msg);
    char hint[256];
    cr_assert_gt(csv_table_separator_hint(t, hint, sizeof hint), 0);
    cr_assert_eq(csv_table_separator_hint(t, hint, 8), 7, "cut to fit");
    csv_table_free(t);
    fclose(f);
}

/* ---- batches ------------------------------------------------------------------------------- */

/* Each batch owns its strings: a batch stays intact while the next ones are read, which is what
 * lets `frost predict --threads` score one batch while parsing another. */
Test(csv_batch, batches_own_their_strings)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    fputs("s,v,id\n", w);
    for (int r = 0; r < 100; r++)
        fprintf(w, "value-%d-%0*d,%d,id%d\n", r, r * 50, 0, r, r);
    fclose(w);
    FILE *f = stream_of(buf, len);
    static const char *const names[] = { "s", "v" };
    static const csv_kind kinds[] = { CSV_KIND_STRING, CSV_KIND_NUMERIC };
    csv_table *t;
    fr_err e = { 0 };
    cr_assert_eq(csv_table_open(f, NULL, &t, &e), 0);
    static const char *const keep[] = { "id" };
    cr_assert_eq(csv_table_keep(t, keep, 1, &e), 0);
    csv_schema s = { .n_features = 2, .names = names, .kinds = kinds };
    cr_assert_eq(csv_table_bind(t, &s, &e), 0);
    csv_batch *b[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(csv_batch_new(t, 7, &b[i], &e), 0);
    size_t rows = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 4; i++) {
            cr_assert_eq(csv_table_fill(t, b[i], &e), 0, "%s", e.msg);
            cr_assert_eq(b[i]->first_row, rows + 1);
            rows += b[i]->n_rows;
        }
        /* all four still hold their own rows */
        for (int i = 0; i < 4; i++)
            for (size_t r = 0; r < b[i]->n_rows; r++) {
                int row = (int)(b[i]->first_row - 1 + r);
                char want[32];
                snprintf(want, sizeof want, "value-%d-", row);
                cr_assert_eq(strncmp(b[i]->S[r].ptr, want, strlen(want)), 0);
                cr_assert_eq(b[i]->S[r].len, strlen(want) + (size_t)(row ? row * 50 : 1));
                cr_assert_eq(b[i]->X[2 * r + 1], (double)row);
                snprintf(want, sizeof want, "id%d", row);
                cr_assert_str_eq(b[i]->K[r].ptr, want);
            }
    }
    cr_assert_eq(rows, 100);
    cr_assert_eq(csv_table_fill(t, b[0], &e), 0);
    cr_assert_eq(b[0]->n_rows, 0, "end of input");

    /* a batch is made for one binding */
    FILE *g = stream_str("s,v\nx,1\n");
    csv_table *t2;
    cr_assert_eq(csv_table_open(g, NULL, &t2, &e), 0);
    csv_batch *nb;
    cr_assert_eq(csv_batch_new(t2, 4, &nb, &e), FROST_EINVAL, "before binding");
    cr_assert_null(nb);
    cr_assert_eq(csv_table_bind(t2, &s, &e), 0);
    cr_assert_eq(csv_table_fill(t2, b[1], &e), FROST_EINVAL, "made for another binding");
    cr_assert_eq(csv_batch_new(t2, 0, &nb, &e), FROST_EINVAL);
    cr_assert_eq(csv_batch_new(t2, SIZE_MAX / 4, &nb, &e), FROST_ENOMEM);
    csv_table_free(t2);
    fclose(g);
    for (int i = 0; i < 4; i++)
        csv_batch_free(b[i]);
    csv_batch_free(NULL);
    csv_table_free(t);
    fclose(f);
    free(buf);
}

/* ---- output text --------------------------------------------------------------------------- */

Test(csv_text, fields_and_numbers)
{
    csv_text t = { 0 };
    cr_assert_eq(csv_text_field(&t, "plain", 5, ',', 0), 0);
    cr_assert_eq(csv_text_put(&t, "|", 1), 0);
    cr_assert_eq(csv_text_field(&t, "a,b", 3, ',', 0), 0);
    cr_assert_eq(csv_text_put(&t, "|", 1), 0);
    cr_assert_eq(csv_text_field(&t, "say \"hi\"", 8, ',', 0), 0);
    cr_assert_eq(csv_text_put(&t, "|", 1), 0);
    cr_assert_eq(csv_text_field(&t, "", 0, ',', 1), 0);
    cr_assert_eq(csv_text_put(&t, "|", 1), 0);
    cr_assert_eq(csv_text_field(&t, "", 0, ',', 0), 0);
    cr_assert_eq(csv_text_put(&t, "|", 1), 0);
    cr_assert_eq(csv_text_double(&t, 0.35), 0);
    cr_assert_eq(csv_text_put(&t, "|", 1), 0);
    cr_assert_eq(csv_text_double(&t, -INFINITY), 0);
    const char *want = "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"\"||0.35|-inf";
    cr_assert_eq(t.len, strlen(want));
    cr_assert_eq(memcmp(t.ptr, want, t.len), 0, "%.*s", (int)t.len, t.ptr);
    /* and it matches what the FILE writer produces, byte for byte, over many appends */
    char *fbuf = NULL;
    size_t flen = 0;
    FILE *f = open_memstream(&fbuf, &flen);
    t.len = 0;
    uint64_t seed = 3;
    for (int i = 0; i < 5000; i++) {
        double v = random_double(&seed);
        char s[8] = { (char)('a' + i % 26), i % 7 ? 'x' : '"', i % 11 ? 'y' : ',', 0 };
        cr_assert_eq(csv_text_double(&t, v), 0);
        cr_assert_eq(csv_write_double(f, v), 0);
        cr_assert_eq(csv_text_field(&t, s, 3, ',', 0), 0);
        cr_assert_eq(csv_write_field(f, s, 3, ',', 0), 0);
    }
    fclose(f);
    cr_assert_eq(t.len, flen);
    cr_assert_eq(memcmp(t.ptr, fbuf, flen), 0);
    free(fbuf);
    csv_text_free(&t);
    cr_assert_null(t.ptr);
    cr_assert_eq(t.len, 0);
}

/* Formatting happens on several threads at once (frost predict --threads): each result must be
 * the same as on one thread, and the caller's locale untouched. */
struct fmt_arg {
    uint64_t seed;
    int bad;
};

static void *format_many(void *p)
{
    struct fmt_arg *a = p;
    char buf[CSV_DOUBLE_MAX];
    for (int i = 0; i < 20000; i++) {
        double v = random_double(&a->seed), back;
        int n = csv_format_double(v, buf, sizeof buf);
        if (n <= 0 || csv_parse_double(buf, (size_t)n, &back) || !same_bits(v, back))
            a->bad++;
    }
    return NULL;
}

Test(csv_text, format_on_many_threads)
{
    pthread_t th[4];
    struct fmt_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct fmt_arg){ .seed = (uint64_t)i + 100 };
        cr_assert_eq(pthread_create(&th[i], NULL, format_many, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(args[i].bad, 0);
    }
}

/* The same with kept columns and batches: every allocation failing in turn ends cleanly. */
Test(csv_table, allocation_failures_keep_and_batches)
{
    const char *in = "s,\"b\",a,a,id\n\"x,y\",1,2,3,k1\nlong string value here,4,5,6,k2\n";
    static const char *const names[] = { "a", "s", "a" };
    static const csv_kind kinds[] = { CSV_KIND_NUMERIC, CSV_KIND_STRING, CSV_KIND_NUMERIC };
    static const char *const keep[] = { "id", "s" };
    int saw_success = 0;
    for (long k = 0; k < 300 && !saw_success; k++) {
        struct failing_alloc fa = { .countdown = k, .live = 0 };
        frost_allocator al = { fa_malloc, fa_realloc, fa_free, &fa };
        csv_options o;
        csv_options_init(&o);
        o.alloc = &al;
        o.read_chunk = 8;
        FILE *f = stream_str(in);
        csv_table *t = NULL;
        csv_batch *b = NULL;
        fr_err e = { 0 };
        int rc = csv_table_open(f, &o, &t, &e);
        if (!rc)
            rc = csv_table_keep(t, keep, 2, &e);
        if (!rc) {
            csv_schema s = { .n_features = 3, .names = names, .kinds = kinds };
            rc = csv_table_bind(t, &s, &e);
        }
        if (!rc)
            rc = csv_batch_new(t, 1, &b, &e);
        size_t total = 0;
        while (!rc && !(rc = csv_table_fill(t, b, &e)) && b->n_rows)
            total += b->n_rows;
        cr_assert(rc == 0 || rc == FROST_ENOMEM, "k=%ld: rc %d (%s)", k, rc, e.msg);
        if (rc == 0) {
            cr_assert_eq(total, 2);
            saw_success = 1;
        } else {
            cr_assert_eq(e.code, FROST_ENOMEM);
        }
        csv_batch_free(b);
        csv_table_free(t);
        fclose(f);
        cr_assert_eq(fa.live, 0, "k=%ld: %ld blocks leaked", k, fa.live);
    }
    cr_assert(saw_success);
}
