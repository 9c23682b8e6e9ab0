/*
 * reader.c — the streaming CSV record reader (csv.h).
 *
 * Owns the RFC 4180 state machine, the line/record counters that every CSV message quotes, and
 * the memory for one record at a time. Input is pulled through fread in fixed chunks so stdin
 * and pipes work and a 100k-row file never has to fit in memory; the record buffer grows with
 * the widest record instead of imposing a line-length limit. The state lives in the reader, not
 * on the stack, only where a chunk boundary can fall inside it (the CR of a CRLF, the BOM).
 */
#include "csv/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csv/mem.h"

#define CSV_DEFAULT_CHUNK ((size_t)64 * 1024)

/* Byte classes for the fast scan over runs of ordinary bytes; a run ends at any byte whose bit
 * for the current state is set. */
enum {
    CSV_STOP_UNQUOTED = 1, /* delimiter, CR, LF */
    CSV_STOP_QUOTED = 2,   /* '"', CR, LF */
};

/* Parser states within one record. */
enum csv_state {
    CSV_ST_RECORD,     /* before the first byte of a record: blank lines are skipped here */
    CSV_ST_FIELD,      /* at the first byte of a field (after a delimiter, or record start) */
    CSV_ST_UNQUOTED,   /* inside an unquoted field */
    CSV_ST_QUOTED,     /* inside a quoted field */
    CSV_ST_QUOTE_SEEN, /* just after a '"' inside a quoted field: doubled quote or the close */
};

struct csv_reader {
    FILE *f;                   /* borrowed input */
    frost_allocator alloc;     /* copy of the caller's allocator, or the default one */
    char delim;                /* field separator */
    size_t max_record;         /* FROST_ELIMIT beyond this many record bytes; 0 = unbounded */
    size_t max_fields;         /* FROST_ELIMIT beyond this many fields in a record; 0 = unbounded */
    unsigned char stop[256];   /* CSV_STOP_* bits per byte value */

    unsigned char *buf;        /* read chunk */
    size_t buf_cap;            /* bytes requested per fread */
    size_t buf_len;            /* valid bytes in buf */
    size_t buf_pos;            /* next unread byte in buf */
    int eof;                   /* fread reported end of input; no more reads */
    int started;               /* the BOM check has run */

    char *rec;                 /* current record's field bytes, each field NUL-terminated */
    size_t rec_len;            /* bytes used in rec */
    size_t rec_cap;            /* bytes allocated in rec */
    size_t *offs;              /* start offset in rec of each field of the current record */
    csv_field *fields;         /* the record as returned to the caller */
    size_t n_fields;           /* fields in the current record */
    size_t fields_cap;         /* entries allocated in offs and in fields */

    uint64_t line;             /* physical line of the next byte to read, 1-based */
    int prev_cr;               /* last byte consumed was CR, so a following LF ends no new line */
    uint64_t record;           /* records returned so far */
    uint64_t record_line;      /* line on which the last returned record started */

    fr_err fail;               /* first failure, replayed by every later call */
};

static void *csv_default_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}

static void *csv_default_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return realloc(p, n);
}

static void csv_default_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static const frost_allocator csv_default_alloc = {
    .malloc_fn = csv_default_malloc,
    .realloc_fn = csv_default_realloc,
    .free_fn = csv_default_free,
    .ctx = NULL,
};

void csv_options_init(csv_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->size = sizeof *opts;
    opts->delimiter = ',';
    opts->max_record_bytes = CSV_DEFAULT_MAX_RECORD;
    opts->max_fields = CSV_DEFAULT_MAX_FIELDS;
}

int csv_reader_new(FILE *f, const csv_options *opts, csv_reader **out, fr_err *e)
{
    csv_options o;
    csv_options_init(&o);
    if (out)
        *out = NULL;
    if (!f || !out)
        return fr_fail(e, FROST_EINVAL, "csv: no input stream");
    if (opts) {
        /* A caller built against an older, shorter csv_options gets defaults for the rest. */
        if (opts->size < offsetof(csv_options, delimiter) + sizeof opts->delimiter ||
            opts->size > sizeof o)
            return fr_fail(e, FROST_EINVAL, "csv: csv_options.size is %zu, expected %zu",
                           opts->size, sizeof o);
        memcpy(&o, opts, opts->size);
    }
    if (o.delimiter == '"' || o.delimiter == '\r' || o.delimiter == '\n' || o.delimiter == '\0')
        return fr_fail(e, FROST_EINVAL, "csv: delimiter cannot be a quote, a line end or NUL");
    if (o.alloc && (!o.alloc->malloc_fn || !o.alloc->realloc_fn || !o.alloc->free_fn))
        return fr_fail(e, FROST_EINVAL, "csv: allocator must give all three functions");

    const frost_allocator *a = o.alloc ? o.alloc : &csv_default_alloc;
    csv_reader *r = csv_alloc(a, sizeof *r);
    if (!r)
        return fr_fail(e, FROST_ENOMEM, "csv: out of memory for the reader");
    memset(r, 0, sizeof *r);
    r->f = f;
    r->alloc = *a;
    r->delim = o.delimiter;
    r->max_record = o.max_record_bytes;
    r->max_fields = o.max_fields;
    /* At least 4 bytes, so the first fill can hold the whole 3-byte BOM. */
    r->buf_cap = o.read_chunk ? (o.read_chunk < 4 ? 4 : o.read_chunk) : CSV_DEFAULT_CHUNK;
    r->line = 1;
    r->stop[(unsigned char)r->delim] |= CSV_STOP_UNQUOTED;
    r->stop['\r'] |= CSV_STOP_UNQUOTED | CSV_STOP_QUOTED;
    r->stop['\n'] |= CSV_STOP_UNQUOTED | CSV_STOP_QUOTED;
    r->stop['"'] |= CSV_STOP_QUOTED;

    r->buf = csv_alloc(a, r->buf_cap);
    if (!r->buf)
        goto free_reader;
    *out = r;
    return 0;

free_reader:;
    size_t want = r->buf_cap;
    csv_dealloc(a, r);
    return fr_fail(e, FROST_ENOMEM, "csv: out of memory for a %zu-byte read buffer", want);
}

void csv_reader_free(csv_reader *r)
{
    if (!r)
        return;
    frost_allocator a = r->alloc;
    csv_dealloc(&a, r->buf);
    csv_dealloc(&a, r->rec);
    csv_dealloc(&a, r->offs);
    csv_dealloc(&a, r->fields);
    csv_dealloc(&a, r);
}

uint64_t csv_reader_record(const csv_reader *r)
{
    return r->record;
}

uint64_t csv_reader_line(const csv_reader *r)
{
    return r->record_line;
}

const frost_allocator *csv_reader_allocator(const csv_reader *r)
{
    return &r->alloc;
}

/* Records the first failure so later calls replay it: a caller that ignores one error must not
 * get a half-parsed record on the next call. */
static int csv_sticky(csv_reader *r, fr_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int csv_sticky(csv_reader *r, fr_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fail.msg, sizeof r->fail.msg, fmt, ap);
    va_end(ap);
    r->fail.code = code;
    return fr_fail(e, code, "%s", r->fail.msg);
}

/* Reads the next chunk once the current one is used up. Returns 0 (buf_pos == buf_len then means
 * end of input) or FROST_EIO. */
static int csv_refill(csv_reader *r, fr_err *e)
{
    if (r->buf_pos < r->buf_len || r->eof)
        return 0;
    r->buf_pos = 0;
    r->buf_len = fread(r->buf, 1, r->buf_cap, r->f);
    if (r->buf_len < r->buf_cap) {
        if (ferror(r->f))
            return csv_sticky(r, e, FROST_EIO, "csv: read error near line %llu: %s",
                              (unsigned long long)r->line, strerror(errno));
        r->eof = 1;
    }
    return 0;
}

/* Fills the first chunk and skips a UTF-8 BOM. Only at the very start of the input: a BOM
 * anywhere else is data. fread returns short only at end of input, and the buffer holds at
 * least 4 bytes, so one fill sees the whole BOM if there is one. */
static int csv_start(csv_reader *r, fr_err *e)
{
    r->started = 1;
    int rc = csv_refill(r, e);
    if (rc)
        return rc;
    if (r->buf_len >= 3 && r->buf[0] == 0xEF && r->buf[1] == 0xBB && r->buf[2] == 0xBF)
        r->buf_pos = 3;
    return 0;
}

static void csv_newline(csv_reader *r, unsigned char c)
{
    if (c == '\r' || !r->prev_cr)
        r->line++;
    r->prev_cr = c == '\r';
}

static int csv_append(csv_reader *r, fr_err *e, const void *p, size_t n)
{
    /* +1 keeps room for the NUL that closes the field. */
    if (n > SIZE_MAX - 2 - r->rec_len)
        return csv_sticky(r, e, FROST_ENOMEM, "csv: record starting on line %llu is too large",
                          (unsigned long long)r->record_line);
    size_t need = r->rec_len + n + 1;
    if (r->max_record && need > r->max_record)
        return csv_sticky(r, e, FROST_ELIMIT,
                          "csv: record starting on line %llu exceeds %zu bytes",
                          (unsigned long long)r->record_line, r->max_record);
    if (csv_grow(&r->alloc, (void **)&r->rec, &r->rec_cap, need, 1))
        return csv_sticky(r, e, FROST_ENOMEM,
                          "csv: out of memory for a %zu-byte record starting on line %llu", need,
                          (unsigned long long)r->record_line);
    memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    return 0;
}

static int csv_begin_field(csv_reader *r, fr_err *e)
{
    if (r->max_fields && r->n_fields >= r->max_fields)
        return csv_sticky(r, e, FROST_ELIMIT,
                          "csv: record starting on line %llu has more than %zu fields",
                          (unsigned long long)r->record_line, r->max_fields);
    if (r->n_fields == r->fields_cap) {
        size_t cap = r->fields_cap;
        if (csv_grow(&r->alloc, (void **)&r->offs, &cap, r->n_fields + 1, sizeof *r->offs))
            goto enomem;
        size_t cap2 = r->fields_cap;
        if (csv_grow(&r->alloc, (void **)&r->fields, &cap2, cap, sizeof *r->fields))
            goto enomem;
        r->fields_cap = cap;
    }
    r->offs[r->n_fields++] = r->rec_len;
    return 0;

enomem:
    return csv_sticky(r, e, FROST_ENOMEM,
                      "csv: out of memory for %zu fields in the record starting on line %llu",
                      r->n_fields + 1, (unsigned long long)r->record_line);
}

static int csv_end_field(csv_reader *r, fr_err *e)
{
    return csv_append(r, e, "", 1);
}

/* Turns the field offsets into pointers now that rec has stopped moving. */
static void csv_finish(csv_reader *r, const csv_field **fields, size_t *n_fields)
{
    for (size_t i = 0; i < r->n_fields; i++) {
        size_t end = i + 1 < r->n_fields ? r->offs[i + 1] : r->rec_len;
        r->fields[i].ptr = r->rec + r->offs[i];
        r->fields[i].len = end - 1 - r->offs[i];
    }
    r->record++;
    *fields = r->fields;
    *n_fields = r->n_fields;
}

int csv_reader_next(csv_reader *r, const csv_field **fields, size_t *n_fields, fr_err *e)
{
    *fields = NULL;
    *n_fields = 0;
    if (r->fail.code)
        return fr_fail(e, r->fail.code, "%s", r->fail.msg);
    if (!r->started) {
        int rc = csv_start(r, e);
        if (rc)
            return rc;
    }
    r->rec_len = 0;
    r->n_fields = 0;
    enum csv_state st = CSV_ST_RECORD;
    uint64_t quote_line = 0;
    int rc;

    for (;;) {
        if (r->buf_pos == r->buf_len) {
            if ((rc = csv_refill(r, e)))
                return rc;
            if (r->buf_pos == r->buf_len) {
                switch (st) {
                case CSV_ST_RECORD:
                    return 0;
                case CSV_ST_QUOTED:
                    return csv_sticky(r, e, FROST_EFORMAT,
                                      "csv: line %llu: quoted field never closed before the "
                                      "end of input",
                                      (unsigned long long)quote_line);
                case CSV_ST_FIELD:
                    if ((rc = csv_begin_field(r, e)))
                        return rc;
                    break;
                case CSV_ST_UNQUOTED:
                case CSV_ST_QUOTE_SEEN:
                    break;
                }
                if ((rc = csv_end_field(r, e)))
                    return rc;
                csv_finish(r, fields, n_fields);
                return 0;
            }
        }

        unsigned char c = r->buf[r->buf_pos];
        switch (st) {
        case CSV_ST_RECORD:
            if (c == '\r' || c == '\n') {
                r->buf_pos++;
                csv_newline(r, c);
                continue;
            }
            r->record_line = r->line;
            st = CSV_ST_FIELD;
            continue;

        case CSV_ST_FIELD:
            if ((rc = csv_begin_field(r, e)))
                return rc;
            if (c == '"') {
                r->buf_pos++;
                r->prev_cr = 0;
                quote_line = r->line;
                st = CSV_ST_QUOTED;
            } else {
                st = CSV_ST_UNQUOTED;
            }
            continue;

        case CSV_ST_UNQUOTED:
        case CSV_ST_QUOTE_SEEN:
            if (c == (unsigned char)r->delim) {
                r->buf_pos++;
                r->prev_cr = 0;
                if ((rc = csv_end_field(r, e)))
                    return rc;
                st = CSV_ST_FIELD;
                continue;
            }
            if (c == '\r' || c == '\n') {
                r->buf_pos++;
                csv_newline(r, c);
                if ((rc = csv_end_field(r, e)))
                    return rc;
                csv_finish(r, fields, n_fields);
                return 0;
            }
            if (st == CSV_ST_QUOTE_SEEN) {
                if (c != '"')
                    return csv_sticky(r, e, FROST_EFORMAT,
                                      "csv: line %llu: unexpected character after the closing "
                                      "quote of a field (a quote inside a quoted field must be "
                                      "doubled)",
                                      (unsigned long long)r->line);
                r->buf_pos++;
                r->prev_cr = 0;
                if ((rc = csv_append(r, e, "\"", 1)))
                    return rc;
                st = CSV_ST_QUOTED;
                continue;
            }
            break; /* the run scan below */

        case CSV_ST_QUOTED:
            if (c == '"') {
                r->buf_pos++;
                r->prev_cr = 0;
                st = CSV_ST_QUOTE_SEEN;
                continue;
            }
            if (c == '\r' || c == '\n') {
                r->buf_pos++;
                csv_newline(r, c);
                if ((rc = csv_append(r, e, &c, 1)))
                    return rc;
                continue;
            }
            break; /* the run scan below */
        }

        /* A run of ordinary bytes, copied at once: this is where nearly all input goes. */
        unsigned char bit = st == CSV_ST_QUOTED ? CSV_STOP_QUOTED : CSV_STOP_UNQUOTED;
        size_t start = r->buf_pos, pos = start + 1;
        while (pos < r->buf_len && !(r->stop[r->buf[pos]] & bit))
            pos++;
        r->buf_pos = pos;
        r->prev_cr = 0;
        if ((rc = csv_append(r, e, r->buf + start, pos - start)))
            return rc;
    }
}
