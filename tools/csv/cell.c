/*
 * cell.c — what a CSV cell means beyond its number: pandas' missing-value spellings and its
 * booleans (csv.h).
 *
 * frost promises the predictions scikit-learn makes on `pandas.read_csv(path)`, so a cell that
 * pandas turns into NaN must be missing here too, and a column pandas reads as bool must score
 * as scikit-learn's 1.0/0.0. Both lists are pandas' defaults, compared byte for byte after the
 * quotes are removed: pandas does not trim them, so " NA" is text, not missing.
 */
#include "csv/csv.h"

#include <string.h>

/* pandas.read_csv's default na_values (pandas ≥ 2, which adds "None"); the empty field is
 * handled by the length test. */
#define CSV_WORD(s) { s, sizeof s - 1 }
static const struct {
    const char *text;
    size_t len;
} csv_na_words[] = {
    CSV_WORD("NA"),     CSV_WORD("N/A"),    CSV_WORD("n/a"),      CSV_WORD("NaN"),
    CSV_WORD("nan"),    CSV_WORD("#NA"),    CSV_WORD("NULL"),     CSV_WORD("null"),
    CSV_WORD("-NaN"),   CSV_WORD("-nan"),   CSV_WORD("<NA>"),     CSV_WORD("None"),
    CSV_WORD("#N/A"),   CSV_WORD("1.#IND"), CSV_WORD("-1.#IND"),  CSV_WORD("1.#QNAN"),
    CSV_WORD("-1.#QNAN"), CSV_WORD("#N/A N/A"),
};
#undef CSV_WORD

#define CSV_NA_LONGEST 8

int csv_is_na(const char *s, size_t len)
{
    if (len == 0)
        return 1;
    if (len > CSV_NA_LONGEST)
        return 0;
    /* Numbers are by far the commonest cells: most fail on their first byte. */
    switch (s[0]) {
    case 'N': case 'n': case '-': case '<': case '#': case '1':
        break;
    default:
        return 0;
    }
    for (size_t i = 0; i < sizeof csv_na_words / sizeof *csv_na_words; i++)
        if (csv_na_words[i].len == len && memcmp(csv_na_words[i].text, s, len) == 0)
            return 1;
    return 0;
}

/* ASCII-only case folding: strncasecmp would follow the process locale. */
static int csv_ascii_ieq(const char *s, const char *lower, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lower[i])
            return 0;
    }
    return 1;
}

int csv_parse_bool(const char *s, size_t len)
{
    /* pandas' C parser folds case for true/false but takes no surrounding blanks. */
    if (len == 4 && csv_ascii_ieq(s, "true", 4))
        return 1;
    if (len == 5 && csv_ascii_ieq(s, "false", 5))
        return 0;
    return -1;
}
