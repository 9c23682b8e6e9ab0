/*
 * writer.c — the output side of the CSV layer (csv.h): fields quoted as Python's csv writer
 * quotes them and numbers in their shortest round-tripping form, to a FILE or to an in-memory
 * text buffer.
 *
 * The buffer exists for `frost predict --threads`: formatting numbers costs about as much as
 * scoring, so each worker formats its own batch into memory and one thread writes the batches
 * out in input order.
 */
#include "csv/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int csv_needs_quotes(const char *s, size_t len, char delimiter, int single_field)
{
    if (len == 0)
        return single_field;
    for (size_t i = 0; i < len; i++)
        if (s[i] == delimiter || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return 1;
    return 0;
}

int csv_write_double(FILE *out, double v)
{
    char buf[CSV_DOUBLE_MAX];
    int n = csv_format_double(v, buf, sizeof buf);
    if (n < 0)
        return n;
    return fwrite(buf, 1, (size_t)n, out) == (size_t)n ? 0 : FROST_EIO;
}

int csv_write_field(FILE *out, const char *s, size_t len, char delimiter, int single_field)
{
    if (!csv_needs_quotes(s, len, delimiter, single_field))
        return fwrite(s, 1, len, out) == len ? 0 : FROST_EIO;

    if (putc('"', out) == EOF)
        return FROST_EIO;
    const char *p = s, *end = s + len;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        size_t n = q ? (size_t)(q - p) + 1 : (size_t)(end - p);
        if (fwrite(p, 1, n, out) != n)
            return FROST_EIO;
        /* Each '"' written is followed by a second one. */
        if (q && putc('"', out) == EOF)
            return FROST_EIO;
        p += n;
    }
    return putc('"', out) == EOF ? FROST_EIO : 0;
}

/* ---- in-memory text ------------------------------------------------------------------------ */

static int csv_text_reserve(csv_text *t, size_t more)
{
    if (more <= t->cap - t->len)
        return 0;
    if (more > SIZE_MAX - t->len)
        return FROST_ENOMEM;
    size_t need = t->len + more, cap = t->cap ? t->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return FROST_ENOMEM;
        cap *= 2;
    }
    char *p = realloc(t->ptr, cap);
    if (!p)
        return FROST_ENOMEM;
    t->ptr = p;
    t->cap = cap;
    return 0;
}

int csv_text_put(csv_text *t, const void *p, size_t n)
{
    if (n == 0) /* ptr may still be NULL, and NULL + 0 is undefined */
        return 0;
    if (csv_text_reserve(t, n))
        return FROST_ENOMEM;
    memcpy(t->ptr + t->len, p, n);
    t->len += n;
    return 0;
}

int csv_text_double(csv_text *t, double v)
{
    if (csv_text_reserve(t, CSV_DOUBLE_MAX))
        return FROST_ENOMEM;
    int n = csv_format_double(v, t->ptr + t->len, CSV_DOUBLE_MAX);
    if (n < 0)
        return n;
    t->len += (size_t)n;
    return 0;
}

int csv_text_field(csv_text *t, const char *s, size_t len, char delimiter, int single_field)
{
    if (!csv_needs_quotes(s, len, delimiter, single_field))
        return csv_text_put(t, s, len);
    /* Worst case every byte is a quote, doubled, plus the two around. */
    if (len > (SIZE_MAX - 2) / 2 || csv_text_reserve(t, 2 * len + 2))
        return FROST_ENOMEM;
    char *o = t->ptr + t->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    t->len = (size_t)(o - t->ptr);
    return 0;
}

void csv_text_free(csv_text *t)
{
    free(t->ptr);
    t->ptr = NULL;
    t->len = t->cap = 0;
}
