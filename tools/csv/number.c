/*
 * number.c — exact, locale-independent conversion between CSV text and doubles (csv.h).
 *
 * frost's promise is predictions identical to scikit-learn's, and a tree threshold can sit one
 * ulp away from a feature value, so a number must read back to the very bits Python wrote.
 * glibc's strtod is correctly rounded, but it obeys LC_NUMERIC: in a de_DE process "1.5" would
 * stop at the '.', so every conversion here goes through a "C" locale object made once, and the
 * grammar is checked separately to accept what Python's float() accepts and nothing more.
 */
#include "csv/csv.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The one "C" locale object, created on first use and never freed (it lives as long as the
 * process, like the C library's own locales); pthread_once makes the creation race-free. */
static pthread_once_t csv_c_locale_once = PTHREAD_ONCE_INIT;
static locale_t csv_c_locale_obj;

static void csv_c_locale_make(void)
{
    csv_c_locale_obj = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t csv_c_locale(void)
{
    pthread_once(&csv_c_locale_once, csv_c_locale_make);
    return csv_c_locale_obj;
}

static int csv_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Digits, point, exponent and exponent sign: the only bytes a decimal number may contain. The
 * structure (one point, digits present, exponent well formed) is left to strtod_l, whose end
 * pointer must then reach the end of the field. */
static int csv_decimal_chars(const char *p, const char *end)
{
    for (; p < end; p++) {
        char c = *p;
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' ||
              c == '-'))
            return 0;
    }
    return 1;
}

static int csv_word_is(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) == n && strncasecmp(p, word, n) == 0;
}

int csv_parse_double(const char *s, size_t len, double *out)
{
    const char *p = s, *end = s + len;
    while (p < end && csv_is_blank(*p))
        p++;
    while (end > p && csv_is_blank(end[-1]))
        end--;
    if (len == 0) {
        *out = NAN;
        return 0;
    }
    /* Blanks alone are no number: float(" ") raises, and pandas keeps " " as text, which
     * scikit-learn then cannot convert. */
    if (p == end)
        return FROST_EFORMAT;

    const char *body = p;
    int neg = 0;
    if (*body == '+' || *body == '-') {
        neg = *body == '-';
        body++;
    }
    if (body == end)
        return FROST_EFORMAT;
    if (!((*body >= '0' && *body <= '9') || *body == '.')) {
        if (csv_word_is(body, end, "inf") || csv_word_is(body, end, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            return 0;
        }
        if (csv_word_is(body, end, "nan")) {
            *out = neg ? -NAN : NAN;
            return 0;
        }
        return FROST_EFORMAT;
    }
    if (!csv_decimal_chars(body, end))
        return FROST_EFORMAT;

    /* strtod_l needs a terminated string, and the field's own terminator may lie after
     * trailing blanks; copy unless the number is unusually long. */
    size_t n = (size_t)(end - p);
    char small[128];
    char *text = small;
    if (n >= sizeof small) {
        text = malloc(n + 1);
        if (!text)
            return FROST_ENOMEM;
    }
    memcpy(text, p, n);
    text[n] = '\0';

    int rc = 0;
    locale_t c = csv_c_locale();
    if (!c) {
        rc = FROST_ENOMEM;
        goto free_text;
    }
    char *stop;
    /* ERANGE is ignored on purpose: an underflow still yields the correctly rounded subnormal
     * or zero, an overflow ±inf, which is what Python's float() returns for the same text. */
    double v = strtod_l(text, &stop, c);
    if (stop != text + n) {
        rc = FROST_EFORMAT;
        goto free_text;
    }
    *out = v;

free_text:
    if (text != small)
        free(text);
    return rc;
}

int csv_format_double(double v, char *buf, size_t cap)
{
    const char *word = NULL;
    if (isnan(v))
        word = "nan";
    else if (isinf(v))
        word = v < 0 ? "-inf" : "inf";
    if (word) {
        size_t n = strlen(word);
        if (n + 1 > cap)
            return FROST_ELIMIT;
        memcpy(buf, word, n + 1);
        return (int)n;
    }

    locale_t c = csv_c_locale();
    if (!c)
        return FROST_ENOMEM;
    /* Shortest round trip, as Python's repr: %.15g is the shortest form whenever one of at most
     * 15 digits reads back (doubles are denser than 15-digit decimals, so only the nearest one
     * can, and %g drops trailing zeros); past that, the correctly rounded 16-digit form
     * round-trips whenever any 16-digit form does; 17 digits always do. Subnormals have fewer
     * significant bits, so there the search starts at one digit ("5e-324", not
     * "4.94065645841247e-324"). uselocale changes only this thread's locale. */
    char tmp[CSV_DOUBLE_MAX];
    int n = 0;
    locale_t old = uselocale(c);
    int first = v != 0 && fabs(v) < DBL_MIN ? 1 : 15;
    for (int prec = first; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (n < 0 || (size_t)n >= sizeof tmp || prec == 17)
            break;
        double back = strtod_l(tmp, NULL, c);
        if (memcmp(&back, &v, sizeof v) == 0)
            break;
    }
    uselocale(old);
    if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n >= cap)
        return FROST_ELIMIT;
    memcpy(buf, tmp, (size_t)n + 1);
    return n;
}
