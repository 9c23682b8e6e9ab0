/*
 * csv.h — the streaming CSV record reader, exact number parsing, pandas' cell vocabulary (missing
 * values, booleans) and locale-free output used by `frost predict`. Private to libfrost (symbols
 * are hidden; the prefix is csv_).
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
 *    magnitudes beyond DBL_MAX ("1e400") round to ±inf, as float() does.
 *  - Spaces and tabs around a number are tolerated (Python's float() and pandas accept them).
 *    The empty field is NaN; a field of only spaces/tabs is not a number (float(" ") raises, and
 *    pandas keeps " " as text, which scikit-learn refuses).
 *
 * Cells (csv_is_na, csv_parse_bool): what pandas.read_csv with default settings makes of a cell
 * before scikit-learn sees it. Compared byte for byte after quote removal (pandas reads a quoted
 * "NA" as missing too, and trims nothing, so " NA" is text):
 *  - missing: the empty field and pandas' default NA spellings NA, N/A, n/a, NULL, null, NaN,
 *    nan, -NaN, -nan, <NA>, None, #N/A, #N/A N/A, #NA, 1.#IND, -1.#IND, 1.#QNAN, -1.#QNAN
 *    ("None" as pandas ≥ 2 reads it; 1.x kept it as text);
 *  - booleans: true and false in any letter case, which pandas reads into a bool column that
 *    scikit-learn turns into 1.0 and 0.0. A column with both booleans and numbers is text to
 *    pandas, and scikit-learn refuses it; table.h enforces that per column.
 *
 * Output (csv_format_double, csv_write_*, csv_text_*)
 *  - Numbers in the shortest form that reads back to the same double, as Python's repr(): 0.35,
 *    not 0.34999999999999998; integers without a point ("3"); "nan", "inf", "-inf". Found by
 *    trying %.15g, %.16g, then %.17g in the "C" locale and keeping the first that strtod_l reads
 *    back to identical bits.
 *  - Fields quoted as Python's csv writer quotes them.
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
 * empty field), or FROST_EFORMAT when the field is not a number; records no message, since only
 * the caller knows the row and column. Thread-safe and independent of setlocale. Reads only
 * s[0..len). A number of 128 bytes or more is copied to plain malloc memory (the one allocation
 * outside csv_options.alloc; FROST_ENOMEM if it fails), shorter ones to the stack. NA spellings
 * other than the empty field and the nan words are not numbers here: see csv_is_na. */
int csv_parse_double(const char *s, size_t len, double *out);

/* 1 when s[0..len) is the empty field or one of pandas' NA spellings (above), else 0. */
int csv_is_na(const char *s, size_t len);

/* 1 for true, 0 for false (any letter case, nothing around), -1 for anything else. */
int csv_parse_bool(const char *s, size_t len);

/* Writes v in its shortest round-tripping form (above) in the "C" locale, which
 * csv_parse_double, Python's float() and pandas read back to the same bits. buf receives at most
 * cap bytes including the NUL; returns the length (without NUL) or FROST_ELIMIT when cap is too
 * small (CSV_DOUBLE_MAX is always enough) or FROST_ENOMEM if the C locale cannot be made.
 * Thread-safe. */
#define CSV_DOUBLE_MAX 32
int csv_format_double(double v, char *buf, size_t cap);

/* Writes v to out as csv_format_double does. Returns 0, FROST_EIO or FROST_ENOMEM. */
int csv_write_double(FILE *out, double v);

/* Writes s[0..len) as one field, quoted (with '"' doubled) only when it contains the delimiter,
 * '"', CR or LF, or when it is empty and alone on its line (single_field != 0), which is what
 * Python's csv writer does. Returns 0 or FROST_EIO. */
int csv_write_field(FILE *out, const char *s, size_t len, char delimiter, int single_field);

/* A growing in-memory text, for output formatted away from the thread that writes it. Zero-
 * initialise; memory comes from plain malloc/realloc (output is the CLI's, not an embedder's);
 * csv_text_free releases it. Each append returns 0 or FROST_ENOMEM (the text is unchanged). */
typedef struct csv_text {
    char *ptr;  /* ptr[0..len): the text, not NUL-terminated; NULL before the first append */
    size_t len;
    size_t cap;
} csv_text;

int csv_text_put(csv_text *t, const void *p, size_t n);
int csv_text_double(csv_text *t, double v);     /* as csv_format_double */
int csv_text_field(csv_text *t, const char *s, size_t len, char delimiter,
                   int single_field);           /* as csv_write_field */
void csv_text_free(csv_text *t);

#endif
