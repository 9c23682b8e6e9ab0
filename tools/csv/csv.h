/*
 * csv.h — the streaming CSV record reader, exact number parsing and locale-free number output
 * used by `frost predict`. Private to libfrost (symbols are hidden; the prefix is csv_).
 *
 * The CLI scores files far larger than memory and rows far wider than any fixed buffer
 * (15,000-column inputs occur), and its predictions must equal scikit-learn's bit for bit, so
 * this layer reads in bounded chunks from a FILE*, grows its record buffer with the input, and
 * parses numbers with the C locale whatever setlocale() says. The mapping of columns onto a
 * model's features lives one layer up, in table.h.
 *
 * Dialect (RFC 4180, plus what Python's csv module and pandas write)
 *  - Fields are separated by ',' (csv_options.delimiter) and records end with LF, CRLF or a lone
 *    CR. The last record may lack its line end.
 *  - A UTF-8 byte order mark at the very start of the input is skipped.
 *  - A field starting with '"' is quoted: it runs to the next lone '"', may contain delimiters,
 *    line ends (kept verbatim) and doubled quotes (read as one '"'). After the closing quote only
 *    a delimiter, a line end or the end of input may follow; anything else is FROST_EFORMAT,
 *    because it means the writer and we disagree about the quoting. A quote at end of input that
 *    is still open is FROST_EFORMAT naming the line where the field started.
 *  - A '"' inside an unquoted field is an ordinary character (as Python's reader treats it).
 *  - Lines that are completely empty are skipped, also at the end of the file. A one-column row
 *    holding a missing value is written `""` by Python's csv module, which is not empty, so no
 *    value is lost.
 *  - Memory is proportional to the largest record plus one read chunk, and a record is bounded
 *    by default (csv_options: 16 MiB of field bytes, 2^20 fields; FROST_ELIMIT beyond), so one
 *    hostile line — 100 MB without a line end, or millions of empty fields, each of which costs
 *    24 bytes of bookkeeping — is refused after a bounded allocation instead of growing the
 *    process by its size or several times it. The defaults are far above real inputs (the
 *    widest seen are 15,000 columns); a caller sets 0 for no bound.
 *  - Bytes are passed through as they are (no encoding check): a field is whatever lies between
 *    the separators, with quoting removed.
 *
 * Numbers (csv_parse_double)
 *  - What Python's float() accepts, minus '_' separators: decimal with optional sign, point and
 *    exponent; "inf", "infinity", "nan" in any case with an optional sign. Hexadecimal floats and
 *    C's "nan(...)" are rejected, since no Python or pandas writer produces them and a "0x10"
 *    column is far more likely an identifier than the number 16.
 *  - Conversion is correctly rounded (glibc strtod_l in a "C" locale object), so any value
 *    printed with %.17g or Python's repr() reads back bit-exactly; subnormals are kept and
 *    magnitudes beyond DBL_MAX round to ±inf, as float() does.
 *  - Spaces and tabs around a number are tolerated (Python's float() and pandas accept them);
 *    a field of only spaces/tabs is missing, like an empty one.
 */
#ifndef FROST_CSV_H
#define FROST_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "frost.h"

/* One field of the current record: ptr[0..len) with the quoting removed. ptr[len] is always
 * '\0', so a field can be handed to C string functions, but the field itself may contain NUL
 * bytes; len is authoritative. */
typedef struct csv_field {
    const char *ptr; /* first byte; never NULL */
    size_t len;      /* bytes, excluding the terminating NUL */
} csv_field;

typedef struct csv_options {
    size_t size;                  /* sizeof(csv_options): set by csv_options_init */
    char delimiter;               /* field separator; ',' by default. Must not be '"', CR or LF */
    size_t max_record_bytes;      /* longest record accepted (FROST_ELIMIT beyond); 0 = no bound;
                                   * csv_options_init: CSV_DEFAULT_MAX_RECORD */
    size_t read_chunk;            /* bytes requested per fread; 0 = 64 KiB. Tests use tiny chunks
                                   * to cross every state boundary */
    const frost_allocator *alloc; /* NULL = malloc/realloc/free; must outlive the reader */
    size_t max_fields;            /* most fields in one record (FROST_ELIMIT beyond); 0 = no bound;
                                   * csv_options_init: CSV_DEFAULT_MAX_FIELDS */
} csv_options;

#define CSV_DEFAULT_MAX_RECORD ((size_t)16 << 20)
#define CSV_DEFAULT_MAX_FIELDS ((size_t)1 << 20)

void csv_options_init(csv_options *opts);

typedef struct csv_reader csv_reader;

/* Creates a reader over f, which stays the caller's (it is neither closed nor rewound; reading
 * starts at its current position). opts may be NULL. Allocates only the reader, which
 * csv_reader_free releases. On failure *out is NULL. */
int csv_reader_new(FILE *f, const csv_options *opts, csv_reader **out, fr_err *e);

/* Reads the next record. On success returns 0 with *fields pointing at *n_fields fields (at
 * least one); both stay valid until the next call or csv_reader_free. At end of input returns
 * 0 with *n_fields == 0 and *fields == NULL. On failure returns FROST_EFORMAT (bad quoting),
 * FROST_EIO (fread failed), FROST_ENOMEM or FROST_ELIMIT with a message naming the line; the
 * reader then returns the same code on every later call. */
int csv_reader_next(csv_reader *r, const csv_field **fields, size_t *n_fields, fr_err *e);

/* 1-based number of the record last returned (the header is record 1), 0 before the first. */
uint64_t csv_reader_record(const csv_reader *r);

/* 1-based physical line on which the record last returned starts (quoted fields may span
 * lines, and skipped blank lines count, so this is what an editor shows). */
uint64_t csv_reader_line(const csv_reader *r);

/* The allocator the reader was created with (never NULL: the default one otherwise), so layers
 * built on a reader allocate the same way. */
const frost_allocator *csv_reader_allocator(const csv_reader *r);

/* Releases the reader (not its FILE). NULL is accepted. */
void csv_reader_free(csv_reader *r);

/* Parses s[0..len) as one number under the rules above. Returns 0 and sets *out (NaN for an
 * empty or blank field), or FROST_EFORMAT when the field is not a number; records no message,
 * since only the caller knows the row and column. Thread-safe and independent of setlocale.
 * Reads only s[0..len). A number of 128 bytes or more is copied to plain malloc memory (the one
 * allocation outside csv_options.alloc; FROST_ENOMEM if it fails), shorter ones to the stack. */
int csv_parse_double(const char *s, size_t len, double *out);

/* Writes v as C's %.17g in the "C" locale ("nan" for any NaN, "inf"/"-inf"), which
 * csv_parse_double, Python's float() and pandas read back to the same bits. buf receives at
 * most cap bytes including the NUL; returns the length (without NUL) or FROST_ELIMIT when cap is
 * too small (CSV_DOUBLE_MAX is always enough) or FROST_ENOMEM if the C locale cannot be made. */
#define CSV_DOUBLE_MAX 32
int csv_format_double(double v, char *buf, size_t cap);

/* Writes v to out as csv_format_double does. Returns 0, FROST_EIO or FROST_ENOMEM. */
int csv_write_double(FILE *out, double v);

/* Writes s[0..len) as one field, quoted (with '"' doubled) only when it contains the delimiter,
 * '"', CR or LF, or when it is empty and alone on its line (single_field != 0), which is what
 * Python's csv writer does. Returns 0 or FROST_EIO. */
int csv_write_field(FILE *out, const char *s, size_t len, char delimiter, int single_field);

#endif
